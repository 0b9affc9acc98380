"""Chromium at 1440 px and 390 px: each role lands on its own work and starts its main job from
the home page; on a phone the key numbers fit the width (no horizontal scrolling)."""
from __future__ import annotations

import pytest

from tests.test_browser import SHOTS, sign_in
from tests.test_claims import exam, new_claim, upload

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTHS = {"desktop": (1440, 900), "phone": (390, 844)}
ROLES = ("professional", "unit_reviewer", "base_staff", "authority_staff", "association_admin",
         "district_officer", "auditor")


# Each login signs in through the form (and its second factor) once a module; its later
# pages open in a new browser context holding that session's cookies. The form login
# itself is tested in tests/test_browser.py; these tests are about the home page.
SIGNED_IN = {}


def home(browser, live_url, username, size):
    if username in SIGNED_IN:
        page = browser.new_page(locale="zh-CN", storage_state=SIGNED_IN[username])
        page.set_default_timeout(15000)
    else:
        page = sign_in(browser, live_url, username)
        assert "/login/" not in page.url, username
        SIGNED_IN[username] = page.context.storage_state()
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(f"{live_url}/")
    return page


def overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("width", WIDTHS)
def test_every_role_lands_on_its_own_work_at_both_widths(browser, live_url, width):
    for username in ROLES:
        page = home(browser, live_url, username, WIDTHS[width])
        assert page.locator(".container.home").is_visible()
        assert overflow(page) <= 0, f"{username} at {width}: {overflow(page)} px too wide"
        page.screenshot(path=str(SHOTS / f"home-{username}-{width}.png"), full_page=True)
        page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_reviewer_goes_from_the_home_count_to_approving(browser, live_url, app, tokens, width):
    client = app.test_client()

    def api(key, method, url, **kw):
        return client.open(url, method=method, headers=tokens(key), **kw)

    title = f"浏览器首页审核{width}"
    claim_id = new_claim(api, body=exam(title=title, hours=2))
    assert upload(api, "professional", claim_id).status_code == 200
    assert api("professional", "POST", f"/api/v1/claim/{claim_id}/step/submit").status_code == 200
    page = home(browser, live_url, "unit_reviewer", WIDTHS[width])
    assert title in page.inner_text(".home-pending")
    with page.expect_navigation(wait_until="load"):
        page.click(f".home-pending a:has-text('{title}')")
    assert page.locator(".step-bar-current").is_visible()
    with page.expect_navigation(wait_until="load"):
        page.click("button:has-text('批准')")
    page.goto(f"{live_url}/")
    assert title not in page.inner_text(".home-pending")
    page.close()
    mine = home(browser, live_url, "professional", WIDTHS[width])
    assert mine.locator(".navbar-messages .badge").count() == 1
    mine.goto(f"{live_url}/messages/")
    assert title in mine.inner_text(".messages")
    mine.close()


def inside(page, selector: str, width: int) -> None:
    """The first element `selector` finds lies within the viewport's width."""
    box = page.locator(selector).first.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, selector


# the key numbers of each role's home: hours and 达标 for a professional, counts and states elsewhere
KEY_NUMBERS = {
    "professional": (".home-hours", ".home-verdict"),
    "unit_reviewer": (".panel-heading .home-count", ".home-figures"),
    "base_staff": (".home-queue td:first-child", ".home-queue .home-count"),
    "authority_staff": (".home-actions a.btn-primary",),
    "association_admin": (".home-queue td:first-child", ".home-queue .home-count", ".home-figures"),
    "district_officer": (".home-figures", ".home-short"),
    "auditor": (".home-events",),
}


@pytest.mark.parametrize("width", WIDTHS)
def test_the_key_numbers_fit_the_width(browser, live_url, api, width):
    from tests.test_classes import material, new_class

    filed = new_class(api, "base_staff", name=f"浏览器宽度班{width}")  # a class in both queues
    material(api, "base_staff", filed, "approval_form")
    assert api("base_staff", "POST", f"/api/v1/training_class/{filed}/step/file").status_code == 200
    for username, selectors in KEY_NUMBERS.items():
        page = home(browser, live_url, username, WIDTHS[width])
        for selector in selectors:
            inside(page, selector, WIDTHS[width][0])
        page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_professional_starts_a_claim_from_home(browser, live_url, width):
    page = home(browser, live_url, "professional", WIDTHS[width])
    assert "/30" in page.inner_text(".home-progress") and "/60" in page.inner_text(".home-progress")
    with page.expect_navigation(wait_until="load"):
        page.click(".home-actions a.btn-primary")
    assert "/claimview/new" in page.url and overflow(page) <= 0
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_organisers_open_the_filing_form_from_home(browser, live_url, width):
    for username in ("base_staff", "authority_staff"):
        page = home(browser, live_url, username, WIDTHS[width])
        with page.expect_navigation(wait_until="load"):
            page.click(".home-actions a.btn-primary")
        assert "/trainingclassview/new" in page.url and page.locator("form").first.is_visible()
        page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_association_accepts_a_filed_class_from_its_queue(browser, live_url, api, width):
    from tests.test_classes import material, new_class

    name = f"浏览器受理班{width}"
    class_id = new_class(api, "base_staff", name=name)
    material(api, "base_staff", class_id, "approval_form")
    assert api("base_staff", "POST", f"/api/v1/training_class/{class_id}/step/file").status_code == 200
    page = home(browser, live_url, "association_admin", WIDTHS[width])
    with page.expect_navigation(wait_until="load"):
        page.click(".home-queue a.home-count[href*='trainingclassview'][href*='=filed&']")
    page.goto(f"{live_url}/trainingclassview/show/{class_id}")  # the row of the list just opened
    assert name in page.content()
    with page.expect_navigation(wait_until="load"):
        page.click("button:has-text('备案')")
    assert "已备案" in page.inner_text(".step-bar-current") or page.locator(".step-bar-current").count() == 1
    page.close()
    assert api("base_staff", "GET", f"/api/v1/training_class/{class_id}").json["result"]["state"] == "accepted"


@pytest.mark.parametrize("width", WIDTHS)
def test_the_district_opens_its_short_list_and_downloads_it(browser, live_url, width):
    page = home(browser, live_url, "district_officer", WIDTHS[width])
    shown = int(page.inner_text(".home-short-count"))
    with page.expect_navigation(wait_until="load"):
        page.click(".home-short-count")
    assert "/ledgerview/list/" in page.url and str(shown) in page.content()
    page.go_back()
    with page.expect_download() as download:
        page.click("a:has-text('导出Excel')")
    assert download.value.suggested_filename.endswith(".xlsx")
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_auditor_opens_a_security_event_from_home(browser, live_url, width):
    page = home(browser, live_url, "auditor", WIDTHS[width])
    with page.expect_navigation(wait_until="load"):
        page.click(".home-events a >> nth=0")
    assert "/auditentryview/show/" in page.url.lower()
    page.close()
