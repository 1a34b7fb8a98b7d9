"""The refusals of the orders app: each a machine-readable code and a Chinese message."""

from django.utils.translation import gettext_lazy as _

from core.errors import BadRequest, Conflict, Forbidden, NotFound
from core.photos import PhotoInvalid, PhotoTooLarge  # noqa: F401  (re-exported)


class OrderNotFound(NotFound):
    code = "order_not_found"
    message = _("订单不存在，或不属于您。")


class TicketNotFound(NotFound):
    code = "ticket_not_found"
    message = _("派工单不存在，或不属于您。")


class HouseholdNotFound(NotFound):
    code = "household_not_found"
    message = _("农户不存在，或不属于本工坊。")


class ServiceCenterNotFound(BadRequest):
    code = "unknown_service_center"
    message = _("服务中心不存在。")


# --- bad order input -------------------------------------------------------------------


class QuantityNotPositive(BadRequest):
    code = "quantity_not_positive"
    message = _("数量必须是正整数。")


class QuantityTooLarge(BadRequest):
    code = "quantity_too_large"
    message = _("数量过大。")


class BatchSizeNotPositive(BadRequest):
    code = "batch_size_not_positive"
    message = _("每批件数必须是正整数。")


class BatchSizeAboveQuantity(BadRequest):
    code = "batch_size_above_quantity"
    message = _("每批件数不能大于订单数量。")


class TooManyBatches(BadRequest):
    code = "too_many_batches"
    message = _("拆出的批次过多，请加大每批件数。")


class FeeNotPositive(BadRequest):
    code = "fee_not_positive"
    message = _("加工费必须大于零。")


class FeeTooPrecise(BadRequest):
    code = "fee_too_precise"
    message = _("加工费最多保留 4 位小数。")


class FeeTooLarge(BadRequest):
    code = "fee_too_large"
    message = _("加工费过大。")


class StandardMinutesInvalid(BadRequest):
    code = "standard_minutes_invalid"
    message = _("标准工时须大于零，最多 2 位小数。")


class DeadlineInPast(BadRequest):
    code = "deadline_in_past"
    message = _("交货日期必须晚于今天。")


class AqlNotStandard(BadRequest):
    code = "aql_not_standard"
    message = _("AQL 必须是 GB/T 2828.1 的优先值（如 1.0、1.5、2.5、4.0）。")


class PendingPhotoGone(BadRequest):
    code = "pending_photo_gone"
    message = _("先前选的照片已失效，请重新选择。")


class TooManyPhotos(BadRequest):
    code = "too_many_photos"
    message = _("每个订单最多上传 12 张样品照片。")


# --- order state -----------------------------------------------------------------------


class OrderNotDraft(Conflict):
    code = "order_not_draft"
    message = _("只有草稿状态的订单可以这样操作。")


class OrderNotCancellable(Conflict):
    code = "order_not_cancellable"
    message = _("该订单已取消或已完成。")


class OrderNotPublished(Conflict):
    code = "order_not_published"
    message = _("订单不在发布中（草稿、已取消或已完成），没有可取消的批次。")


class BatchesNotChosen(BadRequest):
    code = "batches_not_chosen"
    message = _("请选择要取消的批次。")


class BatchNotCancellable(Conflict):
    code = "batch_not_cancellable"
    message = _(
        "只能取消还没有工坊认领的批次：已认领的批次工坊可能已在备料，这次没有取消任何批次。"
    )


class NoOpenBatches(Conflict):
    code = "no_open_batches"
    message = _("这个订单没有待认领的批次可以取消。")


class FairPayBelowMinimum(Conflict):
    code = "fair_pay_below_minimum"
    message = _("折合时薪低于当地最低小时工资：请提高加工费，或确认后再发布。")


# --- claims ----------------------------------------------------------------------------


class BatchAlreadyClaimed(Conflict):
    code = "batch_already_claimed"
    message = _("该批次已被其他工坊认领。")


class BatchNotOpen(Conflict):
    code = "batch_not_open"
    message = _("该批次当前不可认领。")


class NoWorkshop(Forbidden):
    code = "no_workshop"
    message = _("您的账号没有关联工坊。")


class WorkshopSuspended(Forbidden):
    code = "workshop_suspended"
    message = _("工坊已暂停，不能认领批次。")


class SkillMissing(Forbidden):
    code = "skill_missing"
    message = _("工坊缺少该订单所需的技能。")


class BatchOtherRegion(Forbidden):
    code = "batch_other_region"
    message = _("该批次只发往其他服务中心的工坊。")


class BatchDeadlinePassed(Conflict):
    code = "batch_deadline_passed"
    message = _("该批次的交货日期已到，不能再认领。")


class WorkshopNoCapacity(Conflict):
    code = "workshop_no_capacity"
    message = _("工坊在交货日期前的剩余产能不足以完成该批次。")


class BatchNotHeld(Conflict):
    code = "batch_not_held"
    message = _("该批次不在认领状态，不能退回。")


# --- production and tickets -------------------------------------------------------------


class BatchNotInProduction(Conflict):
    code = "batch_not_in_production"
    message = _("批次不在生产中。")


class TicketAboveRemaining(Conflict):
    code = "ticket_above_remaining"
    message = _("发放件数超过了批次剩余的件数。")


class ReturnAboveIssued(Conflict):
    code = "return_above_issued"
    message = _("交回与损耗合计不能超过发放件数。")


class ReturnEmpty(BadRequest):
    code = "return_empty"
    message = _("交回件数与损耗件数不能都为零，也不能为负。")


class LossReasonRequired(BadRequest):
    code = "loss_reason_required"
    message = _("有损耗时必须填写原因。")


class TicketsOutstanding(Conflict):
    code = "tickets_outstanding"
    message = _("还有农户未交回发放的件数，不能标记为已交回。")


class NothingReturned(Conflict):
    code = "nothing_returned"
    message = _("该批次还没有交回任何成品。")


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    message = _("同一个幂等键已用于不同的请求。")


class ProvinceUnknown(BadRequest):
    code = "province_required"
    message = _("请填写省份。")


# --- corrections of a return (a new entry, never an edit) ------------------------------


class CorrectionEmpty(BadRequest):
    code = "correction_empty"
    message = _("更正件数不能为零：少记了填正数（如 +5），多记了填负数（如 −5）。")


class CorrectionReasonRequired(BadRequest):
    code = "correction_reason_required"
    message = _("更正必须写明原因。")


class CorrectionBelowZero(Conflict):
    code = "correction_below_zero"
    message = _("更正后交回件数会小于零。")


class CorrectionAboveIssued(Conflict):
    code = "correction_above_issued"
    message = _("更正后交回与损耗合计会超过发放件数。")


class CorrectionBelowPacked(Conflict):
    code = "correction_below_packed"
    message = _("这户交回的件数已打包进货批，更正后会少于已打包的件数。")


class CardNoOpenTicket(Conflict):
    code = "card_no_open_ticket"
    message = _("这户在这个批次没有未交回的活：请核对是不是这张卡、这个批次。")


class CardWorkBulkTooLarge(BadRequest):
    status = 413
    code = "bulk_too_large"
    message = _("一次最多上传 200 条按卡记录。")


class CardWorkItemInvalid(BadRequest):
    """One item of the card-work queue that is not a record the platform can take."""

    status = 422
    code = "validation_error"
    message = _("提交的数据有误，请检查标出的字段。")
