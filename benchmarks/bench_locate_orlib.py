"""OR-Library benchmarks for arealsirk.locate: pmed1-40 (p-median heuristic) and cap (facility location).

Run:  .venv/bin/python benchmarks/bench_locate_orlib.py [pmed|cap|capabc|all] [--time-limit S]

Reads the instances from the shared bench folder (arealsirk.paths.shared_bench_dir()); prints per
instance the objective, the known optimum, the gap to it, the proven (Lagrangian / MILP) gap, the time,
and summary ratios.  Targets (issue 4): pmed mean gap <= 0.1 %, worst <= 1 %, each <= 10 s;
cap41-cap134 capopt/uncapopt at the optimum; capa/b/c within 1 % in 120 s.
"""

# ruff: noqa: N806  (matrix notation of the OR literature: C, D, K, A, Q, S)

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time

import numpy as np

from arealsirk.locate import facility_location, p_median
from arealsirk.locate.instances import read_cap, read_optima, read_pmed


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def bench_pmed(time_limit: float) -> None:
    opt = {r["instance"]: float(r["optimal_value"]) for r in read_optima("pmed")}
    gaps, times = [], []
    print(f"{'inst':7} {'n':>4} {'p':>4} {'objective':>10} {'optimum':>9} {'gap%':>7} {'proven%':>8} "
          f"{'status':>9} {'time_s':>7}")
    for k in range(1, 41):
        name = f"pmed{k}"
        inst = read_pmed(name)
        t = time.perf_counter()
        r = p_median(inst.cost, inst.p, time_limit=time_limit)
        dt = time.perf_counter() - t
        gap = 100 * (r.objective - opt[name]) / opt[name]
        gaps.append(gap)
        times.append(dt)
        proven = 100 * r.gap if r.gap is not None else float("nan")
        print(f"{name:7} {inst.cost.shape[0]:4d} {inst.p:4d} {r.objective:10.0f} {opt[name]:9.0f} {gap:7.3f} "
              f"{proven:8.3f} {r.status:>9} {dt:7.2f}", flush=True)
        assert r.lower_bound is None or r.lower_bound <= opt[name] + 1e-6, "lower bound above optimum!"
    gaps = np.asarray(gaps)
    at_opt = int((gaps <= 1e-9).sum())
    print(f"pmed1-40: mean gap {gaps.mean():.4f} %, worst {gaps.max():.4f} % ({at_opt}/40 at "
          f"the optimum), time mean {np.mean(times):.2f} s, max {np.max(times):.2f} s, "
          f"total {np.sum(times):.1f} s; "
          f"targets: mean <= 0.1 %, worst <= 1 %, each <= 10 s -> "
          f"{'MET' if gaps.mean() <= 0.1 and gaps.max() <= 1 and max(times) <= 10 else 'NOT MET'}")


def bench_cap(names: set[str] | None, time_limit: float) -> None:
    rows = read_optima("cap")
    print(f"{'problem':7} {'inst':7} {'cap':>6} {'objective':>15} {'optimum':>15} {'gap%':>8} {'proven%':>8} "
          f"{'status':>10} {'time_s':>7}")
    worst = {}
    for row in rows:
        name = row["instance"]
        if names is not None and name not in names:
            continue
        capacity = float(row["capacity"]) if row["capacity"] else None
        inst = read_cap(name, capacity=capacity if capacity else (1.0 if name.startswith("capa")
                                                                  or name in ("capb", "capc") else None))
        K = inst.capacity if row["problem"] == "CFL" else np.inf
        t = time.perf_counter()
        r = facility_location(inst.cost, inst.demand, K, inst.fixed_cost, time_limit=time_limit)
        dt = time.perf_counter() - t
        optv = float(row["optimal_value"])
        gap = 100 * (r.objective - optv) / optv
        proven = 100 * r.gap if r.gap is not None else float("nan")
        key = row["problem"] + ("-abc" if name in ("capa", "capb", "capc") else "")
        worst[key] = max(worst.get(key, -1e9), gap)
        print(f"{row['problem']:7} {name:7} {row['capacity'] or '-':>6} {r.objective:15.3f} {optv:15.3f} "
              f"{gap:8.4f} {proven:8.4f} {r.status:>10} {dt:7.2f}", flush=True)
    for k, v in worst.items():
        print(f"worst gap {k}: {v:.4f} %")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", nargs="?", default="all", choices=["pmed", "cap", "capabc", "all"])
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--cap-time-limit", type=float, default=120.0)
    args = ap.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, shared with other "
          f"jobs; python {sys.version.split()[0]}")
    t0 = time.perf_counter()
    if args.what in ("pmed", "all"):
        bench_pmed(args.time_limit)
    if args.what in ("cap", "all"):
        bench_cap({f"cap{k}" for k in (41, 42, 43, 44, 51, 61, 62, 63, 64, 71, 72, 73, 74, 81, 82, 83, 84,
                                        91, 92, 93, 94, 101, 102, 103, 104, 111, 112, 113, 114, 121, 122,
                                        123, 124, 131, 132, 133, 134)}, args.cap_time_limit)
    if args.what in ("capabc", "all"):
        bench_cap({"capa", "capb", "capc"}, args.cap_time_limit)
    print(f"total {time.perf_counter() - t0:.1f} s, peak RSS {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
