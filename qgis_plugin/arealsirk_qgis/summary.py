"""A workflow result's summary as readable text: an HTML page for the Results Viewer, plain text for the log.

The content is that of ``WorkflowResult.summary_markdown`` (the same labels, units, number
formats and message catalogue, in the user's language), but built straight into HTML instead
of Markdown, so QGIS shows formatted text rather than Markdown code.  Every text that can come
from the data (names, ids, kinds in messages, text figures) is inserted with
:func:`arealsirk._text.escape_html`; only the page's own tags are markup.
"""

from __future__ import annotations

from typing import Any

_STYLE = (
    "body{font-family:sans-serif;font-size:10pt}"
    "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:2px 8px}"
    "td.v{text-align:right}"
)


def _parts(result: Any, lang: str, escape: Any) -> dict[str, Any]:
    """Title, balance headline, status, key-figure rows and notes, each already rendered with ``escape``."""
    from arealsirk.i18n import STATUS_LABELS, SUMMARY_LABELS, SUMMARY_WORDS, WORKFLOW_TITLES, fmt_figure, word
    from arealsirk.workflows import render_message as render

    nb = lang == "nb"
    pick = 1 if nb else 0
    summary = dict(getattr(result, "summary", {}) or {})
    code = str(summary.get("workflow", "workflow"))
    status = str(getattr(result, "status", ""))
    headline = list(summary.get("balance_headline", []) or [])
    rows = []
    for key, value in summary.items():
        if key in ("workflow", "balance_headline"):
            continue
        en, nbl, unit = SUMMARY_LABELS.get(key, (key, key, ""))
        label = nbl if nb else en
        rows.append((escape(label), escape(fmt_figure(value, unit, lang))))
    messages = list(getattr(result, "messages", []) or [])
    return {
        "title": escape(WORKFLOW_TITLES.get(code, (code, code))[pick]),
        "headline_title": word(SUMMARY_WORDS, "headline", lang),
        "headline": [render(m, lang, escape=escape) for m in headline],
        "status_label": "Status",
        "status": escape(STATUS_LABELS.get(status, (status, status))[pick]),
        "figure": word(SUMMARY_WORDS, "figure", lang),
        "value": word(SUMMARY_WORDS, "value", lang),
        "rows": rows,
        "notes_title": word(SUMMARY_WORDS, "notes", lang),
        "notes": [render(m, lang, escape=escape) for m in messages if m not in headline],
    }


def summary_html(result: Any, *, lang: str = "en") -> str:
    """A small self-contained HTML page with the summary of ``result`` (``lang`` "en" or "nb")."""
    from arealsirk._text import escape_html

    p = _parts(result, lang, escape_html)
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{"nb" if lang == "nb" else "en"}"><head><meta charset="utf-8">',
        f"<title>{p['title']}</title><style>{_STYLE}</style></head><body>",
        f"<h2>{p['title']}</h2>",
    ]
    if p["headline"]:
        out.append(f"<p><b>{p['headline_title']}</b></p><ul>")
        out += [f"<li>{line}</li>" for line in p["headline"]]
        out.append("</ul>")
    out.append(f"<p>{p['status_label']}: <b>{p['status']}</b></p>")
    out.append(f"<table><tr><th>{p['figure']}</th><th>{p['value']}</th></tr>")
    out += [f'<tr><td>{label}</td><td class="v">{value}</td></tr>' for label, value in p["rows"]]
    out.append("</table>")
    if p["notes"]:
        out.append(f"<p><b>{p['notes_title']}</b></p><ul>")
        out += [f"<li>{line}</li>" for line in p["notes"]]
        out.append("</ul>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def summary_text(result: Any, *, lang: str = "en") -> str:
    """The same summary as plain text lines (for the Processing log, which shows text, not markup)."""
    p = _parts(result, lang, str)
    lines = [p["title"], ""]
    if p["headline"]:
        lines += [p["headline_title"] + ":"] + [f"  - {line}" for line in p["headline"]] + [""]
    lines += [f"{p['status_label']}: {p['status']}", ""]
    width = max((len(label) for label, _ in p["rows"]), default=0)
    lines += [f"  {label.ljust(width)}  {value}" for label, value in p["rows"]]
    if p["notes"]:
        lines += ["", p["notes_title"] + ":"] + [f"  - {line}" for line in p["notes"]]
    return "\n".join(lines)
