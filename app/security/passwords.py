"""Password policy: at least 10 characters with three of the four classes
(lower case, upper case, digit, other), no long runs of one character, not a
common password (the bundled list, also with digits or symbols around it), and
not containing the username. History and age are checked in `identity.py`."""
from __future__ import annotations

import re
import secrets
import string
from functools import lru_cache
from pathlib import Path

from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_babel import gettext

MIN_LENGTH = 10
_CLASSES = (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^0-9a-zA-Z]")
_COMMON_FILE = Path(__file__).with_name("common_passwords.txt")
# letter-for-digit swaps people use to dress up a common word
_UNLEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e",
                         "$": "s", "5": "s", "7": "t", "9": "g"})


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def _cores(password: str) -> set[str]:
    """The password lower-cased, with and without digits/symbols at either end,
    with and without letter-for-digit swaps undone."""
    low = password.lower()
    found = {low, low.translate(_UNLEET)}
    for text in list(found):
        core = re.sub(r"^[^a-z]+|[^a-z]+$", "", text)
        if core:
            found.add(core)
    return found


def is_common(password: str) -> bool:
    common = common_passwords()
    return any(core in common for core in _cores(password))


def password_problem(password: str, username: str | None = None) -> str | None:
    """Why a password is too weak, in the user's language; None when it is fine."""
    if not password or len(password) < MIN_LENGTH:
        return gettext("The password must have at least %(n)d characters.", n=MIN_LENGTH)
    if sum(1 for c in _CLASSES if re.search(c, password)) < 3:
        return gettext(
            "The password must mix at least three of: lower case, upper case, digits, symbols."
        )
    if re.search(r"(.)\1\1\1", password):
        return gettext("The password must not repeat one character four times in a row.")
    if username and len(username.strip()) >= 3 and username.strip().lower() in password.lower():
        return gettext("The password must not contain the username.")
    if is_common(password):
        return gettext("This password is too common; choose another.")
    return None


def check_password_strength(password: str) -> None:
    """FAB's FAB_PASSWORD_COMPLEXITY_VALIDATOR hook (the user-add form names
    the username in the same request)."""
    from flask import has_request_context, request

    username = request.form.get("username") if has_request_context() else None
    problem = password_problem(password, username)
    if problem:
        raise PasswordComplexityValidationError(problem)


def generate_password(length: int = 14) -> str:
    """A random password that passes the strength check."""
    alphabet = string.ascii_letters + string.digits + "-_.@#%"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if password_problem(candidate) is None and re.search(r"[^0-9a-zA-Z]", candidate):
            return candidate
