"""Run-5 mutation kills for ``arealsirk.locate.coverage`` (issue 16).

Every figure a planner reads (people covered, sites, upper/lower bound, gap, status, nearest covering
site) is checked against brute force (``locate_brute``) and hand formulas on small random instances,
dense and sparse, integer and fractional weights, with and without fixed sites and ``exact``.
"""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from arealsirk.errors import InfeasibleError
from arealsirk.locate.coverage import max_coverage, set_coverage
from tests.locate.locate_brute import brute_lscp, brute_mclp


def _instance(seed: int, n: int, m: int, integer: bool):
    rng = np.random.default_rng(seed)
    D = np.round(rng.uniform(0.1, 10, size=(n, m)), 1)
    D[rng.random((n, m)) < 0.15] = np.inf
    w = rng.integers(1, 9, size=n).astype(float) if integer else np.round(rng.uniform(0.1, 5, size=n), 3)
    w[rng.random(n) < 0.1] = 0.0
    # duplicate a few rows so aggregation merges them
    D[-2] = D[0]
    return D, w


def _nearest(D, sites, radius):
    """Nearest open site within radius (lowest index among ties), -1 if none."""
    out = np.full(D.shape[0], -1)
    for i in range(D.shape[0]):
        best = None
        for j in sorted(sites):
            if D[i, j] <= radius and (best is None or D[i, j] < D[i, best]):
                best = j
        out[i] = -1 if best is None else best
    return out


def _gap(upper, lower):
    return max(0.0, (upper - lower) / max(abs(upper), abs(lower), 1e-12))


def _check_mclp(D, w, p, radius, fixed, res):
    opt, _ = brute_mclp(D, w, p, radius, fixed=fixed)
    sites = [int(j) for j in res.facilities]
    assert len(sites) == p and set(fixed) <= set(sites) and sorted(sites) == sites
    cov = (D[:, sites] <= radius).any(axis=1)
    val = float(w[cov].sum())
    assert res.objective == pytest.approx(val, abs=1e-9)
    assert res.lower_bound == pytest.approx(val, abs=1e-9)
    assert np.array_equal(res.covered, cov)
    assert np.array_equal(res.assignment, _nearest(D, sites, radius))
    assert res.upper_bound >= opt - 1e-9 and res.upper_bound >= val - 1e-9
    assert res.upper_bound <= w.sum() + 1e-9
    assert res.gap == pytest.approx(_gap(res.upper_bound, val), abs=1e-12)
    if res.gap == 0:
        assert res.status == "optimal" and val == pytest.approx(opt) and res.upper_bound == pytest.approx(opt)
    else:
        assert res.status in ("feasible", "time_limit")
    rows = np.flatnonzero(res.assignment >= 0)
    fl = res.flows.toarray()
    assert fl.shape == D.shape and fl.sum() == rows.size
    assert np.all(fl[rows, res.assignment[rows]] == 1)
    return opt, val


CASES = [(s, n, m, p, integer, sparse, fixed, exact)
         for s, (n, m, p) in enumerate([(9, 6, 2), (10, 7, 3), (8, 5, 1), (12, 6, 4), (7, 6, 5), (10, 6, 6)])
         for integer in (True, False) for sparse in (False, True)
         for fixed in ((), (1,)) for exact in (False, True)]


@pytest.mark.parametrize(("seed", "n", "m", "p", "integer", "sparse", "fixed", "exact"), CASES)
def test_max_coverage_figures_match_brute_force(seed, n, m, p, integer, sparse, fixed, exact):
    D, w = _instance(seed, n, m, integer)
    radius = 4.0
    cost = D
    if sparse:
        cut = np.where(radius >= D, D, 0.0)
        cost = sp.csr_matrix(cut)  # distances are >= 0.1, so every kept entry is stored
    res = max_coverage(cost, p, radius, weights=w, fixed=fixed, exact=exact)
    opt, val = _check_mclp(D, w, p, radius, fixed, res)
    if exact or p == m or p == len(fixed):
        assert val == pytest.approx(opt) and res.status == "optimal" and res.gap == 0.0
        assert res.upper_bound == pytest.approx(opt)
    assert res.method in (("heuristic", "heuristic+milp") if exact else ("heuristic",))


def test_max_coverage_unit_weights_and_exact_optimum_with_gap_instance():
    # rows 0..5; site 0 covers {0,1,2}, site 1 covers {2,3,4}, site 2 covers {4,5,0}, site 3 covers {1,3,5}
    D = np.full((6, 4), np.inf)
    for j, rows in enumerate([(0, 1, 2), (2, 3, 4), (4, 5, 0), (1, 3, 5)]):
        D[list(rows), j] = 1.0
    for exact in (False, True):
        res = max_coverage(D, 2, 1.0, exact=exact)
        # no pair covers all 6 rows (each pair misses one), e.g. sites 0+1 cover {0,1,2,3,4} = 5
        assert res.objective == 5.0 and res.lower_bound == 5.0
        assert 5.0 <= res.upper_bound <= 6.0  # integer weights: the bound is rounded down to an integer
        assert res.gap == pytest.approx((res.upper_bound - 5.0) / res.upper_bound, abs=1e-12)
        if exact:
            assert res.upper_bound == 5.0 and res.gap == 0.0 and res.status == "optimal"


def test_set_coverage_figures_match_brute_force():
    for seed in range(8):
        rng = np.random.default_rng(100 + seed)
        n, m = 9, 7
        D = np.round(rng.uniform(0, 10, size=(n, m)), 1)
        radius = 4.0
        D[:, 6] = np.where(D[:, 6] <= radius, D[:, 6], 3.0 + (np.arange(n) % 2))  # site 6 covers all
        D[rng.random((n, m)) < 0.2] = np.inf
        D[np.arange(n), rng.integers(0, m, n)] = 2.0  # every row coverable
        for fixed in ((), (2,)):
            k, _ = brute_lscp(D, radius, fixed=fixed)
            for exact in (False, True):
                res = set_coverage(D, radius, fixed=fixed, exact=exact)
                sites = [int(j) for j in res.facilities]
                assert sorted(sites) == sites and set(fixed) <= set(sites)
                assert (D[:, sites] <= radius).any(axis=1).all()
                assert res.objective == float(len(sites)) == res.upper_bound
                assert res.lower_bound <= k + 1e-9 and res.lower_bound >= 1
                assert res.lower_bound == float(int(res.lower_bound))
                assert res.gap == pytest.approx(_gap(res.objective, res.lower_bound), abs=1e-12)
                assert res.status == ("optimal" if res.gap == 0 else "feasible")
                assert np.array_equal(res.assignment, _nearest(D, sites, radius))
                assert res.covered.all()
                if exact:
                    assert len(sites) == k and res.status == "optimal" and res.method in ("milp", "heuristic")
                else:
                    assert res.method == "heuristic"


def test_set_coverage_infeasible_message_lists_rows():
    D = np.full((8, 2), 9.0)
    D[0, 0] = 1.0
    with pytest.raises(InfeasibleError) as e:
        set_coverage(D, 2.0)
    assert str(e.value) == ("set_coverage: demand rows 1, 2, 3, 4, 5 and 2 more have no candidate "
                            "within radius 2; widen the radius or drop them")
    D[:, 1] = 1.0
    D[3, 1] = 9.0
    D[3, 0] = 9.0
    with pytest.raises(InfeasibleError) as e:
        set_coverage(D, 2.0)
    assert str(e.value) == ("set_coverage: demand rows 3 have no candidate within radius 2; "
                            "widen the radius or drop them")


def test_set_coverage_infeasible_message_exactly_five_rows_has_no_more_clause():
    D = np.full((6, 2), 9.0)
    D[0, 0] = 1.0
    with pytest.raises(InfeasibleError) as e:
        set_coverage(D, 2.0)
    assert str(e.value) == ("set_coverage: demand rows 1, 2, 3, 4, 5 have no candidate "
                            "within radius 2; widen the radius or drop them")
