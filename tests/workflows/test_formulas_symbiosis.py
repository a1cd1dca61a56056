"""The symbiosis formulas (``arealsirk/workflows/symbiosis.py``) on a small hand-made instance.

Every expected figure (distance, pipe cost, saving per unit, matched quantity, reason counts) is
worked out by hand in the comments from parameter overrides, so none depends on the code under
test or on the defaults table (except where a default is quoted with its row).  Written to kill the
mutants of issue 16's mutation run (docs/mutation.md).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from arealsirk.workflows.symbiosis import (
    _canonical_kind,
    _local_distances,
    _solve,
    _value_per_unit,
    match_flows,
)

from . import handmade as h

# Overrides that make every figure a hand calculation (handmade.SYMBIOSIS_PARAMS):
# pipe cost per GWh = annuity x ref cost x km x (Q / ref Q)^b / Q with a 0 % rate over 10 years
# (annuity 1 / 10): 0.1 x 1e6 x km x sqrt(Q / 4) / Q NOK per GWh.
PARAMS = dict(h.SYMBIOSIS_PARAMS)
KM = 1000.0


def _flows(rows) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        [
            {"id": r[0], "role": r[1], "kind": r[2], "quantity": r[3], "unit": r[4], "temperature_c": r[5]}
            for r in rows
        ],
        geometry=[Point(r[6] * KM, r[7] * KM) for r in rows],
        crs=25833,
    )


def _instance() -> gpd.GeoDataFrame:
    return _flows(
        [
            # heat at y = 50 km: supplier 90 degC, 10 GWh/yr
            ("S1", "supply", "Excess_Heat", 10, "GWh/yr", 90, 0, 50),
            ("H1", "demand", "heat", 4, "GWh/yr", 60, 2, 50),  # 2 km: pipe 50 000 NOK/GWh
            ("H2", "demand", "heat", 4, "GWh/yr", 85, 0, 52),  # 2 km, exactly 5 degC colder: allowed
            ("H3", "demand", "heat", 4, "GWh/yr", 86, 0, 48),  # 4 degC colder only: too cold
            ("H4", "demand", "heat", 4, "GWh/yr", 40, 40, 50),  # 40 km > max_heat_km 30
            ("H5", "demand", "heat", 1, "GWh/yr", 40, 0, 70),  # 20 km, 1 GWh: pipe 1e6 > value 3e5
            # ash along y = 0: road = straight x 1.5 (no road layer)
            ("A1", "supply", "ash", 100, "t/yr", np.nan, 0, 0),
            ("B1", "demand", "ash", 70, "t/yr", np.nan, 2, 0),  # 3 km: 100 - 3 x 3 = 91 NOK/t
            ("B2", "demand", "ash", 70, "t/yr", np.nan, 10, 0),  # 15 km: 100 - 3 x 15 = 55 NOK/t
            ("B3", "demand", "ash", 70, "t/yr", np.nan, 40, 0),  # 60 km road > max_km 50
            ("B4", "demand", "ash", 70, "t/yr", np.nan, 30, 0),  # 45 km: 100 - 135 < 0
            ("D1", "demand", "co2", 5, "t/yr", np.nan, 0, -5),  # no supplier of CO2
        ]
    )


def test_match_flows_by_hand():
    matches, balance, messages, status = match_flows(
        _instance(), max_heat_km=30, max_km=50, parameters=PARAMS
    )
    assert status == "optimal" and matches.crs == "EPSG:25833"
    m = matches.set_index(["supplier_id", "consumer_id"]).sort_index()
    # heat: pipe of 2 km for min(10, 4) = 4 GWh: 0.1 x 1e6 x 2 x sqrt(4 / 4) / 4 = 50 000 NOK/GWh,
    # saving 300 000 - 50 000 = 250 000 NOK/GWh; H1 and H2 are filled (8 of 10 GWh).
    # ash: B1 first (91 NOK/t, 70 t), the rest to B2 (55 NOK/t, 30 t).
    want = {
        ("A1", "B1"): ("ash", 70.0, "t/yr", 3.0, 91.0, "road"),
        ("A1", "B2"): ("ash", 30.0, "t/yr", 15.0, 55.0, "road"),
        ("S1", "H1"): ("heat", 4.0, "GWh/yr", 2.0, 250_000.0, "pipe"),
        ("S1", "H2"): ("heat", 4.0, "GWh/yr", 2.0, 250_000.0, "pipe"),
    }
    assert list(m.index) == sorted(want)
    for key, (kind, q, unit, km, per_unit, basis) in want.items():
        row = m.loc[key]
        assert row["kind"] == kind and row["unit"] == unit and row["distance_basis"] == basis
        assert row["quantity"] == pytest.approx(q, abs=1e-6)
        assert row["distance_km"] == pytest.approx(km, rel=1e-12)
        assert row["saving_per_unit"] == pytest.approx(per_unit, rel=1e-12)
        assert row["saving"] == pytest.approx(q * per_unit, rel=1e-9)
        assert row["supplier_name"] == key[0] and row["consumer_name"] == key[1]
    # the match line runs from the supplier to the consumer
    line = m.loc[("A1", "B1"), "geometry"]
    assert list(line.coords) == [(0.0, 0.0), (2 * KM, 0.0)]
    # total saving 8 x 250 000 + 70 x 91 + 30 x 55 = 2 008 020 NOK/yr
    assert matches["saving"].sum() == pytest.approx(2_008_020.0, rel=1e-9)

    b = balance.set_index("id")
    want_matched = {"S1": 8, "H1": 4, "H2": 4, "H3": 0, "H4": 0, "H5": 0}
    want_matched |= {"A1": 100, "B1": 70, "B2": 30, "B3": 0, "B4": 0, "D1": 0}
    for i, q in want_matched.items():
        assert b.loc[i, "matched"] == pytest.approx(q, abs=1e-6), i
        assert b.loc[i, "unmatched"] == pytest.approx(b.loc[i, "quantity"] - q, abs=1e-6), i
    assert b.loc["S1", "kind"] == "heat" and b.loc["S1", "role"] == "supply"
    assert b["used"].all()

    # pairs left out: 11 of another kind (S1 x 5 ash/CO2 consumers, A1 x 6 heat/CO2 consumers),
    # 1 heat pipe too long (H4), 1 too cold (H3), 1 road too long (B3), 2 without saving (H5, B4)
    keys = {s.key: s.params for s in messages}
    assert keys["sym.heat_far"] == {"n": 1, "km": 30.0}
    assert keys["sym.too_cold"] == {"n": 1, "approach": 5.0}
    assert keys["sym.far"] == {"n": 1, "km": 50.0}
    assert keys["sym.no_saving"] == {"n": 2}
    assert len(messages) == 4


def test_match_flows_heat_boundaries():
    # a pipe of exactly max_heat_km = 2 km is allowed (H1, H2); H4 (40 km) and H5 (20 km) are too long
    matches, _, messages, _ = match_flows(_instance(), max_heat_km=2, max_km=50, parameters=PARAMS)
    heat = matches[matches["kind"] == "heat"]
    assert sorted(heat["consumer_id"]) == ["H1", "H2"]
    keys = {s.key: s.params for s in messages}
    assert keys["sym.heat_far"] == {"n": 2, "km": 2.0}
    assert keys["sym.too_cold"] == {"n": 1, "approach": 5.0}
    assert keys["sym.no_saving"] == {"n": 1}  # B4 only
    # an approach of 10 degC: H2 (85 degC needed, 90 degC supplied) is now too cold as well
    matches, _, messages, _ = match_flows(
        _instance(), max_heat_km=30, max_km=50, parameters=PARAMS | {"symbiosis.heat_approach_c": 10}
    )
    heat = matches[matches["kind"] == "heat"]
    assert list(heat["consumer_id"]) == ["H1"] and list(heat["quantity"]) == pytest.approx([4.0])
    keys = {s.key: s.params for s in messages}
    assert keys["sym.too_cold"] == {"n": 2, "approach": 10.0}


EDGE = PARAMS | {
    "resources.road_detour_factor": 1.0,
    "symbiosis.transport_nok_per_tkm": 2.0,
    "symbiosis.value_nok_per_unit.ash": 200,
    "symbiosis.value_nok_per_unit.co2": 100,
    "symbiosis.value_nok_per_unit.wood_chips": 100.5,
}


def _named(rows) -> gpd.GeoDataFrame:
    f = _flows([r[1:] for r in rows])
    f["name"] = [r[0] for r in rows]
    return f


def test_match_flows_material_boundaries_and_names():
    # every material pair exactly max_km = 50 km apart (detour 1: road = straight line), 2 NOK/tkm:
    # ash 200 - 100 = 100 NOK/t (matched), CO2 100 - 100 = 0 (no saving), wood chips 100.5 - 100 = 0.5
    # NOK/t for half a tonne (matched)
    f = _named(
        [
            ("Askeverk", "A1", "supply", "ash", 10, "t/yr", np.nan, 0, 0),
            ("Fjern", "B1", "demand", "ash", 10, "t/yr", np.nan, 50, 0),
            ("Gass", "C1", "supply", "co2", 5, "t/yr", np.nan, 0, 100),
            ("Drivhus", "C2", "demand", "co2", 5, "t/yr", np.nan, 50, 100),
            ("Sag", "W1", "supply", "wood_chips", 0.5, "t/yr", np.nan, 0, 200),
            ("Fyr", "W2", "demand", "wood_chips", 0.5, "t/yr", np.nan, 50, 200),
        ]
    )
    matches, balance, messages, status = match_flows(f, max_heat_km=30, max_km=50, parameters=EDGE)
    assert status == "optimal" and matches.crs == f.crs
    got = [
        (
            r.supplier_id,
            r.consumer_id,
            r.supplier_name,
            r.consumer_name,
            r.quantity,
            r.distance_km,
            r.saving_per_unit,
        )
        for r in matches.sort_values("supplier_id").itertuples()
    ]
    assert got == [
        ("A1", "B1", "Askeverk", "Fjern", pytest.approx(10.0), 50.0, 100.0),
        ("W1", "W2", "Sag", "Fyr", pytest.approx(0.5), 50.0, 0.5),
    ]
    assert [(m.key, m.params) for m in messages] == [("sym.no_saving", {"n": 1})]
    assert list(balance["name"]) == ["Askeverk", "Fjern", "Gass", "Drivhus", "Sag", "Fyr"]
    assert list(balance["matched"]) == pytest.approx([10.0, 10.0, 0.0, 0.0, 0.5, 0.5])
    # a nearer consumer (10 km: 200 - 20 = 180 NOK/t) takes all 10 t: the 50 km pair carries nothing
    # and is not a match
    f = _named(
        [
            ("Askeverk", "A1", "supply", "ash", 10, "t/yr", np.nan, 0, 0),
            ("Fjern", "B1", "demand", "ash", 10, "t/yr", np.nan, 50, 0),
            ("Naer", "B6", "demand", "ash", 10, "t/yr", np.nan, 10, 0),
        ]
    )
    matches, *_ = match_flows(f, max_heat_km=30, max_km=50, parameters=EDGE)
    assert list(matches["consumer_id"]) == ["B6"] and list(matches["saving_per_unit"]) == [180.0]


def test_match_flows_without_a_compatible_pair():
    f = _flows(
        [
            ("S1", "supply", "ash", 10, "t/yr", np.nan, 0, 0),
            ("C1", "demand", "co2", 10, "t/yr", np.nan, 0.1, 0),
        ]
    )
    matches, balance, messages, status = match_flows(f, max_heat_km=30, max_km=50, parameters=PARAMS)
    assert status == "infeasible" and len(matches) == 0
    assert [m.key for m in messages] == ["sym.none_compatible"]
    assert list(balance["matched"]) == [0.0, 0.0] and list(balance["unmatched"]) == [10.0, 10.0]
    f = _flows([("S1", "supply", "ash", 10, "t/yr", np.nan, 0, 0)])
    _, _, messages, status = match_flows(f, max_heat_km=30, max_km=50, parameters=PARAMS)
    assert status == "infeasible"
    assert [(m.key, m.params) for m in messages] == [("sym.one_sided", {"s": 1, "c": 0})]


def test_heat_without_temperature_and_kind_without_value_are_not_used():
    f = _flows(
        [
            ("S1", "supply", "heat", 10, "GWh/yr", np.nan, 0, 0),  # no temperature
            ("C1", "demand", "heat", 5, "GWh/yr", 50, 1, 0),
            ("S2", "supply", "slag", 10, "t/yr", np.nan, 0, 5),  # no value per unit for slag
            ("C2", "demand", "slag", 10, "t/yr", np.nan, 1, 5),
        ]
    )
    matches, balance, messages, status = match_flows(f, max_heat_km=30, max_km=50, parameters=PARAMS)
    assert len(matches) == 0 and status == "infeasible"
    assert list(balance["used"]) == [False, True, False, False]
    keys = [(m.key, m.params) for m in messages]
    assert ("sym.no_temperature", {"id": "S1"}) in keys and ("sym.no_value", {"kind": "slag"}) in keys
    # with a value for slag (14 NOK/t; 1 km x 1.5 x 3 NOK/tkm = 4.5 NOK/t) the slag pair is matched
    more = PARAMS | {"symbiosis.value_nok_per_unit.slag": 14.0}
    matches, *_ = match_flows(f, max_heat_km=30, max_km=50, parameters=more)
    assert list(matches["quantity"]) == pytest.approx([10.0])
    assert list(matches["saving_per_unit"]) == pytest.approx([14.0 - 4.5])


def test_canonical_kind():
    assert _canonical_kind(" Excess_Heat ") == "heat"
    assert _canonical_kind("WASTE_HEAT") == "heat"
    assert _canonical_kind("overskuddsvarme") == "heat"
    assert _canonical_kind("Ash") == "ash"


def test_value_per_unit_from_the_table_and_overrides():
    # symbiosis.value_nok_per_unit.ash = 200 NOK/t in defaults.csv ("avoided landfill fee")
    assert _value_per_unit("ash", None) == 200.0
    assert _value_per_unit("ash", {"symbiosis.value_nok_per_unit.ash": 120}) == 120.0
    assert _value_per_unit("slag", None) is None
    assert _value_per_unit("slag", {}) is None
    assert _value_per_unit("slag", {"symbiosis.value_nok_per_unit.slag": 50}) == 50.0


def test_local_distances_by_hand():
    # local_km 1, detour 1.5: the neighbour distance is straight x 1.5 where straight <= 1 km and
    # that is shorter than the road distance (and only for the pairs asked about)
    road = np.array([[5.0, 0.5, 2.0], [3.0, np.inf, 0.75]])
    straight = np.array([[0.8, 0.2, 1.0], [1.2, 0.9, 0.5]])
    pairs = np.array([[True, True, True], [True, False, True]])
    dist, local = _local_distances(road, straight, pairs, PARAMS)
    # (0,0) 1.2 < 5; (0,1) 0.3 < 0.5; (0,2) exactly 1 km: 1.5 < 2; (1,0) 1.2 km apart: road 3;
    # (1,1) not a pair: road (inf); (1,2) 0.75 is not shorter than 0.75: road
    assert local.tolist() == [[True, True, True], [False, False, False]]
    np.testing.assert_allclose(dist, [[1.2, 0.3, 1.5], [3.0, np.inf, 0.75]], rtol=1e-12)


def test_local_distances_bad_parameters():
    from arealsirk.errors import InputError

    one = np.ones((1, 1))
    # local_km 0 is allowed (no neighbours): the road distance is kept
    dist, local = _local_distances(one, one, one > 0, {"symbiosis.local_km": 0.0})
    assert dist.tolist() == [[1.0]] and local.tolist() == [[False]]
    with pytest.raises(InputError, match=r"symbiosis\.local_km"):
        _local_distances(one, one, one > 0, {"symbiosis.local_km": -1})
    with pytest.raises(InputError, match=r"resources\.road_detour_factor"):
        _local_distances(one, one, one > 0, {"resources.road_detour_factor": 0.9})


def test_solve_transport_lp_with_an_idle_arc():
    # as below plus arc (1,0) at 1/unit: demand 0 is filled by (0,0) at 5/unit and supply 1 by (1,1),
    # so (1,0) carries nothing (a flow on it would displace 5 or 4 per unit for 1)
    x = _solve(
        np.array([0, 0, 1, 1]),
        np.array([0, 1, 1, 0]),
        np.array([5.0, 3.0, 4.0, 1.0]),
        np.array([10.0, 5.0]),
        np.array([8.0, 6.0]),
    )
    assert x.dtype == float
    np.testing.assert_allclose(x, [8.0, 1.0, 5.0, 0.0], atol=1e-9)
    assert x[3] == 0.0


def test_solve_transport_lp_by_hand():
    # arcs (0,0) 5/unit, (0,1) 3/unit, (1,1) 4/unit; supplies 10, 5; demands 8, 6.
    # x00 = 8 (demand 0 full), x11 = 5 (supply 1 used up), x01 = min(10 - 8, 6 - 5) = 1: 63 in all;
    # moving a unit from (1,1) to (0,1) loses 4 - 3, so the optimum is unique.
    x = _solve(
        np.array([0, 0, 1]),
        np.array([0, 1, 1]),
        np.array([5.0, 3.0, 4.0]),
        np.array([10.0, 5.0]),
        np.array([8.0, 6.0]),
    )
    assert x.tolist() == pytest.approx([8.0, 1.0, 5.0], abs=1e-9)
    assert len(_solve(np.zeros(0, int), np.zeros(0, int), np.zeros(0), np.array([1.0]), np.array([1.0]))) == 0
    # supplies in a different order: the rows of the supply and demand constraints are kept apart
    x = _solve(np.array([1]), np.array([0]), np.array([2.0]), np.array([0.0, 7.0]), np.array([3.0]))
    assert x.tolist() == pytest.approx([3.0], abs=1e-9)


def test_match_flows_on_a_road_graph():
    # the hand-made straight road (tests/workflows/handmade.py): ash from km 0 to km 10 travels 10 km of
    # road (straight line x 1.5 would be 15 km): 100 - 3 x 10 = 70 NOK/t.  Two firms 0.4 km north of
    # the road and 0.5 km apart (km 20 and 20.5) are neighbours: 0.5 x 1.5 = 0.75 km, shorter than
    # 0.4 + 0.5 + 0.4 = 1.3 km by road with both snap legs.
    from . import handmade as h

    f = h.points(
        [
            {"id": i, "role": r, "kind": k, "quantity": q, "unit": "t/yr"}
            for i, r, k, q in [
                ("A1", "supply", "ash", 10),
                ("B1", "demand", "ash", 10),
                ("W1", "supply", "wood_chips", 4),
                ("W2", "demand", "wood_chips", 4),
            ]
        ],
        [h.at(0), h.at(10), h.at(20, north_km=0.4), h.at(20.5, north_km=0.4)],
    )
    matches, *_ = match_flows(f, roads=h.graph(), max_heat_km=30, max_km=50, parameters=PARAMS)
    m = matches.set_index("supplier_id")
    assert m.loc["A1", "distance_km"] == pytest.approx(10.0, rel=1e-6)
    assert m.loc["A1", "distance_basis"] == "road"
    assert m.loc["A1", "saving_per_unit"] == pytest.approx(100 - 3 * 10.0, rel=1e-6)
    assert m.loc["W1", "distance_km"] == pytest.approx(0.75, rel=1e-9)
    assert m.loc["W1", "distance_basis"] == "local"
