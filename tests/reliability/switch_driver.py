"""A light process that writes one output set through the real ``write_output_set``.

``python switch_driver.py OUT LABEL SECONDS`` writes results.gpkg, map.html and summary.md,
each holding LABEL on every line, taking about SECONDS in all, then switches them in.  The
interruption tests kill it at named points (``AREALSIRK_TEST_PAUSE``) and at random moments.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from arealsirk._outputs import write_output_set

NAMES = ("results.gpkg", "map.html", "summary.md")


def _writer(label: str, name: str, seconds: float) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        with path.open("wb") as fh:
            for _ in range(10):
                fh.write(f"{label}:{name}:{'x' * 20000}\n".encode())
                fh.flush()
                time.sleep(seconds / 30)

    return write


def main() -> int:
    out, label, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    try:
        write_output_set(out, {n: _writer(label, n, seconds) for n in NAMES}, inputs=[])
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
