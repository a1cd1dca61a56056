"""Regenerate the plugin's QML styles with QGIS itself (run with a Python that imports qgis.core).

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis_plugin/tools/make_styles.py

Writing the styles through QGIS (instead of by hand) guarantees they load in the
oldest supported QGIS (3.22).  Not shipped in the plugin zip.
"""

from __future__ import annotations

import gc
from pathlib import Path

from qgis.core import (
    QgsApplication,
    QgsFeatureRequest,
    QgsFillSymbol,
    QgsGraduatedSymbolRenderer,
    QgsLineSymbol,
    QgsMarkerSymbol,
    QgsRendererRange,
    QgsRuleBasedRenderer,
    QgsSingleSymbolRenderer,
    QgsVectorLayer,
)

OUT = Path(__file__).resolve().parent.parent / "arealsirk_qgis" / "styles"


def single(geometry: str, symbol) -> QgsVectorLayer:
    layer = QgsVectorLayer(f"{geometry}?crs=EPSG:25833", "style", "memory")
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    return layer


#: facility_type -> (colour, English label) of the chosen sites; the labels are translated when loaded
#: (base.SITE_LABELS_NB).  New sites: a large star in the colour; kept existing sites: a smaller
#: circle, white with a ring in the colour.
FACILITIES = (
    ("biogas_plant", "0,128,60", "biogas plant"),
    ("bioenergy_plant", "140,81,10", "bioenergy plant"),
    ("textile_site", "123,50,148", "textile reuse site"),
    ("reuse_centre", "33,102,172", "reuse centre"),
    ("industrial_park", "208,28,139", "industrial park"),
)
#: travel-time bands of the zones (minutes, upper bound inclusive) and their fill colours, near = dark
BANDS = ((0.0, 15.0, "8,81,156", 110), (15.0, 20.0, "49,130,189", 80), (20.0, 30.0, "107,174,214", 60),
         (30.0, 1e9, "189,215,231", 50))


def sites_layer() -> QgsVectorLayer:
    """Rule-based: one rule per facility type x new/existing, and an ELSE rule (nothing is hidden)."""
    layer = QgsVectorLayer(
        "Point?crs=EPSG:25833&field=facility_type:string&field=existing:boolean", "style", "memory"
    )
    root = QgsRuleBasedRenderer.Rule(None)
    for ftype, colour, label in FACILITIES:
        new = QgsMarkerSymbol.createSimple({
            "name": "star", "color": f"{colour},255", "outline_color": "255,255,255,255",
            "outline_width": "0.4", "size": "7",
        })
        old = QgsMarkerSymbol.createSimple({
            "name": "circle", "color": "255,255,255,230", "outline_color": f"{colour},255",
            "outline_width": "1.0", "size": "4",
        })
        test = f"\"facility_type\" = '{ftype}'"
        root.appendChild(QgsRuleBasedRenderer.Rule(
            new, 0, 0, f"{test} AND NOT coalesce(\"existing\", false)", f"New {label}"))
        root.appendChild(QgsRuleBasedRenderer.Rule(
            old, 0, 0, f"{test} AND coalesce(\"existing\", false)", f"Existing {label} (kept)"))
    other = QgsRuleBasedRenderer.Rule(
        QgsMarkerSymbol.createSimple({"name": "diamond", "color": "99,99,99,255", "size": "4"}),
        0, 0, "ELSE", "Other site",
    )
    root.appendChild(other)
    layer.setRenderer(QgsRuleBasedRenderer(root))
    return layer


def zones_layer() -> QgsVectorLayer:
    """Graduated on ``minutes``: 15/20/30 min bands distinct, the nearest band drawn on top."""
    layer = QgsVectorLayer("Polygon?crs=EPSG:25833&field=minutes:double", "style", "memory")
    ranges = []
    for low, high, colour, alpha in BANDS:
        symbol = QgsFillSymbol.createSimple(
            {"color": f"{colour},{alpha}", "outline_color": f"{colour},255", "outline_width": "0.3"}
        )
        label = f"> {low:g} min" if high > 1e8 else f"{low:g} - {high:g} min"
        ranges.append(QgsRendererRange(low, high, symbol, label))
    renderer = QgsGraduatedSymbolRenderer("minutes", ranges)
    renderer.setOrderBy(QgsFeatureRequest.OrderBy([QgsFeatureRequest.OrderByClause("minutes", False)]))
    renderer.setOrderByEnabled(True)
    layer.setRenderer(renderer)
    return layer


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    layers: dict[str, QgsVectorLayer] = {
        "sites": sites_layer(),
        "allocation": single(
            "LineString", QgsLineSymbol.createSimple({"line_color": "99,99,99,110", "line_width": "0.1"})
        ),
        "matches": single(
            "LineString",
            QgsLineSymbol.createSimple(
                {"line_color": "230,97,1,255", "line_width": "0.8", "line_style": "dash"}
            ),
        ),
        "od_lines": single(
            "LineString", QgsLineSymbol.createSimple({"line_color": "120,120,120,90", "line_width": "0.2"})
        ),
        "service_areas": zones_layer(),
        "catchments": single(
            "Polygon",
            QgsFillSymbol.createSimple(
                {"color": "26,150,65,40", "outline_color": "26,150,65,255", "outline_width": "0.5"}
            ),
        ),
    }
    # scored candidates: five classes of score_total, red (poor) to green (good)
    candidates = QgsVectorLayer("Polygon?crs=EPSG:25833&field=score_total:double", "style", "memory")
    colours = ["215,25,28", "253,174,97", "255,255,191", "166,217,106", "26,150,65"]
    ranges = []
    for k, colour in enumerate(colours):
        low, high = k / 5, (k + 1) / 5
        symbol = QgsFillSymbol.createSimple(
            {"color": f"{colour},200", "outline_color": "80,80,80,255", "outline_width": "0.2"}
        )
        ranges.append(QgsRendererRange(low, high, symbol, f"{low:.1f} - {high:.1f}"))
    candidates.setRenderer(QgsGraduatedSymbolRenderer("score_total", ranges))
    layers["candidates"] = candidates
    for name, layer in layers.items():
        message, ok = layer.saveNamedStyle(str(OUT / f"{name}.qml"))
        if not ok:
            raise SystemExit(f"{name}: {message}")
        print("wrote", OUT / f"{name}.qml")


if __name__ == "__main__":
    app = QgsApplication([], False)
    app.initQgis()
    main()
    gc.collect()
    app.exitQgis()
