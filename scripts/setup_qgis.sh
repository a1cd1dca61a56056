#!/usr/bin/env bash
# Install Debian's QGIS and a QGIS-compatible Python venv for the arealsirk QGIS plugin tests.
#
# Usage: scripts/setup_qgis.sh [VENV_DIR]        (default: <repo>/.venv-qgis)
#
# Idempotent and non-interactive.  Needs root or sudo for apt-get (skipped when the packages are
# already installed).  The venv is created with /usr/bin/python3 -m venv --system-site-packages so
# that QGIS's own Python bindings (python3-qgis) are importable, and the project is pip-installed
# editable with numpy pinned to Debian's numpy (a numpy 2 upgrade breaks Debian's compiled GDAL /
# scipy / QGIS modules; see GUIDE section 4).  pyproj, shapely, pyogrio and rasterio are compiled
# against Debian's PROJ/GEOS/GDAL (why: see below).  A fresh run takes ~10-15 minutes on a small
# machine (mostly compiling rasterio); a second run ~20 s.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${1:-$REPO/.venv-qgis}"
case "$VENV" in /*) ;; *) VENV="$REPO/$VENV" ;; esac

# -dev packages + compiler: pyproj, shapely, pyogrio and rasterio are compiled against Debian's
# PROJ, GEOS and GDAL (see below).
# xvfb + xauth: the QGIS desktop test runs QGIS on a virtual X server (it cannot start offscreen).
APT_PACKAGES=(qgis python3-qgis qgis-providers python3-venv python3-pip build-essential python3-dev pkg-config
              libproj-dev libgeos-dev libgdal-dev xvfb xauth)

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
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}"
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

# pyproj, shapely, pyogrio and rasterio must use Debian's PROJ, GEOS and GDAL, not the copies bundled in
# their wheels.  QGIS links the system libraries into its executables (qgis, qgis_process), so a wheel's
# bundled libproj/libgeos/libgdal binds to the *system* C++ symbols of the same names:
#   - pyproj wheel: both PROJ copies destroy the same static objects at exit -> "munmap_chunk(): invalid
#     pointer", abort (rc 134) at the end of every qgis_process run and when QGIS closes;
#   - shapely wheel (GEOS 3.13 calling GEOS 3.11 internals): wrong coordinates, e.g. shapely.ops.substring
#     fails with "inhomogeneous shape" inside qgis_process while the same code works in plain Python.
# Built from source against the system libraries they behave identically everywhere.  Upper bounds keep
# releases that still build against bookworm's PROJ 9.1 / GEOS 3.11 / GDAL 3.6 (pyproj 3.7 needs PROJ 9.2;
# pyproj 3.6 needs Cython < 3.1).
PROJ_VERSION="$(pkg-config --modversion proj)"
GEOS_VERSION="$(geos-config --version)"
GDAL_VERSION="$(gdal-config --version)"
printf 'cython<3.1\n' >"$CONSTRAINTS"
build_against_system() {  # name, requirement, expected system library version, python expression of it
    local name="$1" req="$2" want="$3" expr="$4" ok
    ok="$("$VENV/bin/python" - "$name" "$want" "$expr" <<'PY' 2>/dev/null || true
import importlib, os, sys
name, want, expr = sys.argv[1:4]
mod = importlib.import_module(name)
site = os.path.dirname(os.path.dirname(mod.__file__))
in_venv = os.path.realpath(mod.__file__).startswith(os.path.realpath(sys.prefix) + os.sep)
bundled = os.path.isdir(os.path.join(site, name + ".libs"))
print("yes" if in_venv and not bundled and str(eval(expr, {name: mod})) == want else "no")
PY
)"
    if [ "$ok" = "yes" ]; then
        log "$name already built against the system library ($want)"
    else
        log "building $name against the system library $want (takes a few minutes)"
        local build_constraint=""
        [ "$name" = pyproj ] && build_constraint="$CONSTRAINTS"  # Cython < 3.1 for pyproj 3.6 only
        env ${build_constraint:+PIP_CONSTRAINT="$build_constraint"} PROJ_DIR=/usr PROJ_VERSION="$PROJ_VERSION" \
            GDAL_CONFIG=/usr/bin/gdal-config \
            "$VENV/bin/python" -m pip install -q --force-reinstall --no-deps --no-binary "$name" "$req"
    fi
}
build_against_system pyproj "pyproj>=3.6,<3.7" "$PROJ_VERSION" "pyproj.proj_version_str"
build_against_system shapely "shapely>=2.0,<2.2" "$GEOS_VERSION" "'.'.join(map(str, shapely.geos_version))"
build_against_system pyogrio "pyogrio>=0.7,<0.14" "$GDAL_VERSION" "pyogrio.__gdal_version_string__"
build_against_system rasterio "rasterio>=1.3,<1.5" "$GDAL_VERSION" "rasterio.__gdal_version__"
# pyproj finds proj.db under <sys.prefix>/share/proj: point that at Debian's PROJ data.
mkdir -p "$VENV/share"
ln -sfn /usr/share/proj "$VENV/share/proj"
# (read from the installed metadata: on a fresh venv rasterio cannot be imported yet, its
# dependencies such as click and affine come with the project install below)
pins="$("$VENV/bin/python" -c '
from importlib.metadata import version
for name in ("pyproj", "shapely", "pyogrio", "rasterio"):
    print(f"{name}=={version(name)}")')"

# affine 3.x (pulled in by rasterio) caches properties in a way Python 3.11.2 rejects
# ("No '__dict__' attribute on 'Affine' instance"); 2.4 works on every Python.
printf 'numpy==%s\naffine<3\n%s\n' "$NUMPY_VERSION" "$pins" >"$CONSTRAINTS"
log "pip installing the project (editable) with numpy==$NUMPY_VERSION, $(echo $pins), pytest, pytest-qgis"
"$VENV/bin/python" -m pip install -q -c "$CONSTRAINTS" -e "$REPO" pytest pytest-qgis

log "checking the venv"
QT_QPA_PLATFORM=offscreen "$VENV/bin/python" - <<'PY'
import numpy, geopandas, shapely, pandas, pyproj, pyogrio, rasterio
from qgis.core import Qgis
import arealsirk
assert pyproj.CRS("EPSG:25833").to_epsg() == 25833
from rasterio.transform import from_origin
assert from_origin(0, 10, 1, 1).f == 10
print(f"[setup_qgis] QGIS {Qgis.QGIS_VERSION}, numpy {numpy.__version__}, pandas {pandas.__version__}, "
      f"geopandas {geopandas.__version__}, shapely {shapely.__version__}, pyproj {pyproj.__version__} "
      f"(PROJ {pyproj.proj_version_str}), GEOS {shapely.geos_version_string}, pyogrio {pyogrio.__version__} "
      f"(GDAL {pyogrio.__gdal_version_string__}), rasterio {rasterio.__version__}, arealsirk {arealsirk.__version__}")
PY
log "done: run the QGIS tests with"
log "  QT_QPA_PLATFORM=offscreen $VENV/bin/python -m pytest tests_qgis -o qgis_gui_enabled=false"
