"""Feasible area from exclusion rules on geometry with known areas; candidates from it."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely

from arealsirk.candidates import from_points, from_suitability, from_zones
from arealsirk.constraints import (
    BufferRule,
    ExcludeRule,
    InsideRule,
    RasterThresholdRule,
    feasible_area,
    standard_rules,
)
from arealsirk.errors import CrsError, EmptyLayerError, InputError, NoOverlapError

from .conftest import write_tif

# region: 10 x 10 km square = 10 000 ha
X0, Y0 = 500000.0, 6690000.0
REGION = gpd.GeoDataFrame({"name": ["r"]}, geometry=[shapely.box(X0, Y0, X0 + 10000, Y0 + 10000)], crs=25833)


def _gdf(*geoms):
    return gpd.GeoDataFrame(geometry=list(geoms), crs=25833)


def _circle_ha(r, quad_segs=16):
    """Area of shapely's buffer polygon of a point: a regular 4*quad_segs-gon inscribed in the circle."""
    n = 4 * quad_segs
    return 0.5 * n * r * r * math.sin(2 * math.pi / n) / 1e4


def test_known_areas_each_rule(tmp_path):
    town = _gdf(shapely.Point(X0 + 5000, Y0 + 5000))
    lake = _gdf(shapely.box(X0 + 1000, Y0 + 1000, X0 + 2000, Y0 + 2000))  # 100 ha
    protected = _gdf(shapely.box(X0 + 8000, Y0, X0 + 10000, Y0 + 10000))  # 2000 ha
    # slope raster: 100 m cells over the region; columns x < X0 + 3000 are steep (20 %)
    slope = np.full((100, 100), 5.0)
    slope[:, :30] = 20.0
    sl = write_tif(tmp_path / "slope.tif", slope, cell=100.0, x0=X0, y1=Y0 + 10000)
    rules = [BufferRule("town 500 m", town, 500), BufferRule("lake 100 m", lake, 100),
             ExcludeRule("protected", protected), RasterThresholdRule("slope <= 10 %", sl, "<=", 10)]
    fa = feasible_area(REGION, rules, resolution=100)
    t = fa.table.set_index("rule")
    assert fa.region_ha == pytest.approx(10000)
    town_ha = _circle_ha(500)
    lake_ha = (1200 * 1200 - (4 - math.pi) * 100**2) / 1e4  # rounded corners (quad_segs=16: tiny error)
    assert t.loc["town 500 m", "removed_ha"] == pytest.approx(town_ha, rel=1e-9)
    assert t.loc["lake 100 m", "removed_ha"] == pytest.approx(lake_ha, rel=1e-3)
    assert t.loc["protected", "removed_ha"] == pytest.approx(2000)
    # slope removes the western 3 km strip (3000 ha) minus the lake buffer already removed
    assert t.loc["slope <= 10 %", "alone_ha"] == pytest.approx(3000)
    assert t.loc["slope <= 10 %", "removed_ha"] == pytest.approx(3000 - lake_ha, rel=1e-3)
    expected = 10000 - town_ha - 2000 - 3000
    assert fa.feasible_ha == pytest.approx(expected, rel=1e-6)
    assert fa.polygons["area_ha"].sum() == pytest.approx(expected, rel=1e-6)
    assert t["remaining_ha"].iloc[-1] == pytest.approx(fa.feasible_ha)
    # mask at 100 m: cells whose centre is feasible
    assert fa.mask.shape == (100, 100) and set(np.unique(fa.mask)) <= {0, 1}
    assert fa.mask.sum() == pytest.approx(expected / 1, rel=0.01)  # 1 ha per cell
    out = fa.write_mask(tmp_path / "mask.tif")
    with rasterio.open(out) as src:
        assert src.read(1).sum() == fa.mask.sum() and src.nodata == 255


def test_inside_rule_and_overlap_reporting():
    road = _gdf(shapely.LineString([(X0, Y0 + 5000), (X0 + 10000, Y0 + 5000)]))
    big_town = _gdf(shapely.box(X0 + 4000, Y0 + 4000, X0 + 6000, Y0 + 6000))
    fa = feasible_area(REGION, [InsideRule("within 1 km of road", road, 1000),
                                ExcludeRule("town", big_town)])
    t = fa.table.set_index("rule")
    # corridor 2 km wide x 10 km (flat ends cut by the region) = 2000 ha kept
    assert t.loc["within 1 km of road", "remaining_ha"] == pytest.approx(2000, rel=1e-6)
    assert t.loc["within 1 km of road", "removed_ha"] == pytest.approx(8000, rel=1e-6)
    # the town (400 ha) overlaps the corridor over 2 km x 2 km = 400 ha
    assert t.loc["town", "removed_ha"] == pytest.approx(400)
    assert t.loc["town", "alone_ha"] == pytest.approx(400)
    assert fa.feasible_ha == pytest.approx(1600)
    assert len(fa.polygons) == 2  # the town splits the corridor


def test_rule_errors(tmp_path):
    pt = _gdf(shapely.Point(X0, Y0))
    with pytest.raises(InputError, match="unique"):
        feasible_area(REGION, [BufferRule("a", pt, 10), BufferRule("a", pt, 20)])
    # an object that is not a rule is named before the names are compared (was an AttributeError)
    with pytest.raises(InputError, match="not a rule: 'lakes'"):
        feasible_area(REGION, [BufferRule("a", pt, 10), "lakes"])
    with pytest.raises(InputError, match="op must be"):
        RasterThresholdRule("s", "x.tif", "=<", 10)
    with pytest.raises(InputError, match="distance_m must be >= 0"):
        feasible_area(REGION, [BufferRule("a", pt, -5)])
    far = write_tif(tmp_path / "far.tif", np.ones((10, 10)), cell=100.0, x0=X0 + 50_000, y1=Y0)
    with pytest.raises(NoOverlapError, match="does not overlap"):
        feasible_area(REGION, [RasterThresholdRule("s", far, "<=", 10)])
    wrong = write_tif(tmp_path / "w.tif", np.ones((10, 10)), cell=100.0, x0=X0, y1=Y0 + 1000,
                      crs="EPSG:32632")
    with pytest.raises(CrsError, match="EPSG:32632"):
        feasible_area(REGION, [RasterThresholdRule("s", wrong, "<=", 10)])
    nod = write_tif(tmp_path / "n.tif", np.full((100, 100), np.nan), cell=100.0, x0=X0, y1=Y0 + 10000)
    with pytest.raises(InputError, match="all nodata"):
        feasible_area(REGION, [RasterThresholdRule("s", nod, "<=", 10)])
    fa = feasible_area(REGION, [BufferRule("everything", pt, 20000)])
    assert fa.feasible_ha == 0 and "no feasible land" in fa.messages[0] and len(fa.polygons) == 0


def test_standard_rules_use_defaults_table():
    pt = _gdf(shapely.Point(X0, Y0))
    rules = standard_rules(settlements=pt, lakes=pt, protected=_gdf(shapely.box(X0, Y0, X0 + 1, Y0 + 1)))
    assert [r.name for r in rules] == ["settlements 500 m", "water 100 m", "protected areas"]
    assert rules[0].distance_m == 500 and rules[1].distance_m == 100


def test_candidates_from_suitability_regions(tmp_path):
    z = np.full((100, 100), 0.2)
    z[10:20, 10:20] = 0.9    # 100 cells of 100 m2*100 -> 1 ha each: 100 ha, mean 0.9
    z[10:20, 24:30] = 0.95   # 60 ha, best mean but only 400 m from the first
    z[70:72, 70:72] = 1.0    # 4 ha: below min area
    z[60:90, 10:20] = 0.7    # 300 ha
    z[0:3, 90:100] = np.nan
    path = write_tif(tmp_path / "s.tif", z, cell=100.0, x0=X0, y1=Y0 + 10000)
    kom = gpd.GeoDataFrame({"kommunenummer": ["9901", "9902"]},
                           geometry=[shapely.box(X0, Y0 + 5000, X0 + 10000, Y0 + 10000),
                                     shapely.box(X0, Y0, X0 + 10000, Y0 + 5000)], crs=25833)
    c = from_suitability(path, threshold=0.6, min_area_ha=5, min_spacing_m=1000, count=3, kommuner=kom)
    assert c["id"].tolist() == ["R1", "R2"]
    np.testing.assert_allclose(c["area_ha"], [60, 300])
    np.testing.assert_allclose(c["suitability_mean"], [0.95, 0.7])
    assert c["kommunenummer"].tolist() == ["9901", "9902"]
    assert c.geometry.area.tolist() == pytest.approx([60e4, 300e4])
    c2 = from_suitability(path, threshold=0.6, min_area_ha=5, min_spacing_m=0, count=3)
    np.testing.assert_allclose(c2["area_ha"], [60, 100, 300])
    with pytest.raises(EmptyLayerError, match=r"highest value 1\.000"):
        from_suitability(path, threshold=1.5)


def test_candidates_from_zones_and_points():
    zones = gpd.GeoDataFrame({"id": ["z1", "z2"], "name": ["Zone 1", "Zone 2"],
                              "kommunenummer": ["9901", "9901"],
                              "zone_type": ["industri", "næring"]},
                             geometry=[shapely.box(X0, Y0, X0 + 400, Y0 + 400),
                                       shapely.box(X0 + 5000, Y0 + 5000, X0 + 5200, Y0 + 5200)], crs=25833)
    town = _gdf(shapely.Point(X0 + 5100, Y0 + 5100))
    fa = feasible_area(REGION, [BufferRule("town", town, 500)])
    c = from_zones(zones, feasible=fa, min_area_ha=1)
    assert c["id"].tolist() == ["z1"] and c.loc[0, "area_ha"] == pytest.approx(16)
    assert list(c.columns[:3]) == ["id", "name", "kommunenummer"]
    pts = gpd.GeoDataFrame({"name": ["p", "q"]}, geometry=[shapely.Point(X0 + 100, Y0 + 100),
                                                            shapely.Point(X0 + 5050, Y0 + 5050)], crs=25833)
    p = from_points(pts, feasible=fa)
    assert p["id"].tolist() == ["P1"] and p["name"].tolist() == ["p"]
    with pytest.raises(EmptyLayerError):
        from_zones(zones.iloc[[1]], feasible=fa)


# --------------------------------------------------------------------------- candidate exclusions

def test_exclude_candidates_each_rule(tmp_path):
    from arealsirk.constraints import Exclusions, exclude_candidates

    # candidates: P1 point 50 m from a lake (inside its 100 m buffer), P2 point 400 m from the
    # settlement (inside 500 m), Z1 zone overlapping the protected area by 10 m, Z2 zone on the
    # steep strip (20 % slope), Z3 zone on flat land far from everything, P4 point inside 'other'
    lake = shapely.box(X0 + 3500, Y0 + 1000, X0 + 4500, Y0 + 2000)
    town = shapely.box(X0 + 5000, Y0 + 5000, X0 + 5500, Y0 + 5500)
    prot = shapely.box(X0 + 8000, Y0, X0 + 10000, Y0 + 3000)
    other = shapely.box(X0 + 6000, Y0 + 8000, X0 + 7000, Y0 + 9000)
    cands = gpd.GeoDataFrame(
        {"id": ["P1", "P2", "Z1", "Z2", "Z3", "P4"], "name": ["lake side", None, "", "steep", "flat", "o"]},
        geometry=[shapely.Point(X0 + 4550, Y0 + 1500), shapely.Point(X0 + 5250, Y0 + 5900),
                  shapely.box(X0 + 7000, Y0 + 500, X0 + 8010, Y0 + 1000),
                  shapely.box(X0 + 500, Y0 + 7000, X0 + 1500, Y0 + 8000),
                  shapely.box(X0 + 4000, Y0 + 8000, X0 + 5000, Y0 + 9000),
                  shapely.Point(X0 + 6500, Y0 + 8500)], crs=25833)
    # DEM, 100 m cells: z rises 20 m per 100 m (20 %) west of X0 + 3000, flat east of it
    col_x = np.arange(100) * 100.0 + 50.0
    z = np.where(col_x < 3000, (3000 - col_x) * 0.2, 0.0)
    dem = write_tif(tmp_path / "dem.tif", np.tile(z, (100, 1)), cell=100.0, x0=X0, y1=Y0 + 10000)
    ex = Exclusions(protected=_gdf(prot).assign(navn=["Reservatet"]), lakes=_gdf(lake),
                    settlements=_gdf(town).assign(name=["Byen"]), dem=dem, other=_gdf(other))
    kept, table = exclude_candidates(cands, ex)
    assert list(kept["id"]) == ["Z3"]
    rules = dict(zip(table["candidate_id"], table["rule"], strict=True))
    assert rules == {"P1": "lakes", "P2": "settlements", "Z1": "protected", "Z2": "slope", "P4": "other"}
    d = dict(zip(table["candidate_id"], table["detail"], strict=True))
    assert d["P1"].startswith("50 m from lakes") and "suitability.buffer_water_m = 100 m" in d["P1"]
    assert d["P2"].startswith("400 m from settlements 'Byen'")
    assert d["Z1"].startswith("overlaps protected 'Reservatet'")
    assert d["Z2"] == "mean slope 20.0 % > suitability.max_slope_pct = 10 %"
    names = dict(zip(table["candidate_id"], table["name"], strict=True))
    assert names["P2"] == "P2" and names["P1"] == "lake side"
    # overrides of the rows change the answer: a 30 m lake buffer keeps P1, 25 % slope keeps Z2
    kept, table = exclude_candidates(cands, ex, parameters={"suitability.buffer_water_m": 30,
                                                            "suitability.max_slope_pct": 25})
    assert set(kept["id"]) == {"P1", "Z2", "Z3"}
    # a bare GeoDataFrame is 'other'; None removes nothing
    kept, table = exclude_candidates(cands, _gdf(other))
    assert list(table["rule"]) == ["other"] and len(kept) == 5
    kept, table = exclude_candidates(cands, None)
    assert len(kept) == 6 and table.empty
    assert list(table.columns) == ["candidate_id", "name", "rule", "detail"]


def test_exclude_candidates_several_rules_and_errors(tmp_path):
    from arealsirk.constraints import Exclusions, exclude_candidates

    lake = shapely.box(X0, Y0, X0 + 100, Y0 + 100)
    cands = gpd.GeoDataFrame({"id": ["a"]}, geometry=[shapely.Point(X0 + 50, Y0 + 50)], crs=25833)
    kept, table = exclude_candidates(cands, Exclusions(protected=_gdf(lake), lakes=_gdf(lake)))
    assert kept.empty and list(table["rule"]) == ["protected", "lakes"]
    with pytest.raises(InputError, match=r"exclusions\.lakes"):
        exclude_candidates(cands, Exclusions(lakes=_gdf(shapely.Point(X0, Y0))))
    with pytest.raises(InputError, match="exclusions must be"):
        exclude_candidates(cands, "lakes.gpkg")
    wrong = write_tif(tmp_path / "dem4326.tif", np.zeros((5, 5)), cell=0.01, x0=10, y1=60, crs="EPSG:4326")
    with pytest.raises(CrsError, match=r"exclusions\.dem"):
        exclude_candidates(cands, Exclusions(dem=wrong))
