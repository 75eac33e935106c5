"""Finance's start page items: periods to bill, invoices overdue, drafts to issue."""
from datetime import timedelta

from tests import today_rows as rows
from tests.conftest import berlin_today


def _items(app, fx, key):
    return rows.items_by_key(app, fx, key)


def _invoice(contract, state, due_on):
    from billing.models import Invoice
    from core.extensions import db

    start = berlin_today().replace(day=1) - timedelta(days=1)
    row = Invoice(kind="invoice", agency_id=contract.agency_id, contract_id=contract.id, period=start.strftime("%Y-%m"),
                  period_start=start.replace(day=1), period_end=start, state=state, due_on=due_on,
                  gross_cents=10000, net_cents=10000)
    db.session.add(row)
    return row


def test_a_finance_member_sees_overdue_invoices_and_drafts(app, tenant_a, tenant_b, make_agency):
    """Does finance see one overdue invoice (not the one still in time, not the paid one) and one draft; does a
    case manager, a viewer or another alliance see none of them?"""
    today = berlin_today()
    agency = make_agency(tenant_a)
    with app.app_context(), tenant_a.context() as s:
        c = rows.contract(agency)
        _invoice(c, "issued", today - timedelta(days=3))
        _invoice(c, "sent", today + timedelta(days=10))
        _invoice(c, "paid", today - timedelta(days=30))
        _invoice(c, "draft", None)
        s.commit()
    items = _items(app, tenant_a, "finance")
    assert items["billing.overdue"]["count"] == 1
    assert items["billing.overdue"]["url"] == f"/{tenant_a.slug}/invoices/overdue"
    assert items["billing.drafts"]["count"] == 1
    assert _items(app, tenant_a, "owner")["billing.overdue"]["count"] == 1
    for key in ("case_manager", "viewer"):
        assert not {"billing.overdue", "billing.drafts"} & set(_items(app, tenant_a, key)), key
    assert "billing.overdue" not in _items(app, tenant_b, "finance")


def test_an_ended_month_without_a_run_is_to_bill_until_it_is_run(app, tenant_a, make_agency):
    """Is last month to bill while an active monthly contract has no finished run of it, and not after one?"""
    from billing.models import BillingRun
    from billing.services.due import recent_periods

    agency = make_agency(tenant_a)
    with app.app_context(), tenant_a.context() as s:
        rows.contract(agency)
        s.commit()
    items = _items(app, tenant_a, "finance")
    assert items["billing.periods_to_bill"]["count"] == 3  # the last three ended months (no quarterly contract)
    last_month = recent_periods(berlin_today())[0].key
    oldest = recent_periods(berlin_today())[2].key
    assert items["billing.periods_to_bill"]["url"] == f"/{tenant_a.slug}/billing?period={oldest}"
    with app.app_context(), tenant_a.context() as s:
        for key in {p.key for p in recent_periods(berlin_today())} - {last_month}:
            s.add(BillingRun(period=key, status="done"))
        s.add(BillingRun(period=last_month, status="failed"))
        s.commit()
    assert _items(app, tenant_a, "finance")["billing.periods_to_bill"]["count"] == 1
    with app.app_context(), tenant_a.context() as s:
        s.add(BillingRun(period=last_month, status="done"))
        s.commit()
    assert "billing.periods_to_bill" not in _items(app, tenant_a, "finance")
