#!/usr/bin/env bash
# Create the project's Python environment (.venv) and install arealsirk with the given extras.
#
# Usage: scripts/setup_env.sh [EXTRAS]     e.g. scripts/setup_env.sh all   (default: none = core only)
#
# Idempotent: reinstalls only when pyproject.toml or the extras changed.  Uses `python3` from PATH
# (Python >= 3.11); on Debian/Ubuntu it installs python3-venv with apt when venv is missing.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$REPO/.venv}"
EXTRAS="${1:-}"
PYTHON="${PYTHON:-python3}"
log() { printf '[setup_env] %s\n' "$*"; }

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    log "need Python >= 3.11 as '$PYTHON' (found: $("$PYTHON" --version 2>&1 || echo none))"; exit 1
fi

if [ ! -x "$VENV/bin/python" ]; then
    if ! "$PYTHON" -m venv --help >/dev/null 2>&1 || ! "$PYTHON" -c 'import ensurepip' 2>/dev/null; then
        SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
        log "installing python3-venv with apt"
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv python3-pip
    fi
    log "creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi

spec="$REPO"; [ -n "$EXTRAS" ] && spec="$REPO[$EXTRAS]"
stamp="$VENV/.arealsirk-installed"
want="$(sha256sum "$REPO/pyproject.toml" | cut -c1-16) extras=$EXTRAS"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    log "environment up to date ($VENV, extras: ${EXTRAS:-none})"
    exit 0
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1
log "installing arealsirk (extras: ${EXTRAS:-none}) into $VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e "$spec"
echo "$want" >"$stamp"
log "done"
