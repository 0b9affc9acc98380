"""Workflow transitions, declared once, in the service module of their aggregate.

A `Workflow` names an aggregate's states (with their labels) and its
transitions. A `Transition` says where it starts and where it leads, the FAB
permission that guards it (granted in roles.py on `<Name>View` and
`<Name>Api`), the inputs it takes, who on the row may take it (`Guard`s:
ownership, four eyes) and what must hold first (`checks`).

`@WORKFLOW.step(name)` turns a body `body(scope, row, data)` into the step
`step(scope, pk, data=None)`. One runner executes every step: it checks the
permission (403), loads the row through the scope with a row lock (404),
runs the guards (403), checks the state (409) and the checks, applies the
body, moves the state and commits; the audit hook writes the log on flush.
Anything refused rolls back and raises one BusinessError: nothing changes.

Screens, the REST API, its OpenAPI entries, the README role table and the
to-do query `actionable()` are derived from the declarations."""
from __future__ import annotations

import functools
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import and_, false, or_, true
from sqlalchemy.sql import ColumnElement, Select

from ..extensions import db
from ..models.base import utcnow
from ..security import scope as scopes
from ..security.scope import Scope
from . import files
from .errors import BusinessError

# -- transactions ------------------------------------------------------------

_depth: ContextVar[int] = ContextVar("xueshi_transaction_depth", default=0)


@contextmanager
def transaction():
    """One step, one transaction: the outermost block commits when it ends and
    rolls back (removing the files it wrote) if anything inside raises. Inner
    blocks join the outer one, so steps compose."""
    depth = _depth.get()
    token = _depth.set(depth + 1)
    try:
        yield
        if depth == 0:
            db.session.commit()
            files.forget_pending()
    except BaseException:
        if depth == 0:
            db.session.rollback()
            files.discard_pending()
        raise
    finally:
        _depth.reset(token)


def atomic(fn: Callable) -> Callable:
    """A service function (creation, publication…) run as one transaction."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        with transaction():
            return fn(*args, **kwargs)

    return run


# -- permissions -------------------------------------------------------------

def may(scope: Scope, permission: str, resource: str) -> bool:
    """The one authority: does roles.py grant `can_<permission>` on `<resource>View`?"""
    return scope.may(permission, f"{resource}View")


def who_may(permission: str, resource: str) -> Select:
    """The active logins that `may` take `permission` on `resource`, by their
    roles alone (the rows they see are theirs to add): a select of user ids."""
    return scopes.logins_granted(f"can_{permission}", f"{resource}View")


def require(scope: Scope, permission: str, resource: str) -> None:
    if not may(scope, permission, resource):
        raise BusinessError(gettext("Your role may not do this."), status=403)


def decided(scope: Scope, row) -> None:
    """Who decided `row` (a request, a link) and when: set by its confirm and reject steps."""
    row.decided_by, row.decided_at = scope.user_id, utcnow()


# -- after a step ------------------------------------------------------------

@dataclass(frozen=True)
class StepTaken:
    """What an after-step hook is told: inside the step's transaction, after its
    body ran and the state moved."""

    workflow: "Workflow"
    transition: "Transition"
    scope: Scope
    row: Any
    result: Any
    data: dict
    before: str | None  # the state the row was in


_AFTER_STEP: list[Callable[[StepTaken], None]] = []


def after_step(hook: Callable[[StepTaken], None]) -> Callable[[StepTaken], None]:
    """Register `hook(taken)`, run after every step in the step's transaction
    (messages to whoever the step concerns)."""
    if hook not in _AFTER_STEP:
        _AFTER_STEP.append(hook)
    return hook


# -- declarations ------------------------------------------------------------

@dataclass(frozen=True)
class Input:
    """One value a step takes: a field on the screen form and in the JSON body."""

    name: str
    label: Any
    kind: str = "text"  # text, textarea, date, select, checkbox, lookup
    choices: Callable[[], list[tuple[str, str]]] | None = None
    model: type | None = None  # of a lookup: the row is searched as the user types, in scope
    placeholder: Any = ""
    schema: dict | None = None  # JSON schema in the OpenAPI entry, when not a string
    optional: bool = False


REASON = Input("reason", _l("Reason given"), "textarea")


@dataclass(frozen=True)
class Guard:
    """Who on this row may take the step, beyond the permission (ownership,
    four eyes): `test` decides for one row, `where` is the same rule in SQL."""

    message: Any
    test: Callable[[Scope, Any], bool]
    where: Callable[[Scope], ColumnElement]


@dataclass(frozen=True)
class StateField:
    """How a model keeps its state: `column` for SQL, `get`/`set` on a row."""

    column: Any
    get: Callable[[Any], str]
    set: Callable[[Any, str], None]


def column_state(attribute) -> StateField:
    key = attribute.key
    return StateField(attribute, lambda row: getattr(row, key),
                      lambda row, value: setattr(row, key, value))


@dataclass(frozen=True)
class Transition:
    name: str
    label: Any                       # the button, and the action in messages
    sources: frozenset | None        # states it starts from; None: any (or no) state
    target: str | None               # state it leads to; None: the state stays
    permission: str                  # FAB permission, e.g. "review" -> can_review
    inputs: tuple[Input, ...] = ()
    guards: tuple[Guard, ...] = ()
    checks: tuple[Callable[[Any], None], ...] = ()  # each raises BusinessError
    style: str = "primary"
    done: Any = ""                   # told to the user when it worked
    custom: bool = False             # run by a hand-written endpoint (uploads, edit forms)
    waits: bool = True               # False: always open (violation, revoke), no to-do
    report: Callable[[Any], Any] | None = None  # the outcome with its figures, from the row

    def told(self, row) -> str:
        """What the user is told after the step: its figures when it reports them."""
        if self.report is not None and row is not None:
            return str(self.report(row))
        return str(self.done or gettext("Done."))

    def __post_init__(self):
        if self.sources is not None:
            object.__setattr__(self, "sources", frozenset(self.sources))

    def starts_from(self, state) -> bool:
        return self.sources is None or state in self.sources


class Workflow:
    """The states and transitions of one aggregate (`resource` names its FAB views)."""

    def __init__(self, model, resource: str, record, states: dict, transitions: Iterable[Transition],
                 *, state: StateField | None = None):
        self.model = model
        self.resource = resource
        self.record = record  # the record's name in messages, e.g. _l("claim")
        self.states = dict(states)
        self.state = state or (column_state(model.state) if self.states else None)
        self.transitions = {t.name: t for t in transitions}
        self._bodies: dict[str, Callable] = {}
        for t in self.transitions.values():
            unknown = (set(t.sources or ()) | {t.target} - {None}) - set(self.states)
            if unknown:
                raise ValueError(f"{resource}.{t.name}: unknown states {sorted(unknown)}")

    # -- reading --------------------------------------------------------------
    def label(self, state) -> str:
        return str(self.states.get(state, state or ""))

    def state_of(self, row) -> str | None:
        return self.state.get(row) if self.state else None

    @property
    def permissions(self) -> list[str]:
        return sorted({t.permission for t in self.transitions.values()})

    def may(self, scope: Scope, permission: str) -> bool:
        return may(scope, permission, self.resource)

    def require(self, scope: Scope, permission: str) -> None:
        require(scope, permission, self.resource)

    def refusal(self, name: str, scope: Scope, row) -> BusinessError | None:
        """Why `scope` may not take step `name` on `row` now, or None."""
        t = self.transitions[name]
        if not self.may(scope, t.permission):
            return BusinessError(gettext("Your role may not do this."), status=403)
        for guard in t.guards:
            if not guard.test(scope, row):
                return BusinessError(str(guard.message), status=403)
        if t.sources is not None and self.state_of(row) not in t.sources:
            return BusinessError(gettext(
                "“%(action)s” is not possible: the %(record)s is %(state)s.", action=t.label,
                record=self.record, state=self.label(self.state_of(row))), status=409)
        return None

    def available(self, scope: Scope, row) -> list[Transition]:
        """The steps `scope` may take on `row` now (for buttons and forms)."""
        return [t for t in self.transitions.values() if self.refusal(t.name, scope, row) is None]

    def actionable(self, scope: Scope, *, waiting_only: bool = True) -> Select:
        """select(model): rows in the scope on which the scope can take a step —
        one SQL query (`waiting_only` leaves out the always-open steps)."""
        parts = []
        for t in self.transitions.values():
            if (waiting_only and not t.waits) or not self.may(scope, t.permission):
                continue
            conditions = [g.where(scope) for g in t.guards]
            if t.sources is not None:
                conditions.append(self.state.column.in_(sorted(t.sources)))
            parts.append(and_(true(), *conditions))
        return scopes.scoped(self.model, scope).where(or_(*parts) if parts else false())

    # -- running --------------------------------------------------------------
    def step(self, name: str):
        """Decorator: `body(scope, row, data)` becomes the step `(scope, pk, data=None)`."""
        transition = self.transitions[name]

        def wrap(body):
            self._bodies[name] = body

            @functools.wraps(body)
            def step(scope: Scope, pk, data: dict | None = None):
                return self.run(name, scope, pk, data)

            step.transition = transition
            return step

        return wrap

    def run(self, name: str, scope: Scope, pk, data: dict | None = None):
        """Take step `name` on row `pk`: the body's result (or the row), committed."""
        t = self.transitions[name]
        body = self._bodies[name]
        with transaction():
            self.require(scope, t.permission)
            row = scopes.get_in_scope(self.model, pk, scope, for_update=True)
            if row is None:
                raise BusinessError(gettext("No such %(record)s in your scope.", record=self.record),
                                    status=404)
            refused = self.refusal(name, scope, row)
            if refused is not None:
                raise refused
            for check in t.checks:
                check(row)
            before = self.state_of(row)
            result = body(scope, row, data or {})
            if t.target is not None:
                self.state.set(row, t.target)
            taken = StepTaken(self, t, scope, row, result, data or {}, before)
            for hook in _AFTER_STEP:
                hook(taken)
        return row if result is None else result


def workflows() -> list[Workflow]:
    """Every declared workflow, each from the service module of its aggregate."""
    from . import (cases, certificates, claims, classes, evaluations, inspections, person_requests, plans,
                   roster_links, seminars)

    return [claims.WORKFLOW, classes.WORKFLOW, certificates.WORKFLOW, certificates.YEAR_WORKFLOW,
            plans.WORKFLOW,
            seminars.WORKFLOW, evaluations.WORKFLOW, inspections.WORKFLOW, cases.WORKFLOW,
            roster_links.WORKFLOW, person_requests.WORKFLOW]


def for_model(model) -> Workflow:
    return next(w for w in workflows() if w.model is model)


def available(scope: Scope, row) -> list[Transition]:
    return for_model(type(row)).available(scope, row)


def actionable(scope: Scope, model, *, waiting_only: bool = True) -> Select:
    """Rows of `model` in `scope` on which it can take a step, as one select."""
    return for_model(model).actionable(scope, waiting_only=waiting_only)
