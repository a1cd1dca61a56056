"""Benchmarks for arealsirk.workflows: the symbiosis LP against networkx's network simplex,
and the end-to-end workflows on the demo region and on real data (Ringerike + Hadeland).

Run:  .venv/bin/python benchmarks/bench_workflows.py

Prints objective equality and time ratios for the symbiosis transport problem (HiGHS via
scipy.optimize.linprog vs networkx.max_flow_min_cost / network simplex on the same arcs), and wall time
and peak memory for each workflow.  Not a timed test; the machine is shared with other work.
"""

from __future__ import annotations

import platform
import resource
import time

import numpy as np


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def random_flows(n_sup: int, n_con: int, seed: int):
    import geopandas as gpd
    from shapely import points

    rng = np.random.default_rng(seed)
    n = n_sup + n_con
    xy = rng.uniform(0, 60_000, size=(n, 2))
    q = rng.integers(100, 2000, size=n).astype(float)
    return gpd.GeoDataFrame(
        {
            "id": [f"f{i}" for i in range(n)],
            "role": ["supply"] * n_sup + ["demand"] * n_con,
            "kind": "by_product",
            "quantity": q,
            "unit": "t/yr",
        },
        geometry=points(xy),
        crs=25833,
    )


def networkx_saving(flows, max_km: float) -> tuple[float, float]:
    """Max-saving transport with networkx (integer costs in 1/100 NOK per t), same arcs as the LP."""
    import networkx as nx

    from arealsirk.resources import parameter

    t0 = time.perf_counter()
    value = parameter("symbiosis.value_nok_per_unit.by_product")
    truck = parameter("symbiosis.transport_nok_per_tkm")
    detour = parameter("resources.road_detour_factor")
    sup = flows[flows["role"] == "supply"]
    con = flows[flows["role"] == "demand"]
    G = nx.DiGraph()
    for i, r in sup.iterrows():
        G.add_edge("s", f"S{i}", capacity=int(r["quantity"]), weight=0)
    for j, r in con.iterrows():
        G.add_edge(f"C{j}", "t", capacity=int(r["quantity"]), weight=0)
    total = int(sup["quantity"].sum())
    G.add_edge("s", "t", capacity=total, weight=0)  # leaving supply unmatched costs nothing
    sx, sy = sup.geometry.x.to_numpy(), sup.geometry.y.to_numpy()
    cx, cy = con.geometry.x.to_numpy(), con.geometry.y.to_numpy()
    d = np.hypot(sx[:, None] - cx[None, :], sy[:, None] - cy[None, :]) / 1000 * detour
    for a, i in enumerate(sup.index):
        for b, j in enumerate(con.index):
            s = value - truck * d[a, b]
            if d[a, b] <= max_km and s > 0:
                G.add_edge(f"S{i}", f"C{j}", capacity=total, weight=-round(100 * s))
    G.nodes["s"]["demand"] = -total
    G.nodes["t"]["demand"] = total
    cost, _flow = nx.network_simplex(G)
    return -cost / 100.0, time.perf_counter() - t0


def bench_symbiosis() -> None:
    from arealsirk.workflows import symbiosis_matches

    symbiosis_matches(random_flows(5, 5, seed=1))  # warm-up: imports (scipy.optimize, HiGHS)
    print("symbiosis transport problem: HiGHS LP (arealsirk) vs networkx network simplex (peer);")
    print("same arcs, networkx with integer costs in 1/100 NOK (hence the tiny relative difference)")
    print(
        f"{'suppliers x consumers':>22} {'saving LP':>14} {'saving nx':>14} {'rel.diff':>9} "
        f"{'LP s':>7} {'nx s':>7} {'nx/LP':>6}"
    )
    for n in (50, 150, 300):
        f = random_flows(n, n, seed=n)
        t = time.perf_counter()
        r = symbiosis_matches(f, max_km=30)
        t_lp = time.perf_counter() - t
        s_nx, t_nx = networkx_saving(f, 30)
        s_lp = r.summary["saving_nok"]
        print(
            f"{n:>10} x {n:<10} {s_lp:14,.0f} {s_nx:14,.0f} {abs(s_lp - s_nx) / s_nx:9.1e} "
            f"{t_lp:7.2f} {t_nx:7.2f} {t_nx / t_lp:6.1f}"
        )


def bench_workflows() -> None:
    import geopandas as gpd

    from arealsirk import workflows as wf
    from arealsirk.datasets import demo_region, shared_data_dir
    from arealsirk.network import graph_from_roads

    print("\nworkflows (wall s, peak RSS MB so far)")
    d = demo_region()
    g = graph_from_roads(d.roads)
    cases = {
        "demo biogas count=None": lambda: wf.site_biogas(d.sources, d.zones, g, existing=d.existing),
        "demo biogas count=3 (exact count)": lambda: wf.site_biogas(
            d.sources, d.zones, g, count=3, existing=d.existing
        ),
        "demo reuse coverage 7 (5063 cells)": lambda: wf.site_reuse_centres(
            d.population, d.zones, g, count=7, existing=d.existing
        ),
        "demo parks": lambda: wf.site_industrial_parks(d.zones, d.flows, g, stations=d.stations),
        "demo bioenergy": lambda: wf.site_bioenergy(d.sources, d.zones, g),
    }
    p = shared_data_dir() / "ringerike_hadeland" / "ringerike_hadeland.gpkg"
    region = gpd.read_file(p, layer="region").union_all()
    pop250 = gpd.read_file(p, layer="ssb_befolkning_250m_2015")
    pop250 = pop250[pop250.centroid.within(region)].reset_index(drop=True)
    pop1k = gpd.read_file(p, layer="ssb_befolkning_1km_2015")
    pop1k = pop1k[pop1k.centroid.within(region)].reset_index(drop=True)
    cand = pop1k[pop1k["pop_tot"] >= 200].copy()
    cand["geometry"] = cand.centroid
    cand["id"] = "c" + cand["ssbid_1000m"].astype(str)
    rural = pop1k[
        (pop1k["pop_tot"] >= 1)
        & (pop1k["pop_tot"] <= 50)
        & (((pop1k["x_ll"] // 1000) + (pop1k["y_ll"] // 1000)) % 4 == 0)
    ]
    src = gpd.GeoDataFrame(
        {
            "id": "farm" + rural["ssbid_1000m"].astype(str),
            "kind": "cattle_manure",
            "quantity": 30.0 * rural["pop_tot"],
            "unit": "t/yr",
        },
        geometry=rural.centroid.to_numpy(),
        crs=pop1k.crs,
    )
    rg = graph_from_roads(gpd.read_file(p, layer="n1000_veg"))
    cases.update(
        {
            f"Ringerike reuse coverage 6 ({len(pop250)} x {len(cand)})": lambda: wf.site_reuse_centres(
                pop250, cand, rg, population_column="pop_tot", count=6, curve_max=6
            ),
            f"Ringerike biogas count=3 ({len(src)} x {len(cand)})": lambda: wf.site_biogas(
                src, cand, rg, count=3
            ),
            f"Ringerike biogas count=None ({len(src)} x {len(cand)})": lambda: wf.site_biogas(src, cand, rg),
        }
    )
    for name, fn in cases.items():
        t = time.perf_counter()
        r = fn()
        dt = time.perf_counter() - t
        key = next(
            (k for k in ("methane_nm3", "share_covered", "saving_nok", "energy_gwh") if k in r.summary), ""
        )
        val = r.summary.get(key, "")
        print(f"{name:48} {dt:7.2f} s  peak {peak_mb():6.0f} MB  status {r.status:9} {key} {val:.4g}")


if __name__ == "__main__":
    print(
        f"machine: {platform.processor() or platform.machine()}, shared with other jobs; python "
        f"{platform.python_version()}"
    )
    bench_symbiosis()
    bench_workflows()
