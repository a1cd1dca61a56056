"""The demo's web map, part two: co-located facilities and the page without JavaScript.

In a module of its own: each test starts its own Chromium (Playwright's sync API allows one
at a time, and the first module keeps one open for its viewports).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from arealsirk import pipeline, webmap

from .browser_util import ARTIFACTS, DESKTOP, PHONE, Page, chromium, missing_browser
from .test_proposal_browser import _overlaps


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "out"
    res = pipeline.run_demo(out, lang="nb")
    return {"map": res.map_html, "summary": res.summary.read_text(encoding="utf-8"), "gpkg": res.results}


@pytest.mark.browser
def test_co_located_facilities_share_one_symbol_and_popup(demo, tmp_path):
    """A new biogas plant in a park's zone (as the demo once had): one symbol, both 'why here?'."""
    reason = missing_browser()
    if reason:
        pytest.skip(reason)
    from arealsirk.io import list_layers, read_layer

    layers = {n: read_layer(demo["gpkg"], n) for n in list_layers(demo["gpkg"]) if n in webmap.LAYER_NAMES}
    sites = layers["selected_sites"].copy()
    park = sites.index[sites["facility_type"] == "industrial_park"][0]
    bio = sites.index[(sites["facility_type"] == "biogas_plant") & (~sites["existing"].astype(bool))][0]
    sites.loc[bio, "geometry"] = sites.loc[park, "geometry"]
    layers["selected_sites"] = sites
    path = webmap.write_map(layers, tmp_path / "co.html", title="Samlokalisert", lang="nb")
    with chromium(tmp_path / "profile", viewport=PHONE) as ctx:
        pg = Page(ctx, path)
        rows = pg.page.evaluate("""() => arealsirkMap.layers.find(e => e.key === 'selected_sites').layer
            .getLayers()
            .map(m => m._asRow[5].length)""")
        assert sorted(rows)[-1] == 2 and len(rows) == len(sites) - 1
        idx = rows.index(2)
        text = pg.click_feature("selected_sites", idx, zoom=12)
        pg.page.wait_for_timeout(450)
        assert "Biogassanlegg – nytt, foreslått" in text and "Sirkulær industripark – nytt, foreslått" in text
        assert text.count("Hvorfor her?") == 2
        assert sites.loc[bio, "name"] in text and sites.loc[park, "name"] in text
        assert _overlaps(pg) == []
        pg.page.screenshot(path=str(ARTIFACTS / "proposal_colocated_phone.png"))
        assert pg.errors == [] and pg.dialogs == []
        pg.close()


@pytest.mark.browser
def test_without_javascript_the_key_figures_show(demo, tmp_path):
    reason = missing_browser()
    if reason:
        pytest.skip(reason)
    with chromium(tmp_path / "profile", viewport=DESKTOP, java_script_enabled=False) as ctx:
        p = ctx.new_page()
        p.route(
            "**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort()
        )
        p.goto(Path(demo["map"]).resolve().as_uri())
        text = p.locator("body").inner_text()
        assert "Kartet trenger JavaScript" in text
        for line in demo["summary"].splitlines():
            if line.startswith("| Råstoff |") or line.startswith("| Andel innenfor grensen |"):
                label, value = [c.strip() for c in line.strip("|").split("|")]
                assert label in text and value in text, (label, value)
        p.screenshot(path=str(ARTIFACTS / "proposal_noscript.png"))
