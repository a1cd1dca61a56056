"""`arealsirk region`: a scenario folder from the national files, checked against independent sums.

The coastal test set is Herøy, Alstahaug and Dønna (Helgeland): islands, ferries and a coastline that the
simplified Kommuner-S polygons cut. Expected figures are computed here from the raw SSB CSV and the
N1000 polygons with plain pandas/shapely, not with the code under test.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from arealsirk.cli import main
from arealsirk.datasets import shared_data_dir
from arealsirk.region_builder import build_region

COASTAL = ["1818", "1820", "1827"]  # Herøy, Alstahaug, Dønna


@pytest.fixture(scope="module")
def data() -> Path:
    return shared_data_dir()


@pytest.fixture(scope="module")
def coastal(data: Path, tmp_path_factory: pytest.TempPathFactory):
    return build_region(out=tmp_path_factory.mktemp("helgeland"), data=data, kommuner=COASTAL)


@pytest.fixture(scope="module")
def ssb_cells(data: Path) -> pd.DataFrame:
    """All SSB 250 m cells with their centres (id = 2 000 000 + x, then y, of the lower-left corner)."""
    raw = pd.read_csv(data / "ssb_popgrid_2015" / "ru250m_2015.csv", sep=";", dtype={"ru250m": "int64"})
    x = raw["ru250m"] // 10_000_000 - 2_000_000 + 125
    y = raw["ru250m"] % 10_000_000 + 125
    return pd.DataFrame({"x": x, "y": y, "pop": raw["pop_tot"].astype(int)})


@pytest.fixture(scope="module")
def n1000_kommuner(data: Path):
    import geopandas as gpd

    return gpd.read_file(data / "n1000_kartverket" / "n1000_transport_admin.gpkg", layer="Kommune")


def _owner(cells: pd.DataFrame, kommuner, reach: float) -> np.ndarray:
    """Kommunenummer of each cell centre: the polygon containing it, else the nearest within ``reach``."""
    pts = shapely.points(cells["x"].to_numpy(), cells["y"].to_numpy())
    polys = kommuner.geometry.to_numpy()
    knr = kommuner["kommunenummer"].astype(str).to_numpy()
    tree = shapely.STRtree(polys)
    pi, gi = tree.query(pts, predicate="within")
    owner = np.full(len(pts), None, dtype=object)
    owner[pi] = knr[gi]
    rest = np.flatnonzero(owner == None)  # noqa: E711
    if len(rest):
        ri, rg = tree.query_nearest(pts[rest], max_distance=reach)
        owner[rest[ri]] = knr[rg]
    return owner


def test_population_equals_independent_sum_of_cells(coastal, ssb_cells, n1000_kommuner) -> None:
    region = n1000_kommuner[n1000_kommuner["kommunenummer"].isin(COASTAL)]
    box = shapely.box(*region.total_bounds).buffer(5000)
    near = ssb_cells[shapely.contains_xy(box, ssb_cells["x"], ssb_cells["y"])].reset_index(drop=True)
    owner = _owner(near, n1000_kommuner, reach=1000.0)
    expected = near.groupby(owner)["pop"].sum()
    pop = coastal.layers["population"]
    got = pop.groupby("kommunenummer")["population"].sum()
    for k in COASTAL:
        assert got[k] == expected[k], k
    assert int(pop["population"].sum()) == int(expected[COASTAL].sum())
    assert coastal.figures["people"] == int(expected[COASTAL].sum())


def test_no_kommune_loses_people_to_the_coastline(coastal, ssb_cells, n1000_kommuner, data) -> None:
    """Every cell within 2 km of a chosen kommune is assigned to some kommune (none falls in the sea), and
    the simplified Kommuner-S polygons would have lost a measurable share (the bug this command avoids)."""
    import geopandas as gpd

    region = n1000_kommuner[n1000_kommuner["kommunenummer"].isin(COASTAL)]
    area = shapely.union_all(region.geometry.to_numpy()).buffer(2000)
    near = ssb_cells[shapely.contains_xy(area, ssb_cells["x"], ssb_cells["y"])].reset_index(drop=True)
    owner = _owner(near, n1000_kommuner, reach=1000.0)
    unassigned = near.loc[pd.isna(owner), "pop"].sum()
    got = coastal.layers["population"].groupby("kommunenummer")["population"].sum()
    assert unassigned <= 0.001 * got.sum()

    simple = gpd.read_file(data / "kommuner_fylker_2024" / "Kommuner-S.geojson").to_crs(25833)
    col = next(c for c in simple.columns if "nummer" in c.lower())
    simple = simple[simple[col].astype(str).str.zfill(4).isin(COASTAL)]
    land = shapely.union_all(shapely.make_valid(simple.geometry.to_numpy()))
    inside = shapely.contains_xy(land, near["x"], near["y"])
    lost_simple = 1 - near.loc[inside, "pop"].sum() / got.sum()
    assert lost_simple > 0.001  # the simplified coastline does cut off people here


def test_population_close_to_published_kommune_figures(coastal, data) -> None:
    """SSB grid 2015 vs. SSB kommune population 2021: the same people six years apart; Helgeland's coastal
    kommuner changed by a few per cent (stated tolerance 8 %)."""
    pub = pd.read_csv(data / "ssb_population_kommune" / "folkemengde_kommune_2021.csv", dtype=str)
    pub = pub.groupby("kommunenummer_2024")["folkemengde_2021_01_01"].apply(lambda s: s.astype(int).sum())
    got = coastal.layers["population"].groupby("kommunenummer")["population"].sum()
    for k in COASTAL:
        assert abs(got[k] / pub[k] - 1) < 0.08, (k, got[k], pub[k])


def test_roads_keep_ferries_and_margin(coastal) -> None:
    from arealsirk.network import graph_from_roads

    roads = coastal.layers["roads"]
    assert roads["ferry"].astype(bool).sum() >= 3
    graph = graph_from_roads(roads, keep="all", include_ferries=True)
    assert any(d.get("ferry") for _u, _v, d in graph.edges(data=True))
    region = shapely.union_all(coastal.layers["kommuner"].geometry.to_numpy())
    outside = ~roads.intersects(region)
    assert outside.any()  # links of the margin are kept (routes that leave and re-enter)


def test_generated_candidates_are_flagged_and_on_land(coastal) -> None:
    zones = coastal.layers["zones"]
    assert len(zones) >= 1 and zones["generated"].all() and zones["rule"].str.startswith("generated").all()
    lakes = shapely.union_all(coastal.layers["lakes"].geometry.to_numpy())
    assert not zones.representative_point().intersects(lakes).any()
    text = coastal.summary_path.read_text(encoding="utf-8")
    assert "generert" in text and str(len(zones)) in text


def test_scenario_runs_with_no_editing(coastal, tmp_path: Path) -> None:
    scenario = tomllib.loads(coastal.scenario.read_text(encoding="utf-8"))
    assert scenario["scenario"]["synthetic"] is False
    assert set(scenario["layers"]) >= {"kommuner", "roads", "population", "zones", "lakes"}
    assert main(["--no-progress", "run", str(coastal.scenario), "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "map.html").stat().st_size > 10_000


@pytest.mark.parametrize("argv, message", [
    (["--kommuner", "9999"], "9999 not in"),
    (["--fylke", "77"], "no kommune with fylkesnummer 77"),
    (["--bundle", "nowhere"], "region bundle 'nowhere' not found"),
])
def test_bad_selection_is_one_line(argv, message, tmp_path: Path, capsys) -> None:
    assert main(["--no-progress", "region", *argv, "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not (tmp_path / "r" / "scenario.toml").exists()


def test_out_inside_the_data_folder_is_refused_before_work(data: Path, capsys) -> None:
    assert main(["--no-progress", "region", "--kommuner", "1827", "--data", str(data),
                 "--out", str(data / "n1000_kartverket" / "x")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "lies inside the input" in err[0]


def test_sources_keep_every_tonne_of_the_estimates(coastal, data: Path) -> None:
    """The region's sources are the resource estimates summed per 5 km cell: per kind, the same tonnes."""
    from arealsirk.estimate import estimate_region

    est = estimate_region(COASTAL, data=data,
                          streams=("manure", "food_waste", "sewage_sludge", "textiles", "forest_residue"))
    want = est.sources.groupby("kind")["quantity"].sum()
    got = coastal.layers["sources"].groupby("kind")["quantity"].sum()
    assert set(got.index) == set(want.index)
    for kind in want.index:
        assert got[kind] == pytest.approx(want[kind], rel=1e-9), kind
    assert len(coastal.layers["sources"]) < len(est.sources)
    assert "cattle" in coastal.summary_path.read_text(encoding="utf-8")


def test_scenario_reads_the_national_files_directly(coastal, data: Path, ssb_cells, n1000_kommuner,
                                                     tmp_path: Path) -> None:
    """A scenario can point at the national downloads: a where filter on N1000 Kommune, roads and the SSB
    grid CSV clipped to the study area; the population run equals the cells whose centre is in it."""
    admin = data / "n1000_kartverket" / "n1000_transport_admin.gpkg"
    wanted = ", ".join(f"'{k}'" for k in COASTAL)
    scenario = tmp_path / "national.toml"
    scenario.write_text(f'''
[scenario]
name = "Helgeland fra nasjonale filer"

[layers]
kommuner = {{ path = "{admin}", layer = "Kommune", where = "kommunenummer IN ({wanted})" }}
roads = {{ path = "{admin}", layer = "Veglenke", clip = true }}
population = {{ path = "{data / 'ssb_popgrid_2015' / 'ru250m_2015.csv'}", clip = true }}
zones = {{ path = "{coastal.gpkg}", layer = "zones" }}

[reuse]
count = 2
''', encoding="utf-8")
    assert main(["--no-progress", "run", str(scenario), "--out", str(tmp_path / "out")]) == 0
    import geopandas as gpd

    balance = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="balance")
    people = balance.loc[balance["stream"] == "population", "quantity"].sum()
    coastal = n1000_kommuner[n1000_kommuner["kommunenummer"].isin(COASTAL)]
    region = shapely.union_all(coastal.geometry.to_numpy())
    inside = shapely.contains_xy(region, ssb_cells["x"].to_numpy(), ssb_cells["y"].to_numpy())
    assert people == pytest.approx(ssb_cells.loc[inside, "pop"].sum(), rel=1e-12)


@pytest.mark.parametrize("ref, message", [
    ('{ path = "ADMIN", layer = "Kommune", where = "no_such_column = 1" }', "cannot be applied"),
    ('{ path = "ADMIN", layer = "Kommune", where = "kommunenummer = \'0000\'" }', "selects no feature"),
    ('{ path = "ADMIN", layer = "Kommune", clip = true }', "use where = ... to choose the kommuner"),
    ('{ path = "ADMIN", layer = "Kommune", where = 5 }', "where must be an SQL condition"),
])
def test_where_and_clip_errors_are_one_line(ref: str, message: str, data: Path, tmp_path: Path,
                                             capsys) -> None:
    admin = data / "n1000_kartverket" / "n1000_transport_admin.gpkg"
    scenario = tmp_path / "bad.toml"
    scenario.write_text("[layers]\nkommuner = " + ref.replace("ADMIN", str(admin)) +
                        f'\nroads = {{ path = "{admin}", layer = "Veglenke" }}\n'
                        f'population = "{data / "ssb_popgrid_2015" / "ru250m_2015.csv"}"\n'
                        f'zones = "{admin}"\n[reuse]\n', encoding="utf-8")
    assert main(["--no-progress", "run", str(scenario), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err


ISLANDS = ["1833", "1834", "1835", "1856"]  # Rana, Lurøy, Træna, Røst: island kommuner with ferries


@pytest.fixture(scope="module")
def islands(data: Path, tmp_path_factory: pytest.TempPathFactory):
    return build_region(out=tmp_path_factory.mktemp("islands"), data=data, kommuner=ISLANDS, grid="1km")


def _ends(lines) -> np.ndarray:
    return np.vstack([shapely.get_coordinates(shapely.get_point(lines, i)) for i in (0, -1)])


def test_every_island_kommune_gets_a_candidate_on_its_own_road(islands, n1000_kommuner) -> None:
    """Træna and Røst have no E/R/F junction (counted here from the road layer); each still gets a
    site, inside its own polygon, centred on the end of one of its own (non-ferry) roads."""
    zones, roads = islands.layers["zones"], islands.layers["roads"]
    assert sorted(zones["kommunenummer"].unique()) == ISLANDS
    polys = n1000_kommuner.set_index(n1000_kommuner["kommunenummer"].astype(str)).geometry
    road_ends = _ends(roads.geometry[~roads["ferry"].astype(bool)].to_numpy())
    for knr in ("1835", "1856"):
        main = roads[roads["vegkategori"].isin(["E", "R", "F"]) & ~roads["ferry"].astype(bool)]
        ends = _ends(main.geometry.to_numpy())
        inside = shapely.contains_xy(polys[knr], ends[:, 0], ends[:, 1])
        _, counts = np.unique(np.round(ends[inside] / 5.0), axis=0, return_counts=True)
        assert (counts < 3).all()  # no main-road junction in the kommune
        site = zones[zones["kommunenummer"] == knr]
        assert len(site) == 1 and "no E/R/F junction" in site["rule"].iloc[0]
        centre = shapely.get_coordinates(site.geometry.centroid.to_numpy())[0]
        assert polys[knr].contains(shapely.Point(centre))
        assert np.hypot(*(road_ends - centre).T).min() < 5.0


def test_region_summary_accounts_for_every_person_by_road_part(islands) -> None:
    """The parts table and the off-network rows sum to the region's people (the run's own snapping)."""
    fig, text = islands.figures, islands.summary_text
    total = float(islands.layers["population"]["population"].sum())
    rows = [line.split("|") for line in text.split("## Vegnettets deler")[1].split("##")[0].splitlines()
            if line.startswith("| ") and not line.startswith("| del")]
    people = sum(float(re.sub(r"\s", "", r[3]) or 0) for r in rows)  # \s: also the (narrow) no-break spaces
    assert people == pytest.approx(total, abs=len(rows))  # each row rounded to a whole person
    assert fig["kommuner_without_site"] == []


def _defaults_row(key: str) -> float:
    """A number of the defaults table read with csv (not through the code under test)."""
    import csv

    from arealsirk import __file__ as package

    with open(Path(package).parent / "defaults.csv", encoding="utf-8") as f:
        return float(next(r["value"] for r in csv.DictReader(f) if r["key"] == key))


@pytest.mark.parametrize("tonnes", [135.0, 200.0])
def test_a_theme_is_enabled_only_where_one_plant_can_pay_off(tonnes) -> None:
    """Rana, Hemnes, Lurøy and Rødøy have 135 t/yr of textiles: above the 50 t minimum site, but
    collecting all of it saves at most 135 x 3 x 100 = 40 500 tonne-km/yr, less than a site's fixed
    50 000, so the run would stop with "no plant pays off"; 200 t (60 000) can pay off."""
    import geopandas as gpd

    from arealsirk.region_builder import _theme_switch

    sources = gpd.GeoDataFrame({"kind": ["textiles", "textiles"], "quantity": [tonnes / 2] * 2,
                                "unit": ["t/yr"] * 2}, geometry=gpd.points_from_xy([0, 1], [0, 1]), crs=25833)
    saving = tonnes * _defaults_row("textiles.uncollected_penalty_factor") * _defaults_row("textiles.max_km")
    fixed = _defaults_row("textiles.plant_fixed_tkm")
    assert tonnes >= _defaults_row("textiles.min_site_t")
    switch = _theme_switch("textiles", "textiles.min_site_t", sources)
    if saving < fixed:
        assert switch.startswith("enabled = false") and "no plant can pay off" in switch
    else:
        assert switch == "enabled = true"


def test_readme_quick_start_region_runs(data: Path, tmp_path: Path) -> None:
    """The README's second quick-start step, exactly as written there: `arealsirk region` with its
    kommuner, then `arealsirk run` on the scenario it wrote, both exit 0."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    line = next(x for x in readme.splitlines() if x.startswith(".venv/bin/arealsirk region --kommuner"))
    numbers = re.search(r"--kommuner (\S+)", line).group(1)
    out = tmp_path / "rana"
    argv = ["--no-progress", "region", "--kommuner", numbers, "--data", str(data), "--out", str(out)]
    assert main(argv) == 0
    assert main(["--no-progress", "run", str(out / "scenario.toml"), "--out", str(out / "results")]) == 0
    assert (out / "results" / "summary.md").exists()
