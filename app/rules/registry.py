"""Year -> rule set. A year without a rule set rejects its person-years whole.

Adding a year: write `sets/yNNNN.py` defining `RULE_SET`; every module of
`sets/` is loaded. Nothing in the engine changes.
"""
from __future__ import annotations

import pkgutil
from importlib import import_module

from . import sets
from .model import RuleSet

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


def latest() -> int:
    """The latest year with a rule set."""
    return max(_RULE_SETS)


for _module in sorted(pkgutil.iter_modules(sets.__path__), key=lambda m: m.name):
    register(import_module(f"{sets.__name__}.{_module.name}").RULE_SET)
