"""The inputs of the feedstock workflows (biogas, bioenergy, textile reuse), checked by hand.

Mutation testing (issue 16, docs/mutation.md): these tests kill the surviving mutants of the input
side of ``workflows/_feedstock.py``: reading the sources (layer checks, ids, kinds and ``kinds=``,
units converted to t/yr, zero quantities, sources outside the kommuner), the haul limits, the plant
sizes and ``count``, the not-used details and unknown kinds, the per-source balance (its
tolerances, the main site, the haul-limit text of the headline) and the catchments.

The road is :mod:`tests.workflows.handmade`: a point at ``km a`` is ``|a - b|`` road km from one at
``km b``.  Defaults-table rows used are quoted where used (``arealsirk/defaults.csv``).
"""

from __future__ import annotations

import types

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from arealsirk.errors import GeometryError, InputError, MissingColumnError
from arealsirk.workflows import site_biogas
from arealsirk.workflows._balance import BalanceRows
from arealsirk.workflows._feedstock import (
    _catchments,
    _check_sizes,
    _not_used_detail,
    _quantities,
    _source_balance,
    closest_kind,
    haul_limits,
    unknown_kinds,
)
from arealsirk.workflows.biogas import BIOGAS
from arealsirk.workflows.textiles import TEXTILES

from . import handmade as h

# the English text of Message("reason.biogas") (arealsirk/i18n/messages.py), written out
BIOGAS_REASON = "they have no methane yield (resources.methane_nm3_per_t.<kind>; add one with parameters)"
# a kind the table does not know, made biogas feedstock by a yield given in parameters
FISH = {"resources.methane_nm3_per_t.fish_silage": 80.0}
SOURCE_STATUS_ADDED = ["kommunenummer", "collected_t", "uncollected_t", "site_id", "balance"]


@pytest.fixture(scope="module")
def road():
    return h.graph(island=False, length_km=40)


def _src(rows: list[dict], kms: list[float]) -> gpd.GeoDataFrame:
    return h.points(rows, [h.at(km) for km in kms])


def _row(i, kind, q, unit="t/yr") -> dict:
    return {"id": i, "kind": kind, "quantity": q, "unit": unit}


def _plant_a():
    return h.points([{"id": "A"}], [h.at(4)])


def _run(road, src, **kw):
    kw.setdefault("count", 1)
    kw.setdefault("min_plant_t", 10)
    return site_biogas(src, _plant_a(), road, **kw)


def _balance(r) -> dict:
    b = r.tables["balance"]
    return {(s, c): (q, d) for s, c, q, d in zip(b["stream"], b["category"], b["quantity"], b["detail"],
                                                 strict=True)}


# --- the sources layer -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "geoms", "error", "message"),
    [
        ([{"id": "a", "quantity": 5.0, "unit": "t/yr"}], [h.at(0)], MissingColumnError,
         "column 'kind': missing column (needed for sources); columns present: id, quantity, unit"),
        ([{"id": "a", "kind": "food_waste", "unit": "t/yr"}], [h.at(0)], MissingColumnError,
         "column 'quantity': missing column (needed for sources); columns present: id, kind, unit"),
        ([_row("a", "food_waste", 5.0)], [shapely.LineString([h.at(0), h.at(1)])], GeometryError,
         "layer 'sources': sources must have point or polygon geometries; found LineString in 1 feature(s)"),
    ],
    ids=["no kind", "no quantity", "a line"],
)
def test_sources_layer_is_checked_with_its_name(road, rows, geoms, error, message) -> None:
    with pytest.raises(error) as e:
        _run(road, h.points(rows, geoms))
    assert str(e.value) == message


def test_made_up_ids_and_ids_as_text(road) -> None:
    rows = [{"kind": "food_waste", "quantity": 126.0}, {"kind": "cattle_manure", "quantity": 500.0}]
    r = _run(road, _src(rows, [0, 10]))
    # no id column: src<row>
    assert r.layers["source_status"]["id"].tolist() == ["src0", "src1"]
    assert sorted(r.layers["allocation"]["source_id"]) == ["src0", "src1"]
    r = _run(road, _src([{**x, "id": 7 + i} for i, x in enumerate(rows)], [0, 10]))
    assert r.layers["source_status"]["id"].tolist() == ["7", "8"]


def test_kinds_are_stripped_and_lower_cased(road) -> None:
    r = _run(road, _src([_row("f0", " Food_Waste ", 126.0), _row("c10", "CATTLE_manure", 500.0)], [0, 10]))
    assert r.layers["source_status"]["kind"].tolist() == ["food_waste", "cattle_manure"]
    assert sorted(r.layers["allocation"]["kind"]) == ["cattle_manure", "food_waste"]
    assert r.summary["feedstock_t"] == pytest.approx(626.0)
    assert set(r.tables["balance"]["stream"]) == {"food_waste", "cattle_manure"}


def test_source_status_has_tonnes_and_only_the_added_columns(road) -> None:
    # 126 000 kg/yr = 126 t/yr, 0.5 kt/yr = 500 t/yr; the user's column 'farm' is kept
    rows = [{**_row("f0", "food_waste", 126_000.0, "kg/yr"), "farm": "Nord"},
            {**_row("c10", "cattle_manure", 0.5, "kt/yr"), "farm": "Sør"}]
    r = _run(road, _src(rows, [0, 10]))
    st = r.layers["source_status"]
    assert st.columns.tolist() == ["id", "kind", "quantity", "unit", "farm", "geometry", *SOURCE_STATUS_ADDED]
    assert st["quantity"].tolist() == [126.0, 500.0]
    assert st["unit"].tolist() == ["t/yr", "t/yr"]
    assert st["farm"].tolist() == ["Nord", "Sør"]
    assert st["collected_t"].tolist() == pytest.approx([126.0, 500.0])
    # 126 t x 4 km + 500 t x 6 km
    assert r.summary["tonne_km"] == pytest.approx(126 * 4 + 500 * 6)
    b = _balance(r)
    assert b[("food_waste", "collected")][0] == pytest.approx(126.0)
    assert r.tables["balance"]["unit"].tolist() == ["t/yr", "t/yr"]


def test_kinds_option_as_text_leaves_the_rest_out_with_their_reason(road) -> None:
    rows = [_row("f0", "food_waste", 126.0), _row("c10", "cattle_manure", 500.0),
            _row("t5", "textiles", 40.0), _row("fs", "fish_silage", 30.0)]
    r = _run(road, _src(rows, [0, 10, 5, 2]), kinds=" Food_Waste", parameters=FISH)
    assert r.layers["source_status"]["id"].tolist() == ["f0"]
    assert r.summary["feedstock_t"] == pytest.approx(126.0)
    b = _balance(r)
    # a biogas kind left out by kinds= says so; a kind with no yield gives the theme's reason
    assert b[("cattle_manure", "no_yield")] == (500.0, "kind 'cattle_manure': left out by kinds=")
    assert b[("textiles", "no_yield")] == (40.0, f"kind 'textiles': {BIOGAS_REASON}")
    q, detail = b[("fish_silage", "no_yield")]
    assert q == 30.0
    assert detail.startswith("kind 'fish_silage' is not a known resource kind")
    assert detail.endswith("; left out by kinds=")
    ignored = [m for m in r.messages if getattr(m, "key", "") == "feedstock.ignored"]
    assert len(ignored) == 1
    assert ignored[0].params["kinds"] == [("cattle_manure", 1), ("fish_silage", 1), ("textiles", 1)]
    assert ignored[0].params["reason"] == BIOGAS.reject_reason
    assert str(ignored[0]) == ("sources of kinds 'cattle_manure' (1), 'fish_silage' (1), 'textiles' (1) were "
                               f"ignored: {BIOGAS_REASON}")


def test_kinds_option_as_a_list_and_a_kind_given_a_yield(road) -> None:
    rows = [_row("f0", "food_waste", 126.0), _row("c10", "cattle_manure", 500.0),
            _row("fs", "fish_silage", 30.0)]
    src = _src(rows, [0, 10, 2])
    r = _run(road, src, kinds=["cattle_manure", "FISH_SILAGE"], parameters=FISH)
    assert r.layers["source_status"]["id"].tolist() == ["c10", "fs"]
    assert r.summary["feedstock_t"] == pytest.approx(530.0)
    # methane = 500 t x 11 (resources.methane_nm3_per_t.cattle_manure) + 30 t x 80 (the parameter)
    assert r.summary["methane_nm3"] == pytest.approx(500 * 11.0 + 30 * 80.0)
    assert _balance(r)[("food_waste", "no_yield")] == (126.0, "kind 'food_waste': left out by kinds=")
    # without kinds=, the kind given a yield in parameters is feedstock too
    r = _run(road, src, parameters=FISH)
    assert sorted(r.layers["allocation"]["source_id"]) == ["c10", "f0", "fs"]
    assert r.summary["feedstock_t"] == pytest.approx(656.0)


def test_kinds_option_refuses_a_kind_the_theme_cannot_use(road) -> None:
    src = _src([_row("f0", "food_waste", 126.0)], [0])
    with pytest.raises(InputError) as e:
        _run(road, src, kinds=["food_waste", "Textiles"])
    assert str(e.value) == f"kinds: 'textiles' {BIOGAS_REASON}"


def test_no_feedstock_at_all_names_the_kinds_found(road) -> None:
    rows = [_row("t1", "textiles", 4.0), _row("z", "zzqq", 7.0), _row("w", "wood_chips", 9.0),
            _row("t2", "textiles", 5.0)]
    with pytest.raises(InputError) as e:
        _run(road, _src(rows, [1, 2, 3, 5]))
    assert str(e.value) == (f"sources: no source is feedstock for biogas ({BIOGAS_REASON}); "
                            "kinds found: textiles, wood_chips, zzqq")


def test_zero_quantity_sources_are_left_out_with_a_message(road) -> None:
    rows = [_row("f0", "food_waste", 126.0), _row("z1", "food_waste", 0.0),
            _row("c10", "cattle_manure", 500.0)]
    r = _run(road, _src(rows, [0, 1, 10]))
    assert r.layers["source_status"]["id"].tolist() == ["f0", "c10"]
    zero = [m for m in r.messages if getattr(m, "key", "") == "feedstock.zero"]
    assert len(zero) == 1 and zero[0].params == {"n": 1}
    assert str(zero[0]) == "1 source(s) with zero quantity were left out"
    assert _balance(r)[("food_waste", "collected")][0] == pytest.approx(126.0)


def test_every_source_outside_the_kommuner_is_refused(road) -> None:
    # the kommune covers km 20-40 of the road; the food waste and manure lie at km 0 and 10, the
    # zero-tonne source inside it does not count
    kom = gpd.GeoDataFrame({"kommunenummer": ["1833"]},
                           geometry=[shapely.box(h.X + 20_000, h.Y - 3_000, h.X + 40_000, h.Y + 3_000)],
                           crs=h.CRS)
    rows = [_row("f0", "food_waste", 126.0), _row("c10", "cattle_manure", 500.0),
            _row("z", "food_waste", 0.0)]
    with pytest.raises(InputError) as e:
        _run(road, _src(rows, [0, 10, 25]), kommuner=kom)
    assert str(e.value) == ("sources: no biogas source with a quantity above 0 lies inside the kommune "
                            "polygons")


# --- quantities in canonical units -------------------------------------------------------------


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def test_quantities_without_a_unit_column_are_tonnes() -> None:
    df = _frame([{"id": "a", "kind": "food_waste", "quantity": 126.0},
                 {"id": "b", "kind": "cattle_manure", "quantity": 500}])
    q, units = _quantities(df, strict_mass="biogas")
    assert q.tolist() == [126.0, 500.0]
    assert units == ["t/yr", "t/yr"]


def test_quantities_converted_or_kept_as_given() -> None:
    df = _frame([_row("f", "food_waste", 2500.0, "kg/yr"), _row("t", "textiles", 5.0, "MWh/yr"),
                 _row("z", "zzqq", 7000.0, "kg/yr"), _row("b", "zzqq", 3.0, "bags")])
    q, units = _quantities(df, strict_mass=None)
    # 2500 kg = 2.5 t; textiles in an energy unit and an unknown unit cannot be converted: kept as given
    assert q.tolist() == [2.5, 5.0, 7.0, 3.0]
    assert units == ["t/yr", "MWh/yr", "t/yr", "bags"]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (_row("f", "food_waste", 5.0, "MWh/yr"),
         "sources, column 'unit': unit 'MWh/yr' is an energy unit but kind 'food_waste' is measured as "
         "mass (t/yr)"),
        (_row("fs", "fish_silage", 5.0, "bags"),
         "sources, column 'unit': unknown unit 'bags'; use one of GWh/yr, MWh/yr, TJ/yr, kWh/yr, kg/yr, "
         "kt/yr, m3/yr, t/yr"),
        (_row("fs", "fish_silage", 5.0, "m3/yr"),
         "sources, column 'unit': biogas feedstock must be a mass (t/yr); source 'fs' (fish_silage) is "
         "given in 'm3/yr'"),
    ],
    ids=["energy unit", "unknown unit", "volume of an unknown kind"],
)
def test_quantities_of_feedstock_must_be_masses(row, message) -> None:
    with pytest.raises(InputError) as e:
        _quantities(_frame([_row("ok", "food_waste", 1.0), row]), strict_mass="biogas")
    assert str(e.value) == message


def test_a_biogas_source_not_in_tonnes_stops_the_run(road) -> None:
    src = _src([_row("f0", "food_waste", 126.0), _row("f1", "food_waste", 5.0, "MWh/yr")], [0, 1])
    with pytest.raises(InputError, match="unit 'MWh/yr' is an energy unit but kind 'food_waste'"):
        _run(road, src)


# --- haul limits ------------------------------------------------------------------------------


def test_haul_limit_given_for_every_kind() -> None:
    lim, listed, text = haul_limits(BIOGAS, np.array(["food_waste", "cattle_manure"]), 0.5, {})
    assert lim.tolist() == [0.5, 0.5]
    assert listed == [("", 0.5, "max_km")]
    assert text == "max_km = 0.5 km"
    lim, listed, text = haul_limits(BIOGAS, np.array(["cattle_manure"] * 3), 40, {})
    assert lim.tolist() == [40.0, 40.0, 40.0] and text == "max_km = 40 km"


@pytest.mark.parametrize("bad", [0, -1.5])
def test_haul_limit_must_be_positive(bad) -> None:
    with pytest.raises(InputError) as e:
        haul_limits(BIOGAS, np.array(["food_waste"]), bad, {})
    assert str(e.value) == f"max_km must be > 0, got {bad!r}"


def test_haul_limits_per_kind_from_the_table_and_parameters() -> None:
    kinds = np.array(["food_waste", "cattle_manure", "fish_silage", "cattle_manure"])
    # biogas.max_km.food_waste 100, biogas.max_km.cattle_manure 15; fish_silage has no row: biogas.max_km 15
    lim, listed, text = haul_limits(BIOGAS, kinds, None, {})
    assert lim.dtype == float and lim.tolist() == [100.0, 15.0, 15.0, 15.0]
    assert listed == [("cattle_manure", 15.0, "biogas.max_km.cattle_manure"),
                      ("fish_silage", 15.0, "biogas.max_km"),
                      ("food_waste", 100.0, "biogas.max_km.food_waste")]
    assert text == ("cattle_manure 15 km (biogas.max_km.cattle_manure); fish_silage 15 km (biogas.max_km); "
                    "food_waste 100 km (biogas.max_km.food_waste)")
    lim, listed, _ = haul_limits(BIOGAS, kinds, None, {"biogas.max_km.food_waste": 0.5, "biogas.max_km": 7.0})
    assert lim.tolist() == [0.5, 15.0, 7.0, 15.0]
    assert listed[2] == ("food_waste", 0.5, "biogas.max_km.food_waste")


@pytest.mark.parametrize("bad", [0.0, -2.0])
def test_haul_limit_per_kind_must_be_positive(bad) -> None:
    with pytest.raises(InputError) as e:
        haul_limits(BIOGAS, np.array(["food_waste", "cattle_manure"]), None,
                    {"biogas.max_km.cattle_manure": bad})
    assert str(e.value) == f"biogas.max_km.cattle_manure must be > 0, got {bad!r}"


# --- plant sizes and count ---------------------------------------------------------------------


def test_sizes_from_the_options_the_table_and_parameters() -> None:
    # biogas.min_plant_t 10 000, biogas.capacity_t 60 000 t/yr
    assert _check_sizes(BIOGAS, {}, None, None, None) == (10_000.0, 60_000.0, None)
    params = {"biogas.min_plant_t": 500.0, "biogas.capacity_t": 700.0}
    assert _check_sizes(BIOGAS, params, None, None, None) == (500.0, 700.0, None)
    # the options win over parameters; a minimum equal to the capacity is allowed, as is a capacity below 1
    assert _check_sizes(BIOGAS, {"biogas.min_plant_t": 500.0}, 0.0, 0.5, None) == (0.0, 0.5, None)
    assert _check_sizes(BIOGAS, {}, 800, 800, None) == (800.0, 800.0, None)
    # textiles.min_site_t 50, textiles.capacity_t 10 000
    assert _check_sizes(TEXTILES, {"textiles.min_site_t": 70.0}, None, None, None) == (70.0, 10_000.0, None)


@pytest.mark.parametrize(
    ("profile", "params", "min_t", "cap", "message"),
    [
        (BIOGAS, {}, -1, None, "min_plant_t must be >= 0, got -1"),
        (TEXTILES, {}, -1, None, "min_site_t must be >= 0, got -1"),
        (BIOGAS, {"biogas.min_plant_t": -3.0}, None, None, "min_plant_t must be >= 0, got -3.0"),
        (BIOGAS, {}, 0, 0, "capacity_t must be > 0, got 0"),
        (BIOGAS, {}, 0, -2, "capacity_t must be > 0, got -2"),
        (BIOGAS, {"biogas.capacity_t": 0.0}, 0, None, "capacity_t must be > 0, got 0.0"),
        (BIOGAS, {}, 600, 500, "min_plant_t=600 t/yr is above capacity_t=500 t/yr: no plant could open"),
        (TEXTILES, {}, 600.5, 500, "min_site_t=600.5 t/yr is above capacity_t=500 t/yr: no plant could open"),
    ],
)
def test_bad_sizes_are_refused_by_name(profile, params, min_t, cap, message) -> None:
    with pytest.raises(InputError) as e:
        _check_sizes(profile, params, min_t, cap, None)
    assert str(e.value) == message


def test_count_is_a_whole_number_from_one() -> None:
    _, _, count = _check_sizes(BIOGAS, {}, 0, 10, 2.0)
    assert count == 2 and type(count) is int
    _, _, count = _check_sizes(BIOGAS, {}, 0, 10, "3")
    assert count == 3 and type(count) is int
    assert _check_sizes(BIOGAS, {}, 0, 10, 1)[2] == 1
    for bad, message in [(0, "count must be >= 1, got 0"), (-2, "count must be >= 1, got -2"),
                         (1.5, "count must be a whole number, got 1.5"),
                         ("x", "count must be a number, got 'x'")]:
        with pytest.raises(InputError) as e:
            _check_sizes(BIOGAS, {}, 0, 10, bad)
        assert str(e.value) == message


# --- kinds not used ----------------------------------------------------------------------------


def test_closest_kind_and_not_used_details() -> None:
    assert closest_kind("food_wast") == "food_waste"
    assert closest_kind("Cattle_manure") == "cattle_manure"
    assert closest_kind("qqqqqqqqqqqq") == ""
    assert _not_used_detail("textiles", "r") == "kind 'textiles': r"
    assert _not_used_detail("food_wast", "r") == "kind 'food_wast' is not a known resource kind " \
                                                 "(closest known kind: 'food_waste'); r"
    assert _not_used_detail("qqqqqqqqqqqq", "r") == "kind 'qqqqqqqqqqqq' is not a known resource kind; r"


def test_unknown_kinds_table() -> None:
    bal = BalanceRows("biogas")
    for stream, q in [("food_waste", 10.0), ("textiles", 4.0), ("food_wast", 3.0), ("qqqqqqqqqqqq", 2.0)]:
        bal.total(stream, q, "t/yr")
        bal.add(stream, "collected" if stream == "food_waste" else "no_yield", q)
    got = unknown_kinds(bal.table())
    assert got.columns.tolist() == ["kind", "quantity", "unit", "closest"]
    assert got.to_dict("records") == [
        {"kind": "food_wast", "quantity": 3.0, "unit": "t/yr", "closest": "food_waste"},
        {"kind": "qqqqqqqqqqqq", "quantity": 2.0, "unit": "t/yr", "closest": ""},
    ]
    bal = BalanceRows("biogas")
    bal.total("food_waste", 10.0, "t/yr")
    bal.add("food_waste", "collected", 10.0)
    none = unknown_kinds(bal.table())
    assert none.columns.tolist() == ["kind", "quantity", "unit", "closest"] and len(none) == 0


def test_unknown_kind_in_a_run(road) -> None:
    rows = [_row("f0", "food_waste", 126.0), _row("x", "Food_Wast", 9.0), _row("q", "qqqqqqqqqqqq", 2.0)]
    r = _run(road, _src(rows, [0, 1, 2]))
    assert r.tables["unknown_kinds"].to_dict("records") == [
        {"kind": "food_wast", "quantity": 9.0, "unit": "t/yr", "closest": "food_waste"},
        {"kind": "qqqqqqqqqqqq", "quantity": 2.0, "unit": "t/yr", "closest": ""},
    ]
    b = _balance(r)
    assert b[("food_wast", "no_yield")] == (
        9.0, "kind 'food_wast' is not a known resource kind (closest known kind: 'food_waste'); "
             f"{BIOGAS_REASON}")
    assert b[("qqqqqqqqqqqq", "no_yield")] == (
        2.0, f"kind 'qqqqqqqqqqqq' is not a known resource kind; {BIOGAS_REASON}")


# --- the per-source balance --------------------------------------------------------------------


def _source_case(q, collected, *, kinds=None, lim_list=None, km=1.0, lim=10.0, alloc=None):
    n = len(q)
    kinds = kinds or [f"k{i}" for i in range(n)]
    src = h.points([{"id": f"s{i}", "kind": k} for i, k in enumerate(kinds)], [h.at(i) for i in range(n)])
    bal = BalanceRows("biogas")
    for k, v in zip(kinds, q, strict=True):
        bal.total(k, v, "t/yr")
    if alloc is None:
        alloc = pd.DataFrame({"source_id": [f"s{i}" for i in range(n)], "site_id": "A",
                              "quantity": np.asarray(collected, dtype=float)})
    snap = types.SimpleNamespace(reason=np.array([""] * n, dtype=object), part=np.zeros(n, dtype=int))
    return _source_balance(src, np.asarray(q, dtype=float), np.asarray(collected, dtype=float), alloc,
                           (np.full(n, km <= lim), np.full(n, np.isfinite(km))),  # plant within / on part
                           lim_list or [("", lim, "max_km")], snap, bal)


def test_uncollected_tonnes_at_their_tolerance() -> None:
    # uncollected_t = q - collected when it exceeds 1e-6 x max(q, 1), else 0
    q = [1e-6, 1000.0, 1.0, 5.0]
    collected = [0.0, 1000.0 - 1e-5, 1.0 - 1.5e-6, 2.0]
    out, _, _ = _source_case(q, collected)
    unc = out["uncollected_t"].to_numpy()
    assert unc[0] == 0.0  # exactly at 1e-6 x 1
    assert unc[1] == 0.0  # 1e-5 below 1e-6 x 1000
    assert unc[2] == pytest.approx(1.5e-6, rel=1e-6)  # above 1e-6 x 1 (not 2)
    assert unc[3] == 3.0
    assert out["collected_t"].tolist() == collected


def test_collected_in_full_at_its_tolerance() -> None:
    # a source counts as collected in full when |q - collected| <= 1e-9 x max(q, 1): its tonnes
    # enter the balance as q exactly
    q = [1e-9, 1000.0, 1.0, 50.0]
    collected = [0.0, 1000.0 - 1e-8, 1.0 - 1.5e-9, 20.0]
    out, balance, _ = _source_case(q, collected)
    assert out["balance"].tolist() == ["collected", "collected", "capacity_full", "capacity_full"]
    rows = {(s, c): v
            for s, c, v in zip(balance["stream"], balance["category"], balance["quantity"], strict=True)}
    assert rows[("k0", "collected")] == 1e-9
    assert rows[("k1", "collected")] == 1000.0
    assert ("k1", "capacity_full") not in rows
    assert rows[("k2", "collected")] == 1.0 - 1.5e-9
    assert rows[("k2", "capacity_full")] == pytest.approx(1.5e-9, rel=1e-6)
    assert rows[("k3", "collected")] == 20.0 and rows[("k3", "capacity_full")] == 30.0


def test_main_site_is_the_one_taking_most() -> None:
    alloc = pd.DataFrame({"source_id": ["s0", "s0", "s1", "s2", "s2"], "site_id": ["A", "B", "A", "B", "A"],
                          "quantity": [30.0, 70.0, 10.0, 15.0, 5.0]})
    out, _, _ = _source_case([100.0, 10.0, 20.0, 8.0], [100.0, 10.0, 20.0, 0.0], alloc=alloc)
    assert out["site_id"].tolist()[:3] == ["B", "A", "B"]
    assert pd.isna(out["site_id"].iloc[3])  # nothing collected: no site
    assert out.crs == h.CRS and out.geometry.name == "geometry"


def test_headline_names_the_haul_limit_for_every_kind() -> None:
    # one max_km for every kind: each kind's beyond_max_km loss names it
    _, balance, headline = _source_case([100.0, 40.0], [0.0, 0.0], kinds=["pig_manure", "food_waste"],
                                        km=9.0, lim=8.0, lim_list=[("", 8.0, "max_km")])
    assert balance["category"].tolist() == ["beyond_max_km", "beyond_max_km"]
    tail = "is farther than its haul limit (8 km, max_km) from every open plant"
    assert [str(m) for m in headline] == [
        f"100% of the pig_manure (100 t/yr) {tail}",
        f"100% of the food_waste (40 t/yr) {tail}",
    ]
    _, _, headline = _source_case([100.0], [0.0], kinds=["pig_manure"], km=20.0, lim=15.0,
                                  lim_list=[("pig_manure", 15.0, "biogas.max_km.pig_manure")])
    assert "(15 km, biogas.max_km.pig_manure)" in str(headline[0])


def test_headline_of_a_run_with_max_km(road) -> None:
    rows = [_row("f0", "food_waste", 126.0), _row("c10", "cattle_manure", 500.0),
            _row("p30", "pig_manure", 100.0)]
    r = _run(road, _src(rows, [0, 10, 30]), max_km=8)
    assert str(r.messages[0]) == ("100% of the pig_manure (100 t/yr) is farther than its haul limit "
                                  "(8 km, max_km) from every open plant")


# --- catchments --------------------------------------------------------------------------------


def test_catchments_of_two_plants_by_hand(road) -> None:
    # A (km 4) takes km 0, 1 and 10; B (km 28) takes km 30: each catchment is the segment from its
    # westmost to its eastmost point, buffered resources.catchment_buffer_m = 500 m
    rows = [_row("f0", "food_waste", 126.0), _row("s1", "sewage_sludge", 200.0),
            _row("c10", "cattle_manure", 500.0), _row("p30", "pig_manure", 100.0)]
    cand = h.points([{"id": "A"}, {"id": "B"}], [h.at(4), h.at(28)])
    src = _src(rows, [0, 1, 10, 30])

    def bounds(buf, **kw):
        return (h.X + 0 - buf, h.Y - buf, h.X + 10_000 + buf, h.Y + buf), \
               (h.X + 28_000 - buf, h.Y - buf, h.X + 30_000 + buf, h.Y + buf)

    for params, buf in [(None, 500.0), ({"resources.catchment_buffer_m": 200.0}, 200.0)]:
        r = site_biogas(src, cand, road, count=2, min_plant_t=50, parameters=params)
        c = r.layers["catchments"]
        assert c.columns.tolist() == ["site_id", "facility_type", "geometry"]
        assert c["site_id"].tolist() == ["A", "B"]
        assert c["facility_type"].tolist() == ["biogas_plant", "biogas_plant"]
        assert c.crs == h.CRS
        for got, want in zip(c.geometry, bounds(buf), strict=True):
            assert got.bounds == pytest.approx(want, abs=1e-6)
        # a stadium: 2 x buffer x length plus (about) a circle of the buffer
        assert c.geometry.iloc[1].area == pytest.approx(2 * buf * 2_000 + np.pi * buf**2, rel=2e-3)


def test_catchment_of_a_plant_with_no_source_is_its_buffered_point() -> None:
    src = h.points([{"id": "s0", "kind": "food_waste"}, {"id": "s1", "kind": "food_waste"}],
                   [h.at(0), h.at(2)])
    sites = h.points([{"id": "A"}, {"id": "B"}, {"id": "C"}], [h.at(1), h.at(5), h.at(9)])
    c = _catchments(BIOGAS, src, sites, np.array([0, 2]), np.array([0, 1]), np.array([0, 0]), {})
    assert c["site_id"].tolist() == ["A", "C"]
    want = [(h.X - 500, h.Y - 500, h.X + 2_500, h.Y + 500), (h.X + 8_500, h.Y - 500, h.X + 9_500, h.Y + 500)]
    for got, w in zip(c.geometry, want, strict=True):
        assert got.bounds == pytest.approx(w, abs=1e-6)


def test_sources_with_a_geometry_column_of_another_name(road) -> None:
    # a layer built in code may call its geometry 'geom' (as GeoPackage files do): the source layer
    # keeps it, its CRS and its points
    rows = [{"id": "f0", "kind": "food_waste", "quantity": 126.0}, {"id": "c10", "kind": "cattle_manure",
                                                                     "quantity": 500.0}]
    r = _run(road, _src(rows, [0, 10]).rename_geometry("geom"))
    st = r.layers["source_status"]
    assert st.geometry.name == "geom" and st.crs == h.CRS
    assert [(p.x, p.y) for p in st.geometry] == [(h.X, h.Y), (h.X + 10_000, h.Y)]
    assert st["collected_t"].tolist() == pytest.approx([126.0, 500.0])
