"""Kartverket road layers (N1000, N50, Elveg 2.0 / NVDB) -> one normalised road layer.

The output is what :func:`arealsirk.network.graph_from_roads` takes: single-part ``LineString``
links with ``vegkategori`` (E europaveg, R riksveg, F fylkesveg, K kommunal veg, P privat veg),
``vegnummer``, ``typeVeg`` (Kartverket/SOSI road type: ``enkelBilveg``, ``kanalisertVeg``,
``rampe``, ``rundkjøring``, ``bilferje`` ...), a ``ferry`` flag and ``oneway`` (False: N1000/N50 carry
no driving direction). Speeds by ``vegkategori`` are assigned by the network builder from the
defaults table, not here.

Column names differ between products (``vegkategori`` in N1000/N50, ``VEGKATEGORI`` in old SOSI
exports, ``vegsystemreferanse`` strings such as ``"FV7654 S1D1 m0-120"`` in Elveg 2.0/NVDB); all
are recognised. Links that are not drivable by car (``sti``, ``barmarksløype``, ``gangOgSykkelveg``,
``passasjerferje`` ...) and planned or under-construction links (``vegfase`` P/A) are left out
unless asked for.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import EmptyLayerError, InputError, MissingColumnError, where
from ..network.ferries import join_ferry_ends
from ._common import PathLike, as_geometry, find_column, read_vector

if TYPE_CHECKING:
    import geopandas as gpd

log = logging.getLogger("arealsirk")

__all__ = ["FERRY_TYPES", "NON_CAR_TYPES", "ROAD_CATEGORIES", "join_ferry_ends", "normalise_roads",
           "read_road_graph", "read_roads"]

#: Kartverket/NVDB road categories (vegkategori).
ROAD_CATEGORIES = ("E", "R", "F", "K", "P")
#: typeVeg values not drivable by car (SOSI/Elveg code list).
NON_CAR_TYPES = frozenset({"sti", "barmarksløype", "barmarksloype", "gangogsykkelveg", "sykkelveg",
                           "gangveg", "fortau", "trapp", "gangfelt", "passasjerferje", "gågate",
                           "gaagate", "traktorveg", "sykkelfelt"})
#: typeVeg values that are ferry links.
FERRY_TYPES = frozenset({"bilferje", "passasjerferje"})
_ROAD_LAYERS = ("Veglenke", "n1000_veg", "VegSenterlinje", "veglenke", "vegsenterlinje", "roads", "veg")
_CATEGORY_WORDS = {"europaveg": "E", "riksveg": "R", "fylkesveg": "F", "kommunalveg": "K",
                   "kommunal veg": "K", "privatveg": "P", "privat veg": "P", "skogsbilveg": "P",
                   "skogsveg": "P", "s": "P", "ev": "E", "rv": "R", "fv": "F", "kv": "K", "pv": "P",
                   "sv": "P"}
_REF = re.compile(r"^\s*([ERFKPS])V\s*(\d+)", re.IGNORECASE)


def _category(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    if not text:
        return None
    if text.upper() in ROAD_CATEGORIES:
        return text.upper()
    return _CATEGORY_WORDS.get(text.lower(), "?")


def normalise_roads(
    roads: gpd.GeoDataFrame,
    *,
    file: object = None,
    layer: str | None = None,
    include_paths: bool = False,
    include_planned: bool = False,
    clip: Any = None,
    connect_ferries_m: float | None = None,
) -> gpd.GeoDataFrame:
    """Normalise a road line layer already in memory (see :func:`read_roads`).

    Parameters
    ----------
    roads
        Road lines with a road category column (``vegkategori``/``vegkat``/``kategori`` or a
        ``vegsystemreferanse`` to read it from), optionally ``vegnummer``, ``typeVeg``, ``vegfase``,
        ``medium``, ``motorvegtype`` (matched case-insensitively, also as a dotted suffix).
    file, layer
        Where the lines were read from, named in messages and the log; optional.
    include_paths, include_planned, clip, connect_ferries_m
        As in :func:`read_roads` (links left out are counted in the log).

    Returns
    -------
    geopandas.GeoDataFrame
        The columns of :func:`read_roads`.

    Raises
    ------
    MissingColumnError
        No category column and no ``vegsystemreferanse``.
    InputError
        An unknown road category (not E, R, F, K, P or S).
    EmptyLayerError
        No drivable link is left, or none intersects ``clip``.
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    from .._validate import validate_layer

    at = where(file=file, layer=layer)
    src = validate_layer(roads, name="roads", file=file, layer=layer, geometry="line")
    cols = list(src.columns)
    cat_col = find_column(cols, ("vegkategori", "vegkat", "kategori"), suffix=True)
    num_col = find_column(cols, ("vegnummer", "vegnr", "nummer"), suffix=True)
    type_col = find_column(cols, ("typeVeg", "typeveg", "vegtype", "veglenketype"), suffix=True)
    fase_col = find_column(cols, ("vegfase", "fase"), suffix=True)
    ref_col = find_column(cols, ("vegsystemreferanse", "vegreferanse", "vref"), suffix=True)

    n = len(src)
    category = src[cat_col].map(_category) if cat_col else pd.Series([None] * n, index=src.index)
    number = (pd.to_numeric(src[num_col], errors="coerce") if num_col
              else pd.Series([np.nan] * n, index=src.index))
    if ref_col is not None:
        parsed = src[ref_col].astype(str).str.extract(_REF)
        fill = category.isna() & parsed[0].notna()
        category[fill] = parsed.loc[fill, 0].str.upper().map(lambda c: "P" if c == "S" else c)
        fillnum = number.isna() & parsed[1].notna()
        number[fillnum] = pd.to_numeric(parsed.loc[fillnum, 1])
    if cat_col is None and ref_col is None:
        have = ", ".join(c for c in cols if c != src.geometry.name)
        raise MissingColumnError(f"{where(file=file, layer=layer, column='vegkategori')}missing column "
                                 f"(road category E/R/F/K/P; also accepted: vegsystemreferanse); "
                                 f"columns present: {have}")
    unknown = category == "?"
    if unknown.any():
        bad = src.loc[unknown, cat_col].iloc[0] if cat_col else "?"
        raise InputError(f"{where(file=file, layer=layer, column=cat_col or ref_col)}unknown road category "
                         f"{bad!r} in {int(unknown.sum())} link(s); expected E, R, F, K, P (or S)")
    typ = (src[type_col].astype(object).where(src[type_col].notna(), None) if type_col
           else pd.Series([None] * n, index=src.index, dtype=object))
    typ_l = typ.map(lambda v: str(v).strip().lower() if v is not None else "")
    ferry = typ_l.isin(FERRY_TYPES)
    medium_col = find_column(cols, ("medium",))
    motor_col = find_column(cols, ("motorvegtype",), suffix=True)
    keep = pd.Series(True, index=src.index)
    dropped: dict[str, int] = {}
    if not include_paths and type_col:
        nc = typ_l.isin(NON_CAR_TYPES)
        dropped["not drivable by car (typeVeg)"] = int(nc.sum())
        keep &= ~nc
    if not include_planned and fase_col:
        fase = src[fase_col].astype(str).str.strip().str.upper()
        planned = fase.isin(["P", "A", "PLANLAGT", "ANLEGG", "ANLEGGSFASE"])
        dropped["planned/under construction (vegfase P/A)"] = int((planned & keep).sum())
        keep &= ~planned
    nocat = category.isna() & keep
    if nocat.any():
        log.warning("%s%d drivable link(s) without vegkategori treated as P (privat)", at, int(nocat.sum()))
        category[nocat] = "P"
    for why, count in dropped.items():
        if count:
            log.info("%sleft out %d road link(s): %s", at, count, why)
    out = gpd.GeoDataFrame({
        "vegkategori": category[keep].astype(object).to_numpy(),
        "vegnummer": number[keep].to_numpy(dtype=float),
        "typeVeg": typ[keep].to_numpy(dtype=object),
        "ferry": ferry[keep].to_numpy(dtype=bool),
        "medium": src.loc[keep, medium_col].to_numpy(dtype=object) if medium_col else None,
        "motorvegtype": src.loc[keep, motor_col].to_numpy(dtype=object) if motor_col else None,
        "oneway": np.zeros(int(keep.sum()), dtype=bool),
    }, geometry=shapely.force_2d(src.geometry[keep].to_numpy()), crs=src.crs)
    if not len(out):
        raise EmptyLayerError(f"{at}no drivable road links left ({dropped}); include_paths=True keeps all")
    out = out.explode(index_parts=False, ignore_index=True)
    out = out[~out.geometry.is_empty & (out.geometry.length > 0)].reset_index(drop=True)
    if clip is not None:
        area = as_geometry(clip)
        out = out[out.intersects(area)].reset_index(drop=True)
        if not len(out):
            raise EmptyLayerError(f"{at}no road link intersects the clip area - wrong region or CRS?")
    _connect_ferries(out, connect_ferries_m, at)
    out.insert(0, "id", [f"r{i}" for i in range(len(out))])
    return validate_layer(out, name="roads", file=file, layer=layer, geometry="line", id_column="id")


def _connect_ferries(roads: gpd.GeoDataFrame, max_m: float | None, at: str) -> None:
    """Join the ferry ends of a normalised layer to the nearest road (:func:`join_ferry_ends`). In place."""
    ferry = roads["ferry"].to_numpy()
    if not ferry.any() or ferry.all():
        return
    geoms = join_ferry_ends(roads.geometry.to_numpy(), ferry, max_m, at)
    roads[roads.geometry.name] = geoms


def read_roads(
    path: PathLike,
    *,
    layer: str | None = None,
    include_paths: bool = False,
    include_planned: bool = False,
    clip: Any = None,
    connect_ferries_m: float | None = None,
) -> gpd.GeoDataFrame:
    """Read a Kartverket road layer (N1000, N50, Elveg) as a normalised road layer in EPSG:25833.

    Parameters
    ----------
    path
        GeoPackage, GML, GeoJSON, FileGDB or shape file (also zipped).
    layer
        Default: ``Veglenke``, ``n1000_veg`` or ``VegSenterlinje`` when present.
    include_paths
        Keep links not drivable by car (paths, tracks, cycle ways, passenger ferries).
    include_planned
        Keep planned (``vegfase`` P) and under-construction (A) links.
    clip
        Optional polygon (geometry or GeoDataFrame): keep links that intersect it (not cut).
    connect_ferries_m
        Ferry ends that stop short of the road are joined to the nearest road within this many
        metres (default ``readers.ferry_connect_m``, 1000 m; 0 turns it off).

    Returns
    -------
    geopandas.GeoDataFrame
        ``id`` (str), ``vegkategori`` (E/R/F/K/P), ``vegnummer`` (float, NaN if none), ``typeVeg``,
        ``ferry`` (bool), ``medium`` (T on the ground, U tunnel, L bridge...; None if absent),
        ``motorvegtype`` (motorveg/motortrafikkveg, used by the network for speeds; None if absent),
        ``oneway`` (False), single-part LineStrings.
    """
    gdf, lyr = read_vector(path, layer, prefer=_ROAD_LAYERS, what="road")
    return normalise_roads(gdf, file=path, layer=lyr, include_paths=include_paths,
                           include_planned=include_planned, clip=clip, connect_ferries_m=connect_ferries_m)


def read_road_graph(
    path: PathLike,
    *,
    layer: str | None = None,
    clip: Any = None,
    include_planned: bool = False,
    connect_ferries_m: float | None = None,
    cache: Any = True,
    **graph_options: Any,
) -> Any:
    """Read a road layer and build the routable graph in one call.

    ``network.graph_from_roads(read_roads(path, ...), **graph_options)``: speeds per
    ``vegkategori`` (and motorway type) from the ``network.speed_kph.*`` defaults, car ferries
    included (``include_ferries=False`` leaves them out), every part of the network kept and
    reported (see :func:`arealsirk.network.graph_from_roads` for every option).

    Parameters
    ----------
    path
        GeoPackage, GML, GeoJSON, FileGDB or shape file (also zipped), as for :func:`read_roads`.
    layer
        Default: ``Veglenke``, ``n1000_veg`` or ``VegSenterlinje`` when present.
    clip
        Optional polygon (geometry or GeoDataFrame): keep links that intersect it (not cut).
    include_planned
        Keep planned (``vegfase`` P) and under-construction (A) links; default ``False``. Links not
        drivable by car are always left out.
    connect_ferries_m
        Join limit of ferry ends to the nearest road, metres; ``None`` (default): the
        ``readers.ferry_connect_m`` row; 0 turns it off.
    cache
        Keep the graph on disk keyed by a SHA-256 of the file's bytes and of every option
        (``True``, default: ``$AREALSIRK_CACHE_DIR`` or ``~/.cache/arealsirk``; a path: that folder;
        False: no cache).  A second run on the same file and options neither reads the layer nor
        nodes it: on the national N1000 layer the graph is ready to route in about 0.1 s.
    **graph_options
        Passed to :func:`arealsirk.network.graph_from_roads` (``include_ferries``, ``keep``,
        ``land``, ``parameters``, ``speed_column``, ``tolerance``, ...); part of the cache key.

    Returns
    -------
    networkx.MultiDiGraph
        Edges with ``length`` (m) and ``travel_time`` (s) (a :class:`arealsirk.network.RoadGraph`).
    """
    import shapely

    from ..network import RoadGraph, disk_cache, finish_graph, graph_from_roads, network_parameters

    store = disk_cache(cache)
    key = None
    land = graph_options.pop("land", None)
    if store is not None and Path(path).is_file():
        area = as_geometry(clip) if clip is not None else None
        opts = {"layer": layer, "clip": shapely.to_wkb(area, hex=True) if area is not None else None,
                "include_planned": include_planned, "connect_ferries_m": connect_ferries_m,
                "graph": graph_options, "parameters": network_parameters(graph_options.get("parameters"))}
        key = store.key_of_file(path, opts)
        arrays = store.load(key)
        if arrays is not None:
            at = where(file=path, layer=layer)
            log.info("%sroad graph loaded from the cache (%s)", at, store.path(key))
            graph = RoadGraph(arrays, name=str(layer) if layer is not None else "roads")
            params = network_parameters(graph_options.get("parameters"))
            finish_graph(graph, graph.graph["parts"], land, params, at)
            return graph
    roads = read_roads(path, layer=layer, include_planned=include_planned, clip=clip,
                       connect_ferries_m=connect_ferries_m)
    graph = graph_from_roads(roads, file=path, layer=layer, connect_ferries_m=connect_ferries_m, land=land,
                             **graph_options)
    if store is not None and key is not None and getattr(graph, "road_arrays", None) is not None:
        from ..network import chain_arrays

        arrays = graph.road_arrays
        arrays.update(chain_arrays(graph))  # stored too: the first query needs no chain building
        store.save(key, arrays)
    return graph
