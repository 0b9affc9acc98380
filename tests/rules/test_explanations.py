"""Explanations a person understands (issue 9, 5): one text per note and per cap
group, the notice quoted only where it says so, the platform's own rules said as
such, and the engine's trace of what took a reduced item's hours."""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from app.rules import NOTE_CODES, evaluate, explain, registry, rule_text

NOTICE = Path(__file__).resolve().parents[2].parent / "shared" / "seed" / "qingdao-2026-notice.txt"
Y2026 = registry.get(2026)
PLATFORM = "本平台认定口径"


def _notice() -> str:
    # the published page breaks some words with "/ " (学/ 习 /, 社 / 会); read it without them
    return re.sub(r"\s*/\s*", "", NOTICE.read_text("utf-8"))


def _texts() -> list[str]:
    texts = [explain(code, "zh", 2026) for code in NOTE_CODES]
    texts += [explain("annual_cap", "zh", 2026, rule.kind) for rule in Y2026.kinds]
    texts += [rule_text(rule.kind, "zh", 2026) for rule in Y2026.kinds]
    return texts


def test_si_san_3_annual_cap_of_an_achievement_names_only_the_30_hour_cap_of_its_clause():
    zh, en = explain("annual_cap", "zh", 2026, "achievement"), explain("annual_cap", "en", 2026,
                                                                       "achievement")
    assert zh.startswith("四(三)3:") and "30学时" in zh
    assert "40学时" not in zh and "四(二)1" not in zh and "12个月" not in zh
    assert en.startswith("四(三)3:") and "30" in en and "40" not in en


def test_every_cap_group_and_the_months_have_their_own_annual_cap_text():
    by_kind = {rule.kind: explain("annual_cap", "zh", 2026, rule.kind) for rule in Y2026.kinds}
    assert "30学时" in by_kind["public_subject_exam"] and by_kind["public_subject_exam"].startswith("四(二)1")
    assert "40学时" in by_kind["education_or_tour"] and by_kind["education_or_tour"].startswith("四(三)2")
    assert by_kind["assignment"] == by_kind["leave_exemption"] and "12个月" in by_kind["assignment"]
    capped = {by_kind[k] for k in ("public_subject_exam", "education_or_tour", "achievement",
                                   "assignment")}
    assert len(capped) == 4
    # a kind in no cap group, or no kind at all, gets the general text
    assert by_kind["offline_training"] == explain("annual_cap", "zh", 2026)
    for kind in by_kind:
        assert explain("annual_cap", "en", 2026, kind) != by_kind[kind]


def test_the_notice_is_quoted_only_where_it_says_so():
    notice = _notice()
    quoted = [part for text in _texts() for quote in re.findall(r"“([^”]*)”", text)
              for part in quote.split("……")]
    assert len(quoted) > 10
    for part in quoted:
        assert part and part in notice, part


def test_the_platforms_own_rules_are_said_as_such_and_exactly():
    notes = {code: explain(code, "zh", 2026) for code in NOTE_CODES}
    assert PLATFORM in notes["daily_cap"] and "合计不超过8个实际学时" in notes["daily_cap"]
    assert PLATFORM in notes["threshold_not_met"] and "至少183天" in notes["threshold_not_met"]
    assert PLATFORM in notes["merged_period"] and "合并为一段" in notes["merged_period"]
    for kind in ("assignment", "leave_exemption"):
        assert PLATFORM in rule_text(kind) and "不足一个月的部分满15天按1个月计" in rule_text(kind)
    # nothing the platform decides is put in the notice's mouth: where a text states a
    # platform rule, the rule comes after the label, outside any quote
    for text in _texts():
        if PLATFORM in text:
            assert "“" not in text.split(PLATFORM, 1)[1]


def test_the_english_texts_match():
    for code in NOTE_CODES:
        zh, en = explain(code, "zh", 2026), explain(code, "en", 2026)
        assert (PLATFORM in zh) == ("this platform's rule" in en.lower()), code
        # the same clause (written with English commas), or both the platform's own rule
        clause = re.sub(r"[、,，]\s*", ", ", zh.split(":")[0])
        assert en.split(":")[0] == ("This platform's rule" if clause == PLATFORM else clause), code
        numbers = lambda s: sorted(set(re.findall(r"\d+", s.split(":", 1)[1])))
        assert numbers(zh) == numbers(en), code
    for rule in Y2026.kinds:
        zh, en = explain("annual_cap", "zh", 2026, rule.kind), explain("annual_cap", "en", 2026,
                                                                      rule.kind)
        assert (PLATFORM in zh) == ("this platform's rule" in en.lower()), rule.kind


def _py(*activities, prior=()):
    py = {"person": {"id": "P"}, "year": 2026, "activities": list(activities)}
    if prior:
        py["prior_projects"] = list(prior)
    return py


def _day(kind, id_, *days):
    return {"id": id_, "kind": kind, "category": "professional",
            "days": [{"date": d, "hours": h} for d, h in days]}


def test_the_trace_names_who_took_the_day():
    result = evaluate(_py(_day("offline_training", "a", ("2026-11-16", 8)),
                          _day("academic_activity", "b", ("2026-11-16", 4), ("2026-11-17", 4)),
                          _day("priority_training", "c", ("2026-11-16", 2))), trace=True)
    a, b, c = result["items"]
    assert "trace" not in c  # not reduced
    assert a["trace"] == {"offered": Decimal(8), "days": [
        {"date": "2026-11-16", "hours": Decimal(8), "credited": Decimal(6),
         "by": [["c", Decimal(2)]]}]}
    assert b["trace"]["offered"] == Decimal(8)
    assert b["trace"]["days"] == [{"date": "2026-11-16", "hours": Decimal(4),
                                   "credited": Decimal(0),
                                   "by": [["c", Decimal(2)], ["a", Decimal(6)]]}]


def test_the_trace_names_the_cap_the_duplicate_and_the_run():
    ach = lambda i, d, p: {"id": i, "kind": "achievement", "category": "professional",
                           "date": d, "project": p}
    result = evaluate(_py(ach("d", "2026-01-01", "X1"), ach("e", "2026-01-02", "x 1"),
                          ach("f", "2026-01-03", "X2"), ach("g", "2026-01-04", "X3"),
                          ach("h", "2026-01-05", "X4"), ach("i", "2026-01-05", "old"),
                          {"id": "j", "kind": "assignment", "start": "2026-01-01",
                           "end": "2026-08-31"},
                          {"id": "k", "kind": "leave_exemption", "reason": "maternity",
                           "start": "2026-08-01", "end": "2026-10-31"},
                          prior=["OLD"]), trace=True)
    items = {it["id"]: it for it in result["items"]}
    assert items["e"]["trace"] == {"offered": Decimal(10), "same_as": "d"}
    assert items["i"]["trace"] == {"offered": Decimal(10), "same_as": None}
    assert items["h"]["trace"] == {"offered": Decimal(10), "by": [
        ["d", Decimal(10)], ["f", Decimal(10)], ["g", Decimal(10)]]}
    assert items["k"]["trace"] == {"run_of": "j"}


def test_the_trace_changes_nothing_of_the_contracts_output(examples, as_data):
    for name, given, expected in examples:
        traced = evaluate(given, trace=True)
        for item in traced["items"]:
            item.pop("trace", None)
        assert as_data(traced) == as_data(expected), name
