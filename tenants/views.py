"""Pages: landing, login/logout, password reset, the tenant's dashboard, settings, members and audit log."""
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy import func, select

from core import confirmation, search
from core.audit import AuditEvent
from core.extensions import db, limiter
from core.forms import arg_int, flash_outcome, run_form, submit
from core.htmx import render_page
from core.mail import send_mail
from core.tenancy.context import set_tenant, tenant_context
from tenants import invitations, member_rules, services
from tenants.access import reads, requires
from tenants.first_steps import first_step
from tenants.forms import (
    AcceptInvitationForm,
    ForgotPasswordForm,
    LoginForm,
    MemberForm,
    ResetPasswordForm,
    RoleForm,
    TenantForm,
    role_choices,
)
from tenants.models import Invitation, Membership, Tenant, User
from tenants.navigation import nav_item, start_endpoint
from tenants.roles import ROLE_LABELS, Role
from tenants.tokens import password_reset_token, user_for_reset_token
from tenants.web import current_actor, public, start_session, tenant_blueprint

public_bp = Blueprint("public", __name__, template_folder="templates")
auth_bp = Blueprint("auth", __name__, template_folder="templates")
tenant_auth_bp = tenant_blueprint("tenant_auth", __name__)
tenant_bp = tenant_blueprint("tenants", __name__)

nav_item("tenants.dashboard", "Overview", "tenant.read", 0)
nav_item("tenants.members", "Members", "members.manage", 80)
nav_item("tenants.audit_log", "Audit log", "audit.read", 85)
nav_item("tenants.tokens", "API tokens", "tokens.own", 88)
nav_item("tenants.settings", "Settings", "tenant.write", 90)
first_step("issuer", "Complete the issuer data (name, address, tax number, bank account, contact)",
           "tenants.settings", "tenant.write", lambda tenant: not services.issuer_problems(tenant), 10)

AUDIT_PAGE_SIZE = 50


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


def _safe_next(target: str | None) -> str | None:
    """Only local paths: an open redirect after login is a phishing aid."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@public_bp.get("/")
def index():
    from tenants.signup_views import plan_rows

    return render_template("tenants/index.html", plans=plan_rows())


@auth_bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    if request.method == "GET" and request.args.get("tenant"):
        form.tenant.data = request.args["tenant"]
    if form.validate_on_submit():
        target = _log_in(form)
        if target:
            return redirect(target)
    status = 200
    if request.method == "POST":
        status = 401 if form.form_errors else 422
    return render_template("tenants/login.html", form=form), status


def _log_in(form: LoginForm) -> str | None:
    """Check credentials (and membership if an alliance is named); return where to go, or None with a message."""
    slug = (form.tenant.data or "").strip().lower()
    user = services.authenticate(form.email.data, form.password.data)
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug)) if slug else None
    ok = user is not None and (tenant is not None if slug else True)  # no alliance: tenants.picker chooses
    start = None
    if ok and tenant is not None:
        with tenant_context(tenant.id):
            membership = services.membership_of(user)
            ok = membership is not None
            start = start_endpoint(membership.role) if ok else None
    if not ok:
        db.session.rollback()
        form.form_errors.append(_("E-mail, password or alliance are not correct."))
        return None
    # sign-up (tenants.signup): an address that is not confirmed yet cannot log in
    if user.email_verified_at is None:
        from tenants.signup_views import unverified_message

        db.session.rollback()
        form.form_errors.append(unverified_message(user.email, slug))
        return None
    next_url = _safe_next(request.args.get("next"))
    target = next_url or (url_for(start or "tenants.dashboard", slug=tenant.slug) if tenant is not None else None)
    if user.has_second_factor:  # not logged in before the code (tenants.account_views.login_second_factor)
        from tenants import pending_login

        pending_login.begin(user, target)
        return url_for("account.login_second_factor")
    start_session(user)
    from tenants.picker import landing

    return target or landing(user)


@tenant_auth_bp.route("/login", methods=["GET", "POST"])
@public
def tenant_login():
    return redirect(url_for("auth.login", tenant=g.tenant.slug, next=request.args.get("next")))


@auth_bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        services.end_sessions(current_user)  # a copied cookie of this session no longer works either
    logout_user()
    flash(_("You have been logged out."), "info")
    return redirect(url_for("public.index"))


@auth_bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.email == services.normalize_email(form.email.data)))
        if user is not None and user.active:
            link = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(
                "auth.reset_password", token=password_reset_token(user))
            send_mail(user.email, _("Reset your Bündnisnetz password"),
                      _("Open this link within one hour to choose a new password:\n\n%(link)s\n\n"
                        "If you did not ask for this, ignore this e-mail.", link=link))
        # The same answer whether or not the address exists: no account discovery.
        flash(_("If the address belongs to an account, an e-mail with a link is on its way."), "info")
        return redirect(url_for("auth.login"))
    return render_template("tenants/forgot_password.html", form=form)


@auth_bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = user_for_reset_token(token)
    if user is None:
        flash(_("This link is invalid or has expired. Please ask for a new one."), "error")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        if run_form(form, lambda: services.set_password(user, form.password.data)):
            flash(_("Your password has been changed. Please log in."), "success")
            return redirect(url_for("auth.login"))
    return render_template("tenants/reset_password.html", form=form)


@tenant_bp.get("/")
def dashboard():
    """The overview; a role with a start page of its own (an agency member: the portal) is sent there."""
    start = start_endpoint(g.membership.role)
    if start is not None:
        return redirect(url_for(start))
    return _overview()


@requires("tenant.read")
def _overview():
    from tenants.navigation import navigation
    from tenants.today import items_for

    tiles = [n for n in navigation() if n["endpoint"] != "tenants.dashboard"]
    from tenants.first_steps import checklist

    return render_template("tenants/dashboard.html", tiles=tiles, today_items=items_for(g.membership),
                           first_steps=checklist(g.tenant, g.membership.role))


@tenant_bp.route("/settings", methods=["GET", "POST"])
@requires("tenant.write")
def settings():
    form = TenantForm(obj=g.tenant)
    if submit(form, lambda: services.update_tenant(g.tenant, {name: form[name].data for name in services.TENANT_FIELDS},
                                                   current_actor())):
        flash(_("Saved."), "success")
        return redirect(url_for("tenants.settings"))
    from tenants.second_factor_setting import settings_panel
    from tenants.signup_views import accepted_documents

    return render_template("tenants/settings.html", form=form, issuer_problems=services.issuer_problems(g.tenant),
                           second_factor=settings_panel(g.tenant), acceptances=accepted_documents(g.membership))


def _agency_choices():
    return [("", "—")] + [(str(agency_id), name) for agency_id, name in services.agency_choices()]


@tenant_bp.route("/members", methods=["GET", "POST"])
@requires("members.manage")
def members():
    form = MemberForm()
    # only owners make owners; a new member starts with the least privileges (reading), never as an owner by
    # accident
    is_owner = g.membership.role == Role.OWNER
    form.role.choices = [c for c in role_choices() if is_owner or c[0] != Role.OWNER]
    form.agency_id.choices = _agency_choices()
    if request.method == "GET":
        form.role.data = Role.VIEWER.value
        # from an agency's page: an agency user of that agency (?role=agency&agency_id=…)
        agency = request.args.get("agency_id") or ""
        if request.args.get("role") == Role.AGENCY and agency in dict(form.agency_id.choices) and agency:
            form.role.data, form.agency_id.data = Role.AGENCY.value, agency
    if form.validate_on_submit():
        data = {"email": form.email.data, "name": form.name.data, "role": form.role.data,
                "agency_id": int(form.agency_id.data) if (form.agency_id.data or "").isdigit() else None}
        if run_form(form, lambda: invitations.invite(g.tenant, data, current_actor())):
            # the same words whether or not the address has an account somewhere
            flash(_("An invitation is on its way to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("tenants.members"))
    q = (request.args.get("q") or "").strip()[:200]
    rows = db.session.scalars(search.where_matches(select(Membership).join(User), q, User.name, User.email)
                              .order_by(User.email)).all()
    role_form = RoleForm()
    role_form.role.choices = [c for c in role_choices(include_agency=False) if is_owner or c[0] != Role.OWNER]
    # buttons that would only be refused are not shown (an admin on an owner's row, the last owner's Remove)
    actor = current_actor()
    changeable = {m.id for m in rows if member_rules.may_change(m, actor)}
    removable = {m.id for m in rows if m.id in changeable and member_rules.may_remove(m, actor)}
    return render_template("tenants/members.html", form=form, rows=rows, role_form=role_form, labels=ROLE_LABELS,
                           agencies=dict(_agency_choices()), Role=Role, pending=invitations.pending(),
                           changeable=changeable, removable=removable, q=q)


@tenant_bp.post("/invitations/<int:invitation_id>/revoke")
@requires("members.manage")
def revoke_invitation(invitation_id: int):
    from core.validation import get_or_404

    row = get_or_404(Invitation, invitation_id, Invitation.accepted_at.is_(None))
    if (page := confirmation.ask(
            _("The invitation to %(email)s will be withdrawn; its link stops working.", email=row.email),
            title=_("Withdraw the invitation?"), button=_("Yes, withdraw"),
            cancel_url=url_for("tenants.members"))) is not None:
        return page
    flash_outcome(lambda: invitations.revoke(row, current_actor()), _("Invitation withdrawn."))
    return redirect(url_for("tenants.members"))


@auth_bp.route("/invitations/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def invitation(token: str):
    """Accept an invitation: a new person sets their own password; an existing account accepts logged in."""
    parsed = invitations.parse(token)
    row = None
    if parsed:
        g.tenant_token = set_tenant(parsed[0])  # the invitation's tenant, for this request (reset at teardown)
        row = invitations.open_invitation(parsed[1], parsed[2])
    if row is None:
        flash(_("This invitation is invalid, used or expired. Please ask for a new one."), "error")
        return redirect(url_for("auth.login"))
    tenant = db.session.get(Tenant, row.tenant_id)
    user = current_user if current_user.is_authenticated else None
    form = AcceptInvitationForm()
    has_account = user is None and invitations.account_exists(row)
    if request.method == "POST" and not has_account and (user is not None or form.validate_on_submit()):
        data = {"name": form.name.data, "password": form.password.data}
        membership = run_form(form, lambda: invitations.accept(row, user, None if user else data))
        if membership:
            db.session.flush()
            if user is None:
                start_session(membership.user)
            flash(_("Welcome to %(alliance)s.", alliance=tenant.name), "success")
            return redirect(url_for("tenants.dashboard", slug=tenant.slug))
    return render_template("tenants/invitation.html", invitation=row, tenant=tenant, form=form, user=user,
                           has_account=has_account, role_label=ROLE_LABELS.get(row.role, row.role))


def _membership_or_404(member_id: int) -> Membership:
    membership = db.session.scalar(select(Membership).where(Membership.id == member_id))
    if membership is None:
        abort(404)
    return membership


@tenant_bp.post("/members/<int:member_id>/role")
@requires("members.manage")
def change_role(member_id: int):
    membership = _membership_or_404(member_id)
    form = RoleForm()
    form.role.choices = role_choices(include_agency=False)
    if form.validate_on_submit():
        flash_outcome(lambda: services.change_member_role(membership, form.role.data, current_actor()),
                      _("Role changed."))
    return redirect(url_for("tenants.members"))


@tenant_bp.post("/members/<int:member_id>/delete")
@requires("members.manage")
def remove_member(member_id: int):
    membership = _membership_or_404(member_id)
    if (page := confirmation.ask(
            _("Member %(name)s will be removed from the alliance.", name=membership.user.display_name),
            title=_("Remove the member?"), button=_("Yes, remove"), cancel_url=url_for("tenants.members"),
            details=[_("They can no longer open the alliance's pages; their API tokens stop working.")])) is not None:
        return page
    flash_outcome(lambda: services.remove_member(membership, current_actor()), _("Member removed."))
    return redirect(url_for("tenants.members"))


@tenant_bp.get("/tokens")
@requires("tokens.own")
def tokens():
    """API tokens that still work: one's own (admins: the alliance's), each revocable."""
    rows = db.session.scalars(services.live_tokens(current_actor()).limit(500)).all()
    return render_template("tenants/tokens.html", rows=rows, labels=ROLE_LABELS)


@tenant_bp.post("/tokens/<int:token_id>/revoke")
@requires("tokens.own")
def revoke_token(token_id: int):
    row = services.get_token(token_id, current_actor())
    if (page := confirmation.ask(
            _("The API token of %(name)s will be revoked; systems that use it lose access at once.",
              name=row.membership.user.display_name),
            title=_("Revoke the API token?"), button=_("Yes, revoke"),
            cancel_url=url_for("tenants.tokens"))) is not None:
        return page
    flash_outcome(lambda: services.revoke_token(row, current_actor()), _("API token revoked."))
    return redirect(url_for("tenants.tokens"))


@tenant_bp.get("/audit")
@requires("audit.read")
@reads("audit_events")  # the log itself names clients' pseudonyms and changed fields
def audit_log():
    page = arg_int("page", 1, high=100_000)
    action = (request.args.get("action") or "").strip()
    q = (request.args.get("q") or "").strip()[:200]
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))  # % and _ literal
    if (by_label := search.matches(q, AuditEvent.actor_label)) is not None:  # who: e-mail or the member's name
        named = select(User.id).where(search.matches(q, User.name))
        query = query.where(by_label | AuditEvent.actor_user_id.in_(named))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    events = db.session.scalars(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(AUDIT_PAGE_SIZE)
        .offset((page - 1) * AUDIT_PAGE_SIZE)).all()
    pages = max((total + AUDIT_PAGE_SIZE - 1) // AUDIT_PAGE_SIZE, 1)
    return render_page("tenants/audit.html", "tenants/_audit_results.html", events=events, page=page, pages=pages,
                       action=action, total=total, q=q)


