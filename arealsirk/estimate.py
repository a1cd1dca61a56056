"""Resource streams from Norwegian open data: one function per stream, each a ``sources`` layer.

Every function returns a :class:`ResourceEstimate`: a ``sources`` layer in the library's schema
(``id``, ``name``, ``kind``, ``quantity``, ``unit``; plus ``dry_matter_t``, ``methane_nm3``,
``energy_gwh``, ``kommunenummer`` and ``rule``, the sentence saying how the row was made and where it
was placed) and a per-kommune table (:func:`kommune_table`). Every factor is a row of the defaults table
(``resources.*``); a ``parameters`` mapping overrides any of them.

==================================  =======================================================================
:func:`estimate_manure`             livestock register (head by class) -> manure per farm, slurry and solid
:func:`estimate_food_waste`         SSB population grid -> household food waste per cell
:func:`estimate_sewage_sludge`      SSB population grid -> digested and undigested sludge per kommune
:func:`estimate_textiles`           SSB population grid -> used textiles per cell
:func:`estimate_reuse_demand`       SSB population grid -> people per cell (reuse-centre demand)
:func:`estimate_forest_residue`     N1000 forest area x harvest intensity -> GROT per forest piece
:func:`estimate_region`             all of them for a list of kommuner from the national files
==================================  =======================================================================

Formulas
--------
Manure, per farm and class ``c`` of group ``g`` (cattle, pig, sheep_goat, poultry, horse, other)::

    VS_c (t/yr)  = head_c x vs_kg_per_head_day_c x 365 x housed_share_g / 1000
    DM   (t/yr)  = sum_c VS_c / vs_share_g
    slurry (t/yr) = DM x slurry_share_g / dm_fraction_g.slurry
    solid  (t/yr) = DM x (1 - slurry_share_g) / dm_fraction_g.solid
    CH4 (Nm3/yr) = sum_c VS_c x 1000 x B0_c x b0_realised_share      (split over slurry/solid by DM)

Food waste, textiles: ``t = inhabitants x kg per inhabitant / 1000``; methane from the kind's yield per
tonne. Sewage sludge: ``DM_raw = inhabitants x PE per inhabitant x kg DM per PE / 1000``; the digested
share loses ``sludge_digestion_dm_loss`` of its DM; each part's fresh mass is DM / its DM fraction.
Forest residue: ``GROT DM = forest ha x harvest m3/ha x grot t DM/m3 x recovery share``, as received
``DM / grot_dm_fraction``, energy via ``resources.forest_residue_mwh_per_t``.
Energy: ``GWh = Nm3 CH4 x resources.kwh_per_nm3_methane / 1e6``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._text import csv_safe
from .errors import InputError, MissingColumnError, MissingFileError
from .resources import check_parameters, forest_residue_gwh, methane_yield, parameter

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

log = logging.getLogger("arealsirk")

__all__ = [
    "ESTIMATE_PREFIXES",
    "MANURE_KIND",
    "SOURCE_COLUMNS",
    "STREAMS",
    "ResourceEstimate",
    "aggregate_sources",
    "combine",
    "estimate_food_waste",
    "estimate_forest_residue",
    "estimate_manure",
    "estimate_region",
    "estimate_reuse_demand",
    "estimate_sewage_sludge",
    "estimate_textiles",
    "kommune_table",
    "manure_per_farm",
    "write_resources",
]

#: Columns of every sources layer made here (then the geometry).
SOURCE_COLUMNS = [
    "id",
    "name",
    "kind",
    "quantity",
    "unit",
    "dry_matter_t",
    "methane_nm3",
    "energy_gwh",
    "storage",
    "kommunenummer",
    "rule",
]
#: Defaults-table prefixes read only by these estimates (not by the siting workflows).
ESTIMATE_PREFIXES = ("resources.manure_", "resources.sludge_", "resources.food_waste_", "resources.textiles_",
                     "resources.forest_harvest", "resources.forest_cell", "resources.grot_",
                     "resources.aggregate_cell")
#: Manure group -> resource kind.
MANURE_KIND = {
    "cattle": "cattle_manure",
    "pig": "pig_manure",
    "sheep_goat": "sheep_goat_manure",
    "poultry": "poultry_manure",
    "horse": "horse_manure",
    "other": "other_manure",
}
_EPSG = 25833


@dataclass
class ResourceEstimate:
    """The result of one stream estimate (or of several, see :func:`combine`).

    Attributes
    ----------
    sources
        The source points: the columns of :data:`SOURCE_COLUMNS` and geometry, EPSG:25833.
    by_kommune
        :func:`kommune_table` of the sources.
    notes
        What was left out or placed by a fallback, and why.
    tables
        Extra tables (``farms``; ``kommuner`` and ``population`` from :func:`estimate_region`).
    """

    sources: gpd.GeoDataFrame  #: rows of :data:`SOURCE_COLUMNS` + geometry, EPSG:25833
    by_kommune: pd.DataFrame  #: :func:`kommune_table` of the sources
    notes: list[str] = field(default_factory=list)  #: what was left out or placed by a fallback, and why
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  #: extra tables (e.g. ``farms``)


# --------------------------------------------------------------------------------------------- helpers
def _p(parameters: Mapping[str, Any] | None) -> dict[str, float]:
    return check_parameters(parameters)


def _kwh(parameters: Mapping[str, Any]) -> float:
    return parameter("resources.kwh_per_nm3_methane", parameters)


def _kommuner(kommuner: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    from ._validate import validate_layer

    k = validate_layer(kommuner, name="kommuner", geometry="polygon", columns=("kommunenummer",))
    k["kommunenummer"] = k["kommunenummer"].astype(str).str.zfill(4)
    if "kommunenavn" not in k.columns:
        k["kommunenavn"] = k["kommunenummer"]
    return k


def _population(population: gpd.GeoDataFrame, kommuner: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Population cells with ``population`` and ``kommunenummer`` (assigned by cell centre if missing)."""
    import geopandas as gpd

    from ._validate import validate_layer

    pop = validate_layer(
        population, name="population", geometry=("point", "polygon"), numeric=("population",)
    )
    if "kommunenummer" not in pop.columns:
        centres = gpd.GeoDataFrame(
            {"_i": np.arange(len(pop))}, geometry=pop.geometry.representative_point(), crs=pop.crs
        )
        hit = (
            gpd.sjoin(
                centres, kommuner[["kommunenummer", kommuner.geometry.name]], how="left", predicate="within"
            )
            .drop_duplicates("_i")
            .sort_values("_i")
        )
        pop["kommunenummer"] = hit["kommunenummer"].to_numpy()
    pop = pop[pop["kommunenummer"].isin(set(kommuner["kommunenummer"])) & (pop["population"] > 0)]
    if "ssbid" not in pop.columns:
        pop["ssbid"] = [f"c{i}" for i in range(len(pop))]
    return pop.reset_index(drop=True)


def _layer(rows: dict[str, Any], geometry: Any) -> gpd.GeoDataFrame:
    import geopandas as gpd

    frame = gpd.GeoDataFrame(
        rows, geometry=list(geometry) if not hasattr(geometry, "crs") else geometry, crs=_EPSG
    )
    for col in SOURCE_COLUMNS:
        if col not in frame.columns:
            frame[col] = np.nan if col in ("dry_matter_t", "methane_nm3", "energy_gwh") else ""
    return frame[[*SOURCE_COLUMNS, frame.geometry.name]].reset_index(drop=True)


def _empty() -> gpd.GeoDataFrame:
    return _layer({c: [] for c in SOURCE_COLUMNS}, [])


def _finish(
    sources: gpd.GeoDataFrame,
    kommuner: gpd.GeoDataFrame,
    population: gpd.GeoDataFrame | None,
    notes: list[str],
    tables: dict[str, pd.DataFrame] | None = None,
) -> ResourceEstimate:
    return ResourceEstimate(
        sources, kommune_table(sources, kommuner, population=population), notes, tables or {}
    )


# --------------------------------------------------------------------------------------------- manure
def _class_factors(classes: Iterable[str], parameters: Mapping[str, Any]) -> pd.DataFrame:
    """Per counted class: group, VS kg/head/day, housed share, B0 (class row or group row)."""
    import pandas as pd

    from .defaults import table
    from .readers.livestock import livestock_class

    rows = []
    for name in classes:
        cls = livestock_class(name)
        if cls.subset_of is not None:
            continue
        key = f"resources.manure_vs_kg_per_head_day.{cls.name}"
        if not (key in parameters or table(key)):
            raise InputError(
                f"livestock class '{cls.name}' ({cls.code}) has no manure factor; add "
                f"parameters {{'{key}': <kg VS per head and day>}}"
            )
        b0_key = f"resources.manure_b0.{cls.name}"
        b0 = (
            parameter(b0_key, parameters)
            if (b0_key in parameters or table(b0_key))
            else parameter(f"resources.manure_b0.{cls.group}", parameters)
        )
        rows.append(
            {
                "class": cls.name,
                "group": cls.group,
                "vs_kg_day": parameter(key, parameters),
                "housed": parameter(f"resources.manure_housed_share.{cls.group}", parameters),
                "b0": b0,
            }
        )
    return pd.DataFrame(rows)


def manure_per_farm(register: pd.DataFrame, *, parameters: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Manure of every farm of the register by group and storage (the formula of the module docstring).

    Parameters
    ----------
    register
        :func:`arealsirk.readers.read_livestock_register` frame (``farm_id``, ``kommunenummer``,
        ``gnr``, ``bnr`` and one column of head per class).
    parameters
        Overrides of defaults-table keys (``resources.manure_*``, ``resources.methane_nm3_per_t.*``);
        ``None`` (default): the table.

    Returns
    -------
    pandas.DataFrame
        One row per farm, group and storage with manure: ``farm_id``, ``kommunenummer``, ``gnr``,
        ``bnr``, ``group``, ``kind``, ``storage`` ("slurry" | "solid"), ``quantity`` (t fresh/yr),
        ``dry_matter_t``, ``vs_t``, ``methane_nm3``, ``head`` (animals of the group counted).
        Subset codes (``p118``, organic ``p8xx``) are never added to their parent class.
    """
    import pandas as pd

    params = _p(parameters)
    for col in ("farm_id", "kommunenummer"):
        if col not in register.columns:
            raise MissingColumnError(
                f"livestock register: missing column '{col}' (read it with "
                "arealsirk.readers.read_livestock_register)"
            )
    from .readers.livestock import LIVESTOCK_CLASSES

    names = {c.name for c in LIVESTOCK_CLASSES.values()}
    present = [c for c in register.columns if c in names]
    f = _class_factors(present, params)
    realised = parameter("resources.manure_b0_realised_share", params)
    head = register[f["class"].tolist()].to_numpy(dtype=float)
    vs = head * (f["vs_kg_day"].to_numpy() * 365.0 * f["housed"].to_numpy() / 1000.0)
    ch4 = vs * 1000.0 * f["b0"].to_numpy() * realised
    out = []
    ids = register[["farm_id", "kommunenummer", *[c for c in ("gnr", "bnr") if c in register.columns]]]
    for group in sorted(set(f["group"])):
        cols = (f["group"] == group).to_numpy()
        g_vs, g_ch4, g_head = vs[:, cols].sum(axis=1), ch4[:, cols].sum(axis=1), head[:, cols].sum(axis=1)
        dm = g_vs / parameter(f"resources.manure_vs_share.{group}", params)
        slurry = parameter(f"resources.manure_slurry_share.{group}", params)
        for storage, share in (("slurry", slurry), ("solid", 1.0 - slurry)):
            if share <= 0:
                continue
            keep = g_vs > 0
            part = ids[keep].copy()
            part["group"], part["kind"], part["storage"] = group, MANURE_KIND[group], storage
            part["dry_matter_t"] = dm[keep] * share
            part["quantity"] = part["dry_matter_t"] / parameter(
                f"resources.manure_dm_fraction.{group}.{storage}", params
            )
            part["vs_t"], part["methane_nm3"] = g_vs[keep] * share, g_ch4[keep] * share
            part["head"] = g_head[keep]
            out.append(part)
    cols = [
        "farm_id",
        "kommunenummer",
        "gnr",
        "bnr",
        "group",
        "kind",
        "storage",
        "quantity",
        "dry_matter_t",
        "vs_t",
        "methane_nm3",
        "head",
    ]
    frame = pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=cols)
    return frame.reindex(columns=cols)


def _farm_addresses(farms: pd.DataFrame, addresses: gpd.GeoDataFrame) -> pd.DataFrame:
    """Farm id -> address point (x, y) and the number of addresses on the property (medoid of them)."""
    import pandas as pd

    for col in ("kommunenummer", "gardsnummer", "bruksnummer"):
        if col not in addresses.columns:
            raise MissingColumnError(
                f"addresses: missing column '{col}' (Matrikkel addresses carry "
                "kommunenummer, gardsnummer, bruksnummer)"
            )
    a = addresses.to_crs(_EPSG) if addresses.crs is not None else addresses
    key = pd.DataFrame(
        {
            "kommunenummer": a["kommunenummer"].astype(str).str.zfill(4).to_numpy(),
            "gnr": pd.to_numeric(a["gardsnummer"], errors="coerce").to_numpy(),
            "bnr": pd.to_numeric(a["bruksnummer"], errors="coerce").to_numpy(),
            "x": a.geometry.x.to_numpy(),
            "y": a.geometry.y.to_numpy(),
            "aid": a["id"].astype(str).to_numpy() if "id" in a.columns else np.arange(len(a)).astype(str),
        }
    )
    key = key.dropna(subset=["gnr", "bnr"]).sort_values("aid")
    key[["gnr", "bnr"]] = key[["gnr", "bnr"]].astype(int)
    rows = []
    for (knr, gnr, bnr), grp in key.groupby(["kommunenummer", "gnr", "bnr"], sort=False):
        x, y = grp["x"].to_numpy(), grp["y"].to_numpy()
        i = int(np.argmin(np.hypot(x - x.mean(), y - y.mean())))  # the address nearest the mean: a medoid
        rows.append((knr, gnr, bnr, x[i], y[i], len(grp)))
    prop = pd.DataFrame(rows, columns=["kommunenummer", "gnr", "bnr", "x", "y", "n_addresses"])
    f = farms[["farm_id", "kommunenummer", "gnr", "bnr"]].drop_duplicates("farm_id")
    return f.merge(prop, on=["kommunenummer", "gnr", "bnr"], how="inner")


def _spread_cells(
    kommuner: gpd.GeoDataFrame, population: gpd.GeoDataFrame | None, avoid: gpd.GeoDataFrame | None
) -> dict[str, tuple[np.ndarray, np.ndarray, str]]:
    """Per kommune the points to spread aggregated manure over, and the rule's text.

    Populated SSB cells outside the ``avoid`` polygons (settlements: farms' operating centres are
    rural dwellings, not town houses); all populated cells when none is left; the kommune's
    representative point when it has no populated cell.
    """
    import shapely

    out: dict[str, tuple[np.ndarray, np.ndarray, str]] = {}
    pop = population
    avoid_geom = None
    if avoid is not None and len(avoid):
        avoid_geom = avoid.to_crs(_EPSG).geometry.union_all()
        shapely.prepare(avoid_geom)
    for knr, geom in zip(kommuner["kommunenummer"], kommuner.geometry, strict=True):
        if pop is not None:
            cells = pop[pop["kommunenummer"] == knr]
            pts = cells.geometry.representative_point()
            x, y = pts.x.to_numpy(), pts.y.to_numpy()
            if len(x) and avoid_geom is not None:
                rural = ~shapely.contains_xy(avoid_geom, x, y)
                if rural.any():
                    out[knr] = (
                        x[rural],
                        y[rural],
                        "spread evenly over the kommune's {n} populated SSB grid "
                        "cells outside N1000 tettbebyggelse (farm centres are rural dwellings)",
                    )
                    continue
            if len(x):
                out[knr] = (x, y, "spread evenly over the kommune's {n} populated SSB grid cells")
                continue
        p = geom.representative_point()
        out[knr] = (np.array([p.x]), np.array([p.y]), "at a point inside the kommune (no populated cell)")
    return out


def estimate_manure(
    register: pd.DataFrame,
    kommuner: gpd.GeoDataFrame,
    *,
    addresses: gpd.GeoDataFrame | None = None,
    population: gpd.GeoDataFrame | None = None,
    settlements: gpd.GeoDataFrame | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> ResourceEstimate:
    """Manure (husdyrgjødsel) of every farm of the livestock register in ``kommuner``.

    Farms are placed at their Matrikkel address where ``addresses`` holds the property
    (kommunenummer + gårdsnummer + bruksnummer; a property with several addresses uses the
    address nearest their mean). The other farms of a kommune are summed per kind and storage and
    spread evenly over the kommune's populated SSB cells outside ``settlements`` (operating centres
    are rural dwellings; N1000 holds no farmland layer), the rule written on every row.

    Parameters
    ----------
    register
        :func:`arealsirk.readers.read_livestock_register` frame.
    kommuner
        Kommune polygons (``kommunenummer``, ``kommunenavn``); farms elsewhere are left out (noted).
    addresses
        Matrikkel address points (:func:`arealsirk.readers.read_addresses`) for some kommuner.
    population
        SSB population cells (:func:`arealsirk.readers.read_ssb_grid`) for the spread rule.
    settlements
        Polygons to keep spread manure out of (N1000 ``Tettbebyggelse``).
    parameters
        Overrides of ``resources.manure_*`` and other defaults-table keys.

    Returns
    -------
    ResourceEstimate
        ``sources`` (one row per placed farm / spread cell, kind and storage; ``storage`` is
        "slurry" or "solid"), ``by_kommune``, ``tables["farms"]`` (each farm with its tonnes and how
        it was placed) and ``notes``.
    """
    import pandas as pd

    params = _p(parameters)
    k = _kommuner(kommuner)
    pop = _population(population, k) if population is not None else None
    names = dict(zip(k["kommunenummer"], k["kommunenavn"], strict=True))
    notes: list[str] = []
    reg = register[register["kommunenummer"].isin(set(names))]
    if len(reg) < len(register):
        notes.append(f"{len(register) - len(reg)} farm(s) of the register lie outside the kommuner asked for")
    rows = manure_per_farm(reg, parameters=params)
    kwh = _kwh(params)
    placed = (
        _farm_addresses(reg, addresses)
        if addresses is not None and len(reg)
        else pd.DataFrame(columns=["farm_id", "x", "y", "n_addresses"])
    )
    farms = _farm_figures(reg, rows, placed, notes)
    at = _manure_at_addresses(rows, placed, names)
    parts: list[pd.DataFrame] = [at] if len(at) else []
    rest = rows[~rows["farm_id"].isin(set(at["farm_id"]))]
    if addresses is not None:
        with_addr = set(addresses["kommunenummer"].astype(str).str.zfill(4))
        missed = rest[rest["kommunenummer"].isin(with_addr)]["farm_id"].nunique()
        if missed:
            notes.append(
                f"{missed} farm(s) in kommuner with an address file have no Matrikkel address on "
                "their gnr/bnr; they are spread with the kommune's other unplaced farms"
            )
    if len(rest):
        parts.append(_spread_manure(rest, k, pop, settlements, names))
    if parts:
        both = pd.concat(parts, ignore_index=True)
        both["energy_gwh"] = both["methane_nm3"] * kwh / 1e6
        both["unit"] = "t/yr"
        import shapely

        sources = _layer(
            {c: both[c].to_numpy() for c in SOURCE_COLUMNS if c in both.columns},
            shapely.points(both["x"].to_numpy(float), both["y"].to_numpy(float)),
        )
    else:
        sources = _empty()
    return _finish(sources, k, pop, notes, {"farms": farms})


def _farm_figures(reg: pd.DataFrame, rows: pd.DataFrame, placed: pd.DataFrame,
                  notes: list[str]) -> pd.DataFrame:
    """One row per farm of the register: its tonnes, dry matter and methane, where it was placed
    (``placement`` "matrikkel_address" or "spread"); notes the farms without animals."""
    sums = rows.groupby("farm_id", sort=False)[["quantity", "dry_matter_t", "methane_nm3"]].sum()
    farms = (
        reg[["farm_id", "kommunenummer", "gnr", "bnr"]]
        .merge(sums, left_on="farm_id", right_index=True, how="left")
        .fillna({"quantity": 0.0, "dry_matter_t": 0.0, "methane_nm3": 0.0})
    )
    empty = int((farms["quantity"] == 0).sum())
    if empty:
        notes.append(f"{empty} farm(s) of the register have no animals on the count date (no manure)")
    farms = farms.merge(
        placed[["farm_id", "x", "y", "n_addresses"]].drop_duplicates("farm_id"), on="farm_id", how="left"
    )
    farms["placement"] = np.where(farms["x"].notna(), "matrikkel_address", "spread")
    return farms


def _manure_at_addresses(rows: pd.DataFrame, placed: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """The manure rows of the farms placed at a Matrikkel address, with ``id``, ``name`` and the
    ``rule`` that placed them."""
    at = rows.merge(placed[["farm_id", "x", "y", "n_addresses"]], on="farm_id", how="inner")
    if len(at):
        at["id"] = "manure-" + at["farm_id"] + "-" + at["kind"] + "-" + at["storage"]
        at["name"] = [
            f"{names[kn]} gnr {g}/{b}"
            for kn, g, b in zip(at["kommunenummer"], at["gnr"], at["bnr"], strict=True)
        ]
        at["rule"] = [
            f"farm {fid} of the livestock register at its Matrikkel address (gnr {g}/{b}, "
            f"{int(n)} address(es) on the property)"
            for fid, g, b, n in zip(at["farm_id"], at["gnr"], at["bnr"], at["n_addresses"], strict=True)
        ]
    return at


def _spread_manure(
    rest: pd.DataFrame,
    k: gpd.GeoDataFrame,
    pop: gpd.GeoDataFrame | None,
    settlements: gpd.GeoDataFrame | None,
    names: dict[str, str],
) -> pd.DataFrame:
    import pandas as pd

    cells = _spread_cells(k[k["kommunenummer"].isin(set(rest["kommunenummer"]))], pop, settlements)
    agg = rest.groupby(["kommunenummer", "kind", "storage"], as_index=False).agg(
        quantity=("quantity", "sum"),
        dry_matter_t=("dry_matter_t", "sum"),
        methane_nm3=("methane_nm3", "sum"),
        farms=("farm_id", "nunique"),
    )
    out = []
    for r in agg.itertuples(index=False):
        x, y, rule = cells[r.kommunenummer]
        n = len(x)
        out.append(
            pd.DataFrame(
                {
                    "id": [f"manure-{r.kommunenummer}-{i}-{r.kind}-{r.storage}" for i in range(n)],
                    "name": f"{names[r.kommunenummer]}: husdyrgjødsel ({r.farms} gårder spredt)",
                    "kind": r.kind,
                    "storage": r.storage,
                    "kommunenummer": r.kommunenummer,
                    "quantity": r.quantity / n,
                    "dry_matter_t": r.dry_matter_t / n,
                    "methane_nm3": r.methane_nm3 / n,
                    "rule": f"{r.farms} farm(s) without a Matrikkel address: kommune total "
                    + rule.format(n=n),
                    "x": x,
                    "y": y,
                }
            )
        )
    return pd.concat(out, ignore_index=True)


# --------------------------------------------------------------------------------------------- people
def _per_cell(
    population: gpd.GeoDataFrame,
    kommuner: gpd.GeoDataFrame,
    *,
    kind: str,
    kg_key: str,
    dm_key: str | None,
    label: str,
    parameters: Mapping[str, Any] | None,
) -> ResourceEstimate:
    params = _p(parameters)
    k = _kommuner(kommuner)
    pop = _population(population, k)
    kg = parameter(kg_key, params)
    t = pop["population"].to_numpy(dtype=float) * kg / 1000.0
    dm = t * parameter(dm_key, params) if dm_key else np.full(len(t), np.nan)
    try:
        ch4 = t * methane_yield(kind, params)
    except InputError:
        ch4 = np.full(len(t), np.nan)
    cell = pop["ssbid"].astype(str).to_numpy()
    rows = {
        "id": [f"{kind}-{c}" for c in cell],
        "name": [f"{label} rute {c}" for c in cell],
        "kind": kind,
        "quantity": t,
        "unit": "t/yr",
        "dry_matter_t": dm,
        "methane_nm3": ch4,
        "energy_gwh": ch4 * _kwh(params) / 1e6,
        "storage": "",
        "kommunenummer": pop["kommunenummer"].to_numpy(),
        "rule": f"inhabitants of SSB cell x {kg:g} kg per inhabitant ({kg_key}), at the cell centre",
    }
    return _finish(_layer(rows, pop.geometry.representative_point()), k, pop, [])


def estimate_food_waste(
    population: gpd.GeoDataFrame, kommuner: gpd.GeoDataFrame, *, parameters: Mapping[str, Any] | None = None
) -> ResourceEstimate:
    """Household food waste per populated SSB cell: inhabitants x ``resources.food_waste_kg_per_inhabitant``.

    Methane from ``resources.methane_nm3_per_t.food_waste``; dry matter from
    ``resources.food_waste_dm_fraction``. Rows at the cell centres (collection follows the dwellings).

    Parameters
    ----------
    population
        Population cells (SSB grid polygons or points) with ``population``; ``kommunenummer`` is
        assigned by cell centre when absent; empty cells and cells outside ``kommuner`` are left out.
    kommuner
        Kommune polygons with ``kommunenummer`` (and ``kommunenavn``).
    parameters
        Overrides of defaults-table keys (``resources.*``); ``None`` (default): the table.
    """
    return _per_cell(
        population,
        kommuner,
        kind="food_waste",
        kg_key="resources.food_waste_kg_per_inhabitant",
        dm_key="resources.food_waste_dm_fraction",
        label="matavfall",
        parameters=parameters,
    )


def estimate_textiles(
    population: gpd.GeoDataFrame, kommuner: gpd.GeoDataFrame, *, parameters: Mapping[str, Any] | None = None
) -> ResourceEstimate:
    """Used textiles handed in per populated SSB cell.

    ``t = inhabitants x resources.textiles_kg_per_inhabitant / 1000``.

    Parameters
    ----------
    population
        Population cells (SSB grid polygons or points) with ``population``; ``kommunenummer`` is
        assigned by cell centre when absent; empty cells and cells outside ``kommuner`` are left out.
    kommuner
        Kommune polygons with ``kommunenummer`` (and ``kommunenavn``).
    parameters
        Overrides of defaults-table keys (``resources.*``); ``None`` (default): the table.
    """
    return _per_cell(
        population,
        kommuner,
        kind="textiles",
        kg_key="resources.textiles_kg_per_inhabitant",
        dm_key="resources.textiles_dm_fraction",
        label="tekstiler",
        parameters=parameters,
    )


def estimate_reuse_demand(population: gpd.GeoDataFrame, kommuner: gpd.GeoDataFrame) -> ResourceEstimate:
    """People per populated SSB cell as reuse-centre demand (``kind`` "population", ``unit`` "persons").

    Parameters
    ----------
    population
        Population cells (SSB grid polygons or points) with ``population``; ``kommunenummer`` is
        assigned by cell centre when absent; empty cells and cells outside ``kommuner`` are left out.
    kommuner
        Kommune polygons with ``kommunenummer`` (and ``kommunenavn``).
    """
    k = _kommuner(kommuner)
    pop = _population(population, k)
    cell = pop["ssbid"].astype(str).to_numpy()
    rows = {
        "id": [f"population-{c}" for c in cell],
        "name": [f"befolkning rute {c}" for c in cell],
        "kind": "population",
        "quantity": pop["population"].to_numpy(dtype=float),
        "unit": "persons",
        "storage": "",
        "kommunenummer": pop["kommunenummer"].to_numpy(),
        "rule": "inhabitants of the SSB cell (SSB population grid), at the cell centre",
    }
    return _finish(_layer(rows, pop.geometry.representative_point()), k, pop, [])


def estimate_sewage_sludge(
    population: gpd.GeoDataFrame,
    kommuner: gpd.GeoDataFrame,
    *,
    plants: gpd.GeoDataFrame | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> ResourceEstimate:
    """Dewatered sewage sludge per kommune, digested and undigested (two kinds).

    ``DM_raw = inhabitants x resources.sludge_pe_per_inhabitant x resources.sludge_dm_kg_per_pe``;
    the share ``resources.sludge_digested_share`` is digested at the plant and loses
    ``resources.sludge_digestion_dm_loss`` of its DM (kind ``digested_sludge``, little methane left,
    ``resources.methane_nm3_per_t.digested_sludge``); the rest is ``sewage_sludge`` (undigested,
    ``resources.methane_nm3_per_t.sewage_sludge``). Fresh mass = DM / the DM fraction of each.

    Parameters
    ----------
    population
        Population cells (SSB grid polygons or points) with ``population``; ``kommunenummer`` is
        assigned by cell centre when absent; empty cells and cells outside ``kommuner`` are left out.
    kommuner
        Kommune polygons with ``kommunenummer`` (and ``kommunenavn``).
    plants
        Treatment-plant points with ``kommunenummer``: a kommune's sludge is placed at its first
        plant. Without them (no open national layer of plants exists) the sludge sits at the
        kommune's most populous cell, a proxy for its main plant, and the rule says so.
    parameters
        Overrides of defaults-table keys (``resources.*``); ``None`` (default): the table.
    """
    params = _p(parameters)
    k = _kommuner(kommuner)
    pop = _population(population, k)
    inh = pop.groupby("kommunenummer")["population"].sum()
    raw_dm = (
        inh
        * parameter("resources.sludge_pe_per_inhabitant", params)
        * parameter("resources.sludge_dm_kg_per_pe", params)
        / 1000.0
    )
    share = parameter("resources.sludge_digested_share", params)
    loss = parameter("resources.sludge_digestion_dm_loss", params)
    where_pts: dict[str, tuple[Any, str]] = {}
    if plants is not None:
        for knr, geom in zip(
            plants["kommunenummer"].astype(str).str.zfill(4), plants.to_crs(_EPSG).geometry, strict=True
        ):
            where_pts.setdefault(
                knr, (geom.representative_point(), "at the kommune's treatment plant (given)")
            )
    names = dict(zip(k["kommunenummer"], k["kommunenavn"], strict=True))
    label = {"digested": "råtnet", "undigested": "ikke råtnet"}
    rows: dict[str, list[Any]] = {c: [] for c in SOURCE_COLUMNS}
    geoms = []
    for knr, dm in raw_dm.items():
        if knr not in where_pts:
            cells = pop[pop["kommunenummer"] == knr]
            top = cells.loc[cells["population"].idxmax()]
            where_pts[knr] = (
                top.geometry.representative_point(),
                f"at the kommune's most populous SSB cell {top['ssbid']} (proxy for its main "
                "treatment plant; give plants= to do better)",
            )
        pt, place = where_pts[knr]
        for kind, part_dm, dm_key in (
            ("digested_sludge", dm * share * (1 - loss), "digested"),
            ("sewage_sludge", dm * (1 - share), "undigested"),
        ):
            if part_dm <= 0:
                continue
            t = part_dm / parameter(f"resources.sludge_dm_fraction.{dm_key}", params)
            ch4 = t * methane_yield(kind, params)
            for col, v in (
                ("id", f"{kind}-{knr}"),
                ("name", f"{names[knr]} avløpsslam ({label[dm_key]})"),
                ("kind", kind),
                ("quantity", t),
                ("unit", "t/yr"),
                ("dry_matter_t", part_dm),
                ("methane_nm3", ch4),
                ("energy_gwh", ch4 * _kwh(params) / 1e6),
                ("storage", dm_key),
                ("kommunenummer", knr),
                ("rule", f"{int(inh[knr])} inhabitants x PE x kg DM per PE, {dm_key} share; {place}"),
            ):
                rows[col].append(v)
            geoms.append(pt)
    return _finish(_layer(rows, geoms), k, pop, [])


# --------------------------------------------------------------------------------------------- forest
def estimate_forest_residue(
    forest: gpd.GeoDataFrame,
    kommuner: gpd.GeoDataFrame,
    *,
    harvest_m3_per_ha: Mapping[str, float] | None = None,
    population: gpd.GeoDataFrame | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> ResourceEstimate:
    """Forest residue (GROT) from forest area x harvest intensity, per forest piece of a 5 km grid.

    ``GROT t DM = forest ha x harvest m3/ha/yr x resources.grot_t_dm_per_m3 x resources.grot_recovery_share``.

    Parameters
    ----------
    forest
        Forest polygons (N1000 ``Skog``).
    kommuner
        Kommune polygons; forest is cut by them and by a ``resources.forest_cell_m`` grid, one row
        per piece at its representative point.
    harvest_m3_per_ha
        Harvest intensity per kommunenummer (m3 roundwood per ha forest and year), e.g. from SSB's
        roundwood-harvest statistics per kommune divided by forest area; kommuner not given use
        ``resources.forest_harvest_m3_per_ha`` (the national mean).
    population
        Optional population cells: only for the per-inhabitant figures of ``by_kommune``.
    parameters
        Overrides of defaults-table keys (``resources.*``); ``None`` (default): the table.
    """
    import geopandas as gpd
    import shapely

    from ._validate import validate_layer

    params = _p(parameters)
    k = _kommuner(kommuner)
    f = validate_layer(forest, name="forest", geometry="polygon")
    intensity = {str(kk).zfill(4): float(v) for kk, v in (harvest_m3_per_ha or {}).items()}
    unknown = sorted(set(intensity) - set(k["kommunenummer"]))
    if unknown:
        raise InputError(f"harvest_m3_per_ha: kommune(s) {', '.join(unknown)} are not among the kommuner")
    bad = [kk for kk, v in intensity.items() if not np.isfinite(v) or v < 0]
    if bad:
        raise InputError(f"harvest_m3_per_ha: kommune {bad[0]} must have a number >= 0")
    cell = parameter("resources.forest_cell_m", params)
    minx, miny, maxx, maxy = k.total_bounds
    xs = np.arange(np.floor(minx / cell) * cell, maxx, cell)
    ys = np.arange(np.floor(miny / cell) * cell, maxy, cell)
    gx, gy = np.meshgrid(xs, ys)
    grid = gpd.GeoDataFrame(
        {"cell": np.arange(gx.size)},
        geometry=shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + cell, gy.ravel() + cell),
        crs=_EPSG,
    )
    fk = gpd.overlay(
        f[[f.geometry.name]], k[["kommunenummer", k.geometry.name]], how="intersection", keep_geom_type=True
    )
    pieces = gpd.overlay(fk, grid, how="intersection", keep_geom_type=True)
    pieces = pieces[pieces.area > 0].dissolve(by=["kommunenummer", "cell"], as_index=False)
    ha = pieces.area.to_numpy() / 1e4
    nat = parameter("resources.forest_harvest_m3_per_ha", params)
    h = np.array([intensity.get(kn, nat) for kn in pieces["kommunenummer"]])
    dm = (
        ha
        * h
        * parameter("resources.grot_t_dm_per_m3", params)
        * parameter("resources.grot_recovery_share", params)
    )
    t = dm / parameter("resources.grot_dm_fraction", params)
    src = [
        "given per kommune" if kn in intensity else "resources.forest_harvest_m3_per_ha"
        for kn in pieces["kommunenummer"]
    ]
    rows = {
        "id": [
            f"forest_residue-{kn}-{c}" for kn, c in zip(pieces["kommunenummer"], pieces["cell"], strict=True)
        ],
        "name": [
            f"GROT {kn} rute {c}" for kn, c in zip(pieces["kommunenummer"], pieces["cell"], strict=True)
        ],
        "kind": "forest_residue",
        "quantity": t,
        "unit": "t/yr",
        "dry_matter_t": dm,
        "methane_nm3": np.nan,
        "energy_gwh": forest_residue_gwh(t, params),
        "storage": "",
        "kommunenummer": pieces["kommunenummer"].to_numpy(),
        "rule": [
            f"{a:.0f} ha forest (N1000 Skog in this kommune and {cell / 1000:g} km cell) x {hh:g} m3/ha/yr "
            f"({s}) x GROT per m3 x recovery share"
            for a, hh, s in zip(ha, h, src, strict=True)
        ],
    }
    pop = _population(population, k) if population is not None else None
    return _finish(_layer(rows, pieces.geometry.representative_point()), k, pop, [])


# --------------------------------------------------------------------------------------------- tables
def kommune_table(
    sources: gpd.GeoDataFrame,
    kommuner: gpd.GeoDataFrame,
    *,
    population: gpd.GeoDataFrame | pd.Series | None = None,
) -> pd.DataFrame:
    """Per kommune and kind: t/yr, t DM/yr, Nm3 CH4/yr, GWh/yr and per inhabitant.

    Parameters
    ----------
    sources
        Source rows with ``kommunenummer``, ``kind``, ``unit``, ``quantity``, ``dry_matter_t``,
        ``methane_nm3``, ``energy_gwh`` (as made by the estimates).
    kommuner
        Kommune polygons with ``kommunenummer`` (and ``kommunenavn``).
    population
        Inhabitants: population cells (summed per ``kommunenummer``) or a Series kommunenummer ->
        inhabitants; ``None`` (default): the kommune layer's ``population`` column, if any.

    Returns
    -------
    pandas.DataFrame
        ``kommunenummer``, ``kommunenavn``, ``kind``, ``unit``, ``quantity``, ``dry_matter_t``,
        ``methane_nm3``, ``energy_gwh``, ``population`` (inhabitants of the kommune's SSB cells when
        ``population`` is given, else the kommune layer's ``population`` column if any),
        ``kg_per_inhabitant`` (for t/yr kinds) and ``kwh_per_inhabitant``. Every kommune of
        ``kommuner`` appears (kinds it has none of are simply absent).
    """
    import pandas as pd

    k = _kommuner(kommuner)
    cols = [
        "kommunenummer",
        "kommunenavn",
        "kind",
        "unit",
        "quantity",
        "dry_matter_t",
        "methane_nm3",
        "energy_gwh",
        "population",
        "kg_per_inhabitant",
        "kwh_per_inhabitant",
    ]
    if population is None:
        inh = (
            k.set_index("kommunenummer")["population"]
            if "population" in k.columns
            else pd.Series(dtype=float)
        )
    elif isinstance(population, pd.Series):
        inh = population
    else:
        inh = population.groupby("kommunenummer")["population"].sum()
    if not len(sources):
        return pd.DataFrame(columns=cols)
    s = pd.DataFrame(sources.drop(columns=sources.geometry.name))
    agg = s.groupby(["kommunenummer", "kind", "unit"], as_index=False).agg(
        quantity=("quantity", "sum"),
        dry_matter_t=("dry_matter_t", lambda v: v.sum(min_count=1)),
        methane_nm3=("methane_nm3", lambda v: v.sum(min_count=1)),
        energy_gwh=("energy_gwh", lambda v: v.sum(min_count=1)),
    )
    agg["kommunenavn"] = agg["kommunenummer"].map(
        dict(zip(k["kommunenummer"], k["kommunenavn"], strict=True))
    )
    agg["population"] = agg["kommunenummer"].map(inh).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        agg["kg_per_inhabitant"] = np.where(
            agg["unit"] == "t/yr", agg["quantity"] * 1000 / agg["population"], np.nan
        )
        agg["kwh_per_inhabitant"] = agg["energy_gwh"] * 1e6 / agg["population"]
    return agg[cols].sort_values(["kommunenummer", "kind"]).reset_index(drop=True)


def combine(
    *estimates: ResourceEstimate, kommuner: gpd.GeoDataFrame, population: gpd.GeoDataFrame | None = None
) -> ResourceEstimate:
    """One estimate of several streams: sources stacked, one kommune table, notes and tables kept.

    Parameters
    ----------
    *estimates
        The :class:`ResourceEstimate` of each stream; source ids must not repeat across them.
    kommuner
        Kommune polygons with ``kommunenummer`` (and ``kommunenavn``).
    population
        Optional population cells for the per-inhabitant figures (see :func:`kommune_table`).

    Raises
    ------
    InputError
        A source id appears in two estimates.
    """
    import geopandas as gpd
    import pandas as pd

    layers = [e.sources for e in estimates if len(e.sources)]
    sources = gpd.GeoDataFrame(pd.concat(layers, ignore_index=True), crs=_EPSG) if layers else _empty()
    dup = sources["id"].duplicated()
    if dup.any():
        raise InputError(f"combine: source id {sources['id'][dup].iloc[0]!r} appears in two estimates")
    k = _kommuner(kommuner)
    pop = _population(population, k) if population is not None else None
    tables: dict[str, pd.DataFrame] = {}
    for e in estimates:
        tables.update(e.tables)
    return ResourceEstimate(
        sources, kommune_table(sources, k, population=pop), [n for e in estimates for n in e.notes], tables
    )


def aggregate_sources(sources: gpd.GeoDataFrame, *, cell_m: float | None = None,
                      parameters: Mapping[str, Any] | None = None) -> gpd.GeoDataFrame:
    """Sum sources per kind, storage, kommune and square cell of ``cell_m`` (fewer points for siting).

    ``cell_m`` defaults to ``resources.aggregate_cell_m`` (5 km).

    Each aggregate sits at the quantity-weighted mean of its members (inside the cell); ``quantity``,
    ``dry_matter_t``, ``methane_nm3`` and ``energy_gwh`` are sums, so every tonne is kept. ``rule``
    says how many rows were merged; ``members`` counts them.

    Parameters
    ----------
    sources
        Source rows as made by the estimates (``kind``, ``unit``, ``quantity``, ...), EPSG:25833.
    cell_m
        Cell side, metres, > 0; ``None`` (default): ``resources.aggregate_cell_m``.
    parameters
        Overrides; only ``resources.aggregate_cell_m`` is read, and only when ``cell_m`` is ``None``.

    Raises
    ------
    InputError
        For a cell size that is not a positive number.
    """
    import geopandas as gpd
    import pandas as pd

    if cell_m is None:
        cell_m = parameter("resources.aggregate_cell_m", _p(parameters))
    if not (isinstance(cell_m, (int, float)) and np.isfinite(cell_m) and cell_m > 0):
        raise InputError(f"aggregate_sources: cell_m must be a positive number of metres, got {cell_m!r}")
    if not len(sources):
        return sources.copy()
    pts = sources.geometry.representative_point()
    f = pd.DataFrame(sources.drop(columns=sources.geometry.name))
    f["x"], f["y"] = pts.x.to_numpy(), pts.y.to_numpy()
    f["cx"], f["cy"] = np.floor(f["x"] / cell_m).astype(int), np.floor(f["y"] / cell_m).astype(int)
    f["wx"], f["wy"] = f["x"] * f["quantity"], f["y"] * f["quantity"]
    for col in ("storage", "kommunenummer"):
        f[col] = f[col].fillna("") if col in f.columns else ""
    keys = ["kind", "unit", "storage", "kommunenummer", "cx", "cy"]
    agg = f.groupby(keys, as_index=False).agg(
        quantity=("quantity", "sum"),
        dry_matter_t=("dry_matter_t", lambda v: v.sum(min_count=1)),
        methane_nm3=("methane_nm3", lambda v: v.sum(min_count=1)),
        energy_gwh=("energy_gwh", lambda v: v.sum(min_count=1)),
        wx=("wx", "sum"),
        wy=("wy", "sum"),
        x=("x", "mean"),
        y=("y", "mean"),
        members=("id", "size"),
    )
    pos = agg["quantity"] > 0
    agg.loc[pos, "x"] = agg.loc[pos, "wx"] / agg.loc[pos, "quantity"]
    agg.loc[pos, "y"] = agg.loc[pos, "wy"] / agg.loc[pos, "quantity"]
    agg["id"] = [
        f"{k}-{kn}-{st or 'all'}-{cx}-{cy}"
        for k, kn, st, cx, cy in zip(
            agg["kind"], agg["kommunenummer"], agg["storage"], agg["cx"], agg["cy"], strict=True
        )
    ]
    agg["name"] = [f"{k} ({n} kilder)" for k, n in zip(agg["kind"], agg["members"], strict=True)]
    agg["rule"] = [
        f"sum of {n} source row(s) of this kind in the {cell_m / 1000:g} km cell, at their "
        "quantity-weighted mean"
        for n in agg["members"]
    ]
    out = gpd.GeoDataFrame(
        agg[[*SOURCE_COLUMNS, "members"]], geometry=gpd.points_from_xy(agg["x"], agg["y"]), crs=sources.crs
    )
    return out


# --------------------------------------------------------------------------------------------- region
STREAMS = ("manure", "food_waste", "sewage_sludge", "textiles", "reuse_demand", "forest_residue")


def _data_file(data: Path, *parts: str) -> Path:
    p = data.joinpath(*parts)
    if not p.exists():
        raise MissingFileError(
            f"{p}: file not found (expected in the data folder {data}; see docs/resources.md)"
        )
    return p


def _region_cells(read: Any, path: Path, k: gpd.GeoDataFrame, every: gpd.GeoDataFrame, *,
                  parameters: Mapping[str, Any]) -> tuple[gpd.GeoDataFrame, str]:
    """SSB cells of the kommuner ``k``.

    A coastal cell whose centre falls in no kommune of the country (``every``: generalised coastlines)
    goes to the nearest kommune within ``region.coast_assign_m``; the note says how many people moved.
    """
    import geopandas as gpd

    reach = parameter("region.coast_assign_m", parameters)
    pop = read(path, clip=k.union_all().buffer(reach), kommuner=every)
    lost = pop["kommunenummer"].isna()
    note = ""
    if lost.any():
        centres = gpd.GeoDataFrame(geometry=pop.loc[lost].geometry.centroid, crs=pop.crs)
        near = gpd.sjoin_nearest(centres, every[["kommunenummer", every.geometry.name]], max_distance=reach,
                                 how="inner")
        near = near[~near.index.duplicated()]
        pop.loc[near.index, "kommunenummer"] = near["kommunenummer"].to_numpy()
        ours = near[near["kommunenummer"].isin(set(k["kommunenummer"]))]
        moved = int(pop.loc[ours.index, "population"].sum())
        if moved:
            note = (f"{moved} inhabitant(s) in {len(ours)} SSB cell(s) whose centre lies just outside the "
                    f"N1000 kommune polygons (coast) were given to the nearest kommune within {reach:g} m")
    keep = pop["kommunenummer"].isin(set(k["kommunenummer"]))
    return pop[keep].reset_index(drop=True), note


def estimate_region(
    kommunenummer: Iterable[str | int],
    *,
    data: str | os.PathLike[str] | None = None,
    streams: Iterable[str] = STREAMS,
    register: str | os.PathLike[str] | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> ResourceEstimate:
    """All resource streams of a set of kommuner from the national open files.

    Reads from ``data`` (default: the shared data folder, ``$AREALSIRK_DATA``): kommune polygons from
    N1000 ``Kommune`` (``n1000_kartverket/n1000_transport_admin.gpkg``; the coastline keeps island
    cells), the SSB 1 km population grid (``ssb_popgrid_2015/nor2015pop_1kmruter.csv``), the livestock
    register (``ldir_husdyr_2024/``, or ``register``), N1000 ``Tettbebyggelse`` and ``Skog``
    (``n1000_landcover.gpkg``) and every Matrikkel address file
    ``matrikkel_adresser_*/Basisdata_<knr>_*_MatrikkelenAdresse.csv`` of the kommuner asked for.

    Parameters
    ----------
    kommunenummer
        2024 kommunenummer (``3407``, ``"0301"`` ...).
    data
        Folder of the national open files; ``None`` (default): the shared data folder
        (:func:`arealsirk.paths.shared_data_dir`).
    streams
        A subset of :data:`STREAMS`.
    register
        The livestock register file or folder; ``None`` (default): ``<data>/ldir_husdyr_2024``.
    parameters
        Overrides of defaults-table keys (``resources.*``); ``None`` (default): the table.

    Raises
    ------
    InputError
        An unknown kommunenummer or stream (naming it), missing files (naming the path).
    """
    from .paths import shared_data_dir
    from .readers import read_addresses, read_kommuner, read_livestock_register, read_ssb_grid, read_vector

    params = _p(parameters)
    wanted = [str(x).strip().zfill(4) for x in kommunenummer]
    if not wanted:
        raise InputError("kommuner: give at least one kommunenummer")
    streams = list(streams)
    bad = [s for s in streams if s not in STREAMS]
    if bad:
        raise InputError(f"streams: unknown stream(s) {', '.join(bad)}; choose from {', '.join(STREAMS)}")
    root = Path(data) if data is not None else shared_data_dir()
    admin = _data_file(root, "n1000_kartverket", "n1000_transport_admin.gpkg")
    every = read_kommuner(admin, layer="Kommune")
    unknown = sorted(set(wanted) - set(every["kommunenummer"]))
    if unknown:
        raise InputError(
            f"kommuner: no kommune {', '.join(unknown)} in {admin} (2024 numbers, e.g. 3407 Gjøvik)"
        )
    k = every[every["kommunenummer"].isin(wanted)].reset_index(drop=True)
    grid = _data_file(root, "ssb_popgrid_2015", "nor2015pop_1kmruter.csv")
    pop, coast_note = _region_cells(read_ssb_grid, grid, k, every, parameters=params)
    landcover = _data_file(root, "n1000_kartverket", "n1000_landcover.gpkg")
    bbox = tuple(k.total_bounds)
    parts: list[ResourceEstimate] = []
    if "manure" in streams:
        reg = read_livestock_register(register or _data_file(root, "ldir_husdyr_2024"), kommuner=wanted)
        addr_files = [
            p
            for knr in wanted
            for p in sorted(root.glob(f"matrikkel_adresser_*/Basisdata_{knr}_*_MatrikkelenAdresse.csv"))
        ]
        addresses = None
        if addr_files:
            import pandas as pd

            addresses = pd.concat([read_addresses(p) for p in addr_files], ignore_index=True)
        settl, _ = read_vector(admin, "Tettbebyggelse", what="settlements", bbox=bbox)
        parts.append(
            estimate_manure(reg, k, addresses=addresses, population=pop, settlements=settl, parameters=params)
        )
    if "food_waste" in streams:
        parts.append(estimate_food_waste(pop, k, parameters=params))
    if "sewage_sludge" in streams:
        parts.append(estimate_sewage_sludge(pop, k, parameters=params))
    if "textiles" in streams:
        parts.append(estimate_textiles(pop, k, parameters=params))
    if "reuse_demand" in streams:
        parts.append(estimate_reuse_demand(pop, k))
    if "forest_residue" in streams:
        forest, _ = read_vector(landcover, "Skog", what="forest", bbox=bbox)
        parts.append(estimate_forest_residue(forest, k, population=pop, parameters=params))
    out = combine(*parts, kommuner=k, population=pop)
    if coast_note:
        out.notes.insert(0, coast_note)
    out.tables["kommuner"] = k
    out.tables["population"] = pop
    return out


def write_resources(estimate: ResourceEstimate, out: str | os.PathLike[str], *,
                    title: str = "Ressursstrømmer", lang: str = "nb", map_html: bool = True,
                    inputs: Iterable[str | os.PathLike[str]] = ()) -> dict[str, Path]:
    """Write the resource picture of a region: GeoPackage, per-kommune CSV, notes and a web map.

    Files in the folder ``out``, written as one set and switched in as a whole
    (:func:`arealsirk._outputs.write_output_set`): ``resources.gpkg`` (layers ``sources`` and, when the
    estimate holds them, ``kommuner``), ``resources_by_kommune.csv`` (:func:`kommune_table`; UTF-8, ``,``),
    ``notes.txt`` (what was left out or placed by a fallback) and ``resources_map.html``
    (:func:`arealsirk.webmap.write_map`, offline; sources summed per kind in ``resources.aggregate_cell_m``
    cells by :func:`aggregate_sources` so the map stays readable).

    Parameters
    ----------
    estimate
        The estimate to write (:func:`estimate_region` or :func:`combine`).
    out
        Output folder; the files are switched in as one set.
    title
        Title of the web map; default ``"Ressursstrømmer"``.
    lang
        ``"nb"`` (default) or ``"en"``: language of the web map.
    map_html
        ``True`` (default): also write ``resources_map.html``.
    inputs
        Input files and folders; ``out`` is refused if it would touch them.

    Returns
    -------
    dict
        ``{"gpkg": path, "table": path, "notes": path, "map": path}`` (``map`` only with ``map_html``).
    """
    from ._outputs import write_output_set
    from .io import write_layers

    layers: dict[str, Any] = {"sources": estimate.sources}
    kommuner = estimate.tables.get("kommuner")
    if kommuner is not None:
        layers["kommuner"] = kommuner
    notes = "\n".join(estimate.notes) + ("\n" if estimate.notes else "")
    writers: dict[str, Any] = {
        "resources.gpkg": lambda p: write_layers(p, layers),
        "resources_by_kommune.csv": lambda p: p.write_text(csv_safe(estimate.by_kommune).to_csv(index=False),
                                                           encoding="utf-8"),
        "notes.txt": lambda p: p.write_text(notes, encoding="utf-8"),
    }
    if map_html:
        from .webmap import write_map

        # the map shows the streams summed in resources.aggregate_cell_m cells (the GeoPackage keeps all)
        shown = {"sources": aggregate_sources(estimate.sources[estimate.sources["kind"] != "population"])}
        if kommuner is not None:
            shown["kommuner"] = kommuner
        attribution = ["Kartdata © Kartverket (CC BY 4.0)",
                       "befolkningsdata © Statistisk sentralbyrå (NLOD 2.0)",
                       "husdyrdata © Landbruksdirektoratet (NLOD 2.0)"]
        writers["resources_map.html"] = lambda p: write_map(shown, p, title=title, lang=lang,
                                                            attribution=attribution)
    paths = write_output_set(out, writers, inputs=inputs)
    keys = {"resources.gpkg": "gpkg", "resources_by_kommune.csv": "table", "notes.txt": "notes",
            "resources_map.html": "map"}
    return {keys[name]: path for name, path in paths.items()}
