"""Small synthetic rasters and layers for the suitability tests (EPSG:25833, metres)."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

X0, Y1 = 500000.0, 6700000.0


def write_tif(path, arr, *, cell=10.0, x0=X0, y1=Y1, crs="EPSG:25833", nodata=-9999.0, tiled=False):
    arr = np.asarray(arr, dtype=np.float32)
    prof = dict(driver="GTiff", width=arr.shape[1], height=arr.shape[0], count=1, dtype="float32",
                crs=crs, transform=from_origin(x0, y1, cell, cell), nodata=nodata)
    if tiled:
        prof.update(tiled=True, blockxsize=16, blockysize=16)
    with rasterio.open(path, "w", **prof) as dst:
        dst.write(np.where(np.isfinite(arr), arr, nodata).astype(np.float32), 1)
    return path


@pytest.fixture
def tif(tmp_path):
    counter = iter(range(10_000))

    def make(arr, **kw):
        return write_tif(tmp_path / f"r{next(counter)}.tif", arr, **kw)

    return make


@pytest.fixture
def criteria_arrays():
    rng = np.random.default_rng(42)
    a = rng.uniform(0, 100, (70, 90))
    b = rng.uniform(-5, 5, (70, 90))
    c = rng.uniform(0, 2000, (70, 90))
    a[3, 4] = np.nan
    c[60:62, 10:30] = np.nan
    return a, b, c
