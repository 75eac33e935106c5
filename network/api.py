"""API of network/: /api/v1/agencies (funding agencies) and /api/v1/service-areas (the catalogue)."""

from sqlalchemy import select

from core.api import ListArgs, api_blueprint, list_schema, loads, page_of
from network import services
from network.models import Agency, ServiceArea
from network.schemas import AgencyPatchSchema, AgencySchema, ServiceAreaSchema
from tenants.access import requires
from tenants.web import current_actor

agencies_api = api_blueprint("api_agencies", __name__, "/agencies", description="Funding agencies")
areas_api = api_blueprint("api_service_areas", __name__, "/service-areas", description="Catalogue of service areas")
AgencyList = list_schema(AgencySchema, "AgencyList")
ServiceAreaList = list_schema(ServiceAreaSchema, "ServiceAreaList")


@agencies_api.route("", methods=["GET"])
@requires("agencies.read")
@agencies_api.arguments(ListArgs, location="query")
@agencies_api.response(200, AgencyList)
def list_agencies(args):
    return page_of(select(Agency), Agency, args)


@agencies_api.route("", methods=["POST"])
@requires("agencies.write")
@agencies_api.arguments(AgencySchema)
@agencies_api.response(201, AgencySchema)
def create_agency(data):
    return services.create_agency(data, current_actor())


@agencies_api.route("/<int:agency_id>", methods=["GET"])
@requires("agencies.read")
@agencies_api.response(200, AgencySchema)
def get_agency(agency_id):
    return services.get_agency(agency_id)


@agencies_api.route("/<int:agency_id>", methods=["PATCH"])
@requires("agencies.write")
@loads(Agency, "agency_id")
@agencies_api.arguments(AgencyPatchSchema)
@agencies_api.response(200, AgencySchema)
def patch_agency(data, agency):
    services.update_agency(agency, data, current_actor())
    return agency


@agencies_api.route("/<int:agency_id>", methods=["DELETE"])
@requires("agencies.write")
@agencies_api.response(204)
def delete_agency(agency_id):
    services.delete_agency(services.get_agency(agency_id), current_actor())


@areas_api.route("", methods=["GET"])
@requires("service_areas.read")
@areas_api.arguments(ListArgs, location="query")
@areas_api.response(200, ServiceAreaList)
def list_service_areas(args):
    return page_of(select(ServiceArea), ServiceArea, args)


@areas_api.route("", methods=["POST"])
@requires("service_areas.write")
@areas_api.arguments(ServiceAreaSchema)
@areas_api.response(201, ServiceAreaSchema)
def create_service_area(data):
    return services.create_service_area(data, current_actor())


blueprints = (agencies_api, areas_api)
