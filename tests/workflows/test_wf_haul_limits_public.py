"""``arealsirk.workflows.haul_limits``: the haul limit of each source as the feedstock workflows apply
it, public for the siting game.  Expected values are read from ``defaults.csv`` with the csv module
(not through the code under test)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

import arealsirk
from arealsirk.errors import InputError
from arealsirk.workflows import haul_limits
from arealsirk.workflows.biogas import BIOGAS

TABLE = Path(arealsirk.__file__).parent / "defaults.csv"


def _row(key: str) -> float:
    with TABLE.open(encoding="utf-8") as fh:
        return next(float(r["value"]) for r in csv.DictReader(fh) if r["key"] == key)


def test_per_kind_rows_and_the_general_row():
    kinds = np.array(["cattle_manure", "food_waste", "cattle_manure", "no_such_kind"])
    lim, listed, text = haul_limits(BIOGAS, kinds, None, {})
    cattle, food, general = (_row("biogas.max_km.cattle_manure"), _row("biogas.max_km.food_waste"),
                             _row("biogas.max_km"))
    assert lim.tolist() == [cattle, food, cattle, general]
    assert listed == [("cattle_manure", cattle, "biogas.max_km.cattle_manure"),
                      ("food_waste", food, "biogas.max_km.food_waste"),
                      ("no_such_kind", general, "biogas.max_km")]
    assert text == (f"cattle_manure {cattle:g} km (biogas.max_km.cattle_manure); "
                    f"food_waste {food:g} km (biogas.max_km.food_waste); "
                    f"no_such_kind {general:g} km (biogas.max_km)")


def test_one_limit_and_overrides():
    kinds = np.array(["cattle_manure", "food_waste"])
    lim, listed, text = haul_limits(BIOGAS, kinds, 25, {})
    assert lim.tolist() == [25.0, 25.0] and listed == [("", 25.0, "max_km")] and text == "max_km = 25 km"
    lim, _, _ = haul_limits(BIOGAS, kinds, None, {"biogas.max_km.food_waste": 60})
    assert lim.tolist() == [_row("biogas.max_km.cattle_manure"), 60.0]
    with pytest.raises(InputError, match="max_km"):
        haul_limits(BIOGAS, kinds, 0, {})
