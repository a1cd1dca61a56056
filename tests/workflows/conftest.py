"""Fixtures for the workflow tests: the demo graph, exclusions and results computed once."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def demo_graph(demo):
    from arealsirk.network import graph_from_roads

    return graph_from_roads(demo.roads)


@pytest.fixture(scope="session")
def demo_exclusions(demo):
    import geopandas as gpd

    return gpd.GeoDataFrame(
        pd.concat([demo.lakes[["geometry"]], demo.protected[["geometry"]]], ignore_index=True),
        geometry="geometry",
        crs=demo.lakes.crs,
    )


@pytest.fixture(scope="session")
def biogas3(demo, demo_graph, demo_exclusions):
    from arealsirk.workflows import site_biogas

    return site_biogas(
        demo.sources,
        demo.zones,
        demo_graph,
        count=3,
        existing=demo.existing,
        kommuner=demo.kommuner,
        exclusions=demo_exclusions,
    )


@pytest.fixture(scope="session")
def biogas2(demo, demo_graph, demo_exclusions):
    from arealsirk.workflows import site_biogas

    return site_biogas(
        demo.sources,
        demo.zones,
        demo_graph,
        count=2,
        existing=demo.existing,
        kommuner=demo.kommuner,
        exclusions=demo_exclusions,
    )


@pytest.fixture(scope="session")
def reuse7(demo, demo_graph, demo_exclusions):
    from arealsirk.workflows import site_reuse_centres

    return site_reuse_centres(
        demo.population,
        demo.zones,
        demo_graph,
        count=7,
        existing=demo.existing,
        kommuner=demo.kommuner,
        max_minutes=15,
        exclusions=demo_exclusions,
    )
