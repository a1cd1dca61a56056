"""Money: facility costs with economies of scale, transport cost by vehicle class, and benefits.

Every figure is NOK per year in the price year of the defaults table (``costs.price_year``, 2024
kroner) and every number is a row of ``arealsirk/defaults.csv`` (``costs.*``), so a scenario's
``[parameters]`` can override each of them.

Facility cost (per facility type: ``biogas_plant``, ``reuse_centre``, ``bioenergy_plant``,
``textile_site``) is a power law in the throughput ``Q`` -- the "six-tenths rule" of plant cost
scaling (Williams 1947):

.. math::

    I(Q) = I_0 \\left(\\frac{Q}{Q_0}\\right)^b, \\qquad
    C(Q) = I(Q)\\,\\bigl(a(r, n) + s\\bigr) + v\\,Q, \\qquad
    a(r, n) = \\frac{r}{1 - (1 + r)^{-n}}

with the investment :math:`I_0` at the reference size :math:`Q_0` (``costs.capex_ref_nok.<type>``,
``costs.capex_ref_size.<type>``), the scale exponent :math:`b < 1` (``costs.capex_exponent.<type>``),
the capital recovery factor :math:`a` at the discount rate :math:`r` (``costs.discount_rate``,
Finansdepartementet R-109/2021) over the lifetime :math:`n` (``costs.lifetime_yr.<type>``), a fixed
operating share :math:`s` (``costs.om_share.<type>``) and a variable cost :math:`v` per unit
(``costs.variable_nok_per_unit.<type>``).  :math:`C(0) = 0` (no plant, no cost).  Because
:math:`b < 1` the cost per tonne falls with size: the economies of scale that make cooperation pay.

Transport: a loaded tonne-km of ``kind`` costs ``costs.vehicle_nok_per_km.<class>`` x
``costs.empty_return_factor`` / ``resources.payload_t.<kind>``, with the vehicle class of the kind
(:data:`VEHICLE_CLASS`: slurry tanker, food-waste compactor, hook-lift truck, box truck, timber truck).

Benefits per tonne collected: methane energy (biogas: yield x kWh/Nm3 x
``costs.energy_value_nok_per_kwh.biogas``), heat (bioenergy), textiles sold for reuse; and the
avoided cost of handling the tonne without the facility (``costs.alternative_nok_per_t.<kind>``,
e.g. another plant's gate fee for food waste).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InputError, MissingColumnError
from .resources import check_parameters, has_methane_yield, methane_yield, parameter, payload_t

if TYPE_CHECKING:
    import pandas as pd

    from .workflows import WorkflowResult

__all__ = [
    "FACILITY_TYPES",
    "VEHICLE_CLASS",
    "CostCurve",
    "alternative_nok_per_t",
    "annuity_factor",
    "benefit_nok_per_t",
    "cost_curve",
    "cost_feedstock_result",
    "cost_reuse_result",
    "price_year",
    "transport_nok_per_tkm",
    "vehicle_class",
]

#: Facility types with a cost curve and the unit their size is measured in.
FACILITY_TYPES: dict[str, str] = {
    "biogas_plant": "t/yr",
    "reuse_centre": "people",
    "bioenergy_plant": "t/yr",
    "textile_site": "t/yr",
}

#: Vehicle class hauling each resource kind (kinds not listed use ``costs.vehicle_nok_per_km.default``).
VEHICLE_CLASS: dict[str, str] = {
    "cattle_manure": "slurry_tanker",
    "pig_manure": "slurry_tanker",
    "food_waste": "food_waste_compactor",
    "sewage_sludge": "hooklift_truck",
    "textiles": "box_truck",
    "forest_residue": "timber_truck",
    "wood_chips": "timber_truck",
    # solid manures and digested sludge go in a tipping container, like dewatered sludge
    "sheep_goat_manure": "hooklift_truck",
    "poultry_manure": "hooklift_truck",
    "horse_manure": "hooklift_truck",
    "other_manure": "hooklift_truck",
    "digested_sludge": "hooklift_truck",
}


def price_year(parameters: Mapping[str, Any] | None = None) -> int:
    """The price year of every NOK figure (``costs.price_year``).

    Parameters
    ----------
    parameters
        Overrides of defaults-table keys.

    Returns
    -------
    int
        The year whose kroner every NOK figure is in.
    """
    return int(parameter("costs.price_year", parameters))


def annuity_factor(rate: float, years: float) -> float:
    """Capital recovery factor :math:`r / (1 - (1 + r)^{-n})` (``1 / n`` when ``r = 0``).

    Parameters
    ----------
    rate
        Real discount rate per year (0.04 = 4 %).
    years
        Economic lifetime, years (> 0).
    """
    if years <= 0:
        raise InputError(f"lifetime must be > 0 years, got {years!r}")
    if rate < 0:
        raise InputError(f"discount rate must be >= 0, got {rate!r}")
    if rate == 0:
        return 1.0 / years
    return rate / (1.0 - (1.0 + rate) ** (-years))


@dataclass(frozen=True)
class CostCurve:
    """Annual cost of one facility as a function of its throughput (see the module docstring).

    Attributes
    ----------
    facility_type
        ``biogas_plant``, ``reuse_centre``, ``bioenergy_plant`` or ``textile_site``.
    unit
        Unit of the size (``t/yr`` or ``people``).
    capex_ref_nok, ref_size, exponent
        :math:`I_0`, :math:`Q_0`, :math:`b`.
    lifetime_yr, discount_rate, om_share, variable_nok
        :math:`n`, :math:`r`, :math:`s`, :math:`v`.
    price_year
        Price year of the NOK figures.
    """

    facility_type: str
    unit: str
    capex_ref_nok: float
    ref_size: float
    exponent: float
    lifetime_yr: float
    discount_rate: float
    om_share: float
    variable_nok: float
    price_year: int

    @property
    def fixed_factor(self) -> float:
        """Annual fixed cost per NOK invested: capital recovery factor + fixed operating share."""
        return annuity_factor(self.discount_rate, self.lifetime_yr) + self.om_share

    def capex(self, size: Any) -> np.ndarray:
        """Investment (NOK) of a facility of ``size`` (0 for size <= 0)."""
        q = np.maximum(np.asarray(size, dtype=float), 0.0)
        return self.capex_ref_nok * (q / self.ref_size) ** self.exponent

    def fixed_annual(self, size: Any) -> np.ndarray:
        """Annualised investment plus fixed operating cost, NOK/yr."""
        return self.capex(size) * self.fixed_factor

    def annual(self, size: Any) -> np.ndarray:
        """Total annual cost :math:`C(Q)`, NOK/yr (0 for size <= 0)."""
        q = np.maximum(np.asarray(size, dtype=float), 0.0)
        return np.where(q > 0, self.fixed_annual(q) + self.variable_nok * q, 0.0)

    def per_unit(self, size: Any) -> np.ndarray:
        """Average annual cost per unit of throughput, NOK per t (or per person); NaN at size 0."""
        q = np.asarray(size, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(q > 0, self.annual(q) / q, np.nan)

    def pieces(self, low: float, high: float, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Tangents of :math:`C` at ``n`` geometric points from ``low`` to ``high``.

        Returns ``(intercepts, slopes, points)``.  :math:`C` is concave for :math:`b \\le 1`, so each
        tangent lies on or above it: the lower envelope of the tangents is an upper bound of
        :math:`C` that touches it at the points, and each tangent's intercept
        :math:`(1 - b)\\,I(Q_k)\\,(a + s)` is a real fixed cost.  A linear siting model chooses
        among these "sizes" (one column per tangent); the chosen plants are then costed with
        :meth:`annual`, which is never above the model's figure.
        """
        if not (0 < low <= high) or n < 1:
            raise InputError(
                f"cost-curve pieces need 0 < low <= high and n >= 1, got {low!r}, {high!r}, {n!r}"
            )
        pts = np.geomspace(low, high, int(n)) if n > 1 else np.array([float(high)])
        slopes = self.exponent * self.fixed_annual(pts) / pts + self.variable_nok
        intercepts = self.annual(pts) - slopes * pts
        return intercepts, slopes, pts


def cost_curve(facility_type: str, parameters: Mapping[str, Any] | None = None) -> CostCurve:
    """The :class:`CostCurve` of ``facility_type`` from the defaults table (and ``parameters``).

    Parameters
    ----------
    facility_type
        A key of :data:`FACILITY_TYPES` (``biogas_plant``, ``reuse_centre`` ...).
    parameters
        Overrides of defaults-table keys (``costs.*``).

    Returns
    -------
    CostCurve
        Investment, lifetime, discount rate, operation share and variable cost of the type.

    Raises
    ------
    InputError
        For an unknown facility type (naming the known ones) or a bad override.
    """
    if facility_type not in FACILITY_TYPES:
        raise InputError(
            f"facility type '{facility_type}' has no cost curve; known: {', '.join(FACILITY_TYPES)}"
        )
    p = check_parameters(parameters)
    t = facility_type
    curve = CostCurve(
        facility_type=t,
        unit=FACILITY_TYPES[t],
        capex_ref_nok=parameter(f"costs.capex_ref_nok.{t}", p),
        ref_size=parameter(f"costs.capex_ref_size.{t}", p),
        exponent=parameter(f"costs.capex_exponent.{t}", p),
        lifetime_yr=parameter(f"costs.lifetime_yr.{t}", p),
        discount_rate=parameter("costs.discount_rate", p),
        om_share=parameter(f"costs.om_share.{t}", p),
        variable_nok=parameter(f"costs.variable_nok_per_unit.{t}", p),
        price_year=price_year(p),
    )
    if curve.ref_size <= 0:
        raise InputError(f"parameters: 'costs.capex_ref_size.{t}' must be > 0")
    if curve.exponent > 1:
        raise InputError(
            f"parameters: 'costs.capex_exponent.{t}' = {curve.exponent:g} > 1 means diseconomies of scale; "
            "the cost model (and the siting model's linear pieces) needs an exponent <= 1"
        )
    return curve


def vehicle_class(kind: str) -> str:
    """Vehicle class hauling ``kind``.

    Parameters
    ----------
    kind
        A resource kind (case and surrounding spaces ignored).

    Returns
    -------
    str
        Its class in :data:`VEHICLE_CLASS`, ``"default"`` when not listed.
    """
    return VEHICLE_CLASS.get(str(kind).strip().lower(), "default")


def transport_nok_per_tkm(kind: str, parameters: Mapping[str, Any] | None = None) -> float:
    """Cost of one loaded tonne-km of ``kind``, NOK/tkm (empty return included).

    ``costs.vehicle_nok_per_km.<class>`` x ``costs.empty_return_factor`` / ``resources.payload_t.<kind>``.

    Parameters
    ----------
    kind
        A resource kind.
    parameters
        Overrides of defaults-table keys.

    Returns
    -------
    float
        NOK per tonne-km.
    """
    per_km = parameter(f"costs.vehicle_nok_per_km.{vehicle_class(kind)}", parameters)
    load = payload_t(str(kind).strip().lower(), parameters)
    if load <= 0:
        raise InputError(f"parameters: the payload of '{kind}' must be > 0 t")
    return per_km * parameter("costs.empty_return_factor", parameters) / load


def alternative_nok_per_t(kind: str, parameters: Mapping[str, Any] | None = None) -> float:
    """Cost per tonne of handling ``kind`` without the facility.

    Parameters
    ----------
    kind
        A resource kind.
    parameters
        Overrides of defaults-table keys (``costs.alternative_nok_per_t.<kind>``).

    Returns
    -------
    float
        NOK per tonne; 0 when neither the table nor ``parameters`` has a row for the kind.
    """
    key = f"costs.alternative_nok_per_t.{str(kind).strip().lower()}"
    from .defaults import table

    if parameters and key in parameters:
        return float(parameters[key])
    return parameter(key, parameters) if any(r.key == key for r in table(key)) else 0.0


def benefit_nok_per_t(facility_type: str, kind: str, parameters: Mapping[str, Any] | None = None) -> float:
    """Product value per tonne of ``kind`` collected at a ``facility_type``, NOK/t.

    biogas_plant: methane yield x ``resources.kwh_per_nm3_methane`` x
    ``costs.energy_value_nok_per_kwh.biogas``; bioenergy_plant: ``resources.forest_residue_mwh_per_t``
    x ``bioenergy.boiler_efficiency`` x 1000 x ``costs.energy_value_nok_per_kwh.heat``;
    textile_site: ``textiles.reuse_share`` x ``costs.reuse_value_nok_per_t``; else 0.
    The avoided alternative cost is separate (:func:`alternative_nok_per_t`).

    Parameters
    ----------
    facility_type
        ``biogas_plant``, ``bioenergy_plant`` or ``textile_site`` (any other: 0).
    kind
        A resource kind.
    parameters
        Overrides of defaults-table keys.

    Returns
    -------
    float
        NOK per tonne collected.
    """
    k = str(kind).strip().lower()
    if facility_type == "biogas_plant":
        if not has_methane_yield(k, parameters):
            return 0.0
        kwh = methane_yield(k, parameters) * parameter("resources.kwh_per_nm3_methane", parameters)
        return kwh * parameter("costs.energy_value_nok_per_kwh.biogas", parameters)
    if facility_type == "bioenergy_plant" and k in ("forest_residue", "wood_chips"):
        kwh = parameter("resources.forest_residue_mwh_per_t", parameters) * 1000.0
        kwh *= parameter("bioenergy.boiler_efficiency", parameters)
        return kwh * parameter("costs.energy_value_nok_per_kwh.heat", parameters)
    if facility_type == "textile_site" and k == "textiles":
        return parameter("textiles.reuse_share", parameters) * parameter(
            "costs.reuse_value_nok_per_t", parameters
        )
    return 0.0


def cost_feedstock_result(
    result: WorkflowResult, *, parameters: Mapping[str, Any] | None = None
) -> dict[str, pd.DataFrame]:
    """Cost a feedstock workflow result (biogas, bioenergy, textiles) in NOK/yr.

    Parameters
    ----------
    result
        From :func:`~arealsirk.workflows.site_biogas`, ``site_bioenergy`` or ``site_textile_reuse``
        (layers ``selected_sites`` and ``allocation``; ``source_status`` for uncollected tonnes).
    parameters
        Overrides of defaults-table keys.

    Returns
    -------
    dict of pandas.DataFrame
        ``sites``: per plant its feedstock, investment ``capex_nok``, annual facility cost
        ``facility_nok``, transport cost, product benefit, ``net_nok`` = facility + transport - benefit
        and the alternative cost its feedstock avoids (``avoided_nok``).  ``by_kommune``: per kommune
        (of the sources) tonnes collected and not collected, its own transport cost, its share of the
        plant costs by tonnes delivered (a proportional key), its benefit, ``alternative_nok`` (the
        cost of handling its uncollected tonnes without the facility), ``net_nok`` = facility share
        + transport - benefit + alternative, ``baseline_nok`` (every tonne handled without the
        facility) and ``saving_nok`` = baseline - net.  Every NOK column is NOK/yr in
        ``costs.price_year`` kroner (column ``price_year``).

    Raises
    ------
    MissingColumnError
        When the result lacks the layers or columns of a feedstock workflow.
    """
    import pandas as pd

    params = check_parameters(parameters)
    for name, cols in (
        ("selected_sites", ("id", "facility_type", "feedstock_t")),
        ("allocation", ("site_id", "kind", "quantity", "tonne_km", "kommunenummer")),
    ):
        layer = result.layers.get(name)
        if layer is None:
            raise MissingColumnError(f"result: layer '{name}' missing; not a feedstock workflow result")
        miss = [c for c in cols if c not in layer.columns]
        if miss:
            raise MissingColumnError(f"result, layer '{name}': column '{miss[0]}' missing")
    sites = result.layers["selected_sites"]
    ftype = str(sites["facility_type"].iloc[0]) if len(sites) else "biogas_plant"
    curve = cost_curve(ftype, params)
    a = pd.DataFrame(result.layers["allocation"].drop(columns="geometry", errors="ignore"))
    a["kommunenummer"] = a["kommunenummer"].astype(str)
    a["transport_nok"] = [
        transport_nok_per_tkm(k, params) * t for k, t in zip(a["kind"], a["tonne_km"], strict=True)
    ]
    a["benefit_nok"] = [
        benefit_nok_per_t(ftype, k, params) * q for k, q in zip(a["kind"], a["quantity"], strict=True)
    ]
    a["avoided_nok"] = [
        alternative_nok_per_t(k, params) * q for k, q in zip(a["kind"], a["quantity"], strict=True)
    ]
    s = _site_costs(sites, a, curve)
    by = _kommune_costs(a, s, result.layers.get("source_status"), params)
    by["price_year"] = curve.price_year
    by = by.reset_index().rename(columns={"index": "kommunenummer"})
    return {"sites": s, "by_kommune": by}


def _site_costs(sites: pd.DataFrame, a: pd.DataFrame, curve: CostCurve) -> pd.DataFrame:
    """Per plant: feedstock, investment, annual facility cost, the transport, benefit and avoided
    cost of the allocation rows ``a`` it receives, net cost and NOK per tonne."""
    import pandas as pd

    existing = (
        sites["existing"].astype(bool) if "existing" in sites.columns else pd.Series(False, index=sites.index)
    )
    s = pd.DataFrame(
        {
            "site_id": sites["id"].astype(str),
            "existing": existing.to_numpy(),
            "feedstock_t": sites["feedstock_t"].to_numpy(dtype=float),
        }
    )
    s["capex_nok"] = np.where(s["existing"], 0.0, curve.capex(s["feedstock_t"]))
    # an existing plant's investment is sunk: only its variable cost counts
    s["facility_nok"] = np.where(
        s["existing"], curve.variable_nok * s["feedstock_t"], curve.annual(s["feedstock_t"])
    )
    per_site = a.groupby(a["site_id"].astype(str))[["transport_nok", "benefit_nok", "avoided_nok"]].sum()
    for c in ("transport_nok", "benefit_nok", "avoided_nok"):
        s[c] = s["site_id"].map(per_site[c]).fillna(0.0).to_numpy()
    s["net_nok"] = s["facility_nok"] + s["transport_nok"] - s["benefit_nok"]
    s["nok_per_t"] = np.where(
        s["feedstock_t"] > 0, s["net_nok"] / s["feedstock_t"].where(s["feedstock_t"] > 0, 1), np.nan
    )
    s["price_year"] = curve.price_year
    return s


def _kommune_costs(
    a: pd.DataFrame, s: pd.DataFrame, src: pd.DataFrame | None, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Per kommune of the sources: collected and uncollected tonnes, transport, its share of the
    plant costs by tonnes delivered, benefit, alternative cost, net, baseline and saving.  Adds
    ``facility_share_nok`` to ``a`` (in place)."""
    # plant costs shared by tonnes delivered (proportional key)
    fac = dict(
        zip(s["site_id"], s["facility_nok"] / s["feedstock_t"].where(s["feedstock_t"] > 0, 1), strict=True)
    )
    a["facility_share_nok"] = a["site_id"].astype(str).map(fac).fillna(0.0) * a["quantity"]
    by = a.groupby("kommunenummer").agg(
        collected_t=("quantity", "sum"),
        tonne_km=("tonne_km", "sum"),
        transport_nok=("transport_nok", "sum"),
        facility_share_nok=("facility_share_nok", "sum"),
        benefit_nok=("benefit_nok", "sum"),
        avoided_nok=("avoided_nok", "sum"),
    )
    if src is not None and {"kommunenummer", "uncollected_t"} <= set(src.columns):
        unc = src.groupby(src["kommunenummer"].astype(str))["uncollected_t"].sum()
        alt = src.assign(
            _alt=[
                alternative_nok_per_t(k, params) * u
                for k, u in zip(src["kind"], src["uncollected_t"], strict=True)
            ]
        )
        alt_by = alt.groupby(alt["kommunenummer"].astype(str))["_alt"].sum()
        by = by.reindex(sorted(set(by.index) | set(unc.index))).fillna(0.0)
        by["uncollected_t"] = unc.reindex(by.index).fillna(0.0)
        by["alternative_nok"] = alt_by.reindex(by.index).fillna(0.0)
    else:
        by["uncollected_t"] = 0.0
        by["alternative_nok"] = 0.0
    by["net_nok"] = by["facility_share_nok"] + by["transport_nok"] - by["benefit_nok"] + by["alternative_nok"]
    by["baseline_nok"] = by["avoided_nok"] + by["alternative_nok"]
    by["saving_nok"] = by["baseline_nok"] - by["net_nok"]
    return by


def cost_reuse_result(result: WorkflowResult, *, parameters: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Cost the reuse centres of a :func:`~arealsirk.workflows.site_reuse_centres` result, NOK/yr.

    A new centre costs :math:`C(P)` of the ``reuse_centre`` curve at the people it serves
    (``population_served``); an existing station only its variable cost (its investment is sunk).

    Parameters
    ----------
    result
        From :func:`~arealsirk.workflows.site_reuse_centres` (layer ``selected_sites``).
    parameters
        Overrides of defaults-table keys (``costs.*``).

    Returns
    -------
    pandas.DataFrame
        Per site: ``site_id``, ``existing``, ``population_served``, ``capex_nok``, ``facility_nok``,
        ``nok_per_person`` and ``price_year``.

    Raises
    ------
    MissingColumnError
        When the result has no ``selected_sites`` with ``population_served``.
    """
    import pandas as pd

    sites = result.layers.get("selected_sites")
    if sites is None or "population_served" not in sites.columns:
        raise MissingColumnError(
            "result: layer 'selected_sites' with 'population_served' missing; not a reuse-centre result"
        )
    curve = cost_curve("reuse_centre", parameters)
    existing = (
        sites["existing"].astype(bool).to_numpy()
        if "existing" in sites.columns
        else np.zeros(len(sites), bool)
    )
    people = sites["population_served"].to_numpy(dtype=float)
    out = pd.DataFrame(
        {"site_id": sites["id"].astype(str).to_numpy(), "existing": existing, "population_served": people}
    )
    out["capex_nok"] = np.where(existing, 0.0, curve.capex(people))
    out["facility_nok"] = np.where(existing, curve.variable_nok * people, curve.annual(people))
    out["nok_per_person"] = np.where(
        people > 0, out["facility_nok"] / np.where(people > 0, people, 1), np.nan
    )
    out["price_year"] = curve.price_year
    return out
