"""Local improvement until the time budget ends: single moves, then moves with one ejection."""

from __future__ import annotations

import time

import numpy as np

from .problem import UNASSIGNED
from .state import State


def improve(state: State, started: float, seconds: float, passes: int = 3) -> int:
    problem = state.problem
    moves = 0
    for _sweep in range(passes):
        moved = 0
        for batch in range(problem.n_batches):
            if time.perf_counter() - started > seconds:
                return moves + moved
            current = int(state.assignment[batch])
            saving = state.removal_saving(batch)
            if current != UNASSIGNED:
                state.take(batch)
            if state.place_best(batch, saving):
                moved += 1
            elif current != UNASSIGNED:
                state.put(batch, current)
        moves += moved
        if moved == 0:
            break
    # Then moves with one ejection, for the batches furthest from their cheapest place.
    if time.perf_counter() - started > seconds:
        return moves
    displaced = np.array(
        [state.removal_saving(b) - float(state.own(b).min()) for b in range(problem.n_batches)]
    )
    for batch in np.argsort(-displaced):
        if displaced[batch] <= 1e-9 or time.perf_counter() - started > seconds:
            break
        moves += state.relocate_with_ejection(int(batch))
    return moves
