"""Matrikkel address CSV (Geonorge download) and OSM POIs (real Oslo extract)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest

from arealsirk.errors import InputError, MissingColumnError
from arealsirk.readers import population_from_addresses, read_addresses, read_osm_pois, read_ssb_grid


@pytest.fixture(scope="module")
def addresses(data):
    return read_addresses(data / "matrikkel_adresser_elverum" /
                          "Basisdata_3420_Elverum_25833_MatrikkelenAdresse.csv")


def test_csv_matches_geopackage(data, addresses):
    assert len(addresses) == 10_871
    assert (addresses["kommunenummer"] == "3420").all()
    ref = gpd.read_file(data / "matrikkel_adresser_elverum" / "adresser_elverum_3420.gpkg")
    merged = addresses.merge(ref[["lokalid", "geometry"]], left_on="id", right_on="lokalid")
    assert len(merged) == len(ref)
    d = gpd.GeoSeries(merged["geometry_x"]).distance(gpd.GeoSeries(merged["geometry_y"]))
    assert float(d.max()) < 0.01
    assert int((addresses["tettstednavn"] == "Elverum").sum()) == 6_658
    assert addresses["bokstav"].isna().any() and not (addresses["bokstav"] == "").any()


def test_address_csv_errors(tmp_path, data):
    src = data / "matrikkel_adresser_elverum" / "Basisdata_3420_Elverum_25833_MatrikkelenAdresse.csv"
    head = src.read_text(encoding="utf-8-sig").splitlines()[:3]
    comma = tmp_path / "comma.csv"
    comma.write_text("\n".join(line.replace(";", ",") for line in head), encoding="utf-8")
    with pytest.raises(InputError, match=r"comma.csv.*';'-separated"):
        read_addresses(comma)
    nonord = tmp_path / "nonord.csv"
    nonord.write_text("\n".join(head).replace(";Nord;", ";N;"), encoding="utf-8-sig")
    with pytest.raises(MissingColumnError, match=r"nonord.csv, column 'Nord'"):
        read_addresses(nonord)


def test_population_on_addresses_preserves_total(data, addresses):
    from shapely import box

    grid = read_ssb_grid(data / "ssb_popgrid_2015" / "ru250m_2015.csv", clip=box(*addresses.total_bounds))
    pts = population_from_addresses(addresses, grid)
    assert pts["population"].sum() == pytest.approx(grid["population"].sum())
    # per cell too
    per_cell = pts.groupby("ssbid")["population"].sum()
    ref = grid.set_index("ssbid")["population"]
    assert np.allclose(per_cell.reindex(ref[ref > 0].index).to_numpy(), ref[ref > 0].to_numpy())
    assert (pts["source"] == "address").sum() > 0.5 * len(pts)


def test_osm_pois_oslo(data):
    pois = read_osm_pois(data / "osm_oslo_center" / "oslo-center.osm.pbf")
    assert pois.crs.to_epsg() == 25833
    counts = pois["kind"].value_counts()
    assert counts["recycling_container"] > 100 and counts["second_hand"] >= 10
    assert "Sofienbergparken miljøstasjon" in set(pois["name"].dropna())
    # all within the extract bbox (lon 10.72-10.78, lat 59.90-59.94)
    ll = pois.to_crs(4326)
    assert ll.geometry.x.between(10.70, 10.80).all() and ll.geometry.y.between(59.89, 59.95).all()
    only = read_osm_pois(data / "osm_oslo_center" / "oslo-center.osm.pbf", kinds=["second_hand"])
    assert len(only) == counts["second_hand"]
    with pytest.raises(InputError, match=r"unknown POI kind"):
        read_osm_pois(data / "osm_oslo_center" / "oslo-opera.osm.pbf", kinds=["bakery"])
