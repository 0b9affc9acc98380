"""四(一) platform course completions, imported from Excel or CSV by the association.

Every row is checked first; one bad row and nothing is imported, and the
report names each row, column and problem. A valid file is written in
chunks (one transaction each, ledgers recomputed with them); every row has a
digest, so importing the same file again, or resuming an interrupted import,
adds nothing twice."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Callable

from flask_babel import gettext
from sqlalchemy import select

from ..extensions import db
from ..models import Activity, Person
from ..validators import InvalidValue, normalize_id_number
from . import ledgers, records
from .errors import BusinessError
from .sheets import Problem, read_table

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


def _digest(number: str, course: str, category: str, day, hours) -> str:
    text = "|".join(["platform", number, course, category, day.isoformat(), str(hours)])
    return hashlib.sha256(text.encode()).hexdigest()


def check(filename: str, data: bytes) -> tuple[list[dict], list[Problem]]:
    """Parse and check every row; (clean rows, problems)."""
    rows = read_table(filename, data, HEADERS)
    if not rows:
        raise BusinessError(gettext("The file has no data rows."), field="file")
    problems: list[Problem] = []
    cleaned: list[dict] = []
    numbers = set()
    for row in rows:
        v = row.values
        try:
            v["身份证号"] = normalize_id_number(v["身份证号"])
            numbers.add(v["身份证号"])
        except InvalidValue as exc:
            problems.append(Problem(row.number, "身份证号", str(exc)))
    people = {}
    for start in range(0, len(numbers), 1000):
        chunk = list(numbers)[start:start + 1000]
        for person in db.session.execute(select(Person).where(Person.id_number.in_(chunk))).scalars():
            people[person.id_number] = person
    bad_numbers = {p.row for p in problems}
    seen: dict[str, int] = {}
    for row in rows:
        v = row.values
        found: list[Problem] = []
        person = people.get(v["身份证号"])
        if row.number not in bad_numbers:
            if person is None:
                found.append(Problem(row.number, "身份证号", gettext("No professional has this ID number.")))
            elif person.name != v["姓名"]:
                found.append(Problem(row.number, "姓名", gettext("The name does not match the ID number.")))
        course = v["课程名称"]
        if not course:
            found.append(Problem(row.number, "课程名称", gettext("The course name is required.")))
        category = CATEGORY_WORDS.get(v["类别"])
        if category is None:
            found.append(Problem(row.number, "类别", gettext("The category must be 公需 or 专业.")))
        day = hours = None
        try:
            day = records.parse_date(v["日期"], "date")
            if not ledgers.has_rules(day.year):
                raise BusinessError(gettext("No rules for the year %(year)d.", year=day.year))
        except BusinessError as exc:
            found.append(Problem(row.number, "日期", str(exc)))
        try:
            hours = records.parse_hours(v["学时"], "hours")
        except BusinessError as exc:
            found.append(Problem(row.number, "学时", str(exc)))
        if found or row.number in bad_numbers:
            problems.extend(found)
            continue
        key = _digest(v["身份证号"], course, category, day, hours)
        if key in seen:
            problems.append(Problem(row.number, "身份证号",
                                    gettext("The same row appears twice (row %(row)d).", row=seen[key])))
            continue
        seen[key] = row.number
        cleaned.append({"person_id": person.id, "title": course, "category": category,
                        "date": day, "hours": hours, "dedupe_key": key})
    problems.sort(key=lambda p: (p.row, HEADERS.index(p.column)))
    return cleaned, problems


def run(filename: str, data: bytes, *, chunk: int = 1000,
        progress: Callable[[int], None] | None = None) -> ImportResult:
    cleaned, problems = check(filename, data)
    result = ImportResult(rows=len(cleaned) + len({p.row for p in problems}), problems=problems)
    if problems:
        return result
    people = set()
    for start in range(0, len(cleaned), chunk):
        part = cleaned[start:start + chunk]
        known = set(db.session.execute(
            select(Activity.dedupe_key).where(Activity.dedupe_key.in_([r["dedupe_key"] for r in part]))
        ).scalars())
        touched: dict[int, set[int]] = {}
        for row in part:
            if row["dedupe_key"] in known:
                result.already += 1
                continue
            year = row["date"].year
            db.session.add(Activity(kind="platform_course", source="platform",
                                    first_year=year, last_year=year, **row))
            touched.setdefault(row["person_id"], set()).add(year)
            result.added += 1
        for person_id, years in sorted(touched.items()):
            ledgers.recompute_person(person_id, years)
        db.session.commit()
        people.update(touched)
        if progress:
            progress(len(part))
    result.people = len(people)
    return result
