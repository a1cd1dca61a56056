"""The folium elements of the interactive map, none of which compiles text as a template.

The map's own JavaScript and CSS are real files, :file:`assets/runtime.js` and
:file:`assets/runtime.css` (read with :mod:`importlib.resources`, inlined into every map).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any, NamedTuple

from .._text import escape_html
from ..errors import OutputError
from .common import _js_json


def _folium() -> Any:
    """folium (a core dependency), imported only when a map is made so ``import arealsirk`` stays light."""
    import folium

    return folium


class _Safe:
    """Namespace for the folium element classes that never compile text as a template.

    branca's ``MacroElement.render`` passes the *output* of each element's macros to
    ``Element(text)``, which compiles that text as a new Jinja template: any ``{{ }}``,
    ``{% %}`` or ``{# #}`` in a feature name, layer name or title would be evaluated (and
    could run code).  Our elements render their macros once and place the finished text
    in the page as it is (:class:`Raw`), so data never reaches a template engine.
    """

    classes: Elements | None = None


class Elements(NamedTuple):
    """The element classes of :func:`_element_classes` (built once, when the first map is made)."""

    data_layer: Any
    decorations: Any
    layer_list: Any
    safe_map: Any
    safe_tile_layer: Any
    raw: Any


@cache
def runtime_assets() -> tuple[str, str]:
    """The map runtime ``(JavaScript, CSS)`` from :file:`assets/runtime.js` and :file:`assets/runtime.css`."""
    folder = resources.files("arealsirk.webmap") / "assets"
    try:
        js = (folder / "runtime.js").read_text(encoding="utf-8")
        css = (folder / "runtime.css").read_text(encoding="utf-8")
    except OSError as exc:  # a broken installation: the package data were not installed
        raise OutputError(f"webmap: the map runtime arealsirk/webmap/assets is missing ({exc})") from exc
    return js, css


def _no_template_macro(raw: Any) -> Any:
    """``MacroElement`` whose ``render`` places each macro's text once, as :class:`Raw`
    (see :class:`_Safe`)."""
    from branca.element import Figure, MacroElement

    class NoTemplateMacro(MacroElement):
        """``MacroElement.render`` without the second templating pass (see :class:`_Safe`)."""

        def render(self, **kwargs: Any) -> Any:
            figure = self.get_root()
            if not isinstance(figure, Figure):
                raise OutputError("webmap: an element can only be rendered inside a figure")
            module = self._template.module.__dict__
            for part, target in (("header", figure.header), ("html", figure.html), ("script", figure.script)):
                macro = module.get(part)
                if macro is not None:
                    target.add_child(raw(str(macro(self, kwargs))), name=self.get_name())
            for element in list(self._children.values()):
                element.render(**kwargs)

    return NoTemplateMacro


def _add_runtime(figure: Any, raw: Any) -> None:
    """Put the map runtime (script and style) into the page header once."""
    from .offline import safe_script, safe_style

    if "arealsirk_runtime" not in figure.header._children:
        js, css = runtime_assets()
        figure.header.add_child(
            raw(f"<script>{safe_script(js)}</script>\n<style>{safe_style(css)}</style>"),
            name="arealsirk_runtime",
        )


def _data_classes(base: Any, raw: Any) -> tuple[Any, Any]:
    """``(DataLayer, Decorations)``: the elements that carry data as escaped JSON to the runtime."""
    from branca.element import Figure
    from folium.elements import JSCSSMixin
    from folium.map import Layer
    from folium.plugins import MarkerCluster
    from folium.template import Template

    class DataLayer(JSCSSMixin, Layer, base):
        """One result layer: data as escaped JSON, drawn by the arealsirk runtime."""

        _template = Template("""
            {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = arealsirkMap.{{ this.factory }}({{ this.payload }}, \
{{ this._parent.get_name() }});
            {% endmacro %}
        """)

        def __init__(
            self,
            factory: str,
            payload: Any,
            *,
            name: str,
            overlay: bool = True,
            show: bool = True,
            cluster: bool = False,
        ):
            # Leaflet's layer list inserts names as HTML: escaped here (braces too)
            super().__init__(name=escape_html(name), overlay=overlay, control=True, show=show)
            self._name = "AsLayer"
            self.factory = factory
            self.payload = _js_json(payload)
            self.raw_name = name
            # the same CDN links as folium's MarkerCluster: write_map inlines the vendored copies
            self.default_js = list(MarkerCluster.default_js) if cluster else []
            self.default_css = list(MarkerCluster.default_css) if cluster else []

        def render(self, **kwargs: Any) -> Any:
            figure = self.get_root()
            if isinstance(figure, Figure):
                _add_runtime(figure, raw)
            super().render(**kwargs)

    class Decorations(base):
        """Title block, summary panel, legend, attribution, fit to data."""

        _template = Template("""
            {% macro script(this, kwargs) %}
            arealsirkMap.decorate({{ this._parent.get_name() }}, {{ this.cfg }});
            {% endmacro %}
        """)

        def __init__(self, cfg: Mapping[str, Any]):
            super().__init__()
            self._name = "AsDecorations"
            self.cfg = _js_json(cfg)

        def render(self, **kwargs: Any) -> Any:
            figure = self.get_root()
            if isinstance(figure, Figure):
                _add_runtime(figure, raw)
            super().render(**kwargs)

    return DataLayer, Decorations


def _control_classes(base: Any) -> tuple[Any, Any, Any]:
    """``(LayerList, SafeMap, SafeTileLayer)``: folium's controls and map without the templating pass."""
    folium = _folium()
    from folium.template import Template

    layer_control: Any = folium.LayerControl
    folium_map: Any = folium.Map
    tile_layer: Any = folium.TileLayer

    class LayerList(layer_control, base):
        """folium's LayerControl, collapsed to an icon when the map is narrower than 760 px (phones,
        the halves of a comparison) and expanded otherwise."""

        _template = Template("""
            {% macro script(this,kwargs) %}
                var {{ this.get_name() }}_layers = {
                    base_layers : {
                        {%- for key, val in this.base_layers.items() %}
                        {{ key|tojson }} : {{val}},
                        {%- endfor %}
                    },
                    overlays :  {
                        {%- for key, val in this.overlays.items() %}
                        {{ key|tojson }} : {{val}},
                        {%- endfor %}
                    },
                };
                let {{ this.get_name() }} = L.control.layers(
                    {{ this.get_name() }}_layers.base_layers,
                    {{ this.get_name() }}_layers.overlays,
                    Object.assign({{ this.options|tojavascript }}, {collapsed: {{ "true" if
                        this.force_collapsed else "false" }} || {{
                        this._parent.get_name() }}.getSize().x < 760})
                ).addTo({{this._parent.get_name()}});
            {% endmacro %}
        """)

        def __init__(self, *, collapsed: bool = False):
            super().__init__(position="topright", collapsed=collapsed)
            self.force_collapsed = collapsed

    class SafeMap(folium_map, base):
        """folium.Map rendered without the second templating pass."""

    class SafeTileLayer(tile_layer, base):
        """folium.TileLayer rendered without the second templating pass (URL and attribution are text)."""

    return LayerList, SafeMap, SafeTileLayer


def _element_classes() -> Elements:
    """Build (once) the folium element classes; folium is imported lazily.

    Returns ``Elements(DataLayer, Decorations, LayerList, SafeMap, SafeTileLayer, Raw)``.
    """
    if _Safe.classes is not None:
        return _Safe.classes
    from .offline import raw_element_class

    raw = raw_element_class()
    base = _no_template_macro(raw)
    _Safe.classes = Elements(*_data_classes(base, raw), *_control_classes(base), raw)
    return _Safe.classes
