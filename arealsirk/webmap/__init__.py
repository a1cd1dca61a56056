"""Self-contained, offline, bilingual web maps of arealsirk results.

A politician opens the map from an e-mail or an intranet, often on a network that
blocks CDNs.  So the HTML written by :func:`write_map` carries every script, style,
icon and font inline (copied from npm packages at pinned versions, see
``arealsirk/_vendor/MANIFEST.json``) and opens with zero external requests.
Background tiles are an opt-in base layer ("needs internet") that loads nothing
until chosen; the default background is plain.

Maps stay small: geometries are simplified in metres before reprojection,
coordinates are rounded to 5 decimals (about 1 m), data travel as compact JSON
arrays, points are drawn on one canvas and clustered (Leaflet.markercluster) when
many, and popups are built on click.  Every text from input data reaches the page
through ``textContent`` or is HTML-escaped where Leaflet uses ``innerHTML`` (layer
names, attribution), and JSON inside ``<script>`` has ``<``, ``>`` and ``&``
escaped, so a source named ``</script><script>alert(1)</script>`` is shown as text.

Public functions: :func:`build_map`, :func:`write_map`, :func:`compare_maps`,
:func:`static_map`, :func:`map_from_gpkg`, :func:`read_run_info`, :func:`summary_table`,
:func:`with_indicators`.

The package: :mod:`.interactive` (build, write, compare), :mod:`.layers` (one builder per
result layer), :mod:`.elements` (folium elements that never template text; the runtime in
``assets/runtime.js`` and ``assets/runtime.css``), :mod:`.offline` (vendored scripts, styles
and fonts inlined), :mod:`.static` (PNG/PDF/SVG), :mod:`.summary` (the proposal panel),
:mod:`.results` (rebuild from ``results.gpkg``), :mod:`.common` (shared helpers).  Its words and
numbers come from :mod:`arealsirk.i18n`.
"""

from __future__ import annotations

from .common import (
    FACILITY_COLOURS,
    FALLBACK_COLOURS,
    KIND_COLOURS,
    LAYER_NAMES,
    MINUTE_COLOURS,
    OSM_TILES,
    SCORE_COLOURS,
)
from .interactive import build_map, compare_maps, write_map
from .results import map_from_gpkg, read_run_info, summary_table
from .static import static_map
from .summary import with_indicators

__all__ = [
    "FACILITY_COLOURS",
    "FALLBACK_COLOURS",
    "KIND_COLOURS",
    "LAYER_NAMES",
    "MINUTE_COLOURS",
    "OSM_TILES",
    "SCORE_COLOURS",
    "build_map",
    "compare_maps",
    "map_from_gpkg",
    "read_run_info",
    "static_map",
    "summary_table",
    "with_indicators",
    "write_map",
]
