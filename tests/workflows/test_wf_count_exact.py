"""The exact plant count of the feedstock engine (``facility_location(..., p=)``) against brute force.

The brute force is independent of arealsirk.locate: for every set of new plants it solves the
allocation (a transportation LP with minimum loads and a "not collected" column) with
scipy's linprog and keeps the best.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from arealsirk.errors import InfeasibleError
from arealsirk.workflows._feedstock import _solve


def _instance(seed: int):
    rng = np.random.default_rng(seed)
    n, m = 10, 5  # sources, sites (site 0 existing); column m is "not collected"
    q = rng.uniform(5, 40, n).round(1)
    xy_s = rng.uniform(0, 30, (n, 2))
    xy_p = rng.uniform(0, 30, (m, 2))
    km = np.hypot(*(xy_s[:, None, :] - xy_p[None, :, :]).transpose(2, 0, 1))
    km[km > 18] = np.inf  # max haul
    penalty = 40.0
    cost = np.column_stack([km, np.full(n, penalty)])
    cap = np.r_[np.full(m, 90.0), np.inf]
    min_load = np.r_[0.0, np.full(m - 1, 30.0), 0.0]  # existing plant and 'not collected': no minimum
    fixed = np.array([0, m])
    return q, cost, cap, min_load, fixed, m


def _allocation_lp(q, cost, cap, min_load, open_cols):
    """Least tonne-km (+ penalty) with only ``open_cols`` open, or inf when infeasible."""
    n = q.size
    pairs = [(i, j) for i in range(n) for j in open_cols if np.isfinite(cost[i, j])]
    c = np.array([q[i] * cost[i, j] for i, j in pairs])
    a_eq = np.zeros((n, len(pairs)))
    for k, (i, _) in enumerate(pairs):
        a_eq[i, k] = 1.0
    a_ub, b_ub = [], []
    for j in open_cols:
        load = np.array([q[i] if jj == j else 0.0 for i, jj in pairs])
        if np.isfinite(cap[j]):
            a_ub.append(load)
            b_ub.append(cap[j])
        if min_load[j] > 0:
            a_ub.append(-load)
            b_ub.append(-min_load[j])
    r = linprog(
        c,
        A_ub=np.array(a_ub) if a_ub else None,
        b_ub=b_ub or None,
        A_eq=a_eq,
        b_eq=np.ones(n),
        bounds=(0, 1),
        method="highs",
    )
    return r.fun if r.status == 0 else np.inf


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("count_new", [1, 2, 3])
def test_count_matches_brute_force(seed, count_new):
    q, cost, cap, min_load, fixed, m = _instance(seed)
    best = min(
        _allocation_lp(q, cost, cap, min_load, [0, m, *combo])
        for combo in itertools.combinations(range(1, m), count_new)
    )
    fcost = np.r_[0.0, np.full(m - 1, 1e6), 0.0]  # ignored with a count
    if not np.isfinite(best):
        with pytest.raises(InfeasibleError, match=f"exactly {count_new} new plant"):
            _solve(cost, q, cap, min_load, fixed, fcost, count_new=count_new, time_limit=None, exact=True)
        return
    res = _solve(cost, q, cap, min_load, fixed, fcost, count_new=count_new, time_limit=None, exact=True)
    opened = set(int(j) for j in res.facilities)
    assert {0, m} <= opened
    assert len(opened - {0, m}) == count_new
    assert res.objective == pytest.approx(best, rel=1e-6, abs=1e-6)
    load = np.asarray(res.flows.sum(axis=0)).ravel()
    for j in opened - {0, m}:
        assert min_load[j] - 1e-6 <= load[j] <= cap[j] + 1e-6


def test_count_that_minimum_sizes_forbid_is_an_error():
    q = np.array([10.0, 10.0])
    cost = np.array([[1.0, 2.0, 50.0], [2.0, 1.0, 50.0]])
    cap = np.array([100.0, 100.0, np.inf])
    min_load = np.array([15.0, 15.0, 0.0])  # both plants open -> at most 20 t to share: one is below 15 t
    with pytest.raises(InfeasibleError, match="exactly 2 new plant"):
        _solve(cost, q, cap, min_load, [2], np.zeros(3), count_new=2, time_limit=None, exact=False)
    res = _solve(cost, q, cap, min_load, [2], np.zeros(3), count_new=1, time_limit=None, exact=False)
    assert res.objective == pytest.approx(10 * 1 + 10 * 2)
