"""The result object every workflow returns."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["STATUS_LABELS", "SUMMARY_LABELS", "WORKFLOW_TITLES", "WorkflowResult"]

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


def _fmt(value: Any, unit: str, lang: str = "en") -> str:
    if lang == "nb":
        return _fmt_nb(value, unit)
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        if unit == "%":
            return f"{100 * value:.1f} %"
        if abs(value) >= 100:
            return f"{value:,.0f}".replace(",", " ") + (f" {unit}" if unit else "")
        return f"{value:.3g}" + (f" {unit}" if unit else "")
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}".replace(",", " ") + (f" {unit}" if unit else "")
    return str(value) + (f" {unit}" if unit else "")


def _fmt_nb(value: Any, unit: str) -> str:
    """A key figure in bokmål: ``53 274 t/år``, ``8,86 GWh/år``, ``99,3 %`` (space-grouped thousands,
    comma decimals via :func:`arealsirk._webmap_i18n.fmt_number`)."""
    from .._webmap_i18n import fmt_number
    from ._messages import fmt, unit_label

    u = unit_label(unit, "nb")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value) + (f" {u}" if u else "")
    if isinstance(value, float) and math.isnan(value):
        return "-"
    if unit == "%":
        return fmt_number(value, "nb", decimals=1, percent=True)
    if isinstance(value, int) or abs(value) >= 100:
        text = fmt_number(value, "nb", decimals=0)
    else:
        text = fmt(value, "nb", "g3")
    return text + (f" {u}" if u else "")


@dataclass
class WorkflowResult:
    """One explained answer of a workflow.

    Attributes
    ----------
    layers
        GeoDataFrames named after the results layer schema (``selected_sites``,
        ``allocation``, ``catchments``, ``service_areas``, ``candidates``, ``matches``,
        ``sources``, ``kommuner``).
    tables
        Plain tables (``by_kommune``, ``coverage_curve``, ``feedstock_mix``, ...); every result
        has ``balance`` (where every person and tonne of the input went, see
        :mod:`arealsirk.workflows._balance`) and ``excluded`` (candidates removed by the exclusions).
    summary
        Key figures in domain units (keys listed in :data:`SUMMARY_LABELS`), and
        ``balance_headline``: the largest losses of the balance table first, as
        :class:`~arealsirk.workflows.Message` sentences.
    status
        ``"optimal"``, ``"feasible"`` (a good solution, optimality not proven) or
        ``"infeasible"`` (with the reason in ``messages``).
    messages
        Explanations: why a site was chosen, what was left out and why.  English strings;
        the workflows fill it with :class:`~arealsirk.workflows.Message` objects (``str``
        subclasses) that :meth:`summary_markdown` renders in bokmål with ``lang="nb"``.
    """

    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    summary: dict[str, float | int | str | list[str]] = field(default_factory=dict)
    status: str = "optimal"
    messages: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """``True`` unless the status is ``"infeasible"``."""
        return self.status != "infeasible"

    def summary_markdown(self, *, lang: str = "en") -> str:
        """A short Markdown summary: key figures, status and messages (``lang`` "en" or "nb")."""
        from .._text import escape_markdown as md
        from ._messages import render

        nb = lang == "nb"
        code = str(self.summary.get("workflow", "workflow"))
        title = WORKFLOW_TITLES.get(code, (md(code), md(code)))[1 if nb else 0]
        status = STATUS_LABELS.get(self.status, (md(self.status), md(self.status)))[1 if nb else 0]
        lines = [f"## {title}", ""]
        headline = list(self.summary.get("balance_headline", []) or [])
        if headline:
            head = "Hvor alle og alt havnet" if nb else "Where everyone and everything went"
            lines += [f"**{head}**", ""]
            lines += [f"- {render(m, lang, escape=md)}" for m in headline] + [""]
        lines += [f"Status: **{status}**", ""]
        lines += [
            "| " + ("Nøkkeltall" if nb else "Key figure") + " | " + ("Verdi" if nb else "Value") + " |",
            "|---|---|",
        ]
        for key, value in self.summary.items():
            if key in ("workflow", "balance_headline"):
                continue
            en, nbl, unit = SUMMARY_LABELS.get(key, (md(key), md(key), ""))
            cell = _fmt(value, unit, lang)
            if not isinstance(value, (int, float)):  # text from the data: no markup, no table break
                cell = md(cell)
            lines.append(f"| {nbl if nb else en} | {cell} |")
        notes = [m for m in self.messages if m not in headline]
        if notes:
            lines += ["", "**" + ("Merknader" if nb else "Notes") + "**", ""]
            lines += [f"- {render(m, lang, escape=md)}" for m in notes]
        return "\n".join(lines) + "\n"
