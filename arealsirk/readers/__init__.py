"""Readers for Norwegian open geodata: SSB grids, Kartverket kommuner/fylker, roads, addresses, OSM.

Every reader returns a validated GeoDataFrame in EPSG:25833 with normalised column names, and fails
with one clear message naming the file, layer and column. See ``docs/readers.md``.

=============================  ==============================================================
:func:`read_ssb_grid`          SSB population grid (250 m / 1 km / 5 km; CSV or vector)
:func:`read_kommuner`          kommune polygons, 2024 kommunenummer (old numbers translated)
:func:`read_fylker`            fylke polygons (also Kartverket's zipped download)
:func:`read_kommune_population`  population per 2024 kommune (SSB table 07459 export)
:func:`kommune_crosswalk`      old -> 2024 kommunenummer table
:func:`to_kommunenummer_2024`  translate numbers
:func:`read_roads`             N1000/N50/Elveg roads -> ``network.graph_from_roads`` input
:func:`read_road_graph`        the same, built into the routable graph in one call
:func:`read_addresses`         Matrikkel address points (Geonorge CSV)
:func:`population_from_addresses`  grid population spread over address points
:func:`read_livestock_register`  Landbruksdirektoratet's livestock register (head per farm by class)
:func:`read_osm_pois`          recycling stations and second-hand shops from ``.osm.pbf``
:func:`read_region_bundle`     all layers of a region GeoPackage at once
=============================  ==============================================================
"""

from __future__ import annotations

from ._common import read_vector
from .addresses import population_from_addresses, read_addresses
from .admin import (
    kommune_crosswalk,
    read_fylker,
    read_kommune_population,
    read_kommuner,
    to_kommunenummer_2024,
)
from .livestock import LIVESTOCK_CLASSES, livestock_class, read_livestock_register
from .osm import read_osm_pois
from .region import read_region_bundle
from .roads import normalise_roads, read_road_graph, read_roads
from .ssb import decode_ssb_id, encode_ssb_id, read_ssb_grid, ssb_cells

__all__ = [
    "LIVESTOCK_CLASSES",
    "decode_ssb_id",
    "encode_ssb_id",
    "kommune_crosswalk",
    "livestock_class",
    "normalise_roads",
    "population_from_addresses",
    "read_addresses",
    "read_fylker",
    "read_kommune_population",
    "read_kommuner",
    "read_livestock_register",
    "read_osm_pois",
    "read_region_bundle",
    "read_road_graph",
    "read_roads",
    "read_ssb_grid",
    "read_vector",
    "ssb_cells",
    "to_kommunenummer_2024",
]
