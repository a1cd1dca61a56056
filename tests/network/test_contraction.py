# ruff: noqa: N806
"""The degree-2 chain contraction used on big graphs gives exactly the plain Dijkstra costs."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

from arealsirk import _graph
from arealsirk._graph import prepare, shortest_costs


def _chainy_graph(rng) -> nx.MultiDiGraph:
    """A junction grid whose links are subdivided into chains: two-way, one-way either way,
    asymmetric, with parallel edges, plus an isolated ring of degree-2 nodes."""
    G = nx.MultiDiGraph()
    k = int(rng.integers(3, 8))
    J = {(i, j): i * k + j for i in range(k) for j in range(k)}
    nid = len(J)
    for (i, j), a in J.items():
        for di, dj in ((1, 0), (0, 1)):
            q = (i + di, j + dj)
            if q not in J or rng.random() < 0.2:
                continue
            m = int(rng.integers(0, 5))
            chain = [a, *range(nid, nid + m), J[q]]
            nid += m
            mode = int(rng.integers(0, 4))
            for x, y in itertools.pairwise(chain):
                w = float(rng.integers(1, 20))
                if mode in (0, 1, 3):
                    G.add_edge(x, y, length=w)
                if mode in (0, 2, 3):
                    G.add_edge(y, x, length=w + (rng.integers(0, 5) if mode == 3 else 0))
                if rng.random() < 0.1:
                    G.add_edge(x, y, length=w + 1)
    ring = list(range(nid, nid + 5))
    for x, y in itertools.pairwise([*ring, ring[0]]):
        G.add_edge(x, y, length=1.0)
        G.add_edge(y, x, length=2.0)
    return G


@pytest.mark.parametrize("seed", range(16))
def test_contracted_equals_plain(seed, monkeypatch):
    monkeypatch.setattr(_graph, "_CONTRACT_MIN_NODES", 0)
    monkeypatch.setattr(_graph, "_CONTRACT_SHARE", 2.0)
    rng = np.random.default_rng(seed)
    G = _chainy_graph(rng)
    pg = prepare(G, "length")
    src = rng.choice(pg.n, min(pg.n, int(rng.integers(1, 8))), replace=False)
    tgt = rng.choice(pg.n, min(pg.n, int(rng.integers(2, 30))), replace=False)
    for a, b in ((src, tgt), (tgt, src)):
        plain = shortest_costs(pg, a, b, contract=False)
        fast = shortest_costs(pg, a, b, contract=True)
        np.testing.assert_array_equal(fast, plain)
        finite = plain[np.isfinite(plain)]
        if finite.size:
            lim = float(np.median(finite))
            np.testing.assert_array_equal(shortest_costs(pg, a, b, limit=lim, contract=True),
                                          shortest_costs(pg, a, b, limit=lim, contract=False))
        # and networkx agrees
        nodes = pg.nodes
        for i, s in enumerate(a[:2]):
            ref = nx.single_source_dijkstra_path_length(G, nodes[s], weight="length")
            np.testing.assert_allclose(plain[i], [ref.get(nodes[t], np.inf) for t in b])
    assert getattr(pg, "_chains", None) is not None  # the contraction really ran
