"""Rule sets are data: the 2026 table, another year without engine changes,
the texts, and the purity of app/rules."""
from __future__ import annotations

import ast
import dataclasses
from decimal import Decimal as D
from pathlib import Path

import pytest

from app.rules import KINDS, NOTE_CODES, RejectedPersonYear, evaluate, explain, kinds, registry
from app.rules import rule_text
from app.rules.model import MONTHS, POOL, PUBLIC, SPLIT
from app.rules.sets.y2026 import RULE_SET as Y2026

RULES_DIR = Path(__file__).resolve().parents[2] / "app" / "rules"


def test_the_2026_table_matches_the_notice():
    table = {r.kind: r for r in Y2026.kinds}
    assert list(table) == ["platform_course", "public_subject_exam", "offline_training",
                           "priority_training", "online_training", "academic_activity",
                           "education_or_tour", "achievement", "qualification_exam",
                           "expert_service", "assignment", "leave_exemption"]
    assert table["priority_training"].clause == "四(二)3"
    assert table["priority_training"].multiplier == 2
    assert [k for k, r in table.items() if r.pooled] == [
        "offline_training", "priority_training", "online_training", "academic_activity",
        "expert_service"]
    assert table["public_subject_exam"].category == PUBLIC
    assert {k for k, r in table.items() if r.category == SPLIT} == {"assignment",
                                                                   "leave_exemption"}
    assert (table["achievement"].unit, table["qualification_exam"].unit) == (10, 16)
    caps = {c.name: c for c in Y2026.caps}
    assert (caps["public_subject_exam"].limit, caps["education_or_tour"].limit,
            caps["achievement"].limit) == (30, 40, 30)
    assert caps["achievement"].dedupe_project
    assert "months" not in caps  # rev. 2: at most 12 months, on merged runs
    assert (Y2026.months.max_months, Y2026.months.threshold_days) == (12, 183)
    assert Y2026.channels == {"platform", "live", "video_meeting", "other", "wechat",
                              "wechat_group"}
    assert Y2026.unrecognized_channels == {"wechat", "wechat_group"}
    assert (Y2026.required_public, Y2026.required_professional, Y2026.daily_pool_hours) == (
        30, 60, 8)
    assert Y2026.months.public_per_month * 12 == 30
    assert Y2026.months.professional_per_month * 12 == 60


@pytest.fixture
def year_2099():
    """A fictional 2099: priority x3, education capped at 20, 6-hour days,
    a 40.5 public requirement and a threshold of 91 days."""
    caps = tuple(dataclasses.replace(c, limit=20) if c.name == "education_or_tour" else c
                 for c in Y2026.caps)
    kinds_ = tuple(dataclasses.replace(k, multiplier=3) if k.kind == "priority_training" else k
                   for k in Y2026.kinds if k.kind != "platform_course")
    months = dataclasses.replace(Y2026.months, threshold_days=91)
    rule_set = dataclasses.replace(Y2026, year=2099, caps=caps, kinds=kinds_, months=months,
                                   daily_pool_hours=6, required_public=D("40.5"))
    registry.register(rule_set)
    yield rule_set
    registry.unregister(2099)


def test_another_year_is_a_new_rule_set_and_no_engine_change(run, year_2099):
    result = run({"id": "s1", "kind": "priority_training", "category": "professional",
                  "days": [{"date": "2099-05-01", "hours": 8}]},
                 *({"id": f"d{i}", "kind": "education_or_tour", "category": "public",
                    "date": f"2099-0{i}-01"} for i in range(1, 4)),
                 {"id": "c1", "kind": "platform_course", "category": "public",
                  "date": "2099-05-01", "hours": 1},
                 {"id": "l1", "kind": "leave_exemption", "reason": "illness",
                  "start": "2099-01-01", "end": "2099-04-15"},
                 year=2099)
    got = [(i["public"], i["professional"], i["notes"]) for i in result["items"]]
    assert got == [(0, 18, ["daily_cap"]), (10, 0, []), (10, 0, []), (0, 0, ["annual_cap"]),
                   (0, 0, ["invalid"]), (D("10"), 20, [])]
    assert result["shortfall"]["public"] == D("10.5")
    assert 2099 in registry.years()
    assert rule_text("priority_training", year=2099) == rule_text("priority_training")


def test_without_its_rule_set_the_year_is_rejected(year_2099, py):
    registry.unregister(2099)
    with pytest.raises(RejectedPersonYear) as rejected:
        evaluate(py(year=2099))
    assert rejected.value.code == "unknown_year"


def test_a_year_cannot_be_registered_twice_by_accident():
    with pytest.raises(ValueError):
        registry.register(Y2026)
    registry.register(Y2026, replace=True)
    assert registry.get(2026) is Y2026


@pytest.mark.parametrize("change", [
    {"daily_pool_hours": D("7.25")},
    {"daily_pool_hours": 7.5},  # a float is not exact data
    {"caps": (dataclasses.replace(Y2026.caps[0], limit=D("0.05")),) + Y2026.caps[1:]},
    {"caps": Y2026.caps[:2]},  # achievement's cap group is gone
    {"kinds": Y2026.kinds + (dataclasses.replace(Y2026.kinds[0], kind="x", extra_fields=(
        "colour",)),)},
    {"kinds": Y2026.kinds + (dataclasses.replace(Y2026.kinds[0], kind="x",
                                                 cap_group="achievement"),)},
])
def test_a_rule_set_the_engine_cannot_apply_exactly_is_refused(change):
    with pytest.raises(ValueError):
        dataclasses.replace(Y2026, year=2098, **change)


# -- texts -------------------------------------------------------------------

def test_every_note_code_is_explained_in_chinese_and_english():
    assert len(NOTE_CODES) == 11
    for code in NOTE_CODES:
        zh, en = explain(code), explain(code, "en")
        assert zh and en and zh != en
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh)
    assert explain("daily_cap").startswith("四(二)2、4,四(三)1、5:")
    assert "16学时" in explain("daily_cap") and "8学时" in explain("daily_cap")
    assert explain("wechat_not_recognized").startswith("四(二)4:")
    assert explain("duplicate_project", "zh_CN") == explain("duplicate_project")


def test_explain_refuses_unknown_codes_locales_and_years():
    with pytest.raises(KeyError):
        explain("nonsense")
    with pytest.raises(ValueError):
        explain("daily_cap", "fr")
    with pytest.raises(KeyError):
        explain("daily_cap", year=1999)


def test_rule_text_of_every_kind():
    for kind in KINDS:
        assert rule_text(kind) and rule_text(kind, "en")
    assert rule_text("achievement") == "每项按10学时折算,每年累计不超过30学时(同一项目成果不重复计算)"
    assert "16" in rule_text("priority_training")
    with pytest.raises(KeyError):
        rule_text("teleportation")


def test_kinds_and_their_labels():
    assert KINDS["platform_course"] == "平台课程学习"
    assert KINDS["leave_exemption"] == "境外工作/病假/产假"
    assert len(KINDS) == 12 and list(kinds("en")) == list(KINDS)
    assert kinds("en")["priority_training"].startswith("Priority")


def test_texts_follow_the_numbers_of_the_table():
    caps = {c.name: c for c in Y2026.caps}
    assert f"{caps['education_or_tour'].limit}学时" in rule_text("education_or_tour")
    assert f"{caps['achievement'].limit}学时" in rule_text("achievement")
    assert f"{caps['public_subject_exam'].limit}学时" in rule_text("public_subject_exam")


# -- purity --------------------------------------------------------------------

FORBIDDEN = ("flask", "flask_appbuilder", "sqlalchemy", "flask_sqlalchemy", "psycopg",
             "sqlite3", "alembic")


def test_app_rules_imports_no_web_or_database_code():
    files = sorted(RULES_DIR.rglob("*.py"))
    assert len(files) >= 8
    for path in files:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"
                assert not name.startswith("app."), f"{path.name} imports {name}"


def test_pooled_and_months_kinds_have_the_right_credit_shapes():
    assert all((r.credit == POOL) == r.pooled for r in Y2026.kinds)
    assert {r.kind for r in Y2026.kinds if r.credit == MONTHS} == {"assignment",
                                                                   "leave_exemption"}


def test_out_of_scope_series_and_who_recognises_their_hours_come_from_the_rule_set():
    from app.rules import handler

    assert set(Y2026.out_of_scope_handlers) == Y2026.out_of_scope_series
    assert handler("health") == "市卫生健康委(市卫生健康人才发展中心)"
    assert handler("k12_teacher") == "市教育局" and handler("accounting", "en").endswith("Bureau")
    assert handler("engineering") is None and handler(None) is None


def test_a_class_kind_mapping_to_an_unknown_or_unpooled_kind_is_refused():
    with pytest.raises(ValueError):
        dataclasses.replace(Y2026, year=2097, class_kinds={
            "seminar": {"offline": "platform_course", "online": "priority_training"}})
    with pytest.raises(ValueError):
        dataclasses.replace(Y2026, year=2097, class_kinds={
            "seminar": {"offline": "priority_training"}})
