"""Fixtures for the web-map tests (synthetic layers from webmap_synth)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from webmap_synth import make_layers  # noqa: E402


@pytest.fixture(scope="session")
def layers():
    return make_layers()
