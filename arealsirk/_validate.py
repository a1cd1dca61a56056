"""Shared input checks, run first by every public entry point.

One routine, :func:`validate_layer`, turns any GeoDataFrame into a clean layer in
the analysis CRS or raises one clear error that names the file, the layer and
the column.  The CLI, the scenario runner, the workflows and the QGIS plugin all
call it, so a bad input gets the same message everywhere.

Checks, in order: empty layer; missing CRS; reprojection of geographic or other
CRSs to the analysis CRS (logged); missing columns; missing/empty geometries
(dropped, reported); invalid geometries (repaired with ``make_valid``, reported);
geometry type; numeric columns (non-numeric, NaN, negative); duplicate ids;
overlap with the study area.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import (
    CrsError,
    DuplicateIdError,
    EmptyLayerError,
    GeometryError,
    InputError,
    MissingColumnError,
    NoOverlapError,
    where,
)

if TYPE_CHECKING:
    import geopandas as gpd
    from shapely.geometry.base import BaseGeometry

log = logging.getLogger("arealsirk")

__all__ = ["GEOMETRY_FAMILIES", "check_layer_values", "check_number", "max_number", "validate_layer"]

#: Names accepted for ``geometry=`` and the shapely types they admit.
GEOMETRY_FAMILIES: dict[str, frozenset[str]] = {
    "point": frozenset({"Point", "MultiPoint"}),
    "line": frozenset({"LineString", "MultiLineString", "LinearRing"}),
    "polygon": frozenset({"Polygon", "MultiPolygon"}),
}


def max_number() -> float:
    """The largest number accepted in an input column or scenario value (``validate.max_number``)."""
    from .defaults import default

    return float(default("validate.max_number"))


def _analysis_epsg() -> int:
    from .defaults import default

    return int(default("crs.analysis_epsg"))


def validate_layer(
    gdf: gpd.GeoDataFrame,
    *,
    name: str,
    file: object = None,
    layer: str | None = None,
    geometry: str | Sequence[str] | None = None,
    columns: Iterable[str] = (),
    numeric: Iterable[str] = (),
    allow_negative: bool = False,
    id_column: str | None = None,
    crs: Any = None,
    study_area: BaseGeometry | None = None,
) -> gpd.GeoDataFrame:
    """Check a layer and return a clean copy in the analysis CRS.

    Parameters
    ----------
    gdf
        The layer as read.
    name
        What the layer is for ("sources", "roads", ...); used in messages when
        ``file``/``layer`` are unknown.
    file, layer
        Where the layer came from, for messages.
    geometry
        Allowed geometry family or families: ``"point"``, ``"line"``, ``"polygon"``.
    columns
        Columns that must exist.
    numeric
        Columns that must be numeric, finite and (unless ``allow_negative``) >= 0.
        Implies presence.
    id_column
        Column whose values must be unique (implies presence).
    crs
        Target CRS; default the analysis CRS (``crs.analysis_epsg``, EPSG:25833).
    study_area
        Geometry in the target CRS that the layer must overlap.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy: reprojected, repaired, rows with no geometry dropped, index reset.

    Raises
    ------
    EmptyLayerError, CrsError, MissingColumnError, GeometryError, InputError,
    DuplicateIdError, NoOverlapError
        With a message naming the file, layer and column.
    """
    at = where(file=file, layer=layer if layer is not None else (None if file else name))
    out = _reprojected_copy(gdf, name=name, at=at, crs=crs)
    required = [*columns, *numeric, *([id_column] if id_column else [])]
    missing = [c for c in dict.fromkeys(required) if c not in out.columns]
    if missing:
        have = ", ".join(c for c in out.columns if c != out.geometry.name) or "none"
        raise MissingColumnError(
            f"{where(file=file, layer=layer, column=missing[0])}missing column "
            f"(needed for {name}); columns present: {have}"
        )
    out = _clean_geometries(out, at=at)
    if geometry is not None:
        _check_geometry_families(out, geometry, name=name, at=at)
    for col in dict.fromkeys(numeric):
        _check_numeric_column(out, col, file=file, layer=layer, name=name,
                              allow_negative=allow_negative)
    if id_column:
        dup = out[id_column].duplicated(keep=False)
        if dup.any():
            values = ", ".join(map(repr, list(dict.fromkeys(out.loc[dup, id_column]))[:5]))
            raise DuplicateIdError(
                f"{where(file=file, layer=layer, column=id_column)}ids must be unique; "
                f"repeated: {values}"
            )
    if study_area is not None and not study_area.is_empty:
        _check_overlap(out, study_area, name=name, at=at)
    return out.reset_index(drop=True)


def _reprojected_copy(gdf: Any, *, name: str, at: str, crs: Any) -> gpd.GeoDataFrame:
    """A copy of ``gdf`` in ``crs`` (default the analysis CRS); refuses what is not a GeoDataFrame,
    an empty layer and a layer without CRS."""
    import geopandas as gpd

    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(f"{at}expected a GeoDataFrame for {name}, got {type(gdf).__name__}")
    if len(gdf) == 0:
        raise EmptyLayerError(f"{at}layer is empty (no features) - {name} needs at least one")
    if gdf.crs is None:
        raise CrsError(f"{at}layer has no CRS; set it (for example EPSG:25833) before use")
    target = crs if crs is not None else _analysis_epsg()
    out = gdf.copy()
    if not out.crs.equals(gpd.GeoSeries([], crs=target).crs):
        kind = "geographic" if out.crs.is_geographic else "projected"
        log.info("%sreprojected from %s CRS %s to %s", at, kind, out.crs.to_string(), target)
        out = out.to_crs(target)
    return out


def _clean_geometries(out: gpd.GeoDataFrame, *, at: str) -> gpd.GeoDataFrame:
    """Drop the features without geometry (refusing a layer with none left, logging how many) and
    repair invalid geometries (``make_valid``, logged)."""
    no_geom = out.geometry.isna() | out.geometry.is_empty
    if no_geom.any():
        n = int(no_geom.sum())
        if n == len(out):
            raise EmptyLayerError(f"{at}all {n} features have empty or missing geometry")
        log.warning("%sdropped %d feature(s) with empty or missing geometry", at, n)
        out = out.loc[~no_geom]
    invalid = ~out.geometry.is_valid
    if invalid.any():
        n = int(invalid.sum())
        out.loc[invalid, out.geometry.name] = out.geometry[invalid].make_valid()
        log.warning("%srepaired %d invalid geometr%s", at, n, "y" if n == 1 else "ies")
    return out


def _polygonal_part(g: Any) -> Any:
    """The polygons of a geometry collection, as one MultiPolygon."""
    from shapely import get_parts
    from shapely.geometry import MultiPolygon

    parts = [p for p in get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
    return MultiPolygon([q for p in parts for q in getattr(p, "geoms", [p])])


def _check_geometry_families(out: gpd.GeoDataFrame, geometry: str | Sequence[str], *, name: str,
                             at: str) -> None:
    """Refuse geometries outside the allowed families (in place: a polygon that ``make_valid``
    turned into a GeometryCollection keeps its polygonal part when polygons are allowed)."""
    families = [geometry] if isinstance(geometry, str) else list(geometry)
    allowed = frozenset().union(*(GEOMETRY_FAMILIES[f] for f in families))
    types = out.geom_type
    bad = ~types.isin(allowed)
    if bad.any() and "polygon" in families:
        coll = bad & (types == "GeometryCollection")
        if coll.any():
            out.loc[coll, out.geometry.name] = out.geometry[coll].apply(_polygonal_part)
            bad = ~out.geom_type.isin(allowed)
    if bad.any():
        found = ", ".join(sorted(set(out.geom_type[bad])))
        raise GeometryError(
            f"{at}{name} must have {' or '.join(families)} geometries; found {found} "
            f"in {int(bad.sum())} feature(s)"
        )


def _check_overlap(out: gpd.GeoDataFrame, study_area: BaseGeometry, *, name: str, at: str) -> None:
    """Refuse a layer that does not overlap the study area (bounds first, then the geometry)."""
    from shapely import box

    if not out.intersects(box(*study_area.bounds)).any() or not out.intersects(study_area).any():
        b = ", ".join(f"{v:.0f}" for v in out.total_bounds)
        s = ", ".join(f"{v:.0f}" for v in study_area.bounds)
        raise NoOverlapError(
            f"{at}{name} does not overlap the study area (layer bounds {b}; "
            f"study area bounds {s}, both in {out.crs.to_string()}) - wrong CRS or wrong file?"
        )


def _check_numeric_column(gdf: Any, col: str, *, file: object, layer: str | None, name: str,
                          allow_negative: bool) -> None:
    import pandas as pd

    at = where(file=file, layer=layer, column=col)
    series = gdf[col]
    values = pd.to_numeric(series, errors="coerce")
    nonnum = values.isna() & series.notna()
    if nonnum.any():
        first = series[nonnum].iloc[0]
        raise InputError(f"{at}values must be numbers; found {first!r} "
                         f"({int(nonnum.sum())} non-numeric value(s))")
    arr = values.to_numpy(dtype=float)
    if np.isnan(arr).any():
        raise InputError(f"{at}{int(np.isnan(arr).sum())} missing (NaN/empty) value(s); "
                         f"every {name} feature needs a value")
    if not np.isfinite(arr).all():
        raise InputError(f"{at}infinite value(s) are not allowed")
    if not allow_negative and (arr < 0).any():
        raise InputError(f"{at}{int((arr < 0).sum())} negative value(s), for example {arr[arr < 0][0]:g}; "
                         "quantities must be >= 0")
    bound = max_number()
    if (np.abs(arr) > bound).any():
        big = arr[np.abs(arr) > bound]
        raise InputError(f"{at}{len(big)} value(s) beyond {bound:g}, for example {big[0]:g}; values must lie "
                         f"within -{bound:g} .. {bound:g} (validate.max_number) - a typing or unit error?")
    gdf[col] = arr


def check_number(value: Any, name: str, *, minimum: float | None = None,
                 maximum: float | None = None, exclusive_minimum: bool = False,
                 integer: bool = False) -> float:
    """Check a scalar parameter and return it as ``float`` (or ``int``).

    Raises
    ------
    InputError
        Naming the parameter when the value is not a finite number in range.
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, got {value!r}") from None
    if not np.isfinite(number):
        raise InputError(f"{name} must be finite, got {value!r}")
    if abs(number) > max_number():
        raise InputError(f"{name} must lie within -{max_number():g} .. {max_number():g} "
                         f"(validate.max_number), got {value!r}")
    if integer and number != int(number):
        raise InputError(f"{name} must be a whole number, got {value!r}")
    if minimum is not None and (number < minimum or (exclusive_minimum and number <= minimum)):
        op = ">" if exclusive_minimum else ">="
        raise InputError(f"{name} must be {op} {minimum:g}, got {value!r}")
    if maximum is not None and number > maximum:
        raise InputError(f"{name} must be <= {maximum:g}, got {value!r}")
    return int(number) if integer else number


#: Parameter prefixes that declare a new resource kind (a yield, payload or value for it).
_KIND_PREFIXES = ("resources.methane_nm3_per_t.", "resources.payload_t.", "symbiosis.value_nok_per_unit.")
_FLOW_KIND_ALIASES = ("waste_heat", "overskuddsvarme")


def check_layer_values(name: str, gdf: Any, *, file: object = None, layer: str | None = None,
                       parameters: Any = None, strict: bool = True) -> None:
    """Check the values of the resource columns of a validated layer, naming file, layer and column.

    For ``sources`` and ``flows``: every ``kind`` is a known resource kind (or one given a
    yield, payload or value in ``parameters``), every ``unit`` is a known unit of the kind's
    family; for ``flows`` every ``role`` is ``supply`` or ``demand``.  For ``sources`` and
    ``population``: not every quantity is zero.  Other layers pass unchecked.  With
    ``strict=False`` unknown kinds and roles pass (the pipeline warns about them instead).

    Raises
    ------
    InputError
        Naming the file, layer, column, the first bad value and the feature id.
    """
    import difflib

    from .resources import kind_info, to_canonical

    if name not in ("sources", "flows", "population"):
        return
    value_col = "population" if name == "population" else "quantity"
    if value_col in gdf.columns and len(gdf) and (gdf[value_col].to_numpy(dtype=float) == 0).all():
        raise EmptyLayerError(f"{where(file=file, layer=layer, column=value_col)}every one of the {len(gdf)} "
                              f"feature(s) has {value_col} 0; there is nothing to site facilities for")
    if name == "population":
        return
    ids = gdf["id"].tolist() if "id" in gdf.columns else list(range(len(gdf)))
    declared = {str(k).split(".")[-1] for k in (parameters or {}) if str(k).startswith(_KIND_PREFIXES)}
    if "role" in gdf.columns and strict:
        roles = gdf["role"].astype(str).str.strip().str.lower()
        bad = ~roles.isin(["supply", "demand"])
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(f"{where(file=file, layer=layer, column='role')}values must be 'supply' or "
                             f"'demand'; feature {_plain(ids[i])!r} has {_plain(gdf['role'].iloc[i])!r}")
    kinds = gdf["kind"].astype(str).str.strip().str.lower() if "kind" in gdf.columns else None
    if kinds is not None:
        from .resources import KINDS

        for i, k in enumerate(kinds):
            if strict and kind_info(k) is None and k not in declared and k not in _FLOW_KIND_ALIASES:
                near = difflib.get_close_matches(k, list(KINDS), n=1)
                hint = f"; did you mean '{near[0]}'?" if near else ""
                at = where(file=file, layer=layer, column="kind")
                value, fid = _plain(gdf["kind"].iloc[i]), _plain(ids[i])
                raise InputError(
                    f"{at}unknown resource kind {value!r} (feature {fid!r}){hint}; "
                    f"known kinds: {', '.join(KINDS)}; a new kind is declared "
                    f"by giving it a yield in [parameters], e.g. \"resources.methane_nm3_per_t.{k}\"")
    if "unit" in gdf.columns:
        at = where(file=file, layer=layer, column="unit")
        for i, unit in enumerate(gdf["unit"].tolist()):
            if unit is None or (isinstance(unit, float) and np.isnan(unit)):
                raise InputError(f"{at}feature {_plain(ids[i])!r} has no unit; give one such as t/yr, GWh/yr")
            k = kinds.iloc[i] if kinds is not None else None
            k = "excess_heat" if k in ("heat", *_FLOW_KIND_ALIASES) else k
            try:
                to_canonical(1.0, str(unit), kind=k if k and kind_info(k) else None, context=at)
            except InputError as exc:
                raise InputError(f"{exc} (feature {_plain(ids[i])!r})") from None


def _plain(value: Any) -> Any:
    """A numpy scalar as its Python value, so messages show ``5``, not ``np.int64(5)``."""
    return value.item() if isinstance(value, np.generic) else value
