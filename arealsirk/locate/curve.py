"""The coverage curve: maximal coverage for every count ``k = k_min .. K`` in one incremental pass.

One coverage matrix (sparse, cutoff-bounded: pairs beyond ``radius`` never matter), rows with the same
covering set merged once, one engine.  The solution for ``k + 1`` starts from the one for ``k`` plus its
best addition, improved by the same fast-swap interchange as :func:`~arealsirk.locate.max_coverage`
(interchange carried from ``k`` to ``k + 1``).  Each count gets a proven upper bound:

* the submodularity bound (Nemhauser, Wolsey & Fisher 1978, "An analysis of approximations for
  maximizing submodular set functions", Math. Programming 14:265-294): for any set ``S`` and any
  ``k``-set ``T``, ``f(T) <= f(S) + sum of the k largest marginal gains w.r.t. S``;
* optionally the MCLP Lagrangian bound (``lagrange_iter`` subgradient steps per count);
* monotonicity: the optimum for ``k`` is at most the bound for any ``k' > k``;
* with ``exact=True``, HiGHS on the sparse MCLP (warm-started from the curve's solution) for every count
  still open after the pass, as :func:`~arealsirk.locate.max_coverage` does for one count.
"""

# ruff: noqa: N803, N806  (matrix notation of the OR literature)

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from . import _common as c
from ._coverage_ls import CoverageEngine
from ._result import LocateResult, relative_gap
from .coverage import _aggregate_rows, _assignment, _exact_mclp, _flows, _slack, _weight_unit

__all__ = ["CoverageCurve", "coverage_curve"]


@dataclass(frozen=True, eq=False)
class CoverageCurve:
    """Maximal coverage per number of sites.

    Attributes
    ----------
    counts
        The counts ``k`` (ascending).
    covered, upper_bound, gap
        Covered weight of the solution found, a proven upper bound on the best possible, and the
        relative gap ``(upper - covered) / upper`` per count (0 = proven optimal).
    facilities
        Open candidate indices per count (a tuple of sorted ``int64`` arrays).
    total
        Total weight of all demand rows (coverable or not).
    needed
        Smallest count whose solution covers at least ``target`` of ``total``; ``None`` when no count up
        to the number of candidates does (or no target was given).
    runtime_s
        Wall-clock seconds the whole curve took.
    """

    counts: np.ndarray
    covered: np.ndarray
    upper_bound: np.ndarray
    gap: np.ndarray
    facilities: tuple[np.ndarray, ...]
    total: float
    needed: int | None
    runtime_s: float
    _cost: c.Cost
    _radius: float
    _weights: np.ndarray

    @property
    def share(self) -> np.ndarray:
        """Covered share of the total weight per count."""
        return self.covered / self.total if self.total > 0 else np.zeros_like(self.covered)

    def result(self, k: int) -> LocateResult:
        """The full :class:`LocateResult` (assignment, covered mask) for count ``k``."""
        pos = int(np.searchsorted(self.counts, k))
        if pos >= self.counts.size or self.counts[pos] != k:
            raise KeyError(f"count {k} is not on the curve ({self.counts[0]}..{self.counts[-1]})")
        S = self.facilities[pos]
        assignment, covered = _assignment(self._cost, S, self._radius)
        gap = float(self.gap[pos])
        return LocateResult(S, assignment, float(self._weights[covered].sum()), float(self.covered[pos]), gap,
                            "optimal" if gap == 0 else "feasible", self.runtime_s,
                            flows=_flows(assignment, self._cost.m), upper_bound=float(self.upper_bound[pos]),
                            model="max_coverage", method="coverage_curve", covered=covered)


def coverage_curve(cost, radius: float, k_max: int, *, k_min: int = 1, weights=None,
                   fixed: Iterable[int] = (), target: float | None = None, lagrange_iter: int = 0,
                   exact: bool = False, time_limit: float | None = None, progress: Callable | None = None,
                   is_cancelled: Callable | None = None) -> CoverageCurve:
    """Maximal coverage within ``radius`` for every count ``k_min .. k_max`` (and on to ``target``).

    Parameters
    ----------
    cost
        Demand x candidate costs, dense (``inf`` = not allowed) or scipy sparse (absent = beyond the
        cutoff); only pairs with ``cost <= radius`` matter, so a sparse matrix cut at ``radius`` is
        enough.
    radius
        Coverage radius in the units of ``cost``.
    k_max
        Largest count on the curve; more than the number of candidates is refused (InputError naming
        ``k_max``).
    k_min
        Smallest count (raised to the number of ``fixed``).
    weights, fixed
        Demand weights (default 1) and candidates that are always open.
    target
        Optional share of the total weight (0..1): the curve continues past ``k_max`` until a count
        reaches it (``needed``), or every candidate is open.
    lagrange_iter
        Subgradient steps of the MCLP Lagrangian bound per count (0: the submodularity and
        monotonicity bounds only, which cost one sparse product per count).
    exact
        After the pass, solve the MILP with HiGHS (warm-started) for every count whose gap is not
        closed, keeping the better solution and the proven bound (within ``time_limit``).
    time_limit
        Seconds; when reached, the curve stops at the last finished count (and ``exact`` proves no
        further count).
    progress, is_cancelled
        Progress callback ``(fraction, message)`` (one call per count) and cancel check.

    Returns
    -------
    CoverageCurve

    Raises
    ------
    InputError
        Bad inputs (as :func:`~arealsirk.locate.max_coverage`), ``k_max < k_min`` or a target outside 0..1.
    """
    from ..errors import InputError

    clock = c.Clock(c.check_time_limit(time_limit))
    prog = c.make_progress(progress, is_cancelled)
    cost_m = c.check_cost(cost)
    fx = c.check_fixed(fixed, cost_m.m)
    k_min = max(c.check_p(k_min, cost_m.m, 0, name="k_min"), fx.size, 1)
    k_max = c.check_p(k_max, cost_m.m, 0, name="k_max")
    if k_max < k_min:
        raise InputError(f"parameter 'k_max': {k_max} is below k_min = {k_min} "
                         "(or the number of fixed sites)")
    if target is not None and not 0.0 <= float(target) <= 1.0:
        raise InputError(f"parameter 'target': a share between 0 and 1, got {target!r}")
    radius = c.check_radius(radius)
    w = c.check_weights(weights, cost_m.n)
    total = float(w.sum())
    A, w_agg = _aggregate_rows(c.coverage_matrix(cost_m, radius), w)
    coverable = float(w_agg.sum())
    integral = bool(np.all(w_agg == np.round(w_agg)))
    unit = _weight_unit(w_agg)
    eng = CoverageEngine(A, w_agg, fx, clock, check=prog.check)
    S = eng.greedy(k_min)
    S, val = eng.local_search(S)
    ks, vals, ups, sets = [], [], [], []
    goal = None if target is None else float(target) * total
    k = k_min
    while True:
        prog(min(0.99, (k - k_min + 1) / max(1, k_max - k_min + 1)), f"coverage curve: {k} sites, "
             f"{100 * val / total if total else 0:.2f} % covered")
        upper = _upper(eng, S, val, k, coverable, integral)
        if lagrange_iter > 0 and upper > val + _slack(val, unit) and k < cost_m.m and k > fx.size:
            ub, starts = eng.lagrangian(k, val, max_iter=int(lagrange_iter))
            upper = min(upper, ub)
            for start in starts:
                S2, v2 = eng.local_search(start)
                if v2 > val:
                    S, val = S2, v2
        ks.append(k)
        vals.append(val)
        ups.append(max(upper, val))
        sets.append(np.sort(S))
        reached = goal is not None and val >= goal - 1e-12 * max(1.0, goal)
        if k >= cost_m.m or clock.expired() or (k >= k_max and (goal is None or reached)):
            break
        S, val = _grow(eng, S)
        k += 1
    ups_a = np.minimum.accumulate(np.asarray(ups)[::-1])[::-1]      # OPT_k <= OPT_k' for k' > k
    if exact:
        ups_a = _prove(eng, A, w_agg, fx, clock, ks, vals, ups_a, sets)
    vals_a = np.asarray(vals, dtype=np.float64)
    gaps = np.array([relative_gap(u, v) or 0.0 for u, v in zip(ups_a, vals_a, strict=True)])
    gaps[gaps <= 1e-9] = 0.0
    needed = None
    if goal is not None:
        hit = np.flatnonzero(vals_a >= goal - 1e-12 * max(1.0, goal))
        needed = int(ks[hit[0]]) if hit.size else None
    prog(1.0, "coverage curve: done")
    return CoverageCurve(np.asarray(ks, dtype=np.int64), vals_a, ups_a, gaps, tuple(sets), total, needed,
                         clock.elapsed(), cost_m, radius, w)


def _prove(eng: CoverageEngine, A, w_agg: np.ndarray, fx: np.ndarray, clock: c.Clock, ks: list[int],
           vals: list[float], ups: np.ndarray, sets: list[np.ndarray]) -> np.ndarray:
    """HiGHS for each count with a gap, in order while time is left; ``vals``/``sets`` updated in place.

    Returns the upper bounds, monotone again (``OPT_k <= OPT_k'`` for ``k' > k``)."""
    ups = np.array(ups, dtype=np.float64)
    unit = _weight_unit(w_agg)
    for pos, k in enumerate(ks):
        if ups[pos] <= vals[pos] + _slack(vals[pos], unit) or clock.expired():
            continue
        out = _exact_mclp(A, w_agg, k, fx, clock, sets[pos])
        if out.x is not None and out.objective is not None and out.objective > vals[pos]:
            S2 = np.flatnonzero(out.x[: A.shape[1]] > 0.5).astype(np.int64)
            v2 = eng.value(S2)
            if v2 > vals[pos]:
                sets[pos], vals[pos] = np.sort(S2), v2
        if out.status == "optimal":
            ups[pos] = vals[pos]
        elif out.bound is not None:
            ups[pos] = max(min(ups[pos], float(out.bound)), vals[pos])
        ups = np.minimum.accumulate(ups[::-1])[::-1]
    return ups


def _upper(eng: CoverageEngine, S: np.ndarray, val: float, k: int, coverable: float, integral: bool) -> float:
    """Submodularity bound ``f(S) + sum of the k - |fixed| largest marginal gains`` (capped)."""
    cnt = eng.counts(S)
    gain = eng.AT @ (eng.w * (cnt == 0))
    gain[S] = 0.0
    gain[eng.is_fixed] = 0.0
    free = k - int(eng.is_fixed.sum())
    top = np.sort(gain)[::-1][:max(free, 0)].sum() if free > 0 else 0.0
    upper = min(coverable, val + float(top))
    if integral:
        upper = float(np.floor(upper + 1e-9))
    return upper


def _grow(eng: CoverageEngine, S: np.ndarray) -> tuple[np.ndarray, float]:
    """Open the best addition to ``S``, then fast-swap interchange."""
    cnt = eng.counts(S)
    gain = eng.AT @ (eng.w * (cnt == 0))
    gain[S] = -1.0
    j = int(np.argmax(gain))
    return eng.local_search(np.sort(np.append(S, j)))
