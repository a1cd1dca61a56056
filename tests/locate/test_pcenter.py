"""p-center: brute force and Swain references."""



from __future__ import annotations

import numpy as np
import pytest

from arealsirk.locate import p_center
from arealsirk.locate.instances import read_optima, read_swain

from .locate_brute import brute_p_center


@pytest.mark.parametrize("seed", range(6))
def test_tiny_equals_brute_force(seed):
    rng = np.random.default_rng(300 + seed)
    n, m = int(rng.integers(6, 14)), int(rng.integers(4, 9))
    p = int(rng.integers(1, min(3, m) + 1))
    D = np.round(rng.uniform(0, 100, size=(n, m)), 1)
    fixed = [0] if seed % 3 == 0 else []
    best, _ = brute_p_center(D, p, fixed)
    ex = p_center(D, p, fixed=fixed, exact=True)
    he = p_center(D, p, fixed=fixed)
    assert ex.objective == pytest.approx(best) and ex.status == "optimal"
    assert he.objective >= best - 1e-9 and he.lower_bound <= best + 1e-9
    for r in (ex, he):
        assert len(r.facilities) == p and set(fixed) <= set(r.facilities.tolist())
        assert r.objective == pytest.approx(float(D[:, r.facilities].min(axis=1).max()))


def test_swain(bench):
    D, _ = read_swain(bench=bench)
    for row in read_optima("swain", bench=bench):
        if row["problem"] == "PCENTER":
            r = p_center(D, int(row["p"]), exact=True)
            assert r.objective == pytest.approx(float(row["optimal_value"]), abs=1e-5)
            assert r.status == "optimal"
