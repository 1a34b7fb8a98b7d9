"""Telling the leads: the apply that finishes the run tells each lead whose workshops received
batches, once, after the commit (``transaction.on_commit``): one notice per lead listing its
batches by order (``accounts.notifications.notify_user``, kind ``batch_assigned``).
"""

from collections import defaultdict

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from orders.schemas import money

from ..models import AllocationProposal


def allocation_run_notify_leads(*, run_id: int) -> int:
    """Tell each lead what an applied run gave their workshops: one notice per lead.

    The notice lists the batches by order — product, batch numbers, pieces, fee per piece,
    deadline — in the site's language (leads read Chinese). A workshop without a lead has no
    one to tell. Returns how many leads were told (notify_user keeps the notice for a lead
    without a phone too; only its text message fails).
    """
    from accounts.notifications import notify_user

    applied = (
        AllocationProposal.objects.filter(
            run_id=run_id,
            status=AllocationProposal.Status.APPLIED,
            workshop__lead__isnull=False,
        )
        .select_related("batch__order", "workshop__organisation", "workshop__lead")
        .order_by("workshop__lead_id", "batch__order__deadline", "batch__order_id", "batch__number")
    )
    by_lead: dict[int, list[AllocationProposal]] = defaultdict(list)
    leads: dict[int, User] = {}
    for proposal in applied:
        lead = proposal.workshop.lead
        leads[lead.pk] = lead
        by_lead[lead.pk].append(proposal)
    told = 0
    for lead_id, proposals in by_lead.items():
        with translation.override(settings.LANGUAGE_CODE):
            text = _batch_assigned_text(proposals)
        notify_user(
            user=leads[lead_id],
            kind="batch_assigned",
            text=text,
            data={
                "run_id": run_id,
                "batch_ids": [p.batch_id for p in proposals],
                "batches": [
                    {
                        "batch_id": p.batch_id,
                        "order_id": p.batch.order_id,
                        "product_name": p.batch.order.product_name,
                        "number": p.batch.number,
                        "quantity": p.batch.quantity,
                        "fee_per_piece": money(p.batch.order.fee_per_piece),
                        "deadline": p.batch.order.deadline.isoformat(),
                        "workshop_id": p.workshop_id,
                    }
                    for p in proposals
                ],
            },
            link=reverse("orders:my_batches"),
        )
        told += 1
    return told


def _batch_assigned_text(proposals: list[AllocationProposal]) -> str:
    """「绳编腰带」第 1、2 批，共 600 件，加工费 1.2 元/件，2026-12-30 前交货；…"""
    by_order: dict[int, list[AllocationProposal]] = defaultdict(list)
    for proposal in proposals:
        by_order[proposal.batch.order_id].append(proposal)
    parts = []
    for order_proposals in by_order.values():
        order = order_proposals[0].batch.order
        parts.append(
            str(
                _(
                    "「{product}」第 {numbers} 批，共 {pieces} 件，"
                    "加工费 {fee} 元/件，{deadline} 前交货"
                )
            ).format(
                product=order.product_name,
                numbers="、".join(str(p.batch.number) for p in order_proposals),
                pieces=sum(p.batch.quantity for p in order_proposals),
                fee=f"{order.fee_per_piece.normalize():f}",
                deadline=order.deadline.isoformat(),
            )
        )
    workshops = sorted({p.workshop.name for p in proposals})
    return str(
        _(
            "平台为您的工坊（{workshops}）分配了 {count} 个批次：{batches}。"
            "打开手创「我的批次」查看并准备物料。"
        )
    ).format(
        workshops="、".join(workshops),
        count=len(proposals),
        batches="；".join(parts),
    )
