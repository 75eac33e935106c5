"""What the audit log calls invoices and billing runs, their fields and codes (core.labels)."""
from flask_babel import lazy_gettext as _l

from billing import periods
from billing.forms import INVOICE_STATUS_LABELS, KIND_LABELS, RUN_STATUS_LABELS, CreditNoteForm, PaymentForm
from billing.models import BillingRun, Invoice
from core import labels
from core.extensions import db


def _invoice_number(invoice_id) -> str | None:
    invoice = db.session.get(Invoice, invoice_id) if isinstance(invoice_id, int) else None
    return invoice.number if invoice and invoice.number else None


def _run_period(run_id) -> str | None:
    run = db.session.get(BillingRun, run_id) if isinstance(run_id, int) else None
    return periods.label(run.period) if run else None


def register() -> None:
    labels.register_reference("invoice_id", _l("Invoice"), _invoice_number)
    labels.register_object("invoices", labels.ObjectLabels(
        _l("Invoice"),
        fields={**labels.form_labels(PaymentForm, CreditNoteForm), "gross_cents": _l("Gross amount"),
                "net_cents": _l("Net amount"), "paid_cents": _l("Paid"), "amount_cents": _l("Amount"),
                "credit_note": _l("Credit note"), "invoice": _l("Invoice"), "level": _l("Reminder level"),
                "number": _l("Invoice number")},
        choices={"status": INVOICE_STATUS_LABELS, "kind": KIND_LABELS}, name_of=_invoice_number,
        formats={"period": periods.label}))
    labels.register_object("billing_runs", labels.ObjectLabels(
        _l("Billing run"), fields={"period": _l("Billing period")}, choices={"status": RUN_STATUS_LABELS},
        name_of=_run_period, formats={"period": periods.label}))
    labels.register_actions({
        "billing_run.start": _l("Billing run started"), "billing_run.retry": _l("Billing run repeated"),
        "invoice.issue": _l("Invoice issued"), "invoice.send": _l("Invoice sent"),
        "invoice.recalculate": _l("Draft invoice recalculated"), "invoice.delete": _l("Draft invoice deleted"),
        "invoice.payment": _l("Payment recorded"), "invoice.payment_reverse": _l("Payment taken back"),
        "invoice.dunning": _l("Payment reminder sent"), "invoice.download": _l("Invoice file downloaded"),
        "invoice.credit_note": _l("Invoice cancelled by a credit note"),
        "service_entry.bill": _l("Services billed"), "contract.efficiency_report": _l("Efficiency report created"),
    })
