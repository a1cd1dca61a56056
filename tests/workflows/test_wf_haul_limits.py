"""Per-kind haul limits of biogas and no hidden penalty: max_km = 150 collects at 120 km."""

from __future__ import annotations

import pytest

from arealsirk.defaults import default
from arealsirk.workflows import site_biogas

from . import handmade as h


@pytest.fixture(scope="module")
def long_graph():
    return h.graph(island=False, length_km=200)


def _sources():
    # one plant site at 0 km; manure at 5 km and 20 km, food waste at 50 km and 120 km, sludge at 90 km
    rows = [("m5", "cattle_manure", 11_000, 5), ("m20", "cattle_manure", 1_000, 20),
            ("f50", "food_waste", 2_000, 50), ("f120", "food_waste", 3_000, 120),
            ("s90", "sewage_sludge", 4_000, 90)]
    return h.points([{"id": i, "kind": k, "quantity": q, "unit": "t/yr"} for i, k, q, _ in rows],
                    [h.at(km) for *_, km in rows])


def _status(r):
    return r.layers["source_status"].set_index("id")["balance"].to_dict()


def test_rows_are_short_for_manure_and_long_for_food_waste_and_sludge():
    assert default("biogas.max_km.cattle_manure") == default("biogas.max_km") == 15
    assert default("biogas.max_km.pig_manure") == 15
    assert default("biogas.max_km.food_waste") == default("biogas.max_km.sewage_sludge") == 100


def test_per_kind_limits_by_default(long_graph):
    cand = h.points([{"id": "A"}], [h.at(0)])
    r = site_biogas(_sources(), cand, long_graph, count=1)
    # by hand: manure within 15 km, food waste and sludge within 100 km are collected
    assert _status(r) == {"m5": "collected", "m20": "beyond_max_km", "f50": "collected",
                          "f120": "beyond_max_km", "s90": "collected"}
    d = r.layers["allocation"].set_index("source_id")["distance_km"]
    assert d["f50"] == pytest.approx(50.0) and d["s90"] == pytest.approx(90.0)
    b = r.tables["balance"].set_index(["stream", "category"])["quantity"]
    assert b["food_waste", "beyond_max_km"] == 3_000 and b["cattle_manure", "beyond_max_km"] == 1_000
    # the explanation names the rows: the limits and the penalty derived from the longest one
    head = " | ".join(r.summary["balance_headline"])
    assert "food_waste (3,000 t/yr) is farther than its haul limit (100 km, biogas.max_km.food_waste)" in head
    pen = next(m for m in r.messages if m.key == "feedstock.penalty")
    assert "300 km" in pen and "biogas.uncollected_penalty_factor" in pen
    assert pen.params["pi"] == 3 * 100


def test_max_km_150_collects_beyond_100_km(long_graph):
    # the issue: max_km = 150 collected nothing beyond 100 km (hidden uncollected_penalty_km = 100)
    cand = h.points([{"id": "A"}], [h.at(0)])
    r = site_biogas(_sources(), cand, long_graph, count=1, max_km=150)
    assert set(_status(r).values()) == {"collected"}
    assert r.layers["allocation"].set_index("source_id").loc["f120", "distance_km"] == pytest.approx(120)
    pen = next(m for m in r.messages if m.key == "feedstock.penalty")
    assert pen.params["pi"] == pytest.approx(450) and "150 km (max_km)" in pen
    assert r.summary["balance_headline"] == ["all the feedstock is collected"]
    # max_km given overrides every kind, also downwards: manure at 20 km and food waste at 50 km
    r = site_biogas(_sources(), cand, long_graph, count=1, max_km=10)
    assert _status(r) == {"m5": "collected", "m20": "beyond_max_km", "f50": "beyond_max_km",
                          "f120": "beyond_max_km", "s90": "beyond_max_km"}


def test_kind_row_override_through_parameters(long_graph):
    cand = h.points([{"id": "A"}], [h.at(0)])
    r = site_biogas(_sources(), cand, long_graph, count=1, parameters={"biogas.max_km.food_waste": 130})
    assert _status(r)["f120"] == "collected"
    r = site_biogas(_sources(), cand, long_graph, count=1, parameters={"biogas.max_km.cattle_manure": 25})
    assert _status(r)["m20"] == "collected"


def test_without_count_the_penalty_makes_a_far_plant_pay_off(long_graph):
    # no count: plant B at 121 km opens when what it saves exceeds biogas.plant_fixed_tkm.  By hand,
    # A alone: 11 000 t x 5 + 2 000 x 50 + 4 000 x 90 km + 3 000 t (f120) x 300 km penalty = 1 415 000;
    # A and B: 11 000 x 5 + 2 000 x 50 + 4 000 x 31 + 3 000 x 1 = 282 000 (m20 is left in both):
    # B saves 1 133 000 tonne-km equivalents
    cand = h.points([{"id": "A"}, {"id": "B"}], [h.at(0), h.at(121)])
    r = site_biogas(_sources(), cand, long_graph, min_plant_t=2_000,
                    parameters={"biogas.plant_fixed_tkm": 1_100_000})
    assert set(r.layers["selected_sites"]["id"]) == {"A", "B"}
    r = site_biogas(_sources(), cand, long_graph, min_plant_t=2_000,
                    parameters={"biogas.plant_fixed_tkm": 1_170_000})
    assert set(r.layers["selected_sites"]["id"]) == {"A"}
