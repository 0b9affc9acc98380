"""A row of any workflow's model, in any state, on side A or B of the seeded
world — written straight to the database, for tests that probe the steps."""
from __future__ import annotations

import itertools
import secrets
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models import (
    BaseEvaluation, Case, Certificate, Claim, Enrolment, Inspection, Person, PersonRequest, PlanProject, RosterLink,
    Seminar, TrainingClass, YearCertificate,
)
from app.models.base import utcnow
from app.services import certificates, status_list

_serial = itertools.count(1)


def user_id(app, username: str) -> int:
    return app.appbuilder.sm.find_user(username=username).id


def _training_class(world, side: str, state: str) -> TrainingClass:
    cls = TrainingClass(name=f"探针班次{next(_serial)}", base_id=world.base[side], mode="offline",
                        category="professional", start_date=date(2026, 10, 1),
                        end_date=date(2026, 10, 1), hours_per_day=Decimal(6), venue="x", capacity=5,
                        state=state)
    db.session.add(cls)
    db.session.flush()
    return cls


def make(app, world, model, state: str | None, side: str = "A"):
    """A committed row of `model` owned by side `side` (its person, base, district),
    a claim filed and submitted by that side's professional login."""
    n = next(_serial)
    if model is Claim:
        filer = user_id(app, "professional")
        row = Claim(person_id=world.person[side], year=2026, kind="public_subject_exam",
                    title=f"探针申报{n}", date=date(2026, 5, 1), hours=Decimal(2), passed=True,
                    state=state, created_by=filer, submitted_by=None if state == "draft" else filer)
    elif model is TrainingClass:
        row = _training_class(world, side, state)
    elif model is Certificate:
        cls = _training_class(world, side, "reviewed")
        enrolment = Enrolment(class_id=cls.id, person_id=world.person[side], attendance={})
        db.session.add(enrolment)
        db.session.flush()
        row = Certificate(number=f"PROBE-{n:06d}", token=secrets.token_urlsafe(32), class_id=cls.id,
                          enrolment_id=enrolment.id, person_id=world.person[side], hours=Decimal(6),
                          issued_at=utcnow(), status_index=status_list.allocate(1))
    elif model is YearCertificate:
        row = YearCertificate(number=f"PROBE-Y{n:06d}", token=secrets.token_urlsafe(32),
                              person_id=world.person[side], year=1000 + n, serial=n, version=1,
                              ledger_digest="probe", public=Decimal(30), professional=Decimal(60),
                              total=Decimal(90), compliant=True, issued_at=utcnow(),
                              status_index=status_list.allocate(1))
    elif model is PlanProject:
        row = PlanProject(year=2040 + n % 50, name=f"探针项目{n}", category="public", audience="x",
                          planned_hours=Decimal(6), months="5月", base_id=world.base[side], state=state)
    elif model is Seminar:
        row = Seminar(year=2026, name=f"探针研修{n}", level="city", base_id=world.base[side], state=state)
    elif model is BaseEvaluation:
        row = BaseEvaluation(base_id=world.base[side], year=1000 + n, stage=state)
    elif model is Inspection:
        row = Inspection(inspected_on=date(2026, 7, 1), base_id=world.base[side], inspector="x",
                         findings="x")
    elif model is Case:
        row = Case(district_id=world.district[side], subject="x", details="x", state=state)
    elif model is RosterLink:  # a held row: the person stays in their unit's scope
        cls = _training_class(world, side, "accepted")
        row = RosterLink(kind="differs", state=state, class_id=cls.id, person_id=world.person[side],
                         unit_id=world.unit[side], name=f"探针姓名{n}")
    elif model is PersonRequest:  # a transfer of side's person, asked by the other side's unit
        other = "B" if side == "A" else "A"
        person = db.session.get(Person, world.person[side])
        row = PersonRequest(kind="transfer", state=state, unit_id=world.unit[other],
                            holder_unit_id=world.unit[side], person_id=person.id, id_number=person.id_number,
                            name=f"探针姓名{n}", is_enterprise_manager=False)
    else:  # pragma: no cover - a new workflow needs its row here
        raise AssertionError(f"no test row for {model.__name__}")
    db.session.add(row)
    if model in (Certificate, YearCertificate) and state in ("suspended", "revoked"):
        db.session.flush()
        certificates.set_state([row], state)
    db.session.commit()
    return row.id


def person_of_side(world, side: str):
    return db.session.execute(select(Person).where(Person.id == world.person[side])).scalar_one()
