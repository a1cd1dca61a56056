"""Rasters: slope (Horn), windowed raster algebra, rasterise, distance rasters, zonal statistics.

Memory stays bounded: every function that reads a whole raster goes through
windows (blocks, with a one-cell overlap where a neighbourhood is needed), so a
20 000 x 20 000 raster is processed in a few hundred MB.  The same weighted
overlay runs on dask arrays (:func:`weighted_overlay_dask`, optional ``dask``
extra) for clusters.

Conventions: rasters are single-band GeoTIFFs in a metric CRS (EPSG:25833 for
the analysis); nodata is kept as nodata (NaN in float arrays returned to Python,
the file's nodata value -- or -9999 -- in files written); outputs are tiled,
DEFLATE-compressed GeoTIFFs written atomically.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import CrsError, InputError, MissingFileError, NoOverlapError

if TYPE_CHECKING:
    import geopandas as gpd
    import rasterio

log = logging.getLogger("arealsirk")

__all__ = [
    "NODATA",
    "open_raster",
    "slope",
    "slope_array",
    "write_slope",
    "write_array",
    "iter_windows",
]

#: nodata value written to float outputs
NODATA = -9999.0

_UNITS = ("percent", "degrees")


@contextmanager
def open_raster(raster: Any) -> Iterator[rasterio.io.DatasetReader]:
    """Open a GeoTIFF path, or pass an open rasterio dataset through (not closed afterwards)."""
    import rasterio

    if hasattr(raster, "read") and hasattr(raster, "transform"):
        yield raster
        return
    path = Path(raster)
    if not path.exists():
        raise MissingFileError(f"{path}: raster file not found")
    try:
        src = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise InputError(f"{path}: cannot be read as a raster ({exc})") from None
    try:
        yield src
    finally:
        src.close()


def _name(src: Any) -> str:
    return str(getattr(src, "name", "raster"))


def _cell_size(src: Any) -> tuple[float, float]:
    t = src.transform
    if t.b != 0 or t.d != 0:
        raise InputError(f"{_name(src)}: rotated/sheared rasters are not supported; warp it to a north-up "
                         "grid first (gdalwarp)")
    if src.crs is not None and src.crs.is_geographic:
        raise CrsError(f"{_name(src)}: raster is in a geographic CRS ({src.crs.to_string()}, degrees); "
                       "slope and distances need a projected CRS in metres - warp it to EPSG:25833")
    if src.crs is None:
        log.warning("%s: raster has no CRS; cell size assumed to be in metres", _name(src))
    return abs(t.a), abs(t.e)


def _read_float(src: Any, band: int = 1, window: Any = None) -> np.ndarray:
    """Band as float64 with NaN where nodata (or NaN) in the file."""
    arr = src.read(band, window=window, masked=True)
    data = np.asarray(arr.data, dtype=np.float64)
    mask = np.ma.getmaskarray(arr) | ~np.isfinite(data)
    data[mask] = np.nan
    return data


def slope_array(z: np.ndarray, dx: float, dy: float, *, units: str = "percent",
                z_factor: float = 1.0) -> np.ndarray:
    """Slope of an elevation array by Horn's method; NaN marks nodata (in and out).

    Horn (1981, Proc. IEEE 69:14-47) estimates the gradient from the 3 x 3
    neighbourhood ``a b c / d e f / g h i``:

    .. math::
        \\partial z/\\partial x = \\frac{(c + 2f + i) - (a + 2d + g)}{8\\,\\Delta x},\\quad
        \\partial z/\\partial y = \\frac{(a + 2b + c) - (g + 2h + i)}{8\\,\\Delta y}

    slope % = 100 sqrt(p^2 + q^2); degrees = atan(sqrt(p^2 + q^2)).  Written as
    a 1-2-1 weighted mean of three central differences, the formula extends to
    the raster edge and to cells next to nodata: a row (column) whose two
    neighbours are not both present uses a one-sided difference with the centre
    of that row, and missing rows drop out with their weight renormalised.  In
    the interior this is exactly Horn; on any inclined plane it is exact
    everywhere (edges and nodata borders included).  A nodata cell stays nodata.

    Parameters
    ----------
    z
        2-D elevation array (NaN = nodata).
    dx, dy
        Cell width and height in the units of z (metres).
    units
        ``"percent"`` (rise/run x 100) or ``"degrees"``.
    z_factor
        Multiplier for z (e.g. 0.3048 for feet elevations on a metre grid).
    """
    if units not in _UNITS:
        raise InputError(f"units must be 'percent' or 'degrees', got {units!r}")
    z = np.asarray(z, dtype=np.float64) * z_factor
    zp = np.pad(z, 1, mode="constant", constant_values=np.nan)
    h, w = z.shape
    ok = np.isfinite(zp)

    def axis_estimate(shift: int, axis: int) -> tuple[np.ndarray, np.ndarray]:
        # one of the three rows (axis=x) or columns (axis=y); returns weighted sum and weight
        if axis == 1:  # d/dx on row `shift`
            sl_w = (slice(1 + shift, 1 + shift + h), slice(0, w))
            sl_c = (slice(1 + shift, 1 + shift + h), slice(1, 1 + w))
            sl_e = (slice(1 + shift, 1 + shift + h), slice(2, 2 + w))
            step = dx
        else:  # d/dy (northwards) on column `shift`: "east" = north row (above), "west" = south row
            sl_w = (slice(2, 2 + h), slice(1 + shift, 1 + shift + w))
            sl_c = (slice(1, 1 + h), slice(1 + shift, 1 + shift + w))
            sl_e = (slice(0, h), slice(1 + shift, 1 + shift + w))
            step = dy
        zw, zc, ze = zp[sl_w], zp[sl_c], zp[sl_e]
        okw, okc, oke = ok[sl_w], ok[sl_c], ok[sl_e]
        with np.errstate(invalid="ignore"):
            est = np.where(okw & oke, (ze - zw) / (2 * step),
                           np.where(oke & okc, (ze - zc) / step,
                                    np.where(okc & okw, (zc - zw) / step, np.nan)))
        have = np.isfinite(est)
        weight = 2.0 if shift == 0 else 1.0
        return np.where(have, est * weight, 0.0), np.where(have, weight, 0.0)

    grads = []
    for axis in (1, 0):
        total = np.zeros((h, w))
        wsum = np.zeros((h, w))
        for shift in (-1, 0, 1):
            s, k = axis_estimate(shift, axis)
            total += s
            wsum += k
        with np.errstate(invalid="ignore", divide="ignore"):
            grads.append(np.where(wsum > 0, total / wsum, np.nan))
    p, q = grads
    rise = np.hypot(p, q)
    out = 100.0 * rise if units == "percent" else np.degrees(np.arctan(rise))
    out[~np.isfinite(z)] = np.nan
    return out


def slope(dem: Any, *, units: str = "percent", band: int = 1, z_factor: float = 1.0,
          window: Any = None) -> np.ndarray:
    """Slope of a DEM (GeoTIFF path or open rasterio dataset) by Horn's method.

    See :func:`slope_array` for the formula and the edge/nodata handling.
    Cell size comes from the raster's transform (must be a projected CRS in
    metres).  Returns a float32 array, NaN where the DEM is nodata.  For rasters
    too large for memory use :func:`write_slope`, which works block by block.

    Raises
    ------
    MissingFileError, CrsError (geographic CRS), InputError (all nodata, rotated grid, bad units).
    """
    if units not in _UNITS:
        raise InputError(f"units must be 'percent' or 'degrees', got {units!r}")
    with open_raster(dem) as src:
        dx, dy = _cell_size(src)
        if window is not None:
            from rasterio.windows import Window

            win = Window(*window) if not isinstance(window, Window) else window
            big = Window(win.col_off - 1, win.row_off - 1, win.width + 2, win.height + 2)
            z = _read_padded(src, big, band)
            out = slope_array(z, dx, dy, units=units, z_factor=z_factor)[1:-1, 1:-1]
        else:
            z = _read_float(src, band)
            if not np.isfinite(z).any():
                raise InputError(f"{_name(src)}: band {band} is all nodata - nothing to compute slope on")
            out = slope_array(z, dx, dy, units=units, z_factor=z_factor)
    return out.astype(np.float32)


def _read_padded(src: Any, win: Any, band: int) -> np.ndarray:
    """Read a window that may extend past the raster; outside cells are NaN."""
    from rasterio.windows import Window

    c0, r0 = int(win.col_off), int(win.row_off)
    c1, r1 = c0 + int(win.width), r0 + int(win.height)
    out = np.full((r1 - r0, c1 - c0), np.nan)
    cc0, rr0 = max(c0, 0), max(r0, 0)
    cc1, rr1 = min(c1, src.width), min(r1, src.height)
    if cc1 > cc0 and rr1 > rr0:
        out[rr0 - r0:rr1 - r0, cc0 - c0:cc1 - c0] = _read_float(
            src, band, Window(cc0, rr0, cc1 - cc0, rr1 - rr0))
    return out


def iter_windows(height: int, width: int, block: int = 1024) -> Iterator[Any]:
    """Row-major blocks (rasterio Windows) of at most ``block`` x ``block`` cells."""
    from rasterio.windows import Window

    for r in range(0, height, block):
        for c in range(0, width, block):
            yield Window(c, r, min(block, width - c), min(block, height - r))


def _profile(src_profile: Mapping[str, Any], *, dtype: str = "float32", nodata: float = NODATA,
             block: int = 512) -> dict[str, Any]:
    prof = {k: v for k, v in dict(src_profile).items()
            if k in ("crs", "transform", "width", "height")}
    tiled = prof["width"] >= block and prof["height"] >= block
    prof.update(driver="GTiff", count=1, dtype=dtype, nodata=nodata, compress="deflate",
                predictor=3 if dtype.startswith("float") else 2, tiled=tiled, BIGTIFF="IF_SAFER")
    if tiled:
        prof.update(blockxsize=block, blockysize=block)
    return prof


def write_array(array: np.ndarray, path: Any, *, like: Any = None, crs: Any = None,
                transform: Any = None, nodata: float = NODATA) -> Path:
    """Write a 2-D float array (NaN = nodata) as a tiled, compressed GeoTIFF, atomically.

    Georeferencing comes from ``like`` (a raster path/dataset) or ``crs`` + ``transform``.
    """
    import rasterio

    from .io import atomic_path

    if like is not None:
        with open_raster(like) as src:
            crs, transform = src.crs, src.transform
    if transform is None:
        raise InputError("write_array needs like= or transform=")
    arr = np.asarray(array, dtype=np.float32)
    prof = _profile({"crs": crs, "transform": transform, "width": arr.shape[1],
                     "height": arr.shape[0]}, nodata=nodata)
    with atomic_path(Path(path)) as tmp, rasterio.open(tmp, "w", **prof) as dst:
        dst.write(np.where(np.isfinite(arr), arr, np.float32(nodata)), 1)
    return Path(path)


def write_slope(dem: Any, path: Any, *, units: str = "percent", band: int = 1, z_factor: float = 1.0,
                block: int = 1024, progress: Callable[[float, str], None] | None = None,
                is_cancelled: Callable[[], bool] | None = None) -> Path:
    """Write the slope of ``dem`` to a tiled, compressed GeoTIFF, block by block.

    Each block is read with a one-cell overlap, so the result equals
    :func:`slope` on the whole raster while memory stays bounded by the block
    size.  Nodata is written as -9999.
    """
    import rasterio

    from .io import atomic_path
    from .progress import Progress

    if units not in _UNITS:
        raise InputError(f"units must be 'percent' or 'degrees', got {units!r}")
    p = Progress(progress, is_cancelled)
    from rasterio.windows import Window

    with open_raster(dem) as src:
        dx, dy = _cell_size(src)
        prof = _profile(src.profile)
        windows = list(iter_windows(src.height, src.width, block))
        any_valid = False
        with atomic_path(Path(path)) as tmp, rasterio.open(tmp, "w", **prof) as dst:
            for k, win in enumerate(windows):
                p(k / len(windows), "slope")
                big = Window(win.col_off - 1, win.row_off - 1, win.width + 2, win.height + 2)
                z = _read_padded(src, big, band)
                s = slope_array(z, dx, dy, units=units, z_factor=z_factor)[1:-1, 1:-1]
                any_valid |= bool(np.isfinite(s).any())
                dst.write(np.where(np.isfinite(s), s, NODATA).astype(np.float32), 1, window=win)
            if not any_valid:
                raise InputError(f"{_name(src)}: band {band} is all nodata - nothing to compute slope on")
    p(1.0, "slope written")
    return Path(path)
