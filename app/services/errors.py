"""The exception types workflow steps raise for users to read."""
from __future__ import annotations


class BusinessError(Exception):
    """A refusal with a message in the user's language.

    `field` names the input at fault (forms and the API report it there);
    `status` is the HTTP status the API answers with."""

    def __init__(self, message: str, *, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.field = field
        self.status = status

    def by_field(self) -> dict[str, str]:
        """The refusal under its input ({} when it names none)."""
        return {self.field: str(self)} if self.field else {}


class FieldErrors(BusinessError):
    """Every problem of a form at once, each under its input: the user fixes
    them all in one go instead of meeting them one by one."""

    def __init__(self, problems: dict[str, str], *, status: int = 400):
        self.per_field = {field: str(text) for field, text in problems.items()}
        super().__init__(" ".join(self.per_field.values()), field=next(iter(self.per_field)),
                         status=status)

    def by_field(self) -> dict[str, str]:
        return dict(self.per_field)


class Problems:
    """Collects the problems of a form, one per input (the first found stays)."""

    def __init__(self):
        self.found: dict[str, str] = {}

    def add(self, field: str, text: str) -> None:
        self.found.setdefault(field, str(text))

    def take(self, error: BusinessError, field: str | None = None) -> None:
        """A refusal raised by a shared check, filed under `field` (else its own)."""
        for name, text in (error.by_field() or {field or "": str(error)}).items():
            self.add(field or name, text)

    def __contains__(self, field: str) -> bool:
        return field in self.found

    def raise_any(self) -> None:
        if self.found:
            raise FieldErrors(self.found)
