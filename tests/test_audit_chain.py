"""Tamper evidence that survives a database writer: a keyed chain, signed anchors
outside the database, signed archives. Each tampering makes `audit-verify` exit 1."""
from __future__ import annotations

import gzip
import hashlib
import json

import pytest
from sqlalchemy import delete, insert, select, update

from app.extensions import db
from app.models import AuditEntry, AuditHead, Department
from app.services import audit, audit_store
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
