"""arealsirk:site_reuse_centres -> arealsirk.workflows.site_reuse_centres."""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
)

from ..i18n import tr
from .base import ArealsirkAlgorithm, Callbacks, library_default

OBJECTIVES = ("coverage", "median")


class SiteReuseCentres(ArealsirkAlgorithm):
    NAME = "site_reuse_centres"
    TITLE = ("Site reuse centres", "Lokaliser ombrukssentre")
    GROUP = "siting"
    TAGS = (
        "reuse,recycling,coverage,p-median,drive time,location-allocation",
        "ombruk,gjenbruk,gjenvinningsstasjon,dekning,kjøretid",
    )
    NUMBERS = ("population_covered", "share_covered", "mean_minutes")

    DEMAND = "DEMAND"
    POPULATION_FIELD = "POPULATION_FIELD"
    CANDIDATES = "CANDIDATES"
    ROADS = "ROADS"
    COUNT = "COUNT"
    MAX_MINUTES = "MAX_MINUTES"
    OBJECTIVE = "OBJECTIVE"
    EXISTING = "EXISTING"
    KOMMUNER = "KOMMUNER"
    EXCLUSIONS = "EXCLUSIONS"
    OUTPUT = "OUTPUT"
    ALLOCATION = "ALLOCATION"
    SERVICE_AREAS = "SERVICE_AREAS"
    BY_KOMMUNE = "BY_KOMMUNE"

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: N802
        point_or_polygon = [QgsProcessing.TypeVectorPoint, QgsProcessing.TypeVectorPolygon]
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.DEMAND,
                tr(
                    "Demand (population points or grid cells)",
                    "Etterspørsel (befolkningspunkter eller rutenett)",
                ),
                point_or_polygon,
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.POPULATION_FIELD,
                tr("Population field", "Befolkningsfelt"),
                defaultValue="population",
                parentLayerParameterName=self.DEMAND,
                type=QgsProcessingParameterField.Numeric,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.CANDIDATES, tr("Candidate sites", "Kandidatområder"), point_or_polygon
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.ROADS, tr("Road network (lines)", "Veinett (linjer)"), [QgsProcessing.TypeVectorLine]
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.COUNT,
                tr("Number of reuse centres", "Antall ombrukssentre"),
                QgsProcessingParameterNumber.Integer,
                defaultValue=int(library_default("reuse.count", 3)),
                minValue=1,
                maxValue=1000,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.MAX_MINUTES,
                tr("Drive-time cutoff (minutes)", "Kjøretidsgrense (minutter)"),
                QgsProcessingParameterNumber.Double,
                defaultValue=library_default("reuse.max_minutes", 20.0),
                minValue=0.1,
                maxValue=600.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.OBJECTIVE,
                tr("Objective", "Mål"),
                options=[
                    tr(
                        "Maximal coverage: most people within the cutoff",
                        "Maksimal dekning: flest innenfor grensen",
                    ),
                    tr(
                        "p-median: least total population-weighted drive time",
                        "p-median: minst samlet befolkningsvektet kjøretid",
                    ),
                ],
                defaultValue=0,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.EXISTING,
                tr("Existing stations (kept)", "Eksisterende stasjoner (beholdes)"),
                [QgsProcessing.TypeVectorPoint],
                optional=True,
            )
        )
        self.add_kommuner_and_exclusions(
            ("Municipalities (for the fairness table)", "Kommuner (for rettferdighetstabellen)")
        )
        self.add_sink(
            self.OUTPUT, ("Selected reuse centres", "Valgte ombrukssentre"), QgsProcessing.TypeVectorPoint
        )
        self.add_sink(
            self.ALLOCATION,
            ("Allocation (demand to centre)", "Tilordning (etterspørsel til senter)"),
            QgsProcessing.TypeVectorLine,
        )
        self.add_sink(
            self.SERVICE_AREAS,
            ("Service areas", "Kjøretidssoner"),
            QgsProcessing.TypeVectorPolygon,
            optional=True,
        )
        self.add_sink(
            self.BY_KOMMUNE,
            ("Coverage per municipality (table)", "Dekning per kommune (tabell)"),
            QgsProcessing.TypeVector,
            optional=True,
        )
        self.add_summary_outputs()

    def run_workflow(self, parameters: dict, context: Any, feedback: Any) -> dict:
        site_reuse_centres = self.library("workflows", "site_reuse_centres")
        demand = self.layer(parameters, self.DEMAND, context, feedback)
        candidates = self.layer(parameters, self.CANDIDATES, context, feedback)
        roads = self.layer(parameters, self.ROADS, context, feedback)
        existing = self.layer(parameters, self.EXISTING, context, feedback, optional=True)
        kommuner = self.layer(parameters, self.KOMMUNER, context, feedback, optional=True)
        population = self.parameterAsString(parameters, self.POPULATION_FIELD, context) or "population"
        result = site_reuse_centres(
            demand,
            candidates,
            roads,
            population_column=population,
            count=self.parameterAsInt(parameters, self.COUNT, context),
            max_minutes=self.parameterAsDouble(parameters, self.MAX_MINUTES, context),
            objective=OBJECTIVES[self.parameterAsEnum(parameters, self.OBJECTIVE, context)],
            existing=existing,
            kommuner=kommuner,
            exclusions=self.exclusions(parameters, context, feedback),
            **Callbacks(feedback).kwargs(),
        )
        return self.finish_and_write(
            result,
            parameters,
            context,
            feedback,
            [
                (self.OUTPUT, "selected_sites", "sites", False),
                (self.ALLOCATION, "allocation", "allocation", False),
                (self.SERVICE_AREAS, "service_areas", "service_areas", True),
                (self.BY_KOMMUNE, "by_kommune", None, True),
            ],
        )
