"""Industrial-park weights, selection, credited savings and the per-kommune table by hand (issue 16).

Mutation testing (docs/mutation.md): kills mutants of ``workflows/parks.py``'s ``_score`` (weights
given as a mapping, unknown criteria, the sensitivity settings), ``_criteria`` (a missing rail or
port layer), ``_select`` (rank order, ties broken by id, the saving credited to one park) and
``_result`` (the per-kommune table).  The layout is that of :mod:`.test_formulas_parks`: Z1 at km 2,
Z2 at km 10, Z3 at km 33 (25, 50 and 10 ha), an ash supplier at km 35 and its consumer at km 36.
"""

from __future__ import annotations

import pytest
import shapely

from arealsirk.errors import ArealsirkError
from arealsirk.workflows import site_industrial_parks

from . import handmade as h
from .test_formulas_parks import AT, HA, _by_hand, _inputs


def _kommuner():
    # Vest: x < 20 km (Z1, Z2); Aust: x > 20 km (Z3); Tom: no candidate
    x, y = h.X, h.Y
    return h.points(
        [{"kommunenummer": "2001"}, {"kommunenummer": "2002"}, {"kommunenummer": "2003"}],
        [shapely.box(x - 5_000, y - 5_000, x + 20_000, y + 5_000),
         shapely.box(x + 20_000, y - 5_000, x + 45_000, y + 5_000),
         shapely.box(x + 50_000, y - 5_000, x + 60_000, y + 5_000)],
    )


def test_unknown_weight_is_named() -> None:
    cand, flows, roads, stations, ports = _inputs()
    with pytest.raises(ArealsirkError, match="weights: unknown criterion 'bogus'; criteria are "
                       "symbiosis, flows, rail, port, road, land"):
        site_industrial_parks(cand, flows, roads, stations=stations, ports=ports,
                              weights={"land": 1, "bogus": 1})


def test_land_weight_alone_ranks_by_area_and_names_default_to_ids() -> None:
    cand, flows, roads, stations, ports = _inputs()
    r = site_industrial_parks(cand, flows, roads, stations=stations, ports=ports, weights={"land": 1.0},
                              count=2, kommuner=_kommuner())
    got = r.layers["candidates"].set_index("id")
    # land 50 ha full: Z2 1.0, Z1 0.5, Z3 0.2
    assert got["score_total"].to_dict() == pytest.approx({"Z1": 0.5, "Z2": 1.0, "Z3": 0.2})
    assert got["rank"].to_dict() == {"Z1": 2, "Z2": 1, "Z3": 3}
    assert got["name"].to_dict() == {"Z1": "Z1", "Z2": "Z2", "Z3": "Z3"}
    assert got["area_ha"].to_dict() == HA
    assert set(got["facility_type"]) == {"industrial_park"}
    assert got["kommunenummer"].to_dict() == {"Z1": "2001", "Z2": "2001", "Z3": "2002"}
    sel = r.layers["selected_sites"]
    assert sel["id"].tolist() == ["Z2", "Z1"] and sel["rank"].tolist() == [1, 2]
    assert sel["area_ha"].tolist() == [50.0, 25.0]
    # neither hosts the ash match (only Z3 is within 5 km of both ends)
    assert sel["saving_nok"].tolist() == [0.0, 0.0] and sel["matches"].tolist() == [0, 0]
    assert r.summary["matches"] == 0 and r.summary["saving_nok"] == 0.0
    crit = r.tables["criteria"].set_index("criterion")["weight"]
    assert crit["land"] == 1.0 and crit.drop("land").sum() == 0.0
    # per kommune: Vest 2 candidates, best 1.0, both selected; Aust 1 candidate, best 0.2, none
    k = r.tables["by_kommune"].set_index("kommunenummer")
    assert list(k.index) == ["2001", "2002"]
    assert k["candidates"].tolist() == [2, 1]
    assert k["best_score"].tolist() == pytest.approx([1.0, 0.2])
    assert k["parks_selected"].tolist() == [2, 0]


def test_ties_are_broken_by_id_and_the_match_is_credited_once() -> None:
    cand, flows, roads, stations, ports = _inputs()
    # symbiosis alone: Z3 1, Z1 and Z2 0 (a tie at rank 2, broken by id: Z1 before Z2)
    r = site_industrial_parks(cand, flows, roads, stations=stations, ports=ports,
                              weights={"symbiosis": 1.0}, count=3)
    sel = r.layers["selected_sites"]
    assert sel["id"].tolist() == ["Z3", "Z1", "Z2"]
    assert sel["rank"].tolist() == [1, 2, 2]
    # the one ash match (100 t) is hosted and credited to Z3 only
    assert sel["matches"].tolist() == [1, 0, 0]
    saving = float(r.layers["matches"]["saving"].sum())
    assert saving > 0
    assert sel["saving_nok"].tolist() == pytest.approx([saving, 0.0, 0.0])
    assert sel["saving_potential_nok"].iloc[0] == pytest.approx(saving)
    assert sel["flows_nearby"].tolist() == [2, 0, 0]
    assert r.layers["matches"]["site_id"].tolist() == ["Z3"]
    assert r.summary["matches"] == 1 and r.summary["saving_nok"] == pytest.approx(saving)
    assert r.summary["sites"] == 3


def test_without_rail_and_port_layers() -> None:
    cand, flows, roads, _stations, _ports = _inputs()
    r = site_industrial_parks(cand, flows, roads, count=1)
    names = r.tables["criteria"]["criterion"].tolist()
    assert names == ["symbiosis", "flows", "road", "land"]
    assert any(m.key == "parks.no_rail" for m in r.messages)
    # default weights without rail and port: symbiosis 0.4, flows 0.1, road 0.2, land 0.2 (of 0.9)
    hand = _by_hand()
    got = r.layers["candidates"].set_index("id")
    w = {"symbiosis": 0.4, "flows": 0.1, "road": 0.2, "land": 0.2}
    for cid in AT:
        total = sum(w[c] * hand[cid][c] for c in w) / sum(w.values())
        assert got.loc[cid, "score_total"] == pytest.approx(total, abs=1e-9), cid


def test_sensitivity_settings_from_their_rows() -> None:
    cand, flows, roads, stations, ports = _inputs()
    r = site_industrial_parks(cand, flows, roads, stations=stations, ports=ports, count=1,
                              parameters={"suitability.sensitivity_runs": 7,
                                          "suitability.sensitivity_top_k": 10,
                                          "suitability.sensitivity_spread": 0.0})
    got = r.layers["candidates"]
    assert set(got["sensitivity_runs"]) == {7}
    sens = r.tables["sensitivity"]
    assert sens.attrs["spread"] == 0.0
    # spread 0: every run keeps the weights, so each candidate keeps its rank in every run; top-k is
    # capped at the 3 candidates, so every candidate is in the top k in every run
    assert sens["name"].tolist() == sens["id"].tolist()
    share_cols = [c for c in sens.columns if "top" in c]
    assert share_cols
    for c in share_cols:
        assert sens[c].tolist() == pytest.approx([1.0] * 3)


def test_selected_sites_columns_and_criteria_labels() -> None:
    cand, flows, roads, stations, ports = _inputs()
    r = site_industrial_parks(cand, flows, roads, stations=stations, ports=ports, weights={"land": 1.0},
                              count=2)
    sel = r.layers["selected_sites"]
    assert sel.crs == h.CRS
    assert sel["name"].tolist() == ["Z2", "Z1"]
    assert set(sel["facility_type"]) == {"industrial_park"}
    assert sel["existing"].tolist() == [False, False]
    assert sel["score_total"].tolist() == pytest.approx([1.0, 0.5])
    assert str(sel["flows_nearby"].dtype).startswith("int") and str(sel["matches"].dtype).startswith("int")
    crit = r.tables["criteria"].set_index("criterion")
    assert crit.loc["symbiosis", "unit"] == "NOK/yr"
    assert crit.loc["symbiosis", "label"] == "Symbiosis saving that could be hosted"
    assert crit.loc["flows", "unit"] == "flows"
    # parks.flow_radius_km 5 (defaults.csv)
    assert crit.loc["flows", "label"] == "Flows within 5 km"
    assert crit["label"].to_dict() == {
        "symbiosis": "Symbiosis saving that could be hosted", "flows": "Flows within 5 km",
        "rail": "Distance to rail station", "port": "Distance to port", "road": "Distance to main road",
        "land": "Available land"}
    assert crit.loc["land", "unit"] == "ha"
    # the hosted matches keep no index column of their own
    assert "index" not in r.layers["matches"].columns


def _two_matches_near_two_parks():
    """Z3 (km 33, 10 ha) and Z4 (km 37, 20 ha) both within 5 km of the ash pair at km 35/36
    and of a second ash supplier and consumer at km 34 and 35.5."""
    cand = h.points([{"id": "Z3", "area_ha": 10.0}, {"id": "Z4", "area_ha": 20.0}],
                    [h.at(33, north_km=0.5), h.at(37, north_km=0.5)])
    flows = h.points(
        [{"id": "S", "role": "supply", "kind": "ash", "quantity": 100.0, "unit": "t/yr"},
         {"id": "C", "role": "demand", "kind": "ash", "quantity": 100.0, "unit": "t/yr"},
         {"id": "S2", "role": "supply", "kind": "ash", "quantity": 50.0, "unit": "t/yr"},
         {"id": "C2", "role": "demand", "kind": "ash", "quantity": 50.0, "unit": "t/yr"}],
        [h.at(35), h.at(36), h.at(34), h.at(35.5)],
    )
    roads = h.roads(island=False, length_km=40).assign(vegkategori="E")
    return cand, flows, roads


def test_matches_within_reach_of_two_parks_are_credited_to_the_better_rank() -> None:
    cand, flows, roads = _two_matches_near_two_parks()
    # land alone: Z4 (20 ha, 0.4) ranks before Z3 (10 ha, 0.2); both have all four ends within 5 km,
    # neither has an end inside its own zone (points), so each match goes to the better rank: Z4
    r = site_industrial_parks(cand, flows, roads, weights={"land": 1.0}, count=2)
    m = r.layers["matches"]
    assert len(m) == 2
    total = float(m["saving"].sum())
    assert total > 0 and (m["saving"] > 0).all()
    sel = r.layers["selected_sites"]
    assert sel["id"].tolist() == ["Z4", "Z3"]
    assert sel["matches"].tolist() == [2, 0]
    assert sel["saving_nok"].tolist() == pytest.approx([total, 0.0])
    assert m["site_id"].tolist() == ["Z4", "Z4"]
    assert r.summary["saving_nok"] == pytest.approx(total)


def test_sensitivity_attributes_and_message_by_hand() -> None:
    cand, flows, roads, stations, ports = _inputs()
    cand = cand.assign(name=["Nord", "Midt", "Sør"])
    r = site_industrial_parks(cand, flows, roads, stations=stations, ports=ports, count=1,
                              sensitivity_seed=4,
                              parameters={"suitability.sensitivity_runs": 7,
                                          "suitability.sensitivity_top_k": 1,
                                          "suitability.sensitivity_spread": 0.1})
    sens = r.tables["sensitivity"]
    assert sens.attrs == {"n": 7, "spread": 0.1, "top_k": 1, "seed": 4}
    assert list(sens.columns[:3]) == ["id", "name", "base_rank"]
    assert dict(zip(sens["id"], sens["name"], strict=True)) == {"Z1": "Nord", "Z2": "Midt", "Z3": "Sør"}
    names = r.layers["candidates"].set_index("id")["name"].to_dict()
    assert names == {"Z1": "Nord", "Z2": "Midt", "Z3": "Sør"}
    msg = next(m for m in r.messages if m.key.startswith("parks.sensitivity"))
    assert (msg.params["n"], msg.params["spread"], msg.params["k"]) == (7, 0.1, 1)
    # top-k above the number of candidates is capped at 3
    r = site_industrial_parks(cand, flows, roads, stations=stations, ports=ports, count=1,
                              parameters={"suitability.sensitivity_top_k": 10})
    assert r.tables["sensitivity"].attrs["top_k"] == 3


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("suitability.sensitivity_runs", 0),
        ("suitability.sensitivity_runs", 2.5),
        ("suitability.sensitivity_top_k", 0),
        ("suitability.sensitivity_top_k", 1.5),
        ("suitability.sensitivity_spread", -0.1),
        ("suitability.sensitivity_spread", 1.5),
    ],
)
def test_bad_sensitivity_settings_are_named(key: str, value: float) -> None:
    cand, flows, roads, stations, ports = _inputs()
    with pytest.raises(ArealsirkError, match=key.replace(".", r"\.")):
        site_industrial_parks(cand, flows, roads, stations=stations, ports=ports, count=1,
                              parameters={key: value})


def test_runs_and_spread_at_their_bounds() -> None:
    cand, flows, roads, stations, ports = _inputs()
    r = site_industrial_parks(cand, flows, roads, stations=stations, ports=ports, count=1,
                              parameters={"suitability.sensitivity_runs": 1,
                                          "suitability.sensitivity_top_k": 1,
                                          "suitability.sensitivity_spread": 1.0})
    assert r.tables["sensitivity"].attrs["n"] == 1 and r.tables["sensitivity"].attrs["spread"] == 1.0


def test_ports_of_lines_are_refused_by_name() -> None:
    cand, flows, roads, stations, _ports = _inputs()
    ports = h.points([{"id": "quay"}], [shapely.LineString([h.at(39), h.at(40)])])
    with pytest.raises(ArealsirkError, match="ports"):
        site_industrial_parks(cand, flows, roads, stations=stations, ports=ports, count=1)


def test_weights_as_a_sequence_and_areas_of_polygons() -> None:
    cand, flows, roads, stations, ports = _inputs()
    # squares of 600 m x 600 m = 36 ha each, without an area_ha column: land score 36 / 50 = 0.72
    cand = h.points([{"id": c} for c in AT], [h.square(x, north_km=y) for x, y in AT.values()])
    # criteria order: symbiosis, flows, rail, port, road, land -> land alone
    r = site_industrial_parks(cand, flows, roads, stations=stations, ports=ports, count=1,
                              weights=[0, 0, 0, 0, 0, 1])
    got = r.layers["candidates"].set_index("id")
    assert got["area_ha"].to_dict() == pytest.approx({"Z1": 36.0, "Z2": 36.0, "Z3": 36.0})
    assert got["score_total"].tolist() == pytest.approx([0.72] * 3)


def test_a_match_is_credited_to_the_park_that_reaches_it_in_third_place() -> None:
    cand, flows, roads, stations, ports = _inputs()
    # land alone: Z2, Z1, Z3; only Z3 (third) is within 5 km of the ash pair
    r = site_industrial_parks(cand, flows, roads, stations=stations, ports=ports, weights={"land": 1.0},
                              count=3)
    sel = r.layers["selected_sites"]
    assert sel["id"].tolist() == ["Z2", "Z1", "Z3"]
    assert sel["matches"].tolist() == [0, 0, 1]
    assert r.layers["matches"]["site_id"].tolist() == ["Z3"]


def test_sensitivity_perturbs_the_weights_used() -> None:
    cand, flows, roads, stations, ports = _inputs()
    # land alone, spread 0: Z2 (50 ha) is first in every run; with equal weights Z3 would be
    r = site_industrial_parks(cand, flows, roads, stations=stations, ports=ports, count=1,
                              weights={"land": 1.0},
                              parameters={"suitability.sensitivity_runs": 5,
                                          "suitability.sensitivity_top_k": 1,
                                          "suitability.sensitivity_spread": 0.0})
    share = r.tables["sensitivity"].set_index("id")["top_k_share"].to_dict()
    assert share == {"Z1": 0.0, "Z2": 1.0, "Z3": 0.0}
