"""Reminders before title season: each login short of hours once per year and stage; a dry run sends nothing."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app.extensions import db
from app.models import Ledger, Message, Person, UserScope
from app.services import accounts, audit, ledgers, reminders
from tests import factories
from tests.conftest import PASSWORD, USERS


def reminder_count(app):
    with app.app_context():
        n = db.session.execute(select(func.count()).select_from(Message).where(
            Message.resource == "Reminder")).scalar()
        db.session.remove()
        return n


def test_the_reminder_runs_once_and_the_dry_run_only_counts(app, world):
    # A professional of their own with no hours: short whatever other tests credit person A.
    with app.app_context():
        with audit.acting_as("tests:reminders"):
            person = Person(id_number=factories.id_number("370202"), name="提醒测试人员",
                            unit_id=world.unit["A"], series="engineering", title_level="intermediate")
            db.session.add(person)
            db.session.commit()
            accounts.create_user(app.appbuilder, username="reminded_professional", password=PASSWORD,
                                 role=USERS["professional"][0], targets={"person": person.id_number},
                                 full_name="reminded_professional")
            ledgers.recompute_person(person.id, [2026])
            db.session.commit()
        # short and not reminded yet (the scheduled task of tests/test_upkeep.py may have run)
        reminded = select(Message.user_id).where(Message.resource == "Reminder",
                                                 Message.record_id == 2026,
                                                 Message.step == "title_season")
        short_logins = db.session.execute(select(func.count(func.distinct(UserScope.user_id))).join(
            Ledger, Ledger.person_id == UserScope.person_id).where(
            Ledger.year == 2026, Ledger.in_scope.is_(True), Ledger.compliant.is_(False),
            UserScope.user_id.not_in(reminded))).scalar()
        db.session.remove()
    assert short_logins >= 1
    before = reminder_count(app)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["xueshi", "remind", "--year", "2026", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"{short_logins} " in result.output
    assert reminder_count(app) == before

    result = runner.invoke(args=["xueshi", "remind", "--year", "2026"])
    assert result.exit_code == 0, result.output
    sent = reminder_count(app) - before
    assert sent >= short_logins
    with app.app_context():
        professional = app.appbuilder.sm.find_user(username="reminded_professional").id
        reviewer = app.appbuilder.sm.find_user(username="unit_reviewer").id
        mine = db.session.execute(select(Message).where(
            Message.resource == "Reminder", Message.user_id == professional)).scalars().all()
        assert len(mine) == 1 and "公需" in mine[0].body
        assert db.session.execute(select(func.count()).select_from(Message).where(
            Message.resource == "Reminder", Message.user_id == reviewer)).scalar() == 1
        db.session.remove()
    again = runner.invoke(args=["xueshi", "remind", "--year", "2026"])
    assert again.exit_code == 0 and reminder_count(app) == before + sent


def test_the_reminder_date_is_configurable_and_defaults_to_september(app):
    with app.app_context():
        assert reminders.reminder_date(2026) == date(2026, 9, 1)
        app.config["XUESHI_REMINDER_DATES"] = {"2026": "10-15"}
        try:
            assert reminders.reminder_date(2026) == date(2026, 10, 15)
            assert reminders.run_due(date(2026, 10, 1)) == {}
            app.config["XUESHI_REMINDER_DATES"] = {"2026": "13-45"}
            assert reminders.reminder_date(2026) == date(2026, 9, 1)
        finally:
            app.config["XUESHI_REMINDER_DATES"] = {}
