"""The dask.distributed path against the single-machine path on a real 2-process LocalCluster."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString

from arealsirk import distributed as dd
from arealsirk import proximity
from arealsirk.errors import CancelledError, InputError
from arealsirk.network import graph_from_roads

distributed = pytest.importorskip("distributed")  # the 'dask' extra; installed in the project venv


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=50)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def _grid_graph():
    rng = np.random.default_rng(7)
    n, step = 14, 500.0
    xy = np.stack(np.meshgrid(np.arange(n) * step, np.arange(n) * step, indexing="ij"), -1)
    xy = xy + rng.uniform(-80, 80, xy.shape) + np.array([250_000.0, 6_680_000.0])
    lines, cats = [], []
    for i in range(n):
        for j in range(n):
            if i + 1 < n:
                lines.append(LineString([xy[i, j], xy[i + 1, j]]))
                cats.append("FKRP"[(i + j) % 4])
            if j + 1 < n:
                lines.append(LineString([xy[i, j], xy[i, j + 1]]))
                cats.append("EFKP"[(i * j) % 4])
    return graph_from_roads(gpd.GeoDataFrame({"vegkategori": cats}, geometry=lines, crs="EPSG:25833"))


@pytest.fixture(scope="module")
def graph():
    return _grid_graph()


def _points(G, n, seed):
    rng = np.random.default_rng(seed)
    xs = np.array([d["x"] for _, d in G.nodes(data=True)])
    ys = np.array([d["y"] for _, d in G.nodes(data=True)])
    return gpd.GeoDataFrame({"id": [f"p{i}" for i in range(n)]},
                            geometry=shapely.points(rng.uniform(xs.min(), xs.max(), n),
                                                    rng.uniform(ys.min(), ys.max(), n)), crs=25833)


def test_od_matrix_equals_local(client, graph):
    src, dst = _points(graph, 57, 1), _points(graph, 9, 2)
    local = proximity.od_matrix(graph, src, dst)
    seen = []
    got = dd.od_matrix(graph, src, dst, scheduler=client, chunk_size=10, progress=lambda f, m: seen.append(f))
    assert got.shape == (57, 9)
    np.testing.assert_array_equal(np.isinf(got), np.isinf(local))
    np.testing.assert_allclose(got, local, rtol=1e-13, atol=0)     # same paths, same direction
    assert len(seen) == 1 and seen[-1] == 1.0                        # 9 targets < 57 sources: targets split
    wide = _points(graph, 25, 9)
    got = dd.od_matrix(graph, dst, wide, scheduler=client, chunk_size=2)   # 9 sources split in 5 blocks
    np.testing.assert_allclose(got, proximity.od_matrix(graph, dst, wide), rtol=1e-13, atol=0)
    # node ids as sources, cutoff passed through, default chunking (one block per worker thread)
    nodes = list(graph.nodes)[:40]
    np.testing.assert_allclose(dd.od_matrix(graph, nodes, dst, scheduler=client, cutoff=900.0),
                               proximity.od_matrix(graph, nodes, dst, cutoff=900.0), rtol=1e-13, atol=0)


def test_sparse_and_nearest_equal_local(client, graph):
    src, dst = _points(graph, 45, 3), _points(graph, 12, 4)
    local = proximity.od_matrix_sparse(graph, src, dst, cutoff=600.0)
    got = dd.od_matrix_sparse(graph, src, dst, cutoff=600.0, scheduler=client, chunk_size=7)
    assert got.nnz == local.nnz
    np.testing.assert_array_equal(got.indptr, local.indptr)
    np.testing.assert_array_equal(got.indices, local.indices)
    np.testing.assert_allclose(got.data, local.data, rtol=1e-13, atol=0)
    idx, cost = dd.nearest_facility(graph, src, dst, scheduler=client, chunk_size=8)
    l_idx, l_cost = proximity.nearest_facility(graph, src, dst)
    np.testing.assert_array_equal(idx, l_idx)
    np.testing.assert_array_equal(cost, l_cost)


def test_address_string_and_bad_scheduler(client, graph):
    src, dst = _points(graph, 12, 5), _points(graph, 3, 6)
    got = dd.od_matrix(graph, src, dst, scheduler=client.scheduler.address)
    np.testing.assert_allclose(got, proximity.od_matrix(graph, src, dst), rtol=1e-13, atol=0)
    with pytest.raises(InputError, match="scheduler"):
        dd.od_matrix(graph, src, dst, scheduler=42)
    with pytest.raises(InputError, match="chunk_size"):
        dd.od_matrix(graph, src, dst, scheduler=client, chunk_size=0)
    with pytest.raises(InputError, match="'slowness'"):             # refused on the client, not a worker
        dd.od_matrix(graph, src, dst, scheduler=client, weight="slowness")


def test_road_graph_travels_as_arrays_and_edits_reach_the_workers(client):
    """A road graph whose networkx dicts are built is sent as its arrays (fast), but an edited one as
    itself: the cluster answers with the edited weights, like the local call."""
    G = _grid_graph()
    nodes = list(G.nodes)                                      # builds the networkx dicts
    assert G.pending_counts is None
    shipped = dd._shipped(G, "travel_time", proximity.prepare(G))
    assert shipped is not G and shipped.pending_counts is not None  # arrays, no networkx copy
    assert shipped.graph["parts"] == G.graph["parts"] and shipped.graph["crs"] == G.graph["crs"]
    src, dst = nodes[:30], nodes[-7:]
    before = dd.od_matrix(G, src, dst, scheduler=client, chunk_size=3)
    np.testing.assert_allclose(before, proximity.od_matrix(G, src, dst), rtol=1e-13, atol=0)
    for u, v, k in list(G.edges(keys=True)):                   # every road 3x slower
        G[u][v][k]["travel_time"] *= 3.0
    proximity.clear_cache(G)
    assert dd._shipped(G, "travel_time", proximity.prepare(G)) is G   # arrays are stale now
    after = dd.od_matrix(G, src, dst, scheduler=client, chunk_size=3)
    np.testing.assert_allclose(after, proximity.od_matrix(G, src, dst), rtol=1e-13, atol=0)
    finite = np.isfinite(before) & (before > 0)
    np.testing.assert_allclose(after[finite], 3.0 * before[finite], rtol=1e-12)   # hand figure: 3x


def test_cancel(client, graph):
    src, dst = _points(graph, 3, 7), _points(graph, 30, 8)
    with pytest.raises(CancelledError):
        dd.od_matrix(graph, src, dst, scheduler=client, chunk_size=5, is_cancelled=lambda: True)


def test_weighted_overlay_on_the_cluster(client, tmp_path):
    """The suitability overlay's lazy dask graph computed by the cluster equals the in-memory overlay."""
    rasterio = pytest.importorskip("rasterio")
    from rasterio.transform import from_origin

    from arealsirk.raster import weighted_overlay_dask
    from arealsirk.scoring import RasterCriterion

    rng = np.random.default_rng(1)
    paths = []
    for k in range(2):
        arr = rng.uniform(0, 100, (60, 70)).astype(np.float32)
        path = tmp_path / f"c{k}.tif"
        with rasterio.open(path, "w", driver="GTiff", width=70, height=60, count=1, dtype="float32",
                           crs="EPSG:25833", transform=from_origin(500000, 6700000, 10, 10)) as dst:
            dst.write(arr, 1)
        paths.append(path)
    crits = [RasterCriterion("a", paths[0], "low"), RasterCriterion("b", paths[1], "high")]
    lazy = weighted_overlay_dask(crits, {"a": 1, "b": 3}, chunks=16)
    import dask

    with dask.config.set(scheduler="sync"):
        ref = lazy.compute().to_numpy()
    got = dd.compute(lazy, scheduler=client)
    np.testing.assert_array_equal(np.asarray(got), ref)
