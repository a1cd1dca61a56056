"""The algorithm boundary maps exceptions like the CLI, and optional haul limits fall back to the table."""

from __future__ import annotations

import pytest

from .conftest import X0, Y0, memory_layer
from .test_algorithms import read, run


class Recorder:
    """A Processing feedback that keeps what was reported as an error."""

    def __new__(cls):
        from qgis.core import QgsProcessingFeedback

        class _Feedback(QgsProcessingFeedback):
            def __init__(self):
                super().__init__()
                self.errors: list[str] = []

            def reportError(self, error, fatalError=False):  # noqa: N802, N803
                self.errors.append(error)
                super().reportError(error, fatalError)

        return _Feedback()


def reuse_params(layers, tmp_path) -> dict:
    return {
        "DEMAND": layers["demand"], "POPULATION_FIELD": "population", "CANDIDATES": layers["candidates"],
        "ROADS": layers["roads"], "COUNT": 2, "MAX_MINUTES": 2.0,
        "OUTPUT": str(tmp_path / "s.gpkg"), "ALLOCATION": str(tmp_path / "a.gpkg"),
    }


def test_a_bug_says_internal_error_and_logs_the_traceback(provider, grid, tmp_path, monkeypatch):
    from qgis.core import QgsProcessingException

    import arealsirk.workflows

    def broken(*args, **kwargs):
        return {}["no such key in a broken helper"]

    monkeypatch.setattr(arealsirk.workflows, "site_reuse_centres", broken)
    monkeypatch.setenv("AREALSIRK_LANG", "en")
    layers, _ = grid
    feedback = Recorder()
    with pytest.raises(QgsProcessingException) as err:
        run("arealsirk:site_reuse_centres", reuse_params(layers, tmp_path), feedback=feedback)
    text = str(err.value)
    assert text.startswith("internal error: KeyError: 'no such key in a broken helper'")
    assert "report it" in text and "\n" not in text
    trace = "\n".join(feedback.errors)
    assert "Traceback (most recent call last)" in trace and "in broken" in trace


def test_a_file_system_error_is_one_line_naming_the_file(provider, grid, tmp_path, monkeypatch):
    from qgis.core import QgsProcessingException

    import arealsirk.workflows

    missing = str(tmp_path / "gone" / "roads.gpkg")

    def no_file(*args, **kwargs):
        raise FileNotFoundError(2, "No such file or directory", missing)

    monkeypatch.setattr(arealsirk.workflows, "site_reuse_centres", no_file)
    layers, _ = grid
    feedback = Recorder()
    with pytest.raises(QgsProcessingException) as err:
        run("arealsirk:site_reuse_centres", reuse_params(layers, tmp_path), feedback=feedback)
    assert str(err.value) == f"{missing}: no such file or directory"
    assert not any("Traceback" in e for e in feedback.errors)


def test_a_library_error_keeps_its_message(provider, grid, tmp_path, monkeypatch):
    from qgis.core import QgsProcessingException

    import arealsirk.workflows
    from arealsirk.errors import MissingColumnError

    def bad_column(*args, **kwargs):
        raise MissingColumnError("demand, column 'population':\n  no such column")

    monkeypatch.setattr(arealsirk.workflows, "site_reuse_centres", bad_column)
    layers, _ = grid
    with pytest.raises(QgsProcessingException) as err:
        run("arealsirk:site_reuse_centres", reuse_params(layers, tmp_path))
    assert str(err.value) == "demand, column 'population': no such column"  # one line


def test_a_processing_exception_passes_unchanged(provider, tmp_path):
    from qgis.core import QgsProcessingException

    feedback = Recorder()
    with pytest.raises(QgsProcessingException) as err:
        run("arealsirk:site_biogas", {**line_case(), "KIND_FIELD": "nope", "OUTPUT": str(tmp_path / "p.gpkg"),
                                      "ALLOCATION": str(tmp_path / "a.gpkg")}, feedback=feedback)
    assert str(err.value) == "field 'nope' not found in the layer"  # raised by the plugin itself
    assert not any("Traceback" in e for e in feedback.errors)


# ------------------------------------------------------------------------ per-kind haul limits (biogas)
def line_case():
    """One 60 km straight road; food waste and cattle manure at its west end, one candidate at the east."""
    east = X0 + 60_000.0
    line = f"LINESTRING({X0} {Y0}, {X0 + 30_000.0} {Y0}, {east} {Y0})"
    roads = memory_layer("LineString", [("id", "string"), ("speed_kph", "double")], [(line, "r1", 60.0)],
                         "road60")
    sources = memory_layer(
        "Point", [("id", "string"), ("kind", "string"), ("quantity", "double"), ("unit", "string")],
        [(f"POINT({X0} {Y0})", "food", "food_waste", 1000.0, "t/yr"),
         (f"POINT({X0} {Y0})", "cows", "cattle_manure", 4000.0, "t/yr")], "src60")
    cands = memory_layer("Point", [("id", "string"), ("name", "string")],
                         [(f"POINT({east} {Y0})", "east", "East end")], "cand60")
    return {"SOURCES": sources, "CANDIDATES": cands, "ROADS": roads, "COUNT": 1,
            "MIN_PLANT_T": 0.0, "CAPACITY_T": 1e6}


def test_empty_max_km_uses_the_per_kind_limits(provider, tmp_path):
    """Food waste 60 km away is collected (biogas.max_km.food_waste), cattle manure is not (15 km)."""
    from arealsirk.defaults import default

    assert default("biogas.max_km.food_waste") >= 60 > default("biogas.max_km.cattle_manure")
    params = line_case()
    for label, extra in (("absent", {}), ("None", {"MAX_KM": None}), ("empty", {"MAX_KM": ""})):
        out = run("arealsirk:site_biogas", {**params, **extra, "OUTPUT": str(tmp_path / f"p_{label}.gpkg"),
                                            "ALLOCATION": str(tmp_path / f"a_{label}.gpkg")})
        alloc = read(out["ALLOCATION"])
        assert list(alloc["source_id"]) == ["food"], label
        assert alloc["distance_km"].iloc[0] == pytest.approx(60.0, abs=1e-6), label
        assert out["FEEDSTOCK_T"] == pytest.approx(1000.0), label


def test_a_given_max_km_holds_for_every_kind(provider, tmp_path):
    params = line_case()
    out = run("arealsirk:site_biogas", {**params, "MAX_KM": 70.0, "OUTPUT": str(tmp_path / "p.gpkg"),
                                        "ALLOCATION": str(tmp_path / "a.gpkg")})
    assert sorted(read(out["ALLOCATION"])["source_id"]) == ["cows", "food"]
    assert out["FEEDSTOCK_T"] == pytest.approx(5000.0)
