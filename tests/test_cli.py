"""The `flask xueshi` commands, run as an operator would, on a fresh database."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import fresh_database_url

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def fresh(instance_dir, tmp_path_factory):
    """Environment for a brand-new install: its own database and instance dir."""
    inst = tmp_path_factory.mktemp("cli-instance")
    env = dict(os.environ, XUESHI_INSTANCE_DIR=str(inst),
               XUESHI_DATABASE_URL=fresh_database_url(instance_dir, "cli"))
    return env


def flask(env, *args):
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", "xueshi", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def demo(fresh):
    first = flask(fresh, "init")
    assert first.returncode == 0, first.stderr
    assert "演示签章证书" in first.stdout  # demo mode: a self-signed signer, and it says so
    assert (Path(fresh["XUESHI_INSTANCE_DIR"]) / "demo-signer.p12").exists()
    second = flask(fresh, "init")
    assert second.returncode == 0, second.stderr
    assert "演示签章证书" not in second.stdout  # made once
    result = flask(fresh, "demo")
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_init_is_idempotent_and_says_so_in_chinese(fresh, demo):
    again = flask(fresh, "init")
    assert again.returncode == 0
    assert "角色权限已同步" in again.stdout


def test_demo_prints_one_login_per_role(demo):
    for role in ("association_admin", "authority_staff", "base_staff", "unit_reviewer",
                 "professional", "district_officer", "auditor", "Admin"):
        assert re.search(rf"^\s+{role}\s+\S+\s+\S{{10,}}", demo, re.M), role


def test_demo_logins_work(fresh, demo):
    from app import create_app

    env_backup = dict(os.environ)
    os.environ.update({k: fresh[k] for k in ("XUESHI_INSTANCE_DIR", "XUESHI_DATABASE_URL")})
    try:
        demo_app = create_app({"WTF_CSRF_ENABLED": False})
    finally:
        os.environ.clear()
        os.environ.update(env_backup)
    logins = re.findall(r"^\s+(\w+)\s+(\w+)\s+(\S+)", demo, re.M)
    assert len(logins) == 8
    for _role, username, password in logins:
        client = demo_app.test_client()
        assert client.post("/login/", data={"username": username, "password": password}).status_code == 302
        assert "退出" in client.get("/").get_data(as_text=True) or "注销" in client.get("/").get_data(as_text=True)
    from app.extensions import db
    from app.models import Person, Unit
    from app.validators import normalize_credit_code, normalize_id_number
    from sqlalchemy import func, select

    with demo_app.app_context():
        people = db.session.execute(select(Person.id_number)).scalars().all()
        assert 190 <= len(people) <= 210
        for number in people:
            normalize_id_number(number)
        for code in db.session.execute(select(Unit.credit_code)).scalars():
            normalize_credit_code(code)
        assert db.session.execute(select(func.count(func.distinct(Unit.district_id)))).scalar() >= 5
        db.session.remove()
        db.engine.dispose()


def test_demo_again_issues_new_passwords(fresh, demo):
    again = flask(fresh, "demo")
    assert again.returncode == 0
    old = dict(re.findall(r"^\s+\w+\s+(\w+)\s+(\S+)", demo, re.M))
    new = dict(re.findall(r"^\s+\w+\s+(\w+)\s+(\S+)", again.stdout, re.M))
    assert old.keys() == new.keys() and all(old[u] != new[u] for u in old)


@pytest.mark.parametrize("args,message", [
    (["--role", "wizard"], "未知角色"),
    (["--role", "district_officer"], "--district"),
    (["--role", "district_officer", "--district", "999999"], "找不到"),
    (["--role", "district_officer", "--unit", "91370200163562681G"], "--district"),
    (["--role", "auditor", "--district", "370202"], "不需要"),
    (["--role", "professional", "--person", "110105194912310021"], "校验码"),
])
def test_create_user_refuses_bad_roles_and_scopes(fresh, demo, args, message):
    result = flask(fresh, "create-user", "--username", "probe", "--password", "Check-Pass-2026", *args)
    assert result.returncode == 2
    assert message in result.stderr


def test_create_user_refuses_a_weak_password(fresh, demo):
    result = flask(fresh, "create-user", "--username", "probe", "--password", "password",
                   "--role", "auditor")
    assert result.returncode == 2 and "密码" in result.stderr


def test_create_user_then_duplicate(fresh, demo):
    ok = flask(fresh, "create-user", "--username", "officer2", "--password", "Officer-Pass-2026",
               "--role", "district_officer", "--district", "370203")
    assert ok.returncode == 0, ok.stderr
    dup = flask(fresh, "create-user", "--username", "officer2", "--password", "Officer-Pass-2026",
                "--role", "district_officer", "--district", "370203")
    assert dup.returncode == 2 and "已存在" in dup.stderr


def test_audit_verify_passes_on_a_fresh_install(fresh, demo):
    result = flask(fresh, "audit-verify")
    assert result.returncode == 0 and "审计链完整" in result.stdout
