"""What the audit log calls clients, cases and what belongs to them, and how their ids read (core.labels)."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cases import forms as F
from cases.models import Case, Client, Goal
from core import labels
from core.extensions import db


def _pseudonym(client_id) -> str | None:
    client = db.session.get(Client, client_id) if isinstance(client_id, int) else None
    return client.pseudonym if client else None


def _case_name(case_id) -> str | None:
    case = db.session.get(Case, case_id) if isinstance(case_id, int) else None
    return _("case of %(pseudonym)s", pseudonym=case.client.pseudonym) if case else None


def _goal_title(goal_id) -> str | None:
    goal = db.session.get(Goal, goal_id)
    return goal.title if goal else None


def register() -> None:
    labels.register_reference("client_id", _l("Client"), _pseudonym)
    labels.register_reference("case_id", _l("Case"), _case_name)
    case_fields = labels.form_labels(F.CaseForm, F.PhaseForm)
    labels.register_object("clients", labels.ObjectLabels(
        _l("Client"), fields={**labels.form_labels(F.ClientForm), "pseudonym": _l("Pseudonym"),
                              "children": _l("Children"), "restricted": _l("Restricted")},
        choices={"employment_status": F.EMPLOYMENT_LABELS, "education_level": F.ISCED_LABELS},
        name_of=_pseudonym))
    labels.register_object("consents", labels.ObjectLabels(
        _l("Consent"), fields={**labels.form_labels(F.ConsentForm), "requested_on": _l("Requested on"),
                               "withdrawn_on": _l("Withdrawn on")},
        choices={"status": F.CONSENT_STATUS_LABELS, "data_items": F.DATA_ITEM_LABELS}))
    labels.register_object("cases", labels.ObjectLabels(
        _l("Case"), fields={**case_fields, "status": _l("Phase"), "closed_on": _l("Closed on"),
                            "outcome": _l("Outcome"), "esf_exit_status": _l("ESF+ status at exit")},
        choices={"status": F.PHASE_LABELS, "outcome": F.OUTCOME_LABELS, "esf_exit_status": F.ESF_EXIT_LABELS},
        name_of=_case_name))
    labels.register_object("needs", labels.ObjectLabels(
        _l("Need"), fields=labels.form_labels(F.NeedForm), choices={"priority": F.PRIORITY_LABELS}))
    labels.register_object("goals", labels.ObjectLabels(
        _l("Goal"), fields=labels.form_labels(F.GoalForm),
        choices={"status": F.GOAL_STATUS_LABELS, "responsible": F.RESPONSIBLE_LABELS}, name_of=_goal_title))
    labels.register_object("client_children", labels.ObjectLabels(
        _l("Child"), fields={"birth_year": _l("Year of birth")}))
    labels.register_object("case_reports", labels.ObjectLabels(_l("Case report")))
    labels.register_object("support_plan_versions", labels.ObjectLabels(_l("Support plan")))
    labels.register_object("referrals", labels.ObjectLabels(
        _l("Referral"), fields={**labels.form_labels(F.ReferralForm), "referred_on": _l("Referred on")},
        choices={"status": F.REFERRAL_STATUS_LABELS}))
    labels.register_object("service_entries", labels.ObjectLabels(
        _l("Service entry"), fields=labels.form_labels(F.ServiceEntryForm)))
    labels.register_object("case_settings", labels.ObjectLabels(
        _l("Case management settings"), fields=labels.form_labels(F.RetentionForm)))
    labels.register_actions({
        "client.create": _l("Client added"), "client.update": _l("Client data changed"),
        "client.read": _l("Client viewed"), "client.export": _l("Client data exported (GDPR)"),
        "client.anonymise": _l("Client anonymised"), "client.restrict": _l("Processing restricted"),
        "consent.create": _l("Consent recorded"), "consent.give": _l("Consent given"),
        "consent.withdraw": _l("Consent withdrawn"), "case.create": _l("Case opened"),
        "case.update": _l("Case changed"), "case.read": _l("Case viewed"), "need.create": _l("Need recorded"),
        "goal.create": _l("Goal added"), "goal.update": _l("Goal changed"),
        "support_plan.approve": _l("Support plan approved"), "referral.create": _l("Referred to partner"),
        "referral.update": _l("Referral changed"), "service_entry.create": _l("Service logged"),
        "service_entry.update": _l("Service entry changed"), "service_entry.delete": _l("Service entry deleted"),
        "service_entry.release": _l("Service entry released for billing again"),
        "case_settings.update": _l("Retention period changed"),
    })
