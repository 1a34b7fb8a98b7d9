"""From the LP's fractional columns to whole batches at workshops."""

from __future__ import annotations

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
