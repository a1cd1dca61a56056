"""Greedy construction, fast interchange and VNS for the p-median problem (dense engine).

Works on a weighted cost matrix ``C = w_i * d_ij`` (not-allowed pairs replaced by a large finite
penalty).  The local search is the *fast interchange* of Resende & Werneck (2003, "A fast swap-based
local search procedure for location problems", Annals of OR 150:205-230, 2007) in a vectorised form:
for the current solution with closest / second-closest open facility ``d1_i`` / ``d2_i`` (``c1_i`` the
closest one),

* ``gain[f]  = sum_i max(0, d1_i - C_if)``                      (insert ``f``)
* ``loss[r]  = sum_{i: c1_i = r} (d2_i - d1_i)``                  (remove ``r``)
* ``extra[r, f] = sum_{i: c1_i = r, C_if < d2_i} (d2_i - max(C_if, d1_i))``

and the saving of swapping ``r`` out and ``f`` in is ``gain[f] - loss[r] + extra[r, f]`` -- all
``p x m`` swaps are evaluated in ``O(n m)`` per move instead of ``O(p n m)`` (Whitaker 1983,
"A fast algorithm for the greedy interchange for large-scale clustering and median location problems",
INFOR 21:95-108).  Variable neighbourhood search (Hansen & Mladenovic 1997, "Variable neighborhood search
for the p-median", Location Science 5:207-226) shakes ``k`` random swaps and repeats the local search.

Hand-written on purpose: no maintained Python package offers a fast interchange for dense matrices;
a general MILP solver (spopt's route) is 2-3 orders of magnitude slower (see docs/benchmarks/locate.md).
"""

# ruff: noqa: N803, N806  (matrix notation of the OR literature: C, D, K, A, Q, S)

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ._common import BLOCK_ENTRIES, Clock


def _blocks(n: int, m: int):
    step = max(1, BLOCK_ENTRIES // max(m, 1))
    for a in range(0, n, step):
        yield a, min(n, a + step)


class PMedianEngine:
    """Dense p-median local-search engine over ``C`` (n x m, finite, >= 0)."""

    def __init__(self, C: np.ndarray, fixed: np.ndarray, clock: Clock | None = None,
                 check=None) -> None:
        self.C = C
        self.n, self.m = C.shape
        self.fixed = np.asarray(fixed, dtype=np.int64)
        self.is_fixed = np.zeros(self.m, dtype=bool)
        self.is_fixed[self.fixed] = True
        self.clock = clock or Clock(None)
        self.top = float(C.max()) * 2.0 + 1.0  # "second closest" when only one facility is open
        self.check = check or (lambda: None)
        self.moves = 0

    # ------------------------------------------------------------------ evaluation
    def assign(self, S: np.ndarray):
        """Closest (d1, c1 as candidate index) and second-closest distance d2 for open set S."""
        sub = self.C[:, S]
        if len(S) == 1:
            d1 = sub[:, 0].copy()
            c1 = np.full(self.n, S[0], dtype=np.int64)
            d2 = np.full(self.n, self.top)
            return d1, c1, d2
        part = np.argpartition(sub, 1, axis=1)[:, :2]
        rows = np.arange(self.n)
        a = sub[rows, part[:, 0]]
        b = sub[rows, part[:, 1]]
        swap = b < a
        first = np.where(swap, part[:, 1], part[:, 0])
        d1 = np.minimum(a, b)
        d2 = np.maximum(a, b)
        return d1, S[first], d2

    def objective(self, S: np.ndarray) -> float:
        return float(self.C[:, S].min(axis=1).sum())

    # ------------------------------------------------------------------ construction
    def greedy(self, p: int) -> np.ndarray:
        """Greedy addition (Kuehn & Hamburger 1963) starting from the fixed facilities."""
        S = list(self.fixed)
        d1 = self.C[:, S].min(axis=1) if S else np.full(self.n, np.inf)
        is_open = self.is_fixed.copy()
        while len(S) < p:
            self.check()
            best_val = np.full(self.m, 0.0)
            for a, b in _blocks(self.n, self.m):
                cb = self.C[a:b]
                if np.isinf(d1[a:b]).any():
                    best_val += cb.sum(axis=0)   # first facility: minimise total cost
                else:
                    best_val -= np.maximum(d1[a:b, None] - cb, 0.0).sum(axis=0)
            best_val[is_open] = np.inf
            j = int(np.argmin(best_val))
            S.append(j)
            is_open[j] = True
            d1 = np.minimum(d1, self.C[:, j])
        return np.sort(np.asarray(S, dtype=np.int64))

    # ------------------------------------------------------------------ local search
    def best_swap(self, S: np.ndarray, d1: np.ndarray, c1: np.ndarray, d2: np.ndarray):
        """Best (saving, r, f) over all swaps; saving > 0 means improving."""
        p = len(S)
        pos = np.full(self.m, -1, dtype=np.int64)
        pos[S] = np.arange(p)
        gain = np.zeros(self.m)
        extra = np.zeros((p, self.m))
        for a, b in _blocks(self.n, self.m):
            cb = self.C[a:b]
            d1b = d1[a:b, None]
            gain += np.maximum(d1b - cb, 0.0).sum(axis=0)
            v = d2[a:b, None] - np.maximum(cb, d1b)
            np.maximum(v, 0.0, out=v)
            e = sp.csr_matrix((np.ones(b - a), (pos[c1[a:b]], np.arange(b - a))), shape=(p, b - a))
            extra += e @ v
        loss = np.bincount(pos[c1], weights=d2 - d1, minlength=p)
        profit = gain[None, :] - loss[:, None] + extra
        profit[:, S] = -np.inf
        profit[self.is_fixed[S], :] = -np.inf
        k = int(np.argmax(profit))
        r, f = divmod(k, self.m)
        return float(profit[r, f]), int(S[r]), int(f)

    def local_search(self, S: np.ndarray, max_moves: int | None = None) -> tuple[np.ndarray, float]:
        """Best-improvement fast interchange until no improving swap (or the clock runs out)."""
        S = np.sort(np.asarray(S, dtype=np.int64))
        d1, c1, d2 = self.assign(S)
        obj = float(d1.sum())
        tol = 1e-10 * max(abs(obj), 1.0)
        moves = 0
        while not self.clock.expired():
            if max_moves is not None and moves >= max_moves:
                break
            self.check()
            if len(S) == self.m or self.is_fixed[S].all():
                break
            saving, r, f = self.best_swap(S, d1, c1, d2)
            if not saving > tol:
                break
            S = np.sort(np.concatenate([S[r != S], [f]]))
            d1, c1, d2 = self.assign(S)
            obj = float(d1.sum())
            moves += 1
        self.moves += moves
        return S, obj

    def vns(self, S: np.ndarray, obj: float, rng: np.random.Generator, *, kmax: int,
            max_no_improve: int, progress=None, done=None) -> tuple[np.ndarray, float, int]:
        """Basic VNS around a local optimum; returns (S, obj, iterations)."""
        free_open = lambda s: s[~self.is_fixed[s]]  # noqa: E731
        k = 1
        it = 0
        no_imp = 0
        tol = 1e-10 * max(abs(obj), 1.0)
        while no_imp < max_no_improve and not self.clock.expired():
            if done is not None and done(obj):
                break
            self.check()
            it += 1
            movable = free_open(S)
            closed = np.setdiff1d(np.arange(self.m), S)
            kk = min(k, movable.size, closed.size)
            if kk == 0:
                break
            out = rng.choice(movable, size=kk, replace=False)
            inn = rng.choice(closed, size=kk, replace=False)
            S2 = np.sort(np.concatenate([np.setdiff1d(S, out), inn]))
            S2, obj2 = self.local_search(S2)
            if obj2 < obj - tol:
                S, obj = S2, obj2
                k = 1
                no_imp = 0
            else:
                k = k + 1 if k < kmax else 1
                no_imp += 1
            if progress is not None:
                progress(min(1.0, no_imp / max(max_no_improve, 1)), f"VNS objective {obj:.6g}")
        return S, obj, it


def lagrangian_bound(C: np.ndarray, p: int, fixed: np.ndarray, upper: float, lam0: np.ndarray, *,
                     clock: Clock, max_iter: int = 600, check=None,
                     keep: int = 3) -> tuple[float, np.ndarray, list[np.ndarray]]:
    """Lagrangian relaxation lower bound of the p-median (relaxing the assignment constraints).

    ``L(lambda) = sum_i lambda_i + min_{|S| = p, S >= fixed} sum_{j in S} rho_j``,
    ``rho_j = sum_i min(0, C_ij - lambda_i)``; maximised by subgradient optimisation with the Polyak
    step ``t = theta (UB - L) / ||g||^2`` (Beasley 1993, "Lagrangean heuristics for location problems",
    EJOR 65:383-399).  Returns the best bound, its multipliers and the ``keep`` best distinct facility sets
    of the relaxation (feasible p-median solutions, starting points for the local search).
    """
    n, m = C.shape
    lam = lam0.astype(np.float64).copy()
    is_fixed = np.zeros(m, dtype=bool)
    is_fixed[fixed] = True
    n_free = p - int(is_fixed.sum())
    best = -np.inf
    best_lam = lam.copy()
    theta = 2.0
    since = 0
    cands: dict[bytes, tuple[float, np.ndarray]] = {}
    for _ in range(max_iter):
        if clock.expired():
            break
        if check is not None:
            check()
        rho = np.zeros(m)
        for a, b in _blocks(n, m):
            rho += np.minimum(C[a:b] - lam[a:b, None], 0.0).sum(axis=0)
        free = np.flatnonzero(~is_fixed)
        if n_free > 0:
            chosen_free = free[np.argpartition(rho[free], n_free - 1)[:n_free]]
            chosen = np.concatenate([np.flatnonzero(is_fixed), chosen_free])
        else:
            chosen = np.flatnonzero(is_fixed)
        value = float(lam.sum() + rho[chosen].sum())
        chosen = np.sort(chosen)
        key = chosen.tobytes()
        if key not in cands:
            cands[key] = (float(C[:, chosen].min(axis=1).sum()), chosen)
            if len(cands) > 4 * keep:
                cands = dict(sorted(cands.items(), key=lambda kv: kv[1][0])[:keep])
        if not np.isfinite(best) or value > best + 1e-12 * max(1.0, abs(best)):
            best = value
            best_lam = lam.copy()
            since = 0
        else:
            since += 1
            if since >= 20:
                theta /= 2.0
                since = 0
        if upper - best <= 1e-9 * max(1.0, abs(upper)) or theta < 1e-4:
            break
        g = 1.0 - (C[:, chosen] < lam[:, None]).sum(axis=1)
        norm = float(g @ g)
        if norm == 0:
            break  # the relaxed solution is feasible -> optimal for the relaxation and the problem
        lam += theta * (upper - value) / norm * g
    top = [s for _, s in sorted(cands.values(), key=lambda t: t[0])[:keep]]
    return best, best_lam, top
