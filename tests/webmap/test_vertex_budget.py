"""A national map stays small: polygon layers over the vertex budget are simplified further.

The expected vertex counts come from shapely's own Douglas-Peucker (``shapely.simplify``) applied to
the input polygons at each candidate tolerance (20 m doubled), independently of the map code; the
drawn polygons are read back from the written HTML.
"""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import shapely

from arealsirk import webmap
from arealsirk.defaults import default


def _service_areas(n: int, *, seed: int = 0) -> gpd.GeoDataFrame:
    """``n`` ragged drive-time-like polygons (about 1 000 vertices each) in EPSG:25833."""
    rng = np.random.default_rng(seed)
    geoms = []
    for i in range(n):
        cx, cy = 200_000 + 9_000 * (i % 30), 6_600_000 + 9_000 * (i // 30)
        ang = np.linspace(0, 2 * np.pi, 1000, endpoint=False)
        r = 3_000 + 800 * np.sin(7 * ang) + rng.normal(0, 60, ang.size)  # a jagged outline
        geoms.append(shapely.Polygon(np.c_[cx + r * np.cos(ang), cy + r * np.sin(ang)]))
    return gpd.GeoDataFrame({"site_id": [f"S{i // 3}" for i in range(n)], "facility_type": "reuse_centre",
                             "minutes": np.tile([15.0, 20.0, 30.0], n)[:n]}, geometry=geoms, crs=25833)


def _drawn_service_areas(html: str) -> list[dict]:
    out = []
    for payload in re.findall(r"arealsirkMap\.shapes\((\{.*?\}), map_", html):
        data = json.loads(payload)
        if data.get("key") == "service_areas":
            out += [row[0] for row in data["rows"]]
    return out


def _vertices(geojson: list[dict]) -> int:
    return int(shapely.get_num_coordinates([shapely.geometry.shape(g) for g in geojson]).sum())


def _expected_tolerance(areas: gpd.GeoDataFrame, budget: int) -> float:
    tol = float(default("webmap.simplify_m"))
    while True:
        n = int(shapely.get_num_coordinates(shapely.simplify(areas.geometry.values, tol,
                                                             preserve_topology=True)).sum())
        if n <= budget or tol >= 2560:
            return tol
        tol *= 2


def test_a_national_set_of_service_areas_is_simplified_to_the_budget(tmp_path):
    areas = _service_areas(600)
    budget = int(default("webmap.max_polygon_vertices"))
    raw = int(shapely.get_num_coordinates(areas.geometry.values).sum())
    assert raw > 3 * budget  # the case is over budget
    tol = _expected_tolerance(areas, budget)
    assert tol > default("webmap.simplify_m")
    path = webmap.write_map({"service_areas": areas}, tmp_path / "n.html", title="Norge", tiles=None)
    drawn = _drawn_service_areas(path.read_text(encoding="utf-8"))
    assert len(drawn) == len(areas)
    want = int(shapely.get_num_coordinates(shapely.simplify(areas.geometry.values, tol,
                                                            preserve_topology=True)).sum())
    assert _vertices(drawn) == want <= budget
    # each drawn polygon is shapely's simplification of its true one at that tolerance, up to the
    # 1e-5 degree rounding of the page (about 1 m)
    back = gpd.GeoSeries([shapely.geometry.shape(g) for g in drawn], crs=4326).to_crs(25833)
    order = sorted(range(len(areas)), key=lambda i: -areas["minutes"].iloc[i])  # drawn widest first
    oracle = shapely.simplify(areas.geometry.values[order], tol, preserve_topology=True)
    assert shapely.hausdorff_distance(back.values, oracle).max() <= 2.0
    assert shapely.hausdorff_distance(back.values, areas.geometry.values[order]).max() <= 3 * tol
    assert path.stat().st_size < 5_000_000


def test_a_regional_map_under_the_budget_keeps_the_usual_tolerance(tmp_path):
    areas = _service_areas(30, seed=1)
    budget = int(default("webmap.max_polygon_vertices"))
    assert int(shapely.get_num_coordinates(areas.geometry.values).sum()) < budget
    path = webmap.write_map({"service_areas": areas}, tmp_path / "r.html", title="Region", tiles=None)
    drawn = _drawn_service_areas(path.read_text(encoding="utf-8"))
    want = shapely.simplify(areas.geometry.values, default("webmap.simplify_m"), preserve_topology=True)
    assert _vertices(drawn) == int(shapely.get_num_coordinates(want).sum())


def test_the_budget_is_a_parameter(tmp_path):
    """``[parameters] "webmap.max_polygon_vertices"`` of a scenario lowers the budget."""
    budget = 5_000
    areas = _service_areas(30, seed=2)
    fmap = webmap.build_map({"service_areas": areas}, title="R", tiles=None,
                            parameters={"webmap.max_polygon_vertices": budget})
    path = webmap.write_map(fmap, tmp_path / "p.html")
    drawn = _drawn_service_areas(path.read_text(encoding="utf-8"))
    assert _vertices(drawn) <= budget
    assert _vertices(drawn) == int(shapely.get_num_coordinates(shapely.simplify(
        areas.geometry.values, _expected_tolerance(areas, budget), preserve_topology=True)).sum())
    assert len({json.dumps(g) for g in drawn}) == len(areas)


def test_rings_the_plain_count_drops_are_counted_as_drawn(tmp_path):
    """Polygons with hundreds of 4 m holes: plain Douglas-Peucker drops the holes, the drawn
    (topology-preserving) form keeps every one, so a tolerance found by the plain count alone would
    leave the map over its budget; the drawn layer is counted again and simplified further (here up to
    the coarsest tolerance, 2 560 m, where it is still over: the holes stay)."""
    budget = 5_000
    geoms = []
    for k in range(3):
        x0 = 300_000 + 20_000 * k
        holes = [[(x0 + 500 + 300 * i, 6_700_500 + 300 * j), (x0 + 504 + 300 * i, 6_700_500 + 300 * j),
                  (x0 + 504 + 300 * i, 6_700_504 + 300 * j), (x0 + 500 + 300 * i, 6_700_504 + 300 * j)]
                 for i in range(25) for j in range(25)]
        ang = np.linspace(0, 2 * np.pi, 1000, endpoint=False)  # a round outline of 1 000 vertices
        outline = np.c_[x0 + 4_000 + 6_000 * np.cos(ang), 6_704_000 + 6_000 * np.sin(ang)]
        geoms.append(shapely.Polygon(outline, holes))
    areas = gpd.GeoDataFrame({"site_id": ["S0", "S1", "S2"], "facility_type": "reuse_centre",
                              "minutes": [20.0, 20.0, 20.0]}, geometry=geoms, crs=25833)
    plain = shapely.get_num_coordinates(shapely.simplify(areas.geometry.values, 40, preserve_topology=False))
    kept = shapely.get_num_coordinates(shapely.simplify(areas.geometry.values, 2560, preserve_topology=True))
    assert plain.sum() <= budget < kept.sum()  # the case: the plain count fits at 40 m, the drawn never
    fmap = webmap.build_map({"service_areas": areas}, title="R", tiles=None,
                            parameters={"webmap.max_polygon_vertices": budget})
    drawn = _drawn_service_areas(webmap.write_map(fmap, tmp_path / "h.html").read_text(encoding="utf-8"))
    assert _vertices(drawn) == int(kept.sum())
    at_40 = shapely.get_num_coordinates(shapely.simplify(areas.geometry.values, 40, preserve_topology=True))
    assert at_40.sum() > kept.sum()  # the outline tells the tolerances apart
