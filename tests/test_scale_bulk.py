"""Bulk work near its floor: the eligibility check and the provincial export
issue the same number of queries for 5 people as for 60 (chunks, not one
query per row), and files are streamed (a workbook gets a further sheet when
one is full)."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, event, select

from app.extensions import db
from app.models import Activity, Department, DishonestyRecord, Ledger, Person, Unit
from tests import factories

YEAR = 2026


def _queries(fn):
    seen = []

    def record(*_args):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        result = fn()
        if hasattr(result, "__next__"):
            result = list(result)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(seen), result


@pytest.fixture()
def unit(app, world):
    """A unit of its own, emptied afterwards."""
    from app.services import audit

    with app.app_context():
        with audit.acting_as("tests:bulk"):
            district_unit = db.session.get(Unit, world.unit["A"])
            made = Unit(name="批量测试单位", credit_code=factories.credit_code("370202"),
                        district_id=district_unit.district_id,
                        department=db.session.get(Department, world.department["A"]))
            db.session.add(made)
            db.session.commit()
        yield made.id
        with audit.acting_as("tests:bulk"):
            staff = select(Person.id).where(Person.unit_id == made.id)
            db.session.execute(delete(DishonestyRecord).where(DishonestyRecord.person_id.in_(staff)))
            db.session.execute(delete(Ledger).where(Ledger.person_id.in_(staff)))
            db.session.execute(delete(Activity).where(Activity.person_id.in_(staff)))
            db.session.execute(delete(Person).where(Person.unit_id == made.id))
            db.session.execute(delete(Unit).where(Unit.id == made.id))
            db.session.commit()


def _staff(unit_id: int, count: int) -> list[Person]:
    """People of the unit: every third without a ledger, every fourth barred."""
    from app.services import audit

    made = []
    with audit.acting_as("tests:bulk"):
        for n in range(count):
            person = Person(id_number=factories.id_number("370202"), name=f"批量{n}", unit_id=unit_id,
                            series="engineering", title_level="junior")
            db.session.add(person)
            db.session.flush()
            made.append(person)
            if n % 3:
                activity = Activity(person_id=person.id, kind="x", title=f"课程{n}", first_year=YEAR,
                                    last_year=YEAR, source="platform", date=date(YEAR, 4, 1))
                db.session.add(activity)
                db.session.flush()
                db.session.add(Ledger(
                    person_id=person.id, year=YEAR, unit_id=unit_id, district_id=None, in_scope=True,
                    public=Decimal(30), professional=Decimal(60), total=Decimal(90), compliant=True,
                    shortfall_public=0, shortfall_professional=0, digest="x",
                    items=[[activity.id, "30", "60", []]]))
            if n % 4 == 0:
                db.session.add(DishonestyRecord(person_id=person.id, reason="伪造证明",
                                                start_date=date(2020, 1, 1)))
        db.session.commit()
    return made


def test_bulk_check_queries_do_not_grow_with_the_list(app, unit):
    from app.security.scope import SYSTEM
    from app.services import eligibility

    with app.app_context():
        few = [(p.id_number, p.name) for p in _staff(unit, 5)]
        eligibility._check_many(SYSTEM, few, YEAR)  # once, for what is cached per context
        db.session.expire_all()
        small, verdicts = _queries(lambda: eligibility._check_many(SYSTEM, few, YEAR))
        many = few + [(p.id_number, p.name) for p in _staff(unit, 55)]
        db.session.expire_all()
        large, verdicts = _queries(lambda: eligibility._check_many(SYSTEM, many, YEAR))
        assert small == large <= 8
        by_name = {v.name: v for v in verdicts}
        assert by_name["批量1"].compliant and by_name["批量1"].public == 30
        barred = by_name["批量4"]  # a ledger, but a dishonesty record
        assert not barred.compliant and any("伪造证明" in p for p in barred.problems)
        unstored = by_name["批量3"]  # no ledger: computed now
        assert unstored.public == 0 and not unstored.compliant


def test_export_lines_query_in_chunks_not_per_ledger(app, unit):
    from app.services import provincial

    with app.app_context():
        _staff(unit, 6)
        small, found = _queries(lambda: provincial.lines(YEAR, unit_id=unit))
        _staff(unit, 54)
        large, more = _queries(lambda: provincial.lines(YEAR, unit_id=unit))
        assert small == large <= 4
        assert len(found) == 4 and len(more) == 40
        assert {line.title for line in more} >= {"课程1", "课程2"}


def test_a_full_sheet_continues_on_the_next(monkeypatch):
    from app.services import sheets

    monkeypatch.setattr(sheets, "SHEET_ROWS", 4)
    out = io.BytesIO()
    written = sheets.write_workbook(out, "2026", ["身份证号", "学时"], ([n, n] for n in range(10)))
    book = load_workbook(out)
    assert written == 10 and book.sheetnames == ["2026", "2026 (2)", "2026 (3)"]
    assert [[r[0] for r in ws.iter_rows(values_only=True)] for ws in book] == [
        ["身份证号", 0, 1, 2, 3], ["身份证号", 4, 5, 6, 7], ["身份证号", 8, 9]]


def test_csv_is_written_in_batches_with_a_bom():
    from app.services import sheets

    class Sink(io.BytesIO):
        writes = 0

        def write(self, data):
            Sink.writes += 1
            return super().write(data)

    out = Sink()
    assert sheets.write_csv(out, ["a"], ([n] for n in range(12)), batch=5) == 12
    assert out.getvalue().startswith("\ufeffa\r\n0\r\n".encode("utf-8"))
    assert Sink.writes == 4  # the BOM, two full batches, the rest
