"""Candidate popups show the rank robustness (scoring.sensitivity figures) in plain words, escaped."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from arealsirk import webmap
from arealsirk.i18n import STRINGS

from .webmap_synth import INJECT_IMG, INJECT_SCRIPT, make_layers

NNBSP = "\u202f"  # bokmål thousands separator


@pytest.fixture(scope="module")
def robust_layers():
    layers = make_layers(n_sources=10, n_candidates=6, inject=False)
    cand = layers["candidates"].copy()
    cand["name"] = [INJECT_SCRIPT, INJECT_IMG, "Elvdal", "Nordby", "Sørlia", "Uten tall"]
    cand["top_k_share"] = [0.87, 1.0, 0.5, 0.0, 0.63, np.nan]
    cand["rank_min"] = [1, 1, 2, 5, 2, np.nan]
    cand["rank_max"] = [4, 1, 6, 6, 3, np.nan]
    cand["sensitivity_top_k"] = 3
    cand["sensitivity_runs"] = 1000
    layers["candidates"] = cand
    return layers


def _html(layers, lang):
    return webmap.build_map(layers, title="t", lang=lang).get_root().render()


def _payload(page: str) -> dict:
    """The JSON payload of the candidates layer (the one whose rows carry the robustness heading)."""
    for m in re.finditer(r"arealsirkMap\.shapes\((\{.*?\}), ", page):
        d = json.loads(m.group(1))
        if d.get("whyHeading") in (STRINGS["nb"]["robust"], STRINGS["en"]["robust"]):
            return d
    raise AssertionError("no candidates payload with a robustness sentence")


def test_popup_sentences_in_both_languages(robust_layers):
    nb, en = _html(robust_layers, "nb"), _html(robust_layers, "en")
    assert f"Blant de 3 beste i 87 % av 1{NNBSP}000 vektinger; rangering 1–4" in nb
    assert "Blant de 3 beste i 100 % av 1\u202f000 vektinger; alltid nr. 1" in nb
    assert "In the top 3 in 87 % of 1,000 weightings; rank 1–4" in en
    assert "In the top 3 in 0 % of 1,000 weightings; rank 5–6" in en
    assert STRINGS["nb"]["legend.robust"] in nb and STRINGS["en"]["legend.robust"] in en
    assert "Robusthet:" in nb and "Robustness:" in en


def test_payload_rows_line_up(robust_layers):
    page = _html(robust_layers, "en")
    d = _payload(page)
    assert d["whyIndex"] == 3 and d["valueOffset"] == 4 and d["titleIndex"] == 2
    by_name = {r[2]: r for r in d["rows"]}
    assert by_name["Sørlia"][3] == "In the top 3 in 63 % of 1,000 weightings; rank 2–3"
    assert by_name["Uten tall"][3] == ""  # no figures, no sentence (JS skips an empty one)
    # the value columns still line up with their headings after the inserted sentence
    rank_col = d["cols"].index(STRINGS["en"].get("col.rank", "rank"))
    cand = robust_layers["candidates"].set_index("name")
    for name, row in by_name.items():
        assert row[d["valueOffset"] + rank_col] == str(int(cand.loc[name, "rank"]))


def test_hostile_names_stay_escaped(robust_layers):
    page = _html(robust_layers, "nb")
    assert INJECT_SCRIPT not in page and INJECT_IMG not in page
    assert "</script><script>alert" not in page
    d = _payload(page)
    names = {r[2] for r in d["rows"]}
    assert INJECT_SCRIPT in names and INJECT_IMG in names  # intact as data, drawn with textContent


def test_no_columns_no_sentence():
    layers = make_layers(n_sources=10, n_candidates=6, inject=False)
    nb = _html(layers, "nb")
    assert "vektinger" not in nb and STRINGS["nb"]["legend.robust"] not in nb
    # only the rank range known: a shorter sentence
    cand = layers["candidates"].copy()
    cand["rank_min"], cand["rank_max"] = 2, 3
    cand["top_k_share"] = np.nan
    layers["candidates"] = cand
    en = _html(layers, "en")
    assert "Rank 2–3 when the weights vary" in en
