"""A running job holds its row by a lease: a run slower than
XUESHI_JOB_STALE_SECONDS keeps it (a lease thread renews it), a run that stood
still loses it to the next claim and its late commit is refused (the fencing
token is the claim's `attempts`), and the files it wrote for that commit go."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app import jobs
from app.extensions import db
from app.models import Job
from app.models.base import utcnow
from app.services import files


@pytest.fixture()
def kinds(app, monkeypatch):
    """Declare job kinds for one test (removed after it); a lease runs out in 3 s."""
    monkeypatch.setitem(app.config, "XUESHI_JOB_STALE_SECONDS", 3)

    def declare(name, run):
        monkeypatch.setitem(jobs.KINDS, name, jobs.JobKind(name, name, "recompute", "LedgerView",
                                                            run))
    return declare


def queued_job(app, kind: str) -> int:
    """A job row of the system (as a schedule starts one), waiting in the queue."""
    with app.app_context():
        job = Job(kind=kind, state=jobs.QUEUED, params={}, user_id=None, username="tests",
                  touched_at=utcnow(), attempts=0, done=0)
        db.session.add(job)
        db.session.commit()
        job_id = job.id
        db.session.remove()
    return job_id


def run_in_thread(app, job_id: int) -> tuple[threading.Thread, list]:
    """execute(job_id) in a thread of its own, as a consumer's worker runs it."""
    outcome = []

    def target():
        with app.app_context():
            try:
                outcome.append(jobs.execute(job_id))
            finally:
                db.session.remove()

    thread = threading.Thread(target=target)
    thread.start()
    return thread, outcome


def row(app, job_id: int) -> Job:
    with app.app_context():
        job = db.session.get(Job, job_id)
        db.session.expunge(job)
        db.session.remove()
    return job


def job_files(app) -> set[str]:
    """Every file in the jobs area, journals included (relative paths)."""
    with app.app_context():
        area = files.root() / "jobs"
    return {p.relative_to(area).as_posix() for p in area.rglob("*") if p.is_file()} \
        if area.exists() else set()


def test_a_run_slower_than_the_stale_time_keeps_its_job(app, kinds):
    release = threading.Event()

    def slow(ctx):
        release.wait(30)  # one "chunk" of 3 lease periods, no progress reported
        ctx.progress(1, 1)
        return "slow"

    kinds("test_slow", slow)
    job_id = queued_job(app, "test_slow")
    thread, outcome = run_in_thread(app, job_id)
    try:
        time.sleep(9.5)
        with app.app_context():
            assert jobs.requeue_stale() == 0  # the lease was renewed meanwhile
            assert jobs.execute(job_id) is None  # a second message takes nothing
            db.session.remove()
    finally:
        release.set()
        thread.join(30)
    job = row(app, job_id)
    assert outcome == [jobs.DONE] and (job.state, job.attempts, job.message) == ("done", 1, "slow")


def test_a_run_that_stood_still_loses_the_job_and_its_late_commit(app, kinds, monkeypatch):
    stalled, release = threading.Event(), threading.Event()

    def body(ctx):
        if ctx.attempt == 1:  # the first run stands still (a paused consumer) after writing
            stalled.set()
            release.wait(30)
        ctx.attach(f"run {ctx.attempt}".encode(), "result.txt", "text/plain")
        return f"run {ctx.attempt}"

    kinds("test_fenced", body)
    before = job_files(app)
    monkeypatch.setattr(jobs._Lease, "run", lambda self: None)  # a stopped process renews nothing
    job_id = queued_job(app, "test_fenced")
    thread, outcome = run_in_thread(app, job_id)
    try:
        assert stalled.wait(30)
        with app.app_context():
            db.session.execute(update(Job).where(Job.id == job_id)
                               .values(touched_at=utcnow() - timedelta(seconds=30)))
            db.session.commit()
            # the sweep puts the job back; the queue runs inline here: run 2 takes it
            assert jobs.requeue_stale() == 1
            db.session.remove()
        second = row(app, job_id)
        assert (second.state, second.attempts, second.message) == ("done", 2, "run 2")
    finally:
        release.set()
        thread.join(30)
    assert outcome == [None]  # run 1 woke up, its commit was refused
    job = row(app, job_id)
    assert (job.state, job.attempts, job.message) == ("done", 2, "run 2")
    with app.app_context():
        assert files.read("jobs", job.result_name) == b"run 2"
        db.session.remove()
    # run 1's result file went with its refused commit; no journal is left
    assert job_files(app) - before == {f"{job.result_name[:2]}/{job.result_name}"}


def test_a_killed_run_s_files_go_with_the_next_run(app, kinds):
    """A run killed between writing a file and its commit left a journal: the next
    run of the job removes the file no row names, and keeps the ones rows name."""
    def body(ctx):
        ctx.attach(b"whole", "result.txt", "text/plain")
        return "again"

    kinds("test_journal", body)
    job_id = queued_job(app, "test_journal")
    with app.app_context():
        # run 1 committed one result, wrote another and was killed before its commit
        kept = files.write("jobs", b"kept", journal=jobs.journal_of(job_id, 1))
        db.session.execute(update(Job).where(Job.id == job_id).values(result_name=kept.name,
                                                                      attempts=1))
        db.session.commit()
        orphan = files.write("jobs", b"half a result", journal=jobs.journal_of(job_id, 1))
        other = files.write("jobs", b"another job's", journal=jobs.journal_of(job_id + 1, 1))
        assert jobs.execute(job_id) == jobs.DONE
        assert not files.path("jobs", orphan.name).exists()
        assert files.path("jobs", other.name).exists()  # not this job's journal
        job = db.session.get(Job, job_id)
        assert files.read("jobs", job.result_name) == b"whole"
        assert not files.path("jobs", kept.name).exists()  # replaced by the new result
        files.discard_journals("jobs", lambda key: key == jobs.journal_of(job_id + 1, 1),
                               lambda names: [])
        assert not files.path("jobs", other.name).exists()
        assert not (files.root() / "jobs" / ".journal").exists() or \
            not any((files.root() / "jobs" / ".journal").iterdir())
        db.session.remove()


def test_a_finished_job_is_not_claimed_again(app, kinds):
    kinds("test_once", lambda ctx: "once")
    job_id = queued_job(app, "test_once")
    with app.app_context():
        assert jobs.execute(job_id) == jobs.DONE
        assert jobs.execute(job_id) is None
        db.session.execute(update(Job).where(Job.id == job_id)
                           .values(touched_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
        assert jobs.requeue_stale() == 0  # finished jobs stay finished
        assert db.session.execute(select(Job.attempts).where(Job.id == job_id)).scalar() == 1
        db.session.remove()


def test_the_association_sees_the_queue_depth_and_the_oldest_wait(app, clients):
    from sqlalchemy import delete, func

    with app.app_context():
        waiting = db.session.execute(select(func.count()).where(Job.state == jobs.QUEUED)).scalar()
        rows = [Job(kind="recompute", state=jobs.QUEUED, params={"year": 2026}, user_id=None,
                    username="tests", created_at=utcnow() - timedelta(minutes=minutes),
                    touched_at=utcnow(), attempts=0, done=0) for minutes in (600, 1)]
        db.session.add_all(rows)
        db.session.commit()
        ids = [job.id for job in rows]
        db.session.remove()
    try:
        page = clients("association_admin").get("/jobs/").get_data(as_text=True)
        assert f"队列:{waiting + 2} 个等待" in page, page
        assert "最早的任务已等待 600 分钟" in page
        assert "队列:" not in clients("unit_reviewer").get("/jobs/").get_data(as_text=True)
    finally:
        with app.app_context():
            db.session.execute(delete(Job).where(Job.id.in_(ids)))
            db.session.commit()
            db.session.remove()


def test_each_database_has_its_own_queue():
    """Two instances (or test runs) on one Redis database must not take each other's
    messages: a message names a job id of its own database."""
    from app.jobs import queue

    one = queue.name("postgresql+psycopg://xueshi:secret@db.example:5432/xueshi")
    assert one == queue.name("postgresql://xueshi:other@db.example:5432/xueshi")  # driver, password
    assert one != queue.name("postgresql+psycopg://xueshi@db.example:5432/xueshi_staging")
    assert one != queue.name("postgresql+psycopg://xueshi@db2.example:5432/xueshi")
    assert queue.name("sqlite:////srv/a/xueshi.db") != queue.name("sqlite:////srv/b/xueshi.db")
