"""Builds the built-in German contract template contracts/templates_docx/default_de.docx with python-docx.

Run `python -m contracts.default_template_build` after changing it and commit both files. The template follows
EinglMindV § 2 (content/scope/quality, compensation, review of economic efficiency and quality, notification
duties, fixed term, termination) and uses only the variables of contracts.rendering.CONTEXT_DOC.
"""

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

TARGET = Path(__file__).parent / "templates_docx" / "default_de.docx"


def build(target: Path = TARGET) -> Path:
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"  # LibreOffice renders it with the metric-compatible Carlito
    normal.font.size = Pt(11)
    doc.core_properties.title = "Vereinbarung"
    doc.core_properties.author = "Bündnisnetz"

    def para(text: str = "", bold: bool = False, align=None):
        p = doc.add_paragraph()
        if text:
            run = p.add_run(text)
            run.bold = bold
        if align is not None:
            p.alignment = align
        return p

    def section(title: str):
        doc.add_heading(title, level=2)

    doc.add_heading("Vereinbarung", level=1)
    para("{{ contract.title }}", bold=True)
    para("Version {{ contract.version }} · {{ contract.route_label }}")

    section("Vertragsparteien")
    para("Zwischen")
    para("{{ agency.name }} ({{ agency.kind_label }})", bold=True)
    para("{{ agency.address }}")
    para(
        "{% if agency.contact %}Ansprechperson: {{ agency.contact }}{% endif %}"
        "{% if agency.leitweg_id %} · Leitweg-ID: {{ agency.leitweg_id }}{% endif %}"
    )
    para("– nachfolgend „Leistungsträger“ –")
    para("und")
    para("{{ provider.legal_name }}", bold=True)
    para("{{ provider.address }}")
    para("– nachfolgend „Träger des Fallmanagements“ –")

    section("§ 1 Rechtsgrundlage und Grundsätze")
    para(
        "Diese Vereinbarung wird auf der Grundlage von {{ contract.legal_basis_label }} geschlossen. "
        "Die Leistungen sind nach den Grundsätzen der Wirtschaftlichkeit, Sparsamkeit und Leistungsfähigkeit "
        "zu erbringen."
    )

    section("§ 2 Inhalt, Umfang und Qualität der Leistung")
    para("Inhalt und Umfang:", bold=True)
    para("{{ contract.scope }}")
    para("Qualität:", bold=True)
    para("{{ contract.quality }}")
    para("{%p if partners %}")
    para("An der Leistungserbringung wirken folgende Partnerorganisationen mit:")
    para("{%p for p in partners %}")
    para("– {{ p.name }} ({{ p.kind_label }})")
    para("{%p endfor %}")
    para("{%p endif %}")

    section("§ 3 Vergütung")
    para("Die Vergütung setzt sich aus Pauschalen und Beträgen für einzelne Leistungsbereiche zusammen:")
    table = doc.add_table(rows=4, cols=3)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("Leistung", "Art der Vergütung", "Betrag"), strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    # the header row repeats on every page and never stays alone at the bottom of one
    header_props = table.rows[0]._tr.get_or_add_trPr()
    for tag in ("w:tblHeader", "w:cantSplit"):
        element = OxmlElement(tag)
        element.set(qn("w:val"), "true")
        header_props.append(element)
    for cell in table.rows[0].cells:
        cell.paragraphs[0].paragraph_format.keep_with_next = True
    table.rows[1].cells[0].text = "{%tr for r in rates %}"
    for cell, text in zip(
        table.rows[2].cells,
        ("{{ r.label }}", "{{ r.kind_label }}", "{{ r.amount }} {{ r.unit }}"),
        strict=True,
    ):
        cell.text = text
    table.rows[2].cells[2].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    table.rows[3].cells[0].text = "{%tr endfor %}"
    para()
    para(
        "Höchstbetrag für die gesamte Laufzeit: "
        "{% if contract.budget %}{{ contract.budget }} (netto){% else %}kein Höchstbetrag vereinbart{% endif "
        "%}."
    )
    para(
        "Abrechnung: {{ contract.billing_cycle_label }} nachträglich mit einem Leistungsnachweis je Fall "
        "(pseudonymisiert).{% if contract.prorate_days %} Fallpauschalen werden tagesgenau anteilig "
        "berechnet."
        "{% endif %}"
    )
    para("Umsatzsteuer: {{ contract.vat_note }}")

    section("§ 4 Prüfung der Wirtschaftlichkeit und Qualität")
    para("{{ contract.efficiency_review }}")
    para("{% if contract.efficiency_indicators %}Kennzahlen: {{ contract.efficiency_indicators }}{% endif %}")
    para(
        "{% if contract.review_interval_months %}Der Träger berichtet alle {{ "
        "contract.review_interval_months }} "
        "Monate{% if contract.next_review_on %}, erstmals zum {{ contract.next_review_on }}{% endif %}.{% "
        "endif %}"
    )

    section("§ 5 Mitteilungspflichten")
    para("{{ contract.notification_duties }}")

    section("§ 6 Laufzeit und Kündigung")
    para("Die Vereinbarung gilt vom {{ contract.valid_from }} bis zum {{ contract.valid_to }}.")
    para("{{ contract.termination }}")
    para(
        "{% if contract.notice_period_months %}Die ordentliche Kündigungsfrist beträgt "
        "{{ contract.notice_period_months }} Monate zum Monatsende.{% endif %} "
        "Das Recht zur Kündigung aus wichtigem Grund bleibt unberührt. Kündigungen bedürfen der Schriftform."
    )

    section("§ 7 Datenschutz")
    para(
        "Die Parteien verarbeiten Sozialdaten nur nach § 35 SGB I, §§ 67 ff. SGB X und der DSGVO. "
        "Daten einer leistungsberechtigten Person werden dem Leistungsträger nur mit ihrer Einwilligung oder "
        "auf "
        "gesetzlicher Grundlage übermittelt. Leistungsnachweise werden pseudonymisiert. Der Träger trifft "
        "angemessene technische und organisatorische Maßnahmen und löscht Daten nach Ablauf der "
        "Aufbewahrungsfristen."
    )

    section("§ 8 Schlussbestimmungen")
    para(
        "Änderungen und Ergänzungen bedürfen der Schriftform. Sollte eine Bestimmung unwirksam sein, bleibt "
        "die "
        "Wirksamkeit der übrigen Bestimmungen unberührt."
    )

    section("Unterschriften")
    sig = doc.add_table(rows=3, cols=2)
    sig.rows[0].cells[0].text = "Ort, Datum: ____________________"
    sig.rows[0].cells[1].text = "Ort, Datum: ____________________"
    sig.rows[1].cells[0].text = "\n\n______________________________"
    sig.rows[1].cells[1].text = "\n\n______________________________"
    sig.rows[2].cells[0].text = "{{ agency.name }}"
    sig.rows[2].cells[1].text = "{{ provider.legal_name }}"
    para()
    para("Erstellt am {{ today }} mit Bündnisnetz.")

    target.parent.mkdir(parents=True, exist_ok=True)
    doc.save(target)
    return target


if __name__ == "__main__":
    print(build())
