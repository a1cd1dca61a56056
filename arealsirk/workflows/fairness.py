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

from itertools import pairwise
from typing import TYPE_CHECKING, Any

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
    if not codes:
        return pd.DataFrame([])
    order = sorted(codes)
    names = kommune_names(kommuner)
    a = allocation
    a_k = a["kommunenummer"].astype(str).to_numpy()
    site_k = dict(zip(sites["id"].astype(str), sites["kommunenummer"].astype(str), strict=True))
    host_k = a["site_id"].astype(str).map(site_k).to_numpy()
    tot_q = float(a["quantity"].sum()) or np.nan
    tot_tkm = float(a["tonne_km"].sum()) or np.nan
    has_b = benefit_column in a.columns
    tot_b = float(a[benefit_column].sum()) if has_b else np.nan
    supplied = _sums_by(order, sources["kommunenummer"].astype(str).to_numpy(), sources["quantity"])
    tkm = _sums_by(order, a_k, a["tonne_km"])
    b = _sums_by(order, a_k, a[benefit_column]) if has_b else np.full(len(order), np.nan)
    received = _sums_by(order, host_k, a["quantity"])
    n_rows = pd.Series(a_k).value_counts().reindex(order, fill_value=0).to_numpy()
    coll, served, main = _served(order, a_k, a["site_id"], a["quantity"])
    hosted = pd.Series(list(site_k), dtype=object).groupby(list(site_k.values()), sort=False).agg(list)
    hosted = hosted.reindex(order)
    hosted = [h if isinstance(h, list) else [] for h in hosted]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame(
            {
                "kommunenummer": order,
                "kommunenavn": [names.get(k, "") for k in order],
                "supplied_t": supplied,
                "collected_t": coll,
                "share_supply": np.where(coll != 0, coll / tot_q, 0.0),
                "served_by": served,
                "main_site": main,
                "tonne_km": tkm,
                "share_transport": np.where(n_rows > 0, tkm / tot_tkm, 0.0),
                "benefit": b,
                "benefit_unit": benefit_column,
                "share_benefit": np.where((tot_b != 0) & np.isfinite(b), b / tot_b, 0.0),  # NaN total: truthy
                "sites_hosted": [len(h) for h in hosted],
                "site_ids": [";".join(h) for h in hosted],
                "received_t": received,
                "share_hosted": np.where(received != 0, received / tot_q, 0.0),
                "net_import_t": received - coll,
            }
        )
    return out


def _sums_by(order: list[str], keys: np.ndarray, values: pd.Series) -> np.ndarray:
    """Sum of ``values`` per key of ``order`` (0 for a key without rows; NaN counted as 0, as
    ``Series.sum`` does): the rows grouped once by a stable sort, then one numpy sum per key over its
    rows in their input order -- the same pairwise summation as summing the key's rows alone, so the
    same floats to the last bit."""
    import pandas as pd

    v = np.nan_to_num(values.to_numpy(dtype=float), nan=0.0, posinf=np.inf, neginf=-np.inf)
    codes = pd.Categorical(keys, categories=order).codes  # -1: a key not in ``order`` (or NaN)
    by = np.argsort(codes, kind="stable")
    sorted_codes, v = codes[by], v[by]
    bounds = np.searchsorted(sorted_codes, np.arange(len(order) + 1))
    return np.array([v[lo:hi].sum() for lo, hi in pairwise(bounds)], dtype=float)


def _served(
    order: list[str], keys: np.ndarray, site_id: pd.Series, quantity: pd.Series
) -> tuple[np.ndarray, list[str], list[Any]]:
    """Per kommune of ``order``: tonnes collected (the sum of its per-site tonnes, largest first),
    ``served_by`` ("site (share); ..." largest first) and ``main_site`` (the site taking most, ""
    when none).  The rows are grouped by kommune once; each kommune's per-site tonnes are then summed
    by the same ``groupby`` on its own rows as before, so the floats and the order of ties are the
    same to the last bit (a single two-key ``groupby`` gives sums that differ in the last bits)."""
    import pandas as pd

    frame = pd.DataFrame({"site_id": site_id.to_numpy(), "q": quantity.to_numpy(dtype=float)})
    rows_of = pd.Series(np.arange(len(keys))).groupby(keys, sort=False).indices
    coll = np.zeros(len(order))
    served = [""] * len(order)
    main: list[Any] = [""] * len(order)
    for i, k in enumerate(order):
        if k not in rows_of:
            continue
        by_site = frame.iloc[rows_of[k]].groupby("site_id")["q"].sum().sort_values(ascending=False)
        coll[i] = c = float(by_site.sum())
        if len(by_site):
            main[i] = by_site.index[0]
        if c > 0:
            served[i] = "; ".join(f"{s} ({v / c:.0%})" for s, v in by_site.items())
    return coll, served, main
