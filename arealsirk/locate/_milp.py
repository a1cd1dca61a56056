"""Thin wrapper around HiGHS through :func:`scipy.optimize.milp` (no extra dependency)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..errors import CancelledError, SolverError

log = logging.getLogger("arealsirk")


@dataclass
class MilpOutcome:
    x: np.ndarray | None
    objective: float | None
    bound: float | None
    status: str          # "optimal" | "time_limit" | "infeasible" | "error"
    message: str


def solve_milp(c: np.ndarray, A: sp.spmatrix, lb_row: np.ndarray, ub_row: np.ndarray, *,
               lb: np.ndarray, ub: np.ndarray, integrality: np.ndarray, time_limit: float | None,
               rel_gap: float = 1e-9, sense: str = "min") -> MilpOutcome:
    """Solve ``min c x`` s.t. ``lb_row <= A x <= ub_row``, ``lb <= x <= ub`` with HiGHS.

    ``sense="max"`` maximises (the objective and bound are returned in the maximisation sense).
    """
    from scipy.optimize import Bounds, LinearConstraint, milp  # lazy: scipy.optimize costs ~1 s to import

    sign = 1.0 if sense == "min" else -1.0
    options = {"disp": False, "mip_rel_gap": rel_gap, "presolve": True}
    if time_limit is not None:
        options["time_limit"] = max(float(time_limit), 0.5)
    cons = [LinearConstraint(sp.csr_array(A), lb_row, ub_row)] if A.shape[0] else []
    try:
        res = milp(sign * np.asarray(c, dtype=np.float64), constraints=cons,
                   bounds=Bounds(lb, ub), integrality=integrality, options=options)
    except (ValueError, MemoryError) as exc:  # pragma: no cover - solver-side failure
        raise SolverError(f"HiGHS (scipy.optimize.milp) failed: {exc}") from exc
    bound = getattr(res, "mip_dual_bound", None)
    bound = sign * float(bound) if bound is not None and np.isfinite(bound) else None
    if res.status == 0:
        obj = sign * float(res.fun)
        if bound is None:
            bound = obj
        return MilpOutcome(res.x, obj, bound, "optimal", res.message)
    if res.status == 2:
        return MilpOutcome(None, None, None, "infeasible", res.message)
    if res.x is not None:
        return MilpOutcome(res.x, sign * float(res.fun), bound, "time_limit", res.message)
    if res.status == 1:
        return MilpOutcome(None, None, bound, "time_limit", res.message)
    return MilpOutcome(None, None, None, "error", res.message)


def highspy_available() -> bool:
    """True when the optional ``highspy`` package (``highs`` extra) imports."""
    try:
        import highspy  # noqa: F401
    except ImportError:
        return False
    return True


def solve_milp_warm(c: np.ndarray, A: sp.spmatrix, lb_row: np.ndarray, ub_row: np.ndarray, *,
                    lb: np.ndarray, ub: np.ndarray, integrality: np.ndarray, time_limit: float | None,
                    x0: np.ndarray | None, rel_gap: float = 1e-9, sense: str = "min",
                    abs_gap: float | None = None, report: Callable[[float, str], None] | None = None,
                    is_cancelled: Callable[[], bool] | None = None, label: str = "HiGHS",
                    offset: float = 0.0, heuristics: bool = True,
                    strong_branching: bool = True) -> MilpOutcome:
    """Like :func:`solve_milp` but through highspy (one thread) with a warm start ``x0``.

    With highspy, ``report(fraction, message)`` receives HiGHS' proven gap while it searches and
    ``is_cancelled()`` is polled inside the branch-and-bound (a cancellation raises
    :class:`~arealsirk.errors.CancelledError`).  ``heuristics=False`` switches HiGHS' primal
    heuristics off (:func:`arealsirk.locate._highs.skip_primal_heuristics`), for proofs from a start that
    is already good; ``strong_branching=False`` branches on pseudocosts alone
    (:func:`arealsirk.locate._highs.skip_strong_branching`).  Falls back to :func:`solve_milp` (scipy,
    no warm start, no progress inside the solve) when highspy is not installed.  A model without an
    integer column is an LP: its bound is the objective when solved to optimality and ``None``
    otherwise.
    """
    if not highspy_available():
        return solve_milp(c, A, lb_row, ub_row, lb=lb, ub=ub, integrality=integrality,
                          time_limit=time_limit, rel_gap=rel_gap, sense=sense)
    import time

    import highspy as hs


    start = time.perf_counter()
    h = _run(c, A, lb_row, ub_row, lb, ub, integrality, sense, time_limit, rel_gap, abs_gap, x0,
             report, is_cancelled, label, offset, heuristics, strong_branching)
    if x0 is not None and not _consistent(h, c):
        # HiGHS 1.16 can report an objective (and bound) that does not belong to its own solution after a
        # MIP start (seen on the p-median radius model); such a run proves nothing: solve again cold.
        log.warning("HiGHS: inconsistent objective after a warm start; solving again without it")
        left = None if time_limit is None else max(time_limit - (time.perf_counter() - start), 0.5)
        h = _run(c, A, lb_row, ub_row, lb, ub, integrality, sense, left, rel_gap, abs_gap, None,
                 report, is_cancelled, label, offset, True, strong_branching)
    ms = h.getModelStatus()
    info = h.getInfo()
    has_x = info.primal_solution_status == 2  # kSolutionStatusFeasible
    x = np.asarray(h.getSolution().col_value) if has_x else None
    obj = float(np.dot(c, x)) if x is not None else None
    dual = float(info.mip_dual_bound)
    bound = dual if np.isfinite(dual) and abs(dual) < hs.kHighsInf else None
    if integrality is None or not np.any(np.asarray(integrality) != 0):
        # a pure LP: HiGHS leaves mip_dual_bound at 0; the bound of an optimal LP is its objective (as
        # scipy's milp returns), and of an unfinished one unknown
        bound = None
    if ms == hs.HighsModelStatus.kOptimal:
        return MilpOutcome(x, obj, obj if bound is None else bound, "optimal", "optimal")
    if ms == hs.HighsModelStatus.kInfeasible:
        return MilpOutcome(None, None, None, "infeasible", "infeasible")
    if x is not None or ms in (hs.HighsModelStatus.kTimeLimit, hs.HighsModelStatus.kInterrupt):
        return MilpOutcome(x, obj, bound, "time_limit", h.modelStatusToString(ms))
    return MilpOutcome(None, None, None, "error", h.modelStatusToString(ms))


def _run(c, A, lb_row, ub_row, lb, ub, integrality, sense, time_limit, rel_gap, abs_gap, x0, report,
         is_cancelled, label, offset, heuristics, strong_branching=True):
    from . import _highs

    h = _highs.new_highs(time_limit=time_limit, rel_gap=rel_gap)
    if abs_gap is not None:
        h.setOptionValue("mip_abs_gap", float(abs_gap))
    if not heuristics:
        _highs.skip_primal_heuristics(h)
    if not strong_branching:
        _highs.skip_strong_branching(h)
    _highs.pass_model(h, c, A, lb_row, ub_row, lb, ub, integrality, sense)
    if x0 is not None:
        _highs.set_start(h, x0)
    state = _highs.MipState()
    if report is not None or is_cancelled is not None:
        _highs.watch_mip(h, state, report=report, is_cancelled=is_cancelled, label=label, offset=offset)
    h.run()
    if state.cancelled:
        raise CancelledError("cancelled by the user")
    return h


def _consistent(h, c: np.ndarray) -> bool:
    """HiGHS' objective equals ``c x`` of the solution it returns (when it returns one)."""
    info = h.getInfo()
    if info.primal_solution_status != 2:
        return True
    value = float(np.dot(c, np.asarray(h.getSolution().col_value)))
    return abs(value - float(info.objective_function_value)) <= 1e-6 * max(1.0, abs(value))
