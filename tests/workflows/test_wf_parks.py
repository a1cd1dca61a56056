"""Circular industrial parks: criteria, ranking, hosted matches."""

from __future__ import annotations

import numpy as np
import pytest

from arealsirk.errors import InputError
from arealsirk.workflows import site_industrial_parks


@pytest.fixture(scope="module")
def parks(demo, demo_graph):
    return site_industrial_parks(
        demo.zones, demo.flows, demo.roads, stations=demo.stations, kommuner=demo.kommuner
    )


def test_scores_and_selection(parks):
    cand = parks.layers["candidates"]
    for c in ("symbiosis", "flows", "rail", "road", "land"):
        assert cand[f"score_{c}"].between(0, 1).all()
    assert cand["score_total"].between(0, 1).all()
    # total = weighted sum of the criterion scores with the table weights
    w = parks.tables["criteria"].set_index("criterion")["weight"]
    assert w.sum() == pytest.approx(1.0)
    total = sum(w[c] * cand[f"score_{c}"] for c in w.index)
    assert np.allclose(total, cand["score_total"])
    sel = parks.layers["selected_sites"]
    assert len(sel) == 2 and (sel["facility_type"] == "industrial_park").all()
    best = cand.sort_values("score_total", ascending=False)["id"].head(2)
    assert set(sel["id"]) == set(best)


def test_hosted_matches_lie_near_the_parks(parks, demo):
    m = parks.layers["matches"]
    assert len(m) >= 1
    sel = parks.layers["candidates"].set_index("id")
    flows = demo.flows.set_index("id")
    for _, row in m.iterrows():
        zone = sel.loc[row["site_id"], "geometry"]
        d = min(
            zone.distance(flows.loc[row["supplier_id"], "geometry"]),
            zone.distance(flows.loc[row["consumer_id"], "geometry"]),
        )
        assert d <= 5000 + 1e-6 or row["site_id"] in (
            flows.loc[row["supplier_id"], "zone_id"],
            flows.loc[row["consumer_id"], "zone_id"],
        )


def test_weights_change_the_ranking(demo):
    land_only = site_industrial_parks(
        demo.zones, demo.flows, demo.roads, stations=demo.stations, weights={"land": 1.0}, count=1
    )
    top = land_only.layers["selected_sites"]["id"].iloc[0]
    area = demo.zones.set_index("id")["area_ha"]
    assert area[top] >= 50  # any zone of 50 ha or more scores 1 on land


def test_bad_inputs(demo):
    with pytest.raises(InputError, match="unknown criterion 'beauty'"):
        site_industrial_parks(demo.zones, demo.flows, demo.roads, weights={"beauty": 1})
    with pytest.raises(InputError, match="count=99"):
        site_industrial_parks(demo.zones, demo.flows, demo.roads, count=99)


def test_port_criterion_when_ports_given(demo):
    import geopandas as gpd
    from shapely.geometry import Point

    # a port right at zone 'sone12' makes it the best on the port criterion
    z = demo.zones.set_index("id").loc["sone12", "geometry"].representative_point()
    ports = gpd.GeoDataFrame({"name": ["kai"]}, geometry=[Point(z.x, z.y)], crs=demo.zones.crs)
    r = site_industrial_parks(demo.zones, demo.flows, demo.roads, stations=demo.stations, ports=ports)
    cand = r.layers["candidates"].set_index("id")
    assert cand.loc["sone12", "score_port"] == pytest.approx(1.0)
    assert cand["score_port"].max() == pytest.approx(1.0)
    assert "port" in set(r.tables["criteria"]["criterion"])
    assert r.tables["criteria"]["weight"].sum() == pytest.approx(1.0)
