"""The p-median problem: open ``p`` facilities minimising the weighted sum of assignment costs.

``min sum_i w_i sum_j d_ij x_ij``  s.t.  ``sum_j x_ij = 1``, ``x_ij <= y_j``, ``sum_j y_j = p``,
``y_j = 1`` for fixed ``j``, ``x, y in {0, 1}`` (Hakimi 1964; ReVelle & Swain 1970, "Central facilities
location", Geographical Analysis 2:30-42).
"""

# ruff: noqa: N803, N806  (matrix notation of the OR literature: C, D, K, A, Q, S)

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

import numpy as np
import scipy.sparse as sp

from ..defaults import default
from ..errors import InfeasibleError, InputError
from . import _common as c
from ._milp import highspy_available, solve_milp_warm
from ._pmedian_benders import proven, slack_for
from ._pmedian_ls import PMedianEngine, lagrangian_bound
from ._result import LocateResult, relative_gap

log = logging.getLogger("arealsirk")

__all__ = ["p_median"]


def _penalised(cost: c.Cost, w: np.ndarray) -> tuple[np.ndarray, float]:
    """Weighted dense matrix ``w_i d_ij`` with not-allowed pairs set to a large finite penalty."""
    D = cost.to_dense()
    finite = np.isfinite(D)
    top = float(D[finite].max()) if finite.any() else 1.0
    big = (top + 1.0) * 10.0 * max(1, cost.n)
    C = np.where(finite, D, big) * w[:, None]
    # rows with zero weight still prefer allowed facilities (tiny tie-break is not needed for cost).
    return C, big


def _integral(C: np.ndarray) -> bool:
    sample = C if C.size <= 2_000_000 else C[:: max(1, C.shape[0] * C.shape[1] // 2_000_000 + 1)]
    return bool(np.all(sample == np.round(sample)))


def _result(S, D, w, objective, lower, status, clock, method, messages=()) -> LocateResult:
    sub = D[:, S]
    k = np.argmin(sub, axis=1)
    assignment = S[k].astype(np.int64)
    ok = np.isfinite(sub[np.arange(D.shape[0]), k])
    assignment[~ok] = -1
    rows = np.flatnonzero(ok)
    flows = sp.csr_matrix((np.ones(rows.size), (rows, assignment[ok])), shape=D.shape)
    upper = float(objective)
    if lower is not None:
        lower = min(float(lower), upper)
    gap = relative_gap(upper, lower)
    if gap is not None and gap <= 1e-9:
        status, gap = "optimal", 0.0
    return LocateResult(np.sort(S).astype(np.int64), assignment, upper, lower, gap, status,
                        clock.elapsed(), flows=flows, upper_bound=upper, model="p_median",
                        method=method, messages=tuple(messages))


def p_median(cost, p: int, *, weights=None, fixed: Iterable[int] = (), time_limit: float | None = None,
             exact: bool = False, seed: int = 0, progress: Callable | None = None,
             is_cancelled: Callable | None = None) -> LocateResult:
    """Open ``p`` facilities minimising the total weighted cost of serving every demand row.

    Parameters
    ----------
    cost
        Demand rows x candidate columns; dense array (``inf`` = not allowed) or scipy sparse
        (absent entry = not allowed).
    p
        Number of facilities to open, including the ``fixed`` ones.
    weights
        Demand weight per row (population, tonnes); default 1.
    fixed
        Candidate indices that must be open (existing facilities).
    time_limit
        Seconds; the heuristic stops its search (and the exact solver its branch-and-bound) there.
    exact
        ``False``: greedy + fast interchange (Whitaker 1983; Resende & Werneck 2007) + variable
        neighbourhood search (Hansen & Mladenovic 1997), then a Lagrangian lower bound (Beasley 1993)
        that proves the gap.  ``True``: then close the gap with HiGHS -- the Benders LP bound, candidates
        closed by reduced costs and by probing (:mod:`arealsirk.locate._pmedian_benders`), and the
        radius-form MILP on the pairs left, started from the heuristic's solution; the better solution
        is kept, and a time limit returns it with its proven gap.
    seed
        Seed of the VNS shaking; the result is deterministic for a seed unless ``time_limit`` cuts
        the search.
    progress, is_cancelled
        Progress callback ``(fraction, message)`` and cancel check (:mod:`arealsirk.progress`;
        ``None``: none); the check is also polled inside the Benders/HiGHS solves.

    Returns
    -------
    LocateResult
        ``objective = sum_i w_i d_{i, a(i)}``; ``lower_bound`` and ``gap`` are proven.

    Raises
    ------
    InputError
        Bad ``cost``, ``p``, ``weights``, ``fixed`` or ``time_limit``.
    InfeasibleError
        A demand row cannot be served by any candidate, or not by any ``p`` facilities.
    """
    clock = c.Clock(c.check_time_limit(time_limit))
    prog = c.make_progress(progress, is_cancelled)
    cost_m = c.check_cost(cost)
    fx = c.check_fixed(fixed, cost_m.m)
    p = c.check_p(p, cost_m.m, fx.size)
    w = c.check_weights(weights, cost_m.n)
    c.raise_unreachable(c.unreachable_rows(cost_m), "p_median")
    limit = int(default("locate.pmedian_max_dense_entries"))
    if cost_m.n * cost_m.m > limit:
        raise InputError(
            f"parameter 'cost': {cost_m.n:,} x {cost_m.m:,} is above the p-median engine's dense limit "
            f"({limit:,} entries, default 'locate.pmedian_max_dense_entries'); aggregate the demand points "
            "(e.g. to 1 km cells) or use max_coverage, which works on sparse matrices of any size")
    rng = np.random.default_rng(seed)
    D = cost_m.to_dense()
    C, _ = _penalised(cost_m, w)
    prog(0.02, "p-median: greedy construction")
    eng = PMedianEngine(C, fx, clock, check=prog.check)
    S = eng.greedy(p)
    prog(0.1, "p-median: fast interchange")
    S, obj = eng.local_search(S)
    lower = None
    lam = None
    if p < cost_m.m and p > fx.size:
        # Lagrangian relaxation: lower bound + starting sets for the local search (Beasley 1993)
        prog(0.15, "p-median: Lagrangian bound and heuristic")
        d1 = C[:, S].min(axis=1)
        lb, lam, starts = lagrangian_bound(C, p, fx, obj, d1, clock=clock,
                                           max_iter=int(default("locate.lagrange_max_iter")),
                                           check=prog.check)
        if np.isfinite(lb):
            lower = lb
        integral = _integral(C)

        def proven(value: float) -> bool:
            if lower is None:
                return False
            return value <= lower + 1e-9 * max(1.0, abs(value)) or (integral and value - lower < 1 - 1e-6)

        for start in starts:
            if proven(obj):
                break
            S2, o2 = eng.local_search(start)
            if o2 < obj:
                S, obj = S2, o2
        kmax = int(min(default("locate.vns_kmax"), max(1, p - fx.size), max(1, cost_m.m - p)))
        max_no_imp = int(default("locate.vns_max_no_improve"))
        if not proven(obj):
            S, obj, its = eng.vns(S, obj, rng, kmax=kmax, max_no_improve=max_no_imp,
                                  progress=prog.sub(0.4, 0.75), done=proven)
            log.debug("p_median: VNS %d iterations, %d swaps, objective %g", its, eng.moves, obj)
    messages: list[str] = []
    unserved = np.isinf(D[:, S].min(axis=1))
    if unserved.any():
        raise InfeasibleError(
            f"p_median: with p={p} facilities {int(unserved.sum())} demand rows cannot be served "
            "(no allowed candidate among the best open set found); raise p, widen the cutoff, or use "
            "max_coverage")
    real_obj = float((D[np.arange(cost_m.n), S[np.argmin(D[:, S], axis=1)]] * w).sum())
    if p == cost_m.m or p == fx.size:
        lower = real_obj
    elif lower is not None and _integral(C) and lower > real_obj - 1 + 1e-6:
        lower = real_obj  # integer data: the optimum is an integer >= lb
    method = "heuristic"
    status = "feasible"
    gap0 = relative_gap(real_obj, lower)
    if exact and (gap0 is None or gap0 > 1e-9):
        prog(0.75, "p-median: exact (HiGHS)")
        S, real_obj, lower, status, method = _prove(cost_m, D, w, p, fx, clock, S, real_obj, lam, lower, C,
                                                     prog.sub(0.75, 0.99), is_cancelled, messages)
    elif clock.expired():
        status = "time_limit"
    prog(1.0, "p-median: done")
    return _result(S, D, w, real_obj, lower, status, clock, method, messages)


def _prove(cost_m: c.Cost, D: np.ndarray, w: np.ndarray, p: int, fx: np.ndarray, clock: c.Clock,
           S: np.ndarray, real_obj: float, lam: np.ndarray | None, lower: float | None, C: np.ndarray,
           prog, is_cancelled: Callable | None, messages: list[str]):
    """Close the gap: Benders LP bound and candidate closing, then the reduced assignment MILP.

    Returns ``(S, objective, lower, status, method)``; on a time limit the best solution and the
    proven bound so far (status ``"time_limit"``).
    """
    integral = _integral(C)
    closed = np.zeros(0, dtype=np.int64)
    method = "heuristic+milp"
    if highspy_available():
        from ._pmedian_benders import benders_p_median

        bo = benders_p_median(C, p, fx, S, clock, integral=integral, report=prog.sub(0.0, 0.2),
                              is_cancelled=is_cancelled)
        method = "heuristic+benders"
        lower = bo.lower if lower is None else max(lower, bo.lower)
        closed = bo.closed
        if bo.status == "optimal":
            return S, real_obj, real_obj, "feasible", method
        method = "heuristic+benders+milp"
    out = _exact(cost_m, w, p, fx, clock, S, lam, lower, C, closed=closed, prog=prog.sub(0.2, 1.0),
                 is_cancelled=is_cancelled)
    better = out.objective is not None and out.objective < real_obj - 1e-9 * abs(real_obj)
    if out.x is not None and better:
        y = out.x[: cost_m.m]
        S = np.flatnonzero(y > 0.5).astype(np.int64)
        real_obj = float((D[:, S].min(axis=1) * w).sum())
    if out.bound is not None:
        lower = out.bound if lower is None else max(lower, out.bound)
    status = "feasible"
    if out.status == "optimal" and not integral:
        lower = real_obj          # HiGHS closed the relative gap to 1e-9
    elif out.status != "optimal" and (out.status == "time_limit" or clock.expired()):
        status = "time_limit"
        messages.append("HiGHS stopped at the time limit; the gap is the proven one")
    if lower is not None and proven(real_obj, lower, integral):
        lower = real_obj
    return S, real_obj, lower, status, method


def _exact(cost: c.Cost, w: np.ndarray, p: int, fx: np.ndarray, clock: c.Clock, S_inc: np.ndarray,
           lam: np.ndarray | None, lower: float | None, C: np.ndarray, *,
           closed: np.ndarray | None = None, prog=None, is_cancelled: Callable | None = None):
    """Assignment MILP over allowed pairs, reduced by Lagrangian reduced costs, warm-started.

    Pair ``(i, j)`` is dropped when ``LB + max(0, w_i d_ij - lambda_i) > UB``: forcing ``x_ij = 1``
    raises the Lagrangian bound at least by that reduced cost, so no solution better than the incumbent
    uses the pair (the incumbent's own pairs are always kept).  Variables: y (m) then x (kept pairs).
    """
    n, m = cost.n, cost.m
    A = cost.allowed_csr().tocoo()
    rows, cols, vals = A.row.astype(np.int64), A.col.astype(np.int64), A.data
    inc_col = S_inc[np.argmin(C[:, S_inc], axis=1)]
    upper = float(C[np.arange(n), inc_col].sum())
    if lam is not None:
        # Lagrangian value at lam and the cost of forcing x_ij = 1: the pair's reduced cost plus, for a
        # candidate outside the relaxed optimum, the cost of swapping it in (Beasley 1993, section 3.3)
        rho = np.minimum(C - lam[:, None], 0.0).sum(axis=0)
        free = np.setdiff1d(np.arange(m), fx)
        chosen = np.concatenate([fx, free[np.argsort(rho[free], kind="stable")[: p - fx.size]]])
        lag = float(lam.sum() + rho[chosen].sum())
        inside = np.zeros(m, dtype=bool)
        inside[chosen] = True
        worst_in = rho[np.setdiff1d(chosen, fx)].max() if p > fx.size else np.inf
        open_pen = np.where(inside, 0.0, rho - worst_in)
        rc = np.maximum(w[rows] * vals - lam[rows], 0.0) + open_pen[cols]
        slack = slack_for(upper, lag, _integral(C))  # integer data: a better solution is <= UB - 1
        keep = (rc <= slack) | (cols == inc_col[rows])
        rows, cols, vals = rows[keep], cols[keep], vals[keep]
    if closed is not None and closed.size:
        shut = np.zeros(m, dtype=bool)
        shut[closed] = True
        keep = ~shut[cols]
        rows, cols, vals = rows[keep], cols[keep], vals[keep]
        log.debug("p_median exact: %d of %d pairs kept by reduced-cost fixing", rows.size, A.nnz)
    if closed is not None and highspy_available():
        from ._pmedian_benders import radius_milp

        out = radius_milp(C, rows, cols, p, fx, closed, S_inc, clock, integral=_integral(C), report=prog,
                          is_cancelled=is_cancelled)
        if out.x is not None:   # the y part is what the caller reads
            out.x = out.x[:m]
        return out
    k = rows.size
    obj = np.concatenate([np.zeros(m), w[rows] * vals])
    xi = m + np.arange(k)
    a1 = sp.csr_matrix((np.ones(k), (rows, xi)), shape=(n, m + k))                 # sum_j x_ij = 1
    a2 = sp.csr_matrix((np.concatenate([np.ones(k), -np.ones(k)]),                  # x_ij <= y_j
                        (np.concatenate([np.arange(k), np.arange(k)]), np.concatenate([xi, cols]))),
                       shape=(k, m + k))
    a3 = sp.csr_matrix((np.ones(m), (np.zeros(m, dtype=np.int64), np.arange(m))), shape=(1, m + k))
    A_all = sp.vstack([a1, a2, a3]).tocsr()
    lo = np.concatenate([np.ones(n), np.full(k, -np.inf), [p]])
    hi = np.concatenate([np.ones(n), np.zeros(k), [p]])
    lb = np.zeros(m + k)
    lb[fx] = 1.0
    ub = np.ones(m + k)
    if closed is not None:
        ub[closed] = 0.0
    integ = np.concatenate([np.ones(m), np.zeros(k)])
    x0 = np.zeros(m + k)
    x0[S_inc] = 1.0
    x0[m + np.flatnonzero(cols == inc_col[rows])] = 1.0
    left = clock.left()
    return solve_milp_warm(obj, A_all, lo, hi, lb=lb, ub=ub, integrality=integ, x0=x0,
                           time_limit=None if not np.isfinite(left) else max(left, 1.0),
                           abs_gap=0.5 if _integral(C) else None, report=prog,
                           is_cancelled=is_cancelled, label="p-median proof")
