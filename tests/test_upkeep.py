"""Scheduled upkeep in the job consumer: reminders, audit anchoring and archiving,
the nightly backup and clean-up are huey periodic tasks, and each acts once
however often it runs (several consumers, a late duplicate, a hand run)."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db


def due_at(when: datetime) -> set[str]:
    from app.jobs import queue

    return {task.name for task in queue.huey.read_periodic(when)}


def test_the_upkeep_is_scheduled_in_the_consumer(app):
    from app.jobs import queue, tasks

    registered = {task.name for task in queue.huey._registry.periodic_tasks}
    assert {f"upkeep.{name}" for name in tasks.SCHEDULE} <= registered
    assert set(tasks.SCHEDULE) == {"reminders", "audit-anchor", "audit-archive", "backup", "clean-up",
                                   "purge-tokens", "verify-lookups"}
    # huey's clock is UTC: 02:30 in Qingdao is 18:30 UTC
    assert "upkeep.backup" in due_at(datetime(2026, 12, 1, 18, 30))
    assert "upkeep.reminders" in due_at(datetime(2026, 9, 1, 23, 5))
    assert {"upkeep.audit-anchor"} <= due_at(datetime(2026, 12, 1, 6, 17))
    assert not {n for n in due_at(datetime(2026, 12, 1, 18, 31)) if n.startswith("upkeep.")}


def run(name: str) -> None:
    """Run a scheduled task's body as the consumer would (errors raise here)."""
    from app.jobs import tasks

    tasks.UPKEEP[name].call_local()


@pytest.fixture()
def places(app, tmp_path, monkeypatch):
    for key in ("XUESHI_AUDIT_ANCHOR_DIR", "XUESHI_BACKUP_DIR"):
        monkeypatch.setitem(app.config, key, str(tmp_path / key.lower()))
    return tmp_path


def test_anchoring_twice_writes_one_anchor(app, places):
    anchors = places / "xueshi_audit_anchor_dir"
    with app.app_context():
        run("audit-anchor")
        assert len(list(anchors.glob("anchor-*.json"))) == 1
        run("audit-anchor")  # only its own anchor event is newer: nothing to anchor
        assert len(list(anchors.glob("anchor-*.json"))) == 1
        from app.services import upkeep

        assert upkeep.anchor_audit() is None
        db.session.remove()


def test_archiving_twice_moves_nothing_twice(app, places):
    from app.models import AuditEntry

    with app.app_context():
        before = db.session.execute(select(func.count()).select_from(AuditEntry)).scalar()
        run("audit-archive")
        run("audit-archive")  # nothing here is past the 180 days it keeps
        assert db.session.execute(select(func.count()).select_from(AuditEntry)).scalar() >= before
        db.session.remove()


def test_the_nightly_backup_runs_once_a_day_and_keeps_the_newest(app, places, monkeypatch):
    folder = places / "xueshi_backup_dir"
    folder.mkdir()
    for day in ("20260101", "20260102", "20260103"):  # older backups, oldest first
        (folder / f"xueshi-{day}T023000000000Z").mkdir()
        (folder / f"xueshi-{day}T023000000000Z" / "manifest.json").write_text("{}")
    monkeypatch.setitem(app.config, "XUESHI_BACKUP_KEEP", 3)
    with app.app_context():
        run("backup")
        run("backup")
        db.session.remove()
    made = sorted(p.name for p in folder.iterdir())
    assert len(made) == 3 and made[0] == "xueshi-20260102T023000000000Z", made
    manifest = json.loads((folder / made[-1] / "manifest.json").read_text())
    assert manifest["sha256"]  # a real backup, today's only one


class TenthOfOctober(date):
    @classmethod
    def today(cls):
        return date(2026, 10, 10)


def test_the_scheduled_reminders_remind_once(app, world, monkeypatch):
    from app.models import Message, Person
    from app.services import accounts, audit, ledgers, reminders
    from tests import factories
    from tests.conftest import PASSWORD, USERS

    monkeypatch.setattr(reminders, "date", TenthOfOctober)
    with app.app_context():
        with audit.acting_as("tests:upkeep"):
            person = Person(id_number=factories.id_number("370202"), name="定时提醒人员",
                            unit_id=world.unit["A"], series="engineering", title_level="intermediate")
            db.session.add(person)
            db.session.commit()
            accounts.create_user(app.appbuilder, username="scheduled_reminder",
                                 password=PASSWORD, role=USERS["professional"][0],
                                 targets={"person": person.id_number}, full_name="定时提醒")
            ledgers.recompute_person(person.id, [2026])
            db.session.commit()
        user_id = app.appbuilder.sm.find_user(username="scheduled_reminder").id
        db.session.remove()

        def reminded():
            return db.session.execute(select(func.count()).select_from(Message).where(
                Message.resource == "Reminder", Message.user_id == user_id)).scalar()

        run("reminders")
        assert reminded() == 1
        run("reminders")
        assert reminded() == 1
        db.session.remove()


def test_clean_up_removes_old_jobs_once(app, world):
    from app.models import Job
    from app.models.base import utcnow
    from app.services import audit, files

    with app.app_context():
        long_ago = utcnow() - timedelta(days=60)
        stored = files.write("jobs", b"an old result")
        user_id = app.appbuilder.sm.find_user(username="association_admin").id
        with audit.acting_as("tests:upkeep"):
            old = Job(kind="recompute", state="done", params={}, user_id=user_id,
                      username="association_admin", created_at=long_ago, finished_at=long_ago,
                      touched_at=long_ago, result_name=stored.name)
            recent = Job(kind="recompute", state="done", params={}, user_id=user_id,
                         username="association_admin", finished_at=utcnow(), touched_at=utcnow())
            db.session.add_all([old, recent])
            db.session.commit()
        old_id, recent_id = old.id, recent.id
        run("clean-up")
        db.session.expire_all()
        assert db.session.get(Job, old_id) is None and db.session.get(Job, recent_id) is not None
        with pytest.raises(FileNotFoundError):
            files.read("jobs", stored.name)
        from app.models import AuditEntry

        deleted = db.session.execute(select(AuditEntry).where(
            AuditEntry.table_name == "job", AuditEntry.record_id == str(old_id),
            AuditEntry.action == "delete")).scalar_one()
        assert deleted.username == "schedule:clean-up"
        from app.services import upkeep

        with audit.acting_as("tests:upkeep"):
            assert upkeep.clean_up() == {"jobs": 0}
        db.session.delete(db.session.get(Job, recent_id))
        db.session.commit()
        db.session.remove()
