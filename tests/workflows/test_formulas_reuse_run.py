"""Reuse centres: drive times with access legs, people beyond every band, service areas, the options
and their messages, worked out by hand (issue 16, mutation run of ``workflows/reuse.py``).

The road is :mod:`tests.workflows.handmade` at 60 km/h (1 km = 1 min), cut into 1 km pieces
(``network.max_edge_m`` = 1000 m), so a point on it at ``km a`` sits on a road node.  A point
``north_km`` off the road snaps to the node beside it and drives that distance at
``network.snap_speed_kph`` = 20 km/h ("Planning assumption: slow access driving on private/farm
roads"): 0.3 km = 0.9 min, 0.6 km = 1.8 min, 1 km = 3 min.  Drive time = person's access + road +
site's access; road km = the same legs in km.  Bands: ``reuse.band1..3_minutes`` = 15/20/30 min
plus ``max_minutes``; the largest band is the cutoff of the sparse pairs, people beyond it get their
nearest site from road-time columns.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from arealsirk.constraints import Exclusions
from arealsirk.errors import InfeasibleError, InputError
from arealsirk.workflows import site_reuse_centres

from . import handmade as h


@pytest.fixture(scope="module")
def road70():
    from arealsirk.network import graph_from_roads

    return graph_from_roads(h.roads(island=False, length_km=70), keep="all")


@pytest.fixture(scope="module")
def road30():
    return h.graph(island=False, length_km=30)


# ------------------------------------------------------------------ access legs and people beyond the bands

def _off_road_run(road70):
    """p on the road at km 2; q at km 35 and r at km 34, both 0.3 km off the road; candidate A 0.6 km
    off the road at km 2, B on the road at km 68; existing station C 1 km off the road at km 70.
    max_minutes 3 and band 1 overridden to 2 min: bands 2, 3, 20, 30 (cutoff 30)."""
    dem = h.points([{"id": "p", "population": 100.0}, {"id": "q", "population": 30.0},
                    {"id": "r", "population": 20.0}],
                   [h.at(2), h.at(35, north_km=0.3), h.at(34, north_km=0.3)])
    cand = h.points([{"id": "A"}, {"id": "B"}], [h.at(2, north_km=0.6), h.at(68)])
    existing = h.points([{"id": "C", "facility_type": "recycling_station"}], [h.at(70, north_km=1.0)])
    return site_reuse_centres(dem, cand, road70, count=3, max_minutes=3, existing=existing,
                              parameters={"reuse.band1_minutes": 2})


def test_access_legs_and_people_beyond_every_band_by_hand(road70) -> None:
    r = _off_road_run(road70)
    alloc = r.layers["allocation"].set_index("source_id")
    assert list(alloc.index) == ["p", "q", "r"]
    # p -> A: 0 + 0 + 1.8 min (A's 0.6 km access), 0.6 km
    # q (km 35) -> A: 0.9 + 33 + 1.8 = 35.7; -> B: 0.9 + 33 + 0 = 33.9; -> C: 0.9 + 35 + 3 = 38.9 -> B
    # r (km 34) -> A: 0.9 + 32 + 1.8 = 34.7; -> B: 0.9 + 34 = 34.9; -> C: 0.9 + 36 + 3 = 39.9 -> A
    # q and r are beyond the 30-minute cutoff of every site
    assert alloc["site_id"].tolist() == ["A", "B", "A"]
    np.testing.assert_allclose(alloc["travel_min"], [1.8, 33.9, 34.7], rtol=1e-12)
    np.testing.assert_allclose(alloc["distance_km"], [0.6, 33.3, 32.9], rtol=1e-12)
    assert alloc["within_cutoff"].tolist() == [True, False, False]
    s = r.summary
    assert s["population"] == 150.0 and s["population_covered"] == 100.0
    assert s["mean_minutes"] == pytest.approx((100 * 1.8 + 30 * 33.9 + 20 * 34.7) / 150, rel=1e-12)
    k = r.tables["by_kommune"].iloc[0]
    assert (k["within_2_min"], k["within_3_min"], k["within_20_min"], k["within_30_min"]) == (
        100.0, 100.0, 100.0, 100.0)
    assert "within_15_min" not in r.tables["by_kommune"].columns  # band 1 is 2 min here
    sel = r.layers["selected_sites"].set_index("id")
    assert sel.loc["A", "population_served"] == 120.0 and sel.loc["B", "population_served"] == 30.0
    assert sel.loc["C", "population_served"] == 0.0
    # the curve: C alone (fixed): p 0 + 68 + 3 = 71, q 0.9 + 35 + 3 = 38.9, r 39.9 min
    curve = r.tables["coverage_curve"].set_index("sites")
    assert curve.loc[1, "mean_minutes"] == pytest.approx((100 * 71 + 30 * 38.9 + 20 * 39.9) / 150, rel=1e-12)
    assert curve.loc[1, "population_covered"] == 0.0
    # C and A: p 1.8, q 35.7, r 34.7
    assert curve.loc[2, "mean_minutes"] == pytest.approx((100 * 1.8 + 30 * 35.7 + 20 * 34.7) / 150, rel=1e-12)
    assert curve.loc[3, "mean_minutes"] == pytest.approx(s["mean_minutes"], rel=1e-12)
    # the station is kept (nearest to nobody: 0 people, no share), the candidates chosen
    assert [str(m) for m in r.messages if m.key == "reuse.site"] == [
        "C (C, existing station, kept): serves 0 people, - of them within 3 min",
        "A (A, chosen by the model): serves 120 people, 83% of them within 3 min",
        "B (B, chosen by the model): serves 30 people, 0% of them within 3 min"]
    b = r.tables["balance"]
    assert set(b["theme"]) == {"reuse"}
    assert b.set_index("category").loc["served_beyond_limit", "quantity"] == 50.0


def test_service_areas_with_access_time_by_hand(road70) -> None:
    """A site's area for T minutes is the road within T - access minutes of its node, buffered by
    ``network.service_area_buffer_m`` = 250 m ("Planning assumption: reach of the road corridor for
    isochrone polygons"); an area the access alone uses up is empty, with a note naming the site."""
    r = _off_road_run(road70)
    sa = r.layers["service_areas"]
    assert sa["site_id"].tolist() == ["C"] * 4 + ["A"] * 4 + ["B"] * 4
    assert sa["minutes"].tolist() == [2.0, 3.0, 20.0, 30.0] * 3
    assert set(sa["facility_type"]) == {"reuse_centre"}
    assert "facility" not in sa.columns
    # C (3 min access): 2 and 3 min empty polygons; 20 min reaches 17 km west of km 70
    assert sa.geometry.iloc[0].is_empty and sa.geometry.iloc[0].geom_type == "Polygon"
    assert sa.geometry.iloc[1].is_empty and sa.geometry.iloc[1].geom_type == "Polygon"
    xmin = sa.bounds["minx"].to_numpy() - h.X
    xmax = sa.bounds["maxx"].to_numpy() - h.X
    assert xmin[2] == pytest.approx(53_000 - 250, abs=1e-6)
    assert xmin[3] == pytest.approx(43_000 - 250, abs=1e-6)
    # A (1.8 min access): 2 min -> 0.2 km either side of km 2; 3 min -> 1.2 km
    assert (xmin[4], xmax[4]) == (pytest.approx(1_800 - 250, abs=1e-6), pytest.approx(2_200 + 250, abs=1e-6))
    assert (xmin[5], xmax[5]) == (pytest.approx(800 - 250, abs=1e-6), pytest.approx(3_200 + 250, abs=1e-6))
    assert xmax[6] == pytest.approx(20_200 + 250, abs=1e-6)
    # B on the road at km 68: 2 min -> km 66
    assert xmin[8] == pytest.approx(66_000 - 250, abs=1e-6)
    notes = [str(m) for m in r.messages if m.key == "reuse.empty_area"]
    assert notes == [
        "site C: the drive from the point to the road takes 3.0 min, so there is no 2-minute service area",
        "site C: the drive from the point to the road takes 3.0 min, so there is no 3-minute service area",
    ]


def test_a_person_exactly_at_the_largest_band_is_a_pair_within_it(road30) -> None:
    """At 36 km/h (10 m/s: exact in floating point) 18 km is exactly 1 800 s = 30 min, the largest
    band and here max_minutes.  A covers s (on it) and p (exactly 30 min) = 110 people; B covers p
    only (2 km) = 100: the model opens A and its objective is 110."""
    from arealsirk.network import graph_from_roads

    roads = h.roads(island=False, length_km=20)
    roads["speed_kph"] = 36.0
    graph = graph_from_roads(roads, keep="all")
    dem = h.points([{"id": "s", "population": 10.0}, {"id": "p", "population": 100.0}], [h.at(0), h.at(18)])
    cand = h.points([{"id": "A"}, {"id": "B"}], [h.at(0), h.at(20)])
    r = site_reuse_centres(dem, cand, graph, count=1, max_minutes=30)
    assert r.layers["selected_sites"]["id"].tolist() == ["A"]
    assert r.summary["objective"] == 110.0
    assert r.summary["population_covered"] == 110.0
    assert r.tables["coverage_curve"].set_index("sites").loc[1, "population_covered"] == 110.0


# ------------------------------------------------------------------ nobody within reach

def test_nobody_within_max_minutes_names_the_nearest_person(road30) -> None:
    # q at km 20, 0.6 km off the road: 1.8 + 8 = 9.8 min from B (km 28), 1.8 + 20 from A (km 0)
    dem = h.points([{"id": "q", "population": 30.0}], [h.at(20, north_km=0.6)])
    cand = h.points([{"id": "A"}, {"id": "B"}], [h.at(0), h.at(28)])
    msg = ("nobody is within max_minutes = 5 min of any candidate or existing site (the nearest person "
           "is 9.8 min away); raise max_minutes or add candidates")
    with pytest.raises(InfeasibleError) as e:
        site_reuse_centres(dem, cand, road30, count=1, max_minutes=5)
    assert str(e.value) == msg


def test_no_site_on_the_road_network() -> None:
    # the only candidate is 10 km from the main road and 18 km from the island road (beyond
    # network.max_snap_m = 5 000 m), inside the network's extent: not snapped, nobody reaches it
    dem = h.points([{"id": "q", "population": 30.0}], [h.at(20)])
    cand = h.points([{"id": "A"}], [h.at(20, north_km=10)])
    with pytest.raises(InfeasibleError) as e:
        site_reuse_centres(dem, cand, h.graph(island=True), count=1, max_minutes=10)
    assert "(the nearest person is inf min away)" in str(e.value)


# ------------------------------------------------------------------ options and their messages

def _dem():
    return h.points([{"id": "p", "population": 100.0}, {"id": "q", "population": 30.0}],
                    [h.at(2), h.at(20, north_km=0.6)])


def _cand(n: int = 2):
    return h.points([{"id": c} for c in "ABC"[:n]], [h.at(0), h.at(28), h.at(10)][:n])


def _raises(exc, msg, *args, **kw):
    with pytest.raises(exc) as e:
        site_reuse_centres(*args, **kw)
    assert str(e.value) == msg


def test_max_minutes_and_count_limits(road30) -> None:
    for bad in (0, -1):
        _raises(InputError, f"max_minutes must be > 0, got {bad}", _dem(), _cand(), road30, count=1,
                max_minutes=bad)
    # half a minute is a valid limit (only 0 and below are refused): p stands on A, 0 min
    dem = h.points([{"id": "p", "population": 100.0}], [h.at(0)])
    r = site_reuse_centres(dem, _cand(), road30, count=1, max_minutes=0.5)
    assert r.summary["population_covered"] == 100.0 and r.summary["max_minutes"] == 0.5
    _raises(InputError, "count must be >= 1, got 0", _dem(), _cand(), road30, count=0, max_minutes=10)
    _raises(InputError, "count must be a whole number, got 1.5", _dem(), _cand(), road30, count=1.5,
            max_minutes=10)
    _raises(InputError, "count=3 but only 2 sites are available (0 existing + 2 candidates)",
            _dem(), _cand(), road30, count=3, max_minutes=10)
    ex = h.points([{"id": "E", "facility_type": "recycling_station"},
                   {"id": "F", "facility_type": "gjenvinningsstasjon"}], [h.at(5), h.at(6)])
    _raises(InputError, "count=5 but only 4 sites are available (2 existing + 2 candidates)",
            _dem(), _cand(), road30, count=5, max_minutes=10, existing=ex)
    _raises(InputError, "count=1 is smaller than the 2 existing recycling stations that are kept; use "
            "count >= 2 (it counts existing sites) or pass fewer existing",
            _dem(), _cand(), road30, count=1, max_minutes=10, existing=ex)


def test_count_from_the_defaults_row_and_its_override(road30) -> None:
    # reuse.count = 3 ("Planning assumption: a small region starts from about three reuse centres")
    r = site_reuse_centres(_dem(), _cand(3), road30, max_minutes=10)
    assert sorted(r.layers["selected_sites"]["id"]) == ["A", "B", "C"]
    r = site_reuse_centres(_dem(), _cand(3), road30, max_minutes=10, parameters={"reuse.count": 1})
    # one site: A covers p (2 min) = 100, B covers q (9.8 min) = 30, C (km 10) covers p (8 min) = 100
    # and q (11.8 min) beyond: A (the lowest index of the best) or C
    assert len(r.layers["selected_sites"]) == 1
    assert r.summary["population_covered"] == 100.0


def test_objective_names(road30) -> None:
    # p_median is the median: weighted minutes with A: 100 x 2 + 30 x 21.8 = 854; with B: 100 x 26 +
    # 30 x 9.8 = 2 894
    r = site_reuse_centres(_dem(), _cand(), road30, count=1, max_minutes=10, objective="p_median")
    assert r.layers["selected_sites"]["id"].tolist() == ["A"]
    assert r.summary["objective"] == pytest.approx(854.0, rel=1e-12)
    _raises(InputError, "objective must be 'coverage' or 'median', got 'x'", _dem(), _cand(), road30,
            count=1, max_minutes=10, objective="x")


def test_demand_layer_messages(road30) -> None:
    _raises(InputError, "column 'folk': missing column (needed for demand); columns present: id, population",
            _dem(), _cand(), road30, count=1, max_minutes=10, population_column="folk")
    line = h.points([{"id": "l", "population": 3.0}], [shapely.LineString([h.at(1), h.at(2)])])
    _raises(InputError, "layer 'demand': demand must have point or polygon geometries; found LineString in "
            "1 feature(s)", line, _cand(), road30, count=1, max_minutes=10)
    text = _dem().assign(population=["a", "b"])
    _raises(InputError, "column 'population': values must be numbers; found 'a' (2 non-numeric value(s))",
            text, _cand(), road30, count=1, max_minutes=10)
    _raises(InputError, "demand, column 'population': no feature has a population above 0",
            _dem().assign(population=0.0), _cand(), road30, count=1, max_minutes=10)
    far = h.points([{"kommunenummer": "9"}], [shapely.box(h.X + 50_000, h.Y, h.X + 60_000, h.Y + 1_000)])
    _raises(InputError, "demand: every populated feature lies outside the kommune polygons",
            _dem(), _cand(), road30, count=1, max_minutes=10, kommuner=far)


def test_people_of_zero_and_a_column_named_index(road30) -> None:
    """A feature with 0 people is left out (no allocation line, no person); a demand layer that has a
    column named ``index`` and one named ``level_0`` (as a layer written after two ``reset_index()``
    has) is read as any other."""
    dem = h.points([{"index": 7, "level_0": 1, "id": "p", "population": 100.0},
                    {"index": 8, "level_0": 2, "id": "z", "population": 0.0},
                    {"index": 9, "level_0": 3, "id": "o", "population": 5.0}],
                   [h.at(2), h.at(3), h.at(40, north_km=40)])
    kom = h.points([{"kommunenummer": "1001"}],
                   [shapely.box(h.X - 5_000, h.Y - 5_000, h.X + 35_000, h.Y + 5_000)])
    r = site_reuse_centres(dem, _cand(), road30, count=1, max_minutes=10, kommuner=kom)
    assert r.layers["allocation"]["source_id"].tolist() == ["p"]
    assert r.summary["population"] == 100.0
    b = r.tables["balance"].set_index("category")["quantity"]
    assert b["outside_region"] == 5.0 and b["served_within_limit"] == 100.0


def test_integer_people_give_float_figures(road30) -> None:
    dem = h.points([{"id": "p", "population": 100}, {"id": "q", "population": 30}], [h.at(2), h.at(4)])
    r = site_reuse_centres(dem, _cand(), road30, count=1, max_minutes=10)
    alloc = r.layers["allocation"]
    assert alloc["quantity"].dtype == np.float64
    assert alloc["quantity"].tolist() == [100.0, 30.0]


def test_site_names_and_messages(road30) -> None:
    cand = h.points([{"id": "A", "name": "Alfa"}, {"id": "B", "name": None}], [h.at(0), h.at(28)])
    r = site_reuse_centres(_dem(), cand, road30, count=2, max_minutes=10)
    sel = r.layers["selected_sites"]
    assert sel["name"].tolist() == ["Alfa", "B"]
    sites = [str(m) for m in r.messages if m.key == "reuse.site"]
    assert sites == ["Alfa (A, chosen by the model): serves 100 people, 100% of them within 10 min",
                     "B (B, chosen by the model): serves 30 people, 100% of them within 10 min"]
    # no name column: the id is the name
    r = site_reuse_centres(_dem(), _cand(), road30, count=2, max_minutes=10)
    assert r.layers["selected_sites"]["name"].tolist() == ["A", "B"]


def test_existing_of_other_types_and_exclusions(road30) -> None:
    ex = h.points([{"id": "E", "facility_type": "deponi"}], [h.at(5)])
    r = site_reuse_centres(_dem(), _cand(), road30, count=2, max_minutes=10, existing=ex)
    assert "1 existing facilit(y/ies) of other types (not recycling stations) were ignored" in r.messages
    assert sorted(r.layers["selected_sites"]["id"]) == ["A", "B"]
    # a protected area 400 m west of A: outside A with buffer_protected_m = 0, over it with 600 m
    prot = gpd.GeoDataFrame({"navn": ["Vern"]}, geometry=[h.square(-0.7, 300)], crs=h.CRS)
    ex = Exclusions(protected=prot)
    r = site_reuse_centres(_dem(), _cand(), road30, count=1, max_minutes=10, exclusions=ex)
    assert r.layers["selected_sites"]["id"].tolist() == ["A"]
    r = site_reuse_centres(_dem(), _cand(), road30, count=1, max_minutes=10, exclusions=ex,
                           parameters={"suitability.buffer_protected_m": 600})
    assert r.layers["selected_sites"]["id"].tolist() == ["B"]
    assert r.tables["excluded"]["candidate_id"].tolist() == ["A"]
    # both candidates under protected areas and no existing station
    both = gpd.GeoDataFrame({"navn": ["V1", "V2"]}, geometry=[h.square(0), h.square(28)], crs=h.CRS)
    _raises(InputError, "candidates: no candidate site left (and no existing station)", _dem(), _cand(),
            road30, count=1, max_minutes=10, exclusions=Exclusions(protected=both))


# ------------------------------------------------------------------ the coverage curve swaps a site

def _swap_instance():
    people = (("a", 25.0), ("a2", 25.0), ("b", 60.0), ("c", 60.0), ("d", 50.0), ("e", 10.0))
    dem = h.points([{"id": i, "population": p} for i, p in people],
                   [h.at(0), h.at(1), h.at(6), h.at(24), h.at(30), h.at(65, north_km=0.3)])
    cand = h.points([{"id": "L"}, {"id": "M"}, {"id": "R"}], [h.at(0), h.at(15), h.at(30)])
    return dem, cand


def test_curve_that_swaps_its_middle_site_by_hand(road70) -> None:
    """Sites L (km 0), M (km 15), R (km 30); 10-minute limit.  People: a 25 at km 0, a2 25 at km 1,
    b 60 at km 6, c 60 at km 24, d 50 at km 30, e 10 at km 65 0.3 km off the road (beyond the
    30-minute band of every site).  One site: M covers b and c = 120 (L or R: 110).  Two: L and R
    cover 220 (M and one end 170), so the curve drops M; three: the same 220."""
    dem, cand = _swap_instance()
    r = site_reuse_centres(dem, cand, road70, count=1, max_minutes=10, curve_max=3)
    assert r.layers["selected_sites"]["id"].tolist() == ["M"]
    curve = r.tables["coverage_curve"].set_index("sites")
    assert list(curve.index) == [1, 2, 3]
    assert curve["site_ids"].tolist() == ["M", "L;R", "L;M;R"]
    assert curve["population_covered"].tolist() == [120.0, 220.0, 220.0]
    np.testing.assert_allclose(curve["share_covered"], [120 / 230, 220 / 230, 220 / 230], rtol=1e-12)
    # M alone: a 15, a2 14, b 9, c 9, d 15, e 50 + 0.9 min
    m1 = (25 * 15 + 25 * 14 + 60 * 9 + 60 * 9 + 50 * 15 + 10 * 50.9) / 230
    # L and R (and M too): a 0, a2 1, b 6, c 6, d 0, e 35 + 0.9 min to R
    m2 = (25 * 1 + 60 * 6 + 60 * 6 + 10 * 35.9) / 230
    np.testing.assert_allclose(curve["mean_minutes"], [m1, m2, m2], rtol=1e-12)
    # the model's own answer: M, e beyond every band
    assert r.summary["mean_minutes"] == pytest.approx(m1, rel=1e-12)
    alloc = r.layers["allocation"].set_index("source_id")
    assert alloc.loc["e", "travel_min"] == pytest.approx(50.9, rel=1e-12)


def test_curve_continues_to_the_target_and_its_notes(road70) -> None:
    """The same instance: with curve_max 1 the curve goes on until reuse.target_share (90 %) is
    reached: 2 sites cover 220 / 230 = 95.7 %.  A target of 100 % is out of reach (e reaches no site
    within 10 min): every candidate is tried."""
    dem, cand = _swap_instance()
    r = site_reuse_centres(dem, cand, road70, count=1, max_minutes=10, curve_max=1)
    curve = r.tables["coverage_curve"]
    assert list(curve.columns) == ["sites", "population_covered", "share_covered", "mean_minutes", "site_ids",
                                   "status", "proven_gap"]
    assert curve["sites"].tolist() == [1, 2]
    assert curve["site_ids"].tolist() == ["M", "L;R"]
    assert curve["status"].tolist() == ["optimal", "optimal"] and curve["proven_gap"].tolist() == [0.0, 0.0]
    assert r.summary["centres_for_target"] == 2
    assert [str(m) for m in r.messages if m.key == "reuse.needed"] == [
        "2 site(s) are needed to bring 90% of the people within 10 min"]
    r = site_reuse_centres(dem, cand, road70, count=1, max_minutes=10, curve_max=1,
                           parameters={"reuse.target_share": 1.0})
    assert r.tables["coverage_curve"]["sites"].tolist() == [1, 2, 3]
    assert r.summary["centres_for_target"] == -1
    assert [str(m) for m in r.messages if m.key == "reuse.target_unreachable"] == [
        "even all 3 sites cover only 95.7% of the people within 10 min; the target 100% cannot be reached"]
    # reuse.curve_max from parameters (a target of 10 % is reached at once)
    r = site_reuse_centres(dem, cand, road70, count=1, max_minutes=10,
                           parameters={"reuse.curve_max": 2, "reuse.target_share": 0.1})
    assert r.tables["coverage_curve"]["sites"].tolist() == [1, 2]
    # weighted by people: with count 3 the curve's own first count is M (120 people in 2 cells), not
    # L (110 people in 3 cells)
    r = site_reuse_centres(dem, cand, road70, count=3, max_minutes=10, curve_max=3)
    assert r.tables["coverage_curve"]["site_ids"].tolist() == ["M", "L;R", "L;M;R"]


def test_curve_of_fractions_of_people(road30) -> None:
    """Half a person in all: the curve still goes on to the 90 % target (0.3 of 0.5 people with one
    site, all with two)."""
    dem = h.points([{"id": "p", "population": 0.3}, {"id": "q", "population": 0.2}], [h.at(0), h.at(20)])
    cand = h.points([{"id": "A"}, {"id": "B"}], [h.at(0), h.at(20)])
    r = site_reuse_centres(dem, cand, road30, count=1, max_minutes=5, curve_max=1)
    curve = r.tables["coverage_curve"]
    assert curve["sites"].tolist() == [1, 2]
    np.testing.assert_allclose(curve["share_covered"], [0.6, 1.0], rtol=1e-12)
    assert r.summary["centres_for_target"] == 2


def _gap_instance():
    """a 100 at km 0, b 100 at km 20, c 30 at km 10, i 5 on the island road; A at km 0, M at km 10;
    5-minute limit.  One site: A covers a (100), M covers c (30)."""
    dem = h.points([{"id": "a", "population": 100.0}, {"id": "b", "population": 100.0},
                    {"id": "c", "population": 30.0}, {"id": "i", "population": 5.0}],
                   [h.at(0), h.at(20), h.at(10), h.at(2, north_km=20)])
    cand = h.points([{"id": "A"}, {"id": "M"}], [h.at(0), h.at(10)])
    return dem, cand


def test_curve_status_and_gap_of_each_count() -> None:
    """The curve's own bound for one site is 130 (the coverage of both), so its first count is
    'feasible' with a proven gap of (130 - 100) / 130; the model for count = 1 proves 100 optimal,
    and the curve row of the model's count reports the model's status and gap."""
    road = h.graph(island=True)
    dem, cand = _gap_instance()
    med = site_reuse_centres(dem, cand, road, count=1, max_minutes=5, objective="median")
    # the median: A: 100 x 20 + 30 x 10 = 2 300 weighted minutes, M: 100 x 10 + 100 x 10 = 2 000
    assert med.layers["selected_sites"]["id"].tolist() == ["M"]
    assert med.summary["objective"] == pytest.approx(2_000.0, rel=1e-12)
    curve = med.tables["coverage_curve"]
    # the curve is the coverage curve whatever the objective: A covers 100 within 5 min
    assert curve["site_ids"].tolist() == ["A", "A;M"]
    assert curve["population_covered"].tolist() == [100.0, 130.0]
    assert curve["status"].tolist() == ["feasible", "optimal"]
    np.testing.assert_allclose(curve["proven_gap"], [30 / 130, 0.0], rtol=1e-12)
    cov = site_reuse_centres(dem, cand, road, count=1, max_minutes=5)
    curve = cov.tables["coverage_curve"]
    assert curve["status"].tolist() == ["optimal", "optimal"]
    assert curve["proven_gap"].tolist() == [0.0, 0.0]
    # the island person: the note and the balance
    notes = [str(m) for m in cov.messages if m.key == "reuse.unreachable"]
    assert notes == ["1 demand point(s) with 5 people reach no site on the road network "
                     "(counted as not covered)"]


def test_progress_steps(road30) -> None:
    seen: list[tuple[float, str]] = []
    r = site_reuse_centres(_dem(), _cand(), road30, count=1, max_minutes=10,
                           progress=lambda f, m: seen.append((f, m)))
    assert seen == [(0.0, "checking inputs"), (0.05, "building the road graph"),
                    (0.15, "drive times 2 demand points x 2 sites"), (0.3, "coverage model with 1 sites"),
                    (0.5, "coverage curve"), (0.7, "allocation and figures"), (0.8, "service areas"),
                    (0.9, "per kommune"), (1.0, "done")]
    # everyone reaches a site: no unreachable note
    assert not [m for m in r.messages if m.key == "reuse.unreachable"]


def test_exact_and_time_limit_reach_the_model_and_the_curve() -> None:
    """The same instance.  A time limit too short for any step (1e-9 s): the heuristics stop at
    their first answer, the model is 'feasible' with the curve's bound (gap 30 / 130; the median has
    no bound: gap not a number) and the curve stops at its first count.  With ``exact`` the model
    is proven (gap 0); the median's curve is proven at every count."""
    road = h.graph(island=True)
    dem, cand = _gap_instance()
    r = site_reuse_centres(dem, cand, road, count=1, max_minutes=5, time_limit=1e-9)
    assert r.status == "feasible" and r.summary["gap"] == pytest.approx(30 / 130, rel=1e-12)
    assert r.tables["coverage_curve"]["sites"].tolist() == [1]
    # the curve row of the model's count says what the summary says (not the solver's "time_limit")
    assert r.tables["coverage_curve"]["status"].tolist() == ["feasible"]
    r = site_reuse_centres(dem, cand, road, count=1, max_minutes=5, time_limit=1e-9, exact=True)
    assert r.status == "optimal" and r.summary["gap"] == 0.0
    med = site_reuse_centres(dem, cand, road, count=1, max_minutes=5, objective="median", time_limit=1e-9)
    assert med.status == "feasible" and np.isnan(med.summary["gap"])
    med = site_reuse_centres(dem, cand, road, count=1, max_minutes=5, objective="median", time_limit=1e-9,
                             exact=True)
    assert med.status == "optimal" and med.summary["gap"] == 0.0
    med = site_reuse_centres(dem, cand, road, count=1, max_minutes=5, objective="median", exact=True)
    curve = med.tables["coverage_curve"]
    assert curve["status"].tolist() == ["optimal", "optimal"] and curve["proven_gap"].tolist() == [0.0, 0.0]


def test_median_keeps_the_existing_station() -> None:
    # E at km 30: without it the median of two sites is A and M (a 0, b 10, c 0 min: 1 000 weighted
    # minutes); with E kept, A is the second (a 0, b 10 to E, c 10: 1 300; M would give 2 000)
    road = h.graph(island=True)
    dem, cand = _gap_instance()
    ex = h.points([{"id": "E", "facility_type": "recycling_station"}], [h.at(30)])
    r = site_reuse_centres(dem, cand, road, count=2, max_minutes=5, objective="median", existing=ex)
    sel = r.layers["selected_sites"].set_index("id")
    assert "E" in sel.index and bool(sel.loc["E", "existing"])
    assert list(sel.index) == ["E", "A"]
    assert r.summary["objective"] == pytest.approx(100 * 0 + 100 * 10 + 30 * 10, rel=1e-12)


def test_curve_drops_a_site_and_keeps_the_station_by_hand() -> None:
    """A main road (km 0-60) with a branch north (45 km) and one south (15 km) at km 40; existing
    station X 10 km down the south branch (kept in every set); candidates L (km 28), M (km 40, the
    junction), R (km 52); 10-minute limit.  People: d 50 at km 20, b 60 at km 32, c 60 at km 48,
    f 50 at km 60, h 1 4 km down the south branch, z 1 at the end of the north branch (45 km up).
    Counts: 1 = X (covers h); 2 = X + M (b and c, 120 more; L or R: 110); 3 = X + L + R (220 more;
    M and L or R: 170): M leaves the set, and h and z, whose nearest site was M, now have X."""
    from arealsirk.network import graph_from_roads

    x0, y0 = h.X + 40_000.0, h.Y
    lines = [shapely.LineString([(h.X, h.Y), (x0, y0)]),
             shapely.LineString([(x0, y0), (h.X + 60_000.0, h.Y)]),
             shapely.LineString([(x0, y0), (x0, y0 + 45_000.0)]),
             shapely.LineString([(x0, y0), (x0, y0 - 15_000.0)])]
    roads = gpd.GeoDataFrame({"speed_kph": [60.0] * 4}, geometry=lines, crs=h.CRS)
    graph = graph_from_roads(roads, keep="all")
    people = (("d", 50.0, h.at(20)), ("b", 60.0, h.at(32)), ("c", 60.0, h.at(48)), ("f", 50.0, h.at(60)),
              ("h", 1.0, h.at(40, north_km=-4)), ("z", 1.0, h.at(40, north_km=45)))
    dem = h.points([{"id": i, "population": p} for i, p, _ in people], [g for *_, g in people])
    cand = h.points([{"id": "L"}, {"id": "M"}, {"id": "R"}], [h.at(28), h.at(40), h.at(52)])
    ex = h.points([{"id": "X", "facility_type": "recycling_station"}], [h.at(40, north_km=-10)])
    r = site_reuse_centres(dem, cand, graph, count=2, max_minutes=10, existing=ex, curve_max=3)
    curve = r.tables["coverage_curve"].set_index("sites")
    assert curve["site_ids"].tolist() == ["X", "X;M", "X;L;R"]
    assert curve["population_covered"].tolist() == [1.0, 121.0, 221.0]
    # minutes (d, b, c, f, h, z): X alone 30, 18, 18, 30, 6, 55; X + M 20, 8, 8, 20, 4, 45;
    # X + L + R 8, 4, 4, 8, 6 (X), 55 (X: 45 + 10)
    w = np.array([50.0, 60.0, 60.0, 50.0, 1.0, 1.0])
    want = [np.average([30, 18, 18, 30, 6, 55], weights=w), np.average([20, 8, 8, 20, 4, 45], weights=w),
            np.average([8, 4, 4, 8, 6, 55], weights=w)]
    np.testing.assert_allclose(curve["mean_minutes"], want, rtol=1e-12)


def test_more_open_sites_than_two_batches_of_road_columns() -> None:
    """130 sites open (road-time and road-km columns are computed 64 sites at a time): one person on
    each site's road node, so every person is 0 km and 0 min from their own site."""
    from arealsirk.network import graph_from_roads

    n = 130
    graph = graph_from_roads(h.roads(island=False, length_km=n), keep="all")
    dem = h.points([{"id": f"p{i}", "population": 1.0} for i in range(n)], [h.at(i) for i in range(n)])
    cand = h.points([{"id": f"s{i}"} for i in range(n)], [h.at(i) for i in range(n)])
    r = site_reuse_centres(dem, cand, graph, count=n, max_minutes=0.5)
    alloc = r.layers["allocation"]
    assert alloc["site_id"].tolist() == [f"s{i}" for i in range(n)]
    assert alloc["distance_km"].tolist() == [0.0] * n and alloc["travel_min"].tolist() == [0.0] * n
    assert r.summary["population_covered"] == float(n)


def test_cancel_stops_the_run(road30) -> None:
    from arealsirk.errors import CancelledError

    with pytest.raises(CancelledError, match="cancelled by the user"):
        site_reuse_centres(_dem(), _cand(), road30, count=1, max_minutes=10, is_cancelled=lambda: True)
    seen: list[float] = []
    r = site_reuse_centres(_dem(), _cand(), road30, count=1, max_minutes=10, is_cancelled=lambda: False,
                           progress=lambda f, m: seen.append(f))
    assert seen[-1] == 1.0 and r.summary["population"] == 130.0
