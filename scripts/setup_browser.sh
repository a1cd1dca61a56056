#!/usr/bin/env bash
# Install what the browser tests of arealsirk.webmap need (idempotent).
#
#   scripts/setup_browser.sh [VENV]      (VENV defaults to .venv)
#
# - Debian's chromium + chromium-driver (apt), only when /usr/bin/chromium is missing.
# - Playwright for Python into the venv (pip), only when it does not import.
# Never runs `playwright install`: Playwright drives Debian's /usr/bin/chromium through
# executable_path (see GUIDE section 4), so no browser build is downloaded.
set -euo pipefail

VENV="${1:-.venv}"
PY="$VENV/bin/python"

if [ ! -x /usr/bin/chromium ]; then
    SUDO=""
    if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq || true
    $SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core >/dev/null
fi
/usr/bin/chromium --version

if [ ! -x "$PY" ]; then
    echo "setup_browser.sh: no python at $PY (give the venv as the first argument)" >&2
    exit 2
fi
if ! "$PY" -c "import playwright.sync_api" 2>/dev/null; then
    "$PY" -m pip install -q "playwright>=1.40"
fi
"$PY" -c "import playwright, importlib.metadata as m; print('playwright', m.version('playwright'))"
