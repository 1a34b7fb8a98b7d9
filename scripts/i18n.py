"""Keep the catalogues whole: the source strings are Simplified Chinese, every other language is
made from its glossaries.

    .venv/bin/python scripts/i18n.py sync      # makemessages for every language, zh_Hans = source,
                                               # the others from locale/<lang>/*.json, compile;
                                               # lists what is missing, per language
    .venv/bin/python scripts/i18n.py missing   # entries still untranslated, per language

Each translated language keeps one JSON glossary per app, ``locale/<lang>/<app>.json``
({"中文原文": "translation"}), so that people working on different apps never edit the same
file; the .po/.mo catalogues are generated from the sources and those glossaries. A plural
entry's value is either one string (every form alike) or a list of the language's forms
(French: ``["%(n)s lot", "%(n)s lots"]``, singular for 0 and 1). .mo files are committed so
that a machine without GNU gettext still serves every language.

Each catalogue's ``X-Review-Status`` header says whether a speaker of the language has reviewed
it: "unreviewed" for the languages in ``settings.UNREVIEWED_LANGUAGES`` (machine-made; every
page in them carries a notice), "reviewed" otherwise. See docs/i18n.md.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
SOURCE = "zh_Hans"
MANAGE = [sys.executable, str(ROOT / "manage.py")]
IGNORE = ["--ignore=.venv", "--ignore=var", "--ignore=tests", "--ignore=benchmarks"]
REVIEW_HEADER = "X-Review-Status"
UNREVIEWED = "unreviewed (machine translation, not yet read by a speaker; docs/i18n.md)"
REVIEWED = "reviewed"


def django_settings():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings

    return settings


def locales() -> list[str]:
    """Every language of settings.LANGUAGES as a locale directory name (zh_Hans, en, fr)."""
    from django.utils.translation import to_locale

    return [to_locale(code) for code, _name in django_settings().LANGUAGES]


def targets() -> list[str]:
    """The languages translated from glossaries: every one but the source."""
    return [lang for lang in locales() if lang != SOURCE]


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "django.po"


def compile_all() -> None:
    for lang in locales():
        po = polib.pofile(str(po_path(lang)))
        po.save_as_mofile(str(po_path(lang).with_suffix(".mo")))


def sync() -> None:
    languages = [arg for lang in locales() for arg in ("-l", lang)]
    subprocess.run(
        [*MANAGE, "makemessages", *languages, "--no-obsolete", *IGNORE], check=True, cwd=ROOT
    )
    subprocess.run(
        [*MANAGE, "makemessages", "-d", "djangojs", *languages, "--no-obsolete", *IGNORE],
        check=False,
        cwd=ROOT,
    )
    zh = polib.pofile(str(po_path(SOURCE)))
    for entry in zh:
        if entry.msgid_plural:
            entry.msgstr_plural = {0: entry.msgid_plural}
        else:
            entry.msgstr = entry.msgid
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    zh.save()
    merge_glossaries()


def glossary(lang: str) -> dict[str, str | list[str]]:
    table: dict[str, str | list[str]] = {}
    for path in sorted((LOCALE / lang).glob("*.json")):
        table.update(json.loads(path.read_text(encoding="utf-8")))
    return table


def plural_count(po: polib.POFile) -> int:
    forms = po.metadata.get("Plural-Forms", "nplurals=2;")
    return int(forms.split("nplurals=")[1].split(";")[0])


def merge_glossaries() -> None:
    unreviewed = {lang for lang in django_settings().UNREVIEWED_LANGUAGES}
    for lang in targets():
        table = glossary(lang)
        po = polib.pofile(str(po_path(lang)))
        po.metadata["Language"] = lang
        po.metadata[REVIEW_HEADER] = UNREVIEWED if lang in unreviewed else REVIEWED
        nplurals = plural_count(po)
        for entry in po:
            if entry.msgid not in table:
                continue
            value = table[entry.msgid]
            if entry.msgid_plural:
                forms = value if isinstance(value, list) else [value] * nplurals
                entry.msgstr_plural = dict(enumerate(forms))
            else:
                entry.msgstr = value
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        po.save()
    compile_all()
    missing()


def missing() -> int:
    total = 0
    for lang in targets():
        po = polib.pofile(str(po_path(lang)))
        todo = [e.msgid for e in po if not e.translated() and not e.obsolete]
        for msgid in todo:
            print(f"{lang} untranslated: {msgid}")
        print(f"{lang}: {len(todo)} entries untranslated")
        total += len(todo)
    return total


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "sync"
    if command == "sync":
        sync()
    elif command == "missing":
        sys.exit(1 if missing() else 0)
    else:
        sys.exit(__doc__)
