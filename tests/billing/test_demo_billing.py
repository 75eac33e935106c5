"""The demo alliance's billing (billing/demo.py) and the beat tasks of billing: closed periods, fan-out, dunning."""
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

TODAY = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def on_day(monkeypatch):
    """Set the clock (core.clock) to a day, 10:00 in Germany."""
    from core import clock

    def set_day(moment: datetime):
        monkeypatch.setattr(clock, "utcnow", lambda: moment)

    set_day(TODAY)
    return set_day


@pytest.fixture
def no_libreoffice(app, monkeypatch):
    """As on a machine without LibreOffice (and fast): every PDF conversion fails."""
    monkeypatch.setitem(app.config, "SOFFICE_BINARY", "/nonexistent/soffice")


def _seed(app):
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    return result.output


def _snapshot(demo_id):
    """Everything billing wrote, as plain rows (to compare a second seed with the first)."""
    from billing.models import BillingRun, Charge, Invoice, InvoiceDocument, Payment
    from core.extensions import db
    from core.tenancy.context import tenant_context

    with tenant_context(demo_id):
        return {
            "invoices": db.session.execute(select(Invoice.id, Invoice.kind, Invoice.number, Invoice.state,
                                                  Invoice.period, Invoice.issued_on, Invoice.due_on,
                                                  Invoice.gross_cents, Invoice.paid_cents)
                                           .order_by(Invoice.id)).all(),
            "charges": db.session.scalar(select(func.count()).select_from(Charge)),
            "payments": db.session.execute(select(Payment.invoice_id, Payment.on, Payment.amount_cents)
                                           .order_by(Payment.id)).all(),
            "files": db.session.execute(select(InvoiceDocument.invoice_id, InvoiceDocument.kind,
                                               InvoiceDocument.status).order_by(InvoiceDocument.id)).all(),
            "runs": db.session.scalar(select(func.count()).select_from(BillingRun)),
        }


def test_demo_alliance_has_issued_paid_overdue_and_cancelled_invoices_and_a_draft(app_ctx, on_day,
                                                                                   no_libreoffice):
    """After `demo seed` on 2 December 2026, does the demo alliance have the past months billed under its
    Jobcenter agreement — paid, partly paid, overdue, cancelled by a credit note and billed again, and a draft of
    November — with gap-free numbers in the order of the issue dates, non-trivial lines, files attempted (the
    conversion failure recorded, not fatal), and does a second seed change nothing?"""
    from billing.models import Charge, Invoice, InvoiceDocument, Payment
    from cases.models import ServiceEntry
    from core.extensions import db
    from core.tenancy.context import tenant_context
    from tenants.models import Tenant

    output = _seed(app_ctx)
    assert "1 draft, " in output and "1 overdue" in output and "1 credit note" in output
    demo = db.session.scalar(select(Tenant).where(Tenant.slug == "demo"))
    with tenant_context(demo.id):
        invoices = list(db.session.scalars(select(Invoice).order_by(Invoice.id)))
        by_status = sorted((i.kind, i.period, i.status) for i in invoices)
        assert by_status == [
            ("credit_note", "2026-09", "issued"),
            ("invoice", "2026-07", "paid"),
            ("invoice", "2026-08", "overdue"),
            ("invoice", "2026-09", "cancelled"),
            ("invoice", "2026-09", "issued"),
            ("invoice", "2026-10", "partly_paid"),
            ("invoice", "2026-11", "draft"),
        ]
        issued = sorted((i for i in invoices if i.number), key=lambda i: i.number)
        # gap-free and strictly increasing per year, in the order they were issued
        assert [i.number for i in issued] == [f"2026-{n:05d}" for n in range(1, len(issued) + 1)]
        assert [i.issued_on for i in issued] == sorted(i.issued_on for i in issued)
        assert all(i.issued_on < date(2026, 12, 2) for i in issued)
        for invoice in issued:
            if invoice.kind == "invoice":
                assert (invoice.due_on - invoice.issued_on).days == 30
                assert {line.kind for line in invoice.lines} == {"per_case_month", "per_unit", "per_period"}
                assert invoice.gross_cents == sum(line.amount_cents for line in invoice.lines)
            # the files were attempted once: the CSV is made, the PDFs' failure is recorded with its reason
            files = {d.kind: d for d in db.session.scalars(select(InvoiceDocument)
                                                            .where(InvoiceDocument.invoice_id == invoice.id))}
            assert files["statement_csv"].status == "done" and files["statement_csv"].sha256
            assert files["pdf"].status == "failed" and "LibreOffice" in files["pdf"].error

        paid = next(i for i in invoices if i.status == "paid")
        assert paid.paid_cents == paid.gross_cents == sum(db.session.scalars(
            select(Payment.amount_cents).where(Payment.invoice_id == paid.id)))
        part = next(i for i in invoices if i.status == "partly_paid")
        assert 0 < part.paid_cents < part.gross_cents and part.due_on >= date(2026, 12, 2)
        overdue = next(i for i in invoices if i.status == "overdue")
        assert overdue.state == "issued" and overdue.paid_cents == 0 and overdue.due_on < date(2026, 12, 2)

        # the credit note cancels the September invoice in full; September billed again with the late service
        cancelled = next(i for i in invoices if i.status == "cancelled")
        note = next(i for i in invoices if i.kind == "credit_note")
        again = next(i for i in invoices if i.period == cancelled.period and i.status == "issued"
                     and i.kind == "invoice")
        assert note.cancels_id == cancelled.id and cancelled.cancelled_by_id == note.id
        assert note.gross_cents == cancelled.gross_cents and note.number < again.number
        assert again.gross_cents > cancelled.gross_cents and again.due_on >= date(2026, 12, 2)
        released = set(db.session.scalars(select(Charge.key).where(Charge.invoice_id == cancelled.id)))
        rebilled = set(db.session.scalars(select(Charge.key).where(Charge.invoice_id == again.id,
                                                                    Charge.released_at.is_(None))))
        assert released < rebilled
        assert all(c.released_at is not None for c in db.session.scalars(
            select(Charge).where(Charge.invoice_id == cancelled.id)))
        # the entries of issued invoices are billed; those of the draft are not
        draft = next(i for i in invoices if i.status == "draft")
        assert draft.number is None and draft.issued_on is None and draft.lines
        hours = next(line for line in draft.lines if line.kind == "per_unit").quantity
        assert hours > Decimal(0)
        draft_entries = select(Charge.service_entry_id).where(Charge.invoice_id == draft.id,
                                                               Charge.kind == "entry")
        assert db.session.scalar(select(func.count()).select_from(ServiceEntry).where(
            ServiceEntry.id.in_(draft_entries), ServiceEntry.billed_at.is_not(None))) == 0
        again_entries = select(Charge.service_entry_id).where(Charge.invoice_id == again.id, Charge.kind == "entry")
        assert db.session.scalar(select(func.count()).select_from(ServiceEntry).where(
            ServiceEntry.id.in_(again_entries), ServiceEntry.billed_at.is_(None))) == 0

    first = _snapshot(demo.id)
    assert "exists already" in _seed(app_ctx)
    assert _snapshot(demo.id) == first


def test_demo_invoices_through_the_api(app, on_day, no_libreoffice):
    """Does the finance member of the demo see the invoices through the API, with the overdue filter?"""
    _seed(app)
    client = app.test_client()
    token = client.post("/api/v1/token", json={"email": "finanzen@demo.buendnisnetz.de",
                                               "password": "demo-passwort-2026", "tenant": "demo"}).json["token"]
    h = {"Authorization": f"Bearer {token}"}
    items = client.get("/api/v1/invoices", headers=h).json["items"]
    assert {i["status"] for i in items} == {"draft", "issued", "paid", "partly_paid", "overdue", "cancelled"}
    overdue = client.get("/api/v1/invoices?status=overdue", headers=h).json["items"]
    assert [i["period"] for i in overdue] == ["2026-08"]


def test_closed_periods_are_the_month_and_the_quarter_just_closed():
    """On the first days of a month, does beat bill the month just closed, and the quarter when one closed?"""
    from billing.services.invoices import closed_periods

    assert closed_periods(date(2026, 10, 1)) == ["2026-09", "2026-Q3"]
    assert closed_periods(date(2026, 10, 3)) == ["2026-09", "2026-Q3"]
    assert closed_periods(date(2026, 11, 2)) == ["2026-10"]
    assert closed_periods(date(2027, 1, 1)) == ["2026-12", "2026-Q4"]


def test_beat_schedule_bills_on_the_first_days_and_reminds_daily():
    """Are the two billing tasks in the beat schedule: closed periods on the 1st to 3rd, reminders daily?"""
    from core.celery import BEAT_SCHEDULE

    tasks = {entry["task"]: entry["schedule"] for entry in BEAT_SCHEDULE.values()}
    billing = tasks["billing.bill_closed_periods_all"]
    assert billing.day_of_month == {1, 2, 3} and len(billing.hour) == 1
    dunning = tasks["billing.send_dunning_all"]
    assert len(dunning.day_of_month) == 31 and len(dunning.hour) == 1


def test_beat_fan_out_starts_a_run_per_active_tenant_and_period(app, tenant_a, tenant_b, make_tenant, on_day):
    """On 1 October, does the fan-out task start, in every active tenant (not a suspended one), one run of
    September and one of the third quarter, each done?"""
    from billing.models import BillingRun
    from billing.tasks import bill_closed_periods_all
    from core.extensions import db
    from core.tenancy.context import tenant_context
    from tenants.models import Tenant

    suspended = make_tenant("gamma")
    with app.app_context():
        db.session.get(Tenant, suspended.tenant_id).status = "suspended"
        db.session.commit()
    on_day(datetime(2026, 10, 1, 3, 0, tzinfo=UTC))
    assert bill_closed_periods_all.delay().result == 2
    with app.app_context():
        for fx in (tenant_a, tenant_b, suspended):
            with tenant_context(fx.tenant_id):
                runs = db.session.execute(select(BillingRun.period, BillingRun.status, BillingRun.trigger)
                                          .order_by(BillingRun.period)).all()
                expected = [] if fx is suspended else [("2026-09", "done", "beat"), ("2026-Q3", "done", "beat")]
                assert [tuple(r) for r in runs] == expected


def test_dunning_sends_each_level_once(app, on_day, no_libreoffice):
    """Does the reminder task send the overdue demo invoice one e-mail per level (7, 21, 35 days late), never
    the same level twice, with the level recorded; and nothing for invoices not yet due or paid?"""
    from billing.models import DunningNotice, Invoice
    from billing.tasks import send_dunning_all
    from core.extensions import db
    from core.mail import outbox
    from core.tenancy.context import tenant_context
    from tenants.models import Tenant

    # seeded on 2 December; then the days after the due date of its overdue invoice replayed
    _seed(app)
    outbox.clear()
    with app.app_context():
        demo_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == "demo"))
        with tenant_context(demo_id):
            overdue = db.session.scalar(select(Invoice).where(Invoice.period == "2026-08"))
            due, number = overdue.due_on, overdue.number
    sent = []
    for days_late in (1, 6, 7, 8, 20, 21, 22, 35, 36, 60):
        on_day(datetime.combine(due + timedelta(days=days_late), time(9, 0), tzinfo=UTC))
        before = len(outbox)
        send_dunning_all.delay()
        sent += [(days_late, m["To"], m["Subject"]) for m in outbox[before:]]
    assert [d for d, _to, _subject in sent] == [7, 21, 35]
    assert all(to == "rechnungen@jobcenter-musterstadt.de" and number in subject for _d, to, subject in sent)
    with app.app_context(), tenant_context(demo_id):
        assert sorted(db.session.scalars(select(DunningNotice.level))) == [1, 2, 3]
        assert db.session.scalar(select(Invoice.dunning_level).where(Invoice.number == number)) == 3
