"""Mutation run 5 (issue 16): what the earlier symbiosis tests left open.

With a road network, the suppliers and the consumers of materials are snapped to it as the layers
"flows (supply)" and "flows (demand)"; a side lying wholly outside the network's extent is refused with
an error naming that side.  The hand-made network (tests/workflows/handmade.py) is a 30 km main road
along y = 0 and an island road 20 km north; 40 km north is more than the 5 km of
``network.max_snap_m`` beyond it, and 40 km is within ``symbiosis.max_km`` (50 km), so the pair
needs a road distance.  The neighbour distance and the detour factor are refused by their keys.
"""

from __future__ import annotations

import pytest

from arealsirk.errors import ArealsirkError, InputError
from arealsirk.workflows.symbiosis import match_flows

from . import handmade as h


def _ash(supply_north_km: float, demand_north_km: float):
    return h.points(
        [
            {"id": "A1", "role": "supply", "kind": "ash", "quantity": 10, "unit": "t/yr"},
            {"id": "B1", "role": "demand", "kind": "ash", "quantity": 10, "unit": "t/yr"},
        ],
        [h.at(10, north_km=supply_north_km), h.at(10, north_km=demand_north_km)],
    )


@pytest.mark.parametrize(
    ("supply_north", "demand_north", "side"),
    [(40.0, 0.0, "flows (supply)"), (0.0, 40.0, "flows (demand)")],
)
def test_a_side_outside_the_road_network_is_named(supply_north, demand_north, side):
    with pytest.raises(ArealsirkError) as err:
        match_flows(
            _ash(supply_north, demand_north), roads=h.graph(), max_heat_km=30, max_km=50,
            parameters=dict(h.SYMBIOSIS_PARAMS),
        )
    # the network's bounds: the main road from km 0 to km 30 at (500 000, 7 000 000) and the island
    # road 20 km north; the point outside is at km 10, 40 km north
    assert str(err.value) == (
        f"layer '{side}': 1 of 1 feature(s) lie outside the road network's extent (graph bounds "
        "500000, 7000000, 530000, 7020000 in EPSG:25833, plus 5000 m); first at (510000, 7040000) "
        "- wrong CRS or region?"
    )


@pytest.mark.parametrize(
    ("key", "value", "msg"),
    [
        ("symbiosis.local_km", -1, "symbiosis.local_km must be >= 0, got -1.0"),
        ("resources.road_detour_factor", 0.9, "resources.road_detour_factor must be >= 1, got 0.9"),
    ],
)
def test_a_bad_neighbour_distance_or_detour_factor_is_named(key, value, msg):
    # a negative neighbour distance, or a road shorter than the straight line, is refused by its key
    with pytest.raises(InputError) as err:
        match_flows(
            _ash(0.0, 0.0), max_heat_km=30, max_km=50, parameters=dict(h.SYMBIOSIS_PARAMS) | {key: value}
        )
    assert str(err.value) == msg


def test_heat_and_unmatched_kinds_need_no_road():
    # a heat pipe is priced on the straight line, and flows of different kinds are never paired, so
    # neither is snapped to the road network: heat firms and an ash/CO2 pair 40 km north of the
    # hand-made roads (outside their extent) are matched without a road error.  Heat: a 2 km pipe for
    # min(10, 4) = 4 GWh costs 0.1 x 1e6 x 2 x sqrt(4 / 4) / 4 = 50 000 NOK/GWh, saving
    # 300 000 - 50 000 = 250 000 NOK/GWh; the ash has no consumer and the CO2 no supplier.
    f = h.points(
        [
            {"id": "S1", "role": "supply", "kind": "excess_heat", "quantity": 10, "unit": "GWh/yr",
             "temperature_c": 90},
            {"id": "H1", "role": "demand", "kind": "heat", "quantity": 4, "unit": "GWh/yr",
             "temperature_c": 60},
            {"id": "A1", "role": "supply", "kind": "ash", "quantity": 5, "unit": "t/yr"},
            {"id": "D1", "role": "demand", "kind": "co2", "quantity": 5, "unit": "t/yr"},
        ],
        [h.at(10, north_km=40), h.at(12, north_km=40), h.at(11, north_km=40), h.at(11, north_km=41)],
    )
    matches, balance, _, status = match_flows(
        f, roads=h.graph(), max_heat_km=30, max_km=50, parameters=dict(h.SYMBIOSIS_PARAMS)
    )
    assert status == "optimal" and len(matches) == 1
    m = matches.iloc[0]
    assert (m["supplier_id"], m["consumer_id"], m["distance_basis"]) == ("S1", "H1", "pipe")
    assert m["quantity"] == pytest.approx(4.0, abs=1e-6)
    assert m["distance_km"] == pytest.approx(2.0, rel=1e-12)
    assert m["saving"] == pytest.approx(4 * 250_000.0, rel=1e-9)
    assert balance.set_index("id")["matched"].to_dict() == pytest.approx(
        {"S1": 4.0, "H1": 4.0, "A1": 0.0, "D1": 0.0}, abs=1e-6
    )
