# ruff: noqa: N806
"""Graph preparation without networkx on the hot path (RoadGraph) and the on-disk cache."""

from __future__ import annotations

import logging

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import LineString

from arealsirk import _graph
from arealsirk.datasets import shared_data_dir
from arealsirk.network import graph_from_roads
from arealsirk.proximity import clear_cache, od_matrix, prepare
from arealsirk.readers import read_road_graph


def chain_grid(n: int = 26, step: float = 500.0, max_edge: float = 100.0) -> tuple[gpd.GeoDataFrame, dict]:
    """A grid of roads cut into 100 m pieces: > 5 000 nodes, mostly in degree-2 chains (the chain
    index is then used and stored), with one ferry and one one-way road."""
    lines, cats, typ, oneway = [], [], [], []
    for i in range(n):
        for j in range(n - 1):
            lines += [LineString([(i * step, j * step), (i * step, (j + 1) * step)]),
                      LineString([(j * step, i * step), ((j + 1) * step, i * step)])]
            cats += ["FKRP"[(i + j) % 4], "EFKP"[(i * j) % 4]]
            typ += ["enkelBilveg", "enkelBilveg"]
            oneway += [i == 3 and j == 4, False]
    lines.append(LineString([(-3000, 0), (0, 0)]))  # a ferry to the grid's corner
    cats.append("F")
    typ.append("bilferje")
    oneway.append(False)
    lines.append(LineString([(-4000, 0), (-3000, 0)]))  # the island's road
    cats.append("K")
    typ.append("enkelBilveg")
    oneway.append(False)
    roads = gpd.GeoDataFrame({"vegkategori": cats, "typeVeg": typ, "oneway": oneway}, geometry=lines,
                             crs=25833)
    return roads, {"network.max_edge_m": max_edge}


def test_road_graph_routes_without_building_networkx():
    roads, params = chain_grid()
    G = graph_from_roads(roads, parameters=params)
    n_nodes, n_edges = G.pending_counts
    assert n_nodes > 5000 and G.number_of_nodes() == n_nodes and len(G) == n_nodes
    ids = G.road_arrays["used"]
    rng = np.random.default_rng(3)
    src, tgt = rng.choice(ids, 30).tolist(), rng.choice(ids, 40).tolist()
    T = od_matrix(G, src, tgt)
    assert G.pending_counts is not None  # routed on, never built in networkx
    seeded = prepare(G, "travel_time")
    # the networkx graph built on first use gives the same prepared form and the same answers
    assert len(list(G.nodes)) == n_nodes  # first use of the networkx API: built now
    assert G.pending_counts is None
    clear_cache(G)
    built = prepare(G, "travel_time")  # from the networkx dicts
    assert G.number_of_nodes() == n_nodes and G.number_of_edges() == n_edges
    assert built.nodes.tolist() == seeded.nodes.tolist()
    assert abs(built.csr - seeded.csr).max() == 0 and built.csr.nnz == seeded.csr.nnz
    assert (built.part == seeded.part).all() and (built.snappable == seeded.snappable).all()
    np.testing.assert_array_equal(od_matrix(G, src, tgt), T)
    # and networkx agrees (an independent Dijkstra on the built dicts)
    for k in range(3):
        dist = nx.single_source_dijkstra_path_length(G, src[k], weight="travel_time")
        np.testing.assert_allclose(T[k], [dist.get(t, np.inf) for t in tgt], rtol=1e-9)
    assert len(list(nx.weakly_connected_components(G))) == len(G.graph["parts"]) == 1
    C = G.copy()
    assert C.number_of_edges() == n_edges and C.graph["parts"] == G.graph["parts"]


def test_disk_cache_of_a_layer(tmp_path, caplog):
    roads, params = chain_grid()
    G1 = graph_from_roads(roads, parameters=params, cache=tmp_path)
    files = list((tmp_path / "graphs").glob("*.npz"))
    assert len(files) == 1
    with caplog.at_level(logging.INFO, logger="arealsirk"):
        G2 = graph_from_roads(roads, parameters=params, cache=tmp_path)
    assert "loaded from the cache" in caplog.text
    assert G2.graph["parts"] == G1.graph["parts"] and G2.graph["build"] == G1.graph["build"]
    pg2 = prepare(G2, "travel_time")
    assert getattr(pg2, "_chains", None) is not None  # the chain index came from the file
    ids = G1.road_arrays["used"]
    rng = np.random.default_rng(5)
    src, tgt = rng.choice(ids, 25).tolist(), rng.choice(ids, 25).tolist()
    np.testing.assert_array_equal(od_matrix(G2, src, tgt), od_matrix(G1, src, tgt))
    np.testing.assert_array_equal(od_matrix(G2, src, tgt, weight="length"),
                                  od_matrix(G1, src, tgt, weight="length"))
    # another option or override -> another key; the same layer with a changed attribute too
    graph_from_roads(roads, parameters={**params, "network.speed_kph.K": 45}, cache=tmp_path)
    changed = roads.copy()
    changed.loc[0, "vegkategori"] = "E"
    graph_from_roads(changed, parameters=params, cache=tmp_path)
    assert len(list((tmp_path / "graphs").glob("*.npz"))) == 3
    # an unreadable file is rebuilt, with a warning
    files[0].write_bytes(b"not a zip file")
    with caplog.at_level(logging.WARNING, logger="arealsirk"):
        G3 = graph_from_roads(roads, parameters=params, cache=tmp_path)
    assert "unreadable" in caplog.text
    np.testing.assert_array_equal(od_matrix(G3, src, tgt), od_matrix(G1, src, tgt))


def test_read_road_graph_cache_by_file_hash(tmp_path, caplog):
    rh = shared_data_dir() / "ringerike_hadeland" / "ringerike_hadeland.gpkg"
    G1 = read_road_graph(rh, layer="n1000_veg", cache=tmp_path)
    with caplog.at_level(logging.INFO, logger="arealsirk"):
        G2 = read_road_graph(rh, layer="n1000_veg", cache=tmp_path)
    assert "loaded from the cache" in caplog.text
    assert G2.graph["parts"] == G1.graph["parts"]
    ids = G1.road_arrays["used"][::37].tolist()
    np.testing.assert_array_equal(od_matrix(G2, ids, ids), od_matrix(G1, ids, ids))
    # other options: not the cached graph
    read_road_graph(rh, layer="n1000_veg", cache=tmp_path, include_ferries=False)
    assert len(list((tmp_path / "graphs").glob("*.npz"))) == 2
    with pytest.raises(Exception, match="cache must be"):
        _graph.disk_cache(3.5)


def test_road_graph_pickles():
    import pickle

    roads, params = chain_grid(n=8, max_edge=250.0)
    G = graph_from_roads(roads, parameters=params)
    ids = G.road_arrays["used"][::7].tolist()
    T = od_matrix(G, ids, ids)
    lazy = pickle.loads(pickle.dumps(G))  # not built yet: travels as arrays
    assert lazy.pending_counts == G.pending_counts and lazy.graph["parts"] == G.graph["parts"]
    np.testing.assert_array_equal(od_matrix(lazy, ids, ids), T)
    _ = G.nodes  # built: travels as a plain MultiDiGraph
    built = pickle.loads(pickle.dumps(G))
    assert built.number_of_edges() == G.number_of_edges()
    np.testing.assert_array_equal(od_matrix(built, ids, ids), T)


@pytest.mark.parametrize("weight", ["travel_time", "length"])
def test_edge_table_from_arrays_equals_the_networkx_listing(weight):
    """Service areas read every edge's cost and geometry: from a road graph's arrays they must be the
    same values in the same order as networkx lists them once the graph is built (real N1000 roads
    of Rana and Hemnes with ferries, plus the grid with a ferry and a one-way road)."""
    import shapely

    from arealsirk.network.proximity import _edge_table

    real = gpd.read_file(shared_data_dir() / "rana_hemnes" / "rana_hemnes.gpkg", layer="n1000_veg")
    for roads, params in ((real, None), chain_grid()):
        G = graph_from_roads(roads, parameters=params)
        pg = prepare(G, weight)
        lazy = _edge_table(G, pg)
        assert G.pending_counts is not None  # the table came from the arrays
        listed = list(G.edges(data=True))  # builds the networkx dicts
        index = pg.index
        assert np.array_equal(lazy[0], [index[u] for u, _v, _d in listed])
        assert np.array_equal(lazy[1], [index[v] for _u, v, _d in listed])
        assert np.array_equal(lazy[2], [d[weight] for _u, _v, d in listed])
        assert shapely.equals_exact(lazy[3], np.array([d["geometry"] for *_, d in listed]), 0).all()


def test_workflows_route_a_road_graph_without_building_networkx():
    """A workflow given a road graph routes on its arrays: checking that it is a graph must not build
    the networkx dicts (seconds on the national N1000 graph)."""
    from arealsirk.datasets import demo_region
    from arealsirk.workflows import site_reuse_centres

    demo = demo_region()
    G = graph_from_roads(demo.roads)
    site_reuse_centres(demo.population, demo.zones, G, count=2)
    assert G.pending_counts is not None
