"""API: /api/v1/agencies and /api/v1/contracts (with transitions, documents and amendments)."""

from flask import g, send_file
from sqlalchemy import select

from contracts import services
from contracts.models import Agency, Contract
from contracts.schemas import (
    AgencyPatchSchema,
    AgencySchema,
    ContractDetailSchema,
    ContractListArgs,
    ContractPatchSchema,
    ContractSchema,
    DocumentSchema,
    TransitionSchema,
)
from core.api import ListArgs, api_blueprint, list_schema, loads, page_of, require
from core.extensions import db
from tenants.web import current_actor

agencies_api = api_blueprint("api_agencies", __name__, "/agencies", description="Funding agencies")
AgencyList = list_schema(AgencySchema, "AgencyList")


@agencies_api.route("", methods=["GET"])
@require("agencies.read")
@agencies_api.arguments(ListArgs, location="query")
@agencies_api.response(200, AgencyList)
def list_agencies(args):
    return page_of(select(Agency), Agency, args)


@agencies_api.route("", methods=["POST"])
@require("agencies.write")
@agencies_api.arguments(AgencySchema)
@agencies_api.response(201, AgencySchema)
def create_agency(data):
    agency = services.create_agency(data, current_actor())
    db.session.commit()
    return agency


@agencies_api.route("/<int:agency_id>", methods=["GET"])
@require("agencies.read")
@agencies_api.response(200, AgencySchema)
def get_agency(agency_id):
    return services.get_agency(agency_id)


@agencies_api.route("/<int:agency_id>", methods=["PATCH"])
@require("agencies.write")
@loads(Agency, "agency_id")
@agencies_api.arguments(AgencyPatchSchema)
@agencies_api.response(200, AgencySchema)
def patch_agency(data, agency):
    services.update_agency(agency, data, current_actor())
    db.session.commit()
    return agency


@agencies_api.route("/<int:agency_id>", methods=["DELETE"])
@require("agencies.write")
@agencies_api.response(204)
def delete_agency(agency_id):
    services.delete_agency(services.get_agency(agency_id), current_actor())
    db.session.commit()


contracts_api = api_blueprint(
    "api_contracts", __name__, "/contracts", description="Agreements with funding agencies"
)
ContractList = list_schema(ContractSchema, "ContractList")
MIMETYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


@contracts_api.route("", methods=["GET"])
@require("contracts.read")
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
@require("contracts.write")
@contracts_api.arguments(ContractSchema)
@contracts_api.response(201, ContractDetailSchema)
def create_contract(data):
    contract = services.create_contract(data, current_actor(), g.tenant.id)
    db.session.commit()
    return contract


@contracts_api.route("/<int:contract_id>", methods=["GET"])
@require("contracts.read")
@contracts_api.response(200, ContractDetailSchema)
def get_contract(contract_id):
    return services.get_contract(contract_id)


@contracts_api.route("/<int:contract_id>", methods=["PATCH"])
@require("contracts.write")
@loads(Contract, "contract_id")
@contracts_api.arguments(ContractPatchSchema)
@contracts_api.response(200, ContractDetailSchema)
def patch_contract(data, contract):
    services.update_contract(contract, data, current_actor())
    db.session.commit()
    return contract


@contracts_api.route("/<int:contract_id>/transitions", methods=["POST"])
@require("contracts.write")
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
    db.session.commit()
    return contract


@contracts_api.route("/<int:contract_id>/amendments", methods=["POST"])
@require("contracts.write")
@contracts_api.response(201, ContractDetailSchema)
def amend_contract(contract_id):
    """A new draft version of an active contract; the active one stays in force until then."""
    amendment = services.create_amendment(services.get_contract(contract_id), current_actor())
    db.session.commit()
    return amendment


@contracts_api.route("/<int:contract_id>/documents", methods=["POST"])
@require("contracts.write")
@contracts_api.response(201, DocumentSchema)
def render_document(contract_id):
    """Render the contract to .docx now; the PDF follows from a Celery task (`pdf_url` null until then)."""
    contract = services.get_contract(contract_id)
    doc = services.render_document(contract, g.tenant, current_actor())
    db.session.commit()
    services.request_pdf(doc)
    db.session.refresh(doc)
    return doc


def _download(contract_id: int, document_id: int, fmt: str):
    doc = services.get_document(services.get_contract(contract_id), document_id)
    path, name = services.document_file(doc, fmt, g.tenant.id, current_actor())
    db.session.commit()
    return send_file(path, mimetype=MIMETYPES[fmt], as_attachment=True, download_name=name)


@contracts_api.route("/<int:contract_id>/documents/<int:document_id>/docx", methods=["GET"])
@require("contracts.read")
def download_document_docx(contract_id, document_id):
    return _download(contract_id, document_id, "docx")


@contracts_api.route("/<int:contract_id>/documents/<int:document_id>/pdf", methods=["GET"])
@require("contracts.read")
def download_document_pdf(contract_id, document_id):
    return _download(contract_id, document_id, "pdf")


blueprints = (agencies_api, contracts_api)
