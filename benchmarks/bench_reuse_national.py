"""National reuse centres (issue 19): all of Norway, 357 centres, 15/20/30-minute bands, the coverage curve.

Run:  .venv/bin/python benchmarks/bench_reuse_national.py              (357 centres, curve 1..357)
      .venv/bin/python benchmarks/bench_reuse_national.py --count 20 --curve-max 20

Inputs (from ``../shared/data``, the way the region builder reads them for a region):
- people: every populated cell of SSB's 250 m grid 2015 (220 171 cells, 5 146 614 persons), each
  assigned to its kommune by :func:`arealsirk.region_builder.region_population`;
- kommuner: the 357 kommuner of N1000 ``Kommune`` (2024);
- roads: N1000 ``Veglenke`` of all Norway with car ferries, built as the pipeline builds it (land =
  the kommuner minus N1000 lakes, sea and glaciers, so nobody is snapped across water);
- candidates: the region builder's main-road junction sites (``region.candidate_count`` raised to
  ``--candidates``, default 1 000; the spacing rule leaves about that many).

The clock runs around :func:`arealsirk.workflows.site_reuse_centres` with the graph given (loading
and the graph build are timed apart); the phases are timed from its progress messages, in wall time
and in CPU time of this process (on a machine shared with other work, wall time is several times the
CPU time; the CPU time is what the run costs).  Peak memory
is the process's peak resident set (``getrusage``, loading included).  The figures are checked, not
only timed: the balance sums to the national population, and for a random sample of people a
dense Dijkstra OD row to the open sites (:func:`arealsirk.proximity.od_matrix`, computed here)
gives the same nearest minutes and the same site as the allocation.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from arealsirk import region_builder as rb
from arealsirk.network import graph_from_roads, land_polygon
from arealsirk.paths import shared_data_dir
from arealsirk.proximity import od_matrix
from arealsirk.workflows import site_reuse_centres

logging.getLogger("arealsirk").setLevel(logging.ERROR)


def rss_gb() -> float:
    """Resident set now (GB)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**30


def peak_gb() -> float:
    """Peak resident set of this process so far (GB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def load(candidates: int) -> dict:
    """The national layers and the graph, timed."""
    import geopandas as gpd

    data = shared_data_dir()
    t = time.perf_counter()
    admin = data / "n1000_kartverket" / "n1000_transport_admin.gpkg"
    numbers = gpd.read_file(admin, layer="Kommune", columns=["kommunenummer"])["kommunenummer"].astype(str)
    chosen, national, _ = rb.select_kommuner(data, kommuner=sorted(set(numbers)))
    pop = rb.region_population(data, chosen, national)
    roads = rb.region_roads(data, chosen)
    excl = rb.region_exclusions(data, chosen)
    cand = rb.generate_candidates(roads, pop, chosen, excl,
                                  parameters={"region.candidate_count": candidates})
    t_load = time.perf_counter() - t
    t = time.perf_counter()
    graph = graph_from_roads(roads, include_ferries=True, land=land_polygon(chosen, water=excl.get("lakes")))
    t_graph = time.perf_counter() - t
    print(f"inputs: {len(chosen)} kommuner, {len(pop):,} SSB 250 m cells, "
          f"{pop['population'].sum():,.0f} people, "
          f"{len(roads):,} N1000 road links ({int(roads['ferry'].astype(bool).sum())} ferry links), "
          f"{len(cand):,} candidate sites; graph {graph.number_of_nodes():,} nodes, "
          f"{graph.number_of_edges():,} edges")
    print(f"load {t_load:.1f} s, graph build {t_graph:.1f} s (not in the workflow time)")
    return {"kom": chosen, "pop": pop, "cand": cand, "graph": graph}


def check(inp: dict, res, sample: int, seed: int = 0) -> None:
    """Independent checks of the figures (see the module docstring)."""
    total = float(inp["pop"]["population"].sum())
    bal = res.tables["balance"]["quantity"].sum()
    assert abs(bal - total) <= 1e-9 * total, (bal, total)
    sel = res.layers["selected_sites"]
    al = res.layers["allocation"].set_index("source_id")
    pop = inp["pop"]
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(pop), size=min(sample, len(pop)), replace=False)
    T = od_matrix(inp["graph"], pop.iloc[idx], sel, method="dijkstra") / 60.0
    ids = pop["ssbid"].astype(str).to_numpy()[idx]
    site_ids = sel["id"].astype(str).to_numpy()
    worst, n_site = 0.0, 0
    for r, key in enumerate(ids):
        if not np.isfinite(T[r]).any():
            assert key not in al.index, key
            continue
        row = al.loc[key]
        worst = max(worst, abs(row["travel_min"] - T[r].min()))
        assert abs(row["travel_min"] - T[r].min()) <= 1e-9 * max(1.0, T[r].min()), (key, row["travel_min"])
        n_site += row["site_id"] in set(site_ids[T[r] == T[r].min()])
    assert n_site == len(al.index.intersection(ids)), "a person allocated to a site that is not nearest"
    curve = res.tables["coverage_curve"]
    assert (np.diff(curve["population_covered"].to_numpy()) >= -1e-9).all()
    print(f"checked: balance = national population; {len(idx)} random people: nearest open site minutes "
          f"equal a dense Dijkstra OD row (largest difference {worst:.2e} min); curve never falls")


def national_map(inp: dict, res, path: Path) -> None:
    """The web map of the national run, built from the layers ``arealsirk run`` draws for reuse centres
    (the kommuner and the theme's layers) and its by-kommune table; size and build time (target of
    issue 19: a national map <= 5 MB)."""
    from arealsirk import webmap

    layers = {"kommuner": inp["kom"], **{k: v for k, v in res.layers.items() if v is not None and len(v)}}
    t = time.perf_counter()
    fmap = webmap.build_map(layers, title="Ombruk - hele Norge", summary={"reuse": res},
                            kommune_tables={"reuse": res.tables.get("by_kommune")})
    webmap.write_map(fmap, path)
    size = path.stat().st_size
    print(f"web map: {path} {size / 1e6:.2f} MB, built in {time.perf_counter() - t:.1f} s "
          f"(layers: {', '.join(f'{k} {len(v):,}' for k, v in layers.items())}); "
          f"TARGET <= 5 MB: {'met' if size <= 5e6 else 'MISSED'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=357)
    ap.add_argument("--curve-max", type=int, default=None, help="default: --count")
    ap.add_argument("--candidates", type=int, default=1000)
    ap.add_argument("--sample", type=int, default=300)
    ap.add_argument("--map", type=Path, default=None, metavar="HTML",
                    help="also write the run's web map there (as `arealsirk run` builds it) and time it")
    args = ap.parse_args()
    with open("/proc/loadavg") as f:
        print(f"load average before: {' '.join(f.read().split()[:3])} (2 cores shared by the team)")
    inp = load(args.candidates)
    before = rss_gb()
    marks: list[tuple[float, float, str]] = []

    def progress(frac: float, msg: str) -> None:
        if not marks or marks[-1][2] != msg:
            marks.append((time.perf_counter(), time.process_time(), msg))

    t0, c0 = time.perf_counter(), time.process_time()
    res = site_reuse_centres(inp["pop"], inp["cand"], inp["graph"], count=args.count, kommuner=inp["kom"],
                             curve_max=args.curve_max or args.count, progress=progress)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    marks.append((time.perf_counter(), time.process_time(), "end"))
    print(f"site_reuse_centres: {args.count} centres, curve to {args.curve_max or args.count}: "
          f"{wall:.1f} s wall, {cpu:.1f} s CPU; peak RSS {peak_gb():.2f} GB (process, loading included; "
          f"{before:.2f} GB before the workflow)")
    print("  phase (wall / CPU):")
    for (ta, ca, msg), (tb, cb, _) in itertools.pairwise(marks):
        if tb - ta >= 0.05:
            print(f"  {tb - ta:7.2f} s / {cb - ca:6.2f} s  {msg}")
    s = res.summary
    curve = res.tables["coverage_curve"]
    print(f"result: {s['population_covered']:,.0f} of {s['population']:,.0f} people within "
          f"{s['max_minutes']:g} min ({100 * s['share_covered']:.2f} %), mean {s['mean_minutes']:.2f} min, "
          f"status {res.status}, gap {s['gap']:.2e}; {s['centres_for_target']} centres reach 90 %; "
          f"curve {len(curve)} counts, {int((curve['proven_gap'] == 0).sum())} proven optimal, "
          f"largest gap {curve['proven_gap'].max():.2e}")
    by_k = res.tables["by_kommune"]
    for b in (15, 20, 30):
        share = by_k[f"within_{b}_min"].sum() / by_k["population"].sum()
        print(f"  within {b} min: {100 * share:.2f} % of the people")
    check(inp, res, args.sample)
    if args.map is not None:
        national_map(inp, res, args.map)
    with open("/proc/loadavg") as f:
        print(f"load average after: {' '.join(f.read().split()[:3])}")


if __name__ == "__main__":
    main()
