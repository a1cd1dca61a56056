"""Kommune/fylke readers and the 2020 -> 2024 kommunenummer crosswalk on the real Kartverket files."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from arealsirk.errors import InputError, MissingColumnError
from arealsirk.readers import (
    kommune_crosswalk,
    read_fylker,
    read_kommune_population,
    read_kommuner,
    to_kommunenummer_2024,
)


@pytest.fixture(scope="module")
def kommuner_m(data):
    return read_kommuner(data / "kommuner_fylker_2024" / "Kommuner-M.geojson")


def test_kommuner_geojson_normalised(kommuner_m):
    k = kommuner_m
    assert len(k) == 357
    assert k.crs.to_epsg() == 25833
    assert k["kommunenummer"].str.fullmatch(r"\d{4}").all()
    assert "0301" in set(k["kommunenummer"])  # Oslo keeps its leading zero
    row = k.set_index("kommunenummer").loc["3305"]
    assert row["kommunenavn"] == "Ringerike" and row["fylkesnummer"] == "33"
    # Ringerike is about 1 550 km2 (SSB); the M simplification stays within a few percent
    assert 1_450e6 < row.geometry.area < 1_650e6


def test_n1000_kommune_layer_same_numbers(data, kommuner_m):
    n1000 = read_kommuner(data / "n1000_kartverket" / "n1000_transport_admin.gpkg", layer="Kommune")
    # the N1000 layer stores multi-part kommuner (Ålesund, Kinn) as two rows; they are dissolved
    assert not n1000["kommunenummer"].duplicated().any()
    assert set(n1000["kommunenummer"]) == set(kommuner_m["kommunenummer"])


def test_region_bundle_kommuner_population(ringerike):
    k = read_kommuner(ringerike)
    assert len(k) == 9
    assert dict(zip(k["kommunenummer"], k["population"], strict=True))["3305"] == 30_835


def test_fylker_from_kartverket_zip_and_geojson(data):
    zipped = read_fylker(data / "kommuner_fylker_2024" / "Basisdata_0000_Norge_25833_Fylker_GeoJSON.zip")
    simple = read_fylker(data / "kommuner_fylker_2024" / "Fylker-S.geojson")
    assert len(zipped) == len(simple) == 15
    assert set(zipped["fylkesnummer"]) == set(simple["fylkesnummer"])
    assert "03" in set(zipped["fylkesnummer"])
    names = dict(zip(zipped["fylkesnummer"], zipped["fylkesnavn"], strict=True))
    assert names["34"] == "Innlandet"
    # the simplified file is clipped to the coast: mainland Norway is 323 802 km2 (SSB); Kartverket's
    # authoritative fylker reach out into the sea, so they cover more
    land = simple.geometry.area.sum()
    assert abs(land - 323_802e6) / 323_802e6 < 0.02
    assert zipped.geometry.area.sum() > land
    # each simplified fylke lies in the authoritative fylke with the same number
    inner = simple.set_index("fylkesnummer").geometry.representative_point()
    outer = zipped.set_index("fylkesnummer").geometry
    assert all(outer[f].contains(p) for f, p in inner.items())


def test_crosswalk_and_translation(data):
    cw = kommune_crosswalk()
    assert len(cw) == 356
    got = to_kommunenummer_2024(["3007", "0301", 3305, "1507", "3038"], crosswalk=cw).tolist()
    assert got == ["3305", "0301", "3305", "1508", "3310"]  # Ringerike, Oslo, Ålesund, Hole
    # Haram (1580) is a 2024 kommune split from Ålesund: valid although no 2020 row points to it
    assert to_kommunenummer_2024(["1580"], crosswalk=cw, strict=True).tolist() == ["1580"]
    with pytest.raises(InputError, match=r"9999"):
        to_kommunenummer_2024(["9999"], crosswalk=cw, strict=True)


def test_old_numbers_translated_and_merged(tmp_path, kommuner_m):
    """A 2020-numbered file is read with 2024 numbers; a made-up merge is dissolved and summed."""
    two = kommuner_m[kommuner_m["kommunenummer"].isin(["3305", "3310"])].copy()
    two["kommunenummer"] = two["kommunenummer"].map({"3305": "3007", "3310": "3038"})
    two["folkemengde"] = [100, 50]
    path = tmp_path / "old.gpkg"
    two.to_crs(4326).to_file(path, layer="kommuner")
    k = read_kommuner(path)
    assert sorted(k["kommunenummer"]) == ["3305", "3310"]
    cw = pd.DataFrame({"kommunenummer_old": ["3007", "3038"], "kommunenummer_2024": ["3399", "3399"],
                       "kommunenavn_2024": ["Storkommune", "Storkommune"]})
    merged = read_kommuner(path, crosswalk=cw)
    assert len(merged) == 1 and merged["kommunenummer"].item() == "3399"
    assert merged["population"].item() == 150
    assert merged.geometry.area.item() == pytest.approx(two.geometry.area.sum(), rel=1e-3)


def test_population_table_totals(data, ringerike):
    pop = read_kommune_population()
    assert int(pop["population"].sum()) == 5_391_369  # SSB national total 1.1.2021
    bundle = gpd.read_file(ringerike, layer="kommuner")
    joined = bundle.merge(pop, on="kommunenummer")
    assert len(joined) == 9
    assert (joined["population"] == joined["folkemengde_2021"]).all()


def test_errors(tmp_path, kommuner_m):
    nocol = kommuner_m[["geometry"]].head(2).assign(nr=["1", "2"])
    path = tmp_path / "k.geojson"
    nocol.to_file(path)
    with pytest.raises(MissingColumnError, match=r"k.geojson.*kommunenummer"):
        read_kommuner(path)
    bad = kommuner_m.head(1).assign(kommunenummer="33O5")
    path2 = tmp_path / "bad.geojson"
    bad.to_file(path2)
    with pytest.raises(InputError, match=r"'33O5'"):
        read_kommuner(path2)
    kommuner_m.head(2).to_file(tmp_path / "k2.geojson")
    with pytest.raises(InputError, match=r"not found: 9999"):
        read_kommuner(tmp_path / "k2.geojson", kommunenummer=["9999"], to_2024=False)
