"""The suite runs against a real database: PostgreSQL (TEST_DB=postgres, default) or SQLite (TEST_DB=sqlite).

On PostgreSQL it creates its own database and two roles, exactly as production runs: migrations as the owner role,
the app as a runtime role that owns nothing and cannot bypass row-level security. Every test starts empty and always
has two tenants at hand (fixtures `tenant_a`, `tenant_b`).
"""
import itertools
import os
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from sqlalchemy import create_engine, text

TEST_DB = os.environ.get("TEST_DB", "postgres")
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_HOST = os.environ.get("TEST_PG_HOST", "127.0.0.1:5432")
PG_DB = os.environ.get("TEST_PG_DATABASE", f"bn_test_{os.getpid()}")
OWNER, RUNTIME = "bn_owner", "bn_app"
PASSWORD = "correct-horse-battery"

os.environ.setdefault("SECRET_KEY", "test-secret-key")
os.environ.setdefault("PASSWORD_HASH_PROFILE", "cheapest")  # production parameters: tests/tenants/test_passwords.py


def _pg_urls() -> tuple[str, str]:
    return (f"postgresql+psycopg://{OWNER}:owner@{PG_HOST}/{PG_DB}",
            f"postgresql+psycopg://{RUNTIME}:app@{PG_HOST}/{PG_DB}")


def _create_pg_database() -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for role, pw in ((OWNER, "owner"), (RUNTIME, "app")):
            exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar()
            verb = "ALTER" if exists else "CREATE"
            conn.execute(text(f"{verb} ROLE {role} LOGIN PASSWORD '{pw}' NOSUPERUSER NOCREATEDB NOCREATEROLE "
                              "NOBYPASSRLS" + (" NOINHERIT" if role == RUNTIME else " INHERIT")))
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{PG_DB}" OWNER {OWNER}'))
    admin.dispose()


def _drop_pg_database() -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory):
    """(owner_url, runtime_url) of a freshly created, empty database."""
    if TEST_DB == "postgres":
        _create_pg_database()
        yield _pg_urls()
        _drop_pg_database()
    else:
        path = tmp_path_factory.mktemp("db") / "test.db"
        url = f"sqlite:///{path}"
        yield url, url


@pytest.fixture(scope="session")
def app(database_urls, tmp_path_factory):
    owner_url, runtime_url = database_urls
    os.environ["DATABASE_URL"] = runtime_url  # for subprocesses (Celery worker, CLI)
    os.environ["MIGRATIONS_DATABASE_URL"] = owner_url
    from core.app import create_app

    storage = tmp_path_factory.mktemp("storage")
    os.environ["STORAGE_DIR"] = str(storage)
    application = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": runtime_url,
        "MIGRATIONS_DATABASE_URL": owner_url,
        "STORAGE_DIR": str(storage),
        "SERVER_NAME": None,
        "SESSION_COOKIE_SECURE": False,  # the test client speaks http; production default is tested apart
    })
    from flask_migrate import upgrade

    with application.app_context():
        upgrade()
    yield application
    from core.extensions import db

    with application.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def owner_engine(app, database_urls):
    """A connection as the table owner (for cleaning up and for inspecting the catalogue)."""
    engine = create_engine(database_urls[0])
    yield engine
    engine.dispose()


@pytest.fixture
def runtime_engine(is_postgres, database_urls):
    """A connection as the application's runtime role (PostgreSQL only: row-level security applies to it)."""
    if not is_postgres:
        pytest.skip("row-level security exists on PostgreSQL only")
    engine = create_engine(database_urls[1])
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(request, owner_engine):
    """Every test starts with empty tables (TRUNCATE as owner: row-level security does not apply to it)."""
    yield
    from core.extensions import db, limiter
    from core.mail import outbox

    outbox.clear()
    try:
        limiter.reset()
    except Exception:  # noqa: BLE001 - storage without reset support
        pass
    tables = [t.name for t in db.metadata.sorted_tables]
    with owner_engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
        else:
            conn.execute(text("PRAGMA foreign_keys=OFF"))
            for t in reversed(tables):
                conn.execute(text(f'DELETE FROM "{t}"'))
            conn.execute(text("PRAGMA foreign_keys=ON"))


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app
        from core.extensions import db

        db.session.rollback()
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def no_csrf(app):
    app.config["WTF_CSRF_ENABLED"] = False
    yield
    app.config["WTF_CSRF_ENABLED"] = True


@pytest.fixture
def no_pdf(app, monkeypatch):
    """No LibreOffice for this test: documents fail fast and are recorded as failed (a demo seed otherwise
    converts every demo invoice; the document tests convert for real)."""
    monkeypatch.setitem(app.config, "SOFFICE_BINARY", "/nonexistent/soffice")


@pytest.fixture
def is_postgres():
    return TEST_DB == "postgres"


_seq = itertools.count(1)


@dataclass
class TenantFixture:
    """A tenant with one member per staff role; `users[role]` and `memberships[role]`."""

    tenant_id: int
    slug: str
    name: str
    users: dict = field(default_factory=dict)
    memberships: dict = field(default_factory=dict)

    def email(self, role: str) -> str:
        return self.users[role]

    @contextmanager
    def context(self):
        """Enter this tenant (and an app context with a fresh session) for direct service calls."""
        from core.extensions import db
        from core.tenancy.context import tenant_context

        with tenant_context(self.tenant_id):
            yield db.session
            db.session.flush()


@pytest.fixture
def make_tenant(app):
    """Factory: a committed tenant with owner, admin, case manager, finance and viewer members."""

    def make(slug: str | None = None, name: str | None = None) -> TenantFixture:
        from core.audit import Actor
        from core.extensions import db
        from core.tenancy.context import tenant_context
        from tenants import services

        n = next(_seq)
        slug = slug or f"tenant-{n}"
        actor = Actor.system("test")
        with app.app_context():
            owner = services.create_user(f"owner@{slug}.example.org", PASSWORD, f"Owner {slug}")
            tenant = services.create_tenant(slug, name or f"Alliance {slug}", owner, actor)
            tenant.plan = "network"  # no plan limits by accident (tests/tenants/test_plan_limits.py tests them)
            fx = TenantFixture(tenant.id, tenant.slug, tenant.name)
            fx.users["owner"] = owner.email
            with tenant_context(tenant.id):
                from sqlalchemy import select

                from tenants.models import Membership

                fx.memberships["owner"] = db.session.scalar(select(Membership.id).where(Membership.user_id == owner.id))
                for role in ("admin", "case_manager", "finance", "viewer"):
                    user = services.create_user(f"{role}@{slug}.example.org", PASSWORD, f"{role} {slug}")
                    m = services.add_member(tenant, user, role, actor)
                    fx.users[role] = user.email
                    fx.memberships[role] = m.id
                db.session.commit()
        return fx

    return make


@pytest.fixture
def tenant_a(make_tenant):
    return make_tenant("alpha", "Bündnis Alpha")


@pytest.fixture
def tenant_b(make_tenant):
    return make_tenant("beta", "Bündnis Beta")


@pytest.fixture
def make_agency(app):
    """Factory: an agency of a tenant fixture, committed; returns its id."""

    def make(fx, name: str = "Jobcenter Musterstadt", **extra) -> int:
        from core.audit import Actor
        from core.extensions import db
        from network.services import create_agency

        with app.app_context(), fx.context():
            agency = create_agency(
                {"name": name, "kind": "jobcenter", "address": "Agenturstraße 5\n12345 Musterstadt", **extra},
                Actor.system("test"),
            )
            db.session.commit()
            return agency.id

    return make


@pytest.fixture
def login(app):
    """Log a test client in as `role` of a tenant fixture (through the real login form, CSRF included)."""
    def do(client, fx: TenantFixture, role: str = "owner"):
        page = client.get(f"/login?tenant={fx.slug}")
        token = csrf_from(page.data)  # empty when a test switched CSRF off
        response = client.post(f"/login?tenant={fx.slug}", data={
            "csrf_token": token, "tenant": fx.slug, "email": fx.users[role], "password": PASSWORD})
        assert response.status_code == 302, response.data[:500]
        return client

    return do


@pytest.fixture
def api_token(client):
    """A bearer token for `role` of a tenant fixture, through POST /api/v1/token."""

    def get(fx: TenantFixture, role: str = "owner") -> dict:
        r = client.post("/api/v1/token", json={"email": fx.users[role], "password": PASSWORD, "tenant": fx.slug})
        assert r.status_code == 201, r.json
        return {"Authorization": f"Bearer {r.json['token']}"}

    return get


def berlin_today():
    """Today where the test tenants live (their default zone), not on the machine running the tests."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Europe/Berlin")).date()


def csrf_from(html: bytes) -> str:
    import re

    match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', html)
    return match.group(1).decode() if match else ""


def pytest_report_header(config):
    return f"database: {TEST_DB}"


