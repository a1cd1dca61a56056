"""The proposal on the map without a browser: panel data, attribution, titles, aggregated lines, size."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from arealsirk import webmap
from arealsirk.webmap.common import _clean_title
from arealsirk.webmap.summary import panel_from_balance, panel_from_table, panel_table

from .webmap_synth import make_layers


def _cfg(html: str) -> dict:
    m = re.search(r"arealsirkMap\.decorate\(map_\w+, (\{.*?\})\);\n", html)
    return json.loads(m.group(1))


def test_real_data_attribution_is_kept_when_some_layers_are_synthetic(tmp_path):
    layers = make_layers(inject=False)
    html = webmap.write_map(layers, tmp_path / "a.html", title="t", synthetic=True).read_text(
        encoding="utf-8"
    )
    attr = _cfg(html)["attribution"]
    assert "Kartverket" in attr and "Statistisk sentralbyrå" in attr and "Syntetiske demodata" in attr
    html = webmap.write_map(
        layers, tmp_path / "b.html", title="t", synthetic=True, all_synthetic=True
    ).read_text(encoding="utf-8")
    attr = _cfg(html)["attribution"]
    assert "Kartverket" not in attr and "Syntetiske demodata" in attr


def test_seed_note_leaves_synthetic_titles_only():
    assert (
        _clean_title("Plassering – Demoregionen (syntetisk, seed 0)", True)
        == "Plassering – Demoregionen (syntetisk)"
    )
    assert _clean_title("Demo (seed 12)", True) == "Demo"
    assert _clean_title("Ringerike seed 3", False) == "Ringerike seed 3"  # real data: title as given


def test_panel_round_trips_through_the_gpkg_table():
    panel = [
        {
            "theme": "biogas",
            "title": "Biogassanlegg",
            "sentence": "Forslag: <b>1</b>",
            "figures": [["Råstoff", "55 271 t/år"], ["Energi", "10,2 GWh/år"]],
            "headline": ["66 % av x"],
        }
    ]
    assert panel_from_table(panel_table(panel)) == panel


def test_balance_headline_names_the_largest_losses():
    import pandas as pd

    bal = pd.DataFrame(
        {
            "theme": "reuse",
            "stream": "population",
            "category": ["served_within_limit", "served_beyond_limit", "unreachable_across_water"],
            "quantity": [900.0, 60.0, 40.0],
            "unit": "people",
            "share": [0.9, 0.06, 0.04],
        }
    )
    panel = panel_from_balance({"reuse": bal}, lang="nb")
    assert panel[0]["headline"] == [
        "6 % av befolkningen: nås bare utenfor grensen",
        "4 % av befolkningen: over vann",
    ]
    assert panel_from_balance({}, lang="en") == []


def test_summary_panel_and_noscript_carry_the_text_escaped(tmp_path):
    layers = make_layers(inject=False)
    panel = [
        {
            "theme": "x",
            "title": "T <script>",
            "sentence": "S {{7*7}}",
            "figures": [["a<b", "1 & 2"]],
            "headline": ["<img src=x onerror=alert(1)>"],
        }
    ]
    html = webmap.write_map(layers, tmp_path / "p.html", title="t", summary=panel).read_text(encoding="utf-8")
    assert _cfg(html)["panel"] == panel
    nos = html.split("<noscript>", 1)[1].split("</noscript>", 1)[0]
    assert "T &lt;script&gt;" in nos and "S &#123;&#123;7*7&#125;&#125;" in nos and "a&lt;b" in nos
    assert "<img" not in nos and "<script" not in nos


def test_a_national_allocation_is_drawn_per_kommune_and_stays_small(tmp_path):
    """30 000 population cells to 40 centres in 300 kommuner: one line per (kommune, centre)."""
    import geopandas as gpd
    from shapely.geometry import LineString

    rng = np.random.default_rng(3)
    n, s = 30_000, 40
    x = rng.uniform(100_000, 900_000, n)
    y = rng.uniform(6_500_000, 7_700_000, n)
    komm = (np.floor((x - 100_000) / 800_000 * 20) * 15 + np.floor((y - 6_500_000) / 1_200_000 * 15)).astype(
        int
    )
    sx, sy = rng.uniform(100_000, 900_000, s), rng.uniform(6_500_000, 7_700_000, s)
    site = rng.integers(0, s, n)
    pop = rng.integers(1, 200, n).astype(float)
    alloc = gpd.GeoDataFrame(
        {
            "source_id": [f"c{i}" for i in range(n)],
            "site_id": [f"S{j}" for j in site],
            "facility_type": "reuse_centre",
            "kind": "population",
            "quantity": pop,
            "unit": "people",
            "distance_km": rng.uniform(0, 50, n),
            "travel_min": rng.uniform(0, 60, n),
            "kommunenummer": [f"{v:04d}" for v in komm],
        },
        geometry=[LineString([(a, b), (sx[j], sy[j])]) for a, b, j in zip(x, y, site, strict=True)],
        crs=25833,
    )
    path = webmap.write_map({"allocation": alloc}, tmp_path / "n.html", title="Norge", tiles=None)
    html = path.read_text(encoding="utf-8")
    assert path.stat().st_size < 5_000_000
    rows = [
        r for p in re.findall(r"arealsirkMap\.shapes\((\{.*?\}), map_", html) for r in json.loads(p)["rows"]
    ]
    groups = {(kk, f"S{j}") for kk, j in zip(komm, site, strict=True)}
    assert len(rows) == len(groups)
    # the people are all still there: quantities sum to the input total (formatted per line, so by count)
    assert "30\u202f000 transportlinjer vist samlet per kommune og anlegg" in html


def test_rebuilt_map_states_the_run_panel(tmp_path):
    from arealsirk import pipeline

    res = pipeline.run_demo(tmp_path / "out", lang="nb")
    rebuilt = webmap.map_from_gpkg(res.results, tmp_path / "m.html", lang="nb").read_text(encoding="utf-8")
    original = res.map_html.read_text(encoding="utf-8")
    assert _cfg(rebuilt)["panel"] == _cfg(original)["panel"] != []
    assert "seed" not in _cfg(original)["title"]
    # kommune popups carry the kommune's own figures from biogas_by_kommune (formatted by hand here)
    import pyogrio

    table = pyogrio.read_dataframe(res.results, layer="biogas_by_kommune", read_geometry=False)
    for html in (original, rebuilt):
        data = [json.loads(p) for p in re.findall(r"arealsirkMap\.shapes\((\{.*?\}), map_", html)]
        komm = next(d for d in data if d.get("key") == "kommuner")
        col = komm["cols"].index("Biogass: Leverer (tonn/år)")
        got = {r[komm["valueOffset"]]: r[komm["valueOffset"] + col] for r in komm["rows"]}
        want = {
            k: f"{round(v):,}".replace(",", "\u202f")
            for k, v in zip(table["kommunenummer"], table["supplied_t"], strict=True)
        }
        assert got == want
        # uncollected feedstock is drawn (hollow) and says why
        status = pyogrio.read_dataframe(res.results, layer="source_status", read_geometry=False)
        src = [
            r
            for d in (json.loads(p) for p in re.findall(r"arealsirkMap\.points\((\{.*?\}), map_", html))
            if d.get("key") == "sources"
            for r in d["rows"]
        ]
        beyond = {r[-1] for r in src if r[-2] == "lenger unna enn transportgrensen"}
        assert beyond == set(status.loc[status["balance"] == "beyond_max_km", "id"]) != set()


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_site_legend_tells_new_from_kept(tmp_path, lang):
    layers = make_layers(inject=False)
    html = webmap.write_map(layers, tmp_path / "l.html", title="t", lang=lang).read_text(encoding="utf-8")
    sec = next(s for s in _cfg(html)["legend"] if s["key"] == "selected_sites")
    shapes = {it["shape"] for it in sec["items"]}
    assert shapes == {"star", "square"}
    words = (
        ("nytt, foreslått", "eksisterende, beholdes") if lang == "nb" else ("new, proposed", "existing, kept")
    )
    assert all(any(w in it["label"] for it in sec["items"]) for w in words)


def test_sentence_of_a_theme_without_its_own_template_names_only_its_sites():
    import geopandas as gpd
    from shapely.geometry import Point

    from arealsirk.webmap.summary import panel_from_results
    from arealsirk.workflows import WorkflowResult

    sites = gpd.GeoDataFrame(
        {
            "name": ["Flis A", "Biogass B", "Flis C"],
            "facility_type": ["bioenergy_plant", "biogas_plant", "bioenergy_plant"],
            "existing": [False, False, True],
        },
        geometry=[Point(0, 0), Point(1, 1), Point(2, 2)],
    )
    res = WorkflowResult(summary={"workflow": "bioenergy", "sites": 2, "sites_new": 1})
    panel = panel_from_results({"bioenergy": res}, lang="nb", sites=sites)
    assert panel[0]["sentence"] == "Forslag: 2 lokaliteter for bioenergianlegg (Flis A)."
