"""The defaults table is complete and consistent; `import arealsirk` stays light."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from arealsirk.defaults import default, markdown, table
from arealsirk.errors import InputError

PACKAGE = Path(__file__).resolve().parents[2] / "arealsirk"


def test_every_row_has_unit_source_and_description():
    rows = table()
    assert len(rows) > 10
    for row in rows:
        assert row.unit and row.source and row.description, row.key


def test_every_key_used_in_code_is_in_the_table():
    keys = {row.key for row in table()}
    used: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\bdefault\(\s*["']([a-z0-9_.A-Z]+)["']\s*\)""", text))
    missing = sorted(k for k in used if k not in keys)
    assert not missing, f"keys used in code but missing from defaults.csv: {missing}"


def test_unknown_key_is_a_clear_error():
    with pytest.raises(InputError, match=r"unknown default 'demo.nope'; keys under 'demo.':"):
        default("demo.nope")


def test_markdown_has_a_row_per_key():
    md = markdown()
    assert md.count("\n") == len(table()) + 2


OPTIONAL = ["osmium", "highspy", "dask", "rioxarray", "xarray", "playwright", "matplotlib", "spopt",
            "pulp", "qgis", "osmnx", "folium", "rasterio"]


def test_import_is_light():
    code = ("import sys, arealsirk, arealsirk.errors, arealsirk.defaults\n"
            f"bad = [m for m in {OPTIONAL!r} if m in sys.modules]\n"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"import arealsirk pulled in: {out.stdout.strip()}"


def test_docs_defaults_page_is_up_to_date():
    page = PACKAGE.parent / "docs" / "defaults.md"
    assert page.read_text(encoding="utf-8") == markdown(document=True), "run `make defaults`"
