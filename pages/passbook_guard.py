"""The passbook's second factor and its lockout, kept server-side in the cache (Redis in
production, shared by every web process).

A household opens its passbook (``/p/<card>/``) with its head's birth year or the last four
digits of the phone on file. Wrong answers are counted per card and per client address:
``PASSBOOK_MAX_FAILS`` (5) wrong answers for one card lock that card's passbook for
``PASSBOOK_LOCK_MINUTES`` (30), even against the right answer; ``PASSBOOK_ADDRESS_MAX_FAILS``
wrong answers from one address across cards (someone spraying guesses over many cards) lock that
address for as long. The household is told when it can try again.

Success keeps a signed cookie (``PASSBOOK_SESSION_MINUTES``), whose path is that card's
passbook only: it opens nothing else, not another card's passbook.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from core.privacy import phone_tail
from core.proxies import client_ip
from workshops.models import Household

COOKIE = "passbook"
SALT = "pages.passbook"


def _max_fails() -> int:
    return settings.PASSBOOK_MAX_FAILS


def _lock_for() -> timedelta:
    return timedelta(minutes=settings.PASSBOOK_LOCK_MINUTES)


def _keys(kind: str, value: str) -> tuple[str, str]:
    return f"passbook:fails:{kind}:{value}", f"passbook:lock:{kind}:{value}"


@dataclass(frozen=True)
class Gate:
    locked_until: datetime | None  # set: nobody may try now, not even with the right answer
    tries_left: int


def _locked_until(kind: str, value: str) -> datetime | None:
    _fails, lock = _keys(kind, value)
    until = cache.get(lock)
    if until is not None and until > timezone.now():
        return until
    return None


def gate(request: HttpRequest, code: str) -> Gate:
    """May this client try a factor for card ``code`` now, and how many tries are left."""
    until = [_locked_until("card", code), _locked_until("address", client_ip(request))]
    locked = max((u for u in until if u is not None), default=None)
    fails = cache.get(_keys("card", code)[0], 0)
    return Gate(locked_until=locked, tries_left=max(_max_fails() - fails, 0))


def _count_failure(kind: str, value: str, limit: int) -> None:
    fails, lock = _keys(kind, value)
    seconds = int(_lock_for().total_seconds())
    cache.add(fails, 0, seconds)
    count = cache.incr(fails)
    if count >= limit:
        cache.set(lock, timezone.now() + _lock_for(), seconds)
        cache.delete(fails)


def factor_matches(household: Household, answer: str) -> bool:
    """The birth year or the phone's last four digits (either, when both are on file)."""
    answer = "".join(ch for ch in (answer or "") if ch.isdigit())
    if len(answer) != 4:
        return False
    expected = set()
    if household.birth_year:
        expected.add(f"{household.birth_year:04d}")
    tail = phone_tail(household.phone or "")
    if len(tail) == 4 and tail.isdigit():
        expected.add(tail)
    return answer in expected


def has_factor(household: Household) -> bool:
    tail = phone_tail(household.phone or "")
    return bool(household.birth_year) or (len(tail) == 4 and tail.isdigit())


def check_factor(
    request: HttpRequest, household: Household, code: str, answer: str
) -> tuple[bool, Gate]:
    """Try ``answer``: (matched, the gate after it). While locked the answer is not even
    looked at; a match starts the card's count again."""
    current = gate(request, code)
    if current.locked_until is not None:
        return False, current
    if factor_matches(household, answer):
        cache.delete(_keys("card", code)[0])
        return True, Gate(locked_until=None, tries_left=_max_fails())
    _count_failure("card", code, _max_fails())
    _count_failure("address", client_ip(request), settings.PASSBOOK_ADDRESS_MAX_FAILS)
    return False, gate(request, code)


def open_session(response: HttpResponse, code: str) -> None:
    response.set_signed_cookie(
        COOKIE,
        code,
        salt=SALT,
        max_age=settings.PASSBOOK_SESSION_MINUTES * 60,
        path=f"/p/{code}/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def session_is_open(request: HttpRequest, code: str) -> bool:
    try:
        value = request.get_signed_cookie(
            COOKIE, salt=SALT, max_age=settings.PASSBOOK_SESSION_MINUTES * 60
        )
    except (KeyError, signing.BadSignature):
        return False
    return value == code


def close_session(response: HttpResponse, code: str) -> None:
    response.delete_cookie(COOKIE, path=f"/p/{code}/")
