"""The Lagrangian bound of capacitated facility location keeps the minimum plant size.

With the demand constraints relaxed and ``y`` relaxed to [0, 1], the Lagrangian dual equals the LP
relaxation of the strong formulation (``x_ij <= y_j``, ``L_j y_j <= sum_i q_i x_ij <= K_j y_j``;
Geoffrion 1974, integrality property).  The tests compute that LP with scipy's ``linprog`` (a second
formula) and the optimum by brute force over open sets (one transportation LP with minimum loads per
set), and check the bound against both.
"""

# ruff: noqa: N803, N806  (matrix notation of the OR literature: D, K, L, Q, S, A)

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

from arealsirk.locate import facility_location
from arealsirk.locate._cfl_heuristic import Transport, lagrangian_cfl
from arealsirk.locate._common import Clock


def strong_lp(D, q, K, f, L):
    """LP relaxation of the strong CFL formulation with minimum loads (variables y then x row-major)."""
    n, m = D.shape
    c = np.concatenate([f, (D * q[:, None]).ravel()])
    nv = m + n * m
    A_eq = np.zeros((n, nv))
    for i in range(n):
        A_eq[i, m + i * m: m + (i + 1) * m] = 1.0
    rows = []
    for i in range(n):                       # x_ij - y_j <= 0
        for j in range(m):
            r = np.zeros(nv)
            r[m + i * m + j], r[j] = 1.0, -1.0
            rows.append(r)
    for j in range(m):                       # sum_i q_i x_ij - K_j y_j <= 0 ; L_j y_j - sum_i q_i x_ij <= 0
        cap = np.zeros(nv)
        cap[j] = -K[j]
        low = np.zeros(nv)
        low[j] = L[j]
        for i in range(n):
            cap[m + i * m + j] = q[i]
            low[m + i * m + j] = -q[i]
        rows += [cap, low]
    res = linprog(c, A_ub=np.array(rows), b_ub=np.zeros(len(rows)), A_eq=A_eq, b_eq=np.ones(n),
                  bounds=(0, 1), method="highs")
    assert res.status == 0
    return float(res.fun)


def brute_min_load(D, q, K, f, L):
    """Optimum by enumerating open sets; each set's cheapest split flows with its minimum loads (LP)."""
    n, m = D.shape
    best = np.inf
    for k in range(1, m + 1):
        for S in itertools.combinations(range(m), k):
            S = list(S)
            s = len(S)
            c = (D[:, S] * q[:, None]).ravel()
            A_eq = np.kron(np.eye(n), np.ones(s))
            A_cap = np.kron(q[None, :], np.eye(s))          # sum_i q_i x_ij per open j
            res = linprog(c, A_ub=np.vstack([A_cap, -A_cap]), b_ub=np.concatenate([K[S], -L[S]]),
                          A_eq=A_eq, b_eq=np.ones(n), bounds=(0, 1), method="highs")
            if res.status == 0:
                best = min(best, f[S].sum() + res.fun)
    return best


def lagrangian_bound(D, q, K, f, L):
    r, c = np.nonzero(np.ones_like(D))                  # every pair allowed (zeros kept explicitly)
    Q = sp.csr_matrix(((D * q[:, None])[r, c], (r, c)), shape=D.shape)
    tr = Transport(Q, q, K, f, L)
    lb, *_ = lagrangian_cfl(Q, q, K, f, np.zeros(0, dtype=np.int64), tr, Clock(None), max_iter=600, L=L)
    return lb


def test_three_villages_each_with_a_plot_hand_figures():
    # three sources of 1 t, a candidate at each, 2 km between any two, fixed cost 1, minimum load 2 t:
    # only one plant can reach 2 t, so the optimum is 1 + 2 x 2 = 5; without the minimum all three open
    # at 3.  Strong LP by hand (symmetric y, own share a <= y <= 1/2): 3y + 6 (1 - a) -> 4.5.
    D = np.array([[0, 2, 2], [2, 0, 2], [2, 2, 0]], dtype=float)
    q, K, f, L = np.ones(3), np.full(3, 100.0), np.ones(3), np.full(3, 2.0)
    assert brute_min_load(D, q, K, f, L) == pytest.approx(5.0)
    assert strong_lp(D, q, K, f, L) == pytest.approx(4.5)
    assert strong_lp(D, q, K, f, np.zeros(3)) == pytest.approx(3.0)
    with_min = lagrangian_bound(D, q, K, f, L)
    without = lagrangian_bound(D, q, K, f, None)
    assert without == pytest.approx(3.0, abs=1e-6)
    assert with_min == pytest.approx(4.5, abs=1e-3)
    assert with_min <= 4.5 + 1e-9


def test_a_candidate_that_cannot_reach_its_minimum_is_never_opened():
    # candidate 2 may only serve source 2 (0.5 t) but needs 1 t: it can never open
    D = np.array([[1, 9, np.inf], [9, 1, np.inf], [5, 5, 0]], dtype=float)
    q, K, f, L = np.array([1.0, 1.0, 0.5]), np.full(3, 10.0), np.array([3.0, 3.0, 0.1]), np.array([0, 0, 1.0])
    r, c = np.nonzero(np.isfinite(D))
    Q = sp.csr_matrix(((D * q[:, None])[r, c], (r, c)), shape=D.shape)
    tr = Transport(Q, q, K, f, L)
    lb, S, ub, v, _ = lagrangian_cfl(Q, q, K, f, np.zeros(0, dtype=np.int64), tr, Clock(None),
                                      max_iter=300, L=L)
    assert np.isinf(v[2])
    assert 2 not in set(S.tolist())
    # optimum by hand: open 0 or 1 alone (3 + 1 + 9 + 2.5 = 15.5) or both (6 + 1 + 1 + 2.5 = 10.5)
    assert ub == pytest.approx(10.5)
    assert lb <= 10.5 + 1e-9


@pytest.mark.parametrize("seed", range(6))
def test_bound_between_strong_lp_and_optimum_on_random_instances(seed):
    rng = np.random.default_rng(seed)
    n, m = 6, 4
    pts, sites = rng.uniform(0, 10, (n, 2)), rng.uniform(0, 10, (m, 2))
    D = np.hypot(*(pts[:, None, :] - sites[None, :, :]).transpose(2, 0, 1))
    q = rng.integers(1, 5, n).astype(float)
    K = np.full(m, q.sum())
    f = rng.uniform(5, 15, m)
    L = np.full(m, 0.45 * q.sum())                      # at most two plants can open
    opt = brute_min_load(D, q, K, f, L)
    lp = strong_lp(D, q, K, f, L)
    lb = lagrangian_bound(D, q, K, f, L)
    assert lb <= lp + 1e-6 * max(1.0, lp)               # a Lagrangian value never exceeds the dual optimum
    assert lb >= lp - 0.02 * abs(lp)                    # the subgradient gets within 2 % of it
    assert lp <= opt + 1e-9
    r = facility_location(D, q, K, f, min_load=L, exact=True)
    assert r.objective == pytest.approx(opt, rel=1e-7)
    assert r.lower_bound <= r.objective + 1e-9
