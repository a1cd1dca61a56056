"""Cost functions against hand figures, and costing a demo biogas result."""

from __future__ import annotations

import numpy as np
import pytest

from arealsirk.costs import (
    alternative_nok_per_t,
    annuity_factor,
    benefit_nok_per_t,
    cost_curve,
    cost_feedstock_result,
    transport_nok_per_tkm,
    vehicle_class,
)
from arealsirk.errors import InputError


def test_annuity_factor_by_hand() -> None:
    # 4 % over 20 years: 0.04 / (1 - 1.04**-20) = 0.07358175 (annuity tables)
    assert annuity_factor(0.04, 20) == pytest.approx(0.07358175, rel=1e-7)
    assert annuity_factor(0.0, 25) == pytest.approx(0.04)
    with pytest.raises(InputError, match="lifetime"):
        annuity_factor(0.04, 0)


def test_biogas_curve_by_hand() -> None:
    c = cost_curve("biogas_plant")
    assert c.price_year == 2024
    crf = 0.04 / (1 - 1.04**-20)
    # at the reference size 60 000 t/yr: 300 MNOK x (crf + 4 %) + 100 NOK/t x 60 000 t
    assert float(c.annual(60_000)) == pytest.approx(300e6 * (crf + 0.04) + 6e6)
    # half the size: investment 300 MNOK x 0.5**0.6 = 197.9 MNOK
    assert float(c.capex(30_000)) == pytest.approx(300e6 * 0.5**0.6)
    assert float(c.annual(0)) == 0.0
    # economies of scale: the cost per tonne falls with size
    per_t = c.per_unit([5_000, 15_000, 30_000, 60_000])
    assert np.all(np.diff(per_t) < 0)
    # an override changes the figure
    c2 = cost_curve("biogas_plant", {"costs.capex_exponent.biogas_plant": 1.0})
    assert float(c2.capex(30_000)) == pytest.approx(150e6)
    with pytest.raises(InputError, match="diseconomies"):
        cost_curve("biogas_plant", {"costs.capex_exponent.biogas_plant": 1.2})
    with pytest.raises(InputError, match="no cost curve; known: biogas_plant"):
        cost_curve("airport")


def test_tangent_pieces_bound_the_curve() -> None:
    c = cost_curve("biogas_plant")
    a, s, pts = c.pieces(15_000, 60_000, 3)
    assert pts == pytest.approx([15_000, 30_000, 60_000])
    assert a + s * pts == pytest.approx(c.annual(pts))
    grid = np.linspace(1_000, 60_000, 500)
    env = np.min(a[None, :] + s[None, :] * grid[:, None], axis=1)
    assert np.all(env >= c.annual(grid) - 1e-6)
    inside = grid >= 15_000
    assert np.max(env[inside] / c.annual(grid[inside]) - 1) < 0.015


def test_transport_and_benefit_by_hand() -> None:
    assert vehicle_class("cattle_manure") == "slurry_tanker"
    assert vehicle_class("Food_Waste ") == "food_waste_compactor"
    assert vehicle_class("by_product") == "default"
    # 25 NOK/km x 2 (empty return) / 25 t payload
    assert transport_nok_per_tkm("cattle_manure") == pytest.approx(2.0)
    # 25 NOK/km x 2 / 12 t
    assert transport_nok_per_tkm("food_waste") == pytest.approx(50 / 12)
    # 28 NOK/km x 2 / 30 t
    assert transport_nok_per_tkm("forest_residue") == pytest.approx(56 / 30)
    # methane: 12 Nm3/t x 9.97 kWh/Nm3 x 0.6 NOK/kWh
    pinned = {
        "resources.methane_nm3_per_t.cattle_manure": 12,
        "resources.kwh_per_nm3_methane": 10,
        "costs.energy_value_nok_per_kwh.biogas": 0.5,
    }
    assert benefit_nok_per_t("biogas_plant", "cattle_manure", pinned) == pytest.approx(12 * 10 * 0.5)
    assert benefit_nok_per_t("biogas_plant", "textiles") == 0.0
    # heat: 2.4 MWh/t x 0.85 x 1000 x 0.4 NOK/kWh
    assert benefit_nok_per_t("bioenergy_plant", "forest_residue") == pytest.approx(2.4 * 0.85 * 1000 * 0.4)
    assert benefit_nok_per_t("textile_site", "textiles") == pytest.approx(0.6 * 5000)
    assert alternative_nok_per_t("food_waste") == 900.0
    assert alternative_nok_per_t("by_product") == 0.0
    assert alternative_nok_per_t("food_waste", {"costs.alternative_nok_per_t.food_waste": 1100}) == 1100.0


def test_cost_of_demo_biogas_result(demo) -> None:
    from arealsirk.workflows import site_biogas

    layers = demo.layers()
    res = site_biogas(
        layers["sources"], layers["zones"], layers["roads"], count=2, kommuner=layers["kommuner"]
    )
    out = cost_feedstock_result(res)
    sites, by = out["sites"], out["by_kommune"]
    alloc = res.layers["allocation"]
    # transport by hand: tonne-km x NOK/tkm of each row's kind
    hand = sum(t * transport_nok_per_tkm(k) for k, t in zip(alloc["kind"], alloc["tonne_km"], strict=True))
    assert sites["transport_nok"].sum() == pytest.approx(hand)
    assert by["transport_nok"].sum() == pytest.approx(hand)
    # plant costs are shared out completely (tonnes key)
    assert by["facility_share_nok"].sum() == pytest.approx(sites["facility_nok"].sum())
    curve = cost_curve("biogas_plant")
    new = ~sites["existing"]
    assert sites.loc[new, "facility_nok"].to_numpy() == pytest.approx(
        curve.annual(sites.loc[new, "feedstock_t"].to_numpy())
    )
    # every tonne of every kommune is either collected or not
    src = res.layers["source_status"]
    supplied = src.groupby(src["kommunenummer"].astype(str))["quantity"].sum()
    got = by.set_index("kommunenummer")
    assert (got["collected_t"] + got["uncollected_t"]).to_numpy() == pytest.approx(
        supplied.reindex(got.index).to_numpy()
    )
    assert (got["price_year"] == 2024).all()
    assert got["saving_nok"].to_numpy() == pytest.approx((got["baseline_nok"] - got["net_nok"]).to_numpy())


def test_cost_of_demo_bioenergy_textiles_and_reuse(demo) -> None:
    from arealsirk.costs import cost_reuse_result
    from arealsirk.workflows import site_bioenergy, site_reuse_centres, site_textile_reuse

    layers = demo.layers()
    for run, ftype, kind in (
        (site_bioenergy, "bioenergy_plant", "forest_residue"),
        (site_textile_reuse, "textile_site", "textiles"),
    ):
        res = run(layers["sources"], layers["zones"], layers["roads"], kommuner=layers["kommuner"])
        out = cost_feedstock_result(res)
        sites = out["sites"]
        curve = cost_curve(ftype)
        assert sites["facility_nok"].to_numpy() == pytest.approx(
            curve.annual(sites["feedstock_t"].to_numpy())
        )
        # product value by hand: tonnes collected x NOK/t of the kind
        assert sites["benefit_nok"].sum() == pytest.approx(
            res.summary["feedstock_t"] * benefit_nok_per_t(ftype, kind)
        )
        assert out["by_kommune"]["facility_share_nok"].sum() == pytest.approx(sites["facility_nok"].sum())
    existing = layers["existing"][layers["existing"]["facility_type"] == "recycling_station"]
    reuse = site_reuse_centres(
        layers["population"],
        layers["zones"],
        layers["roads"],
        population_column="population",
        count=len(existing) + 2,
        existing=existing,
        kommuner=layers["kommuner"],
    )
    c = cost_reuse_result(reuse)
    curve = cost_curve("reuse_centre")
    new = ~c["existing"]
    assert new.sum() == 2
    assert c.loc[new, "facility_nok"].to_numpy() == pytest.approx(
        curve.annual(c.loc[new, "population_served"].to_numpy())
    )
    # an existing station: only 40 NOK per person served (its investment is sunk)
    assert c.loc[~new, "facility_nok"].to_numpy() == pytest.approx(40.0 * c.loc[~new, "population_served"])
    assert c.loc[~new, "capex_nok"].eq(0).all()
