"""The conversion formulas of :mod:`arealsirk.resources` against hand figures (mutation testing, issue 16).

Every expected value is worked out here by hand from the rows of ``arealsirk/defaults.csv``
(quoted in the comments with their sources) or from a second formula, never read back from the
code under test.  These tests kill the formula mutants that survived ``make mutation`` on
``resources.py`` (docs/mutation.md).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from arealsirk import resources as R  # noqa: N812 - R for resources, as in tests/workflows
from arealsirk.errors import InputError

# --- methane and energy ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "nm3_per_t"),
    [
        # resources.methane_nm3_per_t.<kind>: the table's yields (Nm3 CH4 per tonne fresh matter)
        ("cattle_manure", 11.0),  # 9 % DM x 0.80 VS/DM x B0 x 0.75 realised
        ("pig_manure", 13.0),
        ("food_waste", 95.0),  # 27 % DM, 90 % VS/DM, about 0.4 m3 CH4/kg VS
        ("sewage_sludge", 60.0),
        ("poultry_manure", 120.0),  # 55 % DM x 0.75 x 0.39 x 0.75 = 121
        ("horse_manure", 54.0),
        ("digested_sludge", 15.0),
    ],
)
def test_methane_is_tonnes_times_the_cited_yield(kind: str, nm3_per_t: float) -> None:
    assert R.methane_yield(kind) == nm3_per_t
    assert R.methane_nm3(kind, 1000.0) == pytest.approx(1000.0 * nm3_per_t, rel=1e-12)
    got = R.methane_nm3(f"  {kind.upper()} ", np.array([0.0, 2.5, 400.0]))
    np.testing.assert_allclose(got, [0.0, 2.5 * nm3_per_t, 400.0 * nm3_per_t], rtol=1e-12)


def test_methane_yield_override_and_new_kind() -> None:
    params = {"resources.methane_nm3_per_t.food_waste": 100.0,
              "resources.methane_nm3_per_t.fish_silage": 70.0}
    assert R.methane_nm3("food_waste", 50.0, params) == pytest.approx(5000.0)
    assert R.has_methane_yield("fish_silage", params)
    assert not R.has_methane_yield("fish_silage")
    assert R.methane_nm3("Fish_Silage", 10.0, params) == pytest.approx(700.0)
    with pytest.raises(InputError, match="'fish_silage' has no methane yield") as err:
        R.methane_yield("fish_silage")
    # the message lists the kinds that have a yield and the key to add one
    assert "food_waste" in str(err.value) and "resources.methane_nm3_per_t.fish_silage" in str(err.value)


def test_energy_of_methane_by_hand() -> None:
    # ISO 6976: 9.97 kWh per Nm3 methane (resources.kwh_per_nm3_methane); 1 GWh = 1e6 kWh
    assert R.energy_gwh_from_methane(1.0e6) == pytest.approx(9.97, rel=1e-12)
    # 1000 t food waste x 95 Nm3/t = 95 000 Nm3 x 9.97 kWh = 947 150 kWh = 0.94715 GWh
    assert R.energy_gwh_from_methane(R.methane_nm3("food_waste", 1000.0)) == pytest.approx(0.94715, rel=1e-12)
    got = R.energy_gwh_from_methane(np.array([2.0e6, 5.0e5]), {"resources.kwh_per_nm3_methane": 10.0})
    np.testing.assert_allclose(got, [20.0, 5.0], rtol=1e-12)


def test_forest_residue_energy_by_hand() -> None:
    # Alakangas (2005) VTT: forest chips 2.4 MWh/t as received; 1 GWh = 1000 MWh
    assert R.forest_residue_gwh(1000.0) == pytest.approx(2.4, rel=1e-12)
    assert R.forest_residue_gwh(250.0, {"resources.forest_residue_mwh_per_t": 3.0}) == pytest.approx(0.75)


# --- transport: CO2, payloads, trips ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "kg_per_tkm"),
    [
        ("cattle_manure", 0.075),  # slurry tanker
        ("pig_manure", 0.075),  # slurry tanker
        ("food_waste", 0.25),  # compactor
        ("textiles", 0.16),  # box truck
        ("forest_residue", 0.075),  # timber truck
        ("wood_chips", 0.075),  # timber truck
        ("sewage_sludge", 0.09),  # no class of its own: the general heavy-truck factor
        ("poultry_manure", 0.09),
        (None, 0.09),
    ],
)
def test_co2_factor_of_each_vehicle_class(kind: str | None, kg_per_tkm: float) -> None:
    assert R.co2_kg_per_tkm(kind) == kg_per_tkm
    # 2000 tonne-km x factor kg / 1000 = tonnes CO2
    assert R.transport_co2_t(2000.0, kind=kind) == pytest.approx(2.0 * kg_per_tkm, rel=1e-12)


def test_co2_per_element_kinds_and_overrides() -> None:
    params = {"resources.co2_kg_per_tkm.compactor": 0.3, "resources.co2_kg_per_tkm": 0.1}
    got = R.transport_co2_t(
        np.array([1000.0, 3000.0, 500.0]), params, kind=np.array([" Food_Waste", "ash", "textiles"])
    )
    # 1000 x 0.3 / 1000; 3000 x 0.1 (general, overridden) / 1000; 500 x 0.16 / 1000
    np.testing.assert_allclose(got, [0.3, 0.3, 0.08], rtol=1e-12)
    assert R.transport_co2_t(1000.0, params) == pytest.approx(0.1)
    with pytest.raises(InputError, match="2 kinds for 3 tonne-km values"):
        R.transport_co2_t([1.0, 2.0, 3.0], kind=["food_waste", "textiles"])


@pytest.mark.parametrize(
    ("kind", "payload", "tonnes", "trips"),
    [
        ("food_waste", 12.0, 100.0, 9),  # 100 / 12 = 8.33 -> 9 loads
        ("cattle_manure", 25.0, 25.0, 1),  # exactly one load
        ("cattle_manure", 25.0, 25.5, 2),
        ("textiles", 8.0, 17.0, 3),
        ("forest_residue", 30.0, 61.0, 3),
        ("sewage_sludge", 20.0, 1.0, 1),
        ("ash", 25.0, 50.0, 2),  # no payload row: resources.payload_t.default 25 t
    ],
)
def test_payload_and_trips_by_hand(kind: str, payload: float, tonnes: float, trips: int) -> None:
    assert R.payload_t(kind) == payload
    assert R.truck_trips(kind, tonnes) == trips


def test_payload_overrides() -> None:
    assert R.payload_t("ash", {"resources.payload_t.ash": 10.0}) == 10.0
    assert R.payload_t("ash", {"resources.payload_t.default": 40.0}) == 40.0
    assert R.payload_t("Food_Waste ", {"resources.payload_t.default": 40.0}) == 12.0
    np.testing.assert_array_equal(R.truck_trips("ash", np.array([0.0, 10.0, 41.0]),
                                                {"resources.payload_t.default": 20.0}), [0, 1, 3])


def _annuity_by_sum(r: float, n: int) -> float:
    """The annuity factor as 1 / (sum of the discount factors) -- a second formula."""
    return 1.0 / sum((1.0 + r) ** -t for t in range(1, n + 1))


def test_heat_pipe_cost_by_a_second_formula() -> None:
    # Mo Industripark: 13.6 MNOK for 2.1 km carrying 2.8 GWh/yr; R-109 4 %; 30 years
    a = _annuity_by_sum(0.04, 30)
    assert a == pytest.approx(0.0578301, rel=1e-6)  # table value of the 4 %, 30-year annuity
    ref = 13.6e6 / 2.1  # NOK/km of the reference pipe (6 476 190 in the table)
    assert R.heat_pipe_nok_per_gwh(2.1, 2.8) == pytest.approx(a * ref * 2.1 / 2.8, rel=1e-6)
    # four times the flow: cost x sqrt(4) = 2 (flow exponent 0.5), spread over 4 x the GWh
    assert R.heat_pipe_nok_per_gwh(3.0, 11.2) == pytest.approx(a * ref * 3.0 * 2.0 / 11.2, rel=1e-6)
    got = R.heat_pipe_nok_per_gwh(np.array([1.0, 1.0]), np.array([0.0, 0.7]))
    assert math.isinf(got[0]) and got[1] == pytest.approx(a * ref * 0.5 / 0.7, rel=1e-6)


def test_heat_pipe_cost_with_other_parameters() -> None:
    params = {
        "symbiosis.heat_pipe_discount_rate": 0.0,  # no discounting: the investment / life
        "symbiosis.heat_pipe_life_yr": 20.0,
        "symbiosis.heat_pipe_nok_per_km_ref": 1.0e6,
        "symbiosis.heat_pipe_ref_gwh": 5.0,
        "symbiosis.heat_pipe_flow_exponent": 1.0,  # cost linear in flow: per GWh independent of flow
    }
    # 1e6 NOK/km x 2 km x (10/5) / 20 yr / 10 GWh = 20 000 NOK/GWh
    assert R.heat_pipe_nok_per_gwh(2.0, 10.0, params) == pytest.approx(20_000.0, rel=1e-12)
    params["symbiosis.heat_pipe_discount_rate"] = 0.05
    params["symbiosis.heat_pipe_life_yr"] = 10.0
    a = _annuity_by_sum(0.05, 10)  # 0.129505
    assert R.heat_pipe_nok_per_gwh(2.0, 10.0, params) == pytest.approx(a * 1.0e6 * 2.0 * 2.0 / 10.0, rel=1e-9)


# --- units ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "unit", "expected", "canonical"),
    [
        (1500.0, "kg", 1.5, "t/yr"),
        (3.0, " KT / YR ", 3000.0, "t/yr"),
        (2.0, "1000t/yr", 2000.0, "t/yr"),
        (7.0, "tonn/år", 7.0, "t/yr"),
        (2.0, "TWh", 2000.0, "GWh/yr"),
        (4.0e6, "kWh/yr", 4.0, "GWh/yr"),
        (250.0, "MWh/a", 0.25, "GWh/yr"),
        (36.0, "TJ", 10.0, "GWh/yr"),  # 1 GWh = 3.6 TJ
        (12.0, "m³/år", 12.0, "m3/yr"),
        (5.0, "GWh", 5.0, "GWh/yr"),
    ],
)
def test_units_to_canonical(quantity: float, unit: str, expected: float, canonical: str) -> None:
    value, unit_out = R.to_canonical(quantity, unit)
    assert unit_out == canonical
    assert value == pytest.approx(expected, rel=1e-12)
    assert isinstance(value, float)


def test_unit_errors_name_the_context_and_kind() -> None:
    with pytest.raises(InputError, match=r"^f\.gpkg: unknown unit 'bushels' for kind 'food_waste'; use "):
        R.to_canonical(1.0, "bushels", kind="food_waste", context="f.gpkg: ")
    with pytest.raises(InputError, match="'MWh' is an energy unit but kind 'food_waste' is measured as mass"):
        R.to_canonical(1.0, "MWh", kind="food_waste")
    # a kind the module does not know takes any family
    assert R.to_canonical(2.0, "MWh", kind="biochar") == (pytest.approx(0.002), "GWh/yr")


def test_normalise_quantities_keeps_the_input_and_converts_per_row() -> None:
    df = pd.DataFrame(
        {"kind": [" Food_Waste", "heat", "food_waste"], "quantity": [2.0, 500.0, 30.0],
         "unit": ["kt", "MWh", "t"]}
    )
    out = R.normalise_quantities(df)
    assert out["kind"].tolist() == ["food_waste", "heat", "food_waste"]
    np.testing.assert_allclose(out["quantity"], [2000.0, 0.5, 30.0])
    assert out["unit"].tolist() == ["t/yr", "GWh/yr", "t/yr"]
    np.testing.assert_allclose(out["quantity_input"], [2.0, 500.0, 30.0])
    assert out["unit_input"].tolist() == ["kt", "MWh", "t"]
    assert df["quantity"].tolist() == [2.0, 500.0, 30.0]  # the input is not changed
    no_unit = R.normalise_quantities(df.drop(columns="unit"))
    assert no_unit["unit"].tolist() == ["t/yr", "GWh/yr", "t/yr"]
    np.testing.assert_allclose(no_unit["quantity"], [2.0, 500.0, 30.0])
    with pytest.raises(InputError, match=r"layer 'src'.*column 'unit'.*unknown unit 'bu'"):
        R.normalise_quantities(df.assign(unit=["t", "MWh", "bu"]), layer="src")


# --- parameters ---------------------------------------------------------------------------------------


def test_check_parameters_accepts_table_and_open_keys() -> None:
    got = R.check_parameters(
        {"resources.kwh_per_nm3_methane": "10", "resources.methane_nm3_per_t.fish": 70,
         "resources.payload_t.fish": 5, "symbiosis.value_nok_per_unit.heat": 0,
         "resources.manure_vs_kg_per_head_day.yak": 3.0}
    )
    assert got == {"resources.kwh_per_nm3_methane": 10.0, "resources.methane_nm3_per_t.fish": 70.0,
                   "resources.payload_t.fish": 5.0, "symbiosis.value_nok_per_unit.heat": 0.0,
                   "resources.manure_vs_kg_per_head_day.yak": 3.0}
    assert R.check_parameters(None) == {}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"resources.kwh_per_nm3": 10}, r"'resources.kwh_per_nm3'; known keys under 'resources.'"),
        ({"nosuch.key": 1}, r"unknown key 'nosuch.key'$"),
        ({"resources.kwh_per_nm3_methane": "ten"}, r"'resources.kwh_per_nm3_methane' must be a number, got"),
        ({"resources.kwh_per_nm3_methane": -1}, r"must be a finite number >= 0, got -1"),
        ({"resources.kwh_per_nm3_methane": float("inf")}, r"must be a finite number >= 0"),
        ({"resources.kwh_per_nm3_methane": float("nan")}, r"must be a finite number >= 0"),
        ({"symbiosis.heat_nok_per_gwh_km": 1}, r"'symbiosis.heat_nok_per_gwh_km' is no longer used; the "),
    ],
)
def test_check_parameters_refuses(params: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        R.check_parameters(params)


def test_check_parameters_refuses_a_non_mapping() -> None:
    with pytest.raises(InputError, match="got list"):
        R.check_parameters([("resources.kwh_per_nm3_methane", 10)])  # type: ignore[arg-type]


def test_parameter_prefers_the_override() -> None:
    assert R.parameter("resources.kwh_per_nm3_methane") == 9.97
    assert R.parameter("resources.kwh_per_nm3_methane", {"resources.kwh_per_nm3_methane": 0}) == 0.0
    assert R.parameter("resources.kwh_per_nm3_methane", {}) == 9.97


def test_resource_table_by_hand() -> None:
    t = R.resource_table().set_index("kind")
    assert len(t) == len(R.KINDS)
    assert t.loc["food_waste", "methane_nm3_per_t"] == 95.0
    assert t.loc["food_waste", "payload_t"] == 12.0
    assert t.loc["forest_residue", "energy_mwh_per_t"] == 2.4
    assert np.isnan(t.loc["food_waste", "energy_mwh_per_t"])
    assert np.isnan(t.loc["textiles", "methane_nm3_per_t"])
    assert np.isnan(t.loc["heat", "payload_t"]) and np.isnan(t.loc["water", "payload_t"])
    assert t.loc["ash", "payload_t"] == 25.0
    assert "ISO 6976" not in t.loc["food_waste", "yield_source"]
    assert "IPCC" in t.loc["sheep_goat_manure", "yield_source"] or "rows resources.manure_" in t.loc[
        "sheep_goat_manure", "yield_source"]
    assert t.loc["food_waste", ["label_en", "label_nb", "family", "unit"]].tolist() == [
        "food waste", "matavfall", "mass", "t/yr"]
    user = R.resource_table({"resources.methane_nm3_per_t.food_waste": 80.0}).set_index("kind")
    assert user.loc["food_waste", "methane_nm3_per_t"] == 80.0
    assert user.loc["food_waste", "yield_source"] == "user parameter"
    assert user.loc["pig_manure", "yield_source"] != "user parameter"


# --- what a mutant of the messages, dtypes and overrides changes (docs/mutation.md) ---------------------


def test_unknown_unit_message_lists_the_units() -> None:
    with pytest.raises(InputError) as err:
        R.to_canonical(1.0, "bushels")
    assert str(err.value) == (
        "unknown unit 'bushels'; use one of GWh/yr, MWh/yr, TJ/yr, kWh/yr, kg/yr, kt/yr, m3/yr, t/yr"
    )


def test_no_yield_message_lists_the_kinds_by_their_short_names() -> None:
    with pytest.raises(InputError) as err:
        R.methane_yield("textiles")
    assert str(err.value).startswith(
        "resource kind 'textiles' has no methane yield; kinds with a yield: cattle_manure, "
        "digested_sludge, food_waste, horse_manure, other_manure, pig_manure, poultry_manure, "
        "sewage_sludge, sheep_goat_manure (add one with parameters"
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda x: R.methane_nm3("food_waste", x),
        lambda x: R.energy_gwh_from_methane(x),
        lambda x: R.forest_residue_gwh(x),
        lambda x: R.transport_co2_t(x),
        lambda x: R.transport_co2_t(x, kind=["food_waste", "ash"]),
        lambda x: R.truck_trips("food_waste", x),
        lambda x: R.heat_pipe_nok_per_gwh(x, 2.8),
        lambda x: R.heat_pipe_nok_per_gwh(2.1, x),
        lambda x: R.to_canonical(x, "kt")[0],
    ],
)
def test_figures_are_floats_for_object_columns(call) -> None:
    # a column read with missing values or mixed types arrives as dtype object: the figures are floats
    got = call(pd.Series([1, 2], dtype=object))
    assert got.dtype == np.float64


def test_co2_per_element_keeps_the_shape() -> None:
    got = R.transport_co2_t(np.array([[1000.0, 2000.0], [3000.0, 4000.0]]),
                            kind=["food_waste", "textiles", "ash", "cattle_manure"])
    np.testing.assert_allclose(got, [[0.25, 0.32], [0.27, 0.3]], rtol=1e-12)


def test_zero_flow_pipe_is_infinite_without_a_warning() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = R.heat_pipe_nok_per_gwh(np.array([1.0, 0.0]), np.array([0.0, 0.0]))
        flat = R.heat_pipe_nok_per_gwh(1.0, 0.0, {"symbiosis.heat_pipe_flow_exponent": 0.0})  # 1 / 0
    assert np.isinf(got).all() and np.isinf(flat)


def test_normalise_without_units_logs_and_keeps_unknown_kinds_in_tonnes(caplog) -> None:
    df = pd.DataFrame({"kind": ["biochar", "heat"], "quantity": [3, 4]})  # integers
    with caplog.at_level("INFO", logger="arealsirk"):
        out = R.normalise_quantities(df, file="f.gpkg", layer="src")
    assert out["unit"].tolist() == ["t/yr", "GWh/yr"]
    assert out["unit_input"].tolist() == ["t/yr", "GWh/yr"]
    assert out["quantity_input"].dtype == np.float64
    assert [r.name for r in caplog.records] == ["arealsirk"]
    assert caplog.records[0].getMessage() == (
        "f.gpkg, layer 'src': no 'unit' column: quantities taken in each kind's canonical unit "
        "(t/yr for mass)"
    )


def test_normalise_checks_the_unit_family_of_each_kind() -> None:
    df = pd.DataFrame({"kind": ["food_waste"], "quantity": [1.0], "unit": ["MWh"]})
    with pytest.raises(InputError, match="'MWh' is an energy unit but kind 'food_waste' is measured as mass"):
        R.normalise_quantities(df)


def test_normalise_error_names_the_file() -> None:
    df = pd.DataFrame({"kind": ["food_waste"], "quantity": [1.0], "unit": ["bu"]})
    with pytest.raises(InputError, match=r"^f\.gpkg, layer 'src', column 'unit': unknown unit 'bu'"):
        R.normalise_quantities(df, file="f.gpkg", layer="src")


def test_resource_table_reads_every_override() -> None:
    params = {"resources.methane_nm3_per_t.textiles": 5.0, "resources.forest_residue_mwh_per_t": 3.0,
              "resources.payload_t.ash": 9.0}
    t = R.resource_table(params).set_index("kind")
    assert t.loc["textiles", "methane_nm3_per_t"] == 5.0
    assert t.loc["textiles", "yield_source"] == "user parameter"
    assert t.loc["forest_residue", "energy_mwh_per_t"] == 3.0
    assert t.loc["ash", "payload_t"] == 9.0
    assert R.resource_table().set_index("kind").loc["textiles", "yield_source"] == ""


def test_unknown_key_hint_lists_the_first_twelve_keys_of_its_prefix() -> None:
    with pytest.raises(InputError) as err:
        R.check_parameters({"resources.kwh_per_nm3": 10})
    assert str(err.value) == (
        "parameters: unknown key 'resources.kwh_per_nm3'; known keys under 'resources.': "
        "resources.aggregate_cell_m, resources.catchment_buffer_m, resources.co2_kg_per_tkm, "
        "resources.co2_kg_per_tkm.box_truck, resources.co2_kg_per_tkm.compactor, "
        "resources.co2_kg_per_tkm.slurry_tanker, resources.co2_kg_per_tkm.timber_truck, "
        "resources.food_waste_dm_fraction, resources.food_waste_kg_per_inhabitant, resources.forest_cell_m, "
        "resources.forest_harvest_m3_per_ha, resources.forest_residue_mwh_per_t"
    )


def test_a_value_for_a_new_symbiosis_kind_is_accepted() -> None:
    assert R.check_parameters({"symbiosis.value_nok_per_unit.slag_sand": 40}) == {
        "symbiosis.value_nok_per_unit.slag_sand": 40.0}
