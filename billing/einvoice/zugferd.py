"""ZUGFeRD 2 / Factur-X (profile EN 16931): the invoice PDF as PDF/A-3 with the very XRechnung XML embedded as
`factur-x.xml` (AFRelationship "Data"), for inboxes that prefer one file. The PDF is LibreOffice's PDF/A-3b
export of the invoice (billing.services.documents makes the "pdf" kind that way); `factur-x` adds the embedded
file and the XMP metadata ZUGFeRD readers look for."""

from facturx import generate_from_binary, get_xml_from_pdf


def build(pdf: bytes, xml: bytes, *, number: str, seller: str, credit_note: bool = False) -> bytes:
    label = "Gutschrift" if credit_note else "Rechnung"
    metadata = {"author": seller, "keywords": "Factur-X, ZUGFeRD, XRechnung", "title": f"{seller}: {label} {number}",
                "subject": f"{label} {number} von {seller}"}
    # the XML was checked against the XSD and the business rules already (billing.einvoice.validate)
    return generate_from_binary(pdf, xml, flavor="factur-x", level="en16931", check_xsd=False,
                                pdf_metadata=metadata, lang="de-DE")


def embedded_xml(pdf: bytes) -> tuple[str, bytes]:
    """(file name, XML) embedded in a ZUGFeRD / Factur-X PDF."""
    name, xml = get_xml_from_pdf(pdf, check_xsd=False)
    return name, xml
