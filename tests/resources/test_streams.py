"""Population and forest streams on a tiny hand-made region, every figure computed by hand."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from arealsirk.errors import InputError
from arealsirk.estimate import (
    combine,
    estimate_food_waste,
    estimate_forest_residue,
    estimate_manure,
    estimate_reuse_demand,
    estimate_sewage_sludge,
    estimate_textiles,
)

# two 10 x 10 km kommuner side by side; three populated cells (A: 100 and 300 people, B: 50)
K = gpd.GeoDataFrame(
    {"kommunenummer": ["1111", "2222"], "kommunenavn": ["Aby", "Bby"]},
    geometry=[box(0, 6_600_000, 10_000, 6_610_000), box(10_000, 6_600_000, 20_000, 6_610_000)],
    crs=25833,
)
POP = gpd.GeoDataFrame(
    {"ssbid": ["a1", "a2", "b1"], "population": [100, 300, 50]},
    geometry=[Point(2500, 6_602_500), Point(7500, 6_607_500), Point(15_500, 6_605_500)],
    crs=25833,
)


def test_food_waste_by_hand():
    est = estimate_food_waste(POP, K)
    s = est.sources.set_index("id")
    # 100 x 45 kg = 4.5 t; DM 27 % = 1.215 t; methane 4.5 x 95 = 427.5 Nm3; 427.5 x 9.97 / 1e6 GWh
    assert s.loc["food_waste-a1", "quantity"] == pytest.approx(4.5)
    assert s.loc["food_waste-a1", "dry_matter_t"] == pytest.approx(1.215)
    assert s.loc["food_waste-a1", "methane_nm3"] == pytest.approx(427.5)
    assert s.loc["food_waste-a1", "energy_gwh"] == pytest.approx(427.5 * 9.97 / 1e6)
    t = est.by_kommune.set_index("kommunenummer")
    assert t.loc["1111", "quantity"] == pytest.approx(18.0) and t.loc["1111", "population"] == 400
    assert t.loc["1111", "kg_per_inhabitant"] == pytest.approx(45.0)
    assert est.sources["kommunenummer"].tolist() == ["1111", "1111", "2222"]  # assigned by position
    assert est.sources["rule"].str.contains("45 kg per inhabitant").all()


def test_sludge_digested_and_undigested_by_hand():
    est = estimate_sewage_sludge(POP, K)
    s = est.sources.set_index("id")
    # Aby: raw DM = 400 x 22 kg = 8.8 t; digested 70 % loses 35 %: 8.8 x 0.7 x 0.65 = 4.004 t DM -> / 0.28
    assert s.loc["digested_sludge-1111", "dry_matter_t"] == pytest.approx(4.004)
    assert s.loc["digested_sludge-1111", "quantity"] == pytest.approx(4.004 / 0.28)
    assert s.loc["digested_sludge-1111", "methane_nm3"] == pytest.approx(4.004 / 0.28 * 15)
    # undigested 30 %: 2.64 t DM -> 10.56 t at 25 % DM; 60 Nm3/t = 633.6 Nm3
    assert s.loc["sewage_sludge-1111", "quantity"] == pytest.approx(10.56)
    assert s.loc["sewage_sludge-1111", "methane_nm3"] == pytest.approx(633.6)
    # placed at the most populous cell of the kommune (a2, 300 people), the rule says so
    assert s.loc["sewage_sludge-1111", "geometry"].equals(Point(7500, 6_607_500))
    assert "most populous SSB cell a2" in s.loc["sewage_sludge-1111", "rule"]
    # all undigested when the region's plants do not digest
    raw = estimate_sewage_sludge(POP, K, parameters={"resources.sludge_digested_share": 0}).sources
    assert set(raw["kind"]) == {"sewage_sludge"}
    assert raw.set_index("id").loc["sewage_sludge-1111", "quantity"] == pytest.approx(8.8 / 0.25)


def test_sludge_at_given_plants():
    plants = gpd.GeoDataFrame({"kommunenummer": ["1111"]}, geometry=[Point(1000, 6_601_000)], crs=25833)
    s = estimate_sewage_sludge(POP, K, plants=plants).sources.set_index("id")
    assert s.loc["sewage_sludge-1111", "geometry"].equals(Point(1000, 6_601_000))
    assert "treatment plant (given)" in s.loc["sewage_sludge-1111", "rule"]


def test_textiles_and_reuse_demand():
    tex = estimate_textiles(POP, K, parameters={"resources.textiles_kg_per_inhabitant": 5}).sources
    assert tex["quantity"].sum() == pytest.approx(450 * 5 / 1000)
    people = estimate_reuse_demand(POP, K)
    assert people.sources["quantity"].sum() == 450 and set(people.sources["unit"]) == {"persons"}
    t = people.by_kommune.set_index("kommunenummer")
    assert t.loc["2222", "quantity"] == 50


def test_forest_residue_by_hand():
    forest = gpd.GeoDataFrame(geometry=[box(0, 6_600_000, 10_000, 6_610_000)], crs=25833)  # all of Aby
    est = estimate_forest_residue(forest, K)
    # 10 000 ha x 0.8 m3/ha x 0.09 t DM/m3 x 0.4 = 288 t DM; as received 288 / 0.6 = 480 t; 480 x 2.4 MWh
    assert est.sources["dry_matter_t"].sum() == pytest.approx(288.0)
    assert est.sources["quantity"].sum() == pytest.approx(480.0)
    assert est.sources["energy_gwh"].sum() == pytest.approx(1.152)
    assert len(est.sources) == 4  # 10 km square cut by the 5 km grid
    given = estimate_forest_residue(forest, K, harvest_m3_per_ha={"1111": 2.0})
    assert given.sources["dry_matter_t"].sum() == pytest.approx(720.0)
    assert given.sources["rule"].str.contains("given per kommune").all()
    with pytest.raises(InputError, match=r"harvest_m3_per_ha: kommune.*9999"):
        estimate_forest_residue(forest, K, harvest_m3_per_ha={"9999": 1.0})


def test_manure_without_addresses_or_cells_at_a_kommune_point():
    reg = pd.DataFrame(
        {
            "farm_id": ["f1", "f2"],
            "kommunenummer": ["1111", "1111"],
            "gnr": [1, 2],
            "bnr": [1, 1],
            "ewe": [100.0, 0.0],
            "dairy_cow": [0.0, 10.0],
        }
    )
    est = estimate_manure(reg, K)
    s = est.sources
    assert set(s["kind"]) == {"sheep_goat_manure", "cattle_manure"}
    assert s["rule"].str.contains("at a point inside the kommune").all()
    assert s.geometry.within(K.geometry[0]).all()
    # ewes: 100 x 0.4 x 365 x 0.6 / 1000 = 8.76 t VS -> DM 10.95 t -> solid 25 % DM = 43.8 t
    sheep = s[s["kind"] == "sheep_goat_manure"]
    assert sheep["quantity"].sum() == pytest.approx(43.8)


def test_combine_and_bad_parameters():
    both = combine(estimate_food_waste(POP, K), estimate_textiles(POP, K), kommuner=K, population=POP)
    assert set(both.by_kommune["kind"]) == {"food_waste", "textiles"}
    with pytest.raises(InputError, match=r"combine: source id"):
        combine(estimate_food_waste(POP, K), estimate_food_waste(POP, K), kommuner=K)
    with pytest.raises(InputError, match=r"parameters: unknown key 'resources.food_waste_kg'"):
        estimate_food_waste(POP, K, parameters={"resources.food_waste_kg": 40})
    with pytest.raises(InputError, match=r"symbiosis.heat_nok_per_gwh_km.*no longer used.*heat_pipe"):
        estimate_food_waste(POP, K, parameters={"symbiosis.heat_nok_per_gwh_km": 1})


def test_coastal_cells_go_to_the_nearest_kommune_not_to_a_neighbour():
    from arealsirk.estimate import _region_cells

    every = gpd.GeoDataFrame(
        {"kommunenummer": ["1111", "2222", "3333"], "kommunenavn": ["Aby", "Bby", "Cby"]},
        geometry=[*K.geometry, box(20_000, 6_600_000, 30_000, 6_610_000)],
        crs=25833,
    )
    k = every[every["kommunenummer"].isin(["1111", "2222"])]
    # a1 inside Aby; s1 in the sea 400 m below Aby's edge; c1 inside Cby (a neighbour not asked for)
    cells = gpd.GeoDataFrame(
        {"ssbid": ["a1", "s1", "c1"], "population": [10, 7, 5]},
        geometry=[Point(5000, 6_605_000), Point(5000, 6_599_600), Point(20_400, 6_605_000)],
        crs=25833,
    )

    def read(path, *, clip, kommuner):  # as read_ssb_grid: kommunenummer of the polygon holding the centre
        got = cells[cells.within(clip)]
        hit = gpd.sjoin(got, kommuner[["kommunenummer", "geometry"]], how="left", predicate="within")
        return hit.drop(columns="index_right")

    pop, note = _region_cells(read, None, k, every, parameters={})
    assert dict(zip(pop["ssbid"], pop["kommunenummer"], strict=True)) == {"a1": "1111", "s1": "1111"}
    assert note.startswith("7 inhabitant(s) in 1 SSB cell(s)")


def test_aggregate_sources_keeps_tonnes_and_weights_the_position():
    from arealsirk.estimate import aggregate_sources

    est = estimate_food_waste(POP, K)  # a1 (100 people) and a2 (300) lie in different 5 km cells of Aby
    one = aggregate_sources(est.sources, cell_m=10_000)  # one 10 km cell per kommune
    assert len(one) == 2 and one["quantity"].sum() == pytest.approx(est.sources["quantity"].sum())
    aby = one[one["kommunenummer"] == "1111"].iloc[0]
    # quantity-weighted mean of (2500, 6 602 500) x 4.5 t and (7500, 6 607 500) x 13.5 t
    assert (aby.geometry.x, aby.geometry.y) == pytest.approx((6250.0, 6_606_250.0))
    assert aby["members"] == 2 and "sum of 2 source row(s)" in aby["rule"]
    assert len(aggregate_sources(est.sources)) == 3  # default 5 km cells: a1, a2, b1 apart
    with pytest.raises(InputError, match=r"cell_m must be a positive number"):
        aggregate_sources(est.sources, cell_m=0)
