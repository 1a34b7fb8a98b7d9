"""From the LP's fractional columns to whole batches at workshops."""

from __future__ import annotations

import time

import numpy as np

from .lp import LiveMaster, Master
from .problem import UNASSIGNED
from .state import State


def round_lp(state: State, master: Master | LiveMaster) -> None:
    """Whole batches of each LP column go where the LP put them (always feasible)."""
    types = state.types
    whole = np.floor(master.x + 1e-6).astype(np.int64)
    members = np.argsort(types.of_batch, kind="stable")
    start = np.concatenate([[0], np.cumsum(types.count)])
    used = np.zeros(len(types.count), dtype=np.int64)
    for col in np.flatnonzero(whole > 0):  # x covers the columns of the last solve
        kind, workshop = int(master.col_type[col]), int(master.col_workshop[col])
        take = min(int(whole[col]), int(types.count[kind] - used[kind]))
        for batch in members[start[kind] + used[kind] : start[kind] + used[kind] + take]:
            state.put(int(batch), workshop)
        used[kind] += take


def place_left(state: State) -> None:
    """Each batch still unassigned where it adds least, if that beats leaving it out."""
    problem, weights = state.problem, state.weights
    left = np.flatnonzero(state.assignment == UNASSIGNED)
    # Hardest first: nearest deadlines, then the largest batches, have the fewest places.
    for batch in left[np.lexsort((-problem.batch_quantity[left], problem.batch_days_left[left]))]:
        state.place_best(int(batch), weights.unassigned_per_piece * problem.batch_quantity[batch])


def place_unassigned(state: State, started: float, seconds: float) -> int:
    """Each batch still left out placed by moving batches out of its way, if that pays.

    A batch left out costs ``unassigned_per_piece`` on every piece (above any assignment), so
    one the construction could not fit is worth a chain of moves: first up to six batches out
    of one of its cheapest workshops (:meth:`State.insert_with_ejections`), then one ejection
    at a time (:meth:`State.relocate_with_ejection`). Stops at the time budget.
    """
    placed = 0
    for attempt in (
        lambda b: state.insert_with_ejections(b, tries=50, most=6),
        lambda b: state.relocate_with_ejection(b, tries=20),
    ):
        for batch in np.flatnonzero(state.assignment == UNASSIGNED):
            if time.perf_counter() - started > seconds:
                return placed
            placed += bool(attempt(int(batch)))
    return placed
