# ruff: noqa: N806
"""The contraction hierarchy (``method="ch"``, :mod:`arealsirk.network._ch`) against scipy's Dijkstra.

Expected costs come from :func:`scipy.sparse.csgraph.dijkstra` on a dense matrix built here
from the networkx edges (cheapest parallel edge), never from the engine's own CSR.  The CH
rounds edge costs to a grid of ``1/scale``; its costs must equal Dijkstra on the rounded
weights exactly, and Dijkstra on the float weights within half a grid step per edge.
"""

from __future__ import annotations

import csv
import sys

import networkx as nx
import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra

from arealsirk._graph import clear_cache, prepare
from arealsirk.datasets import shared_bench_dir
from arealsirk.errors import InputError
from arealsirk.network import _ch, graph_from_dimacs
from arealsirk.proximity import od_matrix

ROME = shared_bench_dir() / "dimacs_rome99"


def _random_graph(rng, n: int = 60, parts: int = 2, integer: bool = False) -> nx.MultiDiGraph:
    """``parts`` separate random road-like networks: two-way and one-way edges, parallel edges,
    zero-cost edges, coordinates."""
    G = nx.MultiDiGraph()
    for p in range(parts):
        base = p * n
        xy = rng.random((n, 2)) * 10_000 + p * 50_000
        for i in range(n):
            G.add_node(base + i, x=float(xy[i, 0]), y=float(xy[i, 1]))
        for i in range(1, n):  # a random tree keeps the part weakly connected, plus extra edges
            extra = [tuple(rng.integers(0, n, 2))] * int(rng.random() < 0.8)
            for a, b in [(int(rng.integers(0, i)), i), *extra]:
                if a == b:
                    continue
                w = float(rng.integers(0, 500)) if integer else float(rng.random() * 300)
                if rng.random() < 0.05:
                    w = 0.0
                G.add_edge(base + a, base + b, travel_time=w)
                r = rng.random()
                if r < 0.6:  # two-way, possibly asymmetric
                    G.add_edge(base + b, base + a, travel_time=w if r < 0.4 else float(np.rint(w * 1.7)))
                if rng.random() < 0.1:  # a dearer parallel edge
                    G.add_edge(base + a, base + b, travel_time=w + 5)
    return G


def _dense(G: nx.MultiDiGraph, nodes: list, scale: float | None = None,
           sources: list | None = None) -> np.ndarray:
    """Costs from ``sources`` (default all) to all ``nodes`` by scipy Dijkstra on a matrix built
    here from the networkx edges (cheapest parallel edge; zero-cost edges kept)."""
    import scipy.sparse as sp

    idx = {v: i for i, v in enumerate(nodes)}
    best: dict[tuple[int, int], float] = {}
    for u, v, w in G.edges(data="travel_time"):
        if u != v:
            c = w if scale is None else float(np.rint(w * scale))
            key = (idx[u], idx[v])
            best[key] = min(best.get(key, np.inf), c)
    (r, c), vals = zip(*best.keys(), strict=True), list(best.values())
    M = sp.csr_matrix((vals, (r, c)), shape=(len(nodes), len(nodes)))
    assert M.nnz == len(best)  # zero-cost edges stay explicit entries (csgraph: edges)
    rows = None if sources is None else [idx[v] for v in sources]
    D = dijkstra(M, directed=True, indices=rows)
    return D if scale is None else D / scale


@pytest.mark.parametrize("seed", range(6))
def test_random_graphs_equal_dijkstra(seed):
    rng = np.random.default_rng(seed)
    G = _random_graph(rng, n=int(rng.integers(20, 80)), parts=int(rng.integers(1, 4)))
    nodes = list(G.nodes)
    C = od_matrix(G, nodes, nodes, method="ch")
    scale = prepare(G, "travel_time")._ch.scale
    np.testing.assert_array_equal(C, _dense(G, nodes, scale))  # exact on the rounded grid
    F = _dense(G, nodes)
    np.testing.assert_array_equal(np.isinf(C), np.isinf(F))  # the same pairs unreachable
    fin = np.isfinite(F)
    assert np.abs(C[fin] - F[fin]).max() <= 0.5 / scale * len(nodes)
    # a subset, repeated and in another order, with the smaller side either way
    s, t = nodes[::3] + nodes[:2], nodes[::-2]
    np.testing.assert_array_equal(od_matrix(G, s, t, method="ch"), C[np.ix_(
        [nodes.index(v) for v in s], [nodes.index(v) for v in t])])
    np.testing.assert_array_equal(od_matrix(G, t, s, method="ch"), C[np.ix_(
        [nodes.index(v) for v in t], [nodes.index(v) for v in s])])


def test_integer_weights_exact_and_cutoff():
    rng = np.random.default_rng(11)
    G = _random_graph(rng, n=70, parts=2, integer=True)
    nodes = list(G.nodes)
    F = _dense(G, nodes)
    np.testing.assert_array_equal(od_matrix(G, nodes, nodes, method="ch"), F)
    cut = float(np.median(F[np.isfinite(F)]))
    np.testing.assert_array_equal(od_matrix(G, nodes, nodes, method="ch", cutoff=cut),
                                  np.where(cut >= F, F, np.inf))


def test_parts_stay_apart_and_one_way_is_respected():
    G = nx.MultiDiGraph()
    for i, (x, y) in enumerate([(0, 0), (1, 0), (2, 0), (100, 0), (101, 0)]):
        G.add_node(i, x=float(x), y=float(y))
    G.add_edge(0, 1, travel_time=10.0)  # one-way 0 -> 1
    G.add_edge(1, 2, travel_time=5.0)
    G.add_edge(2, 1, travel_time=5.0)
    G.add_edge(2, 0, travel_time=100.0)  # the way back is long
    G.add_edge(3, 4, travel_time=1.0)  # another part
    G.add_edge(4, 3, travel_time=1.0)
    C = od_matrix(G, [0, 1, 2, 3], [0, 1, 2, 4], method="ch")
    expected = np.array([[0, 10, 15, np.inf],
                         [105, 0, 5, np.inf],
                         [100, 5, 0, np.inf],
                         [np.inf, np.inf, np.inf, 1]])
    np.testing.assert_array_equal(C, expected)


def test_one_way_stub_outside_the_core():
    """Nodes that cannot reach the core (a one-way dead end) or be reached from it are answered
    by Dijkstra on the rounded grid, not by the hierarchy: still exact."""
    G = nx.MultiDiGraph()
    for i in range(6):
        G.add_node(i, x=float(i), y=0.0)
    for a, b in [(0, 1), (1, 2), (2, 0)]:
        G.add_edge(a, b, travel_time=3.5)
    G.add_edge(2, 3, travel_time=1.25)  # one-way out into a dead end 3 -> 4
    G.add_edge(3, 4, travel_time=2.0)
    G.add_edge(5, 0, travel_time=0.75)  # one-way in from 5
    nodes = list(range(6))
    C = od_matrix(G, nodes, nodes, method="ch")
    np.testing.assert_array_equal(C, _dense(G, nodes))
    pg = prepare(G, "travel_time")
    covered = _ch.hierarchy(pg).covered[[pg.index[v] for v in nodes]]
    assert covered.tolist() == [True, True, True, False, False, False]


def test_dimacs_rome_all_pairs_checksum_on_ch():
    G = graph_from_dimacs(ROME / "raw" / "rome99.gr")
    with (ROME / "OPTIMA.csv").open() as fh:
        expected = float(next(csv.DictReader(fh))["value"])
    nodes = list(G.nodes)
    D = od_matrix(G, nodes, nodes, weight="length", method="ch")
    assert np.isfinite(D).all()
    assert D.sum() == expected  # 160 839 610 183 (integer metres: the grid is exact)
    with (ROME / "REFERENCE.csv").open() as fh:
        ref = [(int(r["source_1based"]), int(r["target_1based"]), float(r["distance"]))
               for r in csv.DictReader(fh) if r["source_1based"] != "ALL"]
    idx = {v: i for i, v in enumerate(nodes)}
    np.testing.assert_array_equal([D[idx[s], idx[t]] for s, t, _ in ref], [d for _, _, d in ref])


def _grid(k: int, rng) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    for i in range(k):
        for j in range(k):
            G.add_node(i * k + j, x=float(i * 100), y=float(j * 100))
    for i in range(k):
        for j in range(k):
            for q in ((i + 1, j), (i, j + 1)):
                if q[0] < k and q[1] < k:
                    a, b = i * k + j, q[0] * k + q[1]
                    G.add_edge(a, b, travel_time=float(rng.random() * 20 + 1))
                    if rng.random() < 0.9:
                        G.add_edge(b, a, travel_time=float(rng.random() * 20 + 1))
    return G


def test_auto_switches_to_ch_when_it_pays():
    rng = np.random.default_rng(3)
    G = _grid(100, rng)  # 10 000 nodes: the smallest graph auto considers
    nodes = np.array(list(G.nodes))
    src = nodes[rng.choice(len(nodes), 100, replace=False)].tolist()
    tgt = nodes[rng.choice(len(nodes), 100, replace=False)].tolist()
    pg = prepare(G, "travel_time")
    _ch._ORDERS.clear()
    first = od_matrix(G, src, tgt)  # the order is not built yet: Dijkstra, credit grows
    assert getattr(pg, "_ch", None) is None
    for _ in range(30):  # ski rental: the hierarchy is built once the credit pays for it
        od_matrix(G, src, tgt)
        if getattr(pg, "_ch", None) is not None:
            break
    h = pg._ch
    got = od_matrix(G, src, tgt)
    full = _dense(G, nodes.tolist(), h.scale, sources=src)
    pos = {v: i for i, v in enumerate(nodes.tolist())}
    np.testing.assert_array_equal(got, full[:, [pos[v] for v in tgt]])
    np.testing.assert_allclose(got, first, rtol=1e-5)
    assert not _ch.use_ch("dijkstra", pg, np.array(src), np.array(tgt))
    assert h.calibration > 0  # the model is rescaled by the measured sweeps
    clear_cache(G)


def test_without_the_package_auto_falls_back(monkeypatch):
    rng = np.random.default_rng(5)
    G = _random_graph(rng, n=40, parts=2)
    nodes = list(G.nodes)
    before = od_matrix(G, nodes, nodes, method="dijkstra")
    monkeypatch.setitem(sys.modules, "routingkit_cch", None)  # import now raises ImportError
    assert not _ch.available()
    clear_cache(G)
    np.testing.assert_array_equal(od_matrix(G, nodes, nodes), before)
    np.testing.assert_array_equal(od_matrix(G, nodes, nodes, method="auto"), _dense(G, nodes))
    with pytest.raises(InputError, match="routingkit-cch"):
        od_matrix(G, nodes, nodes, method="ch")


def test_unknown_method_is_refused():
    G = _random_graph(np.random.default_rng(0), n=10, parts=1)
    with pytest.raises(InputError, match="method must be one of"):
        od_matrix(G, [0], [1], method="fast")


@pytest.mark.parametrize("seed", range(10))
def test_junction_graph_hierarchy_equals_dijkstra(seed, monkeypatch):
    """On graphs of chains the order puts chain interiors first (1-D nested dissection) and the
    junctions after them: still exact; one-way chains stay one-way."""
    from arealsirk import _graph

    from .test_contraction import _chainy_graph

    monkeypatch.setattr(_graph, "_CONTRACT_MIN_NODES", 0)
    monkeypatch.setattr(_graph, "_CONTRACT_SHARE", 2.0)
    rng = np.random.default_rng(seed)
    G = _chainy_graph(rng)  # integer lengths: the grid is exact
    pg = prepare(G, "length")
    allp = np.arange(pg.n)
    plain = _graph.shortest_costs(pg, allp, allp, contract=False)
    nodes = list(pg.nodes)
    for s, t in ((nodes, nodes), (nodes[:3], nodes), (nodes, nodes[::4])):
        got = od_matrix(G, s, t, weight="length", method="ch")
        np.testing.assert_array_equal(got, plain[np.ix_([pg.index[v] for v in s], [pg.index[v] for v in t])])
    assert pg._ch.chain_first  # the chain-first order really ran
    # float weights: within half a grid step per edge of the float Dijkstra
    H = nx.MultiDiGraph()
    H.add_edges_from((u, v, {"length": d["length"] * 0.37 + 0.011}) for u, v, d in G.edges(data=True))
    ph = prepare(H, "length")
    ref = _graph.shortest_costs(ph, np.arange(ph.n), np.arange(ph.n), contract=False)
    got = od_matrix(H, list(ph.nodes), list(ph.nodes), weight="length", method="ch")
    np.testing.assert_array_equal(np.isinf(got), np.isinf(ref))
    fin = np.isfinite(ref)
    assert np.abs(got[fin] - ref[fin]).max() <= 0.5 / ph._ch.scale * ph.n


def test_unknown_method_is_refused_even_without_pairs():
    G = _random_graph(np.random.default_rng(0), n=10, parts=1)
    with pytest.raises(InputError, match="method must be one of"):
        od_matrix(G, [], [1], method="CH")


def test_prepared_graph_with_hierarchy_pickles():
    import pickle

    G = _random_graph(np.random.default_rng(4), n=50, parts=2)
    nodes = list(G.nodes)
    C = od_matrix(G, nodes, nodes, method="ch")
    pg = prepare(G, "travel_time")
    h2 = pickle.loads(pickle.dumps(pg._ch))
    pos = np.arange(pg.n)
    pg2 = pickle.loads(pickle.dumps(pg))  # e.g. scattered to a worker process
    assert pg2._ch.scale == h2.scale == pg._ch.scale
    np.testing.assert_array_equal(_ch.ch_costs(pg2, pos, pos), _ch.ch_costs(pg, pos, pos))
    np.testing.assert_array_equal(_ch.ch_costs(pg, pos, pos)[np.ix_(
        [pg.index[v] for v in nodes], [pg.index[v] for v in nodes])], C)


def test_snapped_layers_progress_and_cancel(small_roads):
    """Snapped points: the access costs are added outside the hierarchy, as for Dijkstra; the
    progress callback moves and a cancel request stops the sweeps."""
    import geopandas as gpd
    from shapely.geometry import Point

    from arealsirk.errors import CancelledError
    from arealsirk.network import graph_from_roads

    G = graph_from_roads(small_roads, keep="all")
    rng = np.random.default_rng(8)
    pts = gpd.GeoDataFrame(geometry=[Point(x, y) for x, y in rng.random((25, 2)) * [2000, 1000]],
                           crs=small_roads.crs)
    for weight in ("travel_time", "length"):
        D = od_matrix(G, pts, pts, weight=weight, method="dijkstra")
        seen: list[float] = []
        C = od_matrix(G, pts, pts, weight=weight, method="ch", progress=lambda f, m, s=seen: s.append(f))
        np.testing.assert_array_equal(np.isinf(C), np.isinf(D))
        fin = np.isfinite(D)
        scale = prepare(G, weight)._ch.scale
        assert np.abs(C[fin] - D[fin]).max() <= 0.5 / scale * G.number_of_edges()
        assert seen and seen[-1] == 1.0
    with pytest.raises(CancelledError):
        od_matrix(G, pts, pts, method="ch", is_cancelled=lambda: True)
