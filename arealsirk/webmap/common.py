"""What the interactive and the static map share: the result layers, colours, ``webmap.*``
defaults, safe JSON, cell text and the preparation of a layer for drawing."""

from __future__ import annotations

import contextvars
import logging
import math
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .._text import js_json
from ..errors import EmptyLayerError, InputError

if TYPE_CHECKING:
    import geopandas as gpd

log = logging.getLogger("arealsirk")


#: Result layers the map knows, in drawing order (bottom to top).
LAYER_NAMES: tuple[str, ...] = (
    "kommuner",
    "catchments",
    "service_areas",
    "candidates",
    "allocation",
    "matches",
    "sources",
    "existing",
    "selected_sites",
)


OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


_TRANSPARENT_GIF = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"


#: viridis at 5 stops: colour-blind safe, dark = low suitability, yellow = high
SCORE_COLOURS = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")


KIND_COLOURS: dict[str, str] = {
    "cattle_manure": "#8c510a",
    "pig_manure": "#d8b365",
    "food_waste": "#e66101",
    "sewage_sludge": "#6a3d9a",
    "forest_residue": "#1b7837",
    "textiles": "#c51b7d",
    "excess_heat": "#f4a6c6",
    "by_product": "#a6a6d8",
    "heat": "#f4a6c6",
    "wood_chips": "#5aae61",
    "ash": "#878787",
    "co2": "#542788",
    "water": "#2166ac",
}


FALLBACK_COLOURS = (
    "#1f78b4",
    "#33a02c",
    "#e31a1c",
    "#ff7f00",
    "#6a3d9a",
    "#b15928",
    "#a6cee3",
    "#b2df8a",
    "#fb9a99",
    "#fdbf6f",
    "#cab2d6",
    "#ffff99",
)


FACILITY_COLOURS: dict[str, str] = {
    "biogas_plant": "#d62728",
    "reuse_centre": "#1f77b4",
    "industrial_park": "#9467bd",
    "bioenergy_plant": "#8c564b",
    "textile_site": "#e377c2",
    "recycling_station": "#7f7f7f",
}


#: travel-time bands in greys: context, not to be confused with the facility colours
MINUTE_COLOURS = ("#525252", "#737373", "#969696", "#bdbdbd", "#d9d9d9", "#f0f0f0")


_SITE_FIGURES = (
    "capacity_t",
    "feedstock_t",
    "utilisation",
    "methane_nm3",
    "energy_gwh",
    "tonne_km",
    "co2_t",
    "truck_trips",
    "mean_km",
    "population_served",
    "population_within_cutoff",
    "share_within_cutoff",
    "rank",
    "area_ha",
    "saving_nok",
    "flows_nearby",
)


_PERCENT = ("share_within_cutoff", "utilisation")


#: ``webmap.*`` overrides of the map being built (set by :func:`build_map`'s ``parameters``).
_OVERRIDES: contextvars.ContextVar[Mapping[str, float]] = contextvars.ContextVar(
    "webmap_overrides", default=MappingProxyType({})
)


def _default(key: str, fallback: float) -> float:
    """A ``webmap.*`` default from the defaults table (fallback only if the row is missing)."""
    from ..defaults import default

    if key in _OVERRIDES.get():
        return float(_OVERRIDES.get()[key])
    try:
        return float(default(key))
    except Exception:  # the row is appended to defaults.csv alongside this module
        return fallback


def _js_json(obj: Any) -> str:
    """JSON that is safe inside ``<script>`` (see :func:`arealsirk._text.js_json`)."""
    return js_json(obj)


def _text(value: Any) -> str:
    """A cell as display text ('' for missing)."""
    if value is None:
        return ""
    try:
        if isinstance(value, float) and math.isnan(value):
            return ""
    except TypeError:
        pass
    try:
        import pandas as pd

        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def _num(value: Any) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def _prepare(
    gdf: gpd.GeoDataFrame, name: str, *, simplify_m: float, decimals: int
) -> gpd.GeoDataFrame | None:
    """Validate, simplify (in metres), reproject to WGS84 and round coordinates; None if empty."""
    import numpy as np
    import shapely

    from .._validate import validate_layer

    if gdf is None or len(gdf) == 0:
        log.info("webmap: layer '%s' is empty; skipped", name)
        return None
    try:
        gdf = validate_layer(gdf, name=name, layer=name)
    except EmptyLayerError:
        log.info("webmap: layer '%s' has no usable geometries; skipped", name)
        return None
    geoms = gdf.geometry.values
    if simplify_m > 0:
        kinds = shapely.get_type_id(np.asarray(geoms))
        nonpoint = kinds > 0  # 0 = Point
        if nonpoint.any():
            arr = np.asarray(geoms).copy()
            arr[nonpoint] = shapely.simplify(arr[nonpoint], simplify_m, preserve_topology=True)
            gdf = gdf.set_geometry(gdf.geometry.__class__(arr, crs=gdf.crs, index=gdf.index))
    gdf = gdf.to_crs(4326)
    factor = 10.0**decimals
    rounded = shapely.transform(np.asarray(gdf.geometry.values), lambda c: np.round(c * factor) / factor)
    gdf = gdf.set_geometry(gdf.geometry.__class__(rounded, crs=gdf.crs, index=gdf.index))
    keep = ~(gdf.geometry.is_empty | gdf.geometry.isna())
    gdf = gdf[keep]
    return gdf if len(gdf) else None


def _geojson(geom: Any) -> dict[str, Any]:
    from shapely.geometry import mapping

    return mapping(geom)


def _is_true(value: Any) -> bool:
    return _text(value) != "" and bool(value) and _text(value).lower() not in ("false", "0", "no", "nei")


_SEED_NOTE = re.compile(r"\s*[,;]?\s*\bseed\s*\d+\b", re.I)


def _clean_title(title: str, synthetic: bool) -> str:
    """The demo's scenario name carries "(syntetisk, seed 0)": the seed means nothing to a reader and
    the synthetic badge says the rest; removed from titles of synthetic maps only."""
    if not synthetic:
        return title
    out = _SEED_NOTE.sub("", title)
    return re.sub(r"\s*\(\s*\)", "", out).strip() or title


def _check_layers(layers: Any) -> None:
    if not isinstance(layers, Mapping):
        raise InputError(
            f"layers: expected a mapping of layer name -> GeoDataFrame, got {type(layers).__name__}"
        )
    import geopandas as gpd

    for k, v in layers.items():
        if v is not None and not isinstance(v, gpd.GeoDataFrame):
            raise InputError(f"layers['{k}']: expected a GeoDataFrame, got {type(v).__name__}")


def _truthy(value: Any) -> bool:
    return _text(value).strip().lower() in ("1", "true", "yes", "ja", "y", "t")
