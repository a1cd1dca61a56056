"""Where the shared real data and the benchmark instances live (never copied into the repository).

``shared_data_dir()`` says where the real Norwegian data live (Kartverket, SSB, OSM): the
environment variable ``AREALSIRK_DATA``, or ``../shared/data`` beside the project checkout;
``shared_bench_dir()`` the same for ``AREALSIRK_BENCH`` and ``../shared/bench``.  A kernel
module: any stage may import it.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import MissingFileError

__all__ = ["shared_bench_dir", "shared_data_dir"]

_PROJECT_ROOT = Path(__file__).resolve().parent.parent  # arealsirk/paths.py -> the checkout


def shared_data_dir(*, must_exist: bool = True) -> Path:
    """Folder with the real data: ``$AREALSIRK_DATA`` or ``<project>/../shared/data``.

    Parameters
    ----------
    must_exist
        ``True`` (default): raise :class:`~arealsirk.errors.MissingFileError` when the folder is
        not there. ``False``: return the path anyway (to say where the data would be looked for).
    """
    path = Path(os.environ.get("AREALSIRK_DATA", _PROJECT_ROOT.parent / "shared" / "data"))
    if must_exist and not path.is_dir():
        raise MissingFileError(
            f"{path}: shared data folder not found; set AREALSIRK_DATA to the folder holding "
            "kommuner_fylker_2024/, ringerike_hadeland/, ssb_popgrid_2015/ ...")
    return path


def shared_bench_dir(*, must_exist: bool = True) -> Path:
    """Folder with the benchmark instances: ``$AREALSIRK_BENCH`` or ``<project>/../shared/bench``.

    Parameters
    ----------
    must_exist
        ``True`` (default): raise :class:`~arealsirk.errors.MissingFileError` when the folder is
        not there. ``False``: return the path anyway (a caller that skips missing instances).
    """
    path = Path(os.environ.get("AREALSIRK_BENCH", _PROJECT_ROOT.parent / "shared" / "bench"))
    if must_exist and not path.is_dir():
        raise MissingFileError(f"{path}: benchmark folder not found; set AREALSIRK_BENCH")
    return path
