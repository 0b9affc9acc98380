"""Production mode: refuses development settings; on PostgreSQL and Redis with two
gunicorn workers and a consumer, a rate limit holds across both workers and the
job queue runs on Redis. PostgreSQL and Redis are what scripts/test.sh starts
(XUESHI_PG_TEST_URL, XUESHI_TEST_REDIS_URL)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from sqlalchemy import create_engine, select

from tests import serving
from tests.conftest import PASSWORD, TOTP_SECRET, app_overrides, fresh_database_url

REDIS_URL = os.environ.get("XUESHI_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
PG_URL = os.environ.get("XUESHI_PG_TEST_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/xueshi_test")
PRODUCTION = {
    "XUESHI_ENV": "production",
    "XUESHI_SECRET_KEY": "production-test-key-" + "x" * 40,
    "XUESHI_PUBLIC_BASE_URL": "https://xueshi.example.cn",
    "XUESHI_REDIS_URL": REDIS_URL,
    "XUESHI_DIGEST_KEY": "production-digest-key-" + "y" * 40,
}


def test_production_mode_refuses_development_settings(instance_dir):
    from app import create_app
    from app.runtime import NotReadyForProduction

    settings = app_overrides(f"sqlite:///{instance_dir / 'never.db'}", instance_dir)
    settings.update(XUESHI_ENV="production", XUESHI_SECRET_FROM_ENV=False,
                    XUESHI_PUBLIC_BASE_URL_FROM_ENV=False, XUESHI_REDIS_URL=None,
                    RATELIMIT_STORAGE_URI="memory://")
    with pytest.raises(NotReadyForProduction) as refused:
        create_app(settings)
    message = str(refused.value)
    for name in ("XUESHI_SECRET_KEY", "XUESHI_PUBLIC_BASE_URL", "XUESHI_DATABASE_URL",
                 "XUESHI_REDIS_URL", "XUESHI_RATELIMIT_STORAGE_URI"):
        assert name in message
    assert "不会启动" in message and "SQLite" in message


def test_production_settings_pass_the_check():
    from app.runtime import production_problems

    assert production_problems({
        "XUESHI_SECRET_FROM_ENV": True, "SECRET_KEY": "k" * 48,
        "XUESHI_PUBLIC_BASE_URL_FROM_ENV": True, "XUESHI_PUBLIC_BASE_URL": "https://x.cn",
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/xueshi",
        "XUESHI_REDIS_URL": REDIS_URL, "RATELIMIT_STORAGE_URI": REDIS_URL}) == []


def _flask(env: dict, *args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "xueshi", *args],
                          cwd=serving.ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.fixture(scope="module")
def production(tmp_path_factory, app):
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    folder = tmp_path_factory.mktemp("production")
    keys = serving.same_keys(app)  # the test's signer and credential key stand in for the real ones
    extra = dict(PRODUCTION, XUESHI_AUTH_RATE_LIMIT="10 per minute",
                 **{k: keys[k] for k in ("XUESHI_SIGNER_P12", "XUESHI_SIGNER_PASSPHRASE",
                                         "XUESHI_CREDENTIAL_KEY")})
    running = serving.serve(fresh_database_url(folder, "production", PG_URL), folder, workers=2, consumer=False,
                            extra_env=extra)
    try:
        _flask(running.env, "init")
        _flask(running.env, "create-user", "--permanent", "--username", "assoc", "--password", PASSWORD,
               "--role", "association_admin")
        _enrol_second_factor(running.env["XUESHI_DATABASE_URL"], "assoc")
        running.start_consumer()
        running.wait_ready(timeout=120)
        yield running
    finally:
        serving.stop_all(running)
        redis.Redis.from_url(REDIS_URL).flushdb()


def _enrol_second_factor(url: str, username: str) -> None:
    """The association login signs in with TOTP: enrol the tests' secret (as the server's key)."""
    from app import create_app
    from app.extensions import db
    from app.security import mfa

    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                        "XUESHI_DIGEST_KEY": PRODUCTION["XUESHI_DIGEST_KEY"]})
    with other.app_context():
        mfa.enrol_with_secret(other.appbuilder.sm.find_user(username=username), TOTP_SECRET)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _login(base: str, password: str, client: str = "203.0.113.1"):
    """A login through the proxy (127.0.0.1) for `client`: limits count per client."""
    import pyotp

    req = urllib.request.Request(base + "/api/v1/security/login", method="POST",
                                 data=json.dumps({"username": "assoc", "password": password,
                                                  "provider": "db",
                                                  "totp": pyotp.TOTP(TOTP_SECRET).now()}).encode(),
                                 headers={"Content-Type": "application/json",
                                          "X-Forwarded-For": client})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        body = exc.read()
        exc.close()
        return exc.code, body


@pytest.mark.slow
def test_a_job_runs_on_the_redis_queue(production):
    ready = json.loads(serving.get(production.base + "/readyz")[2])
    assert ready["checks"]["queue"] == "redis" and ready["status"] == "ok", ready
    status, login = _login(production.base, PASSWORD)
    assert status == 200, login
    auth = {"Authorization": f"Bearer {login['access_token']}", "Content-Type": "application/json"}
    req = urllib.request.Request(production.base + "/api/v1/ledger/recompute", method="POST",
                                 data=b'{"year": 2026}', headers=auth)
    with urllib.request.urlopen(req, timeout=30) as resp:
        started = json.loads(resp.read())
        assert resp.status == 202
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = json.loads(serving.get(production.base + started["url"], headers=auth)[2])["result"]
        if job["state"] in ("done", "failed"):
            break
        time.sleep(0.3)
    assert job["state"] == "done", job


@pytest.mark.slow
def test_production_sends_hsts_and_secure_cookies_by_default(production):
    assert "XUESHI_SESSION_COOKIE_SECURE" not in production.env
    req = urllib.request.Request(production.base + "/login/", headers={"X-Forwarded-Proto": "https"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert "max-age=" in resp.headers["Strict-Transport-Security"]
        cookies = resp.headers.get_all("Set-Cookie") or []
    assert cookies and all("Secure" in c and "HttpOnly" in c for c in cookies), cookies


@pytest.mark.slow
def test_a_login_limit_of_ten_a_minute_holds_across_both_workers(production):
    answers = [_login(production.base, "wrong-password-1A!", client="203.0.113.50")[0]
               for _ in range(24)]
    assert answers[:10] == [401] * 10 and answers[10:] == [429] * 14, answers
    served_by = {line["pid"] for line in map(json.loads, production.log("access").splitlines())
                 if line.get("path") == "/api/v1/security/login"}
    assert len(served_by) == 2  # both workers answered, and they counted together



@pytest.fixture(scope="module")
def on_production(production):
    """The production database seeded with the tests' world, and an API client of
    an app in this process on the same database, files and keys (to set classes up)."""
    from app import create_app
    from app.extensions import db
    from tests.conftest import api_login, seed_world

    url, folder = production.env["XUESHI_DATABASE_URL"], production.folder
    settings = app_overrides(url, folder)
    settings.update(XUESHI_AUDIT_KEY_FILE=str(folder / "audit_key"),
                    XUESHI_DIGEST_KEY=production.env["XUESHI_DIGEST_KEY"])
    setup = create_app(settings)
    with setup.app_context():
        world = seed_world(setup)
        db.session.remove()
    client, tokens = setup.test_client(), {}

    def api(key, method, path, **kwargs):
        if key not in tokens:
            resp = api_login(setup, client, key, refresh=False)
            tokens[key] = {"Authorization": f"Bearer {resp.json['access_token']}"}
        return client.open(path, method=method, headers=tokens[key], **kwargs)

    engine = create_engine(url)
    try:
        yield setup, world, api, engine
    finally:
        engine.dispose()
        with setup.app_context():
            db.session.remove()
            db.engine.dispose()


def _association_login(production, setup) -> dict:
    """The seeded association login on the server ("assoc" is locked by the wrong
    passwords above), from a client of its own."""
    from tests.conftest import totp_code
    from tests.test_runtime import _post_json

    status, login = _post_json(production.base + "/api/v1/security/login", {
        "username": "association_admin", "password": PASSWORD, "provider": "db",
        "totp": totp_code(setup, "association_admin")}, {"X-Forwarded-For": "203.0.113.2"})
    assert status == 200, login
    return {"Authorization": f"Bearer {login['access_token']}"}


@pytest.mark.slow
def test_a_consumer_killed_mid_batch_on_redis_writes_every_certificate_once(production,
                                                                             on_production):
    from tests.test_runtime import (
        assert_each_certificate_once, class_awaiting_approval, kill_mid_batch_and_finish,
    )

    setup, world, api, engine = on_production
    total = 40
    class_id = class_awaiting_approval(setup, api, world, total)
    kill_mid_batch_and_finish(production, engine, class_id, _association_login(production, setup),
                              total)
    assert_each_certificate_once(setup, engine, production.folder / "uploads", class_id, total)


@pytest.mark.slow
def test_a_certificate_batch_started_twice_writes_each_certificate_once(production,
                                                                        on_production):
    """The approval's job and a second job for the same class, started at once from
    another process, run side by side on the consumer's two threads."""
    from tests.test_runtime import (
        _post_json, certificate_files, certificate_jobs, class_awaiting_approval, stored_names,
    )

    setup, world, api, engine = on_production
    total = 30
    class_id = class_awaiting_approval(setup, api, world, total)
    status, answer = _post_json(production.base + f"/api/v1/training_class/{class_id}/step/approve",
                                {}, _association_login(production, setup))
    assert status == 200, answer
    started = subprocess.run([sys.executable, "-c", SECOND_BATCH, "association_admin",
                              str(class_id)], cwd=serving.ROOT, env=production.env,
                             capture_output=True, text=True, timeout=300)
    assert started.returncode == 0, started.stderr[-2000:]
    assert serving.wait_for(lambda: {state for state, *_ in certificate_jobs(engine, class_id)}
                            <= {"done"}, 240), certificate_jobs(engine, class_id)
    runs = certificate_jobs(engine, class_id)
    assert len(runs) == 2 and all(done == job_total == total for _, _, done, job_total in runs), runs
    with engine.connect() as conn:
        from app.models import Certificate

        names = conn.execute(select(Certificate.stored_name)
                             .where(Certificate.class_id == class_id)).scalars().all()
    assert len(names) == len(set(names)) == total and None not in names
    assert certificate_files(production.folder / "uploads") <= stored_names(engine)


# a second certificates job for a class, as its starter, on the queue of the environment
SECOND_BATCH = """
import sys
from app import create_app, jobs
from app.security.scope import scope_for_user
from app.services import audit

app = create_app()
with app.app_context(), audit.acting_as("tests:second-batch"):
    user = app.appbuilder.sm.find_user(username=sys.argv[1])
    print(jobs.start("certificates", scope_for_user(user), class_id=int(sys.argv[2])).id)
"""
