"""Pages of one's own account (/account): name and language, the second factor (enrol, new recovery codes,
switch off), the second step of the login (/login/second-factor) and the choice of an alliance (/choose)."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from core.extensions import limiter
from core.forms import run_form
from tenants import accounts, pending_login, picker, second_factor
from tenants.account_forms import AccountForm, CodeForm, DisableSecondFactorForm, SecondFactorLoginForm
from tenants.roles import ROLE_LABELS
from tenants.web import current_actor, start_session

bp = Blueprint("account", __name__, template_folder="templates")

_ENROLMENT = "totp_enrolment"  # the secret being set up (encrypted), until it is confirmed with a code
# what a platform admin without a second factor may open (it is required of them: DESIGN, issue 12)
_OPEN_WITHOUT_SECOND_FACTOR = {None, "static", "healthz", "readyz", "auth.logout", "auth.login",
                               "account.second_factor", "account.login_second_factor"}


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


def _pending_user_key() -> str:
    """Rate-limit key of the second step: the user waiting for it (a replayed cookie resets the session's count
    of wrong codes, not this)."""
    found = pending_login.pending()
    return f"second-factor:{found[0].id}" if found else f"second-factor-ip:{request.remote_addr}"


def _safe_next() -> str | None:
    from tenants.views import _safe_next as safe

    return safe(request.args.get("next"))


@bp.before_app_request
def _platform_admins_set_up_their_second_factor():
    if request.endpoint in _OPEN_WITHOUT_SECOND_FACTOR or request.path.startswith("/api/"):
        return None
    if not current_user.is_authenticated or not current_user.is_platform_admin or second_factor.passed():
        return None
    if current_user.has_second_factor:  # a session started without it (cannot normally happen): log in again
        logout_user()
        return redirect(url_for("auth.login"))
    return redirect(url_for("account.second_factor"))


def enrolment_redirect(next_url: str):
    """For tenants.web: this alliance requires a second factor and the session was not started with one."""
    if current_user.has_second_factor:
        logout_user()
        flash(_("Please log in again with your second factor."), "info")
        return redirect(url_for("auth.login", next=next_url))
    flash(_("This alliance requires a second factor. Please set it up first."), "warning")
    return redirect(url_for("account.second_factor", next=next_url))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def index():
    form = AccountForm(obj=current_user)
    if request.method == "GET":
        form.locale.data = current_user.locale or session.get("lang") or "de"
    if form.validate_on_submit():
        data = {"name": form.name.data, "locale": form.locale.data}
        if run_form(form, lambda: accounts.update_account(current_user, data, current_actor())):
            session["lang"] = form.locale.data
            flash(_("Saved."), "success")
            return redirect(url_for("account.index"))
    return render_template("tenants/account.html", form=form, alliances=picker.alliances_of(current_user),
                           labels=ROLE_LABELS, unused=second_factor.unused_recovery_codes(current_user))


@bp.route("/account/second-factor", methods=["GET", "POST"], endpoint="second_factor")
@login_required
def second_factor_page():
    user = current_user._get_current_object()
    if user.has_second_factor:
        return _status_page(CodeForm())
    secret = second_factor.decrypt(session.get(_ENROLMENT))
    if secret is None:
        secret = second_factor.new_secret()
        session[_ENROLMENT] = second_factor.encrypt(secret)
    form = CodeForm()
    if form.validate_on_submit():
        codes = run_form(form, lambda: second_factor.enable(user, secret, form.code.data, current_actor()))
        if codes:
            start_session(user)  # enabling ended every session (version raised); this one goes on
            second_factor.mark_passed()
            return _recovery_codes_page(codes)
    uri = second_factor.provisioning_uri(user, secret)
    status = 422 if request.method == "POST" else 200
    return render_template("tenants/second_factor_enrol.html", form=form, secret=secret, uri=uri,
                           qr=second_factor.qr_data_uri(uri), next_url=_safe_next()), status


def _status_page(form, status: int = 200):
    user = current_user._get_current_object()
    return render_template("tenants/second_factor_status.html", form=form,
                           unused=second_factor.unused_recovery_codes(user),
                           refusal=second_factor.disable_refusal(user)), status


def _recovery_codes_page(codes: list[str]):
    next_url = _safe_next() or picker.landing(current_user)
    return render_template("tenants/recovery_codes.html", codes=codes, next_url=next_url)


@bp.post("/account/second-factor/recovery-codes")
@login_required
@limiter.limit(_login_limit)
def recovery_codes():
    user = current_user._get_current_object()
    form = CodeForm()
    if not user.has_second_factor:
        return redirect(url_for("account.second_factor"))
    if form.validate_on_submit():
        codes = run_form(form, lambda: second_factor.regenerate_recovery_codes(user, form.code.data,
                                                                                current_actor()))
        if codes:
            return _recovery_codes_page(codes)
    return _status_page(form, 422)


@bp.route("/account/second-factor/disable", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, methods=["POST"])
def disable_second_factor():
    user = current_user._get_current_object()
    if not user.has_second_factor:
        return redirect(url_for("account.second_factor"))
    refusal = second_factor.disable_refusal(user)
    form = DisableSecondFactorForm()
    if refusal is None and form.validate_on_submit():
        if run_form(form, lambda: second_factor.disable(user, form.password.data, form.code.data,
                                                        current_actor())):
            start_session(user)  # switching off ended every session; this one goes on, without the factor
            flash(_("The second factor is switched off."), "success")
            return redirect(url_for("account.index"))
    status = 403 if refusal else (422 if request.method == "POST" else 200)
    return render_template("tenants/second_factor_disable.html", form=form, refusal=refusal), status


@bp.route("/login/second-factor", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit("20 per hour", key_func=_pending_user_key, methods=["POST"])
def login_second_factor():
    found = pending_login.pending()
    if found is None:
        pending_login.clear()
        flash(_("Please log in again."), "info")
        return redirect(url_for("auth.login"))
    user, target = found
    form = SecondFactorLoginForm()
    if form.validate_on_submit():
        how = second_factor.check(user, form.code.data)
        if how:
            pending_login.clear()
            start_session(user)
            second_factor.mark_passed()
            if how == "recovery":
                flash(_("You used a recovery code; %(count)s are left. New ones are on your account page.",
                        count=second_factor.unused_recovery_codes(user)), "warning")
            return redirect(target or picker.landing(user))
        if pending_login.failed():
            flash(_("Too many wrong codes. Please log in again."), "error")
            return redirect(url_for("auth.login"))
        form.form_errors.append(_("This code is not correct (or was used already)."))
    status = 401 if form.form_errors else (422 if request.method == "POST" else 200)
    return render_template("tenants/second_factor_login.html", form=form), status


@bp.get("/choose")
@login_required
def choose():
    """The alliances of the logged-in user, to pick one (a login without an alliance and several of them)."""
    rows = [{"tenant": tenant, "role": ROLE_LABELS.get(role, role), "url": picker.start_url(tenant, role)}
            for tenant, role in picker.alliances_of(current_user)]
    console = picker.admin_console_url() if current_user.is_platform_admin else None
    return render_template("tenants/choose.html", rows=rows, console=console)
