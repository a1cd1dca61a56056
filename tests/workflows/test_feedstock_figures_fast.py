"""The feedstock figures per allocated row, computed once per kind (issue 19: farm level in seconds).

The allocation's per-row figures (transport CO2, truck trips, methane, energy) used to look up each
row's factors again, reading the defaults table twice per row (430 000 reads at farm level, a minute).
They are now looked up once per distinct kind (:func:`arealsirk.resources.per_kind`) and mapped onto
the rows.  These tests hold the vectorised figures to the scalar functions row by row (the same floats,
to the last bit), :func:`~arealsirk.workflows.fairness.kommune_fairness` to figures worked out by hand
and to a plain loop over kommuner, and count the defaults-table reads for 50 000 rows.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shapely

import arealsirk.resources as resources
from arealsirk.errors import InputError
from arealsirk.resources import (
    co2_kg_per_tkm,
    energy_gwh_from_methane,
    methane_yield,
    payload_t,
    per_kind,
    transport_co2_t,
)
from arealsirk.workflows._common import line
from arealsirk.workflows._feedstock import _allocation
from arealsirk.workflows._feedstock_costs import PairCosts
from arealsirk.workflows.bioenergy import BIOENERGY
from arealsirk.workflows.biogas import BIOGAS
from arealsirk.workflows.fairness import kommune_fairness
from arealsirk.workflows.textiles import TEXTILES

CRS = "EPSG:25833"
#: every kind with a methane yield that biogas takes: manure of each animal, food waste, both sludges
MIXED = ["cattle_manure", "pig_manure", "sheep_goat_manure", "poultry_manure", "horse_manure",
         "other_manure", "food_waste", "sewage_sludge", "digested_sludge"]
#: overrides of a payload, a yield, a vehicle-class CO2 factor, the general factor and kWh per Nm3
PARAMS = {
    "resources.payload_t.food_waste": 11.5,
    "resources.payload_t.sheep_goat_manure": 7.25,
    "resources.methane_nm3_per_t.pig_manure": 17.3,
    "resources.co2_kg_per_tkm.slurry_tanker": 0.071,
    "resources.co2_kg_per_tkm": 0.093,
    "resources.kwh_per_nm3_methane": 9.81,
}


def _flows(n_src: int, n_sites: int, kinds: list[str], seed: int):
    """Sources, sites, road costs and a split allocation: every source sends its tonnes to one or two
    sites; source 0 lies exactly on site 0 (a zero-length line)."""
    rng = np.random.default_rng(seed)
    sx, sy = rng.uniform(0, 5e4, n_src), rng.uniform(0, 5e4, n_src)
    tx, ty = rng.uniform(0, 5e4, n_sites), rng.uniform(0, 5e4, n_sites)
    sx[0], sy[0] = tx[0], ty[0]
    src = gpd.GeoDataFrame(
        {"id": [f"s{i}" for i in range(n_src)], "kind": rng.choice(kinds, n_src),
         "kommunenummer": rng.choice(["1804", "1806", "1820"], n_src)},
        geometry=shapely.points(sx, sy), crs=CRS,
    )
    sites = gpd.GeoDataFrame({"id": [f"p{j}" for j in range(n_sites)]}, geometry=shapely.points(tx, ty),
                             crs=CRS)
    first = rng.integers(0, n_sites, n_src)
    first[0] = 0
    second = (first + 1 + rng.integers(0, n_sites - 1, n_src)) % n_sites
    split = rng.random(n_src) < 0.3
    rows = np.r_[np.arange(n_src), np.flatnonzero(split)]
    cols = np.r_[first, second[split]]
    q = rng.uniform(0.5, 900.0, n_src)
    share = np.where(split, rng.uniform(0.1, 0.9, n_src), 1.0)
    vals = np.r_[q * share, (q * (1 - share))[split]]
    km = np.round(rng.uniform(0.0, 40.0, rows.size), 3)
    km[0] = 0.0
    km_m = sp.csr_matrix((km, (rows, cols)), shape=(n_src, n_sites))
    km_m.sort_indices()
    min_m = sp.csr_matrix((km * 1.2, (rows, cols)), shape=(n_src, n_sites))
    min_m.sort_indices()
    return src, sites, rows, cols, vals, PairCosts(km=km_m, minutes=min_m)


@pytest.mark.parametrize("params", [{}, PARAMS], ids=["defaults", "overrides"])
def test_allocation_figures_equal_the_scalar_functions_row_by_row(params):
    src, sites, rows, cols, vals, costs = _flows(400, 7, MIXED, seed=3)
    alloc = _allocation(BIOGAS, src, sites, rows, cols, vals, costs, params)
    assert len(alloc) == rows.size
    assert set(alloc["kind"]) == set(MIXED)
    sx, sy = src.geometry.x.to_numpy(), src.geometry.y.to_numpy()
    tx, ty = sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()
    for r, (i, j, v) in enumerate(zip(rows, cols, vals, strict=True)):
        k = src["kind"].iloc[i]
        got = alloc.iloc[r]
        assert got["kind"] == k and got["quantity"] == v
        d = costs.km[i, j]
        assert got["distance_km"] == d and got["tonne_km"] == v * d
        # the scalar formulas of resources.py, one row at a time: the same float, to the last bit
        assert got["co2_t"] == v * d * co2_kg_per_tkm(k, params) / 1e3
        assert got["truck_trips"] == v / payload_t(k, params)
        ch4 = v * methane_yield(k, params)
        assert got["methane_nm3"] == ch4
        assert got["energy_gwh"] == float(energy_gwh_from_methane(ch4, params))
        assert shapely.equals_exact(alloc.geometry.iloc[r], line((sx[i], sy[i]), (tx[j], ty[j])), tolerance=0)
    # the overrides are used (not only the table): food waste's payload and pig manure's yield
    if params:
        fw = alloc["kind"] == "food_waste"
        np.testing.assert_array_equal(alloc.loc[fw, "truck_trips"], alloc.loc[fw, "quantity"] / 11.5)
        pig = alloc["kind"] == "pig_manure"
        np.testing.assert_array_equal(alloc.loc[pig, "methane_nm3"], alloc.loc[pig, "quantity"] * 17.3)
    # a source on its site: a 1 m line to the east, as _common.line draws it
    assert alloc.geometry.iloc[0].length == pytest.approx(1.0)


@pytest.mark.parametrize("profile, kinds, column, key",
                         [(BIOENERGY, ["forest_residue"], "energy_gwh", None),
                          (TEXTILES, ["textiles"], "reused_t", "textiles.reuse_share")])
def test_other_profiles_keep_their_per_row_figures(profile, kinds, column, key):
    src, sites, rows, cols, vals, costs = _flows(60, 4, kinds, seed=5)
    alloc = _allocation(profile, src, sites, rows, cols, vals, costs, {})
    k = kinds[0]
    np.testing.assert_array_equal(alloc["truck_trips"].to_numpy(), vals / payload_t(k))
    np.testing.assert_array_equal(alloc["co2_t"].to_numpy(),
                                  alloc["tonne_km"].to_numpy() * co2_kg_per_tkm(k) / 1e3)
    assert column in alloc.columns and (alloc[column].to_numpy() > 0).all()
    if key is not None:
        np.testing.assert_array_equal(alloc[column].to_numpy(), vals * resources.parameter(key))


def test_per_kind_is_the_scalar_lookup_per_element():
    kinds = np.array(["food_waste", " Food_Waste ", "cattle_manure", "ash", "food_waste", "unknown_kind"],
                     dtype=object)
    got = per_kind(payload_t, kinds, PARAMS)
    assert got.tolist() == [payload_t(k, PARAMS) for k in kinds]
    assert got[0] == got[1] == 11.5  # spelling normalised as payload_t does
    assert got[5] == resources.parameter("resources.payload_t.default")
    assert per_kind(co2_kg_per_tkm, kinds, PARAMS).tolist() == [co2_kg_per_tkm(k, PARAMS) for k in kinds]
    assert per_kind(payload_t, np.array([], dtype=object)).shape == (0,)
    # transport_co2_t with one kind per value: the per-element factor
    tkm = np.array([10.0, 20.0, 30.0, 40.0, 50.0, 60.0])
    assert transport_co2_t(tkm, PARAMS, kind=kinds).tolist() == [
        t * co2_kg_per_tkm(k, PARAMS) / 1e3 for t, k in zip(tkm, kinds, strict=True)]
    with pytest.raises(InputError, match="2 kinds for 6"):
        transport_co2_t(tkm, kind=["food_waste", "ash"])


def test_per_kind_raises_for_the_first_kind_without_a_factor():
    with pytest.raises(InputError, match="resource kind 'ash' has no methane yield"):
        per_kind(methane_yield, ["cattle_manure", "ash", "textiles", "ash"])
    # an override gives a kind a yield
    assert per_kind(methane_yield, ["ash"], {"resources.methane_nm3_per_t.ash": 3.0}).tolist() == [3.0]


def test_defaults_table_read_a_bounded_number_of_times_for_50000_rows(monkeypatch):
    """Counted, not timed: the old per-row look-ups read the table twice per row (100 000+ reads)."""
    src, sites, rows, cols, vals, costs = _flows(40_000, 25, MIXED, seed=11)
    assert rows.size >= 50_000
    calls = {"table": 0, "default": 0}
    real_table, real_default = resources.table, resources.default

    def counted_table(*a, **k):
        calls["table"] += 1
        return real_table(*a, **k)

    def counted_default(*a, **k):
        calls["default"] += 1
        return real_default(*a, **k)

    monkeypatch.setattr(resources, "table", counted_table)
    monkeypatch.setattr(resources, "default", counted_default)
    alloc = _allocation(BIOGAS, src, sites, rows, cols, vals, costs, {})
    assert len(alloc) == rows.size
    # per distinct kind (9): a payload (table + default), a CO2 factor, a yield (table + default),
    # plus kWh per Nm3 once
    assert 0 < calls["table"] <= 4 * len(MIXED)
    assert 0 < calls["default"] <= 4 * len(MIXED) + 2


# ---------------------------------------------------------------------------------------- fairness
def _fair_inputs():
    """0301 sends 10 t to S1 and 30 t to S2; 1101 sends 20 t to S2; 1103 supplies 5 t that no site
    takes; 4601 hosts S3, which gets nothing; 5001 is only in the kommune layer."""
    sources = pd.DataFrame({"id": ["a", "b", "c"], "quantity": [40.0, 20.0, 5.0],
                            "kommunenummer": ["0301", "1101", "1103"]})
    allocation = pd.DataFrame({
        "source_id": ["a", "a", "b"], "site_id": ["S1", "S2", "S2"], "quantity": [10.0, 30.0, 20.0],
        "tonne_km": [100.0, 600.0, 200.0], "kommunenummer": ["0301", "0301", "1101"],
        "methane_nm3": [1000.0, 3000.0, 2000.0],
    })
    sites = pd.DataFrame({"id": ["S1", "S2", "S3"], "kommunenummer": ["1101", "0301", "4601"]})
    kommuner = gpd.GeoDataFrame(
        {"kommunenummer": ["0301", "1101", "1103", "4601", "5001"],
         "kommunenavn": ["Oslo", "Eigersund", "Stavanger", "Bergen", "Trondheim"]},
        geometry=[shapely.box(i, 0, i + 1, 1) for i in range(5)], crs=CRS,
    )
    return allocation, sources, sites, kommuner


def test_kommune_fairness_by_hand():
    allocation, sources, sites, kommuner = _fair_inputs()
    t = kommune_fairness(allocation, sources, sites, kommuner=kommuner, benefit_column="methane_nm3")
    assert t["kommunenummer"].tolist() == ["0301", "1101", "1103", "4601", "5001"]
    assert t["kommunenavn"].tolist() == ["Oslo", "Eigersund", "Stavanger", "Bergen", "Trondheim"]
    assert t["supplied_t"].tolist() == [40.0, 20.0, 5.0, 0.0, 0.0]
    assert t["collected_t"].tolist() == [40.0, 20.0, 0.0, 0.0, 0.0]
    assert t["share_supply"].tolist() == [40 / 60, 20 / 60, 0.0, 0.0, 0.0]
    assert t["served_by"].tolist() == ["S2 (75%); S1 (25%)", "S2 (100%)", "", "", ""]
    assert t["main_site"].tolist() == ["S2", "S2", "", "", ""]
    assert t["tonne_km"].tolist() == [700.0, 200.0, 0.0, 0.0, 0.0]
    assert t["share_transport"].tolist() == [700 / 900, 200 / 900, 0.0, 0.0, 0.0]
    assert t["benefit"].tolist() == [4000.0, 2000.0, 0.0, 0.0, 0.0]
    assert t["share_benefit"].tolist() == [4000 / 6000, 2000 / 6000, 0.0, 0.0, 0.0]
    assert t["sites_hosted"].tolist() == [1, 1, 0, 1, 0]
    assert t["site_ids"].tolist() == ["S2", "S1", "", "S3", ""]
    assert t["received_t"].tolist() == [50.0, 10.0, 0.0, 0.0, 0.0]
    assert t["share_hosted"].tolist() == [50 / 60, 10 / 60, 0.0, 0.0, 0.0]
    assert t["net_import_t"].tolist() == [10.0, -10.0, 0.0, 0.0, 0.0]
    assert set(t["benefit_unit"]) == {"methane_nm3"}
    # no benefit column: NaN benefits, no shares
    t2 = kommune_fairness(allocation, sources, sites, kommuner=kommuner, benefit_column="energy_gwh")
    assert t2["benefit"].isna().all() and (t2["share_benefit"] == 0.0).all()


def _hand_loop(allocation, sources, sites, kommuner, benefit):
    """A straightforward loop over kommuner and rows, in plain Python (``math.fsum`` sums)."""
    import math

    codes = sorted({str(k) for k in sources["kommunenummer"]} | {str(k) for k in sites["kommunenummer"]}
                   | {str(k) for k in kommuner["kommunenummer"]})
    names = dict(zip(kommuner["kommunenummer"], kommuner["kommunenavn"], strict=True))
    site_k = dict(zip(sites["id"], sites["kommunenummer"], strict=True))
    arows = list(allocation.itertuples(index=False))
    tot_q = math.fsum(r.quantity for r in arows)
    tot_tkm = math.fsum(r.tonne_km for r in arows)
    tot_b = math.fsum(getattr(r, benefit) for r in arows)
    out = []
    for k in codes:
        mine = [r for r in arows if r.kommunenummer == k]
        per_site: dict[str, float] = {}
        for r in mine:
            per_site[r.site_id] = per_site.get(r.site_id, 0.0) + r.quantity
        ranked = sorted(per_site.items(), key=lambda sv: (-sv[1], sv[0]))
        coll = math.fsum(v for _, v in ranked)
        tkm = math.fsum(r.tonne_km for r in mine)
        b = math.fsum(getattr(r, benefit) for r in mine)
        received = math.fsum(r.quantity for r in arows if site_k.get(r.site_id) == k)
        hosted = [s for s in sites["id"] if site_k[s] == k]
        out.append({
            "kommunenummer": k, "kommunenavn": names.get(k, ""),
            "supplied_t": math.fsum(q for q, kk in zip(sources["quantity"], sources["kommunenummer"],
                                                           strict=True) if kk == k),
            "collected_t": coll, "share_supply": coll / tot_q,
            "served_by": "; ".join(f"{s} ({v / coll:.0%})" for s, v in ranked) if coll > 0 else "",
            "main_site": ranked[0][0] if ranked else "",
            "tonne_km": tkm, "share_transport": tkm / tot_tkm, "benefit": b, "benefit_unit": benefit,
            "share_benefit": b / tot_b,
            "sites_hosted": len(hosted), "site_ids": ";".join(hosted), "received_t": received,
            "share_hosted": received / tot_q, "net_import_t": received - coll,
        })
    return out


def test_kommune_fairness_equals_a_hand_loop_on_many_rows():
    """Forty kommuner (ten only in the layer, some hosting sites without supplying), 300 rows split
    over several sites; sums of many rows agree with ``math.fsum`` within 1e-12 relative."""
    rng = np.random.default_rng(7)
    kom_codes = [f"{1800 + i}" for i in range(40)]
    supplying = kom_codes[:30]
    n = 240
    sources = pd.DataFrame({"id": [f"s{i}" for i in range(n)], "quantity": rng.uniform(1, 500, n),
                            "kommunenummer": rng.choice(supplying, n)})
    site_ids = [f"P{j:02d}" for j in range(12)]
    sites = pd.DataFrame({"id": site_ids, "kommunenummer": rng.choice(kom_codes, 12)})
    taken = rng.random(n) < 0.85  # the others supply but send nothing
    rows, site_of, q = [], [], []
    for i in np.flatnonzero(taken):
        k = rng.integers(1, 4)  # split over 1-3 sites
        parts = rng.dirichlet(np.ones(k)) * sources["quantity"].iloc[i]
        for s, v in zip(rng.choice(site_ids, k, replace=False), parts, strict=True):
            rows.append(i)
            site_of.append(s)
            q.append(v)
    q = np.array(q)
    allocation = pd.DataFrame({
        "source_id": sources["id"].to_numpy()[rows], "site_id": site_of, "quantity": q,
        "tonne_km": q * rng.uniform(0, 60, q.size),
        "kommunenummer": sources["kommunenummer"].to_numpy()[rows],
        "methane_nm3": q * rng.uniform(10, 90, q.size),
    })
    kommuner = gpd.GeoDataFrame({"kommunenummer": kom_codes, "kommunenavn": [f"K{c}" for c in kom_codes]},
                                geometry=[shapely.box(i, 0, i + 1, 1) for i in range(40)], crs=CRS)
    got = kommune_fairness(allocation, sources, sites, kommuner=kommuner, benefit_column="methane_nm3")
    want = _hand_loop(allocation, sources, sites, kommuner, "methane_nm3")
    assert len(got) == len(want) == 40
    assert (got["collected_t"] == 0).sum() >= 10  # kommuner that get nothing
    assert (got["served_by"].str.count(";") >= 1).sum() >= 10  # kommuner split over several sites
    for g, w in zip(got.to_dict("records"), want, strict=True):
        assert list(g) == list(w)
        for col, wv in w.items():
            if isinstance(wv, float):
                assert g[col] == pytest.approx(wv, rel=1e-12, abs=1e-9), (w["kommunenummer"], col)
            else:
                assert g[col] == wv, (w["kommunenummer"], col)


def test_catchments_are_the_hull_of_each_plant_and_its_sources():
    """One multipoint per plant built in one call: the same polygons as a hull drawn plant by plant
    (the plant and its distinct sources, buffered as ``Polygon.buffer`` does), plants without
    sources a buffered point, plants in ``open_idx`` order."""
    from shapely import MultiPoint

    from arealsirk.workflows._feedstock import _catchments

    src, sites, rows, cols, _, _ = _flows(300, 9, MIXED, seed=13)
    keep = cols != 4  # plant 4 is open but gets nothing
    rows, cols = rows[keep], cols[keep]
    open_idx = np.array([6, 4, 0, 2, 1, 3, 5, 7])  # plant 8 is closed (its rows are left out)
    got = _catchments(BIOGAS, src, sites, open_idx, rows, cols, PARAMS)
    assert got["site_id"].tolist() == [f"p{j}" for j in open_idx]
    buf = resources.parameter("resources.catchment_buffer_m", PARAMS)
    sx, sy = src.geometry.x.to_numpy(), src.geometry.y.to_numpy()
    tx, ty = sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()
    for g, j in zip(got.geometry, open_idx, strict=True):
        mine = sorted(set(rows[cols == j].tolist()))
        want = MultiPoint([(tx[j], ty[j])] + [(sx[i], sy[i]) for i in mine]).convex_hull.buffer(buf)
        assert shapely.equals_exact(g, want, tolerance=0)
    lone = got.geometry.iloc[1]  # plant 4: a disc of radius buf around it
    assert lone.area == pytest.approx(np.pi * buf**2, rel=0.01)
