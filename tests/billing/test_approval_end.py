"""Billing respects a funding approval ended early (issue 14, item 6): from the day after its end a service is not
billed under it, its case-months count only up to the end, and the SQL plan still equals the plain Python
reference."""
from datetime import date

from tests.billing import reference_plan
from tests.billing.conftest import _actor


def _plan(period_key):
    from billing.services import parse_period, plan_period

    period = parse_period(period_key)
    plan = plan_period(period)
    reference = reference_plan.plan_period(period)
    assert sorted((u.entry_id, u.reason) for u in plan.unbilled) == \
        sorted((u.entry_id, u.reason) for u in reference.unbilled)
    assert sorted((p.contract.id, p.net_cents) for p in plan.invoices) == \
        sorted((p.contract.id, p.net_cents) for p in reference.invoices)
    return plan


def _net(plan, contract_id) -> int:
    """What the period would invoice under the contract (0 without an invoice)."""
    return sum(p.net_cents for p in plan.invoices if p.contract.id == contract_id)


def test_services_after_an_early_end_are_not_billed(app, tenant_a, example):
    """Case 1 is enrolled under A from 10 October; ended on 15 October, its qualification of 20 October is left
    out while that of 12 October is still billed, and November has no case-month of it."""
    from sqlalchemy import select

    from contracts import services
    from contracts.models import Enrolment
    from core.extensions import db

    with app.app_context(), tenant_a.context():
        before, november = _plan("2026-10"), _plan("2026-11")
        left_out = {u.entry_id: u.reason for u in before.unbilled}
        assert example.entries["1-q2"] not in left_out and example.entries["1-q1"] not in left_out
        enrolment = db.session.scalar(select(Enrolment).where(Enrolment.case_id == example.cases[1],
                                                              Enrolment.contract_id == example.contracts["A"]))
        services.end_enrolment(enrolment, {"ended_on": date(2026, 10, 15), "end_reason": "Arbeitsaufnahme"},
                               _actor())
        db.session.flush()
        after = _plan("2026-10")
        left_out = {u.entry_id: u.reason for u in after.unbilled}
        # 20 October, after the end: only D (a rate for housing only) still enrols case 1
        assert left_out[example.entries["1-q2"]] == "no_rate"
        assert example.entries["1-q1"] not in left_out  # 12 October: still funded
        assert _net(after, example.contracts["A"]) < _net(before, example.contracts["A"])
        # and no case-month of case 1 in November any more: 180,00 € less for the Jobcenter
        a = example.contracts["A"]
        assert _net(november, a) - _net(_plan("2026-11"), a) == 18000


def test_a_quarter_bills_nothing_after_the_end(app, tenant_a, example):
    """Case 4 is enrolled under C from July to December (a flat rate per quarter, hours for debt counselling):
    ended on 30 September, its October service falls out of the fourth quarter."""
    from sqlalchemy import select

    from contracts import services
    from contracts.models import Enrolment
    from core.extensions import db

    with app.app_context(), tenant_a.context():
        enrolment = db.session.scalar(select(Enrolment).where(Enrolment.case_id == example.cases[4],
                                                              Enrolment.contract_id == example.contracts["C"]))
        services.end_enrolment(enrolment, {"ended_on": date(2026, 9, 30), "end_reason": "Umzug"}, _actor())
        db.session.flush()
        plan = _plan("2026-Q4")
        # 25 October: only B (from 18 October, no rate for debt counselling) still enrols case 4
        assert {u.entry_id: u.reason for u in plan.unbilled}[example.entries["4-debt"]] == "no_rate"
