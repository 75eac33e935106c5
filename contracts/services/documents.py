"""Contract documents: rendered .docx and PDF, signed copies."""

from datetime import date
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from contracts import rendering
from contracts.models import (
    Contract,
    ContractDocument,
)
from contracts.services.templates import ensure_default_template, get_template
from core import audit, clock, conversion, storage, transactions
from core import validation as v
from core.audit import Actor
from core.extensions import db
from core.problems import Conflict, NotFound

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
    errors = v.Errors()
    if contract.status not in ("sent", "signed", "active", "ended"):
        raise Conflict(_l("A signed copy can be added once the contract has been sent."))
    if not data.startswith(b"%PDF-"):
        errors.add("file", _l("Not a PDF file."))
    elif len(data) > MAX_SIGNED_PDF_BYTES:
        errors.add("file", _l("The file is larger than 20 MB."))
    if provider_on is None:
        errors.add("signed_by_provider_on", _l("Required."))
    if agency_on is None:
        errors.add("signed_by_agency_on", _l("Required."))
    today = clock.today()
    for key, value in (("signed_by_provider_on", provider_on), ("signed_by_agency_on", agency_on)):
        if value is not None and value > today:
            errors.add(key, _l("Cannot be in the future."))
    # the provider signs what was approved, the agency what it was sent: not before those steps
    for key, value, step, message in (
            ("signed_by_provider_on", provider_on, "approved",
             lambda day: _l("The contract was approved on %(date)s; it cannot have been signed before.", date=day)),
            ("signed_by_agency_on", agency_on, "sent",
             lambda day: _l("The contract was sent on %(date)s; the agency cannot have signed it before.", date=day))):
        taken = [s.effective_on for s in contract.steps if s.to_status == step]
        if value is not None and key not in errors and taken and value < taken[-1]:
            errors.add(key, message(taken[-1].strftime("%d.%m.%Y")))
    errors.raise_if_any(_l("The signed copy cannot be stored."))
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
    return v.get_or_404(
        ContractDocument, document_id, ContractDocument.contract_id == contract.id,
        message=_l("No such document of this contract."),
    )


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
