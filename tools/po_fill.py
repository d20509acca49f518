"""Fill the Chinese catalogue from a dict file and report what is still untranslated.

Usage: python tools/po_fill.py TRANSLATIONS.py   (a file defining ZH = {msgid: msgstr} and PLURAL = {...})
Then: python manage.py compilemessages
"""
import runpy
import sys

import polib

PO = "locale/zh_Hans/LC_MESSAGES/django.po"

table = runpy.run_path(sys.argv[1]) if len(sys.argv) > 1 else {}
zh, plural = table.get("ZH", {}), table.get("PLURAL", {})
po = polib.pofile(PO)
missing = []
for entry in po:
    if entry.obsolete:
        continue
    if entry.msgid_plural:
        if entry.msgid in plural:
            entry.msgstr_plural = {0: plural[entry.msgid]}
    elif entry.msgid in zh:
        entry.msgstr = zh[entry.msgid]
    if "fuzzy" in entry.flags and (entry.msgid in zh or entry.msgid in plural):
        entry.flags.remove("fuzzy")
    if not (entry.msgstr or entry.msgstr_plural.get(0)) or "fuzzy" in entry.flags:
        missing.append(entry.msgid)
po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
po.metadata["Language"] = "zh_Hans"
po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
po.save()
print("\n".join(f"untranslated: {m!r}" for m in missing) or "all translated")
