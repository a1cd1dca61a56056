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


def equal_rows(A: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Exact groups of the rows of ``A`` (CSR, sorted indices, every row with an entry) whose index
    lists are equal: a group label per row (``0 .. G - 1``) and the first row of each group.

    Rows are grouped by two polynomial hashes of their sorted index lists and their length, then the
    lists are compared element by element (:func:`_exact_groups`), so rows whose hashes collide are told
    apart and rows with equal lists always end in one group.  Used to merge demand rows with the same
    covering set (``coverage``) and supply rows with the same pairs and costs (``facility``; the values
    are encoded into the indices there).
    """
    idx = A.indices.astype(np.uint64)
    starts = A.indptr[:-1]
    # two independent polynomial hashes of the (sorted) index list of each row (every row has an
    # entry, so the row starts are strictly increasing and reduceat sums exactly one row each)
    with np.errstate(over="ignore"):
        h1 = np.add.reduceat((idx + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15), starts)
        h2 = np.add.reduceat((idx + np.uint64(7)) * (idx + np.uint64(13)) * np.uint64(0xC2B2AE3D27D4EB4F),
                             starts)
    lens = np.diff(A.indptr)
    # hash groups in the lexicographic order of (h1, h2, length); a stable sort keeps each group's rows
    # in input order, so the head of a run is the group's first row (np.unique(axis=0), 5x faster)
    order = np.lexsort((lens, h2, h1))
    k1, k2, kn = h1[order], h2[order], lens[order]
    head = np.ones(order.size, dtype=bool)
    head[1:] = (k1[1:] != k1[:-1]) | (k2[1:] != k2[:-1]) | (kn[1:] != kn[:-1])
    inverse = np.empty(order.size, dtype=np.int64)
    inverse[order] = np.cumsum(head) - 1
    return _exact_groups(A, inverse, order[head])


def _exact_groups(sub: sp.csr_matrix, inverse: np.ndarray,
                  first: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact groups of equal index lists from the hash groups ``inverse`` (first rows ``first``).

    Returns a group label per row (``0 .. G - 1``) and the first row of each group.  Each round compares
    every row still open with the first open row of its hash group (equal lengths: part of the key)
    and closes those equal to it under a new label; a hash group holding ``t`` distinct lists takes
    ``t`` rounds, so the loop runs once unless hashes collide.  Round one reuses ``first``.
    """
    label = inverse.copy()
    rows = np.flatnonzero(first[inverse] != np.arange(inverse.size))
    rows = rows[~_same_lists(sub, rows, first[inverse[rows]])]   # rows whose list differs: collisions
    firsts = [first]
    lab_of = np.empty(first.size, dtype=np.int64)
    rep_of = np.empty(first.size, dtype=np.int64)
    n_groups = first.size
    while rows.size:
        g = inverse[rows]
        ug, pos = np.unique(g, return_index=True)               # first open row per hash group
        rep_of[ug] = rows[pos]
        lab_of[ug] = n_groups + np.arange(ug.size)
        same = _same_lists(sub, rows, rep_of[g])
        label[rows[same]] = lab_of[g[same]]
        firsts.append(rows[pos])
        n_groups += ug.size
        rows = rows[~same]
    return label, np.concatenate(firsts)


def _same_lists(sub: sp.csr_matrix, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per pair ``(a[t], b[t])`` of rows of equal, positive length: are their index lists equal?"""
    if a.size == 0:
        return np.zeros(0, dtype=bool)
    lens = np.diff(sub.indptr)[a]
    heads = np.cumsum(lens) - lens
    offs = np.arange(int(lens.sum())) - np.repeat(heads, lens)
    x = sub.indices[np.repeat(sub.indptr[a], lens) + offs]
    y = sub.indices[np.repeat(sub.indptr[b], lens) + offs]
    return ~np.logical_or.reduceat(x != y, heads)
