"""Helpers the workshop services share: the role shorthand, the locked workshop an operator or
its own lead may change, and a field value made plain for an event's before and after.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from accounts.models import User
from accounts.permissions import is_operator
from core.errors import NotFound

from ..models import Workshop

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
