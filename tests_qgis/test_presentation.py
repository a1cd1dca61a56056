"""What a planner sees in QGIS: styles per facility type, graded zones, layer order and visibility,
decimals, the HTML summary in the Results Viewer, the plugin in bokmål, parks weights summing to 1.

Outputs are loaded through QGIS's own ``processing.gui.Postprocessing.handleAlgorithmResults``
(what the Processing dialog runs after an algorithm), so the order, visibility and styles checked
are those a user gets.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import memory_layer, node
from .test_algorithms import read, run

PAYLOAD = '<script>alert("x")</script>{{7*7}}'
FACILITY_TYPES = {"biogas_plant", "bioenergy_plant", "textile_site", "reuse_centre", "industrial_park"}


@pytest.fixture()
def locale_nb():
    """QGIS running in bokmål: the user-interface locale set as in Settings > Options > General."""
    import os

    from qgis.core import QgsSettings

    forced = os.environ.pop("AREALSIRK_LANG", None)
    settings = QgsSettings()
    old = settings.value("locale/overrideFlag"), settings.value("locale/userLocale")
    settings.setValue("locale/overrideFlag", True)
    settings.setValue("locale/userLocale", "nb_NO")
    yield
    settings.setValue("locale/overrideFlag", old[0] if old[0] is not None else False)
    settings.setValue("locale/userLocale", old[1] or "")
    if forced is not None:
        os.environ["AREALSIRK_LANG"] = forced


@pytest.fixture()
def locale_en(monkeypatch):
    monkeypatch.setenv("AREALSIRK_LANG", "en")


def biogas_inputs(data, *, kind_payload: bool = False) -> dict:
    """Food waste at every grid node, one existing biogas plant at node (5, 0) (kept open)."""
    rows = [(f"POINT({node(i, j)[0]} {node(i, j)[1]})", f"s{k}", "food_waste", 400.0, "t/yr")
            for k, (i, j) in enumerate(data["demand_nodes"])]
    if kind_payload:
        rows.append((f"POINT({node(2, 3)[0]} {node(2, 3)[1]})", "evil", PAYLOAD, 10.0, "t/yr"))
    sources = memory_layer("Point", [("id", "string"), ("kind", "string"), ("quantity", "double"),
                                     ("unit", "string")], rows, "sources")
    x, y = node(5, 0)
    existing = memory_layer("Point", [("id", "string"), ("name", "string"), ("facility_type", "string"),
                                      ("capacity_t", "double")],
                            [(f"POINT({x} {y})", "old1", "Gamle anlegget", "biogas_plant", 1e6)], "existing")
    return {"SOURCES": sources, "EXISTING": existing, "COUNT": 2, "MIN_PLANT_T": 0.0, "CAPACITY_T": 1e6,
            "MAX_KM": 50.0}


def run_and_load(alg_id: str, params: dict, outputs: dict[str, str]):
    """Run like the Processing dialog with "open output file" ticked for ``outputs`` (name -> path),
    then let QGIS load the results; returns (results, {output name: loaded layer})."""
    from processing.gui.Postprocessing import handleAlgorithmResults
    from qgis.core import QgsApplication, QgsProcessingContext, QgsProcessingFeedback, QgsProject

    project = QgsProject.instance()
    context = QgsProcessingContext()
    context.setProject(project)
    for name, path in outputs.items():
        context.addLayerToLoadOnCompletion(path, QgsProcessingContext.LayerDetails(name, project, name))
    alg = QgsApplication.processingRegistry().createAlgorithmById(alg_id)
    feedback = QgsProcessingFeedback()
    results, ok = alg.run({**params, **outputs}, context, feedback)
    assert ok, results
    assert handleAlgorithmResults(alg, context, feedback, showResults=False, parameters={**params, **outputs})
    loaded = {}
    for name in outputs:
        (layer,) = [lay for lay in project.mapLayers().values() if lay.name() == name]
        loaded[name] = layer
    return results, loaded


@pytest.fixture()
def clean_project():
    from qgis.core import QgsProject

    yield QgsProject.instance()
    root = QgsProject.instance().layerTreeRoot()
    for layer in list(QgsProject.instance().mapLayers().values()):
        if root.findLayer(layer.id()) is not None:
            QgsProject.instance().removeMapLayer(layer.id())


# ------------------------------------------------------------------------------------------- styles
def test_sites_are_styled_per_facility_type_and_new_or_existing(provider, grid, tmp_path, clean_project,
                                                                 locale_en):
    from qgis.core import QgsExpression, QgsExpressionContext, QgsRuleBasedRenderer

    layers, data = grid
    params = {**biogas_inputs(data), "CANDIDATES": layers["candidates"], "ROADS": layers["roads"]}
    _, loaded = run_and_load("arealsirk:site_biogas", params, {
        "OUTPUT": str(tmp_path / "sites.gpkg"), "ALLOCATION": str(tmp_path / "alloc.gpkg")})
    sites = loaded["OUTPUT"]
    renderer = sites.renderer()
    assert isinstance(renderer, QgsRuleBasedRenderer)
    rules = [r for r in renderer.rootRule().children() if not r.isElse()]
    assert any(r.isElse() for r in renderer.rootRule().children())  # nothing is drawn with no symbol
    # one rule per facility type x new/existing, each with its own look (colour, shape, size)
    keys = set()
    looks = set()
    for rule in rules:
        m = re.match(r"\"facility_type\" = '(\w+)' AND (NOT )?coalesce\(\"existing\", false\)$",
                     rule.filterExpression())
        assert m, rule.filterExpression()
        keys.add((m.group(1), m.group(2) is None))
        sym = rule.symbol()
        marker = sym.symbolLayer(0)
        looks.add((sym.color().name(), marker.strokeColor().name(), marker.shape(), sym.size()))
        if m.group(2):  # new: a large star
            assert marker.shape() == marker.Star and sym.size() >= 6
        else:  # existing: a smaller ring in the type's colour
            assert marker.shape() == marker.Circle and sym.size() < 6
    assert keys == {(t, e) for t in FACILITY_TYPES for e in (True, False)}
    assert len(looks) == len(rules) == 10
    # every chosen site falls under exactly the rule of its type and status: the existing plant (by
    # its input id) under "existing", the others under "new"
    out = read(tmp_path / "sites.gpkg")
    assert "old1" in set(out["id"]) and len(out) >= 2
    expected = {sid: "Existing biogas plant (kept)" if sid == "old1" else "New biogas plant"
                for sid in out["id"]}
    for feature in sites.getFeatures():
        ctx = QgsExpressionContext()
        ctx.setFeature(feature)
        matching = [r.label() for r in rules if QgsExpression(r.filterExpression()).evaluate(ctx)]
        assert matching == [expected[feature["id"]]], feature["id"]


def test_allocation_off_and_layers_in_order(provider, grid, tmp_path, clean_project, locale_en):
    """Sites on top, then lines, then zones, the per-kommune table at the bottom; allocation hidden.

    The file names make QGIS load the table first and the sites before the lines (it loads in
    the order of the paths), the reverse of the wanted order."""
    layers, data = grid
    kommune = memory_layer("Polygon", [("kommunenummer", "string"), ("kommunenavn", "string")],
                           [("POLYGON((249000 6699000, 256000 6699000, 256000 6706000, 249000 6706000, "
                             "249000 6699000))", "1833", "Rana")], "kommuner")
    params = {**biogas_inputs(data), "CANDIDATES": layers["candidates"], "ROADS": layers["roads"],
              "KOMMUNER": kommune}
    outputs = {"BY_KOMMUNE": str(tmp_path / "a_table.gpkg"), "OUTPUT": str(tmp_path / "b_sites.gpkg"),
               "CATCHMENTS": str(tmp_path / "c_zones.gpkg"), "ALLOCATION": str(tmp_path / "d_lines.gpkg")}
    _, loaded = run_and_load("arealsirk:site_biogas", params, outputs)
    root = clean_project.layerTreeRoot()
    order = [n.layerId() for n in root.findLayers()]
    ids = {name: loaded[name].id() for name in outputs}
    positions = {name: order.index(lid) for name, lid in ids.items()}
    assert sorted(positions, key=positions.get) == ["OUTPUT", "ALLOCATION", "CATCHMENTS", "BY_KOMMUNE"]
    visible = {name: root.findLayer(lid).isVisible() for name, lid in ids.items()}
    assert visible == {"OUTPUT": True, "ALLOCATION": False, "CATCHMENTS": True, "BY_KOMMUNE": True}
    # allocation lines are thin (<= 0.15 mm)
    assert loaded["ALLOCATION"].renderer().symbol().width() <= 0.15


def test_travel_time_zones_are_graded_15_20_30(provider, grid, tmp_path, clean_project, locale_en):
    from qgis.core import QgsGraduatedSymbolRenderer

    layers, _ = grid
    params = {"DEMAND": layers["demand"], "POPULATION_FIELD": "population",
              "CANDIDATES": layers["candidates"], "ROADS": layers["roads"], "COUNT": 2, "MAX_MINUTES": 2.0}
    _, loaded = run_and_load("arealsirk:site_reuse_centres", params, {
        "OUTPUT": str(tmp_path / "s.gpkg"), "ALLOCATION": str(tmp_path / "a.gpkg"),
        "SERVICE_AREAS": str(tmp_path / "z.gpkg")})
    zones = loaded["SERVICE_AREAS"]
    renderer = zones.renderer()
    assert isinstance(renderer, QgsGraduatedSymbolRenderer) and renderer.classAttribute() == "minutes"
    colour = {m: renderer.symbolForValue(m).color().name() for m in (5, 15, 18, 20, 25, 30, 45)}
    assert colour[5] == colour[15] and colour[18] == colour[20] and colour[25] == colour[30]
    assert len({colour[15], colour[20], colour[30], colour[45]}) == 4
    # the near band is drawn last (on top of the wider zones that contain it)
    assert renderer.orderByEnabled() and "minutes" in renderer.orderBy().dump() and "DESC" in \
        renderer.orderBy().dump()
    assert not clean_project.layerTreeRoot().findLayer(loaded["ALLOCATION"].id()).isVisible()


def test_number_fields_show_sensible_decimals(provider, grid, tmp_path, clean_project, locale_en):
    from qgis.core import QgsApplication
    from qgis.PyQt.QtCore import QLocale

    layers, data = grid
    params = {**biogas_inputs(data), "CANDIDATES": layers["candidates"], "ROADS": layers["roads"]}
    _, loaded = run_and_load("arealsirk:site_biogas", params, {
        "OUTPUT": str(tmp_path / "sites.gpkg"), "ALLOCATION": str(tmp_path / "alloc.gpkg")})
    formatter = QgsApplication.fieldFormatterRegistry().fieldFormatter("Range")
    for name, layer_key, decimals in (("feedstock_t", "OUTPUT", 1), ("energy_gwh", "OUTPUT", 2),
                                      ("tonne_km", "OUTPUT", 0), ("distance_km", "ALLOCATION", 1)):
        layer = loaded[layer_key]
        index = layer.fields().indexOf(name)
        setup = layer.editorWidgetSetup(index)
        assert setup.type() == "Range" and setup.config()["Precision"] == decimals, name
        value = 1234.56789
        shown = formatter.representValue(layer, index, setup.config(), None, value)
        assert shown == QLocale().toString(value, "f", decimals), name
    # the stored values keep full precision
    sites = read(tmp_path / "sites.gpkg")
    assert sites["feedstock_t"].sum() == pytest.approx(400.0 * len(data["demand_nodes"]))


# ------------------------------------------------------------------------------------------ summary
def test_summary_is_an_html_page_with_data_escaped(provider, grid, tmp_path, locale_en):
    from qgis.core import QgsApplication, QgsProcessingOutputHtml

    layers, data = grid
    cands = memory_layer(
        "Point", [("id", "string"), ("name", "string")],
        [(f"POINT({node(i, j)[0]} {node(i, j)[1]})", f"c{i}{j}", f"{PAYLOAD} {i}{j}")
         for i, j in data["cand_nodes"]], "evil candidates")
    params = {**biogas_inputs(data, kind_payload=True), "CANDIDATES": cands, "ROADS": layers["roads"],
              "OUTPUT": str(tmp_path / "s.gpkg"), "ALLOCATION": str(tmp_path / "a.gpkg"),
              "SUMMARY_HTML": str(tmp_path / "summary.html")}
    out = run("arealsirk:site_biogas", params)
    alg = QgsApplication.processingRegistry().algorithmById("arealsirk:site_biogas")
    assert isinstance(alg.outputDefinition("SUMMARY_HTML"), QgsProcessingOutputHtml)  # the Results Viewer
    assert out["SUMMARY_HTML"] == str(tmp_path / "summary.html")
    html = Path(out["SUMMARY_HTML"]).read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<table>" in html and "<h2>Biogas plants</h2>" in html
    assert "<script" not in html.lower() and "{{" not in html
    assert "&lt;script&gt;" in html  # the payload is there, as text (the unknown kind's note)
    # the key figures are those of the result: feedstock collected = every food-waste tonne
    tonnes = 400.0 * len(data["demand_nodes"])
    assert f"{tonnes:,.0f} t/yr" in html  # English groups thousands with a comma (arealsirk.i18n.fmt_number)
    # the Markdown output is kept for the modeler, the log gets plain text (no Markdown table code)
    assert out["SUMMARY"].startswith("## ")


def test_summary_html_is_made_by_default_in_the_dialog(provider):
    from qgis.core import QgsApplication

    alg = QgsApplication.processingRegistry().algorithmById("arealsirk:site_reuse_centres")
    param = alg.parameterDefinition("SUMMARY_HTML")
    assert param.createByDefault() and param.defaultFileExtension() == "html"


# ------------------------------------------------------------------------------------------ bokmål
def test_plugin_in_bokmal_when_qgis_runs_in_bokmal(provider, locale_nb):
    from arealsirk_qgis import i18n
    from arealsirk_qgis.provider import ArealsirkProvider

    assert i18n.language() == "nb"
    fresh = ArealsirkProvider()
    fresh.loadAlgorithms()
    algs = {a.name(): a for a in fresh.algorithms()}
    biogas = algs["site_biogas"]
    assert biogas.displayName() == "Lokaliser biogassanlegg" and biogas.group() == "Lokalisering"
    assert "biogass" in biogas.shortHelpString().lower()
    labels = {p.name(): p.description() for p in biogas.parameterDefinitions()}
    assert labels["SOURCES"] == "Råstoffkilder (gårder, matavfall, slam)"
    assert labels["PROTECTED"].startswith("Verneområder")
    assert labels["SUMMARY_HTML"] == "Sammendrag (HTML)"
    assert biogas.outputDefinition("FEEDSTOCK_T").description() == "Råstoff (t/år)"
    # no English parameter label is left: every label differs from the English one, except the few
    # words that are the same in both languages
    for name, alg in algs.items():
        nb = {p.name(): p.description() for p in alg.parameterDefinitions()}
        i18n_en = _english_labels(name)
        same = {k for k, text in nb.items() if text == i18n_en.get(k) and text not in ("Status", "DEM")}
        assert not same, (name, same)


def _english_labels(alg_name: str) -> dict[str, str]:
    import os

    from arealsirk_qgis.provider import ArealsirkProvider

    os.environ["AREALSIRK_LANG"] = "en"
    try:
        en = ArealsirkProvider()
        en.loadAlgorithms()
        (alg,) = [a for a in en.algorithms() if a.name() == alg_name]
        return {p.name(): p.description() for p in alg.parameterDefinitions()}
    finally:
        del os.environ["AREALSIRK_LANG"]


def test_summary_in_bokmal(provider, grid, tmp_path, locale_nb):
    layers, data = grid
    params = {**biogas_inputs(data), "CANDIDATES": layers["candidates"], "ROADS": layers["roads"],
              "OUTPUT": str(tmp_path / "s.gpkg"), "ALLOCATION": str(tmp_path / "a.gpkg"),
              "SUMMARY_HTML": str(tmp_path / "sammendrag.html")}
    out = run("arealsirk:site_biogas", params)
    html = Path(out["SUMMARY_HTML"]).read_text(encoding="utf-8")
    assert '<html lang="nb">' in html and "<h2>Biogassanlegg</h2>" in html and "Nøkkeltall" in html
    assert "t/år" in html and "Key figure" not in html
    assert out["SUMMARY"].startswith("## Biogassanlegg")


def test_site_legend_in_bokmal(provider, grid, tmp_path, clean_project, locale_nb):
    from qgis.core import QgsRuleBasedRenderer

    layers, data = grid
    params = {**biogas_inputs(data), "CANDIDATES": layers["candidates"], "ROADS": layers["roads"]}
    _, loaded = run_and_load("arealsirk:site_biogas", params, {
        "OUTPUT": str(tmp_path / "s.gpkg"), "ALLOCATION": str(tmp_path / "a.gpkg")})
    renderer = loaded["OUTPUT"].renderer()
    assert isinstance(renderer, QgsRuleBasedRenderer)
    labels = {r.label() for r in renderer.rootRule().children()}
    assert {"Nytt biogassanlegg", "Eksisterende biogassanlegg (beholdes)", "Ny næringspark"} <= labels


# ----------------------------------------------------------------------------------------- parks
def test_parks_default_weights_sum_to_one_in_the_table_ratios(provider):
    from qgis.core import QgsApplication

    from arealsirk.defaults import default

    alg = QgsApplication.processingRegistry().algorithmById("arealsirk:site_industrial_parks")
    weights = {p.name()[len("WEIGHT_"):].lower(): p.defaultValue() for p in alg.parameterDefinitions()
               if p.name().startswith("WEIGHT_")}
    assert set(weights) == {"symbiosis", "flows", "rail", "road", "land"}
    assert sum(weights.values()) == pytest.approx(1.0, abs=1e-12)
    table = {k: default(f"parks.weight_{k}") for k in weights}
    for k in weights:  # the defaults table's planning weights, scaled: same ratios, same answer
        assert weights[k] == pytest.approx(table[k] / sum(table.values()), rel=1e-12)


def test_web_map_from_qgis_keeps_data_as_text(provider, grid, tmp_path, locale_en):
    """Names and the title with HTML, JavaScript and template payloads: shown as text, never run."""
    layers, data = grid
    cands = memory_layer(
        "Point", [("id", "string"), ("name", "string")],
        [(f"POINT({node(i, j)[0]} {node(i, j)[1]})", f"c{i}{j}", f"{PAYLOAD} {i}{j}")
         for i, j in data["cand_nodes"]], "evil candidates")
    sites = run("arealsirk:site_reuse_centres", {
        "DEMAND": layers["demand"], "POPULATION_FIELD": "population", "CANDIDATES": cands,
        "ROADS": layers["roads"], "COUNT": 2, "MAX_MINUTES": 2.0,
        "OUTPUT": str(tmp_path / "s.gpkg"), "ALLOCATION": str(tmp_path / "a.gpkg")})
    assert any(PAYLOAD in name for name in read(sites["OUTPUT"])["name"])  # the payload reached the map
    out = run("arealsirk:web_map", {
        "SELECTED_SITES": sites["OUTPUT"], "TITLE": f"Kart {PAYLOAD} {{% raw %}} {{# c #}}",
        "LANGUAGE": 1, "SYNTHETIC": True, "OUTPUT": str(tmp_path / "map.html")})
    html = Path(out["OUTPUT"]).read_text(encoding="utf-8")
    assert '<script>alert("x")' not in html and "{{7*7}}" not in html and "{% raw %}" not in html
    assert "49" not in re.findall(r"Kart[^<]{0,80}", html)[0]  # the template was not evaluated
    assert "&lt;script&gt;" in html  # the title is there, as text
