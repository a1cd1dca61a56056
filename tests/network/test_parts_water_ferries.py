# ruff: noqa: N806
"""Every part kept and reported; snapping that never crosses water; ferries that wait once per trip.

Expected values are hand computations from the coordinates below (lengths in metres, speeds from
the defaults table: R 70 km/h, ferry 15 km/h + 15 min wait, snap 20 km/h).
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import LineString, Point, box

from arealsirk._graph import components, prepare
from arealsirk.errors import InputError
from arealsirk.network import SnapResult, graph_from_roads, snap
from arealsirk.proximity import nearest_facility, od_matrix, od_matrix_sparse

V_R = 70 / 3.6
V_F = 15 / 3.6
WAIT = 15 * 60.0


def road_node(G, x, y):
    """The road node at (x, y) (not a quay's ferry-side twin, which shares its coordinates)."""
    hits = [v for v, d in G.nodes(data=True)
            if abs(d["x"] - x) < 1 and abs(d["y"] - y) < 1 and d.get("snap", True)]
    assert len(hits) == 1, hits
    return hits[0]


def layer(lines, cats=None, **cols):
    cats = cats or ["R"] * len(lines)
    return gpd.GeoDataFrame({"vegkategori": cats, **cols}, geometry=[LineString(c) for c in lines], crs=25833)


@pytest.fixture
def coast():
    """Mainland road A (0,0)-(7000,0) with a one-way stub up from (2000,0) to (2000,500); island road B
    (10000,0)-(11000,0); land = mainland box, island box and a road-less islet."""
    roads = layer([[(0, 0), (7000, 0)], [(2000, 0), (2000, 500)], [(10000, 0), (11000, 0)]],
                  oneway=[False, True, False])
    land = box(-100, -1000, 9000, 1000).union(box(9500, -500, 11500, 500)).union(box(4000, 2000, 4500, 2500))
    return roads, land


def test_every_part_kept_and_reported(coast):
    roads, land = coast
    G = graph_from_roads(roads, land=land)
    parts = G.graph["parts"]
    assert [p["id"] for p in parts] == [0, 1]
    assert [p["km"] for p in parts] == [7.5, 1.0]  # the stub belongs to the mainland part
    # A cut into 1 km pieces: 8 nodes + the stub's end; B: 2 nodes
    assert [p["nodes"] for p in parts] == [9, 2]
    assert [p["core_nodes"] for p in parts] == [8, 2]  # the one-way stub's end is no core node
    assert parts[1]["bbox"] == (10000.0, 0.0, 11000.0, 0.0)
    assert {G.nodes[v]["part"] for c in nx.weakly_connected_components(G) for v in c} == {0, 1}
    a0, a7, b0 = road_node(G, 0, 0), road_node(G, 7000, 0), road_node(G, 10000, 0)
    T = od_matrix(G, [a0, b0], [a7, b0], weight="length")
    assert T[0, 0] == 7000 and T[1, 1] == 0
    assert np.isinf(T[0, 1]) and np.isinf(T[1, 0])  # between parts: inf
    pg = prepare(G, "length")
    assert pg.part[pg.index[a0]] == 0 and pg.part[pg.index[b0]] == 1
    assert G.graph["land"].equals(land)


def test_components_weak_parts_strong_cores():
    # 0 <-> 1 -> 2 (one-way stub), 3 <-> 4, 5 alone
    part, core = components(6, np.array([0, 1, 1, 3, 4]), np.array([1, 0, 2, 4, 3]))
    assert part.tolist() == [0, 0, 0, 1, 1, 2]
    assert core.tolist() == [True, True, False, True, True, True]


def test_keep_largest_still_available(coast):
    roads, _ = coast
    G = graph_from_roads(roads, keep="largest")
    assert G.graph["dropped"]["components"] == 3  # mainland core, stub end, island
    assert len(G.graph["parts"]) == 1


def test_snap_reasons_and_parts(coast):
    roads, land = coast
    G = graph_from_roads(roads, land=land)
    pts = gpd.GeoDataFrame(geometry=[
        Point(1000, 100),    # mainland: snapped to (1000, 0), part 0
        Point(10500, 100),   # island: (10000, 0) or (11000, 0), part 1
        Point(4200, 2200),   # road-less islet: the nearest road node is across the sea
        Point(6000, 5400),   # on no land, > 5000 m from any road, inside the extent
        Point(6000, 20000),  # outside the network's extent + 5000 m
        Point(2000, 520),    # beside the one-way stub's end: snapped to a core node instead
    ], crs=25833)
    res = snap(G, pts)
    assert res.reason.tolist() == ["", "", "across_water", "far_from_road", "outside_extent", ""]
    assert res.part.tolist() == [0, 1, -1, -1, -1, 0]
    assert res.counts() == {"snapped": 3, "far_from_road": 1, "across_water": 1, "outside_extent": 1}
    assert res.distance[0] == pytest.approx(100) and res.distance[5] == pytest.approx(520)
    assert res.nodes[5] == road_node(G, 2000, 0)
    cost = res.access_cost("travel_time")
    assert cost[0] == pytest.approx(100 / (20 / 3.6))
    assert np.isinf(cost[2:5]).all()
    # the same through od_matrix / nearest_facility / od_matrix_sparse: not snapped = inf
    T = od_matrix(G, pts, pts.iloc[[0]])
    assert np.isfinite(T[[0, 5], 0]).all() and np.isinf(T[1:5, 0]).all()
    who, _c = nearest_facility(G, pts, pts.iloc[[0, 1]])
    assert who.tolist() == [0, 1, -1, -1, -1, 0]
    S = od_matrix_sparse(G, pts, pts.iloc[[0]], cutoff=1e9)
    assert sorted(S.tocoo().row.tolist()) == [0, 5]
    # without the land polygon the islet point is snapped across the sea (the old behaviour)
    assert snap(G, pts, land=False).reason[2] == ""


def test_nearest_node_across_a_fjord_is_skipped(coast):
    roads, land = coast
    G = graph_from_roads(roads, land=land)
    # mainland tip at (8950, 0): island node (10000, 0) is 1050 m away across 500 m of sea; the
    # nearest mainland node (7000, 0) is 1950 m away over land
    pt = gpd.GeoDataFrame(geometry=[Point(8950, 0)], crs=25833)
    res = snap(G, pt)
    assert res.reason[0] == "" and res.part[0] == 0
    assert res.nodes[0] == road_node(G, 7000, 0) and res.distance[0] == pytest.approx(1950)
    assert snap(G, pt, land=False).part[0] == 1
    # only one candidate tried: across water
    assert snap(G, pt, parameters={"network.snap_candidates": 1}).reason[0] == "across_water"


def test_land_tolerance_for_generalised_coastlines(coast):
    roads, land = coast
    G = graph_from_roads(roads, land=land)
    # 200 m off the coast (y = 1000): the snap line crosses 200 m of water <= 300 m: snapped
    pt = gpd.GeoDataFrame(geometry=[Point(3000, 1200)], crs=25833)
    assert snap(G, pt).reason[0] == ""
    assert snap(G, pt, parameters={"network.land_tolerance_m": 100}).reason[0] == "across_water"
    G2 = graph_from_roads(roads, land=land, parameters={"network.land_tolerance_m": 100})
    assert snap(G2, pt).reason[0] == "across_water"


def test_land_as_layer_and_bad_land(coast):
    roads, land = coast
    layer_ = gpd.GeoDataFrame(geometry=[land], crs=25833).to_crs(4326)
    G = graph_from_roads(roads, land=layer_)
    assert G.graph["land"].symmetric_difference(land).area < 1.0
    with pytest.raises(InputError, match="land must be"):
        graph_from_roads(roads, land=Point(0, 0))


def test_snap_result_concat_keeps_reasons(coast):
    roads, land = coast
    G = graph_from_roads(roads, land=land)
    a = snap(G, gpd.GeoDataFrame(geometry=[Point(1000, 100)], crs=25833))
    b = snap(G, gpd.GeoDataFrame(geometry=[Point(4200, 2200)], crs=25833))
    both = SnapResult.concat([a, b])
    assert both.reason.tolist() == ["", "across_water"] and both.part.tolist() == [0, -1]
    assert np.isinf(both.access_cost("length")[1])


# --------------------------------------------------------------------------- ferries

@pytest.fixture
def ferry_chain():
    """Road (0,0)-(1000,0); ferry to the island quay (4000,0); island road (4000,0)-(4000,-1000); a
    ferry from the same quay on to (7000,0); road (7000,0)-(8000,0); a ferry from (4000,-1000) to a
    road-less islet quay at (4000,-4000)."""
    lines = [[(0, 0), (1000, 0)], [(1000, 0), (4000, 0)], [(4000, 0), (4000, -1000)], [(4000, 0), (7000, 0)],
             [(7000, 0), (8000, 0)], [(4000, -1000), (4000, -4000)]]
    return layer(lines, typeVeg=["enkelBilveg", "bilferje", "enkelBilveg", "bilferje", "enkelBilveg",
                                 "bilferje"])


def test_ferry_trip_waits_once_through_an_intermediate_quay(ferry_chain):
    G = graph_from_roads(ferry_chain)
    assert len(G.graph["parts"]) == 1 and G.graph["parts"][0]["ferry_km"] == 9.0
    a, isl, far = road_node(G, 0, 0), road_node(G, 4000, -1000), road_node(G, 8000, 0)
    T = od_matrix(G, [a, far], [isl, far, a])
    assert T[0, 0] == pytest.approx(2 * 1000 / V_R + 3000 / V_F + WAIT)
    # through the quay at (4000, 0) on the ferry side: still one wait
    assert T[0, 1] == pytest.approx(2 * 1000 / V_R + 6000 / V_F + WAIT)
    assert T[1, 2] == pytest.approx(T[0, 1])
    L = od_matrix(G, [a], [far], weight="length")
    assert L[0, 0] == pytest.approx(8000)  # boarding edges have no length


def test_ferry_nodes_at_sea_are_not_snapped_to_but_a_roadless_quay_is(ferry_chain):
    G = graph_from_roads(ferry_chain)
    pts = gpd.GeoDataFrame(geometry=[Point(2500, 100), Point(4050, -4050)], crs=25833)
    res = snap(G, pts)
    # (2500, 100) is 100 m from ferry nodes at sea; it snaps to a road end 1503 m away instead
    assert res.distance[0] == pytest.approx(np.hypot(1500, 100))
    assert G.nodes[res.nodes[0]].get("snap", True)
    # the islet quay without a road is served: ferry from the island road's end, one wait
    assert res.distance[1] == pytest.approx(np.hypot(50, 50))
    a = road_node(G, 0, 0)
    t = od_matrix(G, [a], [res.nodes[1]])[0, 0]
    assert t == pytest.approx(2 * 1000 / V_R + 3000 / V_F + WAIT + 3000 / V_F + WAIT)


def test_ferries_off(ferry_chain):
    G = graph_from_roads(ferry_chain, include_ferries=False)
    assert [p["km"] for p in G.graph["parts"]] == [1.0, 1.0, 1.0]


def test_raw_n1000_ferry_ends_are_joined_by_the_builder():
    """A raw N1000-style ferry line ending 90 m off the road (at the quay) is joined to it."""
    roads = gpd.GeoDataFrame(
        {"vegkategori": ["F", "F", "F"], "typeVeg": ["enkelBilveg", "bilferje", "enkelBilveg"]},
        geometry=[LineString([(0, 0), (1000, 0)]), LineString([(1000, 90), (4000, 90)]),
                  LineString([(4000, 0), (5000, 0)])], crs=25833)
    G = graph_from_roads(roads)
    assert len(G.graph["parts"]) == 1
    a, z = road_node(G, 0, 0), road_node(G, 5000, 0)
    # 2 x 1000 m at 60 km/h; the ferry 90 m + 3000 m + 90 m at 15 km/h; one wait
    assert od_matrix(G, [a], [z])[0, 0] == pytest.approx(2000 / (60 / 3.6) + 3180 / V_F + WAIT)
    G0 = graph_from_roads(roads, connect_ferries_m=0)
    assert len(G0.graph["parts"]) == 3
    G1 = graph_from_roads(roads, parameters={"readers.ferry_connect_m": 50})
    assert len(G1.graph["parts"]) == 3


def test_ring_road_on_an_island_is_a_part():
    """A closed line (an island's ring road) touching nothing else is kept as a part of its own."""
    ring = LineString([(5000, 0), (5500, 0), (5500, 500), (5000, 500), (5000, 0)])
    roads = gpd.GeoDataFrame({"vegkategori": ["K", "K"]}, geometry=[LineString([(0, 0), (1000, 0)]), ring],
                             crs=25833)
    for max_edge in (0, 1000):
        G = graph_from_roads(roads, parameters={"network.max_edge_m": max_edge})
        assert [p["km"] for p in G.graph["parts"]] == [2.0, 1.0]
        a, b = road_node(G, 5000, 0), road_node(G, 5500, 500)
        assert od_matrix(G, [a], [b], weight="length")[0, 0] == pytest.approx(1000)


def test_land_polygon_subtracts_the_sea(coast):
    from arealsirk.network import land_polygon

    roads, _ = coast
    kommune = gpd.GeoDataFrame(geometry=[box(-1000, -3000, 12000, 3000)], crs=25833)  # with its sea
    sea = gpd.GeoDataFrame(geometry=[box(-1000, -3000, 12000, 3000).difference(
        box(-100, -1000, 9000, 1000)).difference(box(9500, -500, 11500, 500))], crs=25833).to_crs(4326)
    land = land_polygon(kommune, water=sea)
    assert land.area == pytest.approx(9100 * 2000 + 2000 * 1000, rel=1e-6)
    pt = gpd.GeoDataFrame(geometry=[Point(8950, 0)], crs=25833)
    # the kommune polygon alone lets the snap cross to the island; minus the sea it does not
    assert snap(graph_from_roads(roads, land=kommune), pt).part[0] == 1
    assert snap(graph_from_roads(roads, land=land), pt).part[0] == 0
