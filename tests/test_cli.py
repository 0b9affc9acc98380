"""The `flask xueshi` commands, run as an operator would, on a fresh database (each
command a process of its own: `init` and `demo` a new interpreter, the others forked from
one that has done the imports, tests/cli_fork.py)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_fork import Forks
from tests.conftest import fresh_database_url, sign_in

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
    """`init` then `demo` on the fresh install, each a new interpreter as an operator starts it."""
    first = flask(fresh, "init")
    assert first.returncode == 0, first.stderr
    assert "演示签章证书" in first.stdout  # demo mode: a self-signed signer, and it says so
    assert (Path(fresh["XUESHI_INSTANCE_DIR"]) / "demo-signer.p12").exists()
    result = flask(fresh, "demo")
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def forks(fresh, demo):
    """The other commands, each in a process of its own forked once the imports are done
    (tests/cli_fork.py): the same commands as `python -m flask …` at a third of the cost."""
    helper = Forks(fresh, ROOT)
    yield helper
    helper.close()


def cli(forks, *args):
    return forks.run("--app", "app", "xueshi", *args)


def test_init_is_idempotent_and_says_so_in_chinese(forks):
    again = cli(forks, "init")  # a second init, on the installed demo data
    assert again.returncode == 0, again.stderr
    assert "角色权限已同步" in again.stdout
    assert "演示签章证书" not in again.stdout  # the demo signer is made once


def test_demo_prints_one_login_per_role(demo):
    for role in ("association_admin", "authority_staff", "base_staff", "unit_reviewer",
                 "professional", "district_officer", "auditor", "Admin"):
        assert re.search(rf"^\s+{role}\s+\S+\s+\S{{10,}}", demo, re.M), role


def test_demo_says_where_certificate_qr_codes_point(fresh, demo):
    base = fresh.get("XUESHI_PUBLIC_BASE_URL", "http://127.0.0.1:8080").rstrip("/")
    assert f"证书二维码指向 {base}/verify/" in demo


def test_demo_logins_work(fresh, demo):
    from app import create_app

    env_backup = dict(os.environ)
    os.environ.update({k: fresh[k] for k in ("XUESHI_INSTANCE_DIR", "XUESHI_DATABASE_URL")})
    try:
        demo_app = create_app({"WTF_CSRF_ENABLED": False})
    finally:
        os.environ.clear()
        os.environ.update(env_backup)
    logins = re.findall(r"^ +(\w+) +(\w+) +(\S+).*?(?:TOTP (\w+))?$", demo, re.M)
    assert len(logins) == 8
    # the privileged demo logins come with their second factor set up, and say so
    assert {role for role, _u, _p, secret in logins if secret} == {"association_admin", "auditor", "Admin"}
    for _role, username, password, secret in logins:
        client = demo_app.test_client()
        resp = sign_in(demo_app, client, username, password, secret=secret or None)
        assert resp.status_code == 302 and "/login/" not in resp.headers["Location"], username
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


def test_demo_again_issues_new_passwords(fresh, demo, forks):
    again = cli(forks, "demo")
    assert again.returncode == 0
    old = dict(re.findall(r"^\s+\w+\s+(\w+)\s+(\S+)", demo, re.M))
    new = dict(re.findall(r"^\s+\w+\s+(\w+)\s+(\S+)", again.stdout, re.M))
    assert old.keys() == new.keys() and all(old[u] != new[u] for u in old)


@pytest.mark.parametrize("args,message", [
    (["--role", "wizard"], "未知角色"),
    # the same Chinese refusals as the account form's (which names no flag)
    (["--role", "district_officer"], "须选择一个区(市)"),
    (["--role", "district_officer", "--district", "999999"], "没有与 999999 对应的区(市)"),
    (["--role", "district_officer", "--unit", "91370200163562681G"], "须选择一个区(市),且只选这一项"),
    (["--role", "auditor", "--district", "370202"], "无需选择数据范围"),
    (["--role", "professional", "--person", "110105194912310021"], "校验码"),
])
def test_create_user_refuses_bad_roles_and_scopes(fresh, demo, forks, args, message):
    result = cli(forks, "create-user", "--username", "probe", "--password", "Check-Pass-2026", *args)
    assert result.returncode == 2
    assert message in result.stderr


def test_create_user_refuses_a_weak_password(fresh, demo, forks):
    result = cli(forks, "create-user", "--username", "probe", "--password", "password",
                   "--role", "auditor")
    assert result.returncode == 2 and "密码" in result.stderr


def test_create_user_then_duplicate(fresh, demo, forks):
    ok = cli(forks, "create-user", "--username", "officer2", "--password", "Officer-Pass-2026",
               "--role", "district_officer", "--district", "370203")
    assert ok.returncode == 0, ok.stderr
    dup = cli(forks, "create-user", "--username", "officer2", "--password", "Officer-Pass-2026",
                "--role", "district_officer", "--district", "370203")
    assert dup.returncode == 2 and "已存在" in dup.stderr


def test_reset_2fa_removes_the_second_factor_and_is_audited(fresh, demo, forks):
    from sqlalchemy import create_engine, text

    assert cli(forks, "reset-2fa", "--username", "nobody-here").returncode == 2
    result = cli(forks, "reset-2fa", "--username", "shenji")
    assert result.returncode == 0, result.stderr
    engine = create_engine(fresh["XUESHI_DATABASE_URL"])
    with engine.connect() as conn:
        state = conn.execute(text("SELECT s.totp_secret, s.totp_enabled_at FROM login_state s "
                                  "JOIN ab_user u ON u.id = s.user_id WHERE u.username = 'shenji'")).one()
        codes = conn.execute(text("SELECT count(*) FROM recovery_code r JOIN ab_user u "
                                  "ON u.id = r.user_id WHERE u.username = 'shenji'")).scalar()
        entry = conn.execute(text("SELECT username FROM audit_entry WHERE action = 'event' "
                                  "AND table_name = 'mfa.reset' AND record_id = 'shenji'")).one()
    engine.dispose()
    assert state == (None, None) and codes == 0
    assert entry.username == "cli:reset-2fa"
    assert cli(forks, "audit-verify").returncode == 0


def test_grant_role_and_purge_tokens_at_deploy_time(fresh, demo, forks):
    from sqlalchemy import create_engine, text

    made = cli(forks, "create-user", "--username", "deploy2", "--password", "Deploy-Pass-2026",
                 "--role", "district_officer", "--district", "370203")
    assert made.returncode == 0, made.stderr
    assert cli(forks, "grant-role", "--username", "deploy2", "--role", "wizard").returncode == 2
    granted = cli(forks, "grant-role", "--username", "deploy2", "--role", "auditor")
    assert granted.returncode == 0 and "审计员" in granted.stdout, granted.stderr
    engine = create_engine(fresh["XUESHI_DATABASE_URL"])
    with engine.connect() as conn:
        roles = conn.execute(text("SELECT r.name FROM ab_user_role ur JOIN ab_role r ON r.id = ur.role_id "
                                  "JOIN ab_user u ON u.id = ur.user_id WHERE u.username = 'deploy2'"))
        entry = conn.execute(text("SELECT username, after FROM audit_entry WHERE action = 'event' "
                                  "AND table_name = 'role.approved' AND record_id = 'deploy2'")).one()
        assert [r.name for r in roles] == ["auditor"]
    engine.dispose()
    assert entry.username == "cli:grant-role" and '"by":"cli"' in entry.after
    purged = cli(forks, "purge-tokens")
    assert purged.returncode == 0 and "刷新令牌" in purged.stdout, purged.stderr


def test_audit_verify_passes_on_a_fresh_install(fresh, demo, forks):
    result = cli(forks, "audit-verify")
    assert result.returncode == 0 and "审计链完整" in result.stdout


def test_the_demo_claims_say_when_they_were_submitted_and_reviewed(fresh, demo):
    """The reviewer's claim list shows 提交时间 for the submitted demo claim, the approved
    one its 审核时间 too: no blank dates beside 已提交 / 已批准."""
    from sqlalchemy import create_engine, text

    engine = create_engine(fresh["XUESHI_DATABASE_URL"])
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT state, submitted_at, reviewed_at FROM claim")).all()
    engine.dispose()
    assert {state for state, *_ in rows} == {"draft", "submitted", "approved"}
    for state, submitted_at, reviewed_at in rows:
        assert (submitted_at is not None) == (state != "draft"), state
        assert (reviewed_at is not None) == (state == "approved"), state
