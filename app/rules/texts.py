"""User-facing texts: note explanations, one-line kind rules, kind labels.

The texts live in each year's rule set (`sets/yNNNN.py`), so a later year
can word them differently; these functions only look them up.
"""
from __future__ import annotations

from . import registry
from .model import NOTE_CODES, RuleSet, Text


def _rule_set(year: int | None) -> RuleSet:
    """The rule set of `year`; None means the latest year that has one."""
    rule_set = registry.get(registry.latest() if year is None else year)
    if rule_set is None:
        raise KeyError(f"no rule set for year {year!r}")
    return rule_set


def _pick(text: Text, locale: str) -> str:
    """'zh' (default; 'zh_CN', 'zh-Hans' too) or 'en' ('en_US'...)."""
    language = locale.replace("-", "_").split("_")[0].lower()
    if language == "zh":
        return text.zh
    if language == "en":
        return text.en
    raise ValueError(f"unsupported locale {locale!r} (zh or en)")


def explain(code: str, locale: str = "zh", year: int | None = None) -> str:
    """Why an item got note `code`, quoting the notice's clause."""
    if code not in NOTE_CODES:
        raise KeyError(f"unknown note code {code!r}")
    return _pick(_rule_set(year).notes[code], locale)


def handler(series: str | None, locale: str = "zh", year: int | None = None) -> str | None:
    """Who recognises the hours of an out-of-scope `series` (二), or None when in scope."""
    text = _rule_set(year).out_of_scope_handlers.get(series) if series else None
    return None if text is None else _pick(text, locale)


def rule_text(kind: str, locale: str = "zh", year: int | None = None) -> str:
    """The one-line rule of `kind`, for forms."""
    rule = _rule_set(year).kind(kind)
    if rule is None:
        raise KeyError(f"unknown kind {kind!r}")
    return _pick(rule.summary, locale)


def kinds(locale: str = "zh", year: int | None = None) -> dict[str, str]:
    """Every kind of `year`, in table order, with its label."""
    return {rule.kind: _pick(rule.label, locale) for rule in _rule_set(year).kinds}
