"""Run-6 mutation kills for the solver plumbing of ``arealsirk.locate``.

``_milp`` (scipy's and highspy's HiGHS behind one outcome), ``_highs`` (building a highspy model,
adding rows, a warm start, progress and cancellation inside the branch-and-bound), ``_common`` (input
checks, the clock, the coverage matrix), ``_result`` (the result object, the relative gap) and
``_coverage_ls`` (greedy, swaps, VNS and the Lagrangian bound of the maximal covering problem).

Every expected value comes from an independent computation written out here: brute force over all
integer points or all open sets, scipy's ``linprog`` for an LP relaxation, or a formula worked by hand
-- never from the code under test.
"""

# ruff: noqa: N806  (matrix notation of the OR literature: C, D, K, A, Q, S)

from __future__ import annotations

import importlib.util
import itertools
import math
import re
import time
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from arealsirk.errors import SolverError
from arealsirk.locate import _milp
from arealsirk.locate._milp import solve_milp, solve_milp_warm

# --------------------------------------------------------------------------------------------------
# Instances
# --------------------------------------------------------------------------------------------------

# A two-row 0/1 knapsack: max v x  s.t.  W x <= cap,  x in {0, 1}^10.
KNAP_W = np.array([[25, 8, 4, 9, 13, 24, 14, 3, 10, 18],
                   [24, 22, 29, 6, 26, 2, 17, 8, 6, 20]], dtype=float)
KNAP_V = np.array([9, 17, 8, 5, 22, 13, 20, 20, 28, 13], dtype=float)
KNAP_CAP = np.array([64, 80], dtype=float)


def _knapsack_brute() -> tuple[float, np.ndarray]:
    """Best value and the optimal 0/1 vector over all 1024 points."""
    X = np.array(list(itertools.product([0, 1], repeat=10)), dtype=float)
    ok = (X @ KNAP_W.T <= KNAP_CAP).all(axis=1)
    vals = X[ok] @ KNAP_V
    best = vals.max()
    winners = X[ok][vals == best]
    assert len(winners) == 1  # a unique optimum, so the vector can be asserted too
    return float(best), winners[0]


KNAP_OPT, KNAP_X = _knapsack_brute()


def _knapsack(solver, *, sense="max", rel_gap=None, integral=True, **kw):
    c = KNAP_V if sense == "max" else -KNAP_V
    opts = {} if rel_gap is None else {"rel_gap": rel_gap}
    return solver(c, sp.csr_matrix(KNAP_W), np.full(2, -np.inf), KNAP_CAP, lb=np.zeros(10),
                  ub=np.ones(10), integrality=np.ones(10) if integral else np.zeros(10),
                  time_limit=kw.pop("time_limit", None), sense=sense, **opts, **kw)


# A market-split instance (Cornuejols & Dawande 1998): 4 rows, 30 binary columns drawn uniformly from
# 0..99 (numpy's default_rng(0)), right-hand side half the row sums.  Without slack (pure feasibility)
# HiGHS had not proved it infeasible after 240 s; with one slack pair per row (minimise the total
# slack) it has feasible points everywhere but HiGHS does not settle it (best slack 1, bound 0)
# within 240 s either (measured in wave 7 on a shared 2-core machine).  Every test below gives it at
# most 30 s, so "the time limit is reached" holds on any machine by a wide margin.  (The 3 x 22
# instance used before was settled in 1.2 s / 2.3 s: too close to its limits of 0.5 to 1.3 s.)
MS_A = np.array([
    [85, 63, 51, 26, 30, 4, 7, 1, 17, 81, 64, 91, 50, 60, 97, 72, 63, 54, 55, 93, 27, 81, 67, 0, 39, 85,
     55, 3, 76, 72],
    [84, 17, 8, 86, 2, 54, 8, 29, 48, 42, 40, 2, 0, 12, 0, 67, 52, 64, 25, 61, 76, 38, 46, 99, 80, 98, 37,
     68, 95, 65],
    [84, 68, 70, 38, 87, 13, 57, 72, 84, 52, 37, 31, 42, 48, 71, 88, 7, 93, 53, 35, 67, 57, 25, 32, 71, 59,
     50, 33, 76, 39],
    [32, 89, 26, 22, 71, 62, 4, 8, 37, 83, 40, 78, 31, 23, 79, 87, 7, 5, 67, 33, 57, 15, 86, 45, 89, 79, 70,
     23, 76, 5]], dtype=float)
MS_D = np.floor(MS_A.sum(axis=1) / 2)
MS_N = MS_A.shape[1]


def _market_split(*, slack: bool):
    k, n = MS_A.shape
    if slack:
        A = np.hstack([MS_A, np.eye(k), -np.eye(k)])
        c = np.concatenate([np.zeros(n), np.ones(2 * k)])
        ub = np.concatenate([np.ones(n), np.full(2 * k, np.inf)])
        integ = np.concatenate([np.ones(n), np.zeros(2 * k)])
    else:
        A, c, ub, integ = MS_A, np.zeros(n), np.ones(n), np.ones(n)
    return c, sp.csr_matrix(A), MS_D, MS_D, np.zeros(c.size), ub, integ


def _assert_knapsack_point(x, value):
    x = np.asarray(x)
    assert np.allclose(x, np.round(x), atol=1e-6)
    assert (KNAP_W @ np.round(x) <= KNAP_CAP + 1e-9).all()
    assert float(KNAP_V @ np.round(x)) == pytest.approx(value, abs=1e-6)


# --------------------------------------------------------------------------------------------------
# solve_milp (scipy.optimize.milp)
# --------------------------------------------------------------------------------------------------

def test_solve_milp_quiet_and_without_warnings(capfd):
    """No HiGHS log on stdout and no 'unrecognised option' warning from scipy for a plain solve."""
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = _knapsack(solve_milp)
        out_t = solve_milp(*_market_split(slack=True)[:4], lb=np.zeros(MS_N + 8),
                           ub=_market_split(slack=True)[5], integrality=_market_split(slack=True)[6],
                           time_limit=0.2)
    assert [str(w.message) for w in rec] == []
    assert out.status == "optimal" and out_t.status == "time_limit"
    captured = capfd.readouterr()
    assert captured.out == ""


@pytest.mark.parametrize("sense", ["max", "min"])
def test_solve_milp_knapsack_is_the_brute_force_optimum(sense):
    out = _knapsack(solve_milp, sense=sense)
    sign = 1.0 if sense == "max" else -1.0
    assert out.status == "optimal"
    assert out.objective == pytest.approx(sign * KNAP_OPT, abs=1e-6)  # 107 by brute force
    assert out.bound == pytest.approx(sign * KNAP_OPT, abs=1e-6)
    assert np.allclose(out.x, KNAP_X, atol=1e-6)
    _assert_knapsack_point(out.x, KNAP_OPT)
    assert isinstance(out.message, str) and "Optimal" in out.message


@pytest.mark.parametrize("sense", ["max", "min"])
def test_solve_milp_loose_gap_bound_brackets_the_optimum(sense):
    """With a 50 % gap HiGHS may stop early: the incumbent is feasible, the bound valid, gap <= 50 %."""
    out = _knapsack(solve_milp, sense=sense, rel_gap=0.5)
    sign = 1.0 if sense == "max" else -1.0
    assert out.status == "optimal"
    _assert_knapsack_point(out.x, sign * out.objective)
    best, bound = sign * out.objective, sign * out.bound
    assert best <= KNAP_OPT + 1e-9 <= bound + 2e-9
    assert (bound - best) / bound <= 0.5 + 1e-9


def test_solve_milp_lp_relaxation_bound_is_the_objective():
    """Continuous columns: the LP optimum (3, 1.5) of max 5x + 4y, 6x + 4y <= 24, x + 2y <= 6."""
    A = sp.csr_matrix([[6.0, 4.0], [1.0, 2.0]])
    for integ, value, x in ((np.zeros(2), 21.0, [3.0, 1.5]), (np.ones(2), 20.0, [4.0, 0.0])):
        out = solve_milp(np.array([5, 4]), A, np.full(2, -np.inf), np.array([24.0, 6.0]),
                         lb=np.zeros(2), ub=np.full(2, np.inf), integrality=integ, time_limit=None,
                         sense="max")
        assert out.status == "optimal"
        assert out.objective == pytest.approx(value, abs=1e-9)
        assert out.bound == pytest.approx(value, abs=1e-9)
        assert np.allclose(out.x, x, atol=1e-9)


def test_solve_milp_without_rows_uses_the_column_bounds():
    """min x - y with 0 <= x <= 3, 0 <= y <= 2.5, y integer and no rows: x = 0, y = 2, value -2."""
    out = solve_milp(np.array([1.0, -1.0]), sp.csr_matrix((0, 2)), np.zeros(0), np.zeros(0),
                     lb=np.zeros(2), ub=np.array([3.0, 2.5]), integrality=np.array([0, 1]),
                     time_limit=None)
    assert out.status == "optimal"
    assert out.objective == pytest.approx(-2.0)
    assert np.allclose(out.x, [0.0, 2.0])


def test_solve_milp_infeasible_model():
    """x1 + x2 >= 3 with two binaries has no solution."""
    out = solve_milp(np.ones(2), sp.csr_matrix(np.ones((1, 2))), np.array([3.0]), np.array([np.inf]),
                     lb=np.zeros(2), ub=np.ones(2), integrality=np.ones(2), time_limit=None)
    assert (out.x, out.objective, out.bound, out.status) == (None, None, None, "infeasible")
    assert isinstance(out.message, str) and "nfeasible" in out.message


@pytest.mark.parametrize("warm", [False, True])
def test_unbounded_model_is_an_error_without_a_solution(warm):
    """max x + y with x >= y, both integer and unbounded above: no optimum exists."""
    solver = solve_milp_warm if warm else solve_milp
    kw = {"x0": None} if warm else {}
    out = solver(np.array([1.0, 1.0]), sp.csr_matrix([[1.0, -1.0]]), np.array([0.0]), np.array([np.inf]),
                 lb=np.zeros(2), ub=np.full(2, np.inf), integrality=np.ones(2), time_limit=None,
                 sense="max", **kw)
    assert (out.x, out.objective, out.bound, out.status) == (None, None, None, "error")
    assert "nbounded" in out.message


def test_solve_milp_bad_input_is_a_solver_error():
    with pytest.raises(SolverError, match=r"HiGHS \(scipy.optimize.milp\) failed: .*integrality"):
        solve_milp(np.ones(3), sp.csr_matrix(np.ones((1, 2))), np.ones(1), np.ones(1), lb=np.zeros(2),
                   ub=np.ones(2), integrality=np.ones(2), time_limit=None)


def _check_time_limited_incumbent(out, c, A, lo, hi):
    assert out.status == "time_limit"
    assert out.x is not None
    x = np.asarray(out.x)
    assert np.allclose(A @ x, lo, atol=1e-6) and np.allclose(A @ x, hi, atol=1e-6)
    assert np.allclose(x[:MS_N], np.round(x[:MS_N]), atol=1e-6)
    assert out.objective == pytest.approx(float(c @ x), abs=1e-6)
    # the bound is a valid lower bound on a total slack that cannot be negative
    assert out.bound is not None and 0.0 <= out.bound <= out.objective + 1e-9
    assert isinstance(out.message, str) and "ime limit" in out.message


def _spy_scipy_milp(monkeypatch) -> list[dict]:
    """Record the options ``solve_milp`` hands to ``scipy.optimize.milp`` (it imports it per call)."""
    import scipy.optimize

    real, seen = scipy.optimize.milp, []

    def spy(*args, **kwargs):
        seen.append(dict(kwargs.get("options") or {}))
        return real(*args, **kwargs)

    monkeypatch.setattr(scipy.optimize, "milp", spy)
    return seen


def test_solve_milp_time_limit_with_an_incumbent(monkeypatch):
    seen = _spy_scipy_milp(monkeypatch)
    c, A, lo, hi, lb, ub, integ = _market_split(slack=True)
    t0 = time.perf_counter()
    out = solve_milp(c, A, lo, hi, lb=lb, ub=ub, integrality=integ, time_limit=0.05)
    took = time.perf_counter() - t0
    _check_time_limited_incumbent(out, c, A, lo, hi)
    # a limit below half a second is raised to 0.5 s: HiGHS is given 0.5 s (and, the instance being
    # far out of its reach, uses them); the options are the ones scipy received, not a wall time
    assert seen == [{"disp": False, "mip_rel_gap": 1e-9, "presolve": True, "time_limit": 0.5}]
    assert took >= 0.45


def test_solve_milp_time_limit_without_an_incumbent():
    c, A, lo, hi, lb, ub, integ = _market_split(slack=False)
    out = solve_milp(c, A, lo, hi, lb=lb, ub=ub, integrality=integ, time_limit=0.5)
    assert (out.x, out.objective, out.status) == (None, None, "time_limit")
    assert isinstance(out.message, str) and "ime limit" in out.message


# --------------------------------------------------------------------------------------------------
# highspy_available, solve_milp_warm (highspy) and its fallback
# --------------------------------------------------------------------------------------------------

def test_highspy_available_follows_the_import(monkeypatch):
    assert _milp.highspy_available() is (importlib.util.find_spec("highspy") is not None)
    monkeypatch.setitem(__import__("sys").modules, "highspy", None)  # import highspy -> ImportError
    assert _milp.highspy_available() is False


# A start of total slack 5 for the market-split instance (checked below by hand: A x = d with the
# slacks shown; d - M x = (-2, -1, -1, -1)).
MS_X0 = np.array([1, 1, 1, 0, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 1, 0, 1, 0, 1, 1, 0],
                 dtype=float)
MS_X0_SLACK = 5.0


def _ms_start():
    r = MS_D - MS_A @ MS_X0
    return np.concatenate([MS_X0, np.maximum(r, 0.0), np.maximum(-r, 0.0)])


def test_market_split_start_has_slack_five():
    x0 = _ms_start()
    c, A, *_ = _market_split(slack=True)
    assert np.allclose(A @ x0, MS_D)
    assert (MS_D - MS_A @ MS_X0).tolist() == [-2.0, -1.0, -1.0, -1.0]
    assert float(c @ x0) == MS_X0_SLACK


@pytest.mark.parametrize("sense", ["max", "min"])
def test_warm_knapsack_is_the_brute_force_optimum(sense):
    sign = 1.0 if sense == "max" else -1.0
    for x0 in (None, KNAP_X, np.zeros(10), np.ones(10)):  # cold, the optimum, feasible, infeasible
        out = _knapsack(solve_milp_warm, sense=sense, x0=x0)
        assert (out.status, out.message) == ("optimal", "optimal")
        assert out.objective == pytest.approx(sign * KNAP_OPT, abs=1e-6)
        assert out.bound == pytest.approx(sign * KNAP_OPT, abs=1e-6)
        assert np.allclose(out.x, KNAP_X, atol=1e-6)


@pytest.mark.parametrize("sense", ["max", "min"])
def test_warm_loose_gap_bound_brackets_the_optimum(sense):
    sign = 1.0 if sense == "max" else -1.0
    out = _knapsack(solve_milp_warm, sense=sense, rel_gap=0.5, x0=None)
    assert out.status == "optimal"
    _assert_knapsack_point(out.x, sign * out.objective)
    best, bound = sign * out.objective, sign * out.bound
    assert best <= KNAP_OPT + 1e-9 <= bound + 2e-9
    assert (bound - best) / bound <= 0.5 + 1e-9
    assert bound - best > 1.0  # the 50 % gap reached HiGHS: it stopped before proving 107


def test_warm_abs_gap_bound_brackets_the_optimum():
    """An absolute gap of 30: stop once bound - incumbent <= 30 (the optimum 107 lies between)."""
    out = _knapsack(solve_milp_warm, x0=None, abs_gap=30.0)
    assert out.status == "optimal"
    _assert_knapsack_point(out.x, out.objective)
    assert out.objective <= KNAP_OPT + 1e-9 <= out.bound + 2e-9
    assert out.bound - out.objective <= 30.0 + 1e-9
    # the option reaches HiGHS: it stops before closing the gap (without it HiGHS proves 107)
    assert out.bound - out.objective > 1.0


def test_warm_infeasible_model():
    out = solve_milp_warm(np.ones(2), sp.csr_matrix(np.ones((1, 2))), np.array([3.0]),
                          np.array([np.inf]), lb=np.zeros(2), ub=np.ones(2), integrality=np.ones(2),
                          time_limit=None, x0=np.ones(2))
    assert (out.x, out.objective, out.bound, out.status, out.message) == (
        None, None, None, "infeasible", "infeasible")


def _spy_new_highs(monkeypatch) -> list[tuple[float | None, float, float]]:
    """Record per HiGHS model ``solve_milp_warm`` makes: the time limit asked for, the ``time_limit``
    option HiGHS was given, and when (``time.perf_counter``) it was made."""
    from arealsirk.locate import _highs

    real, seen = _highs.new_highs, []

    def spy(*, time_limit, rel_gap=1e-9):
        h = real(time_limit=time_limit, rel_gap=rel_gap)
        seen.append((time_limit, _opt(h, "time_limit"), time.perf_counter()))
        return h

    monkeypatch.setattr(_highs, "new_highs", spy)
    return seen


def test_warm_time_limit_with_and_without_a_start(monkeypatch):
    seen = _spy_new_highs(monkeypatch)
    c, A, lo, hi, lb, ub, integ = _market_split(slack=True)
    t0 = time.perf_counter()
    cold = solve_milp_warm(c, A, lo, hi, lb=lb, ub=ub, integrality=integ, time_limit=0.05, x0=None)
    took = time.perf_counter() - t0
    _check_time_limited_incumbent(cold, c, A, lo, hi)
    assert cold.message == "Time limit reached"
    # raised to half a second: HiGHS' option, and the solve lasted at least that long
    assert [(asked, given) for asked, given, _ in seen] == [(0.05, 0.5)]
    assert took >= 0.45
    warm = solve_milp_warm(c, A, lo, hi, lb=lb, ub=ub, integrality=integ, time_limit=0.5,
                           x0=_ms_start())
    _check_time_limited_incumbent(warm, c, A, lo, hi)
    # the start (slack 5) is the first incumbent: the result can only be as good or better
    assert warm.objective <= MS_X0_SLACK + 1e-9


def test_warm_time_limit_without_an_incumbent():
    c, A, lo, hi, lb, ub, integ = _market_split(slack=False)
    out = solve_milp_warm(c, A, lo, hi, lb=lb, ub=ub, integrality=integ, time_limit=0.5, x0=None)
    assert (out.x, out.objective, out.status, out.message) == (
        None, None, "time_limit", "Time limit reached")


def test_warm_falls_back_to_scipy_without_highspy(monkeypatch):
    monkeypatch.setattr(_milp, "highspy_available", lambda: False)
    out = _knapsack(solve_milp_warm, x0=np.ones(10))
    assert out.status == "optimal" and "HiGHS Status 7" in out.message  # scipy's message
    assert out.objective == pytest.approx(KNAP_OPT) and out.bound == pytest.approx(KNAP_OPT)
    out = _knapsack(solve_milp_warm, sense="min", rel_gap=0.5, x0=None)
    assert -out.objective <= KNAP_OPT + 1e-9 <= -out.bound + 2e-9
    assert (out.objective - out.bound) / -out.bound <= 0.5 + 1e-9
    assert out.objective - out.bound > 1.0  # the 50 % gap reached HiGHS: it stopped early
    c, A, lo, hi, lb, ub, integ = _market_split(slack=True)
    out = solve_milp_warm(c, A, lo, hi, lb=lb, ub=ub, integrality=integ, time_limit=0.5, x0=None)
    _check_time_limited_incumbent(out, c, A, lo, hi)
    assert "HiGHS Status 13" in out.message


_GAP_MSG = re.compile(r"^Test: proven gap (\d+\.\d{3}) % \(best ([-\d,.e+]+), bound ([-\d,.e+]+)\)$")


def test_warm_reports_the_proven_gap_with_the_offset():
    """Messages: label, gap = (best - bound) / max(|best|, |bound|) with the offset added to both,
    fraction = log(first gap / gap) / log(first gap / 1e-9); at most one report per half second."""
    c, A, lo, hi, lb, ub, integ = _market_split(slack=True)
    rec = []
    out = solve_milp_warm(c, A, lo, hi, lb=lb, ub=ub, integrality=integ, time_limit=1.3, x0=None,
                          report=lambda f, m: rec.append((time.perf_counter(), f, m)), label="Test",
                          offset=100.0)
    assert out.status == "time_limit"
    stamps = [t for t, _, _ in rec]
    assert all(b - a >= 0.49 for a, b in itertools.pairwise(stamps))
    gaps = []
    for _, frac, msg in rec:
        if msg == "Test: searching (no incumbent yet)":
            assert frac == 0.0 and not gaps
            continue
        hit = _GAP_MSG.match(msg)
        assert hit, msg
        pct, best, bound = (float(g.replace(",", "")) for g in hit.groups())
        # the objective has no constant: best - 100 is an incumbent's slack, bound - 100 a lower bound
        assert out.objective + 100.0 - 1e-9 <= best and 100.0 - 1e-9 <= bound <= best
        gap = (best - bound) / max(abs(best), abs(bound))
        assert pct == pytest.approx(100 * gap, abs=1e-3)
        gaps.append(gap)
        want = math.log(gaps[0] / gap) / math.log(gaps[0] / 1e-9)
        assert frac == pytest.approx(want, abs=1e-4)
    assert gaps and gaps[-1] <= gaps[0]


def test_warm_reports_with_the_default_label_and_no_offset():
    """Default label "HiGHS" and offset 0: the bound printed is HiGHS' own dual bound, which for the
    market split stays at its LP value 0 until the optimum is proven, minutes later."""
    c, A, lo, hi, lb, ub, integ = _market_split(slack=True)
    rec = []
    out = solve_milp_warm(c, A, lo, hi, lb=lb, ub=ub, integrality=integ, time_limit=0.8, x0=None,
                          report=lambda f, m: rec.append(m))
    assert out.status == "time_limit"
    gap_msgs = [m for m in rec if "proven gap" in m]
    assert gap_msgs and all(m.startswith("HiGHS: ") for m in rec)
    for m in gap_msgs:
        best = float(re.search(r"best ([\d,.]+),", m).group(1).replace(",", ""))
        assert m == f"HiGHS: proven gap 100.000 % (best {best:,.6g}, bound 0)"
        assert best >= out.objective - 1e-9


@pytest.mark.parametrize("with_report", [False, True])
def test_warm_cancellation_interrupts_the_search(with_report):
    from arealsirk.errors import CancelledError

    c, A, lo, hi, lb, ub, integ = _market_split(slack=True)
    calls = []

    def is_cancelled():
        calls.append(1)
        return len(calls) >= 3

    rec = []
    t0 = time.perf_counter()
    with pytest.raises(CancelledError, match=r"^cancelled by the user$"):
        solve_milp_warm(c, A, lo, hi, lb=lb, ub=ub, integrality=integ, time_limit=30.0, x0=None,
                        report=(lambda f, m: rec.append(m)) if with_report else None,
                        is_cancelled=is_cancelled)
    # stopped at the third poll (milliseconds in), not at the 30 s limit HiGHS would otherwise use up
    assert time.perf_counter() - t0 < 10.0
    assert len(calls) == 3


def test_warm_never_cancelled_runs_to_the_end():
    out = _knapsack(solve_milp_warm, x0=None, is_cancelled=lambda: False)
    assert out.status == "optimal" and out.objective == pytest.approx(KNAP_OPT)


def test_consistent_compares_highs_objective_with_c_x():
    from arealsirk.locate import _highs

    h = _highs.new_highs(time_limit=None)
    c = -KNAP_V
    _highs.pass_model(h, c, sp.csr_matrix(KNAP_W), np.full(2, -np.inf), KNAP_CAP, np.zeros(10),
                      np.ones(10), np.ones(10))
    h.run()
    assert h.getInfo().objective_function_value == pytest.approx(-KNAP_OPT)
    assert _milp._consistent(h, c) is True
    # c x of the optimum is -107; a cost vector giving 107 * (1 + 1e-5) is off by more than 1e-6 rel.
    assert _milp._consistent(h, c * (1 + 1e-5)) is False
    assert _milp._consistent(h, c * (1 - 1e-5)) is False
    assert _milp._consistent(h, c * (1 + 5e-7)) is True
    # below |value| = 1 the tolerance is absolute (1e-6): scale to a value of -0.5 and shift by 2e-6
    h2 = _highs.new_highs(time_limit=None)
    _highs.pass_model(h2, np.array([-0.5]), sp.csr_matrix((0, 1)), np.zeros(0), np.zeros(0), np.zeros(1),
                      np.ones(1), np.ones(1))
    h2.run()
    assert _milp._consistent(h2, np.array([-0.5])) is True
    assert _milp._consistent(h2, np.array([-0.5 - 2e-6])) is False
    assert _milp._consistent(h2, np.array([-0.5 + 5e-7])) is True
    # no solution: nothing to compare
    h3 = _highs.new_highs(time_limit=None)
    _highs.pass_model(h3, np.ones(2), sp.csr_matrix(np.ones((1, 2))), np.array([3.0]), np.array([np.inf]),
                      np.zeros(2), np.ones(2), np.ones(2))
    h3.run()
    assert _milp._consistent(h3, np.ones(2)) is True


# --------------------------------------------------------------------------------------------------
# _highs: new_highs, pass_model, add_rows, watch_mip, _quiet_highs
# --------------------------------------------------------------------------------------------------

def _opt(h, key):
    got = h.getOptionValue(key)
    return got[1] if isinstance(got, tuple) else got


def test_new_highs_options():
    from arealsirk.locate import _highs

    h = _highs.new_highs(time_limit=7.5, rel_gap=0.25)
    assert _opt(h, "output_flag") is False
    assert _opt(h, "threads") == 1
    assert _opt(h, "mip_rel_gap") == 0.25
    assert _opt(h, "time_limit") == 7.5
    assert _opt(_highs.new_highs(time_limit=0.1), "time_limit") == 0.5  # raised to half a second
    assert _opt(_highs.new_highs(time_limit=None), "mip_rel_gap") == 1e-9
    assert _opt(_highs.new_highs(time_limit=None), "time_limit") == math.inf
    assert _opt(_highs.new_highs(time_limit=math.inf), "time_limit") == math.inf


@pytest.mark.parametrize("sense", ["max", "min"])
def test_pass_model_and_add_rows_against_brute_force(sense):
    """The knapsack passed with its first row only, the second row added after: optimum 107."""
    from arealsirk.locate import _highs

    sign = 1.0 if sense == "max" else -1.0
    h = _highs.new_highs(time_limit=None)
    _highs.pass_model(h, sign * KNAP_V, sp.csr_matrix(KNAP_W[:1]), np.array([-np.inf]), KNAP_CAP[:1],
                      np.zeros(10), np.ones(10), np.ones(10), sense)
    lp = h.getLp()
    assert (lp.num_col_, lp.num_row_) == (10, 1)
    h.run()
    # without the second row: brute force over the first row alone
    X = np.array(list(itertools.product([0, 1], repeat=10)), dtype=float)
    one_row = float((X[X @ KNAP_W[0] <= KNAP_CAP[0]] @ KNAP_V).max())
    assert h.getInfo().objective_function_value == pytest.approx(sign * one_row)
    _highs.add_rows(h, sp.csr_matrix(KNAP_W[1:]), np.array([-np.inf]), KNAP_CAP[1:])
    h.run()
    assert h.getInfo().objective_function_value == pytest.approx(sign * KNAP_OPT)
    assert np.allclose(h.getSolution().col_value, KNAP_X)
    # a >= row (with an int lower bound) that the optimum violates: x0 + x3 >= 1
    _highs.add_rows(h, sp.csr_matrix(np.eye(10)[[0]] + np.eye(10)[[3]]), np.array([1]), np.array([np.inf]))
    h.run()
    ok = (X @ KNAP_W.T <= KNAP_CAP).all(axis=1) & (X[:, 0] + X[:, 3] >= 1)
    assert h.getInfo().objective_function_value == pytest.approx(sign * float((X[ok] @ KNAP_V).max()))


def test_pass_model_continuous_without_integrality():
    from arealsirk.locate import _highs

    h = _highs.new_highs(time_limit=None)
    _highs.pass_model(h, np.array([5.0, 4.0]), sp.csr_matrix([[6.0, 4.0], [1.0, 2.0]]),
                      np.array([-np.inf, -np.inf]), np.array([24, 6]), np.zeros(2),
                      np.array([np.inf, np.inf]), None, "max")
    h.run()
    assert h.getInfo().objective_function_value == pytest.approx(21.0)
    assert np.allclose(h.getSolution().col_value, [3.0, 1.5])
    # the same with an explicit all-continuous integrality vector, then with only y integer: y = 1,
    # x = min(20 / 6, 4) = 10 / 3, value 50 / 3 + 4 = 62 / 3 (y = 0: 20, y = 2: 18)
    for integ, value in ((np.array([0, 0]), 21.0), (np.array([0, 1]), 62.0 / 3.0)):
        h = _highs.new_highs(time_limit=None)
        _highs.pass_model(h, np.array([5.0, 4.0]), sp.csr_matrix([[6.0, 4.0], [1.0, 2.0]]),
                          np.array([-np.inf, -np.inf]), np.array([24, 6]), np.zeros(2),
                          np.array([np.inf, np.inf]), integ, "max")
        h.run()
        assert h.getInfo().objective_function_value == pytest.approx(value)
    # equality row and column lower bounds: min x + y with x + y = 3.5, x >= 1, y >= 2, continuous
    h = _highs.new_highs(time_limit=None)
    _highs.pass_model(h, np.array([1.0, 2.0]), sp.csr_matrix([[1.0, 1.0]]), np.array([3.5]),
                      np.array([3.5]), np.array([1.0, 2.0]), np.array([np.inf, np.inf]))
    h.run()
    assert np.allclose(h.getSolution().col_value, [1.5, 2.0])


def test_watch_mip_gap_and_fraction_formula_every_callback():
    """A 5 x 50 knapsack minimised (-v x): every report's gap and fraction recomputed from its message."""
    from arealsirk.locate import _highs

    rng = np.random.default_rng(1)
    W = rng.integers(1, 100, (5, 50)).astype(float)
    v = rng.integers(1, 100, 50).astype(float)
    cap = np.floor(W.sum(axis=1) / 3)
    h = _highs.new_highs(time_limit=20)
    _highs.pass_model(h, -v, sp.csr_matrix(W), np.full(5, -np.inf), cap, np.zeros(50), np.ones(50),
                      np.ones(50))
    state = _highs.MipState()
    assert (state.primal, state.dual, state.cancelled) == (math.inf, -math.inf, False)
    rec = []
    _highs.watch_mip(h, state, report=lambda f, m: rec.append((f, m)), is_cancelled=None, label="Test",
                     offset=-1000.0, min_interval=0.0)
    h.run()
    value = h.getInfo().objective_function_value
    assert state.primal == pytest.approx(value) and state.dual <= value + 1e-6
    assert state.cancelled is False
    gaps = []
    for frac, msg in rec:
        if msg == "Test: searching (no incumbent yet)":
            assert frac == 0.0 and not gaps
            continue
        hit = _GAP_MSG.match(msg)
        assert hit, msg
        pct, best, bound = (float(g.replace(",", "")) for g in hit.groups())
        assert value - 1000 - 1e-6 <= best and bound <= value - 1000 + 1e-6
        gap = max(best - bound, 0.0) / max(abs(best), abs(bound))
        assert pct == pytest.approx(100 * gap, abs=2e-3)
        gaps.append(gap)
        want = 1.0 if gap <= 1e-9 else math.log(max(gaps[0], 1e-12) / gap) / math.log(gaps[0] / 1e-9)
        assert frac == pytest.approx(min(max(want, 0.0), 1.0), abs=2e-3)
    assert len(set(gaps)) >= 3 and min(gaps) == 0.0 < max(gaps)


def _knapsack50(scale):
    from arealsirk.locate import _highs

    rng = np.random.default_rng(1)
    W = rng.integers(1, 100, (5, 50)).astype(float)
    v = rng.integers(1, 100, 50).astype(float)
    h = _highs.new_highs(time_limit=20)
    _highs.pass_model(h, -scale * v, sp.csr_matrix(W), np.full(5, -np.inf), np.floor(W.sum(axis=1) / 3),
                      np.zeros(50), np.ones(50), np.ones(50))
    return h


def _watched(h, offset):
    from arealsirk.locate import _highs

    rec = []
    _highs.watch_mip(h, _highs.MipState(), report=lambda f, m: rec.append((f, m)), is_cancelled=None,
                     label="Test", offset=offset, min_interval=0.0)
    h.run()
    return rec


def test_watch_mip_gap_below_one_and_at_zero():
    """Objective values below 1 (costs scaled by 1e-4): the gap is relative to them, not to 1.  With
    the offset cancelling the optimum, the last reports read best 0, bound 0: gap 0, fraction 1."""
    rec = _watched(_knapsack50(1e-4), 0.0)
    numeric = [(f, _GAP_MSG.match(m)) for f, m in rec if "proven gap" in m]
    assert numeric
    for _, hit in numeric:
        pct, best, bound = (float(g.replace(",", "")) for g in hit.groups())
        assert -1.0 < best < 0.0 and bound <= best
        assert pct == pytest.approx(100 * (best - bound) / max(abs(best), abs(bound)), abs=2e-3)
    h = _knapsack50(1.0)
    _watched(h, 0.0)
    value = h.getInfo().objective_function_value
    rec = _watched(_knapsack50(1.0), -value)
    last_f, last_m = rec[-1]
    assert last_m == "Test: proven gap 0.000 % (best 0, bound 0)" and last_f == 1.0


def test_warm_reports_searching_until_an_incumbent():
    """The market split without slack: no incumbent in a second, although the bound (0) is known."""
    c, A, lo, hi, lb, ub, integ = _market_split(slack=False)
    rec = []
    out = solve_milp_warm(c, A, lo, hi, lb=lb, ub=ub, integrality=integ, time_limit=1.0, x0=None,
                          report=lambda f, m: rec.append((f, m)))
    assert out.status == "time_limit" and out.x is None
    assert len(rec) >= 2 and set(rec) == {(0.0, "HiGHS: searching (no incumbent yet)")}


def test_quiet_highs_hides_the_banner_in_a_fresh_process():
    import os
    import subprocess
    import sys
    from pathlib import Path

    import arealsirk

    root = str(Path(arealsirk.__file__).resolve().parents[1])
    code = ("print('before', flush=True)\n"
            "from arealsirk.locate import _highs\n"
            "h = _highs.new_highs(time_limit=None)\n"
            "h2 = _highs.new_highs(time_limit=None)\n"
            "print('after', _highs._BANNER_SHOWN, flush=True)\n")
    env = dict(os.environ, PYTHONPATH=root)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          cwd=root, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "before\nafter True\n"


# --------------------------------------------------------------------------------------------------
# _coverage_ls: CoverageEngine against brute-force MCLP
# --------------------------------------------------------------------------------------------------

def _brute_cover(A, w, p, fixed=()):
    """Best covered weight and the set reaching it (first in lexicographic order) over all p-sets."""
    best, arg = -1.0, None
    for S in itertools.combinations(range(A.shape[1]), p):
        if set(fixed) <= set(S):
            v = float(w[(A[:, list(S)] > 0).any(axis=1)].sum())
            if v > best:
                best, arg = v, S
    return best, arg


def _engine(A, w, fixed=(), clock=None, check=None):
    from arealsirk.locate._coverage_ls import CoverageEngine

    return CoverageEngine(sp.csr_matrix(np.asarray(A, dtype=float)), np.asarray(w, dtype=float),
                          np.asarray(fixed, dtype=np.int64), clock, check=check)


# Seven demands (rows, weights W7) and five candidates (columns).  Column weights: c0 0, c1 10
# (d0, d2, d4), c2 9 (d0, d3, d4, d6), c3 9 (d1, d2), c4 5 (d2).  Greedy opens c1 first, then c2 or c3
# (each adds 4): 14.  The optimum {c2, c3} covers every coverable demand: 18.
A7 = np.array([[0, 1, 1, 0, 0],
               [0, 0, 0, 1, 0],
               [0, 1, 0, 1, 1],
               [0, 0, 1, 0, 0],
               [0, 1, 1, 0, 0],
               [0, 0, 0, 0, 0],
               [0, 0, 1, 0, 0]])
W7 = np.array([3, 4, 5, 3, 2, 1, 1], dtype=float)


def test_coverage_counts_and_value():
    eng = _engine(A7, W7)
    assert np.array_equal(eng.counts(np.array([1, 2], dtype=np.int64)), [2, 0, 1, 1, 2, 0, 1])
    assert np.array_equal(eng.counts(np.zeros(0, dtype=np.int64)), np.zeros(7))
    for S in itertools.combinations(range(5), 2):
        assert eng.value(np.array(S)) == float(W7[(A7[:, list(S)] > 0).any(axis=1)].sum())


def test_coverage_greedy_swap_and_local_search_by_hand():
    eng = _engine(A7, W7)
    G = eng.greedy(2)
    assert 1 in G and len(G) == 2 and eng.value(G) == 14.0  # c1 (10) then +4
    assert _brute_cover(A7, W7, 2) == (18.0, (2, 3))
    # from {c1, c2}: c1 -> c3 gains 4 (18); c2 -> c3 and c1 -> c4 gain 0; the others lose
    S = np.array([1, 2], dtype=np.int64)
    assert eng.best_swap(S, eng.counts(S)) == (4.0, 1, 3)
    S2, v2 = eng.local_search(S)
    assert (S2.tolist(), v2) == ([2, 3], 18.0)
    S3, v3 = eng.local_search(np.array([3, 1], dtype=np.int64))  # {c1, c3}: c1 -> c2 gains 4
    assert (S3.tolist(), v3) == ([2, 3], 18.0)
    # p = 3: greedy c1, then +4, then +4 covers everything coverable (18)
    G3 = eng.greedy(3)
    assert eng.value(G3) == 18.0 and len(set(G3.tolist())) == 3


def test_coverage_fixed_facility_is_never_swapped_out():
    eng = _engine(A7, W7, fixed=[1])
    best, _ = _brute_cover(A7, W7, 2, fixed=[1])
    assert best == 14.0
    G = eng.greedy(2)
    assert G[0] == 1 or 1 in G
    S, v = eng.local_search(G)
    assert 1 in S and v == best and len(S) == 2
    # swapping c2 for c3 is no gain (14 -> 14); swapping out c1 would gain 4 but c1 is fixed
    assert eng.best_swap(np.array([1, 2]), eng.counts(np.array([1, 2])))[0] == 0.0
    # fixed c4 and c0 with p = 2: greedy keeps both, value 5
    eng2 = _engine(A7, W7, fixed=[0, 4])
    assert eng2.greedy(2).tolist() == [0, 4]
    assert eng2.local_search(np.array([0, 4]))[1] == 5.0


def test_coverage_local_search_edge_cases():
    eng = _engine(A7, W7)
    S, v = eng.local_search(np.arange(5))  # every candidate open: nothing to swap
    assert (S.tolist(), v) == ([0, 1, 2, 3, 4], 18.0)
    S, v = eng.local_search(np.zeros(0, dtype=np.int64))
    assert (S.tolist(), v) == ([], 0.0)
    from arealsirk.locate._common import Clock

    done = _engine(A7, W7, clock=Clock(1e-9))
    time.sleep(0.001)
    S, v = done.local_search(np.array([1, 2]))  # time is up: the start is returned as it is
    assert (S.tolist(), v) == ([1, 2], 14.0)


def test_coverage_check_is_polled():
    from arealsirk.errors import CancelledError

    def stop():
        raise CancelledError("cancelled by the user")

    eng = _engine(A7, W7, check=stop)
    for call in (lambda: eng.greedy(2), lambda: eng.local_search(np.array([1, 2])),
                 lambda: eng.vns(np.array([1, 2]), 14.0, np.random.default_rng(0), kmax=1,
                                 max_no_improve=5),
                 lambda: eng.lagrangian(2, 14.0, max_iter=5)):
        with pytest.raises(CancelledError):
            call()


# Eight demands, six candidates: greedy plus single swaps stop at 16 ({c1, c4}); the optimum 20
# ({c2, c5}) needs both facilities moved, which the VNS shake (k = 2) does.
A8 = np.array([[0, 0, 1, 0, 0, 0],
               [0, 0, 0, 0, 0, 1],
               [0, 0, 0, 1, 0, 1],
               [0, 0, 0, 0, 1, 1],
               [0, 1, 1, 0, 0, 0],
               [0, 0, 0, 0, 0, 0],
               [0, 0, 0, 0, 1, 0],
               [0, 1, 0, 1, 0, 1]])
W8 = np.array([5, 1, 3, 1, 5, 4, 5, 5], dtype=float)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_coverage_vns_leaves_the_local_optimum(seed):
    eng = _engine(A8, W8)
    assert _brute_cover(A8, W8, 2) == (20.0, (2, 5))
    S, v = eng.local_search(eng.greedy(2))
    assert (S.tolist(), v) == ([1, 4], 16.0)  # a 1-swap local optimum (checked over every swap:)
    for r, f in itertools.product(S, sorted(set(range(6)) - set(S.tolist()))):
        T = sorted(set(S.tolist()) - {r} | {f})
        assert float(W8[(A8[:, T] > 0).any(axis=1)].sum()) <= 16.0
    rec = []
    S2, v2, it = eng.vns(S, v, np.random.default_rng(seed), kmax=2, max_no_improve=12,
                         progress=lambda f, m: rec.append((f, m)))
    assert (S2.tolist(), v2) == ([2, 5], 20.0)
    assert it == len(rec) and it >= 13  # one improvement, then 12 shakes without one
    assert rec[-1] == (1.0, "VNS covered 20")
    assert all(0.0 <= f <= 1.0 for f, _ in rec)
    fracs = [f for f, _ in rec]
    k = fracs.index(0.0) if 0.0 in fracs else None
    assert k is not None and fracs[k + 1:] == [i / 12 for i in range(1, 13)]


def test_coverage_vns_with_a_fixed_facility_and_stops():
    eng = _engine(A8, W8, fixed=[1])
    best, _ = _brute_cover(A8, W8, 2, fixed=[1])
    S, v = eng.local_search(eng.greedy(2))
    S2, v2, _ = eng.vns(S, v, np.random.default_rng(0), kmax=2, max_no_improve=12)
    assert 1 in S2 and v2 == best
    # every demand covered (the uncoverable d5 left out, as max_coverage does): no shake at all
    keep = np.flatnonzero(A8.any(axis=1))
    eng3 = _engine(A8[keep], W8[keep])
    S3, v3, it3 = eng3.vns(np.array([1, 2, 4, 5]), 25.0, np.random.default_rng(0), kmax=2,
                           max_no_improve=12)
    assert eng3.value(np.array([1, 2, 4, 5])) == float(W8[keep].sum()) == 25.0
    assert (S3.tolist(), v3, it3) == ([1, 2, 4, 5], 25.0, 0)
    # five of six open (value passed low, 20): one closed candidate, so every shake is one swap and
    # the local search after it reaches the best 5-set (all 5-sets are one swap apart): one
    # improvement to 25, then three shakes without one
    S4, v4, it4 = eng.vns(np.array([0, 1, 2, 3, 4]), 20.0, np.random.default_rng(0), kmax=2,
                          max_no_improve=3)
    assert 1 in S4 and v4 == _brute_cover(A8, W8, 5, fixed=[1])[0] == 25.0 and it4 == 4
    # all open facilities fixed: nothing movable
    eng5 = _engine(A8, W8, fixed=[1, 4])
    S5, v5, it5 = eng5.vns(np.array([1, 4]), 16.0, np.random.default_rng(0), kmax=2, max_no_improve=12)
    assert (S5.tolist(), v5, it5) == ([1, 4], 16.0, 1)


# Ten demands, seven candidates, p = 2: single swaps from greedy stop at 32, the optimum is 33
# ({c1, c3}), the LP relaxation 34.  The MCLP Lagrangian relaxation has the integrality property, so
# its dual equals the LP bound (Galvao & ReVelle 1996); the subgradient gets there from above.
A10 = np.array([[0, 0, 1, 0, 1, 1, 0],
                [1, 0, 0, 1, 1, 0, 0],
                [1, 1, 0, 0, 0, 1, 0],
                [1, 1, 1, 0, 0, 1, 0],
                [0, 1, 0, 0, 0, 0, 0],
                [0, 1, 0, 0, 0, 0, 0],
                [1, 0, 1, 1, 0, 0, 1],
                [0, 0, 0, 1, 0, 1, 0],
                [1, 0, 0, 0, 0, 1, 0],
                [0, 0, 0, 1, 0, 1, 0]])
W10 = np.array([4, 4, 5, 5, 4, 4, 4, 5, 3, 2], dtype=float)


def _mclp_lp(A, w, p, fixed=()):
    """max w z  s.t.  z_i <= sum_j A_ij y_j,  sum y = p,  0 <= y, z <= 1 (y_j = 1 when fixed)."""
    from scipy.optimize import linprog

    n, m = A.shape
    c = np.concatenate([np.zeros(m), -w])
    A_ub = np.hstack([-A, np.eye(n)])
    A_eq = np.concatenate([np.ones(m), np.zeros(n)])[None, :]
    bounds = [(1.0 if j in fixed else 0.0, 1.0) for j in range(m)] + [(0.0, 1.0)] * n
    r = linprog(c, A_ub=A_ub, b_ub=np.zeros(n), A_eq=A_eq, b_eq=[p], bounds=bounds, method="highs")
    return -float(r.fun)


def test_coverage_lagrangian_bound_is_the_lp_bound_and_its_sets_hold_the_optimum():
    eng = _engine(A10, W10)
    assert _brute_cover(A10, W10, 2) == (33.0, (1, 3))
    assert _mclp_lp(A10, W10, 2) == pytest.approx(34.0)
    _, v = eng.local_search(eng.greedy(2))
    assert v == 32.0
    best, top = eng.lagrangian(2, v, max_iter=1500)
    assert 34.0 - 1e-9 <= best <= 34.0 + 1e-5
    values = [eng.value(T) for T in top]
    assert top[0].tolist() == [1, 3] and values == [33.0, 32.0, 32.0]
    assert len({T.tobytes() for T in top}) == 3 and all(len(T) == 2 for T in top)
    # keep = 1: only the best set; fewer iterations: a weaker but still valid bound
    best1, top1 = eng.lagrangian(2, v, max_iter=100, keep=1)
    assert [T.tolist() for T in top1] == [[1, 3]]
    assert 34.0 + 1e-3 < best1 <= float(W10.sum())


def test_coverage_lagrangian_with_fixed_facilities():
    eng = _engine(A10, W10, fixed=[0])
    lp0 = _mclp_lp(A10, W10, 2, fixed=[0])
    assert lp0 == pytest.approx(_brute_cover(A10, W10, 2, fixed=[0])[0]) == pytest.approx(32.0)
    best, top = eng.lagrangian(2, 0.0, max_iter=1500)
    assert lp0 - 1e-9 <= best <= lp0 + 1e-5
    assert top and all(0 in T.tolist() and len(T) == 2 for T in top)
    assert eng.value(top[0]) == 32.0
    # p equals the fixed count: the only set is the fixed one, the bound its value 33
    eng2 = _engine(A10, W10, fixed=[1, 3])
    best2, top2 = eng2.lagrangian(2, 0.0, max_iter=1500)
    assert [T.tolist() for T in top2] == [[1, 3]]
    assert 33.0 - 1e-9 <= best2 <= 33.0 + 1e-5


def test_coverage_lagrangian_stops_at_once_when_out_of_time_or_proven():
    from arealsirk.locate._common import Clock

    eng = _engine(A10, W10, clock=Clock(1e-9))
    time.sleep(0.001)
    assert eng.lagrangian(2, 32.0, max_iter=1500) == (float(W10.sum()), [])
    # A7 without its uncoverable row: L(0) = total weight 18 = the lower bound passed (the optimum),
    # so the first iteration proves it and the search stops with one candidate set
    eng7 = _engine(A7[[0, 1, 2, 3, 4, 6]], W7[[0, 1, 2, 3, 4, 6]])
    best, top = eng7.lagrangian(2, 18.0, max_iter=1500)
    assert best == 18.0 and len(top) == 1
    best, top = eng7.lagrangian(2, 0.0, max_iter=1500)  # the heuristic's sets reach 18 on the way
    assert best == 18.0 and eng7.value(top[0]) == 18.0


# --------------------------------------------------------------------------------------------------
# _result.relative_gap and LocateResult
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("upper, lower, want", [
    (110.0, 100.0, 10.0 / 110.0),      # (upper - lower) / max(|upper|, |lower|)
    (-90.0, -100.0, 10.0 / 100.0),     # negative objectives: the larger magnitude is |lower|
    (5.0, -5.0, 10.0 / 5.0),
    (100.0, 110.0, 0.0),               # crossed bounds (rounding): clipped at 0
    (0.0, 0.0, 0.0),                   # denominator floor 1e-12, not a division by zero
    (3e-13, 1e-13, 2e-13 / 1e-12),     # below the floor the denominator is 1e-12
    (2e-12, 1e-12, 0.5),
])
def test_relative_gap_formula(upper, lower, want):
    from arealsirk.locate._result import relative_gap

    assert relative_gap(upper, lower) == pytest.approx(want, rel=1e-12, abs=0)
    assert isinstance(relative_gap(upper, lower), float)


@pytest.mark.parametrize("upper, lower", [
    (None, 1.0), (1.0, None), (None, None), (math.inf, 1.0), (1.0, -math.inf), (math.nan, 1.0),
    (1.0, math.nan)])
def test_relative_gap_without_two_finite_bounds(upper, lower):
    from arealsirk.locate._result import relative_gap

    assert relative_gap(upper, lower) is None


def test_locate_result_properties_and_summary():
    from arealsirk.locate._result import LocateResult

    r = LocateResult(np.array([4, 1]), np.array([1, 4, -1]), 12.5, 10.0, 0.2, "feasible", 0.25,
                     upper_bound=12.5, model="p_median", method="heuristic")
    assert r.n_facilities == 2 and r.optimal is False
    assert LocateResult(np.array([0]), np.array([0]), 1.0, 1.0, 0.0, "optimal", 0.0).optimal is True
    assert r.summary() == {"model": "p_median", "method": "heuristic", "status": "feasible",
                           "facilities": [4, 1], "objective": 12.5, "lower_bound": 10.0,
                           "upper_bound": 12.5, "gap": 0.2, "runtime_s": 0.25}
    r2 = LocateResult(np.zeros(0, dtype=np.int64), np.array([-1]), 0.0, None, None, "feasible", 1.0)
    s2 = r2.summary()
    assert (s2["lower_bound"], s2["upper_bound"], s2["gap"], s2["facilities"]) == (None, None, None, [])
    assert (r2.flows, r2.covered, r2.messages, r2.model, r2.method) == (None, None, (), "", "")


def _ref_greedy(A, w, p, fixed=()):
    """Greedy written out: from the fixed set, open the closed candidate adding the most uncovered
    weight (lowest index on ties) until p are open."""
    S = list(fixed)
    covered = (A[:, S] > 0).any(axis=1) if S else np.zeros(A.shape[0], dtype=bool)
    while len(S) < p:
        gains = [-1.0 if j in S else float(w[~covered & (A[:, j] > 0)].sum()) for j in range(A.shape[1])]
        j = int(np.argmax(gains))
        S.append(j)
        covered |= A[:, j] > 0
    return sorted(S)


def test_coverage_greedy_matches_the_rule_written_out():
    for seed in range(40):
        rng = np.random.default_rng(seed)
        A = (rng.random((9, 6)) < 0.35).astype(float)
        w = rng.integers(1, 6, 9).astype(float)
        fixed = sorted(rng.choice(6, size=seed % 3, replace=False).tolist())
        for p in range(max(1, len(fixed)), 7):
            eng = _engine(A, w, fixed=fixed)
            G = eng.greedy(p)
            assert G.tolist() == _ref_greedy(A, w, p, fixed), (seed, p, fixed)
            S, v = eng.local_search(G)
            T = S.tolist()
            assert len(set(T)) == p and set(fixed) <= set(T)
            assert v == float(w[(A[:, T] > 0).any(axis=1)].sum())
            for r, f in itertools.product(sorted(set(T) - set(fixed)), sorted(set(range(6)) - set(T))):
                U = sorted(set(T) - {r} | {f})
                assert float(w[(A[:, U] > 0).any(axis=1)].sum()) <= v  # 1-swap local optimum


def test_coverage_one_facility():
    """p = 1: the value of a single site is its column weight; the local search moves to the best."""
    eng = _engine(A7, W7)
    for j, want in enumerate([0.0, 10.0, 9.0, 9.0, 5.0]):
        assert eng.value(np.array([j])) == want
        assert np.array_equal(eng.counts(np.array([j])), A7[:, j])
    assert eng.greedy(1).tolist() == [1]
    assert eng.local_search(np.array([4]))[0].tolist() == [1]
    assert eng.local_search(np.array([4]))[1] == 10.0
    # every candidate: greedy opens each exactly once
    assert eng.greedy(5).tolist() == [0, 1, 2, 3, 4]
    assert sorted(set(eng.greedy(4).tolist())) == eng.greedy(4).tolist() and len(eng.greedy(4)) == 4


def test_coverage_vns_from_the_optimum_counts_its_shakes():
    eng = _engine(A8, W8)
    rec = []
    eng.vns(np.array([2, 5]), 20.0, np.random.default_rng(0), kmax=2, max_no_improve=1,
            progress=lambda f, m: rec.append((f, m)))
    assert rec == [(1.0, "VNS covered 20")]
    rec = []
    S, v, it = eng.vns(np.array([2, 5]), 20.0, np.random.default_rng(0), kmax=2, max_no_improve=7,
                       progress=lambda f, m: rec.append((f, m)))
    assert (S.tolist(), v, it) == ([2, 5], 20.0, 7)
    assert rec == [(i / 7, "VNS covered 20") for i in range(1, 8)]


# 16 demands, 10 candidates, p = 4: greedy plus swaps stop at 73, below the best THREE sites (74);
# the optimum is 76.  A shake that lost a site (drawing an open or a repeated site) could win here.
_R = np.random.default_rng(605)
A16 = (_R.random((16, 10)) < 0.3).astype(float)
W16 = _R.integers(1, 9, 16).astype(float)


@pytest.mark.parametrize("A, w, p", [(A8, W8, 2), (A16, W16, 4)])
def test_coverage_vns_keeps_p_distinct_sites(A, w, p):
    best, _ = _brute_cover(A, w, p)
    eng = _engine(A, w)
    S, v = eng.local_search(eng.greedy(p))
    if p == 4:
        assert (v, _brute_cover(A, w, 3)[0], best) == (73.0, 74.0, 76.0)
    for seed in range(6):
        S2, v2, _ = eng.vns(S, v, np.random.default_rng(seed), kmax=p, max_no_improve=8)
        T = S2.tolist()
        assert len(set(T)) == len(T) == p
        assert v2 == float(w[(A[:, T] > 0).any(axis=1)].sum()) == best


def test_coverage_lagrangian_one_site_and_all_but_one():
    """p = 1: the LP bound is the best single column (24, c5); p = m - 1 = 6 covers all 40."""
    eng = _engine(A10, W10)
    assert _mclp_lp(A10, W10, 1) == pytest.approx(24.0) and _brute_cover(A10, W10, 1) == (24.0, (5,))
    best, top = eng.lagrangian(1, 0.0, max_iter=1500)
    assert 24.0 - 1e-9 <= best <= 24.0 + 1e-5
    assert top[0].tolist() == [5]
    best6, top6 = eng.lagrangian(6, 0.0, max_iter=50)
    assert best6 == 40.0 == float(W10.sum())
    assert len(top6[0]) == 6 and eng.value(top6[0]) == 40.0


def test_coverage_lagrangian_one_site_among_many():
    """p = 1 among 300 candidates: the optimum is the heaviest column (brute force over columns); every
    L(mu) must stay above it, so the subproblem must pick the best-scoring column each time."""
    rng = np.random.default_rng(5)
    A = (rng.random((300, 300)) < 0.02).astype(float)
    w = rng.integers(1, 10, 300).astype(float)
    opt = float((w[:, None] * A).sum(axis=0).max())
    eng = _engine(A, w)
    best, top = eng.lagrangian(1, 0.0, max_iter=300)
    assert opt - 1e-9 <= best
    assert eng.value(top[0]) == opt


_RETRY_MSG = "HiGHS: inconsistent objective after a warm start; solving again without it"


@pytest.mark.parametrize("sense", ["max", "min"])
def test_warm_inconsistent_objective_is_solved_again_cold(monkeypatch, caplog, sense):
    """Fault injection of the HiGHS 1.16 defect ``_consistent`` guards against (an objective that does
    not belong to the returned solution after a MIP start): the model is solved again without the
    start, with every option, and the answer is still the brute-force optimum."""
    monkeypatch.setattr(_milp, "_consistent", lambda h, c: False)
    sign = 1.0 if sense == "max" else -1.0
    caplog.set_level("WARNING", logger="arealsirk")
    rec = []
    out = _knapsack(solve_milp_warm, sense=sense, x0=KNAP_X, report=lambda f, m: rec.append(m),
                    is_cancelled=lambda: False, label="Again")
    assert [r.getMessage() for r in caplog.records] == [_RETRY_MSG]
    assert (out.status, out.objective, out.bound) == ("optimal", pytest.approx(sign * KNAP_OPT),
                                                      pytest.approx(sign * KNAP_OPT))
    assert np.allclose(out.x, KNAP_X) and rec and all(m.startswith("Again: ") for m in rec)
    caplog.clear()
    gap = _knapsack(solve_milp_warm, sense=sense, x0=KNAP_X, abs_gap=30.0)
    assert [r.getMessage() for r in caplog.records] == [_RETRY_MSG]
    assert sign * gap.objective <= KNAP_OPT + 1e-9 <= sign * gap.bound + 2e-9
    assert 1.0 < sign * (gap.bound - gap.objective) <= 30.0 + 1e-9  # abs_gap kept on the cold run
    caplog.clear()
    _knapsack(solve_milp_warm, sense=sense, x0=None)  # no start: nothing to distrust
    assert caplog.records == []


def test_warm_inconsistent_objective_retry_keeps_cancellation(monkeypatch):
    """The user cancels while the first run is judged: the cold run must still honour it."""
    from arealsirk.errors import CancelledError

    cancelled = [False]

    def inconsistent(h, c):
        cancelled[0] = True
        return False

    monkeypatch.setattr(_milp, "_consistent", inconsistent)
    c, A, lo, hi, lb, ub, integ = _market_split(slack=True)
    with pytest.raises(CancelledError, match=r"^cancelled by the user$"):
        solve_milp_warm(c, A, lo, hi, lb=lb, ub=ub, integrality=integ, time_limit=0.5, x0=_ms_start(),
                        is_cancelled=lambda: cancelled[0])
    assert cancelled[0]


def test_warm_inconsistent_objective_retry_gets_the_time_left(monkeypatch):
    """The first (warm) run uses the whole 1 s budget, so the cold run gets the floor of 0.5 s: read
    from the time limits HiGHS was given, not from a wall-time window."""
    monkeypatch.setattr(_milp, "_consistent", lambda h, c: False)
    seen = _spy_new_highs(monkeypatch)
    c, A, lo, hi, lb, ub, integ = _market_split(slack=True)
    t0 = time.perf_counter()
    out = solve_milp_warm(c, A, lo, hi, lb=lb, ub=ub, integrality=integ, time_limit=1.0, x0=_ms_start())
    took = time.perf_counter() - t0
    _check_time_limited_incumbent(out, c, A, lo, hi)
    assert [(asked, given) for asked, given, _ in seen] == [(1.0, 1.0), (0.5, 0.5)]
    assert seen[1][2] - seen[0][2] >= 0.95 and took >= 1.45   # both runs used their whole limit
    # no limit: the cold run has none either
    seen.clear()
    out = _knapsack(solve_milp_warm, x0=KNAP_X)
    assert [(asked, given) for asked, given, _ in seen] == [(None, math.inf), (None, math.inf)]
    assert out.status == "optimal" and out.objective == pytest.approx(KNAP_OPT)


def test_warm_inconsistent_objective_retry_after_a_quick_first_run(monkeypatch):
    """A feasible market split, 5 rows x 40 columns with right-hand side M x* (x* drawn at random):
    the start x* with no slack is optimal at once (its 0 equals the LP bound), so after the injected
    inconsistency the cold run gets almost the whole 1.5 s.  Cold, HiGHS had found no slack-free point
    after 240 s (measured in wave 7; the 4 x 30 instance used before took it 3-6 s), so it stops at the
    limit with slack incumbents, reported with the offset."""
    judged: list[float] = []                  # when the first run's answer was judged (after it ended)
    monkeypatch.setattr(_milp, "_consistent", lambda h, c: judged.append(time.perf_counter()) or False)
    rng = np.random.default_rng(0)
    M = rng.integers(0, 100, (5, 40)).astype(float)
    xs = (rng.random(40) < 0.5).astype(float)
    d = M @ xs
    A = sp.csr_matrix(np.hstack([M, np.eye(5), -np.eye(5)]))
    c = np.concatenate([np.zeros(40), np.ones(10)])
    ub = np.concatenate([np.ones(40), np.full(10, np.inf)])
    integ = np.concatenate([np.ones(40), np.zeros(10)])
    x0 = np.concatenate([xs, np.zeros(10)])
    seen = _spy_new_highs(monkeypatch)
    rec = []
    t0 = time.perf_counter()
    out = solve_milp_warm(c, A, d, d, lb=np.zeros(c.size), ub=ub, integrality=integ, time_limit=1.5,
                          x0=x0, report=lambda f, m: rec.append(m), offset=100.0)
    # the cold run is given the time left: 1.5 s minus the time spent since the call began, which lies
    # between (judged - made1) and (made2 - t0) by the clock readings around it; not the 0.5 s floor,
    # since the first run ends at its root
    (asked1, given1, made1), (asked2, given2, made2) = seen
    assert (asked1, given1) == (1.5, 1.5) and len(judged) == 1
    assert max(1.5 - (made2 - t0), 0.5) - 1e-9 <= asked2 <= max(1.5 - (judged[0] - made1), 0.5) + 1e-9
    assert asked2 > 0.5 and given2 == asked2
    assert out.status == "time_limit" and out.objective == pytest.approx(float(c @ out.x))
    assert np.allclose(A @ out.x, d, atol=1e-6) and 0.0 <= out.bound <= out.objective
    numeric = [m for m in rec if "proven gap" in m]
    assert numeric and all(m.startswith("HiGHS: ") and m.endswith(", bound 100)") for m in numeric)


# --------------------------------------------------------------------------------------------------
# _common: the clock and the progress object every model makes
# --------------------------------------------------------------------------------------------------

def test_clock_and_make_progress():
    from arealsirk.errors import CancelledError
    from arealsirk.locate._common import Clock, make_progress

    forever = Clock(None)
    assert forever.left() == math.inf and not forever.expired() and forever.limit is None
    clock = Clock(0.2)
    assert clock.limit == 0.2 and 0.0 <= clock.elapsed() < 0.2 and 0.0 < clock.left() <= 0.2
    assert not clock.expired()
    time.sleep(0.25)
    assert clock.elapsed() >= 0.25 and clock.left() <= -0.05 and clock.expired()
    rec = []
    prog = make_progress(lambda f, m: rec.append((f, m)), lambda: False)
    prog(0.5, "half")
    prog.sub(0.5, 0.7)(0.5, "in a sub-range")  # 0.5 + 0.2 * 0.5
    prog(1.5, "clipped")
    assert rec == [(0.5, "half"), (pytest.approx(0.6), "in a sub-range"), (1.0, "clipped")]
    stop = make_progress(lambda f, m: rec.append((f, m)), lambda: True)
    with pytest.raises(CancelledError, match=r"^cancelled by the user$"):
        stop(0.1, "never shown")
    with pytest.raises(CancelledError):
        stop.check()
    assert rec[-1] == (1.0, "clipped")
    make_progress(None, None)(0.3, "nobody listens")  # no callback: nothing to call, no error


def test_common_checks_keep_shapes_zeros_and_integer_indices():
    from arealsirk.errors import InfeasibleError, InputError
    from arealsirk.locate import _common as cm

    # the last row and the last column allowed nowhere / covered nowhere: shapes stay n x m
    D = np.array([[1.0, 5.0, np.inf], [2.0, 0.5, np.inf], [np.inf, np.inf, np.inf]])
    cost = cm.check_cost(D)
    assert cost.allowed_csr().shape == (3, 3) and cost.allowed_csr().nnz == 4
    assert cm.coverage_matrix(cost, 1.0).shape == (3, 3)
    assert cm.coverage_matrix(cost, 1.0).toarray().tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 0]]
    S = sp.csr_matrix(([1.0, 5.0, 2.0], ([0, 0, 1], [0, 1, 0])), shape=(3, 3))
    assert cm.coverage_matrix(cm.check_cost(S), 2.0).shape == (3, 3)
    # zero is not negative; one negative value counted once
    assert cm.check_vector([0.0, 2.0], 2, name="capacity").tolist() == [0.0, 2.0]
    assert cm.check_vector(0.0, 3, name="fixed_cost").tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(InputError, match=r"^parameter 'capacity': 1 negative values$"):
        cm.check_vector([-1.0, 0.0, 0.5], 3, name="capacity")
    # time limits below one second are fine
    assert cm.check_time_limit(0.5) == 0.5
    # whole floats become int64 indices (also float32)
    for fx in ([1.0, 2.0], np.array([2.0, 1.0]), np.array([1.0, 2.0], dtype=np.float32)):
        got = cm.check_fixed(fx, 3)
        assert got.dtype == np.int64 and got.tolist() == [1, 2]
    # six unreachable rows: five shown and one more
    with pytest.raises(InfeasibleError, match=r"demand rows 0, 1, 2, 3, 4 and 1 more have no allowed"):
        cm.raise_unreachable(np.arange(6), "p_x")
