"""Chromium at 1440 px and 390 px: the auditor finds who approved claim X by its
title, in Chinese words, without knowing any table name or record number."""
from __future__ import annotations

import pytest

from tests.test_browser import SHOTS, sign_in
from tests.test_claims import exam, submitted_claim

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTHS = {"desktop": (1440, 900), "phone": (390, 844)}
TITLE = "发明专利:一种海洋浮标数据采集装置"


@pytest.fixture(scope="module")
def approved(app, tokens):
    client = app.test_client()

    def api(key, method, url, **kw):
        return client.open(url, method=method, headers=tokens(key), **kw)

    claim_id = submitted_claim(api, body=exam(title=TITLE, hours=2))
    assert api("unit_reviewer", "POST", f"/api/v1/claim/{claim_id}/step/approve").status_code == 200
    return claim_id


@pytest.mark.parametrize("width", WIDTHS)
def test_the_auditor_finds_who_approved_a_claim_by_its_title(browser, live_url, approved, width):
    page = sign_in(browser, live_url, "auditor")
    page.set_viewport_size({"width": WIDTHS[width][0], "height": WIDTHS[width][1]})
    page.goto(f"{live_url}/auditentryview/list/")
    page.select_option("#f-table", label="学时申报")
    page.fill("#f-title", "发明专利:一种海洋")
    page.select_option("#f-action", label="修改")
    with page.expect_navigation(wait_until="load"):
        page.click("button:has-text('查询')")
    approval = page.locator("tr.audit-entry", has_text="已批准").first
    assert approval.is_visible()
    text = approval.inner_text()
    assert TITLE in text and "unit_reviewer" in text and "用人单位审核员" in text
    assert "状态" in text and "已提交" in text
    for cell in ("audit-when", "audit-user", "audit-record"):  # key columns on screen
        box = approval.locator(f".{cell}").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= WIDTHS[width][0] + 1, cell
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.screenshot(path=str(SHOTS / f"audit-who-approved-{width}.png"), full_page=True)
    with page.expect_navigation(wait_until="load"):
        approval.locator(".audit-record a").click()  # the claim's whole history
    assert page.locator("tr.audit-entry", has_text="新增").count() >= 1
    page.close()
