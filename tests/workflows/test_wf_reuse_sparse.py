"""Reuse centres on cutoff-bounded costs (issue 19) against an independent dense computation.

The workflow never builds the people x sites matrix for the coverage objective: the pairs within the
largest band are sparse, people beyond it get their nearest open site from road-time columns of the
open sites only.  Every figure is checked here against a dense Dijkstra OD matrix computed in the
test (:func:`arealsirk.proximity.od_matrix`, ``method="dijkstra"``) and the model against brute force
over all site sets -- on the demo and on the coast of Helgeland (ferries, islands, people beyond every
band and people who reach no site).
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from arealsirk.proximity import od_matrix
from arealsirk.workflows import reuse as reuse_module
from arealsirk.workflows import site_reuse_centres

REL = 1e-9  # summation order of the same path may differ in the last bits


def _sites(demo, result) -> gpd.GeoDataFrame:
    """The demo's site table built here: existing recycling stations, then the zones not excluded."""
    ex = demo.existing[demo.existing["facility_type"] == "recycling_station"][["id", "geometry"]]
    gone = set(result.tables["excluded"]["id"]) if len(result.tables["excluded"]) else set()
    zones = demo.zones[~demo.zones["id"].isin(gone)][["id", "geometry"]]
    both = pd.concat([ex, zones], ignore_index=True)
    return gpd.GeoDataFrame(both, geometry="geometry", crs=demo.zones.crs)


def _dense(graph, people, sites):
    T = od_matrix(graph, people, sites, method="dijkstra") / 60.0
    L = od_matrix(graph, people, sites, weight="length", method="dijkstra") / 1000.0
    return T, L


def _brute(T, w, radius, k, fixed):
    """Best covered weight over every k-set holding ``fixed`` (plain enumeration)."""
    within = np.less_equal(T, radius)
    free = [j for j in range(T.shape[1]) if j not in fixed]
    best = -1.0
    for extra in itertools.combinations(free, k - len(fixed)):
        cols = list(fixed) + list(extra)
        best = max(best, float(w[within[:, cols].any(axis=1)].sum()))
    return best


def _check_against_dense(r, people, w, sites, T, L, cutoff):
    """Allocation, summary, per-band shares and every curve row equal the dense figures."""
    col = {sid: j for j, sid in enumerate(sites["id"].astype(str))}
    open_ = [col[s] for s in r.layers["selected_sites"]["id"].astype(str)]
    near = T[:, open_].min(axis=1)
    al = r.layers["allocation"]
    idx = pd.Index(people["_key"]).get_indexer(al["source_id"])
    assert (idx >= 0).all()
    assert set(idx) == set(np.flatnonzero(np.isfinite(near)))  # everyone who reaches an open site, once
    np.testing.assert_allclose(al["travel_min"], near[idx], rtol=REL)
    site_col = al["site_id"].map(col).to_numpy()
    np.testing.assert_allclose(T[idx, site_col], near[idx], rtol=REL)  # a nearest open site (ties count)
    np.testing.assert_allclose(al["distance_km"], L[idx, site_col], rtol=REL)
    fin = np.isfinite(near)
    s = r.summary
    assert s["population_covered"] == pytest.approx(w[near <= cutoff].sum(), rel=REL)
    assert s["mean_minutes"] == pytest.approx(np.average(near[fin], weights=w[fin]), rel=REL)
    k = r.tables["by_kommune"].set_index("kommunenummer")
    for code, grp in people.groupby("kommunenummer"):
        rows = grp.index.to_numpy()
        for band in (15, 20, 30):
            want = w[rows][near[rows] <= band].sum()
            assert k.loc[code, f"within_{band}_min"] == pytest.approx(want, rel=REL)
    for _, row in r.tables["coverage_curve"].iterrows():
        cols = [col[s] for s in row["site_ids"].split(";")]
        nk = T[:, cols].min(axis=1)
        f = np.isfinite(nk)
        assert row["population_covered"] == pytest.approx(w[nk <= cutoff].sum(), rel=REL)
        assert row["mean_minutes"] == pytest.approx(np.average(nk[f], weights=w[f]), rel=REL)
    return open_, near


def test_demo_equals_dense_and_brute_force(demo, demo_graph, demo_exclusions):
    r = site_reuse_centres(demo.population, demo.zones, demo_graph, count=7, existing=demo.existing,
                           kommuner=demo.kommuner, max_minutes=15, exclusions=demo_exclusions, exact=True)
    people = demo.population[demo.population["population"] > 0].reset_index(drop=True)
    people["_key"] = people["ssbid"].astype(str)
    w = people["population"].to_numpy(float)
    sites = _sites(demo, r)
    T, L = _dense(demo_graph, people, sites)
    _check_against_dense(r, people, w, sites, T, L, 15)
    fixed = list(range(5))  # the five recycling stations come first
    assert r.summary["population_covered"] == pytest.approx(_brute(T, w, 15, 7, fixed))
    # exact=True proves every count of the curve: each equals the brute-force optimum
    curve = r.tables["coverage_curve"]
    assert (curve["status"] == "optimal").all() and (curve["proven_gap"] == 0).all()
    for _, row in curve.iterrows():
        assert row["population_covered"] == pytest.approx(_brute(T, w, 15, int(row["sites"]), fixed))


def test_demo_median_and_no_dense_matrix_for_coverage(demo, demo_graph, monkeypatch):
    people = demo.population[demo.population["population"] > 0].reset_index(drop=True)
    w = people["population"].to_numpy(float)
    med = site_reuse_centres(demo.population, demo.zones, demo_graph, count=3, max_minutes=15,
                             objective="median", curve_max=3)
    sites = demo.zones[["id", "geometry"]]
    T = od_matrix(demo_graph, people, sites, method="dijkstra") / 60.0
    col = {sid: j for j, sid in enumerate(sites["id"].astype(str))}
    open_ = [col[s] for s in med.layers["selected_sites"]["id"]]
    sets = itertools.combinations(range(len(col)), 3)
    best = min(float((T[:, list(s)].min(axis=1) * w).sum()) for s in sets)
    assert float((T[:, open_].min(axis=1) * w).sum()) == pytest.approx(best, rel=1e-9)  # the p-median optimum

    def no_dense(*args, **kw):
        raise AssertionError("the coverage objective built a dense people x sites matrix")

    monkeypatch.setattr(reuse_module, "od_snapped", no_dense)
    cov = site_reuse_centres(demo.population, demo.zones, demo_graph, count=3, max_minutes=15, curve_max=3)
    assert cov.summary["population_covered"] == pytest.approx(
        _brute(T, w, 15, 3, []), rel=1e-12)


@pytest.fixture(scope="module")
def helgeland(shared_data):
    from arealsirk.network import graph_from_roads
    from arealsirk.readers.ssb import decode_ssb_id

    n1000 = shared_data / "n1000_kartverket" / "n1000_transport_admin.gpkg"
    codes = ("1833", "1832", "1824", "1822", "1820", "1818", "1827", "1828", "1834", "1835", "1836")
    kom = gpd.read_file(n1000, layer="Kommune")
    kom = kom[kom["kommunenummer"].isin(codes)].reset_index(drop=True)
    region = kom.union_all()
    roads = gpd.read_file(n1000, layer="Veglenke", bbox=region.bounds)
    roads = roads[roads.intersects(region)].reset_index(drop=True)
    sea = gpd.read_file(shared_data / "n1000_kartverket" / "n1000_landcover.gpkg", layer="Havflate",
                        bbox=region.bounds).union_all()
    graph = graph_from_roads(roads, land=shapely.difference(region, sea))
    grid = pd.read_csv(shared_data / "ssb_popgrid_2015" / "ru250m_2015.csv", sep=";")
    x, y = decode_ssb_id(grid["ru250m"].to_numpy())
    cells = gpd.GeoDataFrame({"ru250m": grid["ru250m"].astype(str).to_numpy(),
                              "population": grid["pop_tot"].to_numpy(dtype=float)},
                             geometry=gpd.points_from_xy(x + 125.0, y + 125.0), crs=25833)
    cells = cells.cx[region.bounds[0]:region.bounds[2], region.bounds[1]:region.bounds[3]]
    cells = gpd.sjoin(cells[cells.within(region)], kom[["kommunenummer", "geometry"]], predicate="within")
    cells = cells.drop(columns="index_right").reset_index(drop=True)
    cand = gpd.GeoDataFrame({"id": kom["kommunenummer"], "name": kom["kommunenavn"]},
                            geometry=kom.representative_point(), crs=kom.crs)
    return kom, graph, cells, cand


def test_coast_equals_dense_and_brute_force(helgeland):
    kom, graph, cells, cand = helgeland
    r = site_reuse_centres(cells, cand, graph, count=3, kommuner=kom, curve_max=4, max_minutes=20)
    people = cells.assign(_key=cells["ru250m"])
    w = people["population"].to_numpy(float)
    T, L = _dense(graph, people, cand)
    _, near = _check_against_dense(r, people, w, cand, T, L, 20)
    # the coast has all three cases: within the bands, beyond 30 min (ferries), and no site at all
    assert (near <= 20).any() and ((near > 30) & np.isfinite(near)).any() and (~np.isfinite(near)).any()
    assert r.summary["population_covered"] == pytest.approx(_brute(T, w, 20, 3, []))
    curve = r.tables["coverage_curve"].set_index("sites")
    for k in curve.index:
        best = _brute(T, w, 20, int(k), [])
        got = curve.loc[k, "population_covered"]
        assert got <= best + 1e-9
        assert got == pytest.approx(best) or curve.loc[k, "proven_gap"] > 0  # a zero gap is a proof
    # the balance: served within / beyond the limit as the dense matrix says, the rest not served
    b = r.tables["balance"].set_index("category")["quantity"]
    assert b["served_within_limit"] == pytest.approx(w[near <= 20].sum())
    assert b["served_beyond_limit"] == pytest.approx(w[(near > 20) & np.isfinite(near)].sum())
    assert b.sum() == pytest.approx(w.sum(), rel=1e-12)
