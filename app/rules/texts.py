"""User-facing texts: note explanations, one-line kind rules, kind labels.

The texts live in each year's rule set (`sets/yNNNN.py`), so a later year
can word them differently; these functions only look them up.
"""
from __future__ import annotations

from . import registry
from .model import ANNUAL_CAP, MONTHS, NOTE_CODES, RuleSet, Text


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


def explain(code: str, locale: str = "zh", year: int | None = None,
            kind: str | None = None) -> str:
    """Why an item (of `kind`, when given) got note `code`: the notice's words in
    quotes where it says so, the platform's own rule (本平台认定口径) where it
    decides. `annual_cap` names the cap of the item's own group."""
    if code not in NOTE_CODES:
        raise KeyError(f"unknown note code {code!r}")
    rule_set = _rule_set(year)
    text = rule_set.notes[code]
    rule = rule_set.kind(kind) if kind is not None else None
    if code == ANNUAL_CAP and rule is not None:
        if rule.cap_group is not None:
            text = next(cap for cap in rule_set.caps if cap.name == rule.cap_group).note or text
        elif rule.credit == MONTHS:
            text = rule_set.months.note or text
    return _pick(text, locale)


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


def channels(locale: str = "zh", year: int | None = None) -> dict[str, str]:
    """Every online channel of `year` with its label (the code where the set names
    none): the allowed ones first, then the refused ones."""
    rule_set = _rule_set(year)
    return {code: _pick(rule_set.channel_labels[code], locale) if code in rule_set.channel_labels
            else code
            for code in sorted(rule_set.channels,
                               key=lambda c: (c in rule_set.unrecognized_channels, c))}
