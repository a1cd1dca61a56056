"""Bokmål and English words of the maps: layer names, legend, popups, kinds, facilities, criteria.

Every label, legend entry and popup heading of the web map and the static map
comes from :data:`STRINGS`; a missing key in one language is a bug that
``tests/webmap`` catches (both languages carry the same keys).  The balance
categories (:data:`BALANCE_CATEGORIES`) are shared by the map panel, the
uncollected-source popups and the report.
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError

__all__ = ["BALANCE_CATEGORIES", "LANGS", "STRINGS", "check_lang", "column_label", "label", "t"]

LANGS = ("nb", "en")

STRINGS: dict[str, dict[str, str]] = {
    "nb": {
        # layer names
        "layer.kommuner": "Kommunegrenser",
        "layer.sources": "Ressurskilder",
        "layer.sources_kind": "Kilder: {kind}",
        "layer.candidates": "Kandidatområder (egnethet)",
        "layer.selected_sites": "Valgte lokaliteter",
        "layer.allocation": "Transport kilde → anlegg",
        "layer.catchments": "Nedslagsfelt",
        "layer.service_areas": "Reisetidssoner",
        "layer.matches": "Symbiose: koblinger",
        "layer.existing": "Eksisterende anlegg",
        "base.none": "Ingen bakgrunn (fungerer uten nett)",
        "base.osm": "OpenStreetMap-bakgrunn (krever nett)",
        "base.custom": "Bakgrunnskart (krever nett)",
        # title block
        "made": "Laget {date} med arealsirk",
        "synthetic": "Syntetiske data – ikke virkelige steder eller tall",
        "synthetic.short": "syntetiske data",
        "truncated": "Viser {shown} av {total} kilder (de største)",
        "truncated_lines": "{layer}: viser {shown} av {total} linjer (de største)",
        # legend
        "legend.title": "Tegnforklaring",
        "legend.score": "Egnethet (samlet poeng)",
        "legend.sources": "Ressurskilder (størrelse = mengde)",
        "legend.sites": "Valgte lokaliteter",
        "legend.service_areas": "Reisetid",
        "legend.allocation": "Transportlinjer",
        "legend.matches": "Symbiosekoblinger",
        "legend.minutes": "≤ {minutes} min",
        # popup headings / column labels
        "col.id": "ID",
        "col.name": "Navn",
        "col.kind": "Type",
        "col.quantity": "Mengde",
        "col.unit": "Enhet",
        "col.temperature_c": "Temperatur (°C)",
        "col.kommunenummer": "Kommunenummer",
        "col.kommunenavn": "Kommune",
        "col.kommune": "Kommune",
        "col.facility_type": "Anleggstype",
        "col.score_total": "Samlet poeng (0–1)",
        "col.rank": "Rangering",
        "col.existing": "Eksisterende anlegg",
        "col.feedstock_t": "Råstoff (tonn/år)",
        "col.methane_nm3": "Metan (Nm³/år)",
        "col.energy_gwh": "Energi (GWh/år)",
        "col.tonne_km": "Transportarbeid (tonn-km/år)",
        "col.co2_t": "CO₂ (tonn/år)",
        "col.population_served": "Innbyggere dekket",
        "col.share_within_cutoff": "Andel innenfor reisetidsgrensen",
        "col.source_id": "Kilde",
        "col.site_id": "Anlegg",
        "col.distance_km": "Avstand (km)",
        "col.travel_min": "Reisetid (min)",
        "col.minutes": "Reisetid (min)",
        "col.supplier_id": "Leverandør",
        "col.consumer_id": "Mottaker",
        "col.saving": "Besparelse",
        "col.population": "Innbyggere",
        "col.area_ha": "Areal (ha)",
        "col.capacity_t": "Kapasitet (tonn/år)",
        "col.reason": "Begrunnelse",
        "col.explanation": "Begrunnelse",
        "col.score_prefix": "Poeng: {criterion}",
        "col.truck_trips": "Lastebilturer per år",
        "col.utilisation": "Kapasitetsutnyttelse",
        "col.mean_km": "Gjennomsnittlig transportavstand (km)",
        "col.population_within_cutoff": "Innbyggere innenfor reisetidsgrensen",
        "col.saving_nok": "Besparelse (kr/år)",
        "col.flows_nearby": "Bedrifter med ressursstrømmer i nærheten",
        "col.zone_type": "Arealformål",
        "col.supplier_name": "Leverandør",
        "col.consumer_name": "Mottaker",
        "kind.population": "Befolkning",
        "criterion.symbiosis": "symbiose",
        "criterion.flows": "ressursstrømmer",
        "criterion.land": "areal",
        "why.feedstock": "Samler {feedstock} tonn råstoff per år",
        "why.km": "med {km} km gjennomsnittlig transport",
        "why.methane": "og gir {methane} Nm³ metan ({energy} GWh)",
        "why.population": "Betjener {people} innbyggere",
        "why.share": "{share} innenfor reisetidsgrensen",
        "why.scores": "Sterkest på {list}",
        "why.existing": "Eksisterende anlegg som beholdes",
        "layer.allocation_type": "Transport: {facility}",
        "why": "Hvorfor her?",
        "site.new": "nytt, foreslått",
        "site.kept": "eksisterende, beholdes",
        "site.input": "eksisterende anlegg (ikke valgt)",
        "site.combined": "Flere anleggstyper på samme sted (ring)",
        "legend.kommune": "Kommunegrense",
        "why.rank": "Rangert som nr. {rank} (samlet poeng {score})",
        "why.symbiosis": "Rommer symbiosekoblinger verdt {saving} kr/år",
        "why.flows": "{n} bedrifter med ressursstrømmer i nærheten",
        "alloc.group": "{where}: {n} kilder",
        "alloc.aggregated": "{n} transportlinjer vist samlet per kommune og anlegg ({m} linjer)",
        "panel.toggle": "Forslaget",
        "panel.balance": "Hvem og hva som ikke nås",
        "noscript": "Kartet trenger JavaScript. Forslaget og nøkkeltallene:",
        "unit.people": "personer",
        "source.status": "Status",
        "source.collected": "samlet inn",
        "source.uncollected": "Ikke samlet inn (hul sirkel)",
        # rank robustness (Monte Carlo weight perturbation, arealsirk.scoring.sensitivity)
        "robust": "Robusthet:",
        "robust.top_k_runs": "Blant de {k} beste i {share} av {n} vektinger",
        "robust.top_k": "Blant de {k} beste i {share} av vektingene",
        "robust.range": "rangering {lo}–{hi}",
        "robust.fixed": "alltid nr. {lo}",
        "robust.range_only": "Rangering {lo}–{hi} når vektene endres",
        "robust.fixed_only": "Alltid nr. {lo} når vektene endres",
        "legend.robust": "Klikk: hvor robust rangeringen er",
        "yes": "ja",
        "no": "nei",
        # source kinds
        "kind.cattle_manure": "Storfegjødsel",
        "kind.pig_manure": "Svinegjødsel",
        "kind.food_waste": "Matavfall",
        "kind.sewage_sludge": "Avløpsslam",
        "kind.forest_residue": "Hogstavfall (GROT)",
        "kind.textiles": "Tekstiler",
        "kind.excess_heat": "Overskuddsvarme",
        "kind.by_product": "Biprodukter",
        "kind.heat": "Varme",
        "kind.wood_chips": "Flis",
        "kind.ash": "Aske",
        "kind.co2": "CO₂",
        "kind.water": "Vann",
        # facility types
        "facility.biogas_plant": "Biogassanlegg",
        "facility.reuse_centre": "Ombrukssenter",
        "facility.industrial_park": "Sirkulær industripark",
        "facility.bioenergy_plant": "Bioenergianlegg",
        "facility.textile_site": "Tekstilombruk",
        "facility.recycling_station": "Gjenvinningsstasjon",
        # units
        "unit.t/yr": "tonn/år",
        "unit.t": "tonn",
        "unit.GWh/yr": "GWh/år",
        "unit.MWh/yr": "MWh/år",
        "unit.m3/yr": "m³/år",
        "unit.Nm3/yr": "Nm³/år",
        # criteria
        "criterion.access": "tilgjengelighet",
        "criterion.road": "veg",
        "criterion.rail": "jernbane",
        "criterion.supply": "ressurstilgang",
        "criterion.demand": "avsetning",
        "criterion.synergy": "synergier",
        "criterion.slope": "helning",
        "criterion.conflict": "konflikt",
        "criterion.area": "areal",
        "criterion.population": "befolkning",
        "criterion.heat": "varme",
        "criterion.distance": "avstand",
        # attribution
        "attr.kartverket": "Kartdata © Kartverket (CC BY 4.0)",
        "attr.ssb": "befolkningsdata © Statistisk sentralbyrå (NLOD 2.0 / CC BY 4.0)",
        "attr.osm": "© OpenStreetMap-bidragsytere (ODbL)",
        "attr.synthetic": "Syntetiske demodata (arealsirk)",
        "compare.left": "Scenario A",
        "compare.right": "Scenario B",
        "static.no_tiles": "uten bakgrunnskart",
    },
    "en": {
        "layer.kommuner": "Municipal borders",
        "layer.sources": "Resource sources",
        "layer.sources_kind": "Sources: {kind}",
        "layer.candidates": "Candidate areas (suitability)",
        "layer.selected_sites": "Selected sites",
        "layer.allocation": "Transport source → site",
        "layer.catchments": "Catchments",
        "layer.service_areas": "Travel-time zones",
        "layer.matches": "Symbiosis: matches",
        "layer.existing": "Existing facilities",
        "base.none": "No background (works offline)",
        "base.osm": "OpenStreetMap background (needs internet)",
        "base.custom": "Background map (needs internet)",
        "made": "Made {date} with arealsirk",
        "synthetic": "Synthetic data – not real places or figures",
        "synthetic.short": "synthetic data",
        "truncated": "Showing {shown} of {total} sources (the largest)",
        "truncated_lines": "{layer}: showing {shown} of {total} lines (the largest)",
        "legend.title": "Legend",
        "legend.score": "Suitability (total score)",
        "legend.sources": "Resource sources (size = quantity)",
        "legend.sites": "Selected sites",
        "legend.service_areas": "Travel time",
        "legend.allocation": "Transport lines",
        "legend.matches": "Symbiosis matches",
        "legend.minutes": "≤ {minutes} min",
        "col.id": "ID",
        "col.name": "Name",
        "col.kind": "Kind",
        "col.quantity": "Quantity",
        "col.unit": "Unit",
        "col.temperature_c": "Temperature (°C)",
        "col.kommunenummer": "Municipality number",
        "col.kommunenavn": "Municipality",
        "col.kommune": "Municipality",
        "col.facility_type": "Facility type",
        "col.score_total": "Total score (0–1)",
        "col.rank": "Rank",
        "col.existing": "Existing facility",
        "col.feedstock_t": "Feedstock (t/yr)",
        "col.methane_nm3": "Methane (Nm³/yr)",
        "col.energy_gwh": "Energy (GWh/yr)",
        "col.tonne_km": "Transport work (tonne-km/yr)",
        "col.co2_t": "CO₂ (t/yr)",
        "col.population_served": "People covered",
        "col.share_within_cutoff": "Share within the travel-time limit",
        "col.source_id": "Source",
        "col.site_id": "Site",
        "col.distance_km": "Distance (km)",
        "col.travel_min": "Travel time (min)",
        "col.minutes": "Travel time (min)",
        "col.supplier_id": "Supplier",
        "col.consumer_id": "Consumer",
        "col.saving": "Saving",
        "col.population": "Population",
        "col.area_ha": "Area (ha)",
        "col.capacity_t": "Capacity (t/yr)",
        "col.reason": "Reason",
        "col.explanation": "Reason",
        "col.score_prefix": "Score: {criterion}",
        "col.truck_trips": "Truck trips per year",
        "col.utilisation": "Capacity utilisation",
        "col.mean_km": "Mean transport distance (km)",
        "col.population_within_cutoff": "People within the travel-time limit",
        "col.saving_nok": "Saving (NOK/yr)",
        "col.flows_nearby": "Firms with resource flows nearby",
        "col.zone_type": "Zoning",
        "col.supplier_name": "Supplier",
        "col.consumer_name": "Consumer",
        "kind.population": "Population",
        "criterion.symbiosis": "symbiosis",
        "criterion.flows": "resource flows",
        "criterion.land": "land",
        "why.feedstock": "Collects {feedstock} t of feedstock a year",
        "why.km": "with {km} km mean haul",
        "why.methane": "giving {methane} Nm³ methane ({energy} GWh)",
        "why.population": "Serves {people} people",
        "why.share": "{share} within the travel-time limit",
        "why.scores": "Strongest on {list}",
        "why.existing": "Existing facility that is kept",
        "layer.allocation_type": "Transport: {facility}",
        "why": "Why here?",
        "site.new": "new, proposed",
        "site.kept": "existing, kept",
        "site.input": "existing facility (not selected)",
        "site.combined": "Several facility types at one place (ring)",
        "legend.kommune": "Municipal border",
        "why.rank": "Ranked no. {rank} (total score {score})",
        "why.symbiosis": "Hosts symbiosis matches worth NOK {saving} a year",
        "why.flows": "{n} companies with resource flows nearby",
        "alloc.group": "{where}: {n} sources",
        "alloc.aggregated": "{n} transport lines shown grouped by municipality and site ({m} lines)",
        "panel.toggle": "The proposal",
        "panel.balance": "Who and what is not reached",
        "noscript": "The map needs JavaScript. The proposal and its key figures:",
        "unit.people": "people",
        "source.status": "Status",
        "source.collected": "collected",
        "source.uncollected": "Not collected (hollow circle)",
        # rank robustness (Monte Carlo weight perturbation, arealsirk.scoring.sensitivity)
        "robust": "Robustness:",
        "robust.top_k_runs": "In the top {k} in {share} of {n} weightings",
        "robust.top_k": "In the top {k} in {share} of the weightings",
        "robust.range": "rank {lo}–{hi}",
        "robust.fixed": "always rank {lo}",
        "robust.range_only": "Rank {lo}–{hi} when the weights vary",
        "robust.fixed_only": "Always rank {lo} when the weights vary",
        "legend.robust": "Click: how robust the rank is",
        "yes": "yes",
        "no": "no",
        "kind.cattle_manure": "Cattle manure",
        "kind.pig_manure": "Pig manure",
        "kind.food_waste": "Food waste",
        "kind.sewage_sludge": "Sewage sludge",
        "kind.forest_residue": "Forest residue",
        "kind.textiles": "Textiles",
        "kind.excess_heat": "Excess heat",
        "kind.by_product": "By-products",
        "kind.heat": "Heat",
        "kind.wood_chips": "Wood chips",
        "kind.ash": "Ash",
        "kind.co2": "CO₂",
        "kind.water": "Water",
        "facility.biogas_plant": "Biogas plant",
        "facility.reuse_centre": "Reuse centre",
        "facility.industrial_park": "Circular industrial park",
        "facility.bioenergy_plant": "Bioenergy plant",
        "facility.textile_site": "Textile reuse site",
        "facility.recycling_station": "Recycling station",
        "unit.t/yr": "t/yr",
        "unit.t": "t",
        "unit.GWh/yr": "GWh/yr",
        "unit.MWh/yr": "MWh/yr",
        "unit.m3/yr": "m³/yr",
        "unit.Nm3/yr": "Nm³/yr",
        "criterion.access": "access",
        "criterion.road": "road",
        "criterion.rail": "rail",
        "criterion.supply": "supply",
        "criterion.demand": "demand",
        "criterion.synergy": "synergies",
        "criterion.slope": "slope",
        "criterion.conflict": "conflict",
        "criterion.area": "area",
        "criterion.population": "population",
        "criterion.heat": "heat",
        "criterion.distance": "distance",
        "attr.kartverket": "Map data © Kartverket (CC BY 4.0)",
        "attr.ssb": "population data © Statistics Norway (NLOD 2.0 / CC BY 4.0)",
        "attr.osm": "© OpenStreetMap contributors (ODbL)",
        "attr.synthetic": "Synthetic demo data (arealsirk)",
        "compare.left": "Scenario A",
        "compare.right": "Scenario B",
        "static.no_tiles": "no background map",
    },
}


def check_lang(lang: str) -> str:
    """Return ``lang`` if supported, else raise :class:`InputError` naming the parameter.

    Parameters
    ----------
    lang
        A language code; ``"nb"`` and ``"en"`` are supported.
    """
    if lang not in LANGS:
        raise InputError(f"lang: '{lang}' is not supported; use one of {', '.join(LANGS)}")
    return lang


def t(lang: str, key: str, **kw: Any) -> str:
    """The string ``key`` in ``lang`` with ``{placeholders}`` filled in.

    Parameters
    ----------
    lang
        ``"nb"`` or ``"en"``.
    key
        A key of :data:`STRINGS` (``"layer.sources"``, ``"why.feedstock"``, ...).
    **kw
        Values of the placeholders.
    """
    text = STRINGS[lang][key]
    return text.format(**kw) if kw else text


def label(lang: str, prefix: str, value: Any) -> str:
    """Translate a code such as a source kind (``prefix="kind"``); unknown codes come back as given.

    Parameters
    ----------
    lang
        ``"nb"`` or ``"en"``.
    prefix
        The family of codes: ``"kind"``, ``"facility"``, ``"criterion"``, ``"unit"``.
    value
        The code (``"cattle_manure"``, ``"biogas_plant"``, ...).
    """
    key = f"{prefix}.{value}"
    if key in STRINGS[lang]:
        return STRINGS[lang][key]
    return str(value)


def column_label(lang: str, column: str) -> str:
    """Popup heading for a column; ``score_<criterion>`` columns get "Score: <criterion>".

    Parameters
    ----------
    lang
        ``"nb"`` or ``"en"``.
    column
        A column name of a result layer; an unknown name comes back as it is.
    """
    key = f"col.{column}"
    if key in STRINGS[lang]:
        return STRINGS[lang][key]
    if column.startswith("score_"):
        crit = column[len("score_"):]
        return t(lang, "col.score_prefix", criterion=label(lang, "criterion", crit))
    return column


#: Balance categories in words (one vocabulary for the map panel, the report and summary.md's wording).
BALANCE_CATEGORIES: dict[str, dict[str, str]] = {
    "nb": {
        "served_within_limit": "nås innenfor grensen",
        "served_beyond_limit": "nås bare utenfor grensen",
        "collected": "samlet inn",
        "beyond_max_km": "lenger unna enn transportgrensen",
        "capacity_full": "anleggene er fulle",
        "no_yield": "type temaet ikke bruker",
        "unreachable_no_site_on_part": "ingen lokalitet på vegnettsdelen",
        "unreachable_far_from_road": "langt fra veg",
        "unreachable_across_water": "over vann",
        "outside_region": "utenfor regionen",
        "matched": "koblet",
        "unmatched": "finner ingen partner",
    },
    "en": {
        "served_within_limit": "served within the limit",
        "served_beyond_limit": "served only beyond the limit",
        "collected": "collected",
        "beyond_max_km": "beyond the haul limit",
        "capacity_full": "the plants are full",
        "no_yield": "a kind this theme does not use",
        "unreachable_no_site_on_part": "no site on its road part",
        "unreachable_far_from_road": "far from a road",
        "unreachable_across_water": "across water",
        "outside_region": "outside the region",
        "matched": "matched",
        "unmatched": "finds no partner",
    },
}
