"""The QGIS plugin object: registers the Processing provider and routes library logging."""

from __future__ import annotations

import contextlib
from typing import Any

from qgis.core import Qgis, QgsApplication

from . import logbridge
from .provider import ArealsirkProvider, dependency_report


class ArealsirkPlugin:
    """Created by :func:`classFactory`; ``iface`` is ``None`` under ``qgis_process``."""

    def __init__(self, iface: Any = None) -> None:
        self.iface = iface
        self.provider: ArealsirkProvider | None = None

    def initProcessing(self) -> None:  # noqa: N802 - called by QGIS (also by qgis_process)
        if self.provider is not None:
            return
        logbridge.install()
        self.provider = ArealsirkProvider()
        QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self) -> None:  # noqa: N802
        self.initProcessing()
        report = dependency_report()
        if not report.ok and self.iface is not None:
            # a message bar problem must never stop the plugin from loading
            with contextlib.suppress(Exception):
                self.iface.messageBar().pushMessage(
                    "arealsirk", report.summary(), report.details(), Qgis.Warning, 0
                )

    def unload(self) -> None:
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        logbridge.uninstall()
