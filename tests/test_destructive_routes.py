"""Issue 14, safe actions: every destructive or irreversible step of the pages asks first (core.confirmation).

For each step, on the seeded demo: a POST without `confirmed=1` changes nothing (the object's row is compared
before and after) and answers with a page that names the object and what will happen, repeating the posted fields
with `confirmed=1`; the same POST with `confirmed=1` takes the step. A page route whose endpoint or path says
delete, remove, revoke, end, close, withdraw, cancel, … must be listed here, so that a new one is not forgotten.
The API (DELETE and POST under /api) is not concerned.
"""
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pytest
from sqlalchemy import select

from core.audit import Actor
from tests.conftest import csrf_from

ACTOR = Actor.system("test")
# what an endpoint or a path is called when it destroys or ends something
DESTRUCTIVE_WORDS = re.compile(
    r"(^|[._/-])(delete|remove|revoke|end|close|reopen|withdraw|cancel|anonymi[sz]e|suspend|disable|terminate|"
    r"reverse|purge|erase|deactivate|credit)", re.IGNORECASE)


@dataclass
class Target:
    """One destructive POST: where, with which fields, the names the confirmation must show, and the state of the
    row it changes (read in the tenant's context)."""

    url: str
    data: dict
    names: list[str]
    state: Callable[[], object]


@dataclass
class Step:
    id: str
    endpoint: str
    prepare: Callable[[dict], Target]
    login: str = "owner"  # a demo role, "admin" (platform admin) or "second_factor" (a member with one)
    # the step's own confirmation when it has one: the admin console's reason, the password and code of the second
    # factor (a POST without them changes nothing either); otherwise core.confirmation's confirmed=1
    confirm: dict = field(default_factory=lambda: {"confirmed": "1"})
    own_page: bool = False


def _one(query):
    from core.extensions import db

    row = db.session.scalar(query)
    assert row is not None, str(query)
    return row


def _state(model, row_id: int, *columns):
    """How to read a row's columns as the database has them then (None once the row is gone)."""

    def read():
        from core.extensions import db

        db.session.expire_all()
        row = db.session.get(model, row_id)
        return None if row is None else tuple(getattr(row, c) for c in columns)

    return read


# --- the steps -------------------------------------------------------------------------------------------------


def _remove_member(d):
    from tenants.models import Membership, User

    m = _one(select(Membership).join(User).where(User.email == "lesend@demo.buendnisnetz.de"))
    return Target(f"/demo/members/{m.id}/delete", {}, ["Lea Lesend", "aus dem Bündnis entfernt"],
                  _state(Membership, m.id, "role"))


def _revoke_invitation(d):
    from tenants.models import Invitation

    row = _one(select(Invitation).where(Invitation.revoked_at.is_(None), Invitation.accepted_at.is_(None)))
    return Target(f"/demo/invitations/{row.id}/revoke", {}, [row.email, "zurückgezogen"],
                  _state(Invitation, row.id, "revoked_at"))


def _revoke_token(d):
    from tenants.models import ApiToken

    row = _one(select(ApiToken).where(ApiToken.id == d["token_id"]))
    return Target(f"/demo/tokens/{row.id}/revoke", {}, ["Ines Inhaberin", "widerrufen"],
                  _state(ApiToken, row.id, "revoked_at"))


def _delete_agency(d):
    from network.models import Agency
    from network.services import create_agency

    row = create_agency({"name": "Jugendamt Nordkreis", "kind": "jugendamt"}, ACTOR)
    return Target(f"/demo/agencies/{row.id}/delete", {}, ["Jugendamt Nordkreis", "gelöscht"],
                  _state(Agency, row.id, "name"))


def _delete_partner(d):
    from network.models import Partner
    from network.services import create_partner

    row = create_partner({"name": "Familienzentrum Süd", "kind": "counselling"}, ACTOR)
    return Target(f"/demo/partners/{row.id}/delete", {}, ["Familienzentrum Süd", "gelöscht"],
                  _state(Partner, row.id, "name"))


def _end_enrolment(d):
    from datetime import timedelta

    from contracts.models import Contract, Enrolment
    from core.extensions import db

    row = _one(select(Enrolment).where(Enrolment.ended_on.is_(None), Enrolment.to_on > date.today() + timedelta(days=2))
               .order_by(Enrolment.id))
    last = row.to_on - timedelta(days=1)
    contract = db.session.get(Contract, row.contract_id)
    return Target(f"/demo/cases/{row.case_id}/enrolments/{row.id}/end",
                  {"ended_on": last.isoformat(), "end_reason": "Schreiben des Jobcenters vom 01.12."},
                  [contract.title, last.strftime("%d.%m.%Y"), "Schreiben des Jobcenters vom 01.12."],
                  _state(Enrolment, row.id, "ended_on"))


def _active_contract():
    from contracts.models import Contract

    return _one(select(Contract).where(Contract.status == "active").order_by(Contract.id))


def _delete_contract(d):
    from contracts import services
    from contracts.models import Contract

    draft = services.create_amendment(_active_contract(), ACTOR)  # a draft (version 2)
    return Target(f"/demo/contracts/{draft.id}/delete", {}, [draft.title, "Vertragsentwurf", "gelöscht"],
                  _state(Contract, draft.id, "status"))


def _end_contract(d):
    from contracts.models import Contract

    row = _active_contract()
    on = date.today().isoformat()
    return Target(f"/demo/contracts/{row.id}/transition", {"to": "ended", "on": on},
                  [row.title, row.agency.name, "beendet", date.today().strftime("%d.%m.%Y")],
                  _state(Contract, row.id, "status"))


def _consent():
    from cases.models import Consent

    return _one(select(Consent).where(Consent.status == "given", Consent.agency_id.is_not(None))
                .order_by(Consent.id))


def _withdraw_consent(d):
    from cases.models import Client, Consent
    from core.extensions import db
    from network.models import Agency

    row = _consent()
    client = db.session.get(Client, row.client_id)
    agency = db.session.get(Agency, row.agency_id)
    return Target(f"/demo/clients/{client.id}/consents/{row.id}/withdraw", {"on": date.today().isoformat()},
                  [client.pseudonym, agency.name, "widerrufen"], _state(Consent, row.id, "status", "withdrawn_on"))


def _anonymise_client(d):
    from cases.models import Client

    row = _one(select(Client).where(Client.anonymised_at.is_(None), Client.restricted.is_(False)).order_by(Client.id))
    return Target(f"/demo/clients/{row.id}/anonymise", {}, [row.pseudonym, "anonymisiert"],
                  _state(Client, row.id, "anonymised_at", "last_name"))


def _case(*statuses):
    from cases.models import Case

    return _one(select(Case).where(Case.status.in_(statuses)).order_by(Case.id))


def _close_case(d):
    from cases.models import Case

    row = _case("active", "evaluation")
    return Target(f"/demo/cases/{row.id}/phase", {"status": "closed", "outcome": "employment",
                                                   "closed_on": date.today().isoformat()},
                  [row.client.pseudonym, "abgeschlossen", "Arbeitsaufnahme"], _state(Case, row.id, "status"))


def _reopen_case(d):
    from cases.models import Case

    row = _case("closed")
    return Target(f"/demo/cases/{row.id}/phase", {"status": "evaluation"},
                  [row.client.pseudonym, "wieder geöffnet"], _state(Case, row.id, "status", "outcome"))


def _delete_service(d):
    from cases.models import Case, ServiceEntry
    from core.extensions import db

    entry = _one(select(ServiceEntry).join(Case, Case.id == ServiceEntry.case_id)
                 .where(ServiceEntry.billed_at.is_(None), Case.status != "closed").order_by(ServiceEntry.id))
    case = db.session.get(Case, entry.case_id)
    return Target(f"/demo/cases/{case.id}/services/{entry.id}/delete", {},
                  [case.client.pseudonym, entry.on.strftime("%d.%m.%Y"), f"{entry.minutes} Minuten", "gelöscht"],
                  _state(ServiceEntry, entry.id, "minutes"))


def _goal_done(d):
    from cases.models import Case, Goal
    from cases.services import GOAL_TRANSITIONS
    from core.extensions import db

    goal = _one(select(Goal).join(Case, Case.id == Goal.case_id)
                .where(Goal.status.in_(["planned", "in_progress"]), Case.status != "closed").order_by(Goal.id))
    to = "done" if "done" in GOAL_TRANSITIONS[goal.status] else "cancelled"
    case = db.session.get(Case, goal.case_id)
    return Target(f"/demo/cases/{case.id}/goals/{goal.id}/status", {"to": to}, [goal.title, "gesetzt"],
                  _state(Goal, goal.id, "status"))


def _referral_step(d):
    from cases.models import Case, Referral
    from core.extensions import db
    from network.models import Partner

    referral = _one(select(Referral).join(Case, Case.id == Referral.case_id)
                    .where(Referral.status.in_(["pending", "accepted"]), Case.status != "closed").order_by(Referral.id))
    to = "rejected" if referral.status == "pending" else "done"
    case = db.session.get(Case, referral.case_id)
    partner = db.session.get(Partner, referral.partner_id)
    return Target(f"/demo/cases/{case.id}/referrals/{referral.id}/status", {"to": to}, [partner.name, "gesetzt"],
                  _state(Referral, referral.id, "status"))


def _invoice(*where):
    from billing.models import Invoice

    return _one(select(Invoice).where(*where).order_by(Invoice.id))


def _invoice_names(invoice) -> list[str]:
    from core.extensions import db
    from network.models import Agency

    return [db.session.get(Agency, invoice.agency_id).name]


def _delete_draft_invoice(d):
    from billing.models import Invoice

    row = _invoice(Invoice.state == "draft")
    return Target(f"/demo/invoices/{row.id}/delete", {}, [*_invoice_names(row), "Rechnungsentwurf", "gelöscht"],
                  _state(Invoice, row.id, "state"))


def _issue_invoice(d):
    from billing.models import Invoice

    row = _invoice(Invoice.state == "draft")
    return Target(f"/demo/invoices/{row.id}/issue", {}, [*_invoice_names(row), "ausgestellt"],
                  _state(Invoice, row.id, "state", "number"))


def _credit_note(d):
    from billing.models import Invoice

    row = _invoice(Invoice.kind == "invoice", Invoice.state.in_(["issued", "sent", "overdue"]))
    return Target(f"/demo/invoices/{row.id}/credit-note", {"reason": "Falscher Zeitraum abgerechnet"},
                  [row.number, *_invoice_names(row), "Gutschrift", "Falscher Zeitraum abgerechnet"],
                  _state(Invoice, row.id, "state", "cancelled_by_id"))


def _reverse_payment(d):
    from billing.models import Invoice, Payment

    payment = _one(select(Payment).order_by(Payment.id))
    invoice = _one(select(Invoice).where(Invoice.id == payment.invoice_id))
    return Target(f"/demo/invoices/{invoice.id}/payments/{payment.id}/delete", {},
                  [invoice.number, payment.on.strftime("%d.%m.%Y"), "zurückgenommen"],
                  _state(Payment, payment.id, "amount_cents"))


def _tenant_status(action):
    def prepare(d):
        from tenants.models import Tenant

        return Target(f"/admin/tenants/{d['tenant_id']}/{action}", {}, ["Lokales Bündnis für Familie Musterstadt"],
                      _state(Tenant, d["tenant_id"], "status"))

    return prepare


def _disable_second_factor(d):
    from tenants.models import User

    return Target("/account/second-factor/disable", {}, ["Zweiten Faktor ausschalten"],
                  _state(User, d["second_factor_user"], "totp_enabled_at"))


STEPS = [
    Step("remove a member", "tenants.remove_member", _remove_member),
    Step("withdraw an invitation", "tenants.revoke_invitation", _revoke_invitation),
    Step("revoke an API token", "tenants.revoke_token", _revoke_token),
    Step("delete a funding agency", "network.delete_agency", _delete_agency),
    Step("delete a partner", "network.delete_partner", _delete_partner),
    Step("delete a draft contract", "contracts.delete_contract", _delete_contract),
    Step("end a contract", "contracts.transition_contract", _end_contract),
    Step("end a funding approval early", "contracts.end_enrolment", _end_enrolment, login="case_manager"),
    Step("withdraw a consent", "cases.withdraw_consent", _withdraw_consent),
    Step("anonymise a client", "cases.anonymise_client", _anonymise_client),
    Step("close a case", "cases.case_phase", _close_case),
    Step("reopen a case", "cases.case_phase", _reopen_case),
    Step("delete a service entry", "cases.delete_service", _delete_service, login="case_manager"),
    Step("finish a goal", "cases.goal_status", _goal_done),
    Step("finish a referral", "cases.referral_status", _referral_step),
    Step("delete a draft invoice", "billing.delete_invoice", _delete_draft_invoice, login="finance"),
    Step("issue an invoice", "billing.issue_invoice", _issue_invoice, login="finance"),
    Step("cancel an invoice by a credit note", "billing.credit_note", _credit_note, login="finance"),
    Step("take a payment back", "billing.reverse_payment", _reverse_payment, login="finance"),
    Step("suspend an alliance", "admin.suspend", _tenant_status("suspend"), login="admin",
         confirm={"reason": "Zahlung seit drei Monaten offen"}, own_page=True),
    Step("close an alliance", "admin.close", _tenant_status("close"), login="admin",
         confirm={"reason": "Das Bündnis hat sich aufgelöst"}, own_page=True),
    Step("switch the second factor off", "account.disable_second_factor", _disable_second_factor,
         login="second_factor", own_page=True),
]


def test_every_destructive_page_route_is_covered(app):
    """Is every page route (not the API) that takes a POST and whose endpoint or path says delete, remove, revoke,
    end, close, withdraw, cancel, anonymise, suspend, disable, reverse, … one of the steps tested below?"""
    covered = {step.endpoint for step in STEPS}
    found = set()
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule.startswith("/api/"):
            continue
        if DESTRUCTIVE_WORDS.search(rule.endpoint.partition(".")[2]) or DESTRUCTIVE_WORDS.search(rule.rule):
            found.add(rule.endpoint)
    assert found, "the pattern finds nothing: the test would prove nothing"
    assert found <= covered, f"destructive routes without a confirmation test: {sorted(found - covered)}"


# --- the demo and its logins ----------------------------------------------------------------------------------


@pytest.fixture
def demo(app, client, monkeypatch):
    """The seeded demo (without LibreOffice), an API token of the owner, and a viewer with a second factor."""
    from core.extensions import db
    from tenants import second_factor
    from tenants.demo import DEMO_PASSWORD, seed_demo
    from tenants.models import ApiToken, Tenant, User

    monkeypatch.setitem(app.config, "SOFFICE_BINARY", "/nonexistent/soffice")
    with app.test_request_context():
        seed_demo()
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "demo"))
        viewer = db.session.scalar(select(User).where(User.email == "lesend@demo.buendnisnetz.de"))
        codes = second_factor.set_up_without_code(viewer, second_factor.new_secret(), ACTOR)
        ids = {"tenant_id": tenant.id, "second_factor_user": viewer.id, "recovery_codes": codes}
        db.session.commit()
    token = client.post("/api/v1/token", json={"email": "inhaberin@demo.buendnisnetz.de",
                                               "password": DEMO_PASSWORD, "tenant": "demo"})
    assert token.status_code == 201, token.json
    with app.app_context():
        from core.tenancy.context import tenant_context

        with tenant_context(ids["tenant_id"]):
            ids["token_id"] = db.session.scalar(select(ApiToken.id).order_by(ApiToken.id.desc()))
    return ids


def _log_in(client, demo: dict, who: str) -> None:
    import pyotp

    from tenants.demo import ADMIN_EMAIL, ADMIN_TOTP_SECRET, DEMO_PASSWORD, DEMO_USERS

    emails = {role: email for email, _name, role in reversed(DEMO_USERS)}
    emails.update(admin=ADMIN_EMAIL, second_factor="lesend@demo.buendnisnetz.de")
    tenant = "" if who == "admin" else "demo"
    page = client.get("/login")
    response = client.post("/login", data={"csrf_token": csrf_from(page.data), "tenant": tenant,
                                           "email": emails[who], "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.data[:500]
    if "/login/second-factor" in response.headers["Location"]:
        code = pyotp.TOTP(ADMIN_TOTP_SECRET).now() if who == "admin" else demo["recovery_codes"][0]
        page = client.get("/login/second-factor")
        response = client.post("/login/second-factor", data={"csrf_token": csrf_from(page.data), "code": code})
        assert response.status_code == 302, response.data[:500]


def _token(client, step: Step) -> str:
    page = client.get("/admin/" if step.login == "admin" else "/account")
    assert page.status_code == 200, page.status_code
    return csrf_from(page.data)


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.id)
def test_without_confirmation_nothing_changes(app, client, demo, step):
    """Does the POST without confirmation leave the row as it was and answer with a page that names the object
    (and repeats the fields with confirmed=1), and does the confirmed POST then take the step?"""
    from core.extensions import db
    from core.tenancy.context import tenant_context

    if step.endpoint not in app.view_functions:
        pytest.skip(f"{step.endpoint} is not (yet) a route")
    _log_in(client, demo, step.login)
    token = _token(client, step)
    with app.test_request_context(), tenant_context(demo["tenant_id"]):
        target = step.prepare(demo)
        db.session.commit()
    with app.app_context(), tenant_context(demo["tenant_id"]):
        before = target.state()
    assert before is not None

    asked = client.post(target.url, data={"csrf_token": token, **target.data})
    text = html.unescape(asked.get_data(as_text=True))
    assert asked.status_code == (422 if step.own_page else 200), text[:800]
    for name in target.names:
        assert name in text, (name, text[text.find("<main"):][:1500])
    if not step.own_page:
        assert 'name="confirmed" value="1"' in text
        for key, value in target.data.items():
            assert f'name="{key}" value="{value}"' in text, key
        assert "Abbrechen" in text
    with app.app_context(), tenant_context(demo["tenant_id"]):
        assert target.state() == before, "the step was taken without confirmation"

    confirm = dict(step.confirm)
    if step.login == "second_factor":
        from tenants.demo import DEMO_PASSWORD

        confirm = {"password": DEMO_PASSWORD, "code": demo["recovery_codes"][1]}
    done = client.post(target.url, data={"csrf_token": token, **target.data, **confirm})
    assert done.status_code in (302, 303), html.unescape(done.get_data(as_text=True))[:1500]
    with app.app_context(), tenant_context(demo["tenant_id"]):
        assert target.state() != before, "the confirmed step changed nothing"
