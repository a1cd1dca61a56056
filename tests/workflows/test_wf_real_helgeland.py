"""The balance on real coastal data: eleven Helgeland kommuner (Kartverket N1000 roads with car
ferries, land = N1000 ``Kommune`` minus ``Havflate``, SSB 250 m population 2015).

Reuse centres at the kommune centres (a point inside each kommune polygon): every person of the
grid is in the balance, and the unreachable people per reason are the ones the network reports
when the cells are snapped on their own (:func:`arealsirk.network.snap`, an independent count).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from arealsirk.network import graph_from_roads, snap
from arealsirk.readers.ssb import decode_ssb_id
from arealsirk.workflows import site_reuse_centres

KOMMUNER = ("1833", "1832", "1824", "1822", "1820", "1818", "1827", "1828", "1834", "1835", "1836")


@pytest.fixture(scope="module")
def helgeland(shared_data):
    n1000 = shared_data / "n1000_kartverket" / "n1000_transport_admin.gpkg"
    kom = gpd.read_file(n1000, layer="Kommune")
    kom = kom[kom["kommunenummer"].isin(KOMMUNER)].reset_index(drop=True)
    region = kom.union_all()
    roads = gpd.read_file(n1000, layer="Veglenke", bbox=region.bounds)
    roads = roads[roads.intersects(region)].reset_index(drop=True)
    sea = gpd.read_file(
        shared_data / "n1000_kartverket" / "n1000_landcover.gpkg", layer="Havflate", bbox=region.bounds
    ).union_all()
    graph = graph_from_roads(roads, land=shapely.difference(region, sea))
    grid = pd.read_csv(shared_data / "ssb_popgrid_2015" / "ru250m_2015.csv", sep=";")
    x, y = decode_ssb_id(grid["ru250m"].to_numpy())
    cells = gpd.GeoDataFrame(
        {"population": grid["pop_tot"].to_numpy(dtype=float)},
        geometry=gpd.points_from_xy(x + 125.0, y + 125.0),
        crs=25833,
    )
    cells = cells.cx[region.bounds[0] : region.bounds[2], region.bounds[1] : region.bounds[3]]
    cells = cells[cells.within(region)].reset_index(drop=True)
    return kom, graph, cells


def test_every_person_on_the_coast_is_accounted_for(helgeland):
    kom, graph, cells = helgeland
    cand = gpd.GeoDataFrame(
        {"id": kom["kommunenummer"], "name": kom["kommunenavn"]},
        geometry=kom.representative_point(),
        crs=kom.crs,
    )
    r = site_reuse_centres(cells, cand, graph, count=4, kommuner=kom)
    b = r.tables["balance"].set_index("category")["quantity"]
    total = float(cells["population"].sum())
    assert 60_000 < total < 65_000
    assert b.sum() == pytest.approx(total, rel=1e-9)
    # the network's own count of who cannot be snapped, per reason
    alone = snap(graph, cells, name="population")
    for reason, category in (
        ("across_water", "unreachable_across_water"),
        ("far_from_road", "unreachable_far_from_road"),
    ):
        want = float(cells["population"][alone.reason == reason].sum())
        if reason == "far_from_road":
            want += float(cells["population"][alone.reason == "outside_extent"].sum())
        assert b.get(category, 0.0) == pytest.approx(want), category
    assert b["unreachable_across_water"] > 0  # islands with no road are reported, not snapped
    # people on road parts without an open site = the parts table's people on parts with no site
    parts = r.tables["parts"]
    no_site = parts[(parts["reason"] == "") & (parts["open_sites"] == 0)]["people"].sum()
    assert b.get("unreachable_no_site_on_part", 0.0) == pytest.approx(no_site)
    assert parts["people"].sum() == pytest.approx(total, rel=1e-9)
    # the headline: one line per loss, the largest first, with its people
    head = r.summary["balance_headline"]
    losses = b.drop("served_within_limit", errors="ignore").sort_values(ascending=False)
    assert len(head) == min(len(losses), 5)
    for line, (category, people) in zip(head, losses.items(), strict=False):
        assert f"({people:,.0f})" in line, (line, category)
    assert "0.2% of the people" in " ".join(head)  # the across-water share, below 1 %, keeps a decimal
