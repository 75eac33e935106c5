"""Billing under concurrency, on PostgreSQL (SQLite serialises writers; there is nothing to race): several runs of
one period at once, from threads and from processes, give one set of invoices; concurrent issuing gives numbers
without gaps or duplicates; a worker killed with SIGKILL in the middle of a run, the run retried, ends exactly as
an undisturbed run.

This file is also the worker script of the process tests: `python tests/billing/test_billing_concurrency.py run
<tenant_id> <period> [<go-file>]` creates the app on DATABASE_URL (the runtime role) and runs the period with
eager tasks, each contract a step of its own transaction, as a Celery worker would.
"""
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).resolve()

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _postgres_only(is_postgres):
    if not is_postgres:
        pytest.skip("concurrency is tested on PostgreSQL (SQLite serialises writers)")


@pytest.fixture(autouse=True)
def _celery_join_flag():
    """Eager tasks from several threads at once leave Celery's process-wide "inside a task" flag set (each
    thread restores what it saw on entry); later tests would then be refused `result.get()`."""
    yield
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)


@pytest.fixture
def no_files(monkeypatch):
    monkeypatch.setattr("billing.services.invoices._queue_files", lambda invoice_id: None)


def _actor():
    from core.audit import Actor

    return Actor(user_id=None, role="owner", label="concurrency test")


def _expected(app, fx, period):
    """The preview: per contract (net, tax, gross), and every charge key with its cents."""
    from billing.services import parse_period, plan_period

    with app.app_context(), fx.context():
        plan = plan_period(parse_period(period))
        invoices = {p.contract.id: (p.net_cents, p.tax_cents, p.gross_cents) for p in plan.invoices}
        charges = sorted((c.key, c.amount_cents) for p in plan.invoices for c in p.charges())
        return invoices, charges


def _actual(app, fx, period):
    from sqlalchemy import select

    from billing.models import Charge, Invoice
    from core.extensions import db

    with app.app_context(), fx.context():
        rows = db.session.scalars(select(Invoice).where(Invoice.period == period)).all()
        drafts = [i for i in rows if i.state == "draft"]
        invoices = {i.contract_id: (i.net_cents, i.tax_cents, i.gross_cents) for i in drafts}
        assert len(invoices) == len(drafts), "more than one draft of a contract"
        ids = [i.id for i in drafts]
        charges = sorted(db.session.execute(select(Charge.key, Charge.amount_cents)
                                            .where(Charge.invoice_id.in_(ids), Charge.released_at.is_(None))).all())
        lines_total = {i.contract_id: sum(line.amount_cents for line in i.lines) for i in drafts}
        assert lines_total == {c: v[0] for c, v in invoices.items()}, "lines do not add up to the net"
        return invoices, [tuple(c) for c in charges]


def _runs(app, fx):
    from sqlalchemy import select

    from billing.models import BillingRun
    from core.extensions import db

    with app.app_context(), fx.context():
        return [(r.id, r.status, r.error, sorted(r.invoice_ids)) for r in
                db.session.scalars(select(BillingRun).order_by(BillingRun.id))]


def run_period_here(tenant_id: int, period: str) -> int:
    """A run of `period` started and carried out in this app context (tasks eager, each step committing)."""
    from billing.services import runs
    from core.extensions import db
    from core.tenancy.context import tenant_context

    with tenant_context(tenant_id):
        run = runs.start_run(period, _actor(), trigger="force")  # force: a run of its own, even if one is at work
        run_id = run.id
        db.session.commit()  # the run's tasks follow the commit (eager: here, one transaction per contract)
        db.session.remove()
        return run_id


def _in_threads(app, count, work):
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def body(i):
        from core.extensions import db

        with app.app_context():
            try:
                barrier.wait(timeout=30)
                results[i] = work(i)
            except Exception as exc:  # noqa: BLE001 - reported by the test
                errors.append(f"{type(exc).__name__}: {exc}")
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hangs (deadlock?)"
    return results, errors


def _worker(args, env_extra=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env_extra or {})}
    return subprocess.Popen([sys.executable, str(SCRIPT), *map(str, args)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_runs_of_one_period_at_once_from_threads_make_one_set_of_invoices(app, tenant_a, example):
    """Six runs of October started at the same moment, each in its own thread and session: one draft per contract,
    its charges exactly the preview's, every run done with the same invoices, no error?"""
    expected = _expected(app, tenant_a, "2026-10")
    results, errors = _in_threads(app, 6, lambda i: run_period_here(tenant_a.tenant_id, "2026-10"))
    assert errors == []
    assert _actual(app, tenant_a, "2026-10") == expected
    runs = _runs(app, tenant_a)
    assert sorted(r[0] for r in runs) == sorted(results) and len(runs) == 6
    assert {r[1] for r in runs} == {"done"}, runs
    assert len({tuple(r[3]) for r in runs}) == 1


def test_runs_of_one_period_at_once_from_processes_make_one_set_of_invoices(app, tenant_a, example, tmp_path):
    """Four worker processes (their own app, their own connections) run October and the quarter at the same
    moment: one draft per contract and period, the charges exactly the previews'?"""
    expected = {p: _expected(app, tenant_a, p) for p in ("2026-10", "2026-Q4")}
    go = tmp_path / "go"
    workers = [_worker(["run", tenant_a.tenant_id, period, go])
               for period in ("2026-10", "2026-Q4", "2026-10", "2026-Q4", "2026-10")]
    time.sleep(0.2)
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("ready-*"))) < len(workers) and time.monotonic() < deadline:
        time.sleep(0.1)  # every worker has its app and waits for the start
    go.touch()
    outputs = [w.communicate(timeout=120) for w in workers]
    assert [w.returncode for w in workers] == [0] * len(workers), [err[-2000:] for _out, err in outputs]
    for period, want in expected.items():
        assert _actual(app, tenant_a, period) == want
    runs = _runs(app, tenant_a)
    assert len(runs) == len(workers) and {r[1] for r in runs} == {"done"}, runs


def test_concurrent_issuing_gives_numbers_without_gaps_or_duplicates(app, client, tenant_a, example, api_token,
                                                                     no_files):
    """Five drafts (A in September and October, B in October, C in Q3 and Q4) issued by five threads at once: are
    the numbers exactly 00001..00005 of the year, each once, and the counter at 5?"""
    from sqlalchemy import select

    from billing import services
    from billing.models import Invoice, InvoiceCounter
    from core.extensions import db
    from tenants.models import Tenant
    from tests.billing.test_billing_api import complete_issuer
    from tests.conftest import berlin_today

    complete_issuer(client, api_token(tenant_a, "owner"))
    with app.app_context():
        for period in ("2026-09", "2026-10", "2026-Q3", "2026-Q4"):
            run_period_here(tenant_a.tenant_id, period)
    with app.app_context(), tenant_a.context():
        draft_ids = sorted(db.session.scalars(select(Invoice.id).where(Invoice.state == "draft")))
    assert len(draft_ids) == 5

    def issue(i):
        from core.tenancy.context import tenant_context

        with tenant_context(tenant_a.tenant_id):
            tenant = db.session.get(Tenant, tenant_a.tenant_id)
            invoice = services.issue(services.get_invoice(draft_ids[i]), tenant, _actor())
            number = invoice.number
            db.session.commit()
            return number

    numbers, errors = _in_threads(app, len(draft_ids), issue)
    assert errors == []
    year = berlin_today().year
    assert sorted(numbers) == [f"{year}-{n:05d}" for n in range(1, 6)]
    with app.app_context(), tenant_a.context():
        stored = sorted(db.session.scalars(select(Invoice.number).where(Invoice.id.in_(draft_ids))))
        assert stored == sorted(numbers)
        assert db.session.scalar(select(InvoiceCounter.last_number).where(InvoiceCounter.year == year)) == 5


def test_a_worker_killed_in_the_middle_of_a_run_and_retried_ends_as_an_undisturbed_run(app, tenant_a, example,
                                                                                       tmp_path):
    """A worker process hangs inside October's second step (A billed and committed, B's draft written but not
    committed) and is killed with SIGKILL; the run, retried, is done with exactly the preview's invoices and
    charges?"""
    from billing import services
    from billing.models import BillingRun
    from core.extensions import db

    expected = _expected(app, tenant_a, "2026-10")
    marker = tmp_path / "hanging"
    worker = _worker(["run", tenant_a.tenant_id, "2026-10"],
                     {"BN_TEST_BILLING_HANG_AT_STEP": "2", "BN_TEST_BILLING_HANG_MARKER": str(marker)})
    deadline = time.monotonic() + 60
    while not marker.exists() and worker.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), worker.communicate(timeout=5)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    assert worker.returncode == -signal.SIGKILL

    [(run_id, status, _error, _ids)] = _runs(app, tenant_a)
    assert status == "running"
    half = _actual(app, tenant_a, "2026-10")
    assert len(half[0]) == 1, "the first step was committed, the second not"
    with app.app_context(), tenant_a.context():
        run = db.session.get(BillingRun, run_id)
        assert (run.steps_done, run.steps_total) == (1, 2)
        services.retry(run, _actor())
        db.session.commit()  # the retry's tasks follow the commit
    [(same_id, status, error, invoice_ids)] = _runs(app, tenant_a)
    assert (same_id, status, error) == (run_id, "done", "")
    assert _actual(app, tenant_a, "2026-10") == expected
    assert len(invoice_ids) == len(expected[0]) == 2


def _main(argv):
    """The worker: run a period of a tenant in a fresh app (optionally waiting for a go-file first)."""
    from core.app import create_app
    from core.extensions import db

    _mode, tenant_id, period, *rest = argv
    url = os.environ["DATABASE_URL"]
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": None,
                      "STORAGE_DIR": os.environ.get("STORAGE_DIR")})
    with app.app_context():
        if rest:
            go = Path(rest[0])
            (go.parent / f"ready-{os.getpid()}").touch()
            deadline = time.monotonic() + 60
            while not go.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
        run_id = run_period_here(int(tenant_id), period)
        print(run_id)
        db.engine.dispose()


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    _main(sys.argv[1:])
