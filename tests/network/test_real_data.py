# ruff: noqa: N806
"""Real data: DIMACS Rome distances, Kartverket N1000 Ringerike-Hadeland, OSM Oslo PBF."""

from __future__ import annotations

import csv

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import Point

from arealsirk.datasets import shared_bench_dir, shared_data_dir
from arealsirk.network import graph_from_dimacs, graph_from_osm_file, graph_from_roads, snap
from arealsirk.proximity import od_matrix

ROME = shared_bench_dir() / "dimacs_rome99"
RH = shared_data_dir() / "ringerike_hadeland" / "ringerike_hadeland.gpkg"
OSLO = shared_data_dir() / "osm_oslo_center"


def test_dimacs_rome_reference_distances():
    G = graph_from_dimacs(ROME / "raw" / "rome99.gr")
    assert G.number_of_nodes() == 3353 and G.number_of_edges() == 8870
    with (ROME / "REFERENCE.csv").open() as fh:
        ref = [(int(r["source_1based"]), int(r["target_1based"]), float(r["distance"]))
               for r in csv.DictReader(fh) if r["source_1based"] != "ALL"]
    assert len(ref) > 100
    src = sorted({s for s, _, _ in ref})
    tgt = sorted({t for _, t, _ in ref})
    D = od_matrix(G, src, tgt, weight="length")
    got = np.array([D[src.index(s), tgt.index(t)] for s, t, _ in ref])
    np.testing.assert_array_equal(got, [d for _, _, d in ref])
    # the same from the target side (reversed graph): directed arcs must stay directed
    D2 = od_matrix(G, src[:2], tgt, weight="length")
    np.testing.assert_array_equal(D2, D[:2])


def test_dimacs_rome_all_pairs_checksum():
    G = graph_from_dimacs(ROME / "raw" / "rome99.gr")
    with (ROME / "OPTIMA.csv").open() as fh:
        expected = float(next(csv.DictReader(fh))["value"])
    nodes = list(G.nodes)
    D = od_matrix(G, nodes, nodes, weight="length")
    assert np.isfinite(D).all()
    assert D.sum() == expected  # 160 839 610 183: a summed-duplicates CSR would differ


@pytest.fixture(scope="module")
def n1000():
    roads = gpd.read_file(RH, layer="n1000_veg")
    G = graph_from_roads(roads, file=RH.name, layer="n1000_veg")
    stations = gpd.read_file(RH, layer="n1000_stasjon")
    return roads, G, stations


def test_n1000_builds_connected_regional_graph(n1000):
    roads, G, _ = n1000
    car_km = roads.loc[roads["typeVeg"] == "enkelBilveg"].length.sum() / 1000
    # every part is kept (keep="all" by default) and reported; the parts' road km add up to the car
    # roads of the layer (ferry km apart: ferry ends are joined to the quay, which adds length)
    parts = G.graph["parts"]
    assert sum(p["km"] - p["ferry_km"] for p in parts) == pytest.approx(car_km, rel=1e-6)
    assert sum(p["ferry_km"] for p in parts) > 0  # Randsfjordferja
    # parts are weak components: check with networkx, and the largest comes first
    wcc = sorted(nx.weakly_connected_components(G), key=len, reverse=True)
    assert len(wcc) == len(parts) and len(wcc[0]) == parts[0]["nodes"]
    assert all(G.nodes[v]["part"] == 0 for v in wcc[0])
    # only small fragments cut by the clip boundary lie outside the main part
    assert parts[0]["km"] > 0.9 * car_km
    # the old behaviour on request: the largest strongly connected part, with the drop report
    G1 = graph_from_roads(roads, file=RH.name, layer="n1000_veg", keep="largest")
    assert nx.is_strongly_connected(G1)
    rep = G1.graph["dropped"]
    assert rep["nodes_dropped"] < 0.1 * rep["nodes_total"]
    kept_km = sum(d["length"] for _, _, d in G1.edges(data=True)) / 2 / 1000
    assert kept_km == pytest.approx(G1.graph["parts"][0]["km"], abs=1e-3)  # parts round km to 1 m
    assert 0.9 * car_km < kept_km <= car_km + 1e-6


def test_n1000_honefoss_gran_travel_time(n1000):
    _, G, stations = n1000
    hf = stations.loc[stations["navn"] == "Hønefoss"]
    gran = stations.loc[stations["navn"] == "Gran"]
    assert snap(G, hf).distance[0] < 1500 and snap(G, gran).distance[0] < 1500
    minutes = od_matrix(G, hf, gran)[0, 0] / 60
    km = od_matrix(G, hf, gran, weight="length")[0, 0] / 1000
    back = od_matrix(G, gran, hf)[0, 0] / 60
    # Hønefoss-Gran by road (Rv 35 / Fv 241 over Hadeland) is about 33-38 km, 30-40 minutes
    straight = hf.geometry.iloc[0].distance(gran.geometry.iloc[0]) / 1000
    assert 27 < straight < 28
    assert 30 < km < 45
    assert 20 < minutes < 50
    assert back == pytest.approx(minutes)  # N1000 has no one-way information


def test_oslo_opera_pbf_small():
    G = graph_from_osm_file(OSLO / "oslo-opera.osm.pbf", keep="largest")
    assert G.graph["crs"] == "EPSG:25833"
    assert G.number_of_edges() > 5 and nx.is_strongly_connected(G)
    for _, _, d in G.edges(data=True):
        assert d["length"] > 0 and d["speed_kph"] > 0
        assert d["travel_time"] == pytest.approx(d["length"] / (d["speed_kph"] / 3.6), rel=1e-3)
        assert d["highway"] not in ("footway", "path", "steps", "cycleway", "pedestrian")


def test_oslo_center_pbf_every_part_reported():
    """By default every part of a clipped OSM extract is kept and numbered like a road layer's."""
    G = graph_from_osm_file(OSLO / "oslo-center.osm.pbf")
    parts = G.graph["parts"]
    wcc = sorted(nx.weakly_connected_components(G), key=len, reverse=True)
    assert len(parts) == len(wcc) > 1  # fragments cut by the extract's edge
    assert sorted(p["nodes"] for p in parts) == sorted(len(c) for c in wcc)
    assert all(len({G.nodes[v]["part"] for v in c}) == 1 for c in wcc)  # one id per weak component
    assert len({G.nodes[next(iter(c))]["part"] for c in wcc}) == len(wcc)
    # km counts a two-way street once: equals the length of the undirected edge set
    und = {(min(a, b), max(a, b), round(d["length"], 3)) for a, b, d in G.edges(data=True)}
    assert sum(p["km"] for p in parts) == pytest.approx(sum(x[2] for x in und) / 1000, rel=1e-6)
    big = graph_from_osm_file(OSLO / "oslo-center.osm.pbf", keep="largest")
    assert big.number_of_nodes() < G.number_of_nodes() and len(big.graph["parts"]) == 1


def test_oslo_center_pbf_routable_car_graph():
    G = graph_from_osm_file(OSLO / "oslo-center.osm.pbf", keep="largest")
    assert G.number_of_nodes() > 1000 and nx.is_strongly_connected(G)
    # one-way streets exist and are kept directed
    one_way = [(u, v) for u, v, d in G.edges(data=True) if d.get("oneway") is True]
    assert len(one_way) > 100 and any(not G.has_edge(v, u) for u, v in one_way)
    # Oslo S (Jernbanetorget) -> Slottet (Royal Palace): about 1.5 km straight, 2-3 km by car
    pts = gpd.GeoDataFrame(geometry=[Point(10.7522, 59.9111), Point(10.7275, 59.9169)], crs=4326)
    res = snap(G, pts)
    assert (res.distance < 300).all()  # the palace stands in a park; nodes of a simplified graph
    km = od_matrix(G, pts.iloc[[0]], pts.iloc[[1]], weight="length")[0, 0] / 1000
    straight = pts.to_crs(25833).geometry.iloc[0].distance(pts.to_crs(25833).geometry.iloc[1]) / 1000
    assert 1.0 * straight < km < 2.5 * straight
    minutes = od_matrix(G, pts.iloc[[0]], pts.iloc[[1]])[0, 0] / 60
    assert 2 < minutes < 15


def test_plain_osm_xml_without_pyosmium(tmp_path, monkeypatch):
    """.osm XML is read by osmnx alone when pyosmium is missing; .pbf then needs the extra."""
    import osmium

    from arealsirk import _optional
    from arealsirk.errors import OptionalDependencyError
    from arealsirk.network import _filter_osm

    xml = tmp_path / "opera.osm"
    assert _filter_osm(osmium, OSLO / "oslo-opera.osm.pbf", xml, "all") > 0  # all highway ways
    with_osmium = graph_from_osm_file(xml)
    real = _optional.require

    def no_osmium(module, **kw):
        if module == "osmium":
            raise OptionalDependencyError("pyosmium missing (simulated)")
        return real(module, **kw)

    monkeypatch.setattr(_optional, "require", no_osmium)
    without = graph_from_osm_file(xml)
    assert sorted(without.nodes) == sorted(with_osmium.nodes)
    assert without.number_of_edges() == with_osmium.number_of_edges()
    with pytest.raises(OptionalDependencyError, match="pyosmium"):
        graph_from_osm_file(OSLO / "oslo-opera.osm.pbf")


def test_online_builders_fail_fast_offline():
    """graph_from_place/polygon go online through osmnx; the test settings make that fail at once."""
    import time

    from shapely.geometry import box

    from arealsirk.network import graph_from_place, graph_from_polygon

    t = time.perf_counter()
    with pytest.raises(Exception):  # noqa: B017 - any connection error; must not hang
        graph_from_place("Hønefoss, Norway")
    with pytest.raises(Exception):  # noqa: B017
        graph_from_polygon(box(10.74, 59.90, 10.76, 59.92))
    assert time.perf_counter() - t < 30
