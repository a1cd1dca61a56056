"""Location models: p-median, maximal covering, set covering, p-center, capacitated facility location.

Fast heuristics with proven bounds by default; exact HiGHS MILP on request (``exact=True``).
All functions take a demand x candidate ``cost`` matrix (dense with ``inf`` = not allowed, or scipy
sparse with absent = not allowed) and return a :class:`LocateResult`.
"""



from __future__ import annotations

from ._result import LocateResult
from .coverage import max_coverage, set_coverage
from .curve import CoverageCurve, coverage_curve
from .facility import facility_location
from .pcenter import p_center
from .pmedian import p_median

__all__ = ["CoverageCurve", "LocateResult", "coverage_curve", "facility_location", "max_coverage", "p_center",
           "p_median", "set_coverage"]
