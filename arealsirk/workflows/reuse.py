"""Reuse centres (ombrukssentre, kretsløpsparker): maximal coverage or p-median on drive times.

Demand is people: population grid cells (polygons -> centroids) or points with a
population column.  Candidate sites and the existing recycling stations (which
the model keeps: they are *fixed* open facilities) are snapped to the road
graph (:func:`arealsirk.network.graph_from_roads`); drive minutes come from
:func:`arealsirk.proximity.od_matrix`.  The location model is one of

* ``objective="coverage"`` -- maximal covering location problem (Church & ReVelle
  1974): open ``count`` sites so that the most people are within ``max_minutes``,
  :func:`arealsirk.locate.max_coverage`;
* ``objective="median"`` -- p-median (Hakimi 1964; ReVelle & Swain 1970): open
  ``count`` sites so that the population-weighted mean drive time is least,
  :func:`arealsirk.locate.p_median`.

Outputs per kommune: the share of people within 15/20/30 minutes
(``reuse.band*_minutes``) and the mean drive time to the nearest open site; a
coverage curve for 1..k sites and the number needed to reach
``reuse.target_share`` (90 %).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .._validate import check_number, validate_layer
from ..errors import InfeasibleError, InputError
from ..progress import Progress
from ..resources import check_parameters, parameter
from ._balance import (
    BalanceRows,
    balance_headline,
    note_parts,
    outside_region,
    parts_table,
    reason_category,
    snap_reasons,
)
from ._common import (
    as_graph,
    clean_kommuner,
    ids_of,
    kommune_names,
    kommune_of,
    line,
    od_snapped,
    option,
    points_of,
    site_layers,
    snap_layer,
    snap_parts,
    status_of,
)
from ._messages import Message, model_note
from ._result import WorkflowResult

if TYPE_CHECKING:
    import geopandas as gpd

    from ..suitability.constraints import Exclusions

log = logging.getLogger("arealsirk")

__all__ = ["coverage_table", "site_reuse_centres"]

_EXISTING_TYPES = ("recycling_station", "reuse_centre", "gjenvinningsstasjon", "ombrukssenter")
_DEMAND_IDS = ("id", "ssbid", "ru250m", "ssbid_1000m", "ssbid_250m")


def coverage_table(minutes: np.ndarray, population: np.ndarray, groups: Any, bands: list[float]) -> Any:
    """Per group: population, people and share within each band, mean minutes to the nearest site.

    ``minutes`` is the drive time of each demand point to its nearest open site
    (``inf`` when none is reachable; such people count as not within any band and
    are left out of the mean, which is reported with the number of unreachable people).
    """
    import pandas as pd

    df = pd.DataFrame({"group": np.asarray(groups), "pop": population, "min": minutes})
    rows = []
    for g, d in df.groupby("group", sort=True):
        pop = float(d["pop"].sum())
        row: dict[str, Any] = {"kommunenummer": g, "population": pop}
        for b in bands:
            within = float(d.loc[d["min"] <= b, "pop"].sum())
            row[f"within_{b:g}_min"] = within
            row[f"share_{b:g}_min"] = within / pop if pop > 0 else np.nan
        fin = np.isfinite(d["min"].to_numpy())
        w = d["pop"].to_numpy()[fin]
        row["mean_minutes"] = (
            float(np.average(d["min"].to_numpy()[fin], weights=w)) if w.sum() > 0 else np.nan
        )
        row["unreachable_population"] = float(d["pop"].to_numpy()[~fin].sum())
        rows.append(row)
    return pd.DataFrame(rows)


def _service_areas(
    graph: Any,
    site_ids: list[str],
    snapped: Any,
    open_: np.ndarray,
    minutes: list[float],
    messages: list[str],
) -> gpd.GeoDataFrame:
    """Service areas of the open sites from their already snapped nodes.

    :func:`arealsirk.proximity.service_areas` on a layer would snap the sites again.
    Here each site's area is computed from its node with the minutes shortened by its
    access time (snap distance at ``network.snap_speed_kph``), which is the same
    polygon: a road point is inside when access + drive <= minutes.
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    from ..network import graph_crs
    from ..network.proximity import service_areas

    access_min = snapped.access_cost("travel_time")[open_] / 60.0
    nodes = np.asarray(snapped.nodes, dtype=object)[open_]
    frames = []
    for sid, node, acc in zip(site_ids, nodes, access_min, strict=True):
        left = [(m, m - acc) for m in minutes]
        ok = [(m, r) for m, r in left if r > 1e-9]
        rows = []
        if ok:
            ok.sort(key=lambda mr: mr[1])
            one = service_areas(graph, [node], [r for _, r in ok])  # rows in increasing minutes
            rows += [(m, g) for (m, _), g in zip(ok, one.geometry, strict=True)]
        for m, r in left:
            if r <= 1e-9:
                messages.append(Message("reuse.empty_area", id=sid, access=float(acc), minutes=float(m)))
                rows.append((m, shapely.Polygon()))
        rows.sort(key=lambda mr: mr[0])
        frames.append(
            pd.DataFrame({"site_id": sid, "minutes": [m for m, _ in rows], "geometry": [g for _, g in rows]})
        )
    out = pd.concat(frames, ignore_index=True)
    sa = gpd.GeoDataFrame(out, geometry="geometry", crs=graph_crs(graph))
    sa["facility_type"] = "reuse_centre"
    return sa


def site_reuse_centres(
    demand: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    roads: Any,
    *,
    population_column: str = "population",
    count: int | None = None,
    max_minutes: float | None = None,
    existing: gpd.GeoDataFrame | None = None,
    kommuner: gpd.GeoDataFrame | None = None,
    objective: str = "coverage",
    exclusions: Exclusions | gpd.GeoDataFrame | None = None,
    curve_max: int | None = None,
    parameters: Mapping[str, Any] | None = None,
    exact: bool = False,
    time_limit: float | None = None,
    progress: Any = None,
    is_cancelled: Any = None,
) -> WorkflowResult:
    """Place ``count`` reuse centres (existing recycling stations included) for the most people.

    Parameters
    ----------
    demand
        Population grid cells (polygons -> centroids) or points with ``population_column``.
    candidates
        Candidate sites (points or polygons), ``id`` and ``name`` used when present.
    roads
        Road lines (built with :func:`arealsirk.network.graph_from_roads`) or a graph.
    count
        Total number of sites, existing ones included (so ``count`` >= number of existing);
        default ``reuse.count``.
    max_minutes
        Drive-time cutoff for coverage (default ``reuse.max_minutes``).
    existing
        Existing recycling stations (points); rows whose ``facility_type`` is not a
        recycling station / reuse centre are ignored.  They are kept open (fixed).
    kommuner
        Kommune polygons, for per-kommune tables when the demand has no ``kommunenummer``.
    objective
        ``"coverage"`` (maximal covering) or ``"median"`` (p-median on minutes).
    exclusions
        Where no new site may be: an :class:`~arealsirk.constraints.Exclusions` (protected areas,
        lakes, settlements with their buffer rows, a DEM for the slope limit, other polygons) or a
        polygon layer (read as ``other``); removed candidates are listed in ``tables["excluded"]``.
    parameters
        Overrides of defaults-table keys (``reuse.*``: band minutes, target share, curve size;
        ``suitability.*`` rows of the exclusions).
    curve_max
        Largest number of sites in the coverage curve (default ``reuse.curve_max``; the curve
        continues until the target share is reached or the candidates run out).

    Returns
    -------
    WorkflowResult
        layers ``selected_sites`` (population_served, share_within_cutoff), ``allocation``
        (demand -> nearest site, people, travel_min, distance_km), ``service_areas``;
        tables ``by_kommune`` and ``coverage_curve``.

    Raises
    ------
    InfeasibleError
        When nobody is within ``max_minutes`` of any site.
    InputError
        Bad layers, ``count`` below the number of existing stations or above the sites available.
    """
    import geopandas as gpd
    import pandas as pd

    from .. import locate

    p = Progress(progress, is_cancelled)
    params = check_parameters(parameters)
    max_minutes_given = max_minutes is not None
    max_minutes = option(
        max_minutes, "reuse.max_minutes", "max_minutes", params, minimum=0, exclusive_minimum=True
    )
    count = check_number(
        count if count is not None else parameter("reuse.count", params), "count", minimum=1, integer=True
    )
    if objective not in ("coverage", "median", "p_median"):
        raise InputError(f"objective must be 'coverage' or 'median', got {objective!r}")
    p(0.0, "checking inputs")
    dem = validate_layer(demand, name="demand", geometry=["point", "polygon"], numeric=(population_column,))
    dem = dem[dem[population_column] > 0].reset_index(drop=True)
    if not len(dem):
        raise InputError(f"demand, column '{population_column}': no feature has a population above 0")
    kom = clean_kommuner(kommuner)
    messages: list[str] = []
    bal = BalanceRows("reuse")
    bal.total("population", float(dem[population_column].sum()), "people")
    outside = outside_region(dem, kom)
    if outside.any():
        bal.add("population", "outside_region", float(dem.loc[outside, population_column].sum()))
        dem = dem.loc[~outside].reset_index(drop=True)
        if not len(dem):
            raise InputError("demand: every populated feature lies outside the kommune polygons")
    site_set = site_layers(
        candidates,
        existing,
        existing_types=_EXISTING_TYPES,
        exclusions=exclusions,
        crs=dem.crs,
        what="station",
        other_message="reuse.other_existing",
        parameters=params,
    )
    sites, n_fixed = site_set.sites, site_set.n_existing
    messages += site_set.messages
    if "name" not in sites.columns:
        sites["name"] = sites["id"]
    sites["name"] = sites["name"].fillna(sites["id"]).astype(str)
    if count < n_fixed:
        raise InputError(
            f"count={count} is smaller than the {n_fixed} existing recycling stations that "
            f"are kept; use count >= {n_fixed} (it counts existing sites) or pass fewer existing"
        )
    if count > len(sites):
        raise InputError(
            f"count={count} but only {len(sites)} sites are available "
            f"({n_fixed} existing + {len(sites) - n_fixed} candidates)"
        )
    fixed = np.arange(n_fixed)

    p(0.05, "building the road graph")
    graph = as_graph(roads)
    p(0.15, f"drive times {len(dem)} demand points x {len(sites)} sites")
    dem_pts = points_of(dem)
    # snap each layer once; drive times, distances and service areas reuse the snapped nodes
    dem_snap = snap_layer(graph, dem_pts, name="population")
    site_snap = snap_parts(graph, site_set.parts)
    T = od_snapped(graph, dem_snap, site_snap, weight="travel_time") / 60.0
    D = od_snapped(graph, dem_snap, site_snap, weight="length") / 1000.0
    pop = dem[population_column].to_numpy(dtype=float)
    total_pop = float(pop.sum())
    reach = np.isfinite(T).any(axis=1)
    if (~reach).any():
        messages.append(Message("reuse.unreachable", n=int((~reach).sum()), people=float(pop[~reach].sum())))
    best = np.min(T, axis=1)
    if not (best <= max_minutes).any():
        near = float(np.min(best[np.isfinite(best)])) if np.isfinite(best).any() else float("inf")
        raise InfeasibleError(
            f"nobody is within max_minutes = {max_minutes:g} min of any candidate or "
            f"existing site (the nearest person is {near:.1f} min away); raise max_minutes "
            "or add candidates"
        )
    Tm = T[reach]
    w = pop[reach]

    def solve(k: int) -> Any:
        if objective == "coverage":
            return locate.max_coverage(
                Tm, k, max_minutes, weights=w, fixed=fixed, exact=exact, time_limit=time_limit
            )
        return locate.p_median(Tm, k, weights=w, fixed=fixed, exact=exact, time_limit=time_limit)

    p(0.3, f"{objective} model with {count} sites")
    res = solve(count)
    open_ = np.asarray(res.facilities, dtype=int)
    status = status_of(res)

    p(0.5, "coverage curve")
    target = parameter("reuse.target_share", params)
    kmax = int(curve_max if curve_max is not None else parameter("reuse.curve_max", params))
    kmax = min(max(kmax, count), len(sites))
    kmin = max(1, n_fixed)

    # one incremental pass over k (interchange carried from k to k + 1) with a proven gap per k
    share_goal = target * total_pop / float(w.sum()) if w.sum() > 0 else 2.0
    cur = locate.coverage_curve(Tm, max_minutes, kmax, k_min=kmin, weights=w, fixed=fixed,
                                target=share_goal if share_goal <= 1.0 else None, time_limit=time_limit)

    def curve_point(pos: int) -> dict[str, Any]:
        k = int(cur.counts[pos])
        use_res = k == count and objective == "coverage"
        fac = np.asarray(res.facilities if use_res else cur.facilities[pos], dtype=int)
        near_k = np.min(T[:, fac], axis=1)
        covered = float(pop[near_k <= max_minutes].sum())
        fin = np.isfinite(near_k)
        return {
            "sites": k,
            "population_covered": covered,
            "share_covered": covered / total_pop,
            "mean_minutes": float(np.average(near_k[fin], weights=pop[fin])),
            "site_ids": ";".join(sites["id"].iloc[fac].astype(str)),
            "status": res.status if use_res else ("optimal" if cur.gap[pos] == 0 else "feasible"),
            "proven_gap": float(cur.gap[pos]) if not use_res else
            (float("nan") if res.gap is None else float(res.gap)),
        }

    curve_rows = [curve_point(i) for i in range(cur.counts.size)]
    p.check()
    needed = next((r["sites"] for r in curve_rows if r["share_covered"] >= target - 1e-12), None)
    curve = pd.DataFrame(curve_rows)
    if needed is None:
        messages.append(
            Message(
                "reuse.target_unreachable",
                n=len(sites),
                share=float(curve["share_covered"].iloc[-1]),
                minutes=float(max_minutes),
                target=float(target),
            )
        )
    else:
        messages.append(
            Message("reuse.needed", n=int(needed), target=float(target), minutes=float(max_minutes))
        )

    p(0.7, "allocation and figures")
    Topen = T[:, open_]
    j_local = np.argmin(np.where(np.isfinite(Topen), Topen, np.inf), axis=1)
    nearest_min = Topen[np.arange(len(dem)), j_local]
    j_site = open_[j_local]
    served = np.isfinite(nearest_min)
    dist_km = D[np.arange(len(dem)), j_site]
    sel = sites.iloc[open_].copy().reset_index(drop=True)
    sel["facility_type"] = "reuse_centre"
    sel["kommunenummer"] = kommune_of(sel, kom).to_numpy()
    served_pop = np.bincount(j_local[served], weights=pop[served], minlength=len(open_))
    within_pop = np.bincount(
        j_local[served & (nearest_min <= max_minutes)],
        weights=pop[served & (nearest_min <= max_minutes)],
        minlength=len(open_),
    )
    sel["population_served"] = served_pop
    sel["population_within_cutoff"] = within_pop
    sel["share_within_cutoff"] = np.where(served_pop > 0, within_pop / np.maximum(served_pop, 1e-300), np.nan)
    sel = sel[
        [
            "id",
            "name",
            "facility_type",
            "kommunenummer",
            "existing",
            "population_served",
            "population_within_cutoff",
            "share_within_cutoff",
            "geometry",
        ]
    ]
    sel = gpd.GeoDataFrame(sel, geometry="geometry", crs=dem.crs)

    src_ids = ids_of(dem, "cell", prefer=_DEMAND_IDS)
    dxy = np.column_stack([dem_pts.geometry.x.to_numpy(), dem_pts.geometry.y.to_numpy()])
    sxy = np.column_stack([sel.geometry.x.to_numpy(), sel.geometry.y.to_numpy()])
    idx = np.flatnonzero(served)
    alloc = gpd.GeoDataFrame(
        {
            "source_id": src_ids.to_numpy()[idx],
            "site_id": sel["id"].to_numpy()[j_local[idx]],
            "facility_type": "reuse_centre",
            "kind": "population",
            "quantity": pop[idx],
            "unit": "people",
            "distance_km": dist_km[idx],
            "travel_min": nearest_min[idx],
            "within_cutoff": nearest_min[idx] <= max_minutes,
        },
        geometry=[line(tuple(dxy[i]), tuple(sxy[j_local[i]])) for i in idx],
        crs=dem.crs,
    )

    p(0.8, "service areas")
    bands = [
        parameter("reuse.band1_minutes", params),
        parameter("reuse.band2_minutes", params),
        parameter("reuse.band3_minutes", params),
    ]
    sa_minutes = sorted(set(bands) | {max_minutes})
    sa = _service_areas(graph, sel["id"].astype(str).tolist(), site_snap, open_, sa_minutes, messages)

    p(0.9, "per kommune")
    groups = kommune_of(dem, kom)
    band_list = sorted(set(bands) | {max_minutes})
    by_k = coverage_table(nearest_min, pop, groups, band_list)
    names = kommune_names(kom)
    by_k.insert(1, "kommunenavn", [names.get(str(c), "") for c in by_k["kommunenummer"]])
    main_site = pd.DataFrame({"k": groups.to_numpy(), "site": sel["id"].to_numpy()[j_local], "pop": pop})
    main_site = main_site[served].groupby(["k", "site"])["pop"].sum().reset_index()
    main_site = main_site.sort_values(["k", "pop"], ascending=[True, False]).drop_duplicates("k")
    by_k["main_site"] = by_k["kommunenummer"].map(dict(zip(main_site["k"], main_site["site"], strict=True)))
    by_k["sites_in_kommune"] = (
        by_k["kommunenummer"].map(sel.groupby("kommunenummer").size()).fillna(0).astype(int)
    )

    cat = np.where(
        np.isfinite(nearest_min),
        np.where(nearest_min <= max_minutes, "served_within_limit", "served_beyond_limit"),
        "unreachable_no_site_on_part",
    ).astype(object)
    reasons = snap_reasons(dem_snap)
    unsnapped = reasons != ""
    cat[unsnapped] = [reason_category(r) for r in reasons[unsnapped]]
    bal.add_many(["population"] * len(pop), cat, pop)
    note_parts(bal, ["population"] * len(pop), cat, dem_snap)
    balance = bal.table()
    limit_key = "max_minutes" if max_minutes_given else "reuse.max_minutes"
    headline = balance_headline(balance, limits={"served_beyond_limit": f"{max_minutes:g} min, {limit_key}"})
    covered_pop = float(pop[nearest_min <= max_minutes].sum())
    fin = np.isfinite(nearest_min)
    summary: dict[str, Any] = {
        "workflow": f"reuse_centres ({objective})",
        "balance_headline": headline,
        "sites": len(sel),
        "sites_existing": int(sel["existing"].sum()),
        "sites_new": int((~sel["existing"]).sum()),
        "population": total_pop,
        "population_covered": covered_pop,
        "share_covered": covered_pop / total_pop,
        "mean_minutes": float(np.average(nearest_min[fin], weights=pop[fin])),
        "max_minutes": max_minutes,
        "centres_for_target": needed if needed is not None else -1,
        "objective": float(res.objective),
        "gap": float(res.gap) if res.gap is not None else float("nan"),
    }
    for _, s in sel.iterrows():
        messages.append(
            Message(
                "reuse.site",
                name=str(s["name"]),
                id=str(s["id"]),
                why=Message("station.existing" if s["existing"] else "station.new"),
                people=float(s["population_served"]),
                share=float(s["share_within_cutoff"]),
                minutes=float(max_minutes),
            )
        )
    messages += [model_note(m) for m in getattr(res, "messages", ())]
    messages = [*headline, *messages]
    p(1.0, "done")
    return WorkflowResult(
        layers={"selected_sites": sel, "allocation": alloc, "service_areas": sa},
        tables={
            "by_kommune": by_k,
            "coverage_curve": curve,
            "excluded": site_set.excluded,
            "balance": balance,
            "parts": parts_table(graph, dem_snap, pop, np.asarray(site_snap.part)[open_], name="people"),
        },
        summary=summary,
        status=status,
        messages=messages,
    )
