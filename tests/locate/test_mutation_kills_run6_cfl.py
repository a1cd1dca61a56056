# ruff: noqa: N803, N806  (the notation D, q, K, f, L, Q, S of the module under test)
"""Run-6 mutation kills for ``locate/_cfl_heuristic.py`` and ``locate/facility.py``.

Every figure is checked against a second computation written out here:

- the Lagrangian value ``L(lambda)`` at given multipliers is the LP of the relaxed problem (demand rows
  dropped, ``x_ij <= y_j``, ``L_j y_j <= sum_i q_i x_ij <= K_j y_j``, ``sum_j K_j y_j >= total``,
  ``sum_j y_j >= p_min``, ``0 <= x, y <= 1``) solved with scipy's ``linprog``; the reduced value ``v_j`` of
  a candidate is its own knapsack LP;
- the subgradient search is replayed step by step with those LP oracles (Beasley 1993's update
  ``lambda += theta (UB - L) / |s|^2 s``, ``theta`` halved after 15 steps without a better bound);
- probing is recomputed from the LP of the facility choice with ``y_j`` forced;
- the local search is replayed on the table of exact costs of every open set
  (``locate_brute.transport_lp``).
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

from arealsirk.locate import facility_location
from arealsirk.locate._cfl_heuristic import (
    Transport,
    lagrangian_cfl,
    local_search,
    probe_fixings,
)
from arealsirk.locate._common import Clock

from .locate_brute import brute_cfl, transport_lp

NONE = np.zeros(0, dtype=np.int64)


def _instance(seed, n=6, m=5, *, capped=True, holes=True, loads=False):
    """Random continuous costs (no ties), integer demands and capacities."""
    rng = np.random.default_rng(seed)
    D = rng.uniform(1.0, 20.0, size=(n, m))
    if holes:
        D[rng.random((n, m)) < 0.25] = np.inf
        keep = rng.integers(0, m, n)
        D[np.arange(n), keep] = rng.uniform(1.0, 20.0, n)  # every row keeps a pair
    q = rng.integers(1, 7, n).astype(float)
    K = rng.integers(5, 16, m).astype(float) if capped else np.full(m, np.inf)
    if capped and K.sum() < q.sum():
        K *= 2
    f = rng.uniform(5.0, 40.0, m)
    L = None
    if loads:
        L = np.where(rng.random(m) < 0.5, rng.integers(1, 6, m).astype(float), 0.0)
        L = np.minimum(L, np.where(np.isfinite(K), K, np.inf))
    r, c = np.nonzero(np.isfinite(D))
    Q = sp.csr_matrix(((D * q[:, None])[r, c], (r, c)), shape=(n, m))
    return D, q, K, f, L, Q


def _pmin(K, total):
    """Fewest candidates whose capacities hold the total (1 when any is uncapacitated)."""
    if not np.isfinite(K).all():
        return 1
    s = 0.0
    for k, cap in enumerate(sorted(K, reverse=True), start=1):
        s += cap
        if s >= total - 1e-12 * total:
            return k
    return len(K)


def _knapsack_lp(D, q, K, L, lam, j):
    """``g_j = min sum_i (q_i c_ij - lambda_i) x_ij`` s.t. ``L_j <= sum_i q_i x_ij <= K_j``, 0..1."""
    ok = np.isfinite(D[:, j])
    red = np.where(ok, q * np.where(ok, D[:, j], 0.0) - lam, 0.0)
    a_ub, b_ub = [], []
    if np.isfinite(K[j]):
        a_ub.append(q)
        b_ub.append(K[j])
    if L is not None and L[j] > 0:
        a_ub.append(-q)
        b_ub.append(-L[j])
    res = linprog(red, A_ub=np.array(a_ub) if a_ub else None, b_ub=b_ub if b_ub else None,
                  bounds=[(0, 1 if o else 0) for o in ok], method="highs")
    if res.status != 0:
        return np.inf, None
    return float(res.fun), res.x


def _y_lp(v, capv, total, pmin, one=(), zero=()):
    """``min v.y`` s.t. ``capv.y >= total``, ``sum y >= pmin``; an ``inf`` value keeps its candidate shut."""
    one, zero = set(int(j) for j in one), set(int(j) for j in zero)
    if any(not np.isfinite(v[j]) for j in one):
        return np.inf, None
    bounds = [(1, 1) if j in one else (0, 0) if (j in zero or not np.isfinite(v[j])) else (0, 1)
              for j in range(v.size)]
    res = linprog(np.where(np.isfinite(v), v, 0.0), A_ub=-np.vstack([capv, np.ones(v.size)]),
                  b_ub=[-total, -pmin], bounds=bounds, method="highs")
    if res.status != 0:
        return np.inf, None
    return float(res.fun), res.x


def _reduced_values(D, q, K, f, L, lam):
    """``v_j = f_j + g_j`` with ``g_j`` the knapsack LP of candidate ``j`` (``inf``: it cannot open)."""
    return np.array([f[j] + _knapsack_lp(D, q, K, L, lam, j)[0] for j in range(D.shape[1])])


def _lagrangian(D, q, K, f, L, lam, fixed=()):
    """``(L(lambda), x, y)`` from one LP over ``(y, x)``: demand rows dropped, ``x_ij <= y_j``,
    ``L_j y_j <= load_j <= K_j y_j``, ``sum_j K_j y_j >= total``, ``sum_j y_j >= p_min``; ``x[:, j]`` is
    returned per unit of ``y_j`` (the knapsack solution of an open candidate)."""
    n, m = D.shape
    total = float(q.sum())
    r, c = np.nonzero(np.isfinite(D))
    P = r.size
    cost = np.concatenate([f, q[r] * D[r, c] - lam[r]])
    rows, rhs = [], []
    for t in range(P):                                   # x_ij <= y_j
        a = np.zeros(m + P)
        a[m + t], a[c[t]] = 1.0, -1.0
        rows.append(a)
        rhs.append(0.0)
    for j in range(m):
        idx = m + np.flatnonzero(c == j)
        if np.isfinite(K[j]):                            # load <= K_j y_j
            a = np.zeros(m + P)
            a[idx], a[j] = q[r[c == j]], -K[j]
            rows.append(a)
            rhs.append(0.0)
        if L is not None and L[j] > 0:                   # load >= L_j y_j
            a = np.zeros(m + P)
            a[idx], a[j] = -q[r[c == j]], L[j]
            rows.append(a)
            rhs.append(0.0)
    a = np.zeros(m + P)
    a[:m] = -np.where(np.isfinite(K), K, total)
    rows.append(a)
    rhs.append(-total)
    a = np.zeros(m + P)
    a[:m] = -1.0
    rows.append(a)
    rhs.append(-_pmin(K, total))
    bounds = [(1, 1) if j in set(fixed) else (0, 1) for j in range(m)] + [(0, 1)] * P
    res = linprog(cost, A_ub=np.array(rows), b_ub=rhs, bounds=bounds, method="highs")
    assert res.status == 0
    y = res.x[:m]
    x = np.zeros((n, m))
    x[r, c] = res.x[m:] / np.where(y[c] > 1e-9, y[c], 1.0)
    x[:, y <= 1e-9] = 0.0
    return float(res.fun + lam.sum()), x, y


def _transport_min_load(D, q, K, L, S):
    """Cheapest split flows of all demand to the open set ``S`` with capacities and minimum loads."""
    n, k = D.shape[0], len(S)
    if K[S].sum() < q.sum() - 1e-9:
        return np.inf
    cost = (D[:, S] * q[:, None]).ravel()
    fin = np.isfinite(cost)
    a_eq = np.kron(np.eye(n), np.ones(k))
    cap = np.zeros((k, n * k))
    for j in range(k):
        cap[j, j::k] = q
    a_ub = np.vstack([cap, -cap])
    b_ub = np.concatenate([np.where(np.isfinite(K[S]), K[S], 1e12), -L[S]])
    res = linprog(np.where(fin, cost, 0), A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=np.ones(n),
                  bounds=[(0, 1 if x else 0) for x in fin], method="highs")
    return float(res.fun) if res.status == 0 else np.inf


def _costs(D, q, K, f, L=None):
    """Exact cost of every open set (fixed costs + the independent transportation LP)."""
    m = D.shape[1]
    Kb = np.where(np.isfinite(K), K, 1e9)
    out = {}
    for k in range(1, m + 1):
        for S in itertools.combinations(range(m), k):
            t = transport_lp(D, q, Kb, S) if L is None else _transport_min_load(D, q, K, L, list(S))
            out[S] = float(f[list(S)].sum() + t)
    return out


def _relaxed(D, q, f, S):
    """Fixed costs + the cheapest open candidate per row, capacities ignored."""
    sub = (D * q[:, None])[:, list(S)]
    return float(f[list(S)].sum() + sub.min(axis=1).sum())


def _replay(D, q, K, f, L, fixed, costs, *, max_iter, lam0=None, keep=3, near=0.01, ties=0.0):
    """The subgradient search of Beasley (1993) with LP oracles: ``(lb, S, ub, v, starts, lambdas)``.

    ``v`` are the reduced values at the multipliers of the best bound.  ``ties > 0``: the knapsack of an
    open candidate breaks ties of cost per unit toward the lower row and leaves a zero reduced cost out
    (a cost ``ties * (i + 1)`` per unit added to row ``i``)."""
    cheapest = np.min(np.where(np.isfinite(D), D * q[:, None], np.inf), axis=1)
    lam = (cheapest if lam0 is None else np.asarray(lam0, dtype=float)).copy()
    lam[~np.isfinite(lam)] = 0.0
    best_lb, best_ub, best_S, lam_best = -np.inf, np.inf, None, None
    theta, since = 2.0, 0
    found, seen, lams = {}, {}, []
    for _ in range(max_iter):
        lams.append(lam.copy())
        lb, x, y = _lagrangian(D, q, K, f, L, lam, fixed)
        if lb > best_lb + 1e-12 * max(1.0, abs(best_lb)) or not np.isfinite(best_lb):
            best_lb, since, lam_best = lb, 0, lam.copy()
        else:
            since += 1
            if since >= 15:
                theta /= 2
                since = 0
        yr = y > 1e-9
        S = tuple(np.flatnonzero(yr).tolist())
        if ties:
            for j in S:
                x[:, j] = _knapsack_lp(D, q, K, L, lam - ties * np.arange(1, q.size + 1) * q, j)[1]
        cutoff = best_ub * (1 + near) if np.isfinite(best_ub) else np.inf
        if S in seen:
            cost = seen[S]
        elif np.isfinite(cutoff) and _relaxed(D, q, f, S) >= cutoff:
            cost = np.inf
        else:
            cost = seen[S] = costs[S]
        if np.isfinite(cost):
            found[S] = cost
        if cost < best_ub:
            best_ub, best_S = cost, S
        # the gap test waits for a feasible open set (bug (a) of wave 7: ``inf <= inf`` stopped at once)
        if (np.isfinite(best_ub) and best_ub - best_lb <= 1e-9 * max(1.0, abs(best_ub))) or theta < 1e-4:
            break
        sub = 1.0 - (x * yr[None, :]).sum(axis=1)
        norm = float(sub @ sub)
        if norm == 0:
            break
        target = best_ub if np.isfinite(best_ub) else lb * 1.1 + 1
        lam = lam + theta * (target - lb) / norm * sub
    starts = [S for S, _ in sorted(found.items(), key=lambda t: t[1])[:keep]]
    return best_lb, best_S, best_ub, _reduced_values(D, q, K, f, L, lam_best), starts, lams


# ----------------------------------------------------------------------------------------------------
# the Lagrangian value at given multipliers
# ----------------------------------------------------------------------------------------------------

CASES = [(s, capped, loads) for s in range(8) for capped, loads in
         [(True, False), (False, False), (True, True), (False, True)]]


@pytest.mark.parametrize(("seed", "capped", "loads"), CASES[:20])
def test_lagrangian_value_and_reduced_values_match_the_lp(seed, capped, loads):
    D, q, K, f, L, Q = _instance(seed, capped=capped, loads=loads)
    rng = np.random.default_rng(1000 + seed)
    cheapest = np.min(np.where(np.isfinite(D), D * q[:, None], np.inf), axis=1)
    fixed = np.array([seed % 5]) if seed % 3 == 0 else NONE
    lams = [None, cheapest * rng.uniform(0.5, 2.5, q.size)] if seed % 2 else [rng.uniform(0, 80, q.size)]
    for lam in lams:
        tr = Transport(Q, q, K, f, L)
        lb, _, _, v, _ = lagrangian_cfl(Q, q, K, f, fixed, tr, Clock(None), max_iter=1, L=L, lam0=lam)
        lam = cheapest if lam is None else lam
        assert lb == pytest.approx(_lagrangian(D, q, K, f, L, lam, fixed)[0], rel=1e-7, abs=1e-7)
        v_want = _reduced_values(D, q, K, f, L, lam)
        fin = np.isfinite(v_want)
        assert (np.isfinite(v) == fin).all()
        assert v[fin] == pytest.approx(v_want[fin], rel=1e-7, abs=1e-7)


KINDS = [(True, False, True, 40), (False, False, False, 40), (True, True, True, 40), (False, True, False, 40)]
REPLAY = [(s, capped, loads, holes, it) for s in range(4) for capped, loads, holes, it in KINDS]
REPLAY += [(0, False, False, True, 40), (6, True, False, True, 300), (7, False, False, False, 300),
           (2, True, False, True, 120)]


@pytest.mark.parametrize(("seed", "capped", "loads", "holes", "iters"), REPLAY)
def test_subgradient_search_replayed_with_lp_oracles(seed, capped, loads, holes, iters):
    D, q, K, f, L, Q = _instance(seed, capped=capped, loads=loads, holes=holes)
    costs = _costs(D, q, K, f, L)
    fixed = np.array([seed % 5]) if seed % 3 == 0 else NONE
    # a start off the cheapest cost per row: no reduced cost is exactly 0, so every knapsack and
    # facility choice has one optimum and the LP oracles pick the same x and y as the greedy ones
    rng = np.random.default_rng(2000 + seed)
    lam0 = np.min(np.where(np.isfinite(D), D * q[:, None], np.inf), axis=1) * rng.uniform(0.6, 1.4, q.size)
    want = _replay(D, q, K, f, L, fixed, costs, max_iter=iters, lam0=lam0)
    tr = Transport(Q, q, K, f, L)
    lb, S, ub, v, starts = lagrangian_cfl(Q, q, K, f, fixed, tr, Clock(None), max_iter=iters, L=L,
                                          lam0=lam0)
    assert lb == pytest.approx(want[0], rel=1e-7, abs=1e-7)
    assert (S is None and want[1] is None) or tuple(S) == want[1]
    assert ub == pytest.approx(want[2], rel=1e-9)
    assert v == pytest.approx(want[3], rel=1e-7, abs=1e-7)
    assert [tuple(s) for s in starts] == want[4]


# ----------------------------------------------------------------------------------------------------
# probing: the bound with one candidate forced open / shut, from the LP of the facility choice
# ----------------------------------------------------------------------------------------------------

def _probe_bounds(v, lb, K, total, fixed):
    """Per candidate the bound with ``y_j = 1`` and with ``y_j = 0`` (``lb - Y(v) + Y(v | y_j)``)."""
    capv = np.where(np.isfinite(K), K, total)
    pmin = _pmin(K, total)
    const = lb - _y_lp(v, capv, total, pmin, one=fixed)[0]
    shut_b, open_b = {}, {}
    for j in range(v.size):
        if j in set(fixed.tolist()):
            continue
        shut_b[j] = const + _y_lp(v, capv, total, pmin, one=[*fixed.tolist(), j])[0]
        open_b[j] = const + _y_lp(v, capv, total, pmin, one=fixed, zero=[j])[0]
    return shut_b, open_b


def _check_probe(v, lb, K, total, fixed):
    shut_b, open_b = _probe_bounds(v, lb, K, total, fixed)
    marks = sorted({b for b in [*shut_b.values(), *open_b.values()] if np.isfinite(b)})
    uppers = [marks[0] - 1.0, marks[-1] + 1.0] + [(a + b) / 2 for a, b in itertools.pairwise(marks)]
    n_close = n_open = 0
    for upper in uppers:
        close, keep_open = probe_fixings(v, lb, K, total, fixed, upper)
        want_close = [j for j, b in shut_b.items() if b > upper]
        want_open = [j for j, b in open_b.items() if b > upper and j not in want_close]
        assert close.tolist() == want_close, (upper, shut_b)
        assert keep_open.tolist() == want_open, (upper, open_b)
        assert close.dtype == np.int64 and keep_open.dtype == np.int64
        n_close += len(want_close)
        n_open += len(want_open)
    return n_close, n_open


@pytest.mark.parametrize(("seed", "capped", "loads"), CASES[::2])
def test_probing_matches_the_forced_facility_lp(seed, capped, loads):
    _, q, K, f, L, Q = _instance(seed, capped=capped, loads=loads)
    fixed = np.array([seed % 5]) if seed % 3 == 0 else NONE
    tr = Transport(Q, q, K, f, L)
    lb, _, _, v, _ = lagrangian_cfl(Q, q, K, f, fixed, tr, Clock(None), max_iter=30, L=L)
    assert np.isfinite(lb)
    _check_probe(v, lb, K, float(q.sum()), fixed)


@pytest.mark.parametrize("seed", range(12))
def test_probing_on_random_values_closes_and_opens(seed):
    rng = np.random.default_rng(300 + seed)
    m = 6
    v = rng.normal(3.0, 10.0, m)
    if seed % 4 == 1:
        v[rng.integers(0, m)] = np.inf                 # a candidate that cannot reach its minimum load
    K = rng.integers(3, 12, m).astype(float)
    if seed % 4 == 2:
        K[rng.integers(0, m)] = np.inf
    total = float(rng.integers(8, 30))
    fixed = np.array([int(np.argmin(v))]) if seed % 3 == 0 else NONE
    lb = float(rng.uniform(50, 100))
    n_close, n_open = _check_probe(v, lb, K, total, fixed)
    assert n_close > 0 and n_open > 0


def test_probing_by_hand():
    # v = (-10, 4, 6), capacities 10 each, total 15: p_min = 2; Y(v) = -10 + 4*0.5... the LP opens 0 and
    # half of 1 for capacity, but sum y >= 2 needs y_1 = 1: Y = -10 + 4 = -6.  lb = 100: const = 106.
    # y_2 = 1: Y = -10 + 4*0 + 6 = -4 (0 and 2 hold 20 >= 15, two open) -> bound 102;
    # y_0 = 0: Y = 4 + 6 = 10 -> bound 116; y_1 = 0: Y = -10 + 6 = -4 -> bound 102.
    v = np.array([-10.0, 4.0, 6.0])
    K = np.array([10.0, 10.0, 10.0])
    close, keep_open = probe_fixings(v, 100.0, K, 15.0, NONE, 101.0)
    assert close.tolist() == [2] and keep_open.tolist() == [0, 1]
    close, keep_open = probe_fixings(v, 100.0, K, 15.0, NONE, 110.0)
    assert close.tolist() == [] and keep_open.tolist() == [0]
    close, keep_open = probe_fixings(v, 100.0, K, 15.0, NONE, 116.0)  # 116 is not above 116
    assert close.tolist() == [] and keep_open.tolist() == []
    close, keep_open = probe_fixings(v, 100.0, K, 15.0, np.array([0]), 101.0)
    assert close.tolist() == [2] and keep_open.tolist() == [1]


# ----------------------------------------------------------------------------------------------------
# local search: replayed on the table of exact costs
# ----------------------------------------------------------------------------------------------------

def _descent(S, cost, costs, m, fixed, rank, swap_candidates):
    """Best improving drop or add (drops first, then adds by index); swaps with the ``swap_candidates``
    closed candidates of least ``rank`` only when neither improves; until no move improves."""
    S = tuple(sorted(S))
    path = [S]
    while True:
        best_c, best_S = cost, None
        drops = [tuple(t for t in S if t != j) for j in S if j not in fixed]
        closed = [j for j in range(m) if j not in S]
        adds = [tuple(sorted((*S, j))) for j in closed]
        for T in drops + adds:
            c = costs.get(T, np.inf)
            if c < best_c - 1e-9 * abs(cost):
                best_c, best_S = c, T
        if best_S is None:
            ins = sorted(closed, key=lambda j: rank[j])[:swap_candidates]
            for r in [j for j in S if j not in fixed]:
                for j in ins:
                    T = tuple(sorted((*[t for t in S if t != r], j)))
                    c = costs.get(T, np.inf)
                    if c < best_c - 1e-9 * abs(cost):
                        best_c, best_S = c, T
        if best_S is None:
            return S, cost, path
        S, cost = best_S, best_c
        path.append(S)


@functools.cache
def _ls_instance(seed, capped, loads):
    D, q, K, f, L, Q = _instance(seed, n=6, m=5, capped=capped, loads=loads)
    f = f * 3                                         # dearer plants: the optimum opens few
    return D, q, K, f, L, Q, _costs(D, q, K, f, L)


@pytest.mark.parametrize(("seed", "capped", "loads"), CASES[:12])
@pytest.mark.parametrize("swaps", [1, 3])
def test_local_search_replayed_on_exact_costs(seed, capped, loads, swaps):
    D, q, K, f, L, Q, costs = _ls_instance(seed, capped, loads)
    m = D.shape[1]
    rng = np.random.default_rng(500 + seed)
    rank = rng.normal(0, 10, m) if seed % 2 == 0 else f     # no values v: the fixed costs rank
    fixed = np.array([seed % m]) if seed % 3 == 0 else NONE
    feasible = sorted((S for S, c in costs.items() if np.isfinite(c) and set(fixed.tolist()) <= set(S)),
                      key=costs.get)
    moved = 0
    for S in feasible[-3:] + feasible[len(feasible) // 2: len(feasible) // 2 + 1]:
        want_S, want_c, path = _descent(S, costs[S], costs, m, set(fixed.tolist()), rank, swaps)
        got_S, got_c = local_search(np.array(S[::-1]), costs[S], Transport(Q, q, K, f, L), fixed,
                                    None if seed % 2 else rank, Clock(None), swap_candidates=swaps)
        assert tuple(got_S.tolist()) == want_S, (S, path)
        assert got_c == pytest.approx(want_c, rel=1e-9)
        moved += len(path) - 1
    assert moved > 0


class _Polls:
    """A clock that runs out after ``budget`` polls of ``expired()`` (counts them)."""

    def __init__(self, budget: int) -> None:
        self.budget, self.polls = budget, 0

    def expired(self) -> bool:
        self.polls += 1
        return self.polls > self.budget


def _uncapacitated(D, f):
    n, m = D.shape
    q = np.ones(n)
    r, c = np.nonzero(np.isfinite(D))
    Q = sp.csr_matrix((D[r, c], (r, c)), shape=(n, m))
    return Transport(Q, q, np.full(m, np.inf), np.asarray(f, dtype=float), None)


def test_local_search_keeps_a_fixed_candidate_open():
    # three unit rows at cost 1 from every candidate; fixed costs 100, 5, 5; candidate 0 is forced open.
    # From {0, 1} (100 + 5 + 3 = 108) dropping 1 gives {0} = 103; nothing else improves on 103, and
    # closing 0 (which would give 5 + 3 = 8) is not allowed.
    tr = _uncapacitated(np.ones((3, 3)), [100.0, 5.0, 5.0])
    S, cost = local_search(np.array([0, 1]), 108.0, tr, np.array([0]), None, Clock(None), swap_candidates=2)
    assert S.tolist() == [0] and cost == pytest.approx(103.0)
    S, cost = local_search(np.array([1, 0]), 108.0, tr, NONE, None, Clock(None), swap_candidates=2)
    assert S.tolist() == [1] and cost == pytest.approx(8.0)


def test_local_search_stops_when_only_equal_cost_moves_are_left():
    # two unit rows, four candidates of capacity 1: A and A' are twins (cost 1 to row 0, 2 to row 1,
    # fixed cost 10), B costs 3 to both (fixed 5), C is free but 100 away.  {A, B}: A serves row 0 and B
    # row 1 (the capacities bind: the capacity-free bound 15 + 1 + 2 = 18 is below the cost), 4 + 15 = 19.
    # Swapping A for A' (19) and adding C (19, C unused) cost the same; adding A' (3 + 25 = 28),
    # swapping B for A' (3 + 20 = 23) or for C (101 + 10) and every drop (one plant cannot hold 2) cost
    # more: the search makes no move and polls the clock a few times only.
    D = np.array([[1.0, 1.0, 3.0, 100.0], [2.0, 2.0, 3.0, 100.0]])
    q, K, f = np.ones(2), np.ones(4), np.array([10.0, 10.0, 5.0, 0.0])
    r, c = np.nonzero(np.isfinite(D))
    tr = Transport(sp.csr_matrix((D[r, c], (r, c)), shape=D.shape), q, K, f, None)
    assert tr.evaluate(np.array([1, 2]))[0] == pytest.approx(19.0)
    assert tr.evaluate(np.array([0, 2, 3]))[0] == pytest.approx(19.0)
    clock = _Polls(500)
    S, cost = local_search(np.array([0, 2]), 19.0, tr, NONE, np.array([0.0, 1.0, 3.0, 2.0]), clock,
                           swap_candidates=2)
    assert S.tolist() == [0, 2] and cost == pytest.approx(19.0)
    assert clock.polls < 20


@pytest.mark.parametrize("budget", range(1, 40, 2))
def test_local_search_out_of_time_returns_the_best_set_so_far(budget):
    _, q, K, f, L, Q, costs = _ls_instance(1, True, False)
    S0 = max((S for S, c in costs.items() if np.isfinite(c)), key=costs.get)
    clock = _Polls(budget)
    S, cost = local_search(np.array(S0), costs[S0], Transport(Q, q, K, f, L), NONE, f, clock,
                           swap_candidates=3)
    assert cost <= costs[S0] and cost == pytest.approx(costs[tuple(S.tolist())], rel=1e-9)


@pytest.mark.parametrize("seed", [1, 17])
def test_minimum_load_ties_fill_the_lower_rows_first(seed):
    # 24 unit rows, 3 uncapacitated candidates with minimum load 8, integer costs 1-3: at the start
    # (lambda_i = cheapest cost of row i) every reduced cost is >= 0 and many rows tie at the same cost
    # per unit, so the minimum-load fill chooses among equals: the lower row first (stable order).
    # That choice sets the subgradient and so the later multipliers and the bound.
    rng = np.random.default_rng(seed)
    n, m = 24, 3
    D = rng.integers(1, 4, size=(n, m)).astype(float)
    q, K, f, L = np.ones(n), np.full(m, np.inf), rng.uniform(5, 10, m), np.full(m, 8.0)
    r, c = np.nonzero(np.isfinite(D))
    Q = sp.csr_matrix((D[r, c], (r, c)), shape=(n, m))
    costs = {S: f[list(S)].sum() + _transport_min_load(D, q, K, L, list(S))
             for k in range(1, m + 1) for S in itertools.combinations(range(m), k)}
    want = _replay(D, q, K, f, L, NONE, costs, max_iter=4, ties=1e-4)
    lb, S, ub, _, _ = lagrangian_cfl(Q, q, K, f, NONE, Transport(Q, q, K, f, L), Clock(None), max_iter=4, L=L)
    assert lb == pytest.approx(want[0], rel=1e-9)
    assert tuple(S) == want[1] and ub == pytest.approx(want[2], rel=1e-9)


def test_minimum_load_that_needs_every_allowed_row():
    # candidate 0 may serve rows 0 and 1 only (3 t each) and must take at least 5 t; costs per tonne
    # 2 and 4, multipliers 0: the cheapest load takes row 0 whole and 2/3 of row 1:
    # g_0 = 3*2 + (2/3)*(3*4) = 14, v_0 = 10 + 14 = 24.  Candidate 1 serves all three rows at cost 1
    # per tonne (no minimum): g_1 = 0 with multipliers 0, v_1 = 50.  One candidate is enough (no
    # capacities): the facility choice opens 0, L(0) = 24.
    D = np.array([[2.0, 1.0], [4.0, 1.0], [np.inf, 1.0]])
    q = np.array([3.0, 3.0, 3.0])
    K, f, L = np.full(2, np.inf), np.array([10.0, 50.0]), np.array([5.0, 0.0])
    r, c = np.nonzero(np.isfinite(D))
    Q = sp.csr_matrix(((D * q[:, None])[r, c], (r, c)), shape=(3, 2))
    tr = Transport(Q, q, K, f, L)
    lb, _, _, v, _ = lagrangian_cfl(Q, q, K, f, NONE, tr, Clock(None), max_iter=1, L=L, lam0=np.zeros(3))
    assert v == pytest.approx([24.0, 50.0])
    assert lb == pytest.approx(24.0)


@pytest.mark.parametrize("seed", range(6))
def test_lagrangian_value_with_demands_below_one_tonne(seed):
    # demands of 0.2-1 t with capacities of a few tonnes: the knapsack of a full candidate ends with a
    # part of a row whose demand is below 1
    D, _, _, f, _, _ = _instance(seed, capped=False)
    rng = np.random.default_rng(700 + seed)
    q = rng.uniform(0.2, 1.0, D.shape[0])
    K = rng.uniform(1.0, 2.5, D.shape[1])
    r, c = np.nonzero(np.isfinite(D))
    Q = sp.csr_matrix(((D * q[:, None])[r, c], (r, c)), shape=D.shape)
    lam = np.min(np.where(np.isfinite(D), D * q[:, None], np.inf), axis=1) * rng.uniform(1.5, 3.0, q.size)
    tr = Transport(Q, q, K, f, None)
    lb, _, _, v, _ = lagrangian_cfl(Q, q, K, f, NONE, tr, Clock(None), max_iter=1, lam0=lam)
    assert v == pytest.approx(_reduced_values(D, q, K, f, None, lam), rel=1e-7, abs=1e-7)
    assert lb == pytest.approx(_lagrangian(D, q, K, f, None, lam)[0], rel=1e-7, abs=1e-7)


# ----------------------------------------------------------------------------------------------------
# facility_location end to end: bound, gap, status and method on each path
# ----------------------------------------------------------------------------------------------------

def _haul_instance(seed, n=10, m=5, reach=3, *, cap_share=2.2):
    """Each row may be served by its ``reach`` nearest candidates (a haul limit); all capacities finite."""
    rng = np.random.default_rng(seed)
    pts, cand = rng.random((n, 2)) * 100, rng.random((m, 2)) * 100
    dist = np.hypot(*(pts[:, None, :] - cand[None, :, :]).transpose(2, 0, 1))
    D = np.full((n, m), np.inf)
    near = np.argsort(dist, axis=1)[:, :reach]
    rows = np.repeat(np.arange(n), reach)
    D[rows, near.ravel()] = dist[rows, near.ravel()]
    q = rng.integers(5, 40, n).astype(float)
    K = np.full(m, q.sum() / cap_share)
    f = rng.integers(300, 900, m).astype(float)
    return D, q, K, f


def _model_lp(D, q, K, f, L=None):
    """LP relaxation of the model in facility.py's docstring (all capacities finite): demand rows,
    ``x_ij <= y_j``, ``sum_i q_i x_ij <= K_j y_j``, ``sum_i q_i x_ij >= L_j y_j``, ``sum_j K_j y_j >= total``,
    ``sum_j y_j >= p_min``."""
    n, m = D.shape
    r, c = np.nonzero(np.isfinite(D))
    P = r.size
    cost = np.concatenate([f, q[r] * D[r, c]])
    a_eq = np.zeros((n, m + P))
    a_eq[r, m + np.arange(P)] = 1.0
    rows = []
    for t in range(P):
        a = np.zeros(m + P)
        a[m + t], a[c[t]] = 1.0, -1.0
        rows.append(a)
    for j in range(m):
        a = np.zeros(m + P)
        a[m + np.flatnonzero(c == j)], a[j] = q[r[c == j]], -K[j]
        rows.append(a)
        if L is not None:
            rows.append(-a)
            rows[-1][j] = L[j]
    rows.append(np.concatenate([-K, np.zeros(P)]))
    rows.append(np.concatenate([-np.ones(m), np.zeros(P)]))
    b = np.concatenate([np.zeros(len(rows) - 2), [-q.sum(), -_pmin(K, q.sum())]])
    res = linprog(cost, A_ub=np.array(rows), b_ub=b, A_eq=a_eq, b_eq=np.ones(n), bounds=(0, 1),
                  method="highs")
    assert res.status == 0
    return float(res.fun)


@pytest.fixture
def large_path(monkeypatch):
    """Force the large-model path (no straight MILP); keys can be overridden per test."""
    import arealsirk.defaults as d

    real = d.default
    over: dict[str, float] = {"locate.cfl_milp_max_pairs": 0}
    monkeypatch.setattr(d, "default", lambda key: over[key] if key in over else real(key))
    return over


def _check_result(r, D, q, K, f, opt):
    """Objective = fixed costs of the open set + transport of the flows; flows feasible; bounds."""
    flows = r.flows.toarray()
    assert np.allclose(flows.sum(axis=1), q)
    assert (flows.sum(axis=0) <= K + 1e-6).all() and (flows[~np.isfinite(D)] == 0).all()
    assert set(np.flatnonzero(flows.sum(axis=0) > 1e-9)) <= set(r.facilities.tolist())
    transport = (flows * np.where(np.isfinite(D), D, 0.0)).sum()
    assert r.objective == pytest.approx(f[r.facilities].sum() + transport)
    assert r.upper_bound == r.objective
    assert r.objective >= opt * (1 - 1e-9) and r.lower_bound <= opt * (1 + 1e-9)
    gap = (r.objective - r.lower_bound) / max(abs(r.objective), abs(r.lower_bound))
    if gap <= 1e-9:
        assert r.status == "optimal" and r.gap == 0.0
    else:
        assert r.status == "feasible" and r.gap == pytest.approx(gap, rel=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_lp_start_bound_is_the_model_lp(seed, large_path):
    D, q, K, f = _haul_instance(seed)
    opt = brute_cfl(D, q, K, f)
    lp = _model_lp(D, q, K, f)
    r = facility_location(D, q, K, f)
    _check_result(r, D, q, K, f, opt)
    assert r.model == "facility_location"
    if r.method == "lp+transport":                  # the start closed the gap to 1e-4: the LP bound
        assert r.lower_bound == pytest.approx(min(lp, r.objective), rel=1e-7)
        assert (r.objective - lp) / r.objective <= 1e-4
    else:                                           # HiGHS continued and may raise the bound
        assert r.method in ("lp+transport+milp", "milp")
        assert (r.objective - lp) / r.objective > 1e-4
        assert r.lower_bound >= lp * (1 - 1e-7)
        assert r.objective <= opt * (1 + 1e-4)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("exact", [False, True])
def test_lagrangian_path_bound_gap_and_status(seed, exact, large_path):
    large_path["locate.cfl_lp_max_pairs"] = 0             # the subgradient search, not the LP start
    D, q, K, f = _haul_instance(seed, cap_share=1.5)
    opt = brute_cfl(D, q, K, f)
    r = facility_location(D, q, K, f, exact=exact)
    _check_result(r, D, q, K, f, opt)
    if exact:                                             # HiGHS to 1e-9: the optimum, proven
        assert r.method in ("lagrangian+transport+milp", "milp")
        assert r.status == "optimal" and r.gap == 0.0
        assert r.objective == pytest.approx(opt, rel=1e-9) and r.lower_bound == r.objective
    else:
        assert r.method in ("lagrangian+transport", "lagrangian+transport+milp", "milp")


def test_lp_start_limits_pairs_time_and_reports_progress(large_path):
    D, q, K, f = _haul_instance(1)
    pairs = int(np.isfinite(D).sum())                   # 10 rows x 3 candidates in reach = 30
    assert pairs == 30
    large_path["locate.cfl_lp_max_pairs"] = pairs       # at the limit: still the LP start
    large_path["locate.cfl_lp_time_limit"] = 1.0        # one second is time enough for this LP
    calls = []
    r = facility_location(D, q, K, f, progress=lambda frac, msg: calls.append((frac, msg)))
    assert r.method.startswith("lp+")
    assert (0.1, "facility location: LP relaxation (HiGHS)") in calls
    assert calls[-1] == (1.0, "facility location: done")
    large_path["locate.cfl_lp_max_pairs"] = pairs - 1   # one pair more than the limit: subgradient
    calls.clear()
    r = facility_location(D, q, K, f, progress=lambda frac, msg: calls.append((frac, msg)))
    assert r.method.startswith("lagrangian+")
    assert not any("LP relaxation" in msg for _, msg in calls)
    assert (0.1, "facility location: Lagrangian heuristic") in calls


@pytest.mark.parametrize("path", ["milp", "lp", "lagrangian"])
def test_zero_demand_rows_go_to_the_nearest_open_candidate(path, large_path):
    # rows 0 and 2 carry 5 t and 4 t; candidate 0 is next to row 0, candidate 2 next to row 2,
    # candidate 1 is dear (fixed cost 500): the optimum opens {0, 2} at 20 + 20 + 5*1 + 4*1 = 49.
    # Row 1 (no demand) is nearer to 2 (3) than to 0 (6); row 3 (no demand) may only use the closed 1.
    D = np.array([[1.0, 9.0, 8.0],
                  [6.0, 1.0, 3.0],
                  [7.0, 9.0, 1.0],
                  [np.inf, 2.0, np.inf]])
    q = np.array([5.0, 0.0, 4.0, 0.0])
    K, f = np.full(3, 10.0), np.array([20.0, 500.0, 20.0])
    if path == "milp":
        large_path["locate.cfl_milp_max_pairs"] = 20000
    elif path == "lagrangian":
        large_path["locate.cfl_lp_max_pairs"] = 0
    r = facility_location(D, q, K, f)
    assert r.facilities.tolist() == [0, 2]
    assert r.objective == pytest.approx(49.0)
    assert r.assignment.tolist() == [0, 2, 2, -1]
    assert r.flows.toarray() == pytest.approx(np.array([[5, 0, 0], [0, 0, 0], [0, 0, 4], [0, 0, 0]]))
    assert r.lower_bound <= 49.0 + 1e-9 and r.status in ("optimal", "feasible")


@pytest.mark.parametrize("seed", range(4))
def test_lp_start_bound_keeps_the_minimum_loads(seed, large_path):
    D, q, K, f = _haul_instance(seed)
    L = np.where(np.arange(5) % 2 == 0, 0.6 * K, 0.0)   # candidates 0, 2, 4 need 60 % of a plant
    costs = _costs(D, q, K, f, L)
    opt = min(costs.values())
    lp = _model_lp(D, q, K, f, L)
    r = facility_location(D, q, K, f, min_load=L)
    _check_result(r, D, q, K, f, opt)
    loads = r.flows.toarray().sum(axis=0)[r.facilities]
    assert (loads >= L[r.facilities] - 1e-6).all()
    assert r.method.startswith("lp+") or r.method == "milp"
    assert r.lower_bound >= lp * (1 - 1e-7)
    if r.method == "lp+transport":
        assert r.lower_bound == pytest.approx(min(lp, r.objective), rel=1e-7)
    if lp >= opt * (1 - 1e-9):      # the LP with the loads is tight (here its open set is optimal too)
        assert r.method == "lp+transport" and r.status == "optimal" and r.gap == 0.0
        assert r.objective == pytest.approx(opt, rel=1e-9)


def test_lagrangian_reports_every_tenth_iteration_and_stops_on_time():
    D, q, K, f, L, Q = _instance(2, capped=True, loads=False)
    calls = []
    out = lagrangian_cfl(Q, q, K, f, NONE, Transport(Q, q, K, f, L), Clock(None), max_iter=25,
                         report=lambda frac, msg: calls.append((frac, msg)))
    assert [c[0] for c in calls] == [0.0, 0.4, 0.8]                 # iterations 0, 10, 20 of 25
    assert calls[0][1] == "facility location: Lagrangian iteration 0, bound -inf, best inf"
    assert calls[1][1].startswith("facility location: Lagrangian iteration 10, bound ")
    assert calls[2][1].startswith("facility location: Lagrangian iteration 20, bound ")
    assert np.isfinite(out[0])
    for budget in (1, 2, 5):                                        # the clock runs out on the way
        lb, S, ub, _, _ = lagrangian_cfl(Q, q, K, f, NONE, Transport(Q, q, K, f, L), _Polls(budget),
                                              max_iter=25)
        assert lb <= out[0] + 1e-9 and (S is None or ub == pytest.approx(_costs(D, q, K, f)[tuple(S)]))


def test_lagrangian_without_a_feasible_facility_choice_returns_no_solution():
    # minimum loads of 6 t on every candidate, but candidate 0 may only reach row 0 (2 t): it cannot
    # open, and candidate 1 alone (capacity 4) cannot hold the 4 + 2 = 6 t: no facility choice
    D = np.array([[1.0, 1.0], [np.inf, 1.0]])
    q, K, f, L = np.array([2.0, 4.0]), np.array([6.0, 4.0]), np.array([1.0, 1.0]), np.array([6.0, 0.0])
    r, c = np.nonzero(np.isfinite(D))
    Q = sp.csr_matrix(((D * q[:, None])[r, c], (r, c)), shape=(2, 2))
    lb, S, ub, v, starts = lagrangian_cfl(Q, q, K, f, NONE, Transport(Q, q, K, f, L), Clock(None),
                                          max_iter=5, L=L)
    assert lb == -np.inf and S is None and ub == np.inf and v is None and starts == []


def test_lagrangian_stops_when_the_subgradient_is_zero():
    # rows of 2 t; candidate 0 costs 1/t to row 0 and 10/t to row 1, candidate 1 the reverse;
    # capacities 3 and 5 (one plant may be enough: p_min = 1), fixed costs 1 and 5; multipliers 3 per
    # row.  Reduced costs: -1 on the near pairs, 17 on the far ones: g = (-1, -1), v = (0, 4).  4 t need
    # candidate 0 whole (value 0 per tonne) and 1/5 of candidate 1: L = 6 + 0 + 4/5 = 6.8.  Both
    # knapsacks serve exactly their near row, so every row is served once: the subgradient is 0 and the
    # search stops there.  Open set {0, 1}: 1 + 5 + 2*1 + 2*1 = 10.
    D = np.array([[1.0, 10.0], [10.0, 1.0]])
    q, K, f = np.array([2.0, 2.0]), np.array([3.0, 5.0]), np.array([1.0, 5.0])
    r, c = np.nonzero(np.isfinite(D))
    Q = sp.csr_matrix(((D * q[:, None])[r, c], (r, c)), shape=(2, 2))
    lb, S, ub, v, starts = lagrangian_cfl(Q, q, K, f, NONE, Transport(Q, q, K, f, None), Clock(None),
                                          max_iter=50, lam0=np.array([3.0, 3.0]))
    assert lb == pytest.approx(6.8)
    assert S.tolist() == [0, 1] and ub == pytest.approx(10.0)
    assert v == pytest.approx([0.0, 4.0])
    assert [s.tolist() for s in starts] == [[0, 1]]
