"""Demo quality: labelled lots, custody scans, inspections (some rejected, sorted or reworked).

Built on what the orders demo left in the database: batches in production whose households
returned pieces, and claimed batches still waiting for their materials. Everything goes through
the services, as a phone would. Without such batches it does nothing.
"""

import uuid
from datetime import timedelta

from django.utils import timezone

from accounts.demo import DemoContext
from accounts.models import User
from orders.models import Batch

from .models import Lot, MaterialTolerance
from .scans import ScanItem, scan_ingest
from .selectors import packed_pieces_by_household, returned_pieces_by_household
from .services import DefectIn, inspection_dispose, lot_create, lot_inspect

# What happens to the finished lots of each batch in turn, cycling.
OUTCOMES = ["accept", "accept", "rework", "accept", "sort", "accept", "pending"]


def seed(ctx: DemoContext) -> None:
    rng = ctx.rng
    operator = User.objects.filter(role=User.Role.OPERATOR).order_by("pk").first()
    if operator is None:
        return
    for product, percent in (("绳编腰带（双色）", "2.00"), ("流苏挂件", "3.00")):
        MaterialTolerance.objects.get_or_create(
            product=product, defaults={"tolerance_percent": percent}
        )

    now = timezone.now()
    # Claimed batches waiting for materials: a material lot on its way, not yet received.
    for batch in Batch.objects.filter(status=Batch.Status.CLAIMED).order_by("pk")[:3]:
        lot = lot_create(
            actor=operator, batch_id=batch.pk, kind=Lot.Kind.MATERIAL, quantity=batch.quantity
        )
        _scan(operator, lot, "shipped", now - timedelta(hours=20))

    batches = list(
        Batch.objects.filter(status=Batch.Status.IN_PRODUCTION)
        .select_related("order", "workshop__organisation")
        .order_by("pk")
    )
    step = 0
    for batch in batches:
        lead = batch.workshop.lead
        checker = (
            User.objects.filter(
                role=User.Role.CHECKER,
                organisation_id=batch.workshop.organisation.service_center_id,
            )
            .order_by("pk")
            .first()
            or operator
        )
        days_ago = 10 - min(step, 8)
        material = lot_create(
            actor=operator, batch_id=batch.pk, kind=Lot.Kind.MATERIAL, quantity=batch.quantity
        )
        _scan(operator, material, "shipped", now - timedelta(days=days_ago, hours=6))
        if lead is not None:
            _scan(lead, material, "received", now - timedelta(days=days_ago))

        returned = returned_pieces_by_household(batch_id=batch.pk)
        packed = packed_pieces_by_household(batch_id=batch.pk)
        available = {
            hh: n - packed.get(hh, 0) for hh, n in returned.items() if n > packed.get(hh, 0)
        }
        households = sorted(available)
        if not households or lead is None:
            continue
        # Two finished lots: the first half of the households, then the rest.
        groups = [
            households[: max(1, len(households) // 2)],
            households[max(1, len(households) // 2) :],
        ]
        for group in groups:
            if not group:
                continue
            shares = [{"household_id": hh, "quantity": available[hh]} for hh in group]
            lot = lot_create(
                actor=lead,
                batch_id=batch.pk,
                kind=Lot.Kind.FINISHED,
                quantity=sum(s["quantity"] for s in shares),
                shares=shares,
            )
            when = now - timedelta(days=max(days_ago - 3, 0), hours=8)
            _scan(lead, lot, "shipped", when)
            _scan(checker, lot, "received", when + timedelta(hours=5))
            outcome = OUTCOMES[step % len(OUTCOMES)]
            step += 1
            if outcome == "pending":
                continue
            _inspect(checker, lot, group, outcome, rng)
            if outcome in ("accept",):
                _scan(checker, lot, "delivered", when + timedelta(days=1))


def _scan(actor, lot: Lot, action: str, when) -> None:
    scan_ingest(
        actor=actor,
        items=[
            ScanItem(index=0, key=str(uuid.uuid4()), code=lot.code, action=action, device_time=when)
        ],
    )


def _inspect(checker, lot: Lot, households: list[int], outcome: str, rng) -> None:
    def defects(bad: int, kinds: tuple[str, ...], defect_class: str) -> list[DefectIn]:
        rows = []
        for _ in range(bad):
            rows.append(
                DefectIn(
                    kind=rng.choice(kinds),
                    defect_class=defect_class,
                    count=1,
                    household_id=rng.choice(households),
                )
            )
        return rows

    if outcome == "accept":
        found = defects(rng.randint(0, 1), ("loose_thread", "stain"), "minor")
        lot_inspect(actor=checker, code=lot.code, defects=found, note="抽检合格")
        return
    # Rejected: more defects than the plan accepts.
    from .services import lot_plan

    plan = lot_plan(lot=Lot.objects.select_related("batch__order").get(pk=lot.pk))
    bad = min(plan.reject + 1, plan.sample_size)
    first = lot_inspect(
        actor=checker,
        code=lot.code,
        defects=defects(bad, ("loose_knot", "size_mismatch", "colour_difference"), "major"),
        note="结松、尺寸不符较多",
    )
    if outcome == "rework":
        inspection_dispose(
            actor=checker, inspection_id=first.pk, disposition="rework", note="退回返工"
        )
        lot_inspect(actor=checker, code=lot.code, defects=[], note="返工后复检合格")
    else:
        shares = dict(lot.shares.values_list("household_id", "quantity"))
        rejected = {hh: min(shares[hh], rng.randint(1, 6)) for hh in households[:2]}
        inspection_dispose(
            actor=checker,
            inspection_id=first.pk,
            disposition="sort",
            rejected_by_household=rejected,
            note="100% 挑选",
        )
