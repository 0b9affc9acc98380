"""Debian Chromium, driven by Playwright, logs in through the real form
(CSRF on) and sees the Chinese menu."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import LIVE, PASSWORD, totp_code

SHOTS = Path(__file__).resolve().parents[1] / "test-artifacts"
SHOTS.mkdir(exist_ok=True)

pytestmark = pytest.mark.browser


def sign_in(browser, live_url, username, *, password=PASSWORD, app=None, secret=None):
    """A new page signed in through the form (and the second factor: a code from
    `secret`, else the seeded one, against `app`'s database, else live_url's)."""
    page = browser.new_page(locale="zh-CN")
    page.set_default_timeout(15000)
    page.goto(f"{live_url}/login/")
    page.fill("#username", username)
    page.fill("#password", password)
    # each step waits for the page the form leads to (after its redirects) to load: its
    # scripts have run then, and network idle would only add half a second of silence
    with page.expect_navigation(wait_until="load"):
        page.click("input[type=submit]")
    if page.url.endswith("/login/code"):
        page.fill("#code", totp_code(app or LIVE["app"], username, secret))
        with page.expect_navigation(wait_until="load"):
            page.click("input[type=submit]")
    return page


def said(page, text: str) -> bool:
    """Whether the page says `text`; if not, the failure shows what it said instead."""
    if text in page.content():
        return True
    alerts = page.locator(".alert").all_inner_texts()
    raise AssertionError(f"{text!r} not on {page.url}; its messages: {alerts}")


@pytest.mark.parametrize("username,menu,hidden", [
    ("association_admin", ["人员与单位", "培训管理", "学时管理", "监督管理", "基础数据"], ["安全审计", "用户权限"]),
    ("district_officer", ["人员与单位", "学时管理", "监督管理", "基础数据"], ["安全审计", "用户权限"]),
])
def test_login_through_the_form_shows_the_chinese_menu(browser, live_url, username, menu, hidden):
    page = sign_in(browser, live_url, username)
    assert "/login/" not in page.url
    nav = page.inner_text(".navbar")
    for label in menu:
        assert label in nav
    for label in hidden:
        assert label not in nav
    page.click(".navbar a.dropdown-toggle:has-text('人员与单位')")
    with page.expect_navigation(wait_until="load"):
        page.click(".navbar .dropdown-menu a:has-text('专业技术人员')")
    assert "/personview/list/" in page.url
    assert "身份证号" in page.content()
    page.screenshot(path=str(SHOTS / f"{username}-persons.png"), full_page=True)
    page.close()


def test_wrong_password_stays_on_the_login_page(browser, live_url):
    page = browser.new_page()
    page.goto(f"{live_url}/login/")
    page.fill("#username", "association_admin")
    page.fill("#password", "not-the-password")
    with page.expect_navigation(wait_until="load"):
        page.click("input[type=submit]")
    assert "/login/" in page.url
    assert "用户名或密码错误" in page.content()
    page.close()


def test_a_class_from_filing_to_certificate_in_the_browser(browser, live_url, app, world, tmp_path):
    """Filing → acceptance → roster → attendance → completion → certificate."""
    from openpyxl import Workbook

    from app.extensions import db
    from app.models import Person, Unit
    from tests import factories
    from tests.samples import PDF

    with app.app_context():
        unit = db.session.get(Unit, world.unit["A"])
        person = Person(id_number=factories.id_number("370202"), name="浏览器学员", unit=unit,
                        series="engineering", title_level="intermediate")
        db.session.add(person)
        db.session.commit()
        row = ["浏览器学员", person.id_number, unit.credit_code, "13800000000", "engineering", "intermediate"]
        db.session.remove()
    roster = tmp_path / "roster.xlsx"
    book = Workbook()
    book.active.append(["姓名", "身份证号", "单位统一社会信用代码", "手机", "职称系列", "职称级别"])
    book.active.append(row)
    book.save(roster)
    approval = tmp_path / "approval.pdf"
    approval.write_bytes(PDF)

    staff = sign_in(browser, live_url, "base_staff")
    staff.goto(f"{live_url}/trainingclassview/new")
    staff.fill("#name", "浏览器测试培训班")
    staff.select_option("#mode", "offline")
    staff.select_option("#category", "professional")
    staff.fill("#start_date", "2026-08-10")
    staff.fill("#end_date", "2026-08-10")
    staff.fill("#hours_per_day", "6")
    staff.fill("#venue", "青岛国际会议中心")
    staff.fill("#capacity", "30")
    staff.set_input_files("#approval_form", str(approval))
    with staff.expect_navigation(wait_until="load"):
        staff.click("button[type=submit]")
    assert "/trainingclassview/show/" in staff.url
    class_url = staff.url
    with staff.expect_navigation(wait_until="load"):
        staff.click("button:has-text('报协会备案')")
    assert said(staff, "已报市继续教育协会备案")

    association = sign_in(browser, live_url, "association_admin")
    association.goto(class_url)
    with association.expect_navigation(wait_until="load"):
        association.click("button:has-text('备案')")
    assert said(association, "已备案")

    staff.goto(class_url)
    staff.set_input_files("form[action*='/roster/'] input[type=file]", str(roster))
    with staff.expect_navigation(wait_until="load"):
        staff.click("button:has-text('上传参训名单')")
    assert said(staff, "新增 1 人")
    # a base sees nobody: the row waits (待单位确认) until the unit's reviewer confirms it
    from sqlalchemy import select

    from app.models import RosterLink

    with app.app_context():
        link_id = db.session.execute(select(RosterLink.id).where(
            RosterLink.person_id == person.id, RosterLink.state == "pending")).scalar_one()
        db.session.remove()
    reviewer = sign_in(browser, live_url, "unit_reviewer")
    reviewer.goto(f"{live_url}/rosterlinkview/show/{link_id}")
    with reviewer.expect_navigation(wait_until="load"):
        reviewer.click("button:has-text('确认')")
    assert said(reviewer, "已确认")
    reviewer.close()
    staff.goto(class_url)
    with staff.expect_navigation(wait_until="load"):
        staff.click("button:has-text('全勤')")
    assert said(staff, "已按全勤登记考勤")
    for purpose in ("sign_in", "photo"):
        staff.select_option("select[name=purpose]", purpose)
        staff.set_input_files("form[action*='/material/'] input[type=file]", str(approval))
        with staff.expect_navigation(wait_until="load"):
            staff.click("button:has-text('上传材料')")
        assert said(staff, "材料已上传")
    with staff.expect_navigation(wait_until="load"):
        staff.click("button:has-text('申请结课审核')")
    assert said(staff, "已提交协会结课审核")

    association.goto(class_url)
    with association.expect_navigation(wait_until="load"):
        association.click("button:has-text('结课审核合格')")
    assert said(association, "学时已登记")
    association.screenshot(path=str(SHOTS / "class-reviewed.png"), full_page=True)
    association.goto(f"{live_url}/certificateview/list/")
    with association.expect_navigation(wait_until="load"):
        association.click("a[href*='/certificateview/show/']")
    with association.expect_download() as download:
        association.click("a:has-text('下载 PDF')")
    with open(download.value.path(), "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    verify = association.inner_text("a[href*='/verify/']")
    association.goto(verify.replace("http://127.0.0.1:8080", live_url))
    assert "有效" in association.content()

    # a verifier on a phone uploads the PDF they were given
    phone = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844})
    phone.goto(f"{live_url}/verify/")
    phone.set_input_files("#verify-file", download.value.path())
    with phone.expect_navigation(wait_until="load"):
        phone.click("form[action$='/verify/check'] button")
    assert "这是签发的原件" in phone.content() and "有效" in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing scrolls sideways
    phone.screenshot(path=str(SHOTS / "verify-phone.png"), full_page=True)
    for page in (staff, association, phone):
        page.close()


@pytest.mark.parametrize("username,charts,title", [
    ("association_admin", 6, "按区(市)的达标率"),
    ("district_officer", 4, "按用人单位的达标率"),
])
def test_dashboards_render_their_charts_in_chromium(browser, live_url, username, charts, title):
    page = sign_in(browser, live_url, username)
    page.goto(f"{live_url}/dashboard/?year=2026")
    assert page.locator(".dashboard-chart svg").count() >= charts
    assert title in page.content()
    box = page.locator(".dashboard-chart svg").first.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 50
    page.screenshot(path=str(SHOTS / f"dashboard-{username}.png"), full_page=True)
    page.close()


def test_edit_forms_search_relations_as_you_type(browser, live_url, app, world):
    """FAB's own edit page replaces add_tail_js: the lookup script runs anyway,
    so a person's unit is chosen by typing, from the scoped lookup."""
    page = sign_in(browser, live_url, "unit_reviewer")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_url}/personview/edit/{world.person['A']}")
    assert page.locator("select.xueshi-lookup.select2-hidden-accessible").count() == 1
    page.click(".select2-container")
    page.fill(".select2-search__field", "测试用人单位")
    option = page.locator(".select2-results__option", has_text="测试用人单位A")
    option.wait_for()
    assert page.locator(".select2-results__option", has_text="测试用人单位B").count() == 0
    assert errors == []
    page.close()
