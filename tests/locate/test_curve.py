"""coverage_curve: one incremental pass, proven bounds per count (checked against brute force), sparse
cutoff input equal to dense, target search."""

# ruff: noqa: N806

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from arealsirk.errors import InputError
from arealsirk.locate import coverage_curve, max_coverage

from .locate_brute import brute_mclp


def _instance(seed: int = 1, n: int = 60, m: int = 10):
    rng = np.random.default_rng(seed)
    pts = rng.random((n, 2)) * 10
    cand = rng.random((m, 2)) * 10
    D = np.hypot(*(pts[:, None, :] - cand[None, :, :]).transpose(2, 0, 1))
    w = rng.integers(1, 20, n).astype(float)
    return D, w


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_curve_bounds_bracket_brute_force_optimum(seed):
    D, w = _instance(seed)
    cur = coverage_curve(D, 2.5, 6, weights=w)
    assert list(cur.counts) == [1, 2, 3, 4, 5, 6]
    for k, val, up, S in zip(cur.counts, cur.covered, cur.upper_bound, cur.facilities, strict=True):
        best, _ = brute_mclp(D, w, int(k), 2.5)
        assert val <= best + 1e-9 <= up + 1e-9                      # solution <= optimum <= bound
        assert S.size == k and w[(D[:, S] <= 2.5).any(axis=1)].sum() == pytest.approx(val)
        assert val >= best - 1e-9 or cur.gap[k - 1] > 0             # a gap of 0 is a proof
    assert np.all(np.diff(cur.covered) >= -1e-9)                     # carried from k to k + 1


def test_curve_equals_max_coverage_values_and_sparse_equals_dense():
    D, w = _instance(5, n=200, m=25)
    cur = coverage_curve(D, 2.0, 8, weights=w, lagrange_iter=300)
    for k in (3, 8):
        single = max_coverage(D, k, 2.0, weights=w)
        # both heuristics are proven within their own gaps of the same optimum
        assert cur.covered[k - 1] <= single.upper_bound + 1e-9
        assert single.objective <= cur.upper_bound[k - 1] + 1e-9
    rows, cols = np.nonzero(D <= 2.0)                               # sparse, cut at the radius
    S = sp.csr_matrix((D[rows, cols], (rows, cols)), shape=D.shape)
    cur_s = coverage_curve(S, 2.0, 8, weights=w, lagrange_iter=300)
    assert np.allclose(cur_s.covered, cur.covered) and np.allclose(cur_s.upper_bound, cur.upper_bound)
    r = cur_s.result(5)
    assert r.objective == pytest.approx(cur.covered[4]) and r.covered.sum() > 0


def test_curve_target_continues_past_k_max():
    D, w = _instance(7, n=120, m=30)
    cur = coverage_curve(D, 1.5, 2, weights=w, target=0.9)
    shares = cur.share
    assert cur.needed is not None and cur.counts[-1] == cur.needed
    assert shares[-1] >= 0.9 and (shares[:-1] < 0.9).all()
    none = coverage_curve(D, 0.01, 2, weights=w, target=0.99)
    assert none.needed is None and none.counts[-1] == 30


def test_curve_bad_input():
    D, _ = _instance()
    with pytest.raises(InputError, match="target"):
        coverage_curve(D, 2.0, 3, target=1.5)
    with pytest.raises(InputError, match="k_max"):
        coverage_curve(D, 2.0, 2, k_min=3)
    with pytest.raises(InputError, match="k_max"):
        coverage_curve(D, 2.0, 0)
