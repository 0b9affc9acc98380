"""Xueshi configuration, read from the environment.

XUESHI_DATABASE_URL   SQLAlchemy URL (default: SQLite file instance/xueshi.db)
XUESHI_SECRET_KEY     session/JWT key; if unset, one is generated on first run
                      and kept in instance/secret_key (never committed)
XUESHI_DIGEST_KEY     key of the HMACs of personal data (dedupe keys); if unset,
                      generated once into instance/digest_key
XUESHI_INSTANCE_DIR   where the SQLite file, the key and uploads live
XUESHI_UPLOAD_DIR     evidence storage, outside the web root (default instance/uploads)
XUESHI_AUTH_RATE_LIMIT login attempts allowed per client (default "10 per minute")
XUESHI_RATELIMIT_STORAGE_URI  shared limiter storage for several workers (e.g. redis://)
XUESHI_SESSION_COOKIE_SECURE  "1" behind HTTPS (Secure cookies, HSTS); default "1" in production
XUESHI_PUBLIC_BASE_URL  base URL printed in certificate QR codes
XUESHI_LOCKOUT_THRESHOLD / XUESHI_LOCKOUT_MINUTES  failed passwords that lock a login, and for how long
XUESHI_CAPTCHA_AFTER  failed logins from one client before the login form asks for a CAPTCHA
XUESHI_PASSWORD_MAX_AGE_DAYS / XUESHI_PASSWORD_HISTORY  password expiry, passwords not reused
XUESHI_ACCOUNT_RATE_LIMIT  login attempts per account name, from any client
XUESHI_JWT_ACCESS_MINUTES / XUESHI_JWT_REFRESH_HOURS  token lifetimes
XUESHI_AUDIT_KEY / XUESHI_AUDIT_KEY_FILE  the audit chain's HMAC key (never in the database)
XUESHI_AUDIT_HASH     hmac-sha256 (default) or hmac-sm3
XUESHI_AUDIT_ANCHOR_DIR / XUESHI_AUDIT_ARCHIVE_DIR  signed chain heads and archives (WORM storage)
XUESHI_AUDIT_RETENTION_DAYS  days entries stay in the database before audit-archive (>= 180)
XUESHI_ENV            "production" turns on the production checks (app/runtime.py)
XUESHI_REDIS_URL      Redis for the job queue (and, unless set apart, the rate limits);
                      unset: the queue lives in instance/jobs.db (SQLite)
XUESHI_HOST / XUESHI_PORT, XUESHI_WORKERS / XUESHI_THREADS, XUESHI_TIMEOUT,
XUESHI_FORWARDED_ALLOW_IPS  the web server (gunicorn.conf.py)
XUESHI_LOOKUP_ROWS_PER_DAY       ID numbers one login may look up per day (checks, rosters)
XUESHI_LOOKUP_FILES_PER_DAY      bulk checks and roster imports per login per day
XUESHI_LOOKUP_NOT_FOUND_PER_DAY  not-found/mismatched numbers that stop a login's checks
                                 for the day and alert the association
XUESHI_ISSUER_CREDIT_CODE  the association's 统一社会信用代码, part of every certificate identifier
XUESHI_SMTP_URL       e-mail for messages, e.g. smtp://user:password@mail.example:587
                      (smtp+starttls:// for STARTTLS); unset: no e-mail
XUESHI_MAIL_FROM      sender address of that e-mail
XUESHI_REMINDER_DATES title-season reminder date per year, e.g. "2026=09-01,2027=08-15" (default 09-01)
XUESHI_SIGNER_P12     the association's signing key and certificate (PKCS#12 file)
XUESHI_SIGNER_PASSPHRASE  its passphrase
XUESHI_CREDENTIAL_KEY the Ed25519 private JWK (file) that signs Open Badges credentials
XUESHI_ENV            "production" never falls back to the demo signer and key
XUESHI_BACKUP_DIR / XUESHI_BACKUP_KEEP  the consumer's nightly backups and how many stay (14)
XUESHI_JOB_KEEP_DAYS  days finished jobs and their files are kept (30)
XUESHI_DASHBOARD_TTL  seconds a dashboard's figures are kept per year and district (default 60)
"""
from __future__ import annotations

import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

from flask_appbuilder.const import AUTH_DB

BASE_DIR = Path(__file__).resolve().parent


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


def instance_dir() -> Path:
    path = Path(_env("XUESHI_INSTANCE_DIR", str(BASE_DIR / "instance")))
    path.mkdir(parents=True, exist_ok=True)
    return path


def key_from(value: str | None, path: Path) -> str:
    """`value` (from the environment) if set, else the key in the file at `path`,
    generated once (mode 0600). The key is written to a file of its own and linked
    into place whole: a worker starting beside the first never reads an empty key
    (and signs nothing with it); of concurrent first starts, the winner's key stays."""
    if value:
        return value
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, written = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
            try:
                os.link(written, path)
            except FileExistsError:
                pass
        finally:
            os.unlink(written)
    return path.read_text().strip()


def secret_key() -> str:
    """XUESHI_SECRET_KEY signs sessions and CSRF tokens."""
    return key_from(_env("XUESHI_SECRET_KEY"), instance_dir() / "secret_key")


def digest_key() -> str:
    """XUESHI_DIGEST_KEY keys the HMACs of personal data (dedupe keys)."""
    return key_from(_env("XUESHI_DIGEST_KEY"), instance_dir() / "digest_key")


def database_url() -> str:
    return _env("XUESHI_DATABASE_URL", f"sqlite:///{instance_dir() / 'xueshi.db'}")


def redis_url() -> str | None:
    return _env("XUESHI_REDIS_URL")


def ratelimit_storage_uri() -> str:
    """Limits are counted where every worker sees them: Redis when there is one."""
    return _env("XUESHI_RATELIMIT_STORAGE_URI", redis_url() or "memory://")


def forwarded_allow_ips() -> list[str]:
    """The reverse proxy (one) whose X-Forwarded-* headers are believed."""
    return [ip.strip() for ip in _env("XUESHI_FORWARDED_ALLOW_IPS", "127.0.0.1,::1").split(",")
            if ip.strip()]


def engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # wait for the write lock instead of failing at once
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}


def https_only() -> bool:
    """XUESHI_SESSION_COOKIE_SECURE, default on in production mode, off otherwise."""
    default = "1" if _env("XUESHI_ENV", "development") == "production" else "0"
    return _env("XUESHI_SESSION_COOKIE_SECURE", default) == "1"


def build() -> dict:
    """All settings as a dict, evaluated when an app is created."""
    inst = instance_dir()
    return {
        "SECRET_KEY": secret_key(),
        "XUESHI_DIGEST_KEY": digest_key(),
        "SQLALCHEMY_DATABASE_URI": database_url(),
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        # Alembic owns the schema; permissions are synced by `xueshi init`.
        "FAB_CREATE_DB": False,
        "FAB_UPDATE_PERMS": False,
        "FAB_ADD_SECURITY_API": True,
        "FAB_API_SWAGGER_UI": True,
        # app/views/openapi.py serves the document (corrected to the real responses)
        "FAB_ADD_OPENAPI_VIEWS": False,
        "FAB_ADD_SECURITY_PERMISSION_VIEW": False,
        "FAB_ADD_SECURITY_VIEW_MENU_VIEW": False,
        "FAB_ADD_SECURITY_PERMISSION_VIEWS_VIEW": False,
        "FAB_SECURITY_MANAGER_CLASS": "app.security.manager.XueshiSecurityManager",
        "FAB_INDEX_VIEW": "app.views.home.HomeView",
        "FAB_BASE_TEMPLATE": "xueshi/baselayout.html",
        "APP_NAME": "学时 · 青岛市继续教育学时管理",
        "APP_THEME": "",
        # Authentication and login hygiene
        "AUTH_TYPE": AUTH_DB,
        "AUTH_ROLE_ADMIN": "Admin",
        "AUTH_ROLE_PUBLIC": "Public",
        "AUTH_USER_REGISTRATION": False,
        "AUTH_RATE_LIMITED": True,
        "AUTH_RATE_LIMIT": _env("XUESHI_AUTH_RATE_LIMIT", "10 per minute"),
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": ratelimit_storage_uri(),
        "RATELIMIT_HEADERS_ENABLED": True,
        "FAB_PASSWORD_COMPLEXITY_ENABLED": True,
        "FAB_PASSWORD_COMPLEXITY_VALIDATOR": _password_validator,
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=30),
        "SESSION_REFRESH_EACH_REQUEST": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # production is served over HTTPS (its base URL must be https://): Secure cookies
        # and HSTS unless explicitly turned off
        "SESSION_COOKIE_SECURE": https_only(),
        "REMEMBER_COOKIE_DURATION": timedelta(minutes=30),
        "REMEMBER_COOKIE_SECURE": https_only(),
        "REMEMBER_COOKIE_HTTPONLY": True,
        # JWTs carry the login's token version (ended by logout, password change…);
        # refresh tokens are single-use, a reused one ends the whole family.
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=_int("XUESHI_JWT_ACCESS_MINUTES", 15)),
        "JWT_REFRESH_TOKEN_EXPIRES": timedelta(hours=_int("XUESHI_JWT_REFRESH_HOURS", 8)),
        # Identity controls (app/security/identity.py)
        "XUESHI_LOCKOUT_THRESHOLD": _int("XUESHI_LOCKOUT_THRESHOLD", 5),
        "XUESHI_LOCKOUT_MINUTES": _int("XUESHI_LOCKOUT_MINUTES", 30),
        "XUESHI_CAPTCHA_AFTER": _int("XUESHI_CAPTCHA_AFTER", 3),
        "XUESHI_PASSWORD_MAX_AGE_DAYS": _int("XUESHI_PASSWORD_MAX_AGE_DAYS", 90),
        "XUESHI_PASSWORD_HISTORY": _int("XUESHI_PASSWORD_HISTORY", 5),
        "XUESHI_ACCOUNT_RATE_LIMIT": _env("XUESHI_ACCOUNT_RATE_LIMIT", "20 per hour"),
        # FAB's templates carry a nonce on every script; inline style attributes remain.
        "XUESHI_CSP": (
            "default-src 'self'; script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
            "connect-src 'self'; frame-ancestors 'self'; object-src 'none'; base-uri 'self'; "
            "form-action 'self'"
        ),
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,
        # Audit chain: key outside the database, anchors and archives outside it too
        "XUESHI_AUDIT_KEY": _env("XUESHI_AUDIT_KEY"),
        "XUESHI_AUDIT_KEY_FILE": _env("XUESHI_AUDIT_KEY_FILE", str(inst / "audit_key")),
        "XUESHI_AUDIT_HASH": _env("XUESHI_AUDIT_HASH", "hmac-sha256"),
        "XUESHI_AUDIT_ANCHOR_DIR": _env("XUESHI_AUDIT_ANCHOR_DIR", str(inst / "audit-anchors")),
        "XUESHI_AUDIT_ARCHIVE_DIR": _env("XUESHI_AUDIT_ARCHIVE_DIR", str(inst / "audit-archive")),
        "XUESHI_AUDIT_RETENTION_DAYS": _int("XUESHI_AUDIT_RETENTION_DAYS", 180),
        # Language: Chinese first, English available
        "BABEL_DEFAULT_LOCALE": "zh",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": {
            "zh": {"flag": "cn", "name": "简体中文"},
            "en": {"flag": "gb", "name": "English"},
        },
        # FAB merges its own catalog first; ours (FAB overrides, then the app) win.
        "BABEL_TRANSLATION_DIRECTORIES": ";".join(
            [str(BASE_DIR / "translations_fab"), str(BASE_DIR / "translations")]
        ),
        # Files
        "XUESHI_UPLOAD_DIR": _env("XUESHI_UPLOAD_DIR", str(inst / "uploads")),
        "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
        "XUESHI_MAX_UPLOAD_BYTES": 10 * 1024 * 1024,
        "XUESHI_PUBLIC_BASE_URL": _env("XUESHI_PUBLIC_BASE_URL", "http://127.0.0.1:8080"),
        # a placeholder with a valid check character until the association's own is set
        "XUESHI_ISSUER_CREDIT_CODE": _env("XUESHI_ISSUER_CREDIT_CODE", "51370200MJ0000000N"),
        "XUESHI_ENV": _env("XUESHI_ENV", "development"),
        "XUESHI_SIGNER_P12": _env("XUESHI_SIGNER_P12"),
        "XUESHI_SIGNER_PASSPHRASE": _env("XUESHI_SIGNER_PASSPHRASE"),
        "XUESHI_CREDENTIAL_KEY": _env("XUESHI_CREDENTIAL_KEY"),
        "XUESHI_CJK_FONT": _env(
            "XUESHI_CJK_FONT", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
        ),
        "FAB_API_MAX_PAGE_SIZE": 100,
        # the public certificate verify page, per client
        "XUESHI_VERIFY_RATE_LIMIT": _env("XUESHI_VERIFY_RATE_LIMIT", "30 per minute"),
        # the lookup by number and name, per client: guessing names stays slow
        "XUESHI_VERIFY_LOOKUP_RATE_LIMIT": _env("XUESHI_VERIFY_LOOKUP_RATE_LIMIT", "10 per minute"),
        "XUESHI_VERIFY_MAX_BYTES": 4 * 1024 * 1024,  # an uploaded certificate PDF or credential
        # messages by e-mail, sent after the step by a background job
        "XUESHI_SMTP_URL": _env("XUESHI_SMTP_URL"),
        "XUESHI_MAIL_FROM": _env("XUESHI_MAIL_FROM", "xueshi@localhost"),
        "XUESHI_REMINDER_DATES": {
            year.strip(): day.strip() for year, day in (
                item.split("=", 1) for item in (_env("XUESHI_REMINDER_DATES", "") or "").split(",")
                if "=" in item)},
        # ID-number lookups per login and day (checks, bulk checks, roster imports)
        "XUESHI_LOOKUP_ROWS_PER_DAY": int(_env("XUESHI_LOOKUP_ROWS_PER_DAY", "50000")),
        "XUESHI_LOOKUP_FILES_PER_DAY": int(_env("XUESHI_LOOKUP_FILES_PER_DAY", "50")),
        "XUESHI_LOOKUP_NOT_FOUND_PER_DAY": int(_env("XUESHI_LOOKUP_NOT_FOUND_PER_DAY", "200")),
        "XUESHI_DASHBOARD_TTL": int(_env("XUESHI_DASHBOARD_TTL", "60")),
        # uploads with more rows than this are worked through by a job, not the request
        "XUESHI_JOB_ROWS": int(_env("XUESHI_JOB_ROWS", "500")),
        # finished jobs (and their result files) are removed after this many days
        "XUESHI_JOB_KEEP_DAYS": int(_env("XUESHI_JOB_KEEP_DAYS", "30")),
        # the consumer's nightly backup: where, and how many are kept there
        "XUESHI_BACKUP_DIR": _env("XUESHI_BACKUP_DIR", str(inst / "backups")),
        "XUESHI_BACKUP_KEEP": int(_env("XUESHI_BACKUP_KEEP", "14")),
        # a running job silent for this long (seconds) was interrupted: run it again
        "XUESHI_JOB_STALE_SECONDS": int(_env("XUESHI_JOB_STALE_SECONDS", "300")),
        "XUESHI_ENV": _env("XUESHI_ENV", "development"),
        # production mode checks that these came from the environment
        "XUESHI_SECRET_FROM_ENV": _env("XUESHI_SECRET_KEY") is not None,
        "XUESHI_PUBLIC_BASE_URL_FROM_ENV": _env("XUESHI_PUBLIC_BASE_URL") is not None,
        "XUESHI_REDIS_URL": redis_url(),
        "XUESHI_FORWARDED_ALLOW_IPS": forwarded_allow_ips(),
        # /readyz: a consumer heartbeat older than this (seconds) is not ready
        "XUESHI_HEARTBEAT_MAX_AGE": int(_env("XUESHI_HEARTBEAT_MAX_AGE", "60")),
    }


def _password_validator(password: str) -> None:
    from app.security.passwords import check_password_strength

    check_password_strength(password)
