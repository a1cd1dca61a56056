"""SSB population on the statistical grid ("befolkning på rutenett"): 250 m, 1 km and 5 km cells.

SSB identifies each cell by a 14-digit number made of the easting and northing of the cell's
**lower-left corner** in EPSG:25833, the easting shifted by 2 000 000 so that it is always positive::

    id = (x + 2 000 000) * 10**7 + y          e.g. 22630006649000 -> x = 263 000, y = 6 649 000

(SSB, "Statistikk på rutenett", documentation of the national statistical grid; the same rule is
checked in the tests against the ``x_ll``/``y_ll`` columns of the region GeoPackages).

SSB and Geonorge publish the grids as CSV (``ru250m;pop_tot``, ``ssbid_1000m;pop_tot;...`` with a
decimal comma in ``pop_ave``, ``ru5000m;...``) and as GeoPackage/shape files; :func:`read_ssb_grid`
reads all of them into one normalised layer.
"""

from __future__ import annotations

import csv
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..errors import InputError, MissingColumnError, where
from ._common import PathLike, as_geometry, find_column, gdal_path, read_vector

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

log = logging.getLogger("arealsirk")

__all__ = ["SSB_X_OFFSET", "decode_ssb_id", "encode_ssb_id", "read_ssb_grid", "ssb_cells"]

#: Added to the easting in SSB cell ids so that it is positive (SSB grid definition).
SSB_X_OFFSET = 2_000_000
_ID_ALIASES = ("ssbid", "ru250m", "ru1000m", "ru5000m", "ssbid_250m", "ssbid_1000m", "ssbid_5000m",
               "ssbid250m", "ssbid1000m", "ssbid5000m", "rute_id", "ruteid", "id")
_POP_ALIASES = ("pop_tot", "poptot", "tot_pop", "population", "befolkning", "folkemengde", "antall", "sum",
                "pop")
#: National envelope of EPSG:25833 coordinates (with margin) used to recognise a wrong id column.
_NORWAY = (-200_000, 6_300_000, 1_300_000, 8_100_000)


def decode_ssb_id(ids: Any) -> tuple[np.ndarray, np.ndarray]:
    """Lower-left corner (x, y) in EPSG:25833 of SSB cell ids.

    ``x = id // 10**7 - 2 000 000``, ``y = id mod 10**7``.

    Parameters
    ----------
    ids
        SSB grid cell ids (``ssbid``/``ru250m``: integers or digit strings), one or an array.

    Returns
    -------
    tuple of numpy.ndarray
        x and y of each cell's lower-left corner, metres (int64).
    """
    arr = np.asarray(ids, dtype=np.int64)
    return arr // 10**7 - SSB_X_OFFSET, arr % 10**7


def encode_ssb_id(x: Any, y: Any) -> np.ndarray:
    """SSB cell id of the cell whose lower-left corner is (x, y) in EPSG:25833.

    Parameters
    ----------
    x, y
        Lower-left corner coordinates, whole metres on the cell grid (numbers or arrays; truncated
        to integers).
    """
    return (np.asarray(x, dtype=np.int64) + SSB_X_OFFSET) * 10**7 + np.asarray(y, dtype=np.int64)


def ssb_cells(ids: Any, cell_m: int, *, geometry: Literal["polygon", "centroid"] = "polygon") -> Any:
    """Shapely geometries (square polygons or centre points) of SSB cells, EPSG:25833.

    Parameters
    ----------
    ids
        SSB cell ids (see :func:`decode_ssb_id`).
    cell_m
        Cell side, metres (250, 1000, ...); the id gives only the corner.
    geometry
        ``"polygon"`` (default): the square cells; ``"centroid"``: their centre points.
    """
    import shapely

    x, y = decode_ssb_id(ids)
    if geometry == "centroid":
        return shapely.points(x + cell_m / 2.0, y + cell_m / 2.0)
    return shapely.box(x, y, x + cell_m, y + cell_m)


def _cell_size_from_name(name: str) -> int | None:
    m = re.search(r"(\d+)\s*(k?m)\b", name.lower()) or re.search(r"(\d+)(k?m)", name.lower())
    if not m:
        return None
    size = int(m.group(1)) * (1000 if m.group(2) == "km" else 1)
    return size if size in (100, 250, 500, 1000, 5000, 10000, 25000, 50000) else None


def _read_csv(path: Path) -> pd.DataFrame:
    """Read an SSB grid CSV as text columns; detect delimiter and encoding."""
    import pandas as pd

    with path.open("rb") as fh:
        head = fh.read(4096)
    encoding = "utf-8-sig"
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a multi-byte character cut at the end
            encoding = "cp1252"
    first = head.decode(encoding, errors="replace").lstrip("\ufeff").split("\n", 1)[0]
    counts = {d: first.count(d) for d in (";", "\t", ",")}
    delim = max(counts, key=lambda d: counts[d])
    if counts[delim] == 0:
        raise InputError(f"{path}: header line {first[:80]!r} has no ';', ',' or tab - "
                         "not a delimited SSB grid file")
    try:
        frame = pd.read_csv(path, sep=delim, dtype=str, keep_default_na=False, encoding=encoding,
                            quoting=csv.QUOTE_MINIMAL)
    except UnicodeDecodeError:
        frame = pd.read_csv(path, sep=delim, dtype=str, keep_default_na=False, encoding="cp1252")
    except Exception as exc:
        raise InputError(f"{path}: cannot be read as a '{delim}'-separated table ({exc})") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _to_numbers(series: pd.Series, *, file: object, column: str) -> np.ndarray:
    """Numbers from text with either decimal point or decimal comma ("39,9")."""
    import pandas as pd

    fast = pd.to_numeric(series, errors="coerce")  # plain numbers: no string work needed
    if not fast.isna().any():
        return fast.to_numpy(dtype=float)
    text = series.astype(str).str.strip().str.replace("\u00a0", "", regex=False)
    text = text.str.replace(" ", "", regex=False)
    comma = text.str.contains(",", regex=False)
    if comma.any():
        text = text.str.replace(",", ".", regex=False)
    text = text.replace({"": None, ".": None, "..": None, "-": None})
    values = pd.to_numeric(text, errors="coerce")
    bad = values.isna() & text.notna()
    if bad.any():
        raise InputError(f"{where(file=file, column=column)}values must be numbers; "
                         f"found {series[bad].iloc[0]!r}")
    return values.to_numpy(dtype=float)


def read_ssb_grid(
    path: PathLike,
    *,
    layer: str | None = None,
    cell_m: int | None = None,
    geometry: Literal["polygon", "centroid"] = "polygon",
    id_column: str | None = None,
    population_column: str | None = None,
    clip: Any = None,
    kommuner: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Read an SSB population grid (CSV or vector file) into cells in EPSG:25833.

    Parameters
    ----------
    path
        SSB grid CSV (``ru250m_2015.csv``, ``nor2015pop_1kmruter.csv`` with decimal comma, ...) or a
        GeoPackage/GeoJSON/shape layer with an SSB id column.
    layer
        Layer name for multi-layer files.
    cell_m
        Cell size in metres; by default taken from the id column name (``ru250m`` -> 250,
        ``ssbid_1000m`` -> 1000, ``ru5000m`` -> 5000) or, failing that, from the id spacing.
    geometry
        ``"polygon"`` (the square cell) or ``"centroid"`` (its centre point).
    id_column, population_column
        Override the detected id column (``ru250m``, ``ssbid_1000m``, ``ssbid`` ...) and population
        column (``pop_tot``, ``population`` ...).
    clip
        Optional polygon (shapely geometry, GeoSeries or GeoDataFrame; GeoDataFrames are reprojected):
        keep cells whose **centre** lies in it. Whole cells are kept, so the population of the kept
        cells is the exact published figure (no areal interpolation).
    kommuner
        Optional kommune polygons with ``kommunenummer``: each cell gets the kommunenummer of the
        kommune containing its centre (cells whose centre falls outside every kommune get None).

    Returns
    -------
    geopandas.GeoDataFrame
        ``ssbid`` (str), ``cell_m``, ``x_ll``, ``y_ll`` (lower-left corner), ``population`` (int,
        from ``pop_tot``), the file's other numeric columns (``pop_mal``, ``pop_fem``, ``pop_ave``),
        [``kommunenummer``], geometry; validated with :func:`arealsirk._validate.validate_layer`.
        ``population.sum()`` equals the file's column sum (before clipping).

    Raises
    ------
    MissingColumnError, InputError
        Naming the file, layer and column (no id column, ids that are not SSB ids, cell size not
        matching the ids, non-numeric populations, a one-column file read with the wrong delimiter).
    """
    import geopandas as gpd

    from .._validate import validate_layer

    frame, layer_name, p = _read_grid_frame(path, layer)
    at = where(file=path, layer=layer_name)
    idc, ids, x, y = _cell_ids(frame, path, layer_name, id_column)
    popc = population_column or find_column(frame.columns, _POP_ALIASES)
    if popc is None or popc not in frame.columns:
        have = ", ".join(map(str, frame.columns))
        at_pop = where(file=path, layer=layer_name, column=population_column or "pop_tot")
        raise MissingColumnError(f"{at_pop}"
                                 f"no population column (pop_tot, population); columns present: {have}")
    size = _cell_size(cell_m, str(idc), p, ids, x, y, path=path, layer_name=layer_name)
    _check_corners(frame, ids, x, y, path=path, layer_name=layer_name)
    pop = _population_counts(frame, popc, path=path, layer_name=layer_name)
    data = _cell_columns(frame, ids, size, x, y, pop, idc, popc, path=path, layer_name=layer_name)
    if clip is not None:  # filter before building geometries: regional reads stay cheap
        keep = _centres_inside(clip, x + size / 2.0, y + size / 2.0, at)
        data = {k: np.asarray(v)[keep] for k, v in data.items()}
        ids = ids[keep]
    gdf = gpd.GeoDataFrame(data, geometry=ssb_cells(ids, size, geometry=geometry), crs=25833)

    if kommuner is not None:
        gdf["kommunenummer"] = _kommune_of_centres(gdf, kommuner)

    out = validate_layer(gdf, name="population grid", file=path, layer=layer_name,
                         geometry="point" if geometry == "centroid" else "polygon",
                         numeric=("population",), id_column="ssbid")
    out["population"] = out["population"].astype(np.int64)  # validate_layer returns floats
    return out


def _read_grid_frame(path: PathLike, layer: str | None) -> tuple[pd.DataFrame, str | None, Path | None]:
    """The grid's attribute table (a CSV, or a vector layer without its geometry), the layer read
    and the local path (None for a /vsi path); refuses a file read as one column."""
    import pandas as pd

    p = Path(path) if not str(path).startswith("/vsi") else None
    if p is not None and p.suffix.lower() in (".csv", ".txt"):
        gdal_path(path)  # raises MissingFileError
        frame: pd.DataFrame = _read_csv(p)
        layer_name = None
    else:
        frame, layer_name = read_vector(path, layer, prefer=(), what="SSB grid")
        frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    if len(frame.columns) == 1:
        only = frame.columns[0]
        sep = next((d for d in (";", ",", "\t") if d in only), None)
        raise InputError(f"{where(file=path, layer=layer_name)}read as a single column {only[:60]!r}"
                         + (f" - is the delimiter {sep!r}?" if sep
                            else "; expected an id and a population column"))
    return frame, layer_name, p


def _cell_ids(frame: pd.DataFrame, path: PathLike, layer_name: str | None,
              id_column: str | None) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray]:
    """The id column (given, an alias, or a column named like ``ssbid``/``ru250m``), its ids as
    int64 and their lower-left corners; refuses ids that are not 14-digit SSB ids of Norway."""
    import pandas as pd

    idc = id_column or find_column(frame.columns, _ID_ALIASES)
    if idc is None:
        idc = next((c for c in frame.columns if re.match(r"(ssbid|ru)\d*", str(c).lower())), None)
    if idc is None or idc not in frame.columns:
        have = ", ".join(map(str, frame.columns))
        raise MissingColumnError(f"{where(file=path, layer=layer_name, column=id_column or 'ssbid')}"
                                 f"no SSB cell id column (ru250m, ssbid_1000m, ru5000m, ssbid); "
                                 f"columns present: {have}")
    num = pd.to_numeric(frame[idc], errors="coerce").to_numpy(dtype=float)
    bad = ~(np.isfinite(num) & (num == np.floor(num)) & (num >= 1e12) & (num < 1e14))
    if bad.any():
        raise InputError(f"{where(file=path, layer=layer_name, column=idc)}not an SSB cell id "
                         f"(14 digits, e.g. 22630006649000); found {frame[idc][bad].iloc[0]!r} "
                         f"in {int(bad.sum())} row(s)")
    ids = num.astype(np.int64)  # exact: 14-digit integers are below 2**53
    x, y = decode_ssb_id(ids)
    outside = (x < _NORWAY[0]) | (x > _NORWAY[2]) | (y < _NORWAY[1]) | (y > _NORWAY[3])
    if outside.any():
        raise InputError(f"{where(file=path, layer=layer_name, column=idc)}ids do not decode to "
                         f"Norwegian EPSG:25833 corners (e.g. {ids[outside][0]} -> x={x[outside][0]}, "
                         f"y={y[outside][0]}); is this an SSB grid id column?")
    return idc, ids, x, y


def _cell_size(cell_m: int | None, idc: str, p: Path | None, ids: np.ndarray, x: np.ndarray, y: np.ndarray,
               *, path: PathLike, layer_name: str | None) -> int:
    """The cell size (m): ``cell_m``, else from the id column's or the file's name, else the
    smallest id spacing; refuses ids off that grid."""
    at = where(file=path, layer=layer_name)
    size = cell_m or _cell_size_from_name(idc) or (_cell_size_from_name(p.name) if p else None)
    if size is None:
        ux, uy = np.unique(x), np.unique(y)
        steps = np.concatenate([np.diff(ux), np.diff(uy)])
        steps = steps[steps > 0]
        if not len(steps):
            raise InputError(f"{at}cannot tell the cell size from one cell; pass cell_m=")
        size = int(steps.min())
        log.info("%scell size %d m inferred from the id spacing", at, size)
    size = int(size)
    off = (x % size != 0) | (y % size != 0)
    if off.any():
        raise InputError(f"{where(file=path, layer=layer_name, column=idc)}{int(off.sum())} id(s) are not "
                         f"on a {size} m grid (e.g. {ids[off][0]}); wrong cell_m?")
    return size


def _check_corners(frame: pd.DataFrame, ids: np.ndarray, x: np.ndarray, y: np.ndarray, *,
                   path: PathLike, layer_name: str | None) -> None:
    """Refuse ``x_ll``/``y_ll`` columns (when the file has them) that disagree with the ids."""
    import pandas as pd

    for col, corner in (("x_ll", x), ("y_ll", y)):
        if col in frame.columns:
            given = pd.to_numeric(frame[col], errors="coerce").to_numpy()
            if not np.array_equal(given, corner):
                i = int(np.argmax(given != corner))
                raise InputError(f"{where(file=path, layer=layer_name, column=col)}disagrees with the "
                                 f"cell id {ids[i]} ({given[i]} vs {corner[i]})")


def _population_counts(frame: pd.DataFrame, popc: Any, *, path: PathLike,
                       layer_name: str | None) -> np.ndarray:
    """The population column as numbers; refuses empty, negative and fractional counts."""
    pop = _to_numbers(frame[popc], file=path, column=popc)
    at = where(file=path, layer=layer_name, column=popc)
    if np.isnan(pop).any():
        raise InputError(f"{at}{int(np.isnan(pop).sum())} empty population value(s)")
    if (pop < 0).any():
        raise InputError(f"{at}negative population")
    if not np.allclose(pop, np.round(pop)):
        raise InputError(f"{at}population counts must be "
                         f"whole numbers; found {pop[pop != np.round(pop)][0]!r} - wrong column?")
    return pop


def _cell_columns(frame: pd.DataFrame, ids: np.ndarray, size: int, x: np.ndarray, y: np.ndarray,
                  pop: np.ndarray, idc: Any, popc: Any, *, path: PathLike,
                  layer_name: str | None) -> dict[str, Any]:
    """The output columns: ``ssbid``, ``cell_m``, corners, ``population`` and the file's other
    columns (as numbers when they are); refuses a cell id that appears twice."""
    import pandas as pd

    data: dict[str, Any] = {"ssbid": pd.Series(ids.astype(str)).to_numpy(dtype=object),
                            "cell_m": np.full(len(ids), size),
                            "x_ll": x, "y_ll": y, "population": np.round(pop).astype(np.int64)}
    for col in frame.columns:
        if col in (idc, popc, "x_ll", "y_ll") or col in data:
            continue
        try:
            data[str(col)] = _to_numbers(frame[col], file=path, column=str(col))
        except InputError:
            data[str(col)] = frame[col].to_numpy()
    dup = pd.Series(data["ssbid"]).duplicated().to_numpy()
    if dup.any():
        raise InputError(f"{where(file=path, layer=layer_name, column=idc)}cell id "
                         f"{data['ssbid'][dup][0]} appears more than once")
    return data


def _centres_inside(clip: Any, cx: np.ndarray, cy: np.ndarray, at: str) -> np.ndarray:
    """True for the cells whose centre (cx, cy) lies in the ``clip`` area; refuses an empty result."""
    import shapely

    area = as_geometry(clip)
    minx, miny, maxx, maxy = area.bounds
    near = (cx >= minx) & (cx <= maxx) & (cy >= miny) & (cy <= maxy)
    keep = np.zeros(len(cx), dtype=bool)
    shapely.prepare(area)
    keep[near] = shapely.contains_xy(area, cx[near], cy[near])
    log.info("%skept %d of %d cells with centre in the clip area", at, int(keep.sum()), len(keep))
    if not keep.any():
        raise InputError(f"{at}no cell centre lies inside the clip area (bounds "
                         f"{', '.join(f'{v:.0f}' for v in area.bounds)}) - wrong region or CRS?")
    return keep


def _kommune_of_centres(cells: gpd.GeoDataFrame, kommuner: gpd.GeoDataFrame) -> list[Any]:
    import geopandas as gpd

    from .._validate import validate_layer

    k = validate_layer(kommuner, name="kommuner", geometry="polygon", columns=("kommunenummer",))
    centres = gpd.GeoDataFrame({"_i": np.arange(len(cells))},
                               geometry=cells.geometry.centroid, crs=cells.crs)
    hit = gpd.sjoin(centres, k[["kommunenummer", k.geometry.name]], how="left", predicate="within")
    hit = hit.drop_duplicates("_i").sort_values("_i")
    return [None if (v is None or v != v) else str(v) for v in hit["kommunenummer"]]
