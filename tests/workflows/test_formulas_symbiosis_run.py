"""``symbiosis_matches`` end to end on hand-made flows: summary figures, messages, options, checks.

Mutation testing (issue 16, docs/mutation.md): kills the mutants of ``symbiosis.symbiosis_matches``
(the public wrapper of :func:`~arealsirk.workflows.symbiosis.match_flows`): the matched heat, mass and
water and the saving of the summary, the limits ``max_heat_km`` / ``max_km`` (argument, override and
bounds), the overrides passed on, the road layer passed on, the match sentences (largest saving first,
at most 20), the progress and cancellation callbacks, the flows checks and polygons of firms.

Every figure is worked out by hand from the overrides in ``PARAMS`` (as in
``test_formulas_symbiosis.py``): no road layer, so a material distance is the straight line x 1.5;
trucking costs 3 NOK per t-km (a m3 of water counts as a tonne); a heat pipe of ``km`` km sized for
``Q`` GWh/yr costs 0.1 x 1e6 x km x sqrt(Q / 4) / Q NOK per GWh.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Point

from arealsirk.errors import CancelledError, InputError
from arealsirk.workflows import symbiosis_matches

from . import handmade as h

PARAMS = {**h.SYMBIOSIS_PARAMS, "symbiosis.value_nok_per_unit.water": 20, "symbiosis.local_km": 0.0}
KM = 1000.0

# heat: 2 km pipe for min(10, 4) = 4 GWh: 0.1 x 1e6 x 2 x sqrt(4/4) / 4 = 50 000 NOK/GWh, saving
#   300 000 - 50 000 = 250 000 NOK/GWh x 4 GWh = 1 000 000 NOK/yr
# ash: 2 km x 1.5 = 3 km, 100 - 3 x 3 = 91 NOK/t x 70 t = 6 370 NOK/yr
# water: 1 km x 1.5 = 1.5 km, 20 - 3 x 1.5 = 15.5 NOK/m3 x 400 m3 = 6 200 NOK/yr
HEAT = [("S1", "Varmeverk", "supply", "excess_heat", 10, "GWh/yr", 90, 0, 50),
        ("H1", "Veksthus", "demand", "heat", 4, "GWh/yr", 60, 2, 50)]
ASH = [("A1", "Askeverk", "supply", "ash", 100, "t/yr", np.nan, 0, 0),
       ("B1", "Sementfabrikk", "demand", "ash", 70, "t/yr", np.nan, 2, 0)]
WATER = [("W1", "Meieri", "supply", "water", 1000, "m3/yr", np.nan, 0, -10),
         ("W2", "Vaskeri", "demand", "water", 400, "m3/yr", np.nan, 1, -10)]


def _flows(rows, geoms=None) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        [{"id": r[0], "name": r[1], "role": r[2], "kind": r[3], "quantity": r[4], "unit": r[5],
          "temperature_c": r[6]} for r in rows],
        geometry=geoms if geoms is not None else [Point(r[7] * KM, r[8] * KM) for r in rows],
        crs=25833,
    )


def _match_messages(r) -> list[tuple]:
    return [(m.params["supplier"], m.params["consumer"], m.params["q"], m.params["unit"], m.params["kind"],
             m.params["km"], m.params["nok"]) for m in r.messages if m.key == "sym.match"]


def test_summary_tables_and_match_sentences_by_hand():
    r = symbiosis_matches(_flows(HEAT + ASH + WATER), parameters=PARAMS)
    assert r.status == "optimal"
    s = r.summary
    assert s["workflow"] == "symbiosis" and s["matches"] == 3
    assert s["matched_heat_gwh"] == pytest.approx(4.0, abs=1e-9)
    assert s["matched_mass_t"] == pytest.approx(70.0, abs=1e-9)
    assert s["matched_water_m3"] == pytest.approx(400.0, abs=1e-9)
    assert s["saving_nok"] == pytest.approx(1_000_000 + 6_370 + 6_200, rel=1e-12)
    assert set(r.tables) == {"flow_balance", "balance"}
    assert list(r.tables["flow_balance"]["matched"]) == pytest.approx([4, 4, 70, 70, 400, 400])
    assert set(r.tables["balance"]["theme"]) == {"symbiosis"}
    assert list(r.layers["matches"]["quantity"]) == pytest.approx([4, 70, 400])
    # one sentence per match, largest saving first, with the firms' names
    assert _match_messages(r) == [
        ("Varmeverk", "Veksthus", pytest.approx(4.0), "GWh/yr", "heat", pytest.approx(2.0),
         pytest.approx(1_000_000.0)),
        ("Askeverk", "Sementfabrikk", pytest.approx(70.0), "t/yr", "ash", pytest.approx(3.0),
         pytest.approx(6_370.0)),
        ("Meieri", "Vaskeri", pytest.approx(400.0), "m3/yr", "water", pytest.approx(1.5),
         pytest.approx(6_200.0)),
    ]
    first = next(m for m in r.messages if m.key == "sym.match")
    assert str(first) == "Varmeverk -> Veksthus: 4 GWh/yr heat over 2.0 km, saving 1,000,000 NOK/yr"
    assert not any(m.key == "sym.top" for m in r.messages)
    # the balance headline comes first: 6 of the 10 GWh of heat and 600 of the 1 000 m3 of water
    # find no partner
    assert list(r.messages[: len(s["balance_headline"])]) == list(s["balance_headline"])
    assert all(m is not None for m in r.messages)


@pytest.mark.parametrize(
    ("rows", "heat", "mass", "water", "saving"),
    [
        (ASH, 0.0, 70.0, 0.0, 6_370.0),
        (HEAT, 4.0, 0.0, 0.0, 1_000_000.0),
        (WATER, 0.0, 0.0, 400.0, 6_200.0),
    ],
)
def test_summary_of_one_kind_leaves_the_others_at_zero(rows, heat, mass, water, saving):
    r = symbiosis_matches(_flows(rows), parameters=PARAMS)
    s = r.summary
    assert (s["matches"], s["matched_heat_gwh"], s["matched_mass_t"], s["matched_water_m3"]) == (
        1, pytest.approx(heat), pytest.approx(mass), pytest.approx(water))
    assert s["saving_nok"] == pytest.approx(saving, rel=1e-12)


def test_no_match_gives_zeros_and_infeasible():
    # heat 2 km apart but a pipe limit of 1 km: nothing is matched
    r = symbiosis_matches(_flows(HEAT), max_heat_km=1, parameters=PARAMS)
    assert r.status == "infeasible" and len(r.layers["matches"]) == 0
    s = r.summary
    assert (s["matches"], s["matched_heat_gwh"], s["matched_mass_t"], s["matched_water_m3"],
            s["saving_nok"]) == (0, 0.0, 0.0, 0.0, 0.0)
    assert [m.key for m in r.messages if m.key.startswith("sym.")] == ["sym.heat_far", "sym.none_compatible"]


def _many(n: int) -> gpd.GeoDataFrame:
    # one ash supplier of n t at km 0 and n consumers of 1 t at km 1 .. n (straight line x 1.5):
    # consumer k saves 100 - 3 x 1.5 k = 100 - 4.5 k NOK/t (positive up to k = 22)
    rows = [("A", "A", "supply", "ash", n, "t/yr", np.nan, 0, 0)]
    rows += [(f"C{k:02d}", f"C{k:02d}", "demand", "ash", 1, "t/yr", np.nan, k, 0) for k in range(1, n + 1)]
    return _flows(rows)


def test_twenty_one_matches_list_the_twenty_largest():
    r = symbiosis_matches(_many(21), parameters=PARAMS)
    assert r.summary["matches"] == 21
    top = [m for m in r.messages if m.key == "sym.top"]
    assert [(m.params, str(m)) for m in top] == [({"n": 21}, "21 matches; the 20 largest savings follow")]
    listed = _match_messages(r)
    assert [c for _, c, *_ in listed] == [f"C{k:02d}" for k in range(1, 21)]
    assert [nok for *_, nok in listed] == pytest.approx([100 - 4.5 * k for k in range(1, 21)])
    # the list follows the sym.top note
    keys = [m.key for m in r.messages]
    assert keys.index("sym.top") < keys.index("sym.match")


def test_twenty_matches_are_all_listed_without_a_note():
    r = symbiosis_matches(_many(20), parameters=PARAMS)
    assert r.summary["matches"] == 20
    assert not any(m.key == "sym.top" for m in r.messages)
    assert len(_match_messages(r)) == 20


def test_limits_from_the_arguments_and_the_overrides():
    f = _flows(HEAT + ASH)  # heat pipe 2 km, ash 3 km by road (2 km straight)
    # limits of 0.5 km (allowed: only negative limits are refused) leave both pairs out
    r = symbiosis_matches(f, max_heat_km=0.5, max_km=0.5, parameters=PARAMS)
    params = {m.key: m.params for m in r.messages}
    assert params["sym.heat_far"] == {"n": 1, "km": 0.5} and params["sym.far"] == {"n": 1, "km": 0.5}
    assert r.summary["matches"] == 0
    # the same limits as overrides of the defaults rows symbiosis.max_heat_km and symbiosis.max_km
    r = symbiosis_matches(f, parameters=PARAMS | {"symbiosis.max_heat_km": 1.5, "symbiosis.max_km": 2.5})
    params = {m.key: m.params for m in r.messages}
    assert params["sym.heat_far"] == {"n": 1, "km": 1.5} and params["sym.far"] == {"n": 1, "km": 2.5}
    # a limit of 0 is allowed too
    r = symbiosis_matches(f, max_heat_km=0, max_km=0, parameters=PARAMS)
    assert r.summary["matches"] == 0


@pytest.mark.parametrize(("kw", "msg"), [({"max_heat_km": -1}, "max_heat_km must be >= 0, got -1"),
                                         ({"max_km": -0.5}, "max_km must be >= 0, got -0.5")])
def test_negative_limits_are_refused_by_name(kw, msg):
    with pytest.raises(InputError, match=f"^{msg}$"):
        symbiosis_matches(_flows(HEAT), parameters=PARAMS, **kw)


def test_an_unknown_override_is_refused():
    with pytest.raises(InputError, match=r"symbiosis\.no_such_key"):
        symbiosis_matches(_flows(HEAT), parameters={"symbiosis.no_such_key": 1})


def test_road_distances_come_from_the_road_layer():
    # ash from km 0 to km 10 of the hand-made road: 10 km by road (15 km straight x 1.5):
    # 100 - 3 x 10 = 70 NOK/t x 10 t = 700 NOK/yr
    f = h.points(
        [{"id": "A1", "role": "supply", "kind": "ash", "quantity": 10, "unit": "t/yr"},
         {"id": "B1", "role": "demand", "kind": "ash", "quantity": 10, "unit": "t/yr"}],
        [h.at(0), h.at(10)],
    )
    r = symbiosis_matches(f, roads=h.roads(island=False), parameters=PARAMS)
    assert r.layers["matches"]["distance_km"].tolist() == pytest.approx([10.0], rel=1e-6)
    assert r.summary["saving_nok"] == pytest.approx(700.0, rel=1e-6)


def test_polygons_of_firms_are_matched_from_a_point_inside():
    # squares of 600 m around the points of ASH: each firm is matched from a point inside its square,
    # and the distance is the straight line between those points x 1.5
    geoms = [shapely.box(-300, -300, 300, 300), shapely.box(1700, -300, 2300, 300)]
    r = symbiosis_matches(_flows(ASH, geoms), parameters=PARAMS)
    m = r.layers["matches"]
    assert len(m) == 1 and m["quantity"].tolist() == pytest.approx([70.0])
    a, b = shapely.get_coordinates(m.geometry.iloc[0])
    assert shapely.contains_xy(geoms[0], *a) and shapely.contains_xy(geoms[1], *b)
    d = np.hypot(*(b - a)) / KM * 1.5
    assert m["distance_km"].iloc[0] == pytest.approx(d, rel=1e-9)
    assert r.summary["saving_nok"] == pytest.approx(70 * (100 - 3 * d), rel=1e-9)


def test_flows_checks_name_the_layer_and_column():
    f = _flows(HEAT).drop(columns="kind")
    with pytest.raises(InputError, match=r"^column 'kind': missing column \(needed for flows\)"):
        symbiosis_matches(f, parameters=PARAMS)
    f = _flows(HEAT).drop(columns="role")
    with pytest.raises(InputError, match=r"^column 'role': missing column \(needed for flows\)"):
        symbiosis_matches(f, parameters=PARAMS)
    f = _flows(HEAT).assign(quantity=["ten", "4"])
    with pytest.raises(InputError, match=r"^column 'quantity': values must be numbers; found 'ten'"):
        symbiosis_matches(f, parameters=PARAMS)
    f = _flows(HEAT).assign(id=["S1", "S1"])
    with pytest.raises(InputError, match=r"^column 'id': ids must be unique; repeated: 'S1'"):
        symbiosis_matches(f, parameters=PARAMS)
    f = _flows(HEAT, [shapely.LineString([(0, 0), (1, 1)]), Point(2 * KM, 50 * KM)])
    with pytest.raises(InputError, match=r"^layer 'flows': flows must have point or polygon geometries"):
        symbiosis_matches(f, parameters=PARAMS)


def test_progress_and_cancellation():
    calls: list[tuple[float, str]] = []
    r = symbiosis_matches(_flows(HEAT + ASH), parameters=PARAMS, progress=lambda f, m: calls.append((f, m)))
    # the wrapper reports 0 and 1; match_flows reports 0.1, 0.5 and 0.8 of the range 0.05 .. 0.95
    assert [m for _, m in calls] == ["checking flows", "distances between suppliers and consumers",
                                     "2 compatible supplier-consumer pairs", "writing matches", "2 matches"]
    assert [f for f, _ in calls] == pytest.approx([0.0, 0.05 + 0.09, 0.05 + 0.45, 0.05 + 0.72, 1.0])
    assert r.summary["matches"] == 2
    with pytest.raises(CancelledError):
        symbiosis_matches(_flows(HEAT), parameters=PARAMS, is_cancelled=lambda: True)


def test_roles_in_any_case_and_a_bad_role_named():
    f = _flows(ASH).assign(role=[" Supply ", "DEMAND"])
    r = symbiosis_matches(f, parameters=PARAMS)
    assert r.summary["matched_mass_t"] == pytest.approx(70.0)
    assert r.tables["flow_balance"]["role"].tolist() == ["supply", "demand"]
    f = _flows(ASH).assign(role=["supply", "offer"])
    with pytest.raises(InputError, match=r"^flows, column 'role': values must be 'supply' or 'demand'; "
                                         r"found 'offer'$"):
        symbiosis_matches(f, parameters=PARAMS)


def test_units_converted_checked_and_tonnes_without_a_unit_column():
    # 10 000 MWh/yr of heat offered, 4 000 MWh/yr needed: the same as 10 and 4 GWh/yr
    r = symbiosis_matches(_flows(HEAT).assign(unit="MWh/yr", quantity=[10_000, 4_000]), parameters=PARAMS)
    assert r.summary["matched_heat_gwh"] == pytest.approx(4.0)
    assert r.summary["saving_nok"] == pytest.approx(1_000_000.0, rel=1e-9)
    assert r.tables["flow_balance"]["quantity"].tolist() == pytest.approx([10.0, 4.0])
    # without a unit column quantities are tonnes per year
    r = symbiosis_matches(_flows(ASH).drop(columns="unit"), parameters=PARAMS)
    assert r.summary["matched_mass_t"] == pytest.approx(70.0)
    assert r.tables["flow_balance"]["unit"].tolist() == ["t/yr", "t/yr"]
    # heat (excess_heat) is energy: tonnes of it are refused, as is an unknown unit
    with pytest.raises(InputError, match=r"^flows, column 'unit': unit 't/yr' is a mass unit but kind "
                                         r"'excess_heat' is measured as energy \(GWh/yr\)$"):
        symbiosis_matches(_flows(HEAT).assign(unit="t/yr"), parameters=PARAMS)
    with pytest.raises(InputError, match=r"^flows, column 'unit': unknown unit 'sacks' for kind 'ash'; "):
        symbiosis_matches(_flows(ASH).assign(unit="sacks"), parameters=PARAMS)


def test_heat_without_a_temperature_is_left_out_by_id():
    # no temperature_c column: both heat flows are left out, each named; ash is matched as before
    r = symbiosis_matches(_flows(HEAT + ASH).drop(columns="temperature_c"), parameters=PARAMS)
    keys = [(m.key, m.params) for m in r.messages if m.key.startswith("sym.no_")]
    assert keys == [("sym.no_temperature", {"id": "S1"}), ("sym.no_temperature", {"id": "H1"})]
    assert r.tables["flow_balance"]["used"].tolist() == [False, False, True, True]
    assert r.summary["matched_heat_gwh"] == 0.0 and r.summary["matched_mass_t"] == pytest.approx(70.0)
    # a temperature that is no number counts as none
    r = symbiosis_matches(_flows(HEAT).assign(temperature_c=["hot", 60.0]), parameters=PARAMS)
    keys = [(m.key, m.params) for m in r.messages if m.key.startswith("sym.no_")]
    assert keys == [("sym.no_temperature", {"id": "S1"})]
    assert r.tables["flow_balance"]["used"].tolist() == [False, True]
    assert r.status == "infeasible"


def test_a_kind_without_a_value_is_named():
    r = symbiosis_matches(_flows(ASH).assign(kind="slag"), parameters=PARAMS)
    assert [(m.key, m.params) for m in r.messages if m.key.startswith("sym.no_")] == [
        ("sym.no_value", {"kind": "slag"})]
    assert r.tables["flow_balance"]["used"].tolist() == [False, False]
    assert r.summary["matches"] == 0
