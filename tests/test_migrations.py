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
