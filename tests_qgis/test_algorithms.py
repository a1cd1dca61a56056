"""Run every algorithm on small memory layers with answers computed independently.

The road grid of ``conftest.grid`` makes shortest paths known in closed form:
1 km blocks at 60 km/h, so the travel time between two nodes is their Manhattan
distance in km, in minutes.  Outputs are written to GeoPackages and read back.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from .conftest import STEP, X0, Y0, memory_layer, node, population_of


def run(alg_id: str, params: dict, feedback=None, context=None) -> dict:
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    if context is None:
        context = QgsProcessingContext()
        context.setProject(QgsProject.instance())
    return processing.run(alg_id, params, feedback=feedback or QgsProcessingFeedback(), context=context)


def read(path: str | Path):
    import geopandas as gpd

    return gpd.read_file(str(path).split("|")[0])


def manhattan_km(a: tuple[int, int], b: tuple[int, int]) -> int:
    return abs(a[0] - b[0]) + abs(a[1] - b[1])


def ij_of(x: float, y: float) -> tuple[int, int]:
    return round((x - X0) / STEP), round((y - Y0) / STEP)


# ----------------------------------------------------------------------------------------- reuse centres
@pytest.mark.parametrize("count,cutoff", [(2, 2.5), (3, 1.5)])
def test_site_reuse_centres_matches_brute_force(provider, grid, tmp_path, count, cutoff):
    layers, data = grid
    out = run(
        "arealsirk:site_reuse_centres",
        {
            "DEMAND": layers["demand"],
            "POPULATION_FIELD": "population",
            "CANDIDATES": layers["candidates"],
            "ROADS": layers["roads"],
            "COUNT": count,
            "MAX_MINUTES": cutoff,
            "OUTPUT": str(tmp_path / "sites.gpkg"),
            "ALLOCATION": str(tmp_path / "alloc.gpkg"),
            "SERVICE_AREAS": str(tmp_path / "sa.gpkg"),
            "BY_KOMMUNE": str(tmp_path / "by_k.gpkg"),
        },
    )
    sites, alloc = read(out["OUTPUT"]), read(out["ALLOCATION"])
    assert len(sites) == count
    assert set(sites.geom_type) == {"Point"} and set(alloc.geom_type) == {"LineString"}
    assert sites.crs.to_epsg() == 25833

    # independent brute force over all candidate subsets on the Manhattan metric
    pops = {n: population_of(*n) for n in data["demand_nodes"]}

    def covered(subset):
        return sum(p for n, p in pops.items() if min(manhattan_km(n, c) for c in subset) <= cutoff)

    best = max(covered(s) for s in itertools.combinations(data["cand_nodes"], count))
    chosen = [ij_of(p.x, p.y) for p in sites.geometry]
    assert covered(chosen) == best
    assert sites["population_within_cutoff"].sum() == pytest.approx(best)
    assert out["POPULATION_COVERED"] == pytest.approx(best)
    assert out["SHARE_COVERED"] == pytest.approx(best / sum(population_of(*n) for n in data["demand_nodes"]))

    # every demand node is allocated to its nearest chosen site, travel time = Manhattan minutes
    assert len(alloc) == len(pops)
    for line, minutes in zip(alloc.geometry, alloc["travel_min"], strict=True):
        start = ij_of(*line.coords[0])
        assert minutes == pytest.approx(min(manhattan_km(start, c) for c in chosen), abs=1e-6)
    assert alloc["quantity"].sum() == pytest.approx(sum(pops.values()))
    assert out["STATUS"] in ("optimal", "feasible") and "|" in out["SUMMARY"]
    assert len(read(out["SERVICE_AREAS"])) >= count


def test_bad_field_raises_the_library_message(provider, grid, tmp_path):
    """A population field with no positive value: the library's own message, unchanged."""
    import geopandas as gpd
    from qgis.core import QgsProcessingException
    from shapely.geometry import LineString, Point

    from arealsirk.errors import ArealsirkError
    from arealsirk.workflows import site_reuse_centres

    layers, data = grid
    # the expected message, from the library called on independently built GeoDataFrames
    demand = gpd.GeoDataFrame(
        {"zero": [0] * len(data["demand_nodes"])},
        geometry=[Point(node(*n)) for n in data["demand_nodes"]],
        crs=25833,
    )
    cands = gpd.GeoDataFrame(geometry=[Point(node(*n)) for n in data["cand_nodes"]], crs=25833)
    roads = gpd.GeoDataFrame(
        {"speed_kph": [60.0]}, geometry=[LineString([node(0, 0), node(1, 0)])], crs=25833
    )
    with pytest.raises(ArealsirkError) as direct:
        site_reuse_centres(demand, cands, roads, population_column="zero", count=2)
    with pytest.raises(QgsProcessingException) as via_qgis:
        run(
            "arealsirk:site_reuse_centres",
            {
                "DEMAND": layers["demand"],
                "POPULATION_FIELD": "zero",
                "CANDIDATES": layers["candidates"],
                "ROADS": layers["roads"],
                "COUNT": 2,
                "MAX_MINUTES": 2.0,
                "OUTPUT": str(tmp_path / "s.gpkg"),
                "ALLOCATION": str(tmp_path / "a.gpkg"),
            },
        )
    assert str(direct.value) in str(via_qgis.value)
    assert "zero" in str(via_qgis.value)
    assert not (tmp_path / "s.gpkg").exists()


def test_count_above_candidates_is_a_clear_error(provider, grid, tmp_path):
    from qgis.core import QgsProcessingException

    layers, _ = grid
    with pytest.raises(QgsProcessingException, match="count"):
        run(
            "arealsirk:site_reuse_centres",
            {
                "DEMAND": layers["demand"],
                "POPULATION_FIELD": "population",
                "CANDIDATES": layers["candidates"],
                "ROADS": layers["roads"],
                "COUNT": 7,
                "MAX_MINUTES": 2.0,
                "OUTPUT": str(tmp_path / "s.gpkg"),
                "ALLOCATION": str(tmp_path / "a.gpkg"),
            },
        )


def test_cancel_stops_the_run_and_writes_nothing(provider, grid, tmp_path):
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    class CancelEarly(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.steps = []

        def setProgress(self, progress):  # noqa: N802
            self.steps.append(progress)
            super().setProgress(progress)
            if progress > 0:
                self.cancel()

    layers, _ = grid
    feedback = CancelEarly()
    with pytest.raises(QgsProcessingException, match="cancel"):
        run(
            "arealsirk:site_reuse_centres",
            {
                "DEMAND": layers["demand"],
                "POPULATION_FIELD": "population",
                "CANDIDATES": layers["candidates"],
                "ROADS": layers["roads"],
                "COUNT": 2,
                "MAX_MINUTES": 2.0,
                "OUTPUT": str(tmp_path / "s.gpkg"),
                "ALLOCATION": str(tmp_path / "a.gpkg"),
            },
            feedback=feedback,
        )
    assert feedback.isCanceled() and feedback.steps and max(feedback.steps) < 100
    assert not (tmp_path / "s.gpkg").exists() and not (tmp_path / "a.gpkg").exists()


def test_outputs_are_styled_when_loaded(provider, grid, tmp_path):
    from qgis.core import (
        QgsProcessingContext,
        QgsProcessingFeedback,
        QgsProject,
        QgsRuleBasedRenderer,
        QgsSimpleMarkerSymbolLayerBase,
        QgsVectorLayer,
    )

    layers, _ = grid
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    sites_path = str(tmp_path / "sites.gpkg")
    params = {
        "DEMAND": layers["demand"],
        "POPULATION_FIELD": "population",
        "CANDIDATES": layers["candidates"],
        "ROADS": layers["roads"],
        "COUNT": 2,
        "MAX_MINUTES": 2.0,
        "OUTPUT": sites_path,
        "ALLOCATION": str(tmp_path / "a.gpkg"),
    }
    from qgis.core import QgsApplication

    alg = QgsApplication.processingRegistry().createAlgorithmById("arealsirk:site_reuse_centres")
    # what the Processing dialog does when "open output file after running" is ticked
    context.addLayerToLoadOnCompletion(
        sites_path, QgsProcessingContext.LayerDetails("sites", QgsProject.instance(), "OUTPUT")
    )
    results, ok = alg.run(params, context, QgsProcessingFeedback())
    assert ok
    details = context.layerToLoadOnCompletionDetails(results["OUTPUT"])
    processor = details.postProcessor()
    assert processor is not None
    layer = QgsVectorLayer(results["OUTPUT"], "sites", "ogr")
    assert layer.isValid()
    processor.postProcessLayer(layer, context, QgsProcessingFeedback())
    renderer = layer.renderer()
    assert isinstance(renderer, QgsRuleBasedRenderer)
    (rule,) = [r for r in renderer.rootRule().children() if r.filterExpression().startswith(
        "\"facility_type\" = 'reuse_centre' AND NOT")]
    assert rule.symbol().symbolLayer(0).shape() == QgsSimpleMarkerSymbolLayerBase.Star
    assert rule.symbol().color().name() == "#2166ac"
    del layer


# ----------------------------------------------------------------------------------------- biogas
def test_site_biogas_figures_add_up(provider, grid, tmp_path):
    from arealsirk.defaults import default

    layers, data = grid
    kinds = ["cattle_manure", "pig_manure", "food_waste", "sewage_sludge", "textiles"]
    rows, quantities = [], {}
    for k, (i, j) in enumerate(data["demand_nodes"][::3]):
        kind = kinds[k % len(kinds)]
        q = 500.0 + 100 * k
        rows.append((f"POINT({node(i, j)[0]} {node(i, j)[1]})", f"s{k}", kind, q, "t/yr"))
        quantities[f"s{k}"] = (kind, q, (i, j))
    # the user's layer uses its own field names: the algorithm maps them
    sources = memory_layer(
        "Point",
        [("kilde", "string"), ("type", "string"), ("tonn", "double"), ("enhet", "string")],
        rows,
        "sources",
    )
    out = run(
        "arealsirk:site_biogas",
        {
            "SOURCES": sources,
            "ID_FIELD": "kilde",
            "KIND_FIELD": "type",
            "QUANTITY_FIELD": "tonn",
            "UNIT_FIELD": "enhet",
            "CANDIDATES": layers["candidates"],
            "ROADS": layers["roads"],
            "COUNT": 2,
            "MAX_KM": 20.0,
            "MIN_PLANT_T": 0.0,
            "CAPACITY_T": 1e6,
            "OUTPUT": str(tmp_path / "plants.gpkg"),
            "ALLOCATION": str(tmp_path / "alloc.gpkg"),
        },
    )
    plants, alloc = read(out["OUTPUT"]), read(out["ALLOCATION"])
    assert len(plants) == 2
    digestible = {s: v for s, v in quantities.items() if v[0] != "textiles"}
    assert set(alloc["source_id"]) == set(digestible)  # textiles have no methane yield: left out
    assert plants["feedstock_t"].sum() == pytest.approx(sum(q for _, q, _ in digestible.values()))
    methane = sum(q * default(f"resources.methane_nm3_per_t.{kind}") for kind, q, _ in digestible.values())
    assert plants["methane_nm3"].sum() == pytest.approx(methane, rel=1e-6)
    assert out["METHANE_NM3"] == pytest.approx(methane, rel=1e-6)
    site_node = {sid: ij_of(p.x, p.y) for sid, p in zip(plants["id"], plants.geometry, strict=True)}
    for sid, site, km in zip(alloc["source_id"], alloc["site_id"], alloc["distance_km"], strict=True):
        assert km == pytest.approx(manhattan_km(digestible[sid][2], site_node[site]), abs=1e-6)
    # transport work: tonnes x road km, summed
    tkm = sum(digestible[s][1] * km for s, km in zip(alloc["source_id"], alloc["distance_km"], strict=True))
    assert plants["tonne_km"].sum() == pytest.approx(tkm, rel=1e-6)


# ----------------------------------------------------------------------------------------- network tools
def test_od_matrix_equals_manhattan_minutes_and_km(provider, grid, tmp_path):
    layers, data = grid
    origins = memory_layer(
        "Point",
        [("id", "string")],
        [(f"POINT({node(i, j)[0]} {node(i, j)[1]})", f"o{i}{j}") for i, j in ((0, 0), (5, 0), (2, 3))],
        "origins",
    )
    out = run(
        "arealsirk:od_matrix",
        {
            "ORIGINS": origins,
            "ORIGIN_ID": "id",
            "TARGETS": layers["candidates"],
            "TARGET_ID": "id",
            "ROADS": layers["roads"],
            "WEIGHT": 0,
            "CUTOFF": 0,
            "OUTPUT": str(tmp_path / "od.gpkg"),
        },
    )
    od = read(out["OUTPUT"])
    assert len(od) == 3 * len(data["cand_nodes"])
    for line, minutes in zip(od.geometry, od["travel_min"], strict=True):
        a, b = ij_of(*line.coords[0]), ij_of(*line.coords[-1])
        assert minutes == pytest.approx(manhattan_km(a, b), abs=1e-6)
    out_km = run(
        "arealsirk:od_matrix",
        {
            "ORIGINS": origins,
            "TARGETS": layers["candidates"],
            "ROADS": layers["roads"],
            "WEIGHT": 1,
            "CUTOFF": 3.0,
            "OUTPUT": str(tmp_path / "od_km.gpkg"),
        },
    )
    km = read(out_km["OUTPUT"])
    expected = sum(1 for o in ((0, 0), (5, 0), (2, 3)) for c in data["cand_nodes"] if manhattan_km(o, c) <= 3)
    assert len(km) == expected and (km["distance_km"] <= 3.0 + 1e-9).all()


def test_service_areas_reach_what_the_minutes_allow(provider, grid, tmp_path):
    from shapely.geometry import Point

    layers, _ = grid
    facilities = memory_layer(
        "Point",
        [("id", "string")],
        [(f"POINT({node(0, 0)[0]} {node(0, 0)[1]})", "A"), (f"POINT({node(5, 5)[0]} {node(5, 5)[1]})", "B")],
        "facilities",
    )
    out = run(
        "arealsirk:service_areas",
        {
            "FACILITIES": facilities,
            "ID_FIELD": "id",
            "ROADS": layers["roads"],
            "MINUTES": "1, 2.5",
            "SPLIT": False,
            "OUTPUT": str(tmp_path / "sa.gpkg"),
        },
    )
    sa = read(out["OUTPUT"])
    assert len(sa) == 4 and set(sa["site_id"]) == {"A", "B"} and set(sa["minutes"]) == {1.0, 2.5}
    a25 = sa[(sa["site_id"] == "A") & (sa["minutes"] == 2.5)].geometry.iloc[0]
    assert a25.contains(Point(node(1, 1))) and a25.contains(Point(node(2, 0)))  # 2 minutes away
    assert not a25.contains(Point(node(2, 2))) and not a25.contains(Point(node(4, 0)))  # 4 minutes away


def test_service_areas_rejects_bad_minutes(provider, grid, tmp_path):
    from qgis.core import QgsProcessingException

    layers, _ = grid
    with pytest.raises(QgsProcessingException, match="MINUTES"):
        run(
            "arealsirk:service_areas",
            {
                "FACILITIES": layers["candidates"],
                "ROADS": layers["roads"],
                "MINUTES": "ten",
                "OUTPUT": str(tmp_path / "sa.gpkg"),
            },
        )


def test_library_log_reaches_feedback_and_message_log(provider, grid, tmp_path):
    from qgis.core import QgsApplication, QgsProcessingFeedback

    class Recorder(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.infos = []

        def pushInfo(self, info):  # noqa: N802
            self.infos.append(info)
            super().pushInfo(info)

    received = []

    def on_message(message, tag, level):
        if tag == "arealsirk":
            received.append(message)

    QgsApplication.messageLog().messageReceived.connect(on_message)
    try:
        layers, _ = grid
        feedback = Recorder()
        run(
            "arealsirk:od_matrix",
            {
                "ORIGINS": layers["candidates"],
                "TARGETS": layers["candidates"],
                "ROADS": layers["roads"],
                "WEIGHT": 0,
                "CUTOFF": 2.0,
                "OUTPUT": str(tmp_path / "od.gpkg"),
            },
            feedback=feedback,
        )
    finally:
        QgsApplication.messageLog().messageReceived.disconnect(on_message)
    # od_matrix logs how many pairs are beyond the cutoff (logging.getLogger("arealsirk").info)
    assert any("od_matrix" in m and "cutoff" in m for m in feedback.infos)
    assert any("od_matrix" in m for m in received)


# ----------------------------------------------------------------------------------------- symbiosis, parks
def flows_layer():
    x, y = node(2, 2)
    rows = [
        (f"POINT({x} {y})", "f1", "Sawmill", "supply", "heat", 10.0, "GWh/yr", 90.0),
        (f"POINT({x + 800} {y})", "f2", "Greenhouse", "demand", "heat", 4.0, "GWh/yr", 60.0),
        (f"POINT({x + 9000} {y + 9000})", "f3", "Far user", "demand", "heat", 3.0, "GWh/yr", 60.0),
        (f"POINT({x} {y + 500})", "f4", "Boiler", "supply", "ash", 200.0, "t/yr", None),
        (f"POINT({x + 2000} {y + 1000})", "f5", "Farm", "demand", "ash", 150.0, "t/yr", None),
    ]
    return memory_layer(
        "Point",
        [
            ("id", "string"),
            ("name", "string"),
            ("role", "string"),
            ("kind", "string"),
            ("quantity", "double"),
            ("unit", "string"),
            ("temperature_c", "double"),
        ],
        rows,
        "flows",
    )


def test_symbiosis_matches_heat_within_pipe_reach_only(provider, tmp_path):
    flows = flows_layer()
    out = run(
        "arealsirk:symbiosis_matches",
        {"FLOWS": flows, "MAX_HEAT_KM": 3.0, "MAX_KM": 50.0, "OUTPUT": str(tmp_path / "m.gpkg")},
    )
    m = read(out["OUTPUT"])
    heat = m[m["kind"] == "heat"]
    assert heat["consumer_id"].tolist() == ["f2"]  # f3 is 12.7 km away, beyond the 3 km pipe
    assert heat["quantity"].sum() == pytest.approx(4.0)
    assert heat["distance_km"].iloc[0] == pytest.approx(0.8, abs=1e-6)
    ash = m[m["kind"] == "ash"]
    assert ash["quantity"].sum() == pytest.approx(150.0)
    assert (m["saving"] > 0).all()


def test_industrial_parks_rank_and_select(provider, grid, tmp_path):
    layers, _ = grid
    zones = []
    for k, (i, j) in enumerate(((2, 2), (0, 5), (5, 0), (4, 4))):
        x, y = node(i, j)
        zones.append(
            (
                f"POLYGON(({x} {y}, {x + 400} {y}, {x + 400} {y + 400}, {x} {y + 400}, {x} {y}))",
                f"z{k}",
                f"Zone {k}",
                10.0 + 10 * k,
            )
        )
    zones_layer = memory_layer(
        "Polygon", [("id", "string"), ("name", "string"), ("area_ha", "double")], zones, "zones"
    )
    out = run(
        "arealsirk:site_industrial_parks",
        {
            "CANDIDATES": zones_layer,
            "FLOWS": flows_layer(),
            "ROADS": layers["roads"],
            "COUNT": 1,
            "OUTPUT": str(tmp_path / "parks.gpkg"),
            "SCORED": str(tmp_path / "scored.gpkg"),
        },
    )
    parks, scored = read(out["OUTPUT"]), read(out["SCORED"])
    assert len(parks) == 1 and len(scored) == 4
    assert sorted(scored["rank"]) == [1, 2, 3, 4]
    assert scored["score_total"].between(0, 1).all()
    assert parks["id"].iloc[0] == scored.loc[scored["rank"] == 1, "id"].iloc[0]
    # the zone next to the heat/ash suppliers has the highest symbiosis score
    assert scored.loc[scored["score_symbiosis"].idxmax(), "id"] == "z0"


# ----------------------------------------------------------------------------------------- rasters, web map
def test_suitability_is_the_weighted_sum_of_normalised_rasters(provider, tmp_path):
    import rasterio
    from rasterio.transform import from_origin

    a = np.arange(16, dtype="float32").reshape(4, 4)
    b = np.array([[5, 1, 3, 2]] * 4, dtype="float32")
    profile = {
        "driver": "GTiff",
        "height": 4,
        "width": 4,
        "count": 1,
        "dtype": "float32",
        "crs": "EPSG:25833",
        "transform": from_origin(X0, Y0, 100, 100),
        "nodata": -9999.0,
    }
    for name, arr in (("a", a), ("b", b)):
        with rasterio.open(tmp_path / f"{name}.tif", "w", **profile) as dst:
            dst.write(arr, 1)
    out = run(
        "arealsirk:suitability",
        {
            "RASTERS": [str(tmp_path / "a.tif"), str(tmp_path / "b.tif")],
            "BETTER": "high, low",
            "WEIGHTS": "3,1",
            "OUTPUT": str(tmp_path / "suit.tif"),
        },
    )
    with rasterio.open(out["OUTPUT"]) as src:
        s = src.read(1)
    na = (a - a.min()) / (a.max() - a.min())
    nb = (b.max() - b) / (b.max() - b.min())
    np.testing.assert_allclose(s, 0.75 * na + 0.25 * nb, atol=1e-6)
    assert out["VALID_CELLS"] == 16


def test_web_map_is_one_offline_html_file(provider, grid, tmp_path):
    layers, _ = grid
    sites = run(
        "arealsirk:site_reuse_centres",
        {
            "DEMAND": layers["demand"],
            "POPULATION_FIELD": "population",
            "CANDIDATES": layers["candidates"],
            "ROADS": layers["roads"],
            "COUNT": 2,
            "MAX_MINUTES": 2.0,
            "OUTPUT": str(tmp_path / "s.gpkg"),
            "ALLOCATION": str(tmp_path / "a.gpkg"),
        },
    )
    out = run(
        "arealsirk:web_map",
        {
            "SELECTED_SITES": sites["OUTPUT"],
            "ALLOCATION": sites["ALLOCATION"],
            "TITLE": "Test <kart>",
            "LANGUAGE": 1,
            "SYNTHETIC": True,
            "OUTPUT": str(tmp_path / "map.html"),
        },
    )
    html = Path(out["OUTPUT"]).read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html")
    assert "Test &lt;kart&gt;" in html and "<kart>" not in html
    assert 'src="http' not in html and 'href="https://cdn' not in html


# ------------------------------------------------------------------------------------ bioenergy, textiles
@pytest.mark.parametrize("alg,function,kind,min_param,min_keyword", [
    ("site_bioenergy", "site_bioenergy", "forest_residue", "MIN_PLANT_T", "min_plant_t"),
    ("site_textile_reuse", "site_textile_reuse", "textiles", "MIN_SITE_T", "min_site_t"),
])
def test_feedstock_themes_give_the_python_api_figures(provider, grid, tmp_path, alg, function, kind,
                                                      min_param, min_keyword):
    import geopandas as gpd
    import shapely

    from arealsirk import workflows
    from arealsirk.defaults import default

    layers, data = grid
    rows = []
    for k, (i, j) in enumerate(data["demand_nodes"][::2]):
        rows.append((f"POINT({node(i, j)[0]} {node(i, j)[1]})", f"s{k}", kind if k % 4 else "food_waste",
                     200.0 + 50 * k, "t/yr"))
    sources = memory_layer("Point", [("id", "string"), ("kind", "string"), ("quantity", "double"),
                                     ("unit", "string")], rows, "sources")
    out = run(f"arealsirk:{alg}", {
        "SOURCES": sources, "CANDIDATES": layers["candidates"], "ROADS": layers["roads"], "COUNT": 2,
        "MAX_KM": 30.0, min_param: 0.0, "CAPACITY_T": 1e6,
        "OUTPUT": str(tmp_path / "sites.gpkg"), "ALLOCATION": str(tmp_path / "alloc.gpkg"),
    })
    sites, alloc = read(out["OUTPUT"]), read(out["ALLOCATION"])
    # the same inputs through the Python API
    src = gpd.GeoDataFrame({"id": [r[1] for r in rows], "kind": [r[2] for r in rows],
                            "quantity": [r[3] for r in rows], "unit": [r[4] for r in rows]},
                           geometry=[shapely.from_wkt(r[0]) for r in rows], crs="EPSG:25833")
    cand_nodes = data["cand_nodes"]
    cands = gpd.GeoDataFrame({"id": [f"c{i}{j}" for i, j in cand_nodes],
                              "name": [f"Candidate {i}{j}" for i, j in cand_nodes]},
                             geometry=[shapely.Point(*node(i, j)) for i, j in cand_nodes], crs="EPSG:25833")
    lines = [shapely.from_wkt(f.geometry().asWkt()) for f in layers["roads"].getFeatures()]
    roads = gpd.GeoDataFrame({"vegkategori": ["K"] * len(lines), "speed_kph": [60.0] * len(lines)},
                             geometry=lines, crs="EPSG:25833")
    api = getattr(workflows, function)(src, cands, roads, count=2, max_km=30.0, capacity_t=1e6,
                                       **{min_keyword: 0.0})
    api_sites = api.layers["selected_sites"]
    assert sorted(sites["id"]) == sorted(api_sites["id"])
    for col in api_sites.columns:
        if col in sites.columns and col != "geometry" and np.issubdtype(api_sites[col].dtype, np.number):
            assert sorted(sites[col]) == pytest.approx(sorted(api_sites[col]), rel=1e-9), col
    # and the figures by hand: every tonne of the theme's kind is collected (max_km spans the grid)
    tonnes = sum(r[3] for r in rows if r[2] == kind)
    assert sites["feedstock_t"].sum() == pytest.approx(tonnes)
    assert alloc["quantity"].sum() == pytest.approx(tonnes)
    if kind == "forest_residue":
        heat = tonnes * default("resources.forest_residue_mwh_per_t") / 1e3 * \
            default("bioenergy.boiler_efficiency")
        assert sites["energy_gwh"].sum() == pytest.approx(heat, rel=1e-9)
        assert out["ENERGY_GWH"] == pytest.approx(heat, rel=1e-9)
    else:
        assert sites["reused_t"].sum() == pytest.approx(tonnes * default("textiles.reuse_share"), rel=1e-9)
        assert out["REUSED_T"] == pytest.approx(tonnes * default("textiles.reuse_share"), rel=1e-9)


def test_exclusion_layers_remove_the_chosen_site(provider, grid, tmp_path):
    """A protected area, a lake or a settlement laid over the site chosen without it moves the site."""
    layers, data = grid
    rows = [(f"POINT({node(i, j)[0]} {node(i, j)[1]})", f"s{k}", "food_waste", 300.0, "t/yr")
            for k, (i, j) in enumerate(data["demand_nodes"])]
    sources = memory_layer("Point", [("id", "string"), ("kind", "string"), ("quantity", "double"),
                                     ("unit", "string")], rows, "sources")
    params = {"SOURCES": sources, "CANDIDATES": layers["candidates"], "ROADS": layers["roads"], "COUNT": 1,
              "MAX_KM": 50.0, "MIN_PLANT_T": 0.0, "CAPACITY_T": 1e6}
    free = read(run("arealsirk:site_biogas", {**params, "OUTPUT": str(tmp_path / "free.gpkg"),
                                              "ALLOCATION": str(tmp_path / "a0.gpkg")})["OUTPUT"])
    (site,) = free.geometry
    x, y = site.x, site.y
    corners = [(x - 50, y - 50), (x + 50, y - 50), (x + 50, y + 50), (x - 50, y + 50), (x - 50, y - 50)]
    square = "POLYGON((" + ", ".join(f"{a} {b}" for a, b in corners) + "))"
    for k, name in enumerate(("PROTECTED", "LAKES", "SETTLEMENTS")):
        area = memory_layer("Polygon", [("name", "string")], [(square, "over the site")], name.lower())
        out = run("arealsirk:site_biogas", {**params, name: area, "OUTPUT": str(tmp_path / f"x{k}.gpkg"),
                                            "ALLOCATION": str(tmp_path / f"a{k + 1}.gpkg")})
        moved = read(out["OUTPUT"])
        assert len(moved) == 1 and moved["id"].iloc[0] != free["id"].iloc[0], name
        assert free["id"].iloc[0] in out["SUMMARY"], name  # the summary names the removed candidate
