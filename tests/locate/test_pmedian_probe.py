"""Probing p-median candidates in the Benders master LP (wave 10).

Checked against brute force over all open sets and against the p-median LP relaxation solved with
scipy's linprog on the assignment formulation -- never against the code under test.  The instances are
rounded Euclidean distances between random points in the plane (every point a client and a candidate),
picked because their LP bound leaves a gap above 1 and probing closes a candidate the reduced costs
leave open.
"""

# ruff: noqa: N803, N806  (matrix notation of the OR literature: C, S)

from __future__ import annotations

import itertools
import math
import threading
import time

import numpy as np
import pytest

from arealsirk.errors import CancelledError
from arealsirk.locate import _pmedian_benders, _pmedian_probe, p_median
from arealsirk.locate._common import Clock
from arealsirk.locate._pmedian_benders import benders_p_median, slack_for

from .locate_brute import brute_p_median, lp_p_median

NONE = np.zeros(0, dtype=np.int64)
GAPPED = [(14, 4, 147), (14, 4, 237), (24, 3, 38)]


def _plane(seed: int, n: int) -> np.ndarray:
    P = np.random.default_rng(seed).random((n, 2)) * 100
    return np.round(np.hypot(P[:, None, 0] - P[None, :, 0], P[:, None, 1] - P[None, :, 1]))


def _lp(C: np.ndarray, p: int, opened: int, shut: list[int]) -> float:
    """The p-median LP relaxation with ``y_opened = 1`` and ``y_j = 0`` for ``j`` in ``shut``."""
    y_bounds = [(1.0, 1.0) if j == opened else (0.0, 0.0) if j in shut else (0.0, 1.0)
                for j in range(C.shape[1])]
    return lp_p_median(C, p, y_bounds)


def _costs(C: np.ndarray, p: int) -> list[tuple[float, tuple[int, ...]]]:
    """Every open set of size ``p`` with its cost, cheapest first (brute force)."""
    sets = itertools.combinations(range(len(C)), p)
    return sorted((float(C[:, list(S)].min(axis=1).sum()), S) for S in sets)


@pytest.mark.parametrize("n,p,seed", GAPPED)
@pytest.mark.parametrize("incumbent", ["optimal", "worse"])
def test_probing_closes_more_and_only_sites_no_better_solution_opens(n, p, seed, incumbent):
    C = _plane(seed, n)
    costs = _costs(C, p)
    best = costs[0][0]
    # the optimal set, or the best set costing at least 2 more: an improving solution then exists, and
    # closing one of its sites would be wrong
    UB, S = next((v, S) for v, S in costs if v >= best + (0 if incumbent == "optimal" else 2))
    S_inc = np.array(S)
    by_rc = benders_p_median(C, p, NONE, S_inc, Clock(None), integral=True, probe_share=math.inf)
    default = benders_p_median(C, p, NONE, S_inc, Clock(None), integral=True)
    probed = benders_p_median(C, p, NONE, S_inc, Clock(None), integral=True, probe_share=0.0)   # all
    assert by_rc.status == probed.status == "feasible"            # the LP leaves a gap above 1
    assert set(by_rc.closed.tolist()) <= set(default.closed.tolist()) <= set(probed.closed.tolist())
    if incumbent == "optimal":
        assert set(by_rc.closed.tolist()) < set(default.closed.tolist())
    assert probed.n_closed == probed.closed.size
    closed = probed.closed.tolist()
    assert not set(closed) & set(S)
    limit = probed.lp_bound + slack_for(UB, probed.lp_bound, True)
    for j in closed:
        # no solution that opens j is better than the incumbent (integer data: none costs UB - 1)
        assert min(v for v, T in costs if j in T) >= UB
        # the LP with j open and the other closed sites shut is above the limit (each probe's master
        # is a relaxation of it: fewer cuts, fewer sites shut)
        assert _lp(C, p, j, [k for k in closed if k != j]) > limit - 1e-6
    # and the sites of every improving solution stay open
    better = {j for v, T in costs if v < UB for j in T}
    assert (incumbent == "optimal") != bool(better) and not better & set(closed)


@pytest.mark.parametrize("n,p,seed", GAPPED)
def test_exact_p_median_with_probing_reaches_the_brute_force_optimum(n, p, seed):
    C = _plane(seed, n)
    best, _ = brute_p_median(C, np.ones(n), p)
    r = p_median(C, p, exact=True)
    assert r.objective == best and r.lower_bound == best and r.status == "optimal"
    assert r.method == "heuristic+benders+milp"


def test_probing_closes_the_same_sites_on_one_core_and_on_two(monkeypatch):
    C = _plane(38, 24)
    _, best_set = brute_p_median(C, np.ones(24), 3)
    two = benders_p_median(C, 3, NONE, np.array(best_set), Clock(None), integral=True, probe_share=0.0)
    monkeypatch.setattr(_pmedian_probe.os, "cpu_count", lambda: 1)
    one = benders_p_median(C, 3, NONE, np.array(best_set), Clock(None), integral=True, probe_share=0.0)
    assert one.closed.tolist() == two.closed.tolist()


def test_probing_reports_progress_and_stops_on_cancel(monkeypatch):
    C = _plane(38, 24)
    _, best_set = brute_p_median(C, np.ones(24), 3)
    seen = {"probes": 0, "probing": 0}
    real_value = _pmedian_probe.ProbeMaster._forced_value
    real_probe = _pmedian_probe.probe_candidates

    def slow_value(self, *args, **kwargs):
        seen["probes"] += 1
        time.sleep(0.05)
        return real_value(self, *args, **kwargs)

    def probing(master, todo, *args, **kwargs):
        seen["probing"], seen["todo"] = 1, todo.size
        return real_probe(master, todo, *args, **kwargs)

    monkeypatch.setattr(_pmedian_probe.ProbeMaster, "_forced_value", slow_value)
    monkeypatch.setattr(_pmedian_benders, "probe_candidates", probing)
    messages: list[str] = []
    benders_p_median(C, 3, NONE, np.array(best_set), Clock(None), integral=True, probe_share=0.0,
                     report=lambda f, t: messages.append(t))
    reports = [t for t in messages if "probing" in t]
    assert reports and all(t.startswith("p-median proof: probing candidates, ") for t in reports)
    assert reports[-1].endswith(f" of {seen['todo']}") and seen["todo"] > 8
    assert seen["probes"] == seen["todo"]       # every candidate probed once

    seen.update(probes=0, probing=0)
    with pytest.raises(CancelledError, match=r"^cancelled by the user$"):
        benders_p_median(C, 3, NONE, np.array(best_set), Clock(None), integral=True, probe_share=0.0,
                         is_cancelled=lambda: seen["probing"] == 1)
    assert seen["probing"] == 1                 # cancelled while probing, not in the LP rounds before
    assert seen["probes"] < seen["todo"]        # and the probing threads stopped early


# ---------------------------------------------------------------------------- mutation run 11 kills
def _probe_args(monkeypatch, C, p, S):
    """Run the Benders LP once and capture what it hands to probe_candidates."""
    seen: dict = {}

    def capture(master, todo, separate, limit, clock, **kwargs):
        seen.update(master=master, todo=todo, separate=separate, limit=limit)
        return np.asarray(sorted(master.closed), dtype=np.int64)

    monkeypatch.setattr(_pmedian_benders, "probe_candidates", capture)
    bo = benders_p_median(C, p, NONE, np.asarray(S), Clock(None), integral=True, probe_share=0.0)
    monkeypatch.undo()
    return seen, bo


class _TickingClock:
    """A clock whose every ``elapsed()`` call advances one second (``left()`` stays ``total``)."""

    def __init__(self, total: float) -> None:
        self.calls, self.total = 0, total
        self.lock = threading.Lock()

    def elapsed(self) -> float:
        with self.lock:
            self.calls += 1
            return float(self.calls - 1)

    def left(self) -> float:
        return self.total


@pytest.mark.parametrize("total,probes", [(4.0, 2), (6.0, 3)])
def test_probing_stops_when_half_of_the_time_left_is_spent(monkeypatch, total, probes):
    C = _plane(38, 24)
    _, best_set = brute_p_median(C, np.ones(24), 3)
    seen, _ = _probe_args(monkeypatch, C, 3, best_set)
    assert seen["todo"].size >= 3 * probes        # a longer budget would probe more
    messages: list[str] = []
    # deadline = 0 + total / 2; the k-th stop check reads elapsed k and probes while k <= deadline
    _pmedian_probe.probe_candidates(seen["master"], seen["todo"], seen["separate"], seen["limit"],
                                    _TickingClock(total), report=lambda f, t: messages.append(t))
    assert messages[-1] == f"p-median proof: probing candidates, {probes} of {seen['todo'].size}"


def test_probing_reports_the_final_count_and_runs_on_named_threads(monkeypatch):
    C = _plane(38, 24)
    _, best_set = brute_p_median(C, np.ones(24), 3)
    seen, _ = _probe_args(monkeypatch, C, 3, best_set)
    names: list[str] = []
    real_value = _pmedian_probe.ProbeMaster._forced_value

    def named(self, *args, **kwargs):
        names.append(threading.current_thread().name)
        time.sleep(0.01)                       # both workers busy at once
        return real_value(self, *args, **kwargs)

    monkeypatch.setattr(_pmedian_probe.ProbeMaster, "_forced_value", named)
    messages: list[str] = []
    for cores, threads in [(2, 2), (8, 2), (1, 1), (None, 1)]:
        names.clear()
        messages.clear()
        monkeypatch.setattr(_pmedian_probe.os, "cpu_count", lambda cores=cores: cores)
        _pmedian_probe.probe_candidates(seen["master"], seen["todo"], seen["separate"], seen["limit"],
                                        Clock(None), report=lambda f, t: messages.append(t))
        n = seen["todo"].size
        assert len(names) == n and messages[-1] == f"p-median proof: probing candidates, {n} of {n}"
        assert all(name.startswith("arealsirk-probe") for name in names)
        assert len(set(names)) == threads, cores


def test_an_unfinished_probe_closes_nothing(monkeypatch):
    C = _plane(38, 24)
    _, best_set = brute_p_median(C, np.ones(24), 3)
    seen, bo = _probe_args(monkeypatch, C, 3, best_set)
    real_new = _pmedian_probe.ProbeMaster._new_lp

    def one_iteration(self):
        h = real_new(self)
        h.setOptionValue("simplex_iteration_limit", 1)     # every probe LP stops unfinished
        return h

    monkeypatch.setattr(_pmedian_probe.ProbeMaster, "_new_lp", one_iteration)
    closed = _pmedian_probe.probe_candidates(seen["master"], seen["todo"], seen["separate"],
                                             seen["limit"], Clock(None))
    assert closed.tolist() == bo.closed.tolist()     # the reduced-cost closings only


def test_nothing_closed_is_an_empty_integer_index():
    C = _plane(38, 24)
    worst = max(_costs(C, 3))[1]                      # an incumbent so poor that nothing closes
    bo = benders_p_median(C, 3, NONE, np.array(worst), Clock(None), integral=True, probe_share=0.0)
    assert bo.status == "feasible" and bo.closed.size == 0 and bo.n_closed == 0
    assert bo.closed.dtype == np.int64
    assert np.ones(24)[bo.closed].size == 0          # usable as an index by the MILP


def test_a_cancel_reaches_the_radius_milp(monkeypatch, bench):
    # pmed2's LP bound leaves a gap, so its proof ends in the radius MILP, long enough for HiGHS to call
    # back; the cancel check must be polled inside HiGHS there too, not only in the LP rounds and the
    # probing before it (the plane instances above are solved before HiGHS calls back at all)
    from arealsirk.locate import _milp
    from arealsirk.locate.instances import read_pmed

    inst = read_pmed("pmed2", bench=bench)
    in_milp = {"now": False}
    real = _milp.solve_milp_warm

    def milp(*args, **kwargs):
        in_milp["now"] = True
        try:
            return real(*args, **kwargs)
        except CancelledError:
            in_milp["raised"] = True
            raise

    monkeypatch.setattr(_milp, "solve_milp_warm", milp)
    with pytest.raises(CancelledError, match=r"^cancelled by the user$"):
        p_median(inst.cost, inst.p, exact=True, is_cancelled=lambda: in_milp["now"])
    assert in_milp.get("raised")           # HiGHS was interrupted, not merely checked afterwards


def test_progress_reaches_the_radius_milp(bench):
    # HiGHS' own progress inside the radius MILP (its first callback reports at once) reaches the caller
    from arealsirk.locate.instances import read_pmed

    inst = read_pmed("pmed2", bench=bench)
    messages: list[str] = []
    r = p_median(inst.cost, inst.p, exact=True, progress=lambda f, t: messages.append(t))
    assert r.status == "optimal" and r.method == "heuristic+benders+milp"
    from_highs = ("p-median proof: searching", "p-median proof: proven gap")
    assert [t for t in messages if t.startswith(from_highs)]
