"""arealsirk._text (escaping per output) and the web map library path with template payloads."""

from __future__ import annotations

import json
import os

import pytest

from arealsirk import _text, webmap
from arealsirk.workflows import Message, WorkflowResult
from arealsirk.workflows import render_message as render

from .webmap_synth import make_layers

CODE = [
    "{{ cycler.__init__.__globals__.os.system('touch PWNED') }}",
    "{{ self.__init__.__globals__.__builtins__.open('PWNED2','w').write('x') }}",
    "{% set x = joiner.__init__.__globals__.os.system('touch PWNED3') %}",
]


def test_escape_html_by_hand():
    assert (
        _text.escape_html("<a href='x'>\"&{{7*7}}")
        == "&lt;a href=&#x27;x&#x27;&gt;&quot;&amp;&#123;&#123;7*7&#125;&#125;"
    )
    assert _text.escape_html(None) == "" and _text.escape_html(float("nan")) == ""
    assert _text.escape_html(12) == "12"


def test_escape_markdown_by_hand():
    assert _text.escape_markdown("[x](javascript:alert(1))") == r"\[x\](javascript:alert(1))"
    assert _text.escape_markdown("__init__ min_km _x_") == r"\_\_init\_\_ min_km \_x\_"
    assert _text.escape_markdown("| a |") == r"\| a \|"
    assert _text.escape_markdown("# heading") == r"\# heading"
    assert _text.escape_markdown("- item") == r"\- item"
    assert _text.escape_markdown("1. first") == r"1\. first"
    assert _text.escape_markdown("> quote") == "&gt; quote"
    assert _text.escape_markdown("<b>x</b> & y") == "&lt;b&gt;x&lt;/b&gt; &amp; y"
    assert _text.escape_markdown("a\nb\r\nc") == "a b c"  # a name can not start a new block
    assert _text.escape_markdown("`x` *y* _z_ ~~s~~") == r"\`x\` \*y\* \_z\_ \~\~s\~\~"
    assert _text.escape_markdown("Sone-03 (nord)") == "Sone-03 (nord)"  # ordinary names stay readable


def test_neutralise_template_and_js_json():
    assert _text.neutralise_template("{{a}} {%b%} {#c#} {d}") == "&#123;{a}} &#123;%b%} &#123;#c#} {d}"
    assert _text.neutralise_template("{{{x", context="js") == "\\u007b\\u007b{x"
    with pytest.raises(ValueError, match="context"):
        _text.neutralise_template("x", context="sql")
    value = {"a": ["{{7*7}}", "</script>{%x%}", "{#c#}", "\u2028"], "b": {"c": {}}}
    s = _text.js_json(value)
    assert "{{" not in s and "{%" not in s and "{#" not in s and "<" not in s
    assert json.loads(s) == value  # the same data for the browser
    with pytest.raises(ValueError):
        _text.js_json(float("nan"))


def test_messages_escape_data_but_not_numbers():
    m = Message("model_note", note="<b>[x](javascript:1)</b>")
    assert render(m, "en") == str(m)  # plain rendering unchanged (logs, QGIS)
    md = render(m, "nb", escape=_text.escape_markdown)
    assert "<b>" not in md and r"\[x\](" in md and "&lt;b&gt;" in md


def test_summary_markdown_escapes_values_and_messages():
    res = WorkflowResult(
        summary={"workflow": "biogas", "method": "a | b <i>x</i>", "n_sites": 3},
        messages=["plain <script>alert(1)</script>"],
    )
    md = res.summary_markdown(lang="nb")
    assert "<script>" not in md and "<i>" not in md
    assert r"a \| b &lt;i&gt;x&lt;/i&gt;" in md and "| 3 |" in md


@pytest.mark.parametrize(
    "payload", ["{{7*7}}", "Hall {#2} nord", "Lager {{ B }}", "{% for x in range(3) %}Zq{% endfor %}", *CODE]
)
def test_build_map_never_evaluates_text(tmp_path, payload, monkeypatch):
    monkeypatch.chdir(tmp_path)
    layers = make_layers(inject=False)
    for name, g in layers.items():
        for col in g.columns:
            if col in ("name", "kommunenavn", "id", "kind", "site_id", "source_id", "zone_type", "reason"):
                g[col] = [f"{payload} {v}" for v in g[col]] if col != "id" else g[col]
        if name == "sources":
            g.loc[g.index[0], "kind"] = payload
    path = webmap.write_map(layers, tmp_path / "m.html", title=f"T {payload}", lang="en")
    html = path.read_text(encoding="utf-8")
    assert not [p for p in os.listdir(tmp_path) if p.startswith("PWNED")]
    assert "ZqZqZq" not in html and "{{" not in html.split("</head>", 1)[1]
    assert _text.js_json(payload)[1:-1] in html
    assert f"<title>{_text.escape_html('T ' + payload)}</title>" in html


def test_compare_and_custom_tiles_never_evaluate_text(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    left, right = make_layers(inject=False), make_layers(seed=3, inject=False)
    left["sources"]["name"] = CODE[0]
    dm = webmap.compare_maps(left, right, titles=[CODE[1], "Hall {#2} nord"])
    html = webmap.write_map(dm, tmp_path / "c.html").read_text(encoding="utf-8")
    m = webmap.build_map(right, title=CODE[2], tiles="https://example.invalid/{z}/{x}/{y}.png?{{7*7}}")
    html2 = webmap.write_map(m, tmp_path / "t.html", offline=True).read_text(encoding="utf-8")
    assert not [p for p in os.listdir(tmp_path) if p.startswith("PWNED")]
    assert _text.js_json(CODE[0])[1:-1] in html and "?{{7*7}}" in html2


def test_escape_markdown_renders_literally_for_any_text():
    """Property: a CommonMark+GFM renderer shows the escaped text as exactly the original characters."""
    import html as _html

    from hypothesis import given, settings
    from hypothesis import strategies as st
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    pieces = st.sampled_from(
        [
            *"abcæ019 #>-+=*_`[]()!|~$<>&\\{}.:/;'\"",
            "<script>",
            "](javascript:",
            "&amp;",
            "__",
            "**",
            "1.",
            "1)",
            "http://x.y",
            "![i](x)",
        ]
    )

    @settings(max_examples=400, deadline=None)
    @given(st.lists(pieces, min_size=1, max_size=20).map("".join))
    def check(text):
        text = text.strip()
        if not text:
            return
        rendered = md.render(_text.escape_markdown(text))
        assert rendered.startswith("<p>") and rendered.endswith("</p>\n"), (text, rendered)
        inner = rendered[3:-5]
        assert "<" not in inner, (text, rendered)  # no element of any kind
        assert _html.unescape(inner) == text, (text, rendered)

    check()


def test_csv_safe_keeps_formulas_out_of_spreadsheets() -> None:
    """OWASP CSV injection: text cells starting with = + - @ get a leading apostrophe;
    numbers keep their sign."""
    import pandas as pd

    from arealsirk._text import csv_safe

    frame = pd.DataFrame(
        {
            "name": ['=HYPERLINK("http://x")', "+1", "@SUM(A1)", "-cmd", "Hamar"],
            "value": [-1.5, 2.0, 3.0, -4.0, 5.0],
        }
    )
    safe = csv_safe(frame)
    assert safe["name"].tolist() == ['\'=HYPERLINK("http://x")', "'+1", "'@SUM(A1)", "'-cmd", "Hamar"]
    assert safe["value"].tolist() == [-1.5, 2.0, 3.0, -4.0, 5.0]
    assert frame["name"].iloc[0].startswith("=")  # the input is not changed
