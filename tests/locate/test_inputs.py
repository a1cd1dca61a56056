"""Input checks: every user error is one clear arealsirk error naming the parameter."""



from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from arealsirk.errors import ArealsirkError, CancelledError, InfeasibleError, InputError
from arealsirk.locate import facility_location, max_coverage, p_center, p_median, set_coverage

D = np.array([[1.0, 2.0, 3.0], [2.0, 1.0, 4.0], [5.0, 1.0, 1.0]])


@pytest.mark.parametrize("call, match", [
    (lambda: p_median(D, 4), "only 3 candidates"),
    (lambda: p_median(D, 0), "at least 1"),
    (lambda: p_median(D, 1.5), "whole number"),
    (lambda: p_median(D, 1, fixed=[0, 1]), "fixed"),
    (lambda: p_median(D, 2, fixed=[3]), "out of range"),
    (lambda: p_median(np.zeros((0, 3)), 1), "empty"),
    (lambda: p_median(np.array([[1.0, np.nan]]), 1), "NaN"),
    (lambda: p_median(np.array([[1.0, -2.0]]), 1), "negative"),
    (lambda: p_median(D, 1, weights=[1, 2]), "weights"),
    (lambda: p_median(D, 1, weights=[1, -2, 1]), "negative"),
    (lambda: p_median(D, 1, time_limit=-1), "time_limit"),
    (lambda: max_coverage(D, 1, -5), "radius"),
    (lambda: max_coverage(D, 1, np.nan), "radius"),
    (lambda: p_center(D, 5), "only 3"),
    (lambda: set_coverage(D, 1.0, fixed=[9]), "out of range"),
    (lambda: facility_location(D, [1, 1], [5, 5, 5], [1, 1, 1]), "demand"),
    (lambda: facility_location(D, [1, 1, 1], [5, 5], [1, 1, 1]), "capacity"),
    (lambda: facility_location(D, [1, 1, 1], [5, 5, 5], [1, np.nan, 1]), "fixed_cost"),
    (lambda: facility_location(D, [0, 0, 0], [5, 5, 5], [1, 1, 1]), "total demand is zero"),
    (lambda: p_median(sp.csr_matrix((2, 0)), 1), "empty"),
])
def test_bad_input_is_input_error(call, match):
    with pytest.raises(InputError, match=match):
        call()


def test_unreachable_row_is_infeasible():
    bad = D.copy()
    bad[1] = np.inf
    with pytest.raises(InfeasibleError, match="rows 1"):
        p_median(bad, 2)
    with pytest.raises(InfeasibleError):
        facility_location(bad, [1, 1, 1], [5, 5, 5], [1, 1, 1])


def test_p_median_cutoff_needing_more_facilities_is_infeasible():
    # rows 0 and 1 can only be served by different candidates that cannot both be open with p=1
    cut = np.array([[1.0, np.inf], [np.inf, 1.0]])
    with pytest.raises(InfeasibleError, match="p=1"):
        p_median(cut, 1)


def test_single_source_demand_above_capacity():
    with pytest.raises(InfeasibleError, match="single_source"):
        facility_location(D, [1, 9, 1], [5, 5, 5], [1, 1, 1], single_source=True)


def test_errors_are_arealsirk_errors():
    with pytest.raises(ArealsirkError):
        p_median(D, 7)


def test_cancel_and_progress():
    calls = []
    r = p_median(D, 2, progress=lambda f, msg: calls.append(f))
    assert calls and calls[-1] == 1.0 and r.objective > 0
    with pytest.raises(CancelledError):
        p_median(D, 2, is_cancelled=lambda: True)


def test_p_median_too_large_for_dense_engine(monkeypatch):
    import arealsirk.locate.pmedian as pm

    real = pm.default
    monkeypatch.setattr(pm, "default", lambda k: 5 if k == "locate.pmedian_max_dense_entries" else real(k))
    with pytest.raises(InputError, match="dense limit"):
        p_median(D, 1)


def test_import_locate_does_not_load_scipy_optimize():
    """`import arealsirk.locate` stays light: scipy.optimize (about 1 s) and highspy load on first solve."""
    import subprocess
    import sys

    code = ("import sys, arealsirk.locate; "
            "print(sorted(m for m in ('scipy.optimize', 'highspy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
