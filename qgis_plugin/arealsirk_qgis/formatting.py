"""Sensible decimals for the number fields of output layers (attribute table, identify, forms).

The values in the files keep full precision; only their display is rounded, through the
``Range`` editor widget's ``Precision`` (what QGIS's own field formatter uses to show a
double).  The decimals follow the unit in the column name.
"""

from __future__ import annotations

from typing import Any

#: exact column names
EXACT: dict[str, int] = {
    "tonne_km": 0, "truck_trips": 0, "saving": 0, "minutes": 0, "utilisation": 2, "area_ha": 1,
    "saving_per_unit": 2, "quantity": 1, "matched": 1, "unmatched": 1, "weight": 3,
}
#: (prefix or suffix, decimals), first match wins
RULES: tuple[tuple[str, str, int], ...] = (
    ("prefix", "share", 3), ("suffix", "_share", 3), ("prefix", "score", 3), ("suffix", "_score", 3),
    ("prefix", "population", 0), ("prefix", "within_", 0), ("prefix", "people", 0),
    ("suffix", "_population", 0), ("suffix", "_nm3", 0), ("suffix", "_nok", 0), ("suffix", "_gwh", 2),
    ("suffix", "_km", 1), ("suffix", "_min", 1), ("suffix", "_minutes", 1), ("prefix", "rank", 1),
    ("suffix", "_t", 1), ("suffix", "_m3", 0), ("prefix", "value_", 2),
)
DEFAULT_DECIMALS = 2


def decimals_for(name: str) -> int:
    """Decimals shown for a double column called ``name``."""
    n = name.lower()
    if n in EXACT:
        return EXACT[n]
    for kind, text, decimals in RULES:
        if (kind == "prefix" and n.startswith(text)) or (kind == "suffix" and n.endswith(text)):
            return decimals
    return DEFAULT_DECIMALS


def apply_number_formats(layer: Any) -> dict[str, int]:
    """Give every double field of ``layer`` a Range widget with the :func:`decimals_for` precision.

    Returns
    -------
    dict
        Field name -> decimals set.
    """
    from qgis.core import QgsEditorWidgetSetup
    from qgis.PyQt.QtCore import QVariant

    done: dict[str, int] = {}
    for index, field in enumerate(layer.fields()):
        if field.type() != QVariant.Double:
            continue
        decimals = decimals_for(field.name())
        config = {
            "AllowNull": True, "Max": 1.7976931348623157e308, "Min": -1.7976931348623157e308,
            "Precision": decimals, "Step": 1, "Style": "SpinBox",
        }
        layer.setEditorWidgetSetup(index, QgsEditorWidgetSetup("Range", config))
        done[field.name()] = decimals
    return done
