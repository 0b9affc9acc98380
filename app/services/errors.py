"""The one exception type workflow steps raise for users to read."""
from __future__ import annotations


class BusinessError(Exception):
    """A refusal with a message in the user's language.

    `field` names the input at fault (forms and the API report it there);
    `status` is the HTTP status the API answers with."""

    def __init__(self, message: str, *, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.field = field
        self.status = status
