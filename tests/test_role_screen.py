"""The administrator's role screens (/roles/) name each role and each permission
in Chinese (roles.role_label, roles.permissions_label), never FAB's codes."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.security.roles import ROLE_PERMISSIONS, permission_label

WORD = re.compile(r"(?<![\w.-])[A-Za-z_]{2,}(?![\w-])")
KEPT = {"API", "PDF", "TOTP", "Excel", "ID"}  # written so in Chinese too


def _english(text: str) -> set[str]:
    return {w for w in WORD.findall(text) if w not in KEPT}


def _text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_every_permission_a_role_is_given_reads_in_chinese(app):
    pairs = {pair for pairs in ROLE_PERMISSIONS.values() for pair in pairs}
    with app.test_request_context():
        labels = {pair: permission_label(*pair) for pair in pairs}
    assert not {pair: label for pair, label in labels.items() if _english(label)}
    assert labels[("can_list", "ClaimView")] == "学时申报:列表"
    assert labels[("menu_access", "Hours")] == "学时管理:菜单项"
    assert labels[("can_get", "ClaimApi")] == "学时申报(接口):读取"


def test_the_role_list_and_page_speak_chinese(app, clients):
    from flask_appbuilder.security.sqla.models import Role

    with app.app_context():
        role_id = db.session.execute(select(Role.id).where(Role.name == "auditor")).scalar_one()
        db.session.remove()
    admin = clients("Admin")
    for url in ("/roles/list/", f"/roles/show/{role_id}"):
        resp = admin.get(url)
        assert resp.status_code == 200, url
        text = _text(resp.get_data(as_text=True))
        assert "审计员" in text and "审计日志(" in text, url
        # (the role page lists its logins: their usernames stay as they are)
        raw = {w for w in _english(text) if w in {"can", "on", "AuditEntryView", "menu_access", "can_list",
                                                   "Public", "unit_reviewer", "association_admin"}}
        assert not raw, (url, raw)
        assert "菜单项(" in text and "(接口)(读取" in text, url
