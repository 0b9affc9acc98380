"""The second factor: TOTP (RFC 6238, pyotp) and one-time recovery codes.

- Which logins must have it is a flag per role (`roles.SECOND_FACTOR`); any
  other login may enrol and is then asked for a code too.
- The TOTP secret is stored encrypted (Fernet, a key derived from
  XUESHI_DIGEST_KEY, which lives in the environment or the instance folder,
  never in a table). A secret is a candidate until its first code confirms it.
- A code is good once: the last accepted time step is kept, so a replayed
  code fails.
- Recovery codes are shown once at enrolment and stored only as keyed digests
  (`keyed.digest`); each works once.
- A wrong code counts toward the login's lockout like a wrong password.
Every step writes a security event.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from sqlalchemy import delete, select

from ..extensions import db
from ..models.identity import LoginState, RecoveryCode
from ..services import audit
from . import identity, keyed
from .roles import second_factor_required

ISSUER = "Xueshi"
RECOVERY_CODES = 10
_VALID_WINDOW = 1  # the step before and after the current one (clock drift)


def required(user) -> bool:
    return second_factor_required(r.name for r in user.roles)


def enrolled(state: LoginState) -> bool:
    return state.totp_enabled_at is not None and bool(state.totp_secret)


def needs_enrolment(user, state: LoginState | None = None) -> bool:
    """A login whose role requires the second factor and which has none yet."""
    return required(user) and not enrolled(state or identity.state_of(user.id))


# ---- secrets at rest ---------------------------------------------------------

def _fernet() -> Fernet:
    key = hmac.new(current_app.config["XUESHI_DIGEST_KEY"].encode(), b"xueshi totp secret v1",
                   hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def _open(sealed: str) -> str | None:
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def secret_of(state: LoginState) -> str | None:
    return _open(state.totp_secret) if state.totp_secret else None


# ---- enrolment ---------------------------------------------------------------

def candidate(user) -> str:
    """The secret being enrolled (kept until confirmed, so a reloaded page shows the same QR)."""
    state = identity.state_of(user.id, lock=True)
    if enrolled(state):
        raise ValueError("already enrolled")
    secret = secret_of(state)
    if secret is None:
        secret = pyotp.random_base32()
        state.totp_secret = _seal(secret)
        db.session.commit()
    return secret


def provisioning_uri(user, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _normalise(code: str | None) -> str:
    return "".join(ch for ch in (code or "") if ch.isalnum()).upper()


def _recovery_digest(user_id: int, code: str) -> str:
    return keyed.digest("recovery-code", user_id, _normalise(code))


def _new_recovery_codes(user) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(alphabet) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_recovery_digest(user.id, raw)))
    return codes


def _step_of(secret: str, code: str) -> int | None:
    """The time step `code` belongs to (within the drift window), or None."""
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now = int(time.time())
    for offset in range(-_VALID_WINDOW, _VALID_WINDOW + 1):
        at = now + offset * totp.interval
        if hmac.compare_digest(totp.at(at), code):
            return int(at // totp.interval)
    return None


def confirm(user, code: str) -> list[str] | None:
    """Confirm the candidate secret with a first code: the new recovery codes, or None."""
    state = identity.state_of(user.id, lock=True)
    secret = secret_of(state)
    step = _step_of(secret, _normalise(code)) if secret and not enrolled(state) else None
    if step is None:
        audit.security_event("mfa.failure", user=user, stage="enrolment")
        identity.login_failed(user)
        db.session.commit()
        return None
    state.totp_enabled_at = identity.now()
    state.totp_last_step = step
    codes = _new_recovery_codes(user)
    audit.security_event("mfa.enrol", user=user, recovery_codes=len(codes))
    db.session.commit()
    return codes


def enrol_with_secret(user, secret: str) -> list[str]:
    """Enrol a known secret at once (the demo's logins); returns new recovery codes."""
    state = identity.state_of(user.id, lock=True)
    state.totp_secret = _seal(secret)
    state.totp_enabled_at = identity.now()
    state.totp_last_step = 0
    codes = _new_recovery_codes(user)
    audit.security_event("mfa.enrol", user=user, recovery_codes=len(codes), by="cli")
    return codes


# ---- verification ------------------------------------------------------------

def _succeeded(user) -> None:
    # the password alone reset nothing (manager.authenticate): the failures end here
    identity.login_succeeded(user)
    identity.client_succeeded(audit.client_address())


def verify(user, code: str | None) -> bool:
    """A TOTP code or an unused recovery code for an enrolled login. Audited; a
    wrong code counts toward lockout; a locked login fails whatever it types."""
    state = identity.state_of(user.id, lock=True)
    given = _normalise(code)
    if identity.locked(state) or not enrolled(state):
        audit.security_event("mfa.failure", user=user,
                             reason="locked" if identity.locked(state) else "not enrolled")
        db.session.commit()
        return False
    step = _step_of(secret_of(state) or "", given)
    if step is not None and step > (state.totp_last_step or 0):
        state.totp_last_step = step
        _succeeded(user)
        audit.security_event("mfa.success", user=user, method="totp")
        db.session.commit()
        return True
    if step is None and len(given) == 10:
        row = db.session.execute(
            select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                       RecoveryCode.code_hash == _recovery_digest(user.id, given),
                                       RecoveryCode.used_at.is_(None)).with_for_update()
        ).scalar_one_or_none()
        if row is not None:
            row.used_at = identity.now()
            _succeeded(user)
            left = db.session.execute(
                select(RecoveryCode.id).where(RecoveryCode.user_id == user.id,
                                              RecoveryCode.used_at.is_(None))).scalars().all()
            audit.security_event("mfa.recovery_code", user=user, left=len(left))
            db.session.commit()
            return True
    audit.security_event("mfa.failure", user=user, reason="replayed" if step is not None else "code")
    identity.login_failed(user)
    identity.client_failed(audit.client_address())
    db.session.commit()
    return False


def recovery_codes_left(user) -> int:
    return len(db.session.execute(
        select(RecoveryCode.id).where(RecoveryCode.user_id == user.id,
                                      RecoveryCode.used_at.is_(None))).scalars().all())


def reset(user, *, by: str) -> None:
    """Remove the second factor (secret and recovery codes); every session ends."""
    state = identity.state_of(user.id, lock=True)
    state.totp_secret, state.totp_enabled_at, state.totp_last_step = None, None, 0
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.security_event("mfa.reset", user=user, by=by)
    identity.end_sessions(user, "second factor reset")
