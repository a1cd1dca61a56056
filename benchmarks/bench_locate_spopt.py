"""arealsirk.locate side by side with PySAL spopt + HiGHS (through PuLP) on the same machine.

Run:  .venv/bin/python benchmarks/bench_locate_spopt.py [--n 1000 --m 100 --p 10] [--skip-spopt]

Needs the ``bench`` extra (spopt, pulp) and highspy (``highs`` extra) for PuLP's HiGHS interface.
Cases: random 1000 x 100 p-median (p = 10) and MCLP, plus spopt's own San Francisco data.
Prints objective values, wall times, and the speed ratio spopt / arealsirk.
"""



from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np

from arealsirk.locate import max_coverage, p_median
from arealsirk.locate.instances import read_spopt_sf


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def spopt_pmedian(cost, w, p, time_limit=None):
    import pulp
    from spopt.locate import PMedian

    model = PMedian.from_cost_matrix(cost, w, p_facilities=p)
    solver = pulp.HiGHS(msg=False, timeLimit=time_limit) if time_limit else pulp.HiGHS(msg=False)
    model = model.solve(solver)
    value = pulp.value(model.problem.objective)
    return None if value is None else float(value)


def spopt_mclp(cost, w, radius, p):
    import pulp
    from spopt.locate import MCLP

    model = MCLP.from_cost_matrix(cost, w, service_radius=radius, p_facilities=p)
    model = model.solve(pulp.HiGHS(msg=False))
    return float(pulp.value(model.problem.objective))


def row(case, ours, ours_t, peer, peer_t, extra=""):
    ratio = peer_t / ours_t if ours_t > 0 and peer_t is not None else float("nan")
    eq = "n/a" if peer is None else ("equal" if abs(ours - peer) <= 1e-6 * max(1.0, abs(peer)) else
                                     f"DIFF {100 * (ours - peer) / peer:+.4f} %")
    ps = "-" if peer is None else f"{peer:.6g}"
    pt = "-" if peer_t is None else f"{peer_t:.2f}"
    print(f"{case:34} {ours:14.6g} {ours_t:8.2f} {ps:>14} {pt:>8} {ratio:8.1f}x  {eq} {extra}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--m", type=int, default=100)
    ap.add_argument("--p", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-spopt", action="store_true")
    ap.add_argument("--large", action="store_true", help="also 2000 x 200, p = 20 (spopt limited to 180 s)")
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores, shared with other helpers' jobs (timings are indicative)")
    print(f"{'case':34} {'arealsirk':>14} {'time_s':>8} {'spopt+HiGHS':>14} {'time_s':>8} {'ratio':>9}")
    # --- spopt San Francisco (its own test data)
    D, w, _, _ = read_spopt_sf()
    r, t = timed(lambda: p_median(D, 4, weights=w))
    peer, pt = (None, None) if args.skip_spopt else timed(lambda: spopt_pmedian(D, w, 4))
    row("SF 205x16 p-median p=4", r.objective, t, peer, pt, f"mean {r.objective / w.sum():.2f} m")
    r, t = timed(lambda: max_coverage(D, 4, 5000, weights=w))
    peer, pt = (None, None) if args.skip_spopt else timed(lambda: spopt_mclp(D, w, 5000, 4))
    row("SF 205x16 MCLP p=4 S=5000", r.objective, t, peer, pt, f"uncovered {(~r.covered).sum()}")
    # --- random instance as in the issue (uniform points in a 100 x 100 km square, Euclidean km)
    rng = np.random.default_rng(args.seed)
    dem = rng.uniform(0, 100, size=(args.n, 2))
    cand = rng.uniform(0, 100, size=(args.m, 2))
    cost = np.sqrt(((dem[:, None, :] - cand[None, :, :]) ** 2).sum(axis=2))
    wts = rng.integers(1, 100, size=args.n).astype(float)
    name = f"random {args.n}x{args.m} p-median p={args.p}"
    r, t = timed(lambda: p_median(cost, args.p, weights=wts))
    peer, pt = (None, None) if args.skip_spopt else timed(lambda: spopt_pmedian(cost, wts, args.p))
    row(name + " (heur.)", r.objective, t, peer, pt,
        f"proven gap {100 * (r.gap or 0):.4f} % status {r.status}")
    rx, tx = timed(lambda: p_median(cost, args.p, weights=wts, exact=True))
    row(name + " (exact)", rx.objective, tx, peer, pt, f"status {rx.status}")
    radius = 10.0
    r, t = timed(lambda: max_coverage(cost, args.p, radius, weights=wts))
    peer, pt = (None, None) if args.skip_spopt else timed(lambda: spopt_mclp(cost, wts, radius, args.p))
    row(f"random {args.n}x{args.m} MCLP p={args.p} S={radius:g}", r.objective, t, peer, pt,
        f"status {r.status} gap {100 * (r.gap or 0):.4f} %")
    if args.large:
        rng = np.random.default_rng(args.seed + 1)
        dem = rng.uniform(0, 100, size=(2000, 2))
        cand = rng.uniform(0, 100, size=(200, 2))
        cost = np.sqrt(((dem[:, None, :] - cand[None, :, :]) ** 2).sum(axis=2))
        wts = rng.integers(1, 100, size=2000).astype(float)
        r, t = timed(lambda: p_median(cost, 20, weights=wts))
        peer, pt = (None, None) if args.skip_spopt else timed(lambda: spopt_pmedian(cost, wts, 20, 180))
        row("random 2000x200 p-median p=20", r.objective, t, peer, pt,
            f"proven gap {100 * (r.gap or 0):.4f} % (spopt capped at 180 s)")
        rx, tx = timed(lambda: p_median(cost, 20, weights=wts, exact=True, time_limit=600))
        row("random 2000x200 p-median p=20 (exact)", rx.objective, tx, peer, pt, f"status {rx.status}")
    print(f"peak RSS {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
