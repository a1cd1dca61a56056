"""Domain workflows: biogas plants, reuse centres, circular industrial parks, symbiosis,
bioenergy and textile reuse, with per-kommune fairness tables and scenario comparison.

Every function validates its inputs with :func:`arealsirk._validate.validate_layer`,
takes keyword-only options plus ``progress``/``is_cancelled`` callables, and returns
a :class:`WorkflowResult` whose layers follow the results layer schema.
"""

from __future__ import annotations

from ._result import WorkflowResult
from .biogas import site_biogas
from .compare import compare_scenarios
from .reuse import site_reuse_centres
from .symbiosis import symbiosis_matches

__all__ = ["WorkflowResult", "compare_scenarios", "site_biogas", "site_reuse_centres", "symbiosis_matches"]
