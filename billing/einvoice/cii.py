"""XRechnung 3.0 as UN/CEFACT Cross Industry Invoice (CII, D16B), built with `drafthorse` from the plain invoice
dict of `billing.services.documents.invoice_data` (no database here: the same dict the PDF is made from, so both
show the same cents).

What each part carries (EN 16931 business terms):
- BT-1 number, BT-2 issue date, BT-3 type 380 (invoice) or 381 (credit note, with BT-25/26 the invoice it
  cancels), BT-9 due date with the payment terms BT-20, BT-10 the agency's Leitweg-ID, BG-14 the period billed.
- Seller (BG-4): legal name, address (BG-5), contact (BG-6: BR-DE-2, BR-DE-5…7), electronic address BT-34 (its
  e-mail), tax registrations (BT-31 USt-IdNr. "VA", BT-32 Steuernummer "FC") and the register entry as legal
  registration BT-30, so that an e.V. with only a Steuernummer still meets BR-CO-26.
- Buyer (BG-7): the agency's name and address; its electronic address BT-49 is the Leitweg-ID (scheme 0204), else
  its invoice e-mail.
- Payment (BG-16/17): SEPA credit transfer (58) to the issuer's IBAN and BIC.
- VAT: category S with the contract's rate, or E (exempt) with the exemption reason BT-120 (and its VATEX code
  BT-121 where the reason is a § 4 UStG exemption of Art. 132 of the VAT directive).
- The budget cut is a document-level allowance (BG-20, BT-92…97) in the invoice's VAT category, not a line:
  an invoice line may not have a negative price (BR-27), and an allowance is what a cut is.
"""

import re
from datetime import date
from decimal import Decimal

from drafthorse.models.accounting import ApplicableTradeTax, CategoryTradeTax
from drafthorse.models.document import Document
from drafthorse.models.note import IncludedNote
from drafthorse.models.party import TaxRegistration
from drafthorse.models.payment import PaymentMeans, PaymentTerms
from drafthorse.models.trade import TradeAllowanceCharge
from drafthorse.models.tradelines import LineItem

XRECHNUNG_3 = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
PEPPOL_BILLING = "urn:fdc:peppol.eu:2017:poacc:billing:01.0"
TYPE_CODES = {"invoice": "380", "credit_note": "381"}
UNIT_CODES = {"h": "HUR"}  # UN/ECE Rec. 20; everything else counts pieces (C62, "one")
UNIT_NAMES = {"h": "Std.", "case_month": "Fallmonat(e)", "period": "Abrechnungszeitraum", "": ""}
DEFAULT_VAT_EXEMPT_REASON = "Die Leistungen sind nach § 4 Nr. 15b UStG von der Umsatzsteuer befreit."
# § 4 UStG exemptions that implement Art. 132 VAT directive (activities in the public interest: social work,
# youth welfare, education, care): VATEX-EU-132. Other reasons go as text only.
_ART_132 = re.compile(r"§\s*4\s*Nr\.?\s*(14|15|15a|15b|16|18|20|21|22|23|24|25|26|27)\b")


def money(cents: int) -> Decimal:
    return (Decimal(int(cents)) / 100).quantize(Decimal("0.01"))


def _quantity_text(line: dict) -> str:
    quantity = Decimal(str(line["quantity"])).normalize()
    text = f"{quantity:f}".replace(".", ",")
    unit = UNIT_NAMES.get(line.get("unit") or "", "")
    return f"{text} {unit} × {_euro(line['unit_cents'])}".replace("  ", " ")


def _euro(cents: int) -> str:
    return f"{money(cents):,.2f} €".replace(",", "X").replace(".", ",").replace("X", ".")


def exemption(data: dict) -> tuple[str, str | None]:
    """(BT-120 reason text, BT-121 VATEX code or None) of an exempt invoice: its own reason, else the default."""
    reason = " ".join((data.get("vat_exempt_reason") or "").split()) or DEFAULT_VAT_EXEMPT_REASON
    return reason, ("VATEX-EU-132" if _ART_132.search(reason) else None)


def _vat(data: dict) -> tuple[str, Decimal]:
    if data.get("vat") == "exempt":
        return "E", Decimal("0.00")
    return "S", Decimal(str(data.get("vat_rate") or 0)).quantize(Decimal("0.00"))


def _address(target, parts: dict) -> None:
    lines = parts.get("lines") or []
    for attribute, text in zip(("line_one", "line_two", "line_three"), lines, strict=False):
        setattr(target, attribute, text)
    if parts.get("postcode"):
        target.postcode = parts["postcode"]
    if parts.get("city"):
        target.city_name = parts["city"]
    target.country_id = parts.get("country") or "DE"


def _line_item(line: dict, category: str, rate: Decimal) -> LineItem:
    """One invoice line whose net amount is exactly the PDF's line (its cents).

    A line's cents are rounded once per case and area (hours) or pro-rated by days (case-months), so quantity ×
    unit price is not always the line amount (3,0833 h × 40,00 € = 123,332 €; three pro-rated case-months of
    120,00 € = 294,19 €). Receivers check quantity × price = line amount, so such a line goes as quantity 1 at
    the line amount, with the real quantity and rate in its note (BT-127) and name; a line whose quantity ×
    price is exact keeps them as they are.
    """
    item = LineItem()
    item.document.line_id = str(line["position"])
    quantity = Decimal(str(line["quantity"]))
    amount = money(line["amount_cents"])
    exact = quantity * Decimal(int(line["unit_cents"])) == Decimal(int(line["amount_cents"]))
    item.product.name = line["label"] or "Leistung"
    if exact:
        unit = UNIT_CODES.get(line.get("unit") or "", "C62")
        item.agreement.net.amount = money(line["unit_cents"])
        item.delivery.billed_quantity = (quantity.quantize(Decimal("0.0001")), unit)
    else:
        note = IncludedNote()
        note.content = f"{_quantity_text(line)}, auf den Cent gerundet: {_euro(line['amount_cents'])}"
        item.document.notes.add(note)
        item.agreement.net.amount = amount
        item.delivery.billed_quantity = (Decimal("1.0000"), "C62")
    item.settlement.trade_tax.type_code = "VAT"
    item.settlement.trade_tax.category_code = category
    item.settlement.trade_tax.rate_applicable_percent = rate
    item.settlement.monetary_summation.total_amount = amount
    return item


def build(data: dict) -> bytes:
    """The XRechnung (CII) of an issued invoice or credit note, as UTF-8 bytes."""
    issuer, recipient = data["issuer"], data["recipient"]
    seller_name = issuer.get("legal_name") or issuer.get("name") or ""
    category, rate = _vat(data)
    reason, reason_code = exemption(data) if category == "E" else ("", None)

    doc = Document()
    doc.context.business_parameter.id = PEPPOL_BILLING
    doc.context.guideline_parameter.id = XRECHNUNG_3
    doc.header.id = data["number"]
    doc.header.type_code = TYPE_CODES[data["kind"]]
    doc.header.issue_date_time = data["issued_on"]
    note = IncludedNote()
    note.content = f"Vertrag: {data['contract']['title']}; Abrechnungszeitraum {data['period']}"
    doc.header.notes.add(note)
    if data["kind"] == "credit_note" and data.get("cancels_number"):
        note = IncludedNote()
        note.content = f"Gutschrift zur Stornierung der Rechnung {data['cancels_number']}"
        doc.header.notes.add(note)

    agreement = doc.trade.agreement
    agreement.buyer_reference = recipient.get("leitweg_id") or ""  # BT-10: BR-DE-15 names it when empty
    seller = agreement.seller
    seller.name = seller_name
    if issuer.get("register_number"):
        seller.legal_organization.id = issuer["register_number"]  # BT-30 (BR-CO-26 without a USt-IdNr.)
    if issuer.get("name") and issuer.get("name") != seller_name:
        seller.legal_organization.trade_name = issuer["name"]
    seller.contact.person_name = issuer.get("contact_name") or ""
    seller.contact.telephone.number = issuer.get("phone") or ""
    seller.contact.email.address = issuer.get("email") or ""
    _address(seller.address, data["issuer_address"])
    if issuer.get("email"):
        seller.electronic_address.uri_ID = ("EM", issuer["email"])
    if issuer.get("vat_id"):
        seller.tax_registrations.add(TaxRegistration(id=("VA", issuer["vat_id"].replace(" ", ""))))
    if issuer.get("tax_number"):
        seller.tax_registrations.add(TaxRegistration(id=("FC", issuer["tax_number"])))
    buyer = agreement.buyer
    buyer.name = recipient.get("name") or ""
    _address(buyer.address, data["recipient_address"])
    if recipient.get("leitweg_id"):
        buyer.electronic_address.uri_ID = ("0204", recipient["leitweg_id"])
    elif recipient.get("email"):
        buyer.electronic_address.uri_ID = ("EM", recipient["email"])

    for line in data["lines"]:
        if line["kind"] != "budget_cut":
            doc.trade.items.add(_line_item(line, category, rate))

    settlement = doc.trade.settlement
    settlement.currency_code = "EUR"
    if data["kind"] == "credit_note" and data.get("cancels_number"):
        settlement.invoice_referenced_document.issuer_assigned_id = data["cancels_number"]  # BT-25
        if data.get("cancels_issued_on"):
            settlement.invoice_referenced_document.issue_date_time = data["cancels_issued_on"]  # BT-26
    means = PaymentMeans()
    means.type_code = "58"  # SEPA credit transfer
    means.payee_account.iban = (issuer.get("iban") or "").replace(" ", "")
    means.payee_account.account_name = seller_name
    if issuer.get("bic"):
        means.payee_institution.bic = issuer["bic"].replace(" ", "")
    settlement.payment_means.add(means)
    settlement.period.start = data["period_start"]
    settlement.period.end = data["period_end"]

    cut_cents = int(data.get("budget_cut_cents") or 0)
    if cut_cents:
        allowance = TradeAllowanceCharge()
        allowance.indicator = False
        allowance.actual_amount = money(cut_cents)
        allowance.reason = "Kürzung auf das verbleibende Budget des Vertrags"
        tax = CategoryTradeTax()
        tax.type_code = "VAT"
        tax.category_code = category
        tax.rate_applicable_percent = rate
        allowance.trade_tax.add(tax)
        settlement.allowance_charge.add(allowance)

    lines_cents = sum(int(line["amount_cents"]) for line in data["lines"] if line["kind"] != "budget_cut")
    breakdown = ApplicableTradeTax()
    breakdown.calculated_amount = money(data["tax_cents"])
    breakdown.type_code = "VAT"
    if category == "E":
        breakdown.exemption_reason = reason
        if reason_code:
            breakdown.exemption_reason_code = reason_code
    breakdown.basis_amount = money(data["net_cents"])
    breakdown.category_code = category
    breakdown.rate_applicable_percent = rate
    settlement.trade_tax.add(breakdown)

    terms = PaymentTerms()
    due: date | None = data.get("due_on")
    if data["kind"] == "credit_note":
        terms.description = (f"Der Betrag wird bis zum {due:%d.%m.%Y} erstattet." if due
                             else "Der Betrag wird erstattet.")
    else:
        terms.description = f"Zahlbar ohne Abzug bis zum {due:%d.%m.%Y}." if due else "Zahlbar ohne Abzug."
    if due:
        terms.due = due
    settlement.terms.add(terms)

    summation = settlement.monetary_summation
    summation.line_total = money(lines_cents)
    summation.charge_total = money(0)
    summation.allowance_total = money(cut_cents)
    summation.tax_basis_total = money(data["net_cents"])
    summation.tax_total = (money(data["tax_cents"]), "EUR")
    summation.grand_total = money(data["gross_cents"])
    summation.prepaid_total = money(0)
    summation.due_amount = money(data["gross_cents"])
    return doc.serialize(schema=None)
