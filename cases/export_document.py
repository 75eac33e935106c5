"""The GDPR export (Art. 15/20) of one client as a readable document: .docx built with python-docx, then PDF.

The JSON export is the machine-readable copy (Art. 20); this is the copy a person can read (Art. 15).
"""
import io

from docx import Document
from flask_babel import gettext as _

from core import clock


def _heading(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _value(value) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return ", ".join(str(v) for v in value) or "–"
    return str(value)


def _add(doc, title: str, value, level: int) -> None:
    if isinstance(value, dict):
        doc.add_heading(title, level=min(level, 9))
        scalars = [(k, v) for k, v in value.items() if not _is_nested(v)]
        if scalars:
            table = doc.add_table(rows=0, cols=2)
            table.style = "Table Grid"
            for key, item in scalars:
                cells = table.add_row().cells
                cells[0].text, cells[1].text = _heading(key), _value(item)
        for key, item in value.items():
            if _is_nested(item):
                _add(doc, _heading(key), item, level + 1)
    elif isinstance(value, list):
        doc.add_heading(title, level=min(level, 9))
        if not value:
            doc.add_paragraph("–")
        for number, item in enumerate(value, 1):
            _add(doc, f"{title} {number}", item, level + 1)
    else:
        doc.add_paragraph(f"{title}: {_value(value)}")


def _is_nested(value) -> bool:
    return isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, dict | list) for v in value))


def export_docx(data: dict, pseudonym: str) -> bytes:
    doc = Document()
    doc.add_heading(_("Data stored about %(pseudonym)s", pseudonym=pseudonym), level=0)
    doc.add_paragraph(_("Information under Art. 15 GDPR, created on %(date)s.",
                        date=clock.now().strftime("%d.%m.%Y %H:%M")))
    for key, value in data.items():
        _add(doc, _heading(key), value, 1)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
