"""Every job kind, declared once: name, Chinese label, the permission (roles.py)
that lets a scope start it, and what it runs. Each one is safe to run again."""
from __future__ import annotations

from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import func, select

from ..extensions import db
from ..models import Certificate, TrainingClass
from ..security import scope as scopes
from ..services import files
from ..services.errors import BusinessError
from ..services.sheets import XLSX_MIME
from . import kind, read_input as _input


@kind("certificates", _l("Certificate PDFs"), "review", "TrainingClassView")
def certificates(ctx, class_id: int) -> str:
    """Write the PDFs of a reviewed class's certificates that have none yet."""
    from ..services import certificates as service

    if scopes.get_in_scope(TrainingClass, class_id) is None:
        raise BusinessError(gettext("Record not found."), status=404)
    total, pending = db.session.execute(select(
        func.count(), func.count().filter(Certificate.stored_name.is_(None)))
        .where(Certificate.class_id == class_id)).one()
    done = total - pending
    ctx.progress(done, total)

    def advance(n: int) -> None:
        nonlocal done
        done += n
        ctx.progress(done)

    service.render_pending(class_id, progress=advance)
    return gettext("%(n)d certificate PDFs written.", n=total)


@kind("certificates_zip", _l("Certificates of a class (ZIP)"), "download", "TrainingClassView")
def certificates_zip(ctx, class_id: int) -> str:
    """A class's certificates as one ZIP for its organiser or the association: a
    download of personal data, audited as one when it is ready."""
    from ..services import audit
    from ..services import certificates as service

    cls = scopes.get_in_scope(TrainingClass, class_id)
    if cls is None:
        raise BusinessError(gettext("Record not found."), status=404)
    total = db.session.execute(select(func.count()).select_from(
        scopes.scoped(Certificate).where(Certificate.class_id == cls.id,
                                         Certificate.revoked.is_(False)).subquery())).scalar()
    ctx.progress(0, total)
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        ctx.progress(done)

    body, count = service.class_zip(cls.id, progress=advance)
    audit.security_event("download.personal_data", what="certificates", class_id=cls.id,
                         certificates=count, job=ctx.job_id)
    ctx.attach(body, f"certificates-{cls.id}.zip", "application/zip")
    return gettext("%(n)d certificates in the ZIP.", n=count)


@kind("eligibility_bulk", _l("Hours check of a list"), "check", "EligibilityView")
def eligibility_bulk(ctx, year, input: str, filename: str) -> str:
    from ..services import eligibility

    body, rows = eligibility.check_bulk(ctx.scope, filename, _input(input), year)
    ctx.attach(body, f"hours-check-{year}.xlsx", XLSX_MIME)
    ctx.progress(rows, rows)
    return gettext("%(n)d applicants checked.", n=rows)


@kind("platform_import", _l("Platform course import"), "import", "PlatformImportView")
def platform_import(ctx, input: str, filename: str) -> str:
    from ..services import platform_import as service
    from ..services.sheets import problems_workbook

    data = _input(input)
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        ctx.progress(done)

    result = service.run(filename, data, progress=advance)
    if result.problems:
        ctx.attach(problems_workbook(result.problems), "problems.xlsx", XLSX_MIME)
        raise BusinessError(gettext("Nothing was imported: the attached report lists each problem."))
    return gettext("%(added)d completions added, %(already)d already there, %(people)d people.",
                   added=result.added, already=result.already, people=result.people)


@kind("recompute", _l("Recompute the year's ledgers"), "recompute", "LedgerView")
def recompute(ctx, year: int) -> str:
    from ..services import ledgers

    if not ledgers.has_rules(int(year)):
        raise BusinessError(gettext("No rules for the year %(year)d.", year=int(year)))
    total = ledgers.count_people_of_year(int(year))
    ctx.progress(0, total)
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        ctx.progress(done)

    result = ledgers.recompute_year(int(year), progress=advance)
    return gettext("%(people)d people: %(written)d ledgers written, %(unchanged)d unchanged.",
                   people=result.people, written=result.written, unchanged=result.unchanged)


@kind("provincial_export", _l("Provincial export"), "export", "ExportBatchView")
def provincial_export(ctx, coverage: str, year, file_format: str) -> str:
    from ..services import provincial

    batch = provincial.create_batch(ctx.scope, coverage, year, file_format)
    ctx.attach(files.read("exports", batch.stored_name), provincial.download_name(batch),
               XLSX_MIME if batch.file_format == "xlsx" else "text/csv")
    return gettext("Batch %(no)s: %(rows)d rows.", no=batch.batch_no, rows=batch.rows)
