"""Reads of households' payments: a household's own (its passbook), and what waits for an
operator (payments nobody confirmed after ``PAYMENT_CONFIRM_DAYS``, open disputes), scoped to
the viewer (an operator sees all; a lead its own workshop's)."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.permissions import scope
from workshops.models import Household

from ..models import HouseholdPayment, PaymentAnswer

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
        HouseholdPayment.objects.select_related(
            "household", "workshop__organisation", "period", "answer"
        ),
        viewer=viewer,
        workshop="workshop__organisation",
    )


def payment_unconfirmed_list(*, viewer: User, days: int | None = None) -> QuerySet:
    """Payments still unconfirmed ``days`` (default the setting) after they were paid."""
    cutoff = timezone.now() - timedelta(days=confirm_days() if days is None else days)
    return (
        _scoped(viewer)
        .filter(status=Status.UNCONFIRMED, paid_at__lte=cutoff)
        .order_by("paid_at", "pk")
    )


def payment_dispute_list(*, viewer: User, open_only: bool = True) -> QuerySet:
    statuses = [Status.DISPUTED] if open_only else [Status.DISPUTED, Status.RESOLVED]
    return _scoped(viewer).filter(status__in=statuses).order_by("-answer__answered_at", "-pk")


def payment_attention_count(*, viewer: User) -> int:
    """What the operator's dashboard shows (one query): overdue unconfirmed payments plus open
    disputes."""
    cutoff = timezone.now() - timedelta(days=confirm_days())
    return (
        _scoped(viewer)
        .filter(Q(status=Status.UNCONFIRMED, paid_at__lte=cutoff) | Q(status=Status.DISPUTED))
        .count()
    )


def period_payment_counts(*, period_id: int) -> dict[str, int]:
    """How many of a paid period's households confirmed, disputed, or said nothing yet."""
    counts = dict.fromkeys(Status.values, 0)
    for row in (
        HouseholdPayment.objects.filter(period_id=period_id)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[row["status"]] = row["n"]
    total = sum(counts.values())
    return {**counts, "total": total} if total else {}


def statement_payment(*, token: str) -> HouseholdPayment | None:
    """The payment of the statement behind ``token`` (None until its period is paid)."""
    return HouseholdPayment.objects.filter(statement__token=token).select_related("answer").first()


def payment_slip_by_file(*, name: str) -> PaymentAnswer | None:
    if not name.startswith("payouts/slips/"):
        return None
    return PaymentAnswer.objects.filter(slip=name).select_related("household__workshop").first()


def payment_slip_visible(*, viewer: User, answer: PaymentAnswer) -> bool:
    """A signed slip: operators, and the lead of the household's workshop."""
    households = scope(
        Household.objects.filter(pk=answer.household_id),
        viewer=viewer,
        workshop="workshop__organisation",
    )
    return households.exists()
