"""Run-5 mutation kills for the p-median engine internals (_pmedian_ls, _pmedian_benders).

Every expected value comes from brute force over all open sets, a p-median LP solved with scipy's
linprog, or the Lagrangian function recomputed here from its formula -- never from the code under test.
"""

# ruff: noqa: N803, N806  (matrix notation of the OR literature: C, D, K, A, Q, S)

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

from arealsirk.locate import _pmedian_ls
from arealsirk.locate._common import Clock
from arealsirk.locate._pmedian_benders import benders_p_median, margin, proven, radius_milp, slack_for
from arealsirk.locate._pmedian_ls import PMedianEngine, _blocks, lagrangian_bound

from .locate_brute import brute_p_median


def _cost(S, C):
    return float(C[:, list(S)].min(axis=1).sum())


def _instance(seed, n=9, m=6, integral=True):
    rng = np.random.default_rng(seed)
    C = rng.random((n, m)) * 50
    return np.round(C) if integral else C


def _lp(C, p, fixed=()):
    """The p-median LP relaxation (x_ij <= y_j, sum_j x_ij = 1, sum y = p) by linprog."""
    n, m = C.shape
    nv = m + n * m
    c = np.concatenate([np.zeros(m), C.ravel()])
    A_eq = np.zeros((n + 1, nv))
    for i in range(n):
        A_eq[i, m + i * m: m + (i + 1) * m] = 1.0
    A_eq[n, :m] = 1.0
    b_eq = np.append(np.ones(n), p)
    A_ub = np.zeros((n * m, nv))
    for i in range(n):
        for j in range(m):
            A_ub[i * m + j, m + i * m + j] = 1.0
            A_ub[i * m + j, j] = -1.0
    bounds = [(1.0 if j in set(fixed) else 0.0, 1.0) for j in range(m)] + [(0, None)] * (n * m)
    r = linprog(c, A_ub=A_ub, b_ub=np.zeros(n * m), A_eq=A_eq, b_eq=b_eq, bounds=bounds, method="highs")
    return float(r.fun)


def _lagrange_value(C, p, fixed, lam):
    """L(lambda) = sum lambda + sum of the p - |fixed| smallest free rho_j + fixed rho_j."""
    rho = np.minimum(C - lam[:, None], 0.0).sum(axis=0)
    fixed = list(fixed)
    free = sorted(rho[j] for j in range(C.shape[1]) if j not in fixed)
    return float(lam.sum() + rho[fixed].sum() + sum(free[: p - len(fixed)]))


@pytest.fixture(autouse=True)
def _small_blocks(monkeypatch):
    """Row blocks of at most 20 entries, so every sum over blocks really adds several blocks."""
    monkeypatch.setattr(_pmedian_ls, "BLOCK_ENTRIES", 20)


def test_blocks_cover_every_row_once_within_the_entry_limit():
    for n, m in [(9, 6), (10, 7), (5, 1), (3, 30), (41, 20)]:
        bl = list(_blocks(n, m))
        assert bl[0][0] == 0 and bl[-1][1] == n
        assert all(b0[1] == b1[0] for b0, b1 in itertools.pairwise(bl))
        assert all((b - a) * m <= max(20, m) for a, b in bl)


# ---------------------------------------------------------------------------- helpers of the proof
def test_margin_slack_and_proof_rule_by_hand():
    assert margin(0.0) == pytest.approx(1e-3)
    assert margin(-2000.0) == pytest.approx(1e-3 + 2e-3)
    assert margin(1e6) == pytest.approx(1.001)
    # slack = upper - lower + margin(upper) - 1 on integer data
    assert slack_for(100.0, 90.0, True) == pytest.approx(10 + 1e-3 + 1e-4 - 1)
    assert slack_for(100.0, 90.0, False) == pytest.approx(10 + 1e-3 + 1e-4)
    # integer data: lower 99.2 proves 100 (no integer in between), 99.0 does not
    assert proven(100.0, 99.2, True)
    assert not proven(100.0, 99.0, True)
    assert not proven(100.0, 100.0 - 1.0 + margin(100.0), True)
    assert proven(100.0, 100.0 - 1.0 + 2 * margin(100.0), True)
    # fractional data: relative 1e-9
    assert proven(100.0, 100.0, False)
    assert proven(1e6, 1e6 - 5e-4, False)
    assert not proven(1e6, 1e6 - 2e-3, False)
    assert proven(0.5, 0.5 - 0.9e-9, False)
    assert not proven(0.5, 0.5 - 1.1e-9, False)
    assert not proven(-5.0, -6.0, False)


# ---------------------------------------------------------------------------- local search engine
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_assign_closest_and_second_closest(seed):
    C = _instance(seed, integral=False)
    eng = PMedianEngine(C, np.zeros(0, dtype=np.int64))
    S = np.array([1, 3, 4])
    d1, c1, d2 = eng.assign(S)
    for i in range(C.shape[0]):
        vals = sorted(C[i, S])
        assert d1[i] == vals[0] and d2[i] == vals[1]
        assert C[i, c1[i]] == vals[0] and c1[i] in S
    d1, c1, d2 = eng.assign(np.array([2]))
    assert np.array_equal(d1, C[:, 2]) and (c1 == 2).all()
    assert (d2 == 2 * C.max() + 1).all()
    assert eng.objective(S) == pytest.approx(_cost(S, C))


def test_greedy_by_hand(monkeypatch):
    monkeypatch.setattr(_pmedian_ls, "BLOCK_ENTRIES", 4)     # one row per block
    # column 0 alone is the best single site (total 6); then column 2 saves the most
    C = np.array([[9.0, 5, 0, 4],
                  [9, 5, 1, 4],
                  [4, 0, 5, 4],
                  [0, 9, 0, 9],
                  [1.5, 1.2, 7, 7]])
    eng = PMedianEngine(C, np.zeros(0, dtype=np.int64))
    sums = C.sum(axis=0)
    assert eng.greedy(1).tolist() == [int(np.argmin(sums))]
    first = int(np.argmin(sums))
    save = [np.maximum(C[:, first] - C[:, j], 0).sum() if j != first else -1 for j in range(4)]
    assert eng.greedy(2).tolist() == sorted([first, int(np.argmax(save))])
    # fixed facility kept, then the best addition to it
    eng = PMedianEngine(C, np.array([1]))
    save = [np.maximum(C[:, 1] - C[:, j], 0).sum() if j != 1 else -1 for j in range(4)]
    assert eng.greedy(2).tolist() == sorted([1, int(np.argmax(save))])
    assert eng.greedy(1).tolist() == [1]
    # by hand: column sums 23.5 / 20.2 / 13 / 28 -> site 2 first; savings against it: site 0 -> 4+1+5.5=
    # 10.5, site 1 -> 5+5.8 = 10.8, site 3 -> 1+0 = 1 -> site 1 (a saving floor of 1 would pick site 0)
    eng = PMedianEngine(C, np.zeros(0, dtype=np.int64))
    assert eng.greedy(1).tolist() == [2]
    assert eng.greedy(2).tolist() == [1, 2]
    # fixed site 3 counts from the start: savings against it 0 -> 4+4+0+9=17 (row 4: 5.5), site 1 -> ...
    eng = PMedianEngine(C, np.array([3]))
    save = {j: float(np.maximum(C[:, 3] - C[:, j], 0).sum()) for j in (0, 1, 2)}
    assert eng.greedy(2).tolist() == sorted([3, max(save, key=save.get)])
    # fixed site 0 serves rows 0-1; site 1 has the smallest column sum (8) but saves 10, site 2 saves 18
    F = np.array([[0.0, 0, 6], [0, 0, 6], [9, 4, 0], [9, 4, 0]])
    assert PMedianEngine(F, np.array([0])).greedy(2).tolist() == [0, 2]
    # a site that serves everything at 0: a second site saves nothing, yet it must be another site
    Z = np.array([[0.0, 3, 2], [0, 3, 2]])
    assert PMedianEngine(Z, np.zeros(0, dtype=np.int64)).greedy(2).tolist() == [0, 1]
    # fixed site 0 at 5 everywhere: site 1 saves 2 + 2 = 4, site 2 saves 0.9 x 5 = 4.5 -> site 2
    G = np.array([[5.0, 3, 4.1], [5, 3, 4.1], [5, 9, 4.1], [5, 9, 4.1], [5, 9, 4.1]])
    assert PMedianEngine(G, np.array([0])).greedy(2).tolist() == [0, 2]


@pytest.mark.parametrize("seed", range(6))
def test_best_swap_and_local_search_against_enumeration(seed):
    C = _instance(seed, integral=seed % 2 == 0)
    m = C.shape[1]
    fixed = np.array([seed % m]) if seed >= 3 else np.zeros(0, dtype=np.int64)
    eng = PMedianEngine(C, fixed)
    S = np.array(sorted({int(fixed[0]) if fixed.size else 0, (seed + 2) % m, (seed + 4) % m}))
    d1, c1, d2 = eng.assign(S)
    saving, r, f = eng.best_swap(S, d1, c1, d2)
    base = _cost(S, C)
    swaps = {(r2, f2): base - _cost([s for s in S if s != r2] + [f2], C)
             for r2 in S if r2 not in fixed.tolist() for f2 in range(m) if f2 not in S}
    assert saving == pytest.approx(max(swaps.values()))
    assert swaps[(r, f)] == pytest.approx(saving)
    S2, obj = eng.local_search(S)
    assert obj == pytest.approx(_cost(S2, C)) and obj <= base + 1e-9
    assert len(S2) == len(S) and set(fixed.tolist()) <= set(S2.tolist())
    assert list(S2) == sorted(S2)
    # no single swap improves the result
    for r2 in S2:
        if r2 in fixed.tolist():
            continue
        for f2 in range(m):
            if f2 not in S2:
                assert _cost([s for s in S2 if s != r2] + [f2], C) >= obj - 1e-9
    S3, obj3 = eng.local_search(S, max_moves=0)
    assert list(S3) == list(S) and obj3 == pytest.approx(base)
    # max_moves=1: exactly the best swap (when it improves); max_moves=2: then the best swap of that
    S4, obj4 = eng.local_search(S, max_moves=1)
    if saving > 1e-9:
        assert obj4 == pytest.approx(base - saving)
        d1, c1, d2 = eng.assign(S4)
        sv2, _, _ = eng.best_swap(S4, d1, c1, d2)
        _, obj5 = eng.local_search(S, max_moves=2)
        assert obj5 == pytest.approx(obj4 - sv2 if sv2 > 1e-9 else obj4)


def test_max_moves_follows_the_best_swaps():
    x = np.arange(16.0) ** 1.1                         # points on a line, no ties
    C = np.abs(x[:, None] - x[None, :])
    eng = PMedianEngine(C, np.zeros(0, dtype=np.int64))
    S = np.array([0, 1, 2, 3])
    objs = [_cost(S, C)]
    cur = S
    for _ in range(4):
        d1, c1, d2 = eng.assign(cur)
        sv, r, f = eng.best_swap(cur, d1, c1, d2)
        if sv <= 1e-9:
            break
        cur = np.array(sorted([x for x in cur if x != r] + [f]))
        objs.append(_cost(cur, C))
    assert len(objs) >= 4                                  # at least three improving swaps
    for k in range(1, len(objs)):
        assert eng.local_search(S, max_moves=k)[1] == pytest.approx(objs[k])


def test_local_search_with_one_open_site_and_all_fixed():
    C = np.array([[0.0, 3, 1], [4, 0, 1], [4, 3, 1]])
    eng = PMedianEngine(C, np.zeros(0, dtype=np.int64))
    S, obj = eng.local_search(np.array([0]))
    assert S.tolist() == [2] and obj == 3.0
    eng = PMedianEngine(C, np.array([0]))
    S, obj = eng.local_search(np.array([0]))
    assert S.tolist() == [0] and obj == 8.0


@pytest.mark.parametrize("seed", range(2))
def test_vns_reaches_brute_force_optimum(seed):
    C = _instance(seed + 20, n=12, m=8, integral=False)
    p = 3
    eng = PMedianEngine(C, np.zeros(0, dtype=np.int64))
    S0 = np.array([0, 1, 2])
    best, _ = brute_p_median(C, np.ones(C.shape[0]), p)
    S, obj, its = eng.vns(S0, _cost(S0, C), np.random.default_rng(seed), kmax=3, max_no_improve=40)
    assert obj == pytest.approx(_cost(S, C)) and len(S) == p
    assert obj == pytest.approx(best)
    assert its >= 40
    # every shaken set has p distinct sites; the progress fraction is no_imp / max_no_improve
    seen, prog = [], []
    real = eng.local_search

    def spy(S2, max_moves=None):
        seen.append(np.asarray(S2).tolist())
        return real(S2, max_moves)

    eng.local_search = spy
    eng.vns(S0, _cost(S0, C), np.random.default_rng(seed), kmax=3, max_no_improve=10,
            progress=lambda f, t: prog.append((f, t)))
    assert seen and all(len(set(s2)) == p for s2 in seen)
    assert prog and all(0 <= f <= 1 and abs(f * 10 - round(f * 10)) < 1e-9 for f, _ in prog)
    assert any(0 < f < 1 for f, _ in prog) and prog[-1][0] == 1.0
    assert all(t.startswith("VNS objective ") for _, t in prog)
    prog = []
    eng.vns(S0, _cost(S0, C), np.random.default_rng(seed), kmax=3, max_no_improve=1,
            progress=lambda f, t: prog.append(f))
    assert prog[-1] == 1.0
    # stops at once when told the value is proven
    S, obj, its = eng.vns(S0, _cost(S0, C), np.random.default_rng(seed), kmax=3, max_no_improve=40,
                          done=lambda v: True)
    assert its == 0 and S.tolist() == [0, 1, 2]


# ---------------------------------------------------------------------------- Lagrangian bound
@pytest.mark.parametrize("seed", range(6))
def test_lagrangian_bound_valid_and_consistent(seed):
    C = _instance(seed, n=10, m=7, integral=seed % 2 == 0)
    m = C.shape[1]
    p = 3
    fixed = np.array([seed % m]) if seed >= 3 else np.zeros(0, dtype=np.int64)
    best, _ = brute_p_median(C, np.ones(C.shape[0]), p, fixed=fixed.tolist())
    lp = _lp(C, p, fixed.tolist())
    S0 = np.array(sorted(set(fixed.tolist()) | {(seed + 1) % m, (seed + 3) % m, (seed + 5) % m}))[:p]
    if len(S0) < p:
        S0 = np.array(sorted(set(S0.tolist()) | {x for x in range(m) if x not in S0}))[:p]
    upper = _cost(S0, C)
    lam0 = C[:, S0].min(axis=1)
    lb, lam, starts = lagrangian_bound(C, p, fixed, upper, lam0, clock=Clock(None), max_iter=600)
    assert lb <= best + 1e-9 and lb <= lp + 1e-6
    assert lb >= _lagrange_value(C, p, fixed, lam0) - 1e-9
    assert _lagrange_value(C, p, fixed, lam) == pytest.approx(lb, rel=1e-9, abs=1e-9)
    assert lb >= lp - 0.05 * abs(lp)          # subgradient gets close to the LP bound
    assert 1 <= len(starts) <= 3
    costs = [_cost(s, C) for s in starts]
    assert costs == sorted(costs)
    for s in starts:
        assert len(s) == p and set(fixed.tolist()) <= set(s.tolist()) and list(s) == sorted(s)
    assert len({s.tobytes() for s in starts}) == len(starts)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("p", [1, 2, 3])
def test_lagrangian_one_iteration_is_the_formula(seed, p):
    C = _instance(seed + 60, n=7, m=6, integral=False)
    lam0 = np.random.default_rng(seed).random(7) * 40
    lb, lam, _ = lagrangian_bound(C, p, np.zeros(0, dtype=np.int64), 1e9, lam0, clock=Clock(None),
                                  max_iter=1)
    assert lb == pytest.approx(_lagrange_value(C, p, [], lam0), rel=1e-12, abs=1e-9)
    assert np.array_equal(lam, lam0)


def test_lagrangian_bound_all_fixed_and_one_iteration():
    C = _instance(5, n=8, m=5)
    fixed = np.array([1, 3])
    lam0 = C[:, fixed].min(axis=1)
    lb, lam, starts = lagrangian_bound(C, 2, fixed, _cost(fixed, C), lam0, clock=Clock(None))
    assert lb == pytest.approx(_cost(fixed, C))
    assert [s.tolist() for s in starts] == [[1, 3]]
    lam0 = np.zeros(8)
    lb, lam, starts = lagrangian_bound(C, 2, np.zeros(0, dtype=np.int64), 1e9, lam0, clock=Clock(None),
                                       max_iter=1)
    assert lb == pytest.approx(0.0) and np.array_equal(lam, lam0)
    lb, lam, starts = lagrangian_bound(C, 2, np.zeros(0, dtype=np.int64), 1e9, lam0, clock=Clock(None),
                                       max_iter=0)
    assert lb == -np.inf and starts == [] and np.array_equal(lam, lam0)


def test_lagrangian_stops_at_a_proven_upper_bound():
    # one row per site; optimum of p=2 at sites 0, 1 costs the two largest rows' cheapest alternatives
    C = np.array([[0.0, 10, 10], [10, 0, 10], [10, 10, 0], [0, 0, 0]])
    best, _ = brute_p_median(C, np.ones(4), 2)
    lb, _, starts = lagrangian_bound(C, 2, np.zeros(0, dtype=np.int64), best, np.full(4, 5.0),
                                       clock=Clock(None), keep=1)
    assert lb <= best + 1e-9 and lb >= best - 1e-6
    assert len(starts) == 1 and _cost(starts[0], C) == pytest.approx(best)


# ---------------------------------------------------------------------------- Benders proof
@pytest.mark.parametrize("seed,integral,poor", [(0, True, True), (1, True, False), (2, False, True),
                                                (3, False, False), (4, True, True), (5, False, True)])
def test_benders_bound_closing_and_status_vs_brute_force(seed, integral, poor):
    C = _instance(seed + 40, n=10, m=7, integral=integral)
    C[0] = 0.0                                  # a row of weight 0 (no theta column)
    m = C.shape[1]
    p = 3
    fx = np.array([seed % m]) if seed >= 4 else np.zeros(0, dtype=np.int64)
    best, best_set = brute_p_median(C, np.ones(C.shape[0]), p, fixed=fx.tolist())
    lp = _lp(C, p, fx.tolist())
    if poor:
        worst = max((S for S in itertools.combinations(range(m), p) if set(fx.tolist()) <= set(S)),
                    key=lambda S: _cost(S, C))
        S_inc = np.array(worst)
    else:
        S_inc = np.array(best_set)
    UB = _cost(S_inc, C)
    bo = benders_p_median(C, p, fx, S_inc, Clock(None), integral=integral)
    assert bo.objective == pytest.approx(UB)
    assert sorted(bo.S.tolist()) == sorted(S_inc.tolist())
    assert bo.lp_bound == pytest.approx(lp, rel=1e-7, abs=1e-6)       # the strong LP bound
    assert bo.lower <= best + 1e-6
    if bo.status == "optimal":
        assert pytest.approx(best) == UB and bo.lower == pytest.approx(UB)
    else:
        assert bo.status == "feasible" and bo.lower == pytest.approx(min(lp, UB), abs=1e-6)
    if not poor and (lp >= best - 1e-9 or (integral and best - lp < 1 - margin(best))):
        assert bo.status == "optimal"
    if poor and best + 1 < UB:
        assert bo.status == "feasible"
    assert bo.cuts > 0 and bo.n_closed == bo.closed.size
    assert not set(bo.closed.tolist()) & (set(S_inc.tolist()) | set(fx.tolist()))
    for j in bo.closed.tolist():                # a closed site is in no solution better than UB
        with_j, _ = brute_p_median(C, np.ones(C.shape[0]), p, fixed=sorted(set(fx.tolist()) | {j}))
        assert with_j >= (UB - 1 + 1e-9 if integral else UB - 1e-6)
    # a site closed by its reduced cost lifts the LP above the limit when forced open (LP + rc_j is a
    # lower bound of the LP with y_j = 1); probing (tests/locate/test_pmedian_probe.py) is off here
    by_rc = benders_p_median(C, p, fx, S_inc, Clock(None), integral=integral, probe_share=math.inf)
    assert set(by_rc.closed.tolist()) <= set(bo.closed.tolist())
    limit = lp + slack_for(UB, lp, integral)
    for j in by_rc.closed.tolist():
        assert _lp(C, p, sorted(set(fx.tolist()) | {j})) > limit - 1e-6 * max(1, abs(limit)) - 1e-6


def test_benders_closes_sites_on_a_clear_instance():
    # two clusters; p=2: the optimum opens one site per cluster; the far-away site 4 is useless
    C = np.array([[0.0, 1, 50, 50, 90],
                  [1, 0, 50, 50, 90],
                  [50, 50, 0, 1, 90],
                  [50, 50, 1, 0, 90]])
    best, _ = brute_p_median(C, np.ones(4), 2)
    assert best == 2.0
    bo = benders_p_median(C, 2, np.zeros(0, dtype=np.int64), np.array([0, 1]), Clock(None), integral=True)
    assert bo.objective == 100.0 and bo.status == "feasible"
    assert bo.lower == pytest.approx(2.0) and bo.lp_bound == pytest.approx(2.0)
    for j in bo.closed.tolist():        # reduced-cost closing is sound: no better solution opens j
        assert brute_p_median(C, np.ones(4), 2, fixed=[j])[0] >= 100.0 - 1
    bo = benders_p_median(C, 2, np.zeros(0, dtype=np.int64), np.array([0, 2]), Clock(None), integral=True)
    assert bo.status == "optimal" and bo.lower == 2.0 and bo.objective == 2.0
    # proven optimal at 2: every other site may be closed (no solution below 2 exists), 4 must be
    assert 4 in bo.closed.tolist() and not {0, 2} & set(bo.closed.tolist())
    assert bo.n_closed == bo.closed.size


def test_benders_respects_an_expired_clock_and_cancel():
    from arealsirk.errors import CancelledError

    C = _instance(7, integral=True)
    S = np.array([0, 1, 2])
    with pytest.raises(CancelledError, match=r"^cancelled by the user$"):
        benders_p_median(C, 3, np.zeros(0, dtype=np.int64), S, Clock(None), integral=True,
                         is_cancelled=lambda: True)
    msgs = []
    bo = benders_p_median(C, 3, np.zeros(0, dtype=np.int64), S, Clock(None), integral=True,
                          report=lambda f, t: msgs.append((f, t)))
    assert msgs and all(f == 0.0 and t.startswith(("p-median proof: LP cuts round ",
                                                   "p-median proof: probing candidates, ")) for f, t in msgs)
    assert msgs[0][1].startswith("p-median proof: LP cuts round 1, bound ")
    assert bo.lower <= brute_p_median(C, np.ones(C.shape[0]), 3)[0] + 1e-6
    # an expired clock: no LP round, so no proof -- the incumbent comes back with no useful bound
    clock = Clock(1e-9)
    while not clock.expired():
        pass
    bo = benders_p_median(C, 3, np.zeros(0, dtype=np.int64), S, clock, integral=True)
    assert bo.status == "feasible" and bo.objective == pytest.approx(_cost(S, C))
    assert bo.lower == -np.inf


# ---------------------------------------------------------------------------- radius MILP
@pytest.mark.parametrize("integral", [True, False])
def test_radius_milp_with_fixed_and_closed_vs_brute_force(integral):
    rng = np.random.default_rng(5)
    n, m, p = 12, 7, 3
    C = rng.random((n, m)) * 40
    C = np.round(C) if integral else C
    C[:, 5] = C[:, 2]                          # ties between candidates (one level, two sites)
    kept = rng.random((n, m)) < 0.8
    kept[:, 0] = True
    rows, cols = np.nonzero(kept)
    D = np.where(kept, C, np.inf)
    fx = np.array([3])
    closed = np.array([6])
    D2 = D.copy()
    D2[:, 6] = np.inf
    best = min(_cost(S, D2) for S in itertools.combinations(range(6), p) if 3 in S)
    start = np.array([0, 1, 3])
    out = radius_milp(C, rows, cols, p, fx, closed, start, Clock(None), integral=integral)
    assert out.status == "optimal"
    opened = np.flatnonzero(out.x[:m] > 0.5)
    assert opened.size == p and 3 in opened and 6 not in opened
    assert out.objective == pytest.approx(best)
    assert _cost(opened, D) == pytest.approx(best)
    assert best - (1 if integral else 1e-6) < out.bound <= best + 1e-6
    # sparse-matrix input of the same pairs gives the same optimum (checks nothing in-place)
    assert sp.issparse(sp.csr_matrix(D2)) and out.x.shape[0] >= m


@pytest.mark.parametrize("integral", [True, False])
def test_radius_milp_closes_small_gaps(integral):
    """A warm start just above the optimum (by 1 on integer data, by < 0.5 on small fractional costs)
    must not be accepted as optimal: the MILP returns the brute-force optimum."""
    n, m, p = 12, 7, 3
    for seed in range(100):                         # first seed whose second-best value is optimum + 1
        rng = np.random.default_rng(seed)
        C = np.round(rng.random((n, m)) * 6) if integral else rng.random((n, m)) * 0.04
        sets = sorted(itertools.combinations(range(m), p), key=lambda S: _cost(S, C))
        best = _cost(sets[0], C)
        near = next(S for S in sets if _cost(S, C) > best + 1e-9)     # the second-best value
        if not integral or _cost(near, C) - best == 1.0:
            break
    assert _cost(near, C) - best <= (1.0 if integral else 0.4)
    rows, cols = np.nonzero(np.ones((n, m), dtype=bool))
    out = radius_milp(C, rows, cols, p, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64),
                      np.array(near), Clock(None), integral=integral)
    assert out.objective == pytest.approx(best, abs=1e-9)
    assert out.bound == pytest.approx(best, abs=0.5 if integral else 1e-6)
