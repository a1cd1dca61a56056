"""The exact maximal-covering MILP on its own, against brute force.

``max_coverage(exact=True)`` only asks the MILP when its heuristic is not proven, and on small cases the
heuristic is already optimal, so the MILP's own answer is never compared there.  Here ``_exact_mclp``
is called directly, cold and warm-started, on rows no candidate covers and rows of weight 0, and its
optimum, bound and open set are compared with brute force over every set of ``p`` candidates.
(Mutation run 10 found the MILP's mutants equivalent or at a time-limit edge; see docs/mutation.md.)
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from arealsirk.locate._common import Clock
from arealsirk.locate.coverage import _exact_mclp


def _brute(A: np.ndarray, w: np.ndarray, p: int, fixed: list[int]) -> float:
    free = [j for j in range(A.shape[1]) if j not in fixed]
    best = -1.0
    for extra in itertools.combinations(free, p - len(fixed)):
        cols = [*fixed, *extra]
        best = max(best, float(w[(A[:, cols] > 0).any(axis=1)].sum()))
    return best


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("warm", [False, True])
def test_exact_mclp_equals_brute_force(seed, warm):
    rng = np.random.default_rng(1000 + seed)
    n, m, p = 14, 7, 3
    A = (rng.random((n, m)) < 0.3).astype(float)
    A[0] = 0.0  # a row no candidate covers
    w = rng.integers(1, 30, n).astype(float)
    w[1] = 0.0  # a row of weight 0
    fixed = [int(rng.integers(m))] if seed % 2 else []
    best = _brute(A, w, p, fixed)
    start = np.array([*fixed, *[j for j in range(m) if j not in fixed][: p - len(fixed)]]) if warm else None
    out = _exact_mclp(sp.csr_matrix(A), w, p, np.array(fixed, dtype=np.int64), Clock(None), start)
    assert out.status == "optimal"
    assert out.objective == pytest.approx(best)
    assert out.bound == pytest.approx(best)
    y = out.x[:m] > 0.5
    assert y.sum() == p and y[fixed].all()
    assert float(w[(A[:, y] > 0).any(axis=1)].sum()) == pytest.approx(best)
