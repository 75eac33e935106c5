"""Configuration from environment variables (the README's table lists every one of them)."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", ROOT / "instance"))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class UnsafeConfiguration(RuntimeError):
    """The configuration would make a production start unsafe; the message says why in one line."""


def production() -> bool:
    return (os.environ.get("APP_ENV") or "").strip().lower() == "production"


def _secret_key() -> str:
    """SECRET_KEY from the environment. Without it: refused in production; elsewhere a random key made once and
    kept in the instance folder (mode 0600), so that no two installations share a key anyone can read."""
    key = os.environ.get("SECRET_KEY")
    if key and production() and len(key) < 32:
        raise UnsafeConfiguration("SECRET_KEY is too short for production: at least 32 characters "
                                  "(e.g. `openssl rand -hex 32`)")
    if key:
        return key
    if production():
        raise UnsafeConfiguration("APP_ENV=production needs SECRET_KEY (a long random value, e.g. `openssl rand "
                                  "-hex 32`); refusing to start with a generated one")
    import secrets

    path = Path(os.environ.get("INSTANCE_DIR") or INSTANCE_DIR) / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        # written aside and linked into place: a worker starting at the same moment reads a whole key or none
        tmp = path.with_name(f".secret_key.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another worker was first: use its key
        finally:
            tmp.unlink()
        return path.read_text().strip()


def load_config() -> dict:
    """Read the environment once, at app creation."""
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'buendnisnetz.db'}"
    broker = os.environ.get("CELERY_BROKER_URL") or None
    embedded = database_url.startswith("sqlite")
    config = {
        "SECRET_KEY": _secret_key(),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MIGRATIONS_DATABASE_URL": os.environ.get("MIGRATIONS_DATABASE_URL") or database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "STORAGE_DIR": os.environ.get("STORAGE_DIR") or str(INSTANCE_DIR / "storage"),
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": os.environ.get("CELERY_RESULT_BACKEND") or broker,
        # Sessions: HttpOnly always, Secure unless explicitly running on plain http locally.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", not embedded),
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", not embedded),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PERMANENT_SESSION_LIFETIME": int(os.environ.get("SESSION_LIFETIME_SECONDS", 8 * 3600)),
        # the cookie is not re-signed on every request: a session ends at its absolute lifetime (tenants.web)
        "SESSION_REFRESH_EACH_REQUEST": False,
        # reverse proxies in front of the app whose X-Forwarded-* headers are trusted (the ingress: 1)
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", 0)),
        "WTF_CSRF_ENABLED": _bool("WTF_CSRF_ENABLED", True),
        # argon2id parameters: "default" (RFC 9106); "cheapest" only for the test suite, refused in production
        "PASSWORD_HASH_PROFILE": os.environ.get("PASSWORD_HASH_PROFILE") or "default",
        "WTF_CSRF_TIME_LIMIT": None,  # token lives as long as the session
        # shared by every process and pod; by default the broker's Redis when there is one (in memory, each gunicorn
        # worker would count on its own)
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI")
        or (broker if broker and broker.startswith(("redis://", "rediss://")) else "memory://"),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT") or "10 per minute",
        "API_TOKEN_TTL_SECONDS": int(os.environ.get("API_TOKEN_TTL_SECONDS", 12 * 3600)),
        "BABEL_DEFAULT_LOCALE": "de",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Berlin",
        "LANGUAGES": ["de", "en"],
        # Mail: with no MAIL_SERVER the mails are printed to the console (embedded default).
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", 587)),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", True),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL", False),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER") or "Bündnisnetz <noreply@buendnisnetz.local>",
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000",
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY") or None,
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET") or None,
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE") or None,
        # the Stripe price of each paid plan (tenants.plans); a plan without a price id is not offered
        "STRIPE_PRICE_STANDARD": os.environ.get("STRIPE_PRICE_STANDARD") or None,
        "STRIPE_PRICE_NETWORK": os.environ.get("STRIPE_PRICE_NETWORK") or None,
        "SUBSCRIPTION_TRIAL_DAYS": int(os.environ.get("SUBSCRIPTION_TRIAL_DAYS", 30)),
        # days a subscription may stay past_due (a banner for the owner) before the alliance becomes read-only
        "PAST_DUE_GRACE_DAYS": int(os.environ.get("PAST_DUE_GRACE_DAYS", 14)),
        # days between a platform admin closing an alliance and the deletion of its rows and files
        "TENANT_CLOSING_GRACE_DAYS": int(os.environ.get("TENANT_CLOSING_GRACE_DAYS", 30)),
        "IMPERSONATION_MINUTES": int(os.environ.get("IMPERSONATION_MINUTES", 30)),
        "EMAIL_VERIFICATION_MAX_AGE_SECONDS": int(os.environ.get("EMAIL_VERIFICATION_MAX_AGE_SECONDS", 48 * 3600)),
        "SIGNUP_RATE_LIMIT": os.environ.get("SIGNUP_RATE_LIMIT") or "5 per hour",
        "SIGNUP_UNCONFIRMED_DAYS": int(os.environ.get("SIGNUP_UNCONFIRMED_DAYS", 14)),
        "SOFFICE_BINARY": os.environ.get("SOFFICE_BINARY") or "soffice",
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_BYTES", 20 * 1024 * 1024)),
        # OpenAPI document at /api/v1/openapi.json (flask-smorest)
        "API_TITLE": "Bündnisnetz API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
    profile = config["PASSWORD_HASH_PROFILE"]
    if profile not in ("default", "cheapest") or (production() and profile != "default"):
        raise UnsafeConfiguration(f"PASSWORD_HASH_PROFILE={profile!r}: production hashes with the default profile")
    return config
