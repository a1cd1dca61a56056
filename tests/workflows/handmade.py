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


def people(counts: dict[str, tuple[float, float]], island: float) -> gpd.GeoDataFrame:
    """Population points: ``{id: (people, km along the main road)}`` and ``island`` people on the
    island road (2 km along, 20 km north), id ``isl``."""
    rows = [{"id": i, "population": p} for i, (p, _) in counts.items()]
    rows.append({"id": "isl", "population": island})
    geoms = [at(km) for _, km in counts.values()] + [at(2, north_km=20)]
    return points(rows, geoms)


#: Symbiosis overrides that make every figure a hand calculation: pipe cost per GWh = annuity x ref
#: cost x km x (Q / ref Q)^b / Q with a 0 % rate over 10 years (annuity 1 / 10), i.e.
#: 0.1 x 1e6 x km x sqrt(Q / 4) / Q NOK per GWh; values per unit and transport cost round numbers.
SYMBIOSIS_PARAMS = {
    "symbiosis.heat_pipe_discount_rate": 0.0,
    "symbiosis.heat_pipe_life_yr": 10,
    "symbiosis.heat_pipe_nok_per_km_ref": 1e6,
    "symbiosis.heat_pipe_ref_gwh": 4.0,
    "symbiosis.heat_pipe_flow_exponent": 0.5,
    "symbiosis.value_nok_per_unit.heat": 300_000,
    "symbiosis.value_nok_per_unit.ash": 100,
    "symbiosis.transport_nok_per_tkm": 3.0,
    "symbiosis.heat_approach_c": 5,
    "symbiosis.local_km": 1.0,
    "resources.road_detour_factor": 1.5,
}
