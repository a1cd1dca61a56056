"""Maximal covering (MCLP) and set covering (LSCP): brute force, spopt SF and Swain references."""

# ruff: noqa: N806  (matrix notation of the OR literature: C, D, K, A, Q, S)

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from arealsirk.errors import InfeasibleError
from arealsirk.locate import max_coverage, set_coverage
from arealsirk.locate.instances import read_optima, read_spopt_sf, read_swain

from .locate_brute import brute_lscp, brute_mclp


@pytest.mark.parametrize("seed", range(8))
def test_mclp_tiny_equals_brute_force(seed):
    rng = np.random.default_rng(100 + seed)
    n, m = int(rng.integers(8, 16)), int(rng.integers(4, 9))
    p = int(rng.integers(1, min(3, m) + 1))
    D = rng.uniform(0, 100, size=(n, m))
    w = rng.integers(1, 20, size=n).astype(float)
    radius = 35.0
    fixed = [int(rng.integers(m))] if seed % 2 else []
    best, _ = brute_mclp(D, w, p, radius, fixed)
    ex = max_coverage(D, p, radius, weights=w, fixed=fixed, exact=True)
    he = max_coverage(D, p, radius, weights=w, fixed=fixed, seed=seed)
    assert ex.objective == pytest.approx(best) and ex.status == "optimal"
    assert he.objective <= best + 1e-9
    assert he.upper_bound >= best - 1e-9
    for r in (ex, he):
        assert set(fixed) <= set(r.facilities.tolist()) and len(r.facilities) == p
        covered = (D[:, r.facilities] <= radius).any(axis=1)
        assert np.array_equal(covered, r.covered)
        assert r.objective == pytest.approx(float(w[covered].sum()))
        # assignment: nearest open facility within the radius, -1 otherwise
        assert np.all((r.assignment >= 0) == covered)
        ok = r.assignment >= 0
        assert np.all(D[ok, r.assignment[ok]] <= radius)


@pytest.mark.parametrize("seed", range(5))
def test_lscp_tiny_equals_brute_force(seed):
    rng = np.random.default_rng(200 + seed)
    n, m = int(rng.integers(8, 15)), int(rng.integers(5, 10))
    D = rng.uniform(0, 100, size=(n, m))
    radius = float(np.sort(D.min(axis=1))[-1]) + 10.0
    k, _ = brute_lscp(D, radius)
    ex = set_coverage(D, radius, exact=True)
    he = set_coverage(D, radius)
    assert ex.objective == k and ex.status == "optimal"
    assert he.objective >= k and he.lower_bound <= k
    assert he.covered.all() and ex.covered.all()


def test_lscp_uncoverable_row_is_a_clear_error():
    D = np.array([[1.0, 2.0], [50.0, 60.0]])
    with pytest.raises(InfeasibleError, match="rows 1"):
        set_coverage(D, 10.0)


def test_spopt_san_francisco_mclp_21_uncovered(bench):
    D, w, _, _ = read_spopt_sf(bench=bench)
    rows = {(r["problem"], r["metric"]): float(r["optimal_value"])
            for r in read_optima("spopt_sf", bench=bench)}
    for exact in (False, True):
        r = max_coverage(D, 4, 5000, weights=w, exact=exact)
        assert int((~r.covered).sum()) == 21
        assert 100 * r.covered.mean() == pytest.approx(rows[("MCLP", "perc_cov (% of clients covered)")])
        assert r.objective == rows[("MCLP", "covered POP2000 (objective)")]
    lscp = set_coverage(D, 5000, exact=True)
    assert lscp.objective == rows[("LSCP", "min #facilities")]


def test_swain_mclp_and_lscp(bench):
    D, w = read_swain(bench=bench)
    for row in read_optima("swain", bench=bench):
        val = float(row["optimal_value"])
        if row["problem"] == "MCLP":
            r = max_coverage(D, int(row["p"]), float(row["S"]), weights=w)
            assert r.objective == val
        elif row["problem"] == "LSCP":
            assert set_coverage(D, float(row["S"]), exact=True).objective == val


def test_sparse_cutoff_matrix_equals_dense():
    rng = np.random.default_rng(7)
    D = rng.uniform(0, 100, size=(40, 12))
    dense = np.where(D <= 60, D, np.inf)
    rows, cols = np.nonzero(np.isfinite(dense))
    S = sp.csr_matrix((dense[rows, cols], (rows, cols)), shape=D.shape)
    a = max_coverage(dense, 3, 30.0)
    b = max_coverage(S, 3, 30.0)
    assert a.objective == b.objective
    assert np.array_equal(a.covered, b.covered)
