"""Checks on the committed notebooks (collected by ``pytest --nbmake notebooks/``).

Outputs must be stripped before committing, every notebook must find the data through the one
setting (``arealsirk.datasets.shared_data_dir()`` / ``AREALSIRK_DATA``) and must say where a user
downloads the files for their own region.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted(Path(__file__).parent.glob("*.ipynb"))


def test_five_notebooks():
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_clean_and_portable(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    markdown = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    source = "\n".join("".join(c["source"]) for c in code)
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), \
        f"{path.name}: strip outputs before committing (jupyter nbconvert --clear-output --inplace)"
    assert "shared_data_dir()" in source, f"{path.name}: read data via arealsirk.datasets.shared_data_dir()"
    assert "/work/" not in source and "/home/" not in source, f"{path.name}: no absolute paths"
    assert "Geonorge" in markdown and "SSB" in markdown, f"{path.name}: say where to download the files"
    assert "syntetisk" in markdown.lower(), f"{path.name}: document the synthetic points it adds"
