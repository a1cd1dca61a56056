"""Capacitated facility location (split or single-source demand, optional minimum plant size).

``min sum_j f_j y_j + sum_ij q_i c_ij x_ij``
s.t. ``sum_j x_ij = 1`` (every demand served), ``sum_i q_i x_ij <= K_j y_j`` (capacity),
``x_ij <= y_j`` (strong linking), ``sum_i q_i x_ij >= L_j y_j`` (minimum load, optional),
``sum_j K_j y_j >= sum_i q_i`` (valid inequality), ``0 <= x <= 1`` (``x`` binary when single-source),
``y`` binary (Balinski 1965; Beasley 1988, "An algorithm for solving large capacitated warehouse location
problems", EJOR 33:314-325).  ``c_ij`` is the cost per unit of demand, ``q_i`` the demand,
``K_j`` the capacity (``inf`` = uncapacitated), ``f_j`` the fixed cost of opening ``j``.
"""

# ruff: noqa: N803, N806  (matrix notation of the OR literature: C, D, K, A, Q, S)

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

from ..errors import InfeasibleError, InputError
from ..progress import Progress
from . import _common as c
from ._cfl_heuristic import Transport, lagrangian_cfl, local_search, min_open, probe_fixings, repair
from ._cfl_rows import generate_linking_rows
from ._milp import highspy_available, solve_milp_warm
from ._result import LocateResult, relative_gap

log = logging.getLogger("arealsirk")

__all__ = ["facility_location"]


def facility_location(cost, demand, capacity, fixed_cost, *, single_source: bool = False, min_load=None,
                      fixed: Iterable[int] = (), time_limit: float | None = None, exact: bool = False,
                      seed: int = 0, p: int | None = None, progress: Callable | None = None,
                      is_cancelled: Callable | None = None) -> LocateResult:
    """Open facilities and route demand to minimise fixed plus transport cost.

    Parameters
    ----------
    cost
        Cost per unit of demand of serving row ``i`` from candidate ``j`` (dense, ``inf`` = not allowed,
        or scipy sparse, absent = not allowed).
    demand
        Demand per row (tonnes, people ...), >= 0.
    capacity
        Capacity per candidate (scalar broadcast); ``inf`` = uncapacitated.
    fixed_cost
        Cost of opening each candidate (scalar broadcast).
    single_source
        Each demand row is served by exactly one facility.
    min_load
        Minimum throughput of an open facility (scalar or per candidate), e.g. a minimum plant size.
    fixed
        Candidates that must be open (their ``min_load`` still applies).
    time_limit
        Seconds for HiGHS.
    exact
        ``False``: small models (at most ``default("locate.cfl_milp_max_pairs")`` allowed pairs) and
        single-source models go to HiGHS, which stops at a proven relative gap of
        ``default("locate.cfl_rel_gap")``; sparse split-demand models (at most
        ``default("locate.cfl_lp_max_pairs")`` pairs, e.g. within a haul limit) start from the LP
        relaxation (its bound and open set) and HiGHS continues from there to the same gap; larger
        ones use a Lagrangian heuristic (Beasley 1993) with a transportation-LP drop/add/swap local
        search, and the Lagrangian bound as ``lower_bound``.  ``True``: additionally the full MILP
        (gap tolerance 1e-9), warm-started from
        the heuristic when highspy is installed (``highs`` extra), keeping the better solution; after
        the Lagrangian start, with finite capacities, HiGHS gets only the linking rows ``x_ij <= y_j``
        that the strong LP relaxation needs (generated row by row, ``locate/_cfl_rows.py``) and runs
        without its primal heuristics.
    seed
        Unused by the MILP path (kept for a uniform signature).
    p
        Optional exact number of open facilities (including ``fixed``): adds ``sum_j y_j = p``
        (a capacitated p-median with fixed costs); such models always go to the MILP.
    progress
        Callback ``progress(fraction, message)`` receiving the overall fraction done in [0, 1] and
        the current step (see :mod:`arealsirk.progress`); ``None`` (default) reports nothing.
    is_cancelled
        Callback returning ``True`` when the user asks to stop; polled between steps and inside HiGHS'
        branch-and-bound (with highspy), then :class:`~arealsirk.errors.CancelledError` is raised.
        ``None`` (default): never cancelled.

    Returns
    -------
    LocateResult
        ``flows`` holds the served amounts in demand units; ``assignment`` the main supplier per row.

    Raises
    ------
    InputError
        Bad inputs (shapes, NaN, negative values).
    InfeasibleError
        Total capacity below total demand, a row without an allowed candidate, a demand larger than
        any allowed capacity (single-source), or an infeasible model (minimum loads).
    """
    clock = c.Clock(c.check_time_limit(time_limit))
    prog = c.make_progress(progress, is_cancelled)
    mod = _validate(cost, demand, capacity, fixed_cost, min_load=min_load, fixed=fixed, p=p,
                    single_source=single_source)
    prog(0.05, "facility location: building the model")
    run = _Run(clock=clock, prog=prog, exact=exact, left=clock.left())
    if not single_source and not mod.small and p is None:
        _heuristic(mod, run)
    if run.heur is not None and not exact and not run.to_milp:
        S0, ub, (fr, fc, fv) = run.heur
        return _finish(mod, fr, fc, fv, S0, ub, run.lower,
                       "time_limit" if clock.expired() else "feasible", run, f"{run.start}+transport")
    return _solve_exact(mod, run, is_cancelled)


@dataclass
class _Model:
    """The checked inputs and the allowed (row, candidate) pairs of the active (positive-demand) rows."""

    n: int
    m: int
    q: np.ndarray              # demand per row
    K: np.ndarray              # capacity per candidate
    f: np.ndarray              # fixed cost per candidate
    L: np.ndarray | None       # minimum load per candidate
    fx: np.ndarray             # candidates forced open
    p: int | None
    single_source: bool
    total: float
    active: np.ndarray         # rows with positive demand
    A: sp.csr_matrix           # allowed pairs of all rows (values: cost per unit)
    Aa: sp.coo_matrix          # allowed pairs of the active rows
    small: bool                # at most default("locate.cfl_milp_max_pairs") pairs: straight to HiGHS

    @property
    def ri(self) -> np.ndarray:
        """Index into ``active`` of every allowed pair."""
        return self.Aa.row.astype(np.int64)

    @property
    def cj(self) -> np.ndarray:
        """Candidate of every allowed pair."""
        return self.Aa.col.astype(np.int64)

    @property
    def qi(self) -> np.ndarray:
        """Demand of the row of every allowed pair."""
        return self.q[self.active][self.ri]


@dataclass
class _Run:
    """The state of one solve: clock, progress, and what the heuristic phase found."""

    clock: c.Clock
    prog: Progress
    exact: bool
    left: float                                  # seconds left when the model was built
    heur: tuple | None = None                    # (open set, cost, flows (active row, candidate, share))
    lower: float | None = None                   # proven lower bound so far
    shut: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # closed by probing
    must: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # opened by probing
    messages: list[str] = field(default_factory=list)
    start: str = "lagrangian"                    # how the heuristic started: "lagrangian" or "lp"
    to_milp: bool = False                        # the LP start left a gap: HiGHS continues from it


def _validate(cost: object, demand: object, capacity: object, fixed_cost: object, *, min_load: object,
              fixed: Iterable[int], p: int | None, single_source: bool) -> _Model:
    """Check the inputs and refuse what no solution can satisfy (phase 1)."""
    from ..defaults import default

    cost_m = c.check_cost(cost)
    n, m = cost_m.n, cost_m.m
    q = c.check_vector(demand, n, name="demand", what="demand row")
    K = c.check_vector(capacity, m, name="capacity", allow_inf=True)
    f = c.check_vector(fixed_cost, m, name="fixed_cost")
    L = None if min_load is None else c.check_vector(min_load, m, name="min_load")
    fx = c.check_fixed(fixed, m)
    if p is not None:
        p = c.check_p(p, m, fx.size)
    if L is not None and (L > K).any():
        j = int(np.flatnonzero(L > K)[0])
        raise InputError(f"parameter 'min_load': candidate {j} has min_load {L[j]:g} above its "
                         f"capacity {K[j]:g}")
    total = float(q.sum())
    if total <= 0:
        raise InputError("parameter 'demand': total demand is zero; nothing to locate")
    if K.sum() < total - 1e-9 * total:
        raise InfeasibleError(f"facility_location: total capacity {K.sum():g} is below total demand "
                              f"{total:g}; raise capacities or add candidates")
    active = np.flatnonzero(q > 0)
    A = cost_m.allowed_csr()
    Aa = A[active].tocoo()
    c.raise_unreachable(active[np.diff(A[active].indptr) == 0], "facility_location")
    if single_source:
        best = np.zeros(active.size)
        np.maximum.at(best, Aa.row, K[Aa.col])
        too_big = active[q[active] > best + 1e-9]
        if too_big.size:
            raise InfeasibleError(f"facility_location: demand row {int(too_big[0])} ({q[too_big[0]]:g}) "
                                  "exceeds the capacity of every allowed candidate (single_source=True)")
    small = Aa.nnz <= int(default("locate.cfl_milp_max_pairs"))
    return _Model(n, m, q, K, f, L, fx, p, single_source, total, active, A, Aa, small)


def _heuristic(mod: _Model, run: _Run) -> None:
    """Lagrangian heuristic (Beasley 1993) and transportation-LP local search (phase 2, split demand).

    Sets ``run.heur`` (best open set, its cost and flows), ``run.lower`` (the Lagrangian bound) and,
    in exact mode, ``run.shut`` / ``run.must`` (candidates that Lagrangian probing closes / opens).
    Rows with identical allowed pairs and costs are solved as one row (:func:`_merge_rows`); the
    flows are split back to them.
    """
    merged = _merge_rows(mod)
    if merged is None:
        _heuristic_on(mod, run)
        return
    mod_m, expand = merged
    log.debug("facility_location: %d rows with identical pairs merged into %d", mod.active.size,
              mod_m.active.size)
    _heuristic_on(mod_m, run)
    if run.heur is not None:
        S0, ub, flows = run.heur
        run.heur = (S0, ub, expand(flows))


def _merge_rows(mod: _Model) -> tuple[_Model, Callable] | None:
    """The model with the active rows of identical allowed pairs and costs summed into one row, and
    the function that splits flows ``(row, candidate, share)`` back to the rows; ``None`` when no two
    rows are identical.

    Exact for split demand: a share of a merged row served from ``j`` is the same share of each of its
    rows (same cost per unit, same capacity and minimum-load use in total), and conversely the
    demand-weighted mean shares of identical rows are a plan of the merged model at the same cost, so
    both models have the same optima and LP relaxations.  Farm-level feedstock rows on one road node
    with one haul limit are identical: 396 952 national farm rows are 78 429 distinct ones.
    """
    A = mod.A[mod.active].tocsr()
    A.sort_indices()
    na = A.shape[0]
    group, first = _equal_pair_rows(A)
    if first.size == na:
        return None
    rank = np.empty(first.size, dtype=np.int64)          # groups numbered by their first row
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    group = rank[group]
    rep = np.sort(first)
    qa = mod.q[mod.active]
    qg = np.bincount(group, weights=qa, minlength=rep.size)
    Ag = A[rep]
    g = rep.size
    mod_m = replace(mod, n=g, q=qg, active=np.arange(g, dtype=np.int64), A=Ag, Aa=Ag.tocoo())
    order = np.argsort(group, kind="stable")
    count = np.bincount(group, minlength=g)
    start = np.concatenate([[0], np.cumsum(count)[:-1]])

    def expand(flows: tuple) -> tuple:
        fr, fc, fv = (np.asarray(a) for a in flows)
        fr = fr.astype(np.int64)
        reps = count[fr]
        within = np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps)
        return order[np.repeat(start[fr], reps) + within], np.repeat(fc, reps), np.repeat(fv, reps)

    return mod_m, expand


def _equal_pair_rows(A: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Exact groups of the rows of ``A`` with the same pairs and the same values: a group label per row
    and the first row of each group.  Each pair is encoded as ``column * V + rank of its value`` (``V``
    distinct values), so equal rows are rows with equal key lists (:func:`._common.equal_rows`); the
    rows without a pair form one group."""
    values, vrank = np.unique(A.data, return_inverse=True)
    n_values = max(values.size, 1)
    keys = A.indices.astype(np.int64) * n_values + vrank.ravel()
    K = sp.csr_matrix((np.ones(keys.size), keys, A.indptr), shape=(A.shape[0], A.shape[1] * n_values))
    filled = np.flatnonzero(np.diff(A.indptr) > 0)
    empty = np.flatnonzero(np.diff(A.indptr) == 0)
    label_f, first_f = c.equal_rows(K[filled]) if filled.size else (np.zeros(0, np.int64), filled)
    group = np.full(A.shape[0], first_f.size, dtype=np.int64)      # the rows without a pair
    group[filled] = label_f
    first = filled[first_f]
    return group, (np.append(first, empty[0]) if empty.size else first)


def _heuristic_on(mod: _Model, run: _Run) -> None:
    """The body of :func:`_heuristic` on one model."""
    from ..defaults import default

    prog = run.prog
    qa = mod.q[mod.active]
    Q = sp.csr_matrix((mod.qi * mod.Aa.data, (mod.ri, mod.cj)), shape=(mod.active.size, mod.m))
    tr = Transport(Q, qa, mod.K, mod.f, mod.L, clock=run.clock)
    if _lp_start(mod, run, Q, qa, tr):
        return
    prog(0.1, "facility location: Lagrangian heuristic")
    left = run.left
    hclock = c.Clock(None if not np.isfinite(left) else (left if not run.exact else left * 0.5))
    lb, S0, ub, v, starts = lagrangian_cfl(Q, qa, mod.K, mod.f, mod.fx, tr, hclock,
                                           max_iter=int(default("locate.cfl_lagrange_max_iter")),
                                           check=prog.check, report=prog.sub(0.1, 0.5), L=mod.L)
    run.lower = lb if np.isfinite(lb) else None
    if tr.failed:                                # open sets the LP found infeasible: repaired
        S_r, u_r = _repaired(tr.failed[::-1][:3], tr, mod, hclock, run)
        if S_r is not None and u_r < ub:
            S0, ub, starts = S_r, u_r, [S_r, *starts][:max(1, len(starts))]
    if S0 is not None and np.isfinite(ub):
        prog(0.5, "facility location: local search")
        share = 0.1 / max(1, len(starts))
        for i, start in enumerate(starts):
            cost0 = tr.evaluate(start)[0]
            S1, u1 = local_search(start, cost0, tr, mod.fx, v, hclock, check=prog.check,
                                  swap_candidates=int(default("locate.cfl_swap_candidates")),
                                  report=prog.sub(0.5 + share * i, 0.5 + share * (i + 1)))
            if u1 < ub:
                S0, ub = S1, u1
        run.heur = (S0, ub, tr.evaluate(S0)[1])
        _probe(mod, run, v, lb)
    log.debug("facility_location: Lagrangian bound %g, heuristic %g, %d transport LPs", lb, ub, tr.calls)


def _repaired(sets: list, tr: Transport, mod: _Model, clock: c.Clock, run: _Run
              ) -> tuple[np.ndarray | None, float]:
    """The cheapest of the open sets that :func:`~._cfl_heuristic.repair` makes feasible from
    ``sets`` (open sets whose transportation LP is infeasible), ``(None, inf)`` if none."""
    best: tuple[np.ndarray | None, float] = (None, np.inf)
    for S in sets:
        S1, cost = repair(S, tr, mod.fx, clock, check=run.prog.check)
        if S1 is not None and cost < best[1]:
            best = (S1, cost)
    log.debug("facility_location: %d infeasible open sets repaired, best %g", len(sets), best[1])
    return best


def _probe(mod: _Model, run: _Run, v: np.ndarray | None, lb: float) -> None:
    """Lagrangian probing in exact mode: candidates closed / open in every better solution than the
    heuristic's (``run.shut`` / ``run.must``)."""
    if not run.exact or v is None or not np.isfinite(lb) or run.heur is None:
        return
    S0, ub = run.heur[0], run.heur[1]
    shut, must = probe_fixings(v, lb, mod.K, mod.total, mod.fx, ub)
    run.shut = np.setdiff1d(shut, S0)
    run.must = np.intersect1d(must, S0)
    log.debug("facility_location: probing closed %d and opened %d of %d candidates",
              run.shut.size, run.must.size, mod.m)


def _lp_start(mod: _Model, run: _Run, Q: sp.csr_matrix, qa: np.ndarray, tr: Transport) -> bool:
    """Start from the LP relaxation on a sparse model (phase 2a): bound, multipliers and open set.

    A haul limit leaves each source a few candidates in reach, and then HiGHS' dual simplex solves the
    LP relaxation of the model of :func:`_build` (the strong one, with ``x_ij <= y_j``) in about a
    second: 0.4 s for the 27 078 pairs of the national kommune-level biogas model, whose subgradient
    search stalled 20 % below that bound after a minute (``docs/benchmarks/biogas.md``).  Its duals of
    the demand rows ``sum_j x_ij = 1`` are optimal Lagrange multipliers: the Lagrangian value there,
    computed by :func:`lagrangian_cfl` and valid for any multipliers (weak duality), equals the LP
    bound, since each candidate's subproblem has the integrality property (Geoffrion 1974, "Lagrangean
    relaxation for integer programming", Math. Prog. Study 2:82-114).  The start is the best of the
    Lagrangian open set and every candidate with ``y_j > 0`` in the LP solution (enough capacity, and
    every row keeps the candidates it used); when its gap exceeds ``locate.cfl_rel_gap``, HiGHS
    continues from it (``run.to_milp``).

    Returns ``False`` (the subgradient search runs instead) when the model has more than
    ``locate.cfl_lp_max_pairs`` pairs, or the LP does not finish within ``locate.cfl_lp_time_limit``
    seconds or the time left.
    """
    from scipy.optimize import linprog  # lazy: keeps `import arealsirk.locate` light

    from ..defaults import default

    limit = min(run.clock.left(), float(default("locate.cfl_lp_time_limit")))
    if mod.Aa.nnz > int(default("locate.cfl_lp_max_pairs")) or limit <= 0:
        return False
    run.prog(0.1, "facility location: LP relaxation (HiGHS)")
    obj, A, lo, hi, lb, ub, _ = _build(mod.Aa, mod.ri, mod.cj, mod.qi, qa, mod.K, mod.f, mod.L, mod.fx,
                                       mod.total, False, mod.p)
    eq = lo == hi                  # the demand rows, in the order of ``qa`` (no ``p`` row on this path)
    up, down = ~eq & np.isfinite(hi), ~eq & np.isfinite(lo)
    res = linprog(obj, A_ub=sp.vstack([A[up], -A[down]]).tocsr(), b_ub=np.concatenate([hi[up], -lo[down]]),
                  A_eq=A[eq], b_eq=lo[eq], bounds=np.column_stack([lb, ub]), method="highs",
                  options={"time_limit": limit})
    if res.status != 0:
        log.debug("facility_location: LP relaxation not used (%s)", res.message)
        return False
    bound, S_lag, ub_lag, v, _ = lagrangian_cfl(Q, qa, mod.K, mod.f, mod.fx, tr, run.clock, max_iter=1,
                                                check=run.prog.check, L=mod.L, lam0=res.eqlin.marginals)
    S_lp = np.flatnonzero(res.x[: mod.m] > 1e-9)
    cost_lp = tr.evaluate(S_lp)[0]
    if not np.isfinite(cost_lp):               # e.g. more open candidates than minimum loads allow
        S_r, cost_r = _repaired([S_lp], tr, mod, run.clock, run)
        if S_r is not None:                    # the repair only closes: reopen what pays
            S_lp, cost_lp = local_search(S_r, cost_r, tr, mod.fx, None, run.clock, check=run.prog.check,
                                         swap_candidates=int(default("locate.cfl_swap_candidates")))
    S0, ub0 = (S_lp, cost_lp) if cost_lp <= ub_lag else (S_lag, ub_lag)
    if (S0 is None or not np.isfinite(ub0)) and S_lag is not None:
        S0, ub0 = _repaired([S_lag], tr, mod, run.clock, run)
    if S0 is None or not np.isfinite(ub0):
        return False
    run.start = "lp"
    run.lower = bound if np.isfinite(bound) else None
    run.heur = (S0, ub0, tr.evaluate(S0)[1])
    gap = relative_gap(ub0, run.lower)
    run.to_milp = gap is None or gap > float(default("locate.cfl_rel_gap"))
    log.debug("facility_location: LP bound %g (HiGHS %g), LP open set %g, Lagrangian open set %g",
              bound, res.fun, cost_lp, ub_lag)
    _probe(mod, run, v, bound)
    return True


def _solve_exact(mod: _Model, run: _Run, is_cancelled: Callable | None) -> LocateResult:
    """The MILP on HiGHS, warm-started from the heuristic, then the result (phases 3-5)."""
    from ..defaults import default

    prog, clock, heur = run.prog, run.clock, run.heur
    prog(0.6 if heur is not None else 0.1, "facility location: HiGHS")
    if run.shut.size:
        keep_pair = ~np.isin(mod.Aa.col, run.shut)
        mod.Aa = sp.coo_matrix((mod.Aa.data[keep_pair], (mod.Aa.row[keep_pair], mod.Aa.col[keep_pair])),
                               shape=mod.Aa.shape)
    ri, cj, qi, Aa, m = mod.ri, mod.cj, mod.qi, mod.Aa, mod.m
    model = _build(Aa, ri, cj, qi, mod.q[mod.active], mod.K, mod.f, mod.L, np.union1d(mod.fx, run.must),
                   mod.total, mod.single_source, mod.p)
    model[5][run.shut] = 0.0
    from_lagrangian = run.exact and heur is not None and run.start == "lagrangian"
    if from_lagrangian:
        model = _linking_rows(mod, run, model)
    left = clock.left()
    if not np.isfinite(left) and not run.exact:
        left = float(default("locate.milp_time_limit"))
    out = solve_milp_warm(model[0], model[1], model[2], model[3], lb=model[4], ub=model[5],
                          integrality=model[6], x0=_warm_start(mod, heur),
                          time_limit=None if not np.isfinite(left) else max(left, 1.0),
                          rel_gap=1e-9 if run.exact else float(default("locate.cfl_rel_gap")),
                          report=prog.sub(0.6 if heur is not None else 0.1, 0.99), is_cancelled=is_cancelled,
                          label="facility location: HiGHS", heuristics=not from_lagrangian)
    if out.status == "infeasible":
        raise InfeasibleError("facility_location: no feasible solution (check capacities, min_load and "
                              "allowed pairs)")
    lower = run.lower
    if out.bound is not None:
        lower = out.bound if lower is None else max(lower, out.bound)
    if heur is not None and (out.x is None or out.objective is None or out.objective > heur[1]):
        S0, ub, (fr, fc, fv) = heur
        if out.status == "optimal" and run.exact:   # proven to 1e-9 and the heuristic is no worse
            lower = ub
        status = "time_limit" if out.status == "time_limit" else "feasible"
        return _finish(mod, fr, fc, fv, S0, ub, lower, status, run, f"{run.start}+transport+milp")
    if out.x is None:
        raise InfeasibleError("facility_location: HiGHS found no feasible solution within the time limit "
                              f"({out.message}); raise time_limit")
    y = out.x[:m] > 0.5
    x = np.clip(out.x[m:], 0, 1)
    keep = x > 1e-9
    S = np.flatnonzero(y).astype(np.int64)
    objective = float(mod.f[S].sum() + (x[keep] * qi[keep] * Aa.data[keep]).sum())
    status = "time_limit" if out.status == "time_limit" else "feasible"
    if out.status == "optimal" and run.exact:
        lower = objective
    return _finish(mod, ri[keep], cj[keep], x[keep], S, objective, lower, status, run, "milp")


def _linking_rows(mod: _Model, run: _Run, model: tuple) -> tuple:
    """The model with only the linking rows ``x_ij <= y_j`` that the strong LP needs (phase 3a).

    Applies in exact mode after the Lagrangian start when every candidate has a finite capacity (then
    the capacity rows keep the MILP exact without the other linking rows, :mod:`._cfl_rows`); raises
    ``run.lower`` to the strong LP bound.  Returns ``model`` unchanged when the LP does not finish.
    """
    from ..defaults import default

    if mod.single_source or not np.isfinite(mod.K).all() or not highspy_available():
        return model
    run.prog(0.6, "facility location: strong LP relaxation (HiGHS)")
    rows = generate_linking_rows(model, m=mod.m, n_rows=mod.active.size, cj=mod.cj, K=mod.K, clock=run.clock,
                                 max_rounds=int(default("locate.cfl_linking_max_rounds")))
    if rows is None:
        return model
    run.lower = rows.bound if run.lower is None else max(run.lower, rows.bound)
    keep = rows.keep
    return (model[0], model[1][keep], model[2][keep], model[3][keep], model[4], model[5], model[6])


def _warm_start(mod: _Model, heur: tuple | None) -> np.ndarray | None:
    """The heuristic's solution as a MILP start vector (``y`` then one ``x`` per kept pair)."""
    if heur is None:
        return None
    S0, _ub, (fr, fc, fv) = heur
    ri, cj, active = mod.ri, mod.cj, mod.active
    x0 = np.zeros(mod.m + mod.Aa.nnz)
    x0[S0] = 1.0
    pos = {(int(a), int(b)): t for t, (a, b) in enumerate(zip(active[ri], cj, strict=True))}
    for a, b, val in zip(fr, fc, fv, strict=True):
        x0[mod.m + pos[(int(active[a]), int(b))]] = val
    return x0


def _finish(mod: _Model, fr: object, fc: object, fv: object, S: object, objective: float,
            lower: float | None, status: str, run: _Run, method: str) -> LocateResult:
    """Result from flows given as (active-row index, candidate, fraction of the row's demand)."""
    n, m, q, active, A = mod.n, mod.m, mod.q, mod.active, mod.A
    fr = np.asarray(fr, dtype=np.int64)
    rows = active[fr]
    flows = sp.csr_matrix((np.asarray(fv) * q[rows], (rows, np.asarray(fc, dtype=np.int64))), shape=(n, m))
    flows.eliminate_zeros()
    served_by = np.asarray(flows.argmax(axis=1)).ravel()
    assignment = np.where(np.asarray(flows.sum(axis=1)).ravel() > 0, served_by, -1).astype(np.int64)
    S = np.sort(np.asarray(S, dtype=np.int64))
    # zero-demand rows: nearest allowed open facility (if any), for completeness
    zero = np.flatnonzero(q <= 0)
    if zero.size and S.size:
        D = A[zero][:, S].tocoo()
        best = np.full(zero.size, np.inf)
        arg = np.full(zero.size, -1)
        for r, cc, d in zip(D.row, D.col, D.data, strict=True):
            if d < best[r]:
                best[r], arg[r] = d, S[cc]
        assignment[zero] = arg
    if lower is not None:
        lower = min(float(lower), float(objective))
    gap = relative_gap(objective, lower)
    if gap is not None and gap <= 1e-9:
        status, gap = "optimal", 0.0
    run.prog(1.0, "facility location: done")
    return LocateResult(S, assignment, float(objective), lower, gap, status, run.clock.elapsed(), flows=flows,
                        upper_bound=float(objective), model="facility_location", method=method,
                        messages=tuple(run.messages))


def _build(Aa, ri, cj, qi, qa, K, f, L, fx, total, single_source, p=None):
    """MILP arrays (c, A, row_lo, row_hi, lb, ub, integrality): y (m) then x (one per allowed pair)."""
    na = qa.size
    m = K.size
    k = Aa.nnz
    xi = m + np.arange(k)
    obj = np.concatenate([f, qi * Aa.data])
    blocks, lo, hi = [], [], []
    blocks.append(sp.csr_matrix((np.ones(k), (ri, xi)), shape=(na, m + k)))     # sum_j x_ij = 1
    lo.append(np.ones(na))
    hi.append(np.ones(na))
    blocks.append(sp.csr_matrix((np.concatenate([np.ones(k), -np.ones(k)]),     # x_ij <= y_j
                                 (np.tile(np.arange(k), 2), np.concatenate([xi, cj]))), shape=(k, m + k)))
    lo.append(np.full(k, -np.inf))
    hi.append(np.zeros(k))
    finite = np.flatnonzero(np.isfinite(K))
    if finite.size:
        rows = np.searchsorted(finite, cj)
        sel = np.isin(cj, finite)
        blocks.append(sp.csr_matrix((np.concatenate([qi[sel], -K[finite]]),       # capacity
                                     (np.concatenate([rows[sel], np.arange(finite.size)]),
                                      np.concatenate([xi[sel], finite]))), shape=(finite.size, m + k)))
        lo.append(np.full(finite.size, -np.inf))
        hi.append(np.zeros(finite.size))
        if finite.size == m:
            blocks.append(sp.csr_matrix((K, (np.zeros(m, dtype=np.int64), np.arange(m))), shape=(1, m + k)))
            lo.append(np.array([total]))
            hi.append(np.array([np.inf]))
            if p is None and min_open(K, total) > 1:                        # fewest facilities that fit
                blocks.append(sp.csr_matrix((np.ones(m), (np.zeros(m, dtype=np.int64), np.arange(m))),
                                            shape=(1, m + k)))
                lo.append(np.array([float(min_open(K, total))]))
                hi.append(np.array([np.inf]))
    if L is not None and (L > 0).any():
        lj = np.flatnonzero(L > 0)
        rows = np.searchsorted(lj, cj)
        sel = np.isin(cj, lj)
        blocks.append(sp.csr_matrix((np.concatenate([qi[sel], -L[lj]]),           # minimum load
                                     (np.concatenate([rows[sel], np.arange(lj.size)]),
                                      np.concatenate([xi[sel], lj]))), shape=(lj.size, m + k)))
        lo.append(np.zeros(lj.size))
        hi.append(np.full(lj.size, np.inf))
    if p is not None:
        blocks.append(sp.csr_matrix((np.ones(m), (np.zeros(m, dtype=np.int64), np.arange(m))),
                                    shape=(1, m + k)))
        lo.append(np.array([float(p)]))
        hi.append(np.array([float(p)]))
    A_all = sp.vstack(blocks).tocsr()
    lb = np.zeros(m + k)
    lb[fx] = 1
    ub = np.ones(m + k)
    integ = np.concatenate([np.ones(m), np.ones(k) if single_source else np.zeros(k)])
    return obj, A_all, np.concatenate(lo), np.concatenate(hi), lb, ub, integ
