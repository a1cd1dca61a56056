"""The proposal in words for the web map, the report and ``results.gpkg``: one sentence per theme,
its key figures (formatted exactly as in ``summary.md``) and the balance headline.

A *panel* is a list of theme entries::

    {"theme": "biogas", "title": "Biogassanlegg", "sentence": "...",
     "figures": [["Råstoff", "55 271 t/år"], ...], "headline": ["66 % av storfegjødsel ..."]}

:func:`panel_from_results` builds it from workflow results (the pipeline), :func:`panel_table`
stores it as the ``map_summary`` table of ``results.gpkg`` and :func:`panel_from_table` reads it
back (``arealsirk map``), so the map rebuilt from a GeoPackage states the same figures.  Without
that table, :func:`panel_from_balance` gives the headline from ``balance`` tables alone.  All
texts are plain text: the map inserts them with ``textContent``, the report as Word runs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..i18n import (
    BALANCE_CATEGORIES,
    PANEL_SENTENCES,
    POPULATION_WORD,
    SUMMARY_LABELS,
    THEME_LABELS,
    WORKFLOW_TITLES,
    fmt_figure,
    fmt_number,
    kommune_column_label,
    label,
)

__all__ = [
    "kommune_column_label",
    "kommune_figures",
    "panel_from_balance",
    "panel_from_results",
    "panel_from_table",
    "panel_table",
]

#: Summary keys left out of the panel (model internals); every other key of summary.md is shown.
_HIDDEN = ("workflow", "balance_headline", "objective", "gap")

_THEME_OF = {"biogas": "biogas", "reuse_centres": "reuse", "industrial_parks": "parks"}
_SERVED = ("served_within_limit", "collected", "matched")


def _theme_key(theme: str, summary: Mapping[str, Any]) -> str:
    if theme in PANEL_SENTENCES["en"]:
        return theme
    code = str(summary.get("workflow", "")).split(" ")[0]
    return _THEME_OF.get(code, "other")


def _plural(template: str, counts: Mapping[str, Any]) -> str:
    """Resolve ``{x_pl:one:many}`` fields by the count ``x``."""
    import re

    def repl(m: re.Match[str]) -> str:
        n = counts.get(m.group(1))
        return m.group(2) if n == 1 else m.group(3)

    return re.sub(r"\{(\w+)_pl:([^:}]*):([^}]*)\}", repl, template)


def _names(sites: Any, facility: str | None, *, existing: bool) -> list[str]:
    if sites is None or not len(sites) or "name" not in sites.columns:
        return []
    sel = sites
    if facility and "facility_type" in sel.columns:
        sel = sel[sel["facility_type"].astype(str) == facility]
    if "existing" in sel.columns:
        flags = sel["existing"].map(lambda v: bool(v) if v is not None and v == v else False)
        sel = sel[flags == existing]
    return [str(n) for n in sel["name"] if n is not None and n == n][:4]


_FACILITY = {"biogas": "biogas_plant", "reuse": "reuse_centre", "parks": "industrial_park"}


def _sentence(
    key: str, summary: Mapping[str, Any], sites: Any, lang: str, facility: str | None = None
) -> str:
    def fig(name: str) -> str:
        v = summary.get(name)
        if v is None or (isinstance(v, float) and not math.isfinite(v)):
            return "–"
        return fmt_figure(v, SUMMARY_LABELS.get(name, (name, name, ""))[2], lang)

    sites_n = int(summary.get("sites", 0) or 0)
    new = int(summary.get("sites_new", sites_n) or 0)
    kept = int(summary.get("sites_existing", 0) or 0)
    matches = int(summary.get("matches", 0) or 0)
    names = _names(sites, facility or _FACILITY.get(key), existing=False)
    shown = f" ({', '.join(names)})" if names else ""
    template = _plural(PANEL_SENTENCES[lang][key], {"new": new, "sites": sites_n, "matches": matches})
    values = {
        name: fig(name)
        for name in ("feedstock_t", "energy_gwh", "share_covered", "max_minutes", "saving_nok")
    }
    what = label(lang, "facility", facility).lower() if facility else ""
    return template.format(
        new=new, kept=kept, sites=sites_n, matches=matches, names=shown, facility=what, **values
    )


def _facility_of(theme: str) -> str | None:
    """The facility type of a theme in the registry (None for a theme it does not know)."""
    try:
        from ..themes import THEMES
    except ImportError:  # pragma: no cover - the registry is part of the package
        return None
    spec = THEMES.get(theme)
    return getattr(spec, "facility_type", None) if spec is not None else None


def panel_from_results(
    results: Mapping[str, Any], *, lang: str = "nb", sites: Any = None
) -> list[dict[str, Any]]:
    """The panel of workflow results (``{theme: WorkflowResult}``) in ``lang``.

    Parameters
    ----------
    results
        Workflow results by theme (``{theme: WorkflowResult}``).
    lang
        ``"nb"`` or ``"en"``.
    sites
        The merged ``selected_sites`` layer (names of the new sites in the sentence); by
        default each result's own ``selected_sites`` layer.
    """
    from ..workflows import render_message as render

    panel = []
    nb = lang == "nb"
    for theme, result in results.items():
        summary = dict(getattr(result, "summary", {}) or {})
        code = str(summary.get("workflow", theme))
        title = WORKFLOW_TITLES.get(code, (code, code))[1 if nb else 0]
        figures = []
        for key, value in summary.items():
            if key in _HIDDEN or isinstance(value, (list, tuple, dict)):
                continue
            en, nbl, unit = SUMMARY_LABELS.get(key, (key, key, ""))
            figures.append([nbl if nb else en, fmt_figure(value, unit, lang)])
        layer = sites if sites is not None else getattr(result, "layers", {}).get("selected_sites")
        key = _theme_key(theme, summary)
        facility = _facility_of(str(theme))
        panel.append(
            {
                "theme": str(theme),
                "title": title,
                "sentence": _sentence(key, summary, layer, lang, facility),
                "figures": figures,
                "headline": [render(m, lang) for m in summary.get("balance_headline", []) or []],
            }
        )
    return panel


def panel_table(panel: Sequence[Mapping[str, Any]]) -> Any:
    """The panel as a plain table (``theme, item, label, value``) for ``results.gpkg``.

    Parameters
    ----------
    panel
        Theme entries as made by :func:`panel_from_results`.
    """
    import pandas as pd

    rows = []
    for entry in panel:
        th = entry["theme"]
        rows.append((th, "title", "", entry["title"]))
        rows.append((th, "sentence", "", entry["sentence"]))
        rows += [(th, "figure", lab, val) for lab, val in entry["figures"]]
        rows += [(th, "headline", "", h) for h in entry["headline"]]
    return pd.DataFrame(rows, columns=["theme", "item", "label", "value"])


def panel_from_table(table: Any) -> list[dict[str, Any]]:
    """Read back a ``map_summary`` table written from :func:`panel_table`.

    Parameters
    ----------
    table
        The table (columns ``theme``, ``item``, ``label``, ``value``).
    """
    from ..errors import InputError

    need = {"theme", "item", "label", "value"}
    if not need <= set(table.columns):
        raise InputError(
            f"layer 'map_summary': needs columns {', '.join(sorted(need))}; "
            f"has {', '.join(map(str, table.columns))}"
        )
    panel: dict[str, dict[str, Any]] = {}
    for th, item, lab, val in zip(table["theme"], table["item"], table["label"], table["value"], strict=True):
        entry = panel.setdefault(
            str(th), {"theme": str(th), "title": str(th), "sentence": "", "figures": [], "headline": []}
        )
        val = "" if val is None or val != val else str(val)
        if item == "title":
            entry["title"] = val
        elif item == "sentence":
            entry["sentence"] = val
        elif item == "figure":
            entry["figures"].append(["" if lab is None or lab != lab else str(lab), val])
        elif item == "headline":
            entry["headline"].append(val)
    return list(panel.values())


def panel_from_balance(balances: Mapping[str, Any], *, lang: str = "nb") -> list[dict[str, Any]]:
    """A headline-only panel from ``balance`` tables (theme -> DataFrame of interfaces item 3).

    For each theme, the three largest shares that are not served/collected/matched, as
    "34 % of population: no site on its road part".

    Parameters
    ----------
    balances
        ``{theme: balance table}`` (columns ``stream``, ``category``, ``share``).
    lang
        ``"nb"`` or ``"en"``.
    """
    panel = []
    for theme, df in balances.items():
        if df is None or not len(df) or not {"stream", "category", "share"} <= set(df.columns):
            continue
        lost = df[~df["category"].astype(str).isin(_SERVED)]
        lost = lost.assign(_s=lost["share"].astype(float)).sort_values("_s", ascending=False).head(3)
        lines = []
        for _, row in lost.iterrows():
            stream = str(row["stream"])
            what = (
                label(lang, "kind", stream)
                if stream != "population"
                else POPULATION_WORD["nb" if lang == "nb" else "en"][0]
            )
            cat = BALANCE_CATEGORIES[lang].get(str(row["category"]), str(row["category"]))
            lines.append(
                f"{fmt_number(row['_s'], lang, percent=True)} {'av' if lang == 'nb' else 'of'} {what}: {cat}"
            )
        if lines:
            panel.append(
                {"theme": str(theme), "title": str(theme), "sentence": "", "figures": [], "headline": lines}
            )
    return panel


#: Per theme, the per-kommune columns a kommune popup shows (those present; ``share_<m>_min`` by pattern).
#: The cooperation indicators a kommune popup shows per theme (:func:`with_indicators`).
_COST = ("transport_co2_t", "cost_nok", "share_of_cost")
_FEEDSTOCK_COLUMNS = ("supplied_t", "collected_t", "served_by", "share_transport", *_COST)
_KOMMUNE_COLUMNS = {
    "biogas": _FEEDSTOCK_COLUMNS,
    "bioenergy": _FEEDSTOCK_COLUMNS,
    "textiles": _FEEDSTOCK_COLUMNS,
    "reuse": ("main_site", "share_*_min", "unreachable_population", *_COST),
    "parks": ("parks_selected", "best_score"),
}


def with_indicators(tables: Mapping[str, Any], indicators: Any) -> dict[str, Any]:
    """The per-kommune tables with the cooperation indicators every member compares (issue 17):
    each theme's net annual cost (``cost_nok``), its share of the cost (``share_of_cost``) and the
    transport CO2 of its feedstock (``transport_co2_t``), from the ``indicators`` table's rows of
    kind ``all`` (:func:`arealsirk.indicators.kommune_indicators`), joined by kommunenummer.

    Parameters
    ----------
    tables
        ``{theme: by_kommune table}`` (a theme without one gets the indicator columns alone).
    indicators
        The long indicator table (``kommunenummer, theme, indicator, kind, value``), or ``None``.

    Returns
    -------
    dict
        ``{theme: table}`` for :func:`kommune_figures`.
    """
    import pandas as pd

    out = {theme: df for theme, df in tables.items() if df is not None}
    if indicators is None or not len(indicators):
        return out
    rows = indicators[indicators["indicator"].isin(_COST) & (indicators["kind"].astype(str) == "all")]
    for theme, part in rows.groupby("theme"):
        wide = part.assign(kommunenummer=part["kommunenummer"].astype(str)).pivot_table(
            index="kommunenummer", columns="indicator", values="value", aggfunc="first").reset_index()
        own = out.get(str(theme))
        if own is not None and "kommunenummer" in own.columns:
            own = own.assign(kommunenummer=own["kommunenummer"].astype(str))
            wide = own.drop(columns=[c for c in _COST if c in own.columns]).merge(
                wide, on="kommunenummer", how="outer")
        out[str(theme)] = pd.DataFrame(wide)
    return out


def kommune_figures(tables: Mapping[str, Any], *, lang: str = "nb") -> dict[str, list[list[str]]]:
    """A kommune's own figures for its popup: ``{kommunenummer: [[label, value], ...]}``.

    Parameters
    ----------
    tables
        ``{theme: by_kommune table}``: what the kommune supplies, where it goes, its share of
        the transport (biogas), the share of residents within each travel-time band and its
        main centre (reuse), parks chosen (parks).
    lang
        ``"nb"`` or ``"en"``.
    """
    out: dict[str, list[list[str]]] = {}
    for theme, df in tables.items():
        if df is None or not len(df) or "kommunenummer" not in df.columns:
            continue
        wanted = _KOMMUNE_COLUMNS.get(
            theme, tuple(c for c in df.columns if c not in ("kommunenummer", "kommunenavn"))[:4]
        )
        cols: list[str] = []
        for w in wanted:
            cols += sorted(
                (c for c in df.columns if re.fullmatch(w.replace("*", r"\d+"), c)),
                key=lambda c: int(re.sub(r"\D", "", c) or 0),
            )
        prefix = THEME_LABELS[lang].get(theme, theme)
        for rec in df.to_dict("records"):
            k = str(rec["kommunenummer"])
            for c in cols:
                v = rec.get(c)
                if v is None or (isinstance(v, float) and not math.isfinite(v)) or v == "":
                    continue
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    text = fmt_number(v, lang, percent=c.startswith("share"))
                else:
                    text = str(v)
                out.setdefault(k, []).append([f"{prefix}: {kommune_column_label(c, lang)}", text])
    return out
