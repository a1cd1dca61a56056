"""Run-6 mutation kills for the coverage curve (``locate/curve.py``) and the p-median family
(``pmedian.py``, ``pcenter.py``, ``_pmedian_benders.py``): the branches run 5 left open.

Expected figures come from brute force (``locate_brute``: every k-subset), from scipy's LP relaxation
of the model (an upper bound on any MILP bound HiGHS may report), or are written out by hand.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linprog

import arealsirk
from arealsirk.locate import coverage_curve, p_center, p_median

from .locate_brute import brute_mclp, brute_p_median

# ---------------------------------------------------------------------------------------------------
# coverage curve


def _small(seed: int, n: int = 12, m: int = 7):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.0, 10.0, size=(n, m)), rng.integers(1, 9, size=n).astype(float)


def _covered(D, w, sites, radius):
    return float(w[(D[:, list(sites)] <= radius).any(axis=1)].sum())


def _mclp_lp_bound(A: np.ndarray, w: np.ndarray, k: int) -> float:
    """LP relaxation of the MCLP (max w.z, z_i <= sum_j A_ij y_j, sum y = k, 0 <= y, z <= 1)."""
    n, m = A.shape
    c = np.concatenate([np.zeros(m), -w])
    res = linprog(c, A_ub=np.hstack([-A, np.eye(n)]), b_ub=np.zeros(n),
                  A_eq=np.concatenate([np.ones(m), np.zeros(n)])[None, :], b_eq=[k], bounds=(0, 1),
                  method="highs")
    assert res.status == 0
    return -float(res.fun)


def test_curve_exact_cut_by_the_time_limit_keeps_highs_bound_and_a_gap():
    """HiGHS cannot close this MCLP (300 rows, 60 candidates, 6 sites) within the one second it gets: the
    count keeps HiGHS' proven bound (at most the LP relaxation, far below the submodularity bound) and an
    honest gap; the reported set covers what it says."""
    rng = np.random.default_rng(1)
    n, m, k = 300, 60, 6
    D = np.where(rng.random((n, m)) < 0.15, 1.0, 5.0)
    w = rng.integers(1, 100, size=n).astype(float)
    lp = _mclp_lp_bound((D <= 2.0).astype(float), w, k)
    plain = coverage_curve(D, 2.0, k, k_min=k, weights=w)
    assert plain.upper_bound[0] > lp + 100                     # the exact step has something to improve
    cur = coverage_curve(D, 2.0, k, k_min=k, weights=w, exact=True, time_limit=1.0)
    v, u = float(cur.covered[0]), float(cur.upper_bound[0])
    assert v == pytest.approx(_covered(D, w, cur.facilities[0], 2.0))
    assert len(cur.facilities[0]) == k
    assert v >= plain.covered[0]
    assert v < u <= lp * (1 + 1e-7)                           # HiGHS' bound, not the submodularity bound
    assert cur.gap[0] == pytest.approx((u - v) / u) and cur.gap[0] > 0.01
    assert cur.result(k).status == "feasible"


def test_curve_lagrangian_closes_the_gaps_the_submodularity_bound_leaves():
    """Seed 0: the submodularity bound leaves counts 1 and 2 open (38 and 45 against optima 32 and 41);
    100 subgradient steps prove every count (bound = brute-force optimum, gap 0)."""
    D, w = _small(0)
    opts = [brute_mclp(D, w, k, 3.5)[0] for k in (1, 2, 3, 4)]
    assert opts == [32.0, 41.0, 45.0, 45.0]
    plain = coverage_curve(D, 3.5, 4, weights=w)
    assert plain.upper_bound[0] >= opts[0] + 1 and plain.gap[0] > 0
    cur = coverage_curve(D, 3.5, 4, weights=w, lagrange_iter=100)
    assert cur.covered.tolist() == opts
    assert cur.upper_bound == pytest.approx(opts, abs=1e-6)
    assert (cur.gap == 0).all()


def test_curve_one_lagrangian_step_already_offers_its_start_set():
    """Seed 29: greedy plus swaps stops at 47 for two sites (optimum 48); one subgradient step (mu = 0)
    hands its relaxation's site set to the local search, which reaches the optimum."""
    D, w = _small(29)
    opt2 = brute_mclp(D, w, 2, 3.5)[0]
    assert opt2 == 48.0
    plain = coverage_curve(D, 3.5, 4, weights=w)
    assert plain.covered[1] == 47.0
    cur = coverage_curve(D, 3.5, 4, weights=w, lagrange_iter=1)
    assert cur.covered[1] == opt2
    assert _covered(D, w, cur.facilities[1], 3.5) == opt2
    assert cur.upper_bound[1] >= opt2


def test_curve_progress_of_a_single_count_and_of_zero_weights():
    """One count (k_min = k_max): the first report is 99 % of the way (1 of 1 counts), not half way; with
    every weight 0 the message says 0.00 % covered (not a share of a zero total)."""
    D = np.array([[1.0, 5.0], [5.0, 1.0], [1.0, 1.0]])
    calls: list[tuple[float, str]] = []
    cur = coverage_curve(D, 2.0, 2, k_min=2, weights=[1, 2, 3], progress=lambda f, s: calls.append((f, s)))
    assert calls == [(0.99, "coverage curve: 2 sites, 100.00 % covered"), (1.0, "coverage curve: done")]
    assert cur.covered.tolist() == [6.0]
    calls.clear()
    cur = coverage_curve(D, 2.0, 1, weights=[0, 0, 0], progress=lambda f, s: calls.append((f, s)))
    assert calls == [(0.99, "coverage curve: 1 sites, 0.00 % covered"), (1.0, "coverage curve: done")]
    assert cur.covered.tolist() == [0.0] and cur.total == 0.0 and cur.share.tolist() == [0.0]


def test_curve_expired_clock_stops_the_search_at_the_greedy_start():
    """Rows a-f; site 0 covers a-d, site 1 a, b, e, site 2 c, d, f.  Greedy for two sites takes 0 then 1
    (5 rows); the swap to {1, 2} covers all 6.  With the time limit already spent the search must not run:
    one count, the greedy pair, 5 covered, bound 6 (5 + the one row site 2 still adds), gap 1/6."""
    A = np.array([[1, 1, 0], [1, 1, 0], [1, 0, 1], [1, 0, 1], [0, 1, 0], [0, 0, 1]], dtype=bool)
    D = np.where(A, 1.0, 9.0)
    full = coverage_curve(D, 2.0, 3, k_min=2)
    assert full.covered.tolist() == [6.0, 6.0] and full.facilities[0].tolist() == [1, 2]
    cur = coverage_curve(D, 2.0, 3, k_min=2, time_limit=1e-9)
    assert cur.counts.tolist() == [2]
    assert cur.facilities[0].tolist() == [0, 1]
    assert cur.covered.tolist() == [5.0] and cur.upper_bound.tolist() == [6.0]
    assert cur.gap[0] == pytest.approx(1 / 6)



def test_curve_tiny_weights_still_get_the_lagrangian():
    """Weights of a few 1e-9 (two rows, two sites, one site open): site 0 covers 3e-9, site 1 1.5e-9.  The
    submodularity bound 4.5e-9 is 1.5e-9 above the covered weight, more than the closing tolerance 1e-9
    (absolute below 1), so the Lagrangian runs and proves the optimum 3e-9 (gap 0)."""
    D = np.array([[1.0, 9.0], [9.0, 1.0]])
    cur = coverage_curve(D, 2.0, 1, weights=[3e-9, 1.5e-9], lagrange_iter=100)
    assert cur.covered.tolist() == [3e-9] and cur.facilities[0].tolist() == [0]
    assert cur.upper_bound[0] == pytest.approx(3e-9, rel=1e-9, abs=0.0)
    assert cur.gap.tolist() == [0.0]


def test_curve_exact_proven_counts_report_the_covered_weight_as_the_bound():
    """Fractional weights (14 x 7, seed 0): HiGHS proves every count of the curve; a proven count's bound is
    its covered weight itself (equal to the last bit, as the gap 0 says), not HiGHS' dual bound, which on
    these weights differs from it by float noise (57.94560950438406 for 57.94560950438405)."""
    rng = np.random.default_rng(0)
    D = rng.uniform(0, 10, size=(14, 7))
    w = rng.uniform(0.1, 9.9, size=14)
    cur = coverage_curve(D, 3.5, 4, weights=w, exact=True)
    for i, k in enumerate(cur.counts):
        assert cur.covered[i] == pytest.approx(brute_mclp(D, w, int(k), 3.5)[0], rel=1e-12)
        assert cur.upper_bound[i] == cur.covered[i]
        assert cur.gap[i] == 0.0 and cur.result(int(k)).status == "optimal"

# ---------------------------------------------------------------------------------------------------
# p-median and p-center: proof branches (Benders alone, HiGHS cut by time, fixing, radius MILP)


def test_p_median_benders_lp_alone_proves_a_tied_fractional_instance():
    """Costs in tenths plus 0.05 (fractional, so only a 1e-9 relative gap counts as closed) with many ties:
    the Lagrangian stalls just below the optimum (gap ~1e-8), the Benders LP bound equals the brute-force
    optimum 1.9, so the proof ends there without a MILP: method "heuristic+benders", status optimal."""
    rng = np.random.default_rng(11)
    D = rng.integers(1, 4, size=(10, 6)) * 0.1 + 0.05
    opt, best = brute_p_median(D, np.ones(10), 2)
    assert opt == pytest.approx(1.9) and tuple(best) == (1, 5)
    heur = p_median(D, 2)
    assert heur.method == "heuristic" and heur.status == "feasible" and heur.gap > 1e-9
    res = p_median(D, 2, exact=True)
    assert res.method == "heuristic+benders"
    assert res.status == "optimal" and res.gap == 0.0
    assert res.objective == pytest.approx(opt) and res.lower_bound == pytest.approx(opt)
    assert res.facilities.tolist() == [1, 5] and res.messages == ()


def test_p_median_proof_cut_by_the_time_limit_reports_it():
    """Random integer costs (120 x 30, p = 5): HiGHS does not close this one within 10 s, let alone the
    1 s it gets here.  The result says so (status "time_limit", the message), keeps a bound between the
    trivial one (every row at its cheapest candidate) and the objective, and the objective is the cost of
    the sites reported."""
    rng = np.random.default_rng(0)
    D = rng.integers(1, 1000, size=(120, 30)).astype(float)
    res = p_median(D, 5, exact=True, time_limit=0.5)
    assert res.method == "heuristic+benders+milp"
    assert res.status == "time_limit"
    assert res.messages == ("HiGHS stopped at the time limit; the gap is the proven one",)
    assert res.objective == pytest.approx(float(D[:, res.facilities].min(axis=1).sum()))
    assert float(D.min(axis=1).sum()) <= res.lower_bound < res.objective
    assert res.gap == pytest.approx((res.objective - res.lower_bound) / res.objective) and res.gap > 0.01


def test_p_center_exact_undecided_covering_milp_is_reported_as_a_time_limit():
    """Two cost values: 1 on a random 3 % of the pairs (plus one per row), 2 elsewhere, so radius 2 needs a
    single site.  With p = 46 radius 1 is the question: its covering LP needs 45.53 sites, and HiGHS keeps
    the bound at 46 without finding a 46-cover for many seconds (8 s measured), so the MILP of the exact
    search cannot decide it in the second it gets.  The result must say so: radius 2, lower bound 1 (the
    largest row minimum; radius 1 is not ruled out), gap 1/2, status "time_limit" — not a proof."""
    rng = np.random.default_rng(0)
    n, m = 500, 150
    A = rng.random((n, m)) < 0.03
    A[np.arange(n), rng.integers(0, m, n)] = True
    D = np.where(A, 1.0, 2.0)
    res = p_center(D, 46, exact=True, time_limit=1.0)
    assert res.method == "heuristic+milp" and len(res.facilities) == 46
    assert res.objective == 2.0 == float(D[:, res.facilities].min(axis=1).max())
    assert res.lower_bound == 1.0
    assert res.gap == 0.5
    assert res.status == "time_limit"


def test_p_median_exact_after_a_cut_heuristic_with_costs_below_one():
    """Costs in thousandths (1..49 e-3): the reduced-cost fixing works with a slack below 1, so a pair's
    reduced cost must not be floored at 1.  An expired clock leaves the greedy start (worse than the optimum
    on some of these instances); the proof must still reach the brute-force optimum and bound."""
    rng = np.random.default_rng(0)
    for _ in range(12):
        n, m = rng.integers(6, 14), rng.integers(5, 9)
        D = rng.integers(1, 50, size=(n, m)).astype(float) * 0.001
        w = rng.integers(1, 6, size=n).astype(float)
        p = int(rng.integers(1, 4))
        best, _ = brute_p_median(D, w, p)
        res = p_median(D, p, weights=w, time_limit=1e-9, exact=True)
        assert res.objective == pytest.approx(best, rel=1e-12)
        assert res.lower_bound == pytest.approx(best, rel=1e-12)
        assert res.gap == 0.0 and res.status == "optimal"
        assert float((D[:, res.facilities].min(axis=1) * w).sum()) == pytest.approx(best, rel=1e-12)


def test_p_median_exact_fractional_small_costs_reach_the_brute_force_optimum():
    """Fractional costs below 0.1 (15 x 8, p = 3), the heuristic cut at its greedy start: the whole objective
    is below 0.5, so an absolute MILP gap of 0.5 would accept any incumbent.  The proof must return the
    brute-force optimum (0.28400), not a set 0.00027 worse, and prove it."""
    rng = np.random.default_rng(4)
    D = rng.uniform(0, 10, size=(15, 8)) * 0.01
    best, sites = brute_p_median(D, np.ones(15), 3)
    assert best == pytest.approx(0.283996616517, abs=1e-12)
    res = p_median(D, 3, time_limit=1e-9, exact=True)
    assert res.objective == pytest.approx(best, rel=1e-12)
    assert res.lower_bound == pytest.approx(best, rel=1e-12) and res.status == "optimal"
    assert res.facilities.tolist() == sorted(sites)


def test_p_median_exact_where_every_row_keeps_one_cost_level():
    """Costs 1..3 (10 x 6, p = 3) and a heuristic cut at its greedy start (cost 13, already optimal): the
    reduced-cost fixing leaves every row a single cost level, so the radius MILP has no z column and the
    last candidate no kept pair; it must still be built (shape m + 0 columns) and prove the brute-force
    optimum 13."""
    D = np.array([[2, 1, 1, 1, 1, 1], [1, 3, 2, 3, 2, 2], [3, 3, 2, 2, 2, 3], [1, 3, 3, 1, 2, 3],
                  [2, 1, 3, 3, 3, 1], [1, 3, 1, 2, 1, 1], [2, 2, 2, 1, 1, 1], [1, 3, 2, 2, 1, 2],
                  [3, 2, 2, 3, 3, 3], [2, 3, 3, 2, 3, 3]], dtype=float)
    best, _ = brute_p_median(D, np.ones(10), 3)
    assert best == 13.0
    res = p_median(D, 3, time_limit=1e-9, exact=True)
    assert res.method == "heuristic+benders+milp"
    assert res.objective == 13.0 and res.lower_bound == 13.0 and res.status == "optimal"
    assert float(D[:, res.facilities].min(axis=1).sum()) == 13.0


def test_p_median_exact_integer_costs_one_above_the_optimum():
    """Integer costs 0..4 (15 x 8, p = 3): the greedy start costs 8, the brute-force optimum is 7 (sites
    1, 2, 5).  On integer data the proof may stop HiGHS within 0.5 of the incumbent, never within 1.5 (that
    would accept the greedy 8 as proven): the exact run must report 7, bound 7, optimal."""
    D = np.array([[3, 4, 0, 0, 2, 2, 3, 1], [0, 1, 2, 1, 4, 2, 3, 3], [0, 3, 0, 0, 2, 1, 1, 3],
                  [0, 0, 3, 4, 3, 4, 2, 0], [3, 2, 3, 3, 2, 0, 3, 0], [2, 0, 2, 2, 2, 2, 0, 2],
                  [3, 4, 1, 4, 1, 2, 4, 1], [1, 1, 3, 4, 1, 1, 4, 4], [3, 2, 4, 1, 0, 3, 1, 3],
                  [1, 2, 4, 1, 2, 3, 1, 2], [3, 3, 3, 2, 4, 0, 2, 4], [2, 0, 4, 1, 0, 0, 4, 1],
                  [0, 3, 0, 2, 3, 3, 0, 2], [2, 4, 0, 1, 2, 2, 3, 2], [3, 0, 1, 1, 2, 0, 1, 1]], dtype=float)
    best, _ = brute_p_median(D, np.ones(15), 3)
    assert best == 7.0
    assert p_median(D, 3, time_limit=1e-9).objective == 8.0
    res = p_median(D, 3, time_limit=1e-9, exact=True)
    assert res.objective == 7.0 and res.lower_bound == 7.0 and res.gap == 0.0 and res.status == "optimal"
    assert float(D[:, res.facilities].min(axis=1).sum()) == 7.0


def test_p_median_exact_keeps_the_incumbent_pairs_on_sparse_integer_costs():
    """Integer costs with forbidden pairs (10 x 7, p = 3): the heuristic already has the brute-force optimum
    83 (sites 0, 1, 6) but its Lagrangian bound stops at 82.00 (gap open).  The proof's reduced-cost fixing
    may drop only pairs no better solution uses; the incumbent's own pairs stay, so the MILP proves 83."""
    inf = np.inf
    D = np.array([[18, 10, inf, inf, 2, 14, 6], [13, 5, inf, inf, 16, 18, 14],
                  [8, 12, inf, inf, 19, inf, inf], [inf, inf, inf, 15, 13, inf, 16],
                  [10, 16, inf, 11, inf, inf, 19],
                  [14, inf, 5, 6, 18, 16, inf], [7, 18, 13, inf, inf, 6, 18], [19, 6, inf, 11, 6, inf, 10],
                  [inf, 7, inf, inf, 7, 18, 16], [19, inf, inf, inf, inf, 6, 4]])
    best, sites = brute_p_median(D, np.ones(10), 3)
    assert best == 83.0 and tuple(sites) == (0, 1, 6)
    heur = p_median(D, 3)
    assert heur.objective == 83.0 and heur.status == "feasible" and heur.lower_bound < 82.5
    res = p_median(D, 3, exact=True)
    assert res.method == "heuristic+benders+milp"
    assert res.objective == 83.0 and res.lower_bound == 83.0 and res.gap == 0.0 and res.status == "optimal"
    assert res.facilities.tolist() == [0, 1, 6]


# ---------------------------------------------------------------------------------------------------
# instances


def test_read_optima_reads_utf8_under_an_ascii_locale(tmp_path):
    """The optima tables are UTF-8 whatever the user's locale: a table naming Ålesund is read under the
    plain C locale (ASCII, UTF-8 mode and locale coercion off) in a fresh interpreter."""
    (tmp_path / "pmed").mkdir()
    (tmp_path / "pmed" / "OPTIMA.csv").write_text("instance,optimal_value,source\nÅlesund,12,Møre\n",
                                                  encoding="utf-8")
    code = ("import sys; from arealsirk.locate.instances import read_optima; "
            "print(ascii(read_optima('pmed', bench=sys.argv[1])))")
    env = dict(os.environ, LC_ALL="C", LANG="C", PYTHONUTF8="0", PYTHONCOERCECLOCALE="0",
               PYTHONPATH=str(Path(arealsirk.__file__).resolve().parents[1]))
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ascii([{"instance": "Ålesund", "optimal_value": "12", "source": "Møre"}])
