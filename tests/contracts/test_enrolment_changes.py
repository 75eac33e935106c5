"""Funding approvals changed and ended early (issue 14, item 6): period and hours edited with the checks of a new
approval, an early end with a date and a reason (never a deletion, audited, confirmed on the pages), which the
funding check, the use of hours and the start page respect; approved hours without a service area are a field
error, on the pages and through the API."""
import re
from datetime import date

import pytest

from core.problems import Conflict, ValidationFailed
from tests.contracts.test_enrolments import _actor, _cases, _contract


def _approval(fx, agency_id, hours=None, **dates):
    from contracts import services

    contract = _contract(fx, agency_id)
    (case_id,) = _cases(1)
    data = {"contract_id": contract.id, "from_on": dates.get("from_on", date(2027, 1, 1)),
            "to_on": dates.get("to_on", date(2027, 6, 30))}
    if hours is not None:
        data["approved_hours"] = hours
    return contract, case_id, services.enrol_case(case_id, data, _actor())


def _audit(object_id, action):
    from sqlalchemy import select

    from core.audit import AuditEvent
    from core.extensions import db

    return db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "enrolments",
                                                       AuditEvent.object_id == object_id,
                                                       AuditEvent.action == action)).all()


def test_an_approval_is_changed_and_the_change_audited(app, tenant_a, make_agency):
    """Do period, hours (replacing the lines) and note change, with one audit entry that reads in German?"""
    from contracts import services
    from core import labels
    from core.extensions import db

    agency_id = make_agency(tenant_a)
    with app.app_context(), tenant_a.context():
        _contract_row, _case_id, e = _approval(tenant_a, agency_id, hours={"childcare": 40})
        services.update_enrolment(e, {"from_on": date(2027, 2, 1), "to_on": date(2027, 9, 30), "note": "Bescheid neu",
                                      "approved_hours": [("childcare", 50), ("qualification", 10.5), ("", None)]},
                                  _actor())
        db.session.commit()
        db.session.refresh(e)
        assert (e.from_on, e.to_on, e.note) == (date(2027, 2, 1), date(2027, 9, 30), "Bescheid neu")
        assert sorted((h.area.code, h.minutes) for h in e.approved_hours) == [("childcare", 3000),
                                                                             ("qualification", 630)]
        (event,) = _audit(e.id, "enrolment.update")
        assert event.diff["approved_hours"] == [{"childcare": 40.0}, {"childcare": 50.0, "qualification": 10.5}]
        rows = {label: (old, new) for label, old, new in labels.labelled_diff("enrolments", event.diff)}
        hours_row = rows[labels.field_text("enrolments", "approved_hours")]
        assert hours_row[1].startswith("Kinderbetreuung") and "childcare" not in hours_row[1]  # names, not codes
        assert rows[labels.field_text("enrolments", "from_on")] == ("01.01.2027", "01.02.2027")
        assert "approved_hours" not in rows and "from_on" not in rows
        assert labels.action_text("enrolment.update") != "enrolment.update"
        services.update_enrolment(e, {"approved_hours": {}}, _actor())  # none at all
        db.session.flush()
        assert e.approved_hours == []


def test_a_change_keeps_the_rules_of_a_new_approval(app, tenant_a, make_agency):
    """Is a change outside the contract's term or onto another approval of the case refused, while moving it
    next to itself is fine?"""
    from contracts import services

    agency_id = make_agency(tenant_a)
    with app.app_context(), tenant_a.context():
        contract, case_id, first = _approval(tenant_a, agency_id)
        second = services.enrol_case(case_id, {"contract_id": contract.id, "from_on": date(2027, 7, 1),
                                               "to_on": date(2027, 9, 30)}, _actor())
        services.update_enrolment(first, {"to_on": date(2027, 6, 15)}, _actor())  # its own range: no overlap
        with pytest.raises(Conflict) as exc:
            services.update_enrolment(second, {"from_on": date(2027, 6, 1)}, _actor())
        message = str(exc.value.errors["from_on"])
        assert "15.06.2027" in message and not re.search(r"(Kostenzusage|enrolment) \d", message)  # no ids
        with pytest.raises(Conflict):
            services.update_enrolment(second, {"to_on": date(2028, 1, 31)}, _actor())  # beyond the term
        with pytest.raises(ValidationFailed) as exc:
            services.update_enrolment(second, {"to_on": date(2027, 6, 1)}, _actor())
        assert "to_on" in exc.value.errors


def test_hours_without_a_service_area_are_a_field_error(app, tenant_a, make_agency):
    """Are hours without their area (and an area without hours, or twice) refused at the line's field instead of
    dropped?"""
    from contracts import services

    agency_id = make_agency(tenant_a)
    with app.app_context(), tenant_a.context():
        contract = _contract(tenant_a, agency_id)
        (case_id,) = _cases(1)
        base = {"contract_id": contract.id, "from_on": date(2027, 1, 1), "to_on": date(2027, 3, 31)}
        with pytest.raises(ValidationFailed) as exc:
            services.enrol_case(case_id, {**base, "approved_hours": [("childcare", 10), ("", 20)]}, _actor())
        assert list(exc.value.errors) == ["approved_hours-1-service_area"]
        with pytest.raises(ValidationFailed) as exc:
            services.enrol_case(case_id, {**base, "approved_hours": [("childcare", None), ("childcare", 3)]},
                                _actor())
        assert set(exc.value.errors) == {"approved_hours-0-hours", "approved_hours-1-service_area"}
        with pytest.raises(ValidationFailed) as exc:
            services.enrol_case(case_id, {**base, "approved_hours": {"": 20}}, _actor())  # the API's shape
        assert list(exc.value.errors) == ["approved_hours"]
        assert services.enrolments_of_case(case_id) == []


def test_an_early_end_is_kept_audited_and_respected(app, tenant_a, make_agency):
    """Does an early end keep the approval with its date and reason, audited, and do the funding check, the use of
    hours and the list of approvals ending soon respect it?"""
    from sqlalchemy import select

    from cases.models import ServiceEntry
    from contracts import services
    from contracts.services import due
    from core.extensions import db
    from network.models import ServiceArea

    agency_id = make_agency(tenant_a)
    with app.app_context(), tenant_a.context():
        _c, case_id, e = _approval(tenant_a, agency_id, hours={"childcare": 40})
        childcare = db.session.scalar(select(ServiceArea.id).where(ServiceArea.code == "childcare"))
        for on in (date(2027, 3, 10), date(2027, 4, 20)):
            db.session.add(ServiceEntry(case_id=case_id, on=on, minutes=120, service_area_id=childcare))
        db.session.flush()
        assert due.count_enrolments_ending(_actor(), date(2027, 6, 10)) == 1
        services.end_enrolment(e, {"ended_on": date(2027, 3, 31), "end_reason": "Umzug"}, _actor())
        db.session.commit()
        assert services.enrolments_of_case(case_id) == [e]  # kept, not deleted
        assert (e.ended_on, e.end_reason, e.ends_on) == (date(2027, 3, 31), "Umzug", date(2027, 3, 31))
        assert services.funded(case_id, date(2027, 3, 31), childcare)
        assert not services.funded(case_id, date(2027, 4, 1), childcare)
        assert [minutes for _line, minutes in services.approved_hours_use(e)] == [120]  # April's entry is out
        assert due.count_enrolments_ending(_actor(), date(2027, 6, 10)) == 0  # dealt with: not "ending soon"
        (event,) = _audit(e.id, "enrolment.end")
        assert event.diff == {"ended_on": [None, "2027-03-31"], "end_reason": [None, "Umzug"]}
        with pytest.raises(Conflict):
            services.end_enrolment(e, {"ended_on": date(2027, 3, 15), "end_reason": "noch einmal"}, _actor())
        with pytest.raises(ValidationFailed) as exc:  # a change may not cut the early end off
            services.update_enrolment(e, {"to_on": date(2027, 3, 20)}, _actor())
        assert "to_on" in exc.value.errors


@pytest.mark.parametrize("data,field", [
    ({"ended_on": date(2026, 12, 31), "end_reason": "x"}, "ended_on"),   # before its start
    ({"ended_on": date(2027, 6, 30), "end_reason": "x"}, "ended_on"),    # its planned end: not early
    ({"ended_on": None, "end_reason": "x"}, "ended_on"),
    ({"ended_on": date(2027, 3, 1), "end_reason": "  "}, "end_reason"),
    ({"ended_on": date(2027, 3, 1), "end_reason": "x" * 501}, "end_reason"),
])
def test_an_early_end_needs_a_date_inside_and_a_reason(app, tenant_a, make_agency, data, field):
    from contracts import services

    agency_id = make_agency(tenant_a)
    with app.app_context(), tenant_a.context():
        _c, _case_id, e = _approval(tenant_a, agency_id)
        with pytest.raises(ValidationFailed) as exc:
            services.end_enrolment(e, data, _actor())
        assert field in exc.value.errors
        assert e.ended_on is None


def test_days_with_billed_services_stay_covered(app, tenant_a, make_agency):
    """Is an end or a shorter period that would leave a billed service without its approval refused, naming the
    day?"""
    from sqlalchemy import select

    from cases.models import ServiceEntry
    from contracts import services
    from core.clock import utcnow
    from core.extensions import db
    from network.models import ServiceArea

    agency_id = make_agency(tenant_a)
    with app.app_context(), tenant_a.context():
        _c, case_id, e = _approval(tenant_a, agency_id)
        childcare = db.session.scalar(select(ServiceArea.id).where(ServiceArea.code == "childcare"))
        db.session.add(ServiceEntry(case_id=case_id, on=date(2027, 5, 4), minutes=60, service_area_id=childcare,
                                    billed_at=utcnow()))
        db.session.flush()
        with pytest.raises(Conflict) as exc:
            services.end_enrolment(e, {"ended_on": date(2027, 4, 30), "end_reason": "Abbruch"}, _actor())
        assert "04.05.2027" in exc.value.detail and "ended_on" in exc.value.errors
        with pytest.raises(Conflict):
            services.update_enrolment(e, {"from_on": date(2027, 5, 10)}, _actor())
        services.end_enrolment(e, {"ended_on": date(2027, 5, 4), "end_reason": "Abbruch"}, _actor())
        assert e.ends_on == date(2027, 5, 4)


def _owner_page(client, login, tenant_a, url):
    from tests.conftest import csrf_from

    login(client, tenant_a, "owner")
    page = client.get(url)
    assert page.status_code == 200, url
    return csrf_from(page.data), page.get_data(as_text=True)


def test_pages_change_an_approval_and_refuse_hours_without_area(app, client, tenant_a, login, make_agency):
    """On the pages: is a line with hours but no service area a message at that field (nothing saved), and does
    the change page save period and hours?"""
    from contracts import services

    agency_id = make_agency(tenant_a)
    with app.app_context(), tenant_a.context():
        contract = _contract(tenant_a, agency_id)
        (case_id,) = _cases(1)
        from core.extensions import db

        db.session.commit()
        contract_id = contract.id
    url = f"/alpha/cases/{case_id}/enrolments"
    token, _html = _owner_page(client, login, tenant_a, url)
    r = client.post(url, data={"csrf_token": token, "contract_id": contract_id, "from_on": "01.02.2027",
                               "to_on": "31.03.2027", "approved_hours-0-hours": "20"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and 'class="error-summary"' in html
    assert 'href="#approved_hours-0-service_area"' in html and 'id="approved_hours-0-service_area-error"' in html
    with app.app_context(), tenant_a.context():
        assert services.enrolments_of_case(case_id) == []
    r = client.post(url, data={"csrf_token": token, "contract_id": contract_id, "from_on": "01.02.2027",
                               "to_on": "31.03.2027", "approved_hours-0-service_area": "childcare",
                               "approved_hours-0-hours": "20"})
    assert r.status_code == 302
    with app.app_context(), tenant_a.context():
        (e,) = services.enrolments_of_case(case_id)
        enrolment_id = e.id
    edit = f"{url}/{enrolment_id}/edit"
    token, html = _owner_page(client, login, tenant_a, edit)
    assert 'value="20.0"' in html or 'value="20,0"' in html  # the line as it is
    r = client.post(edit, data={"csrf_token": token, "from_on": "2027-02-01", "to_on": "2027-04-30",
                                "approved_hours-0-service_area": "childcare", "approved_hours-0-hours": "25,5",
                                "approved_hours-1-service_area": "qualification", "approved_hours-1-hours": ""})
    assert r.status_code == 422 and 'id="approved_hours-1-hours-error"' in r.get_data(as_text=True)
    r = client.post(edit, data={"csrf_token": token, "from_on": "2027-02-01", "to_on": "2027-04-30",
                                "approved_hours-0-service_area": "childcare", "approved_hours-0-hours": "25,5"})
    assert r.status_code == 302
    with app.app_context(), tenant_a.context():
        (e,) = services.enrolments_of_case(case_id)
        assert e.to_on == date(2027, 4, 30) and [h.minutes for h in e.approved_hours] == [1530]


def test_page_ends_an_approval_only_after_confirmation(app, client, tenant_a, login, make_agency):
    """Does the end page check the date first, then ask (nothing changes), and end only after the yes?"""
    from contracts import services
    from core.extensions import db

    agency_id = make_agency(tenant_a)
    with app.app_context(), tenant_a.context():
        contract, case_id, e = _approval(tenant_a, agency_id)
        db.session.commit()
        enrolment_id, contract_id = e.id, contract.id
    url = f"/alpha/cases/{case_id}/enrolments/{enrolment_id}/end"
    token, _html = _owner_page(client, login, tenant_a, url)
    r = client.post(url, data={"csrf_token": token, "ended_on": "2028-01-01", "end_reason": "Umzug"})
    assert r.status_code == 422 and 'id="ended_on-error"' in r.get_data(as_text=True)
    r = client.post(url, data={"csrf_token": token, "ended_on": "31.03.2027", "end_reason": "Umzug"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'name="confirmed" value="1"' in html and "31.03.2027" in html
    with app.app_context(), tenant_a.context():
        assert services.get_enrolment(case_id, enrolment_id).ended_on is None  # asked, not done
        assert _audit(enrolment_id, "enrolment.end") == []
    r = client.post(url, data={"csrf_token": token, "ended_on": "31.03.2027", "end_reason": "Umzug",
                               "confirmed": "1"})
    assert r.status_code == 302
    with app.app_context(), tenant_a.context():
        e = services.get_enrolment(case_id, enrolment_id)
        assert (e.ended_on, e.end_reason) == (date(2027, 3, 31), "Umzug")
    html = client.get(f"/alpha/cases/{case_id}/enrolments").get_data(as_text=True)
    assert "Umzug" in html and f"/enrolments/{enrolment_id}/end" not in html  # no second end offered
    assert "31.03.2027" in client.get(f"/alpha/contracts/{contract_id}").get_data(as_text=True)  # the contract's list


def test_a_viewer_can_neither_change_nor_end(app, client, tenant_a, login, make_agency):
    from core.extensions import db

    agency_id = make_agency(tenant_a)
    with app.app_context(), tenant_a.context():
        _c, case_id, e = _approval(tenant_a, agency_id)
        db.session.commit()
        enrolment_id = e.id
    login(client, tenant_a, "viewer")
    html = client.get(f"/alpha/cases/{case_id}/enrolments").get_data(as_text=True)
    assert f"/enrolments/{enrolment_id}/edit" not in html
    for action in ("edit", "end"):
        assert client.get(f"/alpha/cases/{case_id}/enrolments/{enrolment_id}/{action}").status_code == 403


def test_api_changes_and_ends_an_approval(app, client, tenant_a, tenant_b, api_token, make_agency):
    """PATCH changes, POST …/end ends early; hours without a service area are a problem naming the field; another
    case's or tenant's approval is a 404."""
    from core.extensions import db

    agency_id = make_agency(tenant_a)
    with app.app_context(), tenant_a.context():
        _c, case_id, e = _approval(tenant_a, agency_id, hours={"childcare": 10})
        (other_case,) = _cases(1)
        db.session.commit()
        enrolment_id, contract_id = e.id, e.contract_id
    headers = api_token(tenant_a, "owner")
    base = f"/api/v1/cases/{case_id}/enrolments"
    r = client.post(base, headers=headers, json={"contract_id": contract_id, "from_on": "2027-07-01",
                                                 "to_on": "2027-08-31", "approved_hours": {"": 5}})
    assert r.status_code == 422 and r.content_type.startswith("application/problem+json")
    assert "approved_hours" in r.json["errors"]
    r = client.patch(f"{base}/{enrolment_id}", headers=headers, json={"approved_hours": {" ": 5}})
    assert r.status_code == 422 and "approved_hours" in r.json["errors"]
    r = client.patch(f"{base}/{enrolment_id}", headers=headers,
                     json={"to_on": "2027-05-31", "approved_hours": {"childcare": 12, "qualification": 4}})
    assert r.status_code == 200, r.json
    assert r.json["to_on"] == "2027-05-31" and r.json["approved_hours"] == {"childcare": 12, "qualification": 4}
    assert r.json["ended_on"] is None
    r = client.post(f"{base}/{enrolment_id}/end", headers=headers, json={"ended_on": "2027-06-15",
                                                                        "end_reason": "Umzug"})
    assert r.status_code == 422 and "ended_on" in r.json["errors"]  # after the (new) planned end
    r = client.post(f"{base}/{enrolment_id}/end", headers=headers, json={"ended_on": "2027-04-15"})
    assert r.status_code == 422 and "end_reason" in r.json["errors"]
    r = client.post(f"{base}/{enrolment_id}/end", headers=headers, json={"ended_on": "2027-04-15",
                                                                        "end_reason": "Umzug"})
    assert r.status_code == 200 and (r.json["ended_on"], r.json["end_reason"]) == ("2027-04-15", "Umzug")
    assert client.get(base, headers=headers).json["items"][0]["ended_on"] == "2027-04-15"
    assert client.post(f"{base}/{enrolment_id}/end", headers=headers,
                       json={"ended_on": "2027-04-01", "end_reason": "x"}).status_code == 409
    other = f"/api/v1/cases/{other_case}/enrolments/{enrolment_id}"
    assert client.patch(other, headers=headers, json={"note": "x"}).status_code == 404
    assert client.patch(f"{base}/{enrolment_id}", headers=api_token(tenant_b, "owner"),
                        json={"note": "x"}).status_code == 404
