"""The ``[cooperation]`` section of a scenario: indicator and cost-sharing tables for a grouped run.

A scenario with

.. code-block:: toml

    [cooperation]
    group_by = "region"     # a column of the kommuner layer (or of the sources), or "kommunenummer"
    year = 2024             # the year the inputs describe (key of the indicator table)

makes ``arealsirk run`` write, beside its other outputs,

* ``indicators.csv`` and ``indicators.xlsx`` -- the per-kommune indicator table
  (:mod:`arealsirk.indicators`), *appended* to the same files of an earlier run in the output folder
  (rows with the same scenario, year, kommune, theme, indicator and kind are replaced);
* ``cost_sharing.csv`` -- per group: stand-alone cost, Shapley share (with its standard error when
  sampled), saving, the proportional keys and the least-core split (:func:`arealsirk.cooperation.analyse`)
  for the biogas theme's cost game (:func:`arealsirk.siting_game.biogas_game` with the theme's
  ``max_km``, ``min_plant_t``, ``capacity_t`` and the run's parameters);
* ``coalitions.csv`` -- every coalition solved, its cost and saving;
* ``cooperation.md`` -- the findings in words (saving, core, what was checked).

The pipeline calls :func:`cooperation_tables` after the themes and adds :func:`cooperation_writers`
to its output set.  Themes other than biogas add indicators but no cost game (yet).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._text import csv_safe
from .errors import MissingColumnError, ScenarioError
from .themes import Key

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from .workflows import WorkflowResult

__all__ = ["COOPERATION_KEYS", "check_cooperation", "cooperation_tables", "cooperation_writers"]

#: Keys of the ``[cooperation]`` scenario section.
COOPERATION_KEYS: tuple[Key, ...] = (
    Key(
        "group_by",
        "str",
        "Grouping of the kommuner: a column of the kommuner layer (or of the sources), "
        "or kommunenummer; writes indicators.csv/.xlsx, cost_sharing.csv, coalitions.csv, cooperation.md",
    ),
    Key(
        "year",
        "int",
        "Year the inputs describe (key of the indicator table; default: this year)",
        minimum=1900,
        maximum=2200,
    ),
    Key("scenario", "str", "Name of this run in the indicator table (default: the scenario name)"),
    Key(
        "samples",
        "int",
        "Random orderings of the sampled Shapley value (more than "
        "cooperation.shapley_exact_max_players groups)",
        default_key="cooperation.shapley_samples",
        minimum=2,
    ),
)


def _groups(layers: Mapping[str, gpd.GeoDataFrame], group_by: str) -> dict[str, str]:
    """kommunenummer -> group, from the kommuner layer's ``group_by`` column."""
    kom = layers.get("kommuner")
    if group_by == "kommunenummer":
        if kom is None:
            return {}
        return {str(k): str(k) for k in kom["kommunenummer"]}
    if kom is not None and group_by in kom.columns:
        bad = kom[group_by].isna() | (kom[group_by].astype(str).str.strip() == "")
        if bad.any():
            raise MissingColumnError(
                f"kommuner, column '{group_by}' ([cooperation] group_by): {int(bad.sum())} kommune(r) "
                f"have no group, e.g. {kom.loc[bad, 'kommunenummer'].astype(str).iloc[0]}"
            )
        return dict(zip(kom["kommunenummer"].astype(str), kom[group_by].astype(str).str.strip(), strict=True))
    return {}


def check_cooperation(options: Mapping[str, Any], layers: Mapping[str, gpd.GeoDataFrame]) -> None:
    """Refuse a ``[cooperation]`` section whose ``group_by`` names no column of the kommuner or sources.

    Parameters
    ----------
    options
        The ``[cooperation]`` section (:data:`COOPERATION_KEYS`).
    layers
        The run's layers (``kommuner``, ``sources``) in which ``group_by`` must be a column.

    Raises
    ------
    ScenarioError
        ``group_by`` missing, or not a column of the kommuner layer, the sources layer, nor
        ``kommunenummer`` (naming the columns present); a year outside 1900-2200; samples < 2; an
        unknown key.
    """
    group_by = options.get("group_by")
    if not group_by:
        raise ScenarioError(
            "[cooperation] group_by: required (a column of the kommuner layer, e.g. 'region', "
            "or 'kommunenummer')"
        )
    year = options.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2200):
        raise ScenarioError(f"[cooperation] year: must be a whole number between 1900 and 2200, got {year!r}")
    samples = options.get("samples")
    if samples is not None and (isinstance(samples, bool) or not isinstance(samples, int) or samples < 2):
        raise ScenarioError(f"[cooperation] samples: must be a whole number >= 2, got {samples!r}")
    unknown = sorted(set(options) - {k.name for k in COOPERATION_KEYS})
    if unknown:
        raise ScenarioError(
            f"[cooperation] {unknown[0]}: unknown key; allowed: {', '.join(k.name for k in COOPERATION_KEYS)}"
        )
    kom, src = layers.get("kommuner"), layers.get("sources")
    if (
        group_by == "kommunenummer"
        or (kom is not None and group_by in kom.columns)
        or (src is not None and group_by in src.columns)
    ):
        return
    present = sorted(set(kom.columns if kom is not None else []) - {"geometry"})
    raise ScenarioError(
        f"[cooperation] group_by = {group_by!r}: no such column in the kommuner layer "
        f"(columns: {', '.join(present)}) nor in the sources"
    )


def _source_groups(
    sources: gpd.GeoDataFrame, layers: Mapping[str, gpd.GeoDataFrame], group_by: str
) -> gpd.GeoDataFrame:
    from .workflows import kommune_of

    src = sources.copy()
    if group_by in src.columns and group_by != "kommunenummer":
        src["_group"] = src[group_by].astype(str).str.strip()
        return src
    src["kommunenummer"] = kommune_of(src, layers.get("kommuner")).to_numpy()
    mapping = _groups(layers, group_by)
    src["_group"] = src["kommunenummer"].astype(str).map(mapping)
    return src


def _aggregate(src: gpd.GeoDataFrame, parameters: Mapping[str, Any]) -> tuple[gpd.GeoDataFrame, str]:
    """Sum the sources per kind, group, kommune and ``resources.aggregate_cell_m`` cell
    (:func:`arealsirk.estimate.aggregate_sources`; every tonne kept): one location model per coalition
    on thousands of farm points would take hours."""
    import numpy as np

    from .estimate import aggregate_sources
    from .resources import parameter

    sep = "\x1f"
    a = src.copy()
    for col in ("dry_matter_t", "methane_nm3", "energy_gwh"):
        if col not in a.columns:
            a[col] = np.nan
    if "unit" not in a.columns:
        a["unit"] = "t/yr"
    if "id" not in a.columns:
        a["id"] = [f"src{i}" for i in range(len(a))]
    storage = a["storage"].fillna("").astype(str) if "storage" in a.columns else ""
    a["storage"] = storage + sep + a["_group"].astype(str)  # keeps the groups apart
    agg = aggregate_sources(a, parameters=parameters or None)
    agg["_grp"] = agg["storage"].str.split(sep).str[-1]
    agg["storage"] = agg["storage"].str.split(sep).str[0]
    cell = parameter("resources.aggregate_cell_m", parameters or None) / 1000
    return agg, (
        f"{len(src)} biogas source(s) summed to {len(agg)} point(s) per kind, group, kommune and "
        f"{cell:g} km cell (resources.aggregate_cell_m) for the cost game; every tonne kept"
    )


def _biogas_sharing(
    *,
    layers: Mapping[str, gpd.GeoDataFrame],
    graph: Any,
    group_by: str,
    theme_options: Mapping[str, Any],
    parameters: Mapping[str, Any],
    samples: int | None,
    candidates: gpd.GeoDataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any], list[str]]:
    from .cooperation import analyse
    from .resources import has_methane_yield
    from .siting_game import biogas_game

    src = layers["sources"]
    src = src[[has_methane_yield(str(k).strip().lower(), parameters) for k in src["kind"]]]
    src = src[src["quantity"].astype(float) > 0]
    src = _source_groups(src, layers, group_by)
    notes: list[str] = []
    ex = layers.get("existing")
    if ex is not None and "facility_type" in ex.columns:
        n_ex = int(
            ex["facility_type"]
            .astype(str)
            .str.strip()
            .str.lower()
            .isin(["biogas_plant", "biogassanlegg"])
            .sum()
        )
        if n_ex:
            notes.append(
                f"{n_ex} existing biogas plant(s) are not part of the cost game: every coalition "
                "builds new plants (the existing ones' investment is sunk and their capacity "
                "is not shared out)"
            )
    outside = src["_group"].isna()
    if outside.any():
        notes.append(
            f"{int(outside.sum())} biogas source(s) lie in no kommune with a '{group_by}' group and "
            f"are left out of the cost game ({src.loc[outside, 'quantity'].sum():,.0f} t/yr)"
        )
        src = src[~outside]
    src, note = _aggregate(src, parameters)
    notes.append(note)
    game = biogas_game(
        src,
        candidates,
        graph,
        group_by="_grp",
        **{
            k: theme_options[k]
            for k in ("max_km", "min_plant_t", "capacity_t")
            if theme_options.get(k) is not None
        },
        parameters=parameters or None,
    )
    keys = game.keys()
    kom = layers.get("kommuner")
    if kom is not None and "population" in kom.columns:
        mapping = _groups(layers, group_by)
        pop = kom.assign(_g=kom["kommunenummer"].astype(str).map(mapping)).groupby("_g")["population"].sum()
        if pop.reindex(keys.index).notna().all() and pop.reindex(keys.index).sum() > 0:
            keys["inhabitants"] = pop.reindex(keys.index).to_numpy(dtype=float)
    report = analyse(game, keys=keys, samples=samples, parameters=parameters or None)
    table = report.table.rename(columns={"group": group_by})
    return table, report.coalitions, report.summary, notes + report.messages


def cooperation_tables(
    results: Mapping[str, WorkflowResult],
    *,
    layers: Mapping[str, gpd.GeoDataFrame],
    graph: Any,
    options: Mapping[str, Any],
    theme_options: Mapping[str, Mapping[str, Any]],
    parameters: Mapping[str, Any] | None,
    scenario: str,
    candidates: gpd.GeoDataFrame | None = None,
) -> dict[str, Any]:
    """The indicator and cost-sharing tables of one grouped run (see the module docstring).

    Parameters
    ----------
    results
        Theme -> workflow result of the run.
    layers
        The run's validated layers (``kommuner``, ``sources``, ``zones`` ...).
    graph
        The run's road graph.
    options
        The ``[cooperation]`` section (:data:`COOPERATION_KEYS`).
    theme_options
        Each theme's scenario options (the biogas game uses ``max_km``, ``min_plant_t``, ``capacity_t``).
    parameters
        The scenario's ``[parameters]``.
    scenario
        The scenario name (used when ``options`` has no ``scenario``).
    candidates
        Candidate sites of the biogas game (default: the ``zones`` layer without the candidates the
        biogas theme's exclusions removed, ``tables["excluded"]``).

    Returns
    -------
    dict
        ``indicators`` (DataFrame), ``cost_sharing`` and ``coalitions`` (DataFrames or ``None``),
        ``summary`` (dict) and ``messages`` (list of str).
    """
    from .indicators import kommune_indicators

    check_cooperation(options, layers)
    group_by = str(options["group_by"])
    year = int(options.get("year") or _dt.date.today().year)
    name = str(options.get("scenario") or scenario)
    params = dict(parameters or {})
    sharing = coalitions = None
    summary: dict[str, Any] = {"group_by": group_by, "year": year, "scenario": name}
    messages: list[str] = []
    if "biogas" in results and "sources" in layers:
        cand = candidates if candidates is not None else layers["zones"]
        excluded = results["biogas"].tables.get("excluded")
        if candidates is None and excluded is not None and len(excluded) and "id" in cand.columns:
            # the same candidates as the theme: without those its exclusions removed
            gone = set(excluded["candidate_id"].astype(str))
            cand = cand[~cand["id"].astype(str).isin(gone)]
            messages.append(
                f"{len(gone)} candidate site(s) excluded by the biogas theme's exclusions are "
                "left out of the cost game too"
            )
        sharing, coalitions, s, msgs = _biogas_sharing(
            layers=layers,
            graph=graph,
            group_by=group_by,
            theme_options=theme_options.get("biogas", {}),
            parameters=params,
            samples=options.get("samples"),
            candidates=cand,
        )
        summary.update({f"biogas_{k}": v for k, v in s.items()})
        messages += msgs
    else:
        messages.append("no biogas theme in this run: the indicator table is written, no cost game")
    shares = None
    if sharing is not None and group_by == "kommunenummer":
        basis = f"Shapley value ({summary.get('biogas_shapley_method', '')}), biogas cost game"
        shares = {"biogas": sharing.rename(columns={"shapley_nok": "cost_nok"}).assign(basis=basis)}
    table = kommune_indicators(
        results,
        scenario=name,
        year=year,
        kommuner=layers.get("kommuner"),
        sources=layers.get("sources"),
        cost_shares=shares,
        parameters=params or None,
    )
    return {
        "indicators": table,
        "cost_sharing": sharing,
        "coalitions": coalitions,
        "summary": summary,
        "messages": messages,
    }


def _md_text(text: Any) -> str:
    from ._text import escape_markdown

    return escape_markdown(text)


def _markdown(tables: Mapping[str, Any]) -> str:
    s = tables["summary"]
    lines = [f"# Cooperation ({_md_text(s['scenario'])}, {s['year']}, groups: {_md_text(s['group_by'])})", ""]
    if tables.get("cost_sharing") is not None:
        lines += [
            f"- Biogas, each group alone: {s['biogas_sum_alone_nok']:,.0f} NOK/yr; together: "
            f"{s['biogas_joint_nok']:,.0f} NOK/yr; saving {s['biogas_saving_nok']:,.0f} NOK/yr "
            f"({100 * s['biogas_saving_share']:.1f} %), NOK {s['biogas_price_year']}.",
            f"- Shapley value: {_md_text(s['biogas_shapley_method'])}; in the core: "
            f"{'yes' if s['biogas_shapley_in_core'] else 'no'} "
            f"(checked {_md_text(s['biogas_core_checked'])}).",
            "",
            "| group | alone NOK/yr | Shapley NOK/yr | saving NOK/yr |",
            "|---|---|---|---|",
        ]
        t = tables["cost_sharing"]
        for rec in t.itertuples(index=False):
            lines.append(
                f"| {_md_text(rec[0])} | {rec.alone_nok:,.0f} | {rec.shapley_nok:,.0f} | "
                f"{rec.saving_nok:,.0f} |"
            )
    if tables.get("messages"):
        lines += ["", "## Notes", ""] + [f"- {_md_text(m)}" for m in tables["messages"]]
    return "\n".join(lines) + "\n"


def cooperation_writers(
    tables: Mapping[str, Any], *, previous: str | Path | None = None
) -> dict[str, Callable[[Path], None]]:
    """Writers ``{file name: writer(path)}`` for the output set of a grouped run.

    Parameters
    ----------
    tables
        From :func:`cooperation_tables`.
    previous
        The output folder of earlier runs: its ``indicators.csv`` / ``indicators.xlsx`` are read and
        the new rows appended (same key: replaced), so the files grow run by run.

    Returns
    -------
    dict
        File name (``indicators.csv``, ``indicators.xlsx``, ``cooperation.md``, ``cost_sharing.csv``,
        ``coalitions.csv``) -> a function writing that file to the path it is given.
    """
    import shutil

    from .indicators import write_indicators
    from .io import write_text

    prev = Path(previous) if previous is not None else None

    def indicators(suffix: str) -> Callable[[Path], None]:
        def write(path: Path) -> None:
            old = prev / f"indicators.{suffix}" if prev is not None else None
            if old is not None and old.exists() and old.resolve() != Path(path).resolve():
                shutil.copyfile(old, path)
            write_indicators(tables["indicators"], **{suffix: path}, append=True)

        return write

    def frame(name: str) -> Callable[[Path], None]:
        def write(path: Path) -> None:
            csv_safe(tables[name]).to_csv(path, index=False, encoding="utf-8")

        return write

    def markdown(path: Path) -> None:
        write_text(path, _markdown(tables))

    out: dict[str, Callable[[Path], None]] = {
        "indicators.csv": indicators("csv"),
        "indicators.xlsx": indicators("xlsx"),
        "cooperation.md": markdown,
    }
    for name in ("cost_sharing", "coalitions"):
        if tables.get(name) is not None:
            out[f"{name}.csv"] = frame(name)
    return out
