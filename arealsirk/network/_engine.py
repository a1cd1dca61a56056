"""Prepared graphs: a networkx graph turned into scipy CSR matrices, cached per graph and weight.

The rest of the network engine never runs shortest paths on networkx: a graph is
converted once into a compressed sparse row matrix (parallel edges -> the cheapest
one), a node index and a KD-tree of node coordinates.  The result is cached per
graph object and weight attribute, so repeated analyses on one graph do not rebuild
it.  The cache holds weak references only (a dropped graph frees its prepared form)
and is invalidated when the node or edge count changes; call :func:`clear_cache`
after editing edge weights in place.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError

if TYPE_CHECKING:
    import networkx as nx
    import scipy.sparse as sp

log = logging.getLogger("arealsirk")

__all__ = ["DiskCache", "PreparedGraph", "chain_arrays", "clear_cache", "components", "disk_cache",
           "from_arrays", "prepare", "shortest_costs"]

#: Cells (rows x graph nodes) of one Dijkstra batch: 2.5e7 float64 = 200 MB at most.
_BATCH_CELLS = 25_000_000

_CACHE: weakref.WeakKeyDictionary[Any, dict[str, tuple[tuple[int, int], PreparedGraph]]] = (
    weakref.WeakKeyDictionary())


class PreparedGraph:
    """A graph in the form the shortest-path routines need.

    Attributes
    ----------
    weight : str
        Edge attribute used as cost.
    nodes : numpy.ndarray
        Node ids in matrix order.
    index : dict
        Node id -> row/column in the matrices.
    csr : scipy.sparse.csr_matrix
        ``csr[i, j]`` is the cheapest edge i -> j (explicit zeros are edges).
    xy : numpy.ndarray
        (n, 2) node coordinates (``x``, ``y`` attributes), NaN where missing.
    crs : object
        ``graph.graph["crs"]`` or None.
    part : numpy.ndarray
        Part (weakly connected component) id per node: the nodes' ``part`` attribute when every
        node has one (:func:`arealsirk.network.graph_from_roads` numbers parts by road length),
        else computed here (numbered by node count).  Between parts every cost is ``inf``.
    core : numpy.ndarray
        True for nodes of the largest strongly connected component of their part: from each
        such node every other core node of the part can be reached and back.  Points are
        snapped to core nodes only (see :attr:`snap_tree`), so a one-way dead end (a data error
        or a ramp cut by the clip) never traps a snapped point.
    snappable : numpy.ndarray
        False for nodes whose ``snap`` attribute is False (ferry-side twins of quays, ferry
        nodes at sea); points never snap to them.
    """

    def __init__(self, weight: str, nodes: np.ndarray, index: dict[Any, int], csr: sp.csr_matrix,
                 xy: np.ndarray, crs: Any, part: np.ndarray | None = None,
                 snappable: np.ndarray | None = None) -> None:
        self.weight = weight
        self.nodes = nodes
        self.index = index
        self.csr = csr
        self.xy = xy
        self.crs = crs
        self._csr_t: sp.csr_matrix | None = None
        self._tree: Any = None
        self._snap_tree: Any = None
        self._part_given = part
        self._part: np.ndarray | None = None
        self._core: np.ndarray | None = None
        self.snappable = np.ones(len(nodes), dtype=bool) if snappable is None else snappable

    @property
    def n(self) -> int:
        """Number of nodes."""
        return len(self.nodes)

    @property
    def csr_t(self) -> sp.csr_matrix:
        """The reversed graph (transpose), built on first use and kept."""
        if self._csr_t is None:
            self._csr_t = self.csr.T.tocsr()
        return self._csr_t

    @property
    def tree(self) -> Any:
        """A ``scipy.spatial.cKDTree`` of node coordinates, built on first use and kept."""
        if self._tree is None:
            from scipy.spatial import cKDTree

            if not np.isfinite(self.xy).all():
                raise InputError("graph nodes lack 'x'/'y' coordinates; cannot snap points to it")
            self._tree = cKDTree(self.xy)
        return self._tree

    def _components(self) -> None:
        weak, core = components(self.n, *_pattern(self.csr))
        if self._part_given is not None:
            weak = self._part_given
        self._part, self._core = weak, core

    @property
    def part(self) -> np.ndarray:
        """Part id per node (matrix order)."""
        if self._part is None:
            self._components()
        return self._part  # type: ignore[return-value]

    @property
    def core(self) -> np.ndarray:
        """Mask of nodes in the strongly connected core of their part (matrix order)."""
        if self._core is None:
            self._components()
        return self._core  # type: ignore[return-value]

    @property
    def snap_positions(self) -> np.ndarray:
        """Matrix positions of the nodes points may snap to (snappable core nodes), ordered as in
        :attr:`snap_tree`."""
        return np.flatnonzero(self.core & self.snappable)

    @property
    def snap_tree(self) -> Any:
        """A ``scipy.spatial.cKDTree`` of the core nodes (positions :attr:`snap_positions`)."""
        if self._snap_tree is None:
            from scipy.spatial import cKDTree

            if not np.isfinite(self.xy).all():
                raise InputError("graph nodes lack 'x'/'y' coordinates; cannot snap points to it")
            self._snap_tree = cKDTree(self.xy[self.snap_positions])
        return self._snap_tree

    def positions(self, node_ids: Sequence[Any], *, what: str = "node") -> np.ndarray:
        """Matrix positions of ``node_ids``; unknown ids raise :class:`InputError` naming one."""
        try:
            return np.fromiter((self.index[v] for v in node_ids), dtype=np.int64, count=len(node_ids))
        except KeyError as exc:
            raise InputError(f"{what} {exc.args[0]!r} is not a node of the graph "
                             f"(graph has {self.n} nodes)") from None
        except TypeError as exc:  # unhashable ids
            raise InputError(f"{what}s must be node ids of the graph: {exc}") from None


def _pattern(csr: Any) -> tuple[np.ndarray, np.ndarray]:
    """Tails and heads of the stored edges of a CSR matrix (explicit zeros included)."""
    tail = np.repeat(np.arange(csr.shape[0]), np.diff(csr.indptr))
    return tail, np.asarray(csr.indices, dtype=np.int64)


def components(n: int, tail: np.ndarray, head: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parts and strongly connected cores of a directed graph given as edge arrays.

    Parts are weakly connected components, numbered by node count (largest first; ties by
    their first node); ``core`` marks the nodes of the largest strongly connected component
    inside each part (ties: the first).  Both with :func:`scipy.sparse.csgraph.connected_components`.

    Why weak parts: a part is what a planner sees as one road network (an island's roads, a
    valley cut off by the study-area edge); a one-way stub inside it belongs to it.  Why strong
    cores for snapping: only inside a strongly connected set is every node reachable from
    every other, so a point snapped to a core node can reach, and be reached from, every other
    snapped point of its part.

    Returns
    -------
    part, core
        int64 part id per node; bool core mask.
    """
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    adj = sp.csr_matrix((np.ones(len(tail)), (tail, head)), shape=(n, n))
    _, weak = connected_components(adj, directed=True, connection="weak")
    _, strong = connected_components(adj, directed=True, connection="strong")
    size = np.bincount(weak)
    first = np.full(len(size), n, dtype=np.int64)
    np.minimum.at(first, weak, np.arange(n))
    order = np.lexsort((first, -size))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    part = rank[weak].astype(np.int64)
    # largest strong component per part
    s_size = np.bincount(strong)
    s_part = np.zeros(len(s_size), dtype=np.int64)
    s_part[strong] = part
    s_order = np.lexsort((np.arange(len(s_size)), -s_size, s_part))
    s_first = np.r_[True, s_part[s_order][1:] != s_part[s_order][:-1]]
    best = np.zeros(len(s_size), dtype=bool)
    best[s_order[s_first]] = True
    return part, best[strong]


def _fingerprint(graph: nx.Graph) -> tuple[int, int]:
    """Node and edge counts.  networkx's ``number_of_edges()`` walks views (seconds on big
    multigraphs); counting the adjacency dicts directly is ~20x faster."""
    pending = getattr(graph, "pending_counts", None)  # a RoadGraph not yet built in networkx
    if pending is not None:
        return pending
    adj = getattr(graph, "_adj", None)
    if not isinstance(adj, dict):
        return (graph.number_of_nodes(), graph.number_of_edges())
    if graph.is_multigraph():
        from itertools import chain

        m = sum(map(len, chain.from_iterable(map(dict.values, adj.values()))))
    else:
        m = sum(map(len, adj.values()))
    return (len(adj), m)


def clear_cache(graph: nx.Graph | None = None) -> None:
    """Forget prepared forms of ``graph`` (or of every graph when None)."""
    if graph is None:
        _CACHE.clear()
    else:
        _CACHE.pop(graph, None)


def prepare(graph: nx.Graph, weight: str = "travel_time") -> PreparedGraph:
    """Return the cached :class:`PreparedGraph` of ``graph`` for ``weight`` (built if needed).

    Parallel edges collapse to the cheapest; undirected graphs get both directions.

    Raises
    ------
    InputError
        When the graph has no edges, an edge lacks ``weight``, or a weight is NaN,
        infinite or negative (the message names one offending edge).
    """
    fp = _fingerprint(graph)
    try:
        per_graph = _CACHE.setdefault(graph, {})
    except TypeError:  # not weak-referenceable: build without caching
        per_graph = {}
    hit = per_graph.get(weight)
    if hit is not None and hit[0] == fp:
        return hit[1]
    arrays = getattr(graph, "road_arrays", None)
    if arrays is not None and getattr(graph, "pending_counts", None) is not None and weight in _ARRAY_WEIGHTS:
        prepared = from_arrays(arrays, weight)  # a RoadGraph not built in networkx: no networkx needed
    else:
        prepared = _build(graph, weight)
    per_graph[weight] = (fp, prepared)
    return prepared


def _morton(xy: np.ndarray) -> np.ndarray:
    """Z-order curve key of points (16 bits per axis)."""
    lo = xy.min(axis=0)
    span = np.maximum(xy.max(axis=0) - lo, 1e-9)
    q = ((xy - lo) / span * 65535).astype(np.uint64)

    def spread(v: np.ndarray) -> np.ndarray:
        v = (v | (v << np.uint64(8))) & np.uint64(0x00FF00FF)
        v = (v | (v << np.uint64(4))) & np.uint64(0x0F0F0F0F)
        v = (v | (v << np.uint64(2))) & np.uint64(0x33333333)
        return (v | (v << np.uint64(1))) & np.uint64(0x55555555)

    return spread(q[:, 0]) | (spread(q[:, 1]) << np.uint64(1))


def _build(graph: nx.Graph, weight: str) -> PreparedGraph:  # noqa: C901

    if not hasattr(graph, "edges") or not hasattr(graph, "nodes"):
        raise InputError(f"expected a networkx graph, got {type(graph).__name__}")
    if graph.number_of_edges() == 0:
        raise InputError(f"the graph has no edges ({graph.number_of_nodes()} nodes); "
                         "nothing can be routed - check the road layer or the OSM filter")
    nodes = np.empty(graph.number_of_nodes(), dtype=object)
    nodes[:] = list(graph.nodes)
    xy = np.full((len(nodes), 2), np.nan)
    part = np.full(len(nodes), -1, dtype=np.int64)
    snappable = np.ones(len(nodes), dtype=bool)
    for i, (_, d) in enumerate(graph.nodes(data=True)):
        x, y = d.get("x"), d.get("y")
        if x is not None and y is not None:
            xy[i] = (x, y)
        p = d.get("part")
        if p is not None:
            part[i] = p
        if d.get("snap") is False:
            snappable[i] = False
    if len(nodes) > 1 and np.isfinite(xy).all():
        # number nodes along a Z-order (Morton) curve: neighbours in space become neighbours in
        # memory, which makes Dijkstra faster than on arbitrary ids (measured on the 202 490-node
        # benchmark grid, 40 sources: random ids 1.87 s -> 1.15 s; row-major ids 1.30 s -> 1.10 s)
        order = np.argsort(_morton(xy), kind="stable")
        nodes, xy, part, snappable = nodes[order], xy[order], part[order], snappable[order]
    index = {v: i for i, v in enumerate(nodes)}
    m = graph.number_of_edges()
    rows = np.empty(m, dtype=np.int64)
    cols = np.empty(m, dtype=np.int64)
    vals = np.empty(m, dtype=float)
    missing = None
    k = 0
    # iterate networkx's adjacency dicts directly: 2-3x faster than graph.edges(data=weight) views
    multi = graph.is_multigraph()
    adj = getattr(graph, "_adj", None) if graph.is_directed() else None
    if isinstance(adj, dict):
        for u, nbrs in adj.items():
            iu = index[u]
            for v, dd in nbrs.items():
                iv = index[v]
                for d in (dd.values() if multi else (dd,)):
                    w = d.get(weight)
                    if w is None:
                        missing = (u, v)
                        break
                    rows[k] = iu
                    cols[k] = iv
                    vals[k] = w
                    k += 1
    else:
        for u, v, w in graph.edges(data=weight):
            if w is None:
                missing = (u, v)
                break
            rows[k] = index[u]
            cols[k] = index[v]
            vals[k] = w
            k += 1
    if missing is not None:
        raise InputError(f"edge {missing[0]!r} -> {missing[1]!r} has no '{weight}' attribute; "
                         f"every edge needs a '{weight}' weight (graph_from_roads and "
                         "graph_from_osm_file add 'length' and 'travel_time')")
    bad = ~np.isfinite(vals) | (vals < 0)
    if bad.any():
        k = int(np.argmax(bad))
        raise InputError(f"{int(bad.sum())} edge(s) have a NaN, infinite or negative '{weight}', "
                         f"for example {nodes[rows[k]]!r} -> {nodes[cols[k]]!r} = {vals[k]!r}")
    if not graph.is_directed():
        rows, cols, vals = np.r_[rows, cols], np.r_[cols, rows], np.r_[vals, vals]
    return _assemble(weight, nodes, index, xy, rows, cols, vals, graph.graph.get("crs"),
                     part if (part >= 0).all() else None, snappable)


def _assemble(weight: str, nodes: np.ndarray, index: dict[Any, int], xy: np.ndarray, rows: np.ndarray,
              cols: np.ndarray, vals: np.ndarray, crs: Any, part: np.ndarray | None,
              snappable: np.ndarray) -> PreparedGraph:
    """CSR from edge arrays (matrix positions): the cheapest parallel edge wins."""
    import scipy.sparse as sp

    # sort by (row, col, value) and keep the first of each pair (a plain COO -> CSR conversion
    # would SUM duplicates)
    order = np.lexsort((vals, cols, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    rows, cols, vals = rows[first], cols[first], vals[first]
    n = len(nodes)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])  # rows are sorted
    csr = sp.csr_matrix((vals, cols.astype(np.int32 if n < 2**31 else np.int64),
                         indptr.astype(np.int32 if len(vals) < 2**31 else np.int64)), shape=(n, n))
    csr.has_sorted_indices = True
    return PreparedGraph(weight, nodes, index, csr, xy, crs, part=part, snappable=snappable)


#: Weights a road graph's arrays hold (RoadGraph): prepared straight from them.
_ARRAY_WEIGHTS = ("travel_time", "length")


def from_arrays(arrays: dict[str, Any], weight: str) -> PreparedGraph:
    """The prepared form of a road graph given as arrays (:class:`arealsirk.network.RoadGraph`) for
    ``travel_time`` or ``length``, built straight from them: the same node order (Z-order curve),
    matrix and parts as :func:`prepare` on the built networkx graph, plus the stored chain index."""
    used = arrays["used"]
    xy = arrays["node_xy"][used]
    order = np.argsort(_morton(xy), kind="stable") if len(used) > 1 else np.arange(len(used))
    ids = used[order]
    nodes = np.empty(len(ids), dtype=object)
    nodes[:] = ids.tolist()
    pos = np.full(len(arrays["node_xy"]), -1, dtype=np.int64)
    pos[ids] = np.arange(len(ids))
    index = dict(zip(nodes.tolist(), range(len(nodes)), strict=True))
    seg = arrays["seg"]
    if weight == "travel_time":
        vals = np.asarray(arrays["tt"], dtype=float)
    else:
        vals = np.where(seg >= 0, arrays["length"][np.maximum(seg, 0)], 0.0)
    pg = _assemble(weight, nodes, index, xy[order], pos[arrays["tail"]], pos[arrays["head"]], vals,
                   arrays["meta"]["crs"], arrays["part_of"][ids], arrays["snappable"][ids])
    chains = _Chains.from_arrays(arrays, f"chains_{weight}_")
    if chains is not None:
        pg._chains = chains  # type: ignore[attr-defined]
        pg._junction_share = float(arrays[f"chains_{weight}_share"])  # type: ignore[attr-defined]
    return pg


def chain_arrays(graph: Any, weight: str = "travel_time") -> dict[str, np.ndarray]:
    """The chain index of ``graph`` for ``weight`` as arrays to store with a road graph in the disk
    cache (built now if needed), so a cached graph answers its first query without building it.

    Parameters
    ----------
    graph
        A road graph (networkx) the engine can prepare (:func:`prepare`); its edges must carry
        ``weight``.
    weight
        Edge attribute the chains are built for; default ``"travel_time"`` (seconds), the weight the
        workflows route by.

    Returns
    -------
    dict
        Array name (prefixed ``chains_<weight>_``) -> array; empty for a graph below the engine's
        contraction size (5,000 nodes), where no chain index is used.
    """
    pg = prepare(graph, weight)
    if pg.n < _CONTRACT_MIN_NODES:
        return {}
    _worth_contracting(pg, 0)  # computes the junction share
    out = _chains(pg).to_arrays(f"chains_{weight}_")
    out[f"chains_{weight}_share"] = np.array(pg._junction_share)  # type: ignore[attr-defined]
    return out


#: Bump when the arrays of a road graph change meaning: old cache files are then never read.
_CACHE_FORMAT = "road-graph-1"


def disk_cache(cache: Any) -> DiskCache | None:
    """The on-disk road-graph cache for a ``cache=`` option: None/False -> None; True -> the folder
    ``$AREALSIRK_CACHE_DIR`` or ``~/.cache/arealsirk``; a path -> that folder.

    Parameters
    ----------
    cache
        ``None`` or ``False``: no disk cache. ``True``: the default folder. A ``str`` or path-like:
        that folder. The graphs go into its ``graphs`` subfolder, created on the first write.

    Raises
    ------
    InputError
        For any other value, naming its type.
    """
    import os
    from pathlib import Path

    if cache is None or cache is False:
        return None
    if cache is True:
        env = os.environ.get("AREALSIRK_CACHE_DIR")
        folder = Path(env) if env else Path.home() / ".cache" / "arealsirk"
    elif isinstance(cache, (str, os.PathLike)):
        folder = Path(cache)
    else:
        raise InputError(f"cache must be True, False, None or a folder, got {type(cache).__name__}")
    return DiskCache(folder / "graphs")


class DiskCache:
    """Road graphs as numpy arrays on disk (one ``.npz`` per key, no pickle), keyed by a SHA-256 of
    the input and every option that shapes the graph.  Writes are atomic (temporary file +
    rename); an unreadable file is ignored (logged) and rebuilt."""

    def __init__(self, folder: Any) -> None:
        self.folder = folder

    def path(self, key: str) -> Any:
        return self.folder / f"{key}.npz"

    @staticmethod
    def _digest(parts: list[bytes]) -> str:
        import hashlib

        h = hashlib.sha256(_CACHE_FORMAT.encode())
        for p in parts:
            h.update(len(p).to_bytes(8, "little"))
            h.update(p)
        return h.hexdigest()[:32]

    @staticmethod
    def _options(options: dict[str, Any]) -> bytes:
        import json

        from .. import __version__

        return json.dumps({"options": options, "version": __version__}, sort_keys=True, default=str).encode()

    def key_of_layer(self, gdf: Any, options: dict[str, Any]) -> str:
        """Key of an in-memory layer: its CRS, geometries (WKB) and attribute columns, and the options."""
        import pandas as pd
        import shapely

        cols = [c for c in gdf.columns if c != gdf.geometry.name]
        try:
            attrs = pd.util.hash_pandas_object(gdf[cols], index=False).to_numpy().tobytes() if cols else b""
        except TypeError:  # unhashable cells (lists ...): their text
            attrs = gdf[cols].astype(str).to_csv(index=False).encode()
        wkb = shapely.to_wkb(gdf.geometry.to_numpy())
        return self._digest([str(gdf.crs).encode(), ",".join(map(str, cols)).encode(), attrs,
                             b"".join(wkb), self._options(options)])

    def key_of_file(self, path: Any, options: dict[str, Any]) -> str:
        """Key of a file: its bytes (SHA-256, read in 1 MB blocks) and the options."""
        import hashlib

        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        return self._digest([h.digest(), self._options(options)])

    def load(self, key: str) -> dict[str, Any] | None:
        """The arrays stored under ``key``, or None."""
        import json

        p = self.path(key)
        if not p.is_file():
            return None
        try:
            with np.load(p, allow_pickle=False) as z:
                out: dict[str, Any] = {k: z[k] for k in z.files if k != "meta"}
                meta = json.loads(str(z["meta"]))
        except (OSError, ValueError, KeyError) as exc:
            log.warning("road-graph cache %s unreadable (%s); building the graph again", p, exc)
            return None
        for rec in meta.get("parts", []):
            rec["bbox"] = tuple(rec["bbox"])
        out["meta"] = meta
        return out

    def save(self, key: str, arrays: dict[str, Any]) -> None:
        """Store ``arrays`` under ``key`` (atomic); a write error is logged, never raised."""
        import json
        import os
        import tempfile

        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".npz.tmp")
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, meta=np.array(json.dumps(arrays["meta"])),
                         **{k: v for k, v in arrays.items() if k != "meta"})
            os.replace(tmp, self.path(key))
        except OSError as exc:
            log.warning("road-graph cache %s not written (%s)", self.folder, exc)


class _Chains:
    """Chains of degree-2 nodes between junctions, for exact graph contraction.

    A node whose undirected neighbourhood has exactly two other nodes lies inside a chain
    (a road between two junctions).  Shortest paths between other nodes never stop inside
    a chain, so each chain can be replaced by one edge per direction with the summed cost
    (Geisberger et al. 2008 contract such nodes first; osmnx's ``simplify_graph`` does the
    same on the networkx level).  Nodes of interest inside a chain split it at query time.

    Flat arrays over all chains ("slots"): ``node`` (matrix position), ``chain`` (chain id),
    cumulative forward/backward costs ``F``/``B`` from the chain start (missing directed
    edges counted in ``MF``/``MB`` so one-way chains stay exact).
    """

    def __init__(self, pg: PreparedGraph) -> None:
        import scipy.sparse as sp

        csr = pg.csr
        n = pg.n
        pat = sp.csr_matrix((np.ones(len(csr.indices)), csr.indices, csr.indptr), shape=(n, n))
        pat = (pat + pat.T).tocsr()
        pat.setdiag(0)
        pat.eliminate_zeros()
        indptr, indices = pat.indptr, pat.indices
        deg = np.diff(indptr)
        core = deg != 2
        # direct lookup of directed weights: row-major position of (a, b) in csr
        ip, ix, dv = csr.indptr.tolist(), csr.indices.tolist(), csr.data.tolist()
        lip, lix = indptr.tolist(), indices.tolist()

        def w(a: int, b: int) -> float:
            for k in range(ip[a], ip[a + 1]):
                if ix[k] == b:
                    return dv[k]
            return np.inf

        visited = np.zeros(n, dtype=bool)
        nodes_l: list[int] = []
        chain_l: list[int] = []
        f_l: list[float] = []
        b_l: list[float] = []
        core_l = core.tolist()
        cid = 0

        def walk(c: int, nb: int) -> None:
            nonlocal cid
            seq = [c]
            fw = [0.0]
            bw = [0.0]
            prev, cur = c, nb
            while True:
                fw.append(w(prev, cur))
                bw.append(w(cur, prev))
                seq.append(cur)
                if core_l[cur] or cur == c:
                    break
                visited[cur] = True
                a0, a1 = lix[lip[cur]], lix[lip[cur] + 1]
                prev, cur = cur, (a1 if a0 == prev else a0)
            nodes_l.extend(seq)
            chain_l.extend([cid] * len(seq))
            f_l.extend(fw)
            b_l.extend(bw)
            cid += 1

        for c in np.flatnonzero(core).tolist():
            for k in range(lip[c], lip[c + 1]):
                nb = lix[k]
                if not core_l[nb] and not visited[nb]:
                    walk(c, nb)
        # rings made only of degree-2 nodes: promote one node per ring to a junction
        for v in np.flatnonzero(~core & ~visited).tolist():
            if visited[v]:
                continue
            core[v] = True
            core_l[v] = True
            for k in range(lip[v], lip[v + 1]):
                if not visited[lix[k]] and not core_l[lix[k]]:
                    walk(v, lix[k])
                    break
        node = np.asarray(nodes_l, dtype=np.int64)
        chain = np.asarray(chain_l, dtype=np.int64)
        f = np.asarray(f_l, dtype=float)
        b = np.asarray(b_l, dtype=float)
        # cumulative sums restart at each chain start (whose step cost is 0 by construction)
        starts = np.r_[0, np.flatnonzero(np.diff(chain)) + 1] if len(chain) else np.zeros(0, np.int64)
        self.node, self.chain, self.core, self.starts = node, chain, core, starts
        self.F, self.MF = self._cum(f, starts)
        self.B, self.MB = self._cum(b, starts)
        ends = np.r_[starts[1:] - 1, len(chain) - 1] if len(chain) else np.zeros(0, np.int64)
        self.ends = ends
        slot = np.full(n, -1, dtype=np.int64)
        interior = ~core[node]
        slot[node[interior]] = np.flatnonzero(interior)
        self.slot = slot
        # base edges of the junction graph: direct junction-junction edges + one per chain direction
        coo = csr.tocoo()
        direct = core[coo.row] & core[coo.col]
        # a direct edge between junctions is also walked as a 1-step chain; keep only the csr copy
        one_step = (ends - starts) == 1
        keep_chain = ~one_step
        cs, ce = starts[keep_chain], ends[keep_chain]
        fwd_ok = self.MF[ce] == self.MF[cs]
        bwd_ok = self.MB[ce] == self.MB[cs]
        self.base_rows = np.r_[coo.row[direct], node[cs][fwd_ok], node[ce][bwd_ok]].astype(np.int64)
        self.base_cols = np.r_[coo.col[direct], node[ce][fwd_ok], node[cs][bwd_ok]].astype(np.int64)
        self.base_vals = np.r_[coo.data[direct], (self.F[ce] - self.F[cs])[fwd_ok],
                               (self.B[ce] - self.B[cs])[bwd_ok]]
        self.base_chain = np.r_[np.full(int(direct.sum()), -1), chain[cs][fwd_ok], chain[cs][bwd_ok]]
        self.n_core = int(core.sum())

    _FIELDS = ("node", "chain", "core", "starts", "F", "MF", "B", "MB", "ends", "slot", "base_rows",
               "base_cols", "base_vals", "base_chain")

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The chain index as named arrays (for the disk cache)."""
        return {f"{prefix}{k}": getattr(self, k) for k in self._FIELDS}

    @classmethod
    def from_arrays(cls, arrays: dict[str, Any], prefix: str) -> _Chains | None:
        """The chain index stored by :meth:`to_arrays`, or None when absent."""
        if f"{prefix}node" not in arrays:
            return None
        obj = cls.__new__(cls)
        for k in cls._FIELDS:
            setattr(obj, k, arrays[f"{prefix}{k}"])
        obj.n_core = int(obj.core.sum())
        return obj

    @staticmethod
    def _cum(step: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        missing = ~np.isfinite(step)
        vals = np.where(missing, 0.0, step)
        cum = np.cumsum(vals)
        cmiss = np.cumsum(missing)
        if len(starts):
            seg = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(step)]))
            cum = cum - (cum[starts] - vals[starts])[seg]
            cmiss = cmiss - (cmiss[starts] - missing[starts])[seg]
        return cum, cmiss

    def reduced(self, pg: PreparedGraph, keep: np.ndarray) -> tuple[Any, np.ndarray]:
        """CSR of the junction graph plus the ``keep`` positions, and position -> reduced index.

        Exact: every shortest-path cost between kept or junction nodes equals the one on the
        full graph.
        """
        import scipy.sparse as sp

        keep = np.unique(keep)
        extra = keep[~self.core[keep]]
        rows, cols, vals = self.base_rows, self.base_cols, self.base_vals
        if len(extra):
            slots = np.unique(self.slot[extra])
            hit = np.unique(self.chain[slots])
            drop = np.isin(self.base_chain, hit)
            rows, cols, vals = rows[~drop], cols[~drop], vals[~drop]
            # split points per chain: chain start, kept interior slots, chain end
            cut = np.unique(np.r_[self.starts[hit], self.ends[hit], slots])
            lo, hi = cut[:-1], cut[1:]
            same = self.chain[lo] == self.chain[hi]
            lo, hi = lo[same], hi[same]
            fo = self.MF[hi] == self.MF[lo]
            bo = self.MB[hi] == self.MB[lo]
            rows = np.r_[rows, self.node[lo][fo], self.node[hi][bo]]
            cols = np.r_[cols, self.node[hi][fo], self.node[lo][bo]]
            vals = np.r_[vals, (self.F[hi] - self.F[lo])[fo], (self.B[hi] - self.B[lo])[bo]]
        mask = self.core.copy()
        mask[keep] = True
        pos = np.flatnonzero(mask)
        remap = np.full(pg.n, -1, dtype=np.int64)
        remap[pos] = np.arange(len(pos))
        r, c = remap[rows], remap[cols]
        order = np.lexsort((vals, c, r))
        r, c, v = r[order], c[order], vals[order]
        first = np.ones(len(r), dtype=bool)
        first[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
        first &= r != c
        m = len(pos)
        red = sp.csr_matrix((v[first], (r[first], c[first])), shape=(m, m))
        return red, remap

    def attach(self, remap: np.ndarray, keep: np.ndarray, ends: np.ndarray, *, forward: bool
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """How to read the cost of ``ends`` (positions) from a search on the reduced graph.

        An end that is a junction or kept node is read directly (column ``remap``).  An end
        inside a chain lies on a piece between two cut points ``lo`` < slot < ``hi`` (chain
        ends or kept nodes); every path to (forward) or from it runs along that piece, so its
        cost is ``min(d[lo] + c_lo, d[hi] + c_hi)`` with the along-chain costs (``inf`` where a
        one-way chain forbids the direction).  Exact, and the many side of a many-to-few
        problem never enters the reduced graph.

        Returns
        -------
        direct, col_lo, cost_lo, col_hi, cost_hi
            ``direct`` mask over ends; for the others, reduced columns and chain costs.
        """
        direct = remap[ends] >= 0
        x = ends[~direct]
        s = self.slot[x]
        kept_slots = self.slot[keep[~self.core[keep]]]
        cuts = np.unique(np.r_[self.starts, self.ends, kept_slots])
        k = np.searchsorted(cuts, s)
        lo, hi = cuts[k - 1], cuts[k]
        inf = np.inf
        if forward:  # cost from the search origin: via lo then forward, or via hi then backward
            c_lo = np.where(self.MF[s] == self.MF[lo], self.F[s] - self.F[lo], inf)
            c_hi = np.where(self.MB[hi] == self.MB[s], self.B[hi] - self.B[s], inf)
        else:  # cost to the search origin (reversed search): forward to hi, or backward to lo
            c_hi = np.where(self.MF[hi] == self.MF[s], self.F[hi] - self.F[s], inf)
            c_lo = np.where(self.MB[s] == self.MB[lo], self.B[s] - self.B[lo], inf)
        return direct, remap[self.node[lo]], c_lo, remap[self.node[hi]], c_hi


#: Contract degree-2 chains when the junction graph has at most this share of the nodes ...
_CONTRACT_SHARE = 0.6
#: ... and the graph has at least this many nodes.
_CONTRACT_MIN_NODES = 5_000


def _chains(pg: PreparedGraph) -> _Chains:
    ch = getattr(pg, "_chains", None)
    if ch is None:
        ch = _Chains(pg)
        pg._chains = ch  # type: ignore[attr-defined]
    return ch


def _worth_contracting(pg: PreparedGraph, n_keep: int) -> bool:
    """Contract when the graph is big and mostly degree-2 chains (cheap test first)."""
    if pg.n < _CONTRACT_MIN_NODES:
        return False
    share = getattr(pg, "_junction_share", None)
    if share is None:
        import scipy.sparse as sp

        pat = sp.csr_matrix((np.ones(len(pg.csr.indices)), pg.csr.indices, pg.csr.indptr), shape=pg.csr.shape)
        pat = (pat + pat.T).tocsr()
        pat.setdiag(0)
        pat.eliminate_zeros()
        share = float((np.diff(pat.indptr) != 2).mean())
        pg._junction_share = share  # type: ignore[attr-defined]
    return share + n_keep / pg.n <= _CONTRACT_SHARE


#: State handed to forked worker processes (set just before the pool starts).
_SHARED: dict[str, Any] = {}


def _rows(graph: Any, starts: np.ndarray, ends: np.ndarray, attach: Any, ends_direct: Any, limit: float,
          n: int, check: Callable[[float, str], None] | None = None) -> np.ndarray:
    """Costs from ``starts`` to ``ends`` (graph positions), Dijkstra in memory-bounded batches."""
    from scipy.sparse.csgraph import dijkstra

    out = np.empty((len(starts), len(ends)))
    batch = max(1, _BATCH_CELLS // max(n, 1))
    for b in range(0, len(starts), batch):
        if check is not None:
            check(b / len(starts), f"shortest paths {b}/{len(starts)}")
        d = dijkstra(graph, directed=True, indices=starts[b:b + batch], limit=limit)
        if attach is None:
            out[b:b + batch] = d[:, ends]
        else:
            direct, col_lo, c_lo, col_hi, c_hi = attach
            out[b:b + batch, direct] = d[:, ends_direct]
            out[b:b + batch, ~direct] = np.minimum(d[:, col_lo] + c_lo, d[:, col_hi] + c_hi)
    return out


def _worker_rows(chunk: np.ndarray) -> np.ndarray:
    sh = _SHARED
    return _rows(sh["graph"], chunk, sh["ends"], sh["attach"], sh["ends_direct"], sh["limit"], sh["n"])


def shortest_costs(pg: PreparedGraph, src: np.ndarray, tgt: np.ndarray, *, limit: float = np.inf,
                   check: Callable[[float, str], None] | None = None, contract: bool = True,
                   workers: int = 1) -> np.ndarray:
    """Dense (len(src), len(tgt)) matrix of shortest costs between matrix positions.

    Runs :func:`scipy.sparse.csgraph.dijkstra` from the smaller distinct side (on the
    reversed graph when targets are fewer), in batches that bound memory, with
    ``limit`` pruning the search.  Unreached pairs are ``inf``.  On big graphs made mostly of
    degree-2 chains (unsimplified OSM, densified or finely segmented road layers) the search
    runs on the exact junction graph (:class:`_Chains`) instead.  ``workers > 1`` splits the
    search origins over forked processes (POSIX only; scipy's Dijkstra holds the GIL, so
    threads do not help); progress is then reported only per chunk.
    """
    us, inv_s = np.unique(src, return_inverse=True)
    ut, inv_t = np.unique(tgt, return_inverse=True)
    forward = len(us) <= len(ut)
    n = pg.n
    graph = pg.csr if forward else pg.csr_t
    starts, ends = (us, ut) if forward else (ut, us)
    attach = None
    ends_direct = None
    if contract and len(us) * len(ut) > 1 and _worth_contracting(pg, len(starts)):
        ch = _chains(pg)
        red, remap = ch.reduced(pg, starts)  # only the search side is kept in the reduced graph
        graph = red if forward else red.T.tocsr()
        attach = ch.attach(remap, starts, ends, forward=forward)
        starts, ends_direct = remap[starts], remap[ends[attach[0]]]
        n = red.shape[0]
    work = len(starts) * float(graph.nnz)
    if workers > 1 and len(starts) >= 2 * workers and work > 5e7 and _can_fork():
        out = _parallel_rows(graph, starts, ends, attach, ends_direct, limit, n, workers, check)
    else:
        out = _rows(graph, starts, ends, attach, ends_direct, limit, n, check)
    if attach is not None and np.isfinite(limit):
        out[out > limit] = np.inf
    if not forward:
        out = out.T
    return out[inv_s.reshape(-1)][:, inv_t.reshape(-1)]


def _can_fork() -> bool:
    import multiprocessing as mp

    return "fork" in mp.get_all_start_methods()


def _parallel_rows(graph: Any, starts: np.ndarray, ends: np.ndarray, attach: Any, ends_direct: Any,
                   limit: float, n: int, workers: int, check: Callable[[float, str], None] | None
                   ) -> np.ndarray:
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    chunks = np.array_split(starts, max(workers, min(len(starts), 4 * workers)))
    _SHARED.update(graph=graph, ends=ends, attach=attach, ends_direct=ends_direct, limit=limit, n=n)
    ex = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork"))
    try:
        parts = []
        for k, part in enumerate(ex.map(_worker_rows, chunks)):
            parts.append(part)
            if check is not None:  # may raise CancelledError: stop the pool without waiting
                check((k + 1) / len(chunks), f"shortest paths, chunk {k + 1}/{len(chunks)}")
    except BaseException:
        ex.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        _SHARED.clear()
    ex.shutdown(wait=True)
    return np.vstack(parts)
