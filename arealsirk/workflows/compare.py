"""Scenarios side by side."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..i18n import SUMMARY_LABELS, unit_label
from ._result import WorkflowResult

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["compare_scenarios"]


def compare_scenarios(results: Mapping[str, WorkflowResult], *, lang: str = "en") -> pd.DataFrame:
    """A side-by-side table of the key figures of several results.

    Rows are the summary keys (in the order they first appear), columns the
    scenario names, plus ``unit`` and ``label`` columns; a figure a scenario does not
    have is NaN.  A ``status`` row says whether each scenario is optimal,
    feasible or infeasible.

    Parameters
    ----------
    results
        Scenario name -> its :class:`~arealsirk.workflows.WorkflowResult` (at least one); the
        names become the columns.
    lang
        ``"en"`` (default) or ``"nb"``: language of the ``label`` column and the units; any other
        value gives the English labels.

    Returns
    -------
    pandas.DataFrame
        Indexed by the summary key: ``label``, ``unit`` and one column per scenario.

    Raises
    ------
    InputError
        An empty mapping, or a value that is not a WorkflowResult.
    """
    import numpy as np
    import pandas as pd

    from ..errors import InputError

    if not isinstance(results, Mapping) or not results:
        raise InputError("compare_scenarios needs a non-empty mapping {scenario name: WorkflowResult}")
    for name, r in results.items():
        if not isinstance(r, WorkflowResult):
            raise InputError(
                f"compare_scenarios: scenario '{name}' is a {type(r).__name__}, not a WorkflowResult"
            )
    keys: list[str] = []
    for r in results.values():
        keys += [k for k, v in r.summary.items() if k not in keys and not isinstance(v, list | tuple)]
    rows = []
    for k in keys:
        en, nb, unit = SUMMARY_LABELS.get(k, (k, k, ""))
        row: dict[str, Any] = {"key": k, "label": nb if lang == "nb" else en, "unit": unit_label(unit, lang)}
        for name, r in results.items():
            row[name] = r.summary.get(k, np.nan)
        rows.append(row)
    rows.append(
        {"key": "status", "label": "Status", "unit": "", **{name: r.status for name, r in results.items()}}
    )
    return pd.DataFrame(rows).set_index("key")
