"""Windowed weighted overlay against a plain numpy computation, grids, dask, zonal stats, distances."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely

from arealsirk.errors import InputError, NoOverlapError
from arealsirk.raster import distance_raster, rasterise, weighted_overlay_dask, zonal_stats
from arealsirk.scoring import FuzzyLinear, Linear, RasterCriterion, Sigmoid, ahp_weights, suitability

from .conftest import X0, Y1


def _read(path):
    with rasterio.open(path) as src:
        return src.read(1, masked=True).filled(np.nan).astype(float), src.profile


def _numpy_reference(a, b, c, w):
    """Independent full-array computation: min-max per criterion, direction, weighted sum."""
    def mm(x):
        return (x - np.nanmin(x)) / (np.nanmax(x) - np.nanmin(x))
    sa = 1 - mm(a)                                  # low is good
    sb = 1 / (1 + np.exp(-(b - 0.0) / 2.0))        # sigmoid, high is good
    sc = 1 - np.clip((c - 100) / (1000 - 100), 0, 1)  # fuzzy linear, near is good
    return w[0] * sa + w[1] * sb + w[2] * sc, (sa, sb, sc)


def test_overlay_equals_numpy_blockwise(tif, tmp_path, criteria_arrays):
    a, b, c = criteria_arrays
    crits = [RasterCriterion("a", tif(a), "low"), RasterCriterion("b", tif(b), "high", Sigmoid(0, 2)),
             RasterCriterion("c", tif(c, tiled=True), "near", FuzzyLinear(100, 1000))]
    res = suitability(crits, {"a": 1, "b": 2, "c": 1}, tmp_path / "s.tif", criteria_dir=tmp_path / "c",
                      block=16)  # 16-cell blocks: many partial blocks at the edges
    got, prof = _read(res.path)
    ref, parts = _numpy_reference(a, b, c, [0.25, 0.5, 0.25])
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-6, equal_nan=True)
    assert np.isnan(got[3, 4]) and np.isnan(got[61, 20]) and res.valid_cells == a.size - 1 - 40
    for name, part in zip("abc", parts, strict=True):
        s, _ = _read(res.criteria_paths[name])
        np.testing.assert_allclose(s, part, rtol=1e-6, atol=1e-6, equal_nan=True)
    assert prof["compress"] == "deflate" and prof["nodata"] == -9999.0
    assert res.weights == {"a": 0.25, "b": 0.5, "c": 0.25}
    assert res.stats["mean"] == pytest.approx(np.nanmean(ref), rel=1e-6)


def test_overlay_with_ahp_and_mask(tif, tmp_path, criteria_arrays):
    a, b, _ = criteria_arrays
    ahp = ahp_weights([[1, 3], [1 / 3, 1]], names=["a", "b"])
    # feasible polygon: the western half of the grid (45 of 90 columns of 10 m)
    west = shapely.box(X0, Y1 - 700, X0 + 450, Y1)
    res = suitability([("a", tif(a), "low"), ("b", tif(b), "high")], ahp, tmp_path / "m.tif",
                      mask=gpd.GeoDataFrame(geometry=[west], crs=25833))
    got, _ = _read(res.path)
    assert np.isnan(got[:, 45:]).all() and np.isfinite(got[:, :45]).sum() == 70 * 45 - 1
    mm = lambda x: (x - np.nanmin(x)) / (np.nanmax(x) - np.nanmin(x))  # noqa: E731
    np.testing.assert_allclose(got[:, :45], (0.75 * (1 - mm(a)) + 0.25 * mm(b))[:, :45], atol=1e-6)


def test_grid_mismatch_refused_or_resampled(tif, tmp_path, criteria_arrays):
    a, b, _ = criteria_arrays
    ra = tif(a)
    coarse = tif(b[::2, ::2], cell=20.0)
    with pytest.raises(InputError, match=r"resolution 20 x 20 m differs from 10 x 10 m.*align='resample'"):
        suitability([("a", ra, "low"), ("b", coarse, "high")], None, tmp_path / "x.tif")
    other = tif(b, crs="EPSG:32632", x0=200000.0)
    with pytest.raises(InputError, match="CRS EPSG:32632 differs"):
        suitability([("a", ra, "low"), ("b", other, "high")], None, tmp_path / "x.tif")
    shifted = tif(b, x0=X0 + 5.0)
    with pytest.raises(InputError, match="not aligned"):
        suitability([("a", ra, "low"), ("b", shifted, "high")], None, tmp_path / "x.tif")
    res = suitability([("a", ra, "low"), ("b", coarse, "high")], None, tmp_path / "r.tif", align="resample")
    got, _ = _read(res.path)
    assert got.shape == a.shape and np.isfinite(got).sum() > 0.9 * a.size
    assert not (tmp_path / "x.tif").exists()  # no half-written output after the errors


def test_empty_overlap_all_nodata_and_bad_inputs(tif, tmp_path, criteria_arrays):
    a, b, _ = criteria_arrays
    far = tif(b, x0=X0 + 100_000)
    with pytest.raises(NoOverlapError, match="does not overlap"):
        suitability([("a", tif(a), "low"), ("b", far, "high")], None, tmp_path / "x.tif")
    empty = tif(np.full((70, 90), np.nan))
    with pytest.raises(InputError, match="all nodata"):
        suitability([("a", tif(a), "low"), ("e", empty, "high")], None, tmp_path / "x.tif")
    with pytest.raises(InputError, match="sum to a positive number"):
        suitability([("a", tif(a), "low"), ("b", tif(b), "high")], {"a": 0, "b": 0}, tmp_path / "x.tif")
    with pytest.raises(InputError, match="better must be"):
        RasterCriterion("a", "x.tif", "sideways")
    src = tif(a)
    with pytest.raises(OSError, match="overwrite an input"):
        suitability([("a", src, "low")], None, src)
    assert not (tmp_path / "x.tif").exists()


def test_dask_equals_in_memory(tif, tmp_path, criteria_arrays):
    dask = pytest.importorskip("dask")  # the 'dask' extra; installed in the project venv
    a, b, c = criteria_arrays
    crits = [RasterCriterion("a", tif(a), "low"), RasterCriterion("b", tif(b), "high", Sigmoid(0, 2)),
             RasterCriterion("c", tif(c), "near", FuzzyLinear(100, 1000))]
    w = {"a": 1, "b": 2, "c": 1}
    res = suitability(crits, w, tmp_path / "s.tif", block=32)
    lazy = weighted_overlay_dask(crits, w, chunks=32)
    assert lazy.data.npartitions > 4
    with dask.config.set(scheduler="threads", num_workers=2):
        got = lazy.compute().to_numpy()
    ref, _ = _read(res.path)
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-7, equal_nan=True)
    # with a mask raster (cells > 0 feasible) both paths exclude the same cells
    m = np.ones(a.shape)
    m[:, :40] = 0
    mask = tif(m)
    res_m = suitability(crits, w, tmp_path / "sm.tif", block=32, mask=mask)
    with dask.config.set(scheduler="threads", num_workers=2):
        got_m = weighted_overlay_dask(crits, w, chunks=32, mask=mask).compute().to_numpy()
    ref_m, _ = _read(res_m.path)
    assert np.isnan(ref_m[:, :40]).all()
    np.testing.assert_allclose(got_m, ref_m, rtol=1e-6, atol=1e-7, equal_nan=True)
    out = tmp_path / "dask.tif"
    lazy.rio.to_raster(out, tiled=True, compress="deflate")
    with rasterio.open(out) as src:
        assert src.crs.to_epsg() == 25833 and src.transform == rasterio.open(crits[0].path).transform


def test_distance_raster_matches_brute_force():
    pts = gpd.GeoDataFrame(geometry=[shapely.Point(X0 + 105, Y1 - 55), shapely.Point(X0 + 455, Y1 - 305)],
                           crs=25833)
    dist, t = distance_raster(pts, bounds=(X0, Y1 - 500, X0 + 600, Y1), resolution=10)
    rows, cols = np.indices(dist.shape)
    cx, cy = t.c + (cols + 0.5) * 10, t.f - (rows + 0.5) * 10
    brute = np.minimum(np.hypot(cx - (X0 + 105), cy - (Y1 - 55)), np.hypot(cx - (X0 + 455), cy - (Y1 - 305)))
    # distance between cell centres: within half a cell diagonal of the exact distance
    assert np.abs(dist - brute).max() <= 10 * np.sqrt(2) / 2 + 1e-9
    arr, _ = rasterise(pts, bounds=(X0, Y1 - 500, X0 + 600, Y1), resolution=10)
    assert arr.sum() == 2 and arr[5, 10] == 1


def test_zonal_stats_known_values(tif):
    arr = np.arange(100, dtype=float).reshape(10, 10)
    arr[0, 0] = np.nan
    path = tif(arr)
    zones = gpd.GeoDataFrame(
        {"id": ["a", "b", "c"]},
        geometry=[shapely.box(X0, Y1 - 20, X0 + 20, Y1),          # cells (0,0) nodata, (0,1), (1,0), (1,1)
                  shapely.box(X0 + 50, Y1 - 100, X0 + 100, Y1 - 50),  # rows 5-9, cols 5-9
                  shapely.Point(X0 + 35, Y1 - 75)],                 # cell (7, 3)
        crs=25833)
    t = zonal_stats(zones, {"v": path}, stats=("mean", "min", "max", "count", "majority"))
    assert t.loc[0, "v_mean"] == pytest.approx((1 + 10 + 11) / 3) and t.loc[0, "v_count"] == 3
    block = arr[5:10, 5:10]
    assert t.loc[1, "v_mean"] == pytest.approx(block.mean()) and t.loc[1, "v_min"] == 55
    assert t.loc[2, "v_mean"] == 73 and t.loc[2, "v_max"] == 73


def test_linear_constant_criterion_and_normalisations():
    from arealsirk.scoring import Categories, Threshold, score_values

    np.testing.assert_allclose(score_values([5, 5, 5], Linear(), "low"), [1, 1, 1])
    np.testing.assert_allclose(score_values([0, 5, 10], Linear(), "low"), [1, 0.5, 0])
    np.testing.assert_allclose(score_values([0, 5, 10], Threshold(5), "low"), [1, 1, 0])
    np.testing.assert_allclose(score_values([0, 100], Sigmoid(50, 10), "high"), [0.00669285, 0.99330715],
                               rtol=1e-6)
    cover = Categories({"forest": 0.8, "urban": 0.1})
    np.testing.assert_allclose(score_values(["forest", "urban", "x"], cover),
                               [0.8, 0.1, 0.0])
    with pytest.raises(InputError):
        FuzzyLinear(5, 5)


def test_progress_and_cancel_leave_no_output(tif, tmp_path, criteria_arrays):
    from arealsirk.errors import CancelledError

    a, b, _ = criteria_arrays
    crits = [("a", tif(a), "low"), ("b", tif(b), "high")]
    seen = []
    suitability(crits, None, tmp_path / "ok.tif", block=16, progress=lambda f, m: seen.append(f))
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 10
    calls = iter(range(1000))
    with pytest.raises(CancelledError):
        suitability(crits, None, tmp_path / "cancel.tif", block=16, is_cancelled=lambda: next(calls) > 5)
    assert not (tmp_path / "cancel.tif").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".cancel")]
