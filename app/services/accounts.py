"""Install-time setup and logins with their scope."""
from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select

from ..extensions import db
from ..models import DISTRICTS, Department, District, Person, TrainingBase, Unit, UserScope
from ..security import identity
from ..security.passwords import password_problem
from ..security.roles import ALL_ROLES, sync_roles
from ..security.scope import ROLE_TARGET
from ..validators import InvalidValue, normalize_credit_code, normalize_id_number


class AccountError(Exception):
    pass


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


# option name -> (UserScope column, how to find the row, message when absent)
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


TARGETS = {
    "district": ("district_id", _find_district),
    "department": ("department_id", _find_department),
    "unit": ("unit_id", _find_unit),
    "base": ("base_id", _find_base),
    "person": ("person_id", _find_person),
}
OPTION_FOR_COLUMN = {column: option for option, (column, _) in TARGETS.items()}


def resolve_scope(role: str, targets: dict[str, str]) -> dict[str, int]:
    """Check that `targets` is exactly what `role` needs; return UserScope columns."""
    needed = ROLE_TARGET[role]
    given = [k for k, v in targets.items() if v]
    if needed is None:
        if given:
            raise AccountError(
                gettext("Role %(role)s takes no scope option.", role=role)
            )
        return {}
    option = OPTION_FOR_COLUMN[needed]
    if given != [option]:
        raise AccountError(
            gettext("Role %(role)s needs exactly one --%(option)s.", role=role, option=option)
        )
    column, find = TARGETS[option]
    try:
        row = find(targets[option])
    except InvalidValue as exc:
        raise AccountError(str(exc))
    if row is None:
        raise AccountError(
            gettext("No %(option)s matches %(value)s.", option=option, value=targets[option])
        )
    return {column: row.id}


def create_user(appbuilder, *, username: str, password: str, role: str,
                targets: dict[str, str], full_name: str | None = None,
                email: str | None = None, must_change: bool = False):
    """Create a login with one role and its scope, in one transaction.
    `must_change`: the password is temporary; the login must choose its own first."""
    sm = appbuilder.sm
    if role not in ALL_ROLES:
        raise AccountError(
            gettext("Unknown role %(role)s. Roles: %(roles)s", role=role, roles=", ".join(ALL_ROLES))
        )
    username = (username or "").strip()
    if not username:
        raise AccountError(gettext("The username is required."))
    problem = password_problem(password, username)
    if problem:
        raise AccountError(problem)
    scope_columns = resolve_scope(role, targets)
    if sm.find_user(username=username) is not None:
        raise AccountError(gettext("User %(username)s already exists.", username=username))
    role_row = sm.find_role(role)
    if role_row is None:
        raise AccountError(gettext("Roles are not set up yet: run `flask xueshi init` first."))
    email = email or f"{username}@users.xueshi.invalid"
    name = full_name or username
    user = sm.add_user(
        username=username, first_name=name, last_name="-", email=email,
        role=role_row, password=password, commit=False,
    )
    if not user:
        raise AccountError(gettext("The user could not be created (duplicate e-mail?)."))
    db.session.add(UserScope(user_id=user.id, **scope_columns))
    db.session.flush()
    identity.record_password(user, by_administrator=must_change)
    db.session.commit()
    return user


def link_scope(appbuilder, *, username: str, targets: dict[str, str]) -> UserScope:
    """Set (or change) what an existing login sees, from its one business role."""
    user = appbuilder.sm.find_user(username=(username or "").strip())
    if user is None:
        raise AccountError(gettext("No user %(username)s.", username=username))
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
