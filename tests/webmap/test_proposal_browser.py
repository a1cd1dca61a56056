"""The demo's web map as a politician meets it: laptop (1366x768) and phone (390x844), network blocked.

The demo runs through the real pipeline; expected texts come from its other outputs
(summary.md, the selected_sites layer of results.gpkg), not from the map code.
"""

from __future__ import annotations

import pytest

from arealsirk import pipeline

from .browser_util import ARTIFACTS, DESKTOP, PHONE, Page, chromium, missing_browser

VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
#: Every overlay a popup could hide behind.
CONTROLS = (
    ".as-title",
    ".leaflet-control-layers",
    ".as-legend",
    ".leaflet-control-zoom",
    ".leaflet-control-attribution",
    ".leaflet-control-scale",
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "out"
    res = pipeline.run_demo(out, lang="nb")
    import pyogrio

    sites = pyogrio.read_dataframe(res.results, layer="selected_sites")
    return {
        "out": out,
        "map": res.map_html,
        "summary": res.summary.read_text(encoding="utf-8"),
        "sites": sites,
        "gpkg": res.results,
    }


@pytest.fixture(scope="module", params=list(VIEWPORTS))
def page(request, demo, tmp_path_factory):
    reason = missing_browser()
    if reason:
        pytest.skip(reason)
    with chromium(tmp_path_factory.mktemp("profile"), viewport=VIEWPORTS[request.param]) as ctx:
        pg = Page(ctx, demo["map"])
        pg.name = request.param
        ARTIFACTS.mkdir(exist_ok=True)
        pg.page.screenshot(path=str(ARTIFACTS / f"proposal_{request.param}.png"))
        yield pg
        pg.close()


def _overlaps(page: Page) -> list[str]:
    """Controls whose box intersects the open popup's box, and whether the popup leaves the viewport."""
    return page.page.evaluate(
        """(sels) => {
            const pop = document.querySelector('.leaflet-popup');
            if (!pop) { return ['no popup']; }
            const p = pop.getBoundingClientRect(), out = [];
            if (p.left < 0 || p.top < 0 || p.right > innerWidth || p.bottom > innerHeight) {
                out.push('viewport');
            }
            for (const sel of sels) {
                for (const e of document.querySelectorAll(sel)) {
                    const r = e.getBoundingClientRect();
                    if (!r.width || !r.height || getComputedStyle(e).visibility === 'hidden') { continue; }
                    if (r.left < p.right && p.left < r.right && r.top < p.bottom && p.top < r.bottom) {
                        out.push(sel + ' ' + JSON.stringify([r.left, r.top, r.right, r.bottom]) + ' vs ' +
                                 JSON.stringify([p.left, p.top, p.right, p.bottom]));
                    }
                }
            }
            return out;
        }""",
        list(CONTROLS),
    )


@pytest.mark.browser
def test_panel_states_the_figures_of_summary_md(page, demo):
    panel = page.page.evaluate("""() => [...document.querySelectorAll('.as-panel-theme')].map(s => ({
        title: s.querySelector('.as-panel-head').textContent,
        sentence: (s.querySelector('.as-panel-sentence') || {}).textContent || '',
        figures: [...s.querySelectorAll('.as-panel-figures tr')].map(tr => [tr.children[0].textContent,
                                                                           tr.children[1].textContent]),
        headline: [...s.querySelectorAll('.as-panel-balance li')].map(li => li.textContent)}))""")
    md = demo["summary"]
    assert [p["title"] for p in panel] == [
        "Biogassanlegg",
        "Ombrukssentre (flest mulig innenfor kjøretidsgrensen)",
        "Sirkulære næringsparker",
    ]
    n = 0
    for theme in panel:
        assert theme["sentence"].startswith("Forslag:"), theme
        for label, value in theme["figures"]:
            assert f"| {label} | {value} |" in md, (label, value)
            n += 1
        for line in theme["headline"]:
            assert f"- {line}" in md, line
    assert n >= 20
    # one figure by hand: the new biogas site's name is in the sentence
    new_biogas = demo["sites"].query("facility_type == 'biogas_plant' and not existing")["name"].tolist()
    assert new_biogas and all(name in panel[0]["sentence"] for name in new_biogas)
    title = page.page.locator(".as-title-main").text_content()
    assert "seed" not in title.lower() and "seed" not in page.page.title().lower()


@pytest.mark.browser
def test_every_site_opens_its_popup_clear_of_the_controls(page, demo):
    sites = demo["sites"]
    n = page.page.evaluate(
        "arealsirkMap.layers.find(e => e.key === 'selected_sites').layer.getLayers().length"
    )
    # one symbol per place
    places = {(round(g.x, 5), round(g.y, 5)) for g in sites.to_crs(4326).geometry.representative_point()}
    assert n == len(places)
    seen_types = set()
    for i in range(n):
        text = page.click_feature("selected_sites", i, zoom=15)
        page.page.wait_for_timeout(450)  # the pan that keeps the popup in view
        names = [nm for nm in sites["name"] if nm in text]
        assert names, text
        rows = sites[sites["name"].isin(names)]
        for _, row in rows.iterrows():
            kind = {
                "biogas_plant": "Biogassanlegg",
                "reuse_centre": "Ombrukssenter",
                "industrial_park": "Sirkulær industripark",
            }[row["facility_type"]]
            status = "eksisterende, beholdes" if row["existing"] else "nytt, foreslått"
            assert f"{kind} – {status}" in text, (kind, status, text)
            seen_types.add((row["facility_type"], bool(row["existing"])))
        assert text.count("Hvorfor her?") == len(rows), text
        assert _overlaps(page) == [], (page.name, i, text[:80])
        if i == 0:
            page.page.screenshot(path=str(ARTIFACTS / f"proposal_{page.name}_popup.png"))
    assert {
        ("biogas_plant", False),
        ("biogas_plant", True),
        ("reuse_centre", False),
        ("reuse_centre", True),
        ("industrial_park", False),
    } <= seen_types
    # parks explain themselves with their rank, symbiosis value and criteria
    park = sites[sites["facility_type"] == "industrial_park"].iloc[0]
    idx = page.page.evaluate(
        """(name) => arealsirkMap.layers.find(e => e.key === 'selected_sites').layer
        .getLayers().findIndex(m => m._asRow[4].includes(name))""",
        park["name"],
    )
    text = page.click_feature("selected_sites", idx, zoom=12)
    assert "Rangert som nr. " in text and "Rommer symbiosekoblinger verdt" in text
    assert page.errors == [] and page.dialogs == [] and page.blocked == []


@pytest.mark.browser
def test_legend_lists_every_visible_layer(page):
    keys = page.page.evaluate("""() => {
        const map = arealsirkMap.maps[0];
        return [...new Set(arealsirkMap.layers.filter(e => map.hasLayer(e.layer)).map(e => e.key))]}""")
    legend = page.page.evaluate("""() => [...document.querySelectorAll('.as-legend-section')]
        .filter(s => s.style.display !== 'none').map(s => s.getAttribute('data-key'))""")
    assert set(keys) - {"existing"} <= set(legend), (keys, legend)
    # switching a layer off hides its legend section
    page.page.evaluate("""() => { const e = arealsirkMap.layers.find(e => e.key === 'catchments');
                                  arealsirkMap.maps[0].removeLayer(e.layer); }""")
    page.page.wait_for_timeout(150)
    hidden = page.page.evaluate(
        "document.querySelector('.as-legend-section[data-key=catchments]').style.display"
    )
    page.page.evaluate("""() => { const e = arealsirkMap.layers.find(e => e.key === 'catchments');
                                  arealsirkMap.maps[0].addLayer(e.layer); }""")
    assert hidden == "none"


@pytest.mark.browser
def test_title_folds_on_a_phone_and_the_panel_is_open_on_a_laptop(page):
    page.page.evaluate(
        "() => { arealsirkMap.maps[0].closePopup(); }"
    )  # closing a popup unfolds what it folded
    page.page.wait_for_timeout(100)
    if page.name == "desktop":
        assert page.page.locator(".as-panel").is_visible()
        assert page.page.locator(".as-legend-body").is_visible()
        return
    box = page.page.evaluate("""() => { const r = document.querySelector('.as-title').getBoundingClientRect();
                                        return [r.height, r.width]; }""")
    assert box[0] < 90 and box[1] <= 390 - 100, box
    assert page.page.evaluate("getComputedStyle(document.querySelector('.as-title-more')).display") == "none"
    # tapping the title opens the proposal
    page.page.locator(".as-title-head").click()
    assert page.page.locator(".as-panel").is_visible()
    page.page.locator(".as-title-head").click()
