"""Inline the vendored JavaScript/CSS/fonts into a folium figure (no CDN links).

folium elements declare their assets as ``default_js`` / ``default_css`` lists of
``(name, url)`` pairs pointing at CDNs.  :func:`inline_figure` walks a figure,
replaces every such link by an inline ``<script>`` / ``<style>`` whose text is
read from ``arealsirk/_vendor`` (copied from npm tarballs by
``scripts/vendor_assets.py``), and turns every ``url(...)`` in the CSS (images,
fonts) into a ``data:`` URI, so the HTML opens with zero external requests.
"""

from __future__ import annotations

import base64
import json
import logging
import mimetypes
import re
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import OutputError

log = logging.getLogger("arealsirk")

VENDOR_DIR = Path(__file__).parents[1] / "_vendor"

#: Regular expression on a CDN URL -> vendored file (relative to ``_vendor``).
#: Matched against the URL's path, so any version folium links to maps onto the pinned copy.
_URL_MAP: list[tuple[re.Pattern[str], str | None]] = [
    (re.compile(r"leaflet(@[\d.]+)?/dist/leaflet\.js$"), "leaflet/dist/leaflet.js"),
    (re.compile(r"leaflet(@[\d.]+)?/dist/leaflet\.css$"), "leaflet/dist/leaflet.css"),
    (re.compile(r"jquery[-.\d]*(\.min)?\.js$"), "jquery/dist/jquery.min.js"),
    (
        re.compile(r"bootstrap(@[\d.]+)?/dist/js/bootstrap(\.bundle)?(\.min)?\.js$"),
        "bootstrap/dist/js/bootstrap.bundle.min.js",
    ),
    (
        re.compile(r"bootstrap(@[\d.]+)?/dist/css/bootstrap(\.min)?\.css$"),
        "bootstrap/dist/css/bootstrap.min.css",
    ),
    (
        re.compile(r"fontawesome-free(@[\d.]+)?/css/all(\.min)?\.css$"),
        "@fortawesome/fontawesome-free/css/all.min.css",
    ),
    (
        re.compile(r"leaflet\.awesome-markers(\.min)?\.js$"),
        "drmonty-leaflet-awesome-markers/js/leaflet.awesome-markers.min.js",
    ),
    (
        re.compile(r"leaflet\.awesome-markers\.css$"),
        "drmonty-leaflet-awesome-markers/css/leaflet.awesome-markers.css",
    ),
    (
        re.compile(r"leaflet\.markercluster(-src)?\.js$"),
        "leaflet.markercluster/dist/leaflet.markercluster.js",
    ),
    (re.compile(r"MarkerCluster\.css$"), "leaflet.markercluster/dist/MarkerCluster.css"),
    (re.compile(r"MarkerCluster\.Default\.css$"), "leaflet.markercluster/dist/MarkerCluster.Default.css"),
    (re.compile(r"L\.Map\.Sync(\.min)?\.js$"), "leaflet.sync/L.Map.Sync.js"),
    # Optional cosmetics folium links to that no registry package ships as a file:
    # dropped (glyphicon icons and rotated awesome-marker icons are then unstyled).
    (re.compile(r"bootstrap-glyphicons\.css$"), None),
    (re.compile(r"leaflet\.awesome\.rotate(\.min)?\.css$"), None),
]

_CSS_URL = re.compile(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)")


def vendored_path(url: str) -> str | bool | None:
    """Vendored file for a CDN ``url``; ``None`` if deliberately dropped; ``False`` if unknown."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    for pattern, target in _URL_MAP:
        if pattern.search(path):
            return target
    return False


@cache
def manifest() -> dict[str, Any]:
    """The vendoring manifest (package -> version, licence, files)."""
    return json.loads((VENDOR_DIR / "MANIFEST.json").read_text(encoding="utf-8"))


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0]
    if path.suffix == ".woff2":
        mime = "font/woff2"
    elif path.suffix == ".woff":
        mime = "font/woff"
    elif path.suffix == ".ttf":
        mime = "font/ttf"
    return f"data:{mime or 'application/octet-stream'};base64,{base64.b64encode(path.read_bytes()).decode()}"


@cache
def css_text(rel: str) -> str:
    """A vendored stylesheet with every relative ``url()`` replaced by a ``data:`` URI.

    A reference to a file that was not vendored (e.g. a ``.ttf`` fallback after a
    ``.woff2`` that Chromium/Firefox/Edge/Safari all read) becomes ``data:,`` so it can
    never turn into a request.
    """
    path = VENDOR_DIR / rel
    text = path.read_text(encoding="utf-8")

    def repl(m: re.Match[str]) -> str:
        ref = m.group(2).strip()
        if ref.startswith(("data:", "#")):
            return m.group(0)
        target = (path.parent / ref.split("?", 1)[0].split("#", 1)[0]).resolve()
        if ref.startswith(("http:", "https:", "//")) or not target.is_file():
            return "url(data:,)"
        return f'url("{_data_uri(target)}")'

    text = _CSS_URL.sub(repl, text)
    # drop @import of remote stylesheets (none in the pinned files; guard for re-vendoring)
    text = re.sub(r"@import\s+url\([^)]*\)\s*;?", "", text)
    return safe_style(text)


@cache
def js_text(rel: str) -> str:
    """A vendored script, made safe to place inside ``<script>...</script>``."""
    return safe_script((VENDOR_DIR / rel).read_text(encoding="utf-8"))


def safe_script(text: str) -> str:
    """Make JavaScript source safe inside an HTML ``<script>`` element.

    ``</script`` would end the element and ``<!--`` switches the HTML parser into a
    state where a later ``<script`` nests; ``<\\/`` and ``<\\!--`` mean the same in JS
    strings, regular expressions and comments.
    """
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.I).replace("<!--", "<\\!--")


def safe_style(text: str) -> str:
    """CSS text that cannot close its ``<style>`` element."""
    return re.sub(r"</(style)", r"<\\/\1", text, flags=re.I)


def leaflet_default_icon_js() -> str:
    """Point Leaflet's default marker icon at inline images (its path detection needs files)."""
    names = {
        "iconUrl": "marker-icon.png",
        "iconRetinaUrl": "marker-icon-2x.png",
        "shadowUrl": "marker-shadow.png",
    }
    opts = {k: _data_uri(VENDOR_DIR / "leaflet" / "dist" / "images" / v) for k, v in names.items()}
    return (
        "if(window.L&&L.Icon&&L.Icon.Default){L.Icon.Default.imagePath='';"
        f"L.Icon.Default.mergeOptions({json.dumps(opts)});}}"
    )


@cache
def raw_element_class() -> type:
    """A branca ``Element`` whose text is placed in the page verbatim.

    branca's ``Element(text)`` compiles ``text`` as a Jinja template; vendored scripts,
    our runtime and anything rendered from data must never be compiled, so they are
    wrapped in this class instead.
    """
    from branca.element import Element

    class Raw(Element):
        """Finished HTML/JavaScript placed in the page verbatim (never compiled as a template)."""

        def __init__(self, text: str):
            super().__init__()
            self._name = "Raw"
            self.text = str(text)

        def render(self, **kwargs: Any) -> str:
            return self.text

    return Raw


def _walk(element: Any) -> list[Any]:
    out = [element]
    for child in list(getattr(element, "_children", {}).values()):
        out.extend(_walk(child))
    return out


def inline_figure(figure: Any, *, strict: bool = True) -> list[str]:
    """Replace every CDN link of ``figure`` and its elements by inline copies.

    Parameters
    ----------
    figure
        A ``branca.element.Figure`` (``folium.Map.get_root()``).
    strict
        Raise :class:`OutputError` for a script URL that is not vendored (instead of
        leaving an external link in the file).

    Returns
    -------
    list of str
        The vendored files inlined, in order (for logs and tests).
    """
    header = figure.header
    js, css = _collect_links(figure)
    done: list[str] = []
    seen: set[str] = set()
    new_children: list[tuple[str, Any]] = []
    for kind, links in (("js", js), ("css", css)):
        for name, url in links:
            key = f"{kind}:{name}"
            if key in seen:
                continue
            seen.add(key)
            child, target = _inline_child(kind, name, url, strict=strict)
            if child is not None:
                new_children.append((f"asset_{key}", child))
            if target is not None:
                done.append(target)
    # inline assets go first in the header, in dependency order (js before css is fine)
    old = list(header._children.items())
    header._children.clear()
    for name, child in [*new_children, *old]:
        child._parent = header
        header._children[name] = child
    return done


def _collect_links(figure: Any) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The ``(name, url)`` script and stylesheet links of a figure, taken out of it: the links already
    placed in the header (a figure rendered before) and those its elements add when rendered."""
    from branca.element import CssLink, JavascriptLink

    header = figure.header
    js: list[tuple[str, str]] = []
    css: list[tuple[str, str]] = []
    for name, child in list(header._children.items()):
        if isinstance(child, JavascriptLink):
            js.append((name, child.url))
            del header._children[name]
        elif isinstance(child, CssLink):
            css.append((name, child.url))
            del header._children[name]
    for el in _walk(figure):
        for attr, bucket in (("default_js", js), ("default_css", css)):
            links = getattr(el, attr, None)
            if links:
                bucket.extend((str(n), str(u)) for n, u in links)
                setattr(el, attr, [])  # instance attribute shadows the class list
    return js, css


def _inline_child(kind: str, name: str, url: str, *, strict: bool) -> tuple[Any, str | None]:
    """``(header element, vendored file)`` for one link: an inline copy, a kept local link
    ``(link, None)``, or ``(None, None)`` for an asset dropped on purpose."""
    from branca.element import CssLink, JavascriptLink

    target = vendored_path(url)
    if target is None:
        log.info("webmap: dropped optional asset %s (%s): not vendored", name, url)
        return None, None
    if target is False:
        if url.startswith(("http:", "https:", "//")):
            msg = (
                f"webmap: the map needs {url} ({name}), which is not vendored in "
                f"arealsirk/_vendor; add it to scripts/vendor_assets.py or pass offline=False"
            )
            if strict and kind == "js":
                raise OutputError(msg)
            log.warning("%s; dropped", msg)
            return None, None
        # a local/relative link: keep it as given
        return (JavascriptLink(url) if kind == "js" else CssLink(url)), None
    assert isinstance(target, str)
    raw = raw_element_class()
    if kind == "js":
        text = js_text(target)
        if target == "leaflet/dist/leaflet.js":
            text += "\n" + leaflet_default_icon_js()
        return raw(f"<script>/* {target} */\n{text}\n</script>"), target
    return raw(f"<style>/* {target} */\n{css_text(target)}\n</style>"), target


_EXTERNAL = re.compile(
    r"""(?:<(?:script|img|iframe|source|video|audio|embed|input|track)\b[^>]*?\bsrc\s*=\s*["']?\s*(?:https?:)?//)"""
    r"""|(?:<link\b[^>]*?\bhref\s*=\s*["']?\s*(?:https?:)?//)"""
    r"""|(?:url\(\s*["']?\s*(?:https?:)?//)|(?:@import\b)""",
    re.I,
)


def external_references(html: str) -> list[str]:
    """Snippets of ``html`` that would make the browser fetch something from the network.

    Looks for ``src=`` of elements that load (script, img, iframe, ...), ``<link href=>``
    and CSS ``url()``/``@import`` with an ``http(s)://`` or protocol-relative target.
    Plain hyperlinks (``<a href>``, e.g. Leaflet's attribution prefix) load nothing.  (URL
    templates of optional tile layers inside JavaScript are not requests until a user picks
    that layer.)
    """
    return [html[max(0, m.start() - 40) : m.end() + 60] for m in _EXTERNAL.finditer(html)]
