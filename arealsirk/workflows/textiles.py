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
    """
    return run_profile(TEXTILES, locals())
