"""The result object every workflow returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

# the labels live in arealsirk.i18n; re-exported here for the modules that name them
from ..i18n import STATUS_LABELS, SUMMARY_LABELS, SUMMARY_WORDS, WORKFLOW_TITLES, fmt_figure, word

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["STATUS_LABELS", "SUMMARY_LABELS", "WORKFLOW_TITLES", "WorkflowResult"]


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
        raw = self.summary.get("balance_headline") or []
        headline = list(raw) if isinstance(raw, (list, tuple)) else [raw]
        if headline:
            lines += [f"**{word(SUMMARY_WORDS, 'headline', lang)}**", ""]
            lines += [f"- {render(m, lang, escape=md)}" for m in headline] + [""]
        lines += [f"Status: **{status}**", ""]
        lines += [
            f"| {word(SUMMARY_WORDS, 'figure', lang)} | {word(SUMMARY_WORDS, 'value', lang)} |",
            "|---|---|",
        ]
        for key, value in self.summary.items():
            if key in ("workflow", "balance_headline"):
                continue
            en, nbl, unit = SUMMARY_LABELS.get(key, (md(key), md(key), ""))
            cell = fmt_figure(value, unit, lang)
            if not isinstance(value, (int, float)):  # text from the data: no markup, no table break
                cell = md(cell)
            lines.append(f"| {nbl if nb else en} | {cell} |")
        notes = [m for m in self.messages if m not in headline]
        if notes:
            lines += ["", f"**{word(SUMMARY_WORDS, 'notes', lang)}**", ""]
            lines += [f"- {render(m, lang, escape=md)}" for m in notes]
        return "\n".join(lines) + "\n"
