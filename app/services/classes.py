"""备案培训班次 workflow (notice 四(二), 五(五)).

draft → filed → accepted → completion_requested → reviewed; the association
may reject a filing or a completion (back to the organiser, who fixes it) or
find the class in violation (违规: no hours). Each step is one transaction:
it locks the class, checks the state and the actor, writes and commits; a
refused step raises BusinessError and changes nothing."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import func, select

from ..extensions import db
from ..formatting import hours_value
from ..models import (
    Activity, Certificate, Enrolment, Evidence, Person, PlanProject, Seminar, TrainingBase,
    TrainingClass,
)
from ..models.base import utcnow
from ..models.choices import OUT_OF_SCOPE_SERIES, TITLE_LEVELS, TITLE_SERIES
from ..models.plan import ACCEPTED as PROJECT_ACCEPTED
from ..models.plan import APPROVED as SEMINAR_APPROVED
from ..models.plan import PlanPublication
from ..models.training_class import (
    ACCEPTED, CHANNELS, COMPLETION_REQUESTED, DRAFT, FILED, MODES, REJECTED, REVIEWED,
    UNRECOGNISED_CHANNELS, VIOLATION,
)
from ..security import scope as scopes
from ..security.scope import Scope
from . import evidence as evidence_files
from . import inputs, ledgers, locks, records
from .errors import BusinessError
from .sheets import Problem, read_sheet, read_table, workbook_bytes

STATE_LABELS = {
    DRAFT: _l("Draft"),
    FILED: _l("Filed"),
    ACCEPTED: _l("Accepted"),
    COMPLETION_REQUESTED: _l("Completion requested"),
    REVIEWED: _l("Reviewed"),
    REJECTED: _l("Rejected"),
    VIOLATION: _l("In violation"),
}
MODE_LABELS = {"offline": _l("Offline"), "online": _l("Online")}
CHANNEL_LABELS = {
    "platform": _l("Learning platform"),
    "live": _l("Live streaming platform"),
    "video_meeting": _l("Video meeting"),
    "wechat": _l("WeChat"),
    "wechat_group": _l("WeChat group"),
    "other": _l("Other"),
}
PURPOSES = {
    "approval_form": _l("Class approval form"),
    "sign_in": _l("Sign-in sheet"),
    "photo": _l("On-site photos"),
    "roster": _l("Learner roster"),
    "screenshot": _l("Learning screenshots"),
    "assessment": _l("Assessment results"),
}
# Evidence the notice asks for at completion (四(二)2–4).
COMPLETION_EVIDENCE = {"offline": ("sign_in", "photo"), "online": ("roster", "screenshot", "assessment")}
SEMINAR_LEVELS_OK = ("intermediate", "deputy_senior", "senior")
FIELDS = ("name", "mode", "channel", "category", "start_date", "end_date", "hours_per_day", "venue",
          "capacity", "plan_project_id", "seminar_id")


# -- loading and moving ----------------------------------------------------

def load(scope: Scope, class_id, *, lock: bool = True) -> TrainingClass:
    row = scopes.get_in_scope(TrainingClass, class_id, scope, for_update=lock)
    if row is None:
        raise BusinessError(gettext("No such class."), status=404)
    return row


def load_own(scope: Scope, class_id) -> TrainingClass:
    """The class, for a step only its organiser takes (a department sees its
    bases' classes but does not run them)."""
    cls = load(scope, class_id)
    own = ((scope.base_id and cls.base_id == scope.base_id)
           or (scope.department_id and cls.department_id == scope.department_id)
           or (scope.unit_id and cls.unit_id == scope.unit_id))
    if not own:
        raise BusinessError(gettext("Only the class's organiser may do this."), status=403)
    return cls


def _refuse_state(cls: TrainingClass, action) -> None:
    raise BusinessError(
        gettext("A class that is %(state)s cannot be %(action)s.",
                state=STATE_LABELS[cls.state], action=action), status=409)


def _require(scope: Scope, *roles: str) -> None:
    if not scope.has(*roles):
        raise BusinessError(gettext("Your role may not do this."), status=403)


ORGANISER_ROLES = ("base_staff", "authority_staff", "unit_reviewer")


def is_priority(cls: TrainingClass) -> bool:
    """四(二)3: a published project of the year, or an approved advanced seminar."""
    if cls.seminar is not None:
        return cls.seminar.state == SEMINAR_APPROVED
    if cls.plan_project is not None:
        return is_published(cls.plan_project)
    return False


def is_published(project) -> bool:
    if project.state != PROJECT_ACCEPTED:
        return False
    return db.session.execute(
        select(PlanPublication.id).where(PlanPublication.year == project.year)).first() is not None


def activity_kind(cls: TrainingClass) -> str:
    if is_priority(cls):
        return "priority_training"
    return "offline_training" if cls.mode == "offline" else "online_training"


# -- filing ----------------------------------------------------------------

def _organiser(scope: Scope) -> dict:
    if scope.has("base_staff") and scope.base_id:
        return {"base_id": scope.base_id}
    if scope.has("authority_staff") and scope.department_id:
        return {"department_id": scope.department_id}
    if scope.has("unit_reviewer") and scope.unit_id:
        return {"unit_id": scope.unit_id}
    raise BusinessError(gettext("Only bases, departments and units file classes."), status=403)


def _refuse_withdrawn(cls: TrainingClass) -> None:
    if cls.base is not None and cls.base.is_withdrawn:
        raise BusinessError(gettext(
            "The base has been withdrawn after its evaluation (notice 六(三)) and cannot file classes."),
            status=409)


def check_fields(cls: TrainingClass) -> None:
    """The class as filed must make sense; the first problem is reported on its field."""
    if not (cls.name or "").strip():
        raise BusinessError(gettext("%(field)s is required.", field=gettext("Class name")), field="name")
    if cls.mode not in MODES:
        raise BusinessError(gettext("The mode must be offline or online."), field="mode")
    if cls.mode == "online":
        if cls.channel not in CHANNELS:
            raise BusinessError(gettext("Choose the online channel."), field="channel")
        if cls.channel in UNRECOGNISED_CHANNELS:
            raise BusinessError(gettext(
                "Online training run through WeChat or WeChat groups earns no hours "
                "(notice 四(二)4); such a class cannot be filed."), field="channel")
    else:
        cls.channel = None
    if cls.category not in records.CATEGORIES:
        raise BusinessError(gettext("The category must be public or professional."), field="category")
    if cls.start_date is None or cls.end_date is None:
        raise BusinessError(gettext("Give the start and end dates."), field="start_date")
    if cls.end_date < cls.start_date:
        raise BusinessError(gettext("The end date is before the start date."), field="end_date")
    if (cls.end_date - cls.start_date).days > 365:
        raise BusinessError(gettext("A class lasts at most a year."), field="end_date")
    if not ledgers.has_rules(cls.start_date.year):
        raise BusinessError(gettext("No rules for the year %(year)d.", year=cls.start_date.year),
                            field="start_date")
    hours = cls.hours_per_day
    if hours is None or hours <= 0 or hours > 24 or (Decimal(hours) * 10) % 1:
        raise BusinessError(gettext("Planned hours per day must be above 0 and at most 24, "
                                    "with at most one decimal place."), field="hours_per_day")
    if not (cls.venue or "").strip():
        raise BusinessError(gettext("Give the location or the platform."), field="venue")
    if cls.capacity is None or cls.capacity < 1:
        raise BusinessError(gettext("The capacity must be at least 1."), field="capacity")
    if cls.plan_project_id and cls.seminar_id:
        raise BusinessError(gettext("A class belongs to a plan project or to a seminar, not both."),
                            field="seminar_id")
    if cls.plan_project is not None:
        if cls.plan_project.year != cls.start_date.year:
            raise BusinessError(gettext("The plan project is of another year."), field="plan_project_id")
        if not is_published(cls.plan_project):
            raise BusinessError(gettext(
                "Only projects in the published list of the year count double (notice 四(二)3); "
                "this project is not published."), field="plan_project_id")
    if cls.seminar is not None and cls.seminar.state != SEMINAR_APPROVED:
        raise BusinessError(gettext("The advanced seminar is not approved."), field="seminar_id")
    for name, approved in (("plan_project_id", cls.plan_project), ("seminar_id", cls.seminar)):
        if approved is not None and not _same_organiser(cls, approved):
            raise BusinessError(gettext("Only its own organiser runs classes under this project."),
                                field=name)


def _same_organiser(cls: TrainingClass, approved) -> bool:
    return bool((cls.base_id and cls.base_id == approved.base_id)
                or (cls.department_id and cls.department_id == approved.department_id))


def _assign(cls: TrainingClass, data: dict) -> None:
    for name in FIELDS:
        if name in data:
            setattr(cls, name, data[name])
    cls.plan_project = db.session.get(PlanProject, cls.plan_project_id) if cls.plan_project_id else None
    cls.seminar = db.session.get(Seminar, cls.seminar_id) if cls.seminar_id else None
    for name, pk, row in (("plan_project_id", cls.plan_project_id, cls.plan_project),
                          ("seminar_id", cls.seminar_id, cls.seminar)):
        if pk and row is None:
            raise BusinessError(gettext("Not found."), field=name)


def coerce(data: dict) -> dict:
    """Form or JSON input as typed values (strings from forms are accepted)."""
    out = {}
    for name in FIELDS:
        if name not in data:
            continue
        value = data[name]
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                value = None
        if value is not None:
            if name in ("start_date", "end_date"):
                value = records.parse_date(value, "date")
            elif name == "hours_per_day":
                value = records.parse_hours(value, "hours", records.DAY_MAX)
            elif name in ("capacity", "plan_project_id", "seminar_id"):
                try:
                    value = int(value)
                except (TypeError, ValueError):
                    raise BusinessError(gettext("Must be a whole number."), field=name)
        out[name] = value
    return out


def create(scope: Scope, data: dict, approval_forms: list[tuple[str, bytes]] = ()) -> TrainingClass:
    """A draft class, with its approval form if given: one transaction."""
    _require(scope, *ORGANISER_ROLES)
    cls = TrainingClass(state=DRAFT, **_organiser(scope))
    with db.session.no_autoflush:
        _assign(cls, coerce(data))
        cls.base = db.session.get(TrainingBase, cls.base_id) if cls.base_id else None
        _refuse_withdrawn(cls)
        check_fields(cls)
    db.session.add(cls)
    db.session.flush()
    rows = evidence_files.store_all(list(approval_forms), scope.user_id,
                                    class_id=cls.id, purpose="approval_form")
    evidence_files.commit_or_discard(rows)
    return cls


def editable(cls: TrainingClass) -> bool:
    return cls.state == DRAFT or (cls.state == REJECTED and cls.rejected_stage == "filing")


def update(scope: Scope, class_id, data: dict) -> TrainingClass:
    _require(scope, *ORGANISER_ROLES)
    cls = load_own(scope, class_id)
    if not editable(cls):
        raise BusinessError(gettext("Only drafts and rejected filings can be changed."), status=409)
    with db.session.no_autoflush:
        _assign(cls, coerce(data))
        check_fields(cls)
    db.session.commit()
    return cls


def add_evidence(scope: Scope, class_id, purpose: str, files: list[tuple[str, bytes]]) -> list[Evidence]:
    """Material of one purpose: all the files, or none."""
    _require(scope, *ORGANISER_ROLES)
    if purpose not in PURPOSES:
        raise BusinessError(gettext("Unknown kind of material."), field="purpose")
    cls = load_own(scope, class_id)
    if cls.state in (REVIEWED, VIOLATION, FILED, COMPLETION_REQUESTED):
        _refuse_state(cls, gettext("given more material"))
    return evidence_files.attach(files, scope.user_id, class_id=cls.id, purpose=purpose)


def class_evidence(cls: TrainingClass) -> list[Evidence]:
    return db.session.execute(
        select(Evidence).where(Evidence.class_id == cls.id).order_by(Evidence.id)).scalars().all()


def _has(cls: TrainingClass, purpose: str) -> bool:
    return db.session.execute(select(Evidence.id).where(
        Evidence.class_id == cls.id, Evidence.purpose == purpose)).first() is not None


def file(scope: Scope, class_id) -> TrainingClass:
    _require(scope, *ORGANISER_ROLES)
    cls = load_own(scope, class_id)
    if not editable(cls):
        _refuse_state(cls, gettext("filed"))
    _refuse_withdrawn(cls)
    check_fields(cls)
    if not _has(cls, "approval_form"):
        raise BusinessError(gettext("Upload the class approval form (开班审批表) before filing."))
    cls.state, cls.rejected_stage = FILED, None
    cls.filed_by, cls.filed_at = scope.user_id, utcnow()
    db.session.commit()
    return cls


def accept(scope: Scope, class_id) -> TrainingClass:
    _require(scope, "association_admin")
    cls = load(scope, class_id)
    if cls.state != FILED:
        _refuse_state(cls, gettext("accepted"))
    cls.state, cls.reason = ACCEPTED, None
    db.session.commit()
    return cls


def reject(scope: Scope, class_id, reason: str) -> TrainingClass:
    """Send a filing or a completion request back with a reason."""
    _require(scope, "association_admin")
    cls = load(scope, class_id)
    if cls.state not in (FILED, COMPLETION_REQUESTED):
        _refuse_state(cls, gettext("rejected"))
    cls.rejected_stage = "filing" if cls.state == FILED else "completion"
    cls.reason = inputs.reason(reason)
    cls.state = REJECTED
    db.session.commit()
    return cls


# -- roster and attendance --------------------------------------------------

ROSTER_HEADERS = ["姓名", "身份证号", "单位统一社会信用代码", "手机"]
ROSTER_OPTIONAL = ["职称系列", "职称级别", "企业经营管理人员"]


def in_progress(cls: TrainingClass) -> bool:
    """Roster, attendance and completion material can change now."""
    return cls.state == ACCEPTED or (cls.state == REJECTED and cls.rejected_stage == "completion")


@dataclass
class SheetResult:
    added: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)


def roster_template(cls: TrainingClass) -> bytes:
    return workbook_bytes(gettext("Roster"), ROSTER_HEADERS + ROSTER_OPTIONAL,
                          [["张三", "370202198001011234", "91370200163562681G", "13800000000",
                            "工程", "中级", "否"]])


def _series_code(text: str) -> str | None:
    text = (text or "").strip()
    for code, label in TITLE_SERIES.items():
        if text in (code, str(label)):
            return code
    return None


def _level_code(text: str) -> str | None:
    text = (text or "").strip()
    for code, label in TITLE_LEVELS.items():
        if text in (code, str(label)):
            return code
    return None


def import_roster(scope: Scope, class_id, filename: str, data: bytes) -> SheetResult:
    """Check every row first; add the new participants only when all rows pass."""
    from ..models import Unit
    from ..validators import InvalidValue, normalize_credit_code, normalize_id_number

    _require(scope, *ORGANISER_ROLES)
    cls = load_own(scope, class_id)
    if not in_progress(cls):
        _refuse_state(cls, gettext("given a roster"))
    rows = read_table(filename, data, ROSTER_HEADERS)
    if not rows:
        raise BusinessError(gettext("The file has no data rows."), field="file")
    result = SheetResult()
    seen: dict[str, int] = {}
    enrolled = set(db.session.execute(
        select(Person.id_number).join(Enrolment, Enrolment.person_id == Person.id)
        .where(Enrolment.class_id == cls.id)).scalars())
    plans = []  # (row, number, existing person or None, new person fields)
    for row in rows:
        v = row.values
        problems = []
        try:
            number = normalize_id_number(v["身份证号"])
        except InvalidValue as exc:
            problems.append(Problem(row.number, "身份证号", str(exc)))
            number = None
        name = v["姓名"].strip()
        if not name:
            problems.append(Problem(row.number, "姓名", gettext("The name is required.")))
        if number and number in seen:
            problems.append(Problem(row.number, "身份证号",
                                    gettext("The same person appears twice (row %(row)d).", row=seen[number])))
        phone = v["手机"].strip()
        if phone and not (phone.isdigit() and 7 <= len(phone) <= 15):
            problems.append(Problem(row.number, "手机", gettext("The phone number is not valid.")))
        person = db.session.execute(select(Person).where(Person.id_number == number)).scalar() if number else None
        new_fields = None
        if number and not problems:
            seen[number] = row.number
            if person is not None:
                if person.name != name:
                    problems.append(Problem(row.number, "姓名", gettext("The name does not match the ID number.")))
            else:
                try:
                    code = normalize_credit_code(v["单位统一社会信用代码"])
                    unit = db.session.execute(select(Unit).where(Unit.credit_code == code)).scalar()
                except InvalidValue as exc:
                    unit, code = None, None
                    problems.append(Problem(row.number, "单位统一社会信用代码", str(exc)))
                if code and unit is None:
                    problems.append(Problem(row.number, "单位统一社会信用代码", gettext(
                        "Unknown unit: a new person can only be added with a registered unit.")))
                extra_values = v
                series = _series_code(extra_values.get("职称系列", ""))
                level = _level_code(extra_values.get("职称级别", ""))
                if unit is not None and (series is None or level is None):
                    problems.append(Problem(row.number, "职称系列", gettext(
                        "A new person needs a valid title series and level.")))
                new_fields = {"id_number": number, "name": name, "unit_id": unit.id if unit else None,
                              "series": series, "title_level": level, "phone": phone or None,
                              "is_enterprise_manager": extra_values.get("企业经营管理人员", "").strip()
                              in ("是", "yes", "1", "y")}
        series = person.series if person is not None else (new_fields or {}).get("series")
        if series in OUT_OF_SCOPE_SERIES and not problems:
            problems.append(Problem(row.number, "身份证号", gettext(
                "Hours of this title series are recognised by %(handler)s.",
                handler=OUT_OF_SCOPE_SERIES[series])))
        if cls.seminar is not None and not problems:
            level = person.title_level if person is not None else new_fields["title_level"]
            manager = person.is_enterprise_manager if person is not None else new_fields["is_enterprise_manager"]
            if level not in SEMINAR_LEVELS_OK and not manager:
                problems.append(Problem(row.number, "身份证号", gettext(
                    "Advanced seminars admit intermediate and senior titles or enterprise managers "
                    "(notice 六(二)).")))
        result.problems.extend(problems)
        if not problems:
            plans.append((row, number, person, new_fields, phone))
    new_count = sum(1 for _, number, *_ in plans if number not in enrolled)
    current = len(enrolled)
    if current + new_count > cls.capacity:
        over = [p for p in plans if p[1] not in enrolled][cls.capacity - current:]
        for row, *_ in over:
            result.problems.append(Problem(row.number, "身份证号", gettext(
                "The class is full (capacity %(n)d).", n=cls.capacity)))
    if result.problems:
        result.problems.sort(key=lambda p: p.row)
        db.session.rollback()
        return result
    for _row, number, person, new_fields, phone in plans:
        if number in enrolled:
            result.unchanged += 1
            continue
        if person is None:
            person = Person(**new_fields)
            db.session.add(person)
            db.session.flush()
        db.session.add(Enrolment(class_id=cls.id, person_id=person.id, phone=phone or None,
                                 attendance={}))
        result.added += 1
    db.session.commit()
    return result


def attendance_template(cls: TrainingClass) -> bytes:
    days = [d.isoformat() for d in cls.days]
    rows = [[e.person.id_number, e.person.name] + ["" for _ in days]
            for e in participants(cls)]
    return workbook_bytes(gettext("Attendance"), ["身份证号", "姓名"] + days, rows)


def participants(cls: TrainingClass) -> list[Enrolment]:
    return db.session.execute(
        select(Enrolment).where(Enrolment.class_id == cls.id).order_by(Enrolment.id)).scalars().all()


def import_attendance(scope: Scope, class_id, filename: str, data: bytes) -> SheetResult:
    """Hours per participant per day; never above the plan; all rows or none."""
    from ..validators import InvalidValue, normalize_id_number

    _require(scope, *ORGANISER_ROLES)
    cls = load_own(scope, class_id)
    if not in_progress(cls):
        _refuse_state(cls, gettext("given attendance"))
    days = [d.isoformat() for d in cls.days]
    headers, rows = read_sheet(filename, data, ["身份证号", "姓名"])
    day_columns = [h for h in headers if h not in ("身份证号", "姓名")]
    result = SheetResult()
    for column in day_columns:
        if column not in days:
            result.problems.append(Problem(1, column, gettext("This date is not a day of the class.")))
    enrolments = {e.person.id_number: e for e in participants(cls)}
    updates = {}
    for row in rows:
        v = row.values
        try:
            number = normalize_id_number(v["身份证号"])
        except InvalidValue as exc:
            result.problems.append(Problem(row.number, "身份证号", str(exc)))
            continue
        enrolment = enrolments.get(number)
        if enrolment is None:
            result.problems.append(Problem(row.number, "身份证号", gettext("The person is not on the roster.")))
            continue
        if enrolment.person.name != v["姓名"].strip():
            result.problems.append(Problem(row.number, "姓名", gettext("The name does not match the ID number.")))
            continue
        hours = {}
        for day in day_columns:
            raw = v[day]
            if day not in days or raw in ("", None):
                continue
            try:
                value = Decimal(str(raw))
            except Exception:
                value = None
            if value is None or value < 0 or (value * 10) % 1:
                result.problems.append(Problem(row.number, day, gettext(
                    "Hours must be a number of at least 0 with at most one decimal place.")))
            elif value > cls.hours_per_day:
                result.problems.append(Problem(row.number, day, gettext(
                    "More than the %(plan)s hours planned for the day.", plan=cls.hours_per_day)))
            elif value > 0:
                hours[day] = hours_value(value)
        updates[enrolment.id] = (enrolment, hours)
    if result.problems:
        result.problems.sort(key=lambda p: p.row)
        db.session.rollback()
        return result
    for enrolment, hours in updates.values():
        if enrolment.attendance != hours:
            enrolment.attendance = hours
            result.added += 1
        else:
            result.unchanged += 1
    db.session.commit()
    return result


def full_attendance(scope: Scope, class_id) -> int:
    """全勤: every participant, every day, the planned hours."""
    _require(scope, *ORGANISER_ROLES)
    cls = load_own(scope, class_id)
    if not in_progress(cls):
        _refuse_state(cls, gettext("given attendance"))
    full = {d.isoformat(): hours_value(cls.hours_per_day) for d in cls.days}
    count = 0
    for enrolment in participants(cls):
        enrolment.attendance = dict(full)
        count += 1
    db.session.commit()
    return count


# -- completion --------------------------------------------------------------

def request_completion(scope: Scope, class_id) -> TrainingClass:
    _require(scope, *ORGANISER_ROLES)
    cls = load_own(scope, class_id)
    if not in_progress(cls):
        _refuse_state(cls, gettext("sent for completion review"))
    missing = [str(PURPOSES[p]) for p in COMPLETION_EVIDENCE[cls.mode] if not _has(cls, p)]
    if missing:
        raise BusinessError(gettext("Upload the completion material first: %(missing)s",
                                    missing="、".join(missing)))
    people = participants(cls)
    if not people or not any(e.attendance for e in people):
        raise BusinessError(gettext("Record the attendance first."))
    cls.state, cls.rejected_stage = COMPLETION_REQUESTED, None
    db.session.commit()
    return cls


def _class_activity(cls: TrainingClass, enrolment: Enrolment, kind: str) -> Activity:
    days = [{"date": d, "hours": h} for d, h in sorted(enrolment.attendance.items())]
    first, last = ledgers.years_of(kind, days=days)
    return Activity(person_id=enrolment.person_id, kind=kind, title=cls.name, category=cls.category,
                    days=days, channel=cls.channel if kind == "online_training" else None,
                    first_year=first, last_year=last, source="class", source_id=enrolment.id)


def earned_hours(activity: Activity) -> Decimal:
    """What the class alone earns for the person (its certificate's hours)."""
    from .. import rules

    total = Decimal(0)
    for year in range(activity.first_year, activity.last_year + 1):
        if ledgers.has_rules(year):
            result = rules.evaluate(ledgers.person_year(
                activity.person_id, activity.person.series if activity.person else None, year,
                [ledgers.engine_item(activity)]))
            total += result["total"]
    return total


def approve_completion(scope: Scope, class_id) -> TrainingClass:
    """审核合格: attendance becomes activities, ledgers grow, certificates are
    numbered — one transaction. PDFs are written afterwards, in chunks."""
    _require(scope, "association_admin")
    cls = load(scope, class_id)
    if cls.state != COMPLETION_REQUESTED:
        _refuse_state(cls, gettext("approved"))
    kind = activity_kind(cls)
    year = cls.start_date.year
    locks.serialise_writers()  # two approvals at once must not take the same numbers
    issued = db.session.execute(select(func.count()).select_from(Certificate).where(
        Certificate.number.like(f"QDJX{year}-%"))).scalar()
    now = utcnow()
    count = 0
    for enrolment in participants(cls):
        if not enrolment.attendance:
            continue
        activity = _class_activity(cls, enrolment, kind)
        activity.person = enrolment.person
        db.session.add(activity)
        hours = earned_hours(activity)
        count += 1
        db.session.add(Certificate(
            number=f"QDJX{year}-{issued + count:06d}", token=_token(), class_id=cls.id,
            enrolment_id=enrolment.id, person_id=enrolment.person_id, hours=hours, issued_at=now))
        ledgers.recompute_person(enrolment.person_id, range(activity.first_year, activity.last_year + 1))
    cls.state, cls.reviewed_at, cls.reason = REVIEWED, now, None
    cls.certificates_total, cls.certificates_rendered = count, 0
    db.session.commit()
    return cls


def _token() -> str:
    import secrets

    return secrets.token_urlsafe(32)


def _remove_hours(cls: TrainingClass, reason: str, enrolment_ids=None) -> int:
    """Take the class's hours out of ledgers and revoke its certificates."""
    stmt = select(Activity).where(Activity.source == "class", Activity.source_id.in_(
        select(Enrolment.id).where(Enrolment.class_id == cls.id)))
    if enrolment_ids is not None:
        stmt = stmt.where(Activity.source_id.in_(enrolment_ids))
    touched: dict[int, set] = {}
    for activity in db.session.execute(stmt).scalars():
        touched.setdefault(activity.person_id, set()).update(range(activity.first_year, activity.last_year + 1))
        db.session.delete(activity)
    certs = select(Certificate).where(Certificate.class_id == cls.id, Certificate.revoked.is_(False))
    if enrolment_ids is not None:
        certs = certs.where(Certificate.enrolment_id.in_(enrolment_ids))
    now = utcnow()
    for cert in db.session.execute(certs).scalars():
        cert.revoked, cert.revoked_at, cert.revoke_reason = True, now, reason
    for person_id, years in sorted(touched.items()):
        ledgers.recompute_person(person_id, years)
    return len(touched)


def mark_violation(scope: Scope, class_id, reason: str) -> TrainingClass:
    """违规: no hours; any hours already registered leave the ledgers."""
    _require(scope, "association_admin")
    cls = load(scope, class_id)
    if cls.state in (DRAFT, VIOLATION):
        _refuse_state(cls, gettext("marked in violation"))
    reason = inputs.reason(reason)
    _remove_hours(cls, gettext("The class was found in violation: %(reason)s", reason=reason))
    cls.state, cls.reason = VIOLATION, reason
    db.session.commit()
    return cls


def revoke_certificate(scope: Scope, certificate_id, reason: str) -> Certificate:
    _require(scope, "association_admin")
    cert = scopes.get_in_scope(Certificate, certificate_id, scope, for_update=True)
    if cert is None:
        raise BusinessError(gettext("No such certificate."), status=404)
    if cert.revoked:
        raise BusinessError(gettext("The certificate is already revoked."), status=409)
    reason = inputs.reason(reason)
    _remove_hours(cert.training_class, reason, enrolment_ids=[cert.enrolment_id])
    db.session.commit()
    return cert


