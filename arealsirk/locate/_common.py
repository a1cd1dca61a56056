"""Input checks and small helpers shared by the location models."""



from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..errors import InfeasibleError, InputError
from ..progress import Progress

log = logging.getLogger("arealsirk")

# Dense work arrays above this many entries are processed in row blocks.
BLOCK_ENTRIES = 4_000_000


@dataclass
class Cost:
    """A checked cost matrix.

    ``dense`` is a float64 array with ``inf`` for not-allowed pairs, or ``None`` when the input was
    sparse and too large to densify; ``sparse`` is a CSR matrix whose *stored* entries are the allowed
    pairs (explicit zeros kept), or ``None`` for dense input.
    """

    n: int
    m: int
    dense: np.ndarray | None
    sparse: sp.csr_matrix | None

    def allowed_csr(self) -> sp.csr_matrix:
        """CSR matrix with the allowed pairs as stored entries (values = cost)."""
        if self.sparse is not None:
            return self.sparse
        dense = self.to_dense()
        rows, cols = np.nonzero(np.isfinite(dense))
        return sp.csr_matrix((dense[rows, cols], (rows, cols)), shape=(self.n, self.m))

    def to_dense(self) -> np.ndarray:
        """Dense float64 array with ``inf`` for not-allowed pairs."""
        if self.dense is not None:
            return self.dense
        out = np.full((self.n, self.m), np.inf)
        assert self.sparse is not None  # one of the two is always set (check_cost)
        coo = self.sparse.tocoo()
        out[coo.row, coo.col] = coo.data
        return out


def check_cost(cost: object, *, name: str = "cost") -> Cost:
    """Validate a demand x candidate cost matrix (dense or scipy sparse).

    Raises
    ------
    InputError
        Empty matrix, not two-dimensional, NaN or negative entries.
    """
    if sp.issparse(cost):
        mat = sp.csr_matrix(cost, dtype=np.float64, copy=True)
        if mat.ndim != 2 or mat.shape[0] == 0 or mat.shape[1] == 0:
            raise InputError(f"parameter '{name}': empty cost matrix (shape {mat.shape})")
        mat.sum_duplicates()
        data = mat.data
        if np.isnan(data).any():
            raise InputError(f"parameter '{name}': {int(np.isnan(data).sum())} NaN cost entries; "
                             "leave a pair out of the sparse matrix to forbid it")
        if (data < 0).any():
            raise InputError(f"parameter '{name}': {int((data < 0).sum())} negative cost entries "
                             f"(smallest {data.min():g}); costs must be >= 0")
        if np.isinf(data).any():
            # inf stored in a sparse matrix: treat as not allowed, drop it.
            mat.data[np.isinf(mat.data)] = np.nan
            keep = ~np.isnan(mat.data)
            coo = mat.tocoo()
            mat = sp.csr_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=mat.shape)
        return Cost(mat.shape[0], mat.shape[1], None, mat)
    try:
        arr = np.asarray(cost, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"parameter '{name}': not a numeric matrix ({exc})") from exc
    if arr.ndim != 2:
        raise InputError(f"parameter '{name}': must be a 2-D demand x candidate matrix, got {arr.ndim}-D")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise InputError(f"parameter '{name}': empty cost matrix (shape {arr.shape})")
    if np.isnan(arr).any():
        raise InputError(f"parameter '{name}': {int(np.isnan(arr).sum())} NaN cost entries; "
                         "use inf to forbid a pair")
    if (arr < 0).any():
        raise InputError(f"parameter '{name}': {int((arr < 0).sum())} negative cost entries "
                         f"(smallest {arr.min():g}); costs must be >= 0")
    return Cost(arr.shape[0], arr.shape[1], np.ascontiguousarray(arr), None)


def check_p(p: object, m: int, n_fixed: int, *, name: str = "p") -> int:
    """``p`` must be an integer with ``max(1, n_fixed) <= p <= m``."""
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)):
        if isinstance(p, (float, np.floating)) and float(p).is_integer():
            p = int(p)
        else:
            raise InputError(f"parameter '{name}': must be a whole number, got {p!r}")
    p = int(p)
    if p < 1:
        raise InputError(f"parameter '{name}': must be at least 1, got {p}")
    if p > m:
        raise InputError(f"parameter '{name}': {p} facilities requested but only {m} candidates given")
    if p < n_fixed:
        raise InputError(f"parameter '{name}': {p} facilities requested but {n_fixed} are fixed open "
                         "(parameter 'fixed'); p must be at least the number of fixed facilities")
    return p


def check_fixed(fixed: Iterable[int] | None, m: int) -> np.ndarray:
    """Sorted unique candidate indices that must be open."""
    if fixed is None:
        return np.zeros(0, dtype=np.int64)
    arr = np.asarray(list(fixed) if not isinstance(fixed, np.ndarray) else fixed)
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype == bool:
        if arr.shape != (m,):
            raise InputError(f"parameter 'fixed': boolean mask of length {arr.size}, expected {m}")
        return np.flatnonzero(arr).astype(np.int64)
    if not np.issubdtype(arr.dtype, np.integer):
        if np.issubdtype(arr.dtype, np.floating) and np.all(np.mod(arr, 1) == 0):
            arr = arr.astype(np.int64)
        else:
            raise InputError(f"parameter 'fixed': candidate indices must be integers, got {arr.dtype}")
    arr = arr.astype(np.int64).ravel()
    bad = arr[(arr < 0) | (arr >= m)]
    if bad.size:
        raise InputError(f"parameter 'fixed': index {int(bad[0])} out of range 0..{m - 1} "
                         f"({m} candidates)")
    return np.unique(arr)


def check_weights(weights: object, n: int, *, name: str = "weights") -> np.ndarray:
    """Non-negative finite weights per demand row (default: ones)."""
    if weights is None:
        return np.ones(n)
    try:
        w = np.asarray(weights, dtype=np.float64).ravel()
    except (TypeError, ValueError) as exc:
        raise InputError(f"parameter '{name}': not numeric ({exc})") from exc
    if w.shape != (n,):
        raise InputError(f"parameter '{name}': length {w.size}, expected one value per demand row ({n})")
    if not np.isfinite(w).all():
        raise InputError(f"parameter '{name}': {int((~np.isfinite(w)).sum())} NaN or infinite values")
    if (w < 0).any():
        raise InputError(f"parameter '{name}': {int((w < 0).sum())} negative values")
    return w


def check_vector(values: object, n: int, *, name: str, allow_inf: bool = False,
                 what: str = "candidate") -> np.ndarray:
    """A non-negative vector of length ``n`` (scalar broadcast)."""
    try:
        v = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"parameter '{name}': not numeric ({exc})") from exc
    if v.ndim == 0:
        v = np.full(n, float(v))
    v = v.ravel()
    if v.shape != (n,):
        raise InputError(f"parameter '{name}': length {v.size}, expected one value per {what} ({n})")
    if np.isnan(v).any():
        raise InputError(f"parameter '{name}': {int(np.isnan(v).sum())} NaN values")
    if not allow_inf and np.isinf(v).any():
        raise InputError(f"parameter '{name}': infinite values are not allowed")
    if (v < 0).any():
        raise InputError(f"parameter '{name}': {int((v < 0).sum())} negative values")
    return v


def check_time_limit(time_limit: object) -> float | None:
    """``None`` or a positive number of seconds."""
    if time_limit is None:
        return None
    try:
        t = float(time_limit)  # type: ignore[arg-type]  # anything float() takes
    except (TypeError, ValueError) as exc:
        raise InputError(f"parameter 'time_limit': not a number ({time_limit!r})") from exc
    if not t > 0:
        raise InputError(f"parameter 'time_limit': must be > 0 seconds, got {time_limit!r}")
    return t


def check_radius(radius: object) -> float:
    """A finite non-negative coverage radius."""
    try:
        r = float(radius)  # type: ignore[arg-type]  # anything float() takes
    except (TypeError, ValueError) as exc:
        raise InputError(f"parameter 'radius': not a number ({radius!r})") from exc
    if not np.isfinite(r) or r < 0:
        raise InputError(f"parameter 'radius': must be a finite number >= 0, got {radius!r}")
    return r


class Clock:
    """Deadline helper: ``clock.left()`` seconds remaining (``inf`` without a limit)."""

    def __init__(self, time_limit: float | None) -> None:
        self.start = time.perf_counter()
        self.limit = time_limit

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def left(self) -> float:
        if self.limit is None:
            return float("inf")
        return self.limit - self.elapsed()

    def expired(self) -> bool:
        return self.left() <= 0


def make_progress(progress: Callable | None, is_cancelled: Callable | None) -> Progress:
    return Progress(progress, is_cancelled)


def coverage_matrix(cost: Cost, radius: float) -> sp.csr_matrix:
    """Boolean CSR matrix ``A[i, j] = cost[i, j] <= radius`` over allowed pairs."""
    if cost.sparse is not None:
        mat = cost.sparse
        keep = mat.data <= radius
        coo = mat.tocoo()
        a = sp.csr_matrix((np.ones(int(keep.sum()), dtype=np.float64), (coo.row[keep], coo.col[keep])),
                          shape=mat.shape)
    else:
        rows, cols = np.nonzero(cost.to_dense() <= radius)
        a = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(cost.n, cost.m))
    a.sort_indices()
    return a


def unreachable_rows(cost: Cost) -> np.ndarray:
    """Rows with no allowed candidate at all."""
    if cost.sparse is not None:
        return np.flatnonzero(np.diff(cost.sparse.indptr) == 0)
    return np.flatnonzero(~np.isfinite(cost.to_dense()).any(axis=1))


def raise_unreachable(rows: np.ndarray, model: str) -> None:
    if rows.size:
        shown = ", ".join(str(int(r)) for r in rows[:5])
        more = f" and {rows.size - 5} more" if rows.size > 5 else ""
        raise InfeasibleError(
            f"{model}: demand rows {shown}{more} have no allowed candidate (all costs inf/absent); "
            "remove them or widen the cutoff")
