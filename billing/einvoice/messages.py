"""What a failed e-invoice rule means for the person issuing: the field it is about and where to fix it.

The rules' own texts are the official ones (English for EN 16931, German for XRechnung) and name business terms
(BT-10 …); a clerk needs the field of this product ("the agency's Leitweg-ID") and the page to fix it on.
"""

import re

from flask_babel import lazy_gettext as _l

AGENCY = "agency"
ISSUER = "issuer"
CONTRACT = "contract"
INTERNAL = "internal"

# rule id -> (field in words, where it is fixed)
FIELDS = {
    "BR-DE-15": (_l("Leitweg-ID of the funding agency missing"), AGENCY),
    "BR-DE-1": (_l("payment instructions missing"), ISSUER),
    "BR-DE-2": (_l("contact person of the alliance missing"), ISSUER),
    "BR-DE-3": (_l("city of the alliance's address missing"), ISSUER),
    "BR-DE-4": (_l("postcode of the alliance's address missing"), ISSUER),
    "BR-DE-5": (_l("contact person of the alliance missing"), ISSUER),
    "BR-DE-6": (_l("telephone number of the alliance missing"), ISSUER),
    "BR-DE-7": (_l("e-mail address of the alliance missing"), ISSUER),
    "BR-DE-8": (_l("city of the funding agency's address missing"), AGENCY),
    "BR-DE-9": (_l("postcode of the funding agency's address missing"), AGENCY),
    "BR-DE-16": (_l("tax number or VAT ID of the alliance missing"), ISSUER),
    "BR-DE-19": (_l("IBAN of the alliance invalid"), ISSUER),
    "BR-DE-23": (_l("IBAN of the alliance missing"), ISSUER),
    "BR-DE-21": (_l("XRechnung identifier wrong"), INTERNAL),
    "BR-CO-26": (_l("VAT ID or register number of the alliance missing"), ISSUER),
    "BR-CO-9": (_l("VAT ID of the alliance invalid"), ISSUER),
    "BR-6": (_l("name of the alliance missing"), ISSUER),
    "BR-7": (_l("name of the funding agency missing"), AGENCY),
    "BR-8": (_l("address of the alliance missing"), ISSUER),
    "BR-9": (_l("country of the alliance's address missing"), ISSUER),
    "BR-10": (_l("address of the funding agency missing"), AGENCY),
    "BR-11": (_l("country of the funding agency's address missing"), AGENCY),
    "BR-50": (_l("IBAN of the alliance missing"), ISSUER),
    "BR-62": (_l("electronic address of the alliance invalid"), ISSUER),
    "BR-63": (_l("electronic address of the funding agency invalid"), AGENCY),
    "BR-E-10": (_l("reason of the VAT exemption missing"), CONTRACT),
    "BR-S-5": (_l("VAT rate missing"), CONTRACT),
}
# rule id -> the field of the API (issuer data, agency or contract) that fixes it
API_FIELDS = {
    "BR-DE-15": "leitweg_id", "BR-DE-2": "contact_name", "BR-DE-5": "contact_name", "BR-DE-6": "phone",
    "BR-DE-7": "email", "BR-DE-16": "tax_number", "BR-DE-19": "iban", "BR-DE-23": "iban", "BR-50": "iban",
    "BR-DE-1": "iban", "BR-DE-3": "address", "BR-DE-4": "address", "BR-DE-8": "address", "BR-DE-9": "address",
    "BR-8": "address", "BR-9": "address", "BR-10": "address", "BR-11": "address", "BR-CO-26": "register_number",
    "BR-CO-9": "vat_id", "BR-6": "legal_name", "BR-7": "name", "BR-62": "email", "BR-E-10": "vat_exempt_reason",
    "BR-S-5": "vat",
}
FIXES = {
    AGENCY: _l("complete it at the funding agency %(agency)s"),
    ISSUER: _l("complete it in the alliance's settings"),
    CONTRACT: _l("complete it in the contract %(contract)s"),
    INTERNAL: _l("the invoice's amounts do not add up; please report this error"),
}


def field_of(rule: str):
    """(field in words, where to fix) of a rule; sums and other computed parts are the product's own error."""
    if rule in FIELDS:
        return FIELDS[rule]
    if re.match(r"^BR-(CO|S|E|AE|Z|O)-\d+$", rule) or rule in ("XSD", "XML"):
        return _l("amounts or structure of the e-invoice"), INTERNAL
    return None, INTERNAL


def explain(problems, *, agency: str = "", contract: str = "") -> str:
    """"BR-DE-15 (Leitweg-ID of the funding agency missing) – complete it at the funding agency X; …"."""
    parts, seen = [], set()
    for problem in problems:
        if problem.rule in seen:
            continue
        seen.add(problem.rule)
        label, where = field_of(problem.rule)
        label = str(label) if label else problem.message
        fix = str(FIXES[where]) % {"agency": agency, "contract": contract}
        parts.append(f"{problem.rule} ({label}) – {fix}")
    return "; ".join(parts)


def field_errors(problems) -> dict[str, list[str]]:
    """{API field: [what is wrong, in words]}; a rule without a field of ours under "xrechnung" with its text."""
    errors: dict[str, list[str]] = {}
    for problem in problems:
        label, _where = field_of(problem.rule)
        name = API_FIELDS.get(problem.rule, "xrechnung")
        text = f"{problem.rule}: {label}" if name != "xrechnung" else f"{problem.rule}: {problem.message}"
        if text not in errors.setdefault(name, []):
            errors[name].append(text)
    return errors
