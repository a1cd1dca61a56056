"""Ferry crossings joined to the road network: each ferry line's ends moved to the nearest road.

Used by the graph builder (:func:`arealsirk.network.graph_from_roads`) and re-exported by
:mod:`arealsirk.readers.roads`, where it used to live (the readers import the network stage,
never the other way round).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

log = logging.getLogger("arealsirk")

__all__ = ["join_ferry_ends"]


def join_ferry_ends(lines: np.ndarray, ferry: np.ndarray, max_m: float | None, at: str = "", *,
                    parameters: Any = None) -> np.ndarray:
    """Join ferry ends that stop short of the road (in the water at the quay) to the nearest road.

    Kartverket N1000 draws ferry links between quays that end some tens to hundreds of metres from
    the road (median 90 m over 480 ends); without a join the ferry is an island in the graph. Each
    such end within ``max_m`` (default ``readers.ferry_connect_m``) gets one more vertex: the nearest
    point of the nearest non-ferry line (the network builder splits that line there).  Ends already
    within 1 m of a road are left alone, so joining twice changes nothing.

    Parameters
    ----------
    lines
        Single-part LineStrings.
    ferry
        True for ferry lines.
    max_m
        Join limit in metres (None: the defaults row or its override in ``parameters``); 0 joins
        nothing, a negative value is an :class:`~arealsirk.errors.InputError`.
    at
        Prefix of the log line (``"roads.gpkg, layer 'vegnett': "``), so the log says which layer
        was joined; default ``""``.
    parameters
        Defaults-table overrides; only ``readers.ferry_connect_m`` is read, and only when ``max_m``
        is ``None``. ``None`` (default) uses the table.

    Returns
    -------
    numpy.ndarray
        The lines, ferry lines extended where joined.
    """
    import shapely

    from .._validate import check_number
    from ..resources import parameter

    limit = check_number(parameter("readers.ferry_connect_m", parameters) if max_m is None else max_m,
                         "connect_ferries_m", minimum=0)
    ferry = np.asarray(ferry, dtype=bool)
    geoms = np.asarray(lines, dtype=object).copy()
    if limit <= 0 or not ferry.any() or ferry.all():
        return geoms
    land = geoms[~ferry]
    tree = shapely.STRtree(land)
    idx = np.flatnonzero(ferry)
    coords, owner = shapely.get_coordinates(geoms[idx], return_index=True)
    last = np.cumsum(np.bincount(owner, minlength=len(idx))) - 1
    first = np.r_[0, last[:-1] + 1]
    ends = shapely.points(np.r_[coords[first], coords[last]])  # all starts, then all ends
    nearest = tree.nearest(ends)
    dist = shapely.distance(land[nearest], ends)
    join = (dist > 1.0) & (dist <= limit)
    far = int((dist > limit).sum())
    joined = int(join.sum())
    quay = np.full((len(ends), 2), np.nan)
    if joined:  # the point on the road nearest to the ferry end
        quay[join] = shapely.get_coordinates(shapely.get_point(shapely.shortest_line(land[nearest[join]],
                                                                                     ends[join]), 0))
    k = len(idx)
    for j in np.flatnonzero(join[:k] | join[k:]):
        c = coords[first[j]:last[j] + 1]
        if join[j]:
            c = np.vstack([quay[j], c])
        if join[k + j]:
            c = np.vstack([c, quay[k + j]])
        geoms[idx[j]] = shapely.LineString(c)
    if joined or far:
        log.info("%sjoined %d ferry end(s) to the nearest road (within %g m); %d end(s) farther away "
                 "left as they are (islands without roads?)", at, joined, limit, far)
    return geoms
