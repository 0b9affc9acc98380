"""Every job kind, declared once: name, Chinese label, the permission (roles.py)
that lets a scope start it, and what it runs. Each one is safe to run again."""
from __future__ import annotations

from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import func, select

from ..extensions import db
from ..models import Certificate, Ledger, Person, TrainingClass
from ..security import scope as scopes
from ..services.errors import BusinessError
from ..services.sheets import XLSX_MIME
from . import kind, read_input as _input


@kind("certificates", _l("Certificate PDFs"), "review", "TrainingClassView")
def certificates(ctx, class_id: int) -> str:
    """Write the PDFs of a reviewed class's certificates that have none yet."""
    from ..services import certificates as service

    if scopes.get_in_scope(TrainingClass, class_id) is None:
        raise BusinessError(gettext("Record not found."), status=404)
    def written() -> tuple[int, int]:  # the class's PDFs so far, whoever wrote them
        return db.session.execute(select(func.count(), func.count(Certificate.stored_name))
                                  .where(Certificate.class_id == class_id)).one()

    total, done = written()
    ctx.progress(done, total)
    # ten PDFs a commit: the bar moves, and a killed consumer loses at most ten
    service.render_pending(class_id, chunk=10, progress=lambda n: ctx.progress(written()[1]),
                           journal=ctx.journal)
    ctx.progress(written()[1])
    return gettext("%(n)d certificate PDFs written.", n=total)


@kind("certificates_zip", _l("Certificates of a class (ZIP)"), "download", "TrainingClassView")
def certificates_zip(ctx, class_id: int) -> str:
    """A class's certificates as one ZIP for its organiser or the association;
    fetching the file is audited as a download of personal data (access_log)."""
    from ..services import certificates as service

    cls = scopes.get_in_scope(TrainingClass, class_id)
    if cls is None:
        raise BusinessError(gettext("Record not found."), status=404)
    total = db.session.execute(select(func.count()).select_from(
        scopes.scoped(Certificate).where(Certificate.class_id == cls.id,
                                         Certificate.revoked.is_(False)).subquery())).scalar()
    body, count = service.class_zip(cls.id, progress=_advancing(ctx, total))
    ctx.attach(body, f"certificates-{cls.id}.zip", "application/zip")
    return gettext("%(n)d certificates in the ZIP.", n=count)


@kind("eligibility_bulk", _l("Hours check of a list"), "check", "EligibilityView")
def eligibility_bulk(ctx, year, input: str, filename: str) -> str:
    from ..services import eligibility

    result = eligibility.check_bulk(ctx.scope, filename, _input(input), year)
    ctx.attach(result.body, f"hours-check-{year}.xlsx", XLSX_MIME)
    ctx.progress(result.rows, result.rows)
    return eligibility.summary(result)


@kind("platform_import", _l("Platform course import"), "import", "PlatformImportView")
def platform_import(ctx, input: str, filename: str) -> str:
    from ..services import platform_import as service
    from ..services.sheets import problems_workbook

    result = service.run(filename, _input(input), progress=_advancing(ctx))
    if result.problems:
        ctx.attach(problems_workbook(result.problems), "problems.xlsx", XLSX_MIME)
        raise BusinessError(gettext("Nothing was imported: the attached report lists each problem."))
    return gettext("%(added)d completions added, %(already)d already there, %(people)d people.",
                   added=result.added, already=result.already, people=result.people)


def _advancing(ctx, total: int | None = None):
    """A progress callback for a chunk loop: `n` more rows done (of `total` when known)."""
    if total is not None:
        ctx.progress(0, total)
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        ctx.progress(done)

    return advance


def _recomputed(result) -> str:
    return gettext("%(people)d people: %(written)d ledgers written, %(unchanged)d unchanged.",
                   people=result.people, written=result.written, unchanged=result.unchanged)


@kind("recompute", _l("Recompute the year's ledgers"), "recompute", "LedgerView")
def recompute(ctx, year: int) -> str:
    from ..services import ledgers

    if not ledgers.has_rules(int(year)):
        raise BusinessError(gettext("No rules for the year %(year)d.", year=int(year)))
    advance = _advancing(ctx, ledgers.count_people_of_year(int(year)))
    return _recomputed(ledgers.recompute_year(int(year), progress=advance))


@kind("recompute_ledgers", _l("Recompute the chosen ledgers"), "recompute_selected", "LedgerView")
def recompute_ledgers(ctx, ledger_ids: list[int]) -> str:
    """重新核算 of chosen ledgers: those in the scope of whoever chose them."""
    from ..services import ledgers

    years = ledgers.ledger_years(ledger_ids, scopes.clause(Ledger, ctx.scope))
    advance = _advancing(ctx, sum(len(ids) for ids in years.values()))
    result = ledgers.BulkResult()
    for year, person_ids in years.items():
        ledgers.recompute_year(year, among=ledgers.people_among(person_ids), progress=advance,
                               result=result)
    return _recomputed(result)


@kind("recompute_people", _l("Recompute the chosen people's ledgers"), "recompute", "PersonView")
def recompute_people(ctx, person_ids: list[int]) -> str:
    """重新核算 of chosen people: every year with rules in which they have records
    or a ledger, for the people in the scope of whoever chose them."""
    from ..rules import registry
    from ..services import ledgers

    among = ledgers.people_among(person_ids, scopes.clause(Person, ctx.scope))
    advance = _advancing(ctx, sum(ledgers.count_people_of_year(year, among=among)
                                  for year in registry.years()))
    return _recomputed(ledgers.recompute_people(among, progress=advance))


@kind("recompute_stale", _l("Recompute stale ledgers"), "recompute", "LedgerView")
def recompute_stale(ctx, unit_id: int | None = None, district_id: int | None = None) -> str:
    """The stale ledgers of the city, a district or a unit, within the starter's scope."""
    from ..services import ledgers

    among = select(Person.id).where(scopes.clause(Person, ctx.scope))
    advance = _advancing(ctx, sum(ledgers.count_stale(unit_id, district_id, among).values()))
    return _recomputed(ledgers.recompute_stale(unit_id=unit_id, district_id=district_id,
                                               among=among, progress=advance))


@kind("provincial_export", _l("Provincial export"), "export", "ExportBatchView")
def provincial_export(ctx, coverage: str, year, file_format: str) -> str:
    from ..services import provincial

    batch = provincial.create_batch(ctx.scope, coverage, year, file_format)
    ctx.attach_copy("exports", batch.stored_name, provincial.download_name(batch),
                    XLSX_MIME if batch.file_format == "xlsx" else "text/csv")
    return gettext("Batch %(no)s: %(rows)d rows.", no=batch.batch_no, rows=batch.rows)


def _class_sheet(step: str):
    """A roster or attendance upload of a class, taken as the workflow step in the
    starter's scope (row lock, organiser check, state, one transaction). Safe to
    run again: a participant already on the roster is not added twice, and the
    attendance of a row is set, not added."""

    def run(ctx, class_id: int, input: str, filename: str) -> str:
        from ..services import classes
        from ..services.sheets import SheetProblems, problems_workbook

        try:
            result = classes.WORKFLOW.run(step, ctx.scope, class_id,
                                          {"file": (filename, _input(input))})
        except SheetProblems as exc:
            ctx.attach(problems_workbook(exc.problems), "problems.xlsx", XLSX_MIME)
            raise BusinessError(gettext(
                "Nothing was imported: the attached report lists each problem.")) from None
        rows = result.added + result.unchanged
        ctx.progress(rows, rows)
        return gettext("%(added)d added or changed, %(unchanged)d unchanged.",
                       added=result.added, unchanged=result.unchanged)

    return run


kind("roster_import", _l("Roster upload"), "organise", "TrainingClassView")(
    _class_sheet("import_roster"))
kind("attendance_import", _l("Attendance upload"), "organise", "TrainingClassView")(
    _class_sheet("import_attendance"))
