"""Migrations own the schema: they build an empty database, go down and up
again, and match the models exactly."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model
from sqlalchemy import inspect

from tests.conftest import app_overrides, fresh_database_url


def test_upgrade_downgrade_upgrade_on_an_empty_database(instance_dir):
    from flask_migrate import downgrade, upgrade

    from app import create_app
    from app.extensions import db

    url = fresh_database_url(instance_dir, "migrations")
    app = create_app(app_overrides(url, instance_dir))
    with app.app_context():
        upgrade()
        assert {"person", "unit", "audit_entry", "ab_user"} <= set(inspect(db.engine).get_table_names())
        downgrade(revision="base")
        assert "person" not in inspect(db.engine).get_table_names()
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Model.metadata)
        assert diff == [], diff
        db.session.remove()
        db.engine.dispose()


def test_0006_keeps_every_evidence_owner_and_each_sent_back_completion(instance_dir):
    """Evidence of claims, classes, evaluations and inspections keeps its owner
    through 0006 and back; a completion sent back gets its own state."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db

    url = fresh_database_url(instance_dir, "migration_0006")
    app = create_app(app_overrides(url, instance_dir))
    now = "'2026-12-01 00:00:00'"
    with app.app_context():
        upgrade(revision="0004")
        with db.engine.begin() as conn:
            for sql in (
                "INSERT INTO district (id, code, name) VALUES (1, '370202', '市南区')",
                f"INSERT INTO department (id, name, created_at, updated_at) VALUES (1, 'd', {now}, {now})",
                f"INSERT INTO unit (id, name, credit_code, district_id, created_at, updated_at) "
                f"VALUES (1, 'u', '91370200163562681G', 1, {now}, {now})",
                f"INSERT INTO person (id, id_number, name, unit_id, series, title_level, "
                f"is_enterprise_manager, created_at, updated_at) VALUES "
                f"(1, '370202198001011234', 'p', 1, 'engineering', 'junior', false, {now}, {now})",
                f"INSERT INTO claim (id, person_id, year, kind, title, state, created_at, updated_at) "
                f"VALUES (1, 1, 2026, 'achievement', 't', 'draft', {now}, {now})",
                f"INSERT INTO training_base (id, code, name, department_id, status, created_at, updated_at) "
                f"VALUES (1, 'b', 'b', 1, 'active', {now}, {now})",
                *(f"INSERT INTO training_class (id, name, base_id, mode, category, start_date, end_date, "
                  f"hours_per_day, venue, capacity, state, rejected_stage, certificates_total, "
                  f"certificates_rendered, created_at, updated_at) VALUES ({pk}, 'c', 1, 'offline', "
                  f"'public', '2026-05-01', '2026-05-01', 6, 'v', 5, 'rejected', '{stage}', 0, 0, "
                  f"{now}, {now})" for pk, stage in ((1, "completion"), (2, "filing"))),
                f"INSERT INTO base_evaluation (id, base_id, year, stage, created_at, updated_at) "
                f"VALUES (1, 1, 2026, 'draft', {now}, {now})",
                f"INSERT INTO inspection (id, inspected_on, base_id, inspector, findings, violation, "
                f"created_at, updated_at) VALUES (1, '2026-06-01', 1, 'i', 'f', false, {now}, {now})",
                *(f"INSERT INTO evidence (id, {column}, stored_name, original_name, content_type, size, "
                  f"sha256, uploaded_at) VALUES ({pk}, 1, 'n{pk}', 'f.pdf', 'application/pdf', 1, "
                  f"'{'0' * 64}', {now})"
                  for pk, column in enumerate(("claim_id", "class_id", "evaluation_id", "inspection_id"), 1)),
            ):
                conn.execute(text(sql))
        upgrade()
        with db.engine.connect() as conn:
            owners = conn.execute(text("SELECT id, owner_type, owner_id FROM evidence ORDER BY id")).all()
            states = conn.execute(text("SELECT id, state FROM training_class ORDER BY id")).all()
        assert [tuple(r) for r in owners] == [(1, "claim", 1), (2, "training_class", 1),
                                              (3, "base_evaluation", 1), (4, "inspection", 1)]
        assert [tuple(r) for r in states] == [(1, "completion_rejected"), (2, "rejected")]
        downgrade(revision="0004")
        with db.engine.connect() as conn:
            back = conn.execute(text("SELECT claim_id, class_id, evaluation_id, inspection_id "
                                     "FROM evidence ORDER BY id")).all()
            stages = conn.execute(text("SELECT state, rejected_stage FROM training_class ORDER BY id")).all()
        assert [tuple(r) for r in back] == [(1, None, None, None), (None, 1, None, None),
                                            (None, None, 1, None), (None, None, None, 1)]
        assert [tuple(r) for r in stages] == [("rejected", "completion"), ("rejected", "filing")]
        db.session.remove()
        db.engine.dispose()


def test_0009_marks_revision_1_ledgers_stale_and_allows_no_verdict(instance_dir):
    """Ledgers computed before 0009 carry rule revision 1 (stale); after it an
    out-of-scope ledger may have no compliance or shortfall; down again, such a
    ledger reads as revision 1 did."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db

    url = fresh_database_url(instance_dir, "migration_0009")
    app = create_app(app_overrides(url, instance_dir))
    now = "'2026-12-01 00:00:00'"
    with app.app_context():
        upgrade(revision="0008")
        with db.engine.begin() as conn:
            for sql in (
                "INSERT INTO district (id, code, name) VALUES (1, '370202', '市南区')",
                f"INSERT INTO unit (id, name, credit_code, district_id, created_at, updated_at) "
                f"VALUES (1, 'u', '91370200163562681G', 1, {now}, {now})",
                f"INSERT INTO person (id, id_number, name, unit_id, series, title_level, "
                f"is_enterprise_manager, created_at, updated_at) VALUES "
                f"(1, '370202198001011234', 'p', 1, 'health', 'junior', false, {now}, {now})",
                f"INSERT INTO ledger (id, person_id, year, unit_id, district_id, in_scope, public, "
                f"professional, total, compliant, shortfall_public, shortfall_professional, items, "
                f"digest, computed_at) VALUES (1, 1, 2026, 1, 1, false, 0, 0, 0, false, 30, 60, "
                f"'[]', 'x', {now})",
            ):
                conn.execute(text(sql))
        upgrade(revision="0009")
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT rule_revision FROM ledger")).scalar() == 1
            conn.execute(text("UPDATE ledger SET compliant = NULL, shortfall_public = NULL, "
                              "shortfall_professional = NULL, rule_revision = 2"))
        downgrade(revision="0008")
        with db.engine.connect() as conn:
            row = conn.execute(text("SELECT compliant, shortfall_public, shortfall_professional "
                                    "FROM ledger")).one()
        assert (bool(row[0]), float(row[1]), float(row[2])) == (False, 30, 60)
        db.session.remove()
        db.engine.dispose()


def test_0014_takes_a_qualification_exam_of_several_courses_as_a_registration_exam(instance_dir):
    """Before 0014 courses were asked only to count a registration exam per course:
    such exams become registration exams (their ledgers stale), the others not."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db

    url = fresh_database_url(instance_dir, "migration_0014")
    app = create_app(app_overrides(url, instance_dir))
    now = "'2026-12-01 00:00:00'"
    with app.app_context():
        upgrade(revision="0013")
        with db.engine.begin() as conn:
            for sql in (
                "INSERT INTO district (id, code, name) VALUES (1, '370202', '市南区')",
                f"INSERT INTO unit (id, name, credit_code, district_id, created_at, updated_at) "
                f"VALUES (1, 'u', '91370200163562681G', 1, {now}, {now})",
                *(f"INSERT INTO person (id, id_number, name, unit_id, series, title_level, "
                  f"is_enterprise_manager, created_at, updated_at) VALUES ({n}, '37020219800101{n}23X', "
                  f"'p', 1, 'engineering', 'junior', false, {now}, {now})" for n in (1, 2)),
                *(f"INSERT INTO activity (id, person_id, kind, title, first_year, last_year, source, "
                  f"courses, created_at, updated_at) VALUES ({n}, {n}, 'qualification_exam', 'e', 2026, "
                  f"2026, 'claim', {n}, {now}, {now})" for n in (1, 2)),
                *(f"INSERT INTO ledger (id, person_id, year, unit_id, district_id, in_scope, public, "
                  f"professional, total, compliant, shortfall_public, shortfall_professional, items, "
                  f"digest, computed_at, rule_revision) VALUES ({n}, {n}, 2026, 1, 1, true, 0, 16, 16, "
                  f"false, 30, 44, '[]', 'x', {now}, 2)" for n in (1, 2)),
            ):
                conn.execute(text(sql))
        upgrade(revision="0014")
        with db.engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT a.courses, a.registration, l.rule_revision FROM activity a "
                "JOIN ledger l ON l.person_id = a.person_id ORDER BY a.id")).all()
        assert [(r[0], bool(r[1]), r[2]) for r in rows] == [(None, False, 2), (2, True, 1)]
        db.session.remove()
        db.engine.dispose()


def test_0016_numbers_existing_certificates_and_lists_the_revoked_ones(instance_dir):
    """Certificates issued before 0016 get status indexes (class certificates first,
    then year certificates); the published list starts with the revoked ones set."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db
    from app.services import status_list

    url = fresh_database_url(instance_dir, "migration_0016")
    app = create_app(app_overrides(url, instance_dir))
    now = "'2026-12-01 00:00:00'"
    with app.app_context():
        upgrade(revision="0015")
        with db.engine.begin() as conn:
            for sql in (
                "INSERT INTO district (id, code, name) VALUES (1, '370202', '市南区')",
                f"INSERT INTO department (id, name, created_at, updated_at) VALUES (1, 'd', {now}, {now})",
                f"INSERT INTO unit (id, name, credit_code, district_id, created_at, updated_at) "
                f"VALUES (1, 'u', '91370200163562681G', 1, {now}, {now})",
                *(f"INSERT INTO person (id, id_number, name, unit_id, series, title_level, "
                  f"is_enterprise_manager, created_at, updated_at) VALUES ({n}, '37020219800101{n}23X', "
                  f"'p', 1, 'engineering', 'junior', false, {now}, {now})" for n in (1, 2)),
                f"INSERT INTO training_base (id, code, name, department_id, status, created_at, updated_at) "
                f"VALUES (1, 'b', 'b', 1, 'active', {now}, {now})",
                f"INSERT INTO training_class (id, name, base_id, mode, category, start_date, end_date, "
                f"hours_per_day, venue, capacity, state, certificates_total, certificates_rendered, "
                f"created_at, updated_at) VALUES (1, 'c', 1, 'offline', 'public', '2026-05-01', "
                f"'2026-05-01', 6, 'v', 5, 'reviewed', 2, 0, {now}, {now})",
                *(f"INSERT INTO enrolment (id, class_id, person_id, attendance, created_at, updated_at) "
                  f"VALUES ({n}, 1, {n}, '{{}}', {now}, {now})" for n in (1, 2)),
                *(f"INSERT INTO certificate (id, number, token, class_id, enrolment_id, person_id, hours, "
                  f"issued_at, revoked) VALUES ({n}, 'N{n}', 't{n}', 1, {n}, {n}, 6, {now}, {revoked})"
                  for n, revoked in ((1, "false"), (2, "true"))),
                f"INSERT INTO year_certificate (id, number, token, person_id, year, serial, version, "
                f"ledger_digest, public, professional, total, compliant, issued_at) VALUES "
                f"(1, 'Y1', 'y1', 1, 2026, 1, 1, 'x', 30, 60, 90, true, {now})",
            ):
                conn.execute(text(sql))
        upgrade(revision="0016")
        with db.engine.connect() as conn:
            indexes = conn.execute(text(
                "SELECT status_index FROM certificate UNION ALL SELECT status_index FROM year_certificate"
            )).scalars().all()
            bits = conn.execute(text("SELECT bits FROM status_list WHERE number = 1")).scalar_one()
        assert sorted(indexes) == [0, 1, 2]
        assert [status_list.value_at(bytes(bits), i) for i in range(4)] == [0, 2, 0, 0]
        assert len(bits) * 8 // status_list.STATUS_SIZE == status_list.LIST_SIZE
        db.session.remove()
        db.engine.dispose()


def test_0023_drops_the_plain_sha256_of_evidence_and_keeps_the_keyed_digest(instance_dir):
    """No plain hash of a file that may hold personal data stays stored; the
    keyed digest (duplicate detection) survives; going back brings an empty,
    nullable column (a plain hash cannot be recomputed from the keyed one)."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db

    url = fresh_database_url(instance_dir, "migration_0023")
    app = create_app(app_overrides(url, instance_dir))
    with app.app_context():
        upgrade(revision="0022")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO evidence (id, owner_type, owner_id, stored_name, original_name, content_type, "
                "size, sha256, digest, uploaded_at) VALUES (1, 'claim', 1, 'n1', 'f.pdf', "
                f"'application/pdf', 1, '{'a' * 64}', '{'b' * 64}', '2026-12-01 00:00:00')"))
        upgrade(revision="0023")
        columns = {c["name"] for c in inspect(db.engine).get_columns("evidence")}
        assert "sha256" not in columns and "digest" in columns
        assert "ix_evidence_sha256" not in {i["name"] for i in inspect(db.engine).get_indexes("evidence")}
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT digest FROM evidence")).scalar() == "b" * 64
        downgrade(revision="0022")
        sha = next(c for c in inspect(db.engine).get_columns("evidence") if c["name"] == "sha256")
        assert sha["nullable"]
        with db.engine.connect() as conn:
            assert tuple(conn.execute(text("SELECT sha256, digest FROM evidence")).one()) == (None, "b" * 64)
        db.session.remove()
        db.engine.dispose()
