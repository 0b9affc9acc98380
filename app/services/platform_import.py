"""四(一) platform course completions, imported from Excel or CSV by the association.

Every row is checked first; one bad row and nothing is imported, and the
report names each row, column and problem. A valid file is written in
chunks (one transaction each, ledgers recomputed with them); every row has a
digest, so importing the same file again, or resuming an interrupted import,
adds nothing twice."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Callable

from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..formatting import hours as hours_text
from ..models import Activity
from ..security import keyed
from ..validators import InvalidValue, normalize_id_number
from . import ledgers, people, records
from .errors import BusinessError
from .sheets import Checked, Problem, RowReport, Template, check_rows

HEADERS = ["身份证号", "姓名", "课程名称", "类别", "日期", "学时"]
CATEGORY_WORDS = {"公需": "public", "公需科目": "public", "public": "public",
                  "专业": "professional", "专业科目": "professional", "professional": "professional"}


@dataclass
class ImportResult:
    rows: int = 0
    added: int = 0
    already: int = 0
    people: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems




@dataclass(frozen=True)
class CourseLine:
    """One checked row: a course completion to register."""

    person_id: int
    title: str
    category: str
    date: date
    hours: Decimal
    dedupe_key: str


TEMPLATE = Template(_l("Platform courses"), HEADERS, [], lambda: [
    "370202198001011232", "张三", "数字技术与数字经济", "公需", records.example_date(), 6])


def check(filename: str, data: bytes) -> Checked[CourseLine]:
    """Every row checked into a CourseLine, or problems by row and column."""
    rows = TEMPLATE.rows(filename, data)
    known = people.by_id_number(_number(row.values["身份证号"]) for row in rows)
    seen: dict[str, int] = {}

    def check_row(row, report: RowReport) -> CourseLine | None:
        v = row.values
        try:
            number = normalize_id_number(v["身份证号"])
        except InvalidValue as exc:
            number = None
            report.add("身份证号", str(exc))
        person = known.get(number)
        if number and person is None:
            report.add("身份证号", gettext("No professional has this ID number."))
        elif person is not None and person.name != v["姓名"]:
            report.add("姓名", gettext("The name does not match the ID number."))
        course = v["课程名称"]
        if not course:
            report.add("课程名称", gettext("The course name is required."))
        category = CATEGORY_WORDS.get(v["类别"])
        if category is None:
            report.add("类别", gettext("The category must be 公需 or 专业."))
        day = hours = None
        try:
            day = records.parse_date(v["日期"], "date")
            if not ledgers.has_rules(day.year):
                raise BusinessError(gettext("No rules for the year %(year)d.", year=day.year))
        except BusinessError as exc:
            report.add("日期", str(exc))
        try:
            hours = records.parse_hours(v["学时"], "hours")
        except BusinessError as exc:
            report.add("学时", str(exc))
        if report:
            return None
        key = keyed.platform_course_key(person.id, course, category, day, hours_text(hours))
        if key in seen:
            report.add("身份证号", gettext("The same row appears twice (row %(row)d).", row=seen[key]))
            return None
        seen[key] = row.number
        return CourseLine(person.id, course, category, day, hours, key)

    checked = check_rows(rows, check_row)
    checked.problems.sort(key=lambda p: (p.row, HEADERS.index(p.column)))
    return checked


def _number(text: str) -> str | None:
    try:
        return normalize_id_number(text)
    except InvalidValue:
        return None


def run(filename: str, data: bytes, *, chunk: int = 1000,
        progress: Callable[[int], None] | None = None) -> ImportResult:
    checked = check(filename, data)
    cleaned = checked.plans
    result = ImportResult(rows=len(cleaned) + len({p.row for p in checked.problems}),
                          problems=checked.problems)
    if checked.problems:
        return result
    registered = set()
    for start in range(0, len(cleaned), chunk):
        part = cleaned[start:start + chunk]
        known = set(db.session.execute(
            select(Activity.dedupe_key).where(Activity.dedupe_key.in_([r.dedupe_key for r in part]))
        ).scalars())
        touched: dict[int, set[int]] = {}
        for row in part:
            if row.dedupe_key in known:
                result.already += 1
                continue
            year = row.date.year
            db.session.add(Activity(kind="platform_course", source="platform",
                                    first_year=year, last_year=year, **asdict(row)))
            touched.setdefault(row.person_id, set()).add(year)
            result.added += 1
        for person_id, years in sorted(touched.items()):
            ledgers.recompute_person(person_id, years)
        db.session.commit()
        registered.update(touched)
        if progress:
            progress(len(part))
    result.people = len(registered)
    return result
