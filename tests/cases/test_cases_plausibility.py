"""Plausible data in cases (issue 14, "Implausible data accepted"): dates and relations that cannot be true are
refused at their field, through the API and the pages alike (the rules live in the services)."""

import pytest

from tests.conftest import berlin_today


@pytest.fixture
def h(tenant_a, api_token):
    return api_token(tenant_a, "case_manager")


@pytest.fixture
def case(tenant_a, make_case):
    return make_case(tenant_a)  # opened 2026-01-05


@pytest.fixture
def partner_id(app, tenant_a):
    from core.extensions import db
    from network.models import Partner

    with app.app_context(), tenant_a.context():
        partner = Partner(name="Kita Sonnenschein", kind="childcare")
        db.session.add(partner)
        db.session.commit()
        return partner.id


def _client(client, h, **fields):
    body = {"first_name": "Berta", "last_name": "Beispiel", "birth_year": 1990, **fields}
    return client.post("/api/v1/clients", json=body, headers=h)


# --- clients and children ----------------------------------------------------------------------------------


def test_a_clients_year_of_birth_is_plausible(client, h):
    """Is a year of birth in the future or more than 120 years ago refused at birth_year, and 120 years accepted?"""
    year = berlin_today().year
    for implausible in (year + 1, year - 121):
        r = _client(client, h, birth_year=implausible)
        assert r.status_code == 422 and list(r.json["errors"]) == ["birth_year"], (implausible, r.json)
    assert _client(client, h, birth_year=year - 120).status_code == 201


def test_children_are_born_after_their_parent_and_not_in_the_future(client, h):
    """Is a child born before its parent, or in the future, refused at that child's field, with all of them in
    one round?"""
    year = berlin_today().year
    r = _client(client, h, birth_year=1990, children=[{"birth_year": 2016}, {"birth_year": 1985},
                                                       {"birth_year": year + 1}])
    assert r.status_code == 422, r.json
    assert set(r.json["errors"]) == {"children.1.birth_year", "children.2.birth_year"}
    assert "1990" in r.json["errors"]["children.1.birth_year"][0]  # names the parent's year


def test_a_changed_parent_year_is_checked_against_the_children_on_record(client, h):
    """Changing only the parent's year (or only the children) is checked against what the record holds."""
    c = _client(client, h, birth_year=1990, children=[{"birth_year": 2016}]).json
    url = f"/api/v1/clients/{c['id']}"
    r = client.patch(url, json={"birth_year": 2018}, headers=h)
    assert r.status_code == 422 and "birth_year" in r.json["errors"], r.json
    r = client.patch(url, json={"children": [{"birth_year": 1989}]}, headers=h)
    assert r.status_code == 422 and "children.0.birth_year" in r.json["errors"], r.json
    assert client.patch(url, json={"birth_year": 1988}, headers=h).status_code == 200


def test_a_parent_is_at_least_14_at_a_childs_birth_and_today(client, h):
    """Issue 14 review: a parent born 2024 with a child born 2025 was saved. Is a child born less than 14 years
    after the parent refused at the child's field, a parent younger than 14 today at birth_year, and 14 accepted?"""
    year = berlin_today().year
    r = _client(client, h, birth_year=1990, children=[{"birth_year": 2003}, {"birth_year": 2004}])
    assert r.status_code == 422 and list(r.json["errors"]) == ["children.0.birth_year"], r.json
    r = _client(client, h, birth_year=year - 2, children=[{"birth_year": year - 1}])
    assert r.status_code == 422 and "birth_year" in r.json["errors"], r.json
    assert _client(client, h, birth_year=year - 13).status_code == 422
    assert _client(client, h, birth_year=year - 14).status_code == 201
    c = _client(client, h, birth_year=1990, children=[{"birth_year": 2016}]).json
    r = client.patch(f"/api/v1/clients/{c['id']}", json={"birth_year": 2003}, headers=h)
    assert r.status_code == 422 and "birth_year" in r.json["errors"], r.json


def test_a_phone_number_holds_only_phone_characters(client, h):
    """Letters or other signs in a phone number are refused at the field; digits, spaces, + ( ) / - pass."""
    r = _client(client, h, phone="0176 abc 1234")
    assert r.status_code == 422 and list(r.json["errors"]) == ["phone"], r.json
    assert _client(client, h, phone="+49 (030) 1234/56-7").status_code == 201


def test_the_year_of_birth_has_one_range_message_on_the_page(client, tenant_a, login, no_csrf):
    """Too early (1850) and too late (2090) a year of birth give the same message at the field on the page (not
    the form's 1900 to 2100 for one and the service's range for the other)."""
    login(client, tenant_a, "case_manager")
    messages = []
    for year in ("1850", "2090"):
        r = client.post(f"/{tenant_a.slug}/clients/new", data={"first_name": "Berta", "last_name": "Beispiel",
                                                               "birth_year": year}, headers={"Accept-Language": "en"})
        assert r.status_code == 200
        page = r.get_data(as_text=True)
        error = page[page.find('id="birth_year-error"'):][:300]
        assert 'id="birth_year-error"' in page and "2100" not in error, error
        messages.append(error)
    assert messages[0] == messages[1], messages


def test_children_errors_show_at_the_childrens_field_on_the_page(client, tenant_a, login, no_csrf):
    """On the page the children's years are one field: its error shows there, not only at the top."""
    login(client, tenant_a, "case_manager")
    r = client.post(f"/{tenant_a.slug}/clients/new", data={"first_name": "Berta", "last_name": "Beispiel",
                                                           "birth_year": "1990", "children": "2016, 1980"})
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert 'id="children-error"' in page and "1990" in page[page.find('id="children-error"'):][:300], page


# --- the case and its plan -----------------------------------------------------------------------------------


def test_case_dates_follow_the_opening(client, h, case):
    """A review before the case was opened, and a closing before it, are refused at their fields; both in one
    round with another error."""
    url = f"/api/v1/cases/{case['id']}"
    r = client.patch(url, json={"next_review_on": "2025-12-01"}, headers=h)
    assert r.status_code == 422 and list(r.json["errors"]) == ["next_review_on"], r.json
    assert "05.01.2026" in r.json["errors"]["next_review_on"][0]
    r = client.patch(url, json={"status": "closed", "outcome": "employment", "closed_on": "2025-12-31",
                                "next_review_on": "2025-12-01"}, headers=h)
    assert r.status_code == 422 and {"closed_on", "next_review_on"} <= set(r.json["errors"]), r.json


def test_a_case_cannot_be_opened_after_it_was_closed(client, h, case):
    """Moving the opening date of a closed case past its closing date is refused at opened_on."""
    url = f"/api/v1/cases/{case['id']}"
    assert client.patch(url, json={"status": "closed", "outcome": "employment", "closed_on": "2026-03-01"},
                        headers=h).status_code == 200
    r = client.patch(url, json={"opened_on": "2026-04-01"}, headers=h)
    assert r.status_code == 422 and "opened_on" in r.json["errors"], r.json


def test_goal_dates_lie_within_or_after_the_case(client, h, case):
    """A goal (measure) due or reviewed before the case was opened is refused at due_on / review_on."""
    url = f"/api/v1/cases/{case['id']}/goals"
    r = client.post(url, json={"title": "Kita-Platz", "due_on": "2025-06-01", "review_on": "2025-07-01"}, headers=h)
    assert r.status_code == 422 and set(r.json["errors"]) == {"due_on", "review_on"}, r.json
    goal = client.post(url, json={"title": "Kita-Platz", "due_on": "2026-06-01"}, headers=h)
    assert goal.status_code == 201, goal.json
    r = client.patch(f"{url}/{goal.json['id']}", json={"review_on": "2026-01-04"}, headers=h)
    assert r.status_code == 422 and "review_on" in r.json["errors"], r.json


def test_a_partner_responsible_for_a_goal_is_chosen(client, h, case, partner_id):
    """A goal whose responsible party is a partner needs that partner (field error at partner_id)."""
    url = f"/api/v1/cases/{case['id']}/goals"
    r = client.post(url, json={"title": "Kita-Platz", "responsible": "partner"}, headers=h)
    assert r.status_code == 422 and "partner_id" in r.json["errors"], r.json
    r = client.post(url, json={"title": "Kita-Platz", "responsible": "partner", "partner_id": partner_id}, headers=h)
    assert r.status_code == 201, r.json
    r = client.patch(f"{url}/{r.json['id']}", json={"partner_id": None}, headers=h)
    assert r.status_code == 422 and "partner_id" in r.json["errors"], r.json


def test_a_duplicate_need_is_refused_naming_the_need(client, h, case):
    """The second need in the same area is refused with a message that names the area (not its code)."""
    url = f"/api/v1/cases/{case['id']}/needs"
    assert client.post(url, json={"service_area": "childcare"}, headers=h).status_code == 201
    r = client.post(url, json={"service_area": "childcare"}, headers={**h, "Accept-Language": "de"})
    assert r.status_code == 422, r.json
    message = r.json["errors"]["service_area"][0]
    assert "Kinderbetreuung" in message and "childcare" not in message, message


# --- referrals -----------------------------------------------------------------------------------------------


def _consent(client, h, client_id, partner_id, items, given_on="2026-01-10"):
    r = client.post(f"/api/v1/clients/{client_id}/consents", headers=h, json={
        "partner_id": partner_id, "purposes": "Vermittlung", "data_items": items, "given_on": given_on})
    assert r.status_code == 201, r.json


def test_a_refused_referral_names_the_missing_consent_item(client, h, case, partner_id):
    """Without a consent item "needs" the refusal names that item by its label and the partner by its name."""
    de = {**h, "Accept-Language": "de"}
    url = f"/api/v1/cases/{case['id']}/referrals"
    r = client.post(url, json={"partner_id": partner_id}, headers=de)
    assert r.status_code == 409
    assert "Kita Sonnenschein" in r.json["detail"] and "Bedarfe" in r.json["errors"]["partner_id"][0], r.json
    _consent(client, h, case["client_id"], partner_id, ["identity", "contact"])
    r = client.post(url, json={"partner_id": partner_id}, headers=de)
    assert r.status_code == 409
    text = r.json["detail"] + " ".join(r.json["errors"]["partner_id"])
    assert "Bedarfe" in text and "needs" not in text and str(partner_id) not in text, text


def test_a_referral_is_not_dated_before_the_case(client, h, case, partner_id):
    _consent(client, h, case["client_id"], partner_id, ["needs"], given_on="2025-01-10")
    r = client.post(f"/api/v1/cases/{case['id']}/referrals", json={"partner_id": partner_id,
                                                                   "referred_on": "2025-12-01"}, headers=h)
    assert r.status_code == 422 and "referred_on" in r.json["errors"], r.json


def test_a_referral_step_is_not_dated_before_the_referral(app, tenant_a, case, partner_id, client, h):
    """Accepting a referral before the day it was made is refused at `on` (the service, as pages and API call
    it)."""
    from cases import services
    from core.audit import Actor
    from core.extensions import db
    from core.problems import ValidationFailed

    _consent(client, h, case["client_id"], partner_id, ["needs"])
    referral = client.post(f"/api/v1/cases/{case['id']}/referrals", json={"partner_id": partner_id,
                                                                          "referred_on": "2026-03-10"}, headers=h)
    assert referral.status_code == 201, referral.json
    with app.app_context(), tenant_a.context():
        from datetime import date

        row = services.get_case(case["id"], Actor.system("test"))
        ref = services.get_referral(row, referral.json["id"])
        with pytest.raises(ValidationFailed) as exc:
            services.move_referral(row, ref, "accepted", Actor.system("test"), on=date(2026, 3, 9))
        assert "on" in exc.value.errors
        db.session.rollback()


def test_consent_dates_follow_each_other(client, h, partner_id):
    """A consent given before the day it was requested is refused at given_on. (Giving a requested consent
    with an earlier date stays possible: a request recorded without its date is dated the day it was recorded.)"""
    person = _client(client, h).json
    url = f"/api/v1/clients/{person['id']}/consents"
    body = {"partner_id": partner_id, "purposes": "Vermittlung", "data_items": ["needs"]}
    r = client.post(url, json={**body, "requested_on": "2026-02-10", "given_on": "2026-02-01"}, headers=h)
    assert r.status_code == 422 and "given_on" in r.json["errors"], r.json
    r = client.post(url, json={**body, "requested_on": "2026-02-10", "given_on": "2026-02-10"}, headers=h)
    assert r.status_code == 201, r.json
