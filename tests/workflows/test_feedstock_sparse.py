"""The feedstock workflows on sparse, cutoff-bounded cost data (issue 19).

``site_feedstock`` (biogas, bioenergy, textiles) computes road km only for the (source, site) pairs
within each source's haul limit and minutes only for those pairs
(``workflows/_feedstock_costs.py``).  The expected values here come from independent computations:

* hand figures on a straight road with an island (:mod:`tests.workflows.handmade`), with and
  without a car ferry, and a brute force over every open set with a transportation LP
  (``scipy.optimize.linprog``) for the optimum;
* the dense matrices of main's cost phase (``_common.od_snapped``: every source x every site, the
  code this replaces, unchanged) on the embedded demo and on the coastal Rana + Hemnes bundle of
  ``../shared/data``, and the model solved on them as a dense matrix.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from arealsirk.workflows import _feedstock_costs as costs_module
from arealsirk.workflows import site_biogas

from . import handmade as h

FERRY_KPH, FERRY_WAIT_MIN = 15.0, 15.0  # defaults.csv network.ferry_speed_kph, network.ferry_wait_min


# --- hand figures: a straight road, an island, a car ferry --------------------------------------


def _coast(*, ferry: bool):
    """The handmade road and island (land known, so the sea is not crossed by snapping); with
    ``ferry`` a car ferry joins the island road's west end (x 0, 20 km north) to the main road's
    (x 0): 20 km at the ferry speed plus one wait."""
    from arealsirk.network import graph_from_roads

    roads = h.roads()
    roads["typeVeg"] = "enkelBilveg"
    if ferry:
        link = gpd.GeoDataFrame({"speed_kph": [60.0], "typeVeg": ["bilferje"]},
                                geometry=[shapely.LineString([(h.X, h.Y), (h.X, h.Y + 20_000.0)])], crs=h.CRS)
        roads = gpd.GeoDataFrame(pd.concat([roads, link], ignore_index=True), crs=h.CRS)
    return graph_from_roads(roads, keep="all", land=h.land())


SRC = [("a", 40.0, 0.0, 0.0), ("b", 30.0, 6.0, 0.0), ("c", 50.0, 25.0, 0.0), ("isl", 20.0, 2.0, 20.0)]
SITES = [("A", 3.0), ("B", 24.0)]


def _sources():
    return h.points([{"id": i, "kind": "food_waste", "quantity": q} for i, q, _, _ in SRC],
                    [h.at(a, north_km=n) for _, _, a, n in SRC])


def _sites():
    return h.points([{"id": s} for s, _ in SITES], [h.at(a) for _, a in SITES])


def _hand_km(ferry: bool) -> np.ndarray:
    """Road km source x site by hand: |a - b| along the main road; the island source goes 2 km
    west, 20 km by ferry, then along the main road (inf without the ferry)."""
    d = np.empty((len(SRC), len(SITES)))
    for i, (_, _, a, north) in enumerate(SRC):
        for j, (_, b) in enumerate(SITES):
            d[i, j] = abs(a - b) if north == 0 else (a + 20.0 + b if ferry else np.inf)
    return d


def _brute_force(d: np.ndarray, q: np.ndarray, lim: float, cap: float, f: float, pi: float) -> float:
    """The optimum of the module's model over every open set: fixed costs plus a transportation LP
    (serve within ``lim``, capacity ``cap`` per plant, ``pi`` km per tonne left)."""
    from scipy.optimize import linprog

    n, m = d.shape
    best = np.inf
    for k in range(m + 1):
        for open_set in itertools.combinations(range(m), k):
            pairs = [(i, j) for i in range(n) for j in open_set if d[i, j] <= lim]
            nv = len(pairs) + n                                # x_ij of the pairs, then u_i (left)
            cost = np.r_[[q[i] * d[i, j] for i, j in pairs], pi * q]
            a_eq = np.zeros((n, nv))
            for v, (i, _) in enumerate(pairs):
                a_eq[i, v] = 1.0
            a_eq[np.arange(n), len(pairs) + np.arange(n)] = 1.0
            a_ub = np.zeros((max(len(open_set), 1), nv))
            for v, (i, j) in enumerate(pairs):
                a_ub[open_set.index(j), v] = q[i]
            res = linprog(cost, A_ub=a_ub, b_ub=np.full(len(a_ub), cap), A_eq=a_eq, b_eq=np.ones(n),
                          bounds=(0, None), method="highs")
            assert res.status == 0
            best = min(best, f * len(open_set) + res.fun)
    return best


@pytest.mark.parametrize("ferry", [False, True])
def test_island_with_and_without_a_ferry_by_hand(ferry) -> None:
    """Without the ferry the island's 20 t have no plant on their road part:
    ``unreachable_no_site_on_part`` (not ``beyond_max_km``), left at pi = 3 x 30 km per tonne; with
    the ferry they are routed: 2 + 20 + 3 = 25 km to A in 2 + 3 road minutes (60 km/h) plus 20 km at
    15 km/h and a 15 min wait = 100 min."""
    r = site_biogas(_sources(), _sites(), _coast(ferry=ferry), max_km=30, min_plant_t=0,
                    parameters={"biogas.plant_fixed_tkm": 50})
    status = r.layers["source_status"].set_index("id")["balance"]
    alloc = r.layers["allocation"].set_index("source_id")
    assert list(alloc.loc[["a", "b", "c"], "site_id"]) == ["A", "A", "B"]
    assert list(alloc.loc[["a", "b", "c"], "distance_km"]) == pytest.approx([3.0, 3.0, 1.0], abs=1e-9)
    assert list(alloc.loc[["a", "b", "c"], "travel_min"]) == pytest.approx([3.0, 3.0, 1.0], abs=1e-9)
    tkm = 40 * 3 + 30 * 3 + 50 * 1
    if ferry:
        assert status["isl"] == "collected"
        assert alloc.loc["isl", "site_id"] == "A"
        assert alloc.loc["isl", "distance_km"] == pytest.approx(25.0, abs=1e-9)
        assert alloc.loc["isl", "travel_min"] == pytest.approx(5.0 + 20.0 / FERRY_KPH * 60 + FERRY_WAIT_MIN)
        assert r.summary["objective"] == pytest.approx(tkm + 20 * 25)
    else:
        assert status["isl"] == "unreachable_no_site_on_part"
        assert "isl" not in alloc.index
        assert r.summary["objective"] == pytest.approx(tkm + 20 * 3 * 30)
    bal = r.tables["balance"].groupby("category")["quantity"].sum()
    assert bal.sum() == pytest.approx(140.0)


def test_island_beyond_the_limit_is_not_unreachable() -> None:
    """With the ferry the island is on the plants' road part, 25 km away: with max_km = 20 its
    tonnes are ``beyond_max_km`` (the sparse data hold no pair for it, the parts tell the two apart)."""
    r = site_biogas(_sources(), _sites(), _coast(ferry=True), max_km=20, min_plant_t=0,
                    parameters={"biogas.plant_fixed_tkm": 50})
    assert r.layers["source_status"].set_index("id")["balance"]["isl"] == "beyond_max_km"


@pytest.mark.parametrize("ferry,cap,lim", [(False, 60_000, 30), (True, 60, 30), (True, 100, 23),
                                           (True, 60, 10)])
def test_optimum_equals_brute_force(ferry, cap, lim) -> None:
    """Objective = the brute-force optimum over every open set (fixed cost 50 tonne-km per plant,
    pi = 3 x max_km), with capacities that bind (60 t: a and b do not both fit at A)."""
    q = np.array([s[1] for s in SRC])
    r = site_biogas(_sources(), _sites(), _coast(ferry=ferry), max_km=lim, min_plant_t=0, capacity_t=cap,
                    parameters={"biogas.plant_fixed_tkm": 50}, exact=True)
    best = _brute_force(_hand_km(ferry), q, lim, cap, 50.0, 3.0 * lim)
    fixed = 50.0 * r.summary["sites_new"]
    assert r.summary["objective"] + fixed == pytest.approx(best, rel=1e-9)
    assert r.tables["balance"]["quantity"].sum() == pytest.approx(q.sum())


# --- the cost phase against main's dense matrices -----------------------------------------------


def _dense(graph, src_snap, site_snap):
    """Main's dense cost phase (every source x every site; ``_common.od_snapped``, unchanged)."""
    from arealsirk.workflows._common import od_snapped

    return (od_snapped(graph, src_snap, site_snap, weight="length") / 1000.0,
            od_snapped(graph, src_snap, site_snap, weight="travel_time") / 60.0)


def _check_pair_costs(graph, src, sites, lim, q) -> None:
    """``pair_costs`` holds exactly the dense pairs within the limit, with the dense km and minutes;
    tonnes within reach per site, "within" and "on part" per source as the dense rules say."""
    from arealsirk.progress import Progress
    from arealsirk.workflows._common import snap_layer

    src_snap = snap_layer(graph, src, name="sources")
    site_snap = snap_layer(graph, sites, name="candidates")
    km_d, min_d = _dense(graph, src_snap, site_snap)
    pc = costs_module.pair_costs(graph, src_snap, site_snap, lim, progress=Progress(None))
    allowed = km_d <= lim[:, None]
    assert allowed.any() and not allowed.all()
    coo = pc.km.tocoo()
    assert sorted(zip(coo.row.tolist(), coo.col.tolist(), strict=True)) == \
        sorted(zip(*[a.tolist() for a in np.nonzero(allowed)], strict=True))
    km, minutes = pc.lookup(*np.nonzero(allowed))
    np.testing.assert_allclose(km, km_d[allowed], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(minutes, min_d[allowed], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(pc.supply_within(q), (q[:, None] * allowed).sum(axis=0), rtol=1e-12)
    m = km_d.shape[1]
    for cols in [np.arange(m), *[np.array([j]) for j in range(m)], np.arange(0, m, 3)]:
        assert (pc.any_within(cols) == allowed[:, cols].any(axis=1)).all()
        assert (costs_module.on_open_part(src_snap, site_snap, cols) == np.isfinite(km_d[:, cols]).any(axis=1)
                ).all()


def test_demo_pair_costs_equal_the_dense_matrices(demo, demo_graph, monkeypatch) -> None:
    """The demo's sources (15 km for manure, 100 km for food waste and sludge) against its zones, with
    blocks of a few cells so that the minutes come from many blocks."""
    from arealsirk.workflows import haul_limits
    from arealsirk.workflows._common import points_of
    from arealsirk.workflows.biogas import BIOGAS

    monkeypatch.setattr(costs_module, "_BLOCK_CELLS", 50)
    src = points_of(demo.sources.reset_index(drop=True))
    kinds = src["kind"].astype(str).str.lower().to_numpy()
    lim, _, _ = haul_limits(BIOGAS, kinds, None, {})
    assert len(set(lim)) >= 2
    _check_pair_costs(demo_graph, src, points_of(demo.zones), lim, src["quantity"].to_numpy(float))
    # a limit per source that cuts inside the pairs of one site
    _check_pair_costs(demo_graph, src, points_of(demo.zones), np.linspace(2.0, 25.0, len(src)),
                      src["quantity"].to_numpy(float))


def test_no_dense_matrix_on_the_demo(demo, demo_graph, demo_exclusions, monkeypatch) -> None:
    """The demo run with count 3 and existing plants: no od_snapped (the dense path), every minutes
    query a block of sites only, the solver gets a sparse cost matrix; the result is the one of the
    default blocks."""
    import scipy.sparse as sp

    import arealsirk.locate as locate
    import arealsirk.network.proximity as prox
    from arealsirk.workflows import _common

    def run():
        return site_biogas(demo.sources, demo.zones, demo_graph, count=3, existing=demo.existing,
                           kommuner=demo.kommuner, exclusions=demo_exclusions)

    ref = run()
    n_src = len(ref.layers["source_status"])
    shapes: list[tuple[int, int]] = []
    real_od, real_fl = prox.od_matrix, locate.facility_location

    def od_spy(graph, sources, targets, **kw):
        shapes.append((len(sources), len(targets)))
        return real_od(graph, sources, targets, **kw)

    def fl_spy(cost, *args, **kw):
        assert sp.issparse(cost), "the capacitated model got a dense cost matrix"
        return real_fl(cost, *args, **kw)

    def no_dense(*args, **kw):
        raise AssertionError("the dense sources x sites matrix was requested")

    monkeypatch.setattr(_common, "od_snapped", no_dense)
    monkeypatch.setattr(prox, "od_matrix", od_spy)
    monkeypatch.setattr(locate, "facility_location", fl_spy)
    monkeypatch.setattr(costs_module, "_BLOCK_CELLS", 100)
    got = run()
    n_sites = len(demo.zones) + 1          # the zones and the demo's one biogas plant
    assert len(shapes) >= 2
    assert all(t < n_sites and s * t < n_src * n_sites for s, t in shapes)
    assert all(s * t <= 100 or t == 1 for s, t in shapes)  # the cell budget of a block (one site at least)
    pd.testing.assert_frame_equal(got.layers["allocation"].drop(columns="geometry"),
                                  ref.layers["allocation"].drop(columns="geometry"))
    pd.testing.assert_frame_equal(got.tables["balance"], ref.tables["balance"])
    assert got.summary["objective"] == ref.summary["objective"]


def test_progress_moves_during_the_sparse_costs(demo, demo_graph, monkeypatch) -> None:
    """The cost phase (0.15-0.25 of the run) reports the sparse OD of each haul limit and each block
    of the minutes, at rising fractions."""
    monkeypatch.setattr(costs_module, "_BLOCK_CELLS", 50)
    seen: list[tuple[float, str]] = []
    site_biogas(demo.sources, demo.zones, demo_graph, progress=lambda f, msg: seen.append((f, msg)))
    phase = [(f, msg) for f, msg in seen if 0.15 < f < 0.25]
    fractions = [f for f, _ in phase]
    assert fractions == sorted(fractions) and len(set(fractions)) >= 4
    assert any(msg.startswith("shortest paths") for _, msg in phase)
    assert any(msg.startswith("road minutes of the pairs") for _, msg in phase)


# --- a coastal region: Rana + Hemnes (N1000 roads, sea, SSB 1 km cells) -------------------------


@pytest.fixture(scope="module")
def rana(shared_data):
    """Sources placed by a fixed rule on the SSB 1 km cells of Rana and Hemnes: cattle manure in the
    cells with 1-50 people (30 t per person), food waste in those with >= 300 (0.05 t per person);
    candidates at the cells with >= 200 people; N1000 roads with every part kept and the sea known,
    so some cells are across water and some on road parts without a candidate."""
    from arealsirk.network import graph_from_roads

    path = shared_data / "rana_hemnes" / "rana_hemnes.gpkg"
    lay = {n: gpd.read_file(path, layer=n)
           for n in ("kommuner", "region", "n1000_veg", "n1000_havflate", "ssb_befolkning_1km_2015")}
    region = lay["region"].union_all()
    pop = lay["ssb_befolkning_1km_2015"]
    pop = pop[pop.centroid.within(region)].reset_index(drop=True)

    def layer(cells, kind, per_person, prefix):
        return gpd.GeoDataFrame({"id": prefix + cells["ssbid_1000m"].astype(str), "kind": kind,
                                 "quantity": per_person * cells["pop_tot"], "unit": "t/yr"},
                                geometry=cells.centroid.to_numpy(), crs=pop.crs)

    src = pd.concat([layer(pop[(pop.pop_tot >= 1) & (pop.pop_tot <= 50)], "cattle_manure", 30.0, "farm"),
                     layer(pop[pop.pop_tot >= 300], "food_waste", 0.05, "food")], ignore_index=True)
    cells = pop[pop.pop_tot >= 200]
    cand = gpd.GeoDataFrame({"id": "c" + cells["ssbid_1000m"].astype(str)},
                            geometry=cells.centroid.to_numpy(), crs=pop.crs)
    land = shapely.difference(region.buffer(10_000), lay["n1000_havflate"].union_all())
    graph = graph_from_roads(lay["n1000_veg"], land=land, keep="all")
    return {"src": src, "cand": cand, "graph": graph, "kommuner": lay["kommuner"]}


def test_rana_pair_costs_equal_the_dense_matrices(rana) -> None:
    from arealsirk.workflows import haul_limits
    from arealsirk.workflows.biogas import BIOGAS

    src = rana["src"]
    lim, _, _ = haul_limits(BIOGAS, src["kind"].to_numpy(), None, {})
    _check_pair_costs(rana["graph"], src, rana["cand"], lim, src["quantity"].to_numpy(float))


def test_rana_biogas_equals_the_dense_model(rana) -> None:
    """The workflow's answer equals the model built from main's dense matrices and solved as a dense
    matrix: objective, open sites, every flow with its km and minutes, and each source's balance
    category from the dense rule (finite km to an open plant = on its part, km <= limit = within)."""
    from arealsirk.defaults import default
    from arealsirk.locate import facility_location
    from arealsirk.workflows import haul_limits
    from arealsirk.workflows._balance import reason_category, snap_reasons
    from arealsirk.workflows._common import snap_layer
    from arealsirk.workflows.biogas import BIOGAS

    min_t = 500.0
    r = site_biogas(rana["src"], rana["cand"], rana["graph"], kommuner=rana["kommuner"], min_plant_t=min_t)
    status = r.layers["source_status"]
    src = rana["src"].set_index("id").loc[status["id"]].reset_index()   # the sources the run kept
    assert len(src) == len(rana["src"])
    q = src["quantity"].to_numpy(float)
    lim, _, _ = haul_limits(BIOGAS, src["kind"].to_numpy(), None, {})
    src_snap = snap_layer(rana["graph"], src, name="sources")
    site_snap = snap_layer(rana["graph"], rana["cand"], name="candidates")
    km, minutes = _dense(rana["graph"], src_snap, site_snap)
    allowed = km <= lim[:, None]
    viable = np.flatnonzero((q[:, None] * allowed).sum(axis=0) >= min_t)
    pi = default("biogas.uncollected_penalty_factor") * lim.max()
    cost = np.column_stack([np.where(allowed[:, viable], km[:, viable], np.inf), np.full(len(q), pi)])
    f = np.r_[np.full(viable.size, default("biogas.plant_fixed_tkm")), 0.0]
    ref = facility_location(cost, q, np.r_[np.full(viable.size, default("biogas.capacity_t")), np.inf], f,
                            min_load=np.r_[np.full(viable.size, min_t), 0.0], fixed=[viable.size])
    opened = viable[[j for j in ref.facilities if j < viable.size]]
    ids = rana["cand"]["id"].to_numpy()
    assert sorted(r.layers["selected_sites"]["id"]) == sorted(ids[opened])
    assert r.summary["objective"] + default("biogas.plant_fixed_tkm") * len(opened) == \
        pytest.approx(ref.objective, rel=1e-9)
    # every flow, with the dense km and minutes of its pair
    flows = ref.flows.tocoo()
    keep = (flows.col < viable.size) & (flows.data > 1e-9)
    exp = pd.DataFrame({"source_id": src["id"].to_numpy()[flows.row[keep]],
                        "site_id": ids[viable[flows.col[keep]]], "quantity": flows.data[keep],
                        "distance_km": km[flows.row[keep], viable[flows.col[keep]]],
                        "travel_min": minutes[flows.row[keep], viable[flows.col[keep]]]})
    got = r.layers["allocation"][list(exp.columns)]
    key = ["source_id", "site_id"]
    pd.testing.assert_frame_equal(got.sort_values(key).reset_index(drop=True),
                                  exp.sort_values(key).reset_index(drop=True), rtol=1e-9)
    # balance categories by the dense rule
    collected = np.bincount(flows.row[keep], weights=flows.data[keep], minlength=len(q))
    full = np.abs(q - collected) <= 1e-9 * np.maximum(q, 1.0)
    k_open = km[:, opened]
    cat = np.where((k_open <= lim[:, None]).any(axis=1), "capacity_full",
                   np.where(np.isfinite(k_open).any(axis=1), "beyond_max_km", "unreachable_no_site_on_part"))
    reasons = snap_reasons(src_snap)
    cat = np.array([reason_category(w) if w else c for c, w in zip(cat, reasons, strict=True)], dtype=object)
    expected = np.where(full, "collected", cat)
    assert (status["balance"].to_numpy() == expected).all()
    # the case this bundle is here for: all four outcomes occur
    outcomes = {"collected", "beyond_max_km", "unreachable_no_site_on_part", "unreachable_across_water"}
    assert outcomes <= set(expected)
