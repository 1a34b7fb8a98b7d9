"""The smart allocation engine (智能匹配): open batches → eligible workshops, at least cost.

Pure and vectorised (numpy): it knows nothing of the database. ``orders.allocation_services``
loads a :class:`Problem` with a few bulk queries, runs :func:`allocate` and stores the result.
The cost model, the algorithm and its proven gap are explained in ``docs/allocation.md``.

Indices, not ids: batch ``i`` is row ``i`` of every ``batch_*`` array, workshop ``j`` row ``j``
of every ``workshop_*`` array; an assignment is an int array with a workshop index per batch,
or ``UNASSIGNED``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import highspy
import numpy as np
import scipy.sparse as sparse

UNASSIGNED = -1
ANY_CENTER = -1


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
class Candidates:
    """The eligible workshops of each batch, cheapest first (padded with -1 / inf)."""

    workshop: np.ndarray  # int64 (B, K)
    cost: np.ndarray  # float64 (B, K): the batch's own cost there (transport, quality, risk)
    n_eligible: np.ndarray  # int64 (B,) eligible workshops in all (≥ those kept)


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


# --- the pieces of the cost ---------------------------------------------------------------


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


# --- the engine ------------------------------------------------------------------------------

Progress = Callable[[int, int, str], None]


@dataclass
class _Types:
    """Identical batches (same skills, region, deadline and size) share one column per workshop."""

    of_batch: np.ndarray  # (B,) type of each batch
    count: np.ndarray  # (T,)
    quantity: np.ndarray  # (T,)
    days_left: np.ndarray  # (T,)
    representative: np.ndarray  # (T,) one batch of the type
    own: np.ndarray | None = None  # (T, W) own cost of one batch, when small enough to keep


def _types(problem: Problem) -> _Types:
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
    return _Types(
        of_batch=inverse.ravel(),
        count=count,
        quantity=problem.batch_quantity[first].astype(float),
        days_left=problem.batch_days_left[first],
        representative=first,
    )


class _Master:
    """The LP relaxation over the columns generated so far (SciPy's HiGHS).

    Variables: x[c] batches of type τ(c) at workshop w(c), in [0, n_τ]; u[τ] batches left
    unassigned; L[n] cumulative new load of workshop w(n) due by deadline d(n), in
    [0, daily·d − held]; y[w, k] new pieces in spread tier k. Rows: Σ_c x + u = n_τ per type;
    the load chain L[n] − L[prev n] − Σ q x = 0 per (workshop, deadline); Σ_k y − L[last] = 0.
    """

    def __init__(self, problem: Problem, weights: CostWeights, types: _Types) -> None:
        self.problem, self.weights, self.types = problem, weights, types
        rates = np.asarray(weights.spread_rates, dtype=float)
        self.tier_rate = np.concatenate([[0.0], rates])
        held = problem.workshop_held.astype(float)
        bp = spread_breakpoints(problem, weights)
        lo = np.concatenate([held[:, None], np.maximum(bp, held[:, None])], axis=1)
        hi = np.concatenate([np.maximum(bp, held[:, None]), np.full((len(held), 1), np.inf)], 1)
        self.tier_width = hi - lo  # (W, tiers) in new pieces
        # The spread rate the first new piece pays: the price of a workshop with no rows yet.
        first = np.argmax(self.tier_width > 0, axis=1)
        self.first_rate = self.tier_rate[first]
        self.col_type = np.zeros(0, dtype=np.int64)
        self.col_workshop = np.zeros(0, dtype=np.int64)
        self.col_cost = np.zeros(0)
        self.x = np.zeros(0)  # the LP solution over the first len(x) columns
        self.value = math.inf

    def add(self, col_type: np.ndarray, col_workshop: np.ndarray, col_cost: np.ndarray) -> int:
        seen = set(zip(self.col_type.tolist(), self.col_workshop.tolist(), strict=True))
        fresh = [
            i
            for i, pair in enumerate(zip(col_type.tolist(), col_workshop.tolist(), strict=True))
            if pair not in seen
        ]
        if fresh:
            self.col_type = np.concatenate([self.col_type, col_type[fresh]])
            self.col_workshop = np.concatenate([self.col_workshop, col_workshop[fresh]])
            self.col_cost = np.concatenate([self.col_cost, col_cost[fresh]])
        return len(fresh)

    def solve(self, seconds: float = math.inf) -> bool:
        """Solve the LP over the current columns; False (nothing changed) if out of time."""
        import scipy.sparse as sparse
        from scipy.optimize import linprog

        p, t = self.problem, self.types
        n_t, n_x = len(t.count), len(self.col_type)
        if n_x == 0:  # nothing to assign yet: every batch unassigned, prices at first rates
            self.x = np.zeros(0)
            self.type_dual = self.weights.unassigned_per_piece * t.quantity
            self.value = float(self.type_dual @ t.count)
            self.box_bound = 0.0
            self.node_key, self.node_price, self.stride = np.zeros(0, np.int64), np.zeros(0), 1
            self.after_last = np.array(self.first_rate, dtype=float)
            return True
        days = t.days_left[self.col_type]
        stride = int(days.max(initial=0)) + 2
        node_key, node_of = np.unique(self.col_workshop * stride + days, return_inverse=True)
        node_w, node_d = node_key // stride, node_key % stride
        n_n = len(node_key)
        first_of_w = np.r_[True, node_w[1:] != node_w[:-1]]
        last_of_w = np.r_[node_w[1:] != node_w[:-1], True]
        tier_w = node_w[last_of_w]
        n_k = self.tier_width.shape[1]
        widths = self.tier_width[tier_w]
        finite_top = p.workshop_daily_capacity[tier_w] * node_d[last_of_w] + 1.0
        widths = np.minimum(widths, finite_top[:, None])  # the capacity bounds it anyway
        q = t.quantity
        ox, ou, on, oy = 0, n_x, n_x + n_t, n_x + n_t + n_n
        n_v = oy + widths.size
        chain_row, tier_row = n_t, n_t + n_n
        prev = np.flatnonzero(~first_of_w)
        rows = np.concatenate(
            [
                self.col_type,
                np.arange(n_t),
                chain_row + np.arange(n_n),
                chain_row + prev,
                chain_row + node_of.ravel(),
                tier_row + np.repeat(np.arange(len(tier_w)), n_k),
                tier_row + np.arange(len(tier_w)),
            ]
        )
        cols = np.concatenate(
            [
                ox + np.arange(n_x),
                ou + np.arange(n_t),
                on + np.arange(n_n),
                on + prev - 1,
                ox + np.arange(n_x),
                oy + np.arange(widths.size),
                on + np.flatnonzero(last_of_w),
            ]
        )
        vals = np.concatenate(
            [
                np.ones(n_x + n_t + n_n),
                -np.ones(len(prev)),
                -q[self.col_type],
                np.ones(widths.size),
                -np.ones(len(tier_w)),
            ]
        )
        a = sparse.csr_matrix((vals, (rows, cols)), shape=(n_t + n_n + len(tier_w), n_v))
        cap = p.workshop_daily_capacity[node_w] * node_d - p.workshop_held[node_w]
        c = np.concatenate(
            [
                self.col_cost,
                self.weights.unassigned_per_piece * q,
                np.zeros(n_n),
                np.tile(self.tier_rate, len(tier_w)),
            ]
        )
        upper = np.concatenate(
            [t.count[self.col_type], t.count, np.maximum(cap, 0), widths.ravel()]
        ).astype(float)
        b = np.concatenate([t.count, np.zeros(n_n + len(tier_w))]).astype(float)
        self.formulation = (c, a, b, upper, n_x + n_t)
        options = {"time_limit": max(seconds, 0.01)} if math.isfinite(seconds) else {}
        result = linprog(
            c,
            A_eq=a,
            b_eq=b,
            bounds=np.column_stack([np.zeros(n_v), upper]),
            method="highs",
            options=options,
        )
        if result.status == 1:  # out of time: keep the last solution and prices
            return False
        if result.status != 0:  # pragma: no cover - the LP is always feasible (u covers all)
            raise RuntimeError(f"allocation LP failed: {result.message}")
        self.value = float(result.fun)
        self.x = result.x[:n_x]
        dual = result.eqlin.marginals
        self.type_dual = dual[:n_t]
        # Reduced costs of the load and tier variables, for the Lagrangian bound.
        reduced = c - a.T @ dual
        self.box_bound = float(np.minimum(reduced[on:], 0.0) @ upper[on:])
        # The price of a piece due by day d at workshop w: the dual of the first chain row at
        # or after d (a row inserted there would carry the same dual), the tier row's after
        # the last, and the first spread rate at workshops with no row yet.
        self.node_key, self.node_price, self.stride = node_key, dual[chain_row:tier_row], stride
        self.after_last = np.array(self.first_rate, dtype=float)
        self.after_last[tier_w] = dual[tier_row:]
        return True

    def solve_integer(self, seconds: float) -> dict:
        """The same model with whole batches (a MILP, HiGHS branch and bound), time-limited.

        Exact over the columns present; used by the benchmark, not by :func:`allocate`.
        """
        from scipy.optimize import Bounds, LinearConstraint, milp

        c, a, b, upper, n_int = self.formulation
        integrality = np.zeros(len(c))
        integrality[:n_int] = 1
        result = milp(
            c,
            constraints=LinearConstraint(a, b, b),
            integrality=integrality,
            bounds=Bounds(np.zeros(len(c)), upper),
            options={"time_limit": seconds, "disp": False, "mip_rel_gap": 1e-6},
        )
        return {
            "status": int(result.status),
            "message": str(result.message),
            "value": None if result.x is None else float(result.fun),
            "bound": getattr(result, "mip_dual_bound", None),
            "x": None if result.x is None else result.x[: len(self.col_type)],
        }

    def price(self, workshops: np.ndarray, days: np.ndarray) -> np.ndarray:
        """The dual price of one more piece at (workshop, deadline) pairs (broadcast)."""
        workshops, days = np.broadcast_arrays(workshops, days)
        if len(self.node_key) == 0:
            return self.after_last[workshops]
        key = workshops * self.stride + np.minimum(days, self.stride - 1)
        at = np.searchsorted(self.node_key, key)
        inside = at < len(self.node_key)
        same = np.zeros(key.shape, dtype=bool)
        same[inside] = self.node_key[at[inside]] // self.stride == workshops[inside]
        return np.where(
            same,
            self.node_price[np.minimum(at, len(self.node_key) - 1)],
            self.after_last[workshops],
        )


class _LiveMaster:
    """The same LP as :class:`_Master`, kept alive in one HiGHS model (``highspy``).

    Every (workshop, deadline) row exists from the start, so a round only adds columns and
    HiGHS re-solves from the last optimal basis — several times faster per round than
    solving from scratch. The price of a piece due by a deadline is its chain row's dual.
    Columns: L (workshop × deadline) | y (workshop × tier) | u (type) | x (added columns).
    Rows: type | chain (workshop × deadline) | tier (workshop).
    """

    def __init__(self, problem: Problem, weights: CostWeights, types: _Types) -> None:
        self.problem, self.weights, self.types = problem, weights, types
        p = problem
        n_w, n_t = p.n_workshops, len(types.count)
        self.tier_rate = np.concatenate([[0.0], np.asarray(weights.spread_rates, dtype=float)])
        held = p.workshop_held.astype(float)
        bp = spread_breakpoints(p, weights)
        lo = np.concatenate([held[:, None], np.maximum(bp, held[:, None])], axis=1)
        hi = np.concatenate([np.maximum(bp, held[:, None]), np.full((n_w, 1), np.inf)], 1)
        width = hi - lo
        self.first_rate = self.tier_rate[np.argmax(width > 0, axis=1)]
        self.deadlines = np.unique(types.days_left)
        k_n = self.k_n = len(self.deadlines)
        top = p.workshop_daily_capacity * max(int(self.deadlines.max()), 0) + 1.0
        width = np.minimum(width, top[:, None])
        n_k = width.shape[1]
        cap = p.workshop_daily_capacity[:, None] * self.deadlines[None, :] - held[:, None]
        n_l, n_y = n_w * k_n, n_w * n_k
        self.o_l, self.o_y, self.o_u, self.o_x = 0, n_l, n_l + n_y, n_l + n_y + n_t
        self.r_chain, self.r_tier = n_t, n_t + n_l
        n_r = n_t + n_l + n_w
        node = np.arange(n_l)
        later = node[(node % k_n) != 0]
        last = node[(node % k_n) == k_n - 1]
        tier_col = np.arange(n_y)
        rows = np.concatenate(
            [
                self.r_chain + node,
                self.r_chain + later,
                self.r_tier + np.arange(n_w),
                self.r_tier + tier_col // n_k,
                np.arange(n_t),
            ]
        )
        cols = np.concatenate(
            [
                self.o_l + node,
                self.o_l + later - 1,
                self.o_l + last,
                self.o_y + tier_col,
                self.o_u + np.arange(n_t),
            ]
        )
        vals = np.concatenate(
            [np.ones(n_l), -np.ones(len(later)), -np.ones(n_w), np.ones(n_y), np.ones(n_t)]
        )
        a = sparse.csc_matrix((vals, (rows, cols)), shape=(n_r, self.o_x))
        cost = np.concatenate(
            [
                np.zeros(n_l),
                np.tile(self.tier_rate, n_w),
                weights.unassigned_per_piece * types.quantity,
            ]
        )
        self.upper_fixed = np.concatenate(
            [np.maximum(cap, 0).ravel(), width.ravel(), types.count.astype(float)]
        )
        rhs = np.concatenate([types.count.astype(float), np.zeros(n_l + n_w)])
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = self.o_x, n_r
        lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, np.zeros(self.o_x), self.upper_fixed
        lp.row_lower_, lp.row_upper_ = rhs, rhs
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_ = a.indptr, a.indices
        lp.a_matrix_.value_ = a.data
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        self.highs.passModel(lp)
        self.col_type = np.zeros(0, dtype=np.int64)
        self.col_workshop = np.zeros(0, dtype=np.int64)
        self.col_cost = np.zeros(0)
        self.x = np.zeros(0)  # the LP solution over the first len(x) columns
        self.value = math.inf
        self._seen: set[tuple[int, int]] = set()
        self.node_of_type = np.searchsorted(self.deadlines, types.days_left)

    def add(self, col_type: np.ndarray, col_workshop: np.ndarray, col_cost: np.ndarray) -> int:
        pairs = zip(col_type.tolist(), col_workshop.tolist(), strict=True)
        fresh = [i for i, pair in enumerate(pairs) if pair not in self._seen]
        if not fresh:
            return 0
        kind, workshop, cost = col_type[fresh], col_workshop[fresh], col_cost[fresh]
        self._seen.update(zip(kind.tolist(), workshop.tolist(), strict=True))
        n = len(fresh)
        index = np.empty(2 * n, dtype=np.int32)
        value = np.empty(2 * n)
        index[0::2] = kind
        index[1::2] = self.r_chain + workshop * self.k_n + self.node_of_type[kind]
        value[0::2] = 1.0
        value[1::2] = -self.types.quantity[kind]
        self.highs.addCols(
            n,
            cost.astype(float),
            np.zeros(n),
            self.types.count[kind].astype(float),
            2 * n,
            np.arange(0, 2 * n, 2, dtype=np.int32),
            index,
            value,
        )
        self.col_type = np.concatenate([self.col_type, kind])
        self.col_workshop = np.concatenate([self.col_workshop, workshop])
        self.col_cost = np.concatenate([self.col_cost, cost])
        return n

    def solve(self, seconds: float = math.inf) -> bool:
        """Re-solve from the last basis; False (nothing changed) if out of time."""
        limit = float(max(seconds, 0.01)) if math.isfinite(seconds) else highspy.kHighsInf
        self.highs.setOptionValue("time_limit", limit)
        self.highs.run()
        if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return False
        solution = self.highs.getSolution()
        column = np.asarray(solution.col_value)
        dual = np.asarray(solution.row_dual)
        reduced = np.asarray(solution.col_dual)
        self.value = float(self.highs.getInfo().objective_function_value)
        self.x = column[self.o_x :]
        self.type_dual = dual[: self.r_chain]
        self.chain_dual = dual[self.r_chain : self.r_tier]
        # Reduced costs of the load and tier variables at their bounds, for the bound.
        self.box_bound = float(np.minimum(reduced[: self.o_u], 0.0) @ self.upper_fixed[: self.o_u])
        return True

    def price(self, workshops: np.ndarray, days: np.ndarray) -> np.ndarray:
        """The dual price of one more piece at (workshop, deadline) pairs (broadcast)."""
        workshops, days = np.broadcast_arrays(workshops, days)
        node = np.minimum(np.searchsorted(self.deadlines, days), self.k_n - 1)
        return self.chain_dual[workshops * self.k_n + node]


def _type_costs(
    problem: Problem, weights: CostWeights, types: _Types, rows: np.ndarray
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


def _price_columns(
    master: _Master, problem: Problem, weights: CostWeights, per_type: int, chunk: int = 256
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
            types.own[rows] if types.own is not None else _type_costs(problem, weights, types, rows)
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


class _State:
    """An assignment being built or improved, with what makes a move cheap to price.

    ``slack[w, k]``: pieces the workshop can still take due by the k-th deadline without
    breaking any later deadline (a suffix minimum of daily·D − held − due by D).
    """

    def __init__(self, problem: Problem, weights: CostWeights, types: _Types) -> None:
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
        self.slack = np.empty_like(self.capacity)
        self._refresh(np.arange(problem.n_workshops))

    def _refresh(self, workshops: np.ndarray) -> None:
        free = self.capacity[workshops] - self.due[workshops]
        self.slack[workshops] = np.minimum.accumulate(free[:, ::-1], axis=1)[:, ::-1]

    def own(self, batch: int) -> np.ndarray:
        kind = int(self.types.of_batch[batch])
        if self.types.own is not None:
            return self.types.own[kind]
        if kind not in self._own:
            self._own[kind] = _type_costs(self.problem, self.weights, self.types, np.array([kind]))[
                0
            ]
        return self._own[kind]

    def spread_at(self, workshops: np.ndarray | int, load: np.ndarray) -> np.ndarray:
        total = np.atleast_1d(self.held[workshops] + load)
        over = np.maximum(total[:, None] - np.atleast_2d(self.breakpoints[workshops]), 0.0)
        return over @ self.increments

    def put(self, batch: int, workshop: int) -> None:
        q = float(self.problem.batch_quantity[batch])
        self.assignment[batch] = workshop
        self.due[workshop, self.deadline_of[batch] :] += q
        self.load[workshop] += q
        self._refresh(np.array([workshop]))

    def take(self, batch: int) -> None:
        workshop = int(self.assignment[batch])
        q = float(self.problem.batch_quantity[batch])
        self.assignment[batch] = UNASSIGNED
        self.due[workshop, self.deadline_of[batch] :] -= q
        self.load[workshop] -= q
        self._refresh(np.array([workshop]))

    def insertion_costs(self, batch: int) -> np.ndarray:
        """What putting the batch at each workshop adds to the cost; inf where it cannot go."""
        q = float(self.problem.batch_quantity[batch])
        all_w = slice(None)
        spread = self.spread_at(all_w, self.load + q) - self.spread_at(all_w, self.load)
        fits = self.slack[:, self.deadline_of[batch]] >= q
        return np.where(fits, self.own(batch) + spread, np.inf)

    def removal_saving(self, batch: int) -> float:
        """What taking the batch out of its workshop saves (its own cost and spread)."""
        workshop = int(self.assignment[batch])
        if workshop == UNASSIGNED:
            return self.weights.unassigned_per_piece * float(self.problem.batch_quantity[batch])
        q = float(self.problem.batch_quantity[batch])
        here = np.array([workshop])
        return float(
            self.own(batch)[workshop]
            + self.spread_at(here, self.load[here])[0]
            - self.spread_at(here, self.load[here] - q)[0]
        )

    def relocate_with_ejection(self, batch: int, tries: int = 3) -> bool:
        """Move the batch to a cheaper workshop that is full, pushing one of its batches on.

        Unsplittable batches leave capacity in awkward pieces; a move with one ejection
        (b → w1, b' at w1 → w2) recovers much of what single moves cannot.
        """
        q = float(self.problem.batch_quantity[batch])
        current = int(self.assignment[batch])
        before = self.removal_saving(batch)
        spread = self.spread_at(slice(None), self.load + q) - self.spread_at(slice(None), self.load)
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
        return self._eligible[kind]

    def place_best(self, batch: int, current_cost: float) -> bool:
        """Put the batch where it adds least, if that beats ``current_cost``."""
        where, own = self.eligible(batch)
        if len(where) == 0:
            return False
        q = float(self.problem.batch_quantity[batch])
        load = self.load[where]
        costs = own + self.spread_at(where, load + q) - self.spread_at(where, load)
        costs[self.slack[where, self.deadline_of[batch]] < q] = np.inf
        best = int(np.argmin(costs))
        if costs[best] < current_cost - 1e-9:
            self.put(batch, int(where[best]))
            return True
        return False


def _round(state: _State, master: _Master) -> None:
    """Whole batches of each LP column go where the LP put them (always feasible)."""
    types = state.types
    whole = np.floor(master.x + 1e-6).astype(np.int64)
    members = np.argsort(types.of_batch, kind="stable")
    start = np.concatenate([[0], np.cumsum(types.count)])
    used = np.zeros(len(types.count), dtype=np.int64)
    for col in np.flatnonzero(whole > 0):  # x covers the columns of the last solve
        kind, workshop = int(master.col_type[col]), int(master.col_workshop[col])
        take = min(int(whole[col]), int(types.count[kind] - used[kind]))
        for batch in members[start[kind] + used[kind] : start[kind] + used[kind] + take]:
            state.put(int(batch), workshop)
        used[kind] += take


def _greedy(problem: Problem, weights: CostWeights, types: _Types) -> _State:
    """Earliest deadline first, largest first; each batch where it adds least, if it fits."""
    state = _State(problem, weights, types)
    for batch in np.lexsort((-problem.batch_quantity, problem.batch_days_left)):
        state.place_best(int(batch), weights.unassigned_per_piece * problem.batch_quantity[batch])
    return state


def lp_relaxation(
    problem: Problem,
    weights: CostWeights,
    *,
    types: _Types | None = None,
    start: np.ndarray | None = None,
    seconds: float = math.inf,
    columns_per_round: int = 6,
    max_rounds: int = 60,
    report: Progress | None = None,
) -> tuple[_LiveMaster, float, int]:
    """Column generation on the LP relaxation; returns the model, a proven bound, the rounds.

    Every round prices every eligible (type, workshop) pair with the LP's duals; the
    Lagrangian value of those duals is a lower bound on the optimum (so is the LP's value
    once no column has a negative reduced cost, when the two meet).
    """
    import time

    started = time.perf_counter()
    types = types or _types(problem)
    master = _LiveMaster(problem, weights, types)
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
        new_t, new_w, new_c, round_bound = _price_columns(
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


def allocate(
    problem: Problem,
    weights: CostWeights | None = None,
    *,
    progress: Progress | None = None,
    seconds: float = 9.0,
) -> Allocation:
    """Assign batches to workshops at least cost, with a proven lower bound on the optimum.

    1. Greedy start (earliest deadline first, each batch where it adds least).
    2. Column generation on the LP relaxation, seeded with the greedy's columns, for about
       85 % of the time budget (identical batches are aggregated into types).
    3. Rounding: the whole batches of each LP column stay where the LP put them; the rest
       are placed where they add least.
    4. Improvement until the budget ends: single moves, then moves with one ejection.
    Skills, region, and capacity before every deadline hold at every step.
    """
    import time

    weights = weights or CostWeights()
    started = time.perf_counter()
    report = progress or (lambda done, total, message: None)
    steps = 6
    if problem.n_batches == 0 or problem.n_workshops == 0:
        nobody = np.full(problem.n_batches, UNASSIGNED, dtype=np.int64)
        cost = evaluate(problem, nobody, weights)
        return Allocation(nobody, cost, cost)
    types = _types(problem)
    if len(types.count) * problem.n_workshops <= OWN_MATRIX_LIMIT:
        types.own = np.vstack(
            [
                _type_costs(problem, weights, types, np.arange(i, min(i + 256, len(types.count))))
                for i in range(0, len(types.count), 256)
            ]
        )
    greedy = _greedy(problem, weights, types)
    greedy_cost = evaluate(problem, greedy.assignment, weights)
    greedy_assignment = greedy.assignment.copy()
    report(1, steps, "greedy start")
    master, lower_bound, rounds = _lp_part(problem, weights, types, greedy, seconds, started)
    report(2, steps, "LP relaxation")
    if len(master.x) == 0:  # no LP solved in time: improve the greedy start instead
        state = greedy
    else:
        state = _State(problem, weights, types)
        _round(state, master)
    left = np.flatnonzero(state.assignment == UNASSIGNED)
    # Hardest first: nearest deadlines, then the largest batches, have the fewest places.
    for batch in left[np.lexsort((-problem.batch_quantity[left], problem.batch_days_left[left]))]:
        state.place_best(int(batch), weights.unassigned_per_piece * problem.batch_quantity[batch])
    report(3, steps, "rounded")
    moves = _improve(state, started, seconds)
    report(5, steps, "improved")
    cost = evaluate(problem, state.assignment, weights)
    assignment = state.assignment
    if greedy_cost < cost and state is not greedy:  # never worse than the start
        cost, assignment = greedy_cost, greedy_assignment
    exact = _exact_if_small(problem, weights, types, seconds - (time.perf_counter() - started))
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
            "columns": len(master.col_type),
            "lp_rounds": rounds,
            "lp_value": master.value,
            "greedy_start": greedy_cost,
            "moves": moves,
        },
    )


OWN_MATRIX_LIMIT = 8_000_000  # (type, workshop) pairs whose own costs are kept (64 MB)
EXACT_LIMIT = 4000  # (type, workshop) pairs: below this the MILP over all of them is quick


def _exact_if_small(
    problem: Problem, weights: CostWeights, types: _Types, seconds: float
) -> np.ndarray | None:
    """On small runs, the exact optimum (MILP over every eligible pair), if found in time."""
    n_t = len(types.count)
    if n_t * problem.n_workshops > EXACT_LIMIT or seconds <= 0.05:
        return None
    own = _type_costs(problem, weights, types, np.arange(n_t))
    kinds, workshops = np.nonzero(np.isfinite(own))
    master = _Master(problem, weights, types)
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


def _lp_part(problem, weights, types, greedy, seconds, started):
    import time

    remaining = seconds * 0.85 - (time.perf_counter() - started)
    return lp_relaxation(
        problem, weights, types=types, start=greedy.assignment, seconds=max(remaining, 0.0)
    )


def _improve(state: _State, started: float, seconds: float, passes: int = 3) -> int:
    import time

    problem = state.problem
    moves = 0
    for _sweep in range(passes):
        moved = 0
        for batch in range(problem.n_batches):
            if time.perf_counter() - started > seconds:
                return moves + moved
            current = int(state.assignment[batch])
            saving = state.removal_saving(batch)
            if current != UNASSIGNED:
                state.take(batch)
            if state.place_best(batch, saving):
                moved += 1
            elif current != UNASSIGNED:
                state.put(batch, current)
        moves += moved
        if moved == 0:
            break
    # Then moves with one ejection, for the batches furthest from their cheapest place.
    displaced = np.array(
        [state.removal_saving(b) - float(state.own(b).min()) for b in range(problem.n_batches)]
    )
    for batch in np.argsort(-displaced):
        if displaced[batch] <= 1e-9 or time.perf_counter() - started > seconds:
            break
        moves += state.relocate_with_ejection(int(batch))
    return moves
