"""What the audit log calls the tenant's own objects and actions (core.labels)."""
from flask_babel import lazy_gettext as _l

from core import labels
from core.extensions import db
from tenants.forms import MemberForm, TenantForm
from tenants.models import Tenant
from tenants.roles import ROLE_LABELS


def _tenant_name(tenant_id) -> str | None:
    tenant = db.session.get(Tenant, tenant_id)
    return tenant.name if tenant else None


def register() -> None:
    roles = {str(role): label for role, label in ROLE_LABELS.items()}
    labels.register_fields({
        "status": _l("Status"), "note": _l("Note"), "name": _l("Name"), "title": _l("Title"), "email": _l("E-mail"),
        "reason": _l("Reason"), "on": _l("On"), "number": _l("Number"), "version": _l("Version"),
        "file": _l("File"), "format": _l("Format"), "count": _l("Number of entries"), "period": _l("Period"),
        "sha256": _l("Checksum (SHA-256)"), "user": _l("User"), "role": _l("Role"), "minutes": _l("Minutes"),
        "kind": _l("Kind"), "address": _l("Address"), "contact": _l("Contact person"),
        "created_at": _l("Created at"),
    })
    from tenants.admin import STATUS_LABELS
    from tenants.plans import PLANS
    from tenants.subscriptions import STATUS_LABELS as SUBSCRIPTION_LABELS

    tenant_labels = labels.ObjectLabels(
        _l("Alliance"), fields={**labels.form_labels(TenantForm), "slug": _l("Address in the URL"),
                                "status_reason": _l("Reason of the status"), "plan": _l("Plan"),
                                "owner": _l("Owner"), "ended": _l("Ended"), "until": _l("Until"),
                                "closes_at": _l("Data deleted on"), "subscription_status": _l("Subscription"),
                                "stripe_event": _l("Stripe event"), "deleted": _l("Deleted rows"),
                                "deleted_files": _l("Deleted files"), "kept": _l("Kept")},
        choices={"status": {code: label for code, label in STATUS_LABELS.items()},
                 "plan": {code: plan.name for code, plan in PLANS.items()},
                 "subscription_status": {code: label for code, label in SUBSCRIPTION_LABELS.items() if code},
                 "ended": {"stopped": _l("stopped"), "expired": _l("time up"), "replaced": _l("replaced")}},
        name_of=_tenant_name)
    labels.register_object("tenants", tenant_labels)
    labels.register_object("tenant", tenant_labels)  # the lifecycle's events name the tenant so
    labels.register_actors({
        "sign-up": _l("Online sign-up"), "demo seed": _l("Demo data"), "stripe": _l("Stripe (payments)"),
        "purge of closed alliances": _l("Deletion of closed alliances"), "system": _l("System"),
        "removal of unconfirmed sign-ups": _l("Removal of unconfirmed sign-ups"),
    }, {"[platform_admin]": _l("platform admin"), "(platform admin)": _l("platform admin"),
        "[impersonating]": _l("platform admin, viewing the alliance"),
        "(platform admin, impersonating)": _l("platform admin, viewing the alliance")})
    labels.register_object("memberships", labels.ObjectLabels(_l("Membership"), choices={"role": roles}))
    labels.register_object("invitations", labels.ObjectLabels(
        _l("Invitation"), fields=labels.form_labels(MemberForm), choices={"role": roles}))
    labels.register_object("audit_events", labels.ObjectLabels(_l("Audit log")))
    labels.register_object("api_tokens", labels.ObjectLabels(_l("API token")))
    labels.register_actions({
        "tenant.create": _l("Alliance created"), "tenant.update": _l("Alliance data changed"),
        "membership.create": _l("Member added"), "membership.update": _l("Role changed"),
        "membership.delete": _l("Member removed"), "invitation.create": _l("Invitation sent"),
        "invitation.accept": _l("Invitation accepted"), "invitation.revoke": _l("Invitation withdrawn"),
        "api_token.revoke": _l("API token revoked"),
        "tenant.signup": _l("Alliance signed up online"), "acceptance.create": _l("Terms or AV-Vertrag accepted"),
        "user.verify_email": _l("E-mail address confirmed"),
        "subscription.checkout": _l("Subscription checkout started"),
        "subscription.update": _l("Subscription changed (Stripe)"),
        "tenant.suspend": _l("Alliance suspended"), "tenant.reactivate": _l("Alliance reactivated"),
        "tenant.close": _l("Closing of the alliance ordered"), "tenant.exported": _l("All data exported"),
        "tenant.purged": _l("Data deleted for good after closing"),
        "tenant.unconfirmed_removed": _l("Unconfirmed sign-up removed"),
        "impersonation.started": _l("Platform admin started viewing the alliance"),
        "impersonation.ended": _l("Platform admin stopped viewing the alliance"),
        "user.second_factor.enable": _l("Second factor switched on"),
        "user.second_factor.disable": _l("Second factor switched off"),
        "user.second_factor.recovery_codes": _l("New recovery codes made"),
    })
    labels.register_object("acceptances", labels.ObjectLabels(
        _l("Accepted document"), fields={"document": _l("Document"), "accepted_by": _l("Accepted by"),
                                         "accepted_at": _l("Accepted at")},
        choices={"document": {"terms": _l("Terms of service"), "dpa": _l("AV-Vertrag (Art. 28 GDPR)")}}))
