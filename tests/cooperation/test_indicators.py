"""The per-kommune indicator table on the demo: sums against the inputs, XLSX round trip, appending."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from arealsirk.errors import InputError, MissingFileError
from arealsirk.indicators import COLUMNS, kommune_indicators, read_indicators, wide, write_indicators


@pytest.fixture(scope="module")
def demo_results():
    from arealsirk import network, workflows
    from arealsirk.pipeline import inputs_from_demo

    layers = inputs_from_demo().layers
    graph = network.graph_from_roads(layers["roads"])
    biogas = workflows.site_biogas(
        layers["sources"], layers["zones"], graph, count=2, kommuner=layers["kommuner"]
    )
    reuse = workflows.site_reuse_centres(
        layers["population"],
        layers["zones"],
        graph,
        population_column="population",
        count=7,
        kommuner=layers["kommuner"],
    )
    return layers, {"biogas": biogas, "reuse": reuse}


def _ind(table: pd.DataFrame, theme: str, indicator: str, kind: str = "all") -> pd.Series:
    t = table[(table["theme"] == theme) & (table["indicator"] == indicator) & (table["kind"] == kind)]
    return t.set_index("kommunenummer")["value"]


def test_demo_indicators_sum_to_inputs(demo_results) -> None:
    layers, results = demo_results
    table = kommune_indicators(
        results, scenario="demo", year=2024, kommuner=layers["kommuner"], sources=layers["sources"]
    )
    assert list(table.columns) == COLUMNS
    assert not table.duplicated(["scenario", "year", "kommunenummer", "theme", "indicator", "kind"]).any()
    src = layers["sources"]
    # inhabitants: the kommune layer's population
    pop = _ind(table, "all", "inhabitants", "")
    assert pop.sum() == pytest.approx(layers["kommuner"]["population"].sum())
    # every mass kind of the sources, per kommune, sums to the input total
    for kind in ["cattle_manure", "pig_manure", "food_waste", "sewage_sludge", "forest_residue", "textiles"]:
        got = _ind(table, "resources", "resource_t", kind)
        assert got.sum() == pytest.approx(src.loc[src["kind"] == kind, "quantity"].sum())
        kg = _ind(table, "resources", "resource_kg_per_inhabitant", kind)
        assert kg.to_numpy() == pytest.approx((got * 1000 / pop.reindex(got.index)).to_numpy())
    # biogas: supplied = the biogas kinds; collected share x supplied = the result's feedstock
    biogas = results["biogas"]
    kinds = ["cattle_manure", "pig_manure", "food_waste", "sewage_sludge"]
    supplied = _ind(table, "biogas", "supplied_t")
    assert supplied.sum() == pytest.approx(src.loc[src["kind"].isin(kinds), "quantity"].sum())
    share = _ind(table, "biogas", "share_collected")
    assert (share * supplied).sum() == pytest.approx(biogas.summary["feedstock_t"])
    assert _ind(table, "biogas", "transport_co2_t").sum() == pytest.approx(biogas.summary["co2_t"])
    tkm_t = _ind(table, "biogas", "tonne_km_per_t")
    collected = share * supplied
    assert np.nansum((tkm_t * collected).to_numpy()) == pytest.approx(biogas.summary["tonne_km"])
    assert _ind(table, "biogas", "share_of_cost").sum() == pytest.approx(1.0)
    # reuse bands: exactly the workflow's coverage table
    cov = results["reuse"].tables["by_kommune"].set_index("kommunenummer")
    for b in (15, 20, 30):
        got = _ind(table, "reuse", f"share_within_{b}_min", "population")
        assert got.to_numpy() == pytest.approx(cov.loc[got.index, f"share_{b}_min"].to_numpy())
    assert (table["year"] == 2024).all() and (table["scenario"] == "demo").all()


def test_fair_split_replaces_tonnes_key(demo_results) -> None:
    layers, results = demo_results
    shares = pd.DataFrame(
        {
            "kommunenummer": ["9901", "9902", "9903", "9904", "9905"],
            "cost_nok": [1.0, 2.0, 3.0, 4.0, 10.0],
            "basis": "Shapley value",
        }
    )
    table = kommune_indicators(
        {"biogas": results["biogas"]},
        scenario="s",
        year=2030,
        kommuner=layers["kommuner"],
        cost_shares={"biogas": shares},
    )
    cost = _ind(table, "biogas", "cost_nok")
    assert cost["9905"] == 10.0
    assert _ind(table, "biogas", "share_of_cost")["9905"] == pytest.approx(0.5)
    assert table.loc[table["indicator"] == "cost_nok", "basis"].str.contains("Shapley value").all()


def test_xlsx_round_trip_and_append(demo_results, tmp_path) -> None:
    import openpyxl

    layers, results = demo_results
    kom = layers["kommuner"].copy()
    kom.loc[0, "kommunenavn"] = '=HYPERLINK("http://x")'  # data must stay text, never a formula
    y24 = kommune_indicators(results, scenario="base", year=2024, kommuner=kom)
    y30 = kommune_indicators(results, scenario="base", year=2030, kommuner=kom)
    xlsx, csv = tmp_path / "ind.xlsx", tmp_path / "ind.csv"
    write_indicators(y24, csv=csv, xlsx=xlsx)
    back = read_indicators(xlsx)
    pd.testing.assert_frame_equal(back, y24)
    pd.testing.assert_frame_equal(read_indicators(csv), y24)
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == ["indikatorer", "per_kommune"]
    ws = wb["indikatorer"]
    cells = [c for row in ws.iter_rows() for c in row if c.value == kom.loc[0, "kommunenavn"]]
    assert cells and all(c.data_type == "s" for c in cells)
    # appending another year gives both; writing the same year again replaces, not duplicates
    write_indicators(y30, csv=csv, xlsx=xlsx)
    write_indicators(y30, csv=csv, xlsx=xlsx)
    for path in (csv, xlsx):
        both = read_indicators(path)
        assert sorted(both["year"].unique()) == [2024, 2030]
        assert len(both) == len(y24) + len(y30)
    w = wide(read_indicators(csv))
    assert len(w) == 2 * len(kom)
    assert {"biogas:cost_nok:all", "reuse:share_within_20_min:population"} <= set(w.columns)


def test_indicator_errors(tmp_path) -> None:
    with pytest.raises(InputError, match="year"):
        kommune_indicators({}, scenario="s", year=20.5)
    with pytest.raises(InputError, match="scenario"):
        kommune_indicators({}, scenario=" ", year=2024)
    with pytest.raises(MissingFileError):
        read_indicators(tmp_path / "none.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.csv: not an indicator table"):
        read_indicators(bad)
    with pytest.raises(InputError, match="csv= and/or xlsx="):
        write_indicators(pd.DataFrame(columns=COLUMNS))


def test_reuse_cost_shared_by_inhabitants(demo_results) -> None:
    from arealsirk.costs import cost_reuse_result

    layers, results = demo_results
    table = kommune_indicators(
        {"reuse": results["reuse"]}, scenario="s", year=2024, kommuner=layers["kommuner"]
    )
    cost = _ind(table, "reuse", "cost_nok")
    total = cost_reuse_result(results["reuse"])["facility_nok"].sum()
    assert cost.sum() == pytest.approx(total)
    pop = results["reuse"].tables["by_kommune"].set_index("kommunenummer")["population"]
    assert cost.to_numpy() == pytest.approx((total * pop / pop.sum()).reindex(cost.index).to_numpy())
    assert _ind(table, "reuse", "share_of_cost").sum() == pytest.approx(1.0)


def test_csv_cells_cannot_become_formulas(demo_results, tmp_path) -> None:
    """The CSV holds the formula-looking name with a leading apostrophe (shown as text by spreadsheets);
    read_indicators gives the original text back."""
    layers, results = demo_results
    kom = layers["kommuner"].copy()
    kom.loc[0, "kommunenavn"] = "=1+1"
    table = kommune_indicators(results, scenario="base", year=2024, kommuner=kom)
    csv = tmp_path / "ind.csv"
    write_indicators(table, csv=csv)
    raw = csv.read_text(encoding="utf-8")
    assert "'=1+1" in raw and ",=1+1" not in raw
    assert (read_indicators(csv)["kommunenavn"] == "=1+1").any()
