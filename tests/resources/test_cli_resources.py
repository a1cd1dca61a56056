"""`arealsirk resources`: the files it writes and its one-line errors."""

from __future__ import annotations

import pandas as pd
import pyogrio

from arealsirk.cli import main


def test_cli_writes_gpkg_table_and_map(tmp_path, capsys):
    out = tmp_path / "elverum"
    assert (
        main(
            [
                "--no-progress",
                "resources",
                "--kommuner",
                "3420",
                "--out",
                str(out),
                "--streams",
                "manure,food_waste,sewage_sludge,textiles,forest_residue",
            ]
        )
        == 0
    )
    layers = {row[0] for row in pyogrio.list_layers(out / "resources.gpkg")}
    assert {"sources", "kommuner"} <= layers
    src = pyogrio.read_dataframe(out / "resources.gpkg", layer="sources")
    assert {"id", "name", "kind", "quantity", "unit", "dry_matter_t", "rule"} <= set(src.columns)
    table = pd.read_csv(out / "resources_by_kommune.csv", dtype={"kommunenummer": str})
    assert set(table["kommunenummer"]) == {"3420"}
    assert {"quantity", "dry_matter_t", "methane_nm3", "energy_gwh", "kg_per_inhabitant"} <= set(
        table.columns
    )
    assert table["quantity"].sum() == src["quantity"].sum()
    html = (out / "resources_map.html").read_text(encoding="utf-8")
    assert "Landbruksdirektoratet" in html and '<script src="http' not in html
    assert "farm(s)" in (out / "notes.txt").read_text(encoding="utf-8")
    assert "wrote" in capsys.readouterr().out


def test_cli_errors_are_one_line(tmp_path, capsys):
    assert main(["resources", "--kommuner", "34x0", "--out", str(tmp_path / "a")]) == 2
    assert "--kommuner: expected kommunenummer" in capsys.readouterr().err
    assert main(["resources", "--kommuner", "9999", "--out", str(tmp_path / "b")]) == 2
    assert "no kommune 9999" in capsys.readouterr().err
    assert main(["resources", "--kommuner", "3420", "--streams", "gold", "--out", str(tmp_path / "c")]) == 2
    assert "unknown stream(s) gold" in capsys.readouterr().err
    empty = tmp_path / "empty_data"
    empty.mkdir()
    assert main(["resources", "--kommuner", "3420", "--data", str(empty), "--out", str(tmp_path / "d")]) == 2
    assert "n1000_transport_admin.gpkg: file not found" in capsys.readouterr().err
    # an output folder inside the data folder is refused before any work
    assert main(["resources", "--kommuner", "3420", "--data", str(empty), "--out", str(empty / "out")]) == 2
    assert "lies inside the input" in capsys.readouterr().err
    assert not (empty / "out").exists()
