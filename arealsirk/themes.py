"""The theme registry: every theme is declared once, here.

A *theme* is one kind of facility the regional strategy asks about (biogas, bioenergy,
textile reuse, reuse centres, circular industrial parks with symbiosis).  Its declaration
says everything the rest of the program needs to know about it:

* its scenario section and keys, with types, bounds and the defaults-table row that gives
  each key's default (:class:`Key`);
* the input layers it reads and which workflow argument each one feeds (:class:`LayerUse`);
* the facility type it writes to ``selected_sites`` and the ``existing`` facility types
  (with their Norwegian spellings) that it keeps;
* the defaults-table prefixes whose rows change its answer;
* its workflow, called through one uniform adapter with a :class:`ThemeContext`.

The scenario validator (:mod:`arealsirk.scenario`), the pipeline (:mod:`arealsirk.pipeline`),
the QGIS provider and the docs read these declarations; nothing else lists themes.  Adding a
theme touches its own workflow module and :data:`THEMES`, nothing else.

Every theme takes the same inputs: layers, network, exclusions, parameters, progress and cancel
(:class:`ThemeContext`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import geopandas as gpd

    from .workflows import WorkflowResult

__all__ = ["COMMON_KEYS", "THEMES", "Key", "LayerUse", "Theme", "ThemeContext", "theme"]


@dataclass(frozen=True)
class Key:
    """One scenario key of a theme section (``[biogas] max_km = 30``).

    ``kwarg`` is the workflow keyword the value is passed as (default: ``name``).  The default
    of a key is the defaults-table row ``default_key`` (so ``arealsirk defaults`` documents it)
    or, for switches with no number behind them, ``default``.

    Attributes
    ----------
    name
        The key as written in the scenario section (``"max_km"``).
    type
        ``"int"``, ``"float"``, ``"bool"``, ``"str"`` or ``"list"`` (a list of strings); the scenario
        validator refuses a value of another type (a whole number is accepted for a float).
    description
        What the key changes, one line (scenario reference page, error messages).
    default_key
        Defaults-table row giving the key's default; the same number may then be set either here or
        under ``[parameters]``, not both. ``None`` when the key has no number behind it.
    default
        Default of a key without a defaults row (``False`` for ``exact``, ``"coverage"``); ``None``
        means the workflow decides (documented in ``description``).
    minimum, maximum
        Bounds of a numeric key, inclusive; ``None`` for no bound.
    exclusive_minimum
        ``True``: the value must be strictly greater than ``minimum`` (a radius of 0 is refused).
        Default ``False``.
    choices
        Allowed values of a ``"str"`` key (or of each element of a list value); ``()`` for any.
    kwarg
        The workflow keyword the value is passed as, when it differs from ``name``; ``None``
        (default) passes it as ``name``.
    """

    name: str
    type: str  #: "int" | "float" | "bool" | "str"
    description: str
    default_key: str | None = None
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    choices: tuple[str, ...] = ()
    kwarg: str | None = None

    @property
    def keyword(self) -> str:
        return self.kwarg or self.name


@dataclass(frozen=True)
class LayerUse:
    """An input layer a theme reads: scenario layer name -> workflow role.

    Attributes
    ----------
    layer
        Name under the scenario's ``[layers]`` (see :data:`arealsirk.scenario.LAYER_SPECS`).
    role
        What the workflow does with the layer, in words; shown in the scenario reference and in the
        error when a required layer is missing (the adapter, not this text, passes the layer).
    required
        ``True``: a scenario enabling the theme without this layer is refused, naming it.
        Default ``False``.
    """

    layer: str  #: name under ``[layers]`` (see :data:`arealsirk.scenario.LAYER_SPECS`)
    role: str  #: what the workflow does with it (documentation; the adapter passes it)
    required: bool = False


@dataclass
class ThemeContext:
    """Everything a theme's workflow gets: the same for every theme.

    ``candidates`` are the candidate zones (the workflow removes those the ``exclusions`` rule out
    and lists them in ``tables["excluded"]``); ``existing`` holds only the rows of this theme's
    facility types, matched in any case and typed as the theme's first ``existing_types`` value;
    ``options`` are the theme's scenario keys as workflow keywords (``enabled`` removed).

    Attributes
    ----------
    layers
        Every validated input layer of the run by scenario layer name (``sources``, ``zones``,
        ``kommuner``, ...), in the analysis CRS; population and sources outside the ``region``
        layer already taken out.
    network
        The road graph of the run (a networkx ``MultiDiGraph`` from
        :func:`arealsirk.network.graph_from_roads`), built once for all themes with the
        ``[network]`` options and ``network.*`` parameters.
    candidates
        The candidate sites: the ``zones`` layer.
    existing
        The existing facilities of this theme's ``existing_types``, or ``None`` when there are none
        or the theme keeps none.
    exclusions
        The exclusion layers (:class:`arealsirk.suitability.constraints.Exclusions`): protected
        areas, lakes, the DEM, and settlements only for themes that read the ``settlements`` layer.
    parameters
        Defaults-table overrides of the scenario (``[parameters]``, with ``[network] max_snap_m``
        and ``snap_speed_kph`` folded in); the workflow falls back to the table for the rest.
    options
        The theme section's keys as workflow keywords (:attr:`Key.keyword`), ``enabled`` removed.
    progress
        Progress callback for this theme's share of the run, or ``None``.
    is_cancelled
        Cancellation callback (returns ``True`` to stop), or ``None``.
    """

    layers: Mapping[str, gpd.GeoDataFrame]
    network: Any
    candidates: gpd.GeoDataFrame
    existing: gpd.GeoDataFrame | None
    exclusions: Any
    parameters: Mapping[str, float]
    options: Mapping[str, Any]
    progress: Any = None
    is_cancelled: Any = None

    def common(self) -> dict[str, Any]:
        """Keywords every workflow accepts."""
        return {"existing": self.existing, "kommuner": self.layers.get("kommuner"),
                "parameters": dict(self.parameters) or None, "exclusions": self.exclusions,
                "progress": self.progress, "is_cancelled": self.is_cancelled, **self.options}


@dataclass(frozen=True)
class Theme:
    """The one declaration of a theme (see the module docstring).

    Attributes
    ----------
    name
        Theme id and the name of its scenario section (``"biogas"``).
    facility_type
        Value written to ``selected_sites.facility_type`` for its sites (``"biogas_plant"``).
    title
        Display title as (English, bokmål).
    keys
        The keys its section accepts (:class:`Key`), the common ones (:data:`COMMON_KEYS`) included;
        any other key is refused.
    layers
        The input layers it reads (:class:`LayerUse`); a layer no enabled theme reads is refused.
    existing_types
        ``existing.facility_type`` values (lower case, Norwegian spellings too) it keeps as open
        facilities; the first is the canonical type they are given.
    parameter_prefixes
        Defaults-table key prefixes whose rows change its answer; a ``[parameters]`` key that only a
        theme not enabled would read is refused, naming that theme.
    outputs
        Names of the result layers it writes (listed per theme in ``docs/scenario.md``; the workflow's
        :class:`~arealsirk.workflows.WorkflowResult` decides what is written).
    run
        The adapter calling its workflow with a :class:`ThemeContext`.
    in_demo
        Whether the embedded demo region's scenario runs the theme (bioenergy and textiles do not);
        said per theme in ``docs/scenario.md``. Default ``True``.
    qgis_algorithm
        Id of its QGIS Processing algorithm (``arealsirk:<id>``); default ``""``.
    extra
        Further declarations; ``resource_streams``: the :data:`arealsirk.estimate.STREAMS` a
        ``[resources]`` section estimates for this theme's ``sources`` layer.
    """

    name: str  #: scenario section and theme id
    facility_type: str  #: ``selected_sites.facility_type``
    title: tuple[str, str]  #: (English, bokmål)
    keys: tuple[Key, ...]
    layers: tuple[LayerUse, ...]
    existing_types: tuple[str, ...]  #: ``existing.facility_type`` values (lower case) it keeps
    parameter_prefixes: tuple[str, ...]  #: defaults-table prefixes whose rows change its answer
    outputs: tuple[str, ...]  #: result layers it writes
    run: Callable[[ThemeContext], WorkflowResult]
    in_demo: bool = True
    qgis_algorithm: str = ""  #: id of its QGIS Processing algorithm (``arealsirk:<id>``)
    #: further declarations; ``resource_streams``: the :data:`arealsirk.estimate.STREAMS` a
    #: ``[resources]`` section estimates for this theme's ``sources`` layer
    extra: Mapping[str, Any] = field(default_factory=dict)

    def key(self, name: str) -> Key | None:
        """The declaration of key ``name`` of this theme's section, or ``None``."""
        return next((k for k in self.keys if k.name == name), None)

    @property
    def layer_names(self) -> tuple[str, ...]:
        """Names of the scenario layers this theme reads."""
        return tuple(use.layer for use in self.layers)

    @property
    def uses_existing(self) -> bool:
        """Whether the theme keeps existing facilities (it reads the ``existing`` layer)."""
        return "existing" in self.layer_names


#: Keys every theme section has.
COMMON_KEYS: tuple[Key, ...] = (
    Key("enabled", "bool", "run this theme (default: true when the section is present)"),
    Key("exact", "bool", "solve the location model to proven optimality with HiGHS", default=False),
    Key("time_limit", "float", "seconds the solver may use (default: locate.milp_time_limit for "
        "non-exact runs, none for exact)", minimum=0, exclusive_minimum=True, maximum=604800),
)


def _feedstock_keys(prefix: str, min_key: str) -> tuple[Key, ...]:
    return (
        Key("count", "int", "plants in all, the existing ones of the theme included (they are kept); "
            "default: as many as pay off", minimum=1, maximum=10000),
        Key("max_km", "float", "maximum haul by road for every kind (see also the per-kind rows)",
            default_key=f"{prefix}.max_km", minimum=0, exclusive_minimum=True, maximum=2500),
        Key(min_key, "float", "minimum feedstock of a new plant", default_key=f"{prefix}.{min_key}",
            minimum=0, maximum=1e8),
        Key("capacity_t", "float", "capacity of one new plant", default_key=f"{prefix}.capacity_t",
            minimum=0, exclusive_minimum=True, maximum=1e8),
    )


def _run_biogas(ctx: ThemeContext) -> WorkflowResult:
    from .workflows import site_biogas

    return site_biogas(ctx.layers["sources"], ctx.candidates, ctx.network, **ctx.common())


def _run_bioenergy(ctx: ThemeContext) -> WorkflowResult:
    from .workflows import site_bioenergy

    return site_bioenergy(ctx.layers["sources"], ctx.candidates, ctx.network, **ctx.common())


def _run_textiles(ctx: ThemeContext) -> WorkflowResult:
    from .workflows import site_textile_reuse

    return site_textile_reuse(ctx.layers["sources"], ctx.candidates, ctx.network, **ctx.common())


def _run_reuse(ctx: ThemeContext) -> WorkflowResult:
    from .workflows import site_reuse_centres

    return site_reuse_centres(ctx.layers["population"], ctx.candidates, ctx.network,
                              population_column="population", **ctx.common())


def _run_parks(ctx: ThemeContext) -> WorkflowResult:
    from .workflows import site_industrial_parks

    kwargs = ctx.common()
    kwargs.pop("existing")  # parks keep no existing facilities
    return site_industrial_parks(ctx.candidates, ctx.layers["flows"], ctx.network,
                                 stations=ctx.layers.get("stations"), **kwargs)


_KOMMUNER = LayerUse("kommuner", "per-kommune tables and the region")
#: Odour and noise: only biogas plants and industrial parks keep the settlement buffer
#: (suitability.buffer_settlement_m); reuse centres, textile sites and heating plants belong near people.
_SETTLEMENTS = LayerUse("settlements", "exclusion: candidates within suitability.buffer_settlement_m "
                        "of a built-up area are removed (odour, noise)")
#: defaults rows of the candidate exclusions (:func:`arealsirk.constraints.exclude_candidates`)
_EXCLUSION_PREFIXES = ("suitability.buffer_protected_m", "suitability.buffer_water_m",
                       "suitability.max_slope_pct")
_SETTLEMENT_PREFIXES = ("suitability.buffer_settlement_m",)
_ZONES = LayerUse("zones", "candidate sites", required=True)
_EXISTING = LayerUse("existing", "existing facilities of this theme, kept open")

#: Every theme, in the order a run performs them.
THEMES: dict[str, Theme] = {t.name: t for t in (
    Theme(
        name="biogas", facility_type="biogas_plant", title=("Biogas plants", "Biogassanlegg"),
        keys=(*_feedstock_keys("biogas", "min_plant_t"), *COMMON_KEYS),
        layers=(LayerUse("sources", "manure, food waste, sludge (kind, quantity, unit)", required=True),
                _ZONES, _EXISTING, _KOMMUNER, _SETTLEMENTS),
        existing_types=("biogas_plant", "biogassanlegg"),
        parameter_prefixes=("biogas.", "resources.", *_EXCLUSION_PREFIXES, *_SETTLEMENT_PREFIXES),
        outputs=("selected_sites", "allocation", "catchments"),
        extra={"resource_streams": ("manure", "food_waste", "sewage_sludge")},
        run=_run_biogas, qgis_algorithm="site_biogas",
    ),
    Theme(
        name="bioenergy", facility_type="bioenergy_plant",
        title=("Bioenergy (wood-chip heating plants)", "Bioenergi (flisfyrte varmesentraler)"),
        keys=(*_feedstock_keys("bioenergy", "min_plant_t"), *COMMON_KEYS),
        layers=(LayerUse("sources", "forest residue (kind forest_residue)", required=True),
                _ZONES, _EXISTING, _KOMMUNER),
        existing_types=("bioenergy_plant", "heating_plant", "district_heating", "varmesentral",
                        "fjernvarme"),
        parameter_prefixes=("bioenergy.", "resources.", *_EXCLUSION_PREFIXES),
        outputs=("selected_sites", "allocation", "catchments"),
        extra={"resource_streams": ("forest_residue",)},
        run=_run_bioenergy, in_demo=False, qgis_algorithm="site_bioenergy",
    ),
    Theme(
        name="textiles", facility_type="textile_site",
        title=("Textile reuse", "Ombruk av tekstiler"),
        keys=(*_feedstock_keys("textiles", "min_site_t"), *COMMON_KEYS),
        layers=(LayerUse("sources", "textiles (kind textiles)", required=True),
                _ZONES, _EXISTING, _KOMMUNER),
        existing_types=("textile_site", "sorting_site", "tekstilsortering"),
        parameter_prefixes=("textiles.", "resources.", *_EXCLUSION_PREFIXES),
        outputs=("selected_sites", "allocation", "catchments"),
        extra={"resource_streams": ("textiles",)},
        run=_run_textiles, in_demo=False, qgis_algorithm="site_textile_reuse",
    ),
    Theme(
        name="reuse", facility_type="reuse_centre",
        title=("Reuse centres", "Ombrukssentre"),
        keys=(
            Key("count", "int", "centres in all, existing ones included", default_key="reuse.count",
                minimum=1, maximum=10000),
            Key("max_minutes", "float", "drive-time limit of the coverage objective",
                default_key="reuse.max_minutes", minimum=0, exclusive_minimum=True, maximum=1440),
            Key("objective", "str", "coverage: most people within max_minutes; p_median: shortest "
                "mean drive time", default="coverage", choices=("coverage", "p_median")),
            Key("curve_max", "int", "largest count of the coverage curve", default_key="reuse.curve_max",
                minimum=1, maximum=10000),
            *COMMON_KEYS,
        ),
        layers=(LayerUse("population", "people (grid cells or points, column population)", required=True),
                _ZONES, _EXISTING, _KOMMUNER),
        existing_types=("recycling_station", "reuse_centre", "gjenvinningsstasjon", "ombrukssenter",
                        "miljøstasjon"),
        parameter_prefixes=("reuse.", *_EXCLUSION_PREFIXES),
        outputs=("selected_sites", "allocation", "service_areas"),
        run=_run_reuse, qgis_algorithm="site_reuse_centres",
    ),
    Theme(
        name="parks", facility_type="industrial_park",
        title=("Circular industrial parks", "Sirkulære næringsparker"),
        keys=(
            Key("count", "int", "parks to select", default_key="parks.count", minimum=1,
                maximum=10000),
            Key("max_heat_km", "float", "longest excess-heat pipe", default_key="symbiosis.max_heat_km",
                minimum=0, maximum=500),
            Key("max_km", "float", "longest by-product haul", default_key="symbiosis.max_km", minimum=0,
                maximum=2500),
            COMMON_KEYS[0],
        ),
        layers=(LayerUse("flows", "firms' supplies and demands (role, kind, quantity, unit)", required=True),
                _ZONES, LayerUse("stations", "rail stations (rail criterion)"), _KOMMUNER, _SETTLEMENTS),
        existing_types=("industrial_park", "næringspark"),
        parameter_prefixes=("parks.", "symbiosis.", "suitability."),
        outputs=("selected_sites", "matches", "candidates"),
        run=_run_parks, qgis_algorithm="site_industrial_parks",
    ),
)}


def theme(name: str) -> Theme:
    """The declaration of theme ``name`` (KeyError naming the known themes otherwise).

    Parameters
    ----------
    name
        A key of :data:`THEMES` (``"biogas"``, ``"bioenergy"``, ``"textiles"``, ``"reuse"``,
        ``"parks"``), exactly.
    """
    try:
        return THEMES[name]
    except KeyError:
        raise KeyError(f"unknown theme {name!r}; known: {', '.join(THEMES)}") from None
