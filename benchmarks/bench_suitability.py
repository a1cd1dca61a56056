"""Benchmark: windowed weighted overlay of 5 criteria over 20 000 x 20 000 cells (400 M).

Run:  .venv/bin/python benchmarks/bench_suitability.py [--size 20000] [--small 4000] [--dir DIR] [--keep]

What it does, each step in its own subprocess so peak memory (ru_maxrss) is per step:

1. ``generate``: synthesise 5 criterion GeoTIFFs (float32, 512 x 512 tiles, DEFLATE, 10 m cells,
   EPSG:25833) block by block -- distance-, slope-, density-, population-like smooth fields and
   a land-cover class raster, with a nodata "lake".
2. ``overlay``: :func:`arealsirk.scoring.suitability` on the big rasters (two min-max criteria
   need a first pass for their bounds; fuzzy, sigmoid and class criteria do not) -> cells/s and
   peak memory (target <= 2 GB).
3. Side by side on a size that fits in memory (``--small``, default 4000 x 4000 = 16 M cells):
   the same windowed overlay, a naive full-read numpy/rasterio computation (read every raster
   whole, compute, write), and the dask path (local threaded scheduler, 2 workers).  Results
   are compared cell by cell, and time and memory ratios printed.

The machine is a shared 2-core VM: other jobs run at the same time, so times are indicative.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CELL = 10.0
X0, Y1 = 100000.0, 6900000.0
NAMES = ["road", "slope", "feed", "people", "cover"]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _field(name: str, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    x = cols * CELL
    y = rows * CELL
    if name == "road":      # metres to a road network: abs of a product of sines, 0..3000
        v = 3000 * np.abs(np.sin(x / 2300.0) * np.cos(y / 1900.0))
    elif name == "slope":   # percent: 0..30 with ripples
        v = 15 * (1 + np.sin(x / 700.0 + y / 900.0) * np.cos(y / 1300.0))
    elif name == "feed":    # kernel-weighted tonnes
        v = 5000 * (1 + np.cos(x / 5000.0) * np.sin(y / 4100.0))
    elif name == "people":  # people within 20 min
        v = 20000 * np.exp(-((x - 60000) ** 2 + (y - 80000) ** 2) / 2.0e9) + 500 * (1 + np.sin(x / 3000.0))
    else:                   # land cover classes 1..5
        v = 1 + np.floor(5 * (0.5 + 0.5 * np.sin(x / 1500.0) * np.sin(y / 1700.0))).clip(0, 4)
    v = np.round(v, 1).astype(np.float32)
    if name == "slope":     # a nodata lake
        lake = (x - 30000) ** 2 + (y - 40000) ** 2 < 3000.0**2
        v[lake] = -9999.0
    return v


def generate(folder: Path, size: int) -> dict:
    import rasterio
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    t0 = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    prof = dict(driver="GTiff", width=size, height=size, count=1, dtype="float32", crs="EPSG:25833",
                transform=from_origin(X0, Y1, CELL, CELL), nodata=-9999.0, tiled=True, blockxsize=512,
                blockysize=512, compress="deflate", predictor=3, BIGTIFF="IF_SAFER")
    step = 2048
    for name in NAMES:
        with rasterio.open(folder / f"{name}.tif", "w", **prof) as dst:
            for r in range(0, size, step):
                h = min(step, size - r)
                rows = np.arange(r, r + h)[:, None]
                for c in range(0, size, step):
                    w = min(step, size - c)
                    cols = np.arange(c, c + w)[None, :]
                    dst.write(_field(name, rows, cols), 1, window=Window(c, r, w, h))
    mb = sum((folder / f"{n}.tif").stat().st_size for n in NAMES) / 1e6
    return {"seconds": time.perf_counter() - t0, "disk_mb": mb, "peak_mb": peak_mb()}


def _criteria(folder: Path):
    from arealsirk.scoring import Categories, FuzzyLinear, Linear, RasterCriterion, Sigmoid

    return [
        RasterCriterion("road", folder / "road.tif", "near", FuzzyLinear(0, 3000)),
        RasterCriterion("slope", folder / "slope.tif", "low", Sigmoid(10, 2)),
        RasterCriterion("feed", folder / "feed.tif", "high", Linear()),
        RasterCriterion("people", folder / "people.tif", "high", Linear()),
        RasterCriterion("cover", folder / "cover.tif", "high",
                        Categories({1.0: 1.0, 2.0: 0.8, 3.0: 0.5, 4.0: 0.2, 5.0: 0.0})),
    ]


WEIGHTS = {"road": 0.3, "slope": 0.2, "feed": 0.25, "people": 0.15, "cover": 0.1}


def overlay(folder: Path, out: Path, block: int) -> dict:
    from arealsirk.scoring import suitability

    res = suitability(_criteria(folder), WEIGHTS, out, block=block)
    return {"seconds": res.seconds, "cells": res.cells, "valid": res.valid_cells,
            "cells_per_s": res.cells / res.seconds, "mean": res.stats["mean"], "peak_mb": peak_mb()}


def naive(folder: Path, out: Path) -> dict:
    """Read every raster whole into memory, compute with numpy, write -- the straightforward way."""
    import rasterio

    from arealsirk.scoring import score_values

    t0 = time.perf_counter()
    total = None
    prof = None
    for c in _criteria(folder):
        with rasterio.open(c.path) as src:
            prof = src.profile
            z = src.read(1, masked=True).filled(np.nan).astype(np.float64)
        s = score_values(z, c.transform, c.better)
        total = WEIGHTS[c.name] * s if total is None else total + WEIGHTS[c.name] * s
    prof.update(compress="deflate", predictor=3, tiled=True, blockxsize=512, blockysize=512)
    with rasterio.open(out, "w", **prof) as dst:
        dst.write(np.where(np.isfinite(total), total, -9999.0).astype(np.float32), 1)
    sec = time.perf_counter() - t0
    return {"seconds": sec, "cells_per_s": total.size / sec, "peak_mb": peak_mb()}


def dask_run(folder: Path, out: Path, block: int) -> dict:
    import threading

    import dask

    from arealsirk.raster import weighted_overlay_dask

    t0 = time.perf_counter()
    with dask.config.set(scheduler="threads", num_workers=2):
        lazy = weighted_overlay_dask(_criteria(folder), WEIGHTS, chunks=block)
        # streamed chunk by chunk into the GeoTIFF (dask.array.store with a lock), never whole in memory
        lazy.rio.to_raster(out, tiled=True, compress="deflate", predictor=3, dtype="float32",
                           lock=threading.Lock())
    sec = time.perf_counter() - t0
    return {"seconds": sec, "cells_per_s": lazy.size / sec, "peak_mb": peak_mb()}


def compare(a: Path, b: Path) -> float:
    import rasterio

    from arealsirk.raster import iter_windows

    worst = 0.0
    with rasterio.open(a) as ra, rasterio.open(b) as rb:
        for win in iter_windows(ra.height, ra.width, 2048):
            x = ra.read(1, window=win, masked=True).filled(np.nan)
            y = rb.read(1, window=win, masked=True).filled(np.nan)
            if not np.array_equal(np.isnan(x), np.isnan(y)):
                return float("inf")
            ok = np.isfinite(x)
            if ok.any():
                worst = max(worst, float(np.abs(x[ok] - y[ok]).max()))
    return worst


def _sub(step: str, *args: str) -> dict:
    cmd = [sys.executable, __file__, "--step", step, *args]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=20000, help="edge of the big raster in cells")
    ap.add_argument("--small", type=int, default=4000, help="edge of the side-by-side raster in cells")
    ap.add_argument("--block", type=int, default=1024)
    ap.add_argument("--dir", default=None, help="working folder (default: a temp folder, removed)")
    ap.add_argument("--keep", action="store_true", help="keep the generated rasters")
    ap.add_argument("--skip-big", action="store_true", help="only the side-by-side comparison")
    ap.add_argument("--step", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--args", nargs="*", default=[], help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.step:  # worker subprocess
        os.nice(5)  # shared machine: be polite
        folder = Path(a.args[0])
        if a.step == "generate":
            r = generate(folder, int(a.args[1]))
        elif a.step == "overlay":
            r = overlay(folder, Path(a.args[1]), int(a.args[2]))
        elif a.step == "naive":
            r = naive(folder, Path(a.args[1]))
        elif a.step == "dask":
            r = dask_run(folder, Path(a.args[1]), int(a.args[2]))
        else:
            r = {"maxdiff": compare(folder, Path(a.args[1]))}
        print(json.dumps(r))
        return

    import platform

    base = Path(a.dir) if a.dir else Path(tempfile.mkdtemp(prefix="arealsirk-bench-suit-"))
    print(f"# bench_suitability  ({platform.node()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; shared machine, other jobs running)")
    try:
        small, big = base / f"s{a.small}", base / f"b{a.size}"
        print(f"\n## side by side at {a.small} x {a.small} = {a.small**2 / 1e6:.0f} M cells, 5 criteria")
        g = _sub("generate", "--args", str(small), str(a.small))
        print(f"generate: {g['seconds']:.1f} s, {g['disk_mb']:.0f} MB on disk")
        w = _sub("overlay", "--args", str(small), str(small / "win.tif"), str(a.block))
        n = _sub("naive", "--args", str(small), str(small / "naive.tif"))
        d = _sub("dask", "--args", str(small), str(small / "dask.tif"), str(a.block))
        dn = _sub("compare", "--args", str(small / "win.tif"), str(small / "naive.tif"))["maxdiff"]
        dd = _sub("compare", "--args", str(small / "win.tif"), str(small / "dask.tif"))["maxdiff"]
        print("| method | seconds | M cells/s | peak MB | max abs diff vs windowed |")
        print("|---|---:|---:|---:|---:|")
        print(f"| windowed (arealsirk, block {a.block}) | {w['seconds']:.1f} | "
              f"{w['cells_per_s'] / 1e6:.2f} | {w['peak_mb']:.0f} | - |")
        print(f"| naive full read (rasterio + numpy) | {n['seconds']:.1f} | {n['cells_per_s'] / 1e6:.2f} | "
              f"{n['peak_mb']:.0f} | {dn:.2g} |")
        print(f"| dask (rioxarray, threads x2, chunk {a.block}) | {d['seconds']:.1f} | "
              f"{d['cells_per_s'] / 1e6:.2f} | {d['peak_mb']:.0f} | {dd:.2g} |")
        print(f"ratios: naive/windowed time {n['seconds'] / w['seconds']:.2f}, memory "
              f"{n['peak_mb'] / w['peak_mb']:.1f}x; dask/windowed time {d['seconds'] / w['seconds']:.2f}, "
              f"memory {d['peak_mb'] / w['peak_mb']:.1f}x")
        per_cell = max(n["peak_mb"] - w["peak_mb"], 0.0) / a.small**2 * 1e6
        print(f"naive memory grows by ~{per_cell:.0f} bytes/cell -> ~{per_cell * a.size**2 / 1e9:.0f} GB "
              f"at {a.size} x {a.size}")
        shutil.rmtree(small, ignore_errors=True)
        if a.skip_big:
            return

        print(f"\n## big: {a.size} x {a.size} = {a.size**2 / 1e6:.0f} M cells, 5 criteria")
        g = _sub("generate", "--args", str(big), str(a.size))
        print(f"generate: {g['seconds']:.0f} s, {g['disk_mb']:.0f} MB on disk (5 x float32, tiled, DEFLATE)")
        w = _sub("overlay", "--args", str(big), str(big / "suitability.tif"), str(a.block))
        ok = "OK" if w["peak_mb"] <= 2048 else "OVER"
        print(f"windowed overlay: {w['seconds']:.0f} s, {w['cells_per_s'] / 1e6:.2f} M cells/s, "
              f"peak memory {w['peak_mb']:.0f} MB ({ok}: limit 2048 MB), valid cells {w['valid']:,}, "
              f"mean suitability {w['mean']:.4f}")
    finally:
        if not a.keep and not a.dir:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
