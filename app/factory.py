"""The application factory: config, database, AppBuilder, views, CLI."""
from __future__ import annotations

import logging

from flask import Flask, session
from flask_appbuilder import AppBuilder

import config

from . import formatting
from .extensions import csrf, db, migrate


# FAB's own group/role APIs declare filters on relations it cannot build; noise only.
logging.getLogger("flask_appbuilder.models.filters").setLevel(logging.ERROR)


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app: config from the environment, then `overrides` (tests)."""
    app = Flask(__name__, instance_path=str(config.instance_dir()))
    app.config.update(config.build())
    if overrides:
        app.config.update(overrides)
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", config.engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )

    # Browsers ask every page for /favicon.ico: the app's icon, as one more of its static files.
    app.add_url_rule("/favicon.ico", endpoint="static", view_func=app.view_functions["static"],
                     defaults={"filename": "favicon.ico"})
    db.init_app(app)
    app.jinja_env.finalize = formatting.for_template
    app.jinja_env.globals["local_time"] = formatting.local_time  # a time inside a message
    csrf.init_app(app)  # before AppBuilder, which exempts its API blueprints
    migrate.init_app(app, db, directory=str(config.BASE_DIR / "migrations"))

    from . import models  # noqa: F401  (register tables with the metadata)
    from . import runtime
    from .jobs import queue
    from .services import audit, messages, placement  # noqa: F401  (rows follow their person)
    from .views import register_views

    audit.install()
    from .views import input_errors

    input_errors.install(app)
    messages.install()
    runtime.install(app)
    if "XUESHI_JOBS_IMMEDIATE" in app.config:  # tests: jobs run inline, the queue in memory
        queue.huey.immediate = bool(app.config["XUESHI_JOBS_IMMEDIATE"])

    @app.url_value_preprocessor
    def _ids_in_range(endpoint, values):
        # An id in a path that no INTEGER column can hold names no record: 404,
        # before any query could overflow (SQLite OverflowError, PostgreSQL DataError).
        from flask import abort

        from .security.scope import as_id

        for name, value in (values or {}).items():
            if name in ("pk", "id") or name.endswith("_id"):
                text = str(value).lstrip("-")
                if text.isdigit() and as_id(value) is None:
                    abort(404)

    @app.before_request
    def _idle_timeout():
        # The session cookie expires after PERMANENT_SESSION_LIFETIME of inactivity
        # (set once: setting it marks the session changed, and a changed session is
        # written back by every response, a static file's too).
        if not session.permanent:
            session.permanent = True

    with app.app_context():
        appbuilder = AppBuilder(update_perms=app.config["FAB_UPDATE_PERMS"])
        appbuilder.init_app(app, db.session)
        register_views(appbuilder)

    from .security import guard

    guard.install(app)  # after FAB's before_request, which sets g.user

    from .views import errors

    errors.install(app)

    from .services import access_log

    access_log.install(app)

    from .cli import xueshi

    app.cli.add_command(xueshi)
    runtime.check_production(app)

    @app.teardown_appcontext
    def _release(exc):
        db.session.remove()

    return app
