"""Kartverket Matrikkelen address points (Geonorge "Matrikkelen - Adresse") as proxy points.

Geonorge delivers the addresses per kommune as CSV (``Basisdata_<knr>_<navn>_25833_MatrikkelenAdresse.csv``):
``;``-separated, UTF-8 with a byte-order mark, 46 columns, coordinates in ``Nord``/``Øst`` in the CRS
given by ``EPSG-kode``. :func:`read_addresses` reads that file (or a GeoPackage of the same points);
:func:`population_from_addresses` spreads SSB grid population over the addresses inside each cell,
a common dasymetric refinement (addresses as a proxy for dwellings).
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError, where
from ._common import (
    PathLike,
    find_column,
    normalise_kommunenummer,
    read_semicolon_text,
    read_vector,
    require_column,
)

if TYPE_CHECKING:
    import geopandas as gpd

log = logging.getLogger("arealsirk")

__all__ = ["population_from_addresses", "read_addresses"]

_KEEP = ("kommunenummer", "kommunenavn", "adressetype", "adressenavn", "nummer", "bokstav",
         "adresseTekst", "postnummer", "poststed", "grunnkretsnummer", "grunnkretsnavn",
         "tettstednummer", "tettstednavn", "gardsnummer", "bruksnummer")


def read_addresses(path: PathLike, *, layer: str | None = None, kommunenummer: str | None = None
                   ) -> gpd.GeoDataFrame:
    """Read Matrikkel address points.

    Parameters
    ----------
    path
        Geonorge CSV (``;``, UTF-8 BOM, ``Nord``/``Øst``/``EPSG-kode``) or a vector file of points.
    layer
        Layer for multi-layer vector files.
    kommunenummer
        Keep only addresses of this kommune.

    Returns
    -------
    geopandas.GeoDataFrame
        ``id`` (``lokalid``), ``kommunenummer`` (4 digits) and the key address columns
        (``adresseTekst``, ``postnummer``, ``grunnkretsnummer``, ``tettstednavn`` ...), points in
        EPSG:25833.

    Raises
    ------
    MissingColumnError, InputError
        Naming the file and column (no ``Nord``/``Øst``, a comma-separated file, non-numeric
        coordinates).
    """
    import geopandas as gpd
    import pandas as pd

    from .._validate import validate_layer

    p = Path(path)
    lyr = None
    if p.suffix.lower() in (".csv", ".txt"):
        text, header = read_semicolon_text(p)
        if ";" not in header:
            sep = "," if "," in header else None
            raise InputError(f"{p}: header has no ';' - Geonorge address CSVs are ';'-separated"
                             + (f"; this file looks '{sep}'-separated (re-export it with ';' or pass "
                                "a GeoPackage)" if sep else ""))
        frame = pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False)
        frame = frame.replace({"": None})  # empty fields (no tettsted, no bokstav) -> missing
        nord = require_column(frame, ("Nord", "nord", "northing", "y"), file=p, layer=None,
                              what="northing of the address point")
        ost = require_column(frame, ("Øst", "Ost", "øst", "east", "easting", "x"), file=p, layer=None,
                             what="easting of the address point")
        coords = {}
        for c in (nord, ost):
            vals = pd.to_numeric(frame[c].str.replace(",", ".", regex=False), errors="coerce")
            if vals.isna().any():
                raise InputError(f"{where(file=p, column=c)}{int(vals.isna().sum())} address(es) "
                                 f"without a number (e.g. {frame[c][vals.isna()].iloc[0]!r})")
            coords[c] = vals.to_numpy()
        epsg_col = find_column(frame.columns, ("EPSG-kode", "epsg", "epsg_kode"))
        epsg = 25833
        if epsg_col is not None:
            codes = set(frame[epsg_col].str.strip()) - {""}
            if len(codes) > 1:
                raise InputError(f"{where(file=p, column=epsg_col)}mixed CRSs {sorted(codes)}; "
                                 "export one CRS per file")
            if codes:
                epsg = int(codes.pop())
        gdf = gpd.GeoDataFrame(frame.drop(columns=[nord, ost]),
                               geometry=gpd.points_from_xy(coords[ost], coords[nord]), crs=epsg)
    else:
        gdf, lyr = read_vector(path, layer, prefer=("adresser", "adresse", "vegadresse"), what="address")
    idc = find_column(gdf.columns, ("lokalid", "adresseId", "id"))
    knr = require_column(gdf, ("kommunenummer", "kommunenr", "knr"), file=path, layer=lyr,
                         what="kommunenummer")
    out = gpd.GeoDataFrame({"id": gdf[idc].astype(str).to_numpy() if idc else
                            [f"a{i}" for i in range(len(gdf))]}, geometry=gdf.geometry.to_numpy(),
                           crs=gdf.crs)
    out["kommunenummer"] = normalise_kommunenummer(gdf[knr], file=path, layer=lyr, column=knr).to_numpy()
    for c in _KEEP[1:]:
        if c in gdf.columns:
            out[c] = gdf[c].to_numpy()
    if kommunenummer is not None:
        k = str(kommunenummer).zfill(4)
        out = out[out["kommunenummer"] == k]
        if not len(out):
            raise InputError(f"{where(file=path, layer=lyr, column=knr)}no address in kommune {k}")
    return validate_layer(out, name="addresses", file=path, layer=lyr, geometry="point", id_column="id")


def population_from_addresses(addresses: gpd.GeoDataFrame, grid: gpd.GeoDataFrame, *,
                              population_column: str = "population") -> gpd.GeoDataFrame:
    """Spread grid-cell population evenly over the address points inside each cell.

    ``population_i = P_c / n_c`` for every address ``i`` in cell ``c`` with ``n_c`` addresses; a
    populated cell with no address keeps one point at its centre carrying ``P_c``. The total is
    therefore preserved exactly (dasymetric mapping with addresses as the ancillary layer; see
    Eicher & Brewer 2001, Cartography and GIS 28(2)).

    Parameters
    ----------
    addresses
        Points (for example from :func:`read_addresses`).
    grid
        Population cells (polygons, e.g. from :func:`arealsirk.readers.read_ssb_grid`); an
        ``ssbid`` column names the cells (``c0``, ``c1``, ... when absent).
    population_column
        Column of ``grid`` with the people per cell; default ``"population"``. Cells with 0 or fewer
        people are left out.

    Returns
    -------
    geopandas.GeoDataFrame
        ``id``, ``ssbid``, ``population`` (float), ``source`` ("address" | "cell_centre"), points.
    """
    import geopandas as gpd
    import pandas as pd

    from .._validate import validate_layer

    a = validate_layer(addresses, name="addresses", geometry="point")
    g = validate_layer(grid, name="population grid", geometry="polygon", numeric=(population_column,))
    if "ssbid" not in g.columns:
        g["ssbid"] = [f"c{i}" for i in range(len(g))]
    g = g[g[population_column] > 0].reset_index(drop=True)
    hit = gpd.sjoin(a[[a.geometry.name]], g[["ssbid", population_column, g.geometry.name]],
                    how="inner", predicate="within")
    hit = hit[~hit.index.duplicated()]
    counts = hit.groupby("ssbid").size()
    hit["population"] = hit[population_column].to_numpy() / hit["ssbid"].map(counts).to_numpy()
    pts = gpd.GeoDataFrame({"ssbid": hit["ssbid"].to_numpy(), "population": hit["population"].to_numpy(),
                            "source": "address"}, geometry=a.geometry.loc[hit.index].to_numpy(), crs=a.crs)
    empty = g[~g["ssbid"].isin(counts.index)]
    centres = gpd.GeoDataFrame({"ssbid": empty["ssbid"].to_numpy(),
                                "population": empty[population_column].to_numpy(dtype=float),
                                "source": "cell_centre"}, geometry=empty.geometry.centroid.to_numpy(),
                               crs=g.crs)
    out = gpd.GeoDataFrame(pd.concat([pts, centres], ignore_index=True), crs=g.crs)
    out.insert(0, "id", [f"p{i}" for i in range(len(out))])
    log.info("population on %d address points and %d cell centres (cells without addresses)",
             len(pts), len(centres))
    return out
