#!/usr/bin/env bash
# Install Debian's QGIS and a QGIS-compatible Python venv for the arealsirk QGIS plugin tests.
#
# Usage: scripts/setup_qgis.sh [VENV_DIR]        (default: <repo>/.venv-qgis)
#
# Idempotent and non-interactive.  Needs root or sudo for apt-get (skipped when the packages are
# already installed).  The venv is created with /usr/bin/python3 -m venv --system-site-packages so
# that QGIS's own Python bindings (python3-qgis) are importable, and the project is pip-installed
# editable with numpy pinned to Debian's numpy (a numpy 2 upgrade breaks Debian's compiled GDAL /
# scipy / QGIS modules; see GUIDE section 4).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${1:-$REPO/.venv-qgis}"
case "$VENV" in /*) ;; *) VENV="$REPO/$VENV" ;; esac

# libproj-dev + build-essential + python3-dev: pyproj is compiled against Debian's PROJ (see below).
APT_PACKAGES=(qgis python3-qgis qgis-providers python3-venv python3-pip libproj-dev build-essential python3-dev
              pkg-config)

log() { printf '[setup_qgis] %s\n' "$*"; }

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

if ((${#missing[@]})); then
    if ! command -v apt-get >/dev/null 2>&1; then
        log "apt-get not found: this script supports Debian/Ubuntu only. Install QGIS >= 3.22 with its"
        log "Python bindings yourself (see docs/qgis.md) and create the venv by hand."
        exit 1
    fi
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
            log "need root or sudo to install: ${missing[*]}"; exit 1
        fi
    fi
    log "installing apt packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}"
else
    log "apt packages already installed: ${APT_PACKAGES[*]}"
fi

# Debian's numpy version, read from the system python (not assumed), so pip never upgrades it.
NUMPY_VERSION="$(/usr/bin/python3 -c 'import numpy; print(numpy.__version__)' 2>/dev/null || echo 1.24.2)"

if [ ! -x "$VENV/bin/python" ]; then
    log "creating venv $VENV (system site packages)"
    /usr/bin/python3 -m venv --system-site-packages "$VENV"
else
    log "venv exists: $VENV"
fi

CONSTRAINTS="$(mktemp)"
trap 'rm -f "$CONSTRAINTS"' EXIT
export PIP_DISABLE_PIP_VERSION_CHECK=1

# pyproj must use Debian's PROJ, not the copy bundled in the pyproj wheel: QGIS links the system
# libproj into its executables, the wheel's libproj then binds to the same C++ symbols, and both
# destroy the same static objects at exit -> "munmap_chunk(): invalid pointer" / abort (rc 134) at
# the end of every qgis_process run and when QGIS closes.  pyproj 3.6.x is the newest release that
# builds against bookworm's PROJ 9.1 (3.7 needs PROJ >= 9.2); Cython < 3.1 is needed to build it.
PROJ_VERSION="$(pkg-config --modversion proj)"
PYPROJ_OK="$("$VENV/bin/python" - "$PROJ_VERSION" <<'PY' 2>/dev/null || true
import os, sys
import pyproj
in_venv = os.path.realpath(pyproj.__file__).startswith(os.path.realpath(sys.prefix) + os.sep)
bundled = os.path.isdir(os.path.join(os.path.dirname(os.path.dirname(pyproj.__file__)), "pyproj.libs"))
new_enough = tuple(int(x) for x in pyproj.__version__.split(".")[:2]) >= (3, 6)
print("yes" if (in_venv and new_enough and not bundled and pyproj.proj_version_str == sys.argv[1]) else "no")
PY
)"
if [ "$PYPROJ_OK" != "yes" ]; then
    log "building pyproj against Debian's PROJ $PROJ_VERSION (takes a few minutes)"
    printf 'numpy==%s\ncython<3.1\n' "$NUMPY_VERSION" >"$CONSTRAINTS"
    PIP_CONSTRAINT="$CONSTRAINTS" PROJ_DIR=/usr PROJ_VERSION="$PROJ_VERSION" \
        "$VENV/bin/python" -m pip install -q --force-reinstall --no-deps --no-binary pyproj "pyproj>=3.6,<3.7"
else
    log "pyproj already uses Debian's PROJ $PROJ_VERSION"
fi
# pyproj finds proj.db under <sys.prefix>/share/proj: point that at Debian's PROJ data.
mkdir -p "$VENV/share"
ln -sfn /usr/share/proj "$VENV/share/proj"
PYPROJ_VERSION="$("$VENV/bin/python" -c 'import pyproj; print(pyproj.__version__)')"

printf 'numpy==%s\npyproj==%s\n' "$NUMPY_VERSION" "$PYPROJ_VERSION" >"$CONSTRAINTS"
log "pip installing the project (editable) with numpy==$NUMPY_VERSION, pyproj==$PYPROJ_VERSION, pytest, pytest-qgis"
"$VENV/bin/python" -m pip install -q -c "$CONSTRAINTS" -e "$REPO" pytest pytest-qgis

log "checking the venv"
QT_QPA_PLATFORM=offscreen "$VENV/bin/python" - <<'PY'
import numpy, geopandas, shapely, pandas, pyproj
from qgis.core import Qgis
import arealsirk
assert pyproj.CRS("EPSG:25833").to_epsg() == 25833
print(f"[setup_qgis] QGIS {Qgis.QGIS_VERSION}, numpy {numpy.__version__}, pandas {pandas.__version__}, "
      f"geopandas {geopandas.__version__}, shapely {shapely.__version__}, pyproj {pyproj.__version__} "
      f"(PROJ {pyproj.proj_version_str}), arealsirk {arealsirk.__version__}")
PY
log "done: run the QGIS tests with"
log "  QT_QPA_PLATFORM=offscreen $VENV/bin/python -m pytest tests_qgis -o qgis_gui_enabled=false"
