"""Readers for the standard location benchmark instances in the shared bench folder.

The files are read at run time from :func:`arealsirk.paths.shared_bench_dir` (never copied into the
repository), or from the folder passed as ``bench=``.  Format pitfalls handled here are listed in
that folder's README:

* OR-Library ``pmed``: undirected edges, repeated vertex pairs where the LAST occurrence wins, costs are
  all-pairs shortest paths.
* OR-Library ``cap``: whitespace tokens (not lines); the literal word ``capacity`` stands for a parameter;
  a customer's cost entry is the cost of serving ALL its demand (per-unit cost = cost / demand).
"""



from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path

from ..errors import InputError, MissingFileError
from ..paths import shared_bench_dir

__all__ = [
    "CapInstance",
    "PMedInstance",
    "read_cap",
    "read_optima",
    "read_pmed",
    "read_scp",
    "read_spopt_sf",
    "read_swain",
]


def _path(folder: str, name: str, bench: Path | None) -> Path:
    base = Path(bench) if bench is not None else shared_bench_dir()
    path = base / folder / "raw" / name
    if not path.is_file():
        raise MissingFileError(f"{path}: benchmark file not found")
    return path


@dataclass
class PMedInstance:
    """An OR-Library p-median instance.

    Attributes
    ----------
    name
        Instance name (``"pmed1"`` .. ``"pmed40"``).
    cost
        n x n all-pairs shortest-path distances of the instance's graph (vertex i to vertex j); every
        vertex is both a demand point and a candidate.
    p
        Number of medians to open, as given in the file.
    """

    name: str
    cost: np.ndarray  # n x n shortest-path distances
    p: int


def read_pmed(name: str = "pmed1", *, bench: Path | None = None) -> PMedInstance:
    """OR-Library p-median instance ``pmedK`` as (all-pairs shortest path matrix, p).

    Parameters
    ----------
    name
        Instance name, the file ``pmed/raw/<name>.txt``; default ``"pmed1"``.
    bench
        The benchmark folder (holding ``pmed/raw/``); ``None`` (default) uses
        :func:`arealsirk.paths.shared_bench_dir`.

    Raises
    ------
    MissingFileError
        The file is not in the bench folder.
    """
    path = _path("pmed", f"{name}.txt", bench)
    tok = path.read_text().split()
    n, e, p = int(tok[0]), int(tok[1]), int(tok[2])
    arr = np.asarray(tok[3: 3 + 3 * e], dtype=np.float64).reshape(e, 3)
    i = arr[:, 0].astype(np.int64) - 1
    j = arr[:, 1].astype(np.int64) - 1
    w = arr[:, 2]
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    key = lo * n + hi
    # last occurrence wins: unique over the reversed list keeps the first of the reversed order
    _, first_rev = np.unique(key[::-1], return_index=True)
    keep = e - 1 - first_rev
    g = sp.csr_matrix((w[keep], (lo[keep], hi[keep])), shape=(n, n))
    dist = shortest_path(g, method="D", directed=False)
    return PMedInstance(name, dist, p)


@dataclass
class CapInstance:
    """An OR-Library capacitated warehouse location instance.

    Attributes
    ----------
    name
        Instance name (``"cap41"``, ``"capa"``, ...).
    capacity
        Capacity per warehouse (m values), in the customers' demand units.
    fixed_cost
        Cost of opening each warehouse (m values).
    demand
        Demand per customer (n values).
    cost
        Cost per unit of demand of serving customer i from warehouse j (n x m): the file's cost
        divided by the customer's demand (0 for a customer with no demand).
    total_cost
        Cost of serving all of customer i's demand from warehouse j (n x m), as in the file.
    """

    name: str
    capacity: np.ndarray   # per warehouse
    fixed_cost: np.ndarray
    demand: np.ndarray     # per customer
    cost: np.ndarray       # per-unit cost, customers x warehouses
    total_cost: np.ndarray  # cost of serving all demand (as in the file)


def read_cap(name: str = "cap41", *, capacity: float | None = None, bench: Path | None = None) -> CapInstance:
    """OR-Library capacitated warehouse location instance (``capacity`` replaces the word in capa/b/c).

    Parameters
    ----------
    name
        Instance name, the file ``cap/raw/<name>.txt``; default ``"cap41"``.
    capacity
        The capacity of every warehouse for the files that write the literal word ``capacity``
        instead of a number (capa, capb, capc: the published optima are per capacity value); ignored
        for files that give numbers. ``None`` (default) refuses such a file.
    bench
        The benchmark folder (holding ``cap/raw/``); ``None`` (default) uses
        :func:`arealsirk.paths.shared_bench_dir`.

    Raises
    ------
    MissingFileError
        The file is not in the bench folder.
    InputError
        The file needs ``capacity`` and none was given.
    """
    path = _path("cap", f"{name}.txt", bench)
    tok = path.read_text().split()
    m, n = int(tok[0]), int(tok[1])
    pos = 2
    cap = np.empty(m)
    fc = np.empty(m)
    for k in range(m):
        t = tok[pos]
        if t.lower() == "capacity":
            if capacity is None:
                raise InputError(f"{path.name}: capacities are the parameter 'capacity'; pass capacity=")
            cap[k] = capacity
        else:
            cap[k] = float(t)
        fc[k] = float(tok[pos + 1])
        pos += 2
    demand = np.empty(n)
    total = np.empty((n, m))
    for i in range(n):
        demand[i] = float(tok[pos])
        total[i] = np.asarray(tok[pos + 1: pos + 1 + m], dtype=np.float64)
        pos += 1 + m
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = np.where(demand[:, None] > 0, total / np.where(demand[:, None] > 0, demand[:, None], 1), 0.0)
    return CapInstance(name, cap, fc, demand, unit, total)


def read_swain(*, bench: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Swain 55-node data: (Euclidean distance matrix 55 x 55, demand weights).

    Parameters
    ----------
    bench
        The benchmark folder (holding ``swain/raw/``); ``None`` (default) uses
        :func:`arealsirk.paths.shared_bench_dir`.
    """
    path = _path("swain", "swain.txt", bench)
    tok = path.read_text().split()
    n = int(tok[0])
    arr = np.asarray(tok[1: 1 + 4 * n], dtype=np.float64).reshape(n, 4)
    xy = arr[:, 1:3]
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    return d, arr[:, 3]


def read_spopt_sf(*, bench: Path | None = None) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """spopt San Francisco: (205 x 16 street distances in m, POP2000 weights, tract names, store names).

    Rows sorted by tract NAME, columns by store name (as ``pandas.pivot_table`` does in spopt's tests).

    Parameters
    ----------
    bench
        The benchmark folder (holding ``spopt_sf/raw/``); ``None`` (default) uses
        :func:`arealsirk.paths.shared_bench_dir`.
    """
    import pandas as pd

    dist = pd.read_csv(_path("spopt_sf", "SF_network_distance_candidateStore_16_censusTract_205_new.csv",
                             bench), dtype={"DestinationName": str, "name": str})
    demand = pd.read_csv(_path("spopt_sf", "SF_demand_205_centroid_uniform_weight.csv", bench),
                         dtype={"NAME": str})
    table = dist.pivot_table(values="distance", index="DestinationName", columns="name")
    demand = demand.sort_values("NAME")
    weights = demand["POP2000"].to_numpy(dtype=np.float64)
    return table.to_numpy(dtype=np.float64), weights, list(table.index), list(table.columns)


def read_scp(name: str = "scp41", *, bench: Path | None = None) -> tuple[sp.csr_matrix, np.ndarray]:
    """OR-Library set covering instance: (rows x columns 0/1 CSR matrix, column costs).

    Parameters
    ----------
    name
        Instance name, the file ``scp/raw/<name>.txt``; default ``"scp41"``.
    bench
        The benchmark folder (holding ``scp/raw/``); ``None`` (default) uses
        :func:`arealsirk.paths.shared_bench_dir`.
    """
    path = _path("scp", f"{name}.txt", bench)
    tok = path.read_text().split()
    nr, nc = int(tok[0]), int(tok[1])
    costs = np.asarray(tok[2: 2 + nc], dtype=np.float64)
    pos = 2 + nc
    rows: list[int] = []
    cols: list[int] = []
    for r in range(nr):
        k = int(tok[pos])
        cols.extend(int(t) - 1 for t in tok[pos + 1: pos + 1 + k])
        rows.extend([r] * k)
        pos += 1 + k
    a = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(nr, nc))
    return a, costs


def read_optima(folder: str, file: str = "OPTIMA.csv", *, bench: Path | None = None) -> list[dict]:
    """Rows of ``<folder>/OPTIMA.csv`` (or ``REFERENCE.csv``) as dicts.

    Parameters
    ----------
    folder
        Instance family folder in the bench folder (``"pmed"``, ``"cap"``, ``"scp"``, ``"swain"``,
        ``"spopt_sf"``, ``"dimacs_rome99"``).
    file
        Table inside that folder; default ``"OPTIMA.csv"`` (published optima), or
        ``"REFERENCE.csv"`` where a folder has reference values instead.
    bench
        The benchmark folder (holding ``folder``); ``None`` (default) uses
        :func:`arealsirk.paths.shared_bench_dir`.

    Returns
    -------
    list of dict
        One dict per row, column name -> text (numbers are not converted).

    Raises
    ------
    MissingFileError
        The table is not there.
    """
    base = Path(bench) if bench is not None else shared_bench_dir()
    path = base / folder / file
    if not path.is_file():
        raise MissingFileError(f"{path}: optima table not found")
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))
