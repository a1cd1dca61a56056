# ruff: noqa: N803, N806  (the notation D, q, K, f, L, Q, S of the module under test)
"""The capacitated facility-location heuristic on sparse pairs (issue 19: farm-level biogas).

Checked against computations written out here, independent of ``arealsirk.locate``:

- per candidate, the continuous knapsack of the Lagrangian subproblem is a small LP (``linprog``);
  the capacity-free bound of an open set is the row minimum of a dense table;
- a model given as a dense array (``inf`` = not allowed) and the same model given as a scipy sparse
  matrix of its allowed pairs give the same answer (objective, open set, flows);
- rows with identical pairs, merged by ``facility_location`` before its heuristic, give the optimum of
  the model written without the duplicates (brute force over every open set);
- open sets made infeasible by minimum loads are repaired to a feasible plan; the plans are checked
  row by row (served, capacities, minimum loads) and against brute force over every open set, whose
  transportation LP with minimum loads is solved here as a dense ``linprog``;
- the heuristic on a model of 200 000 rows x 2 000 candidates with 5 pairs per row (a dense n x m
  float array would need 3.2 GB) stays far below that in ``tracemalloc``'s peak.
"""

from __future__ import annotations

import itertools
import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

from arealsirk.locate import facility_location
from arealsirk.locate._cfl_heuristic import Pairs, Transport, _knapsacks, lagrangian_cfl, repair, screen
from arealsirk.locate._common import Clock

NONE = np.zeros(0, dtype=np.int64)


def _sparse_instance(seed, n=40, m=8, per_row=3, *, loads=True):
    """Each row reaches ``per_row`` random candidates (a haul limit); capacities and minimum loads."""
    rng = np.random.default_rng(seed)
    D = np.full((n, m), np.inf)
    for i in range(n):
        D[i, rng.choice(m, per_row, replace=False)] = rng.uniform(1.0, 20.0, per_row)
    q = rng.integers(1, 9, n).astype(float)
    K = rng.integers(30, 80, m).astype(float)
    f = rng.uniform(20.0, 80.0, m)
    L = np.where(rng.random(m) < 0.6, rng.integers(5, 25, m).astype(float), 0.0) if loads else None
    return D, q, K, f, L


def _to_sparse(D):
    r, c = np.nonzero(np.isfinite(D))
    return sp.csr_matrix((D[r, c], (r, c)), shape=D.shape)


def _transport_with_loads(D, q, K, L, S):
    """Cheapest split assignment of every row to the open set ``S`` with ``L_j <= load_j <= K_j``
    (a dense LP over the rows x open candidates; ``inf`` when infeasible)."""
    n = D.shape[0]
    S = list(S)
    k = len(S)
    if k == 0:
        return np.inf
    cost = (D[:, S] * q[:, None]).ravel()
    finite = np.isfinite(cost)
    A_eq = np.kron(np.eye(n), np.ones(k))
    cap = np.zeros((k, n * k))
    for t in range(k):
        cap[t, t::k] = q
    Lv = np.zeros(k) if L is None else L[S]
    A_ub = np.vstack([cap, -cap])
    b_ub = np.concatenate([np.where(np.isfinite(K[S]), K[S], 1e18), -Lv])
    res = linprog(np.where(finite, cost, 0.0), A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=np.ones(n),
                  bounds=[(0, 1 if ok else 0) for ok in finite], method="highs")
    return float(res.fun) if res.status == 0 else np.inf


def _brute(D, q, K, f, L, fixed=()):
    """Cheapest open set containing ``fixed`` by enumeration of every open set."""
    m = D.shape[1]
    best, best_S = np.inf, None
    for k in range(1, m + 1):
        for S in itertools.combinations(range(m), k):
            if not set(fixed) <= set(S):
                continue
            val = f[list(S)].sum() + _transport_with_loads(D, q, K, L, S)
            if val < best:
                best, best_S = val, S
    return best, best_S


def _check_plan(r, D, q, K, L, f):
    """Every row served in full over allowed pairs, capacities and minimum loads kept; returns the
    plan's cost (fixed costs of the open set plus transport) from its flows."""
    F = r.flows.toarray()
    assert np.allclose(F.sum(axis=1), q)
    assert np.isfinite(D[F > 1e-9]).all()
    load = F.sum(axis=0)
    open_ = np.zeros(D.shape[1], dtype=bool)
    open_[r.facilities] = True
    assert (load[~open_] <= 1e-9).all()
    assert (load <= np.where(np.isfinite(K), K, np.inf) + 1e-6).all()
    if L is not None:
        assert (load[open_] >= L[open_] - 1e-6).all()
    return float(f[r.facilities].sum() + np.where(F > 0, F * np.where(np.isfinite(D), D, 0.0), 0.0).sum())


# ----------------------------------------------------------------------------------------------------
# the per-pair pieces against dense computations
# ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(6))
def test_knapsacks_per_pair_equal_their_lps(seed):
    """``g_j`` of every candidate equals the LP ``min sum_i red_ij x_ij`` s.t. ``L_j <= sum q_i x_ij <=
    K_j`` over its allowed pairs; ``x`` is a feasible point of that LP with that value."""
    D, q, K, _, L = _sparse_instance(seed, n=30, m=6)
    Q = _to_sparse(D * q[:, None])
    P = Pairs(Q)
    rng = np.random.default_rng(100 + seed)
    lam = rng.uniform(0.0, 150.0, D.shape[0])
    red = P.val - lam[P.rows]
    x, g = _knapsacks(P, red, q, np.where(q > 0, q, 1.0), K, L=L)
    for j in range(D.shape[1]):
        rows = np.flatnonzero(np.isfinite(D[:, j]))
        rj = (D[rows, j] * q[rows]) - lam[rows]
        res = linprog(rj, A_ub=np.vstack([q[rows], -q[rows]]), b_ub=[K[j], -L[j]], bounds=(0, 1),
                      method="highs")
        if res.status == 2:
            assert g[j] == np.inf
            continue
        assert g[j] == pytest.approx(res.fun, rel=1e-9, abs=1e-7)
        xj = x[P.col(j)]
        assert ((xj >= -1e-12) & (xj <= 1 + 1e-12)).all()
        assert L[j] - 1e-9 <= q[rows] @ xj <= K[j] + 1e-9
        assert rj @ xj == pytest.approx(g[j], rel=1e-9, abs=1e-7)


@pytest.mark.parametrize("seed", range(4))
def test_capacity_free_bound_is_the_dense_row_minimum(seed):
    D, q, K, f, L = _sparse_instance(seed)
    Q = _to_sparse(D * q[:, None])
    tr = Transport(Q, q, K, f, L)
    rng = np.random.default_rng(seed)
    for _ in range(5):
        S = np.sort(rng.choice(D.shape[1], 4, replace=False))
        dense = (D * q[:, None])[:, S].min(axis=1).sum() + f[S].sum()
        assert tr.relaxed(S) == pytest.approx(dense, rel=1e-12)   # inf when a row has no open pair


@pytest.mark.parametrize("seed", range(5))
def test_dense_and_sparse_input_give_the_same_answer(seed, lagrangian_path):
    """The same model as a dense array and as a sparse matrix of its pairs: same objective, open set and
    flows (the heuristic path, with and without minimum loads)."""
    D, q, K, f, L = _sparse_instance(seed, n=30, m=7)
    for loads in (None, L):
        a = facility_location(D, q, K, f, min_load=loads)
        b = facility_location(_to_sparse(D), q, K, f, min_load=loads)
        assert a.objective == b.objective
        assert a.facilities.tolist() == b.facilities.tolist()
        assert (a.flows != b.flows).nnz == 0
        assert a.lower_bound == b.lower_bound


@pytest.mark.parametrize("seed", range(4))
def test_lagrangian_bound_is_below_the_brute_force_optimum(seed):
    D, q, K, f, L = _sparse_instance(seed, n=12, m=5, per_row=2)
    best, _ = _brute(D, q, K, f, L)
    Q = _to_sparse(D * q[:, None])
    lb, S, ub, _, _ = lagrangian_cfl(Q, q, K, f, NONE, Transport(Q, q, K, f, L), Clock(None),
                                     max_iter=80, L=L)
    assert lb <= best * (1 + 1e-9)
    if S is not None:
        assert ub >= best * (1 - 1e-9)
        assert ub == pytest.approx(f[S].sum() + _transport_with_loads(D, q, K, L, S), rel=1e-7)


# ----------------------------------------------------------------------------------------------------
# identical rows merged
# ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(4))
def test_identical_rows_are_solved_as_one(seed, lagrangian_path):
    """Each row three times (demand split 1:2:3): the optimum of the model without duplicates, and
    every copy gets the same shares of its demand."""
    D, q, K, f, L = _sparse_instance(seed, n=10, m=5, per_row=2)
    best, _ = _brute(D, q, K, f, L)
    D3 = np.repeat(D, 3, axis=0)
    q3 = np.repeat(q, 3) * np.tile([1.0, 2.0, 3.0], D.shape[0]) / 2.0      # each triple sums to q_i * 3
    r = facility_location(_to_sparse(D3), q3, K * 3, f * 3, min_load=L * 3)
    assert r.objective >= 3 * best * (1 - 1e-7)
    assert r.objective == pytest.approx(_check_plan(r, D3, q3, K * 3, L * 3, f * 3), rel=1e-9)
    share = r.flows.toarray() / q3[:, None]
    for i in range(D.shape[0]):
        assert np.allclose(share[3 * i], share[3 * i + 1]) and np.allclose(share[3 * i], share[3 * i + 2])
    # the heuristic's answer equals the optimum on these small instances (brute force x 3)
    assert r.objective == pytest.approx(3 * best, rel=1e-6)


def test_merged_rows_give_the_objective_of_the_unmerged_model(monkeypatch, lagrangian_path):
    """With the merge switched off the heuristic solves the 3x larger model itself: same optimum."""
    from arealsirk.locate import facility as fac

    D, q, K, f, L = _sparse_instance(3, n=10, m=5, per_row=2)
    D3, q3 = np.repeat(D, 3, axis=0), np.repeat(q, 3)
    merged = facility_location(_to_sparse(D3), q3, K * 3, f, min_load=L * 3)
    monkeypatch.setattr(fac, "_merge_rows", lambda mod: None)
    plain = facility_location(_to_sparse(D3), q3, K * 3, f, min_load=L * 3)
    assert merged.objective == pytest.approx(plain.objective, rel=1e-9)


# ----------------------------------------------------------------------------------------------------
# repair of open sets that minimum loads make infeasible
# ----------------------------------------------------------------------------------------------------

def _with_not_collected(D, q, K, f, L, penalty):
    """The feedstock model's shape: a last column "not collected" reaching every row at ``penalty`` per
    unit, uncapacitated, no minimum load, no fixed cost, fixed open."""
    n = D.shape[0]
    D2 = np.column_stack([D, np.full(n, penalty)])
    return D2, q, np.r_[K, np.inf], np.r_[f, 0.0], np.r_[L, 0.0], np.array([D.shape[1]])


def _min_load_trap(seed):
    """Sources in a haul-limited ring, every candidate near three of them: each candidate alone could
    reach its (large) minimum load, but neighbours share the sources, so opening every candidate the
    LP relaxation uses is infeasible."""
    rng = np.random.default_rng(seed)
    n, m = 12, 6
    D = np.full((n, m), np.inf)
    for j in range(m):
        for i in (2 * j - 1, 2 * j, 2 * j + 1):
            D[i % n, j] = rng.uniform(1.0, 5.0)
    q = rng.integers(4, 8, n).astype(float)
    K = np.full(m, 100.0)
    f = np.full(m, 15.0)
    L = np.full(m, 14.0)
    return _with_not_collected(D, q, K, f, L, penalty=8.0)


@pytest.mark.parametrize("seed", range(5))
def test_repair_turns_every_infeasible_set_into_a_plan(seed):
    """From every open set (all 2^6) whose transportation LP is infeasible, the repair reaches a
    feasible set; its cost is the dense LP's."""
    D, q, K, f, L, fixed = _min_load_trap(seed)
    Q = _to_sparse(D * q[:, None])
    tr = Transport(Q, q, K, f, L)
    m = D.shape[1]
    infeasible = 0
    for k in range(0, m):
        for T in itertools.combinations(range(m - 1), k):
            S = np.array(sorted((*T, m - 1)), dtype=np.int64)
            if np.isfinite(_transport_with_loads(D, q, K, L, S)):
                continue
            infeasible += 1
            S2, cost = repair(S, tr, fixed, Clock(None))
            assert S2 is not None and fixed[0] in S2
            assert cost == pytest.approx(f[S2].sum() + _transport_with_loads(D, q, K, L, S2), rel=1e-7)
    assert infeasible >= 10               # the instance does trap: many sets are infeasible


@pytest.mark.parametrize("seed", [0, 1, 3, 5, 7, 8, 10, 11])
def test_infeasible_lp_start_is_repaired_to_a_plan(seed, lagrangian_path, monkeypatch):
    """On these instances the LP relaxation opens candidates that the minimum loads cannot all feed
    (checked with the dense LP); before the repair the LP start had no way back from that set.  Now
    the heuristic phase itself (before any MILP) holds a feasible plan, no better than brute force
    says is possible, and facility_location's answer is the optimum."""
    from arealsirk.locate import _common as c
    from arealsirk.locate import facility as fac

    D, q, K, f, L, fixed = _min_load_trap(seed)
    best, _ = _brute(D, q, K, f, L, fixed=fixed)
    lagrangian_path["locate.cfl_lp_max_pairs"] = 10 ** 6          # the LP start
    calls = []
    real = fac.repair

    def spy(S, *args, **kwargs):
        calls.append(np.asarray(S).copy())
        return real(S, *args, **kwargs)

    monkeypatch.setattr(fac, "repair", spy)
    mod = fac._validate(_to_sparse(D), q, K, f, min_load=L, fixed=fixed, p=None, single_source=False)
    run = fac._Run(clock=c.Clock(None), prog=c.make_progress(None, None), exact=False, left=np.inf)
    fac._heuristic(mod, run)
    assert run.start == "lp"
    assert calls and all(not np.isfinite(_transport_with_loads(D, q, K, L, S)) for S in calls)
    S, cost, (fr, fc, fv) = run.heur
    F = np.zeros(D.shape)
    np.add.at(F, (mod.active[fr], fc), fv * q[mod.active[fr]])
    assert np.allclose(F.sum(axis=1), q) and np.isfinite(D[F > 1e-9]).all()
    load = F.sum(axis=0)
    assert (load[S] >= L[S] - 1e-6).all() and (load[S] <= K[S] + 1e-6).all()
    assert np.setdiff1d(np.flatnonzero(load > 1e-9), S).size == 0
    assert cost == pytest.approx(f[S].sum() + (F * np.where(np.isfinite(D), D, 0.0)).sum(), rel=1e-9)
    assert cost >= best * (1 - 1e-7)
    r = facility_location(_to_sparse(D), q, K, f, min_load=L, fixed=fixed)       # then HiGHS closes the gap
    assert r.objective == pytest.approx(best, rel=1e-6)


@pytest.mark.parametrize("seed", range(6))
def test_heuristic_with_loads_and_haul_limits_against_brute_force(seed, lagrangian_path):
    """Random haul-limited instances with minimum loads and the "not collected" column: the
    heuristic's plan is feasible and at most 5 % above the optimum by enumeration (the proven
    bound below it)."""
    D0, q, K0, f0, L0 = _sparse_instance(seed, n=14, m=5, per_row=2)
    D, q, K, f, L, fixed = _with_not_collected(D0, q, K0, f0, L0, penalty=25.0)
    best, _ = _brute(D, q, K, f, L, fixed=fixed)
    r = facility_location(_to_sparse(D), q, K, f, min_load=L, fixed=fixed)
    assert r.objective == pytest.approx(_check_plan(r, D, q, K, L, f), rel=1e-9)
    assert best * (1 - 1e-7) <= r.objective <= best * 1.05
    assert r.lower_bound <= best * (1 + 1e-9)


def test_screen_closes_candidates_below_their_minimum_load():
    """Two candidates share three unit rows; each needs 2: the cheapest assignment sends all three
    to candidate 0, so candidate 1 (load 0) is closed without an LP; candidate 0 keeps its 3."""
    D = np.array([[1.0, 2.0, 9.0], [1.0, 2.0, 9.0], [1.0, 2.0, 9.0]])
    q, K, f, L = np.ones(3), np.array([3.0, 3.0, np.inf]), np.zeros(3), np.array([2.0, 2.0, 0.0])
    tr = Transport(_to_sparse(D * q[:, None]), q, K, f, L)
    assert screen(np.array([0, 1, 2]), tr, np.array([2])).tolist() == [0, 2]
    assert not np.isfinite(tr.evaluate(np.array([0, 1, 2]))[0])           # 3 units cannot give 2 + 2
    S, cost = repair(np.array([0, 1, 2]), tr, np.array([2]), Clock(None))
    assert S.tolist() == [0, 2] and cost == pytest.approx(3.0)


def test_repair_opens_a_candidate_for_rows_left_without_one():
    """Without the "not collected" column: the set {0} leaves row 2 without an allowed candidate;
    the repair opens 1 (the only one reaching it)."""
    D = np.array([[1.0, np.inf], [1.0, 3.0], [np.inf, 2.0]])
    q, K, f = np.ones(3), np.array([5.0, 5.0]), np.zeros(2)
    tr = Transport(_to_sparse(D), q, K, f, None)
    S, cost = repair(np.array([0]), tr, NONE, Clock(None))
    assert S.tolist() == [0, 1] and cost == pytest.approx(1.0 + 1.0 + 2.0)


def test_repair_gives_up_when_nothing_applies():
    """One candidate, minimum load 5 over 3 units of demand, no other way to serve: ``(None, inf)``."""
    D = np.ones((3, 1))
    tr = Transport(_to_sparse(D), np.ones(3), np.array([10.0]), np.zeros(1), np.array([5.0]))
    S, cost = repair(np.array([0]), tr, np.array([0]), Clock(None))
    assert S is None and cost == np.inf


# ----------------------------------------------------------------------------------------------------
# memory: O(pairs), never rows x candidates
# ----------------------------------------------------------------------------------------------------

def test_heuristic_memory_is_linear_in_the_pairs():
    """200 000 rows x 2 000 candidates with 5 pairs per row (1 M pairs): a dense float array would be
    3.2 GB; the Pairs view, the Lagrangian iterations (knapsacks, subgradient, facility choice), the
    capacity-free bound and the repair's screen stay under 10 % of that (230 MB measured, most
    of it the transport LP's matrices) (tracemalloc peak)."""
    rng = np.random.default_rng(0)
    n, m, k = 200_000, 2_000, 5
    rows = np.repeat(np.arange(n), k)
    cols = (rng.integers(0, m, n)[:, None] + np.arange(k)[None, :] * 7).ravel() % m
    q = rng.integers(1, 10, n).astype(float)
    D = rng.uniform(1.0, 30.0, n * k)
    Q = sp.csr_matrix((D * q[rows], (rows, cols)), shape=(n, m))
    K = np.full(m, 2.0 * q.sum() / m)
    f = np.full(m, 500.0)
    L = np.full(m, 50.0)
    dense_bytes = n * m * 8
    tracemalloc.start()
    try:
        tr = Transport(Q, q, K, f, L)
        # one iteration of the subgradient search (its transport LP runs in HiGHS, outside numpy)
        lb, *_ = lagrangian_cfl(Q, q, K, f, NONE, tr, Clock(None), max_iter=1, L=L)
        S = np.arange(0, m, 2)
        tr.relaxed(S)
        screen(S, tr, NONE)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert np.isfinite(lb)
    assert peak < 0.1 * dense_bytes, f"peak {peak / 1e6:.0f} MB"
