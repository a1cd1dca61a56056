"""The main job end to end: demo outputs, the export -> run round trip, staged writes, cancel."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from arealsirk import pipeline
from arealsirk.cli import main
from arealsirk.errors import CancelledError, OutputError
from arealsirk.io import list_layers, read_layer


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    assert main(["--no-progress", "demo", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def roundtrip_out(tmp_path_factory) -> Path:
    inputs = tmp_path_factory.mktemp("inputs")
    assert main(["demo", "--export-inputs", str(inputs)]) == 0
    out = tmp_path_factory.mktemp("run")
    assert main(["--no-progress", "run", str(inputs / "scenario.toml"), "--out", str(out)]) == 0
    return out


def test_demo_writes_the_required_layers(demo_out):
    layers = set(list_layers(demo_out / "results.gpkg"))
    assert {"sources", "candidates", "selected_sites", "allocation", "kommuner", "run_info"} <= layers
    cand = read_layer(demo_out / "results.gpkg", "candidates")
    crit = [c for c in cand.columns if c.startswith("score_") and c != "score_total"]
    assert len(crit) >= 3 and "score_total" in cand.columns
    assert cand[crit + ["score_total"]].apply(lambda s: s.between(0, 1).all()).all()
    sites = read_layer(demo_out / "results.gpkg", "selected_sites")
    assert {"biogas_plant", "reuse_centre", "industrial_park"} <= set(sites.facility_type)
    alloc = read_layer(demo_out / "results.gpkg", "allocation")
    assert {"source_id", "site_id", "quantity"} <= set(alloc.columns)
    assert (alloc.geom_type == "LineString").all() and (alloc.quantity >= 0).all()


def test_demo_allocation_ends_at_its_sites(demo_out):
    # one zone may host several facility types (co-location), so a site is (id, facility_type)
    sites = read_layer(demo_out / "results.gpkg", "selected_sites").set_index(["id", "facility_type"])
    assert sites.index.is_unique
    alloc = read_layer(demo_out / "results.gpkg", "allocation")
    for row in alloc.sample(min(len(alloc), 40), random_state=0).itertuples():
        end = row.geometry.coords[-1]
        site = sites.loc[(row.site_id, row.facility_type)].geometry
        assert np.hypot(end[0] - site.x, end[1] - site.y) < 1.0


def test_demo_says_synthetic_everywhere(demo_out):
    assert "Syntetiske data" in (demo_out / "summary.md").read_text()
    html = (demo_out / "map.html").read_text()
    assert "syntet" in html.lower()
    con = sqlite3.connect(demo_out / "results.gpkg")
    info = dict(con.execute("SELECT key, value FROM run_info").fetchall())
    con.close()
    assert info["synthetic"] == "true"


def test_export_then_run_gives_the_demo_results(demo_out, roundtrip_out):
    for layer in ("selected_sites", "allocation"):
        a = read_layer(demo_out / "results.gpkg", layer)
        b = read_layer(roundtrip_out / "results.gpkg", layer)
        assert len(a) == len(b), layer
        assert sorted(a["id" if layer == "selected_sites" else "site_id"]) == \
            sorted(b["id" if layer == "selected_sites" else "site_id"])
    qa = read_layer(demo_out / "results.gpkg", "allocation").quantity.sum()
    qb = read_layer(roundtrip_out / "results.gpkg", "allocation").quantity.sum()
    assert qa == pytest.approx(qb)


def test_a_failing_run_writes_nothing(tmp_path, monkeypatch):
    from arealsirk import webmap

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(webmap, "write_map", broken)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="disk full"):
        pipeline.run_demo(out)
    assert list(tmp_path.iterdir()) == []  # no output folder, no staging debris


def test_cancel_stops_the_run(tmp_path):
    with pytest.raises(CancelledError):
        pipeline.run_demo(tmp_path / "out", is_cancelled=lambda: True)


def test_run_refuses_to_overwrite_an_input(tmp_path, demo):
    folder = tmp_path / "in"
    scenario = demo.export(folder)
    shutil.move(folder / "inputs.gpkg", folder / "results.gpkg")
    scenario.write_text(scenario.read_text().replace("inputs.gpkg", "results.gpkg"))
    with pytest.raises(OutputError, match="contains the input"):
        pipeline.run_scenario(scenario, folder)
    assert len(read_layer(folder / "results.gpkg", "roads")) == len(demo.roads)


def test_a_layer_outside_the_region_is_named_with_its_file(tmp_path, demo):
    from arealsirk.errors import NoOverlapError

    folder = tmp_path / "in"
    scenario = demo.export(folder)
    far = demo.sources.copy()
    far.geometry = far.geometry.translate(xoff=400_000)  # right CRS, wrong region
    far.to_file(folder / "far.gpkg", layer="kilder", driver="GPKG")
    text = scenario.read_text().replace('sources = { path = "inputs.gpkg", layer = "sources" }',
                                        'sources = { path = "far.gpkg", layer = "kilder" }')
    scenario.write_text(text)
    with pytest.raises(NoOverlapError, match=r"far\.gpkg, layer 'kilder': sources does not overlap"):
        pipeline.run_scenario(scenario, tmp_path / "out")
    assert not (tmp_path / "out" / "results.gpkg").exists()
