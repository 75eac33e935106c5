"""Logs, metrics and readiness (core/observability.py): what an operator sees, and never a client's data."""
import io
import json
import logging
import re
from contextlib import contextmanager

from sqlalchemy import event, func, select

from tests.conftest import PASSWORD, csrf_from

DEMO_LOGIN = {"email": "inhaberin@demo.buendnisnetz.de", "password": "demo-passwort-2026", "tenant": "demo"}
# every label a metric of ours may carry: none of them a slug, an id, a URL or a name
ALLOWED_LABELS = {"endpoint", "method", "status", "task", "outcome", "state", "le"}


@contextmanager
def captured_logs(level=logging.DEBUG):
    """Everything logged anywhere in the process while the block runs, as the production JSON lines."""
    from core.observability import make_handler

    stream = io.StringIO()
    handler = make_handler(stream, "json")
    root = logging.getLogger()
    saved = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(saved)


def _lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def _samples(text: str) -> list[tuple[str, dict]]:
    """(metric name, labels) of every sample line of a Prometheus text exposition."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? ", line)
        assert match, line
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(2) or ""))
        out.append((match.group(1), labels))
    return out


def _values(text: str) -> list[tuple[str, dict, float]]:
    return [(name, labels, float(line.rsplit(" ", 1)[1]))
            for (name, labels), line in zip(_samples(text), [ln for ln in text.splitlines()
                                                             if ln and not ln.startswith("#")], strict=True)]


def _user_id(app, email):
    from core.extensions import db
    from tenants.models import User

    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def _log_in(client, slug, email, password=PASSWORD):
    page = client.get(f"/login?tenant={slug}")
    r = client.post(f"/login?tenant={slug}", data={"csrf_token": csrf_from(page.data), "tenant": slug,
                                                   "email": email, "password": password})
    assert r.status_code == 302, r.data[:300]


# --- metrics ------------------------------------------------------------------------------------------------------


def test_metrics_expose_latency_tasks_and_invoices_with_no_slug_id_or_name_in_labels(app, client, tenant_a,
                                                                                      login):
    """After some requests and a task, does /metrics show the latency histogram by endpoint (never the URL),
    the task outcome counter and the invoice gauge, with labels that carry no slug, id or name?"""
    from core.celery import ping
    from core.observability import invoice_counts

    login(client, tenant_a, "admin")
    assert client.get(f"/{tenant_a.slug}/clients/?q=Mustermann").status_code == 200
    client.get(f"/{tenant_a.slug}/cases/987654")  # an id in the URL (404)
    client.get("/no/such/page/4711")
    assert ping.delay().get() == "pong"
    invoice_counts.reset()
    r = client.get("/metrics")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    text = r.get_data(as_text=True)
    samples = _samples(text)
    names = {name for name, _labels in samples}
    assert {"bn_http_request_duration_seconds_bucket", "bn_http_request_duration_seconds_count",
            "bn_celery_tasks_total", "bn_billing_run_duration_seconds_count"} <= names
    assert "# TYPE bn_invoices gauge" in text
    latency = [labels for name, labels in samples if name == "bn_http_request_duration_seconds_count"]
    assert {"endpoint": "cases.clients", "method": "GET", "status": "2xx"} in latency
    assert {"endpoint": "<unmatched>", "method": "GET", "status": "4xx"} in latency
    assert ("bn_celery_tasks_total", {"task": "core.ping", "outcome": "success"}) in samples
    for _name, labels in samples:
        assert set(labels) <= ALLOWED_LABELS, labels
        for value in labels.values():
            assert "/" not in value and not value.isdigit(), value
    values = " ".join(v for _name, labels in samples for v in labels.values())
    for secret in (tenant_a.slug, tenant_a.name, "Mustermann", "987654", "4711"):
        assert secret not in values, secret
    assert tenant_a.name not in text and "Mustermann" not in text


def test_metrics_are_served_to_the_cluster_network_or_a_bearer_token_only(app, client, monkeypatch):
    """Is /metrics refused to a public address, to any request that came through a proxy (the ingress), and with
    METRICS_TOKEN set to anyone without it?"""
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 403
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403
    # through the trusted ingress too: its forwarded address may be a node's private one, whoever the client is
    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", 1)
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"},
                      headers={"X-Forwarded-For": "10.0.0.7"}).status_code == 403
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "s3cret-scrape-token")
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    ok = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"},
                    headers={"Authorization": "Bearer s3cret-scrape-token"})
    assert ok.status_code == 200 and b"bn_http_request_duration_seconds" in ok.data


# --- logs ---------------------------------------------------------------------------------------------------------


def test_json_access_lines_carry_request_tenant_and_user_ids_and_no_url(app, client, tenant_a, login):
    """Does each request log one JSON line with its request id (the one sent, echoed; or a new one), the tenant
    id, the user id, the endpoint, status and duration, and no path or query string?"""
    login(client, tenant_a, "case_manager")
    with captured_logs(logging.INFO) as stream:
        sent = client.get(f"/{tenant_a.slug}/clients/?q=Geheimname", headers={"X-Request-ID": "req-abc.123"})
        made = client.get(f"/{tenant_a.slug}/clients/")
        forged = client.get("/healthz", headers={"X-Request-ID": "x" * 300 + " {evil}"})
    assert sent.headers["X-Request-ID"] == "req-abc.123"
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-ID"])
    assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["X-Request-ID"])  # not echoed: made anew
    lines = _lines(stream)
    access = [line for line in lines if line["logger"] == "buendnisnetz.access"]
    assert len(access) == 2, lines  # the probe logs at DEBUG only
    user_id = _user_id(app, tenant_a.users["case_manager"])
    first, second = access
    assert first["request_id"] == "req-abc.123" and second["request_id"] == made.headers["X-Request-ID"]
    for line in access:
        assert line["tenant_id"] == tenant_a.tenant_id and line["user_id"] == user_id
        assert line["endpoint"] == "cases.clients" and line["method"] == "GET" and line["status"] == 200
        assert isinstance(line["duration_ms"], float) and line["level"] == "INFO"
    raw = stream.getvalue()
    assert "Geheimname" not in raw and "q=" not in raw and f"/{tenant_a.slug}/" not in raw


def test_json_in_production_or_when_asked_text_in_development(monkeypatch):
    from core.observability import JsonFormatter, TextFormatter, log_format, make_handler

    monkeypatch.delenv("APP_ENV", raising=False)
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    assert log_format() == "text" and isinstance(make_handler(io.StringIO()).formatter, TextFormatter)
    monkeypatch.setenv("LOG_FORMAT", "json")
    assert log_format() == "json"
    monkeypatch.delenv("LOG_FORMAT")
    monkeypatch.setenv("APP_ENV", "production")
    assert log_format() == "json" and isinstance(make_handler(io.StringIO()).formatter, JsonFormatter)
    monkeypatch.setenv("LOG_FORMAT", "text")
    assert log_format() == "text"
    stream = io.StringIO()
    logging.getLogger("bn.test").addHandler(handler := make_handler(stream, "text"))
    try:
        logging.getLogger("bn.test").warning("readable")
    finally:
        logging.getLogger("bn.test").removeHandler(handler)
    assert "WARNING bn.test" in stream.getvalue() and "readable" in stream.getvalue()


def test_task_logs_carry_their_tenant_and_the_request_that_queued_it(app, tenant_a):
    """Does a line logged inside a tenant's task carry the tenant id and the task's name?"""
    from celery import signals

    from core.celery import celery_app

    @celery_app.task(name="tests.log_something", bind=True)
    def log_something(self):
        logging.getLogger("bn.task").warning("inside the task")

    with app.app_context(), captured_logs() as stream:
        from core.tenancy.context import tenant_context

        with tenant_context(tenant_a.tenant_id):
            log_something.delay()
    line = next(line for line in _lines(stream) if line["message"] == "inside the task")
    assert line["tenant_id"] == tenant_a.tenant_id and line["task"] == "tests.log_something"
    assert signals.task_postrun.receivers  # outcomes are counted by the signal


def test_a_whole_journey_logs_no_client_name(app, no_pdf):
    """Seed the demo, log in, search a client by name, open the client's case, log a service and run billing,
    with every log line of the process captured (DEBUG): are the demo clients' first and last names nowhere
    in it, nor in the metrics?"""
    from cases.models import Case, Client
    from core import clock
    from core.extensions import db
    from core.observability import BILLING_RUN_DURATION, invoice_counts
    from core.tenancy.context import tenant_context
    from tenants.models import Tenant

    def runs_observed():
        return next(s.value for m in BILLING_RUN_DURATION.collect() for s in m.samples if s.name.endswith("_count"))

    runs_before = runs_observed()
    with captured_logs() as stream:
        result = app.test_cli_runner().invoke(args=["demo", "seed"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            demo_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == "demo"))
            with tenant_context(demo_id):
                clients = db.session.execute(select(Client.id, Client.first_name, Client.last_name)).all()
                case_id, client_id = db.session.execute(
                    select(Case.id, Case.client_id).where(Case.status == "active").order_by(Case.id)).first()
            db.session.rollback()
        searched = next(c for c in clients if c.id == client_id)
        web = app.test_client()
        _log_in(web, "demo", DEMO_LOGIN["email"], DEMO_LOGIN["password"])
        page = web.get(f"/demo/clients/?q={searched.last_name}")
        assert page.status_code == 200 and searched.last_name in page.get_data(as_text=True)
        assert web.get(f"/demo/clients/?q={searched.first_name}+{searched.last_name}").status_code == 200
        assert web.get(f"/demo/clients/{client_id}").status_code == 200
        assert web.get(f"/demo/cases/{case_id}").status_code == 200
        form = web.get(f"/demo/cases/{case_id}/services/new")
        logged = web.post(f"/demo/cases/{case_id}/services/new", data={
            "csrf_token": csrf_from(form.data), "on": clock.today().isoformat(), "minutes": "45",
            "service_area": "case_management", "direct": "y",
            "note": f"Gespräch mit {searched.first_name} {searched.last_name}"})
        assert logged.status_code == 302, logged.data[:500]
        runs = web.get("/demo/billing")
        started = web.post("/demo/billing/runs", data={"csrf_token": csrf_from(runs.data),
                                                       "period": f"{clock.today():%Y-%m}"})
        assert started.status_code == 302 and "/billing/runs/" in started.headers["Location"]
        assert web.get(started.headers["Location"]).status_code == 200
        invoice_counts.reset()
        metrics = web.get("/metrics").get_data(as_text=True)
    assert len(clients) >= 5
    with app.app_context(), tenant_context(demo_id):
        from billing.models import Invoice

        states = dict(db.session.execute(select(Invoice.state, func.count()).group_by(Invoice.state)).all())
    shown = {labels["state"]: value for name, labels, value in _values(metrics) if name == "bn_invoices"}
    assert shown == {state: float(n) for state, n in states.items()} and shown  # counted at scrape time
    assert runs_observed() > runs_before  # the seed's runs and ours were timed
    lines = _lines(stream)
    endpoints = {line.get("endpoint") for line in lines}
    assert {"cases.clients", "cases.case", "cases.new_service", "billing.start_run"} <= endpoints
    assert all(line.get("request_id") for line in lines if line["logger"] == "buendnisnetz.access")
    start = next(line for line in lines if line.get("endpoint") == "billing.start_run")
    in_run = [line for line in lines if line.get("task") == "billing.bill_contract"]
    assert in_run and all(line["request_id"] == start["request_id"] and line["tenant_id"] == demo_id
                          for line in in_run)  # the tasks it queued log under the request's id
    captured = stream.getvalue().lower()
    for c in clients:
        for name in (c.first_name, c.last_name):
            assert name.lower() not in captured, f"{name!r} was logged"
            assert name not in metrics


# --- readiness ----------------------------------------------------------------------------------------------------


@contextmanager
def database_down(app):
    """New connections to the database fail as when it is unreachable (the pool emptied first)."""
    from core.extensions import db

    with app.app_context():
        engine = db.engine

    def refuse(dialect, conn_rec, cargs, cparams):
        raise dialect.loaded_dbapi.OperationalError("connection refused (the database is down)")

    engine.dispose()
    event.listen(engine, "do_connect", refuse)
    try:
        yield
    finally:
        event.remove(engine, "do_connect", refuse)
        engine.dispose()


def test_readiness_turns_503_when_the_database_is_unreachable_and_200_when_it_returns(client, app):
    assert client.get("/readyz").status_code == 200
    with database_down(app):
        r = client.get("/readyz")
        assert client.get("/healthz").status_code == 200  # the process itself is fine
    assert r.status_code == 503
    assert r.json["status"] == "unavailable" and r.json["failed"] == ["database", "migrations"]
    assert r.json["checks"]["database"] is False and r.json["checks"]["broker"] is True
    again = client.get("/readyz")
    assert again.status_code == 200 and again.json["failed"] == []


def test_readiness_turns_503_when_migrations_are_not_at_head(client, monkeypatch):
    """Code newer than the database (its upgrade has not run): not ready. A database newer than the code (the
    pre-upgrade hook ran, these are the old pods): still ready, or every upgrade would take the web down."""
    from core import observability
    from core.app import MIGRATIONS_DIR

    _heads, known = observability._scripts(MIGRATIONS_DIR)
    monkeypatch.setattr(observability, "_scripts", lambda directory: (frozenset({"0099_future"}),
                                                                       known | {"0099_future"}))
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json["failed"] == ["migrations"]
    monkeypatch.setattr(observability, "_scripts", lambda directory: (frozenset({"0001"}), frozenset({"0001"})))
    assert client.get("/readyz").status_code == 200


def test_with_a_multiprocess_directory_the_samples_of_all_workers_are_summed(tmp_path):
    """As under gunicorn with PROMETHEUS_MULTIPROC_DIR: two worker processes count, a third serves the sum, and
    a dead worker's files are handled by `mark_process_dead`."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count = ("from core import observability as o; "
             "o.REQUEST_LATENCY.labels('cases.case', 'GET', '2xx').observe(0.2); "
             "o.TASKS.labels('core.ping', 'success').inc()")
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], env=env, check=True, timeout=60)
    serve = ("import os; from prometheus_client import generate_latest; from core import observability as o; "
             "o.mark_process_dead(os.getpid() + 100000); "
             "print(generate_latest(o._registry(with_invoices=False)).decode())")
    out = subprocess.run([sys.executable, "-c", serve], env=env, check=True, timeout=60, capture_output=True,
                         text=True).stdout
    assert 'bn_celery_tasks_total{outcome="success",task="core.ping"} 2.0' in out
    assert 'bn_http_request_duration_seconds_count{endpoint="cases.case",method="GET",status="2xx"} 2.0' in out
