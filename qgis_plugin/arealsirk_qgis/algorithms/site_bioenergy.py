"""arealsirk:site_bioenergy -> arealsirk.workflows.site_bioenergy.

The inputs and outputs of :class:`~.site_biogas.SiteBiogas` (same parameter names), for forest
residue (GROT) and wood-chip heating plants; defaults under ``bioenergy.*``.
"""

from __future__ import annotations

from .site_biogas import SiteBiogas


class SiteBioenergy(SiteBiogas):
    NAME = "site_bioenergy"
    TITLE = ("Site bioenergy plants (wood chips)", "Lokaliser bioenergianlegg (flis)")
    TAGS = (
        "bioenergy,forest residue,GROT,wood chips,district heating,facility location,tonne-km",
        "bioenergi,hogstavfall,GROT,flis,fjernvarme,varmesentral,tonnkilometer",
    )
    NUMBERS = ("feedstock_t", "energy_gwh", "tonne_km", "co2_t")
    FUNCTION = "site_bioenergy"
    PREFIX = "bioenergy"
    MIN_KEYWORD = "min_plant_t"
    SOURCES_LABEL = ("Forest residue sources (kind forest_residue)",
                     "Kilder til hogstavfall (type forest_residue)")
    KIND_LABEL = ("Kind field (forest_residue, wood_chips; other kinds are ignored with a note)",
                  "Felt med ressurstype (forest_residue, wood_chips)")
    COUNT_LABEL = ("Number of plants (0 = let transport vs plant cost decide)",
                   "Antall anlegg (0 = avveid mot transportkostnad)")
    MAX_KM_LABEL = ("Maximum road distance source to plant, km (empty = defaults table, bioenergy.max_km)",
                    "Maks veiavstand kilde-anlegg, km (tomt = standardtabellen, bioenergy.max_km)")
    MIN_LABEL = ("Minimum fuel of an open plant (t/yr)", "Minste brenselsmengde per anlegg (t/år)")
    CAPACITY_LABEL = ("Fuel capacity of a new plant (t/yr)", "Brenselskapasitet per nytt anlegg (t/år)")
    EXISTING_LABEL = ("Existing heating plants (kept)", "Eksisterende varmesentraler (beholdes)")
    OUTPUT_LABEL = ("Selected bioenergy plants", "Valgte bioenergianlegg")
    ALLOCATION_LABEL = ("Fuel allocation (source to plant)", "Tilordning (kilde til anlegg)")
