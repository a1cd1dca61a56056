"""The one table of default numbers (buffers, yields, speeds, radii, payloads).

Every default number the library uses lives in ``defaults.csv`` beside this
module, with its unit and its source, so a planner can see -- and a scenario can
override -- every assumption.  Code never writes a default number inline; it
asks :func:`default`.

The table is rendered into ``docs/defaults.md`` by ``arealsirk defaults --markdown``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .errors import InputError

__all__ = ["Default", "default", "markdown", "table"]

_TABLE = Path(__file__).with_name("defaults.csv")


@dataclass(frozen=True)
class Default:
    """One row of the defaults table.

    Attributes
    ----------
    key
        Dotted key naming the number, ``<area>.<what>[.<variant>]`` (``"biogas.radius_km"``); the same
        key a scenario's ``[parameters]`` table uses to override it.
    value
        The default number, in ``unit``.
    unit
        Unit of ``value`` as written in the table (``"km"``, ``"Nm3/t"``, ``"-"`` for a pure number).
    source
        Where the number comes from: a publication (publisher, title, year, report number) or
        ``"Planning assumption: <why>"``.
    description
        What the number is used for, one sentence.
    """

    key: str
    value: float
    unit: str
    source: str
    description: str


@cache
def _rows() -> dict[str, Default]:
    rows: dict[str, Default] = {}
    with _TABLE.open(encoding="utf-8", newline="") as fh:
        for n, rec in enumerate(csv.DictReader(fh), start=2):
            key = rec["key"].strip()
            if key in rows:
                raise InputError(f"{_TABLE.name}, line {n}: key '{key}' appears twice")
            try:
                value = float(rec["value"])
            except ValueError as exc:
                raise InputError(f"{_TABLE.name}, line {n}: value of '{key}' is not a number") from exc
            rows[key] = Default(key, value, rec["unit"].strip(), rec["source"].strip(),
                                rec["description"].strip())
    return rows


def default(key: str) -> float:
    """Return the default value for ``key`` (for example ``"biogas.radius_km"``).

    Parameters
    ----------
    key
        A key of ``defaults.csv``, exactly as written there (case-sensitive).

    Returns
    -------
    float
        The table's value, in the row's unit.

    Raises
    ------
    InputError
        When the key is not in the table (the message lists close matches).
    """
    rows = _rows()
    try:
        return rows[key].value
    except KeyError:
        prefix = key.split(".")[0]
        near = sorted(k for k in rows if k.startswith(prefix + "."))
        hint = f"; keys under '{prefix}.': {', '.join(near)}" if near else ""
        raise InputError(f"unknown default '{key}'{hint}") from None


def table(prefix: str = "") -> list[Default]:
    """All rows whose key starts with ``prefix``, sorted by key.

    Parameters
    ----------
    prefix
        Plain string prefix of the keys to return (``"resources.methane_nm3_per_t."``); the default
        ``""`` returns the whole table. An exact key returns that one row (and any key it is a prefix
        of); a prefix matching nothing returns an empty list.
    """
    return [row for key, row in sorted(_rows().items()) if key.startswith(prefix)]


_HEADER = ("# Default numbers\n\nEvery default number arealsirk uses, with its unit and source "
           "(`arealsirk/defaults.csv`; regenerate this page with `make defaults`). Override any of them "
           "in a scenario's `[parameters]` table.\n\n")


def markdown(*, document: bool = False) -> str:
    """The table as Markdown; with ``document=True`` the whole ``docs/defaults.md`` page.

    Parameters
    ----------
    document
        ``False`` (default): only the Markdown table (key, value, unit, description, source), one row
        per key. ``True``: the table preceded by the page's title and introduction, as committed in
        ``docs/defaults.md``.
    """
    lines = ["| key | value | unit | description | source |", "|---|---|---|---|---|"]
    for row in table():
        value = f"{row.value:g}"
        lines.append(f"| `{row.key}` | {value} | {row.unit} | {row.description} | {row.source} |")
    return (_HEADER if document else "") + "\n".join(lines) + "\n"
