"""Industrial symbiosis: match typed supply and demand flows as a min-cost transport problem.

Firms supply excess heat (with its temperature), wood chips, ash, CO2, water and
by-products, and other firms demand them.  :func:`symbiosis_matches` decides how
much each supplier delivers to each consumer so that the total net saving is as
large as possible:

.. math::

    \\max \\sum_{(i,j) \\in A} s_{ij} x_{ij}
    \\quad\\text{s.t.}\\quad \\sum_j x_{ij} \\le S_i,\\; \\sum_i x_{ij} \\le D_j,\\; x_{ij} \\ge 0

which is the transportation problem (Hitchcock 1941) with the value of the
avoided purchase minus the transport cost as the per-unit saving
:math:`s_{ij} = v_k - c_k d_{ij}`.  An arc :math:`(i, j)` exists only when

* the kinds are the same (``excess_heat`` and ``heat`` are one kind) and the
  quantities are in the same physical family (t, GWh, m3);
* heat: the straight-line pipe distance is at most ``max_heat_km`` **and** the
  supplier is at least ``symbiosis.heat_approach_c`` warmer than the consumer
  needs (a consumer never gets heat at a lower temperature than it needs);
  the pipe's annualised cost per GWh is
  :func:`arealsirk.resources.heat_pipe_nok_per_gwh` for the pipe's length and the
  most the pair can exchange, :math:`\\min(S_i, D_j)` (cost grows linearly with
  length and with flow to the power ``symbiosis.heat_pipe_flow_exponent`` < 1);
* materials: the road distance is at most ``max_km``.  Firms at most ``symbiosis.local_km``
  apart (straight line) are neighbours: their distance is the straight line x
  ``resources.road_detour_factor`` when that is shorter than the road distance, whose two
  snap legs to a distant road would otherwise dominate (141 m apart became 3.55 km on a
  national road layer that lacks the industrial area's own roads); ``distance_basis`` says
  which distance a match has ("road", "local" or "pipe" for heat);
* the saving is positive.

Solved with HiGHS through :func:`scipy.optimize.linprog`.  The transportation
problem's constraint matrix is totally unimodular, so with whole-number
quantities the optimal flows are whole numbers too.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .._validate import check_number, validate_layer
from ..errors import InputError, SolverError
from ..progress import Progress
from ..resources import check_parameters, heat_pipe_nok_per_gwh, parameter, to_canonical
from ._balance import balance_headline, flow_balance
from ._common import line, road_km_matrix
from ._messages import Message
from ._result import WorkflowResult

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

log = logging.getLogger("arealsirk")

__all__ = ["KIND_ALIASES", "MATCH_COLUMNS", "match_flows", "symbiosis_matches"]

MATCH_COLUMNS = [
    "supplier_id",
    "consumer_id",
    "supplier_name",
    "consumer_name",
    "kind",
    "quantity",
    "unit",
    "distance_km",
    "saving",
    "saving_per_unit",
    "distance_basis",
]

#: Kind aliases: a supply of excess heat meets a demand for heat (alias -> the kind it matches).
KIND_ALIASES = {"excess_heat": "heat", "waste_heat": "heat", "overskuddsvarme": "heat"}
_HEAT = "heat"


def _canonical_kind(kind: Any) -> str:
    k = str(kind).strip().lower()
    return KIND_ALIASES.get(k, k)


def _value_per_unit(kind: str, parameters: Mapping[str, Any] | None) -> float | None:
    key = f"symbiosis.value_nok_per_unit.{kind}"
    from ..defaults import table

    if (parameters and key in parameters) or table(key):
        return parameter(key, parameters)
    return None


def _local_distances(
    road: np.ndarray, straight: np.ndarray, pairs: np.ndarray, parameters: Mapping[str, Any] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Neighbours' distance: straight line x detour factor where the firms are at most
    ``symbiosis.local_km`` apart and that is shorter than the road distance (with its snap legs).

    Returns ``(distance_km, local)``: the distances to use and where the local one was taken."""
    local_km = check_number(parameter("symbiosis.local_km", parameters), "symbiosis.local_km", minimum=0)
    detour = check_number(
        parameter("resources.road_detour_factor", parameters), "resources.road_detour_factor", minimum=1
    )
    near = straight * detour
    with np.errstate(invalid="ignore"):
        local = pairs & (straight <= local_km) & (near < road)
    return np.where(local, near, road), local


def _prepare_flows(
    flows: gpd.GeoDataFrame, parameters: Mapping[str, Any] | None, messages: list[Any]
) -> tuple[gpd.GeoDataFrame, dict[str, float | None], np.ndarray]:
    """Roles, canonical kinds and quantities, temperatures and values per unit of every flow.

    Returns the flows with ``kind_c``, ``q``, ``cunit``, ``temp``, the value per unit of each kind
    (None: no value, the kind is left out) and which flows can be matched at all."""
    import pandas as pd

    f = flows.copy()
    f["role"] = f["role"].astype(str).str.strip().str.lower()
    bad_role = ~f["role"].isin(["supply", "demand"])
    if bad_role.any():
        raise InputError(
            f"flows, column 'role': values must be 'supply' or 'demand'; found "
            f"{f.loc[bad_role, 'role'].iloc[0]!r}"
        )
    f["kind_c"] = [_canonical_kind(k) for k in f["kind"]]
    units = f["unit"].astype(str) if "unit" in f.columns else pd.Series(["t/yr"] * len(f))
    qty = np.empty(len(f))
    cunit: list[str] = []
    for i, (k, u, q) in enumerate(zip(f["kind_c"], units, f["quantity"], strict=True)):
        kk = "excess_heat" if k == _HEAT else k
        qty[i], cu = to_canonical(float(q), u, kind=kk, context="flows, column 'unit': ")
        cunit.append(cu)
    f["q"] = qty
    f["cunit"] = cunit
    temp = (
        pd.to_numeric(f["temperature_c"], errors="coerce").to_numpy(dtype=float)
        if "temperature_c" in f.columns
        else np.full(len(f), np.nan)
    )
    f["temp"] = temp
    no_temp = (f["kind_c"] == _HEAT) & np.isnan(temp)
    for _, row in f[no_temp].iterrows():
        messages.append(Message("sym.no_temperature", id=str(row["id"])))
    valued = {k: _value_per_unit(k, parameters) for k in set(f["kind_c"])}
    for k, v in valued.items():
        if v is None:
            messages.append(Message("sym.no_value", kind=str(k)))
    usable = ~no_temp & f["kind_c"].map(lambda k: valued[k] is not None).to_numpy()
    return f, valued, usable


def _pairs(
    sup: gpd.GeoDataFrame,
    con: gpd.GeoDataFrame,
    valued: Mapping[str, float | None],
    *,
    roads: Any,
    max_heat_km: float,
    max_km: float,
    parameters: Mapping[str, Any] | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, int]]:
    """The compatible supplier-consumer pairs (the arcs of the transport problem).

    Returns supplier and consumer positions, distance km, saving per unit and distance basis of
    each pair, and the number of pairs left out per reason."""
    approach = parameter("symbiosis.heat_approach_c", parameters)
    truck = parameter("symbiosis.transport_nok_per_tkm", parameters)
    ia = ib = np.zeros(0, dtype=int)
    pd_km = ps = np.zeros(0)
    basis = np.zeros(0, dtype=object)
    reasons = {"kind": 0, "heat_distance": 0, "temperature": 0, "distance": 0, "saving": 0}
    if not (len(sup) and len(con)):
        return ia, ib, pd_km, ps, basis, reasons
    sx, sy = sup.geometry.x.to_numpy(), sup.geometry.y.to_numpy()
    cx, cy = con.geometry.x.to_numpy(), con.geometry.y.to_numpy()
    straight = np.hypot(sx[:, None] - cx[None, :], sy[:, None] - cy[None, :]) / 1000.0
    same_kind = sup["kind_c"].to_numpy()[:, None] == con["kind_c"].to_numpy()[None, :]
    is_heat = (sup["kind_c"].to_numpy() == _HEAT)[:, None] & same_kind
    need_road = same_kind & ~is_heat & (straight <= max_km)
    road = np.full(straight.shape, np.inf)
    if need_road.any():
        road = road_km_matrix(
            roads,
            sup,
            con,
            straight_km=straight,
            parameters=parameters,
            what="flows",
            names=("flows (supply)", "flows (demand)"),
        )
    road, local = _local_distances(road, straight, need_road, parameters)
    kinds_s = sup["kind_c"].to_numpy()
    val = np.array([valued[k] for k in kinds_s], dtype=float)[:, None]
    heat_row = (kinds_s == _HEAT)[:, None]
    ts, tc = sup["temp"].to_numpy()[:, None], con["temp"].to_numpy()[None, :]
    heat_pair = same_kind & heat_row
    mat_pair = same_kind & ~heat_row
    too_far_heat = heat_pair & (straight > max_heat_km)
    with np.errstate(invalid="ignore"):
        too_cold = heat_pair & ~too_far_heat & ~(ts >= tc + approach)
    too_far = mat_pair & ~(road <= max_km)
    ok = (heat_pair & ~too_far_heat & ~too_cold) | (mat_pair & ~too_far)
    dist = np.where(heat_row, straight, road)  # m3 of water counts as a tonne
    # a heat pipe is sized for the most the pair can exchange, min(supply, demand); its annualised
    # cost per GWh grows with length and falls with flow (resources.heat_pipe_nok_per_gwh)
    pair_gwh = np.minimum(sup["q"].to_numpy()[:, None], con["q"].to_numpy()[None, :])
    pipe = np.where(
        heat_pair, heat_pipe_nok_per_gwh(straight, np.where(heat_pair, pair_gwh, 1.0), parameters), np.inf
    )
    with np.errstate(invalid="ignore"):
        saving = val - np.where(heat_row, pipe, truck * road)
        loss = ok & ~(saving > 0)
    ok &= ~loss
    reasons.update(
        kind=int((~same_kind).sum()),
        heat_distance=int(too_far_heat.sum()),
        temperature=int(too_cold.sum()),
        distance=int(too_far.sum()),
        saving=int(loss.sum()),
    )
    ia, ib = np.nonzero(ok)
    basis = np.where(heat_row, "pipe", np.where(local, "local", "road"))[ia, ib]
    return ia, ib, dist[ia, ib], saving[ia, ib], basis, reasons


def _reason_messages(
    reasons: Mapping[str, int], *, max_heat_km: float, max_km: float, parameters: Mapping[str, Any] | None
) -> list[Any]:
    """One message per reason that left pairs out."""
    out: list[Any] = []
    if reasons["heat_distance"]:
        out.append(Message("sym.heat_far", n=reasons["heat_distance"], km=float(max_heat_km)))
    if reasons["temperature"]:
        approach = parameter("symbiosis.heat_approach_c", parameters)
        out.append(Message("sym.too_cold", n=reasons["temperature"], approach=float(approach)))
    if reasons["distance"]:
        out.append(Message("sym.far", n=reasons["distance"], km=float(max_km)))
    if reasons["saving"]:
        out.append(Message("sym.no_saving", n=reasons["saving"]))
    return out


def _solve(
    ia: np.ndarray, ib: np.ndarray, ps: np.ndarray, supply: np.ndarray, demand: np.ndarray
) -> np.ndarray:
    """The transport LP: flow on each pair maximising the saving within supplies and demands (HiGHS)."""
    if not len(ia):
        return np.zeros(0)
    import scipy.sparse as sp
    from scipy.optimize import linprog

    n = len(ia)
    cols = np.arange(n)
    a_ub = sp.csr_matrix(
        (np.ones(2 * n), (np.concatenate([ia, ib + len(supply)]), np.concatenate([cols, cols]))),
        shape=(len(supply) + len(demand), n),
    )
    res = linprog(-ps, A_ub=a_ub, b_ub=np.concatenate([supply, demand]), bounds=(0, None), method="highs")
    if res.status != 0:
        raise SolverError(f"symbiosis transport LP failed: {res.message}")
    return np.where(res.x > 1e-9, res.x, 0.0)


def match_flows(
    flows: gpd.GeoDataFrame,
    *,
    roads: Any = None,
    max_heat_km: float,
    max_km: float,
    parameters: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, list[str], str]:
    """Core of :func:`symbiosis_matches` on an already validated flows layer.

    Parameters
    ----------
    flows
        The validated flows layer (see :func:`symbiosis_matches`), in a metric CRS.
    roads
        Road lines or a prepared graph for material distances, or ``None`` (straight line x
        ``resources.road_detour_factor``).
    max_heat_km, max_km
        Longest heat pipe and longest material transport, km (already checked).
    parameters
        Overrides of defaults-table keys.
    progress
        The caller's :class:`~arealsirk.progress.Progress` stage, or ``None``.

    Returns
    -------
    matches, balance, messages, status
        The matches layer, each flow with its matched and unmatched quantity, the
        explanations (:class:`~arealsirk.workflows.Message`), and the status
        (``"infeasible"`` when no pair can be matched).
    """
    import geopandas as gpd
    import pandas as pd

    p = progress or Progress(None)
    messages: list[Any] = []
    f, valued, usable = _prepare_flows(flows, parameters, messages)
    sup = f[(f["role"] == "supply") & usable]
    con = f[(f["role"] == "demand") & usable]
    p(0.1, "distances between suppliers and consumers")
    ia, ib, pd_km, ps, basis, reasons = _pairs(
        sup, con, valued, roads=roads, max_heat_km=max_heat_km, max_km=max_km, parameters=parameters
    )
    p(0.5, f"{len(ia)} compatible supplier-consumer pairs")
    messages += _reason_messages(reasons, max_heat_km=max_heat_km, max_km=max_km, parameters=parameters)
    x = _solve(ia, ib, ps, sup["q"].to_numpy(), con["q"].to_numpy())
    status = "optimal"
    p(0.8, "writing matches")

    used = x > 0
    a_u, b_u, q_u = ia[used], ib[used], x[used]
    s_names = (sup["name"] if "name" in sup.columns else sup["id"]).astype(str).to_numpy()
    c_names = (con["name"] if "name" in con.columns else con["id"]).astype(str).to_numpy()
    recs = pd.DataFrame(
        {
            "supplier_id": sup["id"].astype(str).to_numpy()[a_u],
            "consumer_id": con["id"].astype(str).to_numpy()[b_u],
            "supplier_name": s_names[a_u],
            "consumer_name": c_names[b_u],
            "kind": sup["kind_c"].to_numpy()[a_u],
            "quantity": q_u,
            "unit": sup["cunit"].to_numpy()[a_u],
            "distance_km": pd_km[used],
            "saving": q_u * ps[used],
            "saving_per_unit": ps[used],
            "distance_basis": basis[used],
        },
        columns=MATCH_COLUMNS,
    )
    sxy = np.column_stack([sup.geometry.x.to_numpy(), sup.geometry.y.to_numpy()])
    cxy = np.column_stack([con.geometry.x.to_numpy(), con.geometry.y.to_numpy()])
    geoms = [line(tuple(sxy[a]), tuple(cxy[b])) for a, b in zip(a_u, b_u, strict=True)]
    matches = gpd.GeoDataFrame(recs, geometry=geoms, crs=flows.crs)

    matched = pd.concat(
        [matches.groupby("supplier_id")["quantity"].sum(), matches.groupby("consumer_id")["quantity"].sum()]
    )
    balance = pd.DataFrame(
        {
            "id": f["id"].astype(str),
            "name": f.get("name", f["id"]).astype(str),
            "role": f["role"],
            "kind": f["kind_c"],
            "quantity": f["q"],
            "unit": f["cunit"],
        }
    )
    balance["matched"] = balance["id"].map(matched).fillna(0.0).to_numpy(dtype=float)
    balance["unmatched"] = balance["quantity"] - balance["matched"]
    balance["used"] = usable
    if not len(matches):
        if not len(sup) or not len(con):
            messages.append(Message("sym.one_sided", s=len(sup), c=len(con)))
        else:
            messages.append(Message("sym.none_compatible"))
        status = "infeasible"
    return matches, balance, messages, status


def symbiosis_matches(
    flows: gpd.GeoDataFrame,
    *,
    roads: Any = None,
    max_heat_km: float | None = None,
    max_km: float | None = None,
    parameters: Mapping[str, Any] | None = None,
    progress: Any = None,
    is_cancelled: Any = None,
) -> WorkflowResult:
    """Match supply and demand flows of firms (industrial symbiosis).

    Parameters
    ----------
    flows
        Point layer with ``id``, ``role`` ("supply"/"demand"), ``kind`` (heat,
        excess_heat, wood_chips, ash, co2, water, by_product, ...), ``quantity``,
        ``unit`` (t/yr, GWh/yr, m3/yr ...) and ``temperature_c`` for heat (the
        supply temperature, or the temperature a consumer needs).  Polygons are
        replaced by a point inside them.
    roads
        Road lines or a prepared graph; material distances are then road
        distances.  Without roads, straight line x ``resources.road_detour_factor``.
    max_heat_km
        Longest heat pipe (straight line), default ``symbiosis.max_heat_km``.
    max_km
        Longest material transport, default ``symbiosis.max_km``.
    parameters
        Overrides of defaults-table keys (values per unit, costs, approach temperature).
    progress, is_cancelled
        ``progress(fraction, message)`` is called as the stages finish; ``is_cancelled()``
        returning true stops the run with :class:`~arealsirk.errors.CancelledError`.

    Returns
    -------
    WorkflowResult
        ``layers["matches"]`` (supplier_id, consumer_id, kind, quantity, unit,
        distance_km, saving [NOK/yr], LineString), ``tables["flow_balance"]``;
        ``summary`` with matches, matched_heat_gwh, matched_mass_t, matched_water_m3,
        saving_nok.  Status ``"infeasible"`` with the reason when no pair can be matched.
    """
    p = Progress(progress, is_cancelled)
    params = check_parameters(parameters)
    max_heat_km = check_number(
        max_heat_km if max_heat_km is not None else parameter("symbiosis.max_heat_km", params),
        "max_heat_km",
        minimum=0,
    )
    max_km = check_number(
        max_km if max_km is not None else parameter("symbiosis.max_km", params), "max_km", minimum=0
    )
    p(0.0, "checking flows")
    f = validate_layer(
        flows,
        name="flows",
        geometry=["point", "polygon"],
        columns=("id", "role", "kind"),
        numeric=("quantity",),
        id_column="id",
    )
    if not (f.geom_type == "Point").all():
        f = f.set_geometry(f.geometry.representative_point())
    matches, balance, messages, status = match_flows(
        f, roads=roads, max_heat_km=max_heat_km, max_km=max_km, parameters=params, progress=p.sub(0.05, 0.95)
    )
    flows_bal = flow_balance("symbiosis", balance)
    headline = balance_headline(flows_bal)
    summary: dict[str, Any] = {"workflow": "symbiosis", "balance_headline": headline, "matches": len(matches)}
    by_unit = matches.groupby("unit")["quantity"].sum() if len(matches) else {}
    summary["matched_heat_gwh"] = float(by_unit.get("GWh/yr", 0.0)) if len(matches) else 0.0
    summary["matched_mass_t"] = float(by_unit.get("t/yr", 0.0)) if len(matches) else 0.0
    summary["matched_water_m3"] = float(by_unit.get("m3/yr", 0.0)) if len(matches) else 0.0
    summary["saving_nok"] = float(matches["saving"].sum()) if len(matches) else 0.0
    top = matches.sort_values("saving", ascending=False)
    if len(top) > 20:
        messages.append(Message("sym.top", n=len(top)))
    for _, m in top.head(20).iterrows():
        messages.append(
            Message(
                "sym.match",
                supplier=str(m["supplier_name"]),
                consumer=str(m["consumer_name"]),
                q=float(m["quantity"]),
                unit=str(m["unit"]),
                kind=str(m["kind"]),
                km=float(m["distance_km"]),
                nok=float(m["saving"]),
            )
        )
    messages = [*headline, *messages]
    p(1.0, f"{len(matches)} matches")
    return WorkflowResult(
        layers={"matches": matches},
        tables={"flow_balance": balance, "balance": flows_bal},
        summary=summary,
        status=status,
        messages=messages,
    )
