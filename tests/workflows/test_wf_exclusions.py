"""Exclusions in every workflow: a protected polygon over the chosen site moves the answer and is listed."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from arealsirk.constraints import Exclusions
from arealsirk.workflows import (
    site_bioenergy,
    site_biogas,
    site_industrial_parks,
    site_reuse_centres,
    site_textile_reuse,
)

from . import handmade as h


def _sources(kind: str, t: float) -> gpd.GeoDataFrame:
    # three sources at 0, 1 and 2 km; candidate A at 1 km is best, B at 6 km second
    return h.points(
        [{"id": f"s{k}", "kind": kind, "quantity": t, "unit": "t/yr"} for k in range(3)],
        [h.at(0), h.at(1), h.at(2)],
    )


@pytest.fixture(scope="module")
def graph():
    return h.graph(island=False)


@pytest.fixture(scope="module")
def cands():
    return h.points([{"id": "A", "name": "Alfa"}, {"id": "B", "name": "Beta"}], [h.square(1), h.square(6)])


def _protected_over(km: float) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"navn": ["Vernet"]}, geometry=[h.square(km, 500)], crs=h.CRS)


@pytest.mark.parametrize(
    ("run", "kind", "t"),
    [
        (site_biogas, "cattle_manure", 5000.0),
        (site_bioenergy, "forest_residue", 2000.0),
        (site_textile_reuse, "textiles", 100.0),
    ],
)
def test_protected_polygon_moves_the_feedstock_site(graph, cands, run, kind, t):
    src = _sources(kind, t)
    free = run(src, cands, graph, count=1)
    assert list(free.layers["selected_sites"]["id"]) == ["A"]
    assert free.tables["excluded"].empty
    ex = Exclusions(protected=_protected_over(1))
    r = run(src, cands, graph, count=1, exclusions=ex)
    assert list(r.layers["selected_sites"]["id"]) == ["B"]
    table = r.tables["excluded"]
    assert list(table.columns) == ["candidate_id", "name", "rule", "detail"]
    assert table.to_dict("records")[0]["candidate_id"] == "A"
    assert list(table["rule"]) == ["protected"] and table["name"].iloc[0] == "Alfa"
    assert "Vernet" in table["detail"].iloc[0]
    assert any("protected areas" in m and "A" in m for m in r.messages)


def test_protected_polygon_moves_the_reuse_centre(graph, cands):
    dem = h.points([{"id": f"c{k}", "population": 100} for k in range(3)], [h.at(0), h.at(1), h.at(2)])
    free = site_reuse_centres(dem, cands, graph, count=1, max_minutes=5)
    assert list(free.layers["selected_sites"]["id"]) == ["A"]
    r = site_reuse_centres(
        dem, cands, graph, count=1, max_minutes=5, exclusions=Exclusions(protected=_protected_over(1))
    )
    assert list(r.layers["selected_sites"]["id"]) == ["B"]
    assert list(r.tables["excluded"]["candidate_id"]) == ["A"]


def test_a_bare_layer_is_other_and_uses_the_site_point(graph, cands):
    # a polygon over the edge of zone A (not its centre) does not remove it as "other" ...
    c = h.at(1)
    edge = gpd.GeoDataFrame(geometry=[shapely.box(c.x + 250, c.y - 50, c.x + 350, c.y + 50)], crs=h.CRS)
    src = _sources("cattle_manure", 5000.0)
    r = site_biogas(src, cands, graph, count=1, exclusions=edge)
    assert list(r.layers["selected_sites"]["id"]) == ["A"] and r.tables["excluded"].empty
    # ... but as a protected area, which the zone overlaps, it does
    r = site_biogas(src, cands, graph, count=1, exclusions=Exclusions(protected=edge))
    assert list(r.layers["selected_sites"]["id"]) == ["B"]
    over = gpd.GeoDataFrame(geometry=[c.buffer(50)], crs=h.CRS)
    r = site_biogas(src, cands, graph, count=1, exclusions=over)
    assert list(r.tables["excluded"]["rule"]) == ["other"]


def test_parks_exclusion(demo):
    base = site_industrial_parks(demo.zones, demo.flows, demo.roads, stations=demo.stations, count=1)
    top = base.layers["selected_sites"]["id"].iloc[0]
    zone = demo.zones.set_index("id").loc[top, "geometry"]
    prot = gpd.GeoDataFrame({"navn": ["Reservat"]}, geometry=[zone.buffer(-1)], crs=demo.zones.crs)
    r = site_industrial_parks(
        demo.zones,
        demo.flows,
        demo.roads,
        stations=demo.stations,
        count=1,
        exclusions=Exclusions(protected=prot),
    )
    assert r.layers["selected_sites"]["id"].iloc[0] != top
    assert top not in set(r.layers["candidates"]["id"])
    assert list(r.tables["excluded"]["candidate_id"]) == [top]


def _dem(path, *, steep_from_km: float, steep_to_km: float):
    """A DEM over the main road (100 m cells): 20 % slope between the two km marks, flat elsewhere."""
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    x = np.arange(320) * 100.0 + 50.0 - 1000.0  # metres east of the road start, -1 ... 31 km
    ramp = np.clip(x, steep_from_km * 1000, steep_to_km * 1000) - steep_from_km * 1000
    z = np.tile(ramp * 0.2, (40, 1)).astype("float32")
    prof = dict(
        driver="GTiff",
        width=320,
        height=40,
        count=1,
        dtype="float32",
        crs=h.CRS,
        transform=from_origin(h.X - 1000.0, h.Y + 2000.0, 100.0, 100.0),
        nodata=-9999.0,
    )
    with rasterio.open(path, "w", **prof) as dst:
        dst.write(z, 1)
    return path


def test_settlement_and_slope_rows_reach_every_workflow(graph, cands, tmp_path):
    # a settlement 400 m east of zone A's edge: inside the 500 m buffer, outside a 200 m one
    town = gpd.GeoDataFrame({"name": ["Byen"]}, geometry=[h.square(1.9, 200)], crs=h.CRS)
    src = _sources("cattle_manure", 5000.0)
    dem = h.points([{"id": f"c{k}", "population": 100} for k in range(3)], [h.at(0), h.at(1), h.at(2)])
    runs = {
        "biogas": lambda **kw: site_biogas(src, cands, graph, count=1, **kw),
        "reuse": lambda **kw: site_reuse_centres(dem, cands, graph, count=1, max_minutes=5, **kw),
    }
    for name, run in runs.items():
        r = run(exclusions=Exclusions(settlements=town))
        assert list(r.layers["selected_sites"]["id"]) == ["B"], name
        assert list(r.tables["excluded"]["rule"]) == ["settlements"]
        r = run(exclusions=Exclusions(settlements=town), parameters={"suitability.buffer_settlement_m": 200})
        assert list(r.layers["selected_sites"]["id"]) == ["A"], name
    # a DEM steep (20 %) around A at 0.5-1.5 km, flat at B
    steep = _dem(tmp_path / "dem.tif", steep_from_km=0.5, steep_to_km=1.5)
    for name, run in runs.items():
        r = run(exclusions=Exclusions(dem=steep))
        assert list(r.layers["selected_sites"]["id"]) == ["B"], name
        assert r.tables["excluded"]["detail"].iloc[0].startswith("mean slope 20.0 %")
        r = run(exclusions=Exclusions(dem=steep), parameters={"suitability.max_slope_pct": 25})
        assert list(r.layers["selected_sites"]["id"]) == ["A"], name
