"""Every defaults row under a theme's prefix reaches the answer: overriding it changes the result.

Each theme runs once on a small instance with the defaults and once per row with that row
overridden through ``parameters``; the result (summary, tables, layers with their geometry) must
differ.  Rows that cannot matter on an instance (a payload of a kind that is not there) are listed
with the reason, so a row that stops reaching the answer fails here.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from arealsirk.defaults import default, table
from arealsirk.estimate import ESTIMATE_PREFIXES
from arealsirk.workflows import (
    site_bioenergy,
    site_biogas,
    site_industrial_parks,
    site_reuse_centres,
    site_textile_reuse,
)

from . import handmade as h


def fingerprint(r) -> str:
    """A digest of everything a result says (messages apart): summary, tables, layers, geometry."""
    parts = [repr(sorted((k, round(v, 9) if isinstance(v, float) else v) for k, v in r.summary.items()))]
    for name, t in sorted(r.tables.items()):
        parts.append(name + pd.DataFrame(t).round(9).to_csv())
    for name, layer in sorted(r.layers.items()):
        plain = pd.DataFrame(layer.drop(columns=layer.geometry.name)).round(9)
        parts.append(name + plain.to_csv() + "|".join(g.wkt for g in layer.geometry.normalize()))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _changed(key: str) -> float:
    v = default(key)
    if key.endswith(("_share", "efficiency", "share_biogas")) or 0 < v < 1:
        return v / 2
    if key.endswith("count") or key.endswith("curve_max"):
        return v + 1
    return v * 2 if v else 1.0


def _rows(prefix: str, skip: dict[str, str]) -> list[str]:
    return [r.key for r in table(prefix) if r.key not in skip]


def _check_each_row(run, keys: list[str], overrides: dict[str, float] | None = None):
    base = fingerprint(run(None))
    same = []
    for key in keys:
        value = (overrides or {}).get(key, _changed(key))
        if fingerprint(run({key: value})) == base:
            same.append(f"{key}={value:g}")
    assert not same, f"overriding these rows changes nothing: {same}"


# --------------------------------------------------------------------------- feedstock themes


def _feedstock_instance(kinds: tuple[str, ...], t: float):
    """Two clusters (0-1 km and 20-21 km) of ``t`` t/yr per source, one source at 10 km, one on the
    island (another network part); candidates at 0.5, 10.5 and 20.5 km.  ``kinds`` are the kinds
    of the six sources in turn."""
    k = list(kinds) * 6
    geoms = [h.at(0), h.at(1), h.at(20), h.at(21), h.at(10), h.at(2, north_km=20)]
    rows = [
        {"id": f"s{i}", "kind": k[i], "quantity": t if i < 4 else t / 20, "unit": "t/yr"}
        for i in range(len(geoms))
    ]
    src = h.points(rows, geoms)
    cand = h.points([{"id": c} for c in ("W", "M", "E")], [h.at(0.5), h.at(10.5), h.at(20.5)])
    return src, cand


@pytest.fixture(scope="module")
def graph():
    return h.graph()


#: resources rows a feedstock theme does not use, and why
_RESOURCES_UNUSED = {
    "resources.road_detour_factor": "used only without a road network; the workflows need one",
    "resources.truck_speed_kph": "used only without a road network",
    "resources.methane_share_biogas": "biogas volume from methane; the workflows report methane",
}
_RESOURCES_UNUSED.update({r.key: "read by the resource estimates (arealsirk.estimate), not the workflows"
                          for r in table("resources.") if r.key.startswith(ESTIMATE_PREFIXES)})


def test_biogas_rows_reach_the_answer(graph):
    # the source at 10 km is fish silage, a kind without its own haul row: it takes biogas.max_km
    src, cand = _feedstock_instance(
        ("cattle_manure", "food_waste", "sewage_sludge", "pig_manure", "fish_silage", "food_waste"), 6000.0
    )
    silage = {"resources.methane_nm3_per_t.fish_silage": 80.0}
    skip = {
        "resources.forest_residue_mwh_per_t": "bioenergy only",
        "resources.payload_t.forest_residue": "no forest residue here",
        "resources.payload_t.textiles": "no textiles here",
        "resources.payload_t.default": "every kind here has its own payload",
        **_RESOURCES_UNUSED,
        **{f"resources.methane_nm3_per_t.{k}": "kind not in this instance" for k in
           ("sheep_goat_manure", "poultry_manure", "horse_manure", "other_manure", "digested_sludge")},
        "resources.payload_t.digested_sludge": "kind not in this instance",
        **{f"biogas.max_km.{k}": "kind not in this instance (see test_wf_haul_limits_kinds.py)" for k in
           ("sheep_goat_manure", "poultry_manure", "horse_manure", "other_manure", "digested_sludge")},
        "resources.co2_kg_per_tkm.box_truck": "textiles only",
        "resources.co2_kg_per_tkm.timber_truck": "forest residue only",
    }
    keys = _rows("biogas.", skip) + _rows("resources.", skip)
    per_kind = {r.key: 0.4 for r in table("biogas.max_km.")}  # below the 0.5 km to the cluster plants
    _check_each_row(
        lambda p: site_biogas(src, cand, graph, parameters={**silage, **(p or {})}),
        keys,
        {"biogas.max_km": 5, **per_kind},
    )


def test_bioenergy_rows_reach_the_answer(graph):
    src, cand = _feedstock_instance(("forest_residue",), 3000.0)
    _check_each_row(
        lambda p: site_bioenergy(src, cand, graph, parameters=p),
        _rows("bioenergy.", {}),
        {"bioenergy.max_km": 20},
    )


def test_textiles_rows_reach_the_answer(graph):
    src, cand = _feedstock_instance(("textiles",), 2000.0)
    _check_each_row(
        lambda p: site_textile_reuse(src, cand, graph, parameters=p),
        _rows("textiles.", {}),
        {"textiles.max_km": 5, "textiles.min_site_t": 5000, "textiles.plant_fixed_tkm": 100_000},
    )


# --------------------------------------------------------------------------- reuse centres


def test_reuse_rows_reach_the_answer():
    # a 100 km road at 60 km/h; people every 5 km (100 each), candidates every 10 km: one centre
    # covers 40 km within 20 minutes, so 1, 2, 3 centres cover 9, 17, 20 of the 20 points
    graph = h.graph(island=False, length_km=100)
    dem = h.points(
        [{"id": f"c{k}", "population": 100 + k} for k in range(20)], [h.at(5 * k + 0.5) for k in range(20)]
    )
    cand = h.points([{"id": f"z{k}"} for k in range(10)], [h.at(10 * k + 5) for k in range(10)])
    overrides = {
        "reuse.count": 1,
        "reuse.band1_minutes": 4,
        "reuse.band3_minutes": 9,
        "reuse.target_share": 0.2,
        "reuse.curve_max": 3,
    }
    keys = _rows("reuse.", {})
    assert {"reuse.band1_minutes", "reuse.target_share", "reuse.curve_max", "reuse.max_minutes"} <= set(keys)
    _check_each_row(
        lambda p: site_reuse_centres(dem, cand, graph, count=2, parameters=p),
        [k for k in keys if k != "reuse.count"],
        overrides,
    )
    # count is a keyword of its own: the row is its default
    _check_each_row(lambda p: site_reuse_centres(dem, cand, graph, parameters=p), ["reuse.count"], overrides)


# --------------------------------------------------------------------------- parks


def test_parks_rows_reach_the_answer(demo):
    import geopandas as gpd
    from shapely.geometry import Point

    z = demo.zones.set_index("id").loc["sone12", "geometry"].representative_point()
    ports = gpd.GeoDataFrame({"name": ["kai"]}, geometry=[Point(z.x + 3000, z.y)], crs=demo.zones.crs)
    skip = {
        k.key: "suitability rows of other tools"
        for k in table("suitability.")
        if not k.key.startswith("suitability.sensitivity_")
    }
    skip["symbiosis.value_nok_per_unit.co2"] = "no CO2 flows in the demo"
    skip["symbiosis.value_nok_per_unit.water"] = "the demo's water pair is not matched"
    skip["symbiosis.value_nok_per_unit.ash"] = "the demo's ash pair is beyond symbiosis.max_km"
    skip["symbiosis.value_nok_per_unit.wood_chips"] = "the demo's wood-chip pair is beyond symbiosis.max_km"

    def run(p):
        return site_industrial_parks(
            demo.zones,
            demo.flows,
            demo.roads,
            stations=demo.stations,
            ports=ports,
            kommuner=demo.kommuner,
            parameters=p,
        )

    keys = _rows("parks.", skip) + _rows("symbiosis.", skip) + _rows("suitability.", skip)
    _check_each_row(
        run,
        keys,
        {
            "suitability.sensitivity_runs": 50,
            "parks.count": 3,
            "symbiosis.max_heat_km": 0.01,
            "symbiosis.heat_approach_c": 60,
            # the demo's only material match is 42 km by road: as "neighbours" it gets straight x 1.3
            "symbiosis.local_km": 50,
        },
    )
