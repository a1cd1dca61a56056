"""Reading and writing layers, rasters and text: clear errors in, atomic files out.

Every output is written to a temporary file beside the target and renamed into
place, so a failed run never leaves a half-written GeoPackage or map.  Writing
over an input file is refused (:func:`guard_outputs`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError, MissingFileError, OutputError

if TYPE_CHECKING:
    import geopandas as gpd

log = logging.getLogger("arealsirk")

__all__ = [
    "GPKG_OPTIONS",
    "atomic_path",
    "check_input_file",
    "check_raster_file",
    "guard_outputs",
    "list_layers",
    "read_layer",
    "read_raster_info",
    "write_layers",
    "write_text",
]

#: GeoPackage 1.3 opens without warnings in QGIS 3.22 (1.4 warns).
GPKG_OPTIONS: dict[str, str] = {"VERSION": "1.3"}


#: Folder-shaped vector formats that may be given as a folder (Esri File Geodatabase).
_FOLDER_FORMATS = (".gdb",)


def check_input_file(path: str | os.PathLike[str], *, what: str = "file") -> Path:
    """Check that an input path is a complete, readable file before any reader opens it.

    Refuses, naming the path: a missing path, a folder (except a ``.gdb`` geodatabase), an
    empty (0-byte) file, a GeoPackage/SQLite file shorter than its header says (truncated).

    Parameters
    ----------
    path
        The input path as the user gave it (file, or a ``.gdb`` folder).
    what
        What the file is, for the messages (``"raster"``, ``"scenario file"``); default ``"file"``.

    Returns
    -------
    Path
        ``path`` as a :class:`~pathlib.Path`, unchanged (not resolved).

    Raises
    ------
    MissingFileError, InputError
    """
    path = Path(path)
    if not path.exists():
        raise MissingFileError(f"{path}: {what} not found")
    if path.is_dir():
        if path.suffix.lower() in _FOLDER_FORMATS:
            return path
        raise InputError(f"{path}: is a folder, not a {what}; name the file inside it (e.g. a .gpkg, "
                         ".shp or .tif)")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{path}: {what} is empty (0 bytes) - an interrupted download or copy?")
    with path.open("rb") as fh:
        head = fh.read(100)
    if head.startswith(b"SQLite format 3\x00"):
        _check_sqlite_complete(path, head, size)
    return path


def _check_sqlite_complete(path: Path, head: bytes, size: int) -> None:
    """A GeoPackage is SQLite: its header gives page size and page count; the file must hold them."""
    if len(head) < 100:
        raise InputError(f"{path}: GeoPackage is truncated ({size} bytes, shorter than its header)")
    page = int.from_bytes(head[16:18], "big")
    page = 65536 if page == 1 else page
    pages = int.from_bytes(head[28:32], "big")
    valid = head[24:28] == head[92:96]  # the in-header page count is valid only when these match
    if valid and pages and size < page * pages:
        raise InputError(f"{path}: GeoPackage is truncated ({size} bytes; its header says "
                         f"{page * pages} bytes) - an interrupted download or copy?")


def list_layers(path: str | os.PathLike[str]) -> list[str]:
    """Names of the vector layers in a file (a GeoPackage may have many).

    Parameters
    ----------
    path
        Any vector file pyogrio opens (GeoPackage, GeoJSON, Shapefile, FlatGeobuf, ``.gdb`` folder);
        checked first with :func:`check_input_file`.

    Returns
    -------
    list of str
        Layer names in the file's order.

    Raises
    ------
    MissingFileError, InputError
        Naming the file when it is missing, empty, truncated or not a vector file.
    """
    import pyogrio

    path = check_input_file(path)
    try:
        return [str(row[0]) for row in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise InputError(f"{path}: cannot be read as a vector file ({_short(exc)})") from exc


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


def read_layer(path: str | os.PathLike[str], layer: str | None = None, *,
               where: str | None = None) -> gpd.GeoDataFrame:
    """Read one vector layer; name the file and layer in every error.

    Parameters
    ----------
    path
        GeoPackage, GeoJSON, Shapefile, FlatGeobuf, GeoParquet (``.parquet``) ...
    layer
        Layer name inside the file; required when a GeoPackage holds several.
    where
        An OGR SQL ``WHERE`` clause applied while reading (e.g. ``kommunenummer IN ('1833', '1832')``),
        so a national file can be read for one region; not for GeoParquet.
    """
    import geopandas as gpd

    path = check_input_file(path)
    if path.suffix.lower() in (".parquet", ".geoparquet"):
        if where is not None:
            raise InputError(f"{path}: a where filter is not supported for GeoParquet; "
                             "filter with clip = true")
        try:
            return gpd.read_parquet(path)
        except Exception as exc:
            raise InputError(f"{path}: cannot be read as GeoParquet ({_short(exc)})") from exc
    if layer is not None and not isinstance(layer, str):
        raise InputError(f"{path}: the layer name must be text, got {layer!r}")
    layers = list_layers(path)
    if not layers:
        raise InputError(f"{path}: holds no vector layer")
    if layer is None and len(layers) > 1:
        raise InputError(f"{path}: holds {len(layers)} layers ({', '.join(layers)}); name one")
    if layer is not None and layer not in layers:
        raise MissingFileError(f"{path}: no layer '{layer}'; layers present: {', '.join(layers)}")
    try:
        gdf = gpd.read_file(path, layer=layer, engine="pyogrio", where=where)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}, layer '{layer or layers[0]}': text is not {exc.encoding.upper()} (byte "
                         f"0x{exc.object[exc.start]:02x}: {exc.reason}); save the file as UTF-8") from exc
    except Exception as exc:
        if where is not None:
            raise InputError(f"{path}, layer '{layer or layers[0]}': where = {where!r} cannot be applied "
                             f"({_short(exc)})") from exc
        raise InputError(f"{path}, layer '{layer or layers[0]}': cannot be read ({_short(exc)})") from exc
    if where is not None and not len(gdf):
        raise InputError(f"{path}, layer '{layer or layers[0]}': where = {where!r} selects no feature")
    return gdf


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    On an exception the temporary file is removed and ``target`` is untouched.

    Parameters
    ----------
    target
        The file to write; its folder is created if missing. The temporary path is a hidden name in
        the same folder with the same suffix (so GDAL picks the same driver) and does not exist yet
        when yielded; SQLite's ``-journal``/``-wal``/``-shm`` leftovers are removed too.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix or ".tmp",
                                    dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers such as GDAL want to create the file themselves
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-journal"), tmp.with_name(tmp.name + "-wal"),
                         tmp.with_name(tmp.name + "-shm")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def write_layers(path: str | os.PathLike[str], layers: Mapping[str, gpd.GeoDataFrame], *,
                 styles: Mapping[str, str] | None = None) -> Path:
    """Write several layers into one GeoPackage atomically.

    Parameters
    ----------
    path
        Target ``.gpkg``; replaced as a whole.
    layers
        Layer name -> GeoDataFrame, or a plain DataFrame written as an attribute table.
    styles
        Optional layer name -> QML text, stored in ``layer_styles`` so QGIS applies them.
    """
    import pyogrio

    path = Path(path)
    with atomic_path(path) as tmp:
        for name, frame in layers.items():
            # plain DataFrames become attribute-only tables (e.g. per-kommune figures)
            pyogrio.write_dataframe(frame, tmp, layer=name, driver="GPKG",
                                    dataset_options=GPKG_OPTIONS if not tmp.exists() else None)
        if styles:
            _write_qml_styles(tmp, styles)
    return path


def _write_qml_styles(gpkg: Path, styles: Mapping[str, str]) -> None:
    """Store QML styles in the GeoPackage ``layer_styles`` table (QGIS convention)."""
    import sqlite3

    con = sqlite3.connect(gpkg)
    try:
        con.execute(
            "CREATE TABLE IF NOT EXISTS layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT, "
            "f_table_catalog TEXT, f_table_schema TEXT, f_table_name TEXT, f_geometry_column TEXT, "
            "styleName TEXT, styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, "
            "owner TEXT, ui TEXT, update_time DATETIME DEFAULT CURRENT_TIMESTAMP)")
        for layer, qml in styles.items():
            con.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner) "
                "VALUES ('', '', ?, 'geom', ?, ?, '', 1, 'arealsirk', '')", (layer, layer, qml))
        con.commit()
    finally:
        con.close()


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write a text file atomically (UTF-8).

    Parameters
    ----------
    path
        Target file; replaced as a whole (see :func:`atomic_path`), its folder created if missing.
    text
        The content, written as UTF-8 without newline translation.

    Returns
    -------
    Path
        ``path`` as a :class:`~pathlib.Path`.
    """
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def guard_outputs(outputs: Iterable[str | os.PathLike[str]],
                  inputs: Iterable[str | os.PathLike[str]]) -> None:
    """Refuse a run that would write into one of its own input files or folders.

    Paths are compared after :meth:`pathlib.Path.resolve`, so a relative path, ``..`` or a
    symbolic link naming the same file is caught.

    Parameters
    ----------
    outputs
        Paths the run is about to write.
    inputs
        Paths the run reads; an output equal to any of them is refused.

    Raises
    ------
    OutputError
        Naming the output and the input it would overwrite.
    """
    resolved_inputs = {Path(p).resolve() for p in inputs}
    for out in outputs:
        out_path = Path(out).resolve()
        if out_path in resolved_inputs:
            raise OutputError(f"{out}: refusing to overwrite an input file; choose another --out")


def read_raster_info(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Check that a raster opens, has a CRS and is complete; return its profile.

    Parameters
    ----------
    path
        A raster file rasterio opens (GeoTIFF, ...).

    Returns
    -------
    dict
        The rasterio profile (driver, width, height, count, dtype, crs, transform, nodata, ...).

    Raises
    ------
    MissingFileError, InputError, CrsError
        Naming the file (see :func:`check_raster_file`).
    """
    profile = check_raster_file(path)
    if profile.get("crs") is None:
        from .errors import CrsError

        raise CrsError(f"{path}: raster has no CRS; set it (for example EPSG:25833)")
    return profile


def check_raster_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Check that a raster file opens and is complete; return its profile.

    Complete means every block of every band lies inside the file (GeoTIFF: the block
    offsets and sizes of the TIFF directory); for other formats the last block of every band
    is read.  A truncated download is refused here, naming the file, rather than read as
    nodata later.

    Parameters
    ----------
    path
        A raster file rasterio opens (GeoTIFF, ...); checked first with :func:`check_input_file`.

    Returns
    -------
    dict
        The rasterio profile (driver, width, height, count, dtype, crs, transform, nodata, ...);
        the CRS may be ``None`` (:func:`read_raster_info` refuses that).

    Raises
    ------
    MissingFileError, InputError
        Naming the file.
    """
    import rasterio
    from rasterio.errors import RasterioError

    path = check_input_file(path, what="raster")
    try:
        with rasterio.open(path) as src:
            if src.count < 1:
                raise InputError(f"{path}: raster has no band")
            _check_raster_complete(path, src)
            return dict(src.profile)
    except (RasterioError, OSError) as exc:
        raise InputError(f"{path}: cannot be read as a raster ({_short(exc)})") from exc


def _check_raster_complete(path: Path, src: Any) -> None:
    size = path.stat().st_size
    if src.driver == "GTiff":
        for bidx in src.indexes:
            for (row, col), _ in src.block_windows(bidx):
                offset = src.get_tag_item(f"BLOCK_OFFSET_{col}_{row}", "TIFF", bidx=bidx)
                length = src.get_tag_item(f"BLOCK_SIZE_{col}_{row}", "TIFF", bidx=bidx)
                if offset is None or length is None:
                    continue  # sparse block (all nodata) or not a plain TIFF layout
                if int(offset) + int(length) > size:
                    raise InputError(f"{path}: raster is truncated ({size} bytes; band {bidx} block "
                                     f"({row}, {col}) ends at byte {int(offset) + int(length)}) - an "
                                     "interrupted download or copy?")
        return
    windows = list(src.block_windows(1))
    for bidx in src.indexes:
        src.read(bidx, window=windows[-1][1])
