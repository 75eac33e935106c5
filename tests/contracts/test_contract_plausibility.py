"""Plausible contracts (issue 14, "Traps" and "Implausible data accepted"): a term that ends before it starts, a
step dated in the far future or before the previous one, a step taken by mistake and its undoing, a template with
a syntax error explained in German."""

import io
from datetime import timedelta

import docx
import pytest

from contracts import rendering
from tests.conftest import berlin_today
from tests.contracts.conftest import contract_payload


def _create(client, headers, agency_id, **overrides):
    r = client.post("/api/v1/contracts", json=contract_payload(agency_id, **overrides), headers=headers)
    assert r.status_code == 201, r.json
    return r.json


def _walk(client, author, approver, cid, *steps, on=None):
    url = f"/api/v1/contracts/{cid}/transitions"
    on = on or (berlin_today() - timedelta(days=5)).isoformat()
    for to in steps:
        headers = author if to == "in_review" else approver
        r = client.post(url, json={"to": to, "on": on}, headers=headers)
        assert r.status_code == 200, (to, r.json)
    return r.json


@pytest.fixture
def heads(tenant_a, api_token):
    return api_token(tenant_a, "finance"), api_token(tenant_a, "admin")


# --- the term ------------------------------------------------------------------------------------------------


def test_a_term_that_ends_before_it_starts_is_refused_with_the_other_errors(client, tenant_a, heads, make_agency):
    """valid_to before valid_from is a field error at valid_to (German date); a review planned before the start
    is refused at next_review_on, in the same round."""
    author, _approver = heads
    agency = make_agency(tenant_a)
    r = client.post("/api/v1/contracts", headers={**author, "Accept-Language": "de"}, json=contract_payload(
        agency, valid_from="2027-01-01", valid_to="2026-12-31", next_review_on="2026-06-30"))
    assert r.status_code == 422, r.json
    assert {"valid_to", "next_review_on"} <= set(r.json["errors"]), r.json
    assert "01.01.2027" in r.json["errors"]["valid_to"][0]
    cid = _create(client, author, agency)["id"]
    r = client.patch(f"/api/v1/contracts/{cid}", json={"valid_to": "2026-06-30"}, headers=author)
    assert r.status_code == 422 and "valid_to" in r.json["errors"], r.json


def test_term_dates_are_plausible_years(client, tenant_a, heads, make_agency):
    """A start in 1900 or an end in 3027 (typos) is refused at the field."""
    author, _approver = heads
    r = client.post("/api/v1/contracts", headers=author, json=contract_payload(
        make_agency(tenant_a), valid_from="1900-01-01", valid_to="3027-12-31"))
    assert r.status_code == 422 and {"valid_from", "valid_to"} <= set(r.json["errors"]), r.json


# --- steps ---------------------------------------------------------------------------------------------------


def test_the_2099_trap_is_refused_on_every_step(client, tenant_a, heads, make_agency):
    """"sent" on 2099-01-01 (the trap of the issue) is refused at `on`; the message names today in German."""
    author, approver = heads
    cid = _create(client, author, make_agency(tenant_a))["id"]
    _walk(client, author, approver, cid, "in_review", "approved")
    r = client.post(f"/api/v1/contracts/{cid}/transitions", json={"to": "sent", "on": "2099-01-01"},
                    headers={**approver, "Accept-Language": "de"})
    assert r.status_code == 422 and "on" in r.json["errors"], r.json
    assert berlin_today().strftime("%d.%m.%Y") in r.json["errors"]["on"][0]


def test_a_step_before_the_previous_one_names_its_date_in_german(client, tenant_a, heads, make_agency):
    author, approver = heads
    cid = _create(client, author, make_agency(tenant_a))["id"]
    on = berlin_today() - timedelta(days=3)
    _walk(client, author, approver, cid, "in_review", on=on.isoformat())
    r = client.post(f"/api/v1/contracts/{cid}/transitions", json={"to": "approved",
                                                                  "on": (on - timedelta(days=1)).isoformat()},
                    headers={**approver, "Accept-Language": "de"})
    assert r.status_code == 422 and on.strftime("%d.%m.%Y") in r.json["errors"]["on"][0], r.json
    assert on.isoformat() not in r.json["errors"]["on"][0]


def test_a_contract_cannot_come_into_force_after_its_term(client, tenant_a, heads, make_agency):
    """The step "active" (in force) dated after valid_to is refused at `on`."""
    author, approver = heads
    cid = _create(client, author, make_agency(tenant_a), valid_from="2025-01-01", valid_to="2025-12-31")["id"]
    _walk(client, author, approver, cid, "in_review", "approved", "sent", "signed", on="2025-11-01")
    r = client.post(f"/api/v1/contracts/{cid}/transitions", json={"to": "active", "on": "2026-01-02"},
                    headers=approver)
    assert r.status_code == 422 and "on" in r.json["errors"], r.json
    r = client.post(f"/api/v1/contracts/{cid}/transitions", json={"to": "active", "on": "2025-12-01"},
                    headers=approver)
    assert r.status_code == 200, r.json


def test_sent_by_mistake_goes_back_to_approved_with_an_audit_entry(app, client, tenant_a, heads, make_agency):
    """A "sent" taken by mistake (here: with a wrong date left from before the rule) is undone: the contract is
    approved again, the mistaken step is gone from the history, the audit log says who undid what; "sent" can
    then be taken again with the right date."""
    from sqlalchemy import select

    from contracts import services
    from contracts.models import ContractStep
    from core.audit import Actor, AuditEvent
    from core.extensions import db

    author, approver = heads
    cid = _create(client, author, make_agency(tenant_a))["id"]
    _walk(client, author, approver, cid, "in_review", "approved", "sent")
    with app.app_context(), tenant_a.context():
        # a step dated far ahead, as the trap of the issue left it
        step = db.session.scalars(select(ContractStep).where(ContractStep.contract_id == cid,
                                                             ContractStep.to_status == "sent")).one()
        step.effective_on = step.effective_on.replace(year=2099)
        db.session.commit()
        contract = services.get_contract(cid)
        assert services.undoable_step(contract) is not None
        services.undo_step(contract, Actor(user_id=None, label="Test", role="admin"), reason="falsches Datum")
        db.session.commit()
        contract = services.get_contract(cid)
        assert contract.status == "approved"
        assert [s.to_status for s in contract.steps] == ["in_review", "approved"]
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "contract.step_undone")).one()
        assert event.diff["status"] == ["sent", "approved"] and event.diff["on"][0].startswith("2099-")
    _walk(client, author, approver, cid, "sent")


def test_undo_is_refused_once_the_contract_is_signed_or_in_force(app, client, tenant_a, heads, make_agency):
    """Undoing is for a step nobody outside relied on yet: after "signed" with a signed copy, or "active", no."""
    from contracts import services
    from core.audit import Actor
    from core.extensions import db
    from core.problems import Conflict

    author, approver = heads
    cid = _create(client, author, make_agency(tenant_a), valid_from="2026-01-01", valid_to="2027-12-31")["id"]
    _walk(client, author, approver, cid, "in_review", "approved", "sent", "signed", "active")
    with app.app_context(), tenant_a.context():
        contract = services.get_contract(cid)
        assert services.undoable_step(contract) is None
        with pytest.raises(Conflict):
            services.undo_step(contract, Actor(user_id=None, label="Test", role="admin"))
        db.session.rollback()


def test_the_page_offers_the_undo_and_takes_it(client, tenant_a, heads, make_agency, login, no_csrf):
    """The contract page shows "undo" for a sent contract and the POST goes back to approved."""
    author, approver = heads
    cid = _create(client, author, make_agency(tenant_a))["id"]
    _walk(client, author, approver, cid, "in_review", "approved", "sent")
    login(client, tenant_a, "admin")
    page = client.get(f"/{tenant_a.slug}/contracts/{cid}").get_data(as_text=True)
    assert f"/contracts/{cid}/undo-step" in page
    r = client.post(f"/{tenant_a.slug}/contracts/{cid}/undo-step", data={"reason": "zu früh", "confirmed": "1"},
                    follow_redirects=True)
    assert r.status_code == 200
    assert client.get(f"/api/v1/contracts/{cid}", headers=approver).json["status"] == "approved"
    assert f"/contracts/{cid}/undo-step" not in client.get(f"/{tenant_a.slug}/contracts/{cid}").get_data(as_text=True)


# --- template syntax errors ----------------------------------------------------------------------------------


def _docx_with(*paragraphs: str) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _problem(app, data: bytes) -> str:
    with app.test_request_context(headers={"Accept-Language": "de"}):
        from flask_babel import force_locale

        with force_locale("de"), pytest.raises(rendering.TemplateProblem) as exc:
            rendering.validate_template(data)
        return " ".join(str(p) for p in exc.value.errors)


@pytest.mark.parametrize("paragraphs, where, needle", [
    (("Vertrag", "{% if agency.name %}ohne Ende", "Schluss"), "Absatz 2", "{% endif %}"),
    (("Vertrag", "Träger: {{ agency.name }", "Schluss"), "Absatz 2", "}}"),
    (("{{ agency.name }}", "{% for x in rates %}", "{{ x.label }}", "{% endfor %}", "{% endif %}"), "Absatz 5",
     "{% endif %}"),
    (("Name: {{ agency name }}",), "Absatz 1", "{{ agency name }}"),
])
def test_a_template_syntax_error_is_explained_in_german(app, paragraphs, where, needle):
    """The error names the paragraph and the placeholder in German, never Jinja's English."""
    text = _problem(app, _docx_with(*paragraphs))
    assert where in text and needle in text, text
    for english in ("Unexpected", "expected", "Encountered", "tag", "token", "Jinja"):
        assert english not in text, text


def test_an_unknown_attribute_is_explained_in_german(app):
    text = _problem(app, _docx_with("{{ agency.nmae }}"))
    assert "nmae" in text and "has no attribute" not in text, text


def test_the_api_undoes_a_step_and_refuses_what_cannot_be_undone(client, tenant_a, heads, make_agency):
    """POST …/transitions/undo takes "sent" back to approved (with its audit entry); a second undo of
    "approved" is a 409 problem."""
    author, approver = heads
    cid = _create(client, author, make_agency(tenant_a))["id"]
    _walk(client, author, approver, cid, "in_review", "approved", "sent")
    url = f"/api/v1/contracts/{cid}/transitions/undo"
    r = client.post(url, json={"reason": "falsches Datum"}, headers=approver)
    assert r.status_code == 200 and r.json["status"] == "approved", r.json
    assert [s["to_status"] for s in r.json["steps"]] == ["in_review", "approved"]
    r = client.post(url, json={}, headers=approver)
    assert r.status_code == 409 and r.mimetype == "application/problem+json", r.json
    assert client.post(url, json={}, headers=api_token_viewer(client, tenant_a)).status_code == 403


def api_token_viewer(client, fx):
    from tests.conftest import PASSWORD

    r = client.post("/api/v1/token", json={"email": fx.users["viewer"], "password": PASSWORD, "tenant": fx.slug})
    return {"Authorization": f"Bearer {r.json['token']}"}


def test_signature_dates_follow_approval_and_sending(app, client, tenant_a, heads, make_agency):
    """The agency cannot have countersigned before the contract was sent to it, the provider not before the
    contract was approved (field errors at both dates, in one round)."""
    from datetime import date

    from contracts import services
    from core.audit import Actor
    from core.extensions import db
    from core.problems import ValidationFailed

    author, approver = heads
    cid = _create(client, author, make_agency(tenant_a))["id"]
    _walk(client, author, approver, cid, "in_review", "approved", "sent", on="2026-11-20")
    with app.app_context(), tenant_a.context():
        contract = services.get_contract(cid)
        with pytest.raises(ValidationFailed) as exc:
            services.upload_signed_copy(contract, tenant_a.tenant_id, b"%PDF-1.4 test", date(2026, 11, 1),
                                        date(2026, 11, 19), Actor(user_id=None, label="Test"))
        assert {"signed_by_provider_on", "signed_by_agency_on"} <= set(exc.value.errors)
        assert "20.11.2026" in str(exc.value.errors["signed_by_agency_on"][0])
        db.session.rollback()
