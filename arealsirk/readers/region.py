"""One call to load a region bundle (the shared ``ringerike_hadeland.gpkg``-style GeoPackages).

A region bundle is a GeoPackage holding ``kommuner``, ``region``, ``n1000_veg`` (roads),
``n1000_stasjon``, ``n1000_tettbebyggelse``, ``n1000_innsjo``, ``n1000_naturvernomrade`` and the SSB
grids ``ssb_befolkning_1km_2015``/``ssb_befolkning_250m_2015``. A user can build the same file for
their own region from Geonorge/SSB downloads (see ``docs/readers.md``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal

from ..errors import MissingFileError
from ._common import PathLike, list_vector_layers, read_vector

if TYPE_CHECKING:
    import geopandas as gpd

log = logging.getLogger("arealsirk")

__all__ = ["read_region_bundle"]

_OPTIONAL = {"stations": "n1000_stasjon", "settlements": "n1000_tettbebyggelse",
             "lakes": "n1000_innsjo", "protected": "n1000_naturvernomrade", "rail": "n1000_bane",
             "airports": "n1000_lufthavn",
             "forest": "n1000_skog", "mire": "n1000_myr", "sea": "n1000_havflate"}


def read_region_bundle(path: PathLike, *, grid: Literal["250m", "1km"] = "1km",
                       grid_geometry: Literal["polygon", "centroid"] = "polygon",
                       include_paths: bool = False) -> dict[str, gpd.GeoDataFrame]:
    """Read a region GeoPackage into normalised layers.

    Parameters
    ----------
    path
        A region bundle GeoPackage: layers ``kommuner``, ``n1000_veg`` and the SSB population grid
        (``ssb_befolkning_1km_2015`` or ``ssb_befolkning_250m_2015``), optionally ``region`` and the
        other N1000 layers (``n1000_stasjon``, ``n1000_tettbebyggelse``, ...).
    grid
        Which SSB population grid to read: ``"1km"`` (default) or ``"250m"``.
    grid_geometry
        ``"polygon"`` (default): population as grid cells; ``"centroid"``: as cell-centre points.
    include_paths
        ``True``: keep road links not drivable by car (see :func:`read_roads`); default ``False``.

    Returns
    -------
    dict
        ``kommuner`` (:func:`read_kommuner`), ``region`` (one polygon), ``roads``
        (:func:`read_roads`), ``population`` (:func:`read_ssb_grid`, with ``kommunenummer`` of the
        kommune containing each cell centre; cells outside the kommuner are dropped) and, when
        present, ``stations``, ``settlements``, ``lakes``, ``protected``, ``rail``, ``forest``,
        ``mire``, ``sea``, ``airports`` (EPSG:25833, original columns; names in ``name``).

    Raises
    ------
    MissingFileError
        The file lacks one of the three required layers (the message lists the layers present).
    """
    import geopandas as gpd

    from .._validate import validate_layer
    from .admin import read_kommuner
    from .roads import read_roads
    from .ssb import read_ssb_grid

    layers = list_vector_layers(path)
    grid_layer = {"250m": "ssb_befolkning_250m_2015", "1km": "ssb_befolkning_1km_2015"}[grid]
    for needed in ("kommuner", "n1000_veg", grid_layer):
        if needed not in layers:
            raise MissingFileError(f"{path}: no layer '{needed}' - not a region bundle; layers present: "
                                   f"{', '.join(layers)}")
    out: dict[str, gpd.GeoDataFrame] = {}
    kommuner = read_kommuner(path, layer="kommuner")
    if "population" in kommuner:
        kommuner["population"] = kommuner["population"].fillna(0).round().astype("int64")
    out["kommuner"] = kommuner
    if "region" in layers:
        region, _ = read_vector(path, "region", what="region")
        out["region"] = validate_layer(region, name="region", file=path, layer="region", geometry="polygon")
    else:
        out["region"] = gpd.GeoDataFrame({"region": ["region"]},
                                         geometry=[kommuner.union_all()], crs=kommuner.crs)
    out["roads"] = read_roads(path, layer="n1000_veg", include_paths=include_paths)
    pop = read_ssb_grid(path, layer=grid_layer, geometry=grid_geometry, kommuner=kommuner)
    out["population"] = pop[pop["kommunenummer"].notna()].reset_index(drop=True)
    for key, name in _OPTIONAL.items():
        if name in layers:
            gdf, _ = read_vector(path, name, what=key)
            if "navn" in gdf.columns and "name" not in gdf.columns:
                gdf = gdf.rename(columns={"navn": "name"})
            out[key] = validate_layer(gdf, name=key, file=path, layer=name)
    return out
