"""Explanations in bokmål and English: nb summaries carry no English notes, ``messages`` stays English,
and each layer is snapped (and reported) once per run."""

from __future__ import annotations

import copy
import json
import logging
import pickle
import re
import string

import pytest
from shapely import Point

from arealsirk.i18n import CATALOGUE
from arealsirk.workflows import (
    Message,
    compare_scenarios,
    site_biogas,
    site_industrial_parks,
    site_reuse_centres,
    symbiosis_matches,
)

NNBSP = "\u202f"  # thousands separator of arealsirk._webmap_i18n.fmt_number in bokmål


def nb_int(x: float) -> str:
    """An independent bokmål rendering of a whole number: 12345.4 -> '12 345'."""
    return f"{round(x):,}".replace(",", NNBSP)


@pytest.fixture(scope="module")
def parks(demo, demo_graph):
    return site_industrial_parks(
        demo.zones, demo.flows, demo_graph, stations=demo.stations, kommuner=demo.kommuner
    )


@pytest.fixture(scope="module")
def symbiosis(demo, demo_graph):
    return symbiosis_matches(demo.flows, roads=demo_graph)


def _check_all_rendered(result):
    """Every message is a Message; the nb summary has each message's bokmål text and not its English."""
    md = result.summary_markdown(lang="nb")
    assert result.messages, "the demo result should explain itself"
    for m in result.messages:
        assert isinstance(m, Message) and isinstance(m, str)
        assert m.render("nb") != str(m), m.key
        assert f"- {m.render('nb')}\n" in md + "\n"
        assert str(m) not in md
    return md


def test_biogas_summary_in_bokmal(biogas3):
    md = _check_all_rendered(biogas3)
    s = biogas3.summary
    assert md.startswith("## Biogassanlegg\n")
    # table: Norwegian units and numbers (space-grouped thousands, comma decimals)
    assert f"| Råstoff | {nb_int(s['feedstock_t'])} t/år |" in md
    assert f"| Metan | {nb_int(s['methane_nm3'])} Nm³/år |" in md
    assert f"| Transportarbeid | {nb_int(s['tonne_km'])} tonn-km/år |" in md
    assert f"| Lastebilturer | {nb_int(s['truck_trips'])} turer/år |" in md
    assert f"| Energi | {s['energy_gwh']:.3g} GWh/år |".replace(".", ",") in md
    # notes: one per selected site, in Norwegian
    sel = biogas3.layers["selected_sites"]
    for _, site in sel.iterrows():
        what = "eksisterende anlegg, beholdt" if site["existing"] else "nytt anlegg"
        assert f"{site['name']} ({site['id']}, {what}): {nb_int(site['feedstock_t'])} t/år (" in md
        assert f"{100 * site['utilisation']:.0f} % av kapasiteten" in md
    assert "ble ikke tatt med: de har ikke noe metanutbytte" in md
    assert "storfegjødsel" in md and "metan " in md and "i snitt" in md
    for english in (
        "new plant",
        "existing plant",
        "of capacity",
        "were ignored",
        "tonne-km",
        "t/yr",
        "1/yr",
        "Nm3/yr",
        "mean ",
        "methane ",
        "no methane yield",
        "cattle_manure",
        "## biogas",
    ):
        # defaults-table keys (biogas.max_km.cattle_manure) are identifiers, not English text
        assert english not in re.sub(r"\b[a-z]+\.[a-z0-9_.]+", "<key>", md), english


def test_biogas_messages_stay_english(biogas3):
    msgs = biogas3.messages
    assert all(type(m) is Message and isinstance(m, str) for m in msgs)
    assert any("new plant" in m for m in msgs)
    assert any(m.startswith("sources of kinds 'by_product' (3)") and "were ignored" in m for m in msgs)
    assert any("t/yr" in m and "tonne-km" in m and "% of capacity" in m for m in msgs)
    joined = " ".join(msgs)
    for norwegian in ("anlegg,", "t/år", "kapasiteten", "storfegjødsel", "ble ikke"):
        assert norwegian not in joined
    # plain str behaviour: equality, JSON, pickling and copying keep the English text and the key
    assert [str(m) for m in msgs] == list(msgs)
    assert json.loads(json.dumps(msgs)) == [str(m) for m in msgs]
    for m in (pickle.loads(pickle.dumps(msgs[0])), copy.deepcopy(msgs[0])):
        assert m == msgs[0] and m.key == msgs[0].key and m.render("nb") == msgs[0].render("nb")
    # the English summary keeps the English notes
    en = biogas3.summary_markdown(lang="en")
    assert en.startswith("## Biogas plants\n") and all(f"- {m}" in en for m in msgs)


def test_reuse_summary_in_bokmal(reuse7):
    md = _check_all_rendered(reuse7)
    s = reuse7.summary
    assert md.startswith("## Ombrukssentre (flest mulig innenfor kjøretidsgrensen)\n")
    assert f"| Befolkning | {nb_int(s['population'])} personer |" in md
    share = f"{100 * s['share_covered']:.1f}".replace(".", ",")
    assert f"| Andel innenfor grensen | {share} % |" in md
    assert "| Kjøretidsgrense | 15 min |" in md
    sel = reuse7.layers["selected_sites"]
    for _, site in sel.iterrows():
        why = "eksisterende stasjon, beholdt" if site["existing"] else "valgt av modellen"
        assert (
            f"{site['name']} ({site['id']}, {why}): betjener {nb_int(site['population_served'])} personer, "
            f"{100 * site['share_within_cutoff']:.0f} % av dem innenfor 15 min"
        ) in md
    n = s["centres_for_target"]
    assert f"- {n} lokaliteter trengs for at 90 % av befolkningen skal ha høyst 15 min kjøretid" in md
    for english in ("serves", "people", "of them within", "are needed", "chosen by the model", "kept)"):
        assert english not in md, english
    assert any("serves" in m and "people" in m for m in reuse7.messages)


def test_parks_summary_in_bokmal(parks):
    md = _check_all_rendered(parks)
    assert md.startswith("## Sirkulære næringsparker\n")
    assert "- symbiose: " in md and "varmepar" in md and "ble ikke vurdert" in md
    first = parks.layers["selected_sites"].sort_values("rank").iloc[0]
    assert f"park {first['id']} ({first['name']}): rangert som nr. 1, samlet " in md
    assert "jernbane " in md and "ressursstrømmer " in md and "kr/år" in md
    assert f"{first['score_total']:.2f}".replace(".", ",") in md
    for english in ("NOK/yr", "heat pair", "not considered", "rank 1", "hosts", "match(es)", "symbiosis:"):
        assert english not in md, english
    assert any(m.startswith("park ") and "rank 1" in m and "NOK/yr" in m for m in parks.messages)
    assert any(m.startswith("symbiosis: ") for m in parks.messages)


def test_symbiosis_summary_in_bokmal(symbiosis):
    md = _check_all_rendered(symbiosis)
    assert md.startswith("## Industriell symbiose\n")
    assert " → " in md and "besparelse" in md and "varme over" in md
    assert "saving" not in md and " -> " not in md
    assert any(" -> " in m and "saving" in m for m in symbiosis.messages)


def test_catalogue_has_both_languages_with_the_same_fields():
    fields = string.Formatter()
    for key, (en, nb) in CATALOGUE.items():
        names_en = {f for _, f, _, _ in fields.parse(en) if f}
        names_nb = {f for _, f, _, _ in fields.parse(nb) if f}
        assert names_en == names_nb, key
        assert en != nb, key


def test_status_and_number_edge_cases():
    m = Message("sym.heat_far", n=1, km=2.5)
    assert m == "1 heat pair(s) farther apart than max_heat_km = 2.5 km were not considered"
    assert m.render("nb") == "1 varmepar med mer enn 2,5 km imellom (max_heat_km) ble ikke vurdert"
    m = Message("feedstock.zero", n=1)
    assert m.render("nb") == "1 kilde med mengde null ble utelatt"
    assert Message("feedstock.zero", n=2).render("nb").startswith("2 kilder ")
    m = Message("feedstock.uncollected", t=12345.6, share=0.1234)
    assert m.startswith("12,346 t/yr (12.3%)")
    assert m.render("nb").startswith(f"12{NNBSP}346 t/år (12,3 %)")
    with pytest.raises(KeyError):
        Message("no.such.key")


def test_compare_scenarios_units_in_bokmal(biogas2, biogas3):
    t = compare_scenarios({"to": biogas2, "tre": biogas3}, lang="nb")
    assert t.loc["truck_trips", "unit"] == "turer/år"
    assert t.loc["tonne_km", "unit"] == "tonn-km/år"
    assert compare_scenarios({"a": biogas2}).loc["truck_trips", "unit"] == "trips/yr"


def _far_point(layer, dx=40_000.0):
    """A point well outside the road network's extent (east of everything)."""
    x1 = layer.total_bounds[2]
    y = layer.geometry.iloc[0].centroid.y
    return Point(x1 + dx, y)


def _snap_warnings(caplog):
    """Warnings of arealsirk.network.snap: per snapped layer one 'outside the extent' and one
    'more than ... m from the road network' for a point far outside."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and "road network" in r.getMessage()
    ]


def test_biogas_snaps_each_layer_once(demo, demo_graph, caplog):
    src = demo.sources.copy()
    src.loc[src.index[0], "geometry"] = _far_point(demo.roads)
    with caplog.at_level(logging.WARNING, logger="arealsirk"):
        # no kommuner: with them the far point would be outside the region and never snapped
        r = site_biogas(src, demo.zones, demo_graph, count=2, existing=demo.existing)
    warns = _snap_warnings(caplog)
    # one snap of the sources (before: two snaps of a layer called 'source'); n = biogas feedstock sources
    n = len(r.layers["source_status"])
    assert len(warns) == 2, warns
    assert warns[0].startswith(f"layer 'sources': 1 of {n} feature(s) lie outside the road network's extent")
    assert warns[1].startswith(f"layer 'sources': 1 of {n} feature(s) are more than 5000 m from the road")
    status = r.layers["source_status"].set_index("id").loc[src["id"].iloc[0]]
    assert status["collected_t"] == 0 and status["balance"] == "unreachable_far_from_road"


def test_reuse_snaps_each_layer_once(demo, demo_graph, caplog):
    pop = demo.population.iloc[:400].copy()
    pop.loc[pop.index[0], "geometry"] = _far_point(demo.roads).buffer(125, cap_style="square")
    with caplog.at_level(logging.WARNING, logger="arealsirk"):
        r = site_reuse_centres(pop, demo.zones, demo_graph, count=5, existing=demo.existing, max_minutes=20)
    warns = _snap_warnings(caplog)
    assert len(warns) == 2, warns  # one snap of the population (before: two, called 'source')
    assert warns[0].startswith("layer 'population': 1 of 400 feature(s) lie outside")
    assert warns[1].startswith("layer 'population': 1 of 400 feature(s) are more than 5000 m")
    # the unreachable cell is reported in both languages
    note = next(m for m in r.messages if m.key == "reuse.unreachable")
    assert note.startswith("1 demand point(s) with")
    assert note.render("nb").startswith("1 etterspørselspunkt med ")
