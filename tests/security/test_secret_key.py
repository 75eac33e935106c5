"""Finding 4: no installation signs sessions with a key that anyone can read in our source."""
import pytest


def test_without_secret_key_a_random_key_is_made_once(tmp_path, monkeypatch):
    """Is the key without SECRET_KEY random, kept (0600) and reused, and never the old public default?"""
    from core import config

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("APP_ENV", raising=False)
    monkeypatch.setenv("INSTANCE_DIR", str(tmp_path))
    first = config.load_config()["SECRET_KEY"]
    assert first == config.load_config()["SECRET_KEY"]
    assert len(first) >= 64 and first != "dev-only-not-secret"
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    other = tmp_path / "other"
    monkeypatch.setenv("INSTANCE_DIR", str(other))
    assert config.load_config()["SECRET_KEY"] != first  # another installation, another key


def test_production_refuses_to_start_without_secret_key(tmp_path, monkeypatch):
    from core import config

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("INSTANCE_DIR", str(tmp_path))
    with pytest.raises(config.UnsafeConfiguration, match="SECRET_KEY"):
        config.load_config()
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(config.UnsafeConfiguration, match="too short"):
        config.load_config()
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    with pytest.raises(config.UnsafeConfiguration, match="PASSWORD_HASH_PROFILE"):
        config.load_config()  # the suite's cheap hashing is refused in production
    monkeypatch.setenv("PASSWORD_HASH_PROFILE", "default")
    assert config.load_config()["SECRET_KEY"] == "x" * 64


def test_a_cookie_signed_with_the_old_default_opens_nothing(app, client, tenant_a, login):
    """A session cookie forged with the former public default key must not open a tenant's client list."""
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface

    login(client, tenant_a, "admin")
    with client.session_transaction() as session:
        real = dict(session)
    forger = Flask("forger")
    forger.secret_key = "dev-only-not-secret"
    cookie = SecureCookieSessionInterface().get_signing_serializer(forger).dumps(real)
    fresh = app.test_client()
    fresh.set_cookie(app.config.get("SESSION_COOKIE_NAME", "session"), cookie)
    r = fresh.get(f"/{tenant_a.slug}/clients/")
    assert r.status_code in (302, 401) and "Kundin" not in r.get_data(as_text=True)
