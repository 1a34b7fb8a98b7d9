"""Helpers the workshop services share: the role shorthand, the locked workshop an operator or
its own lead may change, and a field value made plain for an event's before and after.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from accounts.models import User
from accounts.permissions import is_operator
from core.errors import NotFound

from ..models import Household, RetiredCard, Workshop, new_card_code

Role = User.Role


def _workshop_for_update(*, actor: User, workshop_id: int) -> Workshop:
    """The workshop, locked, if ``actor`` is an operator or its own lead; else a 404."""
    workshop = Workshop.objects.select_for_update().filter(pk=workshop_id).first()
    if workshop is None or not (
        is_operator(actor) or workshop.organisation_id == actor.organisation_id
    ):
        raise NotFound(code="workshop_not_found")
    return workshop


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal | date) else value


def _retire_card(*, household: Household, actor: User, reason: str, at: datetime) -> str:
    """Retire the household's card (a ``RetiredCard`` row: the code is dead at once and never
    issued again) and give it a new code; the household row is locked by the caller. Returns
    the old code."""
    old_code = household.card_code
    RetiredCard.objects.create(
        household=household,
        code=old_code,
        issued_at=household.card_issued_at,
        retired_at=at,
        retired_by=actor,
        reason=reason[:200],
    )
    household.card_code = new_card_code()
    household.card_issued_at = at
    Household.objects.filter(pk=household.pk).update(
        card_code=household.card_code, card_issued_at=at
    )
    return old_code
