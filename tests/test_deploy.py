"""The deployment files in deploy/ parse and name commands that exist."""
from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNITS = sorted(DEPLOY.glob("*.service")) + sorted(DEPLOY.glob("*.timer"))
VENV_BIN = "/opt/xueshi/.venv/bin/"


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str
    parser.read_string(path.read_text())
    return parser


def _env_example() -> dict:
    pairs = {}
    for line in (DEPLOY / "xueshi.env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, value = line.split("=", 1)
            pairs[key] = value
    return pairs


def test_there_are_units_for_web_and_worker_and_no_second_scheduler():
    names = {p.name for p in UNITS}
    assert {"xueshi-web.service", "xueshi-worker.service"} <= names
    # backups, anchors, archives, reminders are the consumer's schedule (app/jobs/tasks.py)
    assert not [p for p in UNITS if p.suffix == ".timer"]


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_each_unit_parses_and_runs_a_real_command(path):
    from app.cli import xueshi

    unit = _unit(path)
    assert unit.has_section("Unit")
    if path.suffix == ".timer":
        assert unit["Timer"]["OnCalendar"]
        assert (DEPLOY / path.name.replace(".timer", ".service")).exists()
        return
    service = unit["Service"]
    assert service["EnvironmentFile"] == "/etc/xueshi/xueshi.env"
    for key in ("ExecStart", "ExecStartPost"):
        if key not in service:
            continue
        argv = shlex.split(service[key])
        assert argv[0].startswith(VENV_BIN)
        program = argv[0][len(VENV_BIN):]
        if program == "gunicorn":
            assert argv[1] == "-c" and (ROOT / Path(argv[2]).name).exists()
            continue
        assert program == "flask" and argv[1:4] == ["--app", "app", "xueshi"], argv
        command = xueshi.commands[argv[4]]
        options = {opt for param in command.params for opt in param.opts}
        for word in argv[5:]:
            if word.startswith("--"):
                assert word in options, (argv[4], word)


def test_the_environment_example_is_ready_for_production():
    from app.runtime import production_problems

    env = _env_example()
    assert production_problems({
        "XUESHI_SECRET_FROM_ENV": True, "SECRET_KEY": env["XUESHI_SECRET_KEY"],
        "XUESHI_PUBLIC_BASE_URL_FROM_ENV": True, "XUESHI_PUBLIC_BASE_URL": env["XUESHI_PUBLIC_BASE_URL"],
        "SQLALCHEMY_DATABASE_URI": env["XUESHI_DATABASE_URL"], "XUESHI_REDIS_URL": env["XUESHI_REDIS_URL"],
        "RATELIMIT_STORAGE_URI": env["XUESHI_REDIS_URL"]}) == []
    known = set(re.findall(r"XUESHI_[A-Z_]+", (ROOT / "config.py").read_text()
                           + (ROOT / "gunicorn.conf.py").read_text()))
    assert set(env) <= known


def test_nginx_proxies_to_gunicorn_as_the_one_trusted_proxy():
    text = (DEPLOY / "nginx.conf").read_text()
    assert text.count("{") == text.count("}")
    env = _env_example()
    assert f"server {env['XUESHI_HOST']}:{env['XUESHI_PORT']};" in text
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in text  # no client-chosen chain
    assert "server_tokens off;" in text and "ssl_certificate " in text


def test_the_deployment_guide_names_only_settings_that_exist():
    """docs/deploy.md promises no setting the code does not read (e.g. a replica URL)."""
    known = set(re.findall(r"XUESHI_[A-Z_]+", (ROOT / "config.py").read_text()
                           + (ROOT / "gunicorn.conf.py").read_text()))
    named = set(re.findall(r"XUESHI_[A-Z_]+", (ROOT / "docs" / "deploy.md").read_text()))
    assert named and named <= known, named - known
