"""Scenario validation driven by the theme registry: every key typed and bounded, every error naming
the key and its line, every layer and parameter either used by the run or refused."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from arealsirk.errors import ScenarioError
from arealsirk.scenario import LAYER_SPECS, NETWORK_KEYS, SCENARIO_KEYS, _bounds, check_value, load_scenario
from arealsirk.themes import THEMES

_LAYERS = """[layers]
kommuner = { path = "inputs.gpkg", layer = "kommuner" }
roads = { path = "inputs.gpkg", layer = "roads" }
zones = { path = "inputs.gpkg", layer = "zones" }
sources = { path = "inputs.gpkg", layer = "sources" }
population = { path = "inputs.gpkg", layer = "population" }
flows = { path = "inputs.gpkg", layer = "flows" }
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory, demo) -> Path:
    out = tmp_path_factory.mktemp("inputs")
    demo.export(out)
    return out


def _write(folder: Path, text: str, name: str = "s.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _base(themes: str = "[biogas]\n[reuse]\n[parks]\n", layers: str = _LAYERS) -> str:
    return '[scenario]\nname = "t"\n\n' + layers + "\n" + themes


def _line(text: str, pattern: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if re.match(pattern, line))


def _refused(folder: Path, text: str, pattern: str) -> str:
    path = _write(folder, text)
    with pytest.raises(ScenarioError, match=pattern) as info:
        load_scenario(path)
    return str(info.value)


def test_the_base_scenario_loads(folder):
    sc = load_scenario(_write(folder, _base()))
    assert sc.enabled == ("biogas", "reuse", "parks") and not sc.strict
    assert sc.network == {} and sc.parameters == {}


def _bad_values(kind: str, key) -> list[object]:
    """Values of the wrong type, non-finite numbers and numbers beyond the key's bounds."""
    wrong = {"int": ["2", 2.5, True], "float": ["2", True], "bool": ["yes", 1], "str": [1, True]}[kind]
    if kind in ("int", "float"):
        wrong += [math.nan, math.inf, -math.inf] if kind == "float" else []
        if key.maximum is not None:
            wrong.append(1e308 if kind == "float" else 10**18)
        if key.minimum is not None:
            wrong.append(key.minimum - 1)
    if key.choices:
        wrong.append("no-such-choice")
    return wrong


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


@pytest.mark.parametrize("section,key", [(name, k) for name, t in THEMES.items() for k in t.keys]
                         + [("network", k) for k in NETWORK_KEYS] + [("scenario", k) for k in SCENARIO_KEYS],
                         ids=lambda v: v if isinstance(v, str) else v.name)
def test_every_declared_key_refuses_bad_values_naming_key_and_line(folder, section, key):
    themes = "[biogas]\n[reuse]\n[parks]\n"
    for value in _bad_values(key.type, key):
        body = f"{key.name} = {_toml(value)}\n"
        if section in THEMES:
            text = _base(themes.replace(f"[{section}]\n", "") + f"[{section}]\n{body}")
        elif section == "network":
            text = _base(themes + "\n[network]\n" + body)
        else:
            extra = body if key.name != "name" else ""
            text = _base(themes).replace('name = "t"\n', 'name = "t"\n' + extra)
            if key.name == "name":
                text = text.replace('name = "t"', f"name = {_toml(value)}")
        line = _line(text, rf"^{key.name} = ")
        msg = _refused(folder, text, rf"line {line}: \[{section}\] {key.name}: must (be|lie)")
        number = isinstance(value, int) or (key.type == "float" and isinstance(value, float))
        if key.type in ("int", "float") and number and not isinstance(value, bool):
            assert _bounds(key) in msg, msg  # the key's bounds are stated


def test_check_value_states_the_bounds():
    key = THEMES["reuse"].key("max_minutes")
    assert check_value(key, 30) is None
    assert check_value(key, 0) == "must be > 0 and <= 1440, got 0"
    assert check_value(key, 2000) == "must be > 0 and <= 1440, got 2000"
    assert check_value(key, -1) == "must be >= 0, got -1 (allowed: > 0 and <= 1440)"
    assert check_value(key, math.nan).startswith("must be finite")
    assert check_value(key, 1e308).startswith("must lie within 0 .. ")


def test_a_section_that_is_not_a_table(folder):
    text = "biogas = 5\n" + _base("[reuse]\n")
    _refused(folder, text, r"line 1: \[biogas\]: must be a table")


def test_unknown_section_and_unknown_theme_key(folder):
    _refused(folder, _base() + "[biogass]\n", r"\[biogass\]: unknown section")
    text = _base("[biogas]\nmax_kms = 3\n")
    _refused(folder, text, rf"line {_line(text, '^max_kms')}: \[biogas\] max_kms: unknown key; allowed: ")


def test_layer_path_must_be_text_a_file_and_known_keys(folder):
    for ref, pattern in [("{ path = 3 }", "path must be text naming a file, got 3"),
                         ('{ path = "inputs.gpkg", layer = "zones", colour = 1 }', "unknown key 'colour'"),
                         ('{ path = "inputs.gpkg", layer = 7 }', "layer name must be text"),
                         ("5", r'must be \{ path = "\.\.\."')]:
        text = _base().replace('zones = { path = "inputs.gpkg", layer = "zones" }', f"zones = {ref}")
        _refused(folder, text, rf"line {_line(text, '^zones = ')}: \[layers\] zones: {pattern}")
    _refused(folder, _base().replace("[layers]\n", "[layers]\ndem = { path = \"dem.tif\", layer = \"x\" }\n"),
             r"\[layers\] dem: a raster has no layers")


def test_layer_as_sub_table_names_its_line(folder):
    text = _base(layers=_LAYERS.replace('flows = { path = "inputs.gpkg", layer = "flows" }\n', "")) + \
        '\n[layers.flows]\npath = "inputs.gpkg"\nlayer = "flows"\nstyle = 1\n'
    line = _line(text, r"^\[layers.flows\]")
    _refused(folder, text, rf"line {line}: \[layers\] flows: unknown key 'style'")


def test_layers_nobody_uses_are_refused_by_name(folder):
    text = _base().replace("[layers]\n", '[layers]\ntowns = { path = "inputs.gpkg", layer = "towns" }\n')
    _refused(folder, text, r"line 5: \[layers\] towns: not used by arealsirk run")
    text = _base("[reuse]\n")  # sources and flows are read only by feedstock themes and parks
    line = _line(text, "^sources")
    _refused(folder, text, rf"line {line}: \[layers\] sources: not used by any enabled theme "
             r"\(used by: biogas, bioenergy, textiles\)")


def test_a_theme_without_its_layer_is_refused(folder):
    text = _base(layers=_LAYERS.replace('population = { path = "inputs.gpkg", layer = "population" }\n', ""))
    _refused(folder, text, r"\[reuse\]: theme 'reuse' needs the layer 'population'")


def test_no_theme_enabled(folder):
    _refused(folder, _base("[biogas]\nenabled = false\n", layers=_LAYERS.split("sources")[0]),
             "no theme is enabled")


def test_keys_of_a_disabled_theme_are_refused(folder):
    text = _base("[biogas]\nenabled = false\ncount = 2\n[reuse]\n[parks]\n").replace(
        'sources = { path = "inputs.gpkg", layer = "sources" }\n', "")
    _refused(folder, text, rf"line {_line(text, '^count')}: \[biogas\] count: theme biogas is not enabled")


def test_parameters_of_themes_not_enabled_are_refused(folder):
    layers = _LAYERS.replace('population = { path = "inputs.gpkg", layer = "population" }\n', "")
    layers = layers.replace('flows = { path = "inputs.gpkg", layer = "flows" }\n', "")
    text = _base("[biogas]\n", layers=layers) + '\n[parameters]\n"reuse.max_minutes" = 5\n'
    line = _line(text, '^"reuse')
    _refused(folder, text, rf"line {line}: \[parameters\] reuse.max_minutes: theme reuse is not enabled")


@pytest.mark.parametrize("key,why", [("locate.vns_kmax", "solver tuning"), ("demo.seed", "demo region"),
                                     ("crs.analysis_epsg", "CRS is fixed"),
                                     ("suitability.max_slope_pct", "'dem' layer")])
def test_parameters_no_run_reads_are_refused(folder, key, why):
    text = _base("[biogas]\n[reuse]\n").replace('flows = { path = "inputs.gpkg", layer = "flows" }\n', "")
    text += f'\n[parameters]\n"{key}" = 1\n'
    _refused(folder, text, rf"\[parameters\] {re.escape(key)}: .*{re.escape(why)}")


@pytest.mark.parametrize("value", ["nan", "inf", "1e308", "-1", '"5"', "true"])
def test_parameter_values_must_be_finite_sane_numbers(folder, value):
    text = _base() + f'\n[parameters]\n"biogas.max_km" = {value}\n'
    line = _line(text, '^"biogas')
    _refused(folder, text, rf"line {line}: \[parameters\] biogas.max_km: must (be|lie)")


def test_dotted_parameter_keys_and_network_keys_become_rows(folder):
    text = _base() + '\n[network]\nmax_snap_m = 2500\nparts = "largest"\nferries = false\n' \
        "\n[parameters]\nnetwork.speed_kph.K = 35\n"
    sc = load_scenario(_write(folder, text))
    assert sc.parameters == {"network.speed_kph.K": 35.0, "network.max_snap_m": 2500.0}
    assert sc.network == {"max_snap_m": 2500, "parts": "largest", "ferries": False}


def test_a_value_given_twice_is_refused(folder):
    text = _base("[biogas]\nmax_km = 20\n[reuse]\n[parks]\n") + '\n[parameters]\n"biogas.max_km" = 30\n'
    _refused(folder, text, rf"line {_line(text, '^max_km')}: \[biogas\] max_km: also set as \[parameters\] "
             "biogas.max_km")
    text = _base() + '\n[network]\nmax_snap_m = 100\n\n[parameters]\n"network.max_snap_m" = 30\n'
    _refused(folder, text, r"\[network\] max_snap_m: also set as \[parameters\] network.max_snap_m")


def test_strict_is_read(folder):
    assert load_scenario(_write(folder, _base().replace('name = "t"', 'name = "t"\nstrict = true'))).strict


def test_every_layer_spec_is_used_by_the_run_or_a_theme():
    from arealsirk.scenario import RUN_LAYERS

    used = set(RUN_LAYERS) | {u.layer for t in THEMES.values() for u in t.layers}
    assert set(LAYER_SPECS) == used


def test_docs_scenario_md_is_generated_from_the_registry():
    from arealsirk.scenario import markdown

    page = Path(__file__).resolve().parents[2] / "docs" / "scenario.md"
    assert page.read_text(encoding="utf-8") == markdown(), \
        "docs/scenario.md is stale: run  python -m arealsirk.scenario > docs/scenario.md"
    text = markdown()
    for theme in THEMES.values():  # every section, key and default row is on the page
        assert f"## `[{theme.name}]`" in text
        for key in theme.keys:
            assert f"| `{key.name}` |" in text and (key.default_key is None or key.default_key in text)
    for name in LAYER_SPECS:
        assert f"| `{name}`" in text
    for key in NETWORK_KEYS + SCENARIO_KEYS:
        assert f"| `{key.name}` |" in text


def test_a_field_mapping_to_a_column_nobody_reads_is_refused(folder):
    mapped = 'fields = { quantity = "quantity", temperature_c = "temperature_c" }'
    ok = _base().replace('sources = { path = "inputs.gpkg", layer = "sources" }',
                         f'sources = {{ path = "inputs.gpkg", layer = "sources", {mapped} }}')
    assert load_scenario(_write(folder, ok)).layers["sources"].fields["temperature_c"] == "temperature_c"
    bad = ok.replace('temperature_c = "temperature_c"', 'tonnage = "quantity"')
    line = _line(bad, "^sources")
    _refused(folder, bad, rf"line {line}: \[layers\] sources: fields: 'tonnage' is not a column arealsirk "
             "reads from sources")
    dem = _base().replace("[layers]\n", '[layers]\ndem = { path = "dem.tif", fields = { z = "band1" } }\n')
    _refused(folder, dem, r"\[layers\] dem: a raster has no fields")


def test_theme_in_demo_matches_the_demo_scenario():
    """What a theme declares is true: ``in_demo`` (printed in docs/scenario.md) says whether the demo
    scenario, read here as TOML, has the theme's section."""
    import tomllib

    from arealsirk.datasets import demo_scenario_text
    from arealsirk.themes import THEMES

    sections = set(tomllib.loads(demo_scenario_text()))
    for theme in THEMES.values():
        assert theme.in_demo == (theme.name in sections), theme.name
