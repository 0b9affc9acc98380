"""Properties over generated person-years (hypothesis).

Besides the invariants (no negative credit, the daily pool, the annual caps,
order, invalid items, ids), the engine is compared with `oracle`: a slow,
separate reading of rules-2026.md in Decimal arithmetic, written without the
engine's code.
"""
from __future__ import annotations

import calendar
import copy
import re
import unicodedata
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.rules import evaluate

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
POOLED = ("offline_training", "priority_training", "online_training", "academic_activity",
          "expert_service")
DATED = ("platform_course", "public_subject_exam", "education_or_tour", "achievement",
         "qualification_exam")
PERIODS = ("assignment", "leave_exemption")
# few dates, around both ends of the year, so that items meet on the same day
DATES = [date(2025, 12, 31), date(2026, 1, 1), date(2026, 1, 2), date(2026, 6, 30),
         date(2026, 12, 31), date(2027, 1, 1)]
BAD_VALUES = (None, -1, 0, "", "x", 1.25, [], {}, True)

# -- strategies ----------------------------------------------------------------

categories = st.sampled_from(["public", "professional"])
hours = st.one_of(st.integers(1, 12), st.integers(1, 120).map(lambda t: Decimal(t) / 10),
                  st.integers(1, 24).map(lambda h: h / 2))
day_hours = st.integers(1, 240).map(lambda t: Decimal(t) / 10) | st.integers(1, 24)


def iso(dates):
    return dates.map(date.isoformat)


@st.composite
def activity(draw, kind=None, dates=st.sampled_from(DATES), one_day=False):
    kind = kind or draw(st.sampled_from(POOLED + DATED + PERIODS))
    act = {"kind": kind, "category": draw(categories)}
    if kind in POOLED:
        count = 1 if one_day else draw(st.integers(1, 3))
        act["days"] = [{"date": draw(iso(dates)), "hours": draw(day_hours)}
                       for _ in range(count)]
        if kind == "online_training":
            act["channel"] = draw(st.sampled_from(
                ["platform", "live", "video_meeting", "other", "wechat", "wechat_group",
                 "WeChat", "dingtalk"]))
    elif kind in DATED:
        act["date"] = draw(iso(dates))
        if kind in ("platform_course", "public_subject_exam"):
            act["hours"] = draw(hours)
        if kind == "public_subject_exam":
            act["passed"] = draw(st.booleans())
        if kind == "achievement":
            act["project"] = draw(st.sampled_from(
                ["P1", " P1", "P2\u3000", "p2", "Ｐ３", "P 3", "P4", "ZL 1"]))
        if kind == "qualification_exam" and draw(st.booleans()):
            act["courses"] = draw(st.integers(1, 3))
        if kind == "qualification_exam" and draw(st.booleans()):
            act["registration"] = draw(st.booleans())
    else:
        start = draw(dates)
        act["start"] = start.isoformat()
        act["end"] = (start + timedelta(days=draw(st.sampled_from(
            [0, 14, 15, 40, 100, 183, 200, 400]) | st.integers(0, 400)))).isoformat()
        if kind == "leave_exemption":
            act["reason"] = draw(st.sampled_from(["overseas", "illness", "maternity"]))
    return act


@st.composite
def person_year(draw, items=None, series=st.sampled_from(["engineering"] * 9 + ["health"]),
                corrupt=True):
    acts = draw(items if items is not None else st.lists(activity(), max_size=12))
    acts = [dict(a, id=f"a{i}") for i, a in enumerate(acts)]
    if corrupt:
        for act in acts:
            if draw(st.integers(0, 9)) == 0:  # about one in ten made invalid
                act[draw(st.sampled_from(sorted(act)))] = draw(st.sampled_from(BAD_VALUES))
    out = {"person": {"id": "P1", "series": draw(series)}, "year": 2026, "activities": acts}
    if corrupt and draw(st.booleans()):
        out["prior_projects"] = draw(st.lists(st.sampled_from(["p1", "P 2", "", " "]),
                                              max_size=2))
    return out


@st.composite
def no_ties(draw):
    """In-scope, valid person-years whose items never share a date, a day or a
    start in the year (periods are ordered by their start clipped to the year)."""
    n = draw(st.integers(0, 10))
    dates = draw(st.lists(st.dates(date(2026, 1, 1), date(2027, 1, 31)), min_size=n,
                          max_size=n, unique=True))
    acts = [draw(activity(dates=st.just(d), one_day=True)) for d in dates]
    return draw(person_year(st.just(acts), series=st.just("engineering"), corrupt=False))


@st.composite
def single_days(draw):
    """Valid person-years of pooled kinds, each item on one day."""
    kinds = draw(st.lists(st.sampled_from(POOLED), max_size=12))
    acts = [draw(activity(kind=kind, one_day=True)) for kind in kinds]
    return draw(person_year(st.just(acts), series=st.just("engineering"), corrupt=False))


# -- helpers ---------------------------------------------------------------------

def credit(item):
    return item["public"] + item["professional"]


def stripped(result):
    """A result with notes as sets (order is not meaningful)."""
    return [(i["id"], i["public"], i["professional"], set(i["notes"])) for i in result["items"]]


# -- invariants -------------------------------------------------------------------

@SETTINGS
@given(person_year())
def test_credit_is_never_negative_and_always_one_decimal(py):
    result = evaluate(py)
    numbers = [result[k] for k in ("public", "professional", "total")]
    numbers += list((result["shortfall"] or {}).values())
    numbers += [i[k] for i in result["items"] for k in ("public", "professional")]
    for number in numbers:
        assert isinstance(number, Decimal) and number >= 0
        assert number.as_tuple().exponent in (0, -1)
        assert number.as_tuple().exponent == 0 or number != number.to_integral_value()
    assert result["public"] == sum(i["public"] for i in result["items"])
    assert result["total"] == result["public"] + result["professional"]


@SETTINGS
@given(person_year())
def test_items_keep_input_order_and_ids(py):
    result = evaluate(py)
    assert [i["id"] for i in result["items"]] == [
        a.get("id") if isinstance(a.get("id"), str) else None for a in py["activities"]]


@SETTINGS
@given(single_days())
def test_the_daily_pool_never_gives_more_than_8_actual_hours_a_day(py):
    result = evaluate(py)
    actual, credited, hours, priority = (defaultdict(Decimal) for _ in range(4))
    for act, item in zip(py["activities"], result["items"]):
        (day,) = act["days"]
        multiplier = 2 if act["kind"] == "priority_training" else 1
        actual[day["date"]] += credit(item) / multiplier
        credited[day["date"]] += credit(item)
        assert credit(item) <= Decimal(day["hours"]) * multiplier
        if day["date"].startswith("2026") and not {"wechat_not_recognized", "invalid"} & set(
                item["notes"]):
            hours[day["date"]] += Decimal(day["hours"])
            priority[day["date"]] += multiplier == 2
    for day, total in actual.items():
        assert total <= 8
        assert credited[day] <= (16 if priority[day] else 8)
        assert total == min(8, hours[day])  # the pool is used up to what was offered


@SETTINGS
@given(person_year())
def test_every_annual_cap_holds(py):
    result = evaluate(py)
    sums = defaultdict(Decimal)
    for act, item in zip(py["activities"], result["items"]):
        kind = act["kind"] if isinstance(act.get("kind"), str) else None
        sums[kind, "public"] += item["public"]
        sums[kind, "all"] += credit(item)
        if kind in PERIODS:
            sums["months", "public"] += item["public"]
            sums["months", "professional"] += item["professional"]
    assert sums["public_subject_exam", "all"] <= 30
    assert sums["public_subject_exam", "all"] == sums["public_subject_exam", "public"]
    assert sums["education_or_tour", "all"] <= 40
    assert sums["achievement", "all"] <= 30
    assert sums["months", "public"] <= 30 and sums["months", "professional"] <= 60


@SETTINGS
@given(person_year(), st.randoms(use_true_random=False))
def test_reordering_never_changes_the_total(py, random):
    shuffled = copy.deepcopy(py)
    random.shuffle(shuffled["activities"])
    assert evaluate(shuffled)["total"] == evaluate(py)["total"]


@SETTINGS
@given(no_ties(), st.randoms(use_true_random=False))
def test_without_ties_reordering_changes_nothing_but_the_order(py, random):
    shuffled = copy.deepcopy(py)
    random.shuffle(shuffled["activities"])
    before = {row[0]: row for row in stripped(evaluate(py))}
    after = {row[0]: row for row in stripped(evaluate(shuffled))}
    assert before == after


INVALID_ITEMS = [
    {"kind": "teleportation", "date": "2026-01-01", "hours": 8},
    {"kind": "priority_training", "category": "public",
     "days": [{"date": "2026-01-01", "hours": 8}, {"date": "2026-01-02", "hours": 0}]},
    {"kind": "public_subject_exam", "date": "2026-01-01", "hours": 1.25, "passed": True},
    {"kind": "achievement", "category": "public", "date": "2026-01-01", "project": " "},
    {"kind": "assignment", "start": "2026-02-01", "end": "2026-01-01"},
    {"kind": "online_training", "category": "public", "days": [{"date": "2026-01-01",
                                                                 "hours": 8}]},
]


@SETTINGS
@given(person_year(), st.sampled_from(INVALID_ITEMS), st.data())
def test_an_invalid_item_never_changes_what_the_others_get(py, bad, data):
    position = data.draw(st.integers(0, len(py["activities"])))
    with_bad = copy.deepcopy(py)
    with_bad["activities"].insert(position, dict(bad, id="fresh-invalid-id"))
    rows = stripped(evaluate(with_bad))
    inserted = rows.pop(position)
    assert inserted[1:3] == (0, 0) and "invalid" in inserted[3]
    assert rows == stripped(evaluate(py))
    assert evaluate(with_bad)["total"] == evaluate(py)["total"]


@SETTINGS
@given(person_year())
def test_the_engine_agrees_with_the_oracle(py):
    result = evaluate(py)
    expected = oracle(py)
    assert stripped(result) == stripped(expected)
    for key in ("public", "professional", "total", "compliant", "shortfall", "in_scope"):
        assert result[key] == expected[key], key


# -- the oracle -----------------------------------------------------------------------

ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
OUT_OF_SCOPE = {"health", "k12_teacher", "accounting"}
UNIT = {"education_or_tour": 10, "achievement": 10, "qualification_exam": 16}
CAPS = {"public_subject_exam": 30, "education_or_tour": 40, "achievement": 30}
CHANNELS = ("platform", "live", "video_meeting", "other", "wechat", "wechat_group")


def o_date(value):
    if type(value) is date:
        return value
    if isinstance(value, str) and ISO.fullmatch(value):
        try:
            return datetime.strptime(value, "%Y-%m-%d").date()
        except ValueError:
            return None
    return None


def o_hours(value, upper=None):
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite() or number <= 0 or (number * 10) % 1 != 0:
        return None
    if upper is not None and number > upper:
        return None
    return number


def o_valid(act):
    """The parsed fields of a valid activity, or None."""
    kind = act.get("kind")
    if kind not in POOLED + DATED + PERIODS:
        return None
    out = {"kind": kind}
    if kind in POOLED + DATED and kind != "public_subject_exam":
        if act.get("category") not in ("public", "professional"):
            return None
    out["category"] = "public" if kind == "public_subject_exam" else act.get("category")
    if kind in DATED:
        out["date"] = o_date(act.get("date"))
        if out["date"] is None:
            return None
    if kind in ("platform_course", "public_subject_exam"):
        out["hours"] = o_hours(act.get("hours"))
        if out["hours"] is None:
            return None
    if kind == "public_subject_exam":
        if not isinstance(act.get("passed"), bool):
            return None
        out["passed"] = act["passed"]
    if kind == "achievement":
        project = act.get("project")
        if not isinstance(project, str) or not o_key(project):
            return None
        out["project"] = o_key(project)
    if kind == "qualification_exam":
        courses = act.get("courses", 1)
        if type(courses) is not int or courses < 1:
            return None
        if type(act.get("registration", False)) is not bool:
            return None
        out["courses"] = courses
        out["registration"] = act.get("registration", False)
    if kind in POOLED:
        days = act.get("days")
        if not isinstance(days, list) or not days:
            return None
        out["days"] = []
        for day in days:
            if not isinstance(day, dict):
                return None
            d, h = o_date(day.get("date")), o_hours(day.get("hours"), 24)
            if d is None or h is None:
                return None
            out["days"].append((d, h))
        if kind == "online_training":
            if act.get("channel") not in CHANNELS:
                return None
            out["channel"] = act["channel"]
    if kind in PERIODS:
        out["start"], out["end"] = o_date(act.get("start")), o_date(act.get("end"))
        if out["start"] is None or out["end"] is None or out["end"] < out["start"]:
            return None
        out["reason"] = None
        if kind == "leave_exemption":
            if act.get("reason") not in ("overseas", "illness", "maternity"):
                return None
            out["reason"] = act["reason"]
    return out


def o_key(project):
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", project).casefold())


def o_plus_months(day, k):
    month0 = day.month - 1 + k
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def oracle(py):
    year = py["year"]
    in_scope = py["person"].get("series") not in OUT_OF_SCOPE
    rows, seen = [], set()
    for act in py["activities"]:
        rid = act.get("id") if isinstance(act, dict) and isinstance(act.get("id"), str) else None
        parsed = o_valid(act) if rid and rid not in seen else None
        if rid is not None:
            seen.add(rid)
        rows.append({"id": rid, "p": parsed, "public": Decimal(0), "professional": Decimal(0),
                     "notes": set() if parsed else {"invalid"}})
    live = [(i, r) for i, r in enumerate(rows) if r["p"]]
    if not in_scope:
        for row in rows:
            row["notes"].add("out_of_scope")
        live = []
    entries, capped, periods = [], defaultdict(list), []
    for i, row in live:
        p = row["p"]
        kind = p["kind"]
        if p.get("channel") in ("wechat", "wechat_group"):
            row["notes"].add("wechat_not_recognized")
        elif kind in POOLED:
            for j, (d, h) in enumerate(p["days"]):
                if d.year != year:
                    row["notes"].add("out_of_year")
                else:
                    entries.append((d, kind != "priority_training", i, j, h))
        elif kind in DATED:
            if p["date"].year != year:
                row["notes"].add("out_of_year")
            elif p.get("passed") is False:
                row["notes"].add("exam_not_passed")
            else:
                amount = p["hours"] if "hours" in p else UNIT[kind]
                if kind == "qualification_exam" and p["registration"]:
                    amount *= p["courses"]
                elif kind == "qualification_exam" and p["courses"] > 1:
                    row["notes"].add("counted_per_item")
                row[p["category"]] = Decimal(amount)
                if kind in CAPS:
                    capped[kind].append((p["date"], i))
        else:
            s = max(p["start"], date(year, 1, 1))
            e1 = min(p["end"], date(year, 12, 31)) + timedelta(days=1)
            if s >= e1:
                row["notes"].add("out_of_year")
                continue
            periods.append((s, i, e1))
    # months: threshold per reason on covered days, then merged runs
    for reason in ("overseas", "illness"):
        covered = set()
        for s, i, e1 in periods:
            if rows[i]["p"]["reason"] == reason:
                covered |= {s + timedelta(days=n) for n in range((e1 - s).days)}
        if covered and not len(covered) * 2 > 365:
            for s, i, e1 in periods:
                if rows[i]["p"]["reason"] == reason:
                    rows[i]["notes"].add("threshold_not_met")
    runs = []
    for s, i, e1 in sorted(p for p in periods if not rows[p[1]]["notes"]):
        if runs and s <= runs[-1]["stop"]:
            runs[-1]["stop"] = max(runs[-1]["stop"], e1)
            rows[i]["notes"].add("merged_period")
        else:
            runs.append({"first": i, "start": s, "stop": e1})
    months_left = 12
    for run in runs:
        k = 0
        while o_plus_months(run["start"], k + 1) <= run["stop"]:
            k += 1
        if (run["stop"] - o_plus_months(run["start"], k)).days >= 15:
            k += 1
        if k > months_left:
            k = months_left
            rows[run["first"]]["notes"].add("annual_cap")
        months_left -= k
        rows[run["first"]]["public"] = Decimal("2.5") * k
        rows[run["first"]]["professional"] = Decimal(5) * k
    # the daily pool
    left = defaultdict(lambda: Decimal(8))
    for d, _, i, _, h in sorted(entries, key=lambda e: e[:4]):
        row = rows[i]
        allowed = min(h, left[d])
        left[d] -= allowed
        if allowed < h:
            row["notes"].add("daily_cap")
        row[row["p"]["category"]] += allowed * (2 if row["p"]["kind"] == "priority_training"
                                                else 1)
    # annual caps
    for group, members in capped.items():
        members.sort()
        if group == "achievement":
            projects, kept = {o_key(x) for x in py.get("prior_projects", [])}, []
            for key in members:
                row = rows[key[1]]
                if row["p"]["project"] in projects:
                    row["notes"].add("duplicate_project")
                    row["public"] = row["professional"] = Decimal(0)
                else:
                    projects.add(row["p"]["project"])
                    kept.append(key)
            members = kept
        room = Decimal(CAPS[group])
        for _, i in members:
            row = rows[i]
            for category in ("public", "professional"):
                granted = min(row[category], room)
                room -= granted
                if granted < row[category]:
                    row["notes"].add("annual_cap")
                row[category] = granted
    public = sum((r["public"] for r in rows), Decimal(0))
    professional = sum((r["professional"] for r in rows), Decimal(0))
    return {
        "in_scope": in_scope,
        "items": [{"id": r["id"], "public": r["public"], "professional": r["professional"],
                   "notes": sorted(r["notes"])} for r in rows],
        "public": public, "professional": professional, "total": public + professional,
        "compliant": (public >= 30 and professional >= 60) if in_scope else None,
        "shortfall": {"public": max(Decimal(0), 30 - public),
                      "professional": max(Decimal(0), 60 - professional)} if in_scope else None,
    }


# -- anything at all ------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 30) | st.floats(allow_nan=True)
    | st.decimals(allow_nan=True, places=2) | st.sampled_from(
        ["2026-03-01", "2026-02-30", "public", "professional", "wechat", "illness", "",
         "platform_course", "offline_training", "achievement", "assignment"]),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(["id", "kind", "category", "date", "hours", "days",
                                       "start", "end", "reason", "project", "courses",
                                       "passed", "channel"]), children, max_size=6),
    max_leaves=12)


@SETTINGS
@given(st.lists(json_values, max_size=6), st.sampled_from(["engineering", "health"]))
def test_any_activities_at_all_give_a_result_never_an_error(activities, series):
    result = evaluate({"person": {"id": "P1", "series": series}, "year": 2026,
                       "activities": activities})
    assert len(result["items"]) == len(activities)
    assert all(i["public"] >= 0 and i["professional"] >= 0 for i in result["items"])


# -- months on merged runs (rev. 2) ------------------------------------------------

month_dates = st.dates(date(2025, 11, 1), date(2027, 1, 31))


@st.composite
def months_only(draw):
    """Valid, in-scope person-years of assignments and leave only."""
    acts = []
    for _ in range(draw(st.integers(1, 8))):
        start = draw(month_dates)
        act = {"kind": draw(st.sampled_from(PERIODS)), "start": start.isoformat(),
               "end": (start + timedelta(days=draw(st.integers(0, 250)))).isoformat()}
        if act["kind"] == "leave_exemption":
            act["reason"] = draw(st.sampled_from(["overseas", "illness", "maternity"]))
        acts.append(act)
    return draw(person_year(st.just(acts), series=st.just("engineering"), corrupt=False))


def _months_touched(py, result):
    """Calendar months of the year touched by the periods of items that are not
    out of the year or below the threshold."""
    touched = set()
    for act, item in zip(py["activities"], result["items"]):
        if {"out_of_year", "threshold_not_met"} & set(item["notes"]):
            continue
        day = max(date.fromisoformat(act["start"]), date(2026, 1, 1))
        last = min(date.fromisoformat(act["end"]), date(2026, 12, 31))
        while day <= last:
            touched.add(day.month)
            day += timedelta(days=1)
    return touched


@SETTINGS
@given(months_only())
def test_no_month_of_the_year_is_credited_twice(py):
    result = evaluate(py)
    months = sum(i["public"] for i in result["items"]) / Decimal("2.5")
    assert months == sum(i["professional"] for i in result["items"]) / 5
    assert months <= len(_months_touched(py, result)) <= 12
    assert result["public"] <= 30 and result["professional"] <= 60


@SETTINGS
@given(months_only(), st.randoms(use_true_random=False))
def test_permuting_equal_start_months_items_moves_credit_only_between_them(py, random):
    def clipped_start(act):
        return max(act["start"], "2026-01-01")
    shuffled = copy.deepcopy(py)
    random.shuffle(shuffled["activities"])
    before = {row[0]: row for row in stripped(evaluate(py))}
    after = {row[0]: row for row in stripped(evaluate(shuffled))}
    groups = defaultdict(list)
    for act in py["activities"]:
        groups[clipped_start(act)].append(act["id"])
    for ids in groups.values():
        if len(ids) == 1:
            assert before[ids[0]] == after[ids[0]]
        else:
            assert sum(before[i][1] for i in ids) == sum(after[i][1] for i in ids)
            assert sum(before[i][2] for i in ids) == sum(after[i][2] for i in ids)
