"""Which year: the one default year of screens, forms and commands, and the
facts of a year that its rule set owns and the application asks about
(which title series this platform recognises, and who handles the others).

Nothing outside `app/rules/sets/` names a year; everything asks here or the
year's rule set (`app.rules.registry`)."""
from __future__ import annotations


from .. import rules
from ..formatting import local_now, locale
from ..rules import registry
from ..rules.model import RuleSet


def current() -> int:
    """This calendar year in Asia/Shanghai."""
    return local_now().year


def with_rules() -> int:
    """The default year wherever a year's rules are needed: this year when it has
    a rule set, else the latest year that has one."""
    this_year, known = current(), registry.years()
    return this_year if this_year in known or not known else known[-1]


def rule_set(year: int | None = None) -> RuleSet | None:
    """The rule set of `year` (default: `with_rules()`), or None."""
    return registry.get(with_rules() if year is None else year)


def out_of_scope_series(year: int) -> frozenset[str]:
    """The title series whose hours other departments recognise in `year` (二);
    a year without a rule set has none."""
    found = registry.get(year)
    return found.out_of_scope_series if found else frozenset()


def in_scope(series: str | None, year: int) -> bool:
    return series not in out_of_scope_series(year)


def handler(series: str | None, year: int) -> str | None:
    """Who recognises the hours of `series` in `year`, in the user's language;
    None when this platform does."""
    if registry.get(year) is None:
        return None
    return rules.handler(series, locale(), year)
