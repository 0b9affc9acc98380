"""Chinese first: screens, menus and messages in zh by default, English on request."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_login_page_is_chinese(app):
    page = app.test_client().get("/login/").get_data(as_text=True)
    assert "登录" in page and "用户名" in page and "密码" in page
    assert "Sign In" not in page


def test_list_page_and_menu_are_chinese(clients):
    page = clients("association_admin").get("/personview/list/").get_data(as_text=True)
    for text in ("专业技术人员", "身份证号", "姓名", "人员与单位", "用人单位", "工程"):
        assert text in page
    assert "Professionals" not in page


def test_english_is_available(app):
    from tests.conftest import login_client

    client = login_client(app, "district_officer")
    client.get("/lang/en")
    page = client.get("/personview/list/").get_data(as_text=True)
    assert "Professionals" in page and "ID number" in page
    client.get("/lang/zh")
    assert "专业技术人员" in client.get("/personview/list/").get_data(as_text=True)


def test_the_catalog_matches_the_code_and_is_complete():
    result = subprocess.run([sys.executable, "scripts/i18n.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_confirmation_and_alert_dialogs_speak_chinese(clients):
    """FAB's dialogs (a delete's "确定要删除这条记录吗?") answer 取消 / 确定, not Cancel / OK."""
    import re

    page = clients("Admin").get("/users/list/").get_data(as_text=True)
    dialogs = re.findall(r'<div class="modal fade" id="modal-(?:confirm|alert)".*?</div>\s*</div>\s*</div>\s*</div>',
                         page, flags=re.S)
    assert len(dialogs) == 2
    buttons = re.findall(r"<(?:button|a)\b[^>]*>\s*([^<]*?)\s*</(?:button|a)>", " ".join(dialogs))
    assert buttons == ["取消", "确定", "确定"], buttons


def test_an_action_with_no_row_ticked_is_refused_in_chinese(clients):
    """FAB's ab_actions.js alerts "No row selected"; every page turns its words into Chinese."""
    page = clients("unit_reviewer").get("/personview/list/").get_data(as_text=True)
    assert "execute_multiple" in page  # the list offers an action on ticked rows
    import json
    import re

    words = re.search(r'words = (\{"No row selected": "[^"]*"\})', page)
    assert words and json.loads(words.group(1)) == {"No row selected": "请先勾选记录"}
