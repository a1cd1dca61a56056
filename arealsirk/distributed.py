"""Proximity computations on a ``dask.distributed`` cluster, chunked by sources.

The graph (and the targets) are scattered once to every worker; each task calls the public
:mod:`arealsirk.proximity` function on one block of sources, so a task's answer is exactly the
single-machine answer for those rows and the blocks are stacked in order.  Workers keep the prepared
CSR graph cached between tasks (the cache is keyed by the graph object, which stays in the worker's
memory after the scatter).

``scheduler`` is a :class:`distributed.Client`, or the address of a running scheduler
(``"tcp://10.0.0.5:8786"``).  On a real cluster::

    dask scheduler                               # on the head machine, prints tcp://HOST:8786
    dask worker tcp://HOST:8786 --nthreads 1     # on every worker machine (same arealsirk version)

then ``arealsirk.distributed.od_matrix(graph, sources, targets, scheduler="tcp://HOST:8786")``.
Lazy dask collections (e.g. :func:`arealsirk.raster.weighted_overlay_dask`) run there with
:func:`compute`.  Needs the ``dask`` extra (``dask``, ``distributed``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import scipy.sparse as sp

from .errors import CancelledError, InputError

__all__ = ["compute", "nearest_facility", "od_matrix", "od_matrix_sparse"]


@contextmanager
def _client(scheduler: Any) -> Iterator[Any]:
    """A connected Client: the given one, or a new one for an address (closed afterwards)."""
    from ._optional import require

    distributed = require("distributed", extra="dask", purpose="running on a dask.distributed cluster")
    if isinstance(scheduler, distributed.Client):
        yield scheduler
        return
    if not isinstance(scheduler, str) or not scheduler:
        raise InputError(f"parameter 'scheduler': a dask.distributed Client or a scheduler address such "
                         f"as 'tcp://host:8786', got {scheduler!r}")
    try:
        client = distributed.Client(scheduler, timeout="10s")
    except OSError as exc:
        raise InputError(f"parameter 'scheduler': cannot reach the dask scheduler at {scheduler!r} "
                         f"({exc}); start it with `dask scheduler` and workers with `dask worker`") from exc
    try:
        yield client
    finally:
        client.close()


_SCATTERED: dict[tuple[int, int, str], tuple[Any, Any, Any]] = {}


def _same_prepared(a: Any, b: Any) -> bool:
    """Whether two prepared graphs route identically (same node order, matrix, coordinates, parts)."""
    return bool(a.n == b.n and np.array_equal(a.nodes, b.nodes) and np.array_equal(a.csr.indptr, b.csr.indptr)
                and np.array_equal(a.csr.indices, b.csr.indices) and np.array_equal(a.csr.data, b.csr.data)
                and np.array_equal(a.xy, b.xy, equal_nan=True) and np.array_equal(a.part, b.part)
                and np.array_equal(a.snappable, b.snappable))


def _shipped(graph: Any, weight: str, prepared: Any) -> Any:
    """The graph in the form sent to the workers: a road graph as its numpy arrays.

    A road graph of :func:`arealsirk.network.graph_from_roads` holds its noded roads as arrays; sent
    as those (plus the chain index for ``weight``, so no worker rebuilds it) it pickles in 0.02 s
    (14 MB for N1000) and a worker prepares it without networkx.  Once its networkx dicts are built
    (``G.nodes`` was read), pickling it whole copies every edge with its attributes (8 s, 26 MB on
    N1000) and each worker rebuilds the CSR from networkx -- this was the first-call overhead.  A
    built graph is sent as arrays only when the prepared form of the arrays equals the one the local
    call uses (``prepared``: an edited graph is never replaced by its stale arrays); else as itself.
    """
    from . import proximity
    from .network import RoadGraph, chain_arrays

    arrays = getattr(graph, "road_arrays", None)
    if arrays is None:
        return graph
    name = str(graph.graph.get("name", "roads"))
    if getattr(graph, "pending_counts", None) is None:           # networkx dicts built: check
        try:
            same = _same_prepared(prepared, proximity.prepare(RoadGraph(arrays, name=name), weight))
        except InputError:
            same = False
        if not same:
            return graph
    try:
        arrays = {**arrays, **chain_arrays(graph, weight)}
    except InputError:                                         # e.g. a weight the arrays do not hold
        return graph
    shell = RoadGraph(arrays, name=name)
    shell.graph.update(graph.graph)
    return shell


def _scattered_graph(client: Any, graph: Any, weight: str) -> Any:
    """The graph's future on this client, scattered on first use and kept for later calls.

    Later calls with the same Client reuse the same object on the workers, so their prepared-graph
    cache (keyed by the graph object) stays warm: only the first call pays for sending and preparing
    the graph.  The graph is prepared here first (as the local call would: a bad graph is refused
    before anything is sent); when that prepared form changes (``proximity.clear_cache`` after
    editing weights), the graph is sent again.  (A scheduler given as an address gets a new Client
    per call, hence a new scatter.)
    """
    import weakref

    from . import proximity

    prepared = proximity.prepare(graph, weight)
    key = (id(client), id(graph), weight)
    hit = _SCATTERED.get(key)
    if hit is not None and hit[0]() is graph and hit[1]() is prepared and hit[2].status == "finished":
        return hit[2]
    fut = client.scatter(_shipped(graph, weight, prepared), broadcast=True, hash=False)
    try:
        ref = weakref.ref(graph)
    except TypeError:                                   # not weak-referenceable: do not cache
        return fut
    for k in [k for k, (r, _, f) in _SCATTERED.items() if r() is None or f.status != "finished"]:
        del _SCATTERED[k]
    _SCATTERED[key] = (ref, weakref.ref(prepared), fut)
    return fut


def _road_graph(graph: Any, kwargs: dict) -> Any:
    """A road line layer given as the graph is built once here (as the local call builds it), not
    once per task on the workers."""
    import sys

    if "geopandas" in sys.modules:
        import geopandas as gpd

        if isinstance(graph, (gpd.GeoDataFrame, gpd.GeoSeries)):
            from .network import graph_from_roads

            return graph_from_roads(graph, parameters=kwargs.get("parameters"))
    return graph


def _blocks(n: int, client: Any, chunk_size: int | None) -> list[tuple[int, int]]:
    if chunk_size is None:
        threads = max(1, sum(client.nthreads().values()))
        chunk_size = max(1, math.ceil(n / threads))
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise InputError(f"parameter 'chunk_size': a whole number >= 1, got {chunk_size!r}")
    return [(a, min(a + chunk_size, n)) for a in range(0, n, chunk_size)]


def _take(items: Any, a: int, b: int) -> Any:
    return items.iloc[a:b] if hasattr(items, "iloc") else list(items)[a:b]


def _run(fn: Callable[..., Any], graph: Any, sources: Sequence[Any] | Any, other: Any, kwargs: dict, *,
         scheduler: Any, chunk_size: int | None, progress: Callable[[float, str], None] | None,
         is_cancelled: Callable[[], bool] | None, split_other: bool = False) -> list[Any]:
    """Scatter graph and the unsplit side once, one task per block, results in block order.

    ``split_other`` splits the second argument (targets) instead of the sources.
    """
    from distributed import as_completed

    graph = _road_graph(graph, kwargs)
    whole, parted = (sources, other) if split_other else (other, sources)
    n = len(parted)
    if n == 0:
        raise InputError(f"parameter '{'targets' if split_other else 'sources'}': nothing given")
    with _client(scheduler) as client:
        blocks = _blocks(n, client, chunk_size)
        g_f = _scattered_graph(client, graph, str(kwargs.get("weight", "travel_time")))
        # one future for the whole side, pickled as one object: scattering a list makes one future
        # per item (10 000 node ids -> 10 000 keys every task waits for: the old 8x overhead), and
        # even inside one future dask serialises a list item by item (4 s for 10 000 ids)
        w_f = client.scatter([_Box(whole)], broadcast=True, hash=False)[0]
        futures = [client.submit(_task, fn, g_f, w_f, _Box(_take(parted, a, b)), kwargs, split_other,
                                 pure=False) for a, b in blocks]
        order = {f.key: i for i, f in enumerate(futures)}
        out: list[Any] = [None] * len(futures)
        try:
            for done, fut in enumerate(as_completed(futures), start=1):
                if is_cancelled is not None and is_cancelled():
                    raise CancelledError("cancelled by the user")
                out[order[fut.key]] = fut.result()
                if progress is not None:
                    progress(done / len(futures), f"{fn.__name__}: {done} of {len(futures)} blocks")
        except BaseException:
            client.cancel(futures)
            raise
        return out


class _Box:
    """Sources or targets sent as one pickled object (not item by item, as dask sends a list)."""

    __slots__ = ("items",)

    def __init__(self, items: Any) -> None:
        self.items = items

    def __reduce__(self) -> tuple[type, tuple[Any]]:
        return (_Box, (self.items,))


def _task(fn: Callable[..., Any], graph: Any, whole: _Box, part: _Box, kwargs: dict,
          split_other: bool) -> Any:
    if split_other:
        return fn(graph, whole.items, part.items, **kwargs)
    return fn(graph, part.items, whole.items, **kwargs)


def _split_targets(sources: Any, targets: Any) -> bool:
    """Split the side the shortest-path searches start from (the smaller one, as the local path does),
    so every block searches in the same direction as the single-machine call and no search is repeated."""
    return len(targets) < len(sources)


def od_matrix(graph: Any, sources: Any, targets: Any, *, scheduler: Any, chunk_size: int | None = None,
              progress: Callable[[float, str], None] | None = None,
              is_cancelled: Callable[[], bool] | None = None, **kwargs: Any) -> np.ndarray:
    """:func:`arealsirk.proximity.od_matrix` computed by the workers of ``scheduler``, block by block.

    ``kwargs`` (``weight``, ``cutoff``, ``access``, ``max_snap_distance``) go to the proximity function
    unchanged.  The side the searches start from (sources, or targets when they are fewer -- the same
    choice the local call makes) is split into blocks of ``chunk_size`` (default: one block per worker
    thread).  Equal to the local result up to the order of floating-point additions (a block may use
    the contracted graph where the whole call does not: relative differences of 1e-16).

    Parameters
    ----------
    graph
        The road graph (networkx, e.g. from :func:`arealsirk.network.graph_from_roads`); scattered
        once to every worker.
    sources, targets
        Node ids, or GeoDataFrames to snap (as in the proximity function).
    scheduler
        A :class:`distributed.Client`, or the address of a running scheduler
        (``"tcp://host:8786"``; a client is opened and closed for the call).
    chunk_size
        Rows per block (a whole number >= 1); ``None`` (default): one block per worker thread.
    progress
        Callback ``progress(fraction, message)`` called as each block finishes; ``None``: none.
    is_cancelled
        Callback returning ``True`` to stop; checked as each block finishes, then the remaining
        blocks are cancelled and :class:`~arealsirk.errors.CancelledError` is raised.
    **kwargs
        Passed unchanged to :func:`arealsirk.proximity.od_matrix` (``weight``, ``cutoff``, ``access``,
        ``max_snap_distance``, ``parameters``).
    """
    from . import proximity

    by_t = _split_targets(sources, targets)
    parts = _run(proximity.od_matrix, graph, sources, targets, kwargs, scheduler=scheduler,
                 chunk_size=chunk_size, progress=progress, is_cancelled=is_cancelled, split_other=by_t)
    return np.hstack(parts) if by_t else np.vstack(parts)


def od_matrix_sparse(graph: Any, sources: Any, targets: Any, *, cutoff: float, scheduler: Any,
                     chunk_size: int | None = None, progress: Callable[[float, str], None] | None = None,
                     is_cancelled: Callable[[], bool] | None = None, **kwargs: Any) -> sp.csr_matrix:
    """:func:`arealsirk.proximity.od_matrix_sparse` on the cluster (pairs within ``cutoff`` only).

    Parameters
    ----------
    graph
        The road graph (networkx, e.g. from :func:`arealsirk.network.graph_from_roads`); scattered
        once to every worker.
    sources, targets
        Node ids, or GeoDataFrames to snap (as in the proximity function).
    cutoff
        Largest cost stored (unit of ``weight``), > 0.
    scheduler
        A :class:`distributed.Client`, or the address of a running scheduler
        (``"tcp://host:8786"``; a client is opened and closed for the call).
    chunk_size
        Rows per block (a whole number >= 1); ``None`` (default): one block per worker thread.
    progress
        Callback ``progress(fraction, message)`` called as each block finishes; ``None``: none.
    is_cancelled
        Callback returning ``True`` to stop; checked as each block finishes, then the remaining
        blocks are cancelled and :class:`~arealsirk.errors.CancelledError` is raised.
    **kwargs
        Passed unchanged to :func:`arealsirk.proximity.od_matrix_sparse` (``weight``, ``access``,
        ``max_snap_distance``, ``parameters``).
    """
    from . import proximity

    by_t = _split_targets(sources, targets)
    parts = _run(proximity.od_matrix_sparse, graph, sources, targets, dict(kwargs, cutoff=cutoff),
                 scheduler=scheduler, chunk_size=chunk_size, progress=progress, is_cancelled=is_cancelled,
                 split_other=by_t)
    return sp.hstack(parts, format="csr") if by_t else sp.vstack(parts, format="csr")


def nearest_facility(graph: Any, sources: Any, facilities: Any, *, scheduler: Any,
                     chunk_size: int | None = None, progress: Callable[[float, str], None] | None = None,
                     is_cancelled: Callable[[], bool] | None = None,
                     **kwargs: Any) -> tuple[np.ndarray, np.ndarray]:
    """:func:`arealsirk.proximity.nearest_facility` on the cluster: (facility index, cost) per source.

    Each block runs the same multi-source search from all facilities (it does not grow with the number
    of sources), so this pays only for very many sources (snapping dominates) -- results are equal.

    Parameters
    ----------
    graph
        The road graph (networkx, e.g. from :func:`arealsirk.network.graph_from_roads`); scattered
        once to every worker.
    sources
        Node ids, or a GeoDataFrame to snap; split into blocks.
    facilities
        Node ids, or a GeoDataFrame to snap; sent whole to every worker.
    scheduler
        A :class:`distributed.Client`, or the address of a running scheduler
        (``"tcp://host:8786"``; a client is opened and closed for the call).
    chunk_size
        Rows per block (a whole number >= 1); ``None`` (default): one block per worker thread.
    progress
        Callback ``progress(fraction, message)`` called as each block finishes; ``None``: none.
    is_cancelled
        Callback returning ``True`` to stop; checked as each block finishes, then the remaining
        blocks are cancelled and :class:`~arealsirk.errors.CancelledError` is raised.
    **kwargs
        Passed unchanged to :func:`arealsirk.proximity.nearest_facility` (``weight``, ``access``,
        ``max_snap_distance``, ``parameters``).
    """
    from . import proximity

    parts = _run(proximity.nearest_facility, graph, sources, facilities, kwargs, scheduler=scheduler,
                 chunk_size=chunk_size, progress=progress, is_cancelled=is_cancelled)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def compute(collection: Any, *, scheduler: Any) -> Any:
    """Compute a lazy dask collection (e.g. :func:`arealsirk.raster.weighted_overlay_dask`) on the cluster.

    The rasters the collection reads must be readable by the workers under the same path.

    Parameters
    ----------
    collection
        A lazy dask collection (array, dataframe, delayed).
    scheduler
        A :class:`distributed.Client`, or the address of a running scheduler.

    Returns
    -------
    Any
        The computed result (a numpy array for a dask array).
    """
    with _client(scheduler) as client:
        return client.compute(collection).result()
