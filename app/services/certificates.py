"""电子证书 and 年度学时证明: numbered (`identifiers`), stored, verifiable.

A class's certificates are issued when its completion is approved, revoked
with a reason; their PDFs are written afterwards. A person's year certificate
is issued when it is first downloaded, and again (next version) once the
year changed. Both carry a random token behind their QR code for the public
verify page.

Approval numbers the certificates in its transaction (`issue`); the PDFs are
written afterwards in chunks (the `certificates` job, or `flask xueshi
certificates`), each chunk one commit, so a class of a thousand never holds a
request. A certificate downloaded before its turn is written on the spot.
The certificate's steps are declared in WORKFLOW below."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from decimal import Decimal
from typing import Callable

from flask import current_app
from flask_babel import force_locale, gettext, lazy_gettext as _l
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..formatting import hours, local_day
from ..models import Case, Certificate, Enrolment, Ledger, TrainingClass, YearCertificate
from ..models.base import utcnow
from ..security import scope as scopes
from ..security.scope import Scope
from ..validators import mask_id_number, mask_name
from ..pdf import certificate as certificate_pdf
from ..pdf import report, sign
from . import audit, credentials, files, identifiers, inputs, locks, status_list
from .errors import BusinessError
from .locks import for_update
from .records import CATEGORIES
from .workflow import REASON, Input, StateField, Transition, Workflow

ISSUER = "青岛市继续教育协会"

VALID, SUSPENDED, REVOKED = "valid", "suspended", "revoked"
STATES = {VALID: _l("Valid"), SUSPENDED: _l("Suspended"), REVOKED: _l("Revoked")}
# Why a certificate is not valid: the category is public (the verify page), the text is not.
VIOLATION, FRAUD, DOUBTFUL = "violation", "fraud", "doubtful"
CATEGORIES_OF_STATUS = {
    VIOLATION: _l("Violation found by inspection"),
    FRAUD: _l("Proven fraud"),
    DOUBTFUL: _l("Material in doubt, handed over for checking"),
}
REVOKE_CATEGORIES = (VIOLATION, FRAUD)

CATEGORY = Input("category", _l("Reason category"), "select", lambda: [
    (k, str(CATEGORIES_OF_STATUS[k])) for k in REVOKE_CATEGORIES])
CASE = Input("case_id", _l("Case handed over (record number); its closing lifts the suspension"),
             optional=True, schema={"type": "integer"})


def _state(row) -> str:
    return REVOKED if row.revoked else SUSPENDED if row.suspended else VALID


def set_state(rows, state: str) -> None:
    """Move certificates (class or year) to `state` and write their status list
    entries, in the caller's transaction: the one way a certificate's validity changes."""
    rows = list(rows)
    for row in rows:
        row.revoked, row.suspended = state == REVOKED, state == SUSPENDED
    status_list.write(rows, state)


def _workflow(model, resource: str, record, revoked_done) -> Workflow:
    """Suspension, its lifting and revocation: the same steps on class and year certificates."""
    return Workflow(model, resource, record, STATES, [
        Transition("suspend", _l("Suspend"), {VALID}, SUSPENDED, "suspend", inputs=(CASE, REASON),
                   style="warning", waits=False,
                   done=_l("The certificate is suspended until the check is closed.")),
        Transition("lift", _l("Lift the suspension"), {SUSPENDED}, VALID, "suspend",
                   style="success", waits=False, done=_l("The certificate is valid again.")),
        Transition("revoke", _l("Revoke"), {VALID, SUSPENDED}, REVOKED, "revoke",
                   inputs=(CATEGORY, REASON), style="danger", waits=False, done=revoked_done),
    ], state=StateField(
        case((model.revoked.is_(True), REVOKED), (model.suspended.is_(True), SUSPENDED), else_=VALID),
        _state, lambda row, state: set_state([row], state)))


WORKFLOW = _workflow(Certificate, "Certificate", _l("certificate"),
                     _l("The certificate was revoked and its hours left the ledger."))
YEAR_WORKFLOW = _workflow(YearCertificate, "YearCertificate", _l("year certificate"),
                          _l("The year certificate was revoked."))


def issue(cls: TrainingClass, earned: list[tuple[Enrolment, Decimal]], when: datetime) -> None:
    """Number a reviewed class's certificates, one per participant with hours,
    in the approval's transaction (the PDFs come afterwards)."""
    sign.require()  # nothing is issued that cannot be signed
    credentials.key()
    year = cls.start_date.year
    locks.serialise_writers()  # two approvals at once must not take the same numbers
    issued = db.session.execute(select(func.count()).select_from(Certificate).where(
        Certificate.number.like(identifiers.prefix(identifiers.CLASS_CERTIFICATE, year) + "%"))
    ).scalar()
    first_index = status_list.allocate(len(earned))
    for n, (enrolment, earned_hours) in enumerate(earned, start=1):
        # where the participant works, as the enrolment carries it (else looked up on insert)
        placed = ({"unit_id": enrolment.unit_id, "district_id": enrolment.district_id}
                  if enrolment.district_id is not None else {})
        db.session.add(Certificate(
            number=identifiers.make(identifiers.CLASS_CERTIFICATE, year, issued + n),
            token=secrets.token_urlsafe(32), class_id=cls.id, status_index=first_index + n - 1,
            enrolment_id=enrolment.id, person_id=enrolment.person_id, hours=earned_hours,
            issued_at=when, **placed))


def _record_revocation(rows, category: str, reason: str) -> None:
    now = utcnow()
    for row in rows:
        row.revoked_at, row.revoke_reason, row.status_category = now, reason, category


def revoke_all(cls: TrainingClass, reason: str, enrolment_ids=None, category: str = VIOLATION) -> None:
    """Revoke a class's certificates (of some participants) that are not revoked yet."""
    certs = select(Certificate).where(Certificate.class_id == cls.id, Certificate.revoked.is_(False))
    if enrolment_ids is not None:
        certs = certs.where(Certificate.enrolment_id.in_(enrolment_ids))
    rows = db.session.execute(certs).scalars().all()
    _record_revocation(rows, category, reason)
    set_state(rows, REVOKED)


def _category(data: dict) -> str:
    category = data.get("category")
    if category not in REVOKE_CATEGORIES:
        raise BusinessError(gettext("Choose the reason category: %(choices)s.", choices="、".join(
            str(CATEGORIES_OF_STATUS[k]) for k in REVOKE_CATEGORIES)), field="category")
    return category


@WORKFLOW.step("revoke")
def revoke(scope: Scope, cert: Certificate, data: dict) -> None:
    """The certificate is void and its hours leave the holder's ledger."""
    from . import classes

    category, reason = _category(data), inputs.reason(data.get("reason"))
    classes.remove_hours(cert.training_class, enrolment_ids=[cert.enrolment_id])
    _record_revocation([cert], category, reason)  # the runner moves the state


@YEAR_WORKFLOW.step("revoke")
def revoke_year(scope: Scope, cert: YearCertificate, data: dict) -> None:
    """The year certificate is void (the hours stay: they have their own sources)."""
    category, reason = _category(data), inputs.reason(data.get("reason"))
    _record_revocation([cert], category, reason)  # the runner moves the state


def _suspend(scope: Scope, cert, data: dict) -> None:
    """材料存疑,移交核查: not valid until the check is closed (or lifted)."""
    from .inspections import record_number

    reason = inputs.reason(data.get("reason"))
    case_id = record_number(data, "case_id")
    if case_id is not None:
        found = scopes.get_in_scope(Case, case_id, scope)
        if found is None or found.state != "open":
            raise BusinessError(gettext("No open case with this record number."), field="case_id")
    cert.suspended_at, cert.suspend_reason = utcnow(), reason
    cert.status_category, cert.case_id = DOUBTFUL, case_id


def _lift(scope: Scope, cert, data: dict) -> None:
    """The check is over: the certificate is valid again (the audit log keeps the suspension)."""
    cert.status_category, cert.case_id = None, None


for _w in (WORKFLOW, YEAR_WORKFLOW):
    _w.step("suspend")(_suspend)
    _w.step("lift")(_lift)


def lift_for_case(case: Case) -> None:
    """Closing a case lifts the suspensions that waited for it (in its transaction)."""
    for model in (Certificate, YearCertificate):
        rows = db.session.execute(for_update(select(model).where(
            model.case_id == case.id, model.suspended.is_(True)))).scalars().all()
        for row in rows:
            _lift(None, row, {})
        set_state(rows, VALID)


def verify_url(token: str) -> str:
    return f"{current_app.config['XUESHI_PUBLIC_BASE_URL'].rstrip('/')}/verify/{token}"


def data_for(cert: Certificate) -> certificate_pdf.CertificateData:
    cls = cert.training_class
    person = cert.person
    category = "公需科目" if cls.category == "public" else "专业科目"
    return certificate_pdf.CertificateData(
        number=cert.number, verify_url=verify_url(cert.token), person_name=person.name,
        id_number_masked=mask_id_number(person.id_number), class_name=cls.name,
        organiser=str(cls.organiser), start=cls.start_date, end=cls.end_date, category=category,
        hours=hours(cert.hours), issuer=ISSUER, issued_on=local_day(cert.issued_at),
    )


CREDENTIAL_ATTACHMENT = "credential.jwt"


def _store(cert: Certificate | YearCertificate, body: bytes, journal: str | None = None) -> bytes:
    """Sign `body` with the certificate's credential embedded (under the signature)
    and keep it: the stored file (and its digest) is the issued document."""
    token = year_credential(cert) if isinstance(cert, YearCertificate) else credential(cert)
    signed = sign.sign(body, {CREDENTIAL_ATTACHMENT: (
        token.encode(), "application/vc+jwt", "Open Badges 3.0 credential (VC-JOSE)")})
    stored = files.write("certificates", signed, journal=journal)
    cert.stored_name, cert.sha256 = stored.name, stored.sha256
    return signed


@audit.system_write("system:certificates")  # a reader never becomes the writer
def pdf_bytes(cert: Certificate) -> bytes:
    """The stored PDF; written now (and kept) if its turn has not come yet."""
    if cert.stored_name:
        return files.read("certificates", cert.stored_name)
    body = certificate_pdf.render(data_for(cert))
    locked = db.session.execute(for_update(
        select(Certificate).where(Certificate.id == cert.id, Certificate.stored_name.is_(None))
    )).scalar_one_or_none()
    if locked is None:  # written meanwhile by the batch
        db.session.rollback()
        db.session.refresh(cert)
        return files.read("certificates", cert.stored_name)
    signed = _store(locked, body)
    _count_rendered(cert.class_id)
    db.session.commit()
    return signed


def _count_rendered(class_id: int) -> None:
    done = select(func.count()).select_from(Certificate).where(
        Certificate.class_id == class_id, Certificate.stored_name.is_not(None)).scalar_subquery()
    db.session.execute(update(TrainingClass).where(TrainingClass.id == class_id)
                       .values(certificates_rendered=done))


def render_pending(class_id: int, *, chunk: int = 100,
                   progress: Callable[[int], None] | None = None,
                   journal: str | None = None) -> int:
    """Write the PDFs of a class's certificates that have none yet, a chunk a
    commit. `progress(n)` is told of each chunk before its commit (a job's
    progress commits the chunk only while the job is still its own); each chunk's
    files are named in `journal` until the commit that records them."""
    def pending(skip_locked: bool) -> list[Certificate]:
        return db.session.execute(for_update(
            select(Certificate).where(Certificate.class_id == class_id,
                                      Certificate.stored_name.is_(None))
            .options(selectinload(Certificate.person))  # not one query per certificate
            .order_by(Certificate.id).limit(chunk), skip_locked=skip_locked, of=Certificate,
        )).scalars().all()

    written = 0
    while True:
        # the rows no other run is writing; then those it is (their commit is awaited:
        # written, they are left out; rolled back, they are written here)
        batch = pending(skip_locked=True) or pending(skip_locked=False)
        if not batch:
            break
        for cert, body in zip(batch, certificate_pdf.render_many(
                (data_for(c) for c in batch))):
            _store(cert, body, journal)
        _count_rendered(class_id)
        if progress:
            progress(len(batch))
        db.session.commit()
        files.close_journal("certificates", journal)
        written += len(batch)
    return written


def stored_among(names: list[str]) -> list[str]:
    """Which of these file names a class or year certificate records."""
    return [name for model in (Certificate, YearCertificate) for name in db.session.execute(
        select(model.stored_name).where(model.stored_name.in_(names))).scalars()]


def class_zip(class_id: int, *, chunk: int = 100,
              progress: Callable[[int], None] | None = None) -> tuple[bytes, int]:
    """The valid certificates of a class that the current scope sees, as one ZIP:
    each signed PDF exactly as stored (`<number>.pdf`, written now if its turn
    has not come) and SHA256SUMS, read in chunks. Revoked ones are left out."""
    import io
    import zipfile

    from ..security import scope as scopes

    out = io.BytesIO()
    sums, last_id = [], 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:  # PDFs do not shrink
        while True:
            batch = db.session.execute(
                scopes.scoped(Certificate).where(Certificate.class_id == class_id,
                                                 Certificate.revoked.is_(False),
                                                 Certificate.id > last_id)
                .order_by(Certificate.id).limit(chunk)).scalars().all()
            if not batch:
                break
            for cert in batch:
                body = pdf_bytes(cert)
                archive.writestr(f"{cert.number}.pdf", body)
                sums.append(f"{hashlib.sha256(body).hexdigest()}  {cert.number}.pdf")
            last_id = batch[-1].id
            if progress:
                progress(len(batch))
        archive.writestr("SHA256SUMS", "".join(line + "\n" for line in sums))
    return out.getvalue(), len(sums)


@audit.system_write("system:certificates")
def year_certificate(ledger: Ledger) -> YearCertificate:
    """The year certificate of `ledger` as it stands, written and committed: the
    latest one while the year is unchanged, else the next version (a person's
    first year certificate of a year takes the year's next serial)."""
    def latest():
        return db.session.execute(
            select(YearCertificate).where(YearCertificate.person_id == ledger.person_id,
                                          YearCertificate.year == ledger.year)
            .order_by(YearCertificate.version.desc()).limit(1)).scalar_one_or_none()

    current = latest()
    if current is not None and current.ledger_digest == ledger.digest and current.stored_name:
        if current.revoked:
            raise BusinessError(gettext(
                "This year certificate was revoked; a new one is issued once the year's hours "
                "change."), status=409)
        return current
    sign.require()
    credentials.key()
    locks.serialise_writers()  # two downloads at once must not take the same number
    current = latest()
    if current is not None and current.ledger_digest == ledger.digest and current.stored_name:
        return current
    if current is not None:
        serial, version = current.serial, current.version + 1
    else:
        serial = (db.session.execute(select(func.max(YearCertificate.serial)).where(
            YearCertificate.year == ledger.year)).scalar() or 0) + 1
        version = 1
    cert = YearCertificate(
        number=identifiers.make(identifiers.YEAR_CERTIFICATE, ledger.year, serial, version),
        token=secrets.token_urlsafe(32), status_index=status_list.allocate(1),
        person_id=ledger.person_id, year=ledger.year,
        serial=serial, version=version, ledger_digest=ledger.digest, public=ledger.public,
        professional=ledger.professional, total=ledger.total, compliant=ledger.compliant,
        issued_at=utcnow())
    db.session.add(cert)
    db.session.flush()  # the credential reads the holder
    _store(cert, _year_pdf(ledger, cert))
    db.session.commit()
    return cert


def _year_pdf(ledger: Ledger, cert: YearCertificate) -> bytes:
    from . import ledgers
    from .records import when

    with force_locale("zh"):  # a stored document reads the same for every viewer
        items = [
            [it["activity"].title if it["activity"] else "", f"{it['kind']}({it['clause']})",
             when(it["activity"]), it["public"], it["professional"],
             ";".join(text for _, text in it["notes"])]
            for it in ledgers.explained_items(ledger, "zh")
        ]
        person = ledger.person
        return report.year_certificate(
            year=ledger.year, number=cert.number, verify_url=verify_url(cert.token),
            name=person.name, id_number=mask_id_number(person.id_number), unit=person.unit.name,
            items=items, issued_at=cert.issued_at,
            totals={**{k: getattr(ledger, k) for k in (
                "public", "professional", "total", "compliant", "shortfall_public",
                "shortfall_professional")},
                "not_applicable": ledgers.compliance_text(None, person.series, ledger.year)})


def year_pdf_bytes(ledger: Ledger) -> tuple[YearCertificate, bytes]:
    cert = year_certificate(ledger)
    return cert, files.read("certificates", cert.stored_name)


def credential(cert: Certificate) -> str:
    """The certificate's Open Badges 3.0 credential, signed (application/vc+jwt)."""
    cls = cert.training_class
    category = str(CATEGORIES.get(cls.category, cls.category))
    return credentials.sign(credentials.credential(
        url=verify_url(cert.token), number=cert.number, name=cls.name,
        description=f"{cls.organiser}举办的《{cls.name}》培训，{category}，"
                    f"{cls.start_date.isoformat()}至{cls.end_date.isoformat()}",
        holder_name=cert.person.name, id_number=cert.person.id_number,
        valid_from=cert.issued_at, credits=hours(cert.hours), status_index=cert.status_index,
        tags=[category, cls.category], achievement_type="Course"))


def year_credential(cert: YearCertificate) -> str:
    """The year certificate's Open Badges 3.0 credential, signed."""
    return credentials.sign(credentials.credential(
        url=verify_url(cert.token), number=cert.number, name=f"{cert.year} 年度学时",
        description=f"{cert.year}年度继续教育学时：公需科目{hours(cert.public)}学时，"
                    f"专业科目{hours(cert.professional)}学时，合计{hours(cert.total)}学时",
        holder_name=cert.person.name, id_number=cert.person.id_number,
        valid_from=cert.issued_at, credits=hours(cert.total), status_index=cert.status_index,
        tags=[f"public:{hours(cert.public)}", f"professional:{hours(cert.professional)}"],
        achievement_type="Certificate"))


def _public_id(number: str) -> str:
    """The ID number as the public page shows it: at most its first and last character."""
    return number[:1] + "*" * (len(number) - 2) + number[-1:] if len(number) > 2 else "*" * len(number)


def _status(cert) -> dict:
    """The certificate's validity as the public may see it: state, since when, why."""
    state = _state(cert)
    since = {REVOKED: cert.revoked_at, SUSPENDED: cert.suspended_at}.get(state)
    category = CATEGORIES_OF_STATUS.get(cert.status_category) if state != VALID else None
    return {"valid": state == VALID, "status": state, "status_label": str(STATES[state]),
            "status_on": local_day(since) if since else None,
            "status_reason": str(category) if category else None}


def public_view(token: str) -> dict | None:
    """What the public verify page may show: masked person, the class or year, status."""
    if not token or len(token) > 64:
        return None
    cert = db.session.execute(select(Certificate).where(Certificate.token == token)).scalar_one_or_none()
    if cert is None:
        return _year_view(token)
    cls = cert.training_class
    return {
        **_status(cert),
        "number": cert.number,
        "name": mask_name(cert.person.name),
        "id_number": _public_id(cert.person.id_number),
        "class_name": cls.name,
        "start": cls.start_date,
        "end": cls.end_date,
        "category": CATEGORIES.get(cls.category, cls.category),
        "hours": hours(cert.hours),
        "organiser": str(cls.organiser),
        "issuer": ISSUER,
        "issued_on": local_day(cert.issued_at),
    }


def _year_view(token: str) -> dict | None:
    cert = db.session.execute(
        select(YearCertificate).where(YearCertificate.token == token)).scalar_one_or_none()
    if cert is None:
        return None
    newer = db.session.execute(select(func.max(YearCertificate.version)).where(
        YearCertificate.person_id == cert.person_id, YearCertificate.year == cert.year)).scalar()
    return {
        **_status(cert),
        "year": cert.year,
        "number": cert.number,
        "name": mask_name(cert.person.name),
        "id_number": _public_id(cert.person.id_number),
        "public": hours(cert.public),
        "professional": hours(cert.professional),
        "total": hours(cert.total),
        "compliant": cert.compliant,
        "superseded": newer > cert.version,
        "issuer": ISSUER,
        "issued_on": local_day(cert.issued_at),
    }
