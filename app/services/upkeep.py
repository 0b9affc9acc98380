"""Scheduled upkeep: the bodies of the consumer's periodic tasks (`SCHEDULE` in
app/jobs/tasks.py) and of the matching commands. Each is idempotent — a second
run in the same period finds nothing to do — so several consumers, a late
duplicate or a hand run after the schedule never act twice:

- audit anchoring writes an anchor only when entries were added since the last;
- audit archiving moves only entries past the retention period (then none are left);
- the nightly backup skips a day that has one already, and keeps the newest
  `XUESHI_BACKUP_KEEP` in `XUESHI_BACKUP_DIR`;
- clean-up removes finished jobs (with their result files) older than
  `XUESHI_JOB_KEEP_DAYS`.
Reminders before title season are `reminders.run_due()` (once per login and year);
expired refresh tokens go by `identity.purge_expired()`."""
from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext
from sqlalchemy import and_, func, not_, select

from ..extensions import db
from ..models import AuditEntry, Job
from ..models.base import utcnow
from . import audit, audit_store, backup, files
from .errors import BusinessError

CHUNK = 500


def anchor_due() -> bool:
    """Whether entries other than anchor events were written since the latest anchor."""
    latest = audit_store.latest_anchor()
    if latest is None:
        return True
    newer = select(func.count()).select_from(AuditEntry).where(
        AuditEntry.seq > latest["seq"],
        not_(and_(AuditEntry.action == "event", AuditEntry.table_name == "audit.anchor")))
    return db.session.execute(newer).scalar() > 0


def anchor_audit(*, force: bool = False) -> dict | None:
    """Verify the chain and write its signed head outside the database; None when
    nothing is new since the last anchor (unless `force`). A broken chain is never
    anchored: BusinessError with the problem. The finished hours' verify-page
    lookups are written first, so the anchor covers them."""
    from . import access_log

    access_log.flush_lookups()
    result = audit.verify(db.session)
    if not result.ok:
        db.session.rollback()
        raise BusinessError(gettext("Audit chain broken: %(problem)s", problem=result.problem))
    if not force and not anchor_due():
        db.session.rollback()
        return None
    anchor = audit_store.write_anchor(db.session)
    audit.security_event("audit.anchor", username="audit", seq=anchor["seq"], commit=True)
    return anchor


def archive_audit(days: int | None = None) -> int:
    """Move entries older than the retention period to signed files; how many moved."""
    try:
        moved = audit_store.archive(db.session, days=days)
    except audit_store.StoreError as exc:
        db.session.rollback()
        raise BusinessError(str(exc)) from None
    if moved:
        audit.security_event("audit.archive", username="audit", entries=moved)
    db.session.commit()
    return moved


def backup_folder() -> Path:
    return backup.default_folder()


def nightly_backup() -> Path | None:
    """Today's backup (UTC day) unless there is one; then prune to the newest
    XUESHI_BACKUP_KEEP. Returns the new folder, None when today's existed."""
    folder = backup_folder()
    today = f"xueshi-{utcnow():%Y%m%d}T"
    if folder.exists() and any(p.name.startswith(today) for p in folder.iterdir()):
        return None
    out = backup.backup(folder)
    keep = max(1, int(current_app.config.get("XUESHI_BACKUP_KEEP", 14)))
    made = sorted(p for p in folder.iterdir() if p.is_dir() and p.name.startswith("xueshi-")
                  and (p / backup.MANIFEST).exists())
    for old in made[:-keep]:
        shutil.rmtree(old)
    return out


def clean_up() -> dict:
    """Finished jobs older than XUESHI_JOB_KEEP_DAYS, with their result files.
    They go through the ORM in chunks so that each deletion is audited."""
    from ..jobs import FINISHED

    cutoff = utcnow() - timedelta(days=int(current_app.config.get("XUESHI_JOB_KEEP_DAYS", 30)))
    removed = 0
    while True:
        old = db.session.execute(select(Job).where(
            Job.state.in_(FINISHED), Job.finished_at < cutoff).order_by(Job.id).limit(CHUNK)
        ).scalars().all()
        if not old:
            break
        names = [job.result_name for job in old]
        for job in old:
            db.session.delete(job)
        db.session.commit()
        for name in names:
            files.remove("jobs", name)
        removed += len(old)
    return {"jobs": removed}
