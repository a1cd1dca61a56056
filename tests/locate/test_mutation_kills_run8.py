"""Run-8 mutation kills for the engine modules changed in wave 7.

``_milp`` and ``_highs`` (the primal-heuristics switch, the pure-LP bound), ``curve`` (the weight
unit in the coverage curve's tolerances) and ``coverage``.

Every expected value comes from a second computation written out here -- brute force over all open
sets, scipy's ``linprog`` / ``milp``, HiGHS' own option values read back from the solver object the
code created, or a hand figure -- never from the code under test.  No test depends on machine speed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from arealsirk.locate import _highs, _milp
from arealsirk.locate._milp import solve_milp_warm

pytest.importorskip("highspy")

# the five switches ``skip_primal_heuristics`` documents, with the values that switch them off
_HEURISTIC_OFF = {"mip_heuristic_run_rins": False, "mip_heuristic_run_rens": False,
                  "mip_heuristic_run_feasibility_jump": False, "mip_heuristic_run_root_reduced_cost": False,
                  "mip_heuristic_effort": 0.0}


def _opt(h, key):
    got = h.getOptionValue(key)
    return got[1] if isinstance(got, tuple) else got


def _heuristic_options(h) -> dict:
    return {k: _opt(h, k) for k in _HEURISTIC_OFF}


# A small integer program: max 5a + 4b + 3c s.t. 2a + 3b + c <= 5, 4a + b + 2c <= 11,
# 3a + 4b + 2c <= 8, integer in [0, 3]; the optimum by enumeration below.
IP_C = np.array([5.0, 4.0, 3.0])
IP_A = np.array([[2, 3, 1], [4, 1, 2], [3, 4, 2]], dtype=float)
IP_B = np.array([5.0, 11.0, 8.0])


def _ip_best() -> float:
    return max(5 * a + 4 * b + 3 * c for a in range(4) for b in range(4) for c in range(4)
               if 2 * a + 3 * b + c <= 5 and 4 * a + b + 2 * c <= 11 and 3 * a + 4 * b + 2 * c <= 8)


def _solve_ip(**kw):
    return solve_milp_warm(IP_C, sp.csr_matrix(IP_A), np.full(3, -np.inf), IP_B, lb=np.zeros(3),
                           ub=np.full(3, 3.0), integrality=np.ones(3), time_limit=30, sense="max", **kw)


def _spy_models(monkeypatch) -> list:
    """Every HiGHS object ``solve_milp_warm`` makes (through ``_highs.new_highs``), in order."""
    real, made = _highs.new_highs, []

    def spy(*, time_limit, rel_gap=1e-9):
        h = real(time_limit=time_limit, rel_gap=rel_gap)
        made.append(h)
        return h

    monkeypatch.setattr(_highs, "new_highs", spy)
    return made


# --------------------------------------------------------------------------------------------------
# _highs.skip_primal_heuristics and solve_milp_warm(heuristics=...)
# --------------------------------------------------------------------------------------------------

def test_skip_primal_heuristics_switches_each_heuristic_off():
    h = _highs.new_highs(time_limit=None)
    before = _heuristic_options(h)
    # HiGHS' defaults: every heuristic on and a positive effort (so the test sees a change)
    assert all(v is True for k, v in before.items() if k != "mip_heuristic_effort")
    assert before["mip_heuristic_effort"] > 0
    _highs.skip_primal_heuristics(h)
    assert _heuristic_options(h) == _HEURISTIC_OFF


@pytest.mark.parametrize("heuristics", [True, False])
def test_solve_milp_warm_passes_the_heuristics_switch_to_highs(monkeypatch, heuristics):
    made = _spy_models(monkeypatch)
    out = _solve_ip(x0=None, heuristics=heuristics)
    assert out.status == "optimal" and out.objective == pytest.approx(_ip_best())
    assert len(made) == 1
    got = _heuristic_options(made[0])
    if heuristics:
        assert all(got[k] != v for k, v in _HEURISTIC_OFF.items())
    else:
        assert got == _HEURISTIC_OFF


def test_solve_milp_warm_heuristics_default_on(monkeypatch):
    made = _spy_models(monkeypatch)
    out = solve_milp_warm(IP_C, sp.csr_matrix(IP_A), np.full(3, -np.inf), IP_B, lb=np.zeros(3),
                          ub=np.full(3, 3.0), integrality=np.ones(3), time_limit=30, sense="max", x0=None)
    assert out.objective == pytest.approx(_ip_best())
    assert all(_heuristic_options(made[0])[k] != v for k, v in _HEURISTIC_OFF.items())


def test_cold_retry_after_an_inconsistent_warm_run_switches_the_heuristics_on(monkeypatch):
    """The retry proves nothing from a start, so it runs HiGHS with its heuristics (the documented
    ``True``), whatever the first run was given."""
    made = _spy_models(monkeypatch)
    monkeypatch.setattr(_milp, "_consistent", lambda h, c: False)
    out = _solve_ip(x0=np.zeros(3), heuristics=False)
    assert out.status == "optimal" and out.objective == pytest.approx(_ip_best())
    assert len(made) == 2
    assert _heuristic_options(made[0]) == _HEURISTIC_OFF
    assert all(_heuristic_options(made[1])[k] != v for k, v in _HEURISTIC_OFF.items())


def test_ip_optimum_by_enumeration_is_13():
    assert _ip_best() == 13
    assert math.isclose(5 * 2 + 3 * 1, 13)


# --------------------------------------------------------------------------------------------------
# _milp.solve_milp: the options scipy's HiGHS receives; the bound of a run cut without an incumbent
# --------------------------------------------------------------------------------------------------

def _spy_scipy_milp(monkeypatch) -> list[dict]:
    """The ``options`` of every ``scipy.optimize.milp`` call (solve_milp imports it when called)."""
    import scipy.optimize

    real, seen = scipy.optimize.milp, []

    def spy(*args, **kw):
        seen.append(dict(kw.get("options") or {}))
        return real(*args, **kw)

    monkeypatch.setattr(scipy.optimize, "milp", spy)
    return seen


@pytest.mark.parametrize(("time_limit", "want"), [(None, None), (0.1, 0.5), (0.5, 0.5), (7.25, 7.25)])
def test_solve_milp_gives_scipy_the_documented_options(monkeypatch, time_limit, want):
    """Quiet, the relative gap asked for, presolve on, and the time limit raised to half a second
    (absent without a limit); the small IP is still solved to its enumerated optimum."""
    seen = _spy_scipy_milp(monkeypatch)
    out = _milp.solve_milp(IP_C, sp.csr_matrix(IP_A), np.full(3, -np.inf), IP_B, lb=np.zeros(3),
                           ub=np.full(3, 3.0), integrality=np.ones(3), time_limit=time_limit, sense="max",
                           rel_gap=0.125)
    assert out.status == "optimal" and out.objective == pytest.approx(_ip_best())
    expected = {"disp": False, "mip_rel_gap": 0.125, "presolve": True}
    if want is not None:
        expected["time_limit"] = want
    assert seen == [expected]


def test_warm_without_highspy_hands_scipy_the_time_limit_and_gap(monkeypatch):
    """Without highspy, ``solve_milp_warm`` falls back to scipy's HiGHS with the same time limit
    (floored at 0.5 s), gap and sense."""
    seen = _spy_scipy_milp(monkeypatch)
    monkeypatch.setattr(_milp, "highspy_available", lambda: False)
    out = solve_milp_warm(IP_C, sp.csr_matrix(IP_A), np.full(3, -np.inf), IP_B, lb=np.zeros(3),
                          ub=np.full(3, 3.0), integrality=np.ones(3), time_limit=0.2, sense="max",
                          x0=None, rel_gap=0.125)
    assert out.status == "optimal" and out.objective == pytest.approx(_ip_best())
    assert seen == [{"disp": False, "mip_rel_gap": 0.125, "presolve": True, "time_limit": 0.5}]
    out = solve_milp_warm(-IP_C, sp.csr_matrix(IP_A), np.full(3, -np.inf), IP_B, lb=np.zeros(3),
                          ub=np.full(3, 3.0), integrality=np.ones(3), time_limit=None, sense="min", x0=None)
    assert out.status == "optimal" and out.objective == pytest.approx(-_ip_best())
    assert seen[1] == {"disp": False, "mip_rel_gap": 1e-9, "presolve": True}


def test_run_gives_highs_the_time_limit(monkeypatch):
    """``solve_milp_warm`` hands its time limit to ``new_highs`` (which floors it at 0.5 s)."""
    asked = []
    real = _highs.new_highs

    def spy(*, time_limit, rel_gap=1e-9):
        asked.append((time_limit, rel_gap))
        return real(time_limit=time_limit, rel_gap=rel_gap)

    monkeypatch.setattr(_highs, "new_highs", spy)
    _solve_ip(x0=None, rel_gap=0.25)
    assert asked == [(30, 0.25)]


# --------------------------------------------------------------------------------------------------
# curve: the best addition of _grow; _prove only where the pass left a gap
# --------------------------------------------------------------------------------------------------

def _random_mclp(seed: int):
    """Euclidean-free random costs 0..10 (n 8..15 rows, m 5..8 candidates), weights 1..9."""
    rng = np.random.default_rng(seed)
    n, m = rng.integers(8, 16), rng.integers(5, 9)
    D = rng.random((n, m)) * 10
    w = rng.integers(1, 10, n).astype(float)
    return D, w


def test_curve_grows_by_the_best_addition_to_the_brute_force_optimum():
    """Seed 17 (13 x 8, radius 3): the curve's k + 1 set starts from the k set plus the candidate
    covering the most *uncovered* weight; from there the swaps reach the brute-force optimum at every
    count (70 at k = 4; an addition scored on rows already covered ends at 69)."""
    from arealsirk.locate import coverage_curve
    from tests.locate.locate_brute import brute_mclp

    D, w = _random_mclp(17)
    assert D.shape == (13, 8)
    opt = [brute_mclp(D, w, k, 3.0)[0] for k in (1, 2, 3, 4)]
    assert opt == [39.0, 55.0, 63.0, 70.0]
    cv = coverage_curve(D, 3.0, 4, weights=w)
    assert list(cv.counts) == [1, 2, 3, 4]
    assert list(cv.covered) == opt


def test_curve_exact_solves_no_milp_when_the_pass_closes_every_gap(monkeypatch):
    """Candidate 0 covers every row, so from k = 1 on the covered weight is the whole coverable weight,
    which caps the upper bound: every gap is closed by the pass and ``exact=True`` has nothing left to
    prove -- HiGHS is never called."""
    from arealsirk.locate import coverage_curve, curve

    D = np.array([[1.0, 1.0, 9.0], [1.0, 9.0, 1.0], [1.0, 1.0, 1.0], [1.0, 9.0, 9.0], [1.0, 1.0, 9.0]])
    w = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    calls = []
    real = curve._exact_mclp

    def spy(*args, **kw):
        calls.append(args[2])
        return real(*args, **kw)

    monkeypatch.setattr(curve, "_exact_mclp", spy)
    cv = coverage_curve(D, 2.0, 3, weights=w, exact=True)
    assert list(cv.covered) == [31.0, 31.0, 31.0]
    assert list(cv.upper_bound) == [31.0, 31.0, 31.0] and list(cv.gap) == [0.0, 0.0, 0.0]
    assert calls == []


def _covers_all_instance():
    """Candidate 0 is within radius 2 of every row (total 31); candidates 1 and 2 of some."""
    D = np.array([[1.0, 1.0, 9.0], [1.0, 9.0, 1.0], [1.0, 1.0, 1.0], [1.0, 9.0, 9.0], [1.0, 1.0, 9.0]])
    return D, np.array([1.0, 2.0, 4.0, 8.0, 16.0])


def test_curve_lagrangian_only_for_counts_with_a_gap(monkeypatch):
    """With ``lagrange_iter`` the subgradient runs only where the submodularity bound leaves a gap:
    here every count covers the whole coverable weight from k = 1 on, so never."""
    from arealsirk.locate import coverage_curve
    from arealsirk.locate._coverage_ls import CoverageEngine

    calls = []
    real = CoverageEngine.lagrangian

    def spy(self, p, lower, **kw):
        calls.append(p)
        return real(self, p, lower, **kw)

    monkeypatch.setattr(CoverageEngine, "lagrangian", spy)
    D, w = _covers_all_instance()
    cv = coverage_curve(D, 2.0, 3, weights=w, lagrange_iter=20)
    assert list(cv.covered) == [31.0, 31.0, 31.0] and list(cv.gap) == [0.0, 0.0, 0.0]
    assert calls == []


def test_curve_exact_warm_starts_highs_from_the_sets_of_the_pass(monkeypatch):
    """``exact=True`` hands HiGHS, for each count with a gap, the set the pass found for it (the
    module docstring's warm start): the sets of the same curve without ``exact``."""
    from arealsirk.locate import coverage_curve, curve

    D, w = _random_mclp(17)
    heuristic = coverage_curve(D, 3.0, 4, weights=w)
    starts = {}
    real = curve._exact_mclp

    def spy(a, w_agg, k, fx, clock, s_inc=None):
        starts[k] = None if s_inc is None else sorted(np.asarray(s_inc).tolist())
        return real(a, w_agg, k, fx, clock, s_inc)

    monkeypatch.setattr(curve, "_exact_mclp", spy)
    cv = coverage_curve(D, 3.0, 4, weights=w, exact=True)
    open_counts = [int(k) for k, g in zip(heuristic.counts, heuristic.gap, strict=True) if g > 0]
    assert open_counts and sorted(starts) == open_counts
    for k in open_counts:
        assert starts[k] == sorted(heuristic.facilities[k - 1].tolist())
    assert list(cv.covered) == [39.0, 55.0, 63.0, 70.0] and list(cv.gap) == [0.0] * 4


@pytest.mark.parametrize("limit", [30.0, 1.2, 0.3, None])
def test_cold_retry_gets_the_time_left(monkeypatch, limit):
    """The retry after an inconsistent warm run gets what is left of the limit, at least 0.5 s: the
    first run of the small IP takes milliseconds, so the second model is asked for a little under the
    limit (30 -> just under 30, 1.2 -> just under 1.2) or for the 0.5 s floor (0.3); no limit, none."""
    asked = []
    real = _highs.new_highs

    def spy(*, time_limit, rel_gap=1e-9):
        asked.append(time_limit)
        return real(time_limit=time_limit, rel_gap=rel_gap)

    monkeypatch.setattr(_highs, "new_highs", spy)
    monkeypatch.setattr(_milp, "_consistent", lambda h, c: False)
    out = solve_milp_warm(IP_C, sp.csr_matrix(IP_A), np.full(3, -np.inf), IP_B, lb=np.zeros(3),
                          ub=np.full(3, 3.0), integrality=np.ones(3), time_limit=limit, sense="max",
                          x0=np.zeros(3))
    assert out.objective == pytest.approx(_ip_best())
    assert len(asked) == 2 and asked[0] == limit
    left = asked[1]
    if limit is None:
        assert left is None
    elif limit > 1.0:
        assert 0.5 <= left <= limit and left > limit - 0.65      # the first run: far below 0.65 s
    else:
        assert left == 0.5


# --------------------------------------------------------------------------------------------------
# _highs.watch_mip: the fraction when the first reported gap is already closed
# --------------------------------------------------------------------------------------------------

class _FakeHighs:
    """Just what ``watch_mip`` touches: a callback list and ``enableCallbacks``."""

    def __init__(self):
        self.callbacks = []
        self.cbMipInterrupt = self            # highspy's attribute name

    def __iadd__(self, fn):
        self.callbacks.append(fn)
        return self

    def enableCallbacks(self):                # noqa: N802  (highspy's method name)
        pass


def _event(primal: float, dual: float):
    from types import SimpleNamespace

    return SimpleNamespace(data_out=SimpleNamespace(mip_primal_bound=primal, mip_dual_bound=dual),
                           interrupt=lambda: None)


@pytest.mark.parametrize(("primal", "dual", "msg"), [
    (5.0, 5.0, "T: proven gap 0.000 % (best 5, bound 5)"),    # closed at the first incumbent: gap 0
    # gap exactly 1 / 1e9 = 1e-9 (division is correctly rounded); both print as 1e+09 with 6 digits
    (1e9, 1e9 - 1.0, "T: proven gap 0.000 % (best 1e+09, bound 1e+09)"),
])
def test_watch_mip_first_report_of_a_closed_gap_is_done(primal, dual, msg):
    """A first numeric report whose gap is at most 1e-9 is the end: fraction 1.0 (not 0, and not a
    division 0 / 0 by the log scale that starts at this first gap)."""
    h = _FakeHighs()
    rec: list[tuple[float, str]] = []
    _highs.watch_mip(h, _highs.MipState(), report=lambda f, m: rec.append((f, m)), is_cancelled=None,
                     label="T", min_interval=0.0)
    assert len(h.callbacks) == 1
    h.callbacks[0](_event(primal, dual))
    assert abs(primal - dual) / max(abs(primal), abs(dual)) <= 1e-9
    assert len(rec) == 1
    assert rec[0] == (1.0, msg)           # no offset given: none added to best and bound


# --------------------------------------------------------------------------------------------------
# _highs.skip_strong_branching and solve_milp_warm(strong_branching=...) (added on main after run 8's
# commit: not in run 8's mutants, checked by hand-applied mutants)
# --------------------------------------------------------------------------------------------------

def test_skip_strong_branching_sets_pseudocost_reliability_zero():
    h = _highs.new_highs(time_limit=None)
    assert _opt(h, "mip_pscost_minreliable") > 0          # HiGHS' default (8): a change to see
    _highs.skip_strong_branching(h)
    assert _opt(h, "mip_pscost_minreliable") == 0


@pytest.mark.parametrize("strong", [True, False])
def test_solve_milp_warm_passes_the_strong_branching_switch_to_highs(monkeypatch, strong):
    """Both HiGHS models (the warm run and the cold retry) get the switch; the IP keeps its optimum."""
    made = _spy_models(monkeypatch)
    monkeypatch.setattr(_milp, "_consistent", lambda h, c: False)
    out = _solve_ip(x0=np.zeros(3), strong_branching=strong)
    assert out.status == "optimal" and out.objective == pytest.approx(_ip_best())
    assert len(made) == 2
    for h in made:
        assert (_opt(h, "mip_pscost_minreliable") == 0) is (not strong)
