"""Mutation run 10 (docs/mutation.md): the per-kommune fairness table, the allocation lines and the
per-kind look-up as rewritten in wave 8.

Each test pins a case the earlier tests left open, with the expected figures worked out by hand or by
a plain numpy sum of each kommune's rows on their own:

* a kommune with no allocation row that sorts before kommuner with rows (the per-kommune loop must go
  on past it);
* a kommune whose allocated rows carry 0 t (a site serves it, but there is no share to print);
* a benefit total of exactly 1 and of exactly 0 (the share is ``b / total``, and 0 when the total is 0);
* infinite and missing transport figures (summed as ``Series.sum`` does: NaN skipped, inf kept);
* many rows of wide dynamic range: each kommune's sum is bit-for-bit the sum of its own rows in input
  order (the rows are grouped by a *stable* sort).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from arealsirk.locate import facility_location as real_facility_location
from arealsirk.workflows.fairness import kommune_fairness


def _table(allocation: pd.DataFrame, sources: pd.DataFrame, sites: pd.DataFrame, benefit: str = "quantity"):
    t = kommune_fairness(allocation, sources, sites, benefit_column=benefit)
    return t.set_index("kommunenummer")


def test_a_kommune_without_rows_sorted_first_does_not_stop_the_table():
    """0101 supplies 5 t that no site takes; 0301 (after it) sends 30 t to S1 and 10 t to S2."""
    sources = pd.DataFrame({"id": ["a", "b"], "quantity": [5.0, 40.0], "kommunenummer": ["0101", "0301"]})
    allocation = pd.DataFrame({
        "source_id": ["b", "b"], "site_id": ["S1", "S2"], "quantity": [30.0, 10.0],
        "tonne_km": [300.0, 50.0], "kommunenummer": ["0301", "0301"],
    })
    sites = pd.DataFrame({"id": ["S1", "S2"], "kommunenummer": ["0301", "0301"]})
    t = _table(allocation, sources, sites)
    assert t.loc["0101", "collected_t"] == 0.0 and t.loc["0101", "served_by"] == ""
    assert t.loc["0101", "main_site"] == ""
    assert t.loc["0301", "collected_t"] == 40.0
    assert t.loc["0301", "served_by"] == "S1 (75%); S2 (25%)"
    assert t.loc["0301", "main_site"] == "S1"


def test_rows_of_zero_tonnes_name_the_site_but_print_no_share():
    """0301's only row carries 0 t to S1: collected 0, no 'served_by' text (no 0/0 share), the main
    site is S1 (the only site its rows go to); 1101 sends 20 t to S1."""
    sources = pd.DataFrame({"id": ["a", "b"], "quantity": [0.0, 20.0], "kommunenummer": ["0301", "1101"]})
    allocation = pd.DataFrame({
        "source_id": ["a", "b"], "site_id": ["S1", "S1"], "quantity": [0.0, 20.0],
        "tonne_km": [0.0, 80.0], "kommunenummer": ["0301", "1101"],
    })
    sites = pd.DataFrame({"id": ["S1"], "kommunenummer": ["1101"]})
    t = _table(allocation, sources, sites)
    assert t.loc["0301", "collected_t"] == 0.0
    assert t.loc["0301", "served_by"] == ""
    assert t.loc["0301", "main_site"] == "S1"
    assert t.loc["1101", "served_by"] == "S1 (100%)"


def _two_kommuner(benefit: list[float]):
    sources = pd.DataFrame({"id": ["a", "b"], "quantity": [10.0, 30.0], "kommunenummer": ["0301", "1101"]})
    allocation = pd.DataFrame({
        "source_id": ["a", "b"], "site_id": ["S1", "S1"], "quantity": [10.0, 30.0],
        "tonne_km": [100.0, 300.0], "kommunenummer": ["0301", "1101"], "energy_gwh": benefit,
    })
    sites = pd.DataFrame({"id": ["S1"], "kommunenummer": ["1101"]})
    return _table(allocation, sources, sites, "energy_gwh")


def test_benefit_shares_when_the_total_is_exactly_one_or_zero():
    t = _two_kommuner([0.25, 0.75])  # total 1 GWh: the shares are the benefits themselves
    assert t["share_benefit"].tolist() == [0.25, 0.75]
    t = _two_kommuner([0.0, 0.0])  # nothing made: no share (0, not 0/0)
    assert t["share_benefit"].tolist() == [0.0, 0.0]
    assert t["benefit"].tolist() == [0.0, 0.0]


def test_infinite_and_missing_transport_sum_as_series_sum_does():
    """0301: 100 + inf -> inf; 1101: 50 + NaN -> 50; 4601: -inf + 7 -> -inf (a figure out of range
    stays visible instead of turning into a huge finite number or into a count of 1 per NaN)."""
    sources = pd.DataFrame({"id": ["a", "b", "c"], "quantity": [20.0, 20.0, 20.0],
                            "kommunenummer": ["0301", "1101", "4601"]})
    allocation = pd.DataFrame({
        "source_id": ["a", "a", "b", "b", "c", "c"], "site_id": ["S1"] * 6,
        "quantity": [10.0, 10.0, 10.0, 10.0, 10.0, 10.0],
        "tonne_km": [100.0, math.inf, 50.0, math.nan, -math.inf, 7.0],
        "kommunenummer": ["0301", "0301", "1101", "1101", "4601", "4601"],
    })
    sites = pd.DataFrame({"id": ["S1"], "kommunenummer": ["1101"]})
    t = _table(allocation, sources, sites)
    assert t.loc["0301", "tonne_km"] == math.inf
    assert t.loc["1101", "tonne_km"] == 50.0
    assert t.loc["4601", "tonne_km"] == -math.inf


def test_each_kommune_sum_is_the_sum_of_its_own_rows_to_the_last_bit():
    """2 000 rows over three kommuner, values spread over 30 orders of magnitude with both signs: the
    sum per kommune equals numpy's sum of that kommune's rows taken alone, in input order, bit for bit
    (an unstable grouping sums the same rows in another order and differs in the last bits)."""
    rng = np.random.default_rng(10)
    n = 2000
    kom = rng.choice(["0301", "1101", "4601"], n)
    q = rng.uniform(1, 2, n) * 10.0 ** rng.integers(-10, 20, n)
    tkm = q * rng.choice([-1.0, 1.0], n) * rng.uniform(0.5, 3, n)
    sources = pd.DataFrame({"id": [f"s{i}" for i in range(n)], "quantity": q, "kommunenummer": kom})
    allocation = pd.DataFrame({"source_id": sources["id"], "site_id": "S1", "quantity": q,
                               "tonne_km": tkm, "kommunenummer": kom})
    sites = pd.DataFrame({"id": ["S1"], "kommunenummer": ["1101"]})
    t = _table(allocation, sources, sites)
    orders = 0
    for k in ["0301", "1101", "4601"]:
        mine = kom == k
        assert t.loc[k, "tonne_km"] == np.sum(tkm[mine]), k
        assert t.loc[k, "supplied_t"] == np.sum(q[mine]), k
        assert t.loc[k, "received_t"] == (np.sum(q) if k == "1101" else 0.0), k
        # the data do tell orders apart: the same rows in reverse order sum to other bits
        orders += np.sum(tkm[mine][::-1]) != np.sum(tkm[mine])
    assert orders >= 1


def test_allocation_lines_keep_vertical_and_horizontal_lines_as_drawn():
    """Only a line whose two ends coincide is drawn 1 m to the east; a vertical (same x) or a
    horizontal (same y) allocation line keeps its true ends (coordinates written out by hand)."""
    from shapely import get_coordinates

    from arealsirk.workflows._common import lines

    x0, y0 = np.array([0.0, 0.0, 2.0, 1.0]), np.array([0.0, 0.0, 3.0, 1.0])
    x1, y1 = np.array([0.0, 4.0, 2.0, 5.0]), np.array([5.0, 0.0, 3.0, 2.0])
    got = [get_coordinates(g).tolist() for g in lines(x0, y0, x1, y1)]
    assert got == [
        [[0.0, 0.0], [0.0, 5.0]],  # vertical
        [[0.0, 0.0], [4.0, 0.0]],  # horizontal
        [[2.0, 3.0], [3.0, 3.0]],  # both ends in one point: 1 m east
        [[1.0, 1.0], [5.0, 2.0]],
    ]


def test_per_kind_gives_a_missing_kind_its_own_lookup():
    """A missing kind (None, NaN) is looked up like any other kind -- the scalar function gives it the
    table's general factor -- and never takes the factor of another element's kind."""
    from arealsirk import resources

    kinds = ["food_waste", None, "cattle_manure", math.nan, "food_waste"]
    got = resources.per_kind(resources.co2_kg_per_tkm, kinds)
    assert got.tolist() == [resources.co2_kg_per_tkm(k) for k in kinds]
    general = resources.parameter("resources.co2_kg_per_tkm", None)
    assert got[1] == got[3] == general
    assert general not in (got[0], got[2])  # the case tells a wrong look-up apart
    tkm = np.array([1000.0, 1000.0, 1000.0, 1000.0, 1000.0])
    assert resources.transport_co2_t(tkm, kind=kinds).tolist() == (got * tkm / 1e3).tolist()


# ------------------------------------------------------------- the summary's totals and the gap text
def _summary_of(q, collected, gap):
    from types import SimpleNamespace

    from arealsirk.workflows._feedstock import _summary
    from arealsirk.workflows.biogas import BIOGAS

    sel = pd.DataFrame({"existing": [True, False], "methane_nm3": [100.0, 50.0], "tonne_km": [300.0, 100.0],
                        "co2_t": [1.0, 2.0], "truck_trips": [10.0, 5.0]})
    q, collected = np.asarray(q, dtype=float), np.asarray(collected, dtype=float)
    return _summary(BIOGAS, sel, ["methane_nm3"], q, collected, 7.0, SimpleNamespace(gap=gap), [])


def test_summary_counts_rounding_noise_as_collected_and_a_real_shortfall_as_not():
    """Collected equal to the supply up to float noise (1e-9 relative, at least 1e-9 t) is all of it:
    nothing "not collected"; a shortfall above that stays visible to the tonne."""
    s = _summary_of([0.1, 0.2], [0.3], 0.0)             # 0.30000000000000004 supplied, 0.3 collected
    assert s["feedstock_uncollected_t"] == 0.0 and s["feedstock_t"] == 0.1 + 0.2
    big = 1e6 + 1e-7                                    # 1e-13 relative: noise on a national total
    s = _summary_of([big], [1e6], 0.0)
    assert s["feedstock_uncollected_t"] == 0.0 and s["feedstock_t"] == big
    s = _summary_of([1.0], [1.0 - 1.5e-9], 0.0)         # 1.5e-9 t of 1 t: above the 1e-9 floor
    assert s["feedstock_uncollected_t"] == pytest.approx(1.5e-9, rel=1e-6)
    s = _summary_of([10.0, 5.0], [10.0], 0.0)           # 5 t not collected, at 7 km per tonne
    assert s["feedstock_uncollected_t"] == 5.0
    assert s["objective"] == 400.0 + 7.0 * 5.0
    assert s["mean_km"] == 400.0 / 10.0


def test_summary_gap_without_a_bound_is_nan_and_a_gap_text_is_a_percentage():
    from arealsirk.workflows._feedstock import _gap_text

    assert math.isnan(_summary_of([1.0], [1.0], None)["gap"])
    assert _summary_of([1.0], [1.0], 0.154)["gap"] == 0.154
    assert _gap_text(None) == "unknown"
    assert _gap_text(0.154) == "15.4 %"
    assert _gap_text(0.0) == "0.0 %"


# ------------------------------------------------ what the feedstock workflow hands the solver and back
def _biogas_run(monkeypatch, *, edit=None, **kwargs):
    """``site_biogas`` on the hand-made straight road (tests/workflows/handmade.py) with the real
    facility_location wrapped: the keyword arguments it received are recorded, and ``edit`` may change
    its result (as a time limit would) before the workflow reads it."""
    import dataclasses

    import arealsirk.locate as locate
    from arealsirk.workflows import site_biogas

    from . import handmade as h

    seen: dict = {}
    real = real_facility_location  # not locate.facility_location: a spy of an earlier call may sit there

    def spy(*args, **kw):
        seen.update(kw)
        res = real(*args, **kw)
        return dataclasses.replace(res, **edit) if edit else res

    monkeypatch.setattr(locate, "facility_location", spy)
    src = h.points([{"id": "f0", "kind": "food_waste", "quantity": 126.0, "unit": "t/yr"},
                    {"id": "s3", "kind": "sewage_sludge", "quantity": 200.0, "unit": "t/yr"}],
                   [h.at(0.0), h.at(1.0)])
    cand = h.points([{"id": "A"}], [h.at(4.0)])
    road = h.graph(island=False, length_km=40)
    return site_biogas(src, cand, road, count=1, min_plant_t=100, **kwargs), seen


def test_exact_and_cancel_reach_the_solver(monkeypatch):
    never = lambda: False  # noqa: E731
    _, seen = _biogas_run(monkeypatch, exact=True, is_cancelled=never)
    assert seen["exact"] is True and seen["is_cancelled"] is never
    _, seen = _biogas_run(monkeypatch)
    assert seen["exact"] is False


def test_a_solver_stopped_by_its_time_limit_is_reported(monkeypatch):
    """The solver's own note and its status reach the workflow's result: a plan cut short by the time
    limit is "feasible" (not "optimal") and says why."""
    note = "HiGHS stopped at the time limit; the gap is the proven one"
    r, _ = _biogas_run(monkeypatch, edit={"status": "time_limit", "messages": [note]})
    assert r.status == "feasible"
    assert any("time limit" in str(m) for m in r.messages), r.messages
    r, _ = _biogas_run(monkeypatch, edit={"status": "optimal", "messages": []})
    assert r.status == "optimal"
    assert not any("time limit" in str(m) for m in r.messages)


def test_the_source_layer_keeps_the_crs(monkeypatch):
    r, _ = _biogas_run(monkeypatch)
    assert r.layers["source_status"].crs is not None
    assert r.layers["source_status"].crs.equals(r.layers["selected_sites"].crs)


def test_no_plant_opened_is_told_apart_by_the_proof(monkeypatch):
    """A plan that opens no plant (only the "not collected" column, index 1 here: one viable site) is
    "no plant pays off" when it is proven (status optimal, or a proven gap of 0), and "the solver
    stopped" when the search was cut short with a gap; a plan that opens a plant under a time limit with
    a gap is an answer, not an error."""
    from arealsirk.errors import InfeasibleError, SolverError

    none_open = {"facilities": np.array([1])}
    with pytest.raises(InfeasibleError, match="no plant pays off"):
        _biogas_run(monkeypatch, edit=none_open | {"status": "optimal", "gap": 0.0})
    with pytest.raises(InfeasibleError, match="no plant pays off"):
        _biogas_run(monkeypatch, edit=none_open | {"status": "time_limit", "gap": 0.0})
    with pytest.raises(SolverError, match="stopped"):
        _biogas_run(monkeypatch, edit=none_open | {"status": "time_limit", "gap": 0.3})
    r, _ = _biogas_run(monkeypatch, edit={"status": "time_limit", "gap": 0.3})
    assert r.status == "feasible" and len(r.layers["selected_sites"]) == 1
