"""Every word and number arealsirk shows people, in bokmål (``nb``) and English (``en``).

One place for the product's string tables and its number and unit formatting, used by the
workflows' explanations, ``summary.md``, the web and static maps, the Word report, the CLI and
the QGIS plugin.  A kernel module: it imports nothing but :mod:`arealsirk.errors`.

=========================  ============================================================
:mod:`.strings`            the maps' words (:data:`STRINGS`, :func:`t`, :func:`label`,
                           :func:`column_label`), :data:`BALANCE_CATEGORIES`,
                           :func:`check_lang`
:mod:`.numbers`            :func:`fmt_number` (the one number formatter), :func:`fmt_spec`,
                           :func:`fmt_figure`, :func:`unit_label` (the one unit formatter)
:mod:`.messages`           the workflows' message :data:`CATALOGUE` and its words
:mod:`.summary`            key-figure labels, workflow titles, status words, panel sentences,
                           per-kommune column headings
:mod:`.report`             the Word report's headings and method paragraphs
=========================  ============================================================

Numbers: bokmål ``12 345,6`` (narrow no-break space U+202F, decimal comma, minus sign U+2212),
English ``12,345.6``.
"""

from __future__ import annotations

from .messages import BENEFITS, CATALOGUE, CRITERIA_NB, NO_FEEDSTOCK, criterion_word, kind_word
from .numbers import UNITS, fmt_figure, fmt_number, fmt_spec, significant_decimals, unit_label
from .report import REPORT_METHOD, REPORT_TEXT
from .strings import BALANCE_CATEGORIES, LANGS, STRINGS, check_lang, column_label, label, t
from .summary import (
    KOMMUNE_COLUMNS,
    PANEL_SENTENCES,
    POPULATION_WORD,
    REGION_WORDS,
    STATUS_LABELS,
    SUMMARY_LABELS,
    SUMMARY_WORDS,
    THEME_LABELS,
    WORKFLOW_TITLES,
    kommune_column_label,
)

#: Words of the command line (titles it gives outputs): key -> (English, bokmål).
CLI_WORDS: dict[str, tuple[str, str]] = {
    "resources.title": ("Resource streams", "Ressursstrømmer"),
}

__all__ = [
    "BALANCE_CATEGORIES",
    "BENEFITS",
    "CATALOGUE",
    "CLI_WORDS",
    "CRITERIA_NB",
    "KOMMUNE_COLUMNS",
    "LANGS",
    "NO_FEEDSTOCK",
    "PANEL_SENTENCES",
    "POPULATION_WORD",
    "REGION_WORDS",
    "REPORT_METHOD",
    "REPORT_TEXT",
    "STATUS_LABELS",
    "STRINGS",
    "SUMMARY_LABELS",
    "SUMMARY_WORDS",
    "THEME_LABELS",
    "UNITS",
    "WORKFLOW_TITLES",
    "check_lang",
    "column_label",
    "criterion_word",
    "fmt_figure",
    "fmt_number",
    "fmt_spec",
    "kind_word",
    "kommune_column_label",
    "label",
    "significant_decimals",
    "t",
    "unit_label",
    "word",
]


def word(table: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    """The ``(English, bokmål)`` entry ``key`` of ``table`` in ``lang``; an unknown key comes back as is.

    Parameters
    ----------
    table
        A table of ``key -> (English, bokmål)`` pairs (:data:`SUMMARY_WORDS`, :data:`CLI_WORDS`, ...).
    key
        The entry.
    lang
        ``"nb"`` (bokmål) or anything else (English).
    """
    pair = table.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "nb" else pair[0]
