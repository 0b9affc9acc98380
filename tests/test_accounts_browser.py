"""Chromium at 1440 px and 390 px: the system administrator creates a unit
reviewer on the one account form (role first, then the unit searched as you
type), and the new login signs in, chooses its password and lands on its
unit's home page."""
from __future__ import annotations

import pytest

from tests.test_browser import SHOTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTHS = {"desktop": (1440, 900), "phone": (390, 844)}
TEMPORARY = "Temp-Word-2026!x"
OWN = "Own-Word-2026!yz"


def overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def visible_scopes(page) -> list[str]:
    return page.eval_on_selector_all(
        "#account-form [data-shown-when]",
        "els => els.filter(e => e.offsetParent !== null).map(e => e.name)")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_administrator_creates_a_unit_reviewer_who_signs_in_at_once(browser, live_url, width):  # noqa: F811
    size = WIDTHS[width]
    username = f"browser_{width}"
    page = sign_in(browser, live_url, "Admin")
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(f"{live_url}/users/add")  # FAB's add page leads to the one form
    assert "/userscopeview/new" in page.url
    assert visible_scopes(page) == []  # no role yet: no scope field
    page.select_option("#role", "base_staff")
    assert visible_scopes(page) == ["base"]
    page.select_option("#role", "unit_reviewer")
    assert visible_scopes(page) == ["unit"]
    page.fill("#username", username)
    page.fill("#full_name", "浏览器审核员")
    page.click(".form-group:has(#unit) .select2-selection")
    page.fill(".select2-search__field", "测试用人单位")
    page.click(".select2-results__option:has-text('测试用人单位A')")
    page.fill("#password", TEMPORARY)
    page.fill("#conf_password", TEMPORARY)
    assert overflow(page) <= 0, f"{overflow(page)} px too wide"
    page.screenshot(path=str(SHOTS / f"account-form-{width}.png"), full_page=True)
    with page.expect_navigation(wait_until="load"):
        page.click("#account-form button[type=submit]")
    assert "已创建" in page.inner_text(".alert-success")
    assert "用人单位审核员" in page.content()
    page.close()

    login = browser.new_page(locale="zh-CN")
    login.set_default_timeout(15000)
    login.set_viewport_size({"width": size[0], "height": size[1]})
    login.goto(f"{live_url}/login/")
    login.fill("#username", username)
    login.fill("#password", TEMPORARY)
    with login.expect_navigation(wait_until="load"):
        login.click("input[type=submit]")
    assert "/resetmypassword/" in login.url  # the temporary password is replaced first
    login.fill("#password", OWN)
    login.fill("#conf_password", OWN)
    with login.expect_navigation(wait_until="load"):
        login.press("#conf_password", "Enter")
    login.goto(f"{live_url}/")
    assert login.locator(".container.home").is_visible()
    login.goto(f"{live_url}/personview/list/")
    listed = login.content()
    assert "测试人员A" in listed and "测试人员B" not in listed
    login.close()
