"""The self-claim form: the fields of one kind in one year (from that year's rule
set), required ones marked, day-by-day hours as a small table of date pickers,
and the values turned into what `services.claims` takes."""
from __future__ import annotations

from itertools import zip_longest

from flask_babel import gettext, lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import Field, MultipleFileField, SelectField, StringField

from ..models import Person
from .. import rules
from ..rules import model as rules_model
from ..rules import registry
from ..services import records
from .lists import LookupField

HELP = {
    "title": _l("The name of the activity, exam, result or assignment, as on the evidence"),
    "project": _l("The result itself, e.g. the patent number or the paper's title: the same "
                  "result counts once, in any year"),
    "registration": _l("Registration exams (e.g. 一级建造师, 注册会计师) count 16 hours per "
                       "course passed; other exams 16 hours each"),
    "courses": _l("Only for a registration exam: the number of courses passed"),
    "days": _l("One row per day: the date and the hours of that day"),
    "hours": _l("The hours on the exam certificate"),
    "end": _l("The last day (inclusive)"),
}
YES_NO = (("1", _l("Yes")), ("0", _l("No")))


class DaysWidget:
    """A table of days: a date picker and the hours on each row; a button adds rows."""

    def __call__(self, field, **kwargs):
        rows = list(field.rows())
        rows += [("", "")] * max(1, 3 - len(rows))
        date_label, hours_label = escape(gettext("Date")), escape(gettext("Hours"))
        remove, add = escape(gettext("Remove this day")), escape(gettext("Add a day"))
        body = "".join(
            f'<tr><td><input type="date" class="form-control input-sm" name="{field.name}-date" '
            f'value="{escape(day)}" aria-label="{date_label}"></td>'
            f'<td><input type="number" class="form-control input-sm" name="{field.name}-hours" '
            f'min="0.1" max="{field.day_max}" step="0.1" inputmode="decimal" value="{escape(hours)}" '
            f'aria-label="{hours_label}"></td>'
            f'<td><button type="button" class="btn btn-link btn-sm days-remove" '
            f'title="{remove}">×</button></td></tr>'
            for day, hours in rows)
        return Markup(
            f'<table class="table table-condensed claim-days" id="{field.id}">'
            f'<thead><tr><th>{date_label}</th><th>{hours_label}</th>'
            f'<th></th></tr></thead><tbody>{body}</tbody></table>'
            f'<button type="button" class="btn btn-default btn-sm days-add">{add}</button>')


class DaysField(Field):
    """Days posted as parallel `<name>-date` and `<name>-hours` lists; `data` is
    [{"date", "hours"}] as typed (blank rows left out), judged by the service."""

    widget = DaysWidget()

    def __init__(self, label=None, day_max=24, **kwargs):
        super().__init__(label, **kwargs)
        self.day_max = day_max

    def process(self, formdata, data=None, extra_filters=None):
        self.process_errors = []
        self.object_data = data
        self.data = list(data or [])
        self.raw_data = None
        if formdata is not None:
            dates = formdata.getlist(f"{self.name}-date")
            hours = formdata.getlist(f"{self.name}-hours")
            self.raw_data = dates
            self.data = [{"date": d.strip(), "hours": h.strip()}
                         for d, h in zip_longest(dates, hours, fillvalue="") if d.strip() or h.strip()]

    def rows(self):
        for entry in self.data or []:
            if isinstance(entry, dict):
                yield str(entry.get("date", "")), str(entry.get("hours", ""))


def _choices(pairs) -> list[tuple[str, str]]:
    return [(code, str(text)) for code, text in pairs]


def _select(label, choices, **kwargs) -> SelectField:
    """A choice the service judges (its Chinese error under the field), not WTForms."""
    return SelectField(label, choices=choices, validate_choice=False, render_kw={"required": True},
                       **kwargs)


def _field(name: str, rule_set: rules_model.RuleSet, locale: str):
    label = records.FIELD_LABELS[name]
    required = {"required": True}
    help_text = HELP.get(name, "")
    if name == "category":
        # most claims are professional results; 公需 has its own exams
        return _select(label, _choices(reversed(records.CATEGORIES.items())),
                       default="professional", description=help_text)
    if name == "reason":
        return _select(label, _choices(
            (code, records.REASONS.get(code, code)) for code in sorted(rule_set.months.reasons)),
            description=help_text)
    if name == "channel":
        return _select(label, list(rules.channels(locale, rule_set.year).items()),
                       description=help_text)
    if name in ("passed", "registration"):
        return _select(label, _choices(YES_NO),
                       default="1" if name == "passed" else "0", description=help_text)
    if name == "days":
        return DaysField(label, day_max=rule_set.day_max_hours, description=help_text,
                         render_kw=required)
    if name in ("date", "start", "end"):
        return StringField(label, render_kw={"type": "date", **required}, description=help_text)
    if name == "hours":
        return StringField(label, description=help_text, render_kw={
            "type": "number", "min": "0.1", "step": "0.1", "inputmode": "decimal", **required})
    if name == "courses":
        # required only for a registration exam: the form's script requires it when one
        # is chosen; without the script the server says so (records.clean)
        return StringField(label, description=help_text, render_kw={
            "type": "number", "min": "1", "step": "1", "inputmode": "numeric",
            "data-required-when": "registration=1"})
    return StringField(label, description=help_text, render_kw=required)


def claim_form(kind: str, year: int, for_others: bool, locale: str, claim=None) -> FlaskForm:
    """The form of `kind` in `year`; filled from `claim` on a GET when given."""
    rule_set = registry.get(year)

    class ClaimForm(FlaskForm):
        pass

    if for_others:  # searched as you type among the people in scope
        ClaimForm.person = LookupField(_l("Professional"), model=Person, render_kw={"required": True})
    ClaimForm.title = StringField(records.FIELD_LABELS["title"], description=HELP["title"],
                                  render_kw={"required": True, "maxlength": 300})
    for name in records.fields_for(kind, year):
        setattr(ClaimForm, name, _field(name, rule_set, locale))
    ClaimForm.files = MultipleFileField(_l("Evidence (PDF, JPEG or PNG, at most 10 MB each)"),
                                        description=_l("Needed before submitting; a draft may wait"))
    return ClaimForm(data=_stored(claim) if claim is not None else None)


def _stored(claim) -> dict:
    data = {"title": claim.title}
    for name in records.fields_for(claim.kind, claim.year):
        value = getattr(claim, name, None)
        if value is None:
            continue
        if isinstance(value, bool):
            value = "1" if value else "0"
        elif name != "days":
            value = str(value)
        data[name] = value
    return data


def values(form) -> dict:
    """What the service takes from a submitted form."""
    return {name: field.data for name, field in form._fields.items()
            if name not in ("person", "files", "csrf_token")}
