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
import re

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

from arealsirk.locate import _highs, facility_location
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
    integrality = np.r_[np.ones(m), np.zeros(P)]
    model = (cost, A, np.array(lo), np.array(hi), np.zeros(m + P), np.ones(m + P), integrality)
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
    (_, runs), = highs_objects
    lps = runs["n"]
    assert lps >= 2                                      # the instance needs at least one added row
    assert out.rounds == lps                             # "rounds: LPs solved"
    assert out.bound == pytest.approx(_lp(model), rel=1e-7)
    highs_objects.clear()
    again = generate_linking_rows(model, m=m, n_rows=n, cj=cj, K=K, clock=Clock(None), max_rounds=lps)
    assert again is not None and again.rounds == lps     # exactly enough rounds
    assert again.bound == pytest.approx(out.bound, rel=1e-12)
    assert again.keep.tolist() == out.keep.tolist()
    # the rows kept (demand, capacity and the generated linking rows) alone reach the strong LP
    k = cj.size
    assert out.keep[:n].all() and out.keep[n + k:].all()
    assert 1 <= out.linking == int(out.keep[n:n + k].sum()) < k
    cost, A, lo, hi, lb, ub, integ = model
    kept = (cost, A[out.keep], lo[out.keep], hi[out.keep], lb, ub, integ)
    assert _lp(kept) == pytest.approx(_lp(model), rel=1e-7)
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
    want = "facility_location: linking-row LP stopped (Infeasible)"
    assert [r.getMessage() for r in caplog.records] == [want]


# ----------------------------------------------------------------------------------------------------
# facility.py in exact mode after the Lagrangian start: probing, the generated linking rows
# ----------------------------------------------------------------------------------------------------

def _pmin(K, total):
    """Fewest candidates whose capacities hold the total (1 when any is uncapacitated)."""
    if not np.isfinite(K).all():
        return 1
    s = 0.0
    for k, cap in enumerate(sorted(K, reverse=True), start=1):
        s += cap
        if s >= total - 1e-12 * total:
            return k
    return len(K)


def _strong_lp(D, q, K, f, y_lo, y_hi):
    """LP relaxation of the model in facility.py's docstring (all capacities finite) with the ``y``
    bounds given: demand rows, ``x_ij <= y_j``, ``sum_i q_i x_ij <= K_j y_j``, ``sum_j K_j y_j >= total``,
    ``sum_j y_j >= p_min``."""
    n, m = D.shape
    r, c = np.nonzero(np.isfinite(D))
    P = r.size
    cost = np.concatenate([f, q[r] * D[r, c]])
    a_eq = np.zeros((n, m + P))
    a_eq[r, m + np.arange(P)] = 1.0
    rows = []
    for t in range(P):
        a = np.zeros(m + P)
        a[m + t], a[c[t]] = 1.0, -1.0
        rows.append(a)
    for j in range(m):
        a = np.zeros(m + P)
        a[m + np.flatnonzero(c == j)], a[j] = q[r[c == j]], -K[j]
        rows.append(a)
    rows.append(np.concatenate([-K, np.zeros(P)]))
    rows.append(np.concatenate([-np.ones(m), np.zeros(P)]))
    b = np.concatenate([np.zeros(len(rows) - 2), [-q.sum(), -_pmin(K, q.sum())]])
    bounds = [(y_lo[j], y_hi[j]) for j in range(m)] + [(0.0, 1.0)] * P
    res = linprog(cost, A_ub=np.array(rows), b_ub=b, A_eq=a_eq, b_eq=np.ones(n), bounds=bounds,
                  method="highs")
    assert res.status == 0
    return float(res.fun)


@pytest.fixture
def spies(monkeypatch):
    """Record facility.py's calls of probe_fixings and solve_milp_warm (arguments and results);
    ``spies["outcome"]`` may replace the MILP's outcome."""
    from arealsirk.locate import facility as fac

    rec: dict = {"probe": [], "milp": [], "outcome": None}
    real_probe, real_milp = fac.probe_fixings, fac.solve_milp_warm

    def probe(*args):
        out = real_probe(*args)
        rec["probe"].append((args, out))
        return out

    def milp(*args, **kwargs):
        out = real_milp(*args, **kwargs)
        rec["milp"].append((args, kwargs, out))
        return out if rec["outcome"] is None else rec["outcome"](out)

    monkeypatch.setattr(fac, "probe_fixings", probe)
    monkeypatch.setattr(fac, "solve_milp_warm", milp)
    return rec


@pytest.mark.parametrize(("seed", "n", "m"), [(0, 14, 7), (0, 12, 6), (5, 14, 7), (7, 12, 6), (11, 14, 7)])
def test_exact_mode_probes_once_and_the_milp_gets_its_fixings(seed, n, m, lagrangian_path, spies, caplog):
    from .locate_brute import brute_cfl

    D, q, K, f = _instance(seed, n=n, m=m)
    calls: list = []
    with caplog.at_level(logging.DEBUG, logger="arealsirk"):
        r = facility_location(D, q, K, f, exact=True, progress=lambda frac, msg: calls.append((frac, msg)))
    assert r.status == "optimal" and r.objective == pytest.approx(brute_cfl(D, q, K, f), rel=1e-9)
    (args, (closed, opened)), = spies["probe"]           # probed once, in exact mode
    v, lb, K_, total, fx, upper = args
    assert np.isfinite(lb) and v is not None and v.shape == (m,)
    assert K_.tolist() == K.tolist() and total == pytest.approx(q.sum()) and fx.size == 0
    (_, kw, _), = spies["milp"]
    S0 = set(np.flatnonzero(kw["x0"][:m] > 0.5).tolist())   # the heuristic's open set, the MILP's start
    assert upper >= r.objective * (1 - 1e-9)                # probing against the heuristic's cost
    shut = sorted(set(closed.tolist()) - S0)
    must = sorted(set(opened.tolist()) & S0)
    assert shut, "the instance should let probing close a candidate"
    assert np.flatnonzero(kw["ub"][:m] == 0).tolist() == shut
    assert np.flatnonzero(kw["lb"][:m] == 1).tolist() == must
    allowed = np.isfinite(D)
    assert kw["x0"].size == m + int(allowed[:, [j for j in range(m) if j not in shut]].sum())
    # the start is the heuristic's solution: feasible for the MILP and worth the heuristic's cost
    cost, A, lo, hi = spies["milp"][0][0]
    x0 = kw["x0"]
    assert np.isfinite(x0).all() and set(np.unique(x0[:m]).tolist()) <= {0.0, 1.0}
    assert float(cost @ x0) == pytest.approx(upper, rel=1e-9)
    ax = A @ x0
    assert (ax >= lo - 1e-7).all() and (ax <= hi + 1e-7).all()
    assert (x0 >= kw["lb"] - 1e-12).all() and (x0 <= kw["ub"] + 1e-12).all()
    msg = f"facility_location: probing closed {len(shut)} and opened {len(must)} of {m} candidates"
    assert msg in [rec.getMessage() for rec in caplog.records]
    assert (0.6, "facility location: strong LP relaxation (HiGHS)") in calls
    assert any(re.fullmatch(r"facility_location: strong LP \S+ with \d+ of \d+ linking rows after \d+ LPs",
                            rec.getMessage()) for rec in caplog.records)


@pytest.mark.parametrize("path", ["lagrangian", "lp"])
def test_without_exact_nothing_is_probed_and_no_rows_are_generated(path, lagrangian_path, spies, caplog):
    if path == "lp":
        lagrangian_path["locate.cfl_lp_max_pairs"] = 10 ** 6
    D, q, K, f = _instance(0, n=14, m=7)
    calls: list = []
    with caplog.at_level(logging.DEBUG, logger="arealsirk"):
        r = facility_location(D, q, K, f, progress=lambda frac, msg: calls.append((frac, msg)))
    assert r.method.startswith(f"{path}+")
    assert spies["probe"] == []
    assert "probing" not in caplog.text
    assert not any("strong LP" in msg for _, msg in calls)


def test_uncapacitated_candidates_get_no_generated_rows(lagrangian_path, spies, caplog):
    from .locate_brute import brute_cfl

    D, q, K, f = _instance(3, n=12, m=6)
    K = K.copy()
    K[[1, 4]] = np.inf
    calls: list = []
    with caplog.at_level(logging.DEBUG, logger="arealsirk"):
        r = facility_location(D, q, K, f, exact=True, progress=lambda frac, msg: calls.append((frac, msg)))
    opt = brute_cfl(D, q, np.where(np.isfinite(K), K, q.sum()), f)   # uncapacitated = holds everything
    assert r.status == "optimal" and r.objective == pytest.approx(opt, rel=1e-9)
    assert spies["probe"] and spies["milp"]              # the exact path ran, probing included
    assert not any("strong LP" in msg for _, msg in calls)
    assert "linking rows after" not in caplog.text


@pytest.mark.parametrize(("seed", "n", "m"), [(0, 14, 7), (1, 12, 6), (3, 14, 7), (10, 12, 6)])
def test_a_milp_stopped_without_a_bound_reports_the_strong_lp_with_the_fixings(seed, n, m, lagrangian_path,
                                                                               spies):
    from arealsirk.locate._milp import MilpOutcome

    from .locate_brute import transport_lp

    D, q, K, f = _instance(seed, n=n, m=m)
    spies["outcome"] = lambda out: MilpOutcome(None, None, None, "time_limit", "time limit reached")
    r = facility_location(D, q, K, f, exact=True)
    (_, kw, _), = spies["milp"]
    lp = _strong_lp(D, q, K, f, kw["lb"][:m], kw["ub"][:m])
    assert r.method == "lagrangian+transport+milp"
    assert r.lower_bound == pytest.approx(lp, rel=1e-7)
    gap = (r.objective - lp) / r.objective
    assert r.status == ("optimal" if gap <= 1e-9 else "time_limit")
    assert gap > 1e-6 or seed == 1                       # seed 1: the LP with the fixings closes the gap
    S = r.facilities.tolist()
    assert np.flatnonzero(kw["x0"][:m] > 0.5).tolist() == S        # the heuristic's set is returned
    assert r.objective == pytest.approx(f[S].sum() + transport_lp(D, q, K, S), rel=1e-7)
    assert r.gap == pytest.approx(gap if gap > 1e-9 else 0.0, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("path", ["lagrangian", "lp"])
def test_a_last_candidate_without_any_allowed_pair(path, lagrangian_path):
    from .locate_brute import brute_cfl

    if path == "lp":
        lagrangian_path["locate.cfl_lp_max_pairs"] = 10 ** 6
    D, q, K, f = _instance(5, n=10, m=6, tight=1.6)
    D[:, -1] = np.inf                                    # candidate 5 reaches no row
    r = facility_location(D, q, K, f)
    assert r.method.startswith(f"{path}+")
    assert 5 not in r.facilities.tolist()
    assert r.objective == pytest.approx(brute_cfl(D, q, K, f), rel=1e-4)


# ----------------------------------------------------------------------------------------------------
# facility._heuristic: what the Lagrangian search and the local search receive
# ----------------------------------------------------------------------------------------------------

@pytest.fixture
def heuristic_spies(monkeypatch):
    """Record the calls of lagrangian_cfl and local_search made by facility.py."""
    from arealsirk.locate import facility as fac

    rec: dict = {"lagrangian": [], "local": []}
    real_lag, real_ls = fac.lagrangian_cfl, fac.local_search

    def lag(*args, **kwargs):
        out = real_lag(*args, **kwargs)
        rec["lagrangian"].append((args, kwargs, out))
        return out

    def ls(*args, **kwargs):
        out = real_ls(*args, **kwargs)
        rec["local"].append((args, kwargs, out))
        return out

    monkeypatch.setattr(fac, "lagrangian_cfl", lag)
    monkeypatch.setattr(fac, "local_search", ls)
    return rec


def _brute_with(D, q, K, f, fixed=(), L=None):
    """Cheapest open set containing ``fixed`` (split demand, minimum loads by the dense LP below)."""
    import itertools

    from .locate_brute import transport_lp

    m = D.shape[1]
    best = np.inf
    for k in range(1, m + 1):
        for S in itertools.combinations(range(m), k):
            if not set(fixed) <= set(S):
                continue
            val = transport_lp(D, q, K, list(S)) if L is None else _transport_min_load(D, q, K, L, list(S))
            best = min(best, f[list(S)].sum() + val)
    return best


def _transport_min_load(D, q, K, L, S):
    """Split assignment to the open set ``S`` with ``L_j <= load_j <= K_j`` (dense LP)."""
    n, k = D.shape[0], len(S)
    cost = (np.where(np.isfinite(D[:, S]), D[:, S], 0.0) * q[:, None]).ravel()
    a_eq = np.zeros((n, n * k))
    for i in range(n):
        a_eq[i, i * k:(i + 1) * k] = 1
    a_ub = []
    for t in range(k):
        a = np.zeros(n * k)
        a[t::k] = q
        a_ub.append(a)
        a_ub.append(-a)
    b_ub = np.ravel([[K[j], -L[j]] for j in S])
    bounds = [(0, 1 if ok else 0) for ok in np.isfinite(D[:, S]).ravel()]
    res = linprog(cost, A_ub=np.array(a_ub), b_ub=b_ub, A_eq=a_eq, b_eq=np.ones(n), bounds=bounds,
                  method="highs")
    return float(res.fun) if res.status == 0 else np.inf


@pytest.mark.parametrize("exact", [False, True])
def test_the_lagrangian_and_local_searches_get_the_model_clock_and_progress(exact, lagrangian_path,
                                                                              heuristic_spies, caplog):
    from arealsirk.errors import CancelledError
    from arealsirk.progress import Progress

    lagrangian_path["locate.cfl_lagrange_max_iter"] = 40
    lagrangian_path["locate.cfl_swap_candidates"] = 3
    D, q, K, f = _instance(0, n=14, m=7)
    L = np.where(np.arange(7) % 3 == 0, 0.3 * K, 0.0)
    calls: list = []
    stop = {"now": False}
    with caplog.at_level(logging.DEBUG, logger="arealsirk"):
        r = facility_location(D, q, K, f, min_load=L, fixed=[6], exact=exact, time_limit=1000.0,
                              progress=lambda frac, msg: calls.append((frac, msg)),
                              is_cancelled=lambda: stop["now"])
    assert r.objective == pytest.approx(_brute_with(D, q, K, f, fixed=[6], L=L), rel=1e-9 if exact else 1e-3)
    assert 6 in r.facilities.tolist()
    (largs, lkw, lout), = heuristic_spies["lagrangian"]
    assert lkw["L"] is not None and lkw["L"].tolist() == L.tolist()
    assert lkw["max_iter"] == 40
    clock = largs[6]                                     # the heuristic's clock: half the time when exact
    assert clock.limit == pytest.approx(500.0 if exact else 1000.0, rel=0.01)
    assert clock.limit <= (500.0 if exact else 1000.0)
    assert isinstance(lkw["report"], Progress)
    assert (lkw["report"].start, lkw["report"].stop) == pytest.approx((0.1, 0.5))
    iters = [(frac, msg) for frac, msg in calls if "Lagrangian iteration" in msg]
    assert iters[0][0] == pytest.approx(0.1)
    for frac, msg in iters:                              # iteration k of 40 at 0.1 + 0.4 k / 40
        k = int(msg.split("iteration ")[1].split(",")[0])
        assert frac == pytest.approx(0.1 + 0.4 * k / 40)
    assert (0.5, "facility location: local search") in calls
    starts = lout[4]
    assert len(heuristic_spies["local"]) == len(starts) >= 2
    share = 0.1 / len(starts)
    for i, (args, kw, _) in enumerate(heuristic_spies["local"]):
        assert args[0].tolist() == starts[i].tolist()
        assert args[3].tolist() == [6]                   # the fixed candidate stays open
        assert args[4] is not None and args[4].tolist() == lout[3].tolist()   # ranked by the multipliers' v
        assert args[5] is clock
        assert kw["swap_candidates"] == 3
        want = (0.5 + share * i, 0.5 + share * (i + 1))
        assert (kw["report"].start, kw["report"].stop) == pytest.approx(want)
    msgs = [rec.getMessage() for rec in caplog.records]
    assert any(msg.startswith("facility_location: Lagrangian bound ") and msg.endswith(" transport LPs")
               for msg in msgs)
    stop["now"] = True                                   # the searches poll the user's cancel button
    for check in [lkw["check"]] + [kw["check"] for _, kw, _ in heuristic_spies["local"]]:
        with pytest.raises(CancelledError):
            check()


def test_without_a_time_limit_the_heuristic_clock_has_none(lagrangian_path, heuristic_spies):
    D, q, K, f = _instance(0, n=12, m=6)
    facility_location(D, q, K, f)
    (largs, _, _), = heuristic_spies["lagrangian"]
    assert largs[6].limit is None and largs[6].left() == np.inf


def test_an_lp_time_limit_of_zero_switches_the_lp_start_off(lagrangian_path):
    lagrangian_path["locate.cfl_lp_max_pairs"] = 10 ** 6
    lagrangian_path["locate.cfl_lp_time_limit"] = 0
    D, q, K, f = _instance(0, n=12, m=6)
    calls: list = []
    r = facility_location(D, q, K, f, progress=lambda frac, msg: calls.append((frac, msg)))
    assert r.method.startswith("lagrangian+")
    assert not any("LP relaxation" in msg for _, msg in calls)


def test_a_single_start_gets_the_whole_local_search_share(lagrangian_path, heuristic_spies):
    from .locate_brute import brute_cfl

    D, q, K, f = _instance(2, n=8, m=4, tight=1.2)
    r = facility_location(D, q, K, f)
    (_, _, lout), = heuristic_spies["lagrangian"]
    assert len(lout[4]) == 1                             # one distinct open set found: one start
    (_, kw, _), = heuristic_spies["local"]
    assert (kw["report"].start, kw["report"].stop) == pytest.approx((0.5, 0.6))
    assert r.objective == pytest.approx(brute_cfl(D, q, K, f), rel=1e-3)


# ----------------------------------------------------------------------------------------------------
# facility._lp_start and facility._solve_exact
# ----------------------------------------------------------------------------------------------------

def _small_haul(seed):
    """Ten rows, each allowed to its three nearest of five candidates; all capacities finite."""
    rng = np.random.default_rng(seed)
    pts, cand = rng.random((10, 2)) * 100, rng.random((5, 2)) * 100
    dist = np.hypot(*(pts[:, None, :] - cand[None, :, :]).transpose(2, 0, 1))
    D = np.full((10, 5), np.inf)
    near = np.argsort(dist, axis=1)[:, :3]
    rows = np.repeat(np.arange(10), 3)
    D[rows, near.ravel()] = dist[rows, near.ravel()]
    q = rng.integers(5, 40, 10).astype(float)
    K = np.full(5, q.sum() / 2.2)
    f = rng.integers(300, 900, 5).astype(float)
    return D, q, K, f


def test_the_lp_start_evaluates_the_duals_once_and_polls_cancel(lagrangian_path, heuristic_spies, caplog):
    from arealsirk.errors import CancelledError

    lagrangian_path["locate.cfl_lp_max_pairs"] = 10 ** 6
    D, q, K, f = _small_haul(0)
    stop = {"now": False}
    with caplog.at_level(logging.DEBUG, logger="arealsirk"):
        r = facility_location(D, q, K, f, is_cancelled=lambda: stop["now"])
    assert r.method.startswith("lp+")
    assert r.objective == pytest.approx(_brute_with(D, q, K, f), rel=1e-4)
    (_, lkw, _), = heuristic_spies["lagrangian"]
    assert lkw["max_iter"] == 1 and lkw["lam0"] is not None
    assert any(rec.getMessage().startswith("facility_location: LP bound ") for rec in caplog.records)
    stop["now"] = True
    with pytest.raises(CancelledError):
        lkw["check"]()


def test_the_lp_start_keeps_the_cheaper_lagrangian_set():
    # seed 11 with minimum loads on candidates 0, 2, 4: the LP's support {1, 2, 3, 4} costs 6895.6, the
    # Lagrangian set at the LP duals {1, 3, 4} costs 6634.8, the optimum (brute force): the start closes
    # the gap, no MILP is needed
    import arealsirk.defaults as d

    D, q, K, f = _instance(11, n=10, m=5)
    L = np.where(np.arange(5) % 2 == 0, 0.6 * K, 0.0)
    real = d.default
    over = {"locate.cfl_milp_max_pairs": 0, "locate.cfl_lp_max_pairs": 10 ** 6}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(d, "default", lambda key: over[key] if key in over else real(key))
        r = facility_location(D, q, K, f, min_load=L)
    assert r.method == "lp+transport"
    assert r.facilities.tolist() == [1, 3, 4]
    assert r.objective == pytest.approx(_brute_with(D, q, K, f, L=L), rel=1e-9)


def test_an_lp_start_out_of_time_is_logged_and_the_subgradient_runs(lagrangian_path, caplog):
    lagrangian_path["locate.cfl_lp_max_pairs"] = 10 ** 6
    lagrangian_path["locate.cfl_lp_time_limit"] = 1e-9
    D, q, K, f = _small_haul(0)
    with caplog.at_level(logging.DEBUG, logger="arealsirk"):
        r = facility_location(D, q, K, f)
    assert r.method.startswith("lagrangian+")
    msgs = [rec.getMessage() for rec in caplog.records]
    want = "facility_location: LP relaxation not used (Time limit reached"
    assert any(msg.startswith(want) for msg in msgs)


def test_exact_mode_from_the_lp_start_probes_and_keeps_every_linking_row(lagrangian_path, spies, caplog):
    lagrangian_path["locate.cfl_lp_max_pairs"] = 10 ** 6
    for seed in range(6):
        spies["probe"].clear(), spies["milp"].clear()
        D, q, K, f = _small_haul(seed)
        calls: list = []
        r = facility_location(D, q, K, f, exact=True,
                              progress=lambda frac, msg, seen=calls: seen.append((frac, msg)))
        assert r.status == "optimal" and r.objective == pytest.approx(_brute_with(D, q, K, f), rel=1e-9)
        assert len(spies["probe"]) == 1                  # probing after the LP start too
        (_, kw, _), = spies["milp"]
        assert kw["heuristics"] is True                  # only the Lagrangian start turns them off
        assert (0.6, "facility location: HiGHS") in calls
        assert not any("strong LP" in msg for _, msg in calls)


@pytest.mark.parametrize("exact", [False, True])
def test_small_models_go_straight_to_highs_with_the_default_time_limit(exact, spies, monkeypatch):
    import arealsirk.defaults as d

    real = d.default
    monkeypatch.setattr(d, "default", lambda key: 77.0 if key == "locate.milp_time_limit" else real(key))
    D, q, K, f = _instance(4, n=8, m=4)
    calls: list = []
    r = facility_location(D, q, K, f, exact=exact, progress=lambda frac, msg: calls.append((frac, msg)))
    assert r.method == "milp" and r.status == "optimal"
    assert r.objective == pytest.approx(_brute_with(D, q, K, f), rel=1e-9 if exact else 1e-4)
    (_, kw, _), = spies["milp"]
    assert kw["time_limit"] == (None if exact else 77.0)  # no limit given: exact runs to the proof
    assert kw["x0"] is None and kw["heuristics"] is True
    assert kw["rel_gap"] == (1e-9 if exact else real("locate.cfl_rel_gap"))
    assert (0.1, "facility location: HiGHS") in calls
    assert not any("strong LP" in msg for _, msg in calls)


@pytest.mark.parametrize("exact", [False, True])
def test_highs_gets_the_users_cancel_button_label_and_progress_range(exact, lagrangian_path, spies):
    from arealsirk.progress import Progress

    D, q, K, f = _instance(0, n=14, m=7)

    def never() -> bool:
        return False

    facility_location(D, q, K, f, exact=exact, is_cancelled=never)
    if not exact:                                        # the heuristic closed the gap: no MILP
        assert spies["milp"] == []
        lagrangian_path["locate.cfl_milp_max_pairs"] = 10 ** 6
        facility_location(D, q, K, f, is_cancelled=never)
    (_, kw, _), = spies["milp"]
    assert kw["is_cancelled"] is never
    assert kw["label"] == "facility location: HiGHS"
    assert kw["heuristics"] is (not exact)               # off only after the Lagrangian start (exact)
    assert isinstance(kw["report"], Progress)
    start = 0.6 if exact else 0.1                        # after the heuristic / straight to HiGHS
    assert (kw["report"].start, kw["report"].stop) == pytest.approx((start, 0.99))


@pytest.mark.parametrize(("limit", "expected"), [(0.5, 1.0), (1.5, 1.5)])
def test_the_milp_time_limit_is_the_time_left_but_at_least_one_second(limit, expected, spies):
    D, q, K, f = _instance(4, n=8, m=4)
    facility_location(D, q, K, f, time_limit=limit)
    (_, kw, _), = spies["milp"]
    assert expected - 0.2 <= kw["time_limit"] <= expected


def test_an_infeasible_milp_raises_with_the_message():
    from arealsirk.errors import InfeasibleError

    # minimum load 6 t on candidate 0, which may only reach row 0 (2 t); candidate 1 alone (capacity 4)
    # cannot hold the 6 t: total capacity suffices, every row has a pair, yet no solution exists
    D = np.array([[1.0, 1.0], [np.inf, 1.0]])
    q, K, f, L = np.array([2.0, 4.0]), np.array([6.0, 4.0]), np.array([1.0, 1.0]), np.array([6.0, 0.0])
    msg = "facility_location: no feasible solution (check capacities, min_load and allowed pairs)"
    with pytest.raises(InfeasibleError) as err:
        facility_location(D, q, K, f, min_load=L)
    assert str(err.value) == msg


@pytest.mark.parametrize("seed", [0, 3, 10])
@pytest.mark.parametrize("case", ["weaker_bound", "better_bound", "worse_solution", "tie", "proven_no_better",
                                  "error"])
def test_how_a_milp_outcome_meets_the_heuristic(seed, case, lagrangian_path, spies):
    """HiGHS' outcome replaced after the fact (instances where the heuristic is not proven optimal)."""
    from dataclasses import replace

    from .locate_brute import transport_lp

    D, q, K, f = _instance(seed, n=14 if seed < 10 else 12, m=7 if seed < 10 else 6)
    m = D.shape[1]
    seen: dict = {}

    def outcome(out):
        cost = spies["probe"][0][0][5]                   # the heuristic's cost (probing's upper bound)
        seen["heur"] = cost
        lp = _strong_lp(D, q, K, f, spies["milp"][0][1]["lb"][:m], spies["milp"][0][1]["ub"][:m])
        seen["lp"] = lp
        if case == "weaker_bound":                       # stopped with a bound below the strong LP
            return replace(out, x=None, objective=None, bound=0.0, status="time_limit")
        if case == "better_bound":                       # stopped with a bound above it
            seen["bound"] = (lp + cost) / 2
            return replace(out, x=None, objective=None, bound=seen["bound"], status="time_limit")
        if case == "worse_solution":                     # claims a solution dearer than the heuristic's
            return replace(out, objective=cost * 1.5, bound=0.0, status="time_limit")
        if case == "proven_no_better":                   # optimal to 1e-9, a hair above the heuristic
            return replace(out, objective=cost * (1 + 1e-12), bound=0.0, status="optimal")
        if case == "error":                              # HiGHS failed without a solution
            return replace(out, x=None, objective=None, bound=None, status="error")
        return replace(out, objective=cost, bound=0.0, status="time_limit")  # as good as the heuristic's

    spies["outcome"] = outcome
    r = facility_location(D, q, K, f, exact=True)
    S = r.facilities.tolist()
    true_cost = f[S].sum() + transport_lp(D, q, K, S)
    if case in ("weaker_bound", "better_bound", "worse_solution"):
        assert r.method == "lagrangian+transport+milp"   # the heuristic's solution is kept
        assert r.objective == pytest.approx(seen["heur"], rel=1e-12)
        assert r.objective == pytest.approx(true_cost, rel=1e-7)
        want = seen.get("bound", seen["lp"])
        assert r.lower_bound == pytest.approx(want, rel=1e-7)
        assert r.status == "time_limit"
    elif case == "proven_no_better":                     # HiGHS' proof covers the heuristic's solution
        assert r.method == "lagrangian+transport+milp"
        assert r.objective == pytest.approx(seen["heur"], rel=1e-12)
        assert r.status == "optimal" and r.gap == 0.0 and r.lower_bound == r.objective
    elif case == "error":                                # the heuristic's solution and the strong LP
        assert r.method == "lagrangian+transport+milp"
        assert r.objective == pytest.approx(seen["heur"], rel=1e-12)
        assert r.lower_bound == pytest.approx(seen["lp"], rel=1e-7)
        assert r.status == "feasible" and r.gap > 1e-9
    else:                                                # a tie goes to HiGHS' solution
        assert r.method == "milp"
        assert r.objective == pytest.approx(true_cost, rel=1e-7)


def test_highs_without_a_solution_and_no_heuristic_raises_with_its_message(spies):
    from dataclasses import replace

    from arealsirk.errors import InfeasibleError

    D, q, K, f = _instance(4, n=8, m=4)                  # small: straight to HiGHS, no heuristic
    spies["outcome"] = lambda out: replace(out, x=None, objective=None, bound=None, status="time_limit",
                                           message="Time limit reached")
    with pytest.raises(InfeasibleError) as err:
        facility_location(D, q, K, f, time_limit=30)
    assert str(err.value) == ("facility_location: HiGHS found no feasible solution within the time limit "
                              "(Time limit reached); raise time_limit")


@pytest.mark.parametrize("exact", [False, True])
def test_the_status_of_a_highs_solution(exact, spies):
    from dataclasses import replace

    D, q, K, f = _instance(4, n=8, m=4)                  # small: straight to HiGHS, no heuristic
    opt = _brute_with(D, q, K, f)
    # non-exact: "optimal" to HiGHS' 1e-4 gap with a bound 1e-5 below -> feasible, gap 1e-5;
    # exact: stopped at the time limit with a bound 1 % below -> time_limit with that bound
    spies["outcome"] = lambda out: replace(out, bound=out.objective * (0.99 if exact else 1 - 1e-5),
                                           status="time_limit" if exact else "optimal")
    r = facility_location(D, q, K, f, exact=exact)
    assert r.method == "milp" and r.objective == pytest.approx(opt, rel=1e-6)
    assert r.status == ("time_limit" if exact else "feasible")
    assert r.gap == pytest.approx(0.01 if exact else 1e-5, rel=1e-6)
    assert r.lower_bound == pytest.approx(r.objective * (0.99 if exact else 1 - 1e-5), rel=1e-12)


# ----------------------------------------------------------------------------------------------------
# facility._build: rows that only bind on some instances
# ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 4, 8])
def test_minimum_loads_below_one_unit_are_kept(seed):
    # demands of 0.05-0.3 t: the minimum loads (45 % of the total) are below 1 t and must still bind
    rng = np.random.default_rng(40 + seed)
    D = rng.uniform(1.0, 20.0, (7, 4))
    q = rng.uniform(0.05, 0.3, 7)
    K = np.full(4, q.sum() / 1.5)                        # two plants at least
    f = rng.uniform(0.01, 0.05, 4)                       # cheap plants: without loads, more are opened
    L = np.full(4, 0.45 * q.sum())                       # ... but the loads allow only two
    assert (L < 1).all()
    r = facility_location(D, q, K, f, min_load=L, exact=True)
    opt = _brute_with(D, q, K, f, L=L)
    assert r.objective == pytest.approx(opt, rel=1e-7)
    flows = r.flows.toarray()
    loads = flows.sum(axis=0)[r.facilities]
    assert (loads >= L[r.facilities] - 1e-7).all()
    assert opt > _brute_with(D, q, K, f) + 1e-6          # the loads change the optimum here
    assert r.assignment.tolist() == flows.argmax(axis=1).tolist()   # each row's main supplier, < 1 t too
    nearest = [min(r.facilities.tolist(), key=lambda j, i=i: D[i, j]) for i in range(7)]
    assert r.assignment.tolist() != nearest              # the loads send some row past its nearest plant


@pytest.mark.parametrize("seed", range(4))
def test_the_lp_start_bound_has_the_fewest_facilities_row_also_for_two(seed, lagrangian_path, spies):
    from dataclasses import replace

    lagrangian_path["locate.cfl_lp_max_pairs"] = 10 ** 6
    D, q, K, f = _instance(seed, n=10, m=5, tight=2.0)   # capacities 2/3 of the demand: two plants at least
    f = f * 10                                           # dear plants: the LP would open 1.5 of them
    assert _pmin(K, q.sum()) == 2
    spies["outcome"] = lambda out: replace(out, x=None, objective=None, bound=None, status="time_limit")
    r = facility_location(D, q, K, f)
    lp = _strong_lp(D, q, K, f, np.zeros(5), np.ones(5))
    assert r.lower_bound == pytest.approx(min(lp, r.objective), rel=1e-6)


@pytest.mark.parametrize("case", ["no_bound", "bound_above"])
def test_the_lower_bound_of_a_highs_solution(case, spies):
    from dataclasses import replace

    D, q, K, f = _instance(4, n=8, m=4)                  # small: straight to HiGHS, no heuristic
    opt = _brute_with(D, q, K, f)
    if case == "no_bound":                               # stopped with a solution but no bound
        spies["outcome"] = lambda out: replace(out, bound=None, status="time_limit")
    else:                                                # a bound a hair above the solution (round-off)
        spies["outcome"] = lambda out: replace(out, bound=out.objective * (1 + 1e-10))
    r = facility_location(D, q, K, f)
    assert r.objective == pytest.approx(opt, rel=1e-6)
    if case == "no_bound":
        assert r.lower_bound is None and r.gap is None and r.status == "time_limit"
    else:                                                # never above the objective
        assert r.lower_bound == r.objective and r.gap == 0.0 and r.status == "optimal"


# ----------------------------------------------------------------------------------------------------
# facility._validate: every refusal names the parameter
# ----------------------------------------------------------------------------------------------------

def test_bad_vectors_are_refused_with_the_parameter_named():
    from arealsirk.errors import InputError

    D = np.array([[1.0, 2.0], [3.0, 1.0], [2.0, 2.0]])
    q, K, f = np.array([1.0, 2.0, 3.0]), np.array([5.0, 5.0]), np.array([1.0, 1.0])
    cases = [
        (dict(demand=q[:2]), "parameter 'demand': length 2, expected one value per demand row (3)"),
        (dict(capacity=np.array([5.0, np.nan])), "parameter 'capacity': 1 NaN values"),
        (dict(fixed_cost=np.array([1.0, -1.0])), "parameter 'fixed_cost': 1 negative values"),
        (dict(min_load=np.array([-1.0, 0.0])), "parameter 'min_load': 1 negative values"),
        # candidate 0 has min_load = capacity (allowed), candidate 1 above it: 1 is named
        (dict(min_load=np.array([5.0, 6.0])), "parameter 'min_load': candidate 1 has min_load 6 above its "
                                               "capacity 5"),
    ]
    for change, msg in cases:
        args = dict(demand=q, capacity=K, fixed_cost=f) | change
        with pytest.raises(InputError) as err:
            facility_location(D, **args)
        assert str(err.value) == msg


def test_infeasible_inputs_are_refused_with_the_reason():
    from arealsirk.errors import InfeasibleError, InputError

    D = np.array([[1.0, 2.0], [3.0, 1.0], [2.0, 2.0]])
    q, K, f = np.array([1.0, 2.0, 3.0]), np.array([5.0, 5.0]), np.array([1.0, 1.0])
    with pytest.raises(InputError) as err:
        facility_location(D, np.zeros(3), K, f)
    assert str(err.value) == "parameter 'demand': total demand is zero; nothing to locate"
    D2 = D.copy()
    D2[1] = np.inf                                       # row 1 may go nowhere
    with pytest.raises(InfeasibleError) as err:
        facility_location(D2, q, K, f)
    assert str(err.value).startswith("facility_location: demand rows 1 have no allowed candidate")
    with pytest.raises(InfeasibleError) as err:          # row 2 (5.5 t) above both capacities (5 t)
        facility_location(D, np.array([1.0, 2.0, 5.5]), np.array([5.0, 5.0]), f, single_source=True)
    assert str(err.value) == ("facility_location: demand row 2 (5.5) exceeds the capacity of every allowed "
                              "candidate (single_source=True)")


def test_capacity_exactly_the_demand_is_accepted():
    from .locate_brute import brute_cfl

    D = np.array([[1.0, 4.0, 2.0], [3.0, 1.0, 2.5], [2.0, 2.0, 1.0], [4.0, 3.0, 1.5]])
    q, f = np.array([2.0, 3.0, 4.0, 1.0]), np.array([3.0, 4.0, 5.0])
    K = np.array([3.0, 3.0, 4.0])                        # 10 t of plants for 10 t of demand
    r = facility_location(D, q, K, f)
    assert r.objective == pytest.approx(brute_cfl(D, q, K, f), rel=1e-7)
    assert r.facilities.tolist() == [0, 1, 2]
    Kshort = K * (1 - 1e-10)                             # round-off below the demand: still accepted
    r = facility_location(D, q, Kshort, f)
    assert r.objective == pytest.approx(brute_cfl(D, q, K, f), rel=1e-6)
    # single source: a row of exactly one plant's capacity may go to that plant
    q1 = np.array([2.0, 3.0, 4.0, 1.0])
    r = facility_location(D, q1, np.array([4.0, 3.0, 4.0]), f, single_source=True)
    assert r.objective == pytest.approx(brute_cfl(D, q1, np.array([4.0, 3.0, 4.0]), f, single_source=True),
                                        rel=1e-7)


def test_a_model_with_exactly_the_pair_limit_is_small(lagrangian_path):
    D, q, K, f = _instance(4, n=8, m=4)
    lagrangian_path["locate.cfl_milp_max_pairs"] = 32    # 8 x 4 allowed pairs: at the limit
    assert facility_location(D, q, K, f).method == "milp"
    lagrangian_path["locate.cfl_milp_max_pairs"] = 31    # one pair over: the heuristic path
    assert facility_location(D, q, K, f).method != "milp"
