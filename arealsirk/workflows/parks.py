"""Circular industrial parks (sirkulære næringsparker): score candidate areas, pick sites, show matches.

A candidate area (zoned business/industrial land) is scored on five criteria
with :func:`arealsirk.scoring.score_candidates` (weighted linear combination,
one ``score_<criterion>`` column each, so every total can be explained):

``symbiosis``
    Net saving (NOK/yr) of the symbiosis matches (:func:`~arealsirk.workflows.symbiosis_matches`
    on all flows) that the area could host: a match counts fully when both the
    supplier and the consumer lie within ``parks.flow_radius_km`` of the area
    (or in it, by ``zone_id``), half when one of them does; a match between two firms with the
    same ``zone_id`` counts only for that zone, when it is a candidate.  Linear min-max.
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
selected; the matches they host are returned, each credited to exactly one selected park (the
one with more of its ends within reach, then more ends inside the park's zone, then the better
rank), so the parks' ``saving_nok`` add up to the summary's saving with nothing counted twice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
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
    import pandas as pd

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


@dataclass
class _Inputs:
    """Validated inputs of one park siting run (phase 1)."""

    cand: gpd.GeoDataFrame
    flows: gpd.GeoDataFrame
    kommuner: gpd.GeoDataFrame | None
    stations: gpd.GeoDataFrame | None
    count: int
    radius_km: float
    max_heat_km: float
    max_km: float
    params: dict[str, Any]
    excluded: pd.DataFrame
    messages: list[Any] = field(default_factory=list)


@dataclass
class _Prepared:
    """Symbiosis matches and what each candidate could host (phase 2)."""

    matches: gpd.GeoDataFrame
    balance: pd.DataFrame
    near: np.ndarray  # candidates x flows
    sym: np.ndarray  # NOK/yr each candidate could host
    n_flows: np.ndarray
    hosted: list[list[int]]  # per candidate, the matches it could host
    ends: np.ndarray  # candidates x matches: 0, 1 or 2 ends within reach (2 only for a shared zone)
    zone_ends: np.ndarray  # candidates x matches: ends whose zone_id is the candidate
    area: np.ndarray


@dataclass
class _Scored:
    """Scored candidates with their rank robustness (phase 3)."""

    scored: gpd.GeoDataFrame
    crits: list[Any]
    names: list[str]
    weights_used: dict[str, float]
    sens_table: pd.DataFrame
    n_runs: int
    top_k: int
    spread: float


def _validate(
    candidates: Any,
    flows: Any,
    *,
    count: int | None,
    stations: Any,
    kommuner: Any,
    exclusions: Any,
    max_heat_km: float | None,
    max_km: float | None,
    parameters: Mapping[str, Any] | None,
) -> _Inputs:
    """Phase 1: check every input and option, and drop the excluded candidates."""
    params = check_parameters(parameters)
    n_parks = int(check_number(
        count if count is not None else parameter("parks.count", params), "count", minimum=1, integer=True
    ))
    radius_km = parameter("parks.flow_radius_km", params)
    max_heat_km = check_number(
        max_heat_km if max_heat_km is not None else parameter("symbiosis.max_heat_km", params),
        "max_heat_km",
        minimum=0,
    )
    max_km = check_number(
        max_km if max_km is not None else parameter("symbiosis.max_km", params), "max_km", minimum=0
    )
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
    cand, excluded = exclude_candidates(cand, exclusions, parameters=params)
    messages: list[Any] = list(excluded_messages(excluded))
    if not len(cand):
        raise InputError("candidates: every candidate lies inside an exclusion")
    if n_parks > len(cand):
        raise InputError(f"count={n_parks} but only {len(cand)} candidate area(s) are available")
    return _Inputs(
        cand=cand,
        flows=f,
        kommuner=kom,
        stations=st,
        count=n_parks,
        radius_km=float(radius_km),
        max_heat_km=float(max_heat_km),
        max_km=float(max_km),
        params=params,
        excluded=excluded,
        messages=messages,
    )


def _prepare(inp: _Inputs, roads: Any, p: Progress) -> _Prepared:
    """Phase 2: match all flows, and find which matches and flows each candidate could host."""
    import pandas as pd
    import shapely

    graph = as_graph(roads) if roads is not None else None  # built once, used for road distances
    matches, balance, m_msgs, _ = match_flows(
        inp.flows,
        roads=graph,
        max_heat_km=inp.max_heat_km,
        max_km=inp.max_km,
        parameters=inp.params,
        progress=p.sub(0.05, 0.5),
    )
    inp.messages += [Message("parks.symbiosis_note", note=m) for m in m_msgs]
    if not len(matches):
        inp.messages.append(Message("parks.no_match"))
    cand, f = inp.cand, inp.flows
    fpos = {k: i for i, k in enumerate(f["id"].astype(str).to_numpy())}
    near = shapely.distance(cand.geometry.to_numpy()[:, None], f.geometry.to_numpy()[None, :])
    near = near <= inp.radius_km * 1000.0  # candidates x flows
    cid = cand["id"].astype(str).to_numpy()
    in_zone = np.zeros_like(near)
    zone = None
    if "zone_id" in f.columns:
        zone = f["zone_id"].astype(str).to_numpy()
        in_zone = cid[:, None] == zone[None, :]
        near |= in_zone
    cpos = {c: j for j, c in enumerate(cid)}
    sym = np.zeros(len(cand))
    ends = np.zeros((len(cand), len(matches)), dtype=np.int8)  # match ends within reach
    zone_ends = np.zeros_like(ends)  # match ends inside the candidate (zone_id)
    for k, m in enumerate(matches.itertuples(index=False)):
        s, c = fpos[m.supplier_id], fpos[m.consumer_id]
        if zone is not None and zone[s] == zone[c] and zone[s] in cpos:
            # both firms already share a candidate zone: the match is that zone's, and only its
            ends[cpos[zone[s]], k] = zone_ends[cpos[zone[s]], k] = 2
        else:
            ends[:, k] = near[:, s].astype(np.int8) + near[:, c]
            zone_ends[:, k] = in_zone[:, s].astype(np.int8) + in_zone[:, c]
        sym += 0.5 * ends[:, k] * m.saving
    hosted = [[int(j) for j in np.flatnonzero(row)] for row in ends]
    if "area_ha" in cand.columns:
        area = pd.to_numeric(cand["area_ha"], errors="coerce").to_numpy(dtype=float)
        area = np.where(np.isfinite(area), area, cand.geometry.area.to_numpy() / 1e4)
    else:
        area = cand.geometry.area.to_numpy() / 1e4
    return _Prepared(
        matches=matches,
        balance=balance,
        near=near,
        sym=sym,
        n_flows=near.sum(axis=1).astype(float),
        hosted=hosted,
        ends=ends,
        zone_ends=zone_ends,
        area=area,
    )


def _criteria(inp: _Inputs, prep: _Prepared, roads: Any, ports: Any) -> list[Any]:
    """The criteria of phase 3; a missing rail layer is noted."""
    from .. import scoring

    params = inp.params
    crits = [
        scoring.precomputed(
            "symbiosis", prep.sym, better="high", unit="NOK/yr", label="Symbiosis saving that could be hosted"
        ),
        scoring.precomputed(
            "flows", prep.n_flows, better="high", unit="flows", label=f"Flows within {inp.radius_km:g} km"
        ),
    ]
    access = []
    if inp.stations is not None:
        access.append(("rail", inp.stations, "parks.rail_zero_km", "Distance to rail station"))
    else:
        inp.messages.append(Message("parks.no_rail"))
    if ports is not None:
        pt = validate_layer(ports, name="ports", geometry=["point", "polygon"])
        access.append(("port", pt, "parks.port_zero_km", "Distance to port"))
    main = _main_roads(roads)
    if main is not None:
        access.append(("road", main, "parks.road_zero_km", "Distance to main road"))
    for name, layer, key, label in access:
        zero_m = parameter(key, params) * 1e3
        crits.append(
            scoring.distance_to(
                name, layer, better="near", transform=scoring.FuzzyLinear(0.0, zero_m), label=label
            )
        )
    crits.append(
        scoring.precomputed(
            "land",
            prep.area,
            better="high",
            transform=scoring.FuzzyLinear(0.0, parameter("parks.land_full_ha", params)),
            unit="ha",
            label="Available land",
        )
    )
    return crits


def _score(
    inp: _Inputs, prep: _Prepared, *, roads: Any, ports: Any, weights: Any, seed: int, p: Progress
) -> _Scored:
    """Phase 3: score every candidate on the criteria and measure its rank robustness."""
    from .. import scoring

    params = inp.params
    crits = _criteria(inp, prep, roads, ports)
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
    scored = scoring.score_candidates(inp.cand, crits, weights=w, progress=p.sub(0.55, 0.85))
    scored["facility_type"] = "industrial_park"
    scored["kommunenummer"] = kommune_of(inp.cand, inp.kommuner).to_numpy()
    if "name" not in scored.columns:
        scored["name"] = scored["id"].astype(str)
    scored["area_ha"] = prep.area
    weights_used = scoring.normalise_weights(w, names)

    p(0.87, "rank sensitivity to the weights")
    runs_key = "suitability.sensitivity_runs"
    n_runs = int(check_number(parameter(runs_key, params), runs_key, minimum=1, integer=True))
    top_k_key, spread_key = "suitability.sensitivity_top_k", "suitability.sensitivity_spread"
    top_k = int(check_number(parameter(top_k_key, params), top_k_key, minimum=1, integer=True))
    top_k = min(top_k, len(scored))
    spread = check_number(parameter(spread_key, params), spread_key, minimum=0.0, maximum=1.0)
    sens = scoring.sensitivity(scored, weights_used, n=n_runs, spread=spread, top_k=top_k, seed=int(seed))
    scored = scoring.attach_sensitivity(scored, sens)
    scored["sensitivity_runs"] = n_runs
    sens_table = sens.reset_index()
    names_of = dict(zip(scored["id"], scored["name"].astype(str), strict=True))
    sens_table.insert(1, "name", sens_table["id"].map(names_of))
    sens_table.attrs.update(sens.attrs)
    return _Scored(
        scored=scored,
        crits=crits,
        names=names,
        weights_used=weights_used,
        sens_table=sens_table,
        n_runs=n_runs,
        top_k=top_k,
        spread=float(sens.attrs["spread"]),
    )


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
    kommuner
        Kommune polygons for the per-kommune table (the candidates' own ``kommunenummer`` wins).
    exclusions
        Where no new site may be: an :class:`~arealsirk.constraints.Exclusions` (protected areas,
        lakes, settlements with their buffer rows, a DEM for the slope limit, other polygons) or a
        polygon layer (read as ``other``); removed candidates are listed in ``tables["excluded"]``.
    max_heat_km, max_km
        Longest excess-heat pipe and longest by-product haul of the symbiosis matches
        (``symbiosis.max_heat_km``, ``symbiosis.max_km``; see
        :func:`~arealsirk.workflows.symbiosis_matches`).
    parameters
        Overrides of defaults-table keys (``parks.*``, ``symbiosis.*``, ``suitability.*``).
    sensitivity_seed
        Seed of the Monte Carlo weight perturbation (:func:`arealsirk.scoring.sensitivity`;
        runs, spread and top k from ``suitability.sensitivity_runs``, ``_spread``, ``_top_k``,
        overridable through ``parameters``).  The result is deterministic for a seed.
    progress, is_cancelled
        ``progress(fraction, message)`` is called as the stages finish; ``is_cancelled()``
        returning true stops the run with :class:`~arealsirk.errors.CancelledError`.

    Returns
    -------
    WorkflowResult
        layers ``candidates`` (score_<criterion>, score_total, rank, and the rank robustness
        ``top_k_share``, ``rank_min``, ``rank_max``, ``rank_median``, ``sensitivity_top_k``,
        ``sensitivity_runs``), ``selected_sites`` (facility_type "industrial_park"; ``matches`` and
        ``saving_nok`` credited to the park, each hosted match to one park only, and
        ``saving_potential_nok``, the symbiosis criterion's figure for the park alone), ``matches``
        (hosted by the selected parks, ``site_id`` the park credited); tables ``criteria``
        (weights), ``sensitivity`` (one row per candidate: base_rank, top_k_share,
        rank_min/max/median/p05/p95) and ``by_kommune``.

    Notes
    -----
    Rank robustness: each of ``n`` runs multiplies every weight by an independent
    factor from :math:`U[1 - s, 1 + s]`, renormalises and re-ranks (Chen, Yu & Khan 2010,
    Environ. Model. Softw. 25:1582-1591); ``top_k_share`` is the share of runs in which
    the candidate ranks within the top ``k``.
    """
    p = Progress(progress, is_cancelled)
    p(0.0, "checking inputs")
    inp = _validate(
        candidates,
        flows,
        count=count,
        stations=stations,
        kommuner=kommuner,
        exclusions=exclusions,
        max_heat_km=max_heat_km,
        max_km=max_km,
        parameters=parameters,
    )
    p(0.05, "symbiosis matches between all flows")
    prep = _prepare(inp, roads, p)
    p(0.55, "scoring candidate areas")
    sc = _score(inp, prep, roads=roads, ports=ports, weights=weights, seed=sensitivity_seed, p=p)
    p(0.9, "selecting parks")
    chosen, sel, hosted_matches = _select(inp, prep, sc)
    messages = [*inp.messages, *_explain(sc, chosen, sel)]
    p(1.0, "done")
    return _result(inp, prep, sc, sel, hosted_matches, messages)


def _select(
    inp: _Inputs, prep: _Prepared, sc: _Scored
) -> tuple[np.ndarray, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Phase 4: the ``count`` best-ranked candidates and the matches they host.

    Returns ``(chosen, selected_sites, hosted_matches)``; ``chosen`` are candidate positions in rank order.
    """
    import geopandas as gpd

    scored = sc.scored
    order = np.lexsort((scored["id"].astype(str).to_numpy(), scored["rank"].to_numpy()))
    chosen = order[: inp.count]
    host_idx = sorted({k for j in chosen for k in prep.hosted[j]})
    hosted_matches = prep.matches.iloc[host_idx].reset_index(drop=True)
    # each hosted match is credited to one selected park, so no saving is counted twice: the park with
    # more of its ends within reach, then more ends inside the park's own zone, then the better rank
    credit = np.zeros(len(chosen))
    credited: list[list[int]] = [[] for _ in chosen]
    park_of = []
    for k in host_idx:
        keys = [(prep.ends[j, k], prep.zone_ends[j, k], -pos) for pos, j in enumerate(chosen)]
        pos = -max(keys)[2]
        credited[pos].append(k)
        credit[pos] += float(prep.matches["saving"].iloc[k])
        park_of.append(str(scored["id"].iloc[chosen[pos]]))
    hosted_matches["site_id"] = park_of
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
            "area_ha": prep.area[chosen],
            "saving_nok": credit,
            "matches": np.array([len(c) for c in credited], dtype=int),
            "saving_potential_nok": prep.sym[chosen],
            "flows_nearby": prep.n_flows[chosen].astype(int),
        },
        geometry=pts.geometry.to_numpy(),
        crs=inp.cand.crs,
    )
    return chosen, sel, hosted_matches


def _explain(sc: _Scored, chosen: np.ndarray, sel: gpd.GeoDataFrame) -> list[Any]:
    """Phase 5: one message per selected park (its scores and the matches credited to it) and the
    robustness of the ranking."""
    out: list[Any] = []
    for pos, j in enumerate(chosen):
        r = sc.scored.iloc[j]
        out.append(
            Message(
                "parks.park",
                id=str(r["id"]),
                name=str(r["name"]),
                rank=int(r["rank"]),
                total=float(r["score_total"]),
                scores=[(c, float(r[f"score_{c}"])) for c in sc.names],
                n=int(sel["matches"].iloc[pos]),
                nok=float(sel["saving_nok"].iloc[pos]),
            )
        )
    out.append(_sensitivity_message(sc.sens_table, n=sc.n_runs, spread=sc.spread, k=sc.top_k))
    return out


def _result(
    inp: _Inputs,
    prep: _Prepared,
    sc: _Scored,
    sel: gpd.GeoDataFrame,
    hosted_matches: gpd.GeoDataFrame,
    messages: list[Any],
) -> WorkflowResult:
    """Phase 6: the layers, tables, summary and balance headline of the answer."""
    import pandas as pd

    scored = sc.scored
    crit_table = pd.DataFrame(
        {
            "criterion": sc.names,
            "weight": [sc.weights_used[n] for n in sc.names],
            "label": [c.label for c in sc.crits],
            "unit": [c.unit for c in sc.crits],
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
    flows_bal = flow_balance("parks", prep.balance)
    headline = balance_headline(flows_bal)
    summary: dict[str, Any] = {
        "workflow": "industrial_parks",
        "balance_headline": headline,
        "sites": len(sel),
        "matches": len(hosted_matches),
        "saving_nok": float(hosted_matches["saving"].sum()) if len(hosted_matches) else 0.0,
        "matched_heat_gwh": float(hosted_matches.loc[hosted_matches["unit"] == "GWh/yr", "quantity"].sum()),
    }
    return WorkflowResult(
        layers={"candidates": scored, "selected_sites": sel, "matches": hosted_matches},
        tables={
            "criteria": crit_table,
            "sensitivity": sc.sens_table,
            "by_kommune": by_k,
            "flow_balance": prep.balance,
            "excluded": inp.excluded,
            "balance": flows_bal,
        },
        summary=summary,
        status="optimal",
        messages=[*headline, *messages],
    )
