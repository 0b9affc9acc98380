"""The audit log: one entry per change with before/after, masked ID numbers,
a hash chain that `audit-verify` checks, and only the auditor may read it."""
from __future__ import annotations

import json

from sqlalchemy import func, select, text, update

from app.extensions import db
from app.models import AuditEntry, Department, Person
from app.services import audit


def last_entries(n: int = 5):
    return db.session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(n)).scalars().all()


def test_a_change_through_the_api_writes_one_entry_with_before_and_after(app, api, world):
    with app.app_context():
        start = db.session.execute(select(func.max(AuditEntry.seq))).scalar()
        db.session.remove()
    resp = api("unit_reviewer", "PUT", f"/api/v1/person/{world.person['A']}", json={"phone": "13800000001"})
    assert resp.status_code == 200
    with app.app_context():
        entries = db.session.execute(select(AuditEntry).where(
            AuditEntry.seq > start, AuditEntry.action != "event")).scalars().all()  # not the login
        assert len(entries) == 1
        entry = entries[0]
        assert entry.action == "update"
        assert entry.table_name == "person"
        assert entry.record_id == str(world.person["A"])
        assert entry.username == "unit_reviewer"
        assert entry.roles == "unit_reviewer"
        assert json.loads(entry.after) == {"phone": "138****0001"}  # masked like ID numbers
        assert "phone" in json.loads(entry.before)
        db.session.remove()


def test_insert_and_delete_are_logged_with_masked_id_numbers(ctx, world):
    from tests import factories

    person = Person(id_number=factories.id_number(), name="审计测试", unit_id=world.unit["A"],
                    series="engineering", title_level="junior")
    db.session.add(person)
    db.session.commit()
    inserted = last_entries(1)[0]
    after = json.loads(inserted.after)
    assert inserted.action == "insert" and inserted.table_name == "person"
    assert after["id_number"] == person.id_number[:6] + "********" + person.id_number[-4:]
    assert person.id_number not in inserted.after
    db.session.delete(person)
    db.session.commit()
    deleted = last_entries(1)[0]
    assert deleted.action == "delete" and deleted.after is None
    assert json.loads(deleted.before)["name"] == "审计测试"


def test_passwords_never_reach_the_log(ctx):
    rows = db.session.execute(select(AuditEntry.before, AuditEntry.after).where(
        AuditEntry.table_name == "ab_user")).all()
    assert rows, "user creation should be audited"
    for before, after in rows:  # a deleted login has no after
        assert "password" not in json.loads(before or "{}") and "password" not in json.loads(after or "{}")


def test_a_failed_write_leaves_no_entry(ctx, world):
    start = db.session.execute(select(func.max(AuditEntry.seq))).scalar()
    db.session.add(Department(name="回滚的部门"))
    db.session.flush()
    db.session.rollback()
    assert db.session.execute(select(func.max(AuditEntry.seq))).scalar() == start
    assert audit.verify(db.session).ok


def test_editing_an_entry_by_sql_breaks_the_chain(app, ctx):
    assert audit.verify(db.session).ok
    victim = db.session.execute(select(AuditEntry).order_by(AuditEntry.seq).limit(1)).scalar_one()
    original = victim.after
    db.session.execute(update(AuditEntry).where(AuditEntry.id == victim.id).values(after='{"name":"篡改"}'))
    db.session.commit()
    try:
        result = audit.verify(db.session)
        assert not result.ok
        assert f"第 {victim.seq} 条" in result.problem and "篡改" in result.problem
        cli = app.test_cli_runner().invoke(args=["xueshi", "audit-verify"])
        assert cli.exit_code == 1
    finally:
        db.session.execute(update(AuditEntry).where(AuditEntry.id == victim.id).values(after=original))
        db.session.commit()
    assert audit.verify(db.session).ok
    assert app.test_cli_runner().invoke(args=["xueshi", "audit-verify"]).exit_code == 0


def test_deleting_the_last_entry_breaks_the_chain(ctx):
    db.session.add(Department(name="链尾测试部门"))
    db.session.commit()
    tail = last_entries(1)[0]
    saved = {c.key: getattr(tail, c.key) for c in AuditEntry.__table__.columns}
    db.session.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": tail.id})
    db.session.commit()
    try:
        result = audit.verify(db.session)
        assert not result.ok and "缺失" in result.problem
    finally:
        db.session.execute(AuditEntry.__table__.insert().values(**saved))
        db.session.commit()
    assert audit.verify(db.session).ok


def test_only_the_auditor_reads_the_log(clients, api):
    assert clients("auditor").get("/auditentryview/list/").status_code == 200
    assert api("auditor", "GET", "/api/v1/audit_entry/").status_code == 200
    for role in ("Admin", "association_admin", "district_officer", "unit_reviewer"):
        assert clients(role).get("/auditentryview/list/").status_code == 403
        assert api(role, "GET", "/api/v1/audit_entry/").status_code == 403


def test_the_auditor_cannot_change_the_log(clients, api):
    assert api("auditor", "DELETE", "/api/v1/audit_entry/1").status_code == 403
    assert api("auditor", "PUT", "/api/v1/audit_entry/1", json={"after": "{}"}).status_code == 403
    assert clients("auditor").post("/auditentryview/delete/1").status_code == 403


def test_the_audit_screen_filters_by_table(clients):
    import re

    page = clients("auditor").get("/auditentryview/list/?table=district").get_data(as_text=True)
    tables = set(re.findall(r'<td class="audit-action"[^>]*>[^<]*<br><small class="text-muted">([^<]*)</small>', page))
    assert len(tables) == 1 and "district" not in tables


def test_concurrent_writers_do_not_fork_the_chain(app):
    """Two writers appending at once: the head row lock queues them."""
    import threading

    errors = []

    def writer(tag: str):
        try:
            with app.app_context():
                for i in range(15):
                    db.session.add(Department(name=f"并发部门{tag}{i}"))
                    db.session.commit()
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(t,)) for t in "XY"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with app.app_context():
        seqs = db.session.execute(select(AuditEntry.seq).order_by(AuditEntry.seq)).scalars().all()
        assert seqs == list(range(1, len(seqs) + 1))
        assert audit.verify(db.session).ok
        db.session.remove()


def test_role_grants_are_audited(app, ctx):
    from app.security.roles import ROLE_PERMISSIONS  # noqa: F401  (roles exist)

    sm = app.appbuilder.sm
    user = sm.find_user(username="unit_reviewer_b")
    start = db.session.execute(select(func.max(AuditEntry.seq))).scalar()
    user.roles = [sm.find_role("association_admin")]
    db.session.commit()
    entry = db.session.execute(select(AuditEntry).where(
        AuditEntry.seq > start, AuditEntry.table_name == "ab_user")).scalars().one()
    assert json.loads(entry.before)["roles"] == ["unit_reviewer"]
    assert json.loads(entry.after)["roles"] == ["association_admin"]
    user.roles = [sm.find_role("unit_reviewer")]
    db.session.commit()
    assert audit.verify(db.session).ok
