"""Lagrangian heuristic for capacitated facility location with splittable demand.

Relaxing the demand constraints ``sum_j x_ij = 1`` with multipliers ``lambda_i`` decomposes the problem
(Beasley 1988, EJOR 33:314-325; Beasley 1993, EJOR 65:383-399): for each candidate ``j`` a continuous
knapsack ``g_j = min sum_i (q_i c_ij - lambda_i) x_ij`` s.t. ``sum_i q_i x_ij <= K_j``, ``0 <= x_ij <= 1``
(take the most negative reduced costs per unit first), then ``v_j = f_j + g_j`` and the facilities solve
``min sum_j v_j y_j`` s.t. ``sum_j K_j y_j >= sum_i q_i`` (its LP relaxation keeps the bound valid):

``L(lambda) = sum_i lambda_i + min_y sum_j v_j y_j  <=  optimum``.

A minimum load ``L_j`` (a smallest plant) is kept in the knapsack, ``L_j <= sum_i q_i x_ij <= K_j``: when
the negative reduced costs fill less than ``L_j``, the cheapest further demand per unit is taken up to
``L_j`` (still a continuous knapsack, solved greedily by cost per unit), and a candidate whose allowed
demand cannot reach ``L_j`` cannot open.  Dropping ``L_j`` there would keep the bound valid but weak: a
candidate could open at a negative value with a load no plant of that size may have.

Each relaxed open set with enough capacity is turned into a feasible solution by solving the
transportation LP for that set (HiGHS); the best sets are then improved by drop / add / swap moves,
each move evaluated exactly by a transportation LP (swaps ranked first by Lagrangian reduced costs).
An open set whose transportation LP is infeasible -- a candidate that cannot reach its minimum load, a
row without an open candidate, too little capacity -- is repaired (:func:`repair`): candidates below
their minimum load under the cheapest-open assignment are closed, candidates covering unserved demand
opened, until the LP is feasible.

Everything works on the allowed pairs only (per-pair arrays in column order, :class:`Pairs`): memory
is O(pairs), never rows x candidates, so a haul-limited national model (400 000 rows x 300 candidates,
2 M pairs) fits; a dense model is the case "every pair allowed".
"""

# ruff: noqa: N803, N806  (matrix notation of the OR literature: C, D, K, A, Q, S)

from __future__ import annotations

import functools

import numpy as np
import scipy.sparse as sp

from ._common import Clock


class Pairs:
    """The allowed pairs of ``Q`` in column order: ``rows[indptr[j]:indptr[j + 1]]`` (ascending) are
    the rows allowed at candidate ``j`` and ``val`` their values (``q_i c_ij``); ``cols`` the candidate
    of every pair.  Memory O(pairs)."""

    def __init__(self, Q: sp.spmatrix) -> None:
        Qc = sp.csc_matrix(Q)
        if not Qc.has_sorted_indices:
            Qc = Qc.sorted_indices()
        self.n, self.m = Qc.shape
        self.indptr = Qc.indptr.astype(np.int64)
        self.rows = Qc.indices.astype(np.int64)
        self.val = np.asarray(Qc.data, dtype=float)
        self.cols = np.repeat(np.arange(self.m, dtype=np.int64), np.diff(self.indptr))

    @functools.cached_property
    def by_row_cost(self) -> np.ndarray:
        """Pair positions sorted by row, then by value (cheapest first)."""
        return np.lexsort((self.val, self.rows))

    def col(self, j: int) -> slice:
        """The pairs of candidate ``j``."""
        return slice(int(self.indptr[j]), int(self.indptr[j + 1]))

    def of(self, S: np.ndarray) -> np.ndarray:
        """Positions of the pairs of the candidates ``S`` (in the order of ``S``)."""
        if S.size == 0:
            return np.zeros(0, dtype=np.int64)
        starts, ends = self.indptr[S], self.indptr[S + 1]
        lens = ends - starts
        if lens.sum() == 0:
            return np.zeros(0, dtype=np.int64)
        offs = np.repeat(starts - np.concatenate([[0], np.cumsum(lens)[:-1]]), lens)
        return np.arange(int(lens.sum()), dtype=np.int64) + offs

    def row_min(self, S: np.ndarray, values: np.ndarray | None = None) -> np.ndarray:
        """Per row the smallest value (``val`` unless given per pair) over the candidates ``S``;
        ``inf`` for a row without one."""
        at = self.of(np.asarray(S, dtype=np.int64))
        out = np.full(self.n, np.inf)
        np.minimum.at(out, self.rows[at], (self.val if values is None else values)[at])
        return out


class Transport:
    """Exact cost of serving all demand from an open set (transportation LP, cached)."""

    def __init__(self, Q: sp.csr_matrix, q: np.ndarray, K: np.ndarray, f: np.ndarray,
                 L: np.ndarray | None, *, clock: Clock | None = None) -> None:
        # Q: allowed pairs, values = q_i * c_ij (total cost of serving all of i from j)
        # clock: each LP stops when it runs out (an LP cut short counts as infeasible, not cached)
        self.clock = clock
        self.cut = False
        self.Q = Q.tocsc()
        self.q = q
        self.K = K
        self.f = f
        self.L = L
        self.n, self.m = Q.shape
        self.total = float(q.sum())
        self.cache: dict[bytes, tuple[float, object]] = {}
        self.calls = 0
        self.pruned = 0
        self.failed: list[np.ndarray] = []       # the latest open sets whose LP was infeasible (for repair)
        self.pairs = Pairs(Q)

    def key(self, S: np.ndarray) -> bytes:
        return np.sort(S).astype(np.int64).tobytes()

    def relaxed(self, S: np.ndarray) -> float:
        """Cheap lower bound of :meth:`evaluate`: fixed costs + cheapest open facility per row
        (capacities ignored)."""
        if S.size == 0:
            return np.inf
        return float(self.f[S].sum() + self.pairs.row_min(S).sum())

    def evaluate(self, S: np.ndarray, cutoff: float = np.inf) -> tuple[float, object]:
        """(total cost incl. fixed costs or inf, flows as (rows, cols, fraction) or None).

        With ``cutoff``, sets whose capacity-free bound is already >= cutoff return ``(inf, None)``
        without solving the LP (not cached)."""
        S = np.sort(np.asarray(S, dtype=np.int64))
        k = self.key(S)
        if k in self.cache:
            return self.cache[k]
        if np.isfinite(cutoff) and self.relaxed(S) >= cutoff:
            self.pruned += 1
            return np.inf, None
        self.cut = False
        out = self._solve(S)
        if self.cut:
            return out
        self.cache[k] = out
        if not np.isfinite(out[0]) and S.size:
            self.failed = [*self.failed[-7:], S]
        return out

    def _solve(self, S):
        from scipy.optimize import linprog  # lazy: keeps `import arealsirk.locate` light

        self.calls += 1
        if S.size == 0 or self.K[S].sum() < self.total - 1e-9 * self.total:
            return np.inf, None
        sub = self.Q[:, S].tocoo()
        rows, cols, vals = sub.row, sub.col, sub.data
        if np.bincount(rows, minlength=self.n).min() == 0:
            return np.inf, None
        fixed = float(self.f[S].sum())
        capped = np.isfinite(self.K[S])
        need_min = self.L is not None and (self.L[S] > 0).any()
        if not capped.any() and not need_min:
            # uncapacitated: cheapest allowed open facility per row
            order = np.lexsort((vals, rows))
            r, c_, v = rows[order], cols[order], vals[order]
            first = np.ones(r.size, dtype=bool)
            first[1:] = r[1:] != r[:-1]
            return fixed + float(v[first].sum()), (r[first], S[c_[first]], np.ones(int(first.sum())))
        k = rows.size
        a_eq = sp.csr_matrix((np.ones(k), (rows, np.arange(k))), shape=(self.n, k))
        qv = self.q[rows]
        ub_rows, ub_b = [], []
        cap_idx = np.flatnonzero(capped)
        if cap_idx.size:
            sel = np.isin(cols, cap_idx)
            rr = np.searchsorted(cap_idx, cols[sel])
            ub_rows.append(sp.csr_matrix((qv[sel], (rr, np.flatnonzero(sel))), shape=(cap_idx.size, k)))
            ub_b.append(self.K[S][cap_idx])
        if need_min and self.L is not None:
            lj = np.flatnonzero(self.L[S] > 0)
            sel = np.isin(cols, lj)
            rr = np.searchsorted(lj, cols[sel])
            ub_rows.append(sp.csr_matrix((-qv[sel], (rr, np.flatnonzero(sel))), shape=(lj.size, k)))
            ub_b.append(-self.L[S][lj])
        a_ub = sp.vstack(ub_rows).tocsr() if ub_rows else None
        b_ub = np.concatenate(ub_b) if ub_b else None
        left = np.inf if self.clock is None else self.clock.left()
        res = linprog(vals, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=np.ones(self.n), bounds=(0, 1),
                      method="highs", options={"time_limit": max(left, 0.01)} if np.isfinite(left) else None)
        if res.status != 0:
            self.cut = res.status == 1                 # the time limit, not infeasibility
            return np.inf, None
        x = res.x
        keep = x > 1e-9
        return fixed + float(res.fun), (rows[keep], S[cols[keep]], x[keep])


def lagrangian_cfl(Q: sp.csr_matrix, q: np.ndarray, K: np.ndarray, f: np.ndarray, fixed: np.ndarray,
                   tr: Transport, clock: Clock, *, max_iter: int, check=None, keep: int = 3,
                   near: float = 0.01, report=None, L: np.ndarray | None = None,
                   lam0: np.ndarray | None = None):
    """Subgradient optimisation.

    Returns (lower bound, best open set, its cost, reduced values v, the ``keep`` best distinct open
    sets found -- those within ``near`` (relative) of the best are evaluated exactly).  ``L`` is the
    minimum load per candidate (``None``: none); a candidate that cannot reach it has ``v = inf``.
    ``lam0`` are the starting multipliers (``None``: the cheapest cost of serving each row); with the
    demand duals of the LP relaxation and ``max_iter=1`` this is the Lagrangian value at the LP
    optimum, which equals the LP bound (the per-candidate subproblem has the integrality property).
    """
    n, m = Q.shape
    P = tr.pairs if tr.pairs.n == n and tr.pairs.m == m else Pairs(Q)
    total = float(q.sum())
    # start: lambda_i = cheapest total cost of serving i (a common, feasible-ish start)
    lam = P.row_min(np.arange(m)) if lam0 is None else np.asarray(lam0, dtype=float).copy()
    lam[~np.isfinite(lam)] = 0.0
    is_fixed = np.zeros(m, dtype=bool)
    is_fixed[fixed] = True
    best_lb = -np.inf
    best_ub, best_S = np.inf, None
    theta, since = 2.0, 0
    qpos = np.where(q > 0, q, 1.0)
    v_best = None
    capv = np.where(np.isfinite(K), K, total)
    pmin = min_open(K, total)
    none = np.zeros(0, dtype=np.int64)
    found: dict[bytes, tuple[float, np.ndarray]] = {}
    for it in range(max_iter):
        if clock.expired():
            break
        if check is not None:
            check()
        if report is not None and it % 10 == 0:
            report(it / max_iter, f"facility location: Lagrangian iteration {it}, bound {best_lb:,.6g}, "
                                  f"best {best_ub:,.6g}")
        red = P.val - lam[P.rows]                                  # reduced costs of x_ij, per pair
        x, g = _knapsacks(P, red, q, qpos, K, L=L)
        v = f + g
        # facility choice: LP relaxation of min v.y s.t. K.y >= total, sum y >= pmin, y_fixed = 1
        y, value_y = y_choice(v, capv, total, pmin, fixed, none)
        if y is None:
            break
        lb = float(lam.sum() + value_y)
        if lb > best_lb + 1e-12 * max(1.0, abs(best_lb)) or not np.isfinite(best_lb):
            best_lb, since, v_best = lb, 0, v.copy()
        else:
            since += 1
            if since >= 15:
                theta /= 2
                since = 0
        yr = y > 0
        S = np.flatnonzero(yr)
        cutoff = best_ub * (1 + near) if np.isfinite(best_ub) else np.inf
        cost, _ = tr.evaluate(S, cutoff=cutoff)
        if not np.isfinite(cost) and L is not None and tr.key(S) in tr.cache:
            # infeasible (not pruned): the set without the candidates below their minimum load
            S2 = screen(S, tr, fixed)
            if S2 is not None and not np.array_equal(S2, S):
                S = S2
                cost, _ = tr.evaluate(S, cutoff=cutoff)
        if np.isfinite(cost):
            found[S.tobytes()] = (cost, S)
        if cost < best_ub:
            best_ub, best_S = cost, S
        # the gap closes only once a feasible open set is known (inf - lb <= inf would stop at once)
        if (np.isfinite(best_ub) and best_ub - best_lb <= 1e-9 * max(1.0, abs(best_ub))) or theta < 1e-4:
            break
        sub = 1.0 - np.bincount(P.rows, weights=x * yr[P.cols], minlength=n)
        norm = float(sub @ sub)
        if norm == 0:
            break
        target = best_ub if np.isfinite(best_ub) else lb * 1.1 + 1
        lam = lam + theta * (target - lb) / norm * sub
    starts = [t[1] for t in sorted(found.values(), key=lambda t: t[0])[:keep]]
    return best_lb, best_S, best_ub, v_best, starts


def _knapsacks(P: Pairs, red: np.ndarray, q: np.ndarray, qpos: np.ndarray, K: np.ndarray, *,
               L: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate ``j`` the continuous knapsack ``min sum_i red_ij x_ij`` s.t.
    ``L_j <= sum_i q_i x_ij <= K_j`` over the allowed pairs (``red`` and the returned ``x`` per pair).

    Takes the most negative reduced costs per unit of demand first (up to ``K_j``), then, below
    ``L_j``, the cheapest further allowed demand per unit up to ``L_j``; returns ``(x, g)`` with ``g_j``
    the knapsack's value (``inf`` when the allowed demand of ``j`` is below ``L_j``).
    """
    m = P.m
    x = np.zeros(red.size)
    g = np.zeros(m)
    for j in range(m):
        at = P.col(j)
        rj, qj, xj = red[at], q[P.rows[at]], x[at]          # xj: a view, written in place
        idx = np.flatnonzero(rj < 0)
        if idx.size and (not np.isfinite(K[j]) or qj[idx].sum() <= K[j]):
            xj[idx] = 1.0
            g[j] = rj[idx].sum()
        elif idx.size:
            g[j] = _fill_to_capacity(rj, qj, qpos[P.rows[at]], float(K[j]), xj, idx)
        if L is not None and L[j] > 0:
            g[j] += _fill_to_min_load(rj, qj, qpos[P.rows[at]], float(L[j]), xj)
    return x, g


def _fill_to_min_load(rj: np.ndarray, qj: np.ndarray, qposj: np.ndarray, load: float,
                      xj: np.ndarray) -> float:
    """Raise one candidate's shares ``xj`` (its pairs: reduced costs ``rj``, demands ``qj``) to the
    minimum load at the least reduced cost per unit; the cost added, or ``inf`` when the allowed demand
    cannot reach ``load``."""
    used = float(qj @ xj)
    if used >= load * (1 - 1e-12):
        return 0.0
    rest = np.flatnonzero((xj < 1.0) & (qj > 0))
    room = qj[rest] * (1.0 - xj[rest])
    if room.sum() < (load - used) * (1 - 1e-12):
        return np.inf
    order = np.argsort(rj[rest] / qposj[rest], kind="stable")
    rows, room = rest[order], room[order]
    cum = np.cumsum(room)
    k = min(int(np.searchsorted(cum, (load - used) * (1 - 1e-12))), rows.size - 1)
    take = room[: k + 1].copy()
    take[k] = (load - used) - (cum[k - 1] if k > 0 else 0.0)
    share = take / qj[rows[: k + 1]]
    xj[rows[: k + 1]] += share
    return float(rj[rows[: k + 1]] @ share)


def _fill_to_capacity(rj: np.ndarray, qj: np.ndarray, qposj: np.ndarray, cap: float, xj: np.ndarray,
                      idx: np.ndarray) -> float:
    """The negative reduced costs ``idx`` of one candidate by cost per unit up to its capacity ``cap``
    (the last one in part); sets ``xj`` and returns the value."""
    order = idx[np.argsort(rj[idx] / qposj[idx])]
    cum = np.cumsum(qj[order])
    full = order[cum <= cap]
    xj[full] = 1.0
    used = qj[full].sum()
    value = float(rj[full].sum())
    nxt = order[cum > cap]
    if nxt.size:
        frac = (cap - used) / qj[nxt[0]] if qj[nxt[0]] > 0 else 0.0
        xj[nxt[0]] = frac
        value += frac * rj[nxt[0]]
    return value


def local_search(S: np.ndarray, cost: float, tr: Transport, fixed: np.ndarray, v: np.ndarray | None,
                 clock: Clock, *, swap_candidates: int = 8, check=None,
                 report=None) -> tuple[np.ndarray, float]:
    """Drop / add / swap descent on the open set, each move evaluated by the transportation LP."""
    m = tr.m
    is_fixed = np.zeros(m, dtype=bool)
    is_fixed[fixed] = True
    S = np.sort(S)
    improved = True
    rank = v if v is not None else tr.f
    rounds = 0
    while improved and not clock.expired():
        improved = False
        if check is not None:
            check()
        if report is not None:
            # the number of rounds is not known in advance: approach 1 geometrically
            report(1.0 - 0.5 ** rounds, f"facility location: local search round {rounds + 1}, "
                                        f"cost {cost:,.6g}")
        rounds += 1
        c2, S2 = _best_move(S, cost, tr, is_fixed, rank, clock, swap_candidates)
        if S2 is not None:
            cost, S = c2, S2
            improved = True
    return S, cost


def _best_move(S: np.ndarray, cost: float, tr: Transport, is_fixed: np.ndarray, rank: np.ndarray,
               clock: Clock, swap_candidates: int) -> tuple[float, np.ndarray | None]:
    """The best improving drop or add move; swaps only when neither improves.  ``(cost, None)`` if none."""
    best_c, best_S = cost, None
    moves: list[np.ndarray] = [S[j != S] for j in S[~is_fixed[S]]]                          # drop
    closed = np.setdiff1d(np.arange(tr.m), S)
    moves += [np.sort(np.append(S, j)) for j in closed]                                      # add
    for S2 in moves:
        if clock.expired():
            break
        c2, _ = tr.evaluate(S2, cutoff=best_c)
        if c2 < best_c - 1e-9 * abs(cost):
            best_c, best_S = c2, S2
    if best_S is None:
        # swap: closed candidates with the best Lagrangian values in for each open one
        ins = closed[np.argsort(rank[closed])][:swap_candidates]
        for r in S[~is_fixed[S]]:
            for j in ins:
                if clock.expired():
                    break
                S2 = np.sort(np.append(S[r != S], j))
                c2, _ = tr.evaluate(S2, cutoff=best_c)
                if c2 < best_c - 1e-9 * abs(cost):
                    best_c, best_S = c2, S2
    return best_c, best_S


def repair(S: np.ndarray, tr: Transport, fixed: np.ndarray, clock: Clock, *,
           check=None) -> tuple[np.ndarray | None, float]:
    """A feasible open set near ``S`` when the transportation LP of ``S`` is infeasible.

    Repeats until the LP of the set is feasible: when a row has no open allowed candidate or the open
    capacity is below the demand, opens the closed candidate reaching the most such demand (the largest
    capacity); otherwise closes the open candidate (not ``fixed``) with the lowest load per unit of
    minimum load under the cheapest-open assignment (capacities ignored) -- the steps that need no LP
    (:func:`screen`: openings, and closings while that load is below the minimum) run before each
    LP --, or, without minimum loads, opens the closed candidate reaching the most demand of
    overloaded candidates.  A closed candidate is never reopened, so it
    stops after at most ``2 m`` steps.  When some row may stay unserved at no minimum load (a
    ``fixed`` candidate of unlimited capacity allowed for every row, e.g. a "not collected" column),
    closing is always enough: the set of the ``fixed`` candidates alone is feasible and is reached at
    the latest.  Returns ``(set, cost)``, ``(None, inf)`` when no step applies or time runs out.
    """
    fixed = np.asarray(fixed, dtype=np.int64)
    S = np.union1d(np.asarray(S, dtype=np.int64), fixed)
    banned = np.zeros(tr.m, dtype=bool)          # closed by the repair: never reopened
    for _ in range(2 * tr.m + 2):
        if clock.expired():
            break
        if check is not None:
            check()
        S1 = screen(S, tr, fixed, banned)
        if S1 is None:
            break
        S = S1
        cost, _ = tr.evaluate(S)
        if np.isfinite(cost):
            return S, cost
        step = _repair_step(S, tr, fixed, banned)
        if step is None:
            break
        S = step[0]
    return None, np.inf


def screen(S: np.ndarray, tr: Transport, fixed: np.ndarray, banned: np.ndarray | None = None
           ) -> np.ndarray | None:
    """The steps of :func:`repair` that need no LP, repeated: open candidates for rows without one
    (or missing capacity) and close those below their minimum load under the cheapest-open
    assignment, until neither applies.  ``None`` when a row stays without an open candidate."""
    banned = np.zeros(tr.m, dtype=bool) if banned is None else banned
    S = np.asarray(S, dtype=np.int64)
    for _ in range(2 * tr.m + 2):
        step = _repair_step(S, tr, np.asarray(fixed, dtype=np.int64), banned)
        if step is None:
            return S if _covered(S, tr) else None
        if step[1] not in ("open", "below"):
            return S
        S = step[0]
    return S


def _covered(S: np.ndarray, tr: Transport) -> bool:
    """Every row with demand has an open allowed candidate."""
    covered = np.zeros(tr.pairs.n, dtype=bool)
    covered[tr.pairs.rows[tr.pairs.of(S)]] = True
    return bool(covered[tr.q > 0].all())


def _repair_step(S: np.ndarray, tr: Transport, fixed: np.ndarray, banned: np.ndarray
                 ) -> tuple[np.ndarray, str] | None:
    """One step of :func:`repair`: the next open set and what the step did (``"open"``, ``"below"``:
    closed the candidates below their minimum load, ``"lowest"``: closed the lowest one, ``"over"``:
    opened a candidate next to overloaded ones), or ``None``."""
    P, m, q = tr.pairs, tr.m, tr.q
    is_open = np.zeros(m, dtype=bool)
    is_open[S] = True
    at = P.of(S)
    covered = np.zeros(P.n, dtype=bool)
    covered[P.rows[at]] = True
    capv = np.where(np.isfinite(tr.K), tr.K, tr.total)
    unserved = ~covered & (q > 0)
    if unserved.any() or capv[S].sum() < tr.total * (1 - 1e-12):
        reach = np.bincount(P.cols, weights=q[P.rows] * unserved[P.rows], minlength=m)
        return _open_best(S, is_open, banned, reach if unserved.any() else capv, "open")
    order = P.by_row_cost[is_open[P.cols[P.by_row_cost]]]     # open pairs by row, cheapest first
    first = np.ones(order.size, dtype=bool)
    first[1:] = P.rows[order[1:]] != P.rows[order[:-1]]
    cheap = order[first]
    load = np.bincount(P.cols[cheap], weights=q[P.rows[cheap]], minlength=m)
    is_fixed = np.zeros(m, dtype=bool)
    is_fixed[fixed] = True
    L = tr.L
    droppable = is_open & ~is_fixed & (L > 0) if L is not None else np.zeros(m, dtype=bool)
    if droppable.any():
        assert L is not None
        ratio = np.where(droppable, load / np.where(L > 0, L, 1.0), np.inf)
        j = int(np.argmin(ratio))                # the lowest load per unit of minimum load
        banned[j] = True
        below = bool(ratio[j] < 1 - 1e-12)
        return np.setdiff1d(S, [j]), ("below" if below else "lowest")
    over = is_open & (load > tr.K * (1 + 1e-12))
    rows_over = np.zeros(P.n, dtype=bool)
    rows_over[P.rows[cheap[over[P.cols[cheap]]]]] = True
    reach = np.bincount(P.cols, weights=q[P.rows] * rows_over[P.rows], minlength=m)
    return _open_best(S, is_open, banned, reach, "over")


def _open_best(S: np.ndarray, is_open: np.ndarray, banned: np.ndarray, score: np.ndarray,
               kind: str) -> tuple[np.ndarray, str] | None:
    """``S`` plus the closed, never-closed candidate of the highest positive ``score`` (``None``: none)."""
    ok = ~is_open & ~banned & (score > 0)
    if not ok.any():
        return None
    j = int(np.argmax(np.where(ok, score, -np.inf)))
    return np.sort(np.append(S, j)), kind


def min_open(K: np.ndarray, total: float) -> int:
    """Fewest facilities whose capacities can hold ``total``: ``sum_j y_j >= min_open`` is valid."""
    if not np.isfinite(K).all():
        return 1
    cum = np.cumsum(np.sort(K)[::-1])
    return min(int(np.searchsorted(cum, total * (1 - 1e-12))) + 1, int(K.size))


def y_choice(v: np.ndarray, capv: np.ndarray, total: float, pmin: int, one: np.ndarray,
             zero: np.ndarray) -> tuple[np.ndarray | None, float]:
    """LP of ``min v.y`` s.t. ``capv.y >= total``, ``sum y >= pmin``, ``y = 1`` on ``one``, ``0`` on ``zero``.

    The greedy continuous knapsack solves it unless its answer opens fewer than ``pmin`` (then a
    two-row LP).  Returns ``(y, value)``, ``(None, inf)`` when infeasible.
    """
    m = v.size
    y = np.zeros(m)
    y[one] = 1.0
    if not np.isfinite(v[one]).all():            # a forced candidate that cannot reach its minimum load
        return None, np.inf
    free = np.isfinite(v)
    free[one] = False
    free[zero] = False
    y[free & (v < 0)] = 1.0
    have = float((capv * y).sum())
    if have < total:
        cand = np.flatnonzero(free & (y == 0))
        for j in cand[np.argsort(v[cand] / np.maximum(capv[cand], 1e-12), kind="stable")]:
            need = total - have
            if capv[j] >= need:
                y[j] = need / capv[j]
                have = total
                break
            y[j] = 1.0
            have += capv[j]
        if have < total * (1 - 1e-12):
            return None, np.inf
    if y.sum() >= pmin - 1e-9:
        return y, _dot(v, y)
    from scipy.optimize import linprog

    idx = np.flatnonzero(free)
    res = linprog(v[idx], A_ub=-np.vstack([capv[idx], np.ones(idx.size)]),
                  b_ub=-np.array([total - capv[one].sum(), pmin - one.size]), bounds=(0, 1),
                  method="highs")
    if res.status != 0:
        return None, np.inf
    y = np.zeros(m)
    y[one] = 1.0
    y[idx] = res.x
    return y, _dot(v, y)


def _dot(v: np.ndarray, y: np.ndarray) -> float:
    """``v . y`` over the chosen candidates (``v`` is ``inf`` where ``y`` is 0 and a candidate cannot
    open)."""
    on = y > 0
    return float(v[on] @ y[on])


def _y_value(v: np.ndarray, capv: np.ndarray, total: float, pmin: int, one: np.ndarray,
             zero: np.ndarray) -> float:
    return y_choice(v, capv, total, pmin, one, zero)[1]


def probe_fixings(v: np.ndarray, lb: float, K: np.ndarray, total: float, fixed: np.ndarray,
                  upper: float) -> tuple[np.ndarray, np.ndarray]:
    """Candidates that can be closed / must be open in every solution cheaper than ``upper``.

    ``lb = sum_i lambda_i + Y(v)`` is the Lagrangian bound at the multipliers that produced ``v``;
    forcing ``y_j`` to the other value gives the bound ``lb - Y(v) + Y(v | y_j forced)``, which is a
    valid lower bound of every solution with that value of ``y_j`` (Beasley 1988, EJOR 33:314-325).
    """
    m = v.size
    capv = np.where(np.isfinite(K), K, total)
    none = np.zeros(0, dtype=np.int64)
    pmin = min_open(K, total)
    base = _y_value(v, capv, total, pmin, fixed, none)
    const = lb - base
    tol = 1e-9 * max(1.0, abs(upper))
    close, keep_open = [], []
    for j in range(m):
        if j in fixed:
            continue
        one = np.append(fixed, j)
        if const + _y_value(v, capv, total, pmin, one, none) > upper + tol:
            close.append(j)
        elif const + _y_value(v, capv, total, pmin, fixed, np.array([j])) > upper + tol:
            keep_open.append(j)
    return np.asarray(close, dtype=np.int64), np.asarray(keep_open, dtype=np.int64)
