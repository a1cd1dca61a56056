"""The interactive web map: build it, write it as one offline HTML file, compare two scenarios."""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .._text import escape_html
from ..errors import InputError, OutputError
from ..i18n import check_lang, t
from .common import (
    _OVERRIDES,
    _TRANSPARENT_GIF,
    LAYER_NAMES,
    OSM_TILES,
    _check_layers,
    _clean_title,
    _default,
    _prepare,
    _text,
    log,
)
from .elements import _element_classes, _folium
from .layers import _areas, _attribution, _candidates, _Ctx, _kommuner, _lines, _noscript, _sites, _sources

if TYPE_CHECKING:
    import folium
    import geopandas as gpd


def _check_panel(panel: Any) -> list[dict[str, Any]]:
    """The summary panel as a list of theme entries (see :mod:`arealsirk.webmap.summary`)."""
    if panel is None:
        return []
    if hasattr(panel, "columns"):  # a map_summary table
        from .summary import panel_from_table

        return panel_from_table(panel)
    out = []
    for i, entry in enumerate(panel):
        if not isinstance(entry, Mapping):
            raise InputError(f"summary[{i}]: expected a mapping with title, sentence, figures, headline")
        out.append(
            {
                "theme": _text(entry.get("theme")),
                "title": _text(entry.get("title")),
                "sentence": _text(entry.get("sentence")),
                "figures": [[_text(a), _text(b)] for a, b in entry.get("figures", [])],
                "headline": [_text(h) for h in entry.get("headline", [])],
            }
        )
    return out


def _populate(
    m: Any,
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    title: str,
    lang: str,
    synthetic: bool,
    attribution: str | Sequence[str] | None,
    tiles: str | None,
    max_points: int,
    layer_control: bool = True,
    collapsed: bool = False,
    today: _dt.date | None = None,
    panel: Sequence[Mapping[str, Any]] = (),
    all_synthetic: bool = False,
    kommune_tables: Mapping[str, Any] | None = None,
) -> Any:
    """Add every known result layer + controls + title/legend to the folium map ``m``."""
    els = _element_classes()
    panel = _check_panel(panel)
    prepared = _prepared_layers(layers)
    ctx = _Ctx(lang, prepared)
    st = layers.get("source_status")
    if st is not None and {"id", "balance"} <= set(st.columns):
        ctx.source_status = {_text(a): _text(b) for a, b in zip(st["id"], st["balance"], strict=False)}
    if kommune_tables:
        from .summary import kommune_figures

        ctx.kommune_figures = kommune_figures(kommune_tables, lang=lang)
    if tiles is not None:
        _add_base_layers(m, ctx, tiles)
    cluster_min = int(_default("webmap.cluster_min_points", 200))
    for name, g in prepared.items():
        ctx.grow(g)
        for factory, payload, lname, show, cluster in _layer_specs(
            ctx, name, g, max_points=max_points, cluster_min=cluster_min
        ):
            payload["key"] = name
            m.add_child(els.data_layer(factory, payload, name=lname, show=show, cluster=cluster))
    if layer_control:
        els.layer_list(collapsed=True).add_to(m)  # an icon: the legend says what is drawn
    cfg = _decorations(
        ctx,
        title=title,
        panel=panel,
        synthetic=synthetic,
        today=today or _dt.date.today(),
        attribution=_attribution(ctx, attribution, synthetic, all_synthetic),
    )
    m.add_child(els.decorations(cfg))
    m.get_root().html.add_child(els.raw(_noscript(ctx, title, panel)), name="arealsirk_noscript")
    if not prepared:
        log.warning("webmap: none of the layers %s had features to draw", sorted(layers))
    return m


def _prepared_layers(layers: Mapping[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """The known result layers ready to draw (simplified, WGS84, rounded), in drawing order."""
    simplify_m = _default("webmap.simplify_m", 20.0)
    decimals = int(_default("webmap.coord_decimals", 5))
    for k in layers:
        if k not in LAYER_NAMES and k != "source_status":
            log.info("webmap: layer '%s' is not a known result layer; skipped", k)
    prepared: dict[str, gpd.GeoDataFrame] = {}
    for name in LAYER_NAMES:
        g = layers.get(name)
        if g is None:
            continue
        points = name in ("sources", "selected_sites", "existing")
        p = _prepare(g, name, simplify_m=0.0 if points else simplify_m, decimals=decimals)
        if p is not None:
            prepared[name] = p
    budget = int(_default("webmap.max_polygon_vertices", 150_000))
    return _within_vertex_budget(layers, prepared, simplify_m=simplify_m, decimals=decimals, budget=budget)


#: the coarsest simplification the vertex budget may reach (m): about 5 pixels at zoom 8, where a
#: whole fylke fills the screen; a map still over budget there is written as it is (and logged)
_MAX_SIMPLIFY_M = 2560.0


def _within_vertex_budget(layers: Mapping[str, gpd.GeoDataFrame], prepared: dict[str, gpd.GeoDataFrame], *,
                          simplify_m: float, decimals: int, budget: int) -> dict[str, gpd.GeoDataFrame]:
    """The polygon layers simplified further, the tolerance doubled from ``simplify_m`` each round,
    until their vertices together are at most ``budget`` (``webmap.max_polygon_vertices``).

    The page carries about 19 bytes per vertex, so a national run's 1 071 drive-time polygons (0.7 M
    vertices at 20 m) would make a 16 MB map alone; a region's map is under the budget and unchanged.
    The rounds only count the vertices of the original polygons simplified (Douglas-Peucker in
    metres); the layers are then prepared once at the tolerance found (topology preserved, as
    :func:`_prepare` does).  The GeoPackage keeps the true polygons.  Line and point layers are not
    counted (allocation lines are drawn aggregated instead).
    """
    import numpy as np
    import shapely

    area_types = [int(shapely.GeometryType.POLYGON), int(shapely.GeometryType.MULTIPOLYGON)]

    def area_geoms(g: gpd.GeoDataFrame) -> np.ndarray:
        geoms = np.asarray(g.geometry.values)
        return geoms[np.isin(shapely.get_type_id(geoms), area_types)]

    # the original polygons (in metres) of each prepared layer that draws any
    with_areas = [n for n, g in prepared.items() if area_geoms(g).size]
    areas = {n: area_geoms(layers[n]) for n in with_areas}

    def drawn_vertices() -> int:
        return sum(int(shapely.get_num_coordinates(area_geoms(prepared[n])).sum()) for n in areas)

    tolerance, total = simplify_m, drawn_vertices()
    while total > budget and tolerance < _MAX_SIMPLIFY_M:
        # rounds of plain Douglas-Peucker (4-10x faster than the topology-preserving form) find the
        # tolerance; it can count fewer vertices (it may drop small rings), so the drawn layers are
        # counted again and simplified further while still over the budget
        while total > budget and tolerance < _MAX_SIMPLIFY_M:
            tolerance = min(2 * max(tolerance, 1.0), _MAX_SIMPLIFY_M)
            plain = [shapely.simplify(g, tolerance, preserve_topology=False) for g in areas.values()]
            total = sum(int(shapely.get_num_coordinates(g).sum()) for g in plain)
        for n in areas:
            p = _prepare(layers[n], n, simplify_m=tolerance, decimals=decimals)
            if p is not None:
                prepared[n] = p
        total = drawn_vertices()
    if tolerance != simplify_m:
        log.info("webmap: polygons simplified to %g m for the map (%d vertices, budget %d; "
                 "webmap.max_polygon_vertices)", tolerance, total, budget)
    return prepared


def _add_base_layers(m: Any, ctx: _Ctx, tiles: str) -> None:
    """A plain background and the OpenStreetMap base layer (``tiles="auto"``), or the given tile layer."""
    els = _element_classes()
    blank = els.data_layer("blank", {}, name=ctx.tr("base.none"), overlay=False, show=tiles == "auto")
    m.add_child(blank)
    url = OSM_TILES if tiles == "auto" else str(tiles)
    els.safe_tile_layer(
        tiles=url,
        attr=escape_html(ctx.tr("attr.osm")) if tiles == "auto" else " ",
        name=escape_html(ctx.tr("base.osm" if tiles == "auto" else "base.custom")),
        overlay=False,
        control=True,
        show=tiles != "auto",
        max_zoom=19,
        errorTileUrl=_TRANSPARENT_GIF,
    ).add_to(m)


def _layer_specs(
    ctx: _Ctx, name: str, g: gpd.GeoDataFrame, *, max_points: int, cluster_min: int
) -> list[tuple[Any, ...]]:
    """The drawn layers of result layer ``name`` (its builder in :mod:`.layers`)."""
    if name == "sources":
        return _sources(ctx, g, max_points=max_points, cluster_min=cluster_min)
    if name == "candidates":
        return _candidates(ctx, g)
    if name in ("selected_sites", "existing"):
        return _sites(ctx, g, name)
    if name in ("allocation", "matches"):
        return _lines(ctx, g, name, max_lines=max_points)
    if name in ("catchments", "service_areas"):
        return _areas(ctx, g, name)
    return _kommuner(ctx, g)


def _decorations(
    ctx: _Ctx,
    *,
    title: str,
    panel: Sequence[Mapping[str, Any]],
    synthetic: bool,
    today: _dt.date,
    attribution: str,
) -> dict[str, Any]:
    """The title block, panel, legend and attribution for the runtime's ``decorate``."""
    b = ctx.bounds
    # legend: sites first, then scores, sources, lines, areas, borders
    order = [
        "selected_sites",
        "existing",
        "candidates",
        "sources",
        "allocation",
        "matches",
        "catchments",
        "service_areas",
        "kommuner",
    ]
    ctx.legend.sort(key=lambda s: order.index(str(s.get("key"))) if s.get("key") in order else 99)
    return {
        "title": title,
        "panel": [dict(p) for p in panel],
        "panelLabel": ctx.tr("panel.toggle"),
        "balanceLabel": ctx.tr("panel.balance"),
        "lang": ctx.lang,
        "synthetic": ctx.tr("synthetic") if synthetic else None,
        "syntheticShort": ctx.tr("synthetic.short") if synthetic else None,
        "note": " · ".join(ctx.notes) or None,
        "made": ctx.tr("made", date=today.isoformat()),
        "legend": ctx.legend,
        "legendTitle": ctx.tr("legend.title"),
        "attribution": attribution,
        "bounds": [[b[1], b[0]], [b[3], b[2]]] if b else None,
    }


def _new_map(location: Sequence[float] | None = None, **kw: Any) -> Any:
    m = _element_classes().safe_map(
        location=location or [60.5, 10.5],
        zoom_start=kw.pop("zoom_start", 9),
        tiles=None,
        maxZoom=19,
        minZoom=3,
        zoomSnap=0.25,
        zoomDelta=0.5,  # fitBounds fills a phone screen instead of jumping a whole level
        control_scale=False,
        prefer_canvas=True,
        **kw,
    )
    # Only Leaflet itself is needed by our layers (no jQuery/Bootstrap/FontAwesome): ~4 MB smaller.
    m.default_js = [j for j in m.default_js if j[0] == "leaflet"]
    m.default_css = [c for c in m.default_css if c[0] == "leaflet_css"]
    return m


def build_map(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    title: str,
    lang: str = "nb",
    synthetic: bool = False,
    attribution: str | Sequence[str] | None = None,
    tiles: str | None = "auto",
    max_points: int | None = None,
    summary: Any = None,
    all_synthetic: bool = False,
    kommune_tables: Mapping[str, Any] | None = None,
    parameters: Mapping[str, float] | None = None,
) -> folium.Map:
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
        :mod:`arealsirk.webmap.summary`) or a ``map_summary`` table.  None: no panel.
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
        return _build_map(
            layers,
            title=title,
            lang=lang,
            synthetic=synthetic,
            attribution=attribution,
            tiles=tiles,
            max_points=max_points,
            summary=summary,
            all_synthetic=all_synthetic,
            kommune_tables=kommune_tables,
        )
    finally:
        _OVERRIDES.reset(token)


def _build_map(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    title: str,
    lang: str,
    synthetic: bool,
    attribution: str | Sequence[str] | None,
    tiles: str | None,
    max_points: int | None,
    summary: Any,
    all_synthetic: bool,
    kommune_tables: Mapping[str, Any] | None,
) -> folium.Map:
    lang = check_lang(lang)
    _check_layers(layers)
    if not isinstance(title, str):
        raise InputError(f"title: expected text, got {type(title).__name__}")
    if tiles not in (None, "auto") and not (isinstance(tiles, str) and "{z}" in tiles):
        raise InputError(
            f"tiles: expected 'auto', None or a URL template with {{z}}/{{x}}/{{y}}, got {tiles!r}"
        )
    if max_points is None:
        max_points = int(_default("webmap.max_points", 50000))
    from .._validate import check_number as _check_number

    _check_number(max_points, "max_points", minimum=1, integer=True)
    if isinstance(summary, Mapping):
        from .summary import panel_from_results

        if kommune_tables is None:
            kommune_tables = {th: getattr(r, "tables", {}).get("by_kommune") for th, r in summary.items()}
        summary = panel_from_results(summary, lang=lang, sites=layers.get("selected_sites"))
    title = _clean_title(title, synthetic)
    m = _new_map()
    page_title = f"{title} ({t(lang, 'synthetic.short')})" if synthetic else title
    m.get_root().title = escape_html(page_title)
    _populate(
        m,
        layers,
        title=title,
        lang=lang,
        synthetic=synthetic,
        attribution=attribution,
        tiles=tiles,
        max_points=int(max_points),
        panel=summary,
        all_synthetic=all_synthetic,
        kommune_tables=kommune_tables,
    )
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


def write_map(
    map_or_layers: folium.Map | Any | Mapping[str, gpd.GeoDataFrame],
    path: str | os.PathLike[str],
    *,
    offline: bool = True,
    **kw: Any,
) -> Path:
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
    from ..io import atomic_path
    from .offline import external_references, inline_figure

    path = Path(path)
    if not isinstance(map_or_layers, Mapping) and isinstance(getattr(map_or_layers, "layers", None), Mapping):
        map_or_layers = cast(Any, map_or_layers).layers  # a WorkflowResult
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
            raise OutputError(
                f"{path}: the map would load {len(ext)} external resource(s), e.g. {ext[0]!r}; "
                "pass offline=False to allow that"
            )
    try:
        with atomic_path(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"{path}: cannot write the map ({exc})") from exc
    log.info("webmap: wrote %s (%.1f kB)", path, path.stat().st_size / 1024)
    return path


def compare_maps(
    left_layers: Mapping[str, gpd.GeoDataFrame],
    right_layers: Mapping[str, gpd.GeoDataFrame],
    *,
    titles: Sequence[str] | None = None,
    lang: str = "nb",
    synthetic: bool = False,
    attribution: str | Sequence[str] | None = None,
    tiles: str | None = "auto",
    max_points: int | None = None,
    layout: str = "horizontal",
) -> Any:
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
        raise InputError(
            f"tiles: expected 'auto', None or a URL template with {{z}}/{{x}}/{{y}}, got {tiles!r}"
        )
    if max_points is None:
        max_points = int(_default("webmap.max_points", 50000))
    from folium.plugins import DualMap

    _element_classes()
    dm = DualMap(
        location=[60.5, 10.5],
        layout=layout,
        tiles=None,
        zoom_start=9,
        control_scale=False,
        prefer_canvas=True,
        maxZoom=19,
        minZoom=3,
    )
    for m, lay, ttl in ((dm.m1, left_layers, titles[0]), (dm.m2, right_layers, titles[1])):
        m.default_js = [j for j in m.default_js if j[0] == "leaflet"]
        m.default_css = [c for c in m.default_css if c[0] == "leaflet_css"]
        _populate(
            m,
            lay,
            title=ttl,
            lang=lang,
            synthetic=synthetic,
            attribution=attribution,
            tiles=tiles,
            max_points=int(max_points),
        )
    page = " | ".join(titles)
    if synthetic:
        page += f" ({t(lang, 'synthetic.short')})"
    root: Any = dm.get_root()
    root.title = escape_html(page)
    return dm
