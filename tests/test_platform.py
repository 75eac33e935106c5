"""Process-level behaviour: health and readiness probes, security headers, HTML error pages."""


def test_readiness_reports_database_and_broker(client):
    """Does /readyz check the database, the broker and the migrations rather than just answering?"""
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.json["checks"] == {"database": True, "broker": True, "migrations": True} and r.json["failed"] == []


def test_readiness_fails_when_the_broker_is_unreachable(client):
    """When the broker is down, does /readyz say 503 so the orchestrator stops routing traffic?"""
    from core.celery import celery_app

    saved = dict(celery_app.conf)
    celery_app.conf.update(task_always_eager=False, broker_url="redis://127.0.0.1:1/0")
    try:
        r = client.get("/readyz")
    finally:
        celery_app.conf.update(task_always_eager=saved["task_always_eager"], broker_url=saved["broker_url"])
    assert r.status_code == 503 and r.json["checks"]["broker"] is False


def test_pages_carry_security_headers_and_tenant_pages_are_not_cached(client, tenant_a, login):
    """Are pages protected against framing and sniffing, and are tenant pages marked no-store?"""
    login(client, tenant_a)
    r = client.get("/alpha/agencies/")
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["Cache-Control"] == "no-store"


def test_unknown_pages_get_an_html_error_page(client):
    """Does a missing page answer 404 with a readable HTML page, not a stack trace?"""
    r = client.get("/no-such-alliance/agencies/")
    assert r.status_code == 404
    assert r.mimetype == "text/html"
    assert "<h1>" in r.get_data(as_text=True) and "Traceback" not in r.get_data(as_text=True)
