"""Background jobs: long work leaves the request and runs in a job consumer.

A job kind is declared once (`@kind(name, label, permission, view)`), with the
permission from `app/security/roles.py` that lets a scope start it. A request
calls `start(kind, scope, **params)`: it records a `Job` row (audited), commits
and enqueues it, and answers at once with the job's page (`/jobs/<id>`). The
consumer runs the job in the scope of the user who started it (`acting_as`),
audited as that user; the job reports progress, may attach one result file
(written by `services/files.py`) and ends done or failed with a Chinese message.

Every job is idempotent: a job interrupted by a killed consumer is picked up
again (`requeue_stale`, at consumer start and every minute) and finishes what
is left. The queue itself is huey (`queue.py`).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from flask import current_app, g
from flask_babel import gettext
from sqlalchemy import or_, select, update

from ..extensions import db
from ..models import Job
from ..models.base import utcnow
from ..security import scope as scopes
from ..security.scope import Scope
from ..services import audit, files
from ..services.errors import BusinessError

log = logging.getLogger("xueshi.jobs")

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
FINISHED = (DONE, FAILED)


@dataclass(frozen=True)
class JobKind:
    name: str
    label: object  # lazy string
    permission: str
    view: str
    run: Callable


KINDS: dict[str, JobKind] = {}


def kind(name: str, label, permission: str, view: str):
    """Declare a job kind: `run(ctx, **params) -> message | None`, started by a
    scope holding `permission` on `view` (as granted in roles.py)."""

    def register(fn: Callable) -> Callable:
        KINDS[name] = JobKind(name, label, permission, view, fn)
        return fn

    return register


class Context:
    """What a running job may do besides its work: report progress, attach a result."""

    def __init__(self, job: Job, scope: Scope):
        self.job_id = job.id
        self.scope = scope

    def progress(self, done: int, total: int | None = None) -> None:
        """Record progress (its own small commit; call it between chunks)."""
        values = {"done": done, "touched_at": utcnow()}
        if total is not None:
            values["total"] = total
        db.session.execute(update(Job).where(Job.id == self.job_id).values(**values))
        db.session.commit()

    def attach(self, data: bytes, filename: str, mimetype: str) -> None:
        """The job's result file (one per job; a re-run replaces it)."""
        stored = files.write("jobs", data)
        job = db.session.get(Job, self.job_id)
        old = job.result_name
        job.result_name, job.result_sha256 = stored.name, stored.sha256
        job.result_filename, job.result_mimetype = filename, mimetype
        db.session.commit()
        files.remove("jobs", old)


def start(kind_name: str, scope: Scope, **params) -> Job:
    """Record and enqueue a job of `kind_name`, to run in `scope`. Params are JSON."""
    job_kind = KINDS[kind_name]
    if not scope.may(job_kind.permission, job_kind.view):
        files.remove("jobs", params.get("input"))
        raise BusinessError(gettext("You may not start this job."), status=403)
    job = Job(kind=kind_name, state=QUEUED, params=params, user_id=scope.user_id,
              username=scope.username, scope_key=scope.key, touched_at=utcnow(), attempts=0,
              done=0)
    db.session.add(job)
    db.session.commit()
    _enqueue(job.id)
    return job


def large(filename: str, data: bytes) -> bool:
    """Whether an uploaded sheet is long enough to be worked through by a job."""
    return row_count(filename, data) > current_app.config["XUESHI_JOB_ROWS"]


def row_count(filename: str, data: bytes) -> int:
    """About how many data rows an uploaded sheet has, without reading it: the
    rows a workbook's sheets declare (held to the upload bounds first: a bomb is
    refused, not queued), the lines of a CSV."""
    if (filename or "").lower().endswith(".xlsx") and data.startswith(b"PK"):
        from ..services.sheets import check_xlsx_bounds

        return max(0, check_xlsx_bounds(data) - 1)
    return max(0, data.count(b"\n") - 1)


def keep_input(filename: str, data: bytes) -> dict:
    """Store an upload for a job; the job's params name it (removed when it ends)."""
    return {"input": files.write("jobs", data).name, "filename": filename}


def read_input(params_input: str) -> bytes:
    try:
        return files.read("jobs", params_input)
    except FileNotFoundError:
        raise BusinessError(gettext("The uploaded file is gone; upload it again.")) from None


def _enqueue(job_id: int) -> None:
    from .tasks import run_job

    run_job(job_id)


def label(job: Job) -> str:
    job_kind = KINDS.get(job.kind)
    return str(job_kind.label) if job_kind else job.kind


def _scope_of(job: Job) -> tuple[Scope, object]:
    """The scope (and login) the job runs as: whoever started it, as they are now
    (a job whose starter's scope changed since is refused in execute)."""
    if job.user_id is None:
        return scopes.SYSTEM, None
    user = current_app.appbuilder.sm.get_user_by_id(job.user_id)
    if user is None or not user.is_active:
        return scopes.NOBODY, None
    return scopes.scope_for_user(user), user


def _stale_before():
    return utcnow() - timedelta(seconds=current_app.config.get("XUESHI_JOB_STALE_SECONDS", 300))


def _claim(job_id: int) -> bool:
    """Take the job: queued, or running but silent for long (its consumer died)."""
    claimed = db.session.execute(
        update(Job).where(Job.id == job_id, or_(
            Job.state == QUEUED, (Job.state == RUNNING) & (Job.touched_at < _stale_before())))
        .values(state=RUNNING, touched_at=utcnow(), attempts=Job.attempts + 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return claimed.rowcount == 1


def execute(job_id: int) -> str | None:
    """Run one job to its end (the consumer's task). Returns the final state,
    or None when the job is finished already or another consumer has it."""
    if not _claim(job_id):
        return None
    job = db.session.get(Job, job_id)
    job_kind = KINDS.get(job.kind)
    scope, user = _scope_of(job)
    from .. import logs

    log_token = logs.set_job(f"job-{job.id}")
    g.user = user  # the audit log names the user who started the job
    try:
        with scopes.acting_as(scope), audit.acting_as(f"job:{job.kind}"):
            if job.started_at is None:
                job.started_at = utcnow()
                db.session.commit()
            try:
                if job_kind is None or not scope.may(job_kind.permission, job_kind.view):
                    raise BusinessError(gettext("You may not start this job."), status=403)
                if job.user_id is not None and job.scope_key != scope.key:
                    raise BusinessError(gettext(
                        "Your scope changed after the job was started; start it again."),
                        status=403)
                message = job_kind.run(Context(job, scope), **(job.params or {}))
            except BusinessError as exc:
                return _finish(job_id, FAILED, error=str(exc))
            except Exception:
                log.exception("job failed")
                return _finish(job_id, FAILED, error=gettext(
                    "The job stopped on an unexpected error; start it again or ask the "
                    "administrator."))
            return _finish(job_id, DONE, message=message)
    finally:
        g.pop("user", None)
        logs._job.reset(log_token)


def _finish(job_id: int, state: str, *, message: str | None = None,
            error: str | None = None) -> str:
    db.session.rollback()
    job = db.session.get(Job, job_id)
    job.state, job.finished_at, job.touched_at = state, utcnow(), utcnow()
    job.message, job.error = (str(message) if message else None), error
    db.session.commit()
    files.remove("jobs", (job.params or {}).get("input"))  # an upload the job read
    return state


def requeue_stale() -> int:
    """Enqueue again the jobs a dead consumer left: queued or running and silent
    for longer than XUESHI_JOB_STALE_SECONDS. Safe: a job is claimed once."""
    ids = db.session.execute(select(Job.id).where(
        Job.state.in_((QUEUED, RUNNING)), Job.touched_at < _stale_before())).scalars().all()
    db.session.rollback()
    for job_id in ids:
        _enqueue(job_id)
    return len(ids)


def queue_figures() -> dict:
    """Queue depth and the age of the oldest waiting job (the association's view)."""
    from sqlalchemy import func

    count, oldest = db.session.execute(
        select(func.count(), func.min(Job.created_at)).where(Job.state == QUEUED)).one()
    age = None
    if oldest is not None:
        if oldest.tzinfo is None:  # SQLite gives naive UTC back
            from datetime import timezone

            oldest = oldest.replace(tzinfo=timezone.utc)
        age = int((utcnow() - oldest).total_seconds())
    running = db.session.execute(select(func.count()).where(Job.state == RUNNING)).scalar()
    return {"queued": count, "running": running, "oldest_seconds": age}


from . import kinds, tasks  # noqa: E402,F401  (declares the job kinds, registers the tasks)
