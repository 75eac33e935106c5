"""Add German translations to a package's catalogue and compile it, under a file lock (parallel sessions).

    .venv/bin/python .ci/translate.py core translations.json     # {"English msgid": "deutsche Übersetzung", …}
    .venv/bin/python .ci/translate.py core --missing              # print the package's untranslated msgids

A plural entry is given as {"singular": ["deutsch Singular", "deutsch Plural"]} with the English plural in
"plural" of the list's third item: {"%(n)s event": ["%(n)s Ereignis", "%(n)s Ereignisse", "%(n)s events"]}.
An entry of pgettext (a word that means different things) is keyed "context\u0004msgid".
"""
import fcntl
import json
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent


def main(package: str, source: str) -> None:
    po_path = ROOT / package / "translations" / "de" / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():  # tenants' strings live in core's catalogue
        po_path = ROOT / "core" / "translations" / "de" / "LC_MESSAGES" / "messages.po"
    if source == "--missing":
        from babel.messages.extract import extract_from_dir

        known = set()
        for po in ROOT.glob("*/translations/de/LC_MESSAGES/messages.po"):
            with po.open("rb") as f:
                known |= {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id and m.string}
        keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
                    "nav_item": (2,), "today_item": (2,), "first_step": (2,)}
        for _f, _l, message, _c, _x in extract_from_dir(
                ROOT / package, [("**/templates/**.html", "jinja2"), ("**.py", "python")], keywords=keywords,
                options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}):
            msgid = message if isinstance(message, str) else message[0]
            if msgid and msgid not in known:
                print(json.dumps(msgid, ensure_ascii=False))
        return
    entries = json.loads(Path(source).read_text())
    with open(po_path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with po_path.open("rb") as f:
            catalog = read_po(f)
        for msgid, msgstr in entries.items():
            if isinstance(msgstr, list) and len(msgstr) == 3:
                catalog.delete(msgid)
                catalog.add((msgid, msgstr[2]), (msgstr[0], msgstr[1]))
            elif "\x04" in msgid:  # "context\u0004msgid": an entry of pgettext
                context, text = msgid.split("\x04", 1)
                catalog.delete(text, context=context)
                catalog.add(text, msgstr, context=context)
            else:
                catalog.delete(msgid)
                catalog.add(msgid, msgstr)
        with po_path.open("wb") as f:
            write_po(f, catalog, width=120)
        subprocess.run([str(ROOT / ".venv" / "bin" / "pybabel"), "compile", "-f", "-d",
                        str(po_path.parent.parent.parent)], check=True, capture_output=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
