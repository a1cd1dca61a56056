"""The provider, its ten algorithm ids (one siting algorithm per theme of the registry, each with
every exclusion input), help in both languages, and the missing-library path."""

from __future__ import annotations

import pytest

EXPECTED = {
    "arealsirk:site_biogas",
    "arealsirk:site_bioenergy",
    "arealsirk:site_textile_reuse",
    "arealsirk:site_reuse_centres",
    "arealsirk:site_industrial_parks",
    "arealsirk:symbiosis_matches",
    "arealsirk:suitability",
    "arealsirk:od_matrix",
    "arealsirk:service_areas",
    "arealsirk:web_map",
}


def test_provider_offers_exactly_the_ten_public_ids(provider):
    assert provider is not None
    assert provider.id() == "arealsirk"
    assert {a.id() for a in provider.algorithms()} == EXPECTED
    assert provider.warningMessage() == ""


def test_every_theme_has_a_siting_algorithm_with_its_exclusion_inputs(provider):
    from qgis.core import QgsApplication

    from arealsirk.themes import THEMES

    for theme in THEMES.values():
        alg = QgsApplication.processingRegistry().algorithmById(f"arealsirk:{theme.qgis_algorithm}")
        assert alg is not None, theme.name
        params = {p.name() for p in alg.parameterDefinitions()}
        assert {"EXCLUSIONS", "PROTECTED", "LAKES", "DEM", "KOMMUNER"} <= params, theme.name
        # the settlement (odour/noise) buffer exactly where the registry declares the layer
        assert ("SETTLEMENTS" in params) == ("settlements" in theme.layer_names), theme.name


def test_reuse_centres_has_the_contract_parameters(provider):
    from qgis.core import QgsApplication, QgsProcessing

    alg = QgsApplication.processingRegistry().algorithmById("arealsirk:site_reuse_centres")
    params = {p.name(): p for p in alg.parameterDefinitions()}
    for name in (
        "DEMAND",
        "POPULATION_FIELD",
        "CANDIDATES",
        "ROADS",
        "COUNT",
        "MAX_MINUTES",
        "OUTPUT",
        "ALLOCATION",
    ):
        assert name in params, name
    assert set(params["DEMAND"].dataTypes()) == {
        QgsProcessing.TypeVectorPoint,
        QgsProcessing.TypeVectorPolygon,
    }
    assert set(params["CANDIDATES"].dataTypes()) == {
        QgsProcessing.TypeVectorPoint,
        QgsProcessing.TypeVectorPolygon,
    }
    assert params["ROADS"].dataTypes() == [QgsProcessing.TypeVectorLine]
    assert params["POPULATION_FIELD"].parentLayerParameterName() == "DEMAND"
    assert params["COUNT"].dataType() == params["COUNT"].Integer
    assert params["COUNT"].minimum() == 1
    from arealsirk.defaults import default

    assert params["MAX_MINUTES"].defaultValue() == pytest.approx(default("reuse.max_minutes"))
    assert params["OUTPUT"].dataType() == QgsProcessing.TypeVectorPoint
    assert params["ALLOCATION"].dataType() == QgsProcessing.TypeVectorLine


@pytest.mark.parametrize("alg_id", sorted(EXPECTED))
def test_help_and_names_in_norwegian_and_english(provider, alg_id, monkeypatch):
    from qgis.core import QgsApplication

    alg = QgsApplication.processingRegistry().algorithmById(alg_id)
    monkeypatch.setenv("AREALSIRK_LANG", "en")
    en_help, en_name = alg.shortHelpString(), alg.displayName()
    monkeypatch.setenv("AREALSIRK_LANG", "nb")
    nb_help, nb_name = alg.shortHelpString(), alg.displayName()
    assert len(en_help) > 200 and len(nb_help) > 200
    assert en_help != nb_help and en_name != nb_name
    assert alg.name() in en_help or "arealsirk." in en_help  # names the library function it calls


def test_language_follows_qgis_locale_setting(provider, monkeypatch):
    from arealsirk_qgis import i18n
    from qgis.core import QgsSettings

    monkeypatch.delenv("AREALSIRK_LANG", raising=False)
    settings = QgsSettings()
    old = settings.value("locale/overrideFlag"), settings.value("locale/userLocale")
    try:
        settings.setValue("locale/overrideFlag", True)
        settings.setValue("locale/userLocale", "nb_NO")
        assert i18n.language() == "nb"
        settings.setValue("locale/userLocale", "de_DE")
        assert i18n.language() == "en"  # fallback
    finally:
        settings.setValue("locale/overrideFlag", old[0] if old[0] is not None else False)
        settings.setValue("locale/userLocale", old[1] or "")


def test_missing_library_gives_no_algorithms_and_install_instructions(provider, monkeypatch):
    """Simulate QGIS's Python without the library: the provider loads, offers nothing, explains."""
    from arealsirk_qgis import dependencies
    from arealsirk_qgis import provider as provider_module

    monkeypatch.setattr(
        dependencies, "REQUIRED", (("arealsirk_not_installed_xyz", "arealsirk"), *dependencies.REQUIRED[1:])
    )
    report = dependencies.check()
    assert not report.ok and "arealsirk" in report.missing
    text = report.details()
    for platform_hint in ("Debian/Ubuntu", "OSGeo4W", "macOS", "pip install", "QGIS.app"):
        assert platform_hint in text
    monkeypatch.setattr(provider_module, "_report", report)
    fresh = provider_module.ArealsirkProvider()
    fresh.loadAlgorithms()
    assert fresh.algorithms() == []
    assert "arealsirk" in fresh.warningMessage() and "missing" in fresh.warningMessage()
    assert "not available" in fresh.longName() or "ikke tilgjengelig" in fresh.longName()
