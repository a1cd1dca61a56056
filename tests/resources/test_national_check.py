"""National check: the register's manure total and methane potential against published figures.

Published figures (Landbruksdirektoratet, Klima- og miljøprogrammet, page "Biogass", projects supported
until 2012): "Det produseres om lag 12 millioner tonn husdyrgjødsel årlig i Norge" and "Potensialet for
produksjon av biogass fra husdyrgjødsel i Norge er anslått til å være ca. 2,5 TWh per år".

Tolerance 20 %: the published tonnes depend on how much washing water and bedding is counted, and the
herd has changed since (dairy cows fell, poultry grew). The 2.5 TWh is a theoretical potential (the full
B0 of the manure); arealsirk's default counts what a digester realises (``resources.manure_b0_realised_share``
= 0.75), so the check compares the theoretical figure with B0 at 100 %, and the default with 75 % of it.
"""

from __future__ import annotations

import pytest

from arealsirk.defaults import default
from arealsirk.estimate import manure_per_farm
from arealsirk.resources import methane_yield

PUBLISHED_T = 12e6
PUBLISHED_TWH = 2.5
TOLERANCE = 0.20


@pytest.fixture(scope="module")
def national(register):
    return manure_per_farm(register)


def test_national_manure_tonnes(national):
    total = national["quantity"].sum()
    assert abs(total / PUBLISHED_T - 1) <= TOLERANCE, f"{total / 1e6:.2f} Mt vs published 12 Mt"


def test_national_methane_potential(national, register):
    kwh = default("resources.kwh_per_nm3_methane")
    theoretical = manure_per_farm(register, parameters={"resources.manure_b0_realised_share": 1.0})
    twh = theoretical["methane_nm3"].sum() * kwh / 1e9
    assert abs(twh / PUBLISHED_TWH - 1) <= TOLERANCE, f"{twh:.2f} TWh vs published 2.5 TWh"
    realised = national["methane_nm3"].sum() * kwh / 1e9
    assert realised == pytest.approx(0.75 * twh, rel=1e-9)


def test_kind_yields_agree_with_the_vs_based_methane(national):
    # site_biogas uses one yield per tonne and kind; the VS-based methane of the register must agree
    by = national.groupby("kind")[["quantity", "methane_nm3"]].sum()
    for kind, row in by.iterrows():
        per_t = row["methane_nm3"] / row["quantity"]
        assert per_t == pytest.approx(methane_yield(kind), rel=0.10), kind


def test_cattle_dominate_as_in_deliveries(national):
    # Landbruksdirektoratet (2024 news on manure delivered to biogas plants): about two thirds cattle,
    # one third pig; in the whole register cattle manure is the large majority of the tonnes
    share = national.groupby("kind")["quantity"].sum() / national["quantity"].sum()
    assert share["cattle_manure"] > 0.6 and share["pig_manure"] > 0.05
