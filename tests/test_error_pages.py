"""Every error a person can meet is a Chinese page in the site's frame with a way
back; an API caller gets the same words as JSON."""
from __future__ import annotations

import re

import pytest

ENGLISH_STOCK = re.compile(r"Not Found|Forbidden|Bad Request|Method Not Allowed|Too Many Requests|"
                           r"Internal Server Error|Request Entity Too Large|Conflict")
HAN = re.compile(r"[\u4e00-\u9fff]")


def _check_page(resp, code):
    html = resp.get_data(as_text=True)
    assert resp.status_code == code
    assert resp.mimetype == "text/html"
    assert not ENGLISH_STOCK.search(html), ENGLISH_STOCK.search(html).group()
    assert 'class="navbar' in html, "the error page keeps the site's frame"
    assert "首页" in html and f"({code})" in html
    return html


def test_not_found_and_forbidden_are_chinese_pages(clients):
    html = _check_page(clients("district_officer").get("/no/such/page"), 404)
    assert "没有该页面或记录" in html
    # a district officer may not open a create form: FAB's refusal or ours, never a raw page
    resp = clients("district_officer").get("/dashboard/?year=2026")
    assert resp.status_code == 200
    resp = clients("unit_reviewer").get("/dashboard/")
    html = _check_page(resp, 403)
    assert "无权" in html


def test_method_not_allowed_and_bad_request_pages(clients, app):
    _check_page(clients("association_admin").get("/claimview/step/approve/1"), 405)
    resp = clients("association_admin").post("/claimview/step/approve/1")
    assert resp.status_code in (302, 400, 403, 404)


def test_too_large_upload_is_a_chinese_page(clients, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)
    resp = clients("professional").post("/claimview/evidence/1", data=b"x" * (2 * 1024 * 1024),
                                        content_type="application/octet-stream")
    html = _check_page(resp, 413)
    assert "1 MB" in html


def test_a_crash_is_a_chinese_page_and_nothing_leaks(app, clients, monkeypatch):
    from app.views import dashboard as view

    def broken(*args, **kwargs):
        raise RuntimeError("secret stack detail")

    monkeypatch.setattr(view.dashboard, "figures", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    resp = clients("association_admin").get("/dashboard/")
    html = _check_page(resp, 500)
    assert "secret stack detail" not in html and "未保存" in html


def test_api_errors_are_chinese_json(api):
    resp = api("district_officer", "GET", "/api/v1/no_such_resource/")
    assert resp.status_code == 404 and resp.is_json
    assert HAN.search(resp.json["message"]) and not ENGLISH_STOCK.search(resp.json["message"])
    resp = api("district_officer", "GET", "/api/v1/claim/99999999")
    assert resp.status_code == 404 and resp.is_json and HAN.search(resp.json["message"]), resp.json
    resp = api("district_officer", "DELETE", "/api/v1/claim/1")
    assert resp.status_code in (403, 404, 405) and resp.is_json and HAN.search(resp.json["message"]), resp.json


def test_rate_limited_login_says_when_to_retry(app, make_app):
    """The 429 page is Chinese, in the frame, and says how many seconds to wait."""
    limited = make_app(AUTH_RATE_LIMIT="2 per minute")
    client = limited.test_client()
    for _ in range(2):
        client.post("/login/", data={"username": "nobody", "password": "wrong-password"})
    resp = client.post("/login/", data={"username": "nobody", "password": "wrong-password"})
    html = _check_page(resp, 429)
    seconds = int(re.search(r"(\d+) 秒", html).group(1))
    assert 0 < seconds <= 60 and abs(int(resp.headers["Retry-After"]) - seconds) <= 1
    for _ in range(3):
        resp = client.post("/api/v1/security/login", json={"username": "nobody", "password": "x",
                                                             "provider": "db"})
    assert resp.status_code == 429 and resp.is_json and "秒" in resp.json["message"]


def test_bad_request_is_a_chinese_page_and_chinese_json(clients, api):
    """400 on a screen (a page number that is not one) and on the API (a broken query)."""
    html = _check_page(clients("district_officer").get("/personview/list/?page_PersonView=abc"), 400)
    assert "格式不正确" in html
    resp = api("district_officer", "GET", "/api/v1/person/?q=((((")
    assert resp.status_code == 400 and resp.is_json
    assert HAN.search(resp.json["message"]) and not ENGLISH_STOCK.search(resp.json["message"])


def test_forbidden_is_chinese_json_on_the_api(api):
    resp = api("professional", "GET", "/api/v1/audit_entry/")
    assert resp.status_code == 403 and resp.is_json, resp.get_data(as_text=True)
    assert HAN.search(resp.json["message"]) and "Forbidden" not in resp.json["message"]


def test_a_crash_on_the_api_or_asked_as_json_is_chinese_json(app, api, clients, monkeypatch):
    from app.views import dashboard as view
    from app.views.people import PersonApi

    def broken(*args, **kwargs):
        raise RuntimeError("secret stack detail")

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr(PersonApi, "pre_get_list", broken)
    resp = api("district_officer", "GET", "/api/v1/person/")
    assert resp.status_code == 500 and resp.is_json
    body = resp.get_data(as_text=True)
    assert HAN.search(resp.json["message"]) and "Fatal error" not in body and "secret" not in body
    monkeypatch.setattr(view.dashboard, "figures", broken)
    resp = clients("association_admin").get("/dashboard/", headers={"Accept": "application/json"})
    assert resp.status_code == 500 and resp.is_json and "未保存" in resp.json["message"]
    assert "secret" not in resp.get_data(as_text=True)
