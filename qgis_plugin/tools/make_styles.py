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
    QgsFillSymbol,
    QgsGraduatedSymbolRenderer,
    QgsLineSymbol,
    QgsMarkerSymbol,
    QgsRendererRange,
    QgsSingleSymbolRenderer,
    QgsVectorLayer,
)

OUT = Path(__file__).resolve().parent.parent / "arealsirk_qgis" / "styles"


def single(geometry: str, symbol) -> QgsVectorLayer:
    layer = QgsVectorLayer(f"{geometry}?crs=EPSG:25833", "style", "memory")
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    return layer


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    layers: dict[str, QgsVectorLayer] = {
        "sites": single(
            "Point",
            QgsMarkerSymbol.createSimple(
                {
                    "name": "star",
                    "color": "215,25,28,255",
                    "outline_color": "255,255,255,255",
                    "outline_width": "0.4",
                    "size": "6",
                }
            ),
        ),
        "allocation": single(
            "LineString", QgsLineSymbol.createSimple({"line_color": "99,99,99,140", "line_width": "0.26"})
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
        "service_areas": single(
            "Polygon",
            QgsFillSymbol.createSimple(
                {"color": "43,131,186,50", "outline_color": "43,131,186,255", "outline_width": "0.4"}
            ),
        ),
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
