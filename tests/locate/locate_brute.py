"""Brute-force reference solvers for tiny location instances (independent of arealsirk.locate)."""

# ruff: noqa: N803, N806  (matrix notation of the OR literature: C, D, K, A, Q, S)

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import linprog


def brute_p_median(D, w, p, fixed=()):
    m = D.shape[1]
    fixed = set(fixed)
    best = (np.inf, None)
    for S in itertools.combinations(range(m), p):
        if not fixed <= set(S):
            continue
        val = float((D[:, list(S)].min(axis=1) * w).sum())
        if val < best[0]:
            best = (val, S)
    return best


def brute_mclp(D, w, p, radius, fixed=()):
    m = D.shape[1]
    fixed = set(fixed)
    best = (-1.0, None)
    for S in itertools.combinations(range(m), p):
        if not fixed <= set(S):
            continue
        val = float(w[(D[:, list(S)] <= radius).any(axis=1)].sum())
        if val > best[0]:
            best = (val, S)
    return best


def brute_lscp(D, radius, fixed=()):
    m = D.shape[1]
    for k in range(len(set(fixed)), m + 1):
        for S in itertools.combinations(range(m), k):
            if not set(fixed) <= set(S):
                continue
            if (D[:, list(S)] <= radius).any(axis=1).all():
                return k, S
    return None, None


def brute_p_center(D, p, fixed=()):
    m = D.shape[1]
    best = (np.inf, None)
    for S in itertools.combinations(range(m), p):
        if not set(fixed) <= set(S):
            continue
        val = float(D[:, list(S)].min(axis=1).max())
        if val < best[0]:
            best = (val, S)
    return best


def transport_lp(D, q, K, S):
    """Min-cost split assignment of demand q to open set S with capacities K (independent LP)."""
    n = D.shape[0]
    S = list(S)
    k = len(S)
    if K[S].sum() < q.sum() - 1e-9:
        return np.inf
    cost = (D[:, S] * q[:, None]).ravel()
    finite = np.isfinite(cost)
    if not finite.reshape(n, k).any(axis=1)[q > 0].all():
        return np.inf
    c = np.where(finite, cost, 0)
    A_eq = np.zeros((n, n * k))
    for i in range(n):
        A_eq[i, i * k:(i + 1) * k] = 1
    A_ub = np.zeros((k, n * k))
    for j in range(k):
        A_ub[j, j::k] = q
    bounds = [(0, 1 if f else 0) for f in finite]
    res = linprog(c, A_ub=A_ub, b_ub=K[S], A_eq=A_eq, b_eq=np.ones(n), bounds=bounds, method="highs")
    return res.fun if res.status == 0 else np.inf


def brute_cfl(D, q, K, f, *, single_source=False, min_load=None):
    n, m = D.shape
    best = np.inf
    for k in range(1, m + 1):
        for S in itertools.combinations(range(m), k):
            S = list(S)
            if single_source:
                for assign in itertools.product(S, repeat=n):
                    a = np.asarray(assign)
                    load = np.bincount(a, weights=q, minlength=m)
                    if (load[S] > K[S] + 1e-9).any():
                        continue
                    if min_load is not None and (load[S] < min_load[S] - 1e-9).any():
                        continue
                    c = D[np.arange(n), a]
                    if not np.isfinite(c).all():
                        continue
                    best = min(best, f[S].sum() + float((c * q).sum()))
            else:
                if min_load is not None:
                    continue  # handled by the single-source brute force only
                val = transport_lp(D, q, K, S)
                best = min(best, f[S].sum() + val)
    return best


def lp_p_median(C, p, y_bounds=None):
    """The p-median LP relaxation (ReVelle & Swain 1970) by scipy's linprog: ``min sum c_ij x_ij`` with
    ``sum_j x_ij = 1``, ``x_ij <= y_j``, ``sum_j y_j = p``; variables y (m) then x (n*m).  ``y_bounds``:
    one ``(lo, hi)`` per candidate (default ``(0, 1)``)."""
    n, m = C.shape
    c = np.concatenate([np.zeros(m), np.asarray(C, dtype=float).ravel()])
    A_eq = np.zeros((n + 1, m + n * m))
    for i in range(n):
        A_eq[i, m + i * m: m + (i + 1) * m] = 1.0
    A_eq[n, :m] = 1.0
    A_ub = np.zeros((n * m, m + n * m))
    for i in range(n):
        for j in range(m):
            A_ub[i * m + j, m + i * m + j] = 1.0
            A_ub[i * m + j, j] = -1.0
    bounds = list(y_bounds) if y_bounds is not None else [(0.0, 1.0)] * m
    r = linprog(c, A_ub=A_ub, b_ub=np.zeros(n * m), A_eq=A_eq, b_eq=np.append(np.ones(n), p),
                bounds=bounds + [(0, None)] * (n * m), method="highs")
    return float(r.fun)
