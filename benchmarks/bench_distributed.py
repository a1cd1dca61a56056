"""The dask.distributed path against the local one on the national N1000 road graph.

    .venv/bin/python benchmarks/bench_distributed.py [--n 1000] [--scale 10] [--repeat 3]

1. OD ``n x n`` between random graph nodes: local ``proximity.od_matrix`` vs
   ``distributed.od_matrix`` on a ``LocalCluster(threads_per_worker=1, processes=True)`` of 1 and of 2
   workers: the first call (graph sent to the workers, prepared there once) and later calls (the
   workers' prepared graph reused), results compared with the local call.
2. A 10x larger input (``scale * n`` sources x ``n`` targets) locally and on 1 and 2 workers: how time
   falls with workers.  This machine has 2 cores shared with other jobs: the ideal is 2x, and only
   when nothing else runs.

Each figure is the best of ``--repeat`` runs with the spread (min-max) beside it; the load average
is printed before and after.  Reads Kartverket N1000 from the shared data folder (never copied into
the repo).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from arealsirk import distributed as dd
from arealsirk import proximity
from arealsirk.network import graph_from_roads
from arealsirk.paths import shared_data_dir


def timed(fn: Callable[[], Any], repeat: int) -> tuple[Any, list[float]]:
    """Result of the last call and the seconds of every call."""
    times = []
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return out, times


def fmt(times: list[float]) -> str:
    """Best of the runs, with the spread."""
    return f"{min(times):6.2f} s (spread {min(times):.2f}-{max(times):.2f}, {len(times)} runs)"


def same(a: np.ndarray, b: np.ndarray) -> str:
    """Equality report: identical unreachable pattern and the largest relative difference."""
    pattern = bool(np.array_equal(np.isinf(a), np.isinf(b)))
    fin = np.isfinite(a) & np.isfinite(b) & (b > 0)
    rel = float(np.max(np.abs(a[fin] - b[fin]) / b[fin], initial=0.0))
    return f"same unreachable pairs: {pattern}, max relative difference {rel:.1e}"


def main() -> None:
    import distributed
    import geopandas as gpd

    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"load before: {os.getloadavg()[0]:.1f} (1 min), {os.cpu_count()} cores", flush=True)
    t = time.perf_counter()
    path = shared_data_dir() / "n1000_kartverket" / "n1000_transport_admin.gpkg"
    G = graph_from_roads(gpd.read_file(path, layer="Veglenke"), include_ferries=True)
    print(f"N1000: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges, built in "
          f"{time.perf_counter() - t:.1f} s", flush=True)
    rng = np.random.default_rng(0)
    nodes = G.road_arrays["used"]                         # node ids without building networkx dicts
    src = nodes[rng.choice(nodes.size, args.n, replace=False)].tolist()
    dst = nodes[rng.choice(nodes.size, args.n, replace=False)].tolist()
    big = nodes[rng.choice(nodes.size, args.scale * args.n, replace=True)].tolist()
    _, t_prep = timed(lambda: proximity.od_matrix(G, src, dst), 1)
    local, t_local = timed(lambda: proximity.od_matrix(G, src, dst), args.repeat)
    local_big, t_local_big = timed(lambda: proximity.od_matrix(G, big, dst), args.repeat)
    print(f"local OD {args.n} x {args.n}: first call {t_prep[0]:.2f} s (prepares the graph), then "
          f"{fmt(t_local)}", flush=True)
    print(f"local OD {args.scale * args.n} x {args.n}: {fmt(t_local_big)}", flush=True)
    for workers in (1, 2):
        with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                      dashboard_address=None, silence_logs=50) as cluster, \
                distributed.Client(cluster) as client:
            firsts = []
            for _ in range(args.repeat):
                dd._SCATTERED.clear()                    # as a new session: send + prepare again
                t = time.perf_counter()
                dd.od_matrix(G, src, dst, scheduler=client)
                firsts.append(time.perf_counter() - t)
            got, t_again = timed(lambda: dd.od_matrix(G, src, dst, scheduler=client), args.repeat)
            got_big, t_big = timed(lambda: dd.od_matrix(G, big, dst, scheduler=client), args.repeat)
        print(f"{workers} worker(s), OD {args.n} x {args.n}: first call {fmt(firsts)}; "
              f"again {fmt(t_again)}; {same(got, local)}", flush=True)
        print(f"{workers} worker(s), OD {args.scale * args.n} x {args.n}: {fmt(t_big)}; "
              f"{same(got_big, local_big)}", flush=True)
    print(f"load after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
