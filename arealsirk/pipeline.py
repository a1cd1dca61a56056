"""The main job: inputs -> network -> themes (biogas, reuse, parks) -> results.gpkg, map.html, summary.md.

``arealsirk demo`` and ``arealsirk run SCENARIO.toml`` both end here.  The
stages are the ones in the README's architecture section; each theme is one
call into :mod:`arealsirk.workflows`, and this module only loads inputs,
validates them, calls the workflows, merges their layers and writes outputs.

The output folder is written as a whole (:func:`arealsirk._outputs.write_output_set`):
every file is staged in a sibling folder and switched in at once, so a failed or
killed run leaves the complete previous results, never files of two runs.
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._outputs import check_finite_tables, check_finite_text, check_output_folder, write_output_set
from ._validate import check_layer_values, validate_layer
from .errors import InputError
from .io import read_layer, read_raster_info, write_layers, write_text
from .progress import CancelFn, Progress, ProgressFn
from .scenario import LAYER_SPECS, Scenario, load_scenario

if TYPE_CHECKING:
    import geopandas as gpd

log = logging.getLogger("arealsirk")

__all__ = ["RunInputs", "RunOutput", "inputs_from_demo", "inputs_from_scenario", "run", "run_demo",
           "run_scenario", "THEMES"]

#: Theme name in a scenario -> facility type in the results.
THEMES = {"biogas": "biogas_plant", "reuse": "reuse_centre", "parks": "industrial_park"}


@dataclass
class RunInputs:
    """Validated inputs of one run (all layers in EPSG:25833)."""

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


@dataclass
class RunOutput:
    """What a run wrote and its key figures."""

    folder: Path
    results: Path
    map_html: Path
    summary: Path
    layers: dict[str, gpd.GeoDataFrame]
    figures: dict[str, dict[str, Any]]


def inputs_from_demo(*, seed: int = 0, lang: str = "nb") -> RunInputs:
    """Inputs of the embedded synthetic demo region."""
    from .datasets import demo_region

    region = demo_region(seed)
    layers = {name: gdf.copy() for name, gdf in region.layers().items()}
    return RunInputs(name=f"Demoregionen (syntetisk, seed {seed})", layers=layers, dem=region.dem_path(),
                     lang=lang, synthetic=True, all_synthetic=True,
                     themes={"biogas": {"count": 2}, "reuse": {"count": 7}, "parks": {"count": 2}})


def inputs_from_scenario(scenario: Scenario | str | os.PathLike[str]) -> RunInputs:
    """Read and validate every layer a scenario names, applying its field mapping."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    layers: dict[str, gpd.GeoDataFrame] = {}
    origins: dict[str, tuple[Path, str | None]] = {}
    dem = None
    for name, ref in scenario.layers.items():
        spec = LAYER_SPECS[name]
        if spec.raster:
            read_raster_info(ref.path)
            dem = ref.path
            continue
        gdf = read_layer(ref.path, ref.layer)
        missing = [col for col in ref.fields.values() if col not in gdf.columns]
        if missing:
            from .errors import MissingColumnError, where

            raise MissingColumnError(
                f"{where(file=ref.path, layer=ref.layer, column=missing[0])}named in the scenario's "
                f"field mapping for '{name}' but not in the layer; columns present: "
                f"{', '.join(c for c in gdf.columns if c != gdf.geometry.name)}")
        gdf = gdf.rename(columns={src: dst for dst, src in ref.fields.items()})
        layers[name] = _validate_input(name, gdf, file=ref.path, layer=ref.layer)
        check_layer_values(name, layers[name], file=ref.path, layer=ref.layer, parameters=scenario.parameters)
        origins[name] = (ref.path, ref.layer)
    return RunInputs(name=scenario.name, layers=layers, dem=dem, lang=scenario.lang,
                     synthetic=scenario.synthetic, themes=scenario.themes,
                     parameters=scenario.parameters, input_paths=scenario.input_paths(),
                     origins=origins)


def _validate_input(name: str, gdf: gpd.GeoDataFrame, *, file: object = None,
                    layer: str | None = None, study_area: Any = None) -> gpd.GeoDataFrame:
    spec = LAYER_SPECS[name]
    return validate_layer(gdf, name=name, file=file, layer=layer, geometry=list(spec.geometry),
                          columns=spec.columns, numeric=spec.numeric, id_column=spec.id_column,
                          study_area=study_area)


def run(inputs: RunInputs, out: str | os.PathLike[str], *, lang: str | None = None,
        progress: ProgressFn | None = None, is_cancelled: CancelFn | None = None) -> RunOutput:
    """Run every enabled theme on ``inputs`` and write ``out/results.gpkg``, ``map.html``, ``summary.md``.

    Parameters
    ----------
    inputs
        From :func:`inputs_from_demo` or :func:`inputs_from_scenario`.
    out
        Output folder (created).  Refused when it would overwrite an input file.
    lang
        ``"nb"`` or ``"en"`` for the map and summary; default the scenario's.
    progress, is_cancelled
        Progress callback and cancel check (see :mod:`arealsirk.progress`).
    """
    from . import network, workflows

    lang = lang or inputs.lang
    if lang not in ("nb", "en"):
        raise InputError(f"lang must be 'nb' or 'en', got {lang!r}")
    out = Path(out)
    targets = [out / "results.gpkg", out / "map.html", out / "summary.md"]
    check_output_folder(out, inputs=inputs.input_paths)  # before any work
    p = Progress(progress, is_cancelled)

    layers = dict(inputs.layers)
    study_area = _study_area(layers)
    for name in ("sources", "zones", "population", "existing", "flows"):
        if name in layers:
            file, layer = inputs.origins.get(name, (None, None))
            layers[name] = _validate_input(name, layers[name], file=file, layer=layer,
                                           study_area=study_area)

    p(0.02, "building the road network")
    graph = network.graph_from_roads(layers["roads"])
    figures: dict[str, dict[str, Any]] = {}
    results: dict[str, Any] = {}
    enabled = [t for t in THEMES if inputs.themes.get(t, {}).get("enabled", t in inputs.themes)]
    n = max(len(enabled), 1)
    existing = layers.get("existing")
    for k, theme in enumerate(enabled):
        opts = {key: v for key, v in inputs.themes.get(theme, {}).items() if key != "enabled"}
        sub = p.sub(0.1 + 0.75 * k / n, 0.1 + 0.75 * (k + 1) / n)
        sub(0.0, f"{theme}: siting")
        common = {"kommuner": layers.get("kommuner"), "progress": sub, "is_cancelled": is_cancelled}
        if theme == "biogas":
            _require(layers, "sources", theme)
            result = workflows.site_biogas(
                layers["sources"], layers["zones"], graph,
                existing=_existing_of(existing, "biogas_plant"),
                parameters=inputs.parameters or None, **opts, **common)
        elif theme == "reuse":
            _require(layers, "population", theme)
            result = workflows.site_reuse_centres(
                layers["population"], layers["zones"], graph, population_column="population",
                existing=_existing_of(existing, "recycling_station"), **opts, **common)
        else:
            _require(layers, "flows", theme)
            result = workflows.site_industrial_parks(
                layers["zones"], layers["flows"], graph, stations=layers.get("stations"), **opts, **common)
        results[theme] = result
        figures[theme] = dict(result.summary)

    p(0.86, "writing results")
    merged = _merge_layers(layers, results)
    run_info = _run_info(inputs, lang)
    md = _summary_markdown(inputs, results, lang=lang)

    from . import webmap

    title = ("Plassering av sirkulære anlegg" if lang == "nb" else "Siting circular facilities") + \
        f" – {inputs.name}"
    fmap = webmap.build_map(merged, title=title, lang=lang, synthetic=inputs.synthetic)

    tables = {f"{theme}_{name}": _flat(table) for theme, result in results.items()
              for name, table in result.tables.items() if table is not None and len(table)}
    gpkg_layers = {**merged, **tables, "run_info": run_info}
    check_finite_tables(gpkg_layers, name=str(targets[0]))
    check_finite_text(md, name=str(targets[2]))
    write_output_set(out, {"results.gpkg": lambda path: write_layers(path, gpkg_layers),
                           "map.html": lambda path: webmap.write_map(fmap, path),
                           "summary.md": lambda path: write_text(path, md)},
                     inputs=inputs.input_paths, is_cancelled=is_cancelled)
    p(1.0, "done")
    return RunOutput(folder=out, results=targets[0], map_html=targets[1], summary=targets[2],
                     layers=merged, figures=figures)


def _require(layers: dict[str, Any], name: str, theme: str) -> None:
    if name not in layers:
        raise InputError(f"theme '{theme}' needs the layer '{name}'; add it under [layers] "
                         f"or set enabled = false in [{theme}]")
    if "zones" not in layers:
        raise InputError(f"theme '{theme}' needs the layer 'zones' (candidate land) under [layers]")


def _existing_of(existing: gpd.GeoDataFrame | None, facility_type: str) -> gpd.GeoDataFrame | None:
    if existing is None:
        return None
    sel = existing[existing["facility_type"] == facility_type]
    return sel.reset_index(drop=True) if len(sel) else None


def _study_area(layers: dict[str, gpd.GeoDataFrame]) -> Any:
    import shapely

    base = layers.get("region", layers["kommuner"])
    return shapely.union_all(base.geometry.values).buffer(5000)


def _merge_layers(layers: dict[str, gpd.GeoDataFrame], results: dict[str, Any]) -> dict[str, gpd.GeoDataFrame]:
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
            "arealsirk_version": __version__,
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
    return pd.DataFrame({"key": list(info), "value": list(info.values())})


def _summary_markdown(inputs: RunInputs, results: dict[str, Any], *, lang: str) -> str:
    nb = lang == "nb"
    from ._text import escape_markdown

    head = f"# {'Sammendrag' if nb else 'Summary'}: {escape_markdown(inputs.name)}\n\n"
    if inputs.all_synthetic:
        head += ("> **Syntetiske data.** Alle tall er laget av arealsirk sin demo-generator og beskriver "
                 "ingen virkelig region.\n\n" if nb else
                 "> **Synthetic data.** Every figure comes from arealsirk's demo generator and describes "
                 "no real region.\n\n")
    elif inputs.synthetic:
        head += ("> **Inneholder syntetiske data.** Noen av datalagene er laget etter dokumenterte regler, "
                 "ikke målt; tallene er illustrasjoner, ikke fakta.\n\n" if nb else
                 "> **Contains synthetic data.** Some input layers were made by documented rules, not "
                 "measured; the figures are illustrations, not facts.\n\n")
    parts = [head]
    for theme, result in results.items():
        parts.append(result.summary_markdown(lang=lang).strip() + "\n")
    return "\n".join(parts)


def run_demo(out: str | os.PathLike[str], *, seed: int = 0, lang: str = "nb",
             progress: ProgressFn | None = None, is_cancelled: CancelFn | None = None) -> RunOutput:
    """Run the whole pipeline on the embedded demo region (see :func:`run`)."""
    check_output_folder(out)  # refuse a bad --out before building the region
    return run(inputs_from_demo(seed=seed, lang=lang), out, lang=lang, progress=progress,
               is_cancelled=is_cancelled)


def run_scenario(scenario: str | os.PathLike[str], out: str | os.PathLike[str], *, lang: str | None = None,
                 progress: ProgressFn | None = None, is_cancelled: CancelFn | None = None) -> RunOutput:
    """Run the pipeline on a scenario file (see :func:`run`)."""
    scenario = load_scenario(scenario)
    check_output_folder(out, inputs=scenario.input_paths())  # refuse a bad --out before reading layers
    return run(inputs_from_scenario(scenario), out, lang=lang, progress=progress, is_cancelled=is_cancelled)
