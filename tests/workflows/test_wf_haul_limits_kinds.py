"""Per-kind biogas haul limits of the manure and sludge kinds the resource estimates add.

Solid farm manures (sheep/goat, horse, other animals) keep the 15 km farm-manure radius; dry
poultry manure and digested sludge get the 100 km of food waste and sewage sludge.  Each limit
is shown to come from the kind's own row: the general ``biogas.max_km`` is moved away and the
answer does not follow it, while the kind's row does."""

from __future__ import annotations

import pytest

from arealsirk.defaults import default
from arealsirk.workflows import site_biogas

from . import handmade as h

SHORT = ("sheep_goat_manure", "horse_manure", "other_manure")
LONG = ("poultry_manure", "digested_sludge")


@pytest.fixture(scope="module")
def long_graph():
    return h.graph(island=False, length_km=200)


def _sources(km: float):
    # one source of each kind at the same road distance from the only plant site (at 0 km)
    kinds = SHORT + LONG
    return h.points(
        [{"id": k, "kind": k, "quantity": 1_000, "unit": "t/yr"} for k in kinds], [h.at(km) for _ in kinds]
    )


def _status(r):
    return r.layers["source_status"].set_index("id")["balance"].to_dict()


def test_rows():
    for k in SHORT:
        assert default(f"biogas.max_km.{k}") == default("biogas.max_km.cattle_manure") == 15
    assert default("biogas.max_km.poultry_manure") == 100
    assert default("biogas.max_km.digested_sludge") == default("biogas.max_km.sewage_sludge") == 100


def test_each_kind_gets_its_own_limit(long_graph):
    cand = h.points([{"id": "A"}], [h.at(0)])
    # at 20 km: beyond 15 km for the solid manures, within 100 km for poultry manure and digested sludge
    r = site_biogas(_sources(20), cand, long_graph, count=1, min_plant_t=1)
    assert _status(r) == {**dict.fromkeys(SHORT, "beyond_max_km"), **dict.fromkeys(LONG, "collected")}
    head = " | ".join(r.summary["balance_headline"])
    for k in SHORT:
        assert f"(15 km, biogas.max_km.{k})" in head
    # the general row moved to 50 km changes none of them: each kind has its own row
    r = site_biogas(_sources(20), cand, long_graph, count=1, min_plant_t=1, parameters={"biogas.max_km": 50})
    assert _status(r) == {**dict.fromkeys(SHORT, "beyond_max_km"), **dict.fromkeys(LONG, "collected")}
    # at 110 km every kind is beyond its limit, whatever the general row says; the kind's row raised
    # to 120 km brings that kind, and only it, in
    for k in SHORT + LONG:
        params = {"biogas.max_km": 150, f"biogas.max_km.{k}": 120}
        r = site_biogas(_sources(110), cand, long_graph, count=1, min_plant_t=1, parameters=params)
        st = _status(r)
        assert st.pop(k) == "collected"
        assert set(st.values()) == {"beyond_max_km"}
