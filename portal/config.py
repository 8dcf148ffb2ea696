"""Configuration read from the environment: one place, one class per deployment kind."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_minutes(name: str, default: int) -> timedelta:
    return timedelta(minutes=int(os.environ.get(name, default)))


class Config:
    """Development and the embedded default: SQLite under instance/, local accounts on."""

    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'portal.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {
        "pool_pre_ping": True,
        # gunicorn.conf.py sets it to the threads of a worker: one connection each.
        **({"pool_size": int(os.environ["DB_POOL_SIZE"])} if "DB_POOL_SIZE" in os.environ else {}),
    }

    # Sessions: a fresh one on sign-in, idle and absolute limits checked server-side.
    SESSION_IDLE_TIMEOUT = _env_minutes("SESSION_IDLE_MINUTES", 30)
    SESSION_ABSOLUTE_LIFETIME = _env_minutes("SESSION_ABSOLUTE_MINUTES", 12 * 60)
    PERMANENT_SESSION_LIFETIME = SESSION_ABSOLUTE_LIFETIME
    SESSION_COOKIE_NAME = "efi_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # The cookie goes out only when the session changed: re-sent on every answer, a background
    # request's copy (a count, a duplicate check) could overwrite the one a concurrent post
    # wrote, and its flash message with it.
    SESSION_REFRESH_EACH_REQUEST = False
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_DURATION = timedelta(0)

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    WTF_CSRF_HEADERS = ["X-CSRFToken"]

    # Local accounts (argon2) for the embedded default and small installs.
    LOCAL_ACCOUNTS_ENABLED = _env_bool("LOCAL_ACCOUNTS_ENABLED", True)
    LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", 5))
    LOGIN_LOCKOUT = _env_minutes("LOGIN_LOCKOUT_MINUTES", 15)
    # argon2 hashes running at once per process, and how long a sign-in waits for one (503
    # after): a storm of sign-ins then cannot take every core from the pages.
    PASSWORD_HASHES_AT_ONCE = int(os.environ.get("PASSWORD_HASHES_AT_ONCE", 1))
    PASSWORD_HASH_WAIT = float(os.environ.get("PASSWORD_HASH_WAIT_SECONDS", 10))
    DEMO_ACCOUNTS_ALLOWED = True

    # OpenID Connect single sign-on; off unless an issuer is configured.
    OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "")
    OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
    OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
    OIDC_SCOPES = os.environ.get("OIDC_SCOPES", "openid email profile")
    OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "Single sign-on")
    # Roles come from one claim, mapped to portal roles: "idp-group=portal_role,..."
    OIDC_ROLES_CLAIM = os.environ.get("OIDC_ROLES_CLAIM", "groups")
    OIDC_ROLE_MAP = os.environ.get("OIDC_ROLE_MAP", "")

    # Field encryption (tax ids...): "keyid:base64key,..." with the current key first. Unset in
    # development means one key derived from SECRET_KEY; production refuses to start without it.
    FIELD_ENCRYPTION_KEYS = os.environ.get("FIELD_ENCRYPTION_KEYS", "")

    # Customer ports: "offline" checks formats locally, "http" asks ADDRESS_VERIFIER_URL.
    ADDRESS_VERIFIER = os.environ.get("ADDRESS_VERIFIER", "offline")
    ADDRESS_VERIFIER_URL = os.environ.get("ADDRESS_VERIFIER_URL", "")
    ADDRESS_VERIFIER_TIMEOUT = float(os.environ.get("ADDRESS_VERIFIER_TIMEOUT", 5))
    # "log" writes verification codes to the log (development only), "smtp" e-mails them.
    NOTIFIER = os.environ.get("NOTIFIER", "log")
    SMTP_HOST = os.environ.get("SMTP_HOST", "")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", 587))
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = _env_bool("SMTP_STARTTLS", True)
    SMTP_SENDER = os.environ.get("SMTP_SENDER", "no-reply@efi.example")

    # The largest request body taken (413 beyond): the CSV import's 5 MB file and its form.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 6 * 1024 * 1024))

    # Times are stored in UTC and shown in this zone (an IANA name), always with the zone stated.
    DISPLAY_TIMEZONE = os.environ.get("DISPLAY_TIMEZONE", "UTC")
    # A phone typed without its country code ("(876) 555-0104") is read in this region (ISO
    # 3166 alpha-2) and stored in E.164.
    PHONE_REGION = os.environ.get("PHONE_REGION", "JM")

    # /metrics answers only these networks (comma-separated CIDRs) or the bearer METRICS_TOKEN.
    METRICS_ALLOWED_NETWORKS = os.environ.get("METRICS_ALLOWED_NETWORKS", "127.0.0.1/32,::1/128")
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
    METRICS_ENABLED = _env_bool("METRICS_ENABLED", True)
    # LOG_FORMAT=json: one JSON object per line for the log pipeline; else lines for people.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")

    AUDIT_PAGE_SIZE = 50
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    LOGIN_LOCKOUT = timedelta(minutes=15)
    FIELD_ENCRYPTION_KEYS = "test:dGVzdC1maWVsZC1rZXktMzItYnl0ZXMtbG9uZyEhISE="
    ADDRESS_VERIFIER = "offline"
    NOTIFIER = "log"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    DEMO_ACCOUNTS_ALLOWED = False
    ALLOW_SQLITE = _env_bool("ALLOW_SQLITE_IN_PRODUCTION", False)


class ConfigurationError(RuntimeError):
    """The configuration would run the portal unsafely; refuse to start."""


def config_for_environment() -> type[Config]:
    return ProductionConfig if os.environ.get("PORTAL_ENV") == "production" else Config


def check_config(config: dict) -> None:
    """Refuse to start with settings that are only safe on a developer's machine."""
    if not config.get("SECRET_KEY"):
        raise ConfigurationError("SECRET_KEY must be set in the environment.")
    _check_timezone(config.get("DISPLAY_TIMEZONE", "UTC"))
    config["METRICS_NETWORKS"] = _networks(config.get("METRICS_ALLOWED_NETWORKS", ""))
    if config.get("LOG_FORMAT", "text") not in ("text", "json"):
        raise ConfigurationError("LOG_FORMAT must be text or json.")
    if config.get("ENV_NAME") != "production":
        return
    if len(config["SECRET_KEY"]) < 32:
        raise ConfigurationError("SECRET_KEY is too short for production (32+ characters).")
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") and not config.get("ALLOW_SQLITE"):
        raise ConfigurationError(
            "Production runs on PostgreSQL; set ALLOW_SQLITE_IN_PRODUCTION=1 to override."
        )
    if not config.get("FIELD_ENCRYPTION_KEYS", "").strip():
        raise ConfigurationError("FIELD_ENCRYPTION_KEYS must be set in production.")
    from portal.security.crypto import FieldCryptoError, parse_keys

    try:
        parse_keys(config["FIELD_ENCRYPTION_KEYS"])
    except FieldCryptoError as exc:
        raise ConfigurationError(f"FIELD_ENCRYPTION_KEYS: {exc}") from exc


def _check_timezone(name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigurationError(
            f"DISPLAY_TIMEZONE {name!r} is not an IANA time zone (e.g. America/Jamaica)."
        ) from exc


def _networks(listed: str) -> list:
    import ipaddress

    try:
        return [ipaddress.ip_network(n.strip()) for n in listed.split(",") if n.strip()]
    except ValueError as exc:
        raise ConfigurationError(f"METRICS_ALLOWED_NETWORKS: {exc}") from exc
