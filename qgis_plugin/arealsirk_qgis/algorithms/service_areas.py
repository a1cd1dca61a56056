"""arealsirk:service_areas -> arealsirk.proximity.service_areas.

The road layer goes straight to the library, which builds the routable graph with
``arealsirk.network.graph_from_roads``.
"""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterString,
)

from ..i18n import tr
from .base import ArealsirkAlgorithm, Callbacks, library_default


def parse_minutes(text: str) -> list[float]:
    """``"15, 20;30"`` -> ``[15.0, 20.0, 30.0]`` (clear error for anything else)."""
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p.strip()]
    if not parts:
        raise QgsProcessingException("MINUTES: give one or more drive times in minutes, e.g. 15,20,30")
    try:
        return [float(p.replace("\u2212", "-")) for p in parts]
    except ValueError:
        raise QgsProcessingException(
            f"MINUTES: '{text}' is not a list of numbers; give drive times in minutes, e.g. 15,20,30"
        ) from None


class ServiceAreas(ArealsirkAlgorithm):
    NAME = "service_areas"
    TITLE = ("Drive-time service areas", "Kjøretidssoner")
    GROUP = "network"
    TAGS = ("isochrone,service area,catchment,drive time,network", "isokron,nedslagsfelt,kjøretid,nettverk")

    FACILITIES = "FACILITIES"
    ID_FIELD = "ID_FIELD"
    ROADS = "ROADS"
    MINUTES = "MINUTES"
    SPLIT = "SPLIT"
    OUTPUT = "OUTPUT"

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: N802
        bands = ",".join(
            f"{library_default(f'reuse.band{k}_minutes', d):g}" for k, d in ((1, 15), (2, 20), (3, 30))
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.FACILITIES,
                tr("Facilities", "Anlegg"),
                [QgsProcessing.TypeVectorPoint, QgsProcessing.TypeVectorPolygon],
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.ID_FIELD,
                tr("Facility id field", "Id-felt for anlegg"),
                defaultValue="id",
                parentLayerParameterName=self.FACILITIES,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.ROADS, tr("Road network (lines)", "Veinett (linjer)"), [QgsProcessing.TypeVectorLine]
            )
        )
        self.addParameter(
            QgsProcessingParameterString(
                self.MINUTES,
                tr("Drive times in minutes (comma separated)", "Kjøretider i minutter (kommaseparert)"),
                defaultValue=bands,
            )
        )
        self.addParameter(
            QgsProcessingParameterBoolean(
                self.SPLIT,
                tr(
                    "Split between facilities (each road to its nearest facility)",
                    "Del mellom anlegg (hver vei til nærmeste anlegg)",
                ),
                defaultValue=False,
            )
        )
        self.add_sink(self.OUTPUT, ("Service areas", "Kjøretidssoner"), QgsProcessing.TypeVectorPolygon)

    def run_workflow(self, parameters: dict, context: Any, feedback: Any) -> dict:
        service_areas = self.library("proximity", "service_areas")
        minutes = parse_minutes(self.parameterAsString(parameters, self.MINUTES, context))
        facilities = self.layer(parameters, self.FACILITIES, context, feedback)
        id_field = self.parameterAsString(parameters, self.ID_FIELD, context) or "id"
        roads = self.layer(parameters, self.ROADS, context, feedback)
        areas = service_areas(
            roads,  # a road layer: the library builds the graph (one library call)
            facilities,
            minutes,
            split=self.parameterAsBool(parameters, self.SPLIT, context),
            id_column=id_field,
            **Callbacks(feedback).kwargs(),
        )
        return self.write(parameters, self.OUTPUT, context, areas, feedback=feedback, style="service_areas")
