"""The solver-backed biogas game against brute force over every assignment of a tiny instance."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from arealsirk.cooperation import analyse
from arealsirk.costs import benefit_nok_per_t, cost_curve, transport_nok_per_tkm
from arealsirk.errors import InputError, MissingColumnError
from arealsirk.siting_game import biogas_game

KM = np.array(
    [
        [2.0, 30.0, 45.0],
        [5.0, 25.0, 40.0],
        [28.0, 3.0, 20.0],
        [30.0, 6.0, 18.0],
        [44.0, 22.0, 4.0],
    ]
)
KINDS = ["cattle_manure", "food_waste", "cattle_manure", "pig_manure", "cattle_manure"]
TONNES = [9000.0, 1500.0, 12000.0, 4000.0, 8000.0]
GROUP = ["A", "A", "B", "B", "C"]


def _layers() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    src = gpd.GeoDataFrame(
        {"kind": KINDS, "quantity": TONNES, "unit": "t/yr", "region": GROUP},
        geometry=[Point(i * 1000, 0) for i in range(5)],
        crs=25833,
    )
    cand = gpd.GeoDataFrame(
        {"id": ["s1", "s2", "s3"], "region": ["A", "B", "C"]},
        geometry=[Point(0, 5000), Point(2000, 5000), Point(4000, 5000)],
        crs=25833,
    )
    return src, cand


def _brute(members: set[str], *, pieces: bool, game) -> float:
    """Least cost over every single-site assignment of the members' sources (treat-all, no limits hit)."""
    rows = [i for i, g in enumerate(GROUP) if g in members]
    curve = cost_curve("biogas_plant")
    a, s = game.intercepts, game.slopes
    best = np.inf
    for assign in itertools.product(range(3), repeat=len(rows)):
        load = np.zeros(3)
        var = 0.0
        for i, j in zip(rows, assign, strict=True):
            load[j] += TONNES[i]
            var += TONNES[i] * (
                transport_nok_per_tkm(KINDS[i]) * KM[i, j] - benefit_nok_per_t("biogas_plant", KINDS[i])
            )
        open_ = load > 0
        if pieces:
            fac = sum(float(np.min(a + s * q)) for q in load[open_])
        else:
            fac = float(curve.annual(load[open_]).sum())
        best = min(best, fac + var)
    return best


def test_coalition_costs_match_brute_force() -> None:
    src, cand = _layers()
    game = biogas_game(src, cand, None, group_by="region", distance_km=KM, max_km=50, exact=True)
    assert game.players == ("A", "B", "C")
    for r in range(1, 4):
        for c in itertools.combinations(game.players, r):
            sol = game.solution(c)
            # the model optimum equals brute force over assignments with the same tangent pieces
            assert sol.model_nok == pytest.approx(_brute(set(c), pieces=True, game=game), rel=1e-6)
            # the exact cost of the chosen plants is at most the model's and at least the true optimum
            true_best = _brute(set(c), pieces=False, game=game)
            assert true_best - 1e-6 <= sol.cost_nok <= sol.model_nok + 1e-6
            assert sol.cost_nok <= true_best * 1.015
            assert sol.collected_t == pytest.approx(
                sum(t for t, g in zip(TONNES, GROUP, strict=True) if g in c)
            )
    rep = analyse(game)
    assert rep.summary["saving_nok"] == pytest.approx(sum(game([p]) for p in game.players) - game(game.grand))
    assert rep.summary["saving_nok"] > 0  # one shared plant beats three small ones here
    assert rep.table["shapley_nok"].sum() == pytest.approx(game(game.grand))


def test_own_sites_only_and_count() -> None:
    src, cand = _layers()
    game = biogas_game(src, cand, None, group_by="region", distance_km=KM, max_km=50, own_sites_only=True)
    sol = game.solution(["A"])
    assert set(sol.plants["site_id"]) == {"s1"}
    two = game.solve(game.grand, count=2)
    assert len(two.plants) == 2
    assert two.cost_nok >= game(game.grand) - 1e-6
    with pytest.raises(InputError, match="at most 1 plant"):
        game.solve(["A"], count=2)


def test_optional_mode_and_reach() -> None:
    src, cand = _layers()
    # optional: manure does not pay for a plant at today's energy value -> nothing built
    game = biogas_game(src, cand, None, group_by="region", distance_km=KM, mode="optional", min_plant_t=0)
    sol = game.solution(["C"])
    assert sol.plants.empty and sol.uncollected_t == pytest.approx(8000.0)
    # treat_all with a short reach: C's source is 4 km from s3 only; at 3 km nothing reaches it
    g2 = biogas_game(src, cand, None, group_by="region", distance_km=KM, max_km=3.5)
    s2 = g2.solution(["C"])
    assert s2.plants.empty and s2.uncollected_t == pytest.approx(8000.0)


def test_game_input_errors() -> None:
    src, cand = _layers()
    with pytest.raises(MissingColumnError, match="column 'kommune' missing"):
        biogas_game(src, cand, None, group_by="kommune", distance_km=KM)
    bad = src.assign(kind=["textiles", *KINDS[1:]])
    with pytest.raises(InputError, match="'textiles' has no methane yield"):
        biogas_game(bad, cand, None, group_by="region", distance_km=KM)
    with pytest.raises(InputError, match="shape"):
        biogas_game(src, cand, None, group_by="region", distance_km=KM[:, :2])
    with pytest.raises(InputError, match="mode"):
        biogas_game(src, cand, None, group_by="region", distance_km=KM, mode="always")


def test_per_group_figures_add_up() -> None:
    src, cand = _layers()
    game = biogas_game(src, cand, None, group_by="region", distance_km=KM, max_km=50)
    sol = game.solution(game.grand)
    by = sol.by_group().set_index("group")
    assert by["supplied_t"].to_dict() == pytest.approx({"A": 10500.0, "B": 16000.0, "C": 8000.0})
    assert by["tonne_km"].sum() == pytest.approx(sol.tonne_km)
    assert by["transport_nok"].sum() == pytest.approx(sol.transport_nok)
    assert by["benefit_nok"].sum() == pytest.approx(sol.benefit_nok)
    # the cost of the coalition = plants + transport - benefit + alternative
    assert sol.cost_nok == pytest.approx(
        sol.plants["facility_nok"].sum() + sol.transport_nok - sol.benefit_nok + sol.alternative_nok
    )
    keys = game.keys()
    assert keys.loc["A", "tonnes"] == pytest.approx(10500.0)
    # benefit key by hand with pinned yields: 9000 t cattle x 12 Nm3 + 1500 t food waste x 95 Nm3,
    # x 10 kWh/Nm3 x 0.5 NOK/kWh
    pinned = {
        "resources.methane_nm3_per_t.cattle_manure": 12,
        "resources.methane_nm3_per_t.food_waste": 95,
        "resources.kwh_per_nm3_methane": 10,
        "costs.energy_value_nok_per_kwh.biogas": 0.5,
    }
    g2 = biogas_game(src, cand, None, group_by="region", distance_km=KM, max_km=50, parameters=pinned)
    assert g2.keys().loc["A", "benefit"] == pytest.approx((9000 * 12 + 1500 * 95) * 10 * 0.5)
    assert keys["tonne_km"].to_dict() == pytest.approx(by["tonne_km"].to_dict())


def test_haul_limits_per_kind_as_the_workflow() -> None:
    src, cand = _layers()
    game = biogas_game(src, cand, None, group_by="region", distance_km=KM)
    # biogas.max_km.cattle_manure / pig_manure 15 km, food_waste 100 km (defaults table)
    assert game.max_km.tolist() == [15.0, 100.0, 15.0, 15.0, 15.0]
    sol = game.solution(["A"])
    # A's cattle source reaches only s1 (2 km); its food waste could go anywhere: one plant at s1
    assert sol.plants["site_id"].tolist() == ["s1"]
    assert sol.collected_t == pytest.approx(10500.0)
    over = biogas_game(src, cand, None, group_by="region", distance_km=KM, max_km=1.0)
    assert over.solution(["A"]).plants.empty and over.solution(["A"]).uncollected_t == pytest.approx(10500.0)


def test_coalition_table_names_plants_and_status() -> None:
    src, cand = _layers()
    game = biogas_game(src, cand, None, group_by="region", distance_km=KM, max_km=50, own_sites_only=True)
    co = analyse(game).coalitions.set_index("coalition")
    assert co.loc["A", "plants"].startswith("s1 (10")
    assert (co["status"] == "optimal").all()
    assert co["uncollected_t"].eq(0).all()
