"""Layers -> GeoDataFrames -> layers: values, NULLs, types, CRS, multi-geometries."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from .conftest import memory_layer


def test_source_to_gdf_keeps_values_nulls_and_crs(qgis_app):
    from arealsirk_qgis.convert import source_to_gdf
    from qgis.core import NULL
    from qgis.PyQt.QtCore import QDate

    layer = memory_layer(
        "Point",
        [("name", "string"), ("n", "int"), ("x", "double"), ("ok", "bool"), ("day", "date")],
        [
            ("POINT(10 20)", "a", 1, 1.5, True, QDate(2024, 5, 17)),
            ("POINT(30 40)", NULL, NULL, NULL, False, NULL),
        ],
        crs="EPSG:32632",
    )
    gdf = source_to_gdf(layer)
    assert gdf.crs.to_epsg() == 32632
    assert list(gdf.columns) == ["name", "n", "x", "ok", "day", "geometry"]
    assert gdf["name"].tolist()[0] == "a" and gdf["name"].isna().tolist() == [False, True]
    assert gdf["n"].tolist()[0] == 1 and np.isnan(gdf["n"].tolist()[1])
    assert gdf["x"].dtype.kind == "f" and gdf["x"].isna().tolist() == [False, True]
    assert gdf["ok"].dtype == bool and gdf["ok"].tolist() == [True, False]
    assert gdf["day"].tolist()[0] == dt.date(2024, 5, 17)
    assert [(p.x, p.y) for p in gdf.geometry] == [(10, 20), (30, 40)]


def test_source_to_gdf_drops_z_and_keeps_custom_crs(qgis_app):
    from arealsirk_qgis.convert import source_to_gdf

    proj4 = "+proj=tmerc +lat_0=58 +lon_0=10 +k=1 +x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs"
    from qgis.core import QgsCoordinateReferenceSystem

    layer = memory_layer("LineStringZ", [("id", "int")], [("LINESTRING Z(0 0 5, 3 4 6)", 1)])
    layer.setCrs(QgsCoordinateReferenceSystem.fromProj(proj4))
    assert layer.crs().isValid() and not layer.crs().authid().startswith("EPSG")
    gdf = source_to_gdf(layer)
    assert not gdf.has_z.any()
    assert gdf.geometry.iloc[0].length == pytest.approx(5.0)
    params = {p["name"]: p["value"] for p in gdf.crs.to_json_dict()["conversion"]["parameters"]}
    assert params["Longitude of natural origin"] == 10 and params["Latitude of natural origin"] == 58


def test_wkb_type_promotes_mixed_single_and_multi(qgis_app):
    import geopandas as gpd
    from arealsirk_qgis.convert import fields_for, wkb_type_for
    from qgis.core import QgsProcessingException, QgsWkbTypes
    from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

    mixed = gpd.GeoDataFrame(
        {"a": [1, 2], "b": ["x", None], "c": [0.5, np.nan], "d": [True, False]},
        geometry=[box(0, 0, 1, 1), MultiPolygon([box(2, 2, 3, 3), box(4, 4, 5, 5)])],
        crs=25833,
    )
    assert wkb_type_for(mixed) == QgsWkbTypes.MultiPolygon
    names = [f.name() for f in fields_for(mixed)]
    assert names == ["a", "b", "c", "d"]
    with pytest.raises(QgsProcessingException, match="mixed geometry"):
        wkb_type_for(gpd.GeoDataFrame(geometry=[Point(0, 0), LineString([(0, 0), (1, 1)])], crs=25833))
    assert wkb_type_for(gpd.GeoDataFrame(geometry=[Polygon([(0, 0), (1, 0), (1, 1)])])) == QgsWkbTypes.Polygon


def test_geopackage_fid_column_is_renamed_on_output(qgis_app):
    import geopandas as gpd
    from arealsirk_qgis.convert import fields_for
    from shapely.geometry import Point

    frame = gpd.GeoDataFrame(
        {"fid": [7, 7], "id": ["a", "b"]}, geometry=[Point(0, 0), Point(1, 1)], crs=25833
    )
    assert [f.name() for f in fields_for(frame)] == ["source_fid", "id"]
