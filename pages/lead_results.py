"""A graduate lead's workshop results since they took it over, for trainees' lead record.

Households in work and batches back on time come from orders, first-pass yield from quality:
both sit above trainees, so the composition lives here and ``pages.apps`` registers
``workshop_results_since`` with ``trainees.selectors.lead_results_register`` at start-up.
The API (GET /trainees/{id}/record) and its schema stay trainees'.
"""

from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Min
from django.utils import timezone

from orders.models import Batch, BatchEvent, Ticket
from quality.selectors import first_pass_yield_by_workshop


def _ratio(part: int, whole: int) -> Decimal | None:
    """A share between 0 and 1 to four places (as quality reports yields); None of nothing."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def workshop_results_since(workshop_id: int, since: date) -> dict[str, Any]:
    """What the workshop did from ``since``: households in work, batches back on time, yield."""
    since_at = timezone.make_aware(datetime.combine(since, time.min))
    households = (
        Ticket.objects.filter(batch__workshop_id=workshop_id, issued_at__gte=since_at)
        .values("household_id")
        .distinct()
        .count()
    )
    first_returns = (
        BatchEvent.objects.filter(
            batch__workshop_id=workshop_id,
            to_status=Batch.Status.RETURNED,
            at__gte=since_at,
        )
        .values("batch_id", "batch__order__deadline")
        .annotate(first_returned=Min("at"))
    )
    fpy, fpy_period = _first_pass_yield(workshop_id)
    returned = on_time = 0
    for row in first_returns:
        returned += 1
        if timezone.localtime(row["first_returned"]).date() <= row["batch__order__deadline"]:
            on_time += 1
    return {
        "since": since,
        "households_in_work": households,
        "batches_returned": returned,
        "batches_on_time": on_time,
        "on_time_rate": _ratio(on_time, returned),
        "first_pass_yield": fpy,
        "first_pass_yield_period": fpy_period,
    }


def _first_pass_yield(workshop_id: int) -> tuple[Decimal | None, str | None]:
    """First-pass yield (0..1) from quality, and over which period it was taken.

    Quality's selector gives the workshop's whole record ("all_time"); once it takes a
    ``since``, pass the lead's first day here and say "since_lead". (None, None) when there
    is no inspection yet.
    """
    value = first_pass_yield_by_workshop([workshop_id]).get(workshop_id)
    if value is None:
        return None, None
    return Decimal(value), "all_time"
