"""Bad input and fine print (rules-2026.md, "Bad input" and "Fine print")."""
from __future__ import annotations

import copy
from datetime import date, datetime
from decimal import Decimal as D

import pytest

from app.rules import RejectedPersonYear, evaluate

COURSE = {"id": "c1", "kind": "platform_course", "category": "public",
          "date": "2026-03-01", "hours": 2}
GOOD = {
    "platform_course": COURSE,
    "public_subject_exam": {"id": "c1", "kind": "public_subject_exam", "date": "2026-03-01",
                            "hours": 2, "passed": True},
    "offline_training": {"id": "c1", "kind": "offline_training", "category": "public",
                         "days": [{"date": "2026-03-01", "hours": 2}]},
    "online_training": {"id": "c1", "kind": "online_training", "category": "public",
                        "channel": "platform", "days": [{"date": "2026-03-01", "hours": 2}]},
    "education_or_tour": {"id": "c1", "kind": "education_or_tour", "category": "public",
                          "date": "2026-03-01"},
    "achievement": {"id": "c1", "kind": "achievement", "category": "public",
                    "date": "2026-03-01", "project": "p"},
    "qualification_exam": {"id": "c1", "kind": "qualification_exam", "category": "public",
                           "date": "2026-03-01", "courses": 1},
    "assignment": {"id": "c1", "kind": "assignment", "start": "2026-03-01", "end": "2026-05-31"},
    "leave_exemption": {"id": "c1", "kind": "leave_exemption", "start": "2026-03-01",
                        "end": "2026-05-31", "reason": "maternity"},
}


def notes_of(run, activity):
    (item,) = run(activity)["items"]
    return item["id"], item["public"], item["professional"], set(item["notes"])


def with_(template, /, **changes):
    activity = copy.deepcopy(GOOD[template])
    for key, value in changes.items():
        if value is KeyError:
            activity.pop(key)
        else:
            activity[key] = value
    return activity


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_the_good_templates_are_valid(run, kind):
    assert "invalid" not in notes_of(run, GOOD[kind])[3]


@pytest.mark.parametrize("kind, changes", [
    ("platform_course", {"kind": "teleportation"}),
    ("platform_course", {"kind": KeyError}),
    ("platform_course", {"kind": ["platform_course"]}),
    ("platform_course", {"category": "general"}),
    ("platform_course", {"category": KeyError}),
    ("platform_course", {"category": "Public"}),
    ("platform_course", {"date": "2026-02-30"}),
    ("platform_course", {"date": "20260301"}),
    ("platform_course", {"date": "2026-W09-1"}),
    ("platform_course", {"date": "2026-3-1"}),
    ("platform_course", {"date": " 2026-03-01"}),
    ("platform_course", {"date": 20260301}),
    ("platform_course", {"date": datetime(2026, 3, 1)}),
    ("platform_course", {"date": KeyError}),
    ("platform_course", {"hours": 0}),
    ("platform_course", {"hours": -1}),
    ("platform_course", {"hours": 1.25}),
    ("platform_course", {"hours": D("1.25")}),
    ("platform_course", {"hours": D("1.0000000000000001")}),
    ("platform_course", {"hours": D("-0.0")}),
    ("platform_course", {"hours": float("nan")}),
    ("platform_course", {"hours": float("inf")}),
    ("platform_course", {"hours": D("NaN")}),
    ("platform_course", {"hours": True}),
    ("platform_course", {"hours": "6"}),
    ("platform_course", {"hours": None}),
    ("platform_course", {"hours": KeyError}),
    ("public_subject_exam", {"passed": "true"}),
    ("public_subject_exam", {"passed": 1}),
    ("public_subject_exam", {"passed": KeyError}),
    ("public_subject_exam", {"hours": 0, "passed": False}),
    ("offline_training", {"days": []}),
    ("offline_training", {"days": {"date": "2026-03-01", "hours": 2}}),
    ("offline_training", {"days": [["2026-03-01", 2]]}),
    ("offline_training", {"days": [{"date": "2026-03-01", "hours": D("24.1")}]}),
    ("offline_training", {"days": [{"date": "2026-03-01", "hours": 0}]}),
    ("offline_training", {"days": [{"date": "2026-03-01"}]}),
    ("offline_training", {"days": [{"date": "2026-03-01", "hours": 2},
                                   {"date": "2026-13-01", "hours": 2}]}),
    ("online_training", {"channel": KeyError}),
    ("online_training", {"channel": ""}),
    ("online_training", {"channel": None}),
    ("achievement", {"project": " \u3000\t"}),
    ("achievement", {"project": KeyError}),
    ("achievement", {"project": 7}),
    ("qualification_exam", {"courses": 0}),
    ("qualification_exam", {"courses": 2.0}),
    ("qualification_exam", {"courses": True}),
    ("qualification_exam", {"courses": D(2)}),
    ("qualification_exam", {"courses": None}),
    ("assignment", {"end": "2026-02-28"}),
    ("assignment", {"start": KeyError}),
    ("leave_exemption", {"reason": "vacation"}),
    ("leave_exemption", {"reason": KeyError}),
])
def test_an_ill_typed_or_missing_field_makes_the_item_invalid(run, kind, changes):
    assert notes_of(run, with_(kind, **changes)) == ("c1", 0, 0, {"invalid"})


@pytest.mark.parametrize("kind, changes, credit", [
    ("platform_course", {"hours": D("1.50")}, D("1.5")),
    ("platform_course", {"hours": 1.0000000000000001}, D(1)),  # a float: repr is 1.0
    ("platform_course", {"hours": 0.1}, D("0.1")),
    ("platform_course", {"hours": 2.0}, D(2)),
    ("platform_course", {"hours": D("1E+3")}, D(1000)),
    ("platform_course", {"date": date(2026, 3, 1)}, D(2)),
    ("offline_training", {"days": [{"date": "2026-03-01", "hours": 24}]}, D(8)),
    ("qualification_exam", {"courses": KeyError}, D(16)),
    ("achievement", {"project": "\u3000p "}, D(10)),
    ("public_subject_exam", {"category": "whatever"}, D(2)),
    ("platform_course", {"unknown_field": [1, 2], "note": None}, D(2)),
])
def test_values_that_are_valid(run, kind, changes, credit):
    _, public, professional, notes = notes_of(run, with_(kind, **changes))
    assert public + professional == credit and "invalid" not in notes


def test_an_activity_that_is_not_an_object_is_invalid_with_id_null(run):
    result = run("c1", None, [COURSE], COURSE)
    assert [(i["id"], i["notes"]) for i in result["items"]] == [
        (None, ["invalid"]), (None, ["invalid"]), (None, ["invalid"]), ("c1", [])]


@pytest.mark.parametrize("bad_id, shown", [(KeyError, None), (7, None), (None, None),
                                           (["c1"], None), ("", "")])
def test_a_missing_or_ill_typed_id_is_invalid(run, bad_id, shown):
    assert notes_of(run, with_("platform_course", id=bad_id)) == (shown, 0, 0, {"invalid"})


def test_an_id_used_earlier_makes_the_later_item_invalid_valid_or_not(run):
    result = run(dict(COURSE, id="a"), dict(COURSE, id="a"),
                 dict(COURSE, id="b", hours=-1), dict(COURSE, id="b"),
                 dict(COURSE, id="c"))
    assert [(i["id"], i["notes"], i["public"]) for i in result["items"]] == [
        ("a", [], 2), ("a", ["invalid"], 0), ("b", ["invalid"], 0), ("b", ["invalid"], 0),
        ("c", [], 2)]


def test_an_invalid_item_does_not_stop_the_others(run):
    result = run(dict(COURSE, id="x", kind="nope"), COURSE)
    assert result["public"] == 2


def test_invalid_items_take_nothing_from_the_pool_or_the_caps(run):
    bad_day = {"id": "t0", "kind": "priority_training", "category": "public",
               "days": [{"date": "2026-03-01", "hours": 8}, {"date": "2026-03-02", "hours": 25}]}
    bad_exam = dict(GOOD["public_subject_exam"], id="e0", hours=30, passed="yes")
    result = run(bad_day, bad_exam, dict(GOOD["offline_training"], id="t1"),
                 dict(GOOD["public_subject_exam"], id="e1", hours=30))
    assert [i["public"] for i in result["items"]] == [0, 0, 2, 30]


def test_the_engine_does_not_change_its_input(run, py):
    person_year = py(COURSE, GOOD["offline_training"] | {"id": "t"},
                     GOOD["achievement"] | {"id": "x", "project": " p "})
    before = copy.deepcopy(person_year)
    evaluate(person_year)
    assert person_year == before


# -- a person-year rejected whole -------------------------------------------

@pytest.mark.parametrize("person_year, code", [
    ([], "not_object"),
    ("P001", "not_object"),
    (None, "not_object"),
    ({"year": 2026, "activities": []}, "bad_person_id"),
    ({"person": "P001", "year": 2026, "activities": []}, "bad_person_id"),
    ({"person": {"id": ""}, "year": 2026, "activities": []}, "bad_person_id"),
    ({"person": {"id": 1}, "year": 2026, "activities": []}, "bad_person_id"),
    ({"person": {"id": "P1"}, "activities": []}, "bad_year"),
    ({"person": {"id": "P1"}, "year": 2026.0, "activities": []}, "bad_year"),
    ({"person": {"id": "P1"}, "year": True, "activities": []}, "bad_year"),
    ({"person": {"id": "P1"}, "year": "2026", "activities": []}, "bad_year"),
    ({"person": {"id": "P1"}, "year": D(2026), "activities": []}, "bad_year"),
    ({"person": {"id": "P1"}, "year": 2025, "activities": []}, "unknown_year"),
    ({"person": {"id": "P1"}, "year": 2027, "activities": []}, "unknown_year"),
    ({"person": {"id": "P1"}, "year": 2026}, "bad_activities"),
    ({"person": {"id": "P1"}, "year": 2026, "activities": {"a": COURSE}}, "bad_activities"),
    ({"person": {"id": "P1"}, "year": 2026, "activities": None}, "bad_activities"),
])
def test_a_person_year_is_rejected_whole(person_year, code):
    with pytest.raises(RejectedPersonYear) as rejected:
        evaluate(person_year)
    assert rejected.value.code == code
    message = str(rejected.value)
    assert message == rejected.value.message and "\n" not in message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)  # Chinese


def test_unknown_year_message_names_the_year():
    with pytest.raises(RejectedPersonYear, match="2025.*年度"):
        evaluate({"person": {"id": "P1"}, "year": 2025, "activities": []})


def test_an_empty_activity_list_is_a_valid_person_year(run):
    result = run()
    assert result["items"] == [] and result["total"] == 0 and result["compliant"] is False
