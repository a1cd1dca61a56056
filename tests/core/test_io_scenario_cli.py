"""I/O errors, atomic writes, scenario validation, CLI behaviour on user errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

from arealsirk.cli import main
from arealsirk.demo.datasets import demo_scenario_text
from arealsirk.errors import MissingFileError, OutputError, ScenarioError
from arealsirk.io import atomic_path, guard_outputs, read_layer, write_layers
from arealsirk.scenario import load_scenario


@pytest.fixture(scope="module")
def exported(tmp_path_factory, demo) -> Path:
    folder = tmp_path_factory.mktemp("inputs")
    return demo.export(folder)


def test_read_missing_file_and_layer(tmp_path):
    with pytest.raises(MissingFileError, match=r"nope\.gpkg: file not found"):
        read_layer(tmp_path / "nope.gpkg", "x")
    path = tmp_path / "one.gpkg"
    gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)], crs=25833).to_file(path, layer="pts")
    with pytest.raises(MissingFileError, match=r"one\.gpkg: no layer 'roads'; layers present: pts"):
        read_layer(path, "roads")


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "results.gpkg"
    target.write_text("previous")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert target.read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.gpkg"]


def test_write_layers_is_gpkg_1_3(tmp_path):
    import sqlite3

    gdf = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)], crs=25833)
    path = write_layers(tmp_path / "r.gpkg", {"one": gdf, "two": gdf})
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # 'GPKG'
    assert con.execute("PRAGMA user_version").fetchone()[0] == 10300
    con.close()
    assert len(read_layer(path, "two")) == 1


def test_guard_refuses_overwriting_an_input(tmp_path):
    inp = tmp_path / "inputs.gpkg"
    inp.write_text("x")
    with pytest.raises(OutputError, match="refusing to overwrite an input file"):
        guard_outputs([tmp_path / "inputs.gpkg"], [inp])


def test_exported_scenario_loads(exported):
    sc = load_scenario(exported)
    assert sc.synthetic and sc.lang == "nb"
    assert {"roads", "sources", "zones", "population", "dem"} <= set(sc.layers)
    assert sc.themes["biogas"]["count"] == 2


def _scenario(tmp_path: Path, exported: Path, replace: tuple[str, str] | None = None,
              append: str = "") -> Path:
    text = exported.read_text()
    if replace:
        assert replace[0] in text
        text = text.replace(*replace)
    path = exported.parent / f"s{abs(hash(str(replace) + append))}.toml"
    path.write_text(text + append)
    return path


def test_unknown_key_names_key_and_line(tmp_path, exported):
    path = _scenario(tmp_path, exported, ("count = 7", "cuont = 7"))
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("cuont"))
    with pytest.raises(ScenarioError, match=rf"line {line}: \[reuse\] cuont: unknown key; allowed: "):
        load_scenario(path)


def test_wrong_type_names_key_and_line(tmp_path, exported):
    path = _scenario(tmp_path, exported,
                     ("[biogas]\nenabled = true\ncount = 2", '[biogas]\nenabled = true\ncount = "two"'))
    with pytest.raises(ScenarioError, match=r"line \d+: \[biogas\] count: must be int, got str 'two'"):
        load_scenario(path)


def test_unknown_parameter_key(tmp_path, exported):
    path = _scenario(tmp_path, exported, append='"demo.sed" = 1\n')
    with pytest.raises(ScenarioError, match=r"\[parameters\] demo.sed: not a key of the defaults table"):
        load_scenario(path)


def test_missing_layer_file(tmp_path, exported):
    path = _scenario(tmp_path, exported, ('dem = { path = "dem.tif" }', 'dem = { path = "nodem.tif" }'))
    with pytest.raises(MissingFileError, match=r"\[layers\] dem: file not found: .*nodem\.tif"):
        load_scenario(path)


def test_toml_syntax_error(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[scenario\nname = 1\n")
    with pytest.raises(ScenarioError, match=r"broken\.toml: not valid TOML"):
        load_scenario(path)


def test_demo_scenario_text_is_valid_toml():
    import tomllib

    data = tomllib.loads(demo_scenario_text())
    assert data["scenario"]["synthetic"] is True


def test_cli_user_error_is_one_line_exit_2(tmp_path, capsys):
    code = main(["--no-progress", "run", str(tmp_path / "missing.toml")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == [f"arealsirk: error: {tmp_path / 'missing.toml'}: scenario file not found"]


def test_cli_debug_shows_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "arealsirk.cli", "--debug", "run", str(tmp_path / "x.toml")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode != 0 and "Traceback" in proc.stderr and "MissingFileError" in proc.stderr


def test_cli_defaults_lists_every_row(capsys):
    from arealsirk.defaults import table

    assert main(["defaults"]) == 0
    out = capsys.readouterr().out
    assert all(row.key in out for row in table())
