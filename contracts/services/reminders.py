"""Reminders before a contract ends or is due for review."""

from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from contracts.models import (
    Contract,
    ContractReminder,
)
from core import audit, transactions
from core.audit import Actor
from core.extensions import db

REMINDER_DAYS = {"ends": 60, "review": 30}  # how long before the date the admins hear of it


def due_reminders(today: date) -> list[tuple[Contract, str, date]]:
    """(contract, event, date) for active contracts that end or are due for review within the reminder
    window."""
    out = []
    for contract in db.session.scalars(select(Contract).where(Contract.status == "active")).unique():
        for event, when in (("ends", contract.valid_to), ("review", contract.next_review_on)):
            if when is not None and today <= when <= today + timedelta(days=REMINDER_DAYS[event]):
                out.append((contract, event, when))
    return out


def send_reminders(tenant, today: date) -> int:
    """E-mail the tenant's admins once per (contract, event, date): the unique row is written before the mail,
    in the same transaction, so a rerun (or a second beat) finds it and stays silent."""
    from core.mail import send_mail
    from tenants.models import Membership

    admins = [
        m.user.email
        for m in db.session.scalars(select(Membership).where(Membership.role.in_(("owner", "admin"))))
        if m.user.active
    ]
    sent = 0
    for contract, event, when in due_reminders(today):
        try:
            with db.session.begin_nested():
                db.session.add(ContractReminder(contract_id=contract.id, event=event, due_on=when))
        except IntegrityError:
            continue  # reminded already
        subject, body = _reminder_text(tenant, contract, event, when)
        for email in admins:
            # sent once the reminder row is committed: a rolled-back run sends nothing and retries tomorrow
            transactions.after_commit(lambda email=email, subject=subject, body=body: send_mail(email, subject, body))
        audit.record(
            Actor.system("reminders"),
            f"contract.reminder.{event}",
            contract,
            diff={"due_on": [None, when.isoformat()]},
        )
        sent += 1
    return sent


def _reminder_text(tenant, contract: Contract, event: str, when: date) -> tuple[str, str]:
    from flask import url_for

    day = when.strftime("%d.%m.%Y")
    if event == "ends":
        subject = _l("Contract “%(title)s” ends on %(day)s", title=contract.title, day=day)
        what = _l(
            "The contract “%(title)s” with %(agency)s ends on %(day)s. Please decide in time whether it "
            "is renewed.",
            title=contract.title,
            agency=contract.agency.name,
            day=day,
        )
    else:
        subject = _l("Efficiency review of “%(title)s” due on %(day)s", title=contract.title, day=day)
        what = _l(
            "The review of economic efficiency and quality of “%(title)s” with %(agency)s is due on %(day)s.",
            title=contract.title,
            agency=contract.agency.name,
            day=day,
        )
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    try:
        link = base + url_for("contracts.contract", slug=tenant.slug, contract_id=contract.id)
    except RuntimeError:  # no request: build the path by hand
        link = f"{base}/{tenant.slug}/contracts/{contract.id}"
    return str(subject), f"{what}\n\n{link}\n"
