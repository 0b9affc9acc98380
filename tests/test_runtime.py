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


def test_static_files_and_background_fetches_leave_the_session_cookie_alone(app):
    """Answered after a step's redirect, a response that set the cookie the browser
    sent with it would put back the session from before the step: its message
    (已提交协会结课审核) lost. Only what the user does writes the cookie."""
    from tests.conftest import login_client

    client = login_client(app, "district_officer")
    assert client.get("/").status_code == 200  # where the login leads
    for path in ("/favicon.ico", "/static/xueshi.css", "/static/appbuilder/js/ab.js"):
        resp = client.get(path)
        assert resp.status_code == 200 and "Set-Cookie" not in resp.headers, path
    resp = client.get("/lookup/unit/?q=单位", headers={"Sec-Fetch-Mode": "cors"})
    assert resp.status_code == 200 and "Set-Cookie" not in resp.headers
    # a page the user opens keeps the session alive (the idle timeout starts again)
    assert "Set-Cookie" in client.get("/", headers={"Sec-Fetch-Mode": "navigate"}).headers
    assert "Set-Cookie" in client.get("/personview/list/").headers


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
                            extra_env={**serving.same_keys(app), "XUESHI_SMTP_URL": mailbox[1]})
    try:
        running.wait_ready(timeout=180)  # gunicorn workers start slowly on a busy machine
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


def class_awaiting_approval(app, api, world, participants: int) -> int:
    """A class of `participants` new people with full attendance and its material,
    waiting for the association's completion approval (set up in this process)."""
    from tests import factories
    from tests.samples import xlsx
    from tests.test_classes import ROSTER, accepted_class, confirm_roster, material, upload

    class_id = accepted_class(api, start_date="2026-11-20", end_date="2026-11-20")
    rows = [[f"断电学员{i}", factories.id_number("370202"), world.credit_code["A"], "13900000000",
             "经济", "初级"] for i in range(participants)]
    resp = upload(api, "base_staff", f"/api/v1/training_class/{class_id}/roster", xlsx(ROSTER, rows))
    assert resp.status_code == 200 and resp.json["added"] == participants, resp.json
    confirm_roster(api, app, class_id)
    assert api("base_staff", "POST",
               f"/api/v1/training_class/{class_id}/step/full_attendance").status_code == 200
    material(api, "base_staff", class_id, "sign_in")
    material(api, "base_staff", class_id, "photo")
    assert api("base_staff", "POST",
               f"/api/v1/training_class/{class_id}/step/request_completion").status_code == 200
    return class_id


def rendered(engine, class_id: int) -> tuple[int, int]:
    from sqlalchemy import func, select

    from app.models import Certificate

    with engine.connect() as conn:
        return conn.execute(select(func.count(), func.count(Certificate.stored_name))
                            .where(Certificate.class_id == class_id)).one()


def stored_names(engine) -> set[str]:
    """The file names every class and year certificate row records."""
    from sqlalchemy import select

    from app.models import Certificate, YearCertificate

    with engine.connect() as conn:
        return {name for model in (Certificate, YearCertificate) for name in conn.execute(
            select(model.stored_name).where(model.stored_name.is_not(None))).scalars()}


def certificate_files(uploads) -> set[str]:
    """The PDFs in the files area (journals aside)."""
    return {p.name for p in (uploads / "certificates").glob("??/*") if p.is_file()}


def kill_mid_batch_and_finish(served, engine, class_id: int, login: dict, total: int) -> None:
    """Approve the completion on the server, kill -9 the consumer in the middle of
    a chunk (some PDFs committed, some more written but not committed), restart it,
    and wait for the job to finish."""
    import signal

    status, answer = _post_json(served.base + f"/api/v1/training_class/{class_id}/step/approve", {},
                                login)
    assert status == 200, answer
    consumer, uploads = served.processes["consumer"], served.folder / "uploads"

    def half_written() -> tuple[int, int, int]:
        count, done = rendered(engine, class_id)
        return count, done, len(certificate_files(uploads) - stored_names(engine))

    deadline = time.monotonic() + 180
    while True:
        assert time.monotonic() < deadline, "no chunk caught between its files and its commit"
        count, done, unnamed = half_written()
        if 10 <= done < total and unnamed:
            consumer.send_signal(signal.SIGSTOP)  # freeze it where it is, then look
            count, done_at_kill, unnamed = half_written()
            if 10 <= done_at_kill < total and unnamed:
                break
            consumer.send_signal(signal.SIGCONT)  # the chunk committed meanwhile: go on
        time.sleep(0.02)
    consumer.send_signal(signal.SIGKILL)
    consumer.wait()
    served.processes.pop("consumer")
    assert count == total, count
    _silent_for_long(engine, class_id)  # as if XUESHI_JOB_STALE_SECONDS had passed
    served.start_consumer()  # it takes the job again at start
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and \
            certificate_jobs(engine, class_id)[0][0] not in ("done", "failed"):
        time.sleep(0.3)


def _silent_for_long(engine, class_id: int) -> None:
    from datetime import timedelta

    from sqlalchemy import select, update

    from app.models import Job
    from app.models.base import utcnow

    with engine.begin() as conn:
        ids = [j.id for j in conn.execute(select(Job.id, Job.params).where(
            Job.kind == "certificates")) if (j.params or {}).get("class_id") == class_id]
        conn.execute(update(Job).where(Job.id.in_(ids))
                     .values(touched_at=utcnow() - timedelta(hours=1)))


def certificate_jobs(engine, class_id: int) -> list[tuple]:
    """(state, attempts, done, total) of the class's certificate jobs."""
    from sqlalchemy import select

    from app.models import Job

    with engine.connect() as conn:
        return [(j.state, j.attempts, j.done, j.total) for j in conn.execute(
            select(Job.state, Job.attempts, Job.done, Job.total, Job.params).where(
                Job.kind == "certificates")) if (j.params or {}).get("class_id") == class_id]


def assert_each_certificate_once(app, engine, uploads, class_id: int, total: int) -> None:
    import hashlib

    from sqlalchemy import select

    from app.pdf import sign

    from app.models import Certificate, Enrolment

    with engine.connect() as conn:
        certs = conn.execute(select(Certificate.person_id, Certificate.number,
                                    Certificate.stored_name, Certificate.sha256)
                             .where(Certificate.class_id == class_id)).all()
        people = conn.execute(select(Enrolment.person_id)
                              .where(Enrolment.class_id == class_id)).scalars().all()
    job = certificate_jobs(engine, class_id)
    assert sorted(c.person_id for c in certs) == sorted(people) and len(certs) == total
    assert len({c.number for c in certs}) == total and len({c.stored_name for c in certs}) == total
    for cert in certs:  # every PDF whole: its bytes are the digest the row recorded
        body = (uploads / "certificates" / cert.stored_name[:2] / cert.stored_name).read_bytes()
        assert hashlib.sha256(body).hexdigest() == cert.sha256
        with app.app_context():
            assert sign.check(body) == sign.SIGNED  # signed over the whole file
    (state, attempts, done, job_total), = job
    assert state == "done" and attempts >= 2 and done == job_total == total, job
    # the killed chunk's files went: every PDF in the files area is a row's, no journal is left
    assert certificate_files(uploads) <= stored_names(engine)
    assert not list((uploads / "certificates" / ".journal").glob("*"))


@pytest.mark.slow
def test_a_consumer_killed_mid_batch_writes_every_certificate_once(served, app, api, world):
    from sqlalchemy import create_engine

    import config
    from tests.conftest import PASSWORD, totp_code

    total = 40
    class_id = class_awaiting_approval(app, api, world, total)
    status, login = _post_json(served.base + "/api/v1/security/login", {
        "username": "association_admin", "password": PASSWORD, "provider": "db",
        "totp": totp_code(app, "association_admin")})
    assert status == 200, login
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    engine = create_engine(url, **config.engine_options(url))  # waits for the consumer's writes
    try:
        kill_mid_batch_and_finish(served, engine, class_id,
                                  {"Authorization": f"Bearer {login['access_token']}"}, total)
        assert_each_certificate_once(app, engine, served.folder / "uploads", class_id, total)
    finally:
        engine.dispose()


def test_a_key_file_appears_whole_or_not_at_all(tmp_path, monkeypatch):
    """Gunicorn's workers and the consumer start side by side and each reads the
    instance's keys: a worker that found the key file made but not yet written
    would sign sessions (and MACs) with an empty key. The file is linked into
    place only once it holds the key; of two first starts, the winner's key stays."""
    import secrets

    import config

    path = tmp_path / "keys" / "secret_key"
    seen = []
    generate = secrets.token_urlsafe

    def token(n):
        seen.append(path.exists())  # what a worker starting now would find
        return generate(n)

    monkeypatch.setattr(config.secrets, "token_urlsafe", token)
    key = config.key_from(None, path)
    assert seen == [False] and len(key) >= 48
    assert path.stat().st_mode & 0o777 == 0o600
    assert config.key_from(None, path) == key and seen == [False]  # read, not made again
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # no file left behind
