"""Pages of the platform admin console (/admin; platform admins with a second factor only, anyone else gets
404) and the owners' export of their alliance (/<slug>/export)."""
from datetime import date

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import format_date, format_datetime, format_decimal, pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.extensions import csrf, db
from core.forms import arg_int, run_form
from core.labels import object_text
from core.problems import Forbidden
from core.tenancy.context import tenant_context
from tenants import admin, impersonation, second_factor
from tenants.admin_forms import ConfirmForm, ReasonForm
from tenants.models import Tenant
from tenants.plans import PLANS
from tenants.roles import ROLE_LABELS, can
from tenants.subscriptions import STATUS_LABELS as SUBSCRIPTION_LABELS
from tenants.unconfirmed import unconfirmed_of
from tenants.web import current_actor, tenant_blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
csrf.exempt(bp)  # checked in _platform_admins_only instead
export_bp = tenant_blueprint("tenant_export", __name__)

AUDIT_PAGE_SIZE = 50
SECOND_FACTOR_ENDPOINT = "account.second_factor"


@bp.before_request
def _platform_admins_only():
    # the console does not exist for anyone else: no hint that it is there, also not with an id
    if not current_user.is_authenticated or not current_user.is_platform_admin:
        abort(404)
    if not second_factor.passed():
        if SECOND_FACTOR_ENDPOINT in current_app.view_functions:
            return redirect(url_for(SECOND_FACTOR_ENDPOINT, next=request.full_path))
        raise Forbidden(_("The admin console needs a login with a second factor."))
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()  # here, after the access check: for anyone else even a POST is simply not there (404)
    return None


def _actor():
    return admin.platform_actor(current_user, request.remote_addr)


def _tenant_or_404(tenant_id: int) -> Tenant:
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        abort(404)
    return tenant


def human_size(size: int) -> str:
    """Bytes for people: 0 B, 12,3 KB, 4,5 MB (decimal units, the user's language)."""
    for unit, factor in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= factor:
            return f"{format_decimal(size / factor, format='#,##0.0')} {unit}"
    return f"{size} B"


@bp.get("/")
def index():
    search = (request.args.get("q") or "").strip()[:200]
    sort = request.args.get("sort") if request.args.get("sort") in admin.SORTS else "name"
    descending = request.args.get("dir") == "desc"
    page = arg_int("page", 1, high=100_000)
    rows, total = admin.list_tenants(search, sort, descending, page)
    pages = max((total + admin.PAGE_SIZE - 1) // admin.PAGE_SIZE, 1)
    return render_template("tenants/admin/index.html", rows=rows, total=total, page=page, pages=pages, q=search,
                           sort=sort, dir="desc" if descending else "asc", status_label=admin.status_label,
                           plan_label=plan_label, subscription_label=subscription_label,
                           unconfirmed=unconfirmed_of([row.tenant for row in rows]),
                           human_size=human_size, columns=_columns(sort, descending, search))


def plan_label(code: str | None) -> str:
    plan = PLANS.get(code or "")
    return str(plan.name) if plan else (code or "–")


def subscription_label(status: str | None) -> str:
    return "–" if not status else str(SUBSCRIPTION_LABELS.get(status, status))


def _columns(sort: str, descending: bool, search: str) -> list[dict]:
    """The table's headings with the link that sorts by them (the same column again: the other way round)."""
    labels = {"name": _("Name"), "slug": pgettext("alliance slug", "Address"), "status": _("Status"), "plan": _("Plan"),
              "subscription": _("Subscription"), "members": _("Members"), "active_cases": _("Active cases"),
              "invoices_this_year": _("Invoices this year"), "storage_bytes": _("Storage"), "created": _("Created")}
    columns = []
    for key in ("name", "slug", "status", "plan", "subscription", "members", "active_cases", "invoices_this_year",
                "storage_bytes", "created"):
        current = key == sort
        direction = "asc" if current and descending else ("desc" if current else "asc")
        columns.append({"label": labels[key], "url": url_for("admin.index", q=search or None, sort=key,
                                                              dir=direction),
                        "aria_sort": ("descending" if descending else "ascending") if current else None})
    return columns


@bp.get("/tenants/<int:tenant_id>")
def tenant(tenant_id: int):
    row = _tenant_or_404(tenant_id)
    page = arg_int("page", 1, high=100_000)
    events, total = admin.audit_page(row, page, AUDIT_PAGE_SIZE)
    pages = max((total + AUDIT_PAGE_SIZE - 1) // AUDIT_PAGE_SIZE, 1)
    # rendered in the tenant's context: the audit log names the alliance's objects (core.labels)
    with tenant_context(row.id, row.timezone):
        return render_template("tenants/admin/tenant.html", tenant=row, usage=admin.usage_of(row),
                               members=admin.members_of(row), events=events, page=page, pages=pages, total=total,
                               status_label=admin.status_label, human_size=human_size, labels=ROLE_LABELS,
                               plan_label=plan_label, subscription_label=subscription_label,
                               kept=_kept(row.kept_after_purge))


def _kept(kept: dict | None) -> dict | None:
    """What a purge kept, for people: tables by their labels, the retention's end as a date (None: nothing)."""
    if not kept:
        return None
    until = kept.get("until")
    return {"tables": [(object_text(name, None), count) for name, count in (kept.get("tables") or {}).items()],
            "files": kept.get("files") or 0, "reasons": ", ".join(kept.get("reasons") or []),
            "until": format_date(date.fromisoformat(until[:10]), "dd.MM.yyyy") if until else None}


# what each confirmation page says: its title, the lines explaining the consequences, and the button
def _confirmation(action: str, row: Tenant) -> dict:
    if action == "suspend":
        return {"title": _("Suspend %(alliance)s", alliance=row.name), "button": _("Suspend"), "lines": [
            _("Its members can still log in, read everything and export their data, but they cannot change "
              "anything."),
            _("Every page of the alliance shows that it is suspended, with your reason."),
            _("You can reactivate it at any time.")]}
    if action == "reactivate":
        return {"title": _("Reactivate %(alliance)s", alliance=row.name), "button": _("Reactivate"), "lines": [
            _("Its members can change data again."),
            *([_("The closing is cancelled: nothing will be deleted.")] if row.is_closing else [])]}
    if action == "close":
        when = format_datetime(admin.closing_date())
        return {"title": _("Close %(alliance)s", alliance=row.name), "button": _("Close the alliance"), "lines": [
            _("From now on the alliance can read and export its data but not change it."),
            _("On %(when)s all its data is deleted for good: clients, consents, cases, plans, service entries, "
              "contracts and their documents, members, API tokens and every stored file.", when=when),
            _("Kept are only issued invoices and credit notes within their legal retention period (§ 147 AO, "
              "§ 14b UStG: ten years from the end of the year of the invoice) with their lines, files and "
              "payments and the agencies and contracts they name; and the alliance's audit log, which cannot be "
              "changed."),
            _("Until then you can cancel the closing by reactivating the alliance.")]}
    return {"title": _("View %(alliance)s as platform admin", alliance=row.name), "button": _("Start viewing"),
            "lines": [
                _("For %(minutes)d minutes you see the alliance's pages as an administrator of it, read-only.",
                  minutes=current_app.config["IMPERSONATION_MINUTES"]),
                _("The alliance's audit log records that you did, with your reason, and every client record you "
                  "open.")]}


ACTIONS = {"suspend": (admin.suspend, _l("The alliance is suspended.")),
           "reactivate": (admin.reactivate, _l("The alliance is active again.")),
           "close": (admin.close, _l("The alliance is being closed."))}


def _status_page(tenant_id: int, action: str):
    row = _tenant_or_404(tenant_id)
    form = ReasonForm()
    if form.validate_on_submit():
        if action == "impersonate":
            started = run_form(form, lambda: admin.start_impersonation(row, form.reason.data, _actor()))
            if started:
                return redirect(url_for("tenants.dashboard", slug=row.slug))
        else:
            service, message = ACTIONS[action]
            if run_form(form, lambda: service(row, form.reason.data, _actor())):
                flash(str(message), "success")
                return redirect(url_for("admin.tenant", tenant_id=row.id))
    status = 422 if request.method == "POST" else 200
    return render_template("tenants/admin/confirm.html", form=form, tenant=row, **_confirmation(action, row),
                           cancel_url=url_for("admin.tenant", tenant_id=row.id)), status


@bp.route("/tenants/<int:tenant_id>/suspend", methods=["GET", "POST"])
def suspend(tenant_id: int):
    return _status_page(tenant_id, "suspend")


@bp.route("/tenants/<int:tenant_id>/reactivate", methods=["GET", "POST"])
def reactivate(tenant_id: int):
    return _status_page(tenant_id, "reactivate")


@bp.route("/tenants/<int:tenant_id>/close", methods=["GET", "POST"])
def close(tenant_id: int):
    return _status_page(tenant_id, "close")


@bp.route("/tenants/<int:tenant_id>/impersonate", methods=["GET", "POST"])
def impersonate(tenant_id: int):
    return _status_page(tenant_id, "impersonate")


@bp.route("/impersonation/stop", methods=["GET", "POST"])
def stop_impersonation():
    """GET asks (works without JavaScript: the banner's link), POST ends the impersonation."""
    form = ConfirmForm()
    if form.validate_on_submit():
        row = admin.stop_impersonation(_actor())
        flash(_("You no longer view the alliance."), "success")
        return redirect(url_for("admin.tenant", tenant_id=row.id) if row else url_for("admin.index"))
    data = impersonation.entry()
    row = db.session.get(Tenant, data["tenant_id"]) if data else None
    if row is None:
        return redirect(url_for("admin.index"))
    return render_template("tenants/admin/confirm.html", form=form, tenant=row, button=_("Stop viewing"),
                           title=_("Stop viewing %(alliance)s", alliance=row.name), lines=[],
                           cancel_url=url_for("tenants.dashboard", slug=row.slug))


@bp.get("/impersonation/expired")
def impersonation_expired():
    """Where an impersonation whose time is up sends the admin: its end is recorded, then the tenant's page."""
    row = admin.end_expired_impersonation(_actor())
    flash(_("The time for viewing the alliance is up."), "warning")
    return redirect(url_for("admin.tenant", tenant_id=row.id) if row else url_for("admin.index"))


@bp.route("/tenants/<int:tenant_id>/export", methods=["GET", "POST"])
def export(tenant_id: int):
    """A page with a button (GET), the ZIP (POST): the export is audited, so no link prefetch may start it."""
    row = _tenant_or_404(tenant_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        return _send_export(row, _actor())
    return render_template("tenants/admin/owner_export.html", form=form)


def _send_export(row: Tenant, actor):
    archive = admin.export_tenant(row, actor)
    return send_file(archive, mimetype="application/zip", as_attachment=True, download_name=admin.export_name(row))


@export_bp.route("/export", methods=["GET", "POST"])
def owner_export():
    """The owners' export of their alliance's complete data: a page with a button (GET), the ZIP (POST). Also
    while suspended or closing: it is a read, so no write block applies (hence no `requires` here)."""
    if not can(g.membership.role, "tenant.export"):
        raise Forbidden(_("Only owners can export the alliance's data."))
    form = ConfirmForm()
    if form.validate_on_submit():
        return _send_export(g.tenant, current_actor())
    return render_template("tenants/admin/owner_export.html", form=form)
