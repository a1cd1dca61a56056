"""Exclusion rules as data, and the feasible area they leave.

A planner writes the siting rules as a list of small frozen objects::

    rules = [
        BufferRule("settlements 500 m", settlements, 500),     # not within 500 m of tettbebyggelse
        BufferRule("lakes 100 m", lakes, 100),                 # not within 100 m of lakes
        ExcludeRule("protected", protected),                   # not in protected areas
        InsideRule("near main road", main_roads, 3000),        # within 3 km of a main road
        RasterThresholdRule("slope <= 10 %", "slope.tif", "<=", 10),
    ]
    fa = feasible_area(region, rules)
    fa.polygons          # GeoDataFrame of feasible land (area_ha per part)
    fa.table             # hectares each rule removed, in order and on its own

Vector rules are applied exactly (shapely buffers and overlays); raster rules
are applied by polygonising the failing cells at the raster's own resolution.
With ``resolution=`` a feasible-area mask raster (1 = feasible, 0 = excluded,
nodata outside the region) is also made; :meth:`FeasibleArea.write_mask` writes
it as a tiled, compressed GeoTIFF.
"""

from __future__ import annotations

import logging
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import CrsError, EmptyLayerError, InputError, NoOverlapError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry.base import BaseGeometry

log = logging.getLogger("arealsirk")

__all__ = [
    "BufferRule",
    "ExcludeRule",
    "Exclusions",
    "FeasibleArea",
    "InsideRule",
    "RasterThresholdRule",
    "candidate_slopes",
    "exclude_candidates",
    "feasible_area",
    "standard_rules",
]

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt,
    "==": operator.eq, "!=": operator.ne,
}


@dataclass(frozen=True, eq=False)
class BufferRule:
    """Exclude everything within ``distance_m`` of the features of ``layer`` (and the features).

    Attributes
    ----------
    name
        Rule name, unique among the rules (the table's ``rule`` column).
    layer
        The features: a GeoDataFrame or GeoSeries (in EPSG:25833) or one shapely geometry.
    distance_m
        Buffer distance, metres.
    """

    name: str
    layer: Any
    distance_m: float

    kind = "buffer"


@dataclass(frozen=True, eq=False)
class ExcludeRule:
    """Exclude the polygons of ``layer`` themselves (e.g. protected areas), optionally buffered.

    Attributes
    ----------
    name
        Rule name, unique among the rules.
    layer
        The excluded polygons (any geometry when ``distance_m`` > 0): a GeoDataFrame or GeoSeries (in
        EPSG:25833) or one shapely geometry.
    distance_m
        Buffer around the polygons, metres; default 0 (the polygons only).
    """

    name: str
    layer: Any
    distance_m: float = 0.0

    kind = "exclude"


@dataclass(frozen=True, eq=False)
class InsideRule:
    """Keep only land inside ``layer`` (e.g. the region or a kommune), or, with ``distance_m``,
    within that distance of its features (e.g. within 3 km of a main road).

    Attributes
    ----------
    name
        Rule name, unique among the rules.
    layer
        The features: a GeoDataFrame or GeoSeries (in EPSG:25833) or one shapely geometry.
    distance_m
        Distance from the features within which land is kept, metres; default 0 (inside the
        features themselves).
    """

    name: str
    layer: Any
    distance_m: float = 0.0

    kind = "inside"


@dataclass(frozen=True)
class RasterThresholdRule:
    """Keep cells where ``raster <op> value`` holds, e.g. ``("slope <= 10 %", "slope.tif", "<=", 10)``.

    Cells that are nodata in the raster are excluded (their suitability is unknown).

    Attributes
    ----------
    name
        Rule name, unique among the rules.
    raster_path
        The raster (GeoTIFF path); it must be in EPSG:25833 and overlap the region.
    op
        Comparison kept: ``"<="``, ``"<"``, ``">="``, ``">"``, ``"=="`` or ``"!="``.
    value
        Right-hand side of the comparison, in the raster's units.
    band
        Band to read, 1-based; default 1.
    """

    name: str
    raster_path: Any
    op: str
    value: float
    band: int = 1

    kind = "raster"

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise InputError(f"rule '{self.name}': op must be one of {sorted(_OPS)}, got {self.op!r}")
        try:
            float(self.value)
        except (TypeError, ValueError):
            raise InputError(f"rule '{self.name}': value must be a number, got {self.value!r}") from None


Rule = BufferRule | ExcludeRule | InsideRule | RasterThresholdRule


@dataclass
class FeasibleArea:
    """Result of :func:`feasible_area`.

    Attributes
    ----------
    polygons
        Feasible land: one row per polygon part, columns ``area_ha`` and ``geometry`` (EPSG:25833).
    table
        One row per rule, in the order applied: ``rule``, ``kind``, ``removed_ha`` (removed by this
        rule from what the previous rules left), ``alone_ha`` (what the rule alone removes from the
        region), ``remaining_ha``.  A first row ``region`` gives the region area.
    geometry
        The feasible land as one (multi)polygon.
    mask
        ``uint8`` array (1 feasible, 0 excluded, 255 outside the region) when ``resolution`` was
        given, else ``None``; ``transform`` and ``crs`` georeference it.
    region_ha
        Area of the region, hectares.
    feasible_ha
        Area of the feasible land, hectares (after ``min_part_ha``).
    transform, crs
        Affine transform and CRS of ``mask``; ``None`` without a mask.
    messages
        Notes of the run (slivers dropped under ``min_part_ha``, ...).
    """

    polygons: gpd.GeoDataFrame
    table: pd.DataFrame
    geometry: BaseGeometry
    region_ha: float
    feasible_ha: float
    mask: np.ndarray | None = None
    transform: Any = None
    crs: Any = None
    messages: list[str] = field(default_factory=list)

    def write_mask(self, path: Any) -> Path:
        """Write the mask as a tiled, compressed uint8 GeoTIFF (nodata 255)."""
        import rasterio

        from ..io import atomic_path

        if self.mask is None:
            raise InputError("no mask was made; call feasible_area(..., resolution=<metres>)")
        h, w = self.mask.shape
        tiled = h >= 256 and w >= 256
        prof = dict(driver="GTiff", width=w, height=h, count=1, dtype="uint8", crs=self.crs,
                    transform=self.transform, nodata=255, compress="deflate", tiled=tiled)
        if tiled:
            prof.update(blockxsize=256, blockysize=256)
        with atomic_path(Path(path)) as tmp, rasterio.open(tmp, "w", **prof) as dst:
            dst.write(self.mask, 1)
        return Path(path)


def _region_geometry(region: Any) -> BaseGeometry:
    import geopandas as gpd
    import shapely

    from .._validate import validate_layer

    if isinstance(region, gpd.GeoDataFrame | gpd.GeoSeries):
        if isinstance(region, gpd.GeoSeries):
            region = gpd.GeoDataFrame(geometry=region)
        reg = validate_layer(region, name="region", geometry="polygon")
        geom = shapely.union_all(reg.geometry.to_numpy())
    elif hasattr(region, "geom_type"):
        if region.geom_type not in ("Polygon", "MultiPolygon"):
            raise InputError(f"region must be a polygon, got {region.geom_type}")
        geom = shapely.make_valid(region)
        log.info("region given as a bare geometry: assumed to be in EPSG:25833")
    else:
        raise InputError(f"region must be a polygon GeoDataFrame or a shapely polygon, got "
                         f"{type(region).__name__}")
    if geom.is_empty or geom.area <= 0:
        raise EmptyLayerError("region has no area")
    return geom


def _layer_geometry(rule: Any, region: BaseGeometry) -> BaseGeometry:
    import geopandas as gpd
    import shapely

    from .._validate import validate_layer

    layer = rule.layer
    if isinstance(layer, gpd.GeoSeries):
        layer = gpd.GeoDataFrame(geometry=layer)
    if hasattr(layer, "geom_type") and not isinstance(layer, gpd.GeoDataFrame):
        geoms = np.array([layer])
    else:
        geometry = "polygon" if rule.kind == "exclude" and not rule.distance_m else None
        lay = validate_layer(layer, name=f"rule '{rule.name}' layer", geometry=geometry)
        geoms = lay.geometry.to_numpy()
    d = float(rule.distance_m)
    if d < 0:
        raise InputError(f"rule '{rule.name}': distance_m must be >= 0, got {rule.distance_m!r}")
    # only features that can reach the region matter
    if rule.kind != "inside" or d > 0:
        reach = shapely.buffer(region.envelope, d + 1.0)
        geoms = geoms[shapely.intersects(geoms, reach)]
    if len(geoms) == 0:
        return shapely.Polygon()
    if d > 0:
        geoms = shapely.buffer(geoms, d, quad_segs=16)
    return shapely.union_all(geoms)


def _crs_ok(crs: Any) -> bool:
    from pyproj import CRS

    from ..defaults import default

    if crs is None:
        return False
    return CRS.from_user_input(crs.to_wkt()).equals(CRS.from_epsg(int(default("crs.analysis_epsg"))),
                                                     ignore_axis_order=True)


def _raster_failing(rule: RasterThresholdRule, region: BaseGeometry) -> tuple[BaseGeometry, float]:
    """Polygons of cells (inside the region's bounds) failing the rule, and the raster cell area."""
    import rasterio.features
    import shapely
    from rasterio.windows import from_bounds

    from .raster import _read_float, open_raster

    with open_raster(rule.raster_path) as src:
        if not _crs_ok(src.crs):
            have = src.crs.to_string() if src.crs else "none"
            raise CrsError(f"{src.name}: raster CRS {have} differs from "
                           "the analysis CRS EPSG:25833; warp the raster (gdalwarp -t_srs EPSG:25833)")
        rb = src.bounds
        minx, miny, maxx, maxy = region.bounds
        if maxx <= rb.left or minx >= rb.right or maxy <= rb.bottom or miny >= rb.top:
            raise NoOverlapError(f"{src.name}: raster (bounds {rb.left:.0f}, {rb.bottom:.0f}, "
                                 f"{rb.right:.0f}, "
                                 f"{rb.top:.0f}) does not overlap the region (bounds {minx:.0f}, {miny:.0f}, "
                                 f"{maxx:.0f}, {maxy:.0f}) - rule '{rule.name}'")
        win = from_bounds(max(minx, rb.left), max(miny, rb.bottom), min(maxx, rb.right), min(maxy, rb.top),
                          src.transform).round_offsets().round_lengths()
        win = win.intersection(rasterio.windows.Window(0, 0, src.width, src.height))
        z = _read_float(src, rule.band, win)
        transform = src.window_transform(win)
        cell = abs(src.transform.a * src.transform.e)
        coverage = shapely.box(*rasterio.windows.bounds(win, src.transform))
    if not np.isfinite(z).any():
        raise InputError(f"{rule.raster_path}: raster is all nodata over the region - rule '{rule.name}'")
    with np.errstate(invalid="ignore"):
        passing = _OPS[rule.op](z, float(rule.value)) & np.isfinite(z)
    shapes = rasterio.features.shapes(passing.astype(np.uint8), mask=passing, transform=transform)
    passing_geom = shapely.union_all([shapely.geometry.shape(g) for g, _ in shapes]) \
        if passing.any() else shapely.Polygon()
    # land outside the raster's coverage is unknown: excluded too, with a message by the caller
    failing = shapely.difference(region, passing_geom)
    nodata = int((~np.isfinite(z)).sum())
    if nodata or not coverage.contains(region):
        log.warning("rule '%s': %d nodata cell(s)%s excluded (unknown values)", rule.name, nodata,
                    " and land outside the raster" if not coverage.contains(region) else "")
    return failing, cell


def _checked_rules(rules: Sequence[Rule]) -> list[Rule]:
    """The rules as a list; refuses repeated names and objects that are not rules."""
    rules = list(rules)
    for r in rules:
        if not isinstance(r, BufferRule | ExcludeRule | InsideRule | RasterThresholdRule):
            raise InputError(f"not a rule: {r!r}; use BufferRule, ExcludeRule, InsideRule or "
                             "RasterThresholdRule")
    names = [r.name for r in rules]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(f"rule names must be unique; repeated: {dup}")
    return rules


def _apply_rule(rule: Rule, reg: Any, current: Any) -> tuple[str, Any, Any]:
    """One rule on the land left so far: (its parameter as text, what it removes from the whole
    region ``reg`` on its own, the land left of ``current`` after it)."""
    import shapely

    if isinstance(rule, RasterThresholdRule):
        failing, _ = _raster_failing(rule, reg)
        return (f"{rule.op} {rule.value:g}", shapely.intersection(reg, failing),
                shapely.difference(current, failing))
    geom = _layer_geometry(rule, reg)
    param = f"{float(rule.distance_m):g} m"
    if rule.kind == "inside":
        return param, shapely.difference(reg, geom), shapely.intersection(current, geom)
    return param, shapely.intersection(reg, geom), shapely.difference(current, geom)


def feasible_area(region: Any, rules: Sequence[Rule], *, resolution: float | None = None,
                  min_part_ha: float = 0.0, progress: Callable[[float, str], None] | None = None,
                  is_cancelled: Callable[[], bool] | None = None) -> FeasibleArea:
    """Apply exclusion rules to a region and return the feasible land.

    :math:`F = R \\cap \\bigcap_k I_k \\setminus \\bigcup_k E_k`, where *R* is the
    region, :math:`I_k` the "inside" rules (buffered by their distance) and
    :math:`E_k` the exclusions (buffers, excluded polygons, raster cells failing
    a threshold).  Rules are applied in the order given; the table reports the
    hectares each rule removed from what was left (``removed_ha``) and what it
    would remove from the whole region on its own (``alone_ha``), so overlapping
    rules are visible.

    Parameters
    ----------
    region
        Polygon layer (unioned) or shapely polygon in EPSG:25833.
    rules
        :class:`BufferRule`, :class:`ExcludeRule`, :class:`InsideRule`,
        :class:`RasterThresholdRule` objects with unique names.
    resolution
        Cell size (m) of an optional mask raster aligned to the region's bounds.
    min_part_ha
        Drop feasible slivers smaller than this (reported in ``messages``).
    progress
        Callback ``progress(fraction, message)`` receiving the overall fraction done in [0, 1] and
        the current step (see :mod:`arealsirk.progress`); ``None`` (default) reports nothing.
    is_cancelled
        Callback returning ``True`` when the user asks to stop; polled between steps, then
        :class:`~arealsirk.errors.CancelledError` is raised. ``None`` (default): never cancelled.

    Returns
    -------
    FeasibleArea

    Raises
    ------
    InputError
        Duplicate rule names, bad rule parameters, CRS mismatch of a raster,
        raster not overlapping the region, all-nodata raster.
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    from ..progress import Progress

    p = Progress(progress, is_cancelled)
    rules = _checked_rules(rules)
    reg = _region_geometry(region)
    region_ha = reg.area / 1e4
    current = reg
    rows = [{"rule": "region", "kind": "region", "parameter": "", "removed_ha": 0.0, "alone_ha": 0.0,
             "remaining_ha": region_ha}]
    messages: list[str] = []
    # inside rules first (they define the land considered), then exclusions in the given order
    ordered = [r for r in rules if r.kind == "inside"] + [r for r in rules if r.kind != "inside"]
    for k, rule in enumerate(ordered):
        p(k / max(len(ordered), 1), f"rule {rule.name}")
        param, alone, new = _apply_rule(rule, reg, current)
        new = shapely.make_valid(new) if not new.is_valid else new
        removed = max((current.area - new.area) / 1e4, 0.0)
        rows.append({"rule": rule.name, "kind": rule.kind, "parameter": param, "removed_ha": removed,
                     "alone_ha": alone.area / 1e4, "remaining_ha": new.area / 1e4})
        if alone.area == 0:
            messages.append(f"rule '{rule.name}' removes nothing in this region")
        current = new
    parts = [g for g in shapely.get_parts(current) if g.geom_type == "Polygon" and g.area > 0]
    if min_part_ha > 0:
        small = [g for g in parts if g.area / 1e4 < min_part_ha]
        if small:
            messages.append(f"{len(small)} feasible part(s) smaller than {min_part_ha:g} ha dropped "
                            f"({sum(g.area for g in small) / 1e4:.1f} ha)")
        parts = [g for g in parts if g.area / 1e4 >= min_part_ha]
    polys = gpd.GeoDataFrame({"area_ha": [g.area / 1e4 for g in parts]}, geometry=parts,
                             crs="EPSG:25833")
    feasible = shapely.union_all(parts) if parts else shapely.Polygon()
    feasible_ha = feasible.area / 1e4
    if feasible_ha == 0:
        messages.append("no feasible land is left: the rules exclude the whole region")
        log.warning("feasible_area: the rules exclude the whole region")
    table = pd.DataFrame(rows)
    mask = transform = None
    if resolution is not None:
        mask, transform = _mask(reg, feasible, float(resolution))
    p(1.0, "feasible area")
    return FeasibleArea(polys, table, feasible, region_ha, feasible_ha, mask, transform,
                        "EPSG:25833", messages)


def _mask(region: BaseGeometry, feasible: BaseGeometry, resolution: float) -> tuple[np.ndarray, Any]:
    import rasterio.features
    from rasterio.transform import from_origin

    from .._validate import check_number

    check_number(resolution, "resolution", minimum=0, exclusive_minimum=True)
    minx, miny, maxx, maxy = region.bounds
    x0 = np.floor(minx / resolution) * resolution
    y1 = np.ceil(maxy / resolution) * resolution
    w = int(np.ceil((maxx - x0) / resolution))
    h = int(np.ceil((y1 - miny) / resolution))
    if w * h > 400_000_000:
        raise InputError(f"resolution {resolution:g} m gives a {w} x {h} mask; choose a coarser resolution")
    transform = from_origin(x0, y1, resolution, resolution)
    inside = rasterio.features.rasterize([(region, 1)], out_shape=(h, w), transform=transform, fill=0,
                                         dtype="uint8")
    ok = rasterio.features.rasterize([(feasible, 1)], out_shape=(h, w), transform=transform, fill=0,
                                     dtype="uint8") if not feasible.is_empty else np.zeros((h, w), "uint8")
    mask = np.where(inside == 1, ok, 255).astype(np.uint8)
    return mask, transform


def standard_rules(*, settlements: Any = None, lakes: Any = None, protected: Any = None,
                   main_roads: Any = None, slope_raster: Any = None) -> list[Rule]:
    """The usual siting rules with the distances of the defaults table.

    ``suitability.buffer_settlement_m`` around tettbebyggelse,
    ``suitability.buffer_water_m`` around lakes, protected areas excluded
    (``suitability.buffer_protected_m``), within ``suitability.max_road_distance_m``
    of a main road, slope <= ``suitability.max_slope_pct``.  Layers left as
    ``None`` give no rule.

    Parameters
    ----------
    settlements
        Built-up areas (tettbebyggelse): a :class:`BufferRule` of ``suitability.buffer_settlement_m``.
    lakes
        Lakes and sea: a :class:`BufferRule` of ``suitability.buffer_water_m``.
    protected
        Protected areas: an :class:`ExcludeRule` buffered by ``suitability.buffer_protected_m``.
    main_roads
        Main road lines: an :class:`InsideRule` within ``suitability.max_road_distance_m``.
    slope_raster
        Slope raster in percent (e.g. from :func:`arealsirk.suitability.raster.write_slope`): a
        :class:`RasterThresholdRule` ``<= suitability.max_slope_pct``.

    Returns
    -------
    list
        The rules, in the order above (only for the layers given).
    """
    from ..defaults import default

    rules: list[Rule] = []
    if settlements is not None:
        d = default("suitability.buffer_settlement_m")
        rules.append(BufferRule(f"settlements {d:g} m", settlements, d))
    if lakes is not None:
        d = default("suitability.buffer_water_m")
        rules.append(BufferRule(f"water {d:g} m", lakes, d))
    if protected is not None:
        rules.append(ExcludeRule("protected areas", protected, default("suitability.buffer_protected_m")))
    if main_roads is not None:
        d = default("suitability.max_road_distance_m")
        rules.append(InsideRule(f"within {d:g} m of main road", main_roads, d))
    if slope_raster is not None:
        v = default("suitability.max_slope_pct")
        rules.append(RasterThresholdRule(f"slope <= {v:g} %", slope_raster, "<=", v))
    return rules


# --------------------------------------------------------------------------- candidate exclusions

#: Columns tried, in order, for the name of an excluding feature in the ``detail`` text.
_NAME_COLUMNS = ("navn", "name", "områdenavn", "tettstednavn", "id")

#: Rules of :class:`Exclusions`, in the order applied: (rule name, attribute, buffer row or None).
_EXCLUSION_RULES: tuple[tuple[str, str, str | None], ...] = (
    ("protected", "protected", "suitability.buffer_protected_m"),
    ("lakes", "lakes", "suitability.buffer_water_m"),
    ("settlements", "settlements", "suitability.buffer_settlement_m"),
    ("other", "other", None),
)


@dataclass(frozen=True, eq=False)
class Exclusions:
    """Where no new facility may be sited; applied to candidate sites by :func:`exclude_candidates`.

    Every workflow takes ``exclusions=Exclusions(...)`` (a bare polygon GeoDataFrame is read as
    ``other``) and removes the candidates before its location model runs; the removed ones are
    listed in ``result.tables["excluded"]``.

    Attributes
    ----------
    protected
        Protected areas (verneområder); a candidate overlapping one, buffered by
        ``suitability.buffer_protected_m`` (0 m), is removed.
    lakes
        Lakes and rivers; a candidate within ``suitability.buffer_water_m`` (100 m) of one is removed.
    settlements
        Settlements (tettsteder); a candidate within ``suitability.buffer_settlement_m`` (500 m,
        odour distance for biogas plants) is removed.
    dem
        Elevation raster (GeoTIFF, EPSG:25833); a candidate whose *mean* slope over its area (the
        slope of its cell for a point) exceeds ``suitability.max_slope_pct`` (10 %) is removed.
    other
        Any other polygons: a candidate whose site point (the point the model places the facility
        at: the centroid, or a point inside when the centroid falls outside) lies in one is removed
        (what ``exclusions=`` meant before).
    """

    protected: Any = None
    lakes: Any = None
    settlements: Any = None
    dem: str | Path | None = None
    other: Any = None

    @classmethod
    def of(cls, exclusions: Any) -> Exclusions:
        """``exclusions`` as an :class:`Exclusions` (``None`` -> empty, a GeoDataFrame -> ``other``)."""
        import geopandas as gpd

        if exclusions is None:
            return cls()
        if isinstance(exclusions, Exclusions):
            return exclusions
        if isinstance(exclusions, gpd.GeoDataFrame | gpd.GeoSeries):
            return cls(other=exclusions)
        raise InputError(f"exclusions must be an Exclusions object or a polygon GeoDataFrame, got "
                         f"{type(exclusions).__name__}")

    @property
    def empty(self) -> bool:
        """``True`` when no layer and no DEM is given."""
        return all(getattr(self, a) is None for a in ("protected", "lakes", "settlements", "dem", "other"))


def _feature_names(layer: Any) -> np.ndarray:
    for col in _NAME_COLUMNS:
        if col in layer.columns and layer[col].notna().any():
            return layer[col].astype(str).where(layer[col].notna(), "").to_numpy()
    return np.array([f"#{i}" for i in range(len(layer))], dtype=object)


def _layer_hits(cand_geoms: np.ndarray, layer: Any, distance: float, *, name: str
                ) -> list[tuple[int, str, float]]:
    """(candidate row, feature name, distance m) for each candidate within ``distance`` of a feature
    of the polygon layer (the nearest such feature)."""
    import geopandas as gpd
    import shapely

    from .._validate import validate_layer

    if isinstance(layer, gpd.GeoSeries):
        layer = gpd.GeoDataFrame(geometry=layer)
    lay = validate_layer(layer, name=f"exclusions.{name}", geometry="polygon")
    if not len(lay):
        return []
    names = _feature_names(lay)
    tree = shapely.STRtree(lay.geometry.to_numpy())
    if distance > 0:
        ci, fi = tree.query(cand_geoms, predicate="dwithin", distance=distance)
    else:
        ci, fi = tree.query(cand_geoms, predicate="intersects")
    best: dict[int, tuple[float, int]] = {}
    d = shapely.distance(cand_geoms[ci], lay.geometry.to_numpy()[fi]) if len(ci) else np.array([])
    for c, f, dist in zip(ci, fi, d, strict=True):
        if int(c) not in best or dist < best[int(c)][0]:
            best[int(c)] = (float(dist), int(f))
    return [(c, str(names[f]), dist) for c, (dist, f) in sorted(best.items())]


def candidate_slopes(candidates: Any, dem: Any) -> np.ndarray:
    """Mean slope (percent, Horn's method, :func:`arealsirk.raster.slope`) of the DEM over each
    candidate: the cells whose centre lies in a polygon (the cells it touches when none does), the
    cell under a point.  ``NaN`` where the DEM has no data over the candidate.

    The slope is computed per candidate on a window one cell wider than the candidate, so a national
    DEM is never read whole.

    Parameters
    ----------
    candidates
        Candidate sites (GeoDataFrame of points or polygons, EPSG:25833).
    dem
        Elevation raster (GeoTIFF path or open dataset) in EPSG:25833, metres.

    Returns
    -------
    numpy.ndarray
        Mean slope in percent per candidate, in row order.

    Raises
    ------
    CrsError
        The DEM is not in EPSG:25833.
    """
    import rasterio.features
    from rasterio.windows import Window, from_bounds

    from .raster import open_raster, slope

    geoms = candidates.geometry.to_numpy()
    out = np.full(len(geoms), np.nan)
    with open_raster(dem) as src:
        if not _crs_ok(src.crs):
            have = src.crs.to_string() if src.crs else "none"
            raise CrsError(f"exclusions.dem {src.name}: raster CRS {have} differs from the analysis CRS "
                           "EPSG:25833; warp the raster (gdalwarp -t_srs EPSG:25833)")
        rb = src.bounds
        full = Window(0, 0, src.width, src.height)
        for i, g in enumerate(geoms):
            minx, miny, maxx, maxy = g.bounds
            if maxx < rb.left or minx > rb.right or maxy < rb.bottom or miny > rb.top:
                continue
            win = from_bounds(max(minx, rb.left), max(miny, rb.bottom), min(maxx, rb.right),
                              min(maxy, rb.top), src.transform)
            win = win.round_offsets(op="floor").round_lengths(op="ceil")
            win = Window(win.col_off, win.row_off, max(win.width, 1) + 1, max(win.height, 1) + 1)
            win = win.intersection(full)
            s = slope(src, window=win).astype(float)
            wt = src.window_transform(win)
            if g.geom_type == "Point":
                r, c = rasterio.transform.rowcol(wt, g.x, g.y)
                v = np.array([s[r, c]]) if 0 <= r < s.shape[0] and 0 <= c < s.shape[1] else np.array([])
            else:
                inside = rasterio.features.geometry_mask([g], s.shape, wt, invert=True)
                if not inside.any():
                    inside = rasterio.features.geometry_mask([g], s.shape, wt, invert=True, all_touched=True)
                v = s[inside]
            v = v[np.isfinite(v)]
            if v.size:
                out[i] = float(v.mean())
    return out


def exclude_candidates(candidates: gpd.GeoDataFrame, exclusions: Exclusions | gpd.GeoDataFrame | None, *,
                       parameters: Any = None) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Remove candidate sites that the exclusions rule out, and say which rule removed each.

    Rules, each applied to every candidate (a candidate broken by several rules gets a row per rule):

    ``protected``, ``lakes``, ``settlements``
        The candidate's geometry (the whole zone for a polygon) lies within the rule's buffer row
        (``suitability.buffer_protected_m``, ``suitability.buffer_water_m``,
        ``suitability.buffer_settlement_m``) of a feature.  A zone is removed as a whole because the
        location model places the facility at one point of it and cannot keep it off the excluded part.
    ``slope``
        The mean slope over the candidate (:func:`candidate_slopes`) exceeds
        ``suitability.max_slope_pct`` (10 %, after Sliz-Szkliniarz & Vogt 2012, who exclude land
        steeper than 10 %).  The mean, not the maximum: a zone is levelled as a whole, and one steep
        cell at its edge (a ditch, a road cut) does not make it unbuildable.  Candidates with no DEM
        data are kept and logged as not checked (``table.attrs["slope_unknown"]``).
    ``other``
        The candidate's site point lies inside a polygon of ``other``.

    Parameters
    ----------
    candidates
        Candidate sites (points or polygons, EPSG:25833); ``id`` and ``name`` used when present.
    exclusions
        An :class:`Exclusions`, a polygon GeoDataFrame (read as ``other``) or ``None``.
    parameters
        Overrides of the ``suitability.*`` rows named above.

    Returns
    -------
    (GeoDataFrame, DataFrame)
        The kept candidates (input rows and columns, index reset) and the removal table with
        columns ``candidate_id``, ``name``, ``rule``, ``detail``.

    Raises
    ------
    InputError
        A layer that is not polygons, a DEM in another CRS (:class:`CrsError`).
    """
    import pandas as pd

    from .._validate import check_number
    from ..resources import check_parameters, parameter

    params = check_parameters(parameters)
    exc = Exclusions.of(exclusions)
    cols = ["candidate_id", "name", "rule", "detail"]
    if exc.empty or not len(candidates):
        return candidates.reset_index(drop=True), pd.DataFrame({c: pd.Series(dtype=str) for c in cols})
    ids = (candidates["id"].astype(str).to_numpy() if "id" in candidates.columns
           else np.array([f"cand{i}" for i in range(len(candidates))], dtype=object))
    cnames = ids
    if "name" in candidates.columns:
        given = candidates["name"].notna().to_numpy()
        cnames = np.where(given, candidates["name"].astype(str).to_numpy(), ids)
    geoms = candidates.geometry.to_numpy()
    rows: list[dict[str, Any]] = []
    for rule, attr, key in _EXCLUSION_RULES:
        layer = getattr(exc, attr)
        if layer is None:
            continue
        if key is None:
            from ..network.graph import representative_points

            hits = _layer_hits(representative_points(geoms), layer, 0.0, name=attr)
            for c, fname, _ in hits:
                rows.append({"_row": c, "candidate_id": ids[c], "name": cnames[c], "rule": rule,
                             "detail": f"site point inside exclusion polygon '{fname}'"})
            continue
        dist = check_number(parameter(key, params), key, minimum=0)
        for c, fname, d in _layer_hits(geoms, layer, dist, name=attr):
            where_ = "overlaps" if d <= 0 else f"{d:.0f} m from"
            rows.append({"_row": c, "candidate_id": ids[c], "name": cnames[c], "rule": rule,
                         "detail": f"{where_} {attr} '{fname}' (buffer {key} = {dist:g} m)"})
    unknown: list[str] = []
    if exc.dem is not None:
        limit = check_number(parameter("suitability.max_slope_pct", params), "suitability.max_slope_pct",
                             minimum=0)
        slopes = candidate_slopes(candidates, exc.dem)
        for c in np.flatnonzero(np.isfinite(slopes) & (slopes > limit)).tolist():
            rows.append({"_row": c, "candidate_id": ids[c], "name": cnames[c], "rule": "slope",
                         "detail": f"mean slope {slopes[c]:.1f} % > suitability.max_slope_pct = {limit:g} %"})
        unknown = [str(ids[c]) for c in np.flatnonzero(~np.isfinite(slopes))]
        if unknown:
            log.warning("exclusions.dem: %d candidate(s) have no DEM data and were not checked for slope: %s",
                        len(unknown), ", ".join(unknown[:10]))
    removed = np.zeros(len(ids), dtype=bool)
    removed[[r.pop("_row") for r in rows]] = True
    table = pd.DataFrame(rows, columns=cols)
    table.attrs["slope_unknown"] = unknown
    return candidates.loc[~removed].reset_index(drop=True), table
