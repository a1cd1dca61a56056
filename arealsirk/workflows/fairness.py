"""Across municipalities: what each kommune supplies, which site serves it, its share of transport
and of the benefits -- the numbers an intermunicipal agreement (IKS) needs.

For feedstock workflows (biogas, bioenergy, textiles) :func:`kommune_fairness` gives per kommune

* ``supplied_t`` -- feedstock of its sources; ``collected_t`` -- of that, allocated to a plant;
* ``served_by`` -- the sites taking its feedstock with their shares, ``main_site``;
* ``tonne_km`` and ``share_transport`` -- the transport work its feedstock causes;
* ``benefit`` and ``share_benefit`` -- e.g. methane (Nm3/yr) made from its feedstock;
* ``sites_hosted``, ``received_t``, ``share_hosted`` -- plants it hosts and the feedstock
  trucked to them (the burden of hosting); ``net_import_t`` = received - collected.

For reuse centres, :func:`arealsirk.workflows.reuse.coverage_table` gives the share of
people within 15/20/30 minutes and the mean drive time per kommune.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._common import kommune_names

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["kommune_fairness"]


def kommune_fairness(
    allocation: pd.DataFrame,
    sources: pd.DataFrame,
    sites: pd.DataFrame,
    *,
    kommuner: gpd.GeoDataFrame | None = None,
    benefit_column: str = "quantity",
) -> pd.DataFrame:
    """Per-kommune table of supply, service, transport and benefit shares.

    Parameters
    ----------
    allocation
        Rows source -> site with ``source_id``, ``site_id``, ``quantity``, ``tonne_km``,
        ``kommunenummer`` (of the source) and ``benefit_column``.
    sources
        Sources with ``id``, ``quantity``, ``kommunenummer``.
    sites
        Selected sites with ``id``, ``kommunenummer``.
    kommuner
        For names (``kommunenavn``) and to list kommuner that neither supply nor host.
    benefit_column
        Column of ``allocation`` holding the benefit (``methane_nm3``, ``energy_gwh``, ``reused_t``).

    Returns
    -------
    pandas.DataFrame
        One row per kommune, sorted by kommunenummer; shares sum to 1 over kommuner.
    """
    import pandas as pd

    codes = set(sources["kommunenummer"].astype(str)) | set(sites["kommunenummer"].astype(str))
    if kommuner is not None:
        codes |= set(kommuner["kommunenummer"].astype(str))
    names = kommune_names(kommuner)
    a = allocation.copy()
    a["kommunenummer"] = a["kommunenummer"].astype(str)
    site_k = dict(zip(sites["id"].astype(str), sites["kommunenummer"].astype(str), strict=True))
    a["site_kommune"] = a["site_id"].astype(str).map(site_k)
    tot_q = float(a["quantity"].sum()) or np.nan
    tot_tkm = float(a["tonne_km"].sum()) or np.nan
    tot_b = float(a[benefit_column].sum()) if benefit_column in a.columns else np.nan
    rows = []
    for k in sorted(codes):
        mine = a[a["kommunenummer"] == k]
        supplied = float(sources.loc[sources["kommunenummer"].astype(str) == k, "quantity"].sum())
        by_site = mine.groupby("site_id")["quantity"].sum().sort_values(ascending=False)
        coll = float(by_site.sum())
        served = "; ".join(f"{s} ({v / coll:.0%})" for s, v in by_site.items()) if coll > 0 else ""
        received = float(a.loc[a["site_kommune"] == k, "quantity"].sum())
        hosted = [s for s, kk in site_k.items() if kk == k]
        b = float(mine[benefit_column].sum()) if benefit_column in mine.columns else np.nan
        rows.append(
            {
                "kommunenummer": k,
                "kommunenavn": names.get(k, ""),
                "supplied_t": supplied,
                "collected_t": coll,
                "share_supply": coll / tot_q if coll else 0.0,
                "served_by": served,
                "main_site": by_site.index[0] if len(by_site) else "",
                "tonne_km": float(mine["tonne_km"].sum()),
                "share_transport": float(mine["tonne_km"].sum()) / tot_tkm if len(mine) else 0.0,
                "benefit": b,
                "benefit_unit": benefit_column,
                "share_benefit": b / tot_b if tot_b and np.isfinite(b) else 0.0,
                "sites_hosted": len(hosted),
                "site_ids": ";".join(hosted),
                "received_t": received,
                "share_hosted": received / tot_q if received else 0.0,
                "net_import_t": received - coll,
            }
        )
    return pd.DataFrame(rows)
