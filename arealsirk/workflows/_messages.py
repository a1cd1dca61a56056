"""Explanations of the workflows in English and bokmål.

A workflow explains its answer in ``WorkflowResult.messages``.  Each entry is a
:class:`Message`: a ``str`` whose value is the English sentence (so
``result.messages`` stays a list of English strings for tests, logs and the QGIS
plugin) that also keeps its catalogue ``key`` and ``params`` and renders itself
in another language with :meth:`Message.render` (``"en"`` or ``"nb"``).

Templates use :meth:`str.format` fields with a few format specs of their own,
rendered per language:

``{x:n0}``, ``{x:n1}``, ``{x:n2}``
    a number with 0/1/2 decimals (``12,345.6`` in English, ``12 345,6`` in bokmål,
    via :func:`arealsirk.i18n.fmt_number`);
``{x:g}`` / ``{x:g3}`` / ``{x:g4}``
    shortest form / 3 or 4 significant digits (never an exponent in bokmål);
``{x:p0}``, ``{x:p1}``, ``{x:ps}``
    a share as a percentage (``76%`` in English, ``76 %`` in bokmål); ``ps`` gives whole percent,
    one decimal below 1 % (``0.2%``);
``{n:pl:one:many}``
    the singular or plural word for the count ``n``;
``{k:kind}``, ``{k:kinds}``, ``{c:scores}``, ``{b:benefits}``, ``{m:mix}``, ``{u:unit}``
    a source kind, a list of (kind, count), a list of (criterion, score), a list of
    (benefit column, value), a feedstock mix list of (kind, tonnes) and a unit.

Any other value is inserted as it is; a nested :class:`Message` is rendered in the
same language.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from typing import Any

from ..i18n import BENEFITS, CATALOGUE, NO_FEEDSTOCK, criterion_word, fmt_spec, kind_word, unit_label

# the message catalogue and the unit formatter live in arealsirk.i18n (the one string table)
__all__ = ["Message", "fmt", "render"]

#: The number formatter of the templates (``fmt(x, lang, "n0")``), see :func:`arealsirk.i18n.fmt_spec`.
fmt = fmt_spec


def _benefit(col: str, value: float, lang: str) -> str:
    en, nb, unit = BENEFITS.get(col, (col, col, ""))
    num = fmt(value, lang, "n0" if abs(value) >= 100 else "g3")
    return f"{nb if lang == 'nb' else en} {num}" + (f" {unit_label(unit, lang)}" if unit else "")


def _limits(value: Any, lang: str) -> str:
    """Haul limits: a list of (kind, km, defaults key); kind "" means one limit for every kind."""
    parts = []
    for kind, km, key in value:
        text = f"{fmt(float(km), lang, 'g')} km ({key})"
        parts.append(f"{kind_word(kind, lang)} {text}" if kind else text)
    return "; ".join(parts)


class _Formatter(string.Formatter):
    def __init__(self, lang: str, escape: Callable[[str], str] | None = None) -> None:
        super().__init__()
        self.lang = lang
        self.escape = escape

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, Message):
            value = value.render(self.lang, escape=self.escape)  # escaped inside, where the data is
            if not format_spec:
                return value
        text = self._field(value, format_spec)
        if self.escape is None or (format_spec[:1] in ("n", "g", "p") and format_spec[1:2] != "l"):
            return text  # numbers carry no markup
        return self.escape(text)

    def _field(self, value: Any, format_spec: str) -> str:
        lang = self.lang
        if not format_spec:
            return str(value)
        if format_spec.startswith("pl:"):
            _, one, many = format_spec.split(":", 2)
            return one if value == 1 else many
        if format_spec == "kind":
            return kind_word(value, lang)
        if format_spec == "unit":
            return unit_label(str(value), lang)
        if format_spec == "kinds":
            if lang == "nb":
                return ", ".join(f"{kind_word(k, lang)} ({n})" for k, n in value)
            return ", ".join(f"'{k}' ({n})" for k, n in value)
        if format_spec == "mix":
            if not value:
                return NO_FEEDSTOCK["nb" if lang == "nb" else "en"]
            return ", ".join(f"{kind_word(k, lang)} {fmt(t, lang, 'n0')} t" for k, t in value)
        if format_spec == "ps":  # a share: whole percent, one decimal below 1 % (0.2 %, not 0 %)
            return fmt(value, lang, "p1" if 0 < value < 0.00995 else "p0")
        if format_spec == "limits":
            return _limits(value, lang)
        if format_spec == "benefits":
            return "".join(", " + _benefit(c, float(v), lang) for c, v in value)
        if format_spec == "scores":
            return ", ".join(f"{criterion_word(c, lang)} {fmt(s, lang, 'n2')}" for c, s in value)
        if format_spec[:1] in ("n", "g", "p") and (format_spec[1:].isdigit() or format_spec[1:] == ""):
            return fmt(value, lang, format_spec)
        return super().format_field(value, format_spec)


def _rebuild(key: str, params: Mapping[str, Any]) -> Message:
    return Message(key, **params)


class Message(str):
    """An explanation that renders itself in English (its ``str`` value) or bokmål.

    ``Message("sym.far", n=3, km=50.0)`` is the English string
    ``"3 material pair(s) farther apart than max_km = 50 km were not considered"``;
    ``.render("nb")`` gives the bokmål sentence.  ``key`` names the template in
    :data:`CATALOGUE`, ``params`` are the values filled in.

    Parameters
    ----------
    key
        A key of :data:`CATALOGUE` (``"sym.far"``); positional only. An unknown key is a
        :class:`KeyError`.
    **params
        The values the template's fields name (``n=3, km=50.0``), formatted in the rendering
        language by the field's format spec (numbers ``n0``/``n1``/``p0``, ``kind`` and ``unit``
        words, ``pl:one:many`` plurals, ...); a nested :class:`Message` is rendered in the same
        language, a value without a spec as text.
    """

    key: str
    params: dict[str, Any]

    def __new__(cls, key: str, /, **params: Any) -> Message:
        if key not in CATALOGUE:
            raise KeyError(f"unknown message key {key!r}")
        obj = super().__new__(cls, _render(key, params, "en"))
        obj.key = key
        obj.params = dict(params)
        return obj

    def render(self, lang: str = "en", *, escape: Callable[[str], str] | None = None) -> str:
        """The sentence in ``lang`` ("en" or "nb"; other languages fall back to English).

        ``escape`` (e.g. :func:`arealsirk._text.escape_markdown`) is applied to every value
        filled in except numbers, so text from the data cannot become markup.
        """
        if escape is None and (lang == "en" or lang not in ("nb",)):
            return str.__str__(self)
        return _render(self.key, self.params, lang if lang == "nb" else "en", escape)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.key, self.params))


def _render(key: str, params: Mapping[str, Any], lang: str,
            escape: Callable[[str], str] | None = None) -> str:
    en, nb = CATALOGUE[key]
    return _Formatter(lang, escape).vformat(nb if lang == "nb" else en, (), params)


def render(message: Any, lang: str = "en", *, escape: Callable[[str], str] | None = None) -> str:
    """Render a :class:`Message` in ``lang``; a plain string comes back unchanged (or escaped whole).

    With ``escape``, every text value filled into the message is escaped (the template's
    own words are not); a plain string, whose origin is unknown, is escaped as a whole.

    Parameters
    ----------
    message
        A :class:`Message`, or any other value (a plain string), which is turned into text.
    lang
        ``"en"`` (default) or ``"nb"``; any other language falls back to English.
    escape
        Text escaper for the target format (e.g. :func:`arealsirk._text.escape_markdown` or
        :func:`html.escape`); ``None`` (default) escapes nothing.
    """
    if isinstance(message, Message):
        return message.render(lang, escape=escape)
    return escape(str(message)) if escape is not None else str(message)


#: Free-text notes of :mod:`arealsirk.locate` that have a catalogue entry.
_LOCATE_NOTES = {CATALOGUE["locate.time_limit"][0]: "locate.time_limit"}


def model_note(text: str) -> Message:
    """``location model: <note>`` for a note of a :mod:`arealsirk.locate` result (translated when known)."""
    key = _LOCATE_NOTES.get(str(text))
    return Message("model_note", note=Message(key) if key else str(text))
