"""Fixtures for the location-model tests."""



from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def bench():
    from arealsirk.paths import shared_bench_dir

    return shared_bench_dir()


@pytest.fixture
def lagrangian_path(monkeypatch):
    """Force facility location's large-model path: no straight MILP and no LP start (as on capa/b/c and
    national models); the returned dict of default overrides can be extended by the test."""
    import arealsirk.defaults as d

    real = d.default
    over: dict[str, float] = {"locate.cfl_milp_max_pairs": 0, "locate.cfl_lp_max_pairs": 0}
    monkeypatch.setattr(d, "default", lambda key: over[key] if key in over else real(key))
    return over
