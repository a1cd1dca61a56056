"""arealsirk:site_biogas -> arealsirk.workflows.site_biogas.

:class:`SiteBiogas` is also the shape of the other feedstock themes (bioenergy, textile reuse):
their modules subclass it and change only the class attributes naming the library function, the
defaults-table prefix, the minimum-size keyword and the labels.
"""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
)

from ..i18n import tr
from .base import ArealsirkAlgorithm, Callbacks, library_default


class SiteBiogas(ArealsirkAlgorithm):
    NAME = "site_biogas"
    TITLE = ("Site biogas plants", "Lokaliser biogassanlegg")
    GROUP = "siting"
    TAGS = (
        "biogas,manure,food waste,sludge,methane,facility location,tonne-km",
        "biogass,husdyrgjødsel,matavfall,slam,metan,tonnkilometer",
    )
    NUMBERS = ("feedstock_t", "methane_nm3", "energy_gwh", "tonne_km", "co2_t")
    #: library function in arealsirk.workflows, defaults-table prefix, minimum-size keyword
    FUNCTION = "site_biogas"
    PREFIX = "biogas"
    MIN_KEYWORD = "min_plant_t"
    #: labels (English, Norwegian)
    SOURCES_LABEL = ("Feedstock sources (farms, food waste, sludge)",
                     "Råstoffkilder (gårder, matavfall, slam)")
    KIND_LABEL = ("Feedstock kind field (cattle_manure, pig_manure, food_waste, sewage_sludge ...)",
                  "Felt med råstofftype")
    COUNT_LABEL = ("Number of plants (0 = let transport vs plant cost decide)",
                   "Antall anlegg (0 = avveid mot transportkostnad)")
    MAX_KM_LABEL = ("Maximum road distance source to plant, km (empty = per-kind biogas.max_km.<kind>)",
                    "Maks veiavstand kilde-anlegg, km (tomt = grense per type, biogas.max_km.<type>)")
    MIN_LABEL = ("Minimum feedstock of an open plant (t/yr)", "Minste råstoffmengde per anlegg (t/år)")
    CAPACITY_LABEL = ("Capacity of a new plant (t/yr)", "Kapasitet per nytt anlegg (t/år)")
    EXISTING_LABEL = ("Existing biogas plants (kept)", "Eksisterende biogassanlegg (beholdes)")
    OUTPUT_LABEL = ("Selected biogas plants", "Valgte biogassanlegg")
    ALLOCATION_LABEL = ("Feedstock allocation (source to plant)", "Tilordning (kilde til anlegg)")

    SOURCES = "SOURCES"
    ID_FIELD = "ID_FIELD"
    KIND_FIELD = "KIND_FIELD"
    QUANTITY_FIELD = "QUANTITY_FIELD"
    UNIT_FIELD = "UNIT_FIELD"
    CANDIDATES = "CANDIDATES"
    ROADS = "ROADS"
    COUNT = "COUNT"
    MAX_KM = "MAX_KM"
    MIN_PLANT_T = "MIN_PLANT_T"
    CAPACITY_T = "CAPACITY_T"
    EXISTING = "EXISTING"
    KOMMUNER = "KOMMUNER"
    EXCLUSIONS = "EXCLUSIONS"
    OUTPUT = "OUTPUT"
    ALLOCATION = "ALLOCATION"
    CATCHMENTS = "CATCHMENTS"
    BY_KOMMUNE = "BY_KOMMUNE"

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: N802
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.SOURCES,
                tr(*self.SOURCES_LABEL),
                [QgsProcessing.TypeVectorPoint],
            )
        )
        for name, en, nb, default, ftype in (
            (self.ID_FIELD, "Source id field", "Felt med kilde-id", "id", QgsProcessingParameterField.Any),
            (
                self.KIND_FIELD,
                *self.KIND_LABEL,
                "kind",
                QgsProcessingParameterField.String,
            ),
            (
                self.QUANTITY_FIELD,
                "Quantity field",
                "Mengdefelt",
                "quantity",
                QgsProcessingParameterField.Numeric,
            ),
            (
                self.UNIT_FIELD,
                "Unit field (t/yr)",
                "Enhetsfelt (t/år)",
                "unit",
                QgsProcessingParameterField.String,
            ),
        ):
            self.addParameter(
                QgsProcessingParameterField(
                    name,
                    tr(en, nb),
                    defaultValue=default,
                    parentLayerParameterName=self.SOURCES,
                    type=ftype,
                    optional=True,
                )
            )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.CANDIDATES,
                tr("Candidate sites", "Kandidatområder"),
                [QgsProcessing.TypeVectorPoint, QgsProcessing.TypeVectorPolygon],
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
                tr(*self.COUNT_LABEL),
                QgsProcessingParameterNumber.Integer,
                defaultValue=0,
                minValue=0,
                maxValue=1000,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.MAX_KM,
                tr(*self.MAX_KM_LABEL),
                QgsProcessingParameterNumber.Double,
                minValue=0.1,
                maxValue=1000.0,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.MIN_PLANT_T,
                tr(*self.MIN_LABEL),
                QgsProcessingParameterNumber.Double,
                defaultValue=library_default(f"{self.PREFIX}.{self.MIN_KEYWORD}", 0.0),
                minValue=0.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.CAPACITY_T,
                tr(*self.CAPACITY_LABEL),
                QgsProcessingParameterNumber.Double,
                defaultValue=library_default(f"{self.PREFIX}.capacity_t", 60000.0),
                minValue=1.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.EXISTING,
                tr(*self.EXISTING_LABEL),
                [QgsProcessing.TypeVectorPoint],
                optional=True,
            )
        )
        self.add_kommuner_and_exclusions(
            ("Municipalities (for the per-municipality table)", "Kommuner (for tabellen per kommune)")
        )
        self.add_sink(self.OUTPUT, self.OUTPUT_LABEL, QgsProcessing.TypeVectorPoint)
        self.add_sink(self.ALLOCATION, self.ALLOCATION_LABEL, QgsProcessing.TypeVectorLine)
        self.add_sink(
            self.CATCHMENTS, ("Catchments", "Nedslagsfelt"), QgsProcessing.TypeVectorPolygon, optional=True
        )
        self.add_sink(
            self.BY_KOMMUNE,
            ("Figures per municipality (table)", "Tall per kommune (tabell)"),
            QgsProcessing.TypeVector,
            optional=True,
        )
        self.add_summary_outputs()

    def run_workflow(self, parameters: dict, context: Any, feedback: Any) -> dict:
        site = self.library("workflows", self.FUNCTION)
        sources = self.layer(parameters, self.SOURCES, context, feedback)
        for param, column in (
            (self.ID_FIELD, "id"),
            (self.KIND_FIELD, "kind"),
            (self.QUANTITY_FIELD, "quantity"),
            (self.UNIT_FIELD, "unit"),
        ):
            sources = self.field_as(sources, self.parameterAsString(parameters, param, context), column)
        candidates = self.layer(parameters, self.CANDIDATES, context, feedback)
        roads = self.layer(parameters, self.ROADS, context, feedback)
        count = self.parameterAsInt(parameters, self.COUNT, context)
        result = site(
            sources,
            candidates,
            roads,
            count=count if count > 0 else None,
            max_km=self.optional_number(parameters, self.MAX_KM, context),
            **{self.MIN_KEYWORD: self.parameterAsDouble(parameters, self.MIN_PLANT_T, context)},
            capacity_t=self.parameterAsDouble(parameters, self.CAPACITY_T, context),
            existing=self.layer(parameters, self.EXISTING, context, feedback, optional=True),
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
                (self.ALLOCATION, "allocation", "allocation", False),
                (self.CATCHMENTS, "catchments", "catchments", True),
                (self.BY_KOMMUNE, "by_kommune", None, True),
            ],
        )
