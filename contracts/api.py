"""API: /api/v1/contracts (with transitions, documents and amendments) and the funding
approvals /api/v1/cases/{id}/enrolments."""

from functools import wraps

from flask import g, send_file
from sqlalchemy import select

from contracts import services
from contracts.models import Contract
from contracts.schemas import (
    ContractDetailSchema,
    ContractListArgs,
    ContractPatchSchema,
    ContractSchema,
    DocumentSchema,
    EnrolmentEndSchema,
    EnrolmentPatchSchema,
    EnrolmentSchema,
    TransitionSchema,
    UndoStepSchema,
)
from core.api import api_blueprint, list_schema, loads, page_of
from tenants.access import reads, requires
from tenants.web import current_actor

contracts_api = api_blueprint(
    "api_contracts", __name__, "/contracts", description="Agreements with funding agencies"
)
ContractList = list_schema(ContractSchema, "ContractList")
MIMETYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


@contracts_api.route("", methods=["GET"])
@requires("contracts.read")
@contracts_api.arguments(ContractListArgs, location="query")
@contracts_api.response(200, ContractList)
def list_contracts(args):
    query = select(Contract)
    if args.get("status"):
        query = query.where(Contract.status == args["status"])
    if args.get("agency_id"):
        query = query.where(Contract.agency_id == args["agency_id"])
    return page_of(query, Contract, args)


@contracts_api.route("", methods=["POST"])
@requires("contracts.write")
@contracts_api.arguments(ContractSchema)
@contracts_api.response(201, ContractDetailSchema)
def create_contract(data):
    contract = services.create_contract(data, current_actor(), g.tenant.id)
    return contract


@contracts_api.route("/<int:contract_id>", methods=["GET"])
@requires("contracts.read")
@contracts_api.response(200, ContractDetailSchema)
def get_contract(contract_id):
    return services.get_contract(contract_id)


@contracts_api.route("/<int:contract_id>", methods=["DELETE"])
@requires("contracts.write")
@loads(Contract, "contract_id")
@contracts_api.response(204)
def delete_contract(contract):
    """Delete a draft; any other state is a 409 (a contract that went out is ended instead)."""
    services.delete_draft(contract, current_actor())


@contracts_api.route("/<int:contract_id>", methods=["PATCH"])
@requires("contracts.write")
@loads(Contract, "contract_id")
@contracts_api.arguments(ContractPatchSchema)
@contracts_api.response(200, ContractDetailSchema)
def patch_contract(data, contract):
    services.update_contract(contract, data, current_actor())
    return contract


@contracts_api.route("/<int:contract_id>/transitions", methods=["POST"])
@requires("contracts.write")
@loads(Contract, "contract_id")
@contracts_api.arguments(TransitionSchema)
@contracts_api.response(200, ContractDetailSchema)
def transition_contract(data, contract):
    """One lifecycle step; 409 for an illegal step, self-approval or an incomplete agreement."""
    services.transition(
        contract,
        data["to"],
        current_actor(),
        on=data.get("on"),
        end_reason=data.get("end_reason"),
        note=data.get("note") or "",
    )
    return contract


@contracts_api.route("/<int:contract_id>/transitions/undo", methods=["POST"])
@requires("contracts.write")
@loads(Contract, "contract_id")
@contracts_api.arguments(UndoStepSchema)
@contracts_api.response(200, ContractDetailSchema)
def undo_contract_step(data, contract):
    """Undo the last step taken by mistake: "sent" (back to approved) or "signed" (back to sent), as long as no
    signed copy is stored and no case is enrolled; audited. Anything else is a 409."""
    services.undo_step(contract, current_actor(), reason=data.get("reason") or "")
    return contract


@contracts_api.route("/<int:contract_id>/amendments", methods=["POST"])
@requires("contracts.write")
@contracts_api.response(201, ContractDetailSchema)
def amend_contract(contract_id):
    """A new draft version of an active contract; the active one stays in force until then."""
    amendment = services.create_amendment(services.get_contract(contract_id), current_actor())
    return amendment


@contracts_api.route("/<int:contract_id>/documents", methods=["POST"])
@requires("contracts.write")
@contracts_api.response(201, DocumentSchema)
def render_document(contract_id):
    """Render the contract to .docx now; the PDF follows from a Celery task (`pdf_url` null until then)."""
    contract = services.get_contract(contract_id)
    return services.render_document(contract, g.tenant, current_actor())


def _download(contract_id: int, document_id: int, fmt: str):
    doc = services.get_document(services.get_contract(contract_id), document_id)
    path, name = services.document_file(doc, fmt, g.tenant.id, current_actor())
    return send_file(path, mimetype=MIMETYPES[fmt], as_attachment=True, download_name=name)


@contracts_api.route("/<int:contract_id>/documents/<int:document_id>/docx", methods=["GET"])
@requires("contracts.read")
def download_document_docx(contract_id, document_id):
    return _download(contract_id, document_id, "docx")


@contracts_api.route("/<int:contract_id>/documents/<int:document_id>/pdf", methods=["GET"])
@requires("contracts.read")
def download_document_pdf(contract_id, document_id):
    return _download(contract_id, document_id, "pdf")


enrolments_api = api_blueprint("api_enrolments", __name__, "/cases", description="Funding approvals of cases")
EnrolmentList = list_schema(EnrolmentSchema, "EnrolmentList")


def _enrolment_json(enrolment) -> dict:
    return {
        "id": enrolment.id, "case_id": enrolment.case_id, "contract_id": enrolment.contract_id,
        "from_on": enrolment.from_on, "to_on": enrolment.to_on, "note": enrolment.note,
        "approved_hours": {h.area.code: h.minutes / 60 for h in enrolment.approved_hours},
        "ended_on": enrolment.ended_on, "end_reason": enrolment.end_reason,
        "created_at": enrolment.created_at,
    }


def _case_first(view):
    """Load the case (through case management's rules: a colleague's case is as absent as another tenant's)
    before the body is validated, so that a foreign id is a 404 whatever the body holds."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        from cases.services import get_case

        kwargs["case"] = get_case(kwargs.pop("case_id"), current_actor())
        return view(*args, **kwargs)

    return wrapper


@enrolments_api.route("/<int:case_id>/enrolments", methods=["GET"])
@requires("cases.read")
@reads("cases", "case_id")
@_case_first
@enrolments_api.response(200, EnrolmentList)
def list_enrolments(case):
    return {"items": [_enrolment_json(e) for e in services.enrolments_of_case(case.id)], "next": None}


@enrolments_api.route("/<int:case_id>/enrolments", methods=["POST"])
@requires("cases.write")
@_case_first
@enrolments_api.arguments(EnrolmentSchema)
@enrolments_api.response(201, EnrolmentSchema)
def create_enrolment(data, case):
    """Enrol the case under a signed or active contract, inside its validity, without overlaps (else 409)."""
    enrolment = services.enrol_case(case.id, data, current_actor())
    return _enrolment_json(enrolment)


@enrolments_api.route("/<int:case_id>/enrolments/<int:enrolment_id>", methods=["PATCH"])
@requires("cases.write")
@_case_first
@enrolments_api.arguments(EnrolmentPatchSchema)
@enrolments_api.response(200, EnrolmentSchema)
def patch_enrolment(data, case, enrolment_id):
    """Change the period, note or approved hours (given hours replace all): the checks of a new approval (422,
    409), and days no longer covered must hold no billed service (409)."""
    enrolment = services.update_enrolment(services.get_enrolment(case.id, enrolment_id), data, current_actor())
    return _enrolment_json(enrolment)


@enrolments_api.route("/<int:case_id>/enrolments/<int:enrolment_id>/end", methods=["POST"])
@requires("cases.write")
@_case_first
@enrolments_api.arguments(EnrolmentEndSchema)
@enrolments_api.response(200, EnrolmentSchema)
def end_enrolment(data, case, enrolment_id):
    """End the approval early (never deleted): `ended_on` is the last day funded, from its start to the day
    before its planned end; from the next day its case's services are neither funded nor billed under it."""
    enrolment = services.end_enrolment(services.get_enrolment(case.id, enrolment_id), data, current_actor())
    return _enrolment_json(enrolment)


blueprints = (contracts_api, enrolments_api)
