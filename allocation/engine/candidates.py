"""Each batch's cheapest eligible workshops (the reasons shown with a run count them)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .cost import spread_breakpoints, workshop_piece_cost
from .problem import UNASSIGNED, CostWeights, Problem, eligibility


@dataclass
class Candidates:
    """The eligible workshops of each batch, cheapest first (padded with -1 / inf)."""

    workshop: np.ndarray  # int64 (B, K)
    cost: np.ndarray  # float64 (B, K): the batch's own cost there (transport, quality, risk)
    n_eligible: np.ndarray  # int64 (B,) eligible workshops in all (≥ those kept)


# --- candidates ------------------------------------------------------------------------------


def candidates(
    problem: Problem, weights: CostWeights, keep: int = 24, chunk: int = 512
) -> Candidates:
    """For each batch, its ``keep`` eligible workshops of least own cost + marginal spread.

    Batches with the same skills and region share one eligibility row, so the (B × W)
    work is done in chunks without ever holding a full B × W matrix.
    """
    n_b, n_w = problem.n_batches, problem.n_workshops
    keep = max(1, min(keep, n_w))
    out_w = np.full((n_b, keep), UNASSIGNED, dtype=np.int64)
    out_c = np.full((n_b, keep), np.inf)
    n_eligible = np.zeros(n_b, dtype=np.int64)
    if n_b == 0 or n_w == 0:
        return Candidates(out_w, out_c, n_eligible)
    base = workshop_piece_cost(problem, weights)
    rates = np.asarray(weights.spread_rates, dtype=float)
    # The spread rate a first new piece would pay at each workshop, as a ranking hint.
    bp = spread_breakpoints(problem, weights)
    first_rate = np.where(problem.workshop_held[:, None] >= bp, 1, 0) @ np.diff(
        np.concatenate([[0.0], rates])
    )
    all_w = np.arange(n_w)
    for start in range(0, n_b, chunk):
        rows = np.arange(start, min(start + chunk, n_b))
        ok = eligibility(problem, rows, all_w)
        q = problem.batch_quantity[rows][:, None].astype(float)
        window = problem.workshop_daily_capacity[None, :] * np.maximum(
            problem.batch_days_left[rows], 1
        )[:, None].astype(float)
        use = (problem.workshop_held[None, :] + q) / window
        own = q * (base[None, :] + weights.deadline_risk * use**2)
        rank = np.where(ok, own + q * first_rate[None, :], np.inf)
        n_eligible[rows] = ok.sum(axis=1)
        k = min(keep, n_w)
        top = (
            np.argpartition(rank, k - 1, axis=1)[:, :k]
            if k < n_w
            else np.tile(all_w, (len(rows), 1))
        )
        top_rank = np.take_along_axis(rank, top, axis=1)
        order = np.argsort(top_rank, axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        top_rank = np.take_along_axis(top_rank, order, axis=1)
        valid = np.isfinite(top_rank)
        out_w[rows, :k] = np.where(valid, top, UNASSIGNED)
        out_c[rows, :k] = np.where(valid, np.take_along_axis(own, top, axis=1), np.inf)
    return Candidates(out_w, out_c, n_eligible)
