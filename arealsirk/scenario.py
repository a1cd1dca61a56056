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

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import MissingFileError, ScenarioError

__all__ = ["Scenario", "LayerRef", "load_scenario", "LAYER_SPECS", "SECTION_KEYS", "demo_scenario_text"]


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


#: Every layer a scenario may name, with the canonical columns the library expects.
LAYER_SPECS: dict[str, LayerSpec] = {
    "kommuner": LayerSpec(("polygon",), ("kommunenummer", "kommunenavn"), required=True,
                          description="municipality polygons"),
    "region": LayerSpec(("polygon",), description="study area outline (default: union of kommuner)"),
    "roads": LayerSpec(("line",), required=True, description="road lines (vegkategori and/or speed_kph)"),
    "population": LayerSpec(("polygon", "point"), numeric=("population",),
                            description="population grid cells or points"),
    "sources": LayerSpec(("point",), ("id", "name", "kind", "unit"), ("quantity",), id_column="id",
                         description="resource sources: kind, quantity, unit"),
    "zones": LayerSpec(("polygon",), ("id", "name"), id_column="id",
                       description="zoned business/industrial land (candidate sites)"),
    "existing": LayerSpec(("point",), ("id", "name", "facility_type"), id_column="id",
                          description="existing facilities kept by the models"),
    "flows": LayerSpec(("point",), ("id", "name", "role", "kind", "unit"), ("quantity",), id_column="id",
                       description="firm supplies and demands for symbiosis"),
    "stations": LayerSpec(("point",), description="rail stations"),
    "rail": LayerSpec(("line",), description="rail lines"),
    "towns": LayerSpec(("point",), description="towns (labels)"),
    "protected": LayerSpec(("polygon",), description="protected areas (excluded)"),
    "lakes": LayerSpec(("polygon",), description="lakes (excluded)"),
    "settlements": LayerSpec(("polygon",), description="built-up areas (buffered exclusion)"),
    "dem": LayerSpec((), raster=True, description="elevation raster (GeoTIFF)"),
}

_T = {"str": str, "int": int, "float": (int, float), "bool": bool}

#: Allowed keys per section and their types.
SECTION_KEYS: dict[str, dict[str, str]] = {
    "scenario": {"name": "str", "lang": "str", "synthetic": "bool", "description": "str"},
    "biogas": {"enabled": "bool", "count": "int", "max_km": "float", "min_plant_t": "float",
               "capacity_t": "float"},
    "reuse": {"enabled": "bool", "count": "int", "max_minutes": "float", "objective": "str"},
    "parks": {"enabled": "bool", "count": "int"},
}
_CHOICES = {("scenario", "lang"): ("nb", "en"), ("reuse", "objective"): ("coverage", "p_median")}


@dataclass(frozen=True)
class LayerRef:
    """Where one input layer is: a file, a layer name in it, and a field mapping."""

    name: str
    path: Path
    layer: str | None = None
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: layer references, per-theme options and default overrides."""

    path: Path | None
    name: str
    lang: str
    synthetic: bool
    layers: dict[str, LayerRef]
    themes: dict[str, dict[str, Any]]
    parameters: dict[str, float]

    def input_paths(self) -> list[Path]:
        """Every input file, so outputs can be refused when they would overwrite one."""
        return [ref.path for ref in self.layers.values()] + ([self.path] if self.path else [])


def _line_of(text: str, section: str, key: str | None = None) -> int | None:
    """1-based line number of ``key`` inside ``[section]`` (or of the section header)."""
    current = ""
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        header = re.match(r"^\[([^\]]+)\]", line)
        if header:
            current = header.group(1).strip()
            if key is None and current == section:
                return n
            continue
        if current == section and key is not None:
            m = re.match(r'^("?)([^"=]+)\1\s*=', line)
            if m and m.group(2).strip() == key:
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


def parse_scenario(data: dict[str, Any], *, text: str = "", path: Path | None = None) -> Scenario:
    """Validate an already-parsed scenario mapping (see :func:`load_scenario`)."""
    from .defaults import table

    base = path.parent if path else Path.cwd()
    known = {"scenario", "layers", "parameters", *SECTION_KEYS}
    for section in data:
        if section not in known:
            raise _err(path, text, section, None,
                       f"unknown section; allowed: {', '.join(sorted(known))}")

    themes: dict[str, dict[str, Any]] = {}
    for section, keys in SECTION_KEYS.items():
        values = data.get(section, {})
        if not isinstance(values, dict):
            raise _err(path, text, section, None, "must be a table")
        for key, value in values.items():
            if key not in keys:
                raise _err(path, text, section, key, f"unknown key; allowed: {', '.join(sorted(keys))}")
            kind = keys[key]
            if isinstance(value, bool) and kind != "bool" or not isinstance(value, _T[kind]):
                raise _err(path, text, section, key, f"must be {kind}, got {type(value).__name__} {value!r}")
            choices = _CHOICES.get((section, key))
            if choices and value not in choices:
                raise _err(path, text, section, key, f"must be one of {', '.join(choices)}, got {value!r}")
            if kind in ("int", "float"):
                _check_scenario_number(path, text, section, key, value)
        if section != "scenario":
            themes[section] = dict(values)

    layers: dict[str, LayerRef] = {}
    raw_layers = data.get("layers", {})
    if not isinstance(raw_layers, dict):
        raise _err(path, text, "layers", None, "must be a table")
    for name, ref in raw_layers.items():
        if name not in LAYER_SPECS:
            raise _err(path, text, "layers", name,
                       f"unknown layer; allowed: {', '.join(LAYER_SPECS)}")
        if isinstance(ref, str):
            ref = {"path": ref}
        if not isinstance(ref, dict) or "path" not in ref:
            raise _err(path, text, "layers", name, 'must be { path = "...", layer = "..." }')
        if not isinstance(ref["path"], str) or not ref["path"].strip():
            raise _err(path, text, "layers", name, f"path must be text naming a file, got {ref['path']!r}")
        if "layer" in ref and not isinstance(ref["layer"], str):
            raise _err(path, text, "layers", name, f"layer name must be text, got {ref['layer']!r}")
        extra = set(ref) - {"path", "layer", "fields"}
        if extra:
            raise _err(path, text, "layers", name,
                       f"unknown key '{sorted(extra)[0]}'; allowed: path, layer, fields")
        fields = ref.get("fields", {})
        if not isinstance(fields, dict) or not all(isinstance(v, str) for v in fields.values()):
            raise _err(path, text, "layers", name, 'fields must map names to column names: { quantity = "tonn" }')
        file = (base / ref["path"]).resolve() if not Path(ref["path"]).is_absolute() else Path(ref["path"])
        if not file.exists():
            raise MissingFileError(f"{path or 'scenario'}, line {_line_of(text, 'layers', name) or '?'}: "
                                   f"[layers] {name}: file not found: {file}")
        layers[name] = LayerRef(name, file, ref.get("layer"), dict(fields))
    for name, spec in LAYER_SPECS.items():
        if spec.required and name not in layers:
            raise _err(path, text, "layers", None, f"layer '{name}' is required ({spec.description})")

    parameters: dict[str, float] = {}
    known_defaults = {row.key for row in table()}
    raw_parameters = data.get("parameters", {})
    if not isinstance(raw_parameters, dict):
        raise _err(path, text, "parameters", None, "must be a table")
    for key, value in raw_parameters.items():
        if key not in known_defaults:
            near = sorted(k for k in known_defaults if k.split(".")[0] == key.split(".")[0])[:6]
            raise _err(path, text, "parameters", key,
                       "not a key of the defaults table (run `arealsirk defaults`)"
                       + (f"; similar: {', '.join(near)}" if near else ""))
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _err(path, text, "parameters", key, f"must be a number, got {value!r}")
        _check_scenario_number(path, text, "parameters", key, value)
        parameters[key] = float(value)

    meta = data.get("scenario", {})
    return Scenario(path=path, name=meta.get("name", path.stem if path else "scenario"),
                    lang=meta.get("lang", "nb"), synthetic=bool(meta.get("synthetic", False)),
                    layers=layers, themes=themes, parameters=parameters)


def _check_scenario_number(path: Path | None, text: str, section: str, key: str, value: float) -> None:
    """Refuse non-finite, negative or absurd numbers (beyond ``validate.max_number``), naming the key."""
    import math

    from ._validate import max_number

    if not math.isfinite(value):
        raise _err(path, text, section, key, f"must be finite, got {value!r}")
    if value < 0:
        raise _err(path, text, section, key, f"must be >= 0, got {value!r}")
    if value > max_number():
        raise _err(path, text, section, key, f"must lie within 0 .. {max_number():g} "
                                             f"(validate.max_number), got {value!r}")


def demo_scenario_text(*, seed: int = 0) -> str:
    """The scenario that ``arealsirk demo --export-inputs`` writes beside ``inputs.gpkg``."""
    from .datasets import DEMO_LAYERS

    lines = [
        "# arealsirk scenario for the embedded demo region (synthetic data).",
        "# Run it with:  arealsirk run scenario.toml --out results",
        "# Paths are relative to this file. 'fields' maps library names to your column names.",
        "",
        "[scenario]",
        f'name = "Demoregionen (syntetisk, seed {seed})"',
        'lang = "nb"',
        "synthetic = true",
        "",
        "[layers]",
    ]
    for name in DEMO_LAYERS:
        if name in LAYER_SPECS:
            lines.append(f'{name} = {{ path = "inputs.gpkg", layer = "{name}" }}')
    lines += ['dem = { path = "dem.tif" }', ""]
    lines += ["[biogas]", "enabled = true", "count = 2", "", "[reuse]", "enabled = true", "# count includes the 5 existing recycling stations, which are kept",
              "count = 7",
              "", "[parks]", "enabled = true", "count = 2", "",
              "[parameters]", "# any key of the defaults table, e.g.", '# "demo.seed" = 0', ""]
    return "\n".join(lines)
