"""Dashboards by aggregate SQL: the same number of queries for a city of any
size, the same hours as adding up every ledger item by hand, and a short-lived
cache per year and district that a ledger change drops."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import delete, event, select

from app.extensions import db
from app.models import Activity, Ledger, Person, Unit
from tests import factories

YEAR = 2018  # a year no other test writes


def _grow(world, side: str, people: int) -> None:
    """People of side's unit with one ledger each: activities dated by a date,
    by days (one in the year before) and by a period starting the year before."""
    from app.services import audit

    with audit.acting_as("tests:dashboard"):
        unit = db.session.get(Unit, world.unit[side])
        for n in range(people):
            person = Person(id_number=factories.id_number(unit.district.code), name=f"看板{n}",
                            unit=unit, series="engineering", title_level="junior")
            db.session.add(person)
            db.session.flush()
            made = [
                Activity(person_id=person.id, kind="x", title="d", first_year=YEAR, last_year=YEAR,
                         source="platform", date=date(YEAR, 3, 5)),
                Activity(person_id=person.id, kind="x", title="days", first_year=YEAR - 1,
                         last_year=YEAR, source="class",
                         days=[{"date": f"{YEAR - 1}-12-30", "hours": 8},
                               {"date": f"{YEAR}-02-01", "hours": 8}]),
                Activity(person_id=person.id, kind="x", title="period", first_year=YEAR - 1,
                         last_year=YEAR, source="claim", start=date(YEAR - 1, 7, 1),
                         end=date(YEAR, 6, 30)),
            ]
            db.session.add_all(made)
            db.session.flush()
            items = [[made[0].id, "1.5", "0", []], [made[1].id, "0", "8", []],
                     [made[2].id, "2", "0.5", ["x"]]]
            db.session.add(Ledger(person_id=person.id, year=YEAR, unit_id=unit.id,
                                  district_id=unit.district_id, in_scope=True, public=Decimal("3.5"),
                                  professional=Decimal("8.5"), total=12, compliant=False,
                                  shortfall_public=0, shortfall_professional=0, items=items,
                                  digest="x"))
        db.session.commit()


def _queries(fn) -> int:
    seen = []

    def record(*_args):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(seen)


@pytest.fixture()
def grown(app, world):
    with app.app_context():
        yield
        people = select(Person.id).where(Person.name.like("看板%"))
        db.session.execute(delete(Ledger).where(Ledger.year == YEAR))
        db.session.execute(delete(Activity).where(Activity.person_id.in_(people)))
        db.session.execute(delete(Person).where(Person.name.like("看板%")))
        db.session.commit()


def test_dashboard_queries_do_not_grow_with_the_city(grown, world):
    from app.services import dashboard

    _grow(world, "A", 2)
    small = (_queries(lambda: dashboard.compute(YEAR)),
             _queries(lambda: dashboard.compute(YEAR, world.district["A"])))
    _grow(world, "A", 20)
    _grow(world, "B", 10)
    large = (_queries(lambda: dashboard.compute(YEAR)),
             _queries(lambda: dashboard.compute(YEAR, world.district["A"])))
    assert small == large and max(large) <= 8


def test_dashboard_hours_equal_every_item_added_up(grown, world):
    from app.services import dashboard

    _grow(world, "A", 3)
    _grow(world, "B", 2)
    city = dashboard.compute(YEAR)
    assert city.hours_by_source == {"platform": Decimal("7.5"), "class": Decimal("40"),
                                    "claim": Decimal("12.5")}
    # by date (March), first day in the year (February), period from January
    assert city.hours_by_month[3] == Decimal("7.5") and city.hours_by_month[2] == Decimal("40")
    assert city.hours_by_month[1] == Decimal("12.5")
    assert sum(city.hours_by_month.values()) == Decimal("60")
    district = dashboard.compute(YEAR, world.district["A"])
    assert sum(district.hours_by_source.values()) == Decimal("36")


def _snapshots_gone():
    from app.models import DashboardSnapshot
    from app.services import dashboard

    db.session.execute(delete(DashboardSnapshot))
    db.session.commit()
    dashboard.forget()


def test_stored_figures_are_computed_again_when_a_ledger_changes(grown, world):
    from app.models import DashboardSnapshot
    from app.services import dashboard

    _snapshots_gone()
    _grow(world, "A", 1)
    first = dashboard.figures(YEAR)  # the job ran at once (tests' immediate mode) and stored them
    assert first.figures.by_district and first.as_of is not None and not first.refreshing
    assert db.session.get(DashboardSnapshot, f"figures:{YEAR}:0").payload
    assert dashboard.figures(YEAR) is first  # kept by this process
    dashboard.forget()
    again = dashboard.figures(YEAR)  # another worker: the stored figures, not computed again
    assert again is not first and again.as_of == first.as_of
    assert again.figures.hours_by_month == first.figures.hours_by_month
    ledger = db.session.execute(select(Ledger).where(Ledger.year == YEAR)).scalars().first()
    ledger.compliant = True
    db.session.commit()
    changed = dashboard.figures(YEAR)
    assert changed.as_of > first.as_of
    assert sum(r.compliant for r in changed.figures.by_district) == \
        sum(r.compliant for r in first.figures.by_district) + 1
    _snapshots_gone()


def test_a_failed_refresh_is_asked_for_again_by_the_next_page(grown, world, monkeypatch):
    """A computation that fails (the database away for a moment) leaves the figures
    due, and the next page asks for them again at once, not half an hour later."""
    from app.models import DashboardSnapshot
    from app.services import dashboard

    _snapshots_gone()

    def broken(year, district_id):
        raise RuntimeError("the database is away")

    monkeypatch.setitem(dashboard._WORK, "figures", (broken, dashboard._figures_of))
    failed = dashboard.figures(YEAR)  # the job ran at once (immediate mode) and failed
    assert failed.figures is None and failed.refreshing
    queued = db.session.execute(select(DashboardSnapshot.queued_at)
                                .where(DashboardSnapshot.key == f"figures:{YEAR}:0")).scalar_one()
    assert queued is None
    monkeypatch.undo()
    dashboard.forget()  # PENDING_RECHECK later, or another worker
    again = dashboard.figures(YEAR)
    assert again.figures is not None and again.figures.by_district and not again.refreshing
    _snapshots_gone()


def test_no_page_computes_the_figures_a_job_computes_them_once(grown, world, app, clients,
                                                               monkeypatch):
    """Outside tests' immediate mode: the first page asks the queue for the figures
    and says they are being computed; a second page does not ask again; once the
    job has run, every page shows them with their time."""
    from app.jobs import tasks
    from app.services import dashboard

    _snapshots_gone()
    asked = []
    monkeypatch.setattr(tasks, "refresh_dashboard", lambda *args: asked.append(args))
    district = world.district["A"]
    officer = clients("district_officer")
    for _ in range(2):
        page = officer.get(f"/dashboard/?year={YEAR}").get_data(as_text=True)
        assert "统计数据正在生成" in page and "<svg" not in page
    assert asked == [("figures", YEAR, district)]
    with app.app_context():  # while the refresh runs, this process reads nothing for a moment
        assert dashboard.figures(YEAR, district).refreshing
        assert _queries(lambda: dashboard.figures(YEAR, district)) == 0
        dashboard.forget()  # PENDING_RECHECK later: read again, and not asked again
        assert _queries(lambda: dashboard.figures(YEAR, district)) > 0 and len(asked) == 1
    home = officer.get(f"/?year={YEAR}").get_data(as_text=True)
    assert "统计数据正在生成" in home
    assert len(asked) == 2 and asked[1][0] == "districts"  # the home page's own figures
    for args in asked:  # what the consumer would run
        dashboard.refresh(*args)
    dashboard.forget()
    page = officer.get(f"/dashboard/?year={YEAR}").get_data(as_text=True)
    from app.formatting import local_time
    shown = local_time(dashboard.figures(YEAR, district).as_of)  # Qingdao time, to the minute
    assert f"数据更新于 {shown}" in page and "<svg" in page and "统计数据正在生成" not in page
    home = officer.get(f"/?year={YEAR}").get_data(as_text=True)
    assert "数据更新于 " in home and "+00:00" not in home and "统计数据正在生成" not in home
    _snapshots_gone()


def test_a_districts_chart_shows_its_lowest_units_however_many_it_has(grown, world, monkeypatch):
    """Nothing on the dashboard grows with the city: a district of 1,800 units
    charts the UNITS_SHOWN with the lowest compliance rate, lowest first, and
    says of how many."""
    from app.services import audit, dashboard
    from app.views.dashboard import DashboardView

    monkeypatch.setattr(dashboard, "UNITS_SHOWN", 2)
    district = db.session.get(Unit, world.unit["A"]).district
    made = []
    with audit.acting_as("tests:dashboard"):
        for n, (people, compliant) in enumerate([(2, 2), (4, 1), (1, 0), (3, 1)]):
            unit = Unit(name=f"看板单位{n}", credit_code=factories.credit_code(district.code),
                        district_id=district.id)
            db.session.add(unit)
            db.session.flush()
            made.append(unit.id)
            for k in range(people):
                person = Person(id_number=factories.id_number(district.code), name=f"看板{n}-{k}",
                                unit=unit, series="engineering", title_level="junior")
                db.session.add(person)
                db.session.flush()
                db.session.add(Ledger(person_id=person.id, year=YEAR, unit_id=unit.id,
                                      district_id=district.id, in_scope=True, public=0,
                                      professional=0, total=0, compliant=k < compliant,
                                      shortfall_public=0, shortfall_professional=0, items=[],
                                      digest="x"))
        db.session.commit()
    try:
        figures = dashboard.compute(YEAR, district.id)
        every = dashboard._rates(YEAR, Unit.id, Unit.name, district.id)
        assert figures.units_counted == len(every) >= 4
        shown = [r.percent for r in figures.by_unit]
        left = [r.percent for r in every if r.key not in {u.key for u in figures.by_unit}]
        assert len(shown) == 2 and shown == sorted(shown) and max(shown) <= min(left)
        assert "看板单位2" in [r.label for r in figures.by_unit]  # 0 %; 看板单位0 (100 %) is not
        stored = dashboard._figures_of(dashboard._plain(figures))
        assert stored.units_counted == figures.units_counted and len(stored.by_unit) == 2
        svgs = DashboardView._charts(stored, YEAR)
        assert any(f"达标率最低的 2 个用人单位({YEAR}年度,共 {figures.units_counted} 个单位)" in str(svg)
                   for svg in svgs)
    finally:
        people = select(Person.id).where(Person.unit_id.in_(made))
        db.session.execute(delete(Ledger).where(Ledger.person_id.in_(people)))
        db.session.execute(delete(Person).where(Person.unit_id.in_(made)))
        db.session.execute(delete(Unit).where(Unit.id.in_(made)))
        db.session.commit()
