"""The p-center problem: open ``p`` facilities minimising the largest demand-to-facility cost.

``min r`` s.t. every demand row has an open facility with ``d_ij <= r``, ``sum_j y_j = p``
(Hakimi 1965).  Solved as a sequence of covering problems over the sorted distinct costs
(Minieka 1970, "The m-center problem", SIAM Review 12:138-139; Daskin 2000, "A new approach to solving
the vertex p-center problem to optimality", Networks 36:79-91): radius ``r`` is feasible iff the
location set covering problem at ``r`` needs at most ``p`` facilities.  The heuristic decides each
radius with greedy + swap maximal covering; the exact path with the set covering MILP (HiGHS), and the
lower bound comes from the LP relaxation (``exact=False``) or the MILP (``exact=True``).
"""

# ruff: noqa: N803, N806  (matrix notation of the OR literature: C, D, K, A, Q, S)

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

import numpy as np

from ..errors import InfeasibleError
from ..progress import Progress
from . import _common as c
from ._coverage_ls import CoverageEngine
from ._milp import solve_milp
from ._result import LocateResult, relative_gap
from .coverage import _assignment, _flows

log = logging.getLogger("arealsirk")

__all__ = ["p_center"]


def p_center(cost, p: int, *, fixed: Iterable[int] = (), time_limit: float | None = None,
             exact: bool = False, seed: int = 0, progress: Callable | None = None,
             is_cancelled: Callable | None = None) -> LocateResult:
    """Open ``p`` facilities minimising the largest cost from a demand row to its nearest facility.

    The radius is searched over the distinct values of ``cost``: a heuristic bisection (greedy +
    swap + VNS covering at each radius) gives a feasible radius, then a bisection below it with the
    covering LP relaxations (a lower bound) or, with ``exact``, the covering MILPs.

    Parameters
    ----------
    cost
        Demand rows x candidate columns; dense array (``inf`` = not allowed) or scipy sparse (absent
        entry = not allowed).
    p
        Number of facilities to open, including the ``fixed`` ones.
    fixed
        Candidate indices that are always open (existing facilities); default none.
    time_limit
        Seconds; the bisections stop there and the best radius so far is returned (``status`` is
        ``"time_limit"`` when the bound search was cut). ``None`` (default) for no limit.
    exact
        ``False`` (default): LP relaxations bound the radius from below. ``True``: covering MILPs
        (HiGHS) in the bisection, which prove the optimal radius.
    seed
        Seed of the VNS shaking in the heuristic covering checks; default 0.
    progress
        Callback ``progress(fraction, message)`` receiving the overall fraction done in [0, 1] and
        the current step (see :mod:`arealsirk.progress`); ``None`` (default) reports nothing.
    is_cancelled
        Callback returning ``True`` when the user asks to stop; polled between steps, then
        :class:`~arealsirk.errors.CancelledError` is raised. ``None`` (default): never cancelled.

    Returns
    -------
    LocateResult
        ``objective`` = the largest assignment cost; ``lower_bound`` from the covering relaxations.

    Raises
    ------
    InputError
        Bad ``cost``, ``p``, ``fixed`` or ``time_limit``.
    InfeasibleError
        A demand row has no allowed candidate.
    """
    clock = c.Clock(c.check_time_limit(time_limit))
    prog = c.make_progress(progress, is_cancelled)
    cost_m = c.check_cost(cost)
    fx = c.check_fixed(fixed, cost_m.m)
    p = c.check_p(p, cost_m.m, fx.size)
    c.raise_unreachable(c.unreachable_rows(cost_m), "p_center")
    n, m = cost_m.n, cost_m.m
    A_all = cost_m.allowed_csr()
    values = np.unique(A_all.data)
    # every row needs some facility: r >= max_i min_j d_ij; fixed facilities need nothing extra
    row_min = np.minimum.reduceat(A_all.data, A_all.indptr[:-1]) if A_all.nnz else np.zeros(n)
    lo = int(np.searchsorted(values, row_min.max()))
    rng = np.random.default_rng(seed)
    w = np.ones(n)

    def heur_feasible(idx: int):
        A = c.coverage_matrix(cost_m, values[idx])
        eng = CoverageEngine(A, w, fx, clock, check=prog.check)
        S = eng.greedy(p)
        if eng.value(S) < n:
            S, val = eng.local_search(S)
            if val < n:
                S, val, _ = eng.vns(S, val, rng, kmax=min(5, max(1, p - fx.size)), max_no_improve=10)
        return (eng.value(S) >= n), S

    # heuristic binary search for an upper radius
    prog(0.05, "p-center: heuristic search")
    hi = values.size - 1
    ok, S_best = heur_feasible(hi)
    if not ok:
        raise InfeasibleError(
            f"p_center: no set of p={p} facilities found that reaches every demand row through allowed "
            "pairs (cutoffs); raise p or widen the cutoff")
    a, b = lo, hi
    while a < b and not clock.expired():
        mid = (a + b) // 2
        ok, S = heur_feasible(mid)
        if ok:
            b, S_best = mid, S
        else:
            a = mid + 1
    hi = b
    method = "heuristic+milp" if exact else "heuristic"
    messages: list[str] = []
    # bound (LP relaxation) or exact (MILP) search below the heuristic radius
    lower_idx, S_best, status = _search_below(cost_m, values, lo, hi, S_best, p, fx, clock, prog,
                                              integral=exact)
    S = np.sort(np.asarray(S_best, dtype=np.int64))
    assignment, _ = _assignment(cost_m, S, np.inf)
    objective = _max_cost(cost_m, S)
    lower = float(values[min(lower_idx, values.size - 1)])
    lower = min(lower, objective)
    gap = relative_gap(objective, lower)
    if gap is not None and gap <= 1e-12:
        status, gap = "optimal", 0.0
    prog(1.0, "p-center: done")
    return LocateResult(S, assignment, objective, lower, gap, status, clock.elapsed(),
                        flows=_flows(assignment, m), upper_bound=objective, model="p_center",
                        method=method, messages=tuple(messages))


def _search_below(cost_m: c.Cost, values: np.ndarray, lo: int, hi: int, S_best: np.ndarray, p: int,
                  fx: np.ndarray, clock: c.Clock, prog: Progress, *, integral: bool
                  ) -> tuple[int, np.ndarray, str]:
    """Bisect the radius index in ``[lo, hi]`` with covering checks: LP relaxations (bound) or MILPs.

    Returns ``(smallest index the checks do not rule out, best open set, status)``.
    """
    n, m = cost_m.n, cost_m.m
    status = "feasible"
    a, b = lo, hi
    while a < b:
        if clock.expired():
            status = "time_limit"
            break
        mid = (a + b) // 2
        prog(0.5, f"p-center: {'MILP' if integral else 'LP'} check of radius {values[mid]:g}")
        A = c.coverage_matrix(cost_m, values[mid])
        if (np.diff(A.indptr) == 0).any():
            a = mid + 1
            continue
        lb_y = np.zeros(m)
        lb_y[fx] = 1
        left = clock.left()
        out = solve_milp(np.ones(m), A, np.ones(n), np.full(n, np.inf), lb=lb_y, ub=np.ones(m),
                         integrality=np.ones(m) if integral else np.zeros(m),
                         time_limit=None if not np.isfinite(left) else max(left, 1.0))
        need = out.objective if out.status == "optimal" else out.bound
        if out.status == "optimal" and need is not None and need <= p + 1e-6:
            b = mid  # LP-feasible radii are not proven feasible; only LP-infeasible ones raise the bound
            if integral and out.x is not None:
                S_best = np.flatnonzero(out.x > 0.5)
                if S_best.size < p:  # pad with the fixed/cheapest extra candidates (keeps feasibility)
                    extra = np.setdiff1d(np.arange(m), S_best)[: p - S_best.size]
                    S_best = np.sort(np.concatenate([S_best, extra]))
        elif need is not None and need > p + 1e-6:
            a = mid + 1
        else:  # time limit without a decision
            status = "time_limit"
            break
    return a, S_best, status


def _max_cost(cost: c.Cost, S: np.ndarray) -> float:
    if cost.dense is not None:
        return float(cost.dense[:, S].min(axis=1).max())
    assert cost.sparse is not None  # dense is None: the input was sparse (check_cost)
    sub = cost.sparse[:, S].tocsr()
    best = np.full(cost.n, np.inf)
    coo = sub.tocoo()
    np.minimum.at(best, coo.row, coo.data)
    return float(best.max())
