"""Year -> rule set. A year without a rule set rejects its person-years whole.

Adding a year: write `sets/yNNNN.py` defining `RULE_SET`, and add its module
name to `_BUILT_IN` below. Nothing in the engine changes.
"""
from __future__ import annotations

from importlib import import_module

from .model import RuleSet

_BUILT_IN = ("y2026",)

_RULE_SETS: dict[int, RuleSet] = {}


def register(rule_set: RuleSet, *, replace: bool = False) -> None:
    """Make `rule_set` the rules of its year."""
    if rule_set.year in _RULE_SETS and not replace:
        raise ValueError(f"year {rule_set.year} already has a rule set")
    _RULE_SETS[rule_set.year] = rule_set


def unregister(year: int) -> None:
    """Forget the rule set of `year` (tests use this for fictional years)."""
    _RULE_SETS.pop(year, None)


def get(year: int) -> RuleSet | None:
    """The rule set of `year`, or None."""
    return _RULE_SETS.get(year)


def years() -> list[int]:
    """Every year with a rule set, ascending."""
    return sorted(_RULE_SETS)


for _name in _BUILT_IN:
    register(import_module(f"{__package__}.sets.{_name}").RULE_SET)
