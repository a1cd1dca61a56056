"""Fixtures for the reader tests: paths into the shared real data (never copied)."""

from __future__ import annotations

from pathlib import Path

import pytest

from arealsirk.datasets import shared_data_dir


@pytest.fixture(scope="session")
def data() -> Path:
    return shared_data_dir()


@pytest.fixture(scope="session")
def ringerike(data: Path) -> Path:
    return data / "ringerike_hadeland" / "ringerike_hadeland.gpkg"
