"""Exact p-median by Benders decomposition on HiGHS (proof of optimality with an honest gap).

The assignment variables are projected out (Duran-Mateluna, Ales & Elloumi 2023, "An efficient Benders
decomposition for the p-median problem", EJOR 308:84-96; Cornuejols, Nemhauser & Wolsey 1980).  With
``c_ij = w_i d_ij`` the master is

``min sum_i theta_i``  s.t.  ``sum_j y_j = p``, ``y_j = 1`` (fixed), ``y`` binary and, for every row
``i`` and threshold ``t`` (a value of row ``i``),
``theta_i >= t - sum_{j: c_ij < t} (t - c_ij) y_j``  (exact when ``y`` is integral and ``t`` is the
cost of the cheapest open facility: no facility cheaper than ``t`` is open).

1. The LP relaxation is solved by cut generation (the Pareto-optimal cut of each row at the critical
   threshold where the cumulative ``y`` of the row's sorted candidates reaches 1), separated at an
   in-out point between the incumbent and the LP solution (Ben-Ameur & Neto 2007) to avoid zig-zag.
2. LP reduced costs fix candidates: ``y_j`` at 0 with ``LP + rc_j > UB`` (or ``> UB - 1`` on integer
   data: a better solution costs at most ``UB - 1``) is closed for good.  When the LP bound does not
   prove the incumbent, the candidates whose reduced cost is at least ``probe_share`` of that slack are
   probed (:mod:`._pmedian_probe`): forced open in the master LP on its binding cuts, closed when the
   bound passes the limit.
3. Then the p-median on the pairs that survive the fixing is solved in the radius form
   (:func:`radius_milp`) by HiGHS from the incumbent, with its primal heuristics and strong branching
   off: the incumbent is usually optimal already and the work is the bound.  HiGHS' dual bound is valid
   at every moment, so a time limit returns the best solution with a proven gap.  (Probing on a
   master with every tight cut, used until wave 7, cost as much CPU as it saved in the MILP; on the
   binding cuts alone it costs a quarter: pmed36 5.4 s of probing, then 37 s of MILP instead of 84;
   ``docs/benchmarks/locate.md``.)
"""

# ruff: noqa: N803, N806  (matrix notation of the OR literature: C, D, K, A, Q, S)

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..errors import CancelledError
from . import _highs
from ._common import Clock
from ._milp import MilpOutcome
from ._pmedian_probe import ProbeMaster, probe_candidates

log = logging.getLogger("arealsirk")


@dataclass
class BendersOutcome:
    S: np.ndarray
    objective: float
    lower: float
    status: str          # "optimal" | "time_limit"
    lp_bound: float
    n_closed: int        # candidates closed by reduced-cost fixing
    cuts: int
    closed: np.ndarray   # their indices


def margin(upper: float) -> float:
    """Numerical safety margin for bounds that come out of an LP/MIP solver (feasibility tolerance
    1e-7 relative on values of this size)."""
    return 1e-3 + 1e-6 * abs(upper)


def slack_for(upper: float, lower: float, integral: bool) -> float:
    """A fixing ``lower + rc > upper - 1 + margin`` (integer data) or ``> upper + margin`` is safe."""
    return upper - lower + margin(upper) - (1.0 if integral else 0.0)


def proven(upper: float, lower: float, integral: bool) -> bool:
    """``lower`` (from a solver) proves ``upper`` optimal."""
    if integral:
        return upper - lower < 1.0 - margin(upper)
    return upper - lower <= 1e-9 * max(1.0, abs(upper))


class _Separator:
    """Pareto-optimal Benders cuts of the p-median (rows sorted by cost once)."""

    def __init__(self, C: np.ndarray, rows: np.ndarray) -> None:
        self.C = C
        self.rows = rows                                   # rows with positive weight
        self.order = np.argsort(C[rows], axis=1, kind="stable").astype(np.int32)
        self.Cs = np.take_along_axis(C[rows], self.order, axis=1)

    def cuts(self, y: np.ndarray, theta: np.ndarray | None, tol: float):
        """Violated cuts at ``y`` as (CSR coefficients on y, rhs, local row ids, cut value per row)."""
        cum = np.cumsum(y[self.order], axis=1)
        k = np.argmax(cum >= 1.0 - 1e-9, axis=1)
        k[cum[:, -1] < 1.0 - 1e-9] = self.order.shape[1] - 1
        t = self.Cs[np.arange(k.size), k]
        coef = np.maximum(t[:, None] - self.Cs, 0.0)       # zero from the threshold on
        value = t - (coef * y[self.order]).sum(axis=1)
        viol = np.flatnonzero(value > (theta if theta is not None else -np.inf) + tol * np.maximum(1, t))
        if viol.size == 0:
            return None, None, viol, value
        sub = coef[viol]
        r, pos = np.nonzero(sub > 0)
        A = sp.csr_matrix((sub[r, pos], (r, self.order[viol][r, pos])), shape=(viol.size, self.C.shape[1]))
        return A, t[viol], viol, value


def benders_p_median(C: np.ndarray, p: int, fx: np.ndarray, S_inc: np.ndarray, clock: Clock, *,
                     integral: bool, report: Callable[[float, str], None] | None = None,
                     is_cancelled: Callable[[], bool] | None = None,
                     max_lp_rounds: int = 200, probe_share: float = 0.3) -> BendersOutcome:
    """Prove (or improve) a p-median incumbent ``S_inc`` on the weighted cost matrix ``C``."""
    m = C.shape[1]
    w_rows = np.flatnonzero(C.max(axis=1) > 0)
    sep = _Separator(C, w_rows)
    nr = w_rows.size
    floor = sep.Cs[:, 0]

    def true_cost(S: np.ndarray) -> float:
        return float(C[:, S].min(axis=1).sum())

    best_S = np.sort(S_inc)
    UB = true_cost(best_S)
    h = _highs.new_highs(time_limit=clock.left())
    h.setOptionValue("presolve", "off")        # many small re-solves from the previous basis
    # columns: y (m), theta (nr); objective sum theta (+ rows of weight 0 contribute 0)
    lb = np.concatenate([np.zeros(m), floor])
    ub = np.concatenate([np.ones(m), np.full(nr, np.inf)])
    lb[fx] = 1.0
    card = sp.csr_matrix((np.ones(m), (np.zeros(m, dtype=np.int64), np.arange(m))), shape=(1, m + nr))
    _highs.pass_model(h, np.concatenate([np.zeros(m), np.ones(nr)]), card, np.array([p]), np.array([p]),
                      lb, ub)
    y_core = np.zeros(m)
    y_core[best_S] = 1.0
    ncuts = 0
    pool: list[tuple[sp.csr_matrix, np.ndarray]] = []

    def add(A_y, rhs, local) -> None:
        nonlocal ncuts
        A = sp.hstack([A_y, sp.csr_matrix((np.ones(local.size), (np.arange(local.size), local)),
                                          shape=(local.size, nr))]).tocsr()
        _highs.add_rows(h, A, rhs, np.full(rhs.size, np.inf))
        pool.append((A, rhs))
        ncuts += rhs.size

    A_y, rhs, local, _ = sep.cuts(y_core, None, 0.0)
    if A_y is not None:
        add(A_y, rhs, local)
    lp = -math.inf
    alpha = 0.5
    for it in range(max_lp_rounds):
        if is_cancelled is not None and is_cancelled():
            raise CancelledError("cancelled by the user")
        if clock.expired():
            break
        h.run()
        sol = np.asarray(h.getSolution().col_value)
        y, theta = sol[:m], sol[m:]
        lp = float(h.getInfo().objective_function_value)
        y_sep = alpha * y_core + (1 - alpha) * y
        A_y, rhs, local, _ = sep.cuts(y_sep, theta, 1e-9)
        if A_y is None:
            A_y, rhs, local, _ = sep.cuts(y, theta, 1e-9)
            if A_y is None:
                break
            alpha = max(alpha / 2, 0.0)
        y_core = 0.5 * y_core + 0.5 * y
        add(A_y, rhs, local)
        if report is not None:
            report(0.0, f"p-median proof: LP cuts round {it + 1}, bound {lp:,.6g}, best {UB:,.6g}")
    # lp is the LP bound only when the loop ended without violated cuts; otherwise the last LP value is
    # still a valid lower bound (a relaxation of the full master).
    rc = np.asarray(h.getSolution().col_dual)[:m]
    slack = slack_for(UB, lp, integral)
    closed = np.flatnonzero((rc > slack) & (lb[:m] < 0.5))
    closed = np.setdiff1d(closed, best_S)
    if proven(UB, lp, integral):
        log.debug("p_median benders: LP bound %g after %d cuts proves the incumbent", lp, ncuts)
        return BendersOutcome(best_S, UB, UB, "optimal", lp, int(closed.size), ncuts, closed)
    n_rc = closed.size
    if math.isfinite(lp) and not clock.expired():
        A_all = sp.vstack([a for a, _ in pool]).tocsr()
        rhs_all = np.concatenate([r for _, r in pool])
        binding = np.abs(np.asarray(h.getSolution().row_dual)[1:]) > 1e-9
        todo = np.setdiff1d(np.flatnonzero((rc >= probe_share * slack) & (lb[:m] < 0.5)),
                            np.concatenate([closed, best_S]))
        todo = todo[np.argsort(-rc[todo], kind="stable")]      # the likeliest closings first
        master = ProbeMaster(card, A_all[binding], rhs_all[binding], p, lb, ub, closed, m=m)
        closed = probe_candidates(master, todo, sep.cuts, lp + slack, clock, report=report,
                                  is_cancelled=is_cancelled)
    log.debug("p_median benders: LP bound %g after %d cuts, %d of %d candidates closed (%d by probing)",
              lp, ncuts, closed.size, m, closed.size - n_rc)
    return BendersOutcome(best_S, UB, min(lp, UB), "feasible", lp, int(closed.size), ncuts, closed)


def radius_milp(C: np.ndarray, rows: np.ndarray, cols: np.ndarray, p: int, fx: np.ndarray,
                closed: np.ndarray, S_inc: np.ndarray, clock: Clock, *, integral: bool,
                report: Callable[[float, str], None] | None = None,
                is_cancelled: Callable[[], bool] | None = None) -> MilpOutcome:
    """The p-median on the kept pairs in the radius form (Elloumi 2010; Garcia, Labbe & Marin 2011).

    ``rows, cols`` are the pairs that an improving solution may use (reduced-cost fixing).  For row
    ``i`` let ``D_1 < ... < D_K`` be the distinct kept costs; ``z_ik`` (continuous, ``>= 0``) is 1 when
    no open kept candidate of row ``i`` costs ``D_k`` or less, and the row costs
    ``D_1 + sum_{k<K} (D_{k+1} - D_k) z_ik``.  Elloumi's (2010, "A tighter formulation of the p-median
    problem", J. Comb. Optim. 19:69-83) chained constraints

    ``z_i1 + sum_{j: c_ij = D_1} y_j >= 1``,  ``z_ik - z_i,k-1 + sum_{j: c_ij = D_k} y_j >= 0``,
    ``-z_i,K-1 + sum_{j: c_ij = D_K} y_j >= 0``  (some kept candidate of every row is open)

    use each kept pair once: about ``pairs + 2 levels`` nonzeros instead of one threshold row per level
    over every cheaper candidate (ten times fewer on pmed36).  Objective and bound include the constant
    ``sum_i D_i1``.
    """
    from ._milp import solve_milp_warm

    m = C.shape[1]
    order = np.lexsort((C[rows, cols], rows))
    rows, cols = rows[order], cols[order]
    vals = C[rows, cols]
    k = rows.size
    new = np.ones(k, dtype=bool)
    new[1:] = (rows[1:] != rows[:-1]) | (vals[1:] != vals[:-1])
    level = np.cumsum(new) - 1                      # level id of every kept pair
    lev_row, lev_val = rows[new], vals[new]
    nl = lev_row.size
    first = np.ones(nl, dtype=bool)
    first[1:] = lev_row[1:] != lev_row[:-1]
    last = np.ones(nl, dtype=bool)
    last[:-1] = lev_row[1:] != lev_row[:-1]
    zl = np.flatnonzero(~last)                      # levels with a z variable
    nz = zl.size
    zcol = np.full(nl, -1)
    zcol[zl] = m + np.arange(nz)
    prev = np.flatnonzero(~first)                   # levels with a predecessor (which has a z)
    r_idx = np.concatenate([level, zl, prev])
    c_idx = np.concatenate([cols, zcol[zl], zcol[prev - 1]])
    a_val = np.concatenate([np.ones(k), np.ones(nz), -np.ones(prev.size)])
    A = sp.csr_matrix((a_val, (r_idx, c_idx)), shape=(nl, m + nz))
    card = sp.csr_matrix((np.ones(m), (np.zeros(m, dtype=np.int64), np.arange(m))), shape=(1, m + nz))
    A = sp.vstack([A, card]).tocsr()
    row_lo = np.append(first.astype(float), p)
    row_hi = np.append(np.full(nl, np.inf), p)
    const = float(lev_val[first].sum())
    obj = np.concatenate([np.zeros(m), lev_val[zl + 1] - lev_val[zl]])
    lb = np.zeros(m + nz)
    ub = np.concatenate([np.ones(m), np.full(nz, np.inf)])
    lb[fx] = 1.0
    ub[closed] = 0.0
    inc = C[:, S_inc].min(axis=1)
    x0 = np.concatenate([np.zeros(m), (inc[lev_row[zl]] > lev_val[zl]).astype(float)])
    x0[S_inc] = 1.0
    integ = np.concatenate([np.ones(m), np.zeros(nz)])
    log.debug("p_median radius MILP: %d rows, %d columns, %d nonzeros", A.shape[0], A.shape[1], A.nnz)
    left = clock.left()
    out = solve_milp_warm(obj, A, row_lo, row_hi, lb=lb, ub=ub, integrality=integ, x0=x0,
                          time_limit=None if not math.isfinite(left) else max(left, 1.0),
                          abs_gap=0.5 if integral else None, report=report, is_cancelled=is_cancelled,
                          label="p-median proof", offset=const, heuristics=False, strong_branching=False)
    if out.objective is not None:
        out.objective += const
    if out.bound is not None:
        out.bound += const
    return out
