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
is left. The queue itself is huey (`queue.py`); huey's Redis storage has no
acknowledgement (a message taken by a consumer that dies is gone), so the job
rows are what recovery reads, never the queue.

A run holds its job by a lease: claiming it bumps `attempts` (the run's fencing
token) and `touched_at`, and a lease thread renews `touched_at` while the run
works, however long one chunk takes. A job whose lease ran out (its consumer
died or stood still longer than XUESHI_JOB_STALE_SECONDS) goes back to the queue
and the next claim takes a new token; every commit of a run through its context
(progress, result, end) first checks the token, so a late commit of the old run
is refused (`LeaseLost`) and rolled back. Files a run wrote for a commit that
never came are named in a journal (`files.write(..., journal=ctx.journal)`) and
removed by the next run of the job.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from flask import current_app, g
from flask_babel import gettext
from sqlalchemy import select, update

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


class LeaseLost(Exception):
    """This run no longer holds its job (another consumer took it over): nothing it
    still had to commit is kept."""


def _hold(job_id: int, attempt: int, **values) -> None:
    """In the current transaction: check that run `attempt` still holds the job and
    renew its lease (with `values`), keeping the job row locked until the commit.
    LeaseLost, after a rollback, when another run took the job."""
    held = db.session.execute(
        update(Job).where(Job.id == job_id, Job.attempts == attempt, Job.state == RUNNING)
        .values(touched_at=utcnow(), **values).execution_options(synchronize_session=False))
    if held.rowcount != 1:
        db.session.rollback()
        raise LeaseLost(f"job {job_id}: run {attempt} was taken over")


class Context:
    """What a running job may do besides its work: report progress, attach a result.
    Each call commits the work done so far, if this run still holds the job."""

    def __init__(self, job: Job, scope: Scope):
        self.job_id = job.id
        self.attempt = job.attempts  # this run's fencing token
        self.scope = scope
        self.journal = journal_of(job.id, job.attempts)

    def progress(self, done: int, total: int | None = None) -> None:
        """Record progress and commit with it what the job wrote since the last call
        (LeaseLost, and nothing committed, when another run holds the job)."""
        values = {"done": done}
        if total is not None:
            values["total"] = total
        _hold(self.job_id, self.attempt, **values)
        db.session.commit()

    def attach(self, data: bytes, filename: str, mimetype: str) -> None:
        """The job's result file (one per job; a re-run replaces it)."""
        self._attached(files.write("jobs", data, journal=self.journal), filename, mimetype)

    def attach_copy(self, area: str, name: str, filename: str, mimetype: str) -> None:
        """attach() of a stored file (`name` of `area`), copied a piece at a time:
        a result of any size without holding it in memory."""
        self._attached(files.copy(area, name, "jobs", journal=self.journal), filename, mimetype)

    def _attached(self, stored: files.StoredFile, filename: str, mimetype: str) -> None:
        _hold(self.job_id, self.attempt)
        job = db.session.get(Job, self.job_id)
        old = job.result_name
        job.result_name, job.result_sha256 = stored.name, stored.sha256
        job.result_filename, job.result_mimetype = filename, mimetype
        db.session.commit()
        files.close_journal("jobs", self.journal)
        files.remove("jobs", old)


def journal_of(job_id: int, attempt: int) -> str:
    """The journal of the files one run of a job writes (see files.write)."""
    return f"job-{job_id}-{attempt}"


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


def _stale_seconds() -> int:
    return int(current_app.config.get("XUESHI_JOB_STALE_SECONDS", 300))


def _stale_before():
    return utcnow() - timedelta(seconds=_stale_seconds())


def _claim(job_id: int) -> int | None:
    """Take a queued job: this run's fencing token, or None when it is running
    elsewhere or finished."""
    token = db.session.execute(
        update(Job).where(Job.id == job_id, Job.state == QUEUED)
        .values(state=RUNNING, touched_at=utcnow(), attempts=Job.attempts + 1)
        .returning(Job.attempts).execution_options(synchronize_session=False)).scalar()
    db.session.commit()
    return token


class _Lease(threading.Thread):
    """Renews a run's lease every third of XUESHI_JOB_STALE_SECONDS while the run
    works (a chunk may take longer than that); stops when told or when the lease
    is lost. Its own connection: the run's transaction is not touched."""

    def __init__(self, job_id: int, attempt: int):
        super().__init__(name=f"xueshi-lease-{job_id}", daemon=True)
        self.job_id, self.attempt = job_id, attempt
        self.engine, self.every = db.engine, max(0.2, _stale_seconds() / 3)
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            try:
                with self.engine.begin() as conn:
                    held = conn.execute(update(Job).where(
                        Job.id == self.job_id, Job.attempts == self.attempt,
                        Job.state == RUNNING).values(touched_at=utcnow())).rowcount
            except Exception:  # the database is busy or away: try again at the next beat
                log.warning("job %s: lease not renewed", self.job_id, exc_info=True)
                continue
            if held != 1:
                log.warning("job %s: run %s lost its lease", self.job_id, self.attempt)
                return


def execute(job_id: int) -> str | None:
    """Run one job to its end (the consumer's task). Returns the final state,
    or None when the job is finished already, another consumer has it, or this
    run lost it to another."""
    attempt = _claim(job_id)
    if attempt is None:
        return None
    _discard_unwritten(job_id, attempt)
    lease = _Lease(job_id, attempt)
    lease.start()
    try:
        return _run(job_id, attempt)
    except LeaseLost:
        log.warning("job %s: run %s was taken over; its uncommitted work is dropped",
                    job_id, attempt)
        return None
    finally:
        lease.stopped.set()
        db.session.rollback()
        _discard_unwritten(job_id, attempt + 1)  # what this run wrote but did not commit


def _run(job_id: int, attempt: int) -> str:
    job = db.session.get(Job, job_id)
    job_kind = KINDS.get(job.kind)
    scope, user = _scope_of(job)
    from .. import logs

    log_token = logs.set_job(f"job-{job.id}")
    g.user = user  # the audit log names the user who started the job
    try:
        with scopes.acting_as(scope), audit.acting_as(f"job:{job.kind}"):
            if job.started_at is None:
                _hold(job_id, attempt)
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
            except LeaseLost:
                raise
            except BusinessError as exc:
                return _finish(job_id, attempt, FAILED, error=str(exc))
            except Exception:
                log.exception("job failed")
                return _finish(job_id, attempt, FAILED, error=gettext(
                    "The job stopped on an unexpected error; start it again or ask the "
                    "administrator."))
            return _finish(job_id, attempt, DONE, message=message)
    finally:
        g.pop("user", None)
        logs._job.reset(log_token)


def _finish(job_id: int, attempt: int, state: str, *, message: str | None = None,
            error: str | None = None) -> str:
    db.session.rollback()
    _hold(job_id, attempt)
    job = db.session.get(Job, job_id)
    job.state, job.finished_at, job.touched_at = state, utcnow(), utcnow()
    job.message, job.error = (str(message) if message else None), error
    db.session.commit()
    files.remove("jobs", (job.params or {}).get("input"))  # an upload the job read
    return state


def _discard_unwritten(job_id: int, before: int) -> None:
    """Files that the runs of the job before `before` wrote for commits that never
    came (killed, or refused): each kind's area, and the result files."""
    from ..services import certificates

    prefix = f"job-{job_id}-"

    def runs(key: str) -> bool:
        run = key[len(prefix):]
        return key.startswith(prefix) and run.isdigit() and int(run) < before

    files.discard_journals("jobs", runs, lambda names: db.session.execute(
        select(Job.result_name).where(Job.result_name.in_(names))).scalars().all())
    files.discard_journals("certificates", runs, certificates.stored_among)
    db.session.rollback()


def requeue_stale() -> int:
    """Put back in the queue the jobs a dead (or stalled) consumer left: queued or
    running, with a lease older than XUESHI_JOB_STALE_SECONDS. The job goes back to
    'queued' (its old run's token is void) and is enqueued once per stale period;
    a job is claimed by one run."""
    ids = db.session.execute(
        update(Job).where(Job.state.in_((QUEUED, RUNNING)), Job.touched_at < _stale_before())
        .values(state=QUEUED, touched_at=utcnow())
        .returning(Job.id).execution_options(synchronize_session=False)).scalars().all()
    db.session.commit()
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
