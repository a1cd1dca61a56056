"""``[resources]``: a run whose ``sources`` layer is estimated from the national open files.

Real data: Rana (1833) and Hemnes (1832), coastal Helgeland, with the N1000 ``Kommune`` polygons
(as the estimate uses) and the N1000 roads of ``rana_hemnes.gpkg``.  The run's balance must account
for exactly the tonnes :func:`arealsirk.estimate.estimate_region` finds for the same kommuner."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from arealsirk import pipeline
from arealsirk.errors import ArealsirkError, MissingFileError, ScenarioError
from arealsirk.scenario import RESOURCES_KEYS, load_scenario

KOMMUNER = ("1832", "1833")
BIOGAS_STREAMS = ("manure", "food_waste", "sewage_sludge")

#: each [resources] key and the test that shows it changes the answer or is refused by name
RESOURCES_CASES = {"data": "test_data_key_is_used", "streams": "test_streams_key_changes_the_answer"}


@pytest.fixture(scope="module")
def region(shared_data: Path, tmp_path_factory) -> Path:
    """kommuner (N1000 Kommune, 1832 + 1833) and three candidate zones on roads, in one GeoPackage."""
    from arealsirk.readers import read_kommuner

    folder = tmp_path_factory.mktemp("rana_hemnes")
    every = read_kommuner(shared_data / "n1000_kartverket" / "n1000_transport_admin.gpkg", layer="Kommune")
    kom = every[every["kommunenummer"].isin(KOMMUNER)].reset_index(drop=True)
    assert sorted(kom["kommunenummer"]) == list(KOMMUNER)
    roads = gpd.read_file(shared_data / "rana_hemnes" / "rana_hemnes.gpkg", layer="n1000_veg").to_crs(kom.crs)
    inside = roads[roads.geometry.within(kom.union_all())].reset_index(drop=True)
    # a vertex in the middle of every 20th road piece inside the kommuner (on the road by construction)
    coords = [shapely.get_coordinates(inside.geometry.iloc[i]) for i in range(0, len(inside), 20)][:3]
    pts = [shapely.Point(*c[len(c) // 2]) for c in coords]
    zones = gpd.GeoDataFrame(
        {"id": [f"z{i}" for i in range(len(pts))], "name": [f"sone {i}" for i in range(len(pts))]},
        geometry=[shapely.box(p.x - 300, p.y - 300, p.x + 300, p.y + 300) for p in pts],
        crs=kom.crs,
    )
    path = folder / "in.gpkg"
    kom[["kommunenummer", "kommunenavn", "geometry"]].to_file(path, layer="kommuner")
    zones.to_file(path, layer="zones")
    return path


def _scenario(region: Path, shared_data: Path, tmp_path: Path, *, resources: str = "", extra: str = "",
              themes: str = "[biogas]\ncount = 1\nmin_plant_t = 1000\n") -> Path:
    text = (
        '[scenario]\nname = "Rana og Hemnes"\n\n[layers]\n'
        f'kommuner = {{ path = "{region}", layer = "kommuner" }}\n'
        f'roads = {{ path = "{shared_data / "rana_hemnes" / "rana_hemnes.gpkg"}", layer = "n1000_veg" }}\n'
        f'zones = {{ path = "{region}", layer = "zones" }}\n{extra}\n'
        f"[resources]\n{resources}\n{themes}"
    )
    path = tmp_path / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def estimate():
    from arealsirk.estimate import estimate_region

    return estimate_region(KOMMUNER, streams=BIOGAS_STREAMS)


@pytest.fixture(scope="module")
def run_default(region, shared_data, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("run")
    out = pipeline.run_scenario(_scenario(region, shared_data, tmp), tmp / "out")
    return out


def test_run_balance_sums_to_the_estimate(run_default, estimate):
    # default streams: those the enabled biogas theme reads; each kind's balance (collected, beyond the
    # limit, unreachable, outside, no yield ...) adds up to the estimate's tonnes of that kind
    expected = estimate.sources.groupby("kind")["quantity"].sum()
    bal = run_default.balance
    got = bal[bal["theme"] == "biogas"].groupby("stream")["quantity"].sum()
    assert set(got.index) == set(expected.index)
    for kind, tonnes in expected.items():
        assert got[kind] == pytest.approx(tonnes, rel=1e-9), kind
    assert got.sum() == pytest.approx(estimate.sources["quantity"].sum(), rel=1e-9)
    assert (run_default.folder / "results.gpkg").exists()


def test_streams_key_changes_the_answer(region, shared_data, tmp_path, estimate):
    path = _scenario(region, shared_data, tmp_path, resources='streams = ["food_waste", "sewage_sludge"]')
    sc = load_scenario(path)
    assert sc.resources == {"data": None, "streams": ("food_waste", "sewage_sludge")}
    inputs = pipeline.inputs_from_scenario(sc)
    kinds = set(inputs.layers["sources"]["kind"])
    assert "cattle_manure" not in kinds and {"food_waste", "sewage_sludge"} <= kinds
    q = inputs.layers["sources"]["quantity"].sum()
    e = estimate.sources
    assert q == pytest.approx(e.loc[~e["kind"].str.endswith("_manure"), "quantity"].sum(), rel=1e-9)


def test_data_key_is_used(region, shared_data, tmp_path):
    # relative to the scenario file; a folder without the national files is refused naming the file
    empty = tmp_path / "empty"
    empty.mkdir()
    path = _scenario(region, shared_data, tmp_path, resources='data = "empty"')
    assert load_scenario(path).resources["data"] == empty.resolve()
    with pytest.raises(ArealsirkError, match=r"n1000_transport_admin\.gpkg"):
        pipeline.inputs_from_scenario(path)
    path = _scenario(region, shared_data, tmp_path, resources='data = "nowhere"')
    with pytest.raises(MissingFileError, match=r"\[resources\] data: folder not found"):
        load_scenario(path)


def test_refused_with_a_sources_layer(region, shared_data, tmp_path):
    extra = f'sources = {{ path = "{region}", layer = "zones" }}'
    with pytest.raises(ScenarioError, match=r"\[resources\].*'sources' layer"):
        load_scenario(_scenario(region, shared_data, tmp_path, extra=extra))


def test_refused_when_no_enabled_theme_reads_the_streams(region, shared_data, tmp_path):
    with pytest.raises(ScenarioError, match=r"\[resources\] streams: stream 'forest_residue'.*bioenergy"):
        load_scenario(_scenario(region, shared_data, tmp_path, resources='streams = ["forest_residue"]'))
    with pytest.raises(ScenarioError, match=r"stream 'reuse_demand'.*no theme reads it"):
        load_scenario(_scenario(region, shared_data, tmp_path, resources='streams = ["reuse_demand"]'))
    with pytest.raises(ScenarioError, match=r"\[resources\]: no enabled theme reads resource sources"):
        load_scenario(_scenario(region, shared_data, tmp_path, themes="[reuse]\ncount = 2\n"))


@pytest.mark.parametrize(
    "value,message",
    [
        ('"manure"', "must be list of strings"),
        ("[]", "must name at least one value"),
        ('["manure", "manure"]', "names a value twice"),
        ('["slurry"]', "unknown value 'slurry'"),
    ],
)
def test_streams_values_are_checked(region, shared_data, tmp_path, value, message):
    with pytest.raises(ScenarioError, match=rf"\[resources\] streams: {message}"):
        load_scenario(_scenario(region, shared_data, tmp_path, resources=f"streams = {value}"))


def test_unknown_key_and_estimate_rows(region, shared_data, tmp_path):
    with pytest.raises(ScenarioError, match=r"\[resources\] cell: unknown key; allowed: data, streams"):
        load_scenario(_scenario(region, shared_data, tmp_path, resources="cell = 5"))
    # with [resources] the estimate's rows are read: region.coast_assign_m is accepted
    params = '\n[parameters]\n"region.coast_assign_m" = 2000\n'
    path = _scenario(region, shared_data, tmp_path, themes="[biogas]\ncount = 1\n" + params)
    assert load_scenario(path).parameters["region.coast_assign_m"] == 2000


def test_every_resources_key_has_a_case():
    assert {k.name for k in RESOURCES_KEYS} == set(RESOURCES_CASES)
    for name in RESOURCES_CASES.values():
        assert callable(globals()[name])


def test_run_writes_the_per_kommune_resource_table(run_default, estimate):
    """results.gpkg holds the estimate's per-kommune table: every kommune of the region, and per kind
    the tonnes sum to the sources layer's tonnes (the table is not re-estimated or dropped)."""
    import pyogrio

    table = pyogrio.read_dataframe(run_default.folder / "results.gpkg", layer="resources_by_kommune")
    assert set(table["kommunenummer"].astype(str)) == set(KOMMUNER)
    expected = estimate.sources.groupby("kind")["quantity"].sum()
    got = table.groupby("kind")["quantity"].sum()
    for kind, tonnes in expected.items():
        assert got[kind] == pytest.approx(tonnes, rel=1e-9), kind
    assert {"methane_nm3", "energy_gwh"} <= set(table.columns)
    summary = run_default.summary.read_text(encoding="utf-8")
    assert estimate.notes  # Rana and Hemnes: farms without animals on the count date
    for note in estimate.notes:  # what the estimate left out is said where the planner reads
        assert note.split(" (")[0] in summary.replace("\\", "")
