"""Mutation run 10 (docs/mutation.md): the exact grouping of facility-location rows with equal pairs.

``_equal_pair_rows`` encodes each (candidate, cost) pair of a row as one integer key; two rows are
one group exactly when they hold the same pairs.  Checked against grouping by brute force (each row
as a tuple of its pairs) on matrices with few columns and few distinct costs, where a key encoding
that is not one-to-one (``candidate / V + rank`` instead of ``candidate * V + rank``) merges rows that
differ.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from arealsirk.locate.facility import _equal_pair_rows


def _by_brute_force(A: sp.csr_matrix) -> dict[int, int]:
    """Row -> the first row with the same (column, value) pairs."""
    first_of: dict[tuple, int] = {}
    out = {}
    for i in range(A.shape[0]):
        lo, hi = A.indptr[i], A.indptr[i + 1]
        key = tuple(sorted(zip(A.indices[lo:hi].tolist(), A.data[lo:hi].tolist(), strict=True)))
        out[i] = first_of.setdefault(key, i)
    return out


def _check(A: sp.csr_matrix) -> None:
    A = A.tocsr()
    A.sort_indices()
    group, first = _equal_pair_rows(A)
    want = _by_brute_force(A)
    assert sorted(first.tolist()) == sorted(set(want.values()))
    assert [int(first[group[i]]) for i in range(A.shape[0])] == [want[i] for i in range(A.shape[0])]


def test_rows_that_differ_only_where_a_division_key_would_collide():
    """V = 2 distinct costs: (candidate 2, cost 1) and (candidate 0, cost 5) give the same key under
    ``candidate / 2 + rank`` (1 + 0 = 0 + 1), but they are different rows."""
    A = sp.csr_matrix(np.array([[0.0, 0.0, 1.0], [5.0, 0.0, 0.0], [0.0, 0.0, 1.0], [5.0, 0.0, 0.0]]))
    _check(A)
    group, _first = _equal_pair_rows(A.tocsr())
    assert group[0] == group[2] != group[1] == group[3]


@pytest.mark.parametrize("seed", range(4))
def test_groups_equal_brute_force_on_random_rows(seed):
    rng = np.random.default_rng(seed)
    n, m = 300, 5
    dense = np.where(rng.random((n, m)) < 0.4, rng.choice([1.0, 2.0, 3.5], (n, m)), 0.0)
    dense[rng.integers(0, n, 5)] = 0.0  # a few rows without any pair form one group
    _check(sp.csr_matrix(dense))


def test_a_matrix_without_any_pair_is_one_group():
    A = sp.csr_matrix((4, 3))
    group, first = _equal_pair_rows(A)
    assert group.tolist() == [0, 0, 0, 0]
    assert first.tolist() == [0]
    _check(A)
