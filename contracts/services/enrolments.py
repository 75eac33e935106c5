"""Funding approvals: a case enrolled under a contract, with approved hours per service area; changed (period,
hours, note) and ended early (the last day funded and a reason), never deleted."""

from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from contracts.models import (
    ApprovedHours,
    Contract,
    Enrolment,
    RateLine,
)
from core import audit, labels
from core import validation as v
from core.audit import Actor
from core.extensions import db
from core.problems import Conflict, NotFound
from network.models import ServiceArea

ENROLLABLE = ("signed", "active")
MAX_HOURS = 10_000  # hours approved per area and enrolment: years of full-time help, far below any column limit
MAX_END_REASON = 500  # Enrolment.end_reason
HOURS_FIELD = "approved_hours"


def _day(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def hours_key(index: int | None, part: str) -> str:
    """The field an approved-hours error belongs to: `approved_hours` for the API's {code: hours}, and
    `approved_hours-<i>-service_area` / `-hours` for line i of a page's form (the names WTForms gives it)."""
    return HOURS_FIELD if index is None else f"{HOURS_FIELD}-{index}-{part}"


def _hours_lines(errors: v.Errors, raw) -> list[ApprovedHours]:
    """Approved hours from {code: hours} (API) or [(code, hours), …] (a form's lines, blank lines skipped): each
    line needs its service area and a number of hours; one line per area."""
    if not raw:
        return []
    lines = [(None, code, value) for code, value in raw.items()] if isinstance(raw, dict) else [
        (i, code, value) for i, (code, value) in enumerate(raw)]
    areas = {sa.code: sa for sa in db.session.scalars(select(ServiceArea))}
    hours, seen = [], set()
    for index, code, value in lines:
        code = (code or "").strip() if isinstance(code, str) else code
        if not code and value in (None, ""):
            continue
        if not code:
            errors.add(hours_key(index, "service_area"),
                       _l("Choose the service area these hours are approved for."))
            continue
        if code not in areas:
            errors.add(hours_key(index, "service_area"), _l("Choose a service area of the list."))
            continue
        if code in seen:
            errors.add(hours_key(index, "service_area"),
                       _l("%(area)s is listed twice; enter its hours once.", area=areas[code].name))
            continue
        seen.add(code)
        if value in (None, ""):
            errors.add(hours_key(index, "hours"),
                       _l("Enter the hours approved for %(area)s, or leave its service area empty.",
                          area=areas[code].name))
        elif not isinstance(value, int | float | Decimal) or isinstance(value, bool) or not 0 < value <= MAX_HOURS:
            errors.add(hours_key(index, "hours"),
                       _l("Hours must be a number above 0 and at most %(max)d.", max=MAX_HOURS))
        else:
            hours.append(ApprovedHours(service_area_id=areas[code].id, minutes=round(value * 60)))
    return hours


def _hours_diff(lines) -> dict:
    """{service area code: hours} as the audit log keeps approved hours."""
    codes = dict(db.session.execute(select(ServiceArea.id, ServiceArea.code)).all())
    return {codes.get(h.service_area_id, str(h.service_area_id)): h.minutes / 60 for h in lines}


def _check_range(errors: v.Errors, case_id: int, from_on, to_on) -> None:
    if from_on is None:
        errors.add("from_on", _l("Required."))
    if to_on is None:
        errors.add("to_on", _l("Required."))
    if from_on and to_on and to_on < from_on:
        errors.add("to_on", _l("Before the start (%(date)s); the approval ends on or after it.", date=_day(from_on)))
    if from_on is not None and not errors.get("from_on"):
        from cases.models import Case

        case = db.session.get(Case, case_id)
        if case is not None and from_on < case.opened_on:
            # a funding approval covers the case's help; before the case was opened there was none to fund
            errors.add("from_on", _l("Before the case was opened (%(date)s).", date=_day(case.opened_on)))


def _outside_contract(contract: Contract, from_on, to_on) -> dict:
    """{field: [message]} for the end of the approval that lies outside the contract's validity: the start before
    the contract's start, the end after its end."""
    if from_on is None or to_on is None:
        return {}
    if contract.valid_from is None or contract.valid_to is None:
        return {"from_on": [_l("The contract has no complete term.")]}
    outside = {}
    if from_on < contract.valid_from:
        outside["from_on"] = [_l("The funding approval can start on %(date)s at the earliest, the start of the "
                                 "contract.", date=_day(contract.valid_from))]
    if to_on > contract.valid_to:
        outside["to_on"] = [_l("The funding approval must end on %(date)s at the latest, the end of the contract.",
                               date=_day(contract.valid_to))]
    return outside


def _add_outside_contract(errors: v.Errors, contract: Contract | None, from_on, to_on) -> None:
    """With other field errors, those of the contract's validity join them (one round shows all)."""
    if errors and contract is not None:
        for field, messages in _outside_contract(contract, from_on, to_on).items():
            for message in messages:
                errors.add(field, message)


def _check_in_contract(contract: Contract, case_id: int, from_on: date, to_on: date, *, other_than=None) -> None:
    """Inside the contract's validity, and no other approval of the case under it at the same time (an approval
    ended early counts up to its end)."""
    outside = _outside_contract(contract, from_on, to_on)
    if outside:
        raise Conflict(_l("The enrolment must lie inside the contract's validity."), outside)
    query = select(Enrolment).where(
        Enrolment.case_id == case_id,
        Enrolment.contract_id == contract.id,
        Enrolment.from_on <= to_on,
        Enrolment.ends_on >= from_on,
    )
    if other_than is not None:
        query = query.where(Enrolment.id != other_than.id)
    overlap = db.session.scalars(query.limit(1)).first()
    if overlap is not None:
        raise Conflict(
            _l("The case is already enrolled under this contract in this period."),
            {"from_on": [_l("Overlaps the approval from %(a)s to %(b)s.", a=_day(overlap.from_on),
                            b=_day(overlap.ends_on))]},
        )


def _check_billed(enrolment: Enrolment, kept_from: date, kept_to: date, field: str) -> None:
    """Days an approval stops covering must hold no billed service of the case that no other of its approvals
    covers: an invoice already charged them (a credit note cancels it first)."""
    from cases.models import ServiceEntry

    gone = []
    if kept_from > enrolment.from_on:
        gone.append(and_(ServiceEntry.on >= enrolment.from_on, ServiceEntry.on < kept_from))
    if kept_to < enrolment.ends_on:
        gone.append(and_(ServiceEntry.on > kept_to, ServiceEntry.on <= enrolment.ends_on))
    if not gone:
        return
    other = aliased(Enrolment)
    first = db.session.scalar(
        select(func.min(ServiceEntry.on)).where(
            ServiceEntry.case_id == enrolment.case_id, ServiceEntry.billed_at.is_not(None), or_(*gone),
            ~exists().where(other.case_id == enrolment.case_id, other.id != enrolment.id,
                            other.from_on <= ServiceEntry.on, other.ends_on >= ServiceEntry.on)))
    if first is not None:
        raise Conflict(
            _l("Services of this case on %(date)s are already billed under this approval.", date=_day(first)),
            {field: [_l("Choose a date that keeps %(date)s covered, or cancel that invoice by a credit note "
                        "first.", date=_day(first))]},
        )


def enrol_case(case_id: int, data: dict, actor: Actor) -> Enrolment:
    """Enrol a case under a contract for [from_on, to_on], inside the contract's validity, without overlapping
    another enrolment of the same case under the same contract. The caller has loaded the case (ORM wall)."""
    errors = v.Errors()
    contract = None
    if not data.get("contract_id"):
        errors.add("contract_id", _l("Required."))
    else:
        contract = db.session.scalar(select(Contract).where(Contract.id == data["contract_id"]))
        if contract is None:
            errors.add("contract_id", _l("No such contract."))
    from_on, to_on = data.get("from_on"), data.get("to_on")
    _check_range(errors, case_id, from_on, to_on)
    hours = _hours_lines(errors, data.get(HOURS_FIELD))
    _add_outside_contract(errors, contract, from_on, to_on)
    errors.raise_if_any(_l("The enrolment has invalid fields."))
    if contract.status not in ENROLLABLE:
        status = labels.choice_labels("contracts", "status").get(contract.status, contract.status)
        raise Conflict(
            _l("Cases can be enrolled only under a signed or active contract."),
            {"contract_id": [_l("The contract is %(status)s.", status=status)]},
        )
    _check_in_contract(contract, case_id, from_on, to_on)
    enrolment = Enrolment(
        case_id=case_id,
        contract_id=contract.id,
        from_on=from_on,
        to_on=to_on,
        note=(data.get("note") or "").strip(),
        created_by_id=actor.user_id,
    )
    enrolment.approved_hours.extend(hours)
    db.session.add(enrolment)
    db.session.flush()
    diff = {
        "case_id": [None, case_id],
        "contract_id": [None, contract.id],
        "from_on": [None, from_on.isoformat()],
        "to_on": [None, to_on.isoformat()],
    }
    if hours:
        diff[HOURS_FIELD] = [None, _hours_diff(hours)]
    audit.record(actor, "enrolment.create", enrolment, diff=diff)
    return enrolment


def get_enrolment(case_id: int, enrolment_id: int) -> Enrolment:
    """An approval of this case (the caller has loaded the case through its rules); else 404."""
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.id == enrolment_id, Enrolment.case_id == case_id))
    if enrolment is None:
        raise NotFound(_l("No such funding approval for this case."))
    return enrolment


def update_enrolment(enrolment: Enrolment, data: dict, actor: Actor) -> Enrolment:
    """Change an approval's period, approved hours (the given lines replace all) and note: the same checks as a
    new one; an approval ended early keeps its end inside the period; days it stops covering hold no billed
    service."""
    errors = v.Errors()
    from_on = data.get("from_on", enrolment.from_on)
    to_on = data.get("to_on", enrolment.to_on)
    _check_range(errors, enrolment.case_id, from_on, to_on)
    hours = _hours_lines(errors, data[HOURS_FIELD]) if HOURS_FIELD in data else None
    if enrolment.ended_on is not None and from_on and to_on and not errors:
        if from_on > enrolment.ended_on:
            errors.add("from_on", _l("After the approval's early end (%(date)s).", date=_day(enrolment.ended_on)))
        if to_on < enrolment.ended_on:
            errors.add("to_on", _l("Before the approval's early end (%(date)s).", date=_day(enrolment.ended_on)))
    note = (data.get("note", enrolment.note) or "").strip()
    _add_outside_contract(errors, enrolment.contract, from_on, to_on)
    errors.raise_if_any(_l("The funding approval has invalid fields."))
    _check_in_contract(enrolment.contract, enrolment.case_id, from_on, to_on, other_than=enrolment)
    _check_billed(enrolment, from_on, enrolment.ends_on, "from_on")
    _check_billed(enrolment, enrolment.from_on, to_on if enrolment.ended_on is None else enrolment.ended_on, "to_on")
    diff = {}
    for key, new in (("from_on", from_on), ("to_on", to_on)):
        if getattr(enrolment, key) != new:
            diff[key] = [getattr(enrolment, key).isoformat(), new.isoformat()]
            setattr(enrolment, key, new)
    if note != enrolment.note:
        diff["note"] = [enrolment.note, note]
        enrolment.note = note
    if hours is not None:
        before, after = _hours_diff(enrolment.approved_hours), _hours_diff(hours)
        if before != after:
            diff[HOURS_FIELD] = [before or None, after or None]
            _replace_hours(enrolment, hours)
    if diff:
        db.session.flush()
        audit.record(actor, "enrolment.update", enrolment, diff=diff)
    return enrolment


def _replace_hours(enrolment: Enrolment, hours: list[ApprovedHours]) -> None:
    """The new lines instead of the old: kept rows change their minutes (the unique area per approval stays)."""
    new = {h.service_area_id: h.minutes for h in hours}
    for line in list(enrolment.approved_hours):
        if line.service_area_id in new:
            line.minutes = new.pop(line.service_area_id)
        else:
            enrolment.approved_hours.remove(line)
    db.session.flush()  # deletions before inserts: the unique (approval, area) never sees two rows
    enrolment.approved_hours.extend(ApprovedHours(service_area_id=area, minutes=minutes)
                                    for area, minutes in new.items())


def end_enrolment(enrolment: Enrolment, data: dict, actor: Actor) -> Enrolment:
    """End an approval early: `ended_on` is the last day funded (from its start up to the day before its planned
    end), `end_reason` says why. The approval stays (with its hours used so far); from the day after, services are
    neither funded nor billed under it."""
    errors = v.Errors()
    ended_on = v.date_field(errors, data, "ended_on", required=True)
    reason = v.text(data.get("end_reason"))
    if not reason:
        errors.add("end_reason", _l("Required: say why the approval ends early (e.g. the agency's letter)."))
    elif len(reason) > MAX_END_REASON:
        errors.add("end_reason", _l("At most %(max)d characters.", max=MAX_END_REASON))
    if enrolment.ended_on is not None:
        raise Conflict(_l("This funding approval has already ended early (%(date)s).",
                          date=_day(enrolment.ended_on)), {"ended_on": [_l("Already ended.")]})
    if ended_on is not None and not errors.get("ended_on"):
        if ended_on < enrolment.from_on:
            errors.add("ended_on", _l("Before the approval starts (%(date)s).", date=_day(enrolment.from_on)))
        elif ended_on >= enrolment.to_on:
            errors.add("ended_on", _l("The approval ends on %(date)s anyway; an early end lies before that day.",
                                      date=_day(enrolment.to_on)))
    errors.raise_if_any(_l("The end of the funding approval has invalid fields."))
    _check_billed(enrolment, enrolment.from_on, ended_on, "ended_on")
    enrolment.ended_on, enrolment.end_reason = ended_on, reason
    db.session.flush()
    audit.record(actor, "enrolment.end", enrolment,
                 diff={"ended_on": [None, ended_on.isoformat()], "end_reason": [None, reason]})
    return enrolment


def enrolments_of_case(case_id: int) -> list[Enrolment]:
    return (
        db.session.scalars(select(Enrolment).where(Enrolment.case_id == case_id).order_by(Enrolment.from_on))
        .unique()
        .all()
    )


def approved_hours_use(enrolment: Enrolment) -> list[tuple[ApprovedHours, int]]:
    """Each approved-hours line with the minutes logged for the case in that area while the approval was in
    force (up to its early end)."""
    from cases.models import ServiceEntry

    use = []
    for approved in enrolment.approved_hours:
        minutes = db.session.scalar(
            select(func.coalesce(func.sum(ServiceEntry.minutes), 0)).where(
                ServiceEntry.case_id == enrolment.case_id,
                ServiceEntry.service_area_id == approved.service_area_id,
                ServiceEntry.on >= enrolment.from_on,
                ServiceEntry.on <= enrolment.ends_on,
            )
        )
        use.append((approved, int(minutes)))
    return use


def enrolments_of_contract(contract: Contract) -> list[Enrolment]:
    return (
        db.session.scalars(
            select(Enrolment).where(Enrolment.contract_id == contract.id).order_by(Enrolment.from_on)
        )
        .unique()
        .all()
    )


def funded(case_id: int, on: date, service_area_id: int) -> bool:
    """Is the case enrolled on that day (an approval ended early: up to its end) under a contract that pays hours
    in that service area?

    The answer to cases' question core.signals.service_funded (contracts.receivers)."""
    query = (
        select(Enrolment.id)
        .join(RateLine, RateLine.contract_id == Enrolment.contract_id)
        .where(
            Enrolment.case_id == case_id,
            Enrolment.from_on <= on,
            Enrolment.ends_on >= on,
            RateLine.kind == "per_unit",
            RateLine.service_area_id == service_area_id,
        )
    )
    return db.session.scalar(query.limit(1)) is not None
