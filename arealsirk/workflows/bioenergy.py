"""Bioenergy: forest residue (GROT) to wood-chip heating plants.

A profile of the shared feedstock machinery (:mod:`arealsirk.workflows._feedstock`).
Per plant: fuel (t/yr), heat delivered (GWh/yr) = tonnes x ``resources.forest_residue_mwh_per_t``
/ 1e3 x ``bioenergy.boiler_efficiency``, tonne-km and transport CO2.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ..resources import forest_residue_gwh, parameter
from ._feedstock import Profile, run_profile
from ._messages import Message
from ._result import WorkflowResult

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from ..suitability.constraints import Exclusions

__all__ = ["BIOENERGY", "site_bioenergy"]

_KINDS = ("forest_residue", "wood_chips", "grot")


def _benefits(alloc: pd.DataFrame, params: Mapping[str, Any]) -> dict[str, np.ndarray]:
    fuel = forest_residue_gwh(alloc["quantity"].to_numpy(dtype=float), params)
    return {"energy_gwh": fuel * parameter("bioenergy.boiler_efficiency", params)}


BIOENERGY = Profile(
    name="bioenergy",
    facility_type="bioenergy_plant",
    prefix="bioenergy",
    existing_types=("bioenergy_plant", "heating_plant", "district_heating"),
    accepts=lambda k, params: k in _KINDS,
    reject_reason=Message("reason.bioenergy"),
    benefits=_benefits,
)


def site_bioenergy(
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
    exclusions: Exclusions | gpd.GeoDataFrame | None = None,
    exact: bool = False,
    time_limit: float | None = None,
    progress: Any = None,
    is_cancelled: Any = None,
) -> WorkflowResult:
    """Site wood-chip heating plants for forest residue.

    Same inputs and outputs as :func:`~arealsirk.workflows.site_biogas` (defaults under
    ``bioenergy.*``: max_km 50, min_plant_t, capacity_t), with ``energy_gwh`` the heat
    delivered; sources of other kinds are ignored with a message; existing plants are
    rows with ``facility_type`` "bioenergy_plant"/"heating_plant".

    Parameters
    ----------
    sources
        Points (or polygons) with ``id``, ``kind``, ``quantity``, ``unit`` (a mass unit, t/yr after
        conversion). Kinds ``forest_residue``, ``wood_chips`` and ``grot`` are feedstock; other kinds are
        left out, counted in the balance with the reason; an unknown unit is an error.
    candidates
        Candidate sites (points or polygons, ``id``/``name`` used when present).
    roads
        Road lines (:func:`arealsirk.network.graph_from_roads`) or a graph.
    count
        Total number of plants, existing ones included; ``None`` (default) lets the cost model
        choose (fixed cost ``bioenergy.plant_fixed_tkm``, 200000 tonne-km/yr, per new plant).
    max_km
        Longest road transport from a source to its plant, km, for every kind; ``None``
        (default): ``bioenergy.max_km.<kind>`` when the table has the kind's row, else
        ``bioenergy.max_km`` (50 km).
    min_plant_t, capacity_t
        Minimum and maximum feedstock of a new plant, t/yr; ``None``: ``bioenergy.min_plant_t``
        (4000 t/yr) and ``bioenergy.capacity_t`` (40000 t/yr). Existing plants use their
        ``capacity_t`` column.
    existing
        Existing facilities; rows with ``facility_type`` ``"bioenergy_plant"``, ``"heating_plant"`` or
        ``"district_heating"`` are kept open (case-insensitive); rows of other types are left out
        without a message (the pipeline passes only this theme's rows).
    kommuner
        Kommune polygons for the per-kommune table; optional.
    parameters
        Overrides of defaults-table keys (``bioenergy.*``, ``resources.*``);
        ``bioenergy.boiler_efficiency`` and ``resources.forest_residue_mwh_per_t`` set the heat.
    exclusions
        Where no new plant may be: an :class:`~arealsirk.suitability.constraints.Exclusions`
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
        Bad layers, unknown units, ``min_plant_t`` above ``capacity_t``.
    InfeasibleError
        No site can reach the minimum size within ``max_km``, or ``count`` cannot be met.
    """
    return run_profile(BIOENERGY, locals())
