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
    """
    return run_profile(BIOENERGY, locals())
