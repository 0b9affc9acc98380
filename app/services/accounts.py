"""Install-time setup and logins with their scope."""
from __future__ import annotations

from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..formatting import placeholder_email
from ..models import DISTRICTS, Department, District, Person, TrainingBase, Unit, UserScope
from ..security import identity
from ..security.passwords import password_problem
from ..security.roles import ALL_ROLES, ROLE_LABELS, needs_second_administrator, sync_roles
from ..security.scope import ROLE_TARGET
from ..validators import InvalidValue, normalize_credit_code, normalize_id_number


class AccountError(Exception):
    """A login refused, with the form field it concerns (when there is one)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def load_districts() -> None:
    existing = {d.code: d for d in db.session.execute(select(District)).scalars()}
    for code, name, _english in DISTRICTS:
        district = existing.get(code)
        if district is None:
            db.session.add(District(code=code, name=name))
        elif district.name != name:
            district.name = name
    db.session.commit()


def initialise(appbuilder) -> None:
    sync_roles(appbuilder)
    load_districts()


def _find_district(value):
    return db.session.execute(select(District).where(District.code == value.strip())).scalar()


def _find_department(value):
    return db.session.execute(select(Department).where(Department.name == value.strip())).scalar()


def _find_unit(value):
    code = normalize_credit_code(value)
    return db.session.execute(select(Unit).where(Unit.credit_code == code)).scalar()


def _find_base(value):
    return db.session.execute(select(TrainingBase).where(TrainingBase.code == value.strip())).scalar()


def _find_person(value):
    number = normalize_id_number(value)
    return db.session.execute(select(Person).where(Person.id_number == number)).scalar()


# scope target -> (UserScope column, its name in messages, how to find the row from a typed code)
TARGETS = {
    "district": ("district_id", _l("district"), _find_district),
    "department": ("department_id", _l("industry authority"), _find_department),
    "unit": ("unit_id", _l("employing unit"), _find_unit),
    "base": ("base_id", _l("training base"), _find_base),
    "person": ("person_id", _l("professional (ID number)"), _find_person),
}
TARGET_FOR_COLUMN = {column: target for target, (column, _, _) in TARGETS.items()}


def scope_target(role: str) -> str | None:
    """The one scope target (district, department, unit, base, person) a role needs, or None."""
    needed = ROLE_TARGET.get(role)
    return TARGET_FOR_COLUMN[needed] if needed else None


def _role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def resolve_scope(role: str, targets: dict) -> dict[str, int]:
    """Check that `targets` (target -> a typed code, or a row chosen from a
    list) is exactly what `role` needs; return the UserScope columns."""
    target = scope_target(role)
    given = [k for k, v in targets.items() if v]
    if target is None:
        if given:
            raise AccountError(gettext("A %(role)s login sees by its role alone: choose no scope.",
                                       role=_role_label(role)), field=given[0])
        return {}
    column, name, find = TARGETS[target]
    if given != [target]:
        wrong = [k for k in given if k != target]
        raise AccountError(gettext("A %(role)s login needs one %(target)s, and nothing else.",
                                   role=_role_label(role), target=name),
                           field=wrong[0] if wrong else target)
    value = targets[target]
    if isinstance(value, str):
        try:
            row = find(value)
        except InvalidValue as exc:
            raise AccountError(str(exc), field=target)
        if row is None:
            raise AccountError(gettext("No %(target)s matches %(value)s.", target=name, value=value),
                               field=target)
    else:
        row = value
    return {column: row.id}


def create_user(appbuilder, *, username: str, password: str, role: str,
                targets: dict, full_name: str | None = None,
                email: str | None = None, must_change: bool = False, by=None):
    """Create a login with one role and its scope, in one transaction.
    `must_change`: the password is temporary; the login must choose its own first.
    `by`: the administrator creating it on screen. A role that needs a second
    administrator (三员分立) is then not granted: the login starts without a
    role and the grant is proposed (role_grants). Without `by` (the CLI at
    deploy time) every role is granted at once."""
    from . import role_grants

    sm = appbuilder.sm
    if role not in ALL_ROLES:
        raise AccountError(
            gettext("Unknown role %(role)s. Roles: %(roles)s", role=role, roles=", ".join(ALL_ROLES)),
            field="role")
    username = (username or "").strip()
    if not username:
        raise AccountError(gettext("The username is required."), field="username")
    problem = password_problem(password, username)
    if problem:
        raise AccountError(problem, field="password")
    scope_columns = resolve_scope(role, targets)
    if sm.find_user(username=username) is not None:
        raise AccountError(gettext("User %(username)s already exists.", username=username),
                           field="username")
    role_row = sm.find_role(role)
    if role_row is None:
        raise AccountError(gettext("Roles are not set up yet: run `flask xueshi init` first."))
    proposed = by is not None and needs_second_administrator(role)
    email = (email or "").strip() or placeholder_email(username)
    name = (full_name or "").strip() or username
    user = sm.add_user(
        username=username, first_name=name, last_name="-", email=email,
        role=None if proposed else role_row, password=password, commit=False,
    )
    if not user:
        raise AccountError(gettext("The user could not be created (duplicate e-mail?)."))
    db.session.add(UserScope(user_id=user.id, **scope_columns))
    db.session.flush()
    identity.record_password(user, by_administrator=must_change)
    if proposed:
        role_grants.propose(user, role, by=by)
    db.session.commit()
    return user


def link_scope(appbuilder, *, username: str, targets: dict[str, str]) -> UserScope:
    """Set (or change) what an existing login sees, from its one business role."""
    user = appbuilder.sm.find_user(username=(username or "").strip())
    if user is None:
        raise AccountError(gettext("No user %(username)s.", username=username), field="username")
    roles = [r.name for r in user.roles if r.name in ROLE_TARGET]
    if len(roles) != 1:
        raise AccountError(gettext("A login needs exactly one Xueshi role before its scope is set."))
    columns = resolve_scope(roles[0], {k: v for k, v in targets.items() if v})
    link = db.session.execute(select(UserScope).where(UserScope.user_id == user.id)).scalar_one_or_none()
    if link is None:
        link = UserScope(user_id=user.id)
        db.session.add(link)
    changed = False
    for column in ("district_id", "department_id", "unit_id", "base_id", "person_id"):
        if getattr(link, column) != columns.get(column):
            setattr(link, column, columns.get(column))
            changed = True
    if changed:
        identity.end_sessions(user, "scope")  # what it may see changed: sign in again
    db.session.commit()
    return link


def set_password(appbuilder, user, password: str, *, must_change: bool = True) -> None:
    identity.set_password(user, password, by_administrator=must_change)
    db.session.commit()
