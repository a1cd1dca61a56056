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
