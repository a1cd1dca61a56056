"""Elverum (3420): farms at their Matrikkel addresses; manure checked against a hand computation.

The expected tonnes are computed here from the raw register CSV with the csv module and plain
arithmetic (head x kg VS/day x 365 x housed share / 1000 -> DM = VS / VS-share -> slurry and solid
tonnes from the DM fractions), with the class of each subsidy code written out by hand below.
"""

from __future__ import annotations

import csv

import geopandas as gpd
import pytest
import shapely

from arealsirk.defaults import default
from arealsirk.estimate import estimate_manure, manure_per_farm

# subsidy code -> (class, manure group), by hand from the register's fields.csv; p118 and p8xx are
# "of which" counts (part of another code) and are not added
CODES = {
    "p115": ("horse_young", "horse"),
    "p116": ("horse", "horse"),
    "p119": ("other_cattle", "cattle"),
    "p120": ("dairy_cow", "cattle"),
    "p121": ("suckler_cow", "cattle"),
    "p139": ("dairy_sheep", "sheep_goat"),
    "p140": ("dairy_goat", "sheep_goat"),
    "p142": ("suckler_goat", "sheep_goat"),
    "p144": ("goat_young", "sheep_goat"),
    "p145": ("ewe", "sheep_goat"),
    "p146": ("ram", "sheep_goat"),
    "p154": ("piglet", "pig"),
    "p155": ("sow", "pig"),
    "p156": ("boar", "pig"),
    "p157": ("fattening_pig", "pig"),
    "p158": ("gilt", "pig"),
    "p159": ("young_boar", "pig"),
    "p161": ("laying_hen", "poultry"),
    "p168": ("breeding_fowl", "poultry"),
    "p174": ("table_fowl", "poultry"),
    "p175": ("pullet", "poultry"),
    "p176": ("broiler", "poultry"),
    "p178": ("deer", "other"),
    "p179": ("deer_young", "other"),
    "p180": ("rabbit", "other"),
    "p183": ("ostrich", "other"),
    "p192": ("donkey", "other"),
    "p196": ("llama", "other"),
    "p197": ("alpaca", "other"),
}


def hand_tonnes(row: dict[str, str]) -> float:
    """Fresh manure t/yr of one register row, by plain arithmetic."""
    vs = {}
    for code, (cls, group) in CODES.items():
        head = int(row[f"{code}_vaar"] or 0)
        kg_day = default(f"resources.manure_vs_kg_per_head_day.{cls}")
        housed = default(f"resources.manure_housed_share.{group}")
        vs[group] = vs.get(group, 0.0) + head * kg_day * 365 * housed / 1000
    total = 0.0
    for group, v in vs.items():
        dm = v / default(f"resources.manure_vs_share.{group}")
        s = default(f"resources.manure_slurry_share.{group}")
        total += dm * s / default(f"resources.manure_dm_fraction.{group}.slurry")
        total += dm * (1 - s) / default(f"resources.manure_dm_fraction.{group}.solid")
    return total


@pytest.fixture(scope="module")
def raw_elverum(register_csv):
    with register_csv.open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh, delimiter=";") if r["kommunenr"] == "3420"]


@pytest.fixture(scope="module")
def elverum(shared_data, register):
    from arealsirk.readers import read_addresses, read_kommuner, read_ssb_grid

    admin = shared_data / "n1000_kartverket" / "n1000_transport_admin.gpkg"
    k = read_kommuner(admin, layer="Kommune", kommunenummer=["3420"])
    pop = read_ssb_grid(shared_data / "ssb_popgrid_2015" / "nor2015pop_1kmruter.csv", clip=k, kommuner=k)
    addresses = read_addresses(
        shared_data / "matrikkel_adresser_elverum" / "Basisdata_3420_Elverum_25833_MatrikkelenAdresse.csv"
    )
    settlements = gpd.read_file(admin, layer="Tettbebyggelse", bbox=tuple(k.total_bounds))
    est = estimate_manure(register, k, addresses=addresses, population=pop, settlements=settlements)
    return est, addresses, k


def test_one_farm_by_hand(register):
    # register row 1 (kommune 5038, gnr 68/2): 25 dairy cows and 36 other cattle, nothing else
    row = register.iloc[1]
    assert (row["dairy_cow"], row["other_cattle"]) == (25, 36)
    # VS = 25 x 5.1 x 365 x 0.8 / 1000 + 36 x 2.6 x 365 x 0.8 / 1000 = 37.230 + 27.331 = 64.561 t
    # DM = 64.561 / 0.8 = 80.701 t; slurry 0.9 x 80.701 / 0.09 = 807.01 t; solid 0.1 x 80.701 / 0.2 = 40.35 t
    m = manure_per_farm(register.iloc[[1]])
    by = m.set_index("storage")
    assert by.loc["slurry", "quantity"] == pytest.approx(807.01, abs=0.01)
    assert by.loc["solid", "quantity"] == pytest.approx(40.35, abs=0.01)
    assert m["dry_matter_t"].sum() == pytest.approx(80.701, abs=0.001)
    # methane = VS x 1000 x B0 x 0.75: dairy 37.230 x 240 x 0.75 + other 27.331 x 180 x 0.75
    assert m["methane_nm3"].sum() == pytest.approx(37230.0 * 0.24 * 0.75 + 27331.2 * 0.18 * 0.75, rel=1e-4)


def test_fifty_of_fifty_three_farms_at_their_address(elverum, raw_elverum):
    est, addresses, _ = elverum
    farms = est.tables["farms"]
    assert len(farms) == len(raw_elverum) == 53
    placed = farms[farms["placement"] == "matrikkel_address"]
    assert len(placed) == 50
    # every placed farm sits on an address point of its own gnr/bnr
    for f in placed.itertuples():
        own = addresses[
            (addresses["gardsnummer"].astype(int) == f.gnr) & (addresses["bruksnummer"].astype(int) == f.bnr)
        ]
        assert len(own) >= 1
        assert shapely.Point(f.x, f.y).distance(own.geometry).min() == 0.0
    # farms with no animals on the count date have no manure rows; every other placed farm has them
    src = est.sources
    at = src[src["rule"].str.contains("Matrikkel address \\(gnr")]
    with_manure = placed[placed["quantity"] > 0]
    assert set(at["id"].str.split("-").str[1:3].str.join("-")) == set(with_manure["farm_id"])
    unplaced = farms[(farms["placement"] == "spread") & (farms["quantity"] > 0)]
    assert len(unplaced) == 3  # 53 - 50 farms without an address on their gnr/bnr, all with animals
    spread = src[src["rule"].str.contains("without a Matrikkel address")]
    counts = spread["rule"].str.extract(r"^(\d+) farm\(s\)")[0].astype(int)
    assert len(spread) > 0 and counts.between(1, len(unplaced)).all()
    assert spread["quantity"].sum() == pytest.approx(unplaced["quantity"].sum(), rel=1e-9)
    assert any("3 farm(s) in kommuner with an address file" in n for n in est.notes)


def test_tonnes_per_farm_and_kommune_total_by_hand(elverum, raw_elverum):
    est, _, _ = elverum
    farms = est.tables["farms"].set_index(["gnr", "bnr"])
    hand_total = 0.0
    for row in raw_elverum:
        t = hand_tonnes(row)
        hand_total += t
        key = (int(row["gaardsnummer"]), int(row["bruksnummer"]))
        got = farms.loc[[key], "quantity"].to_numpy()
        assert any(g == pytest.approx(t, rel=1e-9) for g in got), key
    assert hand_total > 1000
    assert est.sources["quantity"].sum() == pytest.approx(hand_total, rel=1e-9)
    table = est.by_kommune
    manure = table[table["kind"].str.endswith("_manure")]
    assert manure["quantity"].sum() == pytest.approx(hand_total, rel=1e-9)
    assert set(manure["kommunenummer"]) == {"3420"}


def test_spread_rows_avoid_settlements_and_carry_the_rule(elverum, shared_data):
    est, _, k = elverum
    spread = est.sources[est.sources["rule"].str.contains("spread evenly")]
    assert len(spread)
    settl = gpd.read_file(
        shared_data / "n1000_kartverket" / "n1000_transport_admin.gpkg",
        layer="Tettbebyggelse",
        bbox=tuple(k.total_bounds),
    ).union_all()
    assert not spread.geometry.within(settl).any()
    assert spread.geometry.within(k.union_all().buffer(1000)).all()
