"""AHP weights, consistency and the value transforms of ``suitability/maths.py`` by hand (issue 16).

Mutation testing (docs/mutation.md): the weights formula.  Expected values come from hand figures
(2 x 2 and consistent matrices whose weights are known), from a second computation of the principal
eigenvalue (power iteration, not ``numpy.linalg.eig``) and from Saaty's random index table as
published (Saaty 1980, table 1.7; Saaty 1994 for n = 11..15).
"""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd
import pytest

from arealsirk.errors import InputError
from arealsirk.suitability.maths import (
    Categories,
    Linear,
    RasterCriterion,
    Sigmoid,
    Threshold,
    ahp_weights,
    score_values,
)

CYCLIC = [[1.0, 3.0, 0.5], [1 / 3, 1.0, 4.0], [2.0, 0.25, 1.0]]  # i > j > k > i: inconsistent


def _power(a: np.ndarray, steps: int = 500) -> tuple[float, np.ndarray]:
    """Principal eigenvalue and eigenvector of a positive matrix by power iteration (second method)."""
    w = np.ones(a.shape[0]) / a.shape[0]
    for _ in range(steps):
        w = a @ w
        w = w / w.sum()
    return float((a @ w / w).mean()), w


def _consistent(w: list[float]) -> np.ndarray:
    v = np.asarray(w, dtype=float)
    return v[:, None] / v[None, :]


def test_one_and_two_criteria_by_hand() -> None:
    r = ahp_weights([[1.0]])
    assert r.weights.tolist() == [1.0] and r.lambda_max == 1.0 and r.consistency_ratio == 0.0
    # "a is 3 times as important as b": 3/4 and 1/4
    r = ahp_weights([[1.0, 3.0], [1 / 3, 1.0]], names=["a", "b"])
    np.testing.assert_allclose(r.weights, [0.75, 0.25])
    assert (r.consistency_ratio, r.consistency_index, r.lambda_max) == (0.0, 0.0, 2.0)
    assert r.names == ("a", "b") and r.as_dict() == {"a": 0.75, "b": 0.25}
    assert ahp_weights([[1.0, 3.0], [1 / 3, 1.0]]).names is None


def test_consistent_three_by_three_recovers_the_weights() -> None:
    r = ahp_weights(_consistent([0.6, 0.3, 0.1]))
    np.testing.assert_allclose(r.weights, [0.6, 0.3, 0.1], rtol=1e-9)
    assert r.lambda_max == pytest.approx(3.0)
    assert r.consistency_index == pytest.approx(0.0, abs=1e-9)
    assert r.consistency_ratio == pytest.approx(0.0, abs=1e-9) and r.consistent


def test_inconsistent_matrix_by_power_iteration(caplog) -> None:
    lam, w = _power(np.array(CYCLIC))
    ci = (lam - 3) / 2
    with caplog.at_level(logging.WARNING, logger="arealsirk"):
        r = ahp_weights(CYCLIC)
    np.testing.assert_allclose(r.weights, w, rtol=1e-6)
    assert r.lambda_max == pytest.approx(lam, rel=1e-9)
    assert r.consistency_index == pytest.approx(ci, rel=1e-6)
    assert r.consistency_ratio == pytest.approx(ci / 0.58, rel=1e-6)  # RI(3) = 0.58
    assert not r.consistent
    assert 0.1 < r.consistency_ratio < 1.1
    assert [rec.getMessage() for rec in caplog.records] == [
        f"AHP consistency ratio {r.consistency_ratio:.3f} is above 0.1; the pairwise judgements are "
        "inconsistent"
    ]
    # max_cr: equal to the ratio is accepted, below it refused with the figures
    assert ahp_weights(CYCLIC, max_cr=r.consistency_ratio).consistency_ratio == r.consistency_ratio
    with pytest.raises(InputError) as err:
        ahp_weights(CYCLIC, max_cr=0.1)
    assert str(err.value) == (
        f"AHP matrix is too inconsistent: consistency ratio {r.consistency_ratio:.3f} > 0.1 "
        f"(lambda_max {lam:.3f}, CI {ci:.3f}); revise the pairwise judgements"
    )


def test_a_consistent_matrix_logs_nothing(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="arealsirk"):
        ahp_weights(_consistent([0.5, 0.3, 0.2]))
    assert caplog.records == []


def test_beyond_fifteen_criteria_uses_ri_15(caplog) -> None:
    rng = np.random.default_rng(0)
    a = _consistent(list(rng.uniform(1, 9, size=16)))
    a[0, 1] *= 2.0  # a little inconsistency, kept reciprocal
    a[1, 0] = 1 / a[0, 1]
    lam, _ = _power(a)
    with caplog.at_level(logging.WARNING, logger="arealsirk"):
        r = ahp_weights(a)
    assert r.consistency_ratio == pytest.approx((lam - 16) / 15 / 1.59, rel=1e-6)  # RI(15) = 1.59
    assert caplog.records[0].getMessage() == (
        "AHP with 16 criteria: Saaty's random index is tabulated to n = 15; using RI = 1.59"
    )


def test_dataframe_supplies_the_names() -> None:
    df = pd.DataFrame([[1.0, 4.0], [0.25, 1.0]], index=["rail", "road"], columns=["rail", "road"])
    r = ahp_weights(df)
    assert r.names == ("rail", "road") and r.as_dict() == pytest.approx({"rail": 0.8, "road": 0.2})
    r = ahp_weights(df, names=["x", "y"])
    assert r.names == ("x", "y") and r.weights.tolist() == pytest.approx([0.8, 0.2])


@pytest.mark.parametrize(
    ("matrix", "kw", "message"),
    [
        ([["a", 1], [1, 1]], {}, "AHP matrix must contain numbers only"),
        ([[1.0, 2.0]], {}, "AHP matrix must be square and non-empty, got shape (1, 2)"),
        (np.zeros((0, 0)), {}, "AHP matrix must be square and non-empty, got shape (0, 0)"),
        ([[1.0, 2.0], [0.5, 1.0]], {"names": ["a"]}, "AHP matrix is 2 x 2 but 1 names were given"),
        ([[1.0, 2.0, 1.0], [0.5, 1.0, 0.0], [1.0, 1.0, 1.0]], {"names": ["a", "b", "c"]},
         "AHP matrix entries must be positive numbers; entry ('b', 'c') is 0"),
        ([[1.0, 2.0, 1.0], [0.5, 1.0, -1.0], [1.0, 1.0, 1.0]], {},
         "AHP matrix entries must be positive numbers; entry (2, 3) is -1"),
        ([[1.0, 2.0], [0.5, 1.02]], {}, "AHP matrix diagonal must be 1 (a criterion is as important as "
                                        "itself); entry (2, 2) is 1.02"),
        ([[1.0, 2.0], [0.4, 1.0]], {"names": ["a", "b"]},
         "AHP matrix is not reciprocal: entry ('a', 'b') = 2 but entry ('b', 'a') = 0.4; it should be 0.5"),
        # exactly at the tolerance: the diagonal passes, the reciprocity of the diagonal does not
        ([[1.25, 1.0], [1.0, 1.0]], {"tolerance": 0.25},
         "AHP matrix is not reciprocal: entry (1, 1) = 1.25 but entry (1, 1) = 1.25; it should be 0.8"),
    ],
)
def test_bad_matrices_are_named(matrix, kw: dict, message: str) -> None:
    with pytest.raises(InputError) as err:
        ahp_weights(matrix, **kw)
    assert str(err.value) == message  # a value as a plain number (not numpy's repr np.float64(0.0))


def test_reciprocity_exactly_at_the_tolerance_is_accepted() -> None:
    r = ahp_weights([[1.0, 2.0], [0.625, 1.0]], tolerance=0.25)  # 2 x 0.625 = 1.25
    np.testing.assert_allclose(r.weights, [2 / 3, 1 / 3])


def test_as_dict_without_names() -> None:
    with pytest.raises(InputError) as err:
        ahp_weights([[1.0, 2.0], [0.5, 1.0]]).as_dict()
    assert str(err.value) == "AHP weights have no criterion names; pass names= to ahp_weights"


# --- value transforms ------------------------------------------------------------------------------------


def test_sigmoid_by_hand() -> None:
    got = Sigmoid(10.0, 2.0)(np.array([10.0, 14.0, 6.0, np.nan]))
    assert got[0] == 0.5
    assert got[1] == pytest.approx(1 / (1 + math.exp(-2)))
    assert got[2] == pytest.approx(1 / (1 + math.exp(2)))
    assert np.isnan(got[3])
    assert Sigmoid(0.0, 1.0)(np.array([-1e6]))[0] == 0.0  # no overflow error far below
    with pytest.raises(InputError, match="Sigmoid needs a finite midpoint and spread > 0"):
        Sigmoid(0.0, 0.0)
    with pytest.raises(InputError, match="Sigmoid needs a finite midpoint"):
        Sigmoid(float("nan"), 1.0)
    with pytest.raises(InputError, match="spread > 0"):
        Sigmoid(0.0, float("inf"))


def test_threshold_by_hand() -> None:
    got = Threshold(5.0)(np.array([4.0, 5.0, 6.0, np.nan]))
    np.testing.assert_array_equal(got[:3], [0.0, 0.0, 1.0])
    assert np.isnan(got[3])
    low = score_values([4.0, 5.0, 6.0], Threshold(5.0), better="low")
    np.testing.assert_array_equal(low, [1.0, 1.0, 0.0])


def test_categories_by_hand() -> None:
    cat = Categories({1: 0.5, 2: 1.0}, other=0.1)
    np.testing.assert_allclose(cat(np.array([1, 2, 3])), [0.5, 1.0, 0.1])
    got = cat(np.array([1.0, np.nan, 7.0]))
    assert got[0] == 0.5 and np.isnan(got[1]) and got[2] == pytest.approx(0.1)
    assert Categories({1: 0.5})(np.array([3]))[0] == 0.0  # other defaults to 0
    # direction is ignored for categories
    np.testing.assert_allclose(score_values([1, 2], cat, better="low"), [0.5, 1.0])
    with pytest.raises(InputError, match=r"category score for 1 must be in \[0, 1\], got 1.5"):
        Categories({1: 1.5})
    with pytest.raises(InputError, match=r"category score for 'other' must be in \[0, 1\], got -0.1"):
        Categories({1: 0.5}, other=-0.1)
    assert Categories({1: 0.0, 2: 1.0}, other=1.0).other == 1.0  # the bounds are allowed
    assert hash(Categories({1: 0.5, 2: 1.0})) == hash(Categories({2: 1.0, 1: 0.5}))
    assert hash(Categories({1: 0.5})) != hash(Categories({1: 0.6}))


def test_linear_fixed_freezes_the_data_bounds() -> None:
    frozen = Linear().fixed(np.array([2.0, 4.0, np.nan]))
    assert frozen == Linear(2.0, 4.0)
    np.testing.assert_allclose(frozen(np.array([3.0, 5.0, 1.0])), [0.5, 1.0, 0.0])
    assert Linear(1.0, None).fixed(np.array([0.0, 3.0])) == Linear(1.0, 3.0)


def test_raster_criterion_checks_its_direction() -> None:
    assert RasterCriterion("slope", "slope.tif", better="near").better == "near"
    with pytest.raises(InputError, match="better must be 'near'/'low'"):
        RasterCriterion("slope", "slope.tif", better="sideways")


def test_transforms_warn_about_nothing_and_take_object_arrays() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Sigmoid(0.0, 1.0)(np.array([-1e6]))[0] == 0.0  # exp overflows quietly to 0
        assert Sigmoid(0.0, 1.0)(np.array([np.inf, -np.inf])).tolist() == [1.0, 0.0]
    got = Sigmoid(0.0, 1.0)(np.array([0, 1], dtype=object))
    np.testing.assert_allclose(got, [0.5, 1 / (1 + math.exp(-1))])
    np.testing.assert_array_equal(Threshold(1.0)(np.array([0, 2], dtype=object)), [0.0, 1.0])


def test_normalise_weights_by_hand() -> None:
    from arealsirk.suitability.maths import normalise_weights

    assert normalise_weights(None, ["a", "b", "c", "d"]) == {"a": 0.25, "b": 0.25, "c": 0.25, "d": 0.25}
    unnamed = ahp_weights([[1.0, 3.0], [1 / 3, 1.0]])
    assert normalise_weights(unnamed, ["x", "y"]) == pytest.approx({"x": 0.75, "y": 0.25})
    named = ahp_weights([[1.0, 3.0], [1 / 3, 1.0]], names=["y", "x"])
    assert normalise_weights(named, ["x", "y"]) == pytest.approx({"x": 0.25, "y": 0.75})
    assert normalise_weights([1, 3], ["x", "y"]) == {"x": 0.25, "y": 0.75}
    with pytest.raises(InputError) as err:
        normalise_weights([1, 2], ["a", "b", "c"])
    assert str(err.value) == "2 weights given for 3 criteria ['a', 'b', 'c']"
    with pytest.raises(InputError) as err:
        normalise_weights({"a": "x"}, ["a"])
    assert str(err.value) == "weight of criterion 'a' must be a number, got 'x'"


def test_linear_without_spread_or_values() -> None:
    assert Linear().bounds(np.array([np.nan])) == (0.0, 0.0)
    got = Linear()(np.array([3.0, 3.0, np.nan]))
    assert got[:2].tolist() == [1.0, 1.0] and np.isnan(got[2])
    assert Linear(None, 5.0).bounds(np.array([np.nan])) == (0.0, 5.0)
    assert Linear(-5.0, None).bounds(np.array([np.nan])) == (-5.0, 0.0)


@pytest.mark.parametrize(("low", "high"), [(0.0, float("inf")), (5.0, 5.0), (5.0, 4.0), (float("nan"), 1.0)])
def test_fuzzy_linear_needs_finite_increasing_bounds(low: float, high: float) -> None:
    from arealsirk.suitability.maths import FuzzyLinear

    with pytest.raises(InputError, match="FuzzyLinear needs finite low < high"):
        FuzzyLinear(low, high)


def test_score_values_by_hand() -> None:
    # default: Linear min-max, high is good
    np.testing.assert_allclose(score_values([1, 2, 3]), [0.0, 0.5, 1.0])
    np.testing.assert_allclose(score_values(["1", "3"]), [0.0, 1.0])  # numbers written as text
    np.testing.assert_allclose(score_values([1.0, 3.0], better="near"), [1.0, 0.0])
    # no spread: every value fully good whatever the direction
    np.testing.assert_allclose(score_values([2.0, 2.0], better="low"), [1.0, 1.0])
    # categories keep their codes as given (text classes too)
    np.testing.assert_allclose(score_values(np.array(["skog", "myr"]), Categories({"skog": 0.8})), [0.8, 0.0])
    assert score_values([1, 2], Categories({1: 0.5})).dtype == np.float64

