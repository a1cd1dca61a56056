# ruff: noqa: N806, N803
"""Contraction hierarchy vs the Dijkstra engine: OD 1 000 x 1 000 on the N1000 graph of Norway.

Run:  .venv/bin/python benchmarks/bench_ch.py [--n 1000] [--weight travel_time]

Side by side in one process, one thread each, the same graph and OD set:
- arealsirk ``od_matrix(method="ch")``: RoutingKit's customizable CH (``routingkit-cch``, extra
  ``fast``): build (nested-dissection order, CCH, customization) and query;
- arealsirk ``od_matrix(method="dijkstra")``: scipy Dijkstra on the junction graph (chain index);
- plain scipy Dijkstra on the full CSR (100 sources, extrapolated);
- pandana's CH and python-igraph when installed (not installed by this benchmark).
Results are cross-checked: the CH equals Dijkstra on the rounded weights exactly, and the
float Dijkstra within the stated grid (max absolute and relative difference printed).
Prints the load average: the machine is shared, so compare ratios within one run.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from arealsirk.datasets import shared_data_dir
from arealsirk.network import _ch
from arealsirk.proximity import od_matrix, prepare
from arealsirk.readers import read_road_graph

logging.getLogger("arealsirk").setLevel(logging.WARNING)


def timed(fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t


def row(label: str, seconds: float, extra: str = "") -> None:
    print(f"  {label:<62s} {seconds:8.3f} s  {extra}", flush=True)


def peers(pg, S: np.ndarray, T: np.ndarray, t_ch: float) -> None:
    """pandana and igraph when installed (same CSR, same OD set)."""
    try:
        import pandana  # noqa: F401
    except ImportError:
        print("  pandana: not installed (skipped; issue 19 measured 10.8 s for this job)")
    try:
        import igraph as ig
    except ImportError:
        print("  python-igraph: not installed (skipped; issue 19 measured 31 s for this job)")
    else:
        coo = pg.csr.tocoo()
        g = ig.Graph(n=pg.n, edges=list(zip(coo.row.tolist(), coo.col.tolist(), strict=True)), directed=True)
        g.es["w"] = coo.data.tolist()
        k = min(100, len(S))
        _, t = timed(g.distances, source=S[:k].tolist(), target=T.tolist(), weights="w")
        t *= len(S) / k
        row(f"igraph distances ({k} sources, extrapolated)", t, f"ratio {t / t_ch:6.1f}x")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--weight", default="travel_time", choices=("travel_time", "length"))
    args = ap.parse_args()
    if not _ch.available():
        sys.exit("bench_ch needs routingkit-cch: pip install 'arealsirk[fast]'")
    path = shared_data_dir() / "n1000_kartverket" / "n1000_transport_admin.gpkg"
    G, t = timed(read_road_graph, path, layer="Veglenke")
    pg = prepare(G, args.weight)
    print(f"N1000 Norway (ferries on): {pg.n} nodes, {pg.csr.nnz} arcs, graph in {t:.1f} s; "
          f"OD {args.n} x {args.n}, weight {args.weight}; load average {os.getloadavg()[0]:.1f}")
    rng = np.random.default_rng(0)
    nodes = pg.nodes
    S = np.sort(rng.choice(pg.n, args.n, replace=False))
    T = np.sort(rng.choice(pg.n, args.n, replace=False))
    src, tgt = nodes[S].tolist(), nodes[T].tolist()
    od_matrix(G, src[:2], tgt[:2], weight=args.weight, method="dijkstra")  # chain index, outside the clock
    A, t_first = timed(od_matrix, G, src, tgt, weight=args.weight)  # auto on a graph without a CH yet
    h = getattr(pg, "_ch", None)
    row("arealsirk od_matrix default, first call (builds the CH if it pays)", t_first,
        "built the CH" if h is not None else "chose Dijkstra")
    h = _ch.hierarchy(pg)
    where = "chain interiors first, junction graph by nested dissection" if h.chain_first else "whole graph"
    row("  of which CH order (once per graph, shared by both weights)", h.seconds_order or 0.0, where)
    row("  of which CH bound + CCH + customization", h.seconds_build,
        f"grid 1/{h.scale:.0f} {'s' if args.weight == 'travel_time' else 'm'}")
    reps = [timed(od_matrix, G, src, tgt, weight=args.weight, method="dijkstra") for _ in range(2)]
    D, t_dij = reps[0][0], min(t for _, t in reps)
    row("arealsirk Dijkstra engine (chain index; method='dijkstra'), best of 2", t_dij)
    reps = [timed(od_matrix, G, src, tgt, weight=args.weight, method="ch") for _ in range(3)]
    C, t_ch = reps[0][0], min(t for _, t in reps)
    target = "met" if t_ch <= 0.5 else "MISSED"
    row("arealsirk CH query (method='ch'), best of 3", t_ch,
        f"median {np.median([t for _, t in reps]):.3f} s; speed-up {t_dij / t_ch:4.1f}x; "
        f"TARGET <= 0.5 s: {target}")
    reps = [timed(od_matrix, G, src, tgt, weight=args.weight) for _ in range(3)]
    row("arealsirk od_matrix default (method='auto'), best of 3", min(t for _, t in reps),
        "chose CH" if np.array_equal(reps[0][0], C) else "chose Dijkstra")
    assert np.array_equal(A, C) or np.array_equal(A, D)
    from scipy.sparse.csgraph import dijkstra

    k = 100
    P, t_sc = timed(dijkstra, pg.csr, directed=True, indices=S[:k])
    t_sc *= len(S) / k
    row(f"scipy Dijkstra on the full CSR ({k} sources, extrapolated)", t_sc, f"ratio {t_sc / t_ch:6.1f}x")
    peers(pg, S, T, t_ch)
    # cross-checks
    assert np.array_equal(np.isinf(C), np.isinf(D)), "CH and Dijkstra disagree on reachability"
    np.testing.assert_allclose(P[:, T], D[:k], rtol=1e-12)
    fin = np.isfinite(D)
    diff = np.abs(C[fin] - D[fin])
    assert diff.max() <= 0.5 / h.scale * pg.n, "CH beyond the rounding bound"
    print(f"  checks: same inf pairs; CH vs float Dijkstra max abs {diff.max():.4f}, "
          f"max rel {(diff / np.maximum(D[fin], 1e-9)).max():.1e}; {int((~fin).sum())} pairs inf in both")
    print(f"  process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; "
          f"load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
