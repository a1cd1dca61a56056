"""Five engine bugs found by the run-6 mutation triage (wave 7), each pinned by an independent figure.

(a) the Lagrangian facility-location search stopped after one step while no feasible open set was known;
(b) tiny demand weights made HiGHS call a suboptimal covering set optimal (absolute tolerances);
(c) ``watch_mip`` reported a maximisation's gap as 0 from its first incumbent;
(d) ``solve_milp_warm`` on a model without integer columns reported the bound 0;
(e) ``set_coverage`` invented a bound when cut by the time limit, and ``_aggregate_rows`` did not merge
    rows with equal covering sets after a hash collision.

Every expected value comes from brute force, a hand figure or scipy -- never from the code under test.
"""

# ruff: noqa: N803, N806  (matrix notation of the OR literature: D, A, K, Q, S)

from __future__ import annotations

import itertools
import logging
import math
import re

import numpy as np
import pytest
import scipy.sparse as sp

from arealsirk.locate import coverage_curve, facility_location, max_coverage, set_coverage
from arealsirk.locate._cfl_heuristic import Transport, lagrangian_cfl
from arealsirk.locate._common import Clock
from arealsirk.locate._milp import solve_milp_warm
from arealsirk.locate.coverage import _aggregate_rows, _exact_mclp

NONE = np.zeros(0, dtype=np.int64)

# --------------------------------------------------------------------------------------------------
# (a) lagrangian_cfl: the gap test waits for a feasible open set
# --------------------------------------------------------------------------------------------------


def _ufl_instance(seed: int, n: int = 8, m: int = 5):
    """Uncapacitated model with a haul limit: half the pairs not allowed, every row keeps one."""
    rng = np.random.default_rng(seed)
    D = rng.uniform(1, 20, (n, m))
    D[rng.random((n, m)) < 0.5] = np.inf
    D[np.arange(n), rng.integers(0, m, n)] = rng.uniform(1, 20, n)
    q = rng.integers(1, 7, n).astype(float)
    f = rng.uniform(5, 40, m)
    return D, q, f


def _ufl_cost(D, q, f, S) -> float:
    """Fixed costs plus, per row, its demand times the cheapest allowed open candidate (inf: none)."""
    S = list(S)
    if not S:
        return np.inf
    return float(f[S].sum() + (q * D[:, S].min(axis=1)).sum())


def _ufl_brute(D, q, f) -> float:
    m = D.shape[1]
    return min(_ufl_cost(D, q, f, S) for k in range(1, m + 1) for S in itertools.combinations(range(m), k))


@pytest.mark.parametrize("seed", range(6))
def test_lagrangian_cfl_iterates_until_it_finds_a_feasible_open_set(seed):
    """On these seeds the first relaxed open set leaves a row without an allowed candidate (cost inf);
    the search must go on and find a feasible set, whose cost is the brute-force one."""
    D, q, f = _ufl_instance(seed)
    r, c_ = np.nonzero(np.isfinite(D))
    Q = sp.csr_matrix(((D * q[:, None])[r, c_], (r, c_)), shape=D.shape)
    K = np.full(D.shape[1], np.inf)
    tr = Transport(Q, q, K, f, None)
    lb, S, ub, _, starts = lagrangian_cfl(Q, q, K, f, NONE, tr, Clock(None), max_iter=200)
    opt = _ufl_brute(D, q, f)
    assert tr.calls > 1                                   # more than the one first evaluation
    assert S is not None and np.isfinite(ub)
    assert ub == pytest.approx(_ufl_cost(D, q, f, S), rel=1e-9)
    assert lb <= opt + 1e-9 * opt <= ub + 2e-9 * opt
    assert starts and all(np.isfinite(_ufl_cost(D, q, f, s)) for s in starts)


@pytest.mark.parametrize("seed", range(6))
def test_facility_location_keeps_the_lagrangian_path_when_the_first_set_is_infeasible(
        seed, lagrangian_path, caplog):
    """Before the fix the search stopped with "heuristic inf" and the model fell back to the MILP."""
    D, q, f = _ufl_instance(seed)
    opt = _ufl_brute(D, q, f)
    with caplog.at_level(logging.DEBUG, logger="arealsirk"):
        res = facility_location(D, q, np.inf, f)
    assert "heuristic inf" not in caplog.text
    assert res.method == "lagrangian+transport"
    assert res.objective == pytest.approx(_ufl_cost(D, q, f, res.facilities), rel=1e-9)
    assert res.lower_bound is not None and res.lower_bound <= opt * (1 + 1e-9)
    assert res.objective >= opt * (1 - 1e-9)


# --------------------------------------------------------------------------------------------------
# (b) tiny weights: HiGHS' absolute tolerances must not decide a covering model
# --------------------------------------------------------------------------------------------------


def _tiny(seed: int):
    """12 demand rows, 7 candidates, weights of 1e-8 .. 8e-8 (integers times 1e-8), radius 3.5."""
    rng = np.random.default_rng(seed)
    D = rng.uniform(0, 10, (12, 7))
    w = rng.integers(1, 9, 12) * 1e-8
    return D, w


def _covered_brute(D, w, radius, k) -> dict[tuple[int, ...], float]:
    """Covered weight of every ``k``-set of candidates."""
    A = np.less_equal(D, radius)
    sets = itertools.combinations(range(D.shape[1]), k)
    return {S: float(w[A[:, list(S)].any(axis=1)].sum()) for S in sets}


@pytest.mark.parametrize("seed", [90, 1, 3, 4, 6])
def test_max_coverage_exact_proves_the_brute_force_optimum_with_tiny_weights(seed):
    """Before the fix the comparisons had an absolute floor of 1e-9 (``max(1.0, value)``): the exact solve
    was skipped and the result stayed "feasible" with a gap although ``exact=True`` was asked for."""
    D, w = _tiny(seed)
    for p in (2, 3):
        opt = max(_covered_brute(D, w, 3.5, p).values())
        res = max_coverage(D, p, 3.5, weights=w, exact=True)
        assert res.objective == pytest.approx(opt, rel=1e-12)
        assert res.status == "optimal" and res.gap == 0.0
        assert res.upper_bound == pytest.approx(opt, rel=1e-9)


def test_exact_mclp_with_tiny_weights_finds_the_optimum_from_any_start():
    """The brief's repro (seed 90, p = 2, optimum 49e-8 by sites 0 and 5): with the raw weights HiGHS
    returned objective 0 and bound -0 as "optimal" from every start (its absolute gap is 1e-6)."""
    D, w = _tiny(90)
    vals = _covered_brute(D, w, 3.5, 2)
    opt = max(vals.values())
    assert opt == pytest.approx(49e-8, rel=1e-12)
    assert max(vals, key=lambda S: vals[S]) == (0, 5)
    A = sp.csr_matrix((D <= 3.5).astype(float))
    ranked = sorted(vals, key=lambda S: vals[S])
    for S in (ranked[0], ranked[len(ranked) // 2], ranked[-2], None):
        out = _exact_mclp(A, w, 2, NONE, Clock(None), None if S is None else np.array(S))
        assert out.status == "optimal"
        assert out.objective == pytest.approx(opt, rel=1e-9)
        assert out.bound == pytest.approx(opt, rel=1e-9)
        assert tuple(np.flatnonzero(out.x[:7] > 0.5)) == (0, 5)


def test_exact_mclp_scale_is_exact_for_large_weights():
    """People counts of a national grid (up to 1e5 per row): the scaled solve returns the same sums."""
    rng = np.random.default_rng(5)
    D = rng.uniform(0, 10, (14, 6))
    w = rng.integers(1, 100_000, 14).astype(float)
    vals = _covered_brute(D, w, 3.0, 2)
    opt = max(vals.values())
    out = _exact_mclp(sp.csr_matrix((D <= 3.0).astype(float)), w, 2, NONE, Clock(None), None)
    assert out.status == "optimal"
    assert out.objective == pytest.approx(opt, rel=1e-12) and out.bound == pytest.approx(opt, rel=1e-9)


@pytest.mark.parametrize("seed", [90, 29, 36])
def test_coverage_curve_exact_with_tiny_weights_is_the_brute_force_curve(seed):
    """Seeds where the curve reported a suboptimal set with gap 0 (seed 90, k = 2: 46e-8 for 49e-8)."""
    D, w = _tiny(seed)
    cur = coverage_curve(D, 3.5, 4, weights=w, exact=True)
    for k, covered, upper, gap in zip(cur.counts, cur.covered, cur.upper_bound, cur.gap, strict=True):
        opt = max(_covered_brute(D, w, 3.5, int(k)).values())
        assert covered == pytest.approx(opt, rel=1e-12), k
        assert upper == pytest.approx(opt, rel=1e-9) and gap == 0.0, k


# --------------------------------------------------------------------------------------------------
# (c) watch_mip: a maximisation's gap
# --------------------------------------------------------------------------------------------------

_GAP_MSG = re.compile(r"^Test: proven gap (\d+\.\d{3}) % \(best ([-\d,.e+]+), bound ([-\d,.e+]+)\)$")


def _knapsack50_max():
    """A 5 x 50 0/1 knapsack, maximised (HiGHS needs a few dozen callbacks to close its gap)."""
    from arealsirk.locate import _highs

    rng = np.random.default_rng(1)
    W = rng.integers(1, 100, (5, 50)).astype(float)
    v = rng.integers(1, 100, 50).astype(float)
    h = _highs.new_highs(time_limit=60)
    _highs.pass_model(h, v, sp.csr_matrix(W), np.full(5, -np.inf), np.floor(W.sum(axis=1) / 3),
                      np.zeros(50), np.ones(50), np.ones(50), "max")
    return h


@pytest.mark.parametrize("offset", [0.0, 500.0])
def test_watch_mip_reports_a_maximisations_gap_from_highs_info(offset):
    """Each report's gap equals |best - bound| / max(|best|, |bound|) (offset added to both) recomputed
    from the incumbent and bound HiGHS hands the same callback; before the fix a maximisation read
    "proven gap 0.000 %" from its first incumbent on (its incumbent lies below its bound)."""
    from arealsirk.locate import _highs

    h = _knapsack50_max()
    seen: list[tuple[float, float]] = []
    h.cbMipInterrupt += lambda e: seen.append((float(e.data_out.mip_primal_bound),
                                               float(e.data_out.mip_dual_bound)))
    rec: list[tuple[float, str]] = []
    _highs.watch_mip(h, _highs.MipState(), report=lambda f, m: rec.append((f, m)), is_cancelled=None,
                     label="Test", offset=offset, min_interval=0.0)
    h.run()
    value = h.getInfo().objective_function_value
    assert len(seen) == len(rec)
    gaps = []
    for (primal, dual), (frac, msg) in zip(seen, rec, strict=True):
        if not (math.isfinite(primal) and math.isfinite(dual)):
            assert msg == "Test: searching (no incumbent yet)"
            continue
        assert primal <= value + 1e-9 <= dual + 2e-9          # a maximisation: incumbent <= opt <= bound
        want = abs(primal - dual) / max(abs(primal + offset), abs(dual + offset))
        hit = _GAP_MSG.match(msg)
        assert hit, msg
        pct = float(hit.group(1))
        assert pct == pytest.approx(100 * want, abs=6e-4)
        if dual - primal > 1e-3 * abs(primal):
            assert pct > 0.0
        gaps.append(want)
        frac_want = 1.0 if want <= 1e-9 else math.log(gaps[0] / want) / math.log(gaps[0] / 1e-9)
        assert frac == pytest.approx(min(max(frac_want, 0.0), 1.0), abs=1e-9)
    assert gaps and gaps[0] > 1e-3 and gaps[-1] == 0.0      # the first incumbent is not proven at once



# --------------------------------------------------------------------------------------------------
# (d) solve_milp_warm on a model without integer columns: the bound is the LP objective
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sense", ["min", "max"])
@pytest.mark.parametrize("start", [False, True])
def test_solve_milp_warm_pure_lp_bound_is_the_linprog_optimum(sense, start):
    """HiGHS leaves ``mip_dual_bound`` at 0 for an LP; before the fix the outcome read "optimal" with
    bound 0.0 (objective -14.8 / 14.8 here).  The reference is scipy's ``linprog``."""
    from scipy.optimize import linprog

    rng = np.random.default_rng(3)
    A = rng.uniform(0, 10, (6, 9))
    b = A.sum(axis=1) * 0.4
    c = rng.uniform(1, 5, 9) * (-1.0 if sense == "min" else 1.0)
    ref = linprog(c if sense == "min" else -c, A_ub=A, b_ub=b, bounds=(0, 1), method="highs")
    want = float(ref.fun) if sense == "min" else -float(ref.fun)
    assert abs(want) > 1.0
    out = solve_milp_warm(c, sp.csr_matrix(A), np.full(6, -np.inf), b, lb=np.zeros(9), ub=np.ones(9),
                          integrality=np.zeros(9), time_limit=None, x0=np.zeros(9) if start else None,
                          sense=sense)
    assert out.status == "optimal"
    assert out.objective == pytest.approx(want, rel=1e-9)
    assert out.bound == pytest.approx(want, rel=1e-9)
    assert out.x is not None and float(c @ out.x) == pytest.approx(want, rel=1e-9)


# --------------------------------------------------------------------------------------------------
# (e) set_coverage cut by the time limit; _aggregate_rows after a hash collision
# --------------------------------------------------------------------------------------------------


def _hard_lscp() -> sp.csr_matrix:
    """15 000 rows x 1 000 sites, 10 random sites per row: HiGHS' root LP needs far more than the one
    second set_coverage gives it at the least (measured: see the report of wave 7)."""
    rng = np.random.default_rng(5)
    n, m, k = 15000, 1000, 10
    A = sp.csr_matrix((np.ones(n * k), (np.repeat(np.arange(n), k), rng.integers(0, m, n * k))),
                      shape=(n, m))
    A.sum_duplicates()
    A.data[:] = 1.0
    return A


@pytest.mark.parametrize("exact", [True, False])
def test_set_coverage_cut_before_the_first_lp_reports_an_unknown_bound(exact):
    """Before the fix ``exact=True`` reported lower bound -0.0 and gap 1.0 (HiGHS' bound before any LP)
    and ``exact=False`` the status "feasible" although its LP had been cut."""
    A = _hard_lscp()
    res = set_coverage(A, 1.0, time_limit=0.01, exact=exact)
    assert res.status == "time_limit"
    assert res.lower_bound is None and res.gap is None
    assert res.method == ("milp" if exact else "heuristic")
    assert (A[:, res.facilities].sum(axis=1) > 0).all()          # still a complete cover
    assert res.objective == float(res.facilities.size)


def _groups(A: sp.csr_matrix, w: np.ndarray) -> dict[tuple[int, ...], float]:
    """Distinct covering sets of the rows with an entry and a positive weight -> summed weight."""
    out: dict[tuple[int, ...], float] = {}
    for i in range(A.shape[0]):
        cols = tuple(sorted(A.indices[A.indptr[i]:A.indptr[i + 1]].tolist()))
        if cols and w[i] > 0:
            out[cols] = out.get(cols, 0.0) + float(w[i])
    return out


def _rows_of(lists, m: int) -> sp.csr_matrix:
    A = np.zeros((len(lists), m))
    for i, cols in enumerate(lists):
        A[i, list(cols)] = 1.0
    return sp.csr_matrix(A)


def _check_merged(A: sp.csr_matrix, w: np.ndarray) -> sp.csr_matrix:
    """One output row per distinct set, carrying the summed weight of its rows."""
    Aa, wa = _aggregate_rows(A.copy(), w)
    got = {}
    for i in range(Aa.shape[0]):
        cols = tuple(sorted(Aa.indices[Aa.indptr[i]:Aa.indptr[i + 1]].tolist()))
        assert cols not in got, f"set {cols} appears twice"
        got[cols] = float(wa[i])
    want = _groups(sp.csr_matrix(A), w)
    assert got.keys() == want.keys()
    for key, val in want.items():
        assert got[key] == pytest.approx(val, rel=1e-12)
    return Aa


def test_aggregate_rows_merges_rows_of_a_colliding_set_among_themselves():
    """{1, 5, 6} and {2, 3, 7}: equal length, sum (12) and sum of squares (62), so both hashes collide;
    P, P, Q, Q is two rows (before the fix: three, the Q rows split off one by one)."""
    P, Q = (1, 5, 6), (2, 3, 7)
    assert sum(P) == sum(Q) and sum(i * i for i in P) == sum(i * i for i in Q)
    Aa = _check_merged(_rows_of([P, P, Q, Q], 8), np.array([1.0, 2.0, 4.0, 8.0]))
    assert Aa.shape[0] == 2
    Aa = _check_merged(_rows_of([Q, P, Q, (0,), P, Q, (4, 5), Q], 8), np.arange(1.0, 9.0))
    assert Aa.shape[0] == 4


def test_aggregate_rows_three_sets_in_one_collision_class():
    """Three 4-sets of 0..9 with sum 18 and sum of squares 122 (found by enumeration below), each
    repeated and interleaved with other rows: three rounds of the exact grouping."""
    by_moments: dict[tuple[int, int], list[tuple[int, ...]]] = {}
    for S in itertools.combinations(range(10), 4):
        by_moments.setdefault((sum(S), sum(i * i for i in S)), []).append(S)
    X, Y, Z = by_moments[(18, 122)][:3]
    rng = np.random.default_rng(7)
    lists = [X, Y, Z] * 4 + [(0,), (9,), (1, 2)] * 2
    lists = [lists[i] for i in rng.permutation(len(lists))]
    w = rng.integers(1, 9, len(lists)).astype(float)
    w[3] = 0.0                                                    # a zero-weight row is dropped
    Aa = _check_merged(_rows_of(lists, 10), w)
    assert Aa.shape[0] == 6


@pytest.mark.parametrize("seed", range(6))
def test_aggregate_rows_random_rows_from_a_pool_with_collisions(seed):
    """Rows drawn from a pool holding every member of two collision classes and some other sets."""
    by_moments: dict[tuple[int, int], list[tuple[int, ...]]] = {}
    for S in itertools.combinations(range(10), 4):
        by_moments.setdefault((sum(S), sum(i * i for i in S)), []).append(S)
    classes = sorted((v for v in by_moments.values() if len(v) >= 2), key=len, reverse=True)[:2]
    pool = [S for cls in classes for S in cls] + [(0,), (3, 4), (2, 5, 8), (1, 6)]
    rng = np.random.default_rng(seed)
    lists = [pool[i] for i in rng.integers(0, len(pool), 200)]
    w = rng.uniform(0.0, 3.0, 200)
    _check_merged(_rows_of(lists, 10), w)
