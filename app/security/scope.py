"""Who may see which rows: one scope check for every path.

Every list, show, edit, delete, action, REST call, export, search form and
related-field dropdown loads rows through `clause()` (via `ScopeFilter` in
FAB views, or `scoped()` / `get_or_404()` in services and custom endpoints).
Rules are registered per model and role; a role without a rule sees nothing.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Callable, Iterator

from flask import abort, current_app, g, has_app_context, has_request_context
from sqlalchemy import false, or_, select, true
from sqlalchemy.sql import ColumnElement, Select

from ..extensions import db
from ..services.locks import for_update as locked

BUSINESS_ROLES = (
    "association_admin",
    "authority_staff",
    "base_staff",
    "unit_reviewer",
    "professional",
    "district_officer",
    "auditor",
)
ADMIN_ROLE = "Admin"

# Which scope target each role needs (None: the role sees by permission alone).
ROLE_TARGET = {
    "association_admin": None,
    "auditor": None,
    ADMIN_ROLE: None,
    "authority_staff": "department_id",
    "base_staff": "base_id",
    "unit_reviewer": "unit_id",
    "professional": "person_id",
    "district_officer": "district_id",
}

@dataclass(frozen=True)
class Scope:
    user_id: int | None
    username: str
    roles: frozenset[str]
    district_id: int | None = None
    department_id: int | None = None
    unit_id: int | None = None
    base_id: int | None = None
    person_id: int | None = None

    def may(self, permission: str, view: str) -> bool:
        """Whether the scope's roles hold `can_<permission>` on `view` in FAB's
        role table, the one `@has_access` reads (synced from roles.py)."""
        if not permission.startswith("can_") and permission != "menu_access":
            permission = f"can_{permission}"
        return (permission, view) in granted(self.roles)

    @property
    def key(self) -> str:
        """The login's roles and scope targets as one string: what a job
        started in this scope may be shown to (a changed scope is another key)."""
        targets = ",".join(f"{name}={getattr(self, name) or ''}" for name in
                           ("district_id", "department_id", "unit_id", "base_id", "person_id"))
        return f"{self.user_id}|{'+'.join(sorted(self.roles))}|{targets}"

    @property
    def sees_full_id_numbers(self) -> bool:
        """Whether the roles may see full ID numbers (of people in the scope:
        see masking.py, which decides per number)."""
        from .roles import FULL_ID_NUMBERS

        return self.may(*FULL_ID_NUMBERS)


NOBODY = Scope(user_id=None, username="anonymous", roles=frozenset())
SYSTEM = Scope(user_id=None, username="system", roles=frozenset({"association_admin"}))


class NoScope(RuntimeError):
    """Code outside a request asked for a scope without saying whose it is."""


_acting: ContextVar[Scope | None] = ContextVar("xueshi_acting_scope", default=None)


@contextmanager
def acting_as(scope: Scope) -> Iterator[Scope]:
    """Run the block with `scope` (a background job runs as the user who started it)."""
    token = _acting.set(scope)
    try:
        yield scope
    finally:
        _acting.reset(token)


def acting_as_system() -> "contextmanager[Scope]":
    """The CLI and system jobs see everything, and say so."""
    return acting_as(SYSTEM)


def granted(roles: frozenset[str] | frozenset[int]) -> frozenset[tuple[str, str]]:
    """Every (permission, view) pair the roles (by name, or FAB's role ids) hold:
    one query, cached for the request (or the CLI command's app context)."""
    cache = g.setdefault("xueshi_grants", {}) if has_app_context() else {}
    if roles not in cache:
        cache[roles] = _grants_from_db(roles)
    return cache[roles]


def forget_grants() -> None:
    """Drop the cached grants (after the role table changed)."""
    if has_app_context():
        g.pop("xueshi_grants", None)


def _grants_from_db(roles: frozenset[str] | frozenset[int]) -> frozenset[tuple[str, str]]:
    if not roles:
        return frozenset()
    from flask_appbuilder.security.sqla.models import assoc_permissionview_role as link

    sm = current_app.appbuilder.sm
    pv, perm, view, role = (sm.permissionview_model, sm.permission_model, sm.viewmenu_model,
                            sm.role_model)
    stmt = (select(perm.name, view.name).select_from(pv)
            .join(perm, perm.id == pv.permission_id).join(view, view.id == pv.view_menu_id)
            .join(link, link.c.permission_view_id == pv.id).join(role, role.id == link.c.role_id)
            .where((role.id if isinstance(next(iter(roles)), int) else role.name)
                   .in_(sorted(roles))))
    return frozenset(tuple(row) for row in db.session.execute(stmt))


def logins_granted(permission: str, view: str) -> Select:
    """The active logins whose roles hold (`permission`, `view`) in FAB's role
    table (the one `granted` reads, synced from roles.py): a select of user ids."""
    from flask_appbuilder.security.sqla.models import assoc_permissionview_role as link, assoc_user_role

    sm = current_app.appbuilder.sm
    pv, perm, menu, user = sm.permissionview_model, sm.permission_model, sm.viewmenu_model, sm.user_model
    return (select(user.id).join(assoc_user_role, assoc_user_role.c.user_id == user.id)
            .join(link, link.c.role_id == assoc_user_role.c.role_id)
            .join(pv, pv.id == link.c.permission_view_id)
            .join(perm, perm.id == pv.permission_id).join(menu, menu.id == pv.view_menu_id)
            .where(user.active.is_(True), perm.name == permission, menu.name == view))


def scope_for_user(user) -> Scope:
    from ..models import UserScope

    if user is None or not getattr(user, "is_authenticated", False):
        return NOBODY
    roles = frozenset(r.name for r in user.roles)
    link = db.session.execute(
        select(UserScope).where(UserScope.user_id == user.id)
    ).scalar_one_or_none()
    targets = {}
    if link is not None:
        targets = {
            name: getattr(link, name)
            for name in ("district_id", "department_id", "unit_id", "base_id", "person_id")
        }
    return Scope(user_id=user.id, username=user.username, roles=roles, **targets)


def current_scope() -> Scope:
    """The scope set by `acting_as()`, else that of the logged-in user (browser
    session or JWT), cached per request. Outside both it fails closed."""
    acting = _acting.get()
    if acting is not None:
        return acting
    if not has_request_context():
        raise NoScope("no scope outside a request: use acting_as(scope) or acting_as_system()")
    cached = g.get("xueshi_scope")
    user = g.get("user")
    if cached is not None and cached.user_id == getattr(user, "id", None):
        return cached
    scope = scope_for_user(user)
    g.xueshi_scope = scope
    return scope


Rule = Callable[[Scope], ColumnElement]
_RULES: dict[type, dict[str, Rule]] = {}


def rule(model: type, *roles: str):
    """Register `fn(scope) -> where clause` as what `roles` may see of `model`."""

    def register(fn: Rule) -> Rule:
        for role in roles:
            _RULES.setdefault(model, {})[role] = fn
        return fn

    return register


def everything(scope: Scope) -> ColumnElement:
    return true()


def has_rules(model: type) -> bool:
    """Whether visibility rules are declared for `model` at all."""
    return model in _RULES


def sees_everything(model: type, scope: Scope | None = None) -> bool:
    """Whether one of the scope's roles sees every row of `model` (the city, not a district)."""
    scope = scope or current_scope()
    rules = _RULES.get(model, {})
    return any(rules.get(r) is everything for r in scope.roles)


def ruled_roles(model: type, scope: Scope) -> set[str]:
    """The scope's roles that see some rows of `model`."""
    return {r for r in scope.roles if r in _RULES.get(model, {})}


def clause(model: type, scope: Scope | None = None) -> ColumnElement:
    """The where clause for the rows of `model` that `scope` may see."""
    scope = scope or current_scope()
    rules = _RULES.get(model, {})
    parts = [rules[r](scope) for r in sorted(scope.roles) if r in rules]
    if not parts:
        return false()
    return parts[0] if len(parts) == 1 else or_(*parts)


def scoped(model: type, scope: Scope | None = None):
    """`select(model)` restricted to the scope."""
    return select(model).where(clause(model, scope))


MAX_ID = 2**31 - 1  # ids are INTEGER columns; a larger number is no row (and would overflow)


def as_id(value) -> int | None:
    """A record id from a path or a form, or None when it cannot be one."""
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 0 < number <= MAX_ID else None


def get_in_scope(model: type, pk, scope: Scope | None = None, *, for_update: bool = False):
    """The row with primary key `pk` if the scope may see it, else None."""
    pk = as_id(pk)
    if pk is None:
        return None
    stmt = select(model).where(model.id == pk, clause(model, scope))
    if for_update:
        stmt = locked(stmt)
    return db.session.execute(stmt).scalar_one_or_none()


def get_or_404(model: type, pk, scope: Scope | None = None, *, for_update: bool = False):
    row = get_in_scope(model, pk, scope, for_update=for_update)
    if row is None:
        abort(404)
    return row


def contains(obj, scope: Scope | None = None) -> bool:
    """Whether a flushed row lies in the scope (used after add/edit)."""
    model = type(obj)
    stmt = select(model.id).where(model.id == obj.id, clause(model, scope))
    return db.session.execute(stmt).first() is not None
