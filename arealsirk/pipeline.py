"""The main job: inputs -> network -> every enabled theme -> results.gpkg, map.html, summary.md.

``arealsirk demo`` and ``arealsirk run SCENARIO.toml`` both end here.  The themes come from
the registry (:data:`arealsirk.themes.THEMES`): for each enabled theme the pipeline builds a
:class:`~arealsirk.themes.ThemeContext` (layers, network, candidate zones, the existing
facilities of that theme, the exclusion layers, the parameters) and calls the theme, then merges
the themes' layers, their ``balance`` tables (every person and tonne: served, beyond the limit,
unreachable and why) and their ``excluded`` tables, and writes the outputs.

The output folder is written as a whole (:func:`arealsirk._outputs.write_output_set`):
every file is staged in a sibling folder and switched in at once, so a failed or
killed run leaves the complete previous results, never files of two runs.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._outputs import (
    check_finite_tables,
    check_finite_text,
    check_output_folder,
    pause_point,
    write_output_set,
)
from ._validate import check_layer_values, validate_layer
from .errors import InputError
from .io import read_layer, read_raster_info, write_layers, write_text
from .progress import CancelFn, Progress, ProgressFn
from .scenario import LAYER_SPECS, OPEN_PREFIXES, RUN_LAYERS, Scenario, load_scenario
from .themes import THEMES as _REGISTRY
from .themes import Theme, ThemeContext

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

log = logging.getLogger("arealsirk")

__all__ = [
    "THEMES",
    "Computed",
    "RunInputs",
    "RunOutput",
    "compute",
    "inputs_from_demo",
    "inputs_from_scenario",
    "run",
    "run_demo",
    "run_scenario",
]

#: Theme name in a scenario -> facility type in the results (from the registry).
THEMES = {name: t.facility_type for name, t in _REGISTRY.items()}


@dataclass
class RunInputs:
    """Validated inputs of one run (all layers in EPSG:25833).

    ``enabled`` lists the themes to run (default: every theme with a section in ``themes`` whose
    ``enabled`` is not false); ``network`` holds the ``[network]`` options (ferries, parts);
    ``strict`` turns unknown kind / facility_type / role values into errors.

    Attributes
    ----------
    name
        Name of the run (summary and map title).
    layers
        Scenario layer name -> features (``kommuner``, ``roads``, ``sources``, ...), fields mapped.
    dem
        The elevation raster (``dem`` layer) for the slope exclusion, or ``None``.
    lang
        Language of the map and summary, ``"nb"`` (default) or ``"en"``.
    synthetic
        ``True``: the map and summary say (some of) the data are synthetic.
    all_synthetic
        ``True``: every layer is synthetic (the demo region); the map and summary say so.
    themes
        Theme name -> its section's keys (``{"biogas": {"count": 2}}``).
    parameters
        Defaults-table overrides of the run.
    input_paths
        Every input file, so no output may overwrite one.
    origins
        Layer name -> (file, layer in the file), so later checks name where a layer came from.
    network
        The ``[network]`` options (``ferries``, ``parts``, ...).
    enabled
        The themes to run; ``()`` (default): every theme with a section not set ``enabled = false``.
    strict
        ``True``: unknown ``kind``, ``facility_type`` or ``role`` values are errors, not warnings.
    description
        Free text written to the ``run_info`` table; default ``""``.
    cooperation
        ``[cooperation]`` keys; non-empty: write indicator and cost-sharing tables (cooperation_run).
    tables
        Tables made while reading the inputs, written to ``results.gpkg`` as they are
        (``[resources]``: ``resources_by_kommune``, the estimate per kommune and kind).
    notes
        What reading the inputs left out or placed by a fallback (``[resources]``: the estimate's
        notes).
    """

    name: str
    layers: dict[str, gpd.GeoDataFrame]
    dem: Path | None = None
    lang: str = "nb"
    synthetic: bool = False
    all_synthetic: bool = False
    themes: dict[str, dict[str, Any]] = field(default_factory=dict)
    parameters: dict[str, float] = field(default_factory=dict)
    input_paths: list[Path] = field(default_factory=list)
    #: layer name -> (file, layer in the file), so later checks name where a layer came from
    origins: dict[str, tuple[Path, str | None]] = field(default_factory=dict)
    network: dict[str, Any] = field(default_factory=dict)
    enabled: tuple[str, ...] = ()
    strict: bool = False
    description: str = ""
    #: ``[cooperation]`` keys; non-empty: write indicator and cost-sharing tables (cooperation_run)
    cooperation: dict[str, Any] = field(default_factory=dict)
    #: tables made while reading the inputs, written to results.gpkg as they are (``[resources]``:
    #: ``resources_by_kommune``, the estimate's t, t DM, Nm3 CH4 and GWh per kommune and kind)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: what reading the inputs left out or placed by a fallback (``[resources]``: the estimate's notes)
    notes: list[str] = field(default_factory=list)

    def enabled_themes(self) -> tuple[str, ...]:
        """The themes this run performs, in registry order."""
        if self.enabled:
            return tuple(t for t in _REGISTRY if t in self.enabled)
        return tuple(t for t in _REGISTRY if t in self.themes and self.themes[t].get("enabled", True))


@dataclass
class RunOutput:
    """What a run wrote and its key figures.

    ``balance`` is the merged balance table of every theme (columns ``theme, stream, category,
    quantity, unit, share``); ``headline`` its short sentences, largest losses first, in the run's
    language (the CLI prints them to stderr); ``warnings`` what the input checks reported.

    Attributes
    ----------
    folder
        The output folder.
    results
        ``results.gpkg``: every theme's layers and tables.
    map_html
        ``map.html``: the self-contained web map.
    summary
        ``summary.md``: the run summary.
    layers
        The result layers written, by layer name.
    figures
        Theme name -> its key figures (the workflow's ``summary``).
    balance
        The merged balance table, or ``None`` when no theme made one.
    headline
        The balance's short sentences in the run's language.
    warnings
        What the input checks reported.
    """

    folder: Path
    results: Path
    map_html: Path
    summary: Path
    layers: dict[str, gpd.GeoDataFrame]
    figures: dict[str, dict[str, Any]]
    balance: pd.DataFrame | None = None
    headline: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


#: Demo layers the run reads (the demo also makes towns and rail lines, which no theme uses).
_DEMO_THEMES = {"biogas": {"count": 2}, "reuse": {"count": 7}, "parks": {"count": 2}}


def inputs_from_demo(*, seed: int = 0, lang: str = "nb") -> RunInputs:
    """Inputs of the embedded synthetic demo region (the themes of the exported demo scenario).

    Parameters
    ----------
    seed
        Seed of the demo region (:func:`arealsirk.demo.datasets.demo_region`); default 0.
    lang
        Language of the map and summary, ``"nb"`` (default) or ``"en"``.
    """
    from .demo.datasets import demo_region

    region = demo_region(seed)
    layers = {name: gdf.copy() for name, gdf in region.layers().items() if name in LAYER_SPECS}
    return RunInputs(name=f"Demoregionen (syntetisk, seed {seed})", layers=layers, dem=region.dem_path(),
                     lang=lang, synthetic=True, all_synthetic=True,
                     themes={k: dict(v) for k, v in _DEMO_THEMES.items()})


def inputs_from_scenario(scenario: Scenario | str | os.PathLike[str], *,
                         strict: bool | None = None) -> RunInputs:
    """Read and validate every layer a scenario names, applying its field mapping.

    With ``strict`` (default: the scenario's ``[scenario] strict``) an unknown ``kind`` or ``role``
    is an error here, naming the file, layer, column and feature; otherwise :func:`run` warns.

    Parameters
    ----------
    scenario
        A :class:`~arealsirk.scenario.Scenario`, or the path of a scenario file (loaded and
        validated first).
    strict
        ``True``/``False`` override the scenario's ``[scenario] strict``; ``None`` (default) keeps it.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    strict = scenario.strict if strict is None else strict
    layers: dict[str, gpd.GeoDataFrame] = {}
    origins: dict[str, tuple[Path, str | None]] = {}
    dem = None
    # kommuner and region first: clip = true on the other layers clips to the study area they define
    order = sorted(scenario.layers, key=lambda n: (n not in ("kommuner", "region"), n != "kommuner"))
    for name in order:
        ref = scenario.layers[name]
        spec = LAYER_SPECS[name]
        if spec.raster:
            read_raster_info(ref.path)
            dem = ref.path
            origins[name] = (ref.path, None)
            continue
        gdf = _read_scenario_layer(ref, layers, scenario.parameters)
        missing = [col for col in ref.fields.values() if col not in gdf.columns]
        if missing:
            from .errors import MissingColumnError, where

            raise MissingColumnError(
                f"{where(file=ref.path, layer=ref.layer, column=missing[0])}named in the scenario's "
                f"field mapping for '{name}' but not in the layer; columns present: "
                f"{', '.join(c for c in gdf.columns if c != gdf.geometry.name)}")
        gdf = gdf.rename(columns={src: dst for dst, src in ref.fields.items()})
        layers[name] = _validate_input(name, gdf, file=ref.path, layer=ref.layer)
        check_layer_values(name, layers[name], file=ref.path, layer=ref.layer, parameters=scenario.parameters,
                           strict=strict)
        origins[name] = (ref.path, ref.layer)
    tables: dict[str, pd.DataFrame] = {}
    notes: list[str] = []
    if scenario.resources is not None:
        sources, origin, by_kommune, notes = _estimated_sources(scenario, layers["kommuner"])
        tables["resources_by_kommune"] = by_kommune
        layers["sources"], origins["sources"] = sources, origin
        check_layer_values("sources", layers["sources"], file=origins["sources"][0], layer="[resources]",
                           parameters=scenario.parameters, strict=strict)
    return RunInputs(name=scenario.name, layers=layers, dem=dem, lang=scenario.lang,
                     synthetic=scenario.synthetic, themes=scenario.themes,
                     parameters=scenario.parameters, input_paths=scenario.input_paths(),
                     origins=origins, network=dict(scenario.network), enabled=scenario.enabled,
                     strict=strict, description=scenario.description,
                     cooperation=dict(scenario.cooperation), tables=tables, notes=notes)


def _read_scenario_layer(ref: Any, layers: dict[str, gpd.GeoDataFrame],
                         parameters: dict[str, float]) -> gpd.GeoDataFrame:
    """One scenario layer as the user named it: a vector layer (with its ``where`` filter) or an SSB grid
    CSV, clipped to the study area when ``clip = true`` (roads with ``region.road_margin_km`` around it;
    SSB cells by their centre, so the kept population is the exact sum of whole cells)."""
    from .errors import InputError, where

    area = None
    if ref.clip:
        import shapely

        base = layers.get("region", layers.get("kommuner"))
        if base is None:
            raise InputError(f"{where(file=ref.path, layer=ref.layer)}clip = true needs the kommuner layer")
        area = shapely.union_all(base.to_crs(25833).geometry.values)
        if ref.name == "roads":
            from .resources import parameter

            area = area.buffer(parameter("region.road_margin_km", parameters) * 1000.0)
    if ref.path.suffix.lower() == ".csv":
        from .readers import read_ssb_grid

        return read_ssb_grid(ref.path, clip=area)
    gdf = read_layer(ref.path, ref.layer, where=ref.where)
    if area is not None:
        import geopandas as gpd

        keep = gdf.to_crs(25833).intersects(area) if gdf.crs is not None else gpd.GeoSeries([])
        if gdf.crs is None:
            raise InputError(f"{where(file=ref.path, layer=ref.layer)}has no CRS, so it cannot be clipped")
        gdf = gdf[keep.to_numpy()].reset_index(drop=True)
        if not len(gdf):
            raise InputError(f"{where(file=ref.path, layer=ref.layer)}clip = true keeps no feature: "
                             "the layer does not overlap the study area")
    return gdf


def _estimated_sources(scenario: Scenario, kommuner: gpd.GeoDataFrame
                       ) -> tuple[gpd.GeoDataFrame, tuple[Path, str], pd.DataFrame, list[str]]:
    """The ``sources`` layer of a ``[resources]`` scenario: the resource estimate of the kommuner of
    the ``kommuner`` layer (:func:`arealsirk.estimate.estimate_region` with the section's ``data`` and
    ``streams`` and the scenario's parameters), summed per kind and cell by
    :func:`arealsirk.estimate.aggregate_sources` (every tonne kept).  Returns the layer, its origin,
    the estimate's per-kommune table and its notes."""
    from .datasets import shared_data_dir
    from .estimate import aggregate_sources, estimate_region

    res = scenario.resources or {}
    data = res.get("data") or shared_data_dir()
    numbers = sorted(set(kommuner["kommunenummer"].astype(str).str.strip()))
    params = dict(scenario.parameters) or None
    est = estimate_region(numbers, data=data, streams=res.get("streams", ()), parameters=params)
    for note in est.notes:
        log.warning("[resources]: %s", note)
    sources = aggregate_sources(est.sources, parameters=params)
    origin = (Path(data), "[resources]")
    layer = _validate_input("sources", sources, file=origin[0], layer=origin[1])
    return layer, origin, est.by_kommune, [f"[resources]: {note}" for note in est.notes]


def _validate_input(name: str, gdf: gpd.GeoDataFrame, *, file: object = None,
                    layer: str | None = None, study_area: Any = None) -> gpd.GeoDataFrame:
    spec = LAYER_SPECS[name]
    return validate_layer(gdf, name=name, file=file, layer=layer, geometry=list(spec.geometry),
                          columns=spec.columns, numeric=spec.numeric, id_column=spec.id_column,
                          study_area=study_area)


def run(inputs: RunInputs, out: str | os.PathLike[str], *, lang: str | None = None,
        strict: bool | None = None, progress: ProgressFn | None = None,
        is_cancelled: CancelFn | None = None) -> RunOutput:
    """Run every enabled theme on ``inputs`` and write ``out/results.gpkg``, ``map.html``, ``summary.md``.

    Parameters
    ----------
    inputs
        From :func:`inputs_from_demo` or :func:`inputs_from_scenario`.
    out
        Output folder (created).  Refused when it would overwrite an input file.
    lang
        ``"nb"`` or ``"en"`` for the map and summary; default the scenario's.
    strict
        Unknown ``kind``, ``facility_type`` or ``role`` values are errors (default: the
        scenario's ``[scenario] strict``); otherwise they are warnings naming the closest known value.
    progress, is_cancelled
        Progress callback and cancel check (see :mod:`arealsirk.progress`).

    Raises
    ------
    InputError
        Bad or missing layers, unknown values in strict mode, or a theme's own input errors.
    """
    lang = lang or inputs.lang
    if lang not in ("nb", "en"):
        raise InputError(f"lang must be 'nb' or 'en', got {lang!r}")
    out = Path(out)
    targets = [out / "results.gpkg", out / "map.html", out / "summary.md"]
    check_output_folder(out, inputs=inputs.input_paths)  # before any work
    if inputs.cooperation:
        from .cooperation_run import check_cooperation, cooperation_tables, cooperation_writers

        check_cooperation(inputs.cooperation, inputs.layers)
    p = Progress(progress, is_cancelled)
    pause_point("computing")  # test hook (arealsirk._outputs): interruption tests signal here
    done = compute(inputs, strict=strict, progress=p.sub(0.0, 0.86), is_cancelled=is_cancelled)
    layers, results, warnings = done.layers, done.results, done.warnings
    figures = {name: dict(result.summary) for name, result in results.items()}
    balance = done.balance
    headline = done.headline(lang)

    extra: dict[str, Any] = {}  # [cooperation]: indicator and cost-sharing tables
    coop_tables: dict[str, Any] = {}  # ... also in results.gpkg, so `arealsirk report` shows them
    if inputs.cooperation:
        p(0.86, "cooperation: cost sharing and indicators")
        coop = cooperation_tables(
            results, layers=layers, graph=done.graph, options=inputs.cooperation, theme_options=inputs.themes,
            parameters=inputs.parameters, scenario=inputs.name)
        extra = cooperation_writers(coop, previous=out)
        coop_tables = {name: _flat(coop[name]) for name in ("cost_sharing", "indicators")
                       if coop.get(name) is not None and len(coop[name])}
    p(0.86, "writing results")
    merged = _merge_layers(layers, results)
    run_info = _run_info(inputs, lang)
    md = _summary_markdown(inputs, results, lang=lang, headline=headline, warnings=[*inputs.notes, *warnings])

    from . import webmap
    from .i18n import SUMMARY_WORDS, word

    title = word(SUMMARY_WORDS, "map_title", lang) + f" \u2013 {inputs.name}"
    kommune_tables = webmap.with_indicators(  # [cooperation]: each member's cost and CO2 in its popup
        {th: r.tables.get("by_kommune") for th, r in results.items()}, coop_tables.get("indicators"))
    fmap = webmap.build_map(merged, title=title, lang=lang, synthetic=inputs.synthetic, summary=results,
                            all_synthetic=inputs.all_synthetic, kommune_tables=kommune_tables,
                            **_webmap_options(inputs.parameters))

    tables = {f"{theme}_{name}": _flat(table) for theme, result in results.items()
              for name, table in result.tables.items()
              if table is not None and len(table) and name not in ("balance", "excluded")}
    for name, table in (("balance", balance), ("excluded", done.excluded), *inputs.tables.items()):
        if table is not None and len(table):
            tables[name] = _flat(table)
    map_summary = webmap.summary_table(results, lang=lang, sites=merged.get("selected_sites"))
    gpkg_layers = {**merged, **tables, **coop_tables, "run_info": run_info, "map_summary": map_summary}
    check_finite_tables(gpkg_layers, name=str(targets[0]))
    check_finite_text(md, name=str(targets[2]))
    write_output_set(out, {"results.gpkg": lambda path: write_layers(path, gpkg_layers),
                           "map.html": lambda path: webmap.write_map(fmap, path),
                           "summary.md": lambda path: write_text(path, md), **extra},
                     inputs=inputs.input_paths, is_cancelled=is_cancelled)
    p(1.0, "done")
    return RunOutput(folder=out, results=targets[0], map_html=targets[1], summary=targets[2],
                     layers=merged, figures=figures, balance=balance, headline=headline,
                     warnings=warnings)


@dataclass
class Computed:
    """The answer of every enabled theme before anything is written (see :func:`compute`).

    ``layers`` are the validated inputs, ``results`` each theme's
    :class:`~arealsirk.workflows.WorkflowResult`, ``balance`` and ``excluded`` the themes' tables
    merged (a ``theme`` column says whose), ``warnings`` what the input checks reported.

    Attributes
    ----------
    layers
        The validated input layers (population and sources outside the region removed).
    results
        Theme name -> its :class:`~arealsirk.workflows.WorkflowResult`.
    graph
        The road graph every theme routed on.
    balance
        Every theme's balance table merged, plus the rows outside the region; ``None`` when none.
    excluded
        Every theme's excluded candidates merged; ``None`` when none.
    warnings
        What the input checks reported (unknown values in non-strict mode, ...).
    outside
        Layer name -> the features outside the ``region`` layer (left out and reported).
    """

    layers: dict[str, gpd.GeoDataFrame]
    results: dict[str, Any]
    graph: Any
    balance: pd.DataFrame | None
    excluded: pd.DataFrame | None
    warnings: list[str]

    #: features of the ``region``-less-than-data case: layer name -> features outside the region layer
    outside: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)

    def headline(self, lang: str = "en") -> list[str]:
        """Every theme's balance headline sentences in ``lang``, largest losses first per theme, and
        what lay outside the ``region`` layer."""
        lines = _headline(self.results, lang)
        for name, gdf in self.outside.items():
            n = len(gdf)
            lines.append(f"{n} feature(s) of the layer '{name}' lie outside the region layer and are left out"
                         if lang == "en" else
                         f"{n} objekt(er) i laget '{name}' ligger utenfor regionlaget og er utelatt")
        return lines


def compute(inputs: RunInputs, *, strict: bool | None = None, progress: ProgressFn | None = None,
            is_cancelled: CancelFn | None = None) -> Computed:
    """Validate ``inputs``, build the network and run every enabled theme; write nothing.

    Each enabled theme of :data:`arealsirk.themes.THEMES` gets a
    :class:`~arealsirk.themes.ThemeContext`: the layers, the road graph (``[network]`` options and
    ``network.*`` parameters), the candidate zones, the existing facilities of its types (any
    case), the exclusion layers (protected, lakes, settlements, dem) and the parameters.
    See :func:`run` for ``strict``.

    Parameters
    ----------
    inputs
        From :func:`inputs_from_demo` or :func:`inputs_from_scenario`.
    strict
        Unknown ``kind``, ``facility_type`` or ``role`` values are errors; ``None`` (default):
        ``inputs.strict``.
    progress, is_cancelled
        Progress callback and cancel check (see :mod:`arealsirk.progress`); ``None``: none.

    Raises
    ------
    InputError
        No theme enabled, a required layer missing, bad layers or values.
    """
    p = Progress(progress, is_cancelled)
    enabled = inputs.enabled_themes()
    if not enabled:
        raise InputError(f"no theme is enabled; give at least one of {', '.join(_REGISTRY)}")
    layers = dict(inputs.layers)
    _require_layers(layers, enabled)
    study_area = _study_area(layers)
    for name in ("sources", "zones", "population", "existing", "flows"):
        if name in layers:
            file, layer = inputs.origins.get(name, (None, None))
            layers[name] = _validate_input(name, layers[name], file=file, layer=layer,
                                           study_area=study_area)
    warnings = _check_values(layers, inputs, enabled, strict=inputs.strict if strict is None else strict)
    outside = _split_outside_region(layers)

    p(0.02, "building the road network")
    graph = _network(layers, inputs)
    results: dict[str, Any] = {}
    for k, name in enumerate(enabled):
        theme = _REGISTRY[name]
        sub = p.sub(0.1 + 0.9 * k / len(enabled), 0.1 + 0.9 * (k + 1) / len(enabled))
        sub(0.0, f"{name}: siting")
        ctx = ThemeContext(layers=layers, network=graph, candidates=layers["zones"],
                           existing=_existing_for(theme, layers.get("existing")),
                           exclusions=_exclusions(layers, inputs.dem, theme),
                           parameters=dict(inputs.parameters), options=_options(theme, inputs.themes),
                           progress=sub, is_cancelled=is_cancelled)
        results[name] = theme.run(ctx)
    balance = _with_outside_region(_merged_table(results, "balance"), outside, enabled)
    done = Computed(layers=layers, results=results, graph=graph, balance=balance,
                    excluded=_merged_table(results, "excluded"), warnings=warnings, outside=outside)
    for line in done.headline("en"):
        log.info("balance: %s", line)
    return done


def _split_outside_region(layers: dict[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """Take the population and sources outside the ``region`` layer (when given) out of ``layers``.

    A feature is outside when it does not touch the region (a grid cell overlapping it is inside).
    Returns the features taken out per layer; they enter the balance as ``outside_region``.
    """
    import shapely

    if "region" not in layers:
        return {}
    region = shapely.union_all(layers["region"].geometry.to_numpy())
    shapely.prepare(region)
    outside: dict[str, gpd.GeoDataFrame] = {}
    for name in ("population", "sources"):
        if name not in layers:
            continue
        gdf = layers[name]
        out = ~shapely.intersects(region, gdf.geometry.to_numpy())
        if out.any():
            outside[name] = gdf[out].reset_index(drop=True)
            layers[name] = gdf[~out].reset_index(drop=True)
            log.warning("%d feature(s) of the layer '%s' lie outside the region layer; they are left out "
                        "and reported as outside_region in the balance", int(out.sum()), name)
    return outside


def _with_outside_region(balance: pd.DataFrame | None, outside: dict[str, gpd.GeoDataFrame],
                         enabled: tuple[str, ...]) -> pd.DataFrame | None:
    """``balance`` with an ``outside_region`` row per theme and stream for the features taken out by
    :func:`_split_outside_region`, and every share recomputed on the new stream totals."""
    import pandas as pd

    from .resources import to_canonical

    if balance is None or not outside:
        return balance
    rows = []
    for theme in enabled:
        reads = _REGISTRY[theme].layer_names
        if "population" in outside and "population" in reads:
            rows.append({"theme": theme, "stream": "population", "category": "outside_region",
                         "quantity": float(outside["population"]["population"].sum()), "unit": "people"})
        if "sources" in outside and "sources" in reads:
            src = outside["sources"]
            for kind, unit, q in zip(src["kind"].astype(str).str.strip().str.lower(), src["unit"],
                                     src["quantity"], strict=True):
                value, canonical = to_canonical(float(q), str(unit), kind=kind,
                                                context="sources, column 'unit': ")
                rows.append({"theme": theme, "stream": kind, "category": "outside_region",
                             "quantity": float(value), "unit": canonical})
    if not rows:
        return balance
    extra = pd.DataFrame(rows).groupby(["theme", "stream", "category", "unit"],
                                       as_index=False)["quantity"].sum()
    out = pd.concat([balance, extra], ignore_index=True)
    key = ["theme", "stream", "category"]
    out = out.groupby(key, as_index=False, sort=False).agg(
        {c: ("sum" if c == "quantity" else "first") for c in out.columns if c not in key})
    totals = out.groupby(["theme", "stream"])["quantity"].transform("sum")
    out["share"] = (out["quantity"] / totals.where(totals > 0)).fillna(0.0)
    return out


def _require_layers(layers: dict[str, Any], enabled: tuple[str, ...]) -> None:
    """Every layer an enabled theme needs is there (a scenario checks this with line numbers)."""
    for name in ("kommuner", "roads"):
        if name not in layers:
            raise InputError(f"the layer '{name}' is required ({LAYER_SPECS[name].description})")
    for theme in enabled:
        for use in _REGISTRY[theme].layers:
            if use.required and use.layer not in layers:
                raise InputError(f"theme '{theme}' needs the layer '{use.layer}' ({use.role}); add it "
                                 f"under [layers] or set enabled = false in [{theme}]")
    used = set(RUN_LAYERS) | {u.layer for t in enabled for u in _REGISTRY[t].layers}
    unused = sorted(set(layers) - used)
    if unused:
        raise InputError(f"the layer '{unused[0]}' is not used by any enabled theme "
                         f"({', '.join(enabled)}); remove it or enable a theme that reads it")


def _options(theme: Theme, sections: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The theme's scenario keys as workflow keywords (``enabled`` removed)."""
    values = sections.get(theme.name, {})
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name == "enabled":
            continue
        key = theme.key(name)
        if key is None:
            raise InputError(f"[{theme.name}] {name}: unknown key; allowed: "
                             f"{', '.join(k.name for k in theme.keys)}")
        out[key.keyword] = value
    return out


def _existing_for(theme: Theme, existing: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """The existing facilities of ``theme`` (its ``existing_types``, any case), typed as the theme's
    canonical type so the workflow keeps them."""
    if existing is None or not theme.uses_existing:
        return None
    types = existing["facility_type"].astype(str).str.strip().str.lower()
    sel = existing[types.isin(theme.existing_types).to_numpy()].copy()
    if not len(sel):
        return None
    sel["facility_type"] = theme.existing_types[0]
    return sel.reset_index(drop=True)


def _network(layers: dict[str, gpd.GeoDataFrame], inputs: RunInputs) -> Any:
    """The road graph with the scenario's ``[network]`` options (ferries, parts), its ``network.*``
    parameters and the land: the kommune polygons minus the ``lakes`` layer (lakes and sea), so no point
    is snapped across water (Kartverket's N1000 kommune polygons include the sea; see
    :func:`arealsirk.network.land_polygon`)."""
    from . import network

    roads = layers["roads"]
    ferries = inputs.network.get("ferries", True)  # ferry links are used where the layer has them
    land = network.land_polygon(layers["kommuner"], water=layers.get("lakes"))
    file, layer = inputs.origins.get("roads", (None, None))
    return network.graph_from_roads(roads, include_ferries=bool(ferries),
                                    keep=inputs.network.get("parts", "all"),
                                    parameters=_prefixed(inputs.parameters, "network.") or None,
                                    land=land, file=file, layer=layer)


def _prefixed(parameters: dict[str, float], prefix: str) -> dict[str, float]:
    return {k: v for k, v in parameters.items() if k.startswith(prefix)}


def _exclusions(layers: dict[str, gpd.GeoDataFrame], dem: Path | None, theme: Any) -> Any:
    """The exclusion layers of the run for ``theme`` (:class:`arealsirk.constraints.Exclusions`):
    protected areas, lakes and the DEM for every theme; the settlement buffer only for the themes that
    declare the ``settlements`` layer (odour and noise: biogas plants, industrial parks)."""
    from .suitability.constraints import Exclusions

    settlements = layers.get("settlements") if "settlements" in theme.layer_names else None
    return Exclusions(protected=layers.get("protected"), lakes=layers.get("lakes"),
                      settlements=settlements, dem=dem)


def _webmap_options(parameters: dict[str, float]) -> dict[str, Any]:
    """``webmap.*`` overrides as :func:`arealsirk.webmap.build_map` keywords."""
    webmap_rows = _prefixed(parameters, "webmap.")
    return {"parameters": webmap_rows} if webmap_rows else {}


def _merged_table(results: dict[str, Any], name: str) -> pd.DataFrame | None:
    """One table from every theme's ``result.tables[name]`` (with a ``theme`` column)."""
    import pandas as pd

    frames = []
    for theme, result in results.items():
        table = result.tables.get(name)
        if table is None:
            continue
        table = pd.DataFrame(table).copy()
        if "theme" in table.columns:  # the workflow's name (textile_reuse) -> the scenario section's
            table = table.drop(columns="theme")
        table.insert(0, "theme", theme)
        frames.append(table)
    if not frames:
        return None
    return pd.concat(frames, ignore_index=True)


def _headline(results: dict[str, Any], lang: str) -> list[str]:
    """Every theme's ``balance_headline`` sentences in ``lang``."""
    from .workflows import render_message as render

    lines: list[str] = []
    for result in results.values():
        for sentence in result.summary.get("balance_headline", []) or []:
            lines.append(render(sentence, lang))
    return lines


def _known_kinds(parameters: dict[str, float]) -> set[str]:
    """Every resource kind some theme knows (table kinds, aliases, kinds given a yield or value)."""
    from .defaults import table
    from .resources import KINDS
    from .workflows import KIND_ALIASES

    known = set(KINDS) | set(KIND_ALIASES) | {"grot"}
    for key in [row.key for row in table()] + list(parameters):
        for prefix in OPEN_PREFIXES:
            if key.startswith(prefix):
                known.add(key[len(prefix):])
    return known


def _unknown_values(values: Any, known: set[str]) -> dict[str, int]:
    """Counts of the values (stripped, lower case) not in ``known``."""
    clean = values.astype(str).str.strip().str.lower()
    bad = clean[~clean.isin(known)]
    return {str(k): int(n) for k, n in bad.value_counts().sort_index().items()}


def _report(problem: str, *, strict: bool, warnings: list[str]) -> None:
    if strict:
        raise InputError(problem + " (strict mode: fix the value or leave out strict)")
    log.warning("%s", problem)
    warnings.append(problem)


def _closest(value: str, known: set[str]) -> str:
    near = difflib.get_close_matches(value, sorted(known), n=1, cutoff=0.0)
    return f"; closest known value: '{near[0]}'" if near else ""


def _check_values(layers: dict[str, gpd.GeoDataFrame], inputs: RunInputs, enabled: tuple[str, ...], *,
                  strict: bool) -> list[str]:
    """Warn about (or, when ``strict``, refuse) unknown ``kind``, ``role`` and ``facility_type`` values,
    and report existing facilities that no enabled theme keeps.  Flows of an unknown role are left out."""
    from .errors import where

    warnings: list[str] = []
    kinds = _known_kinds(inputs.parameters)
    checks = [("sources", "kind", kinds), ("flows", "kind", kinds), ("flows", "role", {"supply", "demand"})]
    existing_types = {t for theme in _REGISTRY.values() for t in theme.existing_types}
    checks.append(("existing", "facility_type", existing_types))
    for name, column, known in checks:
        if name not in layers or column not in layers[name].columns:
            continue
        file, layer = inputs.origins.get(name, (None, name))
        at = where(file=file, layer=layer, column=column)
        for value, count in _unknown_values(layers[name][column], known).items():
            what = {"role": "flows of this role are left out", "facility_type": "these facilities are "
                    "not used", "kind": "features of this kind are left out"}[column]
            _report(f"{at}unknown value '{value}' ({count} feature(s)){_closest(value, known)}; {what}",
                    strict=strict, warnings=warnings)
        if column == "role":
            role = layers[name][column].astype(str).str.strip().str.lower()
            layers[name] = layers[name][role.isin(known).to_numpy()].reset_index(drop=True)
    if "existing" in layers:
        _report_unused_existing(layers["existing"], enabled, inputs, warnings)
    return warnings


def _report_unused_existing(existing: gpd.GeoDataFrame, enabled: tuple[str, ...], inputs: RunInputs,
                            warnings: list[str]) -> None:
    """Warn about existing facilities of a known type whose theme is not enabled or keeps none."""
    from .errors import where

    types = existing["facility_type"].astype(str).str.strip().str.lower()
    file, layer = inputs.origins.get("existing", (None, "existing"))
    for theme in _REGISTRY.values():
        n = int(types.isin(theme.existing_types).sum())
        if not n or (theme.name in enabled and theme.uses_existing):
            continue
        why = (f"theme {theme.name} is not enabled" if theme.name not in enabled
               else f"theme {theme.name} keeps no existing facilities")
        problem = (f"{where(file=file, layer=layer, column='facility_type')}{n} existing facilit"
                   f"{'y' if n == 1 else 'ies'} of theme {theme.name} ({', '.join(theme.existing_types)}) "
                   f"are not used: {why}")
        log.warning("%s", problem)
        warnings.append(problem)


def _study_area(layers: dict[str, gpd.GeoDataFrame]) -> Any:
    import shapely

    base = layers.get("region", layers["kommuner"])
    return shapely.union_all(base.geometry.values).buffer(5000)


def _merge_layers(layers: dict[str, gpd.GeoDataFrame],
                  results: dict[str, Any]) -> dict[str, gpd.GeoDataFrame]:
    """Concatenate the themes' layers into the results schema (one layer per kind of thing)."""
    import geopandas as gpd
    import pandas as pd

    merged: dict[str, gpd.GeoDataFrame] = {}
    for name in ("kommuner", "sources", "existing", "stations"):
        if name in layers:
            merged[name] = layers[name]
    collected: dict[str, list[gpd.GeoDataFrame]] = {}
    for result in results.values():
        for name, gdf in result.layers.items():
            if gdf is not None and len(gdf):
                collected.setdefault(name, []).append(gdf)
    for name, frames in collected.items():
        crs = frames[0].crs
        merged[name] = gpd.GeoDataFrame(pd.concat([f.to_crs(crs) for f in frames], ignore_index=True),
                                        geometry=frames[0].geometry.name, crs=crs)
    if "candidates" not in merged and "zones" in layers:
        merged["candidates"] = layers["zones"]
    return merged


def _flat(table: Any) -> Any:
    """A table with a plain index and string column names, as GeoPackage attribute tables need."""
    import pandas as pd

    table = pd.DataFrame(table)
    if not isinstance(table.index, pd.RangeIndex):
        table = table.reset_index()
    table.columns = [str(c) for c in table.columns]
    return table


def _run_info(inputs: RunInputs, lang: str) -> Any:
    import pandas as pd

    from . import __version__

    info = {"name": inputs.name, "synthetic": str(inputs.synthetic).lower(), "lang": lang,
            **({"description": inputs.description} if inputs.description else {}),
            "arealsirk_version": __version__,
            "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")}
    return pd.DataFrame({"key": list(info), "value": list(info.values())})


def _summary_markdown(inputs: RunInputs, results: dict[str, Any], *, lang: str,
                      headline: list[str] | None = None, warnings: list[str] | None = None) -> str:
    """summary.md: title, the synthetic-data notice, who and what is reached, input warnings, then each
    theme's own section (words from :mod:`arealsirk.i18n`; text from data escaped)."""
    from ._text import escape_markdown
    from .i18n import SUMMARY_WORDS, word

    def w(key: str) -> str:
        return word(SUMMARY_WORDS, key, lang)

    head = f"# {w('run_title')}: {escape_markdown(inputs.name)}\n\n"
    if inputs.all_synthetic or inputs.synthetic:
        head += w("all_synthetic" if inputs.all_synthetic else "some_synthetic") + "\n\n"
    parts = [head]
    if headline:
        parts.append(f"## {w('reached')}\n\n" + "".join(f"- {escape_markdown(x)}\n" for x in headline))
    if warnings:  # they quote values and file names from the data: escaped
        parts.append(f"## {w('input_warnings')}\n\n" + "".join(f"- {escape_markdown(x)}\n" for x in warnings))
    for result in results.values():
        parts.append(result.summary_markdown(lang=lang).strip() + "\n")
    return "\n".join(parts)


def run_demo(out: str | os.PathLike[str], *, seed: int = 0, lang: str = "nb",
             progress: ProgressFn | None = None, is_cancelled: CancelFn | None = None) -> RunOutput:
    """Run the whole pipeline on the embedded demo region (see :func:`run`).

    Parameters
    ----------
    out
        Output folder (created), checked before the region is built.
    seed
        Seed of the demo region; default 0.
    lang
        ``"nb"`` (default) or ``"en"`` for the map and summary.
    progress, is_cancelled
        Progress callback and cancel check (see :mod:`arealsirk.progress`); ``None``: none.
    """
    check_output_folder(out)  # refuse a bad --out before building the region
    return run(inputs_from_demo(seed=seed, lang=lang), out, lang=lang, progress=progress,
               is_cancelled=is_cancelled)


def run_scenario(scenario: str | os.PathLike[str], out: str | os.PathLike[str], *, lang: str | None = None,
                 strict: bool | None = None, progress: ProgressFn | None = None,
                 is_cancelled: CancelFn | None = None) -> RunOutput:
    """Run the pipeline on a scenario file (see :func:`run`; ``strict`` overrides ``[scenario] strict``).

    Parameters
    ----------
    scenario
        The scenario ``.toml`` file (:func:`arealsirk.scenario.load_scenario`).
    out
        Output folder (created); refused when it would overwrite an input file.
    lang
        ``"nb"`` or ``"en"``; ``None`` (default): the scenario's ``[scenario] lang``.
    strict
        ``True``/``False`` override ``[scenario] strict``; ``None`` (default) keeps it.
    progress, is_cancelled
        Progress callback and cancel check (see :mod:`arealsirk.progress`); ``None``: none.
    """
    loaded = load_scenario(scenario)
    check_output_folder(out, inputs=loaded.input_paths())  # refuse a bad --out before reading layers
    return run(inputs_from_scenario(loaded, strict=strict), out, lang=lang, strict=strict,
               progress=progress, is_cancelled=is_cancelled)
