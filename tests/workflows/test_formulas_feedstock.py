"""Biogas, bioenergy and textile figures on a straight road, every number worked out by hand.

Mutation testing (issue 16, docs/mutation.md): these tests kill the formula mutants of
``workflows/_feedstock.py``, ``biogas.py``, ``bioenergy.py`` and ``textiles.py`` (tonne-km,
CO2 per vehicle class, truck trips, methane, energy, reuse, mean km, utilisation, objective).
The road is :mod:`tests.workflows.handmade`: a point at ``km a`` is ``|a - b|`` road km from one
at ``km b``.  The factors are the rows of ``arealsirk/defaults.csv``, quoted where used.
"""

from __future__ import annotations

import pytest

from arealsirk.workflows import site_bioenergy, site_biogas, site_textile_reuse

from . import handmade as h

# defaults.csv rows used below (quoted, so a changed table fails loudly here, not silently)
FOOD_NM3, CATTLE_NM3, SLUDGE_NM3, PIG_NM3 = 95.0, 11.0, 60.0, 13.0  # resources.methane_nm3_per_t.*
KWH_PER_NM3 = 9.97  # resources.kwh_per_nm3_methane (ISO 6976)
CO2_COMPACTOR, CO2_TANKER, CO2_GENERAL, CO2_TIMBER, CO2_BOX = 0.25, 0.075, 0.09, 0.075, 0.16  # kg/tkm
PAY_FOOD, PAY_CATTLE, PAY_SLUDGE, PAY_PIG, PAY_FOREST, PAY_DEFAULT, PAY_TEXTILES = 12, 25, 20, 25, 30, 25, 8


@pytest.fixture(scope="module")
def road():
    return h.graph(island=False, length_km=40)


def _sources(rows: list[tuple[str, str, float, float]]):
    return h.points([{"id": i, "kind": k, "quantity": q, "unit": "t/yr"} for i, k, q, _ in rows],
                    [h.at(km) for *_, km in rows])


BIOGAS_SOURCES = [
    ("f0", "food_waste", 126.0, 0.0),  # 4 km from A
    ("c10", "cattle_manure", 500.0, 10.0),  # 6 km from A, 18 km from B (beyond 15 km)
    ("s3", "sewage_sludge", 200.0, 1.0),  # 3 km from A
    ("p30", "pig_manure", 100.0, 30.0),  # 26 km from A (beyond 15 km), 2 km from B
    ("t5", "textiles", 40.0, 5.0),  # no methane yield: not biogas feedstock
]


def test_biogas_one_plant_by_hand(road) -> None:
    cand = h.points([{"id": "A"}], [h.at(4)])
    r = site_biogas(_sources(BIOGAS_SOURCES), cand, road, count=1, min_plant_t=100)
    s = r.summary
    tkm = 126 * 4 + 500 * 6 + 200 * 3  # 4104 tonne-km
    assert s["tonne_km"] == pytest.approx(tkm, rel=1e-9)
    co2_kg = 126 * 4 * CO2_COMPACTOR + 500 * 6 * CO2_TANKER + 200 * 3 * CO2_GENERAL  # 126 + 225 + 54
    assert s["co2_t"] == pytest.approx(co2_kg / 1000, rel=1e-9) == pytest.approx(0.405)
    trips = 126 / PAY_FOOD + 500 / PAY_CATTLE + 200 / PAY_SLUDGE  # 10.5 + 20 + 10
    assert s["truck_trips"] == pytest.approx(trips, rel=1e-9) == pytest.approx(40.5)
    nm3 = 126 * FOOD_NM3 + 500 * CATTLE_NM3 + 200 * SLUDGE_NM3  # 11 970 + 5 500 + 12 000
    assert s["methane_nm3"] == pytest.approx(nm3, rel=1e-9) == pytest.approx(29_470)
    assert s["energy_gwh"] == pytest.approx(nm3 * KWH_PER_NM3 / 1e6, rel=1e-9) == pytest.approx(0.2938159)
    assert s["feedstock_t"] == pytest.approx(826.0)
    assert s["feedstock_uncollected_t"] == pytest.approx(100.0)  # the pig slurry, 26 km > 15 km
    assert s["mean_km"] == pytest.approx(tkm / 826, rel=1e-9)
    # objective = tonne-km + penalty x tonnes left; penalty = 3 (biogas.uncollected_penalty_factor)
    # x the longest haul limit in use (food waste and sludge 100 km) = 300 km per tonne
    assert s["objective"] == pytest.approx(tkm + 300 * 100, rel=1e-9)
    assert (s["sites"], s["sites_new"], s["sites_existing"]) == (1, 1, 0)
    sel = r.layers["selected_sites"].iloc[0]
    assert sel["utilisation"] == pytest.approx(826 / 60_000)  # biogas.capacity_t 60 000 t/yr
    assert sel["capacity_t"] == 60_000
    assert sel["mean_km"] == pytest.approx(tkm / 826)
    alloc = r.layers["allocation"].set_index("source_id")
    assert sorted(alloc.index) == ["c10", "f0", "s3"]
    assert alloc.loc["f0", "distance_km"] == pytest.approx(4.0)
    assert alloc.loc["f0", "travel_min"] == pytest.approx(4.0)  # 60 km/h
    assert alloc.loc["c10", "tonne_km"] == pytest.approx(3000.0)
    assert alloc.loc["s3", "co2_t"] == pytest.approx(600 * CO2_GENERAL / 1000)
    assert alloc.loc["c10", "truck_trips"] == pytest.approx(20.0)
    assert alloc.loc["f0", "methane_nm3"] == pytest.approx(126 * FOOD_NM3)
    assert alloc.loc["s3", "energy_gwh"] == pytest.approx(200 * SLUDGE_NM3 * KWH_PER_NM3 / 1e6)
    status = r.layers["source_status"].set_index("id")
    assert status.loc["p30", "balance"] == "beyond_max_km"
    assert status.loc["p30", "uncollected_t"] == pytest.approx(100.0)
    assert status.loc["f0", "collected_t"] == pytest.approx(126.0)
    assert status.loc["f0", "uncollected_t"] == 0.0
    assert status.loc["f0", "site_id"] == "A"


def test_biogas_two_plants_split_by_hand(road) -> None:
    cand = h.points([{"id": "A"}, {"id": "B"}], [h.at(4), h.at(28)])
    r = site_biogas(_sources(BIOGAS_SOURCES), cand, road, count=2, min_plant_t=50)
    sel = r.layers["selected_sites"].set_index("id")
    # B takes only the pig slurry (2 km); A the rest as above
    assert sel.loc["B", "feedstock_t"] == pytest.approx(100.0)
    assert sel.loc["B", "tonne_km"] == pytest.approx(200.0)
    assert sel.loc["B", "co2_t"] == pytest.approx(200 * CO2_TANKER / 1000)
    assert sel.loc["B", "truck_trips"] == pytest.approx(100 / PAY_PIG)
    assert sel.loc["B", "methane_nm3"] == pytest.approx(100 * PIG_NM3)
    assert sel.loc["B", "mean_km"] == pytest.approx(2.0)
    assert sel.loc["A", "feedstock_t"] == pytest.approx(826.0)
    assert sel.loc["A", "tonne_km"] == pytest.approx(4104.0)
    s = r.summary
    assert s["tonne_km"] == pytest.approx(4304.0)
    assert s["feedstock_uncollected_t"] == 0.0 and s["feedstock_t"] == pytest.approx(926.0)
    assert s["objective"] == pytest.approx(4304.0)  # nothing left: no penalty term
    assert s["mean_km"] == pytest.approx(4304.0 / 926.0)
    assert s["truck_trips"] == pytest.approx(40.5 + 4.0)


def test_bioenergy_heat_by_hand(road) -> None:
    rows = [("g0", "forest_residue", 1000.0, 0.0), ("w20", "wood_chips", 500.0, 20.0)]
    cand = h.points([{"id": "H"}], [h.at(5)])
    r = site_bioenergy(_sources(rows), cand, road, count=1, min_plant_t=100)
    s = r.summary
    # heat = tonnes x 2.4 MWh/t (Alakangas 2005) / 1000 x 0.85 (bioenergy.boiler_efficiency)
    assert s["energy_gwh"] == pytest.approx(1500 * 2.4 / 1000 * 0.85, rel=1e-9) == pytest.approx(3.06)
    assert s["tonne_km"] == pytest.approx(1000 * 5 + 500 * 15)
    assert s["co2_t"] == pytest.approx(12_500 * CO2_TIMBER / 1000)  # both kinds go by timber truck
    # forest residue has its own payload row (30 t); wood chips take resources.payload_t.default (25 t)
    assert s["truck_trips"] == pytest.approx(1000 / PAY_FOREST + 500 / PAY_DEFAULT)
    assert s["mean_km"] == pytest.approx(12_500 / 1500)
    sel = r.layers["selected_sites"].iloc[0]
    assert sel["utilisation"] == pytest.approx(1500 / 40_000)  # bioenergy.capacity_t
    r = site_bioenergy(_sources(rows), cand, road, count=1, min_plant_t=100,
                       parameters={"bioenergy.boiler_efficiency": 0.5,
                                   "resources.forest_residue_mwh_per_t": 3.0})
    assert r.summary["energy_gwh"] == pytest.approx(1500 * 3.0 / 1000 * 0.5)


def test_textile_reuse_by_hand(road) -> None:
    rows = [("t0", "textiles", 100.0, 0.0), ("t10", "textiles", 40.0, 10.0), ("f1", "food_waste", 9.0, 1.0)]
    cand = h.points([{"id": "S"}], [h.at(2)])
    r = site_textile_reuse(_sources(rows), cand, road, count=1, min_site_t=50)
    s = r.summary
    assert s["reused_t"] == pytest.approx(140 * 0.6)  # textiles.reuse_share 0.6 (TemaNord 2014:539)
    assert s["tonne_km"] == pytest.approx(100 * 2 + 40 * 8)
    assert s["co2_t"] == pytest.approx(520 * CO2_BOX / 1000)  # box truck 0.16 kg/tkm
    assert s["truck_trips"] == pytest.approx(140 / PAY_TEXTILES)  # 17.5
    assert s["feedstock_t"] == pytest.approx(140.0)  # food waste is not textile feedstock
    sel = r.layers["selected_sites"].iloc[0]
    assert sel["reused_t"] == pytest.approx(84.0)
    assert sel["utilisation"] == pytest.approx(140 / 10_000)  # textiles.capacity_t
    r = site_textile_reuse(_sources(rows), cand, road, count=1, min_site_t=50,
                           parameters={"textiles.reuse_share": 0.25})
    assert r.summary["reused_t"] == pytest.approx(35.0)


def test_biogas_reads_the_yield_and_energy_overrides(road) -> None:
    cand = h.points([{"id": "A"}], [h.at(4)])
    params = {"resources.methane_nm3_per_t.food_waste": 100.0, "resources.kwh_per_nm3_methane": 10.0}
    r = site_biogas(_sources(BIOGAS_SOURCES), cand, road, count=1, min_plant_t=100, parameters=params)
    nm3 = 126 * 100.0 + 500 * CATTLE_NM3 + 200 * SLUDGE_NM3  # 12 600 + 5 500 + 12 000
    assert r.summary["methane_nm3"] == pytest.approx(nm3)
    assert r.summary["energy_gwh"] == pytest.approx(nm3 * 10.0 / 1e6)


def _three_parts():
    """The main road, the island road 20 km north and an islet road 20 km south (three parts)."""
    import geopandas as gpd
    import shapely

    from arealsirk.network import graph_from_roads

    lines = list(h.roads(island=True, length_km=40).geometry)
    lines.append(shapely.LineString([(h.X, h.Y - 20_000.0), (h.X + 5_000.0, h.Y - 20_000.0)]))
    roads = gpd.GeoDataFrame({"speed_kph": [60.0] * 3}, geometry=lines, crs=h.CRS)
    return graph_from_roads(roads, keep="all")


def test_biogas_full_plant_islands_overrides_by_hand() -> None:
    import geopandas as gpd
    import shapely

    rows = [
        ("f0", "food_waste", 126.0, h.at(0)),  # 4 km from A
        ("c19", "cattle_manure", 500.0, h.at(19)),  # 15 km from A: exactly at the 15 km limit
        ("s1", "sewage_sludge", 200.0, h.at(1)),  # 3 km from A
        ("i", "food_waste", 30.0, h.at(3, north_km=-20)),  # on the islet: no plant on its part
    ]
    src = h.points([{"id": i, "kind": k, "quantity": q, "unit": "t/yr"} for i, k, q, _ in rows],
                   [g for *_, g in rows])
    cand = h.points([{"id": "A", "name": "Alfa"}], [h.at(4)])
    existing = h.points([{"id": "E", "name": "Øya", "facility_type": "biogas_plant", "capacity_t": 100.0}],
                        [h.at(2, north_km=20)])  # on the island: no source on its part
    kommuner = gpd.GeoDataFrame(
        {"kommunenummer": ["1001", "1002"], "kommunenavn": ["Vest", "Øst"]},
        geometry=[shapely.box(h.X - 5e3, h.Y - 25e3, h.X + 20e3, h.Y + 25e3),
                  shapely.box(h.X + 20e3, h.Y - 25e3, h.X + 45e3, h.Y + 25e3)], crs=h.CRS)
    params = {"resources.co2_kg_per_tkm.compactor": 0.5, "resources.co2_kg_per_tkm": 0.2,
              "resources.payload_t.food_waste": 6.0, "biogas.uncollected_penalty_factor": 4.0}
    r = site_biogas(src, cand, _three_parts(), count=2, min_plant_t=100, capacity_t=700, existing=existing,
                    kommuner=kommuner, parameters=params)
    # A takes 700 t: all the food waste and sludge near it and 374 t of the cattle slurry (the
    # farthest tonnes are the ones left); 126 t of slurry and the islet's 30 t are left
    s = r.summary
    tkm = 126 * 4 + 200 * 3 + 374 * 15  # 6714
    assert s["tonne_km"] == pytest.approx(tkm)
    assert s["co2_t"] == pytest.approx((504 * 0.5 + 600 * 0.2 + 5610 * CO2_TANKER) / 1000)  # 0.79275
    assert s["truck_trips"] == pytest.approx(126 / 6 + 200 / PAY_SLUDGE + 374 / PAY_CATTLE)  # 45.96
    assert s["feedstock_t"] == pytest.approx(700.0) and s["feedstock_uncollected_t"] == pytest.approx(156.0)
    # penalty 4 x the longest limit in use (food waste and sludge: 100 km) = 400 km per tonne left
    assert s["objective"] == pytest.approx(tkm + 400 * 156)
    assert (s["sites"], s["sites_existing"], s["sites_new"]) == (2, 1, 1)
    sel = r.layers["selected_sites"].set_index("id")
    assert sel.loc["E", "feedstock_t"] == 0.0 and sel.loc["E", "tonne_km"] == 0.0
    assert sel.loc["E", "mean_km"] == 0.0 and sel.loc["E", "utilisation"] == 0.0
    assert sel.loc["A", "utilisation"] == pytest.approx(1.0)
    assert sel.loc["A", "facility_type"] == "biogas_plant" and sel.loc["E", "facility_type"] == "biogas_plant"
    assert sel.loc["A", "kommunenummer"] == "1001"
    assert r.layers["selected_sites"].crs == h.CRS and r.layers["allocation"].crs == h.CRS
    alloc = r.layers["allocation"]
    assert set(alloc["unit"]) == {"t/yr"} and set(alloc["facility_type"]) == {"biogas_plant"}
    status = r.layers["source_status"].set_index("id")
    assert status.loc["c19", "balance"] == "capacity_full"  # within its limit (15 <= 15 km)
    assert status.loc["c19", "uncollected_t"] == pytest.approx(126.0)
    assert status.loc["i", "balance"] == "unreachable_no_site_on_part"
    b = r.tables["balance"].set_index(["stream", "category"])["quantity"]
    assert b["cattle_manure", "capacity_full"] == pytest.approx(126.0)
    assert b["food_waste", "unreachable_no_site_on_part"] == pytest.approx(30.0)


@pytest.mark.parametrize("factor", [1.0, 0.5])
def test_a_penalty_factor_of_one_or_less_is_refused(road, factor: float) -> None:
    from arealsirk.errors import InputError

    cand = h.points([{"id": "A"}], [h.at(4)])
    with pytest.raises(InputError, match=r"biogas\.uncollected_penalty_factor"):
        site_biogas(_sources(BIOGAS_SOURCES), cand, road, count=1, min_plant_t=100,
                    parameters={"biogas.uncollected_penalty_factor": factor})


def test_a_penalty_factor_just_above_one_is_used(road) -> None:
    cand = h.points([{"id": "A"}], [h.at(4)])
    r = site_biogas(_sources(BIOGAS_SOURCES), cand, road, count=1, min_plant_t=100,
                    parameters={"biogas.uncollected_penalty_factor": 1.5})
    assert r.summary["objective"] == pytest.approx(4104 + 1.5 * 100 * 100)  # pi = 1.5 x 100 km


def test_nothing_collected_and_a_source_at_sea() -> None:
    # the only open plant is the existing one on the island; the slurry on the main road has no plant
    # on its part, the food waste lies 10 km out at sea (not snapped: farther than the snap distance)
    src = h.points([{"id": "c0", "kind": "cattle_manure", "quantity": 5.0, "unit": "t/yr"},
                    {"id": "sea", "kind": "food_waste", "quantity": 2.0, "unit": "t/yr"}],
                   [h.at(0), h.at(10, north_km=10)])
    existing = h.points([{"id": "E", "facility_type": "biogas_plant", "capacity_t": 100.0}],
                        [h.at(2, north_km=20)])
    cand = h.points([{"id": "A"}], [h.at(39)])  # 39 km from the slurry: beyond 15 km, never viable
    r = site_biogas(src, cand, h.graph(island=True, length_km=40, with_land=True), existing=existing,
                    min_plant_t=1, count=1)
    s = r.summary
    assert (s["feedstock_t"], s["tonne_km"], s["mean_km"]) == (0.0, 0.0, 0.0)
    assert s["feedstock_uncollected_t"] == 7.0
    assert s["workflow"] == "biogas" and s["gap"] == 0.0
    assert s["balance_headline"] == r.messages[: len(s["balance_headline"])]
    status = r.layers["source_status"].set_index("id")["balance"]
    assert status.to_dict() == {"c0": "unreachable_no_site_on_part", "sea": "unreachable_far_from_road"}


def test_half_a_tonne_has_a_mean_distance(road) -> None:
    src = h.points([{"id": "f0", "kind": "food_waste", "quantity": 0.5, "unit": "t/yr"}], [h.at(0)])
    cand = h.points([{"id": "A"}], [h.at(4)])
    r = site_biogas(src, cand, road, count=1, min_plant_t=0.1)
    assert r.summary["feedstock_t"] == 0.5
    assert r.summary["mean_km"] == pytest.approx(4.0)
    assert r.layers["selected_sites"]["mean_km"].tolist() == pytest.approx([4.0])
    assert r.summary["tonne_km"] == pytest.approx(2.0)
