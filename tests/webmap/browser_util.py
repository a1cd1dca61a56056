"""Headless Chromium for the web-map tests: Debian's /usr/bin/chromium driven by Playwright (GUIDE section 4).

Every request a page makes is recorded and anything that is not ``file://`` or ``data:``
is aborted, so these tests can never reach the network.  Never run ``playwright install``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("AREALSIRK_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def missing_browser() -> str | None:
    """Why the browser tests cannot run here (``None`` when they can)."""
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"{CHROMIUM} is not installed (run scripts/setup_browser.sh)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (run scripts/setup_browser.sh)"
    return None


@contextmanager
def chromium(profile: Path, *, viewport: dict[str, int] | None = None, **kw: Any) -> Iterator[Any]:
    """A persistent headless Chromium context with a fresh profile folder."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            args=FLAGS,
            headless=True,
            viewport=viewport or DESKTOP,
            **kw,
        )
        try:
            yield ctx
        finally:
            ctx.close()


class Page:
    """A page with every console message, page error, dialog and request recorded."""

    def __init__(self, ctx: Any, path: Path):
        self.page = ctx.new_page()
        self.console: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.page.on("console", lambda m: self.console.append((m.type, m.text)))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)

        def route(r: Any) -> None:
            url = r.request.url
            self.requests.append(url)
            if url.startswith(("file://", "data:")):
                r.continue_()
            else:
                self.blocked.append(url)
                r.abort()

        self.page.route("**/*", route)
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_function("window.arealsirkReady === true", timeout=30_000)
        self.page.wait_for_timeout(300)

    def _dialog(self, d: Any) -> None:
        self.dialogs.append(d.message)
        d.dismiss()

    def click_feature(self, key: str, index: int = 0, *, map_index: int = 0, zoom: int = 16) -> str:
        """Click (with the mouse) where feature ``index`` of result layer ``key`` is drawn; popup text."""
        xy = self.page.evaluate(
            """([key, index, mi, zoom]) => {
                const A = window.arealsirkMap, map = A.maps[mi];
                map.closePopup();
                const entry = A.layers.find(e => e.key === key && e.map === map);
                const lays = entry.layer.getLayers();
                const lay = lays[index];
                const ll = lay.getLatLng ? lay.getLatLng() : lay.getBounds().getCenter();
                map.setView(ll, zoom, {animate: false});  // beyond clustering (off from zoom 15)
                const p = map.latLngToContainerPoint(ll);
                const r = map.getContainer().getBoundingClientRect();
                return [r.left + p.x, r.top + p.y];
            }""",
            [key, index, map_index, zoom],
        )
        # wait until the feature itself is drawn at that point (on a loaded machine the marker
        # cluster may still be adding markers, and a line drawn earlier would take the click) and the
        # previous popup has faded out (it would be read instead of the new one)
        self.page.wait_for_function(
            """([key, index, mi, x, y]) => {
                const A = window.arealsirkMap, map = A.maps[mi];
                const lay = A.layers.find(e => e.key === key && e.map === map).layer.getLayers()[index];
                const el = lay._icon || lay._path || (lay._renderer && lay._renderer._container);
                const hit = document.elementFromPoint(x, y);
                return !document.querySelector('.leaflet-popup') && !!el && !!hit &&
                    (hit === el || el.contains(hit));
            }""",
            arg=[key, index, map_index, xy[0], xy[1]],
            timeout=10_000,
        )
        self.page.mouse.click(xy[0], xy[1])
        popup = self.page.locator(".leaflet-popup-content").first
        popup.wait_for(timeout=5000)
        return popup.inner_text()

    def all_popups(self, key: str, *, map_index: int = 0, limit: int = 100_000) -> list[str]:
        """Open the popup of each feature (at most ``limit`` per layer) of every layer ``key``; their texts.

        The click is a Leaflet event on the feature (propagated to its layer's handler), so
        features hidden under others are reached too.
        """
        return self.page.evaluate(
            """([key, mi, limit]) => {
                const A = window.arealsirkMap, map = A.maps[mi], out = [];
                for (const entry of A.layers.filter(e => e.key === key && e.map === map)) {
                    for (const lay of entry.layer.getLayers().slice(0, limit)) {
                        map.closePopup();
                        const ll = lay.getLatLng ? lay.getLatLng() : lay.getBounds().getCenter();
                        lay.fire('click', {latlng: ll}, true);
                        const p = map._popup;
                        const c = p && p.isOpen() ?
                            p.getElement().querySelector('.leaflet-popup-content') : null;
                        out.push(c ? c.innerText : '');
                    }
                }
                map.closePopup();
                return out;
            }""",
            [key, map_index, limit],
        )

    def close(self) -> None:
        self.page.close()
