"""Each role's home page shows exactly its scope's figures, each a link to the list behind it."""
from __future__ import annotations

import html
import io
import re

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
    assert "首页测试A" in page_a and "首页测试B" not in page_a
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
    link = next(url for url in found if url.startswith("/trainingclassview/list/") and url.endswith("=filed"))
    assert found[link] == filed
    assert "备案" in home(clients, "association_admin")


def test_the_auditor_sees_security_events_and_the_admin_no_business_data(clients):
    page = home(clients, "auditor")
    assert "ab_user" in page
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
