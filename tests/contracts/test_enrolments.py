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
    from sqlalchemy import select

    from cases import services as case_services
    from core.audit import Actor
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

    from contracts import services
    from core.extensions import db
    from network.models import ServiceArea

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


def test_an_approval_outside_the_term_is_named_at_the_end_at_fault_with_the_other_errors(app, tenant_a,
                                                                                          make_agency):
    """An approval ending after the contract: is the message at "Bis" and does it say by when it must end; one
    starting before it at "Von"; and with another bad field, do both come in one round?"""
    from contracts import services

    agency_id = make_agency(tenant_a)
    with app.app_context(), tenant_a.context():
        contract = _contract(tenant_a, agency_id)  # 01.01.2027 – 31.12.2027
        (case_id,) = _cases(1)
        with pytest.raises(Conflict) as exc:
            services.enrol_case(case_id, {"contract_id": contract.id, "from_on": date(2027, 12, 1),
                                          "to_on": date(2030, 1, 1)}, _actor())
        assert {k: [str(m) for m in v] for k, v in exc.value.errors.items()} == {"to_on": [
            "Die Kostenzusage muss spätestens am 31.12.2027 enden, dem Ende des Vertrags."]}
        with pytest.raises(Conflict) as exc:
            services.enrol_case(case_id, {"contract_id": contract.id, "from_on": date(2026, 12, 1),
                                          "to_on": date(2027, 1, 31)}, _actor())
        assert {k: [str(m) for m in v] for k, v in exc.value.errors.items()} == {"from_on": [
            "Die Kostenzusage kann frühestens am 01.01.2027 beginnen, dem Beginn des Vertrags."]}
        with pytest.raises(ValidationFailed) as exc:
            services.enrol_case(case_id, {"contract_id": contract.id, "from_on": date(2027, 12, 1),
                                          "to_on": date(2030, 1, 1), "approved_hours": {"nope": 3}}, _actor())
        assert set(exc.value.errors) == {"to_on", "approved_hours"}, exc.value.errors


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


def test_enrolment_api_creates_lists_and_refuses_bad_requests(app, client, tenant_a, api_token, make_agency):
    """Through POST /api/v1/cases/{id}/enrolments: created (201), listed, overlap 409, bad range 422?"""
    from contracts import services
    from core.extensions import db

    agency_id = make_agency(tenant_a)
    with app.app_context(), tenant_a.context():
        contract_id = _contract(tenant_a, agency_id).id
        (case_id,) = _cases(1)
        db.session.commit()
    headers = api_token(tenant_a, "admin")
    url = f"/api/v1/cases/{case_id}/enrolments"
    body = {"contract_id": contract_id, "from_on": "2027-02-01", "to_on": "2027-04-30",
            "approved_hours": {"childcare": 12.5}}
    r = client.post(url, json=body, headers=headers)
    assert r.status_code == 201, r.json
    assert r.json["case_id"] == case_id and r.json["approved_hours"] == {"childcare": 12.5}
    assert [e["id"] for e in client.get(url, headers=headers).json["items"]] == [r.json["id"]]
    assert client.post(url, json=body, headers=headers).status_code == 409
    bad = client.post(url, json={**body, "from_on": "2027-05-01", "to_on": "2027-04-01"}, headers=headers)
    assert bad.status_code == 422 and "to_on" in bad.json["errors"]
    assert client.post("/api/v1/cases/999999/enrolments", json=body, headers=headers).status_code == 404
    with app.app_context(), tenant_a.context():
        assert len(services.enrolments_of_case(case_id)) == 1


def test_case_page_records_a_funding_approval_and_shows_hours_use(app, client, tenant_a, login, make_agency):
    """Can a case manager enrol her case in the browser, and does the page show approved-hours use?"""
    from sqlalchemy import select, update

    from cases.models import Case
    from core.extensions import db
    from tenants.models import User
    from tests.conftest import csrf_from

    agency_id = make_agency(tenant_a)
    with app.app_context(), tenant_a.context():
        contract = _contract(tenant_a, agency_id)
        contract_id, contract_title = contract.id, contract.title
        (case_id,) = _cases(1)
        manager = db.session.scalar(select(User.id).where(User.email == tenant_a.users["case_manager"]))
        db.session.execute(update(Case).where(Case.id == case_id).values(case_manager_id=manager))
        db.session.commit()
    login(client, tenant_a, "case_manager")
    assert f"/alpha/cases/{case_id}/enrolments" in client.get(f"/alpha/cases/{case_id}").get_data(as_text=True)
    page = client.get(f"/alpha/cases/{case_id}/enrolments")
    r = client.post(f"/alpha/cases/{case_id}/enrolments", data={
        "csrf_token": csrf_from(page.data), "contract_id": contract_id, "from_on": "2027-03-01",
        "to_on": "2027-02-01", "approved_hours-0-service_area": "childcare", "approved_hours-0-hours": "20"})
    assert r.status_code == 422 and 'class="error-summary"' in r.get_data(as_text=True)
    r = client.post(f"/alpha/cases/{case_id}/enrolments", data={
        "csrf_token": csrf_from(page.data), "contract_id": contract_id, "from_on": "2027-02-01",
        "to_on": "2027-03-31", "approved_hours-0-service_area": "childcare", "approved_hours-0-hours": "20"},
        follow_redirects=True)
    html = r.get_data(as_text=True)
    assert contract_title in html and "0,0 / 20,0" in html


def test_enrolment_cannot_start_before_the_case_was_opened(app, tenant_a, make_agency):
    """Is a funding approval that starts before the case was opened refused with a field message?"""
    from contracts import services

    agency_id = make_agency(tenant_a)
    with app.app_context(), tenant_a.context():
        contract = _contract(tenant_a, agency_id, valid_from="2026-01-01", valid_to="2027-12-31")
        (case_id,) = _cases(1)  # opened on 2026-11-02
        with pytest.raises(ValidationFailed) as exc:
            services.enrol_case(case_id, {"contract_id": contract.id, "from_on": date(2026, 10, 1),
                                          "to_on": date(2026, 12, 31)}, _actor())
        assert "from_on" in exc.value.errors
