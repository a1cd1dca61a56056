"""Fixtures of the reliability suite: one exported demo input set, a small scenario, and helpers.

The small scenario runs the biogas theme only (kommuner, roads, sources, zones), so a complete
run takes a few seconds; every bad-input case builds its own bad file or scenario in
``tmp_path`` and points at the shared inputs, which are hashed before and after the suite.
"""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

LAYERS = ("kommuner", "roads", "sources", "zones")


def small_scenario(
    inputs: Path,
    *,
    first: str = "",
    layers: dict[str, str] | None = None,
    extra: str = "",
    sections: str | None = None,
) -> str:
    """Scenario text of the small run on ``inputs`` (absolute paths).

    ``first`` is TOML put at the top of ``[layers]`` (the layer under test is read first);
    ``layers`` replaces the inline table of named layers; ``extra`` is appended; ``sections``
    replaces the theme sections.
    """
    lines = ["[scenario]", 'name = "small"', 'lang = "en"', "", "[layers]"]
    if first:
        lines.append(first)
    layers = layers or {}
    for name in LAYERS:
        if name in layers:
            if layers[name]:
                lines.append(f"{name} = {layers[name]}")
        elif not first.startswith(f"{name} ="):
            lines.append(f'{name} = {{ path = "{inputs.as_posix()}", layer = "{name}" }}')
    lines += [
        "",
        sections
        if sections is not None
        else "[biogas]\ncount = 1\n\n[reuse]\nenabled = false\n\n[parks]\nenabled = false",
        "",
        extra,
    ]
    return "\n".join(lines) + "\n"


@dataclass
class Base:
    folder: Path
    gpkg: Path
    dem: Path
    scenario: Path

    def text(self, **kw: object) -> str:
        return small_scenario(self.gpkg, **kw)  # type: ignore[arg-type]


def tree_hash(*paths: Path) -> dict[str, str]:
    """sha256 of every file under ``paths`` (so a test can prove inputs were not touched)."""
    out: dict[str, str] = {}
    for root in paths:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for f in files:
            out[str(f)] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="session")
def base(tmp_path_factory: pytest.TempPathFactory, demo) -> Base:
    """The demo inputs exported once (read-only for every test), with the small scenario beside them."""
    folder = tmp_path_factory.mktemp("base")
    demo.export(folder)
    scenario = folder / "small.toml"
    scenario.write_text(small_scenario(folder / "inputs.gpkg"), encoding="utf-8")
    before = tree_hash(folder)
    yield Base(folder, folder / "inputs.gpkg", folder / "dem.tif", scenario)
    assert tree_hash(folder) == before, "a test changed the shared inputs"


@pytest.fixture(scope="session")
def base_layers(base: Base):
    """The demo layers as read from the exported GeoPackage (copy before changing)."""
    import pyogrio

    names = [row[0] for row in pyogrio.list_layers(base.gpkg)]
    return {n: pyogrio.read_dataframe(base.gpkg, layer=n) for n in names}


def cli_env() -> dict[str, str]:
    """Environment for a subprocess ``arealsirk`` that imports this checkout."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def cli_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "arealsirk.cli", "--no-progress", *args]
