"""Xueshi (学时): the admin for Qingdao's continuing-education hours.

`create_app()` builds the Flask application (`flask --app app …`). The import
is deferred so that `python -m app.rules` loads no web framework."""


def create_app(overrides: dict | None = None):
    from .factory import create_app as build

    return build(overrides)
