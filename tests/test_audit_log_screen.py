"""The audit log as an auditor reads it (issue 13 item 6): Chinese tables and
actions, the record's title with a link to its history, field-by-field
before/after with Chinese labels, Beijing time, filters by person, record,
user and date range; phones masked, dedupe keys never shown."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from app.extensions import db
from app.formatting import local_time
from app.models import AuditEntry, Person
from app.services import audit, audit_search
from tests.test_claims import exam, submitted_claim


def approved_claim(api, title):
    claim_id = submitted_claim(api, body=exam(title=title, hours=3))
    assert api("unit_reviewer", "POST", f"/api/v1/claim/{claim_id}/step/approve").status_code == 200
    return claim_id


def page(clients, **args):
    resp = clients("auditor").get("/auditentryview/list/", query_string=args)
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_who_approved_a_claim_found_by_its_title_in_words(app, api, clients):
    claim_id = approved_claim(api, "发明专利:一种审计测试浮标")
    text = page(clients, table="claim", title="发明专利:一种审计", action="update")
    text = text[text.index("<tbody>"):]  # the entries, not the filter form
    assert "发明专利:一种审计测试浮标" in text
    assert "unit_reviewer" in text and "用人单位审核员" in text  # user and role in Chinese
    assert "学时申报" in text and "修改" in text  # table and action in Chinese
    assert "已提交" in text and "已批准" in text and "状态" in text  # field label, before → after
    assert "submitted" not in text and "approved" not in text and "reviewed_by" not in text
    assert "审核人" in text and "Reviewed" not in text and "+00:00" not in text
    with app.app_context():
        entry = db.session.execute(select(AuditEntry).where(
            AuditEntry.table_name == "claim", AuditEntry.record_id == str(claim_id),
            AuditEntry.action == "update").order_by(AuditEntry.seq.desc()).limit(1)).scalar_one()
        assert local_time(entry.at, "%Y-%m-%d %H:%M:%S") in text  # Beijing time
        db.session.remove()
    history = re.search(r'href="(/auditentryview/list/\?[^"]*record=%d[^"]*)"' % claim_id, text)
    assert history, "the record's title links to its history"
    whole = clients("auditor").get(history.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "新增" in whole and "已批准" in whole  # from its creation on


def test_filters_by_person_user_and_date_range(app, api, clients, world):
    approved_claim(api, "按人员筛选的申报")
    mine = page(clients, person=world.id_number["A"], user="unit_reviewer")
    assert "按人员筛选的申报" in mine
    assert "测试人员B" not in mine
    other = page(clients, person=world.id_number["B"], user="unit_reviewer")
    assert "按人员筛选的申报" not in other
    assert "按人员筛选的申报" not in page(clients, table="claim", title="按人员", since="2001-01-01",
                                         until="2001-01-31")
    assert "按人员筛选的申报" in page(clients, table="claim", title="按人员", since="2026-01-01")


def test_bad_filters_answer_in_chinese_and_show_nothing(clients):
    for args, words in ((dict(since="yesterday"), "日期"), (dict(person="12345"), "18"),
                        (dict(since="2026-12-02", until="2026-12-01"), "早于"),
                        (dict(record="4"), "数据表"), (dict(page="99999"), "10000")):
        text = page(clients, **args)
        error = re.search(r'<div class="alert alert-danger audit-error">([^<]*)</div>', text)
        assert error and words in error.group(1), (args, error and error.group(1))
        assert "audit-entry" not in text


def test_phones_are_masked_and_dedupe_keys_never_shown(app, clients):
    with app.app_context(), audit.acting_as("tests:audit"):
        # an entry written before phones were masked at write time
        audit._append(db.session.connection(), [{
            "action": "update", "table_name": "person", "record_id": "999999",
            "before": {"phone": "13912345678"}, "after": {"phone": "13987654321",
                                                          "dedupe_key": "ab" * 32}}])
        db.session.commit()
        seq = db.session.execute(select(func.max(AuditEntry.seq))).scalar()
        assert audit.verify(db.session).ok
        db.session.remove()
    text = page(clients, table="person", record="999999")
    assert f'id="entry-{seq}"' in text
    assert "139****5678" in text and "139****4321" in text
    assert "13912345678" not in text and "ab" * 32 not in text and "dedupe_key" not in text


def test_every_security_event_and_action_has_its_chinese_name(app):
    assert set(audit_search.EVENTS) == audit.SECURITY_EVENTS
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        labels = dict(audit_search.tables())
        assert labels["claim"] == "学时申报" and labels["ab_user"] == "账号"
        assert all(not re.fullmatch(r"[a-z_]+", label) for label in labels.values()), labels


def test_the_entry_page_shows_the_entry_in_words_with_its_hashes(app, clients):
    with app.app_context():
        entry_id, seq = db.session.execute(select(AuditEntry.id, AuditEntry.seq).where(
            AuditEntry.table_name == "person").limit(1)).one()
        db.session.remove()
    text = clients("auditor").get(f"/auditentryview/show/{entry_id}").get_data(as_text=True)
    assert f"#{seq}" in text and "专业技术人员" in text and "audit-hash" in text
    assert clients("auditor").get("/auditentryview/show/99999999").status_code == 404
    assert clients("unit_reviewer").get(f"/auditentryview/show/{entry_id}").status_code == 403


def test_home_list_and_entry_say_every_code_in_chinese(app, clients):
    """Field names, actors and roles the auditor meets are words, not codes."""
    from flask_appbuilder.security.sqla.models import Role, User

    with app.app_context():
        user_id = db.session.execute(select(User.id).limit(1)).scalar()
        role_id = db.session.execute(select(Role.id).where(Role.name == "auditor")).scalar()
        with audit.acting_as("cli"):
            audit._append(db.session.connection(), [{
                "action": "insert", "table_name": "ab_role", "record_id": str(role_id),
                "roles": "", "before": None, "after": {"name": "auditor"}}, {
                "action": "update", "table_name": "ab_user", "record_id": str(user_id),
                "roles": "Public", "before": {"first_name": "甲", "changed_by_fk": None},
                "after": {"first_name": "乙", "changed_by_fk": user_id, "login_count": 3}}, {
                "action": "delete", "table_name": "user_scope", "record_id": "999999",
                "roles": "", "before": {"cascade": f"ab_user:{user_id}"}, "after": None}])
            audit.security_event("mfa.reset", user=db.session.get(User, user_id), by="cli",
                                 role="Public")
        with audit.acting_as("cli:user-create"):
            audit.security_event("role.approved", record=f"ab_user:{user_id}", role="auditor")
        db.session.commit()
        (entry_id,) = db.session.execute(select(AuditEntry.id).where(
            AuditEntry.table_name == "ab_user").order_by(AuditEntry.seq.desc()).limit(1)).one()
        db.session.remove()
    auditor = clients("auditor")
    for url in ("/", "/auditentryview/list/", f"/auditentryview/show/{entry_id}",
                "/auditentryview/list/?table=ab_user"):
        html = auditor.get(url).get_data(as_text=True)
        text = re.sub(r"<(script|style)\b.*?</\1>|<[^>]+>", " ", html, flags=re.S)
        raw = [code for code in ("changed_by_fk", "first_name", "login_count", "cli", "Public",
                                 "mfa.reset", "ab_user", "role.approved", "user-create", "District Id")
               if re.search(rf"(?<![\w.-]){re.escape(code)}(?![\w-])", text)]
        assert not raw and "命令行" in text, (url, raw)
        if url in ("/", "/auditentryview/list/"):  # a role's record by its Chinese name
            assert re.search(r"角色\(权限\)\s+审计员", text) and not re.search(r"角色\(权限\)\s+auditor", text), url
    assert "未登录访客" in text and "修改人" in text and "姓名" in text
    # a row removed with a login names that login's record in words
    removed = auditor.get("/auditentryview/list/?table=user_scope").get_data(as_text=True)
    assert f"账号 #{user_id}" in removed


def test_every_audited_column_has_a_chinese_label(app):
    """Each column an audited table writes to the log is named in Chinese: never the
    column's code (first_year) nor FAB's English made from it (Stored Name)."""
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        unnamed = []
        for table, _ in audit_search.tables():
            model = audit_search._models().get(table)
            if model is None or not getattr(model, "__audit__", True):
                continue
            for column in model.__table__.c:
                if column.name not in audit_search.HIDDEN:
                    label = audit_search.column_label(table, column.name)
                    if not re.search(r"[\u4e00-\u9fff]", label):
                        unnamed.append((table, column.name, label))
    assert not unnamed, unnamed


def test_an_hours_activity_and_a_download_read_in_words(app, clients):
    """A platform course's activity says its kind, category and source in Chinese; a
    download names the file, not the Content-Disposition header it was sent with."""
    with app.app_context():
        person_id = db.session.execute(select(func.min(Person.id))).scalar()
        with audit.acting_as("cli"):
            audit._append(db.session.connection(), [{
                "action": "insert", "table_name": "activity", "record_id": "999999", "roles": "",
                "before": None, "after": {"kind": "platform_course", "category": "professional",
                                          "source": "platform", "first_year": 2026, "title": "走读课程",
                                          "person_id": person_id}}])
            audit.security_event("download.personal_data", record="certificate:999999",
                                 endpoint="CertificateView.pdf",
                                 file='attachment; filename="QDJX2026-999999.pdf"', bytes=10)
        db.session.commit()
        db.session.remove()
    auditor = clients("auditor")
    text = re.sub(r"<(script|style)\b.*?</\1>|<[^>]+>", " ", auditor.get(
        "/auditentryview/list/", query_string={"table": "activity", "record": "999999"}).get_data(as_text=True))
    for words in ("平台课程学习", "专业科目", "起始计入年度", "来源"):
        assert words in text, words
    assert not re.search(r"\b(platform_course|professional|platform|first_year|kind|source)\b", text)
    text = re.sub(r"<[^>]+>", " ", auditor.get("/auditentryview/list/").get_data(as_text=True))
    assert "QDJX2026-999999.pdf" in text and "attachment;" not in text
