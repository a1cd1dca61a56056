"""The version is written once (pyproject.toml); ``arealsirk.__version__`` reads it."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import arealsirk

ROOT = Path(__file__).resolve().parents[2]


def _pyproject_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def test_version_is_the_pyproject_version():
    assert arealsirk.__version__ == _pyproject_version()


def test_version_without_installed_metadata_reads_the_checkout(tmp_path):
    """A checkout that was never installed: importlib.metadata finds nothing, pyproject.toml answers."""
    code = ("import importlib.metadata as m\n"
            "def missing(name):\n"
            "    raise m.PackageNotFoundError(name)\n"
            "m.version = missing\n"
            "import arealsirk\n"
            "print(arealsirk.__version__)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=tmp_path, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == _pyproject_version()
