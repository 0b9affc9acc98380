"""Each role's home page shows exactly its scope's figures, each a link to the list behind it."""
from __future__ import annotations

import html
import io
import re
from contextlib import contextmanager

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import Claim, Ledger, Person, TrainingClass, Unit
from tests.samples import PDF
from tests.test_claims import exam, new_claim, upload
from tests.test_classes import material, new_class

YEAR = 2026


def counts(page: str) -> dict[str, int]:
    """Every count on the page, by the link it leads to."""
    return {html.unescape(href): int(n) for href, n in re.findall(
        r'<a href="([^"]+)" class="home-count[^"]*">(\d+)</a>', page)}


def home(clients, key) -> str:
    resp = clients(key).get(f"/?year={YEAR}")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def user_id(app, key):
    with app.app_context():
        return app.appbuilder.sm.find_user(username=key).id


def scalar(app, stmt):
    with app.app_context():
        value = db.session.execute(stmt).scalar()
        db.session.remove()
        return value


@pytest.fixture(scope="module")
def claims_both_sides(app, world, tokens):
    """A submitted claim in unit A (by the professional) and one in unit B (by B's reviewer)."""
    client = app.test_client()

    def api(key, method, url, **kw):
        return client.open(url, method=method, headers=tokens(key), **kw)

    a = new_claim(api, body=exam(title="首页测试A", hours=2))
    assert upload(api, "professional", a).status_code == 200
    assert api("professional", "POST", f"/api/v1/claim/{a}/step/submit").status_code == 200
    b = new_claim(api, "unit_reviewer_b", body=exam(title="首页测试B", hours=2), person=world.person["B"])
    assert upload(api, "unit_reviewer_b", b).status_code == 200
    assert api("unit_reviewer_b", "POST", f"/api/v1/claim/{b}/step/submit").status_code == 200
    return a, b


def test_the_unit_reviewer_sees_exactly_its_units_pending_claims(app, clients, world, claims_both_sides):
    for key, side in (("unit_reviewer", "A"), ("unit_reviewer_b", "B")):
        me = user_id(app, key)
        expected = scalar(app, select(func.count()).select_from(Claim).join(Person).where(
            Person.unit_id == world.unit[side], Claim.state == "submitted",
            Claim.created_by.is_distinct_from(me), Claim.submitted_by.is_distinct_from(me)))
        page = home(clients, key)
        found = counts(page)
        link = next(url for url in found if url.startswith("/claimview/list/") and "submitted" in url)
        assert found[link] == expected
        # the link is the list of exactly those claims
        listed = clients(key).get(link).get_data(as_text=True)
        assert ("首页测试A" in listed) == (side == "A")
        assert "首页测试B" not in listed or side == "B"
    page_a = home(clients, "unit_reviewer")
    me = user_id(app, "unit_reviewer")
    oldest = scalar(app, select(Claim.title).join(Person).where(  # the queue shows the oldest first
        Person.unit_id == world.unit["A"], Claim.state == "submitted", Claim.created_by.is_distinct_from(me),
        Claim.submitted_by.is_distinct_from(me)).order_by(Claim.submitted_at, Claim.id).limit(1))
    assert html.escape(oldest) in page_a and "首页测试B" not in page_a
    assert "首页测试B" not in home(clients, "unit_reviewer_b")  # B filed it: four eyes


def test_compliance_figures_match_the_ledgers_of_each_scope(app, clients, world, claims_both_sides):
    for key, column, side in (("unit_reviewer", Ledger.unit_id, "unit"),
                              ("district_officer", Ledger.district_id, "district")):
        target = getattr(world, side)["A"]
        short = scalar(app, select(func.count()).select_from(Ledger).join(Person).join(Unit).where(
            Ledger.year == YEAR, Ledger.in_scope.is_(True), Ledger.compliant.is_(False),
            (Unit.id if side == "unit" else Unit.district_id) == target))
        found = counts(home(clients, key))
        link = next(url for url in found if url.startswith("/ledgerview/list/") and "compliant=n" in url)
        assert found[link] == short
        listed = clients(key).get(link)
        assert listed.status_code == 200 and "测试人员B" not in listed.get_data(as_text=True)


def test_the_professional_sees_their_own_year(app, clients, world):
    with app.app_context():
        ledger = db.session.execute(select(Ledger).where(
            Ledger.person_id == world.person["A"], Ledger.year == YEAR)).scalar_one_or_none()
        public = ledger.public if ledger else 0
        db.session.remove()
    page = home(clients, "professional")
    assert "公需" in page and "/30" in page and "/60" in page
    from app.formatting import hours
    assert f"{hours(public)}/30" in page
    assert "测试人员B" not in page
    assert "学时申报" in page or "申报" in page


def test_the_organisers_see_their_own_classes(app, api, clients, world):
    a = new_class(api, "base_staff", name="首页基地A班")
    material(api, "base_staff", a, "approval_form")
    assert api("base_staff", "POST", f"/api/v1/training_class/{a}/step/file").status_code == 200
    new_class(api, "base_staff_b", name="首页基地B班")
    for key, side in (("base_staff", "A"), ("base_staff_b", "B")):
        filed = scalar(app, select(func.count()).select_from(TrainingClass).where(
            TrainingClass.base_id == world.base[side], TrainingClass.state == "filed"))
        found = counts(home(clients, key))
        links = [url for url in found if url.startswith("/trainingclassview/list/") and url.endswith("=filed")]
        assert (found[links[0]] if links else 0) == filed
    # the association's queue of classes to accept counts every filed class
    filed = scalar(app, select(func.count()).select_from(TrainingClass).where(TrainingClass.state == "filed"))
    found = counts(home(clients, "association_admin"))
    link = next(url for url in found if url.startswith("/trainingclassview/list/") and "=filed&" in url)
    assert found[link] == filed
    assert "备案" in home(clients, "association_admin")


def test_the_auditor_sees_security_events_and_the_admin_no_business_data(clients):
    page = home(clients, "auditor")
    events = page[page.index('class="table table-condensed home-events"'):]
    events = events[:events.index("</table>")]
    cells = re.findall(r"<td>([^<]*)</td>", events)
    assert cells and not {"insert", "update", "delete", "event"} & set(cells)  # the log's Chinese words
    assert "ab_user" not in re.sub(r'href="[^"]*"', "", events)
    assert "测试人员A" not in home(clients, "Admin")


def test_the_short_list_downloads_as_excel_in_scope(app, clients, world):
    for key, name in (("unit_reviewer", "测试人员A"), ("unit_reviewer_b", "测试人员B")):
        resp = clients(key).get(f"/home/short.xlsx?year={YEAR}")
        assert resp.status_code == 200
        rows = list(load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True))
        names = {r[0] for r in rows[1:]}
        other = "测试人员B" if name == "测试人员A" else "测试人员A"
        assert other not in names
    assert clients("auditor").get("/home/short.xlsx").status_code == 404


def test_every_home_page_is_chinese(clients):
    for key in ("association_admin", "authority_staff", "base_staff", "unit_reviewer", "professional",
                "district_officer", "auditor"):
        page = home(clients, key)
        body = page[page.index('class="container home"'):]
        assert not re.search(r">\s*(To do|Short|People|Met the requirement|Waiting)\b", body), key


def test_the_step_bar_shows_the_path_the_current_state_and_who_acts_next(clients, claims_both_sides):
    from app.services import claims, classes, evaluations, progress

    assert progress.main_path(claims.WORKFLOW) == ["draft", "submitted", "approved"]
    assert progress.main_path(classes.WORKFLOW) == [
        "draft", "filed", "accepted", "completion_requested", "reviewed"]
    assert progress.main_path(evaluations.WORKFLOW)[-1] == "published"
    a, _ = claims_both_sides
    page = clients("professional").get(f"/claimview/show/{a}").get_data(as_text=True)
    bar = page[page.index('class="step-bar"'):page.index("</ol>", page.index('class="step-bar"'))]
    assert re.search(r'step-bar-done">\s*<span class="step-bar-label">✓ 草稿', bar)
    assert re.search(r'step-bar-current">\s*<span class="step-bar-label">(已提交|待审核|已提交单位)', bar) or \
        'step-bar-current' in bar
    assert "用人单位审核员" in page[page.index("step-bar-next"):][:300]


# -- figures side by side, every count a list of exactly those rows ----------------------

MORE = {  # logins of side B that conftest does not make: (role, scope option, target)
    "home_district_b": ("district_officer", "district", "370203"),
    "home_professional_b": ("professional", "person", None),
    "home_authority_b": ("authority_staff", "department", "测试主管部门B"),
}


def listed_count(page: str) -> int:
    """The row count a FAB list screen prints under its table."""
    found = re.search(r"(?:Record Count|记录数目)\s*[:：]\s*</strong>\s*([\d,]+)", page)
    assert found, page[-3000:]
    return int(found.group(1).replace(",", ""))


@pytest.fixture(scope="module")
def city(app, world):
    """Logins for side B, and people with ledgers of YEAR in both districts: in A two
    compliant and one short, in B one compliant, two short and one with no ledger."""
    from decimal import Decimal

    from app.services import accounts, audit
    from tests import factories

    made = []
    with app.app_context(), audit.acting_as("tests:home"):
        for key, (role, option, target) in MORE.items():
            if app.appbuilder.sm.find_user(username=key) is None:
                accounts.create_user(app.appbuilder, username=key, password="Test-Pass-2026!x", role=role,
                                     targets={option: target or world.id_number["B"]}, full_name=key)
        for side, verdicts in (("A", (True, True, False)), ("B", (True, False, False, None))):
            unit = db.session.get(Unit, world.unit[side])
            for n, ok in enumerate(verdicts):
                person = Person(id_number=factories.id_number(unit.district.code), name=f"首页{side}{n}",
                                unit=unit, series="engineering", title_level="junior")
                db.session.add(person)
                db.session.flush()
                made.append(person.id)
                if ok is not None:
                    db.session.add(Ledger(
                        person_id=person.id, year=YEAR, unit_id=unit.id, district_id=unit.district_id,
                        in_scope=True, public=Decimal(30 if ok else 10), professional=Decimal(60),
                        total=90 if ok else 70, compliant=ok, shortfall_public=0 if ok else 20,
                        shortfall_professional=0, items=[], digest="home"))
        db.session.commit()
        db.session.remove()
    yield world
    with app.app_context():
        from app.services import dashboard

        db.session.execute(Ledger.__table__.delete().where(Ledger.person_id.in_(made)))
        db.session.execute(Person.__table__.delete().where(Person.id.in_(made)))
        dashboard.ledgers_changed(db.session)
        db.session.commit()
        db.session.remove()


def login(app, clients, key):
    from tests.conftest import login_client

    if key not in MORE:
        return clients(key)
    if key not in MORE_CLIENTS:
        MORE_CLIENTS[key] = login_client(app, key, "Test-Pass-2026!x")
    return MORE_CLIENTS[key]


MORE_CLIENTS: dict = {}


def expected_compliance(app, where) -> tuple[int, int, int]:
    """(people, compliant, short) of YEAR among the people `where` selects, by direct query;
    a person a roster put in a unit is its staff only once the unit's reviewer confirmed it."""
    from sqlalchemy import exists

    from app.models import RosterLink
    from app.services import years

    unconfirmed = exists().where(RosterLink.person_id == Person.id, RosterLink.unit_id == Person.unit_id,
                                 RosterLink.kind == "new", RosterLink.state != "confirmed")
    people = scalar(app, select(func.count()).select_from(Person).join(Unit).where(
        where, Person.series.not_in(sorted(years.out_of_scope_series(YEAR))), ~unconfirmed))
    met = scalar(app, select(func.count()).select_from(Ledger).join(Person).join(Unit).where(
        where, Ledger.year == YEAR, Ledger.in_scope.is_(True), Ledger.compliant.is_(True)))
    short = scalar(app, select(func.count()).select_from(Ledger).join(Person).join(Unit).where(
        where, Ledger.year == YEAR, Ledger.in_scope.is_(True), Ledger.compliant.is_(False)))
    return people, met, short


def figures(page: str) -> tuple[int, int, int]:
    """(people, compliant, short) as the compliance block prints them."""
    block = page[page.index('class="home-figures"'):]
    people = int(re.search(r'home-people">(\d+)<', block).group(1))
    met = int(re.search(r'home-met">(\d+)<', block).group(1))
    short = int(re.search(r'home-short-count">(\d+)<', block).group(1))
    return people, met, short


def test_units_and_districts_see_exactly_their_own_figures_side_by_side(app, clients, city):
    for key, side in (("unit_reviewer", "A"), ("unit_reviewer_b", "B")):
        assert figures(home(clients, key)) == expected_compliance(app, Unit.id == city.unit[side]), key
    for key, side in (("district_officer", "A"), ("home_district_b", "B")):
        client = login(app, clients, key)
        page = client.get(f"/?year={YEAR}").get_data(as_text=True)
        assert figures(page) == expected_compliance(app, Unit.district_id == city.district[side]), key
    a, b = (expected_compliance(app, Unit.district_id == city.district[s]) for s in "AB")
    assert a != b  # the two sides differ, so a swapped scope would show


def test_the_association_sees_the_city_and_each_district(app, clients, city):
    from app.models import District

    page = home(clients, "association_admin")
    assert figures(page) == expected_compliance(app, True)
    table = page[page.index('class="table table-condensed home-districts"'):]
    rows = {name: (int(met), int(short)) for name, met, short in re.findall(
        r"<tr><td>([^<]+)</td><td><a [^>]+>(\d+)</a></td><td><a [^>]+>(\d+)</a></td></tr>", table)}
    for side in "AB":
        name = scalar(app, select(District.name).where(District.id == city.district[side]))
        _, met, short = expected_compliance(app, Unit.district_id == city.district[side])
        assert rows[name] == (met, short), name


def test_the_city_figures_follow_a_recompute(app, clients, city):
    """The cached figures are dropped by a ledger write, Core upserts included."""
    from app.services import audit, ledgers

    before = figures(home(clients, "association_admin"))
    with app.app_context(), audit.acting_as("tests:home"):
        person_id = db.session.execute(select(Person.id).where(Person.name == "首页B3")).scalar()
        ledgers.recompute_chunk([person_id], YEAR)  # the person with no ledger gets one (short)
        db.session.commit()
        db.session.remove()
    after = figures(home(clients, "association_admin"))
    assert after == (before[0], before[1], before[2] + 1)
    with app.app_context():
        from app.services import dashboard

        db.session.execute(Ledger.__table__.delete().where(Ledger.person_id == person_id))
        dashboard.ledgers_changed(db.session)
        db.session.commit()
        db.session.remove()


def test_professionals_see_only_their_own_claims_side_by_side(app, clients, city, claims_both_sides):
    for key, side in (("professional", "A"), ("home_professional_b", "B")):
        page = login(app, clients, key).get(f"/?year={YEAR}").get_data(as_text=True)
        expected = scalar(app, select(func.count()).select_from(Claim).where(
            Claim.person_id == city.person[side], Claim.year == YEAR, Claim.state == "submitted"))
        submitted = [n for url, n in counts(page).items()
                     if url.startswith("/claimview/list/") and re.search(r"=submitted(&|$)", url)]
        assert (submitted[0] if submitted else 0) == expected, key
        assert ("测试人员B" if side == "A" else "测试人员A") not in page


@pytest.mark.parametrize("key", ["association_admin", "authority_staff", "home_authority_b", "base_staff",
                                 "base_staff_b", "unit_reviewer",
                                 "unit_reviewer_b", "professional",
                                 "home_professional_b", "district_officer", "home_district_b", "auditor"])
def test_every_count_is_a_link_to_a_list_of_exactly_that_many(app, clients, city, claims_both_sides, key):
    """B's reviewer filed and submitted B's claim: it is 已提交 but not theirs to review (four
    eyes), so their to-do count and its list leave it out (the list's 'I can act on' filter)."""
    client = login(app, clients, key)
    page = client.get(f"/?year={YEAR}").get_data(as_text=True)
    found = counts(page)
    if 'class="home-figures"' in page:  # 人员 and 尚无学时记录 too: the people those figures count
        assert [url for url in found if url.startswith("/personview/list/")], key
    if "home-unrecorded" in page:
        assert len([url for url in found if url.startswith("/personview/list/")]) == 2, key
    for url, n in found.items():
        resp = client.get(url)
        assert resp.status_code == 200, (key, url)
        assert listed_count(resp.get_data(as_text=True)) == n, (key, url)


def home_statements(app, client) -> list[tuple[str, object]]:
    """The (SQL, parameters) of every statement the home page ran."""
    from sqlalchemy import event

    seen = []
    record = lambda conn, cursor, statement, parameters, context, many: seen.append((statement, parameters))  # noqa: E731
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(f"/?year={YEAR}").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


@contextmanager
def short_of_hours(app, person_id: int):
    """The person's stored YEAR ledger (if any) reads short for the block, then as it was:
    earlier tests of the session may have credited the shared professional in full."""
    from app.services import dashboard

    with app.app_context():
        ledger = db.session.execute(select(Ledger).where(
            Ledger.person_id == person_id, Ledger.year == YEAR)).scalar_one_or_none()
        kept = ledger and (ledger.id, ledger.compliant, ledger.shortfall_public)
        if ledger is not None:
            ledger.compliant, ledger.shortfall_public = False, max(ledger.shortfall_public, 6)
            dashboard.ledgers_changed(db.session)
            db.session.commit()
        db.session.remove()
    try:
        yield
    finally:
        if kept:
            with app.app_context():
                ledger = db.session.get(Ledger, kept[0])
                ledger.compliant, ledger.shortfall_public = kept[1:]
                dashboard.ledgers_changed(db.session)
                db.session.commit()
                db.session.remove()


def test_a_professionals_page_reads_nothing_the_size_of_the_city(app, clients, city):
    """Every statement of the page is bounded by an index (the login, the person, their
    ledger, claims and activities, the classes still to run): none reads a whole table
    that grows with the city (tests/plans.py; SQLite and PostgreSQL plans)."""
    from tests.plans import scans

    with short_of_hours(app, city.person["A"]):
        seen = home_statements(app, login(app, clients, "professional"))
    assert [s for s, _ in seen if "FROM training_class" in s]  # short of hours: the planner ran
    with app.app_context():
        assert scans(db.engine, seen) == []


def test_the_auditors_page_reads_nothing_the_size_of_the_audit_log(app, clients, city):
    """The latest security events come from each security table's newest entries
    (the (table_name, seq) index), not from a walk down the whole log."""

    from app.services.home import SECURITY_TABLES
    from tests.plans import plans, scans

    seen = home_statements(app, clients("auditor"))
    with app.app_context():
        assert scans(db.engine, seen) == []
        [lines] = [lines for statement, lines in plans(db.engine, seen) if "FROM audit_entry" in statement]
    # each security table's newest, in index order: no sort of all of a table's entries
    assert len([line for line in lines if "ix_audit_entry_table_seq" in line]) == len(SECURITY_TABLES), lines
    assert not [line for line in lines if "TEMP B-TREE" in line], lines


def test_the_auditors_latest_security_events_are_the_newest_of_the_whole_log(app):
    """On a log where one security table has most of the recent entries and business
    entries lie in between, the page lists exactly what one query over the whole log
    ordered by seq lists."""
    from app.models import AuditEntry
    from app.security.scope import Scope
    from app.services import audit
    from app.services.home import SECURITY_TABLES, TOP, security_events

    auditor = Scope(user_id=None, username="auditor", roles=frozenset({"auditor"}))
    pattern = ["ab_user", "claim", "ab_user", "person", "ab_user", "user_scope", "ledger", "ab_role",
               "ab_user", "export_batch", "ab_user_role", "ab_user", "claim", "ab_user", "ab_user"]
    with app.app_context(), audit.acting_as("tests:home"):
        try:
            entries = [{"action": "update", "table_name": t, "record_id": str(900_000 + i),
                        "before": {"name": "甲"}, "after": {"name": "乙"}}
                       for i, t in enumerate(pattern * 3 + ["claim"] * 5)]
            audit._append(db.session.connection(), entries)
            old = db.session.execute(
                select(AuditEntry).where(AuditEntry.table_name.in_(SECURITY_TABLES))
                .order_by(AuditEntry.seq.desc()).limit(2 * TOP)).scalars().all()
            assert len(old) == 2 * TOP
            assert [e.table_name for e in old].count("ab_user") > TOP  # one table fills most of it
            assert [e.seq for e in security_events(auditor)] == [e.seq for e in old]
            for limit in (1, 3, 50):
                assert [e.seq for e in security_events(auditor, limit)] == [e.seq for e in db.session.execute(
                    select(AuditEntry).where(AuditEntry.table_name.in_(SECURITY_TABLES))
                    .order_by(AuditEntry.seq.desc()).limit(limit)).scalars()]
            assert security_events(Scope(user_id=None, username="x", roles=frozenset({"professional"}))) == []
        finally:
            db.session.rollback()


def step_bar(page: str) -> str:
    start = page.index('class="step-bar"')
    return page[start:page.index("</div>", page.index("step-bar-next", start))]


def test_the_step_bar_on_class_and_evaluation_pages(app, api, clients):
    from tests.test_governance import _evaluation

    class_id = new_class(api, "base_staff", name="步骤条班次")
    material(api, "base_staff", class_id, "approval_form")
    assert api("base_staff", "POST", f"/api/v1/training_class/{class_id}/step/file").status_code == 200
    bar = step_bar(clients("association_admin").get(f"/trainingclassview/show/{class_id}")
                   .get_data(as_text=True))
    assert re.search(r'step-bar-done">\s*<span class="step-bar-label">✓ 草稿', bar)
    assert re.search(r'step-bar-current">\s*<span class="step-bar-label">[^<✓]+<', bar)
    assert '<small class="step-bar-at">' in bar  # the filing's date
    assert "备案" in bar[bar.index("step-bar-next"):]  # the association accepts it next

    pk = _evaluation(api, 2025)
    bar = step_bar(clients("base_staff").get(f"/baseevaluationview/show/{pk}").get_data(as_text=True))
    assert 'step-bar-current' in bar and bar.count("<li ") >= 3
    assert "继续教育基地:报送主管部门" in bar[bar.index("step-bar-next"):]  # the base submits its report next


def test_the_home_page_signed_out_links_to_the_login(app):
    """After a session ends, "/" says 请登录 with a button to the login page in the page
    itself (on a phone the menu bar's 登录 is folded away)."""
    import re

    page = app.test_client().get("/").get_data(as_text=True)
    content = page.split('<div class="container home">', 1)[1]
    assert "请登录" in content
    assert re.search(r'<a class="btn btn-primary home-sign-in" href="/login/">\s*登录\s*</a>', content), content[:400]
