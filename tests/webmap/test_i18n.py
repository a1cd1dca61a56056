"""The one i18n package: number and unit formatting against hand-written figures, and the
web map's runtime files shipped as package data."""

from __future__ import annotations

import fnmatch
import math
import tomllib
from pathlib import Path

import pytest

from arealsirk import i18n
from arealsirk.i18n import fmt_figure, fmt_number, fmt_spec, unit_label

NNBSP = "\u202f"  # bokmål thousands separator (narrow no-break space)
MINUS = "\u2212"
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "unit", "nb", "en"),
    [
        (53274, "t/yr", f"53{NNBSP}274 t/år", "53,274 t/yr"),  # an int: whole number, grouped
        (1234.4, "tonne-km/yr", f"1{NNBSP}234 tonn-km/år", "1,234 tonne-km/yr"),  # >= 100: no decimals
        (8.864, "GWh/yr", "8,86 GWh/år", "8.86 GWh/yr"),  # < 100: three significant digits
        (0.00123, "", "0,00123", "0.00123"),  # small: significant digits, never an exponent
        (0.993, "%", "99,3 %", "99.3 %"),  # a share in percent, one decimal
        (-12.5, "km", f"{MINUS}12,5 km", "-12.5 km"),
        (float("nan"), "t/yr", "-", "-"),
        ("Sørlia", "", "Sørlia", "Sørlia"),  # text as it is
        (True, "", "True", "True"),  # a flag is not a figure
    ],
)
def test_key_figures_by_hand(value, unit, nb, en):
    assert fmt_figure(value, unit, "nb") == nb
    assert fmt_figure(value, unit, "en") == en


def test_one_formatter_under_the_figure_and_the_message_specs():
    # the same number in a key figure, a message field and a popup reads the same
    x = 76098.4
    for lang, expected in (("nb", f"76{NNBSP}098"), ("en", "76,098")):
        assert fmt_figure(x, "", lang) == fmt_spec(x, lang, "n0") == expected
        assert fmt_number(x, lang, decimals=0) == expected
    # g4 of 12 345.6: four significant digits would need an exponent; never written as one
    assert fmt_spec(12345.6, "en", "g4") == "12,346" and fmt_spec(12345.6, "nb", "g4") == f"12{NNBSP}346"
    assert fmt_spec(2.5, "nb", "g") == "2,5" and fmt_spec(2.5, "en", "g") == "2.5"
    # a share inside a sentence: "12.3%" in English, "12,3 %" in bokmål (Språkrådet: space before %)
    assert fmt_spec(0.1234, "en", "p1") == "12.3%" and fmt_spec(0.1234, "nb", "p1") == "12,3 %"
    assert fmt_spec(math.nan, "nb", "n0") == "-" and fmt_spec("abc", "en", "n0") == "abc"


def test_units_by_hand():
    assert unit_label("tonne-km/yr", "nb") == "tonn-km/år"
    assert unit_label("tonne-km/yr", "en") == "tonne-km/yr"
    assert unit_label("Nm3/yr", "nb") == "Nm³/år" and unit_label("NOK/yr", "nb") == "kr/år"
    assert unit_label("unknown/unit", "nb") == "unknown/unit"


def test_every_table_has_both_languages():
    for table in (i18n.STRINGS, i18n.BALANCE_CATEGORIES, i18n.PANEL_SENTENCES, i18n.REPORT_TEXT,
                  i18n.REPORT_METHOD, i18n.THEME_LABELS):
        assert set(table) == {"nb", "en"}
        assert set(table["nb"]) == set(table["en"])
    for pairs in (i18n.SUMMARY_WORDS, i18n.WORKFLOW_TITLES, i18n.STATUS_LABELS, i18n.KOMMUNE_COLUMNS,
                  i18n.CLI_WORDS, i18n.CATALOGUE):
        assert all(len(v) == 2 and all(isinstance(s, str) and s for s in v) for v in pairs.values())
    assert i18n.word(i18n.SUMMARY_WORDS, "notes", "nb") == "Merknader"
    assert i18n.word(i18n.SUMMARY_WORDS, "no-such-key", "en") == "no-such-key"


def test_runtime_assets_are_package_data():
    """The map's JS/CSS files are matched by pyproject's package-data, so a wheel carries them."""
    from arealsirk.webmap.elements import runtime_assets

    js, css = runtime_assets()
    assert "arealsirkMap" in js and ".as-title" in css
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"
    ]["arealsirk"]
    assets = sorted((ROOT / "arealsirk" / "webmap" / "assets").iterdir())
    assert {a.name for a in assets} >= {"runtime.js", "runtime.css"}
    for asset in assets:
        rel = asset.relative_to(ROOT / "arealsirk").as_posix()
        assert any(fnmatch.fnmatch(rel, p) for p in patterns), rel
