"""Smart allocation: the engine against an exact solver and a naive greedy on one instance.

    python -m benchmarks allocation [--batches 10000] [--workshops 2000] [--seed 7]
                                    [--exact-seconds 600] [--no-exact]
    python -m benchmarks allocation --anytime 1,2,5,9 [--batches … --workshops … --seed …]

Builds (in memory, not timed) 10,000 open batches of 1,000 orders and 2,000 workshops around
20 service centers, runs the engine (timed), a naive greedy baseline (each batch in deadline
order to its cheapest workshop with room), and an exact MILP (SciPy's HiGHS) of the same
problem, and prints costs and ratios. See docs/allocation.md for the model and the bounds.

``--anytime`` measures the engine's quality against its time budget instead: the proven lower
bound (column generation to convergence, about a minute; cached in ``var/`` by the instance's
parameters and the weights, so a re-run reads it back) and one engine run per budget, printed
as one table of budget, wall and CPU time used, cost, cost / bound and violations.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np

from allocation.engine import (
    ANY_CENTER,
    UNASSIGNED,
    CostWeights,
    Problem,
    allocate,
    evaluate,
    lp_relaxation,
    violations,
)
from allocation.engine.batch_types import batch_types
from allocation.engine.lp import Master
from allocation.engine.state import State


def build_instance(n_batches: int = 10_000, n_workshops: int = 2_000, seed: int = 7) -> Problem:
    """A synthetic but plausible instance: 6 skills, 20 service centers, 10 batches an order."""
    rng = np.random.default_rng(seed)
    n_skills, n_centers = 6, 20
    # Workshops: 2–4 skills, 10–120 households doing 5–15 pieces a day each.
    w_skill_bits = np.zeros(n_workshops, dtype=np.uint64)
    for j in range(n_workshops):
        for s in rng.choice(n_skills, size=rng.integers(2, 5), replace=False):
            w_skill_bits[j] |= np.uint64(1) << np.uint64(s)
    households = rng.integers(10, 121, n_workshops)
    daily = (households * rng.uniform(3.5, 9.0, n_workshops)).astype(np.int64)
    held = (daily * rng.uniform(0, 3, n_workshops)).astype(np.int64)
    fpy = np.clip(rng.beta(30, 2, n_workshops), 0.7, 1.0)
    fpy[rng.random(n_workshops) < 0.1] = np.nan
    # Orders: 1–2 required skills, a deadline 7–45 days out, batches of 300–3,000 pieces.
    per_order = 10
    n_orders = -(-n_batches // per_order)
    o_bits = np.zeros(n_orders, dtype=np.uint64)
    for o in range(n_orders):
        for s in rng.choice(n_skills, size=rng.integers(1, 3), replace=False):
            o_bits[o] |= np.uint64(1) << np.uint64(s)
    o_days = rng.integers(7, 46, n_orders)
    o_size = rng.integers(300, 3001, n_orders)
    o_center = np.where(rng.random(n_orders) < 0.3, rng.integers(0, n_centers, n_orders), -1)
    order_of = np.arange(n_batches) // per_order
    quantity = o_size[order_of].copy()
    last = np.r_[order_of[1:] != order_of[:-1], True]
    quantity[last] = np.maximum(quantity[last] // 2, 1)  # the last batch takes the remainder
    return Problem(
        batch_quantity=quantity.astype(np.int64),
        batch_days_left=o_days[order_of].astype(np.int64),
        batch_skills=o_bits[order_of][:, None],
        batch_center=np.where(o_center[order_of] < 0, ANY_CENTER, o_center[order_of]).astype(
            np.int64
        ),
        workshop_daily_capacity=daily,
        workshop_held=held,
        workshop_households=households.astype(np.int64),
        workshop_skills=w_skill_bits[:, None],
        workshop_center=rng.integers(0, n_centers, n_workshops).astype(np.int64),
        workshop_active=rng.random(n_workshops) > 0.05,
        workshop_distance_km=rng.gamma(2.0, 40.0, n_workshops),
        workshop_first_pass_yield=fpy,
    )


def naive_greedy(problem: Problem, weights: CostWeights) -> np.ndarray:
    """The baseline: earliest deadline first, each batch to its cheapest workshop with room
    (its own cost only: no look at spreading, no look ahead, no second thoughts)."""
    state = State(problem, weights, batch_types(problem))
    for batch in np.lexsort((-problem.batch_quantity, problem.batch_days_left)):
        q = problem.batch_quantity[batch]
        fits = state.slack[:, state.deadline_of[batch]] >= q
        own = np.where(fits, state.own(int(batch)), np.inf)
        best = int(np.argmin(own))
        if np.isfinite(own[best]):
            state.put(int(batch), best)
    return state.assignment


CACHE = Path(__file__).resolve().parent.parent / "var"


def proven_bound(
    problem: Problem, weights: CostWeights, key: dict, cache: Path = CACHE
) -> tuple[dict, bool]:
    """The converged LP bound of the instance: read from ``cache`` or proven now (and saved).

    Returns the record and whether it was proven in this run. The key names the instance's
    parameters and the weights, so a changed generator parameter or weight proves it again.
    """
    digest = hashlib.sha256(
        json.dumps({**key, "weights": dataclasses.asdict(weights)}, sort_keys=True).encode()
    ).hexdigest()[:12]
    path = cache / (
        f"allocation_bound_b{key['batches']}_w{key['workshops']}_s{key['seed']}_{digest}.json"
    )
    if path.exists():
        return json.loads(path.read_text()), False
    started, cpu = time.perf_counter(), time.process_time()
    start = naive_greedy(problem, weights)
    master, bound, rounds = lp_relaxation(problem, weights, start=start, max_rounds=500)
    record = {
        **key,
        "weights": dataclasses.asdict(weights),
        "bound": bound,
        "lp_value": master.value,
        "rounds": rounds,
        "columns": len(master.col_type),
        "converged": bool(bound >= master.value * (1 - 1e-6)),
        "seconds": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(time.process_time() - cpu, 1),
        "load_average": round(os.getloadavg()[0], 1),
        "proven_at": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    }
    cache.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1) + "\n")
    return record, True


def anytime(problem: Problem, weights: CostWeights, budgets: list[float], key: dict) -> int:
    """One table: the engine's cost against the proven bound at each time budget."""
    record, proven_now = proven_bound(problem, weights, key)
    bound = record["bound"]
    print(
        f"proven lower bound {bound:,.2f} "
        + (
            f"(proven in this run: {record['rounds']} LP rounds, {record['columns']:,} columns, "
            f"{record['seconds']} s, load average {record['load_average']})"
            if proven_now
            else f"(read from cache var/, proven {record['proven_at']} in {record['seconds']} s)"
        )
        + ("" if record["converged"] else "  NOT CONVERGED: a valid but weaker bound")
    )
    baseline = naive_greedy(problem, weights)
    baseline_cost = evaluate(problem, baseline, weights)
    print(
        f"naive greedy (reference): cost {baseline_cost:,.2f} = {baseline_cost / bound:.4f} × bound"
    )
    print()
    print(
        "| budget s | wall s | CPU s | load avg | cost | cost / bound | unassigned | violations |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    failed = False
    for budget in budgets:
        load = os.getloadavg()[0]
        started, cpu = time.perf_counter(), time.process_time()
        result = allocate(problem, weights, seconds=budget)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        broken = violations(problem, result.assignment)
        failed |= bool(broken)
        print(
            f"| {budget:g} | {wall:.2f} | {cpu:.2f} | {load:.1f} | {result.cost:,.2f} | "
            f"{result.cost / bound:.4f} | {(result.assignment == UNASSIGNED).sum()} | "
            f"{len(broken)} |"
        )
    print(f"\nmachine: {os.cpu_count()} cores, load average now {os.getloadavg()[0]:.1f} (shared)")
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks allocation")
    parser.add_argument("--batches", type=int, default=10_000)
    parser.add_argument("--workshops", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=9.0, help="the engine's budget")
    parser.add_argument("--exact-seconds", type=float, default=300.0, help="MILP time limit")
    parser.add_argument("--no-exact", action="store_true")
    parser.add_argument(
        "--anytime",
        metavar="SECONDS,…",
        help="budgets to run the engine at, e.g. 1,2,5,9: cost against the proven bound",
    )
    args = parser.parse_args(argv)
    weights = CostWeights()
    problem = build_instance(args.batches, args.workshops, args.seed)
    q = problem.batch_quantity
    window = (problem.workshop_daily_capacity * 45 - problem.workshop_held)[
        problem.workshop_active
    ].sum()
    print(
        f"instance: {problem.n_batches} batches ({q.sum():,} pieces), "
        f"{problem.n_workshops} workshops; demand / capacity by the last deadline "
        f"= {q.sum() / window:.0%}"
    )
    if args.anytime:
        budgets = [float(b) for b in args.anytime.split(",") if b.strip()]
        key = {"batches": args.batches, "workshops": args.workshops, "seed": args.seed}
        return anytime(problem, weights, budgets, key)

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (shared)")
    started = time.perf_counter()
    result = allocate(problem, weights, seconds=args.seconds)
    engine_seconds = time.perf_counter() - started
    assert not violations(problem, result.assignment), "engine broke a rule"
    print(
        f"engine:        {engine_seconds:6.2f} s   cost {result.cost:14,.2f}   "
        f"unassigned {(result.assignment == UNASSIGNED).sum()}   "
        f"(own proven bound {result.lower_bound:,.2f}, LP rounds {result.stats['lp_rounds']})"
    )

    started = time.perf_counter()
    baseline = naive_greedy(problem, weights)
    baseline_cost = evaluate(problem, baseline, weights)
    assert not violations(problem, baseline), "greedy broke a rule"
    print(
        f"naive greedy:  {time.perf_counter() - started:6.2f} s   cost {baseline_cost:14,.2f}   "
        f"unassigned {(baseline == UNASSIGNED).sum()}   "
        f"engine saves {1 - result.cost / baseline_cost:.1%}"
    )
    if args.no_exact:
        return 0

    # The exact side, not timed against the target: column generation to convergence gives
    # the LP optimum over ALL eligible pairs, a proven lower bound on the true optimum; the
    # MILP (HiGHS branch and bound, whole batches) over the generated columns is the exact
    # solver, stopped at its time limit with its best solution and its own bound.
    started = time.perf_counter()
    master, bound, rounds = lp_relaxation(problem, weights, start=result.assignment)
    print(
        f"LP relaxation: {time.perf_counter() - started:6.2f} s   value {master.value:14,.2f}   "
        f"bound {bound:,.2f} after {rounds} rounds, {len(master.col_type):,} columns "
        f"-> optimum >= {bound:,.2f} (proven)"
    )
    started = time.perf_counter()
    model = Master(problem, weights, master.types)  # the same model, for SciPy's MILP
    model.add(master.col_type, master.col_workshop, master.col_cost)
    model.solve()
    exact = model.solve_integer(args.exact_seconds)
    finished = exact["status"] == 0
    print(
        f"exact MILP:    {time.perf_counter() - started:6.2f} s   "
        + (f"best {exact['value']:14,.2f}" if exact["value"] is not None else "no solution")
        + f"   its bound {exact['bound'] or 0:,.2f} (over these columns)   "
        + ("optimal over these columns" if finished else f"stopped: {exact['message']}")
    )
    lower = bound
    upper = min(result.cost, exact["value"] or np.inf)
    print(f"optimum is in [{lower:,.2f}, {upper:,.2f}]")
    print(f"ratio engine / optimum <= {result.cost / lower:.4f} (proven, against the LP bound)")
    if exact["value"] is not None and exact["value"] <= result.cost:
        print(f"ratio engine / exact MILP's best = {result.cost / exact['value']:.4f}")
    else:
        print("the exact MILP found nothing better than the engine within its time limit")
    print(f"ratio greedy / optimum <= {baseline_cost / lower:.4f}")
    return 0
