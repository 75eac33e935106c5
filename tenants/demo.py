"""The demo alliance: what a newcomer clicks through after the README's run command.

Each domain package adds its part by answering core.signals.demo_seeding (sent inside the demo tenant's context, in
layer order), so the seed grows with every capability.
"""
import os

from sqlalchemy import select

from core import signals
from core.audit import Actor
from core.extensions import db
from core.tenancy.context import tenant_context
from tenants import invitations, legal, services
from tenants.models import Tenant, User

DEMO_SLUG = "demo"
DEMO_PASSWORD = "demo-passwort-2026"
DEMO_USERS = [
    ("inhaberin@demo.buendnisnetz.de", "Ines Inhaberin", "owner"),
    ("fallmanagerin@demo.buendnisnetz.de", "Fatma Fallmanagerin", "case_manager"),
    ("fallmanager@demo.buendnisnetz.de", "Felix Fallmanager", "case_manager"),
    ("finanzen@demo.buendnisnetz.de", "Frank Finanzen", "finance"),
    ("lesend@demo.buendnisnetz.de", "Lea Lesend", "viewer"),
]
ADMIN_EMAIL = "admin@demo.example"
# the demo admin's TOTP secret: a code for the second factor is `python -c "import pyotp; print(pyotp.TOTP('…').now())"`
ADMIN_TOTP_SECRET = "DEMOADMINTOTPSECRETBUENDNISNETZ2"
ACTOR = Actor.system("demo seed")

def seed_demo(reset: bool = False) -> list[str]:
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == DEMO_SLUG))
    if tenant is not None and reset:
        db.session.delete(tenant)
        db.session.commit()
        tenant = None
    lines = []
    if tenant is None:
        owner = services.get_or_create_user(DEMO_USERS[0][0], DEMO_PASSWORD, DEMO_USERS[0][1])
        tenant = services.create_tenant(
            DEMO_SLUG, "Lokales Bündnis für Familie Musterstadt", owner, ACTOR,
            legal_name="Bündnis für Familie Musterstadt e.V.",
            address="Marktplatz 1\n12345 Musterstadt", email="kontakt@buendnis-musterstadt.de",
            register_number="VR 1234, Amtsgericht Musterstadt", tax_number="312/5760/1234",
            iban="DE89370400440532013000", bic="COBADEFFXXX",
            contact_name="Ines Inhaberin", phone="+49 2381 123456", payment_days=30,
        )
        tenant.plan = "network"  # the demo never meets a plan limit
        with tenant_context(tenant.id):
            legal.record_acceptances(owner, ACTOR)  # the owner accepted the terms and the AV-Vertrag
            users = {"owner": owner}
            for email, name, role in DEMO_USERS[1:]:
                user = services.get_or_create_user(email, DEMO_PASSWORD, name)
                services.add_member(tenant, user, role, ACTOR)
                users.setdefault(role, user)
            for part in signals.ask(signals.demo_seeding, tenant, users=users, actor=ACTOR):
                lines.extend(part)
            # an open invitation on the members page (members join by invitation and set their own password)
            invitations.invite(tenant, {"email": "neu.mitglied@buendnis-musterstadt.de", "name": "Neues Mitglied",
                            "role": "case_manager"}, ACTOR)
            db.session.flush()  # tenant rows must be written while the tenant is in context
        if db.session.scalar(select(User).where(User.email == ADMIN_EMAIL)) is None:
            from tenants import second_factor

            admin = services.create_user(ADMIN_EMAIL, DEMO_PASSWORD, "Plattform-Admin", platform_admin=True)
            second_factor.set_up_without_code(admin, ADMIN_TOTP_SECRET, ACTOR)
        db.session.commit()
        lines.insert(0, "Demo alliance created.")
    else:
        lines.append("Demo alliance exists already (use --reset to recreate it).")
    lines += [
        "",
        f"  Open   http://127.0.0.1:{os.environ.get('PORT', '5000')}/login?tenant=demo",
        f"  Logins (password for all: {DEMO_PASSWORD}):",
        *[f"    {email:42} {role}" for email, _, role in DEMO_USERS],
        f"    {ADMIN_EMAIL:42} platform admin (leave 'alliance' empty), second factor: TOTP secret "
        f"{ADMIN_TOTP_SECRET}",
        f"      a current code: python -c \"import pyotp; print(pyotp.TOTP('{ADMIN_TOTP_SECRET}').now())\"",
    ]
    return lines
