"""What a production start refuses (`APP_ENV=production`), each with one line that says why.

The configuration is checked before anything is served (`check_config`), the database role once the engine
exists (`check_database_role`): the application must connect as a role that row-level security binds.
"""
from sqlalchemy import text

from core.config import UnsafeConfiguration


def check_config(config: dict) -> None:
    url = config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        raise UnsafeConfiguration("DATABASE_URL is SQLite: production needs PostgreSQL (row-level security, "
                                  "concurrent writers)")
    if not config.get("SESSION_COOKIE_SECURE"):
        raise UnsafeConfiguration("SESSION_COOKIE_SECURE is off: production sends session cookies over HTTPS only")
    if not config.get("WTF_CSRF_ENABLED"):
        raise UnsafeConfiguration("WTF_CSRF_ENABLED is off: production checks the CSRF token of every form")
    if not config.get("RATELIMIT_ENABLED"):
        raise UnsafeConfiguration("RATELIMIT_ENABLED is off: production limits login and token attempts")
    if str(config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://"):
        raise UnsafeConfiguration("RATELIMIT_STORAGE_URI is in memory: each process would count on its own; point "
                                  "it (or CELERY_BROKER_URL) at Redis")
    if config.get("MIGRATIONS_DATABASE_URL") == url:
        raise UnsafeConfiguration("DATABASE_URL equals MIGRATIONS_DATABASE_URL: the application must not connect "
                                  "as the role that owns the tables")


def check_database_role(engine) -> None:
    """Refuse a runtime role that is superuser, has BYPASSRLS or owns tables (row-level security would not bind
    it)."""
    with engine.connect() as conn:
        role = conn.execute(text("SELECT rolname, rolsuper, rolbypassrls FROM pg_roles "
                                 "WHERE rolname = current_user")).one()
        owned = conn.execute(text(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = current_user")).scalar()
    if role.rolsuper or role.rolbypassrls or owned:
        why = "is superuser" if role.rolsuper else "has BYPASSRLS" if role.rolbypassrls else "owns tables"
        raise UnsafeConfiguration(f"the database role {role.rolname} {why}: connect as a runtime role that "
                                  "row-level security binds (see the README)")
