"""Chromium at 390 px on the demo data: every list each demo login can open from its
menu keeps its key columns (names, hours, 是否达标, 状态) inside the screen with no
sideways scrolling, in the page or inside a table's frame; detail tables stack; the
verify page and the home pages fit; the class filing form asks for 线上渠道 only for
online classes."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import app_overrides, initialised_database_url
from tests.test_browser import SHOTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
# Per list (its URL's first part): headers that must stay on screen when the list has rows.
KEY_HEADERS = {
    "/ledgerview/": ["专业技术人员", "公需学时", "专业学时", "是否达标"],
    "/claimview/": ["专业技术人员", "名称", "状态"],
    "/trainingclassview/": ["班次名称", "状态"],
    "/personview/": ["姓名"],
    "/certificateview/": ["学时"],
}
# What the browser measures on a page: sideways overflow of the page and of any
# scrolling frame, and every visible table header cell that is not inside the screen.
MEASURE = """async () => {
  await document.fonts.ready;  // the icons' web font is in: the widths are final
  const width = window.innerWidth;
  const frames = [...document.querySelectorAll('*')].filter(el => {
    const s = getComputedStyle(el);
    return (s.overflowX === 'auto' || s.overflowX === 'scroll') && el.scrollWidth > el.clientWidth + 1;
  }).map(el => el.className || el.tagName);
  const cells = [...document.querySelectorAll('table th')].filter(th => th.offsetParent !== null);
  const outside = cells.filter(th => {
    const box = th.getBoundingClientRect();
    return box.left < -1 || box.right > width + 1;
  }).map(th => th.innerText.trim());
  return {page: document.documentElement.scrollWidth - width, frames: frames,
          outside: outside, headers: cells.map(th => th.innerText.trim())};
}"""


@pytest.fixture(scope="module")
def demo_site(instance_dir):
    """The demo data (`xueshi demo`) on its own database, served on a free port. The
    database is a copy of the run's template (migrated, roles synced, districts loaded:
    what `demo.load`'s own `accounts.initialise` would write), so that second sync is
    left out; the demo rows and logins are the real `demo.load`'s."""
    from app import create_app
    from app.extensions import db
    from app.services import demo

    url = initialised_database_url(instance_dir, "phones")
    # the browser keeps the static files it has fetched (FAB's style sheets and scripts,
    # ~20 a page) instead of asking each of ~130 pages for them again
    site = create_app({**app_overrides(url, instance_dir), "WTF_CSRF_ENABLED": True,
                       "SEND_FILE_MAX_AGE_DEFAULT": 3600})
    with site.app_context(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo.accounts, "initialise", lambda appbuilder: None)
        logins = demo.load(site.appbuilder, people=40)
        db.session.remove()
    server = make_server("127.0.0.1", 0, site, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", site, logins
    server.shutdown()
    thread.join()
    with site.app_context():
        db.session.remove()
        db.engine.dispose()


def _phone(browser, demo_site, login):
    base, site, _ = demo_site
    page = sign_in(browser, base, login["username"], password=login["password"],
                   app=site, secret=login["totp_secret"])
    page.set_viewport_size(PHONE)
    return page


def _menu_pages(page, base) -> list[str]:
    hrefs = page.eval_on_selector_all(".navbar a[href^='/']", "els => els.map(a => a.getAttribute('href'))")
    skip = ("/logout", "/lang/", "/users/userinfo", "/resetmypassword", "/new", "/add", "/propose")
    return sorted({h for h in hrefs if h != "/" and not any(s in h for s in skip)})


def test_every_list_of_every_demo_login_keeps_its_key_columns_on_a_phone(browser, demo_site):
    base, _, logins = demo_site
    problems, seen = [], set()
    for login in logins:
        page = _phone(browser, demo_site, login)
        errors = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        for path in ["/", *_menu_pages(page, base)]:
            # goto returns at the load event: the page's scripts (all synchronous, none
            # fetching afterwards), style sheets and web fonts are in, so the layout is final
            # (network idle would add half a second of silence to each of ~130 pages)
            page.goto(base + path)
            where = f"{login['username']} {path}"
            found = page.evaluate(MEASURE)
            if found["page"] > 0 or found["frames"] or found["outside"]:
                problems.append((where, found))
                page.screenshot(path=str(SHOTS / f"phone-{login['username']}-{path.strip('/').replace('/', '-') or 'home'}.png"),
                                full_page=True)
            for prefix, headers in KEY_HEADERS.items():
                if path.startswith(prefix) and "list" in path and page.locator(".xueshi-list tbody tr").count():
                    seen.add(prefix)
                    page.screenshot(path=str(SHOTS / f"phone-{login['username']}-{prefix.strip('/')}.png"))
                    missing = [h for h in headers if h not in found["headers"]]
                    if missing:
                        problems.append((where, {"key columns hidden": missing, "shown": found["headers"]}))
        assert not errors, (login["username"], errors)  # e.g. a missing /favicon.ico
        page.close()
    assert not problems, "\n".join(f"{where}: {found}" for where, found in problems)
    assert seen == set(KEY_HEADERS), f"lists with rows seen: {seen}"


def test_detail_tables_stack_and_the_verify_page_fits_a_phone(browser, demo_site):
    base, _, logins = demo_site
    professional = next(login for login in logins if login["role"] == "professional")
    page = _phone(browser, demo_site, professional)
    page.goto(f"{base}/ledgerview/list/")
    page.click(".xueshi-list a[href*='/ledgerview/show/']")
    page.wait_for_url("**/ledgerview/show/**", wait_until="load")
    # the record's fields: each label above its value, both the screen's width
    label = page.locator("table.table-stack th").first.bounding_box()
    value = page.locator("table.table-stack td").first.bounding_box()
    assert value["y"] >= label["y"] + label["height"] - 1 and value["width"] > 300
    # the ledger's items: one card per item, each value named by its column
    cell = page.locator("table.table-cards td[data-label]").first
    assert cell.get_attribute("data-label") == page.locator("table.table-cards th").first.text_content().strip()
    assert cell.bounding_box()["width"] > 300
    # no label stands over nothing: a field or cell without a value reads "—"
    bare = page.eval_on_selector_all("table.table-cards td, table.table-stack td",
                                     "els => els.filter(e => !e.innerText.trim()).length")
    assert bare == 0 and page.locator("table.table-cards td .cell-empty").count()  # e.g. 说明
    assert page.evaluate(MEASURE)["page"] <= 0
    page.screenshot(path=str(SHOTS / "phone-ledger-show.png"), full_page=True)
    page.goto(f"{base}/verify/")
    assert page.evaluate(MEASURE)["page"] <= 0
    for button in page.locator("button:visible").all():  # a thumb can hit each
        assert button.bounding_box()["height"] >= 40
    page.close()


def test_the_filing_form_asks_for_the_online_channel_only_for_online_classes(browser, demo_site):
    base, _, logins = demo_site
    staff = next(login for login in logins if login["role"] == "base_staff")
    page = _phone(browser, demo_site, staff)
    page.goto(f"{base}/trainingclassview/new")
    page.select_option("#mode", "offline")
    assert not page.locator("#channel").is_visible() and page.locator("#channel").is_disabled()
    page.select_option("#mode", "online")
    assert page.locator("#channel").is_visible() and page.locator("#channel").is_enabled()
    assert page.evaluate(MEASURE)["page"] <= 0
    page.close()


def test_fab_add_and_edit_forms_put_each_label_above_its_field_on_a_phone(browser, demo_site):
    base, _, logins = demo_site
    reviewer = next(login for login in logins if login["role"] == "unit_reviewer")
    page = _phone(browser, demo_site, reviewer)
    page.goto(f"{base}/personview/add")
    label = page.locator("#model_form td:has(label[for=name])").bounding_box()
    field = page.locator("#name").bounding_box()
    assert field["y"] >= label["y"] + label["height"] - 1 and field["width"] > 300
    assert label["width"] > 300  # 企业经营管理人员 on one line, not one character a line
    assert page.evaluate(MEASURE)["page"] <= 0
    page.screenshot(path=str(SHOTS / "phone-person-add.png"), full_page=True)
    page.close()


@pytest.mark.parametrize("column, shown", [("series", "工程"), ("is_enterprise_manager", "是")])
def test_a_search_filter_chosen_from_a_list_fits_a_phone(browser, demo_site, column, shown):
    """A filter whose value is chosen from a list (职称系列 by its labels, a yes/no):
    the column, 等于 and the value one above the other at the panel's width, the
    chosen value readable, and the page no wider than the screen."""
    base, _, logins = demo_site
    officer = next(login for login in logins if login["role"] == "district_officer")
    page = _phone(browser, demo_site, officer)
    page.goto(f"{base}/personview/list/")
    page.get_by_text("查询").first.click()
    page.locator("#filter_form button.dropdown-toggle").first.click()
    page.locator(f"#filter_form a.filter[name={column}]").click()
    value = page.locator("table.filters .select2-container").last
    assert value.bounding_box()["width"] > 300 and shown in value.inner_text()
    assert page.evaluate(MEASURE)["page"] <= 0
    page.screenshot(path=str(SHOTS / f"phone-person-filter-{column}.png"))
    page.close()
