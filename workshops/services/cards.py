"""Household cards: re-issued when lost, the old code dead at once and never issued again.

- An operator, or the lead of the household's workshop, re-issues a card with a reason; the
  household's current code becomes a ``RetiredCard`` row in the same transaction as the new code
  is written, so no moment exists in which both work or neither is recorded.
- Codes come from ``workshops.models.new_card_code``: not on any household now, nor retired.
- An erased household's card was retired at erasure (``privacy.household_erase``); it gets no
  new card (409 ``household_erased``).
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role, is_operator
from core.errors import BadRequest

from ..models import Household, HouseholdEvent
from ._common import Role, _retire_card
from .households import HouseholdNotFound
from .privacy import HouseholdErased


class CardReasonRequired(BadRequest):
    code = "card_reason_required"
    message = _("补发农户卡必须填写原因（如：丢失、损坏）。")


@transaction.atomic
def household_card_reissue(*, actor: User, household_id: int, reason: str) -> Household:
    ensure_role(actor, Role.OPERATOR, Role.LEAD)
    reason = (reason or "").strip()
    if not reason:
        raise CardReasonRequired()
    household = (
        Household.objects.select_for_update()
        .select_related("workshop__organisation")
        .filter(pk=household_id)
        .first()
    )
    if household is None or not (
        is_operator(actor) or household.workshop.organisation_id == actor.organisation_id
    ):
        raise HouseholdNotFound(detail={"household_id": household_id})
    if household.erased_at is not None:  # its card was retired at erasure; none is issued again
        raise HouseholdErased(detail={"household_id": household_id})
    old_code = _retire_card(household=household, actor=actor, reason=reason, at=timezone.now())
    HouseholdEvent.objects.create(
        household=household,
        kind=HouseholdEvent.Kind.CARD_REISSUED,
        actor=actor,
        reason=reason[:200],
        changes={"card_code": [old_code, household.card_code]},
    )
    return household
