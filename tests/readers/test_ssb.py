"""SSB population grid reader on the real 2015 files (national totals, id decoding, decimal comma)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from arealsirk.errors import InputError, MissingColumnError, MissingFileError
from arealsirk.readers import decode_ssb_id, encode_ssb_id, read_ssb_grid

NATIONAL_2015 = 5_146_614  # SSB, 1.1.2015 (SOURCE.txt)


def test_decode_documented_example():
    x, y = decode_ssb_id([22630006649000])
    assert (int(x[0]), int(y[0])) == (263000, 6649000)
    assert int(encode_ssb_id(263000, 6649000)) == 22630006649000
    x, y = decode_ssb_id([19250006616000])  # negative easting in the west
    assert (int(x[0]), int(y[0])) == (-75000, 6616000)


@pytest.mark.parametrize(("name", "cell", "rows"), [
    ("ru250m_2015.csv", 250, 220_171),
    ("nor2015pop_1kmruter.csv", 1000, 55_213),
    ("nor2015pop_5kmruter.csv", 5000, 7_723),
])
def test_csv_totals_preserved(data, name, cell, rows):
    path = data / "ssb_popgrid_2015" / name
    grid = read_ssb_grid(path)
    raw = pd.read_csv(path, sep=";", decimal=",")
    assert len(grid) == rows == len(raw)
    assert int(grid["population"].sum()) == int(raw["pop_tot"].sum()) == NATIONAL_2015
    assert (grid["cell_m"] == cell).all()
    assert grid.crs.to_epsg() == 25833
    # every cell is a square of the right size whose lower-left corner is x_ll, y_ll
    b = grid.geometry.bounds
    assert np.allclose(b["maxx"] - b["minx"], cell) and np.allclose(b["maxy"] - b["miny"], cell)
    assert np.array_equal(b["minx"].to_numpy(), grid["x_ll"].to_numpy())


def test_decimal_comma_column(data):
    path = data / "ssb_popgrid_2015" / "nor2015pop_1kmruter.csv"
    grid = read_ssb_grid(path)
    raw = pd.read_csv(path, sep=";", decimal=",")
    assert grid["pop_ave"].dtype.kind == "f"
    assert np.allclose(grid["pop_ave"].to_numpy(), raw["pop_ave"].to_numpy())
    assert grid.loc[grid["ssbid"] == "19250006616000", "pop_ave"].item() == pytest.approx(39.9)
    assert int(grid["pop_mal"].sum() + grid["pop_fem"].sum()) == NATIONAL_2015


def test_ids_agree_with_region_geopackage_corners(data, ringerike):
    """The x offset of 2 000 000 is checked against x_ll/y_ll and the polygons SSB cells in the bundle."""
    bundle = gpd.read_file(ringerike, layer="ssb_befolkning_1km_2015")
    x, y = decode_ssb_id(bundle["ssbid_1000m"].to_numpy())
    assert np.array_equal(x, bundle["x_ll"].to_numpy()) and np.array_equal(y, bundle["y_ll"].to_numpy())
    assert np.allclose(bundle.geometry.bounds["minx"], x) and np.allclose(bundle.geometry.bounds["miny"], y)
    grid = read_ssb_grid(ringerike, layer="ssb_befolkning_1km_2015")
    assert int(grid["population"].sum()) == int(bundle["pop_tot"].sum())
    # the national CSV gives the same population for the same cells
    national = read_ssb_grid(data / "ssb_popgrid_2015" / "nor2015pop_1kmruter.csv")
    merged = grid[["ssbid", "population"]].merge(national[["ssbid", "population"]], on="ssbid")
    assert len(merged) == len(grid)
    assert (merged["population_x"] == merged["population_y"]).all()


def test_5km_geopackage_equals_csv(data):
    gpkg = read_ssb_grid(data / "ssb_popgrid_2015" / "popgrid_5km_2015.gpkg")
    csv = read_ssb_grid(data / "ssb_popgrid_2015" / "nor2015pop_5kmruter.csv")
    assert set(gpkg["ssbid"]) == set(csv["ssbid"])
    assert int(gpkg["population"].sum()) == int(csv["population"].sum())


def test_clip_box_matches_independent_filter(data):
    from shapely import box

    path = data / "ssb_popgrid_2015" / "ru250m_2015.csv"
    area = box(250_000, 6_640_000, 275_000, 6_660_000)  # Oslo centre
    grid = read_ssb_grid(path, clip=area, geometry="centroid")
    raw = pd.read_csv(path, sep=";")
    x = raw["ru250m"] // 10**7 - 2_000_000 + 125
    y = raw["ru250m"] % 10**7 + 125
    inside = (x > 250_000) & (x < 275_000) & (y > 6_640_000) & (y < 6_660_000)
    assert len(grid) == int(inside.sum())
    assert int(grid["population"].sum()) == int(raw.loc[inside, "pop_tot"].sum())
    assert (grid.geom_type == "Point").all()
    assert grid.geometry.x.min() > 250_000


def test_kommune_assignment_sums_to_total(ringerike):
    kommuner = gpd.read_file(ringerike, layer="kommuner")
    grid = read_ssb_grid(ringerike, layer="ssb_befolkning_250m_2015", kommuner=kommuner)
    by = grid.groupby("kommunenummer")["population"].sum()
    assert set(by.index) == set(kommuner["kommunenummer"])
    # Ringerike had 30 835 inhabitants in 2021 and ~29 700 in 2015 (the grid)
    assert 28_000 < by["3305"] < 31_000
    # the clip path (shapely.contains_xy) agrees with the kommune assignment (spatial join)
    hole = kommuner[kommuner["kommunenummer"] == "3310"]
    clipped = read_ssb_grid(ringerike, layer="ssb_befolkning_250m_2015", clip=hole)
    assert int(clipped["population"].sum()) == int(by["3310"])


def test_errors_name_file_and_column(tmp_path):
    bad = tmp_path / "pipe.csv"
    bad.write_text("ru250m|pop_tot\n22630006649000|5\n")
    with pytest.raises(InputError, match=r"pipe.csv"):
        read_ssb_grid(bad)
    nopop = tmp_path / "nopop.csv"
    nopop.write_text("ru250m;antall_hus\n22630006649000;x\n")
    with pytest.raises(MissingColumnError, match=r"nopop.csv.*pop_tot"):
        read_ssb_grid(nopop)
    notid = tmp_path / "notid.csv"
    notid.write_text("ssbid;pop_tot\n3305;5\n")
    with pytest.raises(InputError, match=r"column 'ssbid'.*not an SSB cell id"):
        read_ssb_grid(notid)
    offgrid = tmp_path / "grid.csv"
    offgrid.write_text("ru250m;pop_tot\n22630106649000;5\n")
    with pytest.raises(InputError, match=r"not on a 250 m grid"):
        read_ssb_grid(offgrid)
    frac = tmp_path / "frac.csv"
    frac.write_text("ssbid_1000m;pop_tot\n22630006649000;39,9\n")
    with pytest.raises(InputError, match=r"whole numbers"):
        read_ssb_grid(frac)
    with pytest.raises(MissingFileError):
        read_ssb_grid(tmp_path / "missing.csv")


def test_wrong_x_ll_is_reported(tmp_path):
    path = tmp_path / "cells.csv"
    path.write_text("ru250m;pop_tot;x_ll;y_ll\n22630006649000;5;263250;6649000\n")
    with pytest.raises(InputError, match=r"column 'x_ll'"):
        read_ssb_grid(path)
