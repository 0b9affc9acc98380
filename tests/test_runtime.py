"""The production runtime: gunicorn and a job consumer, health checks, request
ids, the one trusted proxy, JSON logs without personal data."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest

from tests import serving


def test_healthz_answers_without_login(app):
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 200 and resp.json == {"status": "ok"}


def test_health_checks_set_no_session_cookie(app):
    client = app.test_client()
    for path in ("/healthz", "/readyz"):
        assert "Set-Cookie" not in client.get(path).headers, path
    assert "Set-Cookie" in client.get("/login/").headers  # a visitor still gets one


def test_readyz_needs_a_consumer_heartbeat(app):
    from app.jobs import queue

    queue.huey.get(queue.HEARTBEAT_KEY)  # forget any earlier beat
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 503
    assert resp.json["checks"]["database"] == "ok"
    assert resp.json["checks"]["consumer"] == "no heartbeat"
    queue.beat()
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 200, resp.json
    assert resp.json["status"] == "ok"


def test_every_response_carries_a_request_id(app):
    client = app.test_client()
    given = client.get("/healthz", headers={"X-Request-ID": "proxy-id-42"})
    assert given.headers["X-Request-ID"] == "proxy-id-42"
    # a header that could forge log lines is replaced, not echoed
    forged = client.get("/healthz", headers={"X-Request-ID": 'x" , "level": "ERROR'})
    made = forged.headers["X-Request-ID"]
    assert len(made) == 32 and made.isalnum()


def test_forwarded_address_is_believed_only_from_the_proxy(app):
    from werkzeug.test import Client
    from werkzeug.wrappers import Request, Response

    from app.runtime import TrustedProxy

    @Request.application
    def echo(request):
        return Response(f"{request.remote_addr} {request.scheme}")

    client = Client(TrustedProxy(echo, app.config["XUESHI_FORWARDED_ALLOW_IPS"]))
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    via_proxy = client.get("/", headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert via_proxy.get_data(as_text=True) == "203.0.113.7 https"
    direct = client.get("/", headers=headers, environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert direct.get_data(as_text=True) == "198.51.100.9 http"


@pytest.fixture(scope="module")
def mailbox():
    with serving.smtp_server() as (inbox, url):
        yield inbox, url


@pytest.fixture(scope="module")
def served(app, tmp_path_factory, mailbox):
    running = serving.serve(app.config["SQLALCHEMY_DATABASE_URI"],
                            tmp_path_factory.mktemp("served"),
                            # the test app's digest key opens the seeded logins' TOTP secrets
                            extra_env={"XUESHI_SMTP_URL": mailbox[1],
                                       "XUESHI_DIGEST_KEY": app.config["XUESHI_DIGEST_KEY"]})
    try:
        running.wait_ready()
        yield running
    finally:
        serving.stop_all(running)


@pytest.mark.slow
def test_gunicorn_and_consumer_serve_the_app(served, world):
    status, headers, body = serving.get(served.base + "/login/")
    assert status == 200 and "登录".encode() in body
    assert headers["Server"] == "xueshi"  # no product, no version
    ready = json.loads(serving.get(served.base + "/readyz")[2])
    assert ready["checks"]["consumer"].startswith("heartbeat")
    # a search by ID number: the access log keeps the path, never the query
    serving.get(served.base + f"/personview/list/?_flt_0_id_number={world.id_number['A']}",
                headers={"X-Request-ID": "e2e-search"})
    serving.get(served.base + "/healthz")  # the line before is flushed by now
    lines = [json.loads(line) for line in served.log("access").splitlines() if line.strip()]
    search = [line for line in lines if line.get("request_id") == "e2e-search"]
    assert search and search[0]["path"] == "/personview/list/"
    assert world.id_number["A"] not in served.log("access")
    assert all(json.loads(line)["level"] for line in served.log("web").splitlines() if line.strip())


def _post_json(url: str, body: dict, headers: dict | None = None):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        body = exc.read()
        exc.close()
        return exc.code, json.loads(body or b"{}")


@pytest.mark.slow
def test_a_job_started_on_the_server_is_run_by_the_consumer(app, served):
    from tests.conftest import PASSWORD, totp_code

    status, login = _post_json(served.base + "/api/v1/security/login", {
        "username": "association_admin", "password": PASSWORD, "provider": "db",
        "totp": totp_code(app, "association_admin")})
    assert status == 200, login
    auth = {"Authorization": f"Bearer {login['access_token']}"}
    status, started = _post_json(served.base + "/api/v1/ledger/recompute", {"year": 2026}, auth)
    assert status == 202, started
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = json.loads(serving.get(served.base + started["url"], headers=auth)[2])["result"]
        if job["state"] in ("done", "failed"):
            break
        time.sleep(0.3)
    assert job["state"] == "done", job
    assert job["message"] and job["total"] == job["done"]


@pytest.mark.slow
def test_the_consumer_sends_the_email_of_a_step(served, mailbox, app, api):
    from tests.conftest import PASSWORD
    from tests.test_messages import set_email, subject_of, submitted

    inbox, _url = mailbox
    claim_id = submitted(api, "由后台发邮件的申报")  # in this process, without SMTP
    with set_email(app, "professional", "li.ming@example.com"):
        status, login = _post_json(served.base + "/api/v1/security/login", {
            "username": "unit_reviewer", "password": PASSWORD, "provider": "db"})
        assert status == 200, login
        status, answer = _post_json(served.base + f"/api/v1/claim/{claim_id}/step/approve", {},
                                    {"Authorization": f"Bearer {login['access_token']}"})
        assert status == 200, answer
        assert serving.wait_for(lambda: inbox.to("li.ming@example.com"), 60)
    mail, = inbox.to("li.ming@example.com")
    assert "由后台发邮件的申报" in subject_of(mail)
