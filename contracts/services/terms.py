"""Contract terms: parties, validity, rate lines, budget; drafting and changing a draft."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from contracts.models import (
    BILLING_CYCLES,
    LEGAL_BASES,
    RATE_KINDS,
    ROUTES,
    VAT_MODES,
    Contract,
    ContractPartner,
    ContractTemplate,
    RateLine,
)
from contracts.services.templates import ensure_default_template
from core import audit, clock, labels
from core import search as core_search
from core import validation as v
from core.audit import Actor
from core.extensions import db
from core.problems import Conflict, ValidationFailed
from network.models import Agency, Partner, ServiceArea

TERM_FIELDS = (
    "agency_id",
    "title",
    "legal_basis",
    "route",
    "scope",
    "quality",
    "efficiency_review",
    "efficiency_indicators",
    "review_interval_months",
    "next_review_on",
    "notification_duties",
    "termination",
    "notice_period_months",
    "valid_from",
    "valid_to",
    "billing_cycle",
    "prorate_days",
    "budget_cents",
    "vat",
    "vat_exempt_reason",
    "template_id",
)
MAX_CENTS = 10**12  # ten billion euros: far above any agreement, far below the BIGINT limit
TEXT_FIELDS = {
    "title",
    "scope",
    "quality",
    "efficiency_review",
    "efficiency_indicators",
    "notification_duties",
    "termination",
    "vat_exempt_reason",
}
CHOICES = {"legal_basis": LEGAL_BASES, "route": ROUTES, "billing_cycle": BILLING_CYCLES, "vat": VAT_MODES}


def _clean_terms(data: dict, partial: bool, current: Contract | None = None) -> tuple[dict, list | None, list | None]:
    """Validated term fields, rate lines (or None: unchanged) and partner ids (or None); a change is checked
    together with the `current` terms it leaves in place."""
    errors = v.Errors()
    terms = {k: v for k, v in data.items() if k in TERM_FIELDS}
    for key in TEXT_FIELDS & terms.keys():
        terms[key] = (terms[key] or "").strip()
    if (not partial or "title" in terms) and not terms.get("title"):
        errors.add("title", _l("Required."))
    if not partial or "agency_id" in terms:
        if not terms.get("agency_id"):
            errors.add("agency_id", _l("Required."))
        elif db.session.scalar(select(Agency.id).where(Agency.id == terms["agency_id"])) is None:
            errors.add("agency_id", _l("No such agency."))
    for key, allowed in CHOICES.items():
        if key in terms and terms[key] not in allowed:
            errors.add(key, v.choice_message(allowed, labels.choice_labels("contracts", key)))
    for key in ("budget_cents", "review_interval_months", "notice_period_months"):
        if terms.get(key) is not None and terms[key] < 0:
            errors.add(key, _l("Must not be negative."))
    if terms.get("budget_cents") is not None and terms["budget_cents"] > MAX_CENTS:
        errors.add("budget_cents", _l("Too large."))
    for key in ("valid_from", "valid_to", "next_review_on"):
        if terms.get(key) is not None:
            terms[key] = v.date_field(errors, terms, key)
    _check_term_dates(errors, terms, current)
    if (
        terms.get("template_id") is not None
        and db.session.scalar(select(ContractTemplate.id).where(ContractTemplate.id == terms["template_id"]))
        is None
    ):
        errors.add("template_id", _l("No such template."))
    rates = None
    if "rates" in data and data["rates"] is not None:
        rates = []
        codes = {sa.code: sa for sa in db.session.scalars(select(ServiceArea))}
        for i, raw in enumerate(data["rates"]):
            kind = raw.get("kind")
            code = (raw.get("service_area") or "").strip() or None
            amount = raw.get("amount_cents")
            if kind not in RATE_KINDS:
                errors.add(f"rates.{i}.kind", v.choice_message(RATE_KINDS))
            if kind == "per_unit" and code is None:
                errors.add(f"rates.{i}.service_area", _l("An hourly rate needs a service area."))
            if code is not None and code not in codes:
                errors.add(f"rates.{i}.service_area", _l("Choose a service area of the list."))
            if not isinstance(amount, int) or isinstance(amount, bool) or not 0 <= amount <= MAX_CENTS:
                errors.add(f"rates.{i}.amount_cents", _l("A non-negative whole number of cents."))
            rates.append(
                {
                    "kind": kind,
                    "service_area_id": codes[code].id if code in codes else None,
                    "amount_cents": amount,
                    "label": (raw.get("label") or "").strip()[:200],
                }
            )
    partner_ids = None
    if "partner_ids" in data and data["partner_ids"] is not None:
        partner_ids = list(dict.fromkeys(data["partner_ids"]))
        known = set(db.session.scalars(select(Partner.id).where(Partner.id.in_(partner_ids))))
        if any(p not in known for p in partner_ids):
            errors.add("partner_ids", _l("Choose only partners of the list."))
    errors.raise_if_any(_l("The contract has invalid fields."))
    return terms, rates, partner_ids


def _german(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _check_term_dates(errors: v.Errors, terms: dict, current: Contract | None) -> None:
    """The term cannot end before it starts; the efficiency review does not lie before it (changed dates are
    checked against those the draft keeps)."""
    def value(key):
        return terms[key] if key in terms else getattr(current, key, None)

    start, end, review = value("valid_from"), value("valid_to"), value("next_review_on")
    bad = set(errors)
    if start and end and end < start and not {"valid_from", "valid_to"} & bad:
        field = "valid_to" if "valid_to" in terms or "valid_from" not in terms else "valid_from"
        errors.add(field, _l("The contract starts on %(start)s; it cannot end before that.", start=_german(start))
                   if field == "valid_to" else
                   _l("The contract ends on %(end)s; it cannot start after that.", end=_german(end)))
    if review and "next_review_on" not in bad and ("next_review_on" in terms or "valid_from" in terms
                                                    or "valid_to" in terms):
        if start and review < start:  # (a final review after the end is allowed)
            errors.add("next_review_on", _l("The review lies before the contract starts (%(start)s); enter a date "
                                            "from then on.", start=_german(start)))


def _check_range(contract: Contract) -> None:
    """The last word after a change (the field checks above name the field; this guards any other path)."""
    if contract.valid_from and contract.valid_to and contract.valid_to < contract.valid_from:
        raise ValidationFailed(
            _l("The contract ends before it starts."),
            {"valid_to": [_l("The contract starts on %(start)s; it cannot end before that.",
                             start=_german(contract.valid_from))]},
        )


def set_rates(contract: Contract, rates: list[dict]) -> None:
    contract.rates.clear()
    db.session.flush()
    for position, rate in enumerate(rates):
        contract.rates.append(RateLine(position=position, **rate))


def set_partners(contract: Contract, partner_ids: list[int]) -> None:
    contract.partners.clear()
    db.session.flush()
    for partner_id in partner_ids:
        contract.partners.append(ContractPartner(partner_id=partner_id))


def rates_plain(contract: Contract) -> list[str]:
    return [f"{r.kind} {r.service_area or '-'} {r.amount_cents}" for r in contract.rates]


def create_contract(data: dict, actor: Actor, tenant_id: int) -> Contract:
    terms, rates, partner_ids = _clean_terms(data, partial=False)
    if terms.get("template_id") is None:
        terms["template_id"] = ensure_default_template(tenant_id).id
    contract = Contract(**terms, status="draft", drafted_by_id=actor.user_id)
    _check_range(contract)
    db.session.add(contract)
    db.session.flush()
    set_rates(contract, rates or [])
    set_partners(contract, partner_ids or [])
    db.session.flush()
    audit.record(
        actor,
        "contract.create",
        contract,
        diff={
            "title": [None, contract.title],
            "agency_id": [None, contract.agency_id],
            "rates": [None, rates_plain(contract)],
        },
    )
    return contract


def term_authors(contract: Contract) -> set[int]:
    """Everyone who wrote the terms: the drafter and every later editor (from the audit log, which records each
    change of terms). None of them may approve (four-eyes); a system actor never counts as an approver."""
    from core.audit import AuditEvent

    editors = db.session.scalars(
        select(AuditEvent.actor_user_id).where(
            AuditEvent.object_type == "contracts", AuditEvent.object_id == contract.id,
            AuditEvent.action == "contract.update", AuditEvent.actor_user_id.is_not(None))
    )
    return {uid for uid in [contract.drafted_by_id, *editors] if uid is not None}


def update_contract(contract: Contract, data: dict, actor: Actor) -> Contract:
    """Terms change only in draft; an active contract is changed by an amendment (a new version)."""
    if contract.status != "draft":
        raise Conflict(
            _l(
                "The terms of a contract in state %(status)s cannot change; only drafts can be edited "
                "(an active contract gets an amendment).",
                status=contract.status,
            )
        )
    terms, rates, partner_ids = _clean_terms(data, partial=True, current=contract)
    diff = audit.changes(contract, terms)
    _check_range(contract)
    if rates is not None:
        before = rates_plain(contract)
        set_rates(contract, rates)
        db.session.flush()
        if (after := rates_plain(contract)) != before:
            diff["rates"] = [before, after]
    if partner_ids is not None:
        before_p = sorted(cp.partner_id for cp in contract.partners)
        set_partners(contract, partner_ids)
        if sorted(partner_ids) != before_p:
            diff["partner_ids"] = [before_p, sorted(partner_ids)]
    if diff:
        audit.record(actor, "contract.update", contract, diff=diff)
    return contract


def get_contract(contract_id: int) -> Contract:
    return v.get_or_404(Contract, contract_id, message=_l("No such contract in this alliance."))


def list_contracts(status: str | None = None, agency_id: int | None = None, *, due: str | None = None,
                   actor: Actor | None = None, on: date | None = None, search: str = ""):
    """Contracts, newest first; `due` (with the actor) filters by what is due on `on` (contracts.services.due),
    `search` by title or agency name (core.search: folded, literal)."""
    from contracts.services.due import DUE_KEYS, condition

    query = select(Contract).order_by(Contract.valid_from.desc(), Contract.id.desc())
    if status:
        query = query.where(Contract.status == status)
    if due in DUE_KEYS and actor is not None:
        query = query.where(condition(due, actor, on or clock.today()))
    if agency_id:
        query = query.where(Contract.agency_id == agency_id)
    if (by_name := core_search.matches(search, Contract.title)) is not None:
        agencies = select(Agency.id).where(core_search.matches(search, Agency.name))
        query = query.where(by_name | Contract.agency_id.in_(agencies))
    return db.session.scalars(query).unique().all()


def delete_draft(contract: Contract, actor: Actor) -> None:
    """Delete a draft (never sent, so nobody outside knows it); a contract that went out is ended instead. Its
    rate lines, partners, steps and renderings go with it (ON DELETE CASCADE)."""
    if contract.status != "draft":
        raise Conflict(_l("Only drafts can be deleted; a contract that went out is ended instead."),
                       {"status": [_l("Not a draft.")]})
    audit.record(actor, "contract.delete", contract, diff={"title": [contract.title, None]})
    db.session.execute(delete(Contract).where(Contract.id == contract.id))
