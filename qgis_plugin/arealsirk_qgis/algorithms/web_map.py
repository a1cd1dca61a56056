"""arealsirk:web_map -> arealsirk.webmap.write_map (one self-contained offline HTML file)."""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterString,
)

from ..i18n import language, tr
from .base import ArealsirkAlgorithm

# (parameter, results-schema layer name, English, Norwegian)
ROLES = (
    ("SELECTED_SITES", "selected_sites", "Selected sites", "Valgte lokaliteter"),
    ("ALLOCATION", "allocation", "Allocation lines", "Tilordningslinjer"),
    ("CANDIDATES", "candidates", "Candidates (scored)", "Kandidater (rangert)"),
    ("SOURCES", "sources", "Resource sources", "Ressurskilder"),
    ("EXISTING", "existing", "Existing facilities", "Eksisterende anlegg"),
    ("CATCHMENTS", "catchments", "Catchments", "Nedslagsfelt"),
    ("SERVICE_AREAS", "service_areas", "Service areas", "Kjøretidssoner"),
    ("MATCHES", "matches", "Symbiosis matches", "Symbiosekoblinger"),
    ("KOMMUNER", "kommuner", "Municipalities", "Kommuner"),
)
LANGS = ("nb", "en")


class WebMap(ArealsirkAlgorithm):
    NAME = "web_map"
    TITLE = ("Offline web map (HTML)", "Offline nettkart (HTML)")
    GROUP = "maps"
    TAGS = ("web map,html,leaflet,folium,offline,share", "nettkart,html,offline,deling")

    TITLE_PARAM = "TITLE"
    LANGUAGE = "LANGUAGE"
    SYNTHETIC = "SYNTHETIC"
    OUTPUT = "OUTPUT"

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: N802
        for param, _layer, en, nb in ROLES:
            self.addParameter(
                QgsProcessingParameterFeatureSource(
                    param, tr(en, nb), [QgsProcessing.TypeVectorAnyGeometry], optional=True
                )
            )
        self.addParameter(
            QgsProcessingParameterString(
                self.TITLE_PARAM, tr("Map title", "Karttittel"), defaultValue="arealsirk"
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.LANGUAGE,
                tr("Language of labels and legend", "Språk i etiketter og tegnforklaring"),
                options=["Norsk bokmål", "English"],
                defaultValue=LANGS.index(language()),
            )
        )
        self.addParameter(
            QgsProcessingParameterBoolean(
                self.SYNTHETIC, tr("Mark as synthetic data", "Merk som syntetiske data"), defaultValue=False
            )
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT, tr("Web map", "Nettkart"), fileFilter="HTML (*.html)"
            )
        )

    def run_workflow(self, parameters: dict, context: Any, feedback: Any) -> dict:
        write_map = self.library("webmap", "write_map")
        layers = {}
        for param, layer_name, _en, _nb in ROLES:
            gdf = self.layer(parameters, param, context, feedback, optional=True)
            if gdf is not None:
                layers[layer_name] = gdf
        if not layers:
            from qgis.core import QgsProcessingException

            raise QgsProcessingException(
                tr("choose at least one layer for the map", "velg minst ett kartlag")
            )
        path = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        feedback.setProgressText(tr("writing the map", "skriver kartet"))
        written = write_map(
            layers,
            path,
            title=self.parameterAsString(parameters, self.TITLE_PARAM, context) or "arealsirk",
            lang=LANGS[self.parameterAsEnum(parameters, self.LANGUAGE, context)],
            synthetic=self.parameterAsBool(parameters, self.SYNTHETIC, context),
        )
        feedback.setProgress(100)
        return {self.OUTPUT: str(written)}
