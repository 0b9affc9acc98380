"""备案培训班次 workflow (notice 四(二), 五(五)).

draft → filed → accepted → completion_requested → reviewed. The association
may send a filing back (rejected: the organiser fixes and files again) or a
completion request (completion_rejected: roster, attendance or material
fixed, then asked again), or find the class in violation (违规: no hours).
The organiser may withdraw a draft (withdrawn) and take back a filing the
association has not accepted yet (back to draft). Only the class's own
organiser runs it; the steps are declared in WORKFLOW below."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import Row, select

from ..extensions import db
from ..formatting import hours_value, local_now
from ..models import (Activity, Enrolment, Person, PlanProject, RosterLink, Seminar, TrainingBase,
                      TrainingClass, Unit)
from ..models.base import utcnow
from ..models.choices import TITLE_LEVELS, TITLE_SERIES
from ..models.plan import ACCEPTED as PROJECT_ACCEPTED
from ..models.plan import APPROVED as SEMINAR_APPROVED
from ..models.training_class import (
    ACCEPTED, COMPLETION_REJECTED, COMPLETION_REQUESTED, DRAFT, FILED, MODES, REJECTED,
    REVIEWED, VIOLATION, WITHDRAWN,
)
from ..rules import model as rules_model
from ..rules import registry
from ..security import masking
from ..security.scope import Scope
from ..validators import InvalidValue, normalize_credit_code, normalize_id_number
from . import audit, certificates, dashboard, inputs, ledgers, lookups, people, plans, records, years
from . import placement
from . import roster_links as links
from . import evidence as evidence_files
from .errors import BusinessError, Problems
from .sheets import (Checked, RowReport, SheetProblems, Template, check_rows, read_sheet,
                     workbook_bytes)
from .organisers import organised_by, organiser
from .workflow import REASON, Transition, Workflow, atomic

MODE_LABELS = {"offline": _l("Offline"), "online": _l("Online")}
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


# -- who runs a class -----------------------------------------------------------

ORGANISER = organised_by(TrainingClass, _l("Only the class's organiser may do this."))


# -- what must hold before a step ---------------------------------------------

def _base_not_withdrawn(cls: TrainingClass) -> None:
    base = cls.base or (db.session.get(TrainingBase, cls.base_id) if cls.base_id else None)
    if base is not None and base.is_withdrawn:
        raise BusinessError(gettext(
            "The base has been withdrawn after its evaluation (notice 六(三)) and cannot file classes."),
            status=409)


def _approval_form(cls: TrainingClass) -> None:
    if not evidence_files.has(cls, "approval_form"):
        raise BusinessError(gettext("Upload the class approval form (开班审批表) before filing."))


def _completion_material(cls: TrainingClass) -> None:
    missing = [str(PURPOSES[p]) for p in COMPLETION_EVIDENCE[cls.mode] if not evidence_files.has(cls, p)]
    if missing:
        raise BusinessError(gettext("Upload the completion material first: %(missing)s",
                                    missing="、".join(missing)))


def _attendance_recorded(cls: TrainingClass) -> None:
    enrolled = participants(cls)
    if not enrolled or not any(e.attendance for e in enrolled):
        raise BusinessError(gettext("Record the attendance first."))


EDITABLE = (DRAFT, REJECTED)                     # the filing is with the organiser
IN_PROGRESS = (ACCEPTED, COMPLETION_REJECTED)    # roster, attendance, completion material

WORKFLOW = Workflow(TrainingClass, "TrainingClass", _l("class"), {
    DRAFT: _l("Draft"),
    FILED: _l("Filed"),
    ACCEPTED: _l("Accepted"),
    COMPLETION_REQUESTED: _l("Completion requested"),
    REVIEWED: _l("Reviewed"),
    REJECTED: _l("Filing sent back"),
    COMPLETION_REJECTED: _l("Completion sent back"),
    VIOLATION: _l("In violation"),
    WITHDRAWN: _l("Withdrawn by the organiser"),
}, [
    Transition("change", _l("Edit"), EDITABLE, None, "organise", guards=(ORGANISER,), custom=True),
    Transition("add_material", _l("Upload material"), EDITABLE + IN_PROGRESS, None, "organise",
               guards=(ORGANISER,), custom=True),
    Transition("file", _l("File with the association"), EDITABLE, FILED, "organise",
               guards=(ORGANISER,), checks=(_base_not_withdrawn, lambda cls: check_fields(cls),
                                            _approval_form),
               done=_l("Filed with the association.")),
    Transition("withdraw", _l("Withdraw the class"), EDITABLE, WITHDRAWN, "organise",
               guards=(ORGANISER,), style="default", done=_l("The class was withdrawn.")),
    Transition("recall", _l("Take the filing back"), {FILED}, DRAFT, "organise", guards=(ORGANISER,),
               style="default", done=_l("The filing was taken back; the class is a draft again.")),
    Transition("accept", _l("Accept (备案)"), {FILED}, ACCEPTED, "review", style="success",
               done=_l("Accepted (备案).")),
    Transition("reject", _l("Send the filing back"), {FILED}, REJECTED, "review", inputs=(REASON,),
               style="warning", done=_l("Sent back with the reason.")),
    Transition("import_roster", _l("Upload roster"), IN_PROGRESS, None, "organise",
               guards=(ORGANISER,), custom=True),
    Transition("import_attendance", _l("Upload attendance"), IN_PROGRESS, None, "organise",
               guards=(ORGANISER,), custom=True),
    Transition("full_attendance", _l("Full attendance (全勤)"), IN_PROGRESS, None, "organise",
               guards=(ORGANISER,), style="default", done=_l("Full attendance recorded.")),
    Transition("request_completion", _l("Request completion review"), IN_PROGRESS,
               COMPLETION_REQUESTED, "organise", guards=(ORGANISER,),
               checks=(_completion_material, _attendance_recorded),
               done=_l("Sent to the association for completion review.")),
    Transition("approve", _l("Approve completion"), {COMPLETION_REQUESTED}, REVIEWED, "review",
               style="success",
               done=_l("Completion approved: hours registered; certificates are being written.")),
    Transition("reject_completion", _l("Send the completion back"), {COMPLETION_REQUESTED},
               COMPLETION_REJECTED, "review", inputs=(REASON,), style="warning",
               done=_l("Sent back with the reason.")),
    Transition("violation", _l("Mark in violation"),
               {FILED, ACCEPTED, COMPLETION_REQUESTED, REVIEWED, REJECTED, COMPLETION_REJECTED},
               VIOLATION, "review", inputs=(REASON,), style="danger", waits=False,
               done=_l("Marked in violation: no hours.")),
])


def class_source(cls: TrainingClass) -> str:
    """What the class is for the year's `class_kinds`: of an approved advanced
    seminar, of a project in the published list, or neither."""
    if cls.seminar is not None and cls.seminar.state == SEMINAR_APPROVED:
        return rules_model.SEMINAR
    if cls.plan_project is not None and is_published(cls.plan_project):
        return rules_model.PUBLISHED_PROJECT
    return rules_model.OTHER_CLASS


def is_published(project) -> bool:
    return project.state == PROJECT_ACCEPTED and plans.published(project.year)


def _rule_set(cls: TrainingClass):
    return registry.get(cls.start_date.year) if cls.start_date is not None else None


def activity_kind(cls: TrainingClass) -> str:
    """The kind of activity the class gives, as the rule set of its year maps it
    (2026: an online class of a published project is online training, 四(二)3)."""
    rule_set = _rule_set(cls)
    if rule_set is None:
        raise BusinessError(gettext("No rules for the year %(year)d.", year=cls.start_date.year),
                            field="start_date")
    return rule_set.class_kinds[class_source(cls)][cls.mode]


def is_priority(cls: TrainingClass) -> bool:
    """四(二)3: the class counts more than its hours (its kind has a multiplier)."""
    rule_set = _rule_set(cls)
    if rule_set is None or cls.mode not in MODES:
        return False
    return rule_set.kind(rule_set.class_kinds[class_source(cls)][cls.mode]).multiplier > 1


# -- filing ----------------------------------------------------------------

def check_fields(cls: TrainingClass, problems: Problems | None = None) -> None:
    """The class as filed must make sense: every problem is reported at once,
    each on its field (`problems`: those found before, e.g. unreadable input)."""
    problems = problems or Problems()
    say = problems.add
    if not (cls.name or "").strip():
        say("name", gettext("%(field)s is required.", field=gettext("Class name")))
    if cls.mode not in MODES:
        say("mode", gettext("The mode must be offline or online."))
    if cls.mode != "online":
        cls.channel = None  # an offline class has no online channel (the form hides it)
    if cls.category not in records.CATEGORIES:
        say("category", gettext("The category must be public or professional."))
    rule_set = None
    if cls.start_date is None or cls.end_date is None:
        for name in ("start_date", "end_date"):
            if getattr(cls, name) is None:
                say(name, gettext("Give the start and end dates."))
    elif cls.end_date < cls.start_date:
        say("end_date", gettext("The end date is before the start date."))
    elif (cls.end_date - cls.start_date).days > 365:
        say("end_date", gettext("A class lasts at most a year."))
    if cls.start_date is not None:
        rule_set = _rule_set(cls)
        if rule_set is None:
            say("start_date", gettext("No rules for the year %(year)d.", year=cls.start_date.year))
    if cls.mode == "online":  # the channels of the class's year (else the latest year's)
        channels = rule_set or registry.get(registry.latest())
        if cls.channel not in channels.channels:
            say("channel", gettext("Choose the online channel."))
        elif cls.channel in channels.unrecognized_channels:
            say("channel", gettext(
                "Online training run through WeChat or WeChat groups earns no hours "
                "(notice 四(二)4); such a class cannot be filed."))
    hours = cls.hours_per_day
    if hours is None or hours <= 0 or hours > 24 or (Decimal(hours) * 10) % 1:
        say("hours_per_day", gettext("Planned hours per day must be above 0 and at most 24, "
                                     "with at most one decimal place."))
    if not (cls.venue or "").strip():
        say("venue", gettext("Give the location or the platform."))
    if cls.capacity is None or cls.capacity < 1:
        say("capacity", gettext("The capacity must be at least 1."))
    if cls.plan_project_id and cls.seminar_id:
        say("seminar_id", gettext("A class belongs to a plan project or to a seminar, not both."))
    if cls.plan_project is not None:
        if cls.start_date is not None and cls.plan_project.year != cls.start_date.year:
            say("plan_project_id", gettext("The plan project is of another year."))
        elif not is_published(cls.plan_project):
            say("plan_project_id", gettext(
                "Only projects in the published list of the year count double (notice 四(二)3); "
                "this project is not published."))
    if cls.seminar is not None and cls.seminar.state != SEMINAR_APPROVED:
        say("seminar_id", gettext("The advanced seminar is not approved."))
    for name, approved in (("plan_project_id", cls.plan_project), ("seminar_id", cls.seminar)):
        if approved is not None and not _same_organiser(cls, approved):
            say(name, gettext("Only its own organiser runs classes under this project."))
    problems.raise_any()


def has_ended(cls: TrainingClass) -> bool:
    """The class's last day is past (Asia/Shanghai): filing it now is filing
    after the fact, which the organiser is warned about (not refused)."""
    return cls.end_date is not None and cls.end_date < local_now().date()


def _same_organiser(cls: TrainingClass, approved) -> bool:
    return bool((cls.base_id and cls.base_id == approved.base_id)
                or (cls.department_id and cls.department_id == approved.department_id))


def _assign(cls: TrainingClass, data: dict) -> None:
    values, problems = coerce(data)
    with db.session.no_autoflush:
        for name in FIELDS:
            if name in values:
                setattr(cls, name, values[name])
        cls.plan_project = db.session.get(PlanProject, cls.plan_project_id) if cls.plan_project_id else None
        cls.seminar = db.session.get(Seminar, cls.seminar_id) if cls.seminar_id else None
        for name, pk, row in (("plan_project_id", cls.plan_project_id, cls.plan_project),
                              ("seminar_id", cls.seminar_id, cls.seminar)):
            if pk and row is None:
                problems.add(name, gettext("Not found."))
        check_fields(cls, problems)


def coerce(data: dict) -> tuple[dict, Problems]:
    """Form or JSON input as typed values (strings from forms are accepted), and
    the problems of the values that could not be read (left out of the values)."""
    out, problems = {}, Problems()
    for name in FIELDS:
        if name not in data:
            continue
        value = data[name]
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                value = None
        try:
            if value is not None:
                value = _typed(name, value, data)
        except BusinessError as exc:
            problems.take(exc, name)
            continue
        out[name] = value
    return out, problems


def _typed(name: str, value, data: dict):
    if name in ("start_date", "end_date"):
        return records.parse_date(value, "date")
    if name == "hours_per_day":
        return records.parse_hours(value, "hours", records.day_max(
            records.record_year({"start": data.get("start_date")})))
    if name in ("capacity", "plan_project_id", "seminar_id"):
        try:
            return int(value)
        except (TypeError, ValueError):
            raise BusinessError(gettext("Must be a whole number."), field=name)
    return value


@atomic
def create(scope: Scope, data: dict, approval_forms: list[tuple[str, bytes]] = ()) -> TrainingClass:
    """A draft class of the actor's base, department or unit, with its approval form if given."""
    WORKFLOW.require(scope, "organise")
    cls = TrainingClass(state=DRAFT, **organiser(scope))
    cls.base = db.session.get(TrainingBase, cls.base_id) if cls.base_id else None
    _base_not_withdrawn(cls)
    _assign(cls, data)
    db.session.add(cls)
    db.session.flush()
    evidence_files.store_all(list(approval_forms), scope.user_id, cls, "approval_form")
    return cls


@WORKFLOW.step("change")
def update(scope: Scope, cls: TrainingClass, data: dict) -> None:
    _assign(cls, data)


def material_purposes(cls: TrainingClass) -> list[str]:
    """The material the organiser uploads now: the approval form while filing,
    the completion material (四(二)2–4) while the class runs."""
    if cls.state in EDITABLE:
        return ["approval_form"]
    return list(COMPLETION_EVIDENCE[cls.mode]) if cls.state in IN_PROGRESS else []


@WORKFLOW.step("add_material")
def add_evidence(scope: Scope, cls: TrainingClass, data: dict) -> list:
    """data: `purpose` and `files` (material of one purpose: all the files, or none)."""
    purpose = data.get("purpose")
    if purpose not in material_purposes(cls):
        raise BusinessError(gettext("This kind of material is not taken now."), field="purpose")
    return evidence_files.attach(data.get("files") or [], scope.user_id, cls, purpose)


@WORKFLOW.step("file")
def file(scope: Scope, cls: TrainingClass, data: dict) -> None:
    cls.filed_by, cls.filed_at, cls.reason = scope.user_id, utcnow(), None


@WORKFLOW.step("withdraw")
def withdraw(scope: Scope, cls: TrainingClass, data: dict) -> None:
    """The class will not take place; it stays on record."""


@WORKFLOW.step("recall")
def recall(scope: Scope, cls: TrainingClass, data: dict) -> None:
    """The organiser takes a filing back before the association accepts it."""
    cls.filed_by = cls.filed_at = None


@WORKFLOW.step("accept")
def accept(scope: Scope, cls: TrainingClass, data: dict) -> None:
    cls.reason = None


@WORKFLOW.step("reject")
def reject(scope: Scope, cls: TrainingClass, data: dict) -> None:
    """Send a filing back with a reason; the organiser fixes it and files again."""
    cls.reason = inputs.reason(data.get("reason"))


@WORKFLOW.step("reject_completion")
def reject_completion(scope: Scope, cls: TrainingClass, data: dict) -> None:
    """Send a completion request back; roster, attendance or material are fixed first."""
    cls.reason = inputs.reason(data.get("reason"))


def class_evidence(cls: TrainingClass) -> list:
    return evidence_files.of(cls)


# -- roster and attendance --------------------------------------------------

ROSTER_HEADERS = ["姓名", "身份证号", "单位统一社会信用代码", "手机"]
ROSTER_OPTIONAL = ["职称系列", "职称级别", "企业经营管理人员"]


@dataclass
class SheetResult:
    added: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class NewPerson:
    """A participant as the roster describes them (their unit is registered)."""

    id_number: str
    name: str
    unit_id: int
    series: str
    title_level: str
    phone: str | None
    is_enterprise_manager: bool
    district_id: int | None = None  # the unit's (person.district_id, app/services/placement.py)


@dataclass(frozen=True)
class RosterLine:
    """One checked roster row: a person the organiser may see (`person`), or a
    participant as the row describes them (`given`) with what the registry
    says (`registered`, None for a number nobody has); `link` is the kind of
    待确认 the row leaves for the person's unit reviewer (None: enrolled now)."""

    row: int
    id_number: str
    phone: str | None
    person: Row | None = None       # lookups.visible_by_id_number
    given: NewPerson | None = None
    registered: Row | None = None   # people.registered_rows
    link: str | None = None

    @property
    def series(self):
        return self.given.series if self.given else self.person.series

    @property
    def seminar_admits(self) -> bool:
        level = self.given.title_level if self.given else self.person.title_level
        manager = self.given.is_enterprise_manager if self.given else self.person.is_enterprise_manager
        return level in SEMINAR_LEVELS_OK or bool(manager)


ROSTER_TEMPLATE = Template(_l("Roster"), ROSTER_HEADERS, ROSTER_OPTIONAL, lambda: [
    "张三", "370202198001011232", "91370200163562681G", "13800000000", "工程", "中级", "否"])


def roster_template(cls: TrainingClass) -> bytes:
    return ROSTER_TEMPLATE.workbook()


def _codes(table: dict) -> dict[str, str]:
    """{code or its label (in this request's language): code}, read once per file."""
    return {**{str(label): code for code, label in table.items()}, **{code: code for code in table}}


def _id_number(text: str, report: RowReport) -> str | None:
    try:
        return normalize_id_number(text)
    except InvalidValue as exc:
        report.add("身份证号", str(exc))
        return None


def _credit_codes(rows) -> dict[str, str | InvalidValue]:
    """{credit code as written: the normalized code, or why it is not one}, each
    distinct text checked once (a roster names few units)."""
    out: dict[str, str | InvalidValue] = {}
    for raw in {row.values["单位统一社会信用代码"] for row in rows}:
        try:
            out[raw] = normalize_credit_code(raw)
        except InvalidValue as exc:
            out[raw] = exc
    return out


def _given(v: dict, number: str, name: str, phone: str | None, units: dict, credit: dict,
           codes: tuple[dict, dict], report: RowReport) -> NewPerson | None:
    """The participant as the row describes them: a registered unit, a title
    series and level. Asked of every row outside the organiser's scope, known
    number or not, with the same words."""
    code = credit[v["单位统一社会信用代码"]]
    unit = None if isinstance(code, InvalidValue) else units.get(code)
    if isinstance(code, InvalidValue):
        report.add("单位统一社会信用代码", str(code))
    elif unit is None:
        report.add("单位统一社会信用代码", gettext("Unknown unit: the unit must be registered."))
    series, level = (table.get((v.get(column) or "").strip())
                     for table, column in zip(codes, ("职称系列", "职称级别")))
    if series is None or level is None:
        report.add("职称系列", gettext("Give the participant's title series and level."))
    if report:
        return None
    return NewPerson(number, name, unit.id, series, level, phone,
                     v.get("企业经营管理人员", "").strip() in ("是", "yes", "1", "y"), unit.district_id)


def _units(codes: set[str]) -> dict[str, Unit]:
    """The registered units of these credit codes (a chunk of codes per query)."""
    units: dict[str, Unit] = {}
    wanted = sorted(codes)
    for start in range(0, len(wanted), people.CHUNK):
        for unit in db.session.execute(select(Unit).where(
                Unit.credit_code.in_(wanted[start:start + people.CHUNK]))).scalars():
            units[unit.credit_code] = unit
    return units


def _same(person: Row, given: NewPerson) -> bool:
    return (person.name, person.unit_id, person.series, person.title_level) == (
        given.name, given.unit_id, given.series, given.title_level)


def _check_roster(scope: Scope, cls: TrainingClass, rows, mismatches: set) -> Checked[RosterLine]:
    """Every row checked. A person outside the organiser's scope is answered
    by what the row says, never by what the registry holds: an unknown
    number, a known one with other details, and a known one exactly as
    registered pass or fail alike (the same two queries for every file).
    `mismatches` gets the rows giving a number nobody has or a registered
    number with other details, passed or not, alike: they count towards the
    login's daily not-found/mismatch threshold."""
    normalized = _normalized(rows)
    numbers = [n for n in normalized.values() if isinstance(n, str)]
    mine = lookups.visible_by_id_number(scope, numbers)
    registry_ = people.registered_rows(numbers)
    credit = _credit_codes(rows)
    units = _units({c for c in credit.values() if isinstance(c, str)})
    codes = (_codes(TITLE_SERIES), _codes(TITLE_LEVELS))
    year = cls.start_date.year
    elsewhere = years.out_of_scope_series(year)  # years.in_scope, read once per file
    seminar = cls.seminar is not None
    seen: dict[str, int] = {}

    def check(row, report: RowReport) -> RosterLine | None:
        v = row.values
        number = normalized[v["身份证号"]]
        if isinstance(number, InvalidValue):
            report.add("身份证号", str(number))
            number = None
        name = v["姓名"].strip()
        if not name:
            report.add("姓名", gettext("The name is required."))
        if number and number in seen:
            report.add("身份证号", gettext("The same person appears twice (row %(row)d).", row=seen[number]))
        phone = v["手机"].strip() or None
        if phone and not (phone.isdigit() and 7 <= len(phone) <= 15):
            report.add("手机", gettext("The phone number is not valid."))
        if report or number is None:
            return None
        seen[number] = row.number
        person = mine.get(number)
        if person is not None:  # the organiser sees this person: the registry decides
            if person.name != name:
                report.add("姓名", gettext("The name does not match the ID number."))
                return None
            line = RosterLine(row.number, number, phone, person=person)
        else:
            registered = registry_.get(number)
            if registered is None or registered.name != name:  # not found and mismatched alike:
                mismatches.add(row.number)                    # else the counter tells them apart
            given = _given(v, number, name, phone, units, credit, codes, report)
            if given is None:
                return None
            if registered is None:  # even in the organiser's own unit: else enrolled at once
                link = links.NEW    # would tell "nobody has it" from "someone elsewhere has it"
            elif _same(registered, given):
                link = links.SAME
            else:
                link = links.DIFFERS
                mismatches.add(row.number)
            line = RosterLine(row.number, number, phone, given=given, registered=registered, link=link)
        if line.series in elsewhere:
            report.add("身份证号", gettext("Hours of this title series are recognised by %(handler)s.",
                                        handler=years.handler(line.series, year) or line.series))
        elif seminar and not line.seminar_admits:
            report.add("身份证号", gettext(
                "Advanced seminars admit intermediate and senior titles or enterprise managers "
                "(notice 六(二))."))
        return line

    return check_rows(rows, check)


def _normalized(rows) -> dict[str, str | InvalidValue]:
    """{ID number as written: the normalized number, or why it is not one}, each
    distinct text checked once."""
    out: dict[str, str | InvalidValue] = {}
    for row in rows:
        raw = row.values["身份证号"]
        if raw not in out:
            try:
                out[raw] = normalize_id_number(raw)
            except InvalidValue as exc:
                out[raw] = exc
    return out


def _on_roster(cls: TrainingClass) -> set[str]:
    """The numbers the class has already: enrolled, or waiting for a unit's reviewer."""
    enrolled = select(Person.id_number).join(Enrolment, Enrolment.person_id == Person.id).where(
        Enrolment.class_id == cls.id)
    held = select(RosterLink.id_number).where(
        RosterLink.class_id == cls.id, RosterLink.state == links.PENDING)
    return set(db.session.execute(enrolled.union(held)).scalars())


def _enrol(cls: TrainingClass, joining: list[RosterLine]) -> None:
    """Write the passed rows: enrolments (of the people the organiser may see)
    and 待确认 links (every other row, new people in the organiser's own unit
    too, enrolled only once confirmed), each table one statement per chunk,
    every row its own audit entry. A new person is not written here: their
    link carries them and the reviewer's confirmation creates them, so a
    number nobody has writes exactly what a number registered elsewhere does."""
    session = db.session
    enrolling, linking = [], []
    for line in joining:
        if line.link is None:
            enrolling.append({"class_id": cls.id, "person_id": line.person.id, "phone": line.phone,
                              "attendance": {}})
        else:
            person = line.registered
            linking.append(links.waiting(line.link, cls, None if person is None else person.id,
                                         line.given.unit_id if person is None else person.unit_id,
                                         line.given))
    audit.insert_rows(session, Enrolment, placement.fill(session, enrolling))
    audit.insert_rows(session, RosterLink, linking)
    if linking:  # who counts in a unit changed
        dashboard.ledgers_changed(session)
    links.tell_reviewers(cls, linking)


@WORKFLOW.step("import_roster")
def import_roster(scope: Scope, cls: TrainingClass, data: dict) -> SheetResult:
    """data["file"] = (name, bytes). Every row is checked first; the new
    participants are added only when every row passes, else SheetProblems.
    A roster is a lookup of ID numbers: recorded (audited) and limited per
    login per day like a bulk check, refused or not; rows outside the
    organiser's scope whose number nobody has, or whose details differ from
    the registered person's, count alike towards the day's threshold.
    Rows naming a person the organiser may not see leave a 待确认 link for
    the reviewer of the person's unit, whatever the registry holds
    (app/services/roster_links.py)."""
    rows = ROSTER_TEMPLATE.rows(*data["file"])
    lookups.allow(scope, "roster", len(rows))
    mismatched: set[int] = set()
    checked = _check_roster(scope, cls, rows, mismatched)
    mismatches = len(mismatched)
    on_roster = _on_roster(cls)
    joining = [line for line in checked.plans if line.id_number not in on_roster]
    for line in joining[max(cls.capacity - len(on_roster), 0):]:
        checked.add(line.row, "身份证号", gettext("The class is full (capacity %(n)d).", n=cls.capacity))
    try:
        checked.refuse_if_any()
    except SheetProblems:
        lookups.record_apart(scope, "roster", len(rows), mismatches)
        raise
    lookups.record(scope, "roster", len(rows), mismatches)
    _enrol(cls, joining)
    return SheetResult(added=len(joining), unchanged=len(checked.plans) - len(joining))


def attendance_template(scope: Scope, cls: TrainingClass) -> bytes:
    """The participants to fill in, with the hours already entered, for the
    class's own organiser only, each ID number as the organiser may see it
    (masked outside their scope); the import matches a masked number together
    with the name. Uploaded unchanged, it changes nothing."""
    if not ORGANISER.test(scope, cls):
        raise BusinessError(str(ORGANISER.message), status=404)
    days = [d.isoformat() for d in cls.days]
    enrolments = participants(cls)
    shown = masking.shown_all((e.person.id_number for e in enrolments), scope)
    rows = [[shown[e.person.id_number], e.person.name] + [e.attendance.get(d, "") for d in days]
            for e in enrolments]
    return workbook_bytes(gettext("Attendance"), ["身份证号", "姓名"] + days, rows)


def waiting_rows(scope: Scope, cls: TrainingClass) -> list[dict]:
    """The roster rows of `cls` no unit has confirmed, for its organiser only,
    every kind alike (roster_links.organiser_rows)."""
    return links.organiser_rows(cls) if ORGANISER.test(scope, cls) else []


def participants(cls: TrainingClass) -> list[Enrolment]:
    return db.session.execute(
        select(Enrolment).where(Enrolment.class_id == cls.id).order_by(Enrolment.id)).scalars().all()


@dataclass(frozen=True)
class AttendanceLine:
    """One checked attendance row: a participant's hours per day."""

    row: int
    enrolment: Enrolment
    hours: dict


def _day_hours(raw, plan: Decimal, report: RowReport, day: str):
    try:
        value = Decimal(str(raw))
    except Exception:
        value = None
    if value is None or not value.is_finite() or value < 0 or (value * 10) % 1:
        report.add(day, gettext("Hours must be a number of at least 0 with at most one decimal place."))
    elif value > plan:
        report.add(day, gettext("More than the %(plan)s hours planned for the day.", plan=plan))
    else:
        return value
    return None


@WORKFLOW.step("import_attendance")
def import_attendance(scope: Scope, cls: TrainingClass, data: dict) -> SheetResult:
    """data["file"] = (name, bytes): hours per participant per day, never above
    the plan; every row or none."""
    days = [d.isoformat() for d in cls.days]
    headers, rows = read_sheet(*data["file"], ["身份证号", "姓名"])
    day_columns = [h for h in headers if h not in ("身份证号", "姓名")]
    everyone = participants(cls)
    enrolments = {e.person.id_number: e for e in everyone}
    shown = masking.shown_all(enrolments, scope)
    as_shown = {(shown[e.person.id_number], e.person.name): e for e in everyone
                if shown[e.person.id_number] != e.person.id_number}

    def check(row, report: RowReport) -> AttendanceLine | None:
        raw, name = row.values["身份证号"].strip(), row.values["姓名"].strip()
        if (raw, name) in as_shown:  # a masked number from the template, with its name
            return _attendance_line(row, as_shown[raw, name], report)
        number = _id_number(raw, report)
        if number is None:
            return None
        enrolment = enrolments.get(number)
        if enrolment is None:
            report.add("身份证号", gettext("The person is not on the roster."))
        elif enrolment.person.name != row.values["姓名"].strip():
            report.add("姓名", gettext("The name does not match the ID number."))
        if report:
            return None
        return _attendance_line(row, enrolment, report)

    def _attendance_line(row, enrolment: Enrolment, report: RowReport) -> AttendanceLine | None:
        hours = {}
        for day in day_columns:
            raw = row.values[day]
            if day in days and raw not in ("", None):
                value = _day_hours(raw, cls.hours_per_day, report, day)
                if value:
                    hours[day] = hours_value(value)
        return AttendanceLine(row.number, enrolment, hours)

    checked = check_rows(rows, check)
    for column in day_columns:
        if column not in days:
            checked.add(1, column, gettext("This date is not a day of the class."))
    checked.refuse_if_any()
    result = SheetResult()
    for line in checked.plans:
        if line.enrolment.attendance != line.hours:
            line.enrolment.attendance = line.hours
            result.added += 1
        else:
            result.unchanged += 1
    return result


@WORKFLOW.step("full_attendance")
def full_attendance(scope: Scope, cls: TrainingClass, data: dict) -> None:
    """全勤: every participant, every day, the planned hours."""
    full = {d.isoformat(): hours_value(cls.hours_per_day) for d in cls.days}
    for enrolment in participants(cls):
        enrolment.attendance = dict(full)


# -- completion --------------------------------------------------------------

@WORKFLOW.step("request_completion")
def request_completion(scope: Scope, cls: TrainingClass, data: dict) -> None:
    cls.reason = None


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


@WORKFLOW.step("approve")
def approve_completion(scope: Scope, cls: TrainingClass, data: dict) -> None:
    """审核合格: attendance becomes activities, ledgers grow, certificates are
    numbered — one transaction. PDFs are written afterwards, in chunks."""
    kind = activity_kind(cls)
    earned = []
    for enrolment in participants(cls):
        if not enrolment.attendance:
            continue
        activity = _class_activity(cls, enrolment, kind)
        activity.person = enrolment.person
        db.session.add(activity)
        earned.append((enrolment, earned_hours(activity)))
        ledgers.recompute_person(enrolment.person_id, range(activity.first_year, activity.last_year + 1))
    now = utcnow()
    certificates.issue(cls, earned, now)
    cls.reviewed_at, cls.reason = now, None
    cls.certificates_total, cls.certificates_rendered = len(earned), 0


def remove_hours(cls: TrainingClass, enrolment_ids=None) -> None:
    """Take the class's hours (of some participants) out of their ledgers."""
    stmt = select(Activity).where(Activity.source == "class", Activity.source_id.in_(
        select(Enrolment.id).where(Enrolment.class_id == cls.id)))
    if enrolment_ids is not None:
        stmt = stmt.where(Activity.source_id.in_(enrolment_ids))
    touched: dict[int, set] = {}
    for activity in db.session.execute(stmt).scalars():
        touched.setdefault(activity.person_id, set()).update(range(activity.first_year, activity.last_year + 1))
        db.session.delete(activity)
    for person_id, years in sorted(touched.items()):
        ledgers.recompute_person(person_id, years)


@WORKFLOW.step("violation")
def mark_violation(scope: Scope, cls: TrainingClass, data: dict) -> None:
    """违规: no hours; hours already registered leave the ledgers, certificates are revoked."""
    reason = inputs.reason(data.get("reason"))
    remove_hours(cls)
    certificates.revoke_all(cls, gettext("The class was found in violation: %(reason)s", reason=reason))
    cls.reason = reason
