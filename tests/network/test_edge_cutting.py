"""Cutting long road pieces adds snap targets but changes no route between junctions."""

from __future__ import annotations

import numpy as np
import shapely

from arealsirk import network, proximity


def test_cutting_preserves_length_and_junction_times(demo):
    whole = network.graph_from_roads(demo.roads, max_edge_length=0)
    cut = network.graph_from_roads(demo.roads, max_edge_length=700)
    assert cut.number_of_nodes() > 3 * whole.number_of_nodes()
    total = lambda g: sum(d["length"] for _, _, d in g.edges(data=True))  # noqa: E731
    assert np.isclose(total(whole), total(cut), rtol=1e-9)
    # a piece runs from the first vertex past k * 700 m to the first past (k + 1) * 700 m: < 2 * 700 m
    lengths = np.array([d["length"] for _, _, d in cut.edges(data=True)])
    assert lengths.max() < 2 * 700 and np.median(lengths) < 700
    # junctions of the whole graph are nodes of the cut graph at the same coordinates
    xy_cut = {(round(d["x"], 3), round(d["y"], 3)): n for n, d in cut.nodes(data=True)}
    junctions = list(whole.nodes)
    mapped = [xy_cut[(round(whole.nodes[n]["x"], 3), round(whole.nodes[n]["y"], 3))] for n in junctions]
    a = proximity.od_matrix(whole, junctions, junctions)
    b = proximity.od_matrix(cut, mapped, mapped)
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-6)


def test_cut_pieces_follow_the_original_geometry(demo):
    cut = network.graph_from_roads(demo.roads, max_edge_length=500)
    union = shapely.union_all(demo.roads.geometry.values).buffer(0.01)
    pieces = [d["geometry"] for _, _, d in cut.edges(data=True) if "geometry" in d]
    assert pieces and all(union.contains(p) for p in pieces[:200])


def test_points_snap_near_their_road(demo):
    import geopandas as gpd

    cut = network.graph_from_roads(demo.roads)  # default network.max_edge_m = 1000 m
    whole = network.graph_from_roads(demo.roads, max_edge_length=0)
    # a point 50 m beside the middle of every road line: far from junctions
    mids = [line.interpolate(0.5, normalized=True) for line in demo.roads.geometry]
    pts = gpd.GeoDataFrame(geometry=[shapely.Point(p.x + 50, p.y) for p in mids], crs=demo.roads.crs)
    d_cut = network.snap(cut, pts).distance
    d_whole = network.snap(whole, pts).distance
    assert d_cut.max() < 2 * 1000  # pieces are < 2 x max_edge long, so a node is within one piece
    assert np.median(d_cut) < 600 < np.median(d_whole)
