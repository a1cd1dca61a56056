"""The embedded demo region is deterministic, plausible and internally consistent."""

from __future__ import annotations

import numpy as np
import rasterio
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from arealsirk.datasets import DEMO_LAYERS, DemoRegion


def test_all_layers_in_utm33_and_non_empty(demo):
    for name in DEMO_LAYERS:
        gdf = getattr(demo, name)
        assert len(gdf) > 0, name
        assert gdf.crs.to_epsg() == 25833, name
        assert gdf.is_valid.all(), name


def test_deterministic_for_a_seed(demo):
    again = DemoRegion(0)
    assert again.sources.equals(demo.sources)
    assert again.roads.geom_equals_exact(demo.roads.geometry, tolerance=1e-6).all()
    other = DemoRegion(1)
    assert not np.allclose(other.sources.quantity.sum(), demo.sources.quantity.sum())


def test_road_network_is_connected_at_line_ends(demo):
    ends = []
    for line in demo.roads.geometry:
        ends.append((round(line.coords[0][0], 3), round(line.coords[0][1], 3)))
        ends.append((round(line.coords[-1][0], 3), round(line.coords[-1][1], 3)))
    ids = {pt: i for i, pt in enumerate(dict.fromkeys(ends))}
    a = [ids[ends[2 * k]] for k in range(len(demo.roads))]
    b = [ids[ends[2 * k + 1]] for k in range(len(demo.roads))]
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(len(ids), len(ids)))
    n, _ = connected_components(graph, directed=False)
    assert n == 1
    assert set(demo.roads.vegkategori) == {"E", "R", "F", "K", "P"}


def test_kommune_population_is_the_sum_of_its_grid_cells(demo):
    grid = demo.population.groupby("kommunenummer")["population"].sum()
    for row in demo.kommuner.itertuples():
        assert row.population == grid[row.kommunenummer]
    assert 40_000 < demo.kommuner.population.sum() < 80_000
    assert len(demo.kommuner) >= 4


def test_nothing_sits_in_lakes_or_protected_areas(demo):
    blocked = shapely.union_all(list(demo.lakes.geometry) + list(demo.protected.geometry))
    for name in ("sources", "zones", "existing", "towns", "flows"):
        assert not getattr(demo, name).intersects(blocked).any(), name


def test_sources_follow_the_documented_rules(demo):
    from arealsirk.defaults import default

    src = demo.sources
    assert {"cattle_manure", "pig_manure", "food_waste", "sewage_sludge", "forest_residue", "textiles",
            "excess_heat", "by_product"} <= set(src.kind)
    assert src.id.is_unique
    heat = src[src.kind == "excess_heat"]
    assert (heat.unit == "GWh/yr").all() and heat.temperature_c.notna().all()
    assert (src.loc[src.kind != "excess_heat", "unit"] == "t/yr").all()
    cattle = src[src.kind == "cattle_manure"]
    cows = cattle.name.str.extract(r"\((\d+) kyr\)")[0].astype(float)
    np.testing.assert_allclose(cattle.quantity, cows * default("demo.cattle_slurry_t_per_cow"), atol=0.06)


def test_zones_are_outside_settlements_and_near_roads(demo):
    settled = shapely.union_all(demo.settlements.geometry.values)
    roads = shapely.union_all(demo.roads.geometry.values)
    assert (demo.zones.distance(settled) > 100).all()
    assert (demo.zones.distance(roads) < 1000).all()
    assert demo.zones.id.is_unique


def test_dem_is_a_valid_tiled_geotiff(demo, tmp_path):
    path = demo.dem_path(tmp_path)
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 25833 and src.res == (25.0, 25.0)
        assert src.profile["tiled"] and src.nodata == -9999
        z = src.read(1)
        assert 0 < z.min() < z.max() < 1000
        left, bottom, right, top = src.bounds
    region = demo.region.total_bounds
    assert left <= region[0] and right >= region[2] and bottom <= region[1] and top >= region[3]
