"""Schemas of smart allocation runs; reasons are stored as codes and worded at read time."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Schema

from core.schemas import InSchema
from orders.schemas import money


class AllocationRunIn(InSchema):
    apply: bool = Field(
        False, description="claim the proposed batches for their workshops right away"
    )
    batch_ids: list[int] | None = Field(
        None, max_length=20000, description="only these open batches (default: all open)"
    )
    background: bool | None = Field(
        None, description="run on the worker; default: when there are more than 300 batches"
    )


class AllocationApplyIn(InSchema):
    exclude_ids: list[int] | None = Field(
        None,
        max_length=20000,
        description="proposal ids to leave out (not assign); recorded as excluded, with reason",
    )
    keep_ids: list[int] | None = Field(
        None,
        max_length=20000,
        description="instead: the proposal ids to apply; every other proposed one is left out",
    )
    reason: str = Field("", max_length=200, description="why the left-out ones are left out")


class ProposalExcludeIn(InSchema):
    reason: str = Field("", max_length=200, description="why this batch is not assigned")


def reason_message(reason: dict[str, Any]) -> str:
    """The sentence a person reads for one stored reason, in the request's language."""
    code = reason.get("code")
    if code == "distance":
        return _("距服务中心 %(km)s 公里") % {"km": reason["km"]}
    if code == "first_pass_yield":
        return _("一次合格率 %(percent)s%%") % {"percent": round(reason["value"] * 100, 1)}
    if code == "first_pass_yield_unknown":
        return _("尚无质检记录，按平均一次合格率 %(percent)s%% 计") % {
            "percent": round(reason["value"] * 100, 1)
        }
    if code == "deadline":
        return _("距交期 %(days_left)s 天，连同手头任务约需 %(days_needed)s 天") % reason
    if code == "households":
        return _("%(households)s 户农户，本次后每户约 %(pieces)s 件") % {
            "households": reason["households"],
            "pieces": reason["pieces_per_household"],
        }
    if code == "no_eligible_workshop":
        return _("没有技能、区域和交期前产能都符合的工坊")
    if code == "capacity_taken":
        return _("%(count)s 个符合条件的工坊，产能已分给更合适的批次") % reason
    return str(code)


def skip_message(code: str) -> str:
    """Why a proposal was not applied: the codes of a lead's refused claim, or the batch gone."""
    messages = {
        "batch_taken": _("批次已被其他工坊认领"),
        "batch_not_open": _("批次已不是待认领状态（如订单已取消）"),
        "workshop_suspended": _("工坊已暂停"),
        "skill_missing": _("工坊已不具备订单所需的技能"),
        "batch_other_region": _("工坊已不属于订单指定的服务中心"),
        "batch_deadline_passed": _("交货日期已到"),
        "workshop_no_capacity": _("工坊交期前的产能已不足"),
        # Runs applied before the claim rule was shared spelled capacity so.
        "no_capacity": _("工坊交期前的产能已不足"),
    }
    return messages.get(code, code)


class ReasonOut(Schema):
    code: str
    message: str
    cost: str | None = Field(None, description="this reason's part of the score (yuan)")
    detail: dict[str, Any]


class ProposalOut(Schema):
    id: int = Field(..., description="the proposal's id (to leave it out or keep it)")
    batch_id: int
    order_id: int
    product_name: str
    batch_number: int
    quantity: int
    deadline: str
    fee_per_piece: str
    workshop_id: int | None
    workshop_name: str | None
    region_id: int | None = Field(None, description="the workshop's service center")
    region_name: str | None
    status: str
    status_label: str
    score: str = Field(..., description="the cost of this assignment (yuan-equivalent)")
    cost_per_piece: str
    reasons: list[ReasonOut]
    skip_reason: str
    skip_message: str
    excluded_by_id: int | None = Field(None, description="who left it out (status excluded)")
    excluded_at: datetime | None
    exclude_reason: str

    @staticmethod
    def from_proposal(proposal) -> "ProposalOut":
        batch = proposal.batch
        center = proposal.workshop.organisation.service_center if proposal.workshop_id else None
        return ProposalOut(
            id=proposal.pk,
            batch_id=batch.pk,
            order_id=batch.order_id,
            product_name=batch.order.product_name,
            batch_number=batch.number,
            quantity=batch.quantity,
            deadline=batch.order.deadline.isoformat(),
            fee_per_piece=money(batch.order.fee_per_piece),
            workshop_id=proposal.workshop_id,
            workshop_name=proposal.workshop.name if proposal.workshop_id else None,
            region_id=center.pk if center else None,
            region_name=center.name if center else None,
            status=proposal.status,
            status_label=str(proposal.get_status_display()),
            score=f"{proposal.score:.2f}",
            cost_per_piece=f"{proposal.cost_per_piece:.4f}",
            reasons=[
                ReasonOut(
                    code=reason.get("code", ""),
                    message=reason_message(reason),
                    cost=reason.get("cost"),
                    detail={k: v for k, v in reason.items() if k not in ("code", "cost")},
                )
                for reason in proposal.reasons
            ],
            skip_reason=proposal.skip_reason,
            skip_message=skip_message(proposal.skip_reason) if proposal.skip_reason else "",
            excluded_by_id=proposal.excluded_by_id,
            excluded_at=proposal.excluded_at,
            exclude_reason=proposal.exclude_reason,
        )


class AllocationRunOut(Schema):
    id: int
    status: str
    status_label: str
    apply: bool
    task_id: int | None = Field(None, description="GET /tasks/{task_id} for progress")
    batches_considered: int
    assigned: int
    unassigned: int
    applied: int
    skipped: int
    excluded: int = Field(..., description="proposals left out by the operator")
    applied_by_id: int | None = Field(None, description="the operator who confirmed the run")
    total_cost: str | None
    lower_bound: str | None = Field(None, description="proven: no assignment costs less")
    stats: dict[str, Any]
    message: str
    created_at: datetime
    finished_at: datetime | None
    proposals: list[ProposalOut]
    proposals_total: int

    @staticmethod
    def build(run, proposals: list, total: int) -> "AllocationRunOut":
        def money(value: Decimal | None) -> str | None:
            return None if value is None else f"{value:.2f}"

        return AllocationRunOut(
            id=run.pk,
            status=run.status,
            status_label=str(run.get_status_display()),
            apply=run.apply,
            task_id=run.job_id,
            batches_considered=run.batches_considered,
            assigned=run.assigned,
            unassigned=run.unassigned,
            applied=run.applied,
            skipped=run.skipped,
            excluded=run.excluded,
            applied_by_id=run.applied_by_id,
            total_cost=money(run.total_cost),
            lower_bound=money(run.lower_bound),
            stats={k: v for k, v in run.stats.items() if k != "batch_ids"},
            message=run.message,
            created_at=run.created_at,
            finished_at=run.finished_at,
            proposals=[ProposalOut.from_proposal(p) for p in proposals],
            proposals_total=total,
        )
