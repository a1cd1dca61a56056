"""Web maps of real Norwegian data from /work/shared (Kartverket kommuner, Matrikkel addresses)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import shapely

from arealsirk import webmap
from arealsirk.datasets import shared_data_dir
from arealsirk.webmap.offline import external_references


@pytest.fixture(scope="module")
def real():
    import geopandas as gpd

    base = shared_data_dir(must_exist=False)
    kom_path = base / "kommuner_fylker_2024" / "Kommuner-M.geojson"
    adr_path = base / "matrikkel_adresser_elverum" / "adresser_elverum_3420.gpkg"
    if not (kom_path.exists() and adr_path.exists()):
        pytest.skip(f"shared data not found under {base}")
    kommuner = gpd.read_file(kom_path)[["kommunenummer", "kommunenavn", "geometry"]]
    adr = gpd.read_file(adr_path, layer="adresser")
    sources = adr[["geometry"]].copy()
    sources["id"] = [f"A{i}" for i in range(len(adr))]
    name_col = "adressenavn" if "adressenavn" in adr.columns else adr.columns[0]
    sources["name"] = adr[name_col].astype(str)
    sources["kind"] = "textiles"
    sources["quantity"] = 0.004  # t/yr of textiles per address, for the example only
    sources["unit"] = "t/yr"
    sources["kommunenummer"] = "3420"
    return kommuner, sources


def test_all_norwegian_kommuner_and_10k_addresses(real, tmp_path):
    kommuner, sources = real
    assert len(kommuner) == 357 and len(sources) > 10_000
    out = webmap.write_map(
        {"kommuner": kommuner, "sources": sources},
        tmp_path / "norge.html",
        title="Norge",
        lang="nb",
        synthetic=False,
    )
    text = out.read_text(encoding="utf-8")
    assert out.stat().st_size <= 5 * 1024 * 1024
    assert external_references(text) == []
    payloads = [json.loads(p) for p in re.findall(r"arealsirkMap\.(?:shapes|points)\((\{.*?\}), map_", text)]
    kom = next(p for p in payloads if p["key"] == "kommuner")
    src_rows = sum(len(p["rows"]) for p in payloads if p["key"] == "sources")
    assert src_rows == len(sources)
    # every kommune is on the map, names with Sami/Kven letters intact
    assert {r[3] for r in kom["rows"]} == set(kommuner["kommunenummer"].astype(str))
    names = {r[2] for r in kom["rows"]}
    assert "Hábmer - Hamarøy" in names or any("Hamarøy" in n for n in names)
    # simplified for display: fewer vertices than the source, but every kommune still has area
    n_in = int(shapely.get_num_coordinates(np.asarray(kommuner.geometry.values)).sum())
    n_out = sum(len(re.findall(r"\[-?\d+\.?\d*,-?\d+\.?\d*\]", json.dumps(r[0]))) for r in kom["rows"])
    assert n_out < n_in
    assert all(shapely.geometry.shape(r[0]).area > 0 for r in kom["rows"])
    # Elverum addresses end up where Elverum is (about 61.0 N, 11.5 E)
    lat = np.array([r[0] for p in payloads if p["key"] == "sources" for r in p["rows"]])
    lon = np.array([r[1] for p in payloads if p["key"] == "sources" for r in p["rows"]])
    assert 60.6 < np.median(lat) < 61.4 and 11.0 < np.median(lon) < 12.2
    # the default attribution names Kartverket and SSB
    assert "Kartdata © Kartverket (CC BY 4.0)" in text
