"""One builder per result layer of the interactive map, and the per-map state they share.

Each builder returns a list of ``(factory, payload, layer name, show, cluster)``: the
JavaScript factory of :file:`assets/runtime.js` that draws the layer and its data as plain
JSON (popup rows, legend entries), every text already in the map's language.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._text import escape_html
from ..i18n import BALANCE_CATEGORIES, column_label, fmt_number, label, t
from .common import (
    _PERCENT,
    _SITE_FIGURES,
    FACILITY_COLOURS,
    FALLBACK_COLOURS,
    KIND_COLOURS,
    MINUTE_COLOURS,
    SCORE_COLOURS,
    _default,
    _geojson,
    _is_true,
    _num,
    _text,
    log,
)

if TYPE_CHECKING:
    import geopandas as gpd


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
            self.kept_ids = {
                _text(i) for i, e in zip(sel["id"], sel["existing"], strict=False) if _is_true(e)
            }
        self.candidate_scores: dict[str, dict[str, Any]] = {}
        cand = layers.get("candidates")
        if cand is not None and "id" in cand.columns:
            cols = _score_columns(cand)
            for rec in cand[["id", *cols]].to_dict("records"):
                self.candidate_scores[_text(rec.pop("id"))] = rec
        k = layers.get("kommuner")
        if k is not None and {"kommunenummer", "kommunenavn"} <= set(k.columns):
            self.kommune_names = {
                _text(a): _text(b) for a, b in zip(k["kommunenummer"], k["kommunenavn"], strict=False)
            }
        for lname, target in (
            ("sources", self.source_names),
            ("selected_sites", self.site_names),
            ("candidates", self.site_names),
            ("existing", self.site_names),
        ):
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
            self.bounds = [
                min(self.bounds[0], b[0]),
                min(self.bounds[1], b[1]),
                max(self.bounds[2], b[2]),
                max(self.bounds[3], b[3]),
            ]


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
    values = [(c, _num(row.get(c))) for c in score_cols]
    scored = [(c, v) for c, v in values if v is not None]
    if scored:
        scored.sort(key=lambda cv: -cv[1])
        parts.append(
            ctx.tr(
                "why.scores",
                list=", ".join(
                    f"{label(ctx.lang, 'criterion', c[len('score_') :])} {ctx.fmt(v, decimals=2)}"
                    for c, v in scored[:2]
                ),
            )
        )
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
        rng = ctx.tr("robust.fixed", lo=lo_s) if lo == hi else ctx.tr("robust.range", lo=lo_s, hi=hi_s)
    if share is not None and k:
        pct, k_s = ctx.fmt(share, percent=True), ctx.fmt(k, decimals=0)
        head = (
            ctx.tr("robust.top_k_runs", k=k_s, share=pct, n=ctx.fmt(runs, decimals=0))
            if runs
            else ctx.tr("robust.top_k", k=k_s, share=pct)
        )
        return f"{head}; {rng}" if rng else head
    if rng:
        return (
            ctx.tr("robust.fixed_only", lo=ctx.fmt(lo, decimals=0))
            if lo == hi
            else ctx.tr("robust.range_only", lo=ctx.fmt(lo, decimals=0), hi=ctx.fmt(hi, decimals=0))
        )
    return ""


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
    cols = [
        *(column_label(ctx.lang, c) for c in ("kind", "quantity", "kommune")),
        ctx.tr("source.status"),
        column_label(ctx.lang, "id"),
    ]
    out: list[tuple] = []
    legend_items = []
    fallback = iter(FALLBACK_COLOURS * 10)
    colours = {k: KIND_COLOURS.get(k) or next(fallback) for k in uniq}
    groups = (
        {k: [i for i, kk in enumerate(kinds) if kk == k] for k in uniq}
        if split
        else {"": list(range(len(g)))}
    )
    styles = [{"color": "#222", "fill": colours[k], "weight": 0.6} for k in uniq]
    # not collected (beyond the haul limit, no yield, plants full, unreachable): hollow in the kind's colour
    styles += [{"color": colours[k], "fill": "#ffffff", "weight": 1.6, "fillOpacity": 0.9} for k in uniq]
    style_idx = {k: i for i, k in enumerate(uniq)}
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
            rows.append(
                [
                    float(lat[i]),
                    float(lon[i]),
                    round(r, 1),
                    style_idx[kinds[i]] + (len(uniq) if lost else 0),
                    _text(names[i]),
                    label(ctx.lang, "kind", kinds[i]),
                    ctx.qty(q[i] if q[i] else None, units[i]),
                    ctx.kommune(komm[i]),
                    ctx.tr("source.collected")
                    if status[i] == "collected"
                    else BALANCE_CATEGORIES[ctx.lang].get(status[i], status[i]),
                    _text(ids[i]),
                ]
            )
        payload = {
            "rows": rows,
            "styles": styles,
            "cols": cols,
            "titleIndex": 4,
            "valueOffset": 5,
            "cluster": len(idx) >= cluster_min,
            "tooltip": True,
        }
        lname = (
            ctx.tr("layer.sources_kind", kind=label(ctx.lang, "kind", k))
            if split and k
            else ctx.tr("layer.sources")
        )
        out.append(("points", payload, lname, True, len(idx) >= cluster_min))
    for k in uniq:
        legend_items.append(
            {
                "label": label(ctx.lang, "kind", k) if k else "–",
                "fill": colours[k],
                "color": "#222",
                "shape": "circle",
            }
        )
    if any(s not in ("", "collected") for s in status):
        legend_items.append(
            {"label": ctx.tr("source.uncollected"), "fill": "#ffffff", "color": "#444", "shape": "circle"}
        )
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
    styles = [
        {"color": "#333", "weight": 0.6, "fillColor": c, "fillOpacity": 0.7, "radius": 6}
        for c in SCORE_COLOURS
    ]
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
        vals += [
            label(ctx.lang, "facility", _text(rec.get("facility_type"))) if rec.get("facility_type") else "",
            _text(rec.get("zone_type")),
            ctx.kommune(rec.get("kommunenummer")),
            ctx.fmt(rec.get("area_ha")),
            _text(rec.get("id")),
        ]
        style = _score_class(totals[i]) if totals[i] is not None else len(SCORE_COLOURS)
        rows.append([_geojson(geoms[i]), style, _text(rec.get("name")), *vals])
    if has_score:
        ctx.legend.append(
            {
                "key": "candidates",
                "title": ctx.tr("legend.score"),
                "items": [
                    {
                        "label": f"{ctx.fmt(k / 5, decimals=1)}–{ctx.fmt((k + 1) / 5, decimals=1)}",
                        "fill": c,
                        "color": "#333",
                    }
                    for k, c in reversed(list(enumerate(SCORE_COLOURS)))
                ],
            }
        )
    else:
        ctx.legend.append(
            {
                "key": "candidates",
                "title": ctx.tr("layer.candidates"),
                "items": [{"label": ctx.tr("layer.candidates"), "fill": "#bdbdbd", "color": "#555"}],
            }
        )
    payload = {
        "rows": rows,
        "styles": styles,
        "cols": cols,
        "titleIndex": 2,
        "valueOffset": 3,
        "tooltip": True,
    }
    if has_robust:  # the sentence goes where the site popups have "why here?"; the legend says so
        payload.update({"whyIndex": 3, "whyHeading": ctx.tr("robust"), "valueOffset": 4})
        ctx.legend[-1]["items"].append(
            {"label": ctx.tr("legend.robust"), "fill": "transparent", "color": "transparent"}
        )
    return [("shapes", payload, ctx.tr("layer.candidates"), True, False)]


def _site_values(
    ctx: _Ctx, rec: Mapping[str, Any], fields: Sequence[str], score_cols: Sequence[str]
) -> list[list]:
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
    rows: list[list[Any]] = []
    seen: dict[Any, Any] = {}
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
            sections.append(
                [
                    head,
                    _why(ctx, rec, score_cols) if selected else "",
                    _site_values(ctx, rec, fields, score_cols),
                ]
            )
            colours.append(colour if selected else "#8c8c8c")
            names.append(_text(rec.get("name")))
            seen[(ft, "new" if selected and not kept else ("kept" if selected else "input"))] = colour
        title = " / ".join(dict.fromkeys(n for n in names if n))
        rows.append([lat, lon, symbol, list(dict.fromkeys(colours)), title, sections])
    if selected:
        items = []
        for (ft, kind), colour in seen.items():
            items.append(
                {
                    "label": f"{label(ctx.lang, 'facility', ft)} – {ctx.tr('site.' + kind)}",
                    "fill": colour,
                    "color": "#000",
                    "shape": "star" if kind == "new" else "square",
                }
            )
        items.sort(key=lambda it: it["shape"] != "star")
        if any(len(r[3]) > 1 for r in rows):
            items.append({"label": ctx.tr("site.combined"), "fill": "#fff", "color": "#000", "shape": "ring"})
        ctx.add_legend(layer, ctx.tr("legend.sites"), items)
    else:
        ctx.add_legend(
            layer,
            ctx.tr("layer.existing"),
            [{"label": ctx.tr("site.input"), "fill": "#8c8c8c", "color": "#333", "shape": "square"}],
        )
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
    df = pd.DataFrame(
        {"x0": xy[first, 0], "y0": xy[first, 1], "x1": xy[last, 0], "y1": xy[last, 1]}, index=part.index
    )
    df["q"] = pd.to_numeric(part.get("quantity", 1.0), errors="coerce").fillna(0.0).clip(lower=0.0)
    df["w"] = df["q"].where(df["q"] > 0, 1e-9)
    if "kommunenummer" in part.columns:
        df["area"] = part["kommunenummer"].map(_text)
    else:  # 10 km blocks in degrees at 60° N (about 0.09° lat x 0.18° lon)
        df["area"] = (
            np.floor(df["y0"] / 0.09).astype(int).astype(str)
            + "/"
            + np.floor(df["x0"] / 0.18).astype(int).astype(str)
        )
    for c in ("site_id", "kind", "unit", "facility_type"):
        df[c] = part[c].map(_text) if c in part.columns else ""
    for c in ("distance_km", "travel_min"):
        df[c] = pd.to_numeric(part[c], errors="coerce") if c in part.columns else np.nan
    rows, geoms = [], []
    for (area, site, kind, unit, ft), d in df.groupby(
        ["area", "site_id", "kind", "unit", "facility_type"], sort=False
    ):
        w = d["w"].to_numpy()
        x0, y0 = float(np.average(d["x0"], weights=w)), float(np.average(d["y0"], weights=w))
        geoms.append(shapely.LineString([(x0, y0), (float(d["x1"].iloc[0]), float(d["y1"].iloc[0]))]))
        mean = {
            c: (float(np.average(d[c].fillna(0), weights=w)) if d[c].notna().any() else None)
            for c in ("distance_km", "travel_min")
        }
        where = ctx.kommune(area) if "kommunenummer" in part.columns else area
        rows.append(
            {
                "source_id": ctx.tr("alloc.group", where=where, n=ctx.fmt(len(d), decimals=0)),
                "site_id": site,
                "kind": kind,
                "unit": unit,
                "facility_type": ft,
                "quantity": float(d["q"].sum()),
                **mean,
            }
        )
    agg = gpd.GeoDataFrame(rows, geometry=geoms, crs=g.crs)
    if g.geometry.name != "geometry":
        agg = agg.rename_geometry(g.geometry.name)
    ctx.notes.append(
        ctx.tr("alloc.aggregated", n=ctx.fmt(len(part), decimals=0), m=ctx.fmt(len(agg), decimals=0))
    )
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
        ctx.notes.append(
            ctx.tr(
                "truncated_lines",
                shown=ctx.fmt(max_lines),
                total=ctx.fmt(len(g)),
                layer=ctx.tr(f"layer.{layer}"),
            )
        )
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
        styles = [
            {
                "color": colours[k],
                "weight": 0.7 if many else (1.2 if layer == "allocation" else 3.0),
                "opacity": 0.35 if many else 0.6,
            }
            for k in uniq
        ]
        rows = []
        for i in idx:
            rec = recs[i]
            a, b = _text(rec.get(a_col)), _text(rec.get(b_col))
            a_name = _text(rec.get("supplier_name")) or names_a.get(a, "")
            b_name = _text(rec.get("consumer_name")) or names_b.get(b, "")
            a = f"{a_name} ({a})" if a_name else a
            b = f"{b_name} ({b})" if b_name else b
            vals = [
                a,
                b,
                label(ctx.lang, "kind", kinds[i]) if kinds[i] else "",
                ctx.qty(rec.get("quantity"), rec.get("unit")),
                ctx.fmt(rec.get("distance_km")),
                ctx.fmt(rec.get(fields[-1])),
            ]
            rows.append([_geojson(geoms[i]), uniq.index(kinds[i]), "", *vals])
        if layer == "allocation" and len(groups) > 1 and ft:
            name = ctx.tr("layer.allocation_type", facility=label(ctx.lang, "facility", ft))
        else:
            name = ctx.tr(f"layer.{layer}")
        payload = {
            "rows": rows,
            "styles": styles,
            "cols": cols,
            "titleIndex": 2,
            "valueOffset": 3,
            "tooltip": False,
        }
        out.append(("shapes", payload, name, not many, False))
    ctx.legend.append(
        {
            "key": layer,
            "title": ctx.tr(f"legend.{layer}"),
            "items": [
                {"label": label(ctx.lang, "kind", k) if k else "–", "color": colours[k], "shape": "line"}
                for k in uniq
            ],
        }
    )
    return out


def _areas(ctx: _Ctx, g: gpd.GeoDataFrame, layer: str) -> list[tuple]:
    recs = g.drop(columns=g.geometry.name).to_dict("records")
    geoms = list(g.geometry)
    rows = []
    if layer == "service_areas":
        minutes = sorted({m for m in (_num(r.get("minutes")) for r in recs) if m is not None})
        colours = {m: MINUTE_COLOURS[min(i, len(MINUTE_COLOURS) - 1)] for i, m in enumerate(minutes)}
        styles = [
            {"color": colours[m], "weight": 0.6, "opacity": 0.6, "fillColor": colours[m], "fillOpacity": 0.1}
            for m in minutes
        ]
        styles.append({"color": "#888", "weight": 1, "fillColor": "#888", "fillOpacity": 0.15})
        order = sorted(range(len(recs)), key=lambda i: -(_num(recs[i].get("minutes")) or 0.0))
        cols = [column_label(ctx.lang, c) for c in ("site_id", "facility_type", "minutes")]
        for i in order:
            m = _num(recs[i].get("minutes"))
            s = minutes.index(m) if m is not None else len(minutes)
            site = _text(recs[i].get("site_id"))
            rows.append(
                [
                    _geojson(geoms[i]),
                    s,
                    ctx.site_names.get(site, site),
                    site,
                    label(ctx.lang, "facility", _text(recs[i].get("facility_type"))),
                    ctx.fmt(m),
                ]
            )
        ctx.legend.append(
            {
                "key": "service_areas",
                "title": ctx.tr("legend.service_areas"),
                "items": [
                    {
                        "label": ctx.tr("legend.minutes", minutes=ctx.fmt(m)),
                        "fill": colours[m],
                        "color": colours[m],
                    }
                    for m in minutes
                ],
            }
        )
    else:
        types = [_text(r.get("facility_type")) for r in recs]
        uniq = list(dict.fromkeys(types))
        styles = [
            {
                "color": FACILITY_COLOURS.get(k, "#555"),
                "weight": 1.2,
                "dashArray": "4 3",
                "fillColor": FACILITY_COLOURS.get(k, "#555"),
                "fillOpacity": 0.08,
            }
            for k in uniq
        ]
        cols = [column_label(ctx.lang, c) for c in ("site_id", "facility_type")]
        for i, rec in enumerate(recs):
            site = _text(rec.get("site_id"))
            rows.append(
                [
                    _geojson(geoms[i]),
                    uniq.index(types[i]),
                    ctx.site_names.get(site, site),
                    site,
                    label(ctx.lang, "facility", types[i]) if types[i] else "",
                ]
            )
        ctx.add_legend(
            "catchments",
            ctx.tr("layer.catchments"),
            [
                {
                    "label": label(ctx.lang, "facility", k) if k else "–",
                    "fill": "transparent",
                    "color": FACILITY_COLOURS.get(k, "#555"),
                    "shape": "dashed",
                }
                for k in uniq
            ],
        )
    payload = {
        "rows": rows,
        "styles": styles,
        "cols": cols,
        "titleIndex": 2,
        "valueOffset": 3,
        "tooltip": False,
    }
    return [("shapes", payload, ctx.tr(f"layer.{layer}"), True, False)]


def _kommuner(ctx: _Ctx, g: gpd.GeoDataFrame) -> list[tuple]:
    recs = g.drop(columns=g.geometry.name).to_dict("records")
    extra = [c for c in g.columns if c not in ("kommunenummer", "kommunenavn", g.geometry.name)]
    own = ctx.kommune_figures  # what the kommune supplies, gets and its share (by_kommune tables)
    labels = list(dict.fromkeys(lab for figs in own.values() for lab, _ in figs))
    cols = [column_label(ctx.lang, c) for c in ("kommunenummer", *extra)] + labels
    styles = [
        {
            "color": "#444",
            "weight": 1.6,
            "fill": True,
            "fillColor": "#ffffff",
            "fillOpacity": 0.01,
            "opacity": 0.9,
        }
    ]
    rows = []
    for geom, rec in zip(g.geometry, recs, strict=False):
        vals = [_text(rec.get("kommunenummer"))]
        for c in extra:
            v = rec.get(c)
            vals.append(ctx.fmt(v) if _num(v) is not None and not isinstance(v, str) else _text(v))
        mine = dict(own.get(_text(rec.get("kommunenummer")), []))
        vals += [mine.get(lab, "") for lab in labels]
        rows.append([_geojson(geom), 0, _text(rec.get("kommunenavn")), *vals])
    payload = {
        "rows": rows,
        "styles": styles,
        "cols": cols,
        "titleIndex": 2,
        "valueOffset": 3,
        "tooltip": True,
    }
    ctx.add_legend(
        "kommuner",
        ctx.tr("layer.kommuner"),
        [{"label": ctx.tr("legend.kommune"), "fill": "transparent", "color": "#444"}],
    )
    return [("shapes", payload, ctx.tr("layer.kommuner"), True, False)]


def _attribution(
    ctx: _Ctx, attribution: str | Sequence[str] | None, synthetic: bool, all_synthetic: bool = False
) -> str:
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
    out = [
        '<noscript><div class="as-noscript" style="font-family:sans-serif;max-width:46em;margin:1em auto;'
        'padding:0 1em">',
        f"<h1>{e(title)}</h1>",
        f"<p>{e(ctx.tr('noscript'))}</p>",
    ]
    for entry in panel:
        out.append(f"<h2>{e(entry.get('title', ''))}</h2>")
        if entry.get("sentence"):
            out.append(f"<p>{e(entry['sentence'])}</p>")
        if entry.get("figures"):
            out.append(
                "<table>"
                + "".join(
                    f'<tr><th style="text-align:left">{e(a)}</th><td>{e(b)}</td></tr>'
                    for a, b in entry["figures"]
                )
                + "</table>"
            )
        if entry.get("headline"):
            out.append(
                f"<p><b>{e(ctx.tr('panel.balance'))}</b></p><ul>"
                + "".join(f"<li>{e(h)}</li>" for h in entry["headline"])
                + "</ul>"
            )
    out.append("</div></noscript>")
    return "\n".join(out)
