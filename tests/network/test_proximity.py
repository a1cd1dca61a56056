# ruff: noqa: N806
"""Sparse matrices, nearest facility, service areas and the prepared-graph cache,
checked against the dense od_matrix and brute force."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Point

from arealsirk import _graph
from arealsirk.errors import InputError
from arealsirk.network import graph_from_roads
from arealsirk.proximity import (
    clear_cache,
    nearest_facility,
    od_matrix,
    od_matrix_sparse,
    prepare,
    service_areas,
)


@pytest.fixture
def grid(grid_roads):
    return graph_from_roads(grid_roads)


def _points(G, n, seed):
    rng = np.random.default_rng(seed)
    xs = np.array([d["x"] for _, d in G.nodes(data=True)])
    ys = np.array([d["y"] for _, d in G.nodes(data=True)])
    return gpd.GeoDataFrame({"id": [f"p{i}" for i in range(n)]},
                            geometry=shapely.points(rng.uniform(xs.min(), xs.max(), n),
                                                    rng.uniform(ys.min(), ys.max(), n)), crs=25833)


def test_sparse_equals_dense_within_cutoff(grid):
    src, tgt = _points(grid, 40, 1), _points(grid, 25, 2)
    dense = od_matrix(grid, src, tgt, cutoff=400)
    for s, t in ((src, tgt), (tgt, src)):
        sp = od_matrix_sparse(grid, s, t, cutoff=400)
        want = dense if s is src else dense.T
        coo = sp.tocoo()
        got = np.full(want.shape, np.inf)
        got[coo.row, coo.col] = coo.data
        np.testing.assert_allclose(got, want)
        assert sp.nnz == np.isfinite(want).sum() > 0
    with pytest.raises(InputError, match="cutoff"):
        od_matrix_sparse(grid, src, tgt, cutoff=None)


def test_nearest_facility_is_row_argmin(grid):
    src, fac = _points(grid, 60, 3), _points(grid, 5, 4)
    full = od_matrix(grid, src, fac)
    who, cost = nearest_facility(grid, src, fac)
    np.testing.assert_allclose(cost, full.min(axis=1))
    np.testing.assert_array_equal(full[np.arange(len(src)), who], full.min(axis=1))
    who_c, cost_c = nearest_facility(grid, src, fac, cutoff=250)
    beyond = full.min(axis=1) > 250
    assert beyond.any() and (~beyond).any()
    assert (who_c[beyond] == -1).all() and np.isinf(cost_c[beyond]).all()
    np.testing.assert_array_equal(who_c[~beyond], who[~beyond])
    # node-id inputs: no access cost
    nodes = list(grid.nodes)
    _, c2 = nearest_facility(grid, nodes[:50], nodes[100:103], weight="length")
    m = od_matrix(grid, nodes[:50], nodes[100:103], weight="length")
    np.testing.assert_allclose(c2, m.min(axis=1))


def test_service_areas_contain_reached_nodes(grid):
    fac = _points(grid, 2, 5)
    sa = service_areas(grid, fac, [3, 6])
    assert list(sa.columns[:3]) == ["site_id", "facility", "minutes"]
    assert sa["site_id"].tolist() == ["p0", "p0", "p1", "p1"]
    assert sa.crs.to_epsg() == 25833
    nodes = list(grid.nodes)
    pts = shapely.points([[grid.nodes[v]["x"], grid.nodes[v]["y"]] for v in nodes])
    t = od_matrix(grid, nodes, fac) / 60  # minutes from every node to each facility
    for _, row in sa.iterrows():
        j, m = row["facility"], row["minutes"]
        inside = shapely.contains(row.geometry, pts) | shapely.touches(row.geometry, pts)
        assert inside[t[:, j] <= m].all()  # every reached node is in the polygon
        # nodes far beyond the time are outside (a node 1 min beyond is > 250 m of road away)
        assert not inside[t[:, j] > m + 1.5].any()
    a = sa.set_index(["facility", "minutes"]).geometry
    assert a[(0, 6)].contains(a[(0, 3)].buffer(-1))  # nested


def test_service_areas_split_by_nearest(grid):
    fac = _points(grid, 3, 6)
    whole = service_areas(grid, fac, 10)
    split = service_areas(grid, fac, 10, split=True)
    nodes = list(grid.nodes)
    pts = shapely.points([[grid.nodes[v]["x"], grid.nodes[v]["y"]] for v in nodes])
    who, cost = nearest_facility(grid, nodes, fac)
    for j in range(3):
        g = split.geometry.iloc[j]
        assert whole.geometry.iloc[j].buffer(1).contains(g)
        mine = (who == j) & (cost <= 600)
        assert shapely.intersects(g, pts[mine]).all()
    with pytest.raises(InputError, match="minutes"):
        service_areas(grid, fac, 0)


def test_prepared_graph_is_cached_and_invalidated(grid):
    clear_cache()
    p1 = prepare(grid, "travel_time")
    assert prepare(grid, "travel_time") is p1
    pl = prepare(grid, "length")
    assert pl is not p1 and prepare(grid, "length") is pl
    # parallel edges: the cheapest wins in the CSR (and od_matrix)
    u, v = next(iter(grid.edges()))
    before = od_matrix(grid, [u], [v], weight="length")[0, 0]
    grid.add_edge(u, v, length=before / 2, travel_time=1.0)
    p2 = prepare(grid, "length")  # edge count changed -> rebuilt
    assert p2 is not pl
    assert od_matrix(grid, [u], [v], weight="length")[0, 0] == pytest.approx(before / 2)
    grid.add_edge(u, v, length=before * 3, travel_time=1.0)
    assert od_matrix(grid, [u], [v], weight="length")[0, 0] == pytest.approx(before / 2)
    assert len(_graph._CACHE) >= 1


def test_batches_give_same_answer(grid, monkeypatch):
    nodes = list(grid.nodes)
    full = od_matrix(grid, nodes[:40], nodes[::3])
    clear_cache()
    monkeypatch.setattr(_graph, "_BATCH_CELLS", 1)  # one source per Dijkstra call
    np.testing.assert_array_equal(od_matrix(grid, nodes[:40], nodes[::3]), full)


def test_unreachable_is_inf_and_logged(caplog):
    from shapely.geometry import LineString

    roads = gpd.GeoDataFrame({"vegkategori": ["K", "K"]},
                             geometry=[LineString([(0, 0), (100, 0)]), LineString([(500, 0), (600, 0)])],
                             crs=25833)
    G = graph_from_roads(roads, keep="all")
    nodes = list(G.nodes)
    import logging

    with caplog.at_level(logging.INFO, logger="arealsirk"):
        M = od_matrix(G, nodes, nodes, weight="length")
    assert np.isinf(M).sum() == 8 and (M[np.isfinite(M)] >= 0).all()
    assert "8 of 16 source-target pairs are unreachable" in caplog.text
    who, cost = nearest_facility(G, nodes, nodes[:1], weight="length")
    assert (who == -1).sum() == 2 and np.isinf(cost).sum() == 2
    assert od_matrix(G, [], nodes).shape == (0, 4)
    pt = gpd.GeoDataFrame(geometry=[Point(50, 10)], crs=25833)
    assert od_matrix(G, pt, nodes, weight="length").shape == (1, 4)


def test_progress_and_cancel(grid):
    from arealsirk.errors import CancelledError

    nodes = list(grid.nodes)
    seen = []
    od_matrix(grid, nodes[:5], nodes[:7], progress=lambda f, m: seen.append((f, m)))
    assert seen and seen[-1][0] == 1.0 and all(0 <= f <= 1 for f, _ in seen)
    with pytest.raises(CancelledError):
        od_matrix(grid, nodes[:5], nodes[:7], is_cancelled=lambda: True)
    with pytest.raises(CancelledError):
        service_areas(grid, nodes[:2], 5, is_cancelled=lambda: True)


def test_worker_processes_give_same_answer(grid, monkeypatch):
    nodes = list(grid.nodes)
    serial = od_matrix(grid, nodes[:12], nodes[::2])
    monkeypatch.setattr(_graph, "_BATCH_CELLS", 200)  # several batches per worker
    pg = prepare(grid, "travel_time")
    # called directly: od_matrix forks only for jobs far bigger than this test graph
    par = _graph._parallel_rows(pg.csr, pg.positions(nodes[:12]), pg.positions(nodes[::2]), None, None,
                                np.inf, pg.n, 2, None)
    np.testing.assert_array_equal(par, serial)
    with pytest.raises(InputError, match="workers"):
        od_matrix(grid, nodes[:3], nodes[:3], workers=0)
