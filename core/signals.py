"""Declared hooks between the layers (blinker, as Flask and indico use): a lower package asks, a higher answers.

A package connects its receivers in its `connect_signals()`, which `create_app` calls for every package at
start-up; `check_connected()` then refuses to start when a required question has nobody to answer it, so a
missing connection is an error at start-up, never a silent "no". Receivers return their answer; `ask()`
collects the answers that are not None.
"""
import weakref
from typing import NamedTuple

from blinker import NamedSignal, Namespace

_signals = Namespace()

tenant_created = _signals.signal("tenant-created", doc="""A tenant was created (sender: the Tenant; kwarg actor).
Receivers seed what every alliance starts with. Runs inside the new tenant's context.""")

deletion_refused = _signals.signal("deletion-refused", doc="""May this directory row be deleted? (sender: the
Agency, Partner or ServiceArea row.) Each package that references such rows returns a reason (a lazy string)
when it still does, else None.""")

service_funded = _signals.signal("service-funded", doc="""Is a service entry of this case on this day in this
area funded? (sender: the Case; kwargs on, area.) Receivers return True, False or None (not known).""")

agency_choices = _signals.signal("agency-choices", doc="""The agencies of the current tenant as (id, name) pairs,
ordered by name (sender: None); for member forms below the directory.""")

demo_seeding = _signals.signal("demo-seeding", doc="""The demo alliance is being seeded (sender: the Tenant;
kwargs users {role: User}, actor). Each package adds its part, in layer order, and returns lines to print.""")

page_links = _signals.signal("page-links", doc="""Links that a higher package adds to a lower package's page
(sender: the row shown, e.g. a Case or a Contract; kwarg role, the member's role). Receivers return a list of
PageLink (or None when the row is not theirs to link).""")

tenant_usage = _signals.signal("tenant-usage", doc="""What an alliance uses, for the platform admin console
(sender: the Tenant; runs inside its context). Receivers return a dict of counts, e.g. {"active_cases": 12}.""")

retention_holds = _signals.signal("retention-holds", doc="""What the law says must outlive a closed alliance (sender:
the Tenant; kwarg today; runs inside its context): before its rows are deleted for good (tenants.admin.purge),
each package returns a RetentionHold naming the rows of its tables to keep, or None.""")


class RetentionHold(NamedTuple):
    rows: dict  # table name -> ids to keep (rows they reference through foreign keys are kept with them)
    until: object  # the date until which they must be kept (datetime.date)
    reason: str  # the law, e.g. "§ 147 AO, § 14b UStG"


class PageLink(NamedTuple):
    section: str  # the heading the link stands under
    label: str
    url: str


REQUIRED: dict[NamedSignal, int] = {
    # signal: how many receivers at least (one per package that must answer)
    tenant_created: 1,  # network seeds the service areas
    deletion_refused: 2,  # cases (needs, consents, entries, …) and contracts (contracts, rate lines, …)
    service_funded: 1,  # contracts (funding approvals)
    agency_choices: 1,  # network
    page_links: 2,  # contracts (a case's funding approvals), billing (a contract's efficiency report)
    tenant_usage: 2,  # cases (active cases), billing (invoices this year)
    retention_holds: 1,  # billing (issued invoices and credit notes within their retention period)
}


class SignalNotConnected(RuntimeError):
    """A declared question has fewer receivers than the layers above promise (refused at start-up)."""


def ask(signal: NamedSignal, sender=None, **kwargs) -> list:
    """Send `signal` to its receivers in the order they were connected (layer order: blinker's own `send`
    keeps no order) and return their answers that are not None."""
    answers = []
    for ref in list(signal.receivers.values()):
        receiver = ref() if isinstance(ref, weakref.ref) else ref
        if receiver is not None:
            answer = receiver(sender, **kwargs)
            if answer is not None:
                answers.append(answer)
    return answers


def links_for(row, role) -> list[PageLink]:
    """The links the higher packages add to `row`'s page, in layer order."""
    return [link for answer in ask(page_links, row, role=role) for link in answer]


def check_connected() -> None:
    missing = [f"{signal.name} ({len(signal.receivers)} of {need})" for signal, need in REQUIRED.items()
               if len(signal.receivers) < need]
    if missing:
        raise SignalNotConnected("signals without their receivers: " + ", ".join(missing))


def still_referenced(references: dict, row) -> str | None:
    """An answer to `deletion_refused`: the reasons of `references` ({model: [(column, reason)]}) whose column
    still points at `row`, joined; None when nothing does."""
    from sqlalchemy import select

    from core.extensions import db

    reasons = [str(reason) for column, reason in references.get(type(row), ())
               if db.session.scalar(select(column).where(column == row.id).limit(1)) is not None]
    return " ".join(reasons) or None
