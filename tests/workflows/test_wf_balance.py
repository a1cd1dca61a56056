"""The balance table: every person and tonne of the input accounted for, with the right reason.

Hand-made instance (tests/workflows/handmade.py): a 30 km main road at 60 km/h, a separate island
road 20 km north, a kommune polygon covering x = -1 ... 30.5 km.  Expected categories are worked
out by hand from that geometry; totals are summed from the input layers independently.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from arealsirk.workflows import (
    site_bioenergy,
    site_biogas,
    site_industrial_parks,
    site_reuse_centres,
    site_textile_reuse,
    symbiosis_matches,
)
from arealsirk.workflows._balance import CATEGORIES

from . import handmade as h

COLUMNS = ["theme", "stream", "category", "quantity", "unit", "share"]


@pytest.fixture(scope="module")
def graph():
    return h.graph(with_land=True)


@pytest.fixture(scope="module")
def kommuner():
    box = shapely.box(h.X - 1000, h.Y - 10_000, h.X + 30_500, h.Y + 25_000)
    return gpd.GeoDataFrame({"kommunenummer": ["9999"], "kommunenavn": ["Prøve"]}, geometry=[box], crs=h.CRS)


def _by(balance: pd.DataFrame) -> dict[tuple[str, str], float]:
    return {(r.stream, r.category): r.quantity for r in balance.itertuples()}


def _check_sums(balance: pd.DataFrame, totals: pd.Series):
    """Every stream sums to its independently summed input total; shares sum to 1."""
    assert list(balance.columns[: len(COLUMNS)]) == COLUMNS
    assert set(balance["category"]) <= set(CATEGORIES)
    got = balance.groupby("stream")["quantity"].sum()
    assert set(got.index) == set(totals.index)
    for stream, total in totals.items():
        assert got[stream] == pytest.approx(total, rel=1e-9, abs=1e-9), stream
        assert balance.loc[balance["stream"] == stream, "share"].sum() == pytest.approx(1.0)


# --------------------------------------------------------------------------- biogas by hand


def _biogas_sources() -> gpd.GeoDataFrame:
    rows = [
        ("near", "cattle_manure", 12000, h.at(1)),  # collected
        ("cap", "cattle_manure", 1000, h.at(2)),  # 500 collected, 500 capacity full (capacity 12 500)
        ("beyond", "cattle_manure", 500, h.at(25)),  # 25 km > 15 km (biogas.max_km.cattle_manure)
        ("island", "food_waste", 800, h.at(2, north_km=20)),  # other road part, no plant there
        ("farm", "pig_manure", 200, h.at(10, north_km=8)),  # 8 km from any road > 5 km snap limit
        ("skerry", "pig_manure", 70, h.at(12, north_km=4.5)),  # 4.5 km off the road, 1.5 km of it sea
        ("out", "sewage_sludge", 400, h.at(31)),  # east of the kommune polygon
        ("tex", "textiles", 300, h.at(3)),  # no methane yield
        ("typo", "food_wast", 50, h.at(3)),  # unknown kind
    ]
    return h.points(
        [{"id": i, "kind": k, "quantity": q, "unit": "t/yr"} for i, k, q, _ in rows], [g for *_, g in rows]
    )


def test_biogas_balance_by_hand(graph, kommuner):
    src = _biogas_sources()
    cand = h.points([{"id": "A", "name": "Alfa"}], [h.at(0)])
    r = site_biogas(src, cand, graph, count=1, capacity_t=12_500, kommuner=kommuner)
    b = r.tables["balance"]
    _check_sums(b, src.groupby("kind")["quantity"].sum())
    assert _by(b) == pytest.approx(
        {
            ("cattle_manure", "collected"): 12_500,
            ("cattle_manure", "capacity_full"): 500,
            ("cattle_manure", "beyond_max_km"): 500,
            ("food_waste", "unreachable_no_site_on_part"): 800,
            ("pig_manure", "unreachable_far_from_road"): 200,
            ("pig_manure", "unreachable_across_water"): 70,
            ("sewage_sludge", "outside_region"): 400,
            ("textiles", "no_yield"): 300,
            ("food_wast", "no_yield"): 50,
        }
    )
    assert (b["theme"] == "biogas").all() and (b["unit"] == "t/yr").all()
    detail = b.set_index(["stream", "category"])["detail"]
    assert "not a known resource kind" in detail["food_wast", "no_yield"]
    assert "'food_waste'" in detail["food_wast", "no_yield"]
    assert "methane yield" in detail["textiles", "no_yield"]
    # unknown kinds as data, for the warning the pipeline prints
    unknown = r.tables["unknown_kinds"]
    assert unknown.to_dict("records") == [
        {"kind": "food_wast", "quantity": 50.0, "unit": "t/yr", "closest": "food_waste"}
    ]
    # per source, in the source layer
    status = r.layers["source_status"].set_index("id")["balance"]
    assert status.to_dict() == {
        "near": "collected",
        "cap": "capacity_full",
        "beyond": "beyond_max_km",
        "island": "unreachable_no_site_on_part",
        "farm": "unreachable_far_from_road",
        "skerry": "unreachable_across_water",
    }
    # the island's road part is named, and the parts table shows it holds feedstock and no plant
    island_part = int(r.tables["parts"].query("t == 800")["part"].iloc[0])
    assert (
        detail["food_waste", "unreachable_no_site_on_part"] == f"road part(s) {island_part} have no open site"
    )
    parts = r.tables["parts"].set_index(["part", "reason"])
    assert parts.loc[(island_part, ""), "open_sites"] == 0
    assert parts.loc[(-1, "across_water"), "t"] == 70 and parts.loc[(-1, "far_from_road"), "t"] == 200
    assert parts["t"].sum() == pytest.approx(
        src[src["id"].isin(["near", "cap", "beyond", "island", "farm", "skerry"])]["quantity"].sum()
    )
    # the headline leads with the largest losses, and the network loss is not blamed on max_km
    head = r.summary["balance_headline"]
    assert head[0] == "100% of the food_waste (800 t/yr) are on road parts with no site"
    assert r.messages[: len(head)] == head
    assert not any("food_waste" in m and "haul limit" in m for m in head)
    assert any(
        m.startswith(
            "4% of the cattle_manure (500 t/yr) is farther than its haul limit (15 km, "
            "biogas.max_km.cattle_manure)"
        )
        for m in head
    )
    md = r.summary_markdown()
    assert md.index("on road parts with no site") < md.index("Status:") < md.index("| Sites selected")
    assert "av befolkningen" not in r.summary_markdown(lang="nb")
    assert "100 % av matavfall (800 t/år) er på deler av vegnettet uten noen lokalitet" in r.summary_markdown(
        lang="nb"
    )


def test_every_feedstock_theme_balances(graph, kommuner):
    src = _biogas_sources()
    extra = h.points(
        [
            {"id": "grot", "kind": "forest_residue", "quantity": 5000, "unit": "t/yr"},
            {"id": "heat", "kind": "excess_heat", "quantity": 3, "unit": "GWh/yr"},
        ],
        [h.at(4), h.at(5)],
    )
    src = pd.concat([src, extra], ignore_index=True)
    cand = h.points([{"id": "A"}], [h.at(0)])
    totals = src.groupby("kind")["quantity"].sum()
    for run, theme, t_used in (
        (site_bioenergy, "bioenergy", ("forest_residue",)),
        (site_textile_reuse, "textile_reuse", ("textiles",)),
    ):
        kwargs = {"min_site_t": 0} if theme == "textile_reuse" else {"min_plant_t": 0}
        r = run(src, cand, graph, count=1, kommuner=kommuner, **kwargs)
        b = r.tables["balance"]
        _check_sums(b, totals)
        assert (b["theme"] == theme).all()
        used = b[b["stream"].isin(t_used)]
        assert set(used["category"]) == {"collected"}
        # every other kind is not used by this theme, whatever its unit (heat stays in GWh/yr)
        other = b[~b["stream"].isin(t_used)]
        assert set(other["category"]) == {"no_yield"}
        assert other.set_index("stream").loc["excess_heat", "unit"] == "GWh/yr"


# --------------------------------------------------------------------------- reuse by hand


def test_reuse_balance_by_hand(graph, kommuner):
    rows = [
        ("in", 100, h.at(5)),
        ("beyond", 50, h.at(20)),
        ("island", 30, h.at(2, north_km=20)),
        ("farm", 20, h.at(10, north_km=8)),
        ("skerry", 7, h.at(12, north_km=4.5)),
        ("out", 10, h.at(31)),
        ("empty", 0, h.at(6)),
    ]
    dem = h.points([{"id": i, "population": p} for i, p, _ in rows], [g for *_, g in rows])
    cand = h.points([{"id": "A"}], [h.at(0)])
    r = site_reuse_centres(dem, cand, graph, count=1, max_minutes=10, kommuner=kommuner)
    b = r.tables["balance"]
    _check_sums(b, pd.Series({"population": float(dem["population"].sum())}))
    assert _by(b) == pytest.approx(
        {
            ("population", "served_within_limit"): 100,
            ("population", "served_beyond_limit"): 50,
            ("population", "unreachable_no_site_on_part"): 30,
            ("population", "unreachable_far_from_road"): 20,
            ("population", "unreachable_across_water"): 7,
            ("population", "outside_region"): 10,
        }
    )
    assert (b["unit"] == "people").all()
    parts = r.tables["parts"]
    assert parts.loc[parts["people"] == 150, "open_sites"].tolist() == [1]  # the main road: 100 + 50
    assert parts.loc[parts["people"] == 30, "open_sites"].tolist() == [0]  # the island
    head = r.summary["balance_headline"]
    assert head[0] == "23% of the people (50) are served only beyond the limit of 10 min, max_minutes"
    assert head[1] == "14% of the people (30) are on road parts with no site"
    assert (
        head[1].render("nb")
        == "14 % av befolkningen (30 personer) er på deler av vegnettet uten noen lokalitet"
    )
    # the defaults row is named when max_minutes comes from it
    r = site_reuse_centres(dem, cand, graph, count=1, kommuner=kommuner, parameters={"reuse.max_minutes": 10})
    assert "10 min, reuse.max_minutes" in r.summary["balance_headline"][0]


def test_reuse_balance_on_the_demo(reuse7, demo):
    _check_sums(
        reuse7.tables["balance"], pd.Series({"population": float(demo.population["population"].sum())})
    )


# --------------------------------------------------------------------------- demo themes


def test_biogas_balance_on_the_demo(biogas3, demo):
    _check_sums(biogas3.tables["balance"], demo.sources.groupby("kind")["quantity"].sum())
    b = biogas3.tables["balance"]
    collected = b[b["category"] == "collected"]["quantity"].sum()
    assert collected == pytest.approx(biogas3.summary["feedstock_t"], rel=1e-9)


def test_flow_balance_parks_and_symbiosis(demo):
    f = demo.flows
    totals = f.assign(stream=f["kind"] + ":" + f["role"]).groupby("stream")["quantity"].sum()
    parks = site_industrial_parks(demo.zones, demo.flows, demo.roads, stations=demo.stations)
    sym = symbiosis_matches(demo.flows, roads=demo.roads)
    for r in (parks, sym):
        b = r.tables["balance"]
        _check_sums(b, totals)
        matched = b[b["category"] == "matched"]
        # matched supply of a kind equals the matched demand of it, and the matches' quantities
        m = r.layers["matches"] if r is sym else None
        if m is not None:
            for kind, q in m.groupby("kind")["quantity"].sum().items():
                assert matched.set_index("stream").loc[f"{kind}:supply", "quantity"] == pytest.approx(q)
                assert matched.set_index("stream").loc[f"{kind}:demand", "quantity"] == pytest.approx(q)
        assert r.summary["balance_headline"]


def test_empty_loss_headline(graph):
    src = h.points([{"id": "a", "kind": "cattle_manure", "quantity": 100.0, "unit": "t/yr"}], [h.at(1)])
    cand = h.points([{"id": "A"}], [h.at(0)])
    r = site_biogas(src, cand, graph, count=1, min_plant_t=0)
    assert r.summary["balance_headline"] == ["all the feedstock is collected"]
    assert np.isclose(r.tables["balance"]["share"].sum(), 1.0)
