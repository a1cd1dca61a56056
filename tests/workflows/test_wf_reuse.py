"""Reuse centres: coverage recomputed from the OD matrix, existing kept, curve, per kommune, errors."""

from __future__ import annotations

import numpy as np
import pytest

from arealsirk.errors import InfeasibleError, InputError
from arealsirk.proximity import od_matrix
from arealsirk.workflows import site_reuse_centres


def test_schema_and_existing_kept(demo, reuse7):
    sel = reuse7.layers["selected_sites"]
    assert len(sel) == 7
    stations = demo.existing[demo.existing["facility_type"] == "recycling_station"]
    assert set(stations["id"]) <= set(sel["id"])
    assert sel.set_index("id").loc[list(stations["id"]), "existing"].all()
    for col in (
        "id",
        "name",
        "facility_type",
        "kommunenummer",
        "existing",
        "population_served",
        "share_within_cutoff",
    ):
        assert col in sel.columns
    assert (sel["facility_type"] == "reuse_centre").all()
    sa = reuse7.layers["service_areas"]
    assert {"site_id", "minutes"} <= set(sa.columns) and set(sa["minutes"]) == {15, 20, 30}
    al = reuse7.layers["allocation"]
    assert {"source_id", "site_id", "quantity", "unit", "travel_min", "distance_km"} <= set(al.columns)
    assert al["quantity"].sum() == pytest.approx(demo.population["population"].sum())


def test_coverage_recomputed_from_od_matrix(demo, demo_graph, reuse7):
    sel = reuse7.layers["selected_sites"]
    pop = demo.population[demo.population["population"] > 0].reset_index(drop=True)
    T = od_matrix(demo_graph, pop, sel) / 60.0
    nearest = T.min(axis=1)
    w = pop["population"].to_numpy(float)
    covered = w[nearest <= 15].sum()
    assert reuse7.summary["population_covered"] == pytest.approx(covered)
    assert reuse7.summary["share_covered"] == pytest.approx(covered / w.sum())
    assert reuse7.summary["mean_minutes"] == pytest.approx(np.average(nearest, weights=w))
    # per kommune bands from the same matrix
    k = reuse7.tables["by_kommune"].set_index("kommunenummer")
    for code, grp in pop.groupby("kommunenummer"):
        idx = grp.index.to_numpy()
        for band in (15, 20, 30):
            share = w[idx][nearest[idx] <= band].sum() / w[idx].sum()
            assert k.loc[code, f"share_{band}_min"] == pytest.approx(share)
        assert k.loc[code, "mean_minutes"] == pytest.approx(np.average(nearest[idx], weights=w[idx]))
    # the model's solution is at least as good as keeping only the existing stations
    curve = reuse7.tables["coverage_curve"].set_index("sites")
    assert curve.loc[7, "population_covered"] == pytest.approx(covered)


def test_coverage_curve_rises_and_target(reuse7):
    curve = reuse7.tables["coverage_curve"]
    assert curve["sites"].iloc[0] == 5  # the existing stations are always open
    assert (np.diff(curve["population_covered"]) >= -1e-9).all()
    need = reuse7.summary["centres_for_target"]
    if need > 0:
        row = curve.set_index("sites").loc[need]
        assert row["share_covered"] >= 0.9
        before = curve[curve["sites"] < need]
        assert (before["share_covered"] < 0.9).all()


def test_sites_not_in_exclusions(reuse7, demo_exclusions):
    assert not reuse7.layers["selected_sites"].geometry.intersects(demo_exclusions.union_all()).any()


def test_median_objective_lowers_mean_time(demo, demo_graph):
    cov = site_reuse_centres(demo.population, demo.zones, demo_graph, count=3, max_minutes=15, curve_max=3)
    med = site_reuse_centres(
        demo.population, demo.zones, demo_graph, count=3, max_minutes=15, objective="median", curve_max=3
    )
    assert med.summary["mean_minutes"] <= cov.summary["mean_minutes"] + 1e-9
    assert cov.summary["population_covered"] >= med.summary["population_covered"] - 1e-9


def test_bad_inputs(demo, demo_graph):
    with pytest.raises(InfeasibleError, match=r"nobody is within max_minutes = 0\.01"):
        site_reuse_centres(demo.population, demo.zones, demo_graph, count=2, max_minutes=0.01)
    with pytest.raises(InputError, match="count=3 is smaller than the 5 existing"):
        site_reuse_centres(demo.population, demo.zones, demo_graph, count=3, existing=demo.existing)
    with pytest.raises(InputError, match="objective"):
        site_reuse_centres(demo.population, demo.zones, demo_graph, objective="nearest")
    with pytest.raises(InputError, match="missing column"):
        site_reuse_centres(demo.population, demo.zones, demo_graph, population_column="folk")
