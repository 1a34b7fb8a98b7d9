"""Reads for SMS: who a number is (households on file, a lead), and the message log for
operators. Numbers are matched by their digits (``phones.normalise``); the last four digits
narrow the search in the database, the rest is compared here."""

from django.db.models import QuerySet

from accounts.models import User
from accounts.permissions import ensure_role
from workshops.models import Household

from .models import SmsMessage
from .phones import same_number


def households_by_number(*, number: str) -> list[Household]:
    """The active households whose phone on file is ``number`` (one phone, several households
    is common: a family's, a neighbour's)."""
    if len(number) < 7:
        return []
    candidates = (
        Household.objects.filter(is_active=True, phone__endswith=number[-4:])
        .select_related("workshop")
        .order_by("pk")
    )
    return [h for h in candidates if same_number(h.phone, number)]


def leads_by_number(*, number: str) -> list[User]:
    if len(number) < 7:
        return []
    candidates = User.objects.filter(
        role=User.Role.LEAD, is_active=True, phone__endswith=number[-4:]
    ).order_by("pk")
    return [u for u in candidates if same_number(u.phone, number)]


def inbound_seen(*, gateway_id: str) -> bool:
    return SmsMessage.objects.filter(
        direction=SmsMessage.Direction.IN, gateway_id=gateway_id
    ).exists()


def message_list(
    *, viewer: User, direction: str = "", status: str = "", number_key: str = ""
) -> QuerySet[SmsMessage]:
    """The log, newest first: operators only (it spans every workshop)."""
    ensure_role(viewer, User.Role.OPERATOR)
    messages = SmsMessage.objects.select_related("household__workshop__organisation", "user")
    if direction:
        messages = messages.filter(direction=direction)
    if status:
        messages = messages.filter(status=status)
    if number_key:
        messages = messages.filter(number_key=number_key)
    return messages.order_by("-created_at", "-pk")
