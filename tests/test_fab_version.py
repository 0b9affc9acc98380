"""Xueshi re-implements a few Flask-AppBuilder methods to close its gaps (actions
that skip the scope, the generic file download, REST writes, OpenAPI entries).
This pins the FAB version they were written against and the source of each
method they replace: an upgrade fails here until each one is re-checked."""
from __future__ import annotations

import hashlib
import inspect

import flask_appbuilder
from flask_appbuilder import ModelRestApi, ModelView
from flask_appbuilder.api import BaseApi

from app.views.base import FAB_VERSION, REIMPLEMENTED, ScopedModelRestApi, ScopedModelView
from app.views.workflow import WorkflowApi

FAB_CLASSES = {"ModelView": ModelView, "ModelRestApi": ModelRestApi, "BaseApi": BaseApi}
OURS = {"ModelView": ScopedModelView, "ModelRestApi": ScopedModelRestApi, "BaseApi": WorkflowApi}
# sha256 of FAB 5.3.0's source of each method, first 16 hex digits
SOURCES = {
    ("ModelView", "action"): "2a262383056ce673",
    ("ModelView", "action_post"): "1cae459adb1785b4",
    ("ModelView", "download"): "66f8797fa30b8123",
    ("ModelRestApi", "post_headless"): "eec466c5aaa8aff8",
    ("ModelRestApi", "put_headless"): "9c4e2918d65deb57",
    ("ModelRestApi", "delete_headless"): "0a82c9ff4a4c69d3",
    ("BaseApi", "operation_helper"): "afd7ed8ab797b1ca",
    # not replaced, but Descriptions works around its description_columns.get(col, "")
    ("ModelRestApi", "info_headless"): "dc29668308e2d301",
}


def test_flask_appbuilder_is_the_version_the_overrides_were_written_for():
    assert flask_appbuilder.__version__ == FAB_VERSION == "5.3.0"


def test_each_reimplemented_fab_method_is_unchanged_and_overridden():
    named = {(cls, name) for cls, names in REIMPLEMENTED.items() for name in names}
    assert named <= set(SOURCES)
    for (cls, name), digest in SOURCES.items():
        fab_method = getattr(FAB_CLASSES[cls], name)
        source = inspect.getsource(fab_method)
        assert hashlib.sha256(source.encode()).hexdigest()[:16] == digest, f"FAB changed {cls}.{name}"
        if (cls, name) in named:
            assert OURS[cls].__dict__.get(name) is not None, f"{OURS[cls].__name__} no longer overrides {name}"
