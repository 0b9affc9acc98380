"""Shared fixtures: one app and one seeded world per test session.

The database is SQLite by default; set XUESHI_TEST_DATABASE_URL to run the
same suite on PostgreSQL (scripts/test.sh runs both). The world has two of
everything (side A and side B) so every scope test has rows out of reach.
Tests that write create their own rows, so the shared world stays as seeded.
"""
from __future__ import annotations

import fcntl
import gc
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import URL, Engine, make_url
from werkzeug.security import generate_password_hash

from tests import factories

PASSWORD = "Test-Pass-2026!"
# the seeded logins whose role requires a second factor are enrolled with this secret
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
TEST_DB_ENV = "XUESHI_TEST_DATABASE_URL"
# Tests hash passwords with a cheap scrypt (production keeps werkzeug's default,
# N=32768): a login or a new account costs milliseconds, not a fifth of a second.
TEST_HASH_METHOD = "scrypt:1024:8:1"
TEST_FAKE_HASH = generate_password_hash("password", method=TEST_HASH_METHOD)


@event.listens_for(Engine, "connect")
def _sqlite_without_fsync(dbapi_connection, connection_record) -> None:
    """The test databases are thrown away: SQLite need not wait for the disk on
    every commit (a killed process still loses nothing; only a power cut would)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()


# pytest-xdist runs the suite in several processes ("gw0", "gw1"…); each has its own
# databases (its PostgreSQL names end in _gw0…), instance dir and live-server ports.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _worker_url(base: str, name: str = "") -> URL:
    """The PostgreSQL database `base`, for this worker and, if named, a database beside it."""
    url = make_url(base)
    return url.set(database="_".join(part for part in (url.database, WORKER, name) if part))


def _recreate_pg(url: URL, template: str | None = None) -> str:
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        copy = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{url.database}"{copy}'))
    engine.dispose()
    return url.render_as_string(hide_password=False)


def app_overrides(url: str, instance: Path) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        # These tests probe authorisation and workflows through the test client,
        # which does not carry CSRF tokens; CSRF itself is covered by
        # test_security.py (a CSRF-on app) and the browser tests.
        "WTF_CSRF_ENABLED": False,
        "FAB_PASSWORD_HASH_METHOD": TEST_HASH_METHOD,
        "AUTH_DB_FAKE_PASSWORD_HASH_CHECK": TEST_FAKE_HASH,
        "AUTH_RATE_LIMIT": "10000 per minute",
        # Many tests sign in from the test client's one address; the CAPTCHA and the
        # per-account limit are tested on apps with the real settings (test_identity.py).
        "XUESHI_ACCOUNT_RATE_LIMIT": "10000 per minute",
        "XUESHI_CAPTCHA_AFTER": 1000,
        "XUESHI_VERIFY_RATE_LIMIT": "10000 per minute",
        # uploads are handled in the request unless a test lowers this (tests/test_jobs.py)
        "XUESHI_JOB_ROWS": 100_000,
        # jobs (certificate PDFs…) run inline on an in-memory queue, so tests read
        # their results at once (tests/test_jobs.py starts a real consumer)
        "XUESHI_JOBS_IMMEDIATE": True,
        "XUESHI_UPLOAD_DIR": str(instance / "uploads"),
        # the shared logins check many numbers; tests/test_hardening.py sets its own limits
        "XUESHI_LOOKUP_ROWS_PER_DAY": 10_000_000,
        "XUESHI_LOOKUP_FILES_PER_DAY": 100_000,
        "XUESHI_LOOKUP_NOT_FOUND_PER_DAY": 10_000_000,
    }


@dataclass
class World:
    """Ids of the seeded rows, by side ("A" in the users' scope, "B" outside)."""

    district: dict = field(default_factory=dict)
    department: dict = field(default_factory=dict)
    unit: dict = field(default_factory=dict)
    base: dict = field(default_factory=dict)
    person: dict = field(default_factory=dict)
    id_number: dict = field(default_factory=dict)
    credit_code: dict = field(default_factory=dict)


# login key -> (role, scope option, side)
USERS = {
    "association_admin": ("association_admin", None, None),
    "authority_staff": ("authority_staff", "department", "A"),
    "base_staff": ("base_staff", "base", "A"),
    "unit_reviewer": ("unit_reviewer", "unit", "A"),
    "professional": ("professional", "person", "A"),
    "district_officer": ("district_officer", "district", "A"),
    "auditor": ("auditor", None, None),
    "Admin": ("Admin", None, None),
    "base_staff_b": ("base_staff", "base", "B"),
    "unit_reviewer_b": ("unit_reviewer", "unit", "B"),
}
ROLES = [k for k in USERS if not k.endswith("_b")]


def seed_world(app) -> World:
    from app.extensions import db
    from app.models import Department, District, Person, TrainingBase, Unit
    from app.security import mfa
    from app.services import accounts, audit
    from sqlalchemy import select

    world = World()
    with audit.acting_as("tests:seed"):
        for side, code in (("A", "370202"), ("B", "370203")):
            district = db.session.execute(select(District).where(District.code == code)).scalar_one()
            dept = Department(name=f"测试主管部门{side}")
            unit = Unit(name=f"测试用人单位{side}", credit_code=factories.credit_code(code),
                        district=district, department=dept)
            base = TrainingBase(code=f"TB-{side}", name=f"测试继续教育基地{side}", department=dept)
            person = Person(id_number=factories.id_number(code), name=f"测试人员{side}", unit=unit,
                            series="engineering", title_level="intermediate")
            db.session.add_all([dept, unit, base, person])
            db.session.flush()
            world.district[side] = district.id
            world.department[side] = dept.id
            world.unit[side] = unit.id
            world.base[side] = base.id
            world.person[side] = person.id
            world.id_number[side] = person.id_number
            world.credit_code[side] = unit.credit_code
        db.session.commit()
        for key, (role, option, side) in USERS.items():
            scope_targets = {}
            if option == "district":
                scope_targets = {"district": "370202" if side == "A" else "370203"}
            elif option == "department":
                scope_targets = {"department": f"测试主管部门{side}"}
            elif option == "unit":
                scope_targets = {"unit": world.credit_code[side]}
            elif option == "base":
                scope_targets = {"base": f"TB-{side}"}
            elif option == "person":
                scope_targets = {"person": world.id_number[side]}
            user = accounts.create_user(app.appbuilder, username=key, password=PASSWORD, role=role,
                                        targets=scope_targets, full_name=key)
            if mfa.required(user):
                mfa.enrol_with_secret(user, TOTP_SECRET)
                db.session.commit()
    return world


def pytest_collection_modifyitems(items) -> None:
    """The files that hold slow tests run first: scripts/test.sh spreads the files over
    pytest-xdist workers in this order (--no-loadscope-reorder), so the long files start
    at once and the short ones fill in beside them instead of waiting at the end."""
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow)


# Migrating a database and syncing FAB's roles and permissions (`xueshi init`'s
# accounts.initialise) costs far more than the rest of an app's start. A test run does
# it once, in whichever worker first asks, into a template database; every database
# that needs that state (the session's, the OpenAPI fuzz's…) is a copy of it (SQLite: a
# file copy; PostgreSQL: CREATE DATABASE … TEMPLATE). The app code is unchanged: the
# copy holds exactly the rows `upgrade(); initialise()` writes. The template's instance
# keys (secret, digest, audit chain) go to every worker's instance dir, so the copied
# audit chain verifies there. The template lives in the run's shared temporary root
# (one pytest-N dir for all xdist workers), so each run builds its own.
TEMPLATE_KEYS = ("secret_key", "digest_key", "audit_key")
TEMPLATE = {}


def _run_root(tmp_path_factory) -> Path:
    base = tmp_path_factory.getbasetemp()
    return base.parent if WORKER else base


def _template_name(base: str) -> str:
    return f"{make_url(base).database}_template"


def _build_template(root: Path, instance: Path) -> None:
    """Migrate and initialise a fresh database with this worker's instance keys, then
    keep it (and the keys) as the run's template."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.services import accounts

    base = os.environ.get(TEST_DB_ENV)
    if base:
        url = _recreate_pg(make_url(base).set(database=_template_name(base)))
    else:
        url = f"sqlite:///{root / 'xueshi-template.db'}"
    builder = create_app(app_overrides(url, instance))
    with builder.app_context():
        upgrade()
        accounts.initialise(builder.appbuilder)
        if base:
            # no autovacuum ANALYZE in the middle of a run: a test table's statistics (a few
            # hundred rows) would plan queries unlike a city's, and a plan test (tests/plans.py)
            # would turn on when autovacuum last came by
            for table in sa_inspect(db.engine).get_table_names():
                db.session.execute(text(f'ALTER TABLE "{table}" SET (autovacuum_enabled = false)'))
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    del builder
    keys = root / "template-keys"
    keys.mkdir(exist_ok=True)
    for name in TEMPLATE_KEYS:
        if (instance / name).exists():
            shutil.copy2(instance / name, keys / name)


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("instance")
    os.environ["XUESHI_INSTANCE_DIR"] = str(path)
    root = _run_root(tmp_path_factory)
    backend = "pg" if os.environ.get(TEST_DB_ENV) else "sqlite"
    with open(root / "template.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other workers wait for the first one's build
        done = root / f"template-{backend}.done"
        if not done.exists():
            _build_template(root, path)
            done.touch()
        for name in TEMPLATE_KEYS:
            key = root / "template-keys" / name
            if key.exists() and not (path / name).exists():
                shutil.copy2(key, path / name)
    TEMPLATE["root"] = root
    return path


def initialised_database_url(instance: Path, name: str = "") -> str:
    """A database on the test backend as `upgrade(); accounts.initialise()` leaves it
    (migrated, roles and permissions synced, districts loaded): a copy of the run's
    template. The session's one, or the one called `name` beside it."""
    base = os.environ.get(TEST_DB_ENV)
    root = TEMPLATE["root"]
    with open(root / "template.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # PostgreSQL copies a template no one is connected to
        if base:
            return _recreate_pg(_worker_url(base, name), template=_template_name(base))
        path = instance / f"{name or 'xueshi-test'}.db"
        shutil.copyfile(root / "xueshi-template.db", path)
        return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def app(instance_dir):
    from app import create_app
    from app.extensions import db
    from app.pdf import sign
    from app.services import credentials

    url = initialised_database_url(instance_dir)
    application = create_app(app_overrides(url, instance_dir))
    with application.app_context():
        sign.create_demo_signer(instance_dir)  # as `xueshi init` does outside production
        credentials.create_demo_key(instance_dir)
        application.config["TEST_WORLD"] = seed_world(application)
        db.session.remove()
    # The session's app lives as long as the run: the collector need not walk its
    # objects again at every full collection.
    gc.collect()
    gc.freeze()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def world(app) -> World:
    return app.config["TEST_WORLD"]


@pytest.fixture()
def ctx(app):
    """An app context for calling services directly; the session is cleaned after."""
    from app.extensions import db

    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()


def totp_code(app, username: str, secret: str | None = None) -> str:
    """The login's current TOTP code, made usable again: a code is good once
    (the last used time step is kept), and tests sign in many times a step."""
    import pyotp
    from sqlalchemy import update

    from app.extensions import db
    from app.models import LoginState
    from app.security import identity, mfa

    with app.app_context():
        user = app.appbuilder.sm.find_user(username=username)
        state = identity.state_of(user.id)
        secret = secret or mfa.secret_of(state) or TOTP_SECRET
        db.session.execute(update(LoginState).where(LoginState.user_id == user.id)
                           .values(totp_last_step=0))
        db.session.commit()
        db.session.remove()
    return pyotp.TOTP(secret).now()


def sign_in(app, client, username: str, password: str = PASSWORD, *, secret: str | None = None,
            **extra):
    """The login form, and the second-factor step when the login has one."""
    resp = client.post("/login/", data={"username": username, "password": password, **extra})
    if resp.status_code == 302 and resp.headers["Location"].endswith("/login/code"):
        resp = client.post("/login/code", data={"code": totp_code(app, username, secret)})
    return resp


def api_login(app, client, username: str, password: str = PASSWORD, **body):
    """POST /api/v1/security/login, with the TOTP code when the login has a second factor."""
    from app.extensions import db
    from app.security import identity, mfa

    with app.app_context():
        user = app.appbuilder.sm.find_user(username=username)
        enrolled = user is not None and mfa.enrolled(identity.state_of(user.id))
        db.session.remove()
    payload = {"username": username, "password": password, "provider": "db", **body}
    if enrolled and "totp" not in body:
        payload["totp"] = totp_code(app, username)
    return client.post("/api/v1/security/login", json=payload)


def login_client(app, username: str, password: str = PASSWORD):
    client = app.test_client()
    resp = sign_in(app, client, username, password)
    assert resp.status_code == 302 and "/login/" not in resp.headers["Location"], \
        f"login failed for {username}"
    return client


@pytest.fixture(scope="session")
def clients(app):
    """A logged-in test client per login key, created on first use and signed in
    again before its session's lifetime runs out (a slow run outlives one)."""
    cache, issued = {}, {}

    def get(key: str):
        if key not in cache or time.monotonic() - issued[key] > 600:
            issued[key] = time.monotonic()
            cache[key] = login_client(app, key)
        return cache[key]

    return get


@pytest.fixture(scope="session")
def tokens(app):
    """A JWT access token per login key, created on first use and renewed before
    its 15 minutes run out (a slow run outlives one token)."""
    cache, issued = {}, {}

    def get(key: str, renew_after: float = 600) -> dict:
        if key not in cache or time.monotonic() - issued[key] > renew_after:
            issued[key] = time.monotonic()
            resp = api_login(app, app.test_client(), key, refresh=False)
            assert resp.status_code == 200, resp.get_data(as_text=True)
            cache[key] = {"Authorization": f"Bearer {resp.json['access_token']}"}
        return cache[key]

    def renew_older_than(seconds: float) -> None:
        """Renew now every token older than `seconds`: a measurement that follows
        (tests/test_oracle_timing.py) sees no login in the middle of it."""
        for key in list(cache):
            get(key, renew_after=seconds)

    get.renew_older_than = renew_older_than
    app.config["TEST_TOKENS"] = get
    return get


@pytest.fixture()
def api(app, tokens):
    """api(role, method, url, json=None) -> response, with the role's JWT."""
    client = app.test_client()

    def call(key: str, method: str, url: str, **kwargs):
        return client.open(url, method=method, headers=tokens(key), **kwargs)

    return call


def fresh_database_url(instance: Path, name: str = "", base: str | None = None) -> str:
    """An empty database on the test backend (or on the PostgreSQL server of `base`):
    the session's one, or the one called `name` beside it."""
    base = base or os.environ.get(TEST_DB_ENV)
    if base:
        return _recreate_pg(_worker_url(base, name))
    path = instance / f"{name or 'xueshi-test'}.db"
    path.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _app_builder(app, instance_dir):
    """build(**settings) -> another app on the session's database; release() lets go
    of every app built, so they do not pile up in the heap until the session ends."""
    from app import create_app
    from app.extensions import db

    made = []

    def build(**settings):
        overrides = app_overrides(app.config["SQLALCHEMY_DATABASE_URI"], instance_dir)
        overrides.update(settings)
        other = create_app(overrides)
        made.append(other)
        return other

    def release():
        for other in made:
            with other.app_context():
                db.session.remove()
                db.engine.dispose()
        made.clear()

    return build, release


@pytest.fixture()
def make_app(app, instance_dir):
    """Another app on the same database with other settings (CSRF on, limits…),
    released when the test ends."""
    build, release = _app_builder(app, instance_dir)
    yield build
    release()


@pytest.fixture(scope="session")
def session_make_app(app, instance_dir):
    """make_app for session fixtures: the apps live until the session ends."""
    build, release = _app_builder(app, instance_dir)
    yield build
    release()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
LIVE = {}  # the app behind live_url (second-factor codes are made against its database)


@pytest.fixture(scope="session")
def csrf_app(session_make_app):
    """The app with CSRF on, as it runs for real, built once a session: the browser tests
    are served by it and the CSRF tests post to it (each test with a client of its own).
    A test that needs other settings as well builds its own (make_app)."""
    return session_make_app(WTF_CSRF_ENABLED=True)


@pytest.fixture(scope="session")
def live_url(csrf_app):
    """The app (CSRF on) served on a free port for the browser tests, once a session."""
    import threading

    from werkzeug.serving import make_server

    served = csrf_app
    LIVE["app"] = served
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="module")
def browser():
    """Debian Chromium through Playwright, started once a module (each test opens its pages).
    Not once a session: Playwright's event loop would stay running in the main thread,
    and every later asyncio.run (pyHanko's signing) would fail."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()
