"""Numbers and units for people, in bokmål and English: the one number formatter of arealsirk.

:func:`fmt_number` writes every number the product shows (map popups, the map panel, the
report, ``summary.md``, the workflows' sentences): bokmål groups thousands with a narrow
no-break space (U+202F) and writes a decimal comma and a minus sign (``−12 345,6``); English
groups with a comma and writes a decimal point (``-12,345.6``).  :func:`fmt_spec` reads the
format specs of the message templates (``n0``, ``g3``, ``p1``) and :func:`fmt_figure` writes a
key figure with its unit (``53 274 t/år``, ``53,274 t/yr``); both call :func:`fmt_number`.
:func:`unit_label` is the one unit formatter (a unit code such as ``t/yr`` as written in a
language).
"""

from __future__ import annotations

import math
from typing import Any

from .strings import t

__all__ = ["UNITS", "fmt_figure", "fmt_number", "fmt_spec", "significant_decimals", "unit_label"]

#: Unit codes as written per language (a code not listed is written as it is).
UNITS: dict[str, dict[str, str]] = {
    "nb": {
        "t/yr": "t/år",
        "t": "t",
        "Nm3/yr": "Nm³/år",
        "GWh/yr": "GWh/år",
        "MWh/yr": "MWh/år",
        "m3/yr": "m³/år",
        "tonne-km/yr": "tonn-km/år",
        "tonne-km": "tonn-km",
        "trips/yr": "turer/år",
        "1/yr": "per år",
        "people": "personer",
        "NOK/yr": "kr/år",
        "NOK": "kr",
        "min": "min",
        "km": "km",
        "ha": "ha",
    },
    "en": {"Nm3/yr": "Nm3/yr"},
}


def unit_label(unit: str, lang: str = "en") -> str:
    """A unit code (``t/yr``, ``Nm3/yr``, ``people`` ...) as written in ``lang``.

    Parameters
    ----------
    unit
        The unit code; a code without an entry in :data:`UNITS` comes back as it is.
    lang
        ``"nb"`` or ``"en"``.
    """
    return UNITS.get(lang, UNITS["en"]).get(unit, unit)


def fmt_number(value: Any, lang: str, *, decimals: int | None = None, percent: bool = False) -> str:
    """Format a number for people: ``12 345,6`` in bokmål, ``12,345.6`` in English.

    Parameters
    ----------
    value
        A number; ``True``/``False`` become "ja"/"nei" ("yes"/"no"); text comes back as it is.
    lang
        ``"nb"`` or ``"en"``.
    decimals
        Decimals shown; ``None`` picks by magnitude (0 for >= 100 or a whole number, 1 for
        >= 10, else 2; 0 for a percentage).
    percent
        Write the share ``value`` as a percentage (``0.871`` -> ``87 %``).

    Returns
    -------
    str
        The number; missing values (None/NaN) give an empty string.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return t(lang, "yes" if value else "no")
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(x):
        return ""
    if percent:
        x *= 100.0
        if decimals is None:
            decimals = 0
    if decimals is None:
        ax = abs(x)
        decimals = 0 if ax >= 100 or float(x).is_integer() else (1 if ax >= 10 else 2)
    s = f"{x:,.{decimals}f}"
    if lang == "nb":
        s = s.replace(",", "\u202f").replace(".", ",").replace("-", "−")
    return s + (" %" if percent else "")


def significant_decimals(x: float, digits: int | None) -> int:
    """Decimals of ``x`` written like ``format(x, ".<digits>g")`` (``"g"`` when None): at most
    ``digits`` significant digits, trailing zeros dropped, but never an exponent.

    Parameters
    ----------
    x
        The number.
    digits
        Significant digits; ``None`` for the shortest form (as ``"g"``, six digits at most).
    """
    if x == 0 or not math.isfinite(x):
        return 0
    text = format(x, f".{digits}g" if digits else "g")
    if "e" in text:  # large numbers get no decimals, tiny ones enough for the significant digits
        return max(0, (digits or 6) - 1 - math.floor(math.log10(abs(x))))
    return len(text.split(".")[1]) if "." in text else 0


def fmt_spec(value: Any, lang: str, spec: str) -> str:
    """Format one number by a message-template spec in ``lang``.

    ``n0``/``n1``/``n2``: 0/1/2 decimals; ``g``/``g3``/``g4``: shortest form / 3 or 4
    significant digits (never an exponent); ``p0``/``p1``: a share as a percentage
    (``76 %`` in bokmål, ``76%`` inside an English sentence).  Missing values give ``-``.

    Parameters
    ----------
    value
        The number (text comes back as it is).
    lang
        ``"nb"`` or ``"en"``.
    spec
        The template spec (``n0``, ``g3``, ``p1``, ...); another spec is passed to :func:`format`.
    """
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(x):
        return "-"
    kind, arg = spec[:1], spec[1:]
    if kind == "p":
        text = fmt_number(x, lang, decimals=int(arg or 0), percent=True)
        return text if lang == "nb" else text[: -len(" %")] + "%"
    if kind == "n":
        return fmt_number(x, lang, decimals=int(arg or 0))
    if kind == "g":
        return fmt_number(x, lang, decimals=significant_decimals(x, int(arg) if arg else None))
    return format(value, spec)


def fmt_figure(value: Any, unit: str, lang: str = "en") -> str:
    """A key figure with its unit, as in ``summary.md`` and the map panel.

    ``53 274 t/år`` / ``53,274 t/yr`` (whole numbers from 100 up), ``8,86 GWh/år`` /
    ``8.86 GWh/yr`` (three significant digits below 100), ``99,3 %`` / ``99.3 %`` for the
    unit ``%`` (a share); text is written as it is with its unit; NaN gives ``-``.

    Parameters
    ----------
    value
        The figure (a number, or text from the data).
    unit
        Its unit code (``t/yr``, ``GWh/yr``, ``%``, ``""``), written by :func:`unit_label`.
    lang
        ``"nb"`` or ``"en"``.
    """
    u = unit_label(unit, lang)
    suffix = f" {u}" if u else ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value) + suffix
    if isinstance(value, float) and math.isnan(value):
        return "-"
    if unit == "%":
        return fmt_number(value, lang, decimals=1, percent=True)
    if isinstance(value, int) or abs(value) >= 100:
        text = fmt_number(value, lang, decimals=0)
    else:
        text = fmt_spec(value, lang, "g3")
    return text + suffix
