"""arealsirk:site_textile_reuse -> arealsirk.workflows.site_textile_reuse.

The inputs and outputs of :class:`~.site_biogas.SiteBiogas` for used-textile collection points
and collection-and-sorting sites; defaults under ``textiles.*``; the minimum size is MIN_SITE_T.
"""

from __future__ import annotations

from .site_biogas import SiteBiogas


class SiteTextileReuse(SiteBiogas):
    NAME = "site_textile_reuse"
    TITLE = ("Site textile sorting sites", "Lokaliser sorteringsanlegg for tekstiler")
    TAGS = (
        "textiles,reuse,sorting,collection,facility location,tonne-km",
        "tekstiler,ombruk,sortering,innsamling,tonnkilometer",
    )
    NUMBERS = ("feedstock_t", "reused_t", "tonne_km", "co2_t")
    FUNCTION = "site_textile_reuse"
    PREFIX = "textiles"
    MIN_KEYWORD = "min_site_t"
    MIN_PLANT_T = "MIN_SITE_T"
    SOURCES_LABEL = ("Textile collection points (kind textiles)",
                     "Innsamlingspunkter for tekstiler (type textiles)")
    KIND_LABEL = ("Kind field (textiles; other kinds are ignored with a note)",
                  "Felt med ressurstype (textiles)")
    COUNT_LABEL = ("Number of sites (0 = let transport vs site cost decide)",
                   "Antall anlegg (0 = avveid mot transportkostnad)")
    MAX_KM_LABEL = ("Maximum road distance point to site, km (empty = defaults table, textiles.max_km)",
                    "Maks veiavstand punkt-anlegg, km (tomt = standardtabellen, textiles.max_km)")
    MIN_LABEL = ("Minimum textiles of an open site (t/yr)", "Minste tekstilmengde per anlegg (t/år)")
    CAPACITY_LABEL = ("Capacity of a new site (t/yr)", "Kapasitet per nytt anlegg (t/år)")
    EXISTING_LABEL = ("Existing sorting sites (kept)", "Eksisterende sorteringsanlegg (beholdes)")
    OUTPUT_LABEL = ("Selected textile sorting sites", "Valgte sorteringsanlegg")
    ALLOCATION_LABEL = ("Textile allocation (point to site)", "Tilordning (punkt til anlegg)")
