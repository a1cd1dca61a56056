"""compare_maps, static_map and map_from_gpkg (no browser)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from arealsirk import webmap
from arealsirk.errors import InputError, MissingFileError, OutputError
from arealsirk.io import write_layers
from arealsirk.webmap.offline import external_references

from .webmap_synth import INJECT_SCRIPT, make_layers


def test_compare_maps_is_self_contained_and_synchronised(tmp_path, layers):
    right = make_layers(seed=7, inject=False)
    dm = webmap.compare_maps(layers, right, titles=["Dagens", "Alternativ 2"], synthetic=True)
    out = webmap.write_map(dm, tmp_path / "cmp.html")
    text = out.read_text(encoding="utf-8")
    assert external_references(text) == []
    assert "L.Map.Sync.js" in text and ".sync(" in text  # Leaflet.Sync inline and used both ways
    assert len(re.findall(r"\.sync\(map_", text)) == 2
    assert text.count("arealsirkMap.decorate(") == 2
    assert "<title>Dagens | Alternativ 2 (syntetiske data)</title>" in text
    assert INJECT_SCRIPT not in text
    with pytest.raises(InputError, match="titles"):
        webmap.compare_maps(layers, right, titles=["one"])
    with pytest.raises(InputError, match="layout"):
        webmap.compare_maps(layers, right, layout="diagonal")


def _png_stats(path):
    from PIL import Image

    img = np.asarray(Image.open(path).convert("RGB"), dtype=float)
    return img.shape, float(img.std()), len(np.unique(img.reshape(-1, 3), axis=0))


def test_static_map_png_and_pdf(tmp_path, layers):
    png = webmap.static_map(layers, tmp_path / "map.png", title="Biogass $5", synthetic=True, dpi=80)
    shape, std, colours = _png_stats(png)
    assert shape[0] > 300 and shape[1] > 300
    assert std > 20 and colours > 50
    pdf = webmap.static_map(layers, tmp_path / "map.pdf", title="Biogas", lang="en", dpi=80)
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-" and len(data) > 5000
    with pytest.raises(InputError, match=r"\.png, \.pdf or \.svg"):
        webmap.static_map(layers, tmp_path / "map.jpg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.pdf", "map.png"]  # no temp files left


def test_static_map_differs_by_language(tmp_path, layers):
    nb = webmap.static_map(layers, tmp_path / "nb.svg", title="T", lang="nb").read_text(encoding="utf-8")
    en = webmap.static_map(layers, tmp_path / "en.svg", title="T", lang="en").read_text(encoding="utf-8")
    assert nb != en


def test_map_from_gpkg_uses_run_info(tmp_path, layers):
    import pyogrio

    gpkg = tmp_path / "results.gpkg"
    write_layers(gpkg, {**layers, "by_kommune_extra": layers["kommuner"]})
    pyogrio.write_dataframe(
        pd.DataFrame({"key": ["synthetic", "title"], "value": ["true", "Lagret kjøring"]}),
        gpkg,
        layer="run_info",
        append=True,
    )
    out = webmap.map_from_gpkg(gpkg, tmp_path / "map.html", lang="nb")
    text = out.read_text(encoding="utf-8")
    assert "<title>Lagret kjøring (syntetiske data)</title>" in text
    assert external_references(text) == []
    for key in ("sources", "candidates", "selected_sites", "allocation", "service_areas"):
        assert f'"key":"{key}"' in text, key
    # without run_info: not synthetic, title from the file name
    gpkg2 = tmp_path / "plain.gpkg"
    write_layers(gpkg2, {"selected_sites": layers["selected_sites"]})
    text2 = webmap.map_from_gpkg(gpkg2, tmp_path / "m2.html", lang="en").read_text(encoding="utf-8")
    assert "<title>plain</title>" in text2 and "Synthetic" not in text2


def test_map_from_gpkg_errors(tmp_path, layers):
    with pytest.raises(MissingFileError):
        webmap.map_from_gpkg(tmp_path / "nope.gpkg", tmp_path / "m.html")
    gpkg = tmp_path / "other.gpkg"
    write_layers(gpkg, {"roads_only": layers["allocation"]})
    with pytest.raises(InputError, match="no result layers"):
        webmap.map_from_gpkg(gpkg, tmp_path / "m.html")
    with pytest.raises(OutputError, match="overwrite"):
        webmap.map_from_gpkg(gpkg, gpkg)


def test_static_map_tiles_need_contextily_or_fall_back(tmp_path, layers, monkeypatch, caplog):
    import importlib
    import logging
    import sys
    import types

    from arealsirk.errors import OptionalDependencyError

    real_import = importlib.import_module

    def fake_import(name, *a, **k):
        if name == "contextily":
            raise ImportError("no contextily")
        return real_import(name, *a, **k)

    monkeypatch.setattr(importlib, "import_module", fake_import)
    with pytest.raises(OptionalDependencyError, match="contextily"):
        webmap.static_map(layers, tmp_path / "t.png", tiles=True, dpi=50)
    assert not (tmp_path / "t.png").exists()
    monkeypatch.setattr(importlib, "import_module", real_import)
    # contextily present but offline: a warning, and the map is drawn without a background
    fake = types.ModuleType("contextily")

    def add_basemap(*a, **k):
        raise ConnectionError("offline")

    fake.add_basemap = add_basemap
    monkeypatch.setitem(sys.modules, "contextily", fake)
    caplog.set_level(logging.WARNING, logger="arealsirk")
    out = webmap.static_map(layers, tmp_path / "t.png", tiles=True, dpi=50)
    assert out.exists() and "no background tiles" in caplog.text
