"""``arealsirk report``: the Word report for the case document, opened again with python-docx.

Expected values come from the run's other outputs (summary.md and the tables of
results.gpkg), formatted by hand here, never from the report code.
"""

from __future__ import annotations

import re
import shutil

import docx  # python-docx: the report extra (pip install .[report])
import pytest

from arealsirk import pipeline
from arealsirk.cli import main


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("rep") / "out"
    res = pipeline.run_demo(out, lang="nb")
    return res


def _report(demo, tmp_path, *args):
    out = tmp_path / "rapport.docx"
    assert main(["report", str(demo.results), "--out", str(out), *args]) == 0
    return docx.Document(str(out))


def _md_figures(md: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in re.finditer(r"^\| ([^|]+) \| ([^|]+) \|$", md, re.M)}


def _grouped(x: float) -> str:
    """Bokmål thousands: narrow no-break spaces, no decimals (by hand)."""
    return f"{round(x):,}".replace(",", "\u202f")


def test_report_has_the_key_figures_of_summary_md(demo, tmp_path):
    doc = _report(demo, tmp_path)
    md = demo.summary.read_text(encoding="utf-8")
    expected = _md_figures(md)
    figure_tables = [t for t in doc.tables if [c.text for c in t.rows[0].cells] == ["Nøkkeltall", "Verdi"]]
    assert len(figure_tables) == 3  # one per theme
    n = 0
    for table in figure_tables:
        for row in table.rows[1:]:
            label, value = (c.text for c in row.cells)
            assert expected.get(label) == value or f"| {label} | {value} |" in md, (label, value)
            n += 1
    assert n >= 20
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Forslag: 1 nytt biogassanlegg" in text and "Hvor alle og alt havnet" in text
    assert "seed" not in text.lower()
    assert len(doc.inline_shapes) == 1  # the static map


def test_report_per_kommune_table(demo, tmp_path):
    import pyogrio

    doc = _report(demo, tmp_path)
    table = pyogrio.read_dataframe(demo.results, layer="biogas_by_kommune", read_geometry=False)
    kommuner = pyogrio.read_dataframe(demo.results, layer="kommuner", read_geometry=False)
    wanted = ["Kommune", "Leverer (tonn/år)", "Samlet inn (tonn/år)"]
    found = [t for t in doc.tables if [c.text for c in t.rows[0].cells][:3] == wanted]
    assert len(found) == 1
    rows = [[c.text for c in r.cells] for r in found[0].rows[1:]]
    assert [r[0] for r in rows] == list(table["kommunenavn"])
    assert sorted(r[0] for r in rows) == sorted(kommuner["kommunenavn"])
    for r, supplied, collected in zip(rows, table["supplied_t"], table["collected_t"], strict=True):
        assert r[1] == _grouped(supplied) and r[2] == _grouped(collected)
    # the balance table: the parts of each stream add up to 100 %
    bal = [
        t for t in doc.tables if [c.text for c in t.rows[0].cells] == ["Strøm", "Kategori", "Mengde", "Andel"]
    ]
    assert len(bal) == 3
    shares: dict[str, float] = {}
    for r in bal[0].rows[1:]:
        stream, _, _, share = (c.text for c in r.cells)
        shares[stream] = shares.get(stream, 0) + float(share.replace(" %", "").replace(",", "."))
    assert all(abs(v - 100) <= 1.0 for v in shares.values()), shares


def test_report_in_english_and_defaults_with_sources(demo, tmp_path):
    doc = _report(demo, tmp_path, "--lang", "en")
    heads = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert {
        "The proposal",
        "Key figures",
        "Figures per municipality",
        "Where everyone and everything went",
        "Method",
        "Defaults used",
        "Data sources",
    } <= set(heads)
    defaults = [
        t for t in doc.tables if [c.text for c in t.rows[0].cells] == ["Key", "Value", "Unit", "Source"]
    ]
    keys = [r.cells[0].text for r in defaults[0].rows[1:]]
    assert "reuse.max_minutes" in keys and any(k.startswith("biogas.") for k in keys)
    assert all(r.cells[3].text.strip() for r in defaults[0].rows[1:])  # every default names its source


def test_report_data_text_stays_text(demo, tmp_path):
    """Names with markup, template syntax and an XML-illegal control character end up as plain text."""
    import geopandas as gpd

    gpkg = tmp_path / "results.gpkg"
    shutil.copy(demo.results, gpkg)
    k = gpd.read_file(gpkg, layer="kommuner")
    k.loc[0, "kommunenavn"] = "<w:t>{{7*7}}</w:t>\x07 & co"
    k.to_file(gpkg, layer="kommuner", driver="GPKG")
    out = tmp_path / "r.docx"
    assert main(["report", str(gpkg), "--out", str(out)]) == 0
    cells = [c.text for t in docx.Document(str(out)).tables for r in t.rows for c in r.cells]
    assert "<w:t>{{7*7}}</w:t> & co" in cells and "49" not in cells


def test_report_refuses_bad_targets(demo, tmp_path, capsys):
    assert main(["report", str(demo.results), "--out", str(tmp_path / "r.pdf")]) == 2
    assert "r.pdf: the report is written as .docx" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing.gpkg"), "--out", str(tmp_path / "r.docx")]) == 2
    assert "missing.gpkg" in capsys.readouterr().err
    assert main(["report", str(demo.results), "--out", str(demo.results)]) == 2
