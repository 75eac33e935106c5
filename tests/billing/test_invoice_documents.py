"""Documents of an issued invoice: the invoice / credit note with every § 14 Abs. 4 UStG field (real docxtpl in
the sandbox, real LibreOffice, text read back with pypdf) and the pseudonymised statement of services."""

import csv
import io
from datetime import date
from decimal import Decimal

import docx
import pytest
from pypdf import PdfReader

from billing import invoice_documents as documents
from contracts.rendering import TemplateProblem
from core.conversion import docx_to_pdf

EXEMPT_REASON = "Umsatzsteuerfrei gemäß § 4 Nr. 15 UStG"


def _invoice(**overrides) -> dict:
    invoice = {
        "kind": "invoice",
        "number": "2026-00017",
        "issued_on": date(2026, 11, 3),
        "due_on": date(2026, 12, 3),
        "period": "2026-10",
        "period_start": date(2026, 10, 1),
        "period_end": date(2026, 10, 31),
        "issuer": {
            "name": "Lokales Bündnis für Familie Musterstadt",
            "legal_name": "Bündnis für Familie Musterstadt e.V.",
            "address": "Marktplatz 1\n12345 Musterstadt",
            "tax_number": "12/345/67890",
            "vat_id": "DE123456789",
            "register_number": "Amtsgericht Musterstadt VR 4711",
            "iban": "DE02120300000000202051",
            "bic": "BYLADEM1001",
            "contact_name": "Petra Finanz",
            "phone": "0301 234567",
            "email": "finanzen@example.org",
        },
        "recipient": {
            "name": "Jobcenter Musterstadt",
            "address": "Agenturstraße 5\n12345 Musterstadt",
            "leitweg_id": "04011000-1234512345-06",
            "email": "jc@example.org",
        },
        "contract": {"title": "Fallmanagement für Alleinerziehende", "number": "V-2026-3"},
        "lines": [
            {"position": 1, "label": "Fallmanagement", "kind": "per_case_month", "quantity": Decimal("3"),
             "unit": "case_month", "unit_cents": 18000, "amount_cents": 54000},
            {"position": 2, "label": "Kinderbetreuung", "kind": "per_unit", "quantity": Decimal("12.5"),
             "unit": "h", "unit_cents": 4000, "amount_cents": 50000},
            {"position": 3, "label": "Koordination", "kind": "per_period", "quantity": Decimal("1"),
             "unit": "period", "unit_cents": 25000, "amount_cents": 25000},
        ],
        "budget_cut_cents": 0,
        "net_cents": 129000,
        "tax_cents": 0,
        "gross_cents": 129000,
        "vat": "exempt",
        "vat_rate": Decimal("0"),
        "vat_exempt_reason": EXEMPT_REASON,
        "cancels_number": None,
        "payment_days": 30,
    }
    invoice.update(overrides)
    return invoice


def _with_vat(**overrides) -> dict:
    return _invoice(vat="19", vat_rate=Decimal("19"), vat_exempt_reason="", tax_cents=24510, gross_cents=153510,
                    **overrides)


def _credit_note() -> dict:
    original = _invoice()
    lines = [{**line, "quantity": -line["quantity"], "amount_cents": -line["amount_cents"]}
             for line in original["lines"]]
    return _invoice(kind="credit_note", number="2026-00018", issued_on=date(2026, 11, 20),
                    due_on=date(2026, 12, 20), cancels_number="2026-00017", lines=lines, net_cents=-129000,
                    gross_cents=-129000)


def _rows() -> list[dict]:
    return [
        {"pseudonym": "K-2026-0042", "case_id": 42, "on": None, "month": "2026-10", "service_area": "",
         "kind": "case_month", "minutes": None, "amount_cents": 18000},
        {"pseudonym": "K-2026-0043", "case_id": 43, "on": None, "month": "2026-10", "service_area": "",
         "kind": "case_month", "minutes": None, "amount_cents": 18000},
        {"pseudonym": "K-2026-0044", "case_id": 44, "on": None, "month": "2026-10", "service_area": "",
         "kind": "case_month", "minutes": None, "amount_cents": 18000},
        {"pseudonym": "K-2026-0042", "case_id": 42, "on": date(2026, 10, 5), "month": None,
         "service_area": "Kinderbetreuung", "kind": "entry", "minutes": 450, "amount_cents": 30000},
        {"pseudonym": "K-2026-0043", "case_id": 43, "on": date(2026, 10, 12), "month": None,
         "service_area": "Kinderbetreuung", "kind": "entry", "minutes": 300, "amount_cents": 20000},
        {"pseudonym": "", "case_id": None, "on": None, "month": None, "service_area": "", "kind": "period",
         "minutes": None, "amount_cents": 25000},
    ]


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# What § 14 Abs. 4 UStG (and the payment terms) put on every invoice, as the reader sees it.
COMMON_FIELDS = (
    "Bündnis für Familie Musterstadt e.V.", "Marktplatz 1", "12345 Musterstadt",  # issuer, address
    "Jobcenter Musterstadt", "Agenturstraße 5", "04011000-1234512345-06",  # recipient, Leitweg-ID
    "12/345/67890", "DE123456789",  # tax number, VAT id
    "Leistungszeitraum", "01.10.2026", "31.10.2026",  # period of service
    "Fallmanagement", "Kinderbetreuung", "Koordination", "12,5 Std.", "180,00 €", "40,00 € / Std.",
    "DE02120300000000202051", "BYLADEM1001", "Kontoinhaber",  # bank
    "Amtsgericht Musterstadt VR 4711", "Petra Finanz", "0301 234567", "finanzen@example.org",
    "Fallmanagement für Alleinerziehende", "V-2026-3",
)


def _assert_fields(text: str, fields) -> None:
    flat = " ".join(text.split())
    missing = [f for f in fields if " ".join(f.split()) not in flat]
    assert missing == [], missing


def test_context_is_formatted_german_strings():
    """Does the context hold German dates, money and quantities, so templates need no logic?"""
    context = documents.invoice_context(_invoice())
    assert context["document"]["heading"] == "Rechnung Nr. 2026-00017"
    assert context["document"]["issued_on"] == "03.11.2026"
    assert context["document"]["period_text"] == "01.10.2026 – 31.10.2026"
    assert [line["quantity"] for line in context["lines"]] == ["3 Fallmonate", "12,5 Std.", "1 Zeitraum"]
    assert context["gross"] == "1.290,00 €" and context["vat"]["note"] == EXEMPT_REASON
    assert context["payment"]["terms"] == "Zahlbar bis 03.12.2026 ohne Abzug (30 Tage)."
    assert documents.format_number(Decimal("1234.50")) == "1.234,5"
    assert documents.format_number(Decimal("-0.001")) == "0"


def test_builtin_template_uses_only_context_variables():
    """Does the shipped template name only variables the context provides (no typo renders empty)?"""
    from docxtpl import DocxTemplate

    from contracts.rendering import sandbox

    template = DocxTemplate(io.BytesIO(documents.default_invoice_template()))
    assert template.get_undeclared_template_variables(jinja_env=sandbox()) <= set(
        documents.invoice_context(_invoice())
    )


@pytest.mark.slow
@pytest.mark.parametrize("invoice, fields", [
    (_invoice(), ("Rechnung Nr. 2026-00017", "Rechnungsdatum: 03.11.2026", EXEMPT_REASON,
                  "1.290,00 €", "540,00 €", "500,00 €", "250,00 €", "Zahlbar bis 03.12.2026 ohne Abzug")),
    (_with_vat(), ("Rechnung Nr. 2026-00017", "Nettobetrag (Steuersatz 19 %)", "1.290,00 €",
                   "Umsatzsteuer 19 %", "245,10 €", "1.535,10 €", "Zahlbar bis 03.12.2026 ohne Abzug")),
    (_credit_note(), ("Gutschrift / Stornorechnung Nr. 2026-00018 zur Rechnung Nr. 2026-00017",
                      "20.11.2026", "-1.290,00 €", "-540,00 €", EXEMPT_REASON)),
], ids=["exempt", "vat-19", "credit-note"])
def test_invoice_pdf_carries_every_field_of_section_14(invoice, fields):
    """Does the rendered invoice (docx and its PDF) show every § 14 Abs. 4 UStG field in German formats?"""
    data = documents.render_invoice_docx(invoice)
    _assert_fields(_docx_text(data), COMMON_FIELDS + fields)
    pdf_text = _pdf_text(docx_to_pdf(data))
    _assert_fields(pdf_text, COMMON_FIELDS + fields)
    assert "{{" not in pdf_text and "{%" not in pdf_text
    if invoice["vat"] == "19":
        assert EXEMPT_REASON not in pdf_text


def test_budget_cut_is_shown():
    """Does an invoice cut to the remaining budget show the sum before the cut, the cut and the net?"""
    invoice = _invoice(budget_cut_cents=29000, net_cents=100000, gross_cents=100000)
    invoice["lines"].append({"position": 4, "label": "Kürzung auf das verbleibende Budget", "kind": "budget_cut",
                             "quantity": Decimal("1"), "unit": "", "unit_cents": -29000, "amount_cents": -29000})
    text = _docx_text(documents.render_invoice_docx(invoice))
    _assert_fields(text, ("Summe der Leistungen", "1.290,00 €", "-290,00 €", "1.000,00 €",
                          "um 290,00 € auf das verbleibende Budget gekürzt"))


def test_no_leitweg_id_leaves_no_label():
    """Is the Leitweg-ID line left out when the agency has none?"""
    invoice = _invoice()
    invoice["recipient"] = {**invoice["recipient"], "leitweg_id": ""}
    assert "Leitweg-ID" not in _docx_text(documents.render_invoice_docx(invoice))


def test_markup_in_data_is_escaped():
    """Does an `&` or `<` in a name stay text (autoescape) instead of breaking the document?"""
    invoice = _invoice()
    invoice["recipient"] = {**invoice["recipient"], "name": "Jugendamt <Nord> & Süd"}
    assert "Jugendamt <Nord> & Süd" in _docx_text(documents.render_invoice_docx(invoice))


def test_a_tenant_template_goes_through_the_sandbox():
    """Is a custom template rendered with the same context, and refused when it reaches for internals?"""
    def template(text: str) -> bytes:
        document = docx.Document()
        document.add_paragraph(text)
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()

    own = documents.render_invoice_docx(_invoice(), template("Nr. {{ document.number }}: {{ gross }}"))
    assert "Nr. 2026-00017: 1.290,00 €" in _docx_text(own)
    with pytest.raises(TemplateProblem):
        documents.render_invoice_docx(_invoice(), template("{{ lines.__class__.__mro__ }}"))


def test_statement_csv_is_german_and_adds_up():
    """Does the statement CSV open in German Excel (BOM, `;`, decimal comma) and total the invoice's net?"""
    data = documents.statement_csv(_invoice(), _rows())
    assert data.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert table[0] == ["Fall (Pseudonym)", "Datum", "Monat", "Leistungsbereich", "Art", "Minuten", "Betrag"]
    body, total = table[1:-1], table[-1]
    assert len(body) == len(_rows())
    amounts = [int(row[6].replace(".", "").replace(",", "")) for row in body]
    assert sum(amounts) == 129000 and total[0] == "Summe" and total[6] == "1.290,00" and total[5] == "750"
    assert ["K-2026-0042", "05.10.2026", "", "Kinderbetreuung", "Einzelleistung", "450", "300,00"] in body
    assert ["K-2026-0042", "", "10/2026", "", "Fallpauschale (Monat)", "", "180,00"] in body
    assert {row[0] for row in body} == {"K-2026-0042", "K-2026-0043", "K-2026-0044", ""}


def test_statement_refuses_rows_that_do_not_prove_the_invoice():
    """Is a statement whose rows do not add up to the invoice refused rather than sent?"""
    with pytest.raises(ValueError):
        documents.statement_csv(_invoice(), _rows()[:-1])


def test_statement_csv_neutralises_formulas():
    """Does a service area named like a formula stay text in the CSV?"""
    rows = _rows()
    rows[3] = {**rows[3], "service_area": "=HYPERLINK(\"x\")"}
    assert "'=HYPERLINK" in documents.statement_csv(_invoice(), rows).decode("utf-8-sig")


def test_credit_note_statement_accepts_the_cancelled_rows():
    """Can the credit note carry the statement of the invoice it cancels?"""
    data = documents.statement_csv(_credit_note(), _rows())
    assert data.decode("utf-8-sig").splitlines()[-1].endswith("1.290,00")


@pytest.mark.slow
def test_statement_pdf_has_header_and_pseudonyms():
    """Does the statement PDF carry invoice number, recipient, period, the pseudonyms and the total?"""
    data = documents.statement_docx(_invoice(), _rows())
    text = _pdf_text(docx_to_pdf(data))
    _assert_fields(text, ("Leistungsnachweis zur Rechnung Nr. 2026-00017", "Jobcenter Musterstadt",
                          "01.10.2026 – 31.10.2026", "K-2026-0042", "K-2026-0043", "K-2026-0044",
                          "Fall (Pseudonym)", "05.10.2026", "10/2026", "300,00", "1.290,00", "Summe",
                          "04011000-1234512345-06"))
