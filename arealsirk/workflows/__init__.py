"""Domain workflows: biogas plants, reuse centres, circular industrial parks, symbiosis,
bioenergy and textile reuse, with per-kommune fairness tables and scenario comparison.

Every function validates its inputs with :func:`arealsirk._validate.validate_layer`,
takes keyword-only options plus ``progress``/``is_cancelled`` callables, and returns
a :class:`WorkflowResult` whose layers follow the results layer schema.  Heavy
modules (scipy, the network engine, the location models) are imported when a
function runs, not when this package is imported.
"""

from __future__ import annotations

from ._common import ids_of, kommune_of, points_of, road_km_matrix
from ._feedstock import haul_limits
from ._messages import Message
from ._messages import render as render_message
from ._result import WorkflowResult
from .bioenergy import site_bioenergy
from .biogas import site_biogas
from .compare import compare_scenarios
from .fairness import kommune_fairness
from .parks import site_industrial_parks
from .reuse import site_reuse_centres
from .symbiosis import KIND_ALIASES, symbiosis_matches
from .textiles import site_textile_reuse

__all__ = [
    "KIND_ALIASES",
    "Message",
    "WorkflowResult",
    "compare_scenarios",
    "haul_limits",
    "ids_of",
    "kommune_fairness",
    "kommune_of",
    "points_of",
    "render_message",
    "road_km_matrix",
    "site_bioenergy",
    "site_biogas",
    "site_industrial_parks",
    "site_reuse_centres",
    "site_textile_reuse",
    "symbiosis_matches",
]
