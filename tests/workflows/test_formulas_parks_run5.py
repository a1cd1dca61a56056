"""Mutation run 5 (issue 16): what the earlier parks tests left open.

The scoring phase of ``site_industrial_parks`` reports its own progress: the six criteria
(``parks.PARK_CRITERIA`` order: symbiosis, flows, rail, port, road, land) share the range 0.55 .. 0.85,
criterion k of 6 at 0.55 + 0.30 x k / 6 (``scoring.score_candidates`` reports k / n of its range).
"""

from __future__ import annotations

import pytest

from .test_formulas_parks_run import _run


def test_scoring_reports_each_criterion_within_its_range():
    calls: list[tuple[float, str]] = []
    _run(count=1, progress=lambda f, m: calls.append((f, m)))
    crit = [(f, m) for f, m in calls if m.startswith("criterion ")]
    names = ["symbiosis", "flows", "rail", "port", "road", "land"]
    assert [m for _, m in crit] == [f"criterion {n}" for n in names]
    # 0.55, 0.60, 0.65, 0.70, 0.75, 0.80 by hand
    assert [f for f, _ in crit] == pytest.approx([0.55, 0.60, 0.65, 0.70, 0.75, 0.80])
