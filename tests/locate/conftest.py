"""Fixtures for the location-model tests."""



from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def bench():
    from arealsirk.paths import shared_bench_dir

    return shared_bench_dir()
