"""National biogas siting with real manure: every phase timed, peak memory (issue 19: <= 120 s).

    .venv/bin/python benchmarks/bench_biogas_national.py [--level aggregated|farm|both]
                                                         [--candidates 1000] [--repeat 1]

All of Norway from the shared data folder (never copied into the repo):

* kommuner: the 357 kommune polygons of N1000 ``Kommune``;
* resources: :func:`arealsirk.estimate.estimate_region` for every kommune with the streams biogas
  uses -- manure of every farm of Landbruksdirektoratet's livestock register 2024 (placed at its
  Matrikkel address where an address file is in the data folder, else spread over the kommune's
  populated SSB 1 km cells outside settlements), food waste and sewage sludge from the SSB 1 km grid;
* ``farm`` level: those rows as they are; ``aggregated``: summed per kind, storage, kommune and 5 km
  cell by :func:`arealsirk.estimate.aggregate_sources` (every tonne kept);
* roads: N1000 ``Veglenke`` with the car ferries (:func:`arealsirk.region_builder.region_roads`);
* candidates: :func:`arealsirk.region_builder.generate_candidates` with the region builder's
  exclusions (water, national parks, urban areas) and defaults: the best road junction of every
  kommune with people and a road (``--candidates N`` raises ``region.candidate_count``);
* the biogas workflow end to end (:func:`arealsirk.workflows.site_biogas`: road graph, snapping,
  road km of the pairs within each source's haul limit and their minutes -- sparse, no sources x
  sites matrix --, capacitated facility location within ``max_km`` -- on those pairs only, rows with
  identical pairs merged, memory O(pairs) --, balance and tables), its internal phases timed from its
  progress messages.

Prints one line per phase (wall and CPU seconds -- on the shared 2-core machine the wall time of a
single-threaded phase is its CPU time stretched by the load --, process peak RSS so far) and the
balance (every tonne: collected, beyond the haul limit, unreachable), which must sum to the input tonnes.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path
from typing import Any


def peak_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class Clock:
    """Phase timer: ``with clock("name"):`` prints and keeps the seconds of each phase."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    def __call__(self, name: str) -> Any:
        clock = self

        class _Phase:
            def __enter__(self) -> None:
                self.t, self.c = time.perf_counter(), time.process_time()

            def __exit__(self, *exc: object) -> None:
                dt, dc = time.perf_counter() - self.t, time.process_time() - self.c
                clock.times[name] = clock.times.get(name, 0.0) + dt
                clock.cpu[name] = clock.cpu.get(name, 0.0) + dc
                print(f"  {name:<46s} {dt:7.2f} s wall {dc:7.2f} s cpu   peak {peak_mb():6.0f} MB",
                      flush=True)

        return _Phase()


def inputs(data: Path, n_candidates: int | None, clock: Clock) -> dict[str, Any]:
    """Kommuner, resources, roads, exclusions and candidate sites of all Norway."""
    from arealsirk import region_builder as rb
    from arealsirk.estimate import estimate_region
    from arealsirk.readers import read_kommuner

    with clock("kommuner (N1000 Kommune)"):
        kom = read_kommuner(data / "n1000_kartverket" / "n1000_transport_admin.gpkg", layer="Kommune")
    with clock("resources (register + SSB 1 km: manure, food, sludge)"):
        est = estimate_region(kom["kommunenummer"].tolist(), data=data,
                              streams=("manure", "food_waste", "sewage_sludge"))
    with clock("roads (N1000 Veglenke + ferries)"):
        roads = rb.region_roads(data, kom)
    with clock("exclusions (water, national parks, urban)"):
        excl = rb.region_exclusions(data, kom)
    with clock("candidates (region builder rule)"):
        over = {} if n_candidates is None else {"region.candidate_count": n_candidates}
        cands = rb.generate_candidates(roads, est.tables["population"], kom, excl, parameters=over)
    return {"kommuner": kom, "estimate": est, "roads": roads, "candidates": cands}


def run_biogas(sources: Any, data: dict[str, Any], clock: Clock, label: str, *, verbose: bool = False,
               time_limit: float | None = None) -> Any:
    """The biogas workflow end to end, its phases timed from its progress messages."""
    from arealsirk.workflows import site_biogas

    marks: list[tuple[float, str]] = []

    def progress(fraction: float, message: str) -> None:
        marks.append((time.perf_counter(), message))
        if verbose:
            print(f"      {marks[-1][0] - t0:7.2f} s  {fraction:5.3f}  {message}", flush=True)

    t0, c0 = time.perf_counter(), time.process_time()
    print(f"  site_biogas ({label}): {len(sources)} sources x {len(data['candidates'])} candidates",
          flush=True)
    res = site_biogas(sources, data["candidates"], data["roads"], kommuner=data["kommuner"],
                      progress=progress, time_limit=time_limit)
    t1, c1 = time.perf_counter(), time.process_time()
    phases: dict[str, float] = {}
    for (t, msg), (t_next, _) in zip(marks, [*marks[1:], (t1, "")], strict=True):
        key = phase_of(msg)
        phases[key] = phases.get(key, 0.0) + (t_next - t)
    for name, dt in phases.items():
        if dt >= 0.05:
            print(f"    {label} workflow: {name[:56]:<56s} {dt:7.2f} s")
    clock.times[f"site_biogas ({label})"] = t1 - t0
    clock.cpu[f"site_biogas ({label})"] = c1 - c0
    print(f"  site_biogas ({label}) total {t1 - t0:.2f} s wall, {c1 - c0:.2f} s cpu, peak {peak_mb():.0f} MB",
          flush=True)
    return res


def phase_of(msg: str) -> str:
    """The phase a progress message belongs to (counters such as "12/356" left out)."""
    if msg.startswith(("road distances", "snapping")):
        return "snapping sources and sites"
    if msg.startswith(("shortest paths", "sparse cost matrix")):
        return "road km of the pairs within the haul limits (sparse OD)"
    if msg.startswith("road minutes"):
        return "road minutes of those pairs"
    low = msg.lower()
    for part, name in (("lagrang", "Lagrangian"), ("local search", "local search"),
                       ("lp relaxation", "LP start"), ("highs", "HiGHS"),
                       ("building the model", "model (rows merged)")):
        if part in low:
            return f"facility location: {name}"
    if "facility" in low:
        return "facility location"
    return msg


def report(res: Any, sources: Any, label: str) -> None:
    """Sites, balance and the tonne check."""
    sel = res.layers["selected_sites"]
    bal = res.tables.get("balance")
    sm = res.summary
    print(f"  {label}: objective {sm.get('objective', float('nan')):,.0f} tonne-km eq., proven gap "
          f"{100 * sm.get('gap', float('nan')):.2f} %, {sm.get('feedstock_uncollected_t', 0):,.0f} t/yr "
          "not collected")
    print(f"  {label}: {len(sources)} sources, {float(sources['quantity'].sum()):,.0f} t/yr; "
          f"{len(sel)} plants, {float(sel['feedstock_t'].sum()):,.0f} t/yr collected")
    if bal is not None:
        print(bal.to_string(index=False, max_colwidth=40))
        total = float(sources["quantity"].sum())
        print(f"  {label}: balance sums to {float(bal['quantity'].sum()):,.1f} t/yr of {total:,.1f} in; "
              f"equal: {abs(float(bal['quantity'].sum()) - total) <= 1e-6 * total}")


def override_default(key: str, value: float) -> None:
    """Use ``value`` for the defaults row ``key`` in this process (an experiment, said in the output)."""
    import arealsirk.defaults as defaults

    real = defaults.default
    before = real(key)  # an unknown key fails here

    def patched(k: str) -> float:
        return float(value) if k == key else real(k)

    defaults.default = patched  # the locate functions import ``default`` from the module when they run
    print(f"  experiment: {key} = {value:g} in this process (defaults table: {before:g})", flush=True)


LEVELS = {"kommune": 1e7, "cell": None, "farm": 0.0}   # aggregate_sources cell_m (None: its default)


def sources_at(src: Any, level: str, clock: Clock) -> Any:
    """Farm rows as they are, or summed per kind, storage, kommune and cell (``kommune``: one cell
    of 10 000 km, i.e. one point per kind, storage and kommune at the tonne-weighted mean)."""
    from arealsirk.estimate import aggregate_sources

    if level == "farm":
        return src.reset_index(drop=True)
    with clock(f"aggregate_sources ({level})"):
        return aggregate_sources(src, cell_m=LEVELS[level]).reset_index(drop=True)


def main() -> None:
    import pickle

    from arealsirk.errors import ArealsirkError
    from arealsirk.paths import shared_data_dir

    ap = argparse.ArgumentParser()
    ap.add_argument("--level", nargs="+", choices=tuple(LEVELS), default=["kommune", "cell"])
    ap.add_argument("--candidates", type=int, default=None,
                    help="region.candidate_count (default: the builder's; every kommune gets one anyway)")
    ap.add_argument("--time-limit", type=float, default=None,
                    help="site_biogas time_limit (s): the best answer found then, with its proven gap")
    ap.add_argument("--verbose", action="store_true", help="print the workflow's progress messages")
    ap.add_argument("--override", action="append", default=[], metavar="KEY=VALUE",
                    help="experiment: VALUE for the defaults row KEY in this process, e.g. "
                         "locate.cfl_lp_max_pairs=2e6 (how many allowed pairs facility_location still "
                         "starts from the LP relaxation); the table itself is not changed; repeatable")
    ap.add_argument("--inputs-cache", help="pickle of the inputs to reuse between runs (not timed then)")
    args = ap.parse_args()
    for item in args.override:
        key, _, value = item.partition("=")
        override_default(key.strip(), float(value))
    data = shared_data_dir()
    print(f"load before: {os.getloadavg()[0]:.1f} (1 min), {os.cpu_count()} cores", flush=True)
    clock = Clock()
    t_all = time.perf_counter()
    cache = Path(args.inputs_cache) if args.inputs_cache else None
    if cache is not None and cache.exists():
        d = pickle.loads(cache.read_bytes())
        print("  inputs from", cache, "(not timed)")
    else:
        d = inputs(data, args.candidates, clock)
        if cache is not None:
            cache.write_bytes(pickle.dumps(d))
    src = d["estimate"].sources
    kinds = ", ".join(f"{k} {v}" for k, v in src["kind"].value_counts().items())
    print(f"  {len(src)} source rows ({kinds}); "
          f"{len(d['candidates'])} candidates; {len(d['roads'])} road links; "
          f"{float(src['quantity'].sum()):,.0f} t/yr", flush=True)
    t_in = time.perf_counter() - t_all
    for level in args.level:
        s = sources_at(src, level, clock)
        try:
            res = run_biogas(s, d, clock, level, verbose=args.verbose, time_limit=args.time_limit)
        except ArealsirkError as exc:                  # reported, and the other levels still run
            print(f"  {level}: site_biogas raised {type(exc).__name__}: {str(exc)[:300]}", flush=True)
            continue
        report(res, s, level)
        t_agg = clock.times.get(f"aggregate_sources ({level})", 0.0)
        c_in = sum(v for k, v in clock.cpu.items() if not k.startswith(("aggregate", "site_biogas")))
        c_lvl = clock.cpu.get(f"aggregate_sources ({level})", 0.0) + clock.cpu[f"site_biogas ({level})"]
        print(f"  inputs + {level}: {t_in + t_agg + clock.times[f'site_biogas ({level})']:.1f} s wall, "
              f"{c_in + c_lvl:.1f} s cpu (target <= 120 s), peak {peak_mb():.0f} MB", flush=True)
    print(f"load after: {os.getloadavg()[0]:.1f}; all {time.perf_counter() - t_all:.1f} s")


if __name__ == "__main__":
    main()
