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


def _covered(D, w, sites, radius):
    """Covered weight of the site set ``sites`` recomputed from the matrix."""
    return float(w[(D[:, list(sites)] <= radius).any(axis=1)].sum()) if len(sites) else 0.0


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
        sites = cur.facilities[i]
        assert len(sites) == k
        assert cur.covered[i] == pytest.approx(_covered(D, w, sites, radius))
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


def _submod_bound(D, w, sites, k, radius, fixed=()):
    """Nemhauser-Wolsey-Fisher bound ``f(S) + k - |fixed| largest marginal gains`` recomputed by hand."""
    cov = (radius >= D)
    hit = cov[:, list(sites)].any(axis=1)
    gains = [0.0 if j in set(sites) or j in set(fixed) else float(w[cov[:, j] & ~hit].sum())
             for j in range(D.shape[1])]
    free = k - len(fixed)
    top = sum(sorted(gains, reverse=True)[:free]) if free > 0 else 0.0
    return min(float(w[cov.any(axis=1)].sum()), float(w[hit].sum()) + top)


@pytest.mark.parametrize("seed", [1, 5])
def test_default_bound_is_the_submodularity_bound_and_fixed_only_count_is_closed(seed):
    D, w = _instance(seed)
    radius = 3.5
    cur = coverage_curve(D, radius, 5, weights=w)                  # default: no Lagrangian steps
    bounds = [_submod_bound(D, w, cur.facilities[i], int(k), radius) for i, k in enumerate(cur.counts)]
    mono = np.minimum.accumulate(np.asarray(bounds)[::-1])[::-1]
    assert cur.upper_bound == pytest.approx(np.maximum(mono, cur.covered))
    fx = coverage_curve(D, radius, 2, weights=w, fixed=[0, 1])
    assert fx.counts[0] == 2                                       # only the fixed pair: nothing free
    assert fx.upper_bound[0] == pytest.approx(_covered(D, w, [0, 1], radius))
    assert fx.gap[0] == 0.0


def test_progress_messages_and_fractions():
    D, w = _instance(3)
    radius = 3.5
    calls = []
    cur = coverage_curve(D, radius, 4, weights=w, progress=lambda f, msg: calls.append((f, msg)))
    total = float(w.sum())
    fr = [f for f, _ in calls]
    assert fr == pytest.approx([0.25, 0.5, 0.75, 0.99, 1.0])
    for (_, msg), k, v in zip(calls[:4], cur.counts, cur.covered, strict=True):
        assert msg == f"coverage curve: {k} sites, {100 * v / total:.2f} % covered"
    assert calls[-1][1] == "coverage curve: done"
    assert isinstance(cur.runtime_s, float) and cur.runtime_s >= 0.0
    assert cur.counts.dtype == np.int64


def test_cancel_stops_the_curve():
    from arealsirk.errors import ArealsirkError

    D, w = _instance(3)
    with pytest.raises(ArealsirkError):
        coverage_curve(D, 3.5, 4, weights=w, is_cancelled=lambda: True)


def test_count_parameters_zero_and_out_of_range():
    from arealsirk.errors import InputError

    D, w = _instance(2)
    with pytest.raises(InputError, match="below k_min"):
        coverage_curve(D, 3.5, 2, k_min=3, weights=w)
    with pytest.raises(InputError, match="'k_min'"):
        coverage_curve(D, 3.5, 7, k_min=9, weights=w)
    with pytest.raises(InputError, match="'k_min'"):
        coverage_curve(D, 3.5, 2, k_min=0, weights=w)
