"""The balance of a workflow: where every person and tonne of the input went.

Every :class:`~arealsirk.workflows.WorkflowResult` carries ``tables["balance"]``, one row per
(stream, category) with columns ``theme, stream, category, quantity, unit, share, detail``.  A
stream is ``"population"`` or a resource kind; for each stream the quantities sum to the input
total of that stream.  The categories (:data:`CATEGORIES`) say why what was not served was not:

``served_within_limit`` / ``served_beyond_limit``
    people whose nearest open site is within / beyond the drive-time limit;
``collected``
    tonnes allocated to an open plant;
``beyond_max_km``
    tonnes on the same road part as an open plant, but farther than their haul limit from all;
``capacity_full``
    tonnes within their haul limit of an open plant that were not collected (no room, or the
    model found them not worth a plant);
``no_yield``
    tonnes of a kind the theme does not use (no yield for it, or an unknown kind);
``unreachable_no_site_on_part``
    on a part of the road network where no site is open (cut off from every open site);
``unreachable_far_from_road``
    farther than the snap limit (``network.max_snap_m``) from any road, so not snapped;
``unreachable_across_water``
    the nearest road is across water (not snapped; needs the land polygon of the network);
``outside_region``
    outside the kommune polygons of the run, so left out of the model.
``matched`` / ``unmatched``
    symbiosis flows (parks, symbiosis; stream ``<kind>:<role>``): the quantity matched with a
    partner / left without one; flows that cannot be matched at all (no value per unit, heat
    without a temperature) are ``no_yield``.

``summary["balance_headline"]`` lists the largest losses first as :class:`Message` objects, so
a planner reads "34 % of the people are on road parts with no site" before any other figure.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from ._messages import Message

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = [
    "CATEGORIES",
    "BalanceRows",
    "balance_headline",
    "flow_balance",
    "note_parts",
    "outside_region",
    "parts_table",
    "snap_reasons",
]

#: The categories of the balance table, in the order rows are listed.
CATEGORIES = (
    "served_within_limit",
    "served_beyond_limit",
    "collected",
    "beyond_max_km",
    "capacity_full",
    "no_yield",
    "unreachable_no_site_on_part",
    "unreachable_far_from_road",
    "unreachable_across_water",
    "outside_region",
    "matched",
    "unmatched",
)

#: Categories that are not a loss (not named in the headline).
GOOD = ("served_within_limit", "collected", "matched")

#: Snap reasons of :func:`arealsirk.network.snap` -> balance category.
_REASON_CATEGORY = {
    "far_from_road": "unreachable_far_from_road",
    "outside_extent": "unreachable_far_from_road",
    "across_water": "unreachable_across_water",
}


def snap_reasons(snap: Any) -> np.ndarray:
    """Why each snapped point is unreachable ("" when it is snapped).

    Uses ``snap.reason`` of :func:`arealsirk.network.snap` when the network gives one; otherwise
    derives it from ``outside`` ("outside_extent") and ``far`` ("far_from_road").
    """
    reason = getattr(snap, "reason", None)
    if reason is not None:
        return np.asarray(reason, dtype=object)
    n = len(snap.nodes)
    out = np.full(n, "", dtype=object)
    far = np.asarray(snap.far, dtype=bool) if snap.far is not None else np.zeros(n, bool)
    out[far] = "far_from_road"
    if snap.outside is not None:
        out[np.asarray(snap.outside, dtype=bool)] = "outside_extent"
    return out


def reason_category(reason: str) -> str:
    """The balance category of a snap reason ("" -> on a part with no open site)."""
    return _REASON_CATEGORY.get(str(reason), "unreachable_no_site_on_part")


def outside_region(layer: gpd.GeoDataFrame, kommuner: gpd.GeoDataFrame | None) -> np.ndarray:
    """True for features that touch no kommune polygon (all False without kommuner).

    Polygons (grid cells) count as inside when any part of them overlaps a kommune, so cells cut by
    a simplified coastline stay in the region; points must lie in (or on the border of) a kommune.
    """
    import shapely

    if kommuner is None or not len(kommuner) or not len(layer):
        return np.zeros(len(layer), dtype=bool)
    region = shapely.union_all(kommuner.to_crs(layer.crs).geometry.to_numpy())
    shapely.prepare(region)
    return ~shapely.intersects(region, layer.geometry.to_numpy())


class BalanceRows:
    """Collects (stream, category, quantity) pieces and the input totals; :meth:`table` checks
    that each stream's pieces sum to its total."""

    def __init__(self, theme: str) -> None:
        self.theme = theme
        self.rows: dict[tuple[str, str], float] = {}
        self.units: dict[str, str] = {}
        self.totals: dict[str, float] = {}
        self.details: dict[tuple[str, str], str] = {}

    def total(self, stream: str, quantity: float, unit: str) -> None:
        """Add ``quantity`` to the input total of ``stream``."""
        self.totals[stream] = self.totals.get(stream, 0.0) + float(quantity)
        self.units.setdefault(stream, unit)

    def add(self, stream: str, category: str, quantity: float, *, detail: str = "") -> None:
        """Add ``quantity`` of ``stream`` to ``category`` (zero amounts are kept out of the table)."""
        if category not in CATEGORIES:
            raise ValueError(f"unknown balance category {category!r}")
        q = float(quantity)
        if q == 0:
            return
        self.rows[(stream, category)] = self.rows.get((stream, category), 0.0) + q
        if detail:
            self.details[(stream, category)] = detail

    def add_many(
        self, streams: Iterable[str], categories: Iterable[str], quantities: Iterable[float]
    ) -> None:
        """:meth:`add` for parallel sequences."""
        for s, c, q in zip(streams, categories, quantities, strict=True):
            self.add(str(s), str(c), float(q))

    def table(self) -> pd.DataFrame:
        """The balance table; raises ``AssertionError`` when a stream does not sum to its total."""
        import pandas as pd

        order = {c: i for i, c in enumerate(CATEGORIES)}
        rows = []
        for stream in sorted(self.totals, key=lambda s: (s != "population", s)):
            total = self.totals[stream]
            mine = sorted(
                ((c, q) for (s, c), q in self.rows.items() if s == stream), key=lambda cq: order[cq[0]]
            )
            got = sum(q for _, q in mine)
            if abs(got - total) > 1e-9 * max(abs(total), 1.0):
                raise AssertionError(
                    f"balance of {self.theme}: stream {stream!r} sums to {got!r}, input total {total!r}"
                )
            for c, q in mine:
                rows.append(
                    {
                        "theme": self.theme,
                        "stream": stream,
                        "category": c,
                        "quantity": q,
                        "unit": self.units[stream],
                        "share": q / total if total else 0.0,
                        "detail": self.details.get((stream, c), ""),
                    }
                )
        cols = ["theme", "stream", "category", "quantity", "unit", "share", "detail"]
        return pd.DataFrame(rows, columns=cols)


def balance_headline(
    balance: pd.DataFrame, *, limits: dict[Any, str] | None = None, top: int = 5
) -> list[Message]:
    """The largest losses of ``balance`` first, as bilingual sentences (at most ``top``).

    Losses are ordered by quantity in the unit that holds the most (people, or t/yr of feedstock),
    then by share of their stream; losses in other units (GWh/yr of heat) come after, and kinds the
    theme does not use but another theme does (``no_yield`` of a known kind) come last.

    ``limits`` maps a category, or a (category, stream) pair, to the text of the limit that causes
    it ("20 min, reuse.max_minutes", "100 km, biogas.max_km.food_waste"), named in the sentence.
    With no loss, one sentence says that everything was served or collected.
    """
    limits = limits or {}
    loss = balance[~balance["category"].isin(GOOD) & (balance["quantity"] > 0)]
    # the largest quantities first, in the unit that holds the most (people, t/yr); other units after
    main = balance.groupby("unit")["quantity"].sum().idxmax() if len(balance) else ""
    # kinds another theme uses (forest residue in a biogas run) come after the real losses;
    # unknown kinds (a misspelt kind is a lost tonne) do not
    minor = (loss["category"] == "no_yield") & ~loss["detail"].astype(str).str.contains("not a known")
    loss = loss.assign(
        _minor=minor, _other=loss["unit"] != main, _neg=-loss["quantity"], _negshare=-loss["share"]
    )
    loss = loss.sort_values(["_minor", "_other", "_neg", "_negshare", "stream"]).head(top)
    out: list[Message] = []
    for r in loss.itertuples(index=False):
        phrase = Message(
            f"balance.{r.category}", limit=limits.get((r.category, r.stream), limits.get(r.category, ""))
        )
        if ":" in r.stream:
            kind, role = r.stream.rsplit(":", 1)  # the role is last: a kind may hold a colon
            out.append(
                Message(
                    "balance.flow",
                    kind=kind,
                    role=Message(f"role.{role}"),
                    share=float(r.share),
                    q=float(r.quantity),
                    unit=str(r.unit),
                    phrase=phrase,
                )
            )
        elif r.stream == "population":
            out.append(Message("balance.people", share=float(r.share), q=float(r.quantity), phrase=phrase))
        else:
            out.append(
                Message(
                    "balance.kind",
                    kind=str(r.stream),
                    share=float(r.share),
                    q=float(r.quantity),
                    unit=str(r.unit),
                    phrase=phrase,
                )
            )
    if not out and len(balance):
        streams = set(balance["stream"])
        key = (
            "balance.all_people"
            if "population" in streams
            else "balance.all_matched"
            if any(":" in x for x in streams)
            else "balance.all_collected"
        )
        out.append(Message(key))
    return out


def flow_balance(theme: str, flows: pd.DataFrame) -> pd.DataFrame:
    """The balance of symbiosis flows from the ``flow_balance`` table of
    :func:`~arealsirk.workflows.symbiosis.match_flows` (columns kind, role, quantity, unit, matched,
    unmatched, used): one stream ``<kind>:<role>`` per kind and role."""
    bal = BalanceRows(theme)
    for r in flows.itertuples(index=False):
        stream = f"{r.kind}:{r.role}"
        bal.total(stream, float(r.quantity), str(r.unit))
        if not bool(r.used):
            bal.add(
                stream,
                "no_yield",
                float(r.quantity),
                detail="no value per unit (symbiosis.value_nok_per_unit.<kind>) or heat without temperature",
            )
            continue
        matched = min(max(float(r.matched), 0.0), float(r.quantity))
        bal.add(stream, "matched", matched)
        bal.add(stream, "unmatched", float(r.quantity) - matched)
    return bal.table()


def note_parts(bal: BalanceRows, streams: Any, categories: Any, snap: Any) -> None:
    """Name the road parts in the detail of each stream's ``unreachable_no_site_on_part`` row."""
    part = getattr(snap, "part", None)
    if part is None:
        return
    streams, categories = np.asarray(streams, dtype=object), np.asarray(categories, dtype=object)
    part = np.asarray(part)
    for stream in sorted(set(streams[categories == "unreachable_no_site_on_part"])):
        ids = sorted(
            {
                int(p)
                for p in part[(streams == stream) & (categories == "unreachable_no_site_on_part")]
                if p >= 0
            }
        )
        if ids:
            more = f" (+{len(ids) - 10})" if len(ids) > 10 else ""
            bal.details[(str(stream), "unreachable_no_site_on_part")] = (
                "road part(s) " + ", ".join(map(str, ids[:10])) + more + " have no open site"
            )


def parts_table(graph: Any, snap: Any, values: np.ndarray, open_parts: Any, *, name: str) -> pd.DataFrame:
    """What each part of the road network holds (:func:`arealsirk.network.part_summary`: ``name``
    per part, then one row per snap reason) and ``open_sites``, the number of open sites on the
    part (``open_parts``: the part id of each open site, -1 when not snapped)."""
    from ..network import part_summary

    table = part_summary(graph, snap, values, name=name)
    sp = np.asarray(open_parts, dtype=int)
    size = max(int(table["part"].max()) + 1 if len(table) else 0, int(sp.max(initial=-1)) + 1)
    counts = np.bincount(sp[sp >= 0], minlength=size)
    table["open_sites"] = [int(counts[p]) if p >= 0 else 0 for p in table["part"]]
    return table
