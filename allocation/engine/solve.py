"""The engine's entry point: :func:`allocate` runs the steps in order within a time budget."""

from __future__ import annotations

import math
import time

import numpy as np

from .batch_types import batch_types, type_costs
from .column_generation import lp_relaxation
from .cost import evaluate
from .exact import exact_if_small
from .greedy import greedy_start
from .local import improve
from .problem import UNASSIGNED, Allocation, CostWeights, Problem, Progress, violations
from .rounding import place_left, place_unassigned, round_lp
from .state import State


def allocate(
    problem: Problem,
    weights: CostWeights | None = None,
    *,
    progress: Progress | None = None,
    seconds: float = 9.0,
) -> Allocation:
    """Assign batches to workshops at least cost, with a proven lower bound on the optimum.

    1. Greedy start (deadline week by week, largest first, each batch where it adds least);
       a batch that fits nowhere is placed by moving up to six batches out of its way, when
       that pays.
    2. Column generation on the LP relaxation, seeded with the greedy's columns, for about
       85 % of the time budget (identical batches are aggregated into types) — skipped when
       less than ``LP_WORTH_STARTS`` times the start's time is left for it: the first LP
       solve would not finish, and the moves of 4 use the time better.
    3. Rounding: the whole batches of each LP column stay where the LP put them; the rest
       are placed where they add least, and the batches left out repaired as in 1.
    4. Improvement until the budget ends: single moves, then moves with one ejection.
    Skills, region, and capacity before every deadline hold at every step.
    """
    weights = weights or CostWeights()
    started = time.perf_counter()
    report = progress or (lambda done, total, message: None)
    steps = 6
    if problem.n_batches == 0 or problem.n_workshops == 0:
        nobody = np.full(problem.n_batches, UNASSIGNED, dtype=np.int64)
        cost = evaluate(problem, nobody, weights)
        return Allocation(nobody, cost, cost)
    types = batch_types(problem)
    if len(types.count) * problem.n_workshops <= OWN_MATRIX_LIMIT:
        types.own = np.vstack(
            [
                type_costs(problem, weights, types, np.arange(i, min(i + 256, len(types.count))))
                for i in range(0, len(types.count), 256)
            ]
        )
    greedy = greedy_start(problem, weights, types)
    # Part of the start, like the greedy itself: a few batches, each worth a chain of moves.
    place_unassigned(greedy, started, math.inf)
    greedy_cost = evaluate(problem, greedy.assignment, weights)
    greedy_assignment = greedy.assignment.copy()
    report(1, steps, "greedy start")
    start_seconds = time.perf_counter() - started
    master, lower_bound, rounds = _lp_part(
        problem, weights, types, greedy, seconds, started, start_seconds
    )
    report(2, steps, "LP relaxation")
    if master is None or len(master.x) == 0:  # no LP in time: improve the greedy start instead
        state = greedy
    else:
        state = State(problem, weights, types)
        round_lp(state, master)
    place_left(state)
    repaired = place_unassigned(state, started, seconds)
    report(3, steps, "rounded")
    moves = improve(state, started, seconds)
    report(5, steps, "improved")
    cost = evaluate(problem, state.assignment, weights)
    assignment = state.assignment
    if greedy_cost < cost and state is not greedy:  # never worse than the start
        cost, assignment = greedy_cost, greedy_assignment
    exact = exact_if_small(problem, weights, types, seconds - (time.perf_counter() - started))
    if exact is not None:
        exact_cost = evaluate(problem, exact, weights)
        if exact_cost < cost - 1e-9 and not violations(problem, exact):
            cost, assignment = exact_cost, exact
    return Allocation(
        assignment=assignment,
        cost=cost,
        lower_bound=min(lower_bound, cost),
        seconds=time.perf_counter() - started,
        stats={
            "types": len(types.count),
            "columns": 0 if master is None else len(master.col_type),
            "lp_rounds": rounds,
            "lp_value": math.inf if master is None else master.value,
            "greedy_start": greedy_cost,
            "moves": moves,
            "repaired": repaired,
        },
    )


OWN_MATRIX_LIMIT = 8_000_000  # (type, workshop) pairs whose own costs are kept (64 MB)


# The LP's first solve costs many greedy starts (11.5 s against 0.95 s of CPU on the benchmark
# instance, 29 Nov 2026): with less time left than this many, it would not finish, and the
# time is better spent on moves.
LP_WORTH_STARTS = 3.0


def _lp_part(problem, weights, types, greedy, seconds, started, start_seconds):
    remaining = seconds * 0.85 - (time.perf_counter() - started)
    if remaining < LP_WORTH_STARTS * start_seconds:
        return None, -math.inf, 0
    return lp_relaxation(
        problem, weights, types=types, start=greedy.assignment, seconds=max(remaining, 0.0)
    )
