"""Finding 1 (end to end) and 7: members join by invitation and set their own password; only owners make or
touch owners."""
import re

import pytest

from core.problems import Forbidden
from tests.conftest import PASSWORD

X = "x@example.org"
CHOSEN_BY_ATTACKER = "Angreifer-Passwort-123"
OWN = "Mein-eigenes-Passwort-456"


def _invite(client, fx, email, role="viewer", **extra):
    return client.post(f"/{fx.slug}/members", data={"email": email, "name": "", "role": role, "agency_id": "",
                                                     "password": CHOSEN_BY_ATTACKER, **extra})


def _link_for(email) -> str:
    from core.mail import outbox

    mails = [m for m in outbox if m["To"] == email]
    assert mails, "no invitation mail"
    return re.search(r"https?://[^/\s]+(/invitations/\S+)", mails[-1].get_content())[1]


def _logins(client, fx, email, password) -> bool:
    client.post("/logout")
    r = client.post("/login", data={"tenant": fx.slug, "email": email, "password": password})
    ok = r.status_code == 302
    client.post("/logout")
    return ok


def test_an_admin_of_another_alliance_cannot_get_in(app, client, tenant_a, tenant_b, login, no_csrf):
    """Admin B adds x@ with a password of B's choosing; A later adds x@ too. Can that password ever open A (or
    B), and does A's admin learn that x@ has an account elsewhere? Neither: x@ sets their own password."""
    from core.mail import outbox

    login(client, tenant_b, "admin")
    first = _invite(client, tenant_b, X)
    assert first.status_code == 302
    message_for_b = client.get(f"/{tenant_b.slug}/members").get_data(as_text=True)
    assert X in message_for_b  # listed as an open invitation
    assert not _logins(client, tenant_b, X, CHOSEN_BY_ATTACKER)  # the typed password made no account

    # x@ accepts B's invitation with their own password
    link = _link_for(X)
    r = client.post(link, data={"name": "X", "password": OWN, "confirm": OWN})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/{tenant_b.slug}/")
    client.post("/logout")
    assert client.post(link, data={"name": "X", "password": "again-123456", "confirm": "again-123456"}
                       ).status_code == 302  # a used link only redirects with a message
    assert not _logins(client, tenant_b, X, "again-123456")

    # A invites the same address: the admin's answer is the same as for a new address
    outbox.clear()
    login(client, tenant_a, "admin")
    r = _invite(client, tenant_a, X)
    follow = client.get(r.headers["Location"]).get_data(as_text=True)
    r2 = _invite(client, tenant_a, "brand-new@example.org")
    follow2 = client.get(r2.headers["Location"]).get_data(as_text=True)
    assert "Einladung ist unterwegs" in follow and "Einladung ist unterwegs" in follow2
    assert "Konto" not in follow.split("<main", 1)[-1].split("Offene Einladungen")[0]
    client.post("/logout")

    # x@ has an account: the link asks them to log in first; the attacker's password opens nothing
    link = _link_for(X)
    page = client.get(link).get_data(as_text=True)
    assert "Anmelden" in page and 'name="password"' not in page
    assert client.post(link, data={"password": CHOSEN_BY_ATTACKER, "confirm": CHOSEN_BY_ATTACKER}
                       ).status_code == 200
    assert not _logins(client, tenant_a, X, CHOSEN_BY_ATTACKER)
    assert not _logins(client, tenant_a, X, OWN)  # not a member of A yet

    # logged in (through B) with their own password, x@ accepts A's invitation
    assert client.post("/login", data={"tenant": tenant_b.slug, "email": X, "password": OWN}).status_code == 302
    r = client.post(link)
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/{tenant_a.slug}/")
    assert _logins(client, tenant_a, X, OWN)
    token = client.post("/api/v1/token", json={"email": X, "password": CHOSEN_BY_ATTACKER, "tenant": tenant_a.slug})
    assert token.status_code == 401


def test_an_invitation_is_for_its_address_only(client, tenant_a, login, no_csrf):
    """May someone logged in with another account use a link meant for x@? No."""
    login(client, tenant_a, "admin")
    _invite(client, tenant_a, X)
    link = _link_for(X)
    client.post("/logout")
    login(client, tenant_a, "viewer")
    r = client.post(link)
    assert r.status_code == 200 and "für eine andere Adresse" in r.get_data(as_text=True)


def test_a_withdrawn_or_garbled_link_opens_nothing(app, client, tenant_a, login, no_csrf):
    from sqlalchemy import select

    from core.extensions import db
    from tenants.models import Invitation

    login(client, tenant_a, "admin")
    _invite(client, tenant_a, X)
    link = _link_for(X)
    with app.app_context(), tenant_a.context():
        invitation_id = db.session.scalar(select(Invitation.id).where(Invitation.email == X))
    assert client.post(f"/{tenant_a.slug}/invitations/{invitation_id}/revoke",
                       data={"confirmed": "1"}).status_code == 302
    client.post("/logout")
    for url in (link, link[:-3] + "abc", "/invitations/nonsense"):
        r = client.post(url, data={"password": OWN, "confirm": OWN})
        assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert not _logins(client, tenant_a, X, OWN)


def test_only_owners_make_or_touch_owners(client, tenant_a, login, no_csrf):
    """Finding 7: can an admin invite an owner, demote or remove the owner? No; an owner can."""
    login(client, tenant_a, "admin")
    r = _invite(client, tenant_a, "new-owner@example.org", role="owner")
    assert r.status_code == 200 and 'class="field-error"' in r.get_data(as_text=True)  # not even offered
    with pytest.raises(Forbidden):  # and the service refuses it whoever asks
        from core.audit import Actor
        from tenants.invitations import invite
        from tenants.models import Tenant

        with client.application.app_context(), tenant_a.context() as session:
            invite(session.get(Tenant, tenant_a.tenant_id), {"email": "new-owner@example.org", "role": "owner"},
                   Actor(user_id=None, role="admin", ip=None, label="admin"))
    client.post(f"/{tenant_a.slug}/members/{tenant_a.memberships['owner']}/role", data={"role": "viewer"})
    client.post(f"/{tenant_a.slug}/members/{tenant_a.memberships['owner']}/delete", data={"confirmed": "1"})
    client.post("/logout")
    assert _logins(client, tenant_a, tenant_a.users["owner"], PASSWORD)
    login(client, tenant_a, "owner")
    page = client.get(f"/{tenant_a.slug}/members").get_data(as_text=True)
    assert "Inhaber/in" in page
    assert _invite(client, tenant_a, "new-owner@example.org", role="owner").status_code == 302


def test_the_invitation_form_starts_with_the_least_privileged_role_and_offers_owner_to_owners_only(client, tenant_a,
                                                                                                   login):
    """Issue 14: a new member's role defaults to reading only (Lesezugriff), never to more by accident."""
    login(client, tenant_a, "admin")
    page = client.get(f"/{tenant_a.slug}/members").get_data(as_text=True)
    form = page.split('id="role"', 1)[1].split("</select>", 1)[0]
    assert 'selected value="viewer"' in form and form.count("selected") == 1 and 'value="owner"' not in form
    client.post("/logout")
    login(client, tenant_a, "owner")
    form = client.get(f"/{tenant_a.slug}/members").get_data(as_text=True).split('id="role"', 1)[1]
    assert 'value="owner"' in form.split("</select>", 1)[0]
