"""Row generation of the linking rows ``x_ij <= y_j`` for exact facility location (issue 19: capb, capc).

Expected values: the strong LP relaxation built here from the formula with scipy (every linking row),
brute force over every open set with an independent transportation LP (``locate_brute``), and scipy's
MILP on the rows kept.
"""

# ruff: noqa: N803, N806  (matrix notation of the OR literature: D, K, A)

from __future__ import annotations

import logging

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from arealsirk.locate import facility_location
from arealsirk.locate._cfl_rows import generate_linking_rows
from arealsirk.locate._common import Clock
from arealsirk.locate._milp import solve_milp_warm

from .locate_brute import brute_cfl

pytest.importorskip("highspy")


def _instance(seed: int, n: int = 12, m: int = 6, *, tight: float = 1.15):
    """Dense costs; capacities that hold ``tight`` times the demand over the fewest plants that fit."""
    rng = np.random.default_rng(seed)
    pts, cand = rng.random((n, 2)) * 100, rng.random((m, 2)) * 100
    D = np.hypot(*(pts[:, None, :] - cand[None, :, :]).transpose(2, 0, 1))
    q = rng.integers(5, 40, n).astype(float)
    K = np.full(m, q.sum() * tight / 3)
    f = rng.integers(200, 900, m).astype(float)
    return D, q, K, f


def _model(D, q, K, f):
    """The layout `generate_linking_rows` reads: y (m) then x per pair (row-major); demand rows, one
    linking row per pair, then the capacity rows (written here from the formula)."""
    n, m = D.shape
    r, c = np.nonzero(np.isfinite(D))
    P = r.size
    cost = np.concatenate([f, q[r] * D[r, c]])
    demand = sp.csr_matrix((np.ones(P), (r, m + np.arange(P))), shape=(n, m + P))
    link = sp.csr_matrix((np.r_[np.ones(P), -np.ones(P)], (np.r_[np.arange(P), np.arange(P)],
                                                            np.r_[m + np.arange(P), c])), shape=(P, m + P))
    finite = np.flatnonzero(np.isfinite(K))
    rows_of = {j: t for t, j in enumerate(finite)}
    sel = np.isin(c, finite)
    cap = sp.csr_matrix((np.r_[q[r[sel]], -K[finite]],
                         (np.r_[[rows_of[j] for j in c[sel]], np.arange(finite.size)],
                          np.r_[m + np.flatnonzero(sel), finite])), shape=(finite.size, m + P))
    A = sp.vstack([demand, link, cap]).tocsr()
    lo = np.r_[np.ones(n), np.full(P, -np.inf), np.full(finite.size, -np.inf)]
    hi = np.r_[np.ones(n), np.zeros(P), np.zeros(finite.size)]
    integ = np.r_[np.ones(m), np.zeros(P)]
    return (cost, A, lo, hi, np.zeros(m + P), np.ones(m + P), integ), c


def _lp(model, keep=None) -> float:
    cost, A, lo, hi, lb, ub, _ = model
    if keep is not None:
        A, lo, hi = A[keep], lo[keep], hi[keep]
    res = linprog(cost, A_ub=sp.vstack([A[np.isfinite(hi)], -A[np.isfinite(lo)]]),
                  b_ub=np.r_[hi[np.isfinite(hi)], -lo[np.isfinite(lo)]], bounds=np.c_[lb, ub], method="highs")
    assert res.status == 0
    return float(res.fun)


@pytest.mark.parametrize("seed", range(6))
def test_rows_reach_the_strong_lp_and_keep_the_milp_exact(seed):
    D, q, K, f = _instance(seed)
    model, cj = _model(D, q, K, f)
    n, m = D.shape
    out = generate_linking_rows(model, m=m, n_rows=n, cj=cj, K=K, clock=Clock(None), max_rounds=50)
    assert out is not None
    strong = _lp(model)                                  # every linking row
    weak = _lp(model, np.r_[np.ones(n, bool), np.zeros(cj.size, bool), np.ones(m, bool)])
    assert out.bound == pytest.approx(strong, rel=1e-7)
    assert weak < strong - 1e-6                          # the rows matter on these instances
    # demand and capacity rows are always kept; only some linking rows are
    assert out.keep[:n].all() and out.keep[n + cj.size:].all()
    assert out.linking == int(out.keep[n:n + cj.size].sum()) < cj.size
    assert out.rounds >= 2
    # the MILP on the kept rows alone has the brute-force optimum (capacity rows imply the others)
    cost, A, lo, hi, lb, ub, integ = model
    k = out.keep
    res = milp(cost, constraints=LinearConstraint(A[k], lo[k], hi[k]), bounds=Bounds(lb, ub),
               integrality=integ)
    assert res.status == 0
    assert res.fun == pytest.approx(brute_cfl(D, q, K, f), rel=1e-9)


def test_uncapacitated_candidates_keep_every_linking_row():
    D, q, K, f = _instance(3)
    K = K.copy()
    K[[1, 4]] = np.inf                                   # no capacity row implies their linking rows
    model, cj = _model(D, q, K, f)
    n, m = D.shape
    out = generate_linking_rows(model, m=m, n_rows=n, cj=cj, K=K, clock=Clock(None), max_rounds=50)
    assert out is not None
    assert out.keep[n + np.flatnonzero(np.isin(cj, [1, 4]))].all()
    assert out.bound == pytest.approx(_lp(model), rel=1e-7)


def test_too_few_rounds_or_no_time_return_none():
    D, q, K, f = _instance(0)
    model, cj = _model(D, q, K, f)
    n, m = D.shape
    assert generate_linking_rows(model, m=m, n_rows=n, cj=cj, K=K, clock=Clock(None), max_rounds=1) is None
    expired = Clock(1e-9)
    while not expired.expired():
        pass
    assert generate_linking_rows(model, m=m, n_rows=n, cj=cj, K=K, clock=expired, max_rounds=50) is None


@pytest.mark.parametrize("seed", [0, 3, 9, 10])   # seeds where probing leaves a gap for HiGHS
def test_exact_facility_location_with_generated_rows_proves_the_brute_force_optimum(seed, lagrangian_path,
                                                                                      caplog):
    D, q, K, f = _instance(seed, n=14, m=7)
    opt = brute_cfl(D, q, K, f)
    with caplog.at_level(logging.DEBUG, logger="arealsirk"):
        r = facility_location(D, q, K, f, exact=True)
    assert r.status == "optimal" and r.gap == 0.0
    assert r.objective == pytest.approx(opt, rel=1e-9)
    flows = r.flows.toarray()
    assert np.allclose(flows.sum(axis=1), q) and np.all(flows.sum(axis=0) <= K + 1e-6)
    assert set(np.flatnonzero(flows.sum(axis=0) > 1e-9)) <= set(r.facilities.tolist())
    assert "linking rows after" in caplog.text          # the generated rows, not the full model, ran


def test_exact_facility_location_falls_back_to_every_row(lagrangian_path, caplog):
    D, q, K, f = _instance(10, n=14, m=7)
    opt = brute_cfl(D, q, K, f)
    lagrangian_path["locate.cfl_linking_max_rounds"] = 1   # seed 10 needs 4 LPs
    with caplog.at_level(logging.DEBUG, logger="arealsirk"):
        r = facility_location(D, q, K, f, exact=True)
    assert "linking rows after" not in caplog.text
    assert r.status == "optimal" and r.objective == pytest.approx(opt, rel=1e-9)


def test_milp_without_primal_heuristics_still_finds_and_proves_the_optimum():
    # max 5a + 4b + 3c s.t. 2a + 3b + c <= 5, 4a + b + 2c <= 11, 3a + 4b + 2c <= 8, integer in [0, 3]:
    # by enumeration the optimum is a = 2, b = 0, c = 1: 13.
    c = np.array([5.0, 4.0, 3.0])
    A = sp.csr_matrix(np.array([[2, 3, 1], [4, 1, 2], [3, 4, 2]], dtype=float))
    best = max(5 * a + 4 * b + 3 * cc for a in range(4) for b in range(4) for cc in range(4)
               if 2 * a + 3 * b + cc <= 5 and 4 * a + b + 2 * cc <= 11 and 3 * a + 4 * b + 2 * cc <= 8)
    assert best == 13
    for x0 in (None, np.array([0.0, 0.0, 0.0])):
        out = solve_milp_warm(c, A, np.full(3, -np.inf), np.array([5.0, 11.0, 8.0]), lb=np.zeros(3),
                              ub=np.full(3, 3.0), integrality=np.ones(3), time_limit=10, x0=x0, sense="max",
                              heuristics=False)
        assert out.status == "optimal" and out.objective == pytest.approx(best)
        assert out.x is not None and np.allclose(out.x, [2, 0, 1])


def test_milp_without_strong_branching_sets_the_option_and_still_proves_the_optimum(monkeypatch):
    """``strong_branching=False`` reaches HiGHS as ``mip_pscost_minreliable = 0`` (the default is 8) and
    the answer is the enumerated optimum of the same small knapsack-like model."""
    from arealsirk.locate import _highs

    seen: list[int] = []
    real = _highs.new_highs

    def spy(**kw):
        h = real(**kw)
        real_run = h.run

        def run():
            seen.append(int(h.getOptionValue("mip_pscost_minreliable")[1]))
            return real_run()

        h.run = run
        return h

    monkeypatch.setattr(_highs, "new_highs", spy)
    c = np.array([5.0, 4.0, 3.0])
    A = sp.csr_matrix(np.array([[2, 3, 1], [4, 1, 2], [3, 4, 2]], dtype=float))
    for flag, want in ((False, 0), (True, 8)):
        seen.clear()
        out = solve_milp_warm(c, A, np.full(3, -np.inf), np.array([5.0, 11.0, 8.0]), lb=np.zeros(3),
                              ub=np.full(3, 3.0), integrality=np.ones(3), time_limit=10, x0=None,
                              sense="max", strong_branching=flag)
        assert seen == [want]
        assert out.status == "optimal" and out.objective == pytest.approx(13.0)
