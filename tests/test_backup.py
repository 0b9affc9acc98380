"""Backup and restore: a backup of the test database and files, restored into an
empty instance, passes audit-verify, and every ledger equals a fresh recompute."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.extensions import db
from tests.conftest import app_overrides, fresh_database_url


@pytest.fixture(scope="module")
def backup_folder(app, world, tmp_path_factory):
    from datetime import date
    from decimal import Decimal

    from app.models import Activity, Person
    from app.services import audit, files, ledgers
    from tests import factories

    with app.app_context(), audit.acting_as("tests:backup"):
        files.write("reports", b"a stored report")  # the files area is never empty here
        # a ledger with hours is never missing either: the restored copy recomputes it
        person = Person(id_number=factories.id_number("370202"), name="备份学员",
                        unit_id=world.unit["A"], series="engineering", title_level="intermediate")
        db.session.add(person)
        db.session.flush()
        db.session.add(Activity(person_id=person.id, kind="platform_course", title="备份课程",
                                category="public", date=date(2026, 3, 2), hours=Decimal(12),
                                first_year=2026, last_year=2026, source="platform"))
        ledgers.recompute_person(person.id, [2026])
        db.session.commit()
        db.session.remove()
    out = tmp_path_factory.mktemp("backups")
    result = app.test_cli_runner().invoke(args=["xueshi", "backup", "--to", str(out)])
    assert result.exit_code == 0, result.output
    (folder,) = out.iterdir()
    return folder


@pytest.mark.slow
def test_backup_restores_into_an_empty_instance_and_verifies(app, backup_folder, instance_dir,
                                                             tmp_path):
    from app import create_app
    from app.models import Ledger, Person
    from app.services import ledgers

    manifest = json.loads((backup_folder / "manifest.json").read_text())
    assert manifest["files"] and all(len(v) == 64 for v in manifest["files"].values())
    url = fresh_database_url(instance_dir, "restored")
    settings = app_overrides(url, instance_dir)
    settings["XUESHI_UPLOAD_DIR"] = str(tmp_path / "uploads")
    copy = create_app(settings)
    runner = copy.test_cli_runner()
    try:
        restored = runner.invoke(args=["xueshi", "restore", str(backup_folder)])
        assert restored.exit_code == 0, restored.output
        verified = runner.invoke(args=["xueshi", "audit-verify"])
        assert verified.exit_code == 0, verified.output
        with copy.app_context():
            with app.app_context():
                people = db.session.execute(select(func.count()).select_from(Person)).scalar()
                db.session.remove()
            assert db.session.execute(select(func.count()).select_from(Person)).scalar() == people
            from app.security.scope import acting_as_system
            from app.services import audit

            before = db.session.execute(select(func.count()).select_from(Ledger)).scalar()
            with audit.acting_as("tests:restore"), acting_as_system():
                result = ledgers.recompute_year(2026)
            assert before >= 1  # the fixture's ledger at least
            assert result.written == 0 and result.unchanged == before  # every ledger as recomputed
            rel, digest = next(iter(manifest["files"].items()))
            from app.services.backup import _sha256

            assert _sha256(tmp_path / "uploads" / rel) == digest
        # a second restore finds the instance full and changes nothing
        again = runner.invoke(args=["xueshi", "restore", str(backup_folder)])
        assert again.exit_code == 2 and "不是空的" in again.output
    finally:
        with copy.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_damaged_backup_is_refused(app, backup_folder, tmp_path, instance_dir):
    import shutil

    damaged = tmp_path / "damaged"
    shutil.copytree(backup_folder, damaged)
    archive = damaged / "files.tar.gz"
    archive.write_bytes(archive.read_bytes()[:-10])
    result = app.test_cli_runner().invoke(args=["xueshi", "restore", str(damaged)])
    assert result.exit_code == 2 and "损坏" in result.output
