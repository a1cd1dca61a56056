"""The machinery shared by biogas, bioenergy and textile reuse: feedstock sources -> plants.

Sources (points with ``kind``, ``quantity``, ``unit``) are allocated to plants by a
capacitated facility location model (:func:`arealsirk.locate.facility_location`,
Balinski 1965; Sridharan 1995 review) on road distances, computed only for the pairs within
each source's haul limit (sparse, :mod:`._feedstock_costs`; no sources x sites matrix):

.. math::

    \\min \\sum_j f_j y_j + \\sum_{i,j} q_i d_{ij} x_{ij} + \\pi \\sum_i q_i x_{i0}

    \\text{s.t.}\\; \\sum_j x_{ij} + x_{i0} = 1,\\; x_{ij} \\le y_j,\\;
    L_j y_j \\le \\sum_i q_i x_{ij} \\le K_j y_j,\\; x_{ij} = 0 \\text{ if } d_{ij} > d_{max}

with :math:`q_i` tonnes per year, :math:`d_{ij}` road km (so the transport term is
tonne-km), :math:`K_j` capacity, :math:`L_j` the minimum plant size, existing plants
fixed open (:math:`y_j = 1`, :math:`L_j = 0`), :math:`d_{max}` the haul limit of the
source's kind (``max_km`` for every kind when given, else ``<prefix>.max_km.<kind>``, else
``<prefix>.max_km``) and a column :math:`x_{i0}` "not collected" costing :math:`\\pi` km per
tonne, :math:`\\pi` = ``<prefix>.uncollected_penalty_factor`` x the longest haul limit in use.
Because :math:`\\pi` exceeds every allowed haul, a tonne within its limit of an open plant
with room is always collected; what is left is reported in the balance table, not forced.
Without ``count`` the fixed cost :math:`f_j` is ``<prefix>.plant_fixed_tkm``; with ``count``
the number of plants is fixed exactly, :math:`\\sum_j y_j = count` (``facility_location(...,
p=)``, an exact MILP solved by HiGHS), and :math:`f_j = 0`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._validate import check_number, validate_layer
from ..errors import InfeasibleError, InputError, SolverError
from ..progress import Progress
from ..resources import (
    check_parameters,
    kind_info,
    parameter,
    payload_t,
    per_kind,
    to_canonical,
    transport_co2_t,
)
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
    kommune_of,
    lines,
    option,
    points_of,
    site_layers,
    snap_layer,
    snap_parts,
    status_of,
)
from ._feedstock_costs import PairCosts, on_open_part, pair_costs
from ._messages import Message, model_note
from ._result import WorkflowResult

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    import scipy.sparse as sp

    from ..suitability.constraints import Exclusions

log = logging.getLogger("arealsirk")


@dataclass(frozen=True)
class Profile:
    """What distinguishes biogas, bioenergy and textile reuse on the shared machinery."""

    name: str  #: workflow name in summaries
    facility_type: str  #: selected_sites.facility_type
    prefix: str  #: defaults-table prefix (biogas, bioenergy, textiles)
    existing_types: tuple[str, ...]
    #: (kind, parameters) -> True when the kind is feedstock of this profile
    accepts: Callable[[str, Mapping[str, Any]], bool]
    #: message for a kind that is not accepted (a :class:`~._messages.Message`, English as str)
    reject_reason: str
    #: (allocation frame with kind/quantity, parameters) -> dict of benefit columns per allocation row
    benefits: Callable[[pd.DataFrame, Mapping[str, Any]], dict[str, np.ndarray]]
    min_key: str = "min_plant_t"  #: key of the minimum size in the defaults table


def _solve(
    cost: np.ndarray,
    q: np.ndarray,
    cap: np.ndarray,
    L: np.ndarray,
    fixed: np.ndarray,
    fcost: np.ndarray,
    *,
    count_new: int | None,
    time_limit: float | None,
    exact: bool,
    progress: Any = None,
    is_cancelled: Any = None,
) -> Any:
    r"""Solve the model of the module docstring with :func:`arealsirk.locate.facility_location`.

    ``count_new`` (new plants wanted) adds :math:`\sum_j y_j = p` through ``p=``; ``p`` counts
    every open column, so it is ``count_new`` plus the fixed columns (existing plants and the
    "not collected" column, which is always open).  All other constraints (minimum plant size,
    allowed pairs within ``max_km``, existing plants fixed) are the same with or without a count,
    so no fallback is needed.  With a count the fixed costs are a constant and are set to 0: the
    objective is then tonne-km plus the "not collected" penalty, as without a count.
    """
    from ..locate import facility_location

    counted = count_new is not None
    try:
        return facility_location(
            cost,
            q,
            cap,
            np.zeros_like(fcost) if counted else fcost,
            min_load=L,
            fixed=fixed,
            p=int(count_new) + int(np.unique(fixed).size) if count_new is not None else None,
            time_limit=time_limit,
            exact=exact,
            progress=progress,
            is_cancelled=is_cancelled,
        )
    except InfeasibleError as e:
        if not counted:
            raise
        raise InfeasibleError(
            f"count: no solution with exactly {count_new} new plant(s) satisfies the "
            f"minimum plant size and capacities; try another count ({e})"
        ) from e


def _quantities(src: pd.DataFrame, *, strict_mass: str | None) -> tuple[np.ndarray, list[str]]:
    """Quantities of ``src`` in canonical units (t/yr for masses).  With ``strict_mass`` (the theme
    name) a source not given as a mass is an error; otherwise a unit that cannot be converted is
    kept as given (for the balance of kinds the theme does not use)."""
    import pandas as pd

    units = src["unit"].astype(str).to_numpy() if "unit" in src.columns else np.full(len(src), "t/yr")
    values = src["quantity"].to_numpy(dtype=float)
    q = np.empty(len(src))
    out_units = np.empty(len(src), dtype=object)
    # one conversion per (kind, unit), groups in the order of their first row: the first row that
    # fails is the first row of the first group that fails (every row of a group fails alike)
    groups = pd.DataFrame({"k": src["kind"].to_numpy(), "u": units}).groupby(["k", "u"], sort=False).indices
    for (k, u), rows in sorted(groups.items(), key=lambda g: int(g[1][0])):
        try:
            q[rows], cu = to_canonical(
                values[rows], u, kind=k if kind_info(k) else None, context="sources, column 'unit': "
            )
        except InputError:
            if strict_mass:
                raise
            q[rows], cu = values[rows], u
        if strict_mass and cu != "t/yr":
            raise InputError(
                f"sources, column 'unit': {strict_mass} feedstock must be a mass (t/yr); "
                f"source '{src['id'].iloc[int(rows[0])]}' ({k}) is given in {u!r}"
            )
        out_units[rows] = cu
    return q, out_units.tolist()


def closest_kind(kind: str) -> str:
    """The known resource kind closest in spelling to ``kind`` ("" when none is close)."""
    import difflib

    from ..resources import KINDS

    close = difflib.get_close_matches(str(kind), list(KINDS), n=1)
    return close[0] if close else ""


def _not_used_detail(kind: str, reason: str) -> str:
    """Why a kind is not used: unknown kinds name the closest known kind."""
    if kind_info(kind) is not None:
        return f"kind '{kind}': {reason}"
    close = closest_kind(kind)
    hint = f" (closest known kind: '{close}')" if close else ""
    return f"kind '{kind}' is not a known resource kind{hint}; {reason}"


def unknown_kinds(balance: pd.DataFrame) -> pd.DataFrame:
    """The kinds of the sources that are not known resource kinds: ``kind``, ``quantity``, ``unit``,
    ``closest`` (the known kind closest in spelling, "" when none), from a balance table."""
    import pandas as pd

    rows = [{"kind": r.stream, "quantity": r.quantity, "unit": r.unit, "closest": closest_kind(r.stream)}
            for r in balance.itertuples(index=False)
            if r.category == "no_yield" and kind_info(r.stream) is None]
    return pd.DataFrame(rows, columns=["kind", "quantity", "unit", "closest"])


def _read_sources(
    profile: Profile,
    sources: gpd.GeoDataFrame,
    kinds: Any,
    params: Mapping[str, Any],
    kom: gpd.GeoDataFrame | None,
    bal: BalanceRows,
) -> tuple[gpd.GeoDataFrame, np.ndarray, list[str]]:
    """Validate the sources and keep those the theme uses: accepted kinds (or ``kinds``), positive
    quantity, inside the kommune polygons.  Every source enters the balance ``bal``: its total, and
    ``no_yield`` / ``outside_region`` for those left out here.  Returns the kept sources as points
    (quantity in t/yr), their tonnes and the explanations."""
    messages: list[str] = []
    src = validate_layer(
        sources, name="sources", geometry=["point", "polygon"], columns=("kind",), numeric=("quantity",)
    )
    src["id"] = ids_of(src, "src")
    src["kind"] = src["kind"].astype(str).str.strip().str.lower()
    if kinds is not None:
        wanted = [str(k).strip().lower() for k in ([kinds] if isinstance(kinds, str) else kinds)]
        for k in wanted:
            if not profile.accepts(k, params):
                raise InputError(f"kinds: '{k}' {profile.reject_reason}")
        use = src["kind"].isin(wanted).to_numpy()
    else:  # once per kind: a kind's test reads the defaults table
        accepted = {k: profile.accepts(k, params) for k in src["kind"].unique()}
        use = src["kind"].map(accepted).to_numpy(dtype=bool)
    ignored = src.loc[~use]
    if len(ignored):
        by = ignored.groupby("kind").size()
        messages.append(
            Message(
                "feedstock.ignored",
                kinds=[(str(k), int(n)) for k, n in by.items()],
                reason=profile.reject_reason,
            )
        )
        iq, iu = _quantities(ignored, strict_mass=None)
        picked = kinds is not None
        detail = {k: _not_used_detail(k, "left out by kinds=" if picked and profile.accepts(k, params)
                                      else str(profile.reject_reason)) for k in by.index}
        for k, v, u in zip(ignored["kind"], iq, iu, strict=True):
            bal.total(k, v, u)
            bal.add(k, "no_yield", v, detail=detail[k])
    src = src.loc[use].reset_index(drop=True)
    if not len(src):
        raise InputError(
            f"sources: no source is feedstock for {profile.name} ({profile.reject_reason}); "
            f"kinds found: {', '.join(sorted(set(ignored['kind'])))}"
        )
    q, _ = _quantities(src, strict_mass=profile.name)
    src["quantity"] = q
    src["unit"] = "t/yr"
    for k, v in zip(src["kind"], q, strict=True):
        bal.total(k, v, "t/yr")
    zero = q <= 0
    if zero.any():
        messages.append(Message("feedstock.zero", n=int(zero.sum())))
    outside = outside_region(src, kom) & ~zero
    if outside.any():
        bal.add_many(src["kind"][outside], ["outside_region"] * int(outside.sum()), q[outside])
    keep = ~zero & ~outside
    if not keep.any():
        raise InputError(f"sources: no {profile.name} source with a quantity above 0 lies inside the "
                         "kommune polygons")
    src = points_of(src.loc[keep].reset_index(drop=True))
    return src, q[keep], messages


def haul_limits(
    profile: Profile, kinds: np.ndarray, max_km: float | None, params: Mapping[str, Any]
) -> tuple[np.ndarray, list[tuple[str, float, str]], str]:
    """The haul limit (km) of each source, as the feedstock workflows apply it.

    ``max_km`` when given (every kind), else the kind's row ``<prefix>.max_km.<kind>`` when the
    table (or ``params``) has one, else ``<prefix>.max_km``.

    Parameters
    ----------
    profile : Profile
        The workflow (its ``prefix`` names the defaults rows), e.g. ``biogas.BIOGAS``.
    kinds : numpy.ndarray
        Kind of each source.
    max_km : float or None
        One limit for every kind, or None for the per-kind rows.
    params : Mapping
        Parameter overrides (defaults-table keys).

    Returns
    -------
    tuple
        The limits (km, one per source), the list of (kind, km, defaults key) for messages
        (kind "" and key "max_km" when one limit holds for every kind) and the same as English
        text for errors.
    """
    from ..defaults import table

    pre = profile.prefix
    if max_km is not None:
        km = check_number(max_km, "max_km", minimum=0, exclusive_minimum=True)
        return np.full(len(kinds), km), [("", km, "max_km")], f"max_km = {km:g} km"
    per: dict[str, tuple[float, str]] = {}
    for k in sorted(set(map(str, kinds))):
        key = f"{pre}.max_km.{k}"
        if key not in params and not table(key):
            key = f"{pre}.max_km"
        per[k] = (check_number(parameter(key, params), key, minimum=0, exclusive_minimum=True), key)
    lim = np.array([per[str(k)][0] for k in kinds], dtype=float)
    listed = [(k, km, key) for k, (km, key) in per.items()]
    return lim, listed, "; ".join(f"{k} {km:g} km ({key})" for k, km, key in listed)


def _penalty_km(profile: Profile, lim: np.ndarray, params: Mapping[str, Any]) -> tuple[float, str]:
    """Cost (km per tonne) of the "not collected" column: ``<prefix>.uncollected_penalty_factor``
    times the longest haul limit in use, so a tonne within its limit of an open plant with room
    always costs less collected than left (no hidden limit shorter than the haul limits)."""
    key = f"{profile.prefix}.uncollected_penalty_factor"
    factor = check_number(parameter(key, params), key, minimum=1, exclusive_minimum=True)
    return factor * float(lim.max()), key


def _uncollected_category(within: np.ndarray, on_part: np.ndarray, reasons: np.ndarray) -> np.ndarray:
    """Balance category of the tonnes of each source that no open plant collects.

    ``within`` is True for a source with an open plant within its haul limit, ``on_part`` for a
    source with an open plant on its road part (a finite road distance), ``reasons`` the snap
    reason ("" when snapped).  Not snapped -> the snap reason's category; no open plant on its
    part -> ``unreachable_no_site_on_part``; open plants on its part but all beyond its limit ->
    ``beyond_max_km``; else ``capacity_full``."""
    cat = np.where(within, "capacity_full", np.where(on_part, "beyond_max_km", "unreachable_no_site_on_part"))
    cat = cat.astype(object)
    unsnapped = np.asarray([bool(r) for r in reasons])
    cat[unsnapped] = [reason_category(r) for r in np.asarray(reasons)[unsnapped]]
    return cat


def _allocation(
    profile: Profile,
    src: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    rows: np.ndarray,
    site_idx: np.ndarray,
    vals: np.ndarray,
    costs: PairCosts,
    params: Mapping[str, Any],
) -> gpd.GeoDataFrame:
    """One line per (source, plant) flow of the solution: tonnes, km, minutes, tonne-km, CO2,
    truck trips and the profile's benefits (km and minutes of the allowed pairs in ``costs``)."""
    import geopandas as gpd
    import pandas as pd

    km, minutes = costs.lookup(rows, site_idx)
    alloc = pd.DataFrame(
        {
            "source_id": src["id"].to_numpy()[rows],
            "site_id": sites["id"].to_numpy()[site_idx],
            "facility_type": profile.facility_type,
            "kind": src["kind"].to_numpy()[rows],
            "quantity": vals,
            "unit": "t/yr",
            "distance_km": km,
            "travel_min": minutes,
            "kommunenummer": src["kommunenummer"].to_numpy()[rows],
        }
    )
    alloc["tonne_km"] = alloc["quantity"] * alloc["distance_km"]
    # per-kind factors looked up once per distinct kind and mapped onto the rows (issue 19: one
    # look-up per row read the defaults table 430 000 times at farm level); the same floats per row
    kinds = alloc["kind"].to_numpy()
    alloc["co2_t"] = transport_co2_t(alloc["tonne_km"].to_numpy(), params, kind=kinds)
    alloc["truck_trips"] = alloc["quantity"].to_numpy() / per_kind(payload_t, kinds, params)
    for col, values in profile.benefits(alloc, params).items():
        alloc[col] = values
    sx, sy = src.geometry.x.to_numpy(), src.geometry.y.to_numpy()
    tx, ty = sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()
    geometry = lines(sx[rows], sy[rows], tx[site_idx], ty[site_idx])
    return gpd.GeoDataFrame(alloc, geometry=geometry, crs=src.crs)


def _selected_sites(
    profile: Profile,
    sites: gpd.GeoDataFrame,
    open_idx: np.ndarray,
    allocation: pd.DataFrame,
    kom: gpd.GeoDataFrame | None,
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """The open plants with their figures (feedstock, benefits, tonne-km, CO2, trips, utilisation,
    mean km) and the names of the benefit columns."""
    import geopandas as gpd

    benefit_cols = [c for c in ("methane_nm3", "energy_gwh", "reused_t") if c in allocation.columns]
    agg = allocation.groupby("site_id").agg(
        feedstock_t=("quantity", "sum"),
        tonne_km=("tonne_km", "sum"),
        co2_t=("co2_t", "sum"),
        truck_trips=("truck_trips", "sum"),
        **{c: (c, "sum") for c in benefit_cols},
    )
    sel = sites.iloc[open_idx].copy().reset_index(drop=True)
    sel["facility_type"] = profile.facility_type
    sel["kommunenummer"] = kommune_of(sel, kom).to_numpy()
    for c in ["feedstock_t", *benefit_cols, "tonne_km", "co2_t", "truck_trips"]:
        sel[c] = sel["id"].map(agg[c]).fillna(0.0).to_numpy(dtype=float)
    sel["utilisation"] = sel["feedstock_t"] / sel["capacity_t"]
    sel["mean_km"] = np.where(
        sel["feedstock_t"] > 0, sel["tonne_km"] / sel["feedstock_t"].where(sel["feedstock_t"] > 0, 1), 0.0
    )
    front = [
        "id",
        "name",
        "facility_type",
        "kommunenummer",
        "existing",
        "capacity_t",
        "feedstock_t",
        *benefit_cols,
        "tonne_km",
        "co2_t",
        "truck_trips",
        "utilisation",
        "mean_km",
    ]
    return gpd.GeoDataFrame(sel[front], geometry=sel.geometry.to_numpy(), crs=sites.crs), benefit_cols


def _catchments(
    profile: Profile,
    src: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    open_idx: np.ndarray,
    rows: np.ndarray,
    site_idx: np.ndarray,
    params: Mapping[str, Any],
) -> gpd.GeoDataFrame:
    """Convex hull of each open plant and its sources, buffered ``resources.catchment_buffer_m``."""
    import geopandas as gpd
    import shapely

    sx, sy = src.geometry.x.to_numpy(), src.geometry.y.to_numpy()
    tx, ty = sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()
    buf = parameter("resources.catchment_buffer_m", params)
    # each open plant's points in one array: the plant first, then its distinct sources in source
    # order; one multipoint per plant built in one call (no Python object per source point)
    open_idx = np.asarray(open_idx, dtype=np.int64)
    part_of = np.full(len(sites), -1, dtype=np.int64)
    part_of[open_idx] = np.arange(open_idx.size)
    n_src = max(len(src), 1)
    pairs = np.unique(np.asarray(site_idx, dtype=np.int64) * n_src + np.asarray(rows, dtype=np.int64))
    p_site, p_src = np.divmod(pairs, n_src)
    mine = part_of[p_site] >= 0
    part = np.r_[np.arange(open_idx.size), part_of[p_site[mine]]]
    first = np.r_[np.zeros(open_idx.size, dtype=np.int64), p_src[mine] + 1]  # the plant before its sources
    by = np.lexsort((first, part))
    xy = np.c_[np.r_[tx[open_idx], sx[p_src[mine]]], np.r_[ty[open_idx], sy[p_src[mine]]]]
    hulls = shapely.convex_hull(shapely.multipoints(xy[by], indices=part[by]))
    geoms = shapely.buffer(hulls, buf, quad_segs=16)  # what Polygon.buffer(buf) draws (16, not 8)
    return gpd.GeoDataFrame(
        {"site_id": sites["id"].to_numpy()[open_idx], "facility_type": profile.facility_type},
        geometry=geoms,
        crs=src.crs,
    )


def _source_balance(
    src: gpd.GeoDataFrame,
    q: np.ndarray,
    collected: np.ndarray,
    allocation: pd.DataFrame,
    reach: tuple[np.ndarray, np.ndarray],
    lim_list: list[tuple[str, float, str]],
    src_snap: Any,
    bal: BalanceRows,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, list[Message]]:
    """The source layer with collected / uncollected tonnes, main site and balance category; the
    finished balance table and its headline.  ``reach``: per source, an open plant within its haul
    limit, and an open plant on its road part (:func:`_uncollected_category`)."""
    import geopandas as gpd

    src_out = src.copy()
    src_out["collected_t"] = collected
    src_out["uncollected_t"] = np.where(q - collected > 1e-6 * np.maximum(q, 1), q - collected, 0.0)
    main_site = (
        allocation.sort_values("quantity", ascending=False)
        .drop_duplicates("source_id")
        .set_index("source_id")
    )
    src_out["site_id"] = src_out["id"].map(main_site["site_id"])
    left_cat = _uncollected_category(reach[0], reach[1], snap_reasons(src_snap))
    full = np.abs(q - collected) <= 1e-9 * np.maximum(q, 1.0)
    col_i = np.where(full, q, collected)
    left = np.where(full, 0.0, q - col_i)
    bal.add_many(src["kind"], ["collected"] * len(src), col_i)
    bal.add_many(src["kind"], left_cat, left)
    note_parts(bal, src["kind"], left_cat, src_snap)
    src_out["balance"] = np.where(full, "collected", left_cat)
    src_out = gpd.GeoDataFrame(src_out, geometry=src.geometry.name, crs=src.crs)
    balance = bal.table()
    kinds = set(src["kind"])
    limits = {
        ("beyond_max_km", kind): f"{lkm:g} km, {key}"
        for k, lkm, key in lim_list
        for kind in ({k} if k else kinds)
    }
    return src_out, balance, balance_headline(balance, limits=limits)


def _summary(
    profile: Profile,
    sel: pd.DataFrame,
    benefit_cols: list[str],
    q: np.ndarray,
    collected: np.ndarray,
    penalty: float,
    res: Any,
    headline: list[Message],
) -> dict[str, Any]:
    """Key figures: sites, feedstock collected and not, benefits, tonne-km, CO2, trips, mean km, the
    model objective (tonne-km + penalty x tonnes not collected) and gap."""
    total_q = float(q.sum())
    col_q = float(collected.sum())
    if abs(total_q - col_q) <= 1e-9 * max(total_q, 1.0):
        col_q = total_q
    summary: dict[str, Any] = {
        "workflow": profile.name,
        "balance_headline": headline,
        "sites": len(sel),
        "sites_existing": int(sel["existing"].sum()),
        "sites_new": int((~sel["existing"]).sum()),
        "feedstock_t": col_q,
        "feedstock_uncollected_t": total_q - col_q,
    }
    for c in benefit_cols:
        summary[c] = float(sel[c].sum())
    summary.update(
        {
            "tonne_km": float(sel["tonne_km"].sum()),
            "co2_t": float(sel["co2_t"].sum()),
            "truck_trips": float(sel["truck_trips"].sum()),
            "mean_km": float(sel["tonne_km"].sum() / col_q) if col_q > 0 else 0.0,
            "objective": float(sel["tonne_km"].sum() + penalty * (total_q - col_q)),
            "gap": float(res.gap) if res.gap is not None else float("nan"),
        }
    )
    return summary


def _site_messages(sel: pd.DataFrame, mix: pd.DataFrame, benefit_cols: list[str]) -> list[Message]:
    """One explanation per open plant: its tonnes, mix, benefits, tonne-km, mean km, utilisation."""
    out = []
    for _, s in sel.iterrows():
        mixs = mix.loc[mix["site_id"] == s["id"]].drop(columns="site_id")
        top = (
            [(str(k), float(v)) for k, v in mixs.iloc[0].sort_values(ascending=False).items() if v > 0]
            if len(mixs)
            else []
        )
        out.append(
            Message(
                "feedstock.site",
                name=str(s["name"]),
                id=str(s["id"]),
                what=Message("plant.existing" if s["existing"] else "plant.new"),
                t=float(s["feedstock_t"]),
                mix=top,
                benefits=[(c, float(s[c])) for c in benefit_cols],
                tkm=float(s["tonne_km"]),
                mean_km=float(s["mean_km"]),
                util=100 * float(s["utilisation"]),
            )
        )
    return out


def _viable_sites(
    profile: Profile,
    sites: gpd.GeoDataFrame,
    supply_near: np.ndarray,
    min_t: float,
    count: int | None,
    n_ex: int,
    lim_list: list[tuple[str, float, str]],
    lim_all: str,
) -> tuple[np.ndarray, list[str]]:
    """Columns of the sites that can open: existing plants, and new sites with at least ``min_t``
    within the haul limits (``supply_near``: tonnes within the limits of each site).  Raises when
    none can, or fewer than ``count`` needs."""
    is_new = ~sites["existing"].to_numpy(dtype=bool)
    viable = ~is_new | (supply_near >= min_t)
    if is_new.any() and not viable[is_new].any() and n_ex == 0:
        j = int(np.argmax(np.where(is_new, supply_near, -1)))
        raise InfeasibleError(
            f"{profile.min_key}={min_t:g} t/yr: no candidate site can reach it within "
            f"the haul limits ({lim_all}); the best candidate '{sites['id'].iloc[j]}' has "
            f"{supply_near[j]:,.0f} t/yr within reach. Lower "
            f"{profile.min_key}, raise max_km or add candidates"
        )
    messages: list[str] = []
    dropped = np.flatnonzero(is_new & ~viable)
    if dropped.size:
        messages.append(
            Message(
                "feedstock.too_small",
                n=int(dropped.size),
                min_key=profile.min_key,
                min_t=float(min_t),
                limits=lim_list,
                ids=", ".join(sites["id"].iloc[dropped].astype(str)[:10]),
            )
        )
    keep_cols = np.flatnonzero(viable)
    n_new_viable = int(is_new[keep_cols].sum())
    if count is not None and count - n_ex > n_new_viable:
        raise InfeasibleError(
            f"count={count}: only {n_new_viable} new site(s) can reach {profile.min_key}="
            f"{min_t:g} t/yr within the haul limits ({lim_all}) (plus {n_ex} existing); lower count, "
            f"{profile.min_key} or raise max_km"
        )
    return keep_cols, messages


def run_profile(profile: Profile, args: Mapping[str, Any]) -> WorkflowResult:
    """Run :func:`site_feedstock` with the arguments of a public wrapper (its ``locals()``).

    The wrappers (:func:`~arealsirk.workflows.site_biogas`, ``site_bioenergy``,
    ``site_textile_reuse``) keep their explicit public signatures and pass them on here,
    so the forwarding lives in one place; the wrapper's name of the minimum size
    (``profile.min_key``, e.g. ``min_site_t``) becomes ``min_plant_t``.
    """
    a = dict(args)
    if profile.min_key != "min_plant_t":
        a["min_plant_t"] = a.pop(profile.min_key)
    return site_feedstock(profile, a.pop("sources"), a.pop("candidates"), a.pop("roads"), **a)


def site_feedstock(
    profile: Profile,
    sources: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    roads: Any,
    *,
    count: int | None,
    max_km: float | None,
    min_plant_t: float | None,
    capacity_t: float | None,
    existing: gpd.GeoDataFrame | None,
    kommuner: gpd.GeoDataFrame | None,
    parameters: Mapping[str, Any] | None,
    kinds: Any = None,
    exclusions: Exclusions | gpd.GeoDataFrame | None = None,
    exact: bool = False,
    time_limit: float | None = None,
    progress: Any = None,
    is_cancelled: Any = None,
) -> WorkflowResult:
    """Allocate feedstock sources to plants; see the module docstring for the model.

    The phases: validate the sizes and the sources, prepare the sites and the road distances,
    solve the capacitated facility location model, explain it (figures, balance, messages) and
    return the layers and tables.
    """
    p = Progress(progress, is_cancelled)
    params = check_parameters(parameters)
    min_t, cap_t, count = _check_sizes(profile, params, min_plant_t, capacity_t, count)
    messages: list[str] = []

    p(0.0, "checking inputs")
    kom = clean_kommuner(kommuner)
    bal = BalanceRows(profile.name)
    src, q, msgs = _read_sources(profile, sources, kinds, params, kom, bal)
    messages += msgs
    src["kommunenummer"] = kommune_of(src, kom).to_numpy()
    lim, lim_list, lim_all = haul_limits(profile, src["kind"].to_numpy(), max_km, params)
    site_set = _plant_sites(profile, candidates, existing, exclusions, src.crs, params, cap_t, count)
    sites, n_ex = site_set.sites, site_set.n_existing
    messages += site_set.messages

    p(0.05, "building the road graph")
    graph = as_graph(roads)
    p(0.15, f"road distances {len(src)} sources x {len(sites)} sites")
    # snap each layer once; km and minutes reuse the snapped nodes; only the pairs within the haul
    # limits get a cost (sparse, issue 19)
    src_snap = snap_layer(graph, src, name="sources")
    site_snap = snap_parts(graph, site_set.parts)
    costs = pair_costs(graph, src_snap, site_snap, lim, progress=p.sub(0.15, 0.25))
    keep_cols, msgs = _viable_sites(profile, sites, costs.supply_within(q), min_t, count, n_ex, lim_list,
                                    lim_all)
    messages += msgs
    penalty, penalty_key = _penalty_km(profile, lim, params)

    p(0.25, "capacitated facility location")
    res = _solve_plants(
        profile, costs.km[:, keep_cols], q, sites, keep_cols, min_t,
        penalty, params, count_new=None if count is None else count - n_ex, time_limit=time_limit,
        exact=exact, progress=p.sub(0.25, 0.75), is_cancelled=is_cancelled,
    )
    opened = [int(j) for j in np.asarray(res.facilities, dtype=int) if j < len(keep_cols)]
    if not opened and res.status != "optimal" and (res.gap is None or res.gap > 0):
        # the search stopped (time limit) before it found a plan better than collecting nothing:
        # that says nothing about whether a plant pays off
        raise SolverError(
            f"{profile.name}: the solver stopped ({res.status}, after {res.runtime_s:.0f} s) before it found "
            f"a plan that opens a plant (proven gap {_gap_text(res.gap)}); raise time_limit, give count, or "
            f"sum the sources to fewer points (resources.aggregate_cell_m)"
        )
    if not opened:
        # only without count (with count the model opens exactly count plants)
        raise InfeasibleError(
            f"{profile.name}: no plant pays off - opening one costs {profile.prefix}.plant_fixed_tkm = "
            f"{parameter(f'{profile.prefix}.plant_fixed_tkm', params):g} tonne-km/yr, more than it "
            f"saves: a tonne collected saves {penalty:g} km ({penalty_key} x the longest haul limit, "
            f"{lim_all}) minus its haul; give count, lower {profile.prefix}.plant_fixed_tkm or raise "
            f"{penalty_key}"
        )

    p(0.75, "figures per site")
    result = _explain(
        profile, _Solved(res=res, keep_cols=keep_cols, open_idx=keep_cols[opened], penalty=penalty,
                         penalty_key=penalty_key),
        _Inputs(src=src, q=q, lim_list=lim_list, bal=bal, kom=kom, sites=sites,
                site_set=site_set, graph=graph, src_snap=src_snap, site_snap=site_snap, costs=costs,
                params=params),
        messages,
    )
    p(1.0, "done")
    return result


def _check_sizes(
    profile: Profile, params: Mapping[str, Any], min_plant_t: float | None, capacity_t: float | None,
    count: int | None,
) -> tuple[float, float, int | None]:
    """The minimum plant size and capacity (t/yr, from the options or the defaults table) and the
    count, checked: a minimum above the capacity, or a count below 1, is refused."""
    pre = profile.prefix
    min_t = option(min_plant_t, f"{pre}.{profile.min_key}", profile.min_key, params, minimum=0)
    cap_t = option(capacity_t, f"{pre}.capacity_t", "capacity_t", params, minimum=0, exclusive_minimum=True)
    if min_t > cap_t:
        raise InputError(
            f"{profile.min_key}={min_t:g} t/yr is above capacity_t={cap_t:g} t/yr: no plant could open"
        )
    if count is not None:
        count = int(check_number(count, "count", minimum=1, integer=True))
    return min_t, cap_t, count


def _plant_sites(
    profile: Profile,
    candidates: gpd.GeoDataFrame,
    existing: gpd.GeoDataFrame | None,
    exclusions: Exclusions | gpd.GeoDataFrame | None,
    crs: Any,
    params: Mapping[str, Any],
    cap_t: float,
    count: int | None,
) -> Any:
    """The candidate and existing plant sites (:func:`._common.site_layers`) with their capacity:
    an existing plant's own positive ``capacity_t``, else ``cap_t``; refuses a ``count`` below the
    number of existing plants (the count includes them)."""
    import pandas as pd

    site_set = site_layers(
        candidates,
        existing,
        existing_types=profile.existing_types,
        exclusions=exclusions,
        crs=crs,
        what="plant",
        parameters=params,
    )
    sites, n_ex = site_set.sites, site_set.n_existing
    own_cap = pd.to_numeric(sites["capacity_t"], errors="coerce").to_numpy(dtype=float)
    sites["capacity_t"] = np.where(sites["existing"].to_numpy(dtype=bool) & (own_cap > 0), own_cap, cap_t)
    if count is not None and count < n_ex:
        raise InputError(
            f"count={count} is smaller than the {n_ex} existing plant(s) that are kept; "
            f"count includes existing plants"
        )
    return site_set


def _solve_plants(
    profile: Profile,
    km_allowed: sp.csr_matrix,
    q: np.ndarray,
    sites: gpd.GeoDataFrame,
    keep_cols: np.ndarray,
    min_t: float,
    penalty: float,
    params: Mapping[str, Any],
    *,
    count_new: int | None,
    time_limit: float | None,
    exact: bool,
    progress: Any,
    is_cancelled: Any,
) -> Any:
    """Build the model's matrices over the viable sites ``keep_cols`` (``km_allowed``: road km of the
    pairs within the haul limit, sparse) plus one "not collected" column costing ``penalty``, and
    solve it."""
    import scipy.sparse as sp

    is_new = ~sites["existing"].to_numpy(dtype=bool)
    n = len(q)
    C = sp.hstack([km_allowed, sp.csr_matrix((np.full(n, penalty), (np.arange(n), np.zeros(n, np.int64))),
                                             shape=(n, 1))], format="csr")
    capv = np.r_[sites["capacity_t"].to_numpy()[keep_cols], np.inf]
    Lv = np.r_[np.where(is_new[keep_cols], min_t, 0.0), 0.0]
    new_v = np.r_[is_new[keep_cols], False]
    fixed = np.r_[np.flatnonzero(~is_new[keep_cols]), len(keep_cols)]
    fcost = np.where(new_v, parameter(f"{profile.prefix}.plant_fixed_tkm", params), 0.0)
    return _solve(C, q, capv, Lv, fixed, fcost, count_new=count_new, time_limit=time_limit, exact=exact,
                  progress=progress, is_cancelled=is_cancelled)


@dataclass(frozen=True)
class _Inputs:
    """What the explain phase reads: the checked sources, the sites and the road distances."""

    src: gpd.GeoDataFrame
    q: np.ndarray
    lim_list: list[tuple[str, float, str]]
    bal: BalanceRows
    kom: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    site_set: Any
    graph: Any
    src_snap: Any
    site_snap: Any
    costs: PairCosts
    params: Mapping[str, Any]


@dataclass(frozen=True)
class _Solved:
    """The solved model: the solver's result, the viable columns and the opened sites' rows."""

    res: Any
    keep_cols: np.ndarray
    open_idx: np.ndarray
    penalty: float
    penalty_key: str


def _explain(profile: Profile, s: _Solved, inp: _Inputs, messages: list[str]) -> WorkflowResult:
    """The figures of a solved model: allocation, selected sites, catchments, feedstock mix, the
    source balance, fairness per kommune, summary and messages, as a :class:`WorkflowResult`."""
    from .fairness import kommune_fairness

    src, q = inp.src, inp.q
    flows = s.res.flows.tocoo()
    rows, cols, vals = flows.row, flows.col, flows.data
    real = (cols < len(s.keep_cols)) & (vals > 1e-9)
    rows, cols, vals = rows[real], cols[real], vals[real]
    site_idx = s.keep_cols[cols]
    allocation = _allocation(profile, src, inp.sites, rows, site_idx, vals, inp.costs, inp.params)
    sel, benefit_cols = _selected_sites(profile, inp.sites, s.open_idx, allocation, inp.kom)
    catchments = _catchments(profile, src, inp.sites, s.open_idx, rows, site_idx, inp.params)
    mix = allocation.pivot_table(
        index="site_id", columns="kind", values="quantity", aggfunc="sum", fill_value=0.0
    )
    mix = mix.reset_index()
    mix.columns.name = None

    collected = np.bincount(rows, weights=vals, minlength=len(src))
    src_out, balance, headline = _source_balance(
        src, q, collected, allocation,
        (inp.costs.any_within(s.open_idx), on_open_part(inp.src_snap, inp.site_snap, s.open_idx)),
        inp.lim_list, inp.src_snap, inp.bal,
    )
    open_parts = np.asarray(inp.site_snap.part)[s.open_idx]
    benefit = benefit_cols[0] if benefit_cols else "quantity"
    by_k = kommune_fairness(allocation, src_out, sel, kommuner=inp.kom, benefit_column=benefit)

    summary = _summary(profile, sel, benefit_cols, q, collected, s.penalty, s.res, headline)
    messages = [*messages, *_site_messages(sel, mix, benefit_cols),
                Message("feedstock.penalty", pi=float(s.penalty), key=s.penalty_key, limits=inp.lim_list)]
    messages = [*headline, *messages]
    messages += [model_note(m_) for m_ in getattr(s.res, "messages", ())]
    return WorkflowResult(
        layers={
            "source_status": src_out,
            "selected_sites": sel,
            "allocation": allocation,
            "catchments": catchments,
        },
        tables={
            "by_kommune": by_k,
            "feedstock_mix": mix,
            "excluded": inp.site_set.excluded,
            "balance": balance,
            "parts": parts_table(inp.graph, inp.src_snap, q, open_parts, name="t"),
            "unknown_kinds": unknown_kinds(balance),
        },
        summary=summary,
        status=status_of(s.res),
        messages=messages,
    )


def _gap_text(gap: float | None) -> str:
    return "unknown" if gap is None else f"{100 * gap:.1f} %"
