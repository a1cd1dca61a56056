"""Import optional packages lazily, with an install hint that names the extra."""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import OptionalDependencyError

__all__ = ["require"]


def require(module: str, *, extra: str, purpose: str) -> ModuleType:
    """Import ``module`` or raise :class:`OptionalDependencyError` saying how to install it.

    Parameters
    ----------
    module
        Importable module name, e.g. ``"osmium"``.
    extra
        The ``pyproject`` extra that provides it, e.g. ``"pbf"``.
    purpose
        What it is needed for, e.g. ``"reading .osm.pbf files"``.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise OptionalDependencyError(
            f"{purpose} needs the optional package '{module}': "
            f"pip install 'arealsirk[{extra}]' (or pip install {module})"
        ) from exc
