"""Progress reporting and cancellation of the workflows."""

from __future__ import annotations

import pytest

from arealsirk.errors import CancelledError
from arealsirk.workflows import site_biogas, site_industrial_parks, symbiosis_matches


def test_progress_rises_to_one(demo, demo_graph):
    seen: list[tuple[float, str]] = []
    site_biogas(
        demo.sources,
        demo.zones,
        demo_graph,
        count=2,
        existing=demo.existing,
        progress=lambda f, m: seen.append((f, m)),
    )
    fractions = [f for f, _ in seen]
    assert len(seen) >= 5
    assert all(0.0 <= f <= 1.0 for f in fractions)
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert all(isinstance(m, str) and m for _, m in seen)


@pytest.mark.parametrize("which", ["biogas", "parks", "symbiosis"])
def test_cancel_stops_the_work(demo, demo_graph, which):
    calls = {"n": 0}

    def cancel_after_two() -> bool:
        calls["n"] += 1
        return calls["n"] > 2

    with pytest.raises(CancelledError):
        if which == "biogas":
            site_biogas(demo.sources, demo.zones, demo_graph, is_cancelled=cancel_after_two)
        elif which == "parks":
            site_industrial_parks(demo.zones, demo.flows, demo_graph, is_cancelled=cancel_after_two)
        else:
            symbiosis_matches(demo.flows, is_cancelled=cancel_after_two)
