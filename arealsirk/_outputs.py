"""The output folder, written as a whole.

A run writes several files (``results.gpkg``, ``map.html``, ``summary.md`` ...).  Readers
must never see files of two runs side by side, nor a half-written set.  So every file is
written into a *staging* folder beside the output folder, checked, and the staging folder
is then switched in for the output folder as a whole:

* On Linux the switch is one ``renameat2(RENAME_EXCHANGE)`` system call: the output folder
  path names the complete previous set until the call, and the complete new set after it.
  There is no moment at which it names anything else, whatever signal arrives.
* Elsewhere (or on a file system without the exchange call) the switch is two renames:
  the previous folder to a sibling ``.<name>.arealsirk-old-*``, then the staging folder to
  the output name.  A run killed between the two renames leaves the complete previous set
  under the ``old`` name, and the next run (or :func:`recover`) renames it back first.
* A first run (no previous folder) is one ``rename``.

Leftovers of killed runs -- staging folders, the previous generation not yet deleted --
carry the process id in their name and are removed by the next run, unless that process
is still alive.  The output folder holds a manifest ``.arealsirk-output.json`` listing the
files of the set; a folder holding files arealsirk did not write is refused rather than
replaced (it might be a folder of the planner's own files).

``--out`` is checked before any work starts (:func:`check_output_folder`): it must not be,
contain, or lie inside an input; not be an existing file, nor lie under a file; not be or
contain the current folder; and its parent must be writable.

Test hook: with ``AREALSIRK_TEST_PAUSE=<point>`` and ``AREALSIRK_TEST_PAUSE_FILE=<path>`` in
the environment, the writer creates ``<path>`` and sleeps 60 s when it reaches ``<point>``
(``computing`` (the pipeline, before the models run), ``staging``, ``writing``, ``staged``,
``between`` (two-rename mode only), ``switched``), so
tests can interrupt a run at exactly that moment.  ``AREALSIRK_OUTPUT_SWITCH=rename`` forces
the two-rename switch.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import json
import logging
import os
import re
import secrets
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from .errors import OutputError

log = logging.getLogger("arealsirk")

__all__ = [
    "KNOWN_OUTPUTS",
    "MANIFEST",
    "check_finite_tables",
    "check_finite_text",
    "check_output_file",
    "check_output_folder",
    "recover",
    "write_output_set",
]

#: File in every output folder listing the files of its set.
MANIFEST = ".arealsirk-output.json"
#: Files arealsirk writes into an output folder (an older folder without manifest may hold them).
KNOWN_OUTPUTS = frozenset({"results.gpkg", "map.html", "summary.md", "report.html", "report.docx",
                           "report.md", MANIFEST})
_DEBRIS = re.compile(r"^\.(?P<name>.+)\.arealsirk-(?P<kind>new|old)-(?P<pid>\d+)-[0-9a-f]+$")
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def pause_point(point: str) -> None:
    """Test hook: stop at a named point so a test can send a signal there (see module doc)."""
    if os.environ.get("AREALSIRK_TEST_PAUSE") != point:
        return
    flag = os.environ.get("AREALSIRK_TEST_PAUSE_FILE")
    if flag:
        Path(flag).write_text(point, encoding="utf-8")
    # short sleeps, not one sleep(60): a signal that lands after the flag is written but before the
    # sleep's system call starts is only acted on when that call returns, so one long sleep would hold
    # the test's signal for the full minute (seen once in CI as a driver that "did not end")
    end = time.monotonic() + 60
    while time.monotonic() < end:
        time.sleep(0.05)


def _is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_output_folder(out: str | os.PathLike[str], *,
                        inputs: Iterable[str | os.PathLike[str]] = ()) -> Path:
    """Refuse an output folder that would overwrite, hold or sit inside an input, before any work.

    Parameters
    ----------
    out
        The output folder (``--out``).
    inputs
        Every input file or folder of the run (scenario file, layer files, rasters).

    Returns
    -------
    pathlib.Path
        ``out``, resolved.

    Raises
    ------
    OutputError
        One line naming ``out`` and the reason.
    """
    given = Path(out)
    target = given.resolve()
    for raw in inputs:
        inp = Path(raw).resolve()
        if target == inp:
            raise OutputError(f"{given}: is an input of this run ({raw}); choose another --out")
        if _is_within(inp, target):
            raise OutputError(f"{given}: contains the input {raw}; the output folder is replaced as a "
                              "whole, so choose a folder that holds no input")
        if _is_within(target, inp):
            raise OutputError(f"{given}: lies inside the input {raw}; choose another --out")
    for anc in [target, *target.parents]:
        if anc.exists() and not anc.is_dir():
            if anc == target:
                raise OutputError(f"{given}: is an existing file, not a folder; --out names a folder")
            raise OutputError(f"{given}: cannot be a folder because {anc} is a file")
    if _is_within(Path.cwd().resolve(), target):
        raise OutputError(f"{given}: is (or contains) the current folder; the output folder is replaced "
                          "as a whole, so name a subfolder such as 'out'")
    if target.exists():
        if os.path.ismount(target):
            raise OutputError(f"{given}: is a mount point and cannot be replaced as a whole; name a folder "
                              "inside it")
        _check_ours(given, target)
    parent = next(p for p in target.parents if p.exists())
    for folder in ([target] if target.exists() else []) + [parent]:
        _probe_writable(given, folder)
    return target


_PROBE_PREFIX = ".arealsirk-probe-"


def _probe_writable(given: Path, folder: Path) -> None:
    """Create and remove a folder in ``folder``: the only honest test that a run can write there."""
    import tempfile

    try:
        probe = tempfile.mkdtemp(prefix=_PROBE_PREFIX, dir=folder)
        with contextlib.suppress(FileNotFoundError):  # recover() took it for a killed run's: written
            os.rmdir(probe)
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise OutputError(f"{given}: cannot write in {folder} ({reason}); choose another --out") from None


def check_output_file(out: str | os.PathLike[str], *,
                      inputs: Iterable[str | os.PathLike[str]] = ()) -> Path:
    """Refuse a single output file (``arealsirk map --out``) that is an input, a folder or under a file.

    Raises
    ------
    OutputError
        One line naming ``out`` and the reason.
    """
    given = Path(out)
    target = given.resolve()
    if target.is_dir():
        raise OutputError(f"{given}: is a folder; --out names the file to write")
    for anc in target.parents:
        if anc.exists() and not anc.is_dir():
            raise OutputError(f"{given}: cannot be written because {anc} is a file")
    for raw in inputs:
        if Path(raw).resolve() == target:
            raise OutputError(f"{given}: is an input of this command ({raw}); choose another --out")
    _probe_writable(given, next(p for p in target.parents if p.exists()))
    return target


def _check_ours(given: Path, target: Path) -> None:
    """Refuse to replace a folder holding files arealsirk did not write."""
    names = {p.name for p in target.iterdir()}
    listed: set[str] = set()
    manifest = target / MANIFEST
    if manifest.is_file():
        with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
            listed = set(json.loads(manifest.read_text(encoding="utf-8")).get("files", {}))
    foreign = sorted(n for n in names if n not in KNOWN_OUTPUTS and n not in listed
                     and not n.startswith(".arealsirk-") and not _sidecar(n))
    if foreign:
        more = f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        raise OutputError(f"{given}: holds files arealsirk did not write ({', '.join(foreign[:5])}{more}); "
                          "the output folder is replaced as a whole, so choose a new or empty folder")


def _sidecar(name: str) -> bool:
    return any(name.endswith(s) for s in ("-journal", "-wal", "-shm")) or name.endswith(".aux.xml")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:  # Windows: no such process, or no permission to ask
        return False
    return True


def recover(out: str | os.PathLike[str]) -> list[Path]:
    """Repair what killed runs left beside ``out``; return the leftovers removed.

    A previous set stranded under its ``old`` name (run killed between the two renames of
    the fallback switch) is renamed back when ``out`` is missing; every other leftover of a
    process that is no longer running is deleted.
    """
    target = Path(out).resolve()
    parent = target.parent
    if not parent.is_dir():
        return []
    debris = []
    for entry in parent.iterdir():
        m = _DEBRIS.match(entry.name)
        if m and m.group("name") == target.name and entry.is_dir() and not _alive(int(m.group("pid"))):
            debris.append((m.group("kind"), entry))
    olds = sorted((e for k, e in debris if k == "old"), key=lambda e: e.stat().st_mtime, reverse=True)
    if not target.exists() and olds:
        os.rename(olds[0], target)
        log.warning("%s: restored the previous results left by an interrupted run", target)
        debris = [(k, e) for k, e in debris if e != olds[0]]
    removed = []
    for _, entry in debris:
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
        log.info("removed %s, left by an interrupted run", entry)
    # a run killed while probing that it can write in ``out`` leaves the (empty) probe folder there
    for entry in target.glob(f"{_PROBE_PREFIX}*") if target.is_dir() else ():
        try:
            entry.rmdir()
        except OSError:  # not empty, or gone: not a probe left behind
            continue
        removed.append(entry)
        log.info("removed %s, left by an interrupted run", entry)
    return removed


def write_output_set(out: str | os.PathLike[str], writers: Mapping[str, Callable[[Path], Any]], *,
                     inputs: Iterable[str | os.PathLike[str]] = (),
                     is_cancelled: Callable[[], bool] | None = None) -> dict[str, Path]:
    """Write a complete set of output files and switch it in for ``out`` as a whole.

    Parameters
    ----------
    out
        The output folder; replaced as a whole (see the module doc for the guarantee).
    writers
        File name -> ``writer(path)`` that writes that file.  Every name must be a plain file
        name; each writer must create its file.
    inputs
        Input files and folders of the run; ``out`` is refused if it would touch them.
    is_cancelled
        Checked before the switch: a cancelled run leaves the previous set in place.

    Returns
    -------
    dict
        File name -> final path inside ``out``.

    Raises
    ------
    OutputError
        ``out`` refused (see :func:`check_output_folder`), or a writer produced no file.
    """
    from .errors import CancelledError

    target = check_output_folder(out, inputs=inputs)
    for name in writers:
        if name in (MANIFEST, "", ".", "..") or Path(name).name != name:
            raise OutputError(f"{name!r}: not a plain output file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    recover(target)
    staging = target.parent / f".{target.name}.arealsirk-new-{os.getpid()}-{secrets.token_hex(4)}"
    staging.mkdir()
    try:
        pause_point("staging")
        files: dict[str, int] = {}
        for k, (name, writer) in enumerate(writers.items()):
            writer(staging / name)
            path = staging / name
            if not path.is_file() or path.stat().st_size == 0:
                raise OutputError(f"{Path(out) / name}: the writer produced no file; nothing was replaced")
            files[name] = path.stat().st_size
            if k == 0:
                pause_point("writing")
        created = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        manifest = {"files": files, "created": created}
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        _fsync_tree(staging)
        if is_cancelled is not None and is_cancelled():
            raise CancelledError("cancelled before the results were switched in; "
                                 "the previous results are kept")
        pause_point("staged")
        _switch(staging, target)
        _fsync_tree(target.parent, files=False)  # make the switch itself durable
    finally:
        # after a successful switch `staging` names the previous generation
        shutil.rmtree(staging, ignore_errors=True)
    return {name: target / name for name in writers}


def _switch(staging: Path, target: Path) -> None:
    """Put ``staging`` at ``target``; the previous ``target`` ends up at ``staging``."""
    if not target.exists():
        os.rename(staging, target)
        pause_point("switched")
        return
    if os.environ.get("AREALSIRK_OUTPUT_SWITCH") != "rename" and _exchange(staging, target):
        pause_point("switched")
        return
    old = staging.with_name(staging.name.replace(".arealsirk-new-", ".arealsirk-old-"))
    os.rename(target, old)
    try:
        pause_point("between")
        os.rename(staging, target)
    except BaseException:
        if not target.exists():
            os.rename(old, target)  # put the previous set back; a killed run leaves it to recover()
        raise
    os.rename(old, staging)
    pause_point("switched")


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two folders (Linux ``renameat2``); False when unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _fsync_tree(folder: Path, *, files: bool = True) -> None:
    """Flush the files of ``folder`` (and the folder entry itself) to disk: a power cut keeps them."""
    for path in [*(folder.iterdir() if files else ()), folder]:
        with contextlib.suppress(OSError):
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


_NONFINITE = re.compile(r"(?<![\w.])[-+]?(?:inf|nan|Infinity|NaN|INF|NAN)(?![\w])")


def check_finite_text(text: str, *, name: str) -> None:
    """Refuse a text output (summary) that shows ``inf`` or ``nan`` as a figure.

    Raises
    ------
    InputError
        Naming the output and the line; such figures come from inputs too large or too
        small for the computation.
    """
    from .errors import InputError

    for n, line in enumerate(text.splitlines(), start=1):
        if _NONFINITE.search(line):
            raise InputError(f"{name}, line {n}: a figure is not finite ({line.strip()[:80]!r}); an input "
                             "number is too large for the computation - nothing was written")


def check_finite_tables(tables: Mapping[str, Any], *, name: str) -> None:
    """Refuse tables (layers) holding an infinite number; NaN is written as an empty (NULL) cell.

    Raises
    ------
    InputError
        Naming the output file, table and column.
    """
    import numpy as np
    import pandas as pd

    from .errors import InputError

    for table_name, frame in tables.items():
        if not isinstance(frame, pd.DataFrame):
            continue
        for col in frame.columns:
            series = frame[col]
            if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
                continue
            values = series.to_numpy(dtype=float, na_value=np.nan)
            bad = np.isinf(values)
            if bad.any():
                raise InputError(f"{name}, table '{table_name}', column '{col}': {int(bad.sum())} infinite "
                                 "value(s); an input number is too large for the computation - nothing "
                                 "was written")
