"""One error hierarchy for the whole library.

Every error a user can cause derives from :class:`ArealsirkError`, and each leaf
also subclasses the builtin a Python user would expect (``ValueError`` for bad
input, ``FileNotFoundError`` for a missing file, ``ImportError`` for a missing
optional package).  The CLI prints ``str(error)`` as one line and exits with
status 2; the QGIS plugin turns it into a ``QgsProcessingException``.

Messages name *where* the problem is: the file, the layer and the column (or the
scenario key and line), so a planner can fix the input without a traceback.
"""

from __future__ import annotations

__all__ = [
    "ArealsirkError",
    "InputError",
    "MissingColumnError",
    "CrsError",
    "GeometryError",
    "EmptyLayerError",
    "DuplicateIdError",
    "NoOverlapError",
    "ScenarioError",
    "MissingFileError",
    "OutputError",
    "OptionalDependencyError",
    "InfeasibleError",
    "SolverError",
    "CancelledError",
    "where",
]


class ArealsirkError(Exception):
    """Root of every error raised on purpose by arealsirk."""


class InputError(ValueError, ArealsirkError):
    """Input data or a parameter is not usable as given."""


class MissingColumnError(InputError):
    """A required column (field) is absent from a layer."""


class CrsError(InputError):
    """A layer or raster has no CRS, or one that cannot be used."""


class GeometryError(InputError):
    """Geometries are of the wrong type, or invalid beyond repair."""


class EmptyLayerError(InputError):
    """A layer has no features (or none left after filtering)."""


class DuplicateIdError(InputError):
    """An identifier column holds the same value more than once."""


class NoOverlapError(InputError):
    """A layer does not overlap the study area."""


class ScenarioError(InputError):
    """A scenario file has an unknown key, a wrong type or a missing value."""


class MissingFileError(FileNotFoundError, ArealsirkError):
    """An input file (or a layer inside it) does not exist."""


class OutputError(OSError, ArealsirkError):
    """An output cannot be written (for example it would overwrite an input)."""


class OptionalDependencyError(ImportError, ArealsirkError):
    """An optional package is needed for this function; the message says how to install it."""


class InfeasibleError(ArealsirkError):
    """A model has no feasible solution; the message says why."""


class SolverError(RuntimeError, ArealsirkError):
    """A solver failed for a reason that is not the user's input."""


class CancelledError(ArealsirkError):
    """The user cancelled a long-running task (QGIS cancel button, Ctrl-C)."""


def where(*, file: object = None, layer: str | None = None, column: str | None = None) -> str:
    """Format a location prefix such as ``"roads.gpkg, layer 'veg', column 'speed': "``.

    Parameters
    ----------
    file, layer, column
        The parts that are known; unknown parts are left out.

    Returns
    -------
    str
        A prefix ending in ``": "``, or ``""`` when nothing is known.
    """
    parts = []
    if file is not None:
        parts.append(str(file))
    if layer is not None:
        parts.append(f"layer '{layer}'")
    if column is not None:
        parts.append(f"column '{column}'")
    return (", ".join(parts) + ": ") if parts else ""
