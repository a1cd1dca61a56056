"""Fixtures for the network engine tests.  No test may touch the network: osmnx is pointed at
a closed local port so that any stray online call fails fast (GUIDE section 4)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, MultiLineString


@pytest.fixture(autouse=True, scope="session")
def _osmnx_offline():
    import osmnx as ox

    old = {k: getattr(ox.settings, k) for k in ("overpass_url", "nominatim_url", "doh_url_template",
                                                 "requests_timeout", "use_cache", "log_console",
                                                 "overpass_rate_limit")}
    ox.settings.overpass_url = "http://127.0.0.1:9"
    ox.settings.nominatim_url = "http://127.0.0.1:9"
    ox.settings.doh_url_template = None
    ox.settings.requests_timeout = 2
    ox.settings.use_cache = False
    ox.settings.log_console = False
    # without this osmnx sleeps 60 s when the Overpass status endpoint is unreachable
    ox.settings.overpass_rate_limit = False
    yield
    for k, v in old.items():
        setattr(ox.settings, k, v)


@pytest.fixture
def small_roads() -> gpd.GeoDataFrame:
    """A tiny road layer with known shortest paths (EPSG:25833 metres).

    a(0,0) --E 1000-- b(1000,0) --E 1000-- c(2000,0)
                       |F 1000 (one-way b->d, digitised b->d)
                      d(1000,1000) --K (MultiLineString, 2 parts: d->e) -- e(2000,1000)
    plus a K road c(2000,0) -> e(2000,1000), and a P spur from s(1500,-500) whose end stops
    0.4 m short of the interior of b-c (so b-c must be split there).
    """
    geoms = [
        LineString([(0, 0), (1000, 0)]),
        LineString([(1000, 0), (2000, 0)]),
        LineString([(1000, 0), (1000, 1000)]),
        MultiLineString([[(1000, 1000), (1500, 1000)], [(1500, 1000), (2000, 1000)]]),
        LineString([(2000, 0), (2000, 1000)]),
        LineString([(1500, -500), (1500, 0.4)]),  # end 0.4 m from the interior of b-c
    ]
    return gpd.GeoDataFrame(
        {"id": [1, 2, 3, 4, 5, 6], "vegkategori": ["E", "E", "F", "K", "K", "P"],
         "oneway": [False, False, True, False, False, False]},
        geometry=geoms, crs="EPSG:25833")


@pytest.fixture
def grid_roads() -> gpd.GeoDataFrame:
    """A 12 x 12 perturbed grid of two-way roads, each block edge its own line."""
    rng = np.random.default_rng(7)
    n, step = 12, 500.0
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
    return gpd.GeoDataFrame({"vegkategori": cats}, geometry=lines, crs="EPSG:25833")
