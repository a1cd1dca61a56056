"""arealsirk: siting circular industrial parks, biogas plants and reuse centres.

The package imports nothing heavy at import time; the public entry points are
reached through their modules (``arealsirk.proximity.od_matrix``,
``arealsirk.locate.p_median``, ``arealsirk.workflows.biogas``...) or lazily
through the names below.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any


def _version() -> str:
    """The version written once, in pyproject.toml: from the installed package's metadata, else
    (a source checkout on ``PYTHONPATH``, never installed) from the pyproject.toml beside it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("arealsirk")
    except PackageNotFoundError:
        import tomllib
        from pathlib import Path

        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        try:
            return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "0+unknown"


__version__ = _version()

logging.getLogger("arealsirk").addHandler(logging.NullHandler())

_LAZY = {
    "run_demo": "arealsirk.pipeline",
    "run_scenario": "arealsirk.pipeline",
    "od_matrix": "arealsirk.proximity",
    "ArealsirkError": "arealsirk.errors",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'arealsirk' has no attribute {name!r}")
