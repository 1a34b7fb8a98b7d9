"""The page shell's languages: the switch's choices and the notice on unreviewed translations.

A catalogue made by machine is shown to people only with a notice that says so and how to
report a mistake (issue 14: "ship no machine-made translation to people as if it were
reviewed"). Which languages are unreviewed is ``settings.UNREVIEWED_LANGUAGES``; each such
catalogue's .po says the same in its ``X-Review-Status`` header (tests/config/test_catalogues.py
keeps the two in step).
"""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language, to_language

# The switch's buttons are short so that one per other language fits a 360 px header; each
# carries the language's full name in itself as its accessible name.
SHORT_NAMES = {"zh-hans": "中文"}


@dataclass(frozen=True)
class SwitchLanguage:
    code: str  # Django's code, what the switch posts
    name: str  # the language's name in itself
    short: str  # the button's text
    tag: str  # BCP 47 tag for the lang attribute


def language_review(request: HttpRequest) -> dict[str, object]:
    """Context processor: ``other_languages`` for the switch, and ``translation_unreviewed``
    with ``translation_feedback_email`` for the notice."""
    current = get_language() or settings.LANGUAGE_CODE
    return {
        "other_languages": [
            SwitchLanguage(
                code=code,
                name=str(name),
                short=SHORT_NAMES.get(code, code.upper()),
                tag=to_language(code).replace("zh-hans", "zh-Hans"),
            )
            for code, name in settings.LANGUAGES
            if code != current
        ],
        "translation_unreviewed": current in settings.UNREVIEWED_LANGUAGES,
        "translation_feedback_email": settings.TRANSLATION_FEEDBACK_EMAIL,
    }
