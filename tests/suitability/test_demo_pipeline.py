"""End to end on the synthetic demo region: slope, exclusion rules, overlay, regions, zonal scores."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio

from arealsirk import candidates, constraints, raster, scoring
from arealsirk.datasets import demo_region


@pytest.fixture(scope="module")
def demo():
    return demo_region(0)


def _crop_dem(demo, tmp_path, bounds):
    """A window of the demo DEM (keeps the test quick on a loaded 2-core machine)."""
    from rasterio.windows import from_bounds

    with rasterio.open(demo.dem_path(tmp_path)) as src:
        win = from_bounds(*bounds, src.transform).round_offsets().round_lengths()
        prof = src.profile
        prof.update(width=int(win.width), height=int(win.height), transform=src.window_transform(win))
        data = src.read(1, window=win)
    with rasterio.open(tmp_path / "dem_crop.tif", "w", **prof) as dst:
        dst.write(data, 1)
    return tmp_path / "dem_crop.tif"


# the central 24 x 20 km of the demo region
BOUNDS = (248000.0, 6695000.0, 272000.0, 6715000.0)


def test_demo_suitability_chain(demo, tmp_path):
    import geopandas as gpd
    import shapely

    dem = _crop_dem(demo, tmp_path, BOUNDS)
    region = gpd.GeoDataFrame(geometry=[demo.region.union_all().intersection(shapely.box(*BOUNDS))],
                              crs=25833)
    slope = raster.write_slope(dem, tmp_path / "slope.tif")
    main = demo.roads[demo.roads["vegkategori"].isin(["E", "R", "F"])]
    raster.distance_raster(main, like=dem, out_path=tmp_path / "d_road.tif")
    raster.distance_raster(demo.settlements, like=dem, out_path=tmp_path / "d_settle.tif")

    rules = constraints.standard_rules(settlements=demo.settlements, lakes=demo.lakes,
                                       protected=demo.protected, main_roads=main, slope_raster=slope)
    fa = constraints.feasible_area(region, rules)
    t = fa.table.set_index("rule")
    # every hectare is accounted for: region - sum(removed) = feasible
    assert fa.region_ha - t["removed_ha"].sum() == pytest.approx(fa.feasible_ha, rel=1e-9)
    assert 0 < fa.feasible_ha < fa.region_ha
    # no feasible land within 500 m of a settlement or inside a protected area
    assert fa.geometry.intersection(demo.settlements.buffer(499).union_all()).area < 1.0
    assert fa.geometry.intersection(demo.protected.union_all()).area < 1.0

    ahp = scoring.ahp_weights([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]],
                              names=["road", "slope", "settle"])
    assert ahp.consistent
    res = scoring.suitability([scoring.RasterCriterion("road", tmp_path / "d_road.tif", "near"),
                               scoring.RasterCriterion("slope", slope, "low", scoring.FuzzyLinear(0, 10)),
                               scoring.RasterCriterion("settle", tmp_path / "d_settle.tif", "far")],
                              ahp, tmp_path / "suit.tif", mask=fa, criteria_dir=tmp_path / "crit")
    with rasterio.open(res.path) as src:
        s = src.read(1, masked=True)
        assert src.profile["tiled"] and src.profile["compress"] == "deflate"
        cell_ha = src.res[0] * src.res[1] / 1e4
    assert s.min() >= 0 and s.max() <= 1
    # the valid cells are the feasible land (cell centres inside it), within one cell along the edges
    assert res.valid_cells * cell_ha == pytest.approx(fa.feasible_ha, rel=0.02)

    regions = candidates.from_suitability(res.path, threshold=float(np.percentile(s.compressed(), 90)),
                                          min_area_ha=5, min_spacing_m=2000, count=4, kommuner=demo.kommuner)
    assert 1 <= len(regions) <= 4
    assert regions["suitability_mean"].is_monotonic_decreasing
    assert regions["kommunenummer"].notna().all()
    geoms = list(regions.geometry)
    assert all(a.distance(b) >= 2000 for i, a in enumerate(geoms) for b in geoms[i + 1:])
    assert regions.geometry.within(fa.geometry.buffer(30)).all()

    scored = scoring.score_from_rasters(regions, res)
    # a region's mean total equals the weighted sum of its mean criterion scores (linearity)
    w = res.weights
    recon = sum(w[n] * scored[f"score_{n}"] for n in w)
    np.testing.assert_allclose(scored["score_total"], recon, rtol=1e-5)
    np.testing.assert_allclose(scored["score_total"], regions["suitability_mean"], rtol=1e-5)

    sens = scoring.sensitivity(scored, w, n=200, top_k=1, seed=3)
    assert sens["top_k_share"].sum() == pytest.approx(1.0)


def test_demo_zones_vector_scoring_with_slope_zonal(demo, tmp_path):
    dem = demo.dem_path(tmp_path)  # whole region: the zones are spread over it
    slope = raster.write_slope(dem, tmp_path / "slope.tif")
    main = demo.roads[demo.roads["vegkategori"].isin(["E", "R"])]
    manure = demo.sources[demo.sources["kind"].isin(["cattle_manure", "pig_manure"])]
    crits = [scoring.distance_to("main_road", main, transform=scoring.FuzzyLinear(0, 3000)),
             scoring.distance_to("station", demo.stations),
             scoring.density("manure", manure, "quantity", bandwidth_m=15000, unit="t"),
             scoring.density("people", demo.population, "population", bandwidth_m=20000, kernel="uniform"),
             scoring.zonal("slope", slope, stat="mean", better="low")]
    out = scoring.score_candidates(demo.zones, crits, weights=[3, 1, 2, 2, 1])
    assert sorted(out["rank"]) == list(range(1, len(out) + 1)) or out["rank"].min() == 1
    zs = raster.zonal_stats(out, {"slope": slope})
    np.testing.assert_allclose(out["value_slope"], zs["slope_mean"])
    assert (out["value_manure"] > 0).any() and (out["value_people"] > 0).all()
    best = out.loc[out["rank"] == 1].iloc[0]
    assert best["score_total"] == out["score_total"].max()


def test_network_criterion_matches_nearest_facility_and_exceeds_straight_line(demo):
    from arealsirk.network import graph_from_roads
    from arealsirk.proximity import nearest_facility

    g = graph_from_roads(demo.roads)
    zones = demo.zones
    crits = [scoring.network_to("station_net", g, demo.stations, weight="length"),
             scoring.distance_to("station_line", demo.stations)]
    out = scoring.score_candidates(zones, crits)
    import geopandas as gpd

    pts = gpd.GeoDataFrame(geometry=zones.geometry.representative_point(), crs=zones.crs)
    _, cost = nearest_facility(g, pts, demo.stations, weight="length")
    np.testing.assert_allclose(out["value_station_net"], cost)
    # a road distance (plus access legs) is never shorter than the straight line (small slack for
    # the representative point vs the polygon edge)
    line_from_point = pts.geometry.apply(lambda p: demo.stations.distance(p).min()).to_numpy()
    assert (out["value_station_net"].to_numpy() >= line_from_point - 1.0).all()
    assert out["value_station_net"].notna().all()
