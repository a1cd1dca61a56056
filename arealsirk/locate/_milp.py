"""Thin wrapper around HiGHS through :func:`scipy.optimize.milp` (no extra dependency)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from ..errors import SolverError

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
    if bound is not None and np.isfinite(bound):
        bound = sign * float(bound)
    else:
        bound = None
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
