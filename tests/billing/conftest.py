"""The worked example of billing (hand-computed in tests/billing/test_worked_example.py), built once per test.

Three agencies, four contracts, four cases; October 2026 unless said otherwise:

- A: Jobcenter, monthly, 19 % VAT: 180,00 € per case and month; 40,00 €/h qualification; 32,50 €/h childcare.
- B: Jugendamt, monthly, `prorate_days`, VAT exempt, budget 300,00 €: 120,00 € per case and month; 30,00 €/h
  childcare; 50,00 €/h psychosocial counselling.
- C: Sozialamt, quarterly, exempt: 1.500,00 € per quarter (coordination); 60,00 €/h debt counselling.
- D: Jugendamt, signed but not yet active: 40,00 €/h housing.

Case 1 under A from 10 Oct (and D from 14 Oct); case 2 under A until 15 Oct and under B all October, the
Jugendamt responsible for its childcare; case 3 under A and B all October, nobody responsible for childcare;
case 4 under B from 18 Oct and under C from July.
"""
from dataclasses import dataclass, field
from datetime import date

import pytest

from tests.contracts.conftest import contract_payload


@dataclass
class Example:
    agencies: dict = field(default_factory=dict)
    contracts: dict = field(default_factory=dict)
    cases: dict = field(default_factory=dict)
    entries: dict = field(default_factory=dict)
    areas: dict = field(default_factory=dict)


def _actor():
    from core.audit import Actor

    return Actor(user_id=None, role="owner", label="test")


def _contract(fx, agency_id, status="active", **terms):
    from contracts import services

    data = contract_payload(agency_id, **{"valid_from": date(2026, 1, 1), "valid_to": date(2026, 12, 31),
                                          "budget_cents": None, **terms})
    contract = services.create_contract(data, _actor(), fx.tenant_id)
    for to in ("in_review", "approved", "sent", "signed", "active"):
        if contract.status == status:
            break
        services.transition(contract, to, _actor(), on=date(2026, 1, 1))
    return contract


def build_example(fx) -> Example:
    """The scenario above in the current app and tenant context, committed."""
    from sqlalchemy import select

    from cases import services as case_services
    from cases.models import Need, ServiceEntry
    from contracts import services
    from core.extensions import db
    from network.models import ServiceArea
    from network.services import create_agency
    from tenants.models import Membership

    ex = Example()
    for key, name, kind in (("jc", "Jobcenter Hamm", "jobcenter"), ("ja", "Jugendamt Hamm", "jugendamt"),
                            ("sa", "Sozialamt Hamm", "sozialamt")):
        ex.agencies[key] = create_agency(
            {"name": name, "kind": kind, "address": f"{name}\nRathausplatz 1\n59065 Hamm",
             "email": f"rechnung@{key}.example.org", "leitweg_id": "04011000-1234512345-06"}, _actor()).id
    ex.areas = {a.code: a.id for a in db.session.scalars(select(ServiceArea))}
    ex.contracts["A"] = _contract(fx, ex.agencies["jc"], title="A: Fallmanagement Jobcenter", vat="19", rates=[
        {"kind": "per_case_month", "service_area": "case_management", "amount_cents": 18000},
        {"kind": "per_unit", "service_area": "qualification", "amount_cents": 4000},
        {"kind": "per_unit", "service_area": "childcare", "amount_cents": 3250}]).id
    ex.contracts["B"] = _contract(fx, ex.agencies["ja"], title="B: Hilfen Jugendamt", prorate_days=True,
                                  budget_cents=30000, rates=[
        {"kind": "per_case_month", "service_area": "case_management", "amount_cents": 12000},
        {"kind": "per_unit", "service_area": "childcare", "amount_cents": 3000},
        {"kind": "per_unit", "service_area": "psychosocial", "amount_cents": 5000}]).id
    ex.contracts["C"] = _contract(fx, ex.agencies["sa"], title="C: Schuldnerberatung Sozialamt",
                                  billing_cycle="quarterly", rates=[
        {"kind": "per_period", "service_area": None, "amount_cents": 150000, "label": "Koordination"},
        {"kind": "per_unit", "service_area": "debt_counselling", "amount_cents": 6000}]).id
    ex.contracts["D"] = _contract(fx, ex.agencies["ja"], status="signed", title="D: Wohnen (noch nicht aktiv)",
                                  rates=[{"kind": "per_unit", "service_area": "housing", "amount_cents": 4000}]).id

    manager = db.session.scalar(select(Membership.user_id).where(Membership.role == "case_manager"))
    for n in (1, 2, 3, 4):
        client = case_services.create_client({"first_name": "Beispiel", "last_name": f"Person {n}",
                                              "birth_year": 1990}, _actor())
        ex.cases[n] = case_services.create_case({"client_id": client.id, "case_manager_id": manager,
                                                 "opened_on": date(2026, 6, 1)}, _actor()).id
    for case, contract, first, last in ((1, "A", date(2026, 10, 10), date(2026, 12, 31)),
                                        (1, "D", date(2026, 10, 14), date(2026, 10, 31)),
                                        (2, "A", date(2026, 9, 1), date(2026, 10, 15)),
                                        (2, "B", date(2026, 10, 1), date(2026, 10, 31)),
                                        (3, "A", date(2026, 10, 1), date(2026, 10, 31)),
                                        (3, "B", date(2026, 10, 1), date(2026, 10, 31)),
                                        (4, "B", date(2026, 10, 18), date(2026, 11, 30)),
                                        (4, "C", date(2026, 7, 1), date(2026, 12, 31))):
        services.enrol_case(ex.cases[case], {"contract_id": ex.contracts[contract], "from_on": first,
                                             "to_on": last}, _actor())
    db.session.add(Need(case_id=ex.cases[2], service_area_id=ex.areas["childcare"], agency_id=ex.agencies["ja"]))
    for key, case, on, minutes, area in (
        ("1-early", 1, date(2026, 10, 5), 60, "qualification"),     # before any enrolment: no_enrolment
        ("1-q1", 1, date(2026, 10, 12), 90, "qualification"),       # A
        ("1-housing", 1, date(2026, 10, 14), 30, "housing"),        # D is only signed: contract_not_active
        ("1-q2", 1, date(2026, 10, 20), 45, "qualification"),       # A
        ("2-q", 2, date(2026, 10, 3), 50, "qualification"),         # A (B has no qualification rate)
        ("2-child", 2, date(2026, 10, 7), 100, "childcare"),        # A and B qualify: the need says B
        ("2-psy", 2, date(2026, 10, 8), 30, "psychosocial"),        # B
        ("2-late-q", 2, date(2026, 10, 20), 60, "qualification"),   # A ended on 15 Oct, B has no rate: no_rate
        ("3-child", 3, date(2026, 10, 9), 45, "childcare"),         # A and B, nobody responsible: ambiguous
        ("4-psy", 4, date(2026, 10, 19), 20, "psychosocial"),       # B
        ("4-debt", 4, date(2026, 10, 25), 90, "debt_counselling"),  # C, in the quarter's run
        ("4-nov", 4, date(2026, 11, 3), 60, "psychosocial"),        # B in November: budget exhausted
    ):
        entry = ServiceEntry(case_id=ex.cases[case], on=on, minutes=minutes, service_area_id=ex.areas[area])
        db.session.add(entry)
        db.session.flush()
        ex.entries[key] = entry.id
    db.session.commit()
    return ex


@pytest.fixture
def example(app, tenant_a):
    with app.app_context(), tenant_a.context():
        return build_example(tenant_a)
