# ruff: noqa: N803, N806  (the notation D, q, K, f, Q, S of the module under test)
"""Run-5 mutation kills for ``locate/_cfl_heuristic.py``: every figure is checked against brute force.

Small random capacitated facility-location instances (5 customers, 4 candidates); the expected
values come from an independent dense LP per open set (``locate_brute.transport_lp`` and a dense
min-load variant here) and from enumerating all open sets.
"""
import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

from arealsirk.locate._cfl_heuristic import Transport, lagrangian_cfl, local_search, probe_fixings, y_choice
from arealsirk.locate._common import Clock

from .locate_brute import transport_lp


def _instance(seed, *, capped=True, holes=True):
    rng = np.random.default_rng(seed)
    n, m = 5, 4
    D = rng.integers(1, 20, size=(n, m)).astype(float)
    if holes:
        D[rng.random((n, m)) < 0.2] = np.inf
        D[np.arange(n), rng.integers(0, m, n)] = rng.integers(1, 20, n)  # every row has a pair
    q = rng.integers(1, 6, n).astype(float)
    K = rng.integers(4, 14, m).astype(float) if capped else np.full(m, np.inf)
    f = rng.integers(5, 40, m).astype(float)
    r, c = np.nonzero(np.isfinite(D))
    Q = sp.csr_matrix(((D * q[:, None])[r, c], (r, c)), shape=(n, m))
    return D, q, K, f, Q


def _lp_min_load(D, q, K, L, S):
    """Dense LP with capacity and minimum load on the open set S (independent formulation)."""
    n, k = D.shape[0], len(S)
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
    return res.fun if res.status == 0 else np.inf


def _all_costs(D, q, K, f):
    m = D.shape[1]
    K = np.where(np.isfinite(K), K, 1e9)          # uncapacitated: a capacity no load reaches
    return {S: f[list(S)].sum() + transport_lp(D, q, K, S)
            for k in range(1, m + 1) for S in itertools.combinations(range(m), k)}


SEEDS = range(6)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("capped", [True, False])
def test_transport_cost_and_flows_match_dense_lp(seed, capped):
    D, q, K, f, Q = _instance(seed, capped=capped)
    tr = Transport(Q, q, K, f, None)
    for S, want in _all_costs(D, q, K, f).items():
        got, flows = tr.evaluate(np.array(S[::-1]))
        if not np.isfinite(want):
            assert got == np.inf and flows is None
            continue
        assert got == pytest.approx(want, rel=1e-7, abs=1e-7)
        rows, cols, frac = flows
        assert set(cols) <= set(S)
        # every customer fully served; capacities respected; cost reproduced from the flows
        assert np.bincount(rows, weights=frac, minlength=5) == pytest.approx(np.ones(5))
        load = np.bincount(cols, weights=frac * q[rows], minlength=4)
        assert (load <= np.where(np.isfinite(K), K, np.inf) + 1e-7).all()
        assert f[list(S)].sum() + float((frac * q[rows] * D[rows, cols]).sum()) == pytest.approx(want)
        assert tr.relaxed(np.array(S)) <= want + 1e-9
        # the cutoff only prunes sets whose bound reaches it; a generous cutoff keeps the exact cost
        assert Transport(Q, q, K, f, None).evaluate(np.array(S), cutoff=want + 1)[0] == \
            pytest.approx(want)


@pytest.mark.parametrize("seed", SEEDS)
def test_transport_with_minimum_load_matches_dense_lp(seed):
    D, q, K, f, Q = _instance(seed)
    L = np.array([0.0, 3.0, 0.0, 5.0])
    tr = Transport(Q, q, K, f, L)
    for k in range(1, 5):
        for S in itertools.combinations(range(4), k):
            want = _lp_min_load(D, q, K, L, list(S))
            want = f[list(S)].sum() + want if np.isfinite(want) else np.inf
            if K[list(S)].sum() < q.sum() - 1e-9:
                want = np.inf
            got, flows = tr.evaluate(np.array(S))
            assert got == pytest.approx(want, rel=1e-7) if np.isfinite(want) else got == np.inf
            if flows is not None:
                rows, cols, frac = flows
                load = np.bincount(cols, weights=frac * q[rows], minlength=4)
                assert (load[list(S)] >= L[list(S)] - 1e-7).all()


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("capped", [True, False])
def test_lagrangian_bound_probe_and_local_search_against_enumeration(seed, capped):
    D, q, K, f, Q = _instance(seed, capped=capped)
    costs = _all_costs(D, q, K, f)
    opt = min(costs.values())
    tr = Transport(Q, q, K, f, None)
    none = np.zeros(0, dtype=np.int64)
    lb, S, ub, v, starts = lagrangian_cfl(Q, q, K, f, none, tr, Clock(None), max_iter=60)
    assert lb <= opt + 1e-6 * opt                      # a valid lower bound
    assert ub >= opt - 1e-6
    if S is not None:
        assert ub == pytest.approx(costs[tuple(sorted(S))])
    for s in starts:
        assert tuple(sorted(s)) in costs and np.isfinite(costs[tuple(sorted(s))])
    # probing with upper = optimum: never closes a candidate every optimum uses, never forces one
    close, keep_open = probe_fixings(v, lb, K, q.sum(), none, opt * (1 + 1e-9))
    optimal = [set(T) for T, c in costs.items() if c <= opt * (1 + 1e-9)]
    for j in close:
        assert not all(j in T for T in optimal), (j, optimal)
        assert any(j not in T for T in optimal)
    for j in keep_open:
        assert any(j in T for T in optimal)
    # local search from every single feasible open set: never worse, cost = exact cost of its set
    for T, c in costs.items():
        if not np.isfinite(c):
            continue
        S2, c2 = local_search(np.array(T), c, Transport(Q, q, K, f, None), none, v, Clock(None))
        assert c2 <= c + 1e-9 and c2 == pytest.approx(costs[tuple(sorted(S2))])
    # from the single worst feasible set, descent with swaps reaches a local optimum: no single
    # drop/add/swap of the result improves it
    T = max((t for t in costs if np.isfinite(costs[t])), key=costs.get)
    S2, c2 = local_search(np.array(T), costs[T], Transport(Q, q, K, f, None), none, v, Clock(None))
    cur = set(S2.tolist())
    for j in range(4):
        for nb in (cur - {j}, cur | {j}):
            if nb and nb != cur:
                assert costs[tuple(sorted(nb))] >= c2 - 1e-7
        for i in cur:
            nb = (cur - {i}) | {j}
            if j not in cur and nb:
                assert costs[tuple(sorted(nb))] >= c2 - 1e-7


@pytest.mark.parametrize("seed", range(20))
def test_y_choice_matches_lp(seed):
    rng = np.random.default_rng(100 + seed)
    m = 6
    v = rng.normal(5, 10, m)
    capv = rng.integers(2, 10, m).astype(float)
    total = float(rng.integers(5, 25))
    pmin = int(rng.integers(0, 4))
    one = np.array([0]) if seed % 3 == 0 else np.zeros(0, dtype=np.int64)
    zero = np.array([1]) if seed % 2 == 0 else np.zeros(0, dtype=np.int64)
    bounds = [(1, 1) if j in one else (0, 0) if j in zero else (0, 1) for j in range(m)]
    res = linprog(v, A_ub=np.vstack([-capv, -np.ones(m)]), b_ub=[-total, -pmin], bounds=bounds,
                  method="highs")
    y, val = y_choice(v, capv, total, pmin, one, zero)
    if res.status != 0:
        assert y is None and val == np.inf
        return
    assert val == pytest.approx(res.fun, abs=1e-7)
    assert float(v @ y) == pytest.approx(res.fun, abs=1e-7)
    assert capv @ y >= total - 1e-7 and y.sum() >= pmin - 1e-7
    assert (y >= -1e-9).all() and (y <= 1 + 1e-9).all()
    assert (y[one] == 1).all() and (y[zero] == 0).all()
