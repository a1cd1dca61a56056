"""Objective, coverage, bounds and gap of every location model against brute force (issue 16).

Mutation testing (docs/mutation.md): each figure a model reports is recomputed here from its open
facilities alone (the objective), by enumerating every facility set (the optimum) and by the gap
formula of the docstring, ``(upper - lower) / max(|upper|, |lower|)``, so a mutant that changes how a
model adds up its objective, its coverage or its gap fails here.
"""

# ruff: noqa: N806  (matrix notation of the OR literature: D, S)

from __future__ import annotations

import itertools

import numpy as np
import pytest

from arealsirk.locate import coverage_curve, facility_location, max_coverage, p_center, p_median, set_coverage

from .locate_brute import brute_lscp, brute_mclp, brute_p_center, brute_p_median, transport_lp

SEEDS = [0, 1, 2]


def _instance(seed: int, n: int = 9, m: int = 5):
    rng = np.random.default_rng(seed)
    D = rng.integers(1, 30, size=(n, m)).astype(float)
    w = rng.integers(1, 9, size=n).astype(float)
    return D, w


def _gap(upper: float, lower: float) -> float:
    return max(0.0, (upper - lower) / max(abs(upper), abs(lower), 1e-12))


def _check_bounds(r, best: float) -> None:
    assert r.lower_bound is not None and r.upper_bound is not None
    assert r.lower_bound <= best + 1e-6 <= r.upper_bound + 2e-6
    assert r.gap == pytest.approx(_gap(r.upper_bound, r.lower_bound), abs=1e-12)
    assert r.summary()["gap"] == pytest.approx(r.gap)
    assert r.summary()["objective"] == r.objective
    assert r.summary()["lower_bound"] == r.lower_bound and r.summary()["upper_bound"] == r.upper_bound
    assert r.summary()["facilities"] == [int(j) for j in r.facilities]
    assert r.optimal == (r.status == "optimal")
    assert r.n_facilities == len(r.facilities)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("exact", [False, True])
def test_p_median_objective_and_gap(seed: int, exact: bool) -> None:
    D, w = _instance(seed)
    best, _ = brute_p_median(D, w, 2)
    r = p_median(D, 2, weights=w, exact=exact)
    S = list(r.facilities)
    assert len(S) == 2
    assert r.objective == pytest.approx(float((D[:, S].min(axis=1) * w).sum()))
    np.testing.assert_array_equal(r.assignment, np.array(S)[np.argmin(D[:, S], axis=1)])
    assert r.objective == pytest.approx(best)
    assert r.upper_bound == pytest.approx(r.objective)
    _check_bounds(r, best)
    assert r.model == "p_median"


@pytest.mark.parametrize("seed", SEEDS)
def test_p_median_with_a_fixed_facility(seed: int) -> None:
    D, w = _instance(seed)
    best, _ = brute_p_median(D, w, 3, fixed=(4,))
    r = p_median(D, 3, weights=w, fixed=[4])
    assert 4 in r.facilities and r.objective == pytest.approx(best)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("exact", [False, True])
def test_max_coverage_objective_and_gap(seed: int, exact: bool) -> None:
    D, w = _instance(seed)
    radius = 8.0
    best, _ = brute_mclp(D, w, 2, radius)
    r = max_coverage(D, 2, radius, weights=w, exact=exact)
    S = list(r.facilities)
    covered = (D[:, S] <= radius).any(axis=1)
    np.testing.assert_array_equal(r.covered, covered)
    assert r.objective == pytest.approx(float(w[covered].sum())) == pytest.approx(best)
    # the nearest open facility within the radius, -1 when none
    near = np.array(S)[np.argmin(D[:, S], axis=1)]
    np.testing.assert_array_equal(r.assignment, np.where(covered, near, -1))
    assert r.lower_bound == pytest.approx(r.objective)
    _check_bounds(r, best)
    # the radius is inclusive: a cost equal to it covers
    r1 = max_coverage(np.array([[5.0], [5.000001]]), 1, 5.0)
    assert r1.covered.tolist() == [True, False] and r1.objective == 1.0


@pytest.mark.parametrize("seed", SEEDS)
def test_set_coverage_is_the_fewest_sites(seed: int) -> None:
    D, _ = _instance(seed)
    radius = float(D.min(axis=1).max()) + 2.0  # every row coverable
    k, _ = brute_lscp(D, radius)
    r = set_coverage(D, radius)
    assert len(r.facilities) == k
    assert (D[:, list(r.facilities)] <= radius).any(axis=1).all()
    assert r.objective == pytest.approx(k)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("exact", [False, True])
def test_p_center_objective(seed: int, exact: bool) -> None:
    D, _ = _instance(seed)
    best, _ = brute_p_center(D, 2)
    r = p_center(D, 2, exact=exact)
    S = list(r.facilities)
    assert r.objective == pytest.approx(float(D[:, S].min(axis=1).max())) == pytest.approx(best)
    np.testing.assert_array_equal(r.assignment, np.array(S)[np.argmin(D[:, S], axis=1)])


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("exact", [False, True])
def test_facility_location_objective_by_brute_force(seed: int, exact: bool) -> None:
    rng = np.random.default_rng(seed)
    D = rng.integers(1, 20, size=(7, 4)).astype(float)
    q = rng.integers(1, 6, size=7).astype(float)
    K = np.full(4, q.sum() * 0.6)
    f = rng.integers(10, 60, size=4).astype(float)
    best = min(
        f[list(S)].sum() + transport_lp(D, q, K, S)
        for k in range(1, 5) for S in itertools.combinations(range(4), k)
    )
    r = facility_location(D, q, K, f, exact=exact)
    S = list(r.facilities)
    flows = r.flows.toarray()
    # the objective is the fixed cost of the open sites plus cost x served amount
    assert r.objective == pytest.approx(f[S].sum() + float((flows * D).sum()))
    assert r.objective == pytest.approx(best, rel=1e-6)
    np.testing.assert_allclose(flows.sum(axis=1), q)  # every tonne served
    assert (flows.sum(axis=0) <= K + 1e-6).all()
    _check_bounds(r, best)


def test_facility_location_with_p() -> None:
    D = np.array([[1.0, 9.0, 5.0], [2.0, 8.0, 5.0], [9.0, 1.0, 5.0], [8.0, 2.0, 5.0]])
    q = np.array([10.0, 10.0, 10.0, 10.0])
    # p = 2 sites, no fixed cost: {0, 1} serves at 1 + 2 + 1 + 2 = 6 per tonne x 10
    r = facility_location(D, q, np.inf, 0.0, p=2)
    assert list(r.facilities) == [0, 1] and r.objective == pytest.approx(60.0)
    # p = 1 with capacity 25 t per site is infeasible for 40 t; p = 2 at 25 t: {0, 1} still fits
    r = facility_location(D, q, 25.0, 0.0, p=2)
    assert list(r.facilities) == [0, 1] and r.objective == pytest.approx(60.0)


@pytest.mark.parametrize("seed", SEEDS)
def test_coverage_curve_by_brute_force(seed: int) -> None:
    D, w = _instance(seed)
    radius = 8.0
    cur = coverage_curve(D, radius, 4, weights=w)
    assert cur.counts.tolist() == [1, 2, 3, 4]
    assert cur.total == pytest.approx(w.sum())
    for pos, k in enumerate(cur.counts):
        best, _ = brute_mclp(D, w, int(k), radius)
        S = list(cur.facilities[pos])
        assert len(S) == k
        got = float(w[(D[:, S] <= radius).any(axis=1)].sum())
        assert cur.covered[pos] == pytest.approx(got) == pytest.approx(best)
        assert cur.upper_bound[pos] >= best - 1e-9
        up = cur.upper_bound[pos]
        assert cur.gap[pos] == pytest.approx((up - cur.covered[pos]) / up if up > 0 else 0.0, abs=1e-12)
        res = cur.result(int(k))
        assert res.objective == pytest.approx(best) and res.upper_bound == pytest.approx(up)
    np.testing.assert_allclose(cur.share, cur.covered / w.sum())
    # the smallest count reaching a target share
    target = cur.covered[1] / w.sum()
    want = next(int(k) for k, c in zip(cur.counts, cur.covered, strict=True) if c >= target * w.sum() - 1e-9)
    assert coverage_curve(D, radius, 4, weights=w, target=target).needed == want
    with pytest.raises(KeyError, match="count 7 is not on the curve"):
        cur.result(7)


def test_summary_has_every_key() -> None:
    D, w = _instance(0)
    r = p_median(D, 2, weights=w)
    s = r.summary()
    assert s == {
        "model": "p_median", "method": r.method, "status": r.status,
        "facilities": [int(j) for j in r.facilities],
        "objective": r.objective, "lower_bound": r.lower_bound, "upper_bound": r.upper_bound, "gap": r.gap,
        "runtime_s": r.runtime_s,
    }
    assert isinstance(s["method"], str) and s["method"]
    # bounds unknown: None, not a number
    from arealsirk.locate import LocateResult

    bare = LocateResult(np.array([0]), np.array([0]), 1.0, None, None, "feasible", 0.5)
    assert bare.summary()["lower_bound"] is None and bare.summary()["upper_bound"] is None
    assert bare.summary()["gap"] is None


def test_p_median_penalty_keeps_costs_below_one_apart() -> None:
    inf = np.inf
    D = np.array([[0.1, inf, 0.9], [inf, 0.1, 0.9], [0.2, 0.2, inf]])
    r = p_median(D, 2)
    assert list(r.facilities) == [0, 1] and r.objective == pytest.approx(0.4)
    assert r.assignment.tolist() == [0, 1, 0]


@pytest.mark.parametrize("exact", [False, True])
def test_p_center_on_a_sparse_matrix(exact: bool) -> None:
    import scipy.sparse as sp

    D, _ = _instance(1)
    D[D > 20] = np.inf  # absent pairs: not allowed
    best, _ = brute_p_center(D, 3)
    sparse = sp.csr_matrix(np.where(np.isfinite(D), D, 0.0))
    r = p_center(sparse, 3, exact=exact)
    S = list(r.facilities)
    assert r.objective == pytest.approx(float(D[:, S].min(axis=1).max())) == pytest.approx(best)


def test_coverage_curve_result_in_full() -> None:
    D = np.array([[1.0, 9.0], [5.0, 9.0], [9.0, 5.0], [9.0, 9.5]])
    w = np.array([1.0, 2.0, 3.0, 4.0])
    cur = coverage_curve(D, 5.0, 2, weights=w)  # the radius is inclusive: 5.0 covers
    r = cur.result(1)
    # one site: column 1 covers row 2 (3) only; column 0 covers rows 0 and 1 (1 + 2): the same weight
    assert r.objective == 3.0 and r.lower_bound == 3.0
    r2 = cur.result(2)
    assert list(r2.facilities) == [0, 1]
    assert r2.covered.tolist() == [True, True, True, False]
    assert r2.assignment.tolist() == [0, 0, 1, -1]
    assert r2.flows.toarray().tolist() == [[1, 0], [1, 0], [0, 1], [0, 0]]
    assert r2.objective == 6.0 and r2.lower_bound == 6.0 and r2.upper_bound >= 6.0
    assert (r2.model, r2.method) == ("max_coverage", "coverage_curve")
    assert r2.gap == pytest.approx(_gap(r2.upper_bound, 6.0))
    assert r2.status == ("optimal" if r2.gap == 0 else "feasible")
    assert r2.runtime_s == cur.runtime_s
    with pytest.raises(KeyError) as err:
        cur.result(3)
    assert err.value.args[0] == "count 3 is not on the curve (1..2)"


def test_curve_key_error_names_the_range() -> None:
    D, w = _instance(3)
    cur = coverage_curve(D, 10.0, 3, weights=w)
    with pytest.raises(KeyError) as err:
        cur.result(9)
    assert err.value.args[0] == "count 9 is not on the curve (1..3)"
