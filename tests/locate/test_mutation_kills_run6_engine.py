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


# A market-split instance (Cornuejols & Dawande 1998): 3 rows, 22 binary columns, right-hand side half
# the row sums.  With one slack pair per row (minimise the total slack) it has feasible points
# everywhere but HiGHS needs several seconds to prove its optimum; without slack (pure feasibility) it
# needs several seconds to prove it infeasible.  Both serve as "the time limit is reached" instances.
MS_A = np.array([
    [85, 63, 51, 26, 30, 4, 7, 1, 17, 81, 64, 91, 50, 60, 97, 72, 63, 54, 55, 93, 27, 81],
    [67, 0, 39, 85, 55, 3, 76, 72, 84, 17, 8, 86, 2, 54, 8, 29, 48, 42, 40, 2, 0, 12],
    [0, 67, 52, 64, 25, 61, 76, 38, 46, 99, 80, 98, 37, 68, 95, 65, 84, 68, 70, 38, 87, 13]],
    dtype=float)
MS_D = np.floor(MS_A.sum(axis=1) / 2)


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
        out_t = solve_milp(*_market_split(slack=True)[:4], lb=np.zeros(28),
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


def test_solve_milp_bad_input_is_a_solver_error():
    with pytest.raises(SolverError, match=r"HiGHS \(scipy.optimize.milp\) failed: .*integrality"):
        solve_milp(np.ones(3), sp.csr_matrix(np.ones((1, 2))), np.ones(1), np.ones(1), lb=np.zeros(2),
                   ub=np.ones(2), integrality=np.ones(2), time_limit=None)


def _check_time_limited_incumbent(out, c, A, lo, hi):
    assert out.status == "time_limit"
    assert out.x is not None
    x = np.asarray(out.x)
    assert np.allclose(A @ x, lo, atol=1e-6) and np.allclose(A @ x, hi, atol=1e-6)
    assert np.allclose(x[:22], np.round(x[:22]), atol=1e-6)
    assert out.objective == pytest.approx(float(c @ x), abs=1e-6)
    # the bound is a valid lower bound on a total slack that cannot be negative
    assert out.bound is not None and 0.0 <= out.bound <= out.objective + 1e-9
    assert isinstance(out.message, str) and "ime limit" in out.message


def test_solve_milp_time_limit_with_an_incumbent():
    c, A, lo, hi, lb, ub, integ = _market_split(slack=True)
    t0 = time.perf_counter()
    out = solve_milp(c, A, lo, hi, lb=lb, ub=ub, integrality=integ, time_limit=0.05)
    took = time.perf_counter() - t0
    _check_time_limited_incumbent(out, c, A, lo, hi)
    # a limit below half a second is raised to 0.5 s (HiGHS needs several seconds for this one)
    assert 0.45 <= took < 1.4


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


# A start of total slack 1 for the market-split instance (checked below by hand: A x = d with the
# slacks shown); HiGHS without it holds an incumbent of slack 2 or more after half a second.
MS_X0 = np.array([0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 1, 0, 0], dtype=float)


def _ms_start():
    r = MS_D - MS_A @ MS_X0
    return np.concatenate([MS_X0, np.maximum(r, 0.0), np.maximum(-r, 0.0)])


def test_market_split_start_has_slack_one():
    x0 = _ms_start()
    c, A, *_ = _market_split(slack=True)
    assert np.allclose(A @ x0, MS_D)
    assert float(c @ x0) == 1.0


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


def test_warm_abs_gap_bound_brackets_the_optimum():
    """An absolute gap of 30: stop once bound - incumbent <= 30 (the optimum 107 lies between)."""
    out = _knapsack(solve_milp_warm, x0=None, abs_gap=30.0)
    assert out.status == "optimal"
    _assert_knapsack_point(out.x, out.objective)
    assert out.objective <= KNAP_OPT + 1e-9 <= out.bound + 2e-9
    assert out.bound - out.objective <= 30.0 + 1e-9


def test_warm_infeasible_model():
    out = solve_milp_warm(np.ones(2), sp.csr_matrix(np.ones((1, 2))), np.array([3.0]),
                          np.array([np.inf]), lb=np.zeros(2), ub=np.ones(2), integrality=np.ones(2),
                          time_limit=None, x0=np.ones(2))
    assert (out.x, out.objective, out.bound, out.status, out.message) == (
        None, None, None, "infeasible", "infeasible")


def test_warm_time_limit_with_and_without_a_start():
    c, A, lo, hi, lb, ub, integ = _market_split(slack=True)
    t0 = time.perf_counter()
    cold = solve_milp_warm(c, A, lo, hi, lb=lb, ub=ub, integrality=integ, time_limit=0.05, x0=None)
    took = time.perf_counter() - t0
    _check_time_limited_incumbent(cold, c, A, lo, hi)
    assert cold.message == "Time limit reached"
    assert 0.45 <= took < 1.4  # raised to half a second; HiGHS needs several seconds here
    warm = solve_milp_warm(c, A, lo, hi, lb=lb, ub=ub, integrality=integ, time_limit=0.5,
                           x0=_ms_start())
    _check_time_limited_incumbent(warm, c, A, lo, hi)
    # the start (slack 1) is the first incumbent: the result can only be as good or better
    assert warm.objective <= 1.0 + 1e-9


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


def test_warm_reports_with_the_default_label():
    rec = []
    out = _knapsack(solve_milp_warm, x0=None, report=lambda f, m: rec.append((f, m)))
    assert out.objective == pytest.approx(KNAP_OPT)
    assert rec and all(m.startswith("HiGHS: ") for _, m in rec)


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
        solve_milp_warm(c, A, lo, hi, lb=lb, ub=ub, integrality=integ, time_limit=6.0, x0=None,
                        report=(lambda f, m: rec.append(m)) if with_report else None,
                        is_cancelled=is_cancelled)
    assert time.perf_counter() - t0 < 3.0  # stopped at the third poll, not at the 6 s limit
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
