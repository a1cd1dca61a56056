"""Probing p-median candidates in the Benders master LP (closes the candidates no better solution opens).

Forcing ``y_j = 1`` in any relaxation of the master gives a lower bound of every solution that opens
``j``; above ``UB - 1`` (integer data) or ``UB`` no improving solution opens ``j`` and it is closed
(probing; Savelsbergh 1994, "Preprocessing and probing techniques for mixed integer programming
problems", ORSA J. Comput. 6:445-454).  The master keeps only the cuts with a nonzero dual at the LP
optimum: 839 of 14 313 on pmed36, where a master on every tight cut (12 760) made each probe four times
slower for the same 178 closings (``docs/benchmarks/locate.md``, wave 10).  Violated cuts are added at
the probe's solution (``rounds`` LP solves per candidate), and HiGHS' ``objective_bound`` stops the dual
simplex as soon as its bound passes the limit.

The candidates are dealt to two masters (every other one, in the order given), probed on two threads
when the machine has two cores.  Each master sees only its own candidates, so the closings do not
depend on which thread runs first: the same on one core and on two.
"""

# ruff: noqa: N806  (matrix notation of the OR literature: A)

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait

import numpy as np
import scipy.sparse as sp

from ..errors import CancelledError
from . import _highs
from ._common import Clock

#: masters probed side by side (each on its own HiGHS instance; highspy releases the GIL in ``run``)
N_MASTERS = 2

Separate = Callable[[np.ndarray, np.ndarray, float], tuple]


class ProbeMaster:
    """The Benders master LP on a set of cuts: columns ``y`` (``m``), then one ``theta`` per row."""

    def __init__(self, card: sp.csr_matrix, cuts: sp.csr_matrix, rhs: np.ndarray, p: int,
                 lb: np.ndarray, ub: np.ndarray, closed: np.ndarray, *, m: int) -> None:
        self.m, self.nr = m, lb.size - m
        self.closed = set(int(j) for j in closed)
        self.rows = sp.vstack([card, cuts]).tocsr()
        self.row_lo = np.append(p, rhs)
        self.lb, self.ub = lb, ub.copy()
        self.ub[closed] = 0.0

    def _new_lp(self):
        """One HiGHS LP of this master (each probing thread gets its own)."""
        h = _highs.new_highs(time_limit=None)        # the caller stops between probes
        h.setOptionValue("presolve", "off")          # one re-solve per probe from the last basis
        row_hi = np.append(self.row_lo[0], np.full(self.row_lo.size - 1, np.inf))
        _highs.pass_model(h, np.concatenate([np.zeros(self.m), np.ones(self.nr)]), self.rows,
                          self.row_lo, row_hi, self.lb, self.ub)
        return h

    def _forced_value(self, h, separate: Separate, limit: float, rounds: int) -> float:
        """A lower bound of the master LP as its bounds stand (``inf`` once it passes ``limit``)."""
        import highspy as hs

        value = -math.inf
        for _ in range(rounds):
            h.run()
            status = h.getModelStatus()
            if status in (hs.HighsModelStatus.kObjectiveBound, hs.HighsModelStatus.kInfeasible):
                return math.inf
            if status != hs.HighsModelStatus.kOptimal:
                return -math.inf            # no proof from an unfinished LP
            value = float(h.getInfo().objective_function_value)
            if value > limit:
                return value
            sol = np.asarray(h.getSolution().col_value)
            A_y, rhs, local, _ = separate(sol[: self.m], sol[self.m:], 1e-9)
            if A_y is None:
                return value
            A = sp.hstack([A_y, sp.csr_matrix((np.ones(local.size), (np.arange(local.size), local)),
                                              shape=(local.size, self.nr))]).tocsr()
            _highs.add_rows(h, A, rhs, np.full(rhs.size, np.inf))
        return value

    def probe(self, todo: list[int], separate: Separate, limit: float, *, stop: Callable[[], bool],
              tick: Callable[[], None], rounds: int = 2) -> set[int]:
        """The candidates of ``todo`` whose forced opening lifts this master above ``limit``."""
        h = self._new_lp()
        h.setOptionValue("objective_bound", float(limit))
        shut: set[int] = set()
        for j in todo:
            if stop():
                break
            h.changeColBounds(int(j), 1.0, 1.0)
            closed = self._forced_value(h, separate, limit, rounds) > limit
            h.changeColBounds(int(j), 0.0, 0.0 if closed else 1.0)
            if closed:
                shut.add(int(j))
            tick()
        return shut


def probe_candidates(master: ProbeMaster, todo: np.ndarray, separate: Separate, limit: float,
                     clock: Clock, *, report: Callable[[float, str], None] | None = None,
                     is_cancelled: Callable[[], bool] | None = None) -> np.ndarray:
    """Closed candidates after probing ``todo`` (those already closed included), sorted.

    Stops when half of the time left is spent (the MILP gets the rest).  Progress and the cancel check
    run on the calling thread only; the probing threads just count.
    """
    if todo.size == 0:
        return np.asarray(sorted(master.closed), dtype=np.int64)
    deadline = clock.elapsed() + 0.5 * clock.left()
    halt = threading.Event()
    counts = [0] * N_MASTERS

    def work(k: int) -> set[int]:
        def tick() -> None:
            counts[k] += 1

        return master.probe(todo[k::N_MASTERS].tolist(), separate, limit, tick=tick,
                            stop=lambda: halt.is_set() or clock.elapsed() > deadline)

    workers = max(1, min(N_MASTERS, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="arealsirk-probe") as pool:
        futures = [pool.submit(work, k) for k in range(N_MASTERS)]
        while True:
            finished, _ = wait(futures, timeout=0.2)
            if is_cancelled is not None and is_cancelled():
                halt.set()
            elif report is not None:
                report(0.0, f"p-median proof: probing candidates, {sum(counts)} of {todo.size}")
            if len(finished) == len(futures):
                break
    if halt.is_set():
        raise CancelledError("cancelled by the user")
    shut = set(master.closed).union(*(f.result() for f in futures))
    return np.asarray(sorted(shut), dtype=np.int64)
