"""compare_scenarios on hand-made results: rows, columns, labels, units, gaps and the messages.

Every expected word below is written out here (the catalogue's English and bokmål labels and units),
not read from the tables the function uses, so a swapped language, a lost default or a renamed column
fails.
"""

from __future__ import annotations

import math

import pytest

from arealsirk.errors import InputError
from arealsirk.workflows import WorkflowResult, compare_scenarios


def _two() -> dict[str, WorkflowResult]:
    a = WorkflowResult(
        summary={"workflow": "biogas", "sites": 2, "methane_nm3": 1.5e6, "balance_headline": ["x", "y"]},
        status="optimal",
    )
    b = WorkflowResult(
        summary={"workflow": "biogas", "sites": 3, "tonne_km": 420.0, "my_own_figure": 7},
        status="feasible",
    )
    return {"to": a, "tre": b}


def test_rows_in_first_seen_order_and_columns_in_scenario_order():
    t = compare_scenarios(_two())
    # keys of the first result, then the new keys of the second; lists (the headline) left out
    assert list(t.index) == ["workflow", "sites", "methane_nm3", "tonne_km", "my_own_figure", "status"]
    assert list(t.columns) == ["label", "unit", "to", "tre"]
    assert t.index.name == "key"


def test_values_and_missing_figures():
    t = compare_scenarios(_two())
    assert t.loc["sites", "to"] == 2 and t.loc["sites", "tre"] == 3
    assert t.loc["methane_nm3", "to"] == 1.5e6
    assert math.isnan(t.loc["methane_nm3", "tre"])     # the second scenario has no methane
    assert math.isnan(t.loc["tonne_km", "to"])
    assert t.loc["tonne_km", "tre"] == 420.0
    assert t.loc["my_own_figure", "tre"] == 7


def test_status_row():
    t = compare_scenarios(_two())
    assert t.loc["status", "to"] == "optimal" and t.loc["status", "tre"] == "feasible"
    assert t.loc["status", "label"] == "Status" and t.loc["status", "unit"] == ""


def test_english_labels_and_units():
    t = compare_scenarios(_two())
    assert t.loc["sites", "label"] == "Sites selected" and t.loc["sites", "unit"] == ""
    assert t.loc["methane_nm3", "label"] == "Methane" and t.loc["methane_nm3", "unit"] == "Nm3/yr"
    assert t.loc["tonne_km", "label"] == "Transport work" and t.loc["tonne_km", "unit"] == "tonne-km/yr"
    # a figure without a catalogue entry: its key as the label, no unit
    assert t.loc["my_own_figure", "label"] == "my_own_figure" and t.loc["my_own_figure", "unit"] == ""


def test_bokmal_labels_and_units():
    t = compare_scenarios(_two(), lang="nb")
    assert t.loc["sites", "label"] == "Valgte lokaliteter"
    assert t.loc["methane_nm3", "label"] == "Metan" and t.loc["methane_nm3", "unit"] == "Nm³/år"
    assert t.loc["tonne_km", "label"] == "Transportarbeid" and t.loc["tonne_km", "unit"] == "tonn-km/år"
    assert t.loc["my_own_figure", "label"] == "my_own_figure" and t.loc["my_own_figure", "unit"] == ""
    assert t.loc["status", "label"] == "Status"


@pytest.mark.parametrize("lang", ["NB", "de", ""])
def test_any_other_language_gives_english(lang):
    t = compare_scenarios(_two(), lang=lang)
    assert t.loc["methane_nm3", "label"] == "Methane" and t.loc["methane_nm3", "unit"] == "Nm3/yr"


@pytest.mark.parametrize("bad", [{}, [], None, [WorkflowResult()]])
def test_not_a_non_empty_mapping(bad):
    with pytest.raises(InputError) as e:
        compare_scenarios(bad)
    assert str(e.value) == "compare_scenarios needs a non-empty mapping {scenario name: WorkflowResult}"


def test_a_value_that_is_not_a_result_is_named():
    with pytest.raises(InputError) as e:
        compare_scenarios({"ok": WorkflowResult(), "tall": 3})
    assert str(e.value) == "compare_scenarios: scenario 'tall' is a int, not a WorkflowResult"
