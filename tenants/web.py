"""Tenant context for pages: `/<slug>/…` names the tenant; the logged-in user must be a member, else 404."""

import time

from flask import Blueprint, abort, current_app, g, redirect, request, session, url_for
from flask_login import current_user, login_user
from sqlalchemy import select

from core.audit import Actor
from core.extensions import db, login_manager
from core.tenancy.context import reset_tenant, set_tenant
from tenants.models import Membership, Tenant


def tenant_blueprint(name: str, import_name: str, url: str = "") -> Blueprint:
    """A blueprint whose every route lives under `/<slug>` and runs as that tenant, for its members only."""
    bp = Blueprint(name, import_name, url_prefix=f"/<slug>{url}", template_folder="templates")

    @bp.url_value_preprocessor
    def _pull_slug(endpoint, values):
        g.tenant_slug = values.pop("slug", None) if values else None

    @bp.url_defaults
    def _add_slug(endpoint, values):
        if "slug" not in values and g.get("tenant") is not None:
            values["slug"] = g.tenant.slug

    @bp.before_request
    def _enter_tenant():
        return enter_tenant_from_slug(g.tenant_slug)

    return bp


def enter_tenant_from_slug(slug: str | None):
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug)) if slug else None
    if tenant is None:
        abort(404)
    g.tenant_token = set_tenant(tenant.id, tenant.timezone)
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "public", False):
        g.tenant = tenant
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", tenant=tenant.slug, next=request.full_path))
    membership = db.session.scalar(select(Membership).where(Membership.user_id == current_user.id))
    if membership is None:
        from tenants import impersonation

        # a platform admin impersonating this alliance (time-limited, audited, with a second factor)
        membership = impersonation.membership_for(tenant)
        if membership is None and impersonation.expired_for(tenant):
            return redirect(url_for("admin.impersonation_expired"))
    if membership is None:
        # Not a member: the tenant's pages do not exist for this user, and its name is not shown either.
        abort(404)
    if tenant.require_second_factor:
        from tenants import second_factor

        if not second_factor.passed():
            from tenants.account_views import enrolment_redirect

            return enrolment_redirect(request.full_path)
    g.tenant = tenant
    g.membership = membership
    g.bn_user_id = membership.user_id  # for the log lines, which never load (core.observability)
    return None


def public(view):
    """Mark a tenant page that needs no membership (the tenant's login page)."""
    view.public = True
    return view


def leave_tenant(exc=None):
    token = g.pop("tenant_token", None)
    if token is not None:
        reset_tenant(token)


def current_actor() -> Actor:
    """The actor for service calls, built from the request (the one place that reads it)."""
    membership = g.get("membership") or g.get("api_membership")
    user_id = current_user.id if current_user.is_authenticated else (membership.user_id if membership else None)
    label = membership.user.email if membership is not None else (current_user.email if user_id else "anonymous")
    # a platform admin impersonating the alliance is named as such (tenants.impersonation.StandIn)
    label = getattr(membership, "actor_label", label)
    return Actor(user_id=user_id, role=membership.role if membership else None, ip=request.remote_addr, label=label)


def start_session(user) -> None:
    """Log `user` in for at most PERMANENT_SESSION_LIFETIME from now, however often the session is used; a
    fresh session (new CSRF token), keeping only the chosen language."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    login_user(user)
    session.permanent = True
    session["login_at"] = int(time.time())


@login_manager.user_loader
def _load_user(user_id: str):
    from tenants.models import User

    # "<id>.<session version>" (User.get_id): a session made before the version was raised is over
    user_part, _sep, version = user_id.partition(".")
    if not (user_part.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_part))
    if user is None or not user.active or user.session_version != int(version):
        return None
    # an absolute lifetime from the login: using a session does not extend it (SESSION_REFRESH_EACH_REQUEST off)
    started = session.get("login_at")
    if not isinstance(started, int) or time.time() - started > current_app.permanent_session_lifetime.total_seconds():
        return None
    return user
