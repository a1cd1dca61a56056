"""Self-contained, offline, bilingual web maps of arealsirk results.

A politician opens the map from an e-mail or an intranet, often on a network that
blocks CDNs.  So the HTML written by :func:`write_map` carries every script, style,
icon and font inline (copied from npm packages at pinned versions, see
``arealsirk/_vendor/MANIFEST.json``) and opens with zero external requests.
Background tiles are an opt-in base layer ("needs internet") that loads nothing
until chosen; the default background is plain.

Maps stay small: geometries are simplified in metres before reprojection,
coordinates are rounded to 5 decimals (about 1 m), data travel as compact JSON
arrays, points are drawn on one canvas and clustered (Leaflet.markercluster) when
many, and popups are built on click.  Every text from input data reaches the page
through ``textContent`` or is HTML-escaped where Leaflet uses ``innerHTML`` (layer
names, attribution), and JSON inside ``<script>`` has ``<``, ``>`` and ``&``
escaped, so a source named ``</script><script>alert(1)</script>`` is shown as text.

Public functions: :func:`build_map`, :func:`write_map`, :func:`compare_maps`,
:func:`static_map`, :func:`map_from_gpkg`.
"""

from __future__ import annotations

import contextvars
import datetime as _dt
import html
import logging
import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._text import escape_html, js_json
from ._webmap_i18n import check_lang, column_label, fmt_number, label, t
from .errors import EmptyLayerError, InputError, OutputError

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

log = logging.getLogger("arealsirk")

__all__ = ["LAYER_NAMES", "build_map", "compare_maps", "map_from_gpkg", "read_run_info", "static_map",
           "summary_table", "write_map"]

#: Result layers the map knows, in drawing order (bottom to top).
LAYER_NAMES: tuple[str, ...] = ("kommuner", "catchments", "service_areas", "candidates", "allocation",
                                "matches", "sources", "existing", "selected_sites")

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
_TRANSPARENT_GIF = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"

#: viridis at 5 stops: colour-blind safe, dark = low suitability, yellow = high
SCORE_COLOURS = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")
KIND_COLOURS: dict[str, str] = {
    "cattle_manure": "#8c510a", "pig_manure": "#d8b365", "food_waste": "#e66101",
    "sewage_sludge": "#6a3d9a", "forest_residue": "#1b7837", "textiles": "#c51b7d",
    "excess_heat": "#f4a6c6", "by_product": "#a6a6d8", "heat": "#f4a6c6", "wood_chips": "#5aae61",
    "ash": "#878787", "co2": "#542788", "water": "#2166ac",
}
FALLBACK_COLOURS = ("#1f78b4", "#33a02c", "#e31a1c", "#ff7f00", "#6a3d9a", "#b15928", "#a6cee3", "#b2df8a",
                    "#fb9a99", "#fdbf6f", "#cab2d6", "#ffff99")
FACILITY_COLOURS: dict[str, str] = {
    "biogas_plant": "#d62728", "reuse_centre": "#1f77b4", "industrial_park": "#9467bd",
    "bioenergy_plant": "#8c564b", "textile_site": "#e377c2", "recycling_station": "#7f7f7f",
}
#: travel-time bands in greys: context, not to be confused with the facility colours
MINUTE_COLOURS = ("#525252", "#737373", "#969696", "#bdbdbd", "#d9d9d9", "#f0f0f0")

_SITE_FIGURES = ("capacity_t", "feedstock_t", "utilisation", "methane_nm3", "energy_gwh", "tonne_km", "co2_t",
                 "truck_trips", "mean_km", "population_served", "population_within_cutoff", "share_within_cutoff",
                 "rank", "area_ha", "saving_nok", "flows_nearby")
_PERCENT = ("share_within_cutoff", "utilisation")


# --------------------------------------------------------------------------------------------------
# helpers


#: ``webmap.*`` overrides of the map being built (set by :func:`build_map`'s ``parameters``).
_OVERRIDES: contextvars.ContextVar[Mapping[str, float]] = contextvars.ContextVar("webmap_overrides", default={})


def _default(key: str, fallback: float) -> float:
    """A ``webmap.*`` default from the defaults table (fallback only if the row is missing)."""
    from .defaults import default

    if key in _OVERRIDES.get():
        return float(_OVERRIDES.get()[key])
    try:
        return float(default(key))
    except Exception:  # the row is appended to defaults.csv alongside this module
        return fallback


def _js_json(obj: Any) -> str:
    """JSON that is safe inside ``<script>`` (see :func:`arealsirk._text.js_json`)."""
    return js_json(obj)


def _text(value: Any) -> str:
    """A cell as display text ('' for missing)."""
    if value is None:
        return ""
    try:
        if isinstance(value, float) and math.isnan(value):
            return ""
    except TypeError:
        pass
    try:
        import pandas as pd

        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def _num(value: Any) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def _prepare(gdf: gpd.GeoDataFrame, name: str, *, simplify_m: float, decimals: int) -> gpd.GeoDataFrame | None:
    """Validate, simplify (in metres), reproject to WGS84 and round coordinates; None if empty."""
    import numpy as np
    import shapely

    from ._validate import validate_layer

    if gdf is None or len(gdf) == 0:
        log.info("webmap: layer '%s' is empty; skipped", name)
        return None
    try:
        gdf = validate_layer(gdf, name=name, layer=name)
    except EmptyLayerError:
        log.info("webmap: layer '%s' has no usable geometries; skipped", name)
        return None
    geoms = gdf.geometry.values
    if simplify_m > 0:
        kinds = shapely.get_type_id(np.asarray(geoms))
        nonpoint = kinds > 0  # 0 = Point
        if nonpoint.any():
            arr = np.asarray(geoms).copy()
            arr[nonpoint] = shapely.simplify(arr[nonpoint], simplify_m, preserve_topology=True)
            gdf = gdf.set_geometry(gdf.geometry.__class__(arr, crs=gdf.crs, index=gdf.index))
    gdf = gdf.to_crs(4326)
    factor = 10.0 ** decimals
    rounded = shapely.transform(np.asarray(gdf.geometry.values), lambda c: np.round(c * factor) / factor)
    gdf = gdf.set_geometry(gdf.geometry.__class__(rounded, crs=gdf.crs, index=gdf.index))
    keep = ~(gdf.geometry.is_empty | gdf.geometry.isna())
    gdf = gdf[keep]
    return gdf if len(gdf) else None


def _geojson(geom: Any) -> dict[str, Any]:
    from shapely.geometry import mapping

    return mapping(geom)


class _Ctx:
    """Per-map state: language, lookups between layers, legend sections."""

    def __init__(self, lang: str, layers: Mapping[str, Any]):
        self.lang = lang
        self.notes: list[str] = []
        self.legend: list[dict[str, Any]] = []
        self.bounds: list[float] | None = None
        self.kommune_names: dict[str, str] = {}
        self.source_names: dict[str, str] = {}
        self.site_names: dict[str, str] = {}
        self.kommune_figures: dict[str, list[list[str]]] = {}
        #: source id -> balance category ("collected", "beyond_max_km", ...) from source_status
        self.source_status: dict[str, str] = {}
        sel = layers.get("selected_sites")
        self.kept_ids: set[str] = set()
        if sel is not None and {"id", "existing"} <= set(sel.columns):
            self.kept_ids = {_text(i) for i, e in zip(sel["id"], sel["existing"], strict=False) if _is_true(e)}
        self.candidate_scores: dict[str, dict[str, Any]] = {}
        cand = layers.get("candidates")
        if cand is not None and "id" in cand.columns:
            cols = _score_columns(cand)
            for rec in cand[["id", *cols]].to_dict("records"):
                self.candidate_scores[_text(rec.pop("id"))] = rec
        k = layers.get("kommuner")
        if k is not None and {"kommunenummer", "kommunenavn"} <= set(k.columns):
            self.kommune_names = {_text(a): _text(b) for a, b in zip(k["kommunenummer"], k["kommunenavn"],
                                                                     strict=False)}
        for lname, target in (("sources", self.source_names), ("selected_sites", self.site_names),
                              ("candidates", self.site_names), ("existing", self.site_names)):
            g = layers.get(lname)
            if g is not None and {"id", "name"} <= set(g.columns):
                for a, b in zip(g["id"], g["name"], strict=False):
                    target.setdefault(_text(a), _text(b))

    def add_legend(self, key: str, title: str, items: list[dict[str, Any]]) -> None:
        """A legend section tied to result layer ``key`` (hidden while that layer is switched off)."""
        self.legend.append({"key": key, "title": title, "items": items})

    def tr(self, key: str, **kw: Any) -> str:
        return t(self.lang, key, **kw)

    def kommune(self, nr: Any) -> str:
        nr = _text(nr)
        name = self.kommune_names.get(nr)
        return f"{name} ({nr})" if name else nr

    def fmt(self, value: Any, **kw: Any) -> str:
        return fmt_number(value, self.lang, **kw)

    def qty(self, q: Any, unit: Any) -> str:
        s = self.fmt(q)
        u = _text(unit)
        if s and u:
            return f"{s} {label(self.lang, 'unit', u)}"
        return s

    def grow(self, gdf: gpd.GeoDataFrame) -> None:
        b = [float(v) for v in gdf.total_bounds]
        if not all(math.isfinite(v) for v in b):
            return
        if self.bounds is None:
            self.bounds = b
        else:
            self.bounds = [min(self.bounds[0], b[0]), min(self.bounds[1], b[1]),
                           max(self.bounds[2], b[2]), max(self.bounds[3], b[3])]


def _col(gdf: gpd.GeoDataFrame, name: str) -> list[Any]:
    if name in gdf.columns:
        return list(gdf[name])
    return [None] * len(gdf)


def _score_columns(gdf: gpd.GeoDataFrame) -> list[str]:
    return [c for c in gdf.columns if c.startswith("score_") and c != "score_total"]


def _score_class(x: float | None) -> int:
    if x is None:
        return 0
    return int(min(4, max(0, math.floor(x * 5))))


def _why(ctx: _Ctx, row: Mapping[str, Any], score_cols: Sequence[str]) -> str:
    """One sentence on why a site was chosen, from whatever figures the row has.

    e.g. "Collects 23 055 t of feedstock a year with 11.0 km mean haul, giving 327 058 Nm³
    methane (3.26 GWh)" or "Serves 1 385 people, 99 % within the travel-time limit" or
    "Strongest on access 0.92, supply 0.85".
    """
    parts: list[str] = []
    if _text(row.get("existing")) != "" and bool(row.get("existing")):
        parts.append(ctx.tr("why.existing"))
    feed = _num(row.get("feedstock_t"))
    if feed:
        s = ctx.tr("why.feedstock", feedstock=ctx.fmt(feed))
        km = _num(row.get("mean_km"))
        if km is not None:
            s += " " + ctx.tr("why.km", km=ctx.fmt(km))
        ch4 = _num(row.get("methane_nm3"))
        if ch4:
            s += ", " + ctx.tr("why.methane", methane=ctx.fmt(ch4), energy=ctx.fmt(row.get("energy_gwh")))
        parts.append(s)
    people = _num(row.get("population_served"))
    if people is not None:
        s = ctx.tr("why.population", people=ctx.fmt(people))
        share = _num(row.get("share_within_cutoff"))
        if share is not None:
            s += ", " + ctx.tr("why.share", share=ctx.fmt(share, percent=True))
        parts.append(s)
    rank, total = _num(row.get("rank")), _num(row.get("score_total"))
    if rank is not None and total is not None:
        parts.append(ctx.tr("why.rank", rank=ctx.fmt(rank, decimals=0), score=ctx.fmt(total, decimals=2)))
    saving, flows = _num(row.get("saving_nok")), _num(row.get("flows_nearby"))
    if saving:
        parts.append(ctx.tr("why.symbiosis", saving=ctx.fmt(saving, decimals=0)))
    if flows:
        parts.append(ctx.tr("why.flows", n=ctx.fmt(flows, decimals=0)))
    if not score_cols and _text(row.get("facility_type")) == "industrial_park":  # criteria: candidates layer
        cand = ctx.candidate_scores.get(_text(row.get("id")), {})
        score_cols = list(cand)
        row = {**cand, **row}
    scored = [(c, _num(row.get(c))) for c in score_cols]
    scored = [(c, v) for c, v in scored if v is not None]
    if scored:
        scored.sort(key=lambda cv: -cv[1])
        parts.append(ctx.tr("why.scores", list=", ".join(
            f"{label(ctx.lang, 'criterion', c[len('score_'):])} {ctx.fmt(v, decimals=2)}" for c, v in scored[:2])))
    return ". ".join(parts) + ("." if parts else "")


def _robustness(ctx: _Ctx, row: Mapping[str, Any]) -> str:
    """The rank robustness of a candidate in plain words ('' when the row has no sensitivity figures).

    From the :func:`arealsirk.scoring.attach_sensitivity` columns ``top_k_share``,
    ``rank_min``, ``rank_max``, ``sensitivity_top_k`` (+ ``sensitivity_runs``), e.g.
    "Blant de 3 beste i 87 % av 1 000 vektinger; rangering 1–4".
    """
    lo, hi = _num(row.get("rank_min")), _num(row.get("rank_max"))
    share, k = _num(row.get("top_k_share")), _num(row.get("sensitivity_top_k"))
    runs = _num(row.get("sensitivity_runs"))
    rng = ""
    if lo is not None and hi is not None:
        lo_s, hi_s = ctx.fmt(lo, decimals=0), ctx.fmt(hi, decimals=0)
        rng = (ctx.tr("robust.fixed", lo=lo_s) if lo == hi else ctx.tr("robust.range", lo=lo_s, hi=hi_s))
    if share is not None and k:
        pct, k_s = ctx.fmt(share, percent=True), ctx.fmt(k, decimals=0)
        head = (ctx.tr("robust.top_k_runs", k=k_s, share=pct, n=ctx.fmt(runs, decimals=0)) if runs
                else ctx.tr("robust.top_k", k=k_s, share=pct))
        return f"{head}; {rng}" if rng else head
    if rng:
        return (ctx.tr("robust.fixed_only", lo=ctx.fmt(lo, decimals=0)) if lo == hi else
                ctx.tr("robust.range_only", lo=ctx.fmt(lo, decimals=0), hi=ctx.fmt(hi, decimals=0)))
    return ""


# --------------------------------------------------------------------------------------------------
# folium elements


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

    classes: tuple[type, ...] | None = None


def _element_classes() -> tuple[type, ...]:
    """Build (once) the folium element classes; folium is imported lazily.

    Returns ``(DataLayer, Decorations, LayerList, SafeMap, SafeTileLayer, Raw)``.
    """
    if _Safe.classes is not None:
        return _Safe.classes
    folium = _folium()
    from branca.element import Figure, MacroElement
    from folium.elements import JSCSSMixin
    from folium.map import Layer
    from folium.plugins import MarkerCluster
    from folium.template import Template

    from ._webmap_assets import raw_element_class
    from ._webmap_js import RUNTIME_CSS, RUNTIME_JS

    Raw = raw_element_class()

    class NoTemplateMacro(MacroElement):
        """``MacroElement.render`` without the second templating pass (see :class:`_Safe`)."""

        def render(self, **kwargs: Any) -> None:
            figure = self.get_root()
            if not isinstance(figure, Figure):
                raise OutputError("webmap: an element can only be rendered inside a figure")
            module = self._template.module.__dict__
            for part, target in (("header", figure.header), ("html", figure.html), ("script", figure.script)):
                macro = module.get(part)
                if macro is not None:
                    target.add_child(Raw(str(macro(self, kwargs))), name=self.get_name())
            for element in list(self._children.values()):
                element.render(**kwargs)

    class DataLayer(JSCSSMixin, Layer, NoTemplateMacro):
        """One result layer: data as escaped JSON, drawn by the arealsirk runtime."""

        _template = Template("""
            {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = arealsirkMap.{{ this.factory }}({{ this.payload }}, {{ this._parent.get_name() }});
            {% endmacro %}
        """)

        def __init__(self, factory: str, payload: Any, *, name: str, overlay: bool = True,
                     show: bool = True, cluster: bool = False):
            # Leaflet's layer list inserts names as HTML: escaped here (braces too)
            super().__init__(name=escape_html(name), overlay=overlay, control=True, show=show)
            self._name = "AsLayer"
            self.factory = factory
            self.payload = _js_json(payload)
            self.raw_name = name
            # the same CDN links as folium's MarkerCluster: write_map inlines the vendored copies
            self.default_js = list(MarkerCluster.default_js) if cluster else []
            self.default_css = list(MarkerCluster.default_css) if cluster else []

        def render(self, **kwargs: Any) -> None:
            figure = self.get_root()
            if isinstance(figure, Figure):
                _add_runtime(figure)
            super().render(**kwargs)

    class Decorations(NoTemplateMacro):
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

        def render(self, **kwargs: Any) -> None:
            figure = self.get_root()
            if isinstance(figure, Figure):
                _add_runtime(figure)
            super().render(**kwargs)

    def _add_runtime(figure: Any) -> None:
        if "arealsirk_runtime" not in figure.header._children:
            from ._webmap_assets import safe_script, safe_style

            figure.header.add_child(
                Raw(f"<script>{safe_script(RUNTIME_JS)}</script>\n<style>{safe_style(RUNTIME_CSS)}</style>"),
                name="arealsirk_runtime")

    class LayerList(folium.LayerControl, NoTemplateMacro):
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
                    Object.assign({{ this.options|tojavascript }}, {collapsed: {{ "true" if this.force_collapsed
                        else "false" }} || {{ this._parent.get_name() }}.getSize().x < 760})
                ).addTo({{this._parent.get_name()}});
            {% endmacro %}
        """)

        def __init__(self, *, collapsed: bool = False):
            super().__init__(position="topright", collapsed=collapsed)
            self.force_collapsed = collapsed

    class SafeMap(folium.Map, NoTemplateMacro):
        """folium.Map rendered without the second templating pass."""

    class SafeTileLayer(folium.TileLayer, NoTemplateMacro):
        """folium.TileLayer rendered without the second templating pass (URL and attribution are text)."""

    _Safe.classes = (DataLayer, Decorations, LayerList, SafeMap, SafeTileLayer, Raw)
    return _Safe.classes




# --------------------------------------------------------------------------------------------------
# one builder per result layer; each returns a list of (factory, payload, layer name, show)


def _sources(ctx: _Ctx, g: gpd.GeoDataFrame, *, max_points: int, cluster_min: int) -> list[tuple]:
    import numpy as np

    total = len(g)
    note = None
    q = np.array([_num(v) or 0.0 for v in _col(g, "quantity")], dtype=float)
    if total > max_points:
        order = np.argsort(-q, kind="stable")[:max_points]
        g = g.iloc[np.sort(order)]
        q = q[np.sort(order)]
        note = ctx.tr("truncated", shown=ctx.fmt(max_points), total=ctx.fmt(total))
        log.warning("webmap: %d sources; showing the %d largest", total, max_points)
    kinds = [_text(k) for k in _col(g, "kind")]
    uniq = list(dict.fromkeys(kinds))
    split = len(uniq) <= 6  # one entry per kind in the layer list only when there are few
    pts = g.geometry.representative_point()
    lat = np.round(pts.y.to_numpy(), 5)
    lon = np.round(pts.x.to_numpy(), 5)
    names, units = _col(g, "name"), _col(g, "unit")
    komm, ids = _col(g, "kommunenummer"), _col(g, "id")
    cols = [*(column_label(ctx.lang, c) for c in ("kind", "quantity", "kommune")), ctx.tr("source.status"),
            column_label(ctx.lang, "id")]
    out: list[tuple] = []
    legend_items = []
    fallback = iter(FALLBACK_COLOURS * 10)
    colours = {k: KIND_COLOURS.get(k) or next(fallback) for k in uniq}
    groups = {k: [i for i, kk in enumerate(kinds) if kk == k] for k in uniq} if split else {"": list(range(len(g)))}
    styles = [{"color": "#222", "fill": colours[k], "weight": 0.6} for k in uniq]
    # not collected (beyond the haul limit, no yield, plants full, unreachable): hollow in the kind's colour
    styles += [{"color": colours[k], "fill": "#ffffff", "weight": 1.6, "fillOpacity": 0.9} for k in uniq]
    style_idx = {k: i for i, k in enumerate(uniq)}
    from ._webmap_i18n import BALANCE_CATEGORIES

    status = [ctx.source_status.get(_text(v), "") for v in ids]
    for k, idx in groups.items():
        if not idx:
            continue
        qk = q[idx]
        ref = float(np.percentile(qk, 95)) if np.any(qk > 0) else 0.0
        rows = []
        for i in idx:
            r = 2.0 + 5.0 * math.sqrt(min(q[i] / ref, 1.0)) if ref > 0 and q[i] > 0 else 2.0
            lost = status[i] not in ("", "collected")
            rows.append([float(lat[i]), float(lon[i]), round(r, 1), style_idx[kinds[i]] + (len(uniq) if lost else 0),
                         _text(names[i]), label(ctx.lang, "kind", kinds[i]), ctx.qty(q[i] if q[i] else None, units[i]),
                         ctx.kommune(komm[i]),
                         ctx.tr("source.collected") if status[i] == "collected" else
                         BALANCE_CATEGORIES[ctx.lang].get(status[i], status[i]), _text(ids[i])])
        payload = {"rows": rows, "styles": styles, "cols": cols, "titleIndex": 4, "valueOffset": 5,
                   "cluster": len(idx) >= cluster_min, "tooltip": True}
        lname = (ctx.tr("layer.sources_kind", kind=label(ctx.lang, "kind", k)) if split and k
                 else ctx.tr("layer.sources"))
        out.append(("points", payload, lname, True, len(idx) >= cluster_min))
    for k in uniq:
        legend_items.append({"label": label(ctx.lang, "kind", k) if k else "–", "fill": colours[k],
                             "color": "#222", "shape": "circle"})
    if any(s not in ("", "collected") for s in status):
        legend_items.append({"label": ctx.tr("source.uncollected"), "fill": "#ffffff", "color": "#444",
                             "shape": "circle"})
    ctx.add_legend("sources", ctx.tr("legend.sources"), legend_items)
    if note:
        ctx.notes.append(note)
    return out


#: Columns of :func:`arealsirk.scoring.attach_sensitivity` that switch on the robustness sentence.
_SENSITIVITY_COLUMNS = {"top_k_share", "rank_min", "rank_max"}


def _candidates(ctx: _Ctx, g: gpd.GeoDataFrame) -> list[tuple]:
    score_cols = _score_columns(g)
    totals = [_num(v) for v in _col(g, "score_total")]
    order = sorted(range(len(g)), key=lambda i: (totals[i] is not None, totals[i] or 0.0))
    styles = [{"color": "#333", "weight": 0.6, "fillColor": c, "fillOpacity": 0.7, "radius": 6}
              for c in SCORE_COLOURS]
    styles.append({"color": "#555", "weight": 0.8, "fillColor": "#bdbdbd", "fillOpacity": 0.6, "radius": 6})
    fields = ["rank", "score_total", *score_cols, "facility_type", "zone_type", "kommune", "area_ha", "id"]
    has_score = any(v is not None for v in totals)
    cols = [column_label(ctx.lang, c) for c in fields]
    geoms = list(g.geometry)
    recs = g.drop(columns=g.geometry.name).to_dict("records")
    robust = [_robustness(ctx, rec) for rec in recs] if _SENSITIVITY_COLUMNS & set(g.columns) else []
    has_robust = any(robust)
    rows = []
    for i in order:
        rec = recs[i]
        vals = [robust[i]] if has_robust else []
        vals += [ctx.fmt(rec.get("rank"), decimals=0), ctx.fmt(totals[i], decimals=2)]
        vals += [ctx.fmt(rec.get(c), decimals=2) for c in score_cols]
        vals += [label(ctx.lang, "facility", _text(rec.get("facility_type"))) if rec.get("facility_type") else "",
                 _text(rec.get("zone_type")), ctx.kommune(rec.get("kommunenummer")), ctx.fmt(rec.get("area_ha")),
                 _text(rec.get("id"))]
        style = _score_class(totals[i]) if totals[i] is not None else len(SCORE_COLOURS)
        rows.append([_geojson(geoms[i]), style, _text(rec.get("name")), *vals])
    if has_score:
        ctx.legend.append({"key": "candidates", "title": ctx.tr("legend.score"), "items": [
            {"label": f"{ctx.fmt(k / 5, decimals=1)}–{ctx.fmt((k + 1) / 5, decimals=1)}", "fill": c, "color": "#333"}
            for k, c in reversed(list(enumerate(SCORE_COLOURS)))]})
    else:
        ctx.legend.append({"key": "candidates", "title": ctx.tr("layer.candidates"), "items": [
            {"label": ctx.tr("layer.candidates"), "fill": "#bdbdbd", "color": "#555"}]})
    payload = {"rows": rows, "styles": styles, "cols": cols, "titleIndex": 2, "valueOffset": 3, "tooltip": True}
    if has_robust:  # the sentence goes where the site popups have "why here?"; the legend says so
        payload.update({"whyIndex": 3, "whyHeading": ctx.tr("robust"), "valueOffset": 4})
        ctx.legend[-1]["items"].append({"label": ctx.tr("legend.robust"), "fill": "transparent",
                                        "color": "transparent"})
    return [("shapes", payload, ctx.tr("layer.candidates"), True, False)]


def _is_true(value: Any) -> bool:
    return _text(value) != "" and bool(value) and _text(value).lower() not in ("false", "0", "no", "nei")


def _site_values(ctx: _Ctx, rec: Mapping[str, Any], fields: Sequence[str], score_cols: Sequence[str]) -> list[list]:
    """(label, value) pairs of one site for its popup; empty values left out."""
    out = []
    for c in fields:
        v = rec.get(c)
        if c == "kommune":
            text = ctx.kommune(rec.get("kommunenummer"))
        elif c in _PERCENT:
            text = ctx.fmt(v, percent=True)
        elif c == "rank":
            text = ctx.fmt(v, decimals=0)
        elif c == "score_total" or c in score_cols:
            text = ctx.fmt(v, decimals=2)
        elif c in ("reason", "explanation", "id"):
            text = _text(v)
        else:
            text = ctx.fmt(v)
        if text:
            out.append([column_label(ctx.lang, c), text])
    return out


def _sites(ctx: _Ctx, g: gpd.GeoDataFrame, layer: str) -> list[tuple]:
    """Sites as symbols: proposed new sites as large stars, kept existing sites as squares.

    Several facility types at one place (e.g. a biogas plant and an industrial park in one
    zone) become one symbol with one popup that has a section, and a "why here?", per type.
    ``existing`` (the input facilities) is drawn small and grey, without those kept (they are
    in ``selected_sites``).
    """
    score_cols = _score_columns(g)
    figures = [c for c in _SITE_FIGURES if c in g.columns]
    extra = [c for c in ("reason", "explanation") if c in g.columns]
    fields = ["kommune", *figures, "score_total", *score_cols, *extra, "id"]
    pts = g.geometry.representative_point()
    recs = g.drop(columns=g.geometry.name).to_dict("records")
    selected = layer == "selected_sites"
    if not selected:
        keep = [i for i, r in enumerate(recs) if _text(r.get("id")) not in ctx.kept_ids]
        recs, pts = [recs[i] for i in keep], pts.iloc[keep]
    groups: dict[tuple[float, float], list[int]] = {}
    for i, _rec in enumerate(recs):
        groups.setdefault((round(float(pts.iloc[i].y), 5), round(float(pts.iloc[i].x), 5)), []).append(i)
    rows, seen = [], {}
    for (lat, lon), idx in groups.items():
        sections, colours, names = [], [], []
        symbol = "existing"
        for i in idx:
            rec = recs[i]
            ft = _text(rec.get("facility_type"))
            colour = FACILITY_COLOURS.get(ft, "#555")
            kept = _is_true(rec.get("existing"))
            status = ctx.tr("site.kept" if kept else "site.new") if selected else ctx.tr("site.input")
            if selected:
                symbol = "new" if not kept or symbol == "new" else "kept"
            head = f"{label(ctx.lang, 'facility', ft) if ft else ctx.tr('layer.' + layer)} – {status}"
            sections.append([head, _why(ctx, rec, score_cols) if selected else "",
                             _site_values(ctx, rec, fields, score_cols)])
            colours.append(colour if selected else "#8c8c8c")
            names.append(_text(rec.get("name")))
            seen[(ft, "new" if selected and not kept else ("kept" if selected else "input"))] = colour
        title = " / ".join(dict.fromkeys(n for n in names if n))
        rows.append([lat, lon, symbol, list(dict.fromkeys(colours)), title, sections])
    if selected:
        items = []
        for (ft, kind), colour in seen.items():
            items.append({"label": f"{label(ctx.lang, 'facility', ft)} – {ctx.tr('site.' + kind)}",
                          "fill": colour, "color": "#000", "shape": "star" if kind == "new" else "square"})
        items.sort(key=lambda it: it["shape"] != "star")
        if any(len(r[3]) > 1 for r in rows):
            items.append({"label": ctx.tr("site.combined"), "fill": "#fff", "color": "#000", "shape": "ring"})
        ctx.add_legend(layer, ctx.tr("legend.sites"), items)
    else:
        ctx.add_legend(layer, ctx.tr("layer.existing"), [
            {"label": ctx.tr("site.input"), "fill": "#8c8c8c", "color": "#333", "shape": "square"}])
    payload = {"rows": rows, "whyHeading": ctx.tr("why"), "tooltip": True}
    return [("sites", payload, ctx.tr(f"layer.{layer}"), True, False)]


def _aggregate_allocation(ctx: _Ctx, g: gpd.GeoDataFrame, max_shown: int) -> gpd.GeoDataFrame:
    """Allocation lines of a facility type with more than ``max_shown`` lines, one per
    (kommune of the source, site, kind): from the quantity-weighted centre of those sources to
    the site, carrying their total quantity and weighted mean distance and travel time.

    A national reuse run has one line per population cell (30 000+); drawn per kommune the map
    stays small (≤ 5 MB) and readable.  Without a ``kommunenummer`` column, 10 km grid blocks.
    """
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import shapely

    types = g["facility_type"].astype(str) if "facility_type" in g.columns else pd.Series("", index=g.index)
    counts = types.value_counts()
    big = set(counts[counts > max_shown].index)
    if not big:
        return g
    keep = g[~types.isin(big)]
    part = g[types.isin(big)]
    coords = shapely.get_coordinates(part.geometry.values, return_index=True)
    xy, idx = coords
    first = np.unique(idx, return_index=True)[1]
    last = np.r_[first[1:] - 1, len(idx) - 1]
    df = pd.DataFrame({"x0": xy[first, 0], "y0": xy[first, 1], "x1": xy[last, 0], "y1": xy[last, 1]},
                      index=part.index)
    df["q"] = pd.to_numeric(part.get("quantity", 1.0), errors="coerce").fillna(0.0).clip(lower=0.0)
    df["w"] = df["q"].where(df["q"] > 0, 1e-9)
    if "kommunenummer" in part.columns:
        df["area"] = part["kommunenummer"].map(_text)
    else:  # 10 km blocks in degrees at 60° N (about 0.09° lat x 0.18° lon)
        df["area"] = (np.floor(df["y0"] / 0.09).astype(int).astype(str) + "/" +
                      np.floor(df["x0"] / 0.18).astype(int).astype(str))
    for c in ("site_id", "kind", "unit", "facility_type"):
        df[c] = part[c].map(_text) if c in part.columns else ""
    for c in ("distance_km", "travel_min"):
        df[c] = pd.to_numeric(part[c], errors="coerce") if c in part.columns else np.nan
    rows, geoms = [], []
    for (area, site, kind, unit, ft), d in df.groupby(["area", "site_id", "kind", "unit", "facility_type"],
                                                      sort=False):
        w = d["w"].to_numpy()
        x0, y0 = float(np.average(d["x0"], weights=w)), float(np.average(d["y0"], weights=w))
        geoms.append(shapely.LineString([(x0, y0), (float(d["x1"].iloc[0]), float(d["y1"].iloc[0]))]))
        mean = {c: (float(np.average(d[c].fillna(0), weights=w)) if d[c].notna().any() else None)
                for c in ("distance_km", "travel_min")}
        where = ctx.kommune(area) if "kommunenummer" in part.columns else area
        rows.append({"source_id": ctx.tr("alloc.group", where=where, n=ctx.fmt(len(d), decimals=0)),
                     "site_id": site, "kind": kind, "unit": unit, "facility_type": ft,
                     "quantity": float(d["q"].sum()), **mean})
    agg = gpd.GeoDataFrame(rows, geometry=geoms, crs=g.crs)
    if g.geometry.name != "geometry":
        agg = agg.rename_geometry(g.geometry.name)
    ctx.notes.append(ctx.tr("alloc.aggregated", n=ctx.fmt(len(part), decimals=0),
                            m=ctx.fmt(len(agg), decimals=0)))
    return gpd.GeoDataFrame(pd.concat([keep, agg], ignore_index=True), geometry=g.geometry.name, crs=g.crs)


def _lines(ctx: _Ctx, g: gpd.GeoDataFrame, layer: str, *, max_lines: int) -> list[tuple]:
    """Allocation (one layer per facility type) or symbiosis matches as lines.

    A layer with more than ``webmap.max_lines_shown`` lines (e.g. every population cell to
    its reuse centre) starts hidden and is drawn thinner; it can be ticked on.
    """
    if layer == "allocation":
        fields = ["source_id", "site_id", "kind", "quantity", "distance_km", "travel_min"]
        a_col, b_col, names_a, names_b = "source_id", "site_id", ctx.source_names, ctx.site_names
    else:
        fields = ["supplier_id", "consumer_id", "kind", "quantity", "distance_km", "saving"]
        a_col, b_col, names_a, names_b = "supplier_id", "consumer_id", {}, {}
    max_shown = int(_default("webmap.max_lines_shown", 1500))
    if layer == "allocation":
        g = _aggregate_allocation(ctx, g, max_shown)
    if len(g) > max_lines:
        import numpy as np

        q = np.array([_num(v) or 0.0 for v in _col(g, "quantity")], dtype=float)
        keep = np.sort(np.argsort(-q, kind="stable")[:max_lines])
        ctx.notes.append(ctx.tr("truncated_lines", shown=ctx.fmt(max_lines), total=ctx.fmt(len(g)),
                                layer=ctx.tr(f"layer.{layer}")))
        log.warning("webmap: %d %s lines; showing the %d largest", len(g), layer, max_lines)
        g = g.iloc[keep]
    kinds = [_text(v) for v in _col(g, "kind")]
    uniq = list(dict.fromkeys(kinds))
    fallback = iter(FALLBACK_COLOURS * 10)
    colours = {k: KIND_COLOURS.get(k) or next(fallback) for k in uniq}
    cols = [column_label(ctx.lang, c) for c in fields]
    recs = g.drop(columns=g.geometry.name).to_dict("records")
    geoms = list(g.geometry)
    types = [_text(v) for v in _col(g, "facility_type")] if layer == "allocation" else [""] * len(g)
    groups = list(dict.fromkeys(types))
    out: list[tuple] = []
    for ft in groups:
        idx = [i for i, x in enumerate(types) if x == ft]
        many = len(idx) > max_shown
        styles = [{"color": colours[k], "weight": 0.7 if many else (1.2 if layer == "allocation" else 3.0),
                   "opacity": 0.35 if many else 0.6} for k in uniq]
        rows = []
        for i in idx:
            rec = recs[i]
            a, b = _text(rec.get(a_col)), _text(rec.get(b_col))
            a_name = _text(rec.get("supplier_name")) or names_a.get(a, "")
            b_name = _text(rec.get("consumer_name")) or names_b.get(b, "")
            a = f"{a_name} ({a})" if a_name else a
            b = f"{b_name} ({b})" if b_name else b
            vals = [a, b, label(ctx.lang, "kind", kinds[i]) if kinds[i] else "",
                    ctx.qty(rec.get("quantity"), rec.get("unit")), ctx.fmt(rec.get("distance_km")),
                    ctx.fmt(rec.get(fields[-1]))]
            rows.append([_geojson(geoms[i]), uniq.index(kinds[i]), "", *vals])
        if layer == "allocation" and len(groups) > 1 and ft:
            name = ctx.tr("layer.allocation_type", facility=label(ctx.lang, "facility", ft))
        else:
            name = ctx.tr(f"layer.{layer}")
        payload = {"rows": rows, "styles": styles, "cols": cols, "titleIndex": 2, "valueOffset": 3,
                   "tooltip": False}
        out.append(("shapes", payload, name, not many, False))
    ctx.legend.append({"key": layer, "title": ctx.tr(f"legend.{layer}"), "items": [
        {"label": label(ctx.lang, "kind", k) if k else "–", "color": colours[k], "shape": "line"} for k in uniq]})
    return out


def _areas(ctx: _Ctx, g: gpd.GeoDataFrame, layer: str) -> list[tuple]:
    recs = g.drop(columns=g.geometry.name).to_dict("records")
    geoms = list(g.geometry)
    rows = []
    if layer == "service_areas":
        minutes = sorted({m for m in (_num(r.get("minutes")) for r in recs) if m is not None})
        colours = {m: MINUTE_COLOURS[min(i, len(MINUTE_COLOURS) - 1)] for i, m in enumerate(minutes)}
        styles = [{"color": colours[m], "weight": 0.6, "opacity": 0.6, "fillColor": colours[m], "fillOpacity": 0.1}
                  for m in minutes]
        styles.append({"color": "#888", "weight": 1, "fillColor": "#888", "fillOpacity": 0.15})
        order = sorted(range(len(recs)), key=lambda i: -(_num(recs[i].get("minutes")) or 0.0))
        cols = [column_label(ctx.lang, c) for c in ("site_id", "facility_type", "minutes")]
        for i in order:
            m = _num(recs[i].get("minutes"))
            s = minutes.index(m) if m is not None else len(minutes)
            site = _text(recs[i].get("site_id"))
            rows.append([_geojson(geoms[i]), s, ctx.site_names.get(site, site), site,
                         label(ctx.lang, "facility", _text(recs[i].get("facility_type"))), ctx.fmt(m)])
        ctx.legend.append({"key": "service_areas", "title": ctx.tr("legend.service_areas"), "items": [
            {"label": ctx.tr("legend.minutes", minutes=ctx.fmt(m)), "fill": colours[m], "color": colours[m]}
            for m in minutes]})
    else:
        types = [_text(r.get("facility_type")) for r in recs]
        uniq = list(dict.fromkeys(types))
        styles = [{"color": FACILITY_COLOURS.get(k, "#555"), "weight": 1.2, "dashArray": "4 3",
                   "fillColor": FACILITY_COLOURS.get(k, "#555"), "fillOpacity": 0.08} for k in uniq]
        cols = [column_label(ctx.lang, c) for c in ("site_id", "facility_type")]
        for i, rec in enumerate(recs):
            site = _text(rec.get("site_id"))
            rows.append([_geojson(geoms[i]), uniq.index(types[i]), ctx.site_names.get(site, site), site,
                         label(ctx.lang, "facility", types[i]) if types[i] else ""])
        ctx.add_legend("catchments", ctx.tr("layer.catchments"), [
            {"label": label(ctx.lang, "facility", k) if k else "–", "fill": "transparent",
             "color": FACILITY_COLOURS.get(k, "#555"), "shape": "dashed"} for k in uniq])
    payload = {"rows": rows, "styles": styles, "cols": cols, "titleIndex": 2, "valueOffset": 3, "tooltip": False}
    return [("shapes", payload, ctx.tr(f"layer.{layer}"), True, False)]


def _kommuner(ctx: _Ctx, g: gpd.GeoDataFrame) -> list[tuple]:
    recs = g.drop(columns=g.geometry.name).to_dict("records")
    extra = [c for c in g.columns if c not in ("kommunenummer", "kommunenavn", g.geometry.name)]
    own = ctx.kommune_figures  # what the kommune supplies, gets and its share (by_kommune tables)
    labels = list(dict.fromkeys(lab for figs in own.values() for lab, _ in figs))
    cols = [column_label(ctx.lang, c) for c in ("kommunenummer", *extra)] + labels
    styles = [{"color": "#444", "weight": 1.6, "fill": True, "fillColor": "#ffffff", "fillOpacity": 0.01,
               "opacity": 0.9}]
    rows = []
    for geom, rec in zip(g.geometry, recs, strict=False):
        vals = [_text(rec.get("kommunenummer"))]
        for c in extra:
            v = rec.get(c)
            vals.append(ctx.fmt(v) if _num(v) is not None and not isinstance(v, str) else _text(v))
        mine = dict(own.get(_text(rec.get("kommunenummer")), []))
        vals += [mine.get(lab, "") for lab in labels]
        rows.append([_geojson(geom), 0, _text(rec.get("kommunenavn")), *vals])
    payload = {"rows": rows, "styles": styles, "cols": cols, "titleIndex": 2, "valueOffset": 3, "tooltip": True}
    ctx.add_legend("kommuner", ctx.tr("layer.kommuner"), [
        {"label": ctx.tr("legend.kommune"), "fill": "transparent", "color": "#444"}])
    return [("shapes", payload, ctx.tr("layer.kommuner"), True, False)]


# --------------------------------------------------------------------------------------------------
# public API


def _attribution(ctx: _Ctx, attribution: str | Sequence[str] | None, synthetic: bool,
                 all_synthetic: bool = False) -> str:
    """Data attribution; the Kartverket/SSB/OSM lines (CC BY / ODbL, required) are kept unless every
    layer is synthetic, and the synthetic-data line is added when any is."""
    if attribution is None:
        real = [] if all_synthetic else [ctx.tr("attr.kartverket"), ctx.tr("attr.ssb"), ctx.tr("attr.osm")]
        parts = [*real, ctx.tr("attr.synthetic")] if synthetic else real
    elif isinstance(attribution, str):
        parts = [attribution]
    else:
        parts = [str(a) for a in attribution]
    # Leaflet inserts attribution as HTML: escape here.
    return " | ".join(escape_html(p) for p in parts if p)


def _noscript(ctx: _Ctx, title: str, panel: Sequence[Mapping[str, Any]]) -> str:
    """Static HTML shown when JavaScript is off (mail previews, locked-down viewers): every text escaped."""
    e = escape_html
    out = ['<noscript><div class="as-noscript" style="font-family:sans-serif;max-width:46em;margin:1em auto;'
           'padding:0 1em">', f"<h1>{e(title)}</h1>", f"<p>{e(ctx.tr('noscript'))}</p>"]
    for entry in panel:
        out.append(f"<h2>{e(entry.get('title', ''))}</h2>")
        if entry.get("sentence"):
            out.append(f"<p>{e(entry['sentence'])}</p>")
        if entry.get("figures"):
            out.append("<table>" + "".join(f"<tr><th style=\"text-align:left\">{e(a)}</th><td>{e(b)}</td></tr>"
                                           for a, b in entry["figures"]) + "</table>")
        if entry.get("headline"):
            out.append(f"<p><b>{e(ctx.tr('panel.balance'))}</b></p><ul>" +
                       "".join(f"<li>{e(h)}</li>" for h in entry["headline"]) + "</ul>")
    out.append("</div></noscript>")
    return "\n".join(out)


def _check_panel(panel: Any) -> list[dict[str, Any]]:
    """The summary panel as a list of theme entries (see :mod:`arealsirk._webmap_summary`)."""
    if panel is None:
        return []
    if hasattr(panel, "columns"):  # a map_summary table
        from ._webmap_summary import panel_from_table

        return panel_from_table(panel)
    out = []
    for i, entry in enumerate(panel):
        if not isinstance(entry, Mapping):
            raise InputError(f"summary[{i}]: expected a mapping with title, sentence, figures, headline")
        out.append({"theme": _text(entry.get("theme")), "title": _text(entry.get("title")),
                    "sentence": _text(entry.get("sentence")),
                    "figures": [[_text(a), _text(b)] for a, b in entry.get("figures", [])],
                    "headline": [_text(h) for h in entry.get("headline", [])]})
    return out


_SEED_NOTE = re.compile(r"\s*[,;]?\s*\bseed\s*\d+\b", re.I)


def _clean_title(title: str, synthetic: bool) -> str:
    """The demo's scenario name carries "(syntetisk, seed 0)": the seed means nothing to a reader and
    the synthetic badge says the rest; removed from titles of synthetic maps only."""
    if not synthetic:
        return title
    out = _SEED_NOTE.sub("", title)
    return re.sub(r"\s*\(\s*\)", "", out).strip() or title


def _populate(m: Any, layers: Mapping[str, gpd.GeoDataFrame], *, title: str, lang: str, synthetic: bool,
              attribution: str | Sequence[str] | None, tiles: str | None, max_points: int,
              layer_control: bool = True, collapsed: bool = False, today: _dt.date | None = None,
              panel: Sequence[Mapping[str, Any]] = (), all_synthetic: bool = False,
              kommune_tables: Mapping[str, Any] | None = None) -> Any:
    """Add every known result layer + controls + title/legend to the folium map ``m``."""

    DataLayer, Decorations, LayerList, _SafeMap, SafeTileLayer, _Raw = _element_classes()
    panel = _check_panel(panel)
    simplify_m = _default("webmap.simplify_m", 20.0)
    decimals = int(_default("webmap.coord_decimals", 5))
    cluster_min = int(_default("webmap.cluster_min_points", 200))
    unknown = [k for k in layers if k not in LAYER_NAMES and k != "source_status"]
    for k in unknown:
        log.info("webmap: layer '%s' is not a known result layer; skipped", k)
    prepared: dict[str, gpd.GeoDataFrame] = {}
    for name in LAYER_NAMES:
        g = layers.get(name)
        if g is None:
            continue
        p = _prepare(g, name, simplify_m=0.0 if name in ("sources", "selected_sites", "existing") else simplify_m,
                     decimals=decimals)
        if p is not None:
            prepared[name] = p
    ctx = _Ctx(lang, prepared)
    st = layers.get("source_status")
    if st is not None and {"id", "balance"} <= set(st.columns):
        ctx.source_status = {_text(a): _text(b) for a, b in zip(st["id"], st["balance"], strict=False)}
    if kommune_tables:
        from ._webmap_summary import kommune_figures

        ctx.kommune_figures = kommune_figures(kommune_tables, lang=lang)

    # base layers
    if tiles is not None:
        blank = DataLayer("blank", {}, name=ctx.tr("base.none"), overlay=False, show=tiles == "auto")
        m.add_child(blank)
        url = OSM_TILES if tiles == "auto" else str(tiles)
        SafeTileLayer(tiles=url, attr=escape_html(ctx.tr("attr.osm")) if tiles == "auto" else " ",
                         name=escape_html(ctx.tr("base.osm" if tiles == "auto" else "base.custom")),
                         overlay=False, control=True, show=tiles != "auto", max_zoom=19,
                         errorTileUrl=_TRANSPARENT_GIF).add_to(m)

    for name, g in prepared.items():
        ctx.grow(g)
        if name == "sources":
            specs = _sources(ctx, g, max_points=max_points, cluster_min=cluster_min)
        elif name == "candidates":
            specs = _candidates(ctx, g)
        elif name in ("selected_sites", "existing"):
            specs = _sites(ctx, g, name)
        elif name in ("allocation", "matches"):
            specs = _lines(ctx, g, name, max_lines=max_points)
        elif name in ("catchments", "service_areas"):
            specs = _areas(ctx, g, name)
        else:
            specs = _kommuner(ctx, g)
        for factory, payload, lname, show, cluster in specs:
            payload["key"] = name
            m.add_child(DataLayer(factory, payload, name=lname, show=show, cluster=cluster))
    if layer_control:
        LayerList(collapsed=True).add_to(m)  # an icon: the legend says what is drawn
    today = today or _dt.date.today()
    b = ctx.bounds
    # legend: sites first, then scores, sources, lines, areas, borders
    order = ["selected_sites", "existing", "candidates", "sources", "allocation", "matches", "catchments",
             "service_areas", "kommuner"]
    ctx.legend.sort(key=lambda s: order.index(s.get("key")) if s.get("key") in order else 99)
    cfg = {
        "title": title,
        "panel": [dict(p) for p in panel],
        "panelLabel": ctx.tr("panel.toggle"),
        "balanceLabel": ctx.tr("panel.balance"),
        "lang": lang,
        "synthetic": ctx.tr("synthetic") if synthetic else None,
        "syntheticShort": ctx.tr("synthetic.short") if synthetic else None,
        "note": " · ".join(ctx.notes) or None,
        "made": ctx.tr("made", date=today.isoformat()),
        "legend": ctx.legend,
        "legendTitle": ctx.tr("legend.title"),
        "attribution": _attribution(ctx, attribution, synthetic, all_synthetic),
        "bounds": [[b[1], b[0]], [b[3], b[2]]] if b else None,
    }
    m.add_child(Decorations(cfg))
    m.get_root().html.add_child(_Raw(_noscript(ctx, title, panel)), name="arealsirk_noscript")
    if not prepared:
        log.warning("webmap: none of the layers %s had features to draw", sorted(layers))
    return m


def _new_map(location: Sequence[float] | None = None, **kw: Any) -> Any:
    SafeMap = _element_classes()[3]
    m = SafeMap(location=location or [60.5, 10.5], zoom_start=kw.pop("zoom_start", 9), tiles=None, maxZoom=19, minZoom=3,
                zoomSnap=0.25, zoomDelta=0.5,  # fitBounds fills a phone screen instead of jumping a whole level
                   control_scale=False, prefer_canvas=True, **kw)
    # Only Leaflet itself is needed by our layers (no jQuery/Bootstrap/FontAwesome): ~4 MB smaller.
    m.default_js = [j for j in m.default_js if j[0] == "leaflet"]
    m.default_css = [c for c in m.default_css if c[0] == "leaflet_css"]
    return m


def _check_layers(layers: Any) -> None:
    if not isinstance(layers, Mapping):
        raise InputError(f"layers: expected a mapping of layer name -> GeoDataFrame, got {type(layers).__name__}")
    import geopandas as gpd

    for k, v in layers.items():
        if v is not None and not isinstance(v, gpd.GeoDataFrame):
            raise InputError(f"layers['{k}']: expected a GeoDataFrame, got {type(v).__name__}")


def build_map(layers: Mapping[str, gpd.GeoDataFrame], *, title: str, lang: str = "nb", synthetic: bool = False,
              attribution: str | Sequence[str] | None = None, tiles: str | None = "auto",
              max_points: int | None = None, summary: Any = None, all_synthetic: bool = False,
              kommune_tables: Mapping[str, Any] | None = None,
              parameters: Mapping[str, float] | None = None) -> folium.Map:
    """Build an interactive map of arealsirk results.

    Parameters
    ----------
    layers
        Result layers by name (see the results layer schema): ``kommuner``, ``sources``,
        ``candidates``, ``selected_sites``, ``allocation``, ``catchments``,
        ``service_areas``, ``matches`` (and ``existing``).  Missing, empty or unknown
        layers are skipped (logged).  Any CRS; reprojected to WGS84 here only.
    title
        Map title (shown on the map and as the page title; escaped).
    lang
        ``"nb"`` (bokmål) or ``"en"`` for every label, legend and popup.
    synthetic
        Mark the map "syntetiske data" / "synthetic data" (title block, attribution, page title);
        a "seed N" note in the title is dropped.
    attribution
        Data attribution text(s); default: the Kartverket, SSB and OpenStreetMap lines (CC BY /
        ODbL require them wherever their data are shown), plus "synthetic demo data" when
        ``synthetic``; only the latter when ``all_synthetic``.
    tiles
        ``"auto"`` (default): plain background, plus an OpenStreetMap base layer that the
        user may switch on when online (it requests nothing until chosen); ``None``: no
        background layers at all; a URL template: that tile layer shown from the start
        (failed tiles are replaced by a transparent image).
    max_points
        At most this many sources, and this many allocation/match lines, are drawn (the
        largest by quantity, with a note on the map); default ``webmap.max_points`` from the
        defaults table.
    summary
        The proposal for the summary panel and the ``<noscript>`` fallback: workflow results
        (``{theme: WorkflowResult}``), a panel (list of theme entries, see
        :mod:`arealsirk._webmap_summary`) or a ``map_summary`` table.  None: no panel.
    all_synthetic
        Every layer is synthetic (the demo): no Kartverket/SSB/OSM attribution.
    kommune_tables
        ``{theme: by_kommune table}`` for the kommune popups (what each kommune supplies, where
        it goes, its share of transport or coverage); taken from the results when ``summary`` is
        workflow results.
    parameters
        Overrides of ``webmap.*`` rows of the defaults table for this map (e.g. a scenario's
        ``[parameters] "webmap.simplify_m" = 5``).

    Returns
    -------
    folium.Map
        Write it with :func:`write_map` for a self-contained offline file.
    """
    token = _OVERRIDES.set(dict(parameters or {}))
    try:
        return _build_map(layers, title=title, lang=lang, synthetic=synthetic, attribution=attribution,
                          tiles=tiles, max_points=max_points, summary=summary, all_synthetic=all_synthetic,
                          kommune_tables=kommune_tables)
    finally:
        _OVERRIDES.reset(token)


def _build_map(layers: Mapping[str, gpd.GeoDataFrame], *, title: str, lang: str, synthetic: bool,
               attribution: str | Sequence[str] | None, tiles: str | None,
               max_points: int | None, summary: Any, all_synthetic: bool,
               kommune_tables: Mapping[str, Any] | None) -> folium.Map:
    lang = check_lang(lang)
    _check_layers(layers)
    if not isinstance(title, str):
        raise InputError(f"title: expected text, got {type(title).__name__}")
    if tiles not in (None, "auto") and not (isinstance(tiles, str) and "{z}" in tiles):
        raise InputError(f"tiles: expected 'auto', None or a URL template with {{z}}/{{x}}/{{y}}, got {tiles!r}")
    if max_points is None:
        max_points = int(_default("webmap.max_points", 50000))
    from ._validate import check_number as _check_number

    _check_number(max_points, "max_points", minimum=1, integer=True)
    if isinstance(summary, Mapping):
        from ._webmap_summary import panel_from_results

        if kommune_tables is None:
            kommune_tables = {th: getattr(r, "tables", {}).get("by_kommune") for th, r in summary.items()}
        summary = panel_from_results(summary, lang=lang, sites=layers.get("selected_sites"))
    title = _clean_title(title, synthetic)
    m = _new_map()
    page_title = f"{title} ({t(lang, 'synthetic.short')})" if synthetic else title
    m.get_root().title = escape_html(page_title)
    _populate(m, layers, title=title, lang=lang, synthetic=synthetic, attribution=attribution, tiles=tiles,
              max_points=int(max_points), panel=summary, all_synthetic=all_synthetic,
              kommune_tables=kommune_tables)
    return m


def _needs_folium_defaults(m: Any) -> bool:
    """True if elements outside our layers need folium's jQuery/Bootstrap/awesome-markers."""
    from folium.map import Icon

    stack = [m]
    while stack:
        el = stack.pop()
        if isinstance(el, Icon):
            return True
        stack.extend(getattr(el, "_children", {}).values())
    return False


def write_map(map_or_layers: folium.Map | Any | Mapping[str, gpd.GeoDataFrame], path: str | os.PathLike[str], *,
              offline: bool = True, **kw: Any) -> Path:
    """Write one self-contained HTML file (atomic) and return its path.

    Parameters
    ----------
    map_or_layers
        A map from :func:`build_map` / :func:`compare_maps` (or any folium Map/Figure),
        or result layers (a mapping, or a ``WorkflowResult`` whose ``.layers`` are used), in
        which case ``build_map(layers, **kw)`` is called first (``title`` defaults to the file
        name).
    path
        Target ``.html``; written to a temporary file beside it and renamed.
    offline
        Inline every script, stylesheet, image and font (default).  An asset that is not
        vendored raises :class:`OutputError` rather than leaving a CDN link.
    **kw
        Passed to :func:`build_map` when layers are given.
    """
    from ._webmap_assets import external_references, inline_figure
    from .io import atomic_path

    path = Path(path)
    if not isinstance(map_or_layers, Mapping) and isinstance(getattr(map_or_layers, "layers", None), Mapping):
        map_or_layers = map_or_layers.layers  # a WorkflowResult
    if isinstance(map_or_layers, Mapping):
        kw.setdefault("title", path.stem)
        m = build_map(map_or_layers, **kw)
    else:
        if kw:
            raise InputError(f"write_map: options {sorted(kw)} only apply when layers are given, not a map")
        m = map_or_layers
    root = m.get_root() if hasattr(m, "get_root") else m
    if offline:
        folium = _folium()
        if isinstance(m, folium.Map) and _needs_folium_defaults(m):
            m.default_js = list(folium.Map.default_js)
            m.default_css = list(folium.Map.default_css)
        inline_figure(root, strict=True)
    text = root.render()
    if offline:
        ext = external_references(text)
        if ext:
            raise OutputError(f"{path}: the map would load {len(ext)} external resource(s), e.g. {ext[0]!r}; "
                              "pass offline=False to allow that")
    try:
        with atomic_path(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"{path}: cannot write the map ({exc})") from exc
    log.info("webmap: wrote %s (%.1f kB)", path, path.stat().st_size / 1024)
    return path


# --------------------------------------------------------------------------------------------------
# comparison, static map, rebuild from a GeoPackage


def compare_maps(left_layers: Mapping[str, gpd.GeoDataFrame], right_layers: Mapping[str, gpd.GeoDataFrame], *,
                 titles: Sequence[str] | None = None, lang: str = "nb", synthetic: bool = False,
                 attribution: str | Sequence[str] | None = None, tiles: str | None = "auto",
                 max_points: int | None = None, layout: str = "horizontal") -> Any:
    """Two scenarios side by side on synchronised maps (pan/zoom one, the other follows).

    Parameters
    ----------
    left_layers, right_layers
        Result layers of the two scenarios (as for :func:`build_map`).
    titles
        Two titles; default "Scenario A" / "Scenario B" in ``lang``.
    layout
        ``"horizontal"`` (side by side) or ``"vertical"`` (one above the other).
    lang, synthetic, attribution, tiles, max_points
        As for :func:`build_map`.

    Returns
    -------
    folium.plugins.DualMap
        Write it with :func:`write_map` (Leaflet.Sync is inlined from ``arealsirk/_vendor``).
    """
    lang = check_lang(lang)
    _check_layers(left_layers)
    _check_layers(right_layers)
    if titles is None:
        titles = (t(lang, "compare.left"), t(lang, "compare.right"))
    titles = [str(x) for x in titles]
    if len(titles) != 2:
        raise InputError(f"titles: expected two titles (left, right), got {len(titles)}")
    if layout not in ("horizontal", "vertical"):
        raise InputError(f"layout: expected 'horizontal' or 'vertical', got {layout!r}")
    if tiles not in (None, "auto") and not (isinstance(tiles, str) and "{z}" in tiles):
        raise InputError(f"tiles: expected 'auto', None or a URL template with {{z}}/{{x}}/{{y}}, got {tiles!r}")
    if max_points is None:
        max_points = int(_default("webmap.max_points", 50000))
    from folium.plugins import DualMap

    _element_classes()
    dm = DualMap(location=[60.5, 10.5], layout=layout, tiles=None, zoom_start=9, control_scale=False,
                 prefer_canvas=True, maxZoom=19, minZoom=3)
    for m, lay, ttl in ((dm.m1, left_layers, titles[0]), (dm.m2, right_layers, titles[1])):
        m.default_js = [j for j in m.default_js if j[0] == "leaflet"]
        m.default_css = [c for c in m.default_css if c[0] == "leaflet_css"]
        _populate(m, lay, title=ttl, lang=lang, synthetic=synthetic, attribution=attribution, tiles=tiles,
                  max_points=int(max_points))
    page = " | ".join(titles)
    if synthetic:
        page += f" ({t(lang, 'synthetic.short')})"
    dm.get_root().title = escape_html(page)
    return dm


def _plain(text: str) -> str:
    """Text for matplotlib: ``$`` would start mathtext."""
    return str(text).replace("$", r"\$")


def static_map(layers: Mapping[str, gpd.GeoDataFrame], path: str | os.PathLike[str], *, lang: str = "nb",
               title: str | None = None, synthetic: bool = False, attribution: str | Sequence[str] | None = None,
               tiles: bool = False, dpi: int = 150, figsize: tuple[float, float] = (8.27, 8.27)) -> Path:
    """A static PNG or PDF of the same map for printed reports (matplotlib).

    Drawn in EPSG:25833 (metres, true shapes for Norway) with a legend, a scale bar,
    the title, date, data attribution and, when ``synthetic``, the synthetic-data
    label.  The format follows the suffix of ``path`` (``.png``, ``.pdf``, ``.svg``).

    Parameters
    ----------
    tiles
        Add a background from OpenStreetMap tiles through the optional ``contextily``
        package (online only).  Offline, or when fetching fails, the map is drawn
        without a background and a warning is logged.  Default: no background.
    """
    lang = check_lang(lang)
    _check_layers(layers)
    from ._optional import require

    require("matplotlib", extra="report", purpose="static maps")
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "pdf", "svg", "cairo"):
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from ._validate import validate_layer
    from .io import atomic_path

    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in ("png", "pdf", "svg"):
        raise InputError(f"{path}: static maps are written as .png, .pdf or .svg")
    ctx = _Ctx(lang, layers)
    prepared: dict[str, gpd.GeoDataFrame] = {}
    for name in LAYER_NAMES:
        g = layers.get(name)
        if g is None or len(g) == 0:
            continue
        try:
            prepared[name] = validate_layer(g, name=name, layer=name)
        except EmptyLayerError:
            continue
    fig, ax = plt.subplots(figsize=figsize, dpi=dpi)
    handles: list[Any] = []
    if "kommuner" in prepared:
        prepared["kommuner"].boundary.plot(ax=ax, color="#444", linewidth=0.8, zorder=2)
    for name in ("catchments", "service_areas"):
        if name in prepared:
            g = prepared[name]
            if name == "service_areas" and "minutes" in g.columns:
                g = g.sort_values("minutes", ascending=False)
            g.plot(ax=ax, facecolor="#6baed6", edgecolor="#3182bd", alpha=0.15, linewidth=0.6, zorder=1)
            handles.append(Patch(facecolor="#6baed6", edgecolor="#3182bd", alpha=0.4, label=t(lang, f"layer.{name}")))
    if "candidates" in prepared:
        g = prepared["candidates"]
        cls = [_score_class(_num(v)) for v in _col(g, "score_total")]
        g.plot(ax=ax, color=[SCORE_COLOURS[c] for c in cls], edgecolor="#333", linewidth=0.3, alpha=0.8, zorder=3)
        for k in reversed(range(5)):
            handles.append(Patch(facecolor=SCORE_COLOURS[k], edgecolor="#333",
                                 label=f"{t(lang, 'legend.score')}: {fmt_number(k / 5, lang, decimals=1)}–"
                                       f"{fmt_number((k + 1) / 5, lang, decimals=1)}"))
    for name in ("allocation", "matches"):
        if name in prepared:
            g = prepared[name]
            width: Any = 1.5
            if name == "allocation":  # one line per kommune and site when many, width by quantity
                g = _aggregate_allocation(ctx, g, int(_default("webmap.max_lines_shown", 1500)))
                q = [(_num(v) or 0.0) for v in _col(g, "quantity")]
                qmax = max(q) if q and max(q) > 0 else 1.0
                width = [0.3 + 2.7 * math.sqrt(v / qmax) for v in q]
            g.plot(ax=ax, color="#d95f02" if name == "allocation" else "#7570b3", linewidth=width, alpha=0.6,
                   zorder=4)
            handles.append(Line2D([], [], color="#d95f02" if name == "allocation" else "#7570b3",
                                  label=t(lang, f"layer.{name}")))
    if "sources" in prepared:
        g = prepared["sources"]
        kinds = [_text(k) for k in _col(g, "kind")]
        q = [(_num(v) or 0.0) for v in _col(g, "quantity")]
        fallback = iter(FALLBACK_COLOURS * 10)
        colours = {k: KIND_COLOURS.get(k) or next(fallback) for k in dict.fromkeys(kinds)}
        qmax = max(q) if q and max(q) > 0 else 1.0
        pts = g.geometry.representative_point()
        ax.scatter(pts.x, pts.y, s=[4 + 40 * math.sqrt(v / qmax) for v in q], c=[colours[k] for k in kinds],
                   edgecolors="#222", linewidths=0.2, alpha=0.85, zorder=5)
        for k, c in colours.items():
            handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor=c, markeredgecolor="#222",
                                  label=_plain(label(lang, "kind", k) if k else "–")))
    if "selected_sites" in prepared:
        g = prepared["selected_sites"]
        pts = g.geometry.representative_point()
        types = [_text(v) for v in _col(g, "facility_type")]
        kept = [_is_true(v) for v in _col(g, "existing")]
        for is_kept, marker, size in ((True, "s", 70), (False, "*", 220)):  # new: stars, kept: squares
            sel = [i for i, k in enumerate(kept) if k == is_kept]
            if sel:
                ax.scatter(pts.x.iloc[sel], pts.y.iloc[sel], s=size, marker=marker, edgecolors="#000",
                           c=[FACILITY_COLOURS.get(types[i], "#000") for i in sel], linewidths=0.8, zorder=7)
        for x, y, name in zip(pts.x, pts.y, _col(g, "name"), strict=False):
            ax.annotate(_plain(_text(name)), (x, y), xytext=(6, 6), textcoords="offset points", fontsize=7,
                        zorder=8, bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8})
        for k, is_kept in dict.fromkeys(zip(types, kept, strict=True)):
            name = label(lang, "facility", k) if k else t(lang, "layer.selected_sites")
            handles.append(Line2D([], [], marker="s" if is_kept else "*", linestyle="",
                                  markersize=7 if is_kept else 11, markerfacecolor=FACILITY_COLOURS.get(k, "#000"),
                                  markeredgecolor="#000",
                                  label=_plain(f"{name} – {t(lang, 'site.kept' if is_kept else 'site.new')}")))
    ax.set_aspect("equal")
    ax.set_axis_off()
    if tiles and prepared:
        try:
            cx = require("contextily", extra="report", purpose="background tiles on static maps")
            cx.add_basemap(ax, crs=next(iter(prepared.values())).crs, attribution=False, zorder=0)
        except ImportError:
            raise
        except Exception as exc:  # offline, blocked, server error: draw without tiles
            log.warning("webmap: no background tiles for the static map (%s)", exc)
    if prepared:
        x0, x1 = ax.get_xlim()
        y0, _ = ax.get_ylim()
        span = x1 - x0
        nice = [1, 2, 5, 10, 20, 25, 50, 100, 200]
        km = max([n for n in nice if n * 1000 <= span / 4] or [1])
        bx, by = x0 + span * 0.04, y0 + (ax.get_ylim()[1] - y0) * 0.03
        ax.plot([bx, bx + km * 1000], [by, by], color="#000", linewidth=3, zorder=9, solid_capstyle="butt")
        ax.annotate(f"{km} km", (bx + km * 500, by), xytext=(0, 4), textcoords="offset points", ha="center",
                    va="bottom", fontsize=8, zorder=9)
    ttl = _plain(title or "")
    fig.suptitle(ttl, fontsize=14, fontweight="bold", y=0.98)
    sub = t(lang, "made", date=_dt.date.today().isoformat())
    if synthetic:
        sub = f"{t(lang, 'synthetic').upper()}  ·  {sub}"
    fig.text(0.5, 0.935, _plain(sub), ha="center", fontsize=8.5, color="#b30000" if synthetic else "#444")
    attr = html.unescape(_attribution(ctx, attribution, synthetic))
    if tiles:
        attr += " | " + t(lang, "attr.osm")
    fig.text(0.01, 0.01, _plain(attr), fontsize=6.5, color="#444", ha="left", va="bottom")
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False,
                  title=t(lang, "legend.title"), title_fontsize=8)
    fig.tight_layout(rect=(0, 0.03, 1, 0.93))
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=suffix, dpi=dpi, bbox_inches="tight",
                        metadata={"Title": title or ""} if suffix == "pdf" else None)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write the static map ({exc})") from exc
    finally:
        plt.close(fig)
    return path


def _truthy(value: Any) -> bool:
    return _text(value).strip().lower() in ("1", "true", "yes", "ja", "y", "t")


def read_run_info(results_gpkg: str | os.PathLike[str]) -> dict[str, str]:
    """The ``run_info`` key/value table of a results GeoPackage ({} if absent)."""
    import pyogrio

    from .io import list_layers

    if "run_info" not in list_layers(results_gpkg):
        return {}
    try:
        df = pyogrio.read_dataframe(results_gpkg, layer="run_info", read_geometry=False)
    except Exception as exc:
        raise InputError(f"{results_gpkg}, layer 'run_info': cannot be read ({exc})") from exc
    if not {"key", "value"} <= set(df.columns):
        raise InputError(f"{results_gpkg}, layer 'run_info': needs columns 'key' and 'value', "
                         f"has {', '.join(map(str, df.columns))}")
    return {_text(k): _text(v) for k, v in zip(df["key"], df["value"], strict=False)}


def map_from_gpkg(results_gpkg: str | os.PathLike[str], out_html: str | os.PathLike[str], *, lang: str = "nb",
                  title: str | None = None, tiles: str | None = "auto") -> Path:
    """Rebuild the web map from a saved ``results.gpkg`` (``arealsirk map RESULTS.gpkg --out map.html``).

    Reads every layer whose name is a result layer (see :data:`LAYER_NAMES`); other
    layers and tables are ignored.  A ``run_info`` table with ``key``/``value`` columns,
    if present, supplies ``synthetic`` (true/false), ``title`` (else ``name``, else the file name)
    and ``attribution``.
    """
    from .errors import MissingFileError
    from .io import guard_outputs, list_layers, read_layer

    results_gpkg = Path(results_gpkg)
    if not results_gpkg.exists():
        raise MissingFileError(f"{results_gpkg}: file not found")
    check_lang(lang)
    guard_outputs([out_html], [results_gpkg])
    names = list_layers(results_gpkg)
    info = read_run_info(results_gpkg)
    layers = {n: read_layer(results_gpkg, n) for n in names if n in (*LAYER_NAMES, "source_status")}
    panel = _panel_from_gpkg(results_gpkg, names, lang=lang)
    import pyogrio

    by_kommune = {n[: -len("_by_kommune")]: pyogrio.read_dataframe(results_gpkg, layer=n, read_geometry=False)
                  for n in names if n.endswith("_by_kommune")}
    if not layers:
        raise InputError(f"{results_gpkg}: no result layers to map (expected any of {', '.join(LAYER_NAMES)}; "
                         f"found {', '.join(names) or 'none'})")
    return write_map(layers, out_html, title=title or info.get("title") or info.get("name") or results_gpkg.stem,
                     lang=lang,
                     synthetic=_truthy(info.get("synthetic")), attribution=info.get("attribution") or None,
                     tiles=tiles, summary=panel, all_synthetic=_truthy(info.get("all_synthetic")),
                     kommune_tables=by_kommune)


def summary_table(results: Mapping[str, Any], *, lang: str = "nb", sites: Any = None) -> Any:
    """The summary panel of workflow results as the ``map_summary`` table of ``results.gpkg``.

    ``arealsirk map RESULTS.gpkg`` and ``arealsirk report`` read it back, so they state the
    same sentences and figures as the run's map and summary.md.
    """
    from ._webmap_summary import panel_from_results, panel_table

    return panel_table(panel_from_results(results, lang=check_lang(lang), sites=sites))


def _panel_from_gpkg(gpkg: Path, names: Sequence[str], *, lang: str) -> list[dict[str, Any]]:
    """The summary panel stored in ``map_summary``; else the headline from ``balance`` / ``<theme>_balance``."""
    import pyogrio

    from ._webmap_summary import panel_from_balance, panel_from_table

    def table(name: str) -> Any:
        try:
            return pyogrio.read_dataframe(gpkg, layer=name, read_geometry=False)
        except Exception as exc:
            raise InputError(f"{gpkg}, layer '{name}': cannot be read ({exc})") from exc

    if "map_summary" in names:
        return panel_from_table(table("map_summary"))
    balances: dict[str, Any] = {}
    for name in names:
        if name == "balance" or (name.endswith("_balance") and not name.endswith("flow_balance")):
            df = table(name)
            if "theme" in df.columns:
                for theme, part in df.groupby(df["theme"].map(_text), sort=False):
                    balances[theme] = part
            else:
                balances[name[: -len("_balance")] or name] = df
    return panel_from_balance(balances, lang=lang)
