"""highspy helpers: build a model from arrays, add rows, and map HiGHS' progress to ours.

Used by the exact (proof) paths.  ``highspy`` is the ``highs`` extra; callers check
:func:`arealsirk.locate._milp.highspy_available` first.  Every model runs on one thread (the machine
this library targets is a planner's laptop; HiGHS' parallel MIP brings little and is not
deterministic).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp


@dataclass
class MipState:
    """What the MIP callback last saw (for honest reporting after an interrupt)."""

    primal: float = math.inf
    dual: float = -math.inf
    cancelled: bool = False


_BANNER_SHOWN = False


def _quiet_highs() -> Any:
    """``highspy.Highs()`` without its banner: HiGHS writes "Running HiGHS ..." to the C-level
    standard output when the first instance of a process is made, before any option can turn output
    off; it would land in a notebook cell or in the stdout of ``arealsirk run``.  File descriptor 1
    points at the null device for that one call."""
    import os
    import sys

    import highspy as hs

    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        return hs.Highs()
    _BANNER_SHOWN = True
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no real stdout (embedded interpreters): nothing to protect
        return hs.Highs()
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            return hs.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def new_highs(*, time_limit: float | None, rel_gap: float = 1e-9):
    """A quiet single-threaded :class:`highspy.Highs` with a time limit and gap tolerance."""
    h = _quiet_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("mip_rel_gap", float(rel_gap))
    if time_limit is not None and math.isfinite(time_limit):
        h.setOptionValue("time_limit", max(float(time_limit), 0.5))
    return h


def skip_primal_heuristics(h) -> None:
    """Switch off HiGHS' primal heuristics (RINS, RENS, feasibility jump, root reduced-cost diving).

    For a proof from a warm start that is already optimal or nearly so: on capb @ 6000 their sub-MIPs
    took 32 of the 60 s HiGHS spent at the root without improving the start, and the tree never began;
    without them HiGHS proves the start optimal (``docs/benchmarks/locate.md``).
    """
    for name in ("mip_heuristic_run_rins", "mip_heuristic_run_rens", "mip_heuristic_run_feasibility_jump",
                 "mip_heuristic_run_root_reduced_cost"):
        h.setOptionValue(name, False)
    h.setOptionValue("mip_heuristic_effort", 0.0)


def skip_strong_branching(h) -> None:
    """Branch on pseudocosts alone, without strong-branching LPs (``mip_pscost_minreliable = 0``).

    For the p-median radius model, whose binaries are few and whose LP is large: each strong-branching
    probe re-solves that LP. Measured on pmed36 / pmed39 from the incumbent, heuristics off: 84 / 26 s CPU
    against 102 / 36 s with HiGHS' default reliability of 8 (``docs/benchmarks/locate.md``).
    """
    h.setOptionValue("mip_pscost_minreliable", 0)


def pass_model(h, c: np.ndarray, A: sp.spmatrix, row_lo: np.ndarray, row_hi: np.ndarray,
               lb: np.ndarray, ub: np.ndarray, integrality: np.ndarray | None = None,
               sense: str = "min") -> None:
    """Pass ``min/max c x`` s.t. ``row_lo <= A x <= row_hi``, ``lb <= x <= ub`` to ``h``."""
    import highspy as hs

    inf = hs.kHighsInf
    csc = sp.csc_matrix(A)
    lp = hs.HighsLp()
    lp.num_col_ = int(A.shape[1])
    lp.num_row_ = int(A.shape[0])
    lp.col_cost_ = np.asarray(c, dtype=np.float64)
    lp.col_lower_ = np.clip(np.asarray(lb, dtype=np.float64), -inf, inf)
    lp.col_upper_ = np.clip(np.asarray(ub, dtype=np.float64), -inf, inf)
    lp.row_lower_ = np.clip(np.asarray(row_lo, dtype=np.float64), -inf, inf)
    lp.row_upper_ = np.clip(np.asarray(row_hi, dtype=np.float64), -inf, inf)
    lp.a_matrix_.format_ = hs.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
    lp.a_matrix_.index_ = csc.indices.astype(np.int32)
    lp.a_matrix_.value_ = csc.data.astype(np.float64)
    if integrality is not None:
        lp.integrality_ = [hs.HighsVarType.kInteger if v else hs.HighsVarType.kContinuous
                           for v in integrality]
    lp.sense_ = hs.ObjSense.kMinimize if sense == "min" else hs.ObjSense.kMaximize
    h.passModel(lp)


def add_rows(h, A: sp.csr_matrix, row_lo: np.ndarray, row_hi: np.ndarray) -> None:
    """Append the rows of CSR ``A`` (same column space) to the model in ``h``."""
    import highspy as hs

    inf = hs.kHighsInf
    A = sp.csr_matrix(A)
    h.addRows(int(A.shape[0]), np.clip(np.asarray(row_lo, dtype=np.float64), -inf, inf),
              np.clip(np.asarray(row_hi, dtype=np.float64), -inf, inf), int(A.nnz),
              A.indptr[:-1].astype(np.int32), A.indices.astype(np.int32), A.data.astype(np.float64))


def set_start(h, x0: np.ndarray) -> None:
    """Give HiGHS a feasible starting solution (its objective becomes the first cutoff)."""
    import highspy as hs

    sol = hs.HighsSolution()
    sol.col_value = [float(v) for v in x0]
    sol.value_valid = True
    h.setSolution(sol)


def watch_mip(h, state: MipState, *, report: Callable[[float, str], None] | None,
              is_cancelled: Callable[[], bool] | None, label: str, offset: float = 0.0,
              min_interval: float = 0.5) -> None:
    """Map HiGHS' MIP progress (incumbent, bound, gap) to ``report`` and honour ``is_cancelled``.

    ``report(fraction, message)`` receives ``fraction = 1 - gap / first gap`` on a log scale (the gap
    closes by orders of magnitude) with ``gap = |best - bound| / max(|best|, |bound|)`` in either sense
    (HiGHS gives a maximisation's incumbent below its bound); ``offset`` is added to both bounds in the
    message (an objective constant left out of the model).  A cancellation interrupts HiGHS, which then
    returns its best solution; ``state.cancelled`` records it so the caller can raise.
    """
    first: list[float] = []
    last = [0.0]

    def on_interrupt(e) -> None:
        out = e.data_out
        primal, dual = float(out.mip_primal_bound), float(out.mip_dual_bound)
        state.primal, state.dual = primal, dual
        if is_cancelled is not None and is_cancelled():
            state.cancelled = True
            e.interrupt()
            return
        now = time.perf_counter()
        if report is None or now - last[0] < min_interval:
            return
        last[0] = now
        if not (math.isfinite(primal) and math.isfinite(dual)):
            report(0.0, f"{label}: searching (no incumbent yet)")
            return
        # a minimisation's incumbent is above its bound, a maximisation's below: the gap is the distance
        gap = abs(primal - dual) / max(abs(primal + offset), abs(dual + offset), 1e-12)
        if not first:
            first.append(max(gap, 1e-12))
        frac = 1.0 if gap <= 1e-9 else max(0.0, min(1.0, math.log(first[0] / max(gap, 1e-12))
                                                     / math.log(first[0] / 1e-9)))
        report(frac, f"{label}: proven gap {100 * gap:.3f} % (best {primal + offset:,.6g}, "
                     f"bound {dual + offset:,.6g})")

    h.cbMipInterrupt += on_interrupt
    h.enableCallbacks()
