"""Identity controls kept in the database, so every worker sees them:

- lockout: `XUESHI_LOCKOUT_THRESHOLD` (5) failed passwords lock a login for
  `XUESHI_LOCKOUT_MINUTES` (30); while locked even the right password fails,
  with the same message as an unknown login;
- failed logins per client address: after `XUESHI_CAPTCHA_AFTER` (3) the login
  form asks for an image CAPTCHA;
- passwords: policy (`passwords.py`), the last `XUESHI_PASSWORD_HISTORY` (5)
  not reused, expiry after `XUESHI_PASSWORD_MAX_AGE_DAYS` (90), a forced change
  at first login and after an administrator's reset;
- the token version: every session cookie and JWT carries the login's version;
  logout, password change, lockout, deactivation and role or scope changes bump
  it, which ends every session and token of that login at once.
Every step writes a security event (`audit.security_event`).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import current_app
from flask_babel import gettext
from sqlalchemy import delete, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models.identity import ClientFailure, LoginState, PasswordHistory
from ..services import audit
from .passwords import password_problem


def now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite returns naive UTC
        return value.replace(tzinfo=timezone.utc)
    return value


def setting(name: str) -> int:
    return int(current_app.config[name])


def state_of(user_id: int, *, lock: bool = False) -> LoginState:
    """The login's state row, created on first use."""
    stmt = select(LoginState).where(LoginState.user_id == user_id)
    if lock:
        stmt = stmt.with_for_update()
    state = db.session.execute(stmt).scalar_one_or_none()
    if state is None:
        state = LoginState(user_id=user_id, version=1, failed_logins=0, must_change_password=False,
                           password_changed_at=now(), totp_last_step=0)
        db.session.add(state)
        db.session.flush()
    return state


def current_version(user_id: int) -> int:
    version = db.session.execute(
        select(LoginState.version).where(LoginState.user_id == user_id)).scalar_one_or_none()
    return version if version is not None else 1


def end_sessions(user, reason: str) -> None:
    """Bump the token version: every session and token of the login stops working."""
    state = state_of(user.id)
    db.session.execute(update(LoginState).where(LoginState.user_id == user.id)
                       .values(version=LoginState.version + 1))
    db.session.expire(state)
    audit.security_event("session.revoked", user=user, reason=reason)


def purge_expired() -> dict[str, int]:
    """Remove refresh tokens past their expiry (used, revoked or not: none can be
    presented any more) and per-client failure counts older than the lockout window."""
    from ..models.identity import RefreshToken

    tokens = db.session.execute(delete(RefreshToken).where(RefreshToken.expires_at < now())).rowcount
    window = now() - timedelta(minutes=setting("XUESHI_LOCKOUT_MINUTES"))
    clients = db.session.execute(delete(ClientFailure).where(ClientFailure.last_at < window)).rowcount
    db.session.commit()
    return {"refresh_tokens": tokens or 0, "client_failures": clients or 0}


# ---- lockout -----------------------------------------------------------------

def locked(state: LoginState) -> bool:
    until = _aware(state.locked_until)
    return until is not None and until > now()


def login_failed(user) -> None:
    """A wrong password for an existing login: count it, lock at the threshold."""
    state = state_of(user.id, lock=True)
    if state.locked_until is not None and not locked(state):
        state.locked_until, state.failed_logins = None, 0
    state.failed_logins += 1
    if state.failed_logins >= setting("XUESHI_LOCKOUT_THRESHOLD") and not locked(state):
        minutes = setting("XUESHI_LOCKOUT_MINUTES")
        state.locked_until = now() + timedelta(minutes=minutes)
        state.failed_logins = 0
        audit.security_event("lockout", user=user, minutes=minutes)
        end_sessions(user, "lockout")


def login_succeeded(user) -> None:
    state = state_of(user.id, lock=True)
    state.failed_logins, state.locked_until = 0, None


# ---- failures per client -----------------------------------------------------

def client_failures(address: str | None) -> int:
    if not address:
        return 0
    row = db.session.get(ClientFailure, address)
    if row is None:
        return 0
    window = timedelta(minutes=setting("XUESHI_LOCKOUT_MINUTES"))
    return row.count if _aware(row.last_at) > now() - window else 0


def client_failed(address: str | None) -> None:
    if not address:
        return
    count = client_failures(address)
    row = db.session.get(ClientFailure, address, with_for_update=True)
    if row is None:
        db.session.add(ClientFailure(address=address, count=1, last_at=now()))
    else:
        row.count, row.last_at = count + 1, now()


def client_succeeded(address: str | None) -> None:
    if address:
        db.session.execute(delete(ClientFailure).where(ClientFailure.address == address))


def captcha_needed(address: str | None) -> bool:
    return client_failures(address) >= setting("XUESHI_CAPTCHA_AFTER")


# ---- passwords ---------------------------------------------------------------

def _hash(password: str) -> str:
    return generate_password_hash(
        password,
        method=current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
        salt_length=current_app.config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16),
    )


def _recent_hashes(user) -> list[str]:
    keep = setting("XUESHI_PASSWORD_HISTORY")
    rows = db.session.execute(
        select(PasswordHistory.password_hash).where(PasswordHistory.user_id == user.id)
        .order_by(PasswordHistory.id.desc()).limit(keep)
    ).scalars().all()
    hashes = list(rows)
    if user.password and user.password not in hashes:
        hashes.insert(0, user.password)
    return hashes[:keep]


def new_password_problem(user, password: str) -> str | None:
    """The policy plus: not one of the login's last passwords."""
    problem = password_problem(password, user.username)
    if problem:
        return problem
    if any(check_password_hash(h, password) for h in _recent_hashes(user)):
        return gettext("This password was used recently; choose one not among the last %(n)d.",
                       n=setting("XUESHI_PASSWORD_HISTORY"))
    return None


def record_password(user, *, by_administrator: bool) -> None:
    """After `user.password` was set: history, age, forced change, sessions end."""
    db.session.add(PasswordHistory(user_id=user.id, password_hash=user.password, created_at=now()))
    keep = setting("XUESHI_PASSWORD_HISTORY")
    old = db.session.execute(
        select(PasswordHistory.id).where(PasswordHistory.user_id == user.id)
        .order_by(PasswordHistory.id.desc()).offset(keep)
    ).scalars().all()
    if old:
        db.session.execute(delete(PasswordHistory).where(PasswordHistory.id.in_(old)))
    state = state_of(user.id)
    state.password_changed_at = now()
    state.must_change_password = by_administrator
    state.failed_logins, state.locked_until = 0, None
    audit.security_event("password.reset" if by_administrator else "password.change", user=user)
    end_sessions(user, "password")


def set_password(user, password: str, *, by_administrator: bool) -> None:
    user.password = _hash(password)
    db.session.flush()
    record_password(user, by_administrator=by_administrator)


def password_expired(state: LoginState) -> bool:
    """Older than XUESHI_PASSWORD_MAX_AGE_DAYS (0: never expires)."""
    changed = _aware(state.password_changed_at)
    days = setting("XUESHI_PASSWORD_MAX_AGE_DAYS")
    return bool(days) and changed is not None and changed < now() - timedelta(days=days)


def password_change_reason(state: LoginState) -> str | None:
    """Why the login must change its password before anything else, if it must."""
    if state.must_change_password:
        return gettext("Choose a new password before you continue.")
    if password_expired(state):
        return gettext("Your password is older than %(n)d days; choose a new one.",
                       n=setting("XUESHI_PASSWORD_MAX_AGE_DAYS"))
    return None
