"""The ``arealsirk`` command.

Subcommands::

    arealsirk demo [--out DIR] [--seed N] [--lang nb|en]     run everything on the embedded demo region
    arealsirk demo --export-inputs DIR                        write the demo inputs + scenario.toml
    arealsirk run SCENARIO.toml [--out DIR] [--lang nb|en]    run a scenario on your own data
    arealsirk map RESULTS.gpkg --out map.html [--lang nb|en]  rebuild the web map from saved results
    arealsirk region --kommuner 1833,1832 --out DIR           a scenario folder for a region (national data)
    arealsirk defaults [--markdown]                           print the table of default numbers
    arealsirk resources --kommuner 3407,3446 --out DIR        resource streams of kommuner from open data
    arealsirk report RESULTS.gpkg --out rapport.docx [--lang nb|en]  a Word report for the case document

A user-input error (a bad file, layer, column, scenario key or ``--out``, or an
error of the user's file system) prints one line to stderr naming where it is and
exits with status 2; any other error is a bug: one line "internal error ... run
with --debug and report it" and status 1 (``--debug`` shows the traceback).
:func:`arealsirk.errors.user_message` is the one mapping; the QGIS algorithms use
the same function.  A progress bar on stderr shows the stages.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from . import __version__
from .errors import CancelledError, user_message
from .i18n import CLI_WORDS, word

log = logging.getLogger("arealsirk")


class _OneLineParser(argparse.ArgumentParser):
    """Usage errors are one line too (``arealsirk: error: ...``), status 2, like every user error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())} (see {self.prog} --help)\n")


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="arealsirk",
        description="Site biogas plants, reuse centres and circular industrial parks from resource "
                    "sources and road networks.")
    parser.add_argument("--version", action="version", version=f"arealsirk {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what each stage does")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="run the whole pipeline on the embedded synthetic demo region")
    demo.add_argument("--out", type=Path, default=Path("demo-out"), help="output folder (default demo-out)")
    demo.add_argument("--seed", type=_seed, default=0, help="seed of the synthetic region (default 0)")
    demo.add_argument("--lang", choices=("nb", "en"), default="nb", help="language of map and summary")
    demo.add_argument("--export-inputs", type=Path, metavar="DIR",
                      help="only write the demo inputs (inputs.gpkg, dem.tif, scenario.toml) to DIR")

    run = sub.add_parser("run", help="run a scenario file on your own data")
    run.add_argument("scenario", type=Path, help="scenario TOML file")
    run.add_argument("--out", type=Path, default=Path("out"), help="output folder (default out)")
    run.add_argument("--lang", choices=("nb", "en"), default=None, help="override the scenario's language")
    run.add_argument("--strict", action="store_true", default=None,
                     help="unknown kind, facility_type or role values are errors ([scenario] strict = true)")

    fmap = sub.add_parser("map", help="rebuild the web map from a results.gpkg")
    fmap.add_argument("results", type=Path, help="results.gpkg written by demo or run")
    fmap.add_argument("--out", type=Path, default=Path("map.html"), help="HTML file (default map.html)")
    fmap.add_argument("--lang", choices=("nb", "en"), default="nb")

    reg = sub.add_parser("region",
                         help="build a complete scenario folder for a region from national open data")
    which = reg.add_mutually_exclusive_group(required=True)
    which.add_argument("--kommuner", help="comma-separated 2024 kommunenummer, e.g. 1833,1832")
    which.add_argument("--fylke", help="fylkesnummer, e.g. 18")
    which.add_argument("--bundle", help="a region bundle in the data folder, e.g. ringerike_hadeland")
    reg.add_argument("--data", type=Path, default=None, help="national data folder (default ../shared/data)")
    reg.add_argument("--out", type=Path, required=True, help="scenario folder to write")
    reg.add_argument("--zones", type=Path,
                     help="candidate land (polygons with id, name) instead of generated sites")
    reg.add_argument("--existing", type=Path,
                     help="existing facilities (points with id, name, facility_type)")
    reg.add_argument("--grid", choices=("250m", "1km"), default="250m", help="SSB grid (default 250m)")
    reg.add_argument("--lang", choices=("nb", "en"), default="nb", help="language of the region summary")

    _resources_parser(sub)

    _report_parser(sub)
    dflt = sub.add_parser("defaults", help="print the table of default numbers with units and sources")
    dflt.add_argument("--markdown", action="store_true", help="as a Markdown table")
    dflt.add_argument("prefix", nargs="?", default="", help="only keys starting with this")
    return parser


def _resources_parser(sub: Any) -> None:
    """The ``resources`` subcommand: the resource-stream picture of a set of kommuner."""
    from .estimate import STREAMS

    res = sub.add_parser("resources", help="resource streams (manure, food waste, sludge, textiles, people, "
                                           "forest residue) of kommuner from Norwegian open data")
    res.add_argument("--kommuner", required=True, metavar="KNR,KNR,...",
                     help="2024 kommunenummer separated by commas, e.g. 3407,3446,3305")
    res.add_argument("--out", type=Path, required=True, help="output folder")
    res.add_argument("--data", type=Path, default=None,
                     help="folder with the national files (default: $AREALSIRK_DATA or ../shared/data)")
    res.add_argument("--streams", default=",".join(STREAMS), help=f"subset of {','.join(STREAMS)}")
    res.add_argument("--lang", choices=("nb", "en"), default="nb", help="language of the map")
    res.add_argument("--no-map", action="store_true", help="skip the web map")


def _resources(args: argparse.Namespace, bar: _Bar) -> int:
    """Run ``arealsirk resources``: estimate the streams and write the GeoPackage, CSV and map."""
    from .errors import InputError
    from .estimate import estimate_region, write_resources

    numbers = [k.strip() for k in str(args.kommuner).split(",") if k.strip()]
    if not numbers or not all(k.isdigit() and len(k) <= 4 for k in numbers):
        raise InputError(f"--kommuner: expected kommunenummer separated by commas (e.g. 3407,3446); "
                         f"got {args.kommuner!r}")
    streams = [s.strip() for s in str(args.streams).split(",") if s.strip()]
    from ._outputs import check_output_folder
    from .paths import shared_data_dir

    data = args.data if args.data is not None else shared_data_dir()
    check_output_folder(args.out, inputs=[data])  # refuse a bad --out before any work
    estimate = estimate_region(numbers, data=data, streams=streams)
    paths = write_resources(estimate, args.out, lang=args.lang, map_html=not args.no_map, inputs=[data],
                            title=word(CLI_WORDS, "resources.title", args.lang))
    for note in estimate.notes:
        print(f"note: {note}")
    print("wrote " + ", ".join(str(p) for p in paths.values()))
    return 0


class _Bar:
    """tqdm bar driven by overall fractions (0..1)."""

    def __init__(self, enabled: bool) -> None:
        self._enabled = enabled
        self._bar = None

    def __call__(self, fraction: float, message: str) -> None:
        if self._enabled and self._bar is None:  # created on first use: no empty bar on early errors
            from tqdm import tqdm

            self._bar = tqdm(total=100, unit="%", bar_format="{l_bar}{bar}| {n:.0f}% [{elapsed}] {desc}",
                             file=sys.stderr, dynamic_ncols=True)
        if self._bar is not None:
            self._bar.n = round(100 * fraction, 1)
            if message:
                self._bar.set_description_str(message, refresh=False)
            self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        self._enabled = False


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``arealsirk`` console script; returns the exit status.

    The one boundary for errors: a user error (bad input, the user's file system) is one
    line on stderr and status 2; anything else is a bug, one line and status 1 with a hint
    to ``--debug`` (which shows the traceback).  Ctrl-C is status 130.
    """
    args = _parser().parse_args(argv)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("arealsirk: %(levelname)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO if args.verbose else logging.WARNING)
    log.propagate = False
    bar = _Bar(enabled=not args.no_progress and args.command in ("demo", "run", "region") and
               not getattr(args, "export_inputs", None))
    try:
        from tqdm.contrib.logging import logging_redirect_tqdm

        with logging_redirect_tqdm(loggers=[log]):
            return COMMANDS[args.command](args, bar)
    except KeyboardInterrupt:
        bar.close()
        print("arealsirk: interrupted; the previous results are kept", file=sys.stderr)
        return 130
    except Exception as exc:
        bar.close()
        if args.debug:
            raise
        user, message = user_message(exc)
        if user:
            kind = "cancelled" if isinstance(exc, CancelledError) else "error"
            print(f"arealsirk: {kind}: {message}", file=sys.stderr)
            return 2
        print(f"arealsirk: internal error: {message} - this is a bug; run with --debug and report it",
              file=sys.stderr)
        return 1
    finally:
        bar.close()
        log.removeHandler(handler)


def _cmd_demo(args: argparse.Namespace, bar: _Bar) -> int:
    from . import pipeline

    if args.export_inputs:
        from .demo.datasets import demo_region

        path = demo_region(args.seed).export(args.export_inputs)
        print(f"wrote demo inputs and {path}\nrun them with: arealsirk run {path} --out OUT")
        return 0
    start = time.perf_counter()
    result = pipeline.run_demo(args.out, seed=args.seed, lang=args.lang, progress=bar)
    return _wrote(result, bar, start)


def _cmd_run(args: argparse.Namespace, bar: _Bar) -> int:
    from . import pipeline

    start = time.perf_counter()
    result = pipeline.run_scenario(args.scenario, args.out, lang=args.lang, strict=args.strict,
                                   progress=bar)
    return _wrote(result, bar, start)


def _cmd_map(args: argparse.Namespace, bar: _Bar) -> int:
    from ._outputs import check_output_file
    from .webmap import map_from_gpkg

    check_output_file(args.out, inputs=[args.results])
    map_from_gpkg(args.results, args.out, lang=args.lang)
    print(f"wrote {args.out}")
    return 0


def _cmd_defaults(args: argparse.Namespace, bar: _Bar) -> int:
    from . import defaults

    if args.markdown:
        print(defaults.markdown(document=True), end="")
    else:
        for row in defaults.table(args.prefix):
            print(f"{row.key:45s} {row.value:>12g} {row.unit:12s} {row.description}")
    return 0


def _wrote(result: Any, bar: _Bar, start: float) -> int:
    bar.close()
    for line in result.headline:  # the balance first: who and what the answer does not reach
        print(f"arealsirk: {line}", file=sys.stderr)
    elapsed = time.perf_counter() - start
    print(f"wrote {result.results}, {result.map_html} and {result.summary} in {elapsed:.1f} s")
    return 0


def _region(args: argparse.Namespace, bar: _Bar) -> int:
    """``arealsirk region``: build a scenario folder; print the region summary."""
    from .region_builder import build_region

    kommuner = [k for k in args.kommuner.split(",") if k.strip()] if args.kommuner else None
    result = build_region(out=args.out, data=args.data, kommuner=kommuner, fylke=args.fylke,
                          bundle=args.bundle, zones=args.zones, existing=args.existing, grid=args.grid,
                          lang=args.lang, progress=bar)
    bar.close()
    print(result.summary_text)
    print(f"wrote {result.gpkg}, {result.scenario} and {result.summary_path}\n"
          f"run it with: arealsirk run {result.scenario} --out OUT")
    return 0


def _report_parser(sub: Any) -> None:
    rep = sub.add_parser("report",
                         help="write a Word report (.docx) for the case document from a results.gpkg")
    rep.add_argument("results", type=Path, help="results.gpkg written by demo or run")
    rep.add_argument("--out", type=Path, default=Path("rapport.docx"),
                     help="Word file (default rapport.docx)")
    rep.add_argument("--lang", choices=("nb", "en"), default="nb", help="language (default nb)")


def _cmd_report(args: argparse.Namespace, bar: _Bar) -> int:
    """``arealsirk report``: the case-document report of saved results."""
    from ._outputs import check_output_file
    from .report import write_report

    check_output_file(args.out, inputs=[args.results])
    write_report(args.results, args.out, lang=args.lang)
    print(f"wrote {args.out}")
    return 0


#: Subcommand -> handler(args, bar) returning the exit status (one function per subcommand).
COMMANDS: dict[str, Callable[[argparse.Namespace, _Bar], int]] = {
    "demo": _cmd_demo,
    "run": _cmd_run,
    "map": _cmd_map,
    "region": _region,
    "resources": _resources,
    "defaults": _cmd_defaults,
    "report": _cmd_report,
}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
