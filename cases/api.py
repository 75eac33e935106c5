"""API of cases/: /api/v1/clients (and consents), /cases (needs, goals, services, …)."""

from flask import jsonify

from cases import services
from cases.models import Case, Client, ServiceEntry
from cases.schemas import (
    CaseListArgs,
    CasePatchSchema,
    CaseSchema,
    ClientListArgs,
    ClientPatchSchema,
    ClientSchema,
    ConsentList,
    ConsentSchema,
    GoalList,
    GoalPatchSchema,
    GoalSchema,
    NeedList,
    NeedSchema,
    OnSchema,
    PlanVersionList,
    PlanVersionSchema,
    ReferralList,
    ReferralSchema,
    ReferralTransition,
    ServiceEntryPatchSchema,
    ServiceEntrySchema,
    case_list_item,
    service_entry_item,
)
from core.api import ListArgs, api_blueprint, dumped_page_of, list_schema, page_of
from tenants.access import reads, requires
from tenants.web import current_actor

clients_api = api_blueprint("api_clients", __name__, "/clients", description="Clients (single parents) and consents")
cases_api = api_blueprint(
    "api_cases",
    __name__,
    "/cases",
    description="Cases with needs, support plan, referrals and service log. Case managers see "
    "their own cases; another's case is 404.",
)

ClientList = list_schema(ClientSchema, "ClientList")
CaseList = list_schema(CaseSchema, "CaseList")
ServiceEntryList = list_schema(ServiceEntrySchema, "ServiceEntryList")


# --- clients ---


def _client_out(client: Client) -> Client:
    client.hide_note = not services.may_see_client_note(client, current_actor())
    return client


@clients_api.route("", methods=["GET"])
@requires("cases.read")
@reads("clients")
@clients_api.arguments(ClientListArgs, location="query")
@clients_api.response(200, ClientList)
def list_clients(args):
    page = page_of(services.client_query(current_actor(), args["q"]), Client, args)
    for client in page["items"]:
        client.hide_note = True  # lists never carry confidential notes
    return page


@clients_api.route("", methods=["POST"])
@requires("cases.write")
@clients_api.arguments(ClientSchema)
@clients_api.response(201, ClientSchema)
def create_client(data):
    client = services.create_client(data, current_actor())
    return client


@clients_api.route("/<int:client_id>", methods=["GET"])
@requires("cases.read")
@reads("clients", "client_id")
@clients_api.response(200, ClientSchema)
def get_client(client_id):
    return _client_out(services.get_client(client_id, current_actor()))


@clients_api.route("/<int:client_id>", methods=["PATCH"])
@requires("cases.write")
@clients_api.arguments(ClientPatchSchema)
@clients_api.response(200, ClientSchema)
def patch_client(data, client_id):
    client = services.update_client(services.get_client(client_id, current_actor()), data, current_actor())
    return _client_out(client)


@clients_api.route("/<int:client_id>/consents", methods=["GET"])
@requires("cases.read")
@reads("clients", "client_id")
@clients_api.response(200, ConsentList)
def list_consents(client_id):
    return {"items": services.consents_of(services.get_client(client_id, current_actor()))}


@clients_api.route("/<int:client_id>/consents", methods=["POST"])
@requires("cases.write")
@clients_api.arguments(ConsentSchema)
@clients_api.response(201, ConsentSchema)
def create_consent(data, client_id):
    """Record a consent: given when `given_on` is set, else requested. A given consent is never edited."""
    consent = services.create_consent(services.get_client(client_id, current_actor()), data, current_actor())
    return consent


@clients_api.route("/<int:client_id>/consents/<int:consent_id>/give", methods=["POST"])
@requires("cases.write")
@clients_api.arguments(OnSchema)
@clients_api.response(200, ConsentSchema)
def give_consent(data, client_id, consent_id):
    """requested → given."""
    consent = services.get_consent(services.get_client(client_id, current_actor()), consent_id)
    services.give_consent(consent, data.get("on"), current_actor())
    return consent


@clients_api.route("/<int:client_id>/consents/<int:consent_id>/withdraw", methods=["POST"])
@requires("cases.write")
@clients_api.arguments(OnSchema)
@clients_api.response(200, ConsentSchema)
def withdraw_consent(data, client_id, consent_id):
    """requested/given → withdrawn; withdrawing an expired or withdrawn consent → 409."""
    consent = services.get_consent(services.get_client(client_id, current_actor()), consent_id)
    services.withdraw_consent(consent, data.get("on"), current_actor())
    return consent


# --- cases ---


def _case_out(case: Case) -> Case:
    case.hide_note = not services.may_see_case_note(case, current_actor())
    return case


def _case(case_id: int) -> Case:
    return services.get_case(case_id, current_actor())


def _read(case_id: int, part: str) -> Case:
    """A read of part of the case file: audited like the file itself (the caller commits)."""
    return services.read_case_file(case_id, current_actor(), part)


@cases_api.route("", methods=["GET"])
@requires("cases.read")
@reads("cases")
@cases_api.arguments(CaseListArgs, location="query")
@cases_api.response(200, CaseList)
def list_cases(args):
    query = services.search_cases(
        current_actor(),
        status=args["status"],
        case_manager_id=args["case_manager_id"],
        service_area=args["service_area"],
        q=args["q"],
    )
    # lists never carry confidential notes; rows straight to JSON (cases.schemas.case_list_item)
    return jsonify(dumped_page_of(services.case_list_columns(query), Case, args, case_list_item))


@cases_api.route("", methods=["POST"])
@requires("cases.write")
@cases_api.arguments(CaseSchema)
@cases_api.response(201, CaseSchema)
def create_case(data):
    case = services.create_case(data, current_actor())
    return case


@cases_api.route("/<int:case_id>", methods=["GET"])
@requires("cases.read")
@reads("cases", "case_id")
@cases_api.response(200, CaseSchema)
def get_case(case_id):
    """The case; every read is written to the audit log."""
    case = services.read_case_file(case_id, current_actor())
    return _case_out(case)


@cases_api.route("/<int:case_id>", methods=["PATCH"])
@requires("cases.write")
@cases_api.arguments(CasePatchSchema)
@cases_api.response(200, CaseSchema)
def patch_case(data, case_id):
    case = services.update_case(_case(case_id), data, current_actor())
    return _case_out(case)


@cases_api.route("/<int:case_id>/needs", methods=["GET"])
@requires("cases.read")
@reads("cases", "case_id")
@cases_api.response(200, NeedList)
def list_needs(case_id):
    items = services.needs_of(_read(case_id, "needs"))
    return {"items": items}


@cases_api.route("/<int:case_id>/needs", methods=["POST"])
@requires("cases.write")
@cases_api.arguments(NeedSchema)
@cases_api.response(201, NeedSchema)
def create_need(data, case_id):
    need = services.add_need(_case(case_id), data, current_actor())
    return need


@cases_api.route("/<int:case_id>/goals", methods=["GET"])
@requires("cases.read")
@reads("cases", "case_id")
@cases_api.response(200, GoalList)
def list_goals(case_id):
    items = services.goals_of(_read(case_id, "goals"))
    return {"items": items}


@cases_api.route("/<int:case_id>/goals", methods=["POST"])
@requires("cases.write")
@cases_api.arguments(GoalSchema)
@cases_api.response(201, GoalSchema)
def create_goal(data, case_id):
    goal = services.add_goal(_case(case_id), data, current_actor())
    return goal


@cases_api.route("/<int:case_id>/goals/<int:goal_id>", methods=["PATCH"])
@requires("cases.write")
@cases_api.arguments(GoalPatchSchema)
@cases_api.response(200, GoalSchema)
def patch_goal(data, case_id, goal_id):
    case = _case(case_id)
    goal = services.update_goal(case, services.get_goal(case, goal_id), data, current_actor())
    return goal


@cases_api.route("/<int:case_id>/plan-versions", methods=["GET"])
@requires("cases.read")
@reads("cases", "case_id")
@cases_api.response(200, PlanVersionList)
def list_plan_versions(case_id):
    """The approved versions of the support plan, newest first."""
    items = services.plan_versions(_read(case_id, "plan_versions"))
    return {"items": items}


@cases_api.route("/<int:case_id>/plan-versions", methods=["POST"])
@requires("cases.write")
@cases_api.arguments(PlanVersionSchema)
@cases_api.response(201, PlanVersionSchema)
def approve_plan(data, case_id):
    """Approve the support plan: freezes the current goals as the next version (no goals → 409)."""
    version = services.approve_plan(_case(case_id), current_actor(), data.get("approved_on"))
    return version


@cases_api.route("/<int:case_id>/referrals", methods=["GET"])
@requires("cases.read")
@reads("cases", "case_id")
@cases_api.response(200, ReferralList)
def list_referrals(case_id):
    items = services.referrals_of(_read(case_id, "referrals"))
    return {"items": items}


@cases_api.route("/<int:case_id>/referrals", methods=["POST"])
@requires("cases.write")
@cases_api.arguments(ReferralSchema)
@cases_api.response(201, ReferralSchema)
def create_referral(data, case_id):
    """Refer to a partner organisation; needs the client's given consent for that partner (else 409)."""
    referral = services.refer(_case(case_id), data, current_actor())
    return referral


@cases_api.route("/<int:case_id>/referrals/<int:referral_id>/transitions", methods=["POST"])
@requires("cases.write")
@cases_api.arguments(ReferralTransition)
@cases_api.response(200, ReferralSchema)
def move_referral(data, case_id, referral_id):
    """pending → accepted | rejected; accepted → done. Other steps → 409."""
    case = _case(case_id)
    referral = services.move_referral(
        case, services.get_referral(case, referral_id), data["to"], current_actor(), data.get("on")
    )
    return referral


@cases_api.route("/<int:case_id>/services", methods=["GET"])
@requires("cases.read")
@reads("cases", "case_id")
@cases_api.arguments(ListArgs, location="query")
@cases_api.response(200, ServiceEntryList)
def list_services(args, case_id):
    entries = services.entry_list_columns(_read(case_id, "services"))
    return jsonify(dumped_page_of(entries, ServiceEntry, args, service_entry_item))


def _entry_out(entry: ServiceEntry, warning: bool) -> ServiceEntry:
    entry.funding_warning = warning
    return entry


@cases_api.route("/<int:case_id>/services", methods=["POST"])
@requires("cases.write")
@cases_api.arguments(ServiceEntrySchema)
@cases_api.response(201, ServiceEntrySchema)
def create_service(data, case_id):
    """Log a service; `funding_warning` is true when no funding approval covers it (the entry is kept)."""
    entry, warning = services.add_service_entry(_case(case_id), data, current_actor())
    return _entry_out(entry, warning)


@cases_api.route("/<int:case_id>/services/<int:entry_id>", methods=["PATCH"])
@requires("cases.write")
@cases_api.arguments(ServiceEntryPatchSchema)
@cases_api.response(200, ServiceEntrySchema)
def patch_service(data, case_id, entry_id):
    """Only while unbilled; a billed entry → 409."""
    case = _case(case_id)
    entry, warning = services.update_service_entry(
        case, services.get_service_entry(case, entry_id), data, current_actor()
    )
    return _entry_out(entry, warning)


@cases_api.route("/<int:case_id>/services/<int:entry_id>", methods=["DELETE"])
@requires("cases.write")
@cases_api.response(204)
def delete_service(case_id, entry_id):
    """Only while unbilled; a billed entry → 409."""
    case = _case(case_id)
    services.delete_service_entry(case, services.get_service_entry(case, entry_id), current_actor())


blueprints = (clients_api, cases_api)
