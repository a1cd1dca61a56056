"""Run-5 mutation kills for the coverage curve (``locate/curve.py``) and its engine (``_coverage_ls``).

Every figure is checked against brute force (``locate_brute.brute_mclp``: all k-subsets) or recomputed
by hand from the matrix: covered weight per count, the proven bound, the gap and the status.
"""

from __future__ import annotations

import numpy as np
import pytest

from arealsirk.locate import coverage_curve

from .locate_brute import brute_mclp


def _instance(seed: int, n: int = 14, m: int = 7):
    rng = np.random.default_rng(seed)
    D = rng.uniform(0.0, 10.0, size=(n, m))
    w = rng.integers(1, 9, size=n).astype(float)
    return D, w


def _covered(D, w, S, radius):
    """Covered weight of the site set ``S`` recomputed from the matrix."""
    return float(w[(D[:, list(S)] <= radius).any(axis=1)].sum()) if len(S) else 0.0


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("lagr", [0, 15])
def test_curve_figures_bounds_and_gaps_against_brute(seed, lagr):
    D, w = _instance(seed)
    radius = 3.5
    cur = coverage_curve(D, radius, 5, weights=w, lagrange_iter=lagr)
    assert list(cur.counts) == [1, 2, 3, 4, 5]
    assert cur.total == pytest.approx(float(w.sum()))
    for i, k in enumerate(cur.counts):
        opt, _ = brute_mclp(D, w, int(k), radius)
        S = cur.facilities[i]
        assert len(S) == k
        assert cur.covered[i] == pytest.approx(_covered(D, w, S, radius))
        assert cur.covered[i] <= opt + 1e-9
        assert cur.upper_bound[i] >= opt - 1e-9                    # a proven bound
        u, v = cur.upper_bound[i], cur.covered[i]
        assert cur.gap[i] == pytest.approx((u - v) / u if u > 0 else 0.0, abs=1e-9)
        res = cur.result(int(k))
        assert res.status == ("optimal" if cur.gap[i] == 0 else "feasible")
        assert res.objective == pytest.approx(v)
    assert np.all(np.diff(cur.upper_bound) >= -1e-9)               # OPT_k <= OPT_k+1 bound monotone
    assert cur.share == pytest.approx(cur.covered / float(w.sum()))


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_curve_exact_is_the_brute_optimum_with_zero_gap(seed):
    D, w = _instance(seed)
    radius = 3.0
    cur = coverage_curve(D, radius, 4, k_min=2, weights=w, exact=True, time_limit=60)
    assert list(cur.counts) == [2, 3, 4]
    for i, k in enumerate(cur.counts):
        opt, _ = brute_mclp(D, w, int(k), radius)
        assert cur.covered[i] == pytest.approx(opt)
        assert cur.upper_bound[i] == pytest.approx(opt)
        assert cur.gap[i] == 0.0
        assert cur.result(int(k)).status == "optimal"
        assert _covered(D, w, cur.facilities[i], radius) == pytest.approx(opt)


def test_curve_fixed_and_target_needed_against_brute():
    D, w = _instance(7, n=16, m=8)
    radius = 3.5
    total = float(w.sum())
    opts = {k: brute_mclp(D, w, k, radius, fixed=(0,))[0] for k in range(1, 9)}
    target = 0.8
    cur = coverage_curve(D, radius, 2, weights=w, fixed=[0], target=target, exact=True, time_limit=60)
    need = min(k for k in range(1, 9) if opts[k] >= target * total - 1e-9)
    assert cur.counts[0] == 1
    assert cur.needed == need
    assert int(cur.counts[-1]) == max(2, need)
    for i, k in enumerate(cur.counts):
        assert 0 in set(cur.facilities[i].tolist())
        assert cur.covered[i] == pytest.approx(opts[int(k)])
        assert cur.gap[i] == 0.0
