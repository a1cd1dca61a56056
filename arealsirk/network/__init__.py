"""Stage 1, the network: road graphs, the shortest-path engine and proximity.

* :mod:`arealsirk.network.graph` -- routable road graphs from road layers, OSM files or
  osmnx, snapping, parts and land (this package re-exports it, so
  ``from arealsirk.network import graph_from_roads`` keeps working);
* :mod:`arealsirk.network._engine` -- the cached scipy form of a graph and the batched,
  parallel Dijkstra (private to this package; ``arealsirk._graph`` is its old name);
* :mod:`arealsirk.network.proximity` -- OD matrices, nearest facility and service areas
  (``arealsirk.proximity`` is its old name).

Import rules (docs/architecture.md): this package imports no workflow, theme, web map,
pipeline or CLI.
"""

from __future__ import annotations

from typing import Any

from . import graph as _graph_module
from ._engine import chain_arrays, disk_cache
from .graph import *  # noqa: F403  (the package is the old arealsirk.network module)
from .graph import __all__ as _graph_all
from .graph import finish_graph, network_parameters

#: the graph module's public names, plus what the road reader needs to cache a graph on disk
__all__ = [*_graph_all, "chain_arrays", "disk_cache", "finish_graph", "network_parameters"]


def __getattr__(name: str) -> Any:
    """Names of :mod:`arealsirk.network.graph` outside ``__all__`` (as the old flat module had)."""
    try:
        return getattr(_graph_module, name)
    except AttributeError:
        raise AttributeError(f"module 'arealsirk.network' has no attribute {name!r}") from None
