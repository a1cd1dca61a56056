"""The words of the results' summaries: key-figure labels and units, workflow titles, status
words, the map panel's sentences and the per-kommune column headings (English and bokmål).

Used by ``summary.md`` (:meth:`arealsirk.workflows.WorkflowResult.summary_markdown`), the map
panel and report (:mod:`arealsirk.webmap.summary`), scenario comparison and the QGIS plugin.
"""

from __future__ import annotations

import re

from .strings import column_label

__all__ = [
    "KOMMUNE_COLUMNS",
    "PANEL_SENTENCES",
    "POPULATION_WORD",
    "STATUS_LABELS",
    "SUMMARY_LABELS",
    "SUMMARY_WORDS",
    "THEME_LABELS",
    "WORKFLOW_TITLES",
    "kommune_column_label",
]

#: Labels (en, nb) and units for summary keys, used by :meth:`WorkflowResult.summary_markdown`.
SUMMARY_LABELS: dict[str, tuple[str, str, str]] = {
    "workflow": ("Workflow", "Analyse", ""),
    "sites": ("Sites selected", "Valgte lokaliteter", ""),
    "sites_new": ("New sites", "Nye lokaliteter", ""),
    "sites_existing": ("Existing sites kept", "Eksisterende beholdt", ""),
    "feedstock_t": ("Feedstock", "Råstoff", "t/yr"),
    "feedstock_uncollected_t": ("Feedstock not collected", "Råstoff ikke samlet inn", "t/yr"),
    "methane_nm3": ("Methane", "Metan", "Nm3/yr"),
    "energy_gwh": ("Energy", "Energi", "GWh/yr"),
    "heat_gwh": ("Heat delivered", "Levert varme", "GWh/yr"),
    "tonne_km": ("Transport work", "Transportarbeid", "tonne-km/yr"),
    "co2_t": ("Transport CO2", "CO₂ fra transport", "t/yr"),
    "truck_trips": ("Truck trips", "Lastebilturer", "trips/yr"),
    "mean_km": ("Mean transport distance", "Gjennomsnittlig transportavstand", "km"),
    "population": ("Population", "Befolkning", "people"),
    "population_covered": ("People within the cutoff", "Personer innenfor grensen", "people"),
    "share_covered": ("Share within the cutoff", "Andel innenfor grensen", "%"),
    "mean_minutes": ("Mean travel time", "Gjennomsnittlig reisetid", "min"),
    "max_minutes": ("Drive-time cutoff", "Kjøretidsgrense", "min"),
    "centres_for_target": ("Centres needed for the target share", "Sentre som trengs for målet", ""),
    "matches": ("Symbiosis matches", "Symbiosekoblinger", ""),
    "matched_heat_gwh": ("Heat matched", "Varme koblet", "GWh/yr"),
    "matched_mass_t": ("Materials matched", "Materialer koblet", "t/yr"),
    "matched_water_m3": ("Water matched", "Vann koblet", "m3/yr"),
    "saving_nok": ("Saving", "Besparelse", "NOK/yr"),
    "reused_t": ("Textiles reused", "Tekstiler til ombruk", "t/yr"),
    "objective": ("Model objective", "Modellens målfunksjon", ""),
    "gap": ("Optimality gap", "Optimalitetsgap", ""),
}


#: Section headings per ``summary["workflow"]`` value: (English, bokmål).
WORKFLOW_TITLES: dict[str, tuple[str, str]] = {
    "biogas": ("Biogas plants", "Biogassanlegg"),
    "bioenergy": ("Bioenergy (wood-chip heating plants)", "Bioenergi (flisfyrte varmesentraler)"),
    "textile_reuse": ("Textile reuse", "Ombruk av tekstiler"),
    "reuse_centres (coverage)": (
        "Reuse centres (most people within the drive-time limit)",
        "Ombrukssentre (flest mulig innenfor kjøretidsgrensen)",
    ),
    "reuse_centres (median)": (
        "Reuse centres (shortest mean drive time)",
        "Ombrukssentre (kortest gjennomsnittlig kjøretid)",
    ),
    "reuse_centres (p_median)": (
        "Reuse centres (shortest mean drive time)",
        "Ombrukssentre (kortest gjennomsnittlig kjøretid)",
    ),
    "industrial_parks": ("Circular industrial parks", "Sirkulære næringsparker"),
    "symbiosis": ("Industrial symbiosis", "Industriell symbiose"),
}

#: Status words: (English, bokmål).
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "optimal": ("optimal", "optimal"),
    "feasible": ("feasible (a good solution, optimality not proven)", "god løsning (ikke bevist optimal)"),
    "infeasible": ("infeasible", "ingen gyldig løsning"),
}

#: Headings of ``summary.md``: (English, bokmål).
SUMMARY_WORDS: dict[str, tuple[str, str]] = {
    "headline": ("Where everyone and everything went", "Hvor alle og alt havnet"),
    "figure": ("Key figure", "Nøkkeltall"),
    "value": ("Value", "Verdi"),
    "notes": ("Notes", "Merknader"),
    # summary.md of a run (arealsirk.pipeline)
    "run_title": ("Summary", "Sammendrag"),
    "map_title": ("Siting circular facilities", "Plassering av sirkulære anlegg"),
    "all_synthetic": (
        "> **Synthetic data.** Every figure comes from arealsirk's demo generator and describes "
        "no real region.",
        "> **Syntetiske data.** Alle tall er laget av arealsirk sin demo-generator og beskriver "
        "ingen virkelig region."),
    "some_synthetic": (
        "> **Contains synthetic data.** Some input layers were made by documented rules, not "
        "measured; the figures are illustrations, not facts.",
        "> **Inneholder syntetiske data.** Noen av datalagene er laget etter dokumenterte regler, "
        "ikke målt; tallene er illustrasjoner, ikke fakta."),
    "reached": ("Who and what is reached", "Hvem og hva som nås"),
    "input_warnings": ("Input warnings", "Advarsler om inndata"),
}

#: The population as a stream of the balance: (in a sentence "34 % of ...", as a table cell) per language.
POPULATION_WORD: dict[str, tuple[str, str]] = {
    "nb": ("befolkningen", "befolkning"),
    "en": ("the population", "population"),
}

#: One sentence per theme for the map panel and the report; ``{x_pl:one:many}`` by the count ``x``.
PANEL_SENTENCES: dict[str, dict[str, str]] = {
    "nb": {
        "biogas": "Forslag: {new} nytt {new_pl:biogassanlegg:biogassanlegg}{names} og {kept} eksisterende "
        "beholdt. De tar imot {feedstock_t} råstoff og gir {energy_gwh} energi.",
        "reuse": "Forslag: {new} {new_pl:nytt ombrukssenter:nye ombrukssentre}{names} i tillegg til {kept} "
        "eksisterende. {share_covered} av innbyggerne når et senter innen {max_minutes}.",
        "parks": "Forslag: {sites} {sites_pl:område:områder} for sirkulær næringspark{names} med {matches} "
        "{matches_pl:symbiosekobling:symbiosekoblinger} verdt {saving_nok}.",
        "other": "Forslag: {sites} {sites_pl:lokalitet:lokaliteter} for {facility}{names}.",
    },
    "en": {
        "biogas": "Proposal: {new} new biogas {new_pl:plant:plants}{names} and {kept} existing kept. "
        "They take "
        "in {feedstock_t} of feedstock and give {energy_gwh} of energy.",
        "reuse": "Proposal: {new} new reuse {new_pl:centre:centres}{names} besides {kept} existing. "
        "{share_covered} of the residents reach a centre within {max_minutes}.",
        "parks": "Proposal: {sites} {sites_pl:area:areas} for a circular industrial park{names} with "
        "{matches} "
        "symbiosis {matches_pl:match:matches} worth {saving_nok}.",
        "other": "Proposal: {sites} {sites_pl:site:sites} for {facility}{names}.",
    },
}


#: Headings of the per-kommune columns (en, nb); ``within_<m>_min`` / ``share_<m>_min`` by pattern.
KOMMUNE_COLUMNS: dict[str, tuple[str, str]] = {
    "supplied_t": ("Supplied (t/yr)", "Leverer (tonn/år)"),
    "collected_t": ("Collected (t/yr)", "Samlet inn (tonn/år)"),
    "share_supply": ("Share collected", "Andel samlet inn"),
    "served_by": ("Served by", "Leverer til"),
    "main_site": ("Main site", "Hovedanlegg"),
    "share_transport": ("Share of transport", "Andel av transporten"),
    "benefit": ("Benefit", "Nytte"),
    "share_benefit": ("Share of benefit", "Andel av nytten"),
    "sites_hosted": ("Sites in the kommune", "Anlegg i kommunen"),
    "received_t": ("Received (t/yr)", "Tar imot (tonn/år)"),
    "net_import_t": ("Net import (t/yr)", "Netto import (tonn/år)"),
    "mean_minutes": ("Mean minutes", "Snitt minutter"),
    "transport_co2_t": ("Transport CO2 (t/yr)", "CO₂ fra transport (tonn/år)"),
    "cost_nok": ("Net cost (NOK/yr)", "Nettokostnad (kr/år)"),
    "share_of_cost": ("Share of the cost", "Andel av kostnaden"),
    "unreachable_population": ("Unreachable people", "Personer som ikke nås"),
    "sites_in_kommune": ("Sites in the kommune", "Anlegg i kommunen"),
    "candidates": ("Candidate areas", "Kandidatområder"),
    "best_score": ("Best score", "Beste poeng"),
    "parks_selected": ("Parks chosen", "Parker valgt"),
}


def kommune_column_label(column: str, lang: str) -> str:
    """Heading of a per-kommune table column (``<theme>_by_kommune``) in ``lang``.

    Parameters
    ----------
    column
        The column name (``supplied_t``, ``within_15_min``, ...); else a map column label.
    lang
        ``"nb"`` or ``"en"``.
    """
    if column in KOMMUNE_COLUMNS:
        return KOMMUNE_COLUMNS[column][1 if lang == "nb" else 0]
    m = re.fullmatch(r"(within|share)_(\d+)_min", column)
    if m:
        minutes = m.group(2)
        if m.group(1) == "within":
            return f"Innen {minutes} min" if lang == "nb" else f"Within {minutes} min"
        return f"Andel innen {minutes} min" if lang == "nb" else f"Share within {minutes} min"
    return column_label(lang, column)


#: Short theme names before a kommune popup's figures.
THEME_LABELS: dict[str, dict[str, str]] = {
    "nb": {"biogas": "Biogass", "reuse": "Ombruk", "parks": "Næringspark"},
    "en": {"biogas": "Biogas", "reuse": "Reuse", "parks": "Industrial park"},
}


#: Words of the region summary (``arealsirk region``, region_summary.md): key -> (English, bokmål).
#: The three snap reasons are the network's (:data:`arealsirk.network.SNAP_REASONS`).
REGION_WORDS: dict[str, tuple[str, str]] = {
    "title": ("Region summary", "Regionsammendrag"),
    "people_ssb": ("People (SSB grid 2015)", "Innbyggere (SSB-rutenett 2015)"),
    "roads": ("Roads", "Veg"),
    "ferry_links": ("Ferry links", "Fergesamband"),
    "candidates": ("Candidate sites", "Kandidatområder"),
    "generated": ("generated at road junctions near people, at least one per kommune; see column rule",
                  "generert ved vegkryss nær folk, minst ett per kommune; se kolonnen rule"),
    "parts": ("Road network parts", "Vegnettets deler"),
    "part": ("part", "del"),
    "people_on_part": ("people on the part", "innbyggere på delen"),
    "more": ("more", "flere"),
    "far_from_road": ("far from a road", "langt fra veg"),
    "across_water": ("across water from the nearest road", "over vann fra nærmeste veg"),
    "outside_extent": ("outside the road network", "utenfor vegnettet"),
    "without_site": ("No generated candidate site (no road with people nearby; give --zones)",
                     "Uten generert kandidatområde (ingen veg med folk i nærheten; gi --zones)"),
    "per_kommune": ("People per kommune", "Innbyggere per kommune"),
    "name": ("name", "navn"),
    "people": ("people", "innbyggere"),
    "resources": ("Resources per kind", "Ressurser per type"),
    "kind": ("kind", "type"),
    "quantity": ("quantity", "mengde"),
    "notes": ("Notes on the resources", "Merknader til ressursene"),
}
