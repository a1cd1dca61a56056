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

APT_PACKAGES=(qgis python3-qgis qgis-providers python3-venv python3-pip)

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
printf 'numpy==%s\n' "$NUMPY_VERSION" >"$CONSTRAINTS"

export PIP_DISABLE_PIP_VERSION_CHECK=1
log "pip installing the project (editable) with numpy==$NUMPY_VERSION, pytest, pytest-qgis"
"$VENV/bin/python" -m pip install -q -c "$CONSTRAINTS" -e "$REPO" pytest pytest-qgis

log "checking the venv"
QT_QPA_PLATFORM=offscreen "$VENV/bin/python" - <<'PY'
import numpy, geopandas, shapely, pandas
from qgis.core import Qgis
import arealsirk
print(f"[setup_qgis] QGIS {Qgis.QGIS_VERSION}, numpy {numpy.__version__}, pandas {pandas.__version__}, "
      f"geopandas {geopandas.__version__}, shapely {shapely.__version__}, arealsirk {arealsirk.__version__}")
PY
log "done: run the QGIS tests with"
log "  QT_QPA_PLATFORM=offscreen $VENV/bin/python -m pytest tests_qgis -o qgis_gui_enabled=false"
