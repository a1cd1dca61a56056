"""Slope (Horn) on synthetic planes and on the real Kartverket DTM 10 m tile."""

from __future__ import annotations

import math
import shutil
import subprocess

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from arealsirk.datasets import shared_data_dir
from arealsirk.errors import CrsError, InputError, MissingFileError
from arealsirk.raster import slope, slope_array, write_slope


def _plane(path, a, b, *, shape=(40, 50), cell=(10.0, 10.0), nodata=-9999.0, holes=(), crs="EPSG:25833"):
    """z = a * x + b * y (x east, y north, metres) written as a GeoTIFF."""
    h, w = shape
    dx, dy = cell
    x0, y0 = 500000.0, 6700000.0
    cols, rows = np.meshgrid(np.arange(w), np.arange(h))
    x = x0 + (cols + 0.5) * dx
    y = y0 - (rows + 0.5) * dy
    z = (a * (x - x0) + b * (y - y0 + h * dy) + 100.0).astype(np.float32)
    for r, c in holes:
        z[r, c] = nodata
    prof = dict(driver="GTiff", width=w, height=h, count=1, dtype="float32", crs=crs,
                transform=from_origin(x0, y0, dx, dy), nodata=nodata)
    with rasterio.open(path, "w", **prof) as dst:
        dst.write(z, 1)
    return path


@pytest.mark.parametrize(("a", "b", "cell"), [(0.05, 0.0, (10, 10)), (0.03, -0.04, (10, 10)),
                                               (-0.2, 0.1, (25, 5))])
def test_plane_exact_everywhere_including_edges(tmp_path, a, b, cell):
    p = _plane(tmp_path / "p.tif", a, b, cell=cell)
    pct = slope(p)
    deg = slope(p, units="degrees")
    g = math.hypot(a, b)
    assert pct.shape == (40, 50) and pct.dtype == np.float32
    np.testing.assert_allclose(pct, 100 * g, rtol=1e-4)  # float32 input
    np.testing.assert_allclose(deg, math.degrees(math.atan(g)), rtol=1e-4)


def test_nodata_kept_and_neighbours_still_exact(tmp_path):
    holes = [(0, 0), (10, 10), (10, 11), (11, 10), (20, 49), (39, 25)]
    p = _plane(tmp_path / "p.tif", 0.03, 0.04, holes=holes)
    s = slope(p)
    for r, c in holes:
        assert np.isnan(s[r, c])
    assert np.isnan(s).sum() == len(holes)
    np.testing.assert_allclose(s[np.isfinite(s)], 5.0, rtol=1e-4)
    out = write_slope(p, tmp_path / "s.tif", block=16)  # blocks with overlap == whole raster
    with rasterio.open(out) as src:
        w = src.read(1, masked=True)
        assert src.nodata == -9999.0
        assert w.mask.sum() == len(holes)
        np.testing.assert_allclose(w.filled(np.nan), s, rtol=1e-6, equal_nan=True)


def test_flat_and_window(tmp_path):
    p = _plane(tmp_path / "p.tif", 0.0, 0.0)
    assert float(np.nanmax(slope(p))) == 0.0
    q = _plane(tmp_path / "q.tif", 0.1, 0.0)
    full = slope(q)
    part = slope(q, window=(5, 7, 10, 12))
    np.testing.assert_allclose(part, full[7:19, 5:15])


def _horn_interior(z, dx, dy):
    """Hand-written Horn (1981) with explicit loops over the 3x3 window (interior cells only)."""
    h, w = z.shape
    out = np.full((h, w), np.nan)
    for r in range(1, h - 1):
        for c in range(1, w - 1):
            a, b, cc = z[r - 1, c - 1], z[r - 1, c], z[r - 1, c + 1]
            d, f = z[r, c - 1], z[r, c + 1]
            g, hh, i = z[r + 1, c - 1], z[r + 1, c], z[r + 1, c + 1]
            p = ((cc + 2 * f + i) - (a + 2 * d + g)) / (8 * dx)
            q = ((g + 2 * hh + i) - (a + 2 * b + cc)) / (8 * dy)
            out[r, c] = 100 * math.sqrt(p * p + q * q)
    return out


def test_real_dtm10_tile_matches_independent_horn_and_gradient():
    path = shared_data_dir() / "dem_dtm10_sample" / "dtm10_vestland_2x2km.tif"
    s = slope(path)
    with rasterio.open(path) as src:
        z = src.read(1).astype(np.float64)
        nodata = z == src.nodata
        dx, dy = src.res
    # the tile's first column is nodata (-32767): it stays nodata, everything else gets a slope
    assert nodata[:, 0].all() and nodata.sum() == 201
    assert np.isnan(s[nodata]).all() and np.isfinite(s[~nodata]).all()
    z[nodata] = np.nan
    ref = _horn_interior(z, dx, dy)
    inner = (slice(1, -1), slice(2, -1))  # cells whose whole 3x3 window is valid
    np.testing.assert_allclose(s[inner], ref[inner], rtol=1e-5, atol=1e-4)
    assert 5 < float(np.nanmean(s)) < 80  # hilly coastal terrain, 0-211 m over 2 km
    # numpy.gradient (plain central differences) is a different estimator; it must agree closely
    gy, gx = np.gradient(z, dy, dx)
    ng = 100 * np.hypot(gx, gy)
    assert np.median(np.abs(ng[inner] - s[inner])) < 1.0
    assert np.corrcoef(ng[inner].ravel(), s[inner].ravel())[0, 1] > 0.97
    # raster edges and the column next to nodata are of the same magnitude as their neighbours
    assert np.median(np.abs(s[0, 2:-1] - s[1, 2:-1])) < 5.0
    assert np.median(np.abs(s[:, 1] - s[:, 2])) < 5.0


def test_bad_inputs(tmp_path):
    with pytest.raises(MissingFileError):
        slope(tmp_path / "missing.tif")
    p = _plane(tmp_path / "all.tif", 0.1, 0.0, shape=(4, 4),
               holes=[(r, c) for r in range(4) for c in range(4)])
    with pytest.raises(InputError, match="all nodata"):
        slope(p)
    g = _plane(tmp_path / "geo.tif", 0.1, 0.0, crs="EPSG:4326")
    with pytest.raises(CrsError, match="geographic"):
        slope(g)
    with pytest.raises(InputError, match="units"):
        slope(_plane(tmp_path / "u.tif", 0.1, 0.0), units="radians")


def test_slope_array_accepts_open_dataset(tmp_path):
    p = _plane(tmp_path / "p.tif", 0.05, 0.0)
    with rasterio.open(p) as src:
        s = slope(src)
        assert not src.closed
    np.testing.assert_allclose(s, 5.0, rtol=1e-4)
    np.testing.assert_allclose(slope_array(np.array([[0.0, 1.0]] * 3), 1.0, 1.0), 100.0)


@pytest.mark.skipif(shutil.which("gdaldem") is None,
                    reason="GDAL's gdaldem command (apt gdal-bin) not installed")
def test_real_dtm10_tile_matches_gdaldem(tmp_path):
    """Interior cells agree with GDAL's own Horn slope (gdaldem slope -p); GDAL leaves edges nodata."""
    path = shared_data_dir() / "dem_dtm10_sample" / "dtm10_vestland_2x2km.tif"
    out = tmp_path / "gdal_slope.tif"
    subprocess.run(["gdaldem", "slope", "-p", "-q", str(path), str(out)], check=True, timeout=60)
    with rasterio.open(out) as src:
        g = src.read(1, masked=True).filled(np.nan).astype(float)
    s = slope(path)
    both = np.isfinite(g) & np.isfinite(s)
    assert both.sum() == 199 * 198  # interior with a full valid 3x3 window (first column is nodata)
    np.testing.assert_allclose(s[both], g[both], atol=1e-3)
