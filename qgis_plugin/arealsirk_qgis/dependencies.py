"""Check that the arealsirk library and its dependencies import in QGIS's Python.

The plugin itself only needs ``qgis``.  Its algorithms call the ``arealsirk``
library, which needs geopandas, shapely, pyproj, pyogrio, networkx, scipy ...
When any of these cannot be imported, the plugin still loads, registers a
provider without algorithms, and shows exactly what to install for the
platform QGIS runs on (Debian/Ubuntu, OSGeo4W on Windows, macOS).

This module imports nothing outside the standard library at import time, so it
can never be the reason the plugin fails to load.
"""

from __future__ import annotations

import importlib
import platform
import sys
from dataclasses import dataclass, field

#: (module to import, pip distribution name).  ``arealsirk`` first: when it is
#: missing altogether the other rows are what pip pulls in with it anyway.
REQUIRED: tuple[tuple[str, str], ...] = (
    ("arealsirk", "arealsirk"),
    ("numpy", "numpy"),
    ("pandas", "pandas"),
    ("shapely", "shapely"),
    ("pyproj", "pyproj"),
    ("pyogrio", "pyogrio"),
    ("geopandas", "geopandas"),
    ("networkx", "networkx"),
    ("scipy", "scipy"),
)

#: Lowest versions known to work with the library (Debian bookworm's QGIS 3.22 Python).
MINIMUM_VERSIONS: dict[str, str] = {"geopandas": "1.0", "shapely": "2.0", "pandas": "2.0"}


@dataclass
class DependencyReport:
    """What imported and what did not, with per-platform install instructions."""

    missing: dict[str, str] = field(default_factory=dict)  # distribution -> reason
    versions: dict[str, str] = field(default_factory=dict)  # module -> version

    @property
    def ok(self) -> bool:
        return not self.missing

    def summary(self) -> str:
        """One line naming what is missing, for message bars and the provider warning."""
        if self.ok:
            return "arealsirk and its dependencies are installed"
        return (
            "arealsirk cannot run: these Python packages are missing or broken in QGIS's Python: "
            + ", ".join(sorted(self.missing))
        )

    def details(self) -> str:
        """The reason per package and what to install on each platform (plain text)."""
        lines = [self.summary(), ""]
        for dist, reason in sorted(self.missing.items()):
            lines.append(f"  - {dist}: {reason}")
        lines += [
            "",
            f"QGIS's Python: {sys.version.split()[0]} at {sys.prefix}",
            "",
            install_instructions(sorted(self.missing)),
        ]
        return "\n".join(lines)


def _version_tuple(text: str) -> tuple[int, ...]:
    out: list[int] = []
    for part in text.split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        if not digits:
            break
        out.append(int(digits))
    return tuple(out)


def check() -> DependencyReport:
    """Import every required module; collect what fails and why (never raises)."""
    report = DependencyReport()
    for module, dist in REQUIRED:
        try:
            mod = importlib.import_module(module)
        except Exception as exc:  # ImportError, but also ABI errors (numpy 2 vs 1) surface oddly
            report.missing[dist] = f"{type(exc).__name__}: {exc}"
            continue
        version = str(getattr(mod, "__version__", "?"))
        report.versions[module] = version
        minimum = MINIMUM_VERSIONS.get(module)
        if minimum and version != "?" and _version_tuple(version) < _version_tuple(minimum):
            report.missing[dist] = f"version {version} is too old (need >= {minimum})"
    return report


def install_instructions(missing: list[str] | None = None) -> str:
    """Per-platform commands that install the library into QGIS's own Python."""
    pkgs = "arealsirk"  # pulls geopandas, shapely, pyproj, networkx, scipy ... with it
    current = {
        "Linux": "Debian/Ubuntu",
        "Windows": "Windows (OSGeo4W / QGIS installer)",
        "Darwin": "macOS",
    }.get(platform.system(), platform.system())
    return "\n".join(
        [
            f"How to install (this computer: {current}). Install into the Python that QGIS uses, keep its",
            "numpy (upgrading numpy to 2.x breaks QGIS's own GDAL and scipy), then restart QGIS.",
            "If arealsirk is not on your package index, replace 'arealsirk' by the path of a source checkout",
            "or a wheel file (for example /home/me/arealsirk or arealsirk-0.1.0-py3-none-any.whl).",
            "",
            "Debian/Ubuntu (QGIS from apt, system python3):",
            "  sudo apt install python3-pip python3-numpy python3-scipy",
            "  python3 -m pip install --user --break-system-packages \\",
            "      \"numpy==$(python3 -c 'import numpy; print(numpy.__version__)')\" " + pkgs,
            "",
            "Windows (OSGeo4W or the standalone QGIS installer): open the 'OSGeo4W Shell' from the Start",
            "menu (as administrator for a system-wide install) and run:",
            '  python -c "import numpy; print(numpy.__version__)"      (note the version, e.g. 1.26.4)',
            '  python -m pip install "numpy==<that version>" ' + pkgs,
            "",
            "macOS (QGIS.app from qgis.org; use QGIS-LTR.app for the LTR build):",
            "  PY=/Applications/QGIS.app/Contents/MacOS/bin/python3",
            '  "$PY" -m pip install --user "numpy==$("$PY" -c \'import numpy; print(numpy.__version__)\')" '
            + pkgs,
            "",
            "Check from the QGIS Python console: import arealsirk, geopandas; print(arealsirk.__version__)",
        ]
    )
