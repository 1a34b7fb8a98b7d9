"""One allocation instance, the weights of its cost, the result, and the rules it must keep.

A batch may go to a workshop that has every skill it needs, serves its region (service
center) and can finish it before its deadline; :func:`violations` checks a whole assignment
the way a workshop works its batches, earliest deadline first.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

UNASSIGNED = -1
ANY_CENTER = -1

# progress(done, total, message): how a long run reports where it is.
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class CostWeights:
    """The documented cost, in yuan-equivalents (a ranking score, not money that is paid).

    Per piece of a batch at a workshop:
      transport  ``transport_per_km`` × km from the workshop to its service center
                 (materials out and goods back, 送料收货上门);
      quality    ``rework_per_defect`` × (1 − first-pass yield); the mean yield when unknown;
      deadline   ``deadline_risk`` × u², u = (pieces held + batch) / (daily capacity × days left)
                 — how much of the workshop's window before the deadline the batch fills.
    Per workshop, on its load per household after the run (held + new pieces) / households:
      spread     ``spread_rates[k]`` per piece beyond ``spread_thresholds[k]`` pieces per
                 household — a convex, piecewise-linear cost, so that work goes to more
                 households before it piles up on a few.
    Per batch left unassigned: ``unassigned_per_piece`` (above any assignment's cost).
    """

    transport_per_km: float = 0.0005
    rework_per_defect: float = 0.4
    deadline_risk: float = 0.08
    spread_thresholds: tuple[float, ...] = (200.0, 500.0)
    spread_rates: tuple[float, ...] = (0.02, 0.05)
    unassigned_per_piece: float = 1.0

    def __post_init__(self) -> None:
        if len(self.spread_thresholds) != len(self.spread_rates):
            raise ValueError("spread_thresholds and spread_rates differ in length")
        if list(self.spread_rates) != sorted(self.spread_rates) or min(self.spread_rates) < 0:
            raise ValueError("spread_rates must be non-negative and increasing (convex cost)")


@dataclass
class Problem:
    """One instance. Skills are bitmasks over the catalogue (``uint64`` words, shape (n, words))."""

    batch_quantity: np.ndarray  # int64 (B,)
    batch_days_left: np.ndarray  # int64 (B,) whole days to the deadline
    batch_skills: np.ndarray  # uint64 (B, words): every required skill
    batch_center: np.ndarray  # int64 (B,): a service center the order targets, or ANY_CENTER
    workshop_daily_capacity: np.ndarray  # int64 (W,)
    workshop_held: np.ndarray  # int64 (W,) outstanding pieces already held
    workshop_households: np.ndarray  # int64 (W,) active households (≥ 1 used)
    workshop_skills: np.ndarray  # uint64 (W, words)
    workshop_center: np.ndarray  # int64 (W,) service center of the workshop
    workshop_active: np.ndarray  # bool (W,)
    workshop_distance_km: np.ndarray  # float64 (W,) to its service center
    workshop_first_pass_yield: np.ndarray  # float64 (W,), NaN when unknown

    @property
    def n_batches(self) -> int:
        return len(self.batch_quantity)

    @property
    def n_workshops(self) -> int:
        return len(self.workshop_daily_capacity)

    def capacity_before(self, workshops: np.ndarray, days_left: np.ndarray) -> np.ndarray:
        """Pieces a workshop can still take before a deadline: daily × days left − held."""
        return (
            self.workshop_daily_capacity[workshops] * np.maximum(days_left, 0)
            - self.workshop_held[workshops]
        )


@dataclass
class Allocation:
    assignment: np.ndarray  # int64 (B,) workshop index or UNASSIGNED
    cost: float
    lower_bound: float  # a proven lower bound on the optimum's cost (Lagrangian)
    seconds: float = 0.0
    stats: dict = field(default_factory=dict)

    @property
    def gap(self) -> float:
        """Proven relative gap: cost ≤ (1 + gap) × optimum."""
        if self.lower_bound <= 0:
            return 0.0 if self.cost <= 0 else math.inf
        return max(0.0, self.cost / self.lower_bound - 1.0)


def eligibility(problem: Problem, batches: np.ndarray, workshops: np.ndarray) -> np.ndarray:
    """Pairwise eligibility (len(batches), len(workshops)) of a batch taken alone."""
    need = problem.batch_skills[batches][:, None, :]
    has = problem.workshop_skills[workshops][None, :, :]
    skilled = ((need & has) == need).all(axis=2)
    center = problem.batch_center[batches][:, None]
    region = (center == ANY_CENTER) | (center == problem.workshop_center[workshops][None, :])
    room = (
        problem.workshop_daily_capacity[workshops][None, :]
        * np.maximum(problem.batch_days_left[batches], 0)[:, None]
        - problem.workshop_held[workshops][None, :]
        >= problem.batch_quantity[batches][:, None]
    )
    return skilled & region & room & problem.workshop_active[workshops][None, :]


def violations(problem: Problem, assignment: np.ndarray) -> list[str]:
    """Every broken rule of an assignment: ineligible pairs and deadline capacity overruns.

    Capacity is checked the way a workshop works its batches, earliest deadline first: for
    each deadline D, held pieces + new pieces due by D ≤ daily capacity × days left to D.
    """
    problems: list[str] = []
    assigned = np.flatnonzero(assignment != UNASSIGNED)
    for i in assigned:
        j = assignment[i]
        if not eligibility(problem, np.array([i]), np.array([j]))[0, 0]:
            problems.append(f"batch {i} is not eligible at workshop {j}")
    for j in np.unique(assignment[assigned]):
        mine = assigned[assignment[assigned] == j]
        order = mine[np.argsort(problem.batch_days_left[mine], kind="stable")]
        due = np.cumsum(problem.batch_quantity[order])
        days = problem.batch_days_left[order]
        limit = problem.workshop_daily_capacity[j] * days - problem.workshop_held[j]
        # Only the last batch of each deadline closes that deadline's sum.
        last = np.r_[days[1:] != days[:-1], True]
        if (due[last] > limit[last]).any():
            problems.append(f"workshop {j} cannot finish its batches by their deadlines")
    return problems
