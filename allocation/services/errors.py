"""The domain errors of allocation's writes (each a 4xx with a code and a message)."""

from django.utils.translation import gettext_lazy as _

from core.errors import BadRequest, Conflict, NotFound


class AllocationBatchesNotOpen(BadRequest):
    code = "allocation_batches_not_open"
    message = _("所选批次中有不存在或不是待认领状态的批次。")


class AllocationNothingToDo(BadRequest):
    code = "allocation_no_open_batches"
    message = _("没有待认领的批次可供匹配。")


class AllocationRunNotProposed(Conflict):
    code = "allocation_run_not_proposed"
    message = _("只有已提出、尚未执行的方案可以执行。")


class AllocationRunApplying(Conflict):
    code = "allocation_run_applying"
    message = _("这个方案正在执行中，请稍后刷新查看结果。")


class AllocationProposalNotFound(NotFound):
    code = "allocation_proposal_not_found"
    message = _("这次匹配里没有这个批次的方案。")


class AllocationProposalsNotInRun(BadRequest):
    code = "allocation_proposals_not_in_run"
    message = _("所选方案中有不属于这次匹配的。")


class AllocationProposalsNotReviewable(BadRequest):
    code = "allocation_proposals_not_reviewable"
    message = _("只有已为批次找到工坊、尚未执行的方案可以不分配或保留。")


class AllocationKeepAndExclude(BadRequest):
    code = "allocation_keep_and_exclude"
    message = _("请只给出要保留的方案，或只给出不分配的方案，不要同时给出。")
