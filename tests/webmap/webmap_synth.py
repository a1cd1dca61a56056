"""Synthetic result layers (EPSG:25833) for the web-map tests and benchmark; no network, no shared data."""

from __future__ import annotations

import numpy as np

INJECT_IMG = "<img src=x onerror=alert(1)>"
INJECT_SCRIPT = "</script><script>alert(1)</script>"


def make_layers(n_sources: int = 60, n_candidates: int = 20, seed: int = 0, inject: bool = True):
    """Result layers after the results layer schema, small and deterministic."""
    import geopandas as gpd
    from shapely.geometry import LineString, Point, box

    rng = np.random.default_rng(seed)
    crs = "EPSG:25833"
    x0, y0 = 230_000.0, 6_680_000.0
    kommuner = gpd.GeoDataFrame(
        {
            "kommunenummer": ["9901", "9902", "9903"],
            "kommunenavn": ["Nordvik", "Sørdal", INJECT_IMG if inject else "Østby"],
            "population": [12000, 5400, 800],
        },
        geometry=[
            box(x0, y0, x0 + 20_000, y0 + 50_000),
            box(x0 + 20_000, y0, x0 + 40_000, y0 + 50_000),
            box(x0 + 40_000, y0, x0 + 60_000, y0 + 50_000),
        ],
        crs=crs,
    )
    kinds = np.array(["cattle_manure", "pig_manure", "food_waste", "sewage_sludge", "excess_heat"])
    sx = rng.uniform(x0 + 1000, x0 + 59_000, n_sources)
    sy = rng.uniform(y0 + 1000, y0 + 49_000, n_sources)
    kind = kinds[rng.integers(0, len(kinds), n_sources)].astype(object)
    names = [f"Gård {i}" for i in range(n_sources)]
    if inject and n_sources >= 3:
        names[0] = INJECT_IMG
        names[1] = INJECT_SCRIPT
        kind[2] = INJECT_IMG  # a kind from the data becomes a layer name
    sources = gpd.GeoDataFrame(
        {
            "id": [f"S{i}" for i in range(n_sources)],
            "name": names,
            "kind": kind,
            "quantity": rng.gamma(2.0, 500.0, n_sources).round(1),
            "unit": np.where(kind == "excess_heat", "GWh/yr", "t/yr"),
            "temperature_c": np.where(kind == "excess_heat", 80.0, np.nan),
            "kommunenummer": np.where(sx < x0 + 20_000, "9901", np.where(sx < x0 + 40_000, "9902", "9903")),
        },
        geometry=[Point(a, b) for a, b in zip(sx, sy, strict=True)],
        crs=crs,
    )
    cx = rng.uniform(x0 + 2000, x0 + 57_000, n_candidates)
    cy = rng.uniform(y0 + 2000, y0 + 47_000, n_candidates)
    s1, s2 = rng.uniform(0, 1, n_candidates), rng.uniform(0, 1, n_candidates)
    total = 0.6 * s1 + 0.4 * s2
    rank = (-total).argsort().argsort() + 1
    candidates = gpd.GeoDataFrame(
        {
            "id": [f"C{i}" for i in range(n_candidates)],
            "name": [f"Næringsområde {i}" for i in range(n_candidates)],
            "kommunenummer": "9902",
            "facility_type": "biogas_plant",
            "score_access": s1,
            "score_supply": s2,
            "score_total": total,
            "rank": rank.astype(int),
        },
        geometry=[box(a, b, a + 600, b + 400).buffer(50) for a, b in zip(cx, cy, strict=True)],
        crs=crs,
    )
    best = np.argsort(-total)[:3]
    sel_names = ["Biogass Sørdal", "Ombruk Nordvik", INJECT_SCRIPT if inject else "Tekstil Østby"]
    selected = gpd.GeoDataFrame(
        {
            "id": [f"C{i}" for i in best],
            "name": sel_names,
            "facility_type": ["biogas_plant", "reuse_centre", "textile_site"],
            "kommunenummer": ["9902", "9901", "9903"],
            "existing": [False, True, False],
            "feedstock_t": [23456.7, np.nan, 1200.0],
            "methane_nm3": [1_234_567.0, np.nan, np.nan],
            "energy_gwh": [12.34, np.nan, np.nan],
            "tonne_km": [345678.0, np.nan, 2345.0],
            "co2_t": [1500.0, np.nan, np.nan],
            "population_served": [np.nan, 15400, 3100],
            "share_within_cutoff": [np.nan, 0.87, 0.55],
            "score_total": total[best],
            "score_access": s1[best],
            "score_supply": s2[best],
        },
        geometry=[Point(cx[i] + 300, cy[i] + 200) for i in best],
        crs=crs,
    )
    site_pts = list(selected.geometry)
    alloc_rows, alloc_geoms = [], []
    for i in range(min(n_sources, 40)):
        j = i % 3
        p = sources.geometry.iloc[i]
        alloc_geoms.append(LineString([p, site_pts[j]]))
        alloc_rows.append(
            {
                "source_id": f"S{i}",
                "site_id": selected["id"].iloc[j],
                "facility_type": "biogas_plant",
                "kind": sources["kind"].iloc[i],
                "quantity": float(sources["quantity"].iloc[i]),
                "unit": "t/yr",
                "distance_km": p.distance(site_pts[j]) / 1000.0,
                "travel_min": p.distance(site_pts[j]) / 1000.0,
            }
        )
    allocation = gpd.GeoDataFrame(alloc_rows, geometry=alloc_geoms, crs=crs)
    catchments = gpd.GeoDataFrame(
        {"site_id": list(selected["id"]), "facility_type": list(selected["facility_type"])},
        geometry=[p.buffer(8000) for p in site_pts],
        crs=crs,
    )
    sa_rows, sa_geoms = [], []
    for sid, p in zip(selected["id"], site_pts, strict=True):
        for minutes in (15, 20, 30):
            sa_rows.append({"site_id": sid, "minutes": minutes})
            sa_geoms.append(p.buffer(minutes * 400, quad_segs=32))
    service_areas = gpd.GeoDataFrame(sa_rows, geometry=sa_geoms, crs=crs)
    matches = gpd.GeoDataFrame(
        {
            "supplier_id": ["F1"],
            "consumer_id": ["F2"],
            "kind": ["heat"],
            "quantity": [3.5],
            "unit": ["GWh/yr"],
            "distance_km": [1.2],
            "saving": [2.9],
        },
        geometry=[LineString([site_pts[0], site_pts[1]])],
        crs=crs,
    )
    return {
        "kommuner": kommuner,
        "sources": sources,
        "candidates": candidates,
        "selected_sites": selected,
        "allocation": allocation,
        "catchments": catchments,
        "service_areas": service_areas,
        "matches": matches,
    }
