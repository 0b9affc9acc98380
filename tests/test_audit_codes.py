"""Every code a security event stores in its details (a reason, channel, method
or stage) reads as Chinese words in the audit log. The codes are found in the
source itself, so a new code written without its label fails here."""
from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

from app.services import audit, audit_search

ROOT = Path(__file__).resolve().parents[1] / "app"
CODED = ("reason", "channel", "method", "stage", "field")  # details that hold codes
# calls whose arguments end up in a security event's details
PASSED_ON = {"authenticate", "start_session"}
NOT_DETAILS = {"user", "username", "record", "session", "commit"}


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _strings(node, scopes) -> set[str]:
    """The string constants an expression can be: literals, both arms of `a if c
    else b`, and every string assigned to a name in the enclosing function or module."""
    if isinstance(node, ast.Constant):
        return {node.value} if isinstance(node.value, str) else set()
    if isinstance(node, ast.IfExp):
        return _strings(node.body, scopes) | _strings(node.orelse, scopes)
    if isinstance(node, ast.Name):
        for scope in scopes:
            found = set()
            for sub in ast.walk(scope):
                if isinstance(sub, ast.Assign) and any(
                        isinstance(t, ast.Name) and t.id == node.id for t in sub.targets):
                    found |= _strings(sub.value, [])
            if found:
                return found
    return set()


def _calls():
    """(file, call, enclosing scopes) of every call in the app package."""
    for path in sorted(ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        stack = [(tree, [tree])]
        while stack:
            node, scopes = stack.pop()
            for child in ast.iter_child_nodes(node):
                inner = [child, *scopes] if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else scopes
                if isinstance(child, ast.Call):
                    yield path, child, inner
                stack.append((child, inner))


def written_codes() -> tuple[set[tuple[str | None, str, str]], set[str]]:
    """(event, field, code) of every coded detail written, and every detail key."""
    codes, keys = set(), set()
    for path, call, scopes in _calls():
        name = _name(call.func)
        if name == "security_event" and call.args:
            events = _strings(call.args[0], scopes)
            assert events, (path, call.lineno)
            for kw in call.keywords:
                if kw.arg and kw.arg not in NOT_DETAILS:
                    keys.add(kw.arg)
                if kw.arg in CODED:
                    codes |= set(itertools.product(events, [kw.arg], _strings(kw.value, scopes)))
        elif name == "end_sessions" and len(call.args) == 2:
            codes |= {("session.revoked", "reason", c) for c in _strings(call.args[1], scopes)}
        elif name in PASSED_ON:  # its channel reaches login.success / login.failure
            for kw in call.keywords:
                if kw.arg in CODED:
                    codes |= {(None, kw.arg, c) for c in _strings(kw.value, scopes)}
    return codes, keys


def test_the_scan_finds_the_codes_it_should():
    codes, keys = written_codes()
    found = {(e, f, c) for e, f, c in codes}
    for expected in [("login.failure", "reason", "password"), ("login.failure", "reason", "captcha"),
                     ("login.failure", "reason", "unknown"), ("login.failure", "reason", "inactive"),
                     ("login.locked", "reason", "locked"), ("mfa.failure", "reason", "replayed"),
                     ("mfa.failure", "reason", "not enrolled"), ("session.revoked", "reason", "password"),
                     ("session.revoked", "reason", "active"), ("session.revoked", "reason", "scope"),
                     ("session.revoked", "reason", "refresh token reuse"),
                     ("role.grant_refused", "reason", "needs a second administrator"),
                     ("mfa.success", "method", "totp"), (None, "channel", "api"),
                     ("logout", "channel", "form"), ("audit.redact", "field", "dedupe_key")]:
        assert expected in found, expected
    assert {"reason", "channel", "method", "minutes", "family"} <= keys


def test_every_code_written_has_its_chinese_words(app):
    codes, keys = written_codes()
    with app.test_request_context():
        missing = [(e, f, c) for e, f, c in sorted(codes, key=str)
                   if audit_search.detail_value(e or "", f, c) is None]
        assert not missing, missing
        for event, field, code in codes:
            words = audit_search.detail_value(event or "", field, code)
            assert re.search(r"[\u4e00-\u9fff]", words), (event, field, code, words)
        assert not [k for k in keys if k not in audit_search.DETAIL_LABELS], keys
        # the same code reads differently in different events
        assert audit_search.detail_value("login.failure", "reason", "password") == "密码错误"
        assert audit_search.detail_value("session.revoked", "reason", "password") == "密码已更改"
        assert audit_search.detail_value("login.success", "channel", "form") == "网页"


def test_the_auditor_reads_event_details_in_words(app, clients):
    from flask_appbuilder.security.sqla.models import User
    from sqlalchemy import select

    from app.extensions import db

    with app.app_context():
        user = db.session.execute(select(User).where(User.username == "auditor")).scalar() or \
            db.session.execute(select(User).limit(1)).scalar()
        audit.security_event("login.failure", user=user, reason="password", channel="form")
        audit.security_event("session.revoked", user=user, reason="password")
        audit.security_event("mfa.success", user=user, method="totp")
        db.session.commit()
        db.session.remove()
    html = clients("auditor").get("/auditentryview/list/?action=login.failure").get_data(as_text=True)
    text = re.sub(r"<(script|style)\b.*?</\1>|<[^>]+>", " ", html, flags=re.S)
    assert "密码错误" in text and "网页" in text
    assert not re.search(r"(?<![\w.-])(password|form)(?![\w-])", text)
    html = clients("auditor").get("/auditentryview/list/?action=session.revoked").get_data(as_text=True)
    text = re.sub(r"<(script|style)\b.*?</\1>|<[^>]+>", " ", html, flags=re.S)
    assert "密码已更改" in text and not re.search(r"(?<![\w.-])password(?![\w-])", text)
    html = clients("auditor").get("/auditentryview/list/?action=mfa.success").get_data(as_text=True)
    assert "TOTP" in html and not re.search(r">\s*totp\s*<", html)


def test_an_events_record_that_is_no_row_is_named_in_words(app):
    with app.test_request_context():
        assert audit_search.event_record_label("audit") == "审计日志"
        assert audit_search.event_record_label("eligibility:2026") == "学时核验 2026"
        assert audit_search.event_record_label("EligibilityView.result") == "批量学时核验结果"
