"""Chromium at 1440 px and 390 px: the claim form of every kind fits the width, its
required fields are marked, 预计认定学时 appears as it is filled, days are added in
the table, the number of courses appears only for a registration exam, and the box says
so when the expected hours cannot be worked out."""
from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD
from tests.test_browser import SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTHS = {"desktop": (1440, 900), "phone": (390, 844)}
# what a professional types, field by field (selects are chosen, the rest filled)
FILL = {
    "public_subject_exam": {"date": "2026-05-10", "hours": "6"},
    "academic_activity": {"days-date": "2026-05-11", "days-hours": "4"},
    "education_or_tour": {"date": "2026-05-12"},
    "achievement": {"date": "2026-05-13", "project": "ZL-BROWSER-1"},
    "qualification_exam": {"date": "2026-05-14"},
    "expert_service": {"days-date": "2026-05-15", "days-hours": "3"},
    "assignment": {"start": "2026-01-01", "end": "2026-03-31"},
    "leave_exemption": {"start": "2026-01-01", "end": "2026-08-31", "reason": "illness"},
}


def sign_in(browser, live_url, username):
    """As tests.test_browser.sign_in, with room for a loaded 2-core machine."""
    page = browser.new_page(locale="zh-CN")
    page.set_default_timeout(60000)
    page.previews = []  # every 预计认定学时 answer, for a failure's message
    page.on("response", lambda r: "/expected-hours/" in r.url and page.previews.append(r))
    page.goto(f"{live_url}/login/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state("load")
    return page


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _inside(page, selector, width) -> bool:
    box = page.locator(selector).first.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


def _wait_for_preview(page, pattern, what, again, seconds=30):
    """Until the preview box matches `pattern` (polled here: the page's CSP forbids eval).
    If the box says the preview could not be worked out, do once what it tells a user:
    change a field (`again`, a selector) once more."""
    shown, retried = "", False
    for _ in range(seconds * 4):
        shown = page.inner_text("#claim-preview")
        if re.search(pattern, shown):
            return
        if not retried and page.locator(".claim-preview-failed").count():
            retried = True
            page.dispatch_event(again, "change")
        page.wait_for_timeout(250)
    answers = [(r.status, r.text()[:300]) for r in page.previews]
    pytest.fail(f"{what}: the preview shows {shown!r}; the answers were {answers!r}")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_claim_form_of_every_kind_at_both_widths(browser, live_url, width):
    size = WIDTHS[width]
    page = sign_in(browser, live_url, "professional")
    page.set_viewport_size({"width": size[0], "height": size[1]})
    for kind, values in FILL.items():
        page.goto(f"{live_url}/claimview/new/{kind}")
        page.wait_for_load_state("load")
        assert _overflow(page) <= 0, f"{kind} at {width}: {_overflow(page)} px too wide"
        for selector in ("#title", "button.btn-primary", "#claim-preview"):
            assert _inside(page, selector, size[0]), f"{kind} at {width}: {selector}"
        assert page.locator("label[for=title] .text-danger").is_visible()
        page.fill("#title", f"浏览器申报 {kind}")
        for name, value in values.items():
            field = page.locator(f"[name={name}]").first
            if field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(value)
            else:
                field.fill(value)
                field.dispatch_event("change")
        _wait_for_preview(page, r"预计认定学时:\s*\d", kind, "#title")
        assert _overflow(page) <= 0, f"{kind} at {width} after the preview"
        page.screenshot(path=str(SHOTS / f"claim-form-{kind}-{width}.png"), full_page=True)
    page.close()


def test_days_are_added_in_the_table_and_courses_follow_the_registration_choice(
        browser, live_url):
    page = sign_in(browser, live_url, "professional")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_url}/claimview/new/qualification_exam")
    page.wait_for_load_state("load")
    assert not page.locator("[data-field=courses]").is_visible()
    page.select_option("[name=registration]", "1")
    assert page.locator("[data-field=courses]").is_visible()
    page.fill("#title", "一级建造师(浏览器)")
    page.fill("[name=date]", "2026-09-20")
    page.fill("[name=courses]", "3")
    page.dispatch_event("[name=courses]", "change")
    _wait_for_preview(page, r"预计认定学时:\s*48\b", "registration exam of 3 courses",
                      "[name=courses]")

    page.goto(f"{live_url}/claimview/new/academic_activity")
    page.wait_for_load_state("load")
    rows = page.locator("table.claim-days tbody tr")
    start = rows.count()
    page.click("button.days-add")
    assert rows.count() == start + 1
    dates, hours = page.locator("[name=days-date]"), page.locator("[name=days-hours]")
    page.fill("#title", "两天的学术会议(浏览器)")
    dates.nth(0).fill("2026-06-01")
    hours.nth(0).fill("6")
    dates.nth(start).fill("2026-06-02")
    hours.nth(start).fill("2")
    hours.nth(start).dispatch_event("change")
    _wait_for_preview(page, r"预计认定学时:\s*8\b", "two days of 6 and 2 hours",
                      f"[name=days-hours] >> nth={start}")
    page.click("button.btn-primary")
    page.wait_for_load_state("load")
    assert "/claimview/show/" in page.url
    text = page.inner_text("body")
    assert "2026-06-01:6 学时" in text and "2026-06-02:2 学时" in text
    assert "项目成果" not in text and "情形" not in text
    page.close()


def test_the_box_says_so_when_the_expected_hours_cannot_be_worked_out(browser, live_url):
    page = sign_in(browser, live_url, "professional")
    page.route("**/expected-hours/**", lambda route: route.fulfill(
        status=502, content_type="text/html", body="<html><body>Bad Gateway</body></html>"))
    page.goto(f"{live_url}/claimview/new/education_or_tour")
    page.wait_for_load_state("load")
    page.fill("#title", "考察(网关出错)")
    page.fill("[name=date]", "2026-05-12")
    page.dispatch_event("[name=date]", "change")
    page.locator(".claim-preview-failed").wait_for()
    assert "暂时无法计算预计认定学时" in page.inner_text("#claim-preview")
    page.unroute("**/expected-hours/**")
    page.dispatch_event("#title", "change")  # as the message says: change a field again
    _wait_for_preview(page, r"预计认定学时:\s*\d", "after the gateway recovered", "#title")
    page.close()
