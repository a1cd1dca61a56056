"""Every case of the bad-input corpus through ``arealsirk run``: one line, status 2, nothing written.

In-process through :func:`arealsirk.cli.main` for every case, and a sample through a real
subprocess (the console entry point, exit status and stderr as a planner sees them).
"""

from __future__ import annotations

import subprocess

import pytest

from arealsirk.cli import main

from .conftest import cli_cmd, cli_env, tree_hash
from .corpus import CASES

SUBPROCESS = [
    "S-latin-1",
    "S-layer-path-int",
    "F-dem-truncated",
    "O-inputs-folder",
    "O-existing-file",
    "L-sources-kind-misspelt",
]


def _check(code: int, err: str, expected: str, tmp_path, before: dict) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, err
    assert "Traceback" not in err
    assert len(lines) == 1, lines
    assert lines[0].startswith("arealsirk: error: "), lines
    assert expected in lines[0], f"expected {expected!r} in {lines[0]!r}"
    assert not [p for p in tmp_path.rglob(".*arealsirk-*")], "debris left"
    assert tree_hash(tmp_path) == before, "a file was written or changed"


def test_corpus_is_large_enough():
    assert len(CASES) >= 120, len(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_one_line(case, tmp_path, base, base_layers, capsys):
    argv, expected = CASES[case](tmp_path, base, base_layers)
    before = tree_hash(tmp_path)
    capsys.readouterr()
    code = main(["--no-progress", *argv])
    _check(code, capsys.readouterr().err, expected, tmp_path, before)


@pytest.mark.parametrize("case", SUBPROCESS)
def test_bad_input_in_a_subprocess(case, tmp_path, base, base_layers):
    argv, expected = CASES[case](tmp_path, base, base_layers)
    before = tree_hash(tmp_path)
    proc = subprocess.run(
        cli_cmd(*argv), capture_output=True, text=True, env=cli_env(), timeout=120, check=False
    )
    _check(proc.returncode, proc.stderr, expected, tmp_path, before)
    assert proc.stdout == ""
