"""Consents to share data (Art. 6/9 GDPR, SGB X): given, withdrawn, and whether a recipient may see an item."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cases.models import (
    DATA_ITEMS,
    Client,
    Consent,
)
from cases.services.clients import refuse_if_anonymised
from core import audit, labels
from core import validation as v
from core.audit import Actor
from core.clock import today
from core.extensions import db
from core.problems import Conflict, ValidationFailed
from network.models import Agency, Partner


def create_consent(client: Client, data: dict, actor: Actor) -> Consent:
    """Record a requested consent, or a given one when `given_on` is set; a re-issue names its predecessor."""
    refuse_if_anonymised(client)
    errors = v.Errors()
    agency = v.row(errors, Agency, data.get("agency_id"), "agency_id")
    partner = v.row(errors, Partner, data.get("partner_id"), "partner_id")
    if not data.get("agency_id") and not data.get("partner_id"):
        errors.add("agency_id", _l("Name the receiving agency (or partner)."))
    elif data.get("agency_id") and data.get("partner_id"):
        errors.add("partner_id", _l("One recipient per consent: an agency or a partner."))
    purposes = v.text(data.get("purposes"), 2000)
    if not purposes:
        errors.add("purposes", _l("Required."))
    items = data.get("data_items") or []
    if isinstance(items, str):
        items = [items]
    if not items:
        errors.add("data_items", _l("Name at least one data item."))
    elif any(i not in DATA_ITEMS for i in items):
        errors.add("data_items", _l("Choose only data items of the list: %(allowed)s.", allowed=", ".join(
            str(labels.choice_labels("consents", "data_items").get(i, i)) for i in DATA_ITEMS)))
    given_on = v.date_field(errors, data, "given_on", not_future=True)
    expires_on = v.date_field(errors, data, "expires_on")
    requested_on = v.date_field(errors, data, "requested_on", not_future=True) or given_on or today()
    if given_on and expires_on and expires_on < given_on:
        errors.add("expires_on", _l("Must not be before the day it was given."))
    if given_on and requested_on and given_on < requested_on and "given_on" not in errors:
        errors.add("given_on", _l("The consent was requested on %(date)s; it cannot have been given before.",
                                  date=requested_on.strftime("%d.%m.%Y")))
    replaces = v.row(errors, Consent, data.get("replaces_id"), "replaces_id")
    if replaces is not None and replaces.client_id != client.id:
        errors.add("replaces_id", _l("No consent of this client with this id."))
    errors.raise_if_any(_l("The consent has invalid fields."))
    consent = Consent(
        client_id=client.id,
        agency_id=agency.id if agency else None,
        partner_id=partner.id if partner else None,
        purposes=purposes,
        data_items=sorted(set(items)),
        status="given" if given_on else "requested",
        requested_on=requested_on,
        given_on=given_on,
        expires_on=expires_on,
        replaces_id=replaces.id if replaces else None,
    )
    db.session.add(consent)
    db.session.flush()
    audit.record(
        actor,
        "consent.create",
        consent,
        diff={"status": [None, consent.status], "client_id": [None, client.id]},
    )
    return consent


def give_consent(consent: Consent, on: date | None, actor: Actor) -> Consent:
    """requested → given."""
    errors = v.Errors()
    on = v.date_field(errors, {"on": on}, "on", not_future=True) or today()
    errors.raise_if_any(_l("Invalid date."))
    if consent.status != "requested":
        raise Conflict(_l("Only a requested consent can be given."))
    if consent.expires_on and consent.expires_on < on:
        raise Conflict(_l("The consent would already be expired on that day."))
    consent.status, consent.given_on = "given", on
    audit.record(actor, "consent.give", consent, diff={"status": ["requested", "given"]})
    return consent


def withdraw_consent(consent: Consent, on: date | None, actor: Actor) -> Consent:
    """requested/given → withdrawn (from `on`). Expired and withdrawn consents stay as they are."""
    errors = v.Errors()
    on = v.date_field(errors, {"on": on}, "on", not_future=True) or today()
    errors.raise_if_any(_l("Invalid date."))
    state = consent.status_on(on)
    if state not in ("requested", "given"):
        raise Conflict(_l("Only a requested or given consent can be withdrawn."))
    if consent.given_on and on < consent.given_on:
        raise ValidationFailed(_l("Invalid date."), {"on": [_l("Must not be before the day it was given.")]})
    old = consent.status
    consent.status, consent.withdrawn_on = "withdrawn", on
    audit.record(actor, "consent.withdraw", consent, diff={"status": [old, "withdrawn"]})
    return consent


def get_consent(client: Client, consent_id: int) -> Consent:
    return v.get_or_404(Consent, consent_id, Consent.client_id == client.id,
                        message=_l("No such consent of this client."))


def consents_of(client: Client) -> list[Consent]:
    return list(db.session.scalars(select(Consent).where(Consent.client_id == client.id).order_by(Consent.id.desc())))


def may_share(client: Client, data_item: str, recipient: Agency | Partner, on_date: date) -> bool:
    """May `data_item` of `client` go to `recipient` (an agency or a partner) on `on_date`?

    Yes only with a consent for exactly that recipient that names the item, was given on or before that
    day, had not expired and had not been withdrawn by then.
    """
    column = Consent.agency_id if isinstance(recipient, Agency) else Consent.partner_id
    consents = db.session.scalars(
        select(Consent).where(
            Consent.client_id == client.id,
            column == recipient.id,
            Consent.given_on.is_not(None),
            Consent.status.in_(("given", "withdrawn")),
        )
    )
    for consent in consents:
        if data_item not in (consent.data_items or []):
            continue
        if consent.given_on > on_date:
            continue
        if consent.expires_on is not None and on_date > consent.expires_on:
            continue
        if consent.withdrawn_on is not None and on_date >= consent.withdrawn_on:
            continue
        return True
    return False


def item_label(data_item: str) -> str:
    """A data item by the label people read ("Bedarfe"), never its code."""
    from core.labels import value_text

    return value_text("consents", "data_items", data_item)


def why_not_shared(client: Client, data_item: str, recipient: Agency | Partner, on_date: date):
    """What is missing for `may_share` (None when nothing is): no consent for this recipient at all, none that
    names the item, or the one that names it was not given yet, had expired or was withdrawn on that day. The
    message names the item by its label and the recipient by its name."""
    if may_share(client, data_item, recipient, on_date):
        return None
    column = Consent.agency_id if isinstance(recipient, Agency) else Consent.partner_id
    consents = list(db.session.scalars(select(Consent).where(Consent.client_id == client.id,
                                                             column == recipient.id)))
    item, name, day = item_label(data_item), recipient.name, on_date.strftime("%d.%m.%Y")
    naming = [c for c in consents if data_item in (c.data_items or [])]
    if not consents:
        return _l("The client has not consented to passing data to “%(name)s”: record a consent for “%(name)s” "
                  "that covers “%(item)s”.", name=name, item=item)
    if not naming:
        return _l("The client's consent for “%(name)s” does not cover “%(item)s”: record a consent that covers "
                  "“%(item)s”.", name=name, item=item)
    if all(c.given_on is None or c.status == "requested" for c in naming):
        return _l("The consent covering “%(item)s” for “%(name)s” has been requested but not given yet.",
                  name=name, item=item)
    return _l("On %(date)s no consent covering “%(item)s” for “%(name)s” was in force (not yet given, expired or "
              "withdrawn): record a new consent.", name=name, item=item, date=day)
