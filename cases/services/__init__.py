"""Case-management verbs: clients, consents, cases and phases, needs, support plan, referrals, service log.

Plain functions with explicit arguments (the acting `Actor` included). They validate (422 with field errors),
refuse illegal state changes (409), write an audit event for every change and a timeline line for everything
that happens to a case. They flush and never commit: the request or task that calls them commits once.

One module per section; this package re-exports them so that callers write `services.create_case(...)`.
"""

from cases.services.case_file import (
    OPEN_PHASES,
    case_list_columns,
    case_list_rows,
    case_managers,
    case_query,
    check_transition,
    create_case,
    get_case,
    may_see_case_note,
    read_case_file,
    search_cases,
    update_case,
)
from cases.services.caseload import my_caseload
from cases.services.clients import (
    CLIENT_FIELDS,
    client_query,
    create_client,
    get_client,
    may_see_client_note,
    next_pseudonym,
    sees_all_cases,
    update_client,
    visible_clients,
)
from cases.services.consents import (
    consents_of,
    create_consent,
    get_consent,
    give_consent,
    may_share,
    withdraw_consent,
)
from cases.services.plan import (
    GOAL_TRANSITIONS,
    add_goal,
    add_need,
    approve_plan,
    get_goal,
    goals_of,
    needs_of,
    plan_versions,
    update_goal,
)
from cases.services.privacy import (
    anonymise_client,
    apply_retention,
    case_settings,
    export_client,
    restrict_client,
    set_retention_years,
)
from cases.services.referrals import REFERRAL_TRANSITIONS, get_referral, move_referral, refer, referrals_of
from cases.services.reports import report, report_rows
from cases.services.service_log import (
    MAX_MINUTES,
    add_service_entry,
    delete_service_entry,
    entries_of,
    entry_list_columns,
    entry_totals,
    funding_covered,
    get_service_entry,
    latest_entries,
    mark_billed,
    release_billed,
    unbilled_entries,
    update_service_entry,
)
from cases.services.timeline import timeline

__all__ = [
    "CLIENT_FIELDS", "GOAL_TRANSITIONS", "MAX_MINUTES", "OPEN_PHASES", "REFERRAL_TRANSITIONS",
    "add_goal", "add_need", "add_service_entry", "anonymise_client", "apply_retention", "approve_plan",
    "case_list_columns", "case_list_rows", "case_managers", "case_query", "case_settings", "check_transition",
    "client_query", "consents_of",
    "create_case", "create_client", "create_consent", "delete_service_entry", "entries_of", "entry_list_columns",
    "entry_totals",
    "export_client",
    "funding_covered", "get_case", "get_client", "get_consent", "get_goal", "get_referral", "get_service_entry",
    "give_consent", "goals_of", "latest_entries", "mark_billed", "may_see_case_note", "may_see_client_note",
    "may_share",
    "move_referral", "my_caseload", "needs_of", "next_pseudonym", "plan_versions", "read_case_file", "refer",
    "referrals_of", "release_billed", "report", "report_rows", "restrict_client", "search_cases",
    "sees_all_cases", "set_retention_years", "timeline", "unbilled_entries", "update_case", "update_client",
    "update_goal", "update_service_entry", "visible_clients", "withdraw_consent",
]
