"""arealsirk QGIS plugin: a Processing provider for the arealsirk siting library.

The plugin holds only ``classFactory``, the provider and one thin module per
algorithm; all analysis lives in the ``arealsirk`` Python package.
"""


def classFactory(iface):  # noqa: N802 - QGIS plugin entry point
    """QGIS calls this to create the plugin (``iface`` is None under qgis_process)."""
    from .plugin import ArealsirkPlugin

    return ArealsirkPlugin(iface)
