"""The smart allocation engine (智能匹配): open batches → eligible workshops, at least cost.

Pure and vectorised (numpy): it knows nothing of the database. ``allocation.services``
loads a :class:`Problem` with a few bulk queries (``allocation.selectors``), runs
:func:`allocate` and stores the result. The cost model, the algorithm and its proven gap are
explained in ``docs/allocation.md``.

Indices, not ids: batch ``i`` is row ``i`` of every ``batch_*`` array, workshop ``j`` row ``j``
of every ``workshop_*`` array; an assignment is an int array with a workshop index per batch,
or ``UNASSIGNED``.

The modules, in the order :func:`allocate` uses them:
  problem            the instance, the weights, the result; eligibility and :func:`violations`
  cost               the cost terms and :func:`evaluate`; candidates: cheapest places per batch
  batch_types        identical batches aggregated into types, and their own costs
  greedy, state      the greedy start; the assignment under construction and its moves
  lp, column_generation   the LP relaxation and the pricing that proves the lower bound
  rounding, local    whole batches from the LP; single and ejection moves
  exact              small runs solved exactly (MILP)
  solve              :func:`allocate`
"""

from .candidates import Candidates, candidates
from .column_generation import lp_relaxation
from .cost import deadline_use, evaluate, pair_cost, spread_cost, workshop_piece_cost
from .problem import (
    ANY_CENTER,
    UNASSIGNED,
    Allocation,
    CostWeights,
    Problem,
    Progress,
    eligibility,
    violations,
)
from .solve import allocate

__all__ = [
    "ANY_CENTER",
    "UNASSIGNED",
    "Allocation",
    "Candidates",
    "CostWeights",
    "Problem",
    "Progress",
    "allocate",
    "candidates",
    "deadline_use",
    "eligibility",
    "evaluate",
    "lp_relaxation",
    "pair_cost",
    "spread_cost",
    "violations",
    "workshop_piece_cost",
]
