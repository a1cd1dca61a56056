"""The resource table: yields, units, overrides and their errors."""

from __future__ import annotations

import numpy as np
import pytest

from arealsirk import resources as R  # noqa: N812  (R.methane_yield reads as the formula's R)
from arealsirk.defaults import table
from arealsirk.errors import InputError


def test_every_resource_number_has_unit_and_source():
    rows = table("resources.")
    assert len(rows) >= 15
    for row in rows:
        assert row.unit and row.source, row.key


def test_methane_yields_in_guide_ranges():
    # GUIDE §5 rules of thumb (Nm3 CH4 per tonne fresh matter)
    ranges = {
        "cattle_manure": (10, 15),
        "pig_manure": (12, 15),
        "food_waste": (80, 110),
        "sewage_sludge": (50, 70),
    }
    for kind, (lo, hi) in ranges.items():
        assert lo <= R.methane_yield(kind) <= hi


def test_methane_and_energy_formula():
    assert R.methane_nm3("food_waste", 1000.0) == pytest.approx(1000 * R.methane_yield("food_waste"))
    # 1e6 Nm3 x 9.97 kWh/Nm3 = 9.97 GWh
    assert R.energy_gwh_from_methane(1e6) == pytest.approx(9.97)
    assert R.transport_co2_t(1e6) == pytest.approx(90.0)  # 0.09 kg/tkm
    assert R.forest_residue_gwh(1000) == pytest.approx(2.4)


def test_parameters_override_and_new_kind():
    params = R.check_parameters(
        {"resources.methane_nm3_per_t.food_waste": 105, "resources.methane_nm3_per_t.fish_silage": 70}
    )
    assert R.methane_yield("food_waste", params) == 105
    assert R.methane_yield("fish_silage", params) == 70
    assert R.has_methane_yield("fish_silage", params)
    assert not R.has_methane_yield("fish_silage")


def test_kind_without_yield_is_a_clear_error():
    with pytest.raises(InputError, match=r"'textiles' has no methane yield.*cattle_manure"):
        R.methane_yield("textiles")


@pytest.mark.parametrize(
    "bad", [{"resources.no_such_key": 1}, {"biogas.max_km": "far"}, {"biogas.max_km": -3}]
)
def test_bad_parameters(bad):
    with pytest.raises(InputError, match="parameters"):
        R.check_parameters(bad)


def test_units_convert_and_unknown_unit_fails():
    assert R.to_canonical(2.0, "kt/yr") == (2000.0, "t/yr")
    assert R.to_canonical(500.0, "tonn/år") == (500.0, "t/yr")
    assert R.to_canonical(3600.0, "MWh")[0] == pytest.approx(3.6)
    assert R.to_canonical(3.6, "TJ/yr")[0] == pytest.approx(1.0)
    q, u = R.to_canonical(np.array([1.0, 2.0]), "kg/yr")
    assert u == "t/yr" and np.allclose(q, [0.001, 0.002])
    with pytest.raises(InputError, match="unknown unit 'bushels'"):
        R.to_canonical(1.0, "bushels")
    with pytest.raises(InputError, match=r"energy unit.*'food_waste'"):
        R.to_canonical(1.0, "GWh/yr", kind="food_waste")


def test_resource_table_lists_kinds():
    t = R.resource_table()
    assert {"cattle_manure", "forest_residue", "excess_heat"} <= set(t["kind"])
    assert t.set_index("kind").loc["food_waste", "methane_nm3_per_t"] == R.methane_yield("food_waste")
    assert np.isnan(t.set_index("kind").loc["textiles", "methane_nm3_per_t"])


def test_co2_per_vehicle_class():
    # slurry tanker 0.075, compactor 0.25, box truck 0.16, timber truck 0.075 kg CO2/tkm; others 0.09
    assert R.transport_co2_t(1e6, kind="cattle_manure") == pytest.approx(75.0)
    assert R.transport_co2_t(1e6, kind="food_waste") == pytest.approx(250.0)
    assert R.transport_co2_t(1e6, kind="textiles") == pytest.approx(160.0)
    assert R.transport_co2_t(1e6, kind="forest_residue") == pytest.approx(75.0)
    assert R.transport_co2_t(1e6, kind="sewage_sludge") == pytest.approx(90.0)
    both = R.transport_co2_t(np.array([1000.0, 2000.0]), kind=np.array(["pig_manure", "food_waste"]))
    assert both == pytest.approx([0.075, 0.5])
    params = R.check_parameters({"resources.co2_kg_per_tkm.compactor": 0.2})
    assert R.transport_co2_t(1e6, params, kind="food_waste") == pytest.approx(200.0)
    with pytest.raises(InputError, match="2 kinds for 3"):
        R.transport_co2_t(np.ones(3), kind=["food_waste", "textiles"])


def test_heat_pipe_cost_reproduces_the_mo_case_and_scales():
    annuity = 0.04 / (1 - 1.04**-30)  # 4 % over 30 years = 0.05783
    # the Mo Industripark extension: 13.6 MNOK for 2.1 km carrying 2.8 GWh/yr
    assert R.heat_pipe_nok_per_gwh(2.1, 2.8) == pytest.approx(annuity * 13.6e6 / 2.8, rel=1e-6)
    base = R.heat_pipe_nok_per_gwh(1.0, 2.8)
    assert R.heat_pipe_nok_per_gwh(2.0, 2.8) == pytest.approx(2 * base)  # linear in length
    # four times the flow: the pipe costs twice as much (flow^0.5), so half as much per GWh
    assert R.heat_pipe_nok_per_gwh(1.0, 4 * 2.8) == pytest.approx(base / 2)
    assert np.isinf(R.heat_pipe_nok_per_gwh(1.0, 0.0))


def test_new_manure_and_sludge_kinds_have_yields():
    for kind in ("sheep_goat_manure", "poultry_manure", "horse_manure", "other_manure", "digested_sludge"):
        assert R.methane_yield(kind) > 0 and R.kind_info(kind) is not None
    # digested sludge keeps far less methane than undigested
    assert R.methane_yield("digested_sludge") < R.methane_yield("sewage_sludge") / 3
