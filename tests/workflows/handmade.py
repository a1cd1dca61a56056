"""Hand-made instances for the workflow tests: straight roads with known distances (EPSG:25833).

The main road runs east along ``y = Y`` from ``X`` to ``X + 30 km`` at 60 km/h (category K
speeds are overridden by ``speed_kph``), so a point on it at ``X + a km`` is ``|a - b|`` km and
``|a - b|`` minutes from one at ``X + b km``.  A second road ("the island road") lies 20 km north,
not connected to the main road: points on it are on another part of the network.
"""

from __future__ import annotations

import geopandas as gpd
import shapely

X, Y = 500_000.0, 7_000_000.0
CRS = "EPSG:25833"


def at(km: float, *, north_km: float = 0.0) -> shapely.Point:
    """A point on the main road ``km`` east of its start (or ``north_km`` north of it)."""
    return shapely.Point(X + km * 1000.0, Y + north_km * 1000.0)


def roads(*, island: bool = True, length_km: float = 30.0) -> gpd.GeoDataFrame:
    """The main road (0-30 km) and, with ``island``, a 5 km road 20 km north (x 0-5 km)."""
    lines = [shapely.LineString([(X, Y), (X + length_km * 1000.0, Y)])]
    if island:
        lines.append(shapely.LineString([(X, Y + 20_000.0), (X + 5_000.0, Y + 20_000.0)]))
    return gpd.GeoDataFrame({"speed_kph": [60.0] * len(lines)}, geometry=lines, crs=CRS)


def land() -> shapely.MultiPolygon:
    """Land: a 6 km wide strip along the main road (y -3 ... 3 km) and the island (y 17 ... 23 km);
    the sea between them."""
    return shapely.MultiPolygon(
        [
            shapely.box(X - 2_000, Y - 3_000, X + 32_000, Y + 3_000),
            shapely.box(X - 2_000, Y + 17_000, X + 7_000, Y + 23_000),
        ]
    )


def graph(*, island: bool = True, length_km: float = 30.0, with_land: bool = False):
    """The road graph with every part kept (``keep="all"``); with ``with_land`` the network knows
    :func:`land`, so points whose nearest road is across the sea are not snapped."""
    from arealsirk.network import graph_from_roads

    return graph_from_roads(
        roads(island=island, length_km=length_km), keep="all", land=land() if with_land else None
    )


def points(rows: list[dict], geoms: list) -> gpd.GeoDataFrame:
    import pandas as pd

    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs=CRS)


def square(km: float, half_m: float = 300.0, *, north_km: float = 0.0) -> shapely.Polygon:
    """A square polygon of side ``2 half_m`` centred on :func:`at`."""
    c = at(km, north_km=north_km)
    return shapely.box(c.x - half_m, c.y - half_m, c.x + half_m, c.y + half_m)
