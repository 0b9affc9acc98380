"""The job queue: one huey instance, SQLite storage in the instance folder on the
embedded default and Redis when `XUESHI_REDIS_URL` is set; the same code for both.

Consumers: `flask --app app xueshi worker` (scripts/serve.sh starts one beside
the web server). Tests switch the queue to immediate mode (tasks run at once).

The queue is named after the database (`name()`): a message names a job row by
its id, so a consumer must never take a message of another instance that shares
the Redis database (a staging copy, another test run) — it would run that
instance's job id in its own database, and the message would be lost to its own.
"""
from __future__ import annotations

import hashlib
import threading
import time

from huey import RedisHuey, SqliteHuey
from sqlalchemy.engine import make_url

import config

HEARTBEAT_KEY = "xueshi:consumer-heartbeat"


def name(database_url: str) -> str:
    """The queue of the instance on `database_url`: its backend, host, port and
    database, whatever the driver or the password."""
    url = make_url(database_url)
    where = f"{url.get_backend_name()}://{url.host or ''}:{url.port or ''}/{url.database or ''}"
    return "xueshi_" + hashlib.sha256(where.encode()).hexdigest()[:16]


def _build():
    url, queue = config.redis_url(), name(config.database_url())
    if url:
        return RedisHuey(queue, url=url, utc=True)
    return SqliteHuey(queue, filename=str(config.instance_dir() / "jobs.db"), utc=True)


huey = _build()
_app = None


def bind_app(app) -> None:
    """The Flask app the tasks of this process run in (a consumer binds its own)."""
    global _app
    _app = app


def app_for_task():
    """The app a task runs in: the bound one, the current one (immediate mode),
    else one built from the environment (a bare `huey_consumer`)."""
    global _app
    from flask import current_app, has_app_context

    if _app is not None:
        return _app
    if has_app_context():
        return current_app._get_current_object()
    from app import create_app

    _app = create_app()
    return _app


def storage_kind() -> str:
    return "memory" if huey.immediate else ("redis" if isinstance(huey, RedisHuey) else "sqlite")


def ping() -> None:
    """Raise when the queue storage is unreachable."""
    if isinstance(huey, RedisHuey) and not huey.immediate:
        huey.storage.conn.ping()
    else:
        huey.pending_count()


def beat() -> None:
    huey.put(HEARTBEAT_KEY, time.time())


def heartbeat_age() -> float | None:
    """Seconds since a consumer last said it was alive (None: never)."""
    stamp = huey.get(HEARTBEAT_KEY, peek=True)
    return None if stamp is None else max(0.0, time.time() - float(stamp))


def start_heartbeat(every: float = 10.0) -> threading.Event:
    """A consumer's heartbeat thread; set the returned event to stop it."""
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            try:
                beat()
            except Exception:  # the storage is down: /readyz says so by the stale beat
                pass
            stop.wait(every)

    threading.Thread(target=loop, name="xueshi-heartbeat", daemon=True).start()
    return stop
