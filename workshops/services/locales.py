"""A workshop's and a household's language and time zone, set by an operator.

A workshop always has both (one of settings.LANGUAGES, an IANA zone); a household's are blank
to follow its workshop's (``workshops.selectors.household_language`` / ``household_time_zone``).
An unknown language or zone is a 400 (``unknown_language`` / ``unknown_time_zone``) and
changes nothing. Each change is an "edited" event with the before and after. When a workshop's
change lands, its lead's own preference follows (``accounts.preferences.user_locale_follow``)
unless the lead chose their own, so the lead's notices and pages follow the workshop.
"""

from django.db import transaction

from accounts.models import User
from accounts.permissions import ensure_role
from accounts.preferences import user_locale_follow
from core.locales import check_language, check_time_zone

from ..models import Household, Workshop, WorkshopEvent
from ._common import Role, _workshop_for_update
from .households import household_update


def _given(**values: str | None) -> dict[str, str]:
    return {name: value.strip() for name, value in values.items() if value is not None}


@transaction.atomic
def workshop_locale_set(
    *,
    actor: User,
    workshop_id: int,
    language: str | None = None,
    time_zone: str | None = None,
) -> Workshop:
    """An operator sets a workshop's language and/or time zone (None: leave it)."""
    ensure_role(actor, Role.OPERATOR)
    values = _given(language=language, time_zone=time_zone)
    if "language" in values:
        check_language(values["language"])
    if "time_zone" in values:
        check_time_zone(values["time_zone"])
    workshop = _workshop_for_update(actor=actor, workshop_id=workshop_id)
    changes = {
        name: [getattr(workshop, name), value]
        for name, value in values.items()
        if getattr(workshop, name) != value
    }
    if not changes:
        return workshop
    Workshop.objects.filter(pk=workshop.pk).update(**{name: values[name] for name in changes})
    WorkshopEvent.objects.create(
        workshop=workshop, kind=WorkshopEvent.Kind.EDITED, actor=actor, changes=changes
    )
    workshop.refresh_from_db()
    if workshop.lead_id:
        user_locale_follow(
            user_id=workshop.lead_id, language=workshop.language, time_zone=workshop.time_zone
        )
    return workshop


def household_locale_set(
    *,
    actor: User,
    household_id: int,
    language: str | None = None,
    time_zone: str | None = None,
    reason: str = "",
) -> Household:
    """An operator sets a household's language and/or time zone ("": its workshop's); recorded
    like any correction (``household_update``)."""
    return household_update(
        actor=actor,
        household_id=household_id,
        reason=reason,
        **_given(language=language, time_zone=time_zone),
    )
