"""Mutation run 5 (issue 16): tests for survivors of locate/pmedian.py and locate/pcenter.py.

Expected values are hand figures (K4 edge instances written out below) or brute force
(``locate_brute``), never taken from the code under test.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from arealsirk.errors import CancelledError
from arealsirk.locate import p_center, p_median

from .locate_brute import brute_p_center, brute_p_median


def _k4_cost(off: float) -> np.ndarray:
    """Rows = the six edges of K4, columns = its four vertices: 1 at an end of the edge, ``off`` else."""
    D = np.full((6, 4), off)
    for i, (a, b) in enumerate(itertools.combinations(range(4), 2)):
        D[i, [a, b]] = 1.0
    return D


def test_p_median_integer_bound_one_below_is_not_rounded_up() -> None:
    # K4, off = 2: two open vertices serve five edges at 1 and the sixth at 2 -> optimum 7; the LP opens
    # every vertex by half, every edge at cost 1 -> bound 6 = optimum - 1, which proves nothing on
    # integer data (an integer optimum could be 6 or 7), so the bound must stay 6.
    D = _k4_cost(2.0)
    best, _ = brute_p_median(D, np.ones(6), 2)
    assert best == 7.0
    r = p_median(D, 2)
    assert r.objective == 7.0
    assert r.lower_bound == pytest.approx(6.0, abs=1e-6)
    assert r.gap == pytest.approx(1 / 7, abs=1e-6)
    assert r.status == "feasible"


def test_p_median_exact_skips_the_proof_when_already_proven() -> None:
    # p = every candidate: the heuristic answer is proven (lower = objective), so exact adds nothing
    D = np.array([[1.0, 4.0], [3.0, 2.0], [5.0, 6.0]])
    r = p_median(D, 2, exact=True)
    assert r.objective == 1 + 2 + 5 and r.lower_bound == 8 and r.status == "optimal"
    assert r.method == "heuristic"


def _recorder():
    calls: list[tuple[float, str]] = []
    return calls, (lambda f, msg="": calls.append((round(float(f), 6), msg)))


def test_p_median_progress_steps() -> None:
    calls, cb = _recorder()
    r = p_median(_k4_cost(2.0), 2, exact=True, progress=cb)
    assert r.objective == 7.0 and r.status == "optimal"
    for step in [(0.02, "p-median: greedy construction"), (0.1, "p-median: fast interchange"),
                 (0.15, "p-median: Lagrangian bound and heuristic"), (0.75, "p-median: exact (HiGHS)")]:
        assert step in calls
    assert calls[-1] == (1.0, "p-median: done")
    assert all(0.0 <= f <= 1.0 for f, _ in calls)
    # the proof's own progress stays inside its share [0.75, 0.99]
    i = calls.index((0.75, "p-median: exact (HiGHS)"))
    assert all(0.75 <= f <= 0.99 for f, _ in calls[i + 1:-1])


def test_p_median_cancel_inside_the_proof() -> None:
    # cancelled once the exact proof starts: the proof's own polling must raise
    state = {"proof": False}

    def cb(f, msg=""):
        if msg == "p-median: exact (HiGHS)":
            state["proof"] = True

    with pytest.raises(CancelledError):
        p_median(_k4_cost(2.0), 2, exact=True, progress=cb, is_cancelled=lambda: state["proof"])


@pytest.mark.parametrize("exact", [False, True])
def test_p_center_progress_cancel_and_result_fields(exact: bool) -> None:
    # K4 edges, p = 2: two vertices leave one edge at ``off`` = 3 -> radius 3 (brute force); the
    # covering LP of radius 1 needs only 2 (every vertex by half), so the LP check runs at radius 1.
    D = _k4_cost(3.0)
    best, _ = brute_p_center(D, 2)
    assert best == 3.0
    calls, cb = _recorder()
    r = p_center(D, 2, exact=exact, progress=cb)
    assert r.objective == 3.0
    assert calls[0] == (0.05, "p-center: heuristic search")
    assert (0.5, f"p-center: {'MILP' if exact else 'LP'} check of radius 1") in calls
    assert calls[-1] == (1.0, "p-center: done")
    assert r.messages == () and isinstance(r.runtime_s, float) and r.runtime_s >= 0
    with pytest.raises(CancelledError):
        p_center(D, 2, exact=exact, is_cancelled=lambda: True)


def test_p_center_heuristic_radius_equals_brute_force() -> None:
    # many distinct cost values, so the heuristic bisection over radii has several steps
    rng = np.random.default_rng(11)
    for _ in range(6):
        D = rng.integers(1, 60, size=(10, 7)).astype(float)
        for p in (1, 2, 3):
            best, _ = brute_p_center(D, p)
            r = p_center(D, p)
            assert r.objective == best
            assert r.lower_bound <= best


def test_p_median_exact_improves_a_cut_heuristic() -> None:
    # an expired clock leaves the heuristic at its greedy start (status time_limit, no bound); the proof
    # (HiGHS gets at least 1 s) must then return the brute-force optimum, its own set, its true
    # weighted cost and the proven bound.  Several of these instances have greedy > optimum.
    rng = np.random.default_rng(0)
    improved = 0
    for _ in range(12):
        n, m = rng.integers(6, 14), rng.integers(5, 9)
        D = rng.integers(1, 50, size=(n, m)).astype(float)
        w = rng.integers(1, 6, size=n).astype(float)
        p = int(rng.integers(2, 4))
        best, _ = brute_p_median(D, w, p)
        h = p_median(D, p, weights=w, time_limit=1e-9)
        assert h.objective >= best and h.status == "time_limit" and h.lower_bound is None
        e = p_median(D, p, weights=w, time_limit=1e-9, exact=True)
        assert e.objective == best and e.lower_bound == best and e.gap == 0.0 and e.status == "optimal"
        assert e.messages == () and e.method == "heuristic+benders+milp"
        sites = e.facilities
        assert sites.size == p
        a = sites[np.argmin(D[:, sites], axis=1)]
        assert e.assignment.tolist() == a.tolist()
        assert float((D[np.arange(n), a] * w).sum()) == best
        improved += h.objective > best
    assert improved >= 2


def test_p_median_exact_fractional_costs_close_the_bound_exactly() -> None:
    # fractional costs (no integer rounding): when HiGHS proves the MILP the bound is the objective
    # itself (not HiGHS' bound within its relative tolerance); brute force gives the optimum.
    rng = np.random.default_rng(5)
    for _ in range(4):
        D = rng.random((9, 6)) * 10
        w = rng.random(9) + 0.5
        best, _ = brute_p_median(D, w, 2)
        e = p_median(D, 2, weights=w, time_limit=1e-9, exact=True)
        assert e.objective == pytest.approx(best, rel=1e-12)
        assert e.lower_bound == e.objective and e.gap == 0.0 and e.status == "optimal"
        assert e.messages == ()


def test_p_median_exact_with_fixed_sites_after_a_cut_heuristic() -> None:
    # the proof must keep the fixed (existing) sites open: brute force over the sets holding them
    rng = np.random.default_rng(1)
    for _ in range(6):
        D = rng.integers(1, 50, size=(10, 7)).astype(float)
        w = rng.integers(1, 6, size=10).astype(float)
        fixed = [int(rng.integers(0, 7))]
        best, _ = brute_p_median(D, w, 3, fixed=fixed)
        e = p_median(D, 3, weights=w, fixed=fixed, time_limit=1e-9, exact=True)
        assert e.objective == best and e.lower_bound == best and e.status == "optimal"
        assert set(fixed) <= set(e.facilities.tolist())
