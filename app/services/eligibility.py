"""职称申报学时核验: has an applicant met the year's hours?

One check answers: found, in scope, public, professional, compliant,
shortfall and any problem. The bulk check reads an Excel list of applicants
and answers every row, in order; no row is dropped."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import Row, select

from ..extensions import db
from ..formatting import hours_value
from ..models import Ledger
from ..security import masking
from ..security.scope import Scope
from ..validators import InvalidValue, normalize_id_number
from . import audit, dishonesty, inputs, ledgers, lookups, years
from .errors import BusinessError
from .sheets import RowReport, check_rows, read_table, workbook_bytes

BULK_HEADERS = ["身份证号", "姓名"]


@dataclass
class Verdict:
    id_number: str
    name: str = ""
    found: bool = False
    in_scope: bool = False
    public: Decimal | None = None
    professional: Decimal | None = None
    compliant: bool | None = False  # None: out of scope, no verdict (不适用)
    shortfall_public: Decimal | None = None
    shortfall_professional: Decimal | None = None
    problems: list[str] = field(default_factory=list)
    name_mismatch: bool = field(default=False, repr=False)

    def as_json(self) -> dict:
        data = asdict(self)
        data.pop("name_mismatch")
        for key in ("public", "professional", "shortfall_public", "shortfall_professional"):
            if data[key] is not None:
                data[key] = hours_value(data[key])
        return data


def _judge(verdict: Verdict, person: Row, values: dict, barred: str | None, shown: str,
           expected_name: str | None, year: int) -> Verdict:
    """The verdict on a person found in the scope (a row of lookups.visible_by_id_number;
    `shown`: the number as the viewer may see it)."""
    verdict.found = True
    verdict.in_scope = True
    verdict.name = person.name
    verdict.id_number = shown
    if expected_name is not None and expected_name != person.name:
        verdict.name_mismatch = True
        verdict.problems.append(gettext("The name does not match the ID number (the register says %(name)s).",
                                        name=person.name))
    if not years.in_scope(person.series, year):
        verdict.problems.append(gettext("Hours of this title series are recognised by %(handler)s.",
                                        handler=years.handler(person.series, year) or person.series))
    verdict.public = values["public"]
    verdict.professional = values["professional"]
    verdict.compliant = values["compliant"] if values["compliant"] is None else bool(values["compliant"])
    verdict.shortfall_public = values["shortfall_public"]
    verdict.shortfall_professional = values["shortfall_professional"]
    if barred:  # fails whatever the hours (七(一))
        verdict.compliant = False
        verdict.problems.append(barred)
    return verdict


def _require_year(year) -> int:
    return inputs.year(year, with_rules=True)


def check_one(scope: Scope, id_number: str, year) -> Verdict:
    """One applicant, recorded and limited as a lookup (see lookups)."""
    year = _require_year(year)
    try:
        number = normalize_id_number(id_number)
    except InvalidValue as exc:
        raise BusinessError(str(exc), field="id_number")
    lookups.allow(scope, "check", 1)
    verdict = _check_many(scope, [(number, None)], year)[0]
    lookups.record(scope, "check", 1, _misses([verdict]))
    db.session.commit()
    return verdict


def _misses(verdicts: list[Verdict]) -> int:
    """Rows whose number was not found in the scope or whose name did not match."""
    return sum(1 for v in verdicts if not v.found or v.name_mismatch)


def _check_many(scope: Scope, wanted: list[tuple[str, str | None]], year: int) -> list[Verdict]:
    """Every answer from a few queries per CHUNK people (the register through
    the scope, stored ledgers, dishonesty records, which numbers are shown in
    full), never one per applicant."""
    found = lookups.visible_by_id_number(scope, (n for n, _ in wanted))
    by_id = {p.id: p for p in found.values()}
    ids = sorted(by_id)
    values = {}
    for start in range(0, len(ids), lookups.CHUNK):
        chunk = ids[start:start + lookups.CHUNK]
        for row in db.session.execute(select(Ledger.person_id, *_STORED)
                                      .where(Ledger.year == year, Ledger.person_id.in_(chunk))):
            values[row[0]] = dict(zip(_FIELDS, row[1:]))
        # nothing stored yet: computed now from the activities, read for the chunk at once
        values.update(ledgers.computed_values([by_id[i] for i in chunk if i not in values], year))
    barred = dishonesty.barred_people(ids)
    shown = masking.shown_all(found, scope)  # as the viewer may see each number, at once
    # nobody has the number, or its holder is outside the scope: one answer for both
    not_found = gettext("No professional in your scope has this ID number.")
    verdicts = []
    for number, name in wanted:
        person = found.get(number)
        if person is None:
            verdicts.append(Verdict(id_number=number, problems=[not_found]))
        else:
            verdicts.append(_judge(Verdict(id_number=number), person, values[person.id],
                                   barred.get(person.id), shown[number], name, year))
    return verdicts


_FIELDS = ("in_scope", "public", "professional", "compliant", "shortfall_public",
           "shortfall_professional")
_STORED = [getattr(Ledger, f) for f in _FIELDS]


@dataclass(frozen=True)
class Applicant:
    """One checked row of the applicants' list."""

    row: int
    id_number: str
    name: str


def _applicant(row, report: RowReport) -> Applicant | None:
    try:
        return Applicant(row.number, normalize_id_number(row.values["身份证号"]), row.values["姓名"])
    except InvalidValue as exc:
        report.add("身份证号", str(exc))
        return None


@dataclass(frozen=True)
class BulkResult:
    """The answered workbook and what the page says about it."""

    body: bytes
    rows: int
    found: int
    compliant: int
    problems: int
    duplicates: int


def check_bulk(scope: Scope, filename: str, data: bytes, year) -> BulkResult:
    """The applicants' workbook answered row by row, in order. Each row keeps
    the ID number as the caller typed it (it is their own list); a malformed
    number is answered with its problem, and a number already on an earlier
    row is flagged as a duplicate."""
    year = _require_year(year)
    rows = read_table(filename, data, BULK_HEADERS)
    if not rows:
        raise BusinessError(gettext("The file has no data rows."), field="file")
    checked = check_rows(rows, _applicant)
    lookups.allow(scope, "bulk_check", len(checked.plans))
    answers = _check_many(scope, [(a.id_number, a.name) for a in checked.plans], year)
    lookups.record(scope, "bulk_check", len(checked.plans), _misses(answers))
    audit.security_event("check.bulk", record=f"eligibility:{year}", year=year, file=filename[:100],
                         rows=len(rows), checked=len(checked.plans), not_found=_misses(answers),
                         problems=len(checked.problems))
    db.session.commit()
    verdicts = {a.row: v for a, v in zip(checked.plans, answers)}
    number_of = {a.row: a.id_number for a in checked.plans}
    first_row: dict[str, int] = {}
    for applicant in checked.plans:
        first_row.setdefault(applicant.id_number, applicant.row)
    bad = {p.row: p.message for p in checked.problems}
    yes, no = gettext("Yes"), gettext("No")
    compliance = {True: yes, False: no, None: gettext("Not applicable")}  # 是 / 否 / 不适用
    out = []
    found = compliant = problems = duplicates = 0
    for row in rows:
        name, typed = row.values["姓名"], row.values["身份证号"]
        if row.number in bad:
            problems += 1
            out.append([row.number, typed, name, "", "", "", "", "", "",
                        gettext("Bad ID number: %(problem)s", problem=bad[row.number])])
            continue
        v = verdicts[row.number]
        notes = list(v.problems)
        earlier = first_row[number_of[row.number]]
        if earlier != row.number:
            duplicates += 1
            notes.append(gettext("The same ID number as row %(row)d.", row=earlier))
        found += v.found
        compliant += v.compliant is True
        problems += bool(notes)
        out.append([
            row.number, typed, name, yes if v.found else no,
            _num(v.public), _num(v.professional),
            compliance[v.compliant] if v.in_scope else "",  # out of scope: the problems say who
            _num(v.shortfall_public), _num(v.shortfall_professional),
            ";".join(notes),
        ])
    headers = [gettext("Row"), "身份证号", "姓名", gettext("Found"), gettext("Public hours"),
               gettext("Professional hours"), gettext("Met the requirement"),
               gettext("Public shortfall"), gettext("Professional shortfall"), gettext("Problems")]
    body = workbook_bytes(gettext("Check %(year)d", year=year), headers, out)
    return BulkResult(body, len(out), found, compliant, problems, duplicates)


def summary(result: BulkResult) -> str:
    return gettext("%(rows)d rows: %(found)d found, %(compliant)d met the requirement, %(problems)d with "
                   "problems (%(duplicates)d duplicates).", rows=result.rows, found=result.found,
                   compliant=result.compliant, problems=result.problems, duplicates=result.duplicates)


def _num(value):
    return "" if value is None else hours_value(value)
