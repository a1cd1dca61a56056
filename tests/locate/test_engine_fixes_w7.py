"""Five engine bugs found by the run-6 mutation triage (wave 7), each pinned by an independent figure.

(a) the Lagrangian facility-location search stopped after one step while no feasible open set was known;
(b) tiny demand weights made HiGHS call a suboptimal covering set optimal (absolute tolerances);
(c) ``watch_mip`` reported a maximisation's gap as 0 from its first incumbent;
(d) ``solve_milp_warm`` on a model without integer columns reported the bound 0;
(e) ``set_coverage`` invented a bound when cut by the time limit, and ``_aggregate_rows`` did not merge
    rows with equal covering sets after a hash collision.

Every expected value comes from brute force, a hand figure or scipy -- never from the code under test.
"""

# ruff: noqa: N803, N806  (matrix notation of the OR literature: D, A, K, Q, S)

from __future__ import annotations

import itertools
import logging

import numpy as np
import pytest
import scipy.sparse as sp

import arealsirk.defaults as d
from arealsirk.locate import facility_location
from arealsirk.locate._cfl_heuristic import Transport, lagrangian_cfl
from arealsirk.locate._common import Clock

NONE = np.zeros(0, dtype=np.int64)

# --------------------------------------------------------------------------------------------------
# (a) lagrangian_cfl: the gap test waits for a feasible open set
# --------------------------------------------------------------------------------------------------


def _ufl_instance(seed: int, n: int = 8, m: int = 5):
    """Uncapacitated model with a haul limit: half the pairs not allowed, every row keeps one."""
    rng = np.random.default_rng(seed)
    D = rng.uniform(1, 20, (n, m))
    D[rng.random((n, m)) < 0.5] = np.inf
    D[np.arange(n), rng.integers(0, m, n)] = rng.uniform(1, 20, n)
    q = rng.integers(1, 7, n).astype(float)
    f = rng.uniform(5, 40, m)
    return D, q, f


def _ufl_cost(D, q, f, S) -> float:
    """Fixed costs plus, per row, its demand times the cheapest allowed open candidate (inf: none)."""
    S = list(S)
    if not S:
        return np.inf
    return float(f[S].sum() + (q * D[:, S].min(axis=1)).sum())


def _ufl_brute(D, q, f) -> float:
    m = D.shape[1]
    return min(_ufl_cost(D, q, f, S) for k in range(1, m + 1) for S in itertools.combinations(range(m), k))


@pytest.fixture
def lagrangian_path(monkeypatch):
    """No straight MILP and no LP start: the subgradient search runs (as on large dense models)."""
    real = d.default
    over: dict[str, float] = {"locate.cfl_milp_max_pairs": 0, "locate.cfl_lp_max_pairs": 0}
    monkeypatch.setattr(d, "default", lambda key: over[key] if key in over else real(key))
    return over


@pytest.mark.parametrize("seed", range(6))
def test_lagrangian_cfl_iterates_until_it_finds_a_feasible_open_set(seed):
    """On these seeds the first relaxed open set leaves a row without an allowed candidate (cost inf);
    the search must go on and find a feasible set, whose cost is the brute-force one."""
    D, q, f = _ufl_instance(seed)
    r, c_ = np.nonzero(np.isfinite(D))
    Q = sp.csr_matrix(((D * q[:, None])[r, c_], (r, c_)), shape=D.shape)
    K = np.full(D.shape[1], np.inf)
    tr = Transport(Q, q, K, f, None)
    lb, S, ub, _, starts = lagrangian_cfl(Q, q, K, f, NONE, tr, Clock(None), max_iter=200)
    opt = _ufl_brute(D, q, f)
    assert tr.calls > 1                                   # more than the one first evaluation
    assert S is not None and np.isfinite(ub)
    assert ub == pytest.approx(_ufl_cost(D, q, f, S), rel=1e-9)
    assert lb <= opt + 1e-9 * opt <= ub + 2e-9 * opt
    assert starts and all(np.isfinite(_ufl_cost(D, q, f, s)) for s in starts)


@pytest.mark.parametrize("seed", range(6))
def test_facility_location_keeps_the_lagrangian_path_when_the_first_set_is_infeasible(
        seed, lagrangian_path, caplog):
    """Before the fix the search stopped with "heuristic inf" and the model fell back to the MILP."""
    D, q, f = _ufl_instance(seed)
    opt = _ufl_brute(D, q, f)
    with caplog.at_level(logging.DEBUG, logger="arealsirk"):
        res = facility_location(D, q, np.inf, f)
    assert "heuristic inf" not in caplog.text
    assert res.method == "lagrangian+transport"
    assert res.objective == pytest.approx(_ufl_cost(D, q, f, res.facilities), rel=1e-9)
    assert res.lower_bound is not None and res.lower_bound <= opt * (1 + 1e-9)
    assert res.objective >= opt * (1 - 1e-9)
