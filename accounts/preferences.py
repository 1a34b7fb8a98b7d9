"""Writes for a person's language and time zone (their notices and the times their pages show).

Blank means the site's (settings.LANGUAGE_CODE / settings.TIME_ZONE). A person who sets their own
(``user_locale_set``) keeps it; otherwise it follows what an operator gives their workshop
(``user_locale_follow``, called by workshops.services when a workshop's language or time zone
changes or a lead is assigned), since this app cannot look the workshop up itself.
"""

from django.db import transaction

from core.locales import check_language, check_time_zone

from .models import User


@transaction.atomic
def user_locale_set(*, user: User, language: str, time_zone: str) -> User:
    """``user`` chooses their own language and time zone (blank: the site's); from now on an
    operator's change to their workshop's leaves them alone."""
    values = {
        "language": check_language(language, blank=True),
        "time_zone": check_time_zone(time_zone, blank=True),
    }
    User.objects.filter(pk=user.pk).update(locale_own=True, **values)
    user.refresh_from_db(fields=["language", "time_zone", "locale_own"])
    return user


@transaction.atomic
def user_locale_follow(*, user_id: int, language: str, time_zone: str) -> bool:
    """Give the person their workshop's language and time zone, unless they chose their own.

    A conditional update: returns whether it applied."""
    return bool(
        User.objects.filter(pk=user_id, locale_own=False).update(
            language=check_language(language, blank=True),
            time_zone=check_time_zone(time_zone, blank=True),
        )
    )
