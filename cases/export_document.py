"""The GDPR export (Art. 15/20) of one client as a readable document: .docx built with python-docx, then PDF.

The JSON export is the machine-readable copy (Art. 20) with its stable keys; this is the copy a person can read
(Art. 15): the same data under German headings and field labels, codes by their names, dates as 31.12.2026
(core.labels, filled by cases.labels and the packages below it). Internal ids are left out.
"""
import io

from docx import Document
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core import clock
from core.labels import field_text, value_text

# export key -> (heading, object type whose labels name its fields)
SECTIONS = {
    "client": (_l("Personal data"), "clients"),
    "children": (_l("Children"), "client_children"),
    "consents": (_l("Consents"), "consents"),
    "cases": (_l("Cases"), "cases"),
    "needs": (_l("Needs"), "needs"),
    "goals": (_l("Goals"), "goals"),
    "referrals": (_l("Referrals"), "referrals"),
    "services": (_l("Services"), "service_entries"),
}
ITEM = {  # the heading of one item of a list: "Case 2"
    "children": _l("Child %(n)s"), "consents": _l("Consent %(n)s"), "cases": _l("Case %(n)s"),
    "needs": _l("Need %(n)s"), "goals": _l("Goal %(n)s"), "referrals": _l("Referral %(n)s"),
    "services": _l("Service %(n)s"),
}


def _withheld(item: str) -> str:
    """What the exporter may not see ("cases.7.confidential_note"), said without its id."""
    if item.endswith("confidential_note"):
        return _("the confidential note of the client") if item.startswith("client") else \
            _("the confidential note of a case")
    return _("a case of another case manager")


def _table(doc, object_type: str, values: dict) -> None:
    rows = [(k, v) for k, v in values.items() if k != "id" and not isinstance(v, dict | list) or
            (isinstance(v, list) and all(not isinstance(x, dict | list) for x in v))]
    if not rows:
        return
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for key, value in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = field_text(object_type, key), value_text(object_type, key, value)


def _section(doc, key: str, value, level: int) -> None:
    heading, object_type = SECTIONS.get(key, (key, key))
    doc.add_heading(str(heading), level=min(level, 9))
    if isinstance(value, dict):
        _table(doc, object_type, value)
        return
    if not value:
        doc.add_paragraph("–")
    for number, item in enumerate(value, 1):
        doc.add_heading(str(ITEM.get(key, "%(n)s")) % {"n": number}, level=min(level + 1, 9))
        _table(doc, object_type, item)
        for sub, nested in item.items():
            if isinstance(nested, list) and any(isinstance(x, dict) for x in nested) or \
                    (sub in SECTIONS and isinstance(nested, list)):
                _section(doc, sub, nested, level + 2)


def export_docx(data: dict, pseudonym: str) -> bytes:
    doc = Document()
    doc.add_heading(_("Data stored about %(pseudonym)s", pseudonym=pseudonym), level=0)
    doc.add_paragraph(_("Information under Art. 15 GDPR, created on %(date)s.",
                        date=clock.now().strftime("%d.%m.%Y %H:%M")))
    for key, value in data.items():
        if key == "withheld":
            doc.add_heading(_("Not included in this export"), level=1)
            doc.add_paragraph(_("You may not see these parts; an administrator can export them: %(parts)s.",
                                parts=", ".join(dict.fromkeys(_withheld(item) for item in value))))
        else:
            _section(doc, key, value, 1)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
