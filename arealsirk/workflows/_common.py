"""Shared plumbing of the workflows: graphs, cost matrices, points, kommune lookup.

Nothing here computes a shortest path or solves a location model: graphs come
from :func:`arealsirk.network.graph_from_roads`, costs from
:func:`arealsirk.proximity.od_matrix`, models from :mod:`arealsirk.locate`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .._validate import validate_layer
from ..errors import InputError
from ..resources import parameter
from ..suitability.constraints import Exclusions, exclude_candidates
from ._messages import Message

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from ..network import SnapResult

log = logging.getLogger("arealsirk")


def option(
    value: Any,
    key: str,
    name: str,
    parameters: Mapping[str, Any] | None = None,
    **limits: Any,
) -> float:
    """A numeric option: ``value`` when given, else the defaults-table ``key`` (or its override in
    ``parameters``), checked with :func:`arealsirk._validate.check_number` under ``name``
    (``limits``: ``minimum``, ``maximum``, ``exclusive_minimum``, ``integer``)."""
    from .._validate import check_number

    return check_number(value if value is not None else parameter(key, parameters), name, **limits)


def is_graph(obj: Any) -> bool:
    """Whether ``obj`` is a networkx graph (duck-typed, no networkx import).

    ``nodes`` and ``edges`` are looked up on the type: reading them on the instance would build a
    road graph's networkx dictionaries (:class:`arealsirk.network.RoadGraph` routes from arrays
    and builds them only when networkx itself is needed; seconds on the national N1000 graph).
    """
    kind = type(obj)
    return hasattr(kind, "nodes") and hasattr(kind, "edges") and hasattr(obj, "graph")


def as_graph(roads: Any, *, what: str = "roads") -> Any:
    """A routable graph from a road line layer (via :func:`arealsirk.network.graph_from_roads`) or a graph."""
    if roads is None:
        raise InputError(f"{what}: a road line layer or a graph is needed")
    if is_graph(roads):
        if roads.number_of_edges() == 0:
            raise InputError(f"{what}: the graph has no edges")
        return roads
    from ..network import graph_from_roads

    clean = validate_layer(roads, name=what, geometry="line")
    return graph_from_roads(clean)


def points_of(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The layer with polygons and lines replaced by a point inside them.

    Parameters
    ----------
    gdf
        Any layer; point rows are kept as they are.

    Returns
    -------
    geopandas.GeoDataFrame
        The same rows and columns with point geometries: the centroid where it lies inside the
        shape, else a representative point (always inside).  ``gdf`` itself when every row is
        already a point.
    """
    if (gdf.geom_type == "Point").all():
        return gdf
    out = gdf.copy()
    cent = out.geometry.centroid
    inside = cent.within(out.geometry) | (out.geom_type == "Point")
    rep = out.geometry.representative_point()
    out = out.set_geometry(cent.where(inside, rep))
    return out


def od(graph: Any, origins: gpd.GeoDataFrame, targets: gpd.GeoDataFrame, *, weight: str) -> np.ndarray:
    """Network cost matrix origins x targets from :func:`arealsirk.proximity.od_matrix`
    (``inf`` where unreachable)."""
    from ..network.proximity import od_matrix

    return np.asarray(od_matrix(graph, points_of(origins), points_of(targets), weight=weight), dtype=float)


def snap_layer(graph: Any, gdf: gpd.GeoDataFrame, *, name: str, weight: str = "travel_time") -> SnapResult:
    """Snap a layer to ``graph`` once (:func:`arealsirk.network.snap`); ``name`` is the layer name
    used in warnings ("sources", "population", "candidates" ...).  Reuse the result for every
    cost matrix of the run with :func:`od_snapped`, so each layer is snapped and reported once."""
    from ..network import snap

    return snap(graph, points_of(gdf), name=name, weight=weight)


def snap_parts(
    graph: Any, parts: list[tuple[str, gpd.GeoDataFrame]], *, weight: str = "travel_time"
) -> SnapResult:
    """Snap several layers (e.g. existing plants, then candidates) and stack the results in order."""
    from ..network import SnapResult

    done = [snap_layer(graph, gdf, name=name, weight=weight) for name, gdf in parts if len(gdf)]
    return SnapResult.concat(done)  # keeps reason/part/snap speed of every layer


def od_snapped(graph: Any, origins: SnapResult, targets: SnapResult, *, weight: str) -> np.ndarray:
    """Network cost matrix between snapped layers: :func:`arealsirk.proximity.od_matrix` on their
    node ids plus the access cost of each end (the same figures as ``od_matrix`` on the layers,
    without snapping them again).  Rows and columns of points that are not snapped (a snap reason,
    :func:`~arealsirk.workflows._balance.snap_reasons`: farther than the snap limit from any road,
    across water, outside the network) are ``inf``."""
    from ..network.proximity import od_matrix
    from ._balance import snap_reasons

    c = np.asarray(od_matrix(graph, list(origins.nodes), list(targets.nodes), weight=weight), dtype=float)
    c = c + origins.access_cost(weight)[:, None] + targets.access_cost(weight)[None, :]
    # a point the network could not snap (far from any road, across water, outside) reaches nothing
    c[snap_reasons(origins) != "", :] = np.inf
    c[:, snap_reasons(targets) != ""] = np.inf
    return c


def road_km_matrix(
    roads: Any,
    origins: gpd.GeoDataFrame,
    targets: gpd.GeoDataFrame,
    *,
    straight_km: np.ndarray | None = None,
    parameters: Mapping[str, Any] | None = None,
    what: str = "",
    names: tuple[str, str] = ("origins", "targets"),
) -> np.ndarray:
    """Road distance in km between two layers.

    Parameters
    ----------
    roads
        Road lines or a prepared graph; ``None`` uses the straight line times
        ``resources.road_detour_factor``.
    origins, targets
        Point (or polygon) layers in the same metric CRS as ``roads``.
    straight_km
        Straight-line distances (origins x targets, km) to scale when ``roads`` is ``None``;
        computed from the layers when not given.
    parameters
        Overrides of the defaults table (``resources.road_detour_factor``).
    what
        What the distances are for, in the log line of the straight-line fallback.
    names
        The layer names of ``origins`` and ``targets`` in snap warnings.

    Returns
    -------
    numpy.ndarray
        Network lengths in km (origins x targets), ``inf`` where no road connects the pair.
    """
    if roads is None:
        if straight_km is None:
            o, t = points_of(origins), points_of(targets)
            straight_km = (
                np.hypot(
                    o.geometry.x.to_numpy()[:, None] - t.geometry.x.to_numpy()[None, :],
                    o.geometry.y.to_numpy()[:, None] - t.geometry.y.to_numpy()[None, :],
                )
                / 1e3
            )
        factor = parameter("resources.road_detour_factor", parameters)
        log.info(
            "%s: no road network given; road distance = straight line x %.2f", what or "distances", factor
        )
        return straight_km * factor
    graph = as_graph(roads)
    a = snap_layer(graph, origins, name=names[0], weight="length")
    b = snap_layer(graph, targets, name=names[1], weight="length")
    return od_snapped(graph, a, b, weight="length") / 1000.0


def kommune_of(points: gpd.GeoDataFrame, kommuner: gpd.GeoDataFrame | None) -> pd.Series:
    """The kommunenummer of each point.

    Parameters
    ----------
    points
        Any layer; its own ``kommunenummer`` column wins when it has no missing value.
    kommuner
        Kommune polygons with ``kommunenummer``; a point just outside every polygon (on the
        coast) gets the nearest kommune.  ``None`` or empty: ``"?"`` for every point.

    Returns
    -------
    pandas.Series
        One string per row of ``points`` (index 0..n-1).
    """
    import geopandas as gpd
    import pandas as pd

    if "kommunenummer" in points.columns and points["kommunenummer"].notna().all():
        return points["kommunenummer"].astype(str).reset_index(drop=True)
    if kommuner is None or not len(kommuner):
        return pd.Series(["?"] * len(points))
    pts = points_of(points)[[points.geometry.name]].reset_index(drop=True)
    pts = gpd.GeoDataFrame(pts, geometry=points.geometry.name, crs=points.crs)
    k = kommuner[["kommunenummer", kommuner.geometry.name]].copy()
    k["kommunenummer"] = k["kommunenummer"].astype(str)
    joined = gpd.sjoin_nearest(pts, k.to_crs(pts.crs), how="left")
    joined = joined[~joined.index.duplicated(keep="first")]
    return joined["kommunenummer"].astype(str).reset_index(drop=True)


def kommune_names(kommuner: gpd.GeoDataFrame | None) -> dict[str, str]:
    if kommuner is None or "kommunenavn" not in kommuner.columns:
        return {}
    return dict(zip(kommuner["kommunenummer"].astype(str), kommuner["kommunenavn"].astype(str), strict=True))


def clean_kommuner(kommuner: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    if kommuner is None:
        return None
    return validate_layer(kommuner, name="kommuner", geometry="polygon", columns=("kommunenummer",))


def status_of(result: Any) -> str:
    """Map a locate result status onto "optimal" / "feasible" / "infeasible"."""
    s = str(getattr(result, "status", "feasible")).lower()
    if "infeas" in s:
        return "infeasible"
    if s in ("optimal", "proven_optimal") or ("optimal" in s and "not" not in s and "sub" not in s):
        return "optimal"
    return "feasible"


def empty_layer(columns: list[str], crs: Any) -> gpd.GeoDataFrame:
    import geopandas as gpd
    import pandas as pd

    return gpd.GeoDataFrame(pd.DataFrame({c: [] for c in columns}), geometry=[], crs=crs)


def ids_of(gdf: gpd.GeoDataFrame, prefix: str, *, prefer: tuple[str, ...] = ("id",)) -> pd.Series:
    """String ids of the rows of a layer.

    Parameters
    ----------
    gdf
        Any layer.
    prefix
        Prefix of the made-up ids ``<prefix><row>`` when no column serves.
    prefer
        Columns to use, first match wins: one that exists, has no missing value and no duplicate.

    Returns
    -------
    pandas.Series
        One string id per row (index 0..n-1).
    """
    import pandas as pd

    for col in prefer:
        if col in gdf.columns and gdf[col].notna().all() and not gdf[col].duplicated().any():
            return gdf[col].astype(str).reset_index(drop=True)
    return pd.Series([f"{prefix}{i}" for i in range(len(gdf))])


def excluded_messages(excluded: pd.DataFrame) -> list[str]:
    """One explanation per exclusion rule that removed candidates (from the ``excluded`` table of
    :func:`arealsirk.constraints.exclude_candidates`)."""
    msgs: list[str] = []
    for rule, d in excluded.groupby("rule", sort=False):
        ids = d["candidate_id"].astype(str).tolist()
        more = f" (+{len(ids) - 10})" if len(ids) > 10 else ""
        msgs.append(Message("excluded.rule", n=len(ids), rule=Message(f"rule.{rule}"),
                            ids=", ".join(ids[:10]) + more))
    return msgs


def stack_sites(parts: list[gpd.GeoDataFrame], *, crs: Any) -> gpd.GeoDataFrame:
    """Concatenate site layers (id, name, kommunenummer, existing, capacity_t when present) as points."""
    import geopandas as gpd
    import pandas as pd

    cols = ["id", "name", "kommunenummer", "existing", "capacity_t"]
    frames = []
    geoms = []
    for s in parts:
        s = points_of(s)
        frames.append(
            pd.DataFrame({c: (s[c].to_numpy() if c in s.columns else [None] * len(s)) for c in cols})
        )
        geoms.extend(s.geometry.to_numpy())
    out = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry=geoms, crs=crs)
    out["id"] = out["id"].astype(str)
    out["name"] = out["name"].where(out["name"].notna(), out["id"]).astype(str)
    out["existing"] = out["existing"].astype(bool)
    return out


class SiteLayers(NamedTuple):
    """Existing facilities and candidate sites of one run (see :func:`site_layers`)."""

    sites: gpd.GeoDataFrame  #: existing first, then candidates (:func:`stack_sites`)
    parts: list[tuple[str, gpd.GeoDataFrame]]  #: (layer name, layer) for :func:`snap_parts`
    n_existing: int  #: the first ``n_existing`` rows of ``sites`` are existing (kept open)
    messages: list[str]  #: explanations (excluded candidates, ignored existing rows)
    #: candidates removed by the exclusions (:func:`~arealsirk.constraints.exclude_candidates`)
    excluded: pd.DataFrame


def site_layers(
    candidates: gpd.GeoDataFrame,
    existing: gpd.GeoDataFrame | None,
    *,
    existing_types: tuple[str, ...],
    exclusions: Exclusions | gpd.GeoDataFrame | None,
    crs: Any,
    parameters: Mapping[str, Any] | None = None,
    what: str,
    other_message: str | None = None,
) -> SiteLayers:
    """Validate candidates and existing facilities and stack them into one site table.

    Candidates are validated, given ids, filtered by ``exclusions``
    (:func:`arealsirk.constraints.exclude_candidates`, overrides of its rows in ``parameters``)
    and turned into points; existing rows whose ``facility_type`` is not in ``existing_types``
    are left out, and a message says how many (``other_message`` when given, else
    ``sites.other_existing`` naming the kept types).  ``what`` names an existing facility in the
    error when no site is left ("plant", "station").
    """
    messages: list[str] = []
    cand = validate_layer(candidates, name="candidates", geometry=["point", "polygon"])
    cand["id"] = ids_of(cand, "cand")
    cand, excluded = exclude_candidates(cand, exclusions, parameters=parameters)
    messages += excluded_messages(excluded)
    cand = points_of(cand)
    parts: list[tuple[str, gpd.GeoDataFrame]] = []
    n_ex = 0
    if existing is not None:
        ex = validate_layer(existing, name="existing", geometry=["point", "polygon"])
        if "facility_type" in ex.columns:
            keep = ex["facility_type"].astype(str).str.lower().isin(existing_types)
            if (~keep).any():
                left_out = int((~keep).sum())
                messages.append(Message(other_message, n=left_out) if other_message is not None else
                                Message("sites.other_existing", n=left_out, types=", ".join(existing_types)))
            ex = ex[keep.to_numpy()].reset_index(drop=True)
        if len(ex):
            ex = points_of(ex)
            ex["id"] = ids_of(ex, "existing")
            parts.append(("existing", ex.assign(existing=True)))
            n_ex = len(ex)
    if len(cand):
        parts.append(("candidates", cand.assign(existing=False)))
    if not parts:
        raise InputError(f"candidates: no candidate site left (and no existing {what})")
    sites = stack_sites([g for _, g in parts], crs=crs)
    if sites["id"].duplicated().any():
        dup = sites.loc[sites["id"].duplicated(), "id"].iloc[0]
        raise InputError(f"candidates/existing: site id {dup!r} is used twice")
    return SiteLayers(sites, parts, n_ex, messages, excluded)


def line(a: tuple[float, float], b: tuple[float, float]) -> Any:
    """A straight LineString from ``a`` to ``b``; when both are the same point (a source at its own
    site) the line is drawn 1 m long to the east so that it stays a valid geometry."""
    from shapely import LineString

    if a[0] == b[0] and a[1] == b[1]:
        return LineString([a, (b[0] + 1.0, b[1])])
    return LineString([a, b])


def lines(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray) -> np.ndarray:
    """Straight LineStrings from ``(x0, y0)`` to ``(x1, y1)``, element by element, as
    :func:`line` draws them (a line whose ends coincide is drawn 1 m long to the east so
    that it stays a valid geometry), built in one call of :func:`shapely.linestrings`."""
    import shapely

    same = (x0 == x1) & (y0 == y1)
    coords = np.stack([np.stack([x0, y0], axis=-1), np.stack([np.where(same, x1 + 1.0, x1), y1], axis=-1)],
                      axis=1)
    return shapely.linestrings(coords.reshape(-1, 2, 2))
