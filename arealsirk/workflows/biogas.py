"""Biogas plants: manure, food waste and sewage sludge to centralised co-digestion plants.

A profile of the shared feedstock machinery (:mod:`arealsirk.workflows._feedstock`):
capacitated facility location with a minimum plant size, a maximum transport
distance and existing plants kept.  Per plant it reports the feedstock mix (t/yr),

* methane (Nm3/yr) = sum over allocated tonnes x yield(kind) (``resources.methane_nm3_per_t.<kind>``,
  Miljødirektoratet M-1533|2019 ranges),
* energy (GWh/yr) = methane x ``resources.kwh_per_nm3_methane`` / 1e6,
* tonne-km, transport CO2 (``resources.co2_kg_per_tkm``) and truck trips (payload per kind).

Catchments are the convex hull of each plant's allocated sources (buffered
``resources.catchment_buffer_m``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ..resources import energy_gwh_from_methane, has_methane_yield, methane_yield, per_kind
from ._feedstock import Profile, run_profile
from ._messages import Message
from ._result import WorkflowResult

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from ..suitability.constraints import Exclusions

__all__ = ["BIOGAS", "site_biogas"]


def _benefits(alloc: pd.DataFrame, params: Mapping[str, Any]) -> dict[str, np.ndarray]:
    y = per_kind(methane_yield, alloc["kind"].to_numpy(), params)  # once per distinct kind
    ch4 = alloc["quantity"].to_numpy(dtype=float) * y
    return {"methane_nm3": ch4, "energy_gwh": energy_gwh_from_methane(ch4, params)}


BIOGAS = Profile(
    name="biogas",
    facility_type="biogas_plant",
    prefix="biogas",
    existing_types=("biogas_plant",),
    accepts=lambda k, params: has_methane_yield(k, params),
    reject_reason=Message("reason.biogas"),
    benefits=_benefits,
)


def site_biogas(
    sources: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    roads: Any,
    *,
    count: int | None = None,
    max_km: float | None = None,
    min_plant_t: float | None = None,
    capacity_t: float | None = None,
    existing: gpd.GeoDataFrame | None = None,
    kommuner: gpd.GeoDataFrame | None = None,
    parameters: Mapping[str, Any] | None = None,
    kinds: Any = None,
    exclusions: Exclusions | gpd.GeoDataFrame | None = None,
    exact: bool = False,
    time_limit: float | None = None,
    progress: Any = None,
    is_cancelled: Any = None,
) -> WorkflowResult:
    """Site biogas plants for manure, food waste and sludge.

    Parameters
    ----------
    sources
        Points (or polygons) with ``id``, ``kind``, ``quantity``, ``unit``.  Kinds
        without a methane yield are ignored with a message; an unknown unit is an error.
    candidates
        Candidate sites (points or polygons, ``id``/``name`` used when present).
    roads
        Road lines (:func:`arealsirk.network.graph_from_roads`) or a graph.
    count
        Total number of plants, existing ones included; ``None`` lets the cost model choose
        (fixed cost ``biogas.plant_fixed_tkm`` per new plant).
    max_km
        Longest road transport from a source to its plant, km, for every kind; ``None`` (default):
        the kind's row ``biogas.max_km.<kind>`` (15 km for manure, 100 km for food waste and
        sludge), else ``biogas.max_km`` (15 km).
    min_plant_t, capacity_t
        Minimum and maximum feedstock of a new plant, t/yr (``biogas.min_plant_t``,
        ``biogas.capacity_t``).  Existing plants use their ``capacity_t`` column.
    existing
        Existing facilities; rows with ``facility_type == "biogas_plant"`` (case-insensitive) are
        kept open; rows of other types are left out without a message (the pipeline passes only
        this theme's rows).
    kommuner
        Kommune polygons for the per-kommune table.
    parameters
        Overrides of defaults-table keys, e.g. ``{"resources.methane_nm3_per_t.food_waste": 105}``.
    kinds
        Restrict to these kinds; a kind without a methane yield is then an error.
    exclusions
        Where no new site may be: an :class:`~arealsirk.constraints.Exclusions` (protected areas,
        lakes, settlements with their buffer rows, a DEM for the slope limit, other polygons) or a
        polygon layer (read as ``other``); removed candidates are listed in ``tables["excluded"]``.
    exact, time_limit
        Passed to :func:`arealsirk.locate.facility_location`.
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
        layers ``selected_sites`` (feedstock_t, methane_nm3, energy_gwh, tonne_km, co2_t ...),
        ``allocation``, ``catchments``, ``sources`` (collected/uncollected t); tables
        ``by_kommune`` (see :func:`~arealsirk.workflows.fairness.kommune_fairness`) and
        ``feedstock_mix`` (t/yr per site and kind).

    Raises
    ------
    InputError
        Bad layers, unknown units, a requested kind without a yield.
    InfeasibleError
        When no site can reach the minimum plant size within ``max_km`` (the message names
        the best candidate and its reachable tonnes), or ``count`` cannot be met.
    """
    return run_profile(BIOGAS, locals())
