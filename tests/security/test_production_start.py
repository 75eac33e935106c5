"""`APP_ENV=production` refuses an unsafe start and says why in one line."""
import pytest
from sqlalchemy import create_engine

from core.config import UnsafeConfiguration

SAFE = {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://bn_app:app@db/bn", "SESSION_COOKIE_SECURE": True,
        "MIGRATIONS_DATABASE_URL": "postgresql+psycopg://bn_owner:owner@db/bn"}


@pytest.mark.parametrize("change, why", [
    ({"SQLALCHEMY_DATABASE_URI": "sqlite:////tmp/x.db"}, "SQLite"),
    ({"SESSION_COOKIE_SECURE": False}, "SESSION_COOKIE_SECURE"),
    ({"MIGRATIONS_DATABASE_URL": SAFE["SQLALCHEMY_DATABASE_URI"]}, "owns the tables"),
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
