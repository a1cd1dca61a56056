"""arealsirk:suitability -> arealsirk.scoring.suitability (raster weighted overlay)."""

from __future__ import annotations

import re
from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterString,
)

from ..i18n import tr
from .base import ArealsirkAlgorithm, Callbacks

DIRECTIONS = ("high", "low", "near")
ALIGN = ("refuse", "resample")


def split_list(text: str, n: int, name: str) -> list[str]:
    """``"a, b;c"`` -> ``["a", "b", "c"]``; one value is repeated ``n`` times; else exactly ``n`` values."""
    parts = [p.strip() for p in re.split(r"[,;\s]+", text or "") if p.strip()]
    if len(parts) == 1:
        return parts * n
    if len(parts) != n:
        raise QgsProcessingException(
            f"{name}: give one value or one per raster ({n}), got {len(parts)}: '{text}'"
        )
    return parts


def criterion_names(layers: list[Any]) -> list[str]:
    """Unique, file-name-safe criterion names from the raster layer names."""
    names: list[str] = []
    for layer in layers:
        base = re.sub(r"[^0-9A-Za-z_]+", "_", layer.name()).strip("_") or "criterion"
        name, k = base, 2
        while name in names:
            name, k = f"{base}_{k}", k + 1
        names.append(name)
    return names


class Suitability(ArealsirkAlgorithm):
    NAME = "suitability"
    TITLE = ("Suitability (weighted raster overlay)", "Egnethet (vektet rasteroverlegg)")
    GROUP = "analysis"
    TAGS = (
        "suitability,multi-criteria,weighted overlay,MCDA,AHP,raster",
        "egnethet,flerkriterieanalyse,vektet overlegg,raster",
    )

    RASTERS = "RASTERS"
    BETTER = "BETTER"
    WEIGHTS = "WEIGHTS"
    MASK = "MASK"
    ALIGN = "ALIGN"
    OUTPUT = "OUTPUT"
    CRITERIA_DIR = "CRITERIA_DIR"

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: N802
        self.addParameter(
            QgsProcessingParameterMultipleLayers(
                self.RASTERS,
                tr("Criterion rasters (GeoTIFF)", "Kriterieraster (GeoTIFF)"),
                QgsProcessing.TypeRaster,
            )
        )
        self.addParameter(
            QgsProcessingParameterString(
                self.BETTER,
                tr(
                    "Better values per raster: high, low or near (comma separated; one value = all)",
                    "Bedre verdier per raster: high, low eller near (kommaseparert; én verdi = alle)",
                ),
                defaultValue="high",
            )
        )
        self.addParameter(
            QgsProcessingParameterString(
                self.WEIGHTS,
                tr(
                    "Weights per raster (comma separated; empty = equal)",
                    "Vekter per raster (kommaseparert; tom = like)",
                ),
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.MASK,
                tr("Feasible land (polygons; outside = nodata)", "Mulig areal (polygoner; utenfor = nodata)"),
                [QgsProcessing.TypeVectorPolygon],
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.ALIGN,
                tr("Rasters on different grids", "Raster på ulike rutenett"),
                options=[
                    tr("Refuse (error)", "Avvis (feil)"),
                    tr("Resample onto the first raster's grid", "Resampl til første rasters rutenett"),
                ],
                defaultValue=0,
            )
        )
        self.addParameter(
            QgsProcessingParameterRasterDestination(self.OUTPUT, tr("Suitability (0..1)", "Egnethet (0..1)"))
        )
        self.addParameter(
            QgsProcessingParameterFolderDestination(
                self.CRITERIA_DIR,
                tr("Folder for the normalised criterion scores", "Mappe for normaliserte kriterieskårer"),
                optional=True,
                createByDefault=False,
            )
        )
        self.addOutput(QgsProcessingOutputNumber("VALID_CELLS", tr("Valid cells", "Gyldige celler")))
        self.addOutput(QgsProcessingOutputNumber("MEAN", tr("Mean suitability", "Gjennomsnittlig egnethet")))

    def run_workflow(self, parameters: dict, context: Any, feedback: Any) -> dict:
        suitability = self.library("scoring", "suitability")
        from arealsirk.scoring import RasterCriterion

        layers = self.parameterAsLayerList(parameters, self.RASTERS, context)
        if not layers:
            raise QgsProcessingException("RASTERS: choose at least one criterion raster")
        names = criterion_names(layers)
        betters = split_list(self.parameterAsString(parameters, self.BETTER, context), len(layers), "BETTER")
        for b in betters:
            if b not in DIRECTIONS:
                raise QgsProcessingException(f"BETTER: '{b}' is not one of {', '.join(DIRECTIONS)}")
        weights_text = self.parameterAsString(parameters, self.WEIGHTS, context)
        weights = None
        if weights_text and weights_text.strip():
            try:
                values = [float(w) for w in split_list(weights_text, len(layers), "WEIGHTS")]
            except ValueError:
                raise QgsProcessingException(f"WEIGHTS: '{weights_text}' is not a list of numbers") from None
            weights = dict(zip(names, values))  # noqa: B905 - Python 3.9
        criteria = []
        for layer, name, better in zip(layers, names, betters):  # noqa: B905 - Python 3.9
            path = layer.dataProvider().dataSourceUri().split("|")[0]
            criteria.append(RasterCriterion(name=name, path=path, better=better))
        mask = self.layer(parameters, self.MASK, context, feedback, optional=True)
        out_path = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        criteria_dir = self.parameterAsString(parameters, self.CRITERIA_DIR, context) or None
        result = suitability(
            criteria,
            weights,
            out_path,
            mask=mask,
            criteria_dir=criteria_dir,
            align=ALIGN[self.parameterAsEnum(parameters, self.ALIGN, context)],
            **Callbacks(feedback).kwargs(),
        )
        feedback.pushInfo(
            tr("weights: ", "vekter: ") + ", ".join(f"{k} {v:.3f}" for k, v in result.weights.items())
        )
        outputs: dict[str, Any] = {
            self.OUTPUT: str(result.path),
            "VALID_CELLS": result.valid_cells,
            "MEAN": result.stats.get("mean"),
        }
        if criteria_dir:
            outputs[self.CRITERIA_DIR] = criteria_dir
        return outputs
