"""Tasks on a real Celery worker with Redis as broker: each task sees its own tenant's rows only."""
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.audit import Actor
from core.extensions import db

BROKER = os.environ.get("TEST_CELERY_BROKER", "redis://127.0.0.1:6379/14")
ROOT = Path(__file__).resolve().parents[2]


def _forget_backend(celery_app):
    """Eager tasks of earlier tests cached the in-memory backend and broker pool; with a worker both are Redis."""
    celery_app._backend_cache = None
    celery_app._local.__dict__.pop("backend", None)
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)


@pytest.fixture
def worker(app):
    """A real worker process (thread pool, so tasks of both tenants run interleaved) and the app pointed at it."""
    from core.celery import celery_app

    # a queue of our own: other test runs on this machine may share the Redis database
    queue = f"bn-test-{os.getpid()}"
    env = {**os.environ, "CELERY_BROKER_URL": BROKER, "CELERY_RESULT_BACKEND": BROKER,
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]}
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "core.celery_worker", "worker", "--pool=threads", "--concurrency=4",
         "--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat", "-Q", queue,
         "-n", f"{queue}@%h"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    saved = dict(celery_app.conf)
    celery_app.conf.update(broker_url=BROKER, result_backend=BROKER, task_always_eager=False,
                           task_default_queue=queue)
    _forget_backend(celery_app)
    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(destination=[f"{queue}@{socket.gethostname()}"], timeout=1) \
                and time.monotonic() < deadline:
            assert proc.poll() is None, proc.stdout.read().decode()
        yield celery_app
    finally:
        celery_app.conf.update({k: saved[k] for k in ("broker_url", "result_backend", "task_always_eager",
                                                       "task_default_queue")})
        _forget_backend(celery_app)
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def agencies(app, tenant_a, tenant_b):
    from network.services import create_agency

    with app.app_context():
        for fx in (tenant_a, tenant_b):
            with fx.context():
                for i in range(3):
                    create_agency({"name": f"{fx.slug} agency {i}"}, Actor.system("test"))
        db.session.commit()


def test_tasks_of_two_tenants_interleaved_see_only_their_own_rows(app, worker, tenant_a, tenant_b, agencies):
    """Does a task on a real worker see only its tenant's rows, even when both tenants' tasks run interleaved?"""
    from core.tenancy.context import tenant_context
    from network.tasks import tenant_summary

    sent = []
    with app.app_context():
        for _ in range(10):
            for fx in (tenant_a, tenant_b):
                with tenant_context(fx.tenant_id):
                    sent.append((fx, tenant_summary.delay(hold_seconds=0.3)))
    summaries = []
    for fx, result in sent:
        summary = result.get(timeout=60)
        expected = [f"{fx.slug} agency {i}" for i in range(3)]
        assert summary["tenant_id"] == fx.tenant_id
        assert summary["agencies"] == summary["agencies_after_hold"] == expected
        assert summary["members"] == 5
        summaries.append(summary)
    # the tasks really ran at the same time: some task of A overlapped some task of B on the worker
    a_runs = [(s["started"], s["finished"]) for s in summaries if s["tenant_id"] == tenant_a.tenant_id]
    b_runs = [(s["started"], s["finished"]) for s in summaries if s["tenant_id"] == tenant_b.tenant_id]
    assert any(a0 < b1 and b0 < a1 for a0, a1 in a_runs for b0, b1 in b_runs)


def test_a_task_without_tenant_is_refused(app, worker):
    """Can a tenant task be sent without a tenant? (Only platform-wide tasks may.)"""
    from core.celery import ping
    from core.tenancy.context import NoTenantContext
    from network.tasks import tenant_summary

    with app.app_context():
        with pytest.raises(NoTenantContext):
            tenant_summary.delay()
        assert ping.delay().get(timeout=60) == "pong"


def test_a_tenant_task_that_arrives_without_header_fails_on_the_worker(app, worker):
    """If a message without tenant reaches the worker (e.g. sent by a foreign producer), does the task fail?"""
    from network.tasks import tenant_summary

    with app.app_context():
        result = worker.send_task(tenant_summary.name)
        with pytest.raises(Exception, match="no tenant"):
            result.get(timeout=60)
