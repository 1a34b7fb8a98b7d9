"""An assignment under construction, with the bookkeeping that makes every move cheap."""

from __future__ import annotations

import numpy as np

from .batch_types import BatchTypes, type_costs
from .cost import spread_breakpoints
from .problem import UNASSIGNED, CostWeights, Problem


class State:
    """An assignment being built or improved, with what makes a move cheap to price.

    ``slack[w, k]``: pieces the workshop can still take due by the k-th deadline without
    breaking any later deadline (a suffix minimum of daily·D − held − due by D).
    """

    def __init__(self, problem: Problem, weights: CostWeights, types: BatchTypes) -> None:
        self.problem, self.weights, self.types = problem, weights, types
        self.deadlines = np.unique(problem.batch_days_left)
        self.deadline_of = np.searchsorted(self.deadlines, problem.batch_days_left)
        self.capacity = (
            problem.workshop_daily_capacity[:, None] * np.maximum(self.deadlines, 0)[None, :]
            - problem.workshop_held[:, None]
        ).astype(float)
        self.due = np.zeros_like(self.capacity)
        self.load = np.zeros(problem.n_workshops)
        self.assignment = np.full(problem.n_batches, UNASSIGNED, dtype=np.int64)
        self.rates = np.asarray(weights.spread_rates, dtype=float)
        self.increments = np.diff(np.concatenate([[0.0], self.rates]))  # convex: rates step up
        self.breakpoints = spread_breakpoints(problem, weights)
        self.held = problem.workshop_held.astype(float)
        self._own: dict[int, np.ndarray] = {}
        self._eligible: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._eligible_breakpoints: dict[int, np.ndarray] = {}
        self.slack = np.empty_like(self.capacity)
        self._refresh(np.arange(problem.n_workshops))
        # The spread cost each workshop pays now (kept up to date by put and take), so that
        # pricing a move computes the spread only after the move.
        self.spread_now = self.spread_at(slice(None), self.load)

    def _refresh(self, workshops: np.ndarray) -> None:
        free = self.capacity[workshops] - self.due[workshops]
        self.slack[workshops] = np.minimum.accumulate(free[:, ::-1], axis=1)[:, ::-1]

    def own(self, batch: int) -> np.ndarray:
        kind = int(self.types.of_batch[batch])
        if self.types.own is not None:
            return self.types.own[kind]
        if kind not in self._own:
            self._own[kind] = type_costs(self.problem, self.weights, self.types, np.array([kind]))[
                0
            ]
        return self._own[kind]

    def spread_at(self, workshops: np.ndarray | int, load: np.ndarray) -> np.ndarray:
        total = np.atleast_1d(self.held[workshops] + load)
        over = np.maximum(total[:, None] - np.atleast_2d(self.breakpoints[workshops]), 0.0)
        return over @ self.increments

    def _spread_one(self, workshop: int, load: float) -> float:
        over = self.held[workshop] + load - self.breakpoints[workshop]
        return float(np.maximum(over, 0.0) @ self.increments)

    def put(self, batch: int, workshop: int) -> None:
        q = float(self.problem.batch_quantity[batch])
        self.assignment[batch] = workshop
        self.due[workshop, self.deadline_of[batch] :] += q
        self.load[workshop] += q
        self.spread_now[workshop] = self._spread_one(workshop, self.load[workshop])
        self._refresh(np.array([workshop]))

    def take(self, batch: int) -> None:
        workshop = int(self.assignment[batch])
        q = float(self.problem.batch_quantity[batch])
        self.assignment[batch] = UNASSIGNED
        self.due[workshop, self.deadline_of[batch] :] -= q
        self.load[workshop] -= q
        self.spread_now[workshop] = self._spread_one(workshop, self.load[workshop])
        self._refresh(np.array([workshop]))

    def insertion_costs(self, batch: int) -> np.ndarray:
        """What putting the batch at each workshop adds to the cost; inf where it cannot go."""
        q = float(self.problem.batch_quantity[batch])
        spread = self.spread_at(slice(None), self.load + q) - self.spread_now
        fits = self.slack[:, self.deadline_of[batch]] >= q
        return np.where(fits, self.own(batch) + spread, np.inf)

    def removal_saving(self, batch: int) -> float:
        """What taking the batch out of its workshop saves (its own cost and spread)."""
        workshop = int(self.assignment[batch])
        if workshop == UNASSIGNED:
            return self.weights.unassigned_per_piece * float(self.problem.batch_quantity[batch])
        q = float(self.problem.batch_quantity[batch])
        return float(
            self.own(batch)[workshop]
            + self.spread_now[workshop]
            - self._spread_one(workshop, self.load[workshop] - q)
        )

    def relocate_with_ejection(self, batch: int, tries: int = 3) -> bool:
        """Move the batch to a cheaper workshop that is full, pushing one of its batches on.

        Unsplittable batches leave capacity in awkward pieces; a move with one ejection
        (b → w1, b' at w1 → w2) recovers much of what single moves cannot.
        """
        q = float(self.problem.batch_quantity[batch])
        current = int(self.assignment[batch])
        before = self.removal_saving(batch)
        spread = self.spread_at(slice(None), self.load + q) - self.spread_now
        wish = self.own(batch) + spread
        if current != UNASSIGNED:
            wish[current] = np.inf
        targets = np.argsort(wish)[:tries]
        for target in targets:
            target = int(target)
            if not np.isfinite(wish[target]) or wish[target] >= before - 1e-9:
                break
            residents = np.flatnonzero(self.assignment == target)
            for other in residents[np.argsort(-self.problem.batch_quantity[residents])]:
                other = int(other)
                if current != UNASSIGNED:
                    self.take(batch)
                other_saving = self.removal_saving(other)
                self.take(other)
                if self.slack[target, self.deadline_of[batch]] >= q:
                    added = float(self.insertion_costs(batch)[target])
                    self.put(batch, target)
                    elsewhere = self.insertion_costs(other)
                    elsewhere[target] = np.inf
                    unassigned = self.weights.unassigned_per_piece * float(
                        self.problem.batch_quantity[other]
                    )
                    best = int(np.argmin(elsewhere))
                    cost = min(float(elsewhere[best]), unassigned)
                    if added + cost < before + other_saving - 1e-9:
                        if elsewhere[best] <= unassigned:
                            self.put(other, best)
                        return True
                    self.take(batch)
                self.put(other, target)
                if current != UNASSIGNED:
                    self.put(batch, current)
        return False

    def eligible(self, batch: int) -> tuple[np.ndarray, np.ndarray]:
        """The workshops that may take the batch's type, and its own cost at each."""
        kind = int(self.types.of_batch[batch])
        if kind not in self._eligible:
            own = self.own(batch)
            where = np.flatnonzero(np.isfinite(own))
            self._eligible[kind] = (where, own[where])
            self._eligible_breakpoints[kind] = self.breakpoints[where]
        return self._eligible[kind]

    def place_best(self, batch: int, current_cost: float) -> bool:
        """Put the batch where it adds least, if that beats ``current_cost``."""
        where, own = self.eligible(batch)
        if len(where) == 0:
            return False
        q = float(self.problem.batch_quantity[batch])
        breakpoints = self._eligible_breakpoints[int(self.types.of_batch[batch])]
        over = np.maximum((self.held[where] + self.load[where] + q)[:, None] - breakpoints, 0.0)
        costs = own + over @ self.increments - self.spread_now[where]
        costs[self.slack[where, self.deadline_of[batch]] < q] = np.inf
        best = int(np.argmin(costs))
        if costs[best] < current_cost - 1e-9:
            self.put(batch, int(where[best]))
            return True
        return False

    def insert_with_ejections(self, batch: int, tries: int = 20, most: int = 4) -> bool:
        """Place an unassigned batch at a full workshop by moving up to ``most`` of its batches.

        For each of the batch's ``tries`` cheapest eligible workshops: take out its batches
        due no later than what blocks the batch (latest deadline first, then largest) until the
        batch fits, put the batch there, and put each batch taken out where it now adds least
        (or leave it out). Kept if the total cost falls, undone otherwise. Every step keeps
        skills, region and every deadline's capacity.
        """
        if self.assignment[batch] != UNASSIGNED:
            return False
        where, own = self.eligible(batch)
        if len(where) == 0:
            return False
        q = float(self.problem.batch_quantity[batch])
        rate = self.weights.unassigned_per_piece
        deadline = self.deadline_of[batch]
        for target in where[np.argsort(own, kind="stable")[:tries]]:
            target = int(target)
            # Its whole window cannot hold the batch even empty: no ejection helps.
            if self.capacity[target, deadline:].min() < q:
                continue
            residents = np.flatnonzero(self.assignment == target)
            order = residents[
                np.lexsort((-self.problem.batch_quantity[residents], -self.deadline_of[residents]))
            ]
            delta, moved = 0.0, []  # moved: (batch, workshop it was at)
            for other in order[:most]:
                if self.slack[target, deadline] >= q:
                    break
                other = int(other)
                delta -= self.removal_saving(other)
                self.take(other)
                moved.append((other, target))
            if self.slack[target, deadline] < q:
                self._undo(moved, [])
                continue
            delta += float(self.insertion_costs(batch)[target]) - rate * q
            self.put(batch, target)
            placed = [batch]
            for other, _ in moved:
                costs = self.insertion_costs(other)
                best = int(np.argmin(costs))
                left_out = rate * float(self.problem.batch_quantity[other])
                if costs[best] < left_out:
                    delta += float(costs[best])
                    self.put(other, best)
                    placed.append(other)
                else:
                    delta += left_out
            if delta < -1e-9:
                return True
            self._undo(moved, placed)
        return False

    def _undo(self, moved: list[tuple[int, int]], placed: list[int]) -> None:
        for batch in placed:
            self.take(batch)
        for batch, workshop in moved:
            self.put(batch, workshop)
