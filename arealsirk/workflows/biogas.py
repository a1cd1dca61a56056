"""Biogas plants: capacitated facility location for manure, food waste and sludge (being written)."""

from __future__ import annotations

from typing import Any

from ._result import WorkflowResult

__all__ = ["site_biogas"]


def site_biogas(sources: Any, candidates: Any, roads: Any, *, count: int | None = None,
                max_km: float | None = None, min_plant_t: float | None = None,
                capacity_t: float | None = None, existing: Any = None, kommuner: Any = None,
                parameters: Any = None, progress: Any = None, is_cancelled: Any = None) -> WorkflowResult:
    """Site biogas plants (contract; implementation lands with arealsirk.locate.facility_location)."""
    raise NotImplementedError("site_biogas waits for arealsirk.locate.facility_location")
