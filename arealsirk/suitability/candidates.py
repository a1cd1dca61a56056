"""Candidate sites: from a suitability raster, from zoned land, or from user points.

Every function returns the candidates layer of the results schema: ``id``,
``name``, ``kommunenummer`` and geometry (EPSG:25833), plus ``area_ha`` for
polygons and, from a suitability raster, ``suitability_mean``/``suitability_max``.  Score
them with :func:`arealsirk.scoring.score_candidates` (vector criteria) or
:func:`arealsirk.scoring.score_from_rasters` (zonal statistics).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import EmptyLayerError, InputError

if TYPE_CHECKING:
    import geopandas as gpd

log = logging.getLogger("arealsirk")

__all__ = ["from_points", "from_suitability", "from_zones"]

_COLUMNS = ["id", "name", "kommunenummer"]


def _kommune_of(gdf: gpd.GeoDataFrame, kommuner: gpd.GeoDataFrame | None) -> list[Any]:
    """kommunenummer of the kommune holding each feature's representative point (None outside)."""
    if kommuner is None:
        return [None] * len(gdf)
    import geopandas as gpd

    from .._validate import validate_layer

    kom = validate_layer(kommuner, name="kommuner", geometry="polygon", columns=["kommunenummer"])
    pts = gpd.GeoDataFrame(geometry=gdf.geometry.representative_point().to_numpy(), crs=gdf.crs)
    joined = gpd.sjoin(pts, kom[["kommunenummer", "geometry"]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    return [None if (v is None or (isinstance(v, float) and np.isnan(v))) else str(v)
            for v in joined["kommunenummer"].reindex(range(len(gdf)))]


def _feasible_geometry(feasible: Any) -> Any:
    if feasible is None:
        return None
    if hasattr(feasible, "feasible_ha"):
        return feasible.geometry
    import shapely

    from .._validate import validate_layer

    if hasattr(feasible, "geom_type") and not hasattr(feasible, "columns"):
        return feasible
    lay = validate_layer(feasible, name="feasible area", geometry="polygon")
    return shapely.union_all(lay.geometry.to_numpy())


def from_suitability(raster: Any, *, threshold: float | None = None, min_area_ha: float | None = None,
                     min_spacing_m: float | None = None, count: int | None = None,
                     kommuner: gpd.GeoDataFrame | None = None, connectivity: int = 8,
                     progress: Callable[[float, str], None] | None = None,
                     is_cancelled: Callable[[], bool] | None = None) -> gpd.GeoDataFrame:
    """Contiguous suitable regions as candidate polygons (like ArcGIS "Locate Regions").

    Cells with suitability >= ``threshold`` are grouped into connected regions
    (8-connected by default; ``scipy.ndimage.label``).  Regions smaller than
    ``min_area_ha`` are dropped; the rest are taken best first by mean
    suitability (ties: larger first), skipping any region closer than
    ``min_spacing_m`` to one already taken, until ``count`` regions are chosen.
    Unlike Locate Regions, regions are not grown to a target size or shape: they
    are the suitable patches as they are, which a planner can read directly.

    Parameters
    ----------
    raster
        Suitability GeoTIFF (0..1, nodata for excluded land), e.g. from
        :func:`arealsirk.scoring.suitability`.  Read whole: county scale (a
        60 x 50 km region at 10 m is 30 M cells, about 400 MB peak).
    threshold, min_area_ha, min_spacing_m, count
        Defaults ``suitability.region_threshold``, ``suitability.min_region_ha``,
        ``suitability.min_spacing_m``, ``suitability.candidate_count``.
    kommuner
        Optional kommune polygons to fill ``kommunenummer``.
    connectivity
        8 (default): cells touching at a corner belong to the same region; 4: only cells sharing
        an edge. Any other value is an :class:`~arealsirk.errors.InputError`.
    progress
        Callback ``progress(fraction, message)`` receiving the overall fraction done in [0, 1] and
        the current step (see :mod:`arealsirk.progress`); ``None`` (default) reports nothing.
    is_cancelled
        Callback returning ``True`` when the user asks to stop; polled between steps, then
        :class:`~arealsirk.errors.CancelledError` is raised. ``None`` (default): never cancelled.

    Returns
    -------
    geopandas.GeoDataFrame
        ``id`` ("R1", "R2" ... best first), ``name``, ``kommunenummer``, ``area_ha``,
        ``suitability_mean``, ``suitability_max``, polygon geometry.

    Raises
    ------
    EmptyLayerError
        No region meets the threshold and minimum area (the message gives the best values found).
    """
    import geopandas as gpd
    from scipy import ndimage

    from ..progress import Progress
    from .raster import _cell_size, _read_float, open_raster

    p = Progress(progress, is_cancelled)
    threshold, min_area_ha, min_spacing_m, count = _region_options(threshold, min_area_ha, min_spacing_m,
                                                                   count)
    if connectivity not in (4, 8):
        raise InputError(f"connectivity must be 4 or 8, got {connectivity!r}")
    with open_raster(raster) as src:
        dx, dy = _cell_size(src)
        z = _read_float(src, 1)
        transform, crs, name = src.transform, src.crs, src.name
    if not np.isfinite(z).any():
        raise InputError(f"{name}: suitability raster is all nodata")
    p(0.1, "labelling regions")
    with np.errstate(invalid="ignore"):
        good = np.isfinite(z) & (z >= threshold)
    structure = np.ones((3, 3), bool) if connectivity == 8 else None
    labels, n = ndimage.label(good, structure=structure)
    if n == 0:
        raise EmptyLayerError(f"{name}: no cell reaches the suitability threshold {threshold:g} "
                              f"(highest value {np.nanmax(z):.3f}); lower the threshold")
    area_ha, means, maxs = _region_figures(labels, n, np.where(good, z, 0.0), dx * dy)
    ok = np.arange(1, n + 1)[area_ha[1:] >= min_area_ha]
    if ok.size == 0:
        raise EmptyLayerError(f"{name}: no suitable region of at least {min_area_ha:g} ha (largest region "
                              f"{area_ha[1:].max():.2f} ha at threshold {threshold:g}); lower min_area_ha "
                              "or the threshold")
    order = ok[np.lexsort((-area_ha[ok], -means[ok]))]
    p(0.4, "selecting regions")
    chosen = _best_spaced_regions(labels, order, transform, connectivity=connectivity,
                                  min_spacing_m=min_spacing_m, count=count, check=p.check)
    if len(chosen) < count:
        log.info("from_suitability: %d of %d regions found (threshold %g, min area %g ha, spacing %g m)",
                 len(chosen), count, threshold, min_area_ha, min_spacing_m)
    out = gpd.GeoDataFrame({
        "id": [f"R{i + 1}" for i in range(len(chosen))],
        "name": [f"Suitable region {i + 1}" for i in range(len(chosen))],
        "kommunenummer": [None] * len(chosen),
        "area_ha": [float(area_ha[lab]) for lab, _ in chosen],
        "suitability_mean": [float(means[lab]) for lab, _ in chosen],
        "suitability_max": [float(maxs[lab]) for lab, _ in chosen],
    }, geometry=[g for _, g in chosen], crs=crs if crs is not None else "EPSG:25833")
    if crs is not None and out.crs.to_epsg() != 25833:
        out = out.to_crs(25833)
    out["kommunenummer"] = _kommune_of(out, kommuner)
    p(1.0, "regions")
    return out


def _region_options(threshold: float | None, min_area_ha: float | None, min_spacing_m: float | None,
                    count: int | None) -> tuple[float, float, float, int]:
    """The options of :func:`from_suitability`, checked, with their defaults-table values."""
    from .._validate import check_number
    from ..defaults import default

    threshold = check_number(default("suitability.region_threshold") if threshold is None else threshold,
                             "threshold")
    min_area_ha = check_number(default("suitability.min_region_ha") if min_area_ha is None else min_area_ha,
                               "min_area_ha", minimum=0)
    min_spacing_m = check_number(default("suitability.min_spacing_m") if min_spacing_m is None
                                 else min_spacing_m, "min_spacing_m", minimum=0)
    count = int(check_number(default("suitability.candidate_count") if count is None else count, "count",
                             minimum=1, integer=True))
    return threshold, min_area_ha, min_spacing_m, count


def _region_figures(labels: np.ndarray, n: int, z_good: np.ndarray,
                    cell_m2: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Area (ha), mean and maximum suitability of each labelled region (index = label; row 0 is the
    background).  ``z_good`` is the suitability where a cell is in a region, 0 elsewhere."""
    idx = labels.ravel()
    keep = idx > 0
    cells = np.bincount(idx[keep], minlength=n + 1)
    zs = z_good.ravel()[keep]
    sums = np.bincount(idx[keep], weights=zs, minlength=n + 1)
    maxs = np.full(n + 1, -np.inf)
    np.maximum.at(maxs, idx[keep], zs)
    area_ha = cells * cell_m2 / 1e4
    means = np.divide(sums, np.maximum(cells, 1))
    return area_ha, means, maxs


def _best_spaced_regions(labels: np.ndarray, order: np.ndarray, transform: Any, *, connectivity: int,
                         min_spacing_m: float, count: int,
                         check: Callable[[], None]) -> list[tuple[int, Any]]:
    """(label, polygon) of up to ``count`` regions taken in ``order`` (best first), skipping a
    region closer than ``min_spacing_m`` to one already taken.  Regions are polygonised lazily,
    only those that are considered."""
    import rasterio.features
    import rasterio.windows
    import shapely
    from scipy import ndimage

    chosen: list[tuple[int, Any]] = []
    objects = ndimage.find_objects(labels)
    for lab in order:
        check()
        sl = objects[lab - 1]
        sub = labels[sl] == lab
        wt = rasterio.windows.transform(
            rasterio.windows.Window(sl[1].start, sl[0].start, sl[1].stop - sl[1].start,
                                    sl[0].stop - sl[0].start), transform)
        geom = shapely.union_all([shapely.geometry.shape(g) for g, _ in
                                  rasterio.features.shapes(sub.astype(np.uint8), mask=sub, transform=wt,
                                                           connectivity=connectivity)])
        if min_spacing_m > 0 and any(geom.distance(g) < min_spacing_m for _, g in chosen):
            continue
        chosen.append((int(lab), geom))
        if len(chosen) == count:
            break
    return chosen


def _ids_names(gdf: gpd.GeoDataFrame, id_column: str, name_column: str, prefix: str, label: str
               ) -> tuple[list[str], list[str]]:
    ids = [str(v) for v in gdf[id_column]] if id_column in gdf.columns else \
        [f"{prefix}{i + 1}" for i in range(len(gdf))]
    names = [str(v) for v in gdf[name_column]] if name_column in gdf.columns else \
        [f"{label} {i}" for i in ids]
    return ids, names


def from_zones(zones: gpd.GeoDataFrame, *, feasible: Any = None, min_area_ha: float = 0.0,
               id_column: str = "id", name_column: str = "name", kommuner: gpd.GeoDataFrame | None = None,
               keep_columns: tuple[str, ...] = ("zone_type",)) -> gpd.GeoDataFrame:
    """Candidate polygons from zoned land (industrial/business zones in the kommuneplan).

    With ``feasible`` (a :class:`~arealsirk.constraints.FeasibleArea`, polygons or
    a shapely geometry) each zone is clipped to the feasible land; zones whose
    remaining area is below ``min_area_ha`` are dropped (logged).
    ``kommunenummer`` is kept from the zones, else taken from ``kommuner``.

    Parameters
    ----------
    zones
        Zone polygons (EPSG:25833).
    feasible
        Feasible land: a :class:`~arealsirk.suitability.constraints.FeasibleArea`, a polygon layer
        or a shapely geometry; ``None`` (default) keeps everything.
    id_column
        Column with the ids; default ``"id"``. Without it the ids are ``Z1``, ``Z2``, ...
    name_column
        Column with the names; default ``"name"``. Without it the names are ``"Zone <id>"``.
    kommuner
        Kommune polygons giving ``kommunenummer`` when the layer has no such column; optional.
    min_area_ha
        Smallest feasible area a zone must keep, hectares, >= 0; default 0.
    keep_columns
        Columns of ``zones`` copied to the candidates when present; default ``("zone_type",)``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``id``, ``name``, ``kommunenummer``, the kept columns, ``area_ha`` (feasible area), polygons.

    Raises
    ------
    EmptyLayerError
        No zone is left.
    """
    import shapely

    from .._validate import check_number, validate_layer

    min_area_ha = check_number(min_area_ha, "min_area_ha", minimum=0)
    z = validate_layer(zones, name="zones", geometry="polygon",
                       id_column=id_column if id_column in zones.columns else None)
    ids, names = _ids_names(z, id_column, name_column, "Z", "Zone")
    out = z[[c for c in keep_columns if c in z.columns]].copy()
    out.insert(0, "id", ids)
    out.insert(1, "name", names)
    out.insert(2, "kommunenummer", [str(v) for v in z["kommunenummer"]] if "kommunenummer" in z.columns
               else _kommune_of(z, kommuner))
    import geopandas as gpd

    out = gpd.GeoDataFrame(out, geometry=list(z.geometry), crs=z.crs)
    geom = _feasible_geometry(feasible)
    if geom is not None:
        clipped = shapely.intersection(out.geometry.to_numpy(), geom)
        out = out.set_geometry(list(clipped))
        out = out[~out.geometry.is_empty & (out.geometry.area > 0)]
        out["geometry"] = [shapely.union_all([g for g in shapely.get_parts(x)
                                              if g.geom_type == "Polygon"]) for x in out.geometry]
    out["area_ha"] = out.geometry.area / 1e4
    small = out["area_ha"] < min_area_ha
    if small.any():
        log.info("from_zones: %d zone(s) below %g ha of feasible land dropped: %s", int(small.sum()),
                 min_area_ha, ", ".join(out.loc[small, "id"].astype(str)[:10]))
    out = out.loc[~small].reset_index(drop=True)
    if len(out) == 0:
        raise EmptyLayerError("no zone is left as a candidate: "
                              + ("none has feasible land" if geom is not None else "all are too small")
                              + f" (min_area_ha {min_area_ha:g})")
    return out


def from_points(points: gpd.GeoDataFrame, *, feasible: Any = None, id_column: str = "id",
                name_column: str = "name", kommuner: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Candidate points given by the user; with ``feasible`` points on excluded land are dropped (logged).

    Parameters
    ----------
    points
        Candidate points (EPSG:25833).
    feasible
        Feasible land: a :class:`~arealsirk.suitability.constraints.FeasibleArea`, a polygon layer
        or a shapely geometry; ``None`` (default) keeps every point.
    id_column
        Column with the ids; default ``"id"``. Without it the ids are ``P1``, ``P2``, ...
    name_column
        Column with the names; default ``"name"``. Without it the names are ``"Point <id>"``.
    kommuner
        Kommune polygons giving ``kommunenummer`` when the layer has no such column; optional.

    Returns
    -------
    geopandas.GeoDataFrame
        ``id``, ``name``, ``kommunenummer``, points.

    Raises
    ------
    EmptyLayerError
        Every point lies on excluded land.
    """
    import geopandas as gpd
    import shapely

    from .._validate import validate_layer

    pts = validate_layer(points, name="candidate points", geometry="point",
                         id_column=id_column if id_column in points.columns else None)
    ids, names = _ids_names(pts, id_column, name_column, "P", "Point")
    komm = [str(v) for v in pts["kommunenummer"]] if "kommunenummer" in pts.columns \
        else _kommune_of(pts, kommuner)
    out = gpd.GeoDataFrame({"id": ids, "name": names, "kommunenummer": komm},
                           geometry=list(pts.geometry), crs=pts.crs)
    geom = _feasible_geometry(feasible)
    if geom is not None:
        inside = shapely.covers(geom, out.geometry.to_numpy())
        if not inside.all():
            log.warning("from_points: %d point(s) on excluded land dropped: %s", int((~inside).sum()),
                        ", ".join(out.loc[~inside, "id"][:10]))
        out = out.loc[inside].reset_index(drop=True)
        if len(out) == 0:
            raise EmptyLayerError("every candidate point lies on excluded land")
    return out
