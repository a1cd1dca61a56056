"""The cost phase of the feedstock workflows on sparse, cutoff-bounded data (issue 19).

The capacitated model of :mod:`._feedstock` only allows a (source, plant) pair within the source's
haul limit, so only those pairs need a cost.  :func:`pair_costs` computes them without any sources x
sites matrix:

* road km: :func:`arealsirk.network.proximity.od_matrix_sparse` (``weight="length"``) from the
  distinct road nodes of the sources of each haul limit, with the cutoff of that limit (a hair
  above it, so that no pair within it is lost to rounding); then per source the access metres of
  both ends are added, exactly as :func:`._common.od_snapped` does (``(road + a_i) + b_j``), and the
  source's own limit is applied to the stored entries;
* minutes: the fastest road time (``weight="travel_time"``) of the stored pairs only -- the same
  figure as the dense ``od_snapped(..., weight="travel_time")`` -- from
  :func:`arealsirk.network.proximity.od_matrix` on blocks of sites, each block from the distinct
  nodes of the sources that have a pair in it, at most ``_BLOCK_CELLS`` cells per block.

Whether a source has an open plant on its road part (``unreachable_no_site_on_part`` against
``beyond_max_km`` in the balance) comes from the snapped parts: points snap only to the strongly
connected core of their (weakly connected) part (:func:`arealsirk.network.snap`), so two snapped
points have a finite road distance exactly when they are on the same part.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import scipy.sparse as sp

    from ..network import SnapResult

#: cells (distinct source nodes x sites) of one block of the minutes query: 4 M = 32 MB of floats
_BLOCK_CELLS = 4_000_000


@dataclass(frozen=True)
class PairCosts:
    """Road km and minutes of the allowed (source, site) pairs.

    ``km`` and ``minutes`` are CSR matrices (sources x sites) with the same sorted pattern: the
    stored entries are the pairs within the source's haul limit (an explicit 0 -- a source on a
    site's node -- is kept; test membership with the pattern, never ``eliminate_zeros``).
    """

    km: sp.csr_matrix
    minutes: sp.csr_matrix

    @property
    def shape(self) -> tuple[int, int]:
        """(sources, sites)."""
        return self.km.shape

    def lookup(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Km and minutes of the pairs ``(rows[k], cols[k])``, each of which must be stored."""
        pos = _positions(self.km, rows, cols)
        return self.km.data[pos], self.minutes.data[pos]

    def supply_within(self, q: np.ndarray) -> np.ndarray:
        """Tonnes within the haul limit of each site: ``sum_i q_i [pair (i, j) allowed]``, summed
        row by row in source order (the order of a dense ``(q[:, None] * allowed).sum(axis=0)``)."""
        coo = self.km.tocoo()
        return np.bincount(coo.col, weights=q[coo.row], minlength=self.km.shape[1])

    def any_within(self, cols: np.ndarray) -> np.ndarray:
        """True for each source with an allowed pair to one of the sites ``cols``."""
        sub = self.km[:, np.asarray(cols, dtype=np.int64)]
        return np.diff(sub.indptr) > 0


def _positions(m: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Index into ``m.data`` of the stored entries ``(rows, cols)`` of a canonical CSR matrix."""
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    n_cols = np.int64(m.shape[1])
    keys = np.repeat(np.arange(m.shape[0], dtype=np.int64), np.diff(m.indptr)) * n_cols + m.indices
    want = rows * n_cols + cols
    pos = np.searchsorted(keys, want)
    if pos.size and (pos.max() >= keys.size or (keys[pos] != want).any()):
        raise ValueError("a pair that is not within its haul limit was asked for")  # a bug, not user input
    return pos


def _distinct(nodes: np.ndarray) -> tuple[list[Any], np.ndarray]:
    """The distinct node ids of ``nodes`` (first-seen order) and each item's index into them."""
    index: dict[Any, int] = {}
    inv = np.fromiter((index.setdefault(v, len(index)) for v in nodes), dtype=np.int64, count=len(nodes))
    return list(index), inv


def _km_pairs(graph: Any, src_snap: SnapResult, site_snap: SnapResult, lim: np.ndarray,
              progress: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, cols, km) of the pairs within each source's haul limit ``lim`` (km): one sparse OD
    query per distinct limit, from the distinct nodes of the snapped sources with that limit."""
    from ..network.proximity import od_matrix_sparse

    a = src_snap.access_cost("length")
    b = site_snap.access_cost("length")
    site_nodes = list(site_snap.nodes)
    snapped = np.asarray(src_snap.snapped, dtype=bool)
    limits = np.unique(lim[snapped])
    out_r, out_c, out_v = [], [], []
    for k, limit in enumerate(limits):
        idx = np.flatnonzero(snapped & (lim == limit))
        nodes, inv = _distinct(np.asarray(src_snap.nodes, dtype=object)[idx])
        # a hair above the limit in metres, so that no pair within it in km is lost to rounding
        raw = od_matrix_sparse(graph, nodes, site_nodes, cutoff=float(limit) * 1000.0 * (1 + 1e-9),
                               weight="length", progress=progress.sub(k / limits.size, (k + 1) / limits.size))
        coo = raw[inv].tocoo()  # explicit zeros (a source on a site's node) are kept
        r, c = idx[coo.row], coo.col
        km = ((coo.data + a[r]) + b[c]) / 1000.0  # as od_snapped: (road + access) + access, then km
        keep = km <= lim[r]
        out_r.append(r[keep])
        out_c.append(c[keep])
        out_v.append(km[keep])
    if not out_r:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(out_r), np.concatenate(out_c), np.concatenate(out_v)


def _minutes_of(graph: Any, src_snap: SnapResult, site_snap: SnapResult, rows: np.ndarray,
                cols: np.ndarray, progress: Any) -> np.ndarray:
    """Fastest road minutes of the pairs ``(rows, cols)`` (as ``od_snapped(weight="travel_time")``):
    sites in blocks of at most ``_BLOCK_CELLS`` cells, each from the distinct nodes of the sources
    that have a pair in it."""
    from ..network.proximity import od_matrix

    out = np.empty(rows.size)
    if not rows.size:
        return out
    a = src_snap.access_cost("travel_time")
    b = site_snap.access_cost("travel_time")
    nodes_all, node_of = _distinct(np.asarray(src_snap.nodes, dtype=object))
    site_nodes = np.asarray(site_snap.nodes, dtype=object)
    pair_node = node_of[rows]
    order = np.argsort(cols, kind="stable")
    cols_sorted = cols[order]
    sites = np.unique(cols)
    # the distinct nodes of all pairs bound those of any block: the block width keeps the cells
    width = max(1, _BLOCK_CELLS // max(np.unique(pair_node).size, 1))
    for start in range(0, sites.size, width):
        block = sites[start:start + width]
        sel = order[np.searchsorted(cols_sorted, block[0]):np.searchsorted(cols_sorted, block[-1], "right")]
        used, inv = np.unique(pair_node[sel], return_inverse=True)
        progress(start / sites.size, f"road minutes of the pairs: sites {start}/{sites.size}")
        sec = od_matrix(graph, [nodes_all[u] for u in used], list(site_nodes[block]), weight="travel_time")
        r, c = rows[sel], cols[sel]
        out[sel] = ((sec[inv.ravel(), np.searchsorted(block, c)] + a[r]) + b[c]) / 60.0
    progress(1.0, "road minutes of the pairs done")
    return out


def pair_costs(graph: Any, src_snap: SnapResult, site_snap: SnapResult, lim: np.ndarray, *,
               progress: Any) -> PairCosts:
    """Road km and minutes of every (source, site) pair within the source's haul limit.

    Parameters
    ----------
    graph
        The road graph both layers are snapped to.
    src_snap, site_snap : SnapResult
        The snapped sources and sites (:func:`._common.snap_layer`, :func:`._common.snap_parts`);
        a point that is not snapped has no pair.
    lim : numpy.ndarray
        Haul limit (km) of each source.
    progress : Progress
        Reports the fraction done (:class:`arealsirk.progress.Progress`; its ``sub`` is used).

    Returns
    -------
    PairCosts
        The allowed pairs with their km and minutes; no sources x sites array is made.
    """
    import scipy.sparse as sp

    n, m = len(src_snap.nodes), len(site_snap.nodes)
    r, c, km = _km_pairs(graph, src_snap, site_snap, lim, progress.sub(0.0, 0.6))
    # canonical CSR order (row-major, sorted columns): the order of a dense matrix's nonzero pairs
    order = np.lexsort((c, r))
    r, c, km = r[order], c[order], km[order]
    minutes = _minutes_of(graph, src_snap, site_snap, r, c, progress.sub(0.6, 1.0))
    indptr = np.r_[0, np.cumsum(np.bincount(r, minlength=n))].astype(np.int64)
    km_m = sp.csr_matrix((km, c.astype(np.int64), indptr), shape=(n, m))
    min_m = sp.csr_matrix((minutes, c.astype(np.int64).copy(), indptr.copy()), shape=(n, m))
    return PairCosts(km=km_m, minutes=min_m)


def on_open_part(src_snap: SnapResult, site_snap: SnapResult, open_idx: np.ndarray) -> np.ndarray:
    """True for each snapped source with a snapped open site (``open_idx``) on its road part: the
    sources with a finite road distance to an open plant (see the module docstring)."""
    parts = np.asarray(site_snap.part)[np.asarray(open_idx, dtype=np.int64)]
    ok = np.asarray(site_snap.snapped, dtype=bool)[np.asarray(open_idx, dtype=np.int64)]
    src_part = np.asarray(src_snap.part)
    return np.asarray(src_snap.snapped, dtype=bool) & np.isin(src_part, parts[ok])
