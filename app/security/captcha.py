"""A local image CAPTCHA (the pinned `captcha` package; no outside service).

The challenge's answer is kept in the session only as an HMAC with the app's
secret key, with a nonce and a time; it is good for one check and five minutes."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from flask import current_app, session

# no look-alikes (0/O, 1/I/L)
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 4
MAX_AGE = 300
_KEY = "_captcha"


def new_text() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def _mac(nonce: str, answer: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"captcha:{nonce}:{answer.strip().upper()}".encode(), hashlib.sha256).hexdigest()


def new_image() -> bytes:
    """A fresh challenge in the session; the PNG to show."""
    from captcha.image import ImageCaptcha

    text = new_text()
    nonce = secrets.token_urlsafe(12)
    session[_KEY] = {"n": nonce, "h": _mac(nonce, text), "t": int(time.time())}
    return ImageCaptcha(width=160, height=60).generate(text, format="png").getvalue()


def check(answer: str | None) -> bool:
    """Whether `answer` solves the session's challenge; the challenge is used up."""
    challenge = session.pop(_KEY, None)
    if not challenge or not answer:
        return False
    if time.time() - challenge.get("t", 0) > MAX_AGE:
        return False
    return hmac.compare_digest(challenge.get("h", ""), _mac(challenge.get("n", ""), answer))
