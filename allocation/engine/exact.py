"""Small runs are solved exactly: a MILP over every eligible (type, workshop) pair."""

from __future__ import annotations

import numpy as np

from .batch_types import BatchTypes, type_costs
from .lp import Master
from .problem import UNASSIGNED, CostWeights, Problem

EXACT_LIMIT = 4000  # (type, workshop) pairs: below this the MILP over all of them is quick


def exact_if_small(
    problem: Problem, weights: CostWeights, types: BatchTypes, seconds: float
) -> np.ndarray | None:
    """On small runs, the exact optimum (MILP over every eligible pair), if found in time."""
    n_t = len(types.count)
    if n_t * problem.n_workshops > EXACT_LIMIT or seconds <= 0.05:
        return None
    own = type_costs(problem, weights, types, np.arange(n_t))
    kinds, workshops = np.nonzero(np.isfinite(own))
    master = Master(problem, weights, types)
    master.add(kinds, workshops, own[kinds, workshops])
    if len(kinds) == 0:
        return None
    master.solve()
    result = master.solve_integer(seconds)
    if result["x"] is None:
        return None
    counts = np.rint(result["x"]).astype(np.int64)
    assignment = np.full(problem.n_batches, UNASSIGNED, dtype=np.int64)
    members = np.argsort(types.of_batch, kind="stable")
    start = np.concatenate([[0], np.cumsum(types.count)])
    used = np.zeros(n_t, dtype=np.int64)
    for col in np.flatnonzero(counts > 0):
        kind = int(master.col_type[col])
        take = min(int(counts[col]), int(types.count[kind] - used[kind]))
        chosen = members[start[kind] + used[kind] : start[kind] + used[kind] + take]
        assignment[chosen] = int(master.col_workshop[col])
        used[kind] += take
    return assignment
