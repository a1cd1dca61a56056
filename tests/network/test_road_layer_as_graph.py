"""A road line layer may stand where a graph is expected (one call for QGIS and notebooks)."""

from __future__ import annotations

import numpy as np

from arealsirk import network, proximity


def test_od_matrix_and_service_areas_accept_a_road_layer(demo):
    graph = network.graph_from_roads(demo.roads)
    src, dst = demo.sources.iloc[:12], demo.zones.iloc[:5]
    np.testing.assert_allclose(proximity.od_matrix(demo.roads, src, dst),
                               proximity.od_matrix(graph, src, dst))
    a = proximity.service_areas(demo.roads, demo.existing.iloc[:2], [10])
    b = proximity.service_areas(graph, demo.existing.iloc[:2], [10])
    assert np.allclose(sorted(a.area), sorted(b.area))
    idx, _cost = proximity.nearest_facility(demo.roads, src, dst)
    np.testing.assert_array_equal(idx, proximity.nearest_facility(graph, src, dst)[0])
