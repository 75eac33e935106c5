"""`flask --app wsgi platform …` and `flask --app wsgi demo seed`."""
import click
from flask.cli import AppGroup
from sqlalchemy import select

from core.audit import Actor
from core.extensions import db
from core.problems import ServiceError
from core.tenancy.context import tenant_context
from tenants import services
from tenants.models import Tenant
from tenants.roles import ROLES

platform_cli = AppGroup("platform", help="Platform administration.")
demo_cli = AppGroup("demo", help="The demo alliance.")
CLI_ACTOR = Actor.system("cli")


def _fail(exc: ServiceError):
    db.session.rollback()
    details = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in exc.errors.items())
    raise click.ClickException(f"{exc.detail} {details}".strip())


@platform_cli.command("create-admin")
@click.argument("email")
@click.option("--password", required=True)
@click.option("--name", default="")
def create_admin(email, password, name):
    """Create a platform administrator."""
    try:
        user = services.create_user(email, password, name, platform_admin=True)
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"Platform admin {user.email} created.")


@platform_cli.command("create-tenant")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--owner-email", required=True)
@click.option("--owner-password", default=None, help="Needed when the owner is a new user.")
def create_tenant(slug, name, owner_email, owner_password):
    """Create an alliance with its first owner."""
    try:
        owner = services.get_or_create_user(owner_email, owner_password)
        tenant = services.create_tenant(slug, name, owner, CLI_ACTOR)
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"Alliance {tenant.slug} created; owner {owner.email}.")


@platform_cli.command("add-member")
@click.argument("slug")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--agency-id", type=int, default=None)
@click.option("--password", default=None, help="Needed when the member is a new user.")
@click.option("--name", default="")
def add_member(slug, email, role, agency_id, password, name):
    """Give a (new or existing) user a role in an alliance."""
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise click.ClickException(f"No alliance '{slug}'.")
    try:
        user = services.get_or_create_user(email, password, name)
        with tenant_context(tenant.id):
            services.add_member(tenant, user, role, CLI_ACTOR, agency_id=agency_id)
            db.session.commit()
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"{user.email} is {role} of {slug}.")


@platform_cli.command("totp-setup")
@click.argument("email")
def totp_setup(email):
    """Switch on the second factor of an account (the first admin of a fresh install): prints the secret, the
    otpauth URI for an authenticator app and the recovery codes. An existing second factor is replaced."""
    from tenants import second_factor
    from tenants.models import User

    user = db.session.scalar(select(User).where(User.email == services.normalize_email(email)))
    if user is None:
        raise click.ClickException(f"No account {email}.")
    secret = second_factor.new_secret()
    codes = second_factor.set_up_without_code(user, secret, CLI_ACTOR)
    db.session.commit()
    click.echo(f"Second factor of {user.email} switched on (its sessions have ended).")
    click.echo(f"Secret:      {secret}")
    click.echo(f"otpauth URI: {second_factor.provisioning_uri(user, secret)}")
    click.echo("Recovery codes (each works once; shown only now):")
    for code in codes:
        click.echo(f"  {code}")


@platform_cli.command("set-active")
@click.argument("email")
@click.option("--active/--inactive", default=False, help="Deactivate (default) or reactivate the account.")
def set_active(email, active):
    """Deactivate an account (ends its sessions and API tokens in every alliance) or reactivate it."""
    from tenants.models import User

    user = db.session.scalar(select(User).where(User.email == services.normalize_email(email)))
    if user is None:
        raise click.ClickException(f"No account {email}.")
    services.set_active(user, active, CLI_ACTOR)
    db.session.commit()
    click.echo(f"{user.email} is {'active' if active else 'deactivated'}.")


@demo_cli.command("seed")
@click.option("--reset/--no-reset", default=False, help="Delete the demo alliance first.")
def seed(reset):
    """Create (once) the demo alliance with users and realistic data; prints the logins."""
    from tenants.demo import seed_demo

    for line in seed_demo(reset=reset):
        click.echo(line)
