"""The keys behind the derived secrets never reach the audit log (issue 14,
item 3): with them an auditor could recompute every keyed digest offline
(dedupe keys, evidence digests, TOTP secrets) for each candidate birth date."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from tests.samples import post_file, xlsx

KEYS = ("XUESHI_DIGEST_KEY", "XUESHI_AUDIT_KEY", "SECRET_KEY", "JWT_SECRET_KEY")


def test_no_key_is_in_any_audit_entry(app, api, world):
    from app.models import AuditEntry

    rows = [[world.id_number["A"], "测试人员A", "密钥探测课程", "公需", "2026-03-02", 1]]
    assert post_file(api, "association_admin", "/api/v1/platform_import/",
                     xlsx(["身份证号", "姓名", "课程名称", "类别", "日期", "学时"], rows), "p.xlsx").status_code == 200
    secrets = {name: str(app.config[name]) for name in KEYS if app.config.get(name)}
    assert "XUESHI_DIGEST_KEY" in secrets
    with app.app_context():
        for before, after, record in db.session.execute(
                select(AuditEntry.before, AuditEntry.after, AuditEntry.record_id)).yield_per(1000):
            text = f"{before or ''}{after or ''}{record or ''}"
            for name, value in secrets.items():
                assert len(value) < 8 or value not in text, name
        db.session.remove()
