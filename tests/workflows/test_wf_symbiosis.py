"""Symbiosis matching: constraints, a hand-solved instance, the demo flows."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from arealsirk.resources import parameter
from arealsirk.workflows import symbiosis_matches


def _flows(rows):
    return gpd.GeoDataFrame(
        [
            {"id": r[0], "role": r[1], "kind": r[2], "quantity": r[3], "unit": r[4], "temperature_c": r[5]}
            for r in rows
        ],
        geometry=[Point(r[6], r[7]) for r in rows],
        crs=25833,
    )


def test_hand_solved_heat_and_material():
    # heat: S1 90 degC 10 GWh at 0 km; C1 needs 60 degC 6 GWh at 1 km, C2 needs 95 degC (too hot) at 0.5 km,
    # C3 needs 40 degC 8 GWh at 5 km (too far for a pipe).  Material: ash 100 t -> 2 consumers.
    f = _flows(
        [
            ("S1", "supply", "excess_heat", 10, "GWh/yr", 90, 0, 0),
            ("C1", "demand", "heat", 6, "GWh/yr", 60, 1000, 0),
            ("C2", "demand", "heat", 6, "GWh/yr", 95, 500, 0),
            ("C3", "demand", "heat", 8, "GWh/yr", 40, 5000, 0),
            ("A1", "supply", "ash", 100, "t/yr", np.nan, 0, 10000),
            ("B1", "demand", "ash", 70, "t/yr", np.nan, 2000, 10000),
            ("B2", "demand", "ash", 70, "t/yr", np.nan, 10000, 10000),
        ]
    )
    r = symbiosis_matches(f, max_heat_km=3)
    m = r.layers["matches"].set_index(["supplier_id", "consumer_id"])
    assert r.status == "optimal"
    assert set(m.index) == {("S1", "C1"), ("A1", "B1"), ("A1", "B2")}
    assert m.loc[("S1", "C1"), "quantity"] == pytest.approx(6)
    # ash: the nearer consumer is filled first (70 t), the rest (30 t) to the farther one
    assert m.loc[("A1", "B1"), "quantity"] == pytest.approx(70)
    assert m.loc[("A1", "B2"), "quantity"] == pytest.approx(30)
    detour = parameter("resources.road_detour_factor")
    assert m.loc[("A1", "B2"), "distance_km"] == pytest.approx(10 * detour)
    v_heat = parameter("symbiosis.value_nok_per_unit.heat")
    # pipe of 1 km sized for min(10, 6) = 6 GWh/yr: 6.476 MNOK/km x (6/2.8)^0.5, annuity 4 % over 30 years
    r4, n = 0.04, 30
    annuity = r4 / (1 - (1 + r4) ** -n)
    pipe_per_gwh = annuity * 13.6e6 / 2.1 * 1.0 * (6 / 2.8) ** 0.5 / 6
    assert m.loc[("S1", "C1"), "saving"] == pytest.approx(6 * (v_heat - pipe_per_gwh), rel=1e-4)
    assert any("warmer" in s for s in r.messages) and any("max_heat_km" in s for s in r.messages)


def test_demo_matches_respect_supply_demand_and_rules(demo, demo_graph):
    r = symbiosis_matches(demo.flows, roads=demo_graph)
    m = r.layers["matches"]
    assert len(m) >= 3 and r.status == "optimal"
    for col in ("supplier_id", "consumer_id", "kind", "quantity", "unit", "distance_km", "saving"):
        assert col in m.columns
    fl = demo.flows.set_index("id")
    for sid, q in m.groupby("supplier_id")["quantity"].sum().items():
        assert q <= fl.loc[sid, "quantity"] + 1e-6
    for cid, q in m.groupby("consumer_id")["quantity"].sum().items():
        assert q <= fl.loc[cid, "quantity"] + 1e-6
    heat = m[m["kind"] == "heat"]
    assert (heat["distance_km"] <= parameter("symbiosis.max_heat_km") + 1e-9).all()
    for _, h in heat.iterrows():
        assert fl.loc[h["supplier_id"], "temperature_c"] >= fl.loc[h["consumer_id"], "temperature_c"]
    assert (m["saving"] > 0).all()
    assert r.summary["saving_nok"] == pytest.approx(m["saving"].sum())
    # material distances are road distances from the network (>= straight line)
    mat = m[m["kind"] != "heat"]
    for _, row in mat.iterrows():
        straight = (
            fl.loc[row["supplier_id"], "geometry"].distance(fl.loc[row["consumer_id"], "geometry"]) / 1e3
        )
        assert row["distance_km"] >= straight - 1e-6


def test_no_possible_match_is_explicit():
    f = _flows(
        [
            ("S1", "supply", "ash", 10, "t/yr", np.nan, 0, 0),
            ("C1", "demand", "co2", 10, "t/yr", np.nan, 100, 0),
        ]
    )
    r = symbiosis_matches(f)
    assert r.status == "infeasible" and len(r.layers["matches"]) == 0
    assert any("no supplier-consumer pair" in s for s in r.messages)


def test_bad_role_and_unit():
    from arealsirk.errors import InputError

    f = _flows([("S1", "offer", "ash", 10, "t/yr", np.nan, 0, 0)])
    with pytest.raises(InputError, match="role"):
        symbiosis_matches(f)
    f = _flows([("S1", "supply", "ash", 10, "sacks", np.nan, 0, 0)])
    with pytest.raises(InputError, match="unknown unit 'sacks'"):
        symbiosis_matches(f)
