"""The per-entry work in SQL (billing/services/entry_sql.py) against the rules written plainly in Python
(tests/billing/reference_plan.py, which reads the rows one by one and calls billing.funders and
billing.rating): the same invoices, charges to the cent and left-out entries, on the worked example and on a
random one."""
import random
from datetime import date, timedelta

import pytest

from tests.billing import reference_plan


def _summary(plan):
    invoices = sorted(
        (p.contract.id, p.net_cents, p.tax_cents, p.budget_cut_cents,
         tuple((line.kind, line.quantity, line.unit_cents, line.amount_cents) for line in p.lines),
         tuple(sorted((c.key, c.amount_cents) for c in p.charges())))
        for p in plan.invoices)
    unbilled = sorted((u.entry_id, u.reason, tuple(sorted(u.contract_ids))) for u in plan.unbilled)
    return invoices, unbilled


def _compare(period_key):
    from billing.services import parse_period, plan_period

    period = parse_period(period_key)
    ours, reference = _summary(plan_period(period)), _summary(reference_plan.plan_period(period))
    assert ours == reference
    return ours


@pytest.mark.parametrize("period", ["2026-10", "2026-11", "2026-Q4"])
def test_worked_example_in_sql_equals_the_reference(app, tenant_a, example, period):
    with app.app_context(), tenant_a.context():
        invoices, _unbilled = _compare(period)
        assert invoices or period == "2026-11"


def test_random_enrolments_and_entries_in_sql_equal_the_reference(app, tenant_a, example):
    """Forty more cases enrolled at random under the four contracts, with needs that name one agency, the other
    or none, and 600 entries in any area: does SQL choose, price and leave out exactly as the reference does?"""
    from cases import services as case_services
    from cases.models import Need, ServiceEntry
    from contracts import services
    from core.audit import Actor
    from core.extensions import db

    rng = random.Random(20261002)
    actor = Actor(user_id=None, role="owner", label="test")
    october = [date(2026, 10, 1) + timedelta(days=d) for d in range(31)]
    areas = ["case_management", "childcare", "qualification", "psychosocial", "housing", "debt_counselling"]
    with app.app_context(), tenant_a.context():
        from sqlalchemy import select

        from tenants.models import Membership

        manager = db.session.scalar(select(Membership.user_id).where(Membership.role == "case_manager"))
        cases = []
        for n in range(40):
            client = case_services.create_client({"first_name": "Zufall", "last_name": f"Nr {n}"}, actor)
            case_id = case_services.create_case({"client_id": client.id, "case_manager_id": manager,
                                                 "opened_on": date(2026, 6, 1)}, actor).id
            cases.append(case_id)
            for contract in rng.sample(["A", "B", "C", "D"], rng.randint(0, 3)):
                first = rng.choice(october[:25])
                last = min(first + timedelta(days=rng.randint(0, 40)), date(2026, 12, 31))
                services.enrol_case(case_id, {"contract_id": example.contracts[contract], "from_on": first,
                                              "to_on": last}, actor)
            responsible = rng.choice([example.agencies["jc"], example.agencies["ja"], None])
            db.session.add(Need(case_id=case_id, service_area_id=example.areas["childcare"], agency_id=responsible))
        for _ in range(600):
            db.session.add(ServiceEntry(case_id=rng.choice(cases), on=rng.choice(october),
                                        minutes=rng.randint(5, 240), service_area_id=example.areas[rng.choice(areas)]))
        db.session.commit()
        invoices, unbilled = _compare("2026-10")
        assert len(invoices) == 2 and {u[1] for u in unbilled} >= {"no_enrolment", "no_rate", "ambiguous_funder"}
        _compare("2026-Q4")
