"""coverage_curve(exact=True): HiGHS closes every count the incremental pass leaves open; each count then
equals the brute-force optimum (the curve used to ignore ``exact``)."""

from __future__ import annotations

import numpy as np
import pytest

from arealsirk.locate import coverage_curve

from .locate_brute import brute_mclp


def _instance(seed: int, n: int = 70, m: int = 11):
    rng = np.random.default_rng(seed)
    pts = rng.random((n, 2)) * 10
    cand = rng.random((m, 2)) * 10
    D = np.hypot(*(pts[:, None, :] - cand[None, :, :]).transpose(2, 0, 1))
    return D, rng.integers(1, 20, n).astype(float)


@pytest.mark.parametrize("seed", range(6))
def test_exact_curve_is_the_brute_force_optimum(seed):
    D, w = _instance(seed)
    plain = coverage_curve(D, 2.2, 6, weights=w, fixed=[0])
    cur = coverage_curve(D, 2.2, 6, weights=w, fixed=[0], exact=True)
    assert list(cur.counts) == list(plain.counts) == [1, 2, 3, 4, 5, 6]
    assert (cur.gap == 0).all()
    for k, val, up, S in zip(cur.counts, cur.covered, cur.upper_bound, cur.facilities, strict=True):  # noqa: N806
        best, _ = brute_mclp(D, w, int(k), 2.2, fixed=[0])
        assert val == pytest.approx(best) and up == pytest.approx(best)
        assert 0 in S and w[(D[:, S] <= 2.2).any(axis=1)].sum() == pytest.approx(val)
    assert (cur.covered >= plain.covered - 1e-9).all()


def test_exact_matters_somewhere():
    """Without exact some count of these instances keeps a gap: the test above proves something."""
    gaps = [coverage_curve(*_instance(s)[:1], 2.2, 6, weights=_instance(s)[1], fixed=[0]).gap.max()
            for s in range(6)]
    assert max(gaps) > 0
