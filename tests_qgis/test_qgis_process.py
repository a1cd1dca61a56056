"""The plugin in headless QGIS: ``qgis_process.bin`` with a temporary profile.

The Debian ``qgis_process`` wrapper fails (``--noversioncheck``), so the binary is
called directly.  Its embedded Python finds the QGIS venv's packages when the
venv's ``bin`` comes first on ``PATH`` (as in an activated venv).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .test_provider import EXPECTED

QGIS_PROCESS = Path("/usr/bin/qgis_process.bin")
REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.prefix) / "bin"

pytestmark = pytest.mark.skipif(
    not QGIS_PROCESS.exists(), reason="needs Debian's qgis (scripts/setup_qgis.sh)"
)


def qgis_env(profile: Path, *, with_venv: bool = True) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and Path(p) != VENV_BIN]
    env["PATH"] = os.pathsep.join(([str(VENV_BIN)] if with_venv else []) + path)
    env.update(
        QGIS_PLUGINPATH=str(REPO / "qgis_plugin"),
        QGIS_CUSTOM_CONFIG_PATH=str(profile),
        QT_QPA_PLATFORM="offscreen",
        AREALSIRK_LANG="en",
    )
    return env


def qgis_process(*args: str, env: dict[str, str], timeout: float = 240) -> subprocess.CompletedProcess:
    # run outside the repository, so the source tree is never importable from the working directory
    cwd = Path(env["QGIS_CUSTOM_CONFIG_PATH"])
    cwd.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [str(QGIS_PROCESS), *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=cwd
    )


@pytest.fixture(scope="module")
def profile(tmp_path_factory):
    profile = tmp_path_factory.mktemp("qgis_profile")
    done = qgis_process("plugins", "enable", "arealsirk_qgis", env=qgis_env(profile))
    assert done.returncode == 0, done.stderr[-2000:]
    return profile


def test_list_shows_all_eight_algorithms(profile):
    done = qgis_process("list", env=qgis_env(profile))
    assert done.returncode == 0, done.stderr[-2000:]  # no abort at exit either
    listed = {line.split()[0] for line in done.stdout.splitlines() if line.strip().startswith("arealsirk:")}
    assert listed == EXPECTED


@pytest.fixture(scope="module")
def demo_gpkg(tmp_path_factory):
    """The demo inputs written by the CLI of the QGIS venv (``arealsirk demo --export-inputs``)."""
    inputs = tmp_path_factory.mktemp("demo")
    done = subprocess.run(
        [str(VENV_BIN / "arealsirk"), "demo", "--export-inputs", str(inputs)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    gpkg = inputs / "inputs.gpkg"
    assert gpkg.exists()
    return gpkg


def test_run_site_reuse_centres_on_the_demo_inputs(profile, demo_gpkg, tmp_path):
    gpkg = demo_gpkg
    count = 7  # as in the demo scenario: the 5 existing recycling stations are kept, 2 new
    sites, alloc = tmp_path / "sites.gpkg", tmp_path / "allocation.gpkg"
    done = qgis_process(
        "--json",
        "run",
        "arealsirk:site_reuse_centres",
        "--",
        f"DEMAND={gpkg}|layername=population",
        "POPULATION_FIELD=population",
        f"CANDIDATES={gpkg}|layername=zones",
        f"ROADS={gpkg}|layername=roads",
        f"EXISTING={gpkg}|layername=existing",
        f"KOMMUNER={gpkg}|layername=kommuner",
        f"COUNT={count}",
        "MAX_MINUTES=20",
        f"OUTPUT={sites}",
        f"ALLOCATION={alloc}",
        env=qgis_env(profile),
    )
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-3000:])
    result = json.loads(done.stdout)["results"]
    assert Path(result["OUTPUT"].split("|")[0]) == sites
    import geopandas as gpd
    import pyogrio

    out = gpd.read_file(sites)
    assert len(out) == count
    existing = pyogrio.read_dataframe(demo_gpkg, layer="existing", read_geometry=False)
    n_stations = int((existing["facility_type"] == "recycling_station").sum())
    assert int(out["existing"].sum()) == n_stations
    population = pyogrio.read_dataframe(gpkg, layer="population", read_geometry=False)["population"]
    allocation = gpd.read_file(alloc)
    assert allocation["quantity"].sum() == pytest.approx(population[population > 0].sum())
    assert result["STATUS"] in ("optimal", "feasible")
    assert "|" in result["SUMMARY"]


def test_library_error_reaches_qgis_process_as_one_clear_message(profile, demo_gpkg, tmp_path):
    gpkg = demo_gpkg
    done = qgis_process(
        "run",
        "arealsirk:site_reuse_centres",
        "--",
        f"DEMAND={gpkg}|layername=population",
        "POPULATION_FIELD=population",
        f"CANDIDATES={gpkg}|layername=zones",
        f"ROADS={gpkg}|layername=roads",
        f"EXISTING={gpkg}|layername=existing",
        "COUNT=1",
        "MAX_MINUTES=20",
        f"OUTPUT={tmp_path / 's.gpkg'}",
        f"ALLOCATION={tmp_path / 'a.gpkg'}",
        env=qgis_env(profile),
    )
    assert done.returncode != 0
    text = done.stdout + done.stderr
    assert "count" in text and "existing" in text
    assert "Traceback" not in text
    assert not (tmp_path / "s.gpkg").exists()


def test_without_the_library_the_plugin_loads_and_says_what_to_install(profile):
    probe = subprocess.run(
        ["/usr/bin/python3", "-c", "import arealsirk"],
        capture_output=True,
        env={"PATH": "/usr/bin:/bin"},
        cwd="/",
    )
    if probe.returncode == 0:
        pytest.skip("arealsirk is installed in the system Python too; cannot show the missing case here")
    done = qgis_process("list", env=qgis_env(profile, with_venv=False))
    assert done.returncode == 0, done.stderr[-2000:]
    text = done.stdout + done.stderr
    assert "arealsirk:" not in done.stdout  # no algorithms offered
    assert "arealsirk cannot run" in text
    for hint in ("Debian/Ubuntu", "OSGeo4W", "macOS"):
        assert hint in text


def test_built_zip_installs_and_lists_the_algorithms(tmp_path):
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import build_plugin_zip
    finally:
        sys.path.pop(0)
    import zipfile

    zip_path = build_plugin_zip.build(tmp_path / "arealsirk_qgis.zip")
    with zipfile.ZipFile(zip_path) as zf:
        names = zf.namelist()
        assert all(n.startswith("arealsirk_qgis/") for n in names)
        assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
        for required in (
            "metadata.txt",
            "__init__.py",
            "provider.py",
            "styles/sites.qml",
            "help/site_reuse_centres.nb.html",
        ):
            assert f"arealsirk_qgis/{required}" in names
        plugins = tmp_path / "plugins"
        zf.extractall(plugins)
    profile = tmp_path / "profile"
    env = qgis_env(profile)
    env["QGIS_PLUGINPATH"] = str(plugins)
    assert qgis_process("plugins", "enable", "arealsirk_qgis", env=env).returncode == 0
    done = qgis_process("list", env=env)
    assert done.returncode == 0
    listed = {line.split()[0] for line in done.stdout.splitlines() if line.strip().startswith("arealsirk:")}
    assert listed == EXPECTED
