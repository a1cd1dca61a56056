"""The balance formulas (``arealsirk/workflows/_balance.py``) on small hand-made inputs.

Every expected figure (quantity, share, category, order, detail, headline) is worked out by hand
in the comments; none is taken from the code under test.  Written to kill the mutants of issue 16's
mutation run (docs/mutation.md).
"""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

from arealsirk.workflows._balance import (
    CATEGORIES,
    BalanceRows,
    balance_headline,
    flow_balance,
    note_parts,
    outside_region,
    parts_table,
    reason_category,
    snap_reasons,
)

COLUMNS = ["theme", "stream", "category", "quantity", "unit", "share", "detail"]
CRS = "EPSG:25833"


# --------------------------------------------------------------------------- snap reasons


def test_reason_category_of_each_snap_reason():
    assert reason_category("far_from_road") == "unreachable_far_from_road"
    assert reason_category("outside_extent") == "unreachable_far_from_road"
    assert reason_category("across_water") == "unreachable_across_water"
    assert reason_category("") == "unreachable_no_site_on_part"


def test_snap_reasons_given_by_the_network_are_kept():
    snap = SimpleNamespace(
        nodes=[1, 2, 3], far=None, outside=None, reason=["", "across_water", "far_from_road"]
    )
    got = snap_reasons(snap)
    assert got.dtype == object
    assert list(got) == ["", "across_water", "far_from_road"]


def test_snap_reasons_derived_from_far_and_outside():
    # 4 points: snapped, far, snapped, far AND outside (outside wins: it is set last)
    snap = SimpleNamespace(nodes=[1, 2, 3, 4], far=[0, 1, 0, 1], outside=[0, 0, 0, 1])
    assert list(snap_reasons(snap)) == ["", "far_from_road", "", "outside_extent"]
    # a snap object with reason=None is treated the same way
    snap = SimpleNamespace(nodes=[1, 2], far=[1, 0], outside=[0, 1], reason=None)
    assert list(snap_reasons(snap)) == ["far_from_road", "outside_extent"]


def test_snap_reasons_without_far_or_outside_are_all_snapped():
    snap = SimpleNamespace(nodes=[1, 2, 3], far=None, outside=None)
    got = snap_reasons(snap)
    assert list(got) == ["", "", ""]
    snap = SimpleNamespace(nodes=[1, 2], far=None, outside=[1, 0])
    assert list(snap_reasons(snap)) == ["outside_extent", ""]


# --------------------------------------------------------------------------- outside region


def _kommune_4326() -> gpd.GeoDataFrame:
    """A 10 km x 10 km kommune at (500 000, 7 000 000) in UTM 33, handed over in WGS 84."""
    box = shapely.box(500_000, 7_000_000, 510_000, 7_010_000)
    return gpd.GeoDataFrame({"kommunenummer": ["9999"]}, geometry=[box], crs=CRS).to_crs("EPSG:4326")


def test_outside_region_points_and_cells():
    kom = _kommune_4326()
    pts = gpd.GeoDataFrame(
        geometry=[
            shapely.Point(505_000, 7_005_000),  # inside
            shapely.Point(520_000, 7_005_000),  # 10 km east: outside
            shapely.Point(505_000, 6_990_000),  # 10 km south: outside
        ],
        crs=CRS,
    )
    assert list(outside_region(pts, kom)) == [False, True, True]
    cells = gpd.GeoDataFrame(
        geometry=[
            shapely.box(509_000, 7_005_000, 511_000, 7_006_000),  # half inside: counts as inside
            shapely.box(512_000, 7_005_000, 513_000, 7_006_000),  # 2 km east of the border: outside
        ],
        crs=CRS,
    )
    assert list(outside_region(cells, kom)) == [False, True]


def test_outside_region_without_kommuner_is_all_inside():
    pts = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0), shapely.Point(1e6, 1e6)], crs=CRS)
    got = outside_region(pts, None)
    assert got.dtype == bool and list(got) == [False, False]
    empty_kom = _kommune_4326().iloc[:0]
    assert list(outside_region(pts, empty_kom)) == [False, False]
    assert len(outside_region(pts.iloc[:0], _kommune_4326())) == 0


# --------------------------------------------------------------------------- BalanceRows


def test_balance_rows_table_by_hand():
    bal = BalanceRows("biogas")
    # input totals: cattle 600 + 400 = 1000 t/yr (the first unit is kept); population 200 people
    bal.total("cattle_manure", 600, "t/yr")
    bal.total("cattle_manure", 400, "tonnes")
    bal.total("population", 200, "people")
    bal.total("food_waste", 50, "t/yr")
    # added out of category order; 700 + 50 collected, 250 beyond the haul limit, 0 capacity full
    bal.add("cattle_manure", "beyond_max_km", 250, detail="15 km, biogas.max_km.cattle_manure")
    bal.add("cattle_manure", "collected", 700)
    bal.add("cattle_manure", "collected", 50)
    bal.add("cattle_manure", "capacity_full", 0.0)  # zero: kept out of the table
    bal.add_many(["population", "population"], ["outside_region", "served_within_limit"], [20, 180])
    bal.add("food_waste", "no_yield", 50)
    t = bal.table()
    assert list(t.columns) == COLUMNS
    # population first, then the other streams alphabetically; categories in CATEGORIES order
    want = [
        ("population", "served_within_limit", 180.0, "people", 0.9, ""),
        ("population", "outside_region", 20.0, "people", 0.1, ""),
        ("cattle_manure", "collected", 750.0, "t/yr", 0.75, ""),
        ("cattle_manure", "beyond_max_km", 250.0, "t/yr", 0.25, "15 km, biogas.max_km.cattle_manure"),
        ("food_waste", "no_yield", 50.0, "t/yr", 1.0, ""),
    ]
    got = [(r.stream, r.category, r.quantity, r.unit, r.share, r.detail) for r in t.itertuples()]
    assert got == want
    assert set(t["theme"]) == {"biogas"}


def test_balance_rows_streams_sort_after_population():
    bal = BalanceRows("reuse")
    for s in ("b", "population", "a"):
        bal.total(s, 1, "u")
        bal.add(s, "collected", 1)
    assert list(bal.table()["stream"]) == ["population", "a", "b"]


def test_balance_rows_detail_is_kept_and_not_cleared():
    bal = BalanceRows("t")
    bal.total("x", 3, "t/yr")
    bal.add("x", "no_yield", 1, detail="first")
    bal.add("x", "no_yield", 2)  # no detail: the first one stays
    t = bal.table()
    assert list(t["quantity"]) == [3.0] and list(t["detail"]) == ["first"]


def test_balance_rows_unknown_category():
    bal = BalanceRows("t")
    with pytest.raises(ValueError, match="unknown balance category 'eaten'"):
        bal.add("x", "eaten", 1)
    assert "eaten" not in CATEGORIES


def test_balance_rows_add_many_is_strict():
    bal = BalanceRows("t")
    with pytest.raises(ValueError):
        bal.add_many(["x", "x"], ["collected"], [1.0, 2.0])


def test_balance_rows_that_do_not_sum_raise():
    bal = BalanceRows("biogas")
    bal.total("x", 100, "t/yr")
    bal.add("x", "collected", 60)
    bal.add("x", "capacity_full", 30)  # 90 of 100
    with pytest.raises(
        AssertionError, match=r"balance of biogas: stream 'x' sums to 90\.0, input total 100\.0"
    ):
        bal.table()


@pytest.mark.parametrize(
    ("total", "off", "ok"),
    [
        # relative tolerance 1e-9 of the total ...
        (1e12, 100.0, True),  # 1e-10 of the total
        (1e12, 1e4, False),  # 1e-8 of the total
        # ... but never below 1e-9 absolute (totals under 1)
        (0.5, 5e-10, True),
        (0.5, 2e-9, False),
        (0.5, -2e-9, False),  # too little as well as too much
    ],
)
def test_balance_rows_tolerance(total, off, ok):
    bal = BalanceRows("t")
    bal.total("x", total, "t/yr")
    bal.add("x", "collected", total + off)
    if ok:
        assert bal.table()["quantity"].iloc[0] == total + off
    else:
        with pytest.raises(AssertionError):
            bal.table()


def test_balance_rows_tolerance_at_zero_total():
    # a zero total allows 1e-9 absolute (1e-9 x max(0, 1)): exactly 1e-9 off still balances
    bal = BalanceRows("t")
    bal.total("x", 0.0, "t/yr")
    bal.add("x", "collected", 1e-9)
    t = bal.table()
    assert list(t["quantity"]) == [1e-9] and list(t["share"]) == [0.0]


def test_balance_rows_empty_table_has_the_columns():
    t = BalanceRows("reuse").table()
    assert len(t) == 0 and list(t.columns) == COLUMNS


def test_balance_rows_zero_total_share_is_zero():
    # a stream with a zero total whose pieces cancel: the share is 0, not a division by zero
    bal = BalanceRows("t")
    bal.total("x", 0.0, "t/yr")
    bal.add("x", "collected", 5)
    bal.add("x", "capacity_full", -5)
    assert list(bal.table()["share"]) == [0.0, 0.0]


# --------------------------------------------------------------------------- headline


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"theme": "t", "stream": s, "category": c, "quantity": q, "unit": u, "share": sh, "detail": d}
            for s, c, q, u, sh, d in rows
        ],
        columns=COLUMNS,
    )


def _said(msgs):
    """(key, stream-ish, q, share, phrase key, limit) of each headline message."""
    out = []
    for m in msgs:
        p = m.params
        who = p.get("kind", "population")
        out.append((m.key, who, p["q"], p["share"], p["phrase"].key, p["phrase"].params["limit"]))
    return out


def test_headline_people_largest_loss_first():
    bal = _frame(
        [
            ("population", "served_within_limit", 600.0, "people", 0.6, ""),
            ("population", "served_beyond_limit", 100.0, "people", 0.1, ""),
            (
                "population",
                "unreachable_no_site_on_part",
                300.0,
                "people",
                0.3,
                "road part(s) 2 have no open site",
            ),
        ]
    )
    msgs = balance_headline(bal, limits={"served_beyond_limit": "20 min, reuse.max_minutes"})
    assert _said(msgs) == [
        ("balance.people", "population", 300.0, 0.3, "balance.unreachable_no_site_on_part", ""),
        (
            "balance.people",
            "population",
            100.0,
            0.1,
            "balance.served_beyond_limit",
            "20 min, reuse.max_minutes",
        ),
    ]
    assert msgs[0] == "30% of the people (300) are on road parts with no site"
    assert type(msgs[0].params["q"]) is float and type(msgs[0].params["share"]) is float


def _feedstock():
    return _frame(
        [
            ("cattle_manure", "collected", 900.0, "t/yr", 0.9, ""),
            ("cattle_manure", "beyond_max_km", 100.0, "t/yr", 0.1, ""),
            ("pig_manure", "collected", 900.0, "t/yr", 0.9, ""),
            ("pig_manure", "beyond_max_km", 100.0, "t/yr", 0.1, ""),
            ("food_waste", "collected", 100.0, "t/yr", 0.5, ""),
            ("food_waste", "capacity_full", 100.0, "t/yr", 0.5, ""),
            ("food_waste", "outside_region", 0.0, "t/yr", 0.0, ""),  # nothing: not named
            (
                "textiles",
                "no_yield",
                300.0,
                "t/yr",
                1.0,
                "no methane yield (biogas.methane_m3_per_t.textiles)",
            ),
            ("food_wast", "no_yield", 20.0, "t/yr", 1.0, "food_wast is not a known kind"),
            ("heat", "capacity_full", 50.0, "GWh/yr", 1.0, ""),
        ]
    )


def test_headline_feedstock_order_by_hand():
    # t/yr holds the most (2 420 t/yr against 50 GWh/yr), so it is the main unit.  Order:
    # 100 t (share 0.5) before 100 t (share 0.1); equal quantity and share: by stream name;
    # the misspelt kind (a lost tonne, 20 t); then the other unit (heat, 50 GWh/yr); last the kind
    # biogas does not use (textiles, 300 t), which the default top 5 leaves out.
    limits = {("beyond_max_km", "cattle_manure"): "15 km, biogas.max_km.cattle_manure", "beyond_max_km": "x"}
    want = [
        ("balance.kind", "food_waste", 100.0, 0.5, "balance.capacity_full", ""),
        (
            "balance.kind",
            "cattle_manure",
            100.0,
            0.1,
            "balance.beyond_max_km",
            "15 km, biogas.max_km.cattle_manure",
        ),
        ("balance.kind", "pig_manure", 100.0, 0.1, "balance.beyond_max_km", "x"),
        ("balance.kind", "food_wast", 20.0, 1.0, "balance.no_yield", ""),
        ("balance.kind", "heat", 50.0, 1.0, "balance.capacity_full", ""),
        ("balance.kind", "textiles", 300.0, 1.0, "balance.no_yield", ""),
    ]
    assert _said(balance_headline(_feedstock(), limits=limits)) == want[:5]
    assert _said(balance_headline(_feedstock(), limits=limits, top=6)) == want
    assert _said(balance_headline(_feedstock(), limits=limits, top=2)) == want[:2]
    msgs = balance_headline(_feedstock(), limits=limits)
    assert [m.params["unit"] for m in msgs] == ["t/yr"] * 4 + ["GWh/yr"]


def test_headline_flows():
    bal = _frame(
        [
            ("heat:supply", "matched", 60.0, "MWh/yr", 0.6, ""),
            ("heat:supply", "unmatched", 40.0, "MWh/yr", 0.4, ""),
            ("heat:demand", "matched", 60.0, "MWh/yr", 1.0, ""),
        ]
    )
    (m,) = balance_headline(bal)
    assert m.key == "balance.flow"
    assert m.params["kind"] == "heat" and m.params["role"].key == "role.supply"
    assert (m.params["q"], m.params["share"], m.params["unit"]) == (40.0, 0.4, "MWh/yr")
    assert m.params["phrase"].key == "balance.unmatched"


@pytest.mark.parametrize(
    ("stream", "category", "key"),
    [
        ("population", "served_within_limit", "balance.all_people"),
        ("heat:supply", "matched", "balance.all_matched"),
        ("cattle_manure", "collected", "balance.all_collected"),
    ],
)
def test_headline_without_loss(stream, category, key):
    bal = _frame([(stream, category, 10.0, "u", 1.0, "")])
    msgs = balance_headline(bal)
    assert [m.key for m in msgs] == [key]


def test_headline_names_a_loss_below_one():
    # half a tonne left uncollected is still a loss the headline names
    bal = _frame(
        [
            ("cattle_manure", "collected", 99.5, "t/yr", 0.995, ""),
            ("cattle_manure", "capacity_full", 0.5, "t/yr", 0.005, ""),
        ]
    )
    assert _said(balance_headline(bal)) == [
        ("balance.kind", "cattle_manure", 0.5, 0.005, "balance.capacity_full", ""),
    ]


def test_headline_of_an_empty_balance():
    assert balance_headline(_frame([])) == []


# --------------------------------------------------------------------------- flow balance


def test_flow_balance_by_hand():
    flows = pd.DataFrame(
        [
            ("co2", "demand", 20.0, "t/yr", 0.0, 20.0, False),  # cannot be matched at all (listed first:
            # the flows after it are still counted)
            ("heat", "supply", 100.0, "MWh/yr", 60.0, 40.0, True),  # 60 matched, 40 unmatched
            ("heat", "demand", 50.0, "MWh/yr", 70.0, 0.0, True),  # matched capped at 50
            ("steam", "supply", 30.0, "t/yr", -5.0, 35.0, True),  # matched floored at 0: 30 unmatched
        ],
        columns=["kind", "role", "quantity", "unit", "matched", "unmatched", "used"],
    )
    t = flow_balance("symbiosis", flows)
    got = [(r.theme, r.stream, r.category, r.quantity, r.unit, r.share) for r in t.itertuples()]
    assert got == [
        ("symbiosis", "co2:demand", "no_yield", 20.0, "t/yr", 1.0),
        ("symbiosis", "heat:demand", "matched", 50.0, "MWh/yr", 1.0),
        ("symbiosis", "heat:supply", "matched", 60.0, "MWh/yr", 0.6),
        ("symbiosis", "heat:supply", "unmatched", 40.0, "MWh/yr", 0.4),
        ("symbiosis", "steam:supply", "unmatched", 30.0, "t/yr", 1.0),
    ]
    assert t["detail"].iloc[0] == (
        "no value per unit (symbiosis.value_nok_per_unit.<kind>) or heat without temperature"
    )
    assert (t["detail"].iloc[1:] == "").all()


# --------------------------------------------------------------------------- road parts


def test_note_parts_names_the_parts():
    bal = BalanceRows("reuse")
    no = "unreachable_no_site_on_part"
    streams = ["population"] * 5 + ["food_waste"] * 2 + ["pig_manure"]
    cats = [no, no, no, no, "served_within_limit", "outside_region", no, no]
    part = [3, 0, 3, -1, 7, 9, 4, -1]
    note_parts(bal, streams, cats, SimpleNamespace(part=part))
    # population: parts 0 and 3 (the -1 is not snapped, part 7 is served); food_waste: part 4 only;
    # pig_manure: only an unsnapped point, so no detail
    assert bal.details == {
        ("population", no): "road part(s) 0, 3 have no open site",
        ("food_waste", no): "road part(s) 4 have no open site",
    }


@pytest.mark.parametrize(
    ("n", "want"),
    [
        (10, "road part(s) 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 have no open site"),
        (11, "road part(s) 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 (+1) have no open site"),
        (12, "road part(s) 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 (+2) have no open site"),
    ],
)
def test_note_parts_lists_ten_parts_at_most(n, want):
    bal = BalanceRows("reuse")
    no = "unreachable_no_site_on_part"
    note_parts(bal, ["population"] * n, [no] * n, SimpleNamespace(part=list(range(n))[::-1]))
    assert bal.details == {("population", no): want}


def test_note_parts_without_parts_does_nothing():
    bal = BalanceRows("reuse")
    note_parts(bal, ["population"], ["unreachable_no_site_on_part"], SimpleNamespace(part=None))
    note_parts(bal, ["population"], ["unreachable_no_site_on_part"], SimpleNamespace())
    assert bal.details == {}


def test_parts_table_counts_open_sites():
    # three parts (0, 1, 2) from the snapped points, plus the snap-reason rows (part -1)
    snap = SimpleNamespace(
        nodes=np.array([1, 2, 3, 4, 5], dtype=object),
        snapped=np.array([True, True, True, True, False]),
        part=np.array([0, 1, 2, 2, -1]),
        reason=np.array(["", "", "", "", "far_from_road"], dtype=object),
    )
    g = nx.Graph()
    # open sites: two on part 2, one on part 0, one not snapped (-1), one on a part no point is on (4)
    t = parts_table(g, snap, np.array([10.0, 20.0, 30.0, 40.0, 50.0]), [2, 0, 2, -1, 4], name="people")
    parts = t[t["part"] >= 0].set_index("part")
    assert parts["open_sites"].to_dict() == {0: 1, 1: 0, 2: 2}
    assert parts["people"].to_dict() == {0: 10.0, 1: 20.0, 2: 70.0}
    assert (t.loc[t["part"] < 0, "open_sites"] == 0).all()
    assert t["open_sites"].map(type).eq(int).all()
    # no open site at all
    t = parts_table(g, snap, np.ones(5), [], name="people")
    assert (t["open_sites"] == 0).all()


def test_headline_of_a_flow_whose_kind_holds_a_colon():
    """A symbiosis stream is "<kind>:<role>"; a kind named "slag:fine" keeps its colon and the role is
    the last part (split at the first colon it was an unknown role "fine:demand" and the run crashed)."""
    bal = _frame([("slag:fine:demand", "unmatched", 40.0, "t/yr", 1.0, "")])
    msgs = balance_headline(bal)
    assert [(m.params["kind"], m.params["role"].key) for m in msgs] == [("slag:fine", "role.demand")]
    assert "slag:fine" in msgs[0].render("en")
