"""Resource kinds, units and conversion factors, each with its source.

A *resource* is something a source point supplies per year: manure, food
waste, sewage sludge, forest residue, used textiles, excess heat, by-products.
This module knows

* the **kinds** (:data:`KINDS`) and the physical family of each
  (mass in t/yr, energy in GWh/yr, volume in m3/yr);
* the **units** a user may write (``t/yr``, ``tonn/år``, ``kt/yr``, ``MWh/yr``,
  ``TJ/yr``, ...), converted to the family's canonical unit by
  :func:`to_canonical`; an unknown unit is an :class:`~arealsirk.errors.InputError`;
* the **conversion factors** - methane yield per tonne, energy per Nm3 of
  methane, energy content of forest residue, truck payloads, CO2 per tonne-km.

Every number lives in ``defaults.csv`` (``resources.*`` keys) with its unit and
source; a scenario overrides any of them through a ``parameters`` mapping
whose keys are the same table keys, for example
``{"resources.methane_nm3_per_t.food_waste": 105}``.

Formulas
--------
methane (Nm3/yr) = sum over sources of tonnes x yield(kind)   [Nm3 CH4 / t fresh matter]
energy (GWh/yr)  = methane x kWh/Nm3 / 1e6
fuel energy (GWh/yr) = tonnes forest residue x MWh/t / 1e3
transport CO2 (t/yr) = tonne-km x kg CO2/tkm(vehicle class of the kind) / 1e3
truck trips (1/yr) = tonnes / payload
heat pipe (NOK/GWh) = annuity(r, n) x cost/km_ref x km x (flow / flow_ref)^b / flow

Vehicle classes
---------------
Each mass kind travels in one class of truck (:data:`VEHICLE`): slurry tanker (cattle and pig
slurry), compactor (food waste), box truck (textiles), timber truck (forest residue, wood chips);
other kinds use the general heavy-truck factor ``resources.co2_kg_per_tkm``.  The class factor is
``resources.co2_kg_per_tkm.<class>``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .defaults import default, table
from .errors import InputError, where

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "KINDS",
    "UNITS",
    "VEHICLE",
    "ResourceKind",
    "check_parameters",
    "co2_kg_per_tkm",
    "energy_gwh_from_methane",
    "forest_residue_gwh",
    "has_methane_yield",
    "heat_pipe_nok_per_gwh",
    "kind_info",
    "methane_nm3",
    "methane_yield",
    "normalise_quantities",
    "parameter",
    "payload_t",
    "per_kind",
    "resource_table",
    "to_canonical",
    "transport_co2_t",
    "truck_trips",
]


@dataclass(frozen=True)
class ResourceKind:
    """One kind of resource: its family, canonical unit and labels.

    Attributes
    ----------
    name
        The ``kind`` value as written in source layers (lower case, ``"food_waste"``).
    family
        Physical family: ``"mass"``, ``"energy"`` or ``"volume"``.
    unit
        Canonical unit of the family, in which quantities are kept after
        :func:`normalise_quantities`: ``"t/yr"``, ``"GWh/yr"`` or ``"m3/yr"``.
    label_en, label_nb
        Display names in English and Norwegian bokmål (tables, map legends, reports).
    """

    name: str
    family: str  #: "mass", "energy" or "volume"
    unit: str  #: canonical unit of the family
    label_en: str
    label_nb: str


_FAMILY_UNIT = {"mass": "t/yr", "energy": "GWh/yr", "volume": "m3/yr"}

#: Known resource kinds (source ``kind`` values and symbiosis flow kinds).
KINDS: dict[str, ResourceKind] = {
    k.name: k
    for k in [
        ResourceKind("cattle_manure", "mass", "t/yr", "cattle slurry", "storfegjødsel"),
        ResourceKind("pig_manure", "mass", "t/yr", "pig slurry", "svinegjødsel"),
        ResourceKind("sheep_goat_manure", "mass", "t/yr", "sheep and goat manure", "sau- og geitegjødsel"),
        ResourceKind("poultry_manure", "mass", "t/yr", "poultry manure", "fjørfegjødsel"),
        ResourceKind("horse_manure", "mass", "t/yr", "horse manure", "hestegjødsel"),
        ResourceKind("other_manure", "mass", "t/yr", "other manure", "annen husdyrgjødsel"),
        ResourceKind("food_waste", "mass", "t/yr", "food waste", "matavfall"),
        ResourceKind(
            "sewage_sludge", "mass", "t/yr", "sewage sludge (undigested)", "avløpsslam (ikke råtnet)"
        ),
        ResourceKind("digested_sludge", "mass", "t/yr", "sewage sludge (digested)", "avløpsslam (råtnet)"),
        ResourceKind("forest_residue", "mass", "t/yr", "forest residue (GROT)", "hogstavfall (GROT)"),
        ResourceKind("textiles", "mass", "t/yr", "used textiles", "brukte tekstiler"),
        ResourceKind("by_product", "mass", "t/yr", "industrial by-product", "biprodukt"),
        ResourceKind("wood_chips", "mass", "t/yr", "wood chips", "flis"),
        ResourceKind("ash", "mass", "t/yr", "ash", "aske"),
        ResourceKind("co2", "mass", "t/yr", "CO2", "CO2"),
        ResourceKind("excess_heat", "energy", "GWh/yr", "excess heat", "overskuddsvarme"),
        ResourceKind("heat", "energy", "GWh/yr", "heat", "varme"),
        ResourceKind("water", "volume", "m3/yr", "process water", "prosessvann"),
    ]
}

#: Truck class each kind travels in (``resources.co2_kg_per_tkm.<class>``); others: the general factor.
VEHICLE: dict[str, str] = {
    "cattle_manure": "slurry_tanker",
    "pig_manure": "slurry_tanker",
    "food_waste": "compactor",
    "textiles": "box_truck",
    "forest_residue": "timber_truck",
    "wood_chips": "timber_truck",
}

#: Keys that were replaced: old key -> what to use instead (a scenario naming one is refused with this).
RENAMED: dict[str, str] = {
    "symbiosis.heat_nok_per_gwh_km": (
        "the pipe cost now grows with length and less than linearly with flow: set "
        "symbiosis.heat_pipe_nok_per_km_ref, symbiosis.heat_pipe_ref_gwh, symbiosis.heat_pipe_flow_exponent, "
        "symbiosis.heat_pipe_discount_rate or symbiosis.heat_pipe_life_yr instead"
    ),
}

#: Accepted unit spellings (lower case, spaces removed) -> (family, factor to canonical unit).
#: Quantities are annual; "t" is read as "t/yr" because every source quantity is per year.
UNITS: dict[str, tuple[str, float]] = {}
for _names, _family, _factor in [
    (
        (
            "t/yr",
            "t/year",
            "t/a",
            "t",
            "tonnes",
            "tonne",
            "tonnes/yr",
            "tonnes/year",
            "tonn",
            "tonn/år",
            "t/år",
            "tpa",
        ),
        "mass",
        1.0,
    ),
    (("kg/yr", "kg/year", "kg/år", "kg"), "mass", 1e-3),
    (("kt/yr", "kt/year", "kt/år", "kt", "1000t/yr"), "mass", 1e3),
    (("gwh/yr", "gwh/year", "gwh/år", "gwh", "gwh/a"), "energy", 1.0),
    (("mwh/yr", "mwh/year", "mwh/år", "mwh", "mwh/a"), "energy", 1e-3),
    (("kwh/yr", "kwh/year", "kwh/år", "kwh", "kwh/a"), "energy", 1e-6),
    (("twh/yr", "twh/year", "twh/år", "twh"), "energy", 1e3),
    (("tj/yr", "tj/year", "tj/år", "tj"), "energy", 1.0 / 3.6),
    (("m3/yr", "m3/year", "m3/år", "m3", "m³/yr", "m³/år", "m³"), "volume", 1.0),
]:
    for _n in _names:
        UNITS[_n] = (_family, _factor)


def kind_info(kind: str) -> ResourceKind | None:
    """The :class:`ResourceKind` for ``kind`` (case-insensitive), or ``None`` if unknown.

    Parameters
    ----------
    kind
        A kind name such as ``"Food_Waste "``; stripped and lower-cased before the look-up in
        :data:`KINDS`.
    """
    return KINDS.get(str(kind).strip().lower())


def check_parameters(parameters: Mapping[str, Any] | None) -> dict:
    """Validate a ``parameters`` override mapping and return it as a plain dict of floats.

    Every key must be a key of the defaults table (``resources.*``, ``biogas.*``, ...);
    a new methane yield may be given for a kind not in the table
    (``resources.methane_nm3_per_t.<kind>``) and a payload likewise.

    Parameters
    ----------
    parameters
        Defaults-table key -> number (a scenario's ``[parameters]`` table), or ``None`` for none.
        Each value must be a finite number >= 0; a renamed key (``RENAMED``) is refused with what
        to use instead.  Every key of the whole defaults table is accepted, whatever its prefix
        (which keys a theme may set is checked by the scenario against the theme's
        ``parameter_prefixes``).

    Returns
    -------
    dict
        The keys as strings, the values as floats; ``{}`` for ``None``.

    Raises
    ------
    InputError
        For an unknown key (naming it and close keys) or a value that is not a number.
    """
    if parameters is None:
        return {}
    if not isinstance(parameters, Mapping):
        raise InputError(
            f"parameters must be a mapping of defaults-table keys to numbers, got {type(parameters).__name__}"
        )
    known = {row.key for row in table()}
    open_prefixes = ("resources.methane_nm3_per_t.", "resources.payload_t.", "symbiosis.value_nok_per_unit.",
                     "resources.manure_vs_kg_per_head_day.")
    out: dict[str, float] = {}
    for key, value in parameters.items():
        key = str(key)
        if key in RENAMED:
            raise InputError(f"parameters: key '{key}' is no longer used; {RENAMED[key]}")
        if key not in known and not key.startswith(open_prefixes):
            prefix = key.split(".")[0]
            near = sorted(k for k in known if k.startswith(prefix + "."))[:12]
            hint = f"; known keys under '{prefix}.': {', '.join(near)}" if near else ""
            raise InputError(f"parameters: unknown key '{key}'{hint}")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise InputError(f"parameters: '{key}' must be a number, got {value!r}") from None
        if not np.isfinite(number) or number < 0:
            raise InputError(f"parameters: '{key}' must be a finite number >= 0, got {value!r}")
        out[key] = number
    return out


def parameter(key: str, parameters: Mapping[str, Any] | None = None) -> float:
    """The value of ``key``: the user's override from ``parameters`` if present, else the default.

    Parameters
    ----------
    key
        A defaults-table key (``"resources.kwh_per_nm3_methane"``).
    parameters
        Overrides (as returned by :func:`check_parameters`); ``None`` (default) or a mapping without
        ``key`` gives :func:`~arealsirk.defaults.default` of ``key``.

    Raises
    ------
    InputError
        When ``key`` is neither overridden nor in the table.
    """
    if parameters and key in parameters:
        return float(parameters[key])
    return default(key)


def to_canonical(quantity: Any, unit: str, *, kind: str | None = None, context: str = "") -> tuple[Any, str]:
    """Convert ``quantity`` in ``unit`` to the canonical unit of its family.

    Parameters
    ----------
    quantity
        A number or numpy array.
    unit
        The unit as written (``"t/yr"``, ``"tonn/år"``, ``"MWh"``, ...).
    kind
        When given, the unit's family must match the kind's family (tonnes of
        food waste, GWh of heat).
    context
        Prefix for error messages (file/layer/column).

    Returns
    -------
    (quantity, canonical_unit)

    Raises
    ------
    InputError
        For an unknown unit or a unit of the wrong family for the kind.
    """
    key = str(unit).strip().lower().replace(" ", "")
    if key not in UNITS:
        known = ", ".join(sorted({"t/yr", "kg/yr", "kt/yr", "GWh/yr", "MWh/yr", "kWh/yr", "TJ/yr", "m3/yr"}))
        raise InputError(
            f"{context}unknown unit {unit!r}"
            + (f" for kind '{kind}'" if kind else "")
            + f"; use one of {known}"
        )
    family, factor = UNITS[key]
    if kind is not None:
        info = kind_info(kind)
        if info is not None and info.family != family:
            article = "an" if family[0] in "aeiou" else "a"
            raise InputError(
                f"{context}unit {unit!r} is {article} {family} unit but kind '{kind}' is measured "
                f"as {info.family} ({info.unit})"
            )
    return np.asarray(quantity, dtype=float) * factor if np.ndim(quantity) else float(
        quantity
    ) * factor, _FAMILY_UNIT[family]


def normalise_quantities(
    gdf: pd.DataFrame,
    *,
    kind_column: str = "kind",
    quantity_column: str = "quantity",
    unit_column: str = "unit",
    file: object = None,
    layer: str | None = None,
) -> pd.DataFrame:
    """Return a copy with ``quantity``/``unit`` converted to canonical units per row.

    The original values are kept in ``quantity_input`` and ``unit_input``.  A
    missing unit column means every quantity is already canonical for its kind
    (t/yr for mass kinds); that is logged, not guessed silently.

    Parameters
    ----------
    gdf
        Source rows with a kind and a quantity column (and usually a unit column); not changed.
    kind_column
        Column with the resource kind; lower-cased and stripped in the copy. Default ``"kind"``.
    quantity_column
        Column with the annual quantity in the row's unit; replaced by the canonical quantity.
        Default ``"quantity"``.
    unit_column
        Column with the unit as written (``"tonn/år"``, ``"MWh"``, see :data:`UNITS`); replaced by
        the canonical unit. Default ``"unit"``; when absent, each kind's canonical unit is assumed.
    file, layer
        Where the rows were read from, named in error messages and the log; optional.

    Returns
    -------
    pandas.DataFrame
        A copy with canonical ``quantity_column``/``unit_column`` and the original values in
        ``quantity_input``/``unit_input``.

    Raises
    ------
    InputError
        For an unknown unit (naming the file, layer, column and the unit).
    """
    import logging

    out = gdf.copy()
    kinds = out[kind_column].astype(str).str.strip().str.lower()
    out[kind_column] = kinds
    qty = out[quantity_column].to_numpy(dtype=float)
    if unit_column not in out.columns:
        logging.getLogger("arealsirk").info(
            "%sno '%s' column: quantities taken in each kind's canonical unit (t/yr for mass)",
            where(file=file, layer=layer),
            unit_column,
        )
        units = [info.unit if (info := kind_info(k)) else "t/yr" for k in kinds]
    else:
        units = out[unit_column].astype(str).tolist()
    new_q = np.empty(len(out))
    new_u: list[str] = []
    ctx = where(file=file, layer=layer, column=unit_column)
    cache: dict[tuple[str, str], tuple[float, str]] = {}
    for i, (k, u) in enumerate(zip(kinds, units, strict=True)):
        if (k, u) not in cache:
            cache[(k, u)] = to_canonical(1.0, u, kind=k, context=ctx)
        f, cu = cache[(k, u)]
        new_q[i] = qty[i] * f
        new_u.append(cu)
    out["quantity_input"] = qty
    out["unit_input"] = units
    out[quantity_column] = new_q
    out[unit_column] = new_u
    return out


def _yield_key(kind: str) -> str:
    return f"resources.methane_nm3_per_t.{kind}"


def has_methane_yield(kind: str, parameters: Mapping[str, Any] | None = None) -> bool:
    """Whether ``kind`` has a methane yield (in the table or in ``parameters``).

    Parameters
    ----------
    kind
        Resource kind (case-insensitive); the yield key is ``resources.methane_nm3_per_t.<kind>``.
    parameters
        Overrides of defaults-table keys (a scenario's ``[parameters]``); a key not given falls back
        to ``defaults.csv``. ``None`` (default) uses the table only.
    """
    key = _yield_key(str(kind).strip().lower())
    if parameters and key in parameters:
        return True
    return any(row.key == key for row in table(key))


def methane_yield(kind: str, parameters: Mapping[str, Any] | None = None) -> float:
    """Methane yield of ``kind`` in Nm3 CH4 per tonne fresh matter.

    Parameters
    ----------
    kind
        Resource kind (case-insensitive), e.g. ``"cattle_manure"``.
    parameters
        Overrides, e.g. ``{'resources.methane_nm3_per_t.food_waste': 105}``, of defaults-table keys (a
        scenario's ``[parameters]``); a key not given falls back to ``defaults.csv``. ``None`` (default)
        uses the table only.

    Raises
    ------
    InputError
        When the kind has no yield; the message lists the kinds that have one
        and says how to add a yield through ``parameters``.
    """
    kind = str(kind).strip().lower()
    if not has_methane_yield(kind, parameters):
        have = sorted(r.key.rsplit(".", 1)[1] for r in table("resources.methane_nm3_per_t."))
        raise InputError(
            f"resource kind '{kind}' has no methane yield; kinds with a yield: "
            f"{', '.join(have)} (add one with parameters "
            f"{{'{_yield_key(kind)}': <Nm3 per tonne>}})"
        )
    return parameter(_yield_key(kind), parameters)


def methane_nm3(kind: str, tonnes: Any, parameters: Mapping[str, Any] | None = None) -> Any:
    """Methane (Nm3/yr) from ``tonnes`` (t/yr) of ``kind``: tonnes x yield.

    Parameters
    ----------
    kind
        Resource kind with a methane yield (:func:`methane_yield`; else an
        :class:`~arealsirk.errors.InputError`).
    tonnes
        Fresh matter, t/yr: a number or an array (one value per source).
    parameters
        Overrides of defaults-table keys (a scenario's ``[parameters]``); a key not given falls back
        to ``defaults.csv``. ``None`` (default) uses the table only.

    Returns
    -------
    numpy.ndarray
        Nm3 CH4 per year, the shape of ``tonnes``.
    """
    return np.asarray(tonnes, dtype=float) * methane_yield(kind, parameters)


def energy_gwh_from_methane(nm3: Any, parameters: Mapping[str, Any] | None = None) -> Any:
    """Energy (GWh/yr) in ``nm3`` of methane: Nm3 x kWh/Nm3 / 1e6.

    Parameters
    ----------
    nm3
        Methane, Nm3/yr: a number or an array.
    parameters
        Overrides (``resources.kwh_per_nm3_methane``) of defaults-table keys (a scenario's
        ``[parameters]``); a key not given falls back to ``defaults.csv``. ``None`` (default) uses the
        table only.
    """
    return np.asarray(nm3, dtype=float) * parameter("resources.kwh_per_nm3_methane", parameters) / 1e6


def forest_residue_gwh(tonnes: Any, parameters: Mapping[str, Any] | None = None) -> Any:
    """Fuel energy (GWh/yr) in ``tonnes`` of forest residue: t x MWh/t / 1e3.

    Parameters
    ----------
    tonnes
        Forest residue, t/yr: a number or an array.
    parameters
        Overrides (``resources.forest_residue_mwh_per_t``) of defaults-table keys (a scenario's
        ``[parameters]``); a key not given falls back to ``defaults.csv``. ``None`` (default) uses the
        table only.
    """
    return np.asarray(tonnes, dtype=float) * parameter("resources.forest_residue_mwh_per_t", parameters) / 1e3


def co2_kg_per_tkm(kind: str | None = None, parameters: Mapping[str, Any] | None = None) -> float:
    """CO2 per tonne-km of the truck class ``kind`` travels in (:data:`VEHICLE`), else the general factor.

    Parameters
    ----------
    kind
        Resource kind (case-insensitive); a kind without a class in :data:`VEHICLE`, or ``None``
        (default), gets the general heavy-truck factor ``resources.co2_kg_per_tkm``.
    parameters
        Overrides (``resources.co2_kg_per_tkm[.<class>]``) of defaults-table keys (a scenario's
        ``[parameters]``); a key not given falls back to ``defaults.csv``. ``None`` (default) uses the
        table only.

    Returns
    -------
    float
        kg CO2 per tonne-km.
    """
    vehicle = VEHICLE.get(str(kind).strip().lower()) if kind is not None else None
    if vehicle is not None:
        return parameter(f"resources.co2_kg_per_tkm.{vehicle}", parameters)
    return parameter("resources.co2_kg_per_tkm", parameters)


def transport_co2_t(tonne_km: Any, parameters: Mapping[str, Any] | None = None, *, kind: Any = None) -> Any:
    """Transport CO2 (t/yr) for ``tonne_km``: tkm x kg CO2/tkm / 1e3.

    ``kind`` (one kind, or one per element of ``tonne_km``) picks the truck class's factor
    (:func:`co2_kg_per_tkm`); without it the general heavy-truck factor is used.

    Parameters
    ----------
    tonne_km
        Transport work, tonne-km per year: a number or an array.
    parameters
        Overrides of defaults-table keys (a scenario's ``[parameters]``); a key not given falls back
        to ``defaults.csv``. ``None`` (default) uses the table only.
    kind
        ``None`` (default), one kind for all values, or a sequence of kinds with one per element of
        ``tonne_km`` (else :class:`~arealsirk.errors.InputError`).

    Returns
    -------
    numpy.ndarray
        Tonnes CO2 per year, the shape of ``tonne_km``.
    """
    tkm = np.asarray(tonne_km, dtype=float)
    if kind is None or isinstance(kind, str):
        return tkm * co2_kg_per_tkm(kind, parameters) / 1e3
    kinds = np.asarray([str(k) for k in kind], dtype=object)
    if len(kinds) != tkm.size:
        raise InputError(f"transport_co2_t: {len(kinds)} kinds for {tkm.size} tonne-km values")
    factor = per_kind(co2_kg_per_tkm, kinds, parameters).reshape(tkm.shape)
    return tkm * factor / 1e3


def heat_pipe_nok_per_gwh(km: Any, flow_gwh: Any, parameters: Mapping[str, Any] | None = None) -> Any:
    """Annualised cost of piping heat, NOK per GWh delivered, for a pipe of ``km`` carrying ``flow_gwh``.

    .. math::

        C = a(r, n)\\, c_{ref}\\, L\\, (Q / Q_{ref})^{b} / Q, \\qquad a(r, n) = r / (1 - (1 + r)^{-n})

    with the investment per km :math:`c_{ref}` of a pipe carrying :math:`Q_{ref}` GWh/yr
    (``symbiosis.heat_pipe_nok_per_km_ref``, ``symbiosis.heat_pipe_ref_gwh``: the Mo Industripark
    extension, 13.6 MNOK for 2.1 km and 2.8 GWh/yr), the flow exponent :math:`b < 1`
    (``symbiosis.heat_pipe_flow_exponent``: cost per metre ~ diameter ~ sqrt(flow)), annualised with
    the annuity factor of the discount rate :math:`r` and life :math:`n` years. The cost grows linearly
    with length and less than linearly with flow, so per GWh it falls as the flow grows.

    Parameters
    ----------
    km
        Pipe length :math:`L`, km: a number or an array.
    flow_gwh
        Heat delivered :math:`Q`, GWh/yr: a number or an array broadcastable with ``km``; a flow of
        0 or less gives ``inf``.
    parameters
        Overrides (the ``symbiosis.heat_pipe_*`` keys) of defaults-table keys (a scenario's
        ``[parameters]``); a key not given falls back to ``defaults.csv``. ``None`` (default) uses the
        table only.

    Returns
    -------
    numpy.ndarray
        NOK per GWh delivered, per year.
    """
    r = parameter("symbiosis.heat_pipe_discount_rate", parameters)
    n = parameter("symbiosis.heat_pipe_life_yr", parameters)
    annuity = 1.0 / n if r == 0 else r / (1.0 - (1.0 + r) ** (-n))
    ref_cost = parameter("symbiosis.heat_pipe_nok_per_km_ref", parameters)
    ref_flow = parameter("symbiosis.heat_pipe_ref_gwh", parameters)
    b = parameter("symbiosis.heat_pipe_flow_exponent", parameters)
    q = np.asarray(flow_gwh, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_gwh = annuity * ref_cost * np.asarray(km, dtype=float) * (q / ref_flow) ** b / q
    return np.where(q > 0, per_gwh, np.inf)


def payload_t(kind: str, parameters: Mapping[str, Any] | None = None) -> float:
    """Truck payload (t) for ``kind``; ``resources.payload_t.default`` when the kind has none.

    Parameters
    ----------
    kind
        Resource kind (case-insensitive); its key is ``resources.payload_t.<kind>``.
    parameters
        Overrides (a ``resources.payload_t.<kind>`` may be given for any kind) of defaults-table keys (a
        scenario's ``[parameters]``); a key not given falls back to ``defaults.csv``. ``None`` (default)
        uses the table only.
    """
    key = f"resources.payload_t.{str(kind).strip().lower()}"
    if (parameters and key in parameters) or table(key):
        return parameter(key, parameters)
    return parameter("resources.payload_t.default", parameters)


def per_kind(
    factor: Callable[[str, Mapping[str, Any] | None], float],
    kinds: Any,
    parameters: Mapping[str, Any] | None = None,
) -> np.ndarray:
    """A per-kind factor for each element of ``kinds``, looked up once per distinct kind.

    The vectorised form of the scalar look-ups (:func:`payload_t`, :func:`methane_yield`,
    :func:`co2_kg_per_tkm`): ``factor`` is called once for each distinct value of ``kinds``, in
    the order of first appearance, and the results are mapped onto the elements, so element ``i``
    is exactly ``factor(kinds[i], parameters)`` (the same float, the same normalisation of the
    kind's spelling) and an error is raised for the kind of the first element that has none.

    Parameters
    ----------
    factor
        A scalar look-up ``factor(kind, parameters) -> float``, e.g. :func:`payload_t`.
    kinds
        Kind of each element: a sequence or array (a pandas Series is read by position).
    parameters
        Overrides of defaults-table keys, passed to ``factor``; ``None`` (default) uses the table only.

    Returns
    -------
    numpy.ndarray
        One float per element of ``kinds`` (1-D).

    Raises
    ------
    InputError
        Whatever ``factor`` raises for a kind (e.g. :func:`methane_yield` for a kind without a yield).

    Examples
    --------
    >>> per_kind(payload_t, ["food_waste", "cattle_manure", "food_waste"]).tolist() == [
    ...     payload_t("food_waste"), payload_t("cattle_manure"), payload_t("food_waste")]
    True
    """
    import pandas as pd

    codes, distinct = pd.factorize(np.asarray(kinds, dtype=object).ravel(), use_na_sentinel=False)
    values = np.array([factor(k, parameters) for k in distinct], dtype=float)
    return values[codes]


def truck_trips(kind: str, tonnes: Any, parameters: Mapping[str, Any] | None = None) -> Any:
    """Loaded truck trips per year: tonnes / payload (rounded up per source).

    Parameters
    ----------
    kind
        Resource kind, which sets the payload (:func:`payload_t`).
    tonnes
        t/yr: a number, or an array with one value per source (each rounded up separately).
    parameters
        Overrides of defaults-table keys (a scenario's ``[parameters]``); a key not given falls back
        to ``defaults.csv``. ``None`` (default) uses the table only.

    Returns
    -------
    numpy.ndarray
        Whole trips per year, the shape of ``tonnes``.
    """
    return np.ceil(np.asarray(tonnes, dtype=float) / payload_t(kind, parameters))


def resource_table(parameters: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """All resource kinds with unit, methane yield, payload and the sources of the numbers.

    Parameters
    ----------
    parameters
        Overrides of defaults-table keys; an overridden yield shows ``"user parameter"`` as its
        source. ``None`` (default) uses the table only.

    Returns
    -------
    pandas.DataFrame
        One row per kind of :data:`KINDS`: ``kind``, ``label_en``, ``label_nb``, ``family``,
        ``unit``, ``methane_nm3_per_t``, ``energy_mwh_per_t`` (forest residue only),
        ``payload_t`` (mass kinds only), ``yield_source``; NaN where a figure does not apply.
    """
    import pandas as pd

    rows = []
    for k in KINDS.values():
        y = methane_yield(k.name, parameters) if has_methane_yield(k.name, parameters) else np.nan
        ykey = _yield_key(k.name)
        src = next((r.source for r in table(ykey)), "")
        if parameters and ykey in parameters:
            src = "user parameter"
        rows.append(
            {
                "kind": k.name,
                "label_en": k.label_en,
                "label_nb": k.label_nb,
                "family": k.family,
                "unit": k.unit,
                "methane_nm3_per_t": y,
                "energy_mwh_per_t": (
                    parameter("resources.forest_residue_mwh_per_t", parameters)
                    if k.name == "forest_residue"
                    else np.nan
                ),
                "payload_t": payload_t(k.name, parameters) if k.family == "mass" else np.nan,
                "yield_source": src,
            }
        )
    return pd.DataFrame(rows)
