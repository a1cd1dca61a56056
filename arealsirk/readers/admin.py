"""Kartverket/Geonorge kommune and fylke layers, with 2024 kommunenummer and a crosswalk for old ones.

Reads the administrative units however a planner got them: Geonorge downloads ("Administrative
enheter - kommuner/fylker" as GeoJSON, GML or GeoPackage, also still zipped), the simplified
``Kommuner-M.geojson`` files, the N1000 ``Kommune`` layer or a region GeoPackage. Columns are
normalised to ``kommunenummer`` (4-digit string, 2024 structure), ``kommunenavn``, ``fylkesnummer``
and, when the file has one, ``population``.

Kommune numbers changed on 1.1.2020 and 1.1.2024 (regional reform and its partial reversal). Numbers
from before 2024 are translated with a crosswalk (by default SSB's 2020 -> 2024 table in the shared
data folder, ``ssb_population_kommune/folkemengde_kommune_2021.csv``; any table with old/new number
columns such as SSB KLASS correspondence exports works). Merged kommuner are dissolved into one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError, MissingFileError, where
from ._common import (
    PathLike,
    find_column,
    normalise_kommunenummer,
    read_vector,
    require_column,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

log = logging.getLogger("arealsirk")

__all__ = [
    "SPLIT_2024",
    "default_crosswalk_path",
    "kommune_crosswalk",
    "read_fylker",
    "read_kommune_population",
    "read_kommuner",
    "to_kommunenummer_2024",
]

_KNR = ("kommunenummer", "kommunenummer_2024", "kommunenr", "kommune_nr", "knr", "komm", "kommnr",
        "kommune_id")
_KNAVN = ("kommunenavn", "kommunenavn_2024", "navn", "name", "kommune", "komm_navn")
_FNR = ("fylkesnummer", "fylkesnr", "fylke_nr", "fnr", "fylke")
_FNAVN = ("fylkesnavn", "navn", "name", "fylke_navn")
_POP = ("population", "folkemengde", "folkemengde_2021", "folkemengde_2021_01_01", "befolkning",
        "innbyggere")
#: 2024 kommuner created by a split, so a 2020 -> 2024 table has no row *to* them
#: (Haram left Ålesund on 1.1.2024; SSB KLASS, kommuneendringer 2024).
SPLIT_2024: dict[str, str] = {"1580": "Haram"}
_OLD = ("kommunenummer_2020", "kommunenummer_old", "old", "oldcode", "sourcecode", "source_code",
        "fra", "from", "kommunenummer_fra")
_NEW = ("kommunenummer_2024", "kommunenummer_new", "new", "newcode", "targetcode", "target_code",
        "til", "to", "kommunenummer_til")


def default_crosswalk_path() -> Path:
    """SSB 2020 -> 2024 crosswalk in the shared data folder (``$AREALSIRK_DATA``)."""
    from ..paths import shared_data_dir

    return shared_data_dir() / "ssb_population_kommune" / "folkemengde_kommune_2021.csv"


def _read_table(path: PathLike) -> pd.DataFrame:
    import pandas as pd

    p = Path(path)
    if not p.exists():
        raise MissingFileError(f"{p}: file not found")
    raw = p.read_bytes()
    text = None
    for enc in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    assert text is not None
    first = text.split("\n", 1)[0]
    sep = max((";", ",", "\t"), key=first.count)
    import io

    return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)


def kommune_crosswalk(path: PathLike | None = None) -> pd.DataFrame:
    """Old -> 2024 kommunenummer table.

    Parameters
    ----------
    path
        CSV with an old-number and a new-number column (``kommunenummer_2020``/``kommunenummer_2024``,
        KLASS ``sourceCode``/``targetCode``, ``fra``/``til``); default :func:`default_crosswalk_path`.

    Returns
    -------
    pandas.DataFrame
        ``kommunenummer_old``, ``kommunenummer_2024``, ``kommunenavn_2024`` (if the table has names).
    """
    import pandas as pd

    path = path or default_crosswalk_path()
    table = _read_table(path)
    old = require_column(table, _OLD, file=path, layer=None, what="old kommunenummer")
    new = require_column(table, _NEW, file=path, layer=None, what="new (2024) kommunenummer")
    name = find_column(table.columns, ("kommunenavn_2024", "targetname", "navn_til", "kommunenavn_new"))
    out = pd.DataFrame({
        "kommunenummer_old": normalise_kommunenummer(table[old], file=path, column=old).to_numpy(),
        "kommunenummer_2024": normalise_kommunenummer(table[new], file=path, column=new).to_numpy(),
    })
    out["kommunenavn_2024"] = table[name].to_numpy() if name else None
    return out.drop_duplicates(["kommunenummer_old", "kommunenummer_2024"]).reset_index(drop=True)


def to_kommunenummer_2024(values: Iterable[Any], *, crosswalk: pd.DataFrame | PathLike | None = None,
                          strict: bool = False) -> pd.Series:
    """Translate kommunenummer to the 2024 structure.

    Numbers that are already 2024 numbers (a target of the crosswalk) are kept; older numbers are
    mapped; others are kept as they are (``strict=False``, logged) or rejected (``strict=True``).

    Parameters
    ----------
    values
        Kommunenummer as numbers or text (``301``, ``"0301"``); zero-padded to 4 digits first.
    crosswalk
        A :func:`kommune_crosswalk` table or its CSV path; ``None`` (default) reads
        :func:`default_crosswalk_path` (SSB 2020 -> 2024).
    strict
        ``False`` (default): a number neither in 2024 use nor in the crosswalk is kept and logged.
        ``True``: such numbers are an error.

    Returns
    -------
    pandas.Series
        The 2024 kommunenummer (4-digit text), one per value, in order.

    Raises
    ------
    InputError
        With ``strict=True``, listing the unknown numbers.
    """
    import pandas as pd

    cw = crosswalk if isinstance(crosswalk, pd.DataFrame) else kommune_crosswalk(crosswalk)
    series = normalise_kommunenummer(pd.Series(list(values)))
    current = set(cw["kommunenummer_2024"]) | set(SPLIT_2024)
    mapping = {o: n for o, n in zip(cw["kommunenummer_old"], cw["kommunenummer_2024"], strict=True)
               if o not in current or o == n}
    out = series.map(lambda v: v if v in current else mapping.get(v, v))
    unknown = sorted(set(series[~series.isin(current) & ~series.isin(list(mapping))]))
    if unknown:
        msg = f"kommunenummer not in the crosswalk: {', '.join(unknown[:10])}"
        if strict:
            raise InputError(msg)
        log.info("%s (kept as they are)", msg)
    return out


def _first_name(value: Any) -> Any:
    """Kartverket GML/GeoJSON may hold names as a list of {navn, sprak} objects; take the first."""
    if isinstance(value, (list, tuple)) and value:
        v = value[0]
        return v.get("navn", v) if isinstance(v, dict) else v
    if isinstance(value, dict):
        return value.get("navn", value)
    return value


def read_kommuner(
    path: PathLike,
    *,
    layer: str | None = None,
    kommunenummer: Iterable[str | int] | None = None,
    to_2024: bool = True,
    crosswalk: pd.DataFrame | PathLike | None = None,
) -> gpd.GeoDataFrame:
    """Read kommune polygons with normalised columns.

    Parameters
    ----------
    path
        GeoJSON, GeoPackage, GML or a zip of one of them (``/vsizip/`` is used automatically).
    layer
        Layer name; default: the only layer, or one named ``kommuner``/``Kommune``.
    kommunenummer
        Keep only these kommuner (2024 numbers; old numbers are translated too).
    to_2024
        Translate pre-2024 numbers with the crosswalk and dissolve merged kommuner.
    crosswalk
        A :func:`kommune_crosswalk` table or its CSV path (default: SSB 2020 -> 2024 table).

    Returns
    -------
    geopandas.GeoDataFrame
        ``kommunenummer`` (str, 4 digits), ``kommunenavn``, ``fylkesnummer`` (str, 2 digits),
        ``population`` (when the file has ``folkemengde*``/``population``), polygons in EPSG:25833.
    """
    import geopandas as gpd
    import pandas as pd

    from .._validate import validate_layer

    gdf, lyr = read_vector(path, layer, prefer=("kommuner", "kommune", "Kommuner-M", "Kommuner-S"),
                           what="kommune")
    knr = require_column(gdf, _KNR, file=path, layer=lyr, what="kommunenummer", suffix=True)
    kname = find_column(gdf.columns, _KNAVN, suffix=True)
    pop = find_column(gdf.columns, _POP) or next(
        (c for c in gdf.columns if str(c).lower().startswith("folkemengde")), None)
    out = gpd.GeoDataFrame({
        "kommunenummer": normalise_kommunenummer(gdf[knr], file=path, layer=lyr, column=knr),
        "kommunenavn": gdf[kname].map(_first_name).astype(object) if kname else None,
    }, geometry=gdf.geometry.to_numpy(), crs=gdf.crs)
    if pop is not None:
        out["population"] = pd.to_numeric(gdf[pop], errors="coerce").to_numpy()
    if to_2024:
        try:
            cw = crosswalk if isinstance(crosswalk, pd.DataFrame) else kommune_crosswalk(crosswalk)
        except MissingFileError:
            if crosswalk is not None:
                raise
            log.warning("%sno crosswalk found (set AREALSIRK_DATA); kommunenummer kept as read",
                        where(file=path, layer=lyr))
            cw = None
        if cw is not None:
            new = to_kommunenummer_2024(out["kommunenummer"], crosswalk=cw)
            changed = new.to_numpy() != out["kommunenummer"].to_numpy()
            if changed.any():
                log.info("%stranslated %d kommunenummer to the 2024 structure",
                         where(file=path, layer=lyr), int(changed.sum()))
                names = dict(zip(cw["kommunenummer_2024"], cw["kommunenavn_2024"], strict=True))
                out["kommunenummer"] = new.to_numpy()
                out.loc[changed, "kommunenavn"] = [names.get(n) or old for n, old in
                                                   zip(new[changed], out.loc[changed, "kommunenavn"],
                                                       strict=True)]
    if out["kommunenummer"].duplicated().any():
        agg: dict[str, Any] = {"kommunenavn": "first"}
        if "population" in out:
            agg["population"] = "sum"
        out = out.dissolve(by="kommunenummer", aggfunc=agg, as_index=False)
    out["fylkesnummer"] = out["kommunenummer"].str[:2]
    if kommunenummer is not None:
        wanted = normalise_kommunenummer(pd.Series(list(kommunenummer)), column="kommunenummer")
        if to_2024 and cw is not None:
            wanted = to_kommunenummer_2024(wanted, crosswalk=cw)
        missing = sorted(set(wanted) - set(out["kommunenummer"]))
        if missing:
            raise InputError(f"{where(file=path, layer=lyr, column=knr)}kommunenummer not found: "
                             f"{', '.join(missing)}")
        out = out[out["kommunenummer"].isin(set(wanted))]
    cols = ["kommunenummer", "kommunenavn", "fylkesnummer"] + (["population"] if "population" in out else [])
    out = gpd.GeoDataFrame(out[cols], geometry=out.geometry, crs=out.crs)
    return validate_layer(out, name="kommuner", file=path, layer=lyr, geometry="polygon",
                          id_column="kommunenummer")


def read_fylker(path: PathLike, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read fylke polygons: ``fylkesnummer`` (str, 2 digits), ``fylkesnavn``, EPSG:25833.

    Works on Kartverket's zipped ``Basisdata_0000_Norge_25833_Fylker_GeoJSON.zip`` (layer ``Fylke``
    picked automatically) as well as simplified GeoJSON files.

    Parameters
    ----------
    path
        GeoJSON, GeoPackage, GML or a zip of one of them (``/vsizip/`` is used automatically).
    layer
        Layer name; ``None`` (default): the only layer, or the first of ``Fylke``, ``fylker``,
        ``Fylker-M``, ``Fylker-S`` the file holds.
    """
    import geopandas as gpd

    from .._validate import validate_layer

    gdf, lyr = read_vector(path, layer, prefer=("Fylke", "fylker", "Fylker-M", "Fylker-S"), what="fylke")
    fnr = require_column(gdf, _FNR, file=path, layer=lyr, what="fylkesnummer", suffix=True)
    fname = find_column(gdf.columns, _FNAVN, suffix=True)
    if fname is None and "administrativenhetnavn" in gdf.columns:
        fname = "administrativenhetnavn"
    out = gpd.GeoDataFrame({
        "fylkesnummer": normalise_kommunenummer(gdf[fnr], file=path, layer=lyr, column=fnr, digits=2),
        "fylkesnavn": gdf[fname].map(_first_name).astype(object) if fname else None,
    }, geometry=gdf.geometry.to_numpy(), crs=gdf.crs)
    return validate_layer(out, name="fylker", file=path, layer=lyr, geometry="polygon",
                          id_column="fylkesnummer")


def read_kommune_population(path: PathLike | None = None) -> pd.DataFrame:
    """Population per kommune (SSB table 07459 export) summed by 2024 kommunenummer.

    Parameters
    ----------
    path
        CSV with a kommunenummer column and a population column; when it also has a 2024 number
        column (as the shared ``folkemengde_kommune_2021.csv``) that one is used, so merged kommuner
        are summed. Default: the shared SSB file.

    Returns
    -------
    pandas.DataFrame
        ``kommunenummer``, ``kommunenavn``, ``population`` (int).
    """
    import pandas as pd

    path = path or default_crosswalk_path()
    table = _read_table(path)
    knr = find_column(table.columns, ("kommunenummer_2024",)) or require_column(
        table, (*_KNR, "region"), file=path, layer=None, what="kommunenummer")
    popc = find_column(table.columns, _POP) or next(
        (c for c in table.columns if str(c).lower().startswith("folkemengde")), None)
    if popc is None:
        raise InputError(f"{where(file=path, column='folkemengde')}no population column "
                         f"(folkemengde*, population); columns present: {', '.join(table.columns)}")
    name = find_column(table.columns, ("kommunenavn_2024", *_KNAVN))
    values = pd.to_numeric(table[popc].str.replace(" ", "", regex=False), errors="coerce")
    if values.isna().any():
        raise InputError(f"{where(file=path, column=popc)}values must be numbers; "
                         f"found {table[popc][values.isna()].iloc[0]!r}")
    frame = pd.DataFrame({"kommunenummer": normalise_kommunenummer(table[knr], file=path, column=knr),
                          "kommunenavn": table[name] if name else None, "population": values})
    out = frame.groupby("kommunenummer", as_index=False).agg(
        kommunenavn=("kommunenavn", "first"), population=("population", "sum"))
    out["population"] = out["population"].round().astype("int64")
    return out
