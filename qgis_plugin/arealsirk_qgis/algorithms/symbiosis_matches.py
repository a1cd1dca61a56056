"""arealsirk:symbiosis_matches -> arealsirk.workflows.symbiosis_matches."""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
)

from ..i18n import tr
from .base import ArealsirkAlgorithm, Callbacks, library_default


class SymbiosisMatches(ArealsirkAlgorithm):
    NAME = "symbiosis_matches"
    TITLE = ("Industrial symbiosis matches", "Industriell symbiose: koblinger")
    GROUP = "analysis"
    TAGS = (
        "symbiosis,excess heat,by-product,matching,circular economy",
        "symbiose,overskuddsvarme,biprodukt,kobling,sirkulær økonomi",
    )
    NUMBERS = ("matches", "matched_heat_gwh", "matched_mass_t", "saving_nok")

    FLOWS = "FLOWS"
    ROADS = "ROADS"
    MAX_HEAT_KM = "MAX_HEAT_KM"
    MAX_KM = "MAX_KM"
    OUTPUT = "OUTPUT"
    BALANCE = "BALANCE"

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: N802
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.FLOWS,
                tr(
                    "Firm supply/demand flows (id, role, kind, quantity, unit, temperature_c)",
                    "Bedrifters tilbud/behov (id, role, kind, quantity, unit, temperature_c)",
                ),
                [QgsProcessing.TypeVectorPoint, QgsProcessing.TypeVectorPolygon],
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.ROADS,
                tr(
                    "Road network (optional; else straight line x detour factor)",
                    "Veinett (valgfritt; ellers luftlinje x omveisfaktor)",
                ),
                [QgsProcessing.TypeVectorLine],
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.MAX_HEAT_KM,
                tr("Longest heat pipe (km)", "Lengste varmerør (km)"),
                QgsProcessingParameterNumber.Double,
                defaultValue=library_default("symbiosis.max_heat_km", 3.0),
                minValue=0.0,
                maxValue=1000.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.MAX_KM,
                tr("Longest material transport (km)", "Lengste materialtransport (km)"),
                QgsProcessingParameterNumber.Double,
                defaultValue=library_default("symbiosis.max_km", 50.0),
                minValue=0.0,
                maxValue=10000.0,
            )
        )
        self.add_sink(self.OUTPUT, ("Symbiosis matches", "Symbiosekoblinger"), QgsProcessing.TypeVectorLine)
        self.add_sink(
            self.BALANCE,
            ("Flow balance (table)", "Balanse per strøm (tabell)"),
            QgsProcessing.TypeVector,
            optional=True,
        )
        self.add_summary_outputs()

    def run_workflow(self, parameters: dict, context: Any, feedback: Any) -> dict:
        symbiosis_matches = self.library("workflows", "symbiosis_matches")
        result = symbiosis_matches(
            self.layer(parameters, self.FLOWS, context, feedback),
            roads=self.layer(parameters, self.ROADS, context, feedback, optional=True),
            max_heat_km=self.parameterAsDouble(parameters, self.MAX_HEAT_KM, context),
            max_km=self.parameterAsDouble(parameters, self.MAX_KM, context),
            **Callbacks(feedback).kwargs(),
        )
        return self.finish_and_write(
            result,
            parameters,
            context,
            feedback,
            [(self.OUTPUT, "matches", "matches", False), (self.BALANCE, "flow_balance", None, True)],
        )
