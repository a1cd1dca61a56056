"""Reuse centres: maximal coverage / p-median on drive times (being written)."""

from __future__ import annotations

from typing import Any

from ._result import WorkflowResult

__all__ = ["site_reuse_centres"]


def site_reuse_centres(demand: Any, candidates: Any, roads: Any, *, population_column: str = "population",
                       count: int = 3, max_minutes: float | None = None, existing: Any = None,
                       kommuner: Any = None, objective: str = "coverage", progress: Any = None,
                       is_cancelled: Any = None) -> WorkflowResult:
    """Site reuse centres (contract; implementation lands with arealsirk.locate/proximity)."""
    raise NotImplementedError("site_reuse_centres waits for arealsirk.locate.max_coverage")
