"""Circular industrial parks (sirkulære næringsparker): score candidate areas, pick sites, show matches.

A candidate area (zoned business/industrial land) is scored on five criteria
with :func:`arealsirk.scoring.score_candidates` (weighted linear combination,
one ``score_<criterion>`` column each, so every total can be explained):

``symbiosis``
    Net saving (NOK/yr) of the symbiosis matches (:func:`~arealsirk.workflows.symbiosis_matches`
    on all flows) that the area could host: a match counts fully when both the
    supplier and the consumer lie within ``parks.flow_radius_km`` of the area
    (or in it, by ``zone_id``), half when one of them does.  Linear min-max.
``flows``
    Number of supply/demand flows within ``parks.flow_radius_km`` (shared logistics).
``rail``
    Straight-line distance to the nearest rail station, 1 at 0 km to 0 at ``parks.rail_zero_km``.
``port``
    Straight-line distance to the nearest port (only when ``ports`` are given), 1 at 0 km to 0
    at ``parks.port_zero_km``.
``road``
    Distance to the nearest main road (vegkategori E or R), 1 at 0 km to 0 at ``parks.road_zero_km``.
``land``
    Available land ``area_ha`` (or the polygon area), 0 at 0 ha to 1 at ``parks.land_full_ha``.

Weights default to ``parks.weight_<criterion>`` and may be given as a mapping
or an :class:`arealsirk.scoring.AHPResult`.  The ``count`` best-ranked areas are
selected; the matches they host are returned.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .._validate import check_number, validate_layer
from ..constraints import exclude_candidates
from ..errors import InputError
from ..progress import Progress
from ..resources import check_parameters, parameter
from ._balance import balance_headline, flow_balance
from ._common import as_graph, clean_kommuner, excluded_messages, is_graph, kommune_of, points_of
from ._messages import Message
from ._result import WorkflowResult
from .symbiosis import match_flows

if TYPE_CHECKING:
    import geopandas as gpd

    from ..constraints import Exclusions

log = logging.getLogger("arealsirk")

__all__ = ["PARK_CRITERIA", "site_industrial_parks"]

PARK_CRITERIA = ("symbiosis", "flows", "rail", "port", "road", "land")


def _main_roads(roads: Any) -> gpd.GeoDataFrame | None:
    if roads is None:
        return None
    if is_graph(roads):
        from ..network import graph_to_gdfs

        _, edges = graph_to_gdfs(roads)
        lines = edges
    else:
        lines = validate_layer(roads, name="roads", geometry="line")
    if "vegkategori" not in lines.columns:
        log.info("roads have no 'vegkategori' column: every road counts as a main road")
        return lines
    main = lines[lines["vegkategori"].astype(str).str.upper().isin(["E", "R"])]
    if not len(main):
        log.info("no E or R roads: every road counts as a main road")
        return lines
    return main


def _sensitivity_message(table: Any, *, n: int, spread: float, k: int) -> Message:
    """One explanation: the candidates in the top ``k`` in most (> 50 %) of the weightings."""
    stable = table[table["top_k_share"] > 0.5]
    stable = stable.sort_values(["top_k_share", "base_rank"], ascending=[False, True])
    if not len(stable):
        return Message("parks.sensitivity_none", n=n, spread=spread, k=k)
    items: Any = ""
    rows = list(stable.itertuples(index=False))
    for pos in range(len(rows) - 1, -1, -1):  # nested from the last, so the list renders in one language
        r = rows[pos]
        lo, hi = int(r.rank_min), int(r.rank_max)
        name = str(r.name) if str(r.name) not in ("", "nan", "None") else str(r.id)
        key = "parks.sensitivity_item_fixed" if lo == hi else "parks.sensitivity_item"
        extra = {} if lo == hi else {"hi": hi}
        share = float(r.top_k_share)
        items = Message(key, sep=", " if pos else "", name=name, share=share, lo=lo, more=items, **extra)
    return Message("parks.sensitivity", n=n, spread=spread, k=k, items=items)


def site_industrial_parks(
    candidates: gpd.GeoDataFrame,
    flows: gpd.GeoDataFrame,
    roads: Any,
    *,
    count: int | None = None,
    stations: gpd.GeoDataFrame | None = None,
    ports: gpd.GeoDataFrame | None = None,
    weights: Any = None,
    kommuner: gpd.GeoDataFrame | None = None,
    exclusions: Exclusions | gpd.GeoDataFrame | None = None,
    max_heat_km: float | None = None,
    max_km: float | None = None,
    parameters: Mapping[str, Any] | None = None,
    sensitivity_seed: int = 0,
    progress: Any = None,
    is_cancelled: Any = None,
) -> WorkflowResult:
    """Score candidate areas for circular industrial parks and select the best ``count``.

    Parameters
    ----------
    candidates
        Polygons (or points) of candidate land with ``id`` (``name``, ``area_ha``,
        ``kommunenummer`` used when present).
    flows
        Supply/demand flows of firms (see :func:`~arealsirk.workflows.symbiosis_matches`).
    roads
        Road lines (or a graph): main-road access and road distances of material matches.
    count
        Number of parks to select, default ``parks.count``.
    stations
        Rail stations (points); without them the rail criterion is left out (noted).
    ports
        Ports or quays (points/polygons); without them there is no port criterion (inland regions).
    weights
        Mapping criterion -> weight (criteria: symbiosis, flows, rail, road, land) or an AHPResult.
    exclusions
        Where no new site may be: an :class:`~arealsirk.constraints.Exclusions` (protected areas,
        lakes, settlements with their buffer rows, a DEM for the slope limit, other polygons) or a
        polygon layer (read as ``other``); removed candidates are listed in ``tables["excluded"]``.
    sensitivity_seed
        Seed of the Monte Carlo weight perturbation (:func:`arealsirk.scoring.sensitivity`;
        runs, spread and top k from ``suitability.sensitivity_runs``, ``_spread``, ``_top_k``,
        overridable through ``parameters``).  The result is deterministic for a seed.

    Returns
    -------
    WorkflowResult
        layers ``candidates`` (score_<criterion>, score_total, rank, and the rank robustness
        ``top_k_share``, ``rank_min``, ``rank_max``, ``rank_median``, ``sensitivity_top_k``,
        ``sensitivity_runs``), ``selected_sites`` (facility_type "industrial_park"), ``matches``
        (hosted by the selected parks); tables ``criteria`` (weights), ``sensitivity`` (one row per
        candidate: base_rank, top_k_share, rank_min/max/median/p05/p95) and ``by_kommune``.

    Notes
    -----
    Rank robustness: each of ``n`` runs multiplies every weight by an independent
    factor from :math:`U[1 - s, 1 + s]`, renormalises and re-ranks (Chen, Yu & Khan 2010,
    Environ. Model. Softw. 25:1582-1591); ``top_k_share`` is the share of runs in which
    the candidate ranks within the top ``k``.
    """
    import geopandas as gpd
    import pandas as pd

    from .. import scoring

    p = Progress(progress, is_cancelled)
    params = check_parameters(parameters)
    count = check_number(
        count if count is not None else parameter("parks.count", params), "count", minimum=1, integer=True
    )
    radius_km = parameter("parks.flow_radius_km", params)
    max_heat_km = check_number(
        max_heat_km if max_heat_km is not None else parameter("symbiosis.max_heat_km", params),
        "max_heat_km",
        minimum=0,
    )
    max_km = check_number(
        max_km if max_km is not None else parameter("symbiosis.max_km", params), "max_km", minimum=0
    )
    p(0.0, "checking inputs")
    cand = validate_layer(
        candidates, name="candidates", geometry=["point", "polygon"], columns=("id",), id_column="id"
    )
    f = validate_layer(
        flows,
        name="flows",
        geometry=["point", "polygon"],
        columns=("id", "role", "kind"),
        numeric=("quantity",),
        id_column="id",
    )
    f = points_of(f)
    kom = clean_kommuner(kommuner)
    st = (
        validate_layer(stations, name="stations", geometry=["point", "polygon"])
        if stations is not None
        else None
    )
    messages: list[str] = []
    cand, excluded = exclude_candidates(cand, exclusions, parameters=params)
    messages += excluded_messages(excluded)
    if not len(cand):
        raise InputError("candidates: every candidate lies inside an exclusion")
    if count > len(cand):
        raise InputError(f"count={count} but only {len(cand)} candidate area(s) are available")

    p(0.05, "symbiosis matches between all flows")
    graph = as_graph(roads) if roads is not None else None  # built once, used for road distances
    matches, balance, m_msgs, _ = match_flows(
        f, roads=graph, max_heat_km=max_heat_km, max_km=max_km, parameters=params, progress=p.sub(0.05, 0.5)
    )
    messages += [Message("parks.symbiosis_note", note=m) for m in m_msgs]
    if not len(matches):
        messages.append(Message("parks.no_match"))

    # which matches each candidate could host
    r_m = radius_km * 1000.0
    fid = f["id"].astype(str).to_numpy()
    fpos = {k: i for i, k in enumerate(fid)}
    geoms = cand.geometry.to_numpy()
    import shapely

    fgeo = f.geometry.to_numpy()
    near = shapely.distance(geoms[:, None], fgeo[None, :]) <= r_m  # candidates x flows
    if "zone_id" in f.columns:
        zone = f["zone_id"].astype(str).to_numpy()
        near |= cand["id"].astype(str).to_numpy()[:, None] == zone[None, :]
    sym = np.zeros(len(cand))
    hosted: list[list[int]] = [[] for _ in range(len(cand))]
    for k, m in enumerate(matches.itertuples(index=False)):
        a, b = near[:, fpos[m.supplier_id]], near[:, fpos[m.consumer_id]]
        share = 0.5 * a + 0.5 * b
        sym += share * m.saving
        for j in np.flatnonzero(a | b):
            hosted[j].append(k)
    n_flows = near.sum(axis=1).astype(float)

    p(0.55, "scoring candidate areas")
    if "area_ha" in cand.columns:
        area = pd.to_numeric(cand["area_ha"], errors="coerce").to_numpy(dtype=float)
        area = np.where(np.isfinite(area), area, cand.geometry.area.to_numpy() / 1e4)
    else:
        area = cand.geometry.area.to_numpy() / 1e4
    crits = [
        scoring.precomputed(
            "symbiosis", sym, better="high", unit="NOK/yr", label="Symbiosis saving that could be hosted"
        ),
        scoring.precomputed(
            "flows", n_flows, better="high", unit="flows", label=f"Flows within {radius_km:g} km"
        ),
    ]
    if st is not None:
        crits.append(
            scoring.distance_to(
                "rail",
                st,
                better="near",
                transform=scoring.FuzzyLinear(0.0, parameter("parks.rail_zero_km", params) * 1e3),
                label="Distance to rail station",
            )
        )
    else:
        messages.append(Message("parks.no_rail"))
    if ports is not None:
        pt = validate_layer(ports, name="ports", geometry=["point", "polygon"])
        crits.append(
            scoring.distance_to(
                "port",
                pt,
                better="near",
                transform=scoring.FuzzyLinear(0.0, parameter("parks.port_zero_km", params) * 1e3),
                label="Distance to port",
            )
        )
    main = _main_roads(roads)
    if main is not None:
        crits.append(
            scoring.distance_to(
                "road",
                main,
                better="near",
                transform=scoring.FuzzyLinear(0.0, parameter("parks.road_zero_km", params) * 1e3),
                label="Distance to main road",
            )
        )
    crits.append(
        scoring.precomputed(
            "land",
            area,
            better="high",
            transform=scoring.FuzzyLinear(0.0, parameter("parks.land_full_ha", params)),
            unit="ha",
            label="Available land",
        )
    )
    names = [c.name for c in crits]
    if weights is None:
        w: Any = {n: parameter(f"parks.weight_{n}", params) for n in names}
    elif isinstance(weights, Mapping):
        unknown = [k for k in weights if k not in PARK_CRITERIA]
        if unknown:
            raise InputError(
                f"weights: unknown criterion '{unknown[0]}'; criteria are {', '.join(PARK_CRITERIA)}"
            )
        w = {n: float(weights.get(n, 0.0)) for n in names}
    else:
        w = weights
    scored = scoring.score_candidates(cand, crits, weights=w, progress=p.sub(0.55, 0.85))
    scored["facility_type"] = "industrial_park"
    scored["kommunenummer"] = kommune_of(cand, kom).to_numpy()
    if "name" not in scored.columns:
        scored["name"] = scored["id"].astype(str)
    scored["area_ha"] = area
    weights_used = scoring.normalise_weights(w, names)

    p(0.87, "rank sensitivity to the weights")
    n_runs = int(
        check_number(
            parameter("suitability.sensitivity_runs", params),
            "suitability.sensitivity_runs",
            minimum=1,
            integer=True,
        )
    )
    top_k_key, spread_key = "suitability.sensitivity_top_k", "suitability.sensitivity_spread"
    top_k = int(check_number(parameter(top_k_key, params), top_k_key, minimum=1, integer=True))
    top_k = min(top_k, len(scored))
    spread = check_number(parameter(spread_key, params), spread_key, minimum=0.0, maximum=1.0)
    sens = scoring.sensitivity(
        scored,
        weights_used,
        n=n_runs,
        spread=spread,
        top_k=top_k,
        seed=int(sensitivity_seed),
    )
    scored = scoring.attach_sensitivity(scored, sens)
    scored["sensitivity_runs"] = n_runs
    sens_table = sens.reset_index()
    names_of = dict(zip(scored["id"], scored["name"].astype(str), strict=True))
    sens_table.insert(1, "name", sens_table["id"].map(names_of))
    sens_table.attrs.update(sens.attrs)

    p(0.9, "selecting parks")
    order = np.lexsort((scored["id"].astype(str).to_numpy(), scored["rank"].to_numpy()))
    chosen = order[:count]
    pts = points_of(scored.iloc[chosen])
    sel = gpd.GeoDataFrame(
        {
            "id": scored["id"].iloc[chosen].astype(str).to_numpy(),
            "name": scored["name"].iloc[chosen].astype(str).to_numpy(),
            "facility_type": "industrial_park",
            "kommunenummer": scored["kommunenummer"].iloc[chosen].to_numpy(),
            "existing": False,
            "score_total": scored["score_total"].iloc[chosen].to_numpy(),
            "rank": scored["rank"].iloc[chosen].to_numpy(),
            "area_ha": area[chosen],
            "saving_nok": sym[chosen],
            "flows_nearby": n_flows[chosen].astype(int),
        },
        geometry=pts.geometry.to_numpy(),
        crs=cand.crs,
    )
    host_idx = sorted({k for j in chosen for k in hosted[j]})
    hosted_matches = matches.iloc[host_idx].reset_index(drop=True)
    park_of = []
    for k in host_idx:
        js = [j for j in chosen if k in hosted[j]]
        park_of.append(str(scored["id"].iloc[js[0]]))
    hosted_matches["site_id"] = park_of
    for j in chosen:
        r = scored.iloc[j]
        messages.append(
            Message(
                "parks.park",
                id=str(r["id"]),
                name=str(r["name"]),
                rank=int(r["rank"]),
                total=float(r["score_total"]),
                scores=[(c, float(r[f"score_{c}"])) for c in names],
                n=len(hosted[j]),
                nok=float(sym[j]),
            )
        )
    messages.append(_sensitivity_message(sens_table, n=n_runs, spread=sens.attrs["spread"], k=top_k))
    crit_table = pd.DataFrame(
        {
            "criterion": names,
            "weight": [weights_used[n] for n in names],
            "label": [c.label for c in crits],
            "unit": [c.unit for c in crits],
        }
    )
    by_k = (
        scored.groupby("kommunenummer")
        .agg(candidates=("id", "count"), best_score=("score_total", "max"))
        .reset_index()
    )
    by_k["parks_selected"] = (
        by_k["kommunenummer"].map(sel.groupby("kommunenummer").size()).fillna(0).astype(int)
    )
    flows_bal = flow_balance("parks", balance)
    headline = balance_headline(flows_bal)
    messages = [*headline, *messages]
    summary: dict[str, Any] = {
        "workflow": "industrial_parks",
        "balance_headline": headline,
        "sites": len(sel),
        "matches": len(hosted_matches),
        "saving_nok": float(hosted_matches["saving"].sum()) if len(hosted_matches) else 0.0,
        "matched_heat_gwh": float(hosted_matches.loc[hosted_matches["unit"] == "GWh/yr", "quantity"].sum()),
    }
    p(1.0, "done")
    return WorkflowResult(
        layers={"candidates": scored, "selected_sites": sel, "matches": hosted_matches},
        tables={
            "criteria": crit_table,
            "sensitivity": sens_table,
            "by_kommune": by_k,
            "flow_balance": balance,
            "excluded": excluded,
            "balance": flows_bal,
        },
        summary=summary,
        status="optimal",
        messages=messages,
    )
