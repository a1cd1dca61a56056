# ruff: noqa: N803, N806  (the notation D, q, K, f, L, A of the module under test)
"""Run-7 mutation kills for ``locate/facility.py`` and ``locate/_cfl_rows.py``.

Every expected figure comes from a second computation written out here, not from the code under test:

- the strong LP relaxation of the capacitated model, built row by row from the formula in
  facility.py's docstring and solved with scipy's ``linprog``;
- the optimum by brute force over every open set with an independent transportation LP
  (``locate_brute``);
- the MILP arrays of ``_build`` written out by hand for a 2 x 2 instance;
- HiGHS' own option values and call counts, read back from the solver object the code created.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

from arealsirk.locate import _highs
from arealsirk.locate._cfl_rows import generate_linking_rows
from arealsirk.locate._common import Clock

pytest.importorskip("highspy")


# ----------------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------------

def _instance(seed: int, n: int = 12, m: int = 6, *, tight: float = 1.15):
    """Dense Euclidean costs; every capacity holds ``tight`` / 3 of the total demand."""
    rng = np.random.default_rng(seed)
    pts, cand = rng.random((n, 2)) * 100, rng.random((m, 2)) * 100
    D = np.hypot(*(pts[:, None, :] - cand[None, :, :]).transpose(2, 0, 1))
    q = rng.integers(5, 40, n).astype(float)
    K = np.full(m, q.sum() * tight / 3)
    f = rng.integers(200, 900, m).astype(float)
    return D, q, K, f


def _rows_model(D, q, K, f):
    """The layout ``generate_linking_rows`` reads, written from the formula: y (m) then one x per
    allowed pair (row-major); the demand rows, one linking row per pair, then the capacity rows."""
    n, m = D.shape
    r, c = np.nonzero(np.isfinite(D))
    P = r.size
    cost = np.concatenate([f, q[r] * D[r, c]])
    rows, lo, hi = [], [], []
    for i in range(n):                                   # sum_j x_ij = 1
        a = np.zeros(m + P)
        a[m + np.flatnonzero(r == i)] = 1.0
        rows.append(a), lo.append(1.0), hi.append(1.0)
    for t in range(P):                                   # x_ij - y_j <= 0
        a = np.zeros(m + P)
        a[m + t], a[c[t]] = 1.0, -1.0
        rows.append(a), lo.append(-np.inf), hi.append(0.0)
    for j in np.flatnonzero(np.isfinite(K)):             # sum_i q_i x_ij - K_j y_j <= 0
        a = np.zeros(m + P)
        a[m + np.flatnonzero(c == j)] = q[r[c == j]]
        a[j] = -K[j]
        rows.append(a), lo.append(-np.inf), hi.append(0.0)
    A = sp.csr_matrix(np.array(rows))
    model = (cost, A, np.array(lo), np.array(hi), np.zeros(m + P), np.ones(m + P), np.r_[np.ones(m), np.zeros(P)])
    return model, c


def _lp(model) -> float:
    cost, A, lo, hi, lb, ub, _ = model
    A = A.toarray()
    up, down = np.isfinite(hi), np.isfinite(lo)
    res = linprog(cost, A_ub=np.vstack([A[up], -A[down]]), b_ub=np.r_[hi[up], -lo[down]],
                  bounds=np.c_[lb, ub], method="highs")
    assert res.status == 0
    return float(res.fun)


class _FixedClock:
    """A clock that always has ``left`` seconds left (never expires)."""

    def __init__(self, left: float) -> None:
        self._left = left

    def left(self) -> float:
        return self._left

    def expired(self) -> bool:
        return False


@pytest.fixture
def highs_objects(monkeypatch):
    """Every Highs object ``_highs.new_highs`` creates, with a count of its ``run`` calls."""
    made: list = []
    real = _highs.new_highs

    def spy(*args, **kwargs):
        h = real(*args, **kwargs)
        runs = {"n": 0}
        real_run = h.run

        def run():
            runs["n"] += 1
            return real_run()

        h.run = run
        made.append((h, runs))
        return h

    monkeypatch.setattr(_highs, "new_highs", spy)
    return made


def _option(h, name: str) -> float:
    v = h.getOptionValue(name)
    return float(v[1] if isinstance(v, tuple) else v)


# ----------------------------------------------------------------------------------------------------
# _cfl_rows.generate_linking_rows
# ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rounds_are_the_lps_solved_and_max_rounds_is_the_most_lps(seed, highs_objects):
    D, q, K, f = _instance(seed)
    model, cj = _rows_model(D, q, K, f)
    n, m = D.shape
    out = generate_linking_rows(model, m=m, n_rows=n, cj=cj, K=K, clock=Clock(None), max_rounds=50)
    assert out is not None
    (h, runs), = highs_objects
    lps = runs["n"]
    assert lps >= 2                                      # the instance needs at least one added row
    assert out.rounds == lps                             # "rounds: LPs solved"
    assert out.bound == pytest.approx(_lp(model), rel=1e-7)
    highs_objects.clear()
    again = generate_linking_rows(model, m=m, n_rows=n, cj=cj, K=K, clock=Clock(None), max_rounds=lps)
    assert again is not None and again.rounds == lps     # exactly enough rounds
    assert again.bound == pytest.approx(out.bound, rel=1e-12)
    assert again.keep.tolist() == out.keep.tolist()
    highs_objects.clear()
    short = generate_linking_rows(model, m=m, n_rows=n, cj=cj, K=K, clock=Clock(None), max_rounds=lps - 1)
    assert short is None
    assert highs_objects[0][1]["n"] == lps - 1           # it used every round it was given


@pytest.mark.parametrize(("left", "expected"), [(0.2, 0.5), (1.2, 1.2), (7.0, 7.0)])
def test_a_finite_clock_becomes_the_lp_time_limit_with_a_half_second_floor(left, expected, highs_objects):
    D, q, K, f = _instance(1)
    model, cj = _rows_model(D, q, K, f)
    n, m = D.shape
    out = generate_linking_rows(model, m=m, n_rows=n, cj=cj, K=K, clock=_FixedClock(left), max_rounds=50)
    assert out is not None and out.bound == pytest.approx(_lp(model), rel=1e-7)
    (h, _), = highs_objects
    assert _option(h, "time_limit") == pytest.approx(expected)


def test_without_a_limit_the_lp_has_no_time_limit(highs_objects):
    D, q, K, f = _instance(1)
    model, cj = _rows_model(D, q, K, f)
    n, m = D.shape
    assert generate_linking_rows(model, m=m, n_rows=n, cj=cj, K=K, clock=Clock(None), max_rounds=50)
    (h, _), = highs_objects
    assert _option(h, "time_limit") == np.inf


def test_an_lp_that_does_not_finish_optimal_is_logged_and_gives_none(caplog):
    # total capacity 2 x 10 below the demand 3 x 8: the LP without the linking rows is infeasible
    D = np.array([[1.0, 4.0], [2.0, 3.0], [5.0, 1.0]])
    q, K, f = np.full(3, 8.0), np.full(2, 10.0), np.array([5.0, 6.0])
    model, cj = _rows_model(D, q, K, f)
    with caplog.at_level(logging.DEBUG, logger="arealsirk"):
        out = generate_linking_rows(model, m=2, n_rows=3, cj=cj, K=K, clock=Clock(None), max_rounds=5)
    assert out is None
    assert [r.getMessage() for r in caplog.records] == ["facility_location: linking-row LP stopped (Infeasible)"]
