"""Textile reuse: used-textile collection points to collection-and-sorting sites.

A profile of the shared feedstock machinery (:mod:`arealsirk.workflows._feedstock`).
Per site: textiles received (t/yr), textiles sold for reuse (t/yr) = tonnes x
``textiles.reuse_share``, tonne-km and transport CO2.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ..resources import parameter
from ._feedstock import Profile, run_profile
from ._messages import Message
from ._result import WorkflowResult

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from ..suitability.constraints import Exclusions

__all__ = ["TEXTILES", "site_textile_reuse"]

_KINDS = ("textiles", "textile", "tekstiler")


def _benefits(alloc: pd.DataFrame, params: Mapping[str, Any]) -> dict[str, np.ndarray]:
    return {"reused_t": alloc["quantity"].to_numpy(dtype=float) * parameter("textiles.reuse_share", params)}


TEXTILES = Profile(
    name="textile_reuse",
    facility_type="textile_site",
    prefix="textiles",
    existing_types=("textile_site", "sorting_site", "reuse_centre"),
    accepts=lambda k, params: k in _KINDS,
    reject_reason=Message("reason.textiles"),
    benefits=_benefits,
    min_key="min_site_t",
)


def site_textile_reuse(
    sources: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    roads: Any,
    *,
    count: int | None = None,
    max_km: float | None = None,
    min_site_t: float | None = None,
    capacity_t: float | None = None,
    existing: gpd.GeoDataFrame | None = None,
    kommuner: gpd.GeoDataFrame | None = None,
    parameters: Mapping[str, Any] | None = None,
    exclusions: Exclusions | gpd.GeoDataFrame | None = None,
    exact: bool = False,
    time_limit: float | None = None,
    progress: Any = None,
    is_cancelled: Any = None,
) -> WorkflowResult:
    """Site collection-and-sorting sites for used textiles.

    Same inputs and outputs as :func:`~arealsirk.workflows.site_biogas` (defaults under
    ``textiles.*``: max_km 100, min_site_t, capacity_t), with ``reused_t`` the textiles
    sold for reuse.  Existing sites: ``facility_type`` "textile_site"/"sorting_site"/"reuse_centre".

    Parameters
    ----------
    sources
        Points (or polygons) with ``id``, ``kind``, ``quantity``, ``unit`` (a mass unit, t/yr after
        conversion). Kinds ``textiles``, ``textile`` and ``tekstiler`` are feedstock; other kinds are left
        out, counted in the balance with the reason; an unknown unit is an error.
    candidates
        Candidate sites (points or polygons, ``id``/``name`` used when present).
    roads
        Road lines (:func:`arealsirk.network.graph_from_roads`) or a graph.
    count
        Total number of sites, existing ones included; ``None`` (default) lets the cost model
        choose (fixed cost ``textiles.plant_fixed_tkm``, 50000 tonne-km/yr, per new site).
    max_km
        Longest road transport from a source to its site, km, for every kind; ``None``
        (default): ``textiles.max_km.<kind>`` when the table has the kind's row, else
        ``textiles.max_km`` (100 km).
    min_site_t, capacity_t
        Minimum and maximum feedstock of a new site, t/yr; ``None``: ``textiles.min_site_t``
        (50 t/yr) and ``textiles.capacity_t`` (10000 t/yr). Existing sites use their
        ``capacity_t`` column.
    existing
        Existing facilities; rows with ``facility_type`` ``"textile_site"``, ``"sorting_site"`` or
        ``"reuse_centre"`` are kept open (case-insensitive); rows of other types are left out
        without a message (the pipeline passes only this theme's rows).
    kommuner
        Kommune polygons for the per-kommune table; optional.
    parameters
        Overrides of defaults-table keys (``textiles.*``, ``resources.*``); ``textiles.reuse_share`` sets
        ``reused_t``.
    exclusions
        Where no new site may be: an :class:`~arealsirk.suitability.constraints.Exclusions`
        (protected areas, lakes, a DEM for the slope limit, other polygons) or a polygon layer
        (read as ``other``); removed candidates are listed in ``tables["excluded"]``.
    exact, time_limit
        Passed to :func:`arealsirk.locate.facility_location`: ``exact=True`` also solves the full
        MILP; ``time_limit`` in seconds (``None``: no limit).
    progress
        Callback ``progress(fraction, message)`` receiving the overall fraction done in [0, 1] and
        the current step (see :mod:`arealsirk.progress`); ``None`` (default) reports nothing.
    is_cancelled
        Callback returning ``True`` when the user asks to stop; polled between steps (and inside the
        location model's solver), then :class:`~arealsirk.errors.CancelledError` is raised. ``None``
        (default): never cancelled.

    Returns
    -------
    WorkflowResult
        As :func:`~arealsirk.workflows.site_biogas`: layers ``selected_sites``, ``allocation``,
        ``catchments``, ``sources``; tables ``by_kommune``, ``feedstock_mix``, ``balance``.

    Raises
    ------
    InputError
        Bad layers, unknown units, ``min_site_t`` above ``capacity_t``.
    InfeasibleError
        No site can reach the minimum size within ``max_km``, or ``count`` cannot be met.
    """
    return run_profile(TEXTILES, locals())
