"""Reads of personal data that the audit log records (issue 15, 等保 安全审计).

- Every file a screen or the API hands out (any 200 answer with a
  `Content-Disposition`) is a `download.personal_data` event: who, which file,
  which record, from where. One hook for every path, so a new download cannot
  be forgotten; files without personal data are named in NO_PERSONAL_DATA.
  A professional sees only their own records, so their downloads (their own
  certificates, evidence and export) are the holder's and are not entries.
- Public verify-page lookups (by QR token, by number and name, by uploaded
  document; a 404 counts as not found) are counted per client and hour and written as
  one `verify.lookups` event per client and finished hour (`flush_lookups`,
  every five minutes by the consumer and before each `audit-anchor`), never
  one entry per request.
Bulk checks and exports write their own events where they run
(`eligibility.check_bulk`, `provincial.create_batch`)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete

from ..extensions import db
from ..models import VerifyLookupCount
from . import audit

# endpoint -> (what the file is, the table its <pk> names)
FILES = {
    "ExportBatchView.download": (_l("Provincial export file"), "export_batch"),
    "ExportBatchApi.file": (_l("Provincial export file"), "export_batch"),
    "JobView.file": (_l("Job result file"), "job"),
    "JobApi.file": (_l("Job result file"), "job"),
    "EligibilityView.result": (_l("Hours check of a list: result"), None),
    "EligibilityApi.bulk": (_l("Hours check of a list: result"), None),
    "HomeView.short_sheet": (_l("People short of hours (Excel)"), None),
    "DishonestyRecordView.notice": (_l("City-wide notice of dishonest conduct (Excel)"), None),
    "TrainingClassView.attendance_template": (_l("Attendance template with the roster"),
                                              "training_class"),
    "TrainingClassView.material_file": (_l("Class material"), "training_class"),
    "TrainingClassView.problems": (_l("Problem report"), "training_class"),
    "PlatformImportView.report": (_l("Problem report"), None),
    "ClaimView.download": (_l("Claim evidence"), "claim"),
    "ClaimApi.evidence_file": (_l("Claim evidence"), "claim"),
    "BaseEvaluationView.material_file": (_l("Evaluation material"), "base_evaluation"),
    "CertificateView.pdf": (_l("Certificate PDF"), "certificate"),
    "CertificateApi.pdf": (_l("Certificate PDF"), "certificate"),
    "CertificateView.credential": (_l("Certificate credential"), "certificate"),
    "LedgerView.certificate": (_l("Year certificate PDF"), "ledger"),
    "LedgerApi.certificate": (_l("Year certificate PDF"), "ledger"),
    "LedgerView.credential": (_l("Year certificate credential"), "ledger"),
}
# Files without personal data: blank templates whose one sample row is made up.
NO_PERSONAL_DATA = {"PlatformImportView.template", "TrainingClassView.roster_template"}
# the public verify page: by QR token, by number and name, by uploaded document
VERIFY_ENDPOINTS = {"VerifyView.verify", "VerifyView.lookup", "VerifyView.check"}


def _holder_reading_own() -> bool:
    from ..security.scope import current_scope

    return current_scope().person_id is not None


def _static(endpoint: str) -> bool:
    """The app's own scripts, styles, fonts and images (sent inline with a file name)."""
    return endpoint == "static" or endpoint.endswith(".static")


def _record_download(response):
    endpoint = request.endpoint or ""
    if endpoint in NO_PERSONAL_DATA or _static(endpoint) or _holder_reading_own():
        return
    _label, table = FILES.get(endpoint, (None, None))
    pk = (request.view_args or {}).get("pk")
    record = f"{table}:{pk}" if table and pk is not None else endpoint
    # the evidence row's number, say; never a report's random name
    extra = {k: v for k, v in (request.view_args or {}).items() if k != "pk" and isinstance(v, int)}
    audit.security_event("download.personal_data", record=record, endpoint=endpoint,
                         file=response.headers.get("Content-Disposition", "")[:200],
                         bytes=response.content_length, commit=True, **extra)


def _after_request(response):
    if request.endpoint in VERIFY_ENDPOINTS and response.status_code in (200, 404):
        count_lookup(found=response.status_code == 200)
    elif response.status_code == 200 and "Content-Disposition" in response.headers:
        _record_download(response)
    return response


def install(app: Flask) -> None:
    app.after_request(_after_request)


# -- verify-page lookups, one entry per client and hour -----------------------

def _hour(at: datetime) -> str:
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H")


def _upsert(values: dict):
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = VerifyLookupCount.__table__
    stmt = insert(table).values(**values)
    return stmt.on_conflict_do_update(index_elements=["hour", "client"], set_={
        "lookups": table.c.lookups + stmt.excluded.lookups,
        "not_found": table.c.not_found + stmt.excluded.not_found,
    })


def count_lookup(*, found: bool, at: datetime | None = None, client: str | None = None) -> None:
    """Count one verify-page lookup of this client in this hour (its own commit)."""
    at = at or datetime.now(timezone.utc)
    client = (client or audit.client_address() or "unknown")[:64]
    db.session.execute(_upsert({"hour": _hour(at), "client": client, "lookups": 1,
                                "not_found": 0 if found else 1}))
    db.session.commit()


def flush_lookups(now: datetime | None = None) -> int:
    """Write one `verify.lookups` event per client and finished hour, and drop
    their counters, in one transaction; returns the events written."""
    table = VerifyLookupCount.__table__
    current = _hour(now or datetime.now(timezone.utc))
    rows = db.session.execute(delete(table).where(table.c.hour < current).returning(
        table.c.hour, table.c.client, table.c.lookups, table.c.not_found)).all()
    with audit.acting_as("system:verify"):
        for hour, client, lookups, not_found in sorted(rows):
            start = datetime.strptime(hour, "%Y-%m-%dT%H").replace(tzinfo=timezone.utc)
            audit.security_event("verify.lookups", record=client, client=client,
                                 hour=start.isoformat(),
                                 until=(start + timedelta(hours=1)).isoformat(),
                                 lookups=lookups, not_found=not_found)
    db.session.commit()
    return len(rows)

