"""Language selection for names and help texts (Norwegian bokmål or English).

The language follows QGIS: the user-interface locale set in Settings > Options >
General (``locale/userLocale`` when "override system locale" is ticked), else the
locale QGIS runs with (``QgsApplication.locale()``, then Qt's default locale), with English as
the fallback.  Norwegian (nb, nn, no) gives bokmål, everything else English.
``AREALSIRK_LANG=nb|en`` overrides both (useful for tests and for ``qgis_process``).
"""

from __future__ import annotations

import os
from pathlib import Path

HELP_DIR = Path(__file__).with_name("help")
SUPPORTED = ("nb", "en")


def language() -> str:
    """``"nb"`` or ``"en"``."""
    forced = os.environ.get("AREALSIRK_LANG", "").strip().lower()
    if forced in SUPPORTED:
        return forced
    code = ""
    try:
        from qgis.core import QgsApplication, QgsSettings

        settings = QgsSettings()
        if settings.value("locale/overrideFlag", False, type=bool):
            code = str(settings.value("locale/userLocale", "") or "")
        if not code:
            code = QgsApplication.locale() or ""
    except Exception:
        code = ""
    if not code:
        from qgis.PyQt.QtCore import QLocale

        # the application's default locale (QGIS sets it to its interface language), else the system's
        code = QLocale().name() or QLocale.system().name()
    return "nb" if code[:2].lower() in ("nb", "nn", "no") else "en"


def tr(en: str, nb: str) -> str:
    """The English or Norwegian text, by :func:`language`."""
    return nb if language() == "nb" else en


def help_text(name: str, lang: str | None = None) -> str:
    """Help of algorithm ``name`` from ``help/<name>.<lang>.html`` (fallback English)."""
    lang = lang or language()
    for candidate in (lang, "en"):
        path = HELP_DIR / f"{name}.{candidate}.html"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return ""
