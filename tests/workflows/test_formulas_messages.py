"""The workflows' sentences (``arealsirk/workflows/_messages.py``) written out word for word.

Each test builds a :class:`Message` of the catalogue with hand-picked values and compares the whole
English and bokmål sentence with one written out here: the numbers a planner reads (tonnes, Nm³,
GWh, km, NOK, scores, shares) in each language's format (``12,346`` / ``12 346`` with a narrow
no-break space, ``12.3`` / ``12,3``, ``0.2%`` / ``0,2 %``), the words of the feedstock kinds and
criteria in bokmål, and the Markdown escaping of text from the data.  Written to kill the mutants of
issue 16's mutation run (docs/mutation.md).
"""

from __future__ import annotations

import pytest

from arealsirk._text import escape_markdown
from arealsirk.workflows import Message, render_message

S = "\u202f"  # bokmål thousands separator (narrow no-break space)


# --- feedstock.site: the mix, the benefits, tonnes and tonne-km --------------------------------


def _site(mix, benefits):
    return Message(
        "feedstock.site",
        name="Anlegg Nord",
        id="S1",
        what=Message("plant.new"),
        t=12345.6,
        mix=mix,
        benefits=benefits,
        tkm=98765.4,
        mean_km=8.04,
        util=76.4,
    )


# methane 1 234 567.8 Nm³ (>= 100: whole number), energy 12.345 GWh (3 significant digits: 12.3),
# reused 0.5 t, a column without a label (its name, no unit), 7.25 (3 significant digits)
BENEFITS = [("methane_nm3", 1234567.8), ("energy_gwh", 12.345), ("reused_t", 0.5), ("co2_saved", 7.25)]
MIX = [("cattle_manure", 10000.4), ("food_waste", 2345.2)]


def test_site_sentence_with_mix_and_benefits_in_english():
    m = _site(MIX, BENEFITS)
    expected = (
        "Anlegg Nord (S1, new plant): 12,346 t/yr (cattle_manure 10,000 t, food_waste 2,345 t), "
        "methane 1,234,568 Nm3/yr, energy 12.3 GWh/yr, reused 0.5 t/yr, co2_saved 7.25; "
        "98,765 tonne-km, mean 8.0 km, 76 % of capacity"
    )
    assert str(m) == expected
    assert m.render("en") == expected
    assert render_message(m) == expected


def test_site_sentence_with_mix_and_benefits_in_bokmal():
    expected = (
        f"Anlegg Nord (S1, nytt anlegg): 12{S}346 t/år (storfegjødsel 10{S}000 t, matavfall 2{S}345 t), "
        f"metan 1{S}234{S}568 Nm³/år, energi 12,3 GWh/år, til ombruk 0,5 t/år, co2_saved 7,25; "
        f"98{S}765 tonn-km, i snitt 8,0 km, 76 % av kapasiteten"
    )
    assert _site(MIX, BENEFITS).render("nb") == expected
    assert render_message(_site(MIX, BENEFITS), "nb") == expected


@pytest.mark.parametrize(
    ("benefits", "en", "nb"),
    [
        # 100 and more: whole numbers; below 100: three significant digits
        ([("energy_gwh", 99.94)], ", energy 99.9 GWh/yr", ", energi 99,9 GWh/år"),
        ([("energy_gwh", 100.0)], ", energy 100 GWh/yr", ", energi 100 GWh/år"),
        ([("energy_gwh", 0.01234)], ", energy 0.0123 GWh/yr", ", energi 0,0123 GWh/år"),
        ([("reused_t", 1.0)], ", reused 1 t/yr", ", til ombruk 1 t/år"),
        ([], "", ""),
    ],
)
def test_benefit_numbers(benefits, en, nb):
    head_en = "Anlegg Nord (S1, new plant): 12,346 t/yr (food_waste 2,345 t)"
    head_nb = f"Anlegg Nord (S1, nytt anlegg): 12{S}346 t/år (matavfall 2{S}345 t)"
    m = _site([("food_waste", 2345.2)], benefits)
    assert str(m) == head_en + en + "; 98,765 tonne-km, mean 8.0 km, 76 % of capacity"
    assert m.render("nb") == head_nb + nb + f"; 98{S}765 tonn-km, i snitt 8,0 km, 76 % av kapasiteten"


def test_site_sentence_with_no_feedstock():
    m = _site([], [("methane_nm3", 0.0)])
    assert str(m) == (
        "Anlegg Nord (S1, new plant): 12,346 t/yr (no feedstock), methane 0 Nm3/yr; "
        "98,765 tonne-km, mean 8.0 km, 76 % of capacity"
    )
    assert m.render("nb") == (
        f"Anlegg Nord (S1, nytt anlegg): 12{S}346 t/år (ikke noe råstoff), metan 0 Nm³/år; "
        f"98{S}765 tonn-km, i snitt 8,0 km, 76 % av kapasiteten"
    )


# --- haul limits ------------------------------------------------------------------------------


LIMITS = [("food_waste", 12.5, "biogas.max_km.food_waste"), ("", 1234.0, "biogas.max_km")]


def test_too_small_with_haul_limits():
    m = Message("feedstock.too_small", n=2, min_key="biogas.min_plant_t", min_t=5000.0, limits=LIMITS,
                ids="A, B")
    assert str(m) == (
        "2 candidate(s) have less than biogas.min_plant_t=5,000 t/yr within the haul limits "
        "(food_waste 12.5 km (biogas.max_km.food_waste); 1,234 km (biogas.max_km)) "
        "and cannot host a plant: A, B"
    )
    assert m.render("nb") == (
        f"2 kandidater har mindre enn 5{S}000 t/år råstoff innenfor transportgrensene "
        f"(matavfall 12,5 km (biogas.max_km.food_waste); 1{S}234 km (biogas.max_km); biogas.min_plant_t) "
        "og kan ikke få et anlegg: A, B"
    )


def test_penalty_with_one_limit_for_every_kind():
    m = Message("feedstock.penalty", pi=150.0, key="biogas.penalty_factor",
                limits=[("", 37.5, "biogas.max_km")])
    assert str(m) == (
        "cost model: a tonne not collected counts as 150 km of haul (biogas.penalty_factor x the longest "
        "haul limit; limits: 37.5 km (biogas.max_km)), more than any allowed haul, so every tonne within "
        "its limit of an open plant with room is collected"
    )
    assert m.render("nb").startswith(
        "kostnadsmodellen: et tonn som ikke samles inn teller som 150 km transport (biogas.penalty_factor x "
        "den lengste transportgrensen; grenser: 37,5 km (biogas.max_km)), mer enn"
    )


# --- kinds, scores ----------------------------------------------------------------------------


def test_ignored_kinds():
    m = Message("feedstock.ignored", kinds=[("slam_x", 3), ("cattle_manure", 1)], reason="no yield")
    assert str(m) == "sources of kinds 'slam_x' (3), 'cattle_manure' (1) were ignored: no yield"
    assert m.render("nb") == "kilder av typene slam_x (3), storfegjødsel (1) ble ikke tatt med: no yield"


def test_park_scores():
    m = Message("parks.park", id="P1", name="Mo", rank=1, total=0.8765,
                scores=[("rail", 0.5), ("port", 0.25), ("land", 1.0)], n=2, nok=1234567.0)
    assert str(m) == (
        "park P1 (Mo): rank 1, total 0.88 (rail 0.50, port 0.25, land 1.00); "
        "hosts 2 match(es) worth 1,234,567 NOK/yr"
    )
    assert m.render("nb") == (
        "park P1 (Mo): rangert som nr. 1, samlet 0,88 (jernbane 0,50, havn 0,25, areal 1,00); "
        f"rommer 2 koblinger verdt 1{S}234{S}567 kr/år"
    )


# --- shares ("ps": whole percent, one decimal below 1 %) ---------------------------------------


@pytest.mark.parametrize(
    ("share", "en", "nb"),
    [
        (0.002, "0.2%", "0,2 %"),
        (0.0, "0%", "0 %"),
        (0.00995, "1%", "1 %"),  # 0.995 % is 1 % in whole percent (1.0 % with one decimal)
        (0.0099, "1.0%", "1,0 %"),
        (0.5, "50%", "50 %"),
        (1.0, "100%", "100 %"),
    ],
)
def test_people_share(share, en, nb):
    phrase = Message("balance.served_beyond_limit", limit="20 min, reuse.max_minutes")
    m = Message("balance.people", share=share, q=1234.0, phrase=phrase)
    assert str(m) == (
        f"{en} of the people (1,234) are served only beyond the limit of 20 min, reuse.max_minutes"
    )
    assert m.render("nb") == (
        f"{nb} av befolkningen (1{S}234 personer) nås bare utenfor grensen på 20 min, reuse.max_minutes"
    )


# --- escaping text from the data --------------------------------------------------------------


def test_escaped_site_name_and_missing_numbers():
    # a site nearest to nobody: 0 people, share and minutes missing ("-", which is no list marker)
    m = Message("reuse.site", name="**Sentrum** | <b>", id="R1", why="nearest [site]", people=0.0,
                share=float("nan"), minutes=float("nan"))
    name = r"\*\*Sentrum\*\* \| &lt;b&gt; (R1, nearest \[site\])"
    en = f"{name}: serves 0 people, - of them within - min"
    assert render_message(m, "en", escape=escape_markdown) == en
    assert m.render("en", escape=escape_markdown) == en
    assert render_message(m, "nb", escape=escape_markdown) == (
        f"{name}: betjener 0 personer, - av dem innenfor - min"
    )
    # unescaped: the text as it is
    assert str(m) == "**Sentrum** | <b> (R1, nearest [site]): serves 0 people, - of them within - min"
    assert m.render("nb") == (
        "**Sentrum** | <b> (R1, nearest [site]): betjener 0 personer, - av dem innenfor - min"
    )


def test_escaped_negative_numbers_are_not_list_markers():
    m = Message("reuse.site", name="A", id="R2", why="new", people=-1234.0, share=-0.25, minutes=-7.5)
    assert render_message(m, "en", escape=escape_markdown) == (
        "A (R2, new): serves -1,234 people, -25% of them within -7.5 min"
    )
    assert render_message(m, "nb", escape=escape_markdown) == (
        f"A (R2, new): betjener −1{S}234 personer, −25 % av dem innenfor −7,5 min"
    )


def test_escaped_nested_message():
    """The limit inside the nested phrase is data: escaped too."""
    phrase = Message("balance.beyond_max_km", limit="50 km, <max>")
    m = Message("balance.kind", kind="mat*avfall", share=0.25, q=25.0, unit="t/yr", phrase=phrase)
    assert render_message(m, "en", escape=escape_markdown) == (
        r"25% of the mat\*avfall (25 t/yr) is farther than its haul limit (50 km, &lt;max&gt;) "
        "from every open plant"
    )
    assert render_message(m, "nb", escape=escape_markdown) == (
        r"25 % av mat\*avfall (25 t/år) ligger lenger unna alle åpne anlegg enn transportgrensen "
        "(50 km, &lt;max&gt;)"
    )
    assert str(m) == (
        "25% of the mat*avfall (25 t/yr) is farther than its haul limit (50 km, <max>) from every open plant"
    )


def test_render_of_plain_text():
    assert render_message("a | b *c*") == "a | b *c*"
    assert render_message("a | b *c*", "nb") == "a | b *c*"
    assert render_message("a | b *c*", escape=escape_markdown) == r"a \| b \*c\*"
    assert render_message(42, "nb") == "42"
    assert render_message(42, escape=escape_markdown) == "42"
