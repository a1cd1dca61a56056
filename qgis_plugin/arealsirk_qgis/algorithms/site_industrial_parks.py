"""arealsirk:site_industrial_parks -> arealsirk.workflows.site_industrial_parks."""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
)

from ..i18n import tr
from .base import ArealsirkAlgorithm, Callbacks, library_default

WEIGHTS = (
    ("symbiosis", "Weight: symbiosis potential", "Vekt: symbiosepotensial"),
    ("flows", "Weight: firm flows nearby", "Vekt: bedriftsstrømmer i nærheten"),
    ("rail", "Weight: rail access (needs stations)", "Vekt: jernbanetilgang (krever stasjoner)"),
    ("road", "Weight: main-road access", "Vekt: hovedveitilgang"),
    ("land", "Weight: available land", "Vekt: tilgjengelig areal"),
)


def default_weights() -> dict[str, float]:
    """The defaults table's ``parks.weight_<criterion>`` of the criteria offered here, scaled to sum
    to 1.  The library scales the weights it is given to sum to 1 over the criteria in use, so the
    scaled defaults give the same ranking as the table's planning weights."""
    raw = {key: library_default(f"parks.weight_{key}", 0.2) for key, _en, _nb in WEIGHTS}
    total = sum(raw.values())
    return {key: value / total for key, value in raw.items()}


class SiteIndustrialParks(ArealsirkAlgorithm):
    NAME = "site_industrial_parks"
    TITLE = ("Site circular industrial parks", "Lokaliser sirkulære næringsparker")
    GROUP = "siting"
    TAGS = (
        "industrial park,circular economy,symbiosis,multi-criteria,rail",
        "næringspark,sirkulær økonomi,symbiose,flerkriterie,jernbane",
    )
    NUMBERS = ("saving_nok", "matched_heat_gwh")

    CANDIDATES = "CANDIDATES"
    FLOWS = "FLOWS"
    ROADS = "ROADS"
    STATIONS = "STATIONS"
    COUNT = "COUNT"
    KOMMUNER = "KOMMUNER"
    EXCLUSIONS = "EXCLUSIONS"
    OUTPUT = "OUTPUT"
    SCORED = "SCORED"
    MATCHES = "MATCHES"

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: N802
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.CANDIDATES,
                tr("Candidate zones (industrial/business land)", "Kandidatområder (nærings-/industriareal)"),
                [QgsProcessing.TypeVectorPolygon, QgsProcessing.TypeVectorPoint],
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.FLOWS,
                tr("Firm supply/demand flows", "Bedrifters tilbud/behov (strømmer)"),
                [QgsProcessing.TypeVectorPoint, QgsProcessing.TypeVectorPolygon],
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.ROADS, tr("Road network (lines)", "Veinett (linjer)"), [QgsProcessing.TypeVectorLine]
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.STATIONS,
                tr("Rail stations / terminals", "Jernbanestasjoner / terminaler"),
                [QgsProcessing.TypeVectorPoint],
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.COUNT,
                tr("Number of parks", "Antall parker"),
                QgsProcessingParameterNumber.Integer,
                defaultValue=int(library_default("parks.count", 2)),
                minValue=1,
                maxValue=100,
            )
        )
        for key, en, nb in WEIGHTS:
            weight = QgsProcessingParameterNumber(
                f"WEIGHT_{key.upper()}",
                tr(en, nb),
                QgsProcessingParameterNumber.Double,
                defaultValue=default_weights()[key],
                minValue=0.0,
                maxValue=1.0,
            )
            weight.setMetadata({"widget_wrapper": {"decimals": 3}})
            self.addParameter(weight)
        self.add_kommuner_and_exclusions(("Municipalities", "Kommuner"))
        self.add_sink(self.OUTPUT, ("Selected parks", "Valgte parker"), QgsProcessing.TypeVectorPoint)
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.SCORED,
                tr("Scored candidates", "Rangerte kandidater"),
                QgsProcessing.TypeVectorAnyGeometry,
                optional=True,
            )
        )
        self.add_sink(
            self.MATCHES,
            ("Symbiosis matches", "Symbiosekoblinger"),
            QgsProcessing.TypeVectorLine,
            optional=True,
        )
        self.add_summary_outputs()

    def run_workflow(self, parameters: dict, context: Any, feedback: Any) -> dict:
        site_industrial_parks = self.library("workflows", "site_industrial_parks")
        weights = {
            key: self.parameterAsDouble(parameters, f"WEIGHT_{key.upper()}", context)
            for key, _en, _nb in WEIGHTS
        }
        result = site_industrial_parks(
            self.layer(parameters, self.CANDIDATES, context, feedback),
            self.layer(parameters, self.FLOWS, context, feedback),
            self.layer(parameters, self.ROADS, context, feedback),
            count=self.parameterAsInt(parameters, self.COUNT, context),
            stations=self.layer(parameters, self.STATIONS, context, feedback, optional=True),
            weights=weights,
            kommuner=self.layer(parameters, self.KOMMUNER, context, feedback, optional=True),
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
                (self.SCORED, "candidates", "candidates", True),
                (self.MATCHES, "matches", "matches", True),
            ],
        )
