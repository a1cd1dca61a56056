"""The region bundle loader on the real Ringeriksregionen + Hadeland GeoPackage."""

from __future__ import annotations

import geopandas as gpd

from arealsirk.readers import read_region_bundle


def test_bundle_layers_and_population(ringerike):
    b = read_region_bundle(ringerike, grid="250m", grid_geometry="centroid")
    assert {"kommuner", "region", "roads", "population", "stations", "settlements", "lakes"} <= set(b)
    assert all(layer.crs.to_epsg() == 25833 for layer in b.values())
    assert len(b["kommuner"]) == 9 and b["kommuner"]["population"].dtype.kind == "i"
    pop = b["population"]
    assert (pop.geom_type == "Point").all() and pop["kommunenummer"].notna().all()
    raw = gpd.read_file(ringerike, layer="ssb_befolkning_250m_2015")
    # the bundle's grid reaches 10 km outside the region; only cells with a centre in a kommune stay
    assert pop["population"].sum() < raw["pop_tot"].sum()
    assert 0.9 < pop["population"].sum() / b["kommuner"]["population"].sum() < 1.05  # 2015 vs 2021
    assert "Hønefoss" in set(b["stations"]["name"])


def test_rana_bundle_optional_layers(data):
    b = read_region_bundle(data / "rana_hemnes" / "rana_hemnes.gpkg")
    assert b["airports"]["name"].tolist() == ["Mo i Rana lufthavn, Røssvoll"]
    assert {"sea", "protected", "settlements"} <= set(b)
    assert sorted(b["kommuner"]["kommunenummer"]) == ["1832", "1833"]
