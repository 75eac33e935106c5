"""Contract verbs: templates, contracts and their lifecycle, documents, reminders, funding approvals."""

from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from contracts import rendering
from contracts.lifecycle import END_REASONS, Gap, allowed_next, completeness_gaps
from contracts.models import (
    BILLING_CYCLES,
    LEGAL_BASES,
    RATE_KINDS,
    ROUTES,
    STATUSES,
    VAT_MODES,
    ApprovedHours,
    Contract,
    ContractDocument,
    ContractPartner,
    ContractReminder,
    ContractStep,
    ContractTemplate,
    Enrolment,
    RateLine,
)
from core import audit, clock, conversion, storage, transactions
from core.audit import Actor
from core.extensions import db
from core.problems import Conflict, NotFound, ValidationFailed
from network.models import Agency, Partner, ServiceArea

# --- contract templates -------------------------------------------------------------------------------------

DEFAULT_TEMPLATE_PATH = Path(__file__).parent / "templates_docx" / "default_de.docx"
DEFAULT_TEMPLATE_NAME = "Standardvorlage (Deutsch)"


def ensure_default_template(tenant_id: int) -> ContractTemplate:
    """The tenant's copy of the built-in template in its current version (stored once per version)."""
    data = DEFAULT_TEMPLATE_PATH.read_bytes()
    digest = storage.sha256_of(data)
    row = db.session.scalar(
        select(ContractTemplate).where(ContractTemplate.builtin.is_(True), ContractTemplate.sha256 == digest)
    )
    if row is not None:
        return row
    return _add_template(tenant_id, DEFAULT_TEMPLATE_NAME, data, builtin=True, note="", uploaded_by_id=None)


def _add_template(
    tenant_id: int, name: str, data: bytes, builtin: bool, note: str, uploaded_by_id: int | None
) -> ContractTemplate:
    latest = db.session.scalar(
        select(func.max(ContractTemplate.version)).where(ContractTemplate.name == name)
    )
    stored = storage.store(tenant_id, "templates", data, "docx")
    row = ContractTemplate(
        name=name,
        version=(latest or 0) + 1,
        builtin=builtin,
        storage_path=stored.path,
        sha256=stored.sha256,
        size=stored.size,
        note=note,
        uploaded_by_id=uploaded_by_id,
    )
    db.session.add(row)
    db.session.flush()
    return row


def upload_template(tenant_id: int, name: str, data: bytes, actor: Actor, note: str = "") -> ContractTemplate:
    """Validate and store a tenant's template; the same name again becomes its next version."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_l("The template needs a name."), {"name": [_l("Required.")]})
    if len(name) > 120:
        raise ValidationFailed(_l("The name is too long."), {"name": [_l("At most 120 characters.")]})
    if name == DEFAULT_TEMPLATE_NAME:
        raise ValidationFailed(
            _l("This name is reserved."), {"name": [_l("Reserved for the built-in template.")]}
        )
    try:
        rendering.validate_template(data)
    except rendering.TemplateProblem as exc:
        raise ValidationFailed(_l("The template cannot be used."), {"file": exc.errors}) from exc
    row = _add_template(
        tenant_id, name, data, builtin=False, note=(note or "").strip(), uploaded_by_id=actor.user_id
    )
    audit.record(
        actor,
        "contract_template.upload",
        row,
        diff={"name": [None, name], "version": [None, row.version], "sha256": [None, row.sha256]},
    )
    return row


def get_template(template_id: int) -> ContractTemplate:
    row = db.session.scalar(select(ContractTemplate).where(ContractTemplate.id == template_id))
    if row is None:
        raise NotFound(_l("No template with id %(id)s.", id=template_id))
    return row


def list_templates():
    return db.session.scalars(
        select(ContractTemplate).order_by(ContractTemplate.name, ContractTemplate.version.desc())
    ).all()


def latest_templates() -> list[ContractTemplate]:
    """The newest version of each template name (what a new contract can choose)."""
    latest: dict[str, ContractTemplate] = {}
    for row in list_templates():
        latest.setdefault(row.name, row)
    return list(latest.values())


# --- contracts ----------------------------------------------------------------------------------------------

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


def _clean_terms(data: dict, partial: bool) -> tuple[dict, list | None, list | None]:
    """Validated term fields, rate lines (or None: unchanged) and partner ids (or None)."""
    errors: dict[str, list[str]] = {}
    terms = {k: v for k, v in data.items() if k in TERM_FIELDS}
    for key in TEXT_FIELDS & terms.keys():
        terms[key] = (terms[key] or "").strip()
    if (not partial or "title" in terms) and not terms.get("title"):
        errors["title"] = [_l("Required.")]
    if not partial or "agency_id" in terms:
        if not terms.get("agency_id"):
            errors["agency_id"] = [_l("Required.")]
        elif db.session.scalar(select(Agency.id).where(Agency.id == terms["agency_id"])) is None:
            errors["agency_id"] = [_l("No such agency.")]
    for key, allowed in CHOICES.items():
        if key in terms and terms[key] not in allowed:
            errors[key] = [_l("One of: %(choices)s.", choices=", ".join(allowed))]
    for key in ("budget_cents", "review_interval_months", "notice_period_months"):
        if terms.get(key) is not None and terms[key] < 0:
            errors[key] = [_l("Must not be negative.")]
    if terms.get("budget_cents") is not None and terms["budget_cents"] > MAX_CENTS:
        errors["budget_cents"] = [_l("Too large.")]
    if (
        terms.get("template_id") is not None
        and db.session.scalar(select(ContractTemplate.id).where(ContractTemplate.id == terms["template_id"]))
        is None
    ):
        errors["template_id"] = [_l("No such template.")]
    rates = None
    if "rates" in data and data["rates"] is not None:
        rates = []
        codes = {sa.code: sa for sa in db.session.scalars(select(ServiceArea))}
        for i, raw in enumerate(data["rates"]):
            kind = raw.get("kind")
            code = (raw.get("service_area") or "").strip() or None
            amount = raw.get("amount_cents")
            if kind not in RATE_KINDS:
                errors[f"rates.{i}.kind"] = [_l("One of: %(choices)s.", choices=", ".join(RATE_KINDS))]
            if kind == "per_unit" and code is None:
                errors[f"rates.{i}.service_area"] = [_l("An hourly rate needs a service area.")]
            if code is not None and code not in codes:
                errors[f"rates.{i}.service_area"] = [_l("No service area with code %(code)s.", code=code)]
            if not isinstance(amount, int) or isinstance(amount, bool) or not 0 <= amount <= MAX_CENTS:
                errors[f"rates.{i}.amount_cents"] = [_l("A non-negative whole number of cents.")]
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
        if missing := [p for p in partner_ids if p not in known]:
            errors["partner_ids"] = [_l("No such partner: %(ids)s.", ids=", ".join(map(str, missing)))]
    if errors:
        raise ValidationFailed(_l("The contract has invalid fields."), errors)
    return terms, rates, partner_ids


def _check_range(contract: Contract) -> None:
    if contract.valid_from and contract.valid_to and contract.valid_to < contract.valid_from:
        raise ValidationFailed(
            _l("The contract ends before it starts."), {"valid_to": [_l("Before valid from.")]}
        )


def _set_rates(contract: Contract, rates: list[dict]) -> None:
    contract.rates.clear()
    db.session.flush()
    for position, rate in enumerate(rates):
        contract.rates.append(RateLine(position=position, **rate))


def _set_partners(contract: Contract, partner_ids: list[int]) -> None:
    contract.partners.clear()
    db.session.flush()
    for partner_id in partner_ids:
        contract.partners.append(ContractPartner(partner_id=partner_id))


def _rates_plain(contract: Contract) -> list[str]:
    return [f"{r.kind} {r.service_area or '-'} {r.amount_cents}" for r in contract.rates]


def create_contract(data: dict, actor: Actor, tenant_id: int) -> Contract:
    terms, rates, partner_ids = _clean_terms(data, partial=False)
    if terms.get("template_id") is None:
        terms["template_id"] = ensure_default_template(tenant_id).id
    contract = Contract(**terms, status="draft", drafted_by_id=actor.user_id)
    _check_range(contract)
    db.session.add(contract)
    db.session.flush()
    _set_rates(contract, rates or [])
    _set_partners(contract, partner_ids or [])
    db.session.flush()
    audit.record(
        actor,
        "contract.create",
        contract,
        diff={
            "title": [None, contract.title],
            "agency_id": [None, contract.agency_id],
            "rates": [None, _rates_plain(contract)],
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
    terms, rates, partner_ids = _clean_terms(data, partial=True)
    diff = audit.changes(contract, terms)
    _check_range(contract)
    if rates is not None:
        before = _rates_plain(contract)
        _set_rates(contract, rates)
        db.session.flush()
        if (after := _rates_plain(contract)) != before:
            diff["rates"] = [before, after]
    if partner_ids is not None:
        before_p = sorted(cp.partner_id for cp in contract.partners)
        _set_partners(contract, partner_ids)
        if sorted(partner_ids) != before_p:
            diff["partner_ids"] = [before_p, sorted(partner_ids)]
    if diff:
        audit.record(actor, "contract.update", contract, diff=diff)
    return contract


def get_contract(contract_id: int) -> Contract:
    contract = db.session.scalar(select(Contract).where(Contract.id == contract_id))
    if contract is None:
        raise NotFound(_l("No contract with id %(id)s.", id=contract_id))
    return contract


def list_contracts(status: str | None = None, agency_id: int | None = None):
    query = select(Contract).order_by(Contract.valid_from.desc(), Contract.id.desc())
    if status:
        query = query.where(Contract.status == status)
    if agency_id:
        query = query.where(Contract.agency_id == agency_id)
    return db.session.scalars(query).unique().all()


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
            _l("Unknown state."), {"to": [_l("One of: %(choices)s.", choices=", ".join(STATUSES))]}
        )
    on = on or clock.today()
    allowed = allowed_next(contract.status)
    if to not in allowed:
        raise Conflict(
            _l(
                "A contract in state %(status)s cannot go to %(to)s; possible: %(allowed)s.",
                status=contract.status,
                to=to,
                allowed=", ".join(allowed) or "–",
            ),
            {"to": [_l("Not allowed from %(status)s.", status=contract.status)]},
        )
    last = contract.steps[-1] if contract.steps else None
    if last is not None and on < last.effective_on:
        raise ValidationFailed(
            _l("A step cannot be dated before the previous one."),
            {"on": [_l("Not before %(date)s.", date=last.effective_on.isoformat())]},
        )
    if to == "approved" and actor.user_id in term_authors(contract):
        raise Conflict(
            _l("Four-eyes principle: the person who drafted the contract cannot approve it."),
            {"to": [_l("Needs approval by another person.")]},
        )
    if to == "sent":
        if gaps := completeness_gaps(contract):
            errors: dict[str, list[str]] = {}
            for gap in gaps:
                errors.setdefault(gap.field, []).append(gap.message)
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
                {"end_reason": [_l("One of: %(choices)s.", choices=", ".join(END_REASONS))]},
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
    _set_rates(
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
    _set_partners(amendment, [cp.partner_id for cp in contract.partners])
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
    if _rates_plain(old) != _rates_plain(new):
        rows.append(("rates", "; ".join(_rates_plain(old)), "; ".join(_rates_plain(new))))
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


# --- documents ----------------------------------------------------------------------------------------------

MAX_SIGNED_PDF_BYTES = 20 * 1024 * 1024


def render_document(contract: Contract, tenant, actor: Actor) -> ContractDocument:
    """Render the contract from the exact template version it keeps; store the .docx; the PDF follows by a
    task, sent once this transaction has committed (the worker reads the document row in its own session)."""
    template = contract.template or get_template(ensure_default_template(tenant.id).id)
    if contract.template_id is None:
        contract.template_id = template.id
    data = storage.read(template.storage_path, tenant.id)
    try:
        docx_bytes = rendering.render_docx(data, rendering.contract_context(contract, tenant, clock.today()))
    except rendering.TemplateProblem as exc:
        raise Conflict(_l("The template cannot render this contract."), {"template_id": exc.errors}) from exc
    stored = storage.store(tenant.id, "contracts", docx_bytes, "docx")
    doc = ContractDocument(
        contract_id=contract.id,
        kind="rendered",
        template_id=template.id,
        docx_path=stored.path,
        sha256=stored.sha256,
        pdf_status="pending",
        created_by_id=actor.user_id,
    )
    db.session.add(doc)
    db.session.flush()
    audit.record(
        actor,
        "contract.render",
        contract,
        diff={
            "document_id": [None, doc.id],
            "sha256": [None, stored.sha256],
            "template": [None, template.label],
        },
    )
    from contracts.tasks import convert_document_pdf  # tasks call services: import at use

    document_id = doc.id
    transactions.after_commit(lambda: convert_document_pdf.delay(document_id))
    return doc


def convert_pdf(document_id: int, tenant_id: int) -> ContractDocument | None:
    """Convert a rendered document to PDF once; a failure is recorded on the row, never lost."""
    doc = db.session.scalar(select(ContractDocument).where(ContractDocument.id == document_id))
    if doc is None or doc.kind != "rendered" or doc.pdf_status == "done":
        return doc
    try:
        pdf_bytes = conversion.docx_to_pdf(
            storage.read(doc.docx_path, tenant_id), binary=current_app.config["SOFFICE_BINARY"]
        )
    except conversion.ConversionFailed as exc:
        doc.pdf_status = "failed"
        doc.pdf_error = str(exc)[:2000]
        return doc
    stored = storage.store(tenant_id, "contracts", pdf_bytes, "pdf")
    doc.pdf_path, doc.pdf_sha256, doc.pdf_status, doc.pdf_error = stored.path, stored.sha256, "done", ""
    return doc


def upload_signed_copy(
    contract: Contract,
    tenant_id: int,
    data: bytes,
    provider_on: date | None,
    agency_on: date | None,
    actor: Actor,
) -> ContractDocument:
    """The countersigned PDF with both signature dates; kept next to the renderings."""
    errors: dict[str, list[str]] = {}
    if contract.status not in ("sent", "signed", "active", "ended"):
        raise Conflict(_l("A signed copy can be added once the contract has been sent."))
    if not data.startswith(b"%PDF-"):
        errors["file"] = [_l("Not a PDF file.")]
    elif len(data) > MAX_SIGNED_PDF_BYTES:
        errors["file"] = [_l("The file is larger than 20 MB.")]
    if provider_on is None:
        errors["signed_by_provider_on"] = [_l("Required.")]
    if agency_on is None:
        errors["signed_by_agency_on"] = [_l("Required.")]
    today = clock.today()
    for key, value in (("signed_by_provider_on", provider_on), ("signed_by_agency_on", agency_on)):
        if value is not None and value > today:
            errors[key] = [_l("Cannot be in the future.")]
    if errors:
        raise ValidationFailed(_l("The signed copy cannot be stored."), errors)
    stored = storage.store(tenant_id, "contracts", data, "pdf")
    doc = ContractDocument(
        contract_id=contract.id,
        kind="signed",
        sha256=stored.sha256,
        pdf_path=stored.path,
        pdf_sha256=stored.sha256,
        pdf_status="done",
        signed_by_provider_on=provider_on,
        signed_by_agency_on=agency_on,
        created_by_id=actor.user_id,
    )
    db.session.add(doc)
    db.session.flush()
    audit.record(
        actor,
        "contract.signed_copy",
        contract,
        diff={"document_id": [None, doc.id], "sha256": [None, stored.sha256]},
    )
    return doc


def get_document(contract: Contract, document_id: int) -> ContractDocument:
    doc = db.session.scalar(
        select(ContractDocument).where(
            ContractDocument.id == document_id, ContractDocument.contract_id == contract.id
        )
    )
    if doc is None:
        raise NotFound(_l("No document with id %(id)s.", id=document_id))
    return doc


def document_file(doc: ContractDocument, fmt: str, tenant_id: int, actor: Actor) -> tuple[Path, str]:
    """(path, download name) of a document's file; each download is audited."""
    relative = doc.docx_path if fmt == "docx" else doc.pdf_path
    if not relative:
        raise NotFound(_l("This file does not exist (yet)."))
    audit.record(
        actor,
        "contract.download",
        object_type="contract_documents",
        object_id=doc.id,
        diff={"format": [None, fmt]},
    )
    name = f"vertrag-{doc.contract_id}-{doc.id}{'-unterschrieben' if doc.kind == 'signed' else ''}.{fmt}"
    return storage.path_of(relative, tenant_id), name


# --- reminders ----------------------------------------------------------------------------------------------

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


# --- funding approvals (enrolments) -------------------------------------------------------------------------

ENROLLABLE = ("signed", "active")


def enrol_case(case_id: int, data: dict, actor: Actor) -> Enrolment:
    """Enrol a case under a contract for [from_on, to_on], inside the contract's validity, without overlapping
    another enrolment of the same case under the same contract. The caller has loaded the case (ORM wall)."""
    errors: dict[str, list] = {}
    contract = None
    if not data.get("contract_id"):
        errors["contract_id"] = [_l("Required.")]
    else:
        contract = db.session.scalar(select(Contract).where(Contract.id == data["contract_id"]))
        if contract is None:
            errors["contract_id"] = [_l("No such contract.")]
    from_on, to_on = data.get("from_on"), data.get("to_on")
    if from_on is None:
        errors["from_on"] = [_l("Required.")]
    if to_on is None:
        errors["to_on"] = [_l("Required.")]
    if from_on and to_on and to_on < from_on:
        errors["to_on"] = [_l("Before the start.")]
    hours = []
    if data.get("approved_hours"):
        codes = {sa.code: sa for sa in db.session.scalars(select(ServiceArea))}
        for code, value in data["approved_hours"].items():
            if code not in codes:
                errors.setdefault("approved_hours", []).append(
                    _l("No service area with code %(code)s.", code=code)
                )
            elif not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                errors.setdefault("approved_hours", []).append(_l("Hours must be a positive number."))
            else:
                hours.append(ApprovedHours(service_area_id=codes[code].id, minutes=round(value * 60)))
    if from_on is not None and not errors.get("from_on"):
        from cases.models import Case

        case = db.session.get(Case, case_id)
        if case is not None and from_on < case.opened_on:
            # a funding approval covers the case's help; before the case was opened there was none to fund
            errors["from_on"] = [_l("Before the case was opened (%(date)s).", date=case.opened_on.strftime("%d.%m.%Y"))]
    if errors:
        raise ValidationFailed(_l("The enrolment has invalid fields."), errors)
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
