"""The contract lifecycle in steps (review, four-eyes approval, sending, signing, ending) and amendments."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from contracts.lifecycle import END_REASONS, Gap, allowed_next, completeness_gaps
from contracts.models import (
    STATUSES,
    Contract,
    ContractStep,
)
from contracts.services.terms import TERM_FIELDS, get_contract, rates_plain, set_partners, set_rates, term_authors
from core import audit, clock, labels
from core import validation as v
from core.audit import Actor
from core.extensions import db
from core.problems import Conflict, ValidationFailed


def _status(code: str) -> str:
    """A contract's state as people read it ("Entwurf", not "draft")."""
    return labels.value_text("contracts", "status", code)


def transition(
    contract: Contract,
    to: str,
    actor: Actor,
    on: date | None = None,
    end_reason: str | None = None,
    note: str = "",
) -> ContractStep:
    """One lifecycle step, with who and when; illegal steps, self-approval and incomplete sending are
    conflicts."""
    if to not in STATUSES:
        raise ValidationFailed(
            _l("Unknown state."), {"to": [v.choice_message(STATUSES, labels.choice_labels("contracts", "status"))]}
        )
    on = on or clock.today()
    allowed = allowed_next(contract.status)
    if to not in allowed:
        raise Conflict(
            _l(
                "A contract in state “%(status)s” cannot go to “%(to)s”; possible: %(allowed)s.",
                status=_status(contract.status),
                to=_status(to),
                allowed=", ".join(f"“{_status(s)}”" for s in allowed) or "–",
            ),
            {"to": [_l("Not allowed from “%(status)s”.", status=_status(contract.status))]},
        )
    # a step records what happened: it cannot lie ahead (a "sent" dated 2099 would block every later step);
    # only the end of a contract may be fixed in advance, within its term
    if on > clock.today() and not (to == "ended" and contract.valid_to and on <= contract.valid_to):
        raise ValidationFailed(
            _l("A step cannot be dated in the future."),
            {"on": [_l("A step records what has happened: enter today (%(date)s) or an earlier day.",
                       date=_german(clock.today()))]},
        )
    last = contract.steps[-1] if contract.steps else None
    if last is not None and on < last.effective_on:
        raise ValidationFailed(
            _l("A step cannot be dated before the previous one."),
            {"on": [_l("The previous step is dated %(date)s; enter that day or a later one.",
                       date=_german(last.effective_on))]},
        )
    if to == "active" and contract.valid_to and on > contract.valid_to:
        # a contract cannot come into force after its term is over (billing counts from valid_from anyway)
        raise ValidationFailed(
            _l("The contract cannot come into force after its term."),
            {"on": [_l("The term ended on %(date)s; enter a day within the term, or amend the term.",
                       date=_german(contract.valid_to))]},
        )
    if to == "approved" and actor.user_id in term_authors(contract):
        raise Conflict(
            _l("Four-eyes principle: the person who drafted the contract cannot approve it."),
            {"to": [_l("Needs approval by another person.")]},
        )
    if to == "sent":
        if gaps := completeness_gaps(contract):
            errors = v.Errors()
            for gap in gaps:
                errors.add(gap.field, gap.message)
            raise Conflict(
                _l("The agreement is incomplete: %(gaps)s", gaps=" ".join(str(g.message) for g in gaps)),
                errors,
            )
    if to == "ended":
        end_reason = end_reason or (
            "expired" if contract.valid_to and on >= contract.valid_to else "terminated"
        )
        if end_reason not in END_REASONS:
            raise ValidationFailed(
                _l("Unknown end reason."),
                {"end_reason": [v.choice_message(END_REASONS, labels.choice_labels("contracts", "end_reason"))]},
            )
        contract.end_reason = end_reason
    step = ContractStep(
        contract_id=contract.id,
        from_status=contract.status,
        to_status=to,
        effective_on=on,
        by_user_id=actor.user_id,
        by_label=actor.label,
        note=(note or "").strip(),
    )
    db.session.add(step)
    audit.record(
        actor,
        "contract.transition",
        contract,
        diff={"status": [contract.status, to], "on": [None, on.isoformat()]},
    )
    contract.status = to
    if to == "active" and contract.amends_id is not None:
        # The amendment replaces the version it amends.
        previous = get_contract(contract.amends_id)
        if previous.status == "active":
            transition(previous, "ended", actor, on=on, end_reason="amended")
    db.session.flush()
    db.session.expire(contract, ["steps"])
    return step


def _german(day: date) -> str:
    return day.strftime("%d.%m.%Y")


# steps that may be taken back while nobody outside relies on them yet: (from, to) of the last step
UNDOABLE = {("approved", "sent"), ("sent", "signed")}


def undoable_step(contract: Contract) -> ContractStep | None:
    """The last step, when it can be undone: "sent" while no signed copy exists (back to approved), "signed"
    while no signed copy is stored and no case is enrolled under it (back to sent). A contract in force, or
    ended, is changed by an amendment or ended, never taken back."""
    from contracts.models import ContractDocument, Enrolment

    last = contract.steps[-1] if contract.steps else None
    if last is None or last.to_status != contract.status or (last.from_status, last.to_status) not in UNDOABLE:
        return None
    if db.session.scalar(select(ContractDocument.id).where(ContractDocument.contract_id == contract.id,
                                                           ContractDocument.kind == "signed").limit(1)):
        return None
    if contract.status == "signed" and db.session.scalar(
            select(Enrolment.id).where(Enrolment.contract_id == contract.id).limit(1)):
        return None
    return last


def undo_step(contract: Contract, actor: Actor, reason: str = "") -> Contract:
    """Take back a step taken by mistake (e.g. "sent" with a wrong date): the contract returns to the state
    before it, the step leaves the history, and the audit log keeps what was undone, by whom and why."""
    step = undoable_step(contract)
    if step is None:
        raise Conflict(
            _l("This step cannot be undone: only “sent” or “signed” can be taken back, as long as no signed copy "
               "is stored and no case is enrolled."),
            {"to": [_l("Cannot be undone.")]},
        )
    audit.record(
        actor,
        "contract.step_undone",
        contract,
        diff={"status": [step.to_status, step.from_status], "on": [step.effective_on.isoformat(), None],
              **({"reason": [None, reason.strip()[:500]]} if (reason or "").strip() else {})},
    )
    contract.status = step.from_status
    db.session.delete(step)
    db.session.flush()
    db.session.expire(contract, ["steps"])
    return contract


def completeness(contract: Contract) -> list[Gap]:
    return completeness_gaps(contract)


def create_amendment(contract: Contract, actor: Actor) -> Contract:
    """A new draft version of an active contract with the same terms; the active one stays in force until
    then."""
    if contract.status != "active":
        raise Conflict(_l("Only an active contract is amended; drafts are edited directly."))
    if (
        db.session.scalar(
            select(Contract.id).where(Contract.amends_id == contract.id, Contract.status != "ended")
        )
        is not None
    ):
        raise Conflict(_l("An amendment of this contract is already in progress."))
    terms = {k: getattr(contract, k) for k in TERM_FIELDS}
    amendment = Contract(
        **terms,
        amends_id=contract.id,
        version=contract.version + 1,
        status="draft",
        drafted_by_id=actor.user_id,
    )
    db.session.add(amendment)
    db.session.flush()
    set_rates(
        amendment,
        [
            {
                "kind": r.kind,
                "service_area_id": r.service_area_id,
                "amount_cents": r.amount_cents,
                "label": r.label,
            }
            for r in contract.rates
        ],
    )
    set_partners(amendment, [cp.partner_id for cp in contract.partners])
    db.session.flush()
    audit.record(
        actor,
        "contract.amend",
        amendment,
        diff={"amends_id": [None, contract.id], "version": [None, amendment.version]},
    )
    return amendment


def terms_diff(old: Contract, new: Contract) -> list[tuple[str, object, object]]:
    """(field, old, new) for every term that differs between two versions, rate lines included."""
    rows = [(k, getattr(old, k), getattr(new, k)) for k in TERM_FIELDS if getattr(old, k) != getattr(new, k)]
    if rates_plain(old) != rates_plain(new):
        rows.append(("rates", "; ".join(rates_plain(old)), "; ".join(rates_plain(new))))
    return rows


def versions_of(contract: Contract) -> list[Contract]:
    """The chain of versions this contract belongs to, oldest first."""
    root = contract
    while root.amends_id is not None:
        root = get_contract(root.amends_id)
    chain = [root]
    while nxt := db.session.scalar(select(Contract).where(Contract.amends_id == chain[-1].id)):
        chain.append(nxt)
    return chain
