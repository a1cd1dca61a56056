# ruff: noqa: N806  (the notation D, q, K, f, L, Q, S of the module under test)
"""Run-9 mutation kills for the CFL heuristic rewritten in wave 8 (per-pair arrays, repair, screen).

Every expected value is a hand figure on a model of a few rows written out here (which rows a
candidate may serve, at what cost, with what capacity and minimum load), or the count of
transportation LPs the documented rule needs -- never a value read from the code under test.  No
test depends on machine speed (an expired clock is a time limit of 0 s).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from arealsirk.locate._cfl_heuristic import Pairs, Transport, local_search, repair, screen
from arealsirk.locate._common import Clock

NONE = np.zeros(0, dtype=np.int64)


def _to_sparse(D):
    r, c = np.nonzero(np.isfinite(D))
    return sp.csr_matrix((D[r, c], (r, c)), shape=D.shape)


def _overloaded():
    """Rows a, b, c may go only to candidate 0 (1 per unit) or 2 (5 per unit), row d only to 1
    (1 per unit) or 2.  K = (2, 5, 10), L = (1, 1, 0), q = 1 each, no fixed costs.

    The open set {0, 1} reaches every row with capacity 7 >= 4, and its cheapest-open loads (3, 1)
    reach both minimum loads, so nothing closes without an LP; its LP is infeasible (three rows
    need candidate 0, which holds 2).  The documented rule then closes the candidate of the lowest
    load per unit of minimum load: candidate 1 (1 / 1 against 3 / 1).  Row d is left without an open
    candidate, so 2 (the only one reaching it and not closed) opens: {0, 2}, with a, b at 0
    (1 + 1) and c, d at 2 (5 + 5) = 12."""
    inf = np.inf
    D = np.array([[1.0, inf, 5.0], [1.0, inf, 5.0], [1.0, inf, 5.0], [inf, 1.0, 5.0]])
    q = np.ones(4)
    K, f, L = np.array([2.0, 5.0, 10.0]), np.zeros(3), np.array([1.0, 1.0, 0.0])
    return D, q, K, f, L


@pytest.mark.parametrize("fixed", [NONE, [], ()])
def test_repair_closes_the_lowest_load_per_unit_of_minimum_load(fixed):
    """The hand figure of :func:`_overloaded`; ``fixed`` as an empty array, list or tuple (repair
    takes any sequence of candidate numbers)."""
    D, q, K, f, L = _overloaded()
    tr = Transport(_to_sparse(D * q[:, None]), q, K, f, L)
    assert not np.isfinite(tr.evaluate(np.array([0, 1]))[0])
    S, cost = repair(np.array([0, 1]), tr, fixed, Clock(None))
    assert S.tolist() == [0, 2]
    assert cost == pytest.approx(12.0)


def test_repair_of_a_single_feasible_candidate():
    """One candidate serving two unit rows at 3 per unit, fixed cost 4: the set {0} is already
    feasible; the repair returns it with 4 + 3 + 3 = 10."""
    D = np.full((2, 1), 3.0)
    q = np.ones(2)
    tr = Transport(_to_sparse(D), q, np.array([5.0]), np.array([4.0]), np.array([1.0]))
    S, cost = repair(np.array([0]), tr, NONE, Clock(None))
    assert S.tolist() == [0] and cost == pytest.approx(10.0)


def test_repair_out_of_time_returns_no_set():
    """With no time left the repair gives ``(None, inf)`` (a pair, as facility unpacks it)."""
    D, q, K, f, L = _overloaded()
    tr = Transport(_to_sparse(D * q[:, None]), q, K, f, L)
    out = repair(np.array([0, 1]), tr, NONE, Clock(0.0))
    assert isinstance(out, tuple) and out[0] is None and out[1] == np.inf


def test_screen_closes_the_candidate_below_its_minimum_load_without_an_lp():
    """Three unit rows may go to candidate 0 (2 per unit) or 1 (1 per unit); each needs 2 of them;
    column 2 (fixed, 9 per unit, no limit) takes any row.  The cheapest-open assignment sends all
    three to 1, so 0 (load 0 < 2) closes before any LP, and the one LP, of {1, 2}, is feasible:
    3 x 1 = 3."""
    D = np.array([[2.0, 1.0, 9.0], [2.0, 1.0, 9.0], [2.0, 1.0, 9.0]])
    q, K, f, L = np.ones(3), np.array([3.0, 3.0, np.inf]), np.zeros(3), np.array([2.0, 2.0, 0.0])
    tr = Transport(_to_sparse(D * q[:, None]), q, K, f, L)
    S, cost = repair(np.array([0, 1, 2]), tr, np.array([2]), Clock(None))
    assert S.tolist() == [1, 2] and cost == pytest.approx(3.0)
    assert tr.calls == 1


def test_screen_ignores_a_row_without_demand():
    """Row 1 has no demand and no open candidate: the set {0} still serves every row with demand,
    so the screen keeps it."""
    D = np.array([[1.0, np.inf], [np.inf, 1.0]])
    q = np.array([3.0, 0.0])
    tr = Transport(_to_sparse(D), q, np.array([5.0, 5.0]), np.zeros(2), None)
    assert screen(np.array([0]), tr, NONE).tolist() == [0]


def test_screen_gives_up_on_a_row_of_half_a_tonne_left_without_a_candidate():
    """Row 1 (0.5 t) may go only to candidate 1, which the repair closed before (banned): no
    step applies and the row stays unserved, so the screen answers ``None``."""
    D = np.array([[1.0, np.inf], [np.inf, 1.0]])
    q = np.array([3.0, 0.5])
    tr = Transport(_to_sparse(D * q[:, None]), q, np.array([5.0, 5.0]), np.zeros(2), None)
    assert screen(np.array([0]), tr, NONE, np.array([False, True])) is None
    assert screen(np.array([0]), tr, NONE).tolist() == [0, 1]


def test_pairs_sorts_the_rows_of_each_candidate():
    """A column-major matrix whose row numbers are stored out of order (scipy keeps them so until
    asked): the pairs of each candidate come out with ascending rows, each with its own value."""
    indptr = np.array([0, 3, 5])
    indices = np.array([2, 0, 1, 3, 1])              # candidate 0: rows 2, 0, 1; candidate 1: rows 3, 1
    data = np.array([20.0, 0.5, 10.0, 31.0, 11.0])   # value = 10 x row + candidate (0.5 for row 0)
    Q = sp.csc_matrix((data, indices, indptr), shape=(4, 2))
    assert not Q.has_sorted_indices
    P = Pairs(Q)
    assert P.rows[P.col(0)].tolist() == [0, 1, 2] and P.val[P.col(0)].tolist() == [0.5, 10.0, 20.0]
    assert P.rows[P.col(1)].tolist() == [1, 3] and P.val[P.col(1)].tolist() == [11.0, 31.0]
    assert P.cols.tolist() == [0, 0, 0, 1, 1]


def test_pairs_of_one_candidate_no_candidate_and_a_candidate_without_rows():
    """Rows x candidates 3 x 3: candidate 0 serves rows 0 and 2, candidate 1 row 1 only, candidate
    2 no row.  The pair positions (column order: 0, 1 for candidate 0, 2 for candidate 1) of one
    candidate, of none and of the one without rows, each usable as an index."""
    D = np.array([[4.0, np.inf, np.inf], [np.inf, 5.0, np.inf], [6.0, np.inf, np.inf]])
    P = Pairs(_to_sparse(D))
    assert P.of(np.array([0])).tolist() == [0, 1]
    assert P.of(np.array([1])).tolist() == [2]
    assert P.of(np.array([1, 0])).tolist() == [2, 0, 1]
    for S in (NONE, np.array([2])):
        at = P.of(S)
        assert at.shape == (0,) and P.rows[at].tolist() == []
    assert P.row_min(np.array([1])).tolist() == [np.inf, 5.0, np.inf]


def test_repair_gives_up_without_opening_a_candidate_that_relieves_nobody():
    """Rows a, b, c (1 t each) may go only to candidate 0 (holds 2); row d to 1 or 2.  The LP of
    {0, 1} is infeasible and no closed candidate reaches an overloaded row: candidate 2 (reaching
    only d) does not help, so the repair stops after that one LP with ``(None, inf)``."""
    inf = np.inf
    D = np.array([[1.0, inf, inf], [1.0, inf, inf], [1.0, inf, inf], [inf, 1.0, 2.0]])
    q = np.ones(4)
    tr = Transport(_to_sparse(D), q, np.array([2.0, 5.0, 5.0]), np.zeros(3), None)
    S, cost = repair(np.array([0, 1]), tr, NONE, Clock(None))
    assert S is None and cost == np.inf
    assert tr.calls == 1


def test_local_search_reports_its_first_round_at_zero():
    """Two unit rows, candidate 0 at 1 per unit and 1 at 3 per unit, fixed cost 1 each: {0} costs
    1 + 1 + 1 = 3 and no drop (nothing open), add (4) or swap (7) improves, so the search reports
    one round: fraction 1 - 0.5^0 = 0, "round 1", the cost 3."""
    D = np.array([[1.0, 3.0], [1.0, 3.0]])
    q = np.ones(2)
    tr = Transport(_to_sparse(D), q, np.array([5.0, 5.0]), np.ones(2), None)
    seen = []
    checks = []

    def check():                      # a round without an improving move is the last one
        checks.append(1)
        if len(checks) > 3:
            raise RuntimeError("local search did not stop after a round without a move")

    S, cost = local_search(np.array([0]), 3.0, tr, NONE, None, Clock(None), check=check,
                           report=lambda frac, msg: seen.append((frac, msg)))
    assert S.tolist() == [0] and cost == pytest.approx(3.0)
    assert seen == [(0.0, "facility location: local search round 1, cost 3")]
    assert len(checks) == 1


def test_row_minimum_of_given_values_and_the_capacity_free_bound_of_one_candidate():
    """Rows x candidates 2 x 2, all pairs allowed, values (q c) ((4, 6), (7, 2)), fixed costs
    (10, 20).  Per-pair values given instead (column order: 1, 2 for candidate 0; 3, 4 for 1):
    row minima over both candidates (1, 2).  The capacity-free bound of {0} alone is 10 + 4 + 7 = 21,
    of {1} 20 + 6 + 2 = 28, of {0, 1} 30 + 4 + 2 = 36; of no candidate inf."""
    Q = sp.csr_matrix(np.array([[4.0, 6.0], [7.0, 2.0]]))
    P = Pairs(Q)
    assert P.row_min(np.array([0, 1]), np.array([1.0, 2.0, 3.0, 4.0])).tolist() == [1.0, 2.0]
    assert P.row_min(np.array([1]), np.array([1.0, 2.0, 3.0, 4.0])).tolist() == [3.0, 4.0]
    tr = Transport(Q, np.ones(2), np.array([5.0, 5.0]), np.array([10.0, 20.0]), None)
    assert tr.relaxed(np.array([0])) == pytest.approx(21.0)
    assert tr.relaxed(np.array([1])) == pytest.approx(28.0)
    assert tr.relaxed(np.array([0, 1])) == pytest.approx(36.0)
    assert tr.relaxed(NONE) == np.inf


def test_local_search_progress_over_three_rounds():
    """The model of the test above from {1} (1 + 3 + 3 = 7): round 1 adds 0 (2 + 1 + 1 = 4), round 2
    drops 1 (1 + 1 + 1 = 3), round 3 finds no move.  Fractions 1 - 0.5^r: 0, 0.5, 0.75."""
    D = np.array([[1.0, 3.0], [1.0, 3.0]])
    tr = Transport(_to_sparse(D), np.ones(2), np.array([5.0, 5.0]), np.ones(2), None)
    seen = []
    S, cost = local_search(np.array([1]), 7.0, tr, NONE, None, Clock(None),
                           report=lambda frac, msg: seen.append((frac, msg)))
    assert S.tolist() == [0] and cost == pytest.approx(3.0)
    assert seen == [(0.0, "facility location: local search round 1, cost 7"),
                    (0.5, "facility location: local search round 2, cost 4"),
                    (0.75, "facility location: local search round 3, cost 3")]


def test_transport_caches_each_set_and_remembers_the_infeasible_ones():
    """Two unit rows, candidate 0 holds 1, candidate 1 holds 5 (1 and 2 per unit, no fixed cost):
    {0} is infeasible (2 t > 1 t), {1} costs 4, {0, 1} costs 1 + 2 = 3.  Each set's LP is solved once;
    only the infeasible set is remembered for the repair."""
    D = np.array([[1.0, 2.0], [1.0, 2.0]])
    tr = Transport(_to_sparse(D), np.ones(2), np.array([1.0, 5.0]), np.zeros(2), None)
    assert tr.evaluate(np.array([1]))[0] == pytest.approx(4.0)
    assert tr.evaluate(np.array([0, 1]))[0] == pytest.approx(3.0)
    assert tr.failed == []
    assert tr.evaluate(np.array([0]))[0] == np.inf
    assert tr.evaluate([1])[0] == pytest.approx(4.0)
    assert tr.evaluate(np.array([1, 0]))[0] == pytest.approx(3.0)
    assert tr.calls == 3
    assert [S.tolist() for S in tr.failed] == [[0]]


def test_transport_remembers_the_eight_latest_infeasible_sets():
    """Ten candidates holding 1 t each, two rows of 1 t: every single candidate is infeasible.
    After all ten, the eight latest ({2} ... {9}) are remembered."""
    D = np.ones((2, 10))
    tr = Transport(_to_sparse(D), np.ones(2), np.ones(10), np.zeros(10), None)
    for j in range(10):
        assert tr.evaluate(np.array([j]))[0] == np.inf
    assert [S.tolist() for S in tr.failed] == [[j] for j in range(2, 10)]
