"""The quality app's domain errors: each has its own code and a Chinese message."""

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError, BadRequest, Conflict, Forbidden, NotFound
from core.photos import PhotoInvalid, PhotoTooLarge  # noqa: F401  (re-exported)


class LotCodeInvalid(BadRequest):
    code = "lot_code_invalid"
    message = _("货批码格式不对。")


class LotCodeCheckFailed(BadRequest):
    code = "lot_code_check_failed"
    message = _("货批码校验位不符，可能输错了一位，请核对。")


class LotNotFound(NotFound):
    code = "lot_not_found"
    message = _("货批不存在，或不属于您的区域。")


class LotBatchNotReady(Conflict):
    code = "lot_batch_not_ready"
    message = _("该批次当前状态不能打包这种货批。")


class FinishedLotNotMerchants(Forbidden):
    code = "finished_lot_not_merchants"
    message = _("商家只能打包发出的物料；成品包由工坊打包。")


class LotQuantityInvalid(BadRequest):
    code = "lot_quantity_invalid"
    message = _("货批至少要装 1 件。")


class LotSharesMismatch(BadRequest):
    code = "lot_shares_mismatch"
    message = _("各农户件数之和必须等于货批件数。")


class LotSharesNotAllowed(BadRequest):
    code = "lot_shares_not_allowed"
    message = _("原料包不记录农户份额。")


class LotShareAboveReturned(BadRequest):
    code = "lot_share_above_returned"
    message = _("农户份额超过了其已交回、尚未打包的件数。")


class HouseholdNotInBatch(BadRequest):
    code = "household_not_in_batch"
    message = _("该农户不属于此批次的工坊。")


class ScanActionNotForKind(BadRequest):
    code = "scan_action_not_for_kind"
    message = _("这种货批没有这个流转环节。")


class ScanKeyReused(Conflict):
    code = "scan_key_reused"
    message = _("这个扫描键已用于另一条不同的扫描。")


class ScanItemInvalid(ApplicationError):
    """One item of a scan queue that is not a scan the platform can record; the rest go on."""

    status = 422
    code = "validation_error"
    message = _("提交的数据有误，请检查标出的字段。")


class BulkTooLarge(BadRequest):
    status = 413
    code = "bulk_too_large"
    message = _("一次最多上传 1000 条扫描。")


class AqlNotSupported(BadRequest):
    code = "sampling_argument_invalid"
    message = _("抽样参数不在 GB/T 2828.1 表格范围内。")


class LotNotInspectable(Conflict):
    code = "lot_not_inspectable"
    message = _("该货批当前不能检验（不是成品包，或已检验过本轮）。")


class InspectionStopped(Conflict):
    code = "inspection_stopped"
    message = _("该工坊此产品加严检验下累计 5 批拒收，已暂停检验，需运营确认整改后恢复。")


class TooManyDefects(BadRequest):
    code = "too_many_defects"
    message = _("不合格品数超过了样本量。")


class HouseholdNotInLot(BadRequest):
    code = "household_not_in_lot"
    message = _("该农户在此货批中没有份额。")


class InspectionNotFound(NotFound):
    code = "inspection_not_found"
    message = _("检验记录不存在，或不属于您的区域。")


class DispositionRefused(Conflict):
    code = "disposition_refused"
    message = _("只有拒收且尚未处置的检验才能处置。")


class SortCountInvalid(BadRequest):
    code = "sort_count_invalid"
    message = _("挑选出的不合格件数不能超过该农户的份额。")


class SwitchingStateNotFound(NotFound):
    code = "switching_state_not_found"
    message = _("没有该工坊此产品的转移规则记录。")


class SwitchingRefused(Conflict):
    code = "switching_refused"
    message = _("当前转移得分或状态不允许这一步。")


class LabelSheetEmpty(BadRequest):
    code = "label_sheet_empty"
    message = _("请至少选择一个货批。")


class LotNotDeliverable(Conflict):
    code = "lot_not_deliverable"
    message = _("该货批还不能收货：只有检验合格（或挑选后有合格件）的成品包才能收货。")


class LotAlreadyReceived(Conflict):
    code = "lot_already_received"
    message = _("这个货批已经收过货了。")


class DeliveryCountInvalid(BadRequest):
    code = "delivery_count_invalid"
    message = _("实收件数不对：不能是负数，也不能大得离谱。")


class DeliveryReasonRequired(BadRequest):
    code = "delivery_reason_required"
    message = _("实收件数与应收不一致，请写明原因（如运输丢失、多装）。")


class DeliveryKeyReused(Conflict):
    code = "delivery_key_reused"
    message = _("这个收货键已用于另一次不同的收货。")


class LossPiecesInvalid(BadRequest):
    code = "loss_pieces_invalid"
    message = _("损耗件数至少为 1。")


class LossReasonRequired(BadRequest):
    code = "loss_reason_required"
    message = _("请写明损耗原因。")


class LossBatchNotReady(Conflict):
    code = "loss_batch_not_ready"
    message = _("该批次当前状态不能记录损耗（须已开工、尚未完结）。")


class LossHouseholdRequired(Conflict):
    code = "loss_household_required"
    message = _("批次还在生产中：农户手里的损耗请在派工单上记录，已交回的请选择农户。")


class LossAboveUnaccounted(Conflict):
    code = "loss_above_unaccounted"
    message = _("损耗件数超过了尚未交代去向的件数。")


class LossKeyReused(Conflict):
    code = "loss_key_reused"
    message = _("这个键已用于另一条不同的损耗记录。")
