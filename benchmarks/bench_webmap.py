"""Benchmark: a web map of 10 000 sources and 1 000 candidate areas, ours vs plain folium.

    .venv/bin/python benchmarks/bench_webmap.py [--sources 10000] [--candidates 1000] [--repeat 3]

Prints, for arealsirk.webmap, for a "naive" folium map of the same data (the common
recipe: folium.Marker + Popup in a MarkerCluster, candidates as folium.GeoJson with
GeoJsonPopup/GeoJsonTooltip) and for folium's fast recipe (FastMarkerCluster: one JSON array,
markers, popups and tooltips built in the browser by a callback; same candidates), all written
self-contained through the same inliner so they open offline:

- build + write time and peak memory (RSS growth of a forked child doing the work),
- HTML size,
- load time in headless Debian Chromium (Playwright): navigation start until the map
  is drawn and idle (two animation frames after the layers are on the map), median of
  ``--repeat`` cold loads in fresh pages,
- the ratios ours/peer.

Needs scripts/setup_browser.sh (chromium + playwright).  Uses synthetic layers from
tests/webmap/webmap_synth.py; no network.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "webmap"))

from webmap_synth import make_layers  # noqa: E402

from arealsirk import webmap  # noqa: E402

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def naive_folium(layers):
    """The usual folium recipe for the same data."""
    import folium
    from folium.plugins import MarkerCluster

    src = layers["sources"].to_crs(4326)
    cand = layers["candidates"].to_crs(4326)
    sel = layers["selected_sites"].to_crs(4326)
    # tiles=None like ours (no tile requests); maxZoom is needed by MarkerCluster without a tile layer
    m = folium.Map(
        location=[src.geometry.y.mean(), src.geometry.x.mean()], zoom_start=9, tiles=None, maxZoom=18
    )
    mc = MarkerCluster(name="Sources").add_to(m)
    for row in src.itertuples():
        folium.Marker(
            [row.geometry.y, row.geometry.x],
            popup=folium.Popup(f"{row.name}<br>{row.kind}: {row.quantity} {row.unit}"),
            tooltip=str(row.name),
        ).add_to(mc)
    folium.GeoJson(
        cand[["name", "score_total", "rank", "geometry"]],
        name="Candidates",
        style_function=lambda f: {"fillColor": "#21918c", "color": "#333", "weight": 0.6},
        popup=folium.GeoJsonPopup(fields=["name", "score_total", "rank"]),
        tooltip=folium.GeoJsonTooltip(fields=["name"]),
    ).add_to(m)
    for row in sel.itertuples():
        folium.Marker(
            [row.geometry.y, row.geometry.x], popup=folium.Popup(str(row.name)), icon=folium.Icon(color="red")
        ).add_to(m)
    folium.LayerControl().add_to(m)
    return m


def fast_folium(layers):
    """folium's fast recipe: FastMarkerCluster (markers built in the browser from one JSON array, popups
    bound by a JavaScript callback), candidates as folium.GeoJson with GeoJsonPopup/GeoJsonTooltip."""
    import folium
    from folium.plugins import FastMarkerCluster

    src = layers["sources"].to_crs(4326)
    cand = layers["candidates"].to_crs(4326)
    sel = layers["selected_sites"].to_crs(4326)
    m = folium.Map(
        location=[src.geometry.y.mean(), src.geometry.x.mean()], zoom_start=9, tiles=None, maxZoom=18
    )
    # the same popup and tooltip per source as the naive recipe, bound in the browser
    data = [
        [y, x, f"{n}<br>{k}: {q} {u}", str(n)]
        for y, x, n, k, q, u in zip(
            src.geometry.y,
            src.geometry.x,
            src["name"],
            src["kind"],
            src["quantity"],
            src["unit"],
            strict=True,
        )
    ]
    callback = (
        "function (row) { var marker = L.marker(new L.LatLng(row[0], row[1])); "
        "marker.bindPopup(row[2]); marker.bindTooltip(row[3]); return marker; };"
    )
    FastMarkerCluster(data, callback=callback, name="Sources").add_to(m)
    folium.GeoJson(
        cand[["name", "score_total", "rank", "geometry"]],
        name="Candidates",
        style_function=lambda f: {"fillColor": "#21918c", "color": "#333", "weight": 0.6},
        popup=folium.GeoJsonPopup(fields=["name", "score_total", "rank"]),
        tooltip=folium.GeoJsonTooltip(fields=["name"]),
    ).add_to(m)
    for row in sel.itertuples():
        folium.Marker(
            [row.geometry.y, row.geometry.x], popup=folium.Popup(str(row.name)), icon=folium.Icon(color="red")
        ).add_to(m)
    folium.LayerControl().add_to(m)
    return m


def _rss_mb() -> float:
    """Current resident set size (MB) from /proc (Linux)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def _child(fn, q) -> None:
    base = _rss_mb()
    t0 = time.perf_counter()
    fn()
    dt = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3  # kB -> MB
    q.put((dt, peak - base))


def timed_build(fn) -> tuple[float, float]:
    """Wall time and peak RSS growth (MB) of ``fn()`` run in a forked child (no tracing overhead)."""
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    proc = ctx.Process(target=_child, args=(fn, q))
    proc.start()
    dt, mem = q.get()
    proc.join()
    return dt, mem


READY_OURS = "window.arealsirkReady === true"
READY_PEER = (
    "document.readyState === 'complete' && "
    "document.querySelectorAll('.leaflet-marker-icon, path.leaflet-interactive').length > 0"
)
IDLE = """() => new Promise(res => requestAnimationFrame(() => requestAnimationFrame(() =>
            res(performance.now()))))"""


def _router(reqs: list[str]):
    """Record every request; let file:// and data: through, abort anything else."""

    def route(r):
        reqs.append(r.request.url)
        if r.request.url.startswith(("file://", "data:")):
            r.continue_()
        else:
            r.abort()

    return route


def load_times(ctx, path: Path, ready: str, repeat: int) -> tuple[list[float], list[str], int]:
    times, errors, requests = [], [], 0
    for _ in range(repeat):
        page = ctx.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        reqs: list[str] = []
        page.route("**/*", _router(reqs))
        page.goto(path.as_uri(), timeout=120_000)
        page.wait_for_function(ready, timeout=120_000, polling=50)
        times.append(page.evaluate(IDLE) / 1000.0)
        requests = max(requests, len([u for u in reqs if not u.startswith(("file://", "data:"))]))
        page.close()
    return times, errors, requests


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sources", type=int, default=10_000)
    ap.add_argument("--candidates", type=int, default=1_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    layers = make_layers(n_sources=args.sources, n_candidates=args.candidates, inject=False, seed=11)
    tmp = Path(tempfile.mkdtemp(prefix="bench-webmap-"))
    ours_path, peer_path, fast_path = tmp / "ours.html", tmp / "peer.html", tmp / "fast.html"

    t_ours, mem_ours = timed_build(lambda: webmap.write_map(layers, ours_path, title="Benchmark"))
    t_peer, mem_peer = timed_build(lambda: webmap.write_map(naive_folium(layers), peer_path))
    t_fast, mem_fast = timed_build(lambda: webmap.write_map(fast_folium(layers), fast_path))
    size_ours, size_peer = ours_path.stat().st_size, peer_path.stat().st_size
    size_fast = fast_path.stat().st_size

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            tempfile.mkdtemp(prefix="bench-chromium-"),
            executable_path="/usr/bin/chromium",
            args=FLAGS,
            headless=True,
            viewport={"width": 1280, "height": 860},
        )
        lo, err_o, req_o = load_times(ctx, ours_path, READY_OURS, args.repeat)
        lp, err_p, req_p = load_times(ctx, peer_path, READY_PEER, args.repeat)
        lf, err_f, req_f = load_times(ctx, fast_path, READY_PEER, args.repeat)
        ctx.close()
    mo, mp, mf = statistics.median(lo), statistics.median(lp), statistics.median(lf)
    print(
        f"data: {args.sources} sources, {args.candidates} candidate polygons, 3 selected sites, "
        f"{len(layers['allocation'])} allocation lines, {len(layers['service_areas'])} service areas"
    )
    print(
        f"{'':28s}{'arealsirk.webmap':>18s}{'naive folium':>16s}{'FastMarkerCl.':>15s}"
        f"{'ours/naive':>11s}{'ours/fast':>10s}"
    )
    rows = [
        ("build + write (s)", t_ours, t_peer, t_fast, "{:.2f}"),
        ("peak RSS growth (MB)", mem_ours, mem_peer, mem_fast, "{:.1f}"),
        ("HTML size (MB)", size_ours / 1e6, size_peer / 1e6, size_fast / 1e6, "{:.2f}"),
        ("load to idle, median (s)", mo, mp, mf, "{:.2f}"),
    ]
    for label, a, b, f, fmt in rows:
        print(
            f"{label:28s}{fmt.format(a):>18s}{fmt.format(b):>16s}{fmt.format(f):>15s}"
            f"{a / b:11.2f}{a / f:10.2f}"
        )
    runs = [" ".join(f"{x:.2f}" for x in v) for v in (lo, lp, lf)]
    print(f"{'load runs (s)':28s}{runs[0]:>18s}{runs[1]:>16s}{runs[2]:>15s}")
    print(f"{'external requests':28s}{req_o:18d}{req_p:16d}{req_f:15d}")
    print(f"{'page errors':28s}{len(err_o):18d}{len(err_p):16d}{len(err_f):15d}")
    ok = size_ours <= 5 * 1024 * 1024 and mo <= 3.0 and req_o == 0 and not err_o
    print(f"target (<= 5 MB, <= 3 s, no requests, no errors): {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
