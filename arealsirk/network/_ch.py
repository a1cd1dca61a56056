"""Many-to-many shortest costs on a customizable contraction hierarchy (CCH).

Why a kept library: RoutingKit's CCH (Dibbelt, Strasser & Wagner 2016, "Customizable
Contraction Hierarchies", ACM JEA 21) through the ``routingkit-cch`` wheel (optional extra
``fast``) answers OD 1 000 x 1 000 on the N1000 graph of Norway (63 734 nodes) in 0.3-0.5 s,
against 2.5-3 s for the chain-contracted scipy Dijkstra of :mod:`arealsirk.network._engine` (same run,
shared 2-core machine at load 8-11; ``benchmarks/bench_ch.py``).  Its batched one-to-many query
pins one side once and sweeps the hierarchy per node of the other side -- the many-to-many
scheme of Knopp et al. 2007 in its CCH form.  A hierarchy of our own in numpy would not be
faster: the query is a sequential walk per node (no array-wide step to vectorise), and the
bucket join as a min-plus sparse product costs ~1e6 pairs x hundreds of shared hubs in numpy
(seconds).  Without the wheel everything runs on Dijkstra unchanged.

Exactness.  The library works on unsigned 32-bit integer weights.  Edge costs are therefore
rounded to a grid of ``1/scale`` (``scale`` a power of two, chosen per graph and weight as the
finest that keeps every finite cost below 2**30; 1/2048 s for travel time and 1/128 m for length
on N1000): the returned cost of a pair is *exactly* ``(Dijkstra on the rounded weights) / scale``,
and differs from the float Dijkstra cost by at most half a grid step per edge of the path
(measured on N1000 1 000 x 1 000: at most 0.015-0.02 s, relative 7e-6).  Integer-valued weights
(DIMACS, whole metres or seconds) are reproduced exactly.  Unreachable pairs and pairs in
different road parts are ``inf``.

The bound that fixes ``scale``: from one root in the strongly connected core of every part, a
forward and a backward Dijkstra give ``d(u, v) <= d(u, root) + d(root, v)`` for every pair whose
both legs are finite ("covered" nodes).  Pairs with an uncovered node (a node on a one-way stub
outside the core) are answered by Dijkstra on the rounded weights instead, so no cost can
overflow the integer range (RoutingKit's infinity is 2**31 - 1).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ._engine import PreparedGraph

log = logging.getLogger("arealsirk")

__all__ = ["METHODS", "Hierarchy", "available", "ch_costs", "hierarchy", "pays", "use_ch"]

#: Values of the ``method=`` option of :func:`arealsirk.network.proximity.od_matrix`.
METHODS = ("auto", "dijkstra", "ch")

#: The largest finite cost, in grid units, the rounding may produce (RoutingKit's infinity is
#: 2**31 - 1; a half-range margin keeps sums of two legs inside u32).
_MAX_UNITS = 2**30

#: Use the hierarchy only on graphs with at least this many nodes: below it scipy's Dijkstra
#: answers a 1 000 x 1 000 problem in well under a second and the build would not pay.
_MIN_NODES = 10_000

#: Cost model, in seconds, measured on the shared 2-core machine (load 6-8).  Dijkstra: 3e-7 s per
#: origin and searched node (N1000 Norway: 3.1 s per 1 000 origins on its 8 371 junctions; the
#: 450 x 450 benchmark grid, no chains: 45 ms per origin on 202 500 nodes).  A CCH sweep on
#: N1000: 0.1 ms plus 3.7e-7 s per pinned node (10 x 10: 0.001 s, 1 000 x 1 000: 0.3-0.52 s,
#: 100 x 20 000: 0.77 s); on graphs with big separators (the grid: 15 ms per sweep) it is far
#: slower; the model is NOT rescaled by measured times, so `auto` chooses the same way in every run
#: (reproducible answers).  The node
#: order: 0.35-0.7 s on N1000 with chain interiors first (6e-6 s per node), 2.4-4 s on N1000 and
#: 15.7 s on the grid by nested dissection of the whole graph (3.8e-5 to 7.8e-5 s per node).
_DIJKSTRA_PER_ORIGIN_NODE = 3e-7
_CCH_PER_SWEEP = 1e-4
_CCH_SWEEP_PER_PINNED = 3.7e-7
_ORDER_PER_NODE_CHAINS = 6e-6
_ORDER_PER_NODE = 6e-5

_INSTALL_HINT = ("method='ch' needs the optional package routingkit-cch: "
                 "pip install 'arealsirk[fast]' (or pip install routingkit-cch)")


def _lib() -> Any:
    """The ``routingkit_cch`` module, or None when it is not installed."""
    try:
        import routingkit_cch
    except ImportError:
        return None
    return routingkit_cch


def available() -> bool:
    """True when the optional ``routingkit-cch`` package can be imported."""
    return _lib() is not None


class Hierarchy:
    """A CCH of one prepared graph and weight, with its integer grid.

    On big graphs made mostly of degree-2 chains (N1000: 8 371 junctions of 63 734 nodes) the
    node order puts the chain interiors first and orders only the junction graph by nested
    dissection (:func:`_chain_first_order`); the hierarchy itself is always on the whole graph,
    so every node can be pinned or swept directly.

    Attributes
    ----------
    scale : float
        Grid: an edge cost ``w`` enters as ``round(w * scale)`` units (a power of two).
    covered : numpy.ndarray
        True for nodes whose costs the bound covers (see the module docstring).
    chain_first : bool
        True when the order came from :func:`_chain_first_order`.
    seconds_order, seconds_build : float
        Time of the node order (None when reused) and of the rest of the build.
    """

    def __init__(self, pg: PreparedGraph, order: list[int] | None = None) -> None:
        from scipy.sparse.csgraph import dijkstra

        from ._engine import _CONTRACT_MIN_NODES, _chains, _worth_contracting

        rk = _lib()
        if rk is None:
            from ..errors import InputError

            raise InputError(_INSTALL_HINT)
        t0 = time.perf_counter()
        csr, n = pg.csr, pg.n
        self.chain_first = bool(n >= _CONTRACT_MIN_NODES and _worth_contracting(pg, 0))
        self.calibration = 1.0  # fixed: the cost model is not rescaled by timings (reproducible choice)
        tail = np.repeat(np.arange(n, dtype=np.int64), np.diff(csr.indptr))
        head = np.asarray(csr.indices, dtype=np.int64)
        loop = tail == head
        tail, head, w = tail[~loop], head[~loop], np.asarray(csr.data, dtype=float)[~loop]
        # one root per part, in its strongly connected core: d(u, v) <= d(u, root) + d(root, v)
        part, core = pg.part, pg.core
        cand = np.flatnonzero(core)
        _, first = np.unique(part[cand], return_index=True)
        roots = cand[first]
        fwd = dijkstra(pg.csr, indices=roots, min_only=True)
        bwd = dijkstra(pg.csr_t, indices=roots, min_only=True)
        self.covered = np.isfinite(fwd) & np.isfinite(bwd)
        bound = float(np.max(fwd[self.covered], initial=0.0) + np.max(bwd[self.covered], initial=0.0))
        # every rounded edge (and chain leg) can add half a unit; a path has fewer than n edges
        bound = max(bound, float(w.max(initial=0.0)), 1e-9)
        exp = int(np.floor(np.log2((_MAX_UNITS - 2 * pg.n) / (bound * 1.01))))
        self.scale = float(2.0 ** min(exp, 40))
        units = np.rint(w * self.scale)
        self.n = n
        self.seconds_order = None
        if order is None:
            t1 = time.perf_counter()
            if self.chain_first:
                order = _chain_first_order(rk, pg, _chains(pg))
            else:
                order = _order(rk, n, tail, head, pg.xy)
            self.seconds_order = time.perf_counter() - t1
        self.order = order
        self._arcs = (tail.astype(np.int32), head.astype(np.int32), units.astype(np.int64))
        self._customise()
        self.seconds_build = time.perf_counter() - t0 - (self.seconds_order or 0.0)

    def _customise(self) -> None:
        rk = _lib()
        if rk is None:
            from ..errors import InputError

            raise InputError(_INSTALL_HINT)
        tail, head, units = self._arcs
        self.cch = rk.CCH(self.order, tail.tolist(), head.tolist(), False)
        self.metric = rk.CCHMetric(self.cch, units.tolist())

    def __getstate__(self) -> dict[str, Any]:
        """Pickle without the library objects (a prepared graph sent to another process);
        they are rebuilt from the order and arcs on unpickling (0.2 s on N1000)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("cch", "metric")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._customise()


def _order(rk: Any, n: int, tail: np.ndarray, head: np.ndarray, xy: np.ndarray) -> list[int]:
    """Nested-dissection order (RoutingKit's inertial flow) on node coordinates, or by degree
    when the graph has none."""
    if n and np.isfinite(xy).all():
        return rk.compute_order_inertial(n, tail.tolist(), head.tolist(), xy[:, 1].tolist(),
                                         xy[:, 0].tolist())
    return rk.compute_order_degree(n, tail.tolist(), head.tolist())


def _chain_first_order(rk: Any, pg: PreparedGraph, ch: Any) -> list[int]:
    """Order for graphs made mostly of degree-2 chains: chain interiors first (contracting a
    degree-2 node adds one shortcut and nothing else), within each chain as a 1-D nested
    dissection (odd positions first, then 2 mod 4, ...: elimination depth log2 of the chain
    length), then the junctions in RoutingKit's inertial nested-dissection order of the junction
    graph.  On N1000 this takes 0.4 s instead of 2.4-4 s for the whole graph, and the sweeps are
    2.5x faster than on the whole-graph order."""
    red, remap = ch.reduced(pg, np.zeros(0, dtype=np.int64))
    junction = np.flatnonzero(remap >= 0)
    rt = np.repeat(np.arange(red.shape[0], dtype=np.int64), np.diff(red.indptr))
    rh = np.asarray(red.indices, dtype=np.int64)
    keep = rt != rh
    j_order = np.asarray(_order(rk, red.shape[0], rt[keep], rh[keep], pg.xy[junction]), dtype=np.int64)
    k = np.arange(len(ch.node)) - ch.starts[ch.chain]  # position inside the chain walk
    interior = ~ch.core[ch.node]
    k = k[interior]
    level = np.log2(k & -k).astype(np.int64)  # trailing zeros: 0 for odd positions
    inner = ch.node[interior][np.argsort(level, kind="stable")]
    order = np.r_[inner, junction[j_order]].astype(np.int64)
    if len(order) != pg.n or len(np.unique(order)) != pg.n:  # not a permutation: never expected
        raise RuntimeError("chain-first order is not a permutation of the graph's nodes")
    return order.tolist()


def hierarchy(pg: PreparedGraph) -> Hierarchy:
    """The cached :class:`Hierarchy` of ``pg`` (built on first use; the node order is shared with
    the other weights of the same graph when their prepared forms have the same edges)."""
    h = getattr(pg, "_ch", None)
    if h is None:
        h = Hierarchy(pg, _ORDERS.get(_pattern_key(pg)))
        _ORDERS[_pattern_key(pg)] = h.order
        while len(_ORDERS) > 4:
            _ORDERS.pop(next(iter(_ORDERS)))
        pg._ch = h  # type: ignore[attr-defined]
    return h


#: Node orders by edge pattern (a few graphs): travel_time and length of one graph share one.
_ORDERS: dict[tuple[int, int, int], list[int]] = {}


def _pattern_key(pg: PreparedGraph) -> tuple[int, int, int]:
    import zlib

    c = pg.csr
    return (pg.n, c.nnz, zlib.crc32(np.ascontiguousarray(c.indices).tobytes(),
                                     zlib.crc32(np.ascontiguousarray(c.indptr).tobytes())))


def pays(pg: PreparedGraph, n_src: int, n_tgt: int) -> bool:
    """Whether the hierarchy is expected to beat Dijkstra for ``n_src`` x ``n_tgt`` distinct
    nodes: a big graph, the package installed, and the cost model of the measured constants
    (Dijkstra from the smaller side over the graph vs one CCH sweep per node of the smaller side).

    The one-off node order (seconds on a national graph) is paid by the ski-rental rule: while
    it is not built, each query where the hierarchy would have been faster adds the time it would
    have saved to a credit on ``pg``; the order is built once that credit reaches its cost (at
    once for OD 1 000 x 1 000 on N1000, whose saving, ~2.5 s, exceeds the ~0.5 s build).  Small
    jobs thus never pay for an order they do not amortise, and a session of them switches to the
    hierarchy after at most twice the order's cost in lost time.
    """
    if pg.n < _MIN_NODES or not available():
        return False
    from ._engine import _worth_contracting

    small, big = min(n_src, n_tgt), max(n_src, n_tgt)
    chains = _worth_contracting(pg, small)  # computes pg._junction_share on first call
    searched = pg.n * (getattr(pg, "_junction_share", 1.0) if chains else 1.0)
    t_dijkstra = small * searched * _DIJKSTRA_PER_ORIGIN_NODE
    h = getattr(pg, "_ch", None)
    t_ch = small * _sweep_model(min(big, pg.n)) * (h.calibration if h is not None else 1.0)
    if t_ch >= t_dijkstra:
        return False
    if h is not None or _pattern_key(pg) in _ORDERS:
        return True
    credit = getattr(pg, "_ch_credit", 0.0) + (t_dijkstra - t_ch)
    pg._ch_credit = credit  # type: ignore[attr-defined]
    per_node = _ORDER_PER_NODE_CHAINS if _worth_contracting(pg, 0) else _ORDER_PER_NODE
    return credit >= pg.n * per_node


def _sweep_model(pinned: int) -> float:
    """Modelled seconds of one CCH sweep against ``pinned`` nodes (N1000 constants)."""
    return _CCH_PER_SWEEP + _CCH_SWEEP_PER_PINNED * pinned


def use_ch(method: str, pg: PreparedGraph | None, src: np.ndarray | None, tgt: np.ndarray | None
           ) -> bool:
    """Resolve ``method=`` for a query: True to run :func:`ch_costs`.

    Raises
    ------
    InputError
        For an unknown method, or ``"ch"`` without the optional package (with the install hint).
    """
    from ..errors import InputError

    if method not in METHODS:
        raise InputError(f"method must be one of {', '.join(map(repr, METHODS))}, got {method!r}")
    if method == "dijkstra" or pg is None:  # pg None: only check the value
        return False
    if method == "ch":
        if not available():
            raise InputError(_INSTALL_HINT)
        return True
    if src is None or tgt is None:
        return False
    n_s, n_t = len(np.unique(src)), len(np.unique(tgt))
    return n_s * n_t > 1 and pays(pg, n_s, n_t)


def ch_costs(pg: PreparedGraph, src: np.ndarray, tgt: np.ndarray, *, limit: float = np.inf,
             check: Callable[[float, str], None] | None = None) -> np.ndarray:
    """Dense (len(src), len(tgt)) matrix of shortest costs between matrix positions on the CCH.

    Equal to :func:`arealsirk.network._engine.shortest_costs` on the weights rounded to the grid of
    :class:`Hierarchy` (see the module docstring); ``inf`` where unreachable or above ``limit``.
    """
    from ._engine import shortest_costs

    rk = _lib()
    h = hierarchy(pg)
    us, inv_s = np.unique(src, return_inverse=True)
    ut, inv_t = np.unique(tgt, return_inverse=True)
    cs, ct = h.covered[us], h.covered[ut]
    if cs.all() and ct.all():
        out = _sweep(rk, h, us, ut, check)
        out /= h.scale
    else:
        out = np.full((len(us), len(ut)), np.inf)
        if cs.any() and ct.any():
            out[np.ix_(cs, ct)] = _sweep(rk, h, us[cs], ut[ct], check) / h.scale
    # uncovered nodes (one-way stubs outside a part's core): Dijkstra on the rounded weights
    if (~cs).any() or (~ct).any():
        rounded = _rounded(pg, h)
        if (~cs).any():
            out[~cs] = shortest_costs(rounded, us[~cs], ut, contract=False) / h.scale
        if (~ct).any():
            out[:, ~ct] = shortest_costs(rounded, us, ut[~ct], contract=False) / h.scale
    if np.isfinite(limit):
        out[out > limit] = np.inf
    inv_s, inv_t = inv_s.reshape(-1), inv_t.reshape(-1)
    if len(us) < len(src) or (np.diff(src) < 0).any():
        out = out[inv_s]
    if len(ut) < len(tgt) or (np.diff(tgt) < 0).any():
        out = out[:, inv_t]
    return out


def _sweep(rk: Any, h: Hierarchy, s: np.ndarray, t: np.ndarray,
           check: Callable[[float, str], None] | None) -> np.ndarray:
    """Integer costs s x t: pin the larger side, one CCH sweep per node of the smaller side."""
    forward = len(s) <= len(t)
    if forward:
        one = rk.CCHOneToMany(h.metric, t.tolist()).distances_from
    else:
        one = rk.CCHManyToOne(h.metric, s.tolist()).distances_to
    loop = s if forward else t
    rows = []
    step = max(1, len(loop) // 20)
    for k, v in enumerate(loop.tolist()):
        if check is not None and k % step == 0:
            check(k / len(loop), f"shortest paths (contraction hierarchy) {k}/{len(loop)}")
        rows.append(one(v))
    # No rescaling of the cost model by measured time: the choice between the hierarchy and Dijkstra
    # (and so the grid rounding of the costs) must be the same in every run of the same inputs.
    d = np.array(rows, dtype=float).reshape(len(loop), -1)  # None (unreachable) -> nan
    d[np.isnan(d)] = np.inf
    return d if forward else d.T


def _rounded(pg: PreparedGraph, h: Hierarchy) -> PreparedGraph:
    """A prepared graph with the rounded integer weights (for the uncovered nodes)."""
    import copy

    r = getattr(h, "_rounded", None)
    if r is None:
        r = copy.copy(pg)
        r.csr = pg.csr.copy()
        r.csr.data = np.rint(r.csr.data * h.scale)
        r._csr_t = None
        h._rounded = r  # type: ignore[attr-defined]
    return r
