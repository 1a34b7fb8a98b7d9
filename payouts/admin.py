"""Payouts in the admin: read-only money, and actions that go through the services."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin, ReadOnlyInline
from core.errors import ApplicationError

from .models import (
    Advance,
    AdvanceRecovery,
    HouseholdPayment,
    ImpactMonth,
    ImpactTotals,
    LedgerEntry,
    OrderPremiumRule,
    PaymentAnswer,
    PayoutAdjustment,
    PayoutClaim,
    PayoutConversion,
    PayoutLine,
    PayoutPeriod,
    PayoutPeriodEvent,
    PayoutPool,
    PayoutPremium,
    PayoutShareConfig,
    PeriodRate,
    Statement,
    StatementLinkEvent,
)
from .services import period_approve, period_compute, share_config_set


@admin.register(PayoutShareConfig)
class PayoutShareConfigAdmin(admin.ModelAdmin):
    list_display = ("workshop", "lead_kind", "lead_value", "center_kind", "center_value")
    list_select_related = ("workshop__organisation",)
    readonly_fields = ("updated_by", "updated_at")
    search_fields = ("workshop__organisation__name",)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting a row would silently give the lead's and center's shares to households.
        return False

    def save_model(self, request, obj, form, change):
        share_config_set(
            actor=request.user,
            workshop_id=obj.workshop_id,
            lead_kind=obj.lead_kind,
            lead_value=obj.lead_value,
            center_kind=obj.center_kind,
            center_value=obj.center_value,
        )


def _run_on_each(modeladmin, request, queryset, service, done_message) -> None:
    for period in queryset:
        try:
            service(period_id=period.pk, actor=request.user)
        except ApplicationError as exc:
            modeladmin.message_user(request, f"{period}: {exc.message}", messages.ERROR)
        else:
            modeladmin.message_user(request, f"{period}: {done_message}", messages.SUCCESS)


@admin.action(description=_("计算所选结算期"))
def compute_periods(modeladmin, request, queryset):
    _run_on_each(modeladmin, request, queryset, period_compute, _("已计算"))


@admin.action(description=_("审核锁定所选结算期"))
def approve_periods(modeladmin, request, queryset):
    _run_on_each(modeladmin, request, queryset, period_approve, _("已审核锁定"))


# No "mark paid" action: marking paid needs the payment reference, which the period's page asks.


class PayoutPeriodEventInline(ReadOnlyInline):
    model = PayoutPeriodEvent
    fields = ("from_status", "to_status", "actor", "note", "at")
    readonly_fields = fields


@admin.register(PayoutPeriod)
class PayoutPeriodAdmin(ReadOnlyAdmin):
    list_display = ("name", "scope", "starts_on", "ends_on", "status", "gross_fen", "pieces")
    list_filter = ("status", "scope")
    search_fields = ("name",)
    actions = [compute_periods, approve_periods]
    inlines = [PayoutPeriodEventInline]


@admin.register(PayoutPool)
class PayoutPoolAdmin(ReadOnlyAdmin):
    list_display = ("period", "workshop", "order", "pieces", "gross_fen", "lead_fen", "center_fen")
    list_filter = ("period",)
    list_select_related = ("period", "workshop__organisation", "order")


@admin.register(PayoutLine)
class PayoutLineAdmin(ReadOnlyAdmin):
    list_display = ("pool", "household", "pieces", "rework_pieces", "gross_fen", "amount_fen")
    list_filter = ("pool__period",)
    list_select_related = ("pool", "household")
    search_fields = ("household__name",)


@admin.register(PayoutClaim)
class PayoutClaimAdmin(ReadOnlyAdmin):
    list_display = ("inspection", "period", "workshop")
    list_filter = ("period",)


@admin.register(PayoutAdjustment)
class PayoutAdjustmentAdmin(ReadOnlyAdmin):
    list_display = ("period", "household", "kind", "amount_fen", "reason", "corrects")
    list_filter = ("kind", "period")
    list_select_related = ("period", "household", "corrects")


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("period", "kind", "amount_fen", "household", "order", "created_at")
    list_filter = ("kind", "period")
    list_select_related = ("period", "household", "order")


class StatementLinkEventInline(admin.TabularInline):
    """Replacements of the statement's link (services only: statement_link_reissue)."""

    model = StatementLinkEvent
    extra = 0
    can_delete = False
    readonly_fields = ("old_token_hint", "reason", "actor", "at")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    inlines = [StatementLinkEventInline]
    list_display = ("period", "household", "total_fen", "created_at")
    list_filter = ("period",)
    list_select_related = ("period", "household")
    exclude = ("token",)


@admin.register(ImpactMonth)
class ImpactMonthAdmin(ReadOnlyAdmin):
    """Kept by payouts.reporting as periods are approved."""

    list_display = ("month", "province", "households", "total_fen")
    list_filter = ("province",)


@admin.register(ImpactTotals)
class ImpactTotalsAdmin(ReadOnlyAdmin):
    list_display = ("pk", "households_earning")


@admin.register(PeriodRate)
class PeriodRateAdmin(ReadOnlyAdmin):
    list_display = ("period", "currency", "rate", "source", "rate_date", "entered_by")
    list_filter = ("currency",)
    list_select_related = ("period", "entered_by")


@admin.register(PayoutConversion)
class PayoutConversionAdmin(ReadOnlyAdmin):
    list_display = ("period", "household", "currency", "net_fen", "amount_minor")
    list_filter = ("currency",)
    list_select_related = ("period", "household")


@admin.register(HouseholdPayment)
class HouseholdPaymentAdmin(ReadOnlyAdmin):
    list_display = ("period", "household", "amount_fen", "method", "reference", "status")
    list_filter = ("status", "method")
    list_select_related = ("period", "household")
    search_fields = ("household__name", "reference")


@admin.register(PaymentAnswer)
class PaymentAnswerAdmin(ReadOnlyAdmin):
    list_display = ("household", "answer", "via", "answered_at", "recorded_by")
    list_filter = ("answer", "via")
    list_select_related = ("household", "recorded_by")


@admin.register(Advance)
class AdvanceAdmin(ReadOnlyAdmin):
    list_display = ("household", "amount_fen", "paid_at", "reason", "recorded_by", "closed_at")
    list_filter = ("closed_at",)
    search_fields = ("household__name", "reason")


@admin.register(AdvanceRecovery)
class AdvanceRecoveryAdmin(ReadOnlyAdmin):
    list_display = ("period", "advance", "household", "amount_fen")


@admin.register(OrderPremiumRule)
class OrderPremiumRuleAdmin(ReadOnlyAdmin):
    list_display = ("order", "first_pass_per_piece", "on_time_per_piece", "updated_by")


@admin.register(PayoutPremium)
class PayoutPremiumAdmin(ReadOnlyAdmin):
    list_display = ("period", "household", "order", "kind", "pieces", "rate", "amount_fen")
    list_filter = ("kind",)
