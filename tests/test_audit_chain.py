"""Tamper evidence that survives a database writer: a keyed chain, signed anchors
outside the database, signed archives. Each tampering makes `audit-verify` exit 1."""
from __future__ import annotations

import gzip
import hashlib
import json
from datetime import date

import pytest
from sqlalchemy import delete, insert, select, update

from app.extensions import db
from app.models import AuditEntry, AuditHead, Department
from app.services import audit, audit_store
from tests import factories
from tests.conftest import app_overrides, fresh_database_url


@pytest.fixture(scope="module")
def chain_app(instance_dir, tmp_path_factory):
    from flask_migrate import upgrade

    from app import create_app
    from app.services import accounts

    place = tmp_path_factory.mktemp("audit-chain")
    url = fresh_database_url(instance_dir, "audit_chain")
    overrides = app_overrides(url, instance_dir)
    overrides.update(XUESHI_AUDIT_ANCHOR_DIR=str(place / "worm-anchors"),
                     XUESHI_AUDIT_ARCHIVE_DIR=str(place / "worm-archive"),
                     XUESHI_AUDIT_KEY="test-audit-key-not-in-the-database-0123456789")
    application = create_app(overrides)
    with application.app_context():
        upgrade()
        accounts.initialise(application.appbuilder)
        with audit.acting_as("tests"):
            for i in range(5):
                db.session.add(Department(name=f"链测试部门{i}"))
                db.session.commit()
        db.session.remove()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def cli(app, *args):
    return app.test_cli_runner().invoke(args=["xueshi", *args])


def snapshot():
    rows = [dict(r) for r in db.session.execute(select(AuditEntry.__table__)).mappings()]
    head = dict(db.session.execute(select(AuditHead.__table__)).mappings().one())
    return rows, head


def restore(saved):
    rows, head = saved
    db.session.execute(delete(AuditEntry.__table__))
    db.session.execute(insert(AuditEntry.__table__), rows)
    db.session.execute(update(AuditHead.__table__).values(seq=head["seq"], hash=head["hash"]))
    db.session.commit()


@pytest.fixture()
def chain(chain_app):
    with chain_app.app_context():
        assert cli(chain_app, "audit-anchor").exit_code == 0
        saved = snapshot()
        yield chain_app
        db.session.rollback()
        restore(saved)
        assert audit.verify(db.session).ok
        db.session.remove()


def broken(app, *args) -> str:
    result = cli(app, "audit-verify", *args)
    assert result.exit_code == 1, result.output
    return result.output


def test_an_intact_chain_with_its_anchor_verifies(chain):
    result = cli(chain, "audit-verify")
    assert result.exit_code == 0 and "审计链完整" in result.output


def test_deleting_the_tail_and_moving_the_head_is_caught(chain):
    last = db.session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(3)).scalars().all()
    keep = last[-1]
    db.session.execute(delete(AuditEntry).where(AuditEntry.seq > keep.seq - 1))
    before = db.session.execute(select(AuditEntry).where(AuditEntry.seq == keep.seq - 1)).scalar_one()
    db.session.execute(update(AuditHead).values(seq=before.seq, hash=before.hash))
    db.session.commit()
    assert "删除" in broken(chain)


def test_rewriting_and_rehashing_the_history_is_caught(chain):
    """A writer who knows the format but not the key recomputes every hash after
    the edit (plain SHA-256, as the chain used to be) and moves the head."""
    rows = db.session.execute(select(AuditEntry.__table__).order_by(AuditEntry.seq)).mappings().all()
    prev = rows[0]["prev_hash"]
    for i, row in enumerate(rows):
        row = dict(row)
        if i == 1:
            row["after"] = '{"name":"被改写"}'
        row["prev_hash"] = prev
        row["hash"] = prev = hashlib.sha256(audit._payload(row)).hexdigest()
        db.session.execute(update(AuditEntry).where(AuditEntry.id == row["id"]).values(
            after=row["after"], prev_hash=row["prev_hash"], hash=row["hash"]))
    db.session.execute(update(AuditHead).values(hash=prev))
    db.session.commit()
    assert "篡改" in broken(chain)


def test_emptying_the_log_is_caught(chain):
    db.session.execute(delete(AuditEntry))
    db.session.execute(update(AuditHead).values(seq=0, hash="0" * 64))
    db.session.commit()
    assert "删除" in broken(chain)


def test_editing_one_entry_is_caught(chain):
    victim = db.session.execute(select(AuditEntry).order_by(AuditEntry.seq).limit(1)).scalar_one()
    db.session.execute(update(AuditEntry).where(AuditEntry.id == victim.id).values(username="someone-else"))
    db.session.commit()
    assert "篡改" in broken(chain)


def test_a_forged_anchor_is_caught(chain):
    directory = audit_store.anchor_dir()
    fake = {"seq": 1, "hash": "0" * 64, "at": "2099-01-01T00:00:00", "alg": "hmac-sha256", "sig": "00"}
    (directory / "anchor-20990101T000000000000Z-000000000001.json").write_text(json.dumps(fake))
    try:
        assert "锚点" in broken(chain)
    finally:
        (directory / "anchor-20990101T000000000000Z-000000000001.json").unlink()


def test_another_key_does_not_verify_the_chain(chain):
    chain.config["XUESHI_AUDIT_KEY"] = "an-attackers-guess-of-the-key-0123456789abcdef"
    try:
        assert not audit.verify(db.session).ok
    finally:
        chain.config["XUESHI_AUDIT_KEY"] = "test-audit-key-not-in-the-database-0123456789"


def test_archives_are_signed_checked_and_joined_to_the_database(chain):
    from app.services import audit_key

    moved = audit_store.archive(db.session, days=0)
    db.session.commit()
    assert moved > 0
    db.session.add(Department(name="归档后部门"))
    db.session.commit()
    assert cli(chain, "audit-verify", "--archive").exit_code == 0
    assert cli(chain, "audit-verify").exit_code == 0
    directory = audit_store.archive_dir()
    body = next(directory.glob("archive-*.jsonl.gz"))
    original = body.read_bytes()
    body.chmod(0o644)
    lines = gzip.decompress(original).decode().splitlines()
    lines[0] = lines[0].replace('"insert"', '"delete"')
    body.write_bytes(gzip.compress("\n".join(lines).encode()))
    try:
        assert "归档" in broken(chain, "--archive")
    finally:
        body.write_bytes(original)
    manifest = next(directory.glob("archive-*.json"))
    saved = manifest.read_bytes()
    manifest.chmod(0o644)
    manifest.unlink()
    try:
        assert "缺失" in broken(chain)  # the archived prefix is simply gone
    finally:
        manifest.write_bytes(saved)
    assert audit_key.algorithm() == "hmac-sha256"
    # put the archived entries back for the other tests
    for path in list(directory.glob("archive-*")):
        path.chmod(0o644)
        path.unlink()


def test_the_chain_can_use_sm3(chain):
    from app.services import audit_key

    chain.config["XUESHI_AUDIT_HASH"] = "hmac-sm3"
    try:
        sm3 = audit_key.mac(b"x")
    finally:
        chain.config["XUESHI_AUDIT_HASH"] = "hmac-sha256"
    assert len(sm3) == 64 and sm3 != audit_key.mac(b"x")


def test_retention_is_at_least_180_days(chain_app):
    assert chain_app.config["XUESHI_AUDIT_RETENTION_DAYS"] >= 180


def test_plain_dedupe_keys_are_redacted_and_the_chain_still_verifies(chain):
    """Entries written before revision 0010 hold sha256("platform|<full ID>|…").
    `audit-redact` replaces them; the HMAC keys of today stay; the chain and the
    anchor written before the redaction still verify; an edit
    of a redacted entry is still caught; the run is a security event."""
    from app.security.keyed import platform_course_key

    number = factories.id_number("370202")
    plain = hashlib.sha256(f"platform|{number}|旧课程|public|2025-03-01|1".encode()).hexdigest()
    row = {"person_id": 7, "title": "新课程", "category": "public", "date": "2026-03-01",
           "hours": "1.0"}
    keyed = platform_course_key(7, "新课程", "public", date(2026, 3, 1), "1")
    with audit.acting_as("tests"):
        audit._append(db.session.connection(), [
            {"action": "insert", "table_name": "activity", "record_id": "901",
             "after": {**row, "title": "旧课程", "dedupe_key": plain}},
            {"action": "update", "table_name": "activity", "record_id": "901",
             "before": {"dedupe_key": plain}, "after": {"hours": "2.0"}},
            {"action": "insert", "table_name": "activity", "record_id": "902",
             "after": {**row, "dedupe_key": keyed}},
        ])
        db.session.commit()
    anchors = set(audit_store.anchor_dir().iterdir())
    try:
        assert cli(chain, "audit-anchor").exit_code == 0
        _redact_and_check(chain, plain, keyed)
    finally:  # the fixture's snapshot ends before this test's anchor
        for path in set(audit_store.anchor_dir().iterdir()) - anchors:
            path.unlink()


def _redact_and_check(chain, plain: str, keyed: str) -> None:
    result = cli(chain, "audit-redact")
    assert result.exit_code == 0 and "2" in result.output, result.output
    texts = [e.before or "" for e in db.session.execute(select(AuditEntry)).scalars()]
    texts += [e.after or "" for e in db.session.execute(select(AuditEntry)).scalars()]
    assert not any(plain in t for t in texts)
    assert any(keyed in t for t in texts)  # a keyed one is kept
    assert cli(chain, "audit-verify").exit_code == 0
    event = db.session.execute(select(AuditEntry).where(
        AuditEntry.table_name == "audit.redact")).scalar_one()
    assert json.loads(event.after)["entries"] == 2
    assert "0 " in cli(chain, "audit-redact").output  # nothing left to do

    redacted = db.session.execute(select(AuditEntry).where(
        AuditEntry.redacted.isnot(None)).order_by(AuditEntry.seq).limit(1)).scalar_one()
    db.session.execute(update(AuditEntry).where(AuditEntry.id == redacted.id).values(
        after=redacted.after.replace("旧课程", "改写的课程")))
    db.session.commit()
    assert "篡改" in broken(chain)
