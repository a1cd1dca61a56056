"""Pure maths of suitability: AHP weights, weight normalisation and value transforms.

Nothing here reads a layer or a raster: numbers in, numbers out, so the formulas can be
checked by hand and reused by both the vector path (:mod:`arealsirk.suitability.scoring`)
and the raster path (:mod:`arealsirk.suitability.raster`), which both import this module
(and neither imports the other's internals: no import cycle).

Every transform maps raw values to a membership in [0, 1] (1 = best).  Weights are set
directly (:func:`normalise_weights`) or derived from a pairwise comparison matrix with the
Analytic Hierarchy Process, :func:`ahp_weights` (Saaty 1977, 1980).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError

log = logging.getLogger("arealsirk")

__all__ = [
    "SAATY_RANDOM_INDEX",
    "AHPResult",
    "Categories",
    "FuzzyLinear",
    "Linear",
    "RasterCriterion",
    "Sigmoid",
    "SuitabilityResult",
    "Threshold",
    "ahp_weights",
    "normalise_weights",
    "score_values",
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
                         f"is {float(a[i, j]):g}")
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

    Attributes
    ----------
    low
        Value at or below which membership is 0, in the criterion's units (finite).
    high
        Value at or above which membership is 1; must be greater than ``low``.
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

    Attributes
    ----------
    midpoint
        Value where membership is 0.5, in the criterion's units (finite).
    spread
        Width of the transition, in the criterion's units, > 0.
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

    Attributes
    ----------
    value
        The threshold, in the criterion's units; membership is 1 strictly above it. NaN stays NaN.
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

    Attributes
    ----------
    scores
        Class value (as stored in the data: ``21``, ``"skog"``) -> score in [0, 1].
    other
        Score of every class not in ``scores``, in [0, 1]; default 0. NaN values stay NaN.
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
    """Normalise raw criterion values to scores in [0, 1] (1 = best); NaN stays NaN.

    Parameters
    ----------
    values
        Raw criterion values (numbers; class values for :class:`Categories`), any array shape.
    transform
        The normalisation: :class:`Linear` (default ``None``: min-max of ``values``),
        :class:`FuzzyLinear`, :class:`Sigmoid`, :class:`Threshold` or :class:`Categories`.
    better
        Direction: ``"high"`` (default; also ``"far"``, ``"max"``, ``"benefit"``) scores the
        membership, ``"low"`` (also ``"near"``, ``"min"``, ``"cost"``) scores ``1 - membership``.
        Ignored for :class:`Categories` and for a :class:`Linear` without spread (every value 1).

    Returns
    -------
    numpy.ndarray
        Scores as floats, the shape of ``values``.

    Raises
    ------
    InputError
        An unknown ``better``.
    """
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
# What the raster path reads and writes
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RasterCriterion:
    """A criterion raster for :func:`suitability`: a GeoTIFF path, its direction and normalisation.

    With :class:`Linear` and no bounds, the min and max are read from the whole
    raster first (one extra pass) so every block uses the same scaling.

    Attributes
    ----------
    name
        Criterion name (weights key, ``score_<name>.tif``).
    path
        The criterion GeoTIFF (path, or an open rasterio dataset).
    better
        Direction, as in :func:`score_values`: ``"high"`` (default) or ``"low"`` (and synonyms);
        checked when the object is made.
    transform
        Normalisation (:class:`Linear` by default, min-max over the whole raster).
    band
        Band of the raster to read, 1-based; default 1.
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
    """What :func:`suitability` wrote.

    Attributes
    ----------
    path
        The suitability GeoTIFF (float32, 0..1, nodata -9999).
    criteria_paths
        Criterion name -> its normalised score GeoTIFF; empty when no ``criteria_dir`` was given.
    weights
        Criterion name -> normalised weight used (summing to 1).
    cells
        Cells of the output grid (width x height).
    valid_cells
        Cells with a score (not nodata in any criterion and not excluded by the mask).
    seconds
        Wall-clock seconds of the overlay.
    stats
        ``min``, ``max`` and ``mean`` of the valid scores, plus ``<name>_low``/``<name>_high``: the
        bounds each bounded normalisation used.
    """

    path: Path
    criteria_paths: dict[str, Path]
    weights: dict[str, float]
    cells: int
    valid_cells: int
    seconds: float
    stats: dict[str, float]


