"""Identical batches aggregated into types, and a type's own cost at every workshop."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .cost import workshop_piece_cost
from .problem import CostWeights, Problem, eligibility


@dataclass
class BatchTypes:
    """Identical batches (same skills, region, deadline and size) share one column per workshop."""

    of_batch: np.ndarray  # (B,) type of each batch
    count: np.ndarray  # (T,)
    quantity: np.ndarray  # (T,)
    days_left: np.ndarray  # (T,)
    representative: np.ndarray  # (T,) one batch of the type
    own: np.ndarray | None = None  # (T, W) own cost of one batch, when small enough to keep


def batch_types(problem: Problem) -> BatchTypes:
    key = np.column_stack(
        [
            problem.batch_skills.view(np.int64).reshape(problem.n_batches, -1),
            problem.batch_center,
            problem.batch_days_left,
            problem.batch_quantity,
        ]
    )
    _, first, inverse, count = np.unique(
        key, axis=0, return_index=True, return_inverse=True, return_counts=True
    )
    return BatchTypes(
        of_batch=inverse.ravel(),
        count=count,
        quantity=problem.batch_quantity[first].astype(float),
        days_left=problem.batch_days_left[first],
        representative=first,
    )


def type_costs(
    problem: Problem, weights: CostWeights, types: BatchTypes, rows: np.ndarray
) -> np.ndarray:
    """Own cost of one batch of each type in ``rows`` at every workshop; inf where ineligible."""
    all_w = np.arange(problem.n_workshops)
    reps = types.representative[rows]
    ok = eligibility(problem, reps, all_w)
    q = types.quantity[rows][:, None]
    window = problem.workshop_daily_capacity[None, :] * np.maximum(types.days_left[rows], 1)[
        :, None
    ].astype(float)
    use = (problem.workshop_held[None, :] + q) / window
    own = q * (workshop_piece_cost(problem, weights)[None, :] + weights.deadline_risk * use**2)
    return np.where(ok, own, np.inf)
