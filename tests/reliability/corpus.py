"""The bad-input corpus: each case builds one real bad file, scenario or --out in a folder.

A case is ``build(tmp, base, layers) -> (argv, expected)``: the ``arealsirk`` arguments and the
substring the one stderr line must hold (file, layer, column or key, and the reason).  Cases
are grouped: scenario text (S), layer values (L), whole files (F), output folder (O).
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

Build = Callable[[Path, Any, dict], tuple[list[str], str]]
CASES: dict[str, Build] = {}


def _run(tmp: Path, scenario: Path) -> list[str]:
    return ["run", str(scenario), "--out", str(tmp / "out")]


def _write_scenario(tmp: Path, text: str | bytes) -> Path:
    path = tmp / "scenario.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- S: scenario text
def _s(case: str, expected: str | Callable[[Path], str], **kw: Any) -> None:
    def build(tmp: Path, base: Any, layers: dict) -> tuple[list[str], str]:
        text = kw["text"](base) if "text" in kw else base.text(**{k: v for k, v in kw.items()})
        path = _write_scenario(tmp, text)
        exp = expected(path) if callable(expected) else expected
        return _run(tmp, path), exp

    CASES[f"S-{case}"] = build


def _theme(body: str) -> str:
    return body + "\n\n[reuse]\nenabled = false\n\n[parks]\nenabled = false"


def _biogas(line: str) -> dict:
    return {"sections": _theme(f"[biogas]\ncount = 1\n{line}")}


def _param(line: str) -> dict:
    return {"extra": f"[parameters]\n{line}"}


_s("empty-file", "[layers]: layer 'kommuner' is required", text=lambda b: "")
_s("toml-syntax", "not valid TOML", text=lambda b: "[scenario\nname = 'x'\n")
_s(
    "toml-duplicate-key",
    "not valid TOML",
    text=lambda b: b.text().replace('name = "small"', 'name = "a"\nname = "b"'),
)
_s("unknown-section", "[biogass]: unknown section", extra="[biogass]\ncount = 1")
_s("theme-not-table", "[biogas]: must be a table", text=lambda b: "biogas = 5\n" + b.text(sections=""))
_s("parameters-not-table", "[parameters]: must be a table", text=lambda b: "parameters = 5\n" + b.text())
_s(
    "scenario-not-table",
    "[scenario]: must be a table",
    text=lambda b: "scenario = 5\n" + b.text().replace('[scenario]\nname = "small"\nlang = "en"\n', ""),
)
_s(
    "layers-not-table",
    "[layers]: must be a table",
    text=lambda b: 'layers = "inputs.gpkg"\n' + b.text().split("[layers]", 1)[0],
)
_s("layers-array", "[layers] roads: must be", layers={"roads": '["a.gpkg"]'})
_s("unknown-key", "[biogas] cuont: unknown key; allowed:", **_biogas("cuont = 2"))
_s("count-string", "[biogas] count: must be int, got str 'two'", sections=_theme('[biogas]\ncount = "two"'))
_s("count-float", "[biogas] count: must be int, got float 2.5", sections=_theme("[biogas]\ncount = 2.5"))
_s("count-negative", "[biogas] count: must be >= 0, got -1", sections=_theme("[biogas]\ncount = -1"))
_s("count-huge", "[biogas] count: must lie within", sections=_theme("[biogas]\ncount = 9223372036854775807"))
_s("count-zero", "[biogas] count: must be >= 1", sections=_theme("[biogas]\ncount = 0"))
_s("count-beyond-candidates", "count=50", sections=_theme("[biogas]\ncount = 50"))
_s("section-equals-value", "not valid TOML", text=lambda b: "[biogas] = 5\n" + b.text())
_s("count-bool", "[biogas] count: must be int, got bool", sections=_theme("[biogas]\ncount = true"))
_s("max_km-inf", "[biogas] max_km: must be finite", **_biogas("max_km = inf"))
_s("max_km-nan", "[biogas] max_km: must be finite", **_biogas("max_km = nan"))
_s(
    "max_km-1e308",
    "[biogas] max_km: must lie within 0 .. 1e+09 (validate.max_number), got 1e+308",
    **_biogas("max_km = 1e308"),
)
_s("max_km-negative", "[biogas] max_km: must be >= 0", **_biogas("max_km = -5.0"))
_s("max_km-string", "[biogas] max_km: must be float, got str", **_biogas('max_km = "30 km"'))
_s("max_km-array", "[biogas] max_km: must be float, got list", **_biogas("max_km = [30]"))
_s("max_km-table", "[biogas] max_km: must be float, got dict", **_biogas("max_km = { value = 30 }"))
_s("capacity-1e308", "[biogas] capacity_t: must lie within", **_biogas("capacity_t = 1e308"))
_s("min_plant-neg-inf", "[biogas] min_plant_t: must be finite", **_biogas("min_plant_t = -inf"))
_s("enabled-string", "[biogas] enabled: must be bool, got str 'yes'", **_biogas('enabled = "yes"'))
_s("enabled-int", "[biogas] enabled: must be bool, got int 1", **_biogas("enabled = 1"))
_s(
    "lang-unknown",
    "[scenario] lang: must be one of nb, en, got 'de'",
    text=lambda b: b.text().replace('lang = "en"', 'lang = "de"'),
)
_s(
    "name-int",
    "[scenario] name: must be str, got int 5",
    text=lambda b: b.text().replace('name = "small"', "name = 5"),
)
_s(
    "synthetic-int",
    "[scenario] synthetic: must be bool",
    text=lambda b: b.text().replace('lang = "en"', 'lang = "en"\nsynthetic = 1'),
)
_s(
    "scenario-unknown-key",
    "[scenario] titel: unknown key",
    text=lambda b: b.text().replace('lang = "en"', 'lang = "en"\ntitel = "x"'),
)
_s(
    "reuse-objective",
    "[reuse] objective: must be one of coverage, p_median",
    sections=_theme("[biogas]\ncount = 1").replace(
        "[reuse]\nenabled = false", '[reuse]\nenabled = false\nobjective = "fastest"'
    ),
)
_s(
    "reuse-needs-population",
    "theme 'reuse' needs the layer 'population'",
    sections="[biogas]\ncount = 1\n\n[reuse]\nenabled = true\n\n[parks]\nenabled = false",
)
_s(
    "parks-needs-flows",
    "theme 'parks' needs the layer 'flows'",
    sections="[biogas]\nenabled = false\n\n[reuse]\nenabled = false\n\n[parks]\nenabled = true",
)
_s(
    "param-unknown",
    "[parameters] biogas.max_kmm: not a key of the defaults table",
    **_param('"biogas.max_kmm" = 3'),
)
_s(
    "param-string",
    "[parameters] biogas.max_km: must be a number, got 'ten'",
    **_param('"biogas.max_km" = "ten"'),
)
_s("param-bool", "[parameters] biogas.max_km: must be a number, got True", **_param('"biogas.max_km" = true'))
_s(
    "param-1e308",
    "[parameters] resources.methane_nm3_per_t.food_waste: must lie within 0 .. 1e+09",
    **_param('"resources.methane_nm3_per_t.food_waste" = 1e308'),
)
_s("param-inf", "[parameters] biogas.max_km: must be finite", **_param('"biogas.max_km" = inf'))
_s("param-nan", "[parameters] biogas.max_km: must be finite", **_param('"biogas.max_km" = nan'))
_s("param-negative", "[parameters] biogas.max_km: must be >= 0", **_param('"biogas.max_km" = -1'))
_s("param-array", "[parameters] biogas.max_km: must be a number", **_param('"biogas.max_km" = [1, 2]'))
_s(
    "param-nested",
    "[parameters] biogas.max_kms: not a key of the defaults table",
    **_param("biogas = { max_kms = 3 }"),
)
_s("layer-unknown", "[layers] veier: unknown layer; allowed:", first='veier = { path = "x.gpkg" }')
_s("layer-path-int", "[layers] roads: path must be text", layers={"roads": "{ path = 3 }"})
_s("layer-path-missing", "[layers] roads: must be { path", layers={"roads": '{ layer = "roads" }'})
_s(
    "layer-extra-key",
    "[layers] roads: unknown key 'lyr'",
    layers={"roads": '{ path = "a.gpkg", lyr = "roads" }'},
)
_s("layer-int", "[layers] roads: must be { path", layers={"roads": "7"})
_s("layer-bool", "[layers] roads: must be { path", layers={"roads": "false"})
_s(
    "fields-not-table",
    "[layers] sources: fields must map names",
    layers={"sources": '{ path = "a.gpkg", fields = 5 }'},
)
_s(
    "fields-int-value",
    "[layers] sources: fields must map names",
    layers={"sources": '{ path = "a.gpkg", fields = { quantity = 5 } }'},
)
_s(
    "layer-file-missing",
    "[layers] roads: file not found",
    layers={"roads": '{ path = "nowhere.gpkg", layer = "roads" }'},
)
_s("layer-path-empty", "[layers] roads: path", layers={"roads": '{ path = "", layer = "roads" }'})
_s("roads-required", "[layers]: layer 'roads' is required", layers={"roads": ""})
_s("kommuner-required", "[layers]: layer 'kommuner' is required", layers={"kommuner": ""})
_s(
    "layer-name-int",
    "layer name must be text, got 3",
    text=lambda b: b.text().replace('layer = "roads"', "layer = 3"),
)
_s(
    "layer-not-in-file",
    "no layer 'veger'; layers present: kommuner, region",
    text=lambda b: b.text().replace('layer = "roads"', 'layer = "veger"'),
)
_s(
    "layer-string-many",
    "holds 14 layers (kommuner, region",
    layers={"roads": None},
    text=lambda b: b.text().replace(
        f'roads = {{ path = "{b.gpkg.as_posix()}", layer = "roads" }}', f'roads = "{b.gpkg.as_posix()}"'
    ),
)
_s(
    "field-map-missing-column",
    "column 'tonnes': named in the scenario's field mapping for 'sources'",
    text=lambda b: b.text().replace(
        'layer = "sources" }', 'layer = "sources", fields = { quantity = "tonnes" } }'
    ),
)


def _scenario_bytes(case: str, expected: str, encode: Callable[[str], bytes]) -> None:
    def build(tmp: Path, base: Any, layers: dict) -> tuple[list[str], str]:
        text = base.text().replace('name = "small"', 'name = "Ålesund\u2013Ørsta"')
        return _run(tmp, _write_scenario(tmp, encode(text))), expected

    CASES[f"S-{case}"] = build


_scenario_bytes(
    "latin-1",
    "line 2, column 9: not UTF-8 text (byte 0xc5); it looks like Latin-1",
    lambda t: t.replace("\u2013", "-").encode("latin-1"),
)
_scenario_bytes(
    "cp1252",
    "not UTF-8 text (byte 0xc5); it looks like Latin-1 or Windows-1252",
    lambda t: t.encode("cp1252"),
)
_scenario_bytes(
    "utf-16-no-bom", "looks like UTF-16 without a byte-order mark", lambda t: t.encode("utf-16-le")
)
_scenario_bytes(
    "utf-32-no-bom", "looks like UTF-16 without a byte-order mark", lambda t: t.encode("utf-32-le")
)
_scenario_bytes(
    "bom-then-latin1",
    "byte-order mark but is not valid UTF-8-SIG",
    lambda t: b"\xef\xbb\xbf" + t.replace("\u2013", "-").encode("latin-1"),
)
_scenario_bytes("binary", "not UTF-8 text", lambda t: bytes(range(256)) * 4)
_scenario_bytes("nul-bytes", "not valid TOML", lambda t: t.encode() + b"\x00\x00")


def _scenario_is(case: str, expected: str, make: Callable[[Path, Any], Path]) -> None:
    def build(tmp: Path, base: Any, layers: dict) -> tuple[list[str], str]:
        return _run(tmp, make(tmp, base)), expected

    CASES[f"S-{case}"] = build


def _mkdir(p: Path) -> Path:
    p.mkdir()
    return p


_scenario_is("missing", "scenario.toml: scenario file not found", lambda t, b: t / "scenario.toml")
_scenario_is("directory", "is a folder, not a scenario file", lambda t, b: _mkdir(t / "scenario.toml"))
_scenario_is("gpkg-as-scenario", "not UTF-8 text", lambda t, b: Path(shutil.copy(b.gpkg, t / "x.toml")))


# --------------------------------------------------------------------------- L: layer values
#: Theme sections under which a layer the small (biogas) scenario does not use is read.
_USED_BY = {
    "flows": "[biogas]\ncount = 1\n\n[reuse]\nenabled = false\n\n[parks]\nenabled = true",
    "population": "[biogas]\ncount = 1\n\n[reuse]\ncount = 7\n\n[parks]\nenabled = false",
}


def _layer_case(
    case: str,
    layer: str,
    mutate: Callable[[Any], Any],
    expected: str,
    *,
    column: str | None = None,
    rows: int | None = None,
) -> None:
    """A base layer changed by ``mutate`` and written to its own GeoPackage; read first."""

    def build(tmp: Path, base: Any, layers: dict) -> tuple[list[str], str]:
        import pyogrio

        gdf = layers[layer].copy()
        if rows:
            gdf = gdf.iloc[:rows].copy()
        gdf = mutate(gdf)
        bad = tmp / "bad.gpkg"
        pyogrio.write_dataframe(gdf, bad, layer=layer, driver="GPKG")
        first = f'{layer} = {{ path = "{bad.as_posix()}", layer = "{layer}" }}'
        # a layer is read only when an enabled theme uses it; unknown kinds/roles are errors with --strict
        sections = _USED_BY.get(layer)
        text = base.text(first=first, sections=sections) if sections else base.text(first=first)
        path = _write_scenario(tmp, text)
        at = f"{bad}, layer '{layer}'" + (f", column '{column}'" if column else "")
        first_id = repr(gdf["id"].iloc[0]) if "id" in gdf and len(gdf) else ""
        strict = ["--strict"] if column in ("kind", "role") else []
        return _run(tmp, path) + strict, f"{at}: " + expected.format(layer=layer, n=len(gdf), first=first_id)

    CASES[f"L-{layer}-{case}"] = build


def _set(col: str, values: Any, *, dtype: Any = None) -> Callable[[Any], Any]:
    def mutate(gdf: Any) -> Any:
        vals = values(gdf) if callable(values) else values
        if dtype is not None:
            gdf[col] = gdf[col].astype(dtype)
        elif col in gdf and gdf[col].dtype.kind in "iu":
            gdf[col] = gdf[col].astype(float)
        gdf.loc[gdf.index[: len(vals)] if isinstance(vals, list) else gdf.index, col] = vals
        return gdf

    return mutate


def _drop(col: str) -> Callable[[Any], Any]:
    return lambda gdf: gdf.drop(columns=[col])


_NUMERIC = {"sources": ("quantity", None), "flows": ("quantity", None), "population": ("population", 300)}
for _layer, (_col, _rows) in _NUMERIC.items():
    _layer_case(
        "text-number",
        _layer,
        _set(_col, ["mye"], dtype=object),
        "values must be numbers; found 'mye'",
        column=_col,
        rows=_rows,
    )
    _layer_case(
        "nan", _layer, _set(_col, [math.nan]), "1 missing (NaN/empty) value(s)", column=_col, rows=_rows
    )
    _layer_case(
        "negative", _layer, _set(_col, [-5.0]), "1 negative value(s), for example -5", column=_col, rows=_rows
    )
    _layer_case(
        "1e308",
        _layer,
        _set(_col, [1e308]),
        "1 value(s) beyond 1e+09, for example 1e+308",
        column=_col,
        rows=_rows,
    )
    _layer_case("1e10", _layer, _set(_col, [1e10, 2e10]), "2 value(s) beyond 1e+09", column=_col, rows=_rows)
    _layer_case(
        "inf", _layer, _set(_col, [math.inf]), "infinite value(s) are not allowed", column=_col, rows=_rows
    )
    _layer_case(
        "all-zero",
        _layer,
        _set(_col, lambda g: 0.0),
        "every one of the {n} feature(s) has " + _col + " 0; there is nothing to site",
        column=_col,
        rows=_rows,
    )
    _layer_case("missing-column", _layer, _drop(_col), "missing column", column=_col, rows=_rows)
    _layer_case("empty", _layer, lambda g: g.iloc[:0], "layer is empty (no features)", rows=_rows)
    _layer_case(
        "no-crs", _layer, lambda g: g.set_crs(None, allow_override=True), "layer has no CRS", rows=_rows
    )
    _layer_case(
        "far-away",
        _layer,
        lambda g: g.set_geometry(g.geometry.translate(3e6, 0)),
        "{layer} does not overlap the study area (layer bounds",
        rows=_rows,
    )
    _layer_case(
        "all-empty-geometry",
        _layer,
        lambda g: g.set_geometry([None] * len(g), crs=g.crs),
        "all {n} features have empty or missing geometry",
        rows=_rows,
    )

for _layer in ("sources", "flows"):
    _layer_case(
        "unknown-unit",
        _layer,
        _set("unit", ["tonnes per year"]),
        "unknown unit 'tonnes per year'",
        column="unit",
    )
    _layer_case("unit-empty", _layer, _set("unit", [""]), "unknown unit ''", column="unit")
    _layer_case(
        "unit-none",
        _layer,
        _set("unit", [None]),
        "feature {first} has no unit; give one such as t/yr",
        column="unit",
    )
    _layer_case(
        "kind-misspelt",
        _layer,
        _set("kind", ["food_wast"]),
        "unknown resource kind 'food_wast' (feature",
        column="kind",
    )
    _layer_case("kind-empty", _layer, _set("kind", [""]), "unknown resource kind ''", column="kind")
    _layer_case("kind-missing", _layer, _drop("kind"), "missing column", column="kind")
    _layer_case("unit-missing", _layer, _drop("unit"), "missing column", column="unit")
    _layer_case(
        "duplicate-id",
        _layer,
        _set("id", lambda g: ["dup"] * len(g)),
        "ids must be unique; repeated: 'dup'",
        column="id",
    )
    _layer_case("id-missing", _layer, _drop("id"), "missing column", column="id")
    _layer_case(
        "polygons",
        _layer,
        lambda g: g.set_geometry(g.geometry.buffer(50)),
        "sources must have point geometries; found Polygon".replace("sources", _layer),
    )

_layer_case(
    "wrong-unit-family",
    "sources",
    lambda g: g.assign(kind="food_waste", unit=["GWh/yr"] + ["t/yr"] * (len(g) - 1)),
    "unit 'GWh/yr' is an energy unit but kind 'food_waste' is measured as mass",
    column="unit",
)
_layer_case(
    "heat-in-tonnes",
    "flows",
    lambda g: g.assign(unit=np.where(g["kind"] == "heat", "t/yr", g["unit"])),
    "unit 't/yr' is a mass unit but kind 'excess_heat'",
    column="unit",
)
_layer_case(
    "bad-role",
    "flows",
    _set("role", ["tilbud"]),
    "values must be 'supply' or 'demand'; feature",
    column="role",
)
_layer_case("role-missing", "flows", _drop("role"), "missing column", column="role")
_layer_case(
    "points",
    "roads",
    lambda g: g.set_geometry(g.geometry.centroid),
    "roads must have line geometries; found Point",
)
_layer_case("empty", "roads", lambda g: g.iloc[:0], "layer is empty (no features)")
_layer_case("no-crs", "roads", lambda g: g.set_crs(None, allow_override=True), "layer has no CRS")
_layer_case(
    "points",
    "zones",
    lambda g: g.set_geometry(g.geometry.centroid),
    "zones must have polygon geometries; found Point",
)
_layer_case("duplicate-id", "zones", _set("id", lambda g: ["z"] * len(g)), "ids must be unique", column="id")
_layer_case("name-missing", "zones", _drop("name"), "missing column", column="name")
_layer_case("empty", "zones", lambda g: g.iloc[:0], "layer is empty (no features)")
_layer_case("lines", "kommuner", lambda g: g.set_geometry(g.geometry.boundary), "kommuner must have polygon")
_layer_case("number-missing", "kommuner", _drop("kommunenummer"), "missing column", column="kommunenummer")
_layer_case("empty", "kommuner", lambda g: g.iloc[:0], "layer is empty (no features)")
_layer_case("type-missing", "existing", _drop("facility_type"), "missing column", column="facility_type")
_layer_case(
    "duplicate-id", "existing", _set("id", lambda g: ["e"] * len(g)), "ids must be unique", column="id"
)
_layer_case(
    "polygons", "existing", lambda g: g.set_geometry(g.geometry.buffer(10)), "existing must have point"
)


# --------------------------------------------------------------------------- F: whole files
def _file_case(
    case: str, layer: str, make: Callable[[Path, Any], Path], expected: str, *, name_layer: bool = True
) -> None:
    def build(tmp: Path, base: Any, layers: dict) -> tuple[list[str], str]:
        bad = make(tmp, base)
        spec = f'layer = "{layer}"' if name_layer and layer != "dem" else ""
        first = f'{layer} = {{ path = "{bad.as_posix()}"{", " + spec if spec else ""} }}'
        path = _write_scenario(tmp, base.text(first=first))
        return _run(tmp, path), f"{bad}{'' if expected.startswith(',') else ': '}{expected}"

    CASES[f"F-{layer}-{case}"] = build


def _bytes(name: str, data: bytes | Callable[[Any], bytes]) -> Callable[[Path, Any], Path]:
    def make(tmp: Path, base: Any) -> Path:
        path = tmp / name
        path.write_bytes(data(base) if callable(data) else data)
        return path

    return make


def _cut(src: str, fraction: float) -> Callable[[Any], bytes]:
    def data(base: Any) -> bytes:
        raw = (base.gpkg if src == "gpkg" else base.dem).read_bytes()
        return raw[: int(len(raw) * fraction)]

    return data


def _one_layer(name: str) -> Callable[[Path, Any], Path]:
    def make(tmp: Path, base: Any) -> Path:
        import pyogrio

        path = tmp / "one.gpkg"
        pyogrio.write_dataframe(
            pyogrio.read_dataframe(base.gpkg, layer="towns"), path, layer=name, driver="GPKG"
        )
        return path

    return make


def _dem_variant(**profile: Any) -> Callable[[Path, Any], Path]:
    def make(tmp: Path, base: Any) -> Path:
        import rasterio

        path = tmp / "dem.tif"
        with rasterio.open(base.dem) as src:
            data = src.read(1, window=((0, 64), (0, 64)))
            prof = src.profile | {"width": 64, "height": 64, "tiled": False, "compress": None} | profile
        with rasterio.open(path, "w", **prof) as dst:
            dst.write(data, 1)
        return path

    return make


for _layer in ("sources", "roads", "zones", "kommuner"):
    _file_case("zero-bytes", _layer, _bytes("bad.gpkg", b""), "file is empty (0 bytes)")
    _file_case("truncated", _layer, _bytes("bad.gpkg", _cut("gpkg", 0.5)), "GeoPackage is truncated")
    _file_case("garbage", _layer, _bytes("bad.gpkg", b"\x89PNG\r\n" * 100), "cannot be read as a vector file")
    _file_case("folder", _layer, lambda t, b: _mkdir(t / "layers"), "is a folder, not a file")
    _file_case(
        "layer-absent", _layer, _one_layer("something"), f"no layer '{_layer}'; layers present: something"
    )
_file_case(
    "geojson-broken",
    "sources",
    _bytes("bad.geojson", b'{"type": "FeatureCollection", "features": [{'),
    "cannot be read as a vector file",
    name_layer=False,
)
_file_case(
    "latin1-geojson",
    "sources",
    _bytes(
        "bad.geojson",
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "Bodø"}, '
            '"geometry": {"type": "Point", "coordinates": [10, 60]}}]}'
        ).encode("latin-1"),
    ),
    ", layer 'bad': text is not UTF-8 (byte 0xf8: invalid start byte); save the file as UTF-8",
    name_layer=False,
)
_file_case(
    "csv-text",
    "sources",
    _bytes("bad.gpkg", "id;navn\n1;Ålesund\n".encode("latin-1")),
    "cannot be read as a vector file",
)
_file_case("header-only", "sources", _bytes("bad.gpkg", _cut("gpkg", 0.00004)), "GeoPackage is truncated")
_file_case("zero-bytes", "dem", _bytes("dem.tif", b""), "raster is empty (0 bytes)")
_file_case("truncated", "dem", _bytes("dem.tif", _cut("dem", 0.6)), "raster is truncated")
_file_case("truncated-end", "dem", _bytes("dem.tif", _cut("dem", 0.995)), "raster is truncated")
_file_case("garbage", "dem", _bytes("dem.tif", b"II*\x00" + b"\x00" * 50), "cannot be read as a raster")
_file_case("text", "dem", _bytes("dem.tif", b"ncols 10\nnrows"), "cannot be read as a raster")
_file_case("folder", "dem", lambda t, b: _mkdir(t / "dem"), "is a folder, not a raster")
_file_case(
    "vector", "dem", lambda t, b: Path(shutil.copy(b.gpkg, t / "dem.gpkg")), "cannot be read as a raster"
)
_file_case("no-crs", "dem", _dem_variant(crs=None), "raster has no CRS")


# --------------------------------------------------------------------------- O: output folder
def _out_case(
    case: str,
    out: Callable[[Path, Any], Path],
    expected: str,
    *,
    scenario_copy: bool = False,
    command: str = "run",
) -> None:
    def build(tmp: Path, base: Any, layers: dict) -> tuple[list[str], str]:
        if scenario_copy:  # inputs beside the scenario, in this case's own folder
            folder = tmp / "in"
            folder.mkdir()
            shutil.copy(base.gpkg, folder / "inputs.gpkg")
            scenario = _write_scenario(folder, base.text().replace(base.gpkg.as_posix(), "inputs.gpkg"))
        else:
            scenario = _write_scenario(tmp, base.text())
        target = out(tmp, scenario)
        return ["run", str(scenario), "--out", str(target)], f"{target}: {expected}"

    CASES[f"O-{case}"] = build


def _file(p: Path) -> Path:
    p.write_text("x")
    return p


def _foreign(p: Path) -> Path:
    p.mkdir()
    (p / "notes.txt").write_text("mine")
    (p / "results.gpkg").write_text("old")
    return p


_out_case("existing-file", lambda t, s: _file(t / "out"), "is an existing file, not a folder")
_out_case("under-a-file", lambda t, s: _file(t / "out") / "sub", "cannot be a folder because")
_out_case("is-scenario", lambda t, s: s, "is an input of this run")
_out_case(
    "is-input-gpkg", lambda t, s: s.parent / "inputs.gpkg", "is an input of this run", scenario_copy=True
)
_out_case(
    "under-input-gpkg",
    lambda t, s: s.parent / "inputs.gpkg" / "out",
    "lies inside the input",
    scenario_copy=True,
)
_out_case("inputs-folder", lambda t, s: s.parent, "contains the input", scenario_copy=True)
_out_case("above-inputs", lambda t, s: t, "contains the input", scenario_copy=True)
_out_case(
    "foreign-files", lambda t, s: _foreign(t / "out"), "holds files arealsirk did not write (notes.txt)"
)
_out_case("read-only-parent", lambda t, s: Path("/sys/arealsirk-out"), "cannot write in /sys")
