"""The huey tasks: one that runs any job, one that picks up interrupted jobs, one
that sends the e-mail of messages, and the scheduled upkeep (`SCHEDULE`), verify-page
lookups of finished hours written to the audit log among it."""
from __future__ import annotations

import logging

from huey import crontab

from .queue import app_for_task, huey

log = logging.getLogger("xueshi.jobs")


@huey.task(retries=3, retry_delay=10)
def run_job(job_id: int) -> None:
    from . import execute

    with app_for_task().app_context():
        execute(job_id)


@huey.periodic_task(crontab(minute="*"))
def requeue_stale_jobs() -> None:
    from . import requeue_stale

    with app_for_task().app_context():
        requeue_stale()


@huey.task(retries=3, retry_delay=60)
def send_email(message_ids: list[int]) -> None:
    """E-mail of messages written by a committed step; an SMTP failure is retried."""
    from ..services import messages

    with app_for_task().app_context():
        messages.send(message_ids)


@huey.task()
def refresh_dashboard(what: str, year: int, district_id: int | None) -> None:
    """Dashboard figures computed again and stored (app/services/dashboard.py)."""
    from ..services import dashboard

    with app_for_task().app_context():
        dashboard.refresh(what, year, district_id)


# -- scheduled upkeep ---------------------------------------------------------------
# Every consumer runs the scheduler (huey's clock is UTC; Qingdao is UTC+8). Each body
# is idempotent (app/services/upkeep.py) and holds a lock while it runs, so several
# consumers, or a run by hand the same day, act once.

def _reminders():
    from ..services import reminders

    return {year: vars(counts) for year, counts in reminders.run_due().items()}


def _anchor():
    from ..services import upkeep

    anchor = upkeep.anchor_audit()
    return anchor and anchor["seq"]


def _archive():
    from ..services import upkeep

    return upkeep.archive_audit()


def _backup():
    from ..services import upkeep

    out = upkeep.nightly_backup()
    return out and out.name


def _clean_up():
    from ..services import upkeep

    return upkeep.clean_up()


def _purge_tokens():
    from ..security import identity

    return identity.purge_expired()


def _verify_lookups():
    from ..services import access_log

    return access_log.flush_lookups()


# name -> (when, body); the README's schedule table lists the same
SCHEDULE = {
    "reminders": (crontab(minute="5", hour="23"), _reminders),      # 07:05 in Qingdao
    "audit-anchor": (crontab(minute="17", hour="*/6"), _anchor),    # every six hours
    "backup": (crontab(minute="30", hour="18"), _backup),           # 02:30
    "audit-archive": (crontab(minute="45", hour="19"), _archive),   # 03:45
    "clean-up": (crontab(minute="15", hour="20"), _clean_up),       # 04:15
    "purge-tokens": (crontab(minute="17"), _purge_tokens),          # hourly
    "verify-lookups": (crontab(minute="*/5"), _verify_lookups),     # finished hours, one entry each
}


def _scheduled(name: str, when, body):
    def run():
        from ..security import scope as scopes
        from ..services import audit

        with huey.lock_task(f"upkeep-{name}"), app_for_task().app_context(), \
                audit.acting_as(f"schedule:{name}"), scopes.acting_as_system():
            log.info("scheduled %s: %s", name, body())

    run.__name__ = f"upkeep_{name.replace('-', '_')}"
    return huey.periodic_task(when, name=f"upkeep.{name}")(run)


UPKEEP = {name: _scheduled(name, when, body) for name, (when, body) in SCHEDULE.items()}
