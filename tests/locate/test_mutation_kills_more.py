"""More figures of the location models against brute force and hand counts (issue 16, mutation run 4).

Every expected value here is worked out independently of ``arealsirk.locate``: by enumerating the
facility sets (``locate_brute``), by an LP solved with ``scipy.optimize.linprog``, or by hand on
instances small enough to count (the Fano plane, the complete graph on four vertices, two halves of
fourteen rows with greedy bait). The benchmark readers are checked on small files written here in the
OR-Library formats.
"""

# ruff: noqa: N803, N806  (matrix notation of the OR literature: A, D, S)

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

from arealsirk.errors import InfeasibleError, InputError, MissingFileError
from arealsirk.locate import _common as c
from arealsirk.locate import coverage_curve, max_coverage, p_center, p_median, set_coverage
from arealsirk.locate.coverage import _aggregate_rows, _assignment, _greedy_cover
from arealsirk.locate.instances import read_cap, read_optima, read_pmed, read_scp, read_spopt_sf, read_swain

from .locate_brute import brute_lscp, brute_mclp, brute_p_center, brute_p_median, lp_p_median

# The Fano plane: 7 points, 7 lines of 3 points, two lines meet in exactly one point.
FANO = [(0, 1, 2), (0, 3, 4), (0, 5, 6), (1, 3, 5), (1, 4, 6), (2, 3, 6), (2, 4, 5)]


def _fano_cost() -> np.ndarray:
    """Point i to line j: 1 on the line, 5 off it (radius 1 covers a line's three points)."""
    D = np.full((7, 7), 5.0)
    for j, line in enumerate(FANO):
        D[list(line), j] = 1.0
    return D


def _k4_cost(off: float) -> np.ndarray:
    """Rows = the six edges of K4, columns = its four vertices: 1 at an end of the edge, ``off`` else."""
    edges = list(itertools.combinations(range(4), 2))
    D = np.full((6, 4), off)
    for i, (a, b) in enumerate(edges):
        D[i, [a, b]] = 1.0
    return D


def _gap(upper: float, lower: float) -> float:
    return max(0.0, (upper - lower) / max(abs(upper), abs(lower), 1e-12))


def _msg(text: str) -> str:
    return "^" + re.escape(text) + "$"


def _raises(error: type[Exception], text: str):
    """The error with exactly this message (the whole text a user reads)."""
    return pytest.raises(error, match=_msg(text))


# ---------------------------------------------------------------------------------------------
# the benchmark readers on hand-written files


def _write(tmp_path, folder: str, name: str, text: str):
    d = tmp_path / folder / "raw"
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_text(text)
    return d / name


def test_read_scp_of_a_hand_written_file(tmp_path) -> None:
    # OR-Library scp format: rows, columns; the cost of every column; per row the number of columns
    # covering it, then those columns (1-based), wrapped over lines at will
    _write(tmp_path, "scp", "tiny.txt", "3 4\n 2 1 3\n 5\n2 1 4\n1\n 3\n3 2\n3 4\n")
    A, costs = read_scp("tiny", bench=tmp_path)
    assert costs.tolist() == [2.0, 1.0, 3.0, 5.0] and costs.dtype == np.float64
    assert sp.issparse(A) and A.shape == (3, 4)
    assert A.toarray().tolist() == [[1, 0, 0, 1], [0, 0, 1, 0], [0, 1, 1, 1]]
    # a column no row uses, at the end: still a column of the matrix
    _write(tmp_path, "scp", "last.txt", "2 3\n1 1 4\n1 1\n1 2\n")
    A, costs = read_scp("last", bench=tmp_path)
    assert A.shape == (2, 3) and A.toarray().tolist() == [[1, 0, 0], [0, 1, 0]]
    assert costs.tolist() == [1, 1, 4]
    _write(tmp_path, "scp", "scp41.txt", "1 1\n 7\n1 1\n")
    A, costs = read_scp(bench=tmp_path)  # the default name is scp41
    assert A.toarray().tolist() == [[1]] and costs.tolist() == [7.0]
    with _raises(MissingFileError, (f"{tmp_path / 'scp' / 'raw' / 'nope.txt'}: benchmark "
                                     "file not found")):
        read_scp("nope", bench=tmp_path)


def test_read_pmed_last_duplicate_edge_wins_and_paths(tmp_path) -> None:
    # 4 vertices, 4 edges, p = 2; edge 1-2 given twice (the last, 7, wins), written once as 2 1
    _write(tmp_path, "pmed", "t.txt", "4 4 2\n1 2 3\n2 3 4\n3 4 1\n2 1 7\n")
    inst = read_pmed("t", bench=tmp_path)
    assert inst.name == "t" and inst.p == 2
    want = np.array([[0, 7, 11, 12], [7, 0, 4, 5], [11, 4, 0, 1], [12, 5, 1, 0]], dtype=float)
    np.testing.assert_array_equal(inst.cost, want)
    # the duplicate first: 1-2 at 3, then at 7 (kept); 2-3 at 4 and 3-4 at 1 once each
    _write(tmp_path, "pmed", "u.txt", "4 4 1\n1 2 3\n1 2 7\n2 3 4\n3 4 1\n")
    np.testing.assert_array_equal(read_pmed("u", bench=tmp_path).cost, want)
    _write(tmp_path, "pmed", "pmed1.txt", "2 1 1\n1 2 5\n")
    assert read_pmed(bench=tmp_path).cost.tolist() == [[0.0, 5.0], [5.0, 0.0]]


def test_read_cap_per_unit_cost_and_capacity_word(tmp_path) -> None:
    # 2 warehouses (capacity, fixed cost), 3 customers (demand, then the cost of ALL its demand per site)
    _write(tmp_path, "cap", "t.txt", "2 4\n100 50.5\n200 60\n4\n 8 12\n0 3 5\n2.5 5 10\n0.5 3 7\n")
    inst = read_cap("t", bench=tmp_path)
    assert inst.name == "t"
    assert inst.capacity.tolist() == [100.0, 200.0] and inst.fixed_cost.tolist() == [50.5, 60.0]
    assert inst.demand.tolist() == [4.0, 0.0, 2.5, 0.5]
    assert inst.total_cost.tolist() == [[8.0, 12.0], [3.0, 5.0], [5.0, 10.0], [3.0, 7.0]]
    # a customer without demand: 0; one of half a unit: twice the file's cost per unit
    assert inst.cost.tolist() == [[2.0, 3.0], [0.0, 0.0], [2.0, 4.0], [6.0, 14.0]]
    _write(tmp_path, "cap", "w.txt", "2 1\ncapacity 10\nCAPACITY 20\n2 4 6\n")
    with _raises(InputError, ("w.txt: capacities are the parameter 'capacity'; pass capacity=")):
        read_cap("w", bench=tmp_path)
    inst = read_cap("w", capacity=30, bench=tmp_path)
    assert inst.capacity.tolist() == [30.0, 30.0] and inst.fixed_cost.tolist() == [10.0, 20.0]
    assert inst.cost.tolist() == [[2.0, 3.0]]
    # a number in the file is kept even when capacity= is given
    assert read_cap("t", capacity=1, bench=tmp_path).capacity.tolist() == [100.0, 200.0]
    _write(tmp_path, "cap", "cap41.txt", "1 1\n5 1\n1 2\n")
    assert read_cap(bench=tmp_path).capacity.tolist() == [5.0]


def test_read_swain_distances_and_weights(tmp_path) -> None:
    _write(tmp_path, "swain", "swain.txt", "3\n01 0. 0. 10.\n02 3. 4. 20.\n03 0. 8. 5.\n")
    D, w = read_swain(bench=tmp_path)
    np.testing.assert_allclose(D, [[0, 5, 8], [5, 0, 5], [8, 5, 0]])
    assert w.tolist() == [10.0, 20.0, 5.0]


def test_read_spopt_sf_sorted_by_names(tmp_path) -> None:
    _write(tmp_path, "spopt_sf", "SF_network_distance_candidateStore_16_censusTract_205_new.csv",
           "distance,name,DestinationName,demand\n"
           "5.0,Store_2,060.02,1\n1.0,Store_1,060.02,1\n2.0,Store_1,060.01,1\n4.0,Store_2,060.01,1\n")
    _write(tmp_path, "spopt_sf", "SF_demand_205_centroid_uniform_weight.csv",
           "NAME,POP2000\n060.02,30\n060.01,10\n")
    D, w, tracts, stores = read_spopt_sf(bench=tmp_path)
    assert tracts == ["060.01", "060.02"] and stores == ["Store_1", "Store_2"]
    assert D.tolist() == [[2.0, 4.0], [1.0, 5.0]] and w.tolist() == [10.0, 30.0]
    # names that look like numbers stay text, sorted as text ("10.1" before "9.5"), weights aligned
    other = tmp_path / "other"
    _write(other, "spopt_sf", "SF_network_distance_candidateStore_16_censusTract_205_new.csv",
           "distance,name,DestinationName,demand\n1.0,9,9.5,1\n2.0,10,9.5,1\n3.0,9,10.1,1\n4.0,10,10.1,1\n")
    _write(other, "spopt_sf", "SF_demand_205_centroid_uniform_weight.csv", "NAME,POP2000\n9.5,7\n10.1,3\n")
    D, w, tracts, stores = read_spopt_sf(bench=other)
    assert tracts == ["10.1", "9.5"] and stores == ["10", "9"]
    assert D.tolist() == [[4.0, 3.0], [2.0, 1.0]] and w.tolist() == [3.0, 7.0]


def test_read_optima_rows_and_missing_table(tmp_path) -> None:
    (tmp_path / "pmed").mkdir()
    (tmp_path / "pmed" / "OPTIMA.csv").write_text("instance,optimal_value\npmed1,5819\npmed2,4093\n",
                                                  encoding="utf-8")
    # a table saved with Windows line ends and a quoted note over two lines: the csv module reads it
    (tmp_path / "pmed" / "REFERENCE.csv").write_bytes('instance,value,note\r\nx,1,"Ålesund\r\nsør"\r\n'
                                                     .encode())
    assert read_optima("pmed", bench=tmp_path) == [{"instance": "pmed1", "optimal_value": "5819"},
                                                   {"instance": "pmed2", "optimal_value": "4093"}]
    assert read_optima("pmed", "REFERENCE.csv", bench=tmp_path) == [{"instance": "x", "value": "1",
                                                                     "note": "Ålesund\r\nsør"}]
    with _raises(MissingFileError, (f"{tmp_path / 'cap' / 'OPTIMA.csv'}: optima table not found")):
        read_optima("cap", bench=tmp_path)


def test_readers_default_to_the_shared_bench(monkeypatch, tmp_path) -> None:
    import arealsirk.locate.instances as inst

    _write(tmp_path, "scp", "scp41.txt", "1 1\n 7\n1 1\n")
    (tmp_path / "scp" / "OPTIMA.csv").write_text("a\n1\n", encoding="utf-8")
    monkeypatch.setattr(inst, "shared_bench_dir", lambda: tmp_path)
    assert read_scp()[1].tolist() == [7.0]
    assert read_optima("scp") == [{"a": "1"}]


# ---------------------------------------------------------------------------------------------
# input checks (_common): values returned and the messages a user reads


def test_check_cost_dense_and_sparse() -> None:
    cost = c.check_cost([[1, 2], [3, np.inf]])
    assert (cost.n, cost.m, cost.sparse) == (2, 2, None)
    assert cost.dense.dtype == np.float64 and cost.dense.flags.c_contiguous
    assert cost.dense.tolist() == [[1.0, 2.0], [3.0, np.inf]]
    # sparse: duplicates summed, explicit zeros kept (an allowed pair at cost 0), stored inf dropped
    m = sp.coo_matrix(([1.0, 2.0, 0.0, np.inf], ([0, 0, 1, 1], [0, 0, 1, 0])), shape=(2, 3))
    cost = c.check_cost(m)
    assert (cost.n, cost.m, cost.dense) == (2, 3, None)
    assert cost.sparse.nnz == 2
    assert cost.to_dense().tolist() == [[3.0, np.inf, np.inf], [np.inf, 0.0, np.inf]]
    assert cost.allowed_csr() is cost.sparse
    # the caller's matrix is left as it was (duplicates and a stored inf included)
    mine = sp.csr_matrix(([1.0, 2.0, np.inf], ([0, 0, 1], [0, 0, 0])), shape=(2, 2))
    mine.has_canonical_format = False
    before = (mine.data.copy(), mine.indices.copy(), mine.indptr.copy())
    c.check_cost(mine)
    assert mine.data.tolist() == before[0].tolist() and mine.indices.tolist() == before[1].tolist()
    assert mine.indptr.tolist() == before[2].tolist()
    dense = c.check_cost(np.array([[1.0, np.inf], [0.0, 2.0]]))
    a = dense.allowed_csr()
    assert a.nnz == 3 and a.toarray().tolist() == [[1.0, 0.0], [0.0, 2.0]]
    coo = a.tocoo()
    assert sorted(zip(coo.row.tolist(), coo.col.tolist(), strict=True)) == [(0, 0), (1, 0), (1, 1)]
    assert dense.to_dense() is dense.dense


@pytest.mark.parametrize(("cost", "msg"), [
    ([1, 2], "parameter 'cost': must be a 2-D demand x candidate matrix, got 1-D"),
    (np.zeros((0, 3)), "parameter 'cost': empty cost matrix (shape (0, 3))"),
    (np.zeros((2, 0)), "parameter 'cost': empty cost matrix (shape (2, 0))"),
    ([[1, np.nan], [np.nan, 2]], "parameter 'cost': 2 NaN cost entries; use inf to forbid a pair"),
    ([[0, -2], [-3, 0.5]], "parameter 'cost': 2 negative cost entries (smallest -3); costs must be >= 0"),
    (sp.csr_matrix((0, 2)), "parameter 'cost': empty cost matrix (shape (0, 2))"),
    (sp.csr_matrix((2, 0)), "parameter 'cost': empty cost matrix (shape (2, 0))"),
    (sp.csr_matrix(np.array([[np.nan, 1.0]])),
     "parameter 'cost': 1 NaN cost entries; leave a pair out of the sparse matrix to forbid it"),
    (sp.csr_matrix(([-1.5, 0.0, 0.5, -0.5], ([0, 0, 0, 0], [0, 1, 2, 3])), shape=(1, 4)),
     "parameter 'cost': 2 negative cost entries (smallest -1.5); costs must be >= 0"),
])
def test_check_cost_messages(cost, msg) -> None:
    with _raises(InputError, msg):
        c.check_cost(cost)
    with pytest.raises(InputError, match=r"^parameter 'cost': not a numeric matrix \("):
        c.check_cost([["a", "b"]])


def test_check_p_values_and_messages() -> None:
    assert c.check_p(2, 3, 0) == 2 and c.check_p(np.int64(3), 3, 3) == 3
    assert c.check_p(2.0, 3, 0) == 2 and isinstance(c.check_p(2.0, 3, 0), int)
    assert c.check_p(1, 1, 0) == 1
    for p in (2.5, True, "2", None):
        with _raises(InputError, (f"parameter 'k': must be a whole number, got {p!r}")):
            c.check_p(p, 3, 0, name="k")
    with _raises(InputError, ("parameter 'p': must be at least 1, got 0")):
        c.check_p(0, 3, 0)
    with _raises(InputError, ("parameter 'p': 4 facilities requested but only 3 candidates given")):
        c.check_p(4, 3, 0)
    with _raises(InputError, ("parameter 'p': 1 facilities requested but 2 are fixed open "
                              "(parameter 'fixed'); p must be at least the number of fixed "
                              "facilities")):
        c.check_p(1, 3, 2)


def test_check_fixed_values_and_messages() -> None:
    assert c.check_fixed(None, 3).tolist() == [] and c.check_fixed(None, 3).dtype == np.int64
    assert c.check_fixed([], 3).dtype == np.int64 and c.check_fixed(np.array([]), 3).size == 0
    assert c.check_fixed([2, 0, 2], 3).tolist() == [0, 2]
    assert c.check_fixed(np.array([True, False, True]), 3).tolist() == [0, 2]
    assert c.check_fixed(np.array([True, False, True]), 3).dtype == np.int64
    assert c.check_fixed(np.array([1.0, 2.0]), 3).tolist() == [1, 2]
    assert c.check_fixed((j for j in [1]), 3).tolist() == [1]
    assert c.check_fixed(np.array([[2], [0]]), 3).tolist() == [0, 2]
    with _raises(InputError, ("parameter 'fixed': boolean mask of length 2, expected 3")):
        c.check_fixed(np.array([True, False]), 3)
    with _raises(InputError, ("parameter 'fixed': candidate indices must be integers, got float64")):
        c.check_fixed([0.5], 3)
    with _raises(InputError, ("parameter 'fixed': candidate indices must be integers, got <U1")):
        c.check_fixed(["a"], 3)
    with _raises(InputError, ("parameter 'fixed': index 3 out of range 0..2 (3 candidates)")):
        c.check_fixed([1, 3], 3)
    with _raises(InputError, ("parameter 'fixed': index -1 out of range 0..2 (3 candidates)")):
        c.check_fixed([-1, 5], 3)


def test_check_weights_vector_time_radius() -> None:
    assert c.check_weights(None, 3).tolist() == [1.0, 1.0, 1.0]
    assert c.check_weights([[1], [0], [2.5]], 3).tolist() == [1.0, 0.0, 2.5]
    with _raises(InputError, ("parameter 'pop': length 2, expected one value per demand row (3)")):
        c.check_weights([1, 2], 3, name="pop")
    with _raises(InputError, ("parameter 'weights': 2 NaN or infinite values")):
        c.check_weights([1, np.nan, np.inf], 3)
    with _raises(InputError, ("parameter 'weights': 1 negative values")):
        c.check_weights([1, -1, 0], 3)
    with pytest.raises(InputError, match=r"^parameter 'weights': not numeric \("):
        c.check_weights(["x", "y"], 2)
    assert c.check_vector(2, 3, name="cap").tolist() == [2.0, 2.0, 2.0]
    assert c.check_vector([[1], [2]], 2, name="cap").tolist() == [1.0, 2.0]
    assert c.check_vector([np.inf, 1], 2, name="cap", allow_inf=True).tolist() == [np.inf, 1.0]
    with _raises(InputError, ("parameter 'cap': infinite values are not allowed")):
        c.check_vector([np.inf, 1], 2, name="cap")
    with _raises(InputError, ("parameter 'q': length 3, expected one value per demand row (2)")):
        c.check_vector([1, 2, 3], 2, name="q", what="demand row")
    with _raises(InputError, ("parameter 'cap': length 1, expected one value per candidate (2)")):
        c.check_vector([1], 2, name="cap")
    with _raises(InputError, ("parameter 'cap': 2 NaN values")):
        c.check_vector([np.nan, np.nan], 2, name="cap", allow_inf=True)
    with _raises(InputError, ("parameter 'cap': 1 negative values")):
        c.check_vector([-1, np.inf], 2, name="cap", allow_inf=True)
    with pytest.raises(InputError, match=r"^parameter 'cap': not numeric \("):
        c.check_vector("ab", 2, name="cap")
    assert c.check_time_limit(None) is None and c.check_time_limit("2.5") == 2.5
    for bad in (0, -1, float("nan")):
        with _raises(InputError, (f"parameter 'time_limit': must be > 0 seconds, got {bad!r}")):
            c.check_time_limit(bad)
    with _raises(InputError, ("parameter 'time_limit': not a number ('soon')")):
        c.check_time_limit("soon")
    assert c.check_radius(0) == 0.0 and c.check_radius("2.5") == 2.5
    for bad in (-0.5, np.inf, np.nan):
        with _raises(InputError, (f"parameter 'radius': must be a finite number >= 0, got {bad!r}")):
            c.check_radius(bad)
    with _raises(InputError, ("parameter 'radius': not a number (None)")):
        c.check_radius(None)


def test_clock_coverage_matrix_unreachable() -> None:
    clock = c.Clock(None)
    assert clock.left() == np.inf and not clock.expired() and 0 <= clock.elapsed() < 5
    clock = c.Clock(1000.0)
    assert 990 < clock.left() <= 1000.0 and not clock.expired()
    assert c.Clock(1e-9).expired()
    D = np.array([[1.0, 2.0, np.inf], [2.5, 0.0, 2.0]])
    A = c.coverage_matrix(c.check_cost(D), 2.0)  # inclusive
    assert A.toarray().tolist() == [[1, 1, 0], [0, 1, 1]] and A.has_sorted_indices
    S = sp.csr_matrix(([2.0, 1.0, 0.0, 3.0], ([0, 0, 1, 1], [1, 0, 2, 1])), shape=(2, 3))
    A = c.coverage_matrix(c.check_cost(S), 2.0)
    assert A.toarray().tolist() == [[1, 1, 0], [0, 0, 1]] and A.has_sorted_indices
    assert A.indices.tolist() == [0, 1, 2]
    assert c.unreachable_rows(c.check_cost(np.array([[np.inf], [1.0], [np.inf]]))).tolist() == [0, 2]
    sparse = sp.csr_matrix(([1.0], ([1], [0])), shape=(3, 1))
    assert c.unreachable_rows(c.check_cost(sparse)).tolist() == [0, 2]
    c.raise_unreachable(np.zeros(0, dtype=int), "m")  # nothing to say
    with _raises(InfeasibleError, ("p_x: demand rows 1, 4 have no allowed candidate (all costs "
                                   "inf/absent); remove them or widen the cutoff")):
        c.raise_unreachable(np.array([1, 4]), "p_x")
    with _raises(InfeasibleError, ("p_x: demand rows 0, 1, 2, 3, 4 and 2 more have no allowed "
                                   "candidate (all costs inf/absent); remove them or widen "
                                   "the cutoff")):
        c.raise_unreachable(np.arange(7), "p_x")
    with pytest.raises(InfeasibleError, match="rows 0, 1, 2, 3, 4 have"):
        c.raise_unreachable(np.arange(5), "p_x")


# ---------------------------------------------------------------------------------------------
# coverage.py: row aggregation, nearest covering site, greedy cover, MCLP and LSCP figures


def _lp_mclp(D: np.ndarray, w: np.ndarray, p: int, radius: float) -> float:
    """LP relaxation of the MCLP (Church & ReVelle), solved by scipy alone: variables y (m) then z (n)."""
    n, m = D.shape
    A = (radius >= D).astype(float)
    c_ = np.concatenate([np.zeros(m), -w])
    A_ub = np.hstack([-A, np.eye(n)])
    res = linprog(c_, A_ub=A_ub, b_ub=np.zeros(n), A_eq=np.concatenate([np.ones(m), np.zeros(n)])[None, :],
                  b_eq=[p], bounds=[(0, 1)] * (m + n), method="highs")
    return -res.fun


def test_aggregate_rows_merges_equal_covering_sets() -> None:
    # rows: {0,2}, {1}, {0,2}, {}, {1} (weight 0), {2}, {0,2}, {0,1,2}, {1}
    sets = [(0, 2), (1,), (0, 2), (), (1,), (2,), (0, 2), (0, 1, 2), (1,)]
    w = np.array([1.0, 2.0, 3.0, 4.0, 0.0, 5.0, 6.0, 7.0, 0.5])
    A = sp.lil_matrix((len(sets), 3))
    for i, s in enumerate(sets):
        for j in s:
            A[i, j] = 1.0
    # unsorted indices inside the rows must not matter
    A = sp.csr_matrix(A)
    A2, w2 = _aggregate_rows(A, w)
    got = {tuple(A2[i].indices.tolist()): w2[i] for i in range(A2.shape[0])}
    assert got == {(0, 2): 10.0, (1,): 2.5, (2,): 5.0, (0, 1, 2): 7.0}
    assert A2.shape == (4, 3) and w2.sum() == 24.5
    assert all(sorted(A2[i].indices.tolist()) == A2[i].indices.tolist() for i in range(4))
    # nothing coverable or nothing weighted: an empty matrix with the candidates' width
    A3, w3 = _aggregate_rows(sp.csr_matrix((2, 3)), np.ones(2))
    assert A3.shape == (0, 3) and w3.size == 0
    A4, w4 = _aggregate_rows(sp.csr_matrix(np.ones((2, 3))), np.zeros(2))
    assert A4.shape == (0, 3) and w4.size == 0
    # all rows distinct: nothing merged, weights kept per row
    A5, w5 = _aggregate_rows(sp.csr_matrix(np.eye(3)), np.array([1.0, 2.0, 3.0]))
    assert {tuple(A5[i].indices.tolist()): w5[i] for i in range(3)} == {(0,): 1.0, (1,): 2.0, (2,): 3.0}


def test_aggregate_rows_same_length_different_sets() -> None:
    # many rows of two columns each: equal lengths and weights, so only the index lists tell them apart
    pairs = list(itertools.combinations(range(6), 2))
    rows = pairs + pairs[::-1] + pairs[:3]
    A = sp.lil_matrix((len(rows), 6))
    for i, (a, b) in enumerate(rows):
        A[i, a] = A[i, b] = 1.0
    w = np.arange(1, len(rows) + 1, dtype=float)
    A2, w2 = _aggregate_rows(sp.csr_matrix(A), w)
    want: dict = {}
    for i, pr in enumerate(rows):
        want[pr] = want.get(pr, 0.0) + w[i]
    assert {tuple(A2[i].indices.tolist()): w2[i] for i in range(A2.shape[0])} == want


def test_nearest_covering_site_on_a_sparse_matrix() -> None:
    # row 0: only site 0; row 1: sites 0 (3.0) and 1 (1.0) -> 1; row 2: sites 1 (2.0) and 0 (0.5) -> 0;
    # row 3: site 2 beyond the radius only -> -1
    M = sp.csr_matrix(([1.0, 3.0, 1.0, 2.0, 0.5, 9.0], ([0, 1, 1, 2, 2, 3], [0, 0, 1, 1, 0, 2])),
                      shape=(4, 3))
    cost = c.check_cost(M)
    a, cov = _assignment(cost, np.array([0, 1, 2]), 4.0)
    assert a.tolist() == [0, 1, 0, -1] and cov.tolist() == [True, True, True, False]
    assert a.dtype == np.int64
    a, cov = _assignment(cost, np.array([1, 2]), 4.0)
    assert a.tolist() == [-1, 1, 1, -1] and cov.tolist() == [False, True, True, False]
    dense = c.check_cost(M.toarray() + np.where(M.toarray() == 0, np.inf, 0))
    a, cov = _assignment(dense, np.array([0, 1, 2]), 4.0)
    assert a.tolist() == [0, 1, 0, -1] and cov.tolist() == [True, True, True, False]
    a, cov = _assignment(dense, np.array([0, 1, 2]), 0.5)  # inclusive radius
    assert a.tolist() == [-1, -1, 0, -1]
    a, cov = _assignment(cost, np.array([0, 1, 2]), 0.5)
    assert a.tolist() == [-1, -1, 0, -1]
    r = max_coverage(M, 2, 4.0)
    assert r.objective == 3.0 and r.assignment.tolist() == [0, 1, 0, -1]
    assert r.flows.toarray().tolist() == [[1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 0, 0]]


def test_assignment_of_no_open_site() -> None:
    for cost in (c.check_cost(np.ones((3, 2))), c.check_cost(sp.csr_matrix(np.ones((3, 2))))):
        a, cov = _assignment(cost, np.zeros(0, dtype=np.int64), 5.0)
        assert a.tolist() == [-1, -1, -1] and a.dtype == np.int64
        assert cov.tolist() == [False, False, False] and cov.dtype == bool


def test_greedy_cover_and_redundancy_elimination() -> None:
    # col0 {0,1,2}, col1 {3,4,5}, col2 {0,1,3,4}: greedy takes col2 (4 new), then col0, then col1;
    # col2 is then redundant and dropped
    cols = [(0, 1, 2), (3, 4, 5), (0, 1, 3, 4)]
    A = np.zeros((6, 3))
    for j, s in enumerate(cols):
        A[list(s), j] = 1
    A = sp.csr_matrix(A)
    assert _greedy_cover(A, np.zeros(0, dtype=np.int64)).tolist() == [0, 1]
    # a fixed column is never dropped, even when redundant
    assert _greedy_cover(A, np.array([2])).tolist() == [0, 1, 2]
    # costs: new rows per unit cost; col2 at cost 10 is never worth it
    assert _greedy_cover(A, np.zeros(0, dtype=np.int64), np.array([1.0, 1.0, 10.0])).tolist() == [0, 1]
    # costs favouring col2: col2 (4/1), then col0 (1/2) vs col1 (1/3): col0, then col1; col2 redundant
    assert _greedy_cover(A, np.zeros(0, dtype=np.int64), np.array([2.0, 3.0, 1.0])).tolist() == [0, 1]
    # redundancy order: most expensive first; col0 {0,1} col1 {1,2} col2 {0,2}, col3 {0,1,2}
    B = sp.csr_matrix(np.array([[1, 0, 1, 1], [1, 1, 0, 1], [0, 1, 1, 1]], dtype=float))
    assert _greedy_cover(B, np.array([0, 1, 2])).tolist() == [0, 1, 2]
    assert _greedy_cover(B, np.array([0, 1])).tolist() == [0, 1]
    # an empty column forced open: kept (fixed); a row nobody covers: the loop stops
    C = sp.csr_matrix(np.array([[1, 0], [0, 0]], dtype=float))
    assert _greedy_cover(C, np.zeros(0, dtype=np.int64)).tolist() == [0]
    assert _greedy_cover(C, np.array([1])).tolist() == [0, 1]


def test_max_coverage_fixed_all_and_zero_weights() -> None:
    D = _fano_cost()
    w = np.arange(1.0, 8.0)
    # p = number of fixed sites: no choice, the fixed lines' coverage, proven
    r = max_coverage(D, 2, 1.0, weights=w, fixed=[3, 6])
    S = [3, 6]
    assert r.facilities.tolist() == S
    assert r.objective == float(w[(D[:, S] <= 1).any(axis=1)].sum()) == 2 + 3 + 4 + 5 + 6  # points 1..5
    assert r.upper_bound == r.objective and r.gap == 0.0 and r.status == "optimal"
    # every candidate open
    r = max_coverage(D, 7, 1.0, weights=w)
    assert r.objective == w.sum() and r.upper_bound == w.sum() and r.status == "optimal"
    # a fixed site and free choice: brute force
    for fx in ([0], [5]):
        best, _ = brute_mclp(D, w, 3, 1.0, fixed=fx)
        r = max_coverage(D, 3, 1.0, weights=w, fixed=fx, exact=True)
        assert fx[0] in r.facilities and r.objective == best and r.upper_bound == best
    # a row of weight 0 covered: in the mask and the assignment, adds nothing
    w0 = np.array([0.0, 1, 1, 1, 1, 1, 1])
    r = max_coverage(D, 1, 1.0, weights=w0, fixed=[0])
    assert r.covered.tolist() == [True, True, True, False, False, False, False]
    assert r.objective == 2.0 and r.lower_bound == 2.0 and r.assignment.tolist()[:3] == [0, 0, 0]
    # one site, some rows unreachable within the radius: brute force and the bounds
    D2 = np.array([[1.0, 9.0, 9.0], [9.0, 1.0, 9.0], [9.0, 9.0, 9.0], [1.0, 1.0, 9.0]])
    w2 = np.array([2.0, 3.0, 100.0, 1.0])
    r = max_coverage(D2, 1, 1.0, weights=w2)
    assert r.objective == 4.0 and r.upper_bound == 4.0 and r.status == "optimal"
    assert r.facilities.tolist() == [1] and r.assignment.tolist() == [-1, 1, -1, 1]


def _lscp_bait():
    H1, H2 = list(range(7)), list(range(7, 14))
    B1, B2, B3 = [0, 1, 2, 3, 7, 8, 9, 10], [4, 5, 11, 12], [6, 13]
    D = np.full((14, 5), 9.0)
    for j, s in enumerate([B1, B2, B3, H1, H2]):
        D[s, j] = 1.0
    return D


def test_set_coverage_greedy_bait_gap_and_exact() -> None:
    D = _lscp_bait()
    k, _ = brute_lscp(D, 1.0)
    assert k == 2
    r = set_coverage(D, 1.0)  # greedy takes the bait: 8, then 4, then 2 rows; the LP bound is 2
    assert r.facilities.tolist() == [0, 1, 2] and r.objective == 3.0 and r.upper_bound == 3.0
    assert r.lower_bound == 2.0 and r.gap == pytest.approx(1 / 3) and r.status == "feasible"
    assert r.method == "heuristic" and r.model == "set_coverage" and r.covered.all()
    r = set_coverage(D, 1.0, exact=True)
    assert r.facilities.tolist() == [3, 4] and r.objective == 2.0 and r.lower_bound == 2.0
    assert r.gap == 0.0 and r.status == "optimal" and r.method == "milp"
    assert r.assignment.tolist() == [3] * 7 + [4] * 7
    # a fixed bait column: counted, kept, the rest by brute force
    k, _ = brute_lscp(D, 1.0, fixed=(0,))
    r = set_coverage(D, 1.0, fixed=[0], exact=True)
    assert 0 in r.facilities and r.objective == k == 3 and r.lower_bound == 3.0 and r.status == "optimal"
    # one site covers everything: proven without an LP
    r = set_coverage(np.array([[1.0, 2.0], [1.0, 5.0]]), 1.0)
    assert r.facilities.tolist() == [0] and r.lower_bound == 1.0 and r.status == "optimal"
    # the fixed sites alone cover everything
    r = set_coverage(np.array([[1.0, 1.0], [1.0, 5.0]]), 1.0, fixed=[0, 1])
    assert r.facilities.tolist() == [0, 1] and r.objective == 2.0 and r.lower_bound == 2.0 and r.gap == 0.0


def test_set_coverage_fano_and_random_by_brute_force() -> None:
    D = _fano_cost()
    r = set_coverage(D, 1.0)
    assert r.objective == 3.0 and r.lower_bound == 3.0 and r.status == "optimal"  # LP 7/3, rounded up
    assert (D[:, r.facilities] <= 1).any(axis=1).all()
    rng = np.random.default_rng(5)
    for _ in range(3):
        D = rng.integers(1, 30, size=(10, 6)).astype(float)
        radius = float(D.min(axis=1).max()) + 3.0
        k, _ = brute_lscp(D, radius)
        for exact in (False, True):
            r = set_coverage(D, radius, exact=exact)
            assert r.lower_bound <= k <= r.objective
            assert (D[:, r.facilities] <= radius).any(axis=1).all()
            assert r.gap == pytest.approx(_gap(r.objective, r.lower_bound))
            if exact:
                assert r.objective == k and r.status == "optimal"


def test_set_coverage_infeasible_message() -> None:
    D = np.full((8, 2), 5.0)
    D[0, 0] = 1.0
    with _raises(InfeasibleError, ("set_coverage: demand rows 1, 2, 3, 4, 5 and 2 more have no "
                                   "candidate within radius 1.5; widen the radius or drop them")):
        set_coverage(D, 1.5)
    with _raises(InfeasibleError, ("set_coverage: demand rows 1, 2 have no candidate within "
                                   "radius 1; widen the radius or drop them")):
        set_coverage(D[:3], 1.0)


def test_max_coverage_fano_gap_and_exact() -> None:
    D = _fano_cost()
    w = np.ones(7)
    best, _ = brute_mclp(D, w, 2, 1.0)
    assert best == 5.0  # two lines share one point: 3 + 3 - 1
    assert _lp_mclp(D, w, 2, 1.0) == pytest.approx(6.0)  # y = 2/7 each, every point covered 6/7
    r = max_coverage(D, 2, 1.0)
    assert r.objective == 5.0 and r.lower_bound == 5.0
    assert r.upper_bound == 6.0  # the Lagrangian (= LP) bound, integer weights: floor
    assert r.gap == pytest.approx(1 / 6) and r.status == "feasible" and r.method == "heuristic"
    assert not r.optimal and r.messages == ()
    r = max_coverage(D, 2, 1.0, exact=True)
    assert (r.objective, r.lower_bound, r.upper_bound, r.gap) == (5.0, 5.0, 5.0, 0.0)
    assert r.status == "optimal" and r.method == "heuristic+milp" and r.model == "max_coverage"
    assert r.covered.sum() == 5 and r.n_facilities == 2
    # half weights: not integer, the bound is not rounded
    h = np.full(7, 0.5)
    assert _lp_mclp(D, h, 2, 1.0) == pytest.approx(3.0)
    r = max_coverage(D, 2, 1.0, weights=h)
    assert r.objective == 2.5 and 3.0 - 1e-9 <= r.upper_bound < 3.01 and r.status == "feasible"
    assert r.gap == pytest.approx(_gap(r.upper_bound, 2.5))
    r = max_coverage(D, 2, 1.0, weights=h, exact=True)
    assert (r.objective, r.upper_bound, r.gap, r.status) == (2.5, 2.5, 0.0, "optimal")


# ---------------------------------------------------------------------------------------------
# curve.py


def _submodular_upper(D, w, radius, S, k, fixed=()):
    """f(S) + the k - |fixed| largest marginal gains w.r.t. S, capped at the coverable weight, floored."""
    A = radius >= D
    cov = A[:, list(S)].any(axis=1)
    f = float(w[cov].sum())
    gains = np.array([0.0 if (j in S or j in fixed) else float(w[A[:, j] & ~cov].sum())
                      for j in range(D.shape[1])])
    free = k - len(fixed)
    top = float(np.sort(gains)[::-1][:free].sum()) if free > 0 else 0.0
    coverable = float(w[A.any(axis=1)].sum())
    up = min(coverable, f + top)
    if np.all(w == np.round(w)):
        up = float(np.floor(up + 1e-9))
    return max(up, f)


def test_curve_bounds_by_the_submodularity_formula() -> None:
    D = _fano_cost()
    w = np.ones(7)
    cur = coverage_curve(D, 1.0, 7)
    assert cur.counts.tolist() == list(range(1, 8))
    assert cur.covered.tolist() == [3, 5, 7, 7, 7, 7, 7]
    raw = [_submodular_upper(D, w, 1.0, list(S), k) for S, k in zip(cur.facilities, cur.counts, strict=True)]
    assert raw[:2] == [5.0, 7.0]  # one line: 3 + 2; two lines: 5 + (2 + 1) capped at 7
    want = np.minimum.accumulate(np.array(raw)[::-1])[::-1]
    np.testing.assert_array_equal(cur.upper_bound, want)
    np.testing.assert_allclose(cur.gap, [0.4, 2 / 7, 0, 0, 0, 0, 0])
    assert cur.total == 7.0 and cur.needed is None
    r = cur.result(2)
    assert r.status == "feasible" and r.gap == pytest.approx(2 / 7) and r.upper_bound == 7.0
    assert r.objective == 5.0 and r.lower_bound == 5.0 and not r.optimal
    assert cur.result(3).status == "optimal"
    # exact: HiGHS closes both gaps
    cur = coverage_curve(D, 1.0, 7, exact=True)
    assert cur.covered.tolist() == [3, 5, 7, 7, 7, 7, 7] and cur.upper_bound.tolist() == cur.covered.tolist()
    assert cur.gap.tolist() == [0.0] * 7
    assert cur.result(2).status == "optimal"


def test_curve_bounds_with_gains_below_one() -> None:
    # weights 0.1: every marginal gain is below 1, so open and fixed sites (gain 0) must stay out of the
    # sum of the largest gains
    D = _fano_cost()
    w = np.full(7, 0.1)
    for fixed in ([], [0], [0, 3]):
        cur = coverage_curve(D, 1.0, 4, weights=w, fixed=fixed)
        raw = [_submodular_upper(D, w, 1.0, list(S), k, fixed) for S, k in zip(cur.facilities, cur.counts,
                                                                              strict=True)]
        np.testing.assert_allclose(cur.upper_bound, np.minimum.accumulate(np.array(raw)[::-1])[::-1])
        if not fixed:
            np.testing.assert_allclose(cur.upper_bound, [0.5, 0.7, 0.7, 0.7])  # 0.3 + 0.2; then all 7 rows
    # two Fano planes side by side (14 rows, 14 lines): the bound stays below the coverable weight, so a
    # fixed site's gain counted in the sum would show
    D2 = np.full((14, 14), 5.0)
    D2[:7, :7] = D
    D2[7:, 7:] = D
    w2 = np.full(14, 0.1)
    for fixed in ([0], [0, 8]):
        cur = coverage_curve(D2, 1.0, 4, weights=w2, fixed=fixed)
        raw = [_submodular_upper(D2, w2, 1.0, list(S), k, fixed) for S, k in zip(cur.facilities, cur.counts,
                                                                                strict=True)]
        np.testing.assert_allclose(cur.upper_bound, np.minimum.accumulate(np.array(raw)[::-1])[::-1])
        assert cur.upper_bound[0] < 1.4 - 1e-9


def test_curve_bounds_random_by_brute_force() -> None:
    rng = np.random.default_rng(11)
    for it in range(3):
        D = rng.integers(1, 30, size=(12, 6)).astype(float)
        w = rng.integers(1, 9, size=12).astype(float) * (0.5 if it == 2 else 1.0)
        fixed = [2] if it == 1 else []
        cur = coverage_curve(D, 9.0, 5, weights=w, fixed=fixed, k_min=1)
        raw = [_submodular_upper(D, w, 9.0, list(S), k, fixed) for S, k in zip(cur.facilities, cur.counts,
                                                                              strict=True)]
        want = np.minimum.accumulate(np.array(raw)[::-1])[::-1]
        np.testing.assert_allclose(cur.upper_bound, want)
        for pos, k in enumerate(cur.counts):
            best, _ = brute_mclp(D, w, int(k), 9.0, fixed=fixed)
            assert cur.covered[pos] <= best <= cur.upper_bound[pos] + 1e-9
            assert set(fixed) <= set(cur.facilities[pos].tolist())
            assert cur.gap[pos] == pytest.approx(_gap(cur.upper_bound[pos], cur.covered[pos]), abs=1e-12)
        ex = coverage_curve(D, 9.0, 5, weights=w, fixed=fixed, exact=True)
        for pos, k in enumerate(ex.counts):
            best, _ = brute_mclp(D, w, int(k), 9.0, fixed=fixed)
            assert ex.covered[pos] == pytest.approx(best) and ex.upper_bound[pos] == pytest.approx(best)
        lag = coverage_curve(D, 9.0, 5, weights=w, fixed=fixed, lagrange_iter=30)
        for pos, k in enumerate(lag.counts):
            best, _ = brute_mclp(D, w, int(k), 9.0, fixed=fixed)
            assert lag.covered[pos] <= best <= lag.upper_bound[pos] + 1e-9
            assert lag.upper_bound[pos] <= cur.upper_bound[pos] + 1e-9


def test_curve_counts_target_and_messages() -> None:
    D = _fano_cost()
    w = np.arange(1.0, 8.0)
    # the target carries the curve past k_max until a count reaches it: three concurrent lines cover all
    cur = coverage_curve(D, 1.0, 1, weights=w, target=1.0)
    assert cur.counts.tolist() == [1, 2, 3] and cur.needed == 3 and cur.covered[-1] == 28.0
    np.testing.assert_allclose(cur.share, cur.covered / 28.0)
    # a target reached within k_max: the curve still runs to k_max; needed is the first count reaching it
    cur = coverage_curve(D, 1.0, 4, weights=w, target=0.5)
    best1, _ = brute_mclp(D, w, 1, 1.0)
    assert cur.counts.tolist() == [1, 2, 3, 4]
    assert cur.covered[0] == best1 == 6 + 7 + 1  # line (0, 5, 6)
    assert cur.needed == 1 if best1 >= 14 else cur.needed == 2
    # exactly at the target share
    cur = coverage_curve(D, 1.0, 2, weights=w, target=best1 / 28.0)
    assert cur.needed == 1
    cur = coverage_curve(D, 1.0, 2, weights=w, target=np.nextafter(best1 / 28.0, 1) + 1e-9)
    assert cur.needed == 2
    # a target no count reaches: to the last candidate, needed None
    D2 = np.vstack([D, np.full((1, 7), 9.0)])
    cur = coverage_curve(D2, 1.0, 2, target=1.0)
    assert cur.counts.tolist() == list(range(1, 8)) and cur.needed is None and cur.total == 8.0
    assert cur.covered[-1] == 7.0 and cur.upper_bound[-1] == 7.0
    # k_min and fixed: the curve starts at the larger of k_min and the fixed count
    cur = coverage_curve(D, 1.0, 4, k_min=3)
    assert cur.counts.tolist() == [3, 4]
    cur = coverage_curve(D, 1.0, 4, fixed=[1, 3])
    assert cur.counts.tolist() == [2, 3, 4] and all({1, 3} <= set(s.tolist()) for s in cur.facilities)
    assert cur.covered[0] == 5.0 and cur.upper_bound[0] >= 5.0
    # the docstring says k_max is clipped to the candidates; check_p refuses it instead (reported)
    with _raises(InputError, ("parameter 'k_max': 99 facilities requested but only 7 "
                              "candidates given")):
        coverage_curve(D, 1.0, 99)
    # zero weights: share 0, not NaN
    cur = coverage_curve(D, 1.0, 2, weights=np.zeros(7))
    assert cur.total == 0.0 and cur.share.tolist() == [0.0, 0.0] and cur.gap.tolist() == [0.0, 0.0]
    with _raises(InputError, ("parameter 'k_max': 2 is below k_min = 3 (or the number of fixed "
                              "sites)")):
        coverage_curve(D, 1.0, 2, k_min=3)
    with _raises(InputError, ("parameter 'k_max': 1 is below k_min = 2 (or the number of fixed "
                              "sites)")):
        coverage_curve(D, 1.0, 1, fixed=[0, 1])
    for t in (1.5, -0.1):
        with _raises(InputError, (f"parameter 'target': a share between 0 and 1, got {t!r}")):
            coverage_curve(D, 1.0, 2, target=t)
    for t in (0.0, 1.0):
        assert coverage_curve(D, 1.0, 1, target=t).needed == (1 if t == 0.0 else 3)


# ---------------------------------------------------------------------------------------------
# pcenter.py


def _lp_cover_bound(D: np.ndarray, p: int) -> float:
    """Smallest distinct cost r whose set-covering LP needs at most p sites (scipy alone)."""
    n, m = D.shape
    for r in np.unique(D[np.isfinite(D)]):
        A = (r >= D).astype(float)
        if not A.any(axis=1).all():
            continue
        res = linprog(np.ones(m), A_ub=-A, b_ub=-np.ones(n), bounds=[(0, 1)] * m, method="highs")
        if res.status == 0 and res.fun <= p + 1e-6:
            return float(r)
    raise AssertionError("no radius")


def test_p_center_k4_lp_bound_and_exact() -> None:
    # rows = the edges of K4, sites = its vertices; radius 1 needs a vertex cover (3 sites), the LP only 2
    # (every vertex by half)
    D = _k4_cost(2.0)
    best, _ = brute_p_center(D, 2)
    assert best == 2.0 and _lp_cover_bound(D, 2) == 1.0
    r = p_center(D, 2)
    assert r.objective == 2.0 and r.upper_bound == 2.0 and r.lower_bound == 1.0
    assert r.gap == 0.5 and r.status == "feasible" and r.method == "heuristic" and r.model == "p_center"
    assert r.n_facilities == 2
    r = p_center(D, 2, exact=True)
    assert (r.objective, r.lower_bound, r.gap, r.status) == (2.0, 2.0, 0.0, "optimal")
    assert r.method == "heuristic+milp"
    # p = 3: a vertex cover, radius 1
    r = p_center(D, 3, exact=True)
    assert r.objective == 1.0 and r.lower_bound == 1.0 and r.status == "optimal" and r.n_facilities == 3


@pytest.mark.parametrize("seed", [3, 4, 5, 6])
def test_p_center_lower_bound_is_the_lp_bisection(seed: int) -> None:
    rng = np.random.default_rng(seed)
    D = rng.integers(1, 40, size=(10, 6)).astype(float)
    best, _ = brute_p_center(D, 2)
    r = p_center(D, 2)
    assert r.objective == best
    assert r.lower_bound == min(_lp_cover_bound(D, 2), r.objective)
    assert r.gap == pytest.approx(_gap(r.objective, r.lower_bound), abs=1e-12)
    assert r.status == ("optimal" if r.lower_bound == r.objective else "feasible")
    assert r.assignment.tolist() == r.facilities[np.argmin(D[:, r.facilities], axis=1)].tolist()
    assert r.flows.toarray().sum(axis=1).tolist() == [1.0] * 10
    ex = p_center(D, 2, exact=True)
    assert ex.objective == best and ex.lower_bound == best and ex.status == "optimal" and ex.gap == 0.0


def test_p_center_fixed_padding_sparse_and_messages() -> None:
    # site 0 reaches every row at 1: the MILP needs one site, p = 2 pads with another
    D = np.array([[1.0, 1.0, 3.0], [1.0, 2.0, 3.0], [1.0, 5.0, 0.5]])
    for exact in (False, True):
        r = p_center(D, 2, exact=exact)
        assert r.objective == brute_p_center(D, 2)[0] == 1.0 and r.n_facilities == 2
        r = p_center(D, 1, exact=exact)
        assert r.facilities.tolist() == [0] and r.objective == 1.0
    # a fixed site far away still counts towards p
    for exact in (False, True):
        best, _ = brute_p_center(D, 2, fixed=(2,))
        r = p_center(D, 2, fixed=[2], exact=exact)
        assert 2 in r.facilities and r.objective == best == 1.0
        assert r.lower_bound <= best
    # sparse: absent pairs are not allowed
    M = sp.csr_matrix(([4.0, 1.0, 2.0, 6.0], ([0, 1, 2, 2], [0, 1, 1, 0])), shape=(3, 2))
    Dd = np.array([[4.0, np.inf], [np.inf, 1.0], [6.0, 2.0]])
    for exact in (False, True):
        r = p_center(M, 2, exact=exact)
        assert r.objective == brute_p_center(Dd, 2)[0] == 4.0 and r.assignment.tolist() == [0, 1, 1]
        r = p_center(M, 2, fixed=[0, 1], exact=exact)
        assert r.objective == 4.0 and r.lower_bound == 4.0 and r.status == "optimal"
    with _raises(InfeasibleError, ("p_center: no set of p=1 facilities found that reaches every "
                                   "demand row through allowed pairs (cutoffs); raise p or widen "
                                   "the cutoff")):
        p_center(M, 1)
    with _raises(InfeasibleError, ("p_center: demand rows 1 have no allowed candidate (all costs "
                                   "inf/absent); remove them or widen the cutoff")):
        p_center(np.array([[1.0, 2.0], [np.inf, np.inf]]), 1)


def test_search_below_from_a_poor_start() -> None:
    # the MILP bisection that p_center runs below the heuristic radius, started from a poor radius: site 2
    # alone reaches every row at 1, so the bisection ends at radius 1 with site 2 padded to p = 2 sites
    from arealsirk.locate.pcenter import _search_below

    D = np.array([[3.0, 2.0, 1.0], [3.0, 2.0, 1.0], [0.5, 5.0, 1.0]])
    cost = c.check_cost(D)
    values = np.unique(D)  # 0.5, 1, 2, 3, 5
    prog = c.make_progress(None, None)
    idx, S, status = _search_below(cost, values, 1, 4, np.array([0, 1]), 2, np.zeros(0, dtype=np.int64),
                                   c.Clock(None), prog, integral=True)
    assert values[idx] == 1.0 and status == "feasible"
    assert len(S) == 2 and 2 in S.tolist() and D[:, S].min(axis=1).max() <= 1.0
    # a radius ruled out moves the search just above it, never further: p = 1, radius 3 (site 1)
    D1 = np.array([[1.0, 3.0, 5.0], [2.0, 3.0, 5.0], [5.0, 3.0, 1.0]])
    v1 = np.unique(D1)  # 1, 2, 3, 5
    for integral in (True, False):
        idx, _, _ = _search_below(c.check_cost(D1), v1, 1, 3, np.array([0]), 1, np.zeros(0, dtype=np.int64),
                                  c.Clock(None), prog, integral=integral)
        assert v1[idx] == 3.0
    # a row reached by one site only is still reached: p = 1, radius 3 (row 1 has only site 0 within it)
    D3 = np.array([[1.0, 9.0], [3.0, 9.0]])
    v3 = np.unique(D3)  # 1, 3, 9
    for integral in (True, False):
        idx, _, _ = _search_below(c.check_cost(D3), v3, 1, 2, np.array([1]), 1, np.zeros(0, dtype=np.int64),
                                  c.Clock(None), prog, integral=integral)
        assert v3[idx] == 3.0
    # site 0 alone covers: padded with other sites, never with itself again
    D4 = D[:, ::-1]
    none = np.zeros(0, dtype=np.int64)
    idx, S, _ = _search_below(c.check_cost(D4), values, 1, 4, np.array([1, 2]), 2, none, c.Clock(None), prog,
                              integral=True)
    assert values[idx] == 1.0 and len(set(S.tolist())) == 2 and 0 in S.tolist()
    # a fixed site stays open in the MILP's cover: site 1 fixed, site 2 still needed for radius 1
    idx, S, status = _search_below(cost, values, 1, 4, np.array([0, 1]), 2, np.array([1]), c.Clock(None),
                                   prog, integral=True)
    assert values[idx] == 1.0 and S.tolist() == [1, 2] and status == "feasible"
    # the LP bisection only bounds: the start set is kept
    idx, S, status = _search_below(cost, values, 1, 4, np.array([0, 1]), 2, np.zeros(0, dtype=np.int64),
                                   c.Clock(None), prog, integral=False)
    assert values[idx] == 1.0 and S.tolist() == [0, 1] and status == "feasible"
    # p = 3: the MILP cover (site 2) padded with two more
    idx, S, _ = _search_below(cost, values, 1, 4, np.array([0, 1, 2]), 3, np.zeros(0, dtype=np.int64),
                              c.Clock(None), prog, integral=True)
    assert values[idx] == 1.0 and sorted(S.tolist()) == [0, 1, 2]


# ---------------------------------------------------------------------------------------------
# pmedian.py


def _lp_pmedian(D: np.ndarray, w: np.ndarray, p: int) -> float:
    """LP relaxation of the p-median (ReVelle & Swain), scipy alone (``locate_brute.lp_p_median``)."""
    return lp_p_median(D * w[:, None], p)


@pytest.mark.parametrize("off", [3.0, 3.5])
def test_p_median_k4_gap_and_exact(off: float) -> None:
    # two vertices of K4 serve 5 edges at 1, the sixth at ``off``; the LP opens every vertex by half: 6
    D = _k4_cost(off)
    w = np.ones(6)
    best, _ = brute_p_median(D, w, 2)
    assert best == 5 + off and _lp_pmedian(D, w, 2) == pytest.approx(6.0)
    r = p_median(D, 2)
    assert r.objective == best and r.upper_bound == best
    assert r.lower_bound == pytest.approx(6.0, abs=1e-6)
    assert r.gap == pytest.approx((best - r.lower_bound) / best)
    assert r.status == "feasible" and r.method == "heuristic" and r.model == "p_median" and r.messages == ()
    # one row per edge, every row to its nearest open vertex (first on a tie); all four columns kept
    S = r.facilities
    a = S[np.argmin(D[:, S], axis=1)]
    assert r.assignment.tolist() == a.tolist()
    assert r.flows.shape == (6, 4)
    # indices stay integers (they index the sites table), the runtime is a number of seconds
    assert r.facilities.dtype == np.int64 and r.assignment.dtype == np.int64 and r.runtime_s >= 0
    assert r.flows.toarray().tolist() == np.eye(4)[a].tolist()
    r = p_median(D, 2, exact=True)
    assert (r.objective, r.lower_bound, r.upper_bound, r.gap, r.status) == (best, best, best, 0.0, "optimal")
    assert r.method == "heuristic+benders+milp" and r.messages == ()
    # weights scale every figure
    r = p_median(D, 2, weights=np.full(6, 2.0))
    assert r.objective == 2 * best and r.lower_bound == pytest.approx(12.0, abs=1e-6)
    assert r.status == "feasible"


def test_p_median_integer_rounding_of_the_bound() -> None:
    # random integer data: every result proven (status, gap 0, lower = objective) and equal to brute force
    rng = np.random.default_rng(7)
    for _ in range(4):
        D = rng.integers(1, 30, size=(9, 6)).astype(float)
        w = rng.integers(1, 5, size=9).astype(float)
        for p in (1, 2, 3, 6):
            best, _ = brute_p_median(D, w, p)
            r = p_median(D, p, weights=w)
            assert r.objective == best
            assert r.lower_bound <= best + 1e-9
            assert r.lower_bound <= _lp_pmedian(D, w, p) + 1e-6
            assert r.gap == pytest.approx(_gap(r.objective, r.lower_bound), abs=1e-12)
            assert r.status == ("optimal" if r.gap == 0 else "feasible")
            if p == 6:
                assert r.lower_bound == best and r.status == "optimal"
            ex = p_median(D, p, weights=w, exact=True)
            assert ex.objective == best and ex.lower_bound == best and ex.status == "optimal"


def test_p_median_fixed_all_and_fractional_costs() -> None:
    D = np.array([[0.3, 2.2, 1.1], [1.7, 0.2, 0.9], [2.0, 1.4, 0.25], [0.6, 0.6, 0.6]])
    w = np.array([1.5, 2.0, 0.5, 1.0])
    for p, fixed in ((2, [2]), (3, []), (1, [1]), (2, [0, 1])):
        best, _ = brute_p_median(D, w, p, fixed=fixed)
        for exact in (False, True):
            r = p_median(D, p, weights=w, fixed=fixed, exact=exact)
            assert r.objective == pytest.approx(best) and set(fixed) <= set(r.facilities.tolist())
            assert r.lower_bound == pytest.approx(best) and r.gap == 0.0 and r.status == "optimal"
    # fractional costs with a relaxation gap: K4 with every cost divided by 10
    D = _k4_cost(3.0) / 10
    r = p_median(D, 2)
    assert r.objective == pytest.approx(0.8) and r.lower_bound == pytest.approx(0.6, abs=1e-6)
    assert r.status == "feasible"
    r = p_median(D, 2, exact=True)
    assert r.objective == pytest.approx(0.8) and r.lower_bound == pytest.approx(0.8) and r.status == "optimal"


def test_p_median_sparse_unserved_and_limits(monkeypatch) -> None:
    M = sp.csr_matrix(([1.0, 2.0, 3.0], ([0, 1, 2], [0, 1, 1])), shape=(3, 2))
    r = p_median(M, 2)
    assert r.objective == 6.0 and r.assignment.tolist() == [0, 1, 1] and r.status == "optimal"
    assert r.flows.toarray().tolist() == [[1, 0], [0, 1], [0, 1]]
    with _raises(InfeasibleError, ("p_median: with p=1 facilities 1 demand rows cannot be served "
                                   "(no allowed candidate among the best open set found); raise p, "
                                   "widen the cutoff, or use max_coverage")):
        p_median(M, 1)
    with _raises(InfeasibleError, ("p_median: demand rows 0 have no allowed candidate (all costs "
                                   "inf/absent); remove them or widen the cutoff")):
        p_median(np.array([[np.inf, np.inf], [1.0, 2.0]]), 1)
    import arealsirk.locate.pmedian as pm

    real = pm.default
    limit = "locate.pmedian_max_dense_entries"
    monkeypatch.setattr(pm, "default", lambda key: 6 if key == limit else real(key))
    assert p_median(np.ones((3, 2)), 1).objective == 3.0  # 6 entries: at the limit, allowed
    with _raises(InputError, ("parameter 'cost': 7 x 1 is above the p-median engine's dense limit "
                              "(6 entries, default 'locate.pmedian_max_dense_entries'); aggregate "
                              "the demand points (e.g. to 1 km cells) or use max_coverage, which "
                              "works on sparse matrices of any size")):
        p_median(np.ones((7, 1)), 1)


def test_p_median_penalty_far_above_every_cost() -> None:
    # row 0 can only be served by site 0; the other rows sit on site 1 and far from site 0. The only
    # feasible single site is 0: a penalty for the forbidden pair below the cost of the far rows would
    # open site 1 and leave row 0 unserved (InfeasibleError) instead.
    for n, far in ((30, 1.0), (3, 1000.0)):
        D = np.vstack([[0.0, np.inf], np.tile([far, 0.0], (n - 1, 1))])
        for exact in (False, True):
            r = p_median(D, 1, exact=exact)
            assert r.facilities.tolist() == [0] and r.objective == pytest.approx((n - 1) * far)
            assert r.lower_bound == r.objective and r.status == "optimal"


def test_an_expired_time_limit_is_reported() -> None:
    # 1 ns is over before the first check: every search stops at once; a result with a gap left says so
    r = p_center(_k4_cost(2.0), 2, time_limit=1e-9)
    assert r.status == "time_limit" and r.lower_bound == 1.0 and r.objective == 2.0 and r.gap == 0.5
    r = p_median(_k4_cost(3.0), 2, time_limit=1e-9)
    assert r.status == "time_limit" and r.objective >= 8.0
    if r.lower_bound is None:  # no Lagrangian step in time: no bound, no gap
        assert r.gap is None
    else:
        assert r.lower_bound <= 6.0 + 1e-6 and r.gap == pytest.approx(_gap(r.objective, r.lower_bound))
    r = max_coverage(_fano_cost(), 2, 1.0, time_limit=1e-9)
    assert r.status == "time_limit" and r.objective <= 5.0 and r.upper_bound >= 6.0
    assert r.gap == pytest.approx(_gap(r.upper_bound, r.objective))
    cur = coverage_curve(_fano_cost(), 1.0, 5, time_limit=1e-9)
    assert cur.counts.tolist() == [1] and cur.covered.tolist() == [3.0]
    # a proven result stays optimal whatever the clock says
    r = p_median(np.array([[1.0, 2.0], [2.0, 1.0]]), 2, time_limit=1e-9)
    assert r.status == "optimal" and r.objective == 2.0
