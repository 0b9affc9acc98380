"""Backup and restore: the database (SQLite's online backup API, or `pg_dump`
in its custom format) and the private files area, with a manifest of SHA-256s.

`flask xueshi backup --to DIR` writes `DIR/xueshi-<UTC time>/`; `flask xueshi
restore DIR/xueshi-<time>` fills an *empty* instance (no tables, no files) and
refuses anything else. docs/deploy.md has the schedule."""
from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from flask import current_app
from flask_babel import gettext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from ..extensions import db
from ..models.base import utcnow
from . import files
from .errors import BusinessError

MANIFEST = "manifest.json"
ARCHIVE = "files.tar.gz"
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _backend(url) -> str:
    name = make_url(str(url)).get_backend_name()
    if name not in DUMPS:
        raise BusinessError(gettext("Backups support SQLite and PostgreSQL only."))
    return name


def _libpq(url) -> str:
    """The SQLAlchemy URL as pg_dump/pg_restore read it."""
    return make_url(str(url)).set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_path(url) -> Path:
    return Path(make_url(str(url)).database)


def backup(target: Path) -> Path:
    """Write a complete backup under `target`; returns its folder."""
    engine = db.engine
    kind = _backend(engine.url)
    out = Path(target) / f"xueshi-{utcnow().strftime('%Y%m%dT%H%M%S%fZ')}"
    out.mkdir(parents=True)
    dump = out / DUMPS[kind]
    if kind == "sqlite":
        source = sqlite3.connect(_sqlite_path(engine.url))
        copy = sqlite3.connect(dump)
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()
    else:
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file", str(dump),
                        "--dbname", _libpq(engine.url)], check=True, capture_output=True)
    uploads = files.root()
    listed = {}
    with tarfile.open(out / ARCHIVE, "w:gz") as tar:
        if uploads.exists():
            for path in sorted(p for p in uploads.rglob("*") if p.is_file()):
                rel = path.relative_to(uploads).as_posix()
                listed[rel] = _sha256(path)
                tar.add(path, arcname=rel)
    revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    db.session.rollback()
    manifest = {
        "format": 1, "created_at": utcnow().isoformat(), "database": kind, "revision": revision,
        "sha256": {DUMPS[kind]: _sha256(dump), ARCHIVE: _sha256(out / ARCHIVE)},
        "files": listed,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return out


def read_manifest(source: Path) -> dict:
    """The backup's manifest, once every listed file matches its SHA-256."""
    try:
        manifest = json.loads((Path(source) / MANIFEST).read_text())
    except (OSError, ValueError):
        raise BusinessError(gettext("%(folder)s is not a Xueshi backup (no readable manifest).",
                                    folder=str(source))) from None
    for name, digest in manifest.get("sha256", {}).items():
        path = Path(source) / name
        if not path.exists() or _sha256(path) != digest:
            raise BusinessError(gettext("The backup file %(name)s is missing or damaged.", name=name))
    return manifest


def restore(source: Path) -> dict:
    """Restore a backup into this (empty) instance's database and files area."""
    source = Path(source)
    manifest = read_manifest(source)
    engine = db.engine
    kind = _backend(engine.url)
    if manifest["database"] != kind:
        raise BusinessError(gettext("This backup is of a %(kind)s database; restore it into one.",
                                    kind=manifest["database"]))
    if inspect(engine).get_table_names():
        raise BusinessError(gettext("The target database is not empty; restore only into an empty one."))
    uploads = files.root()
    if uploads.exists() and any(uploads.iterdir()):
        raise BusinessError(gettext("The files folder %(folder)s is not empty.", folder=str(uploads)))
    db.session.remove()
    engine.dispose()
    dump = source / DUMPS[kind]
    if kind == "sqlite":
        backup_db = sqlite3.connect(dump)
        target = sqlite3.connect(_sqlite_path(engine.url))
        try:
            with target:
                backup_db.backup(target)
        finally:
            target.close()
            backup_db.close()
    else:
        subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                        "--dbname", _libpq(engine.url), str(dump)], check=True, capture_output=True)
    uploads.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / ARCHIVE, "r:gz") as tar:
        tar.extractall(uploads, filter="data")
    for rel, digest in manifest.get("files", {}).items():
        if _sha256(uploads / rel) != digest:
            raise BusinessError(gettext("The backup file %(name)s is missing or damaged.", name=rel))
    return manifest


def default_folder() -> Path:
    return Path(current_app.config.get("XUESHI_BACKUP_DIR") or
                Path(current_app.instance_path) / "backups")



