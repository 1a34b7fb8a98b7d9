"""Keep the catalogues whole: the source strings are Simplified Chinese, English is second.

    .venv/bin/python scripts/i18n.py sync      # makemessages, zh_Hans = source, English from
                                               # locale/en/*.json, compile; lists what is missing
    .venv/bin/python scripts/i18n.py missing   # English entries still untranslated

English translations live in one JSON glossary per app, ``locale/en/<app>.json``
({"中文原文": "English"}), so that people working on different apps never edit the same file;
the .po/.mo catalogues are generated from the sources and those glossaries. .mo files are
committed so that a machine without GNU gettext still serves both languages.
"""

import json
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
EN = LOCALE / "en" / "LC_MESSAGES" / "django.po"
ZH = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
MANAGE = [sys.executable, str(ROOT / "manage.py")]
IGNORE = ["--ignore=.venv", "--ignore=var", "--ignore=tests", "--ignore=benchmarks"]


def compile_all() -> None:
    for po_path in (EN, ZH):
        po = polib.pofile(str(po_path))
        po.save_as_mofile(str(po_path.with_suffix(".mo")))


def sync() -> None:
    subprocess.run(
        [*MANAGE, "makemessages", "-l", "en", "-l", "zh_Hans", "--no-obsolete", *IGNORE],
        check=True,
        cwd=ROOT,
    )
    subprocess.run(
        [
            *MANAGE,
            "makemessages",
            "-d",
            "djangojs",
            "-l",
            "en",
            "-l",
            "zh_Hans",
            "--no-obsolete",
            *IGNORE,
        ],
        check=False,
        cwd=ROOT,
    )
    zh = polib.pofile(str(ZH))
    for entry in zh:
        if entry.msgid_plural:
            entry.msgstr_plural = {0: entry.msgid_plural}
        else:
            entry.msgstr = entry.msgid
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    zh.save()
    merge_glossaries()


def missing() -> int:
    en = polib.pofile(str(EN))
    todo = [e.msgid for e in en if not e.translated()]
    for msgid in todo:
        print(f"untranslated: {msgid}")
    print(f"{len(todo)} English entries untranslated")
    return len(todo)


def merge_glossaries() -> None:
    table: dict[str, str] = {}
    for glossary in sorted((LOCALE / "en").glob("*.json")):
        table.update(json.loads(glossary.read_text(encoding="utf-8")))
    en = polib.pofile(str(EN))
    for entry in en:
        if entry.msgid in table:
            if entry.msgid_plural:
                entry.msgstr_plural = {0: table[entry.msgid], 1: table[entry.msgid]}
            else:
                entry.msgstr = table[entry.msgid]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
    en.save()
    compile_all()
    missing()


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "sync"
    if command == "sync":
        sync()
    elif command == "missing":
        sys.exit(1 if missing() else 0)
    else:
        sys.exit(__doc__)
