"""Where each role goes every day: the bottom navigation's table (registered in core.nav)."""

from django.utils.translation import gettext_lazy as _

from accounts.models import User

Role = User.Role

NAV: dict[str, list[tuple[str, object]]] = {
    Role.LEAD: [
        ("orders:open_batches", _("接单")),
        ("orders:my_batches", _("我的批次")),
        ("quality:scan", _("扫码")),
        ("workshops:my_households", _("农户")),
        ("workshops:cards", _("农户卡")),
        ("payouts:payment_confirm", _("收款")),
    ],
    Role.CHECKER: [
        ("quality:scan", _("扫码")),
        ("quality:lot_list", _("待检货批")),
    ],
    Role.TRAINER: [
        ("trainees:cohorts", _("我的班级")),
        ("trainees:log", _("记录进度")),
    ],
    Role.MERCHANT: [
        ("orders:order_list", _("我的订单")),
        ("orders:order_new", _("发布订单")),
        ("quality:receive", _("收货")),
        ("payouts:merchant_periods", _("对账单")),
    ],
    Role.OPERATOR: [
        ("pages:impact", _("成效")),
        ("allocation:runs", _("分配")),
        ("payouts:period_list", _("结算")),
        ("workshops:region", _("地区")),
    ],
}
