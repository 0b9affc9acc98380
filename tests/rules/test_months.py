"""Months arithmetic of 四(三)6、7 (rules-2026.md, "Months")."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from app.rules.engine import _add_months, _whole_months


def assignment(start, end, id="g1"):
    return {"id": id, "kind": "assignment", "start": start, "end": end}


def leave(start, end, reason="illness", id="l1"):
    return {"id": id, "kind": "leave_exemption", "start": start, "end": end, "reason": reason}


def item(result):
    (only,) = result["items"]
    return only["public"], only["professional"], set(only["notes"])


@pytest.mark.parametrize("start, months, expected", [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),
    (date(2026, 1, 31), 2, date(2026, 3, 31)),
    (date(2026, 8, 31), 1, date(2026, 9, 30)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)),
    (date(2026, 3, 1), 12, date(2027, 3, 1)),
])
def test_calendar_month_addition_clamps_to_the_last_day(start, months, expected):
    assert _add_months(start, months) == expected


def test_whole_months_counts_from_the_start_not_step_by_step():
    # Jan 31 + 2 months is Mar 31 (not Feb 28 + 1 month = Mar 28)
    assert _whole_months(date(2026, 1, 31), date(2026, 3, 31), 15) == 2
    assert _whole_months(date(2026, 1, 31), date(2026, 3, 30), 15) == 2  # 1 month + 30 days
    assert _whole_months(date(2026, 1, 31), date(2026, 3, 15), 15) == 2  # Feb 28 + 15 days
    assert _whole_months(date(2026, 1, 31), date(2026, 3, 14), 15) == 1


@pytest.mark.parametrize("start, end, months", [
    ("2026-01-31", "2026-02-27", 1),   # e' = Feb 28 = Jan 31 + 1 month (clamped)
    ("2026-01-31", "2026-02-26", 1),   # 0 months + 27 days -> rounds up
    ("2026-03-01", "2026-03-15", 1),   # 15 days -> one month
    ("2026-03-01", "2026-03-14", 0),   # 14 days -> nothing, no note
    ("2026-03-01", "2026-03-01", 0),   # one day (end == start is valid)
    ("2026-03-01", "2026-04-14", 1),   # 1 month + 14 days
    ("2026-03-01", "2026-04-15", 2),   # 1 month + 15 days
    ("2026-03-10", "2026-04-09", 1),   # e' = Apr 10 = exactly one month
    ("2025-05-01", "2026-01-14", 0),   # clipped: Jan 1..14
    ("2026-12-17", "2027-12-31", 1),   # clipped: Dec 17..31 = 15 days
    ("2026-01-01", "2026-12-31", 12),
    ("2026-01-01", "2026-12-16", 12),  # 11 months + 16 days
    ("2026-01-01", "2026-12-15", 12),  # 11 months + 15 days
    ("2026-01-01", "2026-12-14", 11),
])
def test_months_of_an_assignment(run, start, end, months):
    assert item(run(assignment(start, end))) == (D(25) * months / 10, D(5) * months, set())


def test_months_credit_is_exact_decimal_with_one_place(run):
    public, professional, _ = item(run(assignment("2026-01-01", "2026-07-31")))
    assert (str(public), str(professional)) == ("17.5", "35")


def test_zero_months_credits_zero_with_no_note(run):
    assert item(run(assignment("2026-06-01", "2026-06-10"))) == (0, 0, set())
    assert item(run(leave("2026-06-01", "2026-06-10", "maternity"))) == (0, 0, set())


def test_nothing_in_the_year_is_out_of_year(run):
    assert item(run(assignment("2025-01-01", "2025-12-31"))) == (0, 0, {"out_of_year"})
    assert item(run(assignment("2027-01-01", "2027-12-31"))) == (0, 0, {"out_of_year"})
    assert item(run(leave("2025-01-01", "2025-12-31"))) == (0, 0, {"out_of_year"})


@pytest.mark.parametrize("reason", ["overseas", "illness"])
@pytest.mark.parametrize("start, end, met, months", [
    ("2026-01-01", "2026-07-01", False, 6),  # 182 days of 365: not more than half
    ("2026-01-01", "2026-07-02", True, 6),   # 183 days
    ("2026-02-28", "2026-08-28", False, 6),  # 182 days
    ("2026-02-28", "2026-08-29", True, 6),   # 183 days
    ("2026-07-02", "2026-12-31", True, 6),   # 183 days, to the last day of the year
    ("2026-07-03", "2026-12-31", False, 6),  # 182 days
    ("2025-07-01", "2026-07-01", False, 6),  # only the in-year part counts: 182 days
    ("2025-07-01", "2026-07-15", True, 7),   # Jan 1..Jul 15: 196 days; 6 months + 15 days
])
def test_exceeds_six_months_on_exact_dates(run, reason, start, end, met, months):
    expected = (D(25) * months / 10, D(5) * months, set()) if met else (0, 0, {"threshold_not_met"})
    assert item(run(leave(start, end, reason))) == expected


def test_maternity_counts_any_length(run):
    assert item(run(leave("2026-04-01", "2026-05-15", "maternity"))) == (D("5"), 10, set())


def test_full_year_leave_and_an_assignment_inside_it_are_one_run(run):
    result = run(leave("2026-01-01", "2026-12-31", "maternity", id="m1"),
                 assignment("2026-03-01", "2026-05-31", id="g1"))
    assert [(i["public"], i["professional"], i["notes"]) for i in result["items"]] == [
        (30, 60, []), (0, 0, ["merged_period"])]
