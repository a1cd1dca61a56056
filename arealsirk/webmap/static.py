"""The static map (PNG, PDF or SVG) of the same result layers for printed reports (matplotlib)."""

from __future__ import annotations

import datetime as _dt
import html
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import EmptyLayerError, InputError, OutputError
from ..i18n import check_lang, fmt_number, label, t
from .common import (
    FACILITY_COLOURS,
    FALLBACK_COLOURS,
    KIND_COLOURS,
    LAYER_NAMES,
    SCORE_COLOURS,
    _check_layers,
    _default,
    _is_true,
    _num,
    _text,
    log,
)
from .layers import _aggregate_allocation, _attribution, _col, _Ctx, _score_class

if TYPE_CHECKING:
    import geopandas as gpd


def _plain(text: str) -> str:
    """Text for matplotlib: ``$`` would start mathtext."""
    return str(text).replace("$", r"\$")


def static_map(
    layers: Mapping[str, gpd.GeoDataFrame],
    path: str | os.PathLike[str],
    *,
    lang: str = "nb",
    title: str | None = None,
    synthetic: bool = False,
    attribution: str | Sequence[str] | None = None,
    tiles: bool = False,
    dpi: int = 150,
    figsize: tuple[float, float] = (8.27, 8.27),
) -> Path:
    """A static PNG or PDF of the same map for printed reports (matplotlib).

    Drawn in EPSG:25833 (metres, true shapes for Norway) with a legend, a scale bar,
    the title, date, data attribution and, when ``synthetic``, the synthetic-data
    label.  The format follows the suffix of ``path`` (``.png``, ``.pdf``, ``.svg``).

    Parameters
    ----------
    layers
        Result layers by name, as for :func:`arealsirk.webmap.build_map`.
    path
        Target file; its suffix (``.png``, ``.pdf``, ``.svg``) gives the format.
    lang
        ``"nb"`` or ``"en"``.
    title
        Title above the map.
    synthetic
        Mark the map as synthetic data (under the title and in the attribution).
    attribution
        Data attribution text(s), as for :func:`arealsirk.webmap.build_map`.
    tiles
        Add a background from OpenStreetMap tiles through the optional ``contextily``
        package (online only).  Offline, or when fetching fails, the map is drawn
        without a background and a warning is logged.  Default: no background.
    dpi, figsize
        Resolution and size (inches) of the figure.

    Returns
    -------
    Path
        ``path``.
    """
    lang = check_lang(lang)
    _check_layers(layers)
    from .._optional import require

    require("matplotlib", extra="report", purpose="static maps")
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "pdf", "svg", "cairo"):
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in ("png", "pdf", "svg"):
        raise InputError(f"{path}: static maps are written as .png, .pdf or .svg")
    ctx = _Ctx(lang, layers)
    prepared = _static_layers(layers)
    fig, ax = plt.subplots(figsize=figsize, dpi=dpi)
    try:
        handles = _draw_areas(ax, prepared, lang)
        handles += _draw_lines(ax, prepared, ctx, lang)
        handles += _draw_sources(ax, prepared, lang)
        handles += _draw_sites(ax, prepared, lang)
        ax.set_aspect("equal")
        ax.set_axis_off()
        if tiles and prepared:
            _add_tiles(ax, prepared)
        if prepared:
            _scale_bar(ax)
        _frame(
            fig,
            ax,
            ctx,
            handles,
            title=title,
            lang=lang,
            synthetic=synthetic,
            attribution=attribution,
            tiles=tiles,
        )
        _save(fig, path, suffix=suffix, dpi=dpi, title=title)
    finally:
        plt.close(fig)
    return path


def _static_layers(layers: Mapping[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """The known result layers that have features, validated (in their own metric CRS)."""
    from .._validate import validate_layer

    prepared: dict[str, gpd.GeoDataFrame] = {}
    for name in LAYER_NAMES:
        g = layers.get(name)
        if g is None or len(g) == 0:
            continue
        try:
            prepared[name] = validate_layer(g, name=name, layer=name)
        except EmptyLayerError:
            continue
    return prepared


def _draw_areas(ax: Any, prepared: Mapping[str, gpd.GeoDataFrame], lang: str) -> list[Any]:
    """Kommune borders, catchments and travel-time zones, candidate areas by score class."""
    from matplotlib.patches import Patch

    handles: list[Any] = []
    if "kommuner" in prepared:
        prepared["kommuner"].boundary.plot(ax=ax, color="#444", linewidth=0.8, zorder=2)
    for name in ("catchments", "service_areas"):
        if name in prepared:
            g = prepared[name]
            if name == "service_areas" and "minutes" in g.columns:
                g = g.sort_values("minutes", ascending=False)
            g.plot(ax=ax, facecolor="#6baed6", edgecolor="#3182bd", alpha=0.15, linewidth=0.6, zorder=1)
            handles.append(
                Patch(facecolor="#6baed6", edgecolor="#3182bd", alpha=0.4, label=t(lang, f"layer.{name}"))
            )
    if "candidates" in prepared:
        g = prepared["candidates"]
        cls = [_score_class(_num(v)) for v in _col(g, "score_total")]
        g.plot(
            ax=ax, color=[SCORE_COLOURS[c] for c in cls], edgecolor="#333", linewidth=0.3, alpha=0.8, zorder=3
        )
        for k in reversed(range(5)):
            handles.append(
                Patch(
                    facecolor=SCORE_COLOURS[k],
                    edgecolor="#333",
                    label=f"{t(lang, 'legend.score')}: {fmt_number(k / 5, lang, decimals=1)}–"
                    f"{fmt_number((k + 1) / 5, lang, decimals=1)}",
                )
            )
    return handles


def _draw_lines(ax: Any, prepared: Mapping[str, gpd.GeoDataFrame], ctx: _Ctx, lang: str) -> list[Any]:
    """Allocation lines (grouped per kommune and site when many, width by quantity) and symbiosis matches."""
    from matplotlib.lines import Line2D

    handles: list[Any] = []
    for name in ("allocation", "matches"):
        if name in prepared:
            g = prepared[name]
            width: Any = 1.5
            if name == "allocation":  # one line per kommune and site when many, width by quantity
                g = _aggregate_allocation(ctx, g, int(_default("webmap.max_lines_shown", 1500)))
                q = [(_num(v) or 0.0) for v in _col(g, "quantity")]
                qmax = max(q) if q and max(q) > 0 else 1.0
                width = [0.3 + 2.7 * math.sqrt(v / qmax) for v in q]
            colour = "#d95f02" if name == "allocation" else "#7570b3"
            g.plot(ax=ax, color=colour, linewidth=width, alpha=0.6, zorder=4)
            handles.append(Line2D([], [], color=colour, label=t(lang, f"layer.{name}")))
    return handles


def _draw_sources(ax: Any, prepared: Mapping[str, gpd.GeoDataFrame], lang: str) -> list[Any]:
    """Resource sources as circles coloured by kind, area by quantity."""
    from matplotlib.lines import Line2D

    if "sources" not in prepared:
        return []
    g = prepared["sources"]
    kinds = [_text(k) for k in _col(g, "kind")]
    q = [(_num(v) or 0.0) for v in _col(g, "quantity")]
    fallback = iter(FALLBACK_COLOURS * 10)
    colours = {k: KIND_COLOURS.get(k) or next(fallback) for k in dict.fromkeys(kinds)}
    qmax = max(q) if q and max(q) > 0 else 1.0
    pts = g.geometry.representative_point()
    ax.scatter(
        pts.x,
        pts.y,
        s=[4 + 40 * math.sqrt(v / qmax) for v in q],
        c=[colours[k] for k in kinds],
        edgecolors="#222",
        linewidths=0.2,
        alpha=0.85,
        zorder=5,
    )
    return [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markerfacecolor=c,
            markeredgecolor="#222",
            label=_plain(label(lang, "kind", k) if k else "–"),
        )
        for k, c in colours.items()
    ]


def _draw_sites(ax: Any, prepared: Mapping[str, gpd.GeoDataFrame], lang: str) -> list[Any]:
    """Selected sites: new ones as stars, kept ones as squares, coloured by facility type, with names."""
    from matplotlib.lines import Line2D

    if "selected_sites" not in prepared:
        return []
    g = prepared["selected_sites"]
    pts = g.geometry.representative_point()
    types = [_text(v) for v in _col(g, "facility_type")]
    kept = [_is_true(v) for v in _col(g, "existing")]
    for is_kept, marker, size in ((True, "s", 70), (False, "*", 220)):  # new: stars, kept: squares
        sel = [i for i, k in enumerate(kept) if k == is_kept]
        if sel:
            ax.scatter(
                pts.x.iloc[sel],
                pts.y.iloc[sel],
                s=size,
                marker=marker,
                edgecolors="#000",
                c=[FACILITY_COLOURS.get(types[i], "#000") for i in sel],
                linewidths=0.8,
                zorder=7,
            )
    for x, y, name in zip(pts.x, pts.y, _col(g, "name"), strict=False):
        ax.annotate(
            _plain(_text(name)),
            (x, y),
            xytext=(6, 6),
            textcoords="offset points",
            fontsize=7,
            zorder=8,
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8},
        )
    handles = []
    for k, is_kept in dict.fromkeys(zip(types, kept, strict=True)):
        name = label(lang, "facility", k) if k else t(lang, "layer.selected_sites")
        handles.append(
            Line2D(
                [],
                [],
                marker="s" if is_kept else "*",
                linestyle="",
                markersize=7 if is_kept else 11,
                markerfacecolor=FACILITY_COLOURS.get(k, "#000"),
                markeredgecolor="#000",
                label=_plain(f"{name} – {t(lang, 'site.kept' if is_kept else 'site.new')}"),
            )
        )
    return handles


def _add_tiles(ax: Any, prepared: Mapping[str, gpd.GeoDataFrame]) -> None:
    """OpenStreetMap tiles under the map (contextily); offline or failing: a warning, no background."""
    from .._optional import require

    try:
        cx = require("contextily", extra="report", purpose="background tiles on static maps")
        cx.add_basemap(ax, crs=next(iter(prepared.values())).crs, attribution=False, zorder=0)
    except ImportError:
        raise
    except Exception as exc:  # offline, blocked, server error: draw without tiles
        log.warning("webmap: no background tiles for the static map (%s)", exc)


def _scale_bar(ax: Any) -> None:
    """A scale bar of a round length (1 … 200 km, about a quarter of the width) in the lower left."""
    x0, x1 = ax.get_xlim()
    y0, _ = ax.get_ylim()
    span = x1 - x0
    nice = [1, 2, 5, 10, 20, 25, 50, 100, 200]
    km = max([n for n in nice if n * 1000 <= span / 4] or [1])
    bx, by = x0 + span * 0.04, y0 + (ax.get_ylim()[1] - y0) * 0.03
    ax.plot([bx, bx + km * 1000], [by, by], color="#000", linewidth=3, zorder=9, solid_capstyle="butt")
    ax.annotate(
        f"{km} km",
        (bx + km * 500, by),
        xytext=(0, 4),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=8,
        zorder=9,
    )


def _frame(
    fig: Any,
    ax: Any,
    ctx: _Ctx,
    handles: Sequence[Any],
    *,
    title: str | None,
    lang: str,
    synthetic: bool,
    attribution: str | Sequence[str] | None,
    tiles: bool,
) -> None:
    """Title, date (and the synthetic-data label), attribution and legend around the map."""
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
        ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            fontsize=7,
            frameon=False,
            title=t(lang, "legend.title"),
            title_fontsize=8,
        )
    fig.tight_layout(rect=(0, 0.03, 1, 0.93))


def _save(fig: Any, path: Path, *, suffix: str, dpi: int, title: str | None) -> None:
    """Write the figure atomically in the format of its suffix."""
    from ..io import atomic_path

    try:
        with atomic_path(path) as tmp:
            fig.savefig(
                tmp,
                format=suffix,
                dpi=dpi,
                bbox_inches="tight",
                metadata={"Title": title or ""} if suffix == "pdf" else None,
            )
    except OSError as exc:
        raise OutputError(f"{path}: cannot write the static map ({exc})") from exc
