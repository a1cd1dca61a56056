"""Capacitated facility location: brute force, OR-Library capopt / uncapopt."""

# ruff: noqa: N806  (matrix notation of the OR literature: C, D, K, A, Q, S)

from __future__ import annotations

import numpy as np
import pytest

from arealsirk.errors import InfeasibleError, InputError
from arealsirk.locate import facility_location
from arealsirk.locate.instances import read_cap, read_optima

from .locate_brute import brute_cfl, transport_lp


def _tiny(seed, n=7, m=4):
    rng = np.random.default_rng(400 + seed)
    D = rng.uniform(1, 20, size=(n, m))
    q = rng.integers(1, 10, size=n).astype(float)
    K = rng.integers(10, 30, size=m).astype(float)
    while K.sum() < q.sum():
        K = K * 1.5
    f = rng.integers(10, 60, size=m).astype(float)
    return D, q, K, f


@pytest.mark.parametrize("seed", range(5))
def test_split_demand_equals_brute_force(seed):
    D, q, K, f = _tiny(seed)
    best = brute_cfl(D, q, K, f)
    r = facility_location(D, q, K, f, exact=True)
    h = facility_location(D, q, K, f)
    assert r.objective == pytest.approx(best, rel=1e-7)
    assert r.status == "optimal"
    assert h.objective >= best - 1e-6
    for res in (r, h):
        flows = res.flows.toarray()
        assert np.allclose(flows.sum(axis=1), q)                      # all demand served
        assert np.all(flows.sum(axis=0) <= K + 1e-6)                  # capacities respected
        assert np.all(flows[:, np.setdiff1d(np.arange(len(K)), res.facilities)] == 0)
        assert res.objective == pytest.approx(f[res.facilities].sum() + (flows * D).sum(), rel=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_single_source_with_min_load_equals_brute_force(seed):
    D, q, K, f = _tiny(seed, n=5, m=3)
    L = np.full(3, 6.0)
    best = brute_cfl(D, q, K, f, single_source=True, min_load=L)
    r = facility_location(D, q, K, f, single_source=True, min_load=L, exact=True)
    assert r.objective == pytest.approx(best, rel=1e-7)
    flows = r.flows.toarray()
    assert np.all((flows > 0).sum(axis=1) == 1)                       # single source
    loads = flows.sum(axis=0)[r.facilities]
    assert np.all(loads >= 6.0 - 1e-6)                                # minimum plant size


@pytest.mark.parametrize("name", ["cap41", "cap71", "cap101", "cap131"])
def test_orlib_capopt(name, bench):
    row = next(x for x in read_optima("cap", bench=bench) if x["problem"] == "CFL" and x["instance"] == name)
    inst = read_cap(name, bench=bench)
    r = facility_location(inst.cost, inst.demand, inst.capacity, inst.fixed_cost, exact=True)
    assert r.objective == pytest.approx(float(row["optimal_value"]), abs=0.01)
    assert r.status == "optimal"


@pytest.mark.parametrize("name", ["cap71", "cap104", "cap134"])
def test_orlib_uncapopt(name, bench):
    row = next(x for x in read_optima("cap", bench=bench) if x["problem"] == "UFL" and x["instance"] == name)
    inst = read_cap(name, bench=bench)
    r = facility_location(inst.cost, inst.demand, np.inf, inst.fixed_cost)
    assert r.objective == pytest.approx(float(row["optimal_value"]), abs=0.01)


def test_capacity_below_demand_is_infeasible():
    D = np.ones((3, 2))
    with pytest.raises(InfeasibleError, match="total capacity"):
        facility_location(D, [5, 5, 5], [4, 4], [1, 1])


def test_min_load_above_capacity_is_input_error():
    with pytest.raises(InputError, match="min_load"):
        facility_location(np.ones((2, 2)), [1, 1], [5, 5], [1, 1], min_load=[6, 0])


def test_capa_parser_needs_capacity(bench):
    with pytest.raises(InputError, match="capacity"):
        read_cap("capa", bench=bench)
    inst = read_cap("capa", capacity=8000, bench=bench)
    assert inst.cost.shape == (1000, 100) and np.all(inst.capacity == 8000)


@pytest.mark.parametrize("name, single", [("cap41", False), ("cap64", False), ("cap71", True)])
def test_lagrangian_heuristic_path_on_cap(name, single, bench, monkeypatch):
    """Force the large-instance path (Lagrangian heuristic + transport LP) on small OR-Library files."""
    import arealsirk.defaults as d

    real = d.default
    monkeypatch.setattr(d, "default", lambda key: 0 if key in ("locate.cfl_milp_max_pairs",
                                                            "locate.cfl_lp_max_pairs") else real(key))
    row = next(x for x in read_optima("cap", bench=bench) if x["problem"] == "CFL" and x["instance"] == name)
    opt = float(row["optimal_value"])
    inst = read_cap(name, bench=bench)
    r = facility_location(inst.cost, inst.demand, inst.capacity, inst.fixed_cost, single_source=single)
    if single:
        assert r.method == "milp"            # single-source always goes to the MILP
    else:
        assert r.method == "lagrangian+transport"
        assert r.lower_bound <= opt + 1e-6   # the Lagrangian bound is valid
    assert opt - 1e-6 <= r.objective <= opt * 1.005   # (the split optimum bounds single-source)
    flows = r.flows.toarray()
    assert np.allclose(flows.sum(axis=1), inst.demand)
    assert np.all(flows.sum(axis=0) <= inst.capacity + 1e-6)
    # objective recomputed from the flows
    assert r.objective == pytest.approx(inst.fixed_cost[r.facilities].sum() + (flows * inst.cost).sum(),
                                        rel=1e-9)
    # exact=True warm-starts HiGHS from the heuristic and proves the optimum
    if not single:
        rx = facility_location(inst.cost, inst.demand, inst.capacity, inst.fixed_cost, exact=True)
        assert rx.objective == pytest.approx(opt, abs=0.01) and rx.status == "optimal"


@pytest.mark.parametrize("seed, p", [(0, 1), (1, 2), (2, 3)])
def test_cardinality_p_equals_brute_force(seed, p):
    import itertools

    D, q, K, f = _tiny(seed, n=6, m=5)
    K = np.full(5, q.sum())       # any single plant can serve everything
    best = min(f[list(S)].sum() + transport_lp(D, q, K, S) for S in itertools.combinations(range(5), p))
    r = facility_location(D, q, K, f, p=p, exact=True)
    assert len(r.facilities) == p
    assert r.objective == pytest.approx(best, rel=1e-7)
    with pytest.raises(InputError, match="only 5 candidates"):
        facility_location(D, q, K, f, p=6)


def test_spopt_schools_capacitated_pmedian_87_2(bench):
    """spopt's capacitated p-median: predefined schools filled exactly to capacity -> mean 87.2 min.

    Built as spopt's test builds it (pivot in order of appearance, missing times = 10000, predefined =
    positions of the priority-1 schools); ``p`` fixes the count, ``min_load = capacity`` the exact fill.
    """
    import pandas as pd

    raw = bench / "spopt_sf" / "raw"
    tt = pd.read_csv(raw / "example_subject_student_school_journeys.csv")
    cost = tt.pivot_table(columns="school", fill_value=10000, index="student", sort=False,
                          values="time").astype(int).to_numpy().astype(float)
    schools = pd.read_csv(raw / "example_subject_schools.csv")
    cap = schools["Count"].to_numpy(dtype=float)
    pre = schools.index[schools["priority"] == 1].to_numpy()
    fill = np.zeros(cap.size)
    fill[pre] = cap[pre]
    n = cost.shape[0]
    r = facility_location(cost, np.ones(n), cap, 0.0, p=10, fixed=pre, min_load=fill, exact=True)
    assert r.objective / n == pytest.approx(87.2) and r.status == "optimal"
    assert set(pre.tolist()) <= set(r.facilities.tolist()) and len(r.facilities) == 10
    loads = r.flows.toarray().sum(axis=0)
    assert np.allclose(loads[pre], cap[pre])
    free = facility_location(cost, np.ones(n), cap, 0.0, p=10, fixed=pre, exact=True)
    assert free.objective / n == pytest.approx(81.6)
