"""Reuse-centre figures per kommune and the summary counts, worked out by hand (issue 16).

Mutation testing (docs/mutation.md): kills the mutants of ``workflows/reuse.py``'s per-kommune
table (``_by_kommune``: names, the main site, sites per kommune), the allocation
(``_allocation``) and the summary (``_balance_summary``: existing and new sites).

The road is :mod:`tests.workflows.handmade` at 60 km/h, so a person at ``km a`` is ``|a - b|``
minutes from a site at ``km b``.  Three kommuner: Vest (x < 13 km), Aust (x > 13 km) and Øy (the
island road 20 km north, no site on its part of the network).
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from arealsirk.workflows import site_reuse_centres

from . import handmade as h

# people and km along the road; d14 is 12 min from A (km 2) and 16 from B (km 30)
PEOPLE = {"d0": (1000.0, 0.0), "d14": (600.0, 14.0), "d25": (300.0, 25.0), "d38": (200.0, 38.0)}
ISLAND = 50.0
TOTAL = 2150.0


@pytest.fixture(scope="module")
def road():
    return h.graph(island=True, length_km=40)


def _demand():
    return h.people(PEOPLE, ISLAND)


def _kommuner():
    x, y = h.X, h.Y
    return h.points(
        [{"kommunenummer": "1001", "kommunenavn": "Vest"},
         {"kommunenummer": "1002", "kommunenavn": "Aust"},
         {"kommunenummer": "1003", "kommunenavn": "Øy"}],
        [shapely.box(x - 5_000, y - 5_000, x + 13_000, y + 5_000),
         shapely.box(x + 13_000, y - 5_000, x + 45_000, y + 5_000),
         shapely.box(x - 5_000, y + 15_000, x + 10_000, y + 25_000)],
    )


def _run(road, **kw):
    cand = h.points([{"id": "A"}, {"id": "B"}], [h.at(2), h.at(30)])
    return site_reuse_centres(_demand(), cand, road, count=2, max_minutes=10, kommuner=_kommuner(), **kw)


def test_by_kommune_main_site_and_sites_by_hand(road) -> None:
    r = _run(road)
    assert sorted(r.layers["selected_sites"]["id"]) == ["A", "B"]
    k = r.tables["by_kommune"].set_index("kommunenummer")
    assert list(k.index) == ["1001", "1002", "1003"]
    assert k["kommunenavn"].tolist() == ["Vest", "Aust", "Øy"]
    # Vest: d0 (1000, 2 min to A); Aust: d14 (600, 12 min to A), d25 (300, 5 to B), d38 (200, 8 to B)
    assert k.loc["1001", "population"] == 1000.0 and k.loc["1002", "population"] == 1100.0
    assert k.loc["1002", "within_10_min"] == 500.0 and k.loc["1002", "within_15_min"] == 1100.0
    assert k.loc["1002", "mean_minutes"] == pytest.approx((600 * 12 + 300 * 5 + 200 * 8) / 1100)
    # the main site is the one serving most of the kommune's people: in Aust A (600) before B (500)
    assert k.loc["1001", "main_site"] == "A"
    assert k.loc["1002", "main_site"] == "A"
    # Øy: 50 people, none reachable, no site of its own
    assert k.loc["1003", "unreachable_population"] == ISLAND
    assert k.loc["1003", "main_site"] is np.nan or str(k.loc["1003", "main_site"]) == "nan"
    # one site in Vest (A at km 2), one in Aust (B at km 30), none on the island
    assert k["sites_in_kommune"].tolist() == [1, 1, 0]
    assert str(k["sites_in_kommune"].dtype).startswith("int")
    sel = r.layers["selected_sites"].set_index("id")
    assert sel.loc["A", "kommunenummer"] == "1001" and sel.loc["B", "kommunenummer"] == "1002"
    assert sel.loc["A", "population_served"] == 1600.0 and sel.loc["B", "population_served"] == 500.0
    assert sel.loc["A", "population_within_cutoff"] == 1000.0
    assert sel.loc["A", "share_within_cutoff"] == pytest.approx(1000 / 1600)


def test_main_site_of_a_kommune_by_the_most_people(road) -> None:
    # d14 down to 400 people: Aust's main site is B (300 + 200 = 500 > 400)
    demand = _demand()
    demand.loc[demand["id"] == "d14", "population"] = 400.0
    cand = h.points([{"id": "A"}, {"id": "B"}], [h.at(2), h.at(30)])
    r = site_reuse_centres(demand, cand, road, count=2, max_minutes=10, kommuner=_kommuner())
    k = r.tables["by_kommune"].set_index("kommunenummer")
    assert k.loc["1002", "main_site"] == "B"
    assert k.loc["1001", "main_site"] == "A"


def test_summary_counts_existing_and_new_sites(road) -> None:
    existing = h.points([{"id": "E", "facility_type": "recycling_station"}], [h.at(30)])
    cand = h.points([{"id": "A"}], [h.at(2)])
    r = site_reuse_centres(_demand(), cand, road, count=2, max_minutes=10, existing=existing,
                           kommuner=_kommuner())
    s = r.summary
    assert (s["sites"], s["sites_existing"], s["sites_new"]) == (2, 1, 1)
    # within 10 min: d0 (2 min to A), d25 (5 to E), d38 (8 to E) = 1500 of 2150
    assert s["population"] == TOTAL
    assert s["population_covered"] == 1500.0
    assert s["share_covered"] == pytest.approx(1500 / TOTAL)
    assert s["mean_minutes"] == pytest.approx((1000 * 2 + 600 * 12 + 300 * 5 + 200 * 8) / 2100)
    assert s["max_minutes"] == 10
    sel = r.layers["selected_sites"].set_index("id")
    assert bool(sel.loc["E", "existing"]) and not bool(sel.loc["A", "existing"])
    b = r.tables["balance"].set_index("category")["quantity"]
    assert (b["served_within_limit"], b["served_beyond_limit"]) == (1500.0, 600.0)
    assert b["unreachable_no_site_on_part"] == ISLAND


def test_allocation_lines_of_a_person_at_a_site(road) -> None:
    # d0 stands on site A (km 0): its allocation line is 1 m long to the east, 0 km and 0 min
    cand = h.points([{"id": "A"}, {"id": "B"}], [h.at(0), h.at(30)])
    r = site_reuse_centres(_demand(), cand, road, count=2, max_minutes=10, kommuner=_kommuner())
    alloc = r.layers["allocation"].set_index("source_id")
    assert alloc.loc["d0", "geometry"].length == pytest.approx(1.0)
    assert alloc.loc["d0", "distance_km"] == pytest.approx(0.0, abs=1e-9)
    assert alloc.loc["d0", "travel_min"] == pytest.approx(0.0, abs=1e-9)
    assert alloc.loc["d25", "geometry"].length == pytest.approx(5_000.0)
    assert alloc.loc["d14", "site_id"] == "A" and alloc.loc["d25", "site_id"] == "B"
    assert set(alloc["kind"]) == {"population"} and set(alloc["unit"]) == {"people"}
    np.testing.assert_allclose(alloc.loc[["d0", "d14", "d25", "d38"], "quantity"], [1000, 600, 300, 200])
    assert alloc.loc[["d0", "d14", "d25", "d38"], "within_cutoff"].tolist() == [True, False, True, True]


def test_allocation_at_the_cutoff_an_idle_site_and_ids(road) -> None:
    # P2 at km 10 is 10 min from A (km 0; in floats 9.999...: not a test of <= at the cutoff);
    # P1 stands on A.  Candidate F at km 40 is nearest to nobody: 0 people, share not a number.
    demand = h.points([{"ssbid": "x1", "population": 100.0}, {"ssbid": "x2", "population": 40.0}],
                      [h.at(0), h.at(10)])
    cand = h.points([{"id": "A"}, {"id": "F"}], [h.at(0), h.at(40)])
    r = site_reuse_centres(demand, cand, road, count=2, max_minutes=10)
    sel = r.layers["selected_sites"].set_index("id")
    assert list(sel.index) == ["A", "F"]
    assert set(sel["facility_type"]) == {"reuse_centre"}
    assert r.layers["selected_sites"].crs == h.CRS
    assert sel.loc["A", "population_served"] == 140.0 and sel.loc["A", "population_within_cutoff"] == 140.0
    assert sel.loc["A", "share_within_cutoff"] == 1.0
    assert sel.loc["F", "population_served"] == 0.0 and sel.loc["F", "population_within_cutoff"] == 0.0
    assert np.isnan(float(sel.loc["F", "share_within_cutoff"]))
    assert r.summary["population_covered"] == 140.0
    b = r.tables["balance"].set_index("category")["quantity"]
    assert b["served_within_limit"] == 140.0
    alloc = r.layers["allocation"]
    assert alloc.crs == h.CRS
    assert set(alloc["facility_type"]) == {"reuse_centre"}
    a = alloc.set_index("source_id")
    assert list(a.index) == ["x1", "x2"]
    assert a.loc["x2", "travel_min"] == pytest.approx(10.0)
    assert a["within_cutoff"].tolist() == [True, True]
    # the person on the site: a line from the site to 1 m east of it
    assert list(a.loc["x1", "geometry"].coords) == [(h.X, h.Y), (h.X + 1.0, h.Y)]
    # without an id column the people are cell0, cell1
    r = site_reuse_centres(demand.drop(columns="ssbid"), cand, road, count=1, max_minutes=10)
    assert r.layers["allocation"]["source_id"].tolist() == ["cell0", "cell1"]


def test_share_within_cutoff_of_half_a_person(road) -> None:
    demand = h.points([{"id": "p", "population": 0.5}], [h.at(3)])
    cand = h.points([{"id": "A"}], [h.at(2)])
    r = site_reuse_centres(demand, cand, road, count=1, max_minutes=10)
    sel = r.layers["selected_sites"].iloc[0]
    assert sel["population_served"] == 0.5 and sel["population_within_cutoff"] == 0.5
    assert sel["share_within_cutoff"] == 1.0


def test_summary_names_gap_and_the_island_part(road) -> None:
    r = _run(road, exact=True)
    s = r.summary
    assert s["workflow"] == "reuse_centres (coverage)"
    # exact: the MILP proves its optimum, so the gap is 0 (not a missing value)
    assert s["gap"] == 0.0
    k = r.tables["by_kommune"]
    assert list(k.columns[:2]) == ["kommunenummer", "kommunenavn"]
    b = r.tables["balance"].set_index("category")
    assert b.loc["unreachable_no_site_on_part", "stream"] == "population"
    # the island road is part 1 of the network (the main road part 0): no open site on it
    assert b.loc["unreachable_no_site_on_part", "detail"] == "road part(s) 1 have no open site"
    # kommuner without a name column: the name is empty, not missing
    cand = h.points([{"id": "A"}, {"id": "B"}], [h.at(2), h.at(30)])
    r = site_reuse_centres(_demand(), cand, road, count=2, max_minutes=10,
                           kommuner=_kommuner().drop(columns="kommunenavn"))
    assert r.tables["by_kommune"]["kommunenavn"].tolist() == ["", "", ""]


def test_a_curve_whose_first_site_reaches_nobody(road) -> None:
    """count=2 with one existing station on the island road (nobody lives within reach of it: the
    island person is 20 km off the road): the curve starts with that station alone, which covers 0
    people and has no mean drive time (an empty cell), instead of a ZeroDivisionError."""
    existing = h.points([{"id": "E", "facility_type": "recycling_station"}], [h.at(30, north_km=20)])
    cand = h.points([{"id": "A"}, {"id": "B"}], [h.at(2), h.at(30)])
    people = h.points([{"id": i, "population": p} for i, (p, _) in PEOPLE.items()],
                      [h.at(km) for _, km in PEOPLE.values()])
    r = site_reuse_centres(people, cand, road, count=2, max_minutes=10, existing=existing)
    curve = r.tables["coverage_curve"].set_index("sites")
    assert curve.loc[1, "population_covered"] == 0.0 and np.isnan(curve.loc[1, "mean_minutes"])
    # with A added (km 2): d0 at 2 min is within 10; d14 12, d25 23, d38 36 min are beyond
    assert curve.loc[2, "population_covered"] == 1000.0
    assert curve.loc[2, "mean_minutes"] == pytest.approx((1000 * 2 + 600 * 12 + 300 * 23 + 200 * 36) / 2100)


def test_a_person_exactly_at_the_cutoff_is_within_it() -> None:
    """The drive-time limit is inclusive (within = minutes <= max_minutes). At 36 km/h (10 m/s, exact
    in floating point) a person 6 km from the site is 600 s = exactly 10 min away and is within a
    10-minute limit; one 7 km away (11.67 min) is not. Checked in the allocation, the summary, the
    selected site, the per-kommune bands, the coverage curve and the balance."""
    from arealsirk.network import graph_from_roads

    roads = h.roads(island=False, length_km=12)
    roads["speed_kph"] = 36.0
    graph = graph_from_roads(roads, keep="all")
    people = h.points([{"id": "p6", "population": 100.0}, {"id": "p7", "population": 10.0}],
                      [h.at(6), h.at(7)])
    cand = h.points([{"id": "A"}], [h.at(0)])
    r = site_reuse_centres(people, cand, graph, count=1, max_minutes=10)
    alloc = r.layers["allocation"].set_index("source_id")
    assert bool(alloc.loc["p6", "within_cutoff"]) and not bool(alloc.loc["p7", "within_cutoff"])
    assert r.summary["population_covered"] == 100.0
    site = r.layers["selected_sites"].set_index("id")
    assert site.loc["A", "population_within_cutoff"] == 100.0 and site.loc["A", "population_served"] == 110.0
    assert r.tables["by_kommune"]["within_10_min"].tolist() == [100.0]
    assert r.tables["coverage_curve"].set_index("sites").loc[1, "population_covered"] == 100.0
    bal = r.tables["balance"].set_index("category")["quantity"]
    assert bal["served_within_limit"] == 100.0 and bal["served_beyond_limit"] == 10.0
