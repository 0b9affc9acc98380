"""The engine: applies one year's rule set to one person-year.

The steps, always in this order (they mirror rules-2026.md):

1. Check the person-year (`_check_person_year`): an object with `person.id`
   (a non-empty string), an integer `year` that has a rule set, and an
   `activities` list. Anything else raises `RejectedPersonYear`.
2. Read every item (`_read_item`): its id, its kind and the fields of that
   kind. An item that fails gets `invalid` and takes no further part; its id
   (when it is a string) still counts for the duplicate-id check.
3. Scope: for a person of an out-of-scope series every item gets
   `out_of_scope` (beside `invalid`), nothing is credited; stop.
4. Place each valid item on its own (`_place_*`), in input order:
   `wechat_not_recognized` (a refused channel stops here, whatever its dates);
   `out_of_year` for a single-date item dated outside the year, or a months
   item with nothing in the year (stop); the credit before caps;
   `exam_not_passed` (credit 0, stop); `counted_per_item`.
5. Daily pool (`_serve_daily_pool`): a day entry outside the year gives
   `out_of_year` and takes nothing. Per calendar day, the in-year entries of
   all pooled kinds share `daily_pool_hours` actual hours: `served_first`
   kinds first, then input position, then the order of the `days` list;
   credit = hours allowed x multiplier; an entry cut short gives `daily_cap`.
6. Annual caps (`_apply_caps`), each group on its own (no item is in two):
   members in order of date (`start` for months kinds), then input position;
   `duplicate_project` first where the group deduplicates (credit 0), then
   the limits; an item cut short gives `annual_cap`.
   Months (`_count_months`): `threshold_not_met` per reason on the days of
   the year it covers; the remaining periods merged into runs; each run's
   months on its first item (`merged_period` on the others), at most
   `max_months` in all (`annual_cap` on the first item of a run cut).
7. Totals, compliance and shortfall (`_result`); none for an out-of-scope person.

All arithmetic is in integer tenths of an hour; `Decimal` appears only in the
returned numbers (and when reading a `Decimal` input).

`evaluate(person_year, trace=True)` adds to each reduced item a `trace`: what
took the hours it lost (see `_traced`); the contract's output is the same
without it, and the command line never asks for it.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal
from math import inf
from operator import attrgetter

from . import model as m
from . import registry
from .model import CHANNEL, COURSES, MONTHS, PASSED, POOL, project_key

__all__ = ["RejectedPersonYear", "evaluate", "to_tenths"]


class RejectedPersonYear(ValueError):
    """The person-year is rejected whole. `message` is Chinese, `code` is stable."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


class _Invalid(Exception):
    """Raised while reading an item that is not valid (internal)."""


# -- note bits ---------------------------------------------------------------

_BIT = {code: 1 << i for i, code in enumerate(m.NOTE_CODES)}
INVALID, OUT_OF_SCOPE, WECHAT, OUT_OF_YEAR, NOT_PASSED, THRESHOLD, DUPLICATE, \
    MERGED, DAILY_CAP, ANNUAL_CAP, PER_ITEM = (_BIT[c] for c in m.NOTE_CODES)
# notes set while placing an item that end its part (step 4)
_STOPPED = WECHAT | OUT_OF_YEAR | NOT_PASSED
# note bits -> the codes, in the contract's order
_NOTES = tuple(tuple(c for c in m.NOTE_CODES if mask & _BIT[c])
               for mask in range(1 << len(m.NOTE_CODES)))

# -- numbers -----------------------------------------------------------------

_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
MAX_DIGITS = 10_000  # numbers of more digits are not quantities (see README)


def to_tenths(value) -> int | None:
    """Hours as integer tenths, or None unless a finite number with <= 1 decimal.

    int (never bool), float (judged by its shortest repr) or Decimal (by value).
    """
    kind = type(value)
    if kind is int:
        return value * 10
    if kind is float:
        try:
            tenths = round(value * 10)
        except (OverflowError, ValueError):  # inf, nan
            return None
        if tenths / 10 == value:  # value is the double nearest to tenths / 10
            return tenths
        return _decimal_tenths(Decimal(repr(value)))
    if kind is Decimal:
        try:  # databases hand over the same few Decimals again and again
            return _DECIMAL_TENTHS[value]
        except KeyError:
            tenths = _decimal_tenths(value)
            if len(_DECIMAL_TENTHS) < 10_000:
                _DECIMAL_TENTHS[value] = tenths
            return tenths
        except TypeError:  # a signaling NaN cannot be hashed; it is no quantity
            return None
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value) * 10
    return None


_DECIMAL_TENTHS: dict[Decimal, int | None] = {}  # Decimal -> tenths, for those seen so far


def _decimal_tenths(value: Decimal) -> int | None:
    if not value.is_finite() or value.adjusted() >= MAX_DIGITS:
        return None
    scaled = value.scaleb(1, _EXACT)
    if scaled != scaled.to_integral_value():
        return None
    return int(scaled)


class _DecimalCache(dict):
    """tenths -> Decimal('30') for whole hours, Decimal('22.5') otherwise."""

    def __missing__(self, tenths: int) -> Decimal:
        whole, rest = divmod(tenths, 10)
        value = Decimal(whole) if rest == 0 else Decimal(tenths).scaleb(-1, _EXACT)
        if 0 <= tenths < 100_000:  # keep the cache small
            self[tenths] = value
        return value


_DECIMAL = _DecimalCache()


# -- dates -------------------------------------------------------------------

_fromiso = date.fromisoformat
_ONE_DAY = timedelta(days=1)


# ISO string -> date for the strings seen so far; date -> itself for dates
# (databases hand over date objects: a dict hit is cheaper than a type test
# after a failed parse)
_DATES: dict = {}


def _date(value) -> date:
    """An ISO YYYY-MM-DD string (or a datetime.date) as a date; else _Invalid."""
    try:
        return _DATES[value]
    except (KeyError, TypeError):
        pass
    try:
        day = _fromiso(value)
    except (TypeError, ValueError):
        if type(value) is date:
            if len(_DATES) >= 10_000:
                _DATES.clear()
            _DATES[value] = value
            return value
        raise _Invalid from None
    # fromisoformat also takes YYYYMMDD and week dates (YYYY-Www-D); only
    # YYYY-MM-DD is 10 characters long with a dash at index 7.
    if len(value) != 10 or value[7] != "-":
        raise _Invalid
    if len(_DATES) >= 10_000:
        _DATES.clear()
    _DATES[value] = day
    return day


def _add_months(day: date, months: int) -> date:
    """Calendar-month addition, clamped to the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = 29 if month == 2 and _leap(year) else _MONTH_DAYS[month]
    return date(year, month, min(day.day, last))


_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _whole_months(start: date, stop: date, round_up_days: int) -> int:
    """Months in [start, stop): whole calendar months, a remainder of at least
    `round_up_days` days counting as one more."""
    k = (stop.year - start.year) * 12 + stop.month - start.month
    if _add_months(start, k) > stop:
        k -= 1
    if (stop - _add_months(start, k)).days >= round_up_days:
        k += 1
    return k


# -- the compiled rule set ---------------------------------------------------

def _tenths_of(hours) -> int | None:
    """A rule-set quantity in tenths (None stays None; RuleSet checked it)."""
    return None if hours is None else to_tenths(hours)


def _limit(hours) -> int | float:
    return inf if hours is None else _tenths_of(hours)


class _KindPlan:
    """One KindRule, ready for the hot path."""

    __slots__ = ("credit", "read", "place", "category_given",
                 "own_hours", "unit", "multiplier", "rank", "cap", "extra", "read_extra")

    def __init__(self, rule: m.KindRule, caps: dict[str, int]):
        self.credit = rule.credit
        self.read, self.place = _SHAPES[rule.credit]
        self.category_given = rule.category == m.GIVEN
        self.own_hours = rule.credit == m.HOURS
        self.unit = _tenths_of(rule.unit)
        self.multiplier = rule.multiplier
        self.rank = 0 if rule.served_first else 1
        self.cap = caps[rule.cap_group] if rule.cap_group is not None else None
        self.extra = rule.extra_fields[0] if rule.extra_fields else None
        self.read_extra = _EXTRA_READERS[self.extra] if self.extra else None


class _CapPlan:
    """One CapGroup in tenths; no limit is `math.inf`, which compares exactly
    with ints and never becomes a credit (a credit is min(int, limits...))."""

    __slots__ = ("limit", "public", "professional", "dedupe_project")

    def __init__(self, group: m.CapGroup):
        self.limit = _limit(group.limit)
        self.public = _limit(group.public)
        self.professional = _limit(group.professional)
        self.dedupe_project = group.dedupe_project


class _Plan:
    """A RuleSet compiled once (on first use): tenths, dispatch, the year's dates."""

    def __init__(self, rs: m.RuleSet):
        self.rule_set = rs
        self.year = rs.year
        self.first_day = date(rs.year, 1, 1)
        self.last_day = date(rs.year, 12, 31)
        self.required_public = _tenths_of(rs.required_public)
        self.required_professional = _tenths_of(rs.required_professional)
        self.pool = _tenths_of(rs.daily_pool_hours)
        self.day_max = _tenths_of(rs.day_max_hours)
        self.channels = rs.channels
        self.unrecognized_channels = rs.unrecognized_channels
        months = rs.months
        self.per_month = (_tenths_of(months.public_per_month),
                          _tenths_of(months.professional_per_month))
        self.max_months = months.max_months
        self.round_up_days = months.round_up_days
        self.reasons = months.reasons
        self.threshold_reasons = months.threshold_reasons
        self.threshold_days = months.threshold_days
        self.caps = [_CapPlan(group) for group in rs.caps]
        index = {group.name: i for i, group in enumerate(rs.caps)}
        self.kinds = {rule.kind: _KindPlan(rule, index) for rule in rs.kinds}


_PLANS: dict[int, _Plan] = {}


def _plan_for(rs: m.RuleSet) -> _Plan:
    plan = _PLANS.get(rs.year)
    if plan is None or plan.rule_set is not rs:
        plan = _PLANS[rs.year] = _Plan(rs)
    return plan


# -- step 1: the person-year -------------------------------------------------

def _check_person_year(person_year):
    """(rule set, person id, year, activities, in scope, prior project keys)
    or RejectedPersonYear."""
    if not isinstance(person_year, dict):
        raise RejectedPersonYear("学时记录必须是 JSON 对象(含 person、year、activities)", "not_object")
    person = person_year.get("person")
    person_id = person.get("id") if isinstance(person, dict) else None
    if not isinstance(person_id, str) or not person_id:
        raise RejectedPersonYear("缺少人员编号:person.id 必须是非空字符串", "bad_person_id")
    year = person_year.get("year")
    if type(year) is not int:
        raise RejectedPersonYear("年度 year 必须是整数", "bad_year")
    rule_set = registry.get(year)
    if rule_set is None:
        raise RejectedPersonYear(f"没有 {year} 年度的学时规则,该年度记录不予处理", "unknown_year")
    activities = person_year.get("activities")
    if not isinstance(activities, (list, tuple)):
        raise RejectedPersonYear("活动列表 activities 必须是数组", "bad_activities")
    prior_keys = _NO_PRIOR
    if "prior_projects" in person_year:
        prior = person_year["prior_projects"]
        if not isinstance(prior, (list, tuple)) or not all(isinstance(p, str) for p in prior):
            raise RejectedPersonYear("往年成果 prior_projects 必须是字符串数组", "bad_prior_projects")
        # an entry whose key is empty matches nothing (no valid project has that key)
        prior_keys = frozenset(project_key(p) for p in prior)
    series = person.get("series")
    in_scope = not (isinstance(series, str) and series in rule_set.out_of_scope_series)
    return rule_set, person_id, year, activities, in_scope, prior_keys


_NO_PRIOR: frozenset = frozenset()


# -- step 2: reading items ---------------------------------------------------

class _Item:
    """One activity while it is judged: what was read, then what it earns."""

    __slots__ = ("id", "plan", "category", "when", "end", "hours", "days", "extra",
                 "offered", "public", "professional", "notes")


def _read_item(activity, seen_ids: set, plan: _Plan) -> _Item:
    """Read one activity: invalid (notes == INVALID) unless everything checks."""
    item = _Item()  # (no __init__: it would double the cost of this hot line)
    item.id = item.plan = item.extra = None
    item.public = item.professional = 0
    item.notes = INVALID
    if type(activity) is not dict and not isinstance(activity, dict):
        return item
    item_id = activity.get("id")
    if type(item_id) is not str:
        return item
    item.id = item_id
    kind = activity.get("kind")
    kp = plan.kinds.get(kind) if type(kind) is str else None
    if kp is not None and item_id and item_id not in seen_ids:
        item.plan = kp
        try:
            kp.read(item, activity, kp, plan)
            item.notes = 0
        except _Invalid:
            pass
    seen_ids.add(item_id)
    return item


def _category(activity, kp: _KindPlan) -> int:
    """0 for public, 1 for professional; a fixed category wins."""
    if not kp.category_given:
        return 0  # PUBLIC (SPLIT kinds do not use it)
    category = activity.get("category")
    if category == "public":
        return 0
    if category == "professional":
        return 1
    raise _Invalid


def _hours(value) -> int:
    """Hours > 0 as tenths; else _Invalid."""
    tenths = value * 10 if type(value) is int else to_tenths(value)
    if tenths is None or tenths <= 0:
        raise _Invalid
    return tenths


def _read_dated(item: _Item, activity, kp: _KindPlan, plan: _Plan) -> None:
    """HOURS / UNIT kinds: category, date, hours (HOURS only), extra field."""
    item.category = _category(activity, kp)
    item.when = _date(activity.get("date"))
    if kp.own_hours:
        item.hours = _hours(activity.get("hours"))
    if kp.read_extra is not None:
        item.extra = kp.read_extra(activity, plan)


def _read_days(item: _Item, activity, kp: _KindPlan, plan: _Plan) -> None:
    """POOL kinds: category, a non-empty `days` list, extra field."""
    item.category = _category(activity, kp)
    days = activity.get("days")
    if type(days) is not list and not isinstance(days, (list, tuple)) or not days:
        raise _Invalid
    day_max = plan.day_max
    entries = []
    for day in days:
        if type(day) is not dict and not isinstance(day, dict):
            raise _Invalid
        hours = day.get("hours")
        tenths = hours * 10 if type(hours) is int else to_tenths(hours)
        if tenths is None or not 0 < tenths <= day_max:
            raise _Invalid
        entries.append((_date(day.get("date")), tenths))
    item.days = entries
    if kp.read_extra is not None:
        item.extra = kp.read_extra(activity, plan)


def _read_period(item: _Item, activity, kp: _KindPlan, plan: _Plan) -> None:
    """MONTHS kinds: start <= end, extra field."""
    item.when = _date(activity.get("start"))
    item.end = _date(activity.get("end"))
    if item.end < item.when:
        raise _Invalid
    if kp.read_extra is not None:
        item.extra = kp.read_extra(activity, plan)


def _read_passed(activity, plan: _Plan) -> bool:
    passed = activity.get("passed")
    if type(passed) is not bool:
        raise _Invalid
    return passed


def _read_channel(activity, plan: _Plan) -> str:
    channel = activity.get("channel")
    if type(channel) is not str or channel not in plan.channels:
        raise _Invalid
    return channel


def _read_project(activity, plan: _Plan) -> str:
    """The project's key (what duplicates are judged by)."""
    project = activity.get("project")
    if not isinstance(project, str):
        raise _Invalid
    key = project_key(project)
    if not key:
        raise _Invalid
    return key


def _read_courses(activity, plan: _Plan) -> int:
    """The number of units earned: courses for a registration exam, else
    -courses (one unit, counted_per_item when courses > 1)."""
    courses = activity.get("courses", 1)
    if type(courses) is not int or courses < 1:
        raise _Invalid
    registration = activity.get("registration", False)
    if type(registration) is not bool:
        raise _Invalid
    return courses if registration else -courses


def _read_reason(activity, plan: _Plan) -> str:
    reason = activity.get("reason")
    if type(reason) is not str or reason not in plan.reasons:
        raise _Invalid
    return reason


_EXTRA_READERS = {
    m.PASSED: _read_passed, m.CHANNEL: _read_channel, m.PROJECT: _read_project,
    m.COURSES: _read_courses, m.REASON: _read_reason,
}

# -- step 4: placing each item on its own ------------------------------------


def _credit(item: _Item, tenths: int) -> None:
    if item.category:
        item.professional += tenths
    else:
        item.public += tenths


def _place_dated(item: _Item, kp: _KindPlan, plan: _Plan) -> None:
    """Single-date kinds: out_of_year, then the credit, then exam_not_passed."""
    if item.when.year != plan.year:
        item.notes = OUT_OF_YEAR
    elif kp.extra == PASSED and not item.extra:
        item.notes = NOT_PASSED
    else:
        if kp.own_hours:
            tenths = item.hours
        elif kp.extra == COURSES and item.extra > 0:  # a registration exam
            tenths = kp.unit * item.extra
        else:
            tenths = kp.unit
            if kp.extra == COURSES and item.extra < -1:
                item.notes = PER_ITEM
        if item.category:
            item.professional = tenths
        else:
            item.public = tenths


def _place_days(item: _Item, kp: _KindPlan, plan: _Plan) -> None:
    """Pooled kinds: wechat_not_recognized for a refused channel. (The pool
    step judges the days.)"""
    if kp.extra == CHANNEL and item.extra in plan.unrecognized_channels:
        item.notes = WECHAT


def _place_period(item: _Item, kp: _KindPlan, plan: _Plan) -> None:
    """Months kinds: clip to the year; from here on `when` is the first day
    in the year and `end` the day after the last (`_count_months` goes on)."""
    item.when = max(item.when, plan.first_day)
    item.end = min(item.end, plan.last_day) + _ONE_DAY
    if item.when >= item.end:
        item.notes = OUT_OF_YEAR


_SHAPES = {
    m.HOURS: (_read_dated, _place_dated),
    m.UNIT: (_read_dated, _place_dated),
    m.POOL: (_read_days, _place_days),
    m.MONTHS: (_read_period, _place_period),
}

# -- step 5: the daily pool --------------------------------------------------


def _serve_daily_pool(pooled: list[_Item], plan: _Plan, trace: dict | None) -> None:
    """Share each day's actual hours among the pooled entries of that day.

    A day outside the year gives `out_of_year` and takes nothing."""
    year, pool = plan.year, plan.pool
    totals: dict[date, int] = {}  # in-year day -> hours offered that day
    for item in pooled:
        offered = 0
        for day, tenths in item.days:
            if day.year == year:
                totals[day] = totals.get(day, 0) + tenths
                offered += tenths
            else:
                item.notes |= OUT_OF_YEAR
        item.offered = offered
    crowded = {day: [] for day, total in totals.items() if total > pool}
    for item in pooled:
        allowed = item.offered
        if crowded:  # take the crowded days out, to be shared below
            for day, tenths in item.days:
                queue = crowded.get(day)
                if queue is not None:
                    allowed -= tenths
                    queue.append((item.plan.rank, item, tenths))
        _credit(item, allowed * item.plan.multiplier)
    for day, queue in crowded.items():
        left = pool
        queue.sort(key=_rank)  # stable: input position, then days order
        served = [] if trace is not None else None
        for _, item, tenths in queue:
            allowed = tenths if tenths <= left else left
            left -= allowed
            if allowed < tenths:
                item.notes |= DAILY_CAP
                if served is not None:
                    _traced(trace, item, "offered", item.offered)
                    _traced(trace, item, "days", []).append(
                        (day, tenths, allowed, [(other.id, took) for other, took in served if took]))
            _credit(item, allowed * item.plan.multiplier)
            if served is not None:
                served.append((item, allowed))


def _rank(entry) -> int:
    return entry[0]

# -- step 6: months ----------------------------------------------------------


def _count_months(items: list[_Item], plan: _Plan, trace: dict | None) -> None:
    """Threshold per reason, then months on the merged runs of the rest.

    `items` are the clipped months items in input order."""
    items.sort(key=_WHEN)  # stable: earliest start, then input position
    for reason in plan.threshold_reasons:
        of_reason = [item for item in items if item.extra == reason]
        if of_reason and _covered_days(of_reason) < plan.threshold_days:
            for item in of_reason:
                item.notes = THRESHOLD
    runs: list[list] = []  # [first item, stop (exclusive), other items]
    for item in items:
        if item.notes:
            continue
        if runs and item.when <= runs[-1][1]:  # starts on or before the day after
            run = runs[-1]
            run[1] = max(run[1], item.end)
            run[2].append(item)
        else:
            runs.append([item, item.end, []])
    left = plan.max_months
    for position, (first, stop, others) in enumerate(runs):
        months = _whole_months(first.when, stop, plan.round_up_days)
        if months > left:
            if trace is not None:
                _traced(trace, first, "offered", sum(plan.per_month) * months)
                _traced(trace, first, "by", [(run[0].id, run[0].public + run[0].professional)
                                             for run in runs[:position]
                                             if run[0].public or run[0].professional])
            months = left
            first.notes = ANNUAL_CAP
        left -= months
        first.public = plan.per_month[0] * months
        first.professional = plan.per_month[1] * months
        for item in others:
            item.notes = MERGED
            if trace is not None:
                _traced(trace, item, "run_of", first.id)


def _covered_days(items: list[_Item]) -> int:
    """Days covered by the periods of `items` (sorted by start), each day once."""
    days, start, stop = 0, None, None
    for item in items:
        if stop is not None and item.when <= stop:
            stop = max(stop, item.end)
            continue
        if stop is not None:
            days += (stop - start).days
        start, stop = item.when, item.end
    return days + (stop - start).days

# -- step 6: annual caps -----------------------------------------------------


def _apply_caps(members: list[_Item], cap: _CapPlan, prior_keys: set,
                trace: dict | None) -> None:
    """Serve one cap group: by date, then input position."""
    members.sort(key=_WHEN)  # stable: ties keep input order
    if cap.dedupe_project:
        members = _drop_duplicate_projects(members, prior_keys, trace)
    left, left_public, left_professional = cap.limit, cap.public, cap.professional
    for position, item in enumerate(members):
        public = min(item.public, left, left_public)
        left -= public
        left_public -= public
        professional = min(item.professional, left, left_professional)
        left -= professional
        left_professional -= professional
        if public < item.public or professional < item.professional:
            item.notes |= ANNUAL_CAP
            if trace is not None:
                _traced(trace, item, "offered", item.public + item.professional)
                _traced(trace, item, "by", [(other.id, other.public + other.professional)
                                            for other in members[:position]
                                            if other.public or other.professional])
            item.public, item.professional = public, professional


_WHEN = attrgetter("when")


def _drop_duplicate_projects(members: list[_Item], prior_keys: set,
                             trace: dict | None) -> list[_Item]:
    """Keep the first item of each project not counted in an earlier year;
    the others earn 0 (traced: the item kept, or None for an earlier year)."""
    seen, kept = dict.fromkeys(prior_keys), []
    for item in members:
        if item.extra in seen:
            item.notes |= DUPLICATE
            if trace is not None:
                _traced(trace, item, "offered", item.public + item.professional)
                first = seen[item.extra]
                _traced(trace, item, "same_as", None if first is None else first.id)
            item.public = item.professional = 0
        else:
            seen[item.extra] = item
            kept.append(item)
    return kept


def _traced(trace: dict, item: _Item, key: str, value):
    """The trace entry `key` of `item`, set to `value` unless it is there already."""
    return trace.setdefault(item, {}).setdefault(key, value)


# -- step 7: the result ------------------------------------------------------


def _result(person_id, year, in_scope, items, plan: _Plan, trace: dict | None = None) -> dict:
    dec = _DECIMAL
    rows = []
    public = professional = 0
    for item in items:
        public += item.public
        professional += item.professional
        rows.append({"id": item.id, "public": dec[item.public],
                     "professional": dec[item.professional],
                     "notes": list(_NOTES[item.notes]) if item.notes else []})
        if trace is not None and item in trace:
            rows[-1]["trace"] = _trace_out(trace[item])
    compliant = shortfall = None  # no finding about an out-of-scope person
    if in_scope:
        short_public = max(0, plan.required_public - public)
        short_professional = max(0, plan.required_professional - professional)
        compliant = not short_public and not short_professional
        shortfall = {"public": dec[short_public], "professional": dec[short_professional]}
    return {
        "person_id": person_id,
        "year": year,
        "in_scope": in_scope,
        "items": rows,
        "public": dec[public],
        "professional": dec[professional],
        "total": dec[public + professional],
        "compliant": compliant,
        "shortfall": shortfall,
    }

def _trace_out(entry: dict) -> dict:
    """A reduced item's trace, in hours: `offered` (credit before the step that
    reduced it; actual hours for the daily pool), and as it applies `days` [{date,
    hours, credited, by}] (each cut day in actual hours: asked, allowed, and the
    [id, hours] of the entries served before it that day), `by` [[id, hours]]
    (the items counted before it in its cap), `same_as` (the item of the same
    project kept; null: a project of an earlier year), `run_of` (the months run)."""
    dec = _DECIMAL
    out = {"offered": dec[entry["offered"]]} if "offered" in entry else {}
    if "days" in entry:
        out["days"] = [{"date": day.isoformat(), "hours": dec[asked], "credited": dec[credited],
                        "by": [[other, dec[hours]] for other, hours in by]}
                       for day, asked, credited, by in entry["days"]]
    if "by" in entry:
        out["by"] = [[other, dec[hours]] for other, hours in entry["by"]]
    for key in ("same_as", "run_of"):
        if key in entry:
            out[key] = entry[key]
    return out

# -- the whole -------------------------------------------------------------


def evaluate(person_year, *, trace: bool = False) -> dict:
    """Evaluate one person-year (see the module docstring for the steps);
    `trace`: say on each reduced item what took its hours."""
    rule_set, person_id, year, activities, in_scope, prior_keys = \
        _check_person_year(person_year)
    plan = _plan_for(rule_set)
    seen_ids: set = set()
    items = [_read_item(activity, seen_ids, plan) for activity in activities]
    if not in_scope:
        for item in items:
            item.notes |= OUT_OF_SCOPE
        return _result(person_id, year, False, items, plan)
    pooled: list[_Item] = []
    months: list[_Item] = []
    capped: dict[int, list[_Item]] = {}  # cap group index -> its members
    for item in items:
        if item.notes:
            continue
        kp = item.plan
        kp.place(item, kp, plan)
        if item.notes & _STOPPED:
            continue
        if kp.credit == POOL:
            pooled.append(item)
        elif kp.credit == MONTHS:
            months.append(item)
        elif kp.cap is not None:
            capped.setdefault(kp.cap, []).append(item)
    traced = {} if trace else None
    if pooled:
        _serve_daily_pool(pooled, plan, traced)
    for index, members in capped.items():
        _apply_caps(members, plan.caps[index], prior_keys, traced)
    if months:
        _count_months(months, plan, traced)
    return _result(person_id, year, True, items, plan, traced)
