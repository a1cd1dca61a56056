"""p-median: brute force, exact MILP, heuristic bounds, OR-Library and spopt reference values."""



from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from arealsirk.locate import LocateResult, p_median
from arealsirk.locate.instances import read_optima, read_pmed, read_spopt_sf, read_swain

from .locate_brute import brute_p_median


@pytest.mark.parametrize("seed", range(8))
def test_tiny_random_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(6, 14), rng.integers(4, 9)
    p = int(rng.integers(1, min(4, m) + 1))
    D = rng.integers(0, 50, size=(n, m)).astype(float)
    w = rng.integers(1, 10, size=n).astype(float)
    best, _ = brute_p_median(D, w, p)
    ex = p_median(D, p, weights=w, exact=True)
    he = p_median(D, p, weights=w, seed=seed)
    assert ex.objective == pytest.approx(best)
    assert ex.status == "optimal" and ex.gap == 0.0
    assert he.objective >= best - 1e-9
    assert he.lower_bound <= best + 1e-9
    # objective recomputed independently from the returned facilities
    assert he.objective == pytest.approx(float((D[:, he.facilities].min(axis=1) * w).sum()))
    assert len(he.facilities) == p


def test_fixed_and_forbidden_pairs_match_brute_force():
    rng = np.random.default_rng(42)
    D = rng.uniform(1, 100, size=(12, 7))
    D[rng.random(D.shape) < 0.25] = np.inf
    D[:, 0] = np.where(np.isinf(D[:, 0]), 55.0, D[:, 0])  # every row reachable
    fixed = [3]
    best, _ = brute_p_median(D, np.ones(12), 3, fixed)
    r = p_median(D, 3, fixed=fixed, exact=True)
    assert r.objective == pytest.approx(best)
    assert 3 in r.facilities
    assert np.all(np.isfinite(D[np.arange(12), r.assignment]))
    # the same instance as a sparse matrix (absent = forbidden, explicit zero kept)
    rows, cols = np.nonzero(np.isfinite(D))
    sparse = sp.csr_matrix((D[rows, cols], (rows, cols)), shape=D.shape)
    r2 = p_median(sparse, 3, fixed=fixed)
    assert r2.objective == pytest.approx(best)


def test_result_is_frozen_and_consistent():
    D = np.array([[0, 5.0], [5, 0], [1, 4]])
    r = p_median(D, 1)
    assert isinstance(r, LocateResult)
    assert list(r.facilities) == [0]
    assert list(r.assignment) == [0, 0, 0]
    assert r.objective == 6.0
    assert r.flows.shape == (3, 2) and r.flows.sum() == 3
    with pytest.raises(AttributeError):
        r.objective = 1.0  # type: ignore[misc]


@pytest.mark.parametrize("name", ["pmed1", "pmed2", "pmed6"])
def test_orlib_pmed_heuristic_reaches_known_optimum(name, bench):
    opt = {r["instance"]: float(r["optimal_value"]) for r in read_optima("pmed", bench=bench)}[name]
    inst = read_pmed(name, bench=bench)
    r = p_median(inst.cost, inst.p)
    assert r.objective == pytest.approx(opt)
    assert r.lower_bound <= opt + 1e-6
    assert r.lower_bound >= opt * 0.99  # the Lagrangian bound is tight on these


def test_pmed1_exact_milp(bench):
    inst = read_pmed("pmed1", bench=bench)
    r = p_median(inst.cost, inst.p, exact=True)
    assert r.objective == 5819 and r.status == "optimal"


def test_pmed_parser_last_duplicate_wins(bench):
    # README pitfall: with "shortest wins" pmed1 would have optimum 5718
    inst = read_pmed("pmed1", bench=bench)
    assert inst.cost.shape == (100, 100) and inst.p == 5
    assert np.allclose(inst.cost, inst.cost.T)


def test_spopt_san_francisco_mean_distance(bench):
    D, w, _, stores = read_spopt_sf(bench=bench)
    assert D.shape == (205, 16)
    r = p_median(D, 4, weights=w)
    row = next(x for x in read_optima("spopt_sf", bench=bench) if x["problem"] == "PMedian")
    assert r.objective / w.sum() == pytest.approx(float(row["optimal_value"]), rel=1e-9)
    assert r.objective / w.sum() == pytest.approx(2982.13, abs=0.01)
    assert sorted(stores[j] for j in r.facilities) == ["Store_11", "Store_12", "Store_15", "Store_2"]
    assert r.status == "optimal"


def test_swain_pmedian(bench):
    D, w = read_swain(bench=bench)
    for row in read_optima("swain", bench=bench):
        if row["problem"] == "PMEDIAN":
            r = p_median(D, int(row["p"]), weights=w)
            assert r.objective == pytest.approx(float(row["optimal_value"]), abs=1e-5)


def test_deterministic_for_a_seed(bench):
    inst = read_pmed("pmed4", bench=bench)
    a = p_median(inst.cost, inst.p, seed=3)
    b = p_median(inst.cost, inst.p, seed=3)
    assert np.array_equal(a.facilities, b.facilities) and a.objective == b.objective


def test_exact_reduced_cost_fixing_from_a_poor_incumbent(monkeypatch):
    """Cripple the heuristic so the exact MILP (with Lagrangian reduced-cost fixing) must do the work."""
    import itertools

    from arealsirk.locate._pmedian_ls import PMedianEngine

    monkeypatch.setattr(PMedianEngine, "local_search",
                        lambda self, s, max_moves=None: (np.sort(s), self.objective(np.sort(s))))
    monkeypatch.setattr(PMedianEngine, "vns", lambda self, s, obj, rng, **kw: (s, obj, 0))
    rng = np.random.default_rng(7)
    runs = 0
    for _ in range(25):
        D = rng.integers(0, 30, size=(14, 9)).astype(float)
        p = int(rng.integers(2, 5))
        best = min(D[:, list(S)].min(axis=1).sum() for S in itertools.combinations(range(9), p))
        r = p_median(D, p, exact=True)
        assert r.objective == best and r.status == "optimal"
        runs += r.method != "heuristic"
    assert runs >= 3  # the MILP path was really exercised
