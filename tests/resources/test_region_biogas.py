"""Gjøvik-, Hadeland- og Ringeriksregionen: joint biogas plants on real manure, food waste and sludge.

Kommuner (2024 numbers, from the national N1000 file): Gjøvikregionen 3407 Gjøvik, 3442 Østre Toten,
3443 Vestre Toten, 3447 Søndre Land, 3448 Nordre Land; Hadeland 3446 Gran, 3234 Lunner, 3236 Jevnaker;
Ringeriksregionen 3305 Ringerike, 3310 Hole. Roads: N1000 Veglenke around the region (20 km margin).
Candidates: centres of the 1 km SSB cells with at least 500 inhabitants (settled land with roads).
"""

from __future__ import annotations

import csv

import geopandas as gpd
import pytest

from arealsirk.defaults import table
from arealsirk.estimate import aggregate_sources, estimate_region

from .test_manure_elverum import hand_tonnes

KOMMUNER = ["3407", "3442", "3443", "3447", "3448", "3446", "3234", "3236", "3305", "3310"]


@pytest.fixture(scope="module")
def region(shared_data):
    from arealsirk.network import graph_from_roads
    from arealsirk.workflows import site_biogas

    est = estimate_region(KOMMUNER, streams=["manure", "food_waste", "sewage_sludge"])
    k, pop = est.tables["kommuner"], est.tables["population"]
    minx, miny, maxx, maxy = k.total_bounds
    roads = gpd.read_file(
        shared_data / "n1000_kartverket" / "n1000_transport_admin.gpkg",
        layer="Veglenke",
        bbox=(minx - 20_000, miny - 20_000, maxx + 20_000, maxy + 20_000),
    )
    cand = pop[pop["population"] >= 500].copy()
    cand["geometry"] = cand.geometry.centroid
    cand["id"] = "c" + cand["ssbid"].astype(str)
    sources = aggregate_sources(est.sources)
    result = site_biogas(sources, cand, graph_from_roads(roads), count=3, kommuner=k)
    return est, sources, result


def test_every_kommune_has_real_manure_checked_by_hand(region, register_csv):
    est, _, _ = region
    with register_csv.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter=";") if r["kommunenr"] in KOMMUNER]
    hand = {}
    for r in rows:
        hand[r["kommunenr"]] = hand.get(r["kommunenr"], 0.0) + hand_tonnes(r)
    t = est.by_kommune
    manure = t[t["kind"].str.endswith("_manure")].groupby("kommunenummer")["quantity"].sum()
    assert set(manure.index) == set(KOMMUNER)
    for knr, tonnes in hand.items():
        assert manure[knr] == pytest.approx(tonnes, rel=1e-9), knr
    # per inhabitant: food waste is exactly the per-person factor, population from the SSB grid
    food = t[t["kind"] == "food_waste"].set_index("kommunenummer")
    assert (food["kg_per_inhabitant"] - 45.0).abs().max() < 1e-9
    assert food.loc["3407", "population"] > 25_000  # Gjøvik


def test_aggregation_keeps_every_tonne(region):
    est, sources, _ = region
    for kind, q in est.sources.groupby("kind")["quantity"].sum().items():
        assert sources[sources["kind"] == kind]["quantity"].sum() == pytest.approx(q, rel=1e-12), kind
    assert len(sources) < len(est.sources) / 4


def test_joint_plants_on_manure_food_waste_and_sludge(region):
    _, sources, result = region
    sel = result.layers["selected_sites"]
    assert len(sel) == 3 and result.status in ("optimal", "feasible")
    mix = result.tables["feedstock_mix"]
    for kind in ("cattle_manure", "food_waste", "sewage_sludge"):
        assert mix[kind].sum() > 0, kind
    # every tonne in: collected + not collected = supply, per kind
    status = result.layers["source_status"]
    for kind, q in sources.groupby("kind")["quantity"].sum().items():
        part = status[status["kind"] == kind]
        assert (part["collected_t"] + part["uncollected_t"]).sum() == pytest.approx(q, rel=1e-9), kind
    alloc = result.layers["allocation"]
    longest = max(row.value for row in table("biogas.max_km"))
    assert (alloc["distance_km"] <= longest + 1e-9).all()
    assert (sel["feedstock_t"] <= sel["capacity_t"] + 1e-6).all()
    assert result.summary["energy_gwh"] > 10
