"""Scenario files: a TOML description of one run (layers, field mapping, parameters).

A scenario says where each input layer is (path + layer name), which column
holds what (field mapping), and the parameters per facility type.  It is
validated before anything runs: an unknown key, a wrong type or a missing
file is one :class:`~arealsirk.errors.ScenarioError` naming the key and the
line.  Paths are relative to the scenario file.

Example (``arealsirk demo --export-inputs DIR`` writes a complete one)::

    [scenario]
    name = "Demoregionen"
    lang = "nb"                 # nb | en: language of the map and summary
    synthetic = true            # the map and summary say the data are synthetic

    [layers]
    kommuner = { path = "inputs.gpkg", layer = "kommuner" }
    roads = { path = "inputs.gpkg", layer = "roads" }
    population = { path = "inputs.gpkg", layer = "population", fields = { population = "pop_tot" } }
    sources = { path = "inputs.gpkg", layer = "sources" }
    zones = { path = "inputs.gpkg", layer = "zones" }
    dem = { path = "dem.tif" }

    [biogas]
    count = 2                   # plants to open (existing ones included)
    max_km = 30

    [reuse]
    count = 3
    max_minutes = 20

    [parameters]                # overrides of the defaults table (arealsirk defaults)
    "resources.methane_nm3_per_t.food_waste" = 95
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cooperation_run import COOPERATION_KEYS
from .errors import MissingFileError, ScenarioError
from .estimate import STREAMS
from .themes import THEMES, Key

__all__ = [
    "LAYER_SPECS",
    "NETWORK_KEYS",
    "RESOURCES_KEYS",
    "RUN_LAYERS",
    "RUN_PARAMETER_KEYS",
    "SCENARIO_KEYS",
    "SECTION_KEYS",
    "LayerRef",
    "Scenario",
    "load_scenario",
    "parse_scenario",
]


@dataclass(frozen=True)
class LayerSpec:
    """What a scenario layer must look like once its fields are mapped."""

    geometry: tuple[str, ...]
    columns: tuple[str, ...] = ()
    numeric: tuple[str, ...] = ()
    id_column: str | None = None
    required: bool = False
    raster: bool = False
    description: str = ""
    #: further columns the library reads when present (a ``fields`` mapping may target these too)
    optional: tuple[str, ...] = ()

    def readable(self) -> tuple[str, ...]:
        """Every column name of this layer the library reads (``fields`` may map only to these)."""
        ids = (self.id_column,) if self.id_column else ()
        return tuple(dict.fromkeys((*self.columns, *self.numeric, *ids, *self.optional)))


_NAMES_OF_FEATURES = ("id", "name", "navn")

#: Every layer a scenario may name, with the canonical columns the library expects.
LAYER_SPECS: dict[str, LayerSpec] = {
    "kommuner": LayerSpec(("polygon",), ("kommunenummer", "kommunenavn"), required=True,
                          description="municipality polygons", optional=("population",)),
    "region": LayerSpec(("polygon",), description="study area outline (default: union of kommuner)",
                        optional=_NAMES_OF_FEATURES),
    "roads": LayerSpec(("line",), required=True, description="road lines (vegkategori and/or speed_kph)",
                       optional=("vegkategori", "speed_kph", "typeVeg", "oneway", "motorvegtype", "vegnummer",
                                 *_NAMES_OF_FEATURES)),
    "population": LayerSpec(("polygon", "point"), numeric=("population",),
                            description="population grid cells or points",
                            optional=("kommunenummer", "id", "ssbid", "ru250m", "ssbid_1000m", "ssbid_250m")),
    "sources": LayerSpec(("point",), ("id", "name", "kind", "unit"), ("quantity",), id_column="id",
                         description="resource sources: kind, quantity, unit",
                         optional=("kommunenummer", "temperature_c")),
    "zones": LayerSpec(("polygon",), ("id", "name"), id_column="id",
                       description="zoned business/industrial land (candidate sites)",
                       optional=("kommunenummer", "area_ha", "zone_type")),
    "existing": LayerSpec(("point",), ("id", "name", "facility_type"), id_column="id",
                          description="existing facilities kept by the models",
                          optional=("capacity_t", "kommunenummer")),
    "flows": LayerSpec(("point",), ("id", "name", "role", "kind", "unit"), ("quantity",), id_column="id",
                       description="firm supplies and demands for symbiosis",
                       optional=("temperature_c", "zone_id", "kommunenummer")),
    "stations": LayerSpec(("point",), description="rail stations", optional=_NAMES_OF_FEATURES),
    "protected": LayerSpec(("polygon",), description="protected areas (excluded)",
                           optional=(*_NAMES_OF_FEATURES, "områdenavn")),
    "lakes": LayerSpec(("polygon",), description="lakes and sea (excluded; water for snapping)",
                       optional=_NAMES_OF_FEATURES),
    "settlements": LayerSpec(("polygon",), description="built-up areas (buffered exclusion)",
                             optional=(*_NAMES_OF_FEATURES, "tettstednavn")),
    "dem": LayerSpec((), raster=True, description="elevation raster (GeoTIFF)"),
}

#: Layers the run itself uses, whatever themes are enabled (the others belong to themes).
RUN_LAYERS: dict[str, str] = {
    "kommuner": "per-kommune tables, the study area and the land the network may snap over",
    "roads": "the road network",
    "region": "the study area: people and sources outside it are left out and reported as outside_region",
    "protected": "exclusion: candidates inside a protected area are removed",
    "lakes": ("exclusion: candidates inside a lake or the sea are removed; also water no point is snapped "
              "across"),
    "dem": "exclusion: candidates steeper than the slope limit are removed",
}

#: Layers some programs write that no part of a run reads: refused with this reason.
_UNUSED_LAYERS = {"towns": "towns are not drawn or used by any theme",
                  "rail": "rail lines are not used (rail access is measured to 'stations')"}

#: ``[scenario]`` keys.
SCENARIO_KEYS: tuple[Key, ...] = (
    Key("name", "str", "name of the run (summary, map title); default: the file name"),
    Key("lang", "str", "language of the map and summary", default="nb", choices=("nb", "en")),
    Key("synthetic", "bool", "the map and summary say the data are synthetic", default=False),
    Key("description", "str", "free text about the run, written to the run_info table of results.gpkg"),
    Key("strict", "bool", "unknown kind, facility_type or role values are errors instead of warnings "
        "(also `arealsirk run --strict`)", default=False),
)

#: ``[network]`` keys.  ``max_snap_m`` and ``snap_speed_kph`` set the defaults-table rows of the
#: same name for this run (so they are also reachable as ``[parameters] network.*``, but not both).
NETWORK_KEYS: tuple[Key, ...] = (
    Key("ferries", "bool", "route over the road layer's ferry links (typeVeg bilferje) at "
        "network.ferry_speed_kph plus network.ferry_wait_min (it matters only where the layer has them)",
        default=True),
    Key("parts", "str", "all: keep every part of the road network and route within each (people on a "
        "part with no site are reported unreachable); largest: keep only the largest connected part",
        default="all", choices=("all", "largest")),
    Key("max_snap_m", "float", "a point farther than this from any road is reported unreachable, never "
        "snapped", default_key="network.max_snap_m", minimum=0, exclusive_minimum=True, maximum=100_000),
    Key("snap_speed_kph", "float", "speed of the access leg from a point to its nearest road node",
        default_key="network.snap_speed_kph", minimum=0, exclusive_minimum=True, maximum=130),
)

#: ``[resources]`` keys: the run's ``sources`` layer is estimated from the national open files
#: (:func:`arealsirk.estimate.estimate_region` for the kommunenummer of the ``kommuner`` layer, then
#: :func:`arealsirk.estimate.aggregate_sources`) instead of read from a ``sources`` layer.
RESOURCES_KEYS: tuple[Key, ...] = (
    Key("data", "str", "folder with the national open files the estimate reads (N1000, SSB grid, "
        "livestock register, Matrikkel addresses), relative to the scenario file; default: the shared "
        "data folder ($AREALSIRK_DATA or ../shared/data)"),
    Key("streams", "list", "resource streams to estimate; each must be read by an enabled theme (manure, "
        "food_waste, sewage_sludge: biogas; forest_residue: bioenergy; textiles: textiles); default: "
        "every stream the enabled themes read", choices=STREAMS),
)

#: Defaults-table rows the estimate reads when ``[resources]`` is given (besides the themes' own).
RESOURCES_PARAMETER_PREFIXES = ("resources.", "region.coast_assign_m")

#: Defaults-table rows the run itself reads (not a theme), with the layer they need (None: always).
RUN_PARAMETER_KEYS: dict[str, str | None] = {
    "network.": None,
    "webmap.": None,
    "suitability.buffer_protected_m": "protected",
    "suitability.buffer_water_m": "lakes",
    "suitability.buffer_settlement_m": "settlements",
    "suitability.max_slope_pct": "dem",
}

#: Defaults-table prefixes under which a scenario may add a row the table lacks (a new kind).
#: [parameters] key prefixes open to any resource kind (declared by the user, not by the table)
OPEN_PREFIXES = ("resources.methane_nm3_per_t.", "resources.payload_t.", "symbiosis.value_nok_per_unit.")

#: Rows no run reads from a scenario, and why (they are refused).
_NOT_RUN_PREFIXES = {
    "crs.": "the analysis CRS is fixed (EPSG:25833)",
    "demo.": "it shapes the embedded demo region only (arealsirk demo)",
    "locate.": "solver tuning is read from the defaults table, not from a scenario",
    "readers.": "it is used by the data readers (arealsirk.readers), not by a run",
}

_NAMES = {"str": "string", "int": "integer", "float": "number", "bool": "true or false",
          "list": "list of strings"}

#: Allowed keys per section and their types (from the declarations; kept for callers).
SECTION_KEYS: dict[str, dict[str, str]] = {
    "scenario": {k.name: k.type for k in SCENARIO_KEYS},
    "network": {k.name: k.type for k in NETWORK_KEYS},
    "resources": {k.name: k.type for k in RESOURCES_KEYS},
    "cooperation": {k.name: k.type for k in COOPERATION_KEYS},
    **{t.name: {k.name: k.type for k in t.keys} for t in THEMES.values()},
}


@dataclass(frozen=True)
class LayerRef:
    """Where one input layer is: a file, a layer name in it, and a field mapping.

    Attributes
    ----------
    name
        The scenario layer name (a key of :data:`LAYER_SPECS`: ``"sources"``, ``"roads"``, ...).
    path
        The file, resolved against the scenario file's folder; it exists when the scenario is parsed.
    layer
        Layer name inside the file; ``None`` (default) when the file holds one layer (or is a raster).
    fields
        Canonical column name -> the file's column name (``{"population": "pop_tot"}``); only columns
        the library reads from this layer may be mapped. Default ``{}``.
    where
        OGR SQL filter applied while reading (``kommunenummer IN ('1833')``); ``None`` (default) for
        none. Not for rasters.
    clip
        ``True``: keep only features in the study area (roads: plus ``region.road_margin_km``).
        Default ``False``; not for rasters, ``kommuner`` or ``region``.
    """

    name: str
    path: Path
    layer: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    where: str | None = None  #: OGR SQL filter applied while reading
    clip: bool = False  #: keep only features in the study area (roads: plus region.road_margin_km)


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: layer references, per-theme options and default overrides.

    ``themes`` holds every theme section present (with ``enabled``); ``enabled`` lists the themes
    that run, in :data:`~arealsirk.themes.THEMES` order; ``network`` the ``[network]`` keys given;
    ``resources`` the ``[resources]`` section (the ``sources`` layer is then estimated);
    ``parameters`` the defaults-table overrides (``[network] max_snap_m`` and ``snap_speed_kph``
    included under their ``network.*`` rows).

    Attributes
    ----------
    path
        The scenario file, or ``None`` for a scenario parsed from a mapping without one.
    name
        Name of the run (summary, map title): ``[scenario] name``, else the file's stem, else
        ``"scenario"``.
    lang
        Language of the map and summary, ``"nb"`` (default) or ``"en"``.
    synthetic
        ``True``: the map and summary say the data are synthetic.
    layers
        Scenario layer name -> :class:`LayerRef`; only layers the run or an enabled theme reads.
    themes
        Theme name -> its section's keys as given (``enabled`` included), for every theme section
        present, enabled or not.
    parameters
        Defaults-table key -> number, from ``[parameters]`` plus ``[network] max_snap_m`` and
        ``snap_speed_kph`` under their ``network.*`` rows (a theme key stays in ``themes``; giving it
        also as its defaults row is refused).
    network
        The ``[network]`` keys given (``ferries``, ``parts``, ``max_snap_m``, ``snap_speed_kph``);
        default ``{}`` (every key at its default).
    enabled
        The themes that run, in :data:`~arealsirk.themes.THEMES` order; default ``()``.
    strict
        ``True``: unknown ``kind``, ``facility_type`` or ``role`` values are errors instead of
        warnings. Default ``False``.
    description
        Free text about the run, written to the ``run_info`` table of ``results.gpkg``; default ``""``.
    resources
        The ``[resources]`` section when given: ``data`` (resolved folder, or ``None`` for the shared
        data folder) and ``streams`` (tuple); ``None`` (default) when the run reads a ``sources``
        layer instead.
    cooperation
        The ``[cooperation]`` keys (``group_by`` and the others of
        :data:`arealsirk.cooperation_run.COOPERATION_KEYS`); default ``{}``: no grouping.
    """

    path: Path | None
    name: str
    lang: str
    synthetic: bool
    layers: dict[str, LayerRef]
    themes: dict[str, dict[str, Any]]
    parameters: dict[str, float]
    network: dict[str, Any] = field(default_factory=dict)
    enabled: tuple[str, ...] = ()
    strict: bool = False
    description: str = ""
    #: ``[resources]`` when given: ``data`` (resolved folder, or None for the shared data folder) and
    #: ``streams`` (tuple); None when the run reads a ``sources`` layer instead
    resources: dict[str, Any] | None = None
    #: the ``[cooperation]`` keys (empty: no grouping; see :mod:`arealsirk.cooperation_run`)
    cooperation: dict[str, Any] = field(default_factory=dict)

    def input_paths(self) -> list[Path]:
        """Every input file, so outputs can be refused when they would overwrite one."""
        return [ref.path for ref in self.layers.values()] + ([self.path] if self.path else [])


def _line_of(text: str, section: str, key: str | None = None) -> int | None:
    """1-based line number of ``key`` inside ``[section]`` (or of the section header).

    Also finds ``[section.key]`` sub-table headers and a top-level ``section = ...`` line.
    """
    current = ""
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        header = re.match(r"^\[+([^\]]+)\]+", line)
        if header:
            current = header.group(1).strip().strip('"')
            if (current == section and key is None) or (key is not None and current == f"{section}.{key}"):
                return n
            continue
        m = re.match(r'^("?)([^"=]+)\1\s*=', line)
        if not m:
            continue
        name = m.group(2).strip()
        if current == section and key is not None and name == key:
            return n
        if current == "" and key is None and name == section:
            return n
    return None


def _err(path: Path | None, text: str, section: str, key: str | None, message: str) -> ScenarioError:
    line = _line_of(text, section, key)
    where_ = str(path) if path else "scenario"
    at = f", line {line}" if line else ""
    name = f"[{section}] {key}" if key else f"[{section}]"
    return ScenarioError(f"{where_}{at}: {name}: {message}")


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a scenario file.

    Parameters
    ----------
    path
        The ``.toml`` file: UTF-8, or UTF-8/16/32 with a byte-order mark. Layer paths and
        ``[resources] data`` in it are relative to its folder.

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    MissingFileError
        The scenario, or a layer file it names, does not exist.
    ScenarioError
        TOML syntax errors, unknown sections or keys, wrong types or values,
        unknown default keys in ``[parameters]`` -- naming the key and line.
    """
    path = Path(path)
    text = read_scenario_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML ({exc})") from None
    return parse_scenario(data, text=text, path=path)


def read_scenario_text(path: Path) -> str:
    """The text of a scenario file: UTF-8 (TOML's encoding), or UTF-8/16/32 with a byte-order mark.

    Any other encoding (Latin-1, UTF-16 without a byte-order mark) is refused naming the line
    and column of the first byte that is not UTF-8, rather than guessed.
    """
    if not path.exists():
        raise MissingFileError(f"{path}: scenario file not found")
    if path.is_dir():
        raise ScenarioError(f"{path}: is a folder, not a scenario file; name the .toml file inside it")
    raw = path.read_bytes()
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"),
                       (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if raw.startswith(bom):
            try:
                return raw.decode(codec)
            except UnicodeDecodeError as exc:
                raise ScenarioError(f"{path}: starts with a {codec.upper()} byte-order mark but is not "
                                    f"valid {codec.upper()} ({exc.reason} at byte {exc.start})") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        hint = ("it looks like UTF-16 without a byte-order mark" if b"\x00" in raw[:200]
                else "it looks like Latin-1 or Windows-1252")
        raise ScenarioError(f"{path}, line {line}, column {col}: not UTF-8 text (byte "
                            f"0x{raw[exc.start]:02x}); {hint} - save the scenario as UTF-8") from None


class _Ctx:
    """The file being validated: raises errors naming it, the key and the line."""

    def __init__(self, path: Path | None, text: str) -> None:
        self.path, self.text = path, text

    def error(self, section: str, key: str | None, message: str) -> ScenarioError:
        return _err(self.path, self.text, section, key, message)


def _bounds(key: Key) -> str:
    lo = "" if key.minimum is None else f"{'>' if key.exclusive_minimum else '>='} {key.minimum:g}"
    hi = "" if key.maximum is None else f"<= {key.maximum:g}"
    return " and ".join(b for b in (lo, hi) if b)


def _check_number(value: float, *, allow_negative: bool = False) -> str | None:
    """Why a number is not acceptable anywhere: not finite, negative, beyond ``validate.max_number``."""
    from ._validate import max_number

    if not math.isfinite(value):
        return f"must be finite, got {value!r}"
    if value < 0 and not allow_negative:
        return f"must be >= 0, got {value!r}"
    if abs(value) > max_number():
        return f"must lie within 0 .. {max_number():g} (validate.max_number), got {value!r}"
    return None


def check_value(key: Key, value: Any) -> str | None:
    """Why ``value`` is not a valid value of ``key`` (type, finiteness, bounds, choices), or None."""
    kind = key.type
    ok_type = {"str": isinstance(value, str), "bool": isinstance(value, bool),
               "int": isinstance(value, int) and not isinstance(value, bool),
               "float": isinstance(value, int | float) and not isinstance(value, bool),
               "list": isinstance(value, list) and all(isinstance(v, str) for v in value)}[kind]
    if not ok_type:
        return f"must be {_NAMES[kind] if kind == 'list' else kind}, got {type(value).__name__} {value!r}"
    if kind == "list":
        if not value:
            return "must name at least one value" + (f" of {', '.join(key.choices)}" if key.choices else "")
        if len(set(value)) < len(value):
            return f"names a value twice: {value!r}"
        bad = [v for v in value if key.choices and v not in key.choices]
        if bad:
            return f"unknown value {bad[0]!r}; allowed: {', '.join(key.choices)}"
        return None
    if kind in ("int", "float"):
        general = _check_number(value, allow_negative=key.minimum is None or key.minimum < 0)
        if general:
            return general + (f" (allowed: {_bounds(key)})" if _bounds(key) else "")
        too_low = key.minimum is not None and (value < key.minimum or (key.exclusive_minimum
                                               and value <= key.minimum))
        too_high = key.maximum is not None and value > key.maximum
        if too_low or too_high:
            return f"must be {_bounds(key)}, got {value!r}"
    if key.choices and value not in key.choices:
        return f"must be one of {', '.join(key.choices)}, got {value!r}"
    return None


def _check_section(ctx: _Ctx, section: str, values: Any, keys: tuple[Key, ...]) -> dict[str, Any]:
    if not isinstance(values, dict):
        raise ctx.error(section, None, f"must be a table ([{section}] followed by key = value lines), "
                        f"got {type(values).__name__} {values!r}")
    by_name = {k.name: k for k in keys}
    for name, value in values.items():
        key = by_name.get(name)
        if key is None:
            raise ctx.error(section, name, f"unknown key; allowed: {', '.join(sorted(by_name))}")
        problem = check_value(key, value)
        if problem:
            raise ctx.error(section, name, problem)
    return dict(values)


def parse_scenario(data: dict[str, Any], *, text: str = "", path: Path | None = None) -> Scenario:
    """Validate an already-parsed scenario mapping (see :func:`load_scenario`).

    Parameters
    ----------
    data
        The TOML document as a mapping (``tomllib.loads``): section name -> table.
    text
        The TOML text ``data`` came from, used only to give line numbers in error messages; default
        ``""`` (messages then name section and key without a line).
    path
        The scenario file, the base for relative layer paths and named in messages; ``None``
        (default): paths are relative to the current folder and the messages say ``scenario``.

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    ScenarioError
        Unknown sections, keys or values, wrong types, layers no enabled theme reads, parameters no
        enabled theme reads -- naming the section, key and line.
    MissingFileError
        A layer file or the ``[resources] data`` folder does not exist.
    """
    ctx = _Ctx(path, text)
    known = ("scenario", "layers", "network", "resources", "parameters", "cooperation", *THEMES)
    for section in data:
        if section not in known:
            raise ctx.error(section, None, f"unknown section; allowed: {', '.join(known)}")
    meta = _check_section(ctx, "scenario", data.get("scenario", {}), SCENARIO_KEYS)
    network = _check_section(ctx, "network", data.get("network", {}), NETWORK_KEYS)
    cooperation = _check_section(ctx, "cooperation", data.get("cooperation", {}), COOPERATION_KEYS)
    if "cooperation" in data and "group_by" not in cooperation:
        raise ctx.error("cooperation", None, "group_by is required (a column of the kommuner layer, e.g. "
                        "region, or kommunenummer)")
    themes = {name: _check_section(ctx, name, data[name], t.keys) for name, t in THEMES.items()
              if name in data}
    enabled = tuple(name for name in THEMES if name in themes and themes[name].get("enabled", True))
    raw_layers = data.get("layers", {})
    if not isinstance(raw_layers, dict):
        raise ctx.error("layers", None, f"must be a table of layers, got {type(raw_layers).__name__} "
                        f"{raw_layers!r}")
    for name, spec in LAYER_SPECS.items():
        if spec.required and name not in raw_layers:
            raise ctx.error("layers", None, f"layer '{name}' is required ({spec.description})")
    if not enabled:
        raise ctx.error("scenario", None, "no theme is enabled; add a section such as [biogas] or "
                        f"[reuse] (themes: {', '.join(THEMES)})")
    for name, values in themes.items():
        unused = [k for k in values if k != "enabled"]
        if name not in enabled and unused:
            raise ctx.error(name, unused[0], f"theme {name} is not enabled (enabled = false), so this key "
                            "would not be used; remove it or enable the theme")
    resources = None
    if "resources" in data:
        resources = _parse_resources(ctx, data["resources"], raw_layers, enabled)
    layers = _parse_layers(ctx, raw_layers, enabled, provided=("sources",) if resources is not None else ())
    parameters = _parse_parameters(ctx, data.get("parameters", {}), enabled, layers,
                                   resources=resources is not None)
    _merge_sugar(ctx, parameters, themes, network, enabled)
    return Scenario(path=path, name=meta.get("name", path.stem if path else "scenario"),
                    lang=meta.get("lang", "nb"), synthetic=bool(meta.get("synthetic", False)),
                    layers=layers, themes=themes, parameters=parameters, network=network,
                    enabled=enabled, strict=bool(meta.get("strict", False)),
                    description=meta.get("description", ""), resources=resources,
                    cooperation=cooperation)


def _parse_resources(ctx: _Ctx, raw: Any, raw_layers: Mapping[str, Any],
                     enabled: tuple[str, ...]) -> dict[str, Any]:
    """``[resources]``: every key used or refused; refused together with a ``sources`` layer."""
    values = _check_section(ctx, "resources", raw, RESOURCES_KEYS)
    if "sources" in raw_layers:
        raise ctx.error("resources", None, "the sources would come both from [resources] and from the "
                        "'sources' layer; give one of them (remove the layer or the section)")
    read_by = {s: t for t in enabled for s in THEMES[t].extra.get("resource_streams", ())}
    if not read_by:
        readers = [t.name for t in THEMES.values() if t.extra.get("resource_streams")]
        raise ctx.error("resources", None, "no enabled theme reads resource sources (those that do: "
                        f"{', '.join(readers)}), so the estimate would not be used; enable one or remove it")
    for stream in values.get("streams", ()):
        if stream not in read_by:
            who = [t.name for t in THEMES.values() if stream in t.extra.get("resource_streams", ())]
            why = f"read by {', '.join(who)}, not enabled" if who else "no theme reads it from sources"
            raise ctx.error("resources", "streams", f"stream '{stream}' would not be used ({why}); "
                            f"the enabled themes read: {', '.join(s for s in STREAMS if s in read_by)}")
    streams = tuple(values.get("streams", [s for s in STREAMS if s in read_by]))
    folder = None
    if "data" in values:
        base = ctx.path.parent if ctx.path else Path.cwd()
        folder = Path(values["data"]).expanduser()
        folder = folder if folder.is_absolute() else (base / folder).resolve()
        if not folder.is_dir():
            line = _line_of(ctx.text, "resources", "data") or "?"
            raise MissingFileError(f"{ctx.path or 'scenario'}, line {line}: [resources] data: "
                                   f"folder not found: {folder}")
    return {"data": folder, "streams": streams}


def _layer_users(name: str, enabled: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(enabled themes that read layer ``name``, all themes that could)."""
    users = [t.name for t in THEMES.values() if name in t.layer_names]
    return [u for u in users if u in enabled], users


def _parse_layers(ctx: _Ctx, raw: Any, enabled: tuple[str, ...], *,
                  provided: tuple[str, ...] = ()) -> dict[str, LayerRef]:
    base = ctx.path.parent if ctx.path else Path.cwd()
    for theme in enabled:
        for use in THEMES[theme].layers:
            if use.required and use.layer not in raw and use.layer not in provided:
                raise ctx.error(theme, None, f"theme '{theme}' needs the layer '{use.layer}' ({use.role}); "
                                "add it under [layers] or set enabled = false")
    layers: dict[str, LayerRef] = {}
    for name, ref in raw.items():
        if name in _UNUSED_LAYERS:
            raise ctx.error("layers", name, f"not used by arealsirk run ({_UNUSED_LAYERS[name]}); remove it")
        if name not in LAYER_SPECS:
            raise ctx.error("layers", name, f"unknown layer; allowed: {', '.join(LAYER_SPECS)}")
        active, users = _layer_users(name, enabled)
        if name not in RUN_LAYERS and not active:
            raise ctx.error("layers", name, f"not used by any enabled theme (used by: {', '.join(users)}); "
                            "enable one of them or remove the layer")
        layers[name] = _layer_ref(ctx, base, name, ref)
    return layers


def _layer_ref(ctx: _Ctx, base: Path, name: str, ref: Any) -> LayerRef:  # noqa: C901
    if isinstance(ref, str):
        ref = {"path": ref}
    if not isinstance(ref, dict) or "path" not in ref:
        raise ctx.error("layers", name, 'must be { path = "...", layer = "..." }')
    extra = set(ref) - {"path", "layer", "fields", "where", "clip"}
    if extra:
        raise ctx.error("layers", name, f"unknown key '{sorted(extra)[0]}'; "
                        "allowed: path, layer, fields, where, clip")
    if "where" in ref and (not isinstance(ref["where"], str) or not ref["where"].strip()):
        raise ctx.error("layers", name, f"where must be an SQL condition as text, got {ref['where']!r}")
    if "clip" in ref and not isinstance(ref["clip"], bool):
        raise ctx.error("layers", name, f"clip must be true or false, got {ref['clip']!r}")
    if ("where" in ref or ref.get("clip")) and LAYER_SPECS[name].raster:
        raise ctx.error("layers", name, "a raster takes no where or clip; it is read by window")
    if ref.get("clip") and name in ("kommuner", "region"):
        raise ctx.error("layers", name, f"clip = true clips to the study area, which {name} defines; "
                        "use where = ... to choose the kommuner")
    if not isinstance(ref["path"], str) or not ref["path"].strip():
        raise ctx.error("layers", name, f"path must be text naming a file, got {ref['path']!r}")
    if "layer" in ref and not isinstance(ref["layer"], str):
        raise ctx.error("layers", name, f"layer name must be text, got {ref['layer']!r}")
    fields = ref.get("fields", {})
    if not isinstance(fields, dict) or not all(isinstance(v, str) for v in fields.values()):
        raise ctx.error("layers", name, 'fields must map names to column names: { quantity = "tonn" }')
    spec = LAYER_SPECS[name]
    if fields and spec.raster:
        raise ctx.error("layers", name, "a raster has no fields; remove fields = ...")
    unread = [k for k in fields if k not in spec.readable()]
    if unread:
        raise ctx.error("layers", name, f"fields: '{unread[0]}' is not a column arealsirk reads from {name}, "
                        f"so the mapping would do nothing; it reads: {', '.join(spec.readable())}")
    file = Path(ref["path"]).expanduser()
    file = file if file.is_absolute() else (base / file).resolve()
    if not file.exists():
        line = _line_of(ctx.text, "layers", name) or "?"
        raise MissingFileError(f"{ctx.path or 'scenario'}, line {line}: [layers] {name}: "
                               f"file not found: {file}")
    if LAYER_SPECS[name].raster and "layer" in ref:
        raise ctx.error("layers", name, "a raster has no layers; remove layer = ...")
    if file.suffix.lower() == ".csv":
        if name != "population":
            raise ctx.error("layers", name, "a CSV file is read only as an SSB population grid (population); "
                            "give a GeoPackage, GeoJSON or other vector file")
        if "where" in ref or "layer" in ref:
            raise ctx.error("layers", name, "an SSB grid CSV takes no where or layer; use clip = true")
    return LayerRef(name, file, ref.get("layer"), dict(fields), where=ref.get("where"),
                    clip=bool(ref.get("clip", False)))


def _flatten(raw: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"biogas": {"max_km": 5}}`` (unquoted dotted keys) -> ``{"biogas.max_km": 5}``."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, full + "."))
        else:
            out[full] = value
    return out


def _parameter_owner(key: str, enabled: tuple[str, ...], layers: Mapping[str, Any], *,
                     resources: bool = False) -> str | None:
    """Why ``key`` would not reach this run, or None when it does (``resources``: the run estimates
    its sources, so the estimate's rows are read)."""
    if resources and key.startswith(RESOURCES_PARAMETER_PREFIXES):
        return None
    for run_key, layer in RUN_PARAMETER_KEYS.items():
        if key == run_key or (run_key.endswith(".") and key.startswith(run_key)):
            if layer is None or layer in layers:
                return None
            return f"it is used only with the '{layer}' layer, which this scenario does not give"
    owners = [t.name for t in THEMES.values() if any(key.startswith(p) for p in t.parameter_prefixes)]
    if any(o in enabled for o in owners):
        return None
    if owners:
        return (f"theme {' / '.join(owners)} is not enabled in this run, so the value would not be used; "
                "remove it or enable the theme")
    reason = next((why for p, why in _NOT_RUN_PREFIXES.items() if key.startswith(p)),
                  "no part of a run reads it")
    return f"not used by arealsirk run ({reason}); remove it"


def _parse_parameters(ctx: _Ctx, raw: Any, enabled: tuple[str, ...],
                      layers: Mapping[str, Any], *, resources: bool = False) -> dict[str, float]:
    from .defaults import table

    if not isinstance(raw, dict):
        raise ctx.error("parameters", None, f"must be a table, got {type(raw).__name__} {raw!r}")
    known = {row.key for row in table()}
    parameters: dict[str, float] = {}
    for key, value in _flatten(raw).items():
        if key not in known and not key.startswith(OPEN_PREFIXES):
            near = sorted(k for k in known if k.split(".")[0] == key.split(".")[0])[:6]
            raise ctx.error("parameters", key, "not a key of the defaults table (run `arealsirk defaults`)"
                            + (f"; similar: {', '.join(near)}" if near else ""))
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ctx.error("parameters", key, f"must be a number, got {value!r}")
        problem = _check_number(value)
        if problem:
            raise ctx.error("parameters", key, problem)
        why = _parameter_owner(key, enabled, layers, resources=resources)
        if why:
            raise ctx.error("parameters", key, why)
        parameters[key] = float(value)
    return parameters


def _merge_sugar(ctx: _Ctx, parameters: dict[str, float], themes: Mapping[str, Mapping[str, Any]],
                 network: Mapping[str, Any], enabled: tuple[str, ...]) -> None:
    """Refuse a value given twice (a section key and its defaults row); fold [network] rows in."""
    for name in enabled:
        for key in THEMES[name].keys:
            if key.name in themes[name] and key.default_key and key.default_key in parameters:
                raise ctx.error(name, key.name, f"also set as [parameters] {key.default_key}; "
                                "give it in one place only")
    for key in NETWORK_KEYS:
        if key.name in network and key.default_key:
            if key.default_key in parameters:
                raise ctx.error("network", key.name, f"also set as [parameters] {key.default_key}; "
                                "give it in one place only")
            parameters[key.default_key] = float(network[key.name])


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def _default_text(key: Key) -> str:
    from .defaults import table

    if key.default_key:
        row = next((r for r in table() if r.key == key.default_key), None)
        value = f"{row.value:g} {row.unit}".strip() if row else "?"
        return f"`{key.default_key}` ({value})"
    if key.default is None:
        return "-"
    return f"`{str(key.default).lower() if isinstance(key.default, bool) else key.default}`"


def _key_table(keys: tuple[Key, ...]) -> list[str]:
    lines = ["| key | type | allowed | default | description |", "|---|---|---|---|---|"]
    for key in keys:
        allowed = ", ".join(f"`{c}`" for c in key.choices) if key.choices else _bounds(key) or "-"
        lines.append(f"| `{key.name}` | {key.type} | {_md(allowed)} | {_default_text(key)} | "
                     f"{_md(key.description)} |")
    return lines


def markdown() -> str:
    """``docs/scenario.md``: every section, key, layer and parameter rule, from the declarations.

    Regenerate with ``python -m arealsirk.scenario > docs/scenario.md``; a test checks the page
    does not drift from the registry.
    """
    out = ["# Scenario files", "",
           "A scenario is a TOML file that says which layers to read, which themes to run and how "
           "(`arealsirk run SCENARIO.toml`). Every key and every layer is either used by the run or "
           "refused with a message naming it and its line. This page is generated from the theme "
           "registry (`arealsirk/themes.py`) and `arealsirk/scenario.py`; regenerate it with "
           "`python -m arealsirk.scenario > docs/scenario.md`.", "",
           "Sections: " + ", ".join(f"`[{s}]`" for s in ("scenario", "layers", "network", "resources",
                                                        "parameters", "cooperation", *THEMES)) + ".",
           "A theme runs when its section is present (`enabled` defaults to true); keys of a theme "
           "with `enabled = false` are refused, as is a scenario with no theme enabled. Numbers must "
           "be finite and within the bounds below. Defaults written as `row` come from the defaults "
           "table ([defaults.md](defaults.md)); a key and its row may not both be given.", "",
           "## `[scenario]`", "", *_key_table(SCENARIO_KEYS), "",
           "## `[layers]`", "",
           'Each layer is `name = { path = "file", layer = "layer in the file", fields = { library_name = '
           '"your column" } }` (or just `name = "file"`). Paths are relative to the scenario file. A layer '
           "that neither the run nor an enabled theme reads is refused, and so is a `fields` entry naming "
           "a column the library does not read from that layer.", "",
           "National files are read as they are downloaded: `where = \"kommunenummer IN ('1833', '1832')\"` "
           "filters a layer while it is read (OGR SQL), `clip = true` keeps only the features in the study "
           "area (the `region` layer, else the kommuner; roads within `region.road_margin_km` of it, so "
           "routes that leave and re-enter are kept; grid cells by their centre), and `population` may be "
           "an SSB grid CSV (`ru250m_2015.csv`; the cell size comes from the id column).", "",
           "| layer | geometry | columns | used by | description |", "|---|---|---|---|---|"]
    for name, spec in LAYER_SPECS.items():
        users = [t for t in THEMES.values() if name in t.layer_names]
        used = ("the run: " + RUN_LAYERS[name]) if name in RUN_LAYERS else ", ".join(
            f"{t.name}" + (" (required)" if any(u.required for u in t.layers if u.layer == name) else "")
            for t in users)
        geometry = "raster" if spec.raster else ", ".join(spec.geometry)
        columns = ", ".join(f"`{c}`" for c in (*spec.columns, *spec.numeric)) or "-"
        if spec.optional:
            columns += "; read when present: " + ", ".join(f"`{c}`" for c in spec.optional)
        out.append(f"| `{name}`{' (required)' if spec.required else ''} | {geometry} | {columns} | "
                   f"{_md(used)} | {_md(spec.description)} |")
    refused = "; ".join(f"`{k}` ({v})" for k, v in _UNUSED_LAYERS.items())
    out += ["", f"Refused by name: {refused}.", "",
            "## `[network]`", "", *_key_table(NETWORK_KEYS), "",
            "## `[resources]`", "",
            "When present, the run's `sources` layer is estimated from the national open files "
            "(`arealsirk.estimate.estimate_region` for the `kommunenummer` of the `kommuner` layer, summed "
            "per kind and cell by `arealsirk.estimate.aggregate_sources`; the same figures as `arealsirk "
            "resources`) instead of read from a file; results.gpkg then also holds the estimate's table "
            "`resources_by_kommune` (t, t DM, Nm³ CH₄, GWh per kommune and kind) and summary.md its notes. "
            "Refused together with a `sources` layer, and when no "
            "enabled theme reads sources. With it, `[parameters]` may also set the estimate's rows "
            + ", ".join(f"`{p}*`" if p.endswith(".") else f"`{p}`" for p in RESOURCES_PARAMETER_PREFIXES)
            + " (e.g. `resources.aggregate_cell_m`).", "",
            *_key_table(RESOURCES_KEYS), "",
            "## `[cooperation]`", "",
            "Optional. With a grouping of the kommuner the run also writes `indicators.csv`/`.xlsx` "
            "(appended to the previous run's), `cost_sharing.csv`, `coalitions.csv` and `cooperation.md` "
            "([cooperation.md](cooperation.md)); `group_by` is required.", "",
            *_key_table(COOPERATION_KEYS), "",
            "## `[parameters]`", "",
            "Overrides of rows of the defaults table for this run, e.g. `\"reuse.max_minutes\" = 25` "
            "(quoted or dotted keys). A row is accepted only when the run reads it:", "",
            "- the run itself: " + ", ".join(
                f"`{k}*`" if k.endswith(".") else f"`{k}` (with the `{v}` layer)"
                for k, v in RUN_PARAMETER_KEYS.items()) + ";",
            "- an enabled theme: the prefixes listed under each theme below;",
            "- refused: " + "; ".join(f"`{k}*` ({v})" for k, v in _NOT_RUN_PREFIXES.items()) + ".",
            "", "Values must be finite numbers between 0 and `validate.max_number`. New resource kinds may "
            "be declared under " + ", ".join(f"`{p}<kind>`" for p in OPEN_PREFIXES) + ".", ""]
    for theme in THEMES.values():
        layers = ", ".join(f"`{u.layer}`" + (" (required)" if u.required else "") for u in theme.layers)
        out += [f"## `[{theme.name}]`: {theme.title[0]}", "",
                f"Facility type `{theme.facility_type}`; QGIS algorithm `arealsirk:{theme.qgis_algorithm}`; "
                f"layers {layers}; existing facilities kept: "
                + (", ".join(f"`{t}`" for t in theme.existing_types) if theme.uses_existing else "none")
                + f"; parameter prefixes {', '.join(f'`{p}*`' for p in theme.parameter_prefixes)}; "
                f"writes {', '.join(f'`{o}`' for o in theme.outputs)}; "
                + ("run by the demo scenario." if theme.in_demo else "not in the demo scenario."), "",
                *_key_table(theme.keys), ""]
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover
    print(markdown(), end="")
