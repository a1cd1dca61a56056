"""Per-kommune supply, transport and benefit shares (``kommune_fairness``) worked out by hand.

Mutation testing (issue 16, docs/mutation.md): kills the share-formula mutants of
``workflows/fairness.py``.  Three kommuner: 3001 supplies 300 t (250 t collected, half of it to
the plant in 3002), 3002 supplies 100 t and hosts both plants, 3003 supplies nothing and hosts
nothing but is in the kommune layer.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from arealsirk.workflows.fairness import kommune_fairness


def _inputs():
    sources = pd.DataFrame(
        {"id": ["a", "b", "c", "d"], "quantity": [200.0, 100.0, 60.0, 40.0],
         "kommunenummer": ["3001", "3001", "3002", "3002"]}
    )
    # a: 200 t, 150 t to P (in 3002) and 50 t to Q (in 3002 too); b: 50 of its 100 t to P;
    # c: 60 t to Q; d: 40 t to P
    allocation = pd.DataFrame(
        {
            "source_id": ["a", "a", "b", "c", "d"],
            "site_id": ["P", "Q", "P", "Q", "P"],
            "quantity": [150.0, 50.0, 50.0, 60.0, 40.0],
            "tonne_km": [1500.0, 1000.0, 250.0, 120.0, 130.0],
            "kommunenummer": ["3001", "3001", "3001", "3002", "3002"],
            "methane_nm3": [1000.0, 500.0, 500.0, 3000.0, 0.0],
        }
    )
    sites = pd.DataFrame({"id": ["P", "Q"], "kommunenummer": ["3002", "3002"]})
    kommuner = gpd.GeoDataFrame(
        {"kommunenummer": ["3001", "3002", "3003"], "kommunenavn": ["Nord", "Midt", "Sør"]},
        geometry=[shapely.box(i, 0, i + 1, 1) for i in range(3)], crs="EPSG:25833",
    )
    return allocation, sources, sites, kommuner


def test_fairness_table_by_hand() -> None:
    allocation, sources, sites, kommuner = _inputs()
    t = kommune_fairness(allocation, sources, sites, kommuner=kommuner, benefit_column="methane_nm3")
    t = t.set_index("kommunenummer")
    assert list(t.index) == ["3001", "3002", "3003"]
    assert t["kommunenavn"].tolist() == ["Nord", "Midt", "Sør"]
    # collected 250 + 100 = 350 t; tonne-km 2750 + 250 = 3000; methane 2000 + 3000 = 5000
    assert t.loc["3001", "supplied_t"] == 300.0 and t.loc["3002", "supplied_t"] == 100.0
    assert t.loc["3001", "collected_t"] == 250.0 and t.loc["3002", "collected_t"] == 100.0
    assert t.loc["3001", "share_supply"] == pytest.approx(250 / 350)
    assert t.loc["3002", "share_supply"] == pytest.approx(100 / 350)
    assert t.loc["3001", "tonne_km"] == 2750.0
    assert t.loc["3001", "share_transport"] == pytest.approx(2750 / 3000)
    assert t.loc["3002", "share_transport"] == pytest.approx(250 / 3000)
    assert t.loc["3001", "benefit"] == 2000.0 and t.loc["3001", "share_benefit"] == pytest.approx(0.4)
    assert t.loc["3002", "share_benefit"] == pytest.approx(0.6)
    assert t.loc["3001", "benefit_unit"] == "methane_nm3"
    # 3001: 200 t to P (80 %), 50 t to Q (20 %); 3002: 60 t to Q, 40 t to P
    assert t.loc["3001", "served_by"] == "P (80%); Q (20%)"
    assert t.loc["3001", "main_site"] == "P"
    assert t.loc["3002", "served_by"] == "Q (60%); P (40%)"
    assert t.loc["3002", "main_site"] == "Q"
    # hosting: both plants in 3002 receive all 350 t
    assert t.loc["3002", "sites_hosted"] == 2 and t.loc["3002", "site_ids"] == "P;Q"
    assert t.loc["3002", "received_t"] == 350.0 and t.loc["3002", "share_hosted"] == pytest.approx(1.0)
    assert t.loc["3002", "net_import_t"] == 250.0
    assert t.loc["3001", "net_import_t"] == -250.0
    assert t.loc["3001", "received_t"] == 0.0 and t.loc["3001", "share_hosted"] == 0.0
    # the kommune that neither supplies nor hosts: zeros, not NaN
    row = t.loc["3003"]
    assert (row["supplied_t"], row["collected_t"], row["share_supply"], row["tonne_km"]) == (0, 0, 0, 0)
    assert (row["share_transport"], row["benefit"], row["share_benefit"], row["sites_hosted"]) == (0, 0, 0, 0)
    assert row["served_by"] == "" and row["main_site"] == "" and row["site_ids"] == ""
    for col in ("share_supply", "share_transport", "share_benefit", "share_hosted"):
        assert t[col].sum() == pytest.approx(1.0)


def test_fairness_without_a_benefit_column_or_kommuner() -> None:
    allocation, sources, sites, _ = _inputs()
    t = kommune_fairness(allocation.drop(columns="methane_nm3"), sources, sites,
                         benefit_column="methane_nm3").set_index("kommunenummer")
    assert list(t.index) == ["3001", "3002"]
    assert t["kommunenavn"].tolist() == ["", ""]
    assert np.isnan(t.loc["3001", "benefit"]) and t.loc["3001", "share_benefit"] == 0.0
    # the default benefit is the tonnes themselves
    t = kommune_fairness(allocation, sources, sites).set_index("kommunenummer")
    assert t.loc["3001", "share_benefit"] == pytest.approx(250 / 350)
    assert t.loc["3001", "benefit_unit"] == "quantity"


def test_fairness_when_nothing_is_collected_shares_are_zero_not_nan() -> None:
    allocation, sources, sites, kommuner = _inputs()
    t = kommune_fairness(allocation.iloc[0:0], sources, sites, kommuner=kommuner).set_index("kommunenummer")
    for col in ("share_supply", "share_transport", "share_hosted"):
        assert t[col].tolist() == [0.0, 0.0, 0.0], col
    assert t.loc["3001", "supplied_t"] == 300.0 and t.loc["3001", "collected_t"] == 0.0


def test_fairness_small_tonnes_integer_codes_and_kommuner_beyond_the_layer() -> None:
    allocation, sources, sites, kommuner = _inputs()
    small = allocation.assign(quantity=allocation["quantity"] / 1000.0,  # 0.15, 0.05 ... t
                              kommunenummer=allocation["kommunenummer"].astype(int))
    # the kommune layer lacks 3001: its sources still get their row
    t = kommune_fairness(small, sources, sites, kommuner=kommuner.iloc[1:]).set_index("kommunenummer")
    assert list(t.index) == ["3001", "3002", "3003"]
    assert t.loc["3001", "kommunenavn"] == ""
    assert t.loc["3001", "collected_t"] == pytest.approx(0.25)
    assert t.loc["3001", "served_by"] == "P (80%); Q (20%)"
    assert t.loc["3002", "served_by"] == "Q (60%); P (40%)"
    assert t.loc["3002", "received_t"] == pytest.approx(0.35)
