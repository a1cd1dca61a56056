"""Criteria, normalisation, weights (direct or AHP), weighted scoring and sensitivity.

Two paths share the same criteria and weights:

* the **vector path** -- :func:`score_candidates` scores candidate polygons or
  points (zoned land, user points, regions found by
  :func:`arealsirk.candidates.from_suitability`).  Straight-line distances are
  computed with shapely's STRtree; network distances can be passed in as
  precomputed arrays.  This is what the workflows and the demo pipeline use.
* the **raster path** -- :func:`suitability` is a weighted overlay of criterion
  rasters (ArcGIS "Weighted Overlay"/"Suitability Modeler" style) processed in
  bounded-memory windows, writing a tiled, compressed suitability GeoTIFF and
  one GeoTIFF per normalised criterion.  The QGIS algorithm
  ``arealsirk:suitability`` calls it.

Every criterion score lies in [0, 1] (1 = best) and is kept in its own column
(``score_<criterion>``) or file, so every total can be explained:

.. math::  S_j = \\sum_i w_i \\, s_{ij}, \\qquad \\sum_i w_i = 1,\\; w_i \\ge 0

Weights are set directly (validated and normalised) or derived from a pairwise
comparison matrix with the Analytic Hierarchy Process, :func:`ahp_weights`
(Saaty 1977, 1980).  :func:`sensitivity` perturbs the weights at random
(Monte Carlo) and reports how often each candidate stays in the top *k* and its
rank range.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError, MissingColumnError, where
from .maths import (  # re-exported: the public names of arealsirk.scoring stay here
    SAATY_RANDOM_INDEX,
    AHPResult,
    Categories,
    FuzzyLinear,
    Linear,
    RasterCriterion,
    Sigmoid,
    SuitabilityResult,
    Threshold,
    _direction,
    ahp_weights,
    normalise_weights,
    score_values,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

log = logging.getLogger("arealsirk")

__all__ = [
    "SAATY_RANDOM_INDEX",
    "AHPResult",
    "Categories",
    "Criterion",
    "FuzzyLinear",
    "Linear",
    "RasterCriterion",
    "Sigmoid",
    "SuitabilityResult",
    "Threshold",
    "ahp_weights",
    "attach_sensitivity",
    "attribute",
    "criterion_values",
    "density",
    "distance_to",
    "network_to",
    "normalise_weights",
    "precomputed",
    "score_candidates",
    "score_from_rasters",
    "score_values",
    "sensitivity",
    "suitability",
    "zonal",
]


# ---------------------------------------------------------------------------------------------
# Criteria (vector path)
# ---------------------------------------------------------------------------------------------

_KINDS = ("distance", "network", "density", "attribute", "values", "raster")
_KERNELS = ("quartic", "triangular", "uniform", "gaussian")


@dataclass(frozen=True, eq=False)
class Criterion:
    """One criterion, as data.  Build it with :func:`distance_to`, :func:`density`,
    :func:`attribute`, :func:`precomputed` or :func:`zonal`.

    Attributes
    ----------
    name
        Short name; the score column is ``score_<name>`` and the raw value column ``value_<name>``.
    kind
        ``"distance"`` (straight-line metres from the candidate geometry to the nearest feature
        of ``layer``), ``"network"`` (travel time or length along ``graph`` to the nearest
        feature), ``"density"`` (kernel-weighted sum of ``column`` of ``layer`` within
        ``bandwidth_m``), ``"attribute"`` (a column of the candidates), ``"values"`` (precomputed
        per candidate, e.g. network distances), ``"raster"`` (zonal statistic of a raster).
    better
        ``"near"``/``"low"``: small values are good; ``"far"``/``"high"``: large values are good.
    transform
        Normalisation (:class:`Linear` min-max by default, :class:`FuzzyLinear`, :class:`Sigmoid`,
        :class:`Threshold`, :class:`Categories`).
    layer
        The features of a distance, network or density criterion (GeoDataFrame).
    where
        Column -> allowed value(s) filtering ``layer``; ``None`` for every feature.
    column
        Column summed by a density criterion (``None``: count features), or the candidates' column
        of an attribute criterion.
    values
        Precomputed values of a ``"values"`` criterion: one per candidate (array in candidate
        order, or a mapping/Series keyed by candidate ``id``).
    raster
        Raster (path or dataset) of a ``"raster"`` criterion.
    stat
        Zonal statistic of a raster criterion: ``"mean"`` (default), ``"min"``, ``"max"``,
        ``"median"``, ``"sum"``, ``"count"``, ``"std"`` or ``"majority"``.
    bandwidth_m
        Kernel bandwidth of a density criterion, metres, > 0.
    kernel
        Density kernel: ``"quartic"`` (default), ``"triangular"``, ``"uniform"`` or ``"gaussian"``.
    unit
        Unit of the raw values for tables (``"m"``, ``"s"``, ``"t"``); default ``""``.
    label
        Display label in tables; ``None``: the name.
    graph
        Road graph of a network criterion (from :func:`arealsirk.network.graph_from_roads`).
    weight
        Edge weight of a network criterion: ``"travel_time"`` (default, seconds) or ``"length"``
        (metres). Not the criterion's weight in the total, which :func:`score_candidates` takes.
    """

    name: str
    kind: str
    better: str = "high"
    transform: Any = field(default_factory=Linear)
    layer: Any = None
    where: Mapping[str, Any] | None = None
    column: str | None = None
    values: Any = None
    raster: Any = None
    stat: str = "mean"
    bandwidth_m: float | None = None
    kernel: str = "quartic"
    unit: str = ""
    label: str | None = None
    graph: Any = None
    weight: str = "travel_time"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip() or any(c in self.name for c in " ,;"):
            raise InputError(f"criterion name must be a non-empty word without spaces, got {self.name!r}")
        if self.kind not in _KINDS:
            raise InputError(f"criterion '{self.name}': kind must be one of {_KINDS}, got {self.kind!r}")
        _direction(self.better)
        if self.kind == "network" and self.graph is None:
            raise InputError(f"criterion '{self.name}': a network criterion needs graph=")
        if self.kind in ("distance", "network", "density") and self.layer is None:
            raise InputError(f"criterion '{self.name}': a {self.kind} criterion needs a layer")
        if self.kind == "density":
            if self.bandwidth_m is None or not self.bandwidth_m > 0:
                raise InputError(f"criterion '{self.name}': density needs bandwidth_m > 0")
            if self.kernel not in _KERNELS:
                raise InputError(f"criterion '{self.name}': kernel must be one of {_KERNELS}")
        if self.kind == "attribute" and not self.column:
            raise InputError(f"criterion '{self.name}': an attribute criterion needs column=")
        if self.kind == "values" and self.values is None:
            raise InputError(f"criterion '{self.name}': a values criterion needs values=")
        if self.kind == "raster" and self.raster is None:
            raise InputError(f"criterion '{self.name}': a raster criterion needs raster=")


def distance_to(name: str, layer: gpd.GeoDataFrame, *, where: Mapping[str, Any] | None = None,
                better: str = "near", transform: Any = None, label: str | None = None) -> Criterion:
    """Straight-line distance (m) from each candidate to the nearest feature of ``layer``.

    ``where`` filters the layer, e.g. ``{"vegkategori": ["E", "R"]}`` for main roads.

    Parameters
    ----------
    name
        Short criterion name, a word without spaces (``score_<name>`` column).
    layer
        The features (points, lines or polygons; any CRS, reprojected to EPSG:25833).
    where
        Column -> allowed value(s) filtering ``layer`` (``{"vegkategori": ["E", "R"]}``); ``None``
        (default) uses every feature.
    better
        ``"near"`` (default) or the other direction: ``"near"``/``"low"`` small values are good,
        ``"far"``/``"high"`` large values are good.
    transform
        Normalisation (:class:`Linear` min-max when ``None``), e.g. ``FuzzyLinear(0, 3000)``.
    label
        Display label of the criterion in tables and reports; ``None`` (default): the name.
    """
    return Criterion(name, "distance", better=better, transform=transform or Linear(), layer=layer,
                     where=where, unit="m", label=label)


def network_to(name: str, graph: Any, layer: gpd.GeoDataFrame, *, weight: str = "travel_time",
               where: Mapping[str, Any] | None = None, better: str = "near", transform: Any = None,
               label: str | None = None) -> Criterion:
    """Network cost from each candidate to the nearest feature of ``layer`` along ``graph``.

    Uses :func:`arealsirk.proximity.nearest_facility` (one multi-source Dijkstra,
    access from the candidate's representative point to the nearest node
    included).  ``weight="travel_time"`` gives seconds, ``"length"`` metres.
    Unreachable candidates get no value (scored worst, logged).  ``graph`` comes
    from :func:`arealsirk.network.graph_from_roads`.

    Parameters
    ----------
    name
        Short criterion name, a word without spaces (``score_<name>`` column).
    graph
        The road graph.
    layer
        The features (points, lines or polygons; any CRS, reprojected to EPSG:25833).
    weight
        Edge attribute summed: ``"travel_time"`` (default, seconds) or ``"length"`` (metres).
    where
        Column -> allowed value(s) filtering ``layer`` (``{"vegkategori": ["E", "R"]}``); ``None``
        (default) uses every feature.
    better
        ``"near"`` (default) or the other direction: ``"near"``/``"low"`` small values are good,
        ``"far"``/``"high"`` large values are good.
    transform
        Normalisation (:class:`Linear` min-max when ``None``), e.g. ``FuzzyLinear(0, 3000)``.
    label
        Display label of the criterion in tables and reports; ``None`` (default): the name.
    """
    unit = "s" if weight == "travel_time" else ("m" if weight == "length" else "")
    return Criterion(name, "network", better=better, transform=transform or Linear(), layer=layer,
                     where=where, graph=graph, weight=weight, unit=unit, label=label)


def density(name: str, layer: gpd.GeoDataFrame, column: str | None, *, bandwidth_m: float,
            kernel: str = "quartic", where: Mapping[str, Any] | None = None, better: str = "high",
            transform: Any = None, unit: str = "", label: str | None = None) -> Criterion:
    """Kernel-weighted sum of ``column`` (e.g. tonnes of feedstock, people) around each candidate.

    :math:`D_j = \\sum_i q_i K(d_{ij}/h)` with the quartic (biweight) kernel
    :math:`K(u) = (1 - u^2)^2` for :math:`u < 1` (Silverman 1986, *Density
    Estimation*, table 3.1; the kernel of QGIS's heatmap and ArcGIS Kernel
    Density), scaled so K(0) = 1: the result is in the units of ``column``
    ("kernel-weighted tonnes").  ``kernel="uniform"`` gives the plain sum within
    the bandwidth (e.g. people within 5 km); ``"triangular"`` 1 - u;
    ``"gaussian"`` exp(-u^2/2) truncated at 3 h.  ``column=None`` counts features.

    Parameters
    ----------
    name
        Short criterion name, a word without spaces (``score_<name>`` column).
    layer
        The features (points, lines or polygons; any CRS, reprojected to EPSG:25833).
    column
        Numeric column of ``layer`` to sum (:math:`q_i`); ``None`` counts features.
    bandwidth_m
        Kernel bandwidth :math:`h`, metres, > 0.
    kernel
        ``"quartic"`` (default), ``"triangular"``, ``"uniform"`` or ``"gaussian"``.
    where
        Column -> allowed value(s) filtering ``layer`` (``{"vegkategori": ["E", "R"]}``); ``None``
        (default) uses every feature.
    better
        ``"high"`` (default) or the other direction: ``"near"``/``"low"`` small values are good,
        ``"far"``/``"high"`` large values are good.
    transform
        Normalisation (:class:`Linear` min-max when ``None``), e.g. ``FuzzyLinear(0, 3000)``.
    unit
        Unit of the raw values, for tables (``"t"``, ``"people"``); default ``""``.
    label
        Display label of the criterion in tables and reports; ``None`` (default): the name.
    """
    return Criterion(name, "density", better=better, transform=transform or Linear(), layer=layer,
                     where=where, column=column, bandwidth_m=bandwidth_m, kernel=kernel, unit=unit,
                     label=label)


def attribute(name: str, column: str, *, better: str = "high", transform: Any = None,
              unit: str = "", label: str | None = None) -> Criterion:
    """A numeric (or, with :class:`Categories`, class) column of the candidates themselves.

    Parameters
    ----------
    name
        Short criterion name, a word without spaces (``score_<name>`` column).
    column
        Column of the candidates layer holding the values.
    better
        ``"high"`` (default) or the other direction: ``"near"``/``"low"`` small values are good,
        ``"far"``/``"high"`` large values are good.
    transform
        Normalisation (:class:`Linear` min-max when ``None``), e.g. ``FuzzyLinear(0, 3000)``.
    unit
        Unit of the raw values, for tables (``"t"``, ``"people"``); default ``""``.
    label
        Display label of the criterion in tables and reports; ``None`` (default): the name.
    """
    return Criterion(name, "attribute", better=better, transform=transform or Linear(), column=column,
                     unit=unit, label=label)


def precomputed(name: str, values: Any, *, better: str = "near", transform: Any = None,
                unit: str = "", label: str | None = None) -> Criterion:
    """Values computed elsewhere, one per candidate (array in candidate order, or a
    mapping / Series keyed by candidate ``id``) -- e.g. network travel minutes from
    :func:`arealsirk.proximity.od_matrix`.

    Parameters
    ----------
    name
        Short criterion name, a word without spaces (``score_<name>`` column).
    values
        One value per candidate: an array in candidate order, or a mapping/Series keyed by ``id``.
    better
        ``"near"`` (default) or the other direction: ``"near"``/``"low"`` small values are good,
        ``"far"``/``"high"`` large values are good.
    transform
        Normalisation (:class:`Linear` min-max when ``None``), e.g. ``FuzzyLinear(0, 3000)``.
    unit
        Unit of the raw values, for tables (``"t"``, ``"people"``); default ``""``.
    label
        Display label of the criterion in tables and reports; ``None`` (default): the name.
    """
    return Criterion(name, "values", better=better, transform=transform or Linear(), values=values,
                     unit=unit, label=label)


def zonal(name: str, raster: Any, *, stat: str = "mean", better: str = "low", transform: Any = None,
          unit: str = "", label: str | None = None) -> Criterion:
    """A zonal statistic (mean, min, max, median, majority) of a raster over each candidate
    (e.g. mean slope in %, majority land cover class).

    Parameters
    ----------
    name
        Short criterion name, a word without spaces (``score_<name>`` column).
    raster
        The raster (GeoTIFF path or open dataset), in EPSG:25833.
    stat
        ``"mean"`` (default), ``"min"``, ``"max"``, ``"median"``, ``"sum"``, ``"count"``, ``"std"``
        or ``"majority"`` (for classes).
    better
        ``"low"`` (default) or the other direction: ``"near"``/``"low"`` small values are good,
        ``"far"``/``"high"`` large values are good.
    transform
        Normalisation (:class:`Linear` min-max when ``None``), e.g. ``FuzzyLinear(0, 3000)``.
    unit
        Unit of the raw values, for tables (``"t"``, ``"people"``); default ``""``.
    label
        Display label of the criterion in tables and reports; ``None`` (default): the name.
    """
    return Criterion(name, "raster", better=better, transform=transform or Linear(), raster=raster,
                     stat=stat, unit=unit, label=label)


def _filtered(layer: gpd.GeoDataFrame, crit: Criterion) -> gpd.GeoDataFrame:
    from .._validate import validate_layer

    cols = list(crit.where) if crit.where else []
    if crit.kind == "density" and crit.column:
        lay = validate_layer(crit.layer, name=f"criterion '{crit.name}' layer", columns=cols,
                             numeric=[crit.column])
    else:
        lay = validate_layer(crit.layer, name=f"criterion '{crit.name}' layer", columns=cols)
    if crit.where:
        keep = np.ones(len(lay), dtype=bool)
        for col, allowed in crit.where.items():
            allowed = [allowed] if isinstance(allowed, (str, int, float)) else list(allowed)
            keep &= lay[col].isin(allowed).to_numpy()
        lay = lay.loc[keep]
        if len(lay) == 0:
            raise InputError(f"{where(layer=crit.name)}no features left after filter {dict(crit.where)}")
    return lay


def _kernel(u: np.ndarray, kernel: str) -> np.ndarray:
    if kernel == "quartic":
        return np.where(u < 1, (1 - u**2) ** 2, 0.0)
    if kernel == "triangular":
        return np.where(u < 1, 1 - u, 0.0)
    if kernel == "uniform":
        return np.where(u <= 1, 1.0, 0.0)
    return np.where(u < 3, np.exp(-0.5 * u**2), 0.0)  # gaussian, truncated at 3 bandwidths


def criterion_values(candidates: gpd.GeoDataFrame, crit: Criterion) -> np.ndarray:
    """Raw criterion values (m, tonnes, ...) for each candidate, in candidate order.

    ``candidates`` must already be validated (analysis CRS).

    Parameters
    ----------
    candidates
        The validated candidate layer (points or polygons, EPSG:25833).
    crit
        The criterion (:class:`Criterion`).

    Returns
    -------
    numpy.ndarray
        One raw value per candidate (NaN where there is none, e.g. unreachable or nodata).
    """
    import shapely

    n = len(candidates)
    geoms = candidates.geometry.to_numpy()
    if crit.kind == "distance":
        lay = _filtered(crit.layer, crit)
        tree = shapely.STRtree(lay.geometry.to_numpy())
        idx, dist = tree.query_nearest(geoms, return_distance=True, all_matches=False)
        out = np.full(n, np.nan)
        out[idx[0]] = dist
        return out
    if crit.kind == "network":
        import geopandas as gpd

        from ..network.proximity import nearest_facility

        lay = _filtered(crit.layer, crit)
        pts = gpd.GeoDataFrame(geometry=candidates.geometry.representative_point(), crs=candidates.crs)
        targets = gpd.GeoDataFrame(geometry=lay.geometry.representative_point(), crs=lay.crs)
        _, cost = nearest_facility(crit.graph, pts, targets, weight=crit.weight)
        return np.where(np.isfinite(cost), cost, np.nan).astype(float)
    if crit.kind == "density":
        lay = _filtered(crit.layer, crit)
        h = float(crit.bandwidth_m or 0.0)  # > 0: checked when the criterion is made
        reach = 3 * h if crit.kernel == "gaussian" else h
        q = (lay[crit.column].to_numpy(dtype=float) if crit.column else np.ones(len(lay)))
        tree = shapely.STRtree(lay.geometry.to_numpy())
        ci, li = tree.query(geoms, predicate="dwithin", distance=reach)
        d = shapely.distance(geoms[ci], lay.geometry.to_numpy()[li])
        w = _kernel(d / h, crit.kernel) * q[li]
        return np.bincount(ci, weights=w, minlength=n).astype(float)
    if crit.kind == "attribute":
        if crit.column not in candidates.columns:
            raise MissingColumnError(f"{where(layer='candidates', column=crit.column)}missing column "
                                     f"(needed for criterion '{crit.name}')")
        col = candidates[crit.column]
        if isinstance(crit.transform, Categories):
            return col.to_numpy()
        import pandas as pd

        vals = pd.to_numeric(col, errors="coerce")
        bad = vals.isna() & col.notna()
        if bad.any():
            raise InputError(f"{where(layer='candidates', column=crit.column)}values must be numbers; "
                             f"found {col[bad].iloc[0]!r}")
        return vals.to_numpy(dtype=float)
    if crit.kind == "values":
        v = crit.values
        if isinstance(v, Mapping) or (hasattr(v, "index") and hasattr(v, "reindex")):
            if "id" not in candidates.columns:
                raise MissingColumnError(f"{where(layer='candidates', column='id')}criterion "
                                         f"'{crit.name}' gives values by id, but candidates have no id")
            m = dict(v.items()) if not isinstance(v, Mapping) else dict(v)
            ids = candidates["id"].tolist()
            missing = [i for i in ids if i not in m]
            if missing:
                raise InputError(f"criterion '{crit.name}': no value for candidate id(s) {missing[:5]}")
            return np.array([m[i] for i in ids], dtype=float)
        arr = np.asarray(v, dtype=float).ravel()
        if arr.size != n:
            raise InputError(f"criterion '{crit.name}': {arr.size} values given for {n} candidates")
        return arr
    # raster
    from .raster import zonal_stats

    table = zonal_stats(candidates, {crit.name: crit.raster}, stats=(crit.stat,))
    return table[f"{crit.name}_{crit.stat}"].to_numpy()


def score_candidates(candidates: gpd.GeoDataFrame, criteria: Sequence[Criterion], *,
                     weights: Any = None, keep_values: bool = True, missing: str = "worst",
                     progress: Callable[[float, str], None] | None = None,
                     is_cancelled: Callable[[], bool] | None = None) -> gpd.GeoDataFrame:
    """Score candidate sites on several criteria and rank them.

    For each criterion *i* the raw value :math:`x_{ij}` (e.g. metres to the
    nearest main road) is normalised to :math:`s_{ij} \\in [0, 1]` (1 = best) and
    the total is the weighted sum :math:`S_j = \\sum_i w_i s_{ij}` with weights
    normalised to sum to 1 (weighted linear combination; Malczewski 2006,
    IJGIS 20:703-726).  Rank 1 is the best total; ties share the better rank.

    Parameters
    ----------
    candidates
        Point or polygon layer (e.g. zones); any CRS (reprojected to EPSG:25833).
    criteria
        :class:`Criterion` objects with unique names.
    weights
        Mapping name -> weight, sequence in criterion order, :class:`AHPResult`, or
        ``None`` for equal weights.  Must be >= 0 and sum to a positive number.
    keep_values
        Also add ``value_<name>`` columns with the raw values (metres, tonnes ...).
    missing
        What a missing value (NaN, e.g. raster nodata under a candidate) scores:
        ``"worst"`` (0, logged) or ``"error"``.
    progress
        Callback ``progress(fraction, message)`` receiving the overall fraction done in [0, 1] and
        the current step (see :mod:`arealsirk.progress`); ``None`` (default) reports nothing.
    is_cancelled
        Callback returning ``True`` when the user asks to stop; polled between steps, then
        :class:`~arealsirk.errors.CancelledError` is raised. ``None`` (default): never cancelled.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of the candidates with ``score_<name>`` (0..1), ``score_total``
        (0..1), ``rank`` (int, 1 = best) and optionally ``value_<name>``, sorted as
        the input (not by rank).
    """
    from .._validate import validate_layer
    from ..progress import Progress

    p = Progress(progress, is_cancelled)
    crits = list(criteria)
    if not crits:
        raise InputError("score_candidates needs at least one criterion")
    names = [c.name for c in crits]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(f"criterion names must be unique; repeated: {dup}")
    if missing not in ("worst", "error"):
        raise InputError(f"missing must be 'worst' or 'error', got {missing!r}")
    w = normalise_weights(weights, names)
    out = validate_layer(candidates, name="candidates", geometry=["point", "polygon"])
    total = np.zeros(len(out))
    for k, crit in enumerate(crits):
        p(k / len(crits), f"criterion {crit.name}")
        raw = criterion_values(out, crit)
        s = score_values(raw, crit.transform, crit.better)
        nan = np.isnan(s)
        if nan.any():
            if missing == "error":
                raise InputError(f"criterion '{crit.name}': no value for {int(nan.sum())} candidate(s)")
            log.warning("criterion '%s': %d candidate(s) without a value scored 0 (worst)",
                        crit.name, int(nan.sum()))
            s = np.where(nan, 0.0, s)
        if keep_values:
            out[f"value_{crit.name}"] = raw
        out[f"score_{crit.name}"] = s
        total += w[crit.name] * s
    out["score_total"] = np.clip(total, 0.0, 1.0)
    out["rank"] = _rank(out["score_total"].to_numpy())
    p(1.0, "scored")
    return out


def _rank(total: np.ndarray) -> np.ndarray:
    """Competition ranking ("1224"): 1 = highest total; ties share the better rank."""
    from scipy.stats import rankdata

    return rankdata(-np.round(total, 12), method="min").astype(int)


# ---------------------------------------------------------------------------------------------
# Sensitivity
# ---------------------------------------------------------------------------------------------


def sensitivity(scores: pd.DataFrame, weights: Any = None, *, n: int | None = None,
                spread: float | None = None, top_k: int | None = None, seed: int = 0,
                id_column: str = "id") -> pd.DataFrame:
    """Monte Carlo sensitivity of the ranking to the weights.

    Each run multiplies every weight by an independent factor drawn uniformly
    from :math:`[1 - spread, 1 + spread]`, renormalises to sum 1, recomputes
    :math:`S_j = \\sum_i w_i s_{ij}` and ranks (1 = best).  This is the
    one-at-a-time-free Monte Carlo weight perturbation of Chen, Yu & Khan (2010,
    Environ. Model. Softw. 25:1582-1591).

    Parameters
    ----------
    scores
        Table with ``score_<criterion>`` columns (the output of
        :func:`score_candidates`) or a plain table whose columns are the criteria.
    weights
        The base weights (as in :func:`score_candidates`); a mapping (or named
        :class:`AHPResult`) also says which criteria columns to use; ``None`` =
        equal weights on every ``score_*`` column except ``score_total``.
    n
        Number of runs (default ``suitability.sensitivity_runs``, 1000).
    spread
        Relative half-width of the uniform perturbation (0.2 = +/- 20 %), in [0, 1]
        (default ``suitability.sensitivity_spread``).
    top_k
        Report the share of runs in which a candidate ranks <= top_k
        (default ``suitability.sensitivity_top_k``, 3).
    seed
        Random seed (the result is deterministic for a seed).
    id_column
        Column of ``scores`` whose values index the result (and which is never taken as a
        criterion); default ``"id"``. Without it the table's own index is used.

    Returns
    -------
    pandas.DataFrame
        One row per candidate (index = ``id_column`` values when present):
        ``base_rank``, ``top_k_share`` (0..1), ``rank_min``, ``rank_max``,
        ``rank_median``, ``rank_p05``, ``rank_p95``; sorted by base rank.
    """
    import pandas as pd
    from scipy.stats import rankdata

    from .._validate import check_number
    from ..defaults import default

    n = int(check_number(default("suitability.sensitivity_runs") if n is None else n, "n", minimum=1,
                         integer=True))
    spread = check_number(default("suitability.sensitivity_spread") if spread is None else spread,
                          "spread", minimum=0.0, maximum=1.0)
    top_k = int(check_number(default("suitability.sensitivity_top_k") if top_k is None else top_k,
                             "top_k", minimum=1, integer=True))
    if isinstance(weights, AHPResult) and weights.names is not None:
        weights = weights.as_dict()
    if isinstance(weights, Mapping):  # the weights name the criteria
        cols = [f"score_{k}" if f"score_{k}" in scores.columns else k for k in weights]
        missing = [c for c in cols if c not in scores.columns]
        if missing:
            raise MissingColumnError(f"sensitivity: no column score_<criterion> for {missing}")
    else:
        cols = [c for c in scores.columns if str(c).startswith("score_") and c != "score_total"]
    if cols and all(str(c).startswith("score_") for c in cols):
        names = [c[len("score_"):] for c in cols]
    else:
        cols = [c for c in scores.columns if c not in (id_column, "geometry", "rank")]
        names = [str(c) for c in cols]
    if not cols:
        raise InputError("sensitivity needs score_<criterion> columns (from score_candidates)")
    s = scores[cols].to_numpy(dtype=float)
    if np.isnan(s).any():
        raise InputError("sensitivity: criterion scores contain missing values")
    w0 = np.array([normalise_weights(weights, names)[k] for k in names])
    rng = np.random.default_rng(seed)
    factors = rng.uniform(1 - spread, 1 + spread, size=(n, len(names)))
    w = w0 * factors
    sums = w.sum(axis=1, keepdims=True)
    sums[sums == 0] = 1.0
    w = w / sums
    totals = np.round(s @ w.T, 12)  # (candidates, runs)
    ranks = rankdata(-totals, axis=0, method="min")
    base = rankdata(-np.round(s @ w0, 12), method="min")
    index = scores[id_column].to_numpy() if id_column in scores.columns else scores.index.to_numpy()
    out = pd.DataFrame({
        "base_rank": base.astype(int),
        "top_k_share": (ranks <= top_k).mean(axis=1),
        "rank_min": ranks.min(axis=1).astype(int),
        "rank_max": ranks.max(axis=1).astype(int),
        "rank_median": np.median(ranks, axis=1),
        "rank_p05": np.percentile(ranks, 5, axis=1),
        "rank_p95": np.percentile(ranks, 95, axis=1),
    }, index=pd.Index(index, name=id_column))
    out.attrs.update({"n": n, "spread": spread, "top_k": top_k, "seed": seed})
    return out.sort_values(["base_rank", "top_k_share"], ascending=[True, False], kind="stable")


def attach_sensitivity(candidates: gpd.GeoDataFrame, table: pd.DataFrame, *, id_column: str = "id"
                       ) -> gpd.GeoDataFrame:
    """Copy of ``candidates`` with the :func:`sensitivity` figures joined on ``id_column``.

    Adds ``top_k_share`` (0..1), ``rank_min``, ``rank_max`` and ``rank_median``, so
    the web map and the GeoPackage can show how robust each rank is (the ``top_k``
    used is in ``table.attrs["top_k"]`` and in the column ``sensitivity_top_k``).

    Parameters
    ----------
    candidates
        Candidate layer with an ``id_column``.
    table
        The output of :func:`sensitivity`, indexed by the candidate ids.
    id_column
        Column of ``candidates`` to join on; default ``"id"``.

    Raises
    ------
    MissingColumnError
        ``candidates`` has no ``id_column``.
    """
    if id_column not in candidates.columns:
        raise MissingColumnError(f"{where(layer='candidates', column=id_column)}missing column (needed to "
                                 "join the sensitivity table)")
    out = candidates.copy()
    cols = ["top_k_share", "rank_min", "rank_max", "rank_median"]
    joined = table[cols].reindex(out[id_column].to_numpy())
    for c in cols:
        out[c] = joined[c].to_numpy()
    out["sensitivity_top_k"] = int(table.attrs.get("top_k", 0))
    return out


# ---------------------------------------------------------------------------------------------
# Raster weighted overlay
# ---------------------------------------------------------------------------------------------


def suitability(criteria: Sequence[Any], weights: Any = None, out_path: Any = "suitability.tif", *,
                mask: Any = None, criteria_dir: Any = None, align: str = "refuse", block: int | None = None,
                progress: Callable[[float, str], None] | None = None,
                is_cancelled: Callable[[], bool] | None = None) -> SuitabilityResult:
    """Raster weighted overlay: criterion rasters + weights (+ feasible mask) -> suitability GeoTIFF.

    The entry point of the QGIS algorithm ``arealsirk:suitability``.
    :math:`S = \\sum_i w_i s_i` per cell, criteria normalised to [0, 1] (1 = best),
    weights normalised to sum 1; processed block by block in bounded memory;
    writes a tiled, DEFLATE-compressed float32 GeoTIFF (nodata -9999 where any
    criterion is nodata or the mask excludes the cell) and, with
    ``criteria_dir``, one ``score_<name>.tif`` per criterion.

    Parameters
    ----------
    criteria
        :class:`RasterCriterion` objects, or ``(name, path, better)`` tuples
        (min-max normalisation).
    weights
        Mapping name -> weight, sequence in criterion order, :class:`AHPResult`
        (e.g. ``ahp_weights(matrix, names=[...])``) or ``None`` for equal weights.
    out_path
        The suitability GeoTIFF.
    mask
        Feasible land: :class:`arealsirk.constraints.FeasibleArea`, feasible polygons, or a
        mask raster (cells > 0 feasible).
    criteria_dir
        Folder for the per-criterion score rasters.
    align
        ``"refuse"``: rasters in another CRS/resolution/alignment are an error naming the raster and
        the difference; ``"resample"``: they are warped onto the first raster's grid.
    block
        Block edge in cells (default ``suitability.raster_block``).
    progress
        Callback ``progress(fraction, message)`` receiving the overall fraction done in [0, 1] and
        the current step (see :mod:`arealsirk.progress`); ``None`` (default) reports nothing.
    is_cancelled
        Callback returning ``True`` when the user asks to stop; polled between steps, then
        :class:`~arealsirk.errors.CancelledError` is raised. ``None`` (default): never cancelled.

    Returns
    -------
    SuitabilityResult
        Paths, normalised weights, cell counts, seconds and min/max/mean of the suitability.

    See Also
    --------
    arealsirk.raster.weighted_overlay : the implementation.
    arealsirk.raster.weighted_overlay_dask : the same on dask arrays.
    """
    from .raster import weighted_overlay

    crits = [c if isinstance(c, RasterCriterion) else RasterCriterion(*c) for c in criteria]
    return weighted_overlay(crits, weights, out_path, mask=mask, criteria_dir=criteria_dir, align=align,
                            block=block, progress=progress, is_cancelled=is_cancelled)


def score_from_rasters(candidates: gpd.GeoDataFrame, result: SuitabilityResult, *, stat: str = "mean"
                       ) -> gpd.GeoDataFrame:
    """Zonal statistics of a suitability run onto candidate polygons (or points).

    Adds ``score_<criterion>`` (the ``stat`` of each per-criterion score raster;
    :func:`suitability` must have been given ``criteria_dir``), ``score_total``
    (the ``stat`` of the suitability raster) and ``rank`` (1 = best), so each
    candidate's total can be explained by its criteria.

    Parameters
    ----------
    candidates
        Candidate polygons or points (any CRS, reprojected to EPSG:25833).
    result
        The :class:`SuitabilityResult` of a :func:`suitability` run.
    stat
        Zonal statistic over each candidate: ``"mean"`` (default), ``"min"``, ``"max"``,
        ``"median"``, ...
    """
    from .._validate import validate_layer
    from .raster import zonal_stats

    out = validate_layer(candidates, name="candidates", geometry=["point", "polygon"])
    rasters = {f"score_{n}": p for n, p in result.criteria_paths.items()}
    rasters["score_total"] = result.path
    table = zonal_stats(out, rasters, stats=(stat,))
    for name in rasters:
        out[name] = table[f"{name}_{stat}"].to_numpy()
    nan = out["score_total"].isna()
    if nan.any():
        log.warning("%d candidate(s) lie on nodata/excluded cells of the suitability raster; ranked last",
                    int(nan.sum()))
    out["rank"] = _rank(out["score_total"].fillna(-1.0).to_numpy())
    return out
