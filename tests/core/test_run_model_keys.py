"""Nothing the scenario says is ignored: every declared key and layer changes the answer or is refused.

The cases are enumerated from the registry (:data:`arealsirk.themes.THEMES`, the ``[network]`` keys
and :data:`arealsirk.scenario.LAYER_SPECS`): a key or layer added without a case here fails
:func:`test_every_key_and_layer_has_a_case`.  Each case runs the pipeline's :func:`compute` on the
demo region (one theme at a time) with one thing changed and compares the whole answer -- sites,
summary figures, every table, the balance and the excluded candidates -- with the unchanged run.
``exact`` and ``time_limit`` do not change an answer that is already optimal, so for them the test
proves instead that the value reaches the solver.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from arealsirk import pipeline
from arealsirk.errors import ArealsirkError
from arealsirk.pipeline import RunInputs, compute
from arealsirk.scenario import LAYER_SPECS, NETWORK_KEYS, RESOURCES_KEYS, RUN_LAYERS
from arealsirk.themes import THEMES

from .test_scenario_resources import RESOURCES_CASES  # [resources] keys: real-data cases there

#: A changed value per theme key: the answer differs from the run with the key's default (or the demo's
#: value), or the run is refused with a message naming the key.  ``(options, value)``: both runs use
#: ``options`` (where the demo's data need another starting point to show the key's effect).
THEME_CHANGES: dict[tuple[str, str], Any] = {
    ("biogas", "count"): 4, ("biogas", "max_km"): 10.0, ("biogas", "min_plant_t"): 20_000.0,
    ("biogas", "capacity_t"): 15_000.0,
    ("bioenergy", "count"): 1, ("bioenergy", "max_km"): 8.0, ("bioenergy", "min_plant_t"): 15_000.0,
    ("bioenergy", "capacity_t"): 12_000.0,
    ("textiles", "count"): 2, ("textiles", "max_km"): 50.0, ("textiles", "min_site_t"): 300.0,
    ("textiles", "capacity_t"): 190.0,
    ("reuse", "count"): 8, ("reuse", "max_minutes"): 8.0, ("reuse", "objective"): "p_median",
    ("reuse", "curve_max"): 2,
    ("parks", "count"): 1, ("parks", "max_heat_km"): 0.0, ("parks", "max_km"): 1.0,
}
#: Keys proven by the value reaching the solver (name of the arealsirk.locate function per theme).
SOLVER_KEYS = {"exact": True, "time_limit": 123.0}
_SOLVER = {"biogas": "facility_location", "bioenergy": "facility_location", "textiles": "facility_location",
           "reuse": "max_coverage"}
#: Options of the unchanged run per theme (the exported demo scenario's).
BASE_OPTIONS = {"reuse": {"count": 7}, "parks": {"count": 2}}


def _all_cases() -> list[tuple[str, str]]:
    cases = [(t.name, k.name) for t in THEMES.values() for k in t.keys]
    cases += [("network", k.name) for k in NETWORK_KEYS]
    cases += [("resources", k.name) for k in RESOURCES_KEYS]
    cases += [("layers", name) for name in LAYER_SPECS]
    return cases


@pytest.fixture(scope="module")
def base(demo):
    layers = {name: gdf.copy() for name, gdf in demo.layers().items() if name in LAYER_SPECS}
    return layers, demo.dem_path()


def _inputs(base, theme: str, *, options: dict | None = None, layers: dict | None = None,
            drop: tuple[str, ...] = (), network: dict | None = None, dem: Any = "demo",
            themes: dict | None = None) -> RunInputs:
    all_layers, dem_path = base
    wanted = set(RUN_LAYERS) | set(THEMES[theme].layer_names)
    use = {n: g for n, g in all_layers.items() if n in wanted and n not in drop}
    use.update(layers or {})
    sections = themes if themes is not None else {
        theme: {**BASE_OPTIONS.get(theme, {}), **(options or {})}}
    dem_file = None if "dem" in drop else (dem_path if dem == "demo" else dem)
    return RunInputs(name="t", layers=use, dem=dem_file, themes=sections, network=dict(network or {}))


def _answer(done) -> str:
    """Everything a planner reads, as text with 6 significant digits."""
    import pandas as pd

    parts = []
    for name, result in sorted(done.results.items()):
        sites = result.layers.get("selected_sites")
        parts.append(f"{name} sites {sorted(map(str, sites['id'])) if sites is not None else []}")
        parts += [f"{name} {k}={v:.6g}" for k, v in sorted(result.summary.items())
                  if isinstance(v, int | float) and not isinstance(v, bool)]
        for tname, table in sorted(result.tables.items()):
            if table is not None:
                parts.append(f"{name} {tname}\n" + pd.DataFrame(table).to_csv(float_format="%.6g"))
    for table in (done.balance, done.excluded):
        if table is not None:
            parts.append(table.to_csv(float_format="%.6g"))
    return "\n".join(parts)


_CACHE: dict[str, str] = {}


def _base_answer(base, theme: str) -> str:
    if theme not in _CACHE:
        _CACHE[theme] = _answer(compute(_inputs(base, theme)))
    return _CACHE[theme]


def test_every_key_and_layer_has_a_case():
    covered = set(THEME_CHANGES) | {(t, k) for t in THEMES for k in SOLVER_KEYS} | \
        {(t, "enabled") for t in THEMES} | {("network", k) for k in NETWORK_CASES} | \
        {("layers", name) for name in LAYER_CASES} | {("resources", k) for k in RESOURCES_CASES}
    missing = [case for case in _all_cases() if case not in covered]
    assert not missing, f"keys or layers without a test case: {missing}"


@pytest.mark.parametrize("theme,key", [c for c in _all_cases() if c in THEME_CHANGES])
def test_each_theme_key_changes_the_answer(base, theme, key):
    change = THEME_CHANGES[(theme, key)]
    options, value = change if isinstance(change, tuple) else ({}, change)
    before = _answer(compute(_inputs(base, theme, options=options))) if options else _base_answer(base, theme)
    try:
        after = _answer(compute(_inputs(base, theme, options={**options, key: value})))
    except ArealsirkError as exc:  # refused: the message must name the key
        assert key in str(exc), str(exc)
        return
    assert after != before


@pytest.mark.parametrize("theme", list(THEMES))
def test_enabled_switches_the_theme(base, theme):
    other = "parks" if theme != "parks" else "reuse"
    both = {theme: {"enabled": True, **BASE_OPTIONS.get(theme, {})}, other: dict(BASE_OPTIONS.get(other, {}))}
    off = {theme: {"enabled": False}, other: dict(BASE_OPTIONS.get(other, {}))}
    inputs = _inputs(base, theme, themes=both)
    inputs.layers.update({n: g for n, g in base[0].items() if n in THEMES[other].layer_names})
    assert set(compute(inputs).results) == {theme, other}
    inputs.themes = off
    inputs.layers = {n: g for n, g in inputs.layers.items()
                     if n in RUN_LAYERS or n in THEMES[other].layer_names}
    assert set(compute(inputs).results) == {other}


@pytest.mark.parametrize("theme,key", [c for c in _all_cases() if c[1] in SOLVER_KEYS])
def test_solver_keys_reach_the_solver(base, theme, key, monkeypatch):
    from arealsirk import locate

    if theme not in _SOLVER:
        pytest.fail(f"theme {theme} declares {key} but the test knows no solver of it")
    seen: list[dict] = []
    real = getattr(locate, _SOLVER[theme])

    def spy(*args, **kwargs):
        seen.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(locate, _SOLVER[theme], spy)
    options = {key: SOLVER_KEYS[key]} if key == "exact" else {"exact": True, key: SOLVER_KEYS[key]}
    compute(_inputs(base, theme, options=options))
    # the model that places the sites gets it (reuse's coverage curve is a separate heuristic pass)
    assert seen and seen[0].get(key) == SOLVER_KEYS[key], seen[0]


# ------------------------------------------------------------------------------------------ network
def _island(base):
    """The demo roads plus a road piece near a cluster of people 1.6 km from any road, not joined to
    the network, and a ferry link from its end to the nearest main road."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    roads = base[0]["roads"]
    piece = shapely.LineString([(252_600, 6_700_600), (253_400, 6_700_600)])
    main = shapely.union_all(roads.geometry.to_numpy())
    _, quay = shapely.ops.nearest_points(shapely.Point(253_400, 6_700_600), main)
    ferry = shapely.LineString([(253_400, 6_700_600), (quay.x, quay.y)])
    extra = gpd.GeoDataFrame({"id": ["island", "ferry"], "vegkategori": ["K", "K"],
                              "typeVeg": ["enkelBilveg", "bilferje"], "speed_kph": [40.0, np.nan]},
                             geometry=[piece, ferry], crs=roads.crs)
    with_ferry = gpd.GeoDataFrame(pd.concat([roads, extra], ignore_index=True), crs=roads.crs)
    without = gpd.GeoDataFrame(pd.concat([roads, extra.iloc[:1]], ignore_index=True), crs=roads.crs)
    return with_ferry, without


def _network_case(base, key):
    with_ferry, without = _island(base)
    if key == "ferries":
        return (_inputs(base, "reuse", layers={"roads": with_ferry}, network={"ferries": True}),
                _inputs(base, "reuse", layers={"roads": with_ferry}, network={"ferries": False}))
    if key == "parts":
        return (_inputs(base, "reuse", layers={"roads": without}, network={"parts": "all"}),
                _inputs(base, "reuse", layers={"roads": without}, network={"parts": "largest"}))
    changed = _inputs(base, "reuse")
    changed.parameters = {"max_snap_m": {"network.max_snap_m": 600.0},
                          "snap_speed_kph": {"network.snap_speed_kph": 5.0}}[key]
    return _inputs(base, "reuse"), changed


NETWORK_CASES = ("ferries", "parts", "max_snap_m", "snap_speed_kph")


@pytest.mark.parametrize("key", [k.name for k in NETWORK_KEYS])
def test_each_network_key_changes_the_answer(base, key):
    a, b = _network_case(base, key)
    assert _answer(compute(a)) != _answer(compute(b))


def test_network_keys_of_a_scenario_reach_the_graph(tmp_path, demo):
    """[network] max_snap_m / snap_speed_kph become the graph's parameters, ferries and parts its options."""
    from arealsirk.scenario import load_scenario

    folder = tmp_path / "in"
    path = demo.export(folder)
    network = '\n[network]\nmax_snap_m = 750\nsnap_speed_kph = 9\nparts = "largest"\nferries = false\n'
    path.write_text(path.read_text() + network)
    inputs = pipeline.inputs_from_scenario(load_scenario(path))
    graph = pipeline._network(inputs.layers, inputs)
    assert graph.graph["max_snap_m"] == 750 and graph.graph["snap_speed_kph"] == 9
    assert inputs.network == {"max_snap_m": 750, "snap_speed_kph": 9, "parts": "largest", "ferries": False}


# ------------------------------------------------------------------------------------------ layers
def _over_site(base, theme: str, name: str):
    """A polygon layer covering the zone the unchanged run chose first for ``theme``."""
    import geopandas as gpd

    done = compute(_inputs(base, theme))
    sites = done.results[theme].layers["selected_sites"]
    new = sites[~sites["id"].astype(str).str.startswith("eks")]
    zones = base[0]["zones"]
    zone = zones[zones["id"] == str(new["id"].iloc[0])]
    return gpd.GeoDataFrame({"name": [f"test {name}"]}, geometry=zone.geometry.buffer(10).to_numpy(),
                            crs=zones.crs)


def _steep_dem(base, tmp_path, theme: str):
    """The demo DEM with a 100 % slope over the zone the unchanged run chose for ``theme``."""
    import rasterio
    from rasterio.features import geometry_mask

    poly = _over_site(base, theme, "dem").geometry.iloc[0].buffer(200)
    with rasterio.open(base[1]) as src:
        data, profile = src.read(1), src.profile
        inside = ~geometry_mask([poly], out_shape=data.shape, transform=src.transform)
        cols = np.arange(data.shape[1])[None, :].repeat(data.shape[0], axis=0)
        data = np.where(inside, data + cols * abs(src.transform.a) * 1.0, data).astype(data.dtype)
    out = tmp_path / "steep.tif"
    with rasterio.open(out, "w", **profile) as dst:
        dst.write(data, 1)
    return out


def _half_region(base):
    import geopandas as gpd
    import shapely

    kommuner = base[0]["kommuner"]
    x0, y0, x1, y1 = kommuner.total_bounds
    west = shapely.box(x0, y0, (x0 + x1) / 2, y1)
    return gpd.GeoDataFrame({"name": ["west"]}, geometry=[west], crs=kommuner.crs)


#: layer -> (theme, how the layer is changed: "drop" -> refused naming it | callable -> new layers)
LAYER_CASES: dict[str, tuple[str, Any]] = {
    "kommuner": ("biogas", "drop"),
    "roads": ("biogas", "drop"),
    "population": ("reuse", "drop"),
    "sources": ("biogas", "drop"),
    "zones": ("biogas", "drop"),
    "flows": ("parks", "drop"),
    "region": ("biogas", lambda base, tmp: {"layers": {"region": _half_region(base)}}),
    "existing": ("reuse", lambda base, tmp: {"drop": ("existing",)}),
    "stations": ("parks", lambda base, tmp: {"drop": ("stations",)}),
    "protected": ("biogas", lambda base, tmp: {"layers": {"protected": _over_site(base, "biogas", "p")}}),
    "lakes": ("biogas", lambda base, tmp: {"layers": {"lakes": _over_site(base, "biogas", "l")}}),
    "settlements": ("biogas", lambda base, tmp: {"drop": ("settlements",)}),
    "dem": ("biogas", lambda base, tmp: {"dem": _steep_dem(base, tmp, "biogas")}),
}


@pytest.mark.parametrize("name", list(LAYER_SPECS))
def test_each_layer_changes_the_answer_or_is_refused(base, name, tmp_path):
    theme, change = LAYER_CASES[name]
    if change == "drop":
        with pytest.raises(ArealsirkError, match=rf"'{name}'"):
            compute(_inputs(base, theme, drop=(name,)))
        return
    kwargs: dict[str, Any] = change(base, tmp_path) if isinstance(change, Callable) else {}
    assert _answer(compute(_inputs(base, theme, **kwargs))) != _base_answer(base, theme)
