"""The greedy start: what the LP is seeded with, and the fallback when it has no time."""

from __future__ import annotations

import numpy as np

from .batch_types import BatchTypes
from .problem import CostWeights, Problem
from .state import State


def greedy_start(problem: Problem, weights: CostWeights, types: BatchTypes) -> State:
    """Earliest deadline first, largest first; each batch where it adds least, if it fits."""
    state = State(problem, weights, types)
    for batch in np.lexsort((-problem.batch_quantity, problem.batch_days_left)):
        state.place_best(int(batch), weights.unassigned_per_piece * problem.batch_quantity[batch])
    return state
