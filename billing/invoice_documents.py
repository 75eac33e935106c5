"""The documents of an issued invoice: the invoice (or credit note) itself and its statement of services
(Leistungsnachweis), as pure functions over plain data (an invoice dict and pseudonymised statement rows; no
database, no models).

The invoice is a .docx rendered from a template in the sandbox of contracts.rendering (the built-in German
template billing/templates_docx/invoice_de.docx, built by billing.invoice_template_build, or later a tenant's
own); core.conversion.docx_to_pdf turns it into a PDF. The context holds formatted German strings only (dates
31.10.2026, money 1.234,56 €, quantities with a decimal comma), so templates need no logic. The documents are
German whatever the reader's language, so their wording is plain German, not gettext.

The statement lists what was billed per case pseudonym (never a client's name) as German CSV and as .docx.
"""

import csv
import io
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from contracts.rendering import DEFAULT_VAT_EXEMPT_REASON, format_date, render_docx
from core.money import cents_to_input, format_cents
from core.spreadsheets import neutral

DEFAULT_TEMPLATE_PATH = Path(__file__).parent / "templates_docx" / "invoice_de.docx"

UNIT_LABELS = {  # unit -> (singular, plural)
    "h": ("Std.", "Std."),
    "case_month": ("Fallmonat", "Fallmonate"),
    "period": ("Zeitraum", "Zeiträume"),
    "": ("", ""),
}
LINE_KIND_LABELS = {
    "per_case_month": "Pauschale je Fall und Monat",
    "per_unit": "Stunden im Leistungsbereich",
    "per_period": "Pauschale je Abrechnungszeitraum",
    "budget_cut": "Kürzung auf das verbleibende Budget des Vertrags",
}
STATEMENT_KIND_LABELS = {
    "entry": "Einzelleistung",
    "case_month": "Fallpauschale (Monat)",
    "period": "Pauschale (Abrechnungszeitraum)",
}
STATEMENT_HEADER = ("Fall (Pseudonym)", "Datum", "Monat", "Leistungsbereich", "Art", "Minuten", "Betrag")
# the same columns under stable keys, for scripts (`?header=keys`); the rows stay as they are
STATEMENT_KEYS = ("pseudonym", "on", "month", "service_area", "kind", "minutes", "amount")

# Characters XML 1.0 forbids, and the ones docxtpl turns into structure (\a paragraph, \f page break).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(value) -> str:
    if value is None:
        return ""
    return _CONTROL.sub("", str(value)).strip()


def _one_line(value) -> str:
    return ", ".join(part.strip() for part in _text(value).splitlines() if part.strip())


def format_number(value, places: int = 2) -> str:
    """Decimal comma, dot groups thousands, at most `places` decimals, no trailing zeros: 1234.50 -> '1.234,5'."""
    number = Decimal(str(value if value is not None else 0))
    number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{number:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace(",", "X").replace(".", ",").replace("X", ".")


def format_month(key: str | None) -> str:
    """'2026-10' -> '10/2026'."""
    if not key:
        return ""
    year, _, month = str(key).partition("-")
    return f"{month}/{year}" if month else str(key)


def _quantity(line: dict) -> str:
    if line.get("kind") == "budget_cut":
        return ""
    quantity = Decimal(str(line.get("quantity") or 0))
    singular, plural = UNIT_LABELS.get(line.get("unit") or "", ("", ""))
    unit = singular if abs(quantity) == 1 else plural
    return f"{format_number(quantity)} {unit}".strip()


def _net_before_cut(invoice: dict) -> int:
    return sum(line["amount_cents"] for line in invoice["lines"] if line.get("kind") != "budget_cut")


def invoice_context(invoice: dict) -> dict:
    """The template context of an invoice or credit note: plain dicts of formatted strings."""
    issuer = invoice.get("issuer") or {}
    recipient = invoice.get("recipient") or {}
    contract = invoice.get("contract") or {}
    credit = invoice.get("kind") == "credit_note"
    number = _text(invoice["number"])
    cancels = _text(invoice.get("cancels_number"))
    exempt = invoice.get("vat") == "exempt"
    rate = format_number(invoice.get("vat_rate") or (0 if exempt else invoice.get("vat")))
    cut = int(invoice.get("budget_cut_cents") or 0)
    due_on = format_date(invoice.get("due_on"))
    payment_days = invoice.get("payment_days")

    legal_name = _text(issuer.get("legal_name")) or _text(issuer.get("name"))
    address = _text(issuer.get("address"))
    iban = _text(issuer.get("iban"))
    bic = _text(issuer.get("bic"))
    contact = [
        f"Ansprechperson: {_text(issuer.get('contact_name'))}" if _text(issuer.get("contact_name")) else "",
        f"Telefon: {_text(issuer.get('phone'))}" if _text(issuer.get("phone")) else "",
        f"E-Mail: {_text(issuer.get('email'))}" if _text(issuer.get("email")) else "",
    ]

    if credit:
        heading = f"Gutschrift / Stornorechnung Nr. {number}"
        if cancels:
            heading += f" zur Rechnung Nr. {cancels}"
        intro = (
            f"Mit dieser Gutschrift wird die Rechnung Nr. {cancels} vollständig storniert."
            if cancels
            else "Mit dieser Gutschrift werden die unten aufgeführten Leistungen storniert."
        )
        terms = (
            f"Der Betrag von {format_cents(abs(invoice['gross_cents']))} wird mit der stornierten Rechnung "
            f"verrechnet; bereits gezahlte Beträge erstatten wir bis zum {due_on}."
        )
    else:
        heading = f"Rechnung Nr. {number}"
        intro = "Für die im Leistungszeitraum erbrachten Leistungen berechnen wir Ihnen:"
        days = f" ({payment_days} Tage)" if payment_days else ""
        terms = f"Zahlbar bis {due_on} ohne Abzug{days}."
    reference = (
        f"Bitte geben Sie bei Rückfragen die Nummer {number} an."
        if credit
        else f"Bitte geben Sie bei der Zahlung die Rechnungsnummer {number} an."
    )

    lines = []
    for line in sorted(invoice["lines"], key=lambda item: item.get("position") or 0):
        kind = line.get("kind") or ""
        label = _text(line.get("label")) or LINE_KIND_LABELS.get(kind, "")
        if kind == "budget_cut" or not line.get("unit"):
            unit_price = ""
        else:
            unit_price = format_cents(line.get("unit_cents"))
            singular = UNIT_LABELS.get(line["unit"], ("", ""))[0]
            unit_price = f"{unit_price} / {singular}" if singular else unit_price
        lines.append(
            {
                "position": str(line.get("position") or ""),
                "label": label,
                "kind": kind,
                "kind_label": LINE_KIND_LABELS.get(kind, ""),
                "quantity": _quantity(line),
                "unit_price": unit_price,
                "amount": format_cents(line["amount_cents"]),
                "amount_cents": line["amount_cents"],
            }
        )

    if exempt:
        reason = _text(invoice.get("vat_exempt_reason")) or DEFAULT_VAT_EXEMPT_REASON
        net_label = "Nettobetrag (umsatzsteuerfrei)"
        tax_label = "Umsatzsteuer (0 %, steuerfrei)"
        vat_note = reason
    else:
        net_label = f"Nettobetrag (Steuersatz {rate} %)"
        tax_label = f"Umsatzsteuer {rate} %"
        vat_note = f"Im Gesamtbetrag sind {format_cents(invoice['tax_cents'])} Umsatzsteuer ({rate} %) enthalten."
    totals = []
    budget_note = ""
    if cut > 0:
        totals.append({"label": "Summe der Leistungen", "amount": format_cents(_net_before_cut(invoice))})
        totals.append({"label": "Kürzung auf das verbleibende Budget", "amount": format_cents(-cut)})
        budget_note = (
            f"Der Höchstbetrag des Vertrags ist erreicht: der Rechnungsbetrag ist um {format_cents(cut)} auf das "
            "verbleibende Budget gekürzt."
        )
    totals += [
        {"label": net_label, "amount": format_cents(invoice["net_cents"])},
        {"label": tax_label, "amount": format_cents(invoice["tax_cents"])},
        {"label": "Gesamtbetrag (brutto)", "amount": format_cents(invoice["gross_cents"])},
    ]

    bank = [f"Kontoinhaber: {legal_name}", f"IBAN: {iban}" if iban else "", f"BIC: {bic}" if bic else ""]
    contract_title = _text(contract.get("title"))
    contract_number = _text(contract.get("number"))
    return {
        "document": {
            "kind": "credit_note" if credit else "invoice",
            "kind_label": "Gutschrift" if credit else "Rechnung",
            "heading": heading,
            "intro": intro,
            "number": number,
            "number_label": "Gutschriftsnummer" if credit else "Rechnungsnummer",
            "cancels_number": cancels,
            "issued_on": format_date(invoice.get("issued_on")),
            "date_label": "Datum der Gutschrift" if credit else "Rechnungsdatum",
            "due_on": due_on,
            "period": _text(invoice.get("period")),
            "period_start": format_date(invoice.get("period_start")),
            "period_end": format_date(invoice.get("period_end")),
            "period_text": (
                f"{format_date(invoice.get('period_start'))} – {format_date(invoice.get('period_end'))}"
            ),
            "budget_note": budget_note,
        },
        "issuer": {
            "name": _text(issuer.get("name")),
            "show_name": bool(_text(issuer.get("name")) and _text(issuer.get("name")) != legal_name),
            "legal_name": legal_name,
            "address": address,
            "sender_line": " · ".join(part for part in (legal_name, _one_line(address).replace(", ", " · ")) if part),
            "sender_line_address": _one_line(address),
            "tax_number": _text(issuer.get("tax_number")),
            "vat_id": _text(issuer.get("vat_id")),
            "register_number": _text(issuer.get("register_number")),
            "iban": iban,
            "bic": bic,
            "contact_name": _text(issuer.get("contact_name")),
            "phone": _text(issuer.get("phone")),
            "email": _text(issuer.get("email")),
            "contact_text": " · ".join(part for part in contact if part),
        },
        "recipient": {
            "name": _text(recipient.get("name")),
            "address": _text(recipient.get("address")),
            "leitweg_id": _text(recipient.get("leitweg_id")),
            "email": _text(recipient.get("email")),
        },
        "contract": {
            "title": contract_title,
            "number": contract_number,
            "text": f"{contract_title} (Nr. {contract_number})" if contract_number else contract_title,
        },
        "lines": lines,
        "totals": totals,
        "net": format_cents(invoice["net_cents"]),
        "tax": format_cents(invoice["tax_cents"]),
        "gross": format_cents(invoice["gross_cents"]),
        "budget_cut": format_cents(cut) if cut > 0 else "",
        "vat": {
            "mode": "exempt" if exempt else "rate",
            "rate": f"{rate} %",
            "exempt": exempt,
            "exempt_reason": reason if exempt else "",
            "note": vat_note,
        },
        "payment": {
            "due_on": due_on,
            "days": str(payment_days or ""),
            "terms": terms,
            "reference": reference,
            "account_holder": legal_name,
            "iban": iban,
            "bic": bic,
            "bank_text": " · ".join(part for part in bank if part),
        },
    }


@lru_cache(maxsize=1)
def default_invoice_template() -> bytes:
    """The built-in German invoice template (.docx with docxtpl placeholders)."""
    return DEFAULT_TEMPLATE_PATH.read_bytes()


def render_invoice_docx(invoice: dict, template: bytes | None = None) -> bytes:
    """The invoice as .docx, rendered in the sandbox (contracts.rendering.render_docx; TemplateProblem when the
    template misbehaves); the built-in template when `template` is None."""
    return render_docx(template if template is not None else default_invoice_template(), invoice_context(invoice))


def _checked_total(invoice: dict, rows: list[dict]) -> int:
    """The statement proves the invoice: its rows add up to the net before the budget cut (on a credit note
    the rows may carry the cancelled invoice's signs)."""
    total = sum(int(row.get("amount_cents") or 0) for row in rows)
    expected = _net_before_cut(invoice)
    if total != expected and not (invoice.get("kind") == "credit_note" and total == -expected):
        raise ValueError(
            f"statement rows add up to {total} cents, the invoice's net before the cut is {expected} cents"
        )
    return total


def _statement_rows(rows: list[dict], *, for_csv: bool) -> list[list[str]]:
    """Readable rows; in CSV text that a spreadsheet would run as a formula is neutralised."""
    text = neutral if for_csv else (lambda value: value)
    ordered = sorted(
        rows,
        key=lambda r: (not r.get("pseudonym"), r.get("pseudonym") or "", r.get("month") or "", r.get("on") or date.min,
                       r.get("kind") or ""),
    )
    out = []
    for row in ordered:
        minutes = row.get("minutes")
        out.append([
            text(_text(row.get("pseudonym"))),
            format_date(row.get("on")),
            format_month(row.get("month")),
            text(_text(row.get("service_area"))),
            STATEMENT_KIND_LABELS.get(row.get("kind"), _text(row.get("kind"))),
            "" if minutes is None else str(minutes),
            cents_to_input(int(row.get("amount_cents") or 0)),
        ])
    return out


def _total_row(rows: list[dict], total: int) -> list[str]:
    minutes = sum(int(row.get("minutes") or 0) for row in rows)
    return ["Summe", "", "", "", "", str(minutes) if minutes else "", cents_to_input(total)]


def statement_csv(invoice: dict, rows: list[dict]) -> bytes:
    """The statement of services as German CSV (UTF-8 with BOM, `;`, decimal comma), a total row last.
    ValueError when the rows do not add up to the invoice's net before the budget cut."""
    total = _checked_total(invoice, rows)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(STATEMENT_HEADER)
    writer.writerows(_statement_rows(rows, for_csv=True))
    writer.writerow(_total_row(rows, total))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def with_key_header(statement: bytes) -> bytes:
    """A stored statement CSV with its German header row replaced by the stable keys (the file itself stays)."""
    _header, _newline, rest = statement.decode("utf-8-sig").partition("\n")
    return ("\ufeff" + ";".join(STATEMENT_KEYS) + "\r\n" + rest).encode("utf-8")


def statement_docx(invoice: dict, rows: list[dict]) -> bytes:
    """The statement of services as a .docx table (for docx_to_pdf), headed by invoice number, recipient and
    period. ValueError when the rows do not add up to the invoice's net before the budget cut."""
    total = _checked_total(invoice, rows)
    context = invoice_context(invoice)
    document, recipient = context["document"], context["recipient"]

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21)  # A4
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10)
    doc.core_properties.title = f"Leistungsnachweis {document['number']}"
    doc.core_properties.author = "Bündnisnetz"

    doc.add_heading(f"Leistungsnachweis zur {document['kind_label']} Nr. {document['number']}", level=1)
    if document["cancels_number"]:
        doc.add_paragraph(f"Storniert die Rechnung Nr. {document['cancels_number']}.")
    doc.add_paragraph(f"{document['date_label']}: {document['issued_on']}")
    doc.add_paragraph(f"Leistungszeitraum: {document['period_text']}")
    doc.add_paragraph(f"Empfänger: {recipient['name']}")
    if recipient["address"]:
        doc.add_paragraph(_one_line(recipient["address"]))
    if recipient["leitweg_id"]:
        doc.add_paragraph(f"Leitweg-ID: {recipient['leitweg_id']}")
    if context["contract"]["text"]:
        doc.add_paragraph(f"Vertrag: {context['contract']['text']}")
    doc.add_paragraph(f"Leistungserbringer: {context['issuer']['legal_name']}")
    doc.add_paragraph("Die Fälle sind pseudonymisiert; der Nachweis enthält keine Namen.")

    table = doc.add_table(rows=1, cols=len(STATEMENT_HEADER))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, STATEMENT_HEADER, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for values in (*_statement_rows(rows, for_csv=False), _total_row(rows, total)):
        cells = table.add_row().cells
        for index, (cell, text) in enumerate(zip(cells, values, strict=True)):
            cell.text = text
            if index >= 5:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for cell in table.rows[-1].cells:
        for run in cell.paragraphs[0].runs:
            run.bold = True
    widths = [Cm(w) for w in (3.6, 2.6, 2.2, 5.6, 5.2, 2.2, 3.2)]  # 24.6 cm: landscape A4 inside the margins
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # the grid, which LibreOffice follows
        for cell in column.cells:
            cell.width = width  # the cells, which Word follows
    doc.add_paragraph()
    doc.add_paragraph(
        f"Summe der Leistungen: {format_cents(total)} (Beträge in Euro, netto vor einer Kürzung auf das Budget)"
    )
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
