"""Xueshi's rules engine: credit hours per person and year (pure Python).

    evaluate(person_year) -> result dict (numbers as Decimal), or raises
        RejectedPersonYear (Chinese message, `.code`)
    explain(code, locale="zh", year=None) -> why a note was given
    rule_text(kind, locale="zh", year=None) -> a kind's rule in one line
    KINDS -> {kind: Chinese label} of the latest year; kinds(locale, year) for others
    (year None: the latest year with a rule set)

The rules of each year are data (`sets/`), looked up through `registry`.
Command line: `python -m app.rules evaluate [FILE]`.
"""
from types import MappingProxyType

from .engine import RejectedPersonYear, evaluate
from .model import NOTE_CODES
from .texts import channels, explain, handler, kinds, rule_text

KINDS = MappingProxyType(kinds())

__all__ = ["KINDS", "NOTE_CODES", "RejectedPersonYear", "channels", "evaluate", "explain",
           "handler", "kinds", "rule_text"]
