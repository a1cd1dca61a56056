"""Industrial-park criteria scores, weights and ranks worked out by hand on a straight road.

Mutation testing (issue 16, docs/mutation.md): kills the weight and criterion-scale mutants of
``workflows/parks.py`` (each ``parks.weight_<criterion>`` read from its own key, the distance
scales ``parks.rail_zero_km`` / ``road_zero_km`` / ``port_zero_km`` and ``parks.land_full_ha``).

Layout (km along the E road ``y = Y`` of :mod:`tests.workflows.handmade`, and km north of it):
station at (0, 0), port at (40, 0); Z1 at (2, 1) with 25 ha, Z2 at (10, 2) with 50 ha, Z3 at
(33, 0.5) with 10 ha; one ash supplier at (35, 0) and its consumer at (36, 0), within 5 km
(``parks.flow_radius_km``) of Z3 only.
"""

from __future__ import annotations

import math

import pytest

from arealsirk.workflows import site_industrial_parks

from . import handmade as h

# defaults.csv: parks.rail_zero_km 20, road_zero_km 5, port_zero_km 30 (km), land_full_ha 50
RAIL0, ROAD0, PORT0, LAND_FULL = 20.0, 5.0, 30.0, 50.0
WEIGHTS = {"symbiosis": 0.4, "flows": 0.1, "rail": 0.2, "road": 0.2, "land": 0.2, "port": 0.1}
AT = {"Z1": (2.0, 1.0), "Z2": (10.0, 2.0), "Z3": (33.0, 0.5)}
HA = {"Z1": 25.0, "Z2": 50.0, "Z3": 10.0}


def _fuzzy_near(d_km: float, zero_km: float) -> float:
    return min(max(1.0 - d_km / zero_km, 0.0), 1.0)


def _by_hand() -> dict[str, dict[str, float]]:
    """Every criterion score of every candidate, from the geometry above."""
    out = {}
    for cid, (x, y) in AT.items():
        out[cid] = {
            "symbiosis": 1.0 if cid == "Z3" else 0.0,  # min-max of the hosted saving: only Z3 hosts
            "flows": 1.0 if cid == "Z3" else 0.0,  # min-max of the flows within 5 km: 2, 0, 0
            "rail": _fuzzy_near(math.hypot(x, y), RAIL0),
            "road": _fuzzy_near(abs(y), ROAD0),
            "port": _fuzzy_near(math.hypot(40.0 - x, y), PORT0),
            "land": min(HA[cid] / LAND_FULL, 1.0),
        }
    return out


def _inputs():
    cand = h.points([{"id": c, "area_ha": HA[c]} for c in AT], [h.at(x, north_km=y) for x, y in AT.values()])
    flows = h.points(
        [{"id": "S", "role": "supply", "kind": "ash", "quantity": 100.0, "unit": "t/yr"},
         {"id": "C", "role": "demand", "kind": "ash", "quantity": 100.0, "unit": "t/yr"}],
        [h.at(35), h.at(36)],
    )
    roads = h.roads(island=False, length_km=40).assign(vegkategori="E")
    stations = h.points([{"id": "st"}], [h.at(0)])
    ports = h.points([{"id": "port"}], [h.at(40)])
    return cand, flows, roads, stations, ports


def _run(**kw):
    cand, flows, roads, stations, ports = _inputs()
    return site_industrial_parks(cand, flows, roads, stations=stations, ports=ports, **kw)


def test_scores_weights_and_ranks_by_hand() -> None:
    r = _run(count=2)
    hand = _by_hand()
    assert hand["Z1"]["rail"] == pytest.approx(1 - math.sqrt(5) / 20)
    got = r.layers["candidates"].set_index("id")
    total_w = sum(WEIGHTS.values())  # 1.2: the weights are normalised to sum to 1
    for cid, scores in hand.items():
        for crit, s in scores.items():
            assert got.loc[cid, f"score_{crit}"] == pytest.approx(s, abs=1e-9), (cid, crit)
        total = sum(WEIGHTS[c] * s for c, s in scores.items()) / total_w
        assert got.loc[cid, "score_total"] == pytest.approx(total, abs=1e-9), cid
    # Z3 0.6638, Z1 0.3647, Z2 0.3483
    assert got["rank"].to_dict() == {"Z1": 2, "Z2": 3, "Z3": 1}
    assert r.layers["selected_sites"]["id"].tolist() == ["Z3", "Z1"]
    crit = r.tables["criteria"].set_index("criterion")["weight"]
    for c, w in WEIGHTS.items():
        assert crit[c] == pytest.approx(w / total_w)


@pytest.mark.parametrize(
    ("only", "order"),
    [
        ("rail", ["Z1", "Z2", "Z3"]),  # 0.888, 0.490, 0
        ("road", ["Z3", "Z1", "Z2"]),  # 0.9, 0.8, 0.6
        ("land", ["Z2", "Z1", "Z3"]),  # 1.0, 0.5, 0.2
        ("port", ["Z3", "Z1", "Z2"]),  # 0.766, then 0 and 0 (ties share rank 2)
        ("symbiosis", ["Z3", "Z1", "Z2"]),
    ],
)
def test_each_weight_row_is_read_from_its_own_key(only: str, order: list[str]) -> None:
    params = {f"parks.weight_{c}": (1.0 if c == only else 0.0) for c in WEIGHTS}
    r = _run(count=3, parameters=params)
    got = r.layers["candidates"].set_index("id")
    hand = _by_hand()
    for cid in AT:
        assert got.loc[cid, "score_total"] == pytest.approx(hand[cid][only], abs=1e-9)
    crit = r.tables["criteria"].set_index("criterion")["weight"]
    assert crit[only] == 1.0 and crit.drop(only).sum() == 0.0
    assert r.layers["selected_sites"]["id"].tolist()[0] == order[0]
    # the same through the weights argument (criteria not named get weight 0)
    r2 = _run(count=3, weights={only: 2.0})
    assert r2.layers["candidates"]["score_total"].tolist() == pytest.approx(got["score_total"].tolist())


def test_distance_scales_come_from_their_rows() -> None:
    # doubling the zero-score distances halves each distance's penalty
    r = _run(count=1, parameters={"parks.rail_zero_km": 40, "parks.road_zero_km": 10,
                                  "parks.port_zero_km": 60, "parks.land_full_ha": 100})
    got = r.layers["candidates"].set_index("id")
    x, y = AT["Z2"]
    assert got.loc["Z2", "score_rail"] == pytest.approx(1 - math.hypot(x, y) / 40)
    assert got.loc["Z2", "score_road"] == pytest.approx(1 - 2.0 / 10)
    assert got.loc["Z2", "score_port"] == pytest.approx(1 - math.hypot(30, 2) / 60)
    assert got.loc["Z2", "score_land"] == pytest.approx(0.5)
    assert got.loc["Z1", "score_land"] == pytest.approx(0.25)
