"""Reads of households' payments: a household's own (its passbook), and what waits for an
operator (payments nobody confirmed after ``PAYMENT_CONFIRM_DAYS``, open disputes), scoped to
the viewer (an operator sees all; a lead its own workshop's)."""

from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.permissions import scope

from ..models import HouseholdPayment

Status = HouseholdPayment.Status


def confirm_days() -> int:
    return int(getattr(settings, "PAYMENT_CONFIRM_DAYS", 14))


def household_payment_list(*, household_id: int) -> QuerySet[HouseholdPayment]:
    """A household's payments, newest first (the passbook's session is the permission)."""
    return (
        HouseholdPayment.objects.filter(household_id=household_id)
        .select_related("period", "answer")
        .order_by("-paid_at", "-pk")
    )


def _scoped(viewer: User) -> QuerySet[HouseholdPayment]:
    return scope(
        HouseholdPayment.objects.select_related("household", "workshop", "period", "answer"),
        viewer=viewer,
        workshop="workshop__organisation",
    )


def payment_unconfirmed_list(*, viewer: User, days: int | None = None) -> QuerySet:
    """Payments still unconfirmed ``days`` (default the setting) after they were paid."""
    cutoff = timezone.now() - timedelta(days=confirm_days() if days is None else days)
    return _scoped(viewer).filter(status=Status.UNCONFIRMED, paid_at__lte=cutoff).order_by(
        "paid_at", "pk"
    )


def payment_dispute_list(*, viewer: User, open_only: bool = True) -> QuerySet:
    statuses = [Status.DISPUTED] if open_only else [Status.DISPUTED, Status.RESOLVED]
    return _scoped(viewer).filter(status__in=statuses).order_by("-answer__answered_at", "-pk")


def payment_attention_count(*, viewer: User) -> int:
    """What the operator's dashboard shows: overdue unconfirmed payments plus open disputes."""
    return (
        payment_unconfirmed_list(viewer=viewer).count()
        + payment_dispute_list(viewer=viewer).count()
    )
