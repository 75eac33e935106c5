"""What the audit log and the amendment diff call contracts, their terms and codes (core.labels)."""
from flask_babel import format_datetime, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from contracts.forms import (
    BILLING_CYCLE_LABELS,
    LEGAL_BASIS_LABELS,
    RATE_KIND_LABELS,
    ROUTE_LABELS,
    STATUS_LABELS,
    VAT_LABELS,
    ContractForm,
    EnrolmentEditForm,
    EnrolmentEndForm,
    EnrolmentForm,
    TransitionForm,
)
from contracts.models import Contract, ContractDocument, ContractTemplate
from core import labels
from core.extensions import db
from core.money import format_cents
from network.labels import service_area_name

TERM_LABELS = {
    **labels.form_labels(ContractForm),
    "budget_cents": _l("Budget cap"), "agency_id": _l("Funding agency"), "rates": _l("Compensation"),
}
TERM_CHOICES = {"legal_basis": dict(LEGAL_BASIS_LABELS), "route": dict(ROUTE_LABELS),
                "billing_cycle": dict(BILLING_CYCLE_LABELS), "vat": dict(VAT_LABELS), "status": STATUS_LABELS}


def rate_text(plain: str) -> str:
    """A rate line as terms_diff and the audit log keep it ("per_case_month case_management 18000") as people
    read it: "Flat rate per case and month, Fallmanagement: 180,00 €"."""
    parts = str(plain).split(" ")
    if len(parts) != 3 or not parts[2].isdigit():
        return str(plain)
    kind, area, cents = parts
    text = str(dict(RATE_KIND_LABELS).get(kind, kind))
    if area != "-":
        text += f", {service_area_name(area) or area}"
    return f"{text}: {format_cents(int(cents))}"


def rates_text(value) -> str:
    items = value if isinstance(value, list) else str(value).split("; ")
    return "; ".join(rate_text(item) for item in items if item) or "–"


def approved_hours_text(value) -> str:
    """Approved hours as the audit log keeps them ({"childcare": 40}) as people read them ("Kinderbetreuung:
    40,0 Std.")."""
    if not isinstance(value, dict):
        return str(value)
    return "; ".join(_("%(area)s: %(hours)s h", area=service_area_name(code) or code,
                       hours=format_decimal(hours, format="#,##0.0#")) for code, hours in value.items()) or "–"


def _contract_name(contract_id) -> str | None:
    contract = db.session.get(Contract, contract_id) if isinstance(contract_id, int) else None
    if contract is None:
        return None
    return _("%(title)s (version %(version)s)", title=contract.title, version=contract.version)


def _template_name(template_id) -> str | None:
    row = db.session.get(ContractTemplate, template_id) if isinstance(template_id, int) else None
    return row.label if row else None


def _document_name(document_id) -> str | None:
    doc = db.session.get(ContractDocument, document_id) if isinstance(document_id, int) else None
    if doc is None:
        return None
    kind = _("signed copy") if doc.kind == "signed" else _("contract document")
    return f"{kind} ({format_datetime(doc.created_at, 'short')})"


def register() -> None:
    labels.register_reference("contract_id", _l("Contract"), _contract_name)
    labels.register_reference("amends_id", _l("Amends"), _contract_name)
    labels.register_reference("template_id", _l("Template"), _template_name)
    labels.register_reference("document_id", _l("Document"), _document_name)
    labels.register_object("contracts", labels.ObjectLabels(
        _l("Contract"), fields={**TERM_LABELS, "on": _l("Effective date"), "reason": _l("Reason")},
        choices=TERM_CHOICES,
        formats={"rates": rates_text}, name_of=_contract_name))
    labels.register_object("contract_documents", labels.ObjectLabels(
        _l("Contract document"), choices={"format": {"docx": _l("Word (.docx)"), "pdf": _l("PDF")}},
        name_of=_document_name))
    labels.register_object("contract_templates", labels.ObjectLabels(
        _l("Contract template"), fields={"template": _l("Template")}, name_of=_template_name))
    labels.register_object("enrolments", labels.ObjectLabels(
        _l("Funding approval"),
        fields={**labels.form_labels(EnrolmentForm, EnrolmentEditForm, EnrolmentEndForm, TransitionForm),
                "approved_hours": _l("Approved hours")},
        formats={"approved_hours": approved_hours_text}))
    labels.register_actions({
        "contract.create": _l("Contract drafted"), "contract.update": _l("Contract terms changed"),
        "contract.delete": _l("Draft contract deleted"), "contract.transition": _l("Contract step taken"),
        "contract.amend": _l("Amendment drafted"), "contract.render": _l("Contract document created"),
        "contract.signed_copy": _l("Signed copy stored"), "contract.download": _l("Contract document downloaded"),
        "contract.reminder": _l("Contract reminder sent"), "contract_template.upload": _l("Template uploaded"),
        "contract_template.download": _l("Template downloaded"), "enrolment.create": _l("Funding approval added"),
        "enrolment.update": _l("Funding approval changed"), "enrolment.end": _l("Funding approval ended early"),
        "contract.step_undone": _l("Contract step undone"),
    })
