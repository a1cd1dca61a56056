"""The result object every location model returns."""



from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

__all__ = ["LocateResult"]


@dataclass(frozen=True, eq=False)
class LocateResult:
    """Solution of a location model.

    Attributes
    ----------
    facilities
        Sorted candidate (column) indices of the open facilities, ``int64`` array.
    assignment
        For each demand row the candidate serving it (for split demand: the one serving the
        largest share), ``-1`` when the row is not served (not covered / no allowed candidate open).
    objective
        Objective value of the returned solution (a cost for the minimisation models, the covered
        weight for :func:`~arealsirk.locate.max_coverage`).
    lower_bound, upper_bound
        Proven bounds on the *optimal* objective, ``None`` when unknown.  For a minimisation model
        ``upper_bound == objective`` and ``lower_bound`` comes from a relaxation (Lagrangian, LP or the
        MILP solver); for a maximisation model ``lower_bound == objective``.
    gap
        Relative proven gap ``(upper - lower) / max(|upper|, |lower|)``; ``0.0`` when proven optimal,
        ``None`` when no bound is known.
    status
        ``"optimal"`` (proven), ``"feasible"`` (good solution, optimality not proven), ``"time_limit"``
        (the solver stopped at the time limit with a feasible solution) or ``"infeasible"``.
    runtime_s
        Wall-clock seconds spent.
    flows
        Sparse demand x candidate matrix of the served amount (demand units) for
        :func:`~arealsirk.locate.facility_location`; for the other models the 0/1 assignment
        (weights not applied).  ``None`` when not applicable.
    model, method
        Model name (``"p_median"``, ``"max_coverage"``, ...) and how it was solved
        (``"heuristic"``, ``"milp"``, ``"brute_force"`` ...).
    covered
        Boolean per demand row for the coverage models, else ``None``.
    messages
        Human-readable notes (why a bound is missing, what was relaxed ...).
    """

    facilities: np.ndarray
    assignment: np.ndarray
    objective: float
    lower_bound: float | None
    gap: float | None
    status: str
    runtime_s: float
    flows: sp.csr_matrix | None = None
    upper_bound: float | None = None
    model: str = ""
    method: str = ""
    covered: np.ndarray | None = None
    messages: tuple[str, ...] = field(default_factory=tuple)

    @property
    def n_facilities(self) -> int:
        """Number of open facilities."""
        return len(self.facilities)

    @property
    def optimal(self) -> bool:
        """True when the solution is proven optimal."""
        return self.status == "optimal"

    def summary(self) -> dict[str, object]:
        """Key figures as a plain dict (for logs and tables)."""
        return {
            "model": self.model,
            "method": self.method,
            "status": self.status,
            "facilities": [int(j) for j in self.facilities],
            "objective": float(self.objective),
            "lower_bound": None if self.lower_bound is None else float(self.lower_bound),
            "upper_bound": None if self.upper_bound is None else float(self.upper_bound),
            "gap": None if self.gap is None else float(self.gap),
            "runtime_s": float(self.runtime_s),
        }


def relative_gap(upper: float | None, lower: float | None) -> float | None:
    """``(upper - lower) / max(|upper|, |lower|, tiny)``, clipped at 0; ``None`` if a bound is missing."""
    if upper is None or lower is None or not np.isfinite(upper) or not np.isfinite(lower):
        return None
    denom = max(abs(upper), abs(lower), 1e-12)
    return max(0.0, (upper - lower) / denom)
