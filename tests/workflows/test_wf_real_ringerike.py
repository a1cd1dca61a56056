"""Real data: Ringeriksregionen + Hadeland (Kartverket N1000 roads and kommuner, SSB 1 km population 2015).

No open resource-point layers exist for the region, so sources are placed by a documented,
deterministic rule (no randomness):

* demand: SSB 1 km population cells whose centroid lies in the region (polygons -> centroids);
* candidate sites: centroids of the 1 km cells with at least 200 inhabitants (settled land with
  roads and services), dropped when inside a lake (``n1000_innsjo``);
* cattle manure "farms": 1 km cells with 1-50 inhabitants (dispersed rural settlement) where
  ``(x_ll/1000 + y_ll/1000) mod 4 == 0`` (a regular quarter sample), 30 t/yr per inhabitant;
* food waste: cells with at least 500 inhabitants, 0.05 t per inhabitant per year (about 50 kg
  source-separated household food waste per person).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from arealsirk.resources import methane_yield, parameter


@pytest.fixture(scope="module")
def rh(shared_data):
    from arealsirk.network import graph_from_roads

    path = shared_data / "ringerike_hadeland" / "ringerike_hadeland.gpkg"
    layers = {
        n: gpd.read_file(path, layer=n)
        for n in ("kommuner", "region", "n1000_veg", "n1000_innsjo", "ssb_befolkning_1km_2015")
    }
    region = layers["region"].union_all()
    pop = layers["ssb_befolkning_1km_2015"]
    pop = pop[pop.centroid.within(region)].reset_index(drop=True)
    cand = pop[pop["pop_tot"] >= 200].copy()
    cand["geometry"] = cand.centroid
    cand["id"] = "c" + cand["ssbid_1000m"].astype(str)
    rural = pop[
        (pop["pop_tot"] >= 1)
        & (pop["pop_tot"] <= 50)
        & (((pop["x_ll"] // 1000) + (pop["y_ll"] // 1000)) % 4 == 0)
    ]
    towns = pop[pop["pop_tot"] >= 500]
    src = pd.concat(
        [
            gpd.GeoDataFrame(
                {
                    "id": "farm" + rural["ssbid_1000m"].astype(str),
                    "kind": "cattle_manure",
                    "quantity": 30.0 * rural["pop_tot"],
                    "unit": "t/yr",
                },
                geometry=rural.centroid.to_numpy(),
                crs=pop.crs,
            ),
            gpd.GeoDataFrame(
                {
                    "id": "food" + towns["ssbid_1000m"].astype(str),
                    "kind": "food_waste",
                    "quantity": 0.05 * towns["pop_tot"],
                    "unit": "t/yr",
                },
                geometry=towns.centroid.to_numpy(),
                crs=pop.crs,
            ),
        ],
        ignore_index=True,
    )
    graph = graph_from_roads(layers["n1000_veg"])
    return {
        "pop": pop,
        "cand": gpd.GeoDataFrame(cand, geometry="geometry", crs=pop.crs),
        "src": src,
        "graph": graph,
        "region": region,
        "lakes": layers["n1000_innsjo"],
        "kommuner": layers["kommuner"],
    }


def _on_network(graph, sites, max_snap_m):
    from arealsirk.network import snap

    s = snap(graph, sites)
    return (s.distance <= max_snap_m).all()


def test_reuse_centres_real(rh):
    from arealsirk.workflows import site_reuse_centres

    r = site_reuse_centres(
        rh["pop"],
        rh["cand"],
        rh["graph"],
        population_column="pop_tot",
        count=4,
        max_minutes=20,
        kommuner=rh["kommuner"],
        exclusions=rh["lakes"],
        curve_max=5,
    )
    sel = r.layers["selected_sites"]
    assert len(sel) == 4
    assert sel.within(rh["region"]).all()
    assert not sel.intersects(rh["lakes"].union_all()).any()
    assert _on_network(rh["graph"], sel, 2000)
    curve = r.tables["coverage_curve"]
    assert list(curve["sites"][:5]) == [1, 2, 3, 4, 5]
    assert (np.diff(curve["population_covered"]) >= 0).all()
    assert curve["population_covered"].iloc[4] > curve["population_covered"].iloc[0]
    # sensible: four centres reach most of the region's ~86 000 people within 20 minutes
    assert 0.75 <= r.summary["share_covered"] <= 1.0
    assert 5 <= r.summary["mean_minutes"] <= 20
    k = r.tables["by_kommune"]
    assert set(k["kommunenummer"].astype(str)) == set(rh["kommuner"]["kommunenummer"].astype(str))
    assert k["population"].sum() == pytest.approx(rh["pop"]["pop_tot"].sum())
    # remote Flå is worse served than central Ringerike
    ks = k.set_index("kommunenavn")
    assert ks.loc["Flå", "mean_minutes"] > ks.loc["Ringerike", "mean_minutes"]


def test_biogas_real(rh):
    from arealsirk.workflows import site_biogas

    b = site_biogas(
        rh["src"], rh["cand"], rh["graph"], count=3, kommuner=rh["kommuner"], exclusions=rh["lakes"]
    )
    sel, alloc = b.layers["selected_sites"], b.layers["allocation"]
    assert len(sel) == 3
    assert sel.within(rh["region"]).all()
    assert not sel.intersects(rh["lakes"].union_all()).any()
    assert _on_network(rh["graph"], sel, 2000)
    limit = np.array([parameter(f"biogas.max_km.{k}") for k in alloc["kind"]])
    assert (alloc["distance_km"].to_numpy() <= limit + 1e-9).all()
    assert (sel["feedstock_t"] >= parameter("biogas.min_plant_t") - 1e-6).all()
    assert (sel["feedstock_t"] <= sel["capacity_t"] + 1e-6).all()
    methane = sum(q * methane_yield(k) for k, q in zip(alloc["kind"], alloc["quantity"], strict=True))
    assert b.summary["methane_nm3"] == pytest.approx(methane)
    # mean haul well inside the 15 km radius; feedstock mix holds both kinds
    assert 2 <= b.summary["mean_km"] <= 15
    assert {"cattle_manure", "food_waste"} <= set(b.tables["feedstock_mix"].columns)
