"""``site_industrial_parks`` end to end by hand: inputs, hosted matches, messages, summary (issue 16).

Mutation testing (docs/mutation.md): kills the mutants of ``workflows/parks.py``'s ``_validate``
(count, limits, layers, exclusions), ``_prepare`` (the flow radius and its boundary, half a saving for
one end within reach, zones, areas, symbiosis notes), ``_main_roads`` (E and R roads only),
``_explain`` (one sentence per park), ``_sensitivity_message``, ``_result`` (summary, tables) and
``site_industrial_parks`` (progress, cancellation).

Layout of :mod:`.test_formulas_parks`: candidates Z1 at km 2 (1 km north), Z2 at km 10 (2 km north),
Z3 at km 33 (0.5 km north) of the E road ``y = Y`` (25, 50, 10 ha); station at km 0, port at km 40;
one ash supplier S (100 t/yr) at km 35 and its consumer C (100 t/yr) at km 36, on the road.
The ash match: 1 km by road (both on it; the straight line x 1.3 = 1.3 km is not shorter), so
defaults.csv's symbiosis.value_nok_per_unit.ash 200 NOK/t and symbiosis.transport_nok_per_tkm
2.5 NOK/t-km give 200 - 2.5 x 1 = 197.5 NOK/t x 100 t = 19 750 NOK/yr.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
import shapely

from arealsirk.errors import CancelledError, InputError
from arealsirk.workflows import site_industrial_parks
from arealsirk.workflows.parks import _sensitivity_message

from . import handmade as h
from .test_formulas_parks import _by_hand, _inputs

ASH_SAVING = 100 * (200 - 2.5 * 1.0)  # 19 750 NOK/yr
FAST = {"suitability.sensitivity_runs": 5}
# heat pipe cost 0.1 x 1e6 x km x sqrt(Q / 4) / Q NOK per GWh (0 % over 10 years, 1 MNOK/km for 4 GWh)
PIPE = {
    "symbiosis.heat_pipe_discount_rate": 0.0,
    "symbiosis.heat_pipe_life_yr": 10,
    "symbiosis.heat_pipe_nok_per_km_ref": 1e6,
    "symbiosis.heat_pipe_ref_gwh": 4.0,
    "symbiosis.heat_pipe_flow_exponent": 0.5,
}


def _flow(fid, role, kind, q, unit, geom, **extra):
    return {"id": fid, "role": role, "kind": kind, "quantity": q, "unit": unit, **extra}, geom


def _layer(items):
    return h.points([r for r, _ in items], [g for _, g in items])


def _run(cand=None, flows=None, roads=None, *, parameters=None, **kw):
    c, f, r, stations, ports = _inputs()
    kw.setdefault("stations", stations)
    kw.setdefault("ports", ports)
    return site_industrial_parks(
        c if cand is None else cand, f if flows is None else flows, r if roads is None else roads,
        parameters=FAST | (parameters or {}), **kw,
    )


def test_park_sentences_summary_and_tables_by_hand():
    r = _run(weights={"symbiosis": 1.0}, count=3)
    assert r.status == "optimal"
    hand = _by_hand()
    parks = [m for m in r.messages if m.key == "parks.park"]
    crit = ["symbiosis", "flows", "rail", "port", "road", "land"]
    # symbiosis alone: Z3 (1.0) rank 1, Z1 and Z2 (0.0) share rank 2; Z3 hosts the ash match
    want = [("Z3", 1, 1.0, 1, ASH_SAVING), ("Z1", 2, 0.0, 0, 0.0), ("Z2", 2, 0.0, 0, 0.0)]
    assert len(parks) == 3
    for m, (cid, rank, total, n, nok) in zip(parks, want, strict=True):
        p = m.params
        assert (p["id"], p["name"], p["rank"], p["n"]) == (cid, cid, rank, n)
        assert p["total"] == pytest.approx(total, abs=1e-12)
        assert p["nok"] == pytest.approx(nok, rel=1e-9)
        assert [c for c, _ in p["scores"]] == crit
        assert [s for _, s in p["scores"]] == pytest.approx([hand[cid][c] for c in crit], abs=1e-9)
    assert str(parks[0]).startswith("park Z3 (Z3): rank 1, total 1.00 (")
    assert str(parks[0]).endswith("hosts 1 match(es) worth 19,750 NOK/yr")
    # the balance headline first, the robustness sentence last
    assert r.messages[0] == "every usable flow is matched"
    assert r.messages[-1].key == "parks.sensitivity"
    s = r.summary
    assert s == {"workflow": "industrial_parks", "balance_headline": [r.messages[0]], "sites": 3,
                 "matches": 1, "saving_nok": pytest.approx(ASH_SAVING, rel=1e-9), "matched_heat_gwh": 0.0}
    assert set(r.tables) == {"criteria", "sensitivity", "by_kommune", "flow_balance", "excluded", "balance"}
    assert set(r.tables["balance"]["theme"]) == {"parks"}
    assert r.tables["flow_balance"]["matched"].tolist() == pytest.approx([100.0, 100.0])
    assert len(r.tables["excluded"]) == 0
    assert set(r.layers) == {"candidates", "selected_sites", "matches"}
    m = r.layers["matches"]
    assert m["quantity"].tolist() == pytest.approx([100.0])
    assert m["saving"].tolist() == pytest.approx([ASH_SAVING])


def _heat_near_z3():
    # heat supplier at km 34, 1 km north (90 degC, 10 GWh/yr), consumer at km 34, 3 km north
    # (60 degC, 4 GWh/yr): both within 5 km of Z3 (33, 0.5); a pipe of 2 km sized for 4 GWh costs
    # 0.1 x 1e6 x 2 x sqrt(4/4) / 4 = 50 000 NOK/GWh: 4 x (300 000 - 50 000) = 1 000 000 NOK/yr
    _, f, *_ = _inputs()
    heat = _layer([
        _flow("HS", "supply", "excess_heat", 10.0, "GWh/yr", h.at(34, north_km=1), temperature_c=90.0),
        _flow("HD", "demand", "heat", 4.0, "GWh/yr", h.at(34, north_km=3), temperature_c=60.0),
    ])
    return pd.concat([f, heat], ignore_index=True)


def test_heat_and_material_hosted_by_one_park():
    r = _run(flows=_heat_near_z3(), weights={"symbiosis": 1.0}, count=1, parameters=PIPE)
    s = r.summary
    assert s["matches"] == 2 and s["sites"] == 1
    assert s["matched_heat_gwh"] == pytest.approx(4.0)
    assert s["saving_nok"] == pytest.approx(1_000_000 + ASH_SAVING, rel=1e-9)
    sel = r.layers["selected_sites"]
    assert sel["id"].tolist() == ["Z3"] and sel["matches"].tolist() == [2]
    assert sel["saving_nok"].tolist() == pytest.approx([1_000_000 + ASH_SAVING], rel=1e-9)
    assert sel["flows_nearby"].tolist() == [4]
    # all four ends within 5 km: the park could host both savings in full
    assert sel["saving_potential_nok"].tolist() == pytest.approx([1_000_000 + ASH_SAVING], rel=1e-9)


@pytest.mark.parametrize(
    ("kw", "params", "note", "note_params"),
    [
        ({"max_heat_km": 1.5}, {}, "sym.heat_far", {"n": 1, "km": 1.5}),
        ({}, {"symbiosis.max_heat_km": 1.5}, "sym.heat_far", {"n": 1, "km": 1.5}),
        ({"max_km": 0.5}, {}, "sym.far", {"n": 1, "km": 0.5}),
        ({}, {"symbiosis.max_km": 0.5}, "sym.far", {"n": 1, "km": 0.5}),
    ],
)
def test_limits_reach_the_matching(kw, params, note, note_params):
    r = _run(flows=_heat_near_z3(), weights={"symbiosis": 1.0}, count=1, parameters=PIPE | params, **kw)
    notes = [m for m in r.messages if m.key == "parks.symbiosis_note"]
    assert [(n.params["note"].key, n.params["note"].params) for n in notes] == [(note, note_params)]
    assert str(notes[0]) == "symbiosis: " + str(notes[0].params["note"])
    heat = note == "sym.heat_far"
    assert r.summary["matches"] == 1
    assert r.summary["matched_heat_gwh"] == pytest.approx(0.0 if heat else 4.0)
    assert r.summary["saving_nok"] == pytest.approx(ASH_SAVING if heat else 1_000_000, rel=1e-9)


def test_no_match_is_said_and_limits_of_zero_are_allowed():
    r = _run(weights={"symbiosis": 1.0}, count=1, max_km=0, max_heat_km=0)
    keys = [m.key for m in r.messages]
    assert "parks.no_match" in keys
    notes = [m.params["note"] for m in r.messages if m.key == "parks.symbiosis_note"]
    assert [(n.key, n.params) for n in notes] == [
        ("sym.far", {"n": 1, "km": 0.0}), ("sym.none_compatible", {})]
    assert r.summary["matches"] == 0 and r.summary["saving_nok"] == 0.0
    sel = r.layers["selected_sites"]
    assert sel["saving_nok"].tolist() == [0.0] and sel["saving_potential_nok"].tolist() == [0.0]


@pytest.mark.parametrize(
    ("kw", "msg"),
    [
        ({"count": 0}, "count must be >= 1, got 0"),
        ({"count": 1.5}, "count must be a whole number, got 1.5"),
        ({"count": 4}, r"count=4 but only 3 candidate area\(s\) are available"),
        ({"parameters": {"parks.count": 4}}, r"count=4 but only 3 candidate area\(s\) are available"),
        ({"max_heat_km": -1}, "max_heat_km must be >= 0, got -1"),
        ({"max_km": -2}, "max_km must be >= 0, got -2"),
    ],
)
def test_bad_options_are_named(kw, msg):
    with pytest.raises(InputError, match=f"^{msg}$"):
        _run(**kw)


def test_count_from_its_row_and_at_the_number_of_candidates():
    # defaults.csv parks.count = 2
    assert len(_run().layers["selected_sites"]) == 2
    assert len(_run(parameters={"parks.count": 1}).layers["selected_sites"]) == 1
    assert len(_run(count=3).layers["selected_sites"]) == 3


def test_layers_are_checked_by_name():
    cand, flows, *_ = _inputs()
    line = shapely.LineString([h.at(0), h.at(1)])
    with pytest.raises(InputError, match=r"^layer 'stations': stations must have point or polygon"):
        _run(stations=h.points([{"id": "st"}], [line]))
    with pytest.raises(InputError, match=r"^layer 'candidates': candidates must have point or polygon"):
        _run(cand=h.points([{"id": "Z"}], [line]))
    with pytest.raises(InputError, match=r"^column 'id': missing column \(needed for candidates\)"):
        _run(cand=cand.drop(columns="id"))
    with pytest.raises(InputError, match=r"^column 'id': ids must be unique; repeated: 'Z1'"):
        _run(cand=cand.assign(id=["Z1", "Z1", "Z3"]))
    with pytest.raises(InputError, match=r"^layer 'flows': flows must have point or polygon"):
        _run(flows=h.points([{"id": "S", "role": "supply", "kind": "ash", "quantity": 1.0}], [line]))
    for col in ("role", "kind"):
        with pytest.raises(InputError, match=rf"^column '{col}': missing column \(needed for flows\)"):
            _run(flows=flows.drop(columns=col))
    with pytest.raises(InputError, match=r"^column 'quantity': values must be numbers; found 'lots'"):
        _run(flows=flows.assign(quantity=["lots", 100.0]))
    with pytest.raises(InputError, match=r"^column 'id': ids must be unique; repeated: 'S'"):
        _run(flows=flows.assign(id=["S", "S"]))


def test_exclusions_drop_candidates():
    # a 6 km square around Z1 excludes it: Z3 and Z2 are left
    ex = h.points([{"id": "e"}], [h.square(2, 3000, north_km=1)])
    r = _run(count=2, exclusions=ex, weights={"symbiosis": 1.0})
    assert sorted(r.layers["candidates"]["id"]) == ["Z2", "Z3"]
    assert r.layers["selected_sites"]["id"].tolist() == ["Z3", "Z2"]
    assert r.tables["excluded"]["candidate_id"].tolist() == ["Z1"]
    ex_msgs = [m for m in r.messages if m.key == "excluded.rule"]
    assert [m.params["ids"] for m in ex_msgs] == ["Z1"]
    with pytest.raises(InputError, match=r"^count=3 but only 2 candidate area"):
        _run(count=3, exclusions=ex)
    # a lake 300 m south of Z1: outside the default 100 m (suitability.buffer_water_m), inside 500 m
    from arealsirk.constraints import Exclusions

    z1 = h.at(2, north_km=1)
    lake = h.points([{"id": "lake"}], [shapely.box(z1.x - 200, z1.y - 500, z1.x + 200, z1.y - 300)])
    r = _run(count=2, exclusions=Exclusions(lakes=lake))
    assert len(r.tables["excluded"]) == 0
    r = _run(count=2, exclusions=Exclusions(lakes=lake), parameters={"suitability.buffer_water_m": 500})
    assert r.tables["excluded"]["candidate_id"].tolist() == ["Z1"]
    every = h.points([{"id": "e"}], [shapely.box(h.X - 50_000, h.Y - 50_000, h.X + 50_000, h.Y + 50_000)])
    with pytest.raises(InputError, match=r"^candidates: every candidate lies inside an exclusion$"):
        _run(count=1, exclusions=every)


def test_flow_radius_row_and_half_a_saving_for_one_end():
    # parks.flow_radius_km 3: Z3 (33, 0.5) is hypot(2, 0.5) = 2.06 km from S and hypot(3, 0.5) = 3.04 km
    # from C: one end within reach, so the park could host half the saving (its potential) and is
    # credited the whole match (no other park reaches it)
    r = _run(count=1, weights={"symbiosis": 1.0}, parameters={"parks.flow_radius_km": 3})
    sel = r.layers["selected_sites"]
    assert sel["id"].tolist() == ["Z3"]
    assert sel["flows_nearby"].tolist() == [1]
    assert sel["saving_potential_nok"].tolist() == pytest.approx([ASH_SAVING / 2], rel=1e-9)
    assert sel["saving_nok"].tolist() == pytest.approx([ASH_SAVING], rel=1e-9)
    assert sel["matches"].tolist() == [1]
    crit = r.tables["criteria"].set_index("criterion")
    assert crit.loc["flows", "label"] == "Flows within 3 km"


def test_a_flow_exactly_at_the_radius_is_within_it():
    # a candidate on the road at km 30: S (km 35) exactly 5 km away (parks.flow_radius_km 5), C at
    # km 35.004 is 5.004 km away (outside); the match: 4 m of road, 100 x (200 - 2.5 x 0.004) NOK/yr
    cand = h.points([{"id": "K30", "area_ha": 10.0}], [h.at(30)])
    _, flows, *_ = _inputs()
    flows = flows.set_geometry([h.at(35), h.at(35.004)])
    r = _run(cand=cand, flows=flows, count=1)
    sel = r.layers["selected_sites"]
    assert sel["flows_nearby"].tolist() == [1]
    saving = 100 * (200 - 2.5 * 0.004)
    assert r.summary["saving_nok"] == pytest.approx(saving, rel=1e-9)
    assert sel["saving_potential_nok"].tolist() == pytest.approx([saving / 2], rel=1e-9)


def test_stations_as_polygons_kommuner_and_the_default_seed():
    # the station as a 200 m square centred at km 0: Z1 (2, 1) is hypot(2 - 0.1, 1 - 0.1) km from
    # its nearest corner (parks.rail_zero_km 20)
    c, f, roads, _, ports = _inputs()
    station = h.points([{"id": "st"}], [h.square(0, 100)])
    from .test_formulas_parks_more import _kommuner

    r = site_industrial_parks(c, f, roads, stations=station, ports=ports, count=1, kommuner=_kommuner(),
                              parameters=FAST)
    got = r.layers["candidates"].set_index("id")
    assert got.loc["Z1", "score_rail"] == pytest.approx(1 - math.hypot(1.9, 0.9) / 20, abs=1e-9)
    k = r.tables["by_kommune"].set_index("kommunenummer")
    # default weights: Z3 (Aust, 2002) is selected, none in Vest (2001: Z1, Z2)
    assert r.layers["selected_sites"]["id"].tolist() == ["Z3"]
    assert k["parks_selected"].to_dict() == {"2001": 0, "2002": 1}
    assert str(k["parks_selected"].dtype).startswith("int")
    assert k["candidates"].to_dict() == {"2001": 2, "2002": 1}
    total = got["score_total"]
    assert k["best_score"].to_dict() == pytest.approx({"2001": max(total["Z1"], total["Z2"]),
                                                       "2002": total["Z3"]})
    # the weight perturbation is seeded with 0 unless told otherwise
    assert r.tables["sensitivity"].attrs["seed"] == 0


def _zoned(zs, zc):
    """Z3 (km 33, 30 ha) and Z4 (km 37, 20 ha); S (km 35) in zone ``zs`` and C (km 36) in zone ``zc``:
    both ends within 5 km of both parks."""
    cand = h.points([{"id": "Z3", "area_ha": 30.0}, {"id": "Z4", "area_ha": 20.0}],
                    [h.at(33, north_km=0.5), h.at(37, north_km=0.5)])
    flows = _layer([_flow("S", "supply", "ash", 100.0, "t/yr", h.at(35), zone_id=zs),
                    _flow("C", "demand", "ash", 100.0, "t/yr", h.at(36), zone_id=zc)])
    return site_industrial_parks(cand, flows, h.roads(island=False, length_km=40).assign(vegkategori="E"),
                                 weights={"land": 1.0}, count=2, parameters=FAST)


def test_zones_decide_the_credit():
    # land alone: Z3 (30 ha) ranks before Z4 (20 ha)
    # S inside Z4, C in no candidate: both parks reach both ends, Z4 has one end inside: Z4 is credited
    r = _zoned("Z4", "none")
    sel = r.layers["selected_sites"].set_index("id")
    assert sel["rank"].to_dict() == {"Z3": 1, "Z4": 2}
    assert r.layers["matches"]["site_id"].tolist() == ["Z4"]
    assert sel.loc["Z4", "saving_nok"] == pytest.approx(ASH_SAVING) and sel.loc["Z3", "saving_nok"] == 0.0
    assert sel["saving_potential_nok"].to_dict() == pytest.approx({"Z3": ASH_SAVING, "Z4": ASH_SAVING})
    # both inside Z4: the match is Z4's only, even as a potential
    r = _zoned("Z4", "Z4")
    sel = r.layers["selected_sites"].set_index("id")
    assert r.layers["matches"]["site_id"].tolist() == ["Z4"]
    assert sel["saving_potential_nok"].to_dict() == pytest.approx({"Z3": 0.0, "Z4": ASH_SAVING})
    assert sel["saving_nok"].to_dict() == pytest.approx({"Z3": 0.0, "Z4": ASH_SAVING})
    # C inside Z4, S in no candidate: Z4 again
    r = _zoned("none", "Z4")
    assert r.layers["matches"]["site_id"].tolist() == ["Z4"]
    # both in a zone that is no candidate: the better rank, Z3
    r = _zoned("Z9", "Z9")
    assert r.layers["matches"]["site_id"].tolist() == ["Z3"]
    sel = r.layers["selected_sites"].set_index("id")
    assert sel["saving_potential_nok"].to_dict() == pytest.approx({"Z3": ASH_SAVING, "Z4": ASH_SAVING})


def test_a_zone_far_away_still_holds_its_firms():
    # S and C lie 20 km from Z1 but inside its zone (zone_id Z1): Z1 counts both flows and the match
    _, flows, *_ = _inputs()
    r = _run(flows=flows.assign(zone_id=["Z1", "Z1"]), weights={"symbiosis": 1.0}, count=3)
    sel = r.layers["selected_sites"].set_index("id")
    assert sel.loc["Z1", "rank"] == 1 and sel.loc["Z1", "flows_nearby"] == 2
    assert sel.loc["Z3", "flows_nearby"] == 2  # within 5 km, but the match is Z1's
    assert sel["saving_potential_nok"].to_dict() == pytest.approx({"Z1": ASH_SAVING, "Z2": 0.0, "Z3": 0.0})
    assert r.layers["matches"]["site_id"].tolist() == ["Z1"]


def test_areas_from_the_column_or_the_polygon():
    # 600 m squares (36 ha); Z1 says 25 ha, Z2 has no figure (NaN), Z3 a text: polygon area for both
    cand = h.points([{"id": "Z1", "area_ha": 25.0}, {"id": "Z2", "area_ha": None},
                     {"id": "Z3", "area_ha": "n/a"}],
                    [h.square(2, north_km=1), h.square(10, north_km=2), h.square(33, north_km=0.5)])
    r = _run(cand=cand, weights={"land": 1.0}, count=1)
    got = r.layers["candidates"].set_index("id")
    assert got["area_ha"].to_dict() == pytest.approx({"Z1": 25.0, "Z2": 36.0, "Z3": 36.0})
    assert got["score_land"].to_dict() == pytest.approx({"Z1": 0.5, "Z2": 0.72, "Z3": 0.72})
    # polygons without the column: their area
    r = _run(cand=cand.drop(columns="area_ha"), weights={"land": 1.0}, count=1)
    assert r.layers["candidates"]["area_ha"].tolist() == pytest.approx([36.0] * 3)
    # points without the column have no area
    pts = h.points([{"id": "P1"}, {"id": "P2"}], [h.at(2), h.at(3)])
    r = _run(cand=pts, count=1)
    assert r.layers["candidates"]["area_ha"].tolist() == [0.0, 0.0]


def _two_roads(cats, *, graph=False):
    # road A along y = Y (km 0-40), road B 1.9 km north (km 0-40); Z2 (10, 2) is 2 km from A, 0.1 from B
    lines = [shapely.LineString([h.at(0), h.at(40)]),
             shapely.LineString([h.at(0, north_km=1.9), h.at(40, north_km=1.9)])]
    rows = [{"speed_kph": 60.0} | ({"vegkategori": c} if c is not None else {}) for c in cats]
    roads = h.points(rows, lines)
    if graph:
        from arealsirk.network import graph_from_roads

        return graph_from_roads(roads, keep="all")
    return roads


@pytest.mark.parametrize(
    ("cats", "graph", "z2_road_km"),
    [
        (["E", "K"], False, 2.0),  # only the E road is a main road
        (["R", "K"], False, 2.0),  # and the R road
        (["e", "k"], False, 2.0),  # the category is read in either case
        (["r", "k"], False, 2.0),
        (["K", "F"], False, 0.1),  # no E or R road: every road counts
        ([None, None], False, 0.1),  # no category column: every road counts
        (["E", "K"], True, 2.0),  # a graph: its edges' categories
    ],
)
def test_main_roads(cats, graph, z2_road_km):
    r = _run(roads=_two_roads(cats, graph=graph), count=1)
    got = r.layers["candidates"].set_index("id")
    # parks.road_zero_km 5
    assert got.loc["Z2", "score_road"] == pytest.approx(1 - z2_road_km / 5, abs=1e-6)


def test_without_roads_there_is_no_road_criterion():
    c, f, _, stations, ports = _inputs()
    r = site_industrial_parks(c, f, None, stations=stations, ports=ports, count=1, parameters=FAST)
    assert r.tables["criteria"]["criterion"].tolist() == ["symbiosis", "flows", "rail", "port", "land"]
    # the match is then 1 km x 1.3 (no road): 100 x (200 - 2.5 x 1.3) = 19 675 NOK/yr
    assert r.tables["criteria"]["weight"].sum() == pytest.approx(1.0)
    assert float(r.layers["matches"]["saving"].sum()) == pytest.approx(100 * (200 - 2.5 * 1.3), rel=1e-9)


def test_flows_as_polygons_are_matched_from_a_point_inside():
    # the firms as 200 m squares around km 35 and km 36
    _, flows, *_ = _inputs()
    flows = flows.set_geometry([h.square(35, 100), h.square(36, 100)])
    r = _run(flows=flows, weights={"symbiosis": 1.0}, count=1)
    sel = r.layers["selected_sites"]
    assert sel["id"].tolist() == ["Z3"] and sel["matches"].tolist() == [1]
    assert sel["flows_nearby"].tolist() == [2]


def test_progress_and_cancellation():
    calls: list[tuple[float, str]] = []
    _run(count=1, progress=lambda f, m: calls.append((f, m)))
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and min(fractions) >= 0.0 and max(fractions) <= 1.0
    own = [(f, m) for f, m in calls if m in ("checking inputs", "symbiosis matches between all flows",
                                            "scoring candidate areas", "rank sensitivity to the weights",
                                            "selecting parks", "done")]
    assert own == [(0.0, "checking inputs"), (0.05, "symbiosis matches between all flows"),
                   (0.55, "scoring candidate areas"), (0.87, "rank sensitivity to the weights"),
                   (0.9, "selecting parks"), (1.0, "done")]
    # the matching reports into 0.05 .. 0.5: its "writing matches" at 0.8 of the range of
    # symbiosis_matches' own 0.05 .. 0.95 within it
    inner = dict((m, f) for f, m in calls)
    assert inner["distances between suppliers and consumers"] == pytest.approx(0.05 + 0.45 * 0.1)
    assert inner["writing matches"] == pytest.approx(0.05 + 0.45 * 0.8)
    with pytest.raises(CancelledError):
        _run(count=1, is_cancelled=lambda: True)


def _table(rows):
    return pd.DataFrame(rows, columns=["id", "name", "base_rank", "top_k_share", "rank_min", "rank_max"])


def test_sensitivity_sentence_by_hand():
    t = _table([
        ("d", "Dal", 4, 0.4, 2, 5),  # not in the top k in most runs: left out
        ("b", "Berg", 2, 0.8, 1, 3),
        ("c", float("nan"), 3, 0.8, 2, 2),  # no name: its id; same share as b, worse base rank
        ("a", "Aas", 1, 1.0, 1, 1),
        ("e", "", 5, 0.5, 1, 4),  # exactly half: not most
    ])
    msg = _sensitivity_message(t, n=100, spread=0.2, k=2)
    assert msg.key == "parks.sensitivity" and msg.params["k"] == 2 and msg.params["n"] == 100
    assert str(msg) == ("rank robustness (100 weightings, each weight varied by up to ±20%): in the top 2 in "
                        "most weightings: Aas (100%, always rank 1), Berg (80%, rank 1–3), c (80%, always "
                        "rank 2)")
    assert msg.render("nb").endswith(
        "Aas (100 %, alltid nr. 1), Berg (80 %, rangering 1–3), c (80 %, alltid nr. 2)")
    # names "None" or empty fall back to the id too
    t = _table([("x", "None", 1, 0.9, 1, 2), ("y", "", 2, 0.6, 2, 2)])
    assert str(_sensitivity_message(t, n=10, spread=0.1, k=1)).endswith(
        "most weightings: x (90%, rank 1–2), y (60%, always rank 2)")
    t = _table([("x", "X", 1, 0.5, 1, 2)])
    msg = _sensitivity_message(t, n=10, spread=0.1, k=1)
    assert msg.key == "parks.sensitivity_none" and msg.params == {"n": 10, "spread": 0.1, "k": 1}


def test_the_ranking_sentence_of_a_run():
    # spread 0: every run keeps the weights; top 1 of 3: Z3 is first in every run (symbiosis alone is
    # not used here: the default weights give Z3 0.66 against 0.36 and 0.35)
    r = _run(count=1, parameters={"suitability.sensitivity_spread": 0.0, "suitability.sensitivity_top_k": 1,
                                  "suitability.sensitivity_runs": 4})
    msg = r.messages[-1]
    assert str(msg) == ("rank robustness (4 weightings, each weight varied by up to ±0%): in the top 1 in "
                        "most weightings: Z3 (100%, always rank 1)")
    assert math.isclose(r.layers["candidates"].set_index("id").loc["Z3", "top_k_share"], 1.0)
