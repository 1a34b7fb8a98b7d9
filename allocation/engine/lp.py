"""The LP relaxation of allocation over the columns generated so far, in two forms.

:class:`Master` is solved from scratch by SciPy's HiGHS (and, with whole batches, as a MILP:
the exact path of small runs and the benchmark); :class:`LiveMaster` keeps one HiGHS model
alive so that column generation re-solves from the last basis.
"""

from __future__ import annotations

import math

import highspy
import numpy as np
import scipy.sparse as sparse

from .batch_types import BatchTypes
from .cost import spread_breakpoints
from .problem import CostWeights, Problem


class Master:
    """The LP relaxation over the columns generated so far (SciPy's HiGHS).

    Variables: x[c] batches of type τ(c) at workshop w(c), in [0, n_τ]; u[τ] batches left
    unassigned; L[n] cumulative new load of workshop w(n) due by deadline d(n), in
    [0, daily·d − held]; y[w, k] new pieces in spread tier k. Rows: Σ_c x + u = n_τ per type;
    the load chain L[n] − L[prev n] − Σ q x = 0 per (workshop, deadline); Σ_k y − L[last] = 0.
    """

    def __init__(self, problem: Problem, weights: CostWeights, types: BatchTypes) -> None:
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


class LiveMaster:
    """The same LP as :class:`Master`, kept alive in one HiGHS model (``highspy``).

    Every (workshop, deadline) row exists from the start, so a round only adds columns and
    HiGHS re-solves from the last optimal basis — several times faster per round than
    solving from scratch. The price of a piece due by a deadline is its chain row's dual.
    Columns: L (workshop × deadline) | y (workshop × tier) | u (type) | x (added columns).
    Rows: type | chain (workshop × deadline) | tier (workshop).
    """

    def __init__(self, problem: Problem, weights: CostWeights, types: BatchTypes) -> None:
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
