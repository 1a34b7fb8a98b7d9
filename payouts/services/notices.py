"""Telling people about a period: "payout ready" to the leads once it is approved.

Sent (``tasks.payout_ready_notify_task``) from ``transaction.on_commit`` of the one transaction
that moves the period from approving to approved (``approval._approve_finish``): a second run
of the resumable approval finds the period approved and never reaches it. The task delivered
twice (a worker lost half way) skips the (lead, workshop) pairs whose notice is already in the
lead's inbox, so each lead hears once.
"""

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext

from accounts.models import InboxItem, User
from accounts.notifications import notify_user

from ..models import PayoutLine, PayoutPeriod
from ..money import format_yuan


def _ready_text_now(params: dict) -> str:
    return (
        gettext(
            "结算期“%(period)s”已审核：您工坊 %(households)s 户农户共 ¥%(total)s。"
            "请打印农户结算单发给大家。"
        )
        % params
    )


# Rendered when notify_user renders it: in the site's language, not the approver's.
_ready_text = lazy(_ready_text_now, str)


def payout_ready_notify(*, period_id: int) -> int:
    """Tell the lead of every workshop with households paid in the period; returns how many
    leads were told. The lead is the one the pools were computed with (the one paid a share)."""
    period = PayoutPeriod.objects.filter(pk=period_id).first()
    if period is None or period.status not in {
        PayoutPeriod.Status.APPROVED,
        PayoutPeriod.Status.PAID,
    }:
        return 0
    workshops = (
        PayoutLine.objects.filter(pool__period_id=period_id, amount_fen__gt=0)
        .values("pool__workshop_id", "pool__lead_id")
        .annotate(households=Count("household_id", distinct=True), total=Sum("amount_fen"))
        .order_by("pool__lead_id", "pool__workshop_id")
    )
    leads = User.objects.in_bulk(
        {row["pool__lead_id"] for row in workshops if row["pool__lead_id"]}
    )
    slips = reverse("payouts:slips", kwargs={"period_id": period_id})
    told: set[tuple[int, int]] = set()
    already = set(
        InboxItem.objects.filter(kind="payout_ready", data__period_id=period_id).values_list(
            "user_id", "data__workshop_id"
        )
    )
    for row in workshops:
        lead = leads.get(row["pool__lead_id"])
        pair = (lead.pk, row["pool__workshop_id"]) if lead is not None else None
        if pair is None or pair in told or pair in already:
            continue
        told.add(pair)
        notify_user(
            user=lead,
            kind="payout_ready",
            text=_ready_text(
                {
                    "period": period.name,
                    "households": row["households"],
                    "total": format_yuan(row["total"]),
                }
            ),
            data={
                "period_id": period_id,
                "workshop_id": row["pool__workshop_id"],
                "households": row["households"],
                "total": format_yuan(row["total"]),
                "url": f"{slips}?workshop={row['pool__workshop_id']}",
            },
        )
    return len({lead_id for lead_id, _workshop in told})
