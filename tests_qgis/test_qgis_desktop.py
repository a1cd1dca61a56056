"""The plugin in the real QGIS desktop application (under Xvfb): loads, registers, says what is missing.

QGIS 3.22 cannot start with ``QT_QPA_PLATFORM=offscreen`` (it crashes on start-up),
so the desktop runs on a virtual X server (``xvfb-run``, installed by
scripts/setup_qgis.sh).  A ``--code`` script inspects the provider and the message
bar after start-up, writes what it saw to a JSON file and quits; a clean exit code
also shows that QGIS does not abort on exit with the library loaded.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from .test_qgis_process import qgis_env, qgis_process

QGIS = Path("/usr/bin/qgis")
pytestmark = pytest.mark.skipif(
    not QGIS.exists() or shutil.which("xvfb-run") is None,
    reason="needs Debian's qgis and xvfb-run (scripts/setup_qgis.sh)",
)

PROBE = """
import json, os
from qgis.core import QgsApplication
from qgis.utils import iface, active_plugins
from qgis.PyQt.QtCore import QTimer

def report():
    provider = QgsApplication.processingRegistry().providerById("arealsirk")
    bar = [(w.title(), w.text()) for w in iface.messageBar().items()]
    with open(os.environ["AREALSIRK_PROBE_OUT"], "w") as fh:
        json.dump({"active": list(active_plugins), "provider": provider is not None,
                   "algorithms": sorted(a.id() for a in provider.algorithms()) if provider else [],
                   "warning": provider.warningMessage() if provider else "", "bar": bar}, fh)
    QgsApplication.exit(0)

QTimer.singleShot(2000, report)
"""


def run_desktop(tmp_path: Path, *, with_venv: bool) -> dict:
    profiles = tmp_path / "profiles_root"
    env = qgis_env(profiles, with_venv=with_venv)
    assert qgis_process("plugins", "enable", "arealsirk_qgis", env=env).returncode == 0
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE, encoding="utf-8")
    out = tmp_path / "probe.json"
    env = {k: v for k, v in env.items() if k not in ("QT_QPA_PLATFORM", "QGIS_CUSTOM_CONFIG_PATH")}
    env["AREALSIRK_PROBE_OUT"] = str(out)
    done = subprocess.run(
        [
            "xvfb-run",
            "-a",
            str(QGIS),
            "--profiles-path",
            str(profiles),
            "--nologo",
            "--noversioncheck",
            "--code",
            str(probe),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text(encoding="utf-8"))


def test_desktop_loads_the_plugin_with_all_algorithms(tmp_path):
    from .test_provider import EXPECTED

    seen = run_desktop(tmp_path, with_venv=True)
    assert "arealsirk_qgis" in seen["active"]
    assert set(seen["algorithms"]) == EXPECTED
    assert seen["warning"] == "" and not any(title == "arealsirk" for title, _ in seen["bar"])


def test_desktop_without_the_library_shows_what_is_missing(tmp_path):
    probe = subprocess.run(
        ["/usr/bin/python3", "-c", "import arealsirk"],
        capture_output=True,
        env={"PATH": "/usr/bin:/bin"},
        cwd="/",
    )
    if probe.returncode == 0:
        pytest.skip("arealsirk is installed in the system Python too; cannot show the missing case here")
    seen = run_desktop(tmp_path, with_venv=False)
    assert "arealsirk_qgis" in seen["active"]  # the plugin loaded anyway
    assert seen["provider"] and seen["algorithms"] == []
    assert "missing" in seen["warning"]
    texts = [text for title, text in seen["bar"] if title == "arealsirk"]
    assert texts and "arealsirk" in texts[0]
