"""The application factory. Order matters: config, extensions, isolation events, blueprints, error handlers."""
import os

from flask import Flask, g, jsonify, request, session
from flask_login import current_user
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from core.config import INSTANCE_DIR, load_config
from core.extensions import babel, csrf, db, limiter, login_manager, migrate
from core.search import register_sqlite

# the domain packages in layer order: each imports only those before it (tests/test_layers.py)
PACKAGES = ("core", "tenants", "network", "cases", "contracts", "billing")


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask("buendnisnetz", instance_path=str(INSTANCE_DIR), root_path=os.path.dirname(__file__))
    app.config.update(load_config())
    if overrides:
        app.config.update(overrides)
    from core import config as configuration

    if configuration.production():
        from core.production import check_config

        check_config(app.config)
    if app.config["TRUSTED_PROXIES"]:
        # client address, scheme and host from the ingress's X-Forwarded-* headers (rate limits per client, HSTS,
        # audit IPs); only as many hops as configured, so that a client cannot forge them
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    os.makedirs(app.instance_path, exist_ok=True)
    from core.converters import BoundedIntConverter

    # ids beyond the database's integer range are simply not found (404), never an overflow (500)
    app.url_map.converters["int"] = BoundedIntConverter
    from core import observability

    # logs (JSON in production), request ids, request metrics and /metrics; before the engine exists, whose
    # options it sets (statement parameters never reach a log)
    observability.configure_logging()
    observability.init_app(app)
    db.init_app(app)
    if configuration.production():
        from core.production import check_database_role

        with app.app_context():
            check_database_role(db.engine)
    # Alembic connects as the owner role (MIGRATIONS_DATABASE_URL); see migrations/env.py.
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    csrf.init_app(app)
    limiter.init_app(app)
    from core.clock import zone

    # times people read are in the tenant's zone (the database holds UTC)
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=zone,
                   default_translation_directories=_translation_dirs())
    # times with four-digit years ("02.12.2026, 16:29"), not the locale's short "02.12.26"
    babel.date_formats["datetime.short"] = "dd.MM.yyyy, HH:mm"
    from core import rendering

    rendering.install(app)  # translations, dates and links that rows of a page repeat, looked up once

    from core import transactions
    from core.celery import init_celery
    from core.tenancy import isolation

    isolation.install()
    transactions.init_app(app)
    init_celery(app)
    _register_blueprints(app)
    _connect_signals()
    _register_labels(app)

    from core.errors import register_error_handlers

    register_error_handlers(app)
    _register_cli(app)
    _security_headers(app)

    @app.template_filter("hours")
    def _hours(minutes):
        """Minutes as hours with one decimal in the user's language (3,8 in German)."""
        from flask_babel import format_decimal

        return format_decimal((minutes or 0) / 60, format="#,##0.0")

    @app.context_processor
    def _layout_context():
        from tenants.access import WRITE_CAPABILITIES, can_write_now
        from tenants.banners import banners
        from tenants.navigation import navigation
        from tenants.roles import ROLE_LABELS, can

        membership = g.get("membership")
        role = membership.role if membership else None
        writable = can_write_now()

        def template_can(capability: str) -> bool:
            """The role's capability; one that writes only while the alliance can write (buttons disappear)."""
            return can(role, capability) and (writable or capability not in WRITE_CAPABILITIES)

        return {"nav": navigation(), "current_locale": _select_locale(),
                "role_label": ROLE_LABELS.get(role) if role else None, "banners": banners(),
                "can": template_can, "can_write": writable}

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz():
        from core.celery import broker_reachable

        database = _database_reachable()
        checks = {"database": database, "broker": broker_reachable(),
                  "migrations": database and _migrations_at_head()}
        ok = all(checks.values())
        failed = [name for name, passed in checks.items() if not passed]
        return jsonify(status="ok" if ok else "unavailable", checks=checks, failed=failed), 200 if ok else 503

    return app


def _database_reachable() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - readiness reports, never raises
        db.session.rollback()
        return False


MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "..", "migrations")


def _migrations_at_head() -> bool:
    from core.observability import migrations_at_head

    try:
        return migrations_at_head(db.session, MIGRATIONS_DIR)
    except Exception:  # noqa: BLE001 - readiness reports, never raises
        db.session.rollback()
        return False


def _translation_dirs() -> str:
    root = os.path.join(os.path.dirname(__file__), "..")
    dirs = [os.path.join(root, pkg, "translations") for pkg in PACKAGES]
    return ";".join(d for d in dirs if os.path.isdir(d))


def _select_locale() -> str:
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    wanted = request.args.get("lang") if request else None
    if wanted in languages:
        if not request.path.startswith("/api/"):
            session["lang"] = wanted
        return wanted
    if request and not request.path.startswith("/api/") and session.get("lang") in languages:
        return session["lang"]
    if request and request.path.startswith("/api/"):
        # machine clients: the language they ask for, else English (stable messages for integrations)
        return request.accept_languages.best_match(languages) or "en"
    if request and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _register_blueprints(app: Flask) -> None:
    # Imported here so that models are registered after the extensions exist (CTFd does the same).
    from core.api import api
    from tenants.web import leave_tenant

    app.teardown_request(leave_tenant)

    from billing.portal import bp as billing_portal
    from billing.views import bp as billing_pages
    from cases.views import bp as cases_pages
    from contracts.views import bp as contracts_pages
    from network.views import bp as network_pages
    from tenants.admin_views import bp as admin_console
    from tenants.admin_views import export_bp as tenant_export
    from tenants.signup_views import bp as signup_pages
    from tenants.signup_views import tenant_legal_bp
    from tenants.views import auth_bp, public_bp, tenant_auth_bp, tenant_bp

    for bp in (signup_pages, tenant_legal_bp):
        app.register_blueprint(bp)
    for bp in (public_bp, auth_bp, tenant_auth_bp, tenant_bp, network_pages, cases_pages, contracts_pages,
               billing_pages, billing_portal):
        app.register_blueprint(bp)
    for bp in (admin_console, tenant_export):  # the platform admin console (/admin) and the owners' export
        app.register_blueprint(bp)
    from tenants.stripe_views import bp as subscription_pages
    from tenants.stripe_views import webhook_bp as stripe_webhook

    app.register_blueprint(stripe_webhook)
    app.register_blueprint(subscription_pages)
    from tenants.account_views import bp as account_pages
    from tenants.second_factor_setting import bp as second_factor_setting

    app.register_blueprint(account_pages)
    app.register_blueprint(second_factor_setting)

    api.init_app(app)
    from core.api import register_security_scheme

    register_security_scheme()
    from billing.api import blueprints as billing_api
    from cases.api import blueprints as cases_api
    from contracts.api import blueprints as contracts_api
    from network.api import blueprints as network_api
    from tenants.api import blueprints as tenants_api
    from tenants.api_auth import authenticate_api_request

    app.before_request(authenticate_api_request)
    for bp in (*tenants_api, *network_api, *cases_api, *contracts_api, *billing_api):
        api.register_blueprint(bp)
        csrf.exempt(bp)  # bearer tokens, no cookies: CSRF does not apply


def _connect_signals() -> None:
    """Each package answers the questions of the layers below it (core.signals), in layer order: the demo seed
    runs network, cases, contracts, billing."""
    from billing import demo as billing_demo
    from billing import receivers as billing_receivers
    from cases import demo as cases_demo
    from cases import receivers as cases_receivers
    from contracts import demo as contracts_demo
    from contracts import receivers as contracts_receivers
    from core import signals
    from network import demo as network_demo
    from network import services as network_services

    for connect in (network_services.connect_signals, network_demo.connect_signals, cases_receivers.connect_signals,
                    cases_demo.connect_signals, contracts_receivers.connect_signals, contracts_demo.connect_signals,
                    billing_receivers.connect_signals, billing_demo.connect_signals):
        connect()
    signals.check_connected()


def _register_labels(app: Flask) -> None:
    """The names of each package's objects, fields, codes and audited actions (core.labels), for the audit log."""
    from billing import labels as billing_labels
    from cases import labels as cases_labels
    from contracts import labels as contracts_labels
    from core import labels
    from network import labels as network_labels
    from tenants import labels as tenants_labels

    for register in (tenants_labels.register, network_labels.register, cases_labels.register,
                     contracts_labels.register, billing_labels.register):
        register()
    app.jinja_env.globals.update(labelled_diff=labels.labelled_diff, object_text=labels.object_text,
                                 action_text=labels.action_text, actor_text=labels.actor_text)


def _register_cli(app: Flask) -> None:
    from tenants.cli import demo_cli, platform_cli

    app.cli.add_command(platform_cli)
    app.cli.add_command(demo_cli)


def _security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'",
        )
        if request.path.startswith("/api/") or g.get("tenant") is not None:
            response.headers.setdefault("Cache-Control", "no-store")  # social data is never cached
        if request.is_secure:  # behind the ingress this needs TRUSTED_PROXIES, so that X-Forwarded-Proto counts
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # SQLite ignores foreign keys unless told; the composite tenant FKs rely on them.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
        register_sqlite(dbapi_connection)  # the folded search (core.search.folded)
