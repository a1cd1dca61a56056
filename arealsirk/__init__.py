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

__version__ = "0.1.0"

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
