# ruff: noqa: N806
"""Network engine benchmark: od_matrix against networkx/osmnx, big matrices, many-to-few.

Run:  .venv/bin/python benchmarks/bench_network.py          (full, a few minutes)
      .venv/bin/python benchmarks/bench_network.py --quick  (smaller sizes)

Prints wall times, peak Python-heap memory (tracemalloc; numpy/scipy arrays are traced)
and ratios against peers run side by side on the same graph and OD set:
- networkx ``single_source_dijkstra_path_length`` per source (what osmnx uses under the hood),
- osmnx ``routing.shortest_path`` per pair (how osmnx users compute OD costs),
- plain scipy Dijkstra on the full graph (our engine without the chain contraction).
Graphs: Kartverket N1000 roads of all Norway (real), the same densified to >= 200 000
nodes (a vertex every 300 m, like unsimplified OSM or finely segmented Elveg), and a
perturbed 450 x 450 grid (202 500 nodes; the worst case: no degree-2 chains at all).
Results are cross-checked, not only timed.

``--prep`` runs only the preparation benchmark (issue 19): the national N1000 layer file to the
first OD answer, each run in a fresh process (imports done before the clock starts; the whole
process time is shown too), for the code on ``--today`` (default ``../main``, the code before
this change) and this checkout without cache, writing the cache, and reading it.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from arealsirk import _graph
from arealsirk.datasets import shared_data_dir
from arealsirk.network import graph_from_roads
from arealsirk.proximity import nearest_facility, od_matrix, prepare

logging.getLogger("arealsirk").setLevel(logging.WARNING)


def measure(fn, *args, memory: bool = False, **kw):
    """Wall time of one call; with ``memory=True`` the call is repeated under tracemalloc
    (numpy/scipy arrays are traced) for its peak heap.  Timing never runs under tracemalloc,
    which slows Python-level allocation several-fold."""
    t = time.perf_counter()
    out = fn(*args, **kw)
    dt = time.perf_counter() - t
    peak = None
    if memory:
        tracemalloc.start()
        fn(*args, **kw)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return out, dt, peak


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def line(label: str, seconds: float, peak_mb: float | None = None, extra: str = "") -> None:
    mem = f"  peak {peak_mb:8.1f} MB" if peak_mb is not None else ""
    print(f"  {label:<58s} {seconds:9.3f} s{mem}  {extra}", flush=True)


def national_roads() -> gpd.GeoDataFrame:
    path = shared_data_dir() / "n1000_kartverket" / "n1000_transport_admin.gpkg"
    return gpd.read_file(path, layer="Veglenke")


def densify(roads: gpd.GeoDataFrame, step: float) -> gpd.GeoDataFrame:
    """Every line cut into straight pieces of at most ``step`` metres (one line per piece)."""
    roads = roads.explode(index_parts=False).reset_index(drop=True)
    dense = shapely.segmentize(roads.geometry.to_numpy(), step)
    xy, which = shapely.get_coordinates(dense, return_index=True)
    same = which[1:] == which[:-1]
    a, b = xy[:-1][same], xy[1:][same]
    segs = shapely.linestrings(np.stack([a, b], axis=1))
    attrs = roads.drop(columns="geometry").iloc[which[:-1][same]].reset_index(drop=True)
    return gpd.GeoDataFrame(attrs, geometry=segs, crs=roads.crs)


def perturbed_grid(n: int, step: float = 200.0, seed: int = 0) -> nx.MultiDiGraph:
    rng = np.random.default_rng(seed)
    ij = np.arange(n * n).reshape(n, n)
    x = (np.arange(n)[:, None] * step + rng.uniform(-0.3, 0.3, (n, n)) * step).ravel()
    y = (np.arange(n)[None, :] * step + rng.uniform(-0.3, 0.3, (n, n)) * step).ravel()
    u = np.r_[ij[:-1, :].ravel(), ij[:, :-1].ravel()]
    v = np.r_[ij[1:, :].ravel(), ij[:, 1:].ravel()]
    keep = rng.random(len(u)) > 0.08  # a few missing blocks, like a real street grid
    u, v = u[keep], v[keep]
    length = np.hypot(x[u] - x[v], y[u] - y[v])
    speed = rng.choice([30.0, 50.0, 60.0, 80.0], len(u), p=[0.3, 0.4, 0.2, 0.1])
    G = nx.MultiDiGraph(crs="EPSG:25833")
    G.add_nodes_from((i, {"x": float(x[i]), "y": float(y[i])}) for i in range(n * n))
    tt = length / (speed / 3.6)
    G.add_edges_from((int(a), int(b), {"length": float(ln), "speed_kph": float(s), "travel_time": float(t)})
                     for a, b, ln, s, t in zip(u, v, length, speed, tt, strict=True))
    G.add_edges_from((int(b), int(a), {"length": float(ln), "speed_kph": float(s), "travel_time": float(t)})
                     for a, b, ln, s, t in zip(u, v, length, speed, tt, strict=True))
    from arealsirk.network import largest_component

    return largest_component(G)


def nx_rows(G, sources, targets, weight):
    out = np.empty((len(sources), len(targets)))
    for i, s in enumerate(sources):
        d = nx.single_source_dijkstra_path_length(G, s, weight=weight)
        out[i] = [d.get(t, np.inf) for t in targets]
    return out


def plain_scipy(G, sources, targets, weight):
    pg = prepare(G, weight)
    return _graph.shortest_costs(pg, pg.positions(sources), pg.positions(targets), contract=False)


def peer_comparison(name: str, G, n_od: int, n_nx: int, n_osmnx: int, rng) -> None:
    import osmnx as ox

    nodes = np.array(list(G.nodes), dtype=object)
    src = list(rng.choice(nodes, n_od, replace=False))
    tgt = list(rng.choice(nodes, n_od, replace=False))
    print(f"\n[{name}] {G.number_of_nodes()} nodes, {G.number_of_edges()} edges; OD {n_od} x {n_od}")
    _graph.clear_cache()
    M, t_first, _ = measure(od_matrix, G, src, tgt)
    line("arealsirk od_matrix (incl. building the CSR cache)", t_first, None)
    _, t_cached, mem2 = measure(od_matrix, G, src, tgt, memory=True)
    line("arealsirk od_matrix (cached graph)", t_cached, mem2)
    R, t_nx, mem_nx = measure(nx_rows, G, src[:n_nx], tgt, "travel_time")
    t_nx_full = t_nx * n_od / n_nx
    line(f"networkx single_source_dijkstra, {n_nx} sources -> x{n_od / n_nx:.0f}", t_nx_full, mem_nx,
         f"ratio {t_nx_full / t_first:6.1f}x (first call), {t_nx_full / t_cached:6.1f}x (cached)")
    assert np.allclose(R, M[:n_nx], rtol=1e-9, equal_nan=False), "networkx disagrees"
    pairs = [(s, t) for s in src[:n_osmnx] for t in tgt[:n_osmnx]]
    t0 = time.perf_counter()
    for s, t in pairs:
        path = ox.routing.shortest_path(G, s, t, weight="travel_time")
        if path is not None:
            cost = sum(min(d["travel_time"] for d in G[a][b].values()) for a, b in itertools.pairwise(path))
            i, j = src.index(s), tgt.index(t)
            assert abs(cost - M[i, j]) <= 1e-6 * max(1.0, cost), "osmnx disagrees"
    t_ox = (time.perf_counter() - t0) * n_od * n_od / len(pairs)
    line(f"osmnx routing.shortest_path, {len(pairs)} pairs -> x{n_od * n_od / len(pairs):.0f}", t_ox, None,
         f"ratio {t_ox / t_first:6.1f}x (first call), {t_ox / t_cached:6.1f}x (cached)")


def big_matrix(name: str, G, n_od: int, n_plain: int, n_nx: int, rng) -> None:
    nodes = np.array(list(G.nodes), dtype=object)
    src = list(rng.choice(nodes, n_od, replace=False))
    tgt = list(rng.choice(nodes, n_od, replace=False))
    print(f"\n[{name}] {G.number_of_nodes()} nodes, {G.number_of_edges()} edges; OD {n_od} x {n_od}")
    _graph.clear_cache()
    M, t1, _ = measure(od_matrix, G, src, tgt)
    pg = prepare(G, "travel_time")
    chains = getattr(pg, "_chains", None)
    how = (f"chain contraction: {chains.n_core} junctions of {pg.n} nodes" if chains is not None
           else "plain Dijkstra (few degree-2 nodes)")
    print(f"  engine: {how}")
    line(f"arealsirk od_matrix {n_od} x {n_od} (first call: CSR + chain index)", t1, None,
         f"process peak RSS {rss_mb():.0f} MB")
    M, t2, mem2 = measure(od_matrix, G, src, tgt, memory=True)
    line(f"arealsirk od_matrix {n_od} x {n_od} (cached graph)", t2, mem2,
         "TARGET <= 10 s: " + ("met" if t2 <= 10 else "MISSED"))
    if chains is None:
        W, tw, _ = measure(od_matrix, G, src, tgt, workers=2)
        assert np.allclose(W, M, rtol=1e-12), "workers disagree"
        line(f"arealsirk od_matrix {n_od} x {n_od}, workers=2 (forked processes)", tw, None,
             f"speed-up {t2 / tw:4.2f}x; TARGET <= 10 s: " + ("met" if tw <= 10 else "MISSED"))
    P, tp, memp = measure(plain_scipy, G, src[:n_plain], tgt, "travel_time")
    tp_full = tp * n_od / n_plain
    assert np.allclose(P, M[:n_plain], rtol=1e-9), "plain scipy disagrees"
    line(f"plain scipy dijkstra (no contraction), {n_plain} src -> x{n_od / n_plain:.0f}", tp_full, memp,
         f"ratio {tp_full / t2:6.1f}x")
    R, tn, memn = measure(nx_rows, G, src[:n_nx], tgt, "travel_time")
    tn_full = tn * n_od / n_nx
    assert np.allclose(R, M[:n_nx], rtol=1e-9), "networkx disagrees"
    line(f"networkx single_source_dijkstra, {n_nx} src -> x{n_od / n_nx:.0f}", tn_full, memn,
         f"ratio {tn_full / t2:6.1f}x")


def many_to_few(name: str, G, people: gpd.GeoDataFrame, n_cand: int, rng) -> None:
    nodes = np.array(list(G.nodes), dtype=object)
    cand_nodes = rng.choice(nodes, n_cand, replace=False)
    cand = gpd.GeoDataFrame(geometry=shapely.points([[G.nodes[v]["x"], G.nodes[v]["y"]] for v in cand_nodes]),
                            crs=G.graph["crs"])
    print(f"\n[{name}] {len(people)} population cells -> {n_cand} candidates (snapping included)")
    M, t, mem = measure(od_matrix, G, people, cand, memory=True)
    line(f"arealsirk od_matrix {len(people)} x {n_cand}", t, mem,
         "TARGET <= 2 s: " + ("met" if t <= 2 else "MISSED"))
    if getattr(prepare(G, "travel_time"), "_chains", None) is None:
        W, tw, _ = measure(od_matrix, G, people, cand, workers=2)
        assert np.allclose(W, M, rtol=1e-12), "workers disagree"
        line(f"arealsirk od_matrix {len(people)} x {n_cand}, workers=2", tw, None,
             "TARGET <= 2 s: " + ("met" if tw <= 2 else "MISSED"))
    (_, cost), t2, mem2 = measure(nearest_facility, G, people, cand, memory=True)
    line("arealsirk nearest_facility (one multi-source Dijkstra)", t2, mem2)
    assert np.allclose(cost, M.min(axis=1)), "nearest_facility disagrees with od_matrix"
    reach = np.isfinite(M).mean()
    w = people["population"].to_numpy(float) if "population" in people else np.ones(len(people))
    print(f"  reachable pairs {reach:.1%}; population-weighted mean time to nearest candidate "
          f"{np.average(np.where(np.isfinite(cost), cost, 0), weights=w) / 60:.1f} min")


_PREP_CHILD = r"""
import json, sys, time
t00 = time.perf_counter()
mode, cache, path = sys.argv[1], sys.argv[2], sys.argv[3]
import numpy as np, scipy.sparse, scipy.sparse.csgraph, scipy.spatial, networkx, shapely, geopandas, pyogrio
from arealsirk.readers import read_road_graph
from arealsirk.proximity import od_matrix
t0 = time.perf_counter()
if mode == "today":
    G = read_road_graph(path, layer="Veglenke", include_ferries=True)
    ids = list(G.nodes)
else:
    G = read_road_graph(path, layer="Veglenke", cache=False if cache == "-" else cache)
    ids = G.road_arrays["used"].tolist()
t1 = time.perf_counter()
rng = np.random.default_rng(0)
src = [ids[i] for i in rng.choice(len(ids), 10)]
tgt = [ids[i] for i in rng.choice(len(ids), 10)]
D = od_matrix(G, src, tgt)
t2 = time.perf_counter()
print(json.dumps({"graph": t1 - t0, "first_od": t2 - t1, "total": t2 - t0, "process": t2 - t00,
                  "nodes": G.number_of_nodes(), "finite": int(np.isfinite(D).sum())}))
"""


def prep_benchmark(today: Path, repeat: int = 3) -> None:
    """National N1000 layer file -> first OD answer (10 x 10), fresh process per run."""
    import json
    import os
    import subprocess
    import tempfile

    path = shared_data_dir() / "n1000_kartverket" / "n1000_transport_admin.gpkg"
    here = Path(__file__).resolve().parent.parent
    py = sys.executable
    cache = Path(tempfile.mkdtemp(prefix="arealsirk-bench-cache-"))

    def run(mode: str, root: Path, cache_arg: str) -> dict:
        env = {**os.environ, "PYTHONPATH": str(root)}
        out = subprocess.run([py, "-c", _PREP_CHILD, mode, cache_arg, str(path)], env=env, check=True,
                             capture_output=True, text=True).stdout
        return json.loads(out.strip().splitlines()[-1])

    print(f"\n[preparation] {path.name} layer Veglenke -> first OD answer (10 x 10); fresh process per run, "
          "imports before the clock")
    print(f"  {'run':44s} {'graph':>7s} {'1st OD':>7s} {'total':>7s} {'process':>8s}  nodes")
    rows = [("today (" + str(today) + ", ferries on)", "today", today, "-")] * repeat
    rows += [("this checkout, no cache", "new", here, "-")] * repeat
    rows += [("this checkout, cold: build + write cache", "new", here, str(cache))]
    rows += [("this checkout, cached", "new", here, str(cache))] * repeat
    for label, mode, root, c in rows:
        r = run(mode, root, c)
        print(f"  {label:44s} {r['graph']:7.2f} {r['first_od']:7.2f} {r['total']:7.2f} {r['process']:8.2f}  "
              f"{r['nodes']}")
    print("  TARGETS: <= 3 s cold (no cache), <= 0.5 s cached (column 'total')")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--prep", action="store_true", help="only the preparation benchmark")
    ap.add_argument("--today", type=Path, default=Path(__file__).resolve().parent.parent.parent / "main",
                    help="checkout of the code to compare with (default ../main)")
    args = ap.parse_args()
    if args.prep:
        import os

        print("arealsirk network preparation benchmark", time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
        prep_benchmark(args.today)
        print(f"load average at the end {os.getloadavg()[0]:.2f}")
        return
    rng = np.random.default_rng(2026)
    print("arealsirk network benchmark", time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    import os

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} "
          "(shared with other jobs; timings are wall clock)")

    roads = national_roads()
    G, t, _ = measure(graph_from_roads, roads, include_ferries=True)
    print(f"\nN1000 Norway: {len(roads)} road lines -> graph in {t:.2f} s "
          f"(process peak RSS {rss_mb():.0f} MB)")
    peer_comparison("N1000 Norway (real, 1:1M roads + ferries)", G, 200 if args.quick else 500, 20, 4, rng)

    step = 600.0 if args.quick else 300.0
    dense_roads = densify(roads, step)
    D, t, _ = measure(graph_from_roads, dense_roads, include_ferries=True)
    print(f"\nN1000 densified ({step:.0f} m): {len(dense_roads)} lines -> {D.number_of_nodes()} nodes "
          f"in {t:.1f} s (process peak RSS {rss_mb():.0f} MB)")
    # the densified graph must give the same times between the original junctions
    jx = {(round(d["x"], 3), round(d["y"], 3)): v for v, d in G.nodes(data=True)}
    dx = {(round(d["x"], 3), round(d["y"], 3)): v for v, d in D.nodes(data=True)}
    common = [k for k in jx if k in dx][:60]
    a = od_matrix(G, [jx[k] for k in common[:30]], [jx[k] for k in common[30:]])
    b = od_matrix(D, [dx[k] for k in common[:30]], [dx[k] for k in common[30:]])
    print(f"  check: densified vs original junction-to-junction times, max abs diff "
          f"{np.nanmax(np.abs(np.where(np.isfinite(a), a - b, 0))):.2e} s")
    big_matrix("N1000 densified, road-like", D, 300 if args.quick else 1000, 20, 3, rng)

    n = 300 if args.quick else 450
    grid = perturbed_grid(n)
    big_matrix(f"perturbed grid {n} x {n} (worst case, no chains)", grid, 200 if args.quick else 1000,
               20, 3, rng)

    # population grid -> 100 candidates
    csv = shared_data_dir() / "ssb_popgrid_2015" / "nor2015pop_1kmruter.csv"
    pop = pd.read_csv(csv, sep=";", usecols=["ssbid_1000m", "pop_tot"])
    ids = pop["ssbid_1000m"].astype("int64")
    x = ids // 10_000_000 - 2_000_000 + 500.0
    y = ids % 10_000_000 + 500.0
    people = gpd.GeoDataFrame({"population": pop["pop_tot"]}, geometry=shapely.points(x, y), crs=25833)
    many_to_few("SSB 1 km population (all Norway) on N1000 densified", D, people, 100, rng)
    gx = np.array([d["x"] for _, d in grid.nodes(data=True)])
    gy = np.array([d["y"] for _, d in grid.nodes(data=True)])
    k = 20_000
    gp = gpd.GeoDataFrame({"population": rng.integers(1, 500, k)},
                          geometry=shapely.points(rng.uniform(gx.min(), gx.max(), k),
                                                  rng.uniform(gy.min(), gy.max(), k)), crs=25833)
    many_to_few(f"{k} synthetic population points on the perturbed grid", grid, gp, 100, rng)
    print(f"\nprocess peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
