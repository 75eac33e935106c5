"""Referrals to partners and agencies, allowed only with the consents they need."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cases.models import (
    Case,
    Referral,
)
from cases.services.case_file import not_before_opening, refuse_if_closed
from cases.services.consents import consents_of, item_label, why_not_shared
from cases.services.timeline import record_event
from core import audit
from core import validation as v
from core.audit import Actor
from core.clock import today
from core.extensions import db
from core.problems import Conflict
from network.models import Partner

REFERRAL_TRANSITIONS = {
    "pending": {"accepted", "rejected"},
    "accepted": {"done"},
    "rejected": set(),
    "done": set(),
}


def refer(case: Case, data: dict, actor: Actor) -> Referral:
    """Refer the case to a partner organisation; needs today's consent for that partner covering needs."""
    refuse_if_closed(case)
    errors = v.Errors()
    partner = v.row(errors, Partner, data.get("partner_id"), "partner_id")
    if data.get("partner_id") in (None, ""):
        errors.add("partner_id", _l("Required."))
    on = v.date_field(errors, data, "referred_on", not_future=True) or today()
    not_before_opening(errors, "referred_on", on, case.opened_on)
    errors.raise_if_any(_l("The referral has invalid fields."))
    client = case.client
    if missing := why_not_shared(client, "needs", partner, on):
        # which consent item is missing, by its label, and for whom: the case manager knows what to ask for
        raise Conflict(
            _l("The referral to “%(name)s” needs the client's consent to pass on “%(item)s”.", name=partner.name,
               item=item_label("needs")),
            {"partner_id": [missing]},
        )
    consent = next(
        c
        for c in consents_of(client)
        if c.partner_id == partner.id and c.status_on(on) == "given" and "needs" in c.data_items
    )
    referral = Referral(
        case_id=case.id,
        partner_id=partner.id,
        consent_id=consent.id,
        referred_on=on,
        reason=v.text(data.get("reason"), 5000),
        status="pending",
    )
    db.session.add(referral)
    db.session.flush()
    record_event(case, "referral", partner.name, actor)
    audit.record(actor, "referral.create", referral, diff={"partner_id": [None, partner.id]})
    return referral


def move_referral(case: Case, referral: Referral, to: str, actor: Actor, on: date | None = None) -> Referral:
    errors = v.Errors()
    v.choice(errors, to, "to", tuple(REFERRAL_TRANSITIONS), required=True)
    on = v.date_field(errors, {"on": on}, "on", not_future=True) or today()
    if "on" not in errors and on < referral.referred_on:
        errors.add("on", _l("The referral was made on %(date)s; enter that day or a later one.",
                            date=referral.referred_on.strftime("%d.%m.%Y")))
    errors.raise_if_any(_l("Invalid referral step."))
    if to not in REFERRAL_TRANSITIONS[referral.status]:
        raise Conflict(_l("This step is not allowed for the referral."))
    old = referral.status
    referral.status, referral.status_on = to, on
    record_event(case, "referral_status", f"{old} → {to}", actor)
    audit.record(actor, "referral.update", referral, diff={"status": [old, to]})
    return referral


def get_referral(case: Case, referral_id: int) -> Referral:
    return v.get_or_404(Referral, referral_id, Referral.case_id == case.id,
                        message=_l("No such referral in this case."))


def referrals_of(case: Case) -> list[Referral]:
    return list(db.session.scalars(select(Referral).where(Referral.case_id == case.id).order_by(Referral.id)))
