# ruff: noqa: N806
"""Every ``network.*`` row of the defaults table can be overridden with ``parameters=`` and the
override changes the answer (one test per row; a guard fails when a row has no test)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point, box

from arealsirk.defaults import default, table
from arealsirk.errors import InputError
from arealsirk.network import graph_from_roads, snap
from arealsirk.proximity import od_matrix, service_areas

SPEED_ROWS = {
    # row -> (vegkategori, motorvegtype) of a line that gets that speed
    "network.speed_kph.E": ("E", None),
    "network.speed_kph.R": ("R", None),
    "network.speed_kph.F": ("F", None),
    "network.speed_kph.K": ("K", None),
    "network.speed_kph.P": ("P", None),
    "network.speed_kph.S": ("S", None),
    "network.speed_kph.default": ("X", None),  # unknown category
    "network.speed_kph.motorway": ("E", "motorveg"),
    "network.speed_kph.motortrafikkveg": ("E", "motortrafikkveg"),
}
OTHER_ROWS = {"network.snap_speed_kph", "network.max_snap_m", "network.ferry_speed_kph",
              "network.ferry_wait_min", "network.node_tolerance_m", "network.service_area_buffer_m",
              "network.max_edge_m",
              "network.land_tolerance_m", "network.snap_candidates"}


def test_every_network_row_has_an_override_test():
    assert {row.key for row in table("network.")} == set(SPEED_ROWS) | OTHER_ROWS


def line(cat="R", motor=None, length=1000.0):
    cols = {"vegkategori": [cat]}
    if motor is not None:
        cols["motorvegtype"] = [motor]
    return gpd.GeoDataFrame(cols, geometry=[LineString([(0, 0), (length, 0)])], crs=25833)


def end_to_end(G, weight="travel_time"):
    a = next(v for v, d in G.nodes(data=True) if d["x"] == 0)
    z = max(G.nodes, key=lambda v: G.nodes[v]["x"])
    return od_matrix(G, [a], [z], weight=weight)[0, 0]


@pytest.mark.parametrize("key", sorted(SPEED_ROWS))
def test_speed_rows(key):
    cat, motor = SPEED_ROWS[key]
    roads = line(cat, motor)
    assert end_to_end(graph_from_roads(roads)) == pytest.approx(1000 / (default(key) / 3.6))
    assert end_to_end(graph_from_roads(roads, parameters={key: 11})) == pytest.approx(1000 / (11 / 3.6))
    # the same through od_matrix on the road layer
    pts = gpd.GeoDataFrame(geometry=[Point(0, 0), Point(1000, 0)], crs=25833)
    assert od_matrix(roads, pts.iloc[[0]], pts.iloc[[1]], parameters={key: 11})[0, 0] == \
        pytest.approx(1000 / (11 / 3.6))


def ferry_layer():
    return gpd.GeoDataFrame(
        {"vegkategori": ["R", "R", "R"], "typeVeg": ["enkelBilveg", "bilferje", "enkelBilveg"]},
        geometry=[LineString([(0, 0), (1000, 0)]), LineString([(1000, 0), (4000, 0)]),
                  LineString([(4000, 0), (5000, 0)])], crs=25833)


def test_ferry_speed_and_wait_rows():
    base = 2000 / (70 / 3.6)
    assert end_to_end(graph_from_roads(ferry_layer())) == pytest.approx(base + 3000 / (15 / 3.6) + 900)
    G = graph_from_roads(ferry_layer(), parameters={"network.ferry_speed_kph": 30})
    assert end_to_end(G) == pytest.approx(base + 3000 / (30 / 3.6) + 900)
    G = graph_from_roads(ferry_layer(), parameters={"network.ferry_wait_min": 40})
    assert end_to_end(G) == pytest.approx(base + 3000 / (15 / 3.6) + 2400)


def test_node_tolerance_row():
    roads = gpd.GeoDataFrame({"vegkategori": ["K", "K"]}, crs=25833,
                             geometry=[LineString([(0, 0), (500, 0)]), LineString([(503, 0), (900, 0)])])
    assert len(graph_from_roads(roads).graph["parts"]) == 2  # 3 m gap > 1 m
    assert len(graph_from_roads(roads, parameters={"network.node_tolerance_m": 5}).graph["parts"]) == 1


def test_max_edge_row():
    roads = line("R", length=3000)
    assert graph_from_roads(roads).number_of_nodes() == 4  # pieces of 1000 m
    assert graph_from_roads(roads, parameters={"network.max_edge_m": 0}).number_of_nodes() == 2
    assert graph_from_roads(roads, parameters={"network.max_edge_m": 500}).number_of_nodes() == 7


def test_snap_speed_row():
    G = graph_from_roads(line())
    pt = gpd.GeoDataFrame(geometry=[Point(0, 100)], crs=25833)
    assert snap(G, pt).access_cost("travel_time")[0] == pytest.approx(100 / (20 / 3.6))
    assert snap(G, pt, parameters={"network.snap_speed_kph": 10}).access_cost("travel_time")[0] == \
        pytest.approx(100 / (10 / 3.6))
    G10 = graph_from_roads(line(), parameters={"network.snap_speed_kph": 10})
    assert snap(G10, pt).access_cost("travel_time")[0] == pytest.approx(36.0)
    end = gpd.GeoDataFrame(geometry=[Point(1000, 0)], crs=25833)
    assert od_matrix(G, pt, end, parameters={"network.snap_speed_kph": 10})[0, 0] == \
        pytest.approx(36.0 + 1000 / (70 / 3.6))


def test_max_snap_row():
    roads = gpd.GeoDataFrame({"vegkategori": ["R", "R"]}, geometry=[
        LineString([(0, 0), (1000, 0)]), LineString([(0, 10000), (1000, 10000)])], crs=25833)
    G = graph_from_roads(roads)
    pt = gpd.GeoDataFrame(geometry=[Point(0, 3000)], crs=25833)  # 3000 m from (0, 0)
    assert snap(G, pt).reason[0] == ""
    assert snap(G, pt, parameters={"network.max_snap_m": 2000}).reason[0] == "far_from_road"
    G2 = graph_from_roads(roads, parameters={"network.max_snap_m": 2000})
    assert G2.graph["max_snap_m"] == 2000 and snap(G2, pt).reason[0] == "far_from_road"


def test_land_tolerance_and_snap_candidates_rows():
    # P at (500, 200), 200 m off the mainland coast (y = 0); the island coast is at y = 450, its road
    # node at (500, 600) is nearer (400 m, 250 m of it over water) than the mainland node (500, -1000)
    # (1200 m, 200 m over water)
    roads = gpd.GeoDataFrame({"vegkategori": ["R", "R"]}, geometry=[
        LineString([(500, -1000), (1000, -1000)]), LineString([(500, 600), (1000, 600)])], crs=25833)
    land = box(-500, -2000, 1500, 0).union(box(-500, 450, 1500, 1000))
    G = graph_from_roads(roads, land=land)
    p = gpd.GeoDataFrame(geometry=[Point(500, 200)], crs=25833)
    res = snap(G, p)
    assert res.reason[0] == "" and G.nodes[res.nodes[0]]["y"] == 600  # 250 m of water <= 300 m
    res = snap(G, p, parameters={"network.land_tolerance_m": 220})
    assert res.reason[0] == "" and G.nodes[res.nodes[0]]["y"] == -1000  # 200 m <= 220 m < 250 m
    res = snap(G, p, parameters={"network.land_tolerance_m": 220, "network.snap_candidates": 1})
    assert res.reason[0] == "across_water"  # only the nearest node tried
    res = snap(G, p, parameters={"network.land_tolerance_m": 100})
    assert res.reason[0] == "across_water"


def test_service_area_buffer_row():
    roads = line("R", length=3000)
    fac = gpd.GeoDataFrame({"id": [1]}, geometry=[Point(0, 0)], crs=25833)
    G = graph_from_roads(roads)
    a = service_areas(G, fac, [60]).area.iloc[0]
    b = service_areas(G, fac, [60], parameters={"network.service_area_buffer_m": 100}).area.iloc[0]
    c = service_areas(graph_from_roads(roads, parameters={"network.service_area_buffer_m": 100}), fac, [60])
    # a buffered 3000 m line: 2 r x 3000 + pi r^2 (quad_segs=4 polygons a little smaller)
    assert a == pytest.approx(2 * 250 * 3000 + np.pi * 250**2, rel=0.01)
    assert b == pytest.approx(2 * 100 * 3000 + np.pi * 100**2, rel=0.01)
    assert c.area.iloc[0] == pytest.approx(b)


def test_bad_parameters_are_refused():
    with pytest.raises(InputError, match=r"unknown key 'network\.speed_kph\.Q'"):
        graph_from_roads(line(), parameters={"network.speed_kph.Q": 50})
    with pytest.raises(InputError, match="must be > 0"):
        graph_from_roads(line(), parameters={"network.speed_kph.R": 0})
    G = graph_from_roads(line())
    # a row that shapes the graph cannot be changed after it is built: refused, not ignored
    with pytest.raises(InputError, match=r"'network\.speed_kph\.R' = 50 shapes the road graph"):
        od_matrix(G, list(G.nodes), list(G.nodes), parameters={"network.speed_kph.R": 50})
    G50 = graph_from_roads(line(), parameters={"network.speed_kph.R": 50})
    od_matrix(G50, list(G50.nodes), list(G50.nodes), parameters={"network.speed_kph.R": 50})  # same: fine
