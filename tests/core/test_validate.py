"""Each validation case with a real bad file, asserting the message names file, layer and column."""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point, Polygon

from arealsirk._validate import check_number, validate_layer
from arealsirk.errors import (
    ArealsirkError,
    CrsError,
    DuplicateIdError,
    EmptyLayerError,
    GeometryError,
    InputError,
    MissingColumnError,
    NoOverlapError,
)
from arealsirk.io import read_layer


def _points(n: int = 3, crs: str | None = "EPSG:25833", **cols: object) -> gpd.GeoDataFrame:
    data = {"id": [f"s{i}" for i in range(n)], "quantity": [10.0 * (i + 1) for i in range(n)], **cols}
    geom = [Point(250_000 + 100 * i, 6_700_000) for i in range(n)]
    return gpd.GeoDataFrame(data, geometry=geom, crs=crs)


def _roundtrip(gdf: gpd.GeoDataFrame, tmp_path, name: str = "bad.gpkg", layer: str = "sources"):
    path = tmp_path / name
    gdf.to_file(path, layer=layer, driver="GPKG")
    return path, read_layer(path, layer)


def test_clean_layer_passes_and_is_copied(tmp_path):
    path, gdf = _roundtrip(_points(), tmp_path)
    out = validate_layer(gdf, name="sources", file=path, layer="sources", geometry="point",
                         numeric=["quantity"], id_column="id")
    assert len(out) == 3 and out is not gdf
    assert out.crs.to_epsg() == 25833


def test_no_crs(tmp_path):
    path, gdf = _roundtrip(_points(crs=None), tmp_path)
    with pytest.raises(CrsError, match=r"bad\.gpkg, layer 'sources': layer has no CRS"):
        validate_layer(gdf, name="sources", file=path, layer="sources")


def test_geographic_crs_is_reprojected_and_logged(tmp_path, caplog):
    src = _points().to_crs(4326)
    path, gdf = _roundtrip(src, tmp_path)
    with caplog.at_level(logging.INFO, logger="arealsirk"):
        out = validate_layer(gdf, name="sources", file=path, layer="sources")
    assert out.crs.to_epsg() == 25833
    assert abs(out.geometry.x.iloc[0] - 250_000) < 0.01
    assert "reprojected from geographic CRS" in caplog.text and "bad.gpkg" in caplog.text


def test_empty_layer(tmp_path):
    empty = _points().iloc[0:0]
    path, gdf = _roundtrip(empty, tmp_path)
    with pytest.raises(EmptyLayerError, match=r"bad\.gpkg, layer 'sources': layer is empty"):
        validate_layer(gdf, name="sources", file=path, layer="sources")


def test_invalid_geometries_are_repaired_and_counted(tmp_path, caplog):
    bowtie = Polygon([(0, 0), (10, 10), (10, 0), (0, 10), (0, 0)])
    good = Polygon([(20, 0), (30, 0), (30, 10), (20, 10)])
    src = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[bowtie, good], crs=25833)
    path, gdf = _roundtrip(src, tmp_path, layer="zones")
    assert not gdf.is_valid.all()
    with caplog.at_level(logging.WARNING, logger="arealsirk"):
        out = validate_layer(gdf, name="zones", file=path, layer="zones", geometry="polygon")
    assert out.is_valid.all()
    assert set(out.geom_type) <= {"Polygon", "MultiPolygon"}
    assert abs(out.area.iloc[0] - 50.0) < 1e-6  # the bow-tie's two triangles
    assert "repaired 1 invalid geometry" in caplog.text


def test_wrong_geometry_type(tmp_path):
    lines = gpd.GeoDataFrame({"id": ["a"]}, geometry=[LineString([(0, 0), (1, 1)])], crs=25833)
    path, gdf = _roundtrip(lines, tmp_path)
    with pytest.raises(GeometryError, match=r"layer 'sources': sources must have point geometries; "
                                            r"found LineString in 1 feature"):
        validate_layer(gdf, name="sources", file=path, layer="sources", geometry="point")


def test_missing_column_lists_present_columns(tmp_path):
    path, gdf = _roundtrip(_points(), tmp_path)
    with pytest.raises(MissingColumnError,
                       match=r"bad\.gpkg, layer 'sources', column 'kind': missing column .* columns "
                             r"present: id, quantity"):
        validate_layer(gdf, name="sources", file=path, layer="sources", columns=["kind"])


@pytest.mark.parametrize(("values", "message"), [
    (["10", "x", "3"], r"column 'quantity': values must be numbers; found 'x'"),
    ([10.0, np.nan, 3.0], r"column 'quantity': 1 missing \(NaN/empty\) value"),
    ([10.0, -5.0, 3.0], r"column 'quantity': 1 negative value\(s\), for example -5"),
])
def test_bad_quantities(tmp_path, values, message):
    src = _points()
    src["quantity"] = values
    path, gdf = _roundtrip(src, tmp_path)
    with pytest.raises(InputError, match=r"bad\.gpkg, layer 'sources', " + message):
        validate_layer(gdf, name="sources", file=path, layer="sources", numeric=["quantity"])


def test_duplicate_ids(tmp_path):
    src = _points(id=["a", "b", "a"])
    path, gdf = _roundtrip(src, tmp_path)
    with pytest.raises(DuplicateIdError, match=r"column 'id': ids must be unique; repeated: 'a'"):
        validate_layer(gdf, name="sources", file=path, layer="sources", id_column="id")


def test_layer_outside_study_area(tmp_path):
    far = _points()
    far.geometry = far.geometry.translate(xoff=500_000)  # Sweden, not the region
    path, gdf = _roundtrip(far, tmp_path)
    area = Point(250_000, 6_700_000).buffer(10_000)
    with pytest.raises(NoOverlapError, match=r"layer 'sources': sources does not overlap the study area"):
        validate_layer(gdf, name="sources", file=path, layer="sources", study_area=area)


def test_errors_are_builtin_and_root():
    assert issubclass(MissingColumnError, ValueError) and issubclass(MissingColumnError, ArealsirkError)


@pytest.mark.parametrize(("value", "kwargs", "message"), [
    ("x", {}, "count must be a number"),
    (-1, {"minimum": 0}, "count must be >= 0"),
    (0, {"minimum": 0, "exclusive_minimum": True}, "count must be > 0"),
    (2.5, {"integer": True}, "count must be a whole number"),
    (float("nan"), {}, "count must be finite"),
])
def test_check_number(value, kwargs, message):
    with pytest.raises(InputError, match=message):
        check_number(value, "count", **kwargs)


def test_values_beyond_the_bound_are_refused_with_the_bound():
    from arealsirk.defaults import default

    bound = default("validate.max_number")
    assert bound == 1e9  # the planning assumption in the defaults table
    beyond = r"column 'quantity': 1 value\(s\) beyond 1e\+09, for example 2e\+09"
    with pytest.raises(InputError, match=beyond):
        validate_layer(_points(quantity=[1.0, 2e9, 3.0]), name="sources", file="s.gpkg", layer="kilder",
                       numeric=["quantity"])
    assert validate_layer(_points(quantity=[1.0, 1e9, 3.0]), name="sources", numeric=["quantity"]) is not None
    with pytest.raises(InputError, match=r"count must lie within -1e\+09 \.\. 1e\+09"):
        check_number(1e308, "count")


def test_resource_values_name_file_layer_column_and_feature():
    from arealsirk._validate import check_layer_values

    def check(**cols):
        check_layer_values("sources", _points(**cols), file="s.gpkg", layer="kilder")

    check(kind=["food_waste", "cattle_manure", "excess_heat"], unit=["t/yr", "tonn/år", "MWh"])
    kind = r"^s\.gpkg, layer 'kilder', column 'kind': unknown resource kind 'food_wast' \(feature 's1'\)"
    with pytest.raises(InputError, match=kind + r"; did you mean 'food_waste'\?"):
        check(kind=["food_waste", "food_wast", "food_waste"], unit=["t/yr"] * 3)
    family = r"^s\.gpkg, layer 'kilder', column 'unit': unit 'GWh/yr' is an energy unit but kind 'food_waste'"
    with pytest.raises(InputError, match=family + r" is measured as mass .* \(feature 's2'\)"):
        check(kind=["food_waste"] * 3, unit=["t/yr", "t/yr", "GWh/yr"])
    with pytest.raises(InputError, match=r"column 'unit': unknown unit 'tonnes per year'"):
        check(kind=["food_waste"] * 3, unit=["tonnes per year"] * 3)
    # a kind is declared by a parameter that gives it a yield
    check_layer_values("sources", _points(kind=["tang"] * 3, unit=["t/yr"] * 3), file="s.gpkg", layer="k",
                       parameters={"resources.methane_nm3_per_t.tang": 40})
    with pytest.raises(EmptyLayerError, match=r"'quantity': every one of the 3 feature\(s\) has quantity 0"):
        check(quantity=[0.0, 0.0, 0.0], kind=["food_waste"] * 3, unit=["t/yr"] * 3)
    role = r"'role': values must be 'supply' or 'demand'; feature 's0' has 'tilbud'"
    with pytest.raises(InputError, match=role):
        check_layer_values("flows", _points(role=["tilbud", "supply", "demand"], kind=["heat"] * 3,
                                            unit=["GWh/yr"] * 3), file="s.gpkg", layer="k")
