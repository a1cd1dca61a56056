"""Road layer normalisation on Kartverket N1000 (real) and Elveg-style references (synthetic rows)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, MultiLineString

from arealsirk.errors import InputError, MissingColumnError
from arealsirk.readers import normalise_roads, read_roads


def test_n1000_region_roads(ringerike):
    raw = gpd.read_file(ringerike, layer="n1000_veg")
    roads = read_roads(ringerike)  # picks layer n1000_veg
    drivable = raw[~raw["typeVeg"].isin(["sti", "barmarksløype", "passasjerferje"])]
    assert set(roads["vegkategori"]) <= set("ERFKP")
    assert (roads.geom_type == "LineString").all()
    assert roads["id"].is_unique
    # exploding MultiLineStrings keeps every metre; joining the ferry to the quay road adds a little
    plain = read_roads(ringerike, connect_ferries_m=0)
    assert plain.length.sum() == pytest.approx(drivable.length.sum(), rel=1e-9)
    added = roads.length.sum() - plain.length.sum()
    assert 1.0 < added < 2 * 1000.0
    assert len(roads) >= len(drivable)
    assert int(roads["ferry"].sum()) == int((raw["typeVeg"] == "bilferje").sum()) == 1
    # E16 and Rv7 run through Ringerike/Hole
    assert {16.0, 7.0} <= set(roads.loc[roads["vegkategori"].isin(["E", "R"]), "vegnummer"])
    assert not roads["oneway"].any()


def test_n1000_national_counts(data):
    path = data / "n1000_kartverket" / "n1000_transport_admin.gpkg"
    raw = gpd.read_file(path, layer="Veglenke")
    roads = read_roads(path)
    keep = ~raw["typeVeg"].isin(["sti", "barmarksløype", "passasjerferje"]) & (raw["vegfase"] != "P")
    assert len(roads) == int(keep.sum())
    assert int(roads["ferry"].sum()) == int((raw["typeVeg"] == "bilferje").sum())
    everything = read_roads(path, include_paths=True, include_planned=True)
    assert len(everything) == len(raw)


def test_elveg_references_and_multilines():
    lines = [MultiLineString([[(0, 0), (100, 0)], [(100, 0), (100, 50)]]),
             LineString([(0, 0), (0, 80)]), LineString([(0, 0), (-60, 0)]),
             LineString([(0, 80), (10, 90)])]
    gdf = gpd.GeoDataFrame({
        "vegsystemreferanse": ["EV16 S1D1 m0-150", "FV241 S2D1 m10-90", "KV1020 S1D1", "SV5001"],
        "typeVeg": ["enkelBilveg", "enkelBilveg", "rundkjøring", "enkelBilveg"],
    }, geometry=lines, crs=25833)
    roads = normalise_roads(gdf)
    assert roads["vegkategori"].tolist() == ["E", "E", "F", "K", "P"]
    assert roads["vegnummer"].tolist() == [16, 16, 241, 1020, 5001]
    assert np.isclose(roads.length.sum(), 150 + 80 + 60 + np.hypot(10, 10))


def test_road_errors():
    gdf = gpd.GeoDataFrame({"typeVeg": ["enkelBilveg"]}, geometry=[LineString([(0, 0), (1, 1)])], crs=25833)
    with pytest.raises(MissingColumnError, match=r"column 'vegkategori'"):
        normalise_roads(gdf, file="veg.gpkg", layer="veg")
    gdf["vegkategori"] = ["X"]
    with pytest.raises(InputError, match=r"veg.gpkg, layer 'veg', column 'vegkategori'.*'X'"):
        normalise_roads(gdf, file="veg.gpkg", layer="veg")
    pts = gpd.GeoDataFrame({"vegkategori": ["E"]}, geometry=gpd.points_from_xy([0], [0]), crs=25833)
    with pytest.raises(InputError, match=r"line"):
        normalise_roads(pts)


def test_wrong_layer_named(ringerike):
    with pytest.raises(FileNotFoundError, match=r"no layer 'veger'"):
        read_roads(ringerike, layer="veger")


def test_roads_feed_the_network_builder(ringerike):
    """read_roads output goes straight into network.graph_from_roads; travel times are plausible."""
    from arealsirk.network import graph_from_roads
    from arealsirk.proximity import od_matrix

    roads = read_roads(ringerike)
    assert "motorvegtype" in roads.columns  # the network uses it for motorway speeds
    graph = graph_from_roads(roads)
    stations = gpd.read_file(ringerike, layer="n1000_stasjon").set_index("navn")
    pair = stations.loc[["Hønefoss", "Gran", "Flå"]]
    minutes = od_matrix(graph, pair, pair) / 60.0
    # by car (Google/Statens vegvesen route planners): Hønefoss-Gran ~27 km / 25-30 min,
    # Hønefoss-Flå ~75 km / 55-60 min; N1000 is generalised, so allow a wide band
    assert 18 < minutes[0, 1] < 40
    assert 40 < minutes[0, 2] < 75
    assert abs(minutes[0, 1] - minutes[1, 0]) < 1.0  # two-way network


def test_read_road_graph_with_ferries(data):
    """One call from file to graph. Randsfjordferja (Fv2336, Tangen in Gran - Horn in Søndre Land)
    is a bilferje link in N1000: it is in the graph only with include_ferries=True."""
    from arealsirk.readers import read_kommuner, read_road_graph

    national = data / "n1000_kartverket" / "n1000_transport_admin.gpkg"
    area = read_kommuner(data / "kommuner_fylker_2024" / "Kommuner-M.geojson", kommunenummer=["3446", "3447"])
    # N1000 ends the ferry line at the quay, 90-170 m from the road: joined by the reader
    unjoined = read_road_graph(national, clip=area, connect_ferries_m=0)
    # not joined, the ferry is a part of its own (kept and reported, but no road reaches it)
    ferry_parts = {unjoined.nodes[u]["part"] for u, _, d in unjoined.edges(data=True) if d.get("ferry")}
    assert ferry_parts and 0 not in ferry_parts
    assert all(p["km"] == p["ferry_km"] for p in unjoined.graph["parts"] if p["id"] in ferry_parts)
    with_ferry = read_road_graph(national, clip=area)  # car ferries are on by default
    assert {with_ferry.nodes[u]["part"] for u, _, d in with_ferry.edges(data=True) if d.get("ferry")} == {0}
    without = read_road_graph(national, clip=area, include_ferries=False)
    ferries = [d for _, _, d in with_ferry.edges(data=True) if d.get("ferry") and "quay" not in d]
    assert len(ferries) >= 2  # both directions of the crossing
    assert {d["vegkategori"] for d in ferries} == {"F"}
    assert not any(d.get("ferry") for _, _, d in without.edges(data=True))
    km = sum(d["length"] for _, _, d in without.edges(data=True)) / 2 / 1000  # two-way edges
    assert 200 < km < 1500  # N1000 road length in and around Gran and Søndre Land
