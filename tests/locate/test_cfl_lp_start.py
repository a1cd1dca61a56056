"""The LP start of facility_location on sparse split-demand models (issue 19: national biogas).

Expected values: brute force over every open set with an independent transportation LP
(``locate_brute``), and the strong LP relaxation built here from the model's formula with scipy.
"""

# ruff: noqa: N803, N806  (matrix notation of the OR literature: D, K, P)

from __future__ import annotations

import logging

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

import arealsirk.defaults as d
from arealsirk.locate import facility_location

from .locate_brute import brute_cfl


def _sparse_instance(seed: int, n: int = 14, m: int = 6, reach: int = 3):
    """Each row may be served by its ``reach`` nearest candidates only (a haul limit)."""
    rng = np.random.default_rng(seed)
    pts, cand = rng.random((n, 2)) * 100, rng.random((m, 2)) * 100
    dist = np.hypot(*(pts[:, None, :] - cand[None, :, :]).transpose(2, 0, 1))
    D = np.full((n, m), np.inf)
    near = np.argsort(dist, axis=1)[:, :reach]
    rows = np.repeat(np.arange(n), reach)
    D[rows, near.ravel()] = dist[rows, near.ravel()]
    q = rng.integers(5, 40, n).astype(float)
    K = np.full(m, q.sum() / 2.5)
    f = rng.integers(300, 900, m).astype(float)
    return D, q, K, f


def _strong_lp(D, q, K, f) -> float:
    """min f.y + sum q_i c_ij x_ij s.t. sum_j x_ij = 1, sum_i q_i x_ij <= K_j y_j, x_ij <= y_j, 0..1."""
    n, m = D.shape
    r, c = np.nonzero(np.isfinite(D))
    P = r.size
    cost = np.concatenate([q[r] * D[r, c], f])
    a_eq = sp.csr_matrix((np.ones(P), (r, np.arange(P))), shape=(n, P + m))
    cap = sp.csr_matrix((np.r_[q[r], -K], (np.r_[c, np.arange(m)], np.r_[np.arange(P), P + np.arange(m)])),
                        shape=(m, P + m))
    link = sp.csr_matrix((np.r_[np.ones(P), -np.ones(P)], (np.r_[np.arange(P), np.arange(P)],
                                                            np.r_[np.arange(P), P + c])), shape=(P, P + m))
    a_ub = sp.vstack([cap, link])
    res = linprog(cost, A_ub=a_ub, b_ub=np.zeros(a_ub.shape[0]), A_eq=a_eq, b_eq=np.ones(n), bounds=(0, 1),
                  method="highs")
    assert res.status == 0
    return float(res.fun)


@pytest.fixture
def large_path(monkeypatch):
    """Force the large-model path (no straight MILP) so the LP start is what runs."""
    real = d.default
    over: dict[str, float] = {"locate.cfl_milp_max_pairs": 0}
    monkeypatch.setattr(d, "default", lambda key: over[key] if key in over else real(key))
    return over


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_lp_start_reaches_the_brute_force_optimum_with_the_lp_bound(seed, large_path, caplog):
    D, q, K, f = _sparse_instance(seed)
    opt = brute_cfl(D, q, K, f)
    lp = _strong_lp(D, q, K, f)
    with caplog.at_level(logging.DEBUG, logger="arealsirk"):
        r = facility_location(D, q, K, f)
    assert "facility_location: LP bound" in caplog.text          # the LP start ran
    assert r.method in ("lp+transport", "lp+transport+milp", "milp")   # HiGHS continued on a gap
    assert lp <= opt + 1e-6
    # the bound is at least the LP relaxation's value (the multipliers are the LP's demand duals)
    # and never above the optimum
    assert lp * (1 - 1e-7) <= r.lower_bound <= opt * (1 + 1e-9)
    assert opt * (1 - 1e-9) <= r.objective <= opt * (1 + 1e-4)    # non-exact: HiGHS' 1e-4 gap at most
    flows = r.flows.toarray()
    assert np.allclose(flows.sum(axis=1), q)
    assert np.all(flows.sum(axis=0) <= K + 1e-6)
    assert np.all(flows[~np.isfinite(D)] == 0)


def test_exact_mode_from_the_lp_start_proves_the_optimum(large_path):
    D, q, K, f = _sparse_instance(5)
    opt = brute_cfl(D, q, K, f)
    r = facility_location(D, q, K, f, exact=True)
    assert r.status == "optimal" and r.gap == 0.0
    assert r.objective == pytest.approx(opt, rel=1e-9)


def test_lp_start_not_used_above_its_pair_limit_or_time(large_path, caplog):
    D, q, K, f = _sparse_instance(0)
    opt = brute_cfl(D, q, K, f)
    large_path["locate.cfl_lp_max_pairs"] = 0                 # above the limit: the subgradient search
    with caplog.at_level(logging.DEBUG, logger="arealsirk"):
        r = facility_location(D, q, K, f)
    assert "LP bound" not in caplog.text and "Lagrangian bound" in caplog.text
    assert r.lower_bound <= opt + 1e-6 and r.objective >= opt - 1e-6
    caplog.clear()
    large_path["locate.cfl_lp_max_pairs"] = 10**6
    large_path["locate.cfl_lp_time_limit"] = 1e-9              # HiGHS stops before the LP is solved
    with caplog.at_level(logging.DEBUG, logger="arealsirk"):
        r = facility_location(D, q, K, f)
    assert "LP relaxation not used" in caplog.text and "Lagrangian bound" in caplog.text
    assert r.objective >= opt - 1e-6
