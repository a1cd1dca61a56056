"""Shared workflow plumbing (``arealsirk/workflows/_common.py``) on hand-made inputs.

The status word a planner reads (``status_of``) for each status text the location models and
solvers give, worked out by hand; road km (straight line x resources.road_detour_factor, or on the
hand-made road), the exclusion notes, the 1 m line, site stacking, points, kommune lookup.
Written for the mutants of issue 16's mutation run (docs/mutation.md); triage in the run notes.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from arealsirk.workflows._common import status_of


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("optimal", "optimal"),
        ("Optimal", "optimal"),
        ("proven_optimal", "optimal"),
        ("OPTIMAL (gap 0)", "optimal"),
        ("not optimal", "feasible"),
        ("suboptimal", "feasible"),
        ("feasible", "feasible"),
        ("time_limit", "feasible"),
        ("infeasible", "infeasible"),
        ("Infeasible model", "infeasible"),
        ("infeasible or optimal", "infeasible"),
    ],
)
def test_status_word(status, expected):
    assert status_of(SimpleNamespace(status=status)) == expected


def test_status_without_a_status_is_feasible():
    assert status_of(object()) == "feasible"


# --- figures of the shared plumbing (mutants of _common.py other than status_of)

import logging  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402

from arealsirk.workflows._common import (  # noqa: E402
    excluded_messages,
    kommune_names,
    kommune_of,
    line,
    points_of,
    road_km_matrix,
    stack_sites,
)

from . import handmade as hm  # noqa: E402


def test_road_km_without_roads_is_straight_line_times_detour_factor(caplog):
    # origins at (0, 0) and (3, 4) km; targets at (6, 8) and (0, 0) km (EPSG:25833 metres).
    # Straight lines: 10, 0 / 5, 5 km; resources.road_detour_factor = 1.3 (defaults.csv row
    # "resources.road_detour_factor,1.3,ratio,...").
    o = hm.points([{}, {}], [hm.at(0), hm.at(3, north_km=4)])
    t = hm.points([{}, {}], [hm.at(6, north_km=8), hm.at(0)])
    with caplog.at_level(logging.INFO, logger="arealsirk"):
        km = road_km_matrix(None, o, t)
    assert km == pytest.approx(np.array([[13.0, 0.0], [6.5, 6.5]]))
    assert "distances: no road network given; road distance = straight line x 1.30" in caplog.messages


def test_road_km_without_roads_names_what_and_takes_overrides(caplog):
    o = hm.points([{}], [hm.square(0)])  # a polygon: its centre (0, 0) km
    t = hm.points([{}], [hm.at(2)])
    with caplog.at_level(logging.INFO, logger="arealsirk"):
        km = road_km_matrix(None, o, t, parameters={"resources.road_detour_factor": 1.5}, what="haul")
    assert km == pytest.approx(np.array([[3.0]]))
    assert "haul: no road network given; road distance = straight line x 1.50" in caplog.messages


def test_road_km_given_straight_km_is_scaled_only():
    o = hm.points([{}], [hm.at(0)])
    t = hm.points([{}], [hm.at(9)])
    km = road_km_matrix(None, o, t, straight_km=np.array([[2.0]]))
    assert km == pytest.approx(np.array([[2.6]]))  # 2 km x 1.3, not the 9 km between the points


def test_road_km_on_the_handmade_road():
    # points on the main road at 2, 10 km and one 20 km north on the island road (no connection)
    o = hm.points([{}, {}], [hm.at(2), hm.at(10)])
    t = hm.points([{}, {}], [hm.at(7), hm.at(1, north_km=20)])
    km = road_km_matrix(hm.graph(), o, t)
    assert km[:, 0] == pytest.approx([5.0, 3.0])
    assert np.isinf(km[:, 1]).all()


def _excluded(rules_ids):
    rows = [(r, i) for r, ids in rules_ids for i in ids]
    return pd.DataFrame({"rule": [r for r, _ in rows], "candidate_id": [i for _, i in rows]})


def test_excluded_messages_counts_ids_and_more():
    # 12 on slope (first 10 ids shown, "+2"), then 1 on lakes: rules in the order they come
    msgs = excluded_messages(_excluded([("slope", range(12)), ("lakes", ["k"])]))
    assert [str(m) for m in msgs] == [
        "12 candidate(s) removed by the terrain slope rule: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 (+2)",
        "1 candidate(s) removed by the lakes and rivers (with their buffer) rule: k",
    ]
    assert msgs[0].key == "excluded.rule"
    assert msgs[0].params["n"] == 12


@pytest.mark.parametrize(
    ("n", "tail"),
    [(10, "c8, c9"), (11, "c8, c9 (+1)")],
)
def test_excluded_messages_ten_shown(n, tail):
    (msg,) = excluded_messages(_excluded([("protected", [f"c{i}" for i in range(n)])]))
    shown = f"c0, c1, c2, c3, c4, c5, c6, c7, {tail}"
    assert str(msg) == f"{n} candidate(s) removed by the protected areas rule: {shown}"


def test_line_of_a_source_on_its_own_site_is_1_m_east():
    assert list(line((10.0, 20.0), (10.0, 20.0)).coords) == [(10.0, 20.0), (11.0, 20.0)]
    assert list(line((5.0, 5.0), (6.0, 5.0)).coords) == [(5.0, 5.0), (6.0, 5.0)]  # same y only
    assert list(line((5.0, 5.0), (5.0, 9.0)).coords) == [(5.0, 5.0), (5.0, 9.0)]  # same x only
    assert list(line((3.0, 5.0), (5.0, 3.0)).coords) == [(3.0, 5.0), (5.0, 3.0)]  # a[1] == b[0]


def test_points_of_centroid_or_inside_point():
    # a square (centroid inside), a U shape (centroid outside: a point inside instead), a point
    u = shapely.Polygon([(0, 0), (30, 0), (30, 30), (20, 30), (20, 10), (10, 10), (10, 30), (0, 30)])
    g = hm.points([{"a": 1}, {"a": 2}, {"a": 3}], [shapely.box(0, 0, 4, 2), u, shapely.Point(7, 7)])
    p = points_of(g)
    assert list(p.geom_type) == ["Point"] * 3
    assert (p.geometry.x[0], p.geometry.y[0]) == (2.0, 1.0)
    assert p.geometry[1].within(u)
    assert (p.geometry.x[2], p.geometry.y[2]) == (7.0, 7.0)
    assert list(p["a"]) == [1, 2, 3]
    pts = hm.points([{}], [shapely.Point(1, 2)])
    assert points_of(pts) is pts
    # a triangle: its centroid (2, 2) is inside and is kept (its representative point is (1.5, 3))
    tri = points_of(hm.points([{}], [shapely.Polygon([(0, 0), (6, 0), (0, 6)])]))
    assert (tri.geometry.x[0], tri.geometry.y[0]) == (2.0, 2.0)


def test_stack_sites_columns_and_names():
    a = hm.points([{"id": 7, "kommunenummer": "1804", "existing": True, "capacity_t": 500.0}],
                  [hm.square(1)])
    b = hm.points([{"id": "c0", "name": "Mo", "existing": False}, {"id": "c1", "existing": 0}],
                  [hm.at(2), hm.at(3)])
    b.index = [5, 9]
    s = stack_sites([a, b], crs=hm.CRS)
    assert list(s.index) == [0, 1, 2]
    assert list(s["id"]) == ["7", "c0", "c1"]
    assert list(s["name"]) == ["7", "Mo", "c1"]  # a missing name is the id
    assert list(s["kommunenummer"]) == ["1804", None, None]
    assert list(s["existing"]) == [True, False, False]
    assert s["existing"].dtype == bool
    assert s["capacity_t"].tolist()[0] == 500.0
    assert (s.geometry.x.tolist(), s.geometry.y.tolist()) == (
        [hm.X + 1000.0, hm.X + 2000.0, hm.X + 3000.0], [hm.Y] * 3)
    assert str(s.crs) == hm.CRS


def _kommuner():
    # 1804 west of x = X + 10 km, 1833 east of it (both 10 km wide, 2 km north and south of the road)
    return hm.points(
        [{"kommunenummer": 1804, "kommunenavn": "Bodø"}, {"kommunenummer": 1833, "kommunenavn": "Rana"}],
        [shapely.box(hm.X, hm.Y - 2000, hm.X + 10_000, hm.Y + 2000),
         shapely.box(hm.X + 10_000, hm.Y - 2000, hm.X + 20_000, hm.Y + 2000)],
    )


def test_kommune_of_polygon_nearest_and_own_column():
    k = _kommuner()
    pts = hm.points([{}, {}, {}], [hm.at(3), hm.square(15), hm.at(25, north_km=1)])  # 25 km: off 1833
    pts.index = [4, 8, 6]
    assert list(kommune_of(pts, k)) == ["1804", "1833", "1833"]
    assert list(kommune_of(pts, k).index) == [0, 1, 2]
    # the same points in another CRS (UTM 32): the kommuner are reprojected to the points
    assert list(kommune_of(pts.to_crs("EPSG:25832"), k)) == ["1804", "1833", "1833"]
    own = pts.assign(kommunenummer=[1, 2, 3])
    assert list(kommune_of(own, k)) == ["1", "2", "3"]
    assert list(kommune_of(pts, None)) == ["?", "?", "?"]
    assert list(kommune_of(pts.assign(kommunenummer=[1, None, 3]), k)) == ["1804", "1833", "1833"]


def test_kommune_of_a_point_on_the_border_gets_one_kommune():
    k = _kommuner()
    pts = hm.points([{}], [hm.at(10)])  # on the shared edge: both polygons match, the first wins
    assert list(kommune_of(pts, k)) == ["1804"]


def test_kommune_names():
    assert kommune_names(_kommuner()) == {"1804": "Bodø", "1833": "Rana"}
    assert kommune_names(None) == {}
    assert kommune_names(_kommuner().drop(columns="kommunenavn")) == {}


def _sites(**kw):
    from arealsirk.suitability.constraints import Exclusions
    from arealsirk.workflows._common import site_layers

    # candidates (no id column) at 1, 2, 3, 4 km; a protected area 300 m north of the one at 4 km:
    # with a 500 m buffer (override of suitability.buffer_protected_m) it is removed, not without
    cand = hm.points([{}, {}, {}, {}], [hm.at(1), hm.square(2), hm.at(3), hm.at(4)])
    prot = hm.points([{}], [shapely.box(hm.X + 3900, hm.Y + 300, hm.X + 4100, hm.Y + 400)])
    existing = hm.points(
        [{"facility_type": "Biogas"}, {"facility_type": "incinerator"}, {"facility_type": "sorting"}],
        [hm.at(10), hm.at(11), hm.at(12)],
    )
    args = dict(existing_types=("biogas",), exclusions=Exclusions(protected=prot), crs=hm.CRS,
                parameters={"suitability.buffer_protected_m": 500.0}, what="plant")
    args.update(kw)
    return site_layers(cand, existing, **args)


def test_site_layers_ids_exclusions_and_left_out_existing():
    s = _sites()
    assert list(s.sites["id"]) == ["existing0", "cand0", "cand1", "cand2"]
    assert list(s.sites["existing"]) == [True, False, False, False]
    assert s.n_existing == 1
    assert [name for name, _ in s.parts] == ["existing", "candidates"]
    assert list(s.parts[1][1]["existing"]) == [False, False, False]
    assert s.sites.geometry.x.tolist() == [hm.X + 10_000.0, hm.X + 1000.0, hm.X + 2000.0, hm.X + 3000.0]
    assert list(s.excluded["candidate_id"]) == ["cand3"]
    assert [str(m) for m in s.messages] == [
        "1 candidate(s) removed by the protected areas rule: cand3",
        "2 existing facilities of other types (not biogas) were left out",
    ]


def test_site_layers_other_message_and_no_buffer():
    s = _sites(other_message="reuse.other_existing", parameters=None, existing_types=("biogas", "sorting"))
    assert list(s.sites["id"]) == ["existing0", "existing1", "cand0", "cand1", "cand2", "cand3"]
    assert s.messages[0].key == "reuse.other_existing"
    assert s.messages[0].params["n"] == 1
    assert s.excluded.empty


def test_site_layers_types_named_and_duplicate_ids():
    from arealsirk.errors import InputError
    from arealsirk.suitability.constraints import Exclusions
    from arealsirk.workflows._common import site_layers

    s = _sites(existing_types=("a", "b"))
    assert str(s.messages[-1]) == "3 existing facilities of other types (not a, b) were left out"
    assert s.n_existing == 0
    cand = hm.points([{"id": "x"}, {"id": "y"}], [hm.at(1), hm.at(2)])
    ex = hm.points([{"id": "y"}, {"id": "z"}], [hm.at(5), hm.at(6)])
    with pytest.raises(InputError, match="site id 'y' is used twice"):
        site_layers(cand, ex, existing_types=(), exclusions=Exclusions(), crs=hm.CRS, what="plant")
    far = hm.points([{}], [hm.at(4)])
    with pytest.raises(InputError, match=r"no candidate site left \(and no existing plant\)"):
        site_layers(far, None, existing_types=(), exclusions=hm.points([{}], [hm.square(4)]),
                    crs=hm.CRS, what="plant")


def test_layer_errors_name_the_layer():
    import networkx as nx

    from arealsirk.workflows._common import as_graph, clean_kommuner, site_layers

    line_layer = hm.points([{}], [shapely.LineString([(hm.X, hm.Y), (hm.X + 5, hm.Y)])])
    pt = hm.points([{}], [hm.at(1)])
    kw = dict(existing_types=(), exclusions=None, crs=hm.CRS, what="plant")
    with pytest.raises(Exception, match=r"^layer 'candidates': candidates must have point or polygon"):
        site_layers(line_layer, None, **kw)
    with pytest.raises(Exception, match=r"^layer 'existing': existing must have point or polygon geometries"):
        site_layers(pt, line_layer, **kw)
    with pytest.raises(Exception, match=r"^layer 'kommuner': kommuner must have polygon geometries"):
        clean_kommuner(pt.assign(kommunenummer=1))
    with pytest.raises(Exception, match=r"^column 'kommunenummer': missing column \(needed for kommuner\)"):
        clean_kommuner(hm.points([{}], [hm.square(1)]))
    assert clean_kommuner(None) is None
    with pytest.raises(Exception, match=r"^layer 'roads': roads must have line geometries"):
        as_graph(pt)
    with pytest.raises(Exception, match=r"^roads: a road line layer or a graph is needed$"):
        as_graph(None)
    with pytest.raises(Exception, match=r"^roads: the graph has no edges$"):
        as_graph(nx.MultiDiGraph())
    one = nx.MultiDiGraph()
    one.add_edge(0, 1, length=5.0)
    assert as_graph(one) is one  # a graph with one edge is used as it is


def test_road_km_unsnapped_points_are_inf_and_named(caplog):
    # a source 15 km north of the main road (across the sea, the island's land 2 km farther):
    # not snapped; a site 10 km north of the road at 20 km (no road within the 5 km snap limit)
    o = hm.points([{}, {}], [hm.at(3, north_km=15), hm.at(1)])
    t = hm.points([{}, {}], [hm.at(20, north_km=10), hm.at(4)])
    with caplog.at_level(logging.INFO, logger="arealsirk"):
        km = road_km_matrix(hm.graph(with_land=True), o, t, names=("sources", "sites"))
    assert np.isinf(km[0]).all()
    assert np.isinf(km[:, 0]).all()
    assert km[1, 1] == pytest.approx(3.0)
    assert any(m.startswith("layer 'sources': 1 of 2 feature(s)") for m in caplog.messages)
    assert any(m.startswith("layer 'sites': 1 of 2 feature(s)") for m in caplog.messages)


def test_option_checks_limits_under_its_name():
    from arealsirk.workflows._common import option

    assert option(None, "resources.road_detour_factor", "detour") == 1.3  # defaults.csv row
    assert option(2.0, "resources.road_detour_factor", "detour", minimum=1.0) == 2.0
    with pytest.raises(Exception, match="detour"):
        option(0.5, "resources.road_detour_factor", "detour", minimum=1.0)


def test_snap_parts_name_each_layer(caplog):
    from arealsirk.workflows._common import snap_parts

    far = hm.points([{}], [hm.at(20, north_km=10)])
    with caplog.at_level(logging.INFO, logger="arealsirk"):
        res = snap_parts(hm.graph(), [("existing", hm.points([{}], [hm.at(1)])), ("candidates", far)])
    assert len(res.nodes) == 2
    assert any(m.startswith("layer 'candidates': 1 of 1 feature(s)") for m in caplog.messages)
