"""Landbruksdirektoratet's livestock register (produksjonstilskudd, husdyr) as one row per farm.

Landbruksdirektoratet publishes, for every application round of the production subsidy
("Produksjons- og avløsertilskudd til jordbruksforetak"), one row per farm business with the head of
livestock counted on the reference date (1 March for the spring round) under the subsidy codes
``p115`` ... ``p841`` (``pNNN_vaar`` in the spring file), the kommune of the operating centre
(``kommunenr``) and its cadastral id (``gaardsnummer``, ``bruksnummer``, ``festenummer``).
The file is ``;``-separated UTF-8; an empty field means no animals. The same layout is used for
every year (Datahotellet ``produksjon-og-avlosertilskudd/<year>/dataset.csv``), so
:func:`read_livestock_register` reads any year; the autumn round (``pNNN_hoest``) is read too.

The subsidy codes become named classes (:data:`LIVESTOCK_CLASSES`): ``dairy_cow`` for ``p120``
(Melkekyr), ``ewe`` for ``p145`` (Søyer) and so on. Codes that count a *part* of another code
(``p118`` suckler cows of specified breeds, the organic ``p8xx`` codes) are kept as columns but
marked ``subset_of`` so that no animal is counted twice.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import InputError, MissingColumnError, MissingFileError, where
from ._common import PathLike, read_semicolon_text

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger("arealsirk")

__all__ = ["LIVESTOCK_CLASSES", "LivestockClass", "livestock_class", "read_livestock_register"]


@dataclass(frozen=True)
class LivestockClass:
    """One subsidy code of the register as a named class of animals.

    Attributes
    ----------
    code
        Subsidy code of the register (Landbruksdirektoratet), e.g. ``"p120"``.
    name
        Class name used as column name, e.g. ``"dairy_cow"``.
    group
        Manure group: ``"cattle"``, ``"pig"``, ``"sheep_goat"``, ``"poultry"``, ``"horse"`` or
        ``"other"``.
    label_nb, label_en
        Display names in bokmål and English.
    subset_of
        Code of the class this code counts a part of (never summed with it), or ``None``.
    """

    code: str  #: subsidy code, e.g. "p120"
    name: str  #: class name used as column name, e.g. "dairy_cow"
    group: str  #: manure group: cattle, pig, sheep_goat, poultry, horse, other
    label_nb: str
    label_en: str
    subset_of: str | None = None  #: class this code counts a part of (never summed with it)


#: Subsidy codes of the register (Landbruksdirektoratet, fields.csv of the dataset) as named classes.
LIVESTOCK_CLASSES: dict[str, LivestockClass] = {
    c.code: c
    for c in [
        LivestockClass("p115", "horse_young", "horse", "Hester, under 3 år", "horses under 3 years"),
        LivestockClass("p116", "horse", "horse", "Hester, 3 år og eldre", "horses 3 years and older"),
        LivestockClass(
            "p118",
            "suckler_cow_breed",
            "cattle",
            "Herav (av P121) kyr av spesifiserte raser",
            "of which (of p121) cows of specified beef breeds",
            subset_of="suckler_cow",
        ),
        LivestockClass("p119", "other_cattle", "cattle", "Øvrig storfe", "other cattle"),
        LivestockClass("p120", "dairy_cow", "cattle", "Melkekyr", "dairy cows"),
        LivestockClass("p121", "suckler_cow", "cattle", "Ammekyr", "suckler cows"),
        LivestockClass("p139", "dairy_sheep", "sheep_goat", "Melkesau", "dairy sheep"),
        LivestockClass("p140", "dairy_goat", "sheep_goat", "Melkegeiter", "dairy goats"),
        LivestockClass("p142", "suckler_goat", "sheep_goat", "Ammegeiter", "suckler goats"),
        LivestockClass(
            "p144", "goat_young", "sheep_goat", "Bukker og ungdyr, medregnet kje", "bucks and young goats"
        ),
        LivestockClass("p145", "ewe", "sheep_goat", "Søyer", "ewes"),
        LivestockClass("p146", "ram", "sheep_goat", "Værer", "rams"),
        LivestockClass("p154", "piglet", "pig", "Smågriser under 20 kg", "piglets under 20 kg"),
        LivestockClass("p155", "sow", "pig", "Avlspurker", "breeding sows"),
        LivestockClass("p156", "boar", "pig", "Råner i avl", "breeding boars"),
        LivestockClass("p157", "fattening_pig", "pig", "Slaktegriser", "fattening pigs (20 kg and more)"),
        LivestockClass("p158", "gilt", "pig", "Ungpurker for avl", "gilts for breeding"),
        LivestockClass("p159", "young_boar", "pig", "Ungråner for avl", "young boars for breeding"),
        LivestockClass("p161", "laying_hen", "poultry", "Verpehøner", "laying hens"),
        LivestockClass(
            "p168",
            "breeding_fowl",
            "poultry",
            "Avlsdyr av ender, kalkuner og gjess",
            "breeding ducks, turkeys and geese",
        ),
        LivestockClass(
            "p174",
            "table_fowl",
            "poultry",
            "Ender, kalkuner og gjess for slakt",
            "ducks, turkeys and geese for slaughter",
        ),
        LivestockClass("p175", "pullet", "poultry", "Livkyllinger", "pullets (future laying hens)"),
        LivestockClass("p176", "broiler", "poultry", "Slaktekyllinger", "broilers"),
        LivestockClass("p178", "deer", "other", "Hjort, 1 år og eldre", "deer 1 year and older"),
        LivestockClass("p179", "deer_young", "other", "Hjort, under 1 år", "deer under 1 year"),
        LivestockClass("p180", "rabbit", "other", "Kaniner", "rabbits"),
        LivestockClass("p183", "ostrich", "other", "Struts", "ostriches"),
        LivestockClass("p192", "donkey", "other", "Esel", "donkeys"),
        LivestockClass("p196", "llama", "other", "Lama", "llamas"),
        LivestockClass("p197", "alpaca", "other", "Alpakka", "alpacas"),
        LivestockClass(
            "p801",
            "organic_dairy_cow",
            "cattle",
            "Økologiske melkekyr",
            "organic dairy cows",
            subset_of="dairy_cow",
        ),
        LivestockClass(
            "p802",
            "organic_suckler_cow",
            "cattle",
            "Økologiske ammekyr",
            "organic suckler cows",
            subset_of="suckler_cow",
        ),
        LivestockClass(
            "p803",
            "organic_other_cattle",
            "cattle",
            "Økologiske øvrige storfe",
            "organic other cattle",
            subset_of="other_cattle",
        ),
        LivestockClass(
            "p810",
            "organic_dairy_goat",
            "sheep_goat",
            "Økologiske melkegeiter",
            "organic dairy goats",
            subset_of="dairy_goat",
        ),
        LivestockClass(
            "p811",
            "organic_suckler_goat",
            "sheep_goat",
            "Økologiske ammegeiter",
            "organic suckler goats",
            subset_of="suckler_goat",
        ),
        LivestockClass(
            "p821", "organic_sheep", "sheep_goat", "Økologiske sauer", "organic sheep", subset_of="ewe"
        ),
        LivestockClass(
            "p830",
            "organic_breeding_pig",
            "pig",
            "Økologiske avlsgriser",
            "organic breeding pigs",
            subset_of="sow",
        ),
        LivestockClass(
            "p841",
            "organic_laying_hen",
            "poultry",
            "Økologiske verpehøner",
            "organic laying hens",
            subset_of="laying_hen",
        ),
    ]
}

_BY_NAME = {c.name: c for c in LIVESTOCK_CLASSES.values()}
_ID_COLUMNS = ("kommunenr", "gaardsnummer", "bruksnummer")
_CODE = re.compile(r"^(p\d{3})_(vaar|hoest)$")


def livestock_class(name_or_code: str) -> LivestockClass:
    """The :class:`LivestockClass` for a class name (``"dairy_cow"``) or a code (``"p120"``).

    Parameters
    ----------
    name_or_code
        Class name or subsidy code, case-insensitive, surrounding spaces ignored.

    Raises
    ------
    InputError
        For an unknown name or code (the message lists the known class names).
    """
    key = str(name_or_code).strip().lower()
    if key in _BY_NAME:
        return _BY_NAME[key]
    if key in LIVESTOCK_CLASSES:
        return LIVESTOCK_CLASSES[key]
    raise InputError(
        f"unknown livestock class {name_or_code!r}; known classes: {', '.join(sorted(_BY_NAME))}"
    )


def _read_text(path: Path) -> pd.DataFrame:
    import io

    import pandas as pd

    text, header = read_semicolon_text(path)
    if ";" not in header:
        raise InputError(
            f"{path}: header has no ';' - Landbruksdirektoratet's register is ';'-separated "
            f"(first line {header[:80]!r})"
        )
    return pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False)


def _register_file(p: Path) -> Path:
    """The register CSV: ``p`` itself, or the one register CSV in the folder ``p``."""
    if p.is_dir():
        files = sorted(p.glob("produksjonstilskudd_*husdyr*.csv")) or sorted(p.glob("*.csv"))
        files = [f for f in files if f.name != "fields.csv"]
        if len(files) != 1:
            raise MissingFileError(
                f"{p}: expected one register CSV (produksjonstilskudd_<year>_husdyr.csv), found {len(files)}"
            )
        p = files[0]
    return p


def _season_columns(frame: pd.DataFrame, p: Path, season: str | None) -> tuple[str, dict[str, str]]:
    """The count used (``season``, else spring when the file has it, else autumn) and its columns
    ``{subsidy code: column}``; codes without a named class are logged (and kept)."""
    codes = {m.group(1): (m.group(2), c) for c in frame.columns if (m := _CODE.match(c))}
    seasons = {s for s, _ in codes.values()}
    if not seasons:
        raise MissingColumnError(
            f"{where(file=p, column='p120_vaar')}no livestock columns (pNNN_vaar / "
            f"pNNN_hoest); columns present: {', '.join(frame.columns)}"
        )
    season = season or ("vaar" if "vaar" in seasons else "hoest")
    if season not in seasons:
        raise InputError(f"{p}: season {season!r} not in the file (it holds {', '.join(sorted(seasons))})")
    cols = {code: col for code, (s, col) in codes.items() if s == season}
    unknown = sorted(set(cols) - set(LIVESTOCK_CLASSES))
    if unknown:
        log.warning(
            "%s: livestock code(s) %s have no named class; they are kept as columns '%s'",
            p,
            ", ".join(unknown),
            "', '".join(unknown),
        )
    return season, cols


def _farm_table(frame: pd.DataFrame, p: Path) -> pd.DataFrame:
    """``farm_id``, ``year``, ``kommunenummer``, ``gnr``, ``bnr``, ``fnr`` of every row."""
    import pandas as pd

    from ._common import normalise_kommunenummer

    year_col = "soeknads_aar" if "soeknads_aar" in frame.columns else None
    out = pd.DataFrame(
        {
            "year": pd.to_numeric(frame[year_col], errors="coerce").fillna(0).astype(int) if year_col else 0,
            "kommunenummer": normalise_kommunenummer(frame["kommunenr"], file=p, column="kommunenr"),
        }
    )
    for src, dst in (("gaardsnummer", "gnr"), ("bruksnummer", "bnr"), ("festenummer", "fnr")):
        if src not in frame.columns:
            out[dst] = 0
            continue
        vals = pd.to_numeric(frame[src].replace("", "0"), errors="coerce")
        if vals.isna().any():
            raise InputError(f"{where(file=p, column=src)}not a number: {frame[src][vals.isna()].iloc[0]!r}")
        out[dst] = vals.astype(int)
    out.insert(0, "farm_id", [f"{y}-{i}" for i, y in enumerate(out["year"])])
    return out


def _add_head_counts(out: pd.DataFrame, frame: pd.DataFrame, cols: dict[str, str], p: Path) -> dict[str, str]:
    """Add one float column of head per livestock class to ``out`` (in place; empty fields = 0,
    refusing counts that are not whole numbers >= 0); returns ``{column: subsidy code}``."""
    import pandas as pd

    names: dict[str, str] = {}
    for code in sorted(cols):
        name = LIVESTOCK_CLASSES[code].name if code in LIVESTOCK_CLASSES else code
        text = frame[cols[code]].str.strip().replace("", "0")
        vals = pd.to_numeric(text, errors="coerce")
        bad = vals.isna() | (vals < 0) | (vals != np.floor(vals))
        if bad.any():
            raise InputError(
                f"{where(file=p, column=cols[code])}head of livestock must be whole numbers "
                f">= 0; found {frame[cols[code]][bad].iloc[0]!r} in {int(bad.sum())} row(s)"
            )
        out[name] = vals.astype(float)
        names[name] = code
    return names


def read_livestock_register(
    path: PathLike, *, kommuner: list[str] | tuple[str, ...] | None = None, season: str | None = None
) -> pd.DataFrame:
    """Read the production-subsidy livestock register: one row per farm, head by named class.

    Parameters
    ----------
    path
        ``produksjonstilskudd_<year>_husdyr.csv`` (or Datahotellet's ``dataset.csv``), or the folder
        holding one such file.
    kommuner
        Keep only farms whose operating centre lies in these kommuner (4-digit numbers).
    season
        ``"vaar"`` (spring count, 1 March) or ``"hoest"`` (autumn count); by default the one the file
        holds (spring when it holds both).

    Returns
    -------
    pandas.DataFrame
        ``farm_id`` (``"<year>-<row>"``), ``year``, ``kommunenummer`` (4-digit string), ``gnr``,
        ``bnr``, ``fnr`` (int), and one float column per class of :data:`LIVESTOCK_CLASSES`
        present in the file (``dairy_cow``, ``ewe`` ...; head of animals, empty fields = 0).
        ``frame.attrs["codes"]`` maps each class column to its subsidy code.

    Raises
    ------
    MissingFileError, MissingColumnError, InputError
        Naming the file and column: no kommunenr/gnr/bnr column, no ``pNNN_vaar`` column, a count that
        is not a whole number >= 0, a kommunenummer that is not a number.
    """
    p = _register_file(Path(path))
    frame = _read_text(p)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    for col in _ID_COLUMNS:
        if col not in frame.columns:
            raise MissingColumnError(
                f"{where(file=p, column=col)}missing column (the register has "
                f"{', '.join(_ID_COLUMNS)}); columns present: {', '.join(frame.columns)}"
            )
    season, cols = _season_columns(frame, p, season)
    out = _farm_table(frame, p)
    names = _add_head_counts(out, frame, cols, p)
    if kommuner is not None:
        wanted = [str(k).strip().zfill(4) for k in kommuner]
        missing = sorted(set(wanted) - set(out["kommunenummer"]))
        if missing:
            log.info("%s: no farm in kommune(s) %s", p, ", ".join(missing))
        out = out[out["kommunenummer"].isin(wanted)].reset_index(drop=True)
    out.attrs["codes"] = names
    out.attrs["file"] = str(p)
    log.info("%s: %d farms in %d kommuner (%s count)", p, len(out), out["kommunenummer"].nunique(), season)
    return out
