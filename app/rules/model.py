"""What a year's rule set is made of: plain, frozen data, no behaviour.

A rule set (`RuleSet`) is one table row per activity kind (`KindRule`), the
annual cap groups (`CapGroup`), the month arithmetic (`MonthsRule`) and a few
constants. Quantities are written in hours, as the notice writes them; the
engine converts them to integer tenths once, when it first uses the set.
"""
from __future__ import annotations

from dataclasses import dataclass, field
import unicodedata
from decimal import Decimal
from types import MappingProxyType
from typing import Mapping, Union

Hours = Union[int, Decimal]

# How an item earns credit before caps (`KindRule.credit`).
HOURS = "hours"    # one date, the item's own `hours`
UNIT = "unit"      # one date, a fixed number of hours per item (or per course)
POOL = "pool"      # `days` entries through the person's daily pool, x multiplier
MONTHS = "months"  # `start`..`end`, months in the year x hours per month

# Which category the credit goes to (`KindRule.category`).
GIVEN = "given"    # the item's `category` (checked)
PUBLIC = "public"  # always public; `category` ignored, not checked
SPLIT = "split"    # months kinds: a public and a professional share

# Extra fields a kind may require; the engine knows how to judge each one.
PASSED = "passed"      # boolean; false gives exam_not_passed
CHANNEL = "channel"    # one of RuleSet.channels; the refused ones credit 0
PROJECT = "project"    # a string with a non-empty key (`project_key`); deduplicated
#                        in its cap group and against the person's `prior_projects`
COURSES = "courses"    # `registration` (boolean, default false) and `courses` (whole
#                        number >= 1, default 1): unit x courses for a registration
#                        exam, else unit for the item (counted_per_item if courses > 1)
REASON = "reason"      # one of MonthsRule.reasons; some need a threshold
EXTRA_FIELDS = (PASSED, CHANNEL, PROJECT, COURSES, REASON)

# What a training class is, for `RuleSet.class_kinds`: a class of a project in the
# published list of the year, of an approved advanced seminar, or neither.
PUBLISHED_PROJECT, SEMINAR, OTHER_CLASS = "published_project", "seminar", "other"
CLASS_SOURCES = (PUBLISHED_PROJECT, SEMINAR, OTHER_CLASS)
CLASS_MODES = ("offline", "online")

# Note codes, in the order the contract judges them.
INVALID = "invalid"
OUT_OF_SCOPE = "out_of_scope"
WECHAT_NOT_RECOGNIZED = "wechat_not_recognized"
OUT_OF_YEAR = "out_of_year"
EXAM_NOT_PASSED = "exam_not_passed"
THRESHOLD_NOT_MET = "threshold_not_met"
DUPLICATE_PROJECT = "duplicate_project"
MERGED_PERIOD = "merged_period"
DAILY_CAP = "daily_cap"
ANNUAL_CAP = "annual_cap"
COUNTED_PER_ITEM = "counted_per_item"
NOTE_CODES = (
    INVALID, OUT_OF_SCOPE, WECHAT_NOT_RECOGNIZED, OUT_OF_YEAR, EXAM_NOT_PASSED,
    THRESHOLD_NOT_MET, DUPLICATE_PROJECT, MERGED_PERIOD, DAILY_CAP, ANNUAL_CAP,
    COUNTED_PER_ITEM,
)


def project_key(project: str) -> str:
    """The key two projects are compared by: NFKC, then casefold, no white space."""
    # str.split() with no separator splits on exactly the str.isspace() characters
    return "".join(unicodedata.normalize("NFKC", project).casefold().split())


@dataclass(frozen=True)
class Text:
    """A user-facing text in Chinese (the default) and English."""

    zh: str
    en: str


@dataclass(frozen=True)
class KindRule:
    """One row of the year's table: how one kind of activity earns hours."""

    kind: str
    clause: str                      # the notice's section, e.g. "四(二)3"
    label: Text                      # name on forms
    summary: Text                    # one-line rule for forms (`rule_text`)
    credit: str                      # HOURS, UNIT, POOL or MONTHS
    category: str = GIVEN            # GIVEN, PUBLIC or SPLIT
    unit: Hours | None = None        # UNIT: hours per item (per course with COURSES)
    multiplier: int = 1              # POOL: credit = pooled hours x multiplier
    served_first: bool = False       # POOL: served before other kinds within a day
    extra_fields: tuple[str, ...] = ()
    cap_group: str | None = None     # name of a CapGroup, or None (uncapped)
    claimable: bool = False          # a person claims it themself (学时申报), with evidence

    @property
    def pooled(self) -> bool:
        """True when the kind's day entries share the person's daily pool."""
        return self.credit == POOL


@dataclass(frozen=True)
class CapGroup:
    """An annual cap shared by the items of one or more kinds.

    `limit` bounds public + professional together; `public` and `professional`
    bound one category each. None means no bound.
    """

    name: str
    clause: str
    limit: Hours | None = None
    public: Hours | None = None
    professional: Hours | None = None
    dedupe_project: bool = False     # the same project key counts once
    note: Text | None = None         # why an item of this group got annual_cap


@dataclass(frozen=True)
class MonthsRule:
    """Pro-rating by months (不足一年的,按月份比例计算) for MONTHS kinds.

    The months are counted on the year's merged runs of periods, at most
    `max_months` in all (the engine's `_count_months`).
    """

    public_per_month: Hours
    professional_per_month: Hours
    max_months: int
    round_up_days: int               # a remainder of this many days is a month
    reasons: frozenset[str]          # allowed `reason` values
    threshold_reasons: frozenset[str]  # reasons that need the threshold
    threshold_days: int              # days of the year a threshold reason must cover
    note: Text | None = None         # why an item got annual_cap (the months ran out)


@dataclass(frozen=True, eq=False)
class RuleSet:
    """Everything the engine needs for one calendar year."""

    year: int
    required_public: Hours
    required_professional: Hours
    out_of_scope_series: frozenset[str]
    daily_pool_hours: Hours          # actual hours per person per day
    day_max_hours: Hours             # a day entry's hours are in (0, this]
    channels: frozenset[str]         # every `channel` an online_training may have
    unrecognized_channels: frozenset[str]  # of those, the ones that earn nothing
    months: MonthsRule
    caps: tuple[CapGroup, ...]
    kinds: tuple[KindRule, ...]
    notes: Mapping[str, Text]        # explanation of each note code
    revision: int = 1                # of the year's contract; ledgers of older ones are stale
    # how a training class becomes an activity: {source: {mode: kind}}; the sources
    # are CLASS_SOURCES (the application says which one a class is)
    class_kinds: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # who recognises the hours of each out-of-scope series (二), for 不适用 on screens
    out_of_scope_handlers: Mapping[str, Text] = field(default_factory=dict)
    # the name of each channel on forms (every channel, when given)
    channel_labels: Mapping[str, Text] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "notes", MappingProxyType(dict(self.notes)))
        object.__setattr__(self, "out_of_scope_handlers",
                           MappingProxyType(dict(self.out_of_scope_handlers)))
        object.__setattr__(self, "channel_labels", MappingProxyType(dict(self.channel_labels)))
        object.__setattr__(self, "class_kinds", MappingProxyType(
            {source: MappingProxyType(dict(modes)) for source, modes in self.class_kinds.items()}))
        _check(self)

    def kind(self, name: str) -> KindRule | None:
        """The row for `name`, or None."""
        for rule in self.kinds:
            if rule.kind == name:
                return rule
        return None

    def claimable_kinds(self) -> tuple[KindRule, ...]:
        """The rows a person claims themself, in table order."""
        return tuple(rule for rule in self.kinds if rule.claimable)


def _tenths_ok(hours) -> bool:
    return hours is None or (not isinstance(hours, bool) and isinstance(hours, (int, Decimal))
                             and (Decimal(hours) * 10) % 1 == 0)


def _check(rs: RuleSet) -> None:
    """Refuse a rule set the engine could not apply exactly (ValueError)."""
    quantities = [rs.required_public, rs.required_professional, rs.daily_pool_hours,
                  rs.day_max_hours, rs.months.public_per_month,
                  rs.months.professional_per_month]
    quantities += [rule.unit for rule in rs.kinds]
    quantities += [h for cap in rs.caps for h in (cap.limit, cap.public, cap.professional)]
    bad = [h for h in quantities if not _tenths_ok(h)]
    if bad:
        raise ValueError(f"{rs.year}: quantities must be int or Decimal multiples of 0.1: {bad}")
    if not rs.unrecognized_channels <= rs.channels:
        raise ValueError(f"{rs.year}: refused channels must be among the channels")
    if rs.out_of_scope_handlers and set(rs.out_of_scope_handlers) != rs.out_of_scope_series:
        raise ValueError(f"{rs.year}: every out-of-scope series needs its handler, and only those")
    if rs.channel_labels and set(rs.channel_labels) != rs.channels:
        raise ValueError(f"{rs.year}: every channel needs its label, and only those")
    caps = {cap.name: cap for cap in rs.caps}
    for source, modes in rs.class_kinds.items():
        kinds = [rs.kind(kind) for kind in modes.values()]
        if (source not in CLASS_SOURCES or set(modes) != set(CLASS_MODES)
                or any(rule is None or rule.credit != POOL for rule in kinds)):
            raise ValueError(f"{rs.year}: class_kinds[{source!r}] must map both modes "
                             "to pooled kinds of the year")
    for rule in rs.kinds:
        if rule.credit not in (HOURS, UNIT, POOL, MONTHS) or rule.category not in (
                GIVEN, PUBLIC, SPLIT):
            raise ValueError(f"{rule.kind}: unknown credit or category")
        if len(rule.extra_fields) > 1 or not set(rule.extra_fields) <= set(EXTRA_FIELDS):
            raise ValueError(f"{rule.kind}: unsupported extra fields {rule.extra_fields}")
        if (rule.credit == UNIT) != (rule.unit is not None):
            raise ValueError(f"{rule.kind}: a unit is needed exactly for UNIT kinds")
        if rule.credit == MONTHS and rule.cap_group is not None:
            raise ValueError(f"{rule.kind}: months kinds are bounded by MonthsRule.max_months")
        cap = caps.get(rule.cap_group) if rule.cap_group is not None else None
        if rule.cap_group is not None and cap is None:
            raise ValueError(f"{rule.kind}: unknown cap group {rule.cap_group!r}")
        if cap is not None and cap.dedupe_project and PROJECT not in rule.extra_fields:
            raise ValueError(f"{rule.kind}: cap group {cap.name} deduplicates by project")
