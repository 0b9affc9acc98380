"""三员分立: a role flagged `dual_control` in roles.py (association_admin, Admin,
auditor) is never granted by one administrator alone. One proposes (on the user
screen the direct grant is refused and becomes a proposal), another approves or
refuses; nobody decides a grant they proposed or that concerns themself. At
deploy time the CLI grants it (`xueshi create-user`, `xueshi grant-role`).
Every step, refusals included, is a security event."""
from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select

from ..extensions import db
from ..models.identity import RoleGrant
from ..security import identity
from ..security.roles import needs_second_administrator
from . import audit
from .errors import BusinessError

PROPOSED, APPROVED, REFUSED = "proposed", "approved", "refused"


def refuse_alone(user, role_name: str, *, by) -> None:
    """An administrator tried to grant a dual-control role directly: audited."""
    audit.security_event("role.grant_refused", user=user, role=role_name,
                         by=getattr(by, "username", None), reason="needs a second administrator")


def propose(user, role_name: str, *, by) -> RoleGrant:
    """A proposal, in the caller's transaction (one open proposal per login and role)."""
    if not needs_second_administrator(role_name):
        raise BusinessError(gettext("This role is granted directly on the user screen."))
    open_one = db.session.execute(select(RoleGrant).where(
        RoleGrant.user_id == user.id, RoleGrant.role_name == role_name,
        RoleGrant.state == PROPOSED)).scalar_one_or_none()
    if open_one is not None:
        return open_one
    grant = RoleGrant(user_id=user.id, role_name=role_name, proposed_by=by.id, state=PROPOSED)
    db.session.add(grant)
    db.session.flush()
    audit.security_event("role.proposed", user=user, role=role_name, grant=grant.id,
                         by=by.username)
    return grant


def decide(grant_id: int, *, by, approve: bool) -> RoleGrant:
    """Approve (the login gets the role as its one role; its sessions end) or refuse."""
    grant = db.session.get(RoleGrant, grant_id, with_for_update=True)
    if grant is None:
        raise BusinessError(gettext("No such role grant."), status=404)
    sm = _sm()
    user = sm.get_user_by_id(grant.user_id)
    if grant.state != PROPOSED:
        raise BusinessError(gettext("This grant was already decided."), status=409)
    if by.id in (grant.proposed_by, grant.user_id):
        audit.security_event("role.grant_refused", user=user, role=grant.role_name, grant=grant.id,
                             by=by.username, reason="decided by the proposer or the login itself")
        db.session.commit()
        raise BusinessError(gettext("Another administrator must decide: nobody approves a grant "
                                    "they proposed or one of their own."), status=403)
    grant.state = APPROVED if approve else REFUSED
    grant.decided_by, grant.decided_at = by.id, identity.now()
    if approve:
        user.roles = [sm.find_role(grant.role_name)]
        identity.end_sessions(user, "roles")
    audit.security_event("role.approved" if approve else "role.refused", user=user,
                         role=grant.role_name, grant=grant.id, by=by.username)
    db.session.commit()
    return grant


def grant_at_deploy(user, role_name: str) -> None:
    """The CLI (deploy time, an operator at the machine) grants any role at once."""
    sm = _sm()
    role = sm.find_role(role_name)
    if role is None:
        raise BusinessError(gettext("Unknown role %(role)s.", role=role_name))
    user.roles = [role]
    identity.end_sessions(user, "roles")
    audit.security_event("role.approved", user=user, role=role_name, by="cli")
    db.session.commit()


def _sm():
    from flask import current_app

    return current_app.appbuilder.sm
