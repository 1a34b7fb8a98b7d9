"""Every string a person reads is translatable; both catalogues are complete and compiled."""

import gettext
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def catalogue(lang: str) -> tuple[polib.POFile, gettext.GNUTranslations]:
    po = polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / "django.po"))
    with open(LOCALE / lang / "LC_MESSAGES" / "django.mo", "rb") as mo_file:
        return po, gettext.GNUTranslations(mo_file)


def test_english_catalogue_is_complete_and_compiled():
    po, mo = catalogue("en")
    untranslated = [entry.msgid for entry in po if not entry.translated() and not entry.obsolete]
    assert untranslated == []
    for entry in po:
        if not entry.msgid_plural and not entry.obsolete:
            assert mo.gettext(entry.msgid) == entry.msgstr, entry.msgid


def test_chinese_catalogue_covers_the_same_strings():
    en, _ = catalogue("en")
    zh, mo = catalogue("zh_Hans")
    assert {e.msgid for e in zh} == {e.msgid for e in en}
    for entry in zh:
        if not entry.msgid_plural and not entry.obsolete:
            assert mo.gettext(entry.msgid) == entry.msgid
