"""arealsirk:od_matrix -> arealsirk.proximity.od_matrix.

The road layer goes straight to ``arealsirk.proximity.od_matrix`` (which builds the
routable graph with ``arealsirk.network.graph_from_roads``); the cost matrix is written
as one line per origin-destination pair (long format, as QGIS's distance matrix).
"""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
)

from ..i18n import tr
from .base import ArealsirkAlgorithm, Callbacks, library_default

# (library weight, output column, factor from the library's unit to the output unit)
WEIGHTS = (("travel_time", "travel_min", 1.0 / 60.0), ("length", "distance_km", 1.0 / 1000.0))


def identifiers(gdf: Any, field: str | None) -> list[Any]:
    """The chosen id field's values, else the 1-based feature number."""
    if field and field in gdf.columns:
        return list(gdf[field])
    return list(range(1, len(gdf) + 1))


def long_table(
    cost: Any,
    origins: Any,
    targets: Any,
    origin_ids: list,
    target_ids: list,
    *,
    column: str,
    factor: float,
    keep_unreachable: bool,
) -> Any:
    """One line per (origin, target) pair with its cost; pairs in row-major order."""
    import geopandas as gpd
    import numpy as np
    import shapely

    n, m = cost.shape
    i, j = np.divmod(np.arange(n * m), m)
    values = cost.reshape(-1) * factor
    reachable = np.isfinite(values)
    if not keep_unreachable:
        i, j, values, reachable = i[reachable], j[reachable], values[reachable], reachable[reachable]
    a = shapely.get_coordinates(origins.geometry.representative_point().values)
    b = shapely.get_coordinates(targets.geometry.representative_point().values)
    lines = shapely.linestrings(np.stack([a[i], b[j]], axis=1)) if len(i) else []
    return gpd.GeoDataFrame(
        {
            "origin_id": [origin_ids[k] for k in i],
            "target_id": [target_ids[k] for k in j],
            column: np.where(reachable, values, np.nan),
            "reachable": reachable.astype(bool),
        },
        geometry=gpd.GeoSeries(lines, crs=origins.crs),
        crs=origins.crs,
    )


class OdMatrix(ArealsirkAlgorithm):
    NAME = "od_matrix"
    TITLE = ("Road cost matrix (OD)", "Reisetidsmatrise (OD)")
    GROUP = "network"
    TAGS = (
        "origin destination,distance matrix,travel time,shortest path,network",
        "reisetid,avstandsmatrise,korteste vei,nettverk",
    )

    ORIGINS = "ORIGINS"
    ORIGIN_ID = "ORIGIN_ID"
    TARGETS = "TARGETS"
    TARGET_ID = "TARGET_ID"
    ROADS = "ROADS"
    WEIGHT = "WEIGHT"
    CUTOFF = "CUTOFF"
    KEEP_UNREACHABLE = "KEEP_UNREACHABLE"
    OUTPUT = "OUTPUT"

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: N802
        any_geom = [QgsProcessing.TypeVectorPoint, QgsProcessing.TypeVectorPolygon]
        self.addParameter(
            QgsProcessingParameterFeatureSource(self.ORIGINS, tr("Origins", "Startpunkter"), any_geom)
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.ORIGIN_ID,
                tr("Origin id field", "Id-felt for startpunkter"),
                defaultValue="id",
                parentLayerParameterName=self.ORIGINS,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(self.TARGETS, tr("Destinations", "Mål"), any_geom)
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.TARGET_ID,
                tr("Destination id field", "Id-felt for mål"),
                defaultValue="id",
                parentLayerParameterName=self.TARGETS,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.ROADS, tr("Road network (lines)", "Veinett (linjer)"), [QgsProcessing.TypeVectorLine]
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.WEIGHT,
                tr("Cost", "Kostnad"),
                options=[
                    tr("Travel time (minutes)", "Reisetid (minutter)"),
                    tr("Road distance (km)", "Veilengde (km)"),
                ],
                defaultValue=0,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.CUTOFF,
                tr("Cutoff in minutes or km (0 = none)", "Grense i minutter eller km (0 = ingen)"),
                QgsProcessingParameterNumber.Double,
                defaultValue=0.0,
                minValue=0.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterBoolean(
                self.KEEP_UNREACHABLE,
                tr("Keep unreachable pairs", "Ta med par uten forbindelse"),
                defaultValue=False,
            )
        )
        self.add_sink(
            self.OUTPUT, ("Cost matrix (lines)", "Kostnadsmatrise (linjer)"), QgsProcessing.TypeVectorLine
        )

    def run_workflow(self, parameters: dict, context: Any, feedback: Any) -> dict:
        od_matrix = self.library("proximity", "od_matrix")
        origins = self.layer(parameters, self.ORIGINS, context, feedback)
        targets = self.layer(parameters, self.TARGETS, context, feedback)
        roads = self.layer(parameters, self.ROADS, context, feedback)
        weight, column, factor = WEIGHTS[self.parameterAsEnum(parameters, self.WEIGHT, context)]
        cutoff = self.parameterAsDouble(parameters, self.CUTOFF, context)
        cost = od_matrix(
            roads,  # a road layer: the library builds the graph (one library call)
            origins,
            targets,
            weight=weight,
            cutoff=cutoff / factor if cutoff > 0 else None,
            **Callbacks(feedback).kwargs(),
        )
        analysis_crs = f"EPSG:{int(library_default('crs.analysis_epsg', 25833))}"  # the graph's CRS
        table = long_table(
            cost,
            origins.to_crs(analysis_crs),
            targets.to_crs(analysis_crs),
            identifiers(origins, self.parameterAsString(parameters, self.ORIGIN_ID, context)),
            identifiers(targets, self.parameterAsString(parameters, self.TARGET_ID, context)),
            column=column,
            factor=factor,
            keep_unreachable=self.parameterAsBool(parameters, self.KEEP_UNREACHABLE, context),
        )
        feedback.pushInfo(
            tr(
                f"{int(table['reachable'].sum())} of {cost.size} pairs reachable",
                f"{int(table['reachable'].sum())} av {cost.size} par har forbindelse",
            )
        )
        return self.write(parameters, self.OUTPUT, context, table, feedback=feedback, style="od_lines")
