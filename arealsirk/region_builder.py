"""Any Norwegian region in one command: a complete scenario folder from the national open data.

``arealsirk region --kommuner 1833,1832 --data ../shared/data --out rana-hemnes`` (or ``--fylke 18``,
``--bundle ringerike_hadeland``) writes ``region.gpkg``, ``scenario.toml`` and ``region_summary.md``
that ``arealsirk run`` takes with no further editing.  The phases, one function each:

1. :func:`select_kommuner` -- the kommuner from the most detailed boundary layer available (Kartverket
   N1000 ``Kommune``; never the simplified S/M GeoJSON, whose coastline cuts off coastal cells).
2. :func:`region_population` -- SSB grid cells by the kommune containing the cell **centre**; a coastal
   cell whose centre falls just outside every kommune polygon (a generalised coastline) goes to the
   nearest kommune within ``region.coast_assign_m``, so no person is lost to the coastline.
3. :func:`region_roads` -- N1000 roads with ferries, clipped to the region plus ``region.road_margin_km``
   so that routes that leave and re-enter the region are kept.
4. :func:`region_exclusions` -- lakes, sea and glaciers (N1000 landcover), national parks, urban areas.
5. :func:`generate_candidates` -- user zones when given, otherwise sites at main-road junctions near
   people (flagged ``generated``).
6. :func:`region_sources` -- resource sources from :mod:`arealsirk.estimate` (livestock register, SSB
   grid, N1000 forest), summed per kind and 5 km cell.
7. :func:`summarise_region` -- people, kommuner, road km, ferry links, road parts with their people,
   resources per kind: printed and written to ``region_summary.md``.

Every number used here is a row of the defaults table (``arealsirk defaults region.``).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._text import escape_markdown
from .errors import InputError, MissingFileError
from .progress import CancelFn, Progress, ProgressFn

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

log = logging.getLogger("arealsirk")

__all__ = ["RegionResult", "build_region", "generate_candidates", "region_population", "region_roads",
           "select_kommuner", "summarise_region"]

_N1000_ADMIN = Path("n1000_kartverket") / "n1000_transport_admin.gpkg"
_N1000_LAND = Path("n1000_kartverket") / "n1000_landcover.gpkg"
_SSB_250 = Path("ssb_popgrid_2015") / "ru250m_2015.csv"
_SSB_1KM = Path("ssb_popgrid_2015") / "nor2015pop_1kmruter.csv"


@dataclass
class RegionResult:
    """What :func:`build_region` wrote and the region's key figures.

    Attributes
    ----------
    folder
        The region folder.
    gpkg
        ``region.gpkg`` with every layer the scenario names.
    scenario
        ``scenario.toml``, runnable with ``arealsirk run`` as written.
    summary_path
        ``region_summary.md``.
    layers
        The layers written, by name (``kommuner``, ``roads``, ``population``, ``zones``, exclusions,
        ``sources``, ``existing``).
    figures
        The summary's figures (:func:`summarise_region`).
    summary_text
        The summary's Markdown text.
    """

    folder: Path
    gpkg: Path
    scenario: Path
    summary_path: Path
    layers: dict[str, gpd.GeoDataFrame]
    figures: dict[str, Any] = field(default_factory=dict)
    summary_text: str = ""


def _param(key: str, parameters: dict[str, float] | None) -> float:
    from .defaults import default

    if parameters and key in parameters:
        return float(parameters[key])
    return float(default(key))


def _need(path: Path, what: str) -> Path:
    if not path.exists():
        raise MissingFileError(f"{path}: {what} not found; --data must be a folder with the Kartverket/SSB "
                               "downloads laid out as ../shared/data (see docs/region.md)")
    return path


def select_kommuner(data: Path, *, kommuner: list[str] | None = None, fylke: str | None = None,
                    bundle: str | None = None) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, str]:
    """The chosen kommuner and all of Norway's, from N1000 ``Kommune`` (2024 numbers).

    Exactly one of ``kommuner`` (kommunenummer), ``fylke`` (fylkesnummer) or ``bundle`` (the name of a
    region bundle folder in ``data`` whose ``kommuner`` layer lists the kommuner) is given.

    Parameters
    ----------
    data
        Folder with the national files (``n1000_kartverket/n1000_transport_admin.gpkg``, bundles).
    kommuner
        2024 kommunenummer.
    fylke
        A fylkesnummer: every kommune of the fylke.
    bundle
        The name of a region bundle folder in ``data``.

    Returns
    -------
    (chosen, national, name)
        ``chosen`` and ``national`` kommune polygons in EPSG:25833 (``kommunenummer``, ``kommunenavn``,
        ``fylkesnummer``) and a name for the region.
    """
    import pandas as pd

    from .readers import read_kommuner

    given = [x for x in (kommuner, fylke, bundle) if x]
    if len(given) != 1:
        raise InputError("region: give exactly one of --kommuner, --fylke or --bundle")
    path = _need(data / _N1000_ADMIN, "N1000 transport/admin GeoPackage")
    national = read_kommuner(path, layer="Kommune")
    if bundle:
        bpath = _need(data / bundle / f"{bundle}.gpkg", f"region bundle '{bundle}'")
        wanted = read_kommuner(bpath, layer="kommuner")["kommunenummer"].tolist()
        name = bundle.replace("_", " ").title()
    elif fylke:
        fnr = str(fylke).strip().zfill(2)
        wanted = national.loc[national["fylkesnummer"] == fnr, "kommunenummer"].tolist()
        if not wanted:
            raise InputError(f"--fylke {fylke}: no kommune with fylkesnummer {fnr} in {path}, "
                             "layer 'Kommune'; "
                             f"fylker present: {', '.join(sorted(national['fylkesnummer'].unique()))}")
        name = f"Fylke {fnr}"
    else:
        wanted = [str(k).strip().zfill(4) for k in kommuner or []]
        unknown = sorted(set(wanted) - set(national["kommunenummer"]))
        if unknown:
            raise InputError(f"--kommuner: {', '.join(unknown)} not in {path}, layer 'Kommune' "
                             "(2024 numbers)")
        name = ""
    chosen = national[national["kommunenummer"].isin(pd.Series(wanted).astype(str))].reset_index(drop=True)
    if not name:
        big = chosen.assign(_a=chosen.geometry.area).sort_values("_a", ascending=False)
        names = big["kommunenavn"].astype(str).tolist()
        name = "–".join(names) if len(names) <= 3 else f"{names[0]} m.fl. ({len(names)} kommuner)"
    return chosen, national, name


def region_population(data: Path, chosen: gpd.GeoDataFrame, national: gpd.GeoDataFrame, *,
                      grid: str = "250m", parameters: dict[str, float] | None = None) -> gpd.GeoDataFrame:
    """SSB grid cells of the chosen kommuner, each assigned by its centre.

    A cell belongs to the kommune whose polygon contains the cell centre.  A cell whose centre lies in no
    kommune polygon of all Norway (the generalised coastline put it in the sea) belongs to the nearest
    kommune when that is within ``region.coast_assign_m``; farther cells are left out and logged.  The
    rule is recorded per cell in ``assigned_by`` (``centre`` / ``nearest``).

    The population of the result is therefore the exact sum of whole SSB cells -- no areal interpolation.

    Parameters
    ----------
    data
        Folder with ``ssb_popgrid_2015`` (the 250 m and 1 km CSV).
    chosen
        The region's kommune polygons (:func:`select_kommuner`).
    national
        All of Norway's kommune polygons, so a cell is never given to the region when it belongs to a
        neighbour.
    grid
        ``"250m"`` or ``"1km"``.
    parameters
        Overrides of ``region.*`` rows (``region.coast_assign_m``).

    Returns
    -------
    geopandas.GeoDataFrame
        Cell polygons with ``population``, ``kommunenummer`` and ``assigned_by``.
    """
    import geopandas as gpd
    import shapely

    from .readers import read_ssb_grid

    path = _need(data / (_SSB_250 if grid == "250m" else _SSB_1KM), f"SSB {grid} population grid")
    reach = _param("region.coast_assign_m", parameters)
    area = shapely.union_all(chosen.geometry.to_numpy()).buffer(reach + 1000)
    cells = read_ssb_grid(path, geometry="polygon", clip=area)
    centres = gpd.GeoDataFrame({"_i": np.arange(len(cells))}, geometry=cells.geometry.centroid, crs=cells.crs)
    k = national[["kommunenummer", national.geometry.name]]
    inside = gpd.sjoin(centres, k, how="left", predicate="within").drop_duplicates("_i").sort_values("_i")
    knr = inside["kommunenummer"].to_numpy(dtype=object)
    how = np.where(inside["kommunenummer"].notna().to_numpy(), "centre", "")
    lost = np.flatnonzero(how == "")
    if len(lost):
        near = gpd.sjoin_nearest(centres.iloc[lost], k, how="left", max_distance=reach,
                                 distance_col="_d").drop_duplicates("_i").sort_values("_i")
        ok = near["kommunenummer"].notna().to_numpy()
        knr[lost[ok]] = near["kommunenummer"].to_numpy(dtype=object)[ok]
        how[lost[ok]] = "nearest"
        far = int((~ok).sum())
        if far:
            log.warning("region: %d SSB cell(s) with %d people lie farther than %.0f m from every kommune "
                        "polygon and are left out", far, int(cells["population"].to_numpy()[lost[~ok]].sum()),
                        reach)
    cells = cells.assign(kommunenummer=knr, assigned_by=how)
    keep = cells["kommunenummer"].isin(set(chosen["kommunenummer"]))
    return cells[keep].reset_index(drop=True)


def region_roads(data: Path, chosen: gpd.GeoDataFrame, *,
                 parameters: dict[str, float] | None = None) -> gpd.GeoDataFrame:
    """N1000 road links (ferries included) that intersect the region plus ``region.road_margin_km``.

    Parameters
    ----------
    data
        Folder with ``n1000_kartverket/n1000_transport_admin.gpkg``.
    chosen
        The region's kommune polygons.
    parameters
        Overrides of ``region.*`` rows (``region.road_margin_km``).

    Returns
    -------
    geopandas.GeoDataFrame
        Road lines in the house schema (``vegkategori``, ``ferry`` ...).
    """
    import shapely

    from .readers import read_roads

    margin = _param("region.road_margin_km", parameters) * 1000.0
    area = shapely.union_all(chosen.geometry.to_numpy()).buffer(margin)
    roads = read_roads(_need(data / _N1000_ADMIN, "N1000 roads"), layer="Veglenke", clip=area)
    if not len(roads):
        raise InputError(f"{data / _N1000_ADMIN}, layer 'Veglenke': no road within {margin / 1000:.0f} km "
                         "of the region")
    return roads


def region_exclusions(data: Path, chosen: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """Exclusion layers clipped to the region: ``lakes`` (N1000 lakes, sea, glaciers; ``class``),
    ``protected`` (national parks), ``settlements`` (urban areas)."""
    import geopandas as gpd
    import pandas as pd
    import pyogrio
    import shapely

    region = shapely.union_all(chosen.geometry.to_numpy())
    bbox = tuple(region.buffer(2000).bounds)
    land = _need(data / _N1000_LAND, "N1000 landcover GeoPackage")
    admin = data / _N1000_ADMIN

    def read(path: Path, layer: str) -> gpd.GeoDataFrame:
        gdf = pyogrio.read_dataframe(path, layer=layer, bbox=bbox)
        gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
        gdf = gdf.set_geometry(shapely.make_valid(gdf.geometry.to_numpy()))
        clipped = gdf.clip(region.buffer(2000))
        return clipped[clipped.geom_type.isin(["Polygon", "MultiPolygon"])].reset_index(drop=True)

    water = []
    for layer, cls in (("Innsjo", "innsjø"), ("Havflate", "hav"), ("SnoIsbre", "isbre")):
        part = read(land, layer)
        water.append(gpd.GeoDataFrame({"class": [cls] * len(part)}, geometry=part.geometry.to_numpy(),
                                      crs=part.crs))
    lakes = gpd.GeoDataFrame(pd.concat(water, ignore_index=True), geometry="geometry", crs=water[0].crs)
    parks = read(admin, "Naturvernomrade")
    protected = gpd.GeoDataFrame({"name": parks.get("navn", pd.Series(dtype=object)).astype(str).to_numpy(),
                                  "verneform": parks.get("verneform", pd.Series(dtype=object)).to_numpy()},
                                 geometry=parks.geometry.to_numpy(), crs=parks.crs)
    urban = read(admin, "Tettbebyggelse")
    settlements = gpd.GeoDataFrame({"class": ["tettbebyggelse"] * len(urban)},
                                   geometry=urban.geometry.to_numpy(), crs=urban.crs)
    return {name: gdf for name, gdf in (("lakes", lakes), ("protected", protected),
                                        ("settlements", settlements)) if len(gdf)}


def generate_candidates(roads: gpd.GeoDataFrame, population: gpd.GeoDataFrame, chosen: gpd.GeoDataFrame,
                        exclusions: dict[str, gpd.GeoDataFrame], *,
                        parameters: dict[str, float] | None = None) -> gpd.GeoDataFrame:
    """Candidate sites at road junctions near people, at least one in every kommune with people and a road.

    Rule (recorded in each row's ``rule``): points inside the region, not in water, a national park or
    an urban area, with people within ``region.candidate_radius_km`` (straight line).

    1. Every kommune with people gets its best *main-road junction* (at least three road ends of
       category E, R or F meet) -- or, where it has none (island kommuner such as Træna, Røst or
       Vevelstad, whose only roads are short county roads between ferry quays), its best *road point*
       (an end of any road that is not a ferry link: a quay, a junction, the end of the road).  These
       picks are kept whatever ``region.candidate_count`` says, so no kommune is left without a site.
    2. Then more main-road junctions with at least ``region.candidate_min_people`` people within the
       radius, by those people, keeping ``region.candidate_spacing_km`` from every pick, up to
       ``region.candidate_count`` sites in total.

    Each site is a square of ``region.candidate_ha`` hectares centred on its point.  Kommuner with
    people but no usable road point get no site; they are listed in ``attrs["kommuner_without_site"]``
    (and by :func:`summarise_region`), so give ``--zones`` for them.

    Parameters
    ----------
    roads
        Road lines with ``vegkategori`` and ``ferry`` (:func:`region_roads`).
    population
        SSB cells with ``population`` and ``kommunenummer`` (:func:`region_population`).
    chosen
        The region's kommune polygons.
    exclusions
        Layers no site may touch (lakes and sea, national parks, urban areas).
    parameters
        Overrides of ``region.candidate_*`` rows.

    Returns
    -------
    geopandas.GeoDataFrame
        Squares with ``id``, ``name``, ``kommunenummer``, ``people_within``, ``area_ha``, ``generated``,
        ``rule``.
    """
    radius = _param("region.candidate_radius_km", parameters) * 1000.0
    main = _usable_points(_junctions(roads, main_only=True), chosen, exclusions, population, radius)
    anyroad = _usable_points(_junctions(roads, main_only=False), chosen, exclusions, population, radius)
    if not len(main) and not len(anyroad):
        raise InputError("region: no road point with people nearby to place candidate sites on; give --zones")
    first = _best_per_kommune(main, anyroad)
    rest = main[main["people_within"] >= _param("region.candidate_min_people", parameters)]
    picked = _pick_spaced(first, rest.sort_values("people_within", ascending=False),
                          spacing=_param("region.candidate_spacing_km", parameters) * 1000.0,
                          count=int(_param("region.candidate_count", parameters)))
    zones = _candidate_squares(picked, crs=roads.crs, radius=radius, parameters=parameters)
    with_people = set(population.loc[population["population"] > 0, "kommunenummer"].astype(str))
    zones.attrs["kommuner_without_site"] = sorted(with_people - set(zones["kommunenummer"]))
    return zones


def _junctions(roads: gpd.GeoDataFrame, *, main_only: bool) -> np.ndarray:
    """Coordinates of road points: where at least three ends of E/R/F roads meet (``main_only``), or
    every end of any road that is not a ferry link (ends within about 5 m are one point)."""
    import shapely

    keep = ~roads["ferry"].astype(bool)
    if main_only:
        keep &= roads["vegkategori"].isin(["E", "R", "F"])
    lines = roads.geometry[keep].to_numpy()
    if not len(lines):
        return np.empty((0, 2))
    ends = np.vstack([shapely.get_coordinates(shapely.get_point(lines, i)) for i in (0, -1)])
    key = np.round(ends / 5.0).astype(np.int64)
    _, inv, counts = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    inv = inv.ravel()
    sums = np.zeros((len(counts), 2))
    np.add.at(sums, inv, ends)
    centre = sums / counts[:, None]
    return centre[counts >= 3] if main_only else centre


def _usable_points(xy: np.ndarray, chosen: gpd.GeoDataFrame, exclusions: dict[str, gpd.GeoDataFrame],
                   population: gpd.GeoDataFrame, radius: float) -> gpd.GeoDataFrame:
    """The points inside the region and outside every exclusion, with their kommune and the people
    within ``radius``; only points with people nearby."""
    import geopandas as gpd
    import shapely
    from scipy.spatial import cKDTree

    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=chosen.crs)
    ok = np.array(pts.within(shapely.union_all(chosen.geometry.to_numpy())).to_numpy(), dtype=bool)
    for layer in exclusions.values():
        ok &= ~pts.intersects(shapely.union_all(layer.geometry.to_numpy())).to_numpy()
    pts = pts[ok].reset_index(drop=True)
    people = population["population"].to_numpy(dtype=float)
    tree = cKDTree(shapely.get_coordinates(population.geometry.centroid.to_numpy()))
    pxy = shapely.get_coordinates(pts.geometry.to_numpy())
    pts["people_within"] = ([people[i].sum() for i in tree.query_ball_point(pxy, radius)] if len(pxy)
                            else np.array([], dtype=float))
    pts = pts[pts["people_within"] > 0].reset_index(drop=True)
    return gpd.sjoin(pts, chosen[["kommunenummer", "kommunenavn", chosen.geometry.name]], how="left",
                     predicate="within").drop(columns="index_right").drop_duplicates().reset_index(drop=True)


def _best_per_kommune(main: gpd.GeoDataFrame, anyroad: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Each kommune's best main-road junction, or its best road point where it has no main junction."""
    import pandas as pd

    best_main = main.sort_values("people_within", ascending=False).drop_duplicates("kommunenummer")
    lacking = anyroad[~anyroad["kommunenummer"].isin(best_main["kommunenummer"])]
    best_any = lacking.sort_values("people_within", ascending=False).drop_duplicates("kommunenummer")
    best_main = best_main.assign(main_road=True)
    best_any = best_any.assign(main_road=False)
    parts = [p for p in (best_main, best_any) if len(p)]
    both = pd.concat(parts) if len(parts) > 1 else parts[0]
    return both.sort_values("people_within", ascending=False).reset_index(drop=True)


def _pick_spaced(first: gpd.GeoDataFrame, rest: gpd.GeoDataFrame, *, spacing: float,
                 count: int) -> gpd.GeoDataFrame:
    """All of ``first`` (one per kommune), then points of ``rest`` in their order that lie at least
    ``spacing`` metres from every pick, until ``count`` sites in total."""
    import pandas as pd

    picks = [first]
    xy = list(zip(first.geometry.x, first.geometry.y, strict=True))
    n = len(first)
    for _i, row in rest.iterrows():
        if n >= count:
            break
        p = (row.geometry.x, row.geometry.y)
        if xy and min(np.hypot(p[0] - q[0], p[1] - q[1]) for q in xy) < spacing:
            continue
        xy.append(p)
        picks.append(rest.loc[[_i]].assign(main_road=True))
        n += 1
    return pd.concat(picks).reset_index(drop=True)


def _candidate_squares(picked: gpd.GeoDataFrame, *, crs: Any, radius: float,
                       parameters: dict[str, float] | None) -> gpd.GeoDataFrame:
    """The candidate layer: a square of ``region.candidate_ha`` around each picked point, with its rule."""
    import geopandas as gpd
    import shapely

    half = np.sqrt(_param("region.candidate_ha", parameters) * 1e4) / 2.0
    km = f"{radius / 1000:.0f} km"
    where = "; outside water, national parks and urban areas"
    main_rule = (f"generated: the E/R/F junction with most people within {km} in its kommune, or one with "
                 f">= {_param('region.candidate_min_people', parameters):.0f} people within {km}; "
                 f"{_param('region.candidate_spacing_km', parameters):g} km apart" + where)
    road_rule = (f"generated: no E/R/F junction with people within {km} in this kommune{where}; the end of "
                 f"a road (not a ferry link) with most people within {km}")
    main = picked["main_road"].astype(bool).to_numpy()
    geom = [shapely.box(p.x - half, p.y - half, p.x + half, p.y + half) for p in picked.geometry]
    return gpd.GeoDataFrame({
        "id": [f"gen{i + 1:02d}" for i in range(len(picked))],
        "name": [f"{'Kryss' if m else 'Veg'} i {n} (generert)"
                 for m, n in zip(main, picked["kommunenavn"].astype(str), strict=True)],
        "kommunenummer": picked["kommunenummer"].astype(str).to_numpy(),
        "people_within": picked["people_within"].round().astype("int64").to_numpy(),
        "area_ha": [_param("region.candidate_ha", parameters)] * len(picked),
        "generated": [True] * len(picked),
        "rule": np.where(main, main_rule, road_rule),
    }, geometry=geom, crs=crs)


def region_sources(data: Path, chosen: gpd.GeoDataFrame, *, parameters: dict[str, float] | None = None
                   ) -> tuple[gpd.GeoDataFrame, pd.DataFrame, list[str]]:
    """Resource sources of the region from :func:`arealsirk.estimate.estimate_region`.

    Manure from Landbruksdirektoratet's livestock register (farms at their Matrikkel address where an
    address file is in ``data``, else spread by the stated rule), food waste, sewage sludge and textiles
    from the SSB grid, forest residue from N1000 forest; then summed per kind and
    ``resources.aggregate_cell_m`` cell (:func:`arealsirk.estimate.aggregate_sources`: every tonne kept,
    fewer points for siting).

    Returns
    -------
    (sources, by_kommune, notes)
        The aggregated sources layer, the per-kommune resource table and what the estimates left out or
        placed by a fallback.
    """
    from .estimate import aggregate_sources, estimate_region

    streams = ("manure", "food_waste", "sewage_sludge", "textiles", "forest_residue")
    est = estimate_region(chosen["kommunenummer"].tolist(), data=data, streams=streams,
                          parameters=parameters)
    return aggregate_sources(est.sources, parameters=parameters), est.by_kommune, list(est.notes)


def summarise_region(name: str, layers: dict[str, gpd.GeoDataFrame], *, lang: str = "nb",
                     notes: list[str] | None = None) -> tuple[str, dict[str, Any]]:
    """The region summary (Markdown) and its figures.

    People, kommuner, road km by category, ferry links, road parts with the people snapped to each and
    those off the network (by reason; every person on one row), people per kommune, resources per kind,
    candidates and the kommuner left without one.  Words and numbers from :mod:`arealsirk.i18n`; text
    from data is escaped for Markdown.

    Parameters
    ----------
    name
        The region's name (from the data: escaped).
    layers
        The built layers (``kommuner``, ``population``, ``roads``, optional ``zones``, ``lakes``,
        ``sources``).
    lang
        ``"nb"`` or ``"en"``.
    notes
        What the resource estimate left out or placed by a fallback.

    Returns
    -------
    (str, dict)
        The Markdown text and the figures shown in it.
    """
    from .i18n import REGION_WORDS, check_lang, fmt_number, word

    check_lang(lang)

    def w(key: str) -> str:
        return word(REGION_WORDS, key, lang)

    def n(value: float) -> str:
        return fmt_number(round(value), lang)

    table = _parts_with_people(layers["roads"], layers)
    km = _road_km(layers["roads"])
    fig = _region_figures(layers, table, km)
    md = [f"# {w('title')}: {escape_markdown(name)}", "", *_overview_lines(km, fig, w, n), ""]
    md += _parts_lines(table, fig, w, n)
    lacking = fig["kommuner_without_site"]
    names = _kommune_names(layers["kommuner"])
    if lacking:
        md += ["", w("without_site") + ": " +
               ", ".join(escape_markdown(f"{names.get(k, '?')} ({k})") for k in lacking)]
    md += ["", f"## {w('per_kommune')}", "", f"| kommune | {w('name')} | {w('people')} |", "|---|---|---:|"]
    per_k = layers["population"].groupby("kommunenummer")["population"].sum()
    md += [f"| {escape_markdown(k)} | {escape_markdown(names.get(k, '?'))} | {n(v)} |"
           for k, v in per_k.items()]
    sources = layers.get("sources")
    if sources is not None and len(sources):
        tot = sources.groupby(["kind", "unit"])["quantity"].sum()
        md += ["", f"## {w('resources')}", "", f"| {w('kind')} | {w('quantity')} | unit |", "|---|---:|---|"]
        md += [f"| {escape_markdown(k)} | {n(v)} | {escape_markdown(u)} |" for (k, u), v in tot.items()]
        fig["resources"] = {str(k): float(v) for (k, _u), v in tot.items()}
    if notes:
        md += ["", f"## {w('notes')}", "", *(f"- {escape_markdown(note)}" for note in notes)]
    return "\n".join(md) + "\n", fig


def _kommune_names(kommuner: gpd.GeoDataFrame) -> dict[str, str]:
    return dict(zip(kommuner["kommunenummer"].astype(str), kommuner["kommunenavn"].astype(str), strict=True))


def _road_km(roads: gpd.GeoDataFrame) -> pd.Series:
    """Road km per category (``ferje`` for ferry links)."""
    km = roads.geometry.length.to_numpy() / 1000.0
    cat = np.where(roads["ferry"].astype(bool), "ferje", roads["vegkategori"].fillna("?"))
    return roads.assign(km=km).groupby(cat)["km"].sum()


def _region_figures(layers: dict[str, gpd.GeoDataFrame], table: pd.DataFrame, km: pd.Series
                    ) -> dict[str, Any]:
    """The summary's figures (also returned to the caller)."""
    roads, zones = layers["roads"], layers.get("zones")
    parts = table[table["reason"] == ""]
    off = table[(table["reason"] != "") & (table["points"] > 0)]
    generated = zones is not None and "generated" in zones and bool(zones["generated"].any())
    lacking = [] if zones is None else list(zones.attrs.get("kommuner_without_site", []))
    return {"people": int(layers["population"]["population"].sum()), "kommuner": len(layers["kommuner"]),
            "road_km": round(float(km.drop("ferje", errors="ignore").sum()), 1),
            "ferry_links": int(roads["ferry"].astype(bool).sum()), "road_parts": len(parts),
            "candidates": 0 if zones is None else len(zones), "generated_candidates": generated,
            "people_off_network": {str(r.reason): float(r.people) for r in off.itertuples()},
            "kommuner_without_site": lacking}


def _overview_lines(km: pd.Series, fig: dict[str, Any], w: Any, n: Any) -> list[str]:
    return [f"- {w('people_ssb')}: {n(fig['people'])}",
            f"- Kommuner: {fig['kommuner']}",
            f"- {w('roads')}: " + ", ".join(f"{escape_markdown(c)} {n(v)} km" for c, v in km.items()),
            f"- {w('ferry_links')}: {fig['ferry_links']}",
            f"- {w('candidates')}: {fig['candidates']}"
            + (f" ({w('generated')})" if fig["generated_candidates"] else "")]


def _parts_lines(table: pd.DataFrame, fig: dict[str, Any], w: Any, n: Any) -> list[str]:
    """The road parts table: the 15 parts with most people, the rest summed, then the people off the
    network by reason (the rows sum to the region's people)."""
    parts = table[table["reason"] == ""].sort_values("people", ascending=False)
    md = [f"## {w('parts')}", "", f"| {w('part')} | km | {w('people_on_part')} |", "|---|---:|---:|"]
    md += [f"| {p.part} | {n(p.km)} | {n(p.people)} |" for p in parts.head(15).itertuples()]
    if len(parts) > 15:
        md.append(f"| … {len(parts) - 15} {w('more')} | | {n(parts['people'].iloc[15:].sum())} |")
    md += [f"| {w(reason)} | | {n(people)} |" for reason, people in fig["people_off_network"].items()]
    return md


def _parts_with_people(roads: gpd.GeoDataFrame, layers: dict[str, gpd.GeoDataFrame]) -> pd.DataFrame:
    """The road network's parts with their km and the people snapped to each, then one row per reason
    people are not on the network (far from a road, across water, outside): the same graph, land
    (kommune polygons minus lakes and sea) and snapping as ``arealsirk run``, summed by
    :func:`arealsirk.network.part_summary`, so every person is on exactly one row."""
    from .network import graph_from_roads, land_polygon, part_summary, snap

    land = land_polygon(layers["kommuner"], water=layers.get("lakes"))
    graph = graph_from_roads(roads, keep="all", include_ferries=True, land=land)
    pop = layers["population"]
    snapped = snap(graph, pop, name="population", weight="length")
    return part_summary(graph, snapped, pop["population"].to_numpy(dtype=float), name="people")


def build_region(*, out: str | os.PathLike[str], data: str | os.PathLike[str] | None = None,
                 kommuner: list[str] | None = None, fylke: str | None = None, bundle: str | None = None,
                 zones: str | os.PathLike[str] | None = None, existing: str | os.PathLike[str] | None = None,
                 grid: str = "250m", lang: str = "nb", parameters: dict[str, float] | None = None,
                 progress: ProgressFn | None = None, is_cancelled: CancelFn | None = None) -> RegionResult:
    """Build a complete scenario folder for a region from the national open data.

    Parameters
    ----------
    out
        Folder to write ``region.gpkg``, ``scenario.toml`` and ``region_summary.md`` to, switched in as
        a whole (a failed build leaves the previous folder or none; refused before any work when it
        would hold or sit inside an input).
    data
        Folder with the national downloads laid out as ``../shared/data`` (default: that folder).
    kommuner, fylke, bundle
        Exactly one: 2024 kommunenummer, a fylkesnummer, or a region bundle name.
    zones
        Candidate land (polygons with ``id``, ``name``) instead of generated candidates.
    existing
        Existing facilities (points with ``id``, ``name``, ``facility_type``).
    grid
        ``"250m"`` (default) or ``"1km"`` SSB grid.
    parameters
        Overrides of ``region.*`` (and resource) rows of the defaults table.
    lang
        ``"nb"`` or ``"en"`` for the summary and the scenario's comments.
    progress, is_cancelled
        Progress callback and cancel check (see :mod:`arealsirk.progress`).

    Returns
    -------
    RegionResult
    """
    from ._outputs import check_output_folder
    from .io import read_layer
    from .paths import shared_data_dir

    p = Progress(progress, is_cancelled)
    data_dir = Path(data) if data is not None else shared_data_dir()
    inputs = [data_dir, *(Path(f) for f in (zones, existing) if f is not None)]
    check_output_folder(out, inputs=inputs)
    if grid not in ("250m", "1km"):
        raise InputError(f"grid must be '250m' or '1km', got {grid!r}")
    p(0.02, "kommuner")
    chosen, national, name = select_kommuner(data_dir, kommuner=kommuner, fylke=fylke, bundle=bundle)
    p(0.1, "population")
    pop = region_population(data_dir, chosen, national, grid=grid, parameters=parameters)
    p(0.3, "roads")
    roads = region_roads(data_dir, chosen, parameters=parameters)
    p(0.45, "exclusions")
    excl = region_exclusions(data_dir, chosen)
    p(0.55, "candidate sites")
    if zones is not None:
        zone_layer = read_layer(zones)
    else:
        zone_layer = generate_candidates(roads, pop, chosen, excl, parameters=parameters)
    layers: dict[str, gpd.GeoDataFrame] = {"kommuner": chosen, "roads": roads, "population": pop,
                                           "zones": zone_layer, **excl}
    if existing is not None:
        layers["existing"] = read_layer(existing)
    p(0.65, "resources")
    sources, _by_kommune, notes = region_sources(data_dir, chosen, parameters=parameters)
    if len(sources):
        layers["sources"] = sources
    p(0.8, "region summary")
    text, figures = summarise_region(name, layers, lang=lang, notes=notes)
    p(0.9, "writing")
    result = _write_region(Path(out), name, layers, text, lang=lang, inputs=inputs)
    result.figures, result.summary_text = figures, text
    p(1.0, "done")
    return result


def scenario_text(name: str, layers: dict[str, gpd.GeoDataFrame], *, lang: str = "nb") -> str:
    """The ``scenario.toml`` of a built region (paths relative to the scenario file)."""
    import json

    lines = ["# arealsirk scenario built by `arealsirk region` from Kartverket N1000 and SSB data.",
             "# Run it with:  arealsirk run scenario.toml --out results", "", "[scenario]",
             f"name = {json.dumps(name, ensure_ascii=False)}", f'lang = "{lang}"', "synthetic = false", "",
             "[layers]"]
    sources = layers.get("sources")
    has_sources = sources is not None and len(sources) > 0
    switches = {theme: _theme_switch(theme, min_key, sources if has_sources else None)
                for theme, min_key in (("biogas", "biogas.min_plant_t"),
                                       ("bioenergy", "bioenergy.min_plant_t"),
                                       ("textiles", "textiles.min_site_t"))}
    # the settlement (odour) buffer is read by biogas only here (parks are off): written when it runs
    wanted = ["kommuner", "roads", "population", "zones", "existing", "protected", "lakes"]
    if has_sources:
        wanted.insert(3, "sources")
    if switches["biogas"] == "enabled = true":
        wanted.append("settlements")
    for layer in wanted:
        if layer in layers:
            lines.append(f'{layer} = {{ path = "region.gpkg", layer = "{layer}" }}')
    lines += ["", "[network]",
              "ferries = true   # N1000 car ferries (typeVeg bilferje) with their crossing time",
              'parts = "all"    # keep every road part (islands); people on a part with no site are reported',
              "",
              "[reuse]", "enabled = true", ""]
    for theme, switch in switches.items():
        lines += [f"[{theme}]", switch, ""]
    lines += ["[parks]", "enabled = false  # needs a 'flows' layer of firms' supplies and demands", ""]
    return "\n".join(lines)


def _theme_switch(theme: str, min_key: str, sources: gpd.GeoDataFrame | None) -> str:
    """``enabled = true`` when one plant of ``theme`` could be built and pay off on the region's
    feedstock, else ``enabled = false`` with the reason as a comment.

    Two necessary conditions, from the defaults rows the workflow itself uses: the feedstock reaches
    one plant's minimum size (``min_key``), and collecting all of it could save at least a plant's
    fixed cost -- a tonne collected saves at most ``<theme>.uncollected_penalty_factor`` x the
    longest haul limit of the kinds present (``<theme>.max_km.<kind>`` or ``<theme>.max_km``) in
    tonne-km, and a plant costs ``<theme>.plant_fixed_tkm``.  Without the second, a small region's
    scenario would stop with "no plant pays off"."""
    from .defaults import default, table
    from .themes import THEMES

    tonnes: dict[str, float] = {}
    if sources is not None:
        from .resources import has_methane_yield

        accepts = {"biogas": has_methane_yield, "bioenergy": lambda k: k == "forest_residue",
                   "textiles": lambda k: k == "textiles"}[theme]
        mask = sources["kind"].astype(str).map(accepts).to_numpy(dtype=bool)
        tonnes = {str(k): float(v) for k, v in sources[mask].groupby("kind")["quantity"].sum().items()}
    total = sum(tonnes.values())
    minimum = float(default(min_key))
    what = THEMES[theme].title[0].lower()
    if total < minimum:
        return (f"enabled = false  # the region has {total:,.0f} t/yr for {what}, "
                f"below one plant's minimum {min_key} = {minimum:,.0f} t/yr")
    keys = {row.key for row in table()}
    longest = max(float(default(key if (key := f"{theme}.max_km.{k}") in keys else f"{theme}.max_km"))
                  for k in tonnes)
    saving = total * float(default(f"{theme}.uncollected_penalty_factor")) * longest
    fixed = float(default(f"{theme}.plant_fixed_tkm"))
    if saving < fixed:
        return (f"enabled = false  # the region's {total:,.0f} t/yr for {what} save at most {saving:,.0f} "
                f"tonne-km/yr collected ({theme}.uncollected_penalty_factor x {longest:g} km), less than one "
                f"plant's {theme}.plant_fixed_tkm = {fixed:,.0f}: no plant can pay off")
    return "enabled = true"


def _write_region(out: Path, name: str, layers: dict[str, gpd.GeoDataFrame], summary: str, *,
                  lang: str, inputs: list[Path]) -> RegionResult:
    """Write the scenario folder as a whole (:func:`arealsirk._outputs.write_output_set`)."""
    from ._outputs import write_output_set
    from .io import write_layers, write_text

    write_output_set(out, {
        "region.gpkg": lambda path: write_layers(path, layers),
        "scenario.toml": lambda path: write_text(path, scenario_text(name, layers, lang=lang)),
        "region_summary.md": lambda path: write_text(path, summary),
    }, inputs=inputs)
    return RegionResult(folder=out, gpkg=out / "region.gpkg", scenario=out / "scenario.toml",
                        summary_path=out / "region_summary.md", layers=layers)
