"""Proven optima: OR-Library pmed1-40 and capa/capb/capc (all capacities) with ``exact=True``.

Run:  .venv/bin/python benchmarks/bench_locate_proofs.py [pmed|capabc|all] [--time-limit 60] [--only NAME ...]

Each instance is solved with ``exact=True`` and a time limit (default 60 s, the target of issue 19) on
one HiGHS thread; printed: objective, published optimum, gap to it, the proven gap the function reports
itself (``result.gap``, 0 = proven optimal), status, method and wall time.  A line per instance is
printed as soon as it is done.  Reads the instances from the shared bench folder.
"""


from __future__ import annotations

import argparse
import os
import resource
import sys
import time

import numpy as np

from arealsirk.locate import facility_location, p_median
from arealsirk.locate.instances import read_cap, read_optima, read_pmed


def line(kind: str, name: str, cap: str, obj: float, opt: float, r, dt: float) -> tuple[float, float]:
    gap = 100 * (obj - opt) / opt
    proven = 100 * r.gap if r.gap is not None else float("nan")
    print(f"{kind:5} {name:7} {cap:>6} {obj:15.3f} {opt:15.3f} {gap:8.4f} {proven:8.4f} {r.status:>10} "
          f"{r.method:>24} {dt:7.1f}", flush=True)
    return proven, dt


def run_pmed(names: list[str] | None, limit: float) -> list[tuple[float, float]]:
    opt = {r["instance"]: float(r["optimal_value"]) for r in read_optima("pmed")}
    out = []
    for k in range(1, 41):
        name = f"pmed{k}"
        if names and name not in names:
            continue
        inst = read_pmed(name)
        t = time.perf_counter()
        r = p_median(inst.cost, inst.p, exact=True, time_limit=limit)
        out.append(line("pmed", name, str(inst.p), r.objective, opt[name], r, time.perf_counter() - t))
    return out


def run_capabc(names: list[str] | None, limit: float) -> list[tuple[float, float]]:
    out = []
    for row in read_optima("cap"):
        name = row["instance"]
        if name not in ("capa", "capb", "capc") or row["problem"] != "CFL":
            continue
        if names and name not in names and f"{name}@{row['capacity']}" not in names:
            continue
        inst = read_cap(name, capacity=float(row["capacity"]))
        t = time.perf_counter()
        r = facility_location(inst.cost, inst.demand, inst.capacity, inst.fixed_cost, exact=True,
                              time_limit=limit)
        out.append(line("CFL", name, row["capacity"], r.objective, float(row["optimal_value"]), r,
                        time.perf_counter() - t))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", nargs="?", default="all", choices=["pmed", "capabc", "all"])
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--only", nargs="*", default=None, help="instance names (capa@8000 for one capacity)")
    args = ap.parse_args()
    print(f"{os.cpu_count()} cores (shared), python {sys.version.split()[0]}, HiGHS on one thread, "
          f"time limit {args.time_limit:g} s")
    print(f"{'kind':5} {'inst':7} {'p/cap':>6} {'objective':>15} {'optimum':>15} {'gap%':>8} {'proven%':>8} "
          f"{'status':>10} {'method':>24} {'time_s':>7}")
    t0 = time.perf_counter()
    res = []
    if args.what in ("pmed", "all"):
        res += run_pmed(args.only, args.time_limit)
    if args.what in ("capabc", "all"):
        res += run_capabc(args.only, args.time_limit)
    if res:
        proven = np.array([p for p, _ in res])
        times = np.array([t for _, t in res])
        print(f"{int((proven == 0).sum())}/{len(res)} proven optimal; "
              f"worst proven gap {np.nanmax(proven):.4f} %; "
              f"time max {times.max():.1f} s, mean {times.mean():.1f} s; "
              f"{int((times <= args.time_limit + 1).sum())}/{len(res)} within the limit")
    print(f"total {time.perf_counter() - t0:.0f} s, peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
