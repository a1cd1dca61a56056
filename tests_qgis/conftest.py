"""Fixtures for the QGIS plugin tests (run with the QGIS venv, see docs/qgis.md).

    QT_QPA_PLATFORM=offscreen .venv-qgis/bin/python -m pytest tests_qgis -o qgis_gui_enabled=false

pytest-qgis starts one ``QgsApplication`` for the session; :func:`provider`
registers the plugin's provider through ``classFactory`` like QGIS does, and
:func:`grid` builds a small road grid with known shortest paths (1 km blocks at
60 km/h: one minute per block, so travel minutes equal Manhattan kilometres).
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parent.parent
PLUGIN_DIR = REPO / "qgis_plugin"
if str(PLUGIN_DIR) not in sys.path:
    sys.path.insert(0, str(PLUGIN_DIR))

X0, Y0, STEP, N = 250_000.0, 6_700_000.0, 1000.0, 6  # 6 x 6 nodes, 1 km apart, EPSG:25833


@pytest.fixture(scope="session")
def provider(qgis_app, qgis_processing):
    """The arealsirk provider, registered once through the plugin's classFactory."""
    import arealsirk_qgis
    from qgis.core import QgsApplication

    plugin = arealsirk_qgis.classFactory(None)
    plugin.initProcessing()
    yield QgsApplication.processingRegistry().providerById("arealsirk")
    plugin.unload()
    gc.collect()


def memory_layer(
    geometry: str,
    fields: list[tuple[str, str]],
    rows: list[tuple],
    name: str = "layer",
    crs: str = "EPSG:25833",
):
    """A memory layer: ``fields`` as (name, type) with type in int/double/string/bool; rows (wkt, *values)."""
    from qgis.core import QgsFeature, QgsGeometry, QgsProject, QgsVectorLayer

    spec = "&".join(f"field={n}:{t}" for n, t in fields)
    layer = QgsVectorLayer(
        f"{geometry}?crs={crs}&{spec}" if spec else f"{geometry}?crs={crs}", name, "memory"
    )
    assert layer.isValid(), name
    features = []
    for wkt, *values in rows:
        f = QgsFeature(layer.fields())
        f.setGeometry(QgsGeometry.fromWkt(wkt))
        f.setAttributes(list(values))
        features.append(f)
    assert layer.dataProvider().addFeatures(features)[0]
    layer.updateExtents()
    QgsProject.instance().addMapLayer(layer, False)
    return layer


def node(i: int, j: int) -> tuple[float, float]:
    return X0 + i * STEP, Y0 + j * STEP


def population_of(i: int, j: int) -> int:
    return ((i * 7 + j * 3) % 10 + 1) * 100


@pytest.fixture()
def grid():
    """Road grid (one feature per 1 km block, noded at ends), demand at every node, six candidates."""
    from qgis.core import QgsProject

    roads = []
    k = 0
    for i in range(N):
        for j in range(N):
            for di, dj in ((1, 0), (0, 1)):
                if i + di < N and j + dj < N:
                    (x1, y1), (x2, y2) = node(i, j), node(i + di, j + dj)
                    k += 1
                    roads.append((f"LINESTRING({x1} {y1}, {x2} {y2})", f"r{k}", "K", 60.0))
    demand = [
        (f"POINT({node(i, j)[0]} {node(i, j)[1]})", f"d{i}_{j}", population_of(i, j), 0)
        for i in range(N)
        for j in range(N)
    ]
    cand_nodes = [(0, 0), (1, 4), (2, 2), (4, 1), (3, 4), (5, 5)]
    candidates = [
        (f"POINT({node(i, j)[0]} {node(i, j)[1]})", f"c{i}{j}", f"Candidate {i}{j}") for i, j in cand_nodes
    ]
    layers = {
        "roads": memory_layer(
            "LineString",
            [("id", "string"), ("vegkategori", "string"), ("speed_kph", "double")],
            roads,
            "roads",
        ),
        "demand": memory_layer(
            "Point", [("id", "string"), ("population", "int"), ("zero", "int")], demand, "demand"
        ),
        "candidates": memory_layer("Point", [("id", "string"), ("name", "string")], candidates, "candidates"),
    }
    data = {"cand_nodes": cand_nodes, "demand_nodes": [(i, j) for i in range(N) for j in range(N)]}
    yield layers, data
    for layer in layers.values():
        QgsProject.instance().removeMapLayer(layer.id())
    del layers
    gc.collect()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under `make test` (AREALSIRK_NO_SKIP=1) a skipped test fails: nothing may hide missing setup."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("AREALSIRK_NO_SKIP") == "1" and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under `make test` (AREALSIRK_NO_SKIP=1): {reason}"
