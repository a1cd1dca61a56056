"""Points of interest from OpenStreetMap extracts (``.osm.pbf``/``.osm``).

Road graphs from OSM files are built by :func:`arealsirk.network.graph_from_osm_file`; this module
adds the points a circular-economy analysis needs from the same file: recycling stations
(``amenity=recycling``; ``recycling_type=centre`` is a staffed station, ``container`` a bring bank)
and second-hand/charity shops (``shop=second_hand|charity``). It uses GDAL's OSM driver through
pyogrio (a core dependency), so no optional package is needed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..errors import EmptyLayerError, InputError
from ._common import gdal_path

if TYPE_CHECKING:
    import geopandas as gpd

log = logging.getLogger("arealsirk")

__all__ = ["POI_KINDS", "parse_other_tags", "read_osm_pois"]

#: kind -> list of (key, value) OSM tags, any of which selects a feature.
POI_KINDS: dict[str, tuple[tuple[str, str], ...]] = {
    "recycling_centre": (("recycling_type", "centre"),),
    "recycling_container": (("amenity", "recycling"),),
    "second_hand": (("shop", "second_hand"), ("shop", "charity")),
}
_TAG = re.compile(r'"((?:[^"\\]|\\.)*)"=>"((?:[^"\\]|\\.)*)"')


def parse_other_tags(text: object) -> dict[str, str]:
    """Parse GDAL's ``other_tags`` hstore text (``"k"=>"v","k2"=>"v2"``) into a dict.

    Parameters
    ----------
    text
        The ``other_tags`` value of one feature; ``\\"`` inside keys and values is unescaped.
        Anything not a non-empty string (``None``, NaN) gives ``{}``.
    """
    if not isinstance(text, str) or not text:
        return {}
    return {k.replace('\\"', '"'): v.replace('\\"', '"') for k, v in _TAG.findall(text)}


def read_osm_pois(  # noqa: C901
    path: str, *, kinds: Sequence[str] = ("recycling_centre", "recycling_container", "second_hand"),
) -> gpd.GeoDataFrame:
    """Recycling stations and second-hand shops from an OSM file, as points in EPSG:25833.

    Parameters
    ----------
    path
        ``.osm.pbf`` or ``.osm`` file.
    kinds
        Subset of :data:`POI_KINDS`. A feature matching several kinds gets the first in this order
        (a recycling centre is not also reported as a container).

    Returns
    -------
    geopandas.GeoDataFrame
        ``id`` ("node/123", "way/456"), ``name``, ``kind``, ``tags`` (dict as text), points (areas
        become their representative point).
    """
    import geopandas as gpd
    import pandas as pd
    import pyogrio

    unknown = [k for k in kinds if k not in POI_KINDS]
    if unknown:
        raise InputError(f"unknown POI kind(s) {', '.join(unknown)}; choose from {', '.join(POI_KINDS)}")
    src = gdal_path(path)
    values = sorted({v for k in kinds for _, v in POI_KINDS[k]})
    like = " OR ".join(f"other_tags LIKE '%\"{v}\"%'" for v in values)
    frames = []
    for layer, id_col, prefix in (("points", "osm_id", "node/"), ("multipolygons", "osm_way_id", "way/")):
        try:
            df = pyogrio.read_dataframe(src, layer=layer, where=like, on_invalid="ignore")
        except Exception as exc:
            raise InputError(f"{path}, layer '{layer}': cannot be read as OpenStreetMap data "
                             f"({exc})") from exc
        if not len(df):
            continue
        tags = df["other_tags"].map(parse_other_tags)
        for col in ("amenity", "shop"):  # multipolygons carry these as own columns
            if col in df.columns:
                for t, v in zip(tags, df[col], strict=True):
                    if isinstance(v, str) and v:
                        t.setdefault(col, v)
        ids = df[id_col] if id_col in df.columns else df.get("osm_id")
        if layer == "multipolygons" and "osm_id" in df.columns:
            ids = [f"relation/{o}" if isinstance(o, str) and o else f"way/{w}"
                   for o, w in zip(df["osm_id"], df.get("osm_way_id", [None] * len(df)), strict=True)]
        else:
            ids = [f"{prefix}{i}" for i in ids]
        geom = df.geometry
        if layer == "multipolygons":
            ok = geom.notna()
            geom = geom.where(~ok, geom[ok].representative_point())
        frames.append(pd.DataFrame({"id": ids, "name": df.get("name"), "tags": tags, "geometry": geom}))
    if not frames:
        raise EmptyLayerError(f"{path}: no OpenStreetMap feature with {', '.join(kinds)} tags")
    allf = pd.concat(frames, ignore_index=True)

    def kind_of(tags: dict[str, str]) -> str | None:
        for k in kinds:
            if any(tags.get(key) == val for key, val in POI_KINDS[k]):
                return k
        return None

    allf["kind"] = allf["tags"].map(kind_of)
    allf = allf[allf["kind"].notna() & allf["geometry"].notna()]
    if not len(allf):
        raise EmptyLayerError(f"{path}: no OpenStreetMap feature with {', '.join(kinds)} tags")
    allf["tags"] = allf["tags"].map(lambda t: ";".join(f"{k}={v}" for k, v in sorted(t.items())))
    gdf = gpd.GeoDataFrame(allf[["id", "name", "kind", "tags"]], geometry=allf["geometry"].to_numpy(),
                           crs=4326).drop_duplicates("id")
    from .._validate import validate_layer

    return validate_layer(gdf, name="OSM points of interest", file=path, geometry="point", id_column="id")
