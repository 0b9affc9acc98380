"""Redacting what old audit entries must not keep: platform-course dedupe keys
written before revision 0010 are plain SHA-256s of "platform|<full ID>|…", so
anyone reading the log could recover the ID number by trying birth dates.

The chain is not rewritten. A redacted entry keeps its original MAC in `hash`
(so the next entry's `prev_hash`, the chain head and every signed anchor and
archive stay valid) and gets `redacted`: the audit key's MAC of its new
content bound to that original MAC (`audit.redaction_seal`). `verify()` checks
a redacted entry against that seal, so only the holder of the audit key can
redact, and a later edit of a redacted entry still fails. The run itself is a
security event (`audit.redact`: how many entries). Running it again finds
nothing. Entries already moved to WORM archives are outside its reach."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import or_, select, update

from ..formatting import hours as hours_text
from ..models.audit import AuditEntry
from ..security.keyed import platform_course_key
from . import audit

REDACTED = "[redacted]"
FIELD = "dedupe_key"


def _keyed(data: dict) -> bool:
    """Whether the logged dedupe key is the HMAC of the logged row (kept)."""
    try:
        return data[FIELD] == platform_course_key(
            int(data["person_id"]), data["title"], data["category"],
            date.fromisoformat(data["date"]), hours_text(Decimal(str(data["hours"]))))
    except (KeyError, TypeError, ValueError, InvalidOperation):
        return False


def _cleaned(text: str | None) -> str | None:
    """The entry side without a plain dedupe key, or None when it has none."""
    if not text or FIELD not in text:
        return None
    data = json.loads(text)
    if not isinstance(data, dict) or data.get(FIELD) in (None, REDACTED) or _keyed(data):
        return None
    data[FIELD] = REDACTED
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def redact_plain_dedupe_keys(session, chunk: int = 1000) -> int:
    """Redact every plain dedupe key in the database's audit entries, in one
    transaction with its security event. Returns how many entries changed."""
    table = AuditEntry.__table__
    changed, last = 0, 0
    while True:
        rows = session.execute(select(table).where(
            table.c.id > last, table.c.table_name == "activity",
            or_(table.c.before.contains(FIELD), table.c.after.contains(FIELD)))
            .order_by(table.c.id).limit(chunk)).mappings().all()
        if not rows:
            break
        for row in rows:
            before, after = _cleaned(row["before"]), _cleaned(row["after"])
            if before is None and after is None:
                continue
            new = dict(row, before=before or row["before"], after=after or row["after"])
            session.execute(update(table).where(table.c.id == row["id"]).values(
                before=new["before"], after=new["after"], redacted=audit.redaction_seal(new)))
            changed += 1
        last = rows[-1]["id"]
    if changed:
        audit.security_event("audit.redact", session=session, entries=changed, field=FIELD)
    session.commit()
    return changed
