"""AHP weights against published textbook matrices and exact consistent matrices."""

from __future__ import annotations

import numpy as np
import pytest

from arealsirk.errors import InputError
from arealsirk.scoring import SAATY_RANDOM_INDEX, ahp_weights, normalise_weights

# Saaty (1990), "How to make a decision: The Analytic Hierarchy Process", European Journal of
# Operational Research 48:9-26, Table 2: the family choosing a house, 8 criteria
# (size, transport, neighbourhood, age, yard, modern facilities, general condition, financing).
# Published there: lambda_max = 9.669, CI = 0.238, CR = 0.169.
HOUSE = [
    [1, 5, 3, 7, 6, 6, 1 / 3, 1 / 4],
    [1 / 5, 1, 1 / 3, 5, 3, 3, 1 / 5, 1 / 7],
    [1 / 3, 3, 1, 6, 3, 4, 6, 1 / 5],
    [1 / 7, 1 / 5, 1 / 6, 1, 1 / 3, 1 / 4, 1 / 7, 1 / 8],
    [1 / 6, 1 / 3, 1 / 3, 3, 1, 1 / 2, 1 / 5, 1 / 6],
    [1 / 6, 1 / 3, 1 / 4, 4, 2, 1, 1 / 5, 1 / 6],
    [3, 5, 1 / 6, 7, 5, 5, 1, 1 / 2],
    [4, 7, 5, 8, 6, 6, 2, 1],
]

# Saaty (1977), "A scaling method for priorities in hierarchical structures", J. Math. Psychol.
# 15:234-281, and Saaty (1980), The Analytic Hierarchy Process, section 2.2: relative brightness of
# four chairs at increasing distance from a light source.  Published eigenvector
# (0.61, 0.24, 0.10, 0.05), lambda_max = 4.39.
CHAIRS = [
    [1, 5, 6, 7],
    [1 / 5, 1, 4, 6],
    [1 / 6, 1 / 4, 1, 4],
    [1 / 7, 1 / 6, 1 / 4, 1],
]


def test_house_matrix_published_lambda_ci_cr():
    r = ahp_weights(HOUSE)
    assert r.lambda_max == pytest.approx(9.669, abs=5e-4)
    assert r.consistency_index == pytest.approx(0.238, abs=5e-4)
    assert r.consistency_ratio == pytest.approx(0.169, abs=5e-4)
    assert not r.consistent
    # priority vector of the table (3 decimals): size .173, transport .054, neighbourhood .188,
    # age .018, yard .031, modern facilities .036, general condition .167, financing .333
    np.testing.assert_allclose(r.weights, [0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333],
                               atol=6e-4)
    assert r.weights.sum() == pytest.approx(1.0)
    # financing is the most important criterion, age of the house the least
    assert int(np.argmax(r.weights)) == 7 and int(np.argmin(r.weights)) == 3


def test_chairs_matrix_published_weights():
    r = ahp_weights(CHAIRS)
    np.testing.assert_allclose(r.weights, [0.61, 0.24, 0.10, 0.05], atol=0.01)
    assert r.lambda_max == pytest.approx(4.39, abs=0.005)
    assert r.consistency_ratio == pytest.approx((r.lambda_max - 4) / 3 / 0.90)


def test_consistent_matrix_recovers_weights_exactly():
    w = np.array([0.4, 0.3, 0.2, 0.07, 0.03])
    a = w[:, None] / w[None, :]
    r = ahp_weights(a, names=list("abcde"))
    np.testing.assert_allclose(r.weights, w, rtol=1e-10)
    assert r.lambda_max == pytest.approx(5.0, abs=1e-9)
    assert r.consistency_ratio == pytest.approx(0.0, abs=1e-9)
    assert r.as_dict()["a"] == pytest.approx(0.4)


def test_two_by_two_and_random_index_table():
    r = ahp_weights([[1, 3], [1 / 3, 1]])
    np.testing.assert_allclose(r.weights, [0.75, 0.25])
    assert r.consistency_ratio == 0.0
    assert SAATY_RANDOM_INDEX[3] == 0.58 and SAATY_RANDOM_INDEX[10] == 1.49


def test_inconsistent_can_be_an_error():
    with pytest.raises(InputError, match=r"consistency ratio 0\.169"):
        ahp_weights(HOUSE, max_cr=0.1)


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([[1, 3], [3, 1]], "not reciprocal"),
        ([[1, 2, 3], [1 / 2, 1, 4], [1 / 3, 1 / 2, 1]], r"not reciprocal: entry \(2, 3\)"),
        ([[2, 1], [1, 1]], "diagonal"),
        ([[1, -2], [-0.5, 1]], "positive"),
        ([[1, 2, 3], [0.5, 1, 2]], "square"),
        ([["a", 1], [1, 1]], "numbers"),
    ],
)
def test_bad_matrices(matrix, message):
    with pytest.raises(InputError, match=message):
        ahp_weights(matrix)


def test_direct_weights_validated_and_normalised():
    assert normalise_weights({"a": 2, "b": 6}, ["a", "b"]) == {"a": 0.25, "b": 0.75}
    assert normalise_weights([1, 1, 2], ["a", "b", "c"])["c"] == 0.5
    with pytest.raises(InputError, match="sum to a positive number"):
        normalise_weights({"a": 0, "b": 0}, ["a", "b"])
    with pytest.raises(InputError, match=">= 0"):
        normalise_weights({"a": -1, "b": 2}, ["a", "b"])
    with pytest.raises(InputError, match="no weight given"):
        normalise_weights({"a": 1}, ["a", "b"])
    with pytest.raises(InputError, match="unknown criteria"):
        normalise_weights({"a": 1, "b": 1, "z": 1}, ["a", "b"])
