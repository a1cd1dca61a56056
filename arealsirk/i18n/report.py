"""The words of the Word report (:func:`arealsirk.report.write_report`), bokmål and English:
headings, introductions, table headers and one paragraph of method per theme."""

from __future__ import annotations

__all__ = ["REPORT_METHOD", "REPORT_TEXT"]

#: Headings, introductions and table headers per language.
REPORT_TEXT: dict[str, dict[str, str]] = {
    "nb": {
        "title": "Forslag til plassering av sirkulære anlegg",
        "made": "Laget {date} med arealsirk {version}.",
        "synthetic": "Syntetiske data: tallene beskriver ingen virkelig region.",
        "proposal": "Forslaget",
        "map": "Kart over forslaget",
        "figures": "Nøkkeltall",
        "kommuner": "Tall per kommune",
        "balance": "Hvor alle og alt havnet",
        "cooperation": "Samarbeid: hvem betaler hva",
        "cooperation_intro": "Kostnaden ved den felles løsningen fordelt på medlemmene etter flere nøkler "
        "(se cooperation.md i resultatmappa for kjerne-sjekken og forklaringen).",
        "indicators": "Felles indikatorer per kommune",
        "balance_intro": "Hver rad er en del av det som kom inn (befolkning eller ressursmengde); "
        "delene av en "
        "strøm summerer seg til hele mengden.",
        "method": "Metode",
        "defaults": "Standardverdier som er brukt",
        "defaults_intro": "Tallene under kommer fra arealsirk sin standardtabell (defaults.csv), med "
        "enhet og kilde. "
        "En verdi som ble endret i scenariofilen, står i scenarioet.",
        "sources": "Datakilder",
        "figure": "Nøkkeltall",
        "value": "Verdi",
        "stream": "Strøm",
        "category": "Kategori",
        "quantity": "Mengde",
        "share": "Andel",
        "key": "Nøkkel",
        "unit": "Enhet",
        "source": "Kilde",
        "no_panel": "Resultatfilen har ingen sammendragstabell (map_summary); kjør arealsirk på nytt for "
        "setningene og nøkkeltallene.",
    },
    "en": {
        "title": "Proposed sites for circular facilities",
        "made": "Made {date} with arealsirk {version}.",
        "synthetic": "Synthetic data: the figures describe no real region.",
        "proposal": "The proposal",
        "map": "Map of the proposal",
        "figures": "Key figures",
        "kommuner": "Figures per municipality",
        "balance": "Where everyone and everything went",
        "cooperation": "Cooperation: who pays what",
        "cooperation_intro": "The cost of the joint solution shared among the members by several keys "
        "(see cooperation.md in the results folder for the core check and its explanation).",
        "indicators": "Common indicators per municipality",
        "balance_intro": "Each row is a part of what came in (population or a resource quantity); "
        "the parts of a "
        "stream add up to the whole.",
        "method": "Method",
        "defaults": "Defaults used",
        "defaults_intro": "The numbers below come from arealsirk's defaults table (defaults.csv), "
        "with unit and "
        "source. A value changed in the scenario file is stated in the scenario.",
        "sources": "Data sources",
        "figure": "Key figure",
        "value": "Value",
        "stream": "Stream",
        "category": "Category",
        "quantity": "Quantity",
        "share": "Share",
        "key": "Key",
        "unit": "Unit",
        "source": "Source",
        "no_panel": "The results file has no summary table (map_summary); run arealsirk again for the "
        "sentences and key figures.",
    },
}

#: One paragraph of method per theme and language.
REPORT_METHOD: dict[str, dict[str, str]] = {
    "nb": {
        "biogas": "Biogass: kandidatområdene og de eksisterende anleggene er mulige lokaliteter. Hver kilde "
        "kobles til et anlegg langs vegnettet innenfor transportgrensen for sin type; modellen "
        "(kapasitetsbegrenset lokaliseringsmodell løst med HiGHS) velger lokalitetene som gir minst "
        "transportarbeid for det råstoffet som samles inn.",
        "reuse": "Ombrukssentre: befolkningen i SSB-rutenett kobles til nærmeste senter langs "
        "vegnettet; modellen "
        "velger sentre slik at flest mulig når et senter innenfor kjøretidsgrensen (maksimal dekning), "
        "og de eksisterende stasjonene beholdes.",
        "parks": "Sirkulære næringsparker: næringsområdene rangeres etter vektede kriterier "
        "(symbiosepotensial, "
        "ressursstrømmer, jernbane, hovedveg, areal), og symbiosekoblinger mellom bedrifter velges der "
        "de lønner seg innenfor avstandsgrensene. Robustheten i rangeringen er testet med varierte vekter.",
    },
    "en": {
        "biogas": "Biogas: the candidate areas and the existing plants are possible sites. Each source is "
        "linked to a plant along the road network within the haul limit of its kind; the model "
        "(capacitated location model solved with HiGHS) picks the sites with the least transport work "
        "for the feedstock collected.",
        "reuse": "Reuse centres: the population in the SSB grid is linked to the nearest centre "
        "along the road "
        "network; the model picks centres so that as many people as possible reach one within the "
        "travel-time limit (maximal coverage), keeping the existing stations.",
        "parks": "Circular industrial parks: the business zones are ranked by weighted criteria (symbiosis "
        "potential, resource flows, rail, main road, land), and symbiosis matches between companies "
        "are chosen where they pay within the distance limits. The ranking's robustness is tested with "
        "varied weights.",
    },
}
