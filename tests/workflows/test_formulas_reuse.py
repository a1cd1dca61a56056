"""Reuse-centre coverage, bands, mean minutes and curve on a straight road, worked out by hand.

Mutation testing (issue 16, docs/mutation.md): kills the coverage-formula mutants of
``workflows/reuse.py``.  The road is :mod:`tests.workflows.handmade` at 60 km/h, so a person at
``km a`` is ``|a - b|`` minutes from a site at ``km b``; the island road 20 km north is another
part of the network (its people reach no site).
"""

from __future__ import annotations

import numpy as np
import pytest

from arealsirk.workflows import site_reuse_centres

from . import handmade as h

PEOPLE = {"d0": (1000.0, 0.0), "d14": (500.0, 14.0), "d25": (300.0, 25.0), "d38": (200.0, 38.0)}
ISLAND = 50.0  # people on the island road: no site on their part of the network
TOTAL = 2050.0


@pytest.fixture(scope="module")
def road():
    return h.graph(island=True, length_km=40)


def _demand():
    return h.people(PEOPLE, ISLAND)


def _cand():
    return h.points([{"id": "A"}, {"id": "B"}], [h.at(2), h.at(30)])


def test_one_centre_coverage_by_hand(road) -> None:
    r = site_reuse_centres(_demand(), _cand(), road, count=1, max_minutes=10)
    # within 10 min: A (km 2) reaches d0 (2 min) = 1000 people; B (km 30) reaches d25 + d38 = 500
    assert r.layers["selected_sites"]["id"].tolist() == ["A"]
    s = r.summary
    assert s["population"] == TOTAL
    assert s["population_covered"] == 1000.0
    assert s["share_covered"] == pytest.approx(1000 / TOTAL)
    # minutes to A: 2, 12, 23, 36; the island's 50 people are left out of the mean
    mean = (1000 * 2 + 500 * 12 + 300 * 23 + 200 * 36) / 2000  # 11.05
    assert s["mean_minutes"] == pytest.approx(mean)
    assert s["objective"] == pytest.approx(1000.0)
    assert (s["sites"], s["sites_new"], s["sites_existing"]) == (1, 1, 0)
    sel = r.layers["selected_sites"].iloc[0]
    assert sel["population_served"] == 2000.0
    assert sel["population_within_cutoff"] == 1000.0
    assert sel["share_within_cutoff"] == pytest.approx(0.5)
    alloc = r.layers["allocation"].set_index("source_id")
    assert "isl" not in alloc.index
    np.testing.assert_allclose(alloc.loc[["d0", "d14", "d25", "d38"], "travel_min"], [2, 12, 23, 36])
    np.testing.assert_allclose(alloc.loc[["d0", "d14", "d25", "d38"], "distance_km"], [2, 12, 23, 36])
    assert alloc["within_cutoff"].tolist() == [True, False, False, False]
    # bands 15/20/30 min (reuse.band1..3_minutes) and the cutoff 10 min, people by hand
    k = r.tables["by_kommune"].iloc[0]
    assert k["population"] == TOTAL
    assert (k["within_10_min"], k["within_15_min"], k["within_20_min"], k["within_30_min"]) == (
        1000.0, 1500.0, 1500.0, 1800.0)
    assert k["share_15_min"] == pytest.approx(1500 / TOTAL)
    assert k["share_30_min"] == pytest.approx(1800 / TOTAL)
    assert k["mean_minutes"] == pytest.approx(mean)
    assert k["unreachable_population"] == ISLAND
    b = r.tables["balance"].set_index("category")["quantity"]
    assert b["served_within_limit"] == 1000.0
    assert b["served_beyond_limit"] == 1000.0
    assert b["unreachable_no_site_on_part"] == ISLAND


def test_coverage_curve_and_target_by_hand(road) -> None:
    r = site_reuse_centres(_demand(), _cand(), road, count=1, max_minutes=10)
    curve = r.tables["coverage_curve"].set_index("sites")
    assert list(curve.index) == [1, 2]
    assert curve.loc[1, "population_covered"] == 1000.0
    # both: d0 (2 min to A), d25 (5 to B), d38 (8 to B) = 1500; d14 is 12 min from A, 16 from B
    assert curve.loc[2, "population_covered"] == 1500.0
    assert curve.loc[2, "share_covered"] == pytest.approx(1500 / TOTAL)
    assert curve.loc[2, "mean_minutes"] == pytest.approx((1000 * 2 + 500 * 12 + 300 * 5 + 200 * 8) / 2000)
    assert curve.loc[1, "mean_minutes"] == pytest.approx(11.05)
    # 90 % (reuse.target_share) is out of reach with two candidates; 70 % needs both
    assert r.summary["centres_for_target"] == -1
    r = site_reuse_centres(_demand(), _cand(), road, count=1, max_minutes=10,
                           parameters={"reuse.target_share": 0.7})
    assert r.summary["centres_for_target"] == 2
    r = site_reuse_centres(_demand(), _cand(), road, count=1, max_minutes=10,
                           parameters={"reuse.target_share": 1000 / TOTAL})
    assert r.summary["centres_for_target"] == 1


def test_median_objective_by_hand(road) -> None:
    # weighted minutes with A alone: 1000 x 2 + 500 x 12 + 300 x 23 + 200 x 36 = 22 100;
    # with B alone: 1000 x 30 + 500 x 16 + 300 x 5 + 200 x 8 = 41 100 -> A
    r = site_reuse_centres(_demand(), _cand(), road, count=1, max_minutes=10, objective="median")
    assert r.layers["selected_sites"]["id"].tolist() == ["A"]
    assert r.summary["objective"] == pytest.approx(22_100.0)
    assert r.summary["mean_minutes"] == pytest.approx(11.05)


def test_two_centres_split_the_people(road) -> None:
    r = site_reuse_centres(_demand(), _cand(), road, count=2, max_minutes=10)
    sel = r.layers["selected_sites"].set_index("id")
    # d0 and d14 nearest A (2 and 12 min); d25 and d38 nearest B (5 and 8 min)
    assert sel.loc["A", "population_served"] == 1500.0 and sel.loc["A", "population_within_cutoff"] == 1000.0
    assert sel.loc["B", "population_served"] == 500.0 and sel.loc["B", "population_within_cutoff"] == 500.0
    assert sel.loc["A", "share_within_cutoff"] == pytest.approx(1000 / 1500)
    assert sel.loc["B", "share_within_cutoff"] == pytest.approx(1.0)
    assert r.summary["population_covered"] == 1500.0
    assert r.summary["mean_minutes"] == pytest.approx(5.55)


def test_coverage_table_by_hand() -> None:
    from arealsirk.workflows.reuse import coverage_table

    minutes = np.array([5.0, 15.0, 25.0, np.inf, 10.0, 40.0])
    people = np.array([100.0, 50.0, 30.0, 20.0, 0.0, 10.0])
    t = coverage_table(minutes, people, ["B", "B", "B", "B", "A", "A"], [15.0, 30.0])
    t = t.set_index("kommunenummer")
    assert list(t.index) == ["A", "B"]
    # B: 200 people; within 15 min 100 + 50 (15 is within), within 30 min + 30; 20 unreachable
    assert t.loc["B", "population"] == 200.0
    assert (t.loc["B", "within_15_min"], t.loc["B", "within_30_min"]) == (150.0, 180.0)
    assert t.loc["B", "share_15_min"] == pytest.approx(0.75)
    assert t.loc["B", "share_30_min"] == pytest.approx(0.9)
    assert t.loc["B", "mean_minutes"] == pytest.approx((100 * 5 + 50 * 15 + 30 * 25) / 180)
    assert t.loc["B", "unreachable_population"] == 20.0
    # A: 10 people at 40 min (and an empty cell at 10 min)
    assert t.loc["A", "population"] == 10.0
    assert (t.loc["A", "within_15_min"], t.loc["A", "share_15_min"]) == (0.0, 0.0)
    assert t.loc["A", "mean_minutes"] == pytest.approx(40.0)
    assert t.loc["A", "unreachable_population"] == 0.0
    assert list(t.columns) == ["population", "within_15_min", "share_15_min", "within_30_min", "share_30_min",
                               "mean_minutes", "unreachable_population"]


def test_coverage_table_of_a_group_without_people_or_reachable_people() -> None:
    from arealsirk.workflows.reuse import coverage_table

    t = coverage_table(np.array([np.inf, 3.0]), np.array([5.0, 0.0]), ["X", "Y"], [20.0])
    t = t.set_index("kommunenummer")
    assert np.isnan(t.loc["X", "mean_minutes"]) and t.loc["X", "unreachable_population"] == 5.0
    assert t.loc["X", "share_20_min"] == 0.0
    assert np.isnan(t.loc["Y", "share_20_min"]) and np.isnan(t.loc["Y", "mean_minutes"])


def test_coverage_table_of_half_a_person() -> None:
    from arealsirk.workflows.reuse import coverage_table

    t = coverage_table(np.array([4.0]), np.array([0.5]), ["Z"], [10.0]).iloc[0]
    assert t["share_10_min"] == 1.0 and t["mean_minutes"] == 4.0
