"""Fixtures for the resource-stream tests: the register, read once, and paths into the shared data."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def register_csv(shared_data: Path) -> Path:
    return shared_data / "ldir_husdyr_2024" / "produksjonstilskudd_2024_husdyr.csv"


@pytest.fixture(scope="session")
def register(register_csv: Path):
    from arealsirk.readers import read_livestock_register

    return read_livestock_register(register_csv)
