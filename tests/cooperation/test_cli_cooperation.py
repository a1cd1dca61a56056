"""`arealsirk run` with a [cooperation] section: the tables are written and appended run by run."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from arealsirk.cli import main
from arealsirk.indicators import read_indicators


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("coop_cli")
    assert main(["demo", "--export-inputs", str(folder / "in")]) == 0
    return folder


def _scenario(folder, tail: str) -> str:
    text = (folder / "in" / "scenario.toml").read_text(encoding="utf-8")
    # keep the biogas theme only (faster), then add the cooperation section
    text = re.sub(r"\[reuse\].*?(?=\[parks\])", "", text, flags=re.S)
    text = re.sub(r"\[parks\].*?(?=\[parameters\])", "", text, flags=re.S)
    text = re.sub(r"^(population|flows|stations) = .*\n", "", text, flags=re.M)
    path = folder / "in" / "coop.toml"
    path.write_text(text + "\n[cooperation]\n" + tail, encoding="utf-8")
    return str(path)


def test_run_writes_and_appends_cooperation_tables(exported, capsys) -> None:
    out = exported / "out"
    scen = _scenario(exported, 'group_by = "kommunenummer"\nyear = 2024\nscenario = "samarbeid"\n')
    assert main(["run", scen, "--out", str(out)]) == 0, capsys.readouterr().err
    for name in ("indicators.csv", "indicators.xlsx", "cost_sharing.csv", "coalitions.csv", "cooperation.md"):
        assert (out / name).is_file(), name
    share = pd.read_csv(out / "cost_sharing.csv", dtype={"kommunenummer": str})
    co = pd.read_csv(out / "coalitions.csv")
    assert len(share) == 5 and len(co) == 2**5 - 1  # exact Shapley: every coalition of 5 kommuner
    joint = co.loc[co["size"] == 5, "cost_nok"].iloc[0]
    assert share["shapley_nok"].sum() == pytest.approx(joint)
    alone = co.loc[co["size"] == 1].set_index("coalition")["cost_nok"]
    assert share.set_index("kommunenummer")["alone_nok"].to_dict() == pytest.approx(alone.to_dict())
    ind = read_indicators(out / "indicators.csv")
    cost = ind[(ind["theme"] == "biogas") & (ind["indicator"] == "cost_nok")].set_index("kommunenummer")[
        "value"
    ]
    # with kommuner as the groups, the indicator table's cost is the Shapley share
    assert cost.to_dict() == pytest.approx(share.set_index("kommunenummer")["shapley_nok"].to_dict())
    # the report shows the cost sharing and the indicators (read from results.gpkg)
    import docx

    assert main(["report", str(out / "results.gpkg"), "--out", str(exported / "rapport.docx")]) == 0
    doc = docx.Document(str(exported / "rapport.docx"))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "Samarbeid: hvem betaler hva" in headings and "Felles indikatorer per kommune" in headings
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    assert "Storåsen" in cells or any("Stor" in c for c in cells)
    # the next year's run appends to the same files
    scen = _scenario(exported, 'group_by = "kommunenummer"\nyear = 2030\nscenario = "samarbeid"\n')
    assert main(["run", scen, "--out", str(out)]) == 0
    for name in ("indicators.csv", "indicators.xlsx"):
        both = read_indicators(out / name)
        assert sorted(both["year"].unique().tolist()) == [2024, 2030]
        assert len(both) == 2 * len(ind)


def test_bad_grouping_is_one_line_before_any_work(exported, capsys) -> None:
    scen = _scenario(exported, 'group_by = "selskap"\n')
    assert main(["run", scen, "--out", str(exported / "bad")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "[cooperation] group_by = 'selskap': no such column" in err[0]
    assert not (exported / "bad").exists()
    scen = _scenario(exported, "year = 2024\n")
    assert main(["run", scen, "--out", str(exported / "bad")]) == 2
    assert "[cooperation]: group_by is required" in capsys.readouterr().err
    scen = _scenario(exported, 'group_by = "kommunenummer"\nyear = 24\n')
    assert main(["run", scen, "--out", str(exported / "bad")]) == 2
    assert re.search(r"line \d+: \[cooperation\] year: must be >= 1900", capsys.readouterr().err)


def _kommune_popup_table(html: str, column: str) -> tuple[list[str], list[list]]:
    """The kommuner layer's popup payload of a map (the JSON object holding ``column``)."""
    import json

    at = html.index(json.dumps(column, ensure_ascii=False)[1:-1])
    start = html.rindex('{"rows":', 0, at)
    payload, _ = json.JSONDecoder().raw_decode(html, start)
    return payload["cols"], payload["rows"]


def test_kommune_popups_show_each_members_cost_and_share(exported) -> None:
    """Issue 17: the common indicators are shown in the kommune popups. Each kommune's popup in the
    run's map (and in the map rebuilt from results.gpkg) shows the biogas net cost and share of the
    cost that indicators.csv holds for it."""
    out = exported / "popups"
    scen = _scenario(exported, 'group_by = "kommunenummer"\nyear = 2024\n')
    assert main(["--no-progress", "run", scen, "--out", str(out)]) == 0
    ind = read_indicators(out / "indicators.csv")
    rows = ind[(ind["theme"] == "biogas") & (ind["kind"] == "all")]
    expected = {ind_name: rows[rows["indicator"] == ind_name].set_index("kommunenummer")["value"].to_dict()
                for ind_name in ("cost_nok", "share_of_cost")}
    assert len(expected["cost_nok"]) == 5 and sum(expected["share_of_cost"].values()) == pytest.approx(1.0)
    again = exported / "again.html"
    assert main(["--no-progress", "map", str(out / "results.gpkg"), "--out", str(again)]) == 0
    for html in ((out / "map.html").read_text(encoding="utf-8"),
                 again.read_text(encoding="utf-8")):
        cols, table = _kommune_popup_table(html, "Biogass: Nettokostnad (kr/år)")
        cost_at = 3 + cols.index("Biogass: Nettokostnad (kr/år)")
        share_at = 3 + cols.index("Biogass: Andel av kostnaden")
        for row in table:
            k = str(row[3])
            cost = float(re.sub(r"\s", "", row[cost_at]).replace("\u2212", "-").replace(",", "."))
            share = float(re.sub(r"[\s%]", "", row[share_at]).replace(",", ".")) / 100
            assert cost == pytest.approx(expected["cost_nok"][k], abs=0.5), k
            assert share == pytest.approx(expected["share_of_cost"][k], abs=0.005), k
