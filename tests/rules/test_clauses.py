"""One test per clause of the 2026 notice (一, 二, 四), as rules-2026.md reads it."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest


def dated(id, kind, date="2026-03-01", category="professional", **fields):
    return {"id": id, "kind": kind, "category": category, "date": date, **fields}


def daily(id, kind, *entries, category="professional", **fields):
    days = [{"date": d, "hours": h} for d, h in entries]
    return {"id": id, "kind": kind, "category": category, "days": days, **fields}


def period(id, kind, start, end, **fields):
    return {"id": id, "kind": kind, "start": start, "end": end, **fields}


def by_id(result):
    """{id: (public, professional, notes)} of a result's items."""
    return {i["id"]: (i["public"], i["professional"], set(i["notes"])) for i in result["items"]}


# 一、学时要求 ---------------------------------------------------------------

def test_yi_requirement_30_public_and_60_professional(run):
    result = run(dated("c1", "platform_course", category="public", hours=30),
                 dated("c2", "platform_course", hours=60))
    assert (result["compliant"], result["total"]) == (True, D(90))
    assert result["shortfall"] == {"public": D(0), "professional": D(0)}


def test_yi_public_hours_above_30_do_not_count_toward_professional(run):
    result = run(dated("c1", "platform_course", category="public", hours=80),
                 dated("c2", "platform_course", hours=10))
    assert (result["public"], result["professional"], result["total"]) == (D(80), D(10), D(90))
    assert result["compliant"] is False
    assert result["shortfall"] == {"public": D(0), "professional": D(50)}


def test_yi_shortfall_keeps_one_decimal(run):
    result = run(dated("c1", "platform_course", category="public", hours=D("12.5")))
    assert result["shortfall"] == {"public": D("17.5"), "professional": D(60)}
    assert str(result["shortfall"]["professional"]) == "60"


# 二、学时认定 (scope) ---------------------------------------------------------

@pytest.mark.parametrize("series", ["health", "k12_teacher", "accounting"])
def test_er_out_of_scope_series_credit_nothing(run, series):
    result = run(dated("c1", "platform_course", hours=90),
                 dated("bad", "platform_course", hours=-1), series=series)
    assert result["in_scope"] is False
    assert by_id(result) == {"c1": (0, 0, {"out_of_scope"}),
                             "bad": (0, 0, {"out_of_scope", "invalid"})}
    # rev. 2: the platform makes no finding about them
    assert result["compliant"] is None and result["shortfall"] is None


@pytest.mark.parametrize("series", [None, "Health", "health ", "engineering", 7])
def test_er_only_the_exact_series_strings_are_out_of_scope(run, series):
    result = run(dated("c1", "platform_course", hours=5), series=series)
    assert result["in_scope"] is True and by_id(result)["c1"] == (0, 5, set())


# 四(一) --------------------------------------------------------------------

def test_si_yi_platform_course_counts_actual_hours_without_upper_bound(run):
    result = run(dated("c1", "platform_course", hours=D("200.5"), category="public"))
    assert by_id(result)["c1"] == (D("200.5"), 0, set())


# 四(二)1 -------------------------------------------------------------------

def test_si_er_1_public_subject_exam_is_public_whatever_category_says(run):
    result = run(dated("e1", "public_subject_exam", hours=6, passed=True, category="professional"),
                 {"id": "e2", "kind": "public_subject_exam", "date": "2026-03-02",
                  "hours": 4, "passed": True},
                 dated("e3", "public_subject_exam", hours=2, passed=True, category="nonsense"))
    assert by_id(result) == {"e1": (6, 0, set()), "e2": (4, 0, set()), "e3": (2, 0, set())}


def test_si_er_1_public_subject_exam_not_passed_gives_zero_and_no_cap_note(run):
    result = run(dated("e1", "public_subject_exam", hours=30, passed=True),
                 dated("e2", "public_subject_exam", hours=5, passed=False))
    assert by_id(result)["e2"] == (0, 0, {"exam_not_passed"})


def test_si_er_1_public_subject_exam_capped_at_30_by_date_then_position(run):
    result = run(dated("late", "public_subject_exam", "2026-06-01", hours=10, passed=True),
                 dated("b", "public_subject_exam", "2026-02-01", hours=12, passed=True),
                 dated("a", "public_subject_exam", "2026-02-01", hours=12, passed=True),
                 dated("after", "public_subject_exam", "2026-07-01", hours=1, passed=True))
    assert by_id(result) == {"b": (12, 0, set()), "a": (12, 0, set()),
                             "late": (6, 0, {"annual_cap"}), "after": (0, 0, {"annual_cap"})}
    assert result["public"] == 30


# 四(二)2 -------------------------------------------------------------------

def test_si_er_2_offline_training_at_most_8_a_day(run):
    result = run(daily("t1", "offline_training", ("2026-03-03", 10), ("2026-03-04", 8),
                       ("2026-03-05", D("7.5"))))
    assert by_id(result)["t1"] == (0, D("23.5"), {"daily_cap"})


def test_si_er_2_two_entries_of_one_item_on_one_day_served_in_list_order(run):
    result = run(daily("t1", "offline_training", ("2026-03-03", 6), ("2026-03-03", 6)),
                 daily("t2", "offline_training", ("2026-03-03", 1)))
    assert by_id(result) == {"t1": (0, 8, {"daily_cap"}), "t2": (0, 0, {"daily_cap"})}


# 四(二)3 -------------------------------------------------------------------

def test_si_er_3_priority_training_doubles_to_16_per_day(run):
    result = run(daily("s1", "priority_training", ("2026-06-01", 6), ("2026-06-02", 9),
                       ("2026-06-03", D("0.5"))))
    assert by_id(result)["s1"] == (0, 29, {"daily_cap"})


def test_si_er_3_priority_served_first_within_a_day_then_input_position(run):
    result = run(daily("o1", "offline_training", ("2026-07-01", 4)),
                 daily("o2", "academic_activity", ("2026-07-01", 4), category="public"),
                 daily("s1", "priority_training", ("2026-07-01", 3)),
                 daily("s2", "priority_training", ("2026-07-01", 3)))
    assert by_id(result) == {"s1": (0, 6, set()), "s2": (0, 6, set()),
                             "o1": (0, 2, {"daily_cap"}), "o2": (0, 0, {"daily_cap"})}


def test_si_er_3_priority_beyond_the_pool_loses_hours_to_earlier_priority(run):
    result = run(daily("s1", "priority_training", ("2026-07-01", 5)),
                 daily("s2", "priority_training", ("2026-07-01", 5)))
    assert by_id(result) == {"s1": (0, 10, set()), "s2": (0, 6, {"daily_cap"})}


# 四(二)4 -------------------------------------------------------------------

def test_si_er_4_online_training_counts_actual_hours_in_the_pool(run):
    result = run(daily("o1", "online_training", ("2026-08-01", 5), channel="platform"),
                 daily("t1", "offline_training", ("2026-08-01", 5)))
    assert by_id(result) == {"o1": (0, 5, set()), "t1": (0, 3, {"daily_cap"})}


def test_si_er_4_wechat_not_recognized_takes_nothing_from_the_pool(run):
    result = run(daily("w1", "online_training", ("2026-08-01", 8), channel="wechat"),
                 daily("t1", "offline_training", ("2026-08-01", 8)))
    assert by_id(result) == {"w1": (0, 0, {"wechat_not_recognized"}), "t1": (0, 8, set())}


def test_si_er_4_wechat_gets_no_other_note_whatever_its_dates(run):
    result = run(daily("w1", "online_training", ("2025-12-31", 12), ("2026-01-01", 12),
                       channel="wechat"))
    assert by_id(result)["w1"] == (0, 0, {"wechat_not_recognized"})


@pytest.mark.parametrize("channel", ["wechat", "wechat_group"])
def test_si_er_4_wechat_and_wechat_groups_are_refused_and_take_nothing(run, channel):
    result = run(daily("w1", "online_training", ("2026-08-01", 8), channel=channel),
                 daily("o1", "online_training", ("2026-08-01", 8), channel="live"))
    assert by_id(result) == {"w1": (0, 0, {"wechat_not_recognized"}), "o1": (0, 8, set())}


@pytest.mark.parametrize("channel", ["platform", "live", "video_meeting", "other"])
def test_si_er_4_the_other_channels_of_the_closed_list_count(run, channel):
    result = run(daily("o1", "online_training", ("2026-08-01", 3), channel=channel))
    assert by_id(result)["o1"] == (0, 3, set())


@pytest.mark.parametrize("channel", ["WeChat", "wechat ", "微信", "weixin", "dingtalk", "", None,
                                     1])
def test_si_er_4_a_channel_outside_the_closed_list_is_invalid(run, channel):
    result = run(daily("o1", "online_training", ("2026-08-01", 3), channel=channel))
    assert by_id(result)["o1"] == (0, 0, {"invalid"})


# 四(三)1 / 5 ---------------------------------------------------------------

@pytest.mark.parametrize("kind", ["academic_activity", "expert_service"])
def test_si_san_1_and_5_share_the_same_daily_pool(run, kind):
    result = run(daily("a1", kind, ("2026-09-09", 6)),
                 daily("a2", "offline_training", ("2026-09-09", 6), category="public"))
    assert by_id(result) == {"a1": (0, 6, set()), "a2": (2, 0, {"daily_cap"})}


def test_si_san_1_days_on_other_dates_do_not_interfere(run):
    result = run(daily("a1", "academic_activity", ("2026-09-09", 8)),
                 daily("a2", "expert_service", ("2026-09-10", 8)))
    assert by_id(result) == {"a1": (0, 8, set()), "a2": (0, 8, set())}


# 四(三)2 -------------------------------------------------------------------

def test_si_san_2_education_or_tour_10_each_capped_at_40_in_all(run):
    items = [dated(f"d{i}", "education_or_tour", f"2026-0{9 - i}-10",
                   category="public" if i % 2 else "professional") for i in range(5)]
    result = run(*items)
    # served by date: d4 (May) first ... d0 (September) last
    assert by_id(result)["d0"] == (0, 0, {"annual_cap"})
    assert result["total"] == 40 and result["public"] == 20 and result["professional"] == 20


# 四(三)3 -------------------------------------------------------------------

def test_si_san_3_achievement_duplicates_removed_before_the_cap(run):
    result = run(dated("x1", "achievement", "2026-03-01", project="P"),
                 dated("x2", "achievement", "2026-01-01", project="\u3000P "),
                 dated("x3", "achievement", "2026-04-01", project="Q"),
                 dated("x4", "achievement", "2026-05-01", project="R"),
                 dated("x5", "achievement", "2026-06-01", project="S"))
    assert by_id(result) == {"x2": (0, 10, set()), "x1": (0, 0, {"duplicate_project"}),
                             "x3": (0, 10, set()), "x4": (0, 10, set()),
                             "x5": (0, 0, {"annual_cap"})}


def test_si_san_3_same_date_duplicate_keeps_the_earlier_input(run):
    result = run(dated("x1", "achievement", project="p"),
                 dated("x2", "achievement", project="p", category="public"),
                 dated("x3", "achievement", project="Q"))
    assert by_id(result) == {"x1": (0, 10, set()), "x2": (0, 0, {"duplicate_project"}),
                             "x3": (0, 10, set())}


@pytest.mark.parametrize("other", ["zl2026001", "ZL 2026 001", "ＺＬ２０２６００１", "Zl\u30002026\t001",
                                   "ℤL2026001".replace("ℤ", "Z")])
def test_si_san_3_projects_compare_by_nfkc_casefold_key_without_white_space(run, other):
    result = run(dated("x1", "achievement", "2026-01-01", project="ZL 2026 001"),
                 dated("x2", "achievement", "2026-02-01", project=other))
    assert by_id(result)["x2"] == (0, 0, {"duplicate_project"})


def test_si_san_3_casefold_not_lower_makes_sharp_s_and_ss_one_project(run):
    result = run(dated("x1", "achievement", "2026-01-01", project="Straße 1"),
                 dated("x2", "achievement", "2026-02-01", project="STRASSE1"))
    assert by_id(result)["x2"] == (0, 0, {"duplicate_project"})


def test_si_san_3_a_project_counted_in_an_earlier_year_counts_no_more(run, py):
    from app.rules import evaluate

    given = py(dated("x1", "achievement", "2026-01-01", project="ZL 1"),
               dated("x2", "achievement", "2026-02-01", project="ZL 2"))
    given["prior_projects"] = ["zl1", "  ", ""]  # an empty key matches nothing
    assert by_id(evaluate(given)) == {"x1": (0, 0, {"duplicate_project"}),
                                      "x2": (0, 10, set())}


@pytest.mark.parametrize("prior", [None, "ZL 1", [1], ["ok", None], {"ZL 1": 1}])
def test_si_san_3_prior_projects_that_are_not_a_list_of_strings_reject_the_person_year(
        py, prior):
    from app.rules import RejectedPersonYear, evaluate

    given = py(dated("x1", "achievement", project="ZL 1"))
    given["prior_projects"] = prior
    with pytest.raises(RejectedPersonYear) as caught:
        evaluate(given)
    assert caught.value.code == "bad_prior_projects"


def test_si_san_3_only_items_in_the_year_take_part_in_dedupe(run):
    result = run(dated("old", "achievement", "2025-12-01", project="P"),
                 dated("bad", "achievement", "2026-01-01", project="P", category="x"),
                 dated("new", "achievement", "2026-02-01", project="P"))
    assert by_id(result) == {"old": (0, 0, {"out_of_year"}), "bad": (0, 0, {"invalid"}),
                             "new": (0, 10, set())}


# 四(三)4 -------------------------------------------------------------------

def test_si_san_4_only_registration_exams_count_per_course(run):
    result = run(dated("q1", "qualification_exam", courses=3, registration=True),
                 dated("q2", "qualification_exam", category="public"),
                 dated("q3", "qualification_exam", courses=10, registration=True),
                 dated("q4", "qualification_exam", courses=1, registration=True))
    assert by_id(result) == {"q1": (0, 48, set()), "q2": (16, 0, set()),
                             "q3": (0, 160, set()), "q4": (0, 16, set())}  # no annual cap


@pytest.mark.parametrize("registration", [False, None])
def test_si_san_4_other_exams_count_16_per_item_and_say_so(run, registration):
    fields = {} if registration is None else {"registration": registration}
    result = run(dated("q1", "qualification_exam", courses=3, **fields),
                 dated("q2", "qualification_exam", courses=1, **fields))
    assert by_id(result) == {"q1": (0, 16, {"counted_per_item"}), "q2": (0, 16, set())}


@pytest.mark.parametrize("bad", [{"registration": None}, {"registration": 1},
                                 {"registration": "true"}, {"courses": 0},
                                 {"courses": 2.0, "registration": False}])
def test_si_san_4_registration_must_be_a_boolean_and_courses_whole(run, bad):
    result = run(dated("q1", "qualification_exam", **bad))
    assert by_id(result)["q1"] == (0, 0, {"invalid"})


def test_si_san_4_an_exam_outside_the_year_gets_only_out_of_year(run):
    result = run(dated("q1", "qualification_exam", "2025-12-31", courses=3))
    assert by_id(result)["q1"] == (0, 0, {"out_of_year"})


# 四(三)6 / 7 ---------------------------------------------------------------

def test_si_san_6_assignment_prorated_by_months_split_public_professional(run):
    result = run(period("g1", "assignment", "2026-03-01", "2026-08-31", category="nonsense"))
    assert by_id(result)["g1"] == (15, 30, set())


def test_si_san_6_full_year_gives_30_and_60(run):
    result = run(period("g1", "assignment", "2025-06-01", "2027-06-01"))
    assert by_id(result)["g1"] == (30, 60, set())
    assert result["compliant"] is True


def test_si_san_6_and_7_the_same_months_are_never_granted_twice(run):
    result = run(period("late", "assignment", "2026-07-01", "2026-12-31"),
                 period("b", "leave_exemption", "2026-01-01", "2026-03-31", reason="maternity"),
                 period("a", "assignment", "2026-01-01", "2026-03-31"),
                 period("c", "leave_exemption", "2025-03-01", "2026-03-31", reason="maternity"))
    # clipped, b, a and c all start on Jan 1: one run, credited on b (first in input)
    assert by_id(result) == {"b": (D("7.5"), 15, set()), "a": (0, 0, {"merged_period"}),
                             "c": (0, 0, {"merged_period"}), "late": (15, 30, set())}
    assert (result["public"], result["professional"]) == (D("22.5"), 45)


def test_si_san_6_and_7_periods_that_touch_merge_into_one_run(run):
    result = run(period("g1", "assignment", "2026-03-01", "2026-03-10"),
                 period("g2", "assignment", "2026-03-11", "2026-03-20"),  # the next day
                 period("g3", "assignment", "2026-03-22", "2026-04-05"))  # a day's gap
    # g1+g2: 20 days -> 1 month; g3: 15 days -> 1 month
    assert by_id(result) == {"g1": (D("2.5"), 5, set()), "g2": (0, 0, {"merged_period"}),
                             "g3": (D("2.5"), 5, set())}


def test_si_san_6_and_7_a_run_of_under_15_days_credits_0_with_no_note(run):
    result = run(period("g2", "assignment", "2026-03-05", "2026-03-10"),
                 period("g1", "assignment", "2026-03-01", "2026-03-06"))
    assert by_id(result) == {"g1": (0, 0, set()), "g2": (0, 0, {"merged_period"})}


def test_si_san_6_and_7_at_most_12_months_in_all_then_annual_cap(run):
    # 13 runs of 15 days, a day apart: each rounds up to a month
    items = [period(f"g{k:02}", "assignment",
                    (date(2026, 1, 1) + timedelta(days=17 * k)).isoformat(),
                    (date(2026, 1, 1) + timedelta(days=17 * k + 14)).isoformat())
             for k in range(14)]
    got = by_id(run(*items))
    assert [got[f"g{k:02}"] for k in range(14)] == [(D("2.5"), 5, set())] * 12 + [
        (0, 0, {"annual_cap"})] * 2
    assert sum(v[0] for v in got.values()) == 30


def test_si_san_6_items_that_earn_nothing_take_nothing_from_the_cap(run):
    result = run(period("g0", "assignment", "2025-01-01", "2025-12-31"),
                 period("l0", "leave_exemption", "2026-01-01", "2026-02-01", reason="illness"),
                 period("g1", "assignment", "2026-01-01", "2026-12-31"))
    assert by_id(result) == {"g0": (0, 0, {"out_of_year"}), "l0": (0, 0, {"threshold_not_met"}),
                             "g1": (30, 60, set())}


def test_si_san_7_overseas_and_illness_need_more_than_half_the_year_per_reason(run):
    result = run(period("l1", "leave_exemption", "2026-01-01", "2026-07-01", reason="overseas"),
                 period("l2", "leave_exemption", "2025-07-01", "2026-03-31", reason="illness"),
                 period("l3", "leave_exemption", "2026-05-01", "2026-11-01", reason="illness"))
    # overseas: 182 days of 365, not more than half; illness: 90 + 185 days together
    assert by_id(result) == {"l1": (0, 0, {"threshold_not_met"}),
                             "l2": (D("7.5"), 15, set()),
                             "l3": (15, 30, set())}


def test_si_san_7_illness_split_over_two_certificates_counts_as_one_leave(run):
    result = run(period("l1", "leave_exemption", "2026-03-10", "2026-05-20", reason="illness"),
                 period("l2", "leave_exemption", "2026-05-21", "2026-10-30", reason="illness"))
    assert by_id(result) == {"l1": (20, 40, set()), "l2": (0, 0, {"merged_period"})}


def test_si_san_7_a_day_covered_twice_counts_once_for_the_threshold(run):
    result = run(period("l1", "leave_exemption", "2026-01-01", "2026-04-30", reason="overseas"),
                 period("l2", "leave_exemption", "2026-02-01", "2026-07-01", reason="overseas"))
    # Jan 1..Jul 1 is 182 days, however the two overlap
    assert by_id(result) == {"l1": (0, 0, {"threshold_not_met"}),
                             "l2": (0, 0, {"threshold_not_met"})}


def test_si_san_7_reasons_are_judged_separately_for_the_threshold(run):
    result = run(period("l1", "leave_exemption", "2026-01-01", "2026-04-30", reason="overseas"),
                 period("l2", "leave_exemption", "2026-05-01", "2026-08-31", reason="illness"))
    assert by_id(result) == {"l1": (0, 0, {"threshold_not_met"}),
                             "l2": (0, 0, {"threshold_not_met"})}


def test_si_san_7_maternity_has_no_threshold(run):
    result = run(period("m1", "leave_exemption", "2026-01-01", "2026-02-28", reason="maternity"))
    assert by_id(result)["m1"] == (5, 10, set())


# 年度 (out of year) ----------------------------------------------------------

def test_out_of_year_single_date_item_gets_only_that_note(run):
    result = run(dated("e1", "public_subject_exam", "2027-01-01", hours=5, passed=False),
                 dated("c1", "platform_course", "2025-12-31", hours=5))
    assert by_id(result) == {"e1": (0, 0, {"out_of_year"}), "c1": (0, 0, {"out_of_year"})}


def test_out_of_year_days_drop_out_and_the_in_year_days_go_on_to_the_pool(run):
    result = run(daily("t1", "offline_training", ("2025-12-31", 8), ("2026-01-01", 10)),
                 daily("t2", "offline_training", ("2027-01-01", 8)))
    assert by_id(result) == {"t1": (0, 8, {"out_of_year", "daily_cap"}),
                             "t2": (0, 0, {"out_of_year"})}


def test_out_of_year_days_take_nothing_from_the_pool(run):
    result = run(daily("t1", "offline_training", ("2025-06-01", 8)),
                 daily("t2", "priority_training", ("2025-06-01", 8)),
                 daily("t3", "offline_training", ("2026-06-01", 8)))
    assert by_id(result)["t3"] == (0, 8, set())
