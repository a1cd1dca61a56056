"""Mutation run 5 (issue 16): what the earlier parks tests left open.

The scoring phase of ``site_industrial_parks`` reports its own progress: the six criteria
(``parks.PARK_CRITERIA`` order: symbiosis, flows, rail, port, road, land) share the range 0.55 .. 0.85,
criterion k of 6 at 0.55 + 0.30 x k / 6 (``scoring.score_candidates`` reports k / n of its range).
A ports layer of lines and a negative rank-sensitivity spread are refused with messages naming them.
"""

from __future__ import annotations

import pytest
import shapely

from arealsirk.errors import InputError

from . import handmade as h
from .test_formulas_parks_run import _run


def test_scoring_reports_each_criterion_within_its_range():
    calls: list[tuple[float, str]] = []
    _run(count=1, progress=lambda f, m: calls.append((f, m)))
    crit = [(f, m) for f, m in calls if m.startswith("criterion ")]
    names = ["symbiosis", "flows", "rail", "port", "road", "land"]
    assert [m for _, m in crit] == [f"criterion {n}" for n in names]
    # 0.55, 0.60, 0.65, 0.70, 0.75, 0.80 by hand
    assert [f for f, _ in crit] == pytest.approx([0.55, 0.60, 0.65, 0.70, 0.75, 0.80])


def test_a_ports_layer_of_lines_is_named():
    line = shapely.LineString([h.at(0), h.at(1)])
    with pytest.raises(InputError) as err:
        _run(count=1, ports=h.points([{"id": "pt"}], [line]))
    assert str(err.value) == (
        "layer 'ports': ports must have point or polygon geometries; found LineString in 1 feature(s)"
    )


def test_a_negative_spread_is_named():
    with pytest.raises(InputError) as err:
        _run(count=1, parameters={"suitability.sensitivity_spread": -0.1})
    assert str(err.value) == (
        "parameters: 'suitability.sensitivity_spread' must be a finite number >= 0, got -0.1"
    )
