"""The livestock-register reader: named classes, national sums as published, clear errors."""

from __future__ import annotations

import csv

import pytest

from arealsirk.errors import InputError, MissingColumnError, MissingFileError
from arealsirk.readers import LIVESTOCK_CLASSES, livestock_class, read_livestock_register


def test_national_sums_match_the_source_note(register):
    # SOURCE.txt of ldir_husdyr_2024 lists these national sums (its own check of the file)
    assert len(register) == 26204
    assert register["kommunenummer"].nunique() == 351
    expected = {
        "dairy_cow": 202691,
        "suckler_cow": 106310,
        "other_cattle": 542854,
        "ewe": 844345,
        "sow": 37379,
        "fattening_pig": 391961,
        "laying_hen": 4082739,
    }
    for name, total in expected.items():
        assert register[name].sum() == total, name


def test_columns_agree_with_a_plain_csv_read(register, register_csv):
    with register_csv.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    # every code column summed with plain arithmetic equals the reader's named column
    for code, cls in LIVESTOCK_CLASSES.items():
        total = sum(int(r[f"{code}_vaar"] or 0) for r in rows)
        assert register[cls.name].sum() == total, code
    assert register.attrs["codes"]["dairy_cow"] == "p120"
    first = rows[1]
    assert register.loc[1, "kommunenummer"] == first["kommunenr"].zfill(4)
    assert register.loc[1, "gnr"] == int(first["gaardsnummer"])


def test_subset_codes_are_marked():
    assert livestock_class("p118").subset_of == "suckler_cow"
    assert livestock_class("organic_dairy_cow").subset_of == "dairy_cow"
    assert livestock_class("dairy_cow").code == "p120"
    with pytest.raises(InputError, match=r"unknown livestock class 'unicorn'.*dairy_cow"):
        livestock_class("unicorn")


def test_kommune_filter(register_csv):
    elverum = read_livestock_register(register_csv, kommuner=["3420"])
    assert len(elverum) == 53 and set(elverum["kommunenummer"]) == {"3420"}


def _write(path, header, rows):
    path.write_text(";".join(header) + "\n" + "\n".join(";".join(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_bad_files_are_named(tmp_path):
    with pytest.raises(MissingFileError, match=r"nope.csv"):
        read_livestock_register(tmp_path / "nope.csv")
    p = _write(tmp_path / "a.csv", ["kommunenr", "gaardsnummer", "p120_vaar"], [["3420", "1", "5"]])
    with pytest.raises(MissingColumnError, match=r"a.csv.*bruksnummer"):
        read_livestock_register(p)
    p = _write(
        tmp_path / "b.csv",
        ["kommunenr", "gaardsnummer", "bruksnummer", "p120_vaar"],
        [["3420", "1", "2", "5.5"]],
    )
    with pytest.raises(InputError, match=r"b.csv.*p120_vaar.*whole numbers.*5.5"):
        read_livestock_register(p)
    p = _write(tmp_path / "c.csv", ["kommunenr", "gaardsnummer", "bruksnummer"], [["3420", "1", "2"]])
    with pytest.raises(MissingColumnError, match=r"c.csv.*no livestock columns"):
        read_livestock_register(p)
    (tmp_path / "d.csv").write_text("kommunenr,gaardsnummer\n3420,1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"d.csv.*';'"):
        read_livestock_register(tmp_path / "d.csv")


def test_another_year_and_autumn_count(tmp_path):
    _write(
        tmp_path / "produksjonstilskudd_2023_husdyr.csv",
        [
            "soeknads_aar",
            "kommunenr",
            "gaardsnummer",
            "bruksnummer",
            "festenummer",
            "p120_hoest",
            "p145_hoest",
        ],
        [["2023", "3420", "7", "1", "0", "12", ""], ["2023", "301", "1", "1", "0", "", "30"]],
    )
    r = read_livestock_register(tmp_path)
    assert list(r["kommunenummer"]) == ["3420", "0301"]
    assert list(r["dairy_cow"]) == [12.0, 0.0] and list(r["ewe"]) == [0.0, 30.0]
    assert list(r["farm_id"]) == ["2023-0", "2023-1"]
