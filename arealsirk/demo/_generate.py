"""Generator of the embedded demo region (synthetic, deterministic, EPSG:25833).

Everything here is invented by rules; nothing is copied from a third-party file.
The rules, in the order they run (a fixed ``numpy.random.default_rng(seed)``):

1. **Outline and kommuner.**  An irregular 60 x 50 km outline around
   x 230-290 km, y 6 680-6 730 km (UTM 33, inland Eastern Norway) is split into five
   kommuner by the Voronoi cells of their administrative centres.
2. **Lakes and protected areas.**  A long lake (fjord-like) in the south-west, two
   small lakes, and two nature reserves on the high ground; nothing else is placed
   inside them.
3. **Towns.**  One centre per kommune (4 000-14 000 inhabitants) and 14 villages.
4. **Roads** (N1000-like attributes ``vegkategori``, ``vegnummer``, ``typeVeg``):
   an E road through three centres, R roads joining the other centres (minimum
   spanning tree), F roads joining every village to its nearest connected
   place, K roads as local spokes around centres, P roads into forests.  Each
   link is a separate wiggly LineString from junction to junction, so the lines
   are noded at their ends and the network is connected.
5. **Rail** through three centres with a station in each.
6. **Population grid** (250 m, SSB id convention): Gaussian density around each
   town plus sparse rural settlement along roads, rounded to whole people; the
   kommune population is the sum of its cells.
7. **Resource sources**: dairy and pig farms on lowland near roads (slurry =
   animals x factor from the defaults table), a sewage treatment plant per
   centre (sludge = population x factor), food-waste and textile collection
   points per town (population x factor), forest-residue landings on forest
   roads, industrial excess heat and by-products in the industrial zones.
8. **Zoned land** (candidates): 14 business/industrial zones of 5-60 ha near
   roads outside settlements and lakes.
9. **Existing facilities**: one recycling station per kommune centre, one
   biogas plant.
10. **Firm flows** for symbiosis: heat, wood chips, ash, CO2, water and
   by-product supplies and demands of firms in the zones.
11. **DEM**: a smooth terrain of Gaussian hills rising away from the lake valley.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPoint, Point, Polygon

from ..defaults import default

EPSG = 25833
X0, Y0, X1, Y1 = 230_000.0, 6_680_000.0, 290_000.0, 6_730_000.0

KOMMUNER = [  # fictional numbers in the unused 99xx series
    ("9901", "Elvdal", "Elvdal sentrum", (251_000, 6_702_000), 14_000),
    ("9902", "Storåsen", "Storåsen", (272_500, 6_712_500), 9_000),
    ("9903", "Nordby", "Nordby", (262_000, 6_722_000), 6_500),
    ("9904", "Vestmark", "Vestmark", (238_500, 6_716_000), 4_000),
    ("9905", "Sørlia", "Sørlia", (279_000, 6_690_000), 5_500),
]
VILLAGES = ["Åsbygda", "Bakke", "Dalen", "Fossum", "Granli", "Haug", "Kvam", "Li", "Myra",
            "Nes", "Rud", "Sandvik", "Tangen", "Øvre Berg"]


def _wiggle(rng: np.random.Generator, a: tuple[float, float], b: tuple[float, float],
            *, amplitude: float = 0.06) -> list[tuple[float, float]]:
    """A road-like polyline from a to b: a few intermediate vertices pushed sideways."""
    ax, ay = a
    bx, by = b
    length = math.hypot(bx - ax, by - ay)
    n = max(2, int(length / 1500))
    nx, ny = (-(by - ay) / length, (bx - ax) / length) if length else (0.0, 0.0)
    pts = [a]
    phase = rng.uniform(0, math.pi)
    for k in range(1, n):
        t = k / n
        off = amplitude * length * math.sin(math.pi * t + phase) * 0.5 * rng.uniform(0.5, 1.0)
        pts.append((ax + t * (bx - ax) + nx * off, ay + t * (by - ay) + ny * off))
    pts.append(b)
    return pts


def generate(seed: int = 0) -> dict[str, Any]:
    """Build every demo layer; returns a dict of GeoDataFrames and the DEM array/transform.

    The phases run in the order of the module docstring's rules and draw from one
    ``numpy.random.default_rng(seed)`` in that order, so a seed always gives the same region.
    """
    import geopandas as gpd

    rng = np.random.default_rng(seed)
    crs = f"EPSG:{EPSG}"
    outline, kommune_geoms = _outline_and_kommuner(rng)  # 1.
    lakes, protected, land = _lakes_and_protected(rng, outline)  # 2.
    towns = [(name, knr, Point(xy), pop) for knr, _, name, xy, pop in KOMMUNER]  # 3.
    villages = _villages(rng, land, towns, kommune_geoms)
    places = towns + villages
    road_df, forest_ends, e_route = _roads(rng, land, towns, villages, crs)  # 4.
    road_union = shapely.union_all(road_df.geometry.values)
    rail, stations = _rail(towns, e_route, crs)  # 5.
    popgrid, kom = _population(rng, land, places, road_union, kommune_geoms, crs)  # 6.
    people = _People(popgrid)
    town_df = gpd.GeoDataFrame(
        {"name": [p[0] for p in places], "kommunenummer": [p[1] for p in places],
         "population": [people.near(p[2], 3000 if i < len(towns) else 1500) for i, p in enumerate(places)],
         "kind": ["centre"] * len(towns) + ["village"] * len(villages)},
        geometry=[p[2] for p in places], crs=crs)
    settlements = gpd.GeoDataFrame(  # 8. (before sources: heat and by-products sit in zones)
        {"name": [t[0] for t in places]},
        geometry=[t[2].buffer(250 + 12 * math.sqrt(max(people.near(t[2], 2000), 1)))
                  for t in places], crs=crs)
    settled = shapely.union_all(settlements.geometry.values)
    zone_df = _zones(rng, land, places, forest_ends, settled, road_union, kom, crs)
    src = _sources(rng, land, _SourceContext(towns, places, forest_ends, zone_df, settled, road_union,
                                             people), kom, crs)  # 7.
    return {
        "kommuner": kom,
        "region": gpd.GeoDataFrame({"name": ["Demoregionen (syntetisk)"]}, geometry=[outline], crs=crs),
        "towns": town_df,
        "roads": road_df,
        "rail": rail,
        "stations": stations,
        "population": popgrid,
        "sources": src,
        "zones": zone_df,
        "existing": _existing(towns, zone_df, crs),  # 9.
        "flows": _flows(zone_df, kom, crs),  # 10.
        "protected": gpd.GeoDataFrame({"name": [n for n, _ in protected]},
                                      geometry=[g for _, g in protected], crs=crs),
        "lakes": gpd.GeoDataFrame({"name": [n for n, _ in lakes]}, geometry=[g for _, g in lakes], crs=crs),
        "settlements": settlements,
        "_dem": _dem(rng, lakes),  # 11.
    }


#: (name, kommunenummer, location, inhabitants) of a kommune centre or a village
Place = tuple[str, str, Point, int]


@dataclass(frozen=True)
class _Land:
    """The outline and what nothing may be placed in (lakes and reserves)."""

    outline: Polygon
    blocked: Any  #: union of lakes and protected areas
    inner: Any  #: the outline shrunk by 1 km

    def free(self, p: Point, margin: float = 300.0) -> bool:
        """True when ``p`` is 1 km inside the outline and more than ``margin`` from lakes/reserves."""
        return bool(self.inner.contains(p) and p.distance(self.blocked) > margin)


class _People:
    """The population grid, to count the people near a point."""

    def __init__(self, popgrid: Any) -> None:
        self.popgrid = popgrid
        self.centroids = popgrid.geometry.centroid

    def near(self, p: Point, r: float = 3000) -> int:
        """Inhabitants of the cells whose centre is closer than ``r`` to ``p``."""
        return int(self.popgrid.loc[self.centroids.distance(p) < r, "population"].sum())


def _outline_and_kommuner(rng: np.random.Generator) -> tuple[Any, list[Any]]:
    """Rule 1: the irregular outline and the five kommuner (Voronoi cells of their centres)."""
    angles = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    cx, cy = (X0 + X1) / 2, (Y0 + Y1) / 2
    rx, ry = (X1 - X0) / 2, (Y1 - Y0) / 2
    radius = 1 + 0.06 * np.sin(3 * angles + rng.uniform(0, 6)) + 0.03 * rng.standard_normal(48)
    outline = Polygon(np.column_stack([cx + rx * np.sign(np.cos(angles)) * np.abs(np.cos(angles)) ** 0.4
                                       * radius * 0.98,
                                       cy + ry * np.sign(np.sin(angles)) * np.abs(np.sin(angles)) ** 0.4
                                       * radius * 0.98]))
    outline = outline.buffer(0).intersection(shapely.box(X0, Y0, X1, Y1))
    centres = MultiPoint([Point(c[3]) for c in KOMMUNER])
    cells = shapely.voronoi_polygons(centres, extend_to=outline.buffer(5000))
    kommune_geoms = []
    for k in KOMMUNER:
        cell = next(g for g in cells.geoms if g.contains(Point(k[3])))
        kommune_geoms.append(cell.intersection(outline))
    return outline, kommune_geoms


def _blob(rng: np.random.Generator, x: float, y: float, a: float, b: float, rot: float,
          n: int = 24) -> Polygon:
    """A lake- or reserve-like polygon: a rotated ellipse with a random-walk radius."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    r = 1 + 0.15 * rng.standard_normal(n).cumsum() / np.sqrt(n)
    px, py = a * r * np.cos(t), b * r * np.sin(t)
    return Polygon(np.column_stack([x + px * np.cos(rot) - py * np.sin(rot),
                                    y + px * np.sin(rot) + py * np.cos(rot)])).buffer(0)


def _lakes_and_protected(rng: np.random.Generator, outline: Polygon) -> tuple[
        list[tuple[str, Polygon]], list[tuple[str, Polygon]], _Land]:
    """Rule 2: three lakes and two nature reserves, and the land left free of them."""
    lakes = [("Storvatnet", _blob(rng, 243_000, 6_693_500, 7_000, 1_400, 0.5)),
             ("Tjernli", _blob(rng, 266_000, 6_704_000, 900, 600, 0.0)),
             ("Fiskevatn", _blob(rng, 283_000, 6_716_000, 1_200, 700, 1.0))]
    protected = [("Høgåsen naturreservat", _blob(rng, 248_500, 6_723_500, 3_000, 2_000, 0.3)),
                 ("Myrflaten naturreservat", _blob(rng, 284_500, 6_701_500, 2_000, 1_500, -0.4))]
    blocked = shapely.union_all([g for _, g in lakes + protected])
    return lakes, protected, _Land(outline=outline, blocked=blocked, inner=outline.buffer(-1000))


def _villages(rng: np.random.Generator, land: _Land, towns: list[Place],
              kommune_geoms: list[Any]) -> list[Place]:
    """Rule 3: the villages, on free land at least 4.5 km from every other place."""
    villages: list[Place] = []
    for name in VILLAGES:
        while True:
            p = Point(rng.uniform(X0 + 3000, X1 - 3000), rng.uniform(Y0 + 3000, Y1 - 3000))
            if land.free(p, 800) and min(p.distance(t[2]) for t in towns + villages) > 4500:
                break
        knr = next(KOMMUNER[i][0] for i, g in enumerate(kommune_geoms) if g.contains(p))
        villages.append((name, knr, p, int(rng.integers(300, 1500))))
    return villages


def _add_road(rng: np.random.Generator, roads: list[dict[str, Any]], blocked: Any, a: Point, b: Point,
              cat: str, number: int, amp: float = 0.06) -> None:
    """Append a wiggly road from a to b, bent around lakes and reserves via an offset midpoint."""
    line = LineString(_wiggle(rng, (a.x, a.y), (b.x, b.y), amplitude=amp))
    if line.intersects(blocked):
        mid = line.interpolate(0.5, normalized=True)
        for side in (1, -1, 2, -2, 3, -3):
            dx, dy = (b.y - a.y), -(b.x - a.x)
            norm = math.hypot(dx, dy) or 1.0
            via = Point(mid.x + side * 2500 * dx / norm, mid.y + side * 2500 * dy / norm)
            trial = LineString(_wiggle(rng, (a.x, a.y), (via.x, via.y), amplitude=0.02)[:-1]
                               + _wiggle(rng, (via.x, via.y), (b.x, b.y), amplitude=0.02))
            if not trial.intersects(blocked):
                line = trial
                break
    roads.append({"vegkategori": cat, "vegnummer": number, "geometry": line})


def _trunk_roads(rng: np.random.Generator, roads: list[dict[str, Any]], blocked: Any,
                 centre_pts: list[Point]) -> list[int]:
    """Rule 4, E and R roads: the E road through three centres (returned, west to east), R roads
    on the minimum spanning tree over the centres where the E road does not already join them."""
    from scipy.sparse.csgraph import minimum_spanning_tree

    e_route = sorted([0, 1, 2], key=lambda i: centre_pts[i].x)  # Elvdal - Nordby - Storåsen
    # E road enters from the south-west edge and leaves at the north-east edge
    entry, exit_ = Point(X0 + 2500, 6_700_500), Point(X1 - 2500, 6_716_000)
    chain = [entry, *[centre_pts[i] for i in e_route], exit_]
    for a, b in itertools.pairwise(chain):
        _add_road(rng, roads, blocked, a, b, "E", 16, amp=0.03)
    d = np.array([[p.distance(q) for q in centre_pts] for p in centre_pts])
    e_pairs = {frozenset((e_route[i], e_route[i + 1])) for i in range(len(e_route) - 1)}
    for i, j in e_pairs:
        d[i, j] = d[j, i] = 1e-3
    mst = minimum_spanning_tree(d).tocoo()
    rnum = 240
    for i, j in zip(mst.row, mst.col, strict=True):
        if frozenset((int(i), int(j))) not in e_pairs:
            _add_road(rng, roads, blocked, centre_pts[i], centre_pts[j], "R", rnum)
            rnum += 1
    return e_route


def _local_roads(rng: np.random.Generator, roads: list[dict[str, Any]], land: _Land, towns: list[Place],
                 villages: list[Place]) -> list[Point]:
    """Rule 4, F, K and P roads: each village to its nearest connected place plus two loops, spokes
    around the centres, and forest roads from the villages (whose ends are returned)."""
    centre_pts = [t[2] for t in towns]
    connected = list(centre_pts)
    fnum = 2000
    order = sorted(range(len(villages)), key=lambda v: min(villages[v][2].distance(c) for c in centre_pts))
    for v in order:
        p = villages[v][2]
        q = min(connected, key=p.distance)
        _add_road(rng, roads, land.blocked, q, p, "F", fnum)
        connected.append(p)
        fnum += 1
    for v in (0, 5):
        p = villages[v][2]
        others = sorted((c for c in connected if c != p), key=p.distance)
        _add_road(rng, roads, land.blocked, p, others[1], "F", fnum)
        fnum += 1
    for t, (_, _, p, pop) in enumerate(towns):
        spokes = 3 + (pop > 8000)
        for k in range(spokes):
            ang = 2 * math.pi * k / spokes + rng.uniform(0, 1)
            q = Point(p.x + 3000 * math.cos(ang), p.y + 3000 * math.sin(ang))
            if land.free(q, 100):
                _add_road(rng, roads, land.blocked, p, q, "K", 1000 + 10 * t + k, amp=0.1)
    forest_ends = []
    for _, _, p, _ in villages:
        ang = rng.uniform(0, 2 * math.pi)
        q = Point(p.x + 4000 * math.cos(ang), p.y + 4000 * math.sin(ang))
        if land.free(q, 200):
            _add_road(rng, roads, land.blocked, p, q, "P", 0, amp=0.12)
            forest_ends.append(q)
    return forest_ends


def _roads(rng: np.random.Generator, land: _Land, towns: list[Place], villages: list[Place],
           crs: str) -> tuple[Any, list[Point], list[int]]:
    """Rule 4: the road layer (N1000-like attributes), the forest road ends and the E road's centres."""
    import geopandas as gpd

    roads: list[dict[str, Any]] = []
    e_route = _trunk_roads(rng, roads, land.blocked, [t[2] for t in towns])
    forest_ends = _local_roads(rng, roads, land, towns, villages)
    road_df = gpd.GeoDataFrame(roads, crs=crs)
    road_df.insert(0, "id", [f"veg{i:04d}" for i in range(len(road_df))])
    road_df["typeVeg"] = "enkelBilveg"
    road_df["speed_kph"] = [default(f"demo.speed_kph.{c}") for c in road_df["vegkategori"]]
    road_df["oneway"] = False
    road_df = road_df[["id", "vegkategori", "vegnummer", "typeVeg", "speed_kph", "oneway", "geometry"]]
    return road_df, forest_ends, e_route


def _rail(towns: list[Place], e_route: list[int], crs: str) -> tuple[Any, Any]:
    """Rule 5: the railway through the E road's three centres and a station in each."""
    import geopandas as gpd

    rail_stops = [towns[i][2] for i in e_route]
    rail_line = LineString([(X0 + 1500, 6_698_000), *[(p.x + 400, p.y - 600) for p in rail_stops],
                            (X1 - 1500, 6_719_000)])
    rail = gpd.GeoDataFrame({"name": ["Elvdalsbanen"]}, geometry=[rail_line], crs=crs)
    stations = gpd.GeoDataFrame(
        {"name": [f"{towns[i][0]} stasjon" for i in e_route]},
        geometry=[Point(p.x + 400, p.y - 600) for p in rail_stops], crs=crs)
    return rail, stations


def _population(rng: np.random.Generator, land: _Land, places: list[Place], road_union: Any,
                kommune_geoms: list[Any], crs: str) -> tuple[Any, Any]:
    """Rule 6: the 250 m population grid (SSB ids) and the kommuner with their population sums."""
    import geopandas as gpd

    cell = default("demo.cell_m")
    xs = np.arange(X0, X1, cell)
    ys = np.arange(Y0, Y1, cell)
    gx, gy = np.meshgrid(xs + cell / 2, ys + cell / 2)
    density = np.zeros_like(gx)
    for _, _, p, pop in places:
        sigma = 350 + 9 * math.sqrt(pop)
        density += pop * np.exp(-((gx - p.x) ** 2 + (gy - p.y) ** 2) / (2 * sigma**2)) / (
            2 * math.pi * sigma**2) * cell**2
    # rural scatter near roads
    centres_flat = shapely.points(gx.ravel(), gy.ravel())
    near_road = shapely.dwithin(centres_flat, road_union, 600).reshape(gx.shape)
    rural = near_road * (rng.random(gx.shape) < 0.05) * rng.integers(2, 15, gx.shape)
    inside = shapely.contains_xy(land.outline, gx, gy) & ~shapely.contains_xy(land.blocked, gx, gy)
    people = np.where(inside, np.floor(density + rural + rng.random(gx.shape) * (density > 0.5)), 0)
    iy, ix = np.nonzero(people >= 1)
    x_ll, y_ll = xs[ix], ys[iy]
    popgrid = gpd.GeoDataFrame(
        {"ssbid": [f"{int(x + 2_000_000)}{int(y)}" for x, y in zip(x_ll, y_ll, strict=True)],
         "population": people[iy, ix].astype(int)},
        geometry=shapely.box(x_ll, y_ll, x_ll + cell, y_ll + cell), crs=crs)
    kom = gpd.GeoDataFrame({"kommunenummer": [k[0] for k in KOMMUNER],
                            "kommunenavn": [k[1] for k in KOMMUNER]},
                           geometry=kommune_geoms, crs=crs)
    popgrid["kommunenummer"] = _which(kom, popgrid.geometry.centroid)
    kom["population"] = [int(popgrid.loc[popgrid.kommunenummer == k, "population"].sum())
                         for k in kom.kommunenummer]
    return popgrid, kom


def _zones(rng: np.random.Generator, land: _Land, places: list[Place], forest_ends: list[Point],
           settled: Any, road_union: Any, kom: Any, crs: str) -> Any:
    """Rule 8: 14 business/industrial zones of 5-60 ha near roads, away from settlements and each
    other (the first ten near the places, the rest near forest road ends)."""
    import geopandas as gpd

    zones: list[dict[str, Any]] = []
    attempts = 0
    while len(zones) < 14 and attempts < 5000:
        attempts += 1
        anchor = places[len(zones) % len(places)][2] if len(zones) < 10 else forest_ends[
            len(zones) % max(len(forest_ends), 1)]
        ang, dist = rng.uniform(0, 2 * math.pi), rng.uniform(1500, 4500)
        c = Point(anchor.x + dist * math.cos(ang), anchor.y + dist * math.sin(ang))
        area_ha = float(rng.uniform(5, 60))
        side = math.sqrt(area_ha * 10_000)
        poly = shapely.affinity.rotate(shapely.box(c.x - side / 1.6, c.y - side / 2.5,
                                                   c.x + side / 1.6, c.y + side / 2.5),
                                       rng.uniform(0, 90))
        if (land.free(c, 400) and poly.distance(settled) > 150 and poly.distance(road_union) < 800
                and all(poly.distance(z["geometry"]) > 2000 for z in zones)):
            knr = _which(kom, gpd.GeoSeries([c], crs=crs))[0]
            zones.append({"id": f"sone{len(zones) + 1:02d}", "kommunenummer": knr,
                          "zone_type": "industri" if len(zones) % 3 else "næring",
                          "geometry": poly})
    zone_df = gpd.GeoDataFrame(zones, crs=crs)
    zone_df.insert(1, "name", [f"{dict((k[0], k[1]) for k in KOMMUNER)[k]} næringsområde {i + 1}"
                               for i, k in enumerate(zone_df.kommunenummer)])
    zone_df["area_ha"] = (zone_df.area / 10_000).round(1)
    return zone_df


@dataclass(frozen=True)
class _SourceContext:
    """What the sources are placed by (rule 7)."""

    towns: list[Place]
    places: list[Place]
    forest_ends: list[Point]
    zone_df: Any
    settled: Any
    road_union: Any
    people: _People


def _source(name: str, kind: str, q: float, unit: str, p: Point, temp: float = math.nan) -> dict[str, Any]:
    """One row of the sources layer."""
    return {"name": name, "kind": kind, "quantity": round(float(q), 1), "unit": unit,
            "temperature_c": temp, "geometry": p}


def _farms(rng: np.random.Generator, land: _Land, ctx: _SourceContext) -> list[dict[str, Any]]:
    """Rule 7, manure: 110 dairy or pig farms on free land near roads, outside settlements (fewer on
    the northern high ground); slurry = animals x the defaults table's factor."""
    farms = []
    farm_n = 0
    while farm_n < 110:
        p = Point(rng.uniform(X0, X1), rng.uniform(Y0, Y1))
        if not land.free(p, 400) or p.distance(ctx.settled) < 300 or p.distance(ctx.road_union) > 1500:
            continue
        if p.y > 6_722_000 and rng.random() < 0.7:  # fewer farms on the northern high ground
            continue
        farm_n += 1
        if rng.random() < 0.75:
            cows = int(rng.integers(20, 110))
            farms.append(_source(f"Gård {farm_n} ({cows} kyr)", "cattle_manure",
                                 cows * default("demo.cattle_slurry_t_per_cow"), "t/yr", p))
        else:
            places_pig = int(rng.integers(200, 1400))
            farms.append(_source(f"Gård {farm_n} ({places_pig} slaktegrisplasser)", "pig_manure",
                                 places_pig * default("demo.pig_slurry_t_per_place"), "t/yr", p))
    return farms


def _sources(rng: np.random.Generator, land: _Land, ctx: _SourceContext, kom: Any, crs: str) -> Any:
    """Rule 7: farms, sewage plants, food-waste and textile points, forest landings, excess heat and
    by-products in the zones."""
    import geopandas as gpd

    sources = _farms(rng, land, ctx)
    for name, _knr, p, _ in ctx.towns:
        pop = ctx.people.near(p, 6000)
        sources.append(_source(f"{name} renseanlegg", "sewage_sludge",
                               pop * default("demo.sludge_t_per_person"), "t/yr",
                               Point(p.x + 900, p.y - 700)))
    for name, _knr, p, _ in ctx.places:
        pop = ctx.people.near(p, 3000)
        sources.append(_source(f"{name} matavfall", "food_waste",
                               pop * default("demo.food_waste_t_per_person"), "t/yr",
                               Point(p.x + 150, p.y + 150)))
        sources.append(_source(f"{name} tekstilinnsamling", "textiles",
                               pop * default("demo.textiles_t_per_person"), "t/yr",
                               Point(p.x - 150, p.y + 150)))
    for i, q in enumerate(ctx.forest_ends):
        sources.append(_source(f"Tømmervelte {i + 1}", "forest_residue", rng.uniform(800, 6000), "t/yr", q))
    heat_temps = [95.0, 60.0, 140.0, 45.0]
    for i, z in enumerate(ctx.zone_df.itertuples()):
        c = z.geometry.centroid
        if i < 4:
            sources.append(_source(f"{z.name}: prosessvarme", "excess_heat", rng.uniform(5, 45), "GWh/yr", c,
                                   heat_temps[i]))
        elif i < 7:
            sources.append(_source(f"{z.name}: flis og bark", "by_product", rng.uniform(2000, 12000), "t/yr",
                                   Point(c.x + 50, c.y + 50)))
    src = gpd.GeoDataFrame(sources, crs=crs)
    src.insert(0, "id", [f"src{i:04d}" for i in range(len(src))])
    src["kommunenummer"] = _which(kom, src.geometry)
    return src


def _existing(towns: list[Place], zone_df: Any, crs: str) -> Any:
    """Rule 9: a recycling station per kommune centre and one biogas plant in the first zone."""
    import geopandas as gpd

    existing = [{"name": f"{name} gjenvinningsstasjon", "facility_type": "recycling_station",
                 "capacity_t": math.nan, "geometry": Point(p.x - 900, p.y - 900)}
                for name, _, p, _ in towns]
    z0 = zone_df.geometry.iloc[0].centroid
    existing.append({"name": "Elvdal biogassanlegg", "facility_type": "biogas_plant",
                     "capacity_t": 30_000.0, "geometry": Point(z0.x - 60, z0.y - 60)})
    ex = gpd.GeoDataFrame(existing, crs=crs)
    ex.insert(0, "id", [f"eks{i:02d}" for i in range(len(ex))])
    return ex


#: Rule 10: (zone index, role, kind, quantity, unit, temperature) of the firms' flows
_FLOW_SPECS = [
    (0, "supply", "heat", 25.0, "GWh/yr", 95.0), (0, "supply", "co2", 3000.0, "t/yr", math.nan),
    (1, "supply", "heat", 12.0, "GWh/yr", 60.0), (2, "supply", "heat", 40.0, "GWh/yr", 140.0),
    (4, "supply", "wood_chips", 8000.0, "t/yr", math.nan),
    (5, "supply", "ash", 600.0, "t/yr", math.nan), (6, "supply", "by_product", 1500.0, "t/yr", math.nan),
    (0, "demand", "heat", 8.0, "GWh/yr", 60.0), (1, "demand", "co2", 1200.0, "t/yr", math.nan),
    (2, "demand", "heat", 15.0, "GWh/yr", 80.0), (3, "demand", "wood_chips", 5000.0, "t/yr", math.nan),
    (7, "demand", "ash", 400.0, "t/yr", math.nan), (8, "demand", "heat", 6.0, "GWh/yr", 35.0),
    (8, "demand", "water", 50000.0, "m3/yr", math.nan),
    (3, "supply", "water", 80000.0, "m3/yr", math.nan),
    (9, "demand", "by_product", 1000.0, "t/yr", math.nan),
]
_FIRM_NAMES = ["Elvdal Treindustri", "Storåsen Næringspark", "Nordby Metall", "Vestmark Veksthus",
               "Sørlia Sagbruk", "Elvdal Fjernvarme", "Storåsen Betong", "Nordby Settefisk",
               "Vestmark Grønnsaker", "Sørlia Gjenvinning"]


def _flows(zone_df: Any, kom: Any, crs: str) -> Any:
    """Rule 10: the firms' supplies and demands for symbiosis, at their zones' centroids."""
    import geopandas as gpd

    flows = []
    for i, (zi, role, kind, q, unit, temp) in enumerate(_FLOW_SPECS):
        z = zone_df.iloc[zi % len(zone_df)]
        c = z.geometry.centroid
        flows.append({"id": f"flyt{i:02d}", "name": f"{_FIRM_NAMES[zi % len(_FIRM_NAMES)]}",
                      "role": role, "kind": kind, "quantity": q, "unit": unit, "temperature_c": temp,
                      "zone_id": z["id"], "geometry": Point(c.x + 40 * (i % 3), c.y + 40 * (i % 2))})
    flow_df = gpd.GeoDataFrame(flows, crs=crs)
    flow_df["kommunenummer"] = _which(kom, flow_df.geometry)
    return flow_df


def _dem(rng: np.random.Generator, lakes: list[tuple[str, Polygon]]) -> tuple[np.ndarray, tuple[float, ...]]:
    """Rule 11: Gaussian hills on a slope rising north, a valley along the long lake, flat lakes.

    Returns the float32 array (north up) and (x of the west edge, y of the north edge, cell size)."""
    dem_cell = default("demo.dem_cell_m")
    dxs = np.arange(X0, X1, dem_cell) + dem_cell / 2
    dys = np.arange(Y1, Y0, -dem_cell) - dem_cell / 2
    dx, dy = np.meshgrid(dxs, dys)
    z = 150 + 250 * (dy - Y0) / (Y1 - Y0)
    for _ in range(18):
        hx, hy = rng.uniform(X0, X1), rng.uniform(Y0, Y1)
        h, s = rng.uniform(60, 260), rng.uniform(2000, 7000)
        z += h * np.exp(-((dx - hx) ** 2 + (dy - hy) ** 2) / (2 * s**2))
    valley = np.exp(-(((dy - 6_696_000) - 0.35 * (dx - X0)) ** 2) / (2 * 6000**2))
    z -= 90 * valley
    for _, lake in lakes:
        mask = shapely.contains_xy(lake, dx, dy)
        if mask.any():
            z[mask] = float(z[mask].min())
    return z.astype("float32"), (X0, Y1, dem_cell)


def _which(kommuner: Any, points: Any) -> list[str]:
    """Kommunenummer of the kommune nearest to (usually containing) each point."""
    import geopandas as gpd

    pts = gpd.GeoDataFrame(geometry=list(points), crs=kommuner.crs)
    hit = gpd.sjoin_nearest(pts, kommuner[["kommunenummer", "geometry"]], how="left")
    hit = hit[~hit.index.duplicated(keep="first")]
    return [str(k) for k in hit["kommunenummer"]]
