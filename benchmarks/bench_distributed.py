"""The dask.distributed path against the local one on the national N1000 road graph.

    .venv/bin/python benchmarks/bench_distributed.py [--n 1000] [--scale 10]

1. OD ``n x n`` between random graph nodes: local ``proximity.od_matrix`` vs
   ``distributed.od_matrix`` on a ``LocalCluster(n_workers=2, threads_per_worker=1, processes=True)``
   (first call includes scattering the graph to the workers), results compared.
2. A 10x larger input (``scale * n`` sources x ``n`` targets) on 1 and on 2 workers: how time falls with
   workers (on this 2-core machine shared with other jobs the ideal is 2x).

Reads Kartverket N1000 from the shared data folder (never copied into the repo).
"""


from __future__ import annotations

import argparse
import time

import numpy as np

from arealsirk import distributed as dd
from arealsirk import proximity
from arealsirk.datasets import shared_data_dir
from arealsirk.network import graph_from_roads


def main() -> None:
    import distributed
    import geopandas as gpd

    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--scale", type=int, default=10)
    args = ap.parse_args()
    t = time.perf_counter()
    path = shared_data_dir() / "n1000_kartverket" / "n1000_transport_admin.gpkg"
    roads = gpd.read_file(path, layer="Veglenke")
    G = graph_from_roads(roads, include_ferries=True)
    print(f"N1000: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges, "
          f"built in {time.perf_counter() - t:.1f} s")
    rng = np.random.default_rng(0)
    nodes = np.array(list(G.nodes))
    src = list(nodes[rng.choice(nodes.size, args.n, replace=False)])
    dst = list(nodes[rng.choice(nodes.size, args.n, replace=False)])
    proximity.od_matrix(G, src[:2], dst[:2])                          # prepare (CSR) once, like the workers
    t = time.perf_counter()
    local = proximity.od_matrix(G, src, dst)
    t_local = time.perf_counter() - t
    for workers in (2, 1):
        with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                      dashboard_address=None, silence_logs=50) as cluster, \
                distributed.Client(cluster) as client:
            t = time.perf_counter()
            got = dd.od_matrix(G, src, dst, scheduler=client)
            t_first = time.perf_counter() - t
            t = time.perf_counter()
            got = dd.od_matrix(G, src, dst, scheduler=client)
            t_again = time.perf_counter() - t
            same = bool(np.array_equal(np.isinf(got), np.isinf(local)) and
                        np.allclose(got, local, rtol=1e-12, atol=0))
            big_src = list(nodes[rng.choice(nodes.size, args.scale * args.n, replace=True)])
            t = time.perf_counter()
            dd.od_matrix(G, big_src, dst, scheduler=client)
            t_big = time.perf_counter() - t
        if workers == 2:
            print(f"OD {args.n} x {args.n}: local {t_local:.2f} s; 2 workers {t_first:.2f} s first call "
                  f"(graph scattered), {t_again:.2f} s again; equal to local: {same}")
        print(f"OD {args.scale * args.n} x {args.n} ({args.scale}x larger) on {workers} worker(s): "
              f"{t_big:.2f} s")


if __name__ == "__main__":
    main()
