"""`APP_ENV=production` refuses an unsafe start and says why in one line."""
import pytest
from sqlalchemy import create_engine

from core.config import UnsafeConfiguration

SAFE = {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://bn_app:app@db/bn", "SESSION_COOKIE_SECURE": True,
        "MIGRATIONS_DATABASE_URL": "postgresql+psycopg://bn_owner:owner@db/bn", "WTF_CSRF_ENABLED": True,
        "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "redis://redis:6379/2"}


@pytest.mark.parametrize("change, why", [
    ({"SQLALCHEMY_DATABASE_URI": "sqlite:////tmp/x.db"}, "SQLite"),
    ({"SESSION_COOKIE_SECURE": False}, "SESSION_COOKIE_SECURE"),
    ({"MIGRATIONS_DATABASE_URL": SAFE["SQLALCHEMY_DATABASE_URI"]}, "owns the tables"),
    ({"WTF_CSRF_ENABLED": False}, "WTF_CSRF_ENABLED is off"),
    ({"RATELIMIT_ENABLED": False}, "RATELIMIT_ENABLED is off"),
    ({"RATELIMIT_STORAGE_URI": "memory://"}, "each process would count on its own"),
])
def test_unsafe_configuration_is_refused(change, why):
    from core.production import check_config

    check_config(SAFE)  # the safe one passes
    with pytest.raises(UnsafeConfiguration, match=why):
        check_config({**SAFE, **change})


def test_create_app_refuses_before_serving(monkeypatch, tmp_path):
    from core.app import create_app

    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("PASSWORD_HASH_PROFILE", "default")
    monkeypatch.setenv("INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    with pytest.raises(UnsafeConfiguration, match="SQLite"):
        create_app()


def test_only_a_role_that_rls_binds_may_serve(runtime_engine, database_urls):
    """The runtime role passes; the table owner and the superuser are refused."""
    from core.production import check_database_role
    from tests.conftest import PG_ADMIN_URL, PG_DB

    check_database_role(runtime_engine)
    for url, why in ((database_urls[0], "owns tables"), (PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_DB}", "superuser")):
        engine = create_engine(url)
        try:
            with pytest.raises(UnsafeConfiguration, match=why):
                check_database_role(engine)
        finally:
            engine.dispose()


def _production_env(monkeypatch, tmp_path, **env):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("PASSWORD_HASH_PROFILE", "default")
    monkeypatch.setenv("INSTANCE_DIR", str(tmp_path))
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/15")
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


@pytest.mark.parametrize("env, why", [
    ({"SECRET_KEY": None}, "needs SECRET_KEY"),  # no generated development key in production
    ({"SECRET_KEY": "test-secret-key"}, "SECRET_KEY is too short"),  # a development key
    ({"DATABASE_URL": "sqlite:///{tmp}/x.db"}, "SQLite"),
    ({"SESSION_COOKIE_SECURE": "0"}, "SESSION_COOKIE_SECURE is off"),
    ({"MIGRATIONS_DATABASE_URL": "postgresql+psycopg://bn_app:app@127.0.0.1:1/bn"}, "owns the tables"),
    ({"PASSWORD_HASH_PROFILE": "cheapest"}, "PASSWORD_HASH_PROFILE"),
    ({"WTF_CSRF_ENABLED": "0"}, "WTF_CSRF_ENABLED is off"),
    ({"RATELIMIT_ENABLED": "0"}, "RATELIMIT_ENABLED is off"),
    ({"RATELIMIT_STORAGE_URI": None, "CELERY_BROKER_URL": None}, "RATELIMIT_STORAGE_URI is in memory"),
])
def test_each_unsafe_setting_refuses_the_start_in_one_line(env, why, monkeypatch, tmp_path):
    """A production start (create_app with APP_ENV=production) refuses each unsafe setting before it serves
    anything or connects to the database, with a single line that names the setting and why."""
    from core.app import create_app

    _production_env(monkeypatch, tmp_path, DATABASE_URL="postgresql+psycopg://bn_app:app@127.0.0.1:1/bn",
                    MIGRATIONS_DATABASE_URL="postgresql+psycopg://bn_owner:owner@127.0.0.1:1/bn")
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value.format(tmp=tmp_path))
    with pytest.raises(UnsafeConfiguration, match=why) as refused:
        create_app()
    assert "\n" not in str(refused.value) and len(str(refused.value)) < 200


@pytest.mark.postgres
def test_a_role_with_bypassrls_is_refused(is_postgres, database_urls):
    """A runtime role that is neither superuser nor owner but has BYPASSRLS is refused too."""
    if not is_postgres:
        pytest.skip("database roles exist on PostgreSQL only")
    from core.production import check_database_role
    from tests.conftest import PG_ADMIN_URL, PG_DB, PG_HOST

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql("DROP ROLE IF EXISTS bn_bypass")
        conn.exec_driver_sql("CREATE ROLE bn_bypass LOGIN PASSWORD 'bypass' NOSUPERUSER BYPASSRLS")
    engine = create_engine(f"postgresql+psycopg://bn_bypass:bypass@{PG_HOST}/{PG_DB}")
    try:
        with pytest.raises(UnsafeConfiguration, match="bn_bypass has BYPASSRLS") as refused:
            check_database_role(engine)
        assert "\n" not in str(refused.value)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql("DROP ROLE IF EXISTS bn_bypass")
        admin.dispose()


@pytest.mark.postgres
def test_create_app_refuses_the_table_owner_before_serving(is_postgres, database_urls, monkeypatch, tmp_path):
    """The whole production start, on the real database, connecting as the role that owns the tables."""
    if not is_postgres:
        pytest.skip("database roles exist on PostgreSQL only")
    from core import observability
    from core.app import create_app
    from tests.conftest import PG_ADMIN_URL, PG_DB

    owner_url = database_urls[0]
    _production_env(monkeypatch, tmp_path, DATABASE_URL=owner_url,
                    MIGRATIONS_DATABASE_URL=PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_DB}")
    try:
        with pytest.raises(UnsafeConfiguration, match="owns tables") as refused:
            create_app()
        assert "\n" not in str(refused.value)
    finally:
        monkeypatch.delenv("APP_ENV")
        observability.configure_logging()  # the suite's text logs again
