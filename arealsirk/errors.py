"""One error hierarchy for the whole library.

Every error a user can cause derives from :class:`ArealsirkError`, and each leaf
also subclasses the builtin a Python user would expect (``ValueError`` for bad
input, ``FileNotFoundError`` for a missing file, ``ImportError`` for a missing
optional package).  The CLI prints ``str(error)`` as one line and exits with
status 2; the QGIS plugin turns it into a ``QgsProcessingException``.
:func:`user_message` is the one mapping both use: it tells a user error (this
hierarchy, the user's file system, an undecodable input file) from a bug.

Messages name *where* the problem is: the file, the layer and the column (or the
scenario key and line), so a planner can fix the input without a traceback.
"""

from __future__ import annotations

__all__ = [
    "ArealsirkError",
    "CancelledError",
    "CrsError",
    "DuplicateIdError",
    "EmptyLayerError",
    "GeometryError",
    "InfeasibleError",
    "InputError",
    "MissingColumnError",
    "MissingFileError",
    "NoOverlapError",
    "OptionalDependencyError",
    "OutputError",
    "ScenarioError",
    "SolverError",
    "user_message",
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


def _one_line(text: str) -> str:
    return " ".join(text.split())


def user_message(exc: BaseException) -> tuple[bool, str]:
    """Tell a user error from a bug and give its one-line message.

    User errors are :class:`ArealsirkError` (bad input, named where it is), every
    :class:`OSError` (the user's file system: a missing file, a folder where a file was
    expected, no permission, a full disk; shown as ``path: reason``) and a
    :class:`UnicodeDecodeError` of an input file.  Anything else is a bug.  The CLI prints
    user errors with status 2 and bugs with status 1 and a hint to ``--debug``; the QGIS
    algorithms raise ``QgsProcessingException(message)`` for user errors and log the
    traceback for bugs.

    Parameters
    ----------
    exc
        The exception caught at the boundary.

    Returns
    -------
    tuple of (bool, str)
        ``(True, message)`` for a user error, ``(False, "Type: message")`` for a bug.
    """
    if isinstance(exc, ArealsirkError):
        return True, _one_line(str(exc)) or type(exc).__name__
    if isinstance(exc, UnicodeDecodeError):
        return True, _one_line(f"an input file is not text in the {exc.encoding} encoding "
                               f"({exc.reason} at byte {exc.start}); save it as UTF-8")
    if isinstance(exc, OSError):
        reason = (exc.strerror or str(exc) or type(exc).__name__).lower()
        if exc.filename is not None:
            to = f" -> {exc.filename2}" if getattr(exc, "filename2", None) else ""
            return True, _one_line(f"{exc.filename}{to}: {reason}")
        return True, _one_line(str(exc)) or type(exc).__name__
    text = _one_line(str(exc))
    return False, f"{type(exc).__name__}: {text}" if text else type(exc).__name__
