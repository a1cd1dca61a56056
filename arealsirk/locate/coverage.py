"""Covering models: maximal covering (MCLP) and location set covering (LSCP).

* MCLP (Church & ReVelle 1974, "The maximal covering location problem", Papers Reg. Sci. 32:101-118):
  ``max sum_i w_i z_i`` s.t. ``z_i <= sum_{j: d_ij <= R} y_j``, ``sum_j y_j = p``, ``y`` binary,
  ``0 <= z <= 1``.
* LSCP (Toregas, Swain, ReVelle & Bergman 1971, "The location of emergency service facilities",
  Operations Research 19:1363-1373): ``min sum_j y_j`` s.t. ``sum_{j: d_ij <= R} y_j >= 1`` for all ``i``.

Both are built on the sparse 0/1 coverage matrix only (never the full assignment matrix), so a
220 000 x 2 000 instance with a cutoff stays small.
"""

# ruff: noqa: N803, N806  (matrix notation of the OR literature: C, D, K, A, Q, S)

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable

import numpy as np
import scipy.sparse as sp

from ..defaults import default
from ..errors import InfeasibleError
from . import _common as c
from ._coverage_ls import CoverageEngine
from ._milp import MilpOutcome, solve_milp, solve_milp_warm
from ._result import LocateResult, relative_gap

log = logging.getLogger("arealsirk")

__all__ = ["max_coverage", "set_coverage"]


def _assignment(cost: c.Cost, S: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Nearest open facility within the radius per row (-1 if none) and the covered mask."""
    n = cost.n
    assignment = np.full(n, -1, dtype=np.int64)
    if len(S) == 0:
        return assignment, np.zeros(n, dtype=bool)
    if cost.dense is not None:
        sub = cost.dense[:, S]
        k = np.argmin(sub, axis=1)
        best = sub[np.arange(n), k]
        ok = best <= radius
        assignment[ok] = S[k[ok]]
        return assignment, ok
    assert cost.sparse is not None  # dense is None: the input was sparse (check_cost)
    sub = cost.sparse[:, S].tocoo()
    keep = sub.data <= radius
    r, col, d = sub.row[keep], sub.col[keep], sub.data[keep]
    order = np.lexsort((d, r))
    r, col = r[order], col[order]
    first = np.ones(r.size, dtype=bool)
    first[1:] = r[1:] != r[:-1]
    assignment[r[first]] = S[col[first]]
    return assignment, assignment >= 0


def _flows(assignment: np.ndarray, m: int) -> sp.csr_matrix:
    rows = np.flatnonzero(assignment >= 0)
    return sp.csr_matrix((np.ones(rows.size), (rows, assignment[rows])), shape=(assignment.size, m))


def max_coverage(cost, p: int, radius: float, *, weights=None, fixed: Iterable[int] = (),
                 time_limit: float | None = None, exact: bool = False, seed: int = 0,
                 progress: Callable | None = None, is_cancelled: Callable | None = None) -> LocateResult:
    """Maximal covering location: open ``p`` facilities covering the most demand within ``radius``.

    ``cost[i, j] <= radius`` means candidate ``j`` covers demand row ``i``.  The objective is the covered
    weight; ``assignment`` is the nearest open facility within the radius (-1 = not covered);
    ``covered`` the boolean mask.  Heuristic: greedy + fast swap interchange + VNS, with a Lagrangian
    upper bound (``upper_bound``, ``gap``).  ``exact=True`` solves the sparse MILP with HiGHS.

    Parameters
    ----------
    cost
        Demand rows x candidate columns; dense array (``inf`` = not allowed) or scipy sparse (absent
        entry = not allowed). Only entries ``<= radius`` matter, so a sparse matrix cut at ``radius``
        is enough.
    p
        Number of facilities to open, including the ``fixed`` ones.
    radius
        Coverage radius in the units of ``cost`` (minutes, km), >= 0; inclusive.
    weights
        Demand weight per row (people, tonnes); ``None`` (default) weighs every row 1.
    fixed
        Candidate indices that are always open (existing facilities); default none.
    time_limit
        Seconds for the whole solve (heuristic search and, with ``exact``, HiGHS); ``None`` (default)
        for no limit. When reached the best solution so far is returned with ``status="time_limit"``.
    exact
        ``False`` (default): the heuristic and its Lagrangian bound only. ``True``: when the bound
        does not prove the heuristic optimal, also solve the sparse MILP with HiGHS and keep the
        better solution.
    seed
        Seed of the VNS shaking; default 0. The result is deterministic for a seed unless
        ``time_limit`` cuts the search.
    progress
        Callback ``progress(fraction, message)`` receiving the overall fraction done in [0, 1] and
        the current step (see :mod:`arealsirk.progress`); ``None`` (default) reports nothing.
    is_cancelled
        Callback returning ``True`` when the user asks to stop; polled between steps, then
        :class:`~arealsirk.errors.CancelledError` is raised. ``None`` (default): never cancelled.

    Returns
    -------
    LocateResult
        ``objective`` = covered weight; ``upper_bound`` and ``gap`` are proven; ``assignment`` is the
        nearest open facility within ``radius`` (-1 = not covered) and ``covered`` the mask.

    Raises
    ------
    InputError
        Bad ``cost``, ``p``, ``radius``, ``weights``, ``fixed`` or ``time_limit``.
    """
    clock = c.Clock(c.check_time_limit(time_limit))
    prog = c.make_progress(progress, is_cancelled)
    cost_m = c.check_cost(cost)
    fx = c.check_fixed(fixed, cost_m.m)
    p = c.check_p(p, cost_m.m, fx.size)
    radius = c.check_radius(radius)
    w = c.check_weights(weights, cost_m.n)
    prog(0.02, "max coverage: coverage matrix")
    A_full = c.coverage_matrix(cost_m, radius)
    A, w_agg = _aggregate_rows(A_full, w)
    log.debug("max_coverage: %d demand rows aggregated to %d distinct coverage sets", cost_m.n, A.shape[0])
    eng = CoverageEngine(A, w_agg, fx, clock, check=prog.check)
    prog(0.05, "max coverage: greedy")
    S = eng.greedy(p)
    S, val = eng.local_search(S)
    coverable = float(w_agg.sum())
    unit = _weight_unit(w_agg)
    upper = coverable
    if val < coverable - _slack(coverable, unit) and p > fx.size and cost_m.m > p:
        prog(0.15, "max coverage: Lagrangian bound and heuristic")
        ub, starts = eng.lagrangian(p, val, max_iter=int(default("locate.mclp_lagrange_max_iter")))
        upper = min(upper, ub)
        for start in starts:
            S2, v2 = eng.local_search(start)
            if v2 > val:
                S, val = S2, v2
        if upper > val + _slack(val, unit):
            rng = np.random.default_rng(seed)
            kmax = int(min(default("locate.vns_kmax"), max(1, p - fx.size), max(1, cost_m.m - p)))
            S, val, _ = eng.vns(S, val, rng, kmax=kmax,
                                max_no_improve=int(default("locate.vns_max_no_improve")),
                                progress=prog.sub(0.5, 0.7))
    if np.all(w_agg == np.round(w_agg)) and upper < np.floor(upper) + 1 - 1e-9:
        upper = float(np.floor(upper + 1e-9))  # integer weights: the optimum is an integer
    upper = max(upper, val)
    if p == fx.size or p == cost_m.m:
        upper = val  # no choice left: the fixed (or all) facilities are the only solution
    status, method = "feasible", "heuristic"
    messages: list[str] = []
    if exact and upper > val + _slack(val, unit):
        prog(0.7, "max coverage: exact MILP (HiGHS)")
        method = "heuristic+milp"
        out = _exact_mclp(A, w_agg, p, fx, clock, S)
        if out.x is not None and out.objective is not None and out.objective > val + _slack(val, unit):
            S2 = np.flatnonzero(out.x[: cost_m.m] > 0.5).astype(np.int64)
            v2 = eng.value(S2)
            if v2 > val:
                S, val = S2, v2
        if out.status == "optimal":
            upper = val
        elif out.bound is not None:
            upper = min(upper, out.bound)
        if out.status == "time_limit":
            status = "time_limit"
            messages.append("HiGHS stopped at the time limit; the gap is the proven one")
    elif clock.expired():
        status = "time_limit"
    gap = relative_gap(upper, val)
    if gap is not None and gap <= 1e-9:
        status, gap = "optimal", 0.0
    assignment, covered = _assignment(cost_m, S, radius)
    prog(1.0, "max coverage: done")
    return LocateResult(np.sort(S), assignment, float(w[covered].sum()), float(val), gap, status,
                        clock.elapsed(), flows=_flows(assignment, cost_m.m), upper_bound=float(upper),
                        model="max_coverage", method=method, covered=covered, messages=tuple(messages))


def _weight_unit(w: np.ndarray) -> float:
    """The smallest objective difference the comparisons of a covering search must still see.

    ``min(1, largest weight)``: the tolerance of "is the bound above the value" is relative,
    ``1e-9 * max(unit, |value|)``; a floor of 1 would hide every gap of a model whose weights are
    1e-8 (a share of people, tonnes in Mt) and skip the exact solve that ``exact=True`` asks for."""
    top = float(np.max(w)) if w.size else 0.0
    return min(1.0, top) if np.isfinite(top) and top > 0 else 1.0


def _slack(value: float, unit: float) -> float:
    """``1e-9 * max(unit, |value|)``: the tolerance of a covered weight (see :func:`_weight_unit`)."""
    return 1e-9 * max(unit, abs(value))


def _weight_scale(w: np.ndarray) -> float:
    """A power of two that brings the largest weight into [0.5, 1), or 1 (no positive weight).

    HiGHS stops at an absolute gap of 1e-6 (``mip_abs_gap``) and its tolerances are absolute: with
    weights of 1e-8 it calls the first incumbent optimal.  A power of two scales and unscales every
    sum exactly (no rounding), so the unscaled objective equals the sum of the original weights."""
    top = float(np.max(w)) if w.size else 0.0
    if not np.isfinite(top) or top <= 0:
        return 1.0
    return float(np.ldexp(1.0, -int(np.frexp(top)[1])))


def _unscale(out: MilpOutcome, scale: float) -> MilpOutcome:
    """The outcome of a model solved with its objective times ``scale``, in the original units."""
    return dataclasses.replace(out, objective=None if out.objective is None else out.objective / scale,
                               bound=None if out.bound is None else out.bound / scale)


def _aggregate_rows(A: sp.csr_matrix, w: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """Merge demand rows with the same covering set (summing weights); drop uncoverable / zero rows.

    An exact reduction: the MCLP objective only depends on which coverage sets are hit.  On a 250 m
    population grid neighbouring cells share their sets, which shrinks the model several-fold.  Rows
    are grouped exactly by their index lists (:func:`._common.equal_rows`: hashes, then an element by
    element comparison).  The rows come out in the order of their group's first row within the hash
    order (deterministic for a matrix).
    """
    A = A.tocsr()
    A.sort_indices()
    counts = np.diff(A.indptr)
    keep = np.flatnonzero((counts > 0) & (w > 0))
    if keep.size == 0:
        return sp.csr_matrix((0, A.shape[1])), np.zeros(0)
    sub = A[keep]
    label, first_row = c.equal_rows(sub)
    w_agg = np.bincount(label, weights=w[keep], minlength=first_row.size)
    return sub[first_row], w_agg


def _exact_mclp(A: sp.csr_matrix, w: np.ndarray, p: int, fx: np.ndarray, clock: c.Clock,
                S_inc: np.ndarray | None = None):
    """Sparse MCLP MILP over coverable rows: variables y (m, binary) then z (rows, continuous).

    Warm-started from ``S_inc`` when highspy is installed.  The weights are scaled by a power of two
    (:func:`_weight_scale`) for HiGHS; the objective and bound returned are in the original units."""
    m = A.shape[1]
    rows = np.flatnonzero((np.diff(A.indptr) > 0) & (w > 0))
    k = rows.size
    Ar = A[rows]
    # z_i - sum_j A_ij y_j <= 0
    link = sp.hstack([-Ar, sp.identity(k, format="csr")]).tocsr()
    card = sp.csr_matrix((np.ones(m), (np.zeros(m, dtype=np.int64), np.arange(m))), shape=(1, m + k))
    A_all = sp.vstack([link, card]).tocsr()
    lo = np.concatenate([np.full(k, -np.inf), [p]])
    hi = np.concatenate([np.zeros(k), [p]])
    lb = np.zeros(m + k)
    lb[fx] = 1
    ub = np.ones(m + k)
    scale = _weight_scale(w[rows])                     # HiGHS' absolute tolerances: weights near 1
    obj = np.concatenate([np.zeros(m), w[rows] * scale])
    integ = np.concatenate([np.ones(m), np.zeros(k)])
    left = clock.left()
    x0 = None
    if S_inc is not None:
        x0 = np.zeros(m + k)
        x0[S_inc] = 1.0
        x0[m:] = (np.asarray(Ar[:, S_inc].sum(axis=1)).ravel() > 0).astype(np.float64)
    out = solve_milp_warm(obj, A_all, lo, hi, lb=lb, ub=ub, integrality=integ, sense="max", x0=x0,
                          time_limit=None if not np.isfinite(left) else max(left, 1.0))
    return _unscale(out, scale)


def _greedy_cover(A: sp.csr_matrix, fx: np.ndarray, costs: np.ndarray | None = None) -> np.ndarray:
    """Chvatal greedy set cover from the fixed columns, then drop redundant columns."""
    n, m = A.shape
    AT = A.T.tocsr()
    Ac = A.tocsc()
    cnt = np.zeros(n)
    chosen = np.zeros(m, dtype=bool)
    for j in fx:
        chosen[j] = True
        cnt[Ac[:, j].indices] += 1
    colcost = np.ones(m) if costs is None else costs
    while (cnt == 0).any():
        newly = AT @ (cnt == 0).astype(np.float64)
        newly[chosen] = 0
        if newly.max() <= 0:
            break
        j = int(np.argmax(np.where(newly > 0, newly / np.maximum(colcost, 1e-300), -1)))
        chosen[j] = True
        cnt[Ac[:, j].indices] += 1
    # redundancy elimination: most expensive / least useful first
    for j in sorted(np.flatnonzero(chosen & ~np.isin(np.arange(m), fx)), key=lambda j: -colcost[j]):
        idx = Ac[:, j].indices
        if idx.size == 0 or (cnt[idx] >= 2).all():
            chosen[j] = False
            cnt[idx] -= 1
    return np.flatnonzero(chosen).astype(np.int64)


def set_coverage(cost, radius: float, *, fixed: Iterable[int] = (), time_limit: float | None = None,
                 exact: bool = False, progress: Callable | None = None,
                 is_cancelled: Callable | None = None) -> LocateResult:
    """Location set covering: the fewest facilities so that every demand row is within ``radius``.

    Heuristic: Chvatal's greedy with redundancy elimination, lower bound from the LP relaxation
    (rounded up).  ``exact=True`` solves the MILP with HiGHS.  ``objective`` = number of facilities.

    Parameters
    ----------
    cost
        Demand rows x candidate columns; dense array (``inf`` = not allowed) or scipy sparse (absent
        entry = not allowed). ``cost[i, j] <= radius`` means candidate ``j`` covers row ``i``.
    radius
        Coverage radius in the units of ``cost``, >= 0; inclusive.
    fixed
        Candidate indices that are always open (counted in ``objective``); default none.
    time_limit
        Seconds for the LP bound or, with ``exact``, for HiGHS (at least one second); ``None``
        (default) for no limit. The greedy cover is always finished, so the result covers every row;
        when the limit cuts the LP or HiGHS, ``status`` is ``"time_limit"``.
    exact
        ``False`` (default): greedy cover with a lower bound from the LP relaxation. ``True``: solve
        the MILP with HiGHS and keep its cover when smaller.
    progress
        Callback ``progress(fraction, message)`` receiving the overall fraction done in [0, 1] and
        the current step (see :mod:`arealsirk.progress`); ``None`` (default) reports nothing.
    is_cancelled
        Callback returning ``True`` when the user asks to stop; polled between steps, then
        :class:`~arealsirk.errors.CancelledError` is raised. ``None`` (default): never cancelled.

    Returns
    -------
    LocateResult
        ``objective`` = number of open facilities; ``lower_bound`` and ``gap`` proven, ``None`` when
        the time limit stopped HiGHS before it had a bound above the number of ``fixed`` sites.

    Raises
    ------
    InfeasibleError
        Some demand row has no candidate within the radius (the message lists them).
    """
    clock = c.Clock(c.check_time_limit(time_limit))
    prog = c.make_progress(progress, is_cancelled)
    cost_m = c.check_cost(cost)
    fx = c.check_fixed(fixed, cost_m.m)
    radius = c.check_radius(radius)
    A = c.coverage_matrix(cost_m, radius)
    bad = np.flatnonzero(np.diff(A.indptr) == 0)
    if bad.size:
        shown = ", ".join(str(int(r)) for r in bad[:5])
        raise InfeasibleError(f"set_coverage: demand rows {shown}"
                              f"{f' and {bad.size - 5} more' if bad.size > 5 else ''} have no "
                              f"candidate within radius {radius:g}; widen the radius or drop them")
    prog(0.05, "set covering: greedy")
    S = _greedy_cover(A, fx)
    n, m = A.shape
    lower = None
    status, method = "feasible", "heuristic"
    messages: list[str] = []
    lb_y = np.zeros(m)
    lb_y[fx] = 1
    if S.size > max(fx.size, 1):
        prog(0.3, "set covering: LP bound" if not exact else "set covering: exact MILP (HiGHS)")
        left = clock.left()
        out = solve_milp(np.ones(m), A, np.ones(n), np.full(n, np.inf), lb=lb_y, ub=np.ones(m),
                         integrality=np.ones(m) if exact else np.zeros(m),
                         time_limit=None if not np.isfinite(left) else max(left, 1.0))
        if exact:
            method = "milp"
            if out.x is not None and out.objective is not None and out.objective < S.size - 0.5:
                S = np.flatnonzero(out.x > 0.5).astype(np.int64)
            if out.status == "optimal":
                lower = float(S.size)
            elif out.bound is not None and np.ceil(out.bound - 1e-6) > fx.size:
                # before its first LP HiGHS' bound is the column bounds' value (the fixed sites, 0 without
                # any), which says nothing here (the fixed sites do not cover): unknown, as below
                lower = float(np.ceil(out.bound - 1e-6))
        elif out.status == "optimal" and out.objective is not None:
            lower = float(np.ceil(out.objective - 1e-6))    # an unfinished LP's objective bounds nothing
        if out.status == "time_limit":
            status = "time_limit"
    else:
        lower = float(S.size)
    upper = float(S.size)
    gap = relative_gap(upper, lower)
    if gap is not None and gap <= 1e-9:
        status, gap = "optimal", 0.0
    assignment, covered = _assignment(cost_m, S, radius)
    prog(1.0, "set covering: done")
    return LocateResult(np.sort(S), assignment, upper, lower, gap, status, clock.elapsed(),
                        flows=_flows(assignment, m), upper_bound=upper, model="set_coverage",
                        method=method, covered=covered, messages=tuple(messages))
