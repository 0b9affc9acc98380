"""Export for 山东省专业技术人员继续教育公共服务平台.

The column layout lives in `COLUMNS` alone, since the province may change
it. One row per credited item, with the person's totals. Every export is a
batch: who, when, rows, SHA-256; its bytes are kept, so the same batch
downloads identically again."""
from __future__ import annotations

import secrets
from operator import itemgetter
from datetime import date
from decimal import Decimal
from typing import Callable

from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import Row, text

from .. import rules
from ..extensions import db
from ..formatting import hours_value
from ..models import Activity, ExportBatch, Ledger, Person
from ..security import scope as scopes
from ..security.scope import Scope
from . import audit, files, inputs
from .errors import BusinessError
from .records import when
from .sheets import write_csv, write_workbook
from .workflow import atomic, may


# One line per credited item of a ledger: the ledger's and its person's columns,
# the item's hours as stored (text) and its activity's columns, read by one query
# that expands the items in the database and joins each to its activity — rows
# straight from the driver, streamed, no ORM objects and no JSON parsed in Python
# (a city export makes millions of lines). Items that credit nothing are left out.
_LINES_SQL = {
    "postgresql": """
SELECT p.id_number, p.name, u.name AS unit_name, l.year, l.public, l.professional, l.compliant,
       it.value->>1 AS item_public, it.value->>2 AS item_professional,
       a.title, a.kind, a.date, a.days, a.start, a."end"
FROM ledger AS l
JOIN person AS p ON p.id = l.person_id
JOIN unit AS u ON u.id = p.unit_id
CROSS JOIN LATERAL jsonb_array_elements(l.items) WITH ORDINALITY AS it(value, n)
JOIN activity AS a ON a.id = CAST(it.value->>0 AS INTEGER)
WHERE l.year = :year AND l.in_scope {where}
  AND (CAST(it.value->>1 AS NUMERIC) <> 0 OR CAST(it.value->>2 AS NUMERIC) <> 0)
ORDER BY p.id, it.n""",
    "sqlite": """
SELECT p.id_number, p.name, u.name AS unit_name, l.year, l.public, l.professional, l.compliant,
       json_extract(it.value, '$[1]') AS item_public,
       json_extract(it.value, '$[2]') AS item_professional,
       a.title, a.kind, a.date, a.days, a.start, a."end"
FROM ledger AS l
JOIN person AS p ON p.id = l.person_id
JOIN unit AS u ON u.id = p.unit_id
JOIN json_each(l.items) AS it
JOIN activity AS a ON a.id = json_extract(it.value, '$[0]')
WHERE l.year = :year AND l.in_scope {where}
  AND (CAST(json_extract(it.value, '$[1]') AS REAL) <> 0
       OR CAST(json_extract(it.value, '$[2]') AS REAL) <> 0)
ORDER BY p.id, it.key""",
}
_FIELDS = ("id_number", "name", "unit_name", "year", "public", "professional", "compliant",
           "item_public", "item_professional", "title", "kind", "date", "days", "start", "end")


def _field(name: str):
    """A line's column by its position in the query: cheaper than by name on every line."""
    return itemgetter(_FIELDS.index(name))


_LINE_TYPES = {"year": Ledger.year.type, "public": Ledger.public.type,
               "professional": Ledger.professional.type, "compliant": Ledger.compliant.type,
               "date": Activity.date.type, "days": Activity.days.type,
               "start": Activity.start.type, "end": Activity.end.type}
CHUNK = 2000  # lines fetched at a time

# What the columns derive from a few distinct values, worked out once per export
# (`lines()` starts them afresh): an item's category and hours by its stored
# hours, a kind's clause by year.
_CREDITS: dict[tuple, tuple[str, object]] = {}
_CLAUSES: dict[tuple[int, str], str] = {}


_ITEM_HOURS = itemgetter(_FIELDS.index("item_public"), _FIELDS.index("item_professional"))


def _credit(line) -> tuple[str, object]:
    """(类别, 认定学时) of a line's item."""
    key = _ITEM_HOURS(line)
    found = _CREDITS.get(key)
    if found is None:
        public, professional = (Decimal(v if isinstance(v, str) else str(v)) for v in key)
        if public and professional:
            category = "公需/专业"
        else:
            category = "公需" if public else "专业"
        found = _CREDITS[key] = (category, hours_value(public + professional))
    return found


def _clause(line) -> str:
    key = (line.year, line.kind)
    found = _CLAUSES.get(key)
    if found is None:
        rule_set = rules.registry.get(line.year)
        rule = rule_set.kind(line.kind) if rule_set else None
        found = _CLAUSES[key] = f"{rule.clause} {rule.label.zh}" if rule else line.kind
    return found


# (header, value of a line): the province's layout, in its order (a plain column
# by _field, which costs less than a lambda on every line).
COLUMNS: list[tuple[str, Callable[[Row], object]]] = [
    ("身份证号", _field("id_number")),
    ("姓名", _field("name")),
    ("单位", _field("unit_name")),
    ("年度", _field("year")),
    ("类别", lambda l: _credit(l)[0]),
    ("项目名称", _field("title")),
    ("日期", lambda l: when(l, "至")),
    ("认定学时", lambda l: _credit(l)[1]),
    ("认定依据(条款)", _clause),
    ("公需合计", lambda l: hours_value(l.public)),
    ("专业合计", lambda l: hours_value(l.professional)),
    ("是否达标", lambda l: "是" if l.compliant else "否"),
]
HEADERS = [name for name, _ in COLUMNS]


def lines(year: int, *, person_id: int | None = None, unit_id: int | None = None):
    """Credited items of the year's ledgers, ordered by person then item: rows
    of `_LINES_SQL` (id_number, name, unit_name, year, public, professional,
    compliant, item_public, item_professional, and the activity's title, kind,
    date, days, start, end), streamed CHUNK at a time."""
    where, params = [], {"year": year}
    if person_id is not None:
        where.append("AND p.id = :person_id")
        params["person_id"] = person_id
    if unit_id is not None:
        where.append("AND p.unit_id = :unit_id")
        params["unit_id"] = unit_id
    connection = db.session.connection()
    stmt = text(_LINES_SQL[connection.dialect.name].format(where=" ".join(where)))
    _CREDITS.clear()
    _CLAUSES.clear()
    yield from connection.execute(stmt.columns(**_LINE_TYPES).execution_options(yield_per=CHUNK),
                                  params)


def values(year: int, **target):
    """The export's rows: each line's value of every column (`COLUMNS`), in order."""
    getters = [get for _, get in COLUMNS]
    for line in lines(year, **target):
        yield [get(line) for get in getters]


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
    rows = values(year, **target)
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
