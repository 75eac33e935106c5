"""Billing runs: a period billed contract by contract, each step its own transaction, then the report.

A run is idempotent: its steps rewrite the contract's draft of the period (billing.services.drafts), every charge
key is unique among live charges, and a step that was done already (a re-delivered task) does nothing. So a run
started twice, two runs at once, or a run retried after its worker was killed end with the same invoices.
"""

import os
import time

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from billing import periods
from billing.models import BillingRun, BillingRunStep, Invoice
from billing.services import drafts, entry_sql
from billing.services.plan import billable_contracts, last_day
from contracts.models import Contract
from core import audit, clock, observability, transactions
from core.audit import Actor
from core.extensions import db
from core.models import utcnow
from core.problems import NotFound, ValidationFailed
from core.validation import get_or_404


def parse_period(key: str) -> periods.Period:
    try:
        return periods.parse(key)
    except ValueError:
        raise ValidationFailed(_l("Not a billing period."),
                               {"period": [_l("A month (2026-10) or a quarter (2026-Q3).")]}) from None


def get_run(run_id: int) -> BillingRun:
    return get_or_404(BillingRun, run_id)


def runs_query():
    return select(BillingRun).order_by(BillingRun.id.desc())


def start_run(period_key: str, actor: Actor, trigger: str = "web") -> BillingRun:
    """A run of the period, started once this transaction commits; a run of the period that is still pending
    or running is returned instead of a second one."""
    period = parse_period(period_key)
    if period.start > clock.today():  # nothing can have been done in it yet; a preview is still possible
        raise ValidationFailed(_l("This period has not begun yet."),
                               {"period": [_l("A period that has begun (billed in full once it has ended).")]})
    running = db.session.scalar(select(BillingRun).where(BillingRun.period == period.key,
                                                         BillingRun.status.in_(("pending", "running")))
                                .order_by(BillingRun.id.desc()))
    if running is not None and trigger != "force":
        return running
    run = BillingRun(period=period.key, status="pending", started_by_id=actor.user_id, trigger=trigger[:10])
    db.session.add(run)
    db.session.flush()
    audit.record(actor, "billing_run.start", run, diff={"period": [None, period.key]})
    dispatch(run.id)
    return run


def dispatch(run_id: int) -> None:
    from billing.tasks import begin_run  # tasks call services: import at use

    transactions.after_commit(lambda: begin_run.delay(run_id))


def contracts_of_run(period: periods.Period) -> list[int]:
    """The contracts a run visits: those that bill the period, and those with a draft of it (to rewrite or drop)."""
    ids = {c.id for c in billable_contracts(period)}
    ids |= set(db.session.scalars(select(Invoice.contract_id).where(Invoice.period == period.key,
                                                                    Invoice.state == "draft")))
    return sorted(ids)


def begin(run_id: int) -> list[int]:
    """Mark the run running and return the contracts still to bill (all of them, or what a killed run left)."""
    run = db.session.scalar(select(BillingRun).where(BillingRun.id == run_id).with_for_update())
    if run is None or run.status == "done":
        return []
    contract_ids = contracts_of_run(periods.parse(run.period))
    done = set(db.session.scalars(select(BillingRunStep.contract_id).where(BillingRunStep.run_id == run_id)))
    run.status, run.error = "running", ""
    run.started_at = run.started_at or utcnow()
    run.steps_total = len(set(contract_ids) | done)
    run.steps_done = len(done)
    todo = [c for c in contract_ids if c not in done]
    if not todo:
        finish(run)
    return todo


def _pause_for_tests(step: int) -> None:
    """Test hook: a worker that stops for good in the middle of its n-th step (before it commits), so that a
    test can kill it there. Without BN_TEST_BILLING_HANG_AT_STEP nothing happens."""
    hang_at = os.environ.get("BN_TEST_BILLING_HANG_AT_STEP")
    if hang_at and int(hang_at) == step:
        marker = os.environ.get("BN_TEST_BILLING_HANG_MARKER")
        if marker:
            open(marker, "w").close()
        while True:
            time.sleep(1)


def bill_contract(run_id: int, contract_id: int) -> int | None:
    """One step: the contract's draft of the run's period rewritten; the run ends with its last step."""
    run = db.session.get(BillingRun, run_id)
    if run is None:
        raise NotFound("billing run")
    contract = drafts.lock_contract(contract_id)
    if db.session.scalar(select(BillingRunStep.id).where(BillingRunStep.run_id == run_id,
                                                         BillingRunStep.contract_id == contract_id)):
        return None  # done already (a re-delivered step)
    invoice, left_out = drafts.write_draft(contract, periods.parse(run.period), run_id)
    outcome = "invoiced" if invoice else ("budget_exhausted" if left_out else "nothing")
    db.session.add(BillingRunStep(run_id=run_id, contract_id=contract_id, outcome=outcome,
                                  invoice_id=invoice.id if invoice else None))
    db.session.flush()
    _pause_for_tests(run.steps_done + 1)
    # counted by the database, so concurrent steps never lose one; the step that counts last ends the run
    db.session.execute(update(BillingRun).where(BillingRun.id == run_id)
                       .values(steps_done=BillingRun.steps_done + 1))
    db.session.refresh(run)
    if run.steps_done >= run.steps_total and run.status != "done":
        finish(run)
    return invoice.id if invoice else None


def finish(run: BillingRun) -> None:
    """The run's result: the invoices it wrote and every entry of the period left unbilled, with the reason."""
    period = periods.parse(run.period)
    steps = db.session.execute(select(BillingRunStep.contract_id, BillingRunStep.invoice_id,
                                      BillingRunStep.outcome).where(BillingRunStep.run_id == run.id)).all()
    unbilled = entry_sql.unbilled(period.start, period.end)
    for step in steps:
        if step.outcome == "budget_exhausted":
            contract = db.session.get(Contract, step.contract_id)
            window = periods.clip(period.start, period.end, contract.valid_from, last_day(contract))
            unbilled += [{"entry_id": r.entry_id, "case_id": r.case_id, "reason": "budget_exhausted",
                          "on": r.on.isoformat(), "service_area_id": r.area_id, "minutes": r.minutes,
                          "contract_ids": [contract.id]}
                         for r in (entry_sql.entry_charge_rows(contract.id, *window) if window else [])]
    run.unbilled = sorted(unbilled, key=lambda u: u["entry_id"])
    run.invoice_ids = sorted(s.invoice_id for s in steps if s.invoice_id)
    run.status, run.finished_at = "done", utcnow()
    observability.billing_run_finished(run.started_at, run.finished_at)


def fail(run_id: int, error: str) -> None:
    db.session.execute(update(BillingRun).where(BillingRun.id == run_id)
                       .values(status="failed", error=error[:2000], finished_at=utcnow()))


def retry(run: BillingRun, actor: Actor) -> BillingRun:
    """Continue a run that failed or whose worker died: the steps not done yet are sent again."""
    if run.status == "done":
        return run
    audit.record(actor, "billing_run.retry", run)
    dispatch(run.id)
    return run


def unfinished(period_key: str) -> bool:
    """A period that has not ended yet: what is logged later in it goes to a later run."""
    return periods.parse(period_key).end >= clock.today()


def progress(run: BillingRun) -> int:
    """Per cent of the contracts billed."""
    if run.status == "done":
        return 100
    return int(100 * run.steps_done / run.steps_total) if run.steps_total else 0


def invoice_count(run: BillingRun) -> int:
    return int(db.session.scalar(select(func.count()).select_from(Invoice).where(Invoice.run_id == run.id)))
