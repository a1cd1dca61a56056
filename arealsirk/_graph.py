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

from .errors import InputError

if TYPE_CHECKING:
    import networkx as nx
    import scipy.sparse as sp

log = logging.getLogger("arealsirk")

__all__ = ["PreparedGraph", "prepare", "clear_cache", "shortest_costs"]

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
    """

    def __init__(self, weight: str, nodes: np.ndarray, index: dict[Any, int], csr: sp.csr_matrix,
                 xy: np.ndarray, crs: Any) -> None:
        self.weight = weight
        self.nodes = nodes
        self.index = index
        self.csr = csr
        self.xy = xy
        self.crs = crs
        self._csr_t: sp.csr_matrix | None = None
        self._tree: Any = None

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

    def positions(self, node_ids: Sequence[Any], *, what: str = "node") -> np.ndarray:
        """Matrix positions of ``node_ids``; unknown ids raise :class:`InputError` naming one."""
        try:
            return np.fromiter((self.index[v] for v in node_ids), dtype=np.int64, count=len(node_ids))
        except KeyError as exc:
            raise InputError(f"{what} {exc.args[0]!r} is not a node of the graph "
                             f"(graph has {self.n} nodes)") from None
        except TypeError as exc:  # unhashable ids
            raise InputError(f"{what}s must be node ids of the graph: {exc}") from None


def _fingerprint(graph: nx.Graph) -> tuple[int, int]:
    return (graph.number_of_nodes(), graph.number_of_edges())


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
    prepared = _build(graph, weight)
    per_graph[weight] = (fp, prepared)
    return prepared


def _build(graph: nx.Graph, weight: str) -> PreparedGraph:
    import scipy.sparse as sp

    if not hasattr(graph, "edges") or not hasattr(graph, "nodes"):
        raise InputError(f"expected a networkx graph, got {type(graph).__name__}")
    if graph.number_of_edges() == 0:
        raise InputError(f"the graph has no edges ({graph.number_of_nodes()} nodes); "
                         "nothing can be routed - check the road layer or the OSM filter")
    nodes = np.empty(graph.number_of_nodes(), dtype=object)
    nodes[:] = list(graph.nodes)
    index = {v: i for i, v in enumerate(nodes)}
    xy = np.full((len(nodes), 2), np.nan)
    for i, (_, d) in enumerate(graph.nodes(data=True)):
        x, y = d.get("x"), d.get("y")
        if x is not None and y is not None:
            xy[i] = (x, y)
    m = graph.number_of_edges()
    rows = np.empty(m, dtype=np.int64)
    cols = np.empty(m, dtype=np.int64)
    vals = np.empty(m, dtype=float)
    missing = None
    for k, (u, v, w) in enumerate(graph.edges(data=weight)):
        rows[k] = index[u]
        cols[k] = index[v]
        if w is None:
            missing = (u, v)
            break
        vals[k] = w
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
    # cheapest parallel edge wins: sort by (row, col, value) and keep the first of each pair
    # (a plain COO -> CSR conversion would SUM duplicates)
    order = np.lexsort((vals, cols, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    rows, cols, vals = rows[first], cols[first], vals[first]
    n = len(nodes)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, rows + 1, 1)
    np.cumsum(indptr, out=indptr)
    csr = sp.csr_matrix((vals, cols.astype(np.int32 if n < 2**31 else np.int64),
                         indptr.astype(np.int32 if len(vals) < 2**31 else np.int64)), shape=(n, n))
    csr.has_sorted_indices = True
    return PreparedGraph(weight, nodes, index, csr, xy, graph.graph.get("crs"))


def shortest_costs(pg: PreparedGraph, src: np.ndarray, tgt: np.ndarray, *, limit: float = np.inf,
                   check: Callable[[float, str], None] | None = None) -> np.ndarray:
    """Dense (len(src), len(tgt)) matrix of shortest costs between matrix positions.

    Runs :func:`scipy.sparse.csgraph.dijkstra` from the smaller distinct side (on the
    reversed graph when targets are fewer), in batches that bound memory, with
    ``limit`` pruning the search.  Unreached pairs are ``inf``.
    """
    from scipy.sparse.csgraph import dijkstra

    us, inv_s = np.unique(src, return_inverse=True)
    ut, inv_t = np.unique(tgt, return_inverse=True)
    forward = len(us) <= len(ut)
    graph, starts, ends = (pg.csr, us, ut) if forward else (pg.csr_t, ut, us)
    out = np.empty((len(starts), len(ends)))
    batch = max(1, _BATCH_CELLS // max(pg.n, 1))
    for b in range(0, len(starts), batch):
        if check is not None:
            check(b / len(starts), f"shortest paths {b}/{len(starts)}")
        d = dijkstra(graph, directed=True, indices=starts[b:b + batch], limit=limit)
        out[b:b + batch] = d[:, ends]
    if not forward:
        out = out.T
    return out[inv_s.reshape(-1)][:, inv_t.reshape(-1)]
