"""Funding approvals: a case enrolled under a contract, with approved hours per service area."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from contracts.models import (
    ApprovedHours,
    Contract,
    Enrolment,
    RateLine,
)
from core import audit
from core import validation as v
from core.audit import Actor
from core.extensions import db
from core.problems import Conflict
from network.models import ServiceArea

ENROLLABLE = ("signed", "active")
MAX_HOURS = 10_000  # hours approved per area and enrolment: years of full-time help, far below any column limit


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
    if from_on is None:
        errors.add("from_on", _l("Required."))
    if to_on is None:
        errors.add("to_on", _l("Required."))
    if from_on and to_on and to_on < from_on:
        errors.add("to_on", _l("Before the start."))
    hours = []
    if data.get("approved_hours"):
        codes = {sa.code: sa for sa in db.session.scalars(select(ServiceArea))}
        for code, value in data["approved_hours"].items():
            if code not in codes:
                errors.add("approved_hours", _l("No service area with code %(code)s.", code=code))
            elif not isinstance(value, int | float) or isinstance(value, bool) or not 0 < value <= MAX_HOURS:
                errors.add("approved_hours", _l("Hours must be a number above 0 and at most %(max)d.", max=MAX_HOURS))
            else:
                hours.append(ApprovedHours(service_area_id=codes[code].id, minutes=round(value * 60)))
    if from_on is not None and not errors.get("from_on"):
        from cases.models import Case

        case = db.session.get(Case, case_id)
        if case is not None and from_on < case.opened_on:
            # a funding approval covers the case's help; before the case was opened there was none to fund
            errors.add(
                "from_on", _l("Before the case was opened (%(date)s).", date=case.opened_on.strftime("%d.%m.%Y"))
            )
    errors.raise_if_any(_l("The enrolment has invalid fields."))
    if contract.status not in ENROLLABLE:
        raise Conflict(
            _l("Cases can be enrolled only under a signed or active contract."),
            {"contract_id": [_l("Contract is %(status)s.", status=contract.status)]},
        )
    if (
        contract.valid_from is None
        or contract.valid_to is None
        or from_on < contract.valid_from
        or to_on > contract.valid_to
    ):
        raise Conflict(
            _l("The enrolment must lie inside the contract's validity."),
            {"from_on": [_l("Valid from %(a)s to %(b)s.", a=contract.valid_from, b=contract.valid_to)]},
        )
    overlap = db.session.scalar(
        select(Enrolment.id).where(
            Enrolment.case_id == case_id,
            Enrolment.contract_id == contract.id,
            Enrolment.from_on <= to_on,
            Enrolment.to_on >= from_on,
        )
    )
    if overlap is not None:
        raise Conflict(
            _l("The case is already enrolled under this contract in this period."),
            {"from_on": [_l("Overlaps enrolment %(id)s.", id=overlap)]},
        )
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
    audit.record(
        actor,
        "enrolment.create",
        enrolment,
        diff={
            "case_id": [None, case_id],
            "contract_id": [None, contract.id],
            "from_on": [None, from_on.isoformat()],
            "to_on": [None, to_on.isoformat()],
        },
    )
    return enrolment


def enrolments_of_case(case_id: int) -> list[Enrolment]:
    return (
        db.session.scalars(select(Enrolment).where(Enrolment.case_id == case_id).order_by(Enrolment.from_on))
        .unique()
        .all()
    )


def approved_hours_use(enrolment: Enrolment) -> list[tuple[ApprovedHours, int]]:
    """Each approved-hours line with the minutes logged for the case in that area within the enrolment."""
    from cases.models import ServiceEntry

    use = []
    for approved in enrolment.approved_hours:
        minutes = db.session.scalar(
            select(func.coalesce(func.sum(ServiceEntry.minutes), 0)).where(
                ServiceEntry.case_id == enrolment.case_id,
                ServiceEntry.service_area_id == approved.service_area_id,
                ServiceEntry.on >= enrolment.from_on,
                ServiceEntry.on <= enrolment.to_on,
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
    """Is the case enrolled on that day under a contract that pays hours in that service area?

    The answer to cases' question core.signals.service_funded (contracts.receivers)."""
    query = (
        select(Enrolment.id)
        .join(RateLine, RateLine.contract_id == Enrolment.contract_id)
        .where(
            Enrolment.case_id == case_id,
            Enrolment.from_on <= on,
            Enrolment.to_on >= on,
            RateLine.kind == "per_unit",
            RateLine.service_area_id == service_area_id,
        )
    )
    return db.session.scalar(query.limit(1)) is not None
