"""Languages and time zones that a workshop, a household or a person may be given.

A language is one of ``settings.LANGUAGES`` (read at call time, so a test may add one with
``override_settings``); a time zone is an IANA name that ``zoneinfo`` knows (``Asia/Tashkent``,
``Africa/Dakar``). Services check values with ``check_language`` / ``check_time_zone``, which
raise ``UnknownLanguage`` / ``UnknownTimeZone`` (400) so that bad input changes nothing.
"""

from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .errors import BadRequest


class UnknownLanguage(BadRequest):
    code = "unknown_language"
    message = _("不支持这种语言。")


class UnknownTimeZone(BadRequest):
    code = "unknown_time_zone"
    message = _("时区不存在（请用 IANA 名称，例如 Asia/Shanghai）。")


def default_language() -> str:
    return settings.LANGUAGE_CODE


def default_time_zone() -> str:
    return settings.TIME_ZONE


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


@lru_cache(maxsize=1)
def time_zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def check_language(code: str, *, blank: bool = False) -> str:
    """``code`` if it is one of the site's languages ("" too when ``blank``), else a 400."""
    code = (code or "").strip()
    if (blank and not code) or code in language_codes():
        return code
    raise UnknownLanguage(detail={"language": code, "allowed": language_codes()})


def check_time_zone(name: str, *, blank: bool = False) -> str:
    """``name`` if it is an IANA time zone ("" too when ``blank``), else a 400."""
    name = (name or "").strip()
    if (blank and not name) or name in time_zone_names():
        return name
    raise UnknownTimeZone(detail={"time_zone": name})


def zone(name: str) -> ZoneInfo:
    """The ``ZoneInfo`` of ``name``, or of the site's time zone when it is blank or unknown."""
    return ZoneInfo(name if name in time_zone_names() else settings.TIME_ZONE)
