"""Debian Chromium, driven by Playwright, logs in through the real form
(CSRF on) and sees the Chinese menu."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

SHOTS = Path(__file__).resolve().parents[1] / "test-artifacts"
SHOTS.mkdir(exist_ok=True)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_url(make_app):
    served = make_app(WTF_CSRF_ENABLED=True)
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


def sign_in(browser, live_url, username):
    page = browser.new_page(locale="zh-CN")
    page.set_default_timeout(15000)
    page.goto(f"{live_url}/login/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


@pytest.mark.parametrize("username,menu,hidden", [
    ("association_admin", ["人员与单位", "培训管理", "基础数据"], ["安全审计"]),
    ("district_officer", ["人员与单位", "基础数据"], ["培训管理", "安全审计", "用户权限"]),
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
    page.click(".navbar .dropdown-menu a:has-text('专业技术人员')")
    page.wait_for_load_state("networkidle")
    assert "/personview/list/" in page.url
    assert "身份证号" in page.content()
    page.screenshot(path=str(SHOTS / f"{username}-persons.png"), full_page=True)
    page.close()


def test_wrong_password_stays_on_the_login_page(browser, live_url):
    page = browser.new_page()
    page.goto(f"{live_url}/login/")
    page.fill("#username", "association_admin")
    page.fill("#password", "not-the-password")
    page.click("input[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/login/" in page.url
    assert "用户名或密码错误" in page.content()
    page.close()
