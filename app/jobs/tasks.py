"""The huey tasks: one that runs any job, one that picks up interrupted jobs, one
that sends the e-mail of messages, one that removes expired refresh tokens, one that
writes the finished hours' verify-page lookups to the audit log."""
from __future__ import annotations

from huey import crontab

from .queue import app_for_task, huey


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


@huey.periodic_task(crontab(minute="17"))
def purge_expired_tokens() -> None:
    from ..security import identity

    with app_for_task().app_context():
        identity.purge_expired()


@huey.periodic_task(crontab(minute="*/5"))
def flush_verify_lookups() -> None:
    from ..services import access_log

    with app_for_task().app_context():
        access_log.flush_lookups()
