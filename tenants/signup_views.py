"""Pages of sign-up: the form, "check your mail" (also where Stripe Checkout returns: `signup.checkout_done`,
`signup.checkout_canceled`), the verification link, a new link, the legal texts, and an owner's download of what
the alliance accepted."""
from flask import Blueprint, Response, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from markupsafe import Markup

from core.extensions import db, limiter
from core.forms import apply_service_errors, run_form
from core.money import format_cents
from core.validation import get_or_404
from tenants import legal, signup
from tenants.access import requires
from tenants.models import Acceptance
from tenants.plans import PLANS, offered_plans
from tenants.roles import can
from tenants.signup_forms import ResendForm, SignupForm
from tenants.subscriptions import StripeUnavailable
from tenants.web import start_session, tenant_blueprint

bp = Blueprint("signup", __name__, template_folder="templates")
tenant_legal_bp = tenant_blueprint("legal", __name__)

SIGNUP_FIELDS = ("name", "slug", "plan", "owner_name", "email", "password", "accept_terms", "accept_dpa")


def plan_rows() -> list[dict]:
    """Every plan as the landing page and sign-up show it: price per month (net), limits, and whether it can be
    booked now (paid plans only with Stripe configured)."""
    offered = {plan.code for plan in offered_plans()}
    rows = []
    for plan in PLANS.values():
        price = (_("%(price)s per month, plus VAT", price=format_cents(plan.monthly_cents)) if plan.paid
                 else _("free of charge"))
        if plan.max_active_cases is None and plan.max_members is None:
            limits = _("no limit on active cases or members")
        else:
            limits = _("up to %(cases)s active cases and %(members)s members", cases=plan.max_active_cases,
                       members=plan.max_members)
        rows.append({"code": plan.code, "name": plan.name, "summary": plan.summary, "price": price,
                     "limits": limits, "bookable": plan.code in offered})
    return rows


def _signup_limit():
    return current_app.config["SIGNUP_RATE_LIMIT"]


def _went_through(response) -> bool:
    """Only a sign-up (or request of a new link) that passed the form's checks counts against the limit: a
    mistyped field can be corrected without waiting an hour."""
    return response.status_code < 400


def _apply_signup_error(form, exc) -> None:
    if isinstance(exc, StripeUnavailable):
        form.form_errors.append(_("The payment service cannot be reached right now, so nothing has been saved. "
                                  "Please try again later, or choose the free plan."))
    else:
        apply_service_errors(form, exc)


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_signup_limit, methods=["POST"], deduct_when=_went_through)
def signup_form():
    plans = offered_plans()
    form = SignupForm()
    form.plan.choices = [(plan.code, plan.name) for plan in plans]
    if request.method == "GET":
        wanted = request.args.get("plan")
        form.plan.data = wanted if wanted in {plan.code for plan in plans} else plans[0].code
    if form.validate_on_submit():
        data = {name: form[name].data for name in SIGNUP_FIELDS}
        done = run_form(form, lambda: signup.sign_up(data), apply=_apply_signup_error)
        if done:
            if done.checkout_url:
                return redirect(done.checkout_url)
            return redirect(url_for("signup.check_mail"))
    status = 422 if request.method == "POST" else 200
    rows = {row["code"]: row for row in plan_rows()}
    return render_template("tenants/signup.html", form=form, plans=rows), status


@bp.get("/signup/check-mail")
def check_mail():
    return render_template("tenants/signup_check_mail.html", outcome=None)


@bp.get("/signup/checkout/done")
def checkout_done():
    """Where Stripe Checkout returns after the payment method was given."""
    return render_template("tenants/signup_check_mail.html", outcome="done")


@bp.get("/signup/checkout/canceled")
def checkout_canceled():
    """Where Stripe Checkout returns when the newcomer left it: the alliance exists, payment can follow."""
    return render_template("tenants/signup_check_mail.html", outcome="canceled")


@bp.get("/signup/verify/<token>")
def verify(token: str):
    verified = signup.verify(token)
    if verified is None:
        flash(_("This confirmation link is invalid, used or expired. Ask for a new one here."), "error")
        return redirect(url_for("signup.resend"))
    user, tenant = verified
    db.session.flush()
    start_session(user)
    flash(_("Thank you: your e-mail address is confirmed."), "success")
    if tenant is not None:
        return redirect(url_for("tenants.dashboard", slug=tenant.slug))
    return redirect(url_for("public.index"))


@bp.route("/signup/resend", methods=["GET", "POST"])
@limiter.limit(_signup_limit, methods=["POST"], deduct_when=_went_through)
def resend():
    form = ResendForm()
    if request.method == "GET":
        form.tenant.data = request.args.get("tenant") or ""
        form.email.data = request.args.get("email") or ""
    if form.validate_on_submit():
        signup.resend(form.email.data, form.tenant.data)
        # the same words whether or not the address has an account (no account discovery)
        flash(_("If the address belongs to an account that is not confirmed yet, an e-mail with a new link is on "
                "its way."), "info")
        return redirect(url_for("signup.check_mail"))
    return render_template("tenants/signup_resend.html", form=form)


def _legal_page(document: str):
    return render_template("tenants/legal.html", title=legal.DOCUMENTS[document],
                           version=legal.CURRENT_VERSIONS[document], body=legal.as_html(legal.text(document)))


@bp.get("/legal/terms")
def terms():
    return _legal_page("terms")


@bp.get("/legal/dpa")
def dpa():
    return _legal_page("dpa")


@tenant_legal_bp.get("/legal/<int:acceptance_id>")
@requires("legal.read")
def acceptance(acceptance_id: int):
    """The accepted text of one acceptance of this alliance, as a Markdown file."""
    row = get_or_404(Acceptance, acceptance_id)
    name, body = legal.download(row, g.tenant)
    return Response(body, mimetype="text/markdown; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def unverified_message(email: str, slug: str) -> Markup:
    """The login's answer to an account whose address is not confirmed yet, with the way to a new link."""
    link = url_for("signup.resend", email=email, tenant=slug or None)
    return Markup('{} <a href="{}">{}</a>').format(
        _("Please confirm your e-mail address first: open the link in the e-mail we sent you."), link,
        _("Send a new link"))


def accepted_documents(membership) -> list[dict]:
    """For the settings page: what the alliance accepted, with the download of each text (owners only)."""
    if membership is None or not can(membership.role, "legal.read"):
        return []
    return [{"label": legal.DOCUMENTS[row.document], "version": row.version, "accepted_by": row.accepted_by,
             "accepted_at": format_datetime(row.accepted_at, "short"),
             "url": url_for("legal.acceptance", acceptance_id=row.id)} for row in legal.acceptances()]
