"""Password strength: at least 10 characters with three of the four classes
(lower case, upper case, digit, other) and no long runs of one character."""
from __future__ import annotations

import re
import secrets
import string

from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_babel import gettext

MIN_LENGTH = 10
_CLASSES = (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^0-9a-zA-Z]")


def password_problem(password: str) -> str | None:
    """Why a password is too weak, in the user's language; None when it is fine."""
    if not password or len(password) < MIN_LENGTH:
        return gettext("The password must have at least %(n)d characters.", n=MIN_LENGTH)
    if sum(1 for c in _CLASSES if re.search(c, password)) < 3:
        return gettext(
            "The password must mix at least three of: lower case, upper case, digits, symbols."
        )
    if re.search(r"(.)\1\1\1", password):
        return gettext("The password must not repeat one character four times in a row.")
    return None


def check_password_strength(password: str) -> None:
    """FAB's FAB_PASSWORD_COMPLEXITY_VALIDATOR hook."""
    problem = password_problem(password)
    if problem:
        raise PasswordComplexityValidationError(problem)


def generate_password(length: int = 14) -> str:
    """A random password that passes the strength check."""
    alphabet = string.ascii_letters + string.digits + "-_.@#%"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if password_problem(candidate) is None and re.search(r"[^0-9a-zA-Z]", candidate):
            return candidate
