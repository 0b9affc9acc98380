"""消息中心: a workflow step that concerns someone writes them a message in the
step's own transaction (one after-step hook, registered once by `install()`);
e-mail follows from a background job when `XUESHI_SMTP_URL` is set.

Who a record concerns is said once per aggregate (`CONCERNED`): a claim its
filer and its person, a class (and a plan project, a seminar) its organiser,
an evaluation its base and the base's department, a case its district, a
certificate its holder. The login who took the step is not told."""
from __future__ import annotations

import smtplib
from decimal import Decimal
from email.message import EmailMessage
from typing import Iterable
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for
from flask_babel import gettext
from sqlalchemy import Boolean, Integer, bindparam, event, func, insert, select, update
from sqlalchemy.orm import Session

from ..extensions import db
from ..formatting import hours
from ..models import (
    Activity, BaseEvaluation, Case, Claim, Enrolment, Ledger, Message, TrainingBase, UserScope,
)
from ..models.base import utcnow
from ..rules import texts as rule_texts
from ..security import scope as scopes
from ..security.scope import Scope
from . import workflow
from .errors import BusinessError
from .workflow import StepTaken

# -- who a record concerns -------------------------------------------------------


def logins(**target) -> select:
    """Logins whose scope is exactly this target (e.g. person_id=3)."""
    (column, value), = target.items()
    return select(UserScope.user_id).where(getattr(UserScope, column) == value)


def role_logins(role: str) -> select:
    """Logins holding `role` (the association has no scope target to name it by)."""
    from flask_appbuilder.security.sqla.models import assoc_user_role

    model = current_app.appbuilder.sm.role_model
    return (select(assoc_user_role.c.user_id)
            .join(model, model.id == assoc_user_role.c.role_id).where(model.name == role))


def deciders(unit_id: int | None) -> select:
    """The reviewers of unit `unit_id`, or (None) the association: one statement
    either way, only its values differ (a roster's answer must not tell, by the
    statements it runs, whom its rows wait for; tests/test_oracle_timing.py)."""
    association = role_logins("association_admin").where(
        bindparam("to_association", unit_id is None, type_=Boolean))
    return select(UserScope.user_id).where(
        UserScope.unit_id == bindparam("unit_id", unit_id, type_=Integer)).union(association)


def _organiser(row) -> list:
    return [logins(**{c: getattr(row, c)}) for c in ("base_id", "department_id", "unit_id")
            if getattr(row, c, None)]


def _claim(row: Claim) -> list:
    return [logins(person_id=row.person_id), row.created_by]


def _evaluation(row: BaseEvaluation) -> list:
    base = db.session.get(TrainingBase, row.base_id)
    return [logins(base_id=row.base_id)] + ([logins(department_id=base.department_id)]
                                            if base and base.department_id else [])


CONCERNED = {
    "Claim": _claim,
    "TrainingClass": _organiser,
    "PlanProject": _organiser,
    "Seminar": _organiser,
    "BaseEvaluation": _evaluation,
    "Case": lambda row: [logins(district_id=row.district_id)],
    "Certificate": lambda row: [logins(person_id=row.person_id)],
    "YearCertificate": lambda row: [logins(person_id=row.person_id)],
    # never the organiser; a new person's link names nobody until confirmed
    "RosterLink": lambda row: [logins(person_id=row.person_id)] if row.person_id else [],
    # the login who asked (never the unit that held a transferred number)
    "PersonRequest": lambda row: [row.requested_by] if row.requested_by else [],
}


def recipients(resource: str, row, actor: int | None) -> list[int]:
    """The logins a record concerns (each a select of user ids, or one id), less the actor."""
    ids = set()
    for found in CONCERNED.get(resource, lambda row: [])(row):
        if isinstance(found, int):
            ids.add(found)
        elif found is not None:
            ids.update(db.session.execute(found).scalars())
    ids.discard(actor)
    ids.discard(None)
    return sorted(ids)


# -- what they are told ------------------------------------------------------------


def path(endpoint: str, **values) -> str:
    """An app path, in a request or not (jobs, CLI)."""
    if has_request_context():
        return url_for(endpoint, **values)
    return current_app.url_map.bind("").build(endpoint, values)


def _credited(claim: Claim) -> tuple[Decimal, list[str]]:
    """Hours the ledgers now credit for an approved claim, and the notes on them."""
    activity = db.session.execute(select(Activity).where(
        Activity.source == "claim", Activity.source_id == claim.id)).scalar_one_or_none()
    if activity is None:
        return Decimal(0), []
    total, notes = Decimal(0), []
    for ledger in db.session.execute(select(Ledger).where(
            Ledger.person_id == claim.person_id,
            Ledger.year.between(activity.first_year, activity.last_year))).scalars():
        for item in ledger.items:
            if item[0] == activity.id:
                total += Decimal(item[1]) + Decimal(item[2])
                notes += [rule_texts.explain(code, "zh", ledger.year, activity.kind)
                          for code in item[3]]
    return total, notes


def _about(taken: StepTaken) -> tuple[str, str, str]:
    """Subject, body and link of the message a step writes."""
    wf, t, row = taken.workflow, taken.transition, taken.row
    name = str(row)
    state = wf.label(wf.state_of(row)) if wf.state is not None else ""
    subject = gettext("%(record)s “%(name)s”: %(step)s", record=wf.record, name=name[:80], step=t.label)
    body = gettext("Now: %(state)s.", state=state) if state else ""
    url = path(f"{wf.resource}View.show", pk=row.id)
    reason = taken.data.get("reason")
    if reason:
        body += " " + gettext("Reason: %(reason)s", reason=reason)
    if wf.resource == "Claim" and t.name == "approve":
        credited, notes = _credited(row)
        body = gettext("%(hours)s hours were credited.", hours=hours(credited))
        if row.hours is not None and credited < Decimal(str(row.hours)):
            body += " " + gettext("You claimed %(claimed)s hours.", claimed=hours(row.hours))
        if notes:
            body += " " + " ".join(dict.fromkeys(notes))
    if wf.resource == "Claim" and t.name == "reject":
        body += " " + gettext("Correct the claim or its evidence, then submit it again.")
        url = path("ClaimView.change", pk=row.id)
    return subject[:200], body.strip(), url


def write(user_ids: Iterable[int], subject: str, body: str, url: str | None,
          resource: str | None = None, record_id: int | None = None, step: str | None = None) -> int:
    """Messages to `user_ids`, in the current transaction; e-mail after it commits."""
    rows = [{"user_id": uid, "subject": subject, "body": body, "url": url, "resource": resource,
             "record_id": record_id, "step": step, "created_at": utcnow()} for uid in user_ids]
    if not rows:
        return 0
    ids = db.session.execute(insert(Message).returning(Message.id), rows).scalars().all()
    if email_enabled():
        db.session.info.setdefault("xueshi_email_after_commit", []).extend(ids)
    return len(rows)


@workflow.after_step
def on_step(taken: StepTaken) -> None:
    """The one after-step hook: tell whoever the step concerns."""
    wf, t, row = taken.workflow, taken.transition, taken.row
    if t.custom or (t.target is None and wf.resource != "Inspection"):
        return
    if wf.resource == "Inspection":  # handing over opens a case: tell its district
        case = taken.result
        if isinstance(case, Case):
            subject = gettext("A case was handed over to your district: %(subject)s",
                              subject=case.subject)[:200]
            write(recipients("Case", case, taken.scope.user_id), subject, case.details or "",
                  path("CaseView.show", pk=case.id), "Case", case.id, t.name)
        return
    subject, body, url = _about(taken)
    write(recipients(wf.resource, row, taken.scope.user_id), subject, body, url,
          wf.resource, row.id, t.name)
    if wf.resource == "TrainingClass" and t.name == "approve":
        _certificates_issued(row, taken.scope.user_id)


def _certificates_issued(cls, actor: int | None) -> None:
    """Each participant with a login hears that the class's hours and certificate are theirs."""
    people = select(Enrolment.person_id).where(Enrolment.class_id == cls.id)
    found = db.session.execute(select(UserScope.user_id, UserScope.person_id)
                               .where(UserScope.person_id.in_(people))).all()
    subject = gettext("Certificate issued: %(name)s", name=cls.name)[:200]
    body = gettext("The class's hours are in your ledger; the certificate is under Certificates.")
    write([uid for uid, _ in found if uid != actor], subject, body, path("CertificateView.list"),
          "TrainingClass", cls.id, "approve")


# -- reading ----------------------------------------------------------------------


def unread_count(scope: Scope) -> int:
    if scope.user_id is None:
        return 0
    return db.session.execute(select(func.count()).select_from(Message).where(
        Message.user_id == scope.user_id, Message.read_at.is_(None))).scalar()


@workflow.atomic
def mark_read(scope: Scope, message_id=None) -> int:
    """Mark one message (or, without an id, all) of the login read."""
    stmt = update(Message).where(scopes.clause(Message, scope), Message.read_at.is_(None))
    if message_id is not None:
        row = scopes.get_in_scope(Message, message_id, scope)
        if row is None:
            raise BusinessError(gettext("Not found."), status=404)
        stmt = stmt.where(Message.id == row.id)
    return db.session.execute(stmt.values(read_at=utcnow())).rowcount


# -- e-mail -----------------------------------------------------------------------


def email_enabled() -> bool:
    return bool(current_app.config.get("XUESHI_SMTP_URL"))


def _smtp():
    """An SMTP connection from `XUESHI_SMTP_URL` (smtp://[user:password@]host:port[?from=addr])."""
    url = urlsplit(current_app.config["XUESHI_SMTP_URL"])
    server = smtplib.SMTP(url.hostname or "127.0.0.1", url.port or 25, timeout=10)
    if url.scheme == "smtp+starttls":
        server.starttls()
    if url.username:
        server.login(url.username, url.password or "")
    return server


def sender() -> str:
    return current_app.config.get("XUESHI_MAIL_FROM") or "xueshi@localhost"


def send(message_ids: list[int]) -> int:
    """E-mail these messages, once each, to logins with a real address (the task's
    body). Each message is marked sent in its own commit: a consumer killed halfway
    resends at most the one in flight."""
    user = current_app.appbuilder.sm.user_model
    stmt = (select(Message.id, Message.subject, Message.body, Message.url, user.email)
            .join(user, user.id == Message.user_id)
            .where(Message.id.in_(message_ids), Message.emailed_at.is_(None),
                   user.email.is_not(None), user.email != "", ~user.email.endswith(".invalid"))
            .order_by(Message.id))
    rows = db.session.execute(stmt).all()
    db.session.rollback()
    if not rows:
        return 0
    base = current_app.config.get("XUESHI_PUBLIC_BASE_URL", "").rstrip("/")
    with _smtp() as server:
        for message_id, subject, body, url, address in rows:
            mail = EmailMessage()
            mail["Subject"] = subject
            mail["From"] = sender()
            mail["To"] = address
            mail.set_content(body + (f"\n\n{base}{url}" if url else ""))
            server.send_message(mail)
            db.session.execute(update(Message).where(Message.id == message_id)
                               .values(emailed_at=utcnow()))
            db.session.commit()
    return len(rows)


def enqueue_email(message_ids: list[int]) -> None:
    """Hand the messages' e-mail to the job queue (after the step's commit): the
    consumer sends it, never the request."""
    from ..jobs.tasks import send_email

    send_email(list(message_ids))


def _after_commit(session) -> None:
    ids = session.info.pop("xueshi_email_after_commit", None)
    if ids:
        enqueue_email(ids)


def _after_rollback(session) -> None:
    session.info.pop("xueshi_email_after_commit", None)


def install() -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)

