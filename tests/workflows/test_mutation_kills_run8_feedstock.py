"""Run-8 mutation kills for ``workflows/_feedstock_costs.py`` (the sparse cost phase, issue 19).

The instance is the hand-made straight road of :mod:`tests.workflows.handmade` (a node every
kilometre at 60 km/h, so road km = road minutes = the difference of the kilometre marks) and its
island road.  Every expected figure is worked out by hand here: road km ``|a - b|`` plus the two
access distances, minutes ``|a - b|`` plus the access metres at the snap speed of the defaults table;
a pair is allowed when its km is at most the source's haul limit; the island's points only reach each
other.  The code under test is never asked for its own expected values.
"""

from __future__ import annotations

import numpy as np
import pytest

from arealsirk.defaults import default
from arealsirk.progress import Progress
from arealsirk.workflows import _feedstock_costs as fc
from arealsirk.workflows._common import snap_layer

from . import handmade as h

# sources: (km mark, metres north of the main road, haul limit km); the node is the nearest km mark
# (the island road is 20 km north: its own part)
SOURCES = [
    (0.0, 300.0, 10.0),     # s0: node 0, 300 m access
    (6.0, 0.0, 4.2),        # s1: node 6; to B exactly 4 + 0.2 = 4.2 km: at its limit, kept
    (12.0, -400.0, 20.0),   # s2: node 12, 400 m access (south)
    (2.0, 20_000.0, 30.0),  # s3: the island (node at its 2 km mark)
    (20.0, -9_000.0, 5.0),  # s4: outside the network's extent: not snapped, no pair
    (6.0, 100.0, 3.2),      # s5: node 6 again (a node shared with s1); to A 3 + 0.1 = 3.1 km
    (13.0, 0.0, 11.0),      # s6: node 13; to C exactly 11 km of road: at its limit, kept
    (3.0, 0.0, 10.0),       # s7: on A's node: an explicit 0 km pair
]
# sites: (km mark, metres north, island?)
SITES = [(3.0, 0.0), (10.0, -200.0), (24.0, 0.0), (4.0, 20_000.0)]   # A, B, C, D (D on the island)
ISLAND_Y = 20_000.0


def _snap():
    g = h.graph(island=True)
    src = h.points([{"id": f"s{i}"} for i in range(len(SOURCES))],
                   [h.at(a, north_km=n / 1000.0) for a, n, _ in SOURCES])
    sites = h.points([{"id": s} for s in "ABCD"], [h.at(a, north_km=n / 1000.0) for a, n in SITES])
    return g, snap_layer(g, src, name="sources"), snap_layer(g, sites, name="candidates")


def _hand():
    """(allowed mask, km, minutes) source x site by hand."""
    kph = float(default("network.snap_speed_kph"))
    n, m = len(SOURCES), len(SITES)
    km = np.full((n, m), np.inf)
    minutes = np.full((n, m), np.inf)
    for i, (a, north, _) in enumerate(SOURCES):
        if abs(north) > 5_000 and north < 0:          # s4: outside the extent
            continue
        island = north >= ISLAND_Y
        node_a = round(a)
        acc_a = 0.0 if island else abs(north)
        for j, (b, north_b) in enumerate(SITES):
            if (north_b >= ISLAND_Y) != island:
                continue
            acc_b = 0.0 if north_b >= ISLAND_Y else abs(north_b)
            road = abs(node_a - round(b))
            km[i, j] = road + (acc_a + acc_b) / 1000.0
            minutes[i, j] = road + (acc_a + acc_b) / 1000.0 / kph * 60.0
    lim = np.array([s[2] for s in SOURCES])
    return km <= lim[:, None], km, minutes, lim


def _pairs(m):
    coo = m.tocoo()
    return sorted(zip(coo.row.tolist(), coo.col.tolist(), strict=True))


def test_hand_instance_is_what_the_comments_say():
    _, ss, ts = _snap()
    assert list(ss.snapped) == [True, True, True, True, False, True, True, True]
    assert ss.nodes[1] == ss.nodes[5] and ss.nodes[7] == ts.nodes[0]
    assert list(ss.distance[[0, 1, 2, 5, 6, 7]]) == pytest.approx([300.0, 0.0, 400.0, 100.0, 0.0, 0.0])
    assert list(ts.distance) == pytest.approx([0.0, 200.0, 0.0, 0.0])
    assert ss.part[3] == ts.part[3] != ts.part[0]
    _, km, _, lim = _hand()
    assert km[1, 1] == 4.2 == lim[1] and km[6, 2] == 11.0 == lim[6] and km[7, 0] == 0.0


@pytest.mark.parametrize("cells", [fc._BLOCK_CELLS, 1, 2, 3, 5])
def test_pair_costs_are_the_hand_figures(monkeypatch, cells):
    """Exactly the pairs within each source's limit (the two at their limit kept, s4 none), their
    hand km and minutes, in canonical CSR order with the same pattern for both, whatever the block
    width of the minutes query."""
    monkeypatch.setattr(fc, "_BLOCK_CELLS", cells)
    g, ss, ts = _snap()
    allowed, km, minutes, lim = _hand()
    pc = fc.pair_costs(g, ss, ts, lim, progress=Progress(None))
    assert pc.shape == (8, 4) == pc.km.shape == pc.minutes.shape
    want = sorted(zip(*[a.tolist() for a in np.nonzero(allowed)], strict=True))
    assert _pairs(pc.km) == want == _pairs(pc.minutes)
    assert pc.km.nnz == len(want) == pc.minutes.nnz          # the explicit 0 of s7 -> A is stored
    for mat in (pc.km, pc.minutes):
        assert mat.has_canonical_format
        assert mat.indices.dtype == np.int64 or mat.indices.dtype == np.int32
    r, c = np.nonzero(allowed)
    # csr data in row-major order: the hand values in the order of np.nonzero
    np.testing.assert_allclose(pc.km.data, km[r, c], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(pc.minutes.data, minutes[r, c], rtol=1e-12, atol=1e-12)
    assert pc.km[7, 0] == 0.0 and pc.minutes[7, 0] == 0.0


def test_lookup_returns_the_hand_figures_in_the_order_asked():
    g, ss, ts = _snap()
    allowed, km, minutes, lim = _hand()
    pc = fc.pair_costs(g, ss, ts, lim, progress=Progress(None))
    rows = np.array([6, 0, 3, 1, 2, 7, 1])
    cols = np.array([2, 0, 3, 1, 1, 0, 0])
    assert allowed[rows, cols].all()
    got_km, got_min = pc.lookup(rows, cols)
    np.testing.assert_allclose(got_km, km[rows, cols], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got_min, minutes[rows, cols], rtol=1e-12, atol=1e-12)
    # lists work as well as arrays; nothing asked, nothing returned
    k2, _ = pc.lookup([6], [2])
    assert list(k2) == [11.0]
    k0, m0 = pc.lookup(np.zeros(0, int), np.zeros(0, int))
    assert k0.size == 0 and m0.size == 0


@pytest.mark.parametrize("pair", [(0, 1), (4, 0), (3, 0), (7, 3), (6, 3)])
def test_lookup_of_a_pair_beyond_its_limit_is_refused(pair):
    """(0, 1) lies between stored pairs, (7, 3) and (6, 3) after the last stored key of the matrix."""
    g, ss, ts = _snap()
    allowed, _, _, lim = _hand()
    assert not allowed[pair]
    pc = fc.pair_costs(g, ss, ts, lim, progress=Progress(None))
    with pytest.raises(ValueError, match=r"^a pair that is not within its haul limit was asked for$"):
        pc.lookup(np.array([0, pair[0]]), np.array([0, pair[1]]))


def test_positions_on_a_matrix_with_more_columns_than_rows():
    """The key ``row * columns + column`` must use the number of columns: on a 2 x 5 matrix with
    entries (0, 4) and (1, 0), keys 4 and 5."""
    import scipy.sparse as sp

    m = sp.csr_matrix((np.array([7.0, 9.0]), np.array([4, 0]), np.array([0, 1, 2])), shape=(2, 5))
    assert list(fc._positions(m, np.array([1, 0]), np.array([0, 4]))) == [1, 0]
    with pytest.raises(ValueError):
        fc._positions(m, np.array([0]), np.array([0]))
    with pytest.raises(ValueError):
        fc._positions(m, np.array([1]), np.array([4]))


def test_supply_within_and_any_within_by_hand():
    g, ss, ts = _snap()
    allowed, _, _, lim = _hand()
    pc = fc.pair_costs(g, ss, ts, lim, progress=Progress(None))
    q = np.array([1.0, 10.0, 100.0, 1000.0, 10_000.0, 0.5, 0.25, 0.125])
    # A: s0 (3.3 km), s1 (3), s2 (9.4), s5 (3.1), s6 (10), s7 (0); D: the island source only
    want = (q[:, None] * allowed).sum(axis=0)
    assert want[3] == 1000.0                                   # only the island source reaches D
    np.testing.assert_allclose(pc.supply_within(q), want, rtol=1e-15)
    assert pc.supply_within(q).shape == (4,)
    for cols in ([0], [1], [2], [3], [0, 1, 2, 3], [2, 3], [1, 2]):
        assert list(pc.any_within(np.array(cols))) == list(allowed[:, cols].any(axis=1))
    assert list(pc.any_within([3])) == [False, False, False, True, False, False, False, False]


def test_supply_within_keeps_a_site_nobody_reaches():
    """A last site beyond every limit still gets its 0 (``minlength``)."""
    g, ss, ts = _snap()
    _, _, _, lim = _hand()
    lim = lim.copy()
    lim[3] = 1.0                                                # the island source no longer reaches D
    pc = fc.pair_costs(g, ss, ts, lim, progress=Progress(None))
    got = pc.supply_within(np.ones(8))
    assert got.shape == (4,)
    assert got[3] == 0.0 and got[0] == 6.0                     # s0, s1, s2, s5, s6, s7


def test_on_open_part_by_hand():
    """Sources with an open site on their road part; the unsnapped s4 never; an unsnapped open site
    (part -1) gives no source a part."""
    g, ss, ts = _snap()
    main = [True, True, True, False, False, True, True, True]
    island = [False, False, False, True, False, False, False, False]
    assert list(fc.on_open_part(ss, ts, np.array([0]))) == main
    assert list(fc.on_open_part(ss, ts, np.array([3]))) == island
    assert list(fc.on_open_part(ss, ts, [2, 3])) == [a or b for a, b in zip(main, island, strict=True)]
    assert list(fc.on_open_part(ss, ts, np.zeros(0, int))) == [False] * 8
    # a site outside the extent (part -1, not snapped) opens no part, not even for the unsnapped s4
    far = h.points([{"id": "E"}, {"id": "F"}], [h.at(15.0, north_km=-9.0), h.at(5.0)])
    from arealsirk.network import SnapResult

    ts2 = SnapResult.concat([ts, snap_layer(g, far, name="candidates")])
    assert ts2.part[4] == -1 and ss.part[4] == -1
    assert list(fc.on_open_part(ss, ts2, np.array([4]))) == [False] * 8


def test_distinct_keeps_first_seen_order():
    ids, inv = fc._distinct(np.array(["c", "a", "c", "b", "a"], dtype=object))
    assert ids == ["c", "a", "b"]
    assert inv.dtype == np.int64 and list(inv) == [0, 1, 0, 2, 1]
    ids, inv = fc._distinct(np.array([], dtype=object))
    assert ids == [] and inv.size == 0


def test_no_pair_gives_empty_matrices_of_the_full_shape():
    """Limits below every pair (but s7's explicit 0 km pair): only (7, 0) is stored."""
    g, ss, ts = _snap()
    pc = fc.pair_costs(g, ss, ts, np.full(8, 0.05), progress=Progress(None))
    assert pc.shape == (8, 4)
    assert _pairs(pc.km) == [(7, 0)] == _pairs(pc.minutes)
    # no snapped source at all: nothing to query
    # (10 km from both roads, inside the extent: far from road)
    ss_none = snap_layer(g, h.points([{"id": "x"}], [h.at(15.0, north_km=10.0)]), name="sources")
    assert not ss_none.snapped.any()
    pc = fc.pair_costs(g, ss_none, ts, np.array([100.0]), progress=Progress(None))
    assert pc.shape == (1, 4) and pc.km.nnz == 0 and pc.minutes.nnz == 0
    assert pc.supply_within(np.array([5.0])).tolist() == [0.0, 0.0, 0.0, 0.0]


def test_progress_of_the_two_phases():
    """The km phase reports in [0, 0.6] (one sub-range per distinct limit, in order), the minutes
    phase in [0.6, 1]: one message per block of sites, then "done" at 1.0."""
    g, ss, ts = _snap()
    _, _, _, lim = _hand()
    seen: list[tuple[float, str]] = []
    fc.pair_costs(g, ss, ts, lim, progress=Progress(lambda f, msg: seen.append((f, msg))))
    fr = [f for f, _ in seen]
    assert fr == sorted(fr) and fr[0] >= 0.0 and fr[-1] == 1.0
    assert seen[-1] == (1.0, "road minutes of the pairs done")
    minutes_msgs = [(f, msg) for f, msg in seen if msg.startswith("road minutes of the pairs: ")]
    assert minutes_msgs == [(pytest.approx(0.6), "road minutes of the pairs: sites 0/4")]
    km_phase = [f for f, msg in seen if not msg.startswith("road minutes")]
    assert km_phase and max(km_phase) == pytest.approx(0.6) and min(km_phase) == 0.0
    # six distinct limits among the snapped sources (10, 4.2, 20, 30, 3.2, 11): each limit's query
    # reports "done" at the end of its sixth of [0, 0.6]
    limits = np.unique(lim[[0, 1, 2, 3, 5, 6, 7]])
    assert limits.size == 6
    ends = [f for f, msg in seen if msg == "sparse cost matrix done"]
    assert ends == pytest.approx([0.6 * (k + 1) / 6 for k in range(6)])


def test_progress_per_block_of_the_minutes_query(monkeypatch):
    """Blocks of sites: the width is the block cells over the distinct source nodes of all pairs
    (6 here: nodes 0, 6, 12, island 2, 13, 3), so 12 cells make blocks of 2 sites."""
    monkeypatch.setattr(fc, "_BLOCK_CELLS", 12)
    g, ss, ts = _snap()
    _, _, _, lim = _hand()
    seen: list[tuple[float, str]] = []
    fc.pair_costs(g, ss, ts, lim, progress=Progress(lambda f, msg: seen.append((f, msg))))
    minutes_msgs = [(f, msg) for f, msg in seen if msg.startswith("road minutes of the pairs")]
    assert minutes_msgs == [(pytest.approx(0.6), "road minutes of the pairs: sites 0/4"),
                            (pytest.approx(0.8), "road minutes of the pairs: sites 2/4"),
                            (1.0, "road minutes of the pairs done")]


def test_minutes_blocks_of_one_site_when_the_cells_are_fewer_than_the_nodes(monkeypatch):
    """5 cells over 6 distinct source nodes: 5 // 6 = 0, so blocks of one site (at least one)."""
    monkeypatch.setattr(fc, "_BLOCK_CELLS", 5)
    g, ss, ts = _snap()
    allowed, _, minutes, lim = _hand()
    seen: list[tuple[float, str]] = []
    pc = fc.pair_costs(g, ss, ts, lim, progress=Progress(lambda f, msg: seen.append((f, msg))))
    msgs = [(f, msg) for f, msg in seen if msg.startswith("road minutes of the pairs")]
    want = [(pytest.approx(0.6 + 0.1 * k), f"road minutes of the pairs: sites {k}/4") for k in range(4)]
    assert msgs == [*want, (1.0, "road minutes of the pairs done")]
    r, c = np.nonzero(allowed)
    np.testing.assert_allclose(pc.minutes.data, minutes[r, c], rtol=1e-12, atol=1e-12)


def test_minutes_blocks_from_a_single_source_node(monkeypatch):
    """One source (node 6, limit 30: sites A, B, C): two cells over one node make blocks of two
    sites -- "0/3" then "2/3"."""
    monkeypatch.setattr(fc, "_BLOCK_CELLS", 2)
    g, _, ts = _snap()
    one = snap_layer(g, h.points([{"id": "s"}], [h.at(6.0)]), name="sources")
    seen: list[tuple[float, str]] = []
    pc = fc.pair_costs(g, one, ts, np.array([30.0]), progress=Progress(lambda f, msg: seen.append((f, msg))))
    msgs = [msg for _, msg in seen if msg.startswith("road minutes of the pairs")]
    assert msgs == ["road minutes of the pairs: sites 0/3", "road minutes of the pairs: sites 2/3",
                    "road minutes of the pairs done"]
    kph = float(default("network.snap_speed_kph"))
    assert pc.minutes.toarray()[0, :3] == pytest.approx([3.0, 4.0 + 0.2 / kph * 60.0, 18.0])
    assert pc.km.toarray()[0, :3] == pytest.approx([3.0, 4.2, 18.0])


def test_empty_index_lists_are_accepted():
    """An empty Python list of open sites or columns selects nothing (not a float index array)."""
    g, ss, ts = _snap()
    _, _, _, lim = _hand()
    pc = fc.pair_costs(g, ss, ts, lim, progress=Progress(None))
    assert list(fc.on_open_part(ss, ts, [])) == [False] * 8
    assert list(pc.any_within([])) == [False] * 8
