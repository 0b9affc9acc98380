"""The shortfall planner offers only eligible, open items, with the hours the engine would credit."""
from __future__ import annotations

from datetime import date

import pytest

from app import rules
from app.extensions import db
from app.models import Person, TrainingClass, Unit
from app.services import ledgers, planner
from tests import factories
from tests.test_classes import accepted_class, new_class

TODAY = date(2026, 12, 1)


@pytest.fixture(scope="module")
def newcomer(app, world):
    """A person of unit A with no hours at all, and one at junior level."""
    with app.app_context():
        unit = db.session.get(Unit, world.unit["A"])
        people = [Person(id_number=factories.id_number("370202"), name=name, unit=unit,
                         series="engineering", title_level=level)
                  for name, level in (("规划测试中级", "intermediate"), ("规划测试初级", "junior"))]
        db.session.add_all(people)
        db.session.commit()
        ids = [p.id for p in people]
        db.session.remove()
    return ids


def test_the_planner_offers_open_classes_with_the_engines_credit(app, api, newcomer):
    open_id = accepted_class(api, name="规划测试公需班", category="public",
                             start_date="2026-12-20", end_date="2026-12-22", hours_per_day=8)
    past_id = accepted_class(api, name="规划测试已结束班", category="public",
                             start_date="2026-11-02", end_date="2026-11-03", hours_per_day=8)
    new_class(api, name="规划测试草稿班", category="public", start_date="2026-12-20",
              end_date="2026-12-21")
    with app.app_context():
        person = db.session.get(Person, newcomer[0])
        options = planner.plan(person, 2026, today=TODAY)
        texts = [o.text for o in options]
        assert any("规划测试公需班" in t for t in texts)
        assert not any("规划测试已结束班" in t or "规划测试草稿班" in t for t in texts)
        cls = db.session.get(TrainingClass, open_id)
        expected = rules.evaluate(ledgers.person_year(person.id, person.series, 2026, [
            {"id": "x", "kind": "offline_training", "category": "public",
             "days": [{"date": f"2026-12-{d}", "hours": cls.hours_per_day} for d in (20, 21, 22)]}]))
        option = next(o for o in options if "规划测试公需班" in o.text)
        assert option.credit == expected["public"] > 0
        assert option.category == "public"
        assert "还差公需" in option.text or "公需" in option.text
        assert db.session.get(TrainingClass, past_id).state == "accepted"
        db.session.remove()


def test_a_compliant_or_out_of_scope_person_gets_no_plan(app, newcomer):
    with app.app_context():
        person = db.session.get(Person, newcomer[0])
        assert planner.plan(person, 2026, values={"compliant": True, "shortfall_public": 0,
                                                  "shortfall_professional": 0}) == []
        db.session.remove()


def test_advanced_seminar_classes_are_offered_only_to_those_who_may_attend(app, api, world, newcomer):
    """A seminar's class counts double (四(二)3) and is offered, with the engine's credit,
    only to intermediate and senior titles (and enterprise managers)."""
    from app.models import Seminar
    from app.services import audit

    with app.app_context():
        with audit.acting_as("tests:planner"):
            seminar = Seminar(year=2026, name="规划测试高级研修", level="city",
                              base_id=world.base["A"], state="approved")
            db.session.add(seminar)
            db.session.commit()
        seminar_id = seminar.id
        db.session.remove()
    accepted_class(api, name="规划测试研修班", category="professional", seminar_id=seminar_id,
                   start_date="2026-12-14", end_date="2026-12-14", hours_per_day=8)
    with app.app_context():
        intermediate, junior = (db.session.get(Person, pk) for pk in newcomer)
        option = next(o for o in planner.plan(intermediate, 2026, today=TODAY) if "规划测试研修班" in o.text)
        expected = rules.evaluate(ledgers.person_year(intermediate.id, intermediate.series, 2026, [
            {"id": "x", "kind": "priority_training", "category": "professional",
             "days": [{"date": "2026-12-14", "hours": 8}]}]))
        assert option.credit == expected["professional"] == 16
        assert not any("规划测试研修班" in o.text for o in planner.plan(junior, 2026, today=TODAY))
        db.session.remove()
