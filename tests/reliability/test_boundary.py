"""The error boundary, the output-folder rules and the number guards, one by one."""

from __future__ import annotations

import errno
import subprocess

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from arealsirk import pipeline
from arealsirk._outputs import (
    MANIFEST,
    check_finite_tables,
    check_finite_text,
    check_output_folder,
    recover,
    write_output_set,
)
from arealsirk.cli import main
from arealsirk.errors import InputError, MissingFileError, OutputError, ScenarioError, user_message
from arealsirk.scenario import load_scenario

from .conftest import cli_cmd, cli_env


def test_user_message_tells_user_errors_from_bugs(tmp_path):
    assert user_message(InputError("a.gpkg, layer 'x': bad\nsecond line")) == (
        True,
        "a.gpkg, layer 'x': bad second line",
    )
    assert user_message(PermissionError(errno.EACCES, "Permission denied", "/data/out")) == (
        True,
        "/data/out: permission denied",
    )
    assert user_message(IsADirectoryError(errno.EISDIR, "Is a directory", "/d")) == (
        True,
        "/d: is a directory",
    )
    ok, text = user_message(UnicodeDecodeError("utf-8", b"\xc5", 0, 1, "invalid start byte"))
    assert ok and "not text in the utf-8 encoding (invalid start byte at byte 0)" in text
    assert user_message(KeyError("x")) == (False, "KeyError: 'x'")
    assert user_message(ZeroDivisionError()) == (False, "ZeroDivisionError")


def test_a_bug_is_exit_1_with_a_debug_hint(tmp_path, base, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise KeyError("zone_id")

    monkeypatch.setattr(pipeline, "run", broken)
    code = main(["--no-progress", "run", str(base.scenario), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert err == [
        "arealsirk: internal error: KeyError: 'zone_id' - this is a bug; run with --debug and report it"
    ]
    with pytest.raises(KeyError):
        main(["--no-progress", "--debug", "run", str(base.scenario), "--out", str(tmp_path / "out")])


def test_an_os_error_of_the_user_is_exit_2(tmp_path, base, monkeypatch, capsys):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "out"))

    monkeypatch.setattr(pipeline, "run", full)
    assert main(["--no-progress", "run", str(base.scenario), "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.strip() == f"arealsirk: error: {tmp_path / 'out'}: no space left on device"


def test_debug_traceback_in_a_subprocess(tmp_path):
    proc = subprocess.run(
        cli_cmd("--debug", "run", str(tmp_path / "x.toml")),
        capture_output=True,
        text=True,
        env=cli_env(),
        check=False,
    )
    assert proc.returncode == 1 and "Traceback" in proc.stderr and "MissingFileError" in proc.stderr


@pytest.mark.parametrize(
    ("encoding", "bom"), [("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")]
)
def test_scenario_with_a_byte_order_mark_loads(tmp_path, base, encoding, bom):
    path = tmp_path / "s.toml"
    path.write_bytes(
        bom + base.text().replace('name = "small"', 'name = "Ålesund og Ørsta"').encode(encoding)
    )
    assert load_scenario(path).name == "Ålesund og Ørsta"


def test_latin1_scenario_names_line_and_column(tmp_path):
    path = tmp_path / "s.toml"
    path.write_bytes('[scenario]\nname = "Bodø"\n'.encode("latin-1"))
    with pytest.raises(ScenarioError, match=r"s\.toml, line 2, column 12: not UTF-8 text \(byte 0xf8\)"):
        load_scenario(path)


def test_cwd_is_refused_as_out(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputError, match=r"^\.: is \(or contains\) the current folder"):
        check_output_folder(".")
    with pytest.raises(OutputError, match=r"is .or contains. the current folder"):
        check_output_folder(tmp_path.parent)


def test_out_not_writable(tmp_path, monkeypatch):
    """Under a folder the process may not write in: refused before any work (real when not root)."""
    import os

    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        if os.geteuid() != 0:
            with pytest.raises(
                OutputError, match=r"locked/out: cannot write in .*locked \(permission denied\)"
            ):
                check_output_folder(locked / "out")
        # root may write anywhere except on read-only or virtual file systems
        with pytest.raises(OutputError, match=r"/sys/arealsirk-out: cannot write in /sys"):
            check_output_folder("/sys/arealsirk-out")
    finally:
        locked.chmod(0o755)


def test_an_existing_set_without_manifest_is_replaced_but_a_foreign_file_is_not(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for name in ("results.gpkg", "map.html", "summary.md", ".arealsirk-old123"):  # an old version's folder
        (out / name).write_text("old")
    write_output_set(out, {"summary.md": lambda p: p.write_text("new")})
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "summary.md"]
    (out / "my-notes.docx").write_text("mine")
    with pytest.raises(OutputError, match=r"holds files arealsirk did not write .my-notes.docx."):
        write_output_set(out, {"summary.md": lambda p: p.write_text("newer")})
    assert (out / "summary.md").read_text() == "new"


def test_a_failing_writer_keeps_the_previous_set(tmp_path):
    out = tmp_path / "out"
    write_output_set(out, {"a.md": lambda p: p.write_text("1"), "b.md": lambda p: p.write_text("1")})

    def broken(path):
        path.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_output_set(out, {"a.md": lambda p: p.write_text("2"), "b.md": broken})
    assert [(out / n).read_text() for n in ("a.md", "b.md")] == ["1", "1"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    with pytest.raises(OutputError, match="the writer produced no file"):
        write_output_set(out, {"a.md": lambda p: None})
    with pytest.raises(OutputError, match="not a plain output file name"):
        write_output_set(out, {"../a.md": lambda p: p.write_text("x")})


def test_recover_leaves_a_running_process_alone(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    alive = tmp_path / f".out.arealsirk-new-{1}-abcd"  # pid 1 is always alive
    dead = tmp_path / ".out.arealsirk-new-999999999-abcd"
    alive.mkdir()
    dead.mkdir()
    assert recover(out) == [dead]
    assert alive.exists() and not dead.exists()


def test_non_finite_outputs_are_refused():
    ok = {"t": pd.DataFrame({"a": [1.0, np.nan], "b": ["x", "inf"]})}  # NaN -> empty cell; text is text
    check_finite_tables(ok, name="results.gpkg")
    with pytest.raises(
        InputError, match=r"results\.gpkg, table 'alloc', column 'tonne_km': 1 infinite value"
    ):
        check_finite_tables({"alloc": pd.DataFrame({"tonne_km": [1.0, np.inf]})}, name="results.gpkg")
    check_finite_text("| Energy | 8,86 GWh/yr |\nInformasjon om infrastruktur", name="summary.md")
    with pytest.raises(InputError, match=r"summary\.md, line 2: a figure is not finite"):
        check_finite_text("# x\n| Feedstock | inf t/år |", name="summary.md")
    with pytest.raises(InputError, match="not finite"):
        check_finite_text("mean nan km", name="summary.md")


def test_od_matrix_with_a_text_weight_is_an_input_error():
    from arealsirk.proximity import clear_cache, od_matrix

    g = nx.DiGraph()
    g.add_edge(1, 2, travel_time=5.0)
    g.add_edge(2, 1, travel_time="fem")
    clear_cache()
    with pytest.raises(InputError, match="every edge's 'travel_time' must be a number"):
        od_matrix(g, [1], [2])


def test_map_out_rules(tmp_path, capsys):
    gpkg = tmp_path / "results.gpkg"
    gpkg.write_text("x")
    assert main(["map", str(gpkg), "--out", str(gpkg)]) == 2
    assert "is an input of this command" in capsys.readouterr().err
    assert main(["map", str(gpkg), "--out", str(tmp_path)]) == 2
    assert "is a folder; --out names the file to write" in capsys.readouterr().err
    assert main(["map", str(tmp_path / "none.gpkg"), "--out", str(tmp_path / "m.html")]) == 2
    assert "none.gpkg" in capsys.readouterr().err


def test_missing_scenario_is_named(tmp_path, capsys):
    with pytest.raises(MissingFileError):
        load_scenario(tmp_path / "nope.toml")


def test_library_readers_check_files_too(tmp_path, base):
    """The readers package and the raster module refuse the same broken files, naming them."""
    from arealsirk.raster import open_raster
    from arealsirk.readers.admin import read_kommuner

    empty = tmp_path / "kommuner.gpkg"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match=r"kommuner\.gpkg: file is empty \(0 bytes\)"):
        read_kommuner(empty)
    cut = tmp_path / "dem.tif"
    cut.write_bytes(base.dem.read_bytes()[: base.dem.stat().st_size // 2])
    with pytest.raises(InputError, match=r"dem\.tif: raster is truncated"), open_raster(cut):
        pass


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "s.toml", "--lang", "de"], "arealsirk run: error: argument --lang: invalid choice: 'de'"),
        (
            ["demo", "--seed", "-5"],
            "arealsirk demo: error: argument --seed: must be a whole number >= 0, got '-5'",
        ),
        (
            ["demo", "--seed", "fem"],
            "arealsirk demo: error: argument --seed: must be a whole number >= 0, got 'fem'",
        ),
        (["frob"], "arealsirk: error: argument COMMAND: invalid choice: 'frob'"),
        ([], "arealsirk: error: the following arguments are required: COMMAND"),
    ],
)
def test_usage_errors_are_one_line(argv, expected, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert info.value.code == 2 and len(err) == 1 and err[0].startswith(expected), err


def test_demo_out_is_checked_before_the_region_is_built(tmp_path, capsys, monkeypatch):
    from arealsirk import datasets

    monkeypatch.setattr(datasets, "demo_region", lambda *a, **k: pytest.fail("work started"))
    (tmp_path / "file").write_text("x")
    assert main(["--no-progress", "demo", "--out", str(tmp_path / "file")]) == 2
    assert "is an existing file, not a folder" in capsys.readouterr().err


def test_open_raster_still_accepts_a_complete_raster_without_crs(tmp_path):
    import rasterio
    from rasterio.transform import from_origin

    from arealsirk.raster import open_raster

    path = tmp_path / "nocrs.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=4,
        height=4,
        count=1,
        dtype="float32",
        transform=from_origin(0, 40, 10, 10),
    ) as dst:
        dst.write(np.ones((1, 4, 4), dtype="float32"))
    with open_raster(path) as src:
        assert src.read(1).sum() == 16


def test_a_mount_point_is_refused_as_out():
    import os

    mount = next(p for p in ("/dev/shm", "/proc", "/sys", "/dev") if os.path.ismount(p))
    with pytest.raises(OutputError, match=f"{mount}: is a mount point and cannot be replaced as a whole"):
        check_output_folder(mount)


def test_recover_removes_a_writability_probe_left_in_out(tmp_path):
    """A run killed between creating and removing its writability probe leaves an empty
    `.arealsirk-probe-*` folder inside `out` (seen once in the random-kill test); recover removes
    it, and keeps a non-empty folder of that name (not a probe)."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.md").write_text("x")
    probe = out / ".arealsirk-probe-k1ll3d"
    probe.mkdir()
    kept = out / ".arealsirk-probe-full"
    kept.mkdir()
    (kept / "f").write_text("y")
    assert recover(out) == [probe]
    assert not probe.exists() and kept.exists() and (out / "summary.md").exists()
