"""Shared workflow plumbing (``arealsirk/workflows/_common.py``) on hand-made inputs.

The status word a planner reads (``status_of``) for each status text the location models and
solvers give, worked out by hand.  Written for the mutants of issue 16's mutation run
(docs/mutation.md); not yet kill-checked against them.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from arealsirk.workflows._common import status_of


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("optimal", "optimal"),
        ("Optimal", "optimal"),
        ("proven_optimal", "optimal"),
        ("OPTIMAL (gap 0)", "optimal"),
        ("not optimal", "feasible"),
        ("suboptimal", "feasible"),
        ("feasible", "feasible"),
        ("time_limit", "feasible"),
        ("infeasible", "infeasible"),
        ("Infeasible model", "infeasible"),
        ("infeasible or optimal", "infeasible"),
    ],
)
def test_status_word(status, expected):
    assert status_of(SimpleNamespace(status=status)) == expected


def test_status_without_a_status_is_feasible():
    assert status_of(object()) == "feasible"
