"""A solver-backed cost game: what each coalition of groups pays to site and run its own plants.

For a coalition :math:`S` of groups (kommuner, regions, waste companies, any column of the sources),
:math:`v(S)` is the least annual cost of handling the feedstock of :math:`S`'s sources alone:

.. math::

    v(S) = \\min \\sum_{j\\ open} C(Q_j)
      + \\sum_{i \\in S,\\, j} x_{ij}\\, (c_i d_{ij} - b_i)
      + \\sum_{i \\in S} x_{i0}\\, a_i

where :math:`x_{ij}` are the tonnes of source :math:`i` taken to plant :math:`j` (loaded road km
:math:`d_{ij}` within the haul limit of the source's kind, as in the workflow),
:math:`Q_j = \\sum_i x_{ij}` between the minimum plant size and the capacity,
:math:`C` the facility cost curve (:func:`arealsirk.costs.cost_curve`, economies of scale),
:math:`c_i` the transport cost per tonne-km of the source's kind (vehicle class), :math:`b_i` the product
value per tonne (methane energy) and :math:`x_{i0}` the tonnes left to the alternative at
:math:`a_i` NOK/t (``costs.alternative_nok_per_t.<kind>``: another plant's gate fee for food waste,
untreated spreading for manure).  Every source is handled one way or the other, so :math:`v(S)` is
the total cost of the feedstock of :math:`S` and the saving of cooperation is
:math:`\\sum_i v(\\{i\\}) - v(N)`.

The model is :func:`arealsirk.locate.facility_location` on one cost matrix built once (road km from
every source to every candidate): :math:`C` enters as ``cooperation.cost_curve_segments`` linear pieces
(one column per candidate and piece, fixed cost = the piece's intercept; the lower envelope of the
secants of a concave curve), and the chosen plants are then costed with the exact curve.  Each coalition
is solved once and cached.  With ``own_sites_only=True`` a coalition may only build on candidates of
its own groups (the candidates need the grouping column too).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from .cooperation import CostGame
from .costs import alternative_nok_per_t, benefit_nok_per_t, cost_curve, transport_nok_per_tkm
from .errors import InputError, MissingColumnError
from .resources import check_parameters, has_methane_yield, parameter, to_canonical

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["FeedstockGame", "Solution", "biogas_game"]


@dataclass(frozen=True)
class Solution:
    """The plants a coalition builds and the cost of its feedstock.

    Attributes
    ----------
    cost_nok
        :math:`v(S)`, NOK/yr (exact cost curve).
    plants
        Rows ``site_id, site_index, feedstock_t, facility_nok, capex_nok, groups``.
    collected_t, uncollected_t, tonne_km, transport_nok, benefit_nok, alternative_nok
        Totals of the coalition.
    model_nok
        Objective of the linear-pieces model (<= ``cost_nok``; the difference is the approximation).
    status
        Status of the location model.
    sources
        Per source of the coalition: ``source, group, supplied_t, collected_t, tonne_km,
        transport_nok, benefit_nok, alternative_nok`` (``None`` until attached).
    """

    cost_nok: float
    plants: pd.DataFrame
    collected_t: float
    uncollected_t: float
    tonne_km: float
    transport_nok: float
    benefit_nok: float
    alternative_nok: float
    model_nok: float
    status: str
    #: per source of the coalition: ``source, group, supplied_t, collected_t, tonne_km, transport_nok,
    #: benefit_nok, alternative_nok``
    sources: pd.DataFrame | None = field(default=None, repr=False)

    def by_group(self) -> pd.DataFrame:
        """The :attr:`sources` table summed per group."""
        cols = ["supplied_t", "collected_t", "tonne_km", "transport_nok", "benefit_nok", "alternative_nok"]
        if self.sources is None:
            raise InputError("Solution.by_group: this solution has no per-source table (sources=None)")
        return self.sources.groupby("group", as_index=False)[cols].sum()


class FeedstockGame(CostGame):
    """Cost game of a feedstock theme; build it with :func:`biogas_game`.

    ``game(coalition)`` is :math:`v(S)`; ``game.solution(coalition)`` the plants behind it;
    ``game.solve(coalition, count=k)`` a solution with exactly ``k`` plants (not cached as :math:`v`).

    Parameters
    ----------
    players
        The groups.
    group
        The group of each source.
    site_group
        The group of each candidate site (a coalition builds only on its own), or ``None``.
    site_ids
        The id of each candidate site.
    quantity
        Tonnes per year of each source.
    km
        Road km, sources x candidates (``inf`` = unreachable).
    per_tkm, benefit, alternative
        Per source: transport NOK per tonne-km, product value NOK per tonne collected, and the
        cost NOK per tonne of handling it without the facility.
    facility_type
        The cost curve's facility type (``biogas_plant``).
    max_km
        The haul limit of each source, km.
    min_t, cap_t
        Smallest and largest plant, t/yr.
    parameters
        Checked overrides of defaults-table keys.
    exact, time_limit
        Passed to :func:`arealsirk.locate.facility_location` for every coalition.
    name
        The game's name in messages.
    treat_all
        ``True``: every source an allowed site reaches goes to a plant (``mode="treat_all"`` of
        :func:`biogas_game`); ``False``: a source may stay with its alternative.
    """

    def __init__(
        self,
        *,
        players: list[str],
        group: np.ndarray,
        site_group: np.ndarray | None,
        site_ids: np.ndarray,
        quantity: np.ndarray,
        km: np.ndarray,
        per_tkm: np.ndarray,
        benefit: np.ndarray,
        alternative: np.ndarray,
        facility_type: str,
        max_km: np.ndarray,
        min_t: float,
        cap_t: float,
        parameters: dict[str, float],
        exact: bool,
        time_limit: float | None,
        name: str,
        treat_all: bool,
    ) -> None:
        super().__init__(players, lambda s: self._solve(s).cost_nok, name=name)
        self.group, self.site_group, self.site_ids = group, site_group, site_ids
        self.q, self.km, self.per_tkm = quantity, km, per_tkm
        self.benefit, self.alternative = benefit, alternative
        self.curve = cost_curve(facility_type, parameters)
        self.max_km, self.min_t, self.cap_t = max_km, min_t, cap_t
        self.params, self.exact, self.time_limit = parameters, exact, time_limit
        self.treat_all = treat_all
        n_seg = max(int(parameter("cooperation.cost_curve_segments", parameters)), 1)
        low = min_t if min_t > 0 else cap_t / 2 ** (n_seg - 1)
        self.intercepts, self.slopes, self.sizes = self.curve.pieces(min(low, cap_t), cap_t, n_seg)
        self.solutions: dict[frozenset[str], Solution] = {}

    def keys(self) -> pd.DataFrame:
        """Proportional keys per group: ``tonnes`` (supplied), ``benefit`` (product value of all its
        feedstock, NOK/yr) and ``tonne_km`` (its transport work in the joint solution).
        Add ``inhabitants`` yourself (the game does not know them)."""
        import pandas as pd

        g = self.solution(self.grand).by_group().set_index("group")
        out = pd.DataFrame(index=pd.Index(self.players, name="group"))
        sup = pd.Series(self.q).groupby(self.group).sum()
        ben = pd.Series(self.q * self.benefit).groupby(self.group).sum()
        out["tonnes"] = sup.reindex(out.index).to_numpy()
        out["benefit"] = ben.reindex(out.index).to_numpy()
        out["tonne_km"] = g["tonne_km"].reindex(out.index).fillna(0.0).to_numpy()
        return out

    def solution(self, coalition: Any) -> Solution:
        """The plants behind :math:`v(S)` (solving it if not yet done)."""
        s = frozenset(str(p) for p in coalition)
        self(s)
        return self.solutions[s]

    def solve(self, coalition: Any, *, count: int | None = None) -> Solution:
        """Solve ``coalition``'s siting; with ``count`` exactly that many plants (not cached as v).

        With ``count`` each plant's cost enters the model as the tangent of the cost curve at the mean
        plant size (tonnes / count), so the count is one of sites; the plants are then costed exactly.
        """
        s = frozenset(str(p) for p in coalition)
        unknown = sorted(s - set(self.players))
        if unknown:
            raise InputError(f"cooperation: '{unknown[0]}' is not a group; groups: {', '.join(self.players)}")
        return self._solve(s, count=count, keep=count is None)

    def _solve(self, s: frozenset[str], *, count: int | None = None, keep: bool = True) -> Solution:
        import pandas as pd

        rows = np.flatnonzero(np.isin(self.group, list(s)))
        q = self.q[rows]
        km = self.km[rows]
        allowed = km <= self.max_km[rows][:, None]
        sites_ok = np.ones(km.shape[1], dtype=bool)
        if self.site_group is not None:
            sites_ok &= np.isin(self.site_group, list(s))
        sites_ok &= (q[:, None] * allowed).sum(axis=0) >= self.min_t
        cols = np.flatnonzero(sites_ok)
        if self.treat_all:  # a source no allowed site reaches is left to its alternative
            reach = allowed[:, sites_ok].any(axis=1)
            rows, q, km, allowed = rows[reach], q[reach], km[reach], allowed[reach]
            left = np.setdiff1d(np.flatnonzero(np.isin(self.group, list(s))), rows)
        else:
            left = np.array([], dtype=int)
        alt_left = float((self.q[left] * self.alternative[left]).sum())
        alt_total = float((q * self.alternative[rows]).sum()) + alt_left
        empty = pd.DataFrame(columns=["site_id", "site_index", "feedstock_t", "facility_nok", "capex_nok"])
        if count is not None and count > cols.size:
            raise InputError(
                f"cooperation: {_name(s)} can open at most {cols.size} plant(s) of at least "
                f"{self.min_t:g} t/yr within the haul limits; count={count}"
            )
        flows_by_row = None
        if cols.size == 0 or q.sum() <= 0:
            sol = Solution(
                alt_total,
                empty,
                0.0,
                float(self.q[rows].sum() + self.q[left].sum()),
                0.0,
                0.0,
                0.0,
                alt_total,
                alt_total,
                "optimal",
            )
        else:
            sol, flows_by_row = self._model(s, rows, q, km, allowed, cols, count)
            if left.size:
                unc = float(self.q[left].sum())
                sol = Solution(
                    sol.cost_nok + alt_left,
                    sol.plants,
                    sol.collected_t,
                    sol.uncollected_t + unc,
                    sol.tonne_km,
                    sol.transport_nok,
                    sol.benefit_nok,
                    sol.alternative_nok + alt_left,
                    sol.model_nok + alt_left,
                    sol.status,
                )
        sol = replace(sol, sources=self._per_source(s, flows_by_row))
        if keep:
            self.solutions[s] = sol
        return sol

    def _per_source(self, s: frozenset[str], flows: dict[str, np.ndarray] | None) -> pd.DataFrame:
        import pandas as pd

        members = np.flatnonzero(np.isin(self.group, list(s)))
        df = pd.DataFrame({"source": members, "group": self.group[members], "supplied_t": self.q[members]})
        for c in ("collected_t", "tonne_km", "transport_nok", "benefit_nok"):
            df[c] = 0.0
        if flows is not None:
            pos = {int(r): i for i, r in enumerate(members)}
            idx = [pos[int(r)] for r in flows["rows"]]
            for c in ("collected_t", "tonne_km", "transport_nok", "benefit_nok"):
                df.loc[idx, c] = flows[c]
        df["alternative_nok"] = (df["supplied_t"] - df["collected_t"]).clip(lower=0) * self.alternative[
            members
        ]
        return df

    def _model(
        self,
        s: frozenset[str],
        rows: np.ndarray,
        q: np.ndarray,
        km: np.ndarray,
        allowed: np.ndarray,
        cols: np.ndarray,
        count: int | None,
    ) -> tuple[Solution, dict[str, np.ndarray]]:
        """Site coalition ``s``: build the facility-location model, solve it, explain its flows."""
        from .errors import InfeasibleError
        from .locate import facility_location

        intercepts, slopes = self.intercepts, self.slopes
        if count is not None:
            # one piece per site (so that ``count`` counts sites): the tangent at the mean plant size
            mean = min(self.cap_t, max(self.min_t, float(q.sum()) / count, 1e-9))
            intercepts, slopes, _ = self.curve.pieces(mean, mean, 1)
        m = _Model(self, rows, km, allowed, cols, intercepts, slopes)
        try:
            res = facility_location(
                m.cost,
                q,
                m.cap,
                m.fixed_cost,
                min_load=m.min_load,
                fixed=[m.m],
                p=None if count is None else count + 1,
                exact=self.exact,
                time_limit=self.time_limit,
            )
        except InfeasibleError as e:  # pragma: no cover - the alternative column is always open
            raise InfeasibleError(f"cooperation: {_name(s)}: {e}") from e
        if res.flows is None:  # pragma: no cover - facility_location always returns its flows
            raise InfeasibleError(f"cooperation: {_name(s)}: the location model returned no flows")
        return self._explain(res.flows.toarray(), float(res.objective), str(res.status), rows, q, cols, m)

    def _explain(
        self,
        flows: np.ndarray,
        objective: float,
        status: str,
        rows: np.ndarray,
        q: np.ndarray,
        cols: np.ndarray,
        m: _Model,
    ) -> tuple[Solution, dict[str, np.ndarray]]:
        """The solution (plants, tonnes, tonne-km, NOK at the exact cost curve) and the per-row flows
        from the model's flow matrix (rows x plant-pieces + the alternative column)."""
        import pandas as pd

        load_col = flows[:, : m.m]
        site_of_col = np.tile(cols, m.pieces)
        loads = np.zeros(self.km.shape[1])
        np.add.at(loads, site_of_col, load_col.sum(axis=0))
        to_site = np.zeros((rows.size, self.km.shape[1]))
        np.add.at(to_site.T, site_of_col, load_col.T)
        open_sites = np.flatnonzero(loads > 1e-9)
        unc = flows[:, m.m]
        tkm_row = (to_site * np.where(np.isfinite(self.km[rows]), self.km[rows], 0.0)).sum(axis=1)
        tkm = float(tkm_row.sum())
        transport = float((tkm_row * self.per_tkm[rows]).sum())
        collected = to_site.sum(axis=1)
        benefit = float((collected * self.benefit[rows]).sum())
        alternative = float((unc * self.alternative[rows]).sum())
        facility = self.curve.annual(loads[open_sites])
        groups = [
            ", ".join(sorted({str(g) for g in self.group[rows][to_site[:, j] > 1e-9]})) for j in open_sites
        ]
        plants = pd.DataFrame(
            {
                "site_id": self.site_ids[open_sites],
                "site_index": open_sites,
                "feedstock_t": loads[open_sites],
                "facility_nok": facility,
                "capex_nok": self.curve.capex(loads[open_sites]),
                "groups": groups,
            }
        )
        total = float(facility.sum()) + transport - benefit + alternative
        model = (
            objective
            - float((q * m.shift).sum())
            - (m.big * float(unc.sum()) if self.treat_all else 0.0)
        )
        sol = Solution(
            total,
            plants,
            float(collected.sum()),
            float(unc.sum()),
            tkm,
            transport,
            benefit,
            alternative,
            model,
            status,
        )
        flows_by_row = {
            "rows": rows,
            "collected_t": collected,
            "tonne_km": tkm_row,
            "transport_nok": tkm_row * self.per_tkm[rows],
            "benefit_nok": collected * self.benefit[rows],
        }
        return sol, flows_by_row


class _Model:
    """The facility-location model of one coalition: columns are (piece of the cost curve x allowed
    site) and one last column, the alternative (always open, no fixed cost, no capacity)."""

    def __init__(
        self,
        game: FeedstockGame,
        rows: np.ndarray,
        km: np.ndarray,
        allowed: np.ndarray,
        cols: np.ndarray,
        intercepts: np.ndarray,
        slopes: np.ndarray,
    ) -> None:
        self.pieces = slopes.size
        self.shift = game.benefit[rows]  # makes every entry >= 0; the objective moves by sum(q * shift)
        unit = game.per_tkm[rows][:, None] * km[:, cols] - game.benefit[rows][:, None] + self.shift[:, None]
        unit = np.where(allowed[:, cols], unit, np.inf)
        cost = np.concatenate([unit + sl for sl in slopes], axis=1)
        # treat_all: leaving a reachable row to its alternative costs a penalty far above any way of
        # treating it (so the model collects all it can; a row the chosen plants cannot reach -- with
        # ``count`` -- is still feasible and is reported as not collected, at its alternative cost)
        self.big = 10.0 * (
            float(np.max(slopes))
            + float(np.max(game.per_tkm * np.where(np.isfinite(game.max_km), game.max_km, 0.0)))
            + float(np.max(game.benefit))
            + float(np.max(game.alternative))
            + 1.0
        )
        alt_col = game.alternative[rows] + self.shift + np.where(game.treat_all, self.big, 0.0)
        self.cost = np.column_stack([cost, alt_col])
        self.m = cols.size * self.pieces  # the index of the alternative column
        self.fixed_cost = np.r_[np.repeat(intercepts, cols.size), 0.0]
        self.cap = np.r_[np.full(self.m, game.cap_t), np.inf]
        self.min_load = np.r_[np.full(self.m, game.min_t), 0.0]


def _name(s: frozenset[str]) -> str:
    return "coalition " + " + ".join(sorted(s))


def _feedstock_rows(
    src: gpd.GeoDataFrame, group_by: str, params: Mapping[str, Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Kinds, tonnes per year and group of every source, refusing what the biogas game cannot use."""
    kinds = src["kind"].astype(str).str.strip().str.lower().to_numpy()
    bad = sorted({k for k in kinds if not has_methane_yield(k, params)})
    if bad:
        raise InputError(
            f"sources, column 'kind': '{bad[0]}' has no methane yield; keep only biogas feedstock"
        )
    units = src["unit"].astype(str) if "unit" in src.columns else ["t/yr"] * len(src)
    q = np.empty(len(src))
    for i, (k, u, v) in enumerate(zip(kinds, units, src["quantity"], strict=True)):
        q[i], cu = to_canonical(float(v), u, kind=k, context="sources, column 'unit': ")
        if cu != "t/yr":
            raise InputError(f"sources, column 'unit': row {i} ({k}) is {u!r}, not a mass")
    group = src[group_by].astype(str).str.strip().to_numpy()
    if (group == "").any() or src[group_by].isna().any():
        raise InputError(
            f"sources, column '{group_by}': {int((group == '').sum() + src[group_by].isna().sum())} "
            "row(s) have no group"
        )
    return kinds, q, group


def biogas_game(
    sources: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    roads: Any,
    *,
    group_by: str,
    own_sites_only: bool = False,
    max_km: float | None = None,
    min_plant_t: float | None = None,
    capacity_t: float | None = None,
    distance_km: np.ndarray | None = None,
    mode: str = "treat_all",
    parameters: Mapping[str, Any] | None = None,
    exact: bool = False,
    time_limit: float | None = None,
) -> FeedstockGame:
    """The biogas cost game of the groups in ``sources[group_by]`` (see the module docstring).

    Parameters
    ----------
    sources
        Feedstock points with ``kind``, ``quantity`` (t/yr; ``unit`` optional) and the ``group_by``
        column; kinds without a methane yield are refused (name them or filter first).
    candidates
        Candidate plant sites (points or polygons; ``id`` used when present).  With
        ``own_sites_only`` they need the ``group_by`` column.
    roads
        Road lines, a graph, or ``None`` (straight line x ``resources.road_detour_factor``).
        Ignored when ``distance_km`` is given.
    group_by
        Column of the groups (``kommunenummer``, ``region``, a waste company ...).
    own_sites_only
        A coalition builds only on candidates of its own groups.
    max_km, min_plant_t, capacity_t
        As :func:`arealsirk.workflows.site_biogas`: ``max_km`` for every kind when given, else the
        haul limit of each kind (``biogas.max_km.<kind>``, else ``biogas.max_km``); ``biogas.capacity_t``;
        ``min_plant_t`` defaults to ``biogas.min_plant_t`` in ``"optional"`` mode and to 0 in
        ``"treat_all"`` mode, where a small group must be able to build its own, small and dear plant).
    mode
        ``"treat_all"`` (default): the groups have decided to treat their feedstock; every source an
        allowed site reaches within ``max_km`` goes to a plant and :math:`v(S)` is the least cost of
        doing so (sources no site reaches -- or, with ``count``, no open plant reaches -- are left to
        their alternative and reported as not collected; inside the model leaving a reachable source
        costs a penalty ten times any way of treating it).
        ``"optional"``: a source may also stay with its alternative when that is cheaper -- with
        today's energy values a manure-dominated plant seldom pays on its own, and then nothing is
        built.
    distance_km
        Precomputed road km, sources x candidates (``inf`` = unreachable).
    parameters
        Overrides of defaults-table keys (``costs.*``, ``biogas.*``, ``resources.*``).
    exact, time_limit
        Passed to :func:`arealsirk.locate.facility_location` for every coalition.

    Raises
    ------
    MissingColumnError
        ``group_by`` (or ``kind``/``quantity``) missing from the sources or, with ``own_sites_only``,
        from the candidates.
    InputError
        A kind without a methane yield, a unit that is not a mass, an empty group value.
    """
    from .workflows import ids_of, points_of

    params = check_parameters(parameters)
    for col in ("kind", "quantity", group_by):
        if col not in sources.columns:
            raise MissingColumnError(f"sources: column '{col}' missing (needed by the biogas cost game)")
    if own_sites_only and group_by not in candidates.columns:
        raise MissingColumnError(f"candidates: column '{group_by}' missing (own_sites_only=True)")
    src = points_of(sources)
    kinds, q, group = _feedstock_rows(src, group_by, params)
    cand = points_of(candidates)
    site_ids = ids_of(cand, "site").astype(str).to_numpy()
    km = _game_km(roads, src, cand, distance_km, params)
    limits, val = _limits(kinds, mode, max_km, min_plant_t, capacity_t, params)
    return FeedstockGame(
        players=sorted(set(group)),
        group=group,
        site_group=cand[group_by].astype(str).to_numpy() if own_sites_only else None,
        site_ids=site_ids,
        quantity=q,
        km=km,
        per_tkm=np.array([transport_nok_per_tkm(k, params) for k in kinds]),
        benefit=np.array([benefit_nok_per_t("biogas_plant", k, params) for k in kinds]),
        alternative=np.array([alternative_nok_per_t(k, params) for k in kinds]),
        facility_type="biogas_plant",
        max_km=limits,
        min_t=val["min_plant_t"],
        cap_t=val["capacity_t"],
        parameters=params,
        exact=exact,
        time_limit=time_limit,
        name=f"biogas by {group_by}",
        treat_all=mode == "treat_all",
    )


def _game_km(
    roads: Any,
    src: gpd.GeoDataFrame,
    cand: gpd.GeoDataFrame,
    distance_km: np.ndarray | None,
    params: Mapping[str, Any],
) -> np.ndarray:
    """Road km sources x candidates: ``distance_km`` checked for its shape, else from the roads."""
    from .workflows import road_km_matrix

    if distance_km is None:
        return road_km_matrix(
            roads, src, cand, parameters=params, what="biogas cost game", names=("sources", "candidates")
        )
    km = np.asarray(distance_km, dtype=float)
    if km.shape != (len(src), len(cand)):
        raise InputError(
            f"distance_km: shape {km.shape}, expected {(len(src), len(cand))} (sources x candidates)"
        )
    return km


def _limits(
    kinds: np.ndarray,
    mode: str,
    max_km: float | None,
    min_plant_t: float | None,
    capacity_t: float | None,
    params: Mapping[str, Any],
) -> tuple[np.ndarray, dict[str, float]]:
    """The haul limit of each source and the plant bounds ``min_plant_t``/``capacity_t`` (t/yr) of
    the biogas game in ``mode``."""
    from .workflows import haul_limits
    from .workflows.biogas import BIOGAS

    if mode not in ("treat_all", "optional"):
        raise InputError(f"mode must be 'treat_all' or 'optional', got {mode!r}")
    if mode == "treat_all" and min_plant_t is None:
        min_plant_t = 0.0
    limits, _, _ = haul_limits(BIOGAS, kinds, max_km, params)
    opt = {"min_plant_t": min_plant_t, "capacity_t": capacity_t}
    val = {k: parameter(f"biogas.{k}", params) if v is None else float(v) for k, v in opt.items()}
    if val["min_plant_t"] > val["capacity_t"]:
        raise InputError(f"min_plant_t={val['min_plant_t']:g} is above capacity_t={val['capacity_t']:g}")
    return limits, val
