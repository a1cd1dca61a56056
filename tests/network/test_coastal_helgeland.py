# ruff: noqa: N806
"""Acceptance test of the network part of issue 12 on real coastal data: eleven Helgeland kommuner
(Rana, Hemnes, Vefsn, Leirfjord, Alstahaug, Herøy, Dønna, Nesna, Lurøy, Træna, Rødøy) with the
national Kartverket N1000 roads and car ferries, land = N1000 ``Kommune`` minus N1000 ``Havflate``,
and every populated SSB 250 m cell (2015) of those kommuner.

- every road part is kept and reported with its people; nobody disappears (snapped + each reason
  = all cells, in cells and in people);
- Træna (Husøy, an island with no road link) is reached from Mo i Rana by road + ferry, and the
  time equals a hand computation from the edge lengths of the route (speeds from the defaults
  table, one ferry wait);
- a populated island without road or ferry is reported unreachable, not snapped across the sea.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

from arealsirk.datasets import shared_data_dir
from arealsirk.defaults import default
from arealsirk.network import graph_from_roads, part_summary, snap
from arealsirk.proximity import od_matrix
from arealsirk.readers.ssb import decode_ssb_id

DATA = shared_data_dir()
N1000 = DATA / "n1000_kartverket" / "n1000_transport_admin.gpkg"
LANDCOVER = DATA / "n1000_kartverket" / "n1000_landcover.gpkg"
GRID = DATA / "ssb_popgrid_2015" / "ru250m_2015.csv"
KOMMUNER = {"1833": "Rana", "1832": "Hemnes", "1824": "Vefsn", "1822": "Leirfjord",
            "1820": "Alstahaug", "1818": "Herøy", "1827": "Dønna", "1828": "Nesna", "1834": "Lurøy",
            "1835": "Træna", "1836": "Rødøy"}


@pytest.fixture(scope="module")
def helgeland():
    kom = gpd.read_file(N1000, layer="Kommune")
    kom = kom[kom["kommunenummer"].isin(list(KOMMUNER))].reset_index(drop=True)
    assert sorted(kom["kommunenavn"]) == sorted(KOMMUNER.values())
    region = kom.union_all()
    roads = gpd.read_file(N1000, layer="Veglenke", bbox=region.bounds)
    roads = roads[roads.intersects(region)].reset_index(drop=True)
    sea = gpd.read_file(LANDCOVER, layer="Havflate", bbox=region.bounds).union_all()
    land = shapely.difference(region, sea)
    G = graph_from_roads(roads, land=land, file=N1000.name, layer="Veglenke")
    grid = pd.read_csv(GRID, sep=";")
    x, y = decode_ssb_id(grid["ru250m"].to_numpy())
    cells = gpd.GeoDataFrame({"pop": grid["pop_tot"].to_numpy(dtype=float)},
                             geometry=gpd.points_from_xy(x + 125.0, y + 125.0), crs=25833)
    cells = cells.cx[region.bounds[0]:region.bounds[2], region.bounds[1]:region.bounds[3]]
    cells = gpd.sjoin(cells, kom[["kommunenavn", "geometry"]], predicate="within").drop(columns="index_right")
    cells = cells.reset_index(drop=True)
    res = snap(G, cells, name="population")
    return {"kom": kom, "roads": roads, "land": land, "G": G, "cells": cells, "res": res}


def test_nobody_disappears_and_every_part_is_reported(helgeland):
    G, cells, res, roads = helgeland["G"], helgeland["cells"], helgeland["res"], helgeland["roads"]
    total = cells["pop"].sum()
    assert 60_000 < total < 65_000  # SSB 2015, these eleven kommuner
    counts = res.counts()
    assert sum(counts.values()) == len(cells)
    table = part_summary(G, res, cells["pop"])
    assert table["people"].sum() == pytest.approx(total, rel=1e-12)
    # every part of the road graph is a row, with its people; nothing was cut off
    parts = G.graph["parts"]
    assert table.loc[table["reason"] == "", "part"].tolist() == [p["id"] for p in parts]
    assert len(parts) >= 2
    car_km = roads.loc[roads["typeVeg"] == "enkelBilveg"].length.sum() / 1000
    assert sum(p["km"] - p["ferry_km"] for p in parts) == pytest.approx(car_km, abs=0.01)
    small = table[(table["reason"] == "") & (table["part"] > 0)]
    assert small["people"].sum() > 0  # people on road pieces not joined to the main network
    # the old keep-largest graph would have lost those road pieces
    assert graph_from_roads(roads, keep="largest").number_of_nodes() < G.number_of_nodes()
    # the reasons: each unreachable cell is counted once, with its reason
    for why in ("far_from_road", "across_water"):
        row = table[table["reason"] == why]
        assert row["points"].iloc[0] == counts[why]
        assert row["people"].iloc[0] == pytest.approx(cells.loc[res.reason == why, "pop"].sum())
    assert counts["across_water"] > 0
    # most people live on the main network
    assert table.loc[table["part"] == 0, "people"].iloc[0] > 0.99 * total


def _hand_time(G, path, roads_car):
    """Seconds along ``path`` from the edge lengths: road at the table speed of its vegkategori,
    ferry at network.ferry_speed_kph, one network.ferry_wait_min per boarding."""
    road_m = ferry_m = 0.0
    seconds = 0.0
    boardings = 0
    for u, v in itertools.pairwise(path):
        d = min(G[u][v].values(), key=lambda e: e["travel_time"])
        if d.get("quay") == "board":
            boardings += 1
        elif d.get("quay") == "alight":
            continue
        elif d["ferry"]:
            ferry_m += d["length"]
            seconds += d["length"] / (default("network.ferry_speed_kph") / 3.6)
        else:
            src = roads_car.iloc[d["road_index"]]
            assert src["motorvegtype"] not in ("motorveg", "motortrafikkveg")  # no motorways here
            road_m += d["length"]
            seconds += d["length"] / (default(f"network.speed_kph.{src['vegkategori']}") / 3.6)
    return seconds + boardings * 60 * default("network.ferry_wait_min"), road_m, ferry_m, boardings


def test_traena_is_reached_by_road_and_ferry(helgeland):
    G, cells, res, roads = helgeland["G"], helgeland["cells"], helgeland["res"], helgeland["roads"]
    mo = gpd.read_file(N1000, layer="Stasjon", where="navn = 'Mo i Rana'")
    traena = cells[cells["kommunenavn"] == "Træna"]
    husoy = traena.loc[[traena["pop"].idxmax()]]  # the most populated cell of Træna: Husøy
    assert res.reason[husoy.index[0]] == "" and res.part[husoy.index[0]] == 0
    t = od_matrix(G, mo, husoy)[0, 0]
    # by hand: the route networkx finds, each edge timed from its length and the defaults table
    a, b = snap(G, mo), snap(G, husoy)
    path = nx.dijkstra_path(G, a.nodes[0], b.nodes[0], weight="travel_time")
    car = ~roads["typeVeg"].isin(["sti", "barmarksløype", "passasjerferje"])
    roads_car = roads[car].reset_index(drop=True)  # the rows graph_from_roads keeps, in its order
    seconds, road_m, ferry_m, boardings = _hand_time(G, path, roads_car)
    access = (a.distance[0] + b.distance[0]) / (default("network.snap_speed_kph") / 3.6)
    assert t == pytest.approx(seconds + access, rel=1e-9)
    assert boardings == 1  # one ferry trip (Stokkvågen - Træna), however many quays it calls at
    assert 60_000 < road_m < 90_000 and 40_000 < ferry_m < 60_000  # 73.7 km road, 49.4 km ferry
    assert 4.0 < t / 3600 < 5.5  # 4.8 h
    # every populated cell of the ferry-served island kommuner is reached from Mo i Rana
    for name in ("Træna", "Herøy", "Dønna"):
        isl = cells[(cells["kommunenavn"] == name) & (res.reason == "")]
        assert np.isfinite(od_matrix(G, mo, isl)).all(), name
    # without ferries Træna is cut off (its roads form a part of their own)
    G0 = graph_from_roads(roads, include_ferries=False, land=helgeland["land"])
    assert np.isinf(od_matrix(G0, mo, husoy)[0, 0])


def test_island_without_road_or_ferry_is_not_snapped(helgeland):
    G, cells, res, land = helgeland["G"], helgeland["cells"], helgeland["res"], helgeland["land"]
    tol = default("network.land_tolerance_m")
    islands = shapely.get_parts(land)
    tree = shapely.STRtree(islands)
    node_xy = np.array([(d["x"], d["y"]) for _, d in G.nodes(data=True)])
    node_pts = shapely.points(node_xy)
    # islands more than the tolerance away from every road node and every other piece of land:
    # any snap line from them crosses more water than allowed
    isolated = []
    for i, isl in enumerate(islands):
        if shapely.distance(isl, node_pts).min() <= tol:
            continue
        near = tree.query(isl, predicate="dwithin", distance=tol)
        if set(near.tolist()) <= {i}:
            isolated.append(i)
    ci, ii = tree.query(cells.geometry.to_numpy(), predicate="within")
    on_isolated = ci[np.isin(ii, isolated)]
    assert len(on_isolated) > 0
    assert set(res.reason[on_isolated]) <= {"across_water", "far_from_road"}
    assert (res.part[on_isolated] == -1).all()
    assert np.isinf(res.access_cost("travel_time")[on_isolated]).all()
    # the biggest such island: several populated cells, none snapped
    by_island = pd.Series(cells["pop"].to_numpy()[on_isolated]).groupby(ii[np.isin(ii, isolated)]).sum()
    assert by_island.max() >= 5  # 6 people in 2 cells on a 0.46 km² island by Træna
