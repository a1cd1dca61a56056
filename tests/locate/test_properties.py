"""Property-based feasibility checks (hypothesis) for every model."""

# ruff: noqa: N806  (matrix notation of the OR literature: C, D, K, A, Q, S)

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arealsirk.locate import facility_location, max_coverage, p_center, p_median, set_coverage

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def instances(draw, forbid=True):
    n = draw(st.integers(1, 15))
    m = draw(st.integers(1, 8))
    seed = draw(st.integers(0, 10_000))
    rng = np.random.default_rng(seed)
    D = np.round(rng.uniform(0, 100, size=(n, m)), 1)
    if forbid and m > 1:
        mask = rng.random((n, m)) < 0.3
        mask[np.arange(n), rng.integers(0, m, size=n)] = False  # each row keeps an allowed candidate
        D[mask] = np.inf
    p = draw(st.integers(1, m))
    nf = draw(st.integers(0, p))
    fixed = sorted(rng.choice(m, size=nf, replace=False).tolist())
    exact = draw(st.booleans())
    return D, p, fixed, exact, seed


def _common(r, D, p, fixed):
    f = r.facilities
    assert np.all(np.diff(f) > 0)                       # sorted, unique
    assert set(fixed) <= set(f.tolist())
    assert r.assignment.shape == (D.shape[0],)
    ok = r.assignment >= 0
    assert np.isin(r.assignment[ok], f).all()           # only open facilities serve
    assert np.all(np.isfinite(D[np.flatnonzero(ok), r.assignment[ok]]))
    if r.lower_bound is not None and r.upper_bound is not None:
        assert r.lower_bound <= r.upper_bound + 1e-7 * max(1, abs(r.upper_bound))


@SETTINGS
@given(instances(forbid=False))
def test_p_median_feasible(inst):
    D, p, fixed, exact, seed = inst
    r = p_median(D, p, fixed=fixed, exact=exact, seed=seed)
    _common(r, D, p, fixed)
    assert len(r.facilities) == p
    assert np.all(r.assignment >= 0)
    assert np.isclose(r.objective, D[np.arange(D.shape[0]), r.assignment].sum())
    assert np.allclose(D[np.arange(D.shape[0]), r.assignment], D[:, r.facilities].min(axis=1))


@SETTINGS
@given(instances(), st.floats(0, 120))
def test_max_coverage_feasible(inst, radius):
    D, p, fixed, exact, seed = inst
    r = max_coverage(D, p, radius, fixed=fixed, exact=exact, seed=seed)
    _common(r, D, p, fixed)
    assert len(r.facilities) == p
    covered = (D[:, r.facilities] <= radius).any(axis=1)
    assert np.array_equal(covered, r.covered)
    assert r.objective == covered.sum()


@SETTINGS
@given(instances(forbid=False))
def test_p_center_and_set_cover_feasible(inst):
    D, p, fixed, exact, seed = inst
    r = p_center(D, p, fixed=fixed, exact=exact, seed=seed)
    _common(r, D, p, fixed)
    assert len(r.facilities) == p
    assert np.isclose(r.objective, D[:, r.facilities].min(axis=1).max())
    s = set_coverage(D, r.objective, fixed=fixed, exact=exact)
    _common(s, D, p, fixed)
    assert s.covered.all()
    if exact:
        assert s.objective <= max(p, len(fixed))      # the p-center solution is a cover


@SETTINGS
@given(instances(), st.booleans(), st.integers(0, 10_000))
def test_facility_location_feasible(inst, single, seed2):
    D, _, fixed, exact, _seed = inst
    n, m = D.shape
    rng = np.random.default_rng(seed2)
    q = rng.integers(0, 10, size=n).astype(float)
    q[0] = max(q[0], 1.0)
    K = rng.integers(5, 40, size=m).astype(float)
    if K.sum() < q.sum():
        K *= q.sum() / K.sum() * 1.2
    if single:
        K = np.maximum(K, q.max())
    f = rng.integers(0, 50, size=m).astype(float)
    try:
        r = facility_location(D, q, K, f, single_source=single, fixed=fixed, exact=exact)
    except Exception as exc:   # only a clear InfeasibleError is acceptable (tight capacities / cutoffs)
        from arealsirk.errors import InfeasibleError

        assert isinstance(exc, InfeasibleError), exc
        return
    _common(r, D, 0, fixed)
    flows = r.flows.toarray()
    assert np.allclose(flows.sum(axis=1), q, atol=1e-6)
    assert np.all(flows.sum(axis=0) <= K + 1e-6)
    closed = np.setdiff1d(np.arange(m), r.facilities)
    assert np.all(flows[:, closed] <= 1e-9)
    assert np.all(flows[~np.isfinite(D)] <= 1e-9)
    if single:
        assert np.all((flows > 1e-9).sum(axis=1) <= 1)
