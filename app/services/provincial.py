"""Export for 山东省专业技术人员继续教育公共服务平台.

The column layout lives in `COLUMNS` alone, since the province may change
it. One row per credited item, with the person's totals. Every export is a
batch: who, when, rows, SHA-256; its bytes are kept, so the same batch
downloads identically again."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Callable

from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import Row, select

from .. import rules
from ..extensions import db
from ..formatting import hours_value
from ..models import Activity, ExportBatch, Ledger, Person, Unit
from ..security import scope as scopes
from ..security.scope import Scope
from . import audit, files, inputs, people
from .errors import BusinessError
from .ledgers import stored_items
from .records import when
from .sheets import write_csv, write_workbook
from .workflow import atomic, may


@dataclass(slots=True)
class Line:
    """Everything one export row may need: the columns read, not ORM objects
    (an export of a big unit makes tens of thousands of lines)."""

    ledger: Row  # the ledger's year, public, professional, compliant, its person's
    # id_number and name, and unit_name
    activity: Row  # the credited activity's title, kind, date, days, start, end
    public: Decimal
    professional: Decimal


def _category(line: Line) -> str:
    if line.public and line.professional:
        return "公需/专业"
    return "公需" if line.public else "专业"


def _clause(line: Line) -> str:
    rule_set = rules.registry.get(line.ledger.year)
    rule = rule_set.kind(line.activity.kind) if rule_set else None
    return f"{rule.clause} {rule.label.zh}" if rule else line.activity.kind


# (header, value of a line): the province's layout, in its order.
COLUMNS: list[tuple[str, Callable[[Line], object]]] = [
    ("身份证号", lambda l: l.ledger.id_number),
    ("姓名", lambda l: l.ledger.name),
    ("单位", lambda l: l.ledger.unit_name),
    ("年度", lambda l: l.ledger.year),
    ("类别", _category),
    ("项目名称", lambda l: l.activity.title),
    ("日期", lambda l: when(l.activity, "至")),
    ("认定学时", lambda l: hours_value(l.public + l.professional)),
    ("认定依据(条款)", _clause),
    ("公需合计", lambda l: hours_value(l.ledger.public)),
    ("专业合计", lambda l: hours_value(l.ledger.professional)),
    ("是否达标", lambda l: "是" if l.ledger.compliant else "否"),
]
HEADERS = [name for name, _ in COLUMNS]
CHUNK = 500  # ledgers read (and their activities looked up) at a time


_LEDGER = (Ledger.year, Ledger.public, Ledger.professional, Ledger.compliant, Ledger.items,
           Person.id_number, Person.name, Unit.name.label("unit_name"))
_ACTIVITY = (Activity.id, Activity.title, Activity.kind, Activity.date, Activity.days,
             Activity.start, Activity.end)


def lines(year: int, *, person_id: int | None = None, unit_id: int | None = None):
    """Credited items of the year's ledgers, ordered by person then item."""
    stmt = (select(*_LEDGER).join(Person, Person.id == Ledger.person_id)
            .join(Unit, Unit.id == Person.unit_id).where(Ledger.year == year, Ledger.in_scope)
            .order_by(Person.id))
    if person_id is not None:
        stmt = stmt.where(Person.id == person_id)
    if unit_id is not None:
        stmt = stmt.where(Person.unit_id == unit_id)
    # streamed: CHUNK ledgers at a time, with their activities in one query each
    for part in db.session.execute(stmt.execution_options(yield_per=CHUNK)).partitions():
        credited = []
        for ledger in part:
            items = [(it.activity_id, Decimal(it.public), Decimal(it.professional))
                     for it in stored_items(ledger)]
            items = [it for it in items if it[1] or it[2]]
            if items:
                credited.append((ledger, items))
        wanted = sorted({it[0] for _, items in credited for it in items})
        activities = {}
        for start in range(0, len(wanted), people.CHUNK):
            activities.update((a.id, a) for a in db.session.execute(
                select(*_ACTIVITY).where(Activity.id.in_(wanted[start:start + people.CHUNK]))))
        for ledger, items in credited:
            for activity_id, public, professional in items:
                yield Line(ledger, activities[activity_id], public, professional)


COVERAGE = {"person": _l("My own year"), "unit": _l("My unit"), "all": _l("All professionals")}


def coverages(scope: Scope) -> dict[str, dict]:
    """The exports a scope may make, by coverage, with the ledgers each takes:
    a person's own year, a unit's staff, or — for a scope that sees every
    professional — everybody."""
    if not may(scope, "export", "ExportBatch"):
        return {}
    found = {}
    if scope.person_id:
        found["person"] = {"person_id": scope.person_id}
    if scope.unit_id:
        found["unit"] = {"unit_id": scope.unit_id}
    if scopes.sees_everything(Person, scope):
        found["all"] = {}
    return found


def _target(scope: Scope, kind: str) -> dict:
    """Which ledgers an export of `kind` covers for this user, or a refusal."""
    target = coverages(scope).get(kind)
    if target is None:
        raise BusinessError(gettext("Your role may not make this export."), status=403)
    return target


@atomic
def create_batch(scope: Scope, kind: str, year, file_format: str) -> ExportBatch:
    """Build the file, keep it, record the batch; one transaction."""
    year = inputs.year(year, with_rules=True)
    if file_format not in ("xlsx", "csv"):
        raise BusinessError(gettext("The format must be xlsx or csv."), field="format")
    target = _target(scope, kind)
    rows = ([get(line) for _, get in COLUMNS] for line in lines(year, **target))
    with files.pending_writer("exports") as out:  # streamed to disk, constant memory
        if file_format == "xlsx":
            written = write_workbook(out, f"{year}", HEADERS, rows)
        else:
            written = write_csv(out, HEADERS, rows)
    stored = out.stored
    batch = ExportBatch(
        batch_no=f"SD{year}-{date.today():%Y%m%d}-{secrets.token_hex(4).upper()}",
        user_id=scope.user_id, username=scope.username, year=year, scope_kind=kind,
        unit_id=target.get("unit_id"), person_id=target.get("person_id"),
        file_format=file_format, rows=written, sha256=stored.sha256,
        stored_name=stored.name,
    )
    db.session.add(batch)
    db.session.flush()
    audit.security_event("export.personal_data", record=f"export_batch:{batch.id}",
                         batch=batch.batch_no, coverage=kind, year=year, rows=written,
                         format=file_format)
    return batch


def download_name(batch: ExportBatch) -> str:
    return f"{batch.batch_no}.{batch.file_format}"
