"""Convert between QGIS feature sources/sinks and GeoDataFrames.

Geometries cross the boundary as WKB (2D; Z and M are dropped, the library works
in the plane), attributes as plain Python values (QGIS ``NULL`` becomes ``None``,
numeric fields become numeric columns), and the CRS as its EPSG code or, for
custom CRSs, WKT2.  No analysis happens here.

geopandas, pandas and shapely are imported inside the functions: this module is
imported by every algorithm module, and the plugin must load even when they are
missing (see :mod:`dependencies`).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import math
from typing import TYPE_CHECKING, Any

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFeatureRequest,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsProcessingException,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QDate, QDateTime, QTime, QVariant

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "crs_from_qgis",
    "crs_to_qgis",
    "fields_for",
    "layer_to_gdf",
    "source_to_gdf",
    "wkb_type_for",
    "write_sink",
]


# --------------------------------------------------------------------------- QGIS -> geopandas
def crs_from_qgis(crs: QgsCoordinateReferenceSystem) -> str | None:
    """A CRS string pyproj understands: ``"EPSG:25833"`` or WKT2; ``None`` when invalid."""
    if crs is None or not crs.isValid():
        return None
    authid = crs.authid()
    if authid.upper().startswith("EPSG:"):
        return authid
    return crs.toWkt(QgsCoordinateReferenceSystem.WKT_PREFERRED)


def _py(value: Any) -> Any:
    """A QGIS attribute value as a plain Python value (``NULL`` -> ``None``)."""
    if value is None:
        return None
    if isinstance(value, QVariant):
        return None if value.isNull() else value.value()
    if isinstance(value, QDateTime):
        return value.toPyDateTime() if value.isValid() else None
    if isinstance(value, QDate):
        return value.toPyDate() if value.isValid() else None
    if isinstance(value, QTime):
        return value.toPyTime() if value.isValid() else None
    return value


def source_to_gdf(
    source: Any, *, feedback: Any = None, request: QgsFeatureRequest | None = None
) -> gpd.GeoDataFrame:
    """Read every feature of a ``QgsFeatureSource`` (or vector layer) into a GeoDataFrame.

    Parameters
    ----------
    source
        A ``QgsProcessingFeatureSource``, ``QgsVectorLayer`` or any feature source.
    feedback
        Optional ``QgsFeedback``; reading stops (``CancelledError``) when it is cancelled.
    request
        Optional feature request (filter, subset of attributes).
    """
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import shapely

    from arealsirk.errors import CancelledError

    fields = source.fields()
    names = [f.name() for f in fields]
    geom_col = "geometry" if "geometry" not in names else "_geometry"
    columns: list[list[Any]] = [[] for _ in names]
    wkbs: list[bytes | None] = []
    features = source.getFeatures(request) if request is not None else source.getFeatures()
    for n, feature in enumerate(features):
        if feedback is not None and n % 1000 == 0 and feedback.isCanceled():
            raise CancelledError("cancelled by the user")
        geom = feature.geometry()
        if geom is None or geom.isNull() or geom.isEmpty():
            wkbs.append(None)
        else:
            wkb_type = geom.wkbType()
            if QgsWkbTypes.hasZ(wkb_type) or QgsWkbTypes.hasM(wkb_type):
                geom = QgsGeometry(geom.constGet().clone())
                geom.get().dropZValue()
                geom.get().dropMValue()
            wkbs.append(bytes(geom.asWkb()))
        for i, value in enumerate(feature.attributes()):
            columns[i].append(_py(value))
    data: dict[str, Any] = {}
    for field, name, values in zip(fields, names, columns):  # noqa: B905 - QGIS 3.22 may run Python 3.9
        series = pd.Series(values, dtype=object)
        if field.isNumeric():
            series = pd.to_numeric(series, errors="coerce")
        elif field.type() == QVariant.Bool and series.notna().all():
            series = series.astype(bool)
        data[name] = series
    frame = pd.DataFrame(data, columns=names)
    geoms = shapely.from_wkb(np.array(wkbs, dtype=object))
    frame[geom_col] = gpd.GeoSeries(geoms, index=frame.index)
    return gpd.GeoDataFrame(frame, geometry=geom_col, crs=crs_from_qgis(source.sourceCrs()))


def layer_to_gdf(layer: Any, *, feedback: Any = None) -> gpd.GeoDataFrame:
    """A ``QgsVectorLayer`` as a GeoDataFrame (its layer name is kept in ``attrs['name']``)."""
    gdf = source_to_gdf(layer, feedback=feedback)
    gdf.attrs["name"] = layer.name()
    return gdf


# --------------------------------------------------------------------------- geopandas -> QGIS
def crs_to_qgis(crs: Any) -> QgsCoordinateReferenceSystem:
    """A pyproj CRS (or ``None``) as a ``QgsCoordinateReferenceSystem``."""
    if crs is None:
        return QgsCoordinateReferenceSystem()
    epsg = crs.to_epsg()
    if epsg:
        return QgsCoordinateReferenceSystem(f"EPSG:{epsg}")
    return QgsCoordinateReferenceSystem.fromWkt(crs.to_wkt())


def _field_type(dtype: Any) -> QVariant.Type:
    import pandas as pd

    if pd.api.types.is_bool_dtype(dtype):
        return QVariant.Bool
    if pd.api.types.is_integer_dtype(dtype):
        return QVariant.LongLong
    if pd.api.types.is_float_dtype(dtype):
        return QVariant.Double
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return QVariant.DateTime
    return QVariant.String


def fields_for(frame: Any) -> QgsFields:
    """QGIS fields for the non-geometry columns of a (Geo)DataFrame."""
    fields = QgsFields()
    geom_name = getattr(frame, "_geometry_column_name", None)
    for name in frame.columns:
        if name == geom_name:
            continue
        if _is_geometry_dtype(frame[name]):
            continue  # secondary geometry columns cannot become attributes
        fields.append(QgsField(_field_name(name), _field_type(frame[name].dtype)))
    return fields


def _field_name(name: Any) -> str:
    """Output field name; ``fid`` (a GeoPackage's feature-id column, carried over from an input
    GeoPackage) is renamed so the output's own feature ids never clash with it."""
    text = str(name)
    return "source_fid" if text.lower() == "fid" else text


def _is_geometry_dtype(series: Any) -> bool:
    return str(getattr(series, "dtype", "")) == "geometry"


_BASE_TYPES = {
    "Point": QgsWkbTypes.Point,
    "MultiPoint": QgsWkbTypes.MultiPoint,
    "LineString": QgsWkbTypes.LineString,
    "MultiLineString": QgsWkbTypes.MultiLineString,
    "LinearRing": QgsWkbTypes.LineString,
    "Polygon": QgsWkbTypes.Polygon,
    "MultiPolygon": QgsWkbTypes.MultiPolygon,
}


def wkb_type_for(frame: Any, default: int = QgsWkbTypes.NoGeometry) -> int:
    """The one QGIS WKB type for a frame's geometries (single promoted to multi when mixed)."""
    geometry = getattr(frame, "geometry", None) if hasattr(frame, "_geometry_column_name") else None
    if geometry is None:
        return QgsWkbTypes.NoGeometry
    kinds = {k for k in geometry.geom_type.dropna().unique() if k}
    if not kinds:
        return default
    families = {k.replace("Multi", "").replace("LinearRing", "LineString") for k in kinds}
    if len(families) != 1 or "GeometryCollection" in kinds:
        raise QgsProcessingException(f"cannot write mixed geometry types {sorted(kinds)} to one QGIS layer")
    kind = next(iter(kinds)) if len(kinds) == 1 else "Multi" + next(iter(families))
    wkb = _BASE_TYPES[kind]
    if bool(geometry.has_z.any()):
        wkb = QgsWkbTypes.addZ(wkb)
    return wkb


def _value(value: Any) -> Any:
    """A pandas/numpy cell as a value QGIS accepts (``None`` for NaN/NA)."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        with contextlib.suppress(ValueError, AttributeError):
            value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, _dt.datetime):
        return QDateTime(value)
    if isinstance(value, _dt.date):
        return QDate(value)
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
        if isinstance(value, pd.Timestamp):
            return QDateTime(value.to_pydatetime())
    except ImportError:  # pragma: no cover
        pass
    return str(value)


def write_sink(
    alg: Any,
    parameters: dict,
    name: str,
    context: Any,
    frame: Any,
    *,
    feedback: Any = None,
    optional: bool = False,
    geometry_default: int | None = None,
) -> str | None:
    """Create the sink of parameter ``name`` for ``frame`` and write every row into it.

    Returns the destination id (for ``outputs[name]``), or ``None`` when the sink is
    optional and the user skipped it.
    """
    fields = fields_for(frame)
    wkb_type = wkb_type_for(
        frame, default=geometry_default if geometry_default is not None else QgsWkbTypes.NoGeometry
    )
    crs = (
        crs_to_qgis(getattr(frame, "crs", None))
        if hasattr(frame, "_geometry_column_name")
        else QgsCoordinateReferenceSystem()
    )
    sink, dest_id = alg.parameterAsSink(parameters, name, context, fields, wkb_type, crs)
    if sink is None:
        if optional:
            return None
        raise QgsProcessingException(alg.invalidSinkError(parameters, name))
    import shapely

    multi = QgsWkbTypes.isMultiType(wkb_type)
    has_geom = wkb_type != QgsWkbTypes.NoGeometry
    geom_name = getattr(frame, "_geometry_column_name", None)
    columns = [c for c in frame.columns if c != geom_name and not _is_geometry_dtype(frame[c])]
    wkbs = shapely.to_wkb(frame.geometry.values, include_srid=False) if has_geom else None
    records = (
        frame[columns].itertuples(index=False, name=None) if columns else (() for _ in range(len(frame)))
    )
    total = max(len(frame), 1)
    for n, row in enumerate(records):
        if feedback is not None and feedback.isCanceled():
            break
        feature = QgsFeature(fields)
        feature.setAttributes([_value(v) for v in row])
        if has_geom and wkbs[n] is not None:
            geom = QgsGeometry()
            geom.fromWkb(bytes(wkbs[n]))
            if multi and not geom.isMultipart():
                geom.convertToMultiType()
            feature.setGeometry(geom)
        if not sink.addFeature(feature, QgsFeatureSink.FastInsert):
            raise QgsProcessingException(f"{name}: could not write feature {n + 1} of {total}")
    del sink  # flush and close file-based sinks now
    return dest_id
