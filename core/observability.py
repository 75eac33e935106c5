"""Logs, metrics and readiness: what an operator sees of the running platform, and never a client's data.

Logs: one JSON object per line on stderr when `APP_ENV=production` or `LOG_FORMAT=json` (readable text otherwise),
each carrying the request id (`X-Request-ID` from the ingress, or made here, and echoed in the response), the
tenant id and the user id. The access line names the Flask endpoint, method, status and duration: never the URL
(slugs, ids, query strings with search terms that may be names) and never a form body. SQL parameters and result
rows are kept out of every log (`hide_parameters`, the SQLAlchemy loggers at WARNING).

Metrics at `/metrics` (Prometheus text format): request latency by endpoint, method and status class; Celery task
outcomes by task name; billing-run durations; invoice counts by state, computed at scrape time. No label carries a
tenant slug, a tenant id, a URL or a name. With several gunicorn workers set `PROMETHEUS_MULTIPROC_DIR` to an empty
directory (the processes share their samples there; gunicorn's `child_exit` calls `mark_process_dead`). Access:
with `METRICS_TOKEN` a bearer token is required; without it only clients in `METRICS_ALLOWED_IPS` are served.
"""
from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import os
import re
import sys
import threading
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

disable_created_metrics()  # no `_created` series: a timestamp per label set says nothing an operator needs

log = logging.getLogger("buendnisnetz.access")

# -- metrics -------------------------------------------------------------------------------------------------------

REQUEST_LATENCY = Histogram(
    "bn_http_request_duration_seconds", "Time to answer a request, by Flask endpoint, method and status class.",
    ["endpoint", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
TASKS = Counter("bn_celery_tasks", "Celery tasks that ended, by task name and outcome.", ["task", "outcome"])
BILLING_RUN_DURATION = Histogram(
    "bn_billing_run_duration_seconds", "Time from a billing run's start to its end (all its contracts billed).",
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600))

METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
# where Prometheus scrapes from without a token: this host and the private ranges of a cluster network
DEFAULT_ALLOWED = "127.0.0.1/32,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fd00::/8"
INVOICE_CACHE_SECONDS = 30.0


def billing_run_finished(started_at, finished_at) -> None:
    """A billing run ended: its duration is counted once the transaction that ends it commits (a rolled-back
    ending, retried later, is not counted twice)."""
    if started_at is None or finished_at is None:
        return
    seconds = max((finished_at - started_at).total_seconds(), 0.0)
    from core import transactions

    transactions.after_commit(lambda: BILLING_RUN_DURATION.observe(seconds))


class InvoiceCounts:
    """`bn_invoices{state}`: invoices of all tenants by stored state, counted at scrape time (each tenant inside
    its own context, so that row-level security admits the count) and kept for INVOICE_CACHE_SECONDS."""

    def __init__(self):
        self._lock = threading.Lock()
        self._at = 0.0
        self._counts: dict[str, int] = {}

    def reset(self) -> None:
        with self._lock:
            self._at, self._counts = 0.0, {}

    def describe(self):
        return [GaugeMetricFamily("bn_invoices", "Invoices and credit notes of all tenants by stored state.",
                                  labels=["state"])]

    def collect(self):
        family = GaugeMetricFamily("bn_invoices", "Invoices and credit notes of all tenants by stored state.",
                                   labels=["state"])
        counts = self._current()
        if counts is not None:
            for state, n in sorted(counts.items()):
                family.add_metric([state], n)
        yield family

    def _current(self) -> dict[str, int] | None:
        with self._lock:
            if self._at and time.monotonic() - self._at < INVOICE_CACHE_SECONDS:
                return self._counts
            try:
                self._counts, self._at = _count_invoices(), time.monotonic()
            except Exception:  # noqa: BLE001 - a scrape never fails on the database; the gauge is left out
                logging.getLogger(__name__).warning("invoice counts unavailable", exc_info=True)
                return None
            return self._counts


def _count_invoices() -> dict[str, int]:
    from sqlalchemy import text

    from core.extensions import db
    from core.tenancy.context import tenant_context

    # core does not import the packages above it: billing's and tenants' tables by name
    counts: dict[str, int] = {}
    for tenant_id in db.session.scalars(text("SELECT id FROM tenants ORDER BY id")).all():
        with tenant_context(tenant_id):
            rows = db.session.execute(text("SELECT state, count(*) FROM invoices WHERE tenant_id = :t "
                                           "GROUP BY state"), {"t": tenant_id}).all()
        for state, n in rows:
            counts[state] = counts.get(state, 0) + n
    return counts


invoice_counts = InvoiceCounts()


def _registry(with_invoices: bool = True) -> CollectorRegistry:
    """The samples to serve: this process's, or every worker's with PROMETHEUS_MULTIPROC_DIR."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        for collector in (REQUEST_LATENCY, TASKS, BILLING_RUN_DURATION):
            registry.register(collector)
    if with_invoices:
        registry.register(invoice_counts)
    return registry


def mark_process_dead(pid: int) -> None:
    """gunicorn's `child_exit` hook: a dead worker's live gauges are dropped (counters and histograms stay)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def _networks(spec: str) -> list:
    return [ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip()]


def metrics_allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        sent = request.headers.get("Authorization", "")
        return sent.startswith("Bearer ") and hmac.compare_digest(sent[7:].encode(), token.encode())
    if request.headers.get("X-Forwarded-For"):
        # came through the ingress (or another proxy): Prometheus scrapes the pods directly, and behind a load
        # balancer the address seen may be a node's private one, whoever the client is
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in net for net in current_app.config["METRICS_ALLOWED_NETWORKS"])


def metrics_view():
    if not metrics_allowed():
        return Response("forbidden\n", status=403, mimetype="text/plain")
    return Response(generate_latest(_registry()), mimetype=CONTENT_TYPE_LATEST)


# -- logs ----------------------------------------------------------------------------------------------------------

_task_request_id: ContextVar[str | None] = ContextVar("bn_task_request_id", default=None)
_task_name: ContextVar[str | None] = ContextVar("bn_task_name", default=None)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
# attributes every LogRecord has; anything else was passed with `extra=` and goes into the JSON object
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


def current_request_id() -> str | None:
    from flask import has_request_context

    # a task runs in an app context of its own (another `g`): the id it was given at its start
    return _task_request_id.get() or (g.get("request_id") if has_request_context() else None)


def _context() -> dict:
    """request id, tenant id and user id of the request or task being served (ids only, never names)."""
    from flask import has_request_context

    from core.tenancy.context import current_tenant_id

    ctx = {"request_id": current_request_id(), "tenant_id": current_tenant_id(), "user_id": None}
    if has_request_context():
        tenant = g.get("tenant")
        if ctx["tenant_id"] is None and tenant is not None:
            ctx["tenant_id"] = tenant.id
        ctx["user_id"] = _user_id()
    if _task_name.get():
        ctx["task"] = _task_name.get()
    return ctx


def _user_id() -> int | None:
    """The id of the request's user from what is loaded already: a log line never queries the database (after
    the request's commit every ORM object is expired, and reading one would load it again in a new transaction).
    The authentication hooks put the id into `g.bn_user_id` as they load the member."""
    if g.get("bn_user_id"):
        return g.bn_user_id
    try:
        membership = g.get("membership") or g.get("api_membership")
        if membership is not None:
            return _loaded(membership, "user_id")
        from flask_login import current_user

        user = g.get("_login_user")
        return _loaded(user, "id") if user is not None and current_user.is_authenticated else None
    except Exception:  # noqa: BLE001 - a log line never fails
        return None


def _loaded(obj, attribute: str):
    """`obj.attribute` if it is in memory (a plain object, or an ORM object not expired), else None."""
    from sqlalchemy import inspect

    state = inspect(obj, raiseerr=False)
    if state is None:
        return getattr(obj, attribute, None)
    if attribute == "id" and state.identity:
        return state.identity[0]
    return state.dict.get(attribute)


class ContextFilter(logging.Filter):
    """Stamps each record with the ids of the request or task it was logged in."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            for key, value in _context().items():
                if not hasattr(record, key):
                    setattr(record, key, value)
        except Exception:  # noqa: BLE001 - outside any app, a record simply has no ids
            pass
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the ids, and the record's `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        out = {"ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
               "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s t=%(tenant_id)s u=%(user_id)s] "
                         "%(message)s")

    def format(self, record: logging.LogRecord) -> str:
        for key in ("request_id", "tenant_id", "user_id"):
            if not hasattr(record, key):
                setattr(record, key, None)
        return super().format(record)


def log_format() -> str:
    from core import config

    chosen = (os.environ.get("LOG_FORMAT") or "").strip().lower()
    if chosen in ("json", "text"):
        return chosen
    return "json" if config.production() else "text"


def make_handler(stream=None, fmt: str | None = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if (fmt or log_format()) == "json" else TextFormatter())
    handler._bn_observability = True
    return handler


def configure_logging(**_ignored) -> None:
    """The root logger writes to stderr through our handler (once, however often it is called: app factory,
    Celery's `setup_logging` signal). Libraries that would log data are held at WARNING."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_bn_observability", False):
            root.removeHandler(handler)
    root.addHandler(make_handler())
    root.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())
    # SQL with its parameters and result rows (names!) at INFO/DEBUG; werkzeug's line holds the query string
    for name in ("sqlalchemy", "sqlalchemy.engine", "sqlalchemy.pool"):
        logging.getLogger(name).setLevel(logging.WARNING)
    if log_format() == "json":
        logging.getLogger("werkzeug").setLevel(logging.WARNING)


# -- the request hooks ---------------------------------------------------------------------------------------------

QUIET_ENDPOINTS = {"healthz", "readyz", "metrics", "static"}


def _begin_request():
    g.bn_started = time.perf_counter()
    sent = request.headers.get("X-Request-ID", "")
    g.request_id = sent if _REQUEST_ID.match(sent) else uuid.uuid4().hex


def _end_request(response):
    started = g.get("bn_started")
    if started is None:
        return response
    elapsed = time.perf_counter() - started
    endpoint = request.endpoint or "<unmatched>"  # a URL no route matches: never the URL itself
    method = request.method if request.method in METHODS else "OTHER"
    REQUEST_LATENCY.labels(endpoint, method, f"{response.status_code // 100}xx").observe(elapsed)
    response.headers["X-Request-ID"] = g.request_id
    g.bn_user_id = _user_id()
    level = logging.DEBUG if endpoint in QUIET_ENDPOINTS else logging.INFO
    log.log(level, "%s %s %s", method, endpoint, response.status_code,
            extra={"endpoint": endpoint, "method": method, "status": response.status_code,
                   "duration_ms": round(elapsed * 1000, 1)})
    return response


def init_app(app: Flask) -> None:
    """Engine options, hooks and the /metrics route (called by create_app before db.init_app)."""
    app.config.setdefault("METRICS_TOKEN", os.environ.get("METRICS_TOKEN") or None)
    app.config.setdefault("METRICS_ALLOWED_NETWORKS",
                          _networks(os.environ.get("METRICS_ALLOWED_IPS") or DEFAULT_ALLOWED))
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("hide_parameters", True)  # a failed statement's message never carries its values
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    from flask.logging import default_handler

    app.logger.removeHandler(default_handler)  # the root handler formats the app's records too
    app.before_request(_begin_request)
    app.after_request(_end_request)
    app.add_url_rule("/metrics", "metrics", metrics_view)


# -- Celery --------------------------------------------------------------------------------------------------------

def connect_celery_signals() -> None:
    from celery import signals

    signals.before_task_publish.connect(_add_request_id, weak=False)
    signals.task_prerun.connect(_task_started, weak=False)
    signals.task_postrun.connect(_task_ended, weak=False)
    signals.task_revoked.connect(_task_revoked, weak=False)
    signals.task_rejected.connect(_task_rejected, weak=False)
    signals.setup_logging.connect(configure_logging, weak=False)  # our handler, not Celery's
    signals.worker_ready.connect(_start_worker_exporter, weak=False)


def _add_request_id(headers=None, **_kw):
    rid = current_request_id()
    if headers is not None and rid and "request_id" not in headers:
        headers["request_id"] = rid


_task_tokens: dict = {}  # task id -> the context tokens to reset at its end (eager tasks nest)


def _task_started(task_id=None, task=None, **_kw):
    request_ = getattr(task, "request", None)
    rid = getattr(request_, "request_id", None)
    if rid is None and isinstance(getattr(request_, "headers", None), dict):
        rid = request_.headers.get("request_id")
    _task_tokens[task_id] = (_task_request_id.set(rid or current_request_id()),
                             _task_name.set(getattr(task, "name", None)))


def _task_ended(task_id=None, task=None, state=None, **_kw):
    TASKS.labels(getattr(task, "name", "unknown"), (state or "unknown").lower()).inc()
    tokens = _task_tokens.pop(task_id, None)
    if tokens is not None:
        try:
            _task_request_id.reset(tokens[0])
            _task_name.reset(tokens[1])
        except (ValueError, RuntimeError):  # ended in another context than it started in: leave the ids of this one
            _task_request_id.set(None)
            _task_name.set(None)


def _task_revoked(request=None, **_kw):
    TASKS.labels(getattr(request, "task", None) or "unknown", "revoked").inc()


def _task_rejected(message=None, **_kw):
    name = (getattr(message, "headers", None) or {}).get("task", "unknown")
    TASKS.labels(name, "rejected").inc()


def _start_worker_exporter(**_kw):
    """A worker serves its task metrics on WORKER_METRICS_PORT (with PROMETHEUS_MULTIPROC_DIR: those of all its
    pool processes)."""
    port = os.environ.get("WORKER_METRICS_PORT")
    if port:
        from prometheus_client import start_http_server

        start_http_server(int(port), registry=_registry(with_invoices=False))


# -- readiness -----------------------------------------------------------------------------------------------------

_heads: dict[str, tuple[frozenset, frozenset]] = {}


def migration_heads(directory: str) -> frozenset:
    """The head revisions of the migration scripts shipped with this code (read once per process)."""
    return _scripts(directory)[0]


def _scripts(directory: str) -> tuple[frozenset, frozenset]:
    """(heads, every revision) of the migration scripts shipped with this code, read once per process."""
    if directory not in _heads:
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        config = Config()
        config.set_main_option("script_location", directory)
        script = ScriptDirectory.from_config(config)
        _heads[directory] = (frozenset(script.get_heads()),
                             frozenset(r.revision for r in script.walk_revisions()))
    return _heads[directory]


def migrations_at_head(session, directory: str) -> bool:
    """Is the database at this code's heads? A database newer than the code (a revision this code does not know:
    the pre-upgrade migration ran and new pods are on their way) still serves the old pods, so it counts as
    ready; one behind the code (an upgrade that has not run yet) does not."""
    from sqlalchemy import text

    current = frozenset(session.scalars(text("SELECT version_num FROM alembic_version")).all())
    heads, known = _scripts(directory)
    return current == heads or bool(current and not current & known)
