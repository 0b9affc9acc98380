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


def home(browser, live_url, username, size):
    page = sign_in(browser, live_url, username)
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(f"{live_url}/")
    page.wait_for_load_state("networkidle")
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


def test_the_professional_sees_hours_and_verdict_on_a_phone_and_starts_a_claim(browser, live_url):
    page = home(browser, live_url, "professional", WIDTHS["phone"])
    for selector in (".home-hours", ".home-verdict"):
        box = page.locator(selector).first.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, selector
    assert "/30" in page.inner_text(".home-progress") and "/60" in page.inner_text(".home-progress")
    page.click(".home-actions a.btn-primary")
    page.wait_for_load_state("networkidle")
    assert "/claimview/new" in page.url
    page.close()


def test_the_reviewer_goes_from_the_home_count_to_approving(browser, live_url, app, tokens):
    client = app.test_client()

    def api(key, method, url, **kw):
        return client.open(url, method=method, headers=tokens(key), **kw)

    claim_id = new_claim(api, body=exam(title="浏览器首页审核", hours=2))
    assert upload(api, "professional", claim_id).status_code == 200
    assert api("professional", "POST", f"/api/v1/claim/{claim_id}/step/submit").status_code == 200
    for width in WIDTHS:
        page = home(browser, live_url, "unit_reviewer", WIDTHS[width])
        assert "浏览器首页审核" in page.inner_text(".home-pending")
        page.close()
    page = home(browser, live_url, "unit_reviewer", WIDTHS["desktop"])
    page.click(".home-pending a:has-text('浏览器首页审核')")
    page.wait_for_load_state("networkidle")
    assert page.locator(".step-bar-current").is_visible()
    page.click("button:has-text('批准')")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_url}/")
    assert "浏览器首页审核" not in page.inner_text(".home-pending")
    page.close()
    mine = home(browser, live_url, "professional", WIDTHS["phone"])
    badge = mine.locator(".navbar-messages .badge")
    assert badge.count() == 1
    mine.goto(f"{live_url}/messages/")
    assert "浏览器首页审核" in mine.inner_text(".messages")
    mine.close()
