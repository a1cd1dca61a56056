"""Run-6 mutation kills for ``arealsirk.locate.coverage`` (issue 16).

The run-5 tests only met instances where greedy + swaps is already optimal and the bound tight, so
the exact (MILP) branch of ``max_coverage``, the LP/MILP branch of ``set_coverage``, the time-limit
paths and the hash-collision branch of the row aggregation were never reached.  Here:

* hand instances where the greedy's first pick is a trap, solved with a time limit so short that
  only the greedy runs before the MILP (brute force gives the optimum);
* a fractional-weight instance whose bound is the LP relaxation (computed with scipy's LP);
* tolerance edges of "does the bound prove the heuristic optimal" (weights 1e6 / 1e-4 ...);
* two instances HiGHS cannot solve in its one second minimum, with their optimum solved offline by
  a separate dense ``scipy.optimize.milp`` model (11072 and 21; 12 s and 4 s) and their LP bound
  recomputed here with ``scipy.optimize.linprog``;
* set covering on odd cycles (LP optimum 1/2 everywhere, fractional) and greedy traps;
* the progress messages and cancellation a user sees;
* ``_aggregate_rows`` directly on rows whose index lists share sum and sum of squares (the two
  polynomial hashes collide, so the element-wise verification must split them and merge each set).
"""
# ruff: noqa: N806  (matrix notation of the OR literature: C, D, K, A, Q, S)
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

from arealsirk.defaults import default
from arealsirk.errors import CancelledError, InfeasibleError
from arealsirk.locate.coverage import _aggregate_rows, _greedy_cover, max_coverage, set_coverage
from tests.locate.locate_brute import brute_lscp, brute_mclp

TINY = 1e-9  # seconds: the clock has run out before the first check, so only the greedy runs
TL_MSG = "HiGHS stopped at the time limit; the gap is the proven one"


def _sets_to_cost(n: int, sets) -> np.ndarray:
    """Dense cost: 1.0 where candidate j covers row i (radius 1), inf elsewhere."""
    D = np.full((n, len(sets)), np.inf)
    for j, rows in enumerate(sets):
        D[list(rows), j] = 1.0
    return D


def _trap() -> np.ndarray:
    # X = {0,1,2}, Y = {3,4,5}, T = {0,1,3,4}: the greedy opens T (4 rows) then X or Y: 5 rows;
    # X + Y covers all 6 (the only pair that does).
    return _sets_to_cost(6, [(0, 1, 2), (3, 4, 5), (0, 1, 3, 4)])


def _cycle() -> np.ndarray:
    # 6 rows, 4 sites of 3 rows each; every pair of sites misses a row: optimum 5 of 6 rows, while
    # the LP relaxation opens every site at 1/2 and covers all 6 rows.
    return _sets_to_cost(6, [(0, 1, 2), (2, 3, 4), (4, 5, 0), (1, 3, 5)])


def _mclp_lp(D, w, p, radius=1.0):
    """LP relaxation of the MCLP (independent dense model)."""
    n, m = D.shape
    A = (radius >= D).astype(float)
    c = np.concatenate([np.zeros(m), -np.asarray(w, float)])
    A_ub = np.hstack([-A, np.eye(n)])
    A_eq = np.concatenate([np.ones(m), np.zeros(n)])[None]
    res = linprog(c, A_ub=A_ub, b_ub=np.zeros(n), A_eq=A_eq, b_eq=[p], bounds=(0, 1), method="highs")
    return -res.fun


def _lscp_lp(D, radius=1.0):
    A = (radius >= D).astype(float)
    res = linprog(np.ones(A.shape[1]), A_ub=-A, b_ub=-np.ones(A.shape[0]), bounds=(0, 1), method="highs")
    return res.fun


# --------------------------------------------------------------------------- max_coverage, exact


def test_exact_branch_repairs_the_greedy_trap():
    D = _trap()
    w = np.ones(6)
    opt, best = brute_mclp(D, w, 2, 1.0)
    assert opt == 6.0 and best == (0, 1)
    res = max_coverage(D, 2, 1.0, exact=True, time_limit=TINY)
    assert [int(j) for j in res.facilities] == [0, 1] and res.facilities.dtype == np.int64
    assert res.objective == 6.0 and res.lower_bound == 6.0 and res.upper_bound == 6.0
    assert res.status == "optimal" and res.gap == 0.0 and res.method == "heuristic+milp"
    assert res.messages == ()
    assert res.covered.all() and list(res.assignment) == [0, 0, 0, 1, 1, 1]
    # the same cut without exact: the greedy (T + X) and the trivial bound (all 6 rows)
    res = max_coverage(D, 2, 1.0, time_limit=TINY)
    assert [int(j) for j in res.facilities] == [0, 2] and res.objective == 5.0
    assert res.upper_bound == 6.0 and res.status == "time_limit" and res.method == "heuristic"
    assert res.gap == pytest.approx(1 / 6, abs=1e-15)


def test_exact_branch_weighted_trap_with_duplicate_rows():
    # weights 1 and 3; rows 6 and 7 repeat rows 2 and 5 (merged by the aggregation, weight 4 each)
    D = _sets_to_cost(8, [(0, 1, 2, 6), (3, 4, 5, 7), (0, 1, 3, 4)])
    w = np.array([3.0, 3.0, 1.0, 3.0, 3.0, 1.0, 3.0, 0.5])
    opt, best = brute_mclp(D, w, 2, 1.0)
    assert best == (0, 1) and opt == pytest.approx(17.5)
    res = max_coverage(D, 2, 1.0, weights=w, exact=True, time_limit=TINY)
    assert [int(j) for j in res.facilities] == [0, 1]
    assert res.objective == pytest.approx(17.5) and res.lower_bound == pytest.approx(17.5)
    assert res.upper_bound == pytest.approx(17.5) and res.status == "optimal" and res.gap == 0.0


def test_exact_not_run_when_the_bound_already_proves_the_heuristic():
    D = _trap()
    res = max_coverage(D, 3, 1.0, exact=True)  # three sites cover all rows: val = coverable
    assert res.objective == 6.0 and res.upper_bound == 6.0 and res.status == "optimal"
    assert res.method == "heuristic"
    # integer weights: the Lagrangian bound of the cycle is rounded down to 5 = the optimum
    res = max_coverage(_cycle(), 2, 1.0, exact=True)
    assert res.objective == 5.0 and res.status == "optimal"


def test_exact_tolerance_relative_to_the_covered_weight():
    D = np.array([[1.0, np.inf], [np.inf, 1.0]])
    # 1e-4 left uncovered of 1e6: within 1e-9 relative, so no MILP and the bound is the total weight
    res = max_coverage(D, 1, 1.0, weights=[1e6, 1e-4], exact=True)
    assert [int(j) for j in res.facilities] == [0] and res.objective == 1e6
    assert res.method == "heuristic" and res.status == "optimal" and res.gap == 0.0
    assert res.upper_bound == 1e6 + 1e-4
    # 1.5e-9 left of a covered weight 1: above 1e-9 * max(1, 1), so the MILP runs and proves it
    res = max_coverage(D, 1, 1.0, weights=[1.0, 1.5e-9], exact=True, time_limit=TINY)
    assert res.method == "heuristic+milp" and res.status == "optimal" and res.gap == 0.0
    assert res.objective == 1.0 and res.upper_bound == 1.0


def test_no_exact_tolerance_edges():
    D = np.array([[1.0, np.inf], [np.inf, 1.0]])
    res = max_coverage(D, 1, 1.0, weights=[1.0, 1.5e-9])
    assert res.status == "optimal" and res.gap == 0.0 and res.objective == 1.0
    assert 1.0 <= res.upper_bound <= 1.0 + 1e-9


def test_fractional_weights_bound_is_not_rounded():
    D = _cycle()
    w = np.full(6, 1.3)
    lp = _mclp_lp(D, w, 2)
    assert lp == pytest.approx(7.8)  # every site at 1/2 covers every row
    opt, _ = brute_mclp(D, w, 2, 1.0)
    assert opt == pytest.approx(6.5)
    res = max_coverage(D, 2, 1.0, weights=w)
    # the Lagrangian dual equals the LP bound here and cannot exceed the total weight 7.8
    assert res.upper_bound == pytest.approx(7.8, abs=1e-9)
    assert res.objective == pytest.approx(6.5) and res.status == "feasible"
    assert res.gap == pytest.approx((7.8 - 6.5) / 7.8, abs=1e-9)
    res = max_coverage(D, 2, 1.0, weights=w, exact=True)
    assert res.upper_bound == pytest.approx(6.5) and res.status == "optimal"
    assert res.method == "heuristic+milp" and res.messages == ()


def _hard_mclp():
    rng = np.random.default_rng(0)
    n, m, k = 300, 60, 5
    D = np.full((n, m), np.inf)
    for i in range(n):
        D[i, rng.choice(m, k, replace=False)] = 1.0
    w = rng.integers(1, 100, n).astype(float)
    return D, w


def _spy_time_limits(monkeypatch, name: str) -> list[float | None]:
    """The ``time_limit`` each call of ``coverage.<name>`` (the HiGHS wrapper) receives."""
    from arealsirk.locate import coverage

    real, seen = getattr(coverage, name), []

    def spy(*args, **kwargs):
        seen.append(kwargs["time_limit"])
        return real(*args, **kwargs)

    monkeypatch.setattr(coverage, name, spy)
    return seen


def test_exact_max_coverage_time_limit_reports_the_proven_bound(monkeypatch):
    D, w = _hard_mclp()
    lp = _mclp_lp(D, w, 8)
    assert lp == pytest.approx(12182.8333333, abs=1e-4)
    opt = 11072.0  # dense scipy.optimize.milp model solved offline (12 s); HiGHS needs ~5 s here
    limits = _spy_time_limits(monkeypatch, "solve_milp_warm")
    res = max_coverage(D, 8, 1.0, weights=w, exact=True, time_limit=0.05)
    assert res.status == "time_limit" and res.method == "heuristic+milp"
    assert res.messages == (TL_MSG,)
    assert opt - 1e-6 <= res.upper_bound <= lp + 1e-6
    assert res.objective <= opt + 1e-9 and res.objective == res.lower_bound
    assert res.gap == pytest.approx((res.upper_bound - res.objective) / res.upper_bound, abs=1e-12)
    assert res.gap > 0
    # HiGHS gets max(time left, 1 s): one second (read from its argument, not from a wall time)
    assert limits == [1.0]
    sites = [int(j) for j in res.facilities]
    assert len(sites) == 8 and res.objective == pytest.approx(w[(D[:, sites] <= 1).any(axis=1)].sum())


def test_no_exact_time_limit_status():
    D, w = _hard_mclp()
    res = max_coverage(D, 8, 1.0, weights=w, time_limit=TINY)
    assert res.status == "time_limit" and res.method == "heuristic" and res.messages == ()
    assert res.upper_bound == w.sum()  # no bound computed in the time: the total weight


# --------------------------------------------------------------------------- max_coverage, misc


def test_single_coverable_row_and_no_coverable_row():
    D = np.array([[1.0, np.inf], [5.0, 5.0], [np.inf, 9.0]])
    res = max_coverage(D, 1, 2.0, weights=[2.0, 3.0, 4.0])
    assert [int(j) for j in res.facilities] == [0]
    assert res.objective == 2.0 and res.lower_bound == 2.0 and res.upper_bound == 2.0
    assert res.status == "optimal" and list(res.assignment) == [0, -1, -1]
    res = max_coverage(D, 1, 0.5, weights=[2.0, 3.0, 4.0])
    assert res.objective == 0.0 and res.lower_bound == 0.0 and res.upper_bound == 0.0
    assert res.status == "optimal" and res.gap == 0.0 and not res.covered.any()


def test_max_coverage_progress_messages_and_cancel():
    D = _cycle()
    w = np.full(6, 1.3)
    seen: list[tuple[float, str]] = []
    max_coverage(D, 2, 1.0, weights=w, exact=True, progress=lambda f, msg: seen.append((f, msg)))
    K = int(default("locate.vns_max_no_improve"))
    # the heuristic is optimal (brute force: 6.5) and the bound 7.8: the VNS shakes K times in vain
    vns = [(0.5 + 0.2 * (k / K), "VNS covered 6.5") for k in range(1, K + 1)]
    want = [(0.02, "max coverage: coverage matrix"), (0.05, "max coverage: greedy"),
            (0.15, "max coverage: Lagrangian bound and heuristic"), *vns,
            (0.7, "max coverage: exact MILP (HiGHS)"), (1.0, "max coverage: done")]
    assert [m for _, m in seen] == [m for _, m in want]
    assert np.allclose([f for f, _ in seen], [f for f, _ in want], atol=1e-12)
    with pytest.raises(CancelledError):
        max_coverage(D, 2, 1.0, weights=w, is_cancelled=lambda: True)


def test_default_seed_is_zero_and_the_vns_reaches_the_optimum():
    # 128 rows, 35 sites, p = 6: greedy + swaps + Lagrangian starts stop short and the VNS shaking
    # decides: seeds 1, 2, 3 end at 1765, 1767, 1775, seed 0 (the documented default) at the optimum
    # 1781 with sites 0, 2, 4, 20, 24, 32 (dense scipy.optimize.milp model solved offline, 2 s)
    rng = np.random.default_rng(2021)
    n, m, p = int(rng.integers(60, 150)), int(rng.integers(20, 40)), int(rng.integers(4, 9))
    assert (n, m, p) == (128, 35, 6)
    D = np.round(rng.uniform(0, 10, size=(n, m)), 1)
    w = rng.integers(1, 30, n).astype(float)
    radius = float(rng.choice([1.5, 2.0, 2.5]))
    assert radius == 2.5
    for kw in ({}, {"seed": 0}):
        res = max_coverage(D, p, radius, weights=w, **kw)
        assert [int(j) for j in res.facilities] == [0, 2, 4, 20, 24, 32]
        assert res.objective == 1781.0 and res.upper_bound >= 1781.0


# --------------------------------------------------------------------------- set_coverage


def _triangles(k: int) -> np.ndarray:
    """k disjoint triangles: rows = edges, candidates = vertices (a vertex covers its two edges)."""
    sets = []
    for t in range(k):
        e = [3 * t, 3 * t + 1, 3 * t + 2]  # edges (v0 v1), (v1 v2), (v2 v0)
        sets += [(e[0], e[2]), (e[0], e[1]), (e[1], e[2])]
    return _sets_to_cost(3 * k, sets)


def test_set_coverage_odd_cycles_lp_bound_and_exact():
    D = _triangles(2)
    k, _ = brute_lscp(D, 1.0)
    assert k == 4 and _lscp_lp(D) == pytest.approx(3.0)
    res = set_coverage(D, 1.0)
    assert res.objective == 4.0 and res.lower_bound == 3.0 and res.status == "feasible"
    assert res.gap == pytest.approx(0.25) and res.method == "heuristic"
    res = set_coverage(D, 1.0, exact=True)
    assert res.objective == 4.0 and res.lower_bound == 4.0 and res.status == "optimal"
    assert res.method == "milp" and res.covered.all() and res.gap == 0.0


def test_set_coverage_greedy_trap_exact_repairs():
    # X = rows 0-6, Y = rows 7-13; C1 = 0-3 + 7-10 (8 rows), C2 = 4,5,11,12, C3 = 6,13: the greedy
    # takes C1, C2, C3 (3 sites, none redundant); X + Y is the optimum (2)
    D = _sets_to_cost(14, [range(7), range(7, 14), [0, 1, 2, 3, 7, 8, 9, 10], [4, 5, 11, 12], [6, 13]])
    k, best = brute_lscp(D, 1.0)
    assert k == 2 and best == (0, 1)
    res = set_coverage(D, 1.0)
    assert [int(j) for j in res.facilities] == [2, 3, 4] and res.lower_bound == 2.0
    res = set_coverage(D, 1.0, exact=True)
    assert [int(j) for j in res.facilities] == [0, 1] and res.objective == 2.0
    assert res.lower_bound == 2.0 and res.status == "optimal" and res.method == "milp"


def test_set_coverage_one_site_or_fixed_sites_cover_all():
    D = _sets_to_cost(4, [(0, 1), (0, 1, 2, 3), (2, 3)])
    for exact in (False, True):
        res = set_coverage(D, 1.0, exact=exact)
        assert [int(j) for j in res.facilities] == [1] and res.lower_bound == 1.0
        assert res.method == "heuristic" and res.status == "optimal"
        res = set_coverage(D, 1.0, exact=exact, fixed=[0, 2])
        assert [int(j) for j in res.facilities] == [0, 2] and res.lower_bound == 2.0
        assert res.method == "heuristic" and res.status == "optimal"


def test_set_coverage_two_sites_exact_is_milp():
    D = _sets_to_cost(4, [(0, 1), (1, 2), (2, 3)])
    res = set_coverage(D, 1.0, exact=True)
    assert [int(j) for j in res.facilities] == [0, 2] and res.method == "milp"
    assert res.status == "optimal" and res.lower_bound == 2.0


def test_set_coverage_keeps_the_greedy_cover_when_the_milp_is_not_smaller():
    # two disjoint optimal covers {0, 1} and {2, 3}; the greedy opens 0 then 1 (lowest index of ties)
    D = _sets_to_cost(4, [(0, 1), (2, 3), (0, 1), (2, 3)])
    for exact in (False, True):
        res = set_coverage(D, 1.0, exact=exact)
        assert [int(j) for j in res.facilities] == [0, 1] and res.status == "optimal"
    D = _sets_to_cost(6, [(0, 1, 2), (3, 4, 5), (0, 1, 2), (3, 4, 5), (2, 3)])
    res = set_coverage(D, 1.0, exact=True)
    assert [int(j) for j in res.facilities] == [0, 1]


def test_set_coverage_result_fields():
    D = _sets_to_cost(4, [(0, 1), (1, 2), (2, 3)])
    res = set_coverage(D, 1.0)
    assert isinstance(res.runtime_s, float) and 0 <= res.runtime_s < 60
    assert res.messages == () and isinstance(res.messages, tuple)
    assert res.flows.shape == (4, 3) and res.flows.toarray().tolist() == [
        [1, 0, 0], [1, 0, 0], [0, 0, 1], [0, 0, 1]]
    assert res.upper_bound == 2.0 and res.model == "set_coverage"


def test_set_coverage_infeasible_message_six_rows():
    D = np.full((7, 2), 9.0)
    D[0, 0] = 1.0
    with pytest.raises(InfeasibleError) as e:
        set_coverage(D, 2.0)
    assert str(e.value) == ("set_coverage: demand rows 1, 2, 3, 4, 5 and 1 more have no candidate "
                            "within radius 2; widen the radius or drop them")


def test_set_coverage_progress_and_cancel():
    D = _triangles(2)
    for exact, msg in ((False, "set covering: LP bound"), (True, "set covering: exact MILP (HiGHS)")):
        seen: list[tuple[float, str]] = []
        set_coverage(D, 1.0, exact=exact, progress=lambda f, m, seen=seen: seen.append((f, m)))
        assert seen == [(0.05, "set covering: greedy"), (0.3, msg), (1.0, "set covering: done")]
    with pytest.raises(CancelledError):
        set_coverage(D, 1.0, is_cancelled=lambda: True)


def _hard_lscp():
    rng = np.random.default_rng(1)
    n, m, k = 200, 60, 4
    rows = np.repeat(np.arange(n), k)
    cols = np.concatenate([rng.choice(m, k, replace=False) for _ in range(n)])
    return sp.csr_matrix((np.ones(n * k), (rows, cols)), shape=(n, m))


def test_set_coverage_time_limit(monkeypatch):
    A = _hard_lscp()
    D = np.where(A.toarray() > 0, 1.0, np.inf)
    lp = _lscp_lp(D)
    assert lp == pytest.approx(15.0)
    opt = 21  # dense scipy.optimize.milp model solved offline (4 s)
    limits = _spy_time_limits(monkeypatch, "solve_milp")
    res = set_coverage(A, 1.0, exact=True, time_limit=0.01)
    assert res.status == "time_limit" and res.method == "milp"
    assert 15.0 <= res.lower_bound <= opt and res.lower_bound == float(int(res.lower_bound))
    assert res.objective >= opt and (D[:, res.facilities] <= 1).any(axis=1).all()
    assert res.gap == pytest.approx((res.objective - res.lower_bound) / res.objective)
    assert limits == [1.0]       # HiGHS gets max(time left, 1 s): one second, read from its argument
    res = set_coverage(A, 1.0, time_limit=0.01)  # LP bound, solved well within its one second
    assert res.lower_bound == 15.0 and res.status == "feasible"


# --------------------------------------------------------------------------- internals


def _agg_groups(A, w):
    """Distinct coverage sets -> summed weight, over rows with an entry and w > 0 (independent)."""
    A = sp.csr_matrix(A)
    out: dict[tuple[int, ...], float] = {}
    for i in range(A.shape[0]):
        cols = tuple(sorted(A.indices[A.indptr[i]:A.indptr[i + 1]].tolist()))
        if cols and w[i] > 0:
            out[cols] = out.get(cols, 0.0) + float(w[i])
    return out


def _agg_check(A, w, *, distinct: bool = True):
    """The aggregation is exact: per distinct coverage set the weights add up to the input's, no
    aggregated row mixes two sets; with ``distinct`` every set appears once."""
    Aa, wa = _aggregate_rows(sp.csr_matrix(A), np.asarray(w, float))
    got: dict[tuple[int, ...], float] = {}
    for i in range(Aa.shape[0]):
        cols = tuple(sorted(Aa.indices[Aa.indptr[i]:Aa.indptr[i + 1]].tolist()))
        assert cols not in got or not distinct
        got[cols] = got.get(cols, 0.0) + float(wa[i])
    want = _agg_groups(A, np.asarray(w, float))
    assert got.keys() == want.keys()
    for key, val in want.items():
        assert got[key] == pytest.approx(val)
    assert wa.sum() == pytest.approx(sum(want.values()))
    return Aa, wa


def _rows(m, lists):
    A = np.zeros((len(lists), m))
    for i, cols in enumerate(lists):
        A[i, list(cols)] = 1.0
    return A


def test_aggregate_rows_hash_collisions_are_split():
    # {1, 5, 6} and {2, 3, 7}: same length, sum 12 and sum of squares 62, so both hashes collide and
    # only the element-wise check keeps the sets apart; the rows of the second set are merged among
    # themselves too (wave 7: before, each was split off on its own, P, P, Q, Q -> 3 rows)
    P, Q = (1, 5, 6), (2, 3, 7)
    A = _rows(8, [P, P, Q, Q, (0,), P, (4, 5)])
    Aa, _ = _agg_check(A, [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0])
    assert Aa.shape[0] == 4
    Aa, _ = _agg_check(_rows(8, [P, P, Q, (0,), P]), [1.0, 2.0, 4.0, 8.0, 16.0])
    assert Aa.shape[0] == 3
    # a collision class of two sets: {0, 4, 5}, {1, 2, 6} (sum 9, squares 41) next to other rows
    A = _rows(7, [(0, 4, 5), (0, 4, 5), (1, 2, 6), (3,), (1, 2, 6), (0, 4, 5)])
    Aa, _ = _agg_check(A, [1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    assert Aa.shape[0] == 3


def test_aggregate_rows_merges_sets_told_apart_by_one_hash():
    # h2 sums (i + 7)(i + 13) = (i + 10)^2 - 9: {4, 13} and {0, 15} have 14^2 + 23^2 = 10^2 + 25^2 and
    # different sums, so only h1 tells them apart
    Aa, _ = _agg_check(_rows(16, [(4, 13), (0, 15), (0, 15), (4, 13)]), [1.0, 2.0, 4.0, 8.0])
    assert Aa.shape[0] == 2
    # same length and sum, different squares ({0, 3} and {1, 2}): only h2 tells them apart
    Aa, _ = _agg_check(_rows(6, [(0, 3), (1, 2), (1, 2), (0, 3)]), [1.0, 2.0, 4.0, 8.0])
    assert Aa.shape[0] == 2
    # different lengths, same sum and squares ({0, 1, 2, 3}... {1, 2, 3} + {0}): the length column
    Aa, _ = _agg_check(_rows(5, [(0, 1, 2, 3), (1, 2, 3), (1, 2, 3), (0, 1, 2, 3)]), [1.0, 2.0, 4.0, 8.0])
    assert Aa.shape[0] == 2


def test_aggregate_rows_edge_sizes():
    Aa, wa = _agg_check(_rows(3, [(0,), (), (1, 2)]), [0.0, 5.0, 2.0])  # one coverable row
    assert Aa.shape == (1, 3) and wa.tolist() == [2.0]
    Aa, wa = _aggregate_rows(sp.csr_matrix(_rows(3, [(0,), ()])), np.array([0.0, 1.0]))
    assert Aa.shape == (0, 3) and wa.size == 0


def test_max_coverage_on_colliding_rows_matches_brute_force():
    P, Q = (1, 5, 6), (2, 3, 7)
    rows = [P, P, Q, Q, (0,), P, (4, 5), Q, (0, 4)]
    A = _rows(8, rows)
    D = np.where(A > 0, 1.0, np.inf)
    w = np.array([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 3.0, 5.0])
    for p in (1, 2, 3):
        opt, _ = brute_mclp(D, w, p, 1.0)
        for exact in (False, True):
            res = max_coverage(D, p, 1.0, weights=w, exact=exact)
            assert res.objective == pytest.approx(opt) and res.lower_bound == pytest.approx(opt)
            assert res.upper_bound >= opt - 1e-9


def test_greedy_cover_counts_fixed_and_removed_columns():
    # fixed 0 covers rows 0, 1; the greedy must add only column 1 for row 2
    A = sp.csr_matrix(_rows(3, [(0, 2), (0, 1, 2), (1,)]))  # rows x columns
    assert _greedy_cover(A, np.array([0], dtype=np.int64)).tolist() == [0, 1]
    D = np.where(A.toarray() > 0, 1.0, np.inf)
    res = set_coverage(D, 1.0, fixed=[0])
    assert [int(j) for j in res.facilities] == [0, 1] and res.objective == 2.0


def _random_mclp(seed: int):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(8, 30))
    m = int(rng.integers(5, 12))
    p = int(rng.integers(1, min(m, 6)))
    D = np.round(rng.uniform(0, 10, size=(n, m)), 1)
    w = rng.integers(1, 20, n).astype(float) if rng.random() < 0.5 else np.round(rng.uniform(0.1, 9, n), 2)
    fixed = (int(rng.integers(0, m)),) if rng.random() < 0.3 and p > 1 else ()
    return D, w, p, float(rng.choice([2.0, 3.0, 4.0])), fixed


@pytest.mark.parametrize("seed", range(0, 100, 5))
def test_exact_after_greedy_only_matches_brute_force(seed):
    # the clock runs out before the swaps, the Lagrangian bound and the VNS: the MILP does the work
    D, w, p, radius, fixed = _random_mclp(seed)
    opt, _ = brute_mclp(D, w, p, radius, fixed=fixed)
    res = max_coverage(D, p, radius, weights=w, fixed=fixed, exact=True, time_limit=TINY)
    sites = [int(j) for j in res.facilities]
    assert len(sites) == p and set(fixed) <= set(sites)
    assert res.objective == pytest.approx(opt, abs=1e-9)
    assert res.objective == pytest.approx(float(w[(D[:, sites] <= radius).any(axis=1)].sum()), abs=1e-9)
    assert res.lower_bound == pytest.approx(opt, abs=1e-9) and res.upper_bound == pytest.approx(opt, abs=1e-9)
    assert res.status == "optimal" and res.gap == 0.0 and res.messages == ()


def test_greedy_solution_kept_unless_strictly_improved():
    # the greedy opens 0 (3 rows, lowest index of the ties) then 1 (3 new rows): 6 of 7 rows, the
    # optimum (brute force); the Lagrangian starts {0, 3}, {1, 2} ... are as good, not better
    D = _sets_to_cost(7, [(0, 1, 2), (3, 4, 5), (0, 1, 2), (3, 4, 5), (6,), (0, 3)])
    opt, _ = brute_mclp(D, np.ones(7), 2, 1.0)
    assert opt == 6.0
    res = max_coverage(D, 2, 1.0)
    assert [int(j) for j in res.facilities] == [0, 1] and res.objective == 6.0
    assert res.upper_bound == 6.0 and res.status == "optimal"


def test_set_coverage_lp_bound_cut_by_the_time_limit_is_missing_not_invented(monkeypatch):
    # 15000 rows x 1000 sites: the LP relaxation needs minutes (129 s measured in wave 7), the limit
    # gives it one second; the greedy cover is still complete and the bound is reported as unknown
    # (None), not as a number
    limits = _spy_time_limits(monkeypatch, "solve_milp")
    rng = np.random.default_rng(5)
    n, m, k = 15000, 1000, 10
    A = sp.csr_matrix((np.ones(n * k), (np.repeat(np.arange(n), k), rng.integers(0, m, n * k))), shape=(n, m))
    A.sum_duplicates()
    A.data[:] = 1.0
    res = set_coverage(A, 1.0, time_limit=0.01)
    # wave 7: the LP was cut by the time limit, so the status says so (it read "feasible")
    assert res.lower_bound is None and res.gap is None and res.status == "time_limit"
    assert res.covered.all() and res.objective == float(res.facilities.size)
    assert (A[:, res.facilities].sum(axis=1) > 0).all()
    assert limits == [1.0]       # the LP got max(time left, 1 s), read from its argument


@pytest.mark.parametrize("seed", range(40))
def test_greedy_cover_is_a_cover_without_redundant_columns(seed):
    # Chvatal's greedy then redundancy elimination: every row covered, and every non-fixed column
    # kept is the only open column covering some row (else it would have been dropped)
    rng = np.random.default_rng(300 + seed)
    n, m = int(rng.integers(6, 16)), int(rng.integers(4, 10))
    A = (rng.random((n, m)) < 0.35).astype(float)
    A[np.arange(n), rng.integers(0, m, n)] = 1.0
    fx = np.unique(rng.integers(0, m, int(rng.integers(0, 3)))).astype(np.int64)
    S = _greedy_cover(sp.csr_matrix(A), fx)
    assert set(fx.tolist()) <= set(S.tolist()) and S.tolist() == sorted(set(S.tolist()))
    cnt = A[:, S].sum(axis=1)
    assert (cnt > 0).all()
    for j in set(S.tolist()) - set(fx.tolist()):
        assert (cnt[A[:, j] > 0] == 1).any(), f"column {j} is redundant"
    k, _ = brute_lscp(np.where(A > 0, 1.0, np.inf), 1.0, fixed=tuple(fx.tolist()))
    assert k <= S.size


@pytest.mark.parametrize("rows", [
    # row 3 is covered by columns 0, 1, 2, 3 and three of them are dropped in turn
    [[0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 1], [1, 0, 0, 1, 1, 0], [1, 1, 1, 1, 0, 0], [1, 1, 0, 1, 0, 1],
     [1, 0, 0, 0, 0, 1], [0, 1, 1, 0, 0, 0], [0, 1, 0, 0, 0, 1], [0, 0, 0, 0, 1, 0]],
    # dropping column 0 leaves row 8 to column 4 alone: column 4 must stay
    [[0, 0, 1, 0, 0], [0, 1, 0, 0, 0], [0, 0, 1, 1, 1], [0, 0, 1, 0, 1], [0, 0, 0, 1, 0], [0, 0, 1, 0, 1],
     [1, 0, 0, 1, 0], [0, 0, 0, 1, 1], [1, 0, 0, 0, 1], [1, 1, 0, 0, 0]],
])
def test_greedy_cover_redundancy_elimination_counts(rows):
    A = np.asarray(rows, dtype=float)
    S = _greedy_cover(sp.csr_matrix(A), np.zeros(0, dtype=np.int64))
    cnt = A[:, S].sum(axis=1)
    assert (cnt > 0).all()
    for j in S.tolist():
        assert (cnt[A[:, j] > 0] == 1).any(), f"column {j} is redundant"
    res = set_coverage(np.where(A > 0, 1.0, np.inf), 1.0)
    assert res.facilities.tolist() == S.tolist() and res.covered.all()
