"""Builds the built-in German invoice template billing/templates_docx/invoice_de.docx with python-docx.

Run `python -m billing.invoice_template_build` after changing it and commit both files. The template carries
every field § 14 Abs. 4 UStG asks for (issuer and recipient with addresses, tax number or VAT id, issue date,
invoice number, period of service, quantity and kind of the services, net amount per tax rate, tax amount or the
note on the exemption, gross) plus bank details, payment terms, register entry and contact person. It uses only
the variables of billing.invoice_documents.invoice_context, which are formatted strings: the template holds no
logic beyond leaving out empty optional lines.
"""

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

TARGET = Path(__file__).parent / "templates_docx" / "invoice_de.docx"


def _repeat_header(row) -> None:
    """The header row repeats on every page and never stays alone at the bottom of one."""
    props = row._tr.get_or_add_trPr()
    for tag in ("w:tblHeader", "w:cantSplit"):
        element = OxmlElement(tag)
        element.set(qn("w:val"), "true")
        props.append(element)
    for cell in row.cells:
        cell.paragraphs[0].paragraph_format.keep_with_next = True


def build(target: Path = TARGET) -> Path:
    doc = Document()
    for section in doc.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4 (DIN 5008), not python-docx's Letter
        section.left_margin = section.right_margin = Cm(2)
        section.top_margin = section.bottom_margin = Cm(1.8)
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"  # LibreOffice renders it with the metric-compatible Carlito
    normal.font.size = Pt(10)
    normal.paragraph_format.space_after = Pt(2)
    doc.core_properties.title = "Rechnung"
    doc.core_properties.author = "Bündnisnetz"

    def para(text: str = "", bold: bool = False, size: float | None = None, align=None, into=None):
        p = (into or doc).add_paragraph()
        if text:
            run = p.add_run(text)
            run.bold = bold
            if size:
                run.font.size = Pt(size)
        if align is not None:
            p.alignment = align
        return p

    # Sender line and the issuer (§ 14 Abs. 4 Nr. 1: full name and address of the issuer)
    para("{{ issuer.legal_name }}", bold=True, size=12)
    para("{%p if issuer.show_name %}")
    para("{{ issuer.name }}")
    para("{%p endif %}")
    para("{{ issuer.address }}")
    para()

    # Recipient (left) and the invoice data (right)
    head = doc.add_table(rows=1, cols=2)
    left, right = head.rows[0].cells
    left.paragraphs[0].add_run("{{ issuer.sender_line }}").font.size = Pt(7)
    para("{{ recipient.name }}", bold=True, into=left)
    para("{{ recipient.address }}", into=left)
    para("{%p if recipient.leitweg_id %}", into=left)
    para("Leitweg-ID: {{ recipient.leitweg_id }}", into=left)
    para("{%p endif %}", into=left)
    right.paragraphs[0].add_run("{{ document.number_label }}: {{ document.number }}")
    para("{{ document.date_label }}: {{ document.issued_on }}", into=right)
    para("Leistungszeitraum: {{ document.period_text }}", into=right)
    para("{%p if document.cancels_number %}", into=right)
    para("Zur Rechnung Nr.: {{ document.cancels_number }}", into=right)
    para("{%p endif %}", into=right)
    para("{%p if contract.number %}", into=right)
    para("Vertragsnummer: {{ contract.number }}", into=right)
    para("{%p endif %}", into=right)
    para("{%p if issuer.tax_number %}", into=right)
    para("Steuernummer: {{ issuer.tax_number }}", into=right)
    para("{%p endif %}", into=right)
    para("{%p if issuer.vat_id %}", into=right)
    para("USt-IdNr.: {{ issuer.vat_id }}", into=right)
    para("{%p endif %}", into=right)
    for p in right.paragraphs:
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    para()

    doc.add_heading("{{ document.heading }}", level=1)
    para("{{ document.intro }}")
    para("Vertrag: {{ contract.text }}")
    para()

    # The services (§ 14 Abs. 4 Nr. 5: quantity and kind), net per line
    table = doc.add_table(rows=4, cols=5)
    table.style = "Table Grid"
    headings = ("Pos.", "Leistung", "Menge", "Einzelpreis (netto)", "Betrag (netto)")
    for cell, text in zip(table.rows[0].cells, headings, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    _repeat_header(table.rows[0])
    table.rows[1].cells[0].text = "{%tr for line in lines %}"
    values = ("{{ line.position }}", "{{ line.label }}", "{{ line.quantity }}", "{{ line.unit_price }}",
              "{{ line.amount }}")
    for cell, text in zip(table.rows[2].cells, values, strict=True):
        cell.text = text
    for index in (2, 3, 4):
        table.rows[0].cells[index].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        table.rows[2].cells[index].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    table.rows[3].cells[0].text = "{%tr endfor %}"
    for column, width in zip(table.columns, (Cm(1.1), Cm(6.7), Cm(3.2), Cm(3.4), Cm(2.6)), strict=True):
        column.width = width  # the grid, which LibreOffice follows
        for cell in column.cells:
            cell.width = width  # the cells, which Word follows
    para()

    # Net per tax rate, tax or exemption note, gross (§ 14 Abs. 4 Nr. 7 and 8)
    totals = doc.add_table(rows=3, cols=2)
    totals.rows[0].cells[0].text = "{%tr for t in totals %}"
    totals.rows[1].cells[0].text = "{{ t.label }}"
    totals.rows[1].cells[1].text = "{{ t.amount }}"
    totals.rows[1].cells[1].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    totals.rows[2].cells[0].text = "{%tr endfor %}"
    para()
    para("{{ vat.note }}", bold=True)
    para("{%p if document.budget_note %}")
    para("{{ document.budget_note }}")
    para("{%p endif %}")
    para()

    # Payment terms and bank details
    para("{{ payment.terms }}")
    para("Bankverbindung: {{ payment.bank_text }}")
    para("{{ payment.reference }}")
    para("Der Leistungsnachweis (pseudonymisiert) liegt dieser {{ document.kind_label }} bei.")
    para()

    # Footer block: issuer, register entry, contact
    para("{{ issuer.legal_name }} · {{ issuer.sender_line_address }}", size=8)
    para("{%p if issuer.register_number %}")
    para("Registereintrag: {{ issuer.register_number }}", size=8)
    para("{%p endif %}")
    para("{{ issuer.contact_text }}", size=8)

    target.parent.mkdir(parents=True, exist_ok=True)
    doc.save(target)
    return target


if __name__ == "__main__":
    print(build())
