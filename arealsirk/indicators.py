"""Common indicators per kommune and year: one table with a stable schema for every theme.

A cluster of kommuner compares its members, and each member with itself year by year, on one long
("tidy") table with the fixed columns :data:`COLUMNS`:

``scenario, year, kommunenummer, kommunenavn, theme, indicator, kind, value, unit, basis``

one row per (scenario, year, kommune, theme, indicator, kind).  The indicators (:data:`INDICATORS`):

* ``inhabitants`` -- from the ``kommuner`` layer's ``population`` column (else the reuse result's
  population per kommune);
* ``resource_t`` and ``resource_kg_per_inhabitant`` -- every mass resource of the sources layer, per kind;
* per feedstock theme (biogas, bioenergy, textiles): ``supplied_t``, ``share_collected`` (per kind and
  ``all``), ``tonne_km_per_t``, ``transport_co2_t``, ``cost_nok`` and ``share_of_cost`` (the net annual
  cost of the kommune's feedstock, :func:`arealsirk.costs.cost_feedstock_result`: plant costs shared by
  tonnes delivered unless a fair split is given, see ``cost_shares``);
* per reuse theme: ``share_within_<b>_min`` for the drive-time bands ``reuse.band1_minutes`` ..
  ``band3_minutes`` (15/20/30 min), ``mean_minutes``, and ``cost_nok`` / ``share_of_cost`` (the annual
  cost of the centres, :func:`arealsirk.costs.cost_reuse_result`, shared by inhabitants unless a fair
  split is given).

:func:`write_indicators` writes CSV and XLSX (openpyxl, the ``report`` extra) and *appends*: rows of an
existing file are kept unless the new table has the same key (scenario, year, kommunenummer, theme,
indicator, kind), which the new row replaces.  Text cells in the XLSX are always stored as text, never
as formulas (a kommune or scenario name starting with ``=`` stays a name).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._text import csv_restore, csv_safe
from .errors import InputError, MissingColumnError, MissingFileError
from .resources import check_parameters, kind_info, parameter

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from .workflows import WorkflowResult

__all__ = [
    "COLUMNS",
    "INDICATORS",
    "KEY",
    "kommune_indicators",
    "read_indicators",
    "wide",
    "write_indicators",
]

#: The columns of the indicator table, in order.
COLUMNS = [
    "scenario",
    "year",
    "kommunenummer",
    "kommunenavn",
    "theme",
    "indicator",
    "kind",
    "value",
    "unit",
    "basis",
]
#: The columns that identify a row (appending replaces rows with the same key).
KEY = ["scenario", "year", "kommunenummer", "theme", "indicator", "kind"]

#: Indicator -> (unit, description).  ``share_within_<b>_min`` is one row per drive-time band.
INDICATORS: dict[str, tuple[str, str]] = {
    "inhabitants": ("people", "Inhabitants of the kommune"),
    "resource_t": ("t/yr", "Resource of this kind in the kommune's sources"),
    "resource_kg_per_inhabitant": ("kg/person/yr", "Resource of this kind per inhabitant"),
    "supplied_t": ("t/yr", "Feedstock of the theme from the kommune's sources"),
    "share_collected": ("fraction", "Share of the feedstock collected by a selected facility"),
    "tonne_km_per_t": ("tonne-km/t", "Transport work per tonne collected (mean loaded km)"),
    "transport_co2_t": ("t CO2/yr", "Transport CO2 of the kommune's collected feedstock"),
    "cost_nok": ("NOK/yr", "Net annual cost of the kommune's feedstock (price year in 'basis')"),
    "share_of_cost": ("fraction", "The kommune's share of the theme's total net cost"),
    "share_within_min": ("fraction", "Share of inhabitants within the drive time of a reuse centre"),
    "mean_minutes": ("min", "Mean drive time to the nearest reuse centre (reachable inhabitants)"),
}

_FEEDSTOCK_TYPES = ("biogas_plant", "bioenergy_plant", "textile_site")


def _row(k: str, theme: str, indicator: str, kind: str, value: float, unit: str, basis: str = "") -> dict:
    return {
        "kommunenummer": k,
        "theme": theme,
        "indicator": indicator,
        "kind": kind,
        "value": float(value),
        "unit": unit,
        "basis": basis,
    }


def _inhabitants(kommuner: Any, results: Mapping[str, WorkflowResult]) -> tuple[dict[str, float], str]:
    if kommuner is not None and "population" in kommuner.columns:
        pop = kommuner.groupby(kommuner["kommunenummer"].astype(str))["population"].sum()
        return {str(k): float(v) for k, v in pop.items()}, "kommuner layer, column 'population'"
    for name, res in results.items():
        t = res.tables.get("by_kommune")
        reuse = str(res.summary.get("workflow", "")).startswith("reuse")
        if reuse and t is not None and "population" in t.columns:
            pop = dict(zip(t["kommunenummer"].astype(str), t["population"].astype(float), strict=True))
            return pop, f"population of theme '{name}'"
    return {}, ""


def _resources(sources: Any, inhabitants: Mapping[str, float]) -> list[dict]:
    from .resources import to_canonical

    rows: list[dict] = []
    for col in ("kind", "quantity", "kommunenummer"):
        if col not in sources.columns:
            raise MissingColumnError(f"sources: column '{col}' missing (needed for the resource indicators)")
    units = sources["unit"].astype(str) if "unit" in sources.columns else ["t/yr"] * len(sources)
    t: dict[tuple[str, str], float] = {}
    for kind, unit, q, k in zip(
        sources["kind"].astype(str).str.strip().str.lower(),
        units,
        sources["quantity"],
        sources["kommunenummer"].astype(str),
        strict=True,
    ):
        info = kind_info(kind)
        if info is None or info.family != "mass":
            continue
        v, _ = to_canonical(float(q), unit, kind=kind, context="sources, column 'unit': ")
        t[(k, kind)] = t.get((k, kind), 0.0) + float(v)
    for (k, kind), v in sorted(t.items()):
        rows.append(_row(k, "resources", "resource_t", kind, v, "t/yr", "sources layer"))
        pop = inhabitants.get(k, 0.0)
        rows.append(
            _row(
                k,
                "resources",
                "resource_kg_per_inhabitant",
                kind,
                v * 1000.0 / pop if pop > 0 else np.nan,
                "kg/person/yr",
                "sources layer",
            )
        )
    return rows


def _feedstock(theme: str, res: WorkflowResult, params: dict, shares: pd.DataFrame | None) -> list[dict]:
    from .costs import cost_feedstock_result, price_year

    src = res.layers["source_status"]
    alloc = res.layers["allocation"]
    s = src.assign(k=src["kommunenummer"].astype(str), kind=src["kind"].astype(str))
    rows: list[dict] = []
    sup = s.groupby(["k", "kind"])[["quantity", "collected_t"]].sum()
    tot = s.groupby("k")[["quantity", "collected_t"]].sum()
    for (k, kind), r in sup.iterrows():
        rows.append(_row(k, theme, "supplied_t", kind, r["quantity"], "t/yr"))
        rows.append(
            _row(
                k,
                theme,
                "share_collected",
                kind,
                r["collected_t"] / r["quantity"] if r["quantity"] > 0 else np.nan,
                "fraction",
            )
        )
    a = (
        alloc.assign(k=alloc["kommunenummer"].astype(str))
        .groupby("k")[["quantity", "tonne_km", "co2_t"]]
        .sum()
    )
    costed = cost_feedstock_result(res, parameters=params)["by_kommune"].set_index("kommunenummer")
    year = price_year(params)
    basis = f"NOK {year}; plant costs shared by tonnes delivered"
    cost = costed["net_nok"]
    if shares is not None:
        cost = shares.set_index(shares["kommunenummer"].astype(str))["cost_nok"]
        basis = f"NOK {year}; " + str(shares["basis"].iloc[0] if "basis" in shares.columns else "given split")
    total_cost = float(cost.sum())
    for k, r in tot.iterrows():
        rows.append(_row(k, theme, "supplied_t", "all", r["quantity"], "t/yr"))
        rows.append(
            _row(
                k,
                theme,
                "share_collected",
                "all",
                r["collected_t"] / r["quantity"] if r["quantity"] > 0 else np.nan,
                "fraction",
            )
        )
        got = a.loc[k] if k in a.index else None
        coll = float(got["quantity"]) if got is not None else 0.0
        tkm = float(got["tonne_km"]) if got is not None else 0.0
        rows.append(
            _row(
                k,
                theme,
                "tonne_km_per_t",
                "all",
                tkm / coll if coll > 0 else np.nan,
                "tonne-km/t",
            )
        )
        rows.append(
            _row(
                k,
                theme,
                "transport_co2_t",
                "all",
                float(got["co2_t"]) if got is not None else 0.0,
                "t CO2/yr",
            )
        )
        c = float(cost.get(k, 0.0))
        rows.append(_row(k, theme, "cost_nok", "all", c, "NOK/yr", basis))
        rows.append(
            _row(
                k, theme, "share_of_cost", "all", c / total_cost if total_cost else np.nan, "fraction", basis
            )
        )
    return rows


def _reuse(theme: str, res: WorkflowResult, params: dict, shares: pd.DataFrame | None) -> list[dict]:
    from .costs import cost_reuse_result, price_year

    t = res.tables["by_kommune"]
    rows: list[dict] = []
    bands = [parameter(f"reuse.band{i}_minutes", params) for i in (1, 2, 3)]
    for _, r in t.iterrows():
        k = str(r["kommunenummer"])
        for b in bands:
            col = f"share_{b:g}_min"
            if col in t.columns:
                rows.append(_row(k, theme, f"share_within_{b:g}_min", "population", r[col], "fraction"))
        if "mean_minutes" in t.columns:
            rows.append(_row(k, theme, "mean_minutes", "population", r["mean_minutes"], "min"))
    if "population_served" not in res.layers["selected_sites"].columns:
        return rows
    year = price_year(params)
    total = float(cost_reuse_result(res, parameters=params)["facility_nok"].sum())
    pop = dict(zip(t["kommunenummer"].astype(str), t["population"].astype(float), strict=True))
    cost = {k: total * v / sum(pop.values()) for k, v in pop.items()} if sum(pop.values()) > 0 else {}
    basis = f"NOK {year}; centre costs shared by inhabitants"
    if shares is not None:
        cost = dict(zip(shares["kommunenummer"].astype(str), shares["cost_nok"].astype(float), strict=True))
        basis = f"NOK {year}; " + str(shares["basis"].iloc[0] if "basis" in shares.columns else "given split")
    tot = sum(cost.values())
    for k in sorted(pop):
        c = float(cost.get(k, 0.0))
        rows.append(_row(k, theme, "cost_nok", "all", c, "NOK/yr", basis))
        rows.append(_row(k, theme, "share_of_cost", "all", c / tot if tot else np.nan, "fraction", basis))
    return rows


def kommune_indicators(
    results: Mapping[str, WorkflowResult],
    *,
    scenario: str,
    year: int,
    kommuner: gpd.GeoDataFrame | None = None,
    sources: gpd.GeoDataFrame | None = None,
    cost_shares: Mapping[str, pd.DataFrame] | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """The indicator table of one run (see the module docstring for the schema).

    Parameters
    ----------
    results
        Theme name -> :class:`~arealsirk.workflows.WorkflowResult` (feedstock themes and reuse
        centres are recognised by their layers and tables; other themes add no rows).
    scenario, year
        The key of this run (a scenario name and the year the inputs describe).
    kommuner
        Kommune polygons with ``kommunenummer`` (``kommunenavn``, ``population`` used when present).
    sources
        The sources layer, for ``resource_t`` / ``resource_kg_per_inhabitant`` of every mass kind.
    cost_shares
        Theme -> table with ``kommunenummer``, ``cost_nok`` (and ``basis``, e.g. "Shapley value"):
        a fair split that replaces the tonnes key for ``cost_nok`` and ``share_of_cost``.
    parameters
        Overrides of defaults-table keys.

    Raises
    ------
    InputError
        An empty scenario name or a year outside 1900-2200.
    """
    import pandas as pd

    if not str(scenario).strip():
        raise InputError("indicators: scenario must be a non-empty name")
    try:
        year_i = int(year)
    except (TypeError, ValueError):
        raise InputError(f"indicators: year must be a whole number, got {year!r}") from None
    if not 1900 <= year_i <= 2200 or year_i != year:
        raise InputError(f"indicators: year must be a whole number between 1900 and 2200, got {year!r}")
    params = check_parameters(parameters)
    pop, pop_basis = _inhabitants(kommuner, results)
    rows = [_row(k, "all", "inhabitants", "", v, "people", pop_basis) for k, v in sorted(pop.items())]
    if sources is not None:
        rows += _resources(sources, pop)
    for theme, res in results.items():
        sites = res.layers.get("selected_sites")
        ftype = str(sites["facility_type"].iloc[0]) if sites is not None and len(sites) else ""
        if ftype in _FEEDSTOCK_TYPES and "source_status" in res.layers and "allocation" in res.layers:
            share = (cost_shares or {}).get(theme)
            rows += _feedstock(theme, res, params, share)
        elif ftype == "reuse_centre" and "by_kommune" in res.tables:
            rows += _reuse(theme, res, params, (cost_shares or {}).get(theme))
    df = pd.DataFrame(rows, columns=[c for c in COLUMNS if c not in ("scenario", "year", "kommunenavn")])
    names: dict[str, str] = {}
    if kommuner is not None and "kommunenavn" in kommuner.columns:
        names = dict(
            zip(kommuner["kommunenummer"].astype(str), kommuner["kommunenavn"].astype(str), strict=True)
        )
    df.insert(0, "scenario", str(scenario))
    df.insert(1, "year", year_i)
    df.insert(3, "kommunenavn", df["kommunenummer"].map(names).fillna(""))
    return _normalise(df)


def _normalise(df: pd.DataFrame) -> pd.DataFrame:
    out = df[COLUMNS].copy()
    for c in ("scenario", "kommunenummer", "kommunenavn", "theme", "indicator", "kind", "unit", "basis"):
        out[c] = out[c].fillna("").astype(str)
    out["year"] = out["year"].astype(int)
    out["value"] = out["value"].astype(float)
    return out.sort_values(KEY, ignore_index=True)


def read_indicators(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read an indicator table written by :func:`write_indicators` (``.csv`` or ``.xlsx``).

    Parameters
    ----------
    path
        The ``.csv`` or ``.xlsx`` file.

    Returns
    -------
    pandas.DataFrame
        The long table with the columns :data:`COLUMNS`.

    Raises
    ------
    MissingFileError
        When the file does not exist.
    InputError
        When its columns are not :data:`COLUMNS` (naming the file and the difference).
    """
    import pandas as pd

    p = Path(path)
    if not p.exists():
        raise MissingFileError(f"{p}: indicator table not found")
    text_cols = {
        c: str
        for c in ("scenario", "kommunenummer", "kommunenavn", "theme", "indicator", "kind", "unit", "basis")
    }
    if p.suffix.lower() == ".xlsx":
        from ._optional import require

        require("openpyxl", extra="report", purpose="reading XLSX indicator tables")
        df = pd.read_excel(
            p,
            sheet_name="indikatorer",
            dtype=text_cols,
            keep_default_na=False,
            na_values={"value": [""]},
            engine="openpyxl",
        )
    else:
        df = csv_restore(pd.read_csv(p, dtype=text_cols, keep_default_na=False,
                                     na_values={"value": ["", "nan"]}))
    if list(df.columns) != COLUMNS:
        missing = [c for c in COLUMNS if c not in df.columns]
        extra = [c for c in df.columns if c not in COLUMNS]
        raise InputError(
            f"{p}: not an indicator table of this schema (missing columns: "
            f"{', '.join(missing) or '-'}; unexpected: {', '.join(map(str, extra)) or '-'})"
        )
    return _normalise(df)


def wide(table: pd.DataFrame) -> pd.DataFrame:
    """The long indicator table turned wide.

    Parameters
    ----------
    table
        A long table with the columns :data:`COLUMNS` (from :func:`kommune_indicators` or
        :func:`read_indicators`).

    Returns
    -------
    pandas.DataFrame
        One row per (scenario, year, kommune), one column per ``theme:indicator[:kind]``.
    """
    import pandas as pd

    t = table.copy()
    t["column"] = t["theme"] + ":" + t["indicator"] + np.where(t["kind"] != "", ":" + t["kind"], "")
    idx = ["scenario", "year", "kommunenummer"]
    w = t.set_index([*idx, "column"])["value"].unstack("column")
    w.columns.name = None
    names = t.drop_duplicates(idx).set_index(idx)["kommunenavn"]
    w.insert(0, "kommunenavn", names.reindex(w.index).to_numpy())
    w = w.reset_index()
    return pd.DataFrame(w)


def _write_xlsx(path: Path, table: pd.DataFrame) -> None:
    from ._optional import require
    from .io import atomic_path

    openpyxl = require("openpyxl", extra="report", purpose="writing XLSX indicator tables")
    wb = openpyxl.Workbook()
    sheets = {"indikatorer": table, "per_kommune": wide(table)}
    wb.remove(wb.active)
    for name, df in sheets.items():
        ws = wb.create_sheet(name)
        ws.append([str(c) for c in df.columns])
        for c in ws[1]:
            c.data_type = "s"
        for rec in df.itertuples(index=False):
            ws.append(
                [
                    None
                    if isinstance(v, float) and np.isnan(v)
                    else (v.item() if isinstance(v, np.generic) else v)
                    for v in rec
                ]
            )
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text stays text: never a formula
        ws.freeze_panes = "A2"
    with atomic_path(path) as tmp:
        wb.save(tmp)


def write_indicators(
    table: pd.DataFrame,
    *,
    csv: str | os.PathLike[str] | None = None,
    xlsx: str | os.PathLike[str] | None = None,
    append: bool = True,
) -> pd.DataFrame:
    """Write the indicator table as CSV and/or XLSX, appending to what the files already hold.

    Parameters
    ----------
    table
        From :func:`kommune_indicators` (columns :data:`COLUMNS`).
    csv, xlsx
        Target files (at least one).  The XLSX has the long table (sheet ``indikatorer``) and the
        wide one (sheet ``per_kommune``, :func:`wide`).
    append
        Keep the rows already in each file unless the new table has the same :data:`KEY`.

    Returns
    -------
    pandas.DataFrame
        The table written (the union when appending; from the CSV when both are given).
    """
    import pandas as pd

    if csv is None and xlsx is None:
        raise InputError("write_indicators: give csv= and/or xlsx=")
    miss = [c for c in COLUMNS if c not in table.columns]
    if miss:
        raise MissingColumnError(f"indicator table: column '{miss[0]}' missing")
    new = _normalise(table)
    dup = new.duplicated(KEY)
    if dup.any():
        r = new.loc[dup].iloc[0]
        raise InputError(f"indicator table: key {tuple(r[k] for k in KEY)} appears twice")
    written = new
    from .io import atomic_path

    for target, kind in ((xlsx, "xlsx"), (csv, "csv")):
        if target is None:
            continue
        p = Path(target)
        out = new
        if append and p.exists():
            old = read_indicators(p)
            keys = set(map(tuple, new[KEY].astype(str).to_numpy()))
            keep = [tuple(r) not in keys for r in old[KEY].astype(str).to_numpy()]
            out = _normalise(pd.concat([old.loc[keep], new], ignore_index=True))
        if kind == "xlsx":
            _write_xlsx(p, out)
        else:
            with atomic_path(p) as tmp:
                csv_safe(out).to_csv(tmp, index=False, encoding="utf-8")
        written = out
    return written
