"""`flask --app app xueshi …`: install, users, demo data, audit check."""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext

from .extensions import db
from .security import scope as scopes
from .services import accounts, audit

xueshi = AppGroup("xueshi", help="Xueshi administration commands.")


@contextmanager
def as_cli(command: str):
    """A command acts as the system (it sees everything) and is audited as `cli:<command>`."""
    with audit.acting_as(f"cli:{command}"), scopes.acting_as_system():
        yield


def fail(message: str, code: int = 2):
    click.echo(message, err=True)
    sys.exit(code)


@xueshi.command("init")
def init_command():
    """Migrate to head, sync roles and permissions, load districts. Idempotent."""
    from flask_migrate import upgrade

    from .pdf import sign
    from .services import credentials, ledgers

    upgrade()
    with as_cli("init"):
        accounts.initialise(current_app.appbuilder)
        stale = sum(ledgers.count_stale().values())
    click.echo(gettext("Database migrated, roles synced, districts loaded."))
    if stale:
        click.echo(gettext("%(count)d ledgers were computed under an older revision of the rules: "
                           "run `flask --app app xueshi recompute --stale`.", count=stale))
    if current_app.config.get("XUESHI_SIGNER_P12"):
        return
    if current_app.config.get("XUESHI_ENV") == "production":
        click.echo(gettext("No signing certificate is configured (XUESHI_SIGNER_P12 and "
                           "XUESHI_SIGNER_PASSPHRASE): certificates cannot be issued."), err=True)
    elif sign.create_demo_signer(Path(current_app.instance_path)) | credentials.create_demo_key(
            Path(current_app.instance_path)):
        click.echo(gettext("Demo mode: a self-signed demo signing certificate was created in "
                           "the instance folder. Its signatures prove nothing to others; set "
                           "XUESHI_SIGNER_P12 and XUESHI_SIGNER_PASSPHRASE in production."))


@xueshi.command("create-user")
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True)
@click.option("--district", "district", help="District code (district_officer)")
@click.option("--department", "department", help="Department name (authority_staff)")
@click.option("--unit", "unit", help="Unit credit code (unit_reviewer)")
@click.option("--base", "base", help="Training base code (base_staff)")
@click.option("--person", "person", help="ID number (professional)")
@click.option("--name", "full_name", default=None, help="Display name")
@click.option("--email", default=None)
@click.option("--temporary/--permanent", default=True, show_default=True,
              help="Whether the login must choose a new password at its first sign-in")
def create_user_command(username, password, role, district, department, unit, base, person,
                        full_name, email, temporary):
    """Create a login with one role and, where the role needs it, its scope."""
    targets = {
        "district": district,
        "department": department,
        "unit": unit,
        "base": base,
        "person": person,
    }
    with as_cli("create-user"):
        try:
            accounts.create_user(
                current_app.appbuilder,
                username=username,
                password=password,
                role=role,
                targets={k: v for k, v in targets.items() if v is not None},
                full_name=full_name,
                email=email,
                must_change=temporary,
            )
        except accounts.AccountError as exc:
            db.session.rollback()
            fail(str(exc))
    click.echo(gettext("User %(username)s created with role %(role)s.", username=username, role=role))


@xueshi.command("demo")
@click.option("--people", default=200, show_default=True, help="How many professionals")
@click.option("--seed", default=None, type=int, help="Random seed for the data (not passwords)")
def demo_command(people, seed):
    """Load realistic demo data and print one login per role."""
    from .services import demo

    with as_cli("demo"):
        logins = demo.load(current_app.appbuilder, people=people, seed=seed)
    click.echo(gettext("Demo logins (passwords are random for this install):"))
    for row in logins:
        secret = f"   TOTP {row['totp_secret']}" if row["totp_secret"] else ""
        click.echo(f"  {row['role']:<18} {row['username']:<16} {row['password']}   {row['label']}{secret}")
    click.echo(gettext("Logins marked TOTP sign in with a second factor: add the key to an "
                       "authenticator app, or print the current code with "
                       ".venv/bin/python -c \"import pyotp; print(pyotp.TOTP('KEY').now())\"."))
    click.echo(gettext("Certificate QR codes point to %(base)s/verify/… (XUESHI_PUBLIC_BASE_URL).",
                       base=current_app.config["XUESHI_PUBLIC_BASE_URL"].rstrip("/")))


@xueshi.command("recompute")
@click.option("--year", type=int, help="Every ledger of this year")
@click.option("--stale", is_flag=True, help="Only ledgers computed under an older rules revision")
@click.option("--unit", "unit", help="Only this unit (credit code)")
@click.option("--district", "district", help="Only this district (code)")
@click.option("--chunk", default=2000, show_default=True, help="People per transaction")
@click.option("--workers", default=os.cpu_count() or 1, show_default=True,
              help="Processes recomputing a year side by side (PostgreSQL)")
def recompute_command(year, stale, unit, district, chunk, workers):
    """Recompute the year's ledgers (or the stale ones) in chunks, with a progress bar.

    Each chunk commits on its own: interrupt at any time and run again."""
    from tqdm import tqdm

    from .services import ledgers

    if (year is None) == (not stale):
        fail(gettext("Give either --year or --stale."))
    if year is not None and not ledgers.has_rules(year):
        fail(gettext("No rules for the year %(year)d.", year=year))
    scope = {}
    try:
        if unit:
            scope["unit_id"] = accounts.resolve_scope("unit_reviewer", {"unit": unit})["unit_id"]
        if district:
            scope["district_id"] = accounts.resolve_scope(
                "district_officer", {"district": district})["district_id"]
    except accounts.AccountError as exc:
        fail(str(exc))
    with as_cli("recompute"):
        if stale:
            total = sum(ledgers.count_stale(**scope).values())
            with tqdm(total=total, unit=gettext("people"),
                      desc=gettext("Recompute stale ledgers")) as bar:
                result = ledgers.recompute_stale(chunk=chunk, progress=bar.update, **scope)
        else:
            total = ledgers.count_people_of_year(year, **scope)
            with tqdm(total=total, unit=gettext("people"),
                      desc=gettext("Recompute %(year)d", year=year)) as bar:
                result = ledgers.recompute_year(year, chunk=chunk, progress=bar.update,
                                                workers=workers, **scope)
    click.echo(gettext("%(people)d people: %(written)d ledgers written, %(unchanged)d unchanged.",
                       people=result.people, written=result.written, unchanged=result.unchanged))


@xueshi.command("certificates")
@click.option("--class", "class_id", type=int, default=None, help="Only this class (record number)")
def certificates_command(class_id):
    """Write the certificate PDFs still missing (after a crash, or for a big class)."""
    from sqlalchemy import func, select
    from tqdm import tqdm

    from .models import Certificate
    from .services import certificates

    stmt = select(Certificate.class_id, func.count()).where(Certificate.stored_name.is_(None))
    if class_id is not None:
        stmt = stmt.where(Certificate.class_id == class_id)
    pending = dict(db.session.execute(stmt.group_by(Certificate.class_id)).all())
    total = 0
    with as_cli("certificates"), tqdm(total=sum(pending.values()),
                                      unit=gettext("certificates")) as bar:
        for cid in sorted(pending):
            total += certificates.render_pending(cid, progress=bar.update)
    click.echo(gettext("%(n)d certificate PDFs written.", n=total))


@xueshi.command("worker")
@click.option("--workers", default=2, show_default=True, help="Jobs run at the same time")
def worker_command(workers):
    """Run a job consumer (huey) until Ctrl-C or SIGTERM."""
    from . import jobs, logs
    from .jobs import queue

    logs.configure()
    queue.bind_app(current_app._get_current_object())
    stop = queue.start_heartbeat()
    jobs.requeue_stale()  # what a consumer killed earlier left behind
    try:
        # the scheduled upkeep's locks left by a killed consumer go (each body is idempotent)
        queue.huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                   flush_locks=True).run()
    finally:
        stop.set()


@xueshi.command("backup")
@click.option("--to", "target", default=None, help="Folder for backups (default instance/backups)")
def backup_command(target):
    """Back up the database and the files area, with a manifest of SHA-256s."""
    from pathlib import Path

    from .services import backup
    from .services.errors import BusinessError

    try:
        out = backup.backup(Path(target) if target else backup.default_folder())
    except BusinessError as exc:
        fail(str(exc))
    click.echo(gettext("Backup written to %(folder)s.", folder=str(out)))


@xueshi.command("restore")
@click.argument("source")
def restore_command(source):
    """Restore a backup folder into this empty instance (database and files)."""
    from .services import backup
    from .services.errors import BusinessError

    try:
        manifest = backup.restore(source)
    except BusinessError as exc:
        fail(str(exc))
    click.echo(gettext("Restored the backup of %(when)s (%(n)d files).",
                       when=manifest["created_at"], n=len(manifest.get("files", {}))))


@xueshi.command("audit-verify")
@click.option("--archive", "archives", is_flag=True, help="Also check every archive file")
def audit_verify_command(archives):
    """Recompute the audit chain against the latest anchor; exit 1 if any entry
    was edited or removed, or the log was cut, rehashed or emptied."""
    result = audit.verify(db.session, archives=archives)
    if not result.ok:
        fail(gettext("Audit chain broken: %(problem)s", problem=result.problem), code=1)
    click.echo(gettext("Audit chain intact: %(n)d entries checked.", n=result.checked))


@xueshi.command("audit-anchor")
def audit_anchor_command():
    """Write the signed chain head with a timestamp outside the database (the
    consumer does it every six hours when entries were added)."""
    from .services import upkeep
    from .services.errors import BusinessError

    with as_cli("audit-anchor"):
        try:
            anchor = upkeep.anchor_audit(force=True)
        except BusinessError as exc:
            fail(str(exc), code=1)
    click.echo(gettext("Anchor written: entry #%(seq)d at %(at)s.", seq=anchor["seq"], at=anchor["at"]))


@xueshi.command("audit-redact")
def audit_redact_command():
    """Redact the plain-hash platform dedupe keys of old audit entries (the chain
    stays verifiable: see services/audit_redaction.py). Safe to run again."""
    from .services import audit_redaction

    result = audit.verify(db.session)
    if not result.ok:
        fail(gettext("Audit chain broken: %(problem)s", problem=result.problem), code=1)
    with as_cli("audit-redact"):
        changed = audit_redaction.redact_plain_dedupe_keys(db.session)
    click.echo(gettext("%(n)d audit entries redacted.", n=changed))


@xueshi.command("audit-archive")
@click.option("--days", type=int, default=None, help="Keep this many days in the database (at least 180)")
def audit_archive_command(days):
    """Move entries older than the retention period to signed, compressed files."""
    from .services import upkeep
    from .services.errors import BusinessError

    with as_cli("audit-archive"):
        try:
            moved = upkeep.archive_audit(days)
        except BusinessError as exc:
            fail(str(exc), code=1)
    click.echo(gettext("%(n)d audit entries archived.", n=moved))


@xueshi.command("remind")
@click.option("--year", type=int, required=True)
@click.option("--dry-run", is_flag=True, help="Only count who would be reminded.")
def remind_command(year, dry_run):
    """Remind everybody still short of the year's hours, and their unit reviewers (once each)."""
    from .rules import registry
    from .services import reminders

    if registry.get(year) is None:
        fail(gettext("No rules for %(year)d.", year=year))
    with as_cli("remind"):
        counts = reminders.run(year, dry_run=dry_run)
    message = (gettext("Dry run: %(people)d people and %(reviewers)d unit reviewers would be reminded.",
                       people=counts.people, reviewers=counts.reviewers) if dry_run else
               gettext("%(people)d people and %(reviewers)d unit reviewers reminded.",
                       people=counts.people, reviewers=counts.reviewers))
    click.echo(message)


@xueshi.command("reset-2fa")
@click.option("--username", required=True)
def reset_2fa_command(username):
    """Remove a login's second factor (lost phone); it enrols again at its next sign-in.
    Every session and token of the login ends; the reset is audited."""
    from .security import mfa

    with as_cli("reset-2fa"):
        user = current_app.appbuilder.sm.find_user(username=username.strip())
        if user is None:
            fail(gettext("No user %(username)s.", username=username))
        mfa.reset(user, by="cli")
        db.session.commit()
    click.echo(gettext("Second factor of %(username)s removed: it sets up a new one at its next "
                       "sign-in.", username=username))


@xueshi.command("grant-role")
@click.option("--username", required=True)
@click.option("--role", required=True)
def grant_role_command(username, role):
    """Give an existing login its one role at deploy time, privileged roles included
    (on screen those need a second administrator). Audited; the login's sessions end."""
    from .security.roles import ALL_ROLES, ROLE_LABELS
    from .services import role_grants

    if role not in ALL_ROLES:
        fail(gettext("Unknown role %(role)s. Roles: %(roles)s", role=role, roles=", ".join(ALL_ROLES)))
    with as_cli("grant-role"):
        user = current_app.appbuilder.sm.find_user(username=username.strip())
        if user is None:
            fail(gettext("No user %(username)s.", username=username))
        role_grants.grant_at_deploy(user, role)
    click.echo(gettext("%(username)s now has the role %(role)s.", username=username,
                       role=str(ROLE_LABELS[role])))


@xueshi.command("purge-tokens")
def purge_tokens_command():
    """Remove expired refresh tokens and stale per-client failure counts (the job
    consumer does it every hour too)."""
    from .security import identity

    removed = identity.purge_expired()
    click.echo(gettext("%(tokens)d expired refresh tokens and %(clients)d stale client failure "
                       "counts removed.", tokens=removed["refresh_tokens"],
                       clients=removed["client_failures"]))
