"""Parks and symbiosis on hand-made instances: each saving counted once, a same-zone match credited
to its zone, and neighbouring firms given their local distance rather than two snap legs.

Every expected figure is worked out by hand in the test from the defaults-table values
(value per tonne, truck cost per tonne-km, detour factor), never read back from the code."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from arealsirk.resources import parameter
from arealsirk.workflows import site_industrial_parks, symbiosis_matches

from . import handmade as hm

ASH = parameter("symbiosis.value_nok_per_unit.ash")  # NOK/t
CHIPS = parameter("symbiosis.value_nok_per_unit.wood_chips")  # NOK/t
TRUCK = parameter("symbiosis.transport_nok_per_tkm")  # NOK/(t km)
DETOUR = parameter("resources.road_detour_factor")


def _flow(fid: str, role: str, kind: str, q: float, geom, zone: str | None = None) -> tuple[dict, object]:
    return {"id": fid, "role": role, "kind": kind, "quantity": q, "unit": "t/yr", "zone_id": zone}, geom


def _layer(items):
    return hm.points([r for r, _ in items], [g for _, g in items])


def _neighbours_and_far_pair():
    # road nodes every 1 km along y = Y (network.max_edge_m = 1000 m).  Ash: A1 above the 10 km node,
    # 0.5 km north of the road; B1 141 m east of it.  Chips: C1 above the 20 km node, D1 above the
    # 22 km node, both 0.5 km north (2 km apart: beyond symbiosis.local_km = 1 km).
    return _layer(
        [
            _flow("A1", "supply", "ash", 100, hm.at(10, north_km=0.5)),
            _flow("B1", "demand", "ash", 100, shapely.Point(hm.X + 10_141, hm.Y + 500)),
            _flow("C1", "supply", "wood_chips", 100, hm.at(20, north_km=0.5)),
            _flow("D1", "demand", "wood_chips", 100, hm.at(22, north_km=0.5)),
        ]
    )


def test_neighbouring_firms_get_their_local_distance():
    assert parameter("symbiosis.local_km") == 1
    r = symbiosis_matches(_neighbours_and_far_pair(), roads=hm.graph(island=False))
    m = r.layers["matches"].set_index("supplier_id")
    # 141 m apart: the local distance 0.141 km x detour, not 0.5 + 0.5195 km of snap legs
    local_km = 0.141 * DETOUR
    assert m.loc["A1", "distance_km"] == pytest.approx(local_km, rel=1e-6)
    assert m.loc["A1", "distance_basis"] == "local"
    assert m.loc["A1", "saving"] == pytest.approx(100 * (ASH - TRUCK * local_km), rel=1e-6)
    # 2 km apart (beyond 1 km): the road, 0.5 km leg + 2 km along the road + 0.5 km leg = 3.0 km,
    # although the straight line x detour (2.6 km) would be shorter
    assert m.loc["C1", "distance_km"] == pytest.approx(3.0, rel=1e-6)
    assert m.loc["C1", "distance_basis"] == "road"
    assert m.loc["C1", "saving"] == pytest.approx(100 * (CHIPS - TRUCK * 3.0), rel=1e-6)


def test_local_km_row_is_used():
    # with symbiosis.local_km = 0 the neighbours get the road: leg 0.5 km + leg hypot(0.5, 0.141) km
    r = symbiosis_matches(
        _neighbours_and_far_pair(), roads=hm.graph(island=False), parameters={"symbiosis.local_km": 0}
    )
    m = r.layers["matches"].set_index("supplier_id")
    road_km = 0.5 + float(np.hypot(0.5, 0.141))
    assert m.loc["A1", "distance_km"] == pytest.approx(road_km, rel=1e-6)
    assert m.loc["A1", "distance_basis"] == "road"


def _zones():
    # Z1 (800 m square, 64 ha) 1 km north of the 11 km mark, Z2 (600 m square, 36 ha) 1 km south:
    # Z1 has more land, so with equal other scores Z1 ranks first.
    return hm.points(
        [{"id": "Z1", "name": "Nord"}, {"id": "Z2", "name": "Sør"}],
        [hm.square(11, 400, north_km=1), hm.square(11, 300, north_km=-1)],
    )


def test_a_saving_is_counted_once_however_many_parks_could_host_it():
    # one ash match S -> C, 2 km apart, both within 5 km (parks.flow_radius_km) of both zones;
    # no road layer: distance = 2 km x detour
    flows = _layer([_flow("S", "supply", "ash", 100, hm.at(10)), _flow("C", "demand", "ash", 100, hm.at(12))])
    saving = 100 * (ASH - TRUCK * 2.0 * DETOUR)
    r = site_industrial_parks(_zones(), flows, None, count=2)
    sel = r.layers["selected_sites"].set_index("id")
    m = r.layers["matches"]
    assert len(m) == 1 and m["site_id"].iloc[0] == "Z1"  # both ends near both: the better rank
    assert sel.loc["Z1", "rank"] < sel.loc["Z2", "rank"]
    assert sel.loc["Z1", "saving_nok"] == pytest.approx(saving)
    assert sel.loc["Z2", "saving_nok"] == 0
    assert sel["saving_nok"].sum() == pytest.approx(saving)  # once, not twice
    assert r.summary["saving_nok"] == pytest.approx(saving)
    assert sel.loc["Z1", "matches"] == 1 and sel.loc["Z2", "matches"] == 0
    # each park alone could host the whole match: that is its scoring potential
    assert sel.loc["Z1", "saving_potential_nok"] == pytest.approx(saving)
    assert sel.loc["Z2", "saving_potential_nok"] == pytest.approx(saving)


def test_a_match_inside_one_zone_is_credited_to_that_zone():
    # S and C lie inside Z2 (zone_id Z2), 200 m apart; Z1 is within 5 km of both and has more land.
    z2 = hm.at(11, north_km=-1)
    flows = _layer(
        [
            _flow("S", "supply", "ash", 100, shapely.Point(z2.x - 100, z2.y), zone="Z2"),
            _flow("C", "demand", "ash", 100, shapely.Point(z2.x + 100, z2.y), zone="Z2"),
        ]
    )
    saving = 100 * (ASH - TRUCK * 0.2 * DETOUR)  # 200 m: the local distance (no roads: the same)
    r = site_industrial_parks(_zones(), flows, None, count=2, weights={"land": 1.0})
    sel = r.layers["selected_sites"].set_index("id")
    assert sel.loc["Z1", "rank"] < sel.loc["Z2", "rank"]  # land only: Z1 first
    m = r.layers["matches"]
    assert m["site_id"].tolist() == ["Z2"]
    assert sel.loc["Z2", "saving_nok"] == pytest.approx(saving)
    assert sel.loc["Z1", "saving_nok"] == 0
    # the neighbouring zone cannot claim the firms' own match even as a potential
    assert sel.loc["Z1", "saving_potential_nok"] == 0
    assert sel.loc["Z2", "saving_potential_nok"] == pytest.approx(saving)
    cand = r.layers["candidates"].set_index("id")
    assert cand.loc["Z2", "score_symbiosis"] == pytest.approx(1.0)
    assert cand.loc["Z1", "score_symbiosis"] == pytest.approx(0.0)
