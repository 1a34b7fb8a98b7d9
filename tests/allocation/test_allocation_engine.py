"""The pure allocation engine: feasibility on random instances, bounds against brute force."""

import itertools
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocation.engine import (
    ANY_CENTER,
    UNASSIGNED,
    CostWeights,
    Problem,
    allocate,
    evaluate,
    exact,
    violations,
)

WEIGHTS = CostWeights()


def make_problem(
    *,
    quantity,
    days,
    skills,
    daily,
    held,
    workshop_skills,
    households=None,
    centers=None,
    workshop_centers=None,
    active=None,
    km=None,
    fpy=None,
) -> Problem:
    n_w = len(daily)
    return Problem(
        batch_quantity=np.array(quantity, dtype=np.int64),
        batch_days_left=np.array(days, dtype=np.int64),
        batch_skills=np.array(skills, dtype=np.uint64)[:, None],
        batch_center=np.array(centers or [ANY_CENTER] * len(quantity), dtype=np.int64),
        workshop_daily_capacity=np.array(daily, dtype=np.int64),
        workshop_held=np.array(held, dtype=np.int64),
        workshop_households=np.array(households or [10] * n_w, dtype=np.int64),
        workshop_skills=np.array(workshop_skills, dtype=np.uint64)[:, None],
        workshop_center=np.array(workshop_centers or [0] * n_w, dtype=np.int64),
        workshop_active=np.array(active or [True] * n_w, dtype=bool),
        workshop_distance_km=np.array(km or [50.0] * n_w, dtype=float),
        workshop_first_pass_yield=np.array(fpy or [np.nan] * n_w, dtype=float),
    )


@st.composite
def problems(draw, max_batches=12, max_workshops=5):
    n_b = draw(st.integers(1, max_batches))
    n_w = draw(st.integers(1, max_workshops))
    mask = st.integers(1, 7)  # three skills
    return make_problem(
        quantity=draw(st.lists(st.integers(1, 400), min_size=n_b, max_size=n_b)),
        days=draw(st.lists(st.integers(-1, 10), min_size=n_b, max_size=n_b)),
        skills=draw(st.lists(mask, min_size=n_b, max_size=n_b)),
        centers=draw(st.lists(st.sampled_from([ANY_CENTER, 0, 1]), min_size=n_b, max_size=n_b)),
        daily=draw(st.lists(st.integers(1, 120), min_size=n_w, max_size=n_w)),
        held=draw(st.lists(st.integers(0, 300), min_size=n_w, max_size=n_w)),
        households=draw(st.lists(st.integers(0, 5), min_size=n_w, max_size=n_w)),
        workshop_skills=draw(st.lists(mask, min_size=n_w, max_size=n_w)),
        workshop_centers=draw(st.lists(st.sampled_from([0, 1]), min_size=n_w, max_size=n_w)),
        active=draw(st.lists(st.booleans(), min_size=n_w, max_size=n_w)),
        km=draw(st.lists(st.floats(0, 300), min_size=n_w, max_size=n_w)),
        fpy=draw(
            st.lists(st.one_of(st.just(np.nan), st.floats(0.5, 1.0)), min_size=n_w, max_size=n_w)
        ),
    )


def brute_force(problem: Problem) -> tuple[float, np.ndarray]:
    """The exact optimum by trying every assignment (tiny instances only)."""
    best, best_assignment = np.inf, None
    options = [UNASSIGNED, *range(problem.n_workshops)]
    for choice in itertools.product(options, repeat=problem.n_batches):
        assignment = np.array(choice, dtype=np.int64)
        if violations(problem, assignment):
            continue
        cost = evaluate(problem, assignment, WEIGHTS)
        if cost < best:
            best, best_assignment = cost, assignment
    return best, best_assignment


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_allocation_respects_skills_regions_capacity_and_deadlines(problem):
    result = allocate(problem, WEIGHTS, seconds=5)
    assert violations(problem, result.assignment) == []
    assert result.cost == pytest.approx(evaluate(problem, result.assignment, WEIGHTS))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_heuristic_path_alone_respects_every_rule(problem):
    # Large runs never take the exact path; check the LP rounding and moves by themselves.
    with patch.object(exact, "EXACT_LIMIT", 0):
        result = allocate(problem, WEIGHTS, seconds=5)
    assert violations(problem, result.assignment) == []
    assert result.cost == pytest.approx(evaluate(problem, result.assignment, WEIGHTS))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_batches=5, max_workshops=3))
def test_heuristic_bound_is_a_real_bound(problem):
    optimum, _ = brute_force(problem)
    with patch.object(exact, "EXACT_LIMIT", 0):
        result = allocate(problem, WEIGHTS, seconds=5)
    assert result.lower_bound <= optimum + 1e-6 <= result.cost + 2e-6


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_batches=5, max_workshops=3))
def test_cost_is_within_the_proven_bound_of_the_brute_force_optimum(problem):
    optimum, _ = brute_force(problem)
    result = allocate(problem, WEIGHTS, seconds=5)
    # The reported lower bound is a real bound, so the reported gap is a real gap.
    assert result.lower_bound <= optimum + 1e-6
    assert optimum <= result.cost + 1e-6
    assert result.cost <= optimum * (1 + result.gap) + 1e-6


def test_engine_is_near_optimal_on_tiny_instances_on_average():
    rng = np.random.default_rng(3)
    ratios = []
    for _ in range(30):
        n_b, n_w = rng.integers(3, 6), rng.integers(2, 4)
        problem = make_problem(
            quantity=rng.integers(50, 400, n_b).tolist(),
            days=rng.integers(2, 10, n_b).tolist(),
            skills=[1] * n_b,
            daily=rng.integers(30, 120, n_w).tolist(),
            held=rng.integers(0, 200, n_w).tolist(),
            households=rng.integers(1, 4, n_w).tolist(),
            workshop_skills=[1] * n_w,
            km=rng.uniform(5, 200, n_w).tolist(),
        )
        optimum, _ = brute_force(problem)
        ratios.append(allocate(problem, WEIGHTS, seconds=5).cost / optimum)
    # Small runs are solved exactly (MILP over every eligible pair).
    assert max(ratios) == pytest.approx(1.0)


def test_a_batch_no_workshop_can_take_is_left_unassigned_not_forced():
    problem = make_problem(
        quantity=[100, 5000],
        days=[5, 5],
        skills=[1, 1],
        daily=[100],
        held=[0],
        workshop_skills=[1],
    )
    result = allocate(problem, WEIGHTS)
    assert result.assignment.tolist() == [0, UNASSIGNED]


def test_skills_and_region_decide_who_may_take_a_batch():
    problem = make_problem(
        quantity=[100, 100],
        days=[10, 10],
        skills=[0b011, 0b001],
        centers=[ANY_CENTER, 1],
        daily=[100, 100, 100],
        held=[0, 0, 0],
        workshop_skills=[0b001, 0b011, 0b001],
        workshop_centers=[1, 0, 0],
        km=[1.0, 300.0, 1.0],
    )
    result = allocate(problem, WEIGHTS)
    # Batch 0 needs both skills (only workshop 1); batch 1 is for center 1 (only workshop 0).
    assert result.assignment.tolist() == [1, 0]


def test_earliest_deadline_capacity_is_checked_across_batches():
    # 100 pieces a day: 300 by day 3 and 500 by day 5 fit (300 ≤ 300, 500 ≤ 500); a further
    # 100 due by day 3 would not, so it must go to the distant second workshop.
    problem = make_problem(
        quantity=[300, 200, 100],
        days=[3, 5, 3],
        skills=[1, 1, 1],
        daily=[100, 100],
        held=[0, 0],
        workshop_skills=[1, 1],
        km=[1.0, 250.0],
    )
    result = allocate(problem, WEIGHTS)
    assert violations(problem, result.assignment) == []
    assert sorted(result.assignment.tolist()) == [0, 0, 1]


def test_spreading_prefers_the_workshop_with_more_households_when_otherwise_equal():
    problem = make_problem(
        quantity=[2000],
        days=[30],
        skills=[1],
        daily=[500, 500],
        held=[0, 0],
        households=[2, 60],
        workshop_skills=[1, 1],
    )
    assert allocate(problem, WEIGHTS).assignment.tolist() == [1]


def test_better_first_pass_yield_wins_when_otherwise_equal():
    problem = make_problem(
        quantity=[100],
        days=[30],
        skills=[1],
        daily=[500, 500],
        held=[0, 0],
        workshop_skills=[1, 1],
        fpy=[0.80, 0.98],
    )
    assert allocate(problem, WEIGHTS).assignment.tolist() == [1]


def _greedy_state(problem):
    from allocation.engine.batch_types import batch_types
    from allocation.engine.greedy import greedy_start

    return greedy_start(problem, WEIGHTS, batch_types(problem))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_batches=16, max_workshops=4))
def test_placing_the_left_out_batches_keeps_every_rule_and_never_costs_more(problem):
    from allocation.engine.rounding import place_unassigned

    state = _greedy_state(problem)
    before = evaluate(problem, state.assignment, WEIGHTS)
    place_unassigned(state, 0.0, float("inf"))
    assert violations(problem, state.assignment) == []
    assert evaluate(problem, state.assignment, WEIGHTS) <= before + 1e-6


def test_a_batch_that_fits_nowhere_is_placed_by_moving_a_smaller_one_out_of_its_way():
    # Workshop 0 (near) has room for 600 by day 6; workshop 1 (far) for 300 by day 5 and 360
    # by day 6. With the 300-piece batch at 0 (where strict earliest-deadline-first puts it)
    # the 600-piece batch fits nowhere: it goes to 0 once the 300 move to 1.
    problem = make_problem(
        quantity=[300, 600],
        days=[5, 6],
        skills=[1, 1],
        daily=[100, 60],
        held=[0, 0],
        workshop_skills=[1, 1],
        km=[1.0, 200.0],
    )
    from allocation.engine.batch_types import batch_types
    from allocation.engine.rounding import place_unassigned
    from allocation.engine.state import State

    state = State(problem, WEIGHTS, batch_types(problem))
    state.put(0, 0)
    assert not state.place_best(1, WEIGHTS.unassigned_per_piece * 600)

    assert place_unassigned(state, 0.0, float("inf")) == 1
    assert state.assignment.tolist() == [1, 0]
    assert violations(problem, state.assignment) == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_repaired_start_is_never_worse_than_the_plain_greedy(seed):
    from allocation.engine.rounding import place_unassigned
    from benchmarks.allocation import build_instance

    problem = build_instance(n_batches=400, n_workshops=40, seed=seed)
    state = _greedy_state(problem)
    greedy_cost = evaluate(problem, state.assignment, WEIGHTS)
    left_out = int((state.assignment == UNASSIGNED).sum())
    place_unassigned(state, 0.0, float("inf"))
    assert violations(problem, state.assignment) == []
    assert evaluate(problem, state.assignment, WEIGHTS) <= greedy_cost + 1e-6
    assert (state.assignment == UNASSIGNED).sum() <= left_out


def test_the_construction_takes_a_week_of_deadlines_at_a_time_largest_first():
    from allocation.engine.greedy import construction_order

    problem = make_problem(
        quantity=[100, 900, 500, 2000],
        days=[3, 6, 8, 20],
        skills=[1] * 4,
        daily=[100],
        held=[0],
        workshop_skills=[1],
    )
    # Days 3 and 6 are the first week (largest first), day 8 the second, day 20 the third.
    assert construction_order(problem).tolist() == [1, 0, 2, 3]


@pytest.mark.parametrize("seed", [1, 7])
def test_the_construction_never_breaks_a_rule_on_seeded_instances(seed):
    from benchmarks.allocation import build_instance

    problem = build_instance(n_batches=400, n_workshops=40, seed=seed)
    state = _greedy_state(problem)
    assert violations(problem, state.assignment) == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_repaired_start_is_never_worse_than_the_naive_greedy(seed):
    from allocation.engine.rounding import place_unassigned
    from benchmarks.allocation import build_instance, naive_greedy

    problem = build_instance(n_batches=400, n_workshops=40, seed=seed)
    state = _greedy_state(problem)
    place_unassigned(state, 0.0, float("inf"))
    naive = evaluate(problem, naive_greedy(problem, WEIGHTS), WEIGHTS)
    assert evaluate(problem, state.assignment, WEIGHTS) <= naive + 1e-6
