"""Reads for smart allocation: the engine's input in a few bulk queries, and runs for display.

No per-pair (or per-batch) query: batches, required skills, workshops with their service
centers, workshop skills, households, outstanding pieces and first-pass yields are each one
aggregate or one ``values`` query, turned into numpy arrays for ``allocation.engine``.
Quality sits below allocation, so its first-pass yields are read through its selectors.
"""

import logging
import math
from dataclasses import dataclass
from datetime import date

import numpy as np
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role
from core.errors import NotFound
from orders.eligibility import outstanding_pieces
from orders.models import Batch, Order
from quality.selectors import first_pass_yield_by_workshop
from workshops.models import Household, Skill, Workshop, WorkshopSkill

from .engine import ANY_CENTER, Problem
from .models import AllocationProposal, AllocationRun

log = logging.getLogger("shouchuang.allocation")

EARTH_RADIUS_KM = 6371.0088


class AllocationRunNotFound(NotFound):
    code = "allocation_run_not_found"
    message = _("匹配记录不存在。")


@dataclass
class LoadedProblem:
    """The engine's problem plus the database ids behind its indices."""

    problem: Problem
    batch_ids: np.ndarray
    workshop_ids: np.ndarray
    skill_names: dict[int, str]
    today: date


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km (arrays of degrees)."""
    lat1, lon1, lat2, lon2 = (
        np.radians(np.asarray(v, dtype=float)) for v in (lat1, lon1, lat2, lon2)
    )
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def first_pass_yields(workshop_ids: list[int]) -> dict[int, float]:
    """Quality's first-pass yield per workshop (absent: no record yet, counted as neutral)."""
    return {pk: float(value) for pk, value in first_pass_yield_by_workshop(workshop_ids).items()}


def _bits(skill_sets: list[set[int]], bit_of: dict[int, int], words: int) -> np.ndarray:
    out = np.zeros((len(skill_sets), words), dtype=np.uint64)
    for row, skills in enumerate(skill_sets):
        for skill in skills:
            bit = bit_of[skill]
            out[row, bit // 64] |= np.uint64(1) << np.uint64(bit % 64)
    return out


def open_batches(batch_ids: list[int] | None = None) -> QuerySet[Batch]:
    batches = Batch.objects.filter(status=Batch.Status.OPEN, order__status=Order.Status.PUBLISHED)
    if batch_ids is not None:
        batches = batches.filter(pk__in=batch_ids)
    return batches


def allocation_problem_load(
    *, batch_ids: list[int] | None = None, today: date | None = None
) -> LoadedProblem:
    """Open batches of published orders (all, or those of ``batch_ids``) and every workshop."""
    today = today or timezone.localdate()
    batches = list(
        open_batches(batch_ids)
        .order_by("pk")
        .values_list("pk", "quantity", "order_id", "order__deadline", "order__service_center_id")
    )
    order_ids = {row[2] for row in batches}
    required: dict[int, set[int]] = {pk: set() for pk in order_ids}
    for order_id, skill_id in Order.required_skills.through.objects.filter(
        order_id__in=order_ids
    ).values_list("order_id", "skill_id"):
        required[order_id].add(skill_id)
    workshops = list(
        Workshop.objects.order_by("pk").values_list(
            "pk",
            "daily_capacity",
            "status",
            "organisation__service_center_id",
            "organisation__latitude",
            "organisation__longitude",
            "organisation__service_center__latitude",
            "organisation__service_center__longitude",
        )
    )
    workshop_ids = [row[0] for row in workshops]
    has: dict[int, set[int]] = {pk: set() for pk in workshop_ids}
    for workshop_id, skill_id in WorkshopSkill.objects.values_list("workshop_id", "skill_id"):
        has.setdefault(workshop_id, set()).add(skill_id)
    households = dict(
        Household.objects.filter(is_active=True)
        .values("workshop_id")
        .annotate(n=Count("pk"))
        .values_list("workshop_id", "n")
    )
    held = outstanding_pieces(workshop_ids)
    yields = first_pass_yields(workshop_ids) if workshop_ids else {}

    all_skills = sorted(set().union(*required.values(), *has.values()))
    bit_of = {skill: i for i, skill in enumerate(all_skills)}
    words = max(1, math.ceil(len(all_skills) / 64))
    skill_names = dict(Skill.objects.filter(pk__in=all_skills).values_list("pk", "name"))

    def coords(rows, index):
        return np.array(
            [float(r[index]) if r[index] is not None else np.nan for r in rows], dtype=float
        )

    distance = haversine_km(
        coords(workshops, 4), coords(workshops, 5), coords(workshops, 6), coords(workshops, 7)
    )
    known = ~np.isnan(distance)
    # An unknown distance costs what an average one does: neither favoured nor punished.
    distance = np.where(known, distance, distance[known].mean() if known.any() else 0.0)
    center_ids = {row[3] for row in workshops if row[3] is not None} | {
        row[4] for row in batches if row[4] is not None
    }
    center_index = {pk: i for i, pk in enumerate(sorted(center_ids))}
    problem = Problem(
        batch_quantity=np.array([row[1] for row in batches], dtype=np.int64),
        batch_days_left=np.array([(row[3] - today).days for row in batches], dtype=np.int64),
        batch_skills=_bits([required[row[2]] for row in batches], bit_of, words),
        batch_center=np.array(
            [ANY_CENTER if row[4] is None else center_index[row[4]] for row in batches],
            dtype=np.int64,
        ),
        workshop_daily_capacity=np.array([row[1] for row in workshops], dtype=np.int64),
        workshop_held=np.array([held[pk] for pk in workshop_ids], dtype=np.int64),
        workshop_households=np.array([households.get(pk, 0) for pk in workshop_ids], np.int64),
        workshop_skills=_bits([has[pk] for pk in workshop_ids], bit_of, words),
        workshop_center=np.array(
            [-2 if row[3] is None else center_index[row[3]] for row in workshops], dtype=np.int64
        ),
        workshop_active=np.array(
            [row[2] == Workshop.Status.ACTIVE for row in workshops], dtype=bool
        ),
        workshop_distance_km=distance,
        workshop_first_pass_yield=np.array(
            [yields.get(pk, np.nan) for pk in workshop_ids], dtype=float
        ),
    )
    return LoadedProblem(
        problem=problem,
        batch_ids=np.array([row[0] for row in batches], dtype=np.int64),
        workshop_ids=np.array(workshop_ids, dtype=np.int64),
        skill_names=skill_names,
        today=today,
    )


def allocation_run_get(*, viewer: User, run_id: int) -> AllocationRun:
    ensure_role(viewer, User.Role.OPERATOR)
    run = AllocationRun.objects.select_related("job").filter(pk=run_id).first()
    if run is None:
        raise AllocationRunNotFound(detail={"run_id": run_id})
    return run


def allocation_proposals(*, run: AllocationRun) -> QuerySet[AllocationProposal]:
    return run.proposals.select_related("batch__order", "workshop__organisation").order_by("pk")


def allocation_proposals_filtered(
    *,
    run: AllocationRun,
    region_id: int | None = None,
    workshop_id: int | None = None,
    status: str | None = None,
) -> QuerySet[AllocationProposal]:
    """A run's proposals by batch, narrowed to a region (the workshop's service center), a
    workshop or a status; filtered and counted in the database (a run may hold 10,000)."""
    proposals = allocation_proposals(run=run).select_related(
        "workshop__organisation__service_center", "excluded_by"
    )
    if region_id is not None:
        proposals = proposals.filter(workshop__organisation__service_center_id=region_id)
    if workshop_id is not None:
        proposals = proposals.filter(workshop_id=workshop_id)
    if status:
        proposals = proposals.filter(status=status)
    return proposals


def allocation_run_page(
    *,
    viewer: User,
    run_id: int,
    offset: int = 0,
    limit: int = 500,
    region_id: int | None = None,
    workshop_id: int | None = None,
    status: str | None = None,
) -> tuple[AllocationRun, list[AllocationProposal], int]:
    """A run, one page of its proposals (by batch), and how many proposals match."""
    run = allocation_run_get(viewer=viewer, run_id=run_id)
    offset, limit = max(0, offset), min(max(0, limit), 2000)
    proposals = allocation_proposals_filtered(
        run=run, region_id=region_id, workshop_id=workshop_id, status=status
    )
    return run, list(proposals[offset : offset + limit]), proposals.count()


@dataclass
class ReviewFacets:
    """What the review's filters offer: regions and workshops of the run, with counts, and
    how many proposals of the run are in each status."""

    regions: list[dict]
    workshops: list[dict]
    statuses: dict[str, int]


def allocation_review_facets(
    *, run: AllocationRun, region_id: int | None = None, workshop_limit: int = 60
) -> ReviewFacets:
    """Three GROUP BY queries. Workshops are offered within the chosen region, or for the
    whole run when it has at most ``workshop_limit`` of them (a national run has thousands)."""
    proposals = run.proposals.filter(workshop__isnull=False)
    region = "workshop__organisation__service_center"
    regions = [
        {"id": row[f"{region}_id"], "name": row[f"{region}__name"] or "", "count": row["n"]}
        for row in proposals.values(f"{region}_id", f"{region}__name")
        .annotate(n=Count("pk"))
        .order_by(f"{region}__name", f"{region}_id")
    ]
    in_region = proposals if region_id is None else proposals.filter(**{f"{region}_id": region_id})
    workshops = [
        {"id": row["workshop_id"], "name": row["workshop__organisation__name"], "count": row["n"]}
        for row in in_region.values("workshop_id", "workshop__organisation__name")
        .annotate(n=Count("pk"))
        .order_by("workshop__organisation__name", "workshop_id")[: workshop_limit + 1]
    ]
    if len(workshops) > workshop_limit:
        workshops = []
    statuses = dict(run.proposals.values_list("status").annotate(n=Count("pk")).order_by())
    return ReviewFacets(regions=regions, workshops=workshops, statuses=statuses)
