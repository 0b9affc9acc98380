"""The ledger says, on each reduced item, what was claimed, what was credited and
why, naming the items that took the day or the cap (issue 9, 5); the annual cap
named is the item's own; no note code reaches the screen."""
from __future__ import annotations

import re
from datetime import date

import pytest
from flask_babel import force_locale

from app.extensions import db
from app.models import Activity, Ledger, Person
from app.services import ledgers
from tests import factories


def _activity(person, kind, title, **fields):
    if "days" in fields:
        years = [int(d["date"][:4]) for d in fields["days"]]
    elif "start" in fields:
        years = [fields["start"].year, fields["end"].year]
    else:
        years = [fields["date"].year]
    return Activity(person_id=person.id, kind=kind, title=title, source="platform",
                    first_year=min(years), last_year=max(years), **fields)


@pytest.fixture(scope="module")
def crowded(app, world):
    """A person whose 2026 has every kind of reduction, and their ledger id."""
    with app.app_context():
        person = Person(id_number=factories.id_number("370202"), name="满格",
                        unit_id=world.unit["A"], series="engineering", title_level="intermediate")
        db.session.add(person)
        db.session.flush()
        day = lambda d, h: {"date": d, "hours": h}
        ach = lambda title, d, project, year=2026: _activity(
            person, "achievement", title, category="professional", date=date(year, 1, d),
            project=project)
        db.session.add_all([
            _activity(person, "offline_training", "安全生产培训", category="professional",
                      days=[day("2026-11-16", 8)]),
            _activity(person, "academic_activity", "学术年会", category="professional",
                      days=[day("2026-11-16", 4)]),
            ach("专利甲", 1, "ZL 2026 001"), ach("专利乙", 2, "ZL 2026 002"),
            ach("专利丙", 3, "ZL 2026 003"), ach("专利丁", 4, "ZL 2026 004"),
            ach("旧课题", 5, "KT-9", year=2025), ach("旧课题续", 5, "kt-9"),
            _activity(person, "assignment", "援疆", start=date(2026, 1, 1), end=date(2026, 8, 31)),
            _activity(person, "leave_exemption", "产假", start=date(2026, 8, 1),
                      end=date(2026, 10, 31), reason="maternity"),
        ])
        db.session.flush()
        ledgers.recompute_person(person.id, [2025, 2026])
        db.session.commit()
        ledger_id = db.session.query(Ledger.id).filter_by(person_id=person.id, year=2026).scalar()
        db.session.remove()
    return ledger_id


def _reasons(app, ledger_id, locale):
    with app.test_request_context(), force_locale(locale):
        ledger = db.session.get(Ledger, ledger_id)
        shown = {it["activity"].title: it for it in ledgers.explained_items(ledger, locale)}
        db.session.remove()
    return shown


def test_a_day_taken_by_another_item_is_named_with_the_hours(app, crowded):
    shown = _reasons(app, crowded, "zh")
    assert shown["学术年会"]["reason"] == (
        "申报4学时,认定0学时:2026-11-16 已有《安全生产培训》8学时,当日已满8学时")
    assert shown["安全生产培训"]["reason"] is None  # served first, nothing lost


def test_si_san_3_the_cap_named_is_the_achievements_own_and_the_items_that_used_it(app, crowded):
    shown = _reasons(app, crowded, "zh")
    capped = shown["专利丁"]
    assert capped["reason"] == ("申报10学时,认定0学时:本年度已计入《专利甲》10学时、《专利乙》10学时、"
                                "《专利丙》10学时,每年累计不超过30学时")
    (note,) = [text for code, text in capped["notes"] if code == "annual_cap"]
    assert note.startswith("四(三)3:") and "40学时" not in note and "12个月" not in note


def test_a_project_of_an_earlier_year_and_a_merged_period_say_so(app, crowded):
    shown = _reasons(app, crowded, "zh")
    assert shown["旧课题续"]["reason"] == "申报10学时,认定0学时:同一项目成果往年已认定,不重复计算"
    assert shown["产假"]["reason"] == "认定0学时:本记录的期间已与《援疆》合并计算"


def test_the_english_reasons_match(app, crowded):
    shown = _reasons(app, crowded, "en")
    assert shown["学术年会"]["reason"] == (
        "Claimed 4 hours, credited 0: 2026-11-16 already has “安全生产培训” 8 hours, and the "
        "day is full at 8 hours")
    assert shown["专利丁"]["reason"].endswith("at most 30 hours a year in all")
    assert shown["产假"]["reason"] == "Credited 0 hours: its period is counted with “援疆”"


def test_the_page_and_the_api_show_the_reasons_and_no_note_code(app, api, clients, crowded):
    page = clients("unit_reviewer").get(f"/ledgerview/show/{crowded}").get_data(as_text=True)
    assert "当日已满8学时" in page and "每年累计不超过30学时" in page
    visible = re.sub(r"<[^>]+>", " ", page)  # text only: codes may sit in data- attributes
    for code in ("daily_cap", "annual_cap", "duplicate_project", "merged_period"):
        assert code not in visible
    items = api("unit_reviewer", "GET", f"/api/v1/ledger/{crowded}").json["result"]["items"]
    reasons = {it["title"]: it["reason"] for it in items}
    assert reasons["学术年会"].startswith("申报4学时,认定0学时") and reasons["援疆"] is None
    assert next(it for it in items if it["title"] == "援疆")["public"] == 25
