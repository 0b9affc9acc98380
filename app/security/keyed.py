"""Keyed digests of personal data: never a plain hash.

A plain SHA-256 of "platform|<ID number>|…" can be reversed offline by
trying the ~2,300 birth dates a masked number hides. Every stored or logged
value derived from personal data is an HMAC-SHA256 under XUESHI_DIGEST_KEY
(from the environment; see config.py), which is never stored in a table or
written to the audit log."""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app


def digest(*parts, key: str | None = None) -> str:
    """HMAC-SHA256 (hex) of the parts joined by "|"."""
    secret = key if key is not None else current_app.config["XUESHI_DIGEST_KEY"]
    text = "|".join(str(p) for p in parts)
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def platform_course_key(person_id: int, course: str, category: str, day, hours: str,
                        key: str | None = None) -> str:
    """The dedupe key of one imported platform course completion."""
    return digest("platform", person_id, course, category, day.isoformat(), hours, key=key)
