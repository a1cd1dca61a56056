"""Cost matrices, nearest facility and service areas on road graphs.

All functions take a networkx graph built by :mod:`arealsirk.network` (or osmnx) -- or a
road line layer, which is then built with :func:`arealsirk.network.graph_from_roads` -- and
work on its cached scipy form (:func:`arealsirk._graph.prepare`): compiled Dijkstra
(:func:`scipy.sparse.csgraph.dijkstra`, Dijkstra 1959) from the smaller side of the
problem, batched to bound memory, pruned by ``cutoff``.  networkx is never used on the
hot path.

Sources and targets are either node ids of the graph or GeoDataFrames.  GeoDataFrames
are snapped to their nearest node (:func:`arealsirk.network.snap`) and the snap
distance is added as an access cost at both ends: metres for ``weight="length"``,
seconds at ``network.snap_speed_kph`` for ``weight="travel_time"``.

Costs are in the unit of the weight: seconds for ``travel_time``, metres for
``length``.  An unreachable pair (or one beyond ``cutoff``) is ``inf`` -- never zero --
and the number of such pairs is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx
    import scipy.sparse as sp

    from ..progress import Progress
    from ._engine import PreparedGraph

log = logging.getLogger("arealsirk")

__all__ = ["clear_cache", "nearest_facility", "od_matrix", "od_matrix_sparse", "prepare", "service_areas"]


def prepare(graph: nx.Graph, weight: str = "travel_time") -> PreparedGraph:
    """The cached scipy form of ``graph`` for ``weight`` (see :mod:`arealsirk._graph`).

    Parameters
    ----------
    graph
        networkx graph with ``weight`` on every edge (numbers >= 0).
    weight
        Edge attribute; default ``"travel_time"`` (seconds).

    Raises
    ------
    InputError
        No edges, or an edge weight that is missing, not a number, NaN, infinite or negative.
    """
    from ._engine import prepare as _prepare

    try:
        return _prepare(graph, weight)
    except (TypeError, ValueError) as exc:  # a str/None edge weight: numpy refuses it (not an InputError)
        if isinstance(exc, InputError):
            raise
        raise InputError(f"every edge's '{weight}' must be a number; {exc}") from None


def clear_cache(graph: nx.Graph | None = None) -> None:
    """Forget cached prepared graphs (call after editing edge weights in place).

    Parameters
    ----------
    graph
        Forget only this graph's prepared forms; ``None`` (default): every graph's.
    """
    from ._engine import clear_cache as _clear

    _clear(graph)


def _is_layer(obj: Any) -> bool:
    import sys

    if "geopandas" not in sys.modules:  # no GeoDataFrame can exist: skip the 1 s import
        return False
    import geopandas as gpd

    return isinstance(obj, (gpd.GeoDataFrame, gpd.GeoSeries))


def _as_graph(graph: Any, parameters: Mapping[str, Any] | None = None) -> Any:
    """Accept a road line layer where a graph is expected: build it with the default options.

    This lets a caller with only a road layer (the QGIS algorithms, notebooks) make one call;
    pass a graph from :func:`arealsirk.network.graph_from_roads` to choose options or reuse it.
    """
    if _is_layer(graph):
        from .graph import graph_from_roads

        return graph_from_roads(graph, parameters=parameters)
    from .graph import check_build_parameters

    check_build_parameters(graph, parameters)
    return graph


def _resolve(graph: Any, pg: PreparedGraph, items: Any, weight: str, what: str, access: bool,
             max_snap: float | None, parameters: Mapping[str, Any] | None = None
             ) -> tuple[np.ndarray, np.ndarray]:
    """Matrix positions and access costs of node ids or a layer to snap."""
    if _is_layer(items):
        import geopandas as gpd

        from .graph import snap

        layer = items if isinstance(items, gpd.GeoDataFrame) else gpd.GeoDataFrame(geometry=items)
        s = snap(graph, layer, max_distance=max_snap, weight=weight, name=what, parameters=parameters,
                 _prepared=pg)
        pos = pg.positions(list(s.nodes), what=f"{what} node")
        # a point that is not snapped (far from road, across water, outside) costs inf even
        # with access=False
        cost = s.access_cost(weight) if access else np.where(s.snapped, 0.0, np.inf)
        return pos, cost
    if isinstance(items, (str, bytes)) or not hasattr(items, "__len__"):
        raise InputError(f"{what} must be a sequence of node ids or a GeoDataFrame, "
                         f"got {type(items).__name__}")
    ids = list(items)
    return pg.positions(ids, what=f"{what} node"), np.zeros(len(ids))


def _check_cutoff(cutoff: float | None) -> float:
    from .._validate import check_number

    if cutoff is None:
        return np.inf
    return check_number(cutoff, "cutoff", minimum=0, exclusive_minimum=True)


def _progress(progress: Any, is_cancelled: Any) -> Progress:
    from ..progress import Progress

    return Progress(progress, is_cancelled)


def od_matrix(
    graph: nx.Graph,
    sources: Sequence[Any] | gpd.GeoDataFrame,
    targets: Sequence[Any] | gpd.GeoDataFrame,
    *,
    weight: str = "travel_time",
    cutoff: float | None = None,
    access: bool = True,
    max_snap_distance: float | None = None,
    parameters: Mapping[str, Any] | None = None,
    workers: int = 1,
    method: str = "auto",
    progress: Callable[[float, str], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> np.ndarray:
    """Shortest-path cost from every source to every target.

    .. math:: C_{ij} = a_i + \\min_{P: s_i \\to t_j} \\sum_{e \\in P} w_e + b_j

    where :math:`a_i, b_j` are access costs (snap distance, zero for node ids) and the
    minimum runs over directed paths (the cheapest parallel edge counts).  Computed with
    :func:`scipy.sparse.csgraph.dijkstra` from the distinct sources (or, when targets are
    fewer, from the targets on the reversed graph), in memory-bounded batches, with
    ``limit=cutoff``.

    Parameters
    ----------
    graph
        networkx (Multi)DiGraph or Graph with ``weight`` on every edge.
    sources, targets
        Sequences of node ids, or GeoDataFrames (points, polygons -> centroids) to snap.
    weight
        Edge attribute: ``"travel_time"`` (seconds, default) or ``"length"`` (metres) or any other.
    cutoff
        Costs above this (same unit as ``weight``) become ``inf``; must be > 0.
    access
        Add snap distance as access cost for GeoDataFrame inputs (default True).
    max_snap_distance
        Metres beyond which features are not snapped (unreachable, ``inf``; default
        ``network.max_snap_m``, or the graph's ``max_snap_m``).
    parameters
        Overrides of ``network.*`` defaults rows: snapping rows (``max_snap_m``, ``snap_speed_kph``,
        ``land_tolerance_m``, ``snap_candidates``) apply here; rows that shape the graph (speeds,
        ferries, tolerances) apply when ``graph`` is a road layer and must match the graph's
        otherwise (:class:`InputError` names the key).
    workers
        Processes for big problems (default 1).  Values > 1 fork worker processes on
        POSIX systems -- worthwhile for large plain-Dijkstra jobs on an idle multi-core
        machine; do not use inside QGIS (forking a Qt application is unsafe).
    method
        ``"dijkstra"`` (scipy), ``"ch"`` (a customizable contraction hierarchy, needs the optional
        ``routingkit-cch``; edge costs rounded to a fine power-of-two grid, see
        :mod:`arealsirk._ch`) or ``"auto"`` (default: the hierarchy when it is installed and its
        cost model says it pays -- many sources and targets on a graph of >= 10 000 nodes).
        The hierarchy runs in one process; ``workers`` applies to Dijkstra.
    progress
        Callback ``progress(fraction, message)`` receiving the overall fraction done in [0, 1] and
        the current step (see :mod:`arealsirk.progress`); ``None`` (default) reports nothing.
    is_cancelled
        Callback returning ``True`` when the user asks to stop; polled between steps, then
        :class:`~arealsirk.errors.CancelledError` is raised. ``None`` (default): never cancelled.

    Returns
    -------
    numpy.ndarray
        float array of shape (len(sources), len(targets)); ``inf`` where unreachable or
        beyond ``cutoff``.

    Raises
    ------
    InputError
        Unknown node id, cutoff <= 0, graph with no edges, NaN/negative weights,
        features outside the network's extent (:class:`NoOverlapError`).
    """
    from .._ch import ch_costs, use_ch  # issue 19: contraction hierarchy (arealsirk/_ch.py)
    from ._engine import shortest_costs

    limit = _check_cutoff(cutoff)
    use_ch(method, None, None, None)  # issue 19: refuses an unknown method before any work
    p = _progress(progress, is_cancelled)
    graph = _as_graph(graph, parameters)
    pg = prepare(graph, weight)
    src, a = _resolve(graph, pg, sources, weight, "source", access, max_snap_distance, parameters)
    tgt, b = _resolve(graph, pg, targets, weight, "target", access, max_snap_distance, parameters)
    if len(src) == 0 or len(tgt) == 0:
        return np.zeros((len(src), len(tgt)))

    def check(f: float, msg: str) -> None:
        p(f, msg)
        p.check()

    from .._validate import check_number

    nproc = int(check_number(workers, "workers", minimum=1, integer=True))
    # --- issue 19: contraction hierarchy when it pays (arealsirk/_ch.py) ---
    if use_ch(method, pg, src, tgt):
        out = ch_costs(pg, src, tgt, limit=limit, check=check)
    else:  # --- end issue 19 ---
        out = shortest_costs(pg, src, tgt, limit=limit, check=check, workers=nproc)
    _add_access(out, a, b, limit)
    p(1.0, "cost matrix done")
    n_inf = int(np.isinf(out).sum())
    if n_inf:
        why = "unreachable or beyond the cutoff" if np.isfinite(limit) else "unreachable"
        log.info("od_matrix: %d of %d source-target pairs are %s (inf)", n_inf, out.size, why)
    return out


def _add_access(out: np.ndarray, a: np.ndarray, b: np.ndarray, limit: float) -> None:
    """Add the sources' (``a``) and targets' (``b``) access costs to the network costs ``out`` (in
    place); a pair whose total exceeds ``limit`` becomes ``inf``."""
    if a.any() or b.any():
        out += a[:, None]
        out += b[None, :]
        if np.isfinite(limit):
            out[out > limit] = np.inf


def od_matrix_sparse(
    graph: nx.Graph,
    sources: Sequence[Any] | gpd.GeoDataFrame,
    targets: Sequence[Any] | gpd.GeoDataFrame,
    *,
    cutoff: float,
    weight: str = "travel_time",
    access: bool = True,
    max_snap_distance: float | None = None,
    parameters: Mapping[str, Any] | None = None,
    progress: Callable[[float, str], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> sp.csr_matrix:
    """Only the pairs with cost <= ``cutoff``, as a scipy CSR matrix.

    Same costs as :func:`od_matrix`, but a pair beyond ``cutoff`` is simply not stored.
    A stored value can be exactly 0 (a source on a target's node): it is kept as an
    explicit entry, so test membership with the sparsity pattern (``m.indptr``/``m.indices``
    or ``m.tocoo()``), never ``m.eliminate_zeros()``.

    Memory is proportional to the number of pairs within the cutoff, so this scales to
    inputs whose dense matrix would not fit.

    Parameters
    ----------
    graph
        networkx (Multi)DiGraph or Graph with ``weight`` on every edge.
    sources, targets
        Sequences of node ids, or GeoDataFrames (points, polygons -> centroids) to snap.
    cutoff
        Largest cost stored (same unit as ``weight``), > 0; required.
    weight
        Edge attribute: ``"travel_time"`` (seconds, default) or ``"length"`` (metres) or any other.
    access
        Add snap distance as access cost for GeoDataFrame inputs (default True).
    max_snap_distance
        Metres beyond which features are not snapped (unreachable, ``inf``; default
        ``network.max_snap_m``, or the graph's ``max_snap_m``).
    parameters
        Overrides of ``network.*`` defaults rows, as in :func:`od_matrix`.
    progress
        Callback ``progress(fraction, message)`` receiving the overall fraction done in [0, 1] and
        the current step (see :mod:`arealsirk.progress`); ``None`` (default) reports nothing.
    is_cancelled
        Callback returning ``True`` when the user asks to stop; polled between steps, then
        :class:`~arealsirk.errors.CancelledError` is raised. ``None`` (default): never cancelled.

    Returns
    -------
    scipy.sparse.csr_matrix
        Shape (len(sources), len(targets)); stored entries are the pairs within ``cutoff``.
    """
    import scipy.sparse as sp
    from scipy.sparse.csgraph import dijkstra

    from ._engine import _BATCH_CELLS

    if cutoff is None:
        raise InputError("od_matrix_sparse needs a cutoff (> 0); use od_matrix for full matrices")
    limit = _check_cutoff(cutoff)
    p = _progress(progress, is_cancelled)
    graph = _as_graph(graph, parameters)
    pg = prepare(graph, weight)
    src, a = _resolve(graph, pg, sources, weight, "source", access, max_snap_distance, parameters)
    tgt, b = _resolve(graph, pg, targets, weight, "target", access, max_snap_distance, parameters)
    ns, nt = len(src), len(tgt)
    forward = ns <= nt
    starts, starts_acc, ends, ends_acc = (src, a, tgt, b) if forward else (tgt, b, src, a)
    mat = pg.csr if forward else pg.csr_t
    batch = max(1, _BATCH_CELLS // max(pg.n, 1))
    rows, cols, vals = [], [], []
    for s0 in range(0, len(starts), batch):
        p(s0 / len(starts), f"shortest paths {s0}/{len(starts)}")
        p.check()
        idx = starts[s0:s0 + batch]
        d = dijkstra(mat, directed=True, indices=idx, limit=limit)[:, ends]
        d += starts_acc[s0:s0 + batch, None]
        d += ends_acc[None, :]
        r, c = np.nonzero(d <= limit)
        rows.append(r + s0)
        cols.append(c)
        vals.append(d[r, c])
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    v = np.concatenate(vals) if vals else np.zeros(0)
    if not forward:
        r, c = c, r
    out = sp.csr_matrix((v, (r, c)), shape=(ns, nt))
    p(1.0, "sparse cost matrix done")
    log.info("od_matrix_sparse: %d of %d source-target pairs within cutoff %g", out.nnz, ns * nt, limit)
    return out


def _multi_source(pg: PreparedGraph, fac: np.ndarray, fac_access: np.ndarray, *, to_facility: bool,
                  limit: float) -> tuple[np.ndarray, np.ndarray]:
    """Cost of every node to (or from) its nearest facility and that facility's position in ``fac``.

    One multi-source Dijkstra (``min_only=True``) on the graph augmented with one virtual
    node per facility whose single edge carries the facility's access cost.
    """
    import scipy.sparse as sp
    from scipy.sparse.csgraph import dijkstra

    n, f = pg.n, len(fac)
    base = pg.csr_t if to_facility else pg.csr
    ok = np.isfinite(fac_access)  # a facility outside the network's extent reaches nothing
    extra = sp.csr_matrix((fac_access[ok].astype(float), (np.arange(f)[ok], fac[ok])), shape=(f, n + f))
    aug = sp.vstack([sp.hstack([base, sp.csr_matrix((n, f))]), extra], format="csr")
    dist, _pred, origin = dijkstra(aug, directed=True, indices=n + np.arange(f), limit=limit,
                                   min_only=True, return_predecessors=True)
    owner = np.where(origin >= 0, origin - n, -1)
    return dist[:n], owner[:n]


def nearest_facility(
    graph: nx.Graph,
    sources: Sequence[Any] | gpd.GeoDataFrame,
    facilities: Sequence[Any] | gpd.GeoDataFrame,
    *,
    weight: str = "travel_time",
    cutoff: float | None = None,
    access: bool = True,
    max_snap_distance: float | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The cheapest facility for every source, with one multi-source Dijkstra.

    .. math:: f(i) = \\arg\\min_j C_{ij}, \\quad c_i = \\min_j C_{ij}

    with :math:`C` as in :func:`od_matrix` (travel from source to facility, access costs
    included).  Runs one Dijkstra from all facilities at once on the reversed graph
    (``min_only=True``), so the cost does not grow with the number of facilities.

    Parameters
    ----------
    graph
        networkx (Multi)DiGraph or Graph with ``weight`` on every edge.
    sources
        Node ids, or a GeoDataFrame (points, polygons -> centroids) to snap.
    facilities
        Node ids, or a GeoDataFrame to snap; a source is served by the cheapest of them.
    cutoff
        Costs above this (same unit as ``weight``) count as unreachable (facility ``-1``, cost
        ``inf``); ``None`` (default): no limit.
    weight
        Edge attribute: ``"travel_time"`` (seconds, default) or ``"length"`` (metres) or any other.
    access
        Add snap distance as access cost for GeoDataFrame inputs (default True).
    max_snap_distance
        Metres beyond which features are not snapped (unreachable, ``inf``; default
        ``network.max_snap_m``, or the graph's ``max_snap_m``).
    parameters
        Overrides of ``network.*`` defaults rows, as in :func:`od_matrix`.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Facility position (0-based index into ``facilities``) per source, ``-1`` where no
        facility is reachable within ``cutoff``; and the cost (``inf`` for those).
    """

    limit = _check_cutoff(cutoff)
    graph = _as_graph(graph, parameters)
    pg = prepare(graph, weight)
    fac, fa = _resolve(graph, pg, facilities, weight, "facility", access, max_snap_distance, parameters)
    src, sa = _resolve(graph, pg, sources, weight, "source", access, max_snap_distance, parameters)
    if len(fac) == 0:
        raise InputError("nearest_facility needs at least one facility")
    dist, owner = _multi_source(pg, fac, fa, to_facility=True, limit=limit)
    cost = dist[src] + sa
    who = owner[src].astype(np.int64)
    bad = ~np.isfinite(cost) | (cost > limit) | (who < 0)
    cost[bad] = np.inf
    who[bad] = -1
    if bad.any():
        log.info("nearest_facility: %d of %d source(s) reach no facility%s", int(bad.sum()), len(src),
                 f" within {limit:g}" if np.isfinite(limit) else "")
    return who, cost


def _edge_table(graph: Any, pg: PreparedGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Edge tails, heads, costs (pg.weight) and geometries (straight lines where missing), cached on pg."""
    cached = getattr(pg, "_edges", None)
    if cached is not None:
        return cached
    import shapely

    arrays = getattr(graph, "road_arrays", None)
    if arrays is not None and getattr(graph, "pending_counts", None) is not None and \
            pg.weight in ("travel_time", "length"):
        # a road graph not built in networkx: the same table from its arrays (no networkx build)
        from .graph import edge_table_from_arrays

        tails, heads, costs, geoms = edge_table_from_arrays(arrays, pg.weight)
        pos = np.full(len(arrays["node_xy"]), -1, dtype=np.int64)
        pos[np.asarray(pg.nodes, dtype=np.int64)] = np.arange(pg.n)
        pg._edges = (pos[tails], pos[heads], costs, geoms)  # type: ignore[attr-defined]
        return pg._edges  # type: ignore[attr-defined]
    us, vs, cs, gs = [], [], [], []
    xy = pg.xy
    for a, b, d in graph.edges(data=True):
        ia, ib = pg.index[a], pg.index[b]
        us.append(ia)
        vs.append(ib)
        cs.append(d.get(pg.weight, np.inf))
        g = d.get("geometry")
        gs.append(g if g is not None else shapely.LineString([xy[ia], xy[ib]]))
    if not graph.is_directed():
        us, vs = us + vs, vs + us
        cs = cs + cs
        gs = gs + [shapely.reverse(g) for g in gs]
    out = (np.asarray(us), np.asarray(vs), np.asarray(cs, dtype=float), np.asarray(gs, dtype=object))
    pg._edges = out  # type: ignore[attr-defined]
    return out


def _reached_geometry(pg: PreparedGraph, edges: tuple[np.ndarray, ...], dist: np.ndarray, budget: float,
                      mask: np.ndarray | None, to_facility: bool, buffer_m: float) -> Any:
    """Buffered union of the reached parts of edges (linear interpolation within an edge)."""
    import shapely
    from shapely.ops import substring

    eu, ev, ec, eg = edges
    end = ev if to_facility else eu  # the edge end from which the facility is reached
    d_end = dist[end]
    ok = np.isfinite(d_end) & (d_end <= budget)
    if mask is not None:
        ok &= mask[end]
    if not ok.any():
        return shapely.Polygon()
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(ec[ok] > 0, (budget - d_end[ok]) / ec[ok], 1.0)
    frac = np.clip(frac, 0.0, 1.0)
    lines = []
    for g, s in zip(eg[ok], frac, strict=True):
        if s >= 1.0:
            lines.append(g)
        elif s > 0.0:
            piece = substring(g, 1.0 - s, 1.0, normalized=True) if to_facility else \
                substring(g, 0.0, s, normalized=True)
            if piece.geom_type == "LineString":
                lines.append(piece)
    pts = pg.xy[np.flatnonzero(np.isfinite(dist) & (dist <= budget) & (mask if mask is not None else True))]
    # node and merge the reached lines first: GEOS buffers a few long lines ~30x faster than
    # thousands of overlapping pieces (both directions of a two-way road are reached); simplify
    # by a fifth of the buffer, which moves the outline by at most that much
    parts = []
    if lines:
        net = shapely.line_merge(shapely.union_all(lines))
        if buffer_m > 0:
            net = shapely.simplify(net, 0.2 * buffer_m)
        parts.append(shapely.buffer(net, buffer_m, quad_segs=4))
    if len(pts):
        parts.append(shapely.buffer(shapely.multipoints(pts), buffer_m, quad_segs=4))
    return shapely.union_all(parts)


class _PolygonPool:
    """The service-area polygons built on every core: GEOS's union and buffer, which take nearly all
    the time, release the GIL, so threads share the work (a national run: 1 071 polygons at about
    45 ms each).  Each polygon is the same function of the same inputs as on one thread; results
    keep the submission order; progress moves and cancel is checked as polygons finish."""

    def __init__(self, p: Any, total: int) -> None:
        import os
        from concurrent.futures import ThreadPoolExecutor

        self._p, self._total = p, max(total, 1)
        self._executor = ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1)))
        self._futures: list[Any] = []
        self.results: list[Any] = []

    def submit(self, *args: Any) -> None:
        self._futures.append(self._executor.submit(_reached_geometry, *args))

    def __enter__(self) -> _PolygonPool:
        return self

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        try:
            if exc_type is None:
                for i, future in enumerate(self._futures):
                    self.results.append(future.result())
                    self._p(i / self._total, f"service area polygon {i + 1}/{self._total}")
                    self._p.check()
        finally:
            for future in self._futures:
                future.cancel()
            self._executor.shutdown(wait=True)


def _buffer_default(graph: Any, parameters: Mapping[str, Any] | None) -> float:
    """``network.service_area_buffer_m``: the override in ``parameters``, else the graph's, else the table."""
    from ..resources import check_parameters, parameter

    params = check_parameters(parameters)
    if "network.service_area_buffer_m" not in params and graph.graph.get("service_area_buffer_m") is not None:
        return float(graph.graph["service_area_buffer_m"])
    return parameter("network.service_area_buffer_m", params)


def _site_ids(facilities: Any, id_column: str, n: int) -> list[Any]:
    """``site_id`` of each facility: its ``id_column`` (a layer that has it), the row number (a layer
    without it), or the node id itself (a list of nodes)."""
    if _is_layer(facilities) and id_column in getattr(facilities, "columns", []):
        return list(facilities[id_column])
    if _is_layer(facilities):
        return list(range(n))
    return list(facilities)


def service_areas(
    graph: nx.Graph,
    facilities: Sequence[Any] | gpd.GeoDataFrame,
    minutes: float | Sequence[float],
    *,
    split: bool = False,
    direction: str = "to",
    id_column: str = "id",
    buffer_m: float | None = None,
    access: bool = True,
    parameters: Mapping[str, Any] | None = None,
    progress: Callable[[float, str], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> gpd.GeoDataFrame:
    """Service areas (isochrones) as polygons: the road network reachable within ``minutes``.

    A road point belongs to the area of facility :math:`j` for :math:`T` minutes when its
    travel time to (``direction="to"``, default) or from the facility, including the
    facility's access time, is at most :math:`60 T` seconds.  Reached parts of edges are
    interpolated linearly along the edge and buffered by ``buffer_m``
    (``network.service_area_buffer_m``); the polygon is the union.

    Parameters
    ----------
    graph
        Graph with ``travel_time`` (seconds) on every edge.
    facilities
        GeoDataFrame (``site_id`` from ``id_column`` when present, else the row number) or
        node ids (``site_id`` = the node id).
    minutes
        One value or several (each > 0): one polygon per facility and value.
    split
        When True, each road point is given only to its nearest facility (one
        multi-source Dijkstra), so the polygons of different facilities do not share
        roads (buffers may still overlap by up to ``buffer_m``).
    direction
        ``"to"`` (default): travel time from the road point to the facility; ``"from"``: from the
        facility out.
    id_column
        Column of a facilities GeoDataFrame giving ``site_id``; default ``"id"``.
    buffer_m
        Buffer around the reached road pieces, metres; ``None`` (default):
        ``network.service_area_buffer_m`` (or the graph's setting).
    access
        Include the facility's access time from its snapped node (default True).
    parameters
        Overrides of ``network.*`` defaults rows, as in :func:`od_matrix`.
    progress
        Callback ``progress(fraction, message)`` receiving the overall fraction done in [0, 1] and
        the current step (see :mod:`arealsirk.progress`); ``None`` (default) reports nothing.
    is_cancelled
        Callback returning ``True`` when the user asks to stop; polled between steps, then
        :class:`~arealsirk.errors.CancelledError` is raised. ``None`` (default): never cancelled.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``site_id``, ``facility`` (0-based position), ``minutes``, polygon geometry
        in the graph's CRS; nested polygons for increasing minutes.  A facility that
        reaches nothing gets an empty polygon and a warning.
    """
    import geopandas as gpd

    from .._validate import check_number
    from .graph import graph_crs

    if direction not in ("to", "from"):
        raise InputError(f"direction must be 'to' or 'from', got {direction!r}")
    mins = [minutes] if np.isscalar(minutes) else list(minutes)  # type: ignore[arg-type]
    if not mins:
        raise InputError("minutes must hold at least one value")
    mins = sorted(check_number(m, "minutes", minimum=0, exclusive_minimum=True) for m in mins)
    graph = _as_graph(graph, parameters)
    buf = check_number(_buffer_default(graph, parameters) if buffer_m is None else buffer_m, "buffer_m",
                       minimum=0)
    crs = graph_crs(graph)
    p = _progress(progress, is_cancelled)
    pg = prepare(graph, "travel_time")
    fac, fa = _resolve(graph, pg, facilities, "travel_time", "facility", access, None, parameters)
    if len(fac) == 0:
        raise InputError("service_areas needs at least one facility")
    site_ids = _site_ids(facilities, id_column, len(fac))
    edges = _edge_table(graph, pg)
    to_fac = direction == "to"
    tmax = 60.0 * mins[-1]
    rows: list[dict[str, Any]] = []
    with _PolygonPool(p, len(fac) * len(mins)) as pool:
        if split:
            dist, owner = _multi_source(pg, fac, fa, to_facility=to_fac, limit=tmax)
            for j in range(len(fac)):
                mask = owner == j
                for m in mins:
                    rows.append({"site_id": site_ids[j], "facility": j, "minutes": m})
                    pool.submit(pg, edges, dist, 60.0 * m, mask, to_fac, buf)
        else:
            from scipy.sparse.csgraph import dijkstra

            mat = pg.csr_t if to_fac else pg.csr
            for j in range(len(fac)):
                p.check()
                limit = max(tmax - fa[j], 0.0)
                dist_j = dijkstra(mat, directed=True, indices=int(fac[j]), limit=limit) + fa[j]
                for m in mins:
                    rows.append({"site_id": site_ids[j], "facility": j, "minutes": m})
                    pool.submit(pg, edges, dist_j, 60.0 * m, None, to_fac, buf)
    geoms = pool.results
    out = gpd.GeoDataFrame(rows, geometry=geoms, crs=crs)
    empty = out.geometry.is_empty
    if empty.any():
        log.warning("service_areas: %d area(s) are empty (facility's access time exceeds the minutes "
                    "or nothing reachable): site_id %s", int(empty.sum()),
                    ", ".join(map(str, out.loc[empty, "site_id"].unique()[:5])))
    p(1.0, "service areas done")
    return out
