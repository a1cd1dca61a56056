"""Helpers shared by the readers: opening files (also inside zips), finding columns by alias."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError, MissingColumnError, MissingFileError, where

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

log = logging.getLogger("arealsirk")

PathLike = str | os.PathLike[str]


def gdal_path(path: PathLike) -> str:
    """The path GDAL should open: ``foo.zip`` becomes ``/vsizip/foo.zip``; ``/vsi...`` paths pass."""
    text = os.fspath(path)
    if text.startswith("/vsi"):
        inner = text.split("/", 2)[2] if text.count("/") >= 2 else text
        real = "/" + inner if not inner.startswith("/") else inner
        # /vsizip//abs/path.zip/inner.gml -> check the archive itself exists
        m = re.match(r"(.*?\.zip)", real, flags=re.IGNORECASE)
        if m and not Path(m.group(1)).exists():
            raise MissingFileError(f"{m.group(1)}: file not found")
        return text
    p = Path(text)
    if not p.exists():
        raise MissingFileError(f"{p}: file not found")
    if p.is_file():  # refuse a 0-byte or truncated file here, naming it (folders such as .gdb pass)
        from ..io import check_input_file

        check_input_file(p)
    if p.suffix.lower() == ".zip":
        return "/vsizip/" + str(p.resolve())
    return str(p)


def read_semicolon_text(path: Path) -> tuple[str, str]:
    """The text of a ``;``-separated CSV as Norwegian agencies publish it (UTF-8 with or without BOM,
    else Windows-1252) and its first line, for the caller's header check.

    Raises
    ------
    MissingFileError
        When the file does not exist.
    """
    if not path.exists():
        raise MissingFileError(f"{path}: file not found")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    return text, text.split("\n", 1)[0]


def list_vector_layers(path: PathLike) -> list[str]:
    """Layer names of a vector file (GeoPackage, GeoJSON, GML, zip, PBF)."""
    import pyogrio

    src = gdal_path(path)
    try:
        return [str(row[0]) for row in pyogrio.list_layers(src)]
    except Exception as exc:
        raise InputError(f"{path}: cannot be read as a vector file ({exc})") from exc


def read_vector(path: PathLike, layer: str | None, *, prefer: Sequence[str] = (), what: str,
                **kwargs: Any) -> tuple[gpd.GeoDataFrame, str]:
    """Read one layer; pick it from ``prefer`` (case-insensitive) when ``layer`` is None.

    Returns the frame and the layer name actually read.

    Parameters
    ----------
    path
        A vector file GDAL opens (GeoPackage, GeoJSON, GML, FlatGeobuf, ``.gdb``); a ``.zip`` is read
        through ``/vsizip/`` and a ``/vsi...`` path is passed on (see :func:`gdal_path`).
    layer
        Layer name, exactly; ``None``: the only layer, or the first name of ``prefer`` the file holds.
    prefer
        Layer names to try, in order, when ``layer`` is ``None`` and the file holds several (the
        names the publisher uses, e.g. ``("Fylke", "fylker")``); default none.
    what
        What the layer holds (``"road"``, ``"address"``), for the messages.
    **kwargs
        Passed to :func:`pyogrio.read_dataframe` (``bbox=``, ``columns=``, ``where=``, ...).

    Returns
    -------
    tuple of (geopandas.GeoDataFrame, str)
        The features and the name of the layer read.

    Raises
    ------
    MissingFileError
        The file, or the named layer, does not exist.
    InputError
        The file holds no layer, several with none chosen, or cannot be read.
    """
    import pyogrio

    src = gdal_path(path)
    layers = list_vector_layers(path)
    if not layers:
        raise InputError(f"{path}: holds no vector layers ({what} expected)")
    if layer is None:
        if len(layers) == 1:
            layer = layers[0]
        else:
            lower = {name.lower(): name for name in layers}
            layer = next((lower[p.lower()] for p in prefer if p.lower() in lower), None)
            if layer is None:
                raise InputError(f"{path}: holds {len(layers)} layers ({', '.join(layers)}); "
                                 f"name the {what} layer with layer=")
    elif layer not in layers:
        raise MissingFileError(f"{path}: no layer '{layer}'; layers present: {', '.join(layers)}")
    try:
        gdf = pyogrio.read_dataframe(src, layer=layer, **kwargs)
    except Exception as exc:
        raise InputError(f"{path}, layer '{layer}': cannot be read ({exc})") from exc
    return gdf, layer


def find_column(columns: Iterable[str], aliases: Sequence[str], *, suffix: bool = False) -> str | None:
    """First column matching one of ``aliases`` (case-insensitive; optionally as a dotted suffix)."""
    cols = list(columns)
    lower = {c.lower(): c for c in cols}
    for alias in aliases:
        if alias.lower() in lower:
            return lower[alias.lower()]
    if suffix:
        for alias in aliases:
            for c in cols:
                if c.lower().endswith("." + alias.lower()) or c.lower().endswith("_" + alias.lower()):
                    return c
    return None


def require_column(frame: pd.DataFrame, aliases: Sequence[str], *, file: object, layer: str | None,
                   what: str, suffix: bool = False) -> str:
    """Like :func:`find_column` but raise :class:`MissingColumnError` naming file/layer/column."""
    col = find_column(frame.columns, aliases, suffix=suffix)
    if col is None:
        geom = getattr(frame, "_geometry_column_name", None)
        have = ", ".join(str(c) for c in frame.columns if c != geom) or "none"
        raise MissingColumnError(
            f"{where(file=file, layer=layer, column=aliases[0])}missing column ({what}; also accepted: "
            f"{', '.join(aliases[1:]) or '-'}); columns present: {have}")
    return col


def normalise_kommunenummer(values: pd.Series, *, file: object = None, layer: str | None = None,
                            column: str = "kommunenummer", digits: int = 4) -> pd.Series:
    """Kommunenummer (or fylkesnummer with ``digits=2``) as zero-padded strings: 301 -> "0301".

    Raises
    ------
    InputError
        Naming the column when a value is not a whole number of at most ``digits`` digits.
    """
    import pandas as pd

    def one(v: Any) -> Any:
        if v is None or (isinstance(v, float) and v != v):
            return None
        s = str(v).strip()
        if re.fullmatch(r"\d+\.0+", s):
            s = s.split(".")[0]
        return s

    text = values.map(one)
    pattern = re.compile(rf"\d{{1,{digits}}}")
    ok = text.isna() | text.map(lambda s: s is None or bool(pattern.fullmatch(str(s))))
    if not ok.all():
        bad = text[~ok].iloc[0]
        raise InputError(f"{where(file=file, layer=layer, column=column)}expected {digits}-digit numbers "
                         f"such as {'0301' if digits == 4 else '03'}; found {bad!r}")
    if text.isna().any():
        raise InputError(f"{where(file=file, layer=layer, column=column)}"
                         f"{int(text.isna().sum())} feature(s) have no number")
    return pd.Series([s.zfill(digits) for s in text], index=values.index, dtype=object)


def as_geometry(obj: Any) -> Any:
    """A shapely geometry from a geometry, GeoSeries or GeoDataFrame (union), in EPSG:25833."""
    import geopandas as gpd

    from ..defaults import default

    if isinstance(obj, (gpd.GeoDataFrame, gpd.GeoSeries)):
        series = obj.geometry if isinstance(obj, gpd.GeoDataFrame) else obj
        epsg = int(default("crs.analysis_epsg"))
        if series.crs is not None and series.crs.to_epsg() != epsg:
            series = series.to_crs(epsg)
        return series.union_all() if hasattr(series, "union_all") else series.unary_union
    return obj
