"""Data never becomes code or markup: a payload corpus in every text column, end to end.

The demo inputs are exported with the CLI, every text column of every layer (and the
scenario name, which becomes the map title and the summary heading) is overwritten with
template, HTML/JavaScript and Markdown payloads, and the real CLI runs ``arealsirk run``
and ``arealsirk map`` on them in a scratch folder.  Expected values are the payload texts
themselves, escaped by an independent rule per output (JSON string form for the map data,
character references for the HTML title, CommonMark backslash escapes for summary.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .browser_util import ARTIFACTS, DESKTOP, Page, chromium, missing_browser

REPO = Path(__file__).resolve().parents[2]

#: Each template payload would leave a tell-tale text if a template engine evaluated it.
TEMPLATE = [
    "{{7*7}}",
    "{{ 'ab' ~ 'cd' * 3 }}",  # evaluated: abcdcdcd
    "{% for x in range(3) %}Zq{% endfor %}",  # evaluated: ZqZqZq
    "{#c#}",
    "Hall {#2} nord",  # crashed the run (TemplateSyntaxError)
    "Lager {{ B }}",  # lost its text
    "{{ cycler.__init__.__globals__.os.system('touch PWNED') }}",
    "{{ self.__init__.__globals__.__builtins__.open('PWNED2','w').write('x') }}",
    "{% set x = joiner.__init__.__globals__.os.system('touch PWNED3') %}",
]
HTML = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "</script><script>alert(2)</script>",
]
MARKDOWN = ["[x](javascript:alert(1))", "| pipes |", "# heading", "`tick` ``x``"]
PAYLOADS = TEMPLATE + HTML + MARKDOWN
EVALUATED = ["abcdcdcd", "ZqZqZq"]
TITLE = "Demo {{7*7}} {#c#} <script>alert(1)</script> [x](javascript:alert(1)) | a |"
#: Columns that are codes, not free text (a payload there is refused, rightly).
CODES = {
    "kommunenummer",
    "unit",
    "role",
    "facility_type",
    "zone_type",
    "zone_id",
    "vegkategori",
    "typeVeg",
    "ssbid",
}
TEXT_LAYERS = (
    "kommuner",
    "sources",
    "zones",
    "existing",
    "flows",
    "towns",
    "stations",
    "region",
    "protected",
    "lakes",
    "settlements",
)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    code = "import sys; from arealsirk.cli import main; sys.exit(main())"
    return subprocess.run(
        [sys.executable, "-c", code, "--no-progress", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _json_form(text: str) -> str:
    """How ``text`` must appear inside the map's JSON: an independent re-statement of the rule."""
    s = json.dumps(text, ensure_ascii=False)[1:-1]
    for ch, rep in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        s = s.replace(ch, rep)
    out = []
    for i, ch in enumerate(s):
        out.append("\\u007b" if ch == "{" and s[i + 1 : i + 2] in ("{", "%", "#") else ch)
    return "".join(out)


def _md_form(text: str) -> str:
    r"""CommonMark literal form of the payloads (none has a '_' or a leading block marker other than '#').

    Backslash before each character that can open inline syntax, entities for ``& < >``.
    """
    special = set("\\`*[]|~$#{}")
    out = "".join("\\" + c if c in special else c for c in text)
    return out.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _inject(folder: Path, *, kinds: bool) -> dict[str, list[str]]:
    """Overwrite the text columns of the exported demo inputs with payloads; the columns touched."""
    import geopandas as gpd
    import pandas as pd
    import pyogrio

    gpkg = folder / "inputs.gpkg"
    present = {row[0] for row in pyogrio.list_layers(gpkg)}
    touched: dict[str, list[str]] = {}
    for layer in TEXT_LAYERS:
        if layer not in present:
            continue
        g = gpd.read_file(gpkg, layer=layer)
        for col in g.columns:
            if col == g.geometry.name or col in CODES or not pd.api.types.is_string_dtype(g[col]):
                continue
            if col == "kind":
                if not kinds:
                    continue
                # every third row: the other rows keep real kinds, so the themes still have feedstock
                g[col] = [
                    f"{PAYLOADS[(i // 3) % len(PAYLOADS)]} {v}" if i % 3 == 0 else v
                    for i, v in enumerate(g[col])
                ]
            else:  # the payload first, the old value after it keeps ids unique
                g[col] = [f"{PAYLOADS[i % len(PAYLOADS)]} {v}" for i, v in enumerate(g[col])]
            touched.setdefault(layer, []).append(col)
        g.to_file(gpkg, layer=layer, driver="GPKG")
    scenario = folder / "scenario.toml"
    text = scenario.read_text(encoding="utf-8")
    lines = [f"name = {json.dumps(TITLE)}" if ln.startswith("name = ") else ln for ln in text.splitlines()]
    scenario.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return touched


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """``arealsirk run`` and ``arealsirk map`` on payload-laden demo inputs (kinds too, if accepted)."""
    base = tmp_path_factory.mktemp("inject")
    res = _cli("demo", "--export-inputs", "inputs", cwd=base)
    assert res.returncode == 0, res.stderr
    touched = _inject(base / "inputs", kinds=True)
    res = _cli("run", "inputs/scenario.toml", "--out", "out", cwd=base)
    kinds_refused = res.returncode != 0
    if kinds_refused:
        # an unknown kind may be refused (one line, exit 2, naming the kind column); then run without
        assert res.returncode == 2 and "kind" in res.stderr and "Traceback" not in res.stderr, res.stderr
        assert len(res.stderr.strip().splitlines()) == 1, res.stderr
        _cli("demo", "--export-inputs", "inputs2", cwd=base)
        touched = _inject(base / "inputs2", kinds=False)
        res = _cli("run", "inputs2/scenario.toml", "--out", "out", cwd=base)
    assert res.returncode == 0, res.stderr
    res_map = _cli("map", "out/results.gpkg", "--out", "rebuilt.html", cwd=base)
    assert res_map.returncode == 0, res_map.stderr
    return {
        "base": base,
        "touched": touched,
        "kinds_refused": kinds_refused,
        "map": (base / "out" / "map.html").read_text(encoding="utf-8"),
        "rebuilt": (base / "rebuilt.html").read_text(encoding="utf-8"),
        "summary": (base / "out" / "summary.md").read_text(encoding="utf-8"),
    }


def test_every_text_column_was_injected(run):
    t = run["touched"]
    assert {"name", "id"} <= set(t["sources"]) and {"name", "id"} <= set(t["zones"])
    assert "kommunenavn" in t["kommuner"] and "name" in t["existing"] and "name" in t["flows"]
    if not run["kinds_refused"]:
        assert "kind" in t["sources"] and "kind" in t["flows"]


def test_no_payload_ran_code(run):
    base = run["base"]
    made = sorted(p.name for p in base.rglob("PWNED*")) + sorted(p.name for p in REPO.glob("PWNED*"))
    assert made == []
    for name in ("map", "rebuilt", "summary"):
        for tell in EVALUATED:
            assert tell not in run[name], (name, tell)


@pytest.mark.parametrize("which", ["map", "rebuilt"])
def test_map_holds_every_payload_as_text(run, which):
    html = run[which]
    for p in PAYLOADS:
        assert _json_form(p) in html, (which, p)
    for raw in ("<script>alert", "<img src=x", "<svg onload", "{{7*7}}", "{#c#}", "{% for"):
        assert raw not in html, (which, raw)
    # the title: HTML character references in <title>, JSON form in the title block
    ref = (
        TITLE.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
        .replace("{", "&#123;")
        .replace("}", "&#125;")
    )
    assert ref in html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert _json_form(TITLE) in html


def test_summary_holds_payloads_as_literal_markdown(run):
    md = run["summary"]
    assert md.splitlines()[0] == "# Sammendrag: " + _md_form(TITLE)
    for raw in ("<script", "<img", "<svg", "[x](javascript", "`tick`"):
        assert raw not in md, raw
    # site names reach the notes: the names of the zones and existing sites are payloads
    shown = [p for p in PAYLOADS if _md_form(p) in md]
    assert len(shown) >= 8, shown
    # every table row still has exactly two cells (a '|' in a name is escaped)
    for line in md.splitlines():
        if line.startswith("| ") and not line.startswith("|---"):
            cells = [c for c in line.replace("\\|", "").split("|")[1:-1]]
            assert len(cells) == 2, line


def test_summary_renders_literally(run):
    """Rendered by a CommonMark renderer (markdown-it-py): no link, no raw HTML, no extra heading, no code."""
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").enable("table").render(run["summary"])
    assert "<script" not in html and "<img" not in html and "<svg" not in html
    assert 'href="javascript' not in html and "<a " not in html
    assert html.count("<h1>") == 1 and "<code>" not in html


@pytest.fixture(scope="module")
def page(run, tmp_path_factory):
    reason = missing_browser()
    if reason:
        pytest.skip(reason)
    with chromium(tmp_path_factory.mktemp("profile"), viewport=DESKTOP) as ctx:
        pg = Page(ctx, run["base"] / "out" / "map.html")
        yield pg
        pg.close()


@pytest.mark.browser
def test_browser_shows_payloads_literally_and_runs_nothing(page, run):
    texts: list[str] = []
    for key in ("sources", "selected_sites", "existing", "candidates", "kommuner"):
        texts += page.all_popups(key)
    texts += page.all_popups("allocation", limit=60)
    joined = "\n".join(texts)
    for p in PAYLOADS:
        assert p.strip() in joined, p
    # a real mouse click on a source whose name is a payload
    one = page.click_feature("sources", 0)
    assert PAYLOADS[0] in one
    title = page.page.locator(".as-title").inner_text()
    assert TITLE in title
    assert page.page.title().endswith(TITLE) or TITLE in page.page.title()
    if not run["kinds_refused"]:
        # kinds from the data reach the legend (and the layer list when there are few kinds)
        legend = page.page.evaluate("document.querySelector('.as-legend').textContent")
        assert PAYLOADS[0] + " cattle_manure" in legend or PAYLOADS[0] + " food_waste" in legend, legend
    assert page.dialogs == [] and page.errors == [] and page.blocked == []
    assert (
        page.page.evaluate(
            "document.querySelectorAll('img[src=\"x\"], svg[onload], .leaflet-popup-content script').length"
        )
        == 0
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.page.screenshot(path=str(ARTIFACTS / "webmap_injection.png"))


def test_report_holds_every_payload_as_text(run):
    """``arealsirk report`` on the payload-laden results: the Word file has the names as plain text."""
    import docx

    base = run["base"]
    res = _cli("report", "out/results.gpkg", "--out", "rapport.docx", cwd=base)
    assert res.returncode == 0, res.stderr
    doc = docx.Document(str(base / "rapport.docx"))
    text = "\n".join(
        [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]
    )
    shown = [p for p in PAYLOADS if p in text]
    assert len(shown) >= 8, shown  # kommune names, site names in the proposal sentences
    for tell in EVALUATED:
        assert tell not in text
    assert not list(base.rglob("PWNED*"))
