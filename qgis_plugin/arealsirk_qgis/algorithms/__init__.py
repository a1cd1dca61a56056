"""One module per Processing algorithm; :data:`ALGORITHMS` lists them in toolbox order.

Algorithm ids (``arealsirk:<name>``) are a public contract used by saved models
and scripts: never rename them.
"""

from __future__ import annotations

from .od_matrix import OdMatrix
from .service_areas import ServiceAreas
from .site_bioenergy import SiteBioenergy
from .site_biogas import SiteBiogas
from .site_industrial_parks import SiteIndustrialParks
from .site_reuse_centres import SiteReuseCentres
from .site_textile_reuse import SiteTextileReuse
from .suitability import Suitability
from .symbiosis_matches import SymbiosisMatches
from .web_map import WebMap

ALGORITHMS = (
    SiteBiogas,
    SiteBioenergy,
    SiteTextileReuse,
    SiteReuseCentres,
    SiteIndustrialParks,
    SymbiosisMatches,
    Suitability,
    OdMatrix,
    ServiceAreas,
    WebMap,
)

__all__ = ["ALGORITHMS"]
