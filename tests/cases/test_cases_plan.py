"""Needs, goals (support plan), referrals and the service log of a case."""

from datetime import timedelta

import pytest

from core.audit import Actor
from core.problems import Conflict
from tests.conftest import berlin_today


@pytest.fixture
def case(tenant_a, make_case):
    return make_case(tenant_a)


@pytest.fixture
def h(tenant_a, api_token):
    return api_token(tenant_a, "case_manager")


def test_need_with_known_area(tenant_a, client, h, case):
    """Is a need recorded against a service area code, and an unknown area refused on the field (422)?"""
    url = f"/api/v1/cases/{case['id']}/needs"
    r = client.post(url, json={"service_area": "childcare", "priority": "high", "note": "Kita-Platz fehlt"}, headers=h)
    assert r.status_code == 201, r.json
    assert (r.json["service_area"], r.json["priority"]) == ("childcare", "high")
    r = client.post(url, json={"service_area": "astrology"}, headers=h)
    assert r.status_code == 422 and "service_area" in r.json["errors"]
    r = client.post(url, json={"service_area": "childcare", "priority": "low"}, headers=h)  # the same area again
    assert r.status_code == 422 and "service_area" in r.json["errors"]
    assert [n["service_area"] for n in client.get(url, headers=h).json["items"]] == ["childcare"]


def test_goal_state_machine(tenant_a, client, h, case):
    """Does a goal go planned → in_progress → done, and are illegal steps (done → planned, planned → done)
    409?"""
    url = f"/api/v1/cases/{case['id']}/goals"
    r = client.post(
        url,
        json={
            "title": "Kita-Platz sichern",
            "measure": "Anmeldung Kita Sonnenschein",
            "responsible": "case_manager",
            "due_on": "2026-03-01",
        },
        headers=h,
    )
    assert r.status_code == 201, r.json
    assert r.json["status"] == "planned"
    goal = f"{url}/{r.json['id']}"
    assert client.patch(goal, json={"status": "done"}, headers=h).status_code == 409
    assert client.patch(goal, json={"status": "in_progress"}, headers=h).json["status"] == "in_progress"
    assert client.patch(goal, json={"status": "done"}, headers=h).json["status"] == "done"
    assert client.patch(goal, json={"status": "planned"}, headers=h).status_code == 409
    assert client.patch(goal, json={"title": "anders"}, headers=h).status_code == 409  # finished goals stay
    assert client.post(url, json={"title": "X", "status": "done"}, headers=h).status_code == 409
    r = client.post(url, json={"title": "Y", "responsible": "neighbour"}, headers=h)
    assert r.status_code == 422 and "responsible" in r.json["errors"]


def test_goal_cancelled_is_final(tenant_a, client, h, case):
    """Can a cancelled goal be restarted? (No: 409.)"""
    url = f"/api/v1/cases/{case['id']}/goals"
    goal = f"{url}/{client.post(url, json={'title': 'Führerschein'}, headers=h).json['id']}"
    assert client.patch(goal, json={"status": "cancelled"}, headers=h).status_code == 200
    assert client.patch(goal, json={"status": "in_progress"}, headers=h).status_code == 409


def test_closed_case_refuses_new_needs_and_goals(tenant_a, client, h, case):
    """Can needs or goals be added to a closed case? (No: 409 until reopened.)"""
    client.patch(f"/api/v1/cases/{case['id']}", json={"status": "closed", "outcome": "transferred"}, headers=h)
    assert (
        client.post(f"/api/v1/cases/{case['id']}/needs", json={"service_area": "health"}, headers=h).status_code == 409
    )
    assert client.post(f"/api/v1/cases/{case['id']}/goals", json={"title": "X"}, headers=h).status_code == 409


def test_service_entry_and_warning(tenant_a, client, h, case):
    """Is a service logged with billed=false and a funding warning when no approval covers it, and listed?"""
    url = f"/api/v1/cases/{case['id']}/services"
    r = client.post(
        url,
        json={"on": "2026-02-03", "minutes": 45, "service_area": "case_management", "note": "Erstgespräch"},
        headers=h,
    )
    assert r.status_code == 201, r.json
    assert r.json["billed"] is False and r.json["funding_warning"] is True
    assert [e["minutes"] for e in client.get(url, headers=h).json["items"]] == [45]


def test_funding_check_registry_silences_warning(tenant_a, client, h, case):
    """When a receiver of core.signals.service_funded confirms an approval, is the warning gone?"""
    from core import signals

    def covered(case_row, on, area, **_kwargs):
        return area.code == "childcare"

    signals.service_funded.connect(covered)
    try:
        url = f"/api/v1/cases/{case['id']}/services"
        r = client.post(url, json={"on": "2026-02-03", "minutes": 30, "service_area": "childcare"}, headers=h)
        assert r.json["funding_warning"] is False
        r = client.post(url, json={"on": "2026-02-03", "minutes": 30, "service_area": "housing"}, headers=h)
        assert r.json["funding_warning"] is True
    finally:
        signals.service_funded.disconnect(covered)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"minutes": -5}, "minutes"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": 1441}, "minutes"),
        ({"on": "2099-01-01"}, "on"),
        ({"on": (berlin_today() + timedelta(days=1)).isoformat()}, "on"),
        ({"on": "1999-12-31"}, "on"),
        ({"on": "2025-12-31"}, "on"),  # before the case was opened
        ({"service_area": "astrology"}, "service_area"),
    ],
)
def test_bad_service_input(tenant_a, client, h, case, body, field):
    """Are negative/too many minutes, far-future, pre-2000 or pre-opening dates and unknown areas refused
    (422)?"""
    r = client.post(
        f"/api/v1/cases/{case['id']}/services",
        json={"on": "2026-02-03", "minutes": 30, "service_area": "childcare", **body},
        headers=h,
    )
    assert r.status_code == 422
    assert field in r.json["errors"]


def test_inactive_area_refused(tenant_a, client, h, case, app):
    """Is a deactivated service area refused for new entries?"""
    from core.extensions import db
    from network.models import ServiceArea

    with app.app_context(), tenant_a.context():
        area = db.session.scalar(db.select(ServiceArea).where(ServiceArea.code == "housing"))
        area.active = False
        db.session.commit()
    r = client.post(
        f"/api/v1/cases/{case['id']}/services",
        json={"on": "2026-02-03", "minutes": 30, "service_area": "housing"},
        headers=h,
    )
    assert r.status_code == 422 and "service_area" in r.json["errors"]


def test_billed_entry_is_immutable(tenant_a, client, h, case, app):
    """Once billing marks an entry, are editing and deleting it 409, while an unbilled one can change?"""
    from cases import services
    from cases.models import ServiceEntry
    from core.extensions import db

    url = f"/api/v1/cases/{case['id']}/services"
    billed = client.post(url, json={"on": "2026-02-03", "minutes": 30, "service_area": "childcare"}, headers=h).json
    free = client.post(url, json={"on": "2026-02-04", "minutes": 30, "service_area": "childcare"}, headers=h).json
    with app.app_context(), tenant_a.context():
        entry = db.session.get(ServiceEntry, billed["id"])
        services.mark_billed([entry], Actor.system("billing"), invoice_line_id=7)
        with pytest.raises(Conflict):
            services.mark_billed([entry], Actor.system("billing"))  # never twice
        db.session.commit()
    assert client.patch(f"{url}/{billed['id']}", json={"minutes": 10}, headers=h).status_code == 409
    assert client.delete(f"{url}/{billed['id']}", headers=h).status_code == 409
    listed = {e["id"]: e["billed"] for e in client.get(url, headers=h).json["items"]}
    assert listed == {billed["id"]: True, free["id"]: False}
    r = client.patch(f"{url}/{free['id']}", json={"minutes": 50}, headers=h)
    assert r.status_code == 200 and r.json["minutes"] == 50
    assert client.delete(f"{url}/{free['id']}", headers=h).status_code == 204


@pytest.fixture
def partner_id(app, tenant_a):
    from core.extensions import db
    from network.models import Partner

    with app.app_context(), tenant_a.context():
        partner = Partner(name="Kita Sonnenschein", kind="childcare")
        db.session.add(partner)
        db.session.commit()
        return partner.id


def test_referral_needs_consent_and_moves(tenant_a, client, h, case, partner_id):
    """Is a referral without consent a 409; with consent pending → accepted → done, and illegal steps 409?"""
    url = f"/api/v1/cases/{case['id']}/referrals"
    r = client.post(url, json={"partner_id": partner_id, "reason": "Kita-Platz"}, headers=h)
    assert r.status_code == 409
    client.post(
        f"/api/v1/clients/{case['client_id']}/consents",
        json={
            "partner_id": partner_id,
            "purposes": "Vermittlung Kita",
            "data_items": ["needs", "identity"],
            "given_on": "2026-01-10",
        },
        headers=h,
    )
    r = client.post(url, json={"partner_id": partner_id, "reason": "Kita-Platz"}, headers=h)
    assert r.status_code == 201, r.json
    assert r.json["status"] == "pending"
    step = f"{url}/{r.json['id']}/transitions"
    assert client.post(step, json={"to": "done"}, headers=h).status_code == 409
    assert client.post(step, json={"to": "accepted"}, headers=h).json["status"] == "accepted"
    assert client.post(step, json={"to": "rejected"}, headers=h).status_code == 409
    assert client.post(step, json={"to": "done"}, headers=h).json["status"] == "done"
    assert client.post(step, json={"to": "accepted"}, headers=h).status_code == 409


def test_referral_rejected_is_final(tenant_a, client, h, case, partner_id):
    """Can a rejected referral still be accepted? (No: 409.)"""
    client.post(
        f"/api/v1/clients/{case['client_id']}/consents",
        json={
            "partner_id": partner_id,
            "purposes": "Vermittlung",
            "data_items": ["needs"],
            "given_on": "2026-01-10",
        },
        headers=h,
    )
    r = client.post(f"/api/v1/cases/{case['id']}/referrals", json={"partner_id": partner_id}, headers=h)
    step = f"/api/v1/cases/{case['id']}/referrals/{r.json['id']}/transitions"
    assert client.post(step, json={"to": "rejected"}, headers=h).status_code == 200
    assert client.post(step, json={"to": "accepted"}, headers=h).status_code == 409


def test_plan_versions(tenant_a, app, client, h, case):
    """Does approving the plan freeze the goals as numbered versions that later edits do not change?"""
    from cases import services

    url = f"/api/v1/cases/{case['id']}/goals"
    goal = client.post(url, json={"title": "Ausbildung beginnen"}, headers=h).json
    actor = Actor.system("test")
    with app.app_context(), tenant_a.context():
        row = services.get_case(case["id"], actor)
        v1 = services.approve_plan(row, actor)
        services.update_goal(row, services.get_goal(row, goal["id"]), {"status": "in_progress"}, actor)
        v2 = services.approve_plan(row, actor)
        assert (v1.number, v2.number) == (1, 2)
        assert v1.goals[0]["status"] == "planned" and v2.goals[0]["status"] == "in_progress"
        assert [v.number for v in services.plan_versions(row)] == [2, 1]


def test_plan_versions_api(tenant_a, client, h, case):
    """Does POST plan-versions freeze the goals (409 without goals), and GET list them newest first?"""
    url = f"/api/v1/cases/{case['id']}/plan-versions"
    assert client.post(url, json={}, headers=h).status_code == 409
    client.post(f"/api/v1/cases/{case['id']}/goals", json={"title": "Deutschkurs B1"}, headers=h)
    r = client.post(url, json={"approved_on": "2026-02-01"}, headers=h)
    assert r.status_code == 201, r.json
    assert r.json["number"] == 1 and r.json["goals"][0]["title"] == "Deutschkurs B1"
    client.post(url, json={}, headers=h)
    assert [v["number"] for v in client.get(url, headers=h).json["items"]] == [2, 1]
