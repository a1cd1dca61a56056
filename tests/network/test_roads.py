# ruff: noqa: N806
"""graph_from_roads, snapping and od_matrix on small synthetic layers with hand-computed answers."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import LineString, Point, Polygon

from arealsirk.errors import ArealsirkError, CrsError, InputError, NoOverlapError
from arealsirk.network import graph_from_roads, largest_component, snap
from arealsirk.proximity import od_matrix


def node_at(G, x, y):
    best = min(G.nodes, key=lambda v: (G.nodes[v]["x"] - x) ** 2 + (G.nodes[v]["y"] - y) ** 2)
    assert abs(G.nodes[best]["x"] - x) < 1 and abs(G.nodes[best]["y"] - y) < 1
    return best


def test_topology_split_and_oneway(small_roads):
    G = graph_from_roads(small_roads)
    assert isinstance(G, nx.MultiDiGraph)
    assert G.graph["crs"] == "EPSG:25833"
    # a b c d e, joint of the 2-part MultiLineString, spur end s, split point m on b-c
    assert G.number_of_nodes() == 8
    assert G.graph["build"]["split_at_touching_ends"] == 1
    a, b, c, d, e = (node_at(G, *p) for p in [(0, 0), (1000, 0), (2000, 0), (1000, 1000), (2000, 1000)])
    s, m = node_at(G, 1500, -500), node_at(G, 1500, 0.2)
    assert G.has_edge(b, d) and not G.has_edge(d, b)  # one-way in digitised direction
    assert G.has_edge(m, s) and G.has_edge(s, m) and G.has_edge(b, m) and G.has_edge(m, c)
    L = od_matrix(G, [a, b, d, s], [a, d, e], weight="length")
    expect = np.array([[0, 2000, 3000], [1000, 1000, 2000], [4000, 0, 1000], [2000, 2000, 2000]], float)
    np.testing.assert_allclose(L, expect, atol=1.0)
    # travel time: E 80 km/h -> 1000 m in 45 s; F 60 km/h -> 60 s; K 40 km/h -> 90 s (a-b-c-e)
    T = od_matrix(G, [a, b], [b, d, e])
    np.testing.assert_allclose(T, [[45, 105, 180], [0, 60, 135]], atol=0.01)
    for _, _, dat in G.edges(data=True):
        assert dat["travel_time"] == pytest.approx(dat["length"] / (dat["speed_kph"] / 3.6))
        assert dat["geometry"].length == pytest.approx(dat["length"])


def test_speed_column_overrides_category(small_roads):
    roads = small_roads.assign(speed_kph=[36.0, np.nan, 36.0, 36.0, 36.0, 36.0])
    G = graph_from_roads(roads)
    a, b, c = (node_at(G, *p) for p in [(0, 0), (1000, 0), (2000, 0)])
    T = od_matrix(G, [a], [b, c])
    # 1000 m at 36 km/h = 100 s; b-c has NaN speed -> category E 80 km/h = 45 s
    np.testing.assert_allclose(T, [[100, 145]], atol=0.01)


def test_tolerance_controls_noding(small_roads):
    G = graph_from_roads(small_roads, tolerance=0.1, keep="all")
    assert G.graph["build"]["split_at_touching_ends"] == 0
    G2 = largest_component(G)
    assert G2.graph["dropped"]["nodes_dropped"] == 2  # the spur is its own component
    assert G2.graph["dropped"]["length_dropped_km"] == pytest.approx(0.4996, abs=1e-3)


def test_matches_networkx_dijkstra(grid_roads):
    G = graph_from_roads(grid_roads)
    rng = np.random.default_rng(1)
    nodes = list(G.nodes)
    src = list(rng.choice(nodes, 7, replace=False))
    tgt = list(rng.choice(nodes, 11, replace=False))
    for weight in ("travel_time", "length"):
        M = od_matrix(G, src, tgt, weight=weight)
        M2 = od_matrix(G, tgt, src, weight=weight)  # runs on the reversed graph (fewer targets)
        for i, s in enumerate(src):
            ref = nx.single_source_dijkstra_path_length(G, s, weight=weight)
            np.testing.assert_allclose(M[i], [ref[t] for t in tgt], rtol=1e-12)
            np.testing.assert_allclose(M2[:, i], [ref[t] for t in tgt], rtol=1e-12)


def test_cutoff_inf_not_zero(grid_roads):
    G = graph_from_roads(grid_roads)
    nodes = list(G.nodes)[:30]
    full = od_matrix(G, nodes, nodes)
    cut = od_matrix(G, nodes, nodes, cutoff=300.0)
    assert np.all(np.isinf(cut[full > 300]))
    np.testing.assert_array_equal(cut[full <= 300], full[full <= 300])
    assert np.isinf(cut).any() and (cut[~np.isinf(cut)] >= 0).all()


def test_geodataframe_inputs_add_access_cost(small_roads):
    G = graph_from_roads(small_roads)
    pts = gpd.GeoDataFrame({"id": ["p", "q"]}, geometry=[Point(0, 30), Point(2000, 1040)], crs=25833)
    L = od_matrix(G, pts.iloc[[0]], pts.iloc[[1]], weight="length")
    assert L[0, 0] == pytest.approx(30 + 3000 + 40)
    T = od_matrix(G, pts.iloc[[0]], pts.iloc[[1]])
    # access 30 m and 40 m at network.snap_speed_kph = 20 km/h (5.556 m/s)
    assert T[0, 0] == pytest.approx(70 / (20 / 3.6) + 45 + 45 + 90, rel=1e-9)  # a-b-c-e = 180 s
    # polygons snap by their centroid; reprojected input gives the same answer
    poly = gpd.GeoDataFrame(geometry=[Polygon([(-10, 20), (10, 20), (10, 40), (-10, 40)])], crs=25833)
    L2 = od_matrix(G, poly.to_crs(4326), pts.iloc[[1]], weight="length")
    assert L2[0, 0] == pytest.approx(L[0, 0], abs=0.01)


def test_snap_reports_far_points(small_roads, caplog):
    G = graph_from_roads(small_roads)
    pts = gpd.GeoDataFrame(geometry=[Point(10, 0), Point(1000, 1000 + 3000)], crs=25833)
    res = snap(G, pts, max_distance=2000, outside="unreachable")
    assert res.far.tolist() == [False, True]
    np.testing.assert_allclose(res.distance, [10, 3000])
    assert res.n_far == 1
    # the second point is also outside the graph's extent (+2000 m): reported and unreachable
    assert "1 of 2 feature(s) lie outside the road network's extent" in caplog.text
    assert res.outside.tolist() == [False, True]
    assert res.reason.tolist() == ["", "outside_extent"] and res.part.tolist() == [0, -1]
    assert np.isinf(res.access_cost("length")[1]) and res.access_cost("length")[0] == 10
    with pytest.raises(NoOverlapError, match="1 of 2 feature"):
        snap(G, pts, max_distance=2000, outside="raise")
    inside_far = gpd.GeoDataFrame(geometry=[Point(1500, 500)], crs=25833)
    r2 = snap(G, inside_far, max_distance=300)
    assert r2.far.tolist() == [True] and r2.outside.tolist() == [False]
    # farther than the snap limit: not snapped (inf cost), reported with its reason
    assert r2.reason.tolist() == ["far_from_road"] and r2.part.tolist() == [-1]
    assert np.isinf(r2.access_cost("travel_time")).all()
    assert "1 of 1 feature(s) are more than 300 m from the road network" in caplog.text
    M = od_matrix(G, pts, inside_far, weight="length", max_snap_distance=2000)
    assert np.isinf(M[1, 0]) and np.isfinite(M[0, 0])


def test_bad_inputs(small_roads):
    no_crs = small_roads.set_crs(None, allow_override=True)
    with pytest.raises(CrsError, match="no CRS"):
        graph_from_roads(no_crs)
    with pytest.raises(InputError, match="line"):
        graph_from_roads(gpd.GeoDataFrame(geometry=[Point(0, 0)], crs=25833))
    G = graph_from_roads(small_roads)
    nodes = list(G.nodes)
    with pytest.raises(InputError, match="cutoff must be > 0"):
        od_matrix(G, nodes, nodes, cutoff=0)
    with pytest.raises(InputError, match="cutoff must be > 0"):
        od_matrix(G, nodes, nodes, cutoff=-5)
    with pytest.raises(InputError, match="not a node of the graph"):
        od_matrix(G, [123456], nodes)
    empty = nx.MultiDiGraph(crs="EPSG:25833")
    empty.add_node(1, x=0.0, y=0.0)
    with pytest.raises(InputError, match="no edges"):
        od_matrix(empty, [1], [1])
    bad = G.copy()
    u, v, k = next(iter(bad.edges(keys=True)))
    bad.edges[u, v, k]["travel_time"] = float("nan")
    with pytest.raises(InputError, match="NaN"):
        od_matrix(bad, nodes, nodes)
    far = gpd.GeoDataFrame(geometry=[Point(600_000, 7_500_000)], crs=25833)
    with pytest.raises(NoOverlapError, match="outside the road network's extent"):
        od_matrix(G, far, nodes)
    geo = G.copy()
    geo.graph["crs"] = "EPSG:4326"
    with pytest.raises(CrsError, match="geographic"):
        od_matrix(geo, gpd.GeoDataFrame(geometry=[Point(10, 60)], crs=4326), nodes)
    for exc in (CrsError, InputError, NoOverlapError):
        assert issubclass(exc, ArealsirkError)


def test_ferries_and_footpaths():
    roads = gpd.GeoDataFrame(
        {"vegkategori": ["R", "R", None, "R"], "typeVeg": ["enkelBilveg", "bilferje", "sti", "enkelBilveg"]},
        geometry=[LineString([(0, 0), (1000, 0)]), LineString([(1000, 0), (4000, 0)]),
                  LineString([(0, 0), (0, 500)]), LineString([(4000, 0), (5000, 0)])], crs=25833)
    G = graph_from_roads(roads, include_ferries=False)
    assert G.number_of_edges() == 4  # ferry and path left out
    assert [p["km"] for p in G.graph["parts"]] == [1.0, 1.0]  # two parts, the ferry missing
    G = graph_from_roads(roads)  # ferries are on by default
    a, z = node_at(G, 0, 0), node_at(G, 5000, 0)
    T = od_matrix(G, [a], [z])
    # 2 x 1000 m at 70 km/h + 3000 m ferry at 15 km/h + 15 min wait
    assert T[0, 0] == pytest.approx(2 * 1000 / (70 / 3.6) + 3000 / (15 / 3.6) + 900)


def test_ferry_split_into_pieces_waits_once():
    pieces = [LineString([(1000 + 1000 * i, 0), (2000 + 1000 * i, 0)]) for i in range(3)]
    roads = gpd.GeoDataFrame(
        {"vegkategori": ["R"] * 5,
         "typeVeg": ["enkelBilveg", "bilferje", "bilferje", "bilferje", "enkelBilveg"]},
        geometry=[LineString([(0, 0), (1000, 0)]), *pieces, LineString([(4000, 0), (5000, 0)])], crs=25833)
    G = graph_from_roads(roads, include_ferries=True)
    a, z = node_at(G, 0, 0), node_at(G, 5000, 0)
    T = od_matrix(G, [a, z], [z, a])
    expect = 2 * 1000 / (70 / 3.6) + 3000 / (15 / 3.6) + 900
    assert T[0, 0] == pytest.approx(expect) and T[1, 1] == pytest.approx(expect)


def test_lines_join_at_shared_interior_vertices():
    """N1000 style: two lines cross at a vertex both have -> a junction; a crossing without a
    shared vertex (a bridge) stays unjoined; node_shared_vertices=False turns joining off."""
    roads = gpd.GeoDataFrame(
        {"vegkategori": ["K"] * 3},
        geometry=[LineString([(0, 0), (500, 0), (1000, 0)]),      # shares (500, 0) with the next
                  LineString([(500, -500), (500, 0), (500, 500)]),
                  LineString([(800, -500), (800, 500)])],          # crosses without a shared vertex
        crs=25833)
    G = graph_from_roads(roads, keep="all")
    assert G.graph["build"]["split_at_shared_vertices"] == 2  # one split in each of the two lines
    a, n = node_at(G, 0, 0), node_at(G, 500, 500)
    assert od_matrix(G, [a], [n], weight="length")[0, 0] == pytest.approx(1000)
    b, c = node_at(G, 800, -500), node_at(G, 1000, 0)
    assert np.isinf(od_matrix(G, [b], [c], weight="length")[0, 0])
    G2 = graph_from_roads(roads, keep="all", node_shared_vertices=False)
    assert np.isinf(od_matrix(G2, [node_at(G2, 0, 0)], [node_at(G2, 500, 500)], weight="length")[0, 0])
