"""The workflows' explanations in English and bokmål: the message catalogue and its words.

:data:`CATALOGUE` maps a message key to its (English, bokmål) template; the templates'
format specs are described in :mod:`arealsirk.workflows._messages`, which renders them
(numbers through :func:`arealsirk.i18n.fmt_spec`).  :data:`BENEFITS` and :func:`kind_word` /
:func:`criterion_word` are the words filled into them.
"""

from __future__ import annotations

from typing import Any

from .strings import label

__all__ = ["BENEFITS", "CATALOGUE", "CRITERIA_NB", "NO_FEEDSTOCK", "criterion_word", "kind_word"]

#: key -> (English template, bokmål template)
CATALOGUE: dict[str, tuple[str, str]] = {
    # --- shared
    "excluded.rule": (
        "{n} candidate(s) removed by the {rule} rule: {ids}",
        "{n} {n:pl:kandidat:kandidater} fjernet av regelen om {rule}: {ids}",
    ),
    "rule.protected": ("protected areas", "verneområder"),
    "rule.lakes": ("lakes and rivers (with their buffer)", "innsjøer og elver (med buffer)"),
    "rule.settlements": ("settlements (with their buffer)", "tettsteder (med buffer)"),
    "rule.slope": ("terrain slope", "terrenghelning"),
    "rule.other": ("other exclusion polygons", "andre utelukkede områder"),
    # --- balance (where every person and tonne went), see _balance.py
    "balance.people": (
        "{share:ps} of the people ({q:n0}) {phrase}",
        "{share:ps} av befolkningen ({q:n0} personer) {phrase}",
    ),
    "balance.kind": (
        "{share:ps} of the {kind:kind} ({q:n0} {unit:unit}) {phrase}",
        "{share:ps} av {kind:kind} ({q:n0} {unit:unit}) {phrase}",
    ),
    "balance.flow": (
        "{share:ps} of the {kind:kind} {role} ({q:n0} {unit:unit}) {phrase}",
        "{share:ps} av {role} av {kind:kind} ({q:n0} {unit:unit}) {phrase}",
    ),
    "role.supply": ("supply", "tilbudet"),
    "role.demand": ("demand", "behovet"),
    "balance.unmatched": (
        "finds no partner (none within the distance limits, or not worth it){limit}",
        "finner ingen partner (ingen innenfor avstandsgrensene, eller ikke lønnsomt){limit}",
    ),
    "balance.matched": ("is matched{limit}", "er koblet{limit}"),
    "balance.collected": ("is collected{limit}", "blir samlet inn{limit}"),
    "balance.served_within_limit": ("are served within the limit{limit}", "nås innenfor grensen{limit}"),
    "balance.all_matched": (
        "every usable flow is matched",
        "alle brukbare strømmer er koblet",
    ),
    "balance.all_people": (
        "every person is served within the limit",
        "alle nås innenfor grensen",
    ),
    "balance.all_collected": (
        "all the feedstock is collected",
        "alt råstoffet blir samlet inn",
    ),
    "balance.served_beyond_limit": (
        "are served only beyond the limit of {limit}",
        "nås bare utenfor grensen på {limit}",
    ),
    "balance.beyond_max_km": (
        "is farther than its haul limit ({limit}) from every open plant",
        "ligger lenger unna alle åpne anlegg enn transportgrensen ({limit})",
    ),
    "balance.capacity_full": (
        "is within its haul limit of an open plant but not collected (the plants are full or too few)"
        "{limit}",
        "ligger innenfor transportgrensen til et åpent anlegg, men blir ikke samlet inn (anleggene er "
        "fulle eller for få){limit}",
    ),
    "balance.no_yield": (
        "is of a kind this theme does not use{limit}",
        "er av en type dette temaet ikke bruker{limit}",
    ),
    "balance.unreachable_no_site_on_part": (
        "are on road parts with no site{limit}",
        "er på deler av vegnettet uten noen lokalitet{limit}",
    ),
    "balance.unreachable_far_from_road": (
        "are farther than the snap limit from any road{limit}",
        "ligger lenger enn snappegrensen fra nærmeste veg{limit}",
    ),
    "balance.unreachable_across_water": (
        "are across water from the nearest road{limit}",
        "ligger over vann fra nærmeste veg{limit}",
    ),
    "balance.outside_region": (
        "are outside the region (outside the kommune polygons){limit}",
        "ligger utenfor regionen (utenfor kommunepolygonene){limit}",
    ),
    "model_note": ("location model: {note}", "lokaliseringsmodellen: {note}"),
    "locate.time_limit": (
        "HiGHS stopped at the time limit; the gap is the proven one",
        "HiGHS stoppet ved tidsgrensen; gapet er det som er bevist",
    ),
    # --- feedstock (biogas, bioenergy, textiles)
    "reason.biogas": (
        "they have no methane yield (resources.methane_nm3_per_t.<kind>; add one with parameters)",
        "de har ikke noe metanutbytte (resources.methane_nm3_per_t.<type>; kan legges til med parameters)",
    ),
    "reason.bioenergy": (
        "bioenergy uses only forest_residue, wood_chips, grot",
        "bioenergi bruker bare hogstavfall (GROT) og flis",
    ),
    "reason.textiles": (
        "textile reuse uses only kind 'textiles'",
        "tekstilombruk bruker bare typen tekstiler",
    ),
    "feedstock.ignored": (
        "sources of kinds {kinds:kinds} were ignored: {reason}",
        "kilder av typene {kinds:kinds} ble ikke tatt med: {reason}",
    ),
    "feedstock.zero": (
        "{n} source(s) with zero quantity were left out",
        "{n} {n:pl:kilde:kilder} med mengde null ble utelatt",
    ),
    "feedstock.too_small": (
        "{n} candidate(s) have less than {min_key}={min_t:g} t/yr within the haul limits ({limits:limits}) "
        "and cannot host a plant: {ids}",
        "{n} {n:pl:kandidat:kandidater} har mindre enn {min_t:g} t/år råstoff innenfor "
        "transportgrensene ({limits:limits}; {min_key}) og kan ikke få et anlegg: {ids}",
    ),
    "feedstock.penalty": (
        "cost model: a tonne not collected counts as {pi:g} km of haul ({key} x the longest haul limit; "
        "limits: {limits:limits}), more than any allowed haul, so every tonne within its limit of an open "
        "plant with room is collected",
        "kostnadsmodellen: et tonn som ikke samles inn teller som {pi:g} km transport ({key} x den "
        "lengste transportgrensen; grenser: {limits:limits}), mer enn noen tillatt transport, så alt "
        "innenfor grensen til et åpent anlegg med ledig kapasitet blir samlet inn",
    ),
    "plant.existing": ("existing plant, kept", "eksisterende anlegg, beholdt"),
    "plant.new": ("new plant", "nytt anlegg"),
    "feedstock.site": (
        "{name} ({id}, {what}): {t:n0} t/yr ({mix:mix}){benefits:benefits}; {tkm:n0} tonne-km, "
        "mean {mean_km:n1} km, {util:n0} % of capacity",
        "{name} ({id}, {what}): {t:n0} t/år ({mix:mix}){benefits:benefits}; {tkm:n0} tonn-km, "
        "i snitt {mean_km:n1} km, {util:n0} % av kapasiteten",
    ),
    "feedstock.uncollected": (
        "{t:n0} t/yr ({share:p1}) of the feedstock is not collected "
        "(beyond max_km of every open plant, or no room)",
        "{t:n0} t/år ({share:p1}) av råstoffet blir ikke samlet inn "
        "(lenger enn max_km fra alle åpne anlegg, eller anleggene er fulle)",
    ),
    # --- reuse centres
    "sites.other_existing": (
        "{n} existing {n:pl:facility:facilities} of other types (not {types}) were left out",
        "{n} {n:pl:eksisterende anlegg:eksisterende anlegg} av andre typer (ikke {types}) ble ikke tatt med",
    ),
    "reuse.other_existing": (
        "{n} existing facilit(y/ies) of other types (not recycling stations) were ignored",
        "{n} {n:pl:eksisterende anlegg:eksisterende anlegg} av andre typer (ikke gjenvinningsstasjoner) "
        "ble ikke tatt med",
    ),
    "reuse.unreachable": (
        "{n} demand point(s) with {people:n0} people reach no site on the road network "
        "(counted as not covered)",
        "{n} {n:pl:etterspørselspunkt:etterspørselspunkter} med {people:n0} personer når ingen "
        "lokalitet på vegnettet (regnet som ikke dekket)",
    ),
    "reuse.target_unreachable": (
        "even all {n} sites cover only {share:p1} of the people within {minutes:g} min; "
        "the target {target:p0} cannot be reached",
        "selv alle {n} lokalitetene dekker bare {share:p1} av befolkningen innenfor {minutes:g} min; "
        "målet på {target:p0} kan ikke nås",
    ),
    "reuse.needed": (
        "{n} site(s) are needed to bring {target:p0} of the people within {minutes:g} min",
        "{n} {n:pl:lokalitet:lokaliteter} trengs for at {target:p0} av befolkningen skal ha "
        "høyst {minutes:g} min kjøretid",
    ),
    "station.existing": ("existing station, kept", "eksisterende stasjon, beholdt"),
    "station.new": ("chosen by the model", "valgt av modellen"),
    "reuse.site": (
        "{name} ({id}, {why}): serves {people:n0} people, {share:p0} of them within {minutes:g} min",
        "{name} ({id}, {why}): betjener {people:n0} personer, {share:p0} av dem innenfor {minutes:g} min",
    ),
    "reuse.empty_area": (
        "site {id}: the drive from the point to the road takes {access:n1} min, so there is no "
        "{minutes:g}-minute service area",
        "lokalitet {id}: kjøringen fra punktet til vegen tar {access:n1} min, så det blir ingen "
        "reisetidssone for {minutes:g} min",
    ),
    # --- parks
    "parks.symbiosis_note": ("symbiosis: {note}", "symbiose: {note}"),
    "parks.no_match": (
        "no symbiosis match is possible between the flows, so the symbiosis criterion scores every "
        "area alike; the ranking rests on the other criteria",
        "ingen symbiosekobling er mulig mellom strømmene, så symbiosekriteriet gir alle områder samme "
        "poeng; rangeringen hviler på de andre kriteriene",
    ),
    "parks.no_rail": (
        "no rail stations given: the rail criterion was left out",
        "ingen jernbanestasjoner oppgitt: jernbanekriteriet ble ikke brukt",
    ),
    "parks.park": (
        "park {id} ({name}): rank {rank}, total {total:n2} ({scores:scores}); hosts {n} match(es) "
        "worth {nok:n0} NOK/yr",
        "park {id} ({name}): rangert som nr. {rank}, samlet {total:n2} ({scores:scores}); rommer {n} "
        "{n:pl:kobling:koblinger} verdt {nok:n0} kr/år",
    ),
    # --- symbiosis
    "sym.no_temperature": (
        "heat flow '{id}' has no temperature_c and was left out "
        "(a heat match needs the supply and the required temperature)",
        "varmestrømmen '{id}' mangler temperature_c og ble utelatt "
        "(en varmekobling trenger tilbudt og nødvendig temperatur)",
    ),
    "sym.no_value": (
        "kind '{kind}' has no value per unit (symbiosis.value_nok_per_unit.{kind}); its flows were left out",
        "typen {kind:kind} har ingen verdi per enhet (symbiosis.value_nok_per_unit.{kind}); strømmene "
        "ble utelatt",
    ),
    "sym.heat_far": (
        "{n} heat pair(s) farther apart than max_heat_km = {km:g} km were not considered",
        "{n} {n:pl:varmepar:varmepar} med mer enn {km:g} km imellom (max_heat_km) ble ikke vurdert",
    ),
    "sym.too_cold": (
        "{n} heat pair(s) were not considered because the supply is not at least {approach:g} degC "
        "warmer than the consumer needs",
        "{n} {n:pl:varmepar:varmepar} ble ikke vurdert fordi varmen som tilbys ikke er minst "
        "{approach:g} °C varmere enn mottakeren trenger",
    ),
    "sym.far": (
        "{n} material pair(s) farther apart than max_km = {km:g} km were not considered",
        "{n} {n:pl:materialpar:materialpar} med mer enn {km:g} km imellom (max_km) ble ikke vurdert",
    ),
    "sym.no_saving": (
        "{n} pair(s) would cost more to transport than they save",
        "{n} {n:pl:par:par} ville koste mer i transport enn de sparer",
    ),
    "sym.one_sided": (
        "no match is possible: the flows need both a supplier and a consumer of a kind "
        "({s} usable supply and {c} usable demand flows)",
        "ingen kobling er mulig: det trengs både en leverandør og en mottaker av samme type "
        "({s} brukbare tilbud og {c} brukbare behov)",
    ),
    "sym.none_compatible": (
        "no supplier-consumer pair is compatible within the limits (see the notes above)",
        "ingen par av leverandør og mottaker passer innenfor grensene (se merknadene over)",
    ),
    "sym.top": (
        "{n} matches; the 20 largest savings follow",
        "{n} koblinger; de 20 med størst besparelse følger",
    ),
    "sym.match": (
        "{supplier} -> {consumer}: {q:g4} {unit:unit} {kind:kind} over {km:n1} km, saving {nok:n0} NOK/yr",
        "{supplier} → {consumer}: {q:g4} {unit:unit} {kind:kind} over {km:n1} km, besparelse {nok:n0} kr/år",
    ),
}

# --- parks: rank sensitivity (Monte Carlo weight perturbation, see arealsirk.scoring.sensitivity)
CATALOGUE.update({
    "parks.sensitivity": (
        "rank robustness ({n:n0} weightings, each weight varied by up to ±{spread:p0}): in the top {k} "
        "in most weightings: {items}",
        "robusthet i rangeringen ({n:n0} vektinger, hver vekt endret med inntil ±{spread:p0}): blant de "
        "{k} beste i de fleste vektingene: {items}",
    ),
    "parks.sensitivity_none": (
        "rank robustness ({n:n0} weightings, each weight varied by up to ±{spread:p0}): no area is in "
        "the top {k} in most weightings, so the ranking depends on the weights",
        "robusthet i rangeringen ({n:n0} vektinger, hver vekt endret med inntil ±{spread:p0}): ingen "
        "områder er blant de {k} beste i de fleste vektingene, så rangeringen avhenger av vektene",
    ),
    # one item of the list; {sep} is ", " (or "" for the first), {more} the next item (or "")
    "parks.sensitivity_item": (
        "{sep}{name} ({share:p0}, rank {lo}–{hi}){more}",
        "{sep}{name} ({share:p0}, rangering {lo}–{hi}){more}",
    ),
    "parks.sensitivity_item_fixed": (
        "{sep}{name} ({share:p0}, always rank {lo}){more}",
        "{sep}{name} ({share:p0}, alltid nr. {lo}){more}",
    ),
})

#: Benefit columns in the per-plant sentence: (English word, bokmål word, unit).
BENEFITS: dict[str, tuple[str, str, str]] = {
    "methane_nm3": ("methane", "metan", "Nm3/yr"),
    "energy_gwh": ("energy", "energi", "GWh/yr"),
    "reused_t": ("reused", "til ombruk", "t/yr"),
}

#: Criteria the web-map strings do not name.
CRITERIA_NB = {"port": "havn", "road": "hovedveg"}

#: An empty feedstock mix in words.
NO_FEEDSTOCK = {"nb": "ikke noe råstoff", "en": "no feedstock"}


def _lower_first(text: str) -> str:
    """Lower-case a capitalised word ("Storfegjødsel" -> "storfegjødsel"), not an acronym ("CO₂")."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def kind_word(kind: Any, lang: str) -> str:
    """A source kind inside a sentence: ``storfegjødsel`` in bokmål, the code itself in English.

    Parameters
    ----------
    kind
        The kind code (``"cattle_manure"``).
    lang
        ``"nb"`` or ``"en"``.
    """
    if lang == "nb":
        return _lower_first(label("nb", "kind", kind))
    return str(kind)


def criterion_word(name: str, lang: str) -> str:
    """A criterion inside a sentence: ``jernbane`` in bokmål, the code itself in English.

    Parameters
    ----------
    name
        The criterion code (``"rail"``).
    lang
        ``"nb"`` or ``"en"``.
    """
    if lang != "nb":
        return str(name)
    if name in CRITERIA_NB:
        return CRITERIA_NB[name]
    return label("nb", "criterion", name)
