"""Shared machinery of every arealsirk Processing algorithm.

An algorithm subclass declares its parameters in ``initAlgorithm`` and implements
``run_workflow(parameters, context, feedback)``, which reads the parameters, converts the
layers with :mod:`..convert`, calls exactly one public ``arealsirk`` function
(looked up with :meth:`ArealsirkAlgorithm.library`), writes the outputs with
:meth:`ArealsirkAlgorithm.write` and returns the outputs dict.  This base class

* maps exceptions like the CLI (:func:`processing_error`): user errors become a
  ``QgsProcessingException`` with the one-line message, bugs log their traceback,
* routes the library's log records to the Processing log while the algorithm runs,
* gives the library ``progress`` / ``is_cancelled`` callables bound to the feedback,
* styles outputs when QGIS loads them (:class:`StylePostProcessor`: QML, decimals, order, visibility),
* writes the summary as an HTML page for the Results Viewer (:mod:`..summary`),
* chooses names and help in Norwegian or English (:mod:`..i18n`).
"""

from __future__ import annotations

import importlib
import traceback
import uuid
from pathlib import Path
from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterRasterLayer,
    QgsProject,
    QgsRuleBasedRenderer,
)
from qgis.PyQt.QtGui import QIcon

from .. import convert, formatting, i18n, logbridge
from .. import summary as summary_text

PLUGIN_DIR = Path(__file__).resolve().parent.parent
STYLE_DIR = PLUGIN_DIR / "styles"

GROUPS: dict[str, tuple[str, str]] = {
    "siting": ("Site selection", "Lokalisering"),
    "analysis": ("Suitability and symbiosis", "Egnethet og symbiose"),
    "network": ("Road network", "Veinett"),
    "maps": ("Maps", "Kart"),
}

# Post-processors must outlive the algorithm object (QGIS runs them after the
# algorithm finished, on the main thread); keep the most recent ones referenced.
_POST_PROCESSORS: list[QgsProcessingLayerPostProcessorInterface] = []
#: run token -> [(rank, layer id)] of the layers of one run loaded so far (for their order)
_RUN_LAYERS: dict[str, list[tuple[int, str]]] = {}

#: place of each styled output in the layer tree, top first: sites above lines above zones above
#: scored land; tables (per-kommune figures, no style) at the bottom
LAYER_RANK: dict[str | None, int] = {
    "sites": 0, "matches": 1, "od_lines": 1, "allocation": 2, "service_areas": 3, "catchments": 3,
    "candidates": 4, None: 5,
}
#: styles whose layer is loaded switched off (thousands of lines would cover the map)
HIDDEN_BY_DEFAULT = frozenset({"allocation"})
#: bokmål legend labels of the sites style (styles/sites.qml is written in English)
SITE_LABELS_NB: dict[str, str] = {
    "New biogas plant": "Nytt biogassanlegg",
    "Existing biogas plant (kept)": "Eksisterende biogassanlegg (beholdes)",
    "New bioenergy plant": "Nytt bioenergianlegg",
    "Existing bioenergy plant (kept)": "Eksisterende bioenergianlegg (beholdes)",
    "New textile reuse site": "Nytt anlegg for tekstilombruk",
    "Existing textile reuse site (kept)": "Eksisterende anlegg for tekstilombruk (beholdes)",
    "New reuse centre": "Nytt ombrukssenter",
    "Existing reuse centre (kept)": "Eksisterende ombrukssenter (beholdes)",
    "New industrial park": "Ny næringspark",
    "Existing industrial park (kept)": "Eksisterende næringspark (beholdes)",
    "Other site": "Annen lokalitet",
}


class StylePostProcessor(QgsProcessingLayerPostProcessorInterface):
    """Style an output layer once QGIS has loaded it.

    Applies ``styles/<style>.qml`` (legend labels in the user's language), sensible decimals on
    every number field (:mod:`..formatting`), switches the layer off when its style is in
    :data:`HIDDEN_BY_DEFAULT`, and keeps the layers of one run in :data:`LAYER_RANK` order in the
    layer tree, whatever order QGIS loads them in.
    """

    def __init__(self, style: str | None, run: str = "") -> None:
        super().__init__()
        self.style = style
        self.qml = STYLE_DIR / f"{style}.qml" if style else None
        self.run = run
        self.rank = LAYER_RANK.get(style, LAYER_RANK[None])

    def postProcessLayer(self, layer: Any, context: Any, feedback: Any) -> None:  # noqa: N802
        if layer is None or not layer.isValid():
            return
        if self.qml is not None and self.qml.is_file():
            _message, ok = layer.loadNamedStyle(str(self.qml))
            if not ok and feedback is not None:
                feedback.pushWarning(f"could not apply style {self.qml.name}")
            _translate_legend(layer)
        if hasattr(layer, "fields"):
            formatting.apply_number_formats(layer)
        layer.triggerRepaint()
        project = context.project() if context is not None and context.project() else QgsProject.instance()
        root = project.layerTreeRoot()
        node = root.findLayer(layer.id())
        if node is not None and self.style in HIDDEN_BY_DEFAULT:
            node.setItemVisibilityChecked(False)
        if self.run not in _RUN_LAYERS and len(_RUN_LAYERS) >= 64:
            del _RUN_LAYERS[next(iter(_RUN_LAYERS))]  # forget the oldest run
        layers = _RUN_LAYERS.setdefault(self.run, [])
        layers.append((self.rank, layer.id()))
        _order_in_tree(root, layers)


def _translate_legend(layer: Any) -> None:
    """Rule labels of a rule-based renderer in bokmål when QGIS runs in bokmål."""
    renderer = layer.renderer() if hasattr(layer, "renderer") else None
    if i18n.language() != "nb" or not isinstance(renderer, QgsRuleBasedRenderer):
        return
    for rule in renderer.rootRule().descendants():
        rule.setLabel(SITE_LABELS_NB.get(rule.label(), rule.label()))


def _order_in_tree(root: Any, layers: list[tuple[int, str]]) -> None:
    """Put the tree nodes of ``layers`` (rank, layer id) in rank order where the top-most one was."""
    nodes = [(rank, k, root.findLayer(lid)) for k, (rank, lid) in enumerate(layers)]
    nodes = [t for t in nodes if t[2] is not None]
    if len(nodes) < 2:
        return
    parent = nodes[0][2].parent()
    if any(n.parent() is not parent for _, _, n in nodes):
        return  # the user has moved them into different groups: leave them
    children = parent.children()
    current = [children.index(n) for _, _, n in nodes]
    wanted = [n for _, _, n in sorted(nodes, key=lambda t: (t[0], t[1]))]
    if [children[i] for i in sorted(current)] == wanted:
        return
    top = min(current)
    # insert the copies first, then remove the originals: a layer never leaves the tree (and the project)
    parent.insertChildNodes(top, [n.clone() for n in wanted])
    for _, _, n in nodes:
        parent.removeChildNode(n)


def style_when_loaded(context: Any, dest_id: str | None, style: str | None, run: str = "") -> None:
    """Register a :class:`StylePostProcessor` for ``dest_id`` when QGIS will load it."""
    if not dest_id or not context.willLoadLayerOnCompletion(dest_id):
        return
    processor = StylePostProcessor(style, run)
    _POST_PROCESSORS.append(processor)
    del _POST_PROCESSORS[:-64]
    details = context.layerToLoadOnCompletionDetails(dest_id)
    details.setPostProcessor(processor)
    if hasattr(details, "layerSortKey"):  # QGIS >= 3.32 loads a greater key above a lesser one
        details.layerSortKey = 100 - processor.rank


def processing_error(exc: BaseException, feedback: Any = None) -> QgsProcessingException:
    """The ``QgsProcessingException`` for an exception caught at the algorithm boundary.

    The same mapping as the CLI (:func:`arealsirk.errors.user_message`): a user error (the
    library's own errors, the user's file system, an undecodable input file) becomes its one-line
    message; anything else is a bug: its traceback goes to the Processing log and the message
    says "internal error ... report it".
    """
    from arealsirk.errors import user_message

    user, message = user_message(exc)
    if user:
        return QgsProcessingException(message)
    if feedback is not None:
        trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        feedback.reportError(trace, False)
    return QgsProcessingException(
        i18n.tr(
            f"internal error: {message} - this is a bug in arealsirk; the traceback is in the log above, "
            "please report it",
            f"intern feil: {message} - dette er en feil i arealsirk; sporingen står i loggen over, "
            "vennligst rapporter den",
        )
    )


class Callbacks:
    """``progress(fraction, message)`` and ``is_cancelled()`` bound to a Processing feedback."""

    def __init__(self, feedback: Any) -> None:
        self.feedback = feedback
        self._last = ""

    def progress(self, fraction: float, message: str = "") -> None:
        if self.feedback is None:
            return
        self.feedback.setProgress(max(0.0, min(1.0, float(fraction))) * 100.0)
        if message and message != self._last:
            self._last = message
            self.feedback.setProgressText(message)

    def is_cancelled(self) -> bool:
        return bool(self.feedback is not None and self.feedback.isCanceled())

    def kwargs(self) -> dict[str, Any]:
        return {"progress": self.progress, "is_cancelled": self.is_cancelled}


class ArealsirkAlgorithm(QgsProcessingAlgorithm):
    """Base class: subclasses set the class attributes, ``initAlgorithm`` and ``run_workflow``."""

    #: algorithm name (the part after ``arealsirk:``); a public contract, never rename
    NAME = ""
    #: (English, Norwegian) display names
    TITLE: tuple[str, str] = ("", "")
    #: key of :data:`GROUPS`
    GROUP = "siting"
    #: extra search tags (English, Norwegian)
    TAGS: tuple[str, str] = ("", "")

    SUMMARY = "SUMMARY"
    STATUS = "STATUS"
    #: summary keys of the WorkflowResult returned as numeric outputs (upper-cased), for the modeler
    NUMBERS: tuple[str, ...] = ()

    # ---------------------------------------------------------------- metadata
    def name(self) -> str:
        return self.NAME

    def displayName(self) -> str:  # noqa: N802
        return i18n.tr(*self.TITLE)

    def group(self) -> str:
        return i18n.tr(*GROUPS[self.GROUP])

    def groupId(self) -> str:  # noqa: N802
        return self.GROUP

    def tags(self) -> list[str]:
        text = ",".join(t for t in self.TAGS if t)
        return [t.strip() for t in text.split(",") if t.strip()] + ["arealsirk"]

    def shortHelpString(self) -> str:  # noqa: N802
        return i18n.help_text(self.NAME)

    def shortDescription(self) -> str:  # noqa: N802
        text = i18n.help_text(self.NAME)
        first = text.split("</p>", 1)[0].replace("<p>", "").strip() if text else ""
        return first

    def icon(self) -> QIcon:
        return QIcon(str(PLUGIN_DIR / "icon.svg"))

    def createInstance(self) -> ArealsirkAlgorithm:  # noqa: N802
        return type(self)()

    KOMMUNER = "KOMMUNER"
    EXCLUSIONS = "EXCLUSIONS"
    PROTECTED = "PROTECTED"
    LAKES = "LAKES"
    SETTLEMENTS = "SETTLEMENTS"
    DEM = "DEM"

    def add_kommuner_and_exclusions(self, kommuner_label: tuple[str, str]) -> None:
        """Declare the optional KOMMUNER (per-kommune table) and the exclusion inputs: EXCLUSIONS (any
        polygons), PROTECTED, LAKES, SETTLEMENTS (polygons, each with its defaults-table buffer; the
        settlements only where the theme declares them, :meth:`uses_settlements`) and DEM (slope
        limit), as :class:`arealsirk.constraints.Exclusions` reads them."""
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.KOMMUNER, i18n.tr(*kommuner_label), [QgsProcessing.TypeVectorPolygon], optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.EXCLUSIONS,
                i18n.tr(
                    "Exclusions (lakes, protected areas: no new site inside)",
                    "Eksklusjoner (vann, verneområder: ingen ny lokalisering inni)",
                ),
                [QgsProcessing.TypeVectorPolygon],
                optional=True,
            )
        )
        inputs = [
            (self.PROTECTED, ("Protected areas (a candidate overlapping one is removed)",
                              "Verneområder (kandidater som overlapper fjernes)")),
            (self.LAKES, ("Lakes (a candidate within the water buffer is removed)",
                          "Innsjøer (kandidater innenfor vannbufferen fjernes)")),
        ]
        if self.uses_settlements():
            inputs.append((self.SETTLEMENTS, (
                "Settlements (a candidate within the settlement buffer is removed)",
                "Tettsteder (kandidater innenfor tettstedsbufferen fjernes)",
            )))
        for name, label in inputs:
            self.addParameter(
                QgsProcessingParameterFeatureSource(
                    name, i18n.tr(*label), [QgsProcessing.TypeVectorPolygon], optional=True
                )
            )
        self.addParameter(
            QgsProcessingParameterRasterLayer(
                self.DEM,
                i18n.tr(
                    "Elevation model, EPSG:25833 (a candidate steeper than the slope limit is removed)",
                    "Høydemodell, EPSG:25833 (kandidater brattere enn helningsgrensen fjernes)",
                ),
                optional=True,
            )
        )

    def uses_settlements(self) -> bool:
        """Whether this algorithm's theme declares the ``settlements`` layer in the theme registry
        (the odour/noise buffer: biogas plants, industrial parks); other themes belong near people
        and offer no settlements input, as in a scenario."""
        try:
            from arealsirk.themes import THEMES
        except ImportError:
            return True
        for theme in THEMES.values():
            if theme.qgis_algorithm == self.NAME:
                return "settlements" in theme.layer_names
        return True

    def exclusions(self, parameters: dict, context: Any, feedback: Any) -> Any:
        """The exclusion inputs as one :class:`arealsirk.constraints.Exclusions` (``None`` when none)."""
        layers = {
            key: self.layer(parameters, name, context, feedback, optional=True)
            for key, name in (
                ("other", self.EXCLUSIONS),
                ("protected", self.PROTECTED),
                ("lakes", self.LAKES),
                ("settlements", self.SETTLEMENTS if self.uses_settlements() else None),
            )
            if name is not None
        }
        raster = self.parameterAsRasterLayer(parameters, self.DEM, context)
        dem = raster.source() if raster is not None else None
        if dem is None and all(v is None for v in layers.values()):
            return None
        exclusions = self.library("constraints", "Exclusions")
        return exclusions(dem=dem, **layers)

    def add_sink(self, name: str, label: tuple[str, str], kind: int, *, optional: bool = False) -> None:
        """Declare an output sink; optional sinks are not created unless the user asks."""
        extra = {"optional": True, "createByDefault": False} if optional else {}
        self.addParameter(QgsProcessingParameterFeatureSink(name, i18n.tr(*label), kind, **extra))

    SUMMARY_HTML = "SUMMARY_HTML"

    def add_summary_outputs(self) -> None:
        """Declare the summary outputs every workflow returns: SUMMARY_HTML (a page for the Results
        Viewer, made unless switched off), SUMMARY (Markdown text), STATUS and the key figures."""
        from arealsirk.i18n import SUMMARY_LABELS, unit_label

        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.SUMMARY_HTML,
                i18n.tr("Summary (HTML)", "Sammendrag (HTML)"),
                i18n.tr("HTML files (*.html)", "HTML-filer (*.html)"),
                optional=True,
                createByDefault=True,
            )
        )
        self.addOutput(
            QgsProcessingOutputString(self.SUMMARY, i18n.tr("Summary (Markdown)", "Sammendrag (Markdown)"))
        )
        self.addOutput(QgsProcessingOutputString(self.STATUS, i18n.tr("Status", "Status")))
        for key in self.NUMBERS:
            en, nb, unit = SUMMARY_LABELS.get(key, (key, key, ""))
            label = i18n.tr(en, nb) + (f" ({unit_label(unit, i18n.language())})" if unit else "")
            self.addOutput(QgsProcessingOutputNumber(key.upper(), label))

    # ---------------------------------------------------------------- running
    def processAlgorithm(self, parameters: dict, context: Any, feedback: Any) -> dict:  # noqa: N802
        self._run = uuid.uuid4().hex
        with logbridge.to_feedback(feedback):
            try:
                return self.run_workflow(parameters, context, feedback)
            except QgsProcessingException:
                raise
            except Exception as exc:
                raise processing_error(exc, feedback) from exc

    def run_workflow(self, parameters: dict, context: Any, feedback: Any) -> dict:
        raise NotImplementedError

    # ---------------------------------------------------------------- helpers
    @staticmethod
    def library(module: str, function: str) -> Any:
        """The public library function ``arealsirk.<module>.<function>`` (clear error when absent)."""
        import arealsirk

        try:
            mod = importlib.import_module(f"arealsirk.{module}")
            return getattr(mod, function)
        except (ImportError, AttributeError) as exc:
            raise QgsProcessingException(
                f"this algorithm needs arealsirk.{module}.{function}, which the installed arealsirk "
                f"{getattr(arealsirk, '__version__', '?')} does not provide ({exc}); upgrade arealsirk"
            ) from exc

    def layer(
        self, parameters: dict, name: str, context: Any, feedback: Any, *, optional: bool = False
    ) -> Any:
        """The feature source of parameter ``name`` as a GeoDataFrame (``None`` if optional and unset)."""
        source = self.parameterAsSource(parameters, name, context)
        if source is None:
            if optional:
                return None
            raise QgsProcessingException(self.invalidSourceError(parameters, name))
        return convert.source_to_gdf(source, feedback=feedback)

    def optional_number(self, parameters: dict, name: str, context: Any) -> float | None:
        """The number of an optional parameter, ``None`` when left empty (the library's default)."""
        value = parameters.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            from qgis.PyQt.QtCore import QVariant

            if isinstance(value, QVariant) and value.isNull():
                return None
        except ImportError:
            pass
        return self.parameterAsDouble(parameters, name, context)

    @staticmethod
    def field_as(gdf: Any, chosen: str | None, column: str) -> Any:
        """Rename the user's field ``chosen`` to the library's column name ``column``.

        An existing column of that name is replaced (the user picked another field for it).
        """
        if not chosen or chosen == column or gdf is None:
            return gdf
        if chosen not in gdf.columns:
            raise QgsProcessingException(f"field '{chosen}' not found in the layer")
        out = gdf.drop(columns=[column]) if column in gdf.columns else gdf
        return out.rename(columns={chosen: column})

    def write(
        self,
        parameters: dict,
        name: str,
        context: Any,
        frame: Any,
        *,
        feedback: Any = None,
        style: str | None = None,
        optional: bool = False,
    ) -> dict[str, str]:
        """Write ``frame`` to the sink ``name``; style it when loaded; ``{name: dest_id}`` or ``{}``."""
        if frame is None:
            if optional:
                return {}
            raise QgsProcessingException(f"the library returned no layer for output {name}")
        dest_id = convert.write_sink(
            self, parameters, name, context, frame, feedback=feedback, optional=optional
        )
        if dest_id is None:
            return {}
        style_when_loaded(context, dest_id, style, getattr(self, "_run", ""))
        return {name: dest_id}

    def finish_and_write(
        self,
        result: Any,
        parameters: dict,
        context: Any,
        feedback: Any,
        sinks: list[tuple[str, str, str | None, bool]],
    ) -> dict[str, Any]:
        """:meth:`finish`, then :meth:`write` each ``(sink, result layer or table, style, optional)``."""
        outputs = self.finish(result, feedback, parameters=parameters, context=context)
        for sink, key, style, optional in sinks:
            frame = result.layers.get(key, result.tables.get(key))
            outputs |= self.write(
                parameters, sink, context, frame, feedback=feedback, style=style, optional=optional
            )
        return outputs

    def finish(
        self, result: Any, feedback: Any, *, parameters: dict | None = None, context: Any = None
    ) -> dict[str, Any]:
        """Report a WorkflowResult's summary (text to the log, HTML to SUMMARY_HTML when asked);
        the SUMMARY/STATUS/SUMMARY_HTML outputs and the key figures, in the user's language."""
        lang = i18n.language()
        text = result.summary_markdown(lang=lang) if hasattr(result, "summary_markdown") else ""
        outputs: dict[str, Any] = {self.SUMMARY: text, self.STATUS: str(getattr(result, "status", ""))}
        if hasattr(result, "summary_markdown"):
            if feedback is not None:
                feedback.pushInfo(summary_text.summary_text(result, lang=lang))
            path = ""
            if parameters is not None and self.SUMMARY_HTML in parameters:
                path = self.parameterAsFileOutput(parameters, self.SUMMARY_HTML, context)
            if path:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                Path(path).write_text(summary_text.summary_html(result, lang=lang), encoding="utf-8")
                outputs[self.SUMMARY_HTML] = path
        if outputs[self.STATUS] == "infeasible" and feedback is not None:
            feedback.pushWarning(
                i18n.tr(
                    "The problem is infeasible; see the notes above.",
                    "Problemet har ingen gyldig løsning; se merknadene over.",
                )
            )
        summary = getattr(result, "summary", {}) or {}
        for key in self.NUMBERS:
            value = summary.get(key)
            outputs[key.upper()] = float(value) if isinstance(value, (int, float)) else None
        return outputs


def library_default(key: str, fallback: float) -> float:
    """``arealsirk.defaults.default(key)``, or ``fallback`` when the table lacks the key."""
    try:
        from arealsirk.defaults import default

        return float(default(key))
    except Exception:
        return float(fallback)
