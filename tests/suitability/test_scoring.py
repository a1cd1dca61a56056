"""Vector scoring of candidates (straight-line distances, kernel density) and Monte Carlo sensitivity."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from arealsirk.errors import InputError, MissingColumnError
from arealsirk.scoring import (
    FuzzyLinear,
    ahp_weights,
    attribute,
    density,
    distance_to,
    precomputed,
    score_candidates,
    sensitivity,
)


@pytest.fixture
def layers():
    cands = gpd.GeoDataFrame(
        {"id": ["a", "b", "c", "d"], "name": list("ABCD"), "kommunenummer": ["9901"] * 4,
         "area_ha": [4.0, 10.0, 6.0, 2.0]},
        geometry=[shapely.box(0, 0, 100, 100), shapely.Point(1000, 50), shapely.box(3000, 0, 3100, 200),
                  shapely.Point(8000, 8000)], crs=25833)
    roads = gpd.GeoDataFrame(
        {"vegkategori": ["E", "K", "R"]},
        geometry=[shapely.LineString([(0, 400), (2000, 400)]), shapely.LineString([(3000, 250), (3100, 250)]),
                  shapely.LineString([(8000, 5000), (9000, 5000)])], crs=25833)
    sources = gpd.GeoDataFrame(
        {"quantity": [100.0, 40.0, 1000.0]},
        geometry=[shapely.Point(50, 50), shapely.Point(1000, 550), shapely.Point(20000, 20000)], crs=25833)
    return cands, roads, sources


def test_distances_by_road_class_and_kernel_density(layers):
    cands, roads, sources = layers
    crits = [distance_to("main_road", roads, where={"vegkategori": ["E", "R"]}),
             density("feed", sources, "quantity", bandwidth_m=1000),
             attribute("area", "area_ha", better="high")]
    out = score_candidates(cands, crits, weights={"main_road": 2, "feed": 1, "area": 1})
    # polygon 'a' lies 300 m below the E road; point 'b' 350 m; 'c' is nearest the E road end
    # (2000, 400): sqrt(1000^2 + 200^2); 'd' is 3000 m above the R road
    np.testing.assert_allclose(out["value_main_road"], [300, 350, np.hypot(1000, 200), 3000])
    # quartic kernel K(u) = (1 - u^2)^2 scaled to 1 at distance 0
    k = lambda d: (1 - (d / 1000) ** 2) ** 2  # noqa: E731
    b_feed = 100 * k(np.hypot(950, 0)) + 40 * k(500)
    # 'a' contains the 100 t source; the 40 t source is sqrt(900^2 + 450^2) = 1006 m away: outside
    np.testing.assert_allclose(out["value_feed"], [100, b_feed, 0, 0])
    # min-max, near is good: 300 m -> 1, 3000 m -> 0
    np.testing.assert_allclose(out["score_main_road"], 1 - (out["value_main_road"] - 300) / 2700)
    total = 0.5 * out["score_main_road"] + 0.25 * out["score_feed"] + 0.25 * out["score_area"]
    np.testing.assert_allclose(out["score_total"], total)
    assert out["rank"].tolist() == list(pd.Series(-total).rank(method="min").astype(int))
    assert out.crs.to_epsg() == 25833 and list(out["id"]) == ["a", "b", "c", "d"]
    assert out[[c for c in out.columns if c.startswith("score_")]].to_numpy().min() >= 0
    assert out[[c for c in out.columns if c.startswith("score_")]].to_numpy().max() <= 1


def test_precomputed_network_values_and_fuzzy(layers):
    cands = layers[0]
    minutes = {"a": 5.0, "b": 12.0, "c": 30.0, "d": 45.0}
    out = score_candidates(cands, [precomputed("minutes", minutes, transform=FuzzyLinear(10, 40))],
                           weights=None)
    np.testing.assert_allclose(out["score_minutes"], [1.0, 28 / 30, 1 / 3, 0.0])
    assert out["rank"].tolist() == [1, 2, 3, 4]
    out2 = score_candidates(cands, [precomputed("minutes", np.array([5, 12, 30, 45.0]))])
    assert out2["rank"].tolist() == [1, 2, 3, 4]


def test_weights_from_ahp_and_ties(layers):
    cands, roads, sources = layers
    ahp = ahp_weights([[1, 3], [1 / 3, 1]], names=["road", "feed"])
    out = score_candidates(cands, [distance_to("road", roads), density("feed", sources, None,
                                                                       bandwidth_m=1000, kernel="uniform")],
                           weights=ahp)
    assert out["value_feed"].tolist() == [1, 2, 0, 0]  # counts within 1 km
    tie = score_candidates(cands, [precomputed("x", [1, 1, 2, 3], better="low")])
    assert tie["rank"].tolist() == [1, 1, 3, 4]


def test_bad_inputs(layers):
    cands, roads, sources = layers
    with pytest.raises(InputError, match="unique"):
        score_candidates(cands, [distance_to("r", roads), distance_to("r", roads)])
    with pytest.raises(MissingColumnError, match="nope"):
        score_candidates(cands, [attribute("x", "nope")])
    with pytest.raises(InputError, match="3 values given for 4 candidates"):
        score_candidates(cands, [precomputed("x", [1, 2, 3])])
    with pytest.raises(InputError, match="no features left"):
        score_candidates(cands, [distance_to("r", roads, where={"vegkategori": "X"})])
    with pytest.raises(InputError, match="positive"):
        score_candidates(cands, [distance_to("r", roads)], weights={"r": 0})
    with pytest.raises(InputError, match="bandwidth_m"):
        density("f", sources, "quantity", bandwidth_m=0)
    with pytest.raises(InputError, match="near"):
        distance_to("r", roads, better="up")


def _scores(n=8, seed=1):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"id": [f"s{i}" for i in range(n)], "score_a": rng.uniform(size=n),
                         "score_b": rng.uniform(size=n), "score_c": rng.uniform(size=n)})


def test_sensitivity_deterministic_and_sane():
    s = _scores()
    w = {"a": 0.5, "b": 0.3, "c": 0.2}
    r1 = sensitivity(s, w, n=500, spread=0.2, top_k=3, seed=7)
    r2 = sensitivity(s, w, n=500, spread=0.2, top_k=3, seed=7)
    pd.testing.assert_frame_equal(r1, r2)
    assert not r1.equals(sensitivity(s, w, n=500, spread=0.5, top_k=3, seed=8))
    base = (s[["score_a", "score_b", "score_c"]].to_numpy() @ np.array([0.5, 0.3, 0.2]))
    expected_base = pd.Series(-base, index=s["id"]).rank(method="min").astype(int)
    assert (r1["base_rank"] == expected_base.loc[r1.index]).all()
    assert ((r1["rank_min"] <= r1["base_rank"]) & (r1["base_rank"] <= r1["rank_max"])).all()
    assert r1["top_k_share"].between(0, 1).all()
    # exactly k candidates are in the top k in every run (no ties with continuous scores)
    assert r1["top_k_share"].sum() == pytest.approx(3.0)
    # no perturbation -> ranks never move
    r0 = sensitivity(s, w, n=50, spread=0.0, top_k=3)
    assert (r0["rank_min"] == r0["rank_max"]).all()
    assert set(r0.loc[r0["base_rank"] <= 3, "top_k_share"]) == {1.0}


def test_sensitivity_dominant_candidate_always_first():
    s = _scores()
    s.loc[0, ["score_a", "score_b", "score_c"]] = 1.0  # best on every criterion
    r = sensitivity(s, {"a": 1, "b": 1, "c": 1}, n=300, spread=0.9, top_k=1)
    assert r.loc["s0", "top_k_share"] == 1.0 and r.loc["s0", "rank_max"] == 1
    with pytest.raises(InputError, match="spread"):
        sensitivity(s, None, spread=1.5)
    from arealsirk.scoring import attach_sensitivity

    joined = attach_sensitivity(s.iloc[::-1], r)
    assert joined.loc[0, "top_k_share"] == 1.0 and joined.loc[0, "rank_max"] == 1
    assert (joined.set_index("id")["rank_min"] == r["rank_min"].loc[joined["id"]]).all()
    assert joined["sensitivity_top_k"].iloc[0] == 1


def test_sensitivity_defaults_come_from_the_table():
    s = _scores()
    r = sensitivity(s)
    assert r.attrs == {"n": 1000, "spread": 0.2, "top_k": 3, "seed": 0}
