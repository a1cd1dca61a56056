"""Web maps without a browser: self-contained HTML, escaping, languages, size, errors."""

from __future__ import annotations

import hashlib
import html
import json
import logging
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from arealsirk import webmap
from arealsirk.errors import InputError, OutputError
from arealsirk.i18n import STRINGS, fmt_number
from arealsirk.webmap.common import _js_json
from arealsirk.webmap.offline import VENDOR_DIR, external_references, manifest

from .webmap_synth import INJECT_IMG, INJECT_SCRIPT, make_layers


class _Tags(HTMLParser):
    """Collect start tags with attributes and the text of <script> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def _parse(text: str) -> _Tags:
    p = _Tags()
    p.feed(text)
    return p


@pytest.fixture(scope="module")
def html_nb(layers, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("wm") / "map_nb.html"
    webmap.write_map(layers, path, title=f"Biogass {INJECT_IMG}", lang="nb", synthetic=True)
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def html_en(layers, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("wm") / "map_en.html"
    webmap.write_map(layers, path, title="Biogas plants", lang="en", synthetic=False)
    return path.read_text(encoding="utf-8")


def test_self_contained_no_external_resources(html_nb, html_en):
    for text in (html_nb, html_en):
        tags = _parse(text).tags
        for tag, attrs in tags:
            for key in ("src", "href"):
                value = attrs.get(key) or ""
                assert not re.match(r"\s*(https?:)?//", value), (tag, attrs)
        assert not [t for t, a in tags if t == "script" and a.get("src")], "no script is loaded from a file"
        assert not [t for t, a in tags if t == "link" and a.get("rel") == "stylesheet"]
        assert external_references(text) == []
        assert "cdn.jsdelivr" not in text and "cdnjs" not in text and "code.jquery" not in text
        # every CSS url() is a data: URI
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", text):
            assert url.startswith(("data:", "#")), url  # "#default#VML" is a fragment
        # Leaflet and our runtime are inline
        assert "L.map(" in text and "arealsirkMap.decorate(" in text and "window.L" in text


def test_external_reference_detector_catches_cdn_links():
    bad = '<script src="https://cdn.example/x.js"></script><link rel="stylesheet" href="//cdn/x.css">'
    assert len(external_references(bad)) == 2
    assert len(external_references("<style>a{background:url( 'http://x/y.png')}</style>")) == 1
    # a hyperlink is not a request
    assert external_references('<a href="https://leafletjs.com">Leaflet</a>') == []


def test_injection_names_are_inert(html_nb):
    parsed = _parse(html_nb)
    # the raw markup never appears: not as a tag and not inside a script where it could close it
    assert INJECT_IMG not in html_nb
    assert INJECT_SCRIPT not in html_nb
    assert "</script><script>alert" not in html_nb
    assert not [t for t, a in parsed.tags if t == "img"]
    assert all("alert(1)" not in s or "\\u003c" in s for s in parsed.scripts)
    n_script_tags = len([t for t, a in parsed.tags if t == "script"])
    assert n_script_tags == html_nb.count("</script>")  # no element was closed early
    # the names travel escaped for JSON (\u003c) and for innerHTML (&lt;) in layer names and the title
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in html_nb
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in html_nb
    assert "<title>Biogass &lt;img src=x onerror=alert(1)&gt; (syntetiske data)</title>" in html_nb
    layer_control = re.search(r"base_layers\s*:\s*\{(.*?)\};\s*let", html_nb, re.S).group(1)
    assert "overlays" in layer_control
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in layer_control


def test_js_json_escapes_script_breakers():
    s = _js_json({"a": "</script><!-- \u2028 & >"})
    assert "<" not in s and ">" not in s and "&" not in s and "\u2028" not in s
    assert json.loads(s) == {"a": "</script><!-- \u2028 & >"}


def test_both_languages_have_the_same_keys_and_are_used(html_nb, html_en):
    assert set(STRINGS["nb"]) == set(STRINGS["en"])
    for key in (
        "layer.selected_sites",
        "layer.candidates",
        "layer.kommuner",
        "legend.score",
        "col.methane_nm3",
        "layer.service_areas",
        "layer.allocation",
        "layer.matches",
        "layer.catchments",
    ):
        nb, en = STRINGS["nb"][key], STRINGS["en"][key]
        assert nb != en

        def encodings(s):  # in our JSON payloads, or as a layer name (HTML-escaped, jinja tojson)
            return (_js_json(s)[1:-1], json.dumps(html.escape(s))[1:-1])

        assert any(e in html_nb for e in encodings(nb)) and not any(e in html_en for e in encodings(nb)), key
        assert any(e in html_en for e in encodings(en)), key


def test_synthetic_marking_and_attribution(html_nb, html_en):
    assert "Syntetiske data" in html_nb and "Syntetiske demodata" in html_nb
    assert "Synthetic" not in html_en and "ynthetic data" not in html_en
    assert "Kartverket (CC BY 4.0)" in html_en and "Statistics Norway (NLOD 2.0 / CC BY 4.0)" in html_en
    assert "OpenStreetMap contributors (ODbL)" in html_en


def test_popups_carry_formatted_figures(html_nb, html_en, layers):
    # bokmål: narrow no-break space thousands, decimal comma; English: comma thousands, point
    assert "1\u202f234\u202f567" in html_nb and "1,234,567" in html_en
    assert '"12,3"' in html_nb and '"12.3"' in html_en  # energy_gwh 12.34
    assert "87 %" in html_nb  # share_within_cutoff 0.87
    assert _js_json("Metan (Nm³/år)")[1:-1] in html_nb
    assert _js_json("People covered")[1:-1] in html_en
    # every selected site and candidate name is in the data
    for name in layers["candidates"]["name"]:
        assert _js_json(name)[1:-1] in html_nb


def test_coordinates_are_wgs84_and_rounded(tmp_path, layers):
    from pyproj import Transformer

    m = webmap.build_map({"sources": layers["sources"]}, title="t", tiles=None)
    html = m.get_root().render()
    rows = json.loads(re.search(r"arealsirkMap\.points\((\{.*?\}), map_", html).group(1))["rows"]
    tr = Transformer.from_crs(25833, 4326, always_xy=True)
    src = layers["sources"].set_index("id")
    for r in rows[:10]:
        sid = r[-1]
        lon, lat = tr.transform(src.loc[sid].geometry.x, src.loc[sid].geometry.y)
        assert r[0] == pytest.approx(lat, abs=6e-6) and r[1] == pytest.approx(lon, abs=6e-6)
        assert len(str(r[0]).split(".")[1]) <= 5


def test_missing_empty_and_unknown_layers_are_skipped(tmp_path, layers, caplog):
    caplog.set_level(logging.INFO, logger="arealsirk")
    empty = layers["candidates"].iloc[:0]
    out = webmap.write_map(
        {"sources": layers["sources"], "candidates": empty, "something_else": layers["sources"]},
        tmp_path / "m.html",
        title="Bare kilder",
        lang="en",
    )
    text = out.read_text(encoding="utf-8")
    assert "Candidate areas" not in text and "Resource sources" in text
    assert "something_else" in caplog.text
    # nothing at all still gives a valid (empty) map
    out2 = webmap.write_map({}, tmp_path / "empty.html", title="Tomt")
    assert "arealsirkMap.decorate(" in out2.read_text(encoding="utf-8")


def test_large_map_is_small(tmp_path):
    layers = make_layers(n_sources=10_000, n_candidates=1_000, inject=False, seed=3)
    out = webmap.write_map(layers, tmp_path / "big.html", title="Stor")
    size = out.stat().st_size
    assert size <= 5 * 1024 * 1024, size
    text = out.read_text(encoding="utf-8")
    assert "markerClusterGroup" in text  # 10 000 points are clustered
    # all 10 000 sources are in the data
    n = sum(
        len(json.loads(p)["rows"])
        for p in re.findall(r"arealsirkMap\.points\((\{.*?\}), map_", text)
        if json.loads(p)["key"] == "sources"
    )
    assert n == 10_000


def test_max_points_keeps_the_largest(tmp_path, layers):
    m = webmap.build_map({"sources": layers["sources"]}, title="t", max_points=5, tiles=None)
    html = m.get_root().render()
    rows = [
        r for p in re.findall(r"arealsirkMap\.points\((\{.*?\}), map_", html) for r in json.loads(p)["rows"]
    ]
    assert len(rows) == 5
    largest = set(layers["sources"].nlargest(5, "quantity")["id"])
    assert {r[-1] for r in rows} == largest
    assert "Viser 5 av 60 kilder" in html


def test_tiles_options(layers):
    auto = webmap.build_map({"sources": layers["sources"]}, title="t").get_root().render()
    assert "tile.openstreetmap.org" in auto  # offered as an opt-in base layer ...
    blank_first = auto.index("arealsirkMap.blank(")
    assert blank_first > 0  # ... with the plain background shown by default
    none = webmap.build_map({"sources": layers["sources"]}, title="t", tiles=None).get_root().render()
    assert "tileLayer" not in none
    with pytest.raises(InputError, match="tiles"):
        webmap.build_map({}, title="t", tiles="osm")


def test_bad_input_gives_one_clear_error(layers, tmp_path):
    with pytest.raises(InputError, match="lang"):
        webmap.build_map({}, title="t", lang="de")
    with pytest.raises(InputError, match="layers"):
        webmap.build_map([layers["sources"]], title="t")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"layers\['sources'\]"):
        webmap.build_map({"sources": "nope"}, title="t")  # type: ignore[dict-item]
    with pytest.raises(InputError, match="max_points"):
        webmap.build_map({}, title="t", max_points=0)
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(OutputError):
        webmap.write_map({}, target / "m.html", title="t")


def test_write_is_atomic_on_failure(tmp_path, layers, monkeypatch):
    target = tmp_path / "m.html"
    target.write_text("old", encoding="utf-8")

    def boom(*a, **k):
        raise RuntimeError("render failed")

    m = webmap.build_map({"sources": layers["sources"]}, title="t")
    monkeypatch.setattr(type(m.get_root()), "render", boom)
    with pytest.raises(RuntimeError):
        webmap.write_map(m, target)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["m.html"]


def test_plain_folium_map_with_icons_is_inlined(tmp_path):
    import folium

    m = folium.Map(location=[60, 10], zoom_start=8, tiles=None)
    folium.Marker([60, 10], icon=folium.Icon(color="red", icon="info-sign")).add_to(m)
    out = webmap.write_map(m, tmp_path / "plain.html")
    text = out.read_text(encoding="utf-8")
    assert external_references(text) == []
    assert "jQuery" in text and "AwesomeMarkers" in text
    assert "data:font/woff2;base64," in text  # Font Awesome fonts inline


def test_unvendored_plugin_script_is_refused(tmp_path):
    import folium
    from folium.plugins import Fullscreen

    m = folium.Map(location=[60, 10], tiles=None)
    Fullscreen().add_to(m)
    with pytest.raises(OutputError, match="not vendored"):
        webmap.write_map(m, tmp_path / "fs.html")
    assert not (tmp_path / "fs.html").exists()


def test_vendored_files_match_manifest_and_have_licences():
    man = manifest()
    assert man["registry"] == "npm"
    assert {"leaflet", "leaflet.markercluster", "leaflet.sync"} <= set(man["packages"])
    for name, info in man["packages"].items():
        assert info["version"] and info["integrity"], name
        for rel, sha in info["files"].items():
            data = (VENDOR_DIR / name / rel).read_bytes()
            assert hashlib.sha256(data).hexdigest() == sha, (name, rel)
        assert any(Path(VENDOR_DIR / name / f.split(" ")[0]).is_file() for f in info["license_files"]), name
    assert "1.9.3" in (VENDOR_DIR / "leaflet" / "dist" / "leaflet.js").read_text(encoding="utf-8")[:400]


def test_number_formatting():
    assert fmt_number(1234567.0, "nb") == "1\u202f234\u202f567"
    assert fmt_number(1234567.0, "en") == "1,234,567"
    assert fmt_number(12.345, "nb") == "12,3" and fmt_number(1.2345, "en") == "1.23"
    assert fmt_number(0.871, "nb", percent=True) == "87 %"
    assert fmt_number(np.nan, "en") == "" and fmt_number(None, "nb") == ""
    assert fmt_number(True, "nb") == "ja" and fmt_number(False, "en") == "no"
    assert fmt_number(-5.5, "nb") == "−5,50"


def test_max_points_caps_allocation_lines_too(layers):
    m = webmap.build_map({"allocation": layers["allocation"]}, title="t", max_points=7, tiles=None)
    html = m.get_root().render()
    rows = [
        r for p in re.findall(r"arealsirkMap\.shapes\((\{.*?\}), map_", html) for r in json.loads(p)["rows"]
    ]
    assert len(rows) == 7
    assert "viser 7 av 40 linjer" in html


def test_write_map_accepts_a_result_object(tmp_path, layers):
    class Result:  # stands in for arealsirk.workflows.WorkflowResult
        def __init__(self, layers):
            self.layers = layers

    out = webmap.write_map(
        Result({"selected_sites": layers["selected_sites"]}), tmp_path / "r.html", title="R"
    )
    assert "Valgte lokaliteter" in out.read_text(encoding="utf-8")


def test_any_text_round_trips_and_cannot_break_out():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    alphabet = st.sampled_from(
        [*list("<>/&'\"`\\ \u2028\u2029!-=scriptSCRIPTimgonerrorælert(1);{}$"), "</script>", "<!--", "]]>"]
    )

    @settings(max_examples=300, deadline=None)
    @given(st.lists(alphabet, max_size=30).map("".join))
    def check(text):
        s = _js_json({"name": text})
        assert json.loads(s)["name"] == text
        assert "<" not in s and ">" not in s and "&" not in s
        assert "\u2028" not in s and "\u2029" not in s

    check()


def test_many_hostile_names_in_one_map(tmp_path, layers):
    hostile = [
        "</script><script>alert(1)</script>",
        "<!--<script>",
        "</SCRIPT >",
        "<svg onload=alert(1)>",
        "\"'><img src=x onerror=alert(1)>",
        "\u2028alert(1)\u2029",
        "${alert(1)}",
        "&lt;b&gt;",
        "javascript:alert(1)",
        "</style><script>alert(1)</script>",
    ]
    src = layers["sources"].iloc[: len(hostile)].copy()
    src["name"] = hostile
    src["kind"] = hostile
    src["unit"] = hostile
    text = webmap.write_map({"sources": src}, tmp_path / "h.html", title=hostile[0]).read_text(
        encoding="utf-8"
    )
    parsed = _parse(text)
    assert not [t for t, a in parsed.tags if t in ("img", "svg")]
    assert text.lower().count("<script") == text.lower().count("</script>")
    for h in hostile:
        if any(c in h for c in "<>&"):
            assert h not in text, h
    payload = [json.loads(p) for p in re.findall(r"arealsirkMap\.points\((\{.*?\}), map_", text)]
    names = {r[4] for p in payload for r in p["rows"]}
    assert names == set(hostile)  # every name arrives intact, as data
