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
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError, MissingColumnError, where

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

log = logging.getLogger("arealsirk")

__all__ = [
    "SAATY_RANDOM_INDEX",
    "AHPResult",
    "ahp_weights",
    "normalise_weights",
    "Linear",
    "FuzzyLinear",
    "Sigmoid",
    "Threshold",
    "Categories",
    "Criterion",
    "distance_to",
    "network_to",
    "density",
    "attribute",
    "precomputed",
    "zonal",
    "criterion_values",
    "score_values",
    "score_candidates",
    "sensitivity",
    "attach_sensitivity",
    "RasterCriterion",
    "SuitabilityResult",
    "suitability",
    "score_from_rasters",
]

# ---------------------------------------------------------------------------------------------
# AHP
# ---------------------------------------------------------------------------------------------

#: Saaty's random consistency index RI(n): the mean consistency index of random reciprocal
#: matrices of order n.  n = 1..10 from Saaty (1980), *The Analytic Hierarchy Process*,
#: McGraw-Hill, table 1.7 (also Saaty 1990, EJOR 48:9-26, p. 15); n = 11..15 from
#: Saaty (1994), *Fundamentals of Decision Making and Priority Theory*, RWS, p. 84.
SAATY_RANDOM_INDEX: dict[int, float] = {
    1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49,
    11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59,
}


@dataclass(frozen=True)
class AHPResult:
    """Weights from a pairwise comparison matrix.

    Attributes
    ----------
    weights
        Principal right eigenvector normalised to sum to 1 (numpy array, order of the matrix).
    consistency_ratio
        CR = CI / RI(n); Saaty's rule of thumb accepts CR <= 0.1.  0 for n <= 2.
    consistency_index
        CI = (lambda_max - n) / (n - 1).
    lambda_max
        Principal eigenvalue (>= n; equal to n for a perfectly consistent matrix).
    names
        Criterion names when given (else ``None``).
    """

    weights: np.ndarray
    consistency_ratio: float
    consistency_index: float
    lambda_max: float
    names: tuple[str, ...] | None = None

    @property
    def consistent(self) -> bool:
        """``True`` when CR <= 0.1 (Saaty's threshold)."""
        return self.consistency_ratio <= 0.1 + 1e-12

    def as_dict(self) -> dict[str, float]:
        """Weights keyed by name (names must have been given)."""
        if self.names is None:
            raise InputError("AHP weights have no criterion names; pass names= to ahp_weights")
        return {n: float(w) for n, w in zip(self.names, self.weights, strict=True)}


def ahp_weights(matrix: Any, *, names: Sequence[str] | None = None, max_cr: float | None = None,
                tolerance: float = 0.01) -> AHPResult:
    """Weights and consistency ratio from an AHP pairwise comparison matrix.

    ``matrix[i][j]`` says how much more important criterion *i* is than *j* on
    Saaty's 1-9 scale; the matrix must be positive with ones on the diagonal and
    reciprocal (``a_ji = 1 / a_ij``).  The weights are the principal right
    eigenvector :math:`A w = \\lambda_{max} w` normalised to :math:`\\sum w = 1`;
    :math:`CI = (\\lambda_{max} - n)/(n - 1)` and :math:`CR = CI / RI(n)` with
    Saaty's random index :data:`SAATY_RANDOM_INDEX` (Saaty 1977, J. Math.
    Psychol. 15:234-281; Saaty 1980, *The Analytic Hierarchy Process*).

    Parameters
    ----------
    matrix
        Square array-like (list of lists, numpy array or pandas DataFrame; a
        DataFrame's index supplies the names).  Entries may be fractions written
        as decimals (0.333 for 1/3).
    names
        Criterion names, in matrix order.
    max_cr
        When given, a consistency ratio above it raises :class:`InputError`
        (Saaty recommends 0.1).  Otherwise a CR above 0.1 is logged as a warning
        and reported in the result.
    tolerance
        Relative tolerance for the reciprocity check (1 % admits 0.333 for 1/3).

    Returns
    -------
    AHPResult

    Raises
    ------
    InputError
        Not square, not positive/finite, diagonal not 1, not reciprocal (the
        message names the first offending pair), CR above ``max_cr``.
    """
    if names is None and hasattr(matrix, "index") and hasattr(matrix, "to_numpy"):
        names = [str(n) for n in matrix.index]
        matrix = matrix.to_numpy()
    try:
        a = np.asarray(matrix, dtype=float)
    except (TypeError, ValueError):
        raise InputError("AHP matrix must contain numbers only") from None
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise InputError(f"AHP matrix must be square and non-empty, got shape {a.shape}")
    n = a.shape[0]
    label = (lambda i: repr(names[i])) if names is not None else (lambda i: str(i + 1))
    if names is not None and len(names) != n:
        raise InputError(f"AHP matrix is {n} x {n} but {len(names)} names were given")
    if not np.isfinite(a).all() or (a <= 0).any():
        i, j = np.argwhere(~np.isfinite(a) | (a <= 0))[0]
        raise InputError(f"AHP matrix entries must be positive numbers; entry ({label(i)}, {label(j)}) "
                         f"is {a[i, j]!r}")
    diag = np.abs(np.diag(a) - 1.0) > tolerance
    if diag.any():
        i = int(np.argmax(diag))
        raise InputError(f"AHP matrix diagonal must be 1 (a criterion is as important as itself); "
                         f"entry ({label(i)}, {label(i)}) is {a[i, i]:g}")
    prod = a * a.T
    bad = np.abs(prod - 1.0) > tolerance
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise InputError(
            f"AHP matrix is not reciprocal: entry ({label(i)}, {label(j)}) = {a[i, j]:g} but entry "
            f"({label(j)}, {label(i)}) = {a[j, i]:g}; it should be {1.0 / a[i, j]:g}")
    if n <= 2:
        # exact for 1x1 and 2x2 reciprocal matrices; always consistent
        w = np.array([1.0]) if n == 1 else np.array([a[0, 1], 1.0]) / (a[0, 1] + 1.0)
        return AHPResult(w, 0.0, 0.0, float(n), tuple(names) if names is not None else None)
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    lam = float(values[k].real)
    w = np.abs(vectors[:, k].real)
    w = w / w.sum()
    ci = (lam - n) / (n - 1)
    ri = SAATY_RANDOM_INDEX.get(n)
    if ri is None:
        ri = SAATY_RANDOM_INDEX[15]
        log.warning("AHP with %d criteria: Saaty's random index is tabulated to n = 15; using RI = %.2f",
                    n, ri)
    cr = max(ci, 0.0) / ri
    result = AHPResult(w, float(cr), float(ci), lam, tuple(names) if names is not None else None)
    if max_cr is not None and cr > max_cr:
        raise InputError(f"AHP matrix is too inconsistent: consistency ratio {cr:.3f} > {max_cr:g} "
                         f"(lambda_max {lam:.3f}, CI {ci:.3f}); revise the pairwise judgements")
    if cr > 0.1:
        log.warning("AHP consistency ratio %.3f is above 0.1; the pairwise judgements are inconsistent",
                    cr)
    return result


def normalise_weights(weights: Any, names: Sequence[str]) -> dict[str, float]:
    """Validate weights and scale them to sum to 1.

    Parameters
    ----------
    weights
        Mapping name -> weight, a sequence in the order of ``names``, an
        :class:`AHPResult`, or ``None`` (equal weights).
    names
        The criterion names the weights are for.

    Raises
    ------
    InputError
        Missing or unknown names, non-numeric, negative or non-finite weights, or
        a sum that is not positive.
    """
    names = list(names)
    if weights is None:
        return {n: 1.0 / len(names) for n in names}
    if isinstance(weights, AHPResult):
        weights = weights.as_dict() if weights.names is not None else list(weights.weights)
    if isinstance(weights, Mapping):
        unknown = [k for k in weights if k not in names]
        if unknown:
            raise InputError(f"weights given for unknown criteria {unknown}; criteria are {names}")
        missing = [n for n in names if n not in weights]
        if missing:
            raise InputError(f"no weight given for criteria {missing}; give one per criterion "
                             f"({names}) or weight 0 to ignore one")
        raw = [weights[n] for n in names]
    else:
        raw = list(weights)
        if len(raw) != len(names):
            raise InputError(f"{len(raw)} weights given for {len(names)} criteria {names}")
    out: dict[str, float] = {}
    for n, v in zip(names, raw, strict=True):
        try:
            f = float(v)
        except (TypeError, ValueError):
            raise InputError(f"weight of criterion '{n}' must be a number, got {v!r}") from None
        if not math.isfinite(f) or f < 0:
            raise InputError(f"weight of criterion '{n}' must be a finite number >= 0, got {v!r}")
        out[n] = f
    total = sum(out.values())
    if not total > 0:
        raise InputError(f"weights must sum to a positive number; they sum to {total:g} ({out})")
    return {n: v / total for n, v in out.items()}


# ---------------------------------------------------------------------------------------------
# Normalisation: raw values -> membership in [0, 1] ("how much of a high value"); the
# criterion's direction then maps it to a score (better="low" -> 1 - membership).
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Linear:
    """Linear rescaling between ``low`` and ``high`` (min-max of the data when ``None``), clipped.

    :math:`m = (x - low) / (high - low)`.  When all values are equal (no spread),
    every finite value scores 1 whatever the direction (the criterion does not discriminate).
    """

    low: float | None = None
    high: float | None = None

    def bounds(self, x: np.ndarray) -> tuple[float, float]:
        finite = x[np.isfinite(x)]
        lo = self.low if self.low is not None else (float(finite.min()) if finite.size else 0.0)
        hi = self.high if self.high is not None else (float(finite.max()) if finite.size else 0.0)
        return float(lo), float(hi)

    def fixed(self, x: np.ndarray) -> Linear:
        """This normalisation with data-derived bounds frozen (for blockwise rasters)."""
        lo, hi = self.bounds(x)
        return Linear(lo, hi)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        lo, hi = self.bounds(x)
        return _linear(x, lo, hi)


def _linear(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if hi == lo:
        return np.where(np.isfinite(x), 1.0, np.nan)
    with np.errstate(invalid="ignore"):
        return np.clip((x - lo) / (hi - lo), 0.0, 1.0)


@dataclass(frozen=True)
class FuzzyLinear:
    """Fuzzy linear membership (ArcGIS "Fuzzy Linear"): 0 at or below ``low``, 1 at or above ``high``.

    With ``better="low"`` the score is ``1 - m``: e.g. distance to road,
    ``FuzzyLinear(0, 3000)`` with ``better="near"`` gives 1 at the road and 0
    beyond 3 km.
    """

    low: float
    high: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high)) or self.high <= self.low:
            raise InputError(f"FuzzyLinear needs finite low < high, got low={self.low}, high={self.high}")

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return _linear(x, self.low, self.high)


@dataclass(frozen=True)
class Sigmoid:
    """Logistic (sigmoid) fuzzy membership :math:`m = 1 / (1 + e^{-(x - midpoint)/spread})`.

    ``midpoint`` is where membership is 0.5; ``spread`` (> 0, in the units of x)
    sets how gradual the transition is (from 0.12 to 0.88 over +/- 2 spreads).
    """

    midpoint: float
    spread: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.spread) and self.spread > 0 and math.isfinite(self.midpoint)):
            raise InputError(f"Sigmoid needs a finite midpoint and spread > 0, got {self}")

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        with np.errstate(over="ignore", invalid="ignore"):
            return 1.0 / (1.0 + np.exp(-(x - self.midpoint) / self.spread))


@dataclass(frozen=True)
class Threshold:
    """Crisp threshold: membership 1 where ``x > value``, else 0.

    With ``better="low"`` this scores 1 where ``x <= value`` (e.g. slope <= 10 %).
    """

    value: float

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        with np.errstate(invalid="ignore"):
            return np.where(np.isfinite(x), (x > self.value).astype(float), np.nan)


@dataclass(frozen=True)
class Categories:
    """Class values (e.g. land cover codes) to scores in [0, 1]; direction is ignored.

    Classes not in ``scores`` get ``other`` (default 0).
    """

    scores: Mapping[Any, float]
    other: float = 0.0

    def __post_init__(self) -> None:
        for k, v in {**dict(self.scores), "other": self.other}.items():
            if not (0.0 <= float(v) <= 1.0):
                raise InputError(f"category score for {k!r} must be in [0, 1], got {v!r}")

    def __hash__(self) -> int:
        return hash(tuple(sorted(map(repr, self.scores.items()))))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        out = np.full(x.shape, float(self.other))
        for k, v in self.scores.items():
            out[x == k] = float(v)
        if x.dtype.kind == "f":
            out[np.isnan(x)] = np.nan
        return out


Normalisation = Linear | FuzzyLinear | Sigmoid | Threshold | Categories

_BETTER = {"low": "low", "near": "low", "lower": "low", "min": "low", "cost": "low",
           "high": "high", "far": "high", "higher": "high", "max": "high", "benefit": "high"}


def _direction(better: str) -> str:
    try:
        return _BETTER[str(better).lower()]
    except KeyError:
        raise InputError(f"better must be 'near'/'low' (small values are good) or 'far'/'high' "
                         f"(large values are good), got {better!r}") from None


def score_values(values: Any, transform: Any = None, better: str = "high") -> np.ndarray:
    """Normalise raw criterion values to scores in [0, 1] (1 = best); NaN stays NaN."""
    transform = transform if transform is not None else Linear()
    x = np.asarray(values, dtype=float) if not isinstance(transform, Categories) else np.asarray(values)
    m = np.asarray(transform(x), dtype=float)
    if isinstance(transform, Categories):
        return m
    if isinstance(transform, Linear):
        lo, hi = transform.bounds(np.asarray(x, dtype=float))
        if lo == hi:  # a criterion that does not discriminate: every value is fully good
            return m
    return 1.0 - m if _direction(better) == "low" else m


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
    """
    return Criterion(name, "density", better=better, transform=transform or Linear(), layer=layer,
                     where=where, column=column, bandwidth_m=bandwidth_m, kernel=kernel, unit=unit,
                     label=label)


def attribute(name: str, column: str, *, better: str = "high", transform: Any = None,
              unit: str = "", label: str | None = None) -> Criterion:
    """A numeric (or, with :class:`Categories`, class) column of the candidates themselves."""
    return Criterion(name, "attribute", better=better, transform=transform or Linear(), column=column,
                     unit=unit, label=label)


def precomputed(name: str, values: Any, *, better: str = "near", transform: Any = None,
                unit: str = "", label: str | None = None) -> Criterion:
    """Values computed elsewhere, one per candidate (array in candidate order, or a
    mapping / Series keyed by candidate ``id``) -- e.g. network travel minutes from
    :func:`arealsirk.proximity.od_matrix`."""
    return Criterion(name, "values", better=better, transform=transform or Linear(), values=values,
                     unit=unit, label=label)


def zonal(name: str, raster: Any, *, stat: str = "mean", better: str = "low", transform: Any = None,
          unit: str = "", label: str | None = None) -> Criterion:
    """A zonal statistic (mean, min, max, median, majority) of a raster over each candidate
    (e.g. mean slope in %, majority land cover class)."""
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
        h = float(crit.bandwidth_m)
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


@dataclass(frozen=True)
class RasterCriterion:
    """A criterion raster for :func:`suitability`: a GeoTIFF path, its direction and normalisation.

    With :class:`Linear` and no bounds, the min and max are read from the whole
    raster first (one extra pass) so every block uses the same scaling.
    """

    name: str
    path: Any
    better: str = "high"
    transform: Any = field(default_factory=Linear)
    band: int = 1

    def __post_init__(self) -> None:
        _direction(self.better)


@dataclass
class SuitabilityResult:
    """What :func:`suitability` wrote."""

    path: Path
    criteria_paths: dict[str, Path]
    weights: dict[str, float]
    cells: int
    valid_cells: int
    seconds: float
    stats: dict[str, float]


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
