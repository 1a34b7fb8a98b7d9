"""The documented cost (:class:`~allocation.engine.problem.CostWeights`), term by term."""

from __future__ import annotations

import numpy as np

from .problem import UNASSIGNED, CostWeights, Problem


def _effective_yield(problem: Problem) -> np.ndarray:
    fpy = problem.workshop_first_pass_yield.astype(float)
    known = ~np.isnan(fpy)
    neutral = float(fpy[known].mean()) if known.any() else 1.0
    return np.clip(np.where(known, fpy, neutral), 0.0, 1.0)


def workshop_piece_cost(problem: Problem, weights: CostWeights) -> np.ndarray:
    """The per-piece cost that depends on the workshop only: transport and quality."""
    return weights.transport_per_km * problem.workshop_distance_km.astype(
        float
    ) + weights.rework_per_defect * (1.0 - _effective_yield(problem))


def deadline_use(problem: Problem, batches: np.ndarray, workshops: np.ndarray) -> np.ndarray:
    """u: the share of the workshop's window before the batch's deadline that it would fill."""
    window = problem.workshop_daily_capacity[workshops] * np.maximum(
        problem.batch_days_left[batches], 1
    )
    return (problem.workshop_held[workshops] + problem.batch_quantity[batches]) / window


def pair_cost(
    problem: Problem, weights: CostWeights, batches: np.ndarray, workshops: np.ndarray
) -> np.ndarray:
    """The batch's own cost at the workshop (everything but the spread term)."""
    per_piece = workshop_piece_cost(problem, weights)[workshops] + weights.deadline_risk * (
        deadline_use(problem, batches, workshops) ** 2
    )
    return problem.batch_quantity[batches] * per_piece


def spread_breakpoints(problem: Problem, weights: CostWeights) -> np.ndarray:
    """(W, tiers) breakpoints of the spread cost in pieces (held + new) at each workshop."""
    households = np.maximum(problem.workshop_households, 1).astype(float)
    return households[:, None] * np.asarray(weights.spread_thresholds, dtype=float)[None, :]


def _spread_total(total: np.ndarray, breakpoints: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """Σ_k rate_k × (pieces above breakpoint_k), but with the tiers' own marginal rates."""
    increments = np.diff(np.concatenate([[0.0], rates]))  # convex: marginal rate steps up
    over = np.maximum(total[:, None] - breakpoints, 0.0)
    return (over * increments[None, :]).sum(axis=1)


def spread_cost(problem: Problem, weights: CostWeights, new_load: np.ndarray) -> np.ndarray:
    """The spread cost of adding ``new_load`` pieces (W,) to each workshop's held pieces."""
    rates = np.asarray(weights.spread_rates, dtype=float)
    held = problem.workshop_held.astype(float)
    bp = spread_breakpoints(problem, weights)
    return _spread_total(held + new_load, bp, rates) - _spread_total(held, bp, rates)


def evaluate(problem: Problem, assignment: np.ndarray, weights: CostWeights) -> float:
    """The total cost of an assignment (feasible or not: feasibility is :func:`violations`)."""
    assigned = assignment != UNASSIGNED
    batches = np.flatnonzero(assigned)
    workshops = assignment[assigned]
    own = pair_cost(problem, weights, batches, workshops).sum()
    load = np.bincount(
        workshops,
        weights=problem.batch_quantity[batches].astype(float),
        minlength=problem.n_workshops,
    )
    unassigned = problem.batch_quantity[~assigned].sum() * weights.unassigned_per_piece
    return float(own + spread_cost(problem, weights, load).sum() + unassigned)
