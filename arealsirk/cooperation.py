"""Alone or together: the cost of every coalition of groups, the saving, and a fair split of the bill.

A *cost game* is a set of players :math:`N` (kommuner, regions, waste companies -- any grouping) and a
cost :math:`v(S)` for every coalition :math:`S \\subseteq N`: what the members of :math:`S` pay when they
solve the task together and without the others (:math:`v(\\emptyset) = 0`).  Cooperation pays when
:math:`v(N) < \\sum_i v(\\{i\\})`; the bill :math:`v(N)` is then split by

* proportional keys (tonnes, inhabitants, tonne-km, benefit): :math:`x_i = v(N)\\,w_i / \\sum_j w_j`;
* the **Shapley value** (Shapley 1953, "A value for n-person games", Contributions to the Theory of
  Games II, Annals of Mathematics Studies 28:307-317), each player's marginal cost averaged over all
  orders of joining,

  .. math:: \\phi_i = \\sum_{S \\subseteq N \\setminus \\{i\\}} \\frac{|S|!\\,(n - |S| - 1)!}{n!}
            \\bigl(v(S \\cup \\{i\\}) - v(S)\\bigr),

  exact for up to ``cooperation.shapley_exact_max_players`` players, else estimated from
  ``cooperation.shapley_samples`` random orders (Castro, Gómez & Tejada 2009, "Polynomial calculation of
  the Shapley value based on sampling", Computers & Operations Research 36:1726-1730) with the standard
  error of each estimate;
* the **Owen value** (Owen 1977, "Values of games with a priori unions") when the players belong to
  blocks that negotiate as one (kommuner inside regions): the Shapley value of the blocks, shared inside
  each block by the Shapley value of its members given the other blocks.

The **core** is the set of splits where no coalition pays more than it would alone,
:math:`\\sum_{i \\in S} x_i \\le v(S)` for every :math:`S`.  :func:`core_check` tests a split against every
coalition (small games) or against the coalitions of size 1, 2, n-2, n-1 and every coalition already
solved (large games, and says so).  :func:`least_core` solves the linear programme
:math:`\\min \\varepsilon` s.t. :math:`x(S) \\le v(S) + \\varepsilon`, :math:`x(N) = v(N)`; the core is
empty exactly when :math:`\\varepsilon^* > 0` (Bondareva 1963; Shapley 1967), and the coalitions whose
constraints bind (with positive dual weights :math:`\\lambda_S`, a balanced collection with
:math:`\\sum_S \\lambda_S v(S) < v(N)`) explain why.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InputError
from .resources import parameter

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CooperationReport",
    "CoreCheck",
    "CostGame",
    "ShapleyValue",
    "analyse",
    "core_check",
    "least_core",
    "nucleolus",
    "owen",
    "proportional",
    "shapley",
]


def _label(coalition: Iterable[str]) -> str:
    return " + ".join(sorted(coalition))


class CostGame:
    """A cooperative cost game: players and a cached coalition cost :math:`v(S)`.

    Parameters
    ----------
    players
        Distinct player names (group labels), at least one.
    cost
        ``cost(frozenset_of_players) -> float``, NOK/yr; called at most once per coalition.
        The empty coalition costs 0 and is never passed.
    name
        What the game is about (for reports).
    """

    def __init__(
        self, players: Sequence[Any], cost: Callable[[frozenset[str]], float], *, name: str = ""
    ) -> None:
        names = [str(p) for p in players]
        if not names:
            raise InputError("cooperation: no players (groups) given")
        dup = sorted({p for p in names if names.count(p) > 1})
        if dup:
            raise InputError(f"cooperation: player '{dup[0]}' appears twice")
        self.players: tuple[str, ...] = tuple(sorted(names))
        self.name = name
        self._cost = cost
        self.cache: dict[frozenset[str], float] = {frozenset(): 0.0}

    @classmethod
    def from_table(cls, costs: Mapping[Any, float], *, name: str = "") -> CostGame:
        """A game from a table ``{coalition: cost}`` (coalition = iterable of players, or one name).

        Every non-empty coalition of the players named must be present.
        """
        table: dict[frozenset[str], float] = {}
        for key, value in costs.items():
            members = frozenset([str(key)]) if isinstance(key, str) else frozenset(str(k) for k in key)
            table[members] = float(value)
        players = sorted(set().union(*table)) if table else []
        missing = [
            c
            for r in range(1, len(players) + 1)
            for c in itertools.combinations(players, r)
            if frozenset(c) not in table
        ]
        if missing:
            raise InputError(f"cooperation: the cost table has no entry for coalition {_label(missing[0])}")
        return cls(players, table.__getitem__, name=name)

    @property
    def n(self) -> int:
        """Number of players."""
        return len(self.players)

    @property
    def grand(self) -> frozenset[str]:
        """The coalition of all players."""
        return frozenset(self.players)

    def __call__(self, coalition: Iterable[str]) -> float:
        """:math:`v(S)` (cached)."""
        s = frozenset(str(p) for p in coalition)
        if s not in self.cache:
            unknown = sorted(s - set(self.players))
            if unknown:
                raise InputError(
                    f"cooperation: '{unknown[0]}' is not a player; players: {', '.join(self.players)}"
                )
            value = float(self._cost(s))
            if not math.isfinite(value):
                raise InputError(f"cooperation: the cost of coalition {_label(s)} is not finite ({value})")
            self.cache[s] = value
        return self.cache[s]

    def mask_costs(self) -> np.ndarray:
        """:math:`v` of every coalition as an array indexed by bitmask (bit ``i`` = ``players[i]``)."""
        n = self.n
        out = np.empty(1 << n)
        for mask in range(1 << n):
            out[mask] = self(p for i, p in enumerate(self.players) if mask >> i & 1)
        return out


@dataclass(frozen=True)
class ShapleyValue:
    """Shapley (or Owen) shares of :math:`v(N)`.

    Attributes
    ----------
    value
        Share per player, NOK/yr; sums to :math:`v(N)`.
    std_error
        Standard error per player (0 when exact).
    method
        ``"exact"``, ``"sampled (m orderings)"`` or ``"owen"``.
    """

    value: dict[str, float]
    std_error: dict[str, float]
    method: str


def _exact(game: CostGame) -> dict[str, float]:
    n = game.n
    v = game.mask_costs()
    size = np.array([bin(m).count("1") for m in range(1 << n)])
    w = np.array(
        [
            math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) if s < n else 0.0
            for s in range(n + 1)
        ]
    )
    masks = np.arange(1 << n)
    out = {}
    for i, p in enumerate(game.players):
        without = masks[(masks >> i & 1) == 0]
        out[p] = float(np.sum(w[size[without]] * (v[without | (1 << i)] - v[without])))
    return out


def _sampled(game: CostGame, samples: int, seed: int) -> tuple[dict[str, float], dict[str, float]]:
    rng = np.random.default_rng(seed)
    n = game.n
    marg = np.zeros((samples, n))
    for s in range(samples):
        order = rng.permutation(n)
        members: list[str] = []
        prev = 0.0
        for i in order:
            members.append(game.players[i])
            cur = game(members)
            marg[s, i] = cur - prev
            prev = cur
    mean = marg.mean(axis=0)
    se = marg.std(axis=0, ddof=1) / math.sqrt(samples) if samples > 1 else np.full(n, np.inf)
    return (
        {p: float(mean[i]) for i, p in enumerate(game.players)},
        {p: float(se[i]) for i, p in enumerate(game.players)},
    )


def shapley(
    game: CostGame,
    *,
    exact: bool | None = None,
    samples: int | None = None,
    seed: int | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> ShapleyValue:
    """The Shapley value of ``game`` (see the module docstring).

    Parameters
    ----------
    game
        The cost game.
    exact
        ``None``: exact when ``game.n <= cooperation.shapley_exact_max_players`` (needs all
        :math:`2^n` coalitions), else sampled.  ``True``/``False`` force the method.
    samples, seed
        Random orderings and seed of the sampled estimate (``cooperation.shapley_samples``,
        ``cooperation.seed``).  Each ordering costs at most ``n`` new coalition solves.
    parameters
        Overrides of defaults-table keys (``cooperation.*``).

    Returns
    -------
    ShapleyValue
        With the standard error of each sampled share (sample standard deviation of the player's
        marginal costs over the orderings / sqrt(orderings)); exact shares have error 0.
    """
    if exact is None:
        exact = game.n <= int(parameter("cooperation.shapley_exact_max_players", parameters))
    if exact:
        if game.n > 20:
            raise InputError(
                f"cooperation: an exact Shapley value of {game.n} players needs 2^{game.n} "
                "coalitions; use exact=False (sampled)"
            )
        val = _exact(game)
        return ShapleyValue(val, dict.fromkeys(val, 0.0), "exact")
    m = int(samples if samples is not None else parameter("cooperation.shapley_samples", parameters))
    if m < 2:
        raise InputError(f"cooperation: samples must be >= 2 for a standard error, got {m}")
    s = int(seed if seed is not None else parameter("cooperation.seed", parameters))
    val, se = _sampled(game, m, s)
    return ShapleyValue(val, se, f"sampled ({m} orderings)")


def owen(game: CostGame, unions: Mapping[str, str]) -> ShapleyValue:
    """The Owen value: Shapley among blocks, then inside each block given the other blocks.

    .. math::

        \\psi_i = \\sum_{R \\subseteq M \\setminus \\{k\\}} \\sum_{T \\subseteq U_k \\setminus \\{i\\}}
        \\frac{r!(m-r-1)!}{m!}\\,\\frac{t!(u-t-1)!}{u!}\\,
        \\bigl(v(Q_R \\cup T \\cup \\{i\\}) - v(Q_R \\cup T)\\bigr)

    for player :math:`i` in block :math:`U_k` (size :math:`u`) of :math:`m` blocks, :math:`Q_R` the
    players of the blocks in :math:`R`.  Needs :math:`\\sum_k 2^{m-1} 2^{u_k}` coalitions -- far fewer
    than :math:`2^n` (10 kommuner in blocks of 5, 3, 2: 176 instead of 1 024).

    Parameters
    ----------
    game
        The cost game (players = e.g. kommuner).
    unions
        Block of each player (e.g. kommune -> region); every player must have one.
    """
    missing = [p for p in game.players if p not in unions]
    if missing:
        raise InputError(f"cooperation: player '{missing[0]}' has no block (union)")
    blocks: dict[str, list[str]] = {}
    for p in game.players:
        blocks.setdefault(str(unions[p]), []).append(p)
    names = sorted(blocks)
    m = len(names)
    f = math.factorial
    out: dict[str, float] = {}
    for bk in names:
        others = [b for b in names if b != bk]
        members = blocks[bk]
        u = len(members)
        for i in members:
            rest = [p for p in members if p != i]
            total = 0.0
            for r in range(m):
                wr = f(r) * f(m - r - 1) / f(m)
                for blocks_r in itertools.combinations(others, r):
                    base = [p for b in blocks_r for p in blocks[b]]
                    for t in range(u):
                        wt = f(t) * f(u - t - 1) / f(u)
                        for part in itertools.combinations(rest, t):
                            s = [*base, *part]
                            total += wr * wt * (game([*s, i]) - game(s))
            out[i] = total
    return ShapleyValue(out, dict.fromkeys(out, 0.0), "owen")


def proportional(total: float, weights: Mapping[str, float], *, key: str = "weight") -> dict[str, float]:
    """Split ``total`` in proportion to ``weights``: :math:`x_i = total\\,w_i / \\sum_j w_j`.

    Parameters
    ----------
    total
        The cost to split (NOK/yr), usually :math:`v(N)`.
    weights
        The key of each player (tonnes, inhabitants ...): finite and at least 0, not all 0.
    key
        The key's name, in error messages.

    Returns
    -------
    dict
        The share of each player, summing to ``total``.

    Raises
    ------
    InputError
        Negative or non-finite weights, or weights summing to 0 (naming ``key``).
    """
    w = {str(k): float(v) for k, v in weights.items()}
    bad = [k for k, v in w.items() if not math.isfinite(v) or v < 0]
    if bad:
        raise InputError(f"cooperation: key '{key}' of '{bad[0]}' is {w[bad[0]]!r}; weights must be >= 0")
    s = sum(w.values())
    if s <= 0:
        raise InputError(f"cooperation: key '{key}' sums to 0; it cannot split the cost")
    return {k: total * v / s for k, v in w.items()}


@dataclass
class CoreCheck:
    """Whether a split lies in the core.

    Attributes
    ----------
    in_core
        ``True`` when no checked coalition pays more than alone (within the tolerance).
    checked
        What was checked ("all 62 coalitions" or which sizes and how many).
    violations
        Rows ``coalition, size, pays_nok, alone_nok, excess_nok`` for every violated coalition,
        largest excess first.
    """

    in_core: bool
    checked: str
    violations: pd.DataFrame


def _coalitions_to_check(game: CostGame, exhaustive: bool) -> tuple[list[frozenset[str]], str]:
    n, pl = game.n, game.players
    if exhaustive:
        out = [frozenset(c) for r in range(1, n) for c in itertools.combinations(pl, r)]
        return out, f"all {len(out)} proper coalitions of {n} groups"
    sizes = sorted({1, 2, n - 2, n - 1} & set(range(1, n)))
    chosen = {frozenset(c) for r in sizes for c in itertools.combinations(pl, r)}
    extra = {c for c in game.cache if 0 < len(c) < n} - chosen
    out = sorted(chosen | extra, key=lambda c: (len(c), sorted(c)))
    return out, (
        f"{len(out)} of {2**n - 2} proper coalitions: every coalition of size "
        f"{', '.join(map(str, sizes))} and {len(extra)} others already solved"
    )


def core_check(
    game: CostGame,
    allocation: Mapping[str, float],
    *,
    exhaustive: bool | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> CoreCheck:
    """Check that no coalition pays more under ``allocation`` than it would alone.

    Parameters
    ----------
    game
        The cost game.
    allocation
        Share per player (NOK/yr).  A split that does not add up to :math:`v(N)` is reported as a
        violation of the grand coalition.
    exhaustive
        ``None``: every coalition when ``n <= cooperation.shapley_exact_max_players``, else the
        coalitions of size 1, 2, n-2, n-1 and every coalition already solved (see ``checked``).
    parameters
        Overrides of defaults-table keys (``cooperation.core_tolerance``,
        ``cooperation.shapley_exact_max_players``).

    Returns
    -------
    CoreCheck
        Whether the split is in the core, what was checked, and every violated coalition.
    """
    import pandas as pd

    miss = [p for p in game.players if p not in allocation]
    if miss:
        raise InputError(f"cooperation: the split has no share for '{miss[0]}'")
    if exhaustive is None:
        exhaustive = game.n <= int(parameter("cooperation.shapley_exact_max_players", parameters))
    tol = parameter("cooperation.core_tolerance", parameters) * max(abs(game(game.grand)), 1.0)
    coalitions, checked = _coalitions_to_check(game, exhaustive)
    rows = []
    for c in [*coalitions, game.grand]:
        pays = sum(float(allocation[p]) for p in c)
        alone = game(c)
        excess = pays - alone
        if excess > tol or (c == game.grand and abs(excess) > tol):
            rows.append(
                {
                    "coalition": _label(c),
                    "size": len(c),
                    "pays_nok": pays,
                    "alone_nok": alone,
                    "excess_nok": excess,
                }
            )
    viol = pd.DataFrame(rows, columns=["coalition", "size", "pays_nok", "alone_nok", "excess_nok"])
    viol = viol.sort_values("excess_nok", ascending=False, ignore_index=True)
    return CoreCheck(in_core=viol.empty, checked=checked, violations=viol)


def least_core(
    game: CostGame, *, parameters: Mapping[str, Any] | None = None
) -> tuple[float, dict[str, float], list[tuple[str, float]]]:
    """The least core: the least :math:`\\varepsilon` so that some split pays at most v(S) + eps.

    Solves :math:`\\min \\varepsilon` s.t. :math:`x(S) - \\varepsilon \\le v(S)` for every proper
    coalition, :math:`x(N) = v(N)` with :func:`scipy.optimize.linprog` (HiGHS).  Needs every coalition
    (:math:`2^n`), so at most ``cooperation.shapley_exact_max_players`` players.

    Parameters
    ----------
    game
        The cost game.
    parameters
        Overrides of defaults-table keys (``cooperation.shapley_exact_max_players``).

    Returns
    -------
    epsilon, split, binding
        :math:`\\varepsilon^*` (NOK/yr; the core is empty when it is above the tolerance), a split in
        the least core, and the binding coalitions with their dual weights :math:`\\lambda_S`
        (largest first) -- when the core is empty they form a balanced collection with
        :math:`\\sum \\lambda_S v(S) < v(N)`: these coalitions together do better than the grand one.
    """
    from scipy.optimize import linprog

    n = game.n
    if n > int(parameter("cooperation.shapley_exact_max_players", parameters)):
        raise InputError(
            f"cooperation: the least core of {n} groups needs all 2^{n} coalitions; "
            "raise cooperation.shapley_exact_max_players to allow it"
        )
    v = game.mask_costs()
    full = (1 << n) - 1
    masks = np.arange(1, full)
    bits = ((masks[:, None] >> np.arange(n)[None, :]) & 1).astype(float)
    a_ub = np.hstack([bits, -np.ones((len(masks), 1))])
    a_eq = np.r_[np.ones(n), 0.0][None, :]
    cvec = np.r_[np.zeros(n), 1.0]
    if n == 1:
        return 0.0, {game.players[0]: float(v[full])}, []
    res = linprog(
        cvec,
        A_ub=a_ub,
        b_ub=v[masks],
        A_eq=a_eq,
        b_eq=[v[full]],
        bounds=[(None, None)] * (n + 1),
        method="highs",
    )
    if res.status != 0:  # pragma: no cover - the LP is always feasible and bounded
        raise InputError(f"cooperation: least-core LP failed: {res.message}")
    lam = -np.asarray(res.ineqlin.marginals)
    # every player is covered by the same total dual weight (x_i is free); dividing by it gives the
    # weights of a balanced collection (sum over the coalitions holding any player = 1)
    cover = float(lam[(masks & 1) == 1].sum())
    duals = lam / cover if cover > 1e-12 else lam
    order = np.argsort(-duals)
    binding = [
        (_label(p for i, p in enumerate(game.players) if masks[k] >> i & 1), float(duals[k]))
        for k in order
        if duals[k] > 1e-9
    ]
    x = {p: float(res.x[i]) for i, p in enumerate(game.players)}
    return float(res.x[n]), x, binding


def nucleolus(game: CostGame, *, parameters: Mapping[str, Any] | None = None) -> dict[str, float]:
    """The nucleolus (Schmeidler 1969): the split that lexicographically minimises the largest excesses.

    The excess of a coalition is what it pays above its stand-alone cost, :math:`x(S) - v(S)`.  Solved
    by the sequence of least-core LPs (Maschler, Peleg & Shapley 1979): minimise the largest excess of
    the coalitions not yet fixed, fix every coalition whose excess cannot go below that level (its
    dual is positive, or a second LP shows it cannot), repeat until the fixed coalitions determine the
    split.  The nucleolus always exists, is unique, and lies in the core whenever the core is not empty.
    Needs every coalition, so at most ``cooperation.shapley_exact_max_players`` players.

    Parameters
    ----------
    game
        The cost game.
    parameters
        Overrides of defaults-table keys (``cooperation.core_tolerance``,
        ``cooperation.shapley_exact_max_players``).

    Returns
    -------
    dict
        The share of each player (NOK/yr), summing to :math:`v(N)`.
    """
    from scipy.optimize import linprog

    n = game.n
    if n > int(parameter("cooperation.shapley_exact_max_players", parameters)):
        raise InputError(f"cooperation: the nucleolus of {n} groups needs all 2^{n} coalitions")
    v = game.mask_costs()
    full = (1 << n) - 1
    if n == 1:
        return {game.players[0]: float(v[full])}
    masks = np.arange(1, full)
    bits = ((masks[:, None] >> np.arange(n)[None, :]) & 1).astype(float)
    tol = 1e-9 * max(float(np.abs(v).max()), 1.0)
    fixed_rows = [np.ones(n)]
    fixed_rhs = [float(v[full])]
    free = np.ones(len(masks), dtype=bool)
    x = None
    while np.linalg.matrix_rank(np.array(fixed_rows), tol=1e-9) < n and free.any():
        a_ub = np.hstack([bits[free], -np.ones((int(free.sum()), 1))])
        a_eq = np.hstack([np.array(fixed_rows), np.zeros((len(fixed_rows), 1))])
        res = linprog(
            np.r_[np.zeros(n), 1.0],
            A_ub=a_ub,
            b_ub=v[masks][free],
            A_eq=a_eq,
            b_eq=fixed_rhs,
            bounds=[(None, None)] * (n + 1),
            method="highs",
        )
        if res.status != 0:  # pragma: no cover - always feasible and bounded
            raise InputError(f"cooperation: nucleolus LP failed: {res.message}")
        eps, x = float(res.x[n]), res.x[:n]
        idx = np.flatnonzero(free)
        duals = -np.asarray(res.ineqlin.marginals)
        slack = v[masks][idx] + eps - bits[idx] @ x
        to_fix = [
            int(k)
            for k, d, sl in zip(idx, duals, slack, strict=True)
            if d > 1e-9 and sl < 1e-7 * (1 + abs(eps))
        ]
        for k in idx[(slack < 1e-7 * (1 + abs(eps)))]:
            if int(k) in to_fix:
                continue
            # tight now but with a zero dual: fixed only if its excess cannot go below eps
            a_ub2 = np.hstack([bits[free], -np.ones((int(free.sum()), 1))])
            r2 = linprog(
                np.r_[bits[k], 0.0],
                A_ub=a_ub2,
                b_ub=v[masks][free],
                A_eq=np.vstack([a_eq, np.r_[np.zeros(n), 1.0]]),
                b_eq=[*fixed_rhs, eps],
                bounds=[(None, None)] * (n + 1),
                method="highs",
            )
            if r2.status == 0 and r2.fun - v[masks][k] > eps - tol:
                to_fix.append(int(k))
        if not to_fix:  # pragma: no cover - LP theory guarantees a fixed coalition each round
            break
        for k in to_fix:
            free[k] = False
            fixed_rows.append(bits[k])
            fixed_rhs.append(float(v[masks][k] + eps))
    a = np.array(fixed_rows)
    sol, *_ = np.linalg.lstsq(a, np.array(fixed_rhs), rcond=None)
    if np.linalg.matrix_rank(a, tol=1e-9) < n and x is not None:  # pragma: no cover
        sol = x
    return {p: float(sol[i]) for i, p in enumerate(game.players)}


@dataclass
class CooperationReport:
    """Alone versus together, and the fair split.

    Attributes
    ----------
    table
        One row per group: ``group``, ``alone_nok`` (:math:`v(\\{i\\})`), ``shapley_nok`` and
        ``shapley_se_nok``, ``saving_nok`` (alone - Shapley) and ``saving_share``, one
        ``key_<name>_nok`` column per proportional key with ``key_<name>_saving_nok``, and
        ``least_core_nok`` when computed.
    coalitions
        Every coalition solved: ``coalition``, ``size``, ``cost_nok``, ``alone_sum_nok``
        (its members alone), ``saving_nok``.
    summary
        ``joint_nok``, ``sum_alone_nok``, ``saving_nok``, ``saving_share``, ``shapley_method``,
        ``shapley_in_core``, ``core_checked``, ``core_empty`` (``None`` when not decided),
        ``least_core_epsilon_nok``, ``price_year``.
    core
        :class:`CoreCheck` of the Shapley split and of each proportional key (by name).
    messages
        Plain-language findings (en).
    """

    table: pd.DataFrame
    coalitions: pd.DataFrame
    summary: dict[str, Any]
    core: dict[str, CoreCheck] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


def _coalition_table(game: CostGame) -> pd.DataFrame:
    import pandas as pd

    rows = []
    solutions = getattr(game, "solutions", {})  # solver-backed games keep what they built
    for c, cost in game.cache.items():
        if not c:
            continue
        alone = sum(game([p]) for p in sorted(c))  # a fixed order: the same sum run after run
        row = {
            "coalition": _label(c),
            "size": len(c),
            "cost_nok": cost,
            "alone_sum_nok": alone,
            "saving_nok": alone - cost,
        }
        sol = solutions.get(c)
        if sol is not None:
            row["plants"] = "; ".join(
                f"{sid} ({t:,.0f} t)"
                for sid, t in zip(sol.plants["site_id"], sol.plants["feedstock_t"], strict=True)
            )
            row["uncollected_t"] = sol.uncollected_t
            row["status"] = sol.status
        rows.append(row)
    return pd.DataFrame(rows).sort_values(["size", "coalition"], ignore_index=True)


def analyse(
    game: CostGame,
    *,
    keys: pd.DataFrame | None = None,
    unions: Mapping[str, str] | None = None,
    exact: bool | None = None,
    samples: int | None = None,
    seed: int | None = None,
    exhaustive: bool | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> CooperationReport:
    """Alone versus together and the fair split of :math:`v(N)` (see the module docstring).

    Parameters
    ----------
    game
        The cost game.
    keys
        Proportional keys: index = the players, one numeric column per key (``tonnes``,
        ``inhabitants``, ``tonne_km``, ``benefit`` ...).
    unions
        Block of each player: the fair split is then the Owen value (blocks negotiate as one).
    exact, samples, seed
        For :func:`shapley`.
    exhaustive
        Check the core against every coalition and compute the least core (``None``: when
        ``n <= cooperation.shapley_exact_max_players``).  ``False`` checks the coalitions of size
        1, 2, n-2, n-1 and those already solved (the Owen value solves far fewer than :math:`2^n`).
    parameters
        Overrides of defaults-table keys (``cooperation.*``, ``costs.price_year``).

    Returns
    -------
    CooperationReport
        The split table, every coalition solved, the summary, the core checks and the findings.
    """
    joint = game(game.grand)
    alone = {p: game([p]) for p in game.players}
    sv = (
        owen(game, unions)
        if unions is not None
        else shapley(game, exact=exact, samples=samples, seed=seed, parameters=parameters)
    )
    t = _shapley_table(game, alone, sv)
    if exhaustive is None:
        exhaustive = game.n <= int(parameter("cooperation.shapley_exact_max_players", parameters))
    checks = {"shapley": core_check(game, sv.value, exhaustive=exhaustive, parameters=parameters)}
    if keys is not None:
        checks.update(_key_splits(game, t, keys, joint, exhaustive=exhaustive, parameters=parameters))
    msgs: list[str] = []
    eps: float | None = None
    core_empty: bool | None
    if exhaustive:
        eps, core_empty, found = _least_core_and_nucleolus(game, t, joint, parameters)
        msgs += found
    else:
        core_empty = None if not checks["shapley"].in_core else False
    sum_alone = float(sum(alone.values()))
    saving = sum_alone - joint
    msgs += _findings(saving, checks)
    summary = {
        "joint_nok": joint,
        "sum_alone_nok": sum_alone,
        "saving_nok": saving,
        "saving_share": saving / sum_alone if sum_alone else float("nan"),
        "shapley_method": sv.method,
        "shapley_in_core": checks["shapley"].in_core,
        "core_checked": checks["shapley"].checked,
        "core_empty": core_empty,
        "least_core_epsilon_nok": eps,
        "price_year": int(parameter("costs.price_year", parameters)),
        "coalitions_solved": len(game.cache) - 1,
    }
    return CooperationReport(
        table=t, coalitions=_coalition_table(game), summary=summary, core=checks, messages=msgs
    )


def _shapley_table(game: CostGame, alone: Mapping[str, float], sv: ShapleyValue) -> pd.DataFrame:
    """One row per player: stand-alone cost, Shapley (or Owen) share, its standard error, saving."""
    import pandas as pd

    t = pd.DataFrame({"group": list(game.players)})
    t["alone_nok"] = [alone[p] for p in game.players]
    t["shapley_nok"] = [sv.value[p] for p in game.players]
    t["shapley_se_nok"] = [sv.std_error[p] for p in game.players]
    t["saving_nok"] = t["alone_nok"] - t["shapley_nok"]
    t["saving_share"] = np.where(
        t["alone_nok"] != 0, t["saving_nok"] / t["alone_nok"].where(t["alone_nok"] != 0, 1), np.nan
    )
    return t


def _key_splits(
    game: CostGame,
    t: pd.DataFrame,
    keys: pd.DataFrame,
    joint: float,
    *,
    exhaustive: bool,
    parameters: Mapping[str, Any] | None,
) -> dict[str, CoreCheck]:
    """Add each proportional key's split and saving to ``t`` (in place); their core checks by name."""
    missing = [p for p in game.players if p not in set(map(str, keys.index))]
    if missing:
        raise InputError(f"cooperation: the keys table has no row for group '{missing[0]}'")
    kt = keys.copy()
    kt.index = kt.index.map(str)
    checks: dict[str, CoreCheck] = {}
    for col in kt.columns:
        x = proportional(joint, {p: kt.loc[p, col] for p in game.players}, key=str(col))
        t[f"key_{col}_nok"] = [x[p] for p in game.players]
        t[f"key_{col}_saving_nok"] = t["alone_nok"] - t[f"key_{col}_nok"]
        checks[f"key_{col}"] = core_check(game, x, exhaustive=exhaustive, parameters=parameters)
    return checks


def _least_core_and_nucleolus(
    game: CostGame, t: pd.DataFrame, joint: float, parameters: Mapping[str, Any] | None
) -> tuple[float, bool, list[str]]:
    """Add the least-core and nucleolus splits to ``t`` (in place); the least-core epsilon, whether
    the core is empty, and the explanation when it is."""
    eps, lc, binding = least_core(game, parameters=parameters)
    t["least_core_nok"] = [lc[p] for p in game.players]
    nu = nucleolus(game, parameters=parameters)
    t["nucleolus_nok"] = [nu[p] for p in game.players]
    tol = parameter("cooperation.core_tolerance", parameters) * max(abs(joint), 1.0)
    core_empty = bool(eps > tol)
    msgs: list[str] = []
    if core_empty:
        coal = "; ".join(f"{c} (weight {w:.2g})" for c, w in binding[:6])
        msgs.append(
            f"The core is empty: every split leaves some coalition paying at least {eps:,.0f} NOK/yr "
            f"more than it would alone. The binding coalitions ({coal}) form a balanced collection "
            "whose weighted stand-alone costs are below the joint cost: together they do better "
            "than the grand coalition, so no split can keep all of them in."
        )
    return eps, core_empty, msgs


def _findings(saving: float, checks: Mapping[str, CoreCheck]) -> list[str]:
    """Plain-language findings: cooperation does not pay; a split some coalition would refuse."""
    msgs: list[str] = []
    if saving < 0:
        msgs.append(
            f"Cooperation does not pay: the joint solution costs {-saving:,.0f} NOK/yr more than "
            "the groups alone."
        )
    for name, chk in checks.items():
        if not chk.in_core:
            top = chk.violations.iloc[0]
            msgs.append(
                f"{name}: {len(chk.violations)} coalition(s) would pay more than alone, most "
                f"{top['coalition']} ({top['excess_nok']:,.0f} NOK/yr more; checked {chk.checked})."
            )
    return msgs
