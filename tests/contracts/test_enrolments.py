"""Funding approvals: a case is enrolled under a signed or active contract, inside its term, never twice
at once."""

from datetime import date

import pytest

from core.problems import Conflict, ValidationFailed
from tests.contracts.conftest import contract_payload


def _actor():
    from core.audit import Actor

    return Actor(user_id=None, label="test")


def _cases(n: int) -> list[int]:
    """Real cases (the enrolment's composite foreign key points at cases of the same tenant)."""
    from cases import services as case_services
    from core.audit import Actor

    from sqlalchemy import select

    from core.extensions import db
    from tenants.models import Membership

    admin = Actor(user_id=None, role="owner", label="test")
    manager = db.session.scalar(select(Membership.user_id).where(Membership.role == "case_manager"))
    ids = []
    for i in range(n):
        client = case_services.create_client({"first_name": "Test", "last_name": f"Person {i}", "birth_year": 1990},
                                             admin)
        ids.append(case_services.create_case(
            {"client_id": client.id, "case_manager_id": manager, "opened_on": date(2026, 11, 2)}, admin).id)
    return ids


def _contract(fx, agency_id, status="active", **terms):
    from contracts import services

    data = contract_payload(agency_id, **terms)
    for key in ("valid_from", "valid_to"):
        data[key] = date.fromisoformat(data[key]) if isinstance(data[key], str) else data[key]
    contract = services.create_contract(data, _actor(), fx.tenant_id)
    for to in ("in_review", "approved", "sent", "signed", "active"):
        if contract.status == status:
            break
        services.transition(contract, to, _actor(), on=date(2026, 12, 1))
    return contract


def test_enrolment_inside_the_term_and_funding_check(app, tenant_a, make_agency):
    """Is a case enrolled for a range inside the term, with approved hours, and funded only for paid areas?"""
    from sqlalchemy import select

    from cases.models import ServiceArea
    from contracts import services
    from core.extensions import db

    agency_id = make_agency(tenant_a)
    with app.app_context(), tenant_a.context():
        contract = _contract(tenant_a, agency_id)
        first, other = _cases(2)
        e = services.enrol_case(
            first,
            {
                "contract_id": contract.id,
                "from_on": date(2027, 2, 1),
                "to_on": date(2027, 7, 31),
                "approved_hours": {"childcare": 40},
            },
            _actor(),
        )
        db.session.commit()
        assert [(h.area.code, h.minutes) for h in e.approved_hours] == [("childcare", 2400)]
        assert [x.id for x in services.enrolments_of_case(first)] == [e.id]
        assert [x.id for x in services.enrolments_of_contract(contract)] == [e.id]
        areas = {a.code: a.id for a in db.session.scalars(select(ServiceArea))}
        assert services.funded(first, date(2027, 3, 15), areas["childcare"])  # per_unit line for childcare
        assert not services.funded(first, date(2027, 3, 15), areas["qualification"])  # no rate for it
        assert not services.funded(first, date(2027, 8, 1), areas["childcare"])  # after the enrolment
        assert not services.funded(other, date(2027, 3, 15), areas["childcare"])  # another case


@pytest.mark.parametrize(
    "from_on,to_on", [(date(2026, 12, 1), date(2027, 1, 31)), (date(2027, 12, 1), date(2028, 1, 31))]
)
def test_enrolment_outside_the_term_is_a_conflict(app, tenant_a, make_agency, from_on, to_on):
    """Is an enrolment that starts before or ends after the contract's term refused (409)?"""
    from contracts import services

    agency_id = make_agency(tenant_a)
    with app.app_context(), tenant_a.context():
        contract = _contract(tenant_a, agency_id)
        (case_id,) = _cases(1)
        with pytest.raises(Conflict):
            services.enrol_case(case_id, {"contract_id": contract.id, "from_on": from_on, "to_on": to_on}, _actor())


def test_overlapping_enrolment_of_the_same_case_is_refused(app, tenant_a, make_agency):
    """Is a second, overlapping enrolment of the same case under the same contract a 409, and a later one
    fine?"""
    from contracts import services

    agency_id = make_agency(tenant_a)
    with app.app_context(), tenant_a.context():
        contract = _contract(tenant_a, agency_id)
        data = {"contract_id": contract.id, "from_on": date(2027, 1, 1), "to_on": date(2027, 6, 30)}
        case_id, other = _cases(2)
        services.enrol_case(case_id, data, _actor())
        with pytest.raises(Conflict):
            services.enrol_case(
                case_id, {**data, "from_on": date(2027, 6, 30), "to_on": date(2027, 9, 30)}, _actor()
            )
        services.enrol_case(case_id, {**data, "from_on": date(2027, 7, 1), "to_on": date(2027, 9, 30)}, _actor())
        services.enrol_case(other, data, _actor())  # another case may overlap


def test_enrolment_under_a_draft_or_with_bad_fields_is_refused(app, tenant_a, make_agency):
    """Is enrolling under a draft a 409, and are a reversed range or an unknown area 422?"""
    from contracts import services

    agency_id = make_agency(tenant_a)
    with app.app_context(), tenant_a.context():
        draft = _contract(tenant_a, agency_id, status="draft")
        with pytest.raises(Conflict):
            services.enrol_case(
                7, {"contract_id": draft.id, "from_on": date(2027, 1, 1), "to_on": date(2027, 2, 1)}, _actor()
            )
        with pytest.raises(ValidationFailed) as exc:
            services.enrol_case(
                7,
                {
                    "contract_id": draft.id,
                    "from_on": date(2027, 2, 1),
                    "to_on": date(2027, 1, 1),
                    "approved_hours": {"nope": 3},
                },
                _actor(),
            )
        assert set(exc.value.errors) == {"to_on", "approved_hours"}
