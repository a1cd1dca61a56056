"""Industrial parks: the rank robustness (Monte Carlo weight perturbation) on the candidates layer."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from arealsirk import scoring
from arealsirk.defaults import default
from arealsirk.workflows import site_industrial_parks
from arealsirk.workflows._messages import Message


@pytest.fixture(scope="module")
def parks(demo, demo_graph):
    return site_industrial_parks(
        demo.zones, demo.flows, demo_graph, stations=demo.stations, kommuner=demo.kommuner
    )


def _weights(res):
    return res.tables["criteria"].set_index("criterion")["weight"].to_dict()


def test_candidates_carry_the_sensitivity_columns(parks):
    cand = parks.layers["candidates"]
    k = int(default("suitability.sensitivity_top_k"))
    n = int(default("suitability.sensitivity_runs"))
    for c in ("top_k_share", "rank_min", "rank_max", "rank_median", "sensitivity_top_k", "sensitivity_runs"):
        assert c in cand.columns and cand[c].notna().all(), c
    assert cand["top_k_share"].between(0, 1).all()
    # every run puts exactly k candidates in the top k (no ties on the demo scores)
    assert cand["top_k_share"].sum() == pytest.approx(k, abs=1e-9)
    assert (cand["rank_min"] <= cand["rank"]).all() and (cand["rank"] <= cand["rank_max"]).all()
    assert (cand["rank_min"] >= 1).all() and (cand["rank_max"] <= len(cand)).all()
    assert (cand["sensitivity_top_k"] == k).all() and (cand["sensitivity_runs"] == n).all()
    # the base-rank leader is the best-scored candidate and is in the top k in most runs
    best = cand.loc[cand["score_total"].idxmax()]
    assert best["rank_min"] == 1 and best["top_k_share"] > 0.5


def test_equal_to_an_independent_recomputation(parks):
    cand = parks.layers["candidates"].set_index("id")
    names = list(_weights(parks))
    w0 = np.array([_weights(parks)[c] for c in names])
    s = cand[[f"score_{c}" for c in names]].to_numpy(float)
    n = int(default("suitability.sensitivity_runs"))
    spread = float(default("suitability.sensitivity_spread"))
    k = int(default("suitability.sensitivity_top_k"))
    # same seed, same draws as scoring.sensitivity -> same figures (independent ranking by argsort)
    rng = np.random.default_rng(0)
    w = w0 * rng.uniform(1 - spread, 1 + spread, size=(n, len(names)))
    w /= w.sum(axis=1, keepdims=True)
    totals = s @ w.T
    ranks = np.empty_like(totals, dtype=int)
    for j in range(n):
        order = np.argsort(-totals[:, j], kind="stable")
        ranks[order, j] = np.arange(1, len(order) + 1)
    assert np.allclose(cand["top_k_share"].to_numpy(), (ranks <= k).mean(axis=1))
    assert (cand["rank_min"].to_numpy() == ranks.min(axis=1)).all()
    assert (cand["rank_max"].to_numpy() == ranks.max(axis=1)).all()
    # and equal to scoring.sensitivity with the same seed
    ref = scoring.sensitivity(cand.reset_index(), _weights(parks), seed=0)
    assert np.allclose(ref.loc[cand.index, "top_k_share"].to_numpy(), cand["top_k_share"].to_numpy())


def test_sensitivity_table_and_message(parks):
    table = parks.tables["sensitivity"]
    cand = parks.layers["candidates"].set_index("id")
    assert len(table) == len(cand) and set(table["id"]) == set(cand.index)
    cols = ("name", "base_rank", "top_k_share", "rank_min", "rank_max", "rank_median", "rank_p05", "rank_p95")
    for c in cols:
        assert c in table.columns
    t = table.set_index("id")
    assert (t["base_rank"] == cand.loc[t.index, "rank"]).all()
    assert np.allclose(t["top_k_share"], cand.loc[t.index, "top_k_share"])
    assert table["base_rank"].is_monotonic_increasing
    msgs = [m for m in parks.messages if isinstance(m, Message) and m.key.startswith("parks.sensitivity")]
    assert len(msgs) == 1
    stable = t[t["top_k_share"] > 0.5]
    en, nb = str(msgs[0]), msgs[0].render("nb")
    assert "1,000 weightings" in en and "1\u202f000 vektinger" in nb
    for name in stable["name"]:
        assert name in en and name in nb
    for name in t.loc[t["top_k_share"] <= 0.5, "name"]:
        assert name not in en


def test_seed_is_deterministic_and_changes_the_draws(demo, demo_graph, parks):
    same = site_industrial_parks(demo.zones, demo.flows, demo_graph, stations=demo.stations)
    pd.testing.assert_series_equal(
        same.layers["candidates"]["top_k_share"], parks.layers["candidates"]["top_k_share"]
    )
    other = site_industrial_parks(
        demo.zones, demo.flows, demo_graph, stations=demo.stations, sensitivity_seed=7,
        parameters={"suitability.sensitivity_runs": 200, "suitability.sensitivity_top_k": 2},
    )
    c = other.layers["candidates"]
    assert c["top_k_share"].sum() == pytest.approx(2.0)
    assert (c["sensitivity_runs"] == 200).all()
    assert "200 weightings" in str(other.messages[-1])


def test_message_when_no_candidate_is_stable():
    from arealsirk.workflows.parks import _sensitivity_message

    table = pd.DataFrame({"id": ["a", "b", "c"], "name": ["A", "B", "C"], "base_rank": [1, 2, 3],
                          "top_k_share": [0.5, 0.3, 0.2], "rank_min": [1, 1, 1], "rank_max": [3, 3, 3]})
    msg = _sensitivity_message(table, n=10, spread=0.2, k=1)
    assert msg.key == "parks.sensitivity_none" and "depends on the weights" in msg
    assert "avhenger av vektene" in msg.render("nb")
    table.loc[1, "top_k_share"] = 0.6
    msg = _sensitivity_message(table, n=10, spread=0.2, k=1)
    assert msg.key == "parks.sensitivity" and "B (60%, rank 1–3)" in msg and "A (" not in msg
    assert "B (60 %, rangering 1–3)" in msg.render("nb")


def test_sensitivity_is_cheap(parks):
    cand = parks.layers["candidates"]
    t0 = time.perf_counter()
    scoring.sensitivity(cand, _weights(parks), seed=0)
    assert time.perf_counter() - t0 < 0.5


@pytest.mark.parametrize(
    ("key", "value"),
    [("suitability.sensitivity_runs", 0), ("suitability.sensitivity_spread", 1.5),
     ("suitability.sensitivity_top_k", 0)],
)
def test_bad_sensitivity_parameters_name_the_key(demo, key, value):
    from arealsirk.errors import InputError

    with pytest.raises(InputError, match=key.replace(".", r"\.")):
        site_industrial_parks(demo.zones, demo.flows, None, stations=demo.stations, parameters={key: value})
