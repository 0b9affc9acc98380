"""七(一) dishonesty records (失信记录): proven fraud by a person or a unit. An
active record fails the person's title-eligibility check whatever their
hours, and is announced city-wide (the notice masks ID numbers)."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext
from sqlalchemy import or_, select

from ..extensions import db
from ..models import Case, DishonestyRecord, Person, Unit
from ..security.scope import Scope
from . import inputs, people, records
from .errors import BusinessError
from .inspections import in_scope
from .workflow import atomic, require

NOTICE_HEADERS = ["对象", "身份证号/统一社会信用代码", "单位", "失信行为", "起始日期", "截止日期"]


@atomic
def add(scope: Scope, data: dict) -> DishonestyRecord:
    require(scope, "create", "DishonestyRecord")
    person, unit = in_scope(scope, Person, data, "person_id"), in_scope(scope, Unit, data, "unit_id")
    if (person is None) == (unit is None):
        raise BusinessError(gettext("A record is against a person or a unit."), field="person_id")
    start = records.parse_date(data.get("start_date"), "start")
    end = records.parse_date(data["end_date"], "end") if data.get("end_date") else None
    if end is not None and end < start:
        raise BusinessError(gettext("The end date is before the start date."), field="end_date")
    case = in_scope(scope, Case, data, "case_id")
    record = DishonestyRecord(person_id=person.id if person else None, unit_id=unit.id if unit else None,
                              reason=inputs.required(data.get("reason"), "reason",
                                                     gettext("Reason given")),
                              case_id=case.id if case else None, start_date=start, end_date=end)
    db.session.add(record)
    db.session.flush()
    return record


def barred_people(person_ids, on: date | None = None) -> dict[int, str]:
    """Why each of these people may not apply for a title now (only those barred):
    one query per CHUNK ids, for a bulk check as for one person."""
    on = on or date.today()
    ids = sorted(set(person_ids))
    found: dict[int, list[str]] = {}
    for start in range(0, len(ids), people.CHUNK):
        rows = db.session.execute(
            select(DishonestyRecord.person_id, DishonestyRecord.reason)
            .where(DishonestyRecord.person_id.in_(ids[start:start + people.CHUNK]),
                   DishonestyRecord.start_date <= on,
                   or_(DishonestyRecord.end_date.is_(None), DishonestyRecord.end_date >= on))
            .order_by(DishonestyRecord.id))
        for person_id, reason in rows:
            found.setdefault(person_id, []).append(reason)
    return {pid: gettext(
        "An active dishonesty record bars the title application (notice 七(一)): %(reason)s",
        reason=";".join(reasons)) for pid, reasons in found.items()}


def dishonesty_reason(person: Person) -> str | None:
    """Why the person may not apply for a title now, or None."""
    return barred_people([person.id]).get(person.id)


def notice_rows(on: date | None = None) -> list[list[str]]:
    """The city-wide notice: every announced record active today, ID numbers masked."""
    on = on or date.today()
    rows = db.session.execute(select(DishonestyRecord).where(DishonestyRecord.announced)
                              .order_by(DishonestyRecord.start_date.desc())).scalars()
    out = []
    for r in rows:
        if not r.active_on(on):
            continue
        end = r.end_date.isoformat() if r.end_date else ""
        if r.person is not None:
            out.append([r.person.name, r.person.id_number_masked, r.person.unit.name, r.reason,
                        r.start_date.isoformat(), end])
        else:
            out.append([r.unit.name, r.unit.credit_code, r.unit.name, r.reason,
                        r.start_date.isoformat(), end])
    return out
