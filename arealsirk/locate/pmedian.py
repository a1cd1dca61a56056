"""The p-median problem: open ``p`` facilities minimising the weighted sum of assignment costs.

``min sum_i w_i sum_j d_ij x_ij``  s.t.  ``sum_j x_ij = 1``, ``x_ij <= y_j``, ``sum_j y_j = p``,
``y_j = 1`` for fixed ``j``, ``x, y in {0, 1}`` (Hakimi 1964; ReVelle & Swain 1970, "Central facilities
location", Geographical Analysis 2:30-42).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

import numpy as np
import scipy.sparse as sp

from ..defaults import default
from ..errors import InfeasibleError
from . import _common as c
from ._milp import solve_milp
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
        that proves the gap.  ``True``: additionally solve the assignment MILP with HiGHS (strong
        ``x_ij <= y_j`` formulation, sparse over allowed pairs) and keep the better solution.
    seed
        Seed of the VNS shaking; the result is deterministic for a seed unless ``time_limit`` cuts
        the search.

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
    rng = np.random.default_rng(seed)
    D = cost_m.to_dense()
    C, big = _penalised(cost_m, w)
    prog(0.02, "p-median: greedy construction")
    eng = PMedianEngine(C, fx, clock, check=prog.check)
    S = eng.greedy(p)
    prog(0.1, "p-median: fast interchange")
    S, obj = eng.local_search(S)
    kmax = int(min(default("locate.vns_kmax"), max(1, p - fx.size), max(1, cost_m.m - p)))
    max_no_imp = int(default("locate.vns_max_no_improve"))
    if p > fx.size and cost_m.m > p:
        S, obj, its = eng.vns(S, obj, rng, kmax=kmax, max_no_improve=max_no_imp,
                              progress=prog.sub(0.1, 0.7))
        log.debug("p_median: VNS %d iterations, %d swaps, objective %g", its, eng.moves, obj)
    messages = []
    unserved = np.isinf(D[:, S].min(axis=1))
    if unserved.any():
        raise InfeasibleError(
            f"p_median: with p={p} facilities {int(unserved.sum())} demand rows cannot be served "
            "(no allowed candidate among the best open set found); raise p, widen the cutoff, or use "
            "max_coverage")
    real_obj = float((D[np.arange(cost_m.n), S[np.argmin(D[:, S], axis=1)]] * w).sum())
    prog(0.7, "p-median: Lagrangian lower bound")
    lower = None
    if p == cost_m.m or (p == fx.size):
        lower = real_obj
    else:
        d1 = C[:, S].min(axis=1)
        lb = lagrangian_bound(C, p, fx, obj, d1, clock=clock,
                              max_iter=int(default("locate.lagrange_max_iter")), check=prog.check)
        if np.isfinite(lb):
            lower = lb
            if _integral(C) and lower > real_obj - 1 + 1e-6:
                lower = real_obj  # integer data: the optimum is an integer >= lb
    method = "heuristic"
    status = "feasible"
    if exact and (lower is None or relative_gap(real_obj, lower) > 1e-9):
        prog(0.75, "p-median: exact MILP (HiGHS)")
        out = _exact(cost_m, w, p, fx, clock)
        method = "heuristic+milp"
        if out.x is not None and out.objective is not None and out.objective < real_obj - 1e-9 * abs(real_obj):
            y = out.x[: cost_m.m]
            S = np.flatnonzero(y > 0.5).astype(np.int64)
            real_obj = float((D[:, S].min(axis=1) * w).sum())
        if out.bound is not None:
            lower = out.bound if lower is None else max(lower, out.bound)
        if out.status == "optimal":
            lower = real_obj
        elif out.status == "time_limit":
            status = "time_limit"
            messages.append("HiGHS stopped at the time limit; the gap is the proven one")
    elif clock.expired():
        status = "time_limit"
    prog(1.0, "p-median: done")
    return _result(S, D, w, real_obj, lower, status, clock, method, messages)


def _exact(cost: c.Cost, w: np.ndarray, p: int, fx: np.ndarray, clock: c.Clock):
    """Assignment MILP over allowed pairs: y (m) then x (one per allowed pair)."""
    A = cost.allowed_csr().tocoo()
    n, m = cost.n, cost.m
    k = A.nnz
    rows, cols = A.row.astype(np.int64), A.col.astype(np.int64)
    obj = np.concatenate([np.zeros(m), w[rows] * A.data])
    xi = m + np.arange(k)
    # assignment: sum_j x_ij = 1
    a1 = sp.csr_matrix((np.ones(k), (rows, xi)), shape=(n, m + k))
    # linking: x_ij - y_j <= 0
    a2 = sp.csr_matrix((np.concatenate([np.ones(k), -np.ones(k)]),
                        (np.concatenate([np.arange(k), np.arange(k)]), np.concatenate([xi, cols]))),
                       shape=(k, m + k))
    a3 = sp.csr_matrix((np.ones(m), (np.zeros(m, dtype=np.int64), np.arange(m))), shape=(1, m + k))
    A_all = sp.vstack([a1, a2, a3]).tocsr()
    lo = np.concatenate([np.ones(n), np.full(k, -np.inf), [p]])
    hi = np.concatenate([np.ones(n), np.zeros(k), [p]])
    lb = np.zeros(m + k)
    lb[fx] = 1.0
    ub = np.ones(m + k)
    integ = np.concatenate([np.ones(m), np.zeros(k)])
    left = clock.left()
    return solve_milp(obj, A_all, lo, hi, lb=lb, ub=ub, integrality=integ,
                      time_limit=None if not np.isfinite(left) else max(left, 1.0))
