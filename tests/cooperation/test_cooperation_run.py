"""The [cooperation] section: tables and writers of a grouped demo run, appended across two years."""

from __future__ import annotations

import pandas as pd
import pytest

from arealsirk.cooperation_run import check_cooperation, cooperation_tables, cooperation_writers
from arealsirk.errors import ScenarioError
from arealsirk.indicators import read_indicators


@pytest.fixture(scope="module")
def demo_run():
    from arealsirk import network, workflows
    from arealsirk.pipeline import inputs_from_demo

    layers = dict(inputs_from_demo().layers)
    kom = layers["kommuner"].copy()
    kom["region"] = kom["kommunenummer"].map(
        {"9901": "Nord", "9902": "Nord", "9903": "Sør", "9904": "Sør", "9905": "Sør"}
    )
    layers["kommuner"] = kom
    graph = network.graph_from_roads(layers["roads"])
    opts = {"biogas": {"count": 2, "max_km": 25}}
    results = {
        "biogas": workflows.site_biogas(
            layers["sources"], layers["zones"], graph, kommuner=kom, **opts["biogas"]
        )
    }
    return layers, graph, opts, results


def test_check_cooperation_names_the_problem(demo_run) -> None:
    layers, *_ = demo_run
    check_cooperation({"group_by": "region"}, layers)
    check_cooperation({"group_by": "kommunenummer"}, layers)
    with pytest.raises(ScenarioError, match=r"group_by = 'selskap': no such column in the kommuner layer"):
        check_cooperation({"group_by": "selskap"}, layers)
    with pytest.raises(ScenarioError, match="group_by: required"):
        check_cooperation({}, layers)
    with pytest.raises(ScenarioError, match=r"\[cooperation\] year: must be a whole number between 1900"):
        check_cooperation({"group_by": "region", "year": 24}, layers)
    with pytest.raises(ScenarioError, match="samples"):
        check_cooperation({"group_by": "region", "samples": 1}, layers)
    with pytest.raises(ScenarioError, match="grupper: unknown key; allowed: group_by"):
        check_cooperation({"group_by": "region", "grupper": 3}, layers)


def test_grouped_run_tables_and_appending_writers(demo_run, tmp_path) -> None:
    layers, graph, opts, results = demo_run
    tables = cooperation_tables(
        results,
        layers=layers,
        graph=graph,
        options={"group_by": "region", "year": 2024},
        theme_options=opts,
        parameters={},
        scenario="demo",
    )
    share = tables["cost_sharing"].set_index("region")
    s = tables["summary"]
    # two groups: Shapley by hand from the three coalition costs
    co = tables["coalitions"].set_index("coalition")["cost_nok"]
    nord, sor, both = co["Nord"], co["Sør"], co["Nord + Sør"]
    assert share.loc["Nord", "shapley_nok"] == pytest.approx((nord + both - sor) / 2)
    assert share.loc["Sør", "shapley_nok"] == pytest.approx((sor + both - nord) / 2)
    assert s["biogas_saving_nok"] == pytest.approx(nord + sor - both)
    # the tonnes key by hand: biogas tonnes of each region's kommuner
    src = layers["sources"]
    bio = src[src["kind"].isin(["cattle_manure", "pig_manure", "food_waste", "sewage_sludge"])]
    t_nord = bio.loc[bio["kommunenummer"].isin(["9901", "9902"]), "quantity"].sum()
    assert share.loc["Nord", "key_tonnes_nok"] == pytest.approx(both * t_nord / bio["quantity"].sum())
    # the game runs on sources summed per kind, group, kommune and 5 km cell: every tonne kept
    assert any("summed to" in m and "every tonne kept" in m for m in tables["messages"])
    assert share["key_tonnes_nok"].sum() == pytest.approx(both)
    pop = layers["kommuner"].groupby("region")["population"].sum()
    assert share.loc["Nord", "key_inhabitants_nok"] == pytest.approx(both * pop["Nord"] / pop.sum())

    out1 = tmp_path / "run1"
    out1.mkdir()
    for name, write in cooperation_writers(tables).items():
        write(out1 / name)
    assert sorted(p.name for p in out1.iterdir()) == [
        "coalitions.csv",
        "cooperation.md",
        "cost_sharing.csv",
        "indicators.csv",
        "indicators.xlsx",
    ]
    md = (out1 / "cooperation.md").read_text(encoding="utf-8")
    assert "saving" in md and "Nord" in md
    # a second run (another year) into a new staged folder, appending to the first run's files
    t2 = cooperation_tables(
        results,
        layers=layers,
        graph=graph,
        options={"group_by": "region", "year": 2030},
        theme_options=opts,
        parameters={},
        scenario="demo",
    )
    out2 = tmp_path / "run2"
    out2.mkdir()
    for name, write in cooperation_writers(t2, previous=out1).items():
        write(out2 / name)
    for f in ("indicators.csv", "indicators.xlsx"):
        got = read_indicators(out2 / f)
        assert sorted(got["year"].unique().tolist()) == [2024, 2030]
        assert len(got) == len(tables["indicators"]) + len(t2["indicators"])
    pd.testing.assert_frame_equal(
        read_indicators(out2 / "indicators.csv"), read_indicators(out2 / "indicators.xlsx")
    )


def test_markdown_escapes_data_text() -> None:
    from arealsirk.cooperation_run import _markdown

    md = _markdown(
        {
            "summary": {"scenario": "[x](javascript:alert(1)) <b>", "year": 2024, "group_by": "a|b"},
            "cost_sharing": None,
            "messages": ["*bold* `code`"],
        }
    )
    assert "[x](" not in md and "<b>" not in md and "a|b" not in md
    assert "\\[x\\]" in md and "&lt;b&gt;" in md and "\\*bold\\*" in md and "\\`code\\`" in md


def test_game_uses_the_candidates_the_theme_kept(demo_run, monkeypatch) -> None:
    from arealsirk import siting_game, workflows
    from arealsirk.constraints import Exclusions

    layers, graph, opts, _ = demo_run
    ex = Exclusions(settlements=layers["settlements"])
    res = workflows.site_biogas(
        layers["sources"],
        layers["zones"],
        graph,
        kommuner=layers["kommuner"],
        exclusions=ex,
        **opts["biogas"],
    )
    gone = set(res.tables["excluded"]["candidate_id"])
    assert gone  # the demo's settlement buffers remove some zones
    seen = {}
    real = siting_game.biogas_game

    def spy(sources, candidates, roads, **kw):
        seen["ids"] = set(candidates["id"])
        return real(sources, candidates, roads, **kw)

    monkeypatch.setattr(siting_game, "biogas_game", spy)
    t = cooperation_tables(
        {"biogas": res},
        layers=layers,
        graph=graph,
        options={"group_by": "region"},
        theme_options=opts,
        parameters={},
        scenario="demo",
    )
    assert seen["ids"] == set(layers["zones"]["id"]) - gone
    assert any("excluded by the biogas theme" in m for m in t["messages"])
