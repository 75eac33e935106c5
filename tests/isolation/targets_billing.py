"""Tenant B's objects for the URL id arguments of billing/ (runs, invoices with their files).

The invoice is issued and has every file done (stored bytes, no LibreOffice), so each download route of the probe
asks for a file that exists: a 404 then comes from the tenant wall, not from a missing file.
"""
from datetime import date, timedelta

from billing.models import BillingRun, Charge, Invoice, InvoiceDocument, InvoiceLine
from billing.services.documents import FILES
from contracts import services as contracts
from core import storage
from core.extensions import db
from tests.isolation.targets import MARKER, target
from tests.isolation.targets_contracts import _contract


@target("run_id")
def run(fx):
    billing_run = BillingRun(period="2026-10", status="done", trigger="api", steps_total=0, steps_done=0,
                             error=MARKER, unbilled=[], invoice_ids=[])
    db.session.add(billing_run)
    db.session.flush()
    return billing_run.id


@target("invoice_id")
def invoice(fx):
    existing = contracts.list_contracts()  # the contract_id target's contract, when it was made first
    contract = existing[0] if existing else _contract(fx)
    today = date.today()
    issued = Invoice(kind="invoice", number=f"{today.year}-90001", agency_id=contract.agency_id,
                     contract_id=contract.id, period="2026-10", period_start=date(2026, 10, 1),
                     period_end=date(2026, 10, 31), state="issued", issued_on=today,
                     due_on=today + timedelta(days=30), net_cents=100, gross_cents=100,
                     contract_title=f"{MARKER} Vertrag", issuer={"name": MARKER},
                     recipient={"name": f"{MARKER} Jobcenter", "email": "b@beta.example.org"})
    db.session.add(issued)
    db.session.flush()
    line = InvoiceLine(invoice_id=issued.id, position=1, kind="per_period", label=f"{MARKER} Pauschale",
                       quantity=1, unit_cents=100, amount_cents=100)
    db.session.add(line)
    db.session.flush()
    db.session.add(Charge(invoice_id=issued.id, line_id=line.id, contract_id=contract.id, kind="period",
                          key=f"p:{contract.id}:2026-10:probe-{issued.id}", on=date(2026, 10, 1),
                          amount_cents=100))
    for kind, (suffix, _mime) in FILES.items():
        stored = storage.store(fx.tenant_id, "invoices", f"{MARKER} {kind}".encode(), suffix)
        db.session.add(InvoiceDocument(invoice_id=issued.id, kind=kind, status="done", path=stored.path,
                                       sha256=stored.sha256, size=stored.size))
    db.session.flush()
    return issued.id


@target("payment_id")
def payment(fx):
    """A payment on the invoice target (made before: targets are made in the order of their names)."""
    from sqlalchemy import select

    from billing.models import Payment

    invoice_id = db.session.scalar(select(Invoice.id).order_by(Invoice.id.desc())) or invoice(fx)
    row = Payment(invoice_id=invoice_id, on=date.today(), amount_cents=50, note=MARKER)
    db.session.add(row)
    db.session.flush()
    return row.id
