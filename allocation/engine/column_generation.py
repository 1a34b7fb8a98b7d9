"""Column generation: price every eligible (type, workshop) pair with the LP's duals."""

from __future__ import annotations

import math
import time

import numpy as np

from .batch_types import BatchTypes, batch_types, type_costs
from .cost import pair_cost
from .lp import LiveMaster, Master
from .problem import UNASSIGNED, CostWeights, Problem, Progress


def price_columns(
    master: Master | LiveMaster,
    problem: Problem,
    weights: CostWeights,
    per_type: int,
    chunk: int = 256,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Columns of negative reduced cost over ALL eligible pairs, and the Lagrangian bound."""
    types = master.types
    n_t = len(types.count)
    new_t, new_w, new_c = [], [], []
    bound = master.box_bound
    all_w = np.arange(problem.n_workshops)
    for start in range(0, n_t, chunk):
        rows = np.arange(start, min(start + chunk, n_t))
        own = (
            types.own[rows] if types.own is not None else type_costs(problem, weights, types, rows)
        )
        priced = own + types.quantity[rows][:, None] * master.price(
            all_w[None, :], types.days_left[rows][:, None]
        )
        unassigned = weights.unassigned_per_piece * types.quantity[rows]
        best = np.minimum(priced.min(axis=1, initial=np.inf), unassigned)
        bound += float(types.count[rows] @ best)
        # Reduced cost against the type row's dual: priced − θ_τ, θ_τ ≥ the LP's best column.
        theta = master.type_dual[rows][:, None]
        reduced = priced - theta
        k = min(per_type, problem.n_workshops)
        top = np.argpartition(reduced, k - 1, axis=1)[:, :k]
        top_rc = np.take_along_axis(reduced, top, axis=1)
        take = top_rc < -1e-7 * np.maximum(1.0, np.abs(theta))
        r, kk = np.nonzero(take)
        new_t.append(rows[r])
        new_w.append(top[r, kk])
        new_c.append(own[r, top[r, kk]])
    return (
        np.concatenate(new_t) if new_t else np.zeros(0, dtype=np.int64),
        np.concatenate(new_w) if new_w else np.zeros(0, dtype=np.int64),
        np.concatenate(new_c) if new_c else np.zeros(0),
        bound,
    )


def lp_relaxation(
    problem: Problem,
    weights: CostWeights,
    *,
    types: BatchTypes | None = None,
    start: np.ndarray | None = None,
    seconds: float = math.inf,
    columns_per_round: int = 6,
    max_rounds: int = 60,
    report: Progress | None = None,
) -> tuple[LiveMaster, float, int]:
    """Column generation on the LP relaxation; returns the model, a proven bound, the rounds.

    Every round prices every eligible (type, workshop) pair with the LP's duals; the
    Lagrangian value of those duals is a lower bound on the optimum (so is the LP's value
    once no column has a negative reduced cost, when the two meet).
    """
    started = time.perf_counter()
    types = types or batch_types(problem)
    master = LiveMaster(problem, weights, types)
    if start is not None:
        placed = np.flatnonzero(start != UNASSIGNED)
        kinds, workshops = types.of_batch[placed], start[placed]
        own = pair_cost(problem, weights, placed, workshops)
        master.add(kinds, workshops, own)
        # And each type's cheapest column at the first spreading rate: a better first LP
        # when there is time for only one solve.
        if types.own is not None:
            rank = types.own + types.quantity[:, None] * master.first_rate[None, :]
            cheapest = np.argmin(rank, axis=1)
            kinds = np.flatnonzero(np.isfinite(rank[np.arange(len(rank)), cheapest]))
            master.add(kinds, cheapest[kinds], types.own[kinds, cheapest[kinds]])
    bound, rounds = -math.inf, 0
    last = time.perf_counter()
    if not master.solve(seconds):
        return master, bound, rounds
    solve_seconds = time.perf_counter() - last
    for rounds in range(1, max_rounds + 1):
        new_t, new_w, new_c, round_bound = price_columns(
            master, problem, weights, columns_per_round
        )
        bound = max(bound, round_bound)
        # Converged: the Lagrangian bound has met the LP's value (to a millionth).
        if master.add(new_t, new_w, new_c) == 0 or bound >= master.value * (1 - 1e-6):
            break
        remaining = seconds - (time.perf_counter() - started)
        # A bigger LP takes longer: don't start a solve that cannot finish in time.
        if remaining < solve_seconds:
            break
        last = time.perf_counter()
        if not master.solve(remaining):
            break
        solve_seconds = time.perf_counter() - last
        if report:
            report(rounds, max_rounds, f"LP round {rounds}: {master.value:.2f} ≥ {bound:.2f}")
    return master, bound, rounds
