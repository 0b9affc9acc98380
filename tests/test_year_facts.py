"""A year owns its facts (issue 9, 3): outside `app/rules/sets/` and the demo data,
no code or template names a year that has a rule set; claims are checked against
the rule set of their own year; the default year comes from one function."""
from __future__ import annotations

import ast
import io
import re
import tokenize
from datetime import datetime, timezone
from pathlib import Path

import pytest

from app.rules import registry

APP = Path(__file__).resolve().parents[1] / "app"
EXEMPT = (APP / "rules" / "sets", APP / "services" / "demo.py")  # migrations are outside app/
JINJA_COMMENT = re.compile(r"{#.*?#}", re.S)


def _year_pattern(years) -> re.Pattern:
    return re.compile(r"(?<!\d)(%s)(?!\d)" % "|".join(str(y) for y in years))


def python_mentions(source: str, years) -> list[tuple[int, str]]:
    """(line, token) of every number or string literal in `source` that names one of
    `years`; comments and docstrings (a string standing alone as a statement) are
    prose about the code and do not count."""
    pattern = _year_pattern(years)
    prose = {(node.value.lineno, node.value.col_offset) for node in ast.walk(ast.parse(source))
             if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
             and isinstance(node.value.value, str)}
    found = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NUMBER and tok.string.replace("_", "") in {str(y) for y in years}:
            found.append((tok.start[0], tok.string))
        elif tok.type == tokenize.STRING and tok.start not in prose and pattern.search(tok.string):
            found.append((tok.start[0], tok.string))
    return found


def template_mentions(source: str, years) -> list[tuple[int, str]]:
    pattern = _year_pattern(years)
    text = JINJA_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), source)
    return [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if pattern.search(line)]


def test_the_scanner_sees_numbers_strings_and_f_strings_but_not_prose():
    years = [2026]
    code = ('"""Module about rules-2026.md."""\n'
            "# a comment on 2026\n"
            "def f(year=2026):\n"
            '    """Its docstring, 2026."""\n'
            '    return f"{year}-03-01", "2026-04-01 8", 20260000123, "x2026y"\n')
    assert [line for line, _ in python_mentions(code, years)] == [3, 5, 5]
    assert template_mentions('{# 2026 #}\n<p>{{ _("e.g. 2026-04-01") }}</p>', years) == [
        (2, '<p>{{ _("e.g. 2026-04-01") }}</p>')]


def test_no_code_outside_the_rule_sets_names_a_rule_set_year():
    years = registry.years()
    found = []
    for path in sorted(APP.rglob("*")):
        if any(path == e or e in path.parents for e in EXEMPT) or not path.is_file():
            continue
        if path.suffix == ".py":
            hits = python_mentions(path.read_text(encoding="utf-8"), years)
        elif path.suffix == ".html":
            hits = template_mentions(path.read_text(encoding="utf-8"), years)
        else:
            continue
        found += [f"{path.relative_to(APP.parent)}:{line}: {text}" for line, text in hits]
    assert found == []


def test_the_default_year_is_today_in_shanghai(app, monkeypatch):
    from app import formatting
    from app.services import years

    # 2026-12-31 17:00 UTC is already 2027-01-01 in Qingdao
    monkeypatch.setattr(formatting, "local_now", lambda: datetime(
        2026, 12, 31, 17, tzinfo=timezone.utc).astimezone(formatting.LOCAL_TIME))
    monkeypatch.setattr(years, "local_now", formatting.local_now)
    assert years.current() == 2027
    latest = registry.latest()
    assert years.with_rules() == (2027 if 2027 in registry.years() else latest)


@pytest.fixture
def year_2099():
    """A fictional year whose leave reasons, day hours and series differ from the real ones."""
    import dataclasses

    base = registry.get(registry.latest())
    months = dataclasses.replace(base.months, reasons=frozenset({"overseas"}),
                                 threshold_reasons=frozenset({"overseas"}))
    rule_set = dataclasses.replace(base, year=2099, months=months, day_max_hours=12,
                                   out_of_scope_series=frozenset({"engineering"}),
                                   out_of_scope_handlers={"engineering": base.notes["invalid"]})
    registry.register(rule_set)
    yield rule_set
    registry.unregister(2099)


def test_a_record_is_checked_against_the_rule_set_of_its_own_year(app, year_2099):
    from app.services import records
    from app.services.errors import BusinessError

    leave = {"start": "2099-01-01", "end": "2099-12-31", "reason": "maternity"}
    with app.test_request_context():
        with pytest.raises(BusinessError) as refused:
            records.clean("leave_exemption", leave)
        assert refused.value.field == "reason"
        this_year = min(registry.years())  # a real year, which allows maternity leave
        ok = records.clean("leave_exemption", {**leave, "start": f"{this_year}-01-01",
                                               "end": f"{this_year}-12-31"})
        assert ok["reason"] == "maternity" and ok["first_year"] == this_year
        # 2099 allows 12 hours a day, not 24
        with pytest.raises(BusinessError) as too_long:
            records.clean("academic_activity", {"category": "professional",
                                                "days": "2099-03-01 13"})
        assert too_long.value.field == "days"
        assert records.clean("academic_activity", {"category": "professional",
                                                   "days": "2099-03-01 12"})["first_year"] == 2099
        # a year without a rule set is refused on the date field, in Chinese
        with pytest.raises(BusinessError) as no_rules:
            records.clean("achievement", {"category": "professional", "date": "2098-05-01",
                                          "project": "P"})
        assert no_rules.value.field == "date" and "2098" in str(no_rules.value)


def test_who_is_out_of_scope_is_the_years_rule_set(app, year_2099):
    from app.services import years

    with app.test_request_context():
        assert not years.in_scope("engineering", 2099) and years.in_scope("health", 2099)
        assert years.handler("engineering", 2099) == year_2099.notes["invalid"].zh
        assert not years.in_scope("health", registry.years()[0])
        assert years.handler("health", registry.years()[0]).startswith("市卫生健康委")
