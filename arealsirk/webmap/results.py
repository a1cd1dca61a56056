"""The web map rebuilt from a saved ``results.gpkg``, and the ``map_summary`` table it reads."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..i18n import check_lang
from .common import LAYER_NAMES, _text, _truthy
from .interactive import write_map


def read_run_info(results_gpkg: str | os.PathLike[str]) -> dict[str, str]:
    """The ``run_info`` key/value table of a results GeoPackage ({} if absent).

    Parameters
    ----------
    results_gpkg
        A ``results.gpkg`` written by ``arealsirk run`` / ``demo``.
    """
    import pyogrio

    from ..io import list_layers

    if "run_info" not in list_layers(results_gpkg):
        return {}
    try:
        df = pyogrio.read_dataframe(results_gpkg, layer="run_info", read_geometry=False)
    except Exception as exc:
        raise InputError(f"{results_gpkg}, layer 'run_info': cannot be read ({exc})") from exc
    if not {"key", "value"} <= set(df.columns):
        raise InputError(
            f"{results_gpkg}, layer 'run_info': needs columns 'key' and 'value', "
            f"has {', '.join(map(str, df.columns))}"
        )
    return {_text(k): _text(v) for k, v in zip(df["key"], df["value"], strict=False)}


def map_from_gpkg(
    results_gpkg: str | os.PathLike[str],
    out_html: str | os.PathLike[str],
    *,
    lang: str = "nb",
    title: str | None = None,
    tiles: str | None = "auto",
) -> Path:
    """Rebuild the web map from a saved ``results.gpkg`` (``arealsirk map RESULTS.gpkg --out map.html``).

    Reads every layer whose name is a result layer (see :data:`LAYER_NAMES`); other
    layers and tables are ignored.  A ``run_info`` table with ``key``/``value`` columns,
    if present, supplies ``synthetic`` (true/false), ``title`` (else ``name``, else the file name)
    and ``attribution``.

    Parameters
    ----------
    results_gpkg
        A ``results.gpkg`` written by ``arealsirk run`` / ``demo`` (never overwritten).
    out_html
        The map to write (one self-contained HTML file).
    lang
        ``"nb"`` or ``"en"``.
    title
        Map title; default from ``run_info``.
    tiles
        As for :func:`arealsirk.webmap.build_map`.

    Returns
    -------
    Path
        ``out_html``.
    """
    from ..errors import MissingFileError
    from ..io import guard_outputs, list_layers, read_layer

    results_gpkg = Path(results_gpkg)
    if not results_gpkg.exists():
        raise MissingFileError(f"{results_gpkg}: file not found")
    check_lang(lang)
    guard_outputs([out_html], [results_gpkg])
    names = list_layers(results_gpkg)
    info = read_run_info(results_gpkg)
    layers = {n: read_layer(results_gpkg, n) for n in names if n in (*LAYER_NAMES, "source_status")}
    panel = _panel_from_gpkg(results_gpkg, names, lang=lang)
    import pyogrio

    by_kommune = {
        n[: -len("_by_kommune")]: pyogrio.read_dataframe(results_gpkg, layer=n, read_geometry=False)
        for n in names
        if n.endswith("_by_kommune")
    }
    if "indicators" in names:  # a run with [cooperation]: the members' cost and CO2 in the popups
        from .summary import with_indicators

        by_kommune = with_indicators(by_kommune, pyogrio.read_dataframe(results_gpkg, layer="indicators",
                                                                         read_geometry=False))
    if not layers:
        raise InputError(
            f"{results_gpkg}: no result layers to map (expected any of {', '.join(LAYER_NAMES)}; "
            f"found {', '.join(names) or 'none'})"
        )
    return write_map(
        layers,
        out_html,
        title=title or info.get("title") or info.get("name") or results_gpkg.stem,
        lang=lang,
        synthetic=_truthy(info.get("synthetic")),
        attribution=info.get("attribution") or None,
        tiles=tiles,
        summary=panel,
        all_synthetic=_truthy(info.get("all_synthetic")),
        kommune_tables=by_kommune,
    )


def summary_table(results: Mapping[str, Any], *, lang: str = "nb", sites: Any = None) -> Any:
    """The summary panel of workflow results as the ``map_summary`` table of ``results.gpkg``.

    ``arealsirk map RESULTS.gpkg`` and ``arealsirk report`` read it back, so they state the
    same sentences and figures as the run's map and summary.md.

    Parameters
    ----------
    results
        Workflow results by theme (``{theme: WorkflowResult}``).
    lang
        ``"nb"`` or ``"en"``.
    sites
        The merged ``selected_sites`` layer (names of the new sites); default each result's own.
    """
    from .summary import panel_from_results, panel_table

    return panel_table(panel_from_results(results, lang=check_lang(lang), sites=sites))


def _panel_from_gpkg(gpkg: Path, names: Sequence[str], *, lang: str) -> list[dict[str, Any]]:
    """The summary panel stored in ``map_summary``; else the headline from ``balance`` or
    ``<theme>_balance``."""
    import pyogrio

    from .summary import panel_from_balance, panel_from_table

    def table(name: str) -> Any:
        try:
            return pyogrio.read_dataframe(gpkg, layer=name, read_geometry=False)
        except Exception as exc:
            raise InputError(f"{gpkg}, layer '{name}': cannot be read ({exc})") from exc

    if "map_summary" in names:
        return panel_from_table(table("map_summary"))
    balances: dict[str, Any] = {}
    for name in names:
        if name == "balance" or (name.endswith("_balance") and not name.endswith("flow_balance")):
            df = table(name)
            if "theme" in df.columns:
                for theme, part in df.groupby(df["theme"].map(_text), sort=False):
                    balances[theme] = part
            else:
                balances[name[: -len("_balance")] or name] = df
    return panel_from_balance(balances, lang=lang)
