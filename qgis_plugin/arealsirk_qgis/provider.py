"""The Processing provider ``arealsirk``.

When the library or one of its dependencies cannot be imported, the provider
still registers (so the user sees it) but offers no algorithms; its warning
message and the QGIS message log (tab "arealsirk") say exactly what to install.
"""

from __future__ import annotations

from pathlib import Path

from qgis.core import Qgis, QgsMessageLog, QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from . import dependencies
from .i18n import tr

PLUGIN_DIR = Path(__file__).resolve().parent

_report: dependencies.DependencyReport | None = None


def dependency_report(refresh: bool = False) -> dependencies.DependencyReport:
    """The (cached) result of importing the library and its dependencies."""
    global _report
    if _report is None or refresh:
        _report = dependencies.check()
    return _report


class ArealsirkProvider(QgsProcessingProvider):
    """Provider id ``arealsirk``: biogas, reuse centres, industrial parks, symbiosis, network tools."""

    def id(self) -> str:
        return "arealsirk"

    def name(self) -> str:
        return "arealsirk"

    def longName(self) -> str:  # noqa: N802
        report = dependency_report()
        if not report.ok:
            return tr(
                "arealsirk (not available: library missing)",
                "arealsirk (ikke tilgjengelig: bibliotek mangler)",
            )
        return f"arealsirk {report.versions.get('arealsirk', '')}".strip()

    def icon(self) -> QIcon:
        return QIcon(str(PLUGIN_DIR / "icon.svg"))

    def svgIconPath(self) -> str:  # noqa: N802
        return str(PLUGIN_DIR / "icon.svg")

    def versionInfo(self) -> str:  # noqa: N802
        return dependency_report().versions.get("arealsirk", "")

    def warningMessage(self) -> str:  # noqa: N802
        report = dependency_report()
        if report.ok:
            return ""
        return (
            report.summary()
            + ". "
            + tr(
                "See the message log (tab arealsirk) for what to install.",
                "Se meldingsloggen (fanen arealsirk) for hva som må installeres.",
            )
        )

    def loadAlgorithms(self) -> None:  # noqa: N802
        report = dependency_report()
        if not report.ok:
            QgsMessageLog.logMessage(report.details(), "arealsirk", Qgis.Critical)
            return
        from .algorithms import ALGORITHMS

        for cls in ALGORITHMS:
            self.addAlgorithm(cls())
