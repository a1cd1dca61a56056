"""Fixtures for the web-map tests (synthetic layers from webmap_synth)."""

from __future__ import annotations

import pytest

from .webmap_synth import make_layers


@pytest.fixture(scope="session")
def layers():
    return make_layers()
