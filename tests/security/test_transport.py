"""Finding 10 (transport): HSTS over HTTPS; X-Forwarded-* believed only from the configured proxies."""


import pytest


@pytest.fixture
def proxied(app):
    """A second app behind one trusted proxy; the Celery wiring goes back to the session's app afterwards."""
    from core.app import create_app
    from core.celery import init_celery

    try:
        yield create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "TRUSTED_PROXIES": 1})
    finally:
        init_celery(app)


def test_hsts_only_over_https(app):
    plain = app.test_client().get("/healthz")
    assert "Strict-Transport-Security" not in plain.headers
    secure = app.test_client().get("/healthz", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_forwarded_headers_count_only_behind_a_trusted_proxy(app, proxied):
    """Without TRUSTED_PROXIES a client cannot claim HTTPS or another address; behind one proxy its
    X-Forwarded-Proto and -For are believed (one hop only)."""
    from flask import request

    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    assert "Strict-Transport-Security" not in app.test_client().get("/healthz", headers=headers).headers
    seen = {}

    @proxied.get("/_whoami")
    def whoami():
        seen["addr"] = request.remote_addr
        return "ok"

    r = proxied.test_client().get("/_whoami", headers={**headers, "X-Forwarded-For": "198.51.100.1, 203.0.113.7"})
    assert r.headers["Strict-Transport-Security"] and seen["addr"] == "203.0.113.7"
