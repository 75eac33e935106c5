"""API: /api/v1/agencies."""
from sqlalchemy import select

from contracts import services
from contracts.models import Agency
from contracts.schemas import AgencyPatchSchema, AgencySchema
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


blueprints = (agencies_api,)
