"""The same kommune layer through the formats Geonorge delivers: GML, zipped GeoJSON, GeoPackage."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import pytest

from arealsirk.errors import InputError
from arealsirk.readers import read_kommuner, read_roads, read_ssb_grid


@pytest.fixture(scope="module")
def two_kommuner(ringerike):
    k = gpd.read_file(ringerike, layer="kommuner")
    return k[k["kommunenummer"].isin(["3305", "3310"])].reset_index(drop=True)


def test_gml_and_zipped_geojson_agree(tmp_path, two_kommuner):
    gml = tmp_path / "Basisdata_Kommuner.gml"
    # Kartverket-like column names: upper case number as integer, name as 'navn'
    odd = two_kommuner.rename(columns={"kommunenavn": "navn"})
    odd["KOMMUNENR"] = odd.pop("kommunenummer").astype(int)
    odd.to_file(gml, driver="GML", layer="Kommune")
    geojson = tmp_path / "Kommuner.geojson"
    two_kommuner.to_crs(4326).to_file(geojson)
    zipped = tmp_path / "Kommuner_GeoJSON.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        z.write(geojson, arcname="Kommuner.geojson")

    a = read_kommuner(gml).sort_values("kommunenummer").reset_index(drop=True)
    b = read_kommuner(zipped).sort_values("kommunenummer").reset_index(drop=True)
    assert a["kommunenummer"].tolist() == b["kommunenummer"].tolist() == ["3305", "3310"]
    assert a["kommunenavn"].tolist() == ["Ringerike", "Hole"]
    assert a.crs.to_epsg() == b.crs.to_epsg() == 25833
    # same polygons after the GML round trip and the WGS84 round trip (areas within 0.1 %)
    assert (abs(a.area - b.area) / a.area < 1e-3).all()


def test_wrong_file_is_named(tmp_path, data):
    text = tmp_path / "notes.gpkg"
    text.write_text("not a geopackage")
    with pytest.raises(InputError, match=r"notes.gpkg: cannot be read"):
        read_kommuner(text)
    # a population CSV given where roads are expected
    with pytest.raises(InputError, match=r"nor2015pop_1kmruter.csv"):
        read_roads(data / "ssb_popgrid_2015" / "nor2015pop_1kmruter.csv")
    # kommuner given where an SSB grid is expected: no SSB id column
    with pytest.raises(InputError, match=r"Kommuner-S.geojson.*not an SSB cell id"):
        read_ssb_grid(data / "kommuner_fylker_2024" / "Kommuner-S.geojson")
    # a bundle with many layers needs a layer name when none of them is an obvious choice
    with pytest.raises(InputError, match=r"name the SSB grid layer|layers"):
        read_ssb_grid(data / "rana_hemnes" / "rana_hemnes.gpkg")


def test_uppercase_sosi_columns():
    from shapely.geometry import LineString

    from arealsirk.readers import normalise_roads

    gdf = gpd.GeoDataFrame(
        {"VEGKATEGORI": ["R", "K"], "VEGNUMMER": [7, 1000], "TYPEVEG": ["enkelBilveg"] * 2},
        geometry=[LineString([(0, 0), (10, 0)]), LineString([(10, 0), (10, 10)])], crs=25833)
    roads = normalise_roads(gdf)
    assert roads["vegkategori"].tolist() == ["R", "K"] and roads["vegnummer"].tolist() == [7, 1000]
