"""Web maps in a real browser: Debian's /usr/bin/chromium driven by Playwright (GUIDE section 4).

Installed by ``scripts/setup_browser.sh`` (``make test`` runs it).  Every request the
page makes is recorded and anything that is not ``file://`` or ``data:`` is aborted,
so these tests can never reach the network.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from arealsirk import webmap

from .browser_util import ARTIFACTS, Page, chromium, missing_browser
from .webmap_synth import INJECT_IMG, INJECT_SCRIPT, make_layers

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    reason = missing_browser()
    if reason:
        pytest.skip(reason)
    with chromium(
        tmp_path_factory.mktemp("chromium-profile"), viewport={"width": 1280, "height": 860}
    ) as ctx:
        yield ctx


@pytest.fixture(scope="module")
def map_nb(tmp_path_factory, layers):
    path = tmp_path_factory.mktemp("wmb") / "map_nb.html"
    return webmap.write_map(layers, path, title=f"Biogass {INJECT_IMG}", lang="nb", synthetic=True)


def _pixel_stats(png: Path) -> tuple[float, int]:
    from PIL import Image

    img = np.asarray(Image.open(png).convert("RGB"), dtype=float)
    colours = len(np.unique(img.reshape(-1, 3), axis=0))
    return float(img.std()), colours


def test_loads_offline_without_errors_or_requests(browser, map_nb):
    page = Page(browser, map_nb)
    try:
        assert page.errors == []
        assert [m for m in page.console if m[0] in ("error", "warning")] == []
        assert page.blocked == []
        assert all(u.startswith(("file://", "data:")) for u in page.requests)
        assert [u for u in page.requests if u.startswith("file://")] == [map_nb.resolve().as_uri()]
        # canvas + markers drawn, title and the synthetic badge shown as text
        assert page.page.locator("canvas.leaflet-zoom-animated").count() >= 1
        title = page.page.locator(".as-title").inner_text()
        assert f"Biogass {INJECT_IMG}" in title
        assert "SYNTETISKE DATA" in title.upper()
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "webmap_nb.png"
        page.page.screenshot(path=str(shot))
        std, colours = _pixel_stats(shot)
        assert std > 20 and colours > 200, (std, colours)
    finally:
        page.close()


def test_layer_control_lists_the_layers(browser, map_nb):
    page = Page(browser, map_nb)
    try:
        names = [
            s.strip()
            for s in page.page.locator(".leaflet-control-layers-overlays label span span").all_inner_texts()
        ]
        for expected in (
            "Kommunegrenser",
            "Kandidatområder (egnethet)",
            "Valgte lokaliteter",
            "Transport kilde → anlegg",
            "Nedslagsfelt",
            "Reisetidssoner",
            "Symbiose: koblinger",
            "Kilder: Matavfall",
            f"Kilder: {INJECT_IMG}",
        ):
            assert expected in names, (expected, names)
        bases = [
            s.strip()
            for s in page.page.locator(".leaflet-control-layers-base label span span").all_inner_texts()
        ]
        assert bases == ["Ingen bakgrunn (fungerer uten nett)", "OpenStreetMap-bakgrunn (krever nett)"]
        # unticking a layer removes it from the map
        before = page.page.evaluate(
            "arealsirkMap.maps[0].hasLayer(arealsirkMap.layers.find(e => e.key === 'candidates').layer)"
        )
        page.page.locator(".leaflet-control-layers").hover()  # the list opens from its icon
        page.page.get_by_text("Kandidatområder (egnethet)").click()
        after = page.page.evaluate(
            "arealsirkMap.maps[0].hasLayer(arealsirkMap.layers.find(e => e.key === 'candidates').layer)"
        )
        assert before is True and after is False
        assert page.blocked == []
    finally:
        page.close()


def test_popup_explains_a_selected_site(browser, map_nb, layers):
    page = Page(browser, map_nb)
    try:
        text = page.click_feature("selected_sites", 0)
        assert "Biogass Sørdal" in text
        assert "Metan (Nm³/år)" in text and "1\u202f234\u202f567" in text
        assert "Biogassanlegg – nytt, foreslått" in text
        assert "Hvorfor her?" in text
        assert page.errors == [] and page.dialogs == []
    finally:
        page.close()


def test_injection_names_run_nothing(browser, map_nb):
    page = Page(browser, map_nb)
    try:
        texts = [page.click_feature("sources", 0)]
        # the second injection name is a selected site
        texts.append(page.click_feature("selected_sites", 2))
        assert INJECT_IMG in texts[0]
        assert INJECT_SCRIPT in texts[1]
        # hover a kommune whose name is an injection string; open the layer list
        page.page.mouse.move(10, 400)
        assert page.dialogs == []
        assert page.errors == []
        assert page.page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
        assert page.page.evaluate("document.querySelectorAll('.leaflet-popup-content script').length") == 0
        assert page.blocked == []  # not even an attempt to load "x"
        assert not [u for u in page.requests if u.endswith("/x")]
    finally:
        page.close()


def test_english_map_popup(browser, tmp_path, layers):
    path = webmap.write_map(layers, tmp_path / "map_en.html", title="Biogas plants", lang="en")
    page = Page(browser, path)
    try:
        text = page.click_feature("candidates", 0)
        assert "Total score (0–1)" in text and "Rank" in text and "Score: access" in text
        assert page.errors == [] and page.blocked == []
    finally:
        page.close()


def test_large_map_is_interactive_quickly(browser, tmp_path):
    import time

    layers = make_layers(n_sources=10_000, n_candidates=1_000, inject=False, seed=5)
    path = webmap.write_map(layers, tmp_path / "big.html", title="Stor")
    t0 = time.perf_counter()
    page = Page(browser, path)
    elapsed = time.perf_counter() - t0
    try:
        assert page.errors == [] and page.blocked == []
        # generous bound on a shared 2-core machine; the benchmark records the real figure
        assert elapsed < 10, elapsed
        text = page.click_feature("selected_sites", 0)
        assert "Biogass Sørdal" in text
    finally:
        page.close()


def test_compare_maps_stay_in_sync(browser, tmp_path, layers):
    right = make_layers(seed=7, inject=False)
    path = webmap.write_map(
        webmap.compare_maps(layers, right, titles=["Dagens", "Alternativ"]), tmp_path / "c.html"
    )
    page = Page(browser, path)
    try:
        assert page.errors == [] and page.blocked == []
        assert [m for m in page.console if m[0] == "error"] == []
        assert page.page.evaluate("arealsirkMap.maps.length") == 2
        moved = page.page.evaluate("""() => {
            const [a, b] = arealsirkMap.maps;
            a.setView([60.3, 10.6], 12, {animate: false});
            const ca = a.getCenter(), cb = b.getCenter();
            return [ca.lat, ca.lng, a.getZoom(), cb.lat, cb.lng, b.getZoom()];
        }""")
        assert moved[2] == moved[5] == 12
        assert moved[3] == pytest.approx(moved[0], abs=1e-6) and moved[4] == pytest.approx(moved[1], abs=1e-6)
        # half-width maps start with the layer list and the legend folded; a click opens the legend
        assert page.page.locator(".leaflet-control-layers-expanded").count() == 0
        body = page.page.locator(".as-legend-body").first
        assert not body.is_visible()
        page.page.locator(".as-legend-title").first.click()
        assert body.is_visible() and "Biogassanlegg" in body.inner_text()
        text = page.click_feature("selected_sites", 0, map_index=1)
        assert "Biogass Sørdal" in text
        ARTIFACTS.mkdir(exist_ok=True)
        page.page.screenshot(path=str(ARTIFACTS / "webmap_compare.png"))
    finally:
        page.close()
