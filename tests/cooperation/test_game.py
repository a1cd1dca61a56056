"""Shapley, Owen, core and proportional keys against independent computations."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from arealsirk.cooperation import CostGame, analyse, core_check, least_core, owen, proportional, shapley
from arealsirk.errors import InputError


def _random_game(n: int, seed: int) -> CostGame:
    """A subadditive-ish game: sum of stand-alone costs minus random pair savings (exact, no solver)."""
    rng = np.random.default_rng(seed)
    players = [f"k{i}" for i in range(n)]
    alone = dict(zip(players, rng.uniform(50, 150, n), strict=True))
    pair = {frozenset(p): rng.uniform(0, 20) for p in itertools.combinations(players, 2)}
    fixed = 40.0

    def v(s: frozenset[str]) -> float:
        # economies of scale: one shared fixed cost instead of one per member, and pair synergies
        return (
            sum(alone[p] for p in s) - fixed * (len(s) - 1) - sum(w for k, w in pair.items() if k <= s) * 0.5
        )

    return CostGame(players, v)


def _brute_orderings(game: CostGame, orders: list[tuple[str, ...]]) -> dict[str, float]:
    """Average marginal cost over the given orderings (independent of the library's formula)."""
    tot = dict.fromkeys(game.players, 0.0)
    for order in orders:
        before: list[str] = []
        for p in order:
            tot[p] += game([*before, p]) - game(before)
            before.append(p)
    return {p: t / len(orders) for p, t in tot.items()}


def test_shapley_exact_equals_all_orderings() -> None:
    game = _random_game(5, 1)
    exact = shapley(game).value
    brute = _brute_orderings(game, list(itertools.permutations(game.players)))
    assert exact == pytest.approx(brute, rel=1e-12)
    assert sum(exact.values()) == pytest.approx(game(game.grand))


def test_shapley_airport_game_closed_form() -> None:
    # Littlechild & Owen (1973): runway cost game v(S) = max_{i in S} c_i; the Shapley value shares
    # each runway segment equally among the players who need it.
    c = {"a": 10.0, "b": 25.0, "c": 25.0, "d": 60.0}
    game = CostGame(list(c), lambda s: max(c[p] for p in s))
    levels = sorted(set(c.values()))
    expect = {}
    for p, cp in c.items():
        share, prev = 0.0, 0.0
        for lev in levels:
            if lev > cp:
                break
            users = sum(1 for q in c.values() if q >= lev)
            share += (lev - prev) / users
            prev = lev
        expect[p] = share
    assert shapley(game).value == pytest.approx(expect)
    # the airport game is concave: the Shapley value is in the core
    assert core_check(game, expect).in_core


def test_sampled_shapley_within_stated_error() -> None:
    game = _random_game(7, 3)
    exact = shapley(game, exact=True).value
    est = shapley(game, exact=False, samples=400, seed=5)
    assert est.method.startswith("sampled")
    # every ordering splits v(N) exactly, so the estimate is efficient
    assert sum(est.value.values()) == pytest.approx(game(game.grand))
    for p in game.players:
        assert est.std_error[p] > 0
        assert abs(est.value[p] - exact[p]) <= 4 * est.std_error[p]


def test_owen_equals_orderings_with_contiguous_blocks() -> None:
    game = _random_game(5, 7)
    unions = {"k0": "A", "k1": "A", "k2": "B", "k3": "B", "k4": "C"}
    blocks = {}
    for p, b in unions.items():
        blocks.setdefault(b, []).append(p)
    orders = []
    for border in itertools.permutations(blocks):
        inner = [list(itertools.permutations(blocks[b])) for b in border]
        for combo in itertools.product(*inner):
            orders.append(tuple(p for part in combo for p in part))
    brute = _brute_orderings(game, orders)
    assert owen(game, unions).value == pytest.approx(brute, rel=1e-12)


def test_core_check_against_enumeration() -> None:
    game = _random_game(5, 11)
    rng = np.random.default_rng(2)
    for _ in range(20):
        w = rng.uniform(0, 1, game.n)
        split = dict(zip(game.players, game(game.grand) * w / w.sum(), strict=True))
        expect = set()
        for r in range(1, game.n):
            for c in itertools.combinations(game.players, r):
                if sum(split[p] for p in c) > game(c) + 1e-6 * game(game.grand):
                    expect.add(" + ".join(sorted(c)))
        chk = core_check(game, split)
        assert set(chk.violations["coalition"]) == expect
        assert chk.in_core == (not expect)
        assert chk.checked == "all 30 proper coalitions of 5 groups"


def test_empty_core_explained() -> None:
    # three towns: any one or any two can be served for 1, all three need 2 -> core empty
    game = CostGame(["x", "y", "z"], lambda s: 1.0 if len(s) <= 2 else 2.0)
    eps, split, binding = least_core(game)
    assert eps == pytest.approx(1 / 3)
    assert split == pytest.approx({"x": 2 / 3, "y": 2 / 3, "z": 2 / 3})
    assert {c for c, _ in binding} == {"x + y", "x + z", "y + z"}
    assert all(w == pytest.approx(0.5) for _, w in binding)
    # balanced collection: sum lambda_S v(S) = 1.5 < v(N) = 2
    assert sum(w * 1.0 for _, w in binding) < 2.0
    rep = analyse(game)
    assert rep.summary["core_empty"] is True
    assert any("core is empty" in m for m in rep.messages)
    assert not rep.summary["shapley_in_core"]


def test_proportional_keys_by_hand() -> None:
    import pandas as pd

    assert proportional(900.0, {"a": 1, "b": 2, "c": 6}) == pytest.approx({"a": 100, "b": 200, "c": 600})
    with pytest.raises(InputError, match="key 'tonnes' sums to 0"):
        proportional(1.0, {"a": 0, "b": 0}, key="tonnes")
    with pytest.raises(InputError, match="weights must be >= 0"):
        proportional(1.0, {"a": -1, "b": 2})
    table = {("a",): 60.0, ("b",): 50.0, ("a", "b"): 80.0}
    game = CostGame.from_table(table)
    keys = pd.DataFrame({"tonnes": [3.0, 1.0], "inhabitants": [1000, 3000]}, index=["a", "b"])
    rep = analyse(game, keys=keys)
    t = rep.table.set_index("group")
    assert t.loc["a", "key_tonnes_nok"] == pytest.approx(60.0)
    assert t.loc["b", "key_tonnes_nok"] == pytest.approx(20.0)
    assert t.loc["a", "key_inhabitants_nok"] == pytest.approx(20.0)
    # Shapley by hand: a = (60 + (80 - 50)) / 2 = 45, b = 35
    assert t.loc["a", "shapley_nok"] == pytest.approx(45.0)
    assert t.loc["b", "shapley_nok"] == pytest.approx(35.0)
    assert rep.summary["saving_nok"] == pytest.approx(30.0)
    # the tonnes key makes b pay 20 < 50 but a pays 60 = alone: in the core; inhabitants: b pays 60 > 50
    assert rep.core["key_tonnes"].in_core
    assert not rep.core["key_inhabitants"].in_core
    assert rep.core["key_inhabitants"].violations["coalition"].tolist() == ["b"]


def test_bad_inputs_named() -> None:
    with pytest.raises(InputError, match="appears twice"):
        CostGame(["a", "a"], lambda s: 0.0)
    with pytest.raises(InputError, match="no entry for coalition a \\+ b"):
        CostGame.from_table({"a": 1.0, "b": 1.0})
    game = CostGame(["a", "b"], lambda s: math.nan)
    with pytest.raises(InputError, match="not finite"):
        game(["a"])
    with pytest.raises(InputError, match="no block"):
        owen(CostGame(["a", "b"], lambda s: 1.0), {"a": "A"})


def _sorted_excess(game: CostGame, x: dict[str, float]) -> np.ndarray:
    out = []
    for r in range(1, game.n):
        for c in itertools.combinations(game.players, r):
            out.append(sum(x[p] for p in c) - game(c))
    return np.sort(out)[::-1]


def _lex_leq(a: np.ndarray, b: np.ndarray, tol: float = 1e-7) -> bool:
    for u, w in zip(a, b, strict=True):
        if u < w - tol:
            return True
        if u > w + tol:
            return False
    return True


def test_nucleolus_is_the_lexicographic_minimum() -> None:
    from arealsirk.cooperation import nucleolus

    # two players: the nucleolus is the standard solution, alone minus half the saving
    two = CostGame.from_table({"a": 60.0, "b": 50.0, ("a", "b"): 80.0})
    assert nucleolus(two) == pytest.approx({"a": 45.0, "b": 35.0})
    # the empty-core game: by symmetry 2/3 each
    sym = CostGame(["x", "y", "z"], lambda s: 1.0 if len(s) <= 2 else 2.0)
    assert nucleolus(sym) == pytest.approx({"x": 2 / 3, "y": 2 / 3, "z": 2 / 3})
    # asymmetric games: no split on a grid (step 1/8) or drawn at random has a smaller sorted excess vector
    rng = np.random.default_rng(4)
    for table in (
        {"a": 6, "b": 6, "c": 6, ("a", "b"): 8, ("a", "c"): 10, ("b", "c"): 12, ("a", "b", "c"): 13},
        {"a": 3, "b": 7, "c": 9, ("a", "b"): 9, ("a", "c"): 11, ("b", "c"): 12, ("a", "b", "c"): 17},
    ):
        game = CostGame.from_table(table)
        nu = nucleolus(game)
        total = game(game.grand)
        assert sum(nu.values()) == pytest.approx(total)
        best = _sorted_excess(game, nu)
        grid = np.arange(-4, 22, 0.125)
        for xa in grid:
            for xb in grid:
                y = {"a": xa, "b": xb, "c": total - xa - xb}
                assert _lex_leq(best, _sorted_excess(game, y))
        for _ in range(200):
            d = rng.normal(0, 0.5, 3)
            d -= d.mean()
            y = {p: nu[p] + d[i] for i, p in enumerate(game.players)}
            assert _lex_leq(best, _sorted_excess(game, y))
    # in the core whenever the core is not empty
    g5 = _random_game(5, 11)
    assert core_check(g5, nucleolus(g5)).in_core
