"""A Word report for the case document (saksframlegg) from a saved ``results.gpkg``.

``arealsirk report RESULTS.gpkg --out rapport.docx [--lang nb|en]`` writes, with python-docx
(extra ``report``): the proposal (one sentence per theme), a static map drawn from the
results, the key figures, the per-kommune tables, the balance (who and what is not reached
and why), the method, the defaults used with their sources, and the data sources.  Bokmål by
default, English on request.  Every text from the data goes into Word runs as text (no
template, no markup); characters that XML cannot hold are dropped.
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .errors import InputError, MissingFileError, OutputError
from .i18n import (
    BALANCE_CATEGORIES,
    POPULATION_WORD,
    REPORT_METHOD,
    REPORT_TEXT,
    check_lang,
    fmt_number,
    kommune_column_label,
    label,
    t,
)

log = logging.getLogger("arealsirk")

__all__ = ["write_report"]

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

_PREFIXES = {
    "biogas": ("biogas.", "resources.", "transport."),
    "reuse": ("reuse.",),
    "parks": ("parks.", "symbiosis."),
}


def _clean(value: Any) -> str:
    """Text for a Word run: '' for missing, XML-illegal control characters dropped."""
    from ._text import plain

    return _XML_ILLEGAL.sub("", plain(value))


def _table(
    doc: Any, header: Sequence[str], rows: Sequence[Sequence[Any]], *, numeric: Sequence[bool] = ()
) -> Any:
    """A Word table with a bold header row; numbers right-aligned."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(_clean(text)).bold = True
    for row in rows:
        cells = table.add_row().cells
        for j, (cell, text) in enumerate(zip(cells, row, strict=True)):
            cell.text = _clean(text)
            if j < len(numeric) and numeric[j]:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return table


def _read(gpkg: Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """(result layers, plain tables, run_info) of a results GeoPackage."""
    import pyogrio

    from .io import list_layers, read_layer
    from .webmap import LAYER_NAMES, read_run_info

    names = list_layers(gpkg)
    layers = {n: read_layer(gpkg, n) for n in names if n in LAYER_NAMES}
    tables = {}
    for n in names:
        if n in LAYER_NAMES or n == "run_info":
            continue
        try:
            tables[n] = pyogrio.read_dataframe(gpkg, layer=n, read_geometry=False)
        except Exception as exc:
            raise InputError(f"{gpkg}, layer '{n}': cannot be read ({exc})") from exc
    if not layers and not tables:
        raise InputError(f"{gpkg}: no arealsirk results in it (found {', '.join(names) or 'no layers'})")
    return layers, tables, read_run_info(gpkg)


def _cell(value: Any, column: str, lang: str) -> tuple[str, bool]:
    """A table cell as text and whether it is a number."""
    if isinstance(value, bool):
        return fmt_number(value, lang), False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if column.startswith("share") or column in ("utilisation",):
            return fmt_number(value, lang, percent=True), True
        return fmt_number(value, lang), True
    return _clean(value), False


def _by_kommune(doc: Any, table: Any, lang: str, names: Mapping[str, str]) -> None:
    if "kommunenavn" not in table.columns and "kommunenummer" in table.columns and names:
        table = table.assign(
            kommunenavn=table["kommunenummer"].map(lambda k: names.get(_clean(k), _clean(k)))
        )
        table = table[["kommunenavn", *[c for c in table.columns if c != "kommunenavn"]]]
    cols = [c for c in table.columns if c != "kommunenummer" or "kommunenavn" not in table.columns]
    cols = cols[:8]  # a portrait page holds about eight columns
    header = [kommune_column_label(c, lang) for c in cols]
    rows, numeric = [], [False] * len(cols)
    for rec in table[cols].to_dict("records"):
        row = []
        for j, c in enumerate(cols):
            text, num = _cell(rec[c], c, lang)
            numeric[j] = numeric[j] or num
            row.append(text)
        rows.append(row)
    _table(doc, header, rows, numeric=numeric)


def _balance(doc: Any, table: Any, lang: str) -> None:
    txt = REPORT_TEXT[lang]
    rows = []
    for rec in table.to_dict("records"):
        stream = _clean(rec.get("stream"))
        kind, colon, role = stream.rpartition(":")  # "<kind>:<role>"; a kind may hold a colon
        what = label(lang, "kind", kind) + colon + role if colon else label(lang, "kind", stream)
        if stream == "population":
            what = POPULATION_WORD[lang][1]
        cat = BALANCE_CATEGORIES[lang].get(_clean(rec.get("category")), _clean(rec.get("category")))
        unit = label(lang, "unit", _clean(rec.get("unit")))
        rows.append(
            [
                what,
                cat,
                f"{fmt_number(rec.get('quantity'), lang)} {unit}".strip(),
                fmt_number(rec.get("share"), lang, percent=True),
            ]
        )
    _table(
        doc,
        [txt["stream"], txt["category"], txt["quantity"], txt["share"]],
        rows,
        numeric=[False, False, True, True],
    )


def _defaults(doc: Any, themes: Sequence[str], lang: str) -> None:
    from . import defaults

    prefixes = ("network.", *(p for th in themes for p in _PREFIXES.get(th, ())))
    rows = [
        [r.key, fmt_number(r.value, lang), r.unit, r.source]
        for r in defaults.table()
        if r.key.startswith(prefixes)
    ]
    txt = REPORT_TEXT[lang]
    doc.add_paragraph(txt["defaults_intro"])
    _table(
        doc, [txt["key"], txt["value"], txt["unit"], txt["source"]], rows, numeric=[False, True, False, False]
    )


def _static_image(
    layers: Mapping[str, Any], folder: Path, *, lang: str, title: str, synthetic: bool
) -> Path | None:
    from .webmap import static_map

    if not layers:
        return None
    try:
        return static_map(
            layers,
            folder / "map.png",
            lang=lang,
            title=title,
            synthetic=synthetic,
            dpi=110,
            figsize=(7.5, 7.5),
        )
    except ImportError:
        raise
    except Exception as exc:  # a map that cannot be drawn must not cost the whole report: said in the log
        log.warning("report: no map image (%s)", exc)
        return None


def write_report(
    results_gpkg: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    lang: str = "nb",
    title: str | None = None,
) -> Path:
    """Write the case-document report of a ``results.gpkg`` as a Word file (``.docx``).

    Parameters
    ----------
    results_gpkg
        Results written by ``arealsirk run`` / ``demo`` (layers, ``<theme>_by_kommune``,
        ``<theme>_balance``, ``map_summary``, ``run_info``).
    out
        Target ``.docx`` (written atomically).
    lang
        ``"nb"`` (default) or ``"en"``.  The proposal sentences and key figures are stored in
        the language of the run; the rest of the report follows ``lang``.
    title
        Report title; default from the run (``run_info``).

    Returns
    -------
    Path
        ``out``.
    """
    from ._optional import require
    from .io import atomic_path
    from .webmap.common import _clean_title, _truthy
    from .webmap.summary import panel_from_table

    lang = check_lang(lang)
    results_gpkg, out = Path(results_gpkg), Path(out)
    if not results_gpkg.is_file():
        raise MissingFileError(f"{results_gpkg}: file not found")
    if out.suffix.lower() != ".docx":
        raise InputError(f"{out}: the report is written as .docx (Word); give a file name ending in .docx")
    require("docx", extra="report", purpose="Word reports")
    import docx

    layers, tables, info = _read(results_gpkg)
    synthetic = _truthy(info.get("synthetic"))
    name = _clean_title(
        _clean(title or info.get("title") or info.get("name") or results_gpkg.stem), synthetic
    )
    panel = panel_from_table(tables["map_summary"]) if "map_summary" in tables else []
    themes = [p["theme"] for p in panel] or sorted({n.split("_", 1)[0] for n in tables if "_" in n})
    doc = docx.Document()
    doc.core_properties.title = name
    _front(doc, name, info, lang=lang, synthetic=synthetic)
    _proposal(doc, panel, layers, lang=lang, name=name, synthetic=synthetic)
    _kommune_tables(doc, layers, tables, themes, panel, lang)
    _balances(doc, tables, themes, panel, lang)
    _cooperation(doc, tables, lang, REPORT_TEXT[lang])
    _method_and_sources(doc, themes, info, lang=lang, synthetic=synthetic)
    try:
        with atomic_path(out) as tmp_path:
            doc.save(str(tmp_path))
    except OSError as exc:
        raise OutputError(f"{out}: cannot write the report ({exc})") from exc
    return out


def _front(doc: Any, name: str, info: Mapping[str, str], *, lang: str, synthetic: bool) -> None:
    """Title, the run's name, when and with which version it was made, the synthetic-data warning."""
    txt = REPORT_TEXT[lang]
    doc.add_heading(_clean(txt["title"]), level=0)
    doc.add_paragraph(name).runs[0].bold = True
    doc.add_paragraph(
        txt["made"].format(date=_dt.date.today().isoformat(), version=info.get("arealsirk_version", ""))
    )
    if synthetic:
        doc.add_paragraph(txt["synthetic"]).runs[0].bold = True


def _proposal(
    doc: Any,
    panel: Sequence[Mapping[str, Any]],
    layers: Mapping[str, Any],
    *,
    lang: str,
    name: str,
    synthetic: bool,
) -> None:
    """The proposal (one sentence per theme), the static map and the key figures per theme."""
    from docx.shared import Cm

    txt = REPORT_TEXT[lang]
    doc.add_heading(txt["proposal"], level=1)
    if not panel:
        doc.add_paragraph(txt["no_panel"])
    for entry in panel:
        doc.add_paragraph(_clean(entry["sentence"]), style="List Bullet")
    with tempfile.TemporaryDirectory(prefix="arealsirk-report-") as tmp:
        image = _static_image(layers, Path(tmp), lang=lang, title=name, synthetic=synthetic)
        if image is not None:
            doc.add_heading(txt["map"], level=1)
            doc.add_picture(str(image), width=Cm(16))
    doc.add_heading(txt["figures"], level=1)
    for entry in panel:
        doc.add_heading(_clean(entry["title"]), level=2)
        _table(doc, [txt["figure"], txt["value"]], entry["figures"], numeric=[False, True])


def _kommune_tables(
    doc: Any,
    layers: Mapping[str, Any],
    tables: Mapping[str, Any],
    themes: Sequence[str],
    panel: Sequence[Mapping[str, Any]],
    lang: str,
) -> None:
    """The per-kommune table of each theme, kommune numbers named from the ``kommuner`` layer."""
    doc.add_heading(REPORT_TEXT[lang]["kommuner"], level=1)
    names: dict[str, str] = {}
    k = layers.get("kommuner")
    if k is not None and {"kommunenummer", "kommunenavn"} <= set(k.columns):
        names = {_clean(a): _clean(b) for a, b in zip(k["kommunenummer"], k["kommunenavn"], strict=False)}
    for th in themes:
        if f"{th}_by_kommune" in tables and len(tables[f"{th}_by_kommune"]):
            doc.add_heading(_theme_title(th, panel), level=2)
            _by_kommune(doc, tables[f"{th}_by_kommune"], lang, names)


def _balances(
    doc: Any,
    tables: Mapping[str, Any],
    themes: Sequence[str],
    panel: Sequence[Mapping[str, Any]],
    lang: str,
) -> None:
    """Where everyone and everything went: per theme the headline and the balance table."""
    balances = [(th, tables[f"{th}_balance"]) for th in themes if f"{th}_balance" in tables]
    merged = tables.get("balance")
    if merged is not None and len(merged):  # one table of every theme (theme column) or of one run
        if "theme" in merged.columns:
            by_theme = merged.groupby(merged["theme"].astype(str), sort=False)
            balances += [(str(th), part) for th, part in by_theme if f"{th}_balance" not in tables]
        else:
            balances.append(("", merged))
    if not balances:
        return
    txt = REPORT_TEXT[lang]
    doc.add_heading(txt["balance"], level=1)
    doc.add_paragraph(txt["balance_intro"])
    for th, table in balances:
        if th:
            doc.add_heading(_theme_title(th, panel), level=2)
        entry = next((p for p in panel if p["theme"] == th), None)
        for line in (entry or {}).get("headline", []):
            doc.add_paragraph(_clean(line), style="List Bullet")
        _balance(doc, table, lang)


def _method_and_sources(
    doc: Any, themes: Sequence[str], info: Mapping[str, str], *, lang: str, synthetic: bool
) -> None:
    """The method per theme, the defaults used with their sources, and the data sources."""
    txt = REPORT_TEXT[lang]
    doc.add_heading(txt["method"], level=1)
    for th in themes:
        if th in REPORT_METHOD[lang]:
            doc.add_paragraph(REPORT_METHOD[lang][th])
    doc.add_heading(txt["defaults"], level=1)
    _defaults(doc, themes, lang)
    doc.add_heading(txt["sources"], level=1)
    attribution = info.get("attribution")
    lines = (
        [attribution]
        if attribution
        else [t(lang, "attr.kartverket"), t(lang, "attr.ssb"), t(lang, "attr.osm")]
    )
    if synthetic:
        lines.append(t(lang, "attr.synthetic"))
    for line in lines:
        doc.add_paragraph(_clean(line), style="List Bullet")


def _cooperation(doc: Any, tables: Mapping[str, Any], lang: str, txt: Mapping[str, str]) -> None:
    """The cost-sharing table and the common indicators of a run with ``[cooperation]`` (when present)."""
    if "cost_sharing" in tables:
        doc.add_heading(txt["cooperation"], level=1)
        doc.add_paragraph(txt["cooperation_intro"])
        _by_kommune(doc, tables["cost_sharing"], lang, {})
    if "indicators" in tables:
        from .indicators import wide

        table = wide(tables["indicators"]).drop(columns=["scenario"], errors="ignore")
        doc.add_heading(txt["indicators"], level=1)
        _by_kommune(doc, table, lang, {})


def _theme_title(theme: str, panel: Sequence[Mapping[str, Any]]) -> str:
    for p in panel:
        if p["theme"] == theme:
            return _clean(p["title"])
    return theme
