"""Reuse centres (ombrukssentre, kretsløpsparker): maximal coverage or p-median on drive times.

Demand is people: population grid cells (polygons -> centroids) or points with a
population column.  Candidate sites and the existing recycling stations (which
the model keeps: they are *fixed* open facilities) are snapped to the road
graph (:func:`arealsirk.network.graph_from_roads`) once.  The location model is one of

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

Drive times never form a dense people x sites matrix for the coverage objective (issue 19):
the pairs within the largest band come from :func:`arealsirk.proximity.od_matrix_sparse`
(from the distinct road nodes of the people); who reaches any site at all from one multi-source
Dijkstra (:func:`arealsirk.proximity.nearest_facility`); the nearest open site beyond the band
from road-time columns of only the sites that are ever open (model or curve); road km only from
each person to their own site.  The p-median needs every pair and gets the dense matrix.

The run reads as its phases: :func:`_validate` -> :class:`_DriveTimes` (network and costs) ->
:func:`_solve` and :func:`_curve` -> :func:`_allocation`, :func:`_by_kommune`,
:func:`_balance_summary` (balance and explanations) -> the layers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
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
    SiteLayers,
    as_graph,
    clean_kommuner,
    ids_of,
    kommune_names,
    kommune_of,
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
    import pandas as pd
    import scipy.sparse as sp

    from ..suitability.constraints import Exclusions

log = logging.getLogger("arealsirk")

__all__ = ["coverage_table", "site_reuse_centres"]

_EXISTING_TYPES = ("recycling_station", "reuse_centre", "gjenvinningsstasjon", "ombrukssenter")
_DEMAND_IDS = ("id", "ssbid", "ru250m", "ssbid_1000m", "ssbid_250m")
#: open sites per road-km OD matrix in :meth:`_DriveTimes.distance_km` (bounds its memory)
_KM_BATCH = 64


def coverage_table(minutes: np.ndarray, population: np.ndarray, groups: Any, bands: list[float]) -> Any:
    """Per group: population, people and share within each band, mean minutes to the nearest site.

    Parameters
    ----------
    minutes
        Drive time of each demand point to its nearest open site (``inf`` when none is reachable;
        such people count as within no band and are left out of the mean, and are reported as
        ``unreachable_population``).
    population
        People per demand point.
    groups
        Group (kommunenummer) per demand point.
    bands
        Band limits in minutes.

    Returns
    -------
    pandas.DataFrame
        One row per group (sorted): ``kommunenummer``, ``population``, ``within_<b>_min`` and
        ``share_<b>_min`` per band, ``mean_minutes``, ``unreachable_population``.
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
        row["mean_minutes"] = _mean_minutes(d["min"].to_numpy()[fin], w)
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
    crs: Any,
) -> gpd.GeoDataFrame:
    """Service areas of the open sites, one :func:`arealsirk.proximity.service_areas` call for all.

    The sites' own snapped points are passed (snapped again to the same nodes): a road point is
    inside when the site's access time (snap distance at ``network.snap_speed_kph``) + drive <=
    minutes.  An area the access time alone uses up is empty, with a note naming the site.
    """
    import geopandas as gpd
    import shapely

    from ..network.proximity import service_areas

    access_min = snapped.access_cost("travel_time")[open_] / 60.0
    for sid, acc in zip(site_ids, access_min, strict=True):
        for m in minutes:
            if m - acc <= 1e-9:
                messages.append(Message("reuse.empty_area", id=sid, access=float(acc), minutes=float(m)))
    points = list(np.asarray(snapped.points, dtype=object)[open_])
    sa = service_areas(graph, gpd.GeoDataFrame({"id": site_ids}, geometry=points, crs=crs), minutes,
                       id_column="id")  # rows: site by site, minutes increasing
    sa = sa.drop(columns="facility")
    used_up = np.repeat(access_min, len(minutes)) >= np.tile(minutes, len(site_ids)) - 1e-9
    sa.loc[used_up, "geometry"] = shapely.Polygon()
    sa["facility_type"] = "reuse_centre"
    return sa


@dataclass
class _Run:
    """The validated inputs of one run (phase 1); later phases append to ``messages`` and ``bal``."""

    dem: gpd.GeoDataFrame  #: populated demand inside the region
    pop: np.ndarray  #: people per row of ``dem``
    kom: gpd.GeoDataFrame | None
    site_set: SiteLayers  #: existing stations first (fixed), then candidates
    count: int
    max_minutes: float
    limit_key: str  #: where ``max_minutes`` came from, for the balance headline
    objective: str
    params: dict[str, Any]
    bands: list[float]  #: the report bands and ``max_minutes``, sorted and distinct
    bal: BalanceRows
    messages: list[Any]

    @property
    def sites(self) -> gpd.GeoDataFrame:
        return self.site_set.sites

    @property
    def n_fixed(self) -> int:
        return self.site_set.n_existing

    @property
    def total_pop(self) -> float:
        return float(self.pop.sum())


def _validate(
    demand: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    *,
    population_column: str,
    count: int | None,
    max_minutes: float | None,
    existing: gpd.GeoDataFrame | None,
    kommuner: gpd.GeoDataFrame | None,
    objective: str,
    exclusions: Exclusions | gpd.GeoDataFrame | None,
    parameters: Mapping[str, Any] | None,
) -> _Run:
    """Phase 1: check every option and layer, drop empty and out-of-region demand (into the balance)."""
    params = check_parameters(parameters)
    limit_key = "max_minutes" if max_minutes is not None else "reuse.max_minutes"
    minutes = option(max_minutes, "reuse.max_minutes", "max_minutes", params, minimum=0,
                     exclusive_minimum=True)
    n = int(check_number(count if count is not None else parameter("reuse.count", params), "count",
                         minimum=1, integer=True))
    if objective not in ("coverage", "median", "p_median"):
        raise InputError(f"objective must be 'coverage' or 'median', got {objective!r}")
    dem = validate_layer(demand, name="demand", geometry=["point", "polygon"], numeric=(population_column,))
    dem = dem[dem[population_column] > 0].reset_index(drop=True)
    if not len(dem):
        raise InputError(f"demand, column '{population_column}': no feature has a population above 0")
    kom = clean_kommuner(kommuner)
    bal = BalanceRows("reuse")
    bal.total("population", float(dem[population_column].sum()), "people")
    outside = outside_region(dem, kom)
    if outside.any():
        bal.add("population", "outside_region", float(dem.loc[outside, population_column].sum()))
        dem = dem.loc[~outside].reset_index(drop=True)
        if not len(dem):
            raise InputError("demand: every populated feature lies outside the kommune polygons")
    site_set = site_layers(candidates, existing, existing_types=_EXISTING_TYPES, exclusions=exclusions,
                           crs=dem.crs, what="station", other_message="reuse.other_existing",
                           parameters=params)
    sites, n_fixed = site_set.sites, site_set.n_existing
    if "name" not in sites.columns:
        sites["name"] = sites["id"]
    sites["name"] = sites["name"].fillna(sites["id"]).astype(str)
    if n < n_fixed:
        raise InputError(
            f"count={n} is smaller than the {n_fixed} existing recycling stations that "
            f"are kept; use count >= {n_fixed} (it counts existing sites) or pass fewer existing"
        )
    if n > len(sites):
        raise InputError(
            f"count={n} but only {len(sites)} sites are available "
            f"({n_fixed} existing + {len(sites) - n_fixed} candidates)"
        )
    bands = [parameter(f"reuse.band{i}_minutes", params) for i in (1, 2, 3)]
    return _Run(dem=dem, pop=dem[population_column].to_numpy(dtype=float), kom=kom, site_set=site_set,
                count=n, max_minutes=float(minutes), limit_key=limit_key, objective=objective, params=params,
                bands=sorted(set(bands) | {minutes}), bal=bal, messages=list(site_set.messages))


class _DriveTimes:
    """Phase 2: drive minutes between demand rows and sites, bounded by a cutoff (issue 19).

    Every cost is the one of :func:`~arealsirk.workflows._common.od_snapped` (access time of the
    person + road time + access time of the site, ``inf`` for a point that is not snapped), in
    minutes, but no people x sites matrix is held:

    * ``within`` -- the pairs within ``cutoff`` minutes, sparse: :func:`od_matrix_sparse` from the
      distinct road nodes of the people, then per person with both access times.  All the coverage
      model and the coverage curve need.
    * ``best`` -- minutes to the nearest site of all (``inf`` = no site on the person's road part):
      one multi-source Dijkstra (:func:`nearest_facility`).
    * :meth:`nearest` -- each person's nearest site of a set: from ``within`` where one is within
      the cutoff (lowest index on ties, as a dense ``argmin``), else from per-site columns of road
      times from the distinct nodes of the people, computed once for each site that is ever open.
    * :meth:`distance_km` -- road km of each person to one given site (one OD matrix per batch of
      sites, from the distinct nodes of their people).
    """

    def __init__(self, graph: Any, dem_pts: gpd.GeoDataFrame, site_set: SiteLayers, cutoff: float) -> None:
        self.graph, self.crs, self.cutoff = graph, dem_pts.crs, float(cutoff)
        self.points = dem_pts  #: the demand as points (polygons -> a point inside)
        # snap each layer once; every cost and the service areas reuse the snapped nodes
        self.dem_snap = snap_layer(graph, dem_pts, name="population")
        self.site_snap = snap_parts(graph, site_set.parts)
        self.n, self.m = len(dem_pts), len(self.site_snap.nodes)
        index: dict[Any, int] = {}
        self.row_node = np.fromiter((index.setdefault(v, len(index)) for v in self.dem_snap.nodes),
                                    dtype=np.int64, count=self.n)
        self.nodes = list(index)  # the distinct road nodes of the people
        self.a = self.dem_snap.access_cost("travel_time")
        self.b = self.site_snap.access_cost("travel_time")
        self._cols: dict[int, np.ndarray] = {}
        self.within = self._within()
        self.within_csc = self.within.tocsc()
        self.best = self._all_sites_beyond()

    def _within(self) -> sp.csr_matrix:
        import scipy.sparse as sp

        from ..network.proximity import od_matrix_sparse

        # a hair above the cutoff in seconds, so that no pair within it in minutes is lost to rounding
        raw = od_matrix_sparse(self.graph, self.nodes, list(self.site_snap.nodes),
                               cutoff=self.cutoff * 60.0 * (1 + 1e-9), weight="travel_time")
        coo = raw[self.row_node].tocoo()  # explicit zeros (a person on a site's node) are kept
        r, c = coo.row, coo.col
        minutes = ((coo.data + self.a[r]) + self.b[c]) / 60.0
        keep = minutes <= self.cutoff
        return sp.csr_matrix((minutes[keep], (r[keep], c[keep])), shape=(self.n, self.m))

    def _all_sites_beyond(self) -> np.ndarray:
        """Minutes from every person to the nearest site of all: one multi-source Dijkstra."""
        import geopandas as gpd

        from ..network.proximity import nearest_facility

        ok = np.asarray(self.site_snap.snapped)  # a site not snapped reaches nobody
        if not ok.any():
            return np.full(self.n, np.inf)
        # the sites' own snapped points: snapped again to the same nodes with the same access times
        layer = gpd.GeoDataFrame(geometry=list(np.asarray(self.site_snap.points, dtype=object)[ok]),
                                 crs=self.crs)
        owner, cost = nearest_facility(self.graph, self.nodes, layer)
        return np.where(owner[self.row_node] >= 0, (cost[self.row_node] + self.a) / 60.0, np.inf)

    def _columns(self, fac: np.ndarray) -> list[np.ndarray]:
        """Road seconds from every distinct node of the people to the node of each site of ``fac``;
        one OD matrix for the sites not asked for before, then kept: only the sites that are open in
        the model or on the curve ever get a column."""
        from ..network.proximity import od_matrix

        new = [int(j) for j in fac if int(j) not in self._cols]
        for start in range(0, len(new), _KM_BATCH):
            batch = new[start:start + _KM_BATCH]
            sec = od_matrix(self.graph, self.nodes, [self.site_snap.nodes[j] for j in batch],
                            weight="travel_time", method="dijkstra")
            for k, j in enumerate(batch):
                self._cols[j] = np.ascontiguousarray(sec[:, k])
        return [self._cols[int(j)] for j in fac]

    def prefetch(self, sites: np.ndarray) -> None:
        """Compute the road-time columns of ``sites`` now (in batches of one OD matrix each)."""
        self._columns(sites)

    def _beyond(self, fac: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Position in ``fac`` of the nearest site for each of ``rows`` (-1: none) and its minutes."""
        uniq, inv = np.unique(self.row_node[rows], return_inverse=True)
        path = np.column_stack([col[uniq] for col in self._columns(fac)])
        who, minutes = np.full(rows.size, -1, dtype=np.int64), np.full(rows.size, np.inf)
        step = max(1, 4_000_000 // max(len(fac), 1))  # rows per block: bounded memory
        for s0 in range(0, rows.size, step):
            blk = slice(s0, s0 + step)
            # the same sum as a dense matrix: (road + the person's access) + the site's access
            sec = (path[inv[blk]] + self.a[rows[blk], None]) + self.b[fac][None, :]
            j = np.argmin(sec, axis=1)  # lowest position on ties, as a dense argmin
            best = sec[np.arange(j.size), j]
            hit = np.isfinite(best)
            who[blk], minutes[blk] = np.where(hit, j, -1), np.where(hit, best / 60.0, np.inf)
        return who, minutes

    def nearest(self, fac: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per person: position in ``fac`` of the nearest site of ``fac`` (0 where none is reachable)
        and the minutes to it (``inf`` where none is)."""
        j = np.zeros(self.n, dtype=np.int64)
        minutes = np.full(self.n, np.inf)
        sub = self.within_csc[:, fac].tocoo()
        order = np.lexsort((sub.col, sub.data, sub.row))  # per row: least minutes, then lowest index
        r, c, v = sub.row[order], sub.col[order], sub.data[order]
        first = np.ones(r.size, dtype=bool)
        first[1:] = r[1:] != r[:-1]
        j[r[first]], minutes[r[first]] = c[first], v[first]
        rest = np.flatnonzero(~np.isfinite(minutes) & np.isfinite(self.best))
        if rest.size:
            who, far = self._beyond(np.asarray(fac), rest)
            hit = who >= 0
            j[rest[hit]], minutes[rest[hit]] = who[hit], far[hit]
        return j, minutes

    def distance_km(self, site: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Road km (shortest by length, access metres at both ends) from each of ``rows`` to ``site``."""
        from ..network.proximity import od_matrix

        a, b = self.dem_snap.access_cost("length"), self.site_snap.access_cost("length")
        out = np.full(rows.size, np.inf)
        targets = np.unique(site)
        for start in range(0, targets.size, _KM_BATCH):
            batch = targets[start:start + _KM_BATCH]
            pick = np.flatnonzero(np.isin(site, batch))
            uniq, inv = np.unique(self.row_node[rows[pick]], return_inverse=True)
            metres = od_matrix(self.graph, [self.nodes[i] for i in uniq],
                               [self.site_snap.nodes[j] for j in batch], weight="length", method="dijkstra")
            col = np.searchsorted(batch, site[pick])
            out[pick] = ((metres[inv, col] + a[rows[pick]]) + b[site[pick]]) / 1000.0
        return out

    def dense_minutes(self) -> np.ndarray:
        """The full people x sites matrix: only for the p-median, which needs every pair."""
        return od_snapped(self.graph, self.dem_snap, self.site_snap, weight="travel_time") / 60.0


class _SetMinutes:
    """Minutes from every person to the nearest site of a changing set (the counts of the curve).

    The set of count ``k + 1`` is the one of ``k`` with a site added and a few swapped, so the
    minutes are updated, not recomputed: people whose nearest site left the set are recomputed
    over the new set; every added site lowers the minutes of the people it is nearer to (its
    ``within`` column, then its road-time column for the people beyond the cutoff).
    """

    def __init__(self, times: _DriveTimes) -> None:
        self.t = times
        self.reach = np.isfinite(times.best)
        self.sites = np.zeros(0, dtype=np.int64)
        self.minutes = np.full(times.n, np.inf)
        self.owner = np.full(times.n, -1, dtype=np.int64)  # a site of the set at those minutes

    def _scratch(self, rows: np.ndarray, sites: np.ndarray) -> None:
        sub = self.t.within[rows][:, sites].tocoo()
        order = np.lexsort((sub.data, sub.row))
        r, c, v = sub.row[order], sub.col[order], sub.data[order]
        first = np.ones(r.size, dtype=bool)
        first[1:] = r[1:] != r[:-1]
        self.minutes[rows], self.owner[rows] = np.inf, -1
        self.minutes[rows[r[first]]], self.owner[rows[r[first]]] = v[first], sites[c[first]]
        rest = rows[~np.isfinite(self.minutes[rows]) & self.reach[rows]]
        if rest.size:
            who, far = self.t._beyond(sites, rest)
            hit = who >= 0
            self.minutes[rest[hit]], self.owner[rest[hit]] = far[hit], sites[who[hit]]

    def update(self, sites: np.ndarray) -> np.ndarray:
        """The minutes for the set ``sites`` (site indices)."""
        sites = np.unique(np.asarray(sites, dtype=np.int64))
        added, removed = np.setdiff1d(sites, self.sites), np.setdiff1d(self.sites, sites)
        if not self.sites.size:
            self._scratch(np.arange(self.t.n), sites)
        elif removed.size:
            self._scratch(np.flatnonzero(np.isin(self.owner, removed)), sites)
        self.sites = sites
        csc = self.t.within_csc
        for j in added:
            r, v = csc.indices[csc.indptr[j]:csc.indptr[j + 1]], csc.data[csc.indptr[j]:csc.indptr[j + 1]]
            lower = v < self.minutes[r]
            self.minutes[r[lower]], self.owner[r[lower]] = v[lower], j
        far = np.flatnonzero((self.minutes > self.t.cutoff) & self.reach)
        if far.size and added.size:
            nodes = self.t.row_node[far]
            for j, col in zip(added, self.t._columns(added), strict=True):
                cand = ((col[nodes] + self.t.a[far]) + self.t.b[j]) / 60.0
                lower = cand < self.minutes[far]
                self.minutes[far[lower]], self.owner[far[lower]] = cand[lower], j
        return self.minutes


def _drive_times(run: _Run, roads: Any, p: Progress) -> _DriveTimes:
    """Phase 2: the road graph, snapping and the cutoff-bounded costs; the unreachable note."""
    p(0.05, "building the road graph")
    graph = as_graph(roads)
    p(0.15, f"drive times {len(run.dem)} demand points x {len(run.sites)} sites")
    times = _DriveTimes(graph, points_of(run.dem), run.site_set, max(run.bands))
    reach = np.isfinite(times.best)
    if (~reach).any():
        run.messages.append(Message("reuse.unreachable", n=int((~reach).sum()),
                                    people=float(run.pop[~reach].sum())))
    if not (times.within.data <= run.max_minutes).any():
        best = times.best
        near = float(np.min(best[np.isfinite(best)])) if np.isfinite(best).any() else float("inf")
        raise InfeasibleError(
            f"nobody is within max_minutes = {run.max_minutes:g} min of any candidate or "
            f"existing site (the nearest person is {near:.1f} min away); raise max_minutes "
            "or add candidates"
        )
    return times


def _solve(run: _Run, times: _DriveTimes, *, exact: bool, time_limit: float | None) -> Any:
    """Phase 3a: the location model for ``count`` sites on the people who reach any site."""
    from .. import locate

    reach = np.isfinite(times.best)
    fixed = np.arange(run.n_fixed)
    if run.objective == "coverage":
        return locate.max_coverage(times.within[reach], run.count, run.max_minutes, weights=run.pop[reach],
                                   fixed=fixed, exact=exact, time_limit=time_limit)
    return locate.p_median(times.dense_minutes()[reach], run.count, weights=run.pop[reach], fixed=fixed,
                           exact=exact, time_limit=time_limit)


def _curve(run: _Run, times: _DriveTimes, res: Any, *, curve_max: int | None, exact: bool,
           time_limit: float | None, check: Callable[[], None]) -> tuple[pd.DataFrame, int | None]:
    """Phase 3b: the coverage curve (one incremental pass, a proven gap per count) and its note."""
    import pandas as pd

    from .. import locate

    target = parameter("reuse.target_share", run.params)
    kmax = int(curve_max if curve_max is not None else parameter("reuse.curve_max", run.params))
    kmax = min(max(kmax, run.count), len(run.sites))
    reach = np.isfinite(times.best)
    w = run.pop[reach]
    share_goal = target * run.total_pop / float(w.sum()) if w.sum() > 0 else 2.0
    cur = locate.coverage_curve(times.within[reach], run.max_minutes, kmax, k_min=max(1, run.n_fixed),
                                weights=w, fixed=np.arange(run.n_fixed), exact=exact,
                                target=share_goal if share_goal <= 1.0 else None, time_limit=time_limit)
    sets = [np.asarray(res.facilities if k == run.count and run.objective == "coverage" else fac,
                       dtype=np.int64) for k, fac in zip(cur.counts.tolist(), cur.facilities, strict=True)]
    times.prefetch(np.unique(np.concatenate(sets)))  # road-time columns of every site on the curve at once
    near = _SetMinutes(times)
    rows = []
    for pos, k in enumerate(cur.counts.tolist()):
        use_res = k == run.count and run.objective == "coverage"
        fac = sets[pos]
        near_k = near.update(fac)
        covered = float(run.pop[near_k <= run.max_minutes].sum())
        fin = np.isfinite(near_k)
        rows.append({
            "sites": k,
            "population_covered": covered,
            "share_covered": covered / run.total_pop,
            "mean_minutes": _mean_minutes(near_k[fin], run.pop[fin]),
            "site_ids": ";".join(run.sites["id"].iloc[fac].astype(str)),
            "status": status_of(res) if use_res else ("optimal" if cur.gap[pos] == 0 else "feasible"),
            "proven_gap": float(cur.gap[pos]) if not use_res else
            (float("nan") if res.gap is None else float(res.gap)),
        })
        check()
    needed = next((r["sites"] for r in rows if r["share_covered"] >= target - 1e-12), None)
    curve = pd.DataFrame(rows)
    if needed is None:
        run.messages.append(Message("reuse.target_unreachable", n=len(run.sites),
                                    share=float(curve["share_covered"].iloc[-1]),
                                    minutes=float(run.max_minutes), target=float(target)))
    else:
        run.messages.append(Message("reuse.needed", n=int(needed), target=float(target),
                                    minutes=float(run.max_minutes)))
    return curve, needed


@dataclass
class _Allocation:
    """Phase 4: each person's nearest open site and the selected-sites layer."""

    sel: gpd.GeoDataFrame
    alloc: gpd.GeoDataFrame
    j_local: np.ndarray  #: position of each person's nearest open site in ``sel``
    minutes: np.ndarray  #: minutes to it (``inf``: no open site on the person's road part)


def _allocation(run: _Run, times: _DriveTimes, open_: np.ndarray) -> _Allocation:
    """Phase 4: nearest open site per person, people served per site, the allocation lines."""
    import geopandas as gpd
    import shapely

    j_local, nearest_min = times.nearest(open_)
    served = np.isfinite(nearest_min)
    within = served & (nearest_min <= run.max_minutes)
    sel = run.sites.iloc[open_].copy().reset_index(drop=True)
    sel["facility_type"] = "reuse_centre"
    sel["kommunenummer"] = kommune_of(sel, run.kom).to_numpy()
    served_pop = np.bincount(j_local[served], weights=run.pop[served], minlength=len(open_))
    within_pop = np.bincount(j_local[within], weights=run.pop[within], minlength=len(open_))
    sel["population_served"] = served_pop
    sel["population_within_cutoff"] = within_pop
    sel["share_within_cutoff"] = np.where(served_pop > 0, within_pop / np.maximum(served_pop, 1e-300),
                                          np.nan)
    cols = ["id", "name", "facility_type", "kommunenummer", "existing", "population_served",
            "population_within_cutoff", "share_within_cutoff", "geometry"]
    sel = gpd.GeoDataFrame(sel[cols], geometry="geometry", crs=run.dem.crs)
    idx = np.flatnonzero(served)
    a = shapely.get_coordinates(times.points.geometry.to_numpy())[idx]
    b = shapely.get_coordinates(sel.geometry.to_numpy())[j_local[idx]]
    b[:, 0] += np.all(a == b, axis=1)  # a person at the site itself: a 1 m line to the east (as _common.line)
    alloc = gpd.GeoDataFrame(
        {
            "source_id": ids_of(run.dem, "cell", prefer=_DEMAND_IDS).to_numpy()[idx],
            "site_id": sel["id"].to_numpy()[j_local[idx]],
            "facility_type": "reuse_centre",
            "kind": "population",
            "quantity": run.pop[idx],
            "unit": "people",
            "distance_km": times.distance_km(open_[j_local[idx]], idx),
            "travel_min": nearest_min[idx],
            "within_cutoff": nearest_min[idx] <= run.max_minutes,
        },
        geometry=shapely.linestrings(np.stack([a, b], axis=1)) if idx.size else [],
        crs=run.dem.crs,
    )
    return _Allocation(sel, alloc, j_local, nearest_min)


def _by_kommune(run: _Run, al: _Allocation) -> pd.DataFrame:
    """Phase 5a: people and shares within each band per kommune, mean minutes, main site."""
    import pandas as pd

    groups = kommune_of(run.dem, run.kom)
    by_k = coverage_table(al.minutes, run.pop, groups, run.bands)
    names = kommune_names(run.kom)
    by_k.insert(1, "kommunenavn", [names.get(str(c), "") for c in by_k["kommunenummer"]])
    served = np.isfinite(al.minutes)
    main_site = pd.DataFrame({"k": groups.to_numpy(), "site": al.sel["id"].to_numpy()[al.j_local],
                              "pop": run.pop})
    main_site = main_site[served].groupby(["k", "site"])["pop"].sum().reset_index()
    main_site = main_site.sort_values(["k", "pop"], ascending=[True, False]).drop_duplicates("k")
    by_k["main_site"] = by_k["kommunenummer"].map(dict(zip(main_site["k"], main_site["site"], strict=True)))
    by_k["sites_in_kommune"] = (
        by_k["kommunenummer"].map(al.sel.groupby("kommunenummer").size()).fillna(0).astype(int)
    )
    return by_k


def _balance_summary(run: _Run, times: _DriveTimes, al: _Allocation, res: Any,
                     needed: int | None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Phase 5b: where every person ended up (the balance), its headline, the summary figures."""
    nearest_min, pop = al.minutes, run.pop
    cat = np.where(
        np.isfinite(nearest_min),
        np.where(nearest_min <= run.max_minutes, "served_within_limit", "served_beyond_limit"),
        "unreachable_no_site_on_part",
    ).astype(object)
    reasons = snap_reasons(times.dem_snap)
    unsnapped = reasons != ""
    cat[unsnapped] = [reason_category(r) for r in reasons[unsnapped]]
    run.bal.add_many(["population"] * len(pop), cat, pop)
    note_parts(run.bal, ["population"] * len(pop), cat, times.dem_snap)
    balance = run.bal.table()
    limit = f"{run.max_minutes:g} min, {run.limit_key}"
    headline = balance_headline(balance, limits={"served_beyond_limit": limit})
    covered_pop = float(pop[nearest_min <= run.max_minutes].sum())
    fin = np.isfinite(nearest_min)
    summary: dict[str, Any] = {
        "workflow": f"reuse_centres ({run.objective})",
        "balance_headline": headline,
        "sites": len(al.sel),
        "sites_existing": int(al.sel["existing"].sum()),
        "sites_new": int((~al.sel["existing"]).sum()),
        "population": run.total_pop,
        "population_covered": covered_pop,
        "share_covered": covered_pop / run.total_pop,
        "mean_minutes": _mean_minutes(nearest_min[fin], pop[fin]),
        "max_minutes": run.max_minutes,
        "centres_for_target": needed if needed is not None else -1,
        "objective": float(res.objective),
        "gap": float(res.gap) if res.gap is not None else float("nan"),
    }
    return balance, summary


def _site_messages(run: _Run, sel: gpd.GeoDataFrame, res: Any) -> list[Any]:
    """Phase 5c: one explanation per open site, then the model's own notes."""
    out: list[Any] = [
        Message("reuse.site", name=str(s["name"]), id=str(s["id"]),
                why=Message("station.existing" if s["existing"] else "station.new"),
                people=float(s["population_served"]), share=float(s["share_within_cutoff"]),
                minutes=float(run.max_minutes))
        for _, s in sel.iterrows()
    ]
    return out + [model_note(m) for m in getattr(res, "messages", ())]


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
    population_column
        Column of ``demand`` with the people per feature; features with 0 are left out.
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
        ``"coverage"`` (maximal covering) or ``"median"`` (p-median on minutes; it needs the dense
        people x sites matrix, so it is for regions, not for all of Norway).
    exclusions
        Where no new site may be: an :class:`~arealsirk.constraints.Exclusions` (protected areas,
        lakes, settlements with their buffer rows, a DEM for the slope limit, other polygons) or a
        polygon layer (read as ``other``); removed candidates are listed in ``tables["excluded"]``.
    curve_max
        Largest number of sites in the coverage curve (default ``reuse.curve_max``; the curve
        continues until the target share is reached or the candidates run out).
    parameters
        Overrides of defaults-table keys (``reuse.*``: band minutes, target share, curve size;
        ``suitability.*`` rows of the exclusions).
    exact
        Prove the model and every count of the coverage curve with HiGHS (within ``time_limit``)
        where the heuristic's bound leaves a gap.
    time_limit
        Seconds for the model and, separately, for the coverage curve.
    progress, is_cancelled
        Progress callback ``(fraction, message)`` and cancel check.

    Returns
    -------
    WorkflowResult
        layers ``selected_sites`` (population_served, share_within_cutoff), ``allocation``
        (demand -> nearest site, people, travel_min, distance_km), ``service_areas``;
        tables ``by_kommune``, ``coverage_curve``, ``excluded``, ``balance`` and ``parts``.

    Raises
    ------
    InfeasibleError
        When nobody is within ``max_minutes`` of any site.
    InputError
        Bad layers, ``count`` below the number of existing stations or above the sites available.
    """
    p = Progress(progress, is_cancelled)
    p(0.0, "checking inputs")
    run = _validate(demand, candidates, population_column=population_column, count=count,
                    max_minutes=max_minutes, existing=existing, kommuner=kommuner, objective=objective,
                    exclusions=exclusions, parameters=parameters)
    times = _drive_times(run, roads, p)
    p(0.3, f"{run.objective} model with {run.count} sites")
    res = _solve(run, times, exact=exact, time_limit=time_limit)
    p(0.5, "coverage curve")
    curve, needed = _curve(run, times, res, curve_max=curve_max, exact=exact, time_limit=time_limit,
                           check=p.check)
    p(0.7, "allocation and figures")
    open_ = np.asarray(res.facilities, dtype=int)
    al = _allocation(run, times, open_)
    p(0.8, "service areas")
    sa = _service_areas(times.graph, al.sel["id"].astype(str).tolist(), times.site_snap, open_, run.bands,
                        run.messages, times.crs)
    p(0.9, "per kommune")
    by_k = _by_kommune(run, al)
    balance, summary = _balance_summary(run, times, al, res, needed)
    messages = [*summary["balance_headline"], *run.messages, *_site_messages(run, al.sel, res)]
    p(1.0, "done")
    return WorkflowResult(
        layers={"selected_sites": al.sel, "allocation": al.alloc, "service_areas": sa},
        tables={
            "by_kommune": by_k,
            "coverage_curve": curve,
            "excluded": run.site_set.excluded,
            "balance": balance,
            "parts": parts_table(times.graph, times.dem_snap, run.pop,
                                 np.asarray(times.site_snap.part)[open_], name="people"),
        },
        summary=summary,
        status=status_of(res),
        messages=messages,
    )


def _mean_minutes(minutes: np.ndarray, people: np.ndarray) -> float:
    """People-weighted mean drive time of those who reach a site; NaN (an empty cell: not applicable)
    when nobody does, e.g. a curve's first count whose only site is an existing one on an island."""
    return float(np.average(minutes, weights=people)) if float(people.sum()) > 0 else float("nan")
