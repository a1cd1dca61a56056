"""Benchmark the SSB grid reader against a plain pandas/geopandas peer on the national 250 m file.

Run: .venv/bin/python benchmarks/bench_readers.py

Peer ("naive"): what a notebook user typically writes -- ``pandas.read_csv`` and a per-row
``shapely.geometry.box`` for every cell id, then ``geopandas.GeoDataFrame``.  Both are checked to give
the same cells and the same national total; the script prints wall time, peak extra resident
memory (forked child, ru_maxrss) and the ratio.  The machine is shared with other jobs, so timings
vary by +/- 30 %.
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import time

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from arealsirk.datasets import shared_data_dir
from arealsirk.readers import read_kommuner, read_roads, read_ssb_grid


def _child(fn, queue):
    import psutil

    base = psutil.Process().memory_info().rss
    t = time.perf_counter()
    out = fn()
    elapsed = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    queue.put((elapsed, max(peak - base, 0) / 1e6, len(out)))


def measure(fn, repeat=3):
    """Best wall time and the peak extra resident memory (MB) of ``fn`` run in a forked child."""
    ctx = mp.get_context("fork")
    best, mem = np.inf, 0.0
    for _ in range(repeat):
        q = ctx.Queue()
        proc = ctx.Process(target=_child, args=(fn, q))
        proc.start()
        elapsed, extra, _ = q.get()
        proc.join()
        best, mem = min(best, elapsed), max(mem, extra)
    return fn() if repeat == 0 else None, best, mem


def naive_grid(path):
    df = pd.read_csv(path, sep=";")
    geoms = []
    for i in df["ru250m"]:
        x = i // 10**7 - 2_000_000
        y = i % 10**7
        geoms.append(box(x, y, x + 250, y + 250))
    return gpd.GeoDataFrame(df, geometry=geoms, crs=25833)


def main() -> None:
    data = shared_data_dir()
    grid = data / "ssb_popgrid_2015" / "ru250m_2015.csv"
    _, t_ours, m_ours = measure(lambda: read_ssb_grid(grid))
    _, t_peer, m_peer = measure(lambda: naive_grid(grid), repeat=2)
    ours, peer = read_ssb_grid(grid), naive_grid(grid)
    assert len(ours) == len(peer) and int(ours["population"].sum()) == int(peer["pop_tot"].sum())
    assert np.allclose(ours.total_bounds, peer.total_bounds)
    print(f"SSB 250 m national ({len(ours):,} cells, {int(ours['population'].sum()):,} persons)")
    print(f"  arealsirk.readers.read_ssb_grid : {t_ours:6.2f} s  peak {m_ours:7.1f} MB")
    print(f"  naive pandas + per-row box      : {t_peer:6.2f} s  peak {m_peer:7.1f} MB")
    print(f"  ratio naive / ours              : {t_peer / t_ours:6.2f} x time, "
          f"{m_peer / m_ours:5.2f} x memory")

    kommuner = read_kommuner(data / "kommuner_fylker_2024" / "Kommuner-M.geojson",
                             kommunenummer=["3305", "3310"])
    _, t_clip, m_clip = measure(lambda: read_ssb_grid(grid, clip=kommuner, geometry="centroid"))
    print(f"  read + clip to Ringerike/Hole   : {t_clip:6.2f} s  peak {m_clip:7.1f} MB")

    roads_path = data / "n1000_kartverket" / "n1000_transport_admin.gpkg"
    _, t_roads, m_roads = measure(lambda: read_roads(roads_path))
    _, t_raw, m_raw = measure(lambda: gpd.read_file(roads_path, layer="Veglenke"))
    roads, raw = read_roads(roads_path), gpd.read_file(roads_path, layer="Veglenke")
    print(f"N1000 Veglenke national ({len(raw):,} links -> {len(roads):,} drivable)")
    print(f"  read_roads (normalise+validate) : {t_roads:6.2f} s  peak {m_roads:7.1f} MB")
    print(f"  geopandas.read_file only        : {t_raw:6.2f} s  peak {m_raw:7.1f} MB")
    print(f"  overhead of normalising         : {t_roads / t_raw:6.2f} x")


if __name__ == "__main__":
    main()
